//! `deploy.health-check`: Health check.

use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
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
    labelled: true,
    doc: Doc {
        present: "a post-deploy health check that retries and can fail",
        tools: "`curl -f` on a health URL with `--retry` or in a loop, `kubectl rollout status`, `kubectl wait`, `helm --wait/--atomic`, `aws ecs wait services-stable`, url-health-check action, Cloud Foundry `cf push/restage --strategy rolling` (also through cloud-gov/cg-cli-tools)",
        partial: "masked, commented out, placeholder",
        not_applicable: "no deployable service",
    },
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
