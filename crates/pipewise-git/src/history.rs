//! `pipewise history`: the audit over a repository's history. The first-parent
//! line from a revision is walked once; a commit is audited when it changed a
//! CI/CD file (a file discovery classifies, anything under `.github/`, a shell
//! script, pipewise's config, or a file the previous audit read, such as a called
//! script or a GitLab include), found by comparing its tree with its parent's
//! (unchanged subtrees are skipped by id). Everything read is cached by object id
//! (tree listings and blob texts), so a file unchanged across commits is read and
//! decoded once.
//!
//! Each audited commit is exactly `pipewise audit --rev COMMIT`; the per-file
//! findings of one commit are reused at the next when what they were computed
//! from is unchanged ([`pipewise::reuse`]: the same report), and a commit whose
//! audit would ask its tree the same questions with the same answers as an
//! earlier audited commit's gets that commit's report without an audit
//! ([`crate::states`]: a distinct state is audited once). Between two
//! audited commits, findings are matched by rule, file and fingerprint (stable
//! across line moves): what the later one adds is *introduced* there, what it no
//! longer has is *fixed* there.

use crate::states::{audit_commit_state, Audited};
use crate::{Commit, GitRepo};
use gix::ObjectId;
use pipewise::finding::Severity;
use pipewise::report::{RepoReport, ReportFinding};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

pub const SCHEMA: &str = "pipewise/history@1";

/// Which commits to audit.
#[derive(Debug, Clone)]
pub struct Options {
    /// Only commits committed at or after this time (seconds since the epoch).
    pub since: Option<i64>,
    /// Only the last N commits that changed CI/CD files.
    pub last: Option<usize>,
    /// Audit every Nth of the commits that changed CI/CD files (and always the
    /// newest); 1 audits each.
    pub every: usize,
    /// The CI system's record of runs (`--runs`), for the delivery metrics.
    pub runs: Option<Vec<crate::runs::Run>>,
}

impl Default for Options {
    /// Every commit that changed CI/CD files.
    fn default() -> Options {
        Options {
            since: None,
            last: None,
            every: 1,
            runs: None,
        }
    }
}

/// A finding as the history shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Change {
    pub rule: String,
    pub severity: Severity,
    pub file: String,
    pub line: usize,
    pub message: String,
    pub fingerprint: String,
}

impl Change {
    fn of(f: &ReportFinding) -> Change {
        Change {
            rule: f.rule.clone(),
            severity: f.severity,
            file: f.file.clone(),
            line: f.line,
            message: f.message.clone(),
            fingerprint: f.fingerprint.clone(),
        }
    }
}

/// What identifies a finding across commits.
type Key = (String, String, String);

fn key(f: &ReportFinding) -> Key {
    let id = if f.fingerprint.is_empty() {
        f.message.clone()
    } else {
        f.fingerprint.clone()
    };
    (f.rule.clone(), f.file.clone(), id)
}

/// A commit named in the history.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CommitRef {
    pub commit: String,
    /// Author date, `YYYY-MM-DD` (UTC).
    pub date: String,
    pub author_time: i64,
}

/// One audited commit.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub commit: String,
    pub date: String,
    pub author_time: i64,
    pub summary: String,
    /// No CI/CD file at this commit: no score.
    pub audited: bool,
    pub score: u32,
    pub grade: String,
    /// Applicable categories: id and score (0 to 10).
    pub categories: BTreeMap<String, f64>,
    /// Findings by severity, most severe first.
    pub counts: [usize; 5],
    pub introduced: Vec<Change>,
    pub fixed: Vec<Change>,
    /// The first commit of a window that does not reach the repository's first
    /// commit (`--since`, `--last`): nothing is said introduced there.
    pub baseline: bool,
}

/// A current high or critical finding and when it appeared.
#[derive(Debug, Clone, Serialize)]
pub struct Appearance {
    pub finding: Change,
    /// The first audited commit that had it.
    pub first: CommitRef,
    /// The audited commit from which it has been present without a break.
    pub since: CommitRef,
}

/// The history document (`pipewise/history@1`).
#[derive(Debug, Clone, Serialize)]
pub struct History {
    pub schema: String,
    pub root: String,
    pub rev: String,
    /// First-parent commits walked.
    pub commits_walked: usize,
    /// Of those, commits that changed CI/CD files.
    pub commits_changed: usize,
    /// Audits run (after `--last`/`--every`).
    pub audits: usize,
    /// Audited commits, oldest first.
    pub points: Vec<Point>,
    /// The newest point's high and critical findings, most severe first.
    pub current: Vec<Appearance>,
    /// Deployment frequency and lead time, as far as the repository tells.
    pub delivery: Option<crate::delivery::Delivery>,
}

/// Whether a changed path can change the audit.
fn relevant(path: &str, read_before: &BTreeSet<String>) -> bool {
    pipewise::discover::classify(path).is_some()
        || path.starts_with(".github/")
        || path.ends_with(".sh")
        || pipewise::config::CONFIG_NAMES.contains(&path)
        || read_before.contains(path)
}

