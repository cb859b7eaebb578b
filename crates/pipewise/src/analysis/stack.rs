//! Stack detection: languages, package managers, frameworks, databases, migration
//! tools, containers, IaC and deploy targets, from the repository's paths (one pass
//! over the discovered path set), its manifests, a few small config files and the
//! commands and actions of its workflows.

use crate::repo::Repo;
use crate::schema::Stack;
use crate::source::FileKind;
use crate::workflow::Workflow;
use pipewise_catalog::catalog;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What stack detection found, with the details later analyses need.
#[derive(Debug, Default, Clone)]
pub struct Detected {
    /// Dockerfile paths (samples left out), in repository order.
    pub dockerfiles: Vec<String>,
    pub stack: Stack,
    /// `npm run` scripts of every package.json, by package folder (`""` for the
    /// root) and script name.
    pub npm_scripts: BTreeMap<(String, String), String>,
    /// Dependabot ecosystems present, each with the directories that hold it.
    pub ecosystems: BTreeMap<&'static str, BTreeSet<String>>,
    /// Paths of IaC / deploy config files, for evidence.
    pub iac_files: Vec<String>,
    /// fly.toml runs migrations as its `release_command`.
    pub fly_release_migrates: Option<String>,
    /// A command the platform runs on every deploy migrates: a Procfile's `release:`
    /// process or a Cloud Foundry manifest's `command:`, directly or through a script
    /// of the repository (the file and the line of that command).
    pub platform_migrates: Option<(String, usize)>,
    /// A progressive strategy configured in a deploy config file (fly.toml `strategy`).
    pub progressive_config: Option<String>,
    /// Monitoring-as-code files (alert rules, dashboards, synthetic checks).
    pub monitoring_files: Vec<String>,
    /// A CHANGELOG file exists.
    pub changelog_file: Option<String>,
    /// Release tooling configured by a file (.releaserc, release-please config, ...).
    pub release_config: Option<String>,
    /// Version files at the root (`.nvmrc`, `.node-version`, `.python-version`):
    /// templates read the version from them instead of naming one.
    pub version_files: BTreeSet<String>,
    /// The repository's own SHA pins with a version comment, by lowercased action
    /// name: `actions/checkout` → (`actions/checkout@<sha> # v4.2.2`, `[4, 2, 2]`).
    /// The highest version wins. Templates use them instead of the offline table.
    pub action_pins: BTreeMap<String, (String, Vec<u64>)>,
    /// Plugins the `pom.xml` files bind to lifecycle phases (checkstyle, jacoco, …):
    /// what `mvn verify` runs besides the tests.
    pub maven_plugins: Vec<super::maven::Plugin>,
    /// .NET test projects that drive a browser (`ci.e2e-tests`) or host the app or
    /// its services (`ci.integration-tests`): project path, capability, and the
    /// package that says so.
    pub dotnet_tests: Vec<(String, &'static str, &'static str)>,
    /// The hooks of `.pre-commit-config.yaml` (what `pre-commit run` / `prek run`
    /// runs): id, the command words pipewise judges (a local hook's `entry`, else
    /// the id), and the line.
    pub precommit_hooks: Vec<(String, Vec<String>, usize)>,
}

impl Detected {
    /// The body of npm script `name` for a step running in folder `cwd`: that
    /// folder's package.json, else the root's, else any package's.
    pub fn npm_script(&self, cwd: &str, name: &str) -> Option<&str> {
        self.npm_script_at(cwd, name).map(|(_, b)| b)
    }

    /// [`Self::npm_script`] with the folder of the package.json it was found in
    /// (where the scripts that script runs are).
    pub fn npm_script_at(&self, cwd: &str, name: &str) -> Option<(&str, &str)> {
        let cwd = crate::repo::normalize(cwd);
        self.npm_scripts
            .get_key_value(&(cwd, name.to_string()))
            .or_else(|| {
                self.npm_scripts
                    .get_key_value(&(String::new(), name.to_string()))
            })
            .or_else(|| self.npm_scripts.iter().find(|((_, n), _)| n == name))
            .map(|((d, _), b)| (d.as_str(), b.as_str()))
    }
    pub fn has_language(&self, l: &str) -> bool {
        self.stack.languages.iter().any(|x| x == l)
    }
    pub fn has_database(&self) -> bool {
        !self.stack.databases.is_empty() || !self.stack.migrations.is_empty()
    }
    /// The repository has a browser UI: a UI framework, or server-side templates
    /// (`templates/`, `views/`, Thymeleaf, Razor pages).
    pub fn has_ui(&self, repo: &Repo) -> bool {
        self.stack
            .frameworks
            .iter()
            .any(|f| UI_FRAMEWORKS.contains(&f.as_str()))
            || repo.paths.iter().any(|p| {
                !is_sample(p)
                    && (p.ends_with("/templates") && p.contains("src/main/resources")
                        || p.ends_with(".cshtml")
                        || p.ends_with(".razor")
                        || p.ends_with(".html.erb")
                        || p.ends_with(".heex")
                        || p.ends_with(".blade.php")
                        || p.ends_with(".vue")
                        || p.ends_with(".jsx")
                        || p.ends_with(".tsx"))
                    // Browser tests are configured: there is a UI to drive.
                    || ["playwright.config.", "cypress.config.", "cypress.json"]
                        .iter()
                        .any(|c| p.rsplit('/').next().is_some_and(|n| n.starts_with(c)))
            })
    }
    /// The repository builds something that is deployed (not only a library).
    pub fn is_deployable(&self) -> bool {
        self.stack.containers
            || !self.stack.deploy_targets.is_empty()
            || !self.stack.iac.is_empty()
            || self.has_database()
            || self
                .stack
                .frameworks
                .iter()
                .any(|f| SERVER_FRAMEWORKS.contains(&f.as_str()))
    }
}

/// Frameworks whose projects are deployed services or sites.
const SERVER_FRAMEWORKS: &[&str] = &[
    "nextjs",
    "nestjs",
    "express",
    "fastify",
    "nuxt",
    "remix",
    "sveltekit",
    "astro",
    "django",
    "fastapi",
    "flask",
    "rails",
    "laravel",
    "spring-boot",
    "actix-web",
    "axum",
    "rocket",
    "gin",
    "echo",
    "fiber",
    "koa",
    "hono",
    "aspnet",
    "phoenix",
];

