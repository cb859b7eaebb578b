//! `security.secret-scanning`: Secret scanning.

use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;
use crate::schema::CapabilityStatus;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "security.secret-scanning",
    name: "Secret scanning",
    practice: "gitleaks/trufflehog in CI",
    evidence: "secret scanning (gitleaks, trufflehog, ...)",
    category: Category::Security,
    optional: false,
    build_minutes: 20,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "secret scanning",
        tools: "gitleaks, trufflehog, detect-secrets, ggshield, git-secrets, talisman, secretlint",
        partial: "weakened",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Scan commits for secrets (trufflehog or gitleaks) on pushes and pull requests, and enable GitHub push protection.".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(_d: &Detected) -> Option<Template> {
    templates::wf(
        ".github/workflows/secret-scan.yml",
        templates::secret_scan(),
    )
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    let v = cx.standard(META.id);
    if v.status != CapabilityStatus::Missing {
        return v;
    }
    // GitHub secret scanning and push protection are settings.
    match i.settings.and_then(|s| s.secret_scanning) {
        Some(true) => Verdict {
            status: CapabilityStatus::Present,
            evidence: vec![],
            reason: Some("GitHub secret scanning is enabled (--settings)".into()),
        },
        Some(false) => v,
        None => Verdict {
            status: CapabilityStatus::Unknown,
            evidence: vec![],
            reason: Some("no secret scanner runs in CI; GitHub secret scanning and push protection are repository settings pipewise cannot see (export them with --settings)".into()),
        },
    }
}

#[cfg(test)]
verdict_tests![
    (Unknown, [Remove("secret-scan.yml")]),
    (
        Partial,
        [Replace(
            "secret-scan.yml",
            "      - uses: trufflesecurity/trufflehog",
            "      - continue-on-error: true\n        uses: trufflesecurity/trufflehog"
        )]
    ),
];
