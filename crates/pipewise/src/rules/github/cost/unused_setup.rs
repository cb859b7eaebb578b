//! `cost/unused-setup`: a job sets up a language toolchain (`actions/setup-node`,
//! `actions/setup-python`, …) that none of its steps can use.

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::Workflow;

pub struct UnusedSetup;

pub static META: RuleMeta = RuleMeta {
    id: "cost/unused-setup",
    title: "Toolchain set up but never used",
    severity: Severity::Info,
    confidence: Confidence::Medium,
    category: Category::CiPipeline,
    summary: "A job runs a toolchain set-up action (`actions/setup-node`, `setup-python`, `setup-go`, `setup-java`, `ruby/setup-ruby`, `dtolnay/rust-toolchain`, …) while its other steps run only shell built-ins, core utilities, git, gh, docker and actions that bring their own runtime.",
    impact: "The set-up downloads and unpacks a runtime on every run of the job for nothing: seconds to a minute a leg, and one more action to pin and update.",
    doc: r#"
## Why it matters
A set-up action puts a language runtime on the runner's `PATH`. JavaScript actions
run on the runner's own bundled Node, Docker builds run in containers, and shell
utilities need no runtime: a job made only of those never uses the set-up. Often the
step was copied from another job, or outlived the script that needed it. pipewise
decides this from what the steps run (actions and parsed commands); a job that calls
a script, `make`, a shell, an unknown action or reads the set-up step's outputs is
left alone.

## Bad
```yaml
jobs:
  image:
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: docker build -t app .
```

## Good
```yaml
jobs:
  image:
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
      - run: docker build -t app .
```
"#,
    fix: FixMeta {
        description: "Remove the set-up step the job does not use.",
        snippet: "# delete the unused `- uses: actions/setup-…` step",
        effort_minutes: 5,
    },
    references: &["seed: 002 (dropping an unneeded setup step)"],
};

impl Rule for UnusedSetup {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        super::report(&META, wf, cx);
    }
}
