//! Whole reports kept per distinct state of what an audit read (`pipewise
//! history`): the audit of a commit sees the commit only through [`Tree`]
//! (`list`, `size`, `read`, `lookup`), so two commits that answer every question
//! the audit asked the same way get the same report. While a commit is audited
//! its questions are recorded (by path, in a tree of paths); at a later commit
//! they are asked again, walking the two commits' trees side by side and
//! skipping every subtree whose id did not change, so the check costs the
//! changed subtrees only. When every answer is the same, the kept report is the
//! report: discovery, parsing, the rules, the analysis and the scores are not run
//! again for that commit.
//!
//! Only audits with the repository's own configuration (read through the tree,
//! so recorded) and no exported settings are kept. Memory is bounded: at most
//! [`MAX_STATES`] reports and [`MAX_PATHS`] recorded paths, oldest dropped first.
//!
//! [`Tree`]: pipewise::tree::Tree

use crate::{Commit, GitRepo, Node};
use gix::object::tree::EntryKind as K;
use gix::ObjectId;
use pipewise::report::RepoReport;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Reports kept at most (then the oldest is dropped).
pub const MAX_STATES: usize = 64;
/// Recorded paths kept at most over every kept report.
pub const MAX_PATHS: usize = 1_000_000;
/// A path with more parts than this is not recorded, and the audit that asked
/// for it is not kept (the check walks a path part by part).
const MAX_PARTS: usize = 256;

/// What was asked of a path.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ask {
    List,
    /// The folder and every folder below it listed (discovery replayed its
    /// walk of the folder).
    ListBelow,
    Size,
    Read,
    Lookup,
}

const LIST: u8 = 1;
const NODE: u8 = 2;
const LOOKUP: u8 = 4;
const LIST_BELOW: u8 = 8;

/// The questions an audit asked, by path.
#[derive(Debug, Default)]
struct Trie {
    asks: u8,
    children: BTreeMap<String, Trie>,
}

/// What one audit asks of its tree, as it asks it.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    asked: Mutex<Recorded>,
}

#[derive(Debug, Default)]
struct Recorded {
    trie: Trie,
    paths: usize,
    /// A path too deep to record: the audit is not kept.
    unusable: bool,
}

impl Ask {
    /// What the recorded trie keeps of this ask.
    pub(crate) fn bit(self) -> u8 {
        match self {
            Ask::List => LIST,
            Ask::ListBelow => LIST_BELOW,
            Ask::Size | Ask::Read => NODE,
            Ask::Lookup => LOOKUP,
        }
    }
}

impl Recorder {
    pub(crate) fn note(&self, ask: Ask, rel: &str) {
        let Ok(mut r) = self.asked.lock() else {
            return;
        };
        let bit = ask.bit();
        let mut at = &mut r.trie;
        let mut parts = 0;
        let mut added = 0;
        for part in rel.split('/').filter(|p| !p.is_empty()) {
            // `GitRepo::node` answers "nothing" for such a path in every commit.
            if part == "." || part == ".." {
                return;
            }
            parts += 1;
            if parts > MAX_PARTS {
                r.unusable = true;
                return;
            }
            // A name already recorded is not copied again.
            if !at.children.contains_key(part) {
                added += 1;
                at.children.insert(part.to_string(), Trie::default());
            }
            let Some(next) = at.children.get_mut(part) else {
                return;
            };
            at = next;
        }
        at.asks |= bit;
        r.paths += added;
    }
}

/// A kept report and what its audit asked.
struct State {
    root: ObjectId,
    trie: Trie,
    paths: usize,
    report: Arc<RepoReport>,
    id: u64,
}

/// A commit's report and the distinct state it was answered from: two results
/// with the same `state` have the same report (the same `Arc`).
#[derive(Debug, Clone)]
pub struct Audited {
    pub report: Arc<RepoReport>,
    /// Numbers the distinct states of one [`States`] in the order they were
    /// audited; an audit that is not kept gets a number of its own.
    pub state: u64,
}

/// The kept reports of one repository's commits, shown as one `display`.
#[derive(Default)]
pub struct States {
    kept: Mutex<Kept>,
    /// The next state's number.
    next: AtomicU64,
}

#[derive(Default)]
struct Kept {
    states: VecDeque<State>,
    paths: usize,
    hits: usize,
    misses: usize,
}

impl std::fmt::Debug for States {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (hits, misses) = self.stats();
        f.debug_struct("States")
            .field("hits", &hits)
            .field("misses", &misses)
            .finish()
    }
}

impl States {
    pub fn new() -> States {
        States::default()
    }

    /// Commits answered from a kept report, and commits audited.
    pub fn stats(&self) -> (usize, usize) {
        self.kept.lock().map_or((0, 0), |k| (k.hits, k.misses))
    }
}

fn tree_kind(n: Option<Node>) -> Option<ObjectId> {
    n.filter(|n| n.kind == K::Tree).map(|n| n.id)
}

/// What `Tree::lookup` answers for an entry.
fn lookup(n: Option<Node>) -> Option<bool> {
    match n?.kind {
        K::Tree => Some(false),
        K::Blob | K::BlobExecutable => Some(true),
        K::Link | K::Commit => None,
    }
}

/// What `Tree::list` shows of an entry's kind.
fn shown(k: K) -> u8 {
    match k {
        K::Tree => 0,
        K::Blob | K::BlobExecutable => 1,
        K::Link => 2,
        K::Commit => 3,
    }
}

