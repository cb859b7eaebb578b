//! `cost/no-docs-path-filter`: a big pull-request pipeline that runs tests has no
//! path filter, so documentation-only changes run all of it.

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::Workflow;

pub struct NoDocsPathFilter;

pub static META: RuleMeta = RuleMeta {
    id: "cost/no-docs-path-filter",
    title: "Documentation-only changes run the whole pipeline",
    severity: Severity::Info,
    confidence: Confidence::Low,
    category: Category::CiPipeline,
    summary: "A workflow's `pull_request` trigger has no `paths`/`paths-ignore` filter while its pull-request run bills at least 30 minutes and runs tests (decided from the steps' commands and actions).",
    impact: "A typo fix in the README runs the full test matrix: the same billable minutes as a code change, for nothing the tests can find.",
    doc: r#"
## Why it matters
Tests cannot fail on a change that touches only Markdown or the `docs/` tree. A
`paths-ignore` filter on the pull-request trigger skips the run for such changes.
The saving assumes one pull-request push in ten changes documentation only
(`pipewise cost` shows the pipeline's minutes a run so you can scale it). Only big
pipelines (30 billable minutes or more a pull-request run) are reported.

Caveat: a workflow whose checks are *required* by branch protection and skipped by a
path filter leaves the pull request waiting. Either keep such checks unfiltered or
add a small workflow with the same job names that runs on the ignored paths.

## Bad
```yaml
on:
  pull_request:
jobs:
  test: ...
```

## Good
```yaml
on:
  pull_request:
    paths-ignore:
      - "**.md"
      - "docs/**"
jobs:
  test: ...
```
"#,
    fix: FixMeta {
        description: "Skip documentation-only changes with a `paths-ignore` filter on the pull-request trigger.",
        snippet: "on:\n  pull_request:\n    paths-ignore:\n      - \"**.md\"\n      - \"docs/**\"",
        effort_minutes: 10,
    },
    references: &["seed: 001 §8.2"],
};

impl Rule for NoDocsPathFilter {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        super::report(&META, wf, cx);
    }
}
