//! GitLab CI pipelines: which jobs run for each pipeline event (push to the default
//! branch, merge request, tag) from `workflow:rules`, `rules:`, `only:`/`except:` and
//! `when:`; `parallel: N` and `parallel:matrix` as legs; runner `tags` priced from the
//! GitLab part of `prices.toml` (no tags: the default hosted Linux small runner; a
//! tag of the project's own runners: not priced); `timeout:` as the upper bound.
//! The critical path comes from the lowered `needs:` (or the previous stage), like
//! GitHub's. Anything not decided from the file is [`Tri::Unknown`]: counted as
//! running (an upper bound) and named in the workflow's notes.

use super::events::{Event, EventRun};
use super::report::Assumptions;
use super::{cost, duration, JobStatic, Leg, When};
use crate::gitlab::sources::{self, Counted, COSTED};
use crate::scenario::{RefKind, Scenario};
use crate::workflow::{Condition, Job, Tri, Workflow};
use pipewise_yaml::{Node, NodeKind};

/// The pipeline events costed, in the order of [`JobStatic::gitlab`] (and of
/// [`COSTED`], the sources `gitlab::sources` reads them as).
const EVENTS: [(Event, &str); 3] = [
    (Event::Push, "push"),
    (Event::MergeRequest, "merge_request_event"),
    (Event::Tag, "push"),
];

/// Index of a scenario's event in [`EVENTS`].
pub(super) fn event_index(sc: &Scenario) -> usize {
    match (sc.ref_kind, sc.event) {
        (RefKind::Tag, _) => 2,
        (_, Some("merge_request_event")) => 1,
        _ => 0,
    }
}

/// What [`events`] read of each pipeline's `workflow:rules`, by the node's address
/// (every file of a pipeline asks about the same node, which outlives the analysis;
/// up to 256 rules, read once instead of once per file).
pub(super) type WorkflowRules = foldhash::HashMap<usize, [Tri; 3]>;

/// The events a pipeline runs on: those `workflow:rules` allows and at least one job
/// may run in. Schedules and manual/API pipelines are set up outside the file: not
/// counted (stated in the notes).
pub(super) fn events<'a>(
    wf: &Workflow<'a>,
    statics: &[JobStatic],
    a: &Assumptions,
    notes: &mut Vec<String>,
    read: &mut WorkflowRules,
) -> Vec<EventRun<'a>> {
    // The pipeline's `workflow:rules`.
    let rules = wf.condition;
    let any_job: [bool; 3] = std::array::from_fn(|i| {
        statics
            .iter()
            .any(|s| s.gitlab.is_some_and(|g| g[i].possible()))
    });
    // `workflow:rules` is the pipeline's, read by each of its files: read only where
    // a job may run (most included files define none).
    let allowed_in = match rules {
        Some(r) if any_job.contains(&true) => *read
            .entry(std::ptr::from_ref(r) as usize)
            .or_insert_with(|| {
                sources::eval_rules(r, &COSTED, Counted::Runs, &mut IfCache::default())
            }),
        _ => [Tri::True; 3],
    };
    let mut out = vec![];
    for (i, (event, source)) in EVENTS.iter().enumerate() {
        let allowed = allowed_in[i];
        if !allowed.possible() || !any_job[i] {
            continue;
        }
        if allowed == Tri::Unknown {
            notes.push(format!(
                "`workflow:rules` not decided for {} pipelines: counted as running",
                event.name()
            ));
        }
        let (n, why) = match event {
            Event::Push => (
                a.pushes_per_day * a.days_per_month,
                format!(
                    "{} pushes a day × {} days (to the default branch)",
                    a.pushes_per_day, a.days_per_month
                ),
            ),
            Event::MergeRequest => (
                a.prs_per_week * 52.0 / 12.0 * a.pushes_per_pr,
                format!(
                    "{} merge requests a week × 52/12 × {} pushes each",
                    a.prs_per_week, a.pushes_per_pr
                ),
            ),
            _ => (
                a.tags_per_month,
                format!("{} tags a month", a.tags_per_month),
            ),
        };
        out.push(EventRun {
            event: *event,
            scenario: Scenario {
                event: Some(source),
                ref_kind: match event {
                    Event::Tag => RefKind::Tag,
                    Event::MergeRequest => RefKind::PullRequest,
                    _ => RefKind::Branch,
                },
                outsider: false,
                branch: None,
            },
            runs_per_month: n,
            frequency: why,
            follows: vec![],
        });
    }
    if rules.is_some_and(|r| r.as_seq().is_some_and(|s| s.iter().any(mentions_schedule)))
        || statics.iter().any(|s| s.gitlab_schedule)
    {
        notes.push("scheduled pipelines are set up in GitLab's settings: not counted".into());
    }
    out
}

fn mentions_schedule(n: &Node) -> bool {
    // A prebuilt searcher: asked of every `rules:` item of every job.
    static SCHEDULE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("schedule"));
    n.get("if")
        .and_then(Node::as_str)
        .is_some_and(|s| SCHEDULE.find(s.as_bytes()).is_some())
}