/// A tree object's raw data and its entries, parsed once when it is read, and
/// whether they are strictly in git's order with UTF-8 names.
struct RawTree {
    data: Vec<u8>,
    /// Per entry: its mode, where its name is in `data`, its id.
    entries: Vec<(gix::objs::tree::EntryMode, std::ops::Range<usize>, ObjectId)>,
    ordered: bool,
}

impl RawTree {
    fn parse(data: Vec<u8>, kind: gix::hash::Kind) -> Result<RawTree, String> {
        let base = data.as_ptr() as usize;
        let mut entries = Vec::with_capacity(data.len() / 32 + 1);
        for e in gix::objs::TreeRefIter::from_bytes(&data, kind) {
            let e = e.map_err(|e| e.to_string())?;
            // The name is a slice of `data`: its offset.
            let at = (e.filename.as_ptr() as usize).wrapping_sub(base);
            entries.push((e.mode, at..at + e.filename.len(), e.oid.to_owned()));
        }
        let mut t = RawTree {
            data,
            entries,
            ordered: true,
        };
        t.ordered = (1..t.entries.len()).all(|i| t.entry(i - 1) < t.entry(i))
            && (0..t.entries.len()).all(|i| std::str::from_utf8(t.entry(i).filename).is_ok());
        Ok(t)
    }

    /// [`RawTree::parse`] of `data`, a tree that differs little from `base`
    /// (the same folder at the commit before): the entries whose bytes both
    /// trees share at the start and at the end are copied from `base`, and only
    /// the entries between them are parsed and checked. The result is exactly
    /// what [`RawTree::parse`] gives (`tests::a_tree_read_against_its_base_is_parsed_alike`).
    fn parse_against(
        data: Vec<u8>,
        kind: gix::hash::Kind,
        base: &RawTree,
    ) -> Result<RawTree, String> {
        if !base.ordered || base.entries.is_empty() {
            return RawTree::parse(data, kind);
        }
        let hl = kind.len_in_bytes();
        let lead = common_prefix(&data, &base.data);
        let tail = common_suffix(&data, &base.data);
        // The entries of `base` wholly inside the shared start are `data`'s too.
        let p = base.entries.partition_point(|e| e.1.end + 1 + hl <= lead);
        let start = base.start(p, hl);
        // `data[pos..]` is `base.data[pos - shift..]` when that is inside the
        // shared end; where that is an entry's start, the rest is `base`'s.
        let (dl, bl) = (data.len(), base.data.len());
        let from_base = |pos: usize| -> Option<usize> {
            let q = (pos + bl).checked_sub(dl)?;
            if bl - q > tail {
                return None;
            }
            let k = base.entries.partition_point(|e| e.1.end + 1 + hl <= q);
            (base.start(k, hl) == q).then_some(k)
        };
        let mut entries = Vec::with_capacity(base.entries.len() + 4);
        entries.extend_from_slice(&base.entries[..p]);
        let at0 = data.as_ptr() as usize;
        let mut pos = start;
        let mut rest = None;
        for e in gix::objs::TreeRefIter::from_bytes(data.get(start..).unwrap_or_default(), kind) {
            if let Some(k) = from_base(pos) {
                rest = Some(k);
                break;
            }
            let Ok(e) = e else {
                // The error as a whole parse words it.
                return RawTree::parse(data, kind);
            };
            let at = (e.filename.as_ptr() as usize).wrapping_sub(at0);
            pos = at + e.filename.len() + 1 + hl;
            entries.push((e.mode, at..at + e.filename.len(), e.oid.to_owned()));
        }
        let parsed = entries.len();
        if let Some(k) = rest {
            // Shifted by the difference in length (names are offsets into `data`).
            let moved = |r: &std::ops::Range<usize>| r.start + dl - bl..r.end + dl - bl;
            entries.extend(
                base.entries[k..]
                    .iter()
                    .map(|(m, r, id)| (*m, moved(r), *id)),
            );
        }
        let mut t = RawTree {
            data,
            entries,
            ordered: true,
        };
        // Pairs inside the copied runs are `base`'s (in order, UTF-8); the parsed
        // entries and the pairs where the runs meet them are checked.
        let last = (parsed + 1).min(t.entries.len());
        t.ordered = (p.max(1)..last).all(|i| t.entry(i - 1) < t.entry(i))
            && (p..parsed).all(|i| std::str::from_utf8(t.entry(i).filename).is_ok());
        Ok(t)
    }

    /// Where entry `i` starts in `data` (`i` up to [`RawTree::len`]), given the
    /// length of an object id.
    fn start(&self, i: usize, hl: usize) -> usize {
        i.checked_sub(1)
            .and_then(|j| self.entries.get(j))
            .map_or(0, |e| e.1.end + 1 + hl)
    }

