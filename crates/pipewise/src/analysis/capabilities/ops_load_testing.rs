//! `ops.load-testing`: Load testing.

use super::templates;
use super::{na, NO_SERVICE};
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "ops.load-testing",
    name: "Load testing",
    practice: "k6/locust load tests",
    evidence: "load/performance tests (k6, locust, gatling, artillery, ...)",
    category: Category::Testing,
    optional: true,
    build_minutes: 240,
    applies: Applies::DeployedService,
    labelled: true,
    doc: Doc {
        present: "load/performance tests",
        tools: "k6 (CLI, action, image), locust, gatling, artillery, jmeter, vegeta, wrk, hey, autocannon",
        partial: "weakened",
        not_applicable: "no deployable service",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Run load tests (k6) against staging on a schedule, with thresholds that fail the run.".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(_d: &Detected) -> Option<Template> {
    templates::wf(".github/workflows/load-test.yml", templates::load_test())
}

pub fn verdict(_: &Input, cx: &Cx) -> Verdict {
    if !cx.deployable && cx.hits(META.id).is_empty() {
        return na(NO_SERVICE);
    }
    cx.standard(META.id)
}

#[cfg(test)]
verdict_tests![
    (
        Partial,
        [Replace(
            "load-test.yml",
            "run: docker run",
            "continue-on-error: true\n        run: docker run"
        )]
    ),
    (Missing, [Remove("load-test.yml")]),
];
