//! `deploy.approval-gate`: Deployment approval.

use super::super::deploy::{Check, Path, Tier};
use super::templates;
use super::{missing, na, NO_SERVICE};
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;
use crate::schema::{CapabilityStatus, Evidence};

pub const META: CapabilityMeta = CapabilityMeta {
    id: "deploy.approval-gate",
    name: "Deployment approval",
    practice: "Protected environment / approval",
    evidence: "production deploys behind a protected environment / manual approval / explicit authorization guard",
    category: Category::Deployment,
    optional: false,
    build_minutes: 30,
    applies: Applies::DeployedService,
    labelled: true,
    doc: Doc {
        present: "every production path is behind an approval",
        tools: "an environment (its own or one of a job it needs) that `--settings` shows protected, a manual-approval action, an `if:` on `github.actor`/a confirmation input",
        partial: "an environment is used but its protection is not visible (pipewise cannot see repository settings; pass `--settings`)",
        not_applicable: "no deployable service",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Put production deploys behind a GitHub environment with required reviewers (pipewise cannot see repository settings: pass --settings with the exported environments to confirm).".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::deploy_workflow(d)
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    let prod: Vec<&Path> = i
        .paths
        .iter()
        .filter(|p| p.tier == Tier::Production && p.placeholder.is_none())
        .collect();
    if prod.is_empty() {
        return if cx.deployable {
            Verdict {
                reason: Some("no production deploy from CI".into()),
                ..missing()
            }
        } else {
            na(NO_SERVICE)
        };
    }
    let evid = |p: &Path| Evidence {
        file: p.report.file.clone(),
        line: p.report.line,
        note: p
            .report
            .checks
            .iter()
            .find(|c| c.id == "approval")
            .map(|c| c.note.clone())
            .unwrap_or_default(),
    };
    let ev: Vec<Evidence> = prod.iter().take(3).map(|p| evid(p)).collect();
    if prod.iter().all(|p| p.approval == Check::Pass) {
        Verdict {
            status: CapabilityStatus::Present,
            evidence: ev,
            reason: None,
        }
    } else if prod.iter().all(|p| p.approval == Check::Fail) {
        Verdict {
            status: CapabilityStatus::Missing,
            evidence: ev,
            reason: None,
        }
    } else if prod.iter().all(|p| p.approval != Check::Fail) {
        // Decided by environment protection rules, a setting: unknown, no
        // deduction, unless --settings says otherwise.
        let why = prod
            .iter()
            .find(|p| p.approval == Check::Unknown)
            .map(|p| format!("production deploy in job `{}` uses an environment with no visible approval guard: pipewise cannot see repository settings; export environment protection rules with --settings", p.report.job))
            .unwrap_or_default();
        Verdict {
            status: CapabilityStatus::Unknown,
            evidence: ev,
            reason: Some(why),
        }
    } else {
        Verdict {
            status: CapabilityStatus::Partial,
            evidence: ev,
            reason: Some(
                "some production deploys have no protected environment or approval guard".into(),
            ),
        }
    }
}

#[cfg(test)]
verdict_tests![(
    Partial,
    [Replace(
        "deploy.yml",
        "    environment:\n      name: production\n      url: ${{ vars.PRODUCTION_URL }}\n",
        ""
    )]
),];
