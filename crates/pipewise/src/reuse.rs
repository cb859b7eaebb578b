//! Reuse of per-file findings across audits of versions of one repository
//! (`pipewise history` audits hundreds of commits that differ in one file or
//! two).
//!
//! The findings of one file's work item (a GitHub workflow, an action, or another
//! audited file such as a Dockerfile) are kept with everything they were computed
//! from:
//!
//! - the file's own text (a 128-bit keyed hash: random keys per process, so no
//!   text can be made to collide on purpose),
//! - the context every item shares: the enabled rules, their options, and every
//!   called script (path and text),
//! - what the rules read of the rest of the repository while they ran, recorded
//!   as it happens: each file looked up ([`crate::repo::Repo::file`]), each path
//!   whose existence was asked ([`crate::repo::Repo::exists`]), each kind of file
//!   listed ([`crate::repo::Repo::files_of`]), and whether the repository was
//!   read in full when a rule asked.
//!
//! The next audit reuses them when every one of those observes the same again
//! (the same text, the same answer); otherwise the item's rules run again and
//! what they read is recorded anew. GitLab pipelines (merged from includes),
//! repository-level rules, resolution, analysis and scoring always run. So an
//! audit that reuses is identical to a fresh one, as long as the per-file rules
//! read the repository only through those methods (the model's fields are not
//! read directly by any per-file rule; `crates/pipewise-git/tests/reuse.rs`
//! compares every commit of scripted and generated histories with fresh audits).
//!
//! Stack detection (`analysis::stack::detect`) is kept the same way: a
//! detection is reused when the repository has the same paths and the same
//! loaded files (paths, kinds and texts: the workflows it reads are built from
//! them) and every file it read beyond them ([`crate::repo::Repo::read`], noted
//! like the others) is the same again (`Snapshot::detected`).
//!
//! Memory is bounded: one entry per file path (the latest version), at most
//! [`MAX_ENTRIES`] entries and [`MAX_FINDINGS`] findings, then the cache starts
//! again; at most [`MAX_DETECTIONS`] detections.

use crate::finding::Finding;
use crate::reads::{Dep, Recording};
use crate::repo::Repo;
use crate::source::FileKind;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Mutex, OnceLock};

/// Entries kept at most (then the cache starts again).
pub const MAX_ENTRIES: usize = 8192;
/// Findings kept at most over every entry (then the cache starts again).
pub const MAX_FINDINGS: usize = 200_000;

/// What a [`Dep`] observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Obs {
    Text(Option<u128>),
    Bool(bool),
    Digest(u128),
}

struct Entry {
    context: u128,
    text: u128,
    deps: Vec<(Dep, Obs)>,
    findings: Vec<Finding>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<(u8, String), Entry>,
    findings: usize,
    hits: usize,
    misses: usize,
    /// Repository-level results (stack detection), newest last (at most
    /// [`MAX_DETECTIONS`]).
    detections: std::collections::VecDeque<Detection>,
    detection_hits: usize,
}

/// Stack detections kept at most (then the oldest is dropped).
pub const MAX_DETECTIONS: usize = 16;

/// A repository-level result (a stack detection) and what it was computed from:
/// every path of the repository and every loaded file (`key`: the workflows it
/// reads are built from those), and what it read beyond them.
struct Detection {
    key: u128,
    deps: Vec<(Dep, Obs)>,
    detected: std::sync::Arc<dyn std::any::Any + Send + Sync>,
}

/// Per-file findings kept across audits of versions of one repository (see the
/// module documentation). Shared by reference between the audits.
pub struct Reuse {
    keys: (RandomState, RandomState),
    inner: Mutex<Inner>,
}

impl Default for Reuse {
    fn default() -> Reuse {
        Reuse::new()
    }
}

impl std::fmt::Debug for Reuse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (hits, misses) = self.stats();
        f.debug_struct("Reuse")
            .field("hits", &hits)
            .field("misses", &misses)
            .finish()
    }
}

/// A 128-bit keyed hash being built.
struct H(
    std::collections::hash_map::DefaultHasher,
    std::collections::hash_map::DefaultHasher,
);

impl H {
    fn bytes(&mut self, b: &[u8]) -> &mut H {
        self.0.write_usize(b.len());
        self.0.write(b);
        self.1.write_usize(b.len());
        self.1.write(b);
        self
    }

    fn finish(&self) -> u128 {
        (u128::from(self.0.finish()) << 64) | u128::from(self.1.finish())
    }
}

impl Reuse {
    pub fn new() -> Reuse {
        Reuse {
            keys: (RandomState::new(), RandomState::new()),
            inner: Mutex::default(),
        }
    }

    /// Stack detections answered from an earlier audit.
    pub fn detections_reused(&self) -> usize {
        self.inner.lock().map_or(0, |i| i.detection_hits)
    }

