//! `pipewise capabilities`: the capability vocabulary (ids for `pipewise scaffold`
//! and the report's capability verdicts), each with its name and what counts as
//! evidence that a repository has it.

use pipewise::analysis::capabilities::IDS;
use pipewise::report::markdown::capability_info;

/// What counts as evidence, per capability id (the capability vocabulary's wording).
const EVIDENCE: &[(&str, &str)] = &[
    ("ci.build", "a job that builds/compiles the project on push or pull request"),
    ("ci.lint", "a linter/formatter check (eslint, ruff, clippy, rustfmt, golangci-lint, black, prettier, ...)"),
    ("ci.typecheck", "a type check where the language has one apart from the compiler (tsc, mypy, pyright)"),
    ("ci.unit-tests", "unit tests run on push or pull request"),
    ("ci.integration-tests", "integration tests (service containers, `--test`, integration suites)"),
    ("ci.e2e-tests", "end-to-end/browser tests (playwright, cypress, ...)"),
    ("ci.coverage", "coverage collected (and better: a threshold enforced or uploaded with failure on error)"),
    ("ci.caching", "dependency caching (setup-* cache, actions/cache, rust-cache, ...)"),
    ("ci.concurrency", "`concurrency` groups on the workflows that need them"),
    ("ci.timeouts", "explicit `timeout-minutes` on jobs"),
    ("security.sast", "static analysis for security (CodeQL, semgrep, bandit, gosec, ...)"),
    ("security.dependency-audit", "vulnerability audit of dependencies (npm audit, pip-audit, cargo audit/deny, govulncheck, osv-scanner, ...)"),
    ("security.secret-scanning", "secret scanning (gitleaks, trufflehog, ...)"),
    ("security.container-scan", "image scanning (trivy, grype, snyk container, ...)"),
    ("security.sbom", "SBOM generation (syft/anchore, buildx sbom, cyclonedx, ...)"),
    ("security.signing", "artifact or image signing/attestation (cosign, attest-build-provenance, slsa, ...)"),
    ("security.dependency-updates", "automated dependency updates (dependabot.yml, renovate config)"),
    ("security.least-privilege", "explicit, minimal `permissions` on workflows/jobs"),
    ("delivery.container-build", "container images built in CI"),
    ("delivery.multi-arch", "multi-platform image builds (where images are built)"),
    ("delivery.release-automation", "automated versioning/release (semantic-release, release-please, changesets, cargo-release, goreleaser, ...)"),
    ("delivery.changelog", "changelog generated or enforced"),
    ("deploy.staging", "automated deployment to a non-production environment"),
    ("deploy.production", "deployment to production from CI"),
    ("deploy.approval-gate", "production deploys behind a protected environment / manual approval / explicit authorization guard"),
    ("deploy.smoke-tests", "smoke tests against the deployed environment"),
    ("deploy.health-check", "post-deploy health check with retries that can fail the deploy"),
    ("deploy.rollback", "automated or one-click rollback (rollback workflow, `rollout undo`, on-failure step)"),
    ("deploy.db-backup", "database backup before production deploys"),
    ("deploy.db-migrations", "migrations applied by the pipeline"),
    ("deploy.migration-validation", "migrations validated in CI (drift check, apply on a fresh DB, destructive-change check)"),
    ("deploy.preview-environments", "per-pull-request preview deployments"),
    ("deploy.progressive", "blue-green or canary strategy"),
    ("ops.notifications", "deploy/failure notifications (Slack, Discord, Teams, PagerDuty, ...)"),
    ("ops.monitoring", "post-deploy monitoring/error-rate checks, monitoring-as-code"),
    ("ops.load-testing", "load/performance tests (k6, locust, gatling, artillery, ...)"),
    ("ops.performance-regression", "benchmarks compared against a baseline on pull requests"),
    ("ops.backup-verification", "scheduled verification that backups restore"),
    ("ops.iac", "infrastructure as code (terraform, pulumi, k8s manifests, helm, kustomize, fly.toml, ...)"),
];

/// What counts as evidence for `id`.
fn evidence(id: &str) -> &'static str {
    EVIDENCE
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, e)| *e)
        .unwrap_or("")
}

/// Every capability in the report's order: a table in Markdown, else aligned text.
pub fn listing(markdown: bool) -> String {
    let mut s = String::new();
    if markdown {
        s.push_str("| Capability | Name | Present when the repository has |\n|---|---|---|\n");
    }
    for id in IDS {
        let name = capability_info(id).0;
        let ev = evidence(id);
        if markdown {
            s.push_str(&format!(
                "| `{id}` | {name} | {} |\n",
                ev.replace('|', "\\|")
            ));
        } else {
            s.push_str(&format!("{id:<30} {name:<28} {ev}\n"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_capability_has_a_name_and_evidence() {
        for id in IDS {
            assert!(!evidence(id).is_empty(), "{id} has no evidence text");
            assert!(!capability_info(id).0.is_empty(), "{id} has no name");
        }
        assert_eq!(
            EVIDENCE.len(),
            IDS.len(),
            "EVIDENCE lists an id that is not a capability"
        );
    }
}
