//! `deploy.db-backup`: Database backup.

use super::templates;
use super::{from_hits, na};
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;
use crate::schema::CapabilityStatus;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "deploy.db-backup",
    name: "Database backup",
    practice: "Backup before production deploys",
    evidence: "database backup before production deploys",
    category: Category::DisasterRecovery,
    optional: false,
    build_minutes: 120,
    applies: Applies::DeployedService,
    labelled: true,
    doc: Doc {
        present: "a backup in a deploy path",
        tools: "pg_dump, mysqldump, mongodump, `fly … backup`, RDS snapshots, `gcloud sql backups/export`, `supabase db dump`, `heroku pg:backups:capture`, backup scripts",
        partial: "the backup's failure is ignored",
        not_applicable: "no migration system",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Back up the database (pg_dump or the provider's snapshot) before production migrations, and let a failed backup stop the deploy.".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::deploy_workflow(d)
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    if !cx.migrations_apply && cx.hits(META.id).is_empty() {
        return na(cx.no_migrations.as_str());
    }
    let v = from_hits(&cx.deploy_hits(META.id), false, i.scan);
    if let (CapabilityStatus::Partial, Some(r)) = (&v.status, &v.reason) {
        let r = format!("backup failure ignored: {r}");
        return Verdict {
            reason: Some(r),
            ..v
        };
    }
    v
}

#[cfg(test)]
verdict_tests![
    (
        Partial,
        [Replace(
            "deploy.yml",
            "run: pg_dump",
            "continue-on-error: true\n        run: pg_dump"
        )]
    ),
    (
        Missing,
        [
            Replace(
                "deploy.yml",
                "run: pg_dump --format=custom --file=\"backup-$GITHUB_SHA.dump\" \"$DATABASE_URL\"",
                "run: echo no backup"
            ),
            Replace(
                "deploy.yml",
                "      - name: Back up the database before migrating\n",
                "      - name: Prepare\n"
            )
        ]
    ),
];
