//! `deploy.preview-environments`: Preview environments.

use super::super::deploy::Tier;
use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
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
    labelled: true,
    doc: Doc {
        present: "per-PR deploys",
        tools: "deploy paths classified preview (environment/job named preview/review, or a PR-only deploy workflow)",
        partial: "placeholder",
        not_applicable: "no deployable service",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Deploy a preview environment for each pull request.".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    // A preview workflow needs the platform.
    if templates::target(d).name == templates::GENERIC {
        return None;
    }
    templates::wf(".github/workflows/preview.yml", templates::preview(d)?)
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    super::tier(i, cx, Tier::Preview)
}

#[cfg(test)]
verdict_tests![(Missing, [Remove("preview.yml")]),];
