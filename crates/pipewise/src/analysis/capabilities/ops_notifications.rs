//! `ops.notifications`: Notifications.

use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
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
    labelled: true,
    doc: Doc {
        present: "deploy/failure notifications",
        tools: "Slack, Discord, Teams, Telegram, PagerDuty, Zulip, email actions; `curl` to webhook hosts",
        partial: "placeholder, commented out",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Notify the team (Slack, Teams, PagerDuty) when a deploy or the main branch fails.".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(_d: &Detected) -> Option<Template> {
    templates::wf(
        ".github/workflows/notify-failures.yml",
        templates::notify_failures(),
    )
}

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
