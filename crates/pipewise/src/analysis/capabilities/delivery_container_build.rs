//! `delivery.container-build`: Container build.

use super::templates;
use super::{na, NO_CONTAINERS};
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;
use crate::schema::{CapabilityStatus, Evidence};
use crate::source::FileKind;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "delivery.container-build",
    name: "Container build",
    practice: "Images built in CI",
    evidence: "container images built in CI",
    category: Category::CiPipeline,
    optional: false,
    build_minutes: 120,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "images built in CI",
        tools: "docker build/buildx/bake, build-push-action, buildah, kaniko, ko, jib, buildpacks",
        partial: "weakened",
        not_applicable: "no containers",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Build the container image in CI (docker/build-push-action with cache).".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::container_workflow(d)
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    if !cx.containers {
        return na(NO_CONTAINERS);
    }
    let v = cx.standard(META.id);
    if v.status == CapabilityStatus::Missing {
        let files: Vec<Evidence> = i
            .repo
            .files_of(FileKind::Dockerfile)
            .take(2)
            .map(|f| Evidence {
                file: f.path.clone(),
                line: 1,
                note: "Dockerfile that no workflow builds".into(),
            })
            .collect();
        if !files.is_empty() {
            return Verdict {
                status: CapabilityStatus::Missing,
                evidence: files,
                reason: None,
            };
        }
    }
    v
}

#[cfg(test)]
verdict_tests![
    (Missing, [Remove("container.yml")]),
    (
        NotApplicable,
        [Remove("container.yml"), Remove("Dockerfile")]
    ),
];
