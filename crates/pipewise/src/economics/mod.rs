//! Pipeline economics: what each workflow costs in minutes and money, how long a run
//! takes along its critical path, and the changes that save the most.
//!
//! * [`events`]: which jobs run for each trigger (push to the default branch, pull
//!   request, tag, schedule, manual, `workflow_run`), with matrix expansion
//!   (`include`/`exclude`), conditions decided under the event's
//!   [`crate::scenario::Scenario`] (GitHub's `if:` through [`github`], GitLab's
//!   `rules:` through [`gitlab`]), branch and path filters, and local reusable
//!   workflows followed (their jobs are costed in the caller's run);
//! * [`duration`]: the step-kind model (ranges), `timeout-minutes` as the upper
//!   bound; [`runs`]: observed durations (`--runs FILE`) replace the model;
//! * [`cost`]: billable minutes (each job rounded up to a whole minute), runner
//!   prices and multipliers from the dated table `prices.toml`;
//! * [`critical_path`]: the longest `needs:` chain (topological order + DP);
//! * [`savings`]: optimisations with their saving (also reported as `cost/*` rules),
//!   among them waits on `needs:` nothing uses (`unused_needs`).
//!
//! Every number states its basis: run data, model, or timeout bound. Linear in jobs,
//! steps and `needs:` edges (a reusable workflow is evaluated once per event).

pub mod cost;
pub mod critical_path;
pub mod duration;
pub mod events;
mod github;
pub mod gitlab;
/// `prices.toml`'s schema (the build script's); read by the tests that compare it
/// with the statics.
#[cfg(test)]
#[allow(dead_code)]
mod prices_source;
pub mod report;
pub mod runs;
pub mod savings;
pub mod table;
mod unused_needs;

use crate::facts::Facts;
use crate::scenario::{RefKind, Scenario};
use crate::workflow::{Job, Platform, Tri, Workflow};
use cost::Price;
use duration::Kind;
use events::{Event, EventRun};
use pipewise_yaml::{Node, NodeKind};
use report::{
    cents, tidy, Assumptions, Economics, EventCost, IdleWait, JobCost, Range, RunnerUse,
    WorkflowCost, BASIS_MODEL, BASIS_RUNS, BASIS_TIMEOUT,
};
use runs::{Observed, Runs};
use std::collections::HashMap;
use table::Table;

/// What the user tells pipewise about how often things happen and how long jobs
/// took (`pipewise cost --runs FILE --pushes-per-day N …`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inputs {
    pub assumptions: Assumptions,
    pub runs: Option<Runs>,
}

// The numbers in `Inputs` are parsed and checked finite, so equality is reflexive.
impl Eq for Inputs {}

/// One leg's runner.
#[derive(Debug, Clone)]
struct Leg {
    label: String,
    price: Price,
}

/// Where a job's work happens.
#[derive(Debug, Clone)]
enum Callee {
    None,
    Local(usize),
    Remote,
}

/// When a job or step runs under a scenario, by its platform's own condition.
#[derive(Debug)]
pub(crate) enum When {
    /// No condition of its own (a GitLab job's step; a GitLab job is decided by
    /// [`JobStatic::gitlab`]).
    Always,
    /// GitHub's `if:` ([`github::If`]).
    If(github::If),
}

impl When {
    /// Whether the condition holds under `sc`.
    fn eval(&self, sc: &Scenario) -> Tri {
        match self {
            When::Always => Tri::True,
            When::If(c) => c.eval(sc),
        }
    }
}

/// What the model reads from a job whatever the repository around its workflow,
/// read once per workflow ([`table::Table::statics`]): the `cost/*` rules and the
/// report section share it.
#[derive(Debug)]
pub(crate) struct JobStatic {
    cond: When,
    /// `if: always()` and friends run even when a need did not.
    ignores_needs: bool,
    legs: Vec<Leg>,
    legs_known: bool,
    steps: Vec<(Kind, When)>,
    timeout: Option<f64>,
    facts: duration::JobFacts,
    /// The job's notes about its matrix and runners.
    notes: Vec<String>,
    /// GitLab: whether the job runs in a push, merge request and tag pipeline
    /// (replaces `cond`).
    gitlab: Option<[Tri; 3]>,
    /// GitLab: its rules or `only:` name scheduled pipelines.
    gitlab_schedule: bool,
}

