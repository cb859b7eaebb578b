//! `ops.performance-regression`: Performance regression.

use super::super::scan::Hit;
use super::{ev, from_hits};
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;
use crate::schema::CapabilityStatus;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "ops.performance-regression",
    name: "Performance regression",
    practice: "PR benchmarks vs baseline",
    evidence: "benchmarks compared against a baseline on pull requests",
    category: Category::Testing,
    optional: true,
    build_minutes: 240,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "benchmarks compared against a baseline",
        tools: "github-action-benchmark, CodSpeed, Bencher, critcmp, benchstat, pytest-benchmark compare, Lighthouse CI, a bench comparison script",
        partial: "benchmarks run but nothing compares them",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Compare benchmarks against the main branch on pull requests (github-action-benchmark, CodSpeed, critcmp).".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(_d: &Detected) -> Option<Template> {
    None
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    let hs = cx.hits(META.id);
    let compare = [
        "benchmark comparison",
        "github-action-benchmark",
        "CodSpeed",
        "Bencher",
        "critcmp",
        "benchstat",
        "pytest-benchmark",
        "lighthouse ci",
        "bencher",
        "asv",
        "hyperfine",
    ];
    let good: Vec<&Hit> = hs
        .iter()
        .copied()
        .filter(|h| compare.contains(&h.tool.as_str()))
        .collect();
    if good.is_empty() && !hs.is_empty() {
        return Verdict {
            status: CapabilityStatus::Partial,
            evidence: hs.iter().take(2).map(|h| ev(h)).collect(),
            reason: Some(
                "benchmarks run, but nothing compares them against a baseline on pull requests"
                    .into(),
            ),
        };
    }
    from_hits(&good, false, i.scan)
}

#[cfg(test)]
verdict_tests![
    (Partial, [Replace("benchmark.yml", "      - name: Fail on a regression above 10%\n        run: node scripts/compare-bench.mjs \"$RUNNER_TEMP/base.json\" bench.json 1.10\n", "")]),
    (Missing, [Remove("benchmark.yml")]),
];
