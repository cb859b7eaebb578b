//! `ci.e2e-tests`: End-to-end tests.

use super::templates;
use super::{na, NO_SERVICE};
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "ci.e2e-tests",
    name: "End-to-end tests",
    practice: "Browser/E2E tests before release",
    evidence: "end-to-end/browser tests (playwright, cypress, ...)",
    category: Category::Testing,
    optional: false,
    build_minutes: 480,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "browser/end-to-end tests",
        tools: "playwright, cypress (CLI or action), wdio, testcafe, `test:e2e` scripts, `dotnet test` of a test project that references Microsoft.Playwright or Selenium.WebDriver",
        partial: "weakened",
        not_applicable: "no deployable service",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Run end-to-end tests (Playwright or Cypress) against a built app on pull requests.".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::wf(".github/workflows/e2e.yml", templates::e2e(d)?)
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    if !cx.deployable && cx.hits(META.id).is_empty() {
        return na(NO_SERVICE);
    }
    if !i.detected.has_ui(i.repo) && cx.hits(META.id).is_empty() {
        return na(
            "no browser UI: no UI framework, pages or templates detected (a service's API is covered by integration tests)",
        );
    }
    cx.standard(META.id)
}

#[cfg(test)]
verdict_tests![
    (
        Partial,
        [Replace(
            "e2e.yml",
            "run: npx playwright test",
            "run: npx playwright test || true"
        )]
    ),
    (
        Missing,
        [
            Remove("e2e.yml"),
            Write("src/App.tsx", "export const App = () => null;\n")
        ]
    ),
    (NotApplicable, [Remove("e2e.yml")]),
];
