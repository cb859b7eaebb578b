//! `deploy.rollback`: Rollback.

use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
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
};

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
