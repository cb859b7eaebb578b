//! `ci.coverage`: Coverage.

use super::super::scan::Hit;
use super::from_hits;
use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "ci.coverage",
    name: "Coverage",
    practice: "Coverage collected with a threshold",
    evidence:
        "coverage collected (and better: a threshold enforced or uploaded with failure on error)",
    category: Category::Testing,
    optional: false,
    build_minutes: 30,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "coverage collected",
        tools: "`--coverage`, `--cov`, `-coverprofile`, tarpaulin, llvm-cov, nyc/c8, Codecov/Coveralls, jacoco (goal, or bound to a phase `mvn` reaches)",
        partial: "the collection is weakened (a weak upload next to a sound collection is only a finding)",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Collect coverage, enforce a threshold and upload it with `fail_ci_if_error: true`.".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::ci_workflow(d)
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    // Coverage is collected by the test run; a weak upload (Codecov with
    // `fail_ci_if_error: false`) is a finding, not missing coverage.
    let hs = cx.hits(META.id);
    let collected = hs
        .iter()
        .any(|h| h.weak.is_none() && h.tool != "Codecov" && h.tool != "Coveralls");
    let kept: Vec<&Hit> = hs
        .into_iter()
        .filter(|h| {
            !(collected && h.weak.is_some() && (h.tool == "Codecov" || h.tool == "Coveralls"))
        })
        .collect();
    from_hits(&kept, true, i.scan)
}

#[cfg(test)]
verdict_tests![
    (
        Partial,
        [
            Replace("ci.yml", "run: npm test -- --coverage", "run: npm test"),
            Replace(
                "ci.yml",
                "fail_ci_if_error: true",
                "fail_ci_if_error: false"
            )
        ]
    ),
    (
        Missing,
        [
            Replace("ci.yml", "run: npm test -- --coverage", "run: npm test"),
            Replace(
                "ci.yml",
                "        uses: codecov/codecov-action",
                "        uses: actions/upload-artifact"
            )
        ]
    ),
];
