//! `ci.lint`: Linting.

use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
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
};

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
];
