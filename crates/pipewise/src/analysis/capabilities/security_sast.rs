//! `security.sast`: Static analysis (SAST).

use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "security.sast",
    name: "Static analysis (SAST)",
    practice: "CodeQL/semgrep on every PR",
    evidence: "static analysis for security (CodeQL, semgrep, bandit, gosec, ...)",
    category: Category::Security,
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
            "codeql.yml",
            "    name: Analyze (${{ matrix.language }})\n",
            "    name: Analyze (${{ matrix.language }})\n    continue-on-error: true\n"
        )]
    ),
    (Missing, [Remove("codeql.yml")]),
];
