//! `security/missing-permissions`: a workflow with no top-level `permissions:` whose
//! jobs do not all set their own, so they get the repository's default token scopes.

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::Workflow;

pub struct MissingPermissions;

pub static META: RuleMeta = RuleMeta {
    id: "security/missing-permissions",
    title: "No explicit `permissions`",
    severity: Severity::Medium,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "A workflow without a top-level `permissions:` block (and jobs without their own): the `GITHUB_TOKEN` gets the repository default, which is read-write on older repositories and organisations.",
    impact: "Any compromised step (a hijacked action, an injected command) can push code, create releases or approve pull requests with the workflow's token.",
    doc: r#"
## Why it matters
When `permissions:` is absent, `GITHUB_TOKEN` gets the default scopes configured for the
repository or organisation; for many repositories that is write access to contents,
packages, pull requests and more. Declaring the minimum makes a compromised step far
less useful to an attacker, and documents what the workflow needs.

## Bad
```yaml
on: push
jobs:
  test: ...
```

## Good
```yaml
on: push
permissions:
  contents: read
jobs:
  test: ...
```
"#,
    fix: FixMeta {
        description: "Add a top-level `permissions:` block with the least the jobs need (usually `contents: read`), and grant writes per job.",
        snippet: "permissions:\n  contents: read",
        effort_minutes: 10,
    },
    references: &["seed: 003 Phase 1", "zizmor: excessive-permissions"],
};

impl Rule for MissingPermissions {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        if wf.root.entry("permissions").is_some() || wf.jobs.is_empty() {
            return;
        }
        let missing: Vec<&str> = wf
            .jobs
            .iter()
            .filter(|j| j.entry("permissions").is_none())
            .map(|j| j.id)
            .collect();
        if missing.is_empty() {
            return;
        }
        let anchor = wf
            .root
            .entry("on")
            .map(|e| e.key.span)
            .or_else(|| wf.root.as_map().and_then(|m| m.first()).map(|e| e.key.span))
            .unwrap_or(wf.root.span);
        let jobs: Vec<&crate::workflow::Job> =
            wf.jobs.iter().filter(|j| missing.contains(&j.id)).collect();
        let snippet = super::scopes::per_job_blocks(&jobs);
        cx.report(
            &META,
            wf.path,
            anchor,
            format!(
                "`{}` sets no `permissions`, so {} run{} with the repository's default token scopes.",
                wf.file_name(),
                if missing.len() == wf.jobs.len() {
                    "all jobs".to_string()
                } else {
                    missing.iter().map(|j| format!("`{j}`")).collect::<Vec<_>>().join(", ")
                },
                if missing.len() == 1 && missing.len() != wf.jobs.len() { "s" } else { "" }
            ),
        )
        .fix(
            "Deny everything at the top and grant each job the scopes its steps use (inferred below from checkout, push, release, package push, SARIF upload, comments, deployments and OIDC).",
            snippet,
            10,
        );
    }
}
