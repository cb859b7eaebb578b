//! `cost/missing-cancel-in-progress`: pull-request CI whose runs are not cancelled
//! when a newer push to the same pull request arrives.

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::Workflow;

pub struct MissingCancelInProgress;

pub static META: RuleMeta = RuleMeta {
    id: "cost/missing-cancel-in-progress",
    title: "Superseded pull-request runs are not cancelled",
    severity: Severity::Info,
    confidence: Confidence::Medium,
    category: Category::CiPipeline,
    summary: "A workflow that runs on `pull_request` and bills at least 10 minutes a run has no workflow-level `concurrency:` with `cancel-in-progress`.",
    impact: "Each push to a pull request starts a full run while the previous one, whose result nobody will read, keeps billing.",
    doc: r#"
## Why it matters
Developers push several times to a pull request. Without `cancel-in-progress`, every
push's run goes to completion. The saving is estimated from the workflow's billable
minutes a pull-request run, with all but the last push of a pull request cancelling
a run that is half done (`pipewise cost --pushes-per-pr N` changes the rate).
Small workflows (under 10 billable minutes a run) are not reported.

## Bad
```yaml
on: pull_request
jobs:
  test: ...
```

## Good
```yaml
on: pull_request
concurrency:
  group: ${{ github.workflow }}-${{ github.ref }}
  cancel-in-progress: true
jobs:
  test: ...
```
"#,
    fix: FixMeta {
        description: "Cancel a pull request's older run when a newer push arrives.",
        snippet: "concurrency:\n  group: ${{ github.workflow }}-${{ github.ref }}\n  cancel-in-progress: ${{ github.event_name == 'pull_request' }}",
        effort_minutes: 5,
    },
    references: &["seed: 001 §8.2"],
};

impl Rule for MissingCancelInProgress {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        super::report(&META, wf, cx);
    }
}