    /// How many entries at the start and at the end `self` and `other` share,
    /// byte for byte (together at most the length of either).
    fn shared_ends(&self, other: &RawTree, hl: usize) -> (usize, usize) {
        let lead = common_prefix(&self.data, &other.data);
        let p = self.entries.partition_point(|e| e.1.end + 1 + hl <= lead);
        let tail = common_suffix(&self.data, &other.data);
        let (sl, ol) = (self.data.len(), other.data.len());
        let room = self.len().min(other.len()).saturating_sub(p);
        // The first entry of `self` inside the shared end whose start is an
        // entry's start in `other` too: from there both parse alike.
        let mut k = self
            .entries
            .partition_point(|e| e.1.end + 1 + hl <= sl - tail.min(sl));
        while k < self.len() {
            let q = self.start(k, hl);
            if sl - q <= tail {
                if let Some(o) = (q + ol).checked_sub(sl) {
                    let j = other.entries.partition_point(|e| e.1.end + 1 + hl <= o);
                    if other.start(j, hl) == o {
                        break;
                    }
                }
            }
            k += 1;
        }
        (p, (self.len() - k).min(room))
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    /// Entry `i` (below [`RawTree::len`]).
    fn entry(&self, i: usize) -> gix::objs::tree::EntryRef<'_> {
        use gix::bstr::ByteSlice;
        let (mode, name, oid) = &self.entries[i];
        gix::objs::tree::EntryRef {
            mode: *mode,
            filename: self.data.get(name.clone()).unwrap_or_default().as_bstr(),
            oid,
        }
    }
}

/// Raw trees of the walk's current and previous commit, by id: a tree read as a
/// commit's is read again as its parent's at the next commit, and the deploy
/// files are looked up in the trees the walk read.
#[derive(Default)]
struct StepTrees {
    now: gix::hashtable::HashMap<ObjectId, Arc<RawTree>>,
    before: gix::hashtable::HashMap<ObjectId, Arc<RawTree>>,
    bytes: usize,
}

/// Bytes of raw trees one commit's step keeps at most (more are read, not kept).
const MAX_STEP_BYTES: usize = 32 * 1024 * 1024;

impl StepTrees {
    /// The tree `id`, parsed against `base` (the same folder at the commit
    /// before) when it is read.
    fn get(
        &mut self,
        git: &GitRepo,
        kind: gix::hash::Kind,
        id: ObjectId,
        base: Option<&RawTree>,
    ) -> Result<Arc<RawTree>, String> {
        if let Some(t) = self.now.get(&id) {
            return Ok(t.clone());
        }
        let t = match (self.before.get(&id), base) {
            (Some(t), _) => t.clone(),
            (None, Some(b)) => Arc::new(RawTree::parse_against(git.tree_data(id)?, kind, b)?),
            (None, None) => Arc::new(RawTree::parse(git.tree_data(id)?, kind)?),
        };
        if self.bytes + t.data.len() <= MAX_STEP_BYTES {
            self.bytes += t.data.len();
            self.now.insert(id, t.clone());
        }
        Ok(t)
    }

    /// Hands the trees read at this commit to `git`'s listings, for the audit of
    /// this commit (and the check of its state): they are not read again.
    fn seed(&self, git: &GitRepo) {
        for (id, t) in &self.now {
            let entries = t
                .entries
                .iter()
                .map(|(m, r, id)| (m.kind(), r.clone(), *id));
            git.seed_listing(*id, &t.data, entries);
        }
    }

    /// The walk moves to the next commit.
    fn next(&mut self) {
        self.before = std::mem::take(&mut self.now);
        self.bytes = 0;
    }
}

/// [`changes`], comparing the two trees' raw entries in git's order, merged
/// side by side: nothing is copied or hashed per entry, and only the entries
/// that differ are looked at. Trees whose entries are not strictly in git's
/// order or not UTF-8 (a hand-made object) are compared by [`changes`], which
/// pairs entries by name.
fn changes_raw(
    git: &GitRepo,
    kind: gix::hash::Kind,
    trees: &mut StepTrees,
    (old, new): (Option<ObjectId>, Option<ObjectId>),
    prefix: &str,
    read_before: &BTreeSet<String>,
) -> Result<bool, String> {
    use gix::objs::tree::EntryRef;
    if old == new {
        return Ok(false);
    }
    let ta = old.map(|id| trees.get(git, kind, id, None)).transpose()?;
    let tb = new
        .map(|id| trees.get(git, kind, id, ta.as_deref()))
        .transpose()?;
    if ta.iter().chain(tb.iter()).any(|t| !t.ordered) {
        return changes(git, old, new, prefix, read_before);
    }
    let mut pair = |x: Option<EntryRef<'_>>, y: Option<EntryRef<'_>>| {
        let Some(name) = x.or(y).and_then(|e| std::str::from_utf8(e.filename).ok()) else {
            return Ok(false);
        };
        let node = |e: Option<EntryRef<'_>>| {
            e.map(|e| super::Node {
                kind: e.mode.kind(),
                id: e.oid.to_owned(),
            })
        };
        let walk = |tx, ty, path: &str| changes_raw(git, kind, trees, (tx, ty), path, read_before);
        entry_changes(prefix, name, node(x), node(y), read_before, walk)
    };
    differing(ta.as_deref(), tb.as_deref(), kind.len_in_bytes(), &mut pair)
}

/// What is called with each differing pair of entries (before, after); `true`
/// stops the merge.
type OnPair<'a, 'f> = &'f mut dyn FnMut(
    Option<gix::objs::tree::EntryRef<'a>>,
    Option<gix::objs::tree::EntryRef<'a>>,
) -> Result<bool, String>;

