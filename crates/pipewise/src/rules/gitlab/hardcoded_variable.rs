//! `gitlab/hardcoded-variable`: a `variables:` entry named like a credential
//! (`*_PASSWORD`, `*_TOKEN`, `*_SECRET`, `*_API_KEY`, …) whose value is a literal
//! that looks like a real secret (long, mixed letters and digits, no `$` reference).
//! Throwaway test-database passwords (`postgres`, `secret`, `password`) are not
//! reported.

use super::{all_variables, credential_name, report_in, where_, GITLAB};
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Platform, Workflow};

pub struct HardcodedVariable;

pub static META: RuleMeta = RuleMeta {
    id: "gitlab/hardcoded-variable",
    title: "Credential committed in `variables:`",
    severity: Severity::High,
    confidence: Confidence::Medium,
    category: Category::Security,
    summary: "A variable named like a password, token or key has a literal, secret-looking value in the CI configuration.",
    impact: "Everyone who can read the repository (and its history, forever) has the credential.",
    doc: r#"
## Why it matters
`.gitlab-ci.yml` is part of the repository: a token written there is readable by every
project member, every fork and every clone, and stays in the history after it is
removed. CI/CD variables (Settings → CI/CD → Variables), masked and protected, keep
it out of the code.

## Bad
```yaml
variables:
  DEPLOY_TOKEN: "x8Yq2mVb7LpR4sTn9KcW"
```

## Good
```yaml
# DEPLOY_TOKEN is a masked, protected CI/CD variable in the project settings
deploy:
  script:
    - ./deploy.sh
```
"#,
    fix: FixMeta {
        description: "Revoke the credential, then store the new one as a masked, protected CI/CD variable.",
        snippet: "# Settings → CI/CD → Variables: DEPLOY_TOKEN (masked, protected)",
        effort_minutes: 20,
    },
    references: &["https://docs.gitlab.com/ci/variables/#for-a-project"],
};

/// Long, with letters and digits, and no placeholder words: a real secret's shape.
fn looks_secret(v: &str) -> bool {
    let v = v.trim();
    // The shape first: most values fail it, and are not lower-cased.
    if !(v.len() >= 12
        && !v.contains(['$', ' ', '/'])
        && v.bytes().any(|b| b.is_ascii_digit())
        && v.bytes().any(|b| b.is_ascii_alphabetic()))
    {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    ![
        "example",
        "changeme",
        "password",
        "secret",
        "dummy",
        "placeholder",
        "xxxx",
        "test",
        "fake",
        "sample",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

impl Rule for HardcodedVariable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn platforms(&self) -> &'static [Platform] {
        GITLAB
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        for var in all_variables(wf) {
            // The value's shape first: most values are short or reference another
            // variable, and the definition's keys and the name are dearer tests.
            if !var.value.as_str().is_some_and(looks_secret) {
                continue;
            }
            // Credentials of the job's own service containers (a test database or
            // identity provider started for the job) are throwaway fixtures.
            if var.def.get("services").is_some() {
                continue;
            }
            let (name, k) = (var.name, var.key);
            if !credential_name(k) {
                continue;
            }
            report_in(
                cx,
                &META,
                wf.path,
                name,
                var.value.span,
                format!("`{k}` in {} has a literal value that looks like a real credential; it is readable by anyone who can read the repository.", where_(name)),
            );
        }
    }
}
