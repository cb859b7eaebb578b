//! `deploy.staging`: Staging deploy.

use super::super::deploy::Tier;
use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
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
};

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    super::tier(i, cx, Tier::Staging)
}

#[cfg(test)]
verdict_tests![(Missing, [Remove("deploy.yml")]),];
