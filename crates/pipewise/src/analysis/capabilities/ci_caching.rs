//! `ci.caching`: Dependency caching.

use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "ci.caching",
    name: "Dependency caching",
    practice: "Dependencies cached between runs",
    evidence: "dependency caching (setup-* cache, actions/cache, rust-cache, ...)",
    category: Category::CiPipeline,
    optional: false,
    build_minutes: 20,
    applies: Applies::Always,
};

pub fn verdict(_: &Input, cx: &Cx) -> Verdict {
    cx.standard(META.id)
}

#[cfg(test)]
verdict_tests![(
    Missing,
    [
        Replace("ci.yml", "          cache: npm\n", ""),
        Replace("benchmark.yml", "          cache: npm\n", ""),
        Replace("e2e.yml", "          cache: npm\n", ""),
        Replace("deploy.yml", "          cache: npm\n", ""),
        Replace("release.yml", "          cache: npm\n", ""),
        Replace("migration-check.yml", "          cache: npm\n", "")
    ]
),];
