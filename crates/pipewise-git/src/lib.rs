//! Git as input: the CI/CD files of any commit read straight from a repository's
//! object database with `gix` (pure Rust; no `git` process, no checkout; bare
//! mirrors work), audited exactly as a checkout of that commit would be, and the
//! audit's history over the commits that changed them ([`history`]).
//!
//! Reading is hostile-input safe: a commit's tree is walked through the same
//! discovery as a folder on disk (same skipped folders, depth and path limits,
//! byte budgets), a blob's size is read from its header before its content, a
//! symbolic link is never followed (it is an error entry, as a link out of the
//! repository is on disk), and nothing outside the commit's tree can be named.

pub mod delivery;
pub mod history;
pub mod render;
pub mod runs;
pub mod states;

use gix::ObjectId;
use pipewise::source::{LoadError, MAX_FILE_BYTES};
use pipewise::tree::{Entry, EntryKind, Tree};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// An entry of a tree object: its kind and object id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Node {
    kind: gix::object::tree::EntryKind,
    id: ObjectId,
}

/// A blob decoded as an audited file is: its text, or where decoding failed (line,
/// column, message).
type Decoded = Arc<Result<String, (usize, usize, String)>>;

/// A tree object's entries: its data as read, and per entry its kind, where its
/// name is in the data and its id (one allocation each, not one per name).
#[derive(Debug)]
struct Listed {
    data: Vec<u8>,
    entries: Vec<(
        gix::object::tree::EntryKind,
        std::ops::Range<usize>,
        ObjectId,
    )>,
}

type Listing = Arc<Listed>;

impl Listed {
    fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entries: name (as stored) and node, in the tree's order.
    fn iter(&self) -> impl Iterator<Item = (&[u8], Node)> + '_ {
        self.entries.iter().map(|(kind, name, id)| {
            (
                self.data.get(name.clone()).unwrap_or_default(),
                Node {
                    kind: *kind,
                    id: *id,
                },
            )
        })
    }

    /// The first entry whose name, read as UTF-8 (lossily, as [`Tree::list`]
    /// shows it), is `part`.
    fn find(&self, part: &str) -> Option<Node> {
        // A name that is not UTF-8 shows with a replacement character: only a
        // `part` that has one can be such a name.
        let lossy = part.contains(char::REPLACEMENT_CHARACTER);
        self.iter()
            .find(|(name, _)| {
                *name == part.as_bytes()
                    || (lossy
                        && std::str::from_utf8(name).is_err()
                        && String::from_utf8_lossy(name) == part)
            })
            .map(|(_, n)| n)
    }
}

/// An opened git repository, with caches shared by every commit read from it:
/// tree listings by tree id and blob texts by blob id (content-addressed, so a
/// file unchanged across commits is read and decoded once).
pub struct GitRepo {
    repo: Mutex<gix::Repository>,
    /// The path given, for messages.
    pub path: PathBuf,
    listings: Mutex<ListingCache>,
    blobs: Mutex<BlobCache>,
    /// Discovery's folder walks by (path, tree id): a folder unchanged between
    /// two audited commits is not walked again.
    walks: pipewise::tree::WalkMemo,
    /// Loaded files by (path, kind, blob id): a file unchanged between two audited
    /// commits is not parsed again.
    parsed: pipewise::tree::ParseMemo,
}

/// Tree listings by id, and how many entries they hold (hashed by their first
/// bytes: ids are hashes already).
#[derive(Default)]
struct ListingCache {
    listings: gix::hashtable::HashMap<ObjectId, Listing>,
    entries: usize,
}

/// Tree entries kept at most over every cached listing (then the cache starts
/// again): memory stays flat over any number of commits.
const MAX_LISTED_ENTRIES: usize = 200_000;
/// Bytes of decoded delta bases kept at most (gix's pack cache).
const PACK_CACHE_BYTES: usize = 32 * 1024 * 1024;
/// Bytes of blob text kept at most (then the cache starts again).
const MAX_BLOB_BYTES: usize = 64 * 1024 * 1024;

