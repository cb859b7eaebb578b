//! `reliability/missing-concurrency`: deploy, release or publish workflows without a
//! `concurrency` group, and deploy groups that cancel a deploy half-way.

use crate::finding::{Category, Confidence, Severity};
use crate::intent::{job_deploys, job_publishes};
use crate::rules::reliability::continue_on_error_gate::literal_true;
use crate::rules::{entry_span, Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::Workflow;

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
commits, so its absence is reported as low.

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
        let deploying: Vec<_> = wf
            .jobs
            .iter()
            .filter(|j| job_deploys(j) || job_publishes(j))
            .collect();
        if deploying.is_empty() {
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
            if literal_true(cancel) && job_deploys(j) {
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
                if literal_true(cancel) && deploying.iter().any(|j| job_deploys(j)) {
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
