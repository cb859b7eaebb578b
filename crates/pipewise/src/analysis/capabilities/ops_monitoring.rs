//! `ops.monitoring`: Monitoring.

use super::super::scan::{Hit, HitKind};
use super::{from_hits, na, NO_SERVICE};
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "ops.monitoring",
    name: "Monitoring",
    practice: "Post-deploy error-rate checks",
    evidence: "post-deploy monitoring/error-rate checks, monitoring-as-code",
    category: Category::Observability,
    optional: false,
    build_minutes: 240,
    applies: Applies::DeployedService,
    labelled: true,
    doc: Doc {
        present: "post-deploy monitoring or monitoring as code",
        tools: "Sentry/Datadog/New Relic/Checkly, `sentry-cli releases`, `datadog-ci`, `promtool`, error-rate checks, `monitoring/`, `*.rules.yml`, dashboards",
        partial: "placeholder steps",
        not_applicable: "no deployable service",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Check error rates and latency after each deploy (Sentry/Datadog release markers, alert rules as code).".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(_d: &Detected) -> Option<Template> {
    None
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    let d = i.detected;
    let scan = i.scan;
    if !cx.deployable {
        return na(NO_SERVICE);
    }
    // A step named like monitoring counts only around a deploy ("Size
    // monitoring" of a build is not production monitoring).
    let hs: Vec<&Hit> = cx
        .hits(META.id)
        .into_iter()
        .filter(|h| {
            h.kind != HitKind::Named
                || h.job
                    .and_then(|j| scan.job(h.wf, j))
                    .is_some_and(|f| f.deploy_ctx)
        })
        .collect();
    let v = from_hits(&hs, false, scan);
    v.or_files(&d.monitoring_files, "monitoring as code")
}

#[cfg(test)]
verdict_tests![(Missing, [Remove("monitoring/alerts.rules.yml")]),];
