//! `deployment/ungated-deploy`: deploys and publishes that do not wait for the
//! tests: a deploying job without `needs:` on the workflow's test/build jobs, a deploy
//! workflow run on push with no tests and no `workflow_run` link to CI (also when
//! the deploy job only waits for jobs that publish without testing), and
//! `if: always()` on a deploy or publish step or job.

use crate::facts::Facts;
use crate::finding::{Category, Confidence, Severity};
use crate::intent::{action_intent, word_intent_phrase, Intent};
use crate::needs::{Dir, NeedsGraph};
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
tested pull request: then the finding is informational). A deploy job that `needs:`
only jobs which publish (build and push the image it deploys) and test nothing on the
way is no better gated than one without `needs:`: the chain is followed to its start.

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

/// A job that runs tests: a test command or test action (not just a name with
/// "check" in it).
fn job_gate(facts: &Facts, job: &Job) -> bool {
    if facts.job_ships(job).is_some() {
        return false;
    }
    job.steps.iter().any(|s| {
        s.run
            .as_ref()
            .and_then(|r| r.script.as_ref())
            .map(|sc| {
                sc.commands
                    .iter()
                    .any(|c| !c.in_substitution && facts.command_intent(c) == Intent::Test)
            })
            .unwrap_or(false)
    })
}

/// Every job `job` (index `ji`) needs, transitively (None past 64 jobs or when one
/// of them needs a job the workflow does not define).
fn upstream<'w>(wf: &'w Workflow, graph: &NeedsGraph, ji: usize) -> Option<Vec<&'w Job<'w>>> {
    let ups = graph.needs_capped(ji, 65)?;
    if graph.dangling.get(ji).copied().unwrap_or(true)
        || ups
            .iter()
            .any(|&u| graph.dangling.get(u).copied().unwrap_or(true))
    {
        return None;
    }
    Some(ups.iter().filter_map(|&u| wf.jobs.get(u)).collect())
}

/// A job with a test step of its own: a test command, a test action or a step named
/// as a test (`Run tests` before `docker push`).
fn tests_inline(facts: &Facts, job: &Job) -> bool {
    job.steps.iter().any(|s| {
        s.name.map(word_intent_phrase) == Some(Intent::Test)
            || s.action().is_some_and(|a| action_intent(a) == Intent::Test)
            || s.run
                .as_ref()
                .and_then(|r| r.script.as_ref())
                .is_some_and(|sc| {
                    sc.commands
                        .iter()
                        .any(|c| !c.in_substitution && facts.command_intent(c) == Intent::Test)
                })
    })
}

fn always(s: &str) -> bool {
    let c: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    // `always() && <condition>` is a deliberate, narrower gate.
    c.contains("always()")
        && !c.contains("&&")
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
        let facts = cx.facts;
        let is_gate: Vec<bool> = wf.jobs.iter().map(|j| job_gate(facts, j)).collect();
        let gates: Vec<&Job> = wf
            .jobs
            .iter()
            .zip(&is_gate)
            .filter(|(_, g)| **g)
            .map(|(j, _)| j)
            .collect();
        let deployers: Vec<(usize, &Job)> = wf
            .jobs
            .iter()
            .enumerate()
            .filter(|(_, j)| {
                // A job named as a test (`test-publish`) tests the shipping path.
                j.uses.is_none()
                    && facts.job_ships(j).is_some()
                    && word_intent_phrase(j.id) != Intent::Test
                    && j.name.map(word_intent_phrase) != Some(Intent::Test)
            })
            .collect();
        // Pull-request-only workflows publish previews at most.
        let pr_only = crate::intent::workflow_pr_only(wf);
        if pr_only {
            return;
        }
        // Whether a gate runs before or after each job: one walk each way.
        let graph = NeedsGraph::new(wf);
        let gate_before = graph.any_reached(&is_gate, Dir::Up);
        let gate_after = graph.any_reached(&is_gate, Dir::Down);
        for &(di, d) in &deployers {
            let linked = gate_before.get(di).copied().unwrap_or(false)
                || gate_after.get(di).copied().unwrap_or(false)
                || gates.iter().any(|g| g.id == d.id);
            let missing: Vec<&str> = if linked {
                Vec::new()
            } else {
                gates.iter().map(|g| g.id).collect()
            };
            if !gates.is_empty() && !linked {
                let what = if facts.job_ships(d) == Some(Intent::Deploy) {
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
        // Documentation sites and Pages deploys are not what the tests protect.
        let pages = |j: &Job| {
            j.steps.iter().any(|s| {
                s.action()
                    .map(|a| a.contains("pages") || a.contains("docs"))
                    .unwrap_or(false)
            }) || j
                .environment()
                .map(|e| e.contains("pages") || e.contains("docs"))
                .unwrap_or(false)
                || j.id.contains("doc")
                || j.id.contains("site")
                || j.environment()
                    .map(|e| e.to_ascii_lowercase().contains("rtd"))
                    .unwrap_or(false)
        };
        // A job that builds (and so usually tests) before it ships.
        let builds_itself = |j: &Job| {
            j.steps.iter().any(|s| {
                let h = s.name.unwrap_or("").to_ascii_lowercase() + s.uses_str().unwrap_or("");
                h.contains("build") || h.contains("test")
            })
        };
        if push_branches && gates.is_empty() && !wf.has_trigger("workflow_run") {
            // The deploy job runs first, or only after jobs that publish what it
            // deploys (build and push an image) and test nothing on the way.
            let chain = |ji: usize, j: &Job| -> Option<Vec<&str>> {
                if j.needs.is_empty() {
                    return Some(Vec::new());
                }
                let ups = upstream(wf, &graph, ji)?;
                ups.iter()
                    .all(|u| facts.job_ships(u).is_some() && !tests_inline(facts, u) && !pages(u))
                    .then(|| ups.iter().map(|u| u.id).collect())
            };
            if let Some((d, ups)) = deployers.iter().find_map(|&(ji, j)| {
                (facts.job_ships(j) == Some(Intent::Deploy) && !pages(j) && !builds_itself(j))
                    .then(|| chain(ji, j))
                    .flatten()
                    .map(|ups| (j, ups))
            }) {
                if let Some(t) = wf.triggers.iter().find(|t| t.event == "push") {
                    let after = if ups.is_empty() {
                        String::new()
                    } else {
                        format!(
                            ", after only {} which publish{} without testing",
                            ups.iter()
                                .map(|u| format!("`{u}`"))
                                .collect::<Vec<_>>()
                                .join(", "),
                            if ups.len() == 1 { "es" } else { "" }
                        )
                    };
                    cx.report(
                        &META,
                        wf.path,
                        t.span,
                        format!(
                            "`{}` deploys on push (job `{}`{after}) without running tests and without a `workflow_run` link to CI: a push deploys whether CI passes or not.",
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
        let Some(i) = cx.facts.step_ships(site.step) else {
            return;
        };
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
