//! `security.container-scan`: Container scanning.

use super::templates;
use super::{na, NO_CONTAINERS};
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "security.container-scan",
    name: "Container scanning",
    practice: "Images scanned before push",
    evidence: "image scanning (trivy, grype, snyk container, ...)",
    category: Category::Security,
    optional: false,
    build_minutes: 30,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "image scanning before push",
        tools: "trivy (image), grype, anchore scan-action, snyk container, docker scout, dockle",
        partial: "the scanner cannot fail (scanning after the push is the finding `deployment/scan-after-push`)",
        not_applicable: "no Dockerfile, compose file or image build",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Scan the built image with trivy (`exit-code: 1`) before it is pushed.".into()
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
verdict_tests![(
    Missing,
    [Replace(
        "container.yml",
        "uses: aquasecurity/trivy-action",
        "uses: example/echo-action"
    )]
),];
