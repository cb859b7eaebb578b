//! Optimisations and what each saves, in billable minutes and list price a month
//! under the [`Assumptions`]. The same detections are the `cost/*` rules' findings
//! (with the default assumptions) and the "top savings" of the report section.

use super::duration::{self, Kind};
use super::events::{self, Event};
use super::report::{cents, tidy, Assumptions, Saving, BASIS_MODEL};
use super::{model, run, running, Memo};
use crate::finding::Span;
use crate::workflow::Workflow;
use std::collections::HashMap;

pub const MULTI_ARCH: &str = "cost/multi-arch-every-push";
pub const CANCEL: &str = "cost/missing-cancel-in-progress";
pub const CACHE: &str = "cost/no-dependency-cache";

/// Billable minutes a pull-request run must reach before cancelling superseded runs
/// is worth a finding.
const CANCEL_MIN_MINUTES: f64 = 10.0;

/// One optimisation in a workflow.
#[derive(Debug, Clone)]
pub struct Found {
    pub rule: &'static str,
    pub span: Span,
    pub job: Option<String>,
    pub message: String,
    pub minutes_per_month: f64,
    pub usd_per_month: f64,
}

/// [`find`] under the default assumptions, computed once per workflow (the `cost/*`
/// rules and the report section ask for the same).
pub fn find_default<'w>(wf: &'w Workflow) -> &'w [Found] {
    wf.savings.get_or_init(|| find(wf, &Assumptions::default()))
}

/// The optimisations of one workflow, as report entries.
pub fn of_workflow(wf: &Workflow, a: &Assumptions) -> Vec<Saving> {
    let found = if *a == Assumptions::default() {
        find_default(wf).to_vec()
    } else {
        find(wf, a)
    };
    found
        .into_iter()
        .map(|f| Saving {
            rule: f.rule.into(),
            file: wf.path.into(),
            line: wf.doc.position(f.span.start).line,
            job: f.job,
            message: f.message,
            minutes_per_month: tidy(f.minutes_per_month),
            usd_per_month: cents(f.usd_per_month),
            basis: BASIS_MODEL.into(),
        })
        .collect()
}

