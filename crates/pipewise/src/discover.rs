//! Discovery: which files of a repository pipewise reads, and what kind each one is.
//!
//! The walk never follows directory links (no loops, nothing outside the repository),
//! skips dependency and build folders, and remembers every path it saw so rules can
//! check that a file a step refers to exists without touching the disk again.

use crate::source::{FileKind, LoadError};
use crate::tree::{EntryKind, Tree, WalkMemo, Walked};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Folders never descended into.
const SKIP_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "vendor",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    "third_party",
    ".tox",
    ".terraform",
    "bower_components",
];

/// Deepest folder level walked below the root; deeper folders are reported (one
/// error entry) and a path below them is taken to exist when it does on disk.
pub const MAX_DEPTH: usize = 32;
/// At most this many paths are remembered (huge monorepos); past it an error entry
/// says so, and a path not remembered is checked on disk.
pub const MAX_PATHS: usize = 200_000;

/// The result of walking one repository.
#[derive(Debug, Default)]
pub struct Discovery {
    pub root: PathBuf,
    /// Files to load, sorted by path.
    pub files: Vec<(String, FileKind)>,
    /// Every file and folder path seen (relative), for existence checks.
    pub paths: BTreeSet<String>,
    pub errors: Vec<LoadError>,
    /// `paths` misses some paths (the walk stopped at [`MAX_DEPTH`] or
    /// [`MAX_PATHS`]): a path not in it may still exist.
    pub incomplete: bool,
    /// A digest of `paths` in the order the walk found them, when its folders
    /// were kept by a [`WalkMemo`] and it met no limit: two discoveries with the
    /// same digest have the same `paths`.
    pub paths_digest: Option<u128>,
}

/// Classifies a repository-relative path.
pub fn classify(rel: &str) -> Option<FileKind> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let lower = name.to_ascii_lowercase();
    let is_yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
    if rel == crate::github::actions_lock::PATH {
        return Some(FileKind::ActionsLock);
    }
    if let Some(rest) = rel.strip_prefix(".github/workflows/") {
        if !rest.contains('/') && is_yaml {
            return Some(FileKind::Workflow);
        }
    }
    if (lower == "action.yml" || lower == "action.yaml")
        && (rel == name || rel.starts_with(".github/actions/") || rel.starts_with(".github/"))
    {
        return Some(FileKind::Action);
    }
    if rel == ".gitlab-ci.yml" || rel == ".gitlab-ci.yaml" {
        return Some(FileKind::GitlabCi);
    }
    if rel == ".github/dependabot.yml" || rel == ".github/dependabot.yaml" {
        return Some(FileKind::Dependabot);
    }
    if matches!(
        rel,
        "renovate.json"
            | "renovate.json5"
            | ".renovaterc"
            | ".renovaterc.json"
            | ".renovaterc.json5"
            | ".github/renovate.json"
            | ".github/renovate.json5"
            | ".gitlab/renovate.json"
    ) {
        return Some(FileKind::Renovate);
    }
    if is_dockerfile_name(name) {
        return Some(FileKind::Dockerfile);
    }
    if is_yaml && (lower.starts_with("docker-compose") || lower.starts_with("compose")) {
        return Some(FileKind::Compose);
    }
    if !rel.contains('/')
        && matches!(
            name,
            ".nvmrc"
                | ".node-version"
                | ".python-version"
                | ".tool-versions"
                | "rust-toolchain"
                | "rust-toolchain.toml"
                | ".ruby-version"
                | ".java-version"
                | ".go-version"
        )
    {
        return Some(FileKind::PinFile);
    }
    let depth = rel.matches('/').count();
    if depth <= 3
        && (matches!(
            name,
            "package.json"
                | "pyproject.toml"
                | "Cargo.toml"
                | "go.mod"
                | "pom.xml"
                | "Gemfile"
                | "composer.json"
                | "setup.py"
                | "setup.cfg"
                | "Pipfile"
        ) || name.starts_with("build.gradle")
            || (name.starts_with("requirements") && name.ends_with(".txt")))
    {
        return Some(FileKind::Manifest);
    }
    None
}

