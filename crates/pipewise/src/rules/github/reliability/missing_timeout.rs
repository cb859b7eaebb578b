//! `reliability/missing-timeout`: a job without `timeout-minutes` (GitHub's default
//! is 360 minutes).

use crate::finding::{Category, Confidence, Severity};
use crate::intent::Intent;
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Job, Workflow};

pub struct MissingTimeout;

pub static META: RuleMeta = RuleMeta {
    id: "reliability/missing-timeout",
    title: "Job has no timeout",
    severity: Severity::Low,
    confidence: Confidence::High,
    category: Category::CiPipeline,
    summary: "A job without `timeout-minutes` runs for up to 6 hours when something hangs. Medium for jobs that deploy, publish or run load tests; a deploy command with no step timeout is reported on its own (low).",
    impact: "A hung deploy or test holds a runner (and a deploy lock) for 6 hours and burns CI minutes.",
    doc: r#"
## Why it matters
GitHub's default job timeout is 360 minutes. A deploy waiting on a lock, a test stuck
on a network call or an interactive prompt holds the runner that long, blocks the
concurrency group behind it, and costs money. An explicit, realistic timeout fails
fast and tells you something is wrong. A deploy command (`flyctl deploy`,
`helm upgrade --wait`, …) deserves its own step timeout unless the job's is short.

## Bad
```yaml
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps: [...]
```

## Good
```yaml
jobs:
  deploy:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    steps: [...]
```
"#,
    fix: FixMeta {
        description: "Add `timeout-minutes` to the job, a little above its normal duration.",
        snippet: "timeout-minutes: 15",
        effort_minutes: 5,
    },
    references: &["seed: 000 MEDIUM-3", "seed: 003 Phase 1"],
};

/// Whether `phrase` occurs in `text` at the start of a word (not inside `upload`).
fn starts_word(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(i, _)| {
        text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric())
    })
}

impl Rule for MissingTimeout {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        if job.uses.is_some() {
            return;
        }
        check_deploy_steps(wf, job, cx);
        if job.entry("timeout-minutes").is_some() {
            return;
        }
        // Load tests are looked for only in a job that neither deploys nor publishes.
        let load = || {
            job.steps.iter().any(|s| {
                let f = s.phrases();
                // Phrases count as words: "Upload test report" holds "load test".
                let word = |p: &str| f.has(p) && starts_word(s.haystack(), p);
                word("k6 ")
                    || word("locust")
                    || word("artillery")
                    || word("load test")
                    || word("load-test")
                    || s.run
                        .as_ref()
                        .and_then(|r| r.script.as_ref())
                        .is_some_and(|sc| {
                            sc.commands
                                .iter()
                                .any(|c| crate::intent::load_test_tool(c).is_some())
                        })
            })
        };
        let (sev, what) = if cx.facts.job_ships(job) == Some(Intent::Deploy) {
            (Severity::Medium, "deploys")
        } else if cx.facts.job_ships(job) == Some(Intent::Publish) {
            (Severity::Medium, "publishes")
        } else if load() {
            (Severity::Medium, "runs load tests")
        } else {
            (Severity::Low, "")
        };
        let msg = if what.is_empty() {
            format!(
                "job `{}` has no `timeout-minutes`; a hung step runs for 6 hours.",
                job.id
            )
        } else {
            // The deploy is named only in a message that has a subject.
            let long = job
                .steps
                .iter()
                .any(|s| cx.facts.step_ships(s) == Some(Intent::Deploy));
            format!(
                "job `{}` {what} and has no `timeout-minutes`; a hung step holds the runner{} for 6 hours.",
                job.id,
                if long { " and the deploy" } else { "" }
            )
        };
        let indent = " ".repeat(wf.doc.position(job.key.span.start).column + 1);
        cx.report(&META, wf.path, job.key.span, msg)
            .severity(sev)
            .job(Some(job.id))
            .fix(
                "Add `timeout-minutes` to the job.",
                format!(
                    "{}:\n{indent}timeout-minutes: {}",
                    job.id,
                    if what.is_empty() { 30 } else { 20 }
                ),
                5,
            );
    }
}

/// A deploy step with no step timeout in a job with no (or a long) timeout: the
/// deploy command is the step most likely to hang on a lock or a health check.
fn check_deploy_steps(wf: &Workflow, job: &Job, cx: &mut Ctx) {
    let job_limit = job
        .get("timeout-minutes")
        .map(|n| n.as_str().and_then(|s| s.trim().parse::<u64>().ok()));
    // An expression or a short job timeout already bounds the step.
    if matches!(job_limit, Some(None)) || matches!(job_limit, Some(Some(m)) if m <= 60) {
        return;
    }
    // End-to-end test jobs deploy to throwaway clusters.
    if crate::intent::word_intent_phrase(job.id) == Intent::Test {
        return;
    }
    for s in &job.steps {
        if s.get("timeout-minutes").is_some() || s.run.is_none() {
            continue;
        }
        let Some(script) = s.run.as_ref().and_then(|r| r.script.as_ref()) else {
            continue;
        };
        let Some(cmd) = script.commands.iter().find(|c| {
            !c.in_condition
                && !c.in_substitution
                && crate::intent::command_ships(c, cx.facts.intents()) == Some(Intent::Deploy)
        }) else {
            continue;
        };
        let anchor = s.entry("run").map(|e| e.key.span).unwrap_or(s.anchor());
        let text: String = cmd.argv_text().chars().take(60).collect();
        cx.report(
            &META,
            wf.path,
            anchor,
            format!(
                "deploy command `{text}` in step `{}` has no step `timeout-minutes`{}: a deploy stuck on a lock or health check hangs for hours.",
                s.label(),
                if job_limit.is_none() { " and its job has none either" } else { " and the job allows more than an hour" }
            ),
        )
        .severity(Severity::Low)
        .job(Some(job.id))
        .step(Some(s.label()))
        .title("Deploy step has no timeout")
        .fix(
            "Bound the deploy command with a step timeout.",
            format!("- name: {}\n  timeout-minutes: 15", s.label()),
            5,
        );
    }
}
