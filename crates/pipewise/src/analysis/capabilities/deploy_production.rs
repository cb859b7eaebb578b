//! `deploy.production`: Production deploy.

use super::super::deploy::Tier;
use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "deploy.production",
    name: "Production deploy",
    practice: "Production deployed from CI",
    evidence: "deployment to production from CI",
    category: Category::Deployment,
    optional: false,
    build_minutes: 480,
    applies: Applies::DeployedService,
};

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    super::tier(i, cx, Tier::Production)
}

#[cfg(test)]
verdict_tests![(Missing, [Remove("deploy.yml"), Remove("rollback.yml")]),];
