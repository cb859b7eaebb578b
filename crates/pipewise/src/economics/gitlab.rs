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
use super::{cost, duration, JobStatic, Leg};
use crate::github::conditions::{Cond, RefKind, Scenario, Tri};
use crate::workflow::{Condition, Job, Workflow};
use pipewise_yaml::{Node, NodeKind};

/// The pipeline events costed, in the order of [`JobStatic::gitlab`].
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
            .or_insert_with(|| eval_rules(r, &mut IfCache::default())),
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

/// What a rule's `if:` text gives in each event of [`EVENTS`], by text: the jobs of
/// a workflow that got their `rules:` from one template or `!reference` ask about
/// the same texts, read once.
type IfCache<'a> = foldhash::HashMap<&'a str, [Tri; 3]>;

/// The repository-independent parts of a workflow's GitLab jobs.
pub(super) fn job_statics(facts_table: &crate::facts::Facts, wf: &Workflow) -> Vec<JobStatic> {
    let has_workflow_rules = wf.condition.is_some();
    let mut cache = IfCache::default();
    let mut shared = duration::SharedScripts::default();
    wf.jobs
        .iter()
        .map(|j| job_static(facts_table, j, has_workflow_rules, &mut cache, &mut shared))
        .collect()
}

/// A GitLab job's repository-independent parts.
fn job_static<'a>(
    facts_table: &crate::facts::Facts,
    j: &Job<'a>,
    has_workflow_rules: bool,
    cache: &mut IfCache<'a>,
    shared: &mut duration::SharedScripts,
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
    let price = if tags.iter().any(|t| t.contains('$')) {
        None
    } else {
        cost::gitlab_price(&tags)
    };
    let price = price.unwrap_or_else(|| {
        notes.push(format!(
            "job `{}`: runner tags `{label}` are not a GitLab.com hosted runner: the project's own runner, not priced",
            j.id
        ));
        cost::unknown_labels(&tags)
    });
    let facts = shared.job_facts(j);
    let gitlab = runs_in(j, has_workflow_rules, cache);
    JobStatic {
        cond: Cond::parse(None),
        // A job runs when the jobs of earlier stages were not created for the event.
        ignores_needs: true,
        legs: vec![Leg { label, price }; legs_n],
        legs_known,
        steps: j
            .steps
            .iter()
            .map(|s| (shared.step_kind(facts_table, s, facts), Cond::parse(None)))
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

/// Whether a job runs (without a click) in each pipeline event of [`EVENTS`]. A job
/// without `rules`/`only`/`except` runs in every pipeline `workflow:rules` creates;
/// without `workflow:rules` its default is `only: [branches, tags]`.
fn runs_in<'a>(job: &Job<'a>, has_workflow_rules: bool, cache: &mut IfCache<'a>) -> [Tri; 3] {
    if let Some(r) = job.condition.and_then(|c| c.rules()) {
        return eval_rules(r, cache);
    }
    if !when_runs(job.when.map(|e| &e.value)) {
        return [Tri::False; 3];
    }
    let (only, except) = job.condition.map_or((None, None), |c| c.only_except());
    std::array::from_fn(|i| {
        let only = match only {
            Some(o) => refs_match(o, i),
            None if except.is_some() => Tri::True,
            None => tri(i != 1 || has_workflow_rules),
        };
        let except = except.map_or(Tri::False, |e| refs_match(e, i));
        and(only, not(except))
    })
}

/// `when:` other than `manual` and `never` runs the job by itself.
fn when_runs(w: Option<&Node>) -> bool {
    !matches!(w.and_then(Node::as_str), Some("manual" | "never"))
}

