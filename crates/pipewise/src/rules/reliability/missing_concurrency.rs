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
    summary: "A workflow that deploys or publishes without a `concurrency` group (two pushes deploy over each other), or with `cancel-in-progress: true` on a deploy (a deploy is cancelled half-way).",
    impact: "Overlapping deploys race each other; an older commit can finish last and win, or a deploy is killed mid-migration.",
    doc: r#"
## Why it matters
Without a concurrency group, two pushes in quick succession start two deploys that run
at the same time against the same environment. Whichever finishes last wins, which may
be the older commit. With `cancel-in-progress: true`, the newer run kills the older
deploy part-way through, possibly between a migration and the rollout.

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
            return;
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