/// Calls `f` with each pair of entries of the same name (or one side alone)
/// that differ in kind or id, merging the two trees' entries in git's order
/// (both [`RawTree::ordered`]), until `f` says `true`. The entries both share
/// byte for byte at the start and at the end are skipped without a look.
fn differing<'a>(
    ta: Option<&'a RawTree>,
    tb: Option<&'a RawTree>,
    hl: usize,
    f: OnPair<'a, '_>,
) -> Result<bool, String> {
    let skip = match (ta, tb) {
        (Some(a), Some(b)) => a.shared_ends(b, hl),
        _ => (0, 0),
    };
    merge(ta, tb, skip, f)
}

/// [`differing`] without a look at the first `p` and the last `s` entries of
/// both trees.
fn merge<'a>(
    ta: Option<&'a RawTree>,
    tb: Option<&'a RawTree>,
    (p, s): (usize, usize),
    f: OnPair<'a, '_>,
) -> Result<bool, String> {
    let (la, lb) = (ta.map_or(0, RawTree::len), tb.map_or(0, RawTree::len));
    let entry =
        |t: Option<&'a RawTree>, i: usize, end: usize| t.filter(|_| i < end).map(|t| t.entry(i));
    let (ea, eb) = (la - s, lb - s);
    let (mut i, mut j) = (p, p);
    while i < ea || j < eb {
        let (x, y) = match (entry(ta, i, ea), entry(tb, j, eb)) {
            (Some(x), Some(y)) => match x.cmp(&y) {
                std::cmp::Ordering::Less => (Some(x), None),
                std::cmp::Ordering::Greater => (None, Some(y)),
                std::cmp::Ordering::Equal => (Some(x), Some(y)),
            },
            // One side is exhausted.
            (x, y) => (x, y),
        };
        i += usize::from(x.is_some());
        j += usize::from(y.is_some());
        if x.map(|e| (e.mode.kind(), e.oid)) == y.map(|e| (e.mode.kind(), e.oid)) {
            continue;
        }
        if f(x, y)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The length of the longest common start of `a` and `b`.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    // Blocks compared at once, then bytes.
    let mut k = 0;
    while k + 32 <= n && a[k..k + 32] == b[k..k + 32] {
        k += 32;
    }
    k + a[k..n]
        .iter()
        .zip(&b[k..n])
        .take_while(|(x, y)| x == y)
        .count()
}

/// The length of the longest common end of `a` and `b`.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut k = 0;
    while k + 32 <= n && a[n - k - 32..n - k] == b[n - k - 32..n - k] {
        k += 32;
    }
    k + a[..n - k]
        .iter()
        .rev()
        .zip(b[..n - k].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// Whether the entry `name` of the folder `prefix`, `x` before and `y` after
/// (not the same), changes anything relevant: its subtrees compared by `walk`,
/// a file by its path.
fn entry_changes(
    prefix: &str,
    name: &str,
    x: Option<super::Node>,
    y: Option<super::Node>,
    read_before: &BTreeSet<String>,
    walk: impl FnOnce(Option<ObjectId>, Option<ObjectId>, &str) -> Result<bool, String>,
) -> Result<bool, String> {
    use gix::object::tree::EntryKind as K;
    let path = if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}/{name}")
    };
    let tree = |n: Option<super::Node>| n.filter(|n| n.kind == K::Tree).map(|n| n.id);
    let (tx, ty) = (tree(x), tree(y));
    if (tx.is_some() || ty.is_some()) && walk(tx, ty, &path)? {
        return Ok(true);
    }
    let file = |n: Option<super::Node>| n.is_some_and(|n| n.kind != K::Tree);
    Ok((file(x) || file(y)) && relevant(&path, read_before))
}

