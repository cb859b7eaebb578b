//! `ci.lint`: Linting.

use super::templates;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "ci.lint",
    name: "Linting",
    practice: "Linter/formatter enforced in CI",
    evidence: "a linter/formatter check (eslint, ruff, clippy, rustfmt, golangci-lint, black, prettier, ...)",
    category: Category::Testing,
    optional: false,
    build_minutes: 30,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "a linter/formatter check",
        tools: "eslint, prettier, biome, ruff, black, flake8, pylint, isort, clippy, rustfmt, golangci-lint, gofmt, go vet, rubocop, shellcheck, actionlint, stylelint, ktlint, php-cs-fixer, pre-commit, prek, `npm run lint/format`, checkstyle/spotless/spring-javaformat/PMD bound to a phase `mvn` reaches",
        partial: "weakened",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(d: &Detected) -> String {
    format!(
        "Run the linters and formatters as a required check (`{}`).",
        templates::lang(d).lint
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
        [Replace(
            "ci.yml",
            "run: npm run lint",
            "run: npm run lint || true"
        )]
    ),
    (
        Missing,
        [Replace(
            "ci.yml",
            "      - name: Lint\n        run: npm run lint\n",
            ""
        )]
    ),
    // continue-on-error alone lets a failing lint through ...
    (
        Partial,
        [Replace(
            "ci.yml",
            "      - name: Lint\n        run: npm run lint\n",
            "      - name: Lint\n        id: lint\n        continue-on-error: true\n        run: npm run lint\n"
        )]
    ),
    // ... unless a later step fails the job on its outcome.
    (
        Present,
        [Replace(
            "ci.yml",
            "      - name: Lint\n        run: npm run lint\n",
            "      - name: Lint\n        id: lint\n        continue-on-error: true\n        run: npm run lint\n      - name: Fail on lint errors\n        if: steps.lint.outcome == 'failure'\n        run: exit 1\n"
        )]
    ),
    // A GitLab job under `allow_failure: true` lets a failing lint through too ...
    (
        Partial,
        [
            Replace("ci.yml", "      - name: Lint\n        run: npm run lint\n", ""),
            Write(
                "./.gitlab-ci.yml",
                "lint:\n  allow_failure: true\n  script: [npm run lint]\n"
            )
        ]
    ),
    // ... and without it is a lint.
    (
        Present,
        [
            Replace("ci.yml", "      - name: Lint\n        run: npm run lint\n", ""),
            Write("./.gitlab-ci.yml", "lint:\n  script: [npm run lint]\n")
        ]
    ),
];
