//! Capability analysis end to end: fixture repositories under
//! `tests/fixtures/capabilities/` (a complete one, with each capability's own
//! fixture of `units/<id>/` laid over it, and a bare one) snapshot-tested for
//! stack and capabilities, `--settings` handling, and every template audited by
//! pipewise itself in repositories of several stacks.

use pipewise::analysis::capabilities::IDS;
use pipewise::analysis::settings::RepoSettings;
use pipewise::audit::{audit_path, audit_path_with};
use pipewise::finding::Severity;
use pipewise::report::{CapabilityStatus, RepoReport};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

mod support;

fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/capabilities")
        .join(case)
}

/// The complete repository: `complete/` and every capability's own fixture
/// (`units/<id>/`, files it adds), as the units' tests build it.
fn complete() -> TempDir {
    let dir = TempDir::new().unwrap();
    support::copy_dir(&fixture("complete"), dir.path());
    for unit in support::subdirs(&fixture("units")) {
        support::copy_dir(&unit, dir.path());
    }
    dir
}

fn settings() -> RepoSettings {
    let text = std::fs::read_to_string(fixture("complete.settings.json")).unwrap();
    RepoSettings::parse(&text).unwrap()
}

/// One line per capability, for snapshots and failure messages.
fn render(r: &RepoReport) -> String {
    let mut s = format!("stack: {}\n", serde_json::to_string(&r.stack).unwrap());
    for c in &r.capabilities {
        s.push_str(&format!("{} {:?}", c.id, c.status));
        if let Some(reason) = &c.reason {
            s.push_str(&format!(" — {reason}"));
        }
        s.push('\n');
        for e in &c.evidence {
            s.push_str(&format!("    {}:{} {}\n", e.file, e.line, e.note));
        }
        if let Some(t) = &c.template {
            s.push_str(&format!("    template: {}\n", t.path));
        }
    }
    for p in &r.deploy_paths {
        s.push_str(&format!(
            "deploy path {}:{} job `{}` tier {} target {:?}\n",
            p.file, p.line, p.job, p.tier, p.target
        ));
        for c in &p.checks {
            s.push_str(&format!("    {} {}: {}\n", c.id, c.status, c.note));
        }
    }
    s
}

fn ids_of(r: &RepoReport) -> Vec<&str> {
    r.capabilities.iter().map(|c| c.id.as_str()).collect()
}

#[test]
fn capability_ids_follow_the_documented_vocabulary() {
    // docs/capabilities.md lists the ids of shared/spec/capabilities.md in order.
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/capabilities.md"),
    )
    .unwrap();
    let documented: Vec<&str> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .filter(|id| id.contains('.'))
        .collect();
    assert_eq!(documented, IDS);
    // And the vocabulary itself (the spec's copy in docs/).
    let spec = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/capability-vocabulary.md"),
    )
    .unwrap();
    let ids: Vec<&str> = spec
        .lines()
        .filter(|l| l.starts_with("| "))
        .filter_map(|l| l.split('|').nth(1))
        .map(str::trim)
        .filter(|id| id.contains('.') && !id.contains(' '))
        .collect();
    assert_eq!(ids, IDS);
}

