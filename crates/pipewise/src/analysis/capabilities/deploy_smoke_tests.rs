//! `deploy.smoke-tests`: Smoke tests.

use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "deploy.smoke-tests",
    name: "Smoke tests",
    practice: "Smoke tests against the deployment",
    evidence: "smoke tests against the deployed environment",
    category: Category::Deployment,
    optional: false,
    build_minutes: 120,
    applies: Applies::DeployedService,
};

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    super::after_deploy(i, cx, META.id)
}

#[cfg(test)]
verdict_tests![(
    Missing,
    [Replace(
        "deploy.yml",
        "      - name: Smoke tests\n",
        "      - name: Fetch\n"
    )]
),];
