//! `deploy.health-check`: Health check.

use super::templates;
use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
use super::{Detected, Template};
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

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "After deploying, poll the health endpoint with retries (`curl --fail --retry 10 --retry-all-errors`) and fail the deploy when it stays unhealthy.".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::deploy_workflow(d)
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    super::after_deploy(i, cx, META.id)
}

#[cfg(test)]
verdict_tests![(Missing, [Remove("deploy.yml"), Remove("rollback.yml")]),];