/// The tables of the docs that restate the units' metadata, generated from
/// `capabilities::ALL`: the vocabulary (`docs/capability-vocabulary.md`), the
/// optional capabilities' bonus and each capability's category (`docs/scoring.md`),
/// and each capability's row of `docs/capabilities.md` (its `META.doc`).
/// A new capability's file is all they need: `PIPEWISE_UPDATE_DOCS=1 cargo test -p
/// pipewise --test capabilities doc_tables` rewrites them between their markers.
#[test]
fn doc_tables_are_generated_from_the_units() {
    use pipewise::analysis::capabilities::ALL;
    use pipewise::scoring::{CATEGORY_WEIGHTS, OPTIONAL_BONUS};
    let mut vocabulary = "| id | present when the repository has |\n|---|---|\n".to_string();
    for u in ALL {
        vocabulary.push_str(&format!("| {} | {} |\n", u.meta.id, u.meta.evidence));
    }
    let mut bonus =
        "     | Optional capability | Bonus (points of 10) |\n     |---|---|\n".to_string();
    for u in ALL.iter().filter(|u| u.meta.optional) {
        bonus.push_str(&format!(
            "     | `{}` | {:.2} |\n",
            u.meta.id,
            f64::from(OPTIONAL_BONUS) / 100.0
        ));
    }
    let mut category = "| Capability | Category |\n|---|---|\n".to_string();
    for (cat, _) in CATEGORY_WEIGHTS {
        for u in ALL.iter().filter(|u| u.meta.category == cat) {
            category.push_str(&format!("| `{}` | `{}` |\n", u.meta.id, cat.id()));
        }
    }
    let mut rows = "| id | present when | tools recognised | partial when | not applicable when |\n|---|---|---|---|---|\n".to_string();
    for u in ALL {
        let d = &u.meta.doc;
        let new = if u.meta.labelled {
            ""
        } else {
            " (new: not yet in the labelled set)"
        };
        rows.push_str(&format!(
            "| `{}` | {}{new} | {} | {} | {} |\n",
            u.meta.id, d.present, d.tools, d.partial, d.not_applicable
        ));
    }
    let update = std::env::var_os("PIPEWISE_UPDATE_DOCS").is_some();
    let mut stale = vec![];
    for (doc, name, table) in [
        ("docs/capability-vocabulary.md", "vocabulary", vocabulary),
        ("docs/scoring.md", "optional-bonus", bonus),
        ("docs/scoring.md", "capability-category", category),
        ("docs/capabilities.md", "capabilities", rows),
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(doc);
        let text = std::fs::read_to_string(&path).unwrap();
        let start = format!("<!-- generated from the capability units: {name} -->\n");
        let end = format!("<!-- end of {name} -->");
        let a = text
            .find(&start)
            .unwrap_or_else(|| panic!("{doc}: no `{start}`"));
        let a = a + start.len();
        let b = a + text[a..]
            .find(&end)
            .unwrap_or_else(|| panic!("{doc}: no `{end}`"));
        // The end marker keeps the indentation of the table it closes.
        let b = text[..b].rfind('\n').map_or(b, |n| n + 1);
        if text[a..b] == table {
            continue;
        }
        if update {
            std::fs::write(&path, format!("{}{table}{}", &text[..a], &text[b..])).unwrap();
        } else {
            stale.push(format!("{doc} ({name}) should be:\n{table}"));
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated tables: they come from the capability units' files \
         (`capabilities::ALL`), so a new or changed capability needs only \
         `PIPEWISE_UPDATE_DOCS=1 cargo test -p pipewise --test capabilities doc_tables` \
         to rewrite them (and `INSTA_UPDATE=always` for the complete and bare snapshots):\n{}",
        stale.join("\n")
    );
}

#[test]
fn complete_repository_has_every_capability() {
    let r = audit_path_with(complete().path(), None, Some(&settings())).unwrap();
    assert_eq!(ids_of(&r), IDS, "every id once, in the spec's order");
    let not_present: Vec<String> = r
        .capabilities
        .iter()
        .filter(|c| c.status != CapabilityStatus::Present)
        .map(|c| format!("{} {:?} {:?}", c.id, c.status, c.reason))
        .collect();
    assert!(not_present.is_empty(), "{not_present:#?}\n{}", render(&r));
    assert!(r
        .capabilities
        .iter()
        .all(|c| !c.evidence.is_empty() && c.recommendation.is_none()));
    let worst = r.findings.iter().map(|f| f.severity).max();
    assert!(
        worst.is_none_or(|s| s < Severity::Medium),
        "{:#?}",
        r.findings
    );
    insta::assert_snapshot!("complete", render(&r));
}

#[test]
fn approval_gate_is_unknown_without_settings() {
    let r = audit_path(complete().path(), None).unwrap();
    let gate = r
        .capabilities
        .iter()
        .find(|c| c.id == "deploy.approval-gate")
        .unwrap();
    // A setting pipewise cannot see: unknown (no credit, no deduction).
    assert_eq!(gate.status, CapabilityStatus::Unknown);
    assert!(
        gate.reason.as_deref().unwrap().contains("--settings"),
        "{gate:?}"
    );
    // Everything else does not depend on settings.
    let others = r
        .capabilities
        .iter()
        .filter(|c| c.id != "deploy.approval-gate")
        .all(|c| c.status == CapabilityStatus::Present);
    assert!(others, "{}", render(&r));
    // Settings that list production without reviewers: missing.
    let unprotected = RepoSettings::parse(r#"{"environments":[{"name":"production"}]}"#).unwrap();
    let r = audit_path_with(complete().path(), None, Some(&unprotected)).unwrap();
    let gate = r
        .capabilities
        .iter()
        .find(|c| c.id == "deploy.approval-gate")
        .unwrap();
    assert_eq!(gate.status, CapabilityStatus::Missing, "{gate:?}");
}

#[test]
fn bare_repository_gets_recommendations_and_templates() {
    let r = audit_path(&fixture("bare"), None).unwrap();
    assert_eq!(ids_of(&r), IDS);
    for c in &r.capabilities {
        match c.status {
            CapabilityStatus::Missing => {
                assert!(c.recommendation.is_some(), "{} has no recommendation", c.id)
            }
            CapabilityStatus::NotApplicable => {
                assert!(
                    c.reason.is_some(),
                    "{} is not applicable without a reason",
                    c.id
                )
            }
            // GitHub secret scanning is a setting, with or without CI.
            CapabilityStatus::Unknown if c.id == "security.secret-scanning" => {
                assert!(c.reason.as_deref().unwrap_or("").contains("--settings"))
            }
            s => panic!("{} is {s:?} in a repository without CI", c.id),
        }
    }
    let with_template = r
        .capabilities
        .iter()
        .filter(|c| c.template.is_some())
        .count();
    assert!(with_template >= 20, "{}", render(&r));
    // A database and containers: migration and container capabilities apply.
    for id in [
        "deploy.db-migrations",
        "deploy.migration-validation",
        "security.container-scan",
        "delivery.container-build",
    ] {
        let c = r.capabilities.iter().find(|c| c.id == id).unwrap();
        assert_eq!(c.status, CapabilityStatus::Missing, "{id}");
    }
    // The migration check is for prisma; the dependabot file lists exactly npm, docker, github-actions.
    let t = |id: &str| {
        r.capabilities
            .iter()
            .find(|c| c.id == id)
            .and_then(|c| c.template.clone())
            .unwrap()
    };
    assert!(t("deploy.migration-validation")
        .content
        .contains("prisma migrate deploy"));
    let dependabot = t("security.dependency-updates").content;
    assert!(
        dependabot.contains("package-ecosystem: npm")
            && dependabot.contains("package-ecosystem: docker")
    );
    assert!(!dependabot.contains("package-ecosystem: pip"));
    assert!(t("security.sast")
        .content
        .contains("language: javascript-typescript"));
    insta::assert_snapshot!("bare", render(&r));
}

#[test]
fn library_without_service_marks_deploy_capabilities_not_applicable() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"lib\"\nversion = \"0.1.0\"\n",
    );
    write(dir.path(), "src/lib.rs", "");
    let r = audit_path(dir.path(), None).unwrap();
    let status = |id: &str| r.capabilities.iter().find(|c| c.id == id).unwrap().status;
    for id in [
        "deploy.production",
        "deploy.db-migrations",
        "security.container-scan",
        "delivery.multi-arch",
        "ci.typecheck",
        "ops.iac",
    ] {
        assert_eq!(status(id), CapabilityStatus::NotApplicable, "{id}");
    }
    assert_eq!(status("ci.unit-tests"), CapabilityStatus::Missing);
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Stack files for the template audits.
fn stacks() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    vec![
        (
            "node-prisma-fly-docker",
            vec![
                ("package.json", r#"{"scripts":{"build":"tsc","lint":"eslint .","test":"vitest run"},"dependencies":{"@prisma/client":"5.22.0","fastify":"5.1.0"},"devDependencies":{"typescript":"5.6.3"}}"#),
                ("package-lock.json", "{}"),
                ("tsconfig.json", "{}"),
                ("prisma/schema.prisma", "datasource db {\n  provider = \"postgresql\"\n  url = env(\"DATABASE_URL\")\n}\n"),
                ("Dockerfile", "FROM node:22-alpine\n"),
                ("fly.toml", "app = \"x\"\n"),
            ],
        ),
        (
            "next-vercel-pnpm",
            vec![
                ("package.json", r#"{"scripts":{"build":"next build","lint":"next lint","test":"vitest run"},"dependencies":{"next":"15.0.3","react":"19.0.0"}}"#),
                ("pnpm-lock.yaml", "lockfileVersion: '9.0'\n"),
                ("tsconfig.json", "{}"),
                ("vercel.json", "{}"),
            ],
        ),
        (
            "django-k8s",
            vec![
                ("requirements.txt", "django==5.1.3\npsycopg[binary]==3.2.3\n"),
                ("manage.py", ""),
                ("app/migrations/__init__.py", ""),
                ("Dockerfile", "FROM python:3.12-slim\n"),
                ("k8s/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\n"),
            ],
        ),
        (
            "uv-alembic-netlify",
            vec![
                ("pyproject.toml", "[project]\nname = \"x\"\ndependencies = [\"fastapi\", \"alembic\", \"asyncpg\"]\n"),
                ("uv.lock", ""),
                ("alembic.ini", ""),
                ("netlify.toml", ""),
            ],
        ),
        (
            "node-nvmrc-python-version",
            vec![
                ("package.json", r#"{"scripts":{"build":"tsc","lint":"eslint .","test":"vitest run"},"devDependencies":{"typescript":"5.6.3"}}"#),
                ("package-lock.json", "{}"),
                (".nvmrc", "20\n"),
                ("tools/requirements.txt", "ruff==0.8.0\n"),
                ("tools/x.py", ""),
                (".python-version", "3.11\n"),
            ],
        ),
        ("rust-lib", vec![("Cargo.toml", "[package]\nname = \"x\"\nversion = \"0.1.0\"\n"), ("src/lib.rs", "")]),
        ("go-service", vec![("go.mod", "module x\n\ngo 1.23\n\nrequire github.com/gin-gonic/gin v1.10.0\n"), ("Dockerfile", "FROM golang:1.23\n")]),
        ("rails", vec![("Gemfile", "gem 'rails'\ngem 'pg'\n"), ("db/migrate/.keep", "")]),
        ("maven", vec![("pom.xml", "<project><artifactId>spring-boot</artifactId></project>\n")]),
    ]
}

#[test]
fn every_template_passes_pipewise_itself() {
    let mut problems = vec![];
    let mut audited = 0;
    for (name, files) in stacks() {
        let base = tempfile::tempdir().unwrap();
        for (p, t) in &files {
            write(base.path(), p, t);
        }
        let repo = pipewise::repo::Repo::load(base.path(), name);
        for id in IDS {
            let Some((_, Some(template))) = pipewise::analysis::scaffold(&repo, id) else {
                continue;
            };
            let dir = tempfile::tempdir().unwrap();
            for (p, t) in &files {
                write(dir.path(), p, t);
            }
            write(dir.path(), &template.path, &template.content);
            let r = audit_path(dir.path(), None).unwrap();
            audited += 1;
            // The stack files are stubs; the template is what is audited.
            for f in r
                .findings
                .iter()
                .filter(|f| f.severity >= Severity::Medium && f.file == template.path)
            {
                problems.push(format!(
                    "{name} {id} {}:{} {} {}",
                    f.file, f.line, f.rule, f.message
                ));
            }
            for e in &r.errors {
                problems.push(format!(
                    "{name} {id} error {}:{} {}",
                    e.file, e.line, e.message
                ));
            }
            let c = r.capabilities.iter().find(|c| c.id == *id).unwrap();
            if c.status == CapabilityStatus::Missing {
                problems.push(format!(
                    "{name} {id}: still missing with its own template ({:?})",
                    c.reason
                ));
            }
        }
    }
    assert!(audited > 100, "only {audited} templates audited");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn stack_detection_per_ecosystem() {
    let want: &[(&str, &[&str])] = &[
        (
            "node-prisma-fly-docker",
            &[
                "typescript",
                "npm",
                "fastify",
                "prisma",
                "postgresql",
                "fly.io",
                "fly",
            ],
        ),
        (
            "next-vercel-pnpm",
            &["typescript", "pnpm", "nextjs", "vercel"],
        ),
        (
            "django-k8s",
            &["python", "pip", "django", "postgresql", "kubernetes"],
        ),
        (
            "uv-alembic-netlify",
            &[
                "python",
                "uv",
                "fastapi",
                "alembic",
                "postgresql",
                "netlify",
            ],
        ),
        ("rust-lib", &["rust", "cargo"]),
        ("go-service", &["go", "gin"]),
        ("rails", &["ruby", "bundler", "rails", "postgresql"]),
        ("maven", &["java", "maven", "spring-boot"]),
        (
            "node-nvmrc-python-version",
            &["javascript", "typescript", "npm", "python"],
        ),
    ];
    for (name, files) in stacks() {
        let dir = tempfile::tempdir().unwrap();
        for (p, t) in &files {
            write(dir.path(), p, t);
        }
        let r = audit_path(dir.path(), None).unwrap();
        let s = serde_json::to_string(&r.stack).unwrap();
        let expected = want
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, w)| *w)
            .unwrap();
        for w in expected {
            assert!(s.contains(&format!("\"{w}\"")), "{name}: {w} not in {s}");
        }
        let go_or_docker = files.iter().any(|(p, _)| *p == "Dockerfile");
        assert_eq!(r.stack.containers, go_or_docker, "{name}");
        // No npm without a package.json.
        if !files.iter().any(|(p, _)| *p == "package.json") {
            assert!(!s.contains("\"npm\""), "{name}: {s}");
        }
    }
}

/// Issue 24: a project that publishes packages and deploys nothing is its own
/// profile (deploy and operations capabilities not applicable, with the reason);
/// one with a deploy-named step, or only pushing images, is not.
#[test]
fn publish_only_profile() {
    let status = |root: &Path, id: &str| {
        let r = audit_path(root, None).unwrap();
        let c = r.capabilities.iter().find(|c| c.id == id).unwrap().clone();
        (c.status, c.reason.unwrap_or_default())
    };
    let wf = |extra: &str| {
        format!(
            "name: Release\non:\n  push:\n    tags: ['v*']\npermissions:\n  contents: read\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: npm ci\n      - run: npm publish\n{extra}"
        )
    };
    let pkg =
        r#"{"name":"cli","version":"1.0.0","dependencies":{"express":"4.21.1","pg":"8.13.1"}}"#;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "package.json", pkg);
    write(dir.path(), ".github/workflows/release.yml", &wf(""));
    let (s, why) = status(dir.path(), "deploy.production");
    assert_eq!(s, CapabilityStatus::NotApplicable, "{why}");
    assert!(why.starts_with("publish-only"), "{why}");
    assert_eq!(
        status(dir.path(), "ops.monitoring").0,
        CapabilityStatus::NotApplicable
    );
    // Not for the capabilities of building and testing.
    assert_eq!(
        status(dir.path(), "ci.unit-tests").0,
        CapabilityStatus::Missing
    );

    // A step named like a deploy: the repository may deploy; gaps stay missing.
    let named = tempfile::tempdir().unwrap();
    write(named.path(), "package.json", pkg);
    write(
        named.path(),
        ".github/workflows/release.yml",
        &wf("      - name: Deploy\n        run: go run ./magefiles cd\n"),
    );
    assert_eq!(
        status(named.path(), "deploy.production").0,
        CapabilityStatus::Missing
    );

    // Only images pushed: a service deployed elsewhere, not publish-only.
    let image = tempfile::tempdir().unwrap();
    write(image.path(), "package.json", pkg);
    write(image.path(), "Dockerfile", "FROM node:22\n");
    write(
        image.path(),
        ".github/workflows/image.yml",
        "name: Image\non:\n  push:\n    branches: [main]\npermissions:\n  contents: read\njobs:\n  image:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: docker build -t ghcr.io/a/b:1 .\n      - run: docker push ghcr.io/a/b:1\n",
    );
    assert_eq!(
        status(image.path(), "deploy.production").0,
        CapabilityStatus::Missing
    );
}

/// Issue 24: end-to-end browser tests apply to a UI, not to a JSON API; names alone
/// make a capability partial at most; a placeholder earns nothing.
#[test]
fn applicability_names_and_placeholders() {
    let cap = |root: &Path, id: &str| {
        let r = audit_path(root, None).unwrap();
        r.capabilities.iter().find(|c| c.id == id).unwrap().clone()
    };
    let api = tempfile::tempdir().unwrap();
    write(
        api.path(),
        "package.json",
        r#"{"name":"api","version":"1.0.0","dependencies":{"express":"4.21.1"}}"#,
    );
    write(api.path(), "src/server.ts", "");
    write(
        api.path(),
        ".github/workflows/deploy.yml",
        "name: Deploy\non:\n  push:\n    branches: [main]\npermissions:\n  contents: read\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - uses: actions/checkout@v4\n      - run: flyctl deploy --remote-only\n      - name: Rollback\n        run: ./scripts/revert.sh\n      - name: Notify the team\n        run: echo \"deployed\"\n",
    );
    write(
        api.path(),
        "scripts/revert.sh",
        "#!/bin/sh\n./tool revert\n",
    );
    let e2e = cap(api.path(), "ci.e2e-tests");
    assert_eq!(e2e.status, CapabilityStatus::NotApplicable, "{e2e:?}");
    let rollback = cap(api.path(), "deploy.rollback");
    assert_eq!(rollback.status, CapabilityStatus::Partial, "{rollback:?}");
    assert!(rollback.reason.unwrap().contains("only a name"));
    let notify = cap(api.path(), "ops.notifications");
    assert_eq!(notify.status, CapabilityStatus::Missing, "{notify:?}");
    assert!(notify.reason.unwrap().contains("placeholder"));

    // The same service with pages: e2e applies.
    write(api.path(), "src/pages/index.tsx", "");
    assert_eq!(
        cap(api.path(), "ci.e2e-tests").status,
        CapabilityStatus::Missing
    );
}

/// Issue 24's "done when": a hardened repository of a stack the fixtures did not
/// have (`tests/repos/hardened-jvm`: Kotlin/Spring Boot API, Gradle, Jib, Flyway,
/// GKE with Helm and an Argo Rollouts canary) scores at least 85, and at least 15
/// above every seed repository; every core capability it has is recognised.
#[test]
fn hardened_jvm_scores_above_every_seed() {
    let repos = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/repos");
    let jvm = audit_path(&repos.join("hardened-jvm"), None).unwrap();
    let gaps: Vec<String> = jvm
        .capabilities
        .iter()
        .filter(|c| {
            matches!(
                c.status,
                CapabilityStatus::Missing | CapabilityStatus::Partial
            ) && !pipewise::scoring::is_optional(&c.id)
        })
        .map(|c| format!("{} {:?} {:?}", c.id, c.status, c.reason))
        .collect();
    assert!(gaps.is_empty(), "{gaps:#?}\n{}", render(&jvm));
    let score = jvm.scores.overall;
    assert!(score >= 85, "hardened-jvm scores {score}\n{}", render(&jvm));
    for seed in ["seed-000", "seed-001", "seed-002", "seed-003", "seed-004"] {
        let s = audit_path(&repos.join(seed), None).unwrap().scores.overall;
        assert!(score >= s + 15, "hardened-jvm {score} vs {seed} {s}");
    }
    // What made it hard: the detections of issue 24 this stack needs.
    let status = |id: &str| jvm.capabilities.iter().find(|c| c.id == id).unwrap().status;
    for id in [
        "ci.caching",                // gradle/actions/setup-gradle
        "security.dependency-audit", // ./gradlew dependencyCheckAnalyze
        "deploy.db-migrations",      // flyway/flyway image in docker run
        "deploy.migration-validation",
        "deploy.progressive", // kubectl argo rollouts, Rollout manifest
        "deploy.rollback",    // kubectl argo rollouts undo
    ] {
        assert_eq!(status(id), CapabilityStatus::Present, "{id}");
    }
    // A JSON API without pages: no browser end-to-end tests are asked for.
    assert_eq!(status("ci.e2e-tests"), CapabilityStatus::NotApplicable);
}

/// Templates take the repository's version files (issue 16): `.nvmrc` and
/// `.python-version` are read by setup-node/setup-python instead of naming a version
/// pipewise picked.
#[test]
fn templates_use_the_repositorys_version_files() {
    let stack = stacks()
        .into_iter()
        .find(|(n, _)| *n == "node-nvmrc-python-version")
        .expect("stack");
    let base = tempfile::tempdir().unwrap();
    for (p, t) in &stack.1 {
        write(base.path(), p, t);
    }
    let repo = pipewise::repo::Repo::load(base.path(), stack.0);
    let mut seen = 0;
    for id in IDS {
        let Some((_, Some(t))) = pipewise::analysis::scaffold(&repo, id) else {
            continue;
        };
        if t.content.contains("actions/setup-node@") {
            seen += 1;
            assert!(
                t.content.contains("node-version-file: .nvmrc") || !t.content.contains("npm ci"),
                "{id}: {}",
                t.content
            );
        }
        assert!(
            !t.content.contains("python-version: \"3.12\""),
            "{id}: {}",
            t.content
        );
    }
    assert!(seen > 0, "no template sets up Node");
}

/// The status and note of check `id` of the deploy path of job `job`.
fn path_check(r: &RepoReport, job: &str, id: &str) -> (String, String) {
    let p = r
        .deploy_paths
        .iter()
        .find(|p| p.job == job)
        .unwrap_or_else(|| panic!("no deploy path `{job}`\n{}", render(r)));
    let c = p.checks.iter().find(|c| c.id == id).unwrap();
    (c.status.clone(), c.note.clone())
}

const CHECKOUT: &str = "      - uses: actions/checkout@v4\n";

/// Issue 24: a deploy path's checks come from its job and what it transitively
/// `needs` (and the jobs after it), never from another deploy path: a staging job is
/// not credited with the production job's backup and health check; a production job
/// that needs a tested staging job is gated on tests.
#[test]
fn deploy_checks_are_scoped_to_the_path() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "package.json",
        r#"{"name":"api","version":"1.0.0","dependencies":{"express":"4.21.1","@prisma/client":"5.0.0"},"devDependencies":{"prisma":"5.0.0"}}"#,
    );
    write(
        dir.path(),
        "prisma/schema.prisma",
        "datasource db {\n  provider = \"postgresql\"\n  url = env(\"DATABASE_URL\")\n}\n",
    );
    write(
        dir.path(),
        ".github/workflows/deploy.yml",
        &format!(
            "name: Deploy\non:\n  push:\n    branches: [main]\npermissions:\n  contents: read\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n{CHECKOUT}      - run: npm ci\n      - run: npm test\n  staging:\n    needs: test\n    runs-on: ubuntu-latest\n    environment: staging\n    steps:\n{CHECKOUT}      - run: flyctl deploy --remote-only --app api-staging\n  production:\n    needs: staging\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n{CHECKOUT}      - run: pg_dump --format=custom --file=backup.dump \"$DATABASE_URL\"\n      - run: npx prisma migrate deploy\n      - run: flyctl deploy --remote-only --app api\n      - run: curl --fail --retry 5 https://api.example.com/health\n"
        ),
    );
    let r = audit_path(dir.path(), None).unwrap();
    // Production: its own backup and health check; gated through staging.
    assert_eq!(path_check(&r, "production", "health-check").0, "pass");
    assert_eq!(
        path_check(&r, "production", "backup-before-migrations").0,
        "pass"
    );
    assert_eq!(path_check(&r, "production", "tests-gate").0, "pass");
    // Staging: none of production's checks.
    for id in ["health-check", "backup-before-migrations", "migrations"] {
        let (s, n) = path_check(&r, "staging", id);
        assert_eq!(s, "fail", "staging {id}: {n}\n{}", render(&r));
    }
    assert_eq!(path_check(&r, "staging", "tests-gate").0, "pass");

    // Across `workflow_run`: CD runs after a successful CI; production needs the
    // staging job that checks CI's conclusion, so it is gated too.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "package.json",
        r#"{"name":"api","version":"1.0.0","dependencies":{"express":"4.21.1"}}"#,
    );
    let ci = |steps: &str| {
        format!("name: CI\non:\n  push:\n    branches: [main]\npermissions:\n  contents: read\njobs:\n  check:\n    runs-on: ubuntu-latest\n    steps:\n{CHECKOUT}      - run: npm ci\n{steps}")
    };
    write(
        dir.path(),
        ".github/workflows/ci.yml",
        &ci("      - run: npm test\n"),
    );
    write(
        dir.path(),
        ".github/workflows/cd.yml",
        &format!("name: CD\non:\n  workflow_run:\n    workflows: [CI]\n    types: [completed]\n    branches: [main]\npermissions:\n  contents: read\njobs:\n  staging:\n    if: github.event.workflow_run.conclusion == 'success'\n    runs-on: ubuntu-latest\n    environment: staging\n    steps:\n{CHECKOUT}      - run: flyctl deploy --remote-only --app api-staging\n  production:\n    needs: staging\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n{CHECKOUT}      - run: flyctl deploy --remote-only --app api\n"),
    );
    // A post-deploy workflow that follows CD: its smoke test counts for CD's paths,
    // not for a deploy workflow it does not follow.
    write(
        dir.path(),
        ".github/workflows/verify.yml",
        "name: Verify\non:\n  workflow_run:\n    workflows: [CD]\n    types: [completed]\npermissions:\n  contents: read\njobs:\n  smoke:\n    runs-on: ubuntu-latest\n    steps:\n      - run: curl --fail --retry 5 https://api.example.com/health\n",
    );
    write(
        dir.path(),
        ".github/workflows/docs.yml",
        &format!("name: Docs\non:\n  push:\n    branches: [main]\npermissions:\n  contents: read\njobs:\n  deploy-docs:\n    runs-on: ubuntu-latest\n    environment: docs-production\n    steps:\n{CHECKOUT}      - run: flyctl deploy --remote-only --app docs\n"),
    );
    let r = audit_path(dir.path(), None).unwrap();
    let (s, n) = path_check(&r, "production", "tests-gate");
    assert_eq!(s, "pass", "{n}");
    assert!(n.contains("needs job `staging`"), "{n}");
    assert_eq!(path_check(&r, "staging", "tests-gate").0, "pass");
    let (s, n) = path_check(&r, "production", "health-check");
    assert_eq!(s, "pass", "{n}\n{}", render(&r));
    assert_eq!(path_check(&r, "staging", "health-check").0, "pass");
    assert_eq!(
        path_check(&r, "deploy-docs", "health-check").0,
        "fail",
        "{}",
        render(&r)
    );

    // The same CD after a CI that runs no tests: nothing gates it.
    write(
        dir.path(),
        ".github/workflows/ci.yml",
        &ci("      - run: npm run build\n"),
    );
    let r = audit_path(dir.path(), None).unwrap();
    for job in ["staging", "production"] {
        let (s, n) = path_check(&r, job, "tests-gate");
        assert_eq!(s, "fail", "{job}: {n}");
    }
}

