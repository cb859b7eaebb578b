//! `security/debug-logging`: `ACTIONS_STEP_DEBUG` / `ACTIONS_RUNNER_DEBUG` switched on
//! in the workflow itself (an `env:` entry or a write to `$GITHUB_ENV`).

use crate::finding::{Category, Confidence, Severity, Span};
use crate::rules::{entry_span, Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::workflow::{Job, Workflow};
use pipewise_yaml::Node;

pub struct DebugLogging;

pub static META: RuleMeta = RuleMeta {
    id: "security/debug-logging",
    title: "Debug logging switched on",
    severity: Severity::Low,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "The workflow sets `ACTIONS_STEP_DEBUG` or `ACTIONS_RUNNER_DEBUG` to true (in `env:` or through `$GITHUB_ENV`), so every run writes debug logs.",
    impact: "Debug logs print evaluated expressions, environment and request details of every step; values derived from secrets (encoded, split, or fetched at runtime) are not masked and end up in logs anyone with read access can download.",
    doc: r#"
## Why it matters
GitHub's debug logging is meant to be switched on for one re-run ("Re-run with debug
logging") or through a repository secret or variable while investigating. Set in the
workflow file it is on for every run, including pull requests from forks whose logs are
public. Debug output includes expression evaluation, the environment and action
internals; GitHub masks registered secrets, but not values derived from them.

## Bad
```yaml
env:
  ACTIONS_STEP_DEBUG: true
```

## Good
```yaml
# Re-run the failed job with "Enable debug logging", or set the
# ACTIONS_STEP_DEBUG variable on the repository while investigating.
steps:
  - if: runner.debug == '1'
    run: ./print-diagnostics.sh
```
"#,
    fix: FixMeta {
        description: "Remove the variable from the workflow; switch debug logging on for a single re-run instead.",
        snippet: "# remove: ACTIONS_STEP_DEBUG: true",
        effort_minutes: 2,
    },
    references: &["https://docs.github.com/en/actions/monitoring-and-troubleshooting-workflows/troubleshooting-workflows/enabling-debug-logging"],
};

const VARS: [&str; 2] = ["ACTIONS_STEP_DEBUG", "ACTIONS_RUNNER_DEBUG"];

fn truthy(v: &str) -> bool {
    matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1")
}

/// `(name, span)` of each debug variable set to true in an `env:` map.
fn in_env(env: Option<&Node>) -> Vec<(&'static str, Span)> {
    let mut out = vec![];
    for e in env.and_then(Node::as_map).unwrap_or(&[]) {
        let Some(k) = e.key.as_str() else { continue };
        if let Some(v) = VARS.iter().find(|v| k.eq_ignore_ascii_case(v)) {
            if e.value.as_str().map(truthy).unwrap_or(false) {
                out.push((*v, entry_span(e)));
            }
        }
    }
    out
}

fn report(
    cx: &mut Ctx,
    path: &str,
    var: &str,
    span: Span,
    job: Option<&str>,
    step: Option<String>,
) {
    cx.report(
        &META,
        path,
        span,
        format!("`{var}` is switched on in the workflow, so every run writes debug logs (evaluated expressions, environment, action internals)."),
    )
    .job(job)
    .step(step);
}

impl Rule for DebugLogging {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        for (v, s) in in_env(wf.root.get("env")) {
            report(cx, wf.path, v, s, None, None);
        }
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        for (v, s) in in_env(job.get("env")) {
            report(cx, wf.path, v, s, Some(job.id), None);
        }
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        for (v, s) in in_env(site.step.env) {
            report(cx, site.path, v, s, site.job_id(), Some(site.step.label()));
        }
        let Some(run) = &site.step.run else { return };
        let Some(script) = &run.script else { return };
        if !run.text.contains("_DEBUG") {
            return;
        }
        for c in &script.commands {
            let to_env = c
                .redirects
                .iter()
                .any(|r| r.op.contains('>') && r.target.contains("GITHUB_ENV"));
            if !to_env {
                continue;
            }
            for w in c.args() {
                let Some((k, v)) = w.text.split_once('=') else {
                    continue;
                };
                if let Some(var) = VARS.iter().find(|x| k.trim() == **x) {
                    if truthy(v) {
                        let span = run.source_span(site.doc, c.span);
                        report(
                            cx,
                            site.path,
                            var,
                            span,
                            site.job_id(),
                            Some(site.step.label()),
                        );
                    }
                }
            }
        }
    }
}
