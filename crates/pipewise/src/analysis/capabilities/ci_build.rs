//! `ci.build`: Build.

use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "ci.build",
    name: "Build",
    practice: "Build on every push and pull request",
    evidence: "a job that builds/compiles the project on push or pull request",
    category: Category::CiPipeline,
    optional: false,
    build_minutes: 120,
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
            "run: npm run build",
            "run: npm run build || true"
        )]
    ),
    (
        Missing,
        [
            Replace(
                "ci.yml",
                "      - name: Build\n        run: npm run build\n",
                ""
            ),
            Remove("container.yml")
        ]
    ),
];
