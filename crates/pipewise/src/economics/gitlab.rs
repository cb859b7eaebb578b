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
    let mut shared =
        duration::SharedScripts::with_capacity(wf.jobs.iter().map(|j| j.steps.len()).sum());
    let mut prices = Prices::default();
    let mut rules = RulesRead::default();
    wf.jobs
        .iter()
        .map(|j| {
            job_static(
                facts_table,
                j,
                has_workflow_rules,
                &mut Per {
                    cache: &mut cache,
                    shared: &mut shared,
                    prices: &mut prices,
                    rules: &mut rules,
                },
            )
        })
        .collect()
}

/// What a workflow's jobs share, read once per workflow.
struct Per<'p, 'a> {
    cache: &'p mut IfCache<'a>,
    shared: &'p mut duration::SharedScripts,
    prices: &'p mut Prices<'a>,
    rules: &'p mut RulesRead<'a>,
}

/// What a job's `rules:` list gives, by the list's span and text (jobs that extend
/// one template have copies of its list, each read alike): the events it runs in
/// ([`sources::eval_rules`]) and whether an `if:` names schedules. Lists of two
/// files may share a span: the one kept is compared first.
#[derive(Default)]
struct RulesRead<'a>(foldhash::HashMap<pipewise_yaml::Span, (&'a Node, [Tri; 3], bool)>);

impl<'a> RulesRead<'a> {
    fn of(&mut self, rules: &'a Node, cache: &mut IfCache<'a>) -> ([Tri; 3], bool) {
        if let Some(&(kept, g, schedule)) = self.0.get(&rules.span) {
            if std::ptr::eq(kept, rules) || *kept == *rules {
                return (g, schedule);
            }
        }
        let g = sources::eval_rules(rules, &COSTED, Counted::Runs, cache);
        let schedule = rules
            .as_seq()
            .is_some_and(|r| r.iter().any(mentions_schedule));
        self.0.insert(rules.span, (rules, g, schedule));
        (g, schedule)
    }
}

/// The price of each list of runner tags of a workflow's jobs, found once per list
/// (a pipeline's jobs share a few), whether it is a hosted runner's, the legs'
/// label and the end of the note of a runner not priced.
#[derive(Default)]
struct Prices<'a>(Vec<Priced<'a>>);

struct Priced<'a> {
    tags: Vec<&'a str>,
    price: cost::Price,
    hosted: bool,
    label: String,
    /// The note after ``job `<id>` ``.
    note_tail: String,
}

impl<'a> Prices<'a> {
    /// At most this many lists are kept; past it, the last is replaced.
    const MAX: usize = 64;

