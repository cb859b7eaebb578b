//! `cost/unused-needs`: a job waits on `needs:` it does not use, and the wait
//! lengthens the run's critical path (detection in `economics/unused_needs.rs`).

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::Workflow;

pub struct UnusedNeeds;

pub static META: RuleMeta = RuleMeta {
    id: "cost/unused-needs",
    title: "Job waits on needs it does not use",
    severity: Severity::Low,
    confidence: Confidence::Low,
    category: Category::CiPipeline,
    summary: "A job lists jobs in `needs:` that take at least as long as it does and uses nothing of them (no `needs.*` outputs or results; they leave no outputs, artifacts, caches, pushes, releases or deployments), no job from it on deploys or publishes, and dropping the wait shortens a run's critical path by 2 minutes or more (step-kind model).",
    impact: "Every run waits for jobs whose results the job never reads: minutes of wall time on the critical path before feedback, for nothing but ordering.",
    doc: r#"
## Why it matters
`needs:` serialises jobs. When the needed job produces something the job uses (job
outputs, an artifact, a cache, a pushed image, a release) or is the gate in front of a
deploy or publish (tests before shipping), the wait is the point. When it produces
nothing the job reads and nothing after the job ships, the wait only delays feedback:
the two jobs could run side by side.

pipewise reports it only when all of this holds, decided from what the jobs do:
- the job mentions `needs` nowhere but in its `needs:` key (no `needs.x.outputs`,
  `needs.x.result`, `toJSON(needs)`), its `if:` is not `always()`/`failure()`;
- each needed job declares no `outputs:` and no `environment:`, runs on GitHub-hosted
  runners (a self-hosted workspace can carry files), is not a reusable-workflow call,
  and has no step that uploads an artifact, saves a cache (an action named for it or
  a set-up action's `cache:`), pushes, publishes, deploys or calls `gh`/cloud CLIs;
- neither the job nor any job after it deploys or publishes (`environment:`, deploy
  or publish steps): there the edge keeps untested code from shipping;
- the needed job takes at least as long as the job (step-kind model): a shorter one is
  taken as a deliberate fail-fast gate, a quick lint that spares the costly job's
  minutes when it fails;
- the run's critical path (step-kind model) shortens by at least 2 minutes without the
  edges.

Waiting on a job as long as or longer than the job itself spares little when it
fails and costs its whole length every time it passes. Ordering for its own sake
(fewer concurrent jobs, a readable graph) looks the same in the files, so the
confidence is low. The saving is wall time, not billed minutes (the same jobs run
either way).

## Bad
```yaml
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: cargo test --workspace
  docs:
    needs: test        # reads nothing of test, and test takes longer
    runs-on: ubuntu-latest
    steps:
      - run: cargo doc --no-deps
```

## Good
```yaml
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: cargo test --workspace
  docs:
    runs-on: ubuntu-latest
    steps:
      - run: cargo doc --no-deps
```
"#,
    fix: FixMeta {
        description: "Drop the `needs:` entries the job does not use, unless the wait is a deliberate fail-fast gate.",
        snippet: "# remove the job from `needs:`",
        effort_minutes: 5,
    },
    references: &["issue 19: jobs that wait on `needs:` they do not use"],
};

impl Rule for UnusedNeeds {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        super::report(&META, wf, cx);
    }
}
