//! `ops.iac`: Infrastructure as code.

use super::{missing, na, NO_SERVICE};
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;
use crate::schema::{CapabilityStatus, Evidence};

pub const META: CapabilityMeta = CapabilityMeta {
    id: "ops.iac",
    name: "Infrastructure as code",
    practice: "Terraform/k8s/fly.toml in the repo",
    evidence:
        "infrastructure as code (terraform, pulumi, k8s manifests, helm, kustomize, fly.toml, ...)",
    category: Category::Iac,
    optional: false,
    build_minutes: 960,
    applies: Applies::DeployedService,
    labelled: true,
    doc: Doc {
        present: "infrastructure as code",
        tools: "terraform, pulumi, CDK, serverless, helm, kustomize, k8s manifests, platform configs that declare the deployed resources: fly.toml, render.yaml, wrangler.toml/json/jsonc, heroku.yml, a Heroku `app.json` next to the Procfile, railway.json/toml",
        partial: "—",
        not_applicable: "no deployable service",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Describe the infrastructure as code (terraform, helm, fly.toml, …) and apply it from CI."
        .into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(_d: &Detected) -> Option<Template> {
    None
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    let d = i.detected;
    if d.iac_files.is_empty() {
        return if cx.deployable {
            missing()
        } else {
            na(NO_SERVICE)
        };
    }
    Verdict {
        status: CapabilityStatus::Present,
        evidence: d
            .iac_files
            .iter()
            .take(3)
            .map(|f| Evidence {
                file: f.clone(),
                line: 1,
                note: d.stack.iac.join(", "),
            })
            .collect(),
        reason: None,
    }
}

#[cfg(test)]
verdict_tests![(Missing, [Remove("fly.toml"), Remove("fly.staging.toml")]),];