impl JobStatic {
    /// Whether the job's own condition lets it run under `sc`.
    fn decide(&self, sc: &Scenario) -> Tri {
        match self.gitlab {
            Some(g) => g[gitlab::event_index(sc)],
            None => self.cond.eval(sc),
        }
    }
}

/// A job, read once.
struct JobModel<'v, 'a> {
    job: &'v Job<'a>,
    st: &'v JobStatic,
    needs: Vec<usize>,
    observed: Option<Observed>,
    callee: Callee,
}

impl std::ops::Deref for JobModel<'_, '_> {
    type Target = JobStatic;
    fn deref(&self) -> &JobStatic {
        self.st
    }
}

/// A workflow, read once.
struct Model<'v, 'a> {
    wf: &'v Workflow<'a>,
    /// Its jobs' repository-independent parts, in job order.
    statics: &'v [JobStatic],
    jobs: Vec<JobModel<'v, 'a>>,
    /// Each job's `needs:` as job indices.
    needs: Vec<Vec<usize>>,
    order: Vec<usize>,
    notes: Vec<String>,
}

/// One run of a workflow under one event.
#[derive(Debug, Clone, Default)]
struct RunResult {
    jobs: Vec<String>,
    billable: Range,
    usd: f64,
    self_hosted: f64,
    wall: Range,
    path: Vec<String>,
    idle: Option<IdleWait>,
    runs_data: bool,
    model: bool,
    clipped: bool,
    /// Jobs counted as running whose `if:` the event does not decide.
    undecided: Vec<String>,
}

