//! `reliability/missing-concurrency`: deploy, release or publish workflows without a
//! `concurrency` group, and deploy groups that cancel a deploy half-way.

use crate::finding::{Category, Confidence, Severity};
use crate::intent::Intent;
use crate::rules::reliability::literal_true;
use crate::rules::{entry_span, Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Job, Workflow};

pub struct MissingConcurrency;

pub static META: RuleMeta = RuleMeta {
    id: "reliability/missing-concurrency",
    title: "Deploy workflow has no concurrency control",
    severity: Severity::Medium,
    confidence: Confidence::High,
    category: Category::Deployment,
    summary: "A workflow that deploys or publishes without a `concurrency` group (two pushes deploy over each other), with `cancel-in-progress: true` on a deploy (a deploy is cancelled half-way), or pull-request CI that never cancels superseded runs (low).",
    impact: "Overlapping deploys race each other; an older commit can finish last and win, or a deploy is killed mid-migration.",
    doc: r#"
## Why it matters
Without a concurrency group, two pushes in quick succession start two deploys that run
at the same time against the same environment. Whichever finishes last wins, which may
be the older commit. With `cancel-in-progress: true`, the newer run kills the older
deploy part-way through, possibly between a migration and the rollout. Pull-request
CI is the opposite case: there, `cancel-in-progress` saves runner time on superseded
commits, so its absence is reported as low. A deploy is recognised by what it runs,
and also by intent: a workflow and job named as a deploy with a step named as the
deploy (a placeholder `echo "Deploying…"`, an SSH action) is a deploy too, and needs
its concurrency group before the real commands land.

## Bad
```yaml
on: { push: { branches: [main] } }
jobs:
  deploy: ...
```

## Good
```yaml
concurrency:
  group: deploy-${{ github.ref }}
  cancel-in-progress: false
```
"#,
    fix: FixMeta {
        description: "Add a concurrency group that queues deploys instead of running them in parallel or cancelling them.",
        snippet: "concurrency:\n  group: deploy-${{ github.ref }}\n  cancel-in-progress: false",
        effort_minutes: 10,
    },
    references: &["seed: 000 MEDIUM-7"],
};

impl Rule for MissingConcurrency {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        let facts = cx.facts;
        // A reusable workflow runs under its caller's concurrency group.
        if !wf.triggers.is_empty() && wf.triggers.iter().all(|t| t.event == "workflow_call") {
            return;
        }
        let deploying: Vec<_> = wf
            .jobs
            .iter()
            .filter(|j| {
                // Test jobs that deploy to a throwaway cluster or preview.
                (facts.job_ships(j).is_some() || deploy_by_name(wf, j))
                    && crate::intent::word_intent_phrase(j.id) != Intent::Test
                    && j.name.map(crate::intent::word_intent_phrase) != Some(Intent::Test)
            })
            .collect();
        // Pull-request workflows only build previews; they are judged as CI.
        let pr_only = crate::intent::workflow_pr_only(wf);
        if deploying.is_empty() || pr_only {
            pr_without_cancel(wf, cx);
            return;
        }
        for j in &deploying {
            let Some(cancel) = j
                .get("concurrency")
                .and_then(|c| c.entry("cancel-in-progress"))
            else {
                continue;
            };
            if literal_true(cancel) && facts.job_ships(j) == Some(Intent::Deploy) {
                cx.report(
                    &META,
                    wf.path,
                    entry_span(cancel),
                    format!("`cancel-in-progress: true` on deploy job `{}`: a new run cancels a deploy that is half-way through.", j.id),
                )
                .severity(Severity::High)
                .job(Some(j.id))
                .title("Deploy can be cancelled half-way")
                .fix(
                    "Queue deploys instead of cancelling them.",
                    "concurrency:\n  group: deploy-${{ github.ref }}\n  cancel-in-progress: false",
                    5,
                );
            }
        }
        let top = wf.root.entry("concurrency");
        if let Some(c) = top {
            if let Some(cancel) = c.value.entry("cancel-in-progress") {
                // A group keyed by the run (`github.run_id`, `github.sha`) on the
                // deploying branch never cancels a deploy.
                let per_run = c
                    .value
                    .get("group")
                    .and_then(|g| g.as_str())
                    .is_some_and(|g| g.contains("run_id") || g.contains("github.sha"));
                let real_deploy = deploying.iter().any(|j| {
                    facts.job_ships(j) == Some(Intent::Deploy)
                        && !j.id.contains("doc")
                        && !j
                            .environment()
                            .map(|e| e.to_ascii_lowercase())
                            .is_some_and(|e| {
                                e.contains("doc") || e.contains("rtd") || e.contains("pages")
                            })
                });
                if literal_true(cancel) && real_deploy && !per_run {
                    cx.report(
                        &META,
                        wf.path,
                        entry_span(cancel),
                        "`cancel-in-progress: true` on a deploy workflow: a new push cancels a deploy that is half-way through.",
                    )
                    .severity(Severity::High)
                    .title("Deploy can be cancelled half-way")
                    .fix(
                        "Queue deploys instead of cancelling them.",
                        "concurrency:\n  group: deploy-${{ github.ref }}\n  cancel-in-progress: false",
                        5,
                    );
                }
            }
            return;
        }
        let uncovered: Vec<&str> = deploying
            .iter()
            .filter(|j| j.entry("concurrency").is_none())
            .map(|j| j.id)
            .collect();
        if uncovered.is_empty() {
            return;
        }
        let anchor = wf
            .root
            .entry("on")
            .map(|e| e.key.span)
            .or_else(|| wf.root.as_map().and_then(|m| m.first()).map(|e| e.key.span))
            .unwrap_or(wf.root.span);
        let name = wf
            .file_name()
            .trim_end_matches(".yml")
            .trim_end_matches(".yaml")
            .to_string();
        cx.report(
            &META,
            wf.path,
            anchor,
            format!(
                "`{}` deploys or publishes (job{} {}) but has no `concurrency` group: overlapping runs can deploy over each other.",
                wf.file_name(),
                if uncovered.len() == 1 { "" } else { "s" },
                uncovered.iter().map(|j| format!("`{j}`")).collect::<Vec<_>>().join(", ")
            ),
        )
        .fix(
            "Add a top-level concurrency group that queues runs.",
            format!("concurrency:\n  group: {name}-${{{{ github.ref }}}}\n  cancel-in-progress: false"),
            10,
        );
    }
}

