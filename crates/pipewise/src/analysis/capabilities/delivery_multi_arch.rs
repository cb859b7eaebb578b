//! `delivery.multi-arch`: Multi-arch images.

use super::{na, NO_CONTAINERS};
use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "delivery.multi-arch",
    name: "Multi-arch images",
    practice: "amd64 + arm64 images",
    evidence: "multi-platform image builds (where images are built)",
    category: Category::CiPipeline,
    optional: true,
    build_minutes: 60,
    applies: Applies::Always,
};

pub fn verdict(_: &Input, cx: &Cx) -> Verdict {
    if !cx.containers && cx.hits(META.id).is_empty() {
        return na(NO_CONTAINERS);
    }
    cx.standard(META.id)
}

#[cfg(test)]
verdict_tests![(Missing, [Remove("container.yml")]),];
