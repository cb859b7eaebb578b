//! `deployment/readiness-wait`: waiting for a service with a fixed `sleep N` and a
//! single probe instead of a retry loop (in one script, or a sleep-only step before a
//! probing step), a sleep-only step standing in for a rollout wait, and health checks
//! that only test the HTTP status code.

use crate::facts::Facts;
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{step_scripts_iter, Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::shell::Command;
use crate::workflow::Step;

pub struct ReadinessWait;

pub static META: RuleMeta = RuleMeta {
    id: "deployment/readiness-wait",
    title: "Fixed sleep before a single readiness probe",
    severity: Severity::Low,
    confidence: Confidence::Medium,
    category: Category::Deployment,
    summary: "A script waits with a fixed `sleep N` and then probes the service once (`curl`, `wget`, `nc`) instead of polling with a retry loop; or a health check tests only the HTTP status code.",
    impact: "Slow starts fail the pipeline at random, fast starts waste the sleep; a service that answers 200 with `{\"status\":\"degraded\"}` passes.",
    doc: r#"
## Why it matters
`sleep 30 && curl -f $URL/health` is too long when the service is quick and too short
when it is slow: it makes the pipeline flaky and slow at the same time. A bounded
retry loop (or `curl --retry`) waits exactly as long as needed. Checking only the HTTP
code of a health endpoint that reports its status in the body lets a degraded service
pass. The wait and the probe are often split over two steps (`Wait for green:
sleep 30`, then `Green health check` with one `curl`, or one `wget` through
`kubectl exec`): that is the same pattern. A sleep-only step right after a deploy step
stands in for waiting on the rollout and is reported too (with low confidence); a
request that changes something (`curl -X POST -d …`) after a sleep is an API call, not
a probe, and is left alone.

## Bad
```bash
sleep 30
curl -f https://staging.example.com/health
```

## Good
```bash
curl -fsS --retry 30 --retry-delay 2 --retry-connrefused https://staging.example.com/health \
  | jq -e '.status == "healthy"'
```
"#,
    fix: FixMeta {
        description: "Poll with a bounded retry loop (`curl --retry … --retry-connrefused`) and check the body of the health response.",
        snippet: "curl -fsS --retry 30 --retry-delay 2 --retry-connrefused \"$URL/health\" | jq -e '.status == \"healthy\"'",
        effort_minutes: 15,
    },
    references: &["seed: 000 HIGH-6", "seed: 002 optimisation 3"],
};

fn probe(c: &Command) -> bool {
    match c.base_name() {
        "curl" | "wget" | "http" | "https" | "nc" | "pg_isready" | "redis-cli" | "mysqladmin" => {
            true
        }
        "docker" => {
            c.args()
                .first()
                .map(|w| w.text == "exec" || w.text == "inspect")
                .unwrap_or(false)
                && c.argv_text().contains("health")
        }
        _ => false,
    }
}

fn retries(c: &Command) -> bool {
    c.args().iter().any(|w| {
        w.text.starts_with("--retry")
            || w.text.starts_with("--tries")
            || w.text == "-t"
            || w.text.starts_with("--wait")
    })
}

fn sleep_secs(c: &Command) -> Option<f64> {
    if c.base_name() != "sleep" {
        return None;
    }
    let a = c.args().first()?.text.as_str();
    let (num, mult) = match a.strip_suffix('m') {
        Some(n) => (n, 60.0),
        None => (a.trim_end_matches('s'), 1.0),
    };
    num.parse::<f64>().ok().map(|n| n * mult)
}

/// A probe run inside a container or pod (`kubectl exec deploy/x -- wget -qO- …`,
/// `docker exec app curl …`): the wrapped command.
fn wrapped_probe(c: &Command) -> Option<Command> {
    if !matches!(c.base_name(), "kubectl" | "docker" | "podman" | "oc") {
        return None;
    }
    if c.args().first().map(|w| w.text.as_str()) != Some("exec") {
        return None;
    }
    let words = &c.words;
    let start = words
        .iter()
        .position(|w| w.text == "--")
        .map(|i| i + 1)
        .or_else(|| {
            // `docker exec [opts] CONTAINER CMD`: the first probe word.
            words.iter().position(|w| {
                matches!(
                    w.text.as_str(),
                    "curl" | "wget" | "nc" | "pg_isready" | "redis-cli" | "mysqladmin"
                )
            })
        })?;
    let rest = words.get(start..).filter(|r| !r.is_empty())?;
    Some(c.with_words(rest.to_vec()))
}

/// A step that only waits: `sleep N` (N ≥ 5 s), perhaps with echoes. Its sleep.
fn sleep_only<'s>(step: &'s Step) -> Option<(f64, &'s Command)> {
    let script = step.run.as_ref()?.script.as_ref()?;
    // No `sleep` (its name filter says so for most scripts): nothing to find.
    const SLEEP: crate::shell::Names = crate::shell::Names::of(&["sleep"]);
    if !script.names.any_of(SLEEP) {
        return None;
    }
    let mut sleep = None;
    for c in &script.commands {
        match c.base_name() {
            "echo" | "printf" => {}
            "sleep" if sleep.is_none() && !c.in_loop && !c.in_condition => {
                sleep = Some((sleep_secs(c)?, c));
            }
            _ => return None,
        }
    }
    sleep.filter(|(secs, _)| *secs >= 5.0)
}

