//! Infers the `GITHUB_TOKEN` scopes a job needs from what its steps do (checkout,
//! push, release, package push, SARIF upload, PR comment, deployment, OIDC), and
//! renders the minimal `permissions:` block the permission rules propose.

use crate::keywords::contains_ignore_ascii_case;
use crate::workflow::{Job, Step};
use std::collections::BTreeMap;

/// Scope → (level, reason), e.g. `contents` → (`write`, "creates a release").
pub type Needs = BTreeMap<&'static str, (&'static str, String)>;

fn need(n: &mut Needs, scope: &'static str, level: &'static str, why: String) {
    let e = n.entry(scope).or_insert((level, why.clone()));
    if level == "write" && e.0 != "write" {
        *e = (level, why);
    }
}

/// Whether a step obtains an OIDC token (cloud login, trusted publishing, attestation,
/// keyless signing).
pub fn step_uses_oidc(step: &Step) -> bool {
    let action = step.action().unwrap_or_default();
    let with = |k: &str| step.with_str(k).is_some();
    if action.starts_with("aws-actions/configure-aws-credentials") && with("role-to-assume")
        || action.starts_with("google-github-actions/auth")
            && (with("workload_identity_provider") || with("workload-identity-provider"))
        || action.starts_with("azure/login") && !with("creds")
        || action.starts_with("actions/attest")
        || action.starts_with("actions/deploy-pages")
        || action.starts_with("sigstore/")
        || action.starts_with("pypa/gh-action-pypi-publish") && !with("password")
        || action.starts_with("hashicorp/vault-action") && step.with_str("method") == Some("jwt")
        || action.starts_with("rust-lang/crates-io-auth-action")
        || action.starts_with("codecov/codecov-action") && step.with_str("use_oidc") == Some("true")
        || action.starts_with("docker/github-builder")
        || action.starts_with("slsa-framework/")
        || action.starts_with("chainguard-dev/setup-chainctl")
        || action.starts_with("octo-sts/")
        || action.starts_with("step-security/")
        || action.starts_with("ossf/scorecard-action")
        || action.starts_with("changesets/action")
        || action.starts_with("codspeedhq/action")
        || action.starts_with("anthropics/claude-code-action")
        || action.starts_with("docker/build-push-action") && (with("provenance") || with("attests"))
        || action.starts_with("./")
        || action.starts_with("$/")
        || action.contains("oidc")
        || action.contains("attest")
        || action.contains("publish")
    {
        return true;
    }
    if let Some(w) = step.with {
        let mut found = false;
        w.walk(&mut |n| {
            if let Some(s) = n.as_str() {
                if contains_ignore_ascii_case(s, "id-token")
                    || contains_ignore_ascii_case(s, "oidc")
                {
                    found = true;
                }
            }
        });
        if w.get("use_oidc").is_some() || w.get("use-oidc").is_some() || found {
            return true;
        }
    }
    let f = step.phrases();
    f.has("cosign sign") && !f.has("--key")
        || f.has("cosign attest") && !f.has("--key")
        || f.has("--provenance")
        || f.has("actions_id_token_request")
        || f.has("id-token")
        || f.has("oidc")
        || f.has("gh attestation")
        || f.has("trusted publish")
        || f.has("uv publish") && !f.has("--token")
        || f.has("twine upload") && f.has("trusted")
        || f.has("getidtoken")
        // npm and pnpm publish use trusted publishing (OIDC) when it is configured.
        || f.has("npm publish")
        || f.has("pnpm publish")
        || f.has("yarn npm publish")
        || f.has("changeset publish")
        || f.has("cargo publish")
        || f.has("credential broker")
}

/// Scopes a job's steps need, with the reason for each.
pub fn job_needs(job: &Job) -> Needs {
    let mut n = Needs::new();
    for s in &job.steps {
        step_needs(s, &mut n);
    }
    if job.environment().is_some() {
        // Environments create deployments through the runner itself; no scope needed.
    }
    n
}