/// Frameworks that serve pages people use in a browser: end-to-end browser tests
/// apply to them (a JSON API alone has no UI to drive).
const UI_FRAMEWORKS: &[&str] = &[
    "nextjs",
    "nuxt",
    "remix",
    "sveltekit",
    "astro",
    "react",
    "vue",
    "angular",
    "django",
    "rails",
    "laravel",
    "phoenix",
    "gatsby",
    "svelte",
    "solid",
    "thymeleaf",
];

/// Test fixtures, examples and samples: other projects' files, not this stack.
/// Whether a start or release command migrates: one of its commands is a migration
/// tool's, or runs a script of the repository one of whose commands is (one level).
fn migrates(repo: &Repo, cmd: &str) -> bool {
    let is_migration = |c: &crate::shell::Command| {
        let words: Vec<String> = c
            .words
            .iter()
            .map(|w| w.text.to_ascii_lowercase())
            .collect();
        super::tools::command_matches(&words)
            .iter()
            .any(|m| m.cap == "migration")
    };
    let script = crate::shell::Script::parse(cmd);
    script.commands.iter().any(|c| {
        is_migration(c)
            || crate::repo::called_script(repo, c, "")
                .and_then(|f| repo.read(&f).ok())
                .is_some_and(|body| {
                    crate::shell::Script::parse(&body)
                        .commands
                        .iter()
                        .any(is_migration)
                })
    })
}

pub fn is_sample(path: &str) -> bool {
    // The path's folders (all its parts but the last), compared as bytes: asked of
    // every path of the repository.
    let bytes = path.as_bytes();
    let Some(end) = bytes.iter().rposition(|b| *b == b'/') else {
        return false;
    };
    bytes
        .get(..end)
        .unwrap_or_default()
        .split(|b| *b == b'/')
        .any(|d| {
            matches!(
                d,
                b"fixtures"
                    | b"fixture"
                    | b"testdata"
                    | b"test-data"
                    | b"examples"
                    | b"example"
                    | b"samples"
                    | b"sample"
                    | b"tests"
                    | b"test"
                    | b"__tests__"
                    | b"third_party"
                    | b"vendor"
            )
        })
}

/// The last part of a `/`-separated path (the whole path when it has none).
fn file_name(path: &str) -> &str {
    match path.as_bytes().iter().rposition(|b| *b == b'/') {
        Some(i) => path.get(i + 1..).unwrap_or(path),
        None => path,
    }
}

/// `name` with ASCII letters lowercased, in `buf` when it fits (no allocation for
/// the names of a repository's paths), else in `spill`.
fn lowercased<'b>(name: &str, buf: &'b mut [u8; 64], spill: &'b mut String) -> &'b str {
    if let Some(b) = buf.get_mut(..name.len()) {
        b.copy_from_slice(name.as_bytes());
        b.make_ascii_lowercase();
        // Lowercasing ASCII letters keeps UTF-8 valid.
        if let Ok(s) = std::str::from_utf8(b) {
            return s;
        }
    }
    *spill = name.to_ascii_lowercase();
    spill
}

fn eco(d: &mut Detected, e: &'static str, path: &str) {
    d.ecosystems.entry(e).or_default().insert(dir_of(path));
}

/// Records a `uses: owner/repo@<40-hex sha> # vX.Y.Z` pin in [`Detected::action_pins`].
fn action_pin(d: &mut Detected, src: &str, node: &pipewise_yaml::Node) {
    let Some((name, sha)) = node.as_str().and_then(|u| u.split_once('@')) else {
        return;
    };
    if sha.len() != 40 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return;
    }
    let rest = src.get(node.span.end..).unwrap_or("");
    let comment = rest.lines().next().unwrap_or("").trim();
    let Some(tag) = comment
        .strip_prefix('#')
        .and_then(|c| c.split_whitespace().next())
    else {
        return;
    };
    let version = version_numbers(tag);
    if version.is_empty() {
        return;
    }
    let key = name.to_ascii_lowercase();
    if d.action_pins.get(&key).is_some_and(|(_, v)| *v >= version) {
        return;
    }
    d.action_pins
        .insert(key, (format!("{name}@{sha} # {tag}"), version));
}

/// `v4.2.2` → `[4, 2, 2]`; empty when the tag is not a version.
pub(crate) fn version_numbers(tag: &str) -> Vec<u64> {
    tag.trim_start_matches('v')
        .split('.')
        .map_while(|p| p.parse().ok())
        .take(4)
        .collect()
}

fn dir_of(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((d, _)) => format!("/{d}"),
        None => "/".into(),
    }
}

/// The hooks of the root `.pre-commit-config.yaml` (bounded: 200 hooks). A local
/// hook's `entry` is its command; another hook is judged by its id, whose words
/// name the tool (`ruff-check` → `ruff check`, `cargo-clippy` → `cargo clippy`).
fn precommit_hooks(repo: &Repo) -> Vec<(String, Vec<String>, usize)> {
    let Ok(text) = repo.read(".pre-commit-config.yaml") else {
        return vec![];
    };
    let Ok(doc) = pipewise_yaml::Document::parse(text) else {
        return vec![];
    };
    let mut out = vec![];
    let repos = doc
        .root
        .get("repos")
        .and_then(|r| r.as_seq())
        .unwrap_or(&[]);
    for hook in repos
        .iter()
        .filter_map(|r| r.get("hooks").and_then(|h| h.as_seq()))
        .flatten()
        .take(200)
    {
        let Some(id) = hook.get("id").and_then(|i| i.as_str()) else {
            continue;
        };
        let words: Vec<String> = match hook.get("entry").and_then(|e| e.as_str()) {
            Some(entry) => entry
                .split_whitespace()
                .map(|w| w.to_ascii_lowercase())
                .collect(),
            None => id.split('-').map(|w| w.to_ascii_lowercase()).collect(),
        };
        let line = doc.position(hook.span.start).line;
        out.push((id.to_string(), words, line));
    }
    out
}

