//! Which runs a workflow gets: its triggers as events (push to the default branch,
//! pull request, tag, schedule, manual, `workflow_run`, release, merge queue), the
//! scenario each is evaluated under ([`crate::scenario::Scenario`], for decidable
//! conditions), branch and path filters, how often each happens a month,
//! and matrix expansion with `include`/`exclude`.

use super::report::Assumptions;
use crate::scenario::{RefKind, Scenario};
use crate::workflow::{Trigger, Workflow};
use pipewise_yaml::{Node, NodeKind};

/// Branches taken as the default branch when a filter names branches.
const DEFAULT_BRANCHES: &[&str] = &["main", "master"];

/// One kind of run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Push,
    PullRequest,
    Tag,
    Schedule,
    Manual,
    WorkflowRun,
    Release,
    MergeGroup,
    /// A GitLab merge request pipeline.
    MergeRequest,
}

impl Event {
    pub fn name(self) -> &'static str {
        match self {
            Event::Push => "push",
            Event::PullRequest => "pull_request",
            Event::Tag => "tag",
            Event::Schedule => "schedule",
            Event::Manual => "workflow_dispatch",
            Event::WorkflowRun => "workflow_run",
            Event::Release => "release",
            Event::MergeGroup => "merge_group",
            Event::MergeRequest => "merge_request",
        }
    }
}

/// One event a workflow's triggers allow, with the scenario its conditions are
/// evaluated under and how often it happens.
#[derive(Debug, Clone)]
pub struct EventRun<'a> {
    pub event: Event,
    pub scenario: Scenario<'a>,
    /// Runs per month (filled in later for `workflow_run`).
    pub runs_per_month: f64,
    pub frequency: String,
    /// Names of the workflows a `workflow_run` trigger follows.
    pub follows: Vec<&'a str>,
}

fn scenario(event: &'static str, ref_kind: RefKind) -> Scenario<'static> {
    Scenario {
        event: Some(event),
        ref_kind,
        outsider: false,
        branch: None,
    }
}

/// The events a workflow runs on, in a fixed order, each once. Triggers that are
/// not costed (`issues`, `workflow_call`, …) are returned in `other`.
pub fn events<'a>(wf: &Workflow<'a>, a: &Assumptions) -> (Vec<EventRun<'a>>, Vec<&'a str>) {
    let mut out: Vec<EventRun<'a>> = vec![];
    let mut other = vec![];
    let push_month = a.pushes_per_day * a.days_per_month;
    let pr_month = a.prs_per_week * 52.0 / 12.0 * a.pushes_per_pr;
    let add = |out: &mut Vec<EventRun<'a>>, e: Event, sc: Scenario<'a>, n: f64, why: String| {
        if !out.iter().any(|x| x.event == e) {
            out.push(EventRun {
                event: e,
                scenario: sc,
                runs_per_month: n,
                frequency: why,
                follows: vec![],
            });
        }
    };
    for t in &wf.triggers {
        let share = path_share(t, a);
        let filtered = |n: f64, why: String| match share {
            Some(s) => (n * s, format!("{why}, × {s} for its path filter")),
            None => (n, why),
        };
        match t.event {
            "push" => {
                let cfg = t.config;
                let has = |k: &str| cfg.and_then(|c| c.get(k)).is_some();
                let (branches, tags) = (
                    has("branches") || has("branches-ignore"),
                    has("tags") || has("tags-ignore"),
                );
                if (branches || !tags) && default_branch_allowed(cfg) {
                    let (n, why) = filtered(
                        push_month,
                        format!(
                            "{} pushes a day × {} days",
                            a.pushes_per_day, a.days_per_month
                        ),
                    );
                    add(
                        &mut out,
                        Event::Push,
                        scenario("push", RefKind::Branch),
                        n,
                        why,
                    );
                } else if branches {
                    add(
                        &mut out,
                        Event::Push,
                        scenario("push", RefKind::Branch),
                        0.0,
                        other_branches(cfg),
                    );
                }
                if tags || !branches {
                    let (n, why) = filtered(
                        a.tags_per_month,
                        format!("{} tags a month", a.tags_per_month),
                    );
                    add(&mut out, Event::Tag, scenario("push", RefKind::Tag), n, why);
                }
            }
            "pull_request" | "pull_request_target" => {
                if default_branch_allowed(t.config) {
                    let (n, why) = filtered(
                        pr_month,
                        format!(
                            "{} pull requests a week × 52/12 × {} pushes each",
                            a.prs_per_week, a.pushes_per_pr
                        ),
                    );
                    let rk = if t.event == "pull_request" {
                        RefKind::PullRequest
                    } else {
                        RefKind::Branch
                    };
                    let ev = if t.event == "pull_request" {
                        "pull_request"
                    } else {
                        "pull_request_target"
                    };
                    add(&mut out, Event::PullRequest, scenario(ev, rk), n, why);
                } else {
                    let (rk, ev) = if t.event == "pull_request" {
                        (RefKind::PullRequest, "pull_request")
                    } else {
                        (RefKind::Branch, "pull_request_target")
                    };
                    add(
                        &mut out,
                        Event::PullRequest,
                        scenario(ev, rk),
                        0.0,
                        other_branches(t.config),
                    );
                }
            }
            "schedule" => {
                let n = t.config.map_or(0.0, |c| cron_runs(c, a.days_per_month));
                add(
                    &mut out,
                    Event::Schedule,
                    scenario("schedule", RefKind::Branch),
                    n,
                    "from its cron schedule".into(),
                );
            }
            "workflow_dispatch" => add(
                &mut out,
                Event::Manual,
                scenario("workflow_dispatch", RefKind::Branch),
                0.0,
                "manual: not counted per month".into(),
            ),
            "workflow_run" => {
                let follows: Vec<&'a str> = t
                    .config
                    .and_then(|c| c.get("workflows"))
                    .map(strings)
                    .unwrap_or_default();
                add(
                    &mut out,
                    Event::WorkflowRun,
                    scenario("workflow_run", RefKind::Branch),
                    0.0,
                    String::new(),
                );
                if let Some(e) = out.iter_mut().find(|e| e.event == Event::WorkflowRun) {
                    e.follows = follows;
                }
            }
            "release" => add(
                &mut out,
                Event::Release,
                scenario("release", RefKind::Tag),
                a.tags_per_month,
                format!("{} releases a month", a.tags_per_month),
            ),
            "merge_group" => add(
                &mut out,
                Event::MergeGroup,
                scenario("merge_group", RefKind::Branch),
                push_month,
                format!(
                    "one per push: {} a day × {} days",
                    a.pushes_per_day, a.days_per_month
                ),
            ),
            e => other.push(e),
        }
    }
    (out, other)
}

