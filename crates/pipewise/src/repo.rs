//! One repository in memory: its discovered files (loaded in parallel), every path it
//! has, and the shell scripts that `run:` steps call, followed transitively.

use crate::shell::{Command, Script};
use crate::source::{read_text, FileKind, LoadError, SourceFile};
use crate::tree::Tree;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug)]
pub struct Repo {
    pub root: PathBuf,
    /// The root as the user gave it, for reports.
    pub display: String,
    /// Loaded files, sorted by path.
    pub files: Vec<Arc<SourceFile>>,
    /// Every path seen in the walk.
    pub paths: BTreeSet<String>,
    pub errors: Vec<LoadError>,
    /// The walk did not see every path (too deep, too many): a path missing from
    /// `paths` is then looked up on disk.
    pub incomplete: bool,
    /// Where the files are read from when not from the folder `root` on disk (a
    /// commit's tree in a git object database).
    pub tree: Option<Arc<dyn Tree>>,
    /// A digest of `paths` from discovery ([`crate::discover::Discovery::paths_digest`]),
    /// when known: the same digest, the same `paths` (stack detection is kept by
    /// it across a history's commits). `None` unless set by loading; whoever
    /// changes `paths` sets it to `None`.
    pub paths_digest: Option<u128>,
}

/// The last part of every path of a repository ([`Repo::file_names`]).
#[derive(Debug)]
pub struct FileNames(foldhash::HashSet<String>);

/// A script called from a step, loaded and parsed.
#[derive(Debug)]
pub struct ScriptFile {
    pub file: SourceFile,
    pub script: Script,
    /// Whether the script, run as a file, stops at the first failing command
    /// (`set -e`, `set -o errexit`, or `-e` on its `#!` line). Computed once here:
    /// every step that calls the script asks, through several rules.
    pub errexit: bool,
    /// The scripts its commands call, in command order (each command's target
    /// relative to the repository root, then relative to the script's folder;
    /// repeats kept). Found once, when the scripts are loaded: every step that
    /// calls the script walks them.
    pub callees: Vec<String>,
}

/// Whether a script file sets errexit (see [`ScriptFile::errexit`]).
fn script_errexit(text: &str) -> bool {
    let shebang_e = text.lines().next().is_some_and(|l| {
        l.starts_with("#!")
            && l.split_whitespace()
                .skip(1)
                .any(|w| w.starts_with('-') && w.contains('e'))
    });
    text.contains("set -e") || text.contains("set -o errexit") || shebang_e
}

/// Scripts by repository path.
pub type Scripts = BTreeMap<String, ScriptFile>;

impl Repo {
    /// The size of the file at `rel` (0 when it cannot be known; it is then refused
    /// or read within its own limit).
    pub(crate) fn size_of(&self, rel: &str) -> u64 {
        match &self.tree {
            Some(t) => t.size(rel).unwrap_or(0),
            None => std::fs::metadata(self.root.join(rel)).map_or(0, |m| m.len()),
        }
    }

    /// Reads the repository's file at `rel` within the limits of every audited file
    /// ([`read_text`]): from its tree, or from disk.
    pub fn read(&self, rel: &str) -> Result<String, LoadError> {
        crate::reads::note(|| crate::reads::Dep::File(rel.to_string()));
        match &self.tree {
            Some(t) => t.read(rel),
            None => read_text(&self.root, &self.root.join(rel), rel),
        }
    }

    /// The loaded file at `path`. Per-file rules read other files only through
    /// this, [`Repo::exists`] and [`Repo::files_of`]: what they read is recorded
    /// for the reuse of their findings across versions ([`crate::reuse`]).
    pub fn file(&self, path: &str) -> Option<&SourceFile> {
        crate::reads::note(|| crate::reads::Dep::File(path.to_string()));
        self.files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
            .and_then(|i| self.files.get(i))
            .map(|f| &**f)
    }

    pub fn files_of(&self, kind: FileKind) -> impl Iterator<Item = &SourceFile> {
        crate::reads::note(|| crate::reads::Dep::Kind(kind));
        self.files
            .iter()
            .filter(move |f| f.kind == kind)
            .map(|f| &**f)
    }

    /// Whether a file or folder exists at this repository-relative path.
    pub fn exists(&self, path: &str) -> bool {
        crate::reads::note(|| crate::reads::Dep::Exists(path.to_string()));
        let p = normalize(path);
        p.is_empty() || self.paths.contains(&p) || self.on_disk(&p).is_some()
    }

