//! The gaps each seed report lists ("Missing Workflows", "Critical Gaps", "Best
//! Practices", "Go-Live Checklist"), checked on the fixture repositories rebuilt
//! from those reports (`tests/repos/seed-00N`): what the report says is missing
//! or weakened is reported so, and what it credits is recognised as present.
//! Where a report is wrong (it misses a capability the repository has), the
//! repository's truth wins and the line says so.

use pipewise::audit::audit_path;
use pipewise::report::CapabilityStatus::{self, *};
use std::path::Path;

fn check(seed: &str, expected: &[(&str, CapabilityStatus, &str)], stack: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/repos")
        .join(seed);
    let r = audit_path(&root, None).unwrap();
    let mut unmet = vec![];
    for (id, status, why) in expected {
        let Some(c) = r.capabilities.iter().find(|c| c.id == *id) else {
            unmet.push(format!("{id}: not reported"));
            continue;
        };
        if c.status != *status {
            unmet.push(format!(
                "{id}: {:?}, expected {status:?} ({why}); reason {:?}, evidence {:?}",
                c.status, c.reason, c.evidence
            ));
        }
        if matches!(c.status, Partial | NotApplicable) && c.reason.is_none() {
            unmet.push(format!("{id}: {:?} without a reason", c.status));
        }
        if matches!(c.status, Present | Partial) && c.evidence.is_empty() {
            unmet.push(format!("{id}: {:?} without evidence", c.status));
        }
    }
    let s = serde_json::to_string(&r.stack).unwrap();
    for want in stack {
        if !s.contains(&format!("\"{want}\"")) {
            unmet.push(format!("stack lacks {want}: {s}"));
        }
    }
    assert!(unmet.is_empty(), "{seed}:\n{}", unmet.join("\n"));
}

#[test]
fn seed_000_nestjs_on_fly() {
    check(
        "seed-000",
        &[
            ("security.dependency-updates", Missing, "Missing Workflow 1"),
            ("security.sast", Missing, "Missing Workflow 2: CodeQL"),
            ("ops.performance-regression", Missing, "Missing Workflow 4"),
            ("ops.backup-verification", Missing, "Missing Workflow 5"),
            // Issue 24: environment reviewers are a setting pipewise cannot see:
            // unknown (no deduction) unless --settings says so.
            (
                "deploy.approval-gate",
                Unknown,
                "CRITICAL-2: environment with no visible approval",
            ),
            (
                "deploy.rollback",
                Partial,
                "CRITICAL-1: the rollback hangs on `read -p`",
            ),
            // CRITICAL-4: the smoke config is missing, so the step fails loudly (reliability/missing-file).
            (
                "deploy.smoke-tests",
                Present,
                "CRITICAL-4: present but broken",
            ),
            (
                "security.container-scan",
                Partial,
                "CRITICAL-5: trivy cannot fail",
            ),
            (
                "deploy.db-backup",
                Partial,
                "HIGH-1: backup failure ignored",
            ),
            // Issue 24: placeholders get no credit (the report's "partial").
            ("ops.monitoring", Missing, "HIGH-5: placeholder monitoring"),
            (
                "ci.coverage",
                Present,
                "MEDIUM-1: collected; the weak upload is a finding",
            ),
            // MEDIUM-2: CI's audit continues on error (a finding), release.yml's fails.
            (
                "security.dependency-audit",
                Present,
                "MEDIUM-2: the same audit gates release.yml",
            ),
            ("ci.timeouts", Missing, "MEDIUM-3"),
            ("ci.concurrency", Missing, "MEDIUM-7"),
            ("ops.load-testing", Present, "k6 workflow"),
            ("delivery.multi-arch", Present, "amd64 + arm64"),
            ("delivery.release-automation", Present, "semantic-release"),
            ("deploy.staging", Present, "fly staging"),
            ("deploy.production", Present, "fly production"),
            ("deploy.progressive", Present, "bluegreen strategy"),
            ("deploy.db-migrations", Present, "release_command"),
            (
                "deploy.migration-validation",
                Present,
                "the report misses the fresh-DB migration in ci.yml",
            ),
        ],
        &[
            "typescript",
            "npm",
            "nestjs",
            "postgresql",
            "prisma",
            "fly.io",
        ],
    );
}