/// `rules:` in each event of [`EVENTS`]: the first rule whose `if:` holds decides;
/// no rule holds → not run. A rule whose `if:` is undecided, or with
/// `changes:`/`exists:`, makes the outcome undecided unless every possible outcome
/// agrees. The list is walked once for the three events; each `if:` text is read
/// once per workflow (`cache`).
fn eval_rules<'a>(rules: &'a Node, cache: &mut IfCache<'a>) -> [Tri; 3] {
    let Some(items) = rules.as_seq() else {
        return [Tri::Unknown; 3];
    };
    let (mut yes, mut no) = ([false; 3], [false; 3]);
    let mut decided: [Option<Tri>; 3] = [None; 3];
    for r in items.iter().take(256) {
        if r.as_map().is_none() {
            // `!reference` or a scalar: not read; events a rule before decided keep it.
            return decided.map(|d| d.unwrap_or(Tri::Unknown));
        }
        // The rule's keys in one pass (the first of each name, as `Node::get`).
        let (mut if_, mut unsure, mut when) = (None, false, None);
        for e in r.as_map().unwrap_or(&[]) {
            match e.key.as_str() {
                Some("if") if if_.is_none() => if_ = Some(&e.value),
                Some("changes" | "exists") => unsure = true,
                Some("when") if when.is_none() => when = Some(&e.value),
                _ => {}
            }
        }
        let ifs = match if_.and_then(Node::as_str) {
            Some(e) => *cache.entry(e).or_insert_with(|| expr(e)),
            None => [Tri::True; 3],
        };
        let outcome = when_runs(when);
        for i in 0..3 {
            if decided[i].is_some() {
                continue;
            }
            let c = if unsure {
                and(ifs[i], Tri::Unknown)
            } else {
                ifs[i]
            };
            if c == Tri::False {
                continue;
            }
            yes[i] |= outcome;
            no[i] |= !outcome;
            if c == Tri::True {
                decided[i] = Some(verdict(yes[i], no[i]));
            }
        }
        if decided.iter().all(Option::is_some) {
            break;
        }
    }
    std::array::from_fn(|i| decided[i].unwrap_or_else(|| verdict(yes[i], true)))
}

fn verdict(yes: bool, no: bool) -> Tri {
    match (yes, no) {
        (true, false) => Tri::True,
        (false, _) => Tri::False,
        (true, true) => Tri::Unknown,
    }
}

/// `only:`/`except:` refs in event `i`: `branches`, `tags`, `merge_requests`,
/// `pushes`, `main`/`master`; other names and regular expressions undecided for
/// pushes and tags, `variables:`/`changes:`/`kubernetes:` undecided.
fn refs_match(n: &Node, i: usize) -> Tri {
    let refs = match &n.kind {
        NodeKind::Map(m) => {
            if m.iter().any(|e| e.key.as_str() != Some("refs")) {
                return Tri::Unknown;
            }
            match n.get("refs") {
                Some(r) => r,
                None => return Tri::Unknown,
            }
        }
        _ => n,
    };
    let mut out = Tri::False;
    for r in super::events::strings(refs) {
        let m = match r {
            "branches" => tri(i == 0),
            "tags" => tri(i == 2),
            "merge_requests" => tri(i == 1),
            "pushes" => tri(i != 1),
            "main" | "master" => tri(i == 0),
            "schedules"
            | "api"
            | "web"
            | "triggers"
            | "pipelines"
            | "external"
            | "chat"
            | "external_pull_requests" => Tri::False,
            _ if i == 1 => Tri::False,
            _ => Tri::Unknown,
        };
        out = or(out, m);
    }
    out
}

/// A rule's `if:` in each event of [`EVENTS`]: `||` of `&&` of comparisons on the
/// predefined variables GitLab sets per pipeline source; parentheses, regex matches
/// and other variables are undecided. The text is split once for the three events.
fn expr(e: &str) -> [Tri; 3] {
    if e.contains('(') || e.len() > 2000 {
        return [Tri::Unknown; 3];
    }
    e.split("||").fold([Tri::False; 3], |acc, alt| {
        let all = alt.split("&&").fold([Tri::True; 3], |a, atom| {
            let v = atom_value(atom.trim());
            std::array::from_fn(|i| and(a[i], v[i]))
        });
        std::array::from_fn(|i| or(acc[i], all[i]))
    })
}

/// The value of a variable in event `i`: `Some(Some(v))` set to `v`, `Some(None)`
/// unset, `None` not known.
fn var(name: &str, i: usize) -> Option<Option<&'static str>> {
    let source = ["push", "merge_request_event", "push"][i];
    Some(match name {
        "CI_PIPELINE_SOURCE" => Some(source),
        "CI_COMMIT_TAG" => (i == 2).then_some("<tag>"),
        "CI_COMMIT_BRANCH" => (i == 0).then_some("<default>"),
        "CI_DEFAULT_BRANCH" => Some("<default>"),
        "CI_MERGE_REQUEST_ID"
        | "CI_MERGE_REQUEST_IID"
        | "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"
        | "CI_MERGE_REQUEST_TARGET_BRANCH_NAME" => (i == 1).then_some("<mr>"),
        "CI_COMMIT_REF_NAME" if i == 0 => Some("<default>"),
        _ => return None,
    })
}