/// Extensions after `Dockerfile.` that make a source file or a template, not a
/// Dockerfile ([`is_dockerfile_name`]).
const NOT_DOCKERFILE: &[&str] = &[
    "rs", "go", "py", "js", "ts", "md", "txt", "json", "yml", "yaml", "toml", "sh", "rb", "java",
    "c", "h", "cpp", "html", "lock", "orig", "bak", "swp", "j2", "jinja", "tpl", "tmpl",
    "template", "in", "erb", "mustache", "hbs", "snap",
];

/// `Dockerfile`, `Dockerfile.prod`, `dockerfile-dev`, `api.Dockerfile`, `Containerfile`;
/// not source files or templates that merely start with the word (`dockerfile.rs`,
/// `Dockerfile.md`, `Dockerfile.j2`). ASCII case is ignored; nothing is allocated
/// (discovery and the Dependabot rule ask it of every path).
pub fn is_dockerfile_name(name: &str) -> bool {
    let b = name.as_bytes();
    if ends_with_ignore_case(b, b".dockerfile")
        || b.eq_ignore_ascii_case(b"containerfile")
        || b.eq_ignore_ascii_case(b"dockerfile")
    {
        return true;
    }
    let Some(rest) = strip_prefix_ignore_case(b, b"dockerfile")
        .or_else(|| strip_prefix_ignore_case(b, b"containerfile"))
    else {
        return false;
    };
    let ext = rest.rsplit(|c| *c == b'.').next().unwrap_or_default();
    matches!(rest.first(), Some(b'.' | b'-' | b'_'))
        && !(rest.contains(&b'.')
            && NOT_DOCKERFILE
                .iter()
                .any(|n| ext.eq_ignore_ascii_case(n.as_bytes())))
}

/// Whether `s` ends with `suffix`, ASCII case ignored.
pub(crate) fn ends_with_ignore_case(s: &[u8], suffix: &[u8]) -> bool {
    s.len() >= suffix.len()
        && s.get(s.len() - suffix.len()..)
            .is_some_and(|e| e.eq_ignore_ascii_case(suffix))
}

/// `s` after `prefix`, ASCII case ignored.
fn strip_prefix_ignore_case<'a>(s: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let (head, rest) = s.split_at_checked(prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then_some(rest)
}

/// Walks `root`. Directory links are never followed; file links are listed and
/// checked when read.
pub fn discover(root: &Path) -> Discovery {
    discover_in(&crate::tree::Disk::new(root), root)
}

/// Walks a repository's [`Tree`] (a folder on disk, or a commit's tree): the same
/// folders skipped, the same depth and path limits, links never followed into
/// folders. `root` is recorded as the discovery's root.
///
/// When the tree has a [`WalkMemo`] (the commits of one git repository share
/// one), a folder whose content id was walked before at the same path is not
/// listed again: what its walk found is replayed, in the same order.
pub fn discover_in(tree: &dyn Tree, root: &Path) -> Discovery {
    let mut w = Walk {
        tree,
        memo: tree.walk_memo(),
        d: Discovery {
            root: root.to_path_buf(),
            ..Discovery::default()
        },
        depth_reported: false,
        paths_reported: false,
        pending: vec![],
    };
    let root = w.walk(String::new(), 0);
    w.settle();
    let mut d = w.d;
    d.paths_digest = root.map(|r| r.digest);
    d.files.sort();
    d
}

/// One discovery walk in progress.
struct Walk<'t> {
    tree: &'t dyn Tree,
    memo: Option<&'t WalkMemo>,
    d: Discovery,
    depth_reported: bool,
    paths_reported: bool,
    /// Paths found and not yet in `d.paths`, in the order found: the set is built
    /// from them at once (sorted, then built in bulk), not path by path.
    pending: Vec<String>,
}

