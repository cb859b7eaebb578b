//! `deploy.rollback`: Rollback.

use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "deploy.rollback",
    name: "Rollback",
    practice: "Automated or one-click rollback",
    evidence:
        "automated or one-click rollback (rollback workflow, `rollout undo`, on-failure step)",
    category: Category::DisasterRecovery,
    optional: false,
    build_minutes: 240,
    applies: Applies::DeployedService,
    labelled: true,
    doc: Doc {
        present: "automated or one-click rollback",
        tools: "`kubectl rollout undo`, `helm rollback`/`--atomic`, `flyctl releases rollback`, `vercel rollback`, `heroku rollback`, `wrangler rollback`, a rollback workflow, rollback scripts/steps",
        partial: "the rollback hangs (interactive), is a placeholder, or is masked",
        not_applicable: "no deployable service",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(d: &Detected) -> String {
    format!("Add a one-click rollback workflow for {} and roll back automatically when the post-deploy checks fail.", templates::target(d).name)
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    // A rollback workflow needs the platform.
    if templates::target(d).name == templates::GENERIC {
        return None;
    }
    templates::wf(".github/workflows/rollback.yml", templates::rollback(d))
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    super::after_deploy(i, cx, META.id)
}

#[cfg(test)]
verdict_tests![(
    Missing,
    [
        Remove("rollback.yml"),
        Replace(
            "deploy.yml",
            "      - name: Roll back on failure\n        if: failure()\n",
            "      - name: Redeploy\n        if: always()\n"
        ),
        Replace(
            "deploy.yml",
            "run: flyctl deploy --remote-only --image \"$PREVIOUS_IMAGE\"",
            "run: flyctl status"
        )
    ]
),];