    /// [`Repo::exists`] of a path already normal ([`normalize`] returns it as is):
    /// the same answer and the same read noted, without normalizing it again.
    pub(crate) fn exists_normal(&self, path: &str) -> bool {
        debug_assert!(is_normal(path), "{path}");
        crate::reads::note(|| crate::reads::Dep::Exists(path.to_string()));
        self.paths.contains(path) || self.on_disk(path).is_some()
    }

    /// The last part of every path (`Dockerfile` for `app/Dockerfile`), for
    /// [`Repo::lacks_file_named`]. (Built once by the rule that asks, and kept.)
    pub fn file_names(&self) -> FileNames {
        FileNames(
            self.paths
                .iter()
                .map(|p| p.rsplit('/').next().unwrap_or(p).to_string())
                .collect(),
        )
    }

    /// Whether no path of the repository is `name` or ends in `/name`, for certain
    /// (`names` from [`Repo::file_names`]): then no normal path ending in `name`
    /// exists. Never while reads are recorded (each path asked must be noted through
    /// [`Repo::exists`]) nor when the walk was incomplete (a path may be on disk only).
    pub fn lacks_file_named(&self, names: &FileNames, name: &str) -> bool {
        !self.incomplete && !crate::reads::recording() && !names.0.contains(name)
    }

    /// When the walk was incomplete: whether `p` (normalized) exists on disk, through
    /// no link and no skipped folder; `Some(is_file)`.
    fn on_disk(&self, p: &str) -> Option<bool> {
        if !self.incomplete || p == ".." || p.starts_with('/') {
            return None;
        }
        match &self.tree {
            Some(t) => t.lookup(p),
            None => crate::tree::Disk::new(&self.root).lookup(p),
        }
    }

    /// Loads the scripts named by `calls` (repository paths), then the scripts they
    /// call, and so on, each once.
    pub fn load_scripts(&self, calls: BTreeSet<String>, errors: &mut Vec<LoadError>) -> Scripts {
        let mut scripts = Scripts::new();
        let mut pending: Vec<String> = calls.into_iter().collect();
        let mut seen: BTreeSet<String> = pending.iter().cloned().collect();
        // What is left of the repository budget after the discovered files.
        let mut left = MAX_REPO_BYTES.saturating_sub(
            self.files
                .iter()
                .map(|f| f.text().len() as u64)
                .sum::<u64>(),
        );
        while !pending.is_empty() {
            // Spent in order, from the sizes on disk, before reading.
            pending.retain(|p| {
                let size = self.size_of(p);
                if size > crate::source::MAX_FILE_BYTES {
                    return true; // refused on its own when read
                }
                if size > left {
                    errors.push(budget_error(p));
                    return false;
                }
                left -= size;
                true
            });
            let batch: Vec<(String, Result<String, LoadError>)> = pending
                .par_iter()
                .map(|p| {
                    // A script `pipewise fix` loaded (and may have edited) is read
                    // from memory.
                    let text = match self.file(p) {
                        Some(f) if f.kind == FileKind::Script => Ok(f.text().to_string()),
                        _ => self.read(p),
                    };
                    (p.clone(), text)
                })
                .collect();
            pending.clear();
            for (path, res) in batch {
                match res {
                    Ok(text) => {
                        let script = Script::parse(&text);
                        let (file, _) = SourceFile::from_text(path.clone(), FileKind::Script, text);
                        let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                        let callees: Vec<String> = script
                            .commands
                            .iter()
                            .flat_map(|c| [called_script(self, c, ""), called_script(self, c, dir)])
                            .flatten()
                            .collect();
                        for target in &callees {
                            if seen.insert(target.clone()) {
                                pending.push(target.clone());
                            }
                        }
                        let errexit = script_errexit(file.text());
                        scripts.insert(
                            path,
                            ScriptFile {
                                file,
                                script,
                                errexit,
                                callees,
                            },
                        );
                    }
                    Err(e) => errors.push(e),
                }
            }
        }
        scripts
    }
}

/// Bytes of files (workflows, actions, other CI files and called scripts) audited in
/// one repository, each file also within [`crate::source::MAX_FILE_BYTES`]: twelve
/// 3.6 MB scripts must not cost gigabytes.
pub const MAX_REPO_BYTES: u64 = 32 * 1024 * 1024;

pub(crate) fn budget_error(rel: &str) -> LoadError {
    LoadError {
        file: rel.to_string(),
        line: 0,
        column: 0,
        message: format!(
            "the repository's budget of {} MiB of audited files is used up; not audited",
            MAX_REPO_BYTES / (1024 * 1024)
        ),
    }
}