    /// Items whose findings were reused, and items whose rules ran.
    pub fn stats(&self) -> (usize, usize) {
        self.inner
            .lock()
            .map(|i| (i.hits, i.misses))
            .unwrap_or((0, 0))
    }

    fn hasher(&self) -> H {
        H(self.keys.0.build_hasher(), self.keys.1.build_hasher())
    }

    fn hash(&self, text: &str) -> u128 {
        self.hasher().bytes(text.as_bytes()).finish()
    }

    /// The context shared by every item of one audit. (The local actions a step
    /// uses, read before the rules run by [`crate::rules::ships::resolve_ships`], are
    /// noted as reads of the item: [`crate::rules::ships::note_local_actions`].)
    pub(crate) fn context(
        &self,
        enabled: &[&str],
        options: &crate::rules::RuleOptions,
        scripts: &crate::repo::Scripts,
    ) -> u128 {
        let mut h = self.hasher();
        for id in enabled {
            h.bytes(id.as_bytes());
        }
        h.bytes(format!("{options:?}").as_bytes());
        for (path, s) in scripts {
            h.bytes(path.as_bytes()).bytes(s.file.text().as_bytes());
        }
        h.finish()
    }

    /// The findings of the item for the file `path` (its `kind` of work), from the
    /// cache when all it read observes the same in `snap`, else from `run` (what it
    /// reads is recorded).
    pub(crate) fn findings(
        &self,
        snap: &Snapshot,
        kind: u8,
        path: &str,
        run: impl FnOnce() -> Vec<Finding>,
    ) -> Vec<Finding> {
        let text = snap.text(path);
        let key = (kind, path.to_string());
        let hit = self.inner.lock().ok().and_then(|i| {
            let e = i.entries.get(&key)?;
            let same = e.context == snap.context
                && Some(e.text) == text
                && e.deps.iter().all(|(d, o)| snap.observe(d) == *o);
            same.then(|| e.findings.clone())
        });
        if let Some(f) = hit {
            if let Ok(mut i) = self.inner.lock() {
                i.hits += 1;
            }
            return f;
        }
        let rec = Recording::start();
        let findings = run();
        let deps = rec.finish();
        let Some(text) = text else {
            return findings;
        };
        let deps: Vec<(Dep, Obs)> = deps
            .into_iter()
            .map(|d| {
                let o = snap.observe(&d);
                (d, o)
            })
            .collect();
        if let Ok(mut i) = self.inner.lock() {
            i.misses += 1;
            if i.entries.len() >= MAX_ENTRIES || i.findings + findings.len() > MAX_FINDINGS {
                let (hits, misses) = (i.hits, i.misses);
                *i = Inner {
                    hits,
                    misses,
                    ..Inner::default()
                };
            }
            i.findings += findings.len();
            if let Some(old) = i.entries.insert(
                key,
                Entry {
                    context: snap.context,
                    text,
                    deps,
                    findings: findings.clone(),
                },
            ) {
                i.findings -= old.findings.len().min(i.findings);
            }
        }
        findings
    }
}

/// One audit's repository as the cache observes it (answers memoized).
pub(crate) struct Snapshot<'r> {
    reuse: &'r Reuse,
    repo: &'r Repo,
    context: u128,
    texts: Mutex<HashMap<String, Option<u128>>>,
    /// [`Repo::exists`] by path (the items' recorded reads ask many paths again).
    exists: Mutex<HashMap<String, bool>>,
    kinds: Mutex<HashMap<FileKind, u128>>,
    complete: OnceLock<bool>,
}

