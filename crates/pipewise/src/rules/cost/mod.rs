//! Cost rules: changes that save CI minutes and money, each finding with its saving
//! estimated by [`crate::economics`] (billable minutes a run and a month under the
//! default assumptions; `pipewise cost` recomputes them with yours). Severity `info`:
//! they cost money, not safety.

pub mod missing_cancel_in_progress;
pub mod multi_arch_every_push;
pub mod no_dependency_cache;

use super::{Ctx, Rule, RuleMeta};
use crate::economics::{report::Assumptions, savings};
use crate::workflow::Workflow;

pub static RULES: &[&dyn Rule] = &[
    &missing_cancel_in_progress::MissingCancelInProgress,
    &multi_arch_every_push::MultiArchEveryPush,
    &no_dependency_cache::NoDependencyCache,
];

thread_local! {
    /// The last workflow's savings on this thread: the three rules run one after
    /// another on the same workflow, so it is read once. Keyed by the document's and
    /// its text's addresses, the length, and a hash of the text's first and last 256
    /// bytes (an address can be reused by a later document).
    static LAST: std::cell::RefCell<Option<(Key, Vec<savings::Found>)>> =
        const { std::cell::RefCell::new(None) };
}

type Key = (usize, usize, usize, u64);

fn key(wf: &Workflow) -> Key {
    let src = wf.doc.source().as_bytes();
    let head = &src[..src.len().min(256)];
    let tail = &src[src.len().saturating_sub(256)..];
    let mut h: u64 = 0xcbf29ce484222325;
    for b in head.iter().chain(tail).chain(wf.path.as_bytes()) {
        h = (h ^ u64::from(*b)).wrapping_mul(0x100000001b3);
    }
    (
        wf.doc as *const _ as usize,
        src.as_ptr() as usize,
        src.len(),
        h,
    )
}

/// Reports the workflow's savings of rule `meta`.
fn report(meta: &'static RuleMeta, wf: &Workflow, cx: &mut Ctx) {
    let k = key(wf);
    // The first cost rule (in id order) always computes afresh.
    let first = meta.id == missing_cancel_in_progress::META.id;
    let found = LAST.with(|l| {
        let mut l = l.borrow_mut();
        match l.as_ref() {
            Some((lk, f)) if *lk == k && !first => f.clone(),
            _ => {
                let f = savings::find(wf, &Assumptions::default());
                *l = Some((k, f.clone()));
                f
            }
        }
    });
    for f in found {
        if f.rule == meta.id {
            cx.report(meta, wf.path, f.span, f.message)
                .job(f.job.as_deref());
        }
    }
}
