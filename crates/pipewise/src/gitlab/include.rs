//! `include:` in GitLab CI: the forms it takes, and loading the local files it names
//! (transitively, bounded, each once) into the repository as [`FileKind::GitlabCi`].
//!
//! Only `local:` includes (and bare paths) are read, from inside the repository.
//! `project:`, `remote:`, `template:` and `component:` includes are recorded, never
//! fetched: pipewise uses no network.

use crate::finding::Span;
use crate::repo::{normalize, Repo};
use crate::source::{FileKind, LoadError, SourceFile};
use pipewise_yaml::{Node, NodeKind};
use std::collections::BTreeSet;

/// GitLab refuses more than 150 includes per pipeline; so does pipewise.
pub const MAX_INCLUDES: usize = 150;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeKind {
    Local,
    Project,
    Remote,
    Template,
    Component,
}

impl IncludeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IncludeKind::Local => "local",
            IncludeKind::Project => "project",
            IncludeKind::Remote => "remote",
            IncludeKind::Template => "template",
            IncludeKind::Component => "component",
        }
    }
}

/// One `include:` entry.
#[derive(Debug, Clone)]
pub struct Include<'a> {
    pub kind: IncludeKind,
    /// The entry (a string or a mapping).
    pub node: &'a Node,
    /// What it names: the path, URL, template name, component address or project.
    pub target: &'a str,
    /// The node of `target` (its value), for pointing at it.
    pub target_node: &'a Node,
    /// `ref:` of a project include; the `@version` of a component.
    pub reference: Option<&'a str>,
    /// `file:` paths of a project include.
    pub files: Vec<&'a str>,
    /// A remote include with `integrity:`.
    pub integrity: bool,
}

impl Include<'_> {
    pub fn span(&self) -> Span {
        self.node.span
    }
}

/// The entries of an `include:` value (a string, a mapping, or a list of either).
pub fn entries(include: &Node) -> Vec<Include<'_>> {
    let items: Vec<&Node> = match &include.kind {
        NodeKind::Seq(items) => items.iter().collect(),
        _ => vec![include],
    };
    items.into_iter().filter_map(entry).collect()
}

fn entry(n: &Node) -> Option<Include<'_>> {
    if let Some(s) = n.as_str() {
        let kind = if s.starts_with("https://") || s.starts_with("http://") {
            IncludeKind::Remote
        } else {
            IncludeKind::Local
        };
        return Some(Include {
            kind,
            node: n,
            target: s,
            target_node: n,
            reference: None,
            files: vec![],
            integrity: false,
        });
    }
    let (kind, key) = [
        (IncludeKind::Local, "local"),
        (IncludeKind::Project, "project"),
        (IncludeKind::Remote, "remote"),
        (IncludeKind::Template, "template"),
        (IncludeKind::Component, "component"),
    ]
    .into_iter()
    .find(|(_, k)| n.get(k).is_some())?;
    let target_node = n.get(key)?;
    let target = target_node.as_str()?;
    let reference = match kind {
        IncludeKind::Project => n.get("ref").and_then(Node::as_str),
        IncludeKind::Component => target.rsplit_once('@').map(|(_, v)| v),
        _ => None,
    };
    let files = match n.get("file") {
        Some(f) => match &f.kind {
            NodeKind::Seq(items) => items.iter().filter_map(Node::as_str).collect(),
            _ => f.as_str().into_iter().collect(),
        },
        None => vec![],
    };
    Some(Include {
        kind,
        node: n,
        target,
        target_node,
        reference,
        files,
        integrity: n.get("integrity").is_some(),
    })
}

/// The local child-pipeline files a configuration triggers (`trigger: include:`).
pub fn child_pipelines(root: &Node) -> Vec<(&Node, &str)> {
    let mut out = vec![];
    for e in root.as_map().unwrap_or(&[]) {
        let Some(inc) = e.value.get("trigger").and_then(|t| t.get("include")) else {
            continue;
        };
        for i in entries(inc) {
            if i.kind == IncludeKind::Local {
                out.push((i.target_node, i.target));
            }
        }
        // `trigger: include: [{artifact: x, job: y}]` names a generated file: not here.
    }
    out
}

/// Repository paths a local include names: a path (leading `/` optional) or a glob
/// (`*` within a folder, `**` across folders) over YAML files. Paths with CI
/// variables cannot be resolved statically and give nothing.
pub fn resolve_local(repo: &Repo, target: &str) -> Vec<String> {
    let t = target.trim();
    if t.contains('$') || t.is_empty() {
        return vec![];
    }
    let t = normalize(t.trim_start_matches('/'));
    if t == ".." {
        return vec![];
    }
    if !t.contains('*') {
        return vec![t];
    }
    let prefix_end = t.find('*').unwrap_or(t.len());
    let prefix = &t[..t[..prefix_end].rfind('/').map(|i| i + 1).unwrap_or(0)];
    repo.paths
        .range(prefix.to_string()..)
        .take_while(|p| p.starts_with(prefix))
        .filter(|p| {
            let lower = p.to_ascii_lowercase();
            (lower.ends_with(".yml") || lower.ends_with(".yaml")) && glob_match(&t, p)
        })
        .take(MAX_INCLUDES)
        .cloned()
        .collect()
}

/// `*` matches within a path segment, `**` across segments. Iterative, linear-ish.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.split('/').collect();
    let parts: Vec<&str> = path.split('/').collect();
    // Dynamic programming over (pattern segment, path segment): bounded by their product.
    let (n, m) = (pat.len(), parts.len());
    if n * m > 4096 {
        return false;
    }
    let mut dp = vec![vec![false; m + 1]; n + 1];
    dp[0][0] = true;
    for i in 1..=n {
        let p = pat[i - 1];
        for j in 0..=m {
            dp[i][j] = if p == "**" {
                dp[i - 1][j] || (j > 0 && dp[i][j - 1])
            } else {
                j > 0 && dp[i - 1][j - 1] && segment_match(p, parts[j - 1])
            };
        }
    }
    dp[n][m]
}

