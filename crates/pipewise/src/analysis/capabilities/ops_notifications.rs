//! `ops.notifications`: Notifications.

use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "ops.notifications",
    name: "Notifications",
    practice: "Deploy/failure notifications",
    evidence: "deploy/failure notifications (Slack, Discord, Teams, PagerDuty, ...)",
    category: Category::Observability,
    optional: false,
    build_minutes: 30,
    applies: Applies::Always,
};

pub fn verdict(_: &Input, cx: &Cx) -> Verdict {
    cx.standard(META.id)
}

#[cfg(test)]
verdict_tests![
    (
        Partial,
        [
            Remove("notify-failures.yml"),
            Remove("rollback.yml"),
            Replace(
                "deploy.yml",
                "uses: slackapi/slack-github-action",
                "uses: example/echo-action"
            )
        ]
    ),
    (
        Missing,
        [
            Remove("notify-failures.yml"),
            Remove("rollback.yml"),
            Replace(
                "deploy.yml",
                "uses: slackapi/slack-github-action",
                "uses: example/echo-action"
            ),
            Replace(
                "deploy.yml",
                "      - name: Notify\n",
                "      - name: Echo\n"
            )
        ]
    ),
];