/// Blob texts by id, and their total size; blob sizes by id.
#[derive(Default)]
struct BlobCache {
    texts: gix::hashtable::HashMap<ObjectId, Decoded>,
    bytes: usize,
    sizes: gix::hashtable::HashMap<ObjectId, u64>,
}

/// Blob sizes kept at most (then they are forgotten).
const MAX_BLOB_SIZES: usize = 1_000_000;

impl std::fmt::Debug for GitRepo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitRepo").field("path", &self.path).finish()
    }
}

/// A commit: its id, tree, parents and dates (seconds since the epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    pub id: ObjectId,
    pub tree: ObjectId,
    pub parents: Vec<ObjectId>,
    pub author_time: i64,
    pub commit_time: i64,
    /// The first line of the message.
    pub summary: String,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

impl GitRepo {
    /// Opens the repository at `path`: a work tree (its `.git` folder or file is
    /// found) or a bare repository / mirror. Global and system git configuration
    /// is not read.
    pub fn open(path: &Path) -> Result<GitRepo, String> {
        let mut repo = gix::open_opts(path, gix::open::Options::isolated())
            .map_err(|e| format!("{}: not a git repository ({e})", path.display()))?;
        // Decoded delta bases, kept (bounded): a tree stored as a delta of another
        // is not decoded from the start of its delta chain each time (history
        // reads thousands of trees that are deltas of each other).
        repo.objects.set_pack_cache(|| {
            Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
                PACK_CACHE_BYTES,
            ))
        });
        Ok(GitRepo {
            repo: Mutex::new(repo),
            path: path.to_path_buf(),
            listings: Mutex::default(),
            blobs: Mutex::default(),
            walks: pipewise::tree::WalkMemo::new(),
            parsed: pipewise::tree::ParseMemo::new(),
        })
    }

    fn with<T>(&self, f: impl FnOnce(&gix::Repository) -> T) -> Result<T, String> {
        let repo = self
            .repo
            .lock()
            .map_err(|_| "internal error: git repository lock".to_string())?;
        Ok(f(&repo))
    }

    /// Folders whose discovery walk was replayed from an earlier audited commit
    /// (the same folder at the same path) instead of walked again.
    pub fn walks_replayed(&self) -> usize {
        self.walks.hits()
    }

    /// Files taken from an earlier audited commit's loading (the same path, kind
    /// and blob) instead of parsed again.
    pub fn files_reused(&self) -> usize {
        self.parsed.hits()
    }

    /// The commit `rev` names (`HEAD`, `main`, `v1.2`, `HEAD~3`, an id), peeling
    /// tags.
    pub fn resolve(&self, rev: &str) -> Result<Commit, String> {
        let id = self.with(|r| -> Result<ObjectId, String> {
            let id = r
                .rev_parse_single(rev)
                .map_err(|e| format!("revision `{rev}`: {e}"))?;
            let commit = id
                .object()
                .map_err(err)?
                .peel_to_commit()
                .map_err(|e| format!("revision `{rev}` is not a commit: {e}"))?;
            Ok(commit.id)
        })??;
        self.commit(id)
    }

    /// The commit with this id.
    pub fn commit(&self, id: ObjectId) -> Result<Commit, String> {
        self.with(|r| -> Result<Commit, String> {
            let c = r.find_commit(id).map_err(err)?;
            let kind = r.object_hash();
            match read_commit(id, &c.data, kind) {
                Some(commit) => Ok(commit),
                None => decode_commit(id, &c.data, kind),
            }
        })?
    }

    /// The entries of a tree object (cached by id).
    fn listing(&self, id: ObjectId) -> Result<Listing, String> {
        if let Some(l) = self
            .listings
            .lock()
            .ok()
            .and_then(|m| m.listings.get(&id).cloned())
        {
            return Ok(l);
        }
        let listing: Listing = Arc::new(self.with(|r| -> Result<Listed, String> {
            let mut tree = r.find_tree(id).map_err(err)?;
            let entries = {
                let decoded = tree.decode().map_err(err)?;
                let base = tree.data.as_ptr() as usize;
                decoded
                    .entries
                    .iter()
                    .map(|e| {
                        // The name is a slice of the tree's data: its offset.
                        let at = (e.filename.as_ptr() as usize).wrapping_sub(base);
                        (e.mode.kind(), at..at + e.filename.len(), e.oid.to_owned())
                    })
                    .collect()
            };
            Ok(Listed {
                data: tree.take_data(),
                entries,
            })
        })??);
        self.keep_listing(id, listing.clone());
        Ok(listing)
    }

    fn keep_listing(&self, id: ObjectId, listing: Listing) {
        if let Ok(mut m) = self.listings.lock() {
            if m.entries + listing.len() > MAX_LISTED_ENTRIES {
                *m = ListingCache::default();
            }
            m.entries += listing.len();
            m.listings.insert(id, listing);
        }
    }

    /// Keeps the listing of the tree `id` whose data and entries (kind, where
    /// the name is in `data`, id) were parsed already (by `pipewise history`'s
    /// walk, with the same parser): the audit of that commit does not read the
    /// tree again.
    fn seed_listing(
        &self,
        id: ObjectId,
        data: &[u8],
        entries: impl Iterator<
            Item = (
                gix::object::tree::EntryKind,
                std::ops::Range<usize>,
                ObjectId,
            ),
        >,
    ) {
        let known = self
            .listings
            .lock()
            .map_or(true, |m| m.listings.contains_key(&id));
        if !known {
            let listing = Listed {
                data: data.to_vec(),
                entries: entries.collect(),
            };
            self.keep_listing(id, Arc::new(listing));
        }
    }

    /// A tree object's raw data (not cached): the walk of `pipewise history`
    /// reads each commit's new trees once and compares them without copying a
    /// name.
    fn tree_data(&self, id: ObjectId) -> Result<Vec<u8>, String> {
        self.with(|r| -> Result<Vec<u8>, String> {
            let mut tree = r.find_tree(id).map_err(err)?;
            Ok(tree.take_data())
        })?
    }

    /// The hash kind of the repository's object ids.
    fn hash_kind(&self) -> Result<gix::hash::Kind, String> {
        self.with(|r| r.object_hash())
    }

    /// The size of a blob, from its header (its content is not read); kept by id,
    /// as every audited commit asks the size of every file it loads.
    fn blob_size(&self, id: ObjectId) -> Option<u64> {
        if let Some(n) = self
            .blobs
            .lock()
            .ok()
            .and_then(|m| m.sizes.get(&id).copied())
        {
            return Some(n);
        }
        let n = self
            .with(|r| r.find_header(id).ok().map(|h| h.size()))
            .ok()
            .flatten()?;
        if let Ok(mut m) = self.blobs.lock() {
            if m.sizes.len() >= MAX_BLOB_SIZES {
                m.sizes.clear();
            }
            m.sizes.insert(id, n);
        }
        Some(n)
    }

    /// A blob's text (cached by id): decoded as every audited file is.
    fn blob_text(&self, id: ObjectId) -> Result<Decoded, String> {
        if let Some(t) = self
            .blobs
            .lock()
            .ok()
            .and_then(|m| m.texts.get(&id).cloned())
        {
            return Ok(t);
        }
        let bytes = self.with(|r| -> Result<Vec<u8>, String> {
            let mut blob = r.find_blob(id).map_err(err)?;
            Ok(blob.take_data())
        })??;
        let len = bytes.len();
        let text = Arc::new(pipewise::source::decode(bytes));
        if let Ok(mut m) = self.blobs.lock() {
            if m.bytes + len > MAX_BLOB_BYTES {
                *m = BlobCache::default();
            }
            m.bytes += len;
            m.texts.insert(id, text.clone());
        }
        Ok(text)
    }

    /// The tree of `commit` as a [`Tree`] to audit.
    pub fn tree(self: &Arc<Self>, commit: &Commit) -> GitTree {
        GitTree::new(self.clone(), commit.tree, None, false)
    }

    /// The entry at `rel` in the tree `root`; links are not followed.
    fn node(&self, root: ObjectId, rel: &str) -> Option<Node> {
        let mut at = Node {
            kind: gix::object::tree::EntryKind::Tree,
            id: root,
        };
        for part in rel.split('/').filter(|p| !p.is_empty()) {
            if at.kind != gix::object::tree::EntryKind::Tree || part == ".." || part == "." {
                return None;
            }
            at = self.listing(at.id).ok()?.find(part)?;
        }
        Some(at)
    }
}

