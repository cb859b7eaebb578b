//! `ops.backup-verification`: Backup verification.

use super::super::scan::{Hit, HitKind};
use super::{ev, from_hits, na};
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;
use crate::schema::CapabilityStatus;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "ops.backup-verification",
    name: "Backup verification",
    practice: "Scheduled restore tests",
    evidence: "scheduled verification that backups restore",
    category: Category::DisasterRecovery,
    optional: true,
    build_minutes: 240,
    applies: Applies::DeployedService,
    labelled: true,
    doc: Doc {
        present: "scheduled restore checks",
        tools: "pg_restore, mongorestore, RDS/Cloud SQL restore, restore scripts, in a scheduled workflow",
        partial: "restores exist but not on a schedule",
        not_applicable: "no database",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Restore the latest backup into a scratch database on a schedule and check it.".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(_d: &Detected) -> Option<Template> {
    None
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    let d = i.detected;
    let scan = i.scan;
    if d.stack.databases.iter().all(|x| x == "redis") && d.stack.migrations.is_empty() {
        return na("no database detected");
    }
    let hs: Vec<&Hit> = cx
        .hits(META.id)
        .into_iter()
        .filter(|h| {
            h.job
                .and_then(|j| scan.job(h.wf, j))
                .is_some_and(|f| f.schedule_only)
                || h.job.is_none()
        })
        .collect();
    let v = from_hits(&hs, false, scan);
    // A step named "Restore solution" (`dotnet restore`) is no restore check:
    // names do not count here.
    if v.status == CapabilityStatus::Missing
        && cx.hits(META.id).iter().any(|h| h.kind != HitKind::Named)
    {
        return Verdict {
            status: CapabilityStatus::Partial,
            evidence: cx.hits(META.id).iter().take(2).map(|h| ev(h)).collect(),
            reason: Some("restores run, but not on a schedule".into()),
        };
    }
    v
}

#[cfg(test)]
verdict_tests![(Missing, [Remove("backup-verify.yml")]),];
