//! `deploy.preview-environments`: Preview environments.

use super::super::deploy::Tier;
use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "deploy.preview-environments",
    name: "Preview environments",
    practice: "Per-PR preview deployments",
    evidence: "per-pull-request preview deployments",
    category: Category::Deployment,
    optional: true,
    build_minutes: 480,
    applies: Applies::DeployedService,
};

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    super::tier(i, cx, Tier::Preview)
}

#[cfg(test)]
verdict_tests![(Missing, [Remove("preview.yml")]),];
