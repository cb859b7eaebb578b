//! `cost/checks-on-every-os`: a matrix with Linux and macOS/Windows legs runs
//! source-only checks (formatters, style linters) on every leg.

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::Workflow;

pub struct ChecksOnEveryOs;

pub static META: RuleMeta = RuleMeta {
    id: "cost/checks-on-every-os",
    title: "Source-only checks repeated on macOS/Windows legs",
    severity: Severity::Info,
    confidence: Confidence::Medium,
    category: Category::CiPipeline,
    summary: "A job whose matrix has a Linux leg and macOS or Windows legs runs, without an `if:`, steps that only run formatters or style linters (`prettier --check`, `eslint`, `ruff`, `black --check`, `cargo fmt --check`, `shellcheck`, …), which read the same source text on every OS.",
    impact: "macOS minutes cost about ten times and Windows minutes twice the Linux price; the repeated checks find nothing the Linux leg did not.",
    doc: r#"
## Why it matters
Cross-platform test matrices exist to run the code on each OS. Formatters and
style linters read the files, not the platform: their result is the same on every
leg. Running them once on Linux saves each other leg's check minutes at its higher
price. Checkers that load or compile the code per platform (`cargo clippy`,
`golangci-lint`, `mypy`, `pylint`, `tsc`) and `pre-commit` hooks are not counted,
and a step with an `if:` (for example `runner.os == 'Linux'`) is left alone.

## Bad
```yaml
strategy:
  matrix:
    os: [ubuntu-latest, macos-latest, windows-latest]
runs-on: ${{ matrix.os }}
steps:
  - run: npx prettier --check .
  - run: npm test
```

## Good
```yaml
strategy:
  matrix:
    os: [ubuntu-latest, macos-latest, windows-latest]
runs-on: ${{ matrix.os }}
steps:
  - run: npx prettier --check .
    if: runner.os == 'Linux'
  - run: npm test
```
"#,
    fix: FixMeta {
        description: "Run source-only checks on the Linux leg only (or in a separate Linux job).",
        snippet: "if: runner.os == 'Linux'",
        effort_minutes: 5,
    },
    references: &["seed: 001 §8.2"],
};

impl Rule for ChecksOnEveryOs {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        super::report(&META, wf, cx);
    }
}