/// The "Cost and speed" section for a repository's workflows; `table` keeps what is
/// read once per workflow (the engine's, shared with the `cost/*` rules).
pub fn analyze(facts: &Facts, table: &Table, workflows: &[Workflow], inputs: &Inputs) -> Economics {
    let a = &inputs.assumptions;
    let by_path: HashMap<&str, usize> = workflows
        .iter()
        .enumerate()
        .map(|(i, w)| (w.path, i))
        .collect();
    // What a workflow the table does not hold reads of its jobs (none in an audit).
    let mut own: Vec<Vec<JobStatic>> = workflows.iter().map(|_| vec![]).collect();
    let models: Vec<Model> = workflows
        .iter()
        .zip(own.iter_mut())
        .map(|(w, own)| {
            model(
                w,
                table.statics(facts, w, own),
                &by_path,
                inputs.runs.as_ref(),
            )
        })
        .collect();
    // The workflows that call each workflow, in one pass over every job (a scan of
    // every job per workflow would be quadratic in a repository of many workflows).
    let mut callers_of: Vec<Vec<&str>> = vec![vec![]; models.len()];
    for o in &models {
        for j in &o.jobs {
            if let Callee::Local(t) = j.callee {
                if let Some(c) = callers_of.get_mut(t) {
                    if c.last() != Some(&o.wf.path) {
                        c.push(o.wf.path);
                    }
                }
            }
        }
    }
    let mut memo: Memo = HashMap::new();
    let mut workflow_rules = gitlab::WorkflowRules::default();
    let mut out: Vec<WorkflowCost> = vec![];
    let mut all_events: Vec<Vec<EventRun>> = vec![];
    for (i, m) in models.iter().enumerate() {
        let gitlab = m.wf.platform == Platform::GitLab;
        let mut gl_notes = vec![];
        let (evs, mut other) = if gitlab {
            (
                gitlab::events(m.wf, m.statics, a, &mut gl_notes, &mut workflow_rules),
                vec![],
            )
        } else {
            events::events(m.wf, a)
        };
        let mut wc = WorkflowCost {
            file: m.wf.path.to_string(),
            name: m.wf.name.map(str::to_string),
            notes: m.notes.clone(),
            ..Default::default()
        };
        wc.notes.extend(gl_notes);
        wc.jobs = m.jobs.iter().map(|j| job_cost(m, j)).collect();
        let callers = &callers_of[i];
        wc.status = if m.jobs.is_empty() && gitlab && m.wf.incomplete {
            "not estimated: this file of the pipeline defines no jobs; its jobs come from includes pipewise cannot read (project, remote or with variables)".into()
        } else if m.jobs.is_empty() && gitlab {
            "not estimated: this file of the pipeline defines no jobs (templates, variables or rules; its jobs are costed in the file that defines them)".into()
        } else if m.jobs.is_empty() {
            "not estimated: the workflow has no jobs".into()
        } else if gitlab && evs.is_empty() {
            "not estimated: no job runs by itself in a push, merge request or tag pipeline (scheduled, manual and API pipelines are not counted)".into()
        } else if gitlab {
            "estimated".into()
        } else if evs.is_empty() && m.wf.has_trigger("workflow_call") {
            if callers.is_empty() {
                "not estimated: a reusable workflow that no workflow of the repository calls".into()
            } else {
                format!("costed in the runs of its callers: {}", callers.join(", "))
            }
        } else if evs.is_empty() && other.is_empty() {
            "not estimated: no triggers".into()
        } else {
            "estimated".into()
        };
        let mut evs = evs;
        if evs.is_empty() && !other.is_empty() && wc.status == "estimated" {
            evs.push(EventRun {
                event: Event::Manual,
                scenario: Scenario {
                    event: other.first().copied(),
                    ref_kind: RefKind::Unknown,
                    outsider: false,
                    branch: None,
                },
                runs_per_month: 0.0,
                frequency: format!("`{}`: not counted per month", other.join("`, `")),
                follows: vec![],
            });
            wc.status = "estimated per run (its triggers are not counted per month)".into();
        } else if other.iter().any(|o| *o != "workflow_call") {
            other.retain(|o| *o != "workflow_call");
            wc.notes
                .push(format!("not counted: `{}` triggers", other.join("`, `")));
        }
        out.push(wc);
        all_events.push(if out[i].status.starts_with("estimated") {
            evs
        } else {
            vec![]
        });
    }
    // `workflow_run`: once per run of the workflows it follows.
    let base_runs: Vec<f64> = all_events
        .iter()
        .map(|evs| {
            evs.iter()
                .filter(|e| e.event != Event::WorkflowRun)
                .map(|e| e.runs_per_month)
                .sum()
        })
        .collect();
    for evs in all_events.iter_mut() {
        for e in evs.iter_mut().filter(|e| e.event == Event::WorkflowRun) {
            let mut n = 0.0;
            let mut names = vec![];
            for (j, m) in models.iter().enumerate() {
                let stem = file_stem(m.wf.path);
                if e.follows
                    .iter()
                    .any(|f| Some(*f) == m.wf.name || *f == stem)
                {
                    n += base_runs[j];
                    names.push(m.wf.name.unwrap_or(stem).to_string());
                }
            }
            e.runs_per_month = n;
            e.frequency = if names.is_empty() {
                "once per run of a workflow not found in the repository: not counted".into()
            } else {
                format!("once per run of {}", names.join(", "))
            };
        }
    }
    let mut econ = Economics {
        assumptions: Some(Assumptions {
            price_table: if workflows.iter().any(|w| w.platform == Platform::GitLab) {
                format!("{}; {}", cost::price_table(), cost::gitlab_price_table())
            } else {
                cost::price_table()
            },
            ..a.clone()
        }),
        ..Default::default()
    };
    for (i, evs) in all_events.iter().enumerate() {
        let wc = &mut out[i];
        let mut undecided: Vec<String> = vec![];
        for e in evs {
            let r = run(&models, i, &e.scenario, e.event.name(), 0, &mut memo);
            let basis = basis(&r);
            for u in &r.undecided {
                if !undecided.contains(u) {
                    undecided.push(u.clone());
                }
            }
            wc.monthly_minutes += r.billable.expected * e.runs_per_month;
            wc.monthly_usd += r.usd * e.runs_per_month;
            wc.self_hosted_monthly_minutes += r.self_hosted * e.runs_per_month;
            wc.events.push(EventCost {
                event: e.event.name().into(),
                jobs: r.jobs,
                billable_minutes: r.billable.tidy(),
                usd: (r.usd * 1000.0).round() / 1000.0,
                wall_minutes: r.wall.tidy(),
                critical_path: r.path,
                idle_wait: r.idle,
                runs_per_month: tidy(e.runs_per_month),
                frequency: e.frequency.clone(),
                basis,
            });
        }
        if !undecided.is_empty() {
            let n = undecided.len();
            undecided.truncate(8);
            wc.notes.push(format!(
                "{n} job(s) whose `if:` the event does not decide are counted as running (an upper bound): {}{}",
                undecided.join(", "),
                if n > 8 { ", …" } else { "" }
            ));
        }
        wc.monthly_minutes = tidy(wc.monthly_minutes);
        wc.monthly_usd = cents(wc.monthly_usd);
        wc.self_hosted_monthly_minutes = tidy(wc.self_hosted_monthly_minutes);
        econ.monthly_minutes += wc.monthly_minutes;
        econ.monthly_usd += wc.monthly_usd;
        econ.self_hosted_monthly_minutes += wc.self_hosted_monthly_minutes;
    }
    econ.monthly_minutes = tidy(econ.monthly_minutes);
    econ.monthly_usd = cents(econ.monthly_usd);
    econ.self_hosted_monthly_minutes = tidy(econ.self_hosted_monthly_minutes);
    econ.workflows = out;
    let mut s: Vec<report::Saving> = workflows
        .iter()
        .flat_map(|w| savings::of_workflow(facts, table, w, a))
        .collect();
    if inputs.runs.is_some() {
        s.extend(models.iter().flat_map(savings::timeouts));
    }
    s.sort_by(|x, y| {
        y.usd_per_month
            .total_cmp(&x.usd_per_month)
            .then(y.minutes_per_month.total_cmp(&x.minutes_per_month))
            .then((&x.file, x.line).cmp(&(&y.file, y.line)))
    });
    econ.savings = s;
    econ
}

