//! `deploy.db-migrations`: Database migrations.

use super::{from_hits, na};
use super::{Applies, CapabilityMeta, Cx, Input, Verdict};
use crate::finding::Category;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "deploy.db-migrations",
    name: "Database migrations",
    practice: "Migrations applied by the pipeline",
    evidence: "migrations applied by the pipeline",
    category: Category::Deployment,
    optional: false,
    build_minutes: 240,
    applies: Applies::DeployedService,
};

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    if !cx.migrations_apply && cx.hits("migration").is_empty() {
        return na(cx.no_migrations.as_str());
    }
    let v = from_hits(&cx.deploy_hits("migration"), false, i.scan);
    v.or_files(
        i.detected.fly_release_migrates.as_slice(),
        "fly.io release_command runs migrations",
    )
}

#[cfg(test)]
verdict_tests![(
    Missing,
    [
        Replace(
            "deploy.yml",
            "run: npx prisma migrate deploy",
            "run: npm run start"
        ),
        Replace(
            "fly.toml",
            "  release_command = \"npx prisma migrate deploy\"\n",
            ""
        )
    ]
),];
