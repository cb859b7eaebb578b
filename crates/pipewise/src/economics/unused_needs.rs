//! `cost/unused-needs`: a job waits on `needs:` whose results it never uses, and
//! the wait lengthens the run's critical path. Conservative: the needing job reads
//! nothing of the jobs it needs (no `needs.*` anywhere in it), the needed jobs leave
//! nothing behind it could read (no job outputs, artifacts, caches, pushes, releases,
//! deployments, `environment:`, self-hosted workspaces) and no job from the needing
//! job on (itself or anything after it) deploys or publishes, where the edge is the
//! gate that keeps untested code from shipping; and the needed job takes at least as
//! long as the needing one (a shorter one is taken as a deliberate fail-fast gate: a
//! quick check that spares the costly job's minutes when it fails).

use super::report::{tidy, BASIS_MODEL};
use super::savings::{Found, UNUSED_NEEDS};
use super::{critical_path, events, job_minutes, Callee, Model};
use crate::facts::Facts;
use crate::workflow::{Job, Step, Tri};

/// Minutes a run's critical path must shorten by before the wait is worth a finding
/// (a short summary job after the others saves about its own length, which is noise).
const MIN_SAVING: f64 = 2.0;

/// Needing jobs whose saving is computed per workflow (two critical-path passes per
/// event each): keeps a workflow of thousands of such jobs linear.
const MAX_CANDIDATES: usize = 64;

/// Whether a needed job leaves anything behind that a later job could use: job
/// outputs, an `environment:`, artifacts or caches, pushes, releases, deployments,
/// GitHub API writes, or a reusable workflow (unknown).
fn produces(facts: &Facts, j: &super::JobModel) -> bool {
    let job = j.job;
    if !matches!(j.callee, Callee::None)
        || job.outputs.is_some()
        || job.environment().is_some()
        || j.legs.iter().any(|l| l.price.self_hosted)
    {
        return true;
    }
    job.steps.iter().any(|s| step_produces(facts, s))
}

fn step_produces(facts: &Facts, s: &Step) -> bool {
    if let Some(a) = s.action() {
        let a = a.to_ascii_lowercase();
        // Setup actions with a package cache save it at the end of the job.
        if s.with_str("cache")
            .is_some_and(|c| !c.trim().is_empty() && c.trim() != "false")
            || s.with_str("cache-dependency-path").is_some()
        {
            return true;
        }
        if [
            "upload", "artifact", "cache", "deploy", "publish", "release", "push", "comment",
        ]
        .iter()
        .any(|w| a.contains(w))
        {
            return true;
        }
    }
    if crate::effects::step_publishes(facts, s).is_some()
        || crate::effects::step_pushes_git(s)
        || facts.step_ships(s).is_some()
    {
        return true;
    }
    // `gh` and the API: a release, a comment, a label another job may read.
    s.run
        .as_ref()
        .and_then(|r| r.script.as_ref())
        .is_some_and(|sc| {
            sc.commands
                .iter()
                .any(|c| matches!(c.base_name(), "gh" | "hub" | "aws" | "gcloud" | "az"))
        })
}

/// Whether a job reads anything of the jobs it needs: `needs.<id>.outputs`,
/// `needs.<id>.result`, `toJSON(needs)` — any `needs` outside its `needs:` key.
fn reads_needs(job: &Job, src: &str) -> bool {
    let key = job
        .needs
        .entry
        .map(|e| (e.key.span.start, e.value.span.end));
    let (s, e) = (job.node.span.start, job.node.span.end.min(src.len()));
    let Some(text) = src.get(s..e) else {
        return true;
    };
    text.match_indices("needs").any(|(i, _)| match key {
        Some((ks, ke)) => !(ks..ke).contains(&(s + i)),
        None => true,
    })
}

fn ships(facts: &Facts, job: &Job) -> bool {
    let step_intent = |s: &crate::workflow::Step| facts.step_intent(s);
    crate::intent::job_deploys(job, step_intent)
        || crate::intent::job_publishes(job, step_intent)
        || crate::effects::job_publishes(facts, job).is_some()
}