/// A request that changes something (`curl -X POST -d …`, `wget --post-data`): an
/// API call, not a readiness probe.
fn sends(c: &Command) -> bool {
    c.args().iter().any(|w| {
        let t = w.text.as_str();
        matches!(
            t,
            "-d" | "-F"
                | "-T"
                | "--form"
                | "--upload-file"
                | "--json"
                | "--post-data"
                | "--post-file"
        ) || t.starts_with("--data")
            || t.starts_with("--post-")
            || t.starts_with("--method=") && !t.eq_ignore_ascii_case("--method=get")
    }) || c.words.windows(2).any(|p| {
        matches!(p[0].text.as_str(), "-X" | "--request") && !p[1].text.eq_ignore_ascii_case("get")
    })
}

/// How a step checks the service after a wait.
enum Probe {
    /// One probe, no retry: what a fixed wait before it makes flaky.
    Single(String),
    /// A retry loop or a retrying probe: it waits by itself.
    Polls,
}

fn step_probe(step: &Step) -> Option<Probe> {
    let script = step.run.as_ref()?.script.as_ref()?;
    let mut cmds: Vec<&Command> = script.commands.iter().collect();
    cmds.sort_by_key(|c| c.span.start);
    let probes = |c: &Command| probe(c) || wrapped_probe(c).is_some_and(|w| probe(&w));
    let retrying = |c: &Command| retries(c) || wrapped_probe(c).is_some_and(|w| retries(&w));
    if cmds.iter().any(|c| c.in_loop && probes(c)) || cmds.iter().any(|c| probes(c) && retrying(c))
    {
        return Some(Probe::Polls);
    }
    // The first real command is the probe (not a setup step that happens to curl).
    let setup = |c: &Command| {
        matches!(
            c.base_name(),
            "echo" | "printf" | "export" | "set" | "local"
        ) || (c.words.len() == 1 && c.words.iter().all(|w| w.text.contains('=')))
    };
    let first = cmds.iter().find(|c| !setup(c))?;
    if probe(first) {
        return (!sends(first)).then(|| Probe::Single(first.base_name().to_string()));
    }
    let inner = wrapped_probe(first).filter(|w| probe(w) && !sends(w))?;
    Some(Probe::Single(format!(
        "{} through {} exec",
        inner.base_name(),
        first.base_name()
    )))
}

/// A step that deploys, by what it runs or by its name.
fn deploys(facts: &Facts, step: &Step) -> bool {
    facts.step_ships(step) == Some(crate::intent::Intent::Deploy)
        || step.name.and_then(crate::intent::step_role) == Some(crate::intent::StepRole::Deploy)
}

/// A step that only sleeps, followed by a step that probes once (the same pattern as
/// `sleep 30; curl …` in one script), or right after a deploy step as its only wait
/// for the rollout.
fn check_wait_step(site: &StepSite, cx: &mut Ctx) {
    let Some((secs, sleep)) = sleep_only(site.step) else {
        return;
    };
    let steps: &[Step] = match (site.job, site.action) {
        (Some(j), _) => &j.steps,
        (None, Some(a)) => &a.steps,
        _ => return,
    };
    // Neighbours in the list of parsed steps (`index` counts malformed items too).
    let Some(i) = steps.iter().position(|s| s.index == site.step.index) else {
        return;
    };
    let next = steps.get(i + 1);
    let prev = i.checked_sub(1).and_then(|p| steps.get(p));
    let Some(run) = &site.step.run else { return };
    let span = run.source_span(site.doc, sleep.span);
    let label = site.step.label();
    match (next.and_then(step_probe), next) {
        (Some(Probe::Single(tool)), Some(n)) => {
            cx.report(
                &META,
                site.path,
                span,
                format!(
                    "step `{label}` only runs `{}`, then step `{}` probes once (`{tool}`): a fixed wait before one probe is flaky when the service is slow and wasted time when it is fast; poll with a retry loop.",
                    sleep.argv_text(),
                    n.label()
                ),
            )
            .site(site);
        }
        (probe, _) if prev.is_some_and(|p| deploys(cx.facts, p)) => {
            let after = prev.map(|p| p.label()).unwrap_or_default();
            let tail = if matches!(probe, Some(Probe::Polls)) {
                " the check that follows already polls, so the fixed wait only adds time"
            } else {
                " nothing checks that the rollout finished"
            };
            cx.report(
                &META,
                site.path,
                span,
                format!(
                    "step `{label}` waits a fixed {secs}s (`{}`) after `{after}` instead of waiting for the rollout to finish:{tail}; wait on the rollout (`kubectl rollout status`, `aws ecs wait services-stable`) or poll the health endpoint.",
                    sleep.argv_text(),
                ),
            )
            .site(site)
            .confidence(Confidence::Low)
            .title("Fixed sleep instead of waiting for the rollout")
            .fix(
                "Wait on the rollout itself, or poll the health endpoint with a bounded retry.",
                "- name: Wait for rollout\n  run: kubectl rollout status deployment/app --timeout=5m",
                10,
            );
        }
        _ => {}
    }
}