fn file_stem(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn basis(r: &RunResult) -> String {
    let mut b = match (r.runs_data, r.model) {
        (true, false) => BASIS_RUNS.to_string(),
        (true, true) => format!("{BASIS_RUNS} + {BASIS_MODEL}"),
        _ => BASIS_MODEL.to_string(),
    };
    if r.clipped {
        b.push_str(&format!(", high end {BASIS_TIMEOUT}"));
    }
    b
}

/// Reads a job's repository-independent parts: conditions, matrix legs and their
/// runners, step kinds, timeout.
fn job_static<'a>(facts_table: &Facts, j: &Job<'a>, ifs: &mut github::Ifs<'a>) -> JobStatic {
    let mut notes = vec![];
    let facts = duration::job_facts(j);
    let legs_values = events::matrix_legs(j.matrix.map(|m| m.node()));
    let legs_known = legs_values.is_some();
    if !legs_known {
        notes.push(format!(
            "job `{}`: matrix computed at run time, counted as one leg",
            j.id
        ));
    }
    let legs_values = legs_values.unwrap_or_else(|| vec![vec![]]);
    let legs: Vec<Leg> = if j.uses.and_then(Node::as_str).is_none() {
        legs_values
            .iter()
            .map(|lv| leg(j, lv, &mut notes))
            .collect()
    } else {
        legs_values
            .iter()
            .map(|_| Leg {
                label: String::new(),
                price: cost::default_linux(),
            })
            .collect()
    };
    let cond_node = j.condition.and_then(|c| c.node());
    let cond_text = cond_node.and_then(Node::as_str).unwrap_or("");
    let ignores_needs = ["always()", "failure()", "cancelled()"]
        .iter()
        .any(|f| cond_text.contains(f));
    JobStatic {
        cond: When::If(github::If::parse(cond_node, ifs)),
        ignores_needs,
        legs,
        legs_known,
        steps: j
            .steps
            .iter()
            .map(|s| {
                (
                    duration::step_kind(facts_table, s, facts),
                    When::If(github::If::parse(s.condition.map(|e| &e.value), ifs)),
                )
            })
            .collect(),
        timeout: duration::timeout(j),
        facts,
        notes,
        gitlab: None,
        gitlab_schedule: false,
    }
}