/// Detects the stack of a loaded repository.
pub fn detect(repo: &Repo, workflows: &[Workflow]) -> Detected {
    let mut d = Detected {
        version_files: [".nvmrc", ".node-version", ".python-version"]
            .into_iter()
            .filter(|f| repo.paths.contains(*f))
            .map(String::from)
            .collect(),
        ..Detected::default()
    };
    let mut langs: BTreeSet<&'static str> = BTreeSet::new();
    let mut pms: BTreeSet<&'static str> = BTreeSet::new();
    let mut fws: BTreeSet<&'static str> = BTreeSet::new();
    let mut dbs: BTreeSet<&'static str> = BTreeSet::new();
    let mut migs: BTreeSet<&'static str> = BTreeSet::new();
    let mut iac: BTreeSet<&'static str> = BTreeSet::new();
    let mut targets: BTreeSet<&'static str> = BTreeSet::new();
    let has_manage_py = repo
        .paths
        .iter()
        .any(|p| p == "manage.py" || p.ends_with("/manage.py"));

    for p in repo.paths.iter().filter(|p| !is_sample(p)) {
        let name = file_name(p);
        let (mut buf, mut spill) = ([0u8; 64], String::new());
        let lower = lowercased(name, &mut buf, &mut spill);
        let depth = p.bytes().filter(|b| *b == b'/').count();
        match name {
            "package-lock.json" | "npm-shrinkwrap.json" => {
                pms.insert("npm");
            }
            "yarn.lock" => {
                pms.insert("yarn");
            }
            "pnpm-lock.yaml" => {
                pms.insert("pnpm");
            }
            "bun.lockb" | "bun.lock" => {
                pms.insert("bun");
            }
            "tsconfig.json" => {
                langs.insert("typescript");
            }
            "poetry.lock" => {
                pms.insert("poetry");
            }
            "uv.lock" => {
                pms.insert("uv");
            }
            "Pipfile" => {
                pms.insert("pipenv");
            }
            "pdm.lock" => {
                pms.insert("pdm");
            }
            "Gemfile" if depth <= 3 => {
                langs.insert("ruby");
                pms.insert("bundler");
                eco(&mut d, "bundler", p);
            }
            "composer.json" if depth <= 3 => {
                langs.insert("php");
                pms.insert("composer");
                eco(&mut d, "composer", p);
            }
            "artisan" if depth == 0 => {
                fws.insert("laravel");
            }
            "mix.exs" if depth <= 2 => {
                langs.insert("elixir");
                pms.insert("mix");
                eco(&mut d, "mix", p);
            }
            "schema.prisma" => {
                migs.insert("prisma");
            }
            "alembic.ini" => {
                migs.insert("alembic");
            }
            "diesel.toml" => {
                migs.insert("diesel");
            }
            "flyway.conf" | "flyway.toml" => {
                migs.insert("flyway");
            }
            "atlas.hcl" => {
                migs.insert("atlas");
            }
            ".sequelizerc" => {
                migs.insert("sequelize");
            }
            "Chart.yaml" => {
                iac.insert("helm");
                d.iac_files.push(p.clone());
            }
            "kustomization.yaml" | "kustomization.yml" => {
                iac.insert("kustomize");
                d.iac_files.push(p.clone());
            }
            "Pulumi.yaml" | "Pulumi.yml" => {
                iac.insert("pulumi");
                d.iac_files.push(p.clone());
            }
            "cdk.json" => {
                iac.insert("cdk");
                d.iac_files.push(p.clone());
            }
            "serverless.yml" | "serverless.yaml" => {
                iac.insert("serverless");
                targets.insert("aws-lambda");
                d.iac_files.push(p.clone());
            }
            "vercel.json" => {
                targets.insert("vercel");
            }
            "netlify.toml" => {
                targets.insert("netlify");
            }
            "render.yaml" => {
                targets.insert("render");
                iac.insert("render");
                d.iac_files.push(p.clone());
            }
            // Platform configs that declare the deployed resources (workers and
            // their D1/R2/KV bindings; Heroku formation and add-ons; Railway build
            // and deploy settings) are infrastructure as code, like fly.toml and
            // render.yaml.
            "wrangler.toml" | "wrangler.json" | "wrangler.jsonc" => {
                targets.insert("cloudflare-workers");
                iac.insert("wrangler");
                d.iac_files.push(p.clone());
            }
            "firebase.json" => {
                targets.insert("firebase");
            }
            "app.yaml" if depth == 0 => {
                targets.insert("app-engine");
            }
            "heroku.yml" if depth == 0 => {
                targets.insert("heroku");
                iac.insert("heroku");
                d.iac_files.push(p.clone());
            }
            // Heroku's app manifest (formation, add-ons, buildpacks) sits next to the
            // Procfile; an `app.json` elsewhere is something else (Expo, …).
            "app.json" if depth == 0 && repo.paths.contains("Procfile") => {
                iac.insert("heroku");
                d.iac_files.push(p.clone());
            }
            "railway.json" | "railway.toml" => {
                targets.insert("railway");
                iac.insert("railway");
                d.iac_files.push(p.clone());
            }
            "CHANGELOG.md" | "CHANGELOG" | "CHANGES.md" | "HISTORY.md" if depth == 0 => {
                d.changelog_file = Some(p.clone());
            }
            ".releaserc"
            | ".releaserc.json"
            | ".releaserc.yml"
            | ".releaserc.yaml"
            | "release.config.js"
            | "release.config.cjs"
            | "release-please-config.json"
            | ".release-please-manifest.json"
            | "release-plz.toml"
            | ".goreleaser.yml"
            | ".goreleaser.yaml"
            | "cliff.toml"
            | ".changeset"
                if depth == 0 =>
            {
                d.release_config.get_or_insert_with(|| p.clone());
            }
            _ => {}
        }
        if lower.starts_with("fly") && lower.ends_with(".toml") {
            targets.insert("fly.io");
            iac.insert("fly");
            d.iac_files.push(p.clone());
        }
        if lower.starts_with("knexfile.") {
            migs.insert("knex");
        }
        if lower.starts_with("drizzle.config.") {
            migs.insert("drizzle");
        }
        if lower.starts_with("ormconfig.") {
            migs.insert("typeorm");
        }
        if lower.starts_with("db.changelog") || lower.starts_with("liquibase.") {
            migs.insert("liquibase");
        }
        if lower.ends_with(".tf") {
            iac.insert("terraform");
            if !d.iac_files.iter().any(|f| f.ends_with(".tf")) {
                d.iac_files.push(p.clone());
            }
            eco(&mut d, "terraform", p);
        }
        if lower.ends_with(".csproj") || lower.ends_with(".fsproj") || lower.ends_with(".sln") {
            langs.insert("csharp");
            pms.insert("dotnet");
            eco(&mut d, "nuget", p);
        }
        if (lower.ends_with(".yml") || lower.ends_with(".yaml"))
            && (p.starts_with("k8s/")
                || p.starts_with("kubernetes/")
                || p.starts_with("manifests/")
                || p.starts_with("deploy/k8s/")
                || p.starts_with("deploy/kubernetes/")
                || p.starts_with("infra/k8s/")
                || p.starts_with(".k8s/"))
        {
            if !iac.contains("kubernetes") {
                d.iac_files.push(p.clone());
            }
            iac.insert("kubernetes");
            targets.insert("kubernetes");
        }
        // Migration folders.
        if p == "db/migrate" || p.ends_with("/db/migrate") {
            migs.insert("rails");
        }
        if p == "supabase/migrations" {
            migs.insert("supabase");
            targets.insert("supabase");
        }
        if p == "supabase/config.toml" {
            targets.insert("supabase");
            dbs.insert("postgresql");
        }
        if p.ends_with("/migrations/__init__.py") && has_manage_py {
            migs.insert("django");
        }
        if p.ends_with("database/migrations") && fws.contains("laravel") {
            migs.insert("laravel");
        }
        if p.ends_with("priv/repo/migrations") {
            migs.insert("ecto");
        }
        if lower.ends_with(".sql") {
            if lower.ends_with(".up.sql") {
                migs.insert("golang-migrate");
            } else if name.starts_with('V') && name.contains("__") {
                migs.insert("flyway");
            } else if p.contains("migrations/") && !p.starts_with("prisma/") {
                migs.insert("sql");
            }
        }
        if (p.starts_with("monitoring/")
            || p.starts_with("alerts/")
            || p.starts_with("observability/")
            || p.contains("/dashboards/")
            || lower.ends_with(".rules.yml")
            || lower == "checkly.config.ts"
            || lower == "datadog-monitors.json")
            && d.monitoring_files.len() < 8
        {
            d.monitoring_files.push(p.clone());
        }
    }

    for f in repo.files_of(FileKind::Manifest) {
        let name = f.path.rsplit('/').next().unwrap_or(&f.path);
        if is_sample(&f.path) {
            continue;
        }
        let text = f.text();
        match name {
            "package.json" => {
                langs.insert("javascript");
                if pms.is_empty()
                    || !pms
                        .iter()
                        .any(|p| ["npm", "yarn", "pnpm", "bun"].contains(p))
                {
                    pms.insert("npm");
                }
                eco(&mut d, "npm", &f.path);
                let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                node_manifest(
                    f.json(),
                    dir,
                    &mut d,
                    &mut langs,
                    &mut fws,
                    &mut dbs,
                    &mut migs,
                );
            }
            "pyproject.toml" | "setup.py" | "setup.cfg" | "Pipfile" => {
                langs.insert("python");
                if text.contains("[tool.poetry") {
                    pms.insert("poetry");
                }
                if !pms
                    .iter()
                    .any(|p| ["poetry", "uv", "pipenv", "pdm"].contains(p))
                {
                    pms.insert("pip");
                }
                eco(&mut d, "pip", &f.path);
                text_deps(text, has_manage_py, &mut fws, &mut dbs, &mut migs);
            }
            n if n.starts_with("requirements") => {
                langs.insert("python");
                pms.insert("pip");
                eco(&mut d, "pip", &f.path);
                text_deps(text, has_manage_py, &mut fws, &mut dbs, &mut migs);
            }
            "Cargo.toml" => {
                langs.insert("rust");
                pms.insert("cargo");
                eco(&mut d, "cargo", &f.path);
                let t = text.to_ascii_lowercase();
                for (dep, fw) in [
                    ("actix-web", "actix-web"),
                    ("axum", "axum"),
                    ("rocket", "rocket"),
                ] {
                    if t.contains(&format!("\n{dep} ")) || t.contains(&format!("\n{dep}=")) {
                        fws.insert(fw);
                    }
                }
                if t.contains("sqlx") {
                    dbs_from_text(&t, &mut dbs);
                    if repo.exists("migrations") {
                        migs.insert("sqlx");
                    }
                }
                if t.contains("diesel") {
                    dbs_from_text(&t, &mut dbs);
                }
            }
            "go.mod" => {
                langs.insert("go");
                pms.insert("go");
                eco(&mut d, "gomod", &f.path);
                for (dep, fw) in [
                    ("github.com/gin-gonic/gin", "gin"),
                    ("github.com/labstack/echo", "echo"),
                    ("github.com/gofiber/fiber", "fiber"),
                ] {
                    if text.contains(dep) {
                        fws.insert(fw);
                    }
                }
                if text.contains("golang-migrate/migrate") {
                    migs.insert("golang-migrate");
                }
                if text.contains("jackc/pgx") || text.contains("lib/pq") {
                    dbs.insert("postgresql");
                }
                if text.contains("go-sql-driver/mysql") {
                    dbs.insert("mysql");
                }
            }
            "pom.xml" => {
                langs.insert("java");
                pms.insert("maven");
                eco(&mut d, "maven", &f.path);
                if d.maven_plugins.len() < 64 {
                    d.maven_plugins
                        .extend(super::maven::plugins(&f.path, text).into_iter().take(64));
                }
                text_deps(text, false, &mut fws, &mut dbs, &mut migs);
            }
            n if n.starts_with("build.gradle") => {
                langs.insert(if n.ends_with(".kts") {
                    "kotlin"
                } else {
                    "java"
                });
                pms.insert("gradle");
                eco(&mut d, "gradle", &f.path);
                text_deps(text, false, &mut fws, &mut dbs, &mut migs);
            }
            // A Laravel application without its `artisan` in the tree: the framework
            // dependency, and its migrations next to the manifest.
            "composer.json" if text.contains("\"laravel/framework\"") => {
                fws.insert("laravel");
                let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                let migrations = if dir.is_empty() {
                    "database/migrations/".to_string()
                } else {
                    format!("{dir}/database/migrations/")
                };
                if repo
                    .paths
                    .range(migrations.clone()..)
                    .next()
                    .is_some_and(|p| p.starts_with(&migrations))
                {
                    migs.insert("laravel");
                }
            }
            "Gemfile" => {
                if text.contains("'rails'") || text.contains("\"rails\"") {
                    fws.insert("rails");
                }
                let t = text.to_ascii_lowercase();
                if t.contains("'pg'") || t.contains("\"pg\"") {
                    dbs.insert("postgresql");
                }
                if t.contains("mysql2") {
                    dbs.insert("mysql");
                }
            }
            _ => {}
        }
    }
    if pms.contains("poetry") || pms.contains("uv") || pms.contains("pipenv") || pms.contains("pdm")
    {
        pms.remove("pip");
    }
    if (pms.contains("yarn") || pms.contains("pnpm") || pms.contains("bun"))
        && !repo.paths.iter().any(|p| p.ends_with("package-lock.json"))
    {
        pms.remove("npm");
    }
    if langs.contains("typescript") && !langs.contains("javascript") {
        langs.insert("javascript");
    }

    // Containers and the databases of compose files and service containers.
    let dockerfiles = repo
        .files_of(FileKind::Dockerfile)
        .filter(|f| !is_sample(&f.path))
        .count();
    let composes: Vec<_> = repo
        .files_of(FileKind::Compose)
        .filter(|f| !is_sample(&f.path))
        .collect();
    d.stack.containers = dockerfiles > 0 || !composes.is_empty();
    for f in repo
        .files_of(FileKind::Dockerfile)
        .filter(|f| !is_sample(&f.path))
    {
        eco(&mut d, "docker", &f.path);
        d.dockerfiles.push(f.path.clone());
    }
    for c in &composes {
        dbs_from_images(c.text(), &mut dbs);
    }
    if !workflows.is_empty() {
        d.ecosystems
            .entry("github-actions")
            .or_default()
            .insert("/".into());
    }
    let mut seen_scripts: foldhash::HashSet<usize> = Default::default();
    let mut seen_actions: foldhash::HashSet<&str> = Default::default();
    for wf in workflows {
        for job in &wf.jobs {
            for step in &job.steps {
                if let Some(node) = step.uses {
                    action_pin(&mut d, wf.doc.source(), node);
                }
            }
            for s in &job.services {
                if let Some(img) = s.image.and_then(pipewise_yaml::Node::as_str) {
                    dbs_from_images(img, &mut dbs);
                }
            }
            for step in &job.steps {
                // (Each distinct action once: `actions/checkout` is in most jobs.)
                if let Some(a) = step.action().filter(|a| seen_actions.insert(*a)) {
                    for t in action_targets(a) {
                        targets.insert(t);
                    }
                }
                if let Some(script) = step.run.as_ref().and_then(|r| r.script.as_ref()) {
                    // A script several steps share (a GitLab line a template gives
                    // many jobs: one `Arc`) adds the same targets each time.
                    if !seen_scripts.insert(std::sync::Arc::as_ptr(script) as usize) {
                        continue;
                    }
                    for c in &script.commands {
                        let words: Vec<&str> = c.words.iter().map(|w| w.text.as_str()).collect();
                        if let Some(t) = command_target(&words) {
                            targets.insert(t);
                        }
                        if let Some(m) = command_migration_tool(&words) {
                            migs.insert(m);
                        }
                    }
                }
            }
        }
    }
    // Small config files read for details.
    for p in repo.paths.iter().filter(|p| {
        let n = file_name(p);
        n.starts_with("fly") && n.ends_with(".toml") && !is_sample(p)
    }) {
        if let Ok(text) = repo.read(p) {
            for line in text.lines() {
                let l = line.trim();
                if l.starts_with("release_command") && l.contains("migrat") {
                    d.fly_release_migrates.get_or_insert_with(|| p.clone());
                }
                if l.starts_with("strategy") && (l.contains("canary") || l.contains("bluegreen")) {
                    d.progressive_config.get_or_insert_with(|| p.clone());
                }
            }
        }
    }
    // What the platform runs on every deploy: Heroku's `release:` process, a Cloud
    // Foundry app's `command:` (in a manifest that lists `applications:`).
    for p in repo.paths.iter().filter(|p| {
        // The name first: it rejects almost every path at once.
        let n = file_name(p);
        (n == "Procfile"
            || (n.starts_with("manifest") && (n.ends_with(".yml") || n.ends_with(".yaml"))))
            && p.matches('/').count() <= 1
            && !is_sample(p)
    }) {
        let Ok(text) = repo.read(p) else { continue };
        let procfile = p.ends_with("Procfile");
        if !procfile && !text.contains("applications:") {
            continue;
        }
        let found = text.lines().enumerate().find_map(|(i, line)| {
            let l = line.trim().trim_start_matches("- ");
            let cmd = if procfile {
                l.strip_prefix("release:")?
            } else {
                l.strip_prefix("command:")?
            };
            migrates(repo, cmd.trim().trim_matches(['"', '\''])).then(|| (p.clone(), i + 1))
        });
        if found.is_some() {
            d.platform_migrates = found;
            break;
        }
    }
    // .NET and Elixir projects: what their project files name (bounded: the first
    // 40 files within three folders of the root).
    for p in repo
        .paths
        .iter()
        .filter(|p| {
            (p.ends_with(".csproj") || p.ends_with("/mix.exs") || *p == "mix.exs")
                && p.matches('/').count() <= 3
                && !is_sample(p)
        })
        .take(40)
    {
        let Ok(text) = repo.read(p) else {
            continue;
        };
        let t = text.to_ascii_lowercase();
        if p.ends_with(".csproj") {
            if t.contains("sdk=\"microsoft.net.sdk.web\"") || t.contains("microsoft.aspnetcore") {
                fws.insert("aspnet");
            }
            if t.contains("entityframeworkcore") {
                dbs_from_text(&t, &mut dbs);
                if t.contains("sqlserver") {
                    dbs.insert("sqlserver");
                }
                // EF Core migrations: a `Migrations` folder of C# files.
                if repo
                    .paths
                    .iter()
                    .any(|x| x.contains("/Migrations/") && x.ends_with(".cs"))
                {
                    migs.insert("ef-core");
                }
            }
        } else {
            if t.contains(":phoenix,") || t.contains("{:phoenix ") {
                fws.insert("phoenix");
            }
            if t.contains(":ecto_sql") {
                migs.insert("ecto");
                if t.contains(":postgrex") {
                    dbs.insert("postgresql");
                }
                if t.contains(":myxql") {
                    dbs.insert("mysql");
                }
            }
        }
    }
    d.precommit_hooks = precommit_hooks(repo);
    // .NET test projects (the repository's own, `tests/` included): what `dotnet
    // test` runs, judged from what they reference: a browser driver makes end-to-end
    // tests, an in-process web host, containers or an Aspire test host integration
    // tests (bounded: the first 40 project files within three folders of the root).
    for p in repo
        .paths
        .iter()
        .filter(|p| {
            // The suffix first: it rejects almost every path at once.
            (p.ends_with(".csproj") || p.ends_with(".fsproj"))
                && p.matches('/').count() <= 3
                && !p.split('/').any(|d| {
                    matches!(
                        d,
                        "fixtures" | "testdata" | "examples" | "samples" | "vendor" | "third_party"
                    )
                })
        })
        .take(40)
    {
        let Ok(text) = repo.read(p) else {
            continue;
        };
        if !text.contains("Microsoft.NET.Test.Sdk") {
            continue;
        }
        let refs = |names: &[&'static str]| -> Option<&'static str> {
            names
                .iter()
                .find(|n| text.contains(&format!("Include=\"{n}")))
                .copied()
        };
        if let Some(n) = refs(&["Microsoft.Playwright", "Selenium.WebDriver"]) {
            d.dotnet_tests.push((p.clone(), "ci.e2e-tests", n));
        } else if let Some(n) = refs(&[
            "Microsoft.AspNetCore.Mvc.Testing",
            "Testcontainers",
            "Aspire.Hosting.Testing",
        ]) {
            d.dotnet_tests.push((p.clone(), "ci.integration-tests", n));
        }
    }
    // Progressive delivery declared in manifests: an Argo Rollouts `Rollout` or a
    // Flagger `Canary` (bounded: the first 200 manifests of deploy folders).
    if d.progressive_config.is_none() {
        for p in repo
            .paths
            .iter()
            .filter(|p| (p.ends_with(".yml") || p.ends_with(".yaml")) && in_manifest_dir(p))
            .take(200)
        {
            let Ok(text) = repo.read(p) else {
                continue;
            };
            if progressive_manifest(&text) {
                d.progressive_config = Some(p.clone());
                break;
            }
        }
    }
    if migs.contains("prisma") {
        if let Ok(text) = repo.read("prisma/schema.prisma") {
            for line in text.lines() {
                let l = line.trim();
                if l.starts_with("provider") && !l.contains("prisma-client") {
                    dbs_from_text(&l.to_ascii_lowercase(), &mut dbs);
                }
            }
        }
    }
    if !migs.is_empty() && dbs.is_empty() {
        dbs.insert("sql");
    }
    d.iac_files.sort();
    d.iac_files.dedup();
    let v =
        |s: BTreeSet<&'static str>| -> Vec<String> { s.into_iter().map(String::from).collect() };
    d.stack.languages = v(langs);
    d.stack.package_managers = v(pms);
    d.stack.frameworks = v(fws);
    d.stack.databases = v(dbs);
    d.stack.migrations = v(migs);
    d.stack.iac = v(iac);
    d.stack.deploy_targets = v(targets);
    d
}

fn node_manifest(
    json: Option<&Value>,
    dir: &str,
    d: &mut Detected,
    langs: &mut BTreeSet<&'static str>,
    fws: &mut BTreeSet<&'static str>,
    dbs: &mut BTreeSet<&'static str>,
    migs: &mut BTreeSet<&'static str>,
) {
    let Some(v) = json else {
        return;
    };
    if let Some(scripts) = v.get("scripts").and_then(Value::as_object) {
        for (k, body) in scripts {
            if let Some(b) = body.as_str() {
                d.npm_scripts
                    .insert((dir.to_string(), k.clone()), b.to_string());
            }
        }
    }
    for section in ["dependencies", "devDependencies"] {
        let Some(deps) = v.get(section).and_then(Value::as_object) else {
            continue;
        };
        for dep in deps.keys() {
            match dep.as_str() {
                "typescript" => {
                    langs.insert("typescript");
                }
                "next" => {
                    fws.insert("nextjs");
                }
                "@nestjs/core" => {
                    fws.insert("nestjs");
                }
                "express" => {
                    fws.insert("express");
                }
                "fastify" => {
                    fws.insert("fastify");
                }
                "koa" => {
                    fws.insert("koa");
                }
                "hono" => {
                    fws.insert("hono");
                }
                "nuxt" => {
                    fws.insert("nuxt");
                }
                "@remix-run/node" | "@remix-run/react" => {
                    fws.insert("remix");
                }
                "@sveltejs/kit" => {
                    fws.insert("sveltekit");
                }
                "astro" => {
                    fws.insert("astro");
                }
                "react" => {
                    fws.insert("react");
                }
                "vue" => {
                    fws.insert("vue");
                }
                "@angular/core" => {
                    fws.insert("angular");
                }
                "prisma" | "@prisma/client" => {
                    migs.insert("prisma");
                }
                "knex" => {
                    migs.insert("knex");
                }
                "drizzle-kit" => {
                    migs.insert("drizzle");
                }
                "typeorm" => {
                    migs.insert("typeorm");
                }
                "sequelize-cli" => {
                    migs.insert("sequelize");
                }
                "pg" | "postgres" | "@neondatabase/serverless" => {
                    dbs.insert("postgresql");
                }
                "mysql" | "mysql2" => {
                    dbs.insert("mysql");
                }
                "mongodb" | "mongoose" => {
                    dbs.insert("mongodb");
                }
                "redis" | "ioredis" => {
                    dbs.insert("redis");
                }
                "better-sqlite3" | "sqlite3" => {
                    dbs.insert("sqlite");
                }
                "@supabase/supabase-js" => {
                    dbs.insert("postgresql");
                }
                _ => {}
            }
        }
    }
}

/// Which set a dependency name adds to.
#[derive(Clone, Copy)]
enum DepKind {
    Framework,
    Migration,
}

/// Frameworks and migration tools named in a Python or JVM manifest.
const TEXT_DEPS: &[(&str, DepKind, &str)] = &[
    ("fastapi", DepKind::Framework, "fastapi"),
    ("flask", DepKind::Framework, "flask"),
    ("alembic", DepKind::Migration, "alembic"),
    ("spring-boot", DepKind::Framework, "spring-boot"),
    ("thymeleaf", DepKind::Framework, "thymeleaf"),
    ("flyway", DepKind::Migration, "flyway"),
    ("liquibase", DepKind::Migration, "liquibase"),
];

/// Frameworks, migration tools and databases named in a manifest's text.
fn text_deps(
    text: &str,
    has_manage_py: bool,
    fws: &mut BTreeSet<&'static str>,
    dbs: &mut BTreeSet<&'static str>,
    migs: &mut BTreeSet<&'static str>,
) {
    let t = text.to_ascii_lowercase();
    if t.contains("django") && (has_manage_py || t.contains("django>") || t.contains("django=")) {
        fws.insert("django");
    }
    for (needle, into, value) in TEXT_DEPS {
        if t.contains(needle) {
            match into {
                DepKind::Framework => fws.insert(value),
                DepKind::Migration => migs.insert(value),
            };
        }
    }
    dbs_from_text(&t, dbs);
}

/// Databases named in lowercase dependency text.
fn dbs_from_text(t: &str, dbs: &mut BTreeSet<&'static str>) {
    if t.contains("psycopg") || t.contains("asyncpg") || t.contains("postgres") {
        dbs.insert("postgresql");
    }
    if t.contains("mysql") || t.contains("mariadb") {
        dbs.insert("mysql");
    }
    if t.contains("sqlite") {
        dbs.insert("sqlite");
    }
    if t.contains("mongo") {
        dbs.insert("mongodb");
    }
}

/// Databases from container image names (compose files, service containers).
fn dbs_from_images(text: &str, dbs: &mut BTreeSet<&'static str>) {
    for line in text.lines() {
        let l = line.trim().to_ascii_lowercase();
        let img = l.strip_prefix("image:").map(str::trim).unwrap_or(&l);
        let base = img.trim_matches(|c| c == '"' || c == '\'');
        let name = base.split([':', '@']).next().unwrap_or("");
        let name = name.rsplit('/').next().unwrap_or(name);
        match name {
            "postgres" | "postgis" | "timescaledb" => {
                dbs.insert("postgresql");
            }
            "mysql" | "mariadb" => {
                dbs.insert("mysql");
            }
            "mongo" => {
                dbs.insert("mongodb");
            }
            "redis" | "valkey" => {
                dbs.insert("redis");
            }
            _ => {}
        }
    }
}

/// The deploy target of a deploy action: its catalogue entries' `target`, and a few
/// name fragments for the many third-party deploy actions of some platforms.
pub fn action_targets(action: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = catalog()
        .actions_for(action)
        .filter_map(|e| e.target)
        .collect();
    for (fragment, target) in [
        ("vercel", "vercel"),
        ("netlify", "netlify"),
        ("heroku-deploy", "heroku"),
        ("firebase", "firebase"),
    ] {
        if action.contains(fragment) && !out.contains(&target) {
            out.push(target);
        }
    }
    out
}

/// The deploy target a shell command talks to, if it deploys (catalogue `target` /
/// `targets`).
pub fn command_target(w: &[&str]) -> Option<&'static str> {
    let name = w.first().map(|n| n.rsplit('/').next().unwrap_or(n))?;
    let args = w.get(1..).unwrap_or(&[]);
    match name {
        "npx" | "pnpx" | "bunx" => command_target(args),
        "curl" if w.iter().any(|a| a.contains("api.render.com/deploy")) => Some("render"),
        _ => catalog().tool(name)?.target_of(args),
    }
}