/// The commit `id` decoded whole from its object's data (gix's `CommitRef`), or
/// the error as gix words it.
fn decode_commit(id: ObjectId, data: &[u8], kind: gix::hash::Kind) -> Result<Commit, String> {
    let d = gix::objs::CommitRef::from_bytes(data, kind).map_err(err)?;
    let summary = d.message().summary().to_string();
    let author_time = d.author().map_err(err)?.seconds();
    let commit_time = d.committer().map_err(err)?.seconds();
    Ok(Commit {
        id,
        tree: d.tree(),
        parents: d.parents().collect(),
        author_time,
        commit_time,
        summary,
    })
}

/// [`decode_commit`] in one pass over the fields (each signature parsed once,
/// only what a [`Commit`] holds kept): the first-parent walk reads every
/// commit. `None` when a field does not parse or is missing: then
/// [`decode_commit`] gives the result or the error (unit test
/// `tests::a_commit_read_in_one_pass_is_the_decoded_commit`).
fn read_commit(id: ObjectId, data: &[u8], kind: gix::hash::Kind) -> Option<Commit> {
    use gix::objs::commit::ref_iter::Token;
    let (mut tree, mut parents) = (None, vec![]);
    let (mut author_time, mut commit_time, mut summary) = (None, None, None);
    for token in gix::objs::CommitRefIter::from_bytes(data, kind) {
        match token.ok()? {
            Token::Tree { id } => tree = Some(id),
            Token::Parent { id } => parents.push(id),
            Token::Author { signature } => author_time = Some(signature.seconds()),
            Token::Committer { signature } => commit_time = Some(signature.seconds()),
            Token::Message(m) => {
                summary = Some(
                    gix::objs::commit::MessageRef::from_bytes(m)
                        .summary()
                        .to_string(),
                );
            }
            Token::Encoding(_) | Token::ExtraHeader(_) => {}
        }
    }
    Some(Commit {
        id,
        tree: tree?,
        parents,
        author_time: author_time?,
        commit_time: commit_time?,
        // No message at all (not even an empty one after the blank line) is
        // an object gix does not decode: left to `decode_commit`.
        summary: summary?,
    })
}

