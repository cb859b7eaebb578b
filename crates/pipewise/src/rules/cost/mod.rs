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
    /// another on the same workflow, so it is read once. Keyed by the document's
    /// address, its length and a hash of its text (an address can be reused).
    static LAST: std::cell::RefCell<Option<((usize, usize, u64), Vec<savings::Found>)>> =
        const { std::cell::RefCell::new(None) };
}

fn key(wf: &Workflow) -> (usize, usize, u64) {
    let src = wf.doc.source();
    // FNV-1a: linear, no allocation.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in src.bytes().chain(wf.path.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x100000001b3);
    }
    (wf.doc as *const _ as usize, src.len(), h)
}

/// Reports the workflow's savings of rule `meta`.
fn report(meta: &'static RuleMeta, wf: &Workflow, cx: &mut Ctx) {
    let k = key(wf);
    let found = LAST.with(|l| {
        let mut l = l.borrow_mut();
        match l.as_ref() {
            Some((lk, f)) if *lk == k => f.clone(),
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