/// The migration tool a shell command runs (catalogue `migrates` / `migrates-when`).
pub fn command_migration_tool(w: &[&str]) -> Option<&'static str> {
    let name = w.first().map(|n| n.rsplit('/').next().unwrap_or(n))?;
    let args = w.get(1..).unwrap_or(&[]);
    match name {
        "npx" | "pnpx" | "bunx" => command_migration_tool(args),
        _ => catalog().tool(name)?.migration_of(args),
    }
}

/// Folders that hold deploy manifests.
const MANIFEST_DIRS: &[&str] = &[
    "k8s/",
    "kubernetes/",
    "manifests/",
    "deploy/",
    "deployment/",
    "charts/",
    "helm/",
    "infra/",
    ".k8s/",
];

/// Whether `path` is under one of [`MANIFEST_DIRS`] at any depth (`k8s/x.yml`,
/// `ops/k8s/x.yml`): a folder of it, not its file name, is one of them.
fn in_manifest_dir(path: &str) -> bool {
    let Some((dirs, _)) = path.rsplit_once('/') else {
        return false;
    };
    dirs.split('/').any(|seg| {
        MANIFEST_DIRS
            .iter()
            .any(|d| d.strip_suffix('/') == Some(seg))
    })
}

/// An Argo Rollouts `Rollout` (with a canary or blue-green strategy) or a Flagger
/// `Canary` resource.
fn progressive_manifest(text: &str) -> bool {
    let kind = |k: &str| {
        text.lines()
            .any(|l| l.trim_start().strip_prefix("kind:").map(str::trim) == Some(k))
    };
    (text.contains("argoproj.io/") && kind("Rollout"))
        || (text.contains("flagger.app/") && kind("Canary"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The earlier forms: a `split` iterator, `rsplit`, a lowercased copy.
    fn is_sample_split(path: &str) -> bool {
        let mut dirs = path.split('/');
        dirs.next_back();
        dirs.any(|d| {
            matches!(
                d,
                "fixtures"
                    | "fixture"
                    | "testdata"
                    | "test-data"
                    | "examples"
                    | "example"
                    | "samples"
                    | "sample"
                    | "tests"
                    | "test"
                    | "__tests__"
                    | "third_party"
                    | "vendor"
            )
        })
    }

    /// Paths built from folder names that are samples, near misses (case, a
    /// prefix, a suffix), empty parts and non-ASCII names: `is_sample`,
    /// `file_name` and `lowercased` answer as the forms they replace.
    #[test]
    fn path_parts_are_read_as_by_the_earlier_forms() {
        let parts = [
            "",
            "fixtures",
            "fixture",
            "testdata",
            "test-data",
            "examples",
            "example",
            "samples",
            "sample",
            "tests",
            "test",
            "__tests__",
            "third_party",
            "vendor",
            "Tests",
            "TEST",
            "tes",
            "tests2",
            "xtest",
            "src",
            "é",
            "Ｄockerfile.TOML",
            "a.B.c",
            &"L".repeat(63),
            &"M".repeat(64),
            &"é".repeat(40),
        ];
        let mut n = 0;
        let mut yes = 0;
        for a in parts {
            for b in parts {
                for c in ["", "x.yml", "Fly.TOML", "test"] {
                    for path in [
                        a.to_string(),
                        format!("{a}/{b}"),
                        format!("{a}/{b}/{c}"),
                        format!("/{a}/{c}"),
                        format!("{a}//{b}/"),
                    ] {
                        let want = is_sample_split(&path);
                        assert_eq!(is_sample(&path), want, "{path:?}");
                        n += 1;
                        yes += usize::from(want);
                        let name = file_name(&path);
                        assert_eq!(name, path.rsplit('/').next().unwrap_or(&path), "{path:?}");
                        let (mut buf, mut spill) = ([0u8; 64], String::new());
                        assert_eq!(
                            lowercased(name, &mut buf, &mut spill),
                            name.to_ascii_lowercase(),
                            "{path:?}"
                        );
                    }
                }
            }
        }
        assert!(yes > n / 3 && yes < n, "{yes} of {n}");
    }

    /// [`in_manifest_dir`] is "starts with a folder of [`MANIFEST_DIRS`], or has it
    /// after a slash".
    #[test]
    fn manifest_dirs_at_any_depth() {
        let oracle = |p: &str| {
            MANIFEST_DIRS
                .iter()
                .any(|d| p.starts_with(d) || p.contains(&format!("/{d}")))
        };
        for p in [
            "k8s/app.yml",
            "ops/k8s/app.yml",
            "a/b/helm/values.yaml",
            "k8s.yml",
            "ak8s/app.yml",
            "deploy",
            "deploy/",
            "x/deployment/y/z.yml",
            "x//deploy/z.yml",
            "deploy.d/app.yml",
            ".k8s/a.yml",
            "src/infra.yml",
            "",
        ] {
            assert_eq!(in_manifest_dir(p), oracle(p), "{p}");
        }
    }

    #[test]
    fn progressive_delivery_from_manifests() {
        let rollout =
            "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nspec:\n  strategy:\n    canary: {}\n";
        assert!(progressive_manifest(rollout));
        let canary = "apiVersion: flagger.app/v1beta1\nkind: Canary\n";
        assert!(progressive_manifest(canary));
        // A plain Deployment, or a word in a comment, is not.
        assert!(!progressive_manifest(
            "apiVersion: apps/v1\nkind: Deployment\n# Rollout later\n"
        ));
        assert!(!progressive_manifest("kind: Rollout\n"));
    }

    #[test]
    fn targets_from_commands() {
        assert_eq!(command_target(&["flyctl", "deploy"]), Some("fly.io"));
        assert_eq!(command_target(&["npx", "vercel", "--prod"]), Some("vercel"));
        assert_eq!(
            command_target(&["aws", "ecs", "update-service"]),
            Some("ecs")
        );
        assert_eq!(
            command_target(&["gcloud", "run", "deploy", "x"]),
            Some("cloud-run")
        );
        assert_eq!(command_target(&["aws", "sts", "get-caller-identity"]), None);
        assert_eq!(command_target(&["supabase", "start"]), None);
        assert_eq!(
            command_migration_tool(&["npx", "prisma", "migrate", "deploy"]),
            Some("prisma")
        );
        assert_eq!(
            command_migration_tool(&["alembic", "upgrade", "head"]),
            Some("alembic")
        );
    }

    #[test]
    fn samples_and_npm_scripts_by_folder() {
        assert!(is_sample("tests/repos/seed-000/package.json"));
        assert!(is_sample("examples/demo/Dockerfile"));
        assert!(!is_sample("package.json"));
        assert!(!is_sample("apps/web/package.json"));
        let mut d = Detected::default();
        d.npm_scripts.insert(
            ("backend".into(), "test:e2e".into()),
            "jest --config e2e.json".into(),
        );
        d.npm_scripts.insert(
            ("frontend".into(), "test:e2e".into()),
            "playwright test".into(),
        );
        d.npm_scripts
            .insert((String::new(), "lint".into()), "eslint .".into());
        assert_eq!(
            d.npm_script("frontend", "test:e2e"),
            Some("playwright test")
        );
        assert_eq!(
            d.npm_script("./backend/", "test:e2e"),
            Some("jest --config e2e.json")
        );
        assert_eq!(d.npm_script("frontend", "lint"), Some("eslint ."));
        assert_eq!(d.npm_script("", "missing"), None);
    }

    /// A job's service containers are databases on both platforms: GitHub's
    /// `services:` mapping and GitLab's list, read through `Job::services`.
    #[test]
    fn databases_from_service_containers_of_both_platforms() {
        let repo = crate::gitlab::pipeline::tests::repo_of(&[(
            ".gitlab-ci.yml",
            "test:\n  services:\n    - postgres:16\n    - name: redis:7\n      alias: cache\n  script: [make test]\n",
        )]);
        let pipelines = crate::gitlab::pipelines(&repo, &[]);
        let gitlab = crate::gitlab::lower::lower(&pipelines[0]);
        assert_eq!(
            detect(&repo, &gitlab).stack.databases,
            ["postgresql", "redis"]
        );
        let doc = pipewise_yaml::Document::parse(
            "on: push\njobs:\n  t:\n    runs-on: x\n    services:\n      db:\n        image: mysql:8\n    steps:\n      - run: make\n"
                .to_string(),
        )
        .expect("yaml");
        let github = [Workflow::new("w.yml", &doc)];
        assert_eq!(detect(&repo, &github).stack.databases, ["mysql"]);
    }

    #[test]
    fn databases_from_images() {
        let mut dbs = BTreeSet::new();
        dbs_from_images(
            "services:\n  db:\n    image: postgres:16-alpine\n  cache:\n    image: \"redis:7\"\n",
            &mut dbs,
        );
        assert_eq!(
            dbs.into_iter().collect::<Vec<_>>(),
            vec!["postgresql", "redis"]
        );
    }
}
