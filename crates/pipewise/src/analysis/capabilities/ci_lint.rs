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
];
