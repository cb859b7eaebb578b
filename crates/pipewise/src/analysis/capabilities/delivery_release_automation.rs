//! `delivery.release-automation`: Release automation.

use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "delivery.release-automation",
    name: "Release automation",
    practice: "Automated versioning/release",
    evidence: "automated versioning/release (semantic-release, release-please, changesets, cargo-release, goreleaser, ...)",
    category: Category::Release,
    optional: false,
    build_minutes: 240,
    applies: Applies::Always,
};

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    cx.standard(META.id).or_file(
        i.detected.release_config.as_ref(),
        "release tool configuration",
        "configures a release tool, but no workflow runs it",
    )
}

#[cfg(test)]
verdict_tests![
    (
        Partial,
        [
            Remove("release.yml"),
            Write("release-please-config.json", "{}")
        ]
    ),
    (Missing, [Remove("release.yml")]),
];
