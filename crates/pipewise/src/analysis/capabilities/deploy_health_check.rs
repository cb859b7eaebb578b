//! `deploy.health-check`: Health check.

use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "deploy.health-check",
    name: "Health check",
    practice: "Post-deploy health check that can fail",
    evidence: "post-deploy health check with retries that can fail the deploy",
    category: Category::Deployment,
    optional: false,
    build_minutes: 60,
    applies: Applies::DeployedService,
};

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    super::after_deploy(i, cx, META.id)
}

#[cfg(test)]
verdict_tests![(Missing, [Remove("deploy.yml"), Remove("rollback.yml")]),];
