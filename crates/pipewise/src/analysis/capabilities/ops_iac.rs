//! `ops.iac`: Infrastructure as code.

use super::{missing, na, NO_SERVICE};
use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
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
};

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
