//! Where a repository's files come from: a folder on disk ([`Disk`]), or a commit's
//! tree read straight from a git object database (`pipewise-git`). Discovery,
//! the byte budgets, script loading, GitLab includes and the config all read
//! through this, so an audit of a commit is the audit of its checkout.

use crate::source::LoadError;
use std::fs;
use std::path::{Path, PathBuf};

/// What a folder entry is. Links are never followed into folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    /// A symbolic link; `to_dir` when it is known to point at a folder.
    Link {
        to_dir: bool,
    },
    /// Anything else (a socket, a git submodule): listed, never read.
    Other,
}

/// One entry of a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub kind: EntryKind,
}

/// A repository's files, by `/`-separated path relative to its root (`""` is the
/// root itself).
pub trait Tree: Send + Sync + std::fmt::Debug {
    /// The entries of the folder `dir`, in any order.
    fn list(&self, dir: &str) -> Result<Vec<Entry>, String>;
    /// The size in bytes of the file at `rel`, when it is one (links are followed
    /// only where [`Tree::read`] would follow them).
    fn size(&self, rel: &str) -> Option<u64>;
    /// The text of the file at `rel`, within the limits every audited file has (a
    /// regular file, at most [`crate::source::MAX_FILE_BYTES`], UTF-8, no link out of
    /// the repository).
    fn read(&self, rel: &str) -> Result<String, LoadError>;
    /// Whether `rel` exists without going through a link: `Some(true)` for a file,
    /// `Some(false)` for a folder.
    fn lookup(&self, rel: &str) -> Option<bool>;
    /// The memo of discovery's folder walks shared by the versions of this
    /// repository ([`crate::discover::WalkMemo`]); `None` (the default): every
    /// folder is listed.
    fn walk_memo(&self) -> Option<&crate::discover::WalkMemo> {
        None
    }
    /// The content id of the folder `dir` (a git tree id): the same id at the same
    /// path lists the same entries, recursively. `None` (the default) when not
    /// known.
    fn folder_id(&self, _dir: &str) -> Option<crate::discover::FolderId> {
        None
    }
    /// Discovery used a memo of `dir`'s listing instead of [`Tree::list`] (a tree
    /// that records what is asked of it records it as listed).
    fn note_listed(&self, _dir: &str) {}
}

/// A folder on disk.
#[derive(Debug, Clone)]
pub struct Disk {
    pub root: PathBuf,
}

impl Disk {
    pub fn new(root: &Path) -> Disk {
        Disk {
            root: root.to_path_buf(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        if rel.is_empty() {
            self.root.clone()
        } else {
            self.root.join(rel)
        }
    }
}

impl Tree for Disk {
    fn list(&self, dir: &str) -> Result<Vec<Entry>, String> {
        let at = self.path(dir);
        let entries = fs::read_dir(&at).map_err(|e| e.to_string())?;
        Ok(entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let ft = e.file_type().ok()?;
                let kind = if ft.is_dir() {
                    EntryKind::Dir
                } else if ft.is_file() {
                    EntryKind::File
                } else if ft.is_symlink() {
                    EntryKind::Link {
                        to_dir: fs::metadata(e.path()).is_ok_and(|m| m.is_dir()),
                    }
                } else {
                    EntryKind::Other
                };
                Some(Entry {
                    name: e.file_name().to_string_lossy().into_owned(),
                    kind,
                })
            })
            .collect())
    }

    fn size(&self, rel: &str) -> Option<u64> {
        fs::metadata(self.path(rel)).ok().map(|m| m.len())
    }

    fn read(&self, rel: &str) -> Result<String, LoadError> {
        crate::source::read_text(&self.root, &self.path(rel), rel)
    }

    fn lookup(&self, rel: &str) -> Option<bool> {
        let mut at = self.root.clone();
        let mut meta = None;
        for part in rel.split('/').take(256) {
            at.push(part);
            let m = fs::symlink_metadata(&at).ok()?;
            if m.file_type().is_symlink() {
                return None;
            }
            meta = Some(m);
        }
        meta.map(|m| m.is_file())
    }
}
