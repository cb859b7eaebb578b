//! `deploy.db-migrations`: Database migrations.

use super::templates;
use super::{from_hits, na};
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;
use crate::schema::{CapabilityStatus, Evidence};

pub const META: CapabilityMeta = CapabilityMeta {
    id: "deploy.db-migrations",
    name: "Database migrations",
    practice: "Migrations applied by the pipeline",
    evidence: "migrations applied by the pipeline",
    category: Category::Deployment,
    optional: false,
    build_minutes: 240,
    applies: Applies::DeployedService,
    labelled: true,
    doc: Doc {
        present: "migrations applied by the pipeline",
        tools: "prisma migrate, `manage.py migrate`, alembic upgrade, `rails db:migrate`, flyway, liquibase, golang-migrate, diesel, sqlx, knex, sequelize, typeorm, drizzle-kit (also as a package's binary: `yarn sequelize db:migrate`, `pnpm exec knex …`), `wrangler d1 migrations apply`, `supabase db push`, `artisan migrate`, ecto, `dotnet ef database update`, `flask db upgrade`, fly.toml `release_command`, a Procfile `release:` process or a Cloud Foundry manifest `command:` that migrates (itself or through a script of the repository)",
        partial: "weakened",
        not_applicable: "no migration system (databases seen are listed)",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(d: &Detected) -> String {
    format!(
        "Apply {} migrations in the deploy pipeline, before the new version starts.",
        templates::migration_tool(d)
    )
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(d: &Detected) -> Option<Template> {
    templates::deploy_workflow(d)
}

pub fn verdict(i: &Input, cx: &Cx) -> Verdict {
    if !cx.migrations_apply && cx.hits("migration").is_empty() {
        return na(cx.no_migrations.as_str());
    }
    let v = from_hits(&cx.deploy_hits("migration"), false, i.scan);
    let v = v.or_files(
        i.detected.fly_release_migrates.as_slice(),
        "fly.io release_command runs migrations",
    );
    // The platform's release or start command migrates on every deploy.
    match (v.status, i.detected.platform_migrates.as_ref()) {
        (CapabilityStatus::Missing, Some((file, line))) => Verdict {
            status: CapabilityStatus::Present,
            evidence: vec![Evidence {
                file: file.clone(),
                line: *line,
                note: "the platform's release or start command runs migrations on every deploy"
                    .into(),
            }],
            reason: None,
        },
        _ => v,
    }
}

#[cfg(test)]
verdict_tests![
    (
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
    ),
    // What the platform runs on every deploy: a Procfile's release process through a
    // script of the repository ...
    (
        Present,
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
            ),
            Write(
                "Procfile",
                "web: node dist/server.js\nrelease: ./scripts/release.sh\n"
            ),
            Write(
                "scripts/release.sh",
                "#!/bin/sh\nset -e\nnpx prisma migrate deploy\n"
            )
        ]
    ),
    // ... and not a start command that only starts the server.
    (
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
            ),
            Write(
                "Procfile",
                "web: node dist/server.js\nrelease: ./scripts/release.sh\n"
            ),
            Write(
                "scripts/release.sh",
                "#!/bin/sh\nset -e\nnpx prisma generate\n"
            )
        ]
    ),
];