/// What the model reads from each job of a workflow whatever the repository around
/// it, read once per workflow into the economics table ([`Table::statics`]).
/// `facts_table`: what the jobs' commands do ([`Facts::command_intent`]).
fn compute_statics(facts_table: &Facts, wf: &Workflow) -> Vec<JobStatic> {
    if wf.platform == Platform::GitLab {
        gitlab::job_statics(facts_table, wf)
    } else {
        let mut ifs = github::Ifs::default();
        wf.jobs
            .iter()
            .map(|j| job_static(facts_table, j, &mut ifs))
            .collect()
    }
}

/// Reads a workflow once: jobs, legs, runners, steps, needs and callees, with its
/// jobs' `statics` ([`Table::statics`]).
fn model<'v, 'a>(
    wf: &'v Workflow<'a>,
    statics: &'v [JobStatic],
    by_path: &HashMap<&str, usize>,
    runs: Option<&Runs>,
) -> Model<'v, 'a> {
    let mut notes = vec![];
    let index: HashMap<&str, usize> = wf
        .jobs
        .iter()
        .enumerate()
        .rev()
        .map(|(i, j)| (j.id, i))
        .collect();
    let wf_name = wf.name.unwrap_or_else(|| file_stem(wf.path));
    let mut jobs = vec![];
    for (j, st) in wf.jobs.iter().zip(statics) {
        notes.extend(st.notes.iter().cloned());
        let callee = match j.uses.and_then(Node::as_str) {
            None => Callee::None,
            Some(u) => {
                let local = u.strip_prefix("./").unwrap_or(u);
                match by_path.get(local) {
                    Some(&t) if u.starts_with("./") => Callee::Local(t),
                    _ => {
                        notes.push(format!(
                            "job `{}`: calls `{u}`, not read (outside the repository): its jobs are not costed",
                            j.id
                        ));
                        Callee::Remote
                    }
                }
            }
        };
        let observed = runs.and_then(|r| {
            let mut names: Vec<&str> = vec![j.id];
            if let Some(n) = j.name {
                names.insert(0, n);
            }
            r.observed(wf_name, &names)
        });
        jobs.push(JobModel {
            job: j,
            st,
            needs: j
                .needs
                .jobs()
                .filter_map(|n| index.get(n).copied())
                .collect(),
            observed,
            callee,
        });
    }
    let needs: Vec<Vec<usize>> = jobs.iter().map(|j| j.needs.clone()).collect();
    let order = critical_path::topological(&needs);
    if order.len() < jobs.len() {
        notes.push("jobs in a `needs:` cycle are not costed".into());
    }
    notes.sort();
    notes.dedup();
    Model {
        wf,
        statics,
        jobs,
        needs,
        order,
        notes,
    }
}

/// The runner of one matrix leg.
fn leg(j: &Job, values: &[(String, String)], notes: &mut Vec<String>) -> Leg {
    let Some(ro) = j.runner.and_then(|r| r.runs_on()) else {
        notes.push(format!(
            "job `{}`: no `runs-on`, priced as Linux 2-core",
            j.id
        ));
        return Leg {
            label: "(none)".into(),
            price: cost::default_linux(),
        };
    };
    let raw: Vec<&str> = match &ro.kind {
        NodeKind::Map(_) => ro.get("labels").map(events::strings).unwrap_or_default(),
        _ => events::strings(ro),
    };
    if raw.is_empty() {
        let group = ro.get("group").and_then(Node::as_str).unwrap_or("?");
        return Leg {
            label: format!("group {group}"),
            price: cost::unknown_labels(&[group]),
        };
    }
    let labels: Vec<String> = raw.iter().map(|l| substitute(l, values)).collect();
    let label = labels.join(", ");
    if labels.iter().any(|l| l.contains("${{")) {
        notes.push(format!(
            "job `{}`: runner `{label}` is an expression, priced as Linux 2-core",
            j.id
        ));
        return Leg {
            label,
            price: cost::default_linux(),
        };
    }
    let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    let price = cost::price_of_labels(&refs).unwrap_or_else(|| {
        notes.push(format!(
            "job `{}`: runner label `{label}` is not in the price table: shown as self-hosted/third-party, not priced",
            j.id
        ));
        cost::unknown_labels(&refs)
    });
    Leg { label, price }
}

