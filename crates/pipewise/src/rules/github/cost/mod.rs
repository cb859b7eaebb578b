//! Cost rules: changes that save CI minutes and money, each finding with its saving
//! estimated by [`crate::economics`] (billable minutes a run and a month under the
//! default assumptions; `pipewise cost` recomputes them with yours). Severity `info`:
//! they cost money, not safety; `cost/unused-needs` is `low` (its saving is wall time,
//! and an edge it names may be a deliberate gate).

pub mod checks_on_every_os;
pub mod image_built_twice;
pub mod missing_cancel_in_progress;
pub mod multi_arch_every_push;
pub mod no_dependency_cache;
pub mod no_docs_path_filter;
pub mod unused_needs;
pub mod unused_setup;

use crate::rules::{Ctx, Rule, RuleMeta};
use crate::workflow::Workflow;

pub static RULES: &[&dyn Rule] = &[
    &missing_cancel_in_progress::MissingCancelInProgress,
    &multi_arch_every_push::MultiArchEveryPush,
    &no_dependency_cache::NoDependencyCache,
    &unused_setup::UnusedSetup,
    &checks_on_every_os::ChecksOnEveryOs,
    &no_docs_path_filter::NoDocsPathFilter,
    &image_built_twice::ImageBuiltTwice,
    &unused_needs::UnusedNeeds,
];

/// Reports the workflow's savings of rule `meta`.
fn report(meta: &'static RuleMeta, wf: &Workflow, cx: &mut Ctx) {
    for f in cx.economics.savings(cx.facts, wf).iter() {
        if f.rule == meta.id {
            cx.report(meta, wf.path, f.span, f.message.clone())
                .job(f.job.as_deref());
        }
    }
}
