//! `ci.unit-tests`: Unit tests.

use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "ci.unit-tests",
    name: "Unit tests",
    practice: "Unit tests on push and PR",
    evidence: "unit tests run on push or pull request",
    category: Category::Testing,
    optional: false,
    build_minutes: 240,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "tests on push/PR",
        tools: "jest, vitest, mocha, pytest, rspec, phpunit, `go test`, `cargo test/nextest`, `mvn test`, `gradle test`, `dotnet test`, `mix test`, `npm test`, `make test`, tox/nox, Django's `manage.py test`, what `coverage run [-m] …` runs, turbo/nx `test` tasks",
        partial: "weakened, schedule-only",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(d: &Detected) -> String {
    format!(
        "Run the unit tests on every push and pull request (`{}`).",
        templates::lang(d).test
    )
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::ci_workflow(d)
}

pub fn verdict(_: &Input, cx: &Cx) -> Verdict {
    cx.standard(META.id)
}

#[cfg(test)]
verdict_tests![
    (
        Partial,
        [
            Replace(
                "ci.yml",
                "run: npm test -- --coverage",
                "run: npm test -- --coverage || true"
            ),
            Remove("benchmark.yml")
        ]
    ),
    // `eval "$cmd"` runs what `cmd` holds ...
    (
        Present,
        [
            Replace(
                "ci.yml",
                "run: npm test -- --coverage",
                "run: cmd=\"npx vitest run\"; eval \"$cmd\""
            ),
            Remove("benchmark.yml"),
            Remove("deploy.yml"),
            Remove("release.yml")
        ]
    ),
    // ... and nothing when it holds no test run.
    (
        Missing,
        [
            Replace(
                "ci.yml",
                "run: npm test -- --coverage",
                "run: cmd=\"npx vitest run\"; eval \"$other\""
            ),
            Remove("benchmark.yml"),
            Remove("deploy.yml"),
            Remove("release.yml")
        ]
    ),
    (
        Missing,
        [
            Remove("ci.yml"),
            Remove("benchmark.yml"),
            Remove("deploy.yml"),
            Remove("release.yml")
        ]
    ),
];
