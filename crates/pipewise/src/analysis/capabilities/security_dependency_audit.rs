//! `security.dependency-audit`: Dependency audit.

use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "security.dependency-audit",
    name: "Dependency audit",
    practice: "Vulnerable dependencies block CI",
    evidence: "vulnerability audit of dependencies (npm audit, pip-audit, cargo audit/deny, govulncheck, osv-scanner, ...)",
    category: Category::Security,
    optional: false,
    build_minutes: 30,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "vulnerability audit",
        tools: "npm/yarn/pnpm audit (not `audit signatures`), `yarn npm audit`, audit-ci, pip-audit, safety, cargo audit, cargo deny (advisories), govulncheck, osv-scanner, snyk test, bundle-audit, composer audit, `dotnet list --vulnerable`, OWASP dependency-check, dependency-review, trivy fs, grype dir",
        partial: "weakened, `cargo deny check` without advisories",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(d: &Detected) -> String {
    format!("Audit dependencies for known vulnerabilities on pull requests and daily (`{}`), and review new dependencies with dependency-review.", templates::lang(d).audit)
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::wf(
        ".github/workflows/dependency-audit.yml",
        templates::dependency_audit(d),
    )
}

pub fn verdict(_: &Input, cx: &Cx) -> Verdict {
    cx.standard(META.id)
}

#[cfg(test)]
verdict_tests![
    (
        Partial,
        [
            Replace(
                "dependency-audit.yml",
                "run: npm audit --audit-level=high --omit=dev",
                "run: npm audit --audit-level=high --omit=dev || true"
            ),
            Replace(
                "dependency-audit.yml",
                "      - uses: actions/dependency-review-action",
                "      - continue-on-error: true\n        uses: actions/dependency-review-action"
            )
        ]
    ),
    (Missing, [Remove("dependency-audit.yml")]),
];
