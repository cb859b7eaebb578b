//! `ci.caching`: Dependency caching.

use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
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
    labelled: true,
    doc: Doc {
        present: "dependency caching",
        tools: "`cache:` of setup-node/python/java, setup-go, `bundler-cache`, setup-uv `enable-cache`, actions/cache, rust-cache, sccache, buildx `cache-from`, Blacksmith sticky disks",
        partial: "—",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Cache dependencies (`cache:` of the setup-* action, actions/cache, rust-cache).".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::ci_workflow(d)
}

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