/// Whether every question of `t` gets the same answer at `old` as at `new` (the
/// same path in two commits).
fn same(git: &GitRepo, old: Option<Node>, new: Option<Node>, t: &Trie) -> Result<bool, String> {
    if old == new {
        return Ok(true);
    }
    // `size` and `read` depend on the entry's kind and id only: it changed.
    if t.asks & NODE != 0 {
        return Ok(false);
    }
    if t.asks & LOOKUP != 0 && lookup(old) != lookup(new) {
        return Ok(false);
    }
    let lo = tree_kind(old).map(|id| git.listing(id)).transpose()?;
    let ln = tree_kind(new).map(|id| git.listing(id)).transpose()?;
    if t.asks & (LIST | LIST_BELOW) != 0 {
        let same_listing = match (&lo, &ln) {
            (Some(a), Some(b)) => same_entries(a, b),
            // Both not folders: the same error when both exist or both do not.
            (None, None) => old.is_some() == new.is_some(),
            _ => false,
        };
        if !same_listing {
            return Ok(false);
        }
    }
    if t.asks & LIST_BELOW != 0 {
        if let (Some(a), Some(b)) = (&lo, &ln) {
            if !same_below(git, a, b, 0)? {
                return Ok(false);
            }
        }
    }
    let child = |l: &Option<crate::Listing>, name: &str| l.as_ref().and_then(|l| l.find(name));
    for (name, sub) in &t.children {
        if !same(git, child(&lo, name), child(&ln, name), sub)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether two listings have the same names byte for byte (stricter than the
/// same names shown: never a wrong "same") and the same kinds shown.
fn same_entries(a: &crate::Listed, b: &crate::Listed) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b.iter())
            .all(|((na, a), (nb, b))| na == nb && shown(a.kind) == shown(b.kind))
}

/// Whether every folder below two folders with the same entries has the same
/// entries again, at any depth (what a replayed discovery walk listed, and the
/// folders it skips too: stricter, never a wrong "same"). Unchanged subfolders
/// (the same id) are not read. Deeper than [`MAX_PARTS`]: not the same.
fn same_below(
    git: &GitRepo,
    a: &crate::Listed,
    b: &crate::Listed,
    depth: usize,
) -> Result<bool, String> {
    for ((_, x), (_, y)) in a.iter().zip(b.iter()) {
        // The same entries: both folders or neither.
        if x.kind != K::Tree || x.id == y.id {
            continue;
        }
        if depth >= MAX_PARTS {
            return Ok(false);
        }
        let (lx, ly) = (git.listing(x.id)?, git.listing(y.id)?);
        if !same_entries(&lx, &ly) || !same_below(git, &lx, &ly, depth + 1)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// [`crate::audit_commit_reusing`] with the repository's own configuration,
/// answered from `states` when an earlier commit's audit asked the same
/// questions and got the same answers (the same report), else audited and kept.
pub fn audit_commit_kept(
    git: &Arc<GitRepo>,
    commit: &Commit,
    display: &str,
    reuse: Option<&pipewise::reuse::Reuse>,
    states: &States,
) -> RepoReport {
    let a = audit_commit_state(git, commit, display, reuse, states);
    Arc::try_unwrap(a.report).unwrap_or_else(|r| (*r).clone())
}

/// [`audit_commit_kept`] without copying the kept report, with the number of the
/// state it was answered from.
pub fn audit_commit_state(
    git: &Arc<GitRepo>,
    commit: &Commit,
    display: &str,
    reuse: Option<&pipewise::reuse::Reuse>,
    states: &States,
) -> Audited {
    let root = Some(Node {
        kind: K::Tree,
        id: commit.tree,
    });
    if let Ok(mut k) = states.kept.lock() {
        let mut found = None;
        for (i, s) in k.states.iter().enumerate().rev() {
            let old = Some(Node {
                kind: K::Tree,
                id: s.root,
            });
            if same(git, old, root, &s.trie).unwrap_or(false) {
                found = Some(i);
                break;
            }
        }
        if let Some(i) = found {
            k.hits += 1;
            if let Some(s) = k.states.get(i) {
                return Audited {
                    report: s.report.clone(),
                    state: s.id,
                };
            }
        }
        k.misses += 1;
    }
    let recorder = Arc::new(Recorder::default());
    let tree = crate::GitTree::new(
        git.clone(),
        commit.tree,
        Some(recorder.clone()),
        reuse.is_some(),
    );
    let report = Arc::new(crate::audit_git_tree(
        tree, commit, display, None, None, reuse,
    ));
    let recorded = recorder
        .asked
        .lock()
        .map(|mut r| std::mem::take(&mut *r))
        .ok();
    let id = states.next.fetch_add(1, Ordering::Relaxed);
    if let (Some(r), Ok(mut k)) = (recorded, states.kept.lock()) {
        if !r.unusable && r.paths <= MAX_PATHS {
            while k.states.len() >= MAX_STATES || k.paths + r.paths > MAX_PATHS {
                let Some(old) = k.states.pop_front() else {
                    break;
                };
                k.paths -= old.paths;
            }
            k.paths += r.paths;
            k.states.push_back(State {
                root: commit.tree,
                trie: r.trie,
                paths: r.paths,
                report: report.clone(),
                id,
            });
        }
    }
    Audited { report, state: id }
}
