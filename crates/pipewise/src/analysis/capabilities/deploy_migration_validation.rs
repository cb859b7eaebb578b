//! `deploy.migration-validation`: Migration validation.

use super::super::scan::Hit;
use super::templates;
use super::{from_hits, na};
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "deploy.migration-validation",
    name: "Migration validation",
    practice: "Migrations validated in CI",
    evidence:
        "migrations validated in CI (drift check, apply on a fresh DB, destructive-change check)",
    category: Category::Deployment,
    optional: false,
    build_minutes: 120,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "migrations checked in CI",
        tools: "a migration applied in a non-deploy job on push/PR (a job that starts its own database, through `services:` or by hand, is not a deploy job even when a deploy needs it), `prisma migrate diff/validate`, `makemigrations --check`, `alembic check`, squawk, atlas lint, `supabase db lint/diff/reset`",
        partial: "weakened",
        not_applicable: "no migration system",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(d: &Detected) -> String {
    format!(
        "Validate {} migrations in CI: apply them to a fresh database and fail on drift.",
        templates::migration_tool(d)
    )
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::wf(
        ".github/workflows/migration-check.yml",
        templates::migration_check(d)?,
    )
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    let scan = i.scan;
    if !cx.migrations_apply
        && cx.hits("migration").is_empty()
        && cx.hits("migration-check").is_empty()
    {
        return na(cx.no_migrations.as_str());
    }
    let mut hs: Vec<&Hit> = cx.hits("migration-check");
    hs.extend(scan.of("migration").filter(|h| {
        h.job
            .and_then(|j| scan.job(h.wf, j))
            .is_some_and(|f| !f.deploy_ctx && f.on_change)
    }));
    from_hits(&hs, true, scan)
}

#[cfg(test)]
verdict_tests![(
    Missing,
    [
        Remove("migration-check.yml"),
        Replace(
            "ci.yml",
            "run: npx prisma migrate deploy",
            "run: npm run start"
        )
    ]
),];
