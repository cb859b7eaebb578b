//! Test support for capability units, like a rule's trigger and benign fixtures:
//! `tests/fixtures/capabilities/complete` with every unit's own fixture laid over it
//! ([`complete`]) has every capability (the benign case), `bare` none; a unit's
//! cases are edits of that complete repository that make its verdict partial,
//! missing or not applicable.

use super::CapabilityMeta;
use crate::analysis::settings::RepoSettings;
use crate::audit::audit_path_with;
use crate::schema::{CapabilityStatus, RepoReport};
use std::path::{Path, PathBuf};

/// An edit of the `complete` fixture. A `.yml` name without `/` is a workflow.
pub enum Edit {
    /// Replaces every occurrence of a text that must be there.
    Replace(&'static str, &'static str, &'static str),
    /// Deletes a file.
    Remove(&'static str),
    /// Writes a file.
    Write(&'static str, &'static str),
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/capabilities")
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// The complete repository: `complete/`, and over it each unit's own fixture
/// (`units/<id>/`, the files that give it that capability), which may only add
/// files. A new capability's fixture is its folder there, nothing else's.
pub fn complete() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy(&fixtures().join("complete"), dir.path());
    let mut units: Vec<PathBuf> = std::fs::read_dir(fixtures().join("units"))
        .into_iter()
        .flatten()
        .map(|e| e.unwrap().path())
        .collect();
    units.sort();
    for u in units {
        let id = u.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            super::meta(&id).is_some(),
            "units/{id}: not a capability id"
        );
        add(&u, dir.path());
    }
    dir
}

/// Copies `from` into `to`, refusing to replace a file.
fn add(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            add(&e.path(), &target);
        } else {
            assert!(
                !target.exists(),
                "{:?} replaces a file of complete",
                e.path()
            );
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn path(root: &Path, p: &str) -> PathBuf {
    if p.contains('/') || !p.ends_with(".yml") {
        root.join(p)
    } else {
        root.join(".github/workflows").join(p)
    }
}

fn audit(root: &Path) -> RepoReport {
    let text = std::fs::read_to_string(fixtures().join("complete.settings.json")).unwrap();
    let settings = RepoSettings::parse(&text).unwrap();
    audit_path_with(root, None, Some(&settings)).unwrap()
}

fn verdict(r: &RepoReport, id: &str) -> (CapabilityStatus, String) {
    let c = r.capabilities.iter().find(|c| c.id == id).unwrap();
    (c.status, format!("{c:?}"))
}

/// Checks a capability: present in `complete`, missing or not applicable in
/// `bare`, and each case's status after its edits of `complete`.
pub fn check(meta: &CapabilityMeta, cases: &[(CapabilityStatus, &[Edit])]) {
    let id = meta.id;
    let (s, c) = verdict(&audit(complete().path()), id);
    assert_eq!(s, CapabilityStatus::Present, "{id} in complete: {c}");
    let (s, c) = verdict(&audit(&fixtures().join("bare")), id);
    assert!(
        matches!(
            s,
            CapabilityStatus::Missing | CapabilityStatus::NotApplicable
        ) || id == "security.secret-scanning",
        "{id} in bare: {c}"
    );
    assert!(
        !cases.is_empty(),
        "{id}: no case makes it less than present"
    );
    for (n, (want, edits)) in cases.iter().enumerate() {
        let dir = complete();
        for e in edits.iter() {
            match e {
                Edit::Replace(p, from, to) => {
                    let p = path(dir.path(), p);
                    let text = std::fs::read_to_string(&p).unwrap();
                    assert!(text.contains(from), "{id} case {n}: {from:?} not in {p:?}");
                    std::fs::write(&p, text.replace(from, to)).unwrap();
                }
                Edit::Remove(p) => std::fs::remove_file(path(dir.path(), p)).unwrap(),
                Edit::Write(p, text) => {
                    let p = path(dir.path(), p);
                    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                    std::fs::write(p, text).unwrap();
                }
            }
        }
        let (s, c) = verdict(&audit(dir.path()), id);
        assert_eq!(s, *want, "{id} case {n}: {c}");
    }
}