/// A commit's tree, read through its [`GitRepo`].
#[derive(Debug, Clone)]
pub struct GitTree {
    git: Arc<GitRepo>,
    root: ObjectId,
    /// Records what the audit asks ([`states`]).
    recorder: Option<Arc<states::Recorder>>,
    /// Discovery replays the repository's kept folder walks (audits that reuse).
    memo: bool,
    /// Per path asked: its entry, and the asks already noted for it (an audit
    /// asks a loaded file's size, text and id, and rules ask again): the path is
    /// looked up and recorded once.
    asked: Arc<Mutex<Asked>>,
}

/// A [`GitTree`]'s paths asked: the entry, and the asks recorded ([`states::Ask::bit`]).
type Asked = std::collections::HashMap<String, (Option<Node>, u8)>;

/// Paths kept at most in a [`GitTree`]'s `asked` (then it starts again).
const MAX_ASKED: usize = 100_000;

impl GitTree {
    fn new(
        git: Arc<GitRepo>,
        root: ObjectId,
        recorder: Option<Arc<states::Recorder>>,
        memo: bool,
    ) -> GitTree {
        GitTree {
            git,
            root,
            recorder,
            memo,
            asked: Arc::default(),
        }
    }

    fn note(&self, ask: states::Ask, rel: &str) {
        if let Some(r) = &self.recorder {
            r.note(ask, rel);
        }
    }