/// `${{ matrix.os }}` → the leg's value of `os`.
fn substitute(label: &str, values: &[(String, String)]) -> String {
    let t = label.trim();
    if let Some(inner) = t
        .strip_prefix("${{")
        .and_then(|r| r.strip_suffix("}}"))
        .map(str::trim)
    {
        if let Some(k) = inner.strip_prefix("matrix.") {
            if let Some((_, v)) = values.iter().find(|(key, _)| key == k) {
                return v.clone();
            }
        }
    }
    t.to_string()
}

/// A job's duration per leg when `steps` (by index) run.
fn job_minutes(j: &JobModel, sc: Option<&Scenario>) -> (Range, bool, bool) {
    if let Some(o) = j.observed {
        return (Range::new(o.min, o.median, o.max), true, false);
    }
    let mut r = duration::JOB_OVERHEAD;
    for (k, c) in &j.steps {
        if sc.is_none_or(|sc| c.eval(sc).possible()) {
            r = r.plus(k.minutes());
        }
    }
    let (r, clipped) = duration::clip(r, j.timeout);
    (r, false, clipped)
}

/// The report entry of one job (all its steps, whatever the event).
fn job_cost(m: &Model, j: &JobModel) -> JobCost {
    let (minutes, observed, clipped) = if matches!(j.callee, Callee::None) {
        job_minutes(j, None)
    } else {
        (Range::default(), false, false)
    };
    let mut runners: Vec<RunnerUse> = vec![];
    if matches!(j.callee, Callee::None) {
        for l in &j.legs {
            match runners.iter_mut().find(|r| r.label == l.label) {
                Some(r) => r.legs += 1,
                None => runners.push(RunnerUse {
                    label: l.label.clone(),
                    class: l.price.class.clone(),
                    legs: 1,
                    usd_per_minute: l.price.usd_per_minute,
                    multiplier: tidy(l.price.multiplier),
                    self_hosted: l.price.self_hosted,
                }),
            }
        }
    }
    let basis = match (observed, clipped) {
        _ if !matches!(j.callee, Callee::None) => "the jobs of the called workflow".into(),
        (true, _) => format!("{BASIS_RUNS} ({} runs)", j.observed.map_or(0, |o| o.runs)),
        (false, true) => format!("{BASIS_MODEL}, high end {BASIS_TIMEOUT}"),
        (false, false) => BASIS_MODEL.into(),
    };
    JobCost {
        id: j.job.id.to_string(),
        line: m.wf.doc.line(j.job.key.span.start),
        runners,
        legs: j.legs_known.then_some(j.legs.len() as u32),
        minutes: minutes.tidy(),
        basis,
        timeout_minutes: j.timeout,
        needs: j.job.needs.jobs().map(str::to_string).collect(),
        uses: j.job.uses.and_then(Node::as_str).map(str::to_string),
    }
}