/// What a rule's `if:` text gives in each event of [`EVENTS`] (the sources
/// [`COSTED`]).
type IfCache<'a> = sources::IfCache<'a, 3>;

/// The repository-independent parts of a workflow's GitLab jobs.
pub(super) fn job_statics(facts_table: &crate::facts::Facts, wf: &Workflow) -> Vec<JobStatic> {
    let has_workflow_rules = wf.condition.is_some();
    let mut cache = IfCache::default();
    let mut shared = duration::SharedScripts::default();
    let mut prices = Prices::default();
    wf.jobs
        .iter()
        .map(|j| {
            job_static(
                facts_table,
                j,
                has_workflow_rules,
                &mut cache,
                &mut shared,
                &mut prices,
            )
        })
        .collect()
}

/// The price of each list of runner tags of a workflow's jobs, found once per list
/// (a pipeline's jobs share a few), and whether it is a hosted runner's.
#[derive(Default)]
struct Prices<'a>(Vec<(Vec<&'a str>, cost::Price, bool)>);

impl<'a> Prices<'a> {
    /// At most this many lists are kept; others are priced each time.
    const MAX: usize = 64;

    fn of(&mut self, tags: &[&'a str]) -> (cost::Price, bool) {
        if let Some((_, price, hosted)) = self.0.iter().find(|(t, _, _)| t == tags) {
            return (price.clone(), *hosted);
        }
        let found = if tags.iter().any(|t| t.contains('$')) {
            None
        } else {
            cost::gitlab_price(tags)
        };
        let hosted = found.is_some();
        let price = found.unwrap_or_else(|| cost::unknown_labels(tags));
        if self.0.len() < Self::MAX {
            self.0.push((tags.to_vec(), price.clone(), hosted));
        }
        (price, hosted)
    }
}

/// A GitLab job's repository-independent parts.
fn job_static<'a>(
    facts_table: &crate::facts::Facts,
    j: &Job<'a>,
    has_workflow_rules: bool,
    cache: &mut IfCache<'a>,
    shared: &mut duration::SharedScripts,
    prices: &mut Prices<'a>,
) -> JobStatic {
    let mut notes = vec![];
    let (legs_n, legs_known) = parallel(j.node);
    if !legs_known {
        notes.push(format!(
            "job `{}`: `parallel` not read, counted as one leg",
            j.id
        ));
    }
    let tags: Vec<&str> = j
        .runner
        .and_then(|r| r.tags())
        .map(super::events::strings)
        .unwrap_or_default();
    let label = if tags.is_empty() {
        "(no tags)".to_string()
    } else {
        tags.join(", ")
    };
    let (price, hosted) = prices.of(&tags);
    if !hosted {
        notes.push(format!(
            "job `{}`: runner tags `{label}` are not a GitLab.com hosted runner: the project's own runner, not priced",
            j.id
        ));
    }
    let (facts, places) = shared.job_facts(j);
    let gitlab = sources::runs_in(j, has_workflow_rules, &COSTED, Counted::Runs, cache);
    JobStatic {
        cond: When::Always,
        // A job runs when the jobs of earlier stages were not created for the event.
        ignores_needs: true,
        legs: vec![Leg { label, price }; legs_n],
        legs_known,
        steps: j
            .steps
            .iter()
            .zip(places)
            .map(|(s, place)| {
                (
                    shared.step_kind_at(facts_table, s, facts, place),
                    When::Always,
                )
            })
            .collect(),
        timeout: j.timeout.and_then(|t| t.minutes),
        facts,
        notes,
        gitlab: Some(gitlab),
        gitlab_schedule: match j.condition {
            Some(c @ Condition::Rules(_)) => c
                .rules()
                .and_then(Node::as_seq)
                .is_some_and(|r| r.iter().any(mentions_schedule)),
            Some(c) => c
                .only_except()
                .0
                .is_some_and(|o| super::events::strings(o).contains(&"schedules")),
            None => false,
        },
    }
}

/// `parallel: N` → N legs; `parallel: matrix:` → the sum over its entries of the
/// product of each variable's list length. `(1, false)` when not readable.
fn parallel(job: &Node) -> (usize, bool) {
    let Some(p) = job.get("parallel") else {
        return (1, true);
    };
    if let Some(n) = p.as_str().and_then(|s| s.trim().parse::<usize>().ok()) {
        let ok = (1..=200).contains(&n);
        return (if ok { n } else { 1 }, ok);
    }
    let Some(entries) = p.get("matrix").and_then(Node::as_seq) else {
        return (1, false);
    };
    let mut total = 0usize;
    for e in entries {
        let Some(m) = e.as_map() else {
            return (1, false);
        };
        let mut legs = 1usize;
        for v in m {
            legs = legs.saturating_mul(match &v.value.kind {
                NodeKind::Seq(items) => items.len().max(1),
                _ => 1,
            });
        }
        total = total.saturating_add(legs);
    }
    // GitLab allows at most 200 jobs from one `parallel:matrix`.
    if total == 0 || total > 200 {
        return (1, false);
    }
    (total, true)
}