/// The optimisations of one workflow (its own jobs; reusable workflows it calls are
/// judged in their own file).
pub fn find(wf: &Workflow, a: &Assumptions) -> Vec<Found> {
    if wf.platform != crate::workflow::Platform::GitHub || wf.jobs.is_empty() {
        return vec![];
    }
    let m = model(wf, &HashMap::new(), None);
    let (evs, _) = events::events(wf, a);
    let mut out = vec![];
    let n = m.jobs.len();
    // Per event: which jobs run.
    let runs: Vec<Vec<bool>> = evs
        .iter()
        .map(|e| {
            let mut r = vec![false; n];
            running(&m, &e.scenario, &mut r);
            r
        })
        .collect();
    let every_push = |e: Event| matches!(e, Event::Push | Event::PullRequest | Event::MergeGroup);
    for (ji, j) in m.jobs.iter().enumerate() {
        let legs = j.legs.len().max(1) as f64;
        let usd = j.legs.iter().map(|l| l.price.usd_per_minute).sum::<f64>() / legs;
        // Multi-arch builds on every push.
        let mut per_month = 0.0;
        let mut per_run = 0.0f64;
        let mut which = vec![];
        for (ei, e) in evs.iter().enumerate() {
            if !(every_push(e.event) && runs[ei][ji]) {
                continue;
            }
            let extra: f64 = j
                .steps
                .iter()
                .filter(|(k, c, _)| {
                    matches!(k, Kind::ContainerMultiArch | Kind::ContainerMultiArchQemu)
                        && c.eval(&e.scenario).possible()
                })
                .map(|(k, _, _)| k.minutes().expected - Kind::ContainerBuild.minutes().expected)
                .sum();
            if extra > 0.0 {
                per_run = per_run.max(extra * legs);
                per_month += extra * legs * e.runs_per_month;
                which.push(e.event.name());
            }
        }
        if per_run > 0.0 {
            let qemu = j
                .steps
                .iter()
                .any(|(k, _, _)| *k == Kind::ContainerMultiArchQemu);
            out.push(Found {
                rule: MULTI_ARCH,
                span: j.job.key.span,
                job: Some(j.job.id.into()),
                message: format!(
                    "job `{}` builds the image for several platforms{} on every {}; build one platform there and all of them on tags: saves about {} min a run, {} min a month ({BASIS_MODEL})",
                    j.job.id,
                    if qemu { " under QEMU emulation" } else { "" },
                    which.join(" and "),
                    tidy(per_run),
                    tidy(per_month)
                ),
                minutes_per_month: per_month,
                usd_per_month: per_month * usd,
            });
        }
        // Installs without a dependency cache.
        let uncached = j
            .job
            .steps
            .iter()
            .filter(|s| duration::uncached_install(s, j.job))
            .count() as f64;
        if uncached > 0.0 {
            let saved_run = uncached
                * (Kind::Install.minutes().expected - Kind::InstallCached.minutes().expected)
                * legs;
            let month: f64 = evs
                .iter()
                .enumerate()
                .filter(|(ei, _)| runs[*ei][ji])
                .map(|(_, e)| e.runs_per_month * saved_run)
                .sum();
            if month > 0.0 {
                out.push(Found {
                    rule: CACHE,
                    span: j.job.key.span,
                    job: Some(j.job.id.into()),
                    message: format!(
                        "job `{}` installs dependencies without a cache on every run; restore them with the setup action's `cache:` or `actions/cache`: saves about {} min a run, {} min a month ({BASIS_MODEL})",
                        j.job.id,
                        tidy(saved_run),
                        tidy(month)
                    ),
                    minutes_per_month: month,
                    usd_per_month: month * usd,
                });
            }
        }
    }
    // Pull-request CI without cancel-in-progress.
    if let Some(e) = evs.iter().find(|e| e.event == Event::PullRequest) {
        let cancels = wf
            .root
            .get("concurrency")
            .and_then(|c| c.get("cancel-in-progress"))
            .and_then(|v| v.as_str())
            .is_some_and(|v| v.trim() != "false");
        let pr_target = e.scenario.event == Some("pull_request_target");
        if !cancels && !pr_target {
            let mut memo: Memo = HashMap::new();
            let models = [m];
            let r = run(&models, 0, &e.scenario, e.event.name(), 0, &mut memo);
            if r.billable.expected >= CANCEL_MIN_MINUTES && a.pushes_per_pr > 1.0 {
                // Of each pull request's pushes, all but the last can supersede a run
                // still going; a superseded run is taken as half done.
                let share = (a.pushes_per_pr - 1.0) / a.pushes_per_pr * 0.5;
                let month = e.runs_per_month * share * r.billable.expected;
                let usd = if r.billable.expected > 0.0 {
                    r.usd / r.billable.expected
                } else {
                    0.0
                };
                let span = wf
                    .triggers
                    .iter()
                    .find(|t| t.event == "pull_request")
                    .map_or(Span::new(0, 0), |t| t.span);
                out.push(Found {
                    rule: CANCEL,
                    span,
                    job: None,
                    message: format!(
                        "pull-request runs ({} billable min each) are not cancelled when a newer push arrives; add `concurrency: {{group: ${{{{ github.workflow }}}}-${{{{ github.ref }}}}, cancel-in-progress: true}}`: saves about {} min a month ({BASIS_MODEL}: {} pushes a pull request, a superseded run half done)",
                        tidy(r.billable.expected),
                        tidy(month),
                        a.pushes_per_pr
                    ),
                    minutes_per_month: month,
                    usd_per_month: month * usd,
                });
            }
        }
    }
    out
}