/// Why a trigger filtered to other branches than the default is not counted a month.
fn other_branches(cfg: Option<&Node>) -> String {
    let pats: Vec<&str> = cfg
        .and_then(|c| c.get("branches").or_else(|| c.get("branches-ignore")))
        .map(strings)
        .unwrap_or_default();
    format!(
        "only for branches `{}`, not the default branch: not counted a month",
        pats.join("`, `")
    )
}

/// The share of runs a trigger's `paths`/`paths-ignore` filter lets through, when it
/// has one.
fn path_share(t: &Trigger, a: &Assumptions) -> Option<f64> {
    let c = t.config?;
    (c.get("paths").is_some() || c.get("paths-ignore").is_some()).then_some(a.path_filter_share)
}

/// Whether the trigger's branch filter lets the default branch (`main` or `master`)
/// through: `branches:` patterns in order (`!` negates the ones before), or
/// `branches-ignore:`.
pub fn default_branch_allowed(cfg: Option<&Node>) -> bool {
    let Some(c) = cfg else { return true };
    if let Some(b) = c.get("branches") {
        let pats = strings(b);
        return DEFAULT_BRANCHES.iter().any(|d| {
            let mut ok = false;
            for p in &pats {
                match p.strip_prefix('!') {
                    Some(neg) if glob(neg, d) => ok = false,
                    None if glob(p, d) => ok = true,
                    _ => {}
                }
            }
            ok
        });
    }
    if let Some(b) = c.get("branches-ignore") {
        let pats = strings(b);
        return DEFAULT_BRANCHES
            .iter()
            .any(|d| !pats.iter().any(|p| glob(p, d)));
    }
    true
}

/// Strings of a scalar or a list of scalars.
pub fn strings(n: &Node) -> Vec<&str> {
    match &n.kind {
        NodeKind::Scalar { value, .. } => vec![value.as_str()],
        NodeKind::Seq(items) => items.iter().filter_map(Node::as_str).collect(),
        _ => vec![],
    }
}