/// A GitLab template's script that two jobs copy (each job's copy has the template's
/// span and text): each command's evidence is on its own line of the template (the
/// line of a place is computed once per offset, `scan::Ctx::value_line`), and
/// commented-out commands are still found (the comment lines that find nothing are
/// told before the full match, `tools::finds_nothing`).
#[test]
fn gitlab_template_lines_and_commented_out_commands() {
    let dir = TempDir::new().unwrap();
    let ci = "stages: [test]

.checks:
  stage: test
  script:
    - |
      echo \"start\"
      npm ci
      npm audit --audit-level=high
      echo \"between\"
      npx eslint .

unit:
  extends: .checks
  # - npm test
  # - semgrep --config auto
  # - gitleaks detect

integration:
  extends: .checks
  variables:
    X: \"1\"
";
    std::fs::write(dir.path().join(".gitlab-ci.yml"), ci).unwrap();
    std::fs::write(
        dir.path().join("package.json"),
        r#"{"name":"x","scripts":{"test":"jest"}}"#,
    )
    .unwrap();
    let r = audit_path(dir.path(), None).unwrap();
    let mut got = String::new();
    for id in [
        "ci.lint",
        "security.dependency-audit",
        "ci.unit-tests",
        "security.sast",
        "security.secret-scanning",
    ] {
        for c in r.capabilities.iter().filter(|c| c.id == id) {
            for e in &c.evidence {
                got.push_str(&format!("{id} {}:{} {}\n", e.file, e.line, e.note));
            }
        }
    }
    assert_eq!(
        got,
        "ci.lint .gitlab-ci.yml:11 eslint
security.dependency-audit .gitlab-ci.yml:9 npm audit
ci.unit-tests .gitlab-ci.yml:15 npm test (commented out)
security.sast .gitlab-ci.yml:16 semgrep (commented out)
security.secret-scanning .gitlab-ci.yml:17 gitleaks (commented out)
"
    );
}