fn step_needs(s: &Step, n: &mut Needs) {
    let a = s.action().unwrap_or_default();
    let f = s.phrases();
    if a == "actions/checkout" {
        need(n, "contents", "read", "checks out the repository".into());
    }
    if a.starts_with("softprops/action-gh-release")
        || a.starts_with("ncipollo/release-action")
        || a == "actions/create-release"
        || a == "actions/upload-release-asset"
        || a.starts_with("goreleaser/goreleaser-action")
        || a.starts_with("svenstaro/upload-release-action")
        || f.has("gh release create")
        || f.has("gh release upload")
        || f.has("gh release edit")
    {
        need(
            n,
            "contents",
            "write",
            "creates or updates a release".into(),
        );
    }
    if f.has("git push")
        || a.starts_with("stefanzweifel/git-auto-commit-action")
        || a.starts_with("ad-m/github-push-action")
    {
        need(n, "contents", "write", "pushes commits or tags".into());
    }
    if a.starts_with("peter-evans/create-pull-request") {
        need(n, "contents", "write", "pushes a branch".into());
        need(n, "pull-requests", "write", "opens a pull request".into());
    }
    let ghcr_login = a.starts_with("docker/login-action")
        && s.with_str("registry")
            .map(|r| r.contains("ghcr.io"))
            .unwrap_or(false);
    if ghcr_login || f.has("ghcr.io") && f.has("push") {
        need(
            n,
            "packages",
            "write",
            "pushes to the GitHub container registry".into(),
        );
    }
    if a.starts_with("github/codeql-action/upload-sarif")
        || a.starts_with("github/codeql-action/analyze")
        || (a.starts_with("ossf/scorecard-action") && s.with_str("publish_results").is_some())
    {
        need(
            n,
            "security-events",
            "write",
            "uploads code-scanning (SARIF) results".into(),
        );
    }
    if f.has("gh pr comment")
        || f.has("gh pr review")
        || f.has("gh pr edit")
        || f.has("gh pr merge")
        || a.starts_with("marocchino/sticky-pull-request-comment")
        || a.starts_with("thollander/actions-comment-pull-request")
        || a.starts_with("actions/labeler")
        || a.starts_with("mshick/add-pr-comment")
        || f.has("pulls.createreview")
        || f.has("pulls.update")
    {
        need(
            n,
            "pull-requests",
            "write",
            "comments on or labels pull requests".into(),
        );
    }
    if a.starts_with("peter-evans/create-or-update-comment")
        || f.has("issues.createcomment")
        || f.has("issues.addlabels")
        || f.has("gh issue comment")
        || f.has("gh issue edit")
        || f.has("gh issue close")
        || a.starts_with("actions/stale")
    {
        need(n, "issues", "write", "comments on or labels issues".into());
        if a.starts_with("actions/stale") {
            need(
                n,
                "pull-requests",
                "write",
                "closes stale pull requests".into(),
            );
        }
    }
    if a.starts_with("actions/deploy-pages") {
        need(n, "pages", "write", "deploys GitHub Pages".into());
    }
    if a.starts_with("chrnorm/deployment-action")
        || a.starts_with("bobheadxi/deployments")
        || f.has("/deployments")
    {
        need(n, "deployments", "write", "creates deployments".into());
    }
    if step_uses_oidc(s) {
        need(n, "id-token", "write", "requests an OIDC token".into());
    }
    if a.starts_with("actions/attest") {
        need(
            n,
            "attestations",
            "write",
            "writes build attestations".into(),
        );
    }
}

/// A `permissions:` block for the given needs (`contents: read` when empty).
pub fn render_block(needs: &Needs, indent: &str) -> String {
    let mut s = format!("{indent}permissions:\n");
    if needs.is_empty() {
        s.push_str(&format!("{indent}  contents: read\n"));
    }
    for (scope, (level, why)) in needs {
        s.push_str(&format!("{indent}  {scope}: {level}   # {why}\n"));
    }
    s
}

/// `jobs:` with a minimal block for each job.
pub fn per_job_blocks(jobs: &[&Job]) -> String {
    let mut s = String::from("permissions: {}\njobs:\n");
    for j in jobs {
        s.push_str(&format!("  {}:\n", j.id));
        s.push_str(&render_block(&job_needs(j), "    "));
    }
    s
}
