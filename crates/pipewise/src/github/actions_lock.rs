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
//! (`fix/github/lock_edits.rs` plans the edits that keep it in step with a workflow).

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

pub(crate) fn same(a: &str, b: &str) -> bool {
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
    pub(crate) fn references(&self, key: &str) -> usize {
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

#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::source::FileKind;

    pub(crate) const LOCK: &str = "# generated\nversion: 'v0.0.2'\nworkflows:\n    '.github/workflows/ci.yml':\n        - 'actions/checkout@v4.1.0'\n        - 'actions/setup-node@v4.0.2'\n    '.github/workflows/other.yml': []\ndependencies:\n    'actions/checkout@v4.1.0':\n        ref: 'v4.1.0'\n        commit: 'sha1-8ade135a41bc03ea155e62e844d188df1ea18608'\n        owner_id: 44036562\n        repo_id: 197814629\n    'actions/setup-node@v4.0.2':\n        ref: 'v4.0.2'\n        commit: 'sha1-60edb5dd545a775178f52524783378180af0d1f8'\n        owner_id: 44036562\n        repo_id: 189265738\n";

    pub(crate) fn with_lock(text: &str, f: impl FnOnce(&Lock)) {
        let (file, errors) =
            SourceFile::from_text(PATH.to_string(), FileKind::ActionsLock, text.to_string());
        assert!(errors.is_empty(), "{errors:?}");
        let lock = Lock {
            file: &file,
            doc: file.yaml.as_ref().expect("yaml"),
        };
        f(&lock);
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

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
}