impl Walk<'_> {
    /// Walks `dir` (at `depth` below the root) and the folders below it: its
    /// entries' paths first, then its subfolders, last listed first. Returns what
    /// it found when there is a memo and no limit was met on the way.
    fn walk(&mut self, dir: String, depth: usize) -> Option<Arc<Walked>> {
        let id = self.memo.and_then(|_| self.tree.folder_id(&dir));
        if let (Some(memo), Some(id)) = (self.memo, &id) {
            if let Some(w) = memo.get(&dir, id) {
                if self.fewer_paths_than(MAX_PATHS - w.total.min(MAX_PATHS)) {
                    self.replay(&w);
                    return Some(w);
                }
            }
        }
        let keep = id.is_some();
        let mut node = Walked {
            dir,
            paths: vec![],
            files: vec![],
            errors: vec![],
            subs: vec![],
            total: 0,
            digest: 0,
        };
        let (files, errors) = (self.d.files.len(), self.d.errors.len());
        let mut limited = false;
        let mut subdirs = vec![];
        match self.tree.list(&node.dir) {
            Err(e) => {
                if node.dir.starts_with(".github") || node.dir.is_empty() {
                    self.d.errors.push(LoadError {
                        file: if node.dir.is_empty() {
                            ".".into()
                        } else {
                            node.dir.clone()
                        },
                        line: 0,
                        column: 0,
                        message: format!("cannot read directory: {e}"),
                    });
                }
            }
            Ok(mut children) => {
                children.sort_by(|a, b| a.name.cmp(&b.name));
                for entry in children {
                    let rel = if node.dir.is_empty() {
                        entry.name.clone()
                    } else {
                        format!("{}/{}", node.dir, entry.name)
                    };
                    if keep {
                        node.paths.push(rel.clone());
                    }
                    if self.fewer_paths_than(MAX_PATHS) {
                        self.pending.push(rel.clone());
                    } else {
                        limited = true;
                        if !std::mem::replace(&mut self.paths_reported, true) {
                            self.d.incomplete = true;
                            self.d.errors.push(LoadError {
                                file: ".".into(),
                                line: 0,
                                column: 0,
                                message: format!(
                                    "more than {MAX_PATHS} paths; later paths are checked on disk when a step names them"
                                ),
                            });
                        }
                    }
                    if entry.kind == EntryKind::Dir {
                        if SKIP_DIRS.contains(&entry.name.as_str()) {
                            continue;
                        }
                        if depth < MAX_DEPTH {
                            subdirs.push(rel);
                        } else {
                            limited = true;
                            if !std::mem::replace(&mut self.depth_reported, true) {
                                self.d.incomplete = true;
                                self.d.errors.push(LoadError {
                                    file: rel,
                                    line: 0,
                                    column: 0,
                                    message: format!(
                                        "folder deeper than {MAX_DEPTH} levels: not walked (a file below it that a step names is checked on disk)"
                                    ),
                                });
                            }
                        }
                        continue;
                    }
                    if let Some(kind) = classify(&rel) {
                        self.d.files.push((rel, kind));
                    } else if entry.kind == (EntryKind::Link { to_dir: true })
                        && (rel == ".github" || rel.starts_with(".github/"))
                    {
                        // A link to a directory inside .github: say it is not followed.
                        self.d.errors.push(LoadError {
                            file: rel,
                            line: 0,
                            column: 0,
                            message: "symbolic link to a directory; not followed".into(),
                        });
                    }
                }
            }
        }
        if keep {
            node.files = self.d.files[files..].to_vec();
            node.errors = self.d.errors[errors..].to_vec();
        }
        // Last listed first, as a stack of folders pops them.
        for sub in subdirs.into_iter().rev() {
            match self.walk(sub, depth + 1) {
                Some(w) => node.subs.push(w),
                None => limited = true,
            }
        }
        let (Some(memo), Some(id), false) = (self.memo, id, limited) else {
            return None;
        };
        node.total = node.paths.len() + node.subs.iter().map(|s| s.total).sum::<usize>();
        node.digest = crate::tree::paths_digest(&node.paths, &node.subs);
        let node = Arc::new(node);
        memo.put(id, node.clone());
        Some(node)
    }

    /// Whether fewer than `n` distinct paths were found so far (what the set of
    /// paths would hold): at once while the paths found, repeats included, are
    /// fewer; else the pending paths are put in the set and it is counted.
    fn fewer_paths_than(&mut self, n: usize) -> bool {
        if self.d.paths.len() + self.pending.len() < n {
            return true;
        }
        self.settle();
        self.d.paths.len() < n
    }

    /// Puts the pending paths in the set.
    fn settle(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        if self.d.paths.is_empty() {
            self.d.paths = pending.into_iter().collect();
        } else {
            self.d.paths.extend(pending);
        }
    }

    /// Adds what walking the folder of `w` found, as walking it again would
    /// (noted once for the folder and the folders below it).
    fn replay(&mut self, w: &Walked) {
        self.tree.note_listed_below(&w.dir);
        self.add_walked(w);
    }

    fn add_walked(&mut self, w: &Walked) {
        self.pending.extend(w.paths.iter().cloned());
        self.d.files.extend(w.files.iter().cloned());
        self.d.errors.extend(w.errors.iter().cloned());
        for s in &w.subs {
            self.add_walked(s);
        }
    }
}