fn operand(s: &str, i: usize) -> Option<Option<&str>> {
    let s = s.trim();
    if let Some(v) = s.strip_prefix('$') {
        let v = v.trim_start_matches('{').trim_end_matches('}');
        return var(v, i);
    }
    if s == "null" {
        return Some(None);
    }
    let q = s
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))?;
    Some(Some(q))
}

/// One comparison or variable test in each event of [`EVENTS`] (split once).
fn atom_value(a: &str) -> [Tri; 3] {
    for (op, eq) in [("==", true), ("!=", false)] {
        if let Some((l, r)) = a.split_once(op) {
            return std::array::from_fn(|i| match (operand(l, i), operand(r, i)) {
                // A branch name (`<default>`, `<mr>`) is not known as text:
                // compared with a literal, undecided.
                (Some(Some(x)), Some(Some(y))) if x.starts_with('<') != y.starts_with('<') => {
                    Tri::Unknown
                }
                (Some(x), Some(y)) => tri((x == y) == eq),
                _ => Tri::Unknown,
            });
        }
    }
    if a.contains("=~") || a.contains("!~") {
        return [Tri::Unknown; 3];
    }
    let (neg, v) = match a.strip_prefix('!') {
        Some(v) => (true, v.trim()),
        None => (false, a),
    };
    std::array::from_fn(|i| match v.strip_prefix('$').and_then(|n| var(n, i)) {
        Some(set) => tri(set.is_some_and(|s| !s.is_empty()) != neg),
        None => Tri::Unknown,
    })
}

fn tri(b: bool) -> Tri {
    if b {
        Tri::True
    } else {
        Tri::False
    }
}

fn not(t: Tri) -> Tri {
    match t {
        Tri::True => Tri::False,
        Tri::False => Tri::True,
        Tri::Unknown => Tri::Unknown,
    }
}

fn and(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Tri::False, _) | (_, Tri::False) => Tri::False,
        (Tri::True, Tri::True) => Tri::True,
        _ => Tri::Unknown,
    }
}

