//! GitHub's workflow dependency lockfile, `.github/workflows/actions.lock` (public
//! preview, written by `gh actions-lock`, format `version: 'v0.0.2'`):
//!
//! ```yaml
//! version: 'v0.0.2'
//! workflows:
//!     '.github/workflows/ci.yml':
//!         - 'actions/checkout@v4.2.2'
//! dependencies:
//!     'actions/checkout@v4.2.2':
//!         ref: 'v4.2.2'
//!         commit: 'sha1-11bd71901bbe5b1630ceea73d27597364c9af683'
//!         owner_id: 44036562
//!         repo_id: 197814629
//! ```
//!
//! A workflow listed under `workflows:` is *onboarded*: GitHub refuses to start it
//! (startup failure) unless each action it uses is in its list and has a
//! `dependencies` entry, and runs the recorded commit whatever the tag says now.
//! This module reads the lock (what an onboarded workflow's `uses:` is locked to)
//! and plans the edits that keep it in step with a workflow (`pipewise fix`).

use crate::fix::yaml;
use crate::fix::Edit;
use crate::repo::Repo;
use crate::source::SourceFile;
use pipewise_yaml::{Document, Entry, Node, NodeKind};

/// Where GitHub reads the lockfile.
pub const PATH: &str = ".github/workflows/actions.lock";

/// `owner/repo[/sub/path]@ref` → (`owner/repo` in lower case, `ref`). `None` for
/// local (`./`, `$/`) and Docker actions and references without `@`.
pub fn split(uses: &str) -> Option<(String, &str)> {
    let u = uses.trim();
    if u.starts_with("./") || u.starts_with("$/") || u.starts_with("docker://") {
        return None;
    }
    let (path, r) = u.rsplit_once('@')?;
    let mut parts = path.split('/');
    let (owner, repo) = (parts.next()?, parts.next()?);
    if owner.is_empty() || repo.is_empty() || r.is_empty() {
        return None;
    }
    Some((format!("{owner}/{repo}").to_ascii_lowercase(), r))
}

/// What the lock says about one `uses:` of an onboarded workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Listed for the workflow, with a dependency entry.
    Locked,
    /// Not listed for the workflow (nor any other ref of the action).
    Missing,
    /// The workflow's list has the action at another ref.
    OtherRef(String),
    /// Listed for the workflow, but the lock has no `dependencies` entry for it.
    NoDependency,
}

/// The lockfile of a repository.
pub struct Lock<'a> {
    pub file: &'a SourceFile,
    pub doc: &'a Document,
}

/// The repository's lockfile, when it has one that parsed.
pub fn of(repo: &Repo) -> Option<Lock<'_>> {
    let file = repo.file(PATH)?;
    Some(Lock {
        file,
        doc: file.yaml.as_ref()?,
    })
}

fn same(a: &str, b: &str) -> bool {
    match (split(a), split(b)) {
        (Some((ra, fa)), Some((rb, fb))) => ra == rb && fa == fb,
        _ => false,
    }
}

