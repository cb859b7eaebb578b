//! `deploy.progressive`: Progressive delivery.

use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "deploy.progressive",
    name: "Progressive delivery",
    practice: "Blue-green or canary",
    evidence: "blue-green or canary strategy",
    category: Category::Deployment,
    optional: true,
    build_minutes: 960,
    applies: Applies::DeployedService,
};

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    let v = super::after_deploy(i, cx, META.id);
    v.or_files(i.detected.progressive_config.as_slice(), "deploy strategy")
}

#[cfg(test)]
verdict_tests![(
    Missing,
    [
        Replace(
            "deploy.yml",
            "run: flyctl deploy --remote-only --strategy canary",
            "run: flyctl deploy --remote-only"
        ),
        Replace("fly.toml", "  strategy = \"canary\"\n", "")
    ]
),];