    /// The entry at `rel` ([`GitRepo::node`]), with `ask` recorded for it (once
    /// per path and kind of ask: recording it again changes nothing).
    fn node(&self, ask: Option<states::Ask>, rel: &str) -> Option<Node> {
        let bit = ask.map_or(0, states::Ask::bit);
        let known = self.asked.lock().ok().and_then(|mut m| {
            let (node, noted) = m.get_mut(rel)?;
            let new = bit & !*noted;
            *noted |= bit;
            Some((*node, new))
        });
        let (node, new) = match known {
            Some(k) => k,
            None => {
                let node = self.git.node(self.root, rel);
                if let Ok(mut m) = self.asked.lock() {
                    if m.len() >= MAX_ASKED {
                        m.clear();
                    }
                    m.insert(rel.to_string(), (node, bit));
                }
                (node, bit)
            }
        };
        if let Some(ask) = ask.filter(|_| new != 0) {
            self.note(ask, rel);
        }
        node
    }
}

fn load_error(rel: &str, message: String) -> LoadError {
    LoadError {
        file: rel.to_string(),
        line: 0,
        column: 0,
        message,
    }
}

impl Tree for GitTree {
    fn list(&self, dir: &str) -> Result<Vec<Entry>, String> {
        use gix::object::tree::EntryKind as K;
        let node = self
            .node(Some(states::Ask::List), dir)
            .ok_or_else(|| "not in the commit".to_string())?;
        if node.kind != K::Tree {
            return Err("not a directory".into());
        }
        Ok(self
            .git
            .listing(node.id)?
            .iter()
            .map(|(name, n)| Entry {
                name: String::from_utf8_lossy(name).into_owned(),
                kind: match n.kind {
                    K::Tree => EntryKind::Dir,
                    K::Blob | K::BlobExecutable => EntryKind::File,
                    // What a link points to is not looked at: never followed.
                    K::Link => EntryKind::Link { to_dir: false },
                    K::Commit => EntryKind::Other,
                },
            })
            .collect())
    }

    fn size(&self, rel: &str) -> Option<u64> {
        use gix::object::tree::EntryKind as K;
        let n = self.node(Some(states::Ask::Size), rel)?;
        matches!(n.kind, K::Blob | K::BlobExecutable)
            .then(|| self.git.blob_size(n.id))
            .flatten()
    }

    fn read(&self, rel: &str) -> Result<String, LoadError> {
        use gix::object::tree::EntryKind as K;
        let e = |m: String| load_error(rel, m);
        let n = self
            .node(Some(states::Ask::Read), rel)
            .ok_or_else(|| e("cannot read: not in the commit".into()))?;
        match n.kind {
            K::Blob | K::BlobExecutable => {}
            K::Link => {
                return Err(e(
                    "symbolic link in a git commit; not followed (no checkout: audit the checkout to follow it)".into(),
                ))
            }
            K::Tree | K::Commit => return Err(e("not a regular file".into())),
        }
        let size = self
            .git
            .blob_size(n.id)
            .ok_or_else(|| e("cannot read: object missing from the repository".into()))?;
        if size > MAX_FILE_BYTES {
            return Err(e(pipewise::source::over_limit(size)));
        }
        let text = self
            .git
            .blob_text(n.id)
            .map_err(|m| e(format!("cannot read: {m}")))?;
        match text.as_ref() {
            Ok(t) => Ok(t.clone()),
            Err((line, column, message)) => Err(LoadError {
                file: rel.to_string(),
                line: *line,
                column: *column,
                message: message.clone(),
            }),
        }
    }

    fn walk_memo(&self) -> Option<&pipewise::tree::WalkMemo> {
        self.memo.then_some(&self.git.walks)
    }

    fn folder_id(&self, dir: &str) -> Option<pipewise::tree::FolderId> {
        let n = self.node(None, dir)?;
        if n.kind != gix::object::tree::EntryKind::Tree {
            return None;
        }
        padded(&n.id)
    }