fn or(a: Tri, b: Tri) -> Tri {
    not(and(not(a), not(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_expressions_are_decided_per_event() {
        let e = expr;
        use Tri::*;
        assert_eq!(
            e("$CI_PIPELINE_SOURCE == \"merge_request_event\""),
            [False, True, False]
        );
        assert_eq!(e("$CI_COMMIT_TAG"), [False, False, True]);
        assert_eq!(
            e("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"),
            [True, False, False]
        );
        assert_eq!(e("$CI_COMMIT_TAG == null"), [True, True, False]);
        assert_eq!(e("$DEPLOY == \"yes\""), [Unknown, Unknown, Unknown]);
        assert_eq!(
            e("$CI_COMMIT_BRANCH == \"master\""),
            [Unknown, False, False]
        );
        assert_eq!(
            e("$CI_MERGE_REQUEST_TARGET_BRANCH_NAME == \"main\""),
            [False, Unknown, False]
        );
        assert_eq!(e("$CI_COMMIT_TAG || $DEPLOY"), [Unknown, Unknown, True]);
        assert_eq!(e("$CI_COMMIT_TAG && $DEPLOY"), [False, False, Unknown]);
    }

    /// The former reading of an `if:`, one event at a time, as the oracle.
    fn expr_one(e: &str, i: usize) -> Tri {
        if e.contains('(') || e.len() > 2000 {
            return Tri::Unknown;
        }
        e.split("||").fold(Tri::False, |acc, alt| {
            or(
                acc,
                alt.split("&&")
                    .fold(Tri::True, |a, atom| and(a, atom_one(atom.trim(), i))),
            )
        })
    }

    fn atom_one(a: &str, i: usize) -> Tri {
        for (op, eq) in [("==", true), ("!=", false)] {
            if let Some((l, r)) = a.split_once(op) {
                return match (operand(l, i), operand(r, i)) {
                    // A branch name (`<default>`, `<mr>`) is not known as text:
                    // compared with a literal, undecided.
                    (Some(Some(x)), Some(Some(y))) if x.starts_with('<') != y.starts_with('<') => {
                        Tri::Unknown
                    }
                    (Some(x), Some(y)) => tri((x == y) == eq),
                    _ => Tri::Unknown,
                };
            }
        }
        if a.contains("=~") || a.contains("!~") {
            return Tri::Unknown;
        }
        let (neg, v) = match a.strip_prefix('!') {
            Some(v) => (true, v.trim()),
            None => (false, a),
        };
        match v.strip_prefix('$').and_then(|n| var(n, i)) {
            Some(set) => tri(set.is_some_and(|s| !s.is_empty()) != neg),
            None => Tri::Unknown,
        }
    }

    #[test]
    fn expressions_read_once_decide_as_one_event_at_a_time() {
        let texts = [
            "$CI_PIPELINE_SOURCE == \"merge_request_event\"",
            "$CI_PIPELINE_SOURCE != \"merge_request_event\" && $CI_COMMIT_TAG",
            "$CI_COMMIT_TAG || $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH",
            "$CI_COMMIT_BRANCH == \"main\" || $CI_MERGE_REQUEST_IID",
            "$CI_COMMIT_REF_NAME == $CI_DEFAULT_BRANCH && $DEPLOY == 'yes'",
            "!$CI_COMMIT_TAG && $CI_PIPELINE_SOURCE == 'push'",
            "$CI_COMMIT_TAG =~ /^v/ || $CI_PIPELINE_SOURCE == \"schedule\"",
            "($CI_COMMIT_TAG)",
            "$CI_COMMIT_TAG == null",
            "${CI_COMMIT_BRANCH} != null && ${CI_MERGE_REQUEST_ID} == null",
            "$X || $Y && $Z",
            "",
            "||&&",
            "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME == \"main\" && $CI_PIPELINE_SOURCE == \"merge_request_event\"",
        ];
        for t in texts {
            assert_eq!(expr(t), [0, 1, 2].map(|i| expr_one(t, i)), "{t}");
        }
    }

    /// The former walk, one event at a time, as the oracle.
    fn eval_rules_one(rules: &Node, i: usize) -> Tri {
        let Some(items) = rules.as_seq() else {
            return Tri::Unknown;
        };
        let (mut yes, mut no) = (false, false);
        for r in items.iter().take(256) {
            if r.as_map().is_none() {
                return Tri::Unknown;
            }
            let mut c = r
                .get("if")
                .and_then(Node::as_str)
                .map_or(Tri::True, |e| expr_one(e, i));
            if r.get("changes").is_some() || r.get("exists").is_some() {
                c = and(c, Tri::Unknown);
            }
            let outcome = when_runs(r.get("when"));
            match c {
                Tri::False => continue,
                Tri::Unknown => {
                    yes |= outcome;
                    no |= !outcome;
                }
                Tri::True => {
                    yes |= outcome;
                    no |= !outcome;
                    return verdict(yes, no);
                }
            }
        }
        verdict(yes, true)
    }

    #[test]
    fn rules_walked_once_for_all_events_decide_as_one_at_a_time() {
        let lists = [
            "- if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n- if: $CI_COMMIT_TAG\n  when: never\n- when: always\n",
            "- if: $CI_COMMIT_TAG\n  when: manual\n- if: $DEPLOY\n- changes: [a]\n",
            "- if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n- if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n  when: never\n",
            "- if: $CI_COMMIT_TAG\n- x\n- when: always\n",
            "- x\n",
            "- if: $X\n  exists: [f]\n  when: never\n- if: $CI_COMMIT_TAG == null\n",
            "[]\n",
            "a: b\n",
            "- {}\n",
            "- if: $CI_COMMIT_TAG\n- if: $CI_COMMIT_TAG\n  when: never\n",
            // A key written twice: the first is read, as `Node::get` reads it.
            "- if: $CI_COMMIT_TAG\n  if: $SECOND_IF\n  when: never\n  when: always\n- when: manual\n",
            "- when: never\n  if: $CI_COMMIT_TAG\n  changes: [a]\n  exists: [b]\n- if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n  when: on_success\n",
        ];
        let mut cache = IfCache::default();
        let docs: Vec<_> = lists
            .iter()
            .map(|l| pipewise_yaml::Document::parse(l.to_string()).expect("parses"))
            .collect();
        for d in &docs {
            let all = eval_rules(&d.root, &mut cache);
            for (i, got) in all.iter().enumerate() {
                assert_eq!(
                    *got,
                    eval_rules_one(&d.root, i),
                    "{:?} event {i}",
                    d.source()
                );
            }
        }
        // The texts were read once and shared.
        assert!(cache.contains_key("$CI_COMMIT_TAG"));
        assert_eq!(cache.len(), 6);
        // Of a key written twice, only the first was read.
        assert!(!cache.contains_key("$SECOND_IF"));
    }
}
