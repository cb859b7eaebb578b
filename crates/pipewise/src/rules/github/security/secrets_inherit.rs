//! `security/secrets-inherit`: a reusable-workflow call with `secrets: inherit`, which
//! hands the callee every secret of the caller.

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{entry_span, Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Job, Workflow};

pub struct SecretsInherit;

pub static META: RuleMeta = RuleMeta {
    id: "security/secrets-inherit",
    title: "`secrets: inherit` passes every secret",
    severity: Severity::Medium,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "A job calls a reusable workflow with `secrets: inherit`, passing it every repository, environment and organisation secret instead of the ones it uses.",
    impact: "A compromise of the called workflow (or a later change to it) exposes all secrets, not just the ones it needs; secret use becomes impossible to audit.",
    doc: r#"
## Why it matters
`secrets: inherit` is convenient but breaks least privilege: the callee receives every
secret the caller can see, including ones added later. When the callee lives in
another repository or is pinned by a mutable ref, its owner gets them all.

## Bad
```yaml
jobs:
  release:
    uses: acme/workflows/.github/workflows/release.yml@v1
    secrets: inherit
```

## Good
```yaml
jobs:
  release:
    uses: acme/workflows/.github/workflows/release.yml@<40-character commit sha> # v1.4.0
    secrets:
      NPM_TOKEN: ${{ secrets.NPM_TOKEN }}
```
"#,
    fix: FixMeta {
        description: "List the secrets the called workflow declares under `on.workflow_call.secrets`.",
        snippet: "secrets:\n  NPM_TOKEN: ${{ secrets.NPM_TOKEN }}",
        effort_minutes: 10,
    },
    references: &["zizmor: secrets-inherit"],
};

impl Rule for SecretsInherit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        let Some(e) = job.entry("secrets") else {
            return;
        };
        if e.value.as_str() != Some("inherit") {
            return;
        }
        let callee = job
            .uses
            .and_then(|u| u.as_str())
            .unwrap_or("the called workflow");
        let local = callee.starts_with("./") || callee.starts_with("$/");
        cx.report(
            &META,
            wf.path,
            entry_span(e),
            format!(
                "Job `{}` passes every secret to `{callee}` with `secrets: inherit`.",
                job.id
            ),
        )
        .severity(if local {
            Severity::Low
        } else {
            Severity::Medium
        })
        .job(Some(job.id));
    }
}
