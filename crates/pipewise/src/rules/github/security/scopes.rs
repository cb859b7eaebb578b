//! Infers the `GITHUB_TOKEN` scopes a job needs from what its steps do (checkout,
//! push, release, package push, SARIF upload, PR comment, deployment, OIDC), and
//! renders the minimal `permissions:` block the permission rules propose.

use crate::keywords::{contains_ignore_ascii_case, find_literal};
use crate::workflow::{Job, Step};
use pipewise_catalog::catalog;
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
    let input = |k: &str| step.with_str(k).map(str::to_string);
    if catalog()
        .actions_for(action)
        .any(|e| e.requests_oidc(&input))
        || action.starts_with("./")
        || action.starts_with("$/")
        || find_literal(action, "oidc").is_some()
        || find_literal(action, "attest").is_some()
        || find_literal(action, "publish").is_some()
    {
        return true;
    }
    if let Some(w) = step.with {
        if w.get("use_oidc").is_some() || w.get("use-oidc").is_some() {
            return true;
        }
        let mut found = false;
        w.walk(&mut |n| {
            if let Some(s) = n.as_str().filter(|_| !found) {
                found = contains_ignore_ascii_case(s, "id-token")
                    || contains_ignore_ascii_case(s, "oidc");
            }
        });
        if found {
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
    // What the catalogue says the action needs.
    for e in catalog().actions_for(a) {
        for [scope, level, why] in e.permissions {
            need(n, scope, level, why.to_string());
        }
    }
    if f.has("gh release create") || f.has("gh release upload") || f.has("gh release edit") {
        need(
            n,
            "contents",
            "write",
            "creates or updates a release".into(),
        );
    }
    if f.has("git push") {
        need(n, "contents", "write", "pushes commits or tags".into());
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
    if a.starts_with("ossf/scorecard-action") && s.with_str("publish_results").is_some() {
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
    if f.has("issues.createcomment")
        || f.has("issues.addlabels")
        || f.has("gh issue comment")
        || f.has("gh issue edit")
        || f.has("gh issue close")
    {
        need(n, "issues", "write", "comments on or labels issues".into());
    }
    if f.has("/deployments") {
        need(n, "deployments", "write", "creates deployments".into());
    }
    if step_uses_oidc(s) {
        need(n, "id-token", "write", "requests an OIDC token".into());
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