/// Whether anything relevant differs between two trees (`None`: an empty tree).
/// Subtrees with the same id are skipped; an added or removed subtree is walked.
fn changes(
    git: &GitRepo,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
    prefix: &str,
    read_before: &BTreeSet<String>,
) -> Result<bool, String> {
    if old == new {
        return Ok(false);
    }
    let (la, lb) = (
        old.map(|id| git.listing(id)).transpose()?,
        new.map(|id| git.listing(id)).transpose()?,
    );
    // Names as the audit sees them (lossy UTF-8); a later entry of the same
    // name stands for it.
    let named = |l: &Option<crate::Listing>| -> Vec<(String, super::Node)> {
        l.iter()
            .flat_map(|l| l.iter())
            .map(|(n, x)| (String::from_utf8_lossy(n).into_owned(), x))
            .collect()
    };
    let (a, b) = (named(&la), named(&lb));
    let in_a: std::collections::HashMap<&str, &super::Node> =
        a.iter().map(|(n, x)| (n.as_str(), x)).collect();
    let in_b: std::collections::HashMap<&str, &super::Node> =
        b.iter().map(|(n, x)| (n.as_str(), x)).collect();
    let names = b.iter().map(|(n, _)| n).chain(
        a.iter()
            .map(|(n, _)| n)
            .filter(|n| !in_b.contains_key(n.as_str())),
    );
    for name in names {
        let (x, y) = (
            in_a.get(name.as_str()).copied(),
            in_b.get(name.as_str()).copied(),
        );
        if x == y {
            continue;
        }
        let walk = |tx, ty, path: &str| changes(git, tx, ty, path, read_before);
        if entry_changes(prefix, name, x.copied(), y.copied(), read_before, walk)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `YYYY-MM-DD` (UTC) of seconds since the epoch.
pub fn date(secs: i64) -> String {
    pipewise::report::markdown::civil_date(secs.div_euclid(86_400))
}

/// Seconds since the epoch of `YYYY-MM-DD` (UTC midnight).
pub fn parse_date(s: &str) -> Result<i64, String> {
    let bad = || format!("expected a date as YYYY-MM-DD, got `{s}`");
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    let (y, m, d): (i64, i64, i64) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    // days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400;
    if date(secs) != s {
        return Err(format!("`{s}` is not a day of the calendar"));
    }
    Ok(secs)
}

/// The first-parent line from `tip`, oldest first, cut at `since`.
pub fn first_parent_line(
    git: &GitRepo,
    tip: &Commit,
    since: Option<i64>,
) -> Result<(Vec<Commit>, bool), String> {
    let mut line = vec![];
    let mut at = Some(tip.clone());
    let mut reached_root = true;
    while let Some(c) = at {
        if since.is_some_and(|s| c.commit_time < s) {
            reached_root = false;
            break;
        }
        at = match c.parents.first() {
            Some(p) => Some(git.commit(*p)?),
            None => None,
        };
        line.push(c);
    }
    line.reverse();
    Ok((line, reached_root))
}

/// One distinct state's findings by key (indices into its report, in report
/// order), with what every point of that state shows: computed once per state.
struct Index {
    keys: BTreeMap<Key, Vec<usize>>,
    counts: [usize; 5],
    categories: BTreeMap<String, f64>,
}

impl Index {
    fn of(report: &RepoReport) -> Index {
        let mut keys: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
        for (i, f) in report.findings.iter().enumerate() {
            keys.entry(key(f)).or_default().push(i);
        }
        Index {
            keys,
            counts: pipewise::report::severity_counts(report.findings.iter()).map(|(_, n)| n),
            categories: report
                .scores
                .categories
                .iter()
                .filter(|c| c.applicable)
                .map(|c| (c.id.clone(), c.score))
                .collect(),
        }
    }
}

/// A report as the history holds it: its state's number, the report, its index.
#[derive(Clone)]
struct Held {
    state: u64,
    report: Arc<RepoReport>,
    index: Arc<Index>,
}

/// What changes from one state to the next: computed once per pair of states.
#[derive(Default)]
struct Transition {
    /// Sorted for display; empty at a baseline point.
    introduced: Vec<Change>,
    fixed: Vec<Change>,
    /// Keys the earlier state did not have: their present run starts here.
    appeared: Vec<Key>,
}

/// Indices and transitions kept at most (then the memo starts again): memory
/// stays flat over any number of commits.
const MAX_MEMO: usize = 1024;
/// Changes kept at most over every memoised transition.
const MAX_MEMO_CHANGES: usize = 100_000;

fn transition(before: Option<&Held>, now: &Held) -> Transition {
    let empty = BTreeMap::new();
    let had_keys = before.map_or(&empty, |b| &b.index.keys);
    let mut t = Transition::default();
    for (k, fs) in &now.index.keys {
        let had = had_keys.get(k).map_or(0, Vec::len);
        if fs.len() > had {
            t.introduced.extend(
                fs[had..]
                    .iter()
                    .filter_map(|&i| now.report.findings.get(i))
                    .map(Change::of),
            );
        }
        if had == 0 {
            t.appeared.push(k.clone());
        }
    }
    if let Some(b) = before {
        for (k, fs) in &b.index.keys {
            let has = now.index.keys.get(k).map_or(0, Vec::len);
            if fs.len() > has {
                t.fixed.extend(
                    fs[has..]
                        .iter()
                        .filter_map(|&i| b.report.findings.get(i))
                        .map(Change::of),
                );
            }
        }
    }
    let order = |a: &Change, b: &Change| {
        (b.severity, &a.file, a.line, &a.rule).cmp(&(a.severity, &b.file, b.line, &b.rule))
    };
    t.introduced.sort_by(order);
    t.fixed.sort_by(order);
    t
}

/// The points of a history as audits arrive, oldest first. Commits answered
/// from the same kept state share its report, its index and, between the same
/// two states, the introduced and fixed findings: a point costs what changed.
#[derive(Default)]
struct Builder {
    points: Vec<Point>,
    before: Option<Held>,
    /// Per finding: the point where it was first seen, and where its present run
    /// began.
    first: BTreeMap<Key, usize>,
    run_start: BTreeMap<Key, usize>,
    /// States whose keys are all in `first` already.
    registered: HashSet<u64>,
    indices: HashMap<u64, Arc<Index>>,
    transitions: HashMap<(Option<u64>, u64), Arc<Transition>>,
    memo_changes: usize,
}

impl Builder {
    fn held(&mut self, a: Audited) -> Held {
        if let Some(b) = self.before.as_ref().filter(|b| b.state == a.state) {
            return b.clone();
        }
        let index = match self.indices.get(&a.state) {
            Some(i) => i.clone(),
            None => {
                if self.indices.len() >= MAX_MEMO {
                    self.indices.clear();
                }
                let i = Arc::new(Index::of(&a.report));
                self.indices.insert(a.state, i.clone());
                i
            }
        };
        Held {
            state: a.state,
            report: a.report,
            index,
        }
    }

    fn add(&mut self, c: &Commit, a: Audited, baseline: bool) {
        let n = self.points.len();
        let now = self.held(a);
        let pair = (self.before.as_ref().map(|b| b.state), now.state);
        let t = match self.transitions.get(&pair) {
            Some(t) => t.clone(),
            None => {
                let t = Arc::new(transition(self.before.as_ref(), &now));
                let size = t.introduced.len() + t.fixed.len() + t.appeared.len();
                if self.transitions.len() >= MAX_MEMO || self.memo_changes + size > MAX_MEMO_CHANGES
                {
                    self.transitions.clear();
                    self.memo_changes = 0;
                }
                self.memo_changes += size;
                self.transitions.insert(pair, t.clone());
                t
            }
        };
        if self.registered.insert(now.state) {
            // A key of this state not in `first` yet is not a key of the state
            // before (registered: its keys are in `first`), so it is one of the
            // keys that appeared: only those are looked up.
            for k in &t.appeared {
                if !self.first.contains_key(k) {
                    self.first.insert(k.clone(), n);
                }
            }
        }
        for k in &t.appeared {
            self.run_start.insert(k.clone(), n);
        }
        let report = &now.report;
        self.points.push(Point {
            commit: c.id.to_string(),
            date: date(c.author_time),
            author_time: c.author_time,
            summary: c.summary.clone(),
            audited: !report.files.is_empty(),
            score: report.scores.overall,
            grade: report.scores.grade.clone(),
            categories: now.index.categories.clone(),
            counts: now.index.counts,
            introduced: if baseline {
                vec![]
            } else {
                t.introduced.clone()
            },
            fixed: t.fixed.clone(),
            baseline,
        });
        self.before = Some(now);
    }

    /// The newest point's high and critical findings and when they appeared.
    fn current(&self) -> Vec<Appearance> {
        let commit_ref = |n: usize| CommitRef {
            commit: self.points[n].commit.clone(),
            date: self.points[n].date.clone(),
            author_time: self.points[n].author_time,
        };
        let mut current: Vec<Appearance> = self
            .before
            .iter()
            .flat_map(|h| h.report.findings.iter())
            .filter(|f| f.severity >= Severity::High)
            .filter_map(|f| {
                let k = key(f);
                Some(Appearance {
                    finding: Change::of(f),
                    first: commit_ref(*self.first.get(&k)?),
                    since: commit_ref(*self.run_start.get(&k)?),
                })
            })
            .collect();
        current.sort_by(|a, b| {
            (
                b.finding.severity,
                &a.finding.file,
                a.finding.line,
                &a.finding.rule,
            )
                .cmp(&(
                    a.finding.severity,
                    &b.finding.file,
                    b.finding.line,
                    &b.finding.rule,
                ))
        });
        current
    }
}

/// The history of the repository at `git` from `rev`, shown as `display`.
pub fn history(
    git: &Arc<GitRepo>,
    rev: &str,
    display: &str,
    opts: &Options,
) -> Result<History, String> {
    let tip = git.resolve(rev)?;
    let (line, reached_root) = first_parent_line(git, &tip, opts.since)?;
    let every = opts.every.max(1);
    let sampled = every > 1 || opts.last.is_some();
    // Per-file findings are reused across the commits when what they were
    // computed from is unchanged (content-addressed; `pipewise::reuse`).
    // A commit whose audit would ask the tree the same questions as an earlier
    // one's and get the same answers gets its report (`crate::states`).
    let reuse = pipewise::reuse::Reuse::new();
    let states = crate::states::States::new();
    let audit = |c: &Commit, tip_audit: &Audited| {
        if c.id == tip.id {
            tip_audit.clone()
        } else {
            audit_commit_state(git, c, display, Some(&reuse), &states)
        }
    };
    // Which commits changed CI/CD files: a tree comparison per commit. The files an
    // audit read (called scripts, includes) count as CI/CD files too: those of the
    // newest commit from the start, and, when every changed commit is audited, those
    // of each audit as the walk reaches it (its point is made at once, so memory
    // holds one report at a time). A state's files are added once.
    let tip_audit = audit_commit_state(git, &tip, display, Some(&reuse), &states);
    let tip_report = tip_audit.report.clone();
    let mut read_before: BTreeSet<String> =
        tip_report.files.iter().map(|f| f.path.clone()).collect();
    let mut read_states: HashSet<u64> = HashSet::from([tip_audit.state]);
    let mut b = Builder::default();
    let mut changed: Vec<usize> = vec![];
    let mut prev: Option<ObjectId> = None;
    let kind = git.hash_kind()?;
    let mut trees = StepTrees::default();
    let mut deploys = DeployWatch::new(crate::delivery::deploy_files(&tip_report));
    for (i, c) in line.iter().enumerate() {
        let walk = (prev, Some(c.tree));
        if changes_raw(git, kind, &mut trees, walk, "", &read_before)? {
            if !sampled {
                trees.seed(git);
                let r = audit(c, &tip_audit);
                if read_states.insert(r.state) {
                    for f in &r.report.files {
                        if !read_before.contains(&f.path) {
                            read_before.insert(f.path.clone());
                        }
                    }
                }
                b.add(c, r, changed.is_empty() && !reached_root);
            }
            changed.push(i);
        }
        deploys.step(git, kind, &mut trees, c.tree);
        trees.next();
        prev = Some(c.tree);
    }
    let commits_changed = changed.len();
    if sampled {
        let n = changed.len();
        let mut chosen: Vec<usize> = changed
            .iter()
            .enumerate()
            .filter(|(k, _)| (n - 1 - k).is_multiple_of(every))
            .map(|(_, i)| *i)
            .collect();
        if let Some(last) = opts.last {
            chosen.drain(..chosen.len().saturating_sub(last));
        }
        let whole = reached_root && chosen.first() == changed.first();
        for (k, &i) in chosen.iter().enumerate() {
            b.add(&line[i], audit(&line[i], &tip_audit), k == 0 && !whole);
        }
    }
    let delivery = if line.is_empty() {
        None
    } else {
        let changes = deploys.changes;
        Some(crate::delivery::delivery(
            git,
            &line,
            &tip_report,
            changes,
            opts.runs.as_deref(),
        )?)
    };
    Ok(History {
        delivery,
        schema: SCHEMA.into(),
        root: display.to_string(),
        rev: rev.to_string(),
        commits_walked: line.len(),
        commits_changed,
        audits: b.points.len(),
        current: b.current(),
        points: b.points,
    })
}

/// Counts the commits of the walk that changed a file holding one of the newest
/// commit's deploy jobs (its blob id differs from the commit before). Per file,
/// the ids of the folders along its path at the commit before are kept: where a
/// folder's id is the same, the file is the same, and nothing below it is read.
struct DeployWatch<'a> {
    files: Vec<Vec<&'a str>>,
    /// Per file at the commit before: the folders' ids from the root, and the
    /// file's id.
    before: Vec<(Vec<ObjectId>, Option<ObjectId>)>,
    root: Option<ObjectId>,
    changes: usize,
}

impl<'a> DeployWatch<'a> {
    fn new(files: Vec<&'a str>) -> DeployWatch<'a> {
        DeployWatch {
            before: vec![(vec![], None); files.len()],
            files: files
                .into_iter()
                .map(|f| f.split('/').filter(|p| !p.is_empty()).collect())
                .collect(),
            root: None,
            changes: 0,
        }
    }

    /// The next commit of the walk, whose tree is `root`.
    fn step(
        &mut self,
        git: &GitRepo,
        kind: gix::hash::Kind,
        trees: &mut StepTrees,
        root: ObjectId,
    ) {
        if self.files.is_empty() || self.root == Some(root) {
            return;
        }
        self.root = Some(root);
        let mut changed = false;
        for (parts, before) in self.files.iter().zip(self.before.iter_mut()) {
            let now = Self::find(git, kind, trees, root, parts, before);
            changed |= now.1 != before.1;
            *before = now;
        }
        self.changes += usize::from(changed);
    }

    /// The entry at `parts` in the tree `root` (as [`GitRepo::node`] finds it:
    /// links not followed, the first entry of that name), with the ids of the
    /// folders on the way; from `before` where a folder is unchanged.
    fn find(
        git: &GitRepo,
        kind: gix::hash::Kind,
        trees: &mut StepTrees,
        root: ObjectId,
        parts: &[&str],
        before: &(Vec<ObjectId>, Option<ObjectId>),
    ) -> (Vec<ObjectId>, Option<ObjectId>) {
        let mut folders = vec![];
        let mut at = root;
        for (k, part) in parts.iter().enumerate() {
            if before.0.get(k) == Some(&at) {
                // The same folder: the same entry below it.
                folders.extend_from_slice(&before.0[k..]);
                return (folders, before.1);
            }
            folders.push(at);
            if *part == ".." || *part == "." {
                return (folders, None);
            }
            let Ok(t) = trees.get(git, kind, at, None) else {
                return (folders, None);
            };
            let Some(e) = (0..t.len())
                .map(|i| t.entry(i))
                .find(|e| String::from_utf8_lossy(e.filename) == *part)
            else {
                return (folders, None);
            };
            let id = e.oid.to_owned();
            if k + 1 == parts.len() {
                return (folders, Some(id));
            }
            if !e.mode.is_tree() {
                return (folders, None);
            }
            at = id;
        }
        // No parts: the root itself.
        (folders, Some(root))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small random source (the same sequence every run).
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) as usize) % n.max(1)
        }
    }

    type E = (&'static str, Vec<u8>, u8);

    /// A tree object's bytes: mode, name, id (20 bytes of one value).
    fn raw(entries: &[E]) -> Vec<u8> {
        let mut out = vec![];
        for (mode, name, id) in entries {
            out.extend_from_slice(mode.as_bytes());
            out.push(b' ');
            out.extend_from_slice(name);
            out.push(0);
            out.extend_from_slice(&[*id; 20]);
        }
        out
    }

    /// A name's start that reads like an entry's start: the name's end is the
    /// bytes of an entry without it, so entries start at different places in
    /// trees that end alike.
    const LOOKALIKE: &[u8] = b"q100644 ";

    /// Names from a tiny alphabet (some after [`LOOKALIKE`]), so that trees share bytes across entry
    /// boundaries (`a`, `aa`, `a.sh`), in git's order (a folder sorts as if its
    /// name ended in `/`).
    fn tree(rng: &mut Lcg, n: usize) -> Vec<E> {
        let mut v: Vec<E> = vec![];
        for _ in 0..n {
            let len = 1 + rng.next(3);
            let mut name: Vec<u8> = (0..len).map(|_| b"a.b"[rng.next(3)]).collect();
            if rng.next(4) == 0 {
                name.splice(0..0, LOOKALIKE.iter().copied());
            }
            let mode = if rng.next(4) == 0 { "40000" } else { "100644" };
            v.push((mode, name, b"xy"[rng.next(2)]));
        }
        let key = |e: &E| {
            let mut k = e.1.clone();
            if e.0 == "40000" {
                k.push(b'/');
            }
            k
        };
        v.sort_by_key(key);
        v.dedup_by(|a, b| a.1 == b.1);
        v
    }

    /// One random edit: changed id, mode or name, added, removed, moved out of
    /// order, duplicated, not UTF-8, [`LOOKALIKE`] put before or taken from a
    /// name, or bytes that do not parse.
    fn edit(rng: &mut Lcg, v: &mut Vec<E>) -> bool {
        let i = rng.next(v.len());
        let mut bad = false;
        match rng.next(12) {
            8..=10 if !v.is_empty() => match v[i].1.strip_prefix(LOOKALIKE) {
                Some(rest) => v[i].1 = rest.to_vec(),
                None => {
                    v[i].1.splice(0..0, LOOKALIKE.iter().copied());
                }
            },
            0 if !v.is_empty() => v[i].2 = v[i].2.wrapping_add(1),
            1 if !v.is_empty() => v[i].0 = if v[i].0 == "40000" { "100644" } else { "40000" },
            2 if !v.is_empty() => v[i].1.push(b'a'),
            3 => v.insert(i, ("100644", b"a".to_vec(), b'z')),
            4 if !v.is_empty() => {
                v.remove(i);
            }
            5 if v.len() > 1 => {
                let j = rng.next(v.len());
                v.swap(i, j);
            }
            6 if !v.is_empty() => v.insert(i, v[i].clone()),
            7 if !v.is_empty() => v[i].1 = vec![0xff, b'a'],
            _ => bad = true,
        }
        bad
    }

    fn same(a: &RawTree, b: &RawTree) -> bool {
        a.data == b.data && a.entries == b.entries && a.ordered == b.ordered
    }

    /// The names of a differing pair (before, after).
    type Names = (Option<Vec<u8>>, Option<Vec<u8>>);

    /// The differing pairs of `a` and `b` by [`merge`], skipping `skip`.
    fn pairs(a: &RawTree, b: &RawTree, skip: (usize, usize)) -> Vec<Names> {
        let mut seen = vec![];
        let name = |e: Option<gix::objs::tree::EntryRef<'_>>| e.map(|e| e.filename.to_vec());
        let mut f = |x, y| {
            seen.push((name(x), name(y)));
            Ok(false)
        };
        assert_eq!(merge(Some(a), Some(b), skip, &mut f), Ok(false));
        seen
    }

    #[test]
    fn a_tree_read_against_its_base_is_parsed_alike() {
        let kind = gix::hash::Kind::Sha1;
        let mut rng = Lcg(20);
        let (mut shortcuts, mut skipped) = (0, 0);
        for round in 0..4000 {
            let n = rng.next(9);
            let old = tree(&mut rng, n);
            let mut new = old.clone();
            let mut bad = false;
            for _ in 0..1 + rng.next(3) {
                bad |= edit(&mut rng, &mut new);
            }
            let (a, mut b) = (raw(&old), raw(&new));
            if bad {
                // Cut or extended: no longer a whole number of entries.
                match rng.next(2) {
                    0 => b.truncate(b.len().saturating_sub(1 + rng.next(5))),
                    _ => b.extend_from_slice(b"100644 "),
                }
            }
            let Ok(base) = RawTree::parse(a, kind) else {
                continue;
            };
            let whole = RawTree::parse(b.clone(), kind);
            let against = RawTree::parse_against(b, kind, &base);
            match (&whole, &against) {
                (Ok(w), Ok(t)) => assert!(same(w, t), "round {round}: {old:?} -> {new:?}"),
                (Err(w), Err(t)) => assert_eq!(w, t, "round {round}"),
                _ => panic!("round {round}: {} vs {}", whole.is_ok(), against.is_ok()),
            }
            let Ok(t) = whole else { continue };
            let (p, s) = base.shared_ends(&t, 20);
            shortcuts += usize::from(p + s > 0);
            if !(base.ordered && t.ordered) {
                continue;
            }
            skipped += p + s;
            // From the shared ends, the merge sees what the whole merge sees.
            assert_eq!(
                pairs(&base, &t, (p, s)),
                pairs(&base, &t, (0, 0)),
                "round {round}: {old:?} -> {new:?}"
            );
        }
        // The shortcuts were taken (a test of them, not of the plain path).
        assert!(shortcuts > 1000 && skipped > 1500, "{shortcuts} {skipped}");
    }
}