/// GitHub's filter globs: `*` (not `/`), `**` (anything), `?`, `+` after a character
/// is kept literal here (rare in branch names).
pub fn glob(pat: &str, s: &str) -> bool {
    fn go(p: &[u8], s: &[u8]) -> bool {
        // Iterative with one backtrack point per star: linear enough for short names.
        let (mut pi, mut si) = (0, 0);
        let mut star: Option<(usize, usize, bool)> = None;
        while si < s.len() {
            if pi < p.len() && p[pi] == b'*' {
                let double = p.get(pi + 1) == Some(&b'*');
                pi += if double { 2 } else { 1 };
                star = Some((pi, si, double));
            } else if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
                pi += 1;
                si += 1;
            } else if let Some((sp, ss, double)) = star {
                if !double && s[ss] == b'/' {
                    return false;
                }
                star = Some((sp, ss + 1, double));
                pi = sp;
                si = ss + 1;
            } else {
                return false;
            }
        }
        p[pi..].iter().all(|&c| c == b'*')
    }
    go(pat.as_bytes(), s.as_bytes())
}

/// Runs a month of a `schedule:` list of `cron:` entries.
fn cron_runs(cfg: &Node, days: f64) -> f64 {
    let Some(items) = cfg.as_seq() else {
        return 0.0;
    };
    items
        .iter()
        .filter_map(|i| i.get("cron").and_then(Node::as_str))
        .map(|c| cron_month(c, days))
        .sum()
}

/// Runs a month of one cron expression (`m h dom mon dow`).
pub fn cron_month(expr: &str, days: f64) -> f64 {
    let f: Vec<&str> = expr.split_whitespace().collect();
    if f.len() != 5 {
        return 0.0;
    }
    let n = |field: &str, lo: u32, hi: u32| field_count(field, lo, hi) as f64;
    let per_day = n(f[0], 0, 59) * n(f[1], 0, 23);
    let months = n(f[3], 1, 12) / 12.0;
    let (dom, dow) = (f[2], f[4]);
    let day_share = match (dom == "*", dow == "*") {
        (true, true) => days,
        (true, false) => n(dow, 0, 6).min(7.0) * days / 7.0,
        (false, true) => n(dom, 1, 31).min(days),
        // Either matches (cron's rule when both are restricted).
        (false, false) => (n(dom, 1, 31) + n(dow, 0, 6) * days / 7.0).min(days),
    };
    per_day * day_share * months
}

/// How many values a cron field allows: `*`, `*/k`, `a-b`, `a-b/k`, `a,b,c`.
fn field_count(field: &str, lo: u32, hi: u32) -> u32 {
    field
        .split(',')
        .map(|part| {
            let (range, step) = match part.split_once('/') {
                Some((r, s)) => (r, s.parse::<u32>().unwrap_or(1).max(1)),
                None => (part, 1),
            };
            let (a, b) = if range == "*" {
                (lo, hi)
            } else if let Some((a, b)) = range.split_once('-') {
                (a.parse().unwrap_or(lo), b.parse().unwrap_or(hi))
            } else {
                let v = range.parse().unwrap_or(lo);
                (v, if step > 1 { hi } else { v })
            };
            if b < a {
                1
            } else {
                (b - a) / step + 1
            }
        })
        .sum()
}

/// A job's matrix legs: each leg's values by key (`None`: computed at run time).
pub type Legs = Option<Vec<Vec<(String, String)>>>;

/// GitHub's cap on jobs a matrix generates.
const MAX_LEGS: usize = 256;