/// Normalizes `a/./b/../c` to `a/c`; leading `./` removed. Escaping the root yields `..`.
pub fn normalize(path: &str) -> String {
    if is_normal(path) {
        return path.to_string();
    }
    normalize_parts(path)
}

/// Whether `path` is already normal: no empty, `.` or `..` part (most paths asked).
pub(crate) fn is_normal(path: &str) -> bool {
    // One pass over the bytes (a `split('/')` costs a search per part): a part is
    // bad when it is empty, `.` or `..`, i.e. at most two bytes, all dots.
    let (mut len, mut dots) = (0usize, true);
    for &b in path.as_bytes() {
        if b == b'/' {
            if dots && len <= 2 {
                return false;
            }
            (len, dots) = (0, true);
        } else {
            len += 1;
            dots &= b == b'.';
        }
    }
    !(dots && len <= 2)
}

/// [`normalize`], part by part.
fn normalize_parts(path: &str) -> String {
    let mut parts: Vec<&str> = vec![];
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return "..".into();
                }
            }
            _ => parts.push(p),
        }
    }
    parts.join("/")
}

/// Joins a working directory and a relative path and normalizes.
pub fn join(cwd: &str, path: &str) -> String {
    if cwd.is_empty() {
        return normalize(path);
    }
    let mut joined = String::with_capacity(cwd.len() + 1 + path.len());
    joined.push_str(cwd);
    joined.push('/');
    joined.push_str(path);
    if is_normal(&joined) {
        joined
    } else {
        normalize_parts(&joined)
    }
}

/// Whether `s` names a composite action's own folder (`working-directory:` or a path
/// prefix): `${{ github.action_path }}`, `$GITHUB_ACTION_PATH`.
pub fn is_action_path(s: &str) -> bool {
    matches!(
        s.trim().trim_end_matches('/'),
        "${{ github.action_path }}"
            | "${{github.action_path}}"
            | "$GITHUB_ACTION_PATH"
            | "${GITHUB_ACTION_PATH}"
    )
}

/// `x.sh` for `$GITHUB_ACTION_PATH/x.sh` and its spellings; `None` otherwise.
fn strip_action_path(s: &str) -> Option<&str> {
    let s = s.trim_matches('"');
    [
        "${{ github.action_path }}/",
        "${{github.action_path}}/",
        "$GITHUB_ACTION_PATH/",
        "${GITHUB_ACTION_PATH}/",
    ]
    .iter()
    .find_map(|p| s.strip_prefix(p))
}

/// `s` without a leading `${{ github.workspace }}/` (or `$GITHUB_WORKSPACE/`).
pub(crate) fn strip_workspace(s: &str) -> &str {
    for p in [
        "${{ github.workspace }}/",
        "${{github.workspace}}/",
        "$GITHUB_WORKSPACE/",
        "${GITHUB_WORKSPACE}/",
    ] {
        if let Some(r) = s.strip_prefix(p) {
            return r;
        }
    }
    s
}

/// If `cmd` runs a script file of this repository (relative to `cwd`), its path.
///
/// Recognised: `./x.sh`, `scripts/x.sh`, `bash x.sh`, `sh -e x.sh`, `source x.sh`,
/// `. x.sh`; the file must exist in the repository.
pub fn called_script(repo: &Repo, cmd: &Command, cwd: &str) -> Option<String> {
    // The shapes below are all of these (a script none of whose commands is one
    // calls no script file: `Script::runs_no_script`).
    if !cmd.may_run_script() {
        return None;
    }
    called_script_direct(repo, cmd, cwd).or_else(|| {
        // Through a runner: `uv run bash scripts/x.sh`, `poetry run ./x.sh`,
        // `sudo ./deploy.sh`, `bundle exec bin/x`.
        if !crate::shell::SCRIPT_WRAPPERS.contains(&cmd.base_name()) {
            return None;
        }
        let words: Vec<String> = cmd
            .words
            .iter()
            .map(|w| w.text.to_ascii_lowercase())
            .collect();
        let rest = crate::shell::unwrap_runner(&words).len();
        let inner = cmd
            .words
            .get(words.len() - rest..)
            .filter(|_| rest < words.len())?;
        called_script_direct(repo, &cmd.with_words(inner.to_vec()), cwd)
    })
}

