//! `security.signing`: Signing & provenance.

use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
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

pub fn verdict(_: &Input, cx: &Cx) -> Verdict {
    cx.standard(META.id)
}

#[cfg(test)]
verdict_tests![(Missing, [Remove("container.yml")]),];