/// Whether job `j` or any job after it (through `down`, the jobs needing each job)
/// deploys or publishes; memoised in `memo`, each job's answer computed once
/// (iterative depth-first walk: linear, no recursion on long chains).
fn reaches_shipping(
    facts: &Facts,
    m: &Model,
    down: &[Vec<usize>],
    j: usize,
    memo: &mut [Option<bool>],
) -> bool {
    if let Some(v) = memo[j] {
        return v;
    }
    // (job, next child to look at)
    let mut stack: Vec<(usize, usize)> = vec![(j, 0)];
    let mut on_stack = vec![false; memo.len()];
    on_stack[j] = true;
    while let Some(&mut (k, ref mut next)) = stack.last_mut() {
        if memo[k].is_none() && ships(facts, m.jobs[k].job) {
            memo[k] = Some(true);
        }
        if memo[k] == Some(true) {
            stack.pop();
            on_stack[k] = false;
            if let Some(&(p, _)) = stack.last() {
                memo[p] = Some(true);
            }
            continue;
        }
        match down[k].get(*next).copied() {
            Some(d) => {
                *next += 1;
                match memo[d] {
                    Some(true) => memo[k] = Some(true),
                    Some(false) => {}
                    // A cycle (GitHub rejects it): nothing more to learn there.
                    None if on_stack[d] => {}
                    None => {
                        on_stack[d] = true;
                        stack.push((d, 0));
                    }
                }
            }
            None => {
                memo[k] = Some(false);
                on_stack[k] = false;
                stack.pop();
            }
        }
    }
    memo[j].unwrap_or(true)
}

