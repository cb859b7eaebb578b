//! `deployment/ungated-deploy`: deploys and publishes that do not wait for the
//! tests: a deploying job without `needs:` on the workflow's test/build jobs, a deploy
//! workflow run on push with no tests and no `workflow_run` link to CI, and
//! `if: always()` on a deploy or publish step or job.

use crate::finding::{Category, Confidence, Severity};
use crate::intent::{job_deploys, job_publishes, step_intent, word_intent_phrase, Intent};
use crate::rules::{entry_span, Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::workflow::{Job, Workflow};

pub struct UngatedDeploy;

pub static META: RuleMeta = RuleMeta {
    id: "deployment/ungated-deploy",
    title: "Deploy is not gated on tests",
    severity: Severity::High,
    confidence: Confidence::Medium,
    category: Category::Deployment,
    summary: "A job that deploys or publishes does not wait for the test jobs of its workflow (`needs:`), a deploy workflow runs on push with no tests and no `workflow_run` link to CI, or a deploy step runs under `if: always()`.",
    impact: "Code whose tests fail, or have not finished, reaches production.",
    doc: r#"
## Why it matters
Jobs without `needs:` run in parallel. A `deploy` job next to a `test` job starts at the
same time and finishes first: the deploy does not care whether the tests pass.
`if: always()` on a deploy step runs it even after the build failed. A deploy workflow
triggered by `push` with no tests of its own relies on nothing but luck, unless it is
chained to CI through `workflow_run` (or branch protection makes every push a merged,
tested pull request: then the finding is informational).

## Bad
```yaml
jobs:
  test:
    steps: [{ run: npm test }]
  deploy:
    steps: [{ run: flyctl deploy }]
```

## Good
```yaml
jobs:
  test:
    steps: [{ run: npm test }]
  deploy:
    needs: test
    steps: [{ run: flyctl deploy }]
```
"#,
    fix: FixMeta {
        description: "Make the deploy job need the test and build jobs (or trigger the deploy workflow from CI with `workflow_run`).",
        snippet: "deploy:\n  needs: [test, build]",
        effort_minutes: 10,
    },
    references: &["seed: 000 CRITICAL-3", "seed: 004 gaps"],
};

fn job_gate(job: &Job) -> bool {
    let name =
        word_intent_phrase(job.id).max(job.name.map(word_intent_phrase).unwrap_or(Intent::Other));
    let steps = job
        .steps
        .iter()
        .map(step_intent)
        .max()
        .unwrap_or(Intent::Other);
    !job_deploys(job)
        && !job_publishes(job)
        && (matches!(name, Intent::Test) || steps == Intent::Test)
}

fn reaches(wf: &Workflow, from: &Job, target: &str) -> bool {
    let mut stack: Vec<&str> = from.needs.clone();
    let mut seen = 0;
    while let Some(n) = stack.pop() {
        if n == target {
            return true;
        }
        seen += 1;
        if seen > 256 {
            break;
        }
        if let Some(j) = wf.job(n) {
            stack.extend(j.needs.iter().copied());
        }
    }
    false
}

fn always(s: &str) -> bool {
    let c: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    c.contains("always()")
        && !c.contains("success()")
        && !c.contains("result==")
        && !c.contains("result!=")
        && !c.contains("failure()")
}

impl Rule for UngatedDeploy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        let gates: Vec<&Job> = wf.jobs.iter().filter(|j| job_gate(j)).collect();
        let deployers: Vec<&Job> = wf
            .jobs
            .iter()
            .filter(|j| j.uses.is_none() && (job_deploys(j) || job_publishes(j)))
            .collect();
        for d in &deployers {
            let missing: Vec<&str> = gates
                .iter()
                .filter(|g| g.id != d.id && !reaches(wf, d, g.id) && !reaches(wf, g, d.id))
                .map(|g| g.id)
                .collect();
            if !gates.is_empty() && missing.len() == gates.len() {
                let what = if job_deploys(d) {
                    "deploys"
                } else {
                    "publishes"
                };
                cx.report(
                    &META,
                    wf.path,
                    d.key.span,
                    format!(
                        "job `{}` {what} without `needs:` on {}: it runs in parallel with the tests and ships even when they fail.",
                        d.id,
                        missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                    ),
                )
                .job(Some(d.id))
                .fix(
                    "Make the job wait for the tests.",
                    format!("{}:\n  needs: [{}]", d.id, missing.join(", ")),
                    5,
                );
            }
            if let Some(e) = d.entry("if") {
                if e.value.as_str().map(always).unwrap_or(false) {
                    cx.report(&META, wf.path, entry_span(e), format!("job `{}` deploys or publishes under `if: always()`: it runs even when the jobs it needs failed.", d.id))
                        .job(Some(d.id));
                }
            }
        }
        // A push-triggered deploy workflow with no tests and no link to CI.
        let push_branches = wf.triggers.iter().any(|t| {
            t.event == "push"
                && !t
                    .config
                    .map(|c| c.get("tags").is_some() && c.get("branches").is_none())
                    .unwrap_or(false)
        });
        if push_branches && gates.is_empty() && !wf.has_trigger("workflow_run") {
            if let Some(d) = deployers
                .iter()
                .find(|j| job_deploys(j) && j.needs.is_empty())
            {
                if let Some(t) = wf.triggers.iter().find(|t| t.event == "push") {
                    cx.report(
                        &META,
                        wf.path,
                        t.span,
                        format!(
                            "`{}` deploys on push (job `{}`) without running tests and without a `workflow_run` link to CI: a push deploys whether CI passes or not.",
                            wf.file_name(),
                            d.id
                        ),
                    )
                    .severity(Severity::Medium)
                    .confidence(Confidence::Low)
                    .job(Some(d.id))
                    .fix(
                        "Trigger the deploy from the CI workflow's success.",
                        "on:\n  workflow_run:\n    workflows: [CI]\n    types: [completed]\n    branches: [main]\njobs:\n  deploy:\n    if: github.event.workflow_run.conclusion == 'success'",
                        15,
                    );
                }
            }
        }
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        let Some(e) = site.step.entry("if") else {
            return;
        };
        if !e.value.as_str().map(always).unwrap_or(false) {
            return;
        }
        let i = step_intent(site.step);
        if i != Intent::Deploy && i != Intent::Publish {
            return;
        }
        cx.report(
            &META,
            site.path,
            entry_span(e),
            format!("{} step `{}` runs under `if: always()`: it runs even after the build or tests failed.", if i == Intent::Deploy { "deploy" } else { "publish" }, site.step.label()),
        )
        .site(site)
        .fix("Run the step only on success.", "if: success()", 2);
    }
}
