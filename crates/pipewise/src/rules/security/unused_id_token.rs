//! `security/unused-id-token`: `id-token: write` granted where no step requests an
//! OIDC token (no cloud login with a role, trusted publishing, attestation or keyless
//! signing).

use super::scopes::step_uses_oidc;
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{entry_span, Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Job, Workflow};

pub struct UnusedIdToken;

pub static META: RuleMeta = RuleMeta {
    id: "security/unused-id-token",
    title: "`id-token: write` without an OIDC user",
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    category: Category::Security,
    summary: "`id-token: write` is granted but no step of the job(s) that receive it requests an OIDC token (cloud credentials with a role, trusted publishing, attestations, keyless signing).",
    impact: "Any step in those jobs can mint an OIDC token for this repository and assume every cloud role or registry identity that trusts it.",
    doc: r#"
## Why it matters
An OIDC token proves "this is a run of repository X" to AWS, GCP, Azure, PyPI, npm and
Sigstore. Cloud roles that trust the repository accept it without any stored secret.
Granting `id-token: write` to jobs that do not use it lets a compromised dependency or
action in those jobs request such tokens.

## Bad
```yaml
permissions:
  contents: read
  id-token: write
jobs:
  test:
    steps:
      - run: npm test
```

## Good
```yaml
permissions:
  contents: read
jobs:
  deploy:
    permissions:
      contents: read
      id-token: write      # aws-actions/configure-aws-credentials below
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy
```
"#,
    fix: FixMeta {
        description: "Remove `id-token: write`, or grant it only to the job that logs in with OIDC.",
        snippet: "permissions:\n  contents: read",
        effort_minutes: 5,
    },
    references: &["https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect"],
};

fn id_token_write(perms: Option<&pipewise_yaml::Entry>) -> Option<&pipewise_yaml::Entry> {
    let p = perms?;
    if p.value.as_str() == Some("write-all") {
        return None; // security/overbroad-permissions
    }
    p.value
        .as_map()?
        .iter()
        .find(|e| e.key.as_str() == Some("id-token") && e.value.as_str() == Some("write"))
}

fn job_uses_oidc(job: &Job) -> bool {
    // A reusable workflow may need the token: it is not visible here.
    job.uses.is_some() || job.steps.iter().any(step_uses_oidc)
}

impl Rule for UnusedIdToken {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        let Some(e) = id_token_write(wf.root.entry("permissions")) else {
            return;
        };
        let inheriting: Vec<&Job> = wf
            .jobs
            .iter()
            .filter(|j| j.entry("permissions").is_none())
            .collect();
        if inheriting.is_empty() || inheriting.iter().any(|j| job_uses_oidc(j)) {
            return;
        }
        cx.report(
            &META,
            wf.path,
            entry_span(e),
            format!(
                "`id-token: write` is granted to {} but no step requests an OIDC token.",
                inheriting
                    .iter()
                    .map(|j| format!("`{}`", j.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        let Some(e) = id_token_write(job.entry("permissions")) else {
            return;
        };
        if job_uses_oidc(job) {
            return;
        }
        cx.report(
            &META,
            wf.path,
            entry_span(e),
            format!(
                "Job `{}` is granted `id-token: write` but none of its steps requests an OIDC token.",
                job.id
            ),
        )
        .job(Some(job.id));
    }
}