/// The repository root for a path given on the command line: a directory is its
/// own root; for a file, the folder above its `.github`, or its own folder.
pub fn root_for_file(file: &Path) -> PathBuf {
    let parent = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Walk up absolute paths, so `ci.yml` given in `.github/workflows` finds its root.
    let abs = std::fs::canonicalize(&parent).unwrap_or_else(|_| parent.clone());
    let mut cur = abs.as_path();
    loop {
        if cur.file_name().is_some_and(|n| n == ".github") {
            return relative_to(&parent, &abs, cur.parent().unwrap_or(cur));
        }
        if cur.join(".git").exists() {
            return relative_to(&parent, &abs, cur);
        }
        match cur.parent() {
            Some(p) => cur = p,
            None => break,
        }
    }
    parent
}

/// `target` (an ancestor of `abs`, the canonical form of `given`) written the way
/// the user wrote `given` when `given` names it by dropping components; else absolute.
fn relative_to(given: &Path, abs: &Path, target: &Path) -> PathBuf {
    let up = abs
        .components()
        .count()
        .saturating_sub(target.components().count());
    let mut p = given.to_path_buf();
    for _ in 0..up {
        if matches!(
            p.components().next_back(),
            Some(std::path::Component::Normal(_))
        ) {
            p.pop();
        } else {
            return target.to_path_buf();
        }
    }
    if p.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The earlier form of [`is_dockerfile_name`] (a lowercased copy of the name).
    fn is_dockerfile_name_copying(name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".dockerfile") || lower == "containerfile" || lower == "dockerfile" {
            return true;
        }
        let Some(rest) = lower
            .strip_prefix("dockerfile")
            .or_else(|| lower.strip_prefix("containerfile"))
        else {
            return false;
        };
        let ext = rest.rsplit('.').next().unwrap_or("");
        (rest.starts_with('.') || rest.starts_with('-') || rest.starts_with('_'))
            && !(rest.contains('.') && NOT_DOCKERFILE.contains(&ext))
    }

    /// Names built from the prefixes, separators, extensions and cases that matter
    /// (non-ASCII letters too): the form without a copy answers as the earlier one.
    #[test]
    fn dockerfile_names_are_judged_as_by_the_lowercased_copy() {
        let heads = [
            "",
            "Dockerfile",
            "dockerfile",
            "DOCKERFILE",
            "DockerFile",
            "Containerfile",
            "CONTAINERFILE",
            "api.",
            "api",
            "Dockerfil",
            "ocker",
            "Ｄockerfile",
            "é",
        ];
        let mids = [
            "",
            ".",
            "-",
            "_",
            "..",
            ".prod",
            "-dev",
            "_x.",
            ".Dockerfile",
            "é.",
        ];
        let tails = [
            "",
            "rs",
            "RS",
            "Rs",
            "j2",
            "J2",
            "prod",
            "dockerfile",
            "DOCKERFILE",
            "md",
            "x",
            "template",
            "Template",
            "é",
            "snap.bak",
            "tar.gz",
        ];
        let mut n = 0;
        let mut yes = 0;
        for h in heads {
            for m in mids {
                for t in tails {
                    let name = format!("{h}{m}{t}");
                    let want = is_dockerfile_name_copying(&name);
                    assert_eq!(is_dockerfile_name(&name), want, "{name:?}");
                    n += 1;
                    yes += usize::from(want);
                }
            }
        }
        assert!(n > 2000 && yes > 200 && yes < n / 2, "{yes} of {n}");
    }

    /// A tree of `folders` folders of `files` files each, every name listed
    /// `times` times (as a folder read lossily can show two names alike).
    #[derive(Debug)]
    struct Wide {
        folders: usize,
        files: usize,
        times: usize,
    }

    impl Tree for Wide {
        fn list(&self, dir: &str) -> Result<Vec<crate::tree::Entry>, String> {
            let (n, kind, name): (usize, EntryKind, &str) = if dir.is_empty() {
                (self.folders, EntryKind::Dir, "d")
            } else {
                (self.files, EntryKind::File, "f")
            };
            Ok((0..n * self.times)
                .map(|i| crate::tree::Entry {
                    name: format!("{name}{}", i % n),
                    kind,
                })
                .collect())
        }
        fn size(&self, _rel: &str) -> Option<u64> {
            None
        }
        fn read(&self, rel: &str) -> Result<String, LoadError> {
            Err(LoadError {
                file: rel.to_string(),
                line: 0,
                column: 0,
                message: "not read".into(),
            })
        }
        fn lookup(&self, _rel: &str) -> Option<bool> {
            None
        }
    }

    /// The path limit counts distinct paths (the set's size), not the paths
    /// found: repeated names do not make the walk stop early, and past the
    /// limit exactly [`MAX_PATHS`] paths are kept.
    #[test]
    fn the_path_limit_counts_distinct_paths() {
        let walk = |w: Wide| discover_in(&w, Path::new("wide"));
        // 3 + 3 × 60,000 distinct paths, each file listed twice (360,003 found).
        let d = walk(Wide {
            folders: 3,
            files: 60_000,
            times: 2,
        });
        assert_eq!(d.paths.len(), 180_003);
        assert!(!d.incomplete && d.errors.is_empty(), "{:?}", d.errors);
        // 3 + 3 × 70,000 distinct paths: over the limit.
        let d = walk(Wide {
            folders: 3,
            files: 70_000,
            times: 1,
        });
        assert_eq!(d.paths.len(), MAX_PATHS);
        assert!(d.incomplete);
        assert_eq!(d.errors.len(), 1, "{:?}", d.errors);
        // The folders first, then the files of the last folder listed first.
        assert!(d.paths.contains("d0") && d.paths.contains("d2/f69999"));
        assert!(d.paths.contains("d1/f59999") && !d.paths.contains("d0/f69999"));
    }

    #[test]
    fn classifies_paths() {
        assert_eq!(
            classify(".github/workflows/ci.yml"),
            Some(FileKind::Workflow)
        );
        assert_eq!(classify(".github/workflows/sub/ci.yml"), None);
        assert_eq!(
            classify(".github/actions/setup/action.yml"),
            Some(FileKind::Action)
        );
        assert_eq!(classify("action.yaml"), Some(FileKind::Action));
        assert_eq!(
            classify(".github/dependabot.yml"),
            Some(FileKind::Dependabot)
        );
        assert_eq!(
            classify("docker/Dockerfile.prod"),
            Some(FileKind::Dockerfile)
        );
        assert_eq!(
            classify("docker-compose.override.yml"),
            Some(FileKind::Compose)
        );
        assert_eq!(classify(".nvmrc"), Some(FileKind::PinFile));
        assert_eq!(classify("web/package.json"), Some(FileKind::Manifest));
        assert_eq!(classify("requirements-dev.txt"), Some(FileKind::Manifest));
        assert_eq!(classify("src/main.rs"), None);
        assert_eq!(classify("src/dockerfile.rs"), None);
        assert_eq!(classify("docker/Dockerfile.j2"), None);
        assert_eq!(classify("Dockerfile-dev"), Some(FileKind::Dockerfile));
        assert_eq!(classify("api.Dockerfile"), Some(FileKind::Dockerfile));
        assert_eq!(classify("Containerfile"), Some(FileKind::Dockerfile));
    }
}
