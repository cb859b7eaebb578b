//! `security.signing`: Signing & provenance.

use super::templates;
use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "security.signing",
    name: "Signing & provenance",
    practice: "Artifacts signed/attested",
    evidence: "artifact or image signing/attestation (cosign, attest-build-provenance, slsa, ...)",
    category: Category::Security,
    optional: false,
    build_minutes: 60,
    applies: Applies::Always,
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Sign images and artifacts (cosign keyless) and attest build provenance.".into()
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
