//! `deploy.staging`: Staging deploy.

use super::super::deploy::Tier;
use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "deploy.staging",
    name: "Staging deploy",
    practice: "Automatic deploy to staging",
    evidence: "automated deployment to a non-production environment",
    category: Category::Deployment,
    optional: false,
    build_minutes: 480,
    applies: Applies::DeployedService,
    labelled: true,
    doc: Doc {
        present: "a deploy path whose environment/job/workflow says staging/dev/qa/test/uat",
        tools: "deploy paths (below)",
        partial: "only placeholder deploys",
        not_applicable: "no deployable service",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(d: &Detected) -> String {
    format!(
        "Deploy every merge to a staging environment on {} before production.",
        templates::target(d).name
    )
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::deploy_workflow(d)
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    super::tier(i, cx, Tier::Staging)
}

#[cfg(test)]
verdict_tests![(Missing, [Remove("deploy.yml")]),];
