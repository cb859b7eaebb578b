//! `delivery.changelog`: Changelog.

use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "delivery.changelog",
    name: "Changelog",
    practice: "Changelog generated or enforced",
    evidence: "changelog generated or enforced",
    category: Category::Release,
    optional: false,
    build_minutes: 60,
    applies: Applies::Always,
};

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    cx.standard(META.id).or_file(
        i.detected.changelog_file.as_ref(),
        "hand-written changelog",
        "exists, but nothing generates or enforces it",
    )
}

#[cfg(test)]
verdict_tests![
    (Partial, [Remove("release.yml")]),
    (Missing, [Remove("release.yml"), Remove("CHANGELOG.md")]),
];
