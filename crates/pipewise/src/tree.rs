//! Where a repository's files come from: a folder on disk ([`Disk`]), or a commit's
//! tree read straight from a git object database (`pipewise-git`). Discovery,
//! the byte budgets, script loading, GitLab includes and the config all read
//! through this, so an audit of a commit is the audit of its checkout.

use crate::source::{FileKind, LoadError, SourceFile};
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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
    /// repository ([`WalkMemo`]); `None` (the default): every
    /// folder is listed.
    fn walk_memo(&self) -> Option<&WalkMemo> {
        None
    }
    /// The content id of the folder `dir` (a git tree id): the same id at the same
    /// path lists the same entries, recursively. `None` (the default) when not
    /// known.
    fn folder_id(&self, _dir: &str) -> Option<FolderId> {
        None
    }
    /// Discovery replayed its walk of `dir` from a memo instead of calling
    /// [`Tree::list`]: `dir` and the folders below it that discovery walks were
    /// listed (a tree that records what is asked of it records them as listed,
    /// or more: every folder below `dir`).
    fn note_listed_below(&self, _dir: &str) {}
    /// The memo of loaded files shared by the versions of this repository
    /// ([`ParseMemo`]); `None` (the default): every file is parsed.
    fn parse_memo(&self) -> Option<&ParseMemo> {
        None
    }
    /// The content id of the file at `rel` (a git blob id, padded): the same id
    /// holds the same bytes. `None` (the default) when not known.
    fn file_id(&self, _rel: &str) -> Option<FolderId> {
        None
    }
}

/// A folder's content id, from [`Tree::folder_id`] (a git tree id, padded):
/// two folders with the same id hold the same entries, recursively.
pub type FolderId = [u8; 32];

/// What discovery found in one folder and below it, in the order it found it.
#[derive(Debug)]
pub(crate) struct Walked {
    /// The folder (listed).
    pub(crate) dir: String,
    /// The paths of its entries, in the order they were added.
    pub(crate) paths: Vec<String>,
    pub(crate) files: Vec<(String, FileKind)>,
    pub(crate) errors: Vec<LoadError>,
    /// Its subfolders, in the order they were walked.
    pub(crate) subs: Vec<Arc<Walked>>,
    /// Paths in this folder and below.
    pub(crate) total: usize,
    /// A digest of the paths found in this folder and below, in the order found
    /// ([`paths_digest`]).
    pub(crate) digest: u128,
}

/// A digest of a walked folder's paths and its subfolders' digests, in order: two
/// folders with the same digest found the same paths in the same order (a
/// 128-bit keyed hash, random keys per process: no paths can be made to collide
/// on purpose).
pub(crate) fn paths_digest(paths: &[String], subs: &[Arc<Walked>]) -> u128 {
    use std::hash::{BuildHasher, Hasher};
    static KEYS: std::sync::OnceLock<(
        std::collections::hash_map::RandomState,
        std::collections::hash_map::RandomState,
    )> = std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(Default::default);
    let mut h = (keys.0.build_hasher(), keys.1.build_hasher());
    let mut write = |b: &[u8]| {
        h.0.write(b);
        h.1.write(b);
    };
    write(&paths.len().to_le_bytes());
    for p in paths {
        write(&p.len().to_le_bytes());
        write(p.as_bytes());
    }
    write(&subs.len().to_le_bytes());
    for s in subs {
        write(&s.digest.to_le_bytes());
    }
    (u128::from(h.0.finish()) << 64) | u128::from(h.1.finish())
}

/// Paths kept at most over every folder of a [`WalkMemo`] (then it starts again).
const MAX_MEMO_PATHS: usize = 400_000;

/// Discovery's walks of folders by (path, content id) (`crate::discover` fills
/// and replays it), shared by the trees of
/// one repository's versions (`pipewise history` audits many commits whose
/// folders are mostly unchanged). Only walks that met no limit (depth, path
/// count) are kept, so a replay adds exactly what walking the folder again
/// would. Memory is bounded ([`MAX_MEMO_PATHS`] paths, then it starts again).
#[derive(Debug, Default)]
pub struct WalkMemo {
    inner: Mutex<MemoInner>,
}

#[derive(Debug, Default)]
struct MemoInner {
    walked: HashMap<(String, FolderId), Arc<Walked>>,
    paths: usize,
    hits: usize,
}

impl WalkMemo {
    pub fn new() -> WalkMemo {
        WalkMemo::default()
    }

    /// Folders replayed instead of walked.
    pub fn hits(&self) -> usize {
        self.inner.lock().map_or(0, |m| m.hits)
    }

    pub(crate) fn get(&self, dir: &str, id: &FolderId) -> Option<Arc<Walked>> {
        let mut m = self.inner.lock().ok()?;
        // The key is borrowed only for the lookup.
        let w = m.walked.get(&(dir.to_string(), *id)).cloned()?;
        m.hits += 1;
        Some(w)
    }

    pub(crate) fn put(&self, id: FolderId, w: Arc<Walked>) {
        if let Ok(mut m) = self.inner.lock() {
            if m.paths + w.paths.len() > MAX_MEMO_PATHS {
                let hits = m.hits;
                *m = MemoInner {
                    hits,
                    ..MemoInner::default()
                };
            }
            m.paths += w.paths.len();
            m.walked.insert((w.dir.clone(), id), w);
        }
    }
}

/// A loaded file as loading made it, and the errors it found in it.
pub(crate) type Parsed = (Arc<SourceFile>, Vec<LoadError>);

/// Bytes of file text kept at most over every file of a [`ParseMemo`] (then it
/// starts again); the parsed forms (YAML documents, Dockerfiles) are a small
/// multiple of their text.
const MAX_PARSED_BYTES: usize = 16 * 1024 * 1024;

/// Loaded files (the parsed YAML document or Dockerfile, the shape checks, their
/// errors) by (path, kind, content id), shared by the trees of one repository's
/// versions (`pipewise history`: most files of an audited commit are the same
/// blobs as at the commit audited before). Loading a file depends on its path,
/// its kind and its text only, so a file found here is the file loading would
/// make. Memory is bounded ([`MAX_PARSED_BYTES`] of text, then it starts again).
#[derive(Debug, Default)]
pub struct ParseMemo {
    inner: Mutex<ParseInner>,
}

#[derive(Debug, Default)]
struct ParseInner {
    parsed: HashMap<(String, FileKind, FolderId), Parsed>,
    bytes: usize,
    hits: usize,
}

impl ParseMemo {
    pub fn new() -> ParseMemo {
        ParseMemo::default()
    }

    /// Files taken from the memo instead of loaded again.
    pub fn hits(&self) -> usize {
        self.inner.lock().map_or(0, |m| m.hits)
    }

    pub(crate) fn get(&self, rel: &str, kind: FileKind, id: &FolderId) -> Option<Parsed> {
        let mut m = self.inner.lock().ok()?;
        let p = m.parsed.get(&(rel.to_string(), kind, *id)).cloned()?;
        m.hits += 1;
        Some(p)
    }

    pub(crate) fn put(&self, kind: FileKind, id: FolderId, p: Parsed) {
        if let Ok(mut m) = self.inner.lock() {
            let size = p.0.text().len();
            if m.bytes + size > MAX_PARSED_BYTES {
                let hits = m.hits;
                *m = ParseInner {
                    hits,
                    ..ParseInner::default()
                };
            }
            m.bytes += size;
            m.parsed.insert((p.0.path.clone(), kind, id), p);
        }
    }
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