#[test]
fn seed_001_rust_event_mesh() {
    check(
        "seed-001",
        &[
            (
                "deploy.staging",
                Missing,
                "Critical Gaps: no staging environment deployment",
            ),
            (
                "deploy.rollback",
                Missing,
                "Critical Gaps: no automated rollback",
            ),
            (
                "delivery.release-automation",
                Missing,
                "Critical Gaps: no release automation",
            ),
            ("ci.coverage", Missing, "3.1: code coverage missing"),
            (
                "security.container-scan",
                Missing,
                "1.3: images pushed unscanned",
            ),
            ("security.signing", Missing, "4.3: no artifact signing"),
            ("ops.iac", Missing, "2.2: no IaC"),
            (
                "ops.monitoring",
                Missing,
                "Critical Gaps: no monitoring automation",
            ),
            ("delivery.changelog", Missing, "4.2: changelog missing"),
            ("ops.load-testing", Present, "k6"),
            (
                "delivery.container-build",
                Present,
                "docker build & publish",
            ),
            (
                "security.dependency-audit",
                Partial,
                "cargo audit under continue-on-error",
            ),
            (
                "deploy.db-migrations",
                NotApplicable,
                "no migration system of its own",
            ),
        ],
        &["rust", "cargo"],
    );
}

#[test]
fn seed_002_self_certified_pipeline() {
    check(
        "seed-002",
        &[
            ("deploy.staging", Present, "deploy-staging.yml"),
            ("deploy.production", Present, "deploy-production.yml"),
            ("deploy.rollback", Present, "rollback.yml"),
            (
                "deploy.progressive",
                Present,
                "blue-green backend, canary frontend",
            ),
            (
                "deploy.approval-gate",
                Unknown,
                "production-approval environment; its reviewers are not visible",
            ),
            ("ci.e2e-tests", Partial, "Playwright masked with `|| echo`"),
            ("deploy.smoke-tests", Partial, "staging smoke masked"),
            // Scanning after the push is deployment/scan-after-push; the scan itself fails.
            (
                "security.container-scan",
                Present,
                "trivy fails on CRITICAL/HIGH",
            ),
            (
                "ops.notifications",
                Missing,
                "echo placeholders (no credit)",
            ),
            (
                "security.sast",
                Missing,
                "no CodeQL/semgrep despite 'Security 100/100'",
            ),
            // No scanner in CI; GitHub secret scanning is a setting: unknown.
            ("security.secret-scanning", Unknown, "none in CI"),
        ],
        &["nestjs", "nextjs", "prisma", "kubernetes"],
    );
}

#[test]
fn seed_003_django_improvement_plan() {
    check(
        "seed-003",
        &[
            (
                "deploy.migration-validation",
                Present,
                "2.1: makemigrations --check",
            ),
            ("deploy.db-migrations", Present, "7.2: manage.py migrate"),
            (
                "deploy.db-backup",
                Missing,
                "migrations against production with no backup",
            ),
            ("deploy.rollback", Missing, "re-run a previous tag"),
            ("security.sbom", Present, "3.3"),
            ("security.sast", Partial, "Bandit under continue-on-error"),
            ("security.secret-scanning", Unknown, "- (a setting)"),
            ("security.dependency-updates", Missing, "-"),
        ],
        &["python", "django", "postgresql"],
    );
}

#[test]
fn seed_004_placeholder_deploy() {
    check(
        "seed-004",
        &[
            (
                "deploy.staging",
                Missing,
                "Gap 1: the deploy step is a placeholder (no credit)",
            ),
            (
                "deploy.production",
                Missing,
                "Gap 2: no production pipeline",
            ),
            ("deploy.approval-gate", Missing, "Gap 2: no approval gates"),
            ("deploy.rollback", Missing, "Gap 2: no rollback"),
            (
                "deploy.health-check",
                Partial,
                "Gap 3: health checks commented out",
            ),
            (
                "ops.notifications",
                Missing,
                "Gap 4: placeholder notification (no credit)",
            ),
            (
                "deploy.db-migrations",
                Missing,
                "Debt 2: no automated migration strategy",
            ),
            ("ops.monitoring", Missing, "Debt 3: no alerting"),
            (
                "security.container-scan",
                Missing,
                "Debt 1: images never scanned",
            ),
            ("ci.typecheck", Present, "mypy, tsc"),
            ("ci.integration-tests", Present, "PostgreSQL service"),
        ],
        &["python", "typescript", "supabase"],
    );
}
