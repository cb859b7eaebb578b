//! `ci.integration-tests`: Integration tests.

use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "ci.integration-tests",
    name: "Integration tests",
    practice: "Integration suite with services",
    evidence: "integration tests (service containers, `--test`, integration suites)",
    category: Category::Testing,
    optional: false,
    build_minutes: 480,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "integration suites",
        tools: "tests in a job with `services:`, `cargo test --test`, `*integration*` scripts/paths, `mvn verify`, `dotnet test` of a test project that hosts the app or its services (Microsoft.AspNetCore.Mvc.Testing, Testcontainers, Aspire.Hosting.Testing)",
        partial: "weakened",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Run integration tests against real services (service containers for the database).".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    // Without a database there is no service container to test against.
    if templates::services(d).0.is_empty() {
        return None;
    }
    templates::ci_workflow(d)
}

pub fn verdict(_: &Input, cx: &Cx) -> Verdict {
    cx.standard(META.id)
}

#[cfg(test)]
verdict_tests![
    (
        Partial,
        [Replace(
            "ci.yml",
            "run: npm test -- --coverage",
            "run: npm test -- --coverage || true"
        )]
    ),
    (Missing, [Remove("ci.yml")]),
];
