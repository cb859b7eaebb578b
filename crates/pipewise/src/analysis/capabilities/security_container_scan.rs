//! `security.container-scan`: Container scanning.

use super::{na, NO_CONTAINERS};
use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
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
};

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
