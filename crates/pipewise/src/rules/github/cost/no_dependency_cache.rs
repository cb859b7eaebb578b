//! `cost/no-dependency-cache`: a job installs dependencies with a package manager
//! (`npm ci`, `pip install`, `bundle install`, `go mod download`, …) and restores no
//! dependency cache.

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::Workflow;

pub struct NoDependencyCache;

pub static META: RuleMeta = RuleMeta {
    id: "cost/no-dependency-cache",
    title: "Dependencies installed without a cache",
    severity: Severity::Info,
    confidence: Confidence::Medium,
    category: Category::CiPipeline,
    summary: "A job runs a package manager's install (`npm ci`, `pip install`, `poetry install`, `bundle install`, `go mod download`, `cargo fetch`, `dotnet restore`) and restores no dependency cache (`actions/cache`, a `setup-*` action's `cache:`, `Swatinem/rust-cache`).",
    impact: "Every run downloads the same packages again: a minute or more a job, and flaky when the registry is slow.",
    doc: r#"
## Why it matters
The setup actions cache the package manager's download directory keyed on the lock
file with one input. Without it each job downloads every dependency again. System
packages (`apt-get install`) are not counted: no dependency cache holds them.

## Bad
```yaml
- uses: actions/setup-node@v4
  with:
    node-version: 20
- run: npm ci
```

## Good
```yaml
- uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0
  with:
    node-version: 20
    cache: npm
- run: npm ci
```
"#,
    fix: FixMeta {
        description: "Turn on the setup action's dependency cache (or add `actions/cache` keyed on the lock file).",
        snippet: "- uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0\n  with:\n    node-version: 20\n    cache: npm",
        effort_minutes: 10,
    },
    references: &["seed: 001 §8.2"],
};

impl Rule for NoDependencyCache {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        super::report(&META, wf, cx);
    }
}