impl<'a> Lock<'a> {
    /// The `workflows:` entry of a workflow (repository-relative path): present only
    /// when the workflow is onboarded.
    pub fn workflow(&self, path: &str) -> Option<&'a Entry> {
        self.doc
            .root
            .get("workflows")?
            .as_map()?
            .iter()
            .find(|e| e.key.as_str() == Some(path))
    }

    /// The list items of an onboarded workflow, with their text.
    pub fn items(&self, path: &str) -> Vec<(&'a Node, &'a str)> {
        self.workflow(path)
            .and_then(|e| e.value.as_seq())
            .unwrap_or(&[])
            .iter()
            .filter_map(|n| Some((n, n.as_str()?)))
            .collect()
    }

    /// The `dependencies:` entry for `uses` (`owner/repo@ref`, compared without case
    /// on the owner and repository, sub-paths dropped).
    pub fn dependency(&self, uses: &str) -> Option<&'a Entry> {
        self.dependencies()
            .iter()
            .find(|e| e.key.as_str().is_some_and(|k| same(k, uses)))
    }

    fn dependencies(&self) -> &'a [Entry] {
        self.doc
            .root
            .get("dependencies")
            .and_then(Node::as_map)
            .unwrap_or(&[])
    }

    /// The commit a dependency entry records (`sha1-<40 hex>` → the hex).
    pub fn commit(&self, uses: &str) -> Option<&'a str> {
        let c = self.dependency(uses)?.value.get("commit")?.as_str()?;
        c.strip_prefix("sha1-")
    }

    /// What the lock says about `uses` in the onboarded workflow `path`; `None` when
    /// the workflow is not onboarded or `uses` is not a remote action.
    pub fn status(&self, path: &str, uses: &str) -> Option<Status> {
        self.workflow(path)?;
        let (repo, _) = split(uses)?;
        let items = self.items(path);
        if items.iter().any(|(_, t)| same(t, uses)) {
            return Some(if self.dependency(uses).is_some() {
                Status::Locked
            } else {
                Status::NoDependency
            });
        }
        let other = items
            .iter()
            .find_map(|(_, t)| split(t).filter(|(r, _)| *r == repo).map(|(_, f)| f));
        Some(match other {
            Some(f) => Status::OtherRef(f.to_string()),
            None => Status::Missing,
        })
    }

    /// `owner_id` and `repo_id` recorded for any ref of the action's repository.
    pub fn ids(&self, repo: &str) -> Option<(String, String)> {
        self.dependencies().iter().find_map(|e| {
            let (r, _) = split(e.key.as_str()?)?;
            if r != repo {
                return None;
            }
            let id = |k: &str| -> Option<String> {
                let n = e.value.get(k)?;
                let s = n.as_str().map(str::to_string).or_else(|| match &n.kind {
                    NodeKind::Scalar { value, .. } => Some(value.to_string()),
                    _ => None,
                })?;
                (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then_some(s)
            };
            Some((id("owner_id")?, id("repo_id")?))
        })
    }

    /// How many places name `key`: workflow list items and dependencies' `uses:`.
    fn references(&self, key: &str) -> usize {
        let lists = self
            .doc
            .root
            .get("workflows")
            .and_then(Node::as_map)
            .unwrap_or(&[])
            .iter()
            .flat_map(|e| e.value.as_seq().unwrap_or(&[]).iter());
        let nested = self
            .dependencies()
            .iter()
            .flat_map(|e| e.value.get("uses").and_then(Node::as_seq).unwrap_or(&[]));
        lists
            .chain(nested)
            .filter(|n| n.as_str().is_some_and(|t| same(t, key)))
            .count()
    }
}

/// What to record for one action reference of an onboarded workflow.
pub struct Locking<'s> {
    /// The workflow (repository-relative path).
    pub workflow: &'s str,
    /// The reference as the workflow writes it after the fix (`owner/repo@ref`).
    pub uses: &'s str,
    /// The reference the workflow no longer uses (replaced in its list), if any.
    pub was: Option<&'s str>,
    /// The commit (40 hex) the reference resolves to.
    pub sha: &'s str,
    /// The `ref:` to record (the tag; for a SHA reference, the tag at that commit).
    pub tag: &'s str,
    /// `owner_id`, `repo_id`.
    pub ids: (String, String),
}

fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The lock key for a reference: `owner/repo@ref` (sub-paths dropped, as
/// `gh actions-lock` records actions by repository).
fn key_of(uses: &str) -> Option<String> {
    let (_, r) = split(uses)?;
    let path = uses.trim().rsplit_once('@')?.0;
    let mut parts = path.split('/');
    Some(format!("{}/{}@{r}", parts.next()?, parts.next()?))
}

/// The edits to the lock that record `l`: its workflow list names `l.uses` (in place
/// of `l.was`, or as a new item) and `dependencies` has
/// an entry for it; a dependency no longer named anywhere (and with no `uses:` of
/// its own) is removed. `None` when the lock cannot be edited safely here.
pub fn edits(lock: &Lock, l: &Locking) -> Option<Vec<Edit>> {
    let text = lock.file.text();
    let nl = yaml::eol(text);
    let key = key_of(l.uses)?;
    let wf = lock.workflow(l.workflow)?;
    let items = lock.items(l.workflow);
    let mut out = vec![];
    let mut dropped: Option<&str> = None;
    if !items.iter().any(|(_, t)| same(t, l.uses)) {
        let replace = items
            .iter()
            .find(|(_, t)| l.was.is_some_and(|w| same(t, w)));
        match replace {
            Some((node, old)) => {
                out.push(yaml::replace_scalar(text, node, &quoted(&key))?);
                if lock.references(old) == 1 {
                    dropped = Some(old);
                }
            }
            None => out.push(list_insert(text, wf, &quoted(&key), nl)?),
        }
    }
    if lock.dependency(l.uses).is_none() {
        let deps = lock.doc.root.entry("dependencies")?;
        let entries = deps.value.as_map()?;
        let first = entries.first()?;
        let indent = yaml::block_indent(text, first.key.span.start)?;
        let unit = yaml::indent_unit(text, &deps.value).max(1);
        let pad = " ".repeat(indent + unit);
        let block = format!(
            "{}{}:{nl}{pad}ref: {}{nl}{pad}commit: 'sha1-{}'{nl}{pad}owner_id: {}{nl}{pad}repo_id: {}{nl}",
            " ".repeat(indent),
            quoted(&key),
            quoted(l.tag),
            l.sha.to_ascii_lowercase(),
            l.ids.0,
            l.ids.1,
        );
        // Kept in the order `gh actions-lock` writes: sorted by key.
        let before = entries
            .iter()
            .find(|e| e.key.as_str().is_some_and(|k| k > key.as_str()));
        let at = match before {
            Some(e) => yaml::line_start(text, e.key.span.start),
            None => {
                let last = entries.last()?;
                yaml::after_line(text, yaml::entry_end(text, last))
            }
        };
        let block = if at == text.len() && !text.ends_with('\n') {
            format!("{nl}{block}")
        } else {
            block
        };
        out.push(Edit::insert(at, block));
    }
    if let Some(old) = dropped {
        if let Some(e) = lock.dependency(old) {
            if e.value.get("uses").is_none() && !same(old, l.uses) {
                let start = yaml::line_start(text, e.key.span.start);
                let stop = yaml::after_line(text, yaml::entry_end(text, e));
                out.push(Edit::replace(start, stop, String::new()));
            }
        }
    }
    // Edits must not overlap (an insertion at the removed entry's start would).
    let mut spans: Vec<(usize, usize)> = out.iter().map(|e| (e.start, e.end)).collect();
    spans.sort();
    if spans.windows(2).any(|w| w[0].1 > w[1].0 || w[0] == w[1]) {
        return None;
    }
    Some(out)
}

/// A new `- 'item'` after the last item of a workflow's list (or in place of `[]`).
fn list_insert(text: &str, wf: &Entry, item: &str, nl: &str) -> Option<Edit> {
    let seq = &wf.value;
    let items = seq.as_seq()?;
    match items.last() {
        Some(last) => {
            let indent = yaml::line_start(text, last.span.start);
            let lead = text.get(indent..last.span.start)?;
            if !lead.trim_end().ends_with('-') || lead.trim_start() != "- " {
                return None; // not a block list written one item a line
            }
            let at = yaml::after_line(text, yaml::scalar_end(text, last));
            let prefix = if at == text.len() && !text.ends_with('\n') {
                nl
            } else {
                ""
            };
            Some(Edit::insert(at, format!("{prefix}{lead}{item}{nl}")))
        }
        None => {
            // `'.github/workflows/x.yml': []`: the empty flow list becomes a block.
            let open = text.get(wf.key.span.end..)?.find('[')? + wf.key.span.end;
            let close = text.get(open..)?.find(']')? + open;
            if !text.get(open + 1..close)?.trim().is_empty() {
                return None;
            }
            let key_indent = yaml::block_indent(text, wf.key.span.start)?;
            // From just after the key's colon, so no blank is left at the line end.
            let colon = text.get(wf.key.span.end..open)?.rfind(':')? + wf.key.span.end + 1;
            Some(Edit::replace(
                colon,
                close + 1,
                format!("{nl}{}- {item}", " ".repeat(key_indent * 2)),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileKind;

    const LOCK: &str = "# generated\nversion: 'v0.0.2'\nworkflows:\n    '.github/workflows/ci.yml':\n        - 'actions/checkout@v4.1.0'\n        - 'actions/setup-node@v4.0.2'\n    '.github/workflows/other.yml': []\ndependencies:\n    'actions/checkout@v4.1.0':\n        ref: 'v4.1.0'\n        commit: 'sha1-8ade135a41bc03ea155e62e844d188df1ea18608'\n        owner_id: 44036562\n        repo_id: 197814629\n    'actions/setup-node@v4.0.2':\n        ref: 'v4.0.2'\n        commit: 'sha1-60edb5dd545a775178f52524783378180af0d1f8'\n        owner_id: 44036562\n        repo_id: 189265738\n";

    fn with_lock(text: &str, f: impl FnOnce(&Lock)) {
        let (file, errors) =
            SourceFile::from_text(PATH.to_string(), FileKind::ActionsLock, text.to_string());
        assert!(errors.is_empty(), "{errors:?}");
        let lock = Lock {
            file: &file,
            doc: file.yaml.as_ref().expect("yaml"),
        };
        f(&lock);
    }

    #[test]
    fn statuses() {
        with_lock(LOCK, |l| {
            let wf = ".github/workflows/ci.yml";
            assert_eq!(
                l.status(wf, "actions/checkout@v4.1.0"),
                Some(Status::Locked)
            );
            assert_eq!(
                l.status(wf, "Actions/Checkout@v4.1.0"),
                Some(Status::Locked)
            );
            assert_eq!(
                l.status(wf, "actions/checkout@v4.2.2"),
                Some(Status::OtherRef("v4.1.0".into()))
            );
            assert_eq!(l.status(wf, "actions/cache@v4"), Some(Status::Missing));
            assert_eq!(l.status(wf, "./local"), None);
            assert_eq!(l.status(".github/workflows/new.yml", "a/b@v1"), None);
            assert_eq!(
                l.commit("actions/checkout@v4.1.0"),
                Some("8ade135a41bc03ea155e62e844d188df1ea18608")
            );
            assert_eq!(
                l.ids("actions/checkout"),
                Some(("44036562".into(), "197814629".into()))
            );
        });
    }

    #[test]
    fn edits_replace_the_ref_add_the_dependency_and_drop_the_orphan() {
        with_lock(LOCK, |l| {
            let sha = "11bd71901bbe5b1630ceea73d27597364c9af683";
            let e = edits(
                l,
                &Locking {
                    workflow: ".github/workflows/ci.yml",
                    uses: &format!("actions/checkout@{sha}"),
                    was: Some("actions/checkout@v4.1.0"),
                    sha,
                    tag: "v4.2.2",
                    ids: l.ids("actions/checkout").expect("ids"),
                },
            )
            .expect("edits");
            let out = crate::fix::apply_edits(LOCK, &e.iter().collect::<Vec<_>>()).expect("apply");
            assert_eq!(
                out,
                format!("# generated\nversion: 'v0.0.2'\nworkflows:\n    '.github/workflows/ci.yml':\n        - 'actions/checkout@{sha}'\n        - 'actions/setup-node@v4.0.2'\n    '.github/workflows/other.yml': []\ndependencies:\n    'actions/checkout@{sha}':\n        ref: 'v4.2.2'\n        commit: 'sha1-{sha}'\n        owner_id: 44036562\n        repo_id: 197814629\n    'actions/setup-node@v4.0.2':\n        ref: 'v4.0.2'\n        commit: 'sha1-60edb5dd545a775178f52524783378180af0d1f8'\n        owner_id: 44036562\n        repo_id: 189265738\n")
            );
        });
    }

    #[test]
    fn edits_fill_an_empty_list() {
        with_lock(LOCK, |l| {
            let e = edits(
                l,
                &Locking {
                    workflow: ".github/workflows/other.yml",
                    uses: "actions/setup-node@v4.0.2",
                    was: None,
                    sha: "60edb5dd545a775178f52524783378180af0d1f8",
                    tag: "v4.0.2",
                    ids: ("1".into(), "2".into()),
                },
            )
            .expect("edits");
            let out = crate::fix::apply_edits(LOCK, &e.iter().collect::<Vec<_>>()).expect("apply");
            assert!(
                out.contains("    '.github/workflows/other.yml':\n        - 'actions/setup-node@v4.0.2'\ndependencies:\n"),
                "{out}"
            );
            // The dependency was there already: only the list changed.
            assert_eq!(e.len(), 1);
        });
    }
}