    fn parse_memo(&self) -> Option<&pipewise::tree::ParseMemo> {
        self.memo.then_some(&self.git.parsed)
    }

    fn file_id(&self, rel: &str) -> Option<pipewise::tree::FolderId> {
        use gix::object::tree::EntryKind as K;
        let n = self.node(None, rel)?;
        matches!(n.kind, K::Blob | K::BlobExecutable)
            .then(|| padded(&n.id))
            .flatten()
    }

    fn note_listed_below(&self, dir: &str) {
        self.note(states::Ask::ListBelow, dir);
    }

    fn lookup(&self, rel: &str) -> Option<bool> {
        use gix::object::tree::EntryKind as K;
        match self.node(Some(states::Ask::Lookup), rel)?.kind {
            K::Tree => Some(false),
            K::Blob | K::BlobExecutable => Some(true),
            K::Link | K::Commit => None,
        }
    }
}

/// An object id padded to a [`pipewise::tree::FolderId`].
fn padded(oid: &ObjectId) -> Option<pipewise::tree::FolderId> {
    let mut id = [0u8; 32];
    let bytes = oid.as_bytes();
    id.get_mut(..bytes.len())?.copy_from_slice(bytes);
    Some(id)
}

/// Audits the commit `rev` of the git repository at `path` (no checkout): the
/// report of [`pipewise::audit::audit_path_with`] on a checkout of that commit,
/// with `display` as its root.
pub fn audit_rev(
    path: &Path,
    rev: &str,
    display: &str,
    config: Option<&pipewise::config::Config>,
    settings: Option<&pipewise::analysis::settings::RepoSettings>,
) -> Result<pipewise::report::RepoReport, String> {
    let git = Arc::new(GitRepo::open(path)?);
    let commit = git.resolve(rev)?;
    Ok(audit_commit(&git, &commit, display, config, settings))
}

/// Audits one commit of an opened repository.
pub fn audit_commit(
    git: &Arc<GitRepo>,
    commit: &Commit,
    display: &str,
    config: Option<&pipewise::config::Config>,
    settings: Option<&pipewise::analysis::settings::RepoSettings>,
) -> pipewise::report::RepoReport {
    audit_commit_reusing(git, commit, display, config, settings, None)
}

/// [`audit_commit`], reusing the per-file findings of the other commits audited
/// with the same `reuse` when what they read is unchanged
/// ([`pipewise::reuse`]): the same report.
pub fn audit_commit_reusing(
    git: &Arc<GitRepo>,
    commit: &Commit,
    display: &str,
    config: Option<&pipewise::config::Config>,
    settings: Option<&pipewise::analysis::settings::RepoSettings>,
    reuse: Option<&pipewise::reuse::Reuse>,
) -> pipewise::report::RepoReport {
    let mut tree = git.tree(commit);
    tree.memo = reuse.is_some();
    audit_git_tree(tree, commit, display, config, settings, reuse)
}