/// Expands `strategy.matrix` as GitHub does: the product of the lists, minus each
/// `exclude` (an entry removes every leg it matches), then each `include` is added
/// to every leg whose original values it does not change, or becomes a leg of its
/// own when it fits none. `Some(vec![vec![]])` for a job without a matrix.
pub fn matrix_legs(matrix: Option<&Node>) -> Legs {
    let Some(m) = matrix else {
        return Some(vec![vec![]]);
    };
    let map = m.as_map()?; // an expression: computed at run time
    let mut legs: Vec<Vec<(String, String)>> = vec![vec![]];
    let mut keys: Vec<&str> = vec![];
    for e in map {
        let Some(k) = e.key.as_str() else { continue };
        if k == "include" || k == "exclude" {
            continue;
        }
        let values: Vec<String> = match &e.value.kind {
            NodeKind::Seq(items) => items.iter().map(value_text).collect(),
            // `os: ${{ fromJSON(…) }}`: computed at run time.
            _ => return None,
        };
        keys.push(k);
        let mut next = Vec::with_capacity(legs.len() * values.len());
        for l in &legs {
            for v in &values {
                let mut l2 = l.clone();
                l2.push((k.to_string(), v.clone()));
                next.push(l2);
            }
            if next.len() > MAX_LEGS {
                break;
            }
        }
        legs = next;
    }
    if keys.is_empty() {
        legs.clear();
    }
    if let Some(ex) = m.get("exclude") {
        let ex = ex.as_seq()?;
        for x in ex {
            let pairs = pairs(x)?;
            legs.retain(|l| !pairs.iter().all(|(k, v)| has(l, k, v)));
        }
    }
    if let Some(inc) = m.get("include") {
        let inc = inc.as_seq()?;
        // Only the product's legs take an include's keys; legs an include created
        // do not (two includes on an empty matrix are two legs).
        let original_legs = legs.len();
        for x in inc {
            let pairs = pairs(x)?;
            let original: Vec<&(String, String)> = pairs
                .iter()
                .filter(|(k, _)| keys.contains(&k.as_str()))
                .collect();
            let mut matched = false;
            for l in legs[..original_legs]
                .iter_mut()
                .filter(|l| !l.is_empty() && original.iter().all(|(k, v)| has(l, k, v)))
            {
                matched = true;
                for (k, v) in &pairs {
                    match l.iter_mut().find(|(lk, _)| lk == k) {
                        Some(slot) if !keys.contains(&k.as_str()) => slot.1 = v.clone(),
                        Some(_) => {}
                        None => l.push((k.clone(), v.clone())),
                    }
                }
            }
            if !matched {
                legs.push(pairs);
            }
        }
    }
    legs.truncate(MAX_LEGS);
    if legs.is_empty() && keys.is_empty() {
        // `matrix: {}`: one job.
        legs.push(vec![]);
    }
    Some(legs)
}

fn has(leg: &[(String, String)], k: &str, v: &str) -> bool {
    leg.iter().any(|(lk, lv)| lk == k && lv == v)
}

/// The key/value pairs of an include/exclude entry; `None` for an expression.
fn pairs(n: &Node) -> Option<Vec<(String, String)>> {
    Some(
        n.as_map()?
            .iter()
            .filter_map(|e| Some((e.key.as_str()?.to_string(), value_text(&e.value))))
            .collect(),
    )
}

/// A matrix value as text (a mapping or list value by its shape, for equality).
fn value_text(n: &Node) -> String {
    match &n.kind {
        NodeKind::Scalar { value, .. } => value.to_string(),
        NodeKind::Seq(items) => format!(
            "[{}]",
            items.iter().map(value_text).collect::<Vec<_>>().join(",")
        ),
        NodeKind::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|e| format!("{}:{}", e.key.as_str().unwrap_or(""), value_text(&e.value)))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn legs(yaml: &str) -> Option<usize> {
        let doc = pipewise_yaml::Document::parse(yaml.to_string()).expect("yaml");
        let matrix = doc.root.get("strategy").and_then(|s| s.get("matrix"));
        matrix_legs(matrix).map(|l| l.len())
    }

    #[test]
    fn matrix_include_exclude_as_github_expands_them() {
        assert_eq!(legs("runs-on: x\n"), Some(1));
        assert_eq!(
            legs("strategy:\n  matrix:\n    os: [a, b]\n    node: [1, 2, 3]\n"),
            Some(6)
        );
        // exclude removes one; include matching an existing leg adds a key (no leg);
        // include changing an original value becomes a leg.
        assert_eq!(
            legs("strategy:\n  matrix:\n    os: [a, b]\n    node: [1, 2]\n    exclude:\n      - os: b\n        node: 1\n    include:\n      - os: a\n        experimental: true\n      - os: c\n        node: 1\n"),
            Some(4)
        );
        assert_eq!(
            legs("strategy:\n  matrix:\n    include:\n      - os: a\n      - os: b\n"),
            Some(2)
        );
        assert_eq!(legs("strategy:\n  matrix: ${{ fromJSON(x) }}\n"), None);
        assert_eq!(
            legs("strategy:\n  matrix:\n    os: ${{ fromJSON(x) }}\n"),
            None
        );
    }

    #[test]
    fn cron_and_globs() {
        assert_eq!(cron_month("0 3 * * *", 30.0), 30.0);
        assert_eq!(cron_month("0 */6 * * *", 30.0), 120.0);
        assert_eq!(cron_month("30 2 * * 1", 28.0), 4.0);
        assert_eq!(cron_month("0 0 1 * *", 30.0), 1.0);
        assert!(glob("release/*", "release/1.0"));
        assert!(!glob("release/*", "release/1/x"));
        assert!(glob("**", "a/b"));
        assert!(glob("ma*", "main"));
        assert!(!glob("dev", "main"));
    }
}
