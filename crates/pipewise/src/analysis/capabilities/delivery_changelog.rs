//! `delivery.changelog`: Changelog.

use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "delivery.changelog",
    name: "Changelog",
    practice: "Changelog generated or enforced",
    evidence: "changelog generated or enforced",
    category: Category::Release,
    optional: false,
    build_minutes: 60,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "generated or enforced changelog",
        tools: "release-please, changesets, semantic-release, git-cliff, conventional-changelog, towncrier, release-drafter, changelog-enforcer, `--generate-notes`",
        partial: "only a hand-written CHANGELOG",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Generate the changelog from commits (release-please, changesets, git-cliff) instead of by hand.".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::release_workflow(d)
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    cx.standard(META.id).or_file(
        i.detected.changelog_file.as_ref(),
        "hand-written changelog",
        "exists, but nothing generates or enforces it",
    )
}

#[cfg(test)]
verdict_tests![
    (Partial, [Remove("release.yml")]),
    (Missing, [Remove("release.yml"), Remove("CHANGELOG.md")]),
];
