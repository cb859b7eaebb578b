//! `security.sbom`: SBOM.

use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "security.sbom",
    name: "SBOM",
    practice: "SBOM generated for every artifact",
    evidence: "SBOM generation (syft/anchore, buildx sbom, cyclonedx, ...)",
    category: Category::Security,
    optional: false,
    build_minutes: 30,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "SBOM generation",
        tools: "syft/anchore sbom-action, buildx `sbom: true`/`--sbom`, cyclonedx tools, cdxgen, `trivy --format cyclonedx/spdx`, `npm sbom`, `docker sbom`",
        partial: "weakened",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Generate an SBOM for every image or release (buildx `sbom: true`, syft).".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::container_workflow(d)
}

pub fn verdict(_: &Input, cx: &Cx) -> Verdict {
    cx.standard(META.id)
}

#[cfg(test)]
verdict_tests![(Missing, [Remove("container.yml")]),];
