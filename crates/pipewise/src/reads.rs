//! What the rules of one work item read of the repository beyond their own file,
//! recorded while they run, for the reuse of their findings across versions of a
//! repository ([`crate::reuse`]). The reads are noted by
//! [`crate::repo::Repo::file`], [`crate::repo::Repo::read`],
//! [`crate::repo::Repo::exists`], [`crate::repo::Repo::files_of`] and
//! `rules::reliability::complete`; while no
//! recording is under way (every plain audit), a read costs one relaxed load.

use crate::source::FileKind;
use std::cell::RefCell;
use std::collections::BTreeSet;

/// Something a rule read of the repository beyond its own file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dep {
    /// A file looked up by path (its text, or its absence).
    File(String),
    /// Whether a path exists.
    Exists(String),
    /// Every file of a kind (paths and texts).
    Kind(FileKind),
    /// Whether the repository was read in full
    /// ([`crate::rules::reliability::complete`], which reads every path).
    Complete,
}

thread_local! {
    /// What the item running on this thread has read, while one is recorded.
    static READS: RefCell<Option<BTreeSet<Dep>>> = const { RefCell::new(None) };
}

/// Recordings under way in the process: while none is (every plain audit), a
/// read costs one relaxed load.
static ACTIVE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Whether the item running on this thread is being recorded (plain audits: never),
/// so that reads made only to be noted can be skipped, and shortcuts that would hide
/// a read from the recording are not taken. A recording on another thread does not
/// count: this thread's reads are not noted into it. When this thread's state cannot
/// be read (it is being torn down, or borrowed), the answer is yes, the cautious one.
#[inline]
pub(crate) fn recording() -> bool {
    ACTIVE.load(std::sync::atomic::Ordering::Relaxed) != 0
        && READS
            .try_with(|r| r.try_borrow().map_or(true, |r| r.is_some()))
            .unwrap_or(true)
}

/// Notes a read by the item being recorded on this thread (nothing otherwise).
#[inline]
pub(crate) fn note(dep: impl FnOnce() -> Dep) {
    if ACTIVE.load(std::sync::atomic::Ordering::Relaxed) != 0 {
        note_read(dep());
    }
}

#[inline(never)]
fn note_read(dep: Dep) {
    let _ = READS.try_with(|r| {
        if let Ok(mut r) = r.try_borrow_mut() {
            if let Some(set) = r.as_mut() {
                set.insert(dep);
            }
        }
    });
}

/// Restores the recording outside an item (also when a rule panics); what the
/// inner one read is added to the outer one, if any.
pub(crate) struct Recording {
    outer: Option<BTreeSet<Dep>>,
    done: bool,
}

impl Recording {
    pub(crate) fn start() -> Recording {
        ACTIVE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let outer = READS
            .try_with(|r| r.replace(Some(BTreeSet::new())))
            .ok()
            .flatten();
        Recording { outer, done: false }
    }

    pub(crate) fn finish(mut self) -> BTreeSet<Dep> {
        self.done = true;
        ACTIVE.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        let outer = self.outer.take();
        READS
            .try_with(|r| {
                let mine = r.replace(None).unwrap_or_default();
                if let Some(mut o) = outer {
                    o.extend(mine.iter().cloned());
                    *r.borrow_mut() = Some(o);
                }
                mine
            })
            .unwrap_or_default()
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        if !self.done {
            ACTIVE.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            let outer = self.outer.take();
            let _ = READS.try_with(|r| {
                let mine = r.replace(None);
                if let Some(mut o) = outer {
                    o.extend(mine.into_iter().flatten());
                    *r.borrow_mut() = Some(o);
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    /// A recording on one thread is not this thread's: tests (and audits) on other
    /// threads keep their shortcuts (`Repo::lacks_file_named` failed now and then
    /// while this module's other test recorded on another thread).
    #[test]
    fn recording_is_per_thread() {
        use super::{recording, Recording};
        assert!(!recording());
        let r = Recording::start();
        assert!(recording());
        let other = std::thread::spawn(recording).join().expect("thread");
        assert!(!other, "another thread's recording counted on this one");
        drop(r.finish());
        assert!(!recording());
    }

    #[test]
    fn recording_nests_and_survives_a_panic() {
        use super::{note, Dep, Recording};
        let outer = Recording::start();
        note(|| Dep::Complete);
        let r = std::panic::catch_unwind(|| {
            let _inner = Recording::start();
            note(|| Dep::Exists("a".into()));
            panic!("rule panics");
        });
        assert!(r.is_err());
        let inner = Recording::start();
        note(|| Dep::File("b".into()));
        assert_eq!(
            inner.finish().into_iter().collect::<Vec<_>>(),
            vec![Dep::File("b".into())]
        );
        let all: Vec<Dep> = outer.finish().into_iter().collect();
        assert_eq!(
            all,
            vec![
                Dep::File("b".into()),
                Dep::Exists("a".into()),
                Dep::Complete
            ]
        );
        // Nothing is recorded outside an item.
        note(|| Dep::Complete);
        assert!(super::READS.with(|r| r.borrow().is_none()));
    }
}