/// The findings of one workflow: per needing job, the needs it does not use and the
/// minutes the critical path of a run would shorten by without them.
pub(super) fn find(
    facts: &Facts,
    m: &Model,
    evs: &[events::EventRun],
    runs: &[Vec<bool>],
) -> Vec<Found> {
    let n = m.jobs.len();
    let src = m.wf.doc.source();
    // The jobs needing each job, built when first asked.
    let mut down: Option<Vec<Vec<usize>>> = None;
    // Per event: each running job's minutes and the run's critical path, computed
    // once per workflow when a candidate first asks.
    let mut per_event: Vec<Option<(Vec<Option<f64>>, f64)>> = vec![None; evs.len()];
    // Whether a job or any job after it deploys or publishes: asked only for the jobs
    // that would be reported (computing it for every job was 2.5% of an audit).
    let mut ships_from: Vec<Option<bool>> = vec![None; n];
    let mut evaluated = 0usize;
    let mut produced: Vec<Option<bool>> = vec![None; n];
    let mut out = vec![];
    for &ji in &m.order {
        let j = &m.jobs[ji];
        if j.needs.is_empty()
            || !matches!(j.callee, Callee::None)
            || j.ignores_needs
            || j.legs.iter().any(|l| l.price.self_hosted)
            || reads_needs(j.job, src)
        {
            continue;
        }
        let unused: Vec<usize> = j
            .needs
            .iter()
            .copied()
            .filter(|&u| !*produced[u].get_or_insert_with(|| produces(facts, &m.jobs[u])))
            .collect();
        // Each candidate costs two critical-path passes an event: bounded per workflow.
        if unused.is_empty() || evaluated >= MAX_CANDIDATES {
            continue;
        }
        evaluated += 1;
        // The run where dropping the edges saves most. A needed job shorter than the
        // job is taken as a fail-fast gate (a quick check before costly work) and kept.
        let mut best: Option<(f64, &events::EventRun, Vec<usize>)> = None;
        for (ei, e) in evs.iter().enumerate() {
            if !runs[ei][ji] {
                continue;
            }
            let (weight, before) = per_event[ei].get_or_insert_with(|| {
                let w: Vec<Option<f64>> = (0..n)
                    .map(|k| {
                        let jk = &m.jobs[k];
                        (runs[ei][k] && matches!(jk.callee, Callee::None))
                            .then(|| job_minutes(jk, Some(&e.scenario)).0.expected)
                            .or(runs[ei][k].then_some(0.0))
                    })
                    .collect();
                let b = critical_path::longest(&m.needs, &m.order, &w).length;
                (w, b)
            });
            let own = weight[ji].unwrap_or(0.0);
            let dropped: Vec<usize> = unused
                .iter()
                .copied()
                .filter(|&u| weight[u].is_some_and(|w| w >= own))
                .collect();
            if dropped.is_empty() {
                continue;
            }
            let mut needs = m.needs.clone();
            needs[ji].retain(|u| !dropped.contains(u));
            let after = critical_path::longest(&needs, &m.order, weight).length;
            let saved = *before - after;
            if saved >= MIN_SAVING && best.as_ref().is_none_or(|(b, _, _)| saved > *b) {
                best = Some((saved, e, dropped));
            }
        }
        let Some((saved, e, unused)) = best else {
            continue;
        };
        let down = down.get_or_insert_with(|| {
            let mut d: Vec<Vec<usize>> = vec![vec![]; n];
            for (j, ns) in m.needs.iter().enumerate() {
                for &u in ns {
                    if u < n {
                        d[u].push(j);
                    }
                }
            }
            d
        });
        if reaches_shipping(facts, m, down, ji, &mut ships_from) {
            continue;
        }
        let names: Vec<String> = unused
            .iter()
            .map(|&u| format!("`{}`", m.jobs[u].job.id))
            .collect();
        let span = j.job.needs.entry.map_or(j.job.key.span, |e| e.value.span);
        let undecided = j.decide(&e.scenario) == Tri::Unknown;
        out.push(Found {
            rule: UNUSED_NEEDS,
            span,
            job: Some(j.job.id.into()),
            message: format!(
                "job `{}` waits for {}, which take{} at least as long as the job itself, but uses none of {} results (no `needs.*` outputs or result, and {} no outputs, artifacts, caches, pushes or deployments), and nothing from it on deploys or publishes; drop the wait: the {} run's critical path shortens by about {} min ({BASIS_MODEL}{}; wall time, not billed minutes)",
                j.job.id,
                names.join(", "),
                if unused.len() > 1 { "" } else { "s" },
                if unused.len() > 1 { "their" } else { "its" },
                if unused.len() > 1 { "they leave" } else { "it leaves" },
                e.event.name(),
                tidy(saved),
                if undecided { ", the job's `if:` not decided by the event" } else { "" },
            ),
            minutes_per_month: 0.0,
            usd_per_month: 0.0,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::workflow::Workflow;

    fn found(yaml: &str) -> Vec<String> {
        let doc = pipewise_yaml::Document::parse(yaml.to_string()).expect("yaml");
        let wf = Workflow::new("ci.yml", &doc);
        super::super::savings::find(
            &crate::facts::Facts::new([&wf], &[], &Default::default()),
            &super::super::table::Table::none(),
            &wf,
            &Default::default(),
        )
        .into_iter()
        .filter(|f| f.rule == super::UNUSED_NEEDS)
        .map(|f| f.job.unwrap_or_default())
        .collect()
    }

    const BASE: &str = "on: push\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: cargo clippy\n      - run: cargo test\n  docs:\n    needs: lint\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: cargo doc\n      - run: cargo test --doc\n";

    #[test]
    fn an_unused_wait_is_found_and_a_used_one_is_not() {
        assert_eq!(found(BASE), vec!["docs".to_string()]);
        // The needing job reads the result.
        let reads = BASE.replace("cargo doc", "echo ${{ needs.lint.result }}");
        assert!(found(&reads).is_empty());
        // The needed job leaves an artifact.
        let uploads = BASE.replace(
            "      - run: cargo test\n",
            "      - run: cargo test\n      - uses: actions/upload-artifact@v4\n        with:\n          name: x\n          path: x\n",
        );
        assert!(found(&uploads).is_empty());
        // A job after the needing one deploys: the edge is its gate.
        let gate = format!("{BASE}  ship:\n    needs: docs\n    environment: prod\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./deploy.sh\n");
        assert!(found(&gate).is_empty());
        // A quick check in front of costly work is a fail-fast gate.
        let fail_fast = BASE.replace("      - run: cargo test\n", "");
        assert!(found(&fail_fast).is_empty());
    }
}