/// Audits `tree`, the tree of `commit`.
fn audit_git_tree(
    tree: GitTree,
    commit: &Commit,
    display: &str,
    config: Option<&pipewise::config::Config>,
    settings: Option<&pipewise::analysis::settings::RepoSettings>,
    reuse: Option<&pipewise::reuse::Reuse>,
) -> pipewise::report::RepoReport {
    let tree: Arc<dyn Tree> = Arc::new(tree);
    // The root names the commit: nothing is read from it, and per-repository
    // memos keyed by root never mix two commits.
    let root = PathBuf::from(format!("{display}@{}", commit.id));
    pipewise::audit::audit_tree_reusing(tree, &root, display, config, settings, reuse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_finds_the_first_entry_shown_under_a_name() {
        use gix::object::tree::EntryKind as K;
        let id = |b: u8| ObjectId::from_bytes_or_panic(&[b; 20]);
        // Names as stored: `a`, a name that is not UTF-8, `b`, and a second
        // `\u{fffd}b` (the same name shown).
        let data = b"a\xff\xfebb\xef\xbf\xbdb".to_vec();
        let l = Listed {
            data,
            entries: vec![
                (K::Blob, 0..1, id(1)),
                (K::Tree, 1..4, id(2)),
                (K::Blob, 4..5, id(3)),
                (K::Blob, 5..9, id(4)),
            ],
        };
        let found = |p: &str| l.find(p).map(|n| (n.kind, n.id));
        assert_eq!(found("a"), Some((K::Blob, id(1))));
        assert_eq!(found("b"), Some((K::Blob, id(3))));
        // Lossily read: both bad bytes show as one replacement character each.
        assert_eq!(found("\u{fffd}\u{fffd}b"), Some((K::Tree, id(2))));
        assert_eq!(found("\u{fffd}b"), Some((K::Blob, id(4))));
        assert_eq!(found("c"), None);
        assert_eq!(found(""), None);
        let names: Vec<String> = l
            .iter()
            .map(|(n, _)| String::from_utf8_lossy(n).into_owned())
            .collect();
        assert_eq!(names, ["a", "\u{fffd}\u{fffd}b", "b", "\u{fffd}b"]);
    }

    #[test]
    fn a_commit_read_in_one_pass_is_the_decoded_commit() {
        let kind = gix::hash::Kind::Sha1;
        let id = ObjectId::from_bytes_or_panic(&[7; 20]);
        let tree = "tree 1111111111111111111111111111111111111111\n";
        let parent = |b: char| format!("parent {}\n", b.to_string().repeat(40));
        let sig = |who: &str, t: &str| format!("{who} A U Thor <a@example.com> {t}\n");
        let gpg = "gpgsig -----BEGIN PGP SIGNATURE-----\n \n abc\n -----END PGP SIGNATURE-----\n";
        let mut cases: Vec<Vec<u8>> = vec![];
        for parents in [String::new(), parent('2'), parent('2') + &parent('3')] {
            for times in [
                ("1700000000 +0000", "1700000100 -0130"),
                ("0 +0000", "  42   +0100 "),
            ] {
                for extra in ["", "encoding ISO-8859-1\n", gpg, "mergetag x\n y\n"] {
                    for message in [
                        "",
                        "\n",
                        "\nsubject\n",
                        "\nsub\nject\n\nbody\n",
                        "\n\n\nlate\n",
                    ] {
                        let text = format!(
                            "{tree}{parents}{}{}{extra}{message}",
                            sig("author", times.0),
                            sig("committer", times.1)
                        );
                        cases.push(text.into_bytes());
                    }
                }
            }
        }
        // A summary that is not UTF-8; then objects that do not read.
        cases.push(b"tree 1111111111111111111111111111111111111111\nauthor a <b> 1 +0000\ncommitter a <b> 2 +0000\n\n\xffsub\xfe\n".to_vec());
        let bad = [
            "",
            "tree 11\n",
            "author a <b> 1 +0000\ncommitter a <b> 2 +0000\n\nm\n",
            "tree 1111111111111111111111111111111111111111\ncommitter a <b> 2 +0000\n\nm\n",
            "tree 1111111111111111111111111111111111111111\nauthor a <b> 1 +0000\n\nm\n",
            "tree 1111111111111111111111111111111111111111\nauthor a\ncommitter a <b> 2 +0000\n\nm\n",
            "tree 1111111111111111111111111111111111111111\nauthor a <b> x y\ncommitter a <b> 2 +0000\n\nm\n",
        ];
        cases.extend(bad.iter().map(|b| b.as_bytes().to_vec()));
        let (mut read, mut decoded) = (0, 0);
        for data in &cases {
            let whole = decode_commit(id, data, kind);
            decoded += usize::from(whole.is_ok());
            // `None`: not read in one pass, `GitRepo::commit` decodes it whole.
            if let Some(c) = read_commit(id, data, kind) {
                read += 1;
                assert_eq!(Ok(c), whole, "{:?}", String::from_utf8_lossy(data));
            }
        }
        // Every commit gix decodes is read in one pass (97 here).
        assert_eq!(read, decoded);
        assert!(read > 90, "{read} of {}", cases.len());
    }
}
