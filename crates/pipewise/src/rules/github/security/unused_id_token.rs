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
    summary: "`id-token: write` is granted to jobs that plainly cannot use it: no step requests an OIDC token (cloud credentials with a role, trusted publishing, attestations, keyless signing), no third-party action could, and nothing publishes, signs, logs in or deploys.",
    impact: "Any step in those jobs can mint an OIDC token for this repository and assume every cloud role or registry identity that trusts it.",
    doc: r#"
## Why it matters
An OIDC token proves "this is a run of repository X" to AWS, GCP, Azure, PyPI, npm and
Sigstore. Cloud roles that trust the repository accept it without any stored secret.
Granting `id-token: write` to jobs that do not use it lets a compromised dependency or
action in those jobs request such tokens.

pipewise stays silent when it cannot rule a token request out: third-party actions it
does not know, commands that publish, release, deploy, sign, log in or upload, tools
told to use OIDC in `env:` (`DAGGER_CLOUD_TOKEN: oidc`), `core.getIDToken()` in
`actions/github-script`, and hand-made requests to `$ACTIONS_ID_TOKEN_REQUEST_URL`.
Step names do not count (a step named "Deploy to server" that only echoes requests no
token), nor do flags (`manage.py check --deploy`), messages or URLs
(`curl "$BASE_URL/auth/login/"`); registry logins with a password
(`docker/login-action`) and image builds (`docker/build-push-action` without
provenance) are known not to request tokens.

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
      - uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3
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

/// The `id-token: write` line carries a comment naming its user (`# for the credential
/// broker`): the need is declared even if pipewise cannot see the step.
fn documented(doc: &pipewise_yaml::Document, e: &pipewise_yaml::Entry) -> bool {
    let line = doc.line_text(doc.position(e.key.span.start).line);
    line.split_once('#')
        .map(|(_, c)| c.trim().len() > 3)
        .unwrap_or(false)
}

/// Steps whose OIDC use pipewise cannot rule out: third-party actions (their code is
/// not visible; many request tokens for publishing, brokers or signing), and commands
/// that publish, release, deploy, sign or log in (npm/pnpm trusted publishing, `ko`,
/// release scripts).
fn may_use_oidc(step: &crate::workflow::Step) -> bool {
    // `DAGGER_CLOUD_TOKEN: oidc`, `AUTH_MODE: id-token`: a tool told to use OIDC.
    if step.env.is_some_and(mentions_oidc) {
        return true;
    }
    if let Some(a) = step.action() {
        // Cloud logins: `step_uses_oidc` already tells role/OIDC from static keys.
        if a.starts_with("aws-actions/configure-aws-credentials")
            || a.starts_with("google-github-actions/auth")
            || a.starts_with("azure/login")
        {
            return false;
        }
        let owner = a.split('/').next().unwrap_or("");
        let known_no_oidc = matches!(owner, "actions" | "github")
            && !a.starts_with("actions/attest")
            && !a.starts_with("actions/deploy-pages")
            || a.starts_with("docker/setup-")
            || a.starts_with("docker/metadata-action")
            // Registry logins with a username and password, and image builds (their
            // provenance/attestation use is `step_uses_oidc`'s business).
            || a.starts_with("docker/login-action")
            || a.starts_with("docker/build-push-action");
        // `core.getIDToken()` in a github-script step.
        if a == "actions/github-script"
            && step
                .with_str("script")
                .is_some_and(|sc| sc.to_ascii_lowercase().contains("getidtoken"))
        {
            return true;
        }
        // A known action is judged by what it is, not by its step's name.
        return !known_no_oidc;
    }
    let h = command_text(step);
    [
        "publish",
        "release",
        "deploy",
        "sign",
        "login",
        "token",
        "push",
        "upload",
        "attest",
        "provenance",
    ]
    .iter()
    .any(|w| h.contains(w))
}

/// What a `run:` step runs, for the keyword check: its command words without flags
/// (`manage.py check --deploy` is a check) and without `${{ }}` expressions
/// (`steps.deploy.outputs.url` names a step, it does not deploy). The step's name is
/// not part of it: `Deploy to server` over an `echo` requests no token.
fn command_text(step: &crate::workflow::Step) -> String {
    let Some(run) = &step.run else {
        return String::new();
    };
    let Some(script) = &run.script else {
        // Not a POSIX shell body (pwsh, python): keep the whole text.
        return run.text.to_ascii_lowercase();
    };
    let mut out = String::new();
    for c in &script.commands {
        // Messages and URLs (`curl "$BASE_URL/auth/login/"`) are not what runs; a
        // hand-made token request is caught below by its variable.
        let words = if matches!(
            c.base_name(),
            "echo" | "printf" | "curl" | "wget" | "http" | "https" | "jq" | "grep" | "test" | "["
        ) {
            c.words.get(..1).unwrap_or(&[])
        } else {
            &c.words[..]
        };
        for w in words.iter().filter(|w| !w.text.starts_with('-')) {
            let mut t = w.text.as_str();
            while let Some(a) = t.find("${{") {
                out.push_str(&t[..a].to_ascii_lowercase());
                t = t[a..].find("}}").map(|b| &t[a + b + 2..]).unwrap_or("");
            }
            out.push_str(&t.to_ascii_lowercase());
            out.push(' ');
        }
        out.push('\n');
    }
    // Token requests by hand (`curl "$ACTIONS_ID_TOKEN_REQUEST_URL…"`) hide in
    // variables and redirects too.
    if run.text.contains("ACTIONS_ID_TOKEN_REQUEST") {
        out.push_str("token");
    }
    out
}

/// Some value under this node asks for OIDC.
fn mentions_oidc(node: &pipewise_yaml::Node) -> bool {
    let mut found = false;
    node.walk(&mut |n| {
        if let Some(v) = n.as_str() {
            let v = v.to_ascii_lowercase();
            found |= v.contains("oidc") || v.contains("id-token") || v.contains("id_token");
        }
    });
    found
}

fn job_uses_oidc(job: &Job) -> bool {
    // A reusable workflow may need the token: it is not visible here.
    job.uses.is_some()
        || job.get("env").is_some_and(mentions_oidc)
        || job
            .steps
            .iter()
            .any(|s| step_uses_oidc(s) || may_use_oidc(s))
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
        if inheriting.is_empty()
            || wf.root.get("env").is_some_and(mentions_oidc)
            || inheriting.iter().any(|j| job_uses_oidc(j))
            || documented(wf.doc, e)
        {
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
        if job_uses_oidc(job)
            || wf.root.get("env").is_some_and(mentions_oidc)
            || documented(wf.doc, e)
        {
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
