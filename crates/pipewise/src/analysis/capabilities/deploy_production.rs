//! `deploy.production`: Production deploy.

use super::super::deploy::Tier;
use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
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
    labelled: true,
    doc: Doc {
        present: "a deploy path to production (or unnamed)",
        tools: "deploy paths",
        partial: "only placeholder deploys",
        not_applicable: "no deployable service",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(d: &Detected) -> String {
    let t = templates::target(d);
    if t.name == templates::GENERIC {
        return "Deploy to production from CI. pipewise found no deploy target (fly.toml, vercel.json, netlify.toml, Kubernetes manifests); once one exists, `pipewise scaffold deploy.production` writes a deploy workflow for it.".into();
    }
    format!(
        "Deploy to production from CI on {} (not by hand or from a placeholder step).",
        t.name
    )
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::deploy_workflow(d)
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    super::tier(i, cx, Tier::Production)
}

#[cfg(test)]
verdict_tests![(Missing, [Remove("deploy.yml"), Remove("rollback.yml")]),];