    fn of(&mut self, tags: &[&'a str]) -> &Priced<'a> {
        if let Some(i) = self.0.iter().position(|p| p.tags == tags) {
            return &self.0[i];
        }
        let found = if tags.iter().any(|t| t.contains('$')) {
            None
        } else {
            cost::gitlab_price(tags)
        };
        let hosted = found.is_some();
        let price = found.unwrap_or_else(|| cost::unknown_labels(tags));
        let label = if tags.is_empty() {
            "(no tags)".to_string()
        } else {
            tags.join(", ")
        };
        let note_tail = format!(
            "`: runner tags `{label}` are not a GitLab.com hosted runner: the project's own runner, not priced"
        );
        let p = Priced {
            tags: tags.to_vec(),
            price,
            hosted,
            label,
            note_tail,
        };
        if self.0.len() >= Self::MAX {
            self.0.pop();
        }
        self.0.push(p);
        &self.0[self.0.len() - 1]
    }
}

/// A GitLab job's repository-independent parts.
fn job_static<'a>(
    facts_table: &crate::facts::Facts,
    j: &Job<'a>,
    has_workflow_rules: bool,
    per: &mut Per<'_, 'a>,
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
    let priced = per.prices.of(&tags);
    if !priced.hosted {
        let mut note = String::with_capacity(5 + j.id.len() + priced.note_tail.len());
        note.push_str("job `");
        note.push_str(j.id);
        note.push_str(&priced.note_tail);
        notes.push(note);
    }
    let leg = Leg {
        label: priced.label.clone(),
        price: priced.price.clone(),
    };
    let shared = &mut *per.shared;
    let (facts, places) = shared.job_facts(j);
    // `rules:` read once per list; the other forms are short.
    let (gitlab, gitlab_schedule) = match j.condition {
        Some(Condition::Rules(e)) => per.rules.of(&e.value, per.cache),
        Some(c) => (
            sources::runs_in(j, has_workflow_rules, &COSTED, Counted::Runs, per.cache),
            c.only_except()
                .0
                .is_some_and(|o| super::events::strings(o).contains(&"schedules")),
        ),
        None => (
            sources::runs_in(j, has_workflow_rules, &COSTED, Counted::Runs, per.cache),
            false,
        ),
    };
    JobStatic {
        cond: When::Always,
        // A job runs when the jobs of earlier stages were not created for the event.
        ignores_needs: true,
        legs: vec![leg; legs_n],
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
        gitlab_schedule,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::Repo;

    /// The statics of a workflow's jobs read with the caches shared across its jobs
    /// ([`RulesRead`] by `rules:` list, [`Prices`] by tag list, also past
    /// [`Prices::MAX`] lists) are each job's read alone.
    #[test]
    fn shared_reads_are_each_jobs_own() {
        let mut text = String::from(
            ".tpl:\n  rules:\n    - if: $CI_COMMIT_TAG\n  tags: [our-fleet]\n\
             a:\n  extends: .tpl\n  script: [make a]\n\
             b:\n  extends: .tpl\n  script: [make b]\n\
             c:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"schedule\"\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n  script: [make c]\n\
             d:\n  rules:\n    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n  tags: [saas-linux-medium-amd64]\n  script: [make d]\n\
             e:\n  only: [schedules, tags]\n  tags: [our-fleet]\n  script: [make e]\n\
             f:\n  script: [make f]\n",
        );
        for i in 0..(Prices::MAX + 6) {
            text.push_str(&format!(
                "t{i}:\n  tags: [fleet-{}]\n  script: [make]\n",
                i % (Prices::MAX + 3)
            ));
        }
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(".gitlab-ci.yml"), text).expect("write");
        let repo = Repo::load(dir.path(), ".");
        let pipelines = crate::gitlab::pipelines(&repo, &[]);
        let wfs = crate::gitlab::lower::lower(pipelines.first().expect("a pipeline"));
        let wf = wfs.first().expect("a workflow");
        let table = crate::facts::Facts::new([wf], &[], &Default::default());
        let statics = job_statics(&table, wf);
        assert_eq!(statics.len(), wf.jobs.len());
        assert!(wf.jobs.len() > Prices::MAX + 6, "{}", wf.jobs.len());
        let has_rules = wf.condition.is_some();
        for (j, s) in wf.jobs.iter().zip(&statics) {
            let alone = job_static(
                &table,
                j,
                has_rules,
                &mut Per {
                    cache: &mut IfCache::default(),
                    shared: &mut duration::SharedScripts::default(),
                    prices: &mut Prices::default(),
                    rules: &mut RulesRead::default(),
                },
            );
            assert_eq!(format!("{s:?}"), format!("{alone:?}"), "job {}", j.id);
        }
        let by_id = |id: &str| {
            wf.jobs
                .iter()
                .zip(&statics)
                .find(|(j, _)| j.id == id)
                .map(|(_, s)| s)
                .expect(id)
        };
        use Tri::*;
        assert_eq!(by_id("a").gitlab, Some([False, False, True]));
        assert_eq!(by_id("c").gitlab, Some([False, True, False]));
        assert!(by_id("c").gitlab_schedule && !by_id("a").gitlab_schedule);
        assert!(by_id("e").gitlab_schedule);
        assert_eq!(by_id("d").gitlab, Some([True, False, False]));
        assert!(by_id("a").notes.iter().any(|n| n.contains("`our-fleet`")));
        assert!(by_id("d").notes.is_empty(), "{:?}", by_id("d").notes);
        assert!(by_id("t5").notes[0].starts_with("job `t5`: runner tags `fleet-5`"));
    }

    /// Two `rules:` lists of one workflow at the same span of two files (a job's
    /// own, a template's from an included file) are read each for itself.
    #[test]
    fn rules_at_one_span_of_two_files_are_each_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join(".gitlab-ci.yml"),
            "aa:\n  rules:\n    - if: $DEPLOY_TARGET\n  script: [x]\n\
             bb:\n  extends: .t\n  script: [y]\n\
             include:\n  - local: templates.yml\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("templates.yml"),
            ".t:\n  rules:\n    - if: $CI_COMMIT_TAG\n",
        )
        .expect("write");
        let repo = Repo::load(dir.path(), ".");
        let pipelines = crate::gitlab::pipelines(&repo, &[]);
        let wfs = crate::gitlab::lower::lower(pipelines.first().expect("a pipeline"));
        let wf = wfs
            .iter()
            .find(|w| w.jobs.len() == 2)
            .expect("the file with jobs");
        let rules = |id: &str| {
            wf.jobs
                .iter()
                .find(|j| j.id == id)
                .and_then(|j| j.condition)
                .and_then(|c| c.rules())
                .expect(id)
        };
        assert_eq!(rules("aa").span, rules("bb").span, "the case asked about");
        assert_ne!(rules("aa"), rules("bb"));
        let table = crate::facts::Facts::new([wf], &[], &Default::default());
        let statics = job_statics(&table, wf);
        use Tri::*;
        assert_eq!(statics[0].gitlab, Some([Unknown, Unknown, Unknown]));
        assert_eq!(statics[1].gitlab, Some([False, False, True]));
    }
}
