//! `ci.integration-tests`: Integration tests.

use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
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
            "run: npm test -- --coverage",
            "run: npm test -- --coverage || true"
        )]
    ),
    (Missing, [Remove("ci.yml")]),
];