fn segment_match(p: &str, s: &str) -> bool {
    let Some((head, rest)) = p.split_once('*') else {
        return p == s;
    };
    if !s.starts_with(head) {
        return false;
    }
    let mut s = &s[head.len()..];
    let mut pieces = rest.split('*').peekable();
    while let Some(piece) = pieces.next() {
        if pieces.peek().is_none() {
            return s.ends_with(piece) && s.len() >= piece.len();
        }
        match s.find(piece) {
            Some(i) => s = &s[i + piece.len()..],
            None => return false,
        }
    }
    true
}

/// Follows the local includes and child pipelines of every GitLab CI file already in
/// `repo` (plus `extra_roots`), loading each file once, at most [`MAX_INCLUDES`]
/// in all. A named file that does not exist is an error at the include's line.
pub fn load(repo: &mut Repo, extra_roots: &[String]) {
    let mut pending: Vec<String> = extra_roots
        .iter()
        .map(|p| normalize(p.trim_start_matches('/')))
        .filter(|p| repo.file(p).is_none() && p != "..")
        .collect();
    if pending.is_empty() && !repo.files.iter().any(|f| f.kind == FileKind::GitlabCi) {
        return;
    }
    let mut seen: BTreeSet<String> = repo
        .files
        .iter()
        .filter(|f| f.kind == FileKind::GitlabCi)
        .map(|f| f.path.clone())
        .collect();
    seen.extend(pending.iter().cloned());
    let mut queue: Vec<String> = seen.iter().cloned().collect();
    let mut loaded = 0usize;
    let mut errors = vec![];
    let mut i = 0;
    while i < queue.len() {
        let path = queue[i].clone();
        i += 1;
        if pending.contains(&path) {
            pending.retain(|p| p != &path);
            if loaded >= MAX_INCLUDES {
                break;
            }
            loaded += 1;
            match repo.read(&path) {
                Ok(text) => {
                    let (file, errs) =
                        SourceFile::from_text(path.clone(), FileKind::GitlabCi, text);
                    errors.extend(errs);
                    let at = repo.files.partition_point(|f| f.path < file.path);
                    repo.files.insert(at, std::sync::Arc::new(file));
                }
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            }
        }
        let Some(doc) = repo.file(&path).and_then(|f| f.yaml.as_ref()) else {
            continue;
        };
        let mut targets: Vec<(&Node, Vec<String>, &str)> = vec![];
        if let Some(inc) = doc.root.get("include") {
            for e in entries(inc) {
                if e.kind == IncludeKind::Local {
                    targets.push((e.target_node, resolve_local(repo, e.target), e.target));
                }
            }
        }
        for (n, t) in child_pipelines(&doc.root) {
            targets.push((n, resolve_local(repo, t), t));
        }
        for (node, found, written) in targets {
            if found.is_empty() && !written.contains('$') && !written.contains('*') {
                let pos = doc.position(node.span.start);
                errors.push(LoadError {
                    file: path.clone(),
                    line: pos.line,
                    column: pos.column,
                    message: format!(
                        "included file `{written}` is not a YAML file in this repository"
                    ),
                });
            }
            for t in found {
                let lower = t.to_ascii_lowercase();
                let missing = !repo.paths.contains(&t);
                if missing || !(lower.ends_with(".yml") || lower.ends_with(".yaml")) {
                    let pos = doc.position(node.span.start);
                    errors.push(LoadError {
                        file: path.clone(),
                        line: pos.line,
                        column: pos.column,
                        message: if missing {
                            format!("included file `{t}` does not exist in this repository")
                        } else {
                            format!("included file `{t}` must be a `.yml` or `.yaml` file")
                        },
                    });
                    continue;
                }
                if seen.insert(t.clone()) {
                    if repo.file(&t).is_none() {
                        pending.push(t.clone());
                    }
                    queue.push(t);
                }
            }
        }
    }
    repo.errors.extend(errors);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("ci/*.yml", "ci/a.yml"));
        assert!(!glob_match("ci/*.yml", "ci/sub/a.yml"));
        assert!(glob_match("ci/**/*.yml", "ci/sub/a.yml"));
        assert!(glob_match("ci/**/*.yml", "ci/a.yml"));
        assert!(glob_match("**.yml", "a.yml"));
        assert!(!glob_match("ci/*.yml", "ci/a.yaml"));
    }

    #[test]
    fn include_forms() {
        let d = pipewise_yaml::Document::parse(
            "include:\n  - local: /ci/a.yml\n  - 'ci/b.yml'\n  - project: g/p\n    ref: v1.2.3\n    file: [a.yml, b.yml]\n  - remote: https://x/y.yml\n    integrity: sha256-abc\n  - template: Security/SAST.gitlab-ci.yml\n  - component: $CI_SERVER_FQDN/g/c/build@1.0\n".into(),
        )
        .unwrap();
        let e = entries(d.root.get("include").unwrap());
        let kinds: Vec<_> = e.iter().map(|i| i.kind).collect();
        assert_eq!(
            kinds,
            [
                IncludeKind::Local,
                IncludeKind::Local,
                IncludeKind::Project,
                IncludeKind::Remote,
                IncludeKind::Template,
                IncludeKind::Component
            ]
        );
        assert_eq!(e[2].reference, Some("v1.2.3"));
        assert_eq!(e[2].files, ["a.yml", "b.yml"]);
        assert!(e[3].integrity);
        assert_eq!(e[5].reference, Some("1.0"));
    }
}