impl Rule for ReadinessWait {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    /// Reads scripts and images only: holds on every platform.
    fn platforms(&self) -> &'static [crate::workflow::Platform] {
        crate::workflow::Platform::ALL
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        check_wait_step(site, cx);
        for ss in step_scripts_iter(site, cx.facts, cx.scripts, cx.repo) {
            let script = ss.script;
            // Both checks below start from a `sleep` or a `curl`: most scripts have
            // neither (their name filter says so), and need no sorted command list.
            const SLEEP_CURL: &[&str] = &["sleep", "curl"];
            const SLEEP_CURL_NAMES: crate::shell::Names = crate::shell::Names::of(SLEEP_CURL);
            if !script.names.any_of(SLEEP_CURL_NAMES)
                || !cx.script_fact(&ss, "sleeps or curls", |s| s.runs_any(SLEEP_CURL))
            {
                continue;
            }
            let mut cmds: Vec<&Command> = script
                .commands
                .iter()
                .filter(|c| !c.in_substitution || probe(c))
                .collect();
            cmds.sort_by_key(|c| c.span.start);
            // Any loop or retry in the script: it already polls.
            if script
                .commands
                .iter()
                .any(|c| c.in_loop && (probe(c) || c.base_name() == "sleep"))
            {
                continue;
            }
            for (i, c) in cmds.iter().enumerate() {
                let Some(secs) = sleep_secs(c) else { continue };
                if secs < 5.0 || c.in_loop || c.in_function {
                    continue;
                }
                // The next command that is not an echo.
                let Some(next) = cmds[i + 1..]
                    .iter()
                    .find(|n| !matches!(n.base_name(), "echo" | "printf"))
                else {
                    continue;
                };
                if !probe(next) || retries(next) || next.in_loop {
                    continue;
                }
                let span = ss.span(
                    site.doc,
                    crate::finding::Span::new(c.span.start, next.span.end),
                );
                let mut b = cx
                    .report(
                        &META,
                        ss.path,
                        span,
                        format!(
                            "`{}` then a single `{}`: a fixed wait before one probe is flaky when the service is slow and wasted time when it is fast; poll with a retry loop.",
                            c.argv_text(),
                            next.base_name()
                        ),
                    )
                    .site(site);
                if let Some((via, _)) = &ss.via {
                    b = b.related(site.path, *via, "script called from this step");
                }
                let _ = b;
                break;
            }
            // Health checks that look only at the status code.
            for c in &cmds {
                if c.base_name() != "curl" {
                    continue;
                }
                let text = c.argv_text();
                let code_only = text.contains("%{http_code}")
                    && (text.contains("-o /dev/null") || text.contains("--output /dev/null"));
                let health =
                    text.contains("health") || text.contains("ready") || text.contains("status");
                if code_only && health {
                    let span = ss.span(site.doc, c.span);
                    cx.report(
                        &META,
                        ss.path,
                        span,
                        "health check reads only the HTTP status code (`-o /dev/null -w %{http_code}`): a service that answers 200 with an unhealthy status body passes.",
                    )
                    .site(site)
                    .confidence(Confidence::Low)
                    .title("Health check ignores the response body")
                    .fix(
                        "Check the health endpoint's body, not just its status code.",
                        "curl -fsS \"$URL/health\" | jq -e '.status == \"healthy\"'",
                        10,
                    );
                    break;
                }
            }
        }
    }
}