impl<'r> Snapshot<'r> {
    pub(crate) fn new(reuse: &'r Reuse, repo: &'r Repo, context: u128) -> Snapshot<'r> {
        Snapshot {
            reuse,
            repo,
            context,
            texts: Mutex::default(),
            exists: Mutex::default(),
            kinds: Mutex::default(),
            complete: OnceLock::new(),
        }
    }

    /// [`Reuse::findings`] in this snapshot.
    pub(crate) fn findings(
        &self,
        kind: u8,
        path: &str,
        run: impl FnOnce() -> Vec<Finding>,
    ) -> Vec<Finding> {
        self.reuse.findings(self, kind, path, run)
    }

    /// A repository-level result of this snapshot's repository (the stack
    /// detection): kept from an earlier audit whose repository had the same paths
    /// and the same loaded files (paths, kinds, texts), when what it read beyond
    /// them observes the same; else from `run` (what it reads is recorded).
    pub(crate) fn detected<T: Clone + Send + Sync + 'static>(&self, run: impl FnOnce() -> T) -> T {
        let key = self.repository_key();
        let hit = self.reuse.inner.lock().ok().and_then(|i| {
            i.detections
                .iter()
                .rev()
                .filter(|d| d.key == key)
                .find_map(|d| {
                    let same = d.deps.iter().all(|(dep, o)| self.observe(dep) == *o);
                    same.then(|| d.detected.downcast_ref::<T>().cloned())
                        .flatten()
                })
        });
        if let Some(d) = hit {
            if let Ok(mut i) = self.reuse.inner.lock() {
                i.detection_hits += 1;
            }
            return d;
        }
        let rec = Recording::start();
        let detected = run();
        let deps: Vec<(Dep, Obs)> = rec
            .finish()
            .into_iter()
            .map(|d| {
                let o = self.observe(&d);
                (d, o)
            })
            .collect();
        if let Ok(mut i) = self.reuse.inner.lock() {
            if i.detections.len() >= MAX_DETECTIONS {
                i.detections.pop_front();
            }
            i.detections.push_back(Detection {
                key,
                deps,
                detected: std::sync::Arc::new(detected.clone()),
            });
        }
        detected
    }

    /// Every path of the repository (and whether the list is complete): their
    /// digest from discovery when it is known (the folders a history's commits
    /// share are not hashed again), else the paths; and every loaded file's path,
    /// kind and text.
    fn repository_key(&self) -> u128 {
        let mut h = self.reuse.hasher();
        h.bytes(&[u8::from(self.repo.incomplete)]);
        match self.repo.paths_digest {
            Some(d) => {
                h.bytes(b"digest").bytes(&d.to_le_bytes());
            }
            None => {
                h.bytes(b"paths")
                    .bytes(&self.repo.paths.len().to_le_bytes());
                for p in &self.repo.paths {
                    h.bytes(p.as_bytes());
                }
            }
        }
        for f in &self.repo.files {
            let text = self.text(&f.path).unwrap_or_default();
            h.bytes(f.path.as_bytes())
                .bytes(f.kind.as_str().as_bytes())
                .bytes(&text.to_le_bytes());
        }
        h.finish()
    }

    /// The hash of a loaded file's text.
    fn text(&self, path: &str) -> Option<u128> {
        if let Some(t) = self.texts.lock().ok().and_then(|m| m.get(path).copied()) {
            return t;
        }
        // A file the audit did not load (a Makefile whose recipe says what a step
        // ships, `rules::ships`) is read from the version's tree.
        let t = match self.repo.file(path) {
            Some(f) => Some(self.reuse.hash(f.text())),
            None if self.repo.exists(path) => {
                self.repo.read(path).ok().map(|t| self.reuse.hash(&t))
            }
            None => None,
        };
        if let Ok(mut m) = self.texts.lock() {
            m.insert(path.to_string(), t);
        }
        t
    }

    /// [`Repo::exists`], asked once per path (never while reads are recorded:
    /// then each ask is noted).
    fn exists(&self, path: &str) -> bool {
        if crate::reads::recording() {
            return self.repo.exists(path);
        }
        if let Some(e) = self.exists.lock().ok().and_then(|m| m.get(path).copied()) {
            return e;
        }
        let e = self.repo.exists(path);
        if let Ok(mut m) = self.exists.lock() {
            m.insert(path.to_string(), e);
        }
        e
    }

    fn observe(&self, d: &Dep) -> Obs {
        match d {
            Dep::File(p) => Obs::Text(self.text(p)),
            Dep::Exists(p) => Obs::Bool(self.exists(p)),
            Dep::Kind(k) => {
                if let Some(h) = self.kinds.lock().ok().and_then(|m| m.get(k).copied()) {
                    return Obs::Digest(h);
                }
                let mut h = self.reuse.hasher();
                for f in self.repo.files_of(*k) {
                    h.bytes(f.path.as_bytes()).bytes(f.text().as_bytes());
                }
                let h = h.finish();
                if let Ok(mut m) = self.kinds.lock() {
                    m.insert(*k, h);
                }
                Obs::Digest(h)
            }
            Dep::Complete => Obs::Bool(
                *self
                    .complete
                    .get_or_init(|| crate::rules::reliability::complete(self.repo)),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    /// Per-file rules read the repository through the recorded methods: none reads
    /// `repo.paths` or `repo.files` directly, except where the read is noted
    /// (`complete`) or in a repository-level hook (never reused).
    #[test]
    fn rules_read_the_repository_through_recorded_methods() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        let allowed = [
            "reliability/mod.rs",                     // `complete`: notes `Dep::Complete`
            "github/security/dependabot_coverage.rs", // repository-level hook only
        ];
        let mut stack = vec![root.clone()];
        let mut seen = 0;
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("rules folder").flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let rel = p
                    .strip_prefix(&root)
                    .expect("under rules")
                    .to_string_lossy()
                    .replace('\\', "/");
                let text = std::fs::read_to_string(&p).expect("reads");
                seen += 1;
                if allowed.contains(&rel.as_str()) {
                    continue;
                }
                for needle in [
                    "repo.paths",
                    "repo.files.",
                    "repo.files)",
                    "repo.tree",
                    "repo.incomplete",
                ] {
                    assert!(!text.contains(needle), "{rel} reads `{needle}` directly");
                }
            }
        }
        assert!(seen > 50, "{seen} rule files");
    }
}
