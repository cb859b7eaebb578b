//! `delivery.multi-arch`: Multi-arch images.

use super::templates;
use super::{na, NO_CONTAINERS};
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
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
    labelled: true,
    doc: Doc {
        present: "several platforms built",
        tools: "build-push-action `platforms:` with two or more, `--platform a,b`, platforms from the matrix (a list, or one per `include:` entry), a manifest list joining two or more images (`docker manifest create`, `docker buildx imagetools create`)",
        partial: "commented out",
        not_applicable: "no containers",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Build the image for linux/amd64 and linux/arm64 (`platforms:` with QEMU).".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::container_workflow(d)
}

pub fn verdict(_: &Input, cx: &Cx) -> Verdict {
    if !cx.containers && cx.hits(META.id).is_empty() {
        return na(NO_CONTAINERS);
    }
    cx.standard(META.id)
}

#[cfg(test)]
verdict_tests![(Missing, [Remove("container.yml")]),];