/// One run of workflow `wi` under `sc`: which jobs run, billable minutes, wall time,
/// critical path. Reusable workflows are evaluated once per event (memoised) and
/// at most four levels deep, as GitHub allows.
fn run(
    models: &[Model],
    wi: usize,
    sc: &Scenario,
    event: &'static str,
    depth: usize,
    memo: &mut Memo,
) -> RunResult {
    let key = (wi, sc.event.unwrap_or(event).to_string(), ref_code(sc));
    if let Some(r) = memo.get(&key) {
        return r.clone();
    }
    let m = &models[wi];
    let n = m.jobs.len();
    let mut runs = vec![false; n];
    let mut weight: Vec<Option<f64>> = vec![None; n];
    let mut walls: Vec<Range> = vec![Range::default(); n];
    let mut res = RunResult::default();
    let mut decided = vec![Tri::False; n];
    running_decided(m, sc, &mut runs, &mut decided);
    for &ji in &m.order {
        let j = &m.jobs[ji];
        if !runs[ji] {
            continue;
        }
        if decided[ji] == Tri::Unknown {
            res.undecided.push(j.job.id.to_string());
        }
        let legs = j.legs.len().max(1) as f64;
        let wall = match &j.callee {
            Callee::Local(t) if depth < 4 => {
                // A cycle of calls is cut by the memo placeholder.
                memo.insert(key.clone(), RunResult::default());
                let c = run(models, *t, sc, event, depth + 1, memo);
                memo.remove(&key);
                res.billable = res.billable.plus(c.billable.scale(legs));
                res.usd += c.usd * legs;
                res.self_hosted += c.self_hosted * legs;
                res.runs_data |= c.runs_data;
                res.model |= c.model;
                res.clipped |= c.clipped;
                res.undecided
                    .extend(c.undecided.iter().map(|u| format!("{}/{u}", j.job.id)));
                for cj in &c.jobs {
                    res.jobs.push(format!("{}/{cj}", j.job.id));
                }
                c.wall
            }
            Callee::Local(_) | Callee::Remote => Range::default(),
            Callee::None => {
                let (mins, observed, clipped) = job_minutes(j, Some(sc));
                res.runs_data |= observed;
                res.model |= !observed;
                res.clipped |= clipped;
                let billed = mins.ceil();
                for l in &j.legs {
                    if l.price.self_hosted {
                        res.self_hosted += mins.expected;
                    } else {
                        res.billable = res.billable.plus(billed);
                        res.usd += billed.expected * l.price.usd_per_minute;
                    }
                }
                mins
            }
        };
        if matches!(j.callee, Callee::None) {
            res.jobs.push(if j.legs.len() > 1 {
                format!("{}×{}", j.job.id, j.legs.len())
            } else {
                j.job.id.to_string()
            });
        }
        walls[ji] = wall;
        weight[ji] = Some(wall.expected);
    }
    let p = critical_path::longest(&m.needs, &m.order, &weight);
    let mut wall = Range::default();
    for &j in &p.jobs {
        wall = wall.plus(walls[j]);
    }
    res.wall = wall;
    res.path = p
        .jobs
        .iter()
        .map(|&j| m.jobs[j].job.id.to_string())
        .collect();
    res.idle = p.idle.map(|(j, w, mins)| IdleWait {
        job: m.jobs[j].job.id.to_string(),
        waits_for: m.jobs[w].job.id.to_string(),
        minutes: tidy(mins),
    });
    memo.insert(key, res.clone());
    res
}

/// Which jobs run under `sc`: their `if:` can hold and every job they need runs
/// (unless the condition is `always()`, `failure()` or `cancelled()`).
fn running(m: &Model, sc: &Scenario, runs: &mut [bool]) {
    let mut decided = vec![Tri::False; runs.len()];
    running_decided(m, sc, runs, &mut decided);
}

/// [`running`], keeping each running job's [`JobStatic::decide`] in `decided` (a
/// condition is evaluated once per job and scenario).
fn running_decided(m: &Model, sc: &Scenario, runs: &mut [bool], decided: &mut [Tri]) {
    for &ji in &m.order {
        let j = &m.jobs[ji];
        let needs_ok = j.ignores_needs || j.needs.iter().all(|&u| runs[u]);
        runs[ji] = needs_ok && {
            let d = j.decide(sc);
            decided[ji] = d;
            d.possible()
        };
    }
}

/// Results of one workflow's run, by workflow, event and ref kind.
type Memo = HashMap<(usize, String, u8), RunResult>;

fn ref_code(sc: &Scenario) -> u8 {
    match sc.ref_kind {
        RefKind::Branch => 0,
        RefKind::Tag => 1,
        RefKind::PullRequest => 2,
        RefKind::Unknown => 3,
    }
}