fn called_script_direct(repo: &Repo, cmd: &Command, cwd: &str) -> Option<String> {
    let name = strip_workspace(cmd.name());
    let candidate = match cmd.base_name() {
        shell if crate::shell::SCRIPT_SHELLS.contains(&shell) => cmd
            .args()
            .iter()
            .map(|w| strip_workspace(&w.text))
            .find(|a| !a.starts_with('-'))?,
        _ if name.contains('/') || name.ends_with(".sh") => name,
        _ => return None,
    };
    // `$GITHUB_ACTION_PATH/x.sh` in a composite action: relative to the action's
    // folder, which the caller passes as `cwd` (never the repository root).
    let (candidate, cwd) = match strip_action_path(candidate) {
        Some(rest) if !cwd.is_empty() => (rest, cwd),
        Some(_) => return None,
        None => (candidate, cwd),
    };
    if candidate.contains('$') || candidate.starts_with('/') {
        return None;
    }
    let p = join(cwd, candidate);
    if p == ".." || p.is_empty() {
        return None;
    }
    repo.file_exists_as_file(&p).then_some(p)
}

impl Repo {
    fn file_exists_as_file(&self, p: &str) -> bool {
        if !self.paths.contains(p) {
            return self.on_disk(p) == Some(true);
        }
        // A path with children is a folder.
        self.paths.contains(p)
            && self
                .paths
                .range(format!("{p}/")..)
                .next()
                .map(|n| !n.starts_with(&format!("{p}/")))
                .unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `exists_normal` answers as `exists` and notes the same read.
    #[test]
    fn exists_normal_is_exists_of_a_normal_path() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("app/conf")).expect("mkdir");
        std::fs::write(dir.path().join("app/conf/settings.yaml"), "a: 1\n").expect("write");
        let repo = Repo::load(dir.path(), "normal");
        for p in [
            "app",
            "app/conf",
            "app/conf/settings.yaml",
            "app/x.yaml",
            "x",
        ] {
            let r = crate::reads::Recording::start();
            let slow = repo.exists(p);
            let slow_reads = r.finish();
            let r = crate::reads::Recording::start();
            assert_eq!(repo.exists_normal(p), slow, "{p}");
            assert_eq!(r.finish(), slow_reads, "{p}");
        }
    }

    /// The one-pass `is_normal` agrees with the part-by-part definition: no empty,
    /// `.` or `..` part.
    #[test]
    fn is_normal_matches_the_parts() {
        let parts = ["", ".", "..", "...", "a", ".a", "a.", "..b", "ab.c"];
        let mut paths: Vec<String> = vec![];
        for a in parts {
            paths.push(a.to_string());
            for b in parts {
                paths.push(format!("{a}/{b}"));
                for c in parts {
                    paths.push(format!("{a}/{b}/{c}"));
                }
            }
        }
        for p in &paths {
            let want = p.split('/').all(|x| !matches!(x, "" | "." | ".."));
            assert_eq!(is_normal(p), want, "{p:?}");
        }
    }

    /// A file name no path has is ruled out, and so is every normal path ending in it;
    /// a name some path has (file or folder) is not, nor anything once the walk was
    /// incomplete.
    #[test]
    fn lacks_file_named_only_when_no_path_ends_in_the_name() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("app/conf")).expect("mkdir");
        std::fs::write(dir.path().join("app/conf/settings.yaml"), "a: 1\n").expect("write");
        std::fs::write(dir.path().join("Dockerfile"), "FROM x\n").expect("write");
        let mut repo = Repo::load(dir.path(), "names");
        let names = repo.file_names();
        for (name, lacks) in [
            ("settings.yaml", false),
            ("Dockerfile", false),
            ("conf", false),
            ("app", false),
            ("missing.yaml", true),
            ("settings.yml", true),
            ("ettings.yaml", true),
        ] {
            assert_eq!(repo.lacks_file_named(&names, name), lacks, "{name}");
            if lacks {
                for path in [
                    name.to_string(),
                    format!("app/{name}"),
                    format!("x/y/{name}"),
                ] {
                    assert!(!repo.exists(&path), "{path}");
                }
            }
        }
        repo.incomplete = true;
        assert!(!repo.lacks_file_named(&names, "missing.yaml"));
    }

    /// `Script::runs_no_script` (set by the parser from `Command::may_run_script`)
    /// is never set on a script that calls a file: the steps that run it skip the
    /// search for called scripts.
    #[test]
    fn a_script_marked_as_running_no_script_calls_none() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("scripts")).expect("mkdir");
        for f in ["x.sh", "scripts/run", "scripts/y.sh"] {
            std::fs::write(dir.path().join(f), "echo\n").expect("write");
        }
        let repo = Repo::load(dir.path(), "calls");
        for (src, calls) in [
            ("./x.sh", true),
            ("x.sh --flag", true),
            ("bash x.sh", true),
            ("sh -e scripts/y.sh", true),
            (". ./x.sh", true),
            ("source x.sh", true),
            ("scripts/run", true),
            ("sudo ./x.sh", true),
            ("uv run bash x.sh", true),
            ("poetry run ./x.sh", true),
            ("echo hi; cd sub || exit; ../x.sh", false),
            ("cargo test && ./scripts/y.sh", true),
            ("cargo test", false),
            ("make deploy", false),
            ("echo ./x.sh", false),
            ("npm ci", false),
            ("bash -c true", false),
        ] {
            let script = crate::shell::Script::parse(src);
            let found = script
                .commands
                .iter()
                .any(|c| called_script(&repo, c, "").is_some());
            assert_eq!(found, calls, "{src}");
            assert!(!(script.runs_no_script && found), "{src}");
        }
        assert!(crate::shell::Script::parse("cargo test\nmake\necho ./x.sh\n").runs_no_script);
        assert!(!crate::shell::Script::parse("cargo test\n./x.sh\n").runs_no_script);
        assert!(!crate::shell::Script::parse("npm ci\n").runs_no_script);
        assert!(!crate::shell::Script::default().runs_no_script);
    }

    #[test]
    fn scripts_past_the_repository_budget_are_errors() {
        // Ten 3.97 MB scripts are 39.7 MB, over the 32 MiB budget: the last two (in
        // the order they are called) are refused by name before being read.
        let dir = tempfile::TempDir::new().expect("temp dir");
        let body = format!("{}\necho hi\n", "#".repeat(1000)).repeat(3900);
        std::fs::create_dir_all(dir.path().join("scripts")).expect("mkdir");
        let mut calls = BTreeSet::new();
        for i in 0..10 {
            std::fs::write(dir.path().join(format!("scripts/s{i}.sh")), &body).expect("write");
            calls.insert(format!("scripts/s{i}.sh"));
        }
        let repo = Repo::load(dir.path(), "budget");
        let mut errors = vec![];
        let scripts = repo.load_scripts(calls, &mut errors);
        assert_eq!(scripts.len(), 8, "{errors:?}");
        let refused: Vec<&str> = errors
            .iter()
            .filter(|e| e.message.contains("budget of 32 MiB"))
            .map(|e| e.file.as_str())
            .collect();
        assert_eq!(refused, ["scripts/s8.sh", "scripts/s9.sh"]);
    }

    #[test]
    fn scripts_called_through_a_runner() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("backend/scripts")).expect("mkdir");
        std::fs::write(
            dir.path().join("backend/scripts/prestart.sh"),
            "alembic upgrade head\n",
        )
        .expect("write");
        let repo = Repo::load(dir.path(), "runner");
        let cmd = |s: &str| crate::shell::Script::parse(s).commands[0].clone();
        for s in [
            "uv run bash scripts/prestart.sh",
            "uv run --frozen bash scripts/prestart.sh",
            "poetry run ./scripts/prestart.sh",
            "sudo bash scripts/prestart.sh",
        ] {
            assert_eq!(
                called_script(&repo, &cmd(s), "backend").as_deref(),
                Some("backend/scripts/prestart.sh"),
                "{s}"
            );
        }
        // A runner that runs something else calls no script.
        assert_eq!(called_script(&repo, &cmd("uv run pytest"), "backend"), None);
    }

    #[test]
    fn normalizes_paths() {
        assert_eq!(normalize("./scripts/../x.sh"), "x.sh");
        assert_eq!(normalize("../x"), "..");
        assert_eq!(join("app", "./run.sh"), "app/run.sh");
    }

    /// The shortcut for paths that are already normal gives what the walk gives.
    #[test]
    fn normal_paths_are_returned_as_the_walk_returns_them() {
        let cases = [
            "", ".", "..", "/", "//", "a", "a/", "/a", "a//b", "a/./b", "a/../b", "./a",
            "a/b/c.sh", "a/b/..", "../..", "a/.b/c", "a/..b", "...", "a/b/./",
        ];
        for p in cases {
            assert_eq!(normalize(p), normalize_parts(p), "{p:?}");
            for cwd in ["", "app", "app/", "./app", "..", "a/b"] {
                let slow = if cwd.is_empty() {
                    normalize_parts(p)
                } else {
                    normalize_parts(&format!("{cwd}/{p}"))
                };
                assert_eq!(join(cwd, p), slow, "{cwd:?} {p:?}");
            }
        }
    }
}
