//! `deploy.progressive`: Progressive delivery.

use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
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
    labelled: true,
    doc: Doc {
        present: "canary or blue-green",
        tools: "`--strategy canary/bluegreen` (fly), fly.toml `strategy`, Argo Rollouts, Cloud Run traffic splits/`--no-traffic`, CodeDeploy, `vercel promote`, canary/blue-green jobs and scripts",
        partial: "weakened",
        not_applicable: "no deployable service",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(d: &Detected) -> String {
    match templates::target(d).progressive {
        Some(p) => format!("Use a progressive strategy (`{p}`) so a bad release reaches only part of the traffic."),
        None => "Use a canary or blue-green strategy (Argo Rollouts, traffic splitting) so a bad release reaches only part of the traffic.".into(),
    }
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(_d: &Detected) -> Option<Template> {
    None
}

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