/// CI on pull requests that keeps running superseded commits.
/// A deploy whose commands ship nothing we recognise (a placeholder, an SSH action):
/// the workflow and the job are named as deploys and a step is named as the deploy.
/// Its intent is to deploy, so overlapping runs are just as much a problem once the
/// commands are real.
fn deploy_by_name(wf: &Workflow, job: &Job) -> bool {
    use crate::intent::{step_role, word_intent_phrase, StepRole};
    let wf_deploy = wf.name.map(word_intent_phrase) == Some(Intent::Deploy)
        || word_intent_phrase(wf.file_name()) == Intent::Deploy;
    let job_deploy = word_intent_phrase(job.id) == Intent::Deploy
        || job.name.map(word_intent_phrase) == Some(Intent::Deploy);
    wf_deploy
        && job_deploy
        && job
            .steps
            .iter()
            .any(|s| s.name.and_then(step_role) == Some(StepRole::Deploy))
}

fn pr_without_cancel(wf: &Workflow, cx: &mut Ctx) {
    let Some(pr) = wf.triggers.iter().find(|t| t.event == "pull_request") else {
        return;
    };
    // `types: [opened, labeled]` without `synchronize`: new pushes do not start runs.
    if let Some(types) = pr.config.and_then(|c| c.get("types")) {
        let list: Vec<&str> = match types.as_seq() {
            Some(items) => items.iter().filter_map(|i| i.as_str()).collect(),
            None => types.as_str().into_iter().collect(),
        };
        if !list.contains(&"synchronize") {
            return;
        }
    }
    let cancels = |n: Option<&pipewise_yaml::Node>| {
        n.and_then(|c| c.entry("cancel-in-progress"))
            .map(|e| e.value.as_bool() != Some(false) && e.value.as_str() != Some("false"))
            .unwrap_or(false)
    };
    if cancels(wf.root.get("concurrency")) {
        return;
    }
    if !wf.jobs.is_empty() && wf.jobs.iter().all(|j| cancels(j.get("concurrency"))) {
        return;
    }
    cx.report(
        &META,
        wf.path,
        pr.span,
        format!(
            "`{}` runs on pull requests without `cancel-in-progress`: every push to a pull request keeps the runs of superseded commits going.",
            wf.file_name()
        ),
    )
    .severity(Severity::Low)
    .title("Pull-request CI does not cancel superseded runs")
    .fix(
        "Cancel superseded pull-request runs.",
        "concurrency:\n  group: ${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}\n  cancel-in-progress: ${{ github.event_name == 'pull_request' }}",
        5,
    );
}
