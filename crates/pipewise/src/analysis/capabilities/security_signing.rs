//! `security.signing`: Signing & provenance.

use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
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
    labelled: true,
    doc: Doc {
        present: "signing/attestation",
        tools: "`cosign sign/attest`, attest-build-provenance, attest-sbom, SLSA generator, buildx `provenance: mode=max`, notation, gpg detach-sign, `npm publish --provenance`, sigstore, PyPI trusted publishing (gh-action-pypi-publish without `password`: PEP 740 attestations unless `attestations: false`), importing code-signing certificates for a desktop build (apple-actions/import-codesign-certs)",
        partial: "weakened",
        not_applicable: "—",
    },
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
