//! Which tool provides which capability. What a tool provides whenever it runs (or for
//! a subcommand) is in the tool catalogue (`crates/pipewise-catalog/catalog/*.toml`):
//! add a new scanner, linter or release tool there. This module keeps what depends on
//! how a tool is configured (trivy's `exit-code`, build-push-action's inputs, a test
//! runner's arguments, `helm --atomic`, a `curl` health check).

use crate::shell::unwrap_runner;
use crate::workflow::Step;
use pipewise_catalog::catalog;

/// A capability a step or command provides, and the tool that provides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub cap: &'static str,
    pub tool: String,
    /// Why the tool, as configured, is weakened (e.g. a scanner that cannot fail).
    pub weak: Option<String>,
}

fn m(cap: &'static str, tool: &str) -> Match {
    Match {
        cap,
        tool: tool.to_string(),
        weak: None,
    }
}

fn weak(mut x: Match, why: Option<String>) -> Match {
    x.weak = why;
    x
}

fn truthy(v: Option<&str>) -> bool {
    matches!(
        v.map(|s| s.trim().to_ascii_lowercase()).as_deref(),
        Some("true")
    )
}

/// Capabilities provided by a `uses:` action (lowercased name without ref).
pub fn action_matches(a: &str, step: Option<&Step>) -> Vec<Match> {
    let mut out = vec![];
    // ~150 prefixes are tried on every action: compare the first byte before calling
    // into `starts_with` (most actions are rejected there).
    let first = a.as_bytes().first().copied();
    let starts = |p: &str| p.as_bytes().first().copied() == first && a.starts_with(p);
    let with = |k: &str| step.and_then(|s| s.with_str(k));
    // What the catalogue says the action provides whenever it runs.
    for e in catalog().actions_for(a) {
        let tool = e.tool.unwrap_or(a);
        for cap in e.provides {
            out.push(m(cap, tool));
        }
        // A release action that writes release notes.
        if e.provides.contains(&"delivery.release-automation")
            && !e.provides.contains(&"delivery.changelog")
            && (truthy(with("generate_release_notes")) || truthy(with("generateReleaseNotes")))
        {
            out.push(m("delivery.changelog", tool));
        }
    }
    // Trusted publishing to PyPI (no `password`) makes PEP 740 attestations by
    // default (pypa/gh-action-pypi-publish v1.11+), unless `attestations: false`.
    if starts("pypa/gh-action-pypi-publish")
        && with("password").is_none()
        && with("attestations").is_none_or(|v| v.trim() != "false")
    {
        out.push(m("security.signing", "PyPI attestations"));
    }
    // Cloud Foundry's rolling push (also through cloud.gov's CLI action) replaces
    // instances only once the new ones pass their health check, and fails otherwise.
    if starts("cloud-gov/cg-cli-tools") {
        let cmd = with("cf_command").or(with("command")).unwrap_or("");
        let words: Vec<String> = cmd
            .split_whitespace()
            .map(|w| w.to_ascii_lowercase())
            .collect();
        let mut cf = vec!["cf".to_string()];
        cf.extend(words.into_iter().skip_while(|w| w == "cf"));
        out.extend(command_matches(&cf));
    }
    if starts("snyk/actions/") {
        let cmd = with("command").unwrap_or("test");
        if a.contains("docker") || cmd.contains("container") {
            out.push(m("security.container-scan", "snyk container"));
        } else if cmd.contains("code") {
            out.push(m("security.sast", "snyk code"));
        } else if cmd.contains("iac") {
            out.push(m("security.sast", "snyk iac"));
        } else {
            out.push(m("security.dependency-audit", "snyk"));
        }
    }
    if starts("aquasecurity/trivy-action") {
        let scan = with("scan-type").unwrap_or("image").to_ascii_lowercase();
        let format = with("format").unwrap_or("").to_ascii_lowercase();
        if format.contains("cyclonedx") || format.contains("spdx") {
            out.push(m("security.sbom", "trivy"));
        } else {
            let code = with("exit-code").map(str::trim);
            let why = match code {
                None => Some("trivy-action exits 0 on findings unless `exit-code: 1` is set, so the scanner cannot fail".to_string()),
                Some(c) if c.trim_matches(['\'', '"']) == "0" => {
                    Some("`exit-code: 0`: the scanner cannot fail".to_string())
                }
                _ => None,
            };
            let cap = match scan.as_str() {
                "fs" | "repo" | "rootfs" => "security.dependency-audit",
                "config" => "security.sast",
                _ => "security.container-scan",
            };
            out.push(weak(m(cap, "trivy"), why));
        }
    }
    if starts("anchore/scan-action") {
        let cap = if with("path").is_some() && with("image").is_none() {
            "security.dependency-audit"
        } else {
            "security.container-scan"
        };
        let why = (with("fail-build").map(|v| v.trim().eq_ignore_ascii_case("false"))
            == Some(true))
        .then(|| "`fail-build: false`: the scanner cannot fail".to_string());
        out.push(weak(m(cap, "grype"), why));
    }
    if starts("docker/build-push-action")
        || starts("useblacksmith/build-push-action")
        || starts("depot/build-push-action")
        || starts("redhat-actions/buildah-build")
        || starts("docker/bake-action")
    {
        out.push(m(
            "delivery.container-build",
            a.split('/').nth(1).unwrap_or(a),
        ));
        if with("platforms").is_some_and(|p| p.contains(',')) {
            out.push(m("delivery.multi-arch", "buildx platforms"));
        }
        if truthy(with("sbom")) {
            out.push(m("security.sbom", "buildx sbom"));
        }
        if with("provenance").is_some_and(|p| p.contains("max") || p.trim() == "true") {
            out.push(m("security.signing", "buildx provenance"));
        }
        if with("cache-from").is_some() {
            out.push(m("ci.caching", "buildx cache"));
        }
    }
    if starts("jtalk/url-health-check-action") {
        let retries = with("max-attempts").is_some_and(|n| n.trim() != "1");
        out.push(weak(
            m("deploy.health-check", "url-health-check"),
            (!retries).then(|| "the health check has no retries (`max-attempts`)".to_string()),
        ));
    }
    if starts("actions/cache")
        || starts("swatinem/rust-cache")
        || starts("mozilla-actions/sccache-action")
    {
        out.push(m("ci.caching", a));
    }
    if (starts("actions/setup-node")
        || starts("actions/setup-python")
        || starts("actions/setup-java"))
        && with("cache").is_some_and(|c| !c.trim().is_empty())
    {
        out.push(m("ci.caching", &format!("{a} cache")));
    }
    // Gradle's setup action caches the Gradle home unless told not to.
    if (starts("gradle/actions/setup-gradle") || starts("gradle/gradle-build-action"))
        && !truthy(with("cache-disabled"))
    {
        out.push(m("ci.caching", "setup-gradle cache"));
    }
    if starts("actions/setup-go") && with("cache").map(|c| c.trim() != "false").unwrap_or(true) {
        out.push(m("ci.caching", "actions/setup-go cache"));
    }
    if starts("ruby/setup-ruby") && truthy(with("bundler-cache")) {
        out.push(m("ci.caching", "bundler-cache"));
    }
    if starts("astral-sh/setup-uv") && truthy(with("enable-cache")) {
        out.push(m("ci.caching", "setup-uv cache"));
    }
    out
}

/// The tool a command's first word names: after its last `/`, before its first `@`
/// (`./node_modules/.bin/jest`, `pkg@1.2`). Byte searches: asked of every command.
fn base(s: &str) -> &str {
    let s = match memchr::memrchr(b'/', s.as_bytes()) {
        Some(i) => s.get(i + 1..).unwrap_or(s),
        None => s,
    };
    match memchr::memchr(b'@', s.as_bytes()) {
        Some(i) => s.get(..i).unwrap_or(s),
        None => s,
    }
}

/// Every keyword [`script_name_matches`] looks for (found in one pass).
static SCRIPT_KEYWORDS: crate::keywords::Keywords = crate::keywords::Keywords::few_texts(&[
    "e2e",
    "end-to-end",
    "playwright",
    "cypress",
    "integration",
    "test:int",
    "int-test",
    "smoke",
    "load",
    "k6",
    "stress",
    "perf",
    "bench",
    "test",
    "spec",
    "cov",
    "typecheck",
    "type-check",
    "types",
    "check-types",
    "lint",
    "format",
    "fmt",
    "prettier",
    "eslint",
    "build",
    "compile",
    "audit",
    "vuln",
    "migrat",
    "db:push",
    "backup",
    "db:dump",
    "restore",
    "rollback",
    "health",
    "notify",
    "slack",
    "sbom",
    "canary",
    "blue-green",
    "bluegreen",
    "blue_green",
    "error-rate",
    "error_rate",
    "monitor",
    "slo",
    "check",
    "release",
    "prerelease",
    "changelog",
]);

/// The keywords behind the deploy-time capabilities of [`script_name_matches`]
/// ([`DEPLOY_TIME_CAPS`]), and `monitor`.
static DEPLOY_TIME_WORDS: crate::keywords::Keywords = crate::keywords::Keywords::new(&[
    "smoke", "health", "rollback", "notify", "slack", "backup", "db:dump", "restore", "monitor",
]);

/// Capabilities a step's name gives a step when nothing it runs does: checks and
/// operations around a deploy.
pub const DEPLOY_TIME_CAPS: &[&str] = &[
    "deploy.smoke-tests",
    "deploy.health-check",
    "deploy.rollback",
    "ops.notifications",
    "deploy.db-backup",
    "ops.backup-verification",
];

/// Whether [`script_name_matches`] of the lowercased name `name` can hold one of
/// [`DEPLOY_TIME_CAPS`], or `name` says "monitor": one search, where most step
/// names (`Checkout`, `Install dependencies`) hold none.
pub fn may_name_deploy_time(name: &str) -> bool {
    DEPLOY_TIME_WORDS.any_in(name)
}

/// Whether `word` occurs in `name` at the start of a word, that is not right after a
/// letter: `load` in `test:load`, `load-test`, `k6_load`, but not the verb inside
/// `upload-release`, `download-deps` or `gomoddownload`.
fn starts_a_word(name: &str, word: &str) -> bool {
    let b = name.as_bytes();
    memchr::memmem::find_iter(b, word.as_bytes())
        .any(|i| i == 0 || b.get(i - 1).is_some_and(|c| !c.is_ascii_alphabetic()))
}

/// Whether a `cov` in `name` is about coverage (`coverage`, `gcov`, `codecov`, `--cov`),
/// not Coverity, a static analyser (`download-coverity-tarball`).
fn covers(name: &str) -> bool {
    let b = name.as_bytes();
    memchr::memmem::find_iter(b, b"cov")
        .any(|i| !b.get(i..).is_some_and(|t| t.starts_with(b"coverity")))
}

/// Capabilities a lowercased script or target name suggests (`test:e2e`, `lint`,
/// `db:migrate`). Used for `npm run X`, `make X`, and script file names.
pub fn script_name_matches(name: &str) -> Vec<Match> {
    let n = name.to_ascii_lowercase();
    // One pass finds every keyword the checks below ask about.
    let found = SCRIPT_KEYWORDS.find(&n);
    let has = |s: &str| found.has(s);
    let mut out = vec![];
    if has("e2e") || has("end-to-end") || has("playwright") || has("cypress") {
        out.push(m("ci.e2e-tests", name));
    } else if has("integration") || n.ends_with(":int") || has("test:int") || has("int-test") {
        out.push(m("ci.integration-tests", name));
    } else if has("smoke") {
        out.push(m("deploy.smoke-tests", name));
    } else if has("load") && starts_a_word(&n, "load")
        || has("k6")
        || has("stress")
        || has("perf") && !has("bench")
    {
        out.push(m("ops.load-testing", name));
    } else if has("bench") {
        out.push(m("ops.performance-regression", name));
    } else if has("test") || has("spec") || n == "check" {
        out.push(m("ci.unit-tests", name));
    }
    if has("cov") && covers(&n) {
        out.push(m("ci.coverage", name));
    }
    if has("typecheck") || has("type-check") || has("types") || n == "tsc" || has("check-types") {
        out.push(m("ci.typecheck", name));
    } else if has("lint") || has("format") || has("fmt") || has("prettier") || has("eslint") {
        out.push(m("ci.lint", name));
    }
    if has("build") || has("compile") {
        out.push(m("ci.build", name));
    }
    if has("audit") || has("vuln") {
        out.push(m("security.dependency-audit", name));
    }
    if has("migrat") || has("db:push") {
        out.push(m("migration", name));
    }
    if has("backup") || has("db:dump") {
        out.push(m("deploy.db-backup", name));
    }
    if has("restore") {
        out.push(m("ops.backup-verification", name));
    }
    if has("rollback") {
        out.push(m("deploy.rollback", name));
    }
    if has("health") {
        out.push(m("deploy.health-check", name));
    }
    if has("notify") || has("slack") {
        out.push(m("ops.notifications", name));
    }
    if has("sbom") {
        out.push(m("security.sbom", name));
    }
    if has("canary") || has("blue-green") || has("bluegreen") || has("blue_green") {
        out.push(m("deploy.progressive", name));
    }
    if has("error-rate") || has("error_rate") || has("monitor") || has("slo") && has("check") {
        out.push(m("ops.monitoring", name));
    }
    if has("release") && !has("prerelease") {
        out.push(m("delivery.release-automation", name));
    }
    if has("changelog") {
        out.push(m("delivery.changelog", name));
    }
    out
}

/// URL-ish words that look like health endpoints.
fn is_health_url(a: &str) -> bool {
    (a.contains("http") || a.contains('$') || a.contains("localhost") || a.contains('/'))
        && [
            "health", "healthz", "livez", "readyz", "/ready", "/status", "/ping", "/up",
        ]
        .iter()
        .any(|h| a.contains(h))
}

const NOTIFY_HOSTS: &[&str] = &[
    "hooks.slack.com",
    "slack_webhook",
    "discord.com/api/webhooks",
    "discord_webhook",
    "outlook.office.com/webhook",
    "teams_webhook",
    "events.pagerduty.com",
    "api.telegram.org",
    "opsgenie",
];

/// [`NOTIFY_HOSTS`] in one automaton (URLs in `curl` arguments are long).
fn notify_hosts() -> &'static aho_corasick::AhoCorasick {
    static AC: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    AC.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
            .build(NOTIFY_HOSTS)
            .expect("fixed literal hosts always build")
    })
}

/// Capabilities provided by one shell command (lowercased words, wrappers not yet
/// removed). `migration` is reported with the pseudo-capability `migration`; the
/// caller decides between applying and validating by the job's context.
pub fn command_matches(words: &[String]) -> Vec<Match> {
    let named;
    let words = match matrix_named(words) {
        Some(w) => {
            named = w;
            named.as_slice()
        }
        None => words,
    };
    let w = unwrap_runner(words);
    let Some(first) = w.first() else {
        return vec![];
    };
    let name = base(first);
    // The tool's catalogue entry, looked up once (three places below ask).
    let cat_tool = catalog().tool(name);
    // A name no arm below names and the catalogue gives nothing to (`echo`, `cd`,
    // `./x.sh`, most commands): only the name-blind benchmark test applies.
    if !names_matter(name, cat_tool) {
        return benchmark_comparison(w.iter().skip(1).map(String::as_str))
            .into_iter()
            .collect();
    }
    let args: Vec<&str> = w.iter().skip(1).map(String::as_str).collect();
    // The subcommand, past global options and their values (`kubectl -n prod rollout
    // undo`, `docker -H host build`, `npm --prefix web run lint`).
    let start = cat_tool.map_or(0, |t| t.subcommand_start(&args));
    let a0 = args.get(start).copied().unwrap_or("");
    let a1 = args.get(start + 1).copied().unwrap_or("");
    let has = |s: &str| args.contains(&s);
    let any = |s: &str| args.iter().any(|a| a.contains(s));
    let prefix = |s: &str| args.iter().any(|a| a.starts_with(s));
    let mut out = vec![];
    let mut push = |cap: &'static str, tool: &str| out.push(m(cap, tool));

    // Coverage flags on any test runner.
    // Asked by a few test runners only: computed when asked.
    let coverage_flag = || {
        prefix("--cov")
            || has("--coverage")
            || prefix("--coverage")
            || prefix("-coverprofile")
            || has("-cover")
            || any("xplat code coverage")
            || any("collect:\"xplat")
            || prefix("--collect-coverage")
    };

    match name {
        // Package managers running scripts: `npm test`, `npm run x`, `yarn x`.
        "npm" | "pnpm" | "yarn" | "bun" => {
            match a0 {
                "audit" if a1 == "signatures" => {}
                "audit" => push("security.dependency-audit", &format!("{name} audit")),
                // Yarn Berry moved the audit under `yarn npm audit`.
                "npm" if name == "yarn" && a1 == "audit" => {
                    push("security.dependency-audit", "yarn npm audit")
                }
                "test" | "t" | "tst" => push("ci.unit-tests", &format!("{name} test")),
                "run" | "run-script" => {}
                "sbom" => push("security.sbom", "npm sbom"),
                "publish" if has("--provenance") => push("security.signing", "npm provenance"),
                "version" => push("delivery.release-automation", "npm version"),
                // A migration tool run as the package's binary (`yarn sequelize
                // db:migrate`, `pnpm exec knex migrate:latest`): what it does.
                "sequelize" | "sequelize-cli" | "knex" | "typeorm" | "drizzle-kit"
                | "node-pg-migrate" | "db-migrate" | "prisma"
                    if name != "npm" =>
                {
                    let inner: Vec<String> =
                        args.iter().skip(start).map(|a| a.to_string()).collect();
                    out.extend(command_matches(&inner));
                }
                "exec" if name == "pnpm" => {
                    let inner: Vec<String> =
                        args.iter().skip(start + 1).map(|a| a.to_string()).collect();
                    out.extend(command_matches(&inner));
                }
                _ if name == "yarn" || name == "pnpm" || name == "bun" => {
                    for x in script_name_matches(a0) {
                        out.push(x);
                    }
                }
                _ => {}
            }
            if a0 == "run" || a0 == "run-script" {
                if let Some(s) = args.iter().skip(start + 1).find(|a| !a.starts_with('-')) {
                    for x in script_name_matches(s) {
                        out.push(x);
                    }
                }
            }
            if name == "bun" && a0 == "test" && coverage_flag() {
                out.push(m("ci.coverage", "bun test --coverage"));
            }
        }
        "make" | "just" | "task" | "mage" | "rake" | "invoke" | "nox" | "tox" => {
            let targets: Vec<&str> = args
                .iter()
                .filter(|a| !a.starts_with('-') && !a.contains('='))
                .copied()
                .collect();
            if targets.is_empty() && matches!(name, "make" | "tox" | "nox") {
                out.push(m(
                    if name == "make" {
                        "ci.build"
                    } else {
                        "ci.unit-tests"
                    },
                    name,
                ));
            }
            for t in targets {
                for x in script_name_matches(t) {
                    out.push(x);
                }
            }
        }
        "jest" | "vitest" | "mocha" | "ava" | "tap" | "pytest" | "py.test" | "nose2" | "rspec"
        | "phpunit" | "pest" | "ctest" | "behave" | "jasmine" | "karma" | "unittest" | "trial" => {
            let hay = args.join(" ");
            if hay.contains("e2e") {
                push("ci.e2e-tests", name);
            } else if hay.contains("integration") {
                push("ci.integration-tests", name);
            } else if hay.contains("smoke") {
                push("deploy.smoke-tests", name);
            } else if hay.contains("--benchmark-compare") {
                push("ops.performance-regression", "pytest-benchmark");
            } else {
                push("ci.unit-tests", name);
            }
            if coverage_flag() {
                push("ci.coverage", name);
            }
        }
        "playwright" | "cypress" | "wdio" | "testcafe" | "detox" | "nightwatch" => {
            if matches!(
                a0,
                "install" | "install-deps" | "--version" | "show-report" | "verify" | "cache"
            ) {
            } else if any("smoke") {
                push("deploy.smoke-tests", name)
            } else {
                push("ci.e2e-tests", name)
            }
        }
        "cargo" => match a0 {
            "test" | "nextest" => {
                if prefix("--test") && !has("--tests") || any("integration") {
                    push("ci.integration-tests", "cargo test --test");
                } else {
                    push("ci.unit-tests", &format!("cargo {a0}"));
                }
            }
            "build" | "check" => push("ci.build", &format!("cargo {a0}")),
            "clippy" | "fmt" => push("ci.lint", &format!("cargo {a0}")),
            "audit" => push("security.dependency-audit", "cargo audit"),
            "deny" => {
                let checks: Vec<&str> = args
                    .iter()
                    .skip_while(|a| **a != "check")
                    .skip(1)
                    .filter(|a| !a.starts_with('-'))
                    .copied()
                    .collect();
                if checks.is_empty() || checks.contains(&"advisories") || checks.contains(&"all") {
                    push("security.dependency-audit", "cargo deny");
                } else {
                    out.push(weak(
                        m("security.dependency-audit", "cargo deny"),
                        Some(format!(
                            "`cargo deny check {}` does not check advisories",
                            checks.join(" ")
                        )),
                    ));
                }
            }
            // Coverage tools that run the test suite (`cargo llvm-cov --lcov`, not
            // `cargo llvm-cov report`).
            "tarpaulin" | "llvm-cov" => {
                push("ci.coverage", &format!("cargo {a0}"));
                if !args
                    .iter()
                    .any(|a| matches!(*a, "report" | "clean" | "show-env"))
                {
                    push("ci.unit-tests", &format!("cargo {a0}"));
                }
            }
            "bench" => push("ops.performance-regression", "cargo bench"),
            "cyclonedx" | "sbom" => push("security.sbom", &format!("cargo {a0}")),
            "release" => push("delivery.release-automation", "cargo release"),
            "geiger" => push("security.sast", "cargo geiger"),
            _ => {}
        },
        "go" => match a0 {
            "test" => {
                if any("integration") {
                    push("ci.integration-tests", "go test");
                } else if prefix("-bench") {
                    push("ops.performance-regression", "go test -bench");
                } else {
                    push("ci.unit-tests", "go test");
                }
                if coverage_flag() {
                    push("ci.coverage", "go test -cover");
                }
            }
            "build" => push("ci.build", "go build"),
            "vet" => push("ci.lint", "go vet"),
            "tool" if a1 == "cover" => push("ci.coverage", "go tool cover"),
            _ => {}
        },
        "mvn" | "mvnw" | "./mvnw" | "gradle" | "gradlew" | "./gradlew" => {
            for a in &args {
                match *a {
                    "test" => push("ci.unit-tests", name),
                    "verify" | "check" | "integrationtest" => {
                        push("ci.unit-tests", name);
                        if *a != "check" {
                            push("ci.integration-tests", name);
                        }
                    }
                    "package" | "install" | "compile" | "build" | "assemble" => {
                        push("ci.build", name)
                    }
                    _ => {}
                }
                if a.contains("jacoco") {
                    push("ci.coverage", "jacoco");
                }
                if a.contains("dependency-check") || a.contains("dependencycheck") {
                    push("security.dependency-audit", "OWASP dependency-check");
                }
                if a.contains("cyclonedx") {
                    push("security.sbom", "CycloneDX");
                }
                if a.contains("jib") || a.contains("build-image") || a.contains("bootbuildimage") {
                    push("delivery.container-build", "jib/buildpacks");
                }
                if a.contains("spotbugs") {
                    push("security.sast", "spotbugs");
                }
                if a.contains("checkstyle")
                    || a.contains("spotless")
                    || a.contains("ktlint")
                    || a.contains("javaformat")
                    || a.contains("maven-pmd")
                {
                    push("ci.lint", a);
                }
                if a.contains("gatling") {
                    push("ops.load-testing", "gatling");
                }
            }
        }
        "cf" if matches!(a0, "push" | "restage" | "restart")
            && args
                .windows(2)
                .any(|w| w[0] == "--strategy" && w[1] == "rolling") =>
        {
            push(
                "deploy.health-check",
                &format!("cf {a0} --strategy rolling"),
            )
        }
        "dotnet" => match a0 {
            "test" => {
                push("ci.unit-tests", "dotnet test");
                if coverage_flag() {
                    push("ci.coverage", "dotnet test coverage");
                }
            }
            "build" | "publish" => push("ci.build", &format!("dotnet {a0}")),
            "format" => push("ci.lint", "dotnet format"),
            "list" if has("--vulnerable") => {
                push("security.dependency-audit", "dotnet list --vulnerable")
            }
            "ef" if has("database") && has("update") => push("migration", "dotnet ef"),
            _ => {}
        },
        // `coverage run [options] -m pytest …` / `coverage run manage.py test`: coverage
        // of the command it runs, and what that command provides.
        "coverage" if a0 == "run" => {
            push("ci.coverage", "coverage.py");
            let mut i = start + 1;
            while let Some(a) = args.get(i).filter(|a| a.starts_with('-') && **a != "-m") {
                let takes_value = !a.contains('=')
                    && matches!(
                        *a,
                        "--rcfile"
                            | "--source"
                            | "--omit"
                            | "--include"
                            | "--data-file"
                            | "--concurrency"
                            | "--context"
                    );
                i += if takes_value { 2 } else { 1 };
            }
            if args.get(i) == Some(&"-m") {
                i += 1;
            }
            let inner: Vec<String> = args.iter().skip(i).map(|a| a.to_string()).collect();
            // `coverage run manage.py test`: the script is the command.
            if inner.first().is_some_and(|a| a.ends_with("manage.py")) {
                if inner.get(1).map(String::as_str) == Some("test") {
                    push("ci.unit-tests", "django test");
                }
            } else if !inner.is_empty() {
                out.extend(command_matches(&inner));
            }
        }
        // Monorepo task runners run each package's script of that name: `turbo run
        // build`, `turbo lint --affected`, `nx run-many -t test`, `nx affected -t lint`.
        // A dry run (`turbo build --dry-run=json`, listing affected packages) runs none.
        "turbo" | "nx" => {
            let dry = prefix("--dry-run") || has("--dry") || prefix("--graph");
            let task = match (name, a0) {
                _ if dry => None,
                ("turbo", "run") => Some(a1),
                ("nx", "run-many" | "affected") => args
                    .iter()
                    .position(|a| *a == "-t" || *a == "--target" || *a == "--targets")
                    .and_then(|i| args.get(i + 1).copied())
                    .or_else(|| {
                        args.iter().find_map(|a| {
                            a.strip_prefix("--target=").or(a.strip_prefix("--targets="))
                        })
                    }),
                ("nx", "run") => a1.rsplit(':').next(),
                ("turbo", t) if !t.is_empty() && !t.starts_with('-') => Some(t),
                _ => None,
            };
            for t in task.into_iter().flat_map(|t| t.split(',')) {
                for x in script_name_matches(t) {
                    out.push(x);
                }
            }
        }
        // The Django test runner: `python manage.py test`, `./manage.py test`.
        "python" | "python3" | "py"
            if args.first().is_some_and(|a| a.ends_with("manage.py"))
                && args.get(1) == Some(&"test") =>
        {
            push("ci.unit-tests", "django test");
        }
        _ if name.ends_with("manage.py") && a0 == "test" => push("ci.unit-tests", "django test"),
        "mix" => match a0 {
            "test" => {
                push("ci.unit-tests", "mix test");
                if coverage_flag() {
                    push("ci.coverage", "mix test --cover");
                }
            }
            // excoveralls runs the tests: `mix coveralls`, `mix coveralls.lcov`.
            c if c == "coveralls" || c.starts_with("coveralls.") => {
                push("ci.unit-tests", &format!("mix {c}"));
                push("ci.coverage", &format!("mix {c}"));
            }
            "compile" => push("ci.build", "mix compile"),
            "format" | "credo" => push("ci.lint", &format!("mix {a0}")),
            "dialyzer" => push("ci.typecheck", "dialyzer"),
            "deps.audit" | "hex.audit" => push("security.dependency-audit", &format!("mix {a0}")),
            "ecto.migrate" => push("migration", "ecto"),
            _ => {}
        },
        "deno" if a0 == "test" => push("ci.unit-tests", &format!("{name} test")),
        "deno" if a0 == "lint" || a0 == "fmt" => push("ci.lint", &format!("deno {a0}")),
        "deno" if a0 == "check" => push("ci.typecheck", "deno check"),
        "nyc" | "c8" | "istanbul" => {
            push("ci.coverage", name);
            if let Some(rest) = w.get(1..) {
                for x in command_matches(rest) {
                    out.push(x);
                }
            }
        }
        "next" if a0 == "lint" => push("ci.lint", "next lint"),
        "tsc" | "vue-tsc" => {
            push("ci.typecheck", name);
            if !has("--noemit") {
                push("ci.build", name);
            }
        }
        "psalm" if any("taint") => {
            push("ci.typecheck", name);
            push("security.sast", "psalm taint analysis");
        }
        "astro" if a0 == "check" => push("ci.typecheck", "astro check"),
        "webpack" | "vite" | "rollup" | "esbuild" | "tsup" | "parcel" | "nest" | "ng" | "nuxt"
        | "nuxi" | "lerna"
            if a0 == "build"
                || args.contains(&"build")
                || name == "webpack"
                || name == "esbuild"
                // tsup and rollup only bundle: without a subcommand they build
                // (unless they watch, which a dev server does).
                || (matches!(name, "tsup" | "rollup")
                    && !args.iter().any(|a| matches!(*a, "-w" | "--watch"))) =>
        {
            push("ci.build", &format!("{name} build"));
        }
        "next" | "remix" | "svelte-kit" | "gatsby" | "react-scripts" | "vue-cli-service"
            if a0 == "build" =>
        {
            push("ci.build", &format!("{name} build"));
        }
        "poetry" | "uv" | "hatch" | "pdm" | "flit" | "twine" | "maturin" if a0 == "build" => {
            push("ci.build", &format!("{name} build"));
        }
        "pip" | "pip3" if a0 == "wheel" => push("ci.build", "pip wheel"),
        "semgrep" if a0 != "ci" && !has("--error") => out.push(weak(
            m("security.sast", name),
            Some(
                "`semgrep scan` exits 0 on findings without `--error`, so the scanner cannot fail"
                    .to_string(),
            ),
        )),
        "snyk" => match a0 {
            "code" => push("security.sast", "snyk code"),
            "container" => push("security.container-scan", "snyk container"),
            "iac" => push("security.sast", "snyk iac"),
            "test" | "monitor" => push("security.dependency-audit", "snyk"),
            _ => {}
        },
        "composer" if a0 == "audit" => push("security.dependency-audit", "composer audit"),
        "composer" if a0 == "test" => push("ci.unit-tests", "composer test"),
        "trivy" => {
            let sub = args
                .iter()
                .find(|a| !a.starts_with('-'))
                .copied()
                .unwrap_or("");
            let fmt_sbom = args
                .iter()
                .any(|a| a.contains("cyclonedx") || a.contains("spdx"));
            if fmt_sbom {
                push("security.sbom", "trivy");
            } else {
                let code_ok = args
                    .windows(2)
                    .any(|p| p[0] == "--exit-code" && p[1] != "0")
                    || args
                        .iter()
                        .any(|a| a.starts_with("--exit-code=") && !a.ends_with("=0"));
                let cap = match sub {
                    "fs" | "filesystem" | "repo" | "repository" | "sbom" | "rootfs" => {
                        if any("secret") && !any("vuln") {
                            "security.secret-scanning"
                        } else {
                            "security.dependency-audit"
                        }
                    }
                    "config" | "conf" => "security.sast",
                    _ => "security.container-scan",
                };
                out.push(weak(
                    m(cap, "trivy"),
                    (!code_ok).then(|| "trivy exits 0 on findings without `--exit-code 1`, so the scanner cannot fail".to_string()),
                ));
            }
        }
        "grype" => {
            let target = args
                .iter()
                .find(|a| !a.starts_with('-'))
                .copied()
                .unwrap_or("");
            let cap = if target.starts_with("dir:")
                || target == "."
                || target.starts_with("sbom:")
                || target.starts_with("file:")
            {
                "security.dependency-audit"
            } else {
                "security.container-scan"
            };
            let fails = prefix("--fail-on") || has("-f");
            out.push(weak(
                m(cap, "grype"),
                (!fails).then(|| {
                    "grype exits 0 on findings without `--fail-on`, so the scanner cannot fail"
                        .to_string()
                }),
            ));
        }
        "docker" | "podman" | "buildah" | "nerdctl" => {
            let build = a0 == "build"
                || a0 == "bud"
                || (a0 == "buildx" && (a1 == "build" || a1 == "bake"))
                || (a0 == "compose" && has("build"))
                || a0 == "image" && a1 == "build";
            if build {
                push("delivery.container-build", &format!("{name} build"));
                if args
                    .windows(2)
                    .any(|p| p[0] == "--platform" && p[1].contains(','))
                    || args
                        .iter()
                        .any(|a| a.starts_with("--platform=") && a.contains(','))
                {
                    push("delivery.multi-arch", "buildx --platform");
                }
                if prefix("--sbom") {
                    push("security.sbom", "buildx --sbom");
                }
                if args
                    .iter()
                    .any(|a| a.starts_with("--provenance") && a.contains("max"))
                {
                    push("security.signing", "buildx provenance");
                }
                if prefix("--cache-from") {
                    push("ci.caching", "docker --cache-from");
                }
            }
            let joined = |from: usize| {
                args.iter()
                    .skip(from)
                    .filter(|a| !a.starts_with('-') && !a.contains("${{"))
                    .count()
            };
            // `manifest create LIST IMG IMG…` / `buildx imagetools create -t LIST IMG IMG…`.
            if (a0 == "manifest" && a1 == "create" && joined(start + 2) >= 3)
                || (a0 == "buildx"
                    && a1 == "imagetools"
                    && args.get(start + 2) == Some(&"create")
                    && joined(start + 3) >= 3)
            {
                push("delivery.multi-arch", &format!("{name} {a0} create"));
            }
            if a0 == "scout" && (a1 == "cves" || a1 == "quickview") {
                push("security.container-scan", "docker scout");
            }
            if a0 == "sbom" {
                push("security.sbom", "docker sbom");
            }
            if (a0 == "compose" || a0 == "run") && !build {
                let inner: Vec<String> = args
                    .iter()
                    .skip(1)
                    .filter(|a| !a.starts_with('-'))
                    .map(|s| s.to_string())
                    .collect();
                for mut x in script_name_matches(&inner.join(" ")) {
                    if x.cap == "ci.unit-tests"
                        || x.cap == "ci.integration-tests"
                        || x.cap == "ci.e2e-tests"
                    {
                        x.tool = format!("tests in `{name} {a0}`");
                        out.push(x);
                    }
                }
            }
        }
        "docker-compose" if has("build") => {
            push("delivery.container-build", "docker-compose build")
        }
        "kaniko" | "executor" if any("--destination") => push("delivery.container-build", "kaniko"),
        "gpg" | "gpg2"
            if prefix("--detach-sign")
                || has("--sign")
                || has("-b")
                || has("--clearsign")
                || has("-s")
                || has("--armor") && has("--detach-sig") =>
        {
            push("security.signing", "gpg")
        }
        "minisign" if has("-s") || has("-S") => push("security.signing", "minisign"),
        "cz" | "commitizen" if a0 == "bump" => {
            push("delivery.release-automation", "commitizen");
            if has("--changelog") {
                push("delivery.changelog", "commitizen");
            }
        }
        "cz" | "commitizen" if a0 == "changelog" => push("delivery.changelog", "commitizen"),
        "gh" if a0 == "release" && a1 == "create" => {
            push("delivery.release-automation", "gh release create");
            if has("--generate-notes") || prefix("--notes-file") {
                push("delivery.changelog", "gh release --generate-notes");
            }
        }
        "curl" | "wget" | "http" | "https" | "xh" => {
            if args.iter().any(|a| notify_hosts().is_match(a)) {
                push("ops.notifications", "webhook");
            } else if args
                .iter()
                .any(|a| a.contains("api.datadoghq.com") || a.contains("/api/annotations"))
            {
                push("ops.monitoring", "monitoring API");
            } else if args.iter().any(|a| is_health_url(a)) {
                let fails = name == "wget"
                    || args.iter().any(|a| {
                        *a == "--fail"
                            || *a == "--fail-with-body"
                            || (a.starts_with('-') && !a.starts_with("--") && a.contains('f'))
                    });
                let retries = prefix("--retry") || prefix("--tries");
                let why = if !fails {
                    Some("the health check `curl` has no `--fail`, so an error response does not fail the deploy".to_string())
                } else if !retries {
                    Some("no_retries".to_string())
                } else {
                    None
                };
                out.push(weak(m("deploy.health-check", name), why));
            }
        }
        "kubectl" => {
            if a0 == "rollout" && a1 == "undo" {
                push("deploy.rollback", "kubectl rollout undo");
            } else if (a0 == "rollout" && a1 == "status") || (a0 == "wait" && any("condition")) {
                push("deploy.health-check", &format!("kubectl {a0} {a1}"));
            } else if a0 == "annotate" && any("canary-weight") {
                // NGINX ingress canary: traffic shifted by weight.
                push("deploy.progressive", "ingress canary weight");
            } else if a0 == "patch"
                && (a1.starts_with("service") || a1.starts_with("svc"))
                && any("selector")
            {
                // Traffic switched to another set of pods: blue-green.
                push("deploy.progressive", "service selector switch");
            } else if a0 == "argo" && a1 == "rollouts" {
                push("deploy.progressive", "Argo Rollouts");
                if has("undo") || has("abort") {
                    push("deploy.rollback", "Argo Rollouts");
                }
            }
        }
        "helm" if a0 == "rollback" => push("deploy.rollback", "helm rollback"),
        "helm"
            if (a0 == "upgrade" || a0 == "install")
                && (has("--atomic") || prefix("--rollback-on-failure")) =>
        {
            push("deploy.rollback", "helm --atomic");
            push("deploy.health-check", "helm --atomic");
        }
        "helm" if (a0 == "upgrade" || a0 == "install") && has("--wait") => {
            push("deploy.health-check", "helm --wait")
        }
        "flyctl" | "fly" => {
            if a0 == "releases" && has("rollback")
                || a0 == "deploy" && any("--image") && any("previous")
            {
                push("deploy.rollback", "flyctl rollback");
            }
            if any("backup") || any("snapshot") {
                push("deploy.db-backup", "fly backup");
            }
            if a0 == "deploy"
                && args
                    .windows(2)
                    .any(|p| p[0] == "--strategy" && (p[1] == "canary" || p[1] == "bluegreen"))
                || args.iter().any(|a| {
                    a.starts_with("--strategy=canary") || a.starts_with("--strategy=bluegreen")
                })
            {
                push("deploy.progressive", "fly --strategy");
            }
        }
        "vercel" if a0 == "rollback" || a0 == "promote" => push(
            if a0 == "rollback" {
                "deploy.rollback"
            } else {
                "deploy.progressive"
            },
            &format!("vercel {a0}"),
        ),
        "heroku" if a0.contains("rollback") => push("deploy.rollback", "heroku rollback"),
        "heroku" if any("backups:capture") => push("deploy.db-backup", "heroku pg:backups"),
        "wrangler" if a0 == "rollback" => push("deploy.rollback", "wrangler rollback"),
        "wrangler" if a0 == "versions" && has("deploy") && any("%") => {
            push("deploy.progressive", "wrangler gradual deploy")
        }
        "firebase" if any("rollback") => push("deploy.rollback", "firebase rollback"),
        "gcloud" => {
            if has("update-traffic") && (any("to-revisions") || any("to-tags")) {
                push("deploy.progressive", "Cloud Run traffic split");
            }
            if has("sql") && (has("export") || (has("backups") && has("create"))) {
                push("deploy.db-backup", "gcloud sql backup");
            }
            if has("sql") && has("backups") && has("restore") {
                push("ops.backup-verification", "gcloud sql restore");
            }
            if has("--no-traffic") {
                push("deploy.progressive", "Cloud Run --no-traffic");
            }
        }
        "aws" => {
            if has("rds")
                && args
                    .iter()
                    .any(|a| a.starts_with("create-db") && a.contains("snapshot"))
            {
                push("deploy.db-backup", "RDS snapshot");
            }
            if has("rds") && args.iter().any(|a| a.starts_with("restore-db")) {
                push("ops.backup-verification", "RDS restore");
            }
            if has("ecs") && has("wait") && has("services-stable") {
                push("deploy.health-check", "aws ecs wait services-stable");
            }
            if has("deploy") && has("create-deployment") {
                push("deploy.progressive", "CodeDeploy");
            }
        }
        "supabase" if a0 == "db" && (a1 == "dump") => push("deploy.db-backup", "supabase db dump"),
        "supabase"
            if a0 == "db" && (a1 == "lint" || a1 == "diff" || a1 == "reset" || a1 == "test") =>
        {
            push("migration-check", &format!("supabase db {a1}"))
        }
        "supabase" if a0 == "db" && a1 == "push" || a0 == "migration" && a1 == "up" => {
            push("migration", "supabase")
        }
        _ => {
            // What the catalogue says the tool provides: always, or by subcommand.
            if let Some(t) = cat_tool {
                for cap in t.provides.iter().chain(t.subcommand_provides(&args)) {
                    push(cap, t.label());
                }
            }
        }
    }

    // Commands run inside a container or on a host: `docker run img python manage.py migrate`.
    if matches!(
        name,
        "docker" | "podman" | "docker-compose" | "kubectl" | "ssh" | "heroku" | "flyctl" | "fly"
    ) && (matches!(a0, "run" | "exec" | "compose" | "ssh" | "console") || name == "ssh")
    {
        const INNER: &[&str] = &[
            "python",
            "python3",
            "manage.py",
            "./manage.py",
            "npx",
            "rails",
            "bin/rails",
            "rake",
            "bundle",
            "php",
            "pytest",
            "npm",
            "yarn",
            "pnpm",
            "mix",
            "pg_dump",
            "k6",
            "locust",
        ];
        // The commands above, and every migration tool of the catalogue.
        let inner = |a: &str| {
            INNER.contains(&a)
                || catalog()
                    .tool(a)
                    .is_some_and(|t| t.migrates.is_some() || !t.migrates_when.is_empty())
        };
        if let Some(idx) = w.iter().skip(2).position(|a| inner(a)) {
            if let Some(inner) = w.get(idx + 2..) {
                for x in command_matches(inner) {
                    if !out.iter().any(|o| o.cap == x.cap) {
                        out.push(x);
                    }
                }
            }
        }
    }
    // A tool run from its image: `docker run grafana/k6:0.54.0 run -`.
    if matches!(name, "docker" | "podman") && a0 == "run" {
        let mut skip_value = false;
        for (i, a) in args.iter().enumerate().skip(1) {
            if skip_value {
                skip_value = false;
                continue;
            }
            if a.starts_with('-') {
                skip_value = matches!(
                    *a,
                    "-e" | "-v"
                        | "-w"
                        | "--env"
                        | "--volume"
                        | "--workdir"
                        | "--network"
                        | "-p"
                        | "--name"
                        | "--entrypoint"
                        | "-u"
                        | "--user"
                        | "--platform"
                );
                continue;
            }
            let image = a.rsplit('/').next().unwrap_or(a);
            let tool = image.split([':', '@']).next().unwrap_or(image);
            if matches!(
                tool,
                "k6" | "locust"
                    | "artillery"
                    | "trivy"
                    | "grype"
                    | "semgrep"
                    | "gitleaks"
                    | "trufflehog"
                    | "hadolint"
                    | "syft"
                    | "zizmor"
                    | "checkov"
                    | "osv-scanner"
            ) || catalog().tool(tool).is_some_and(|t| t.migrates.is_some())
            {
                let mut inner = vec![tool.to_string()];
                inner.extend(args.iter().skip(i + 1).map(|s| s.to_string()));
                for x in command_matches(&inner) {
                    if !out.iter().any(|o| o.cap == x.cap) {
                        out.push(x);
                    }
                }
            }
            break;
        }
    }
    out.extend(benchmark_comparison(args.iter().copied()));
    let has_word = |a: &str, w: &[u8]| memchr::memmem::find(a.as_bytes(), w).is_some();

    // Migrations, whichever tool.
    // Asked for a few tools only: computed when asked.
    let migrate_word = || {
        args.iter()
            .any(|a| has_word(a, b"migrat") || *a == "db:push")
    };
    let check_words = || {
        has("--check")
            || has("diff")
            || has("status")
            || has("validate")
            || has("check")
            || has("lint")
            || has("--dry-run")
            || has("--exit-code")
    };
    let tool = match name {
        "prisma" if a0 == "migrate" || a0 == "db" && a1 == "push" => Some("prisma"),
        "prisma" if a0 == "validate" => Some("prisma validate"),
        "alembic" => (a0 == "upgrade" || a0 == "check" || a0 == "downgrade").then_some("alembic"),
        // Flask-Migrate runs Alembic: `flask db upgrade`.
        "flask" if a0 == "db" && matches!(a1, "upgrade" | "downgrade" | "check") => {
            Some("flask-migrate")
        }
        "manage.py" | "django-admin" if migrate_word() => Some("django"),
        "python" | "python3" if args.iter().any(|a| a.ends_with("manage.py")) && migrate_word() => {
            Some("django")
        }
        "rails" | "rake" | "rails.rb"
            if args.iter().any(|a| {
                a.starts_with("db:migrate")
                    || *a == "db:prepare"
                    || *a == "db:schema:load"
                    || *a == "db:setup"
            }) =>
        {
            Some("rails")
        }
        "squawk" | "migra" => Some(name),
        "migrate" if prefix("-path") || prefix("-database") || prefix("-source") => {
            Some("golang-migrate")
        }
        "diesel" if a0 == "migration" || a0 == "database" => Some("diesel"),
        // Cloudflare D1: `wrangler d1 migrations apply DB [--local | --remote]`.
        "wrangler" if a0 == "d1" && a1 == "migrations" && args.get(start + 2) == Some(&"apply") => {
            Some("wrangler d1")
        }
        "sqlx" if a0 == "migrate" || a0 == "database" => Some("sqlx"),
        "knex" | "sequelize" | "sequelize-cli" | "typeorm" | "drizzle-kit" | "node-pg-migrate"
        | "db-migrate"
            if migrate_word() || name == "drizzle-kit" =>
        {
            Some(name.trim_end_matches("-cli"))
        }
        "php" | "artisan" if has("migrate") || any("artisan") && migrate_word() => Some("laravel"),
        // A migration tool whatever its subcommand (catalogue `migrates`).
        _ => cat_tool.and_then(|t| t.migrates),
    };
    if let Some(t) = tool {
        let validating = check_words()
            || t == "prisma validate"
            || name == "squawk"
            || name == "migra"
            || (t == "django" && any("makemigrations"));
        out.push(m(
            if validating {
                "migration-check"
            } else {
                "migration"
            },
            t,
        ));
    }
    out
}

/// The command names an arm of [`command_matches`] names (its `match name` arms, the
/// container and migration-tool matches), kept in step with them by
/// `named_arms_are_the_match_arms`.
const NAMED: &[&str] = &[
    "npm",
    "pnpm",
    "yarn",
    "bun",
    "make",
    "just",
    "task",
    "mage",
    "rake",
    "invoke",
    "nox",
    "tox",
    "jest",
    "vitest",
    "mocha",
    "ava",
    "tap",
    "pytest",
    "py.test",
    "nose2",
    "rspec",
    "phpunit",
    "pest",
    "ctest",
    "behave",
    "jasmine",
    "karma",
    "unittest",
    "trial",
    "playwright",
    "cypress",
    "wdio",
    "testcafe",
    "detox",
    "nightwatch",
    "cargo",
    "go",
    "mvn",
    "mvnw",
    "./mvnw",
    "gradle",
    "gradlew",
    "./gradlew",
    "cf",
    "dotnet",
    "coverage",
    "turbo",
    "nx",
    "python",
    "python3",
    "py",
    "mix",
    "deno",
    "nyc",
    "c8",
    "istanbul",
    "next",
    "tsc",
    "vue-tsc",
    "psalm",
    "astro",
    "webpack",
    "vite",
    "rollup",
    "esbuild",
    "tsup",
    "parcel",
    "nest",
    "ng",
    "nuxt",
    "nuxi",
    "lerna",
    "remix",
    "svelte-kit",
    "gatsby",
    "react-scripts",
    "vue-cli-service",
    "poetry",
    "uv",
    "hatch",
    "pdm",
    "flit",
    "twine",
    "maturin",
    "pip",
    "pip3",
    "semgrep",
    "snyk",
    "composer",
    "trivy",
    "grype",
    "docker",
    "podman",
    "buildah",
    "nerdctl",
    "docker-compose",
    "kaniko",
    "executor",
    "gpg",
    "gpg2",
    "minisign",
    "cz",
    "commitizen",
    "gh",
    "curl",
    "wget",
    "http",
    "https",
    "xh",
    "kubectl",
    "helm",
    "flyctl",
    "fly",
    "vercel",
    "heroku",
    "wrangler",
    "firebase",
    "gcloud",
    "aws",
    "supabase",
    "ssh",
    "prisma",
    "alembic",
    "flask",
    "manage.py",
    "django-admin",
    "rails",
    "rails.rb",
    "squawk",
    "migra",
    "migrate",
    "diesel",
    "sqlx",
    "knex",
    "sequelize",
    "sequelize-cli",
    "typeorm",
    "drizzle-kit",
    "node-pg-migrate",
    "db-migrate",
    "php",
    "artisan",
];

/// Whether [`command_matches`] may find more for a command named `name` (lowercased)
/// than the name-blind [`benchmark_comparison`]: an arm names it, or the catalogue
/// gives it capabilities or a migration tool.
fn names_matter(name: &str, tool: Option<&pipewise_catalog::Tool>) -> bool {
    static SET: std::sync::OnceLock<foldhash::HashSet<&'static str>> = std::sync::OnceLock::new();
    SET.get_or_init(|| NAMED.iter().copied().collect())
        .contains(name)
        || name.ends_with("manage.py")
        || tool.is_some_and(|t| {
            !t.provides.is_empty() || !t.subcommands.is_empty() || t.migrates.is_some()
        })
}

/// An argument that compares benchmarks (`bench … --compare`, `benchmark-baseline`),
/// whatever the command.
fn benchmark_comparison<'a>(mut args: impl Iterator<Item = &'a str>) -> Option<Match> {
    let has_word = |a: &str, w: &[u8]| memchr::memmem::find(a.as_bytes(), w).is_some();
    args.any(|a| has_bench(a) && (has_word(a, b"compare") || has_word(a, b"baseline")))
        .then(|| m("ops.performance-regression", "benchmark comparison"))
}

/// Whether `a` contains `bench`: asked of every argument of every command, where
/// most have no `b` (a `memchr`, cheaper than a substring search set up per word).
fn has_bench(a: &str) -> bool {
    let b = a.as_bytes();
    memchr::memchr_iter(b'b', b).any(|i| b.get(i..i + 5) == Some(b"bench".as_slice()))
}

/// Whether [`command_matches`] of a command is certainly empty, told from its first
/// word lowercased (`first`) and its other words as written (`args`, any case)
/// without lowercasing them: its name has no matrix expression (`$`), is no runner
/// [`unwrap_runner`] reads past, no arm or catalogue entry names it, and no argument
/// says `bench` (in any case). Most commands of the scripts GitLab jobs call
/// (`echo`, `cd`, `if`, `export`) are such; `false` when unsure.
pub fn finds_nothing<'a>(first: &str, mut args: impl Iterator<Item = &'a str>) -> bool {
    // One pass over the name: a `$` (a matrix-completed name), the last `/`.
    let b = first.as_bytes();
    let mut after = 0;
    for (i, c) in b.iter().enumerate() {
        match c {
            b'$' => return false,
            b'/' => after = i + 1,
            _ => {}
        }
    }
    // The name past its last `/` (what `unwrap_runner` reads), then before an `@`
    // ([`base`]).
    let last = first.get(after..).unwrap_or(first);
    if crate::shell::may_unwrap(last) {
        return false;
    }
    let name = match memchr::memchr(b'@', last.as_bytes()) {
        Some(i) => last.get(..i).unwrap_or(last),
        None => last,
    };
    if names_matter(name, catalog().tool(name)) {
        return false;
    }
    // (Lowercasing is ASCII only: a word says `bench` lowercased exactly when it
    // does in any case.)
    !args.any(|a| {
        a.as_bytes()
            .windows(5)
            .any(|x| matches!(x, [b'b' | b'B', ..]) && x.eq_ignore_ascii_case(b"bench"))
    })
}

/// A command whose name the matrix completes (`php${{ matrix.php }} artisan
/// migrate`, `python${{ matrix.python }} -m pytest`): the tool is the part before
/// the expression, and the expression's words (the shell splits it) are dropped.
fn matrix_named(words: &[String]) -> Option<Vec<String>> {
    let first = words.first()?;
    // Asked of every command: most have no `$` in their name.
    memchr::memchr(b'$', first.as_bytes())?;
    let (tool, _) = first.split_once("${{")?;
    if tool.is_empty() || !tool.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let rest = if first.contains("}}") {
        1
    } else {
        1 + words.iter().skip(1).position(|x| x.contains("}}"))? + 1
    };
    Some(
        std::iter::once(tool.to_string())
            .chain(words.iter().skip(rest).cloned())
            .collect(),
    )
}

/// A `actions/github-script` step that comments on a commit, pull request or issue,
/// or posts a deployment status: what a step named "Notify" needs to be one.
pub fn script_comments(step: &Step) -> bool {
    step.uses_str()
        .is_some_and(|u| u.starts_with("actions/github-script"))
        && step.with_str("script").is_some_and(|script| {
            [
                "createCommitComment(",
                "createComment(",
                "createDeploymentStatus(",
            ]
            .iter()
            .any(|c| script.contains(c))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`NAMED`] is exactly the names of `command_matches`'s arms: the string
    /// patterns of the lines at the `match name` arms' depth (before a guard or
    /// `=>`), read from this file. A name added to an arm and not to [`NAMED`]
    /// fails here.
    #[test]
    fn named_arms_are_the_match_arms() {
        let mut arms =
            crate::test_support::match_arm_names(include_str!("tools.rs"), "command_matches", 8);
        arms.sort_unstable();
        arms.dedup();
        let mut named = NAMED.to_vec();
        named.sort_unstable();
        named.dedup();
        assert_eq!(named.len(), NAMED.len(), "NAMED lists a name twice");
        assert_eq!(arms, named);
        assert!(arms.len() > 100, "{} arm names", arms.len());
    }

    #[test]
    fn has_bench_is_contains_bench() {
        for a in [
            "",
            "b",
            "bench",
            "xbench",
            "bbench",
            "benc",
            "bencbench",
            "be-bench-x",
            "no",
        ] {
            assert_eq!(has_bench(a), a.contains("bench"), "{a}");
        }
    }

    /// [`finds_nothing`] (the first word lowercased, the others as written) is true
    /// only of commands [`command_matches`] finds nothing in, and is true of the
    /// plain lines of a script; runners, named tools, matrix names and `bench`
    /// arguments in any case are left to the full match.
    #[test]
    fn finds_nothing_only_when_nothing_is_found() {
        let lines = [
            ("echo Hello", true),
            ("cd Web", true),
            ("export PATH=$PATH:/x", true),
            ("/usr/local/bin/Foo --x", true),
            ("./scripts/deploy.sh --env prod", true),
            ("mkdir -p out@2", true),
            ("sudo npm test", false),
            ("time pytest", false),
            ("/usr/bin/sudo make test", false),
            ("npm test", false),
            ("NPM test", false),
            ("./manage.py test", false),
            ("php${{ matrix.php }} artisan test", false),
            ("./x.sh --BENCH-Compare main", false),
            ("./x.sh --bench --compare", false),
            ("./x.sh --benc-compare", true),
            ("kubectl@1 rollout undo", false),
        ];
        for (line, nothing) in lines {
            let raw: Vec<&str> = line.split(' ').collect();
            let first = raw[0].to_ascii_lowercase();
            let got = finds_nothing(&first, raw[1..].iter().copied());
            assert_eq!(got, nothing, "{line}");
            let lower: Vec<String> = raw.iter().map(|w| w.to_ascii_lowercase()).collect();
            if got {
                assert!(command_matches(&lower).is_empty(), "{line}");
            }
        }
        // Every named arm and runner is left to the full match.
        for name in NAMED {
            assert!(!finds_nothing(name, std::iter::empty()), "{name}");
        }
    }

    /// A command whose name no arm names and the catalogue gives nothing to finds
    /// only a benchmark comparison, as the full match did.
    #[test]
    fn unnamed_commands_find_only_benchmark_comparisons() {
        let w = |s: &str| s.split(' ').map(String::from).collect::<Vec<String>>();
        for line in [
            "echo hello",
            "cd web",
            "./scripts/deploy.sh --env prod",
            "mkdir -p out",
            "true",
        ] {
            let name = base(&w(line)[0]).to_string();
            assert!(!names_matter(&name, catalog().tool(&name)), "{line}");
            assert!(command_matches(&w(line)).is_empty(), "{line}");
        }
        let found = command_matches(&w("./bench.sh --bench-compare main"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].cap, "ops.performance-regression");
        // Named, by an arm or by the catalogue: the full match.
        assert!(names_matter("npm", None));
        assert!(names_matter("./manage.py", None));
        assert!(!command_matches(&w("npm test")).is_empty());
        assert!(!command_matches(&w("npx jest")).is_empty());
    }

    /// A name [`may_name_deploy_time`] passes over gives no deploy-time capability
    /// and does not say "monitor": every keyword of [`script_name_matches`], alone
    /// and in pairs, and some step names.
    #[test]
    fn deploy_time_prefilter_misses_nothing() {
        let words = SCRIPT_KEYWORDS.words();
        let mut names: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        for a in words {
            for b in words {
                names.push(format!("{a} {b}"));
                names.push(format!("{a}{b}"));
            }
        }
        names.extend(
            [
                "checkout",
                "install dependencies",
                "smoke test",
                "db:dump",
                "notify slack",
                "",
            ]
            .map(String::from),
        );
        let mut passed = 0;
        for n in &names {
            let deploy_time = script_name_matches(n)
                .iter()
                .any(|m| DEPLOY_TIME_CAPS.contains(&m.cap))
                || n.contains("monitor");
            if deploy_time {
                assert!(may_name_deploy_time(n), "{n}");
            } else if !may_name_deploy_time(n) {
                passed += 1;
            }
        }
        assert!(passed > 100, "the prefilter skips the names it can");
    }

    fn caps(s: &str) -> Vec<&'static str> {
        let w: Vec<String> = s
            .split_whitespace()
            .map(|x| x.to_ascii_lowercase())
            .collect();
        command_matches(&w).into_iter().map(|m| m.cap).collect()
    }

    /// Monorepo task runners: the task names the packages' scripts (midday, documenso
    /// in corpus-full); a dry run lists packages and runs nothing.
    #[test]
    fn turbo_and_nx_tasks() {
        assert!(caps("turbo run build --filter=@documenso/remix").contains(&"ci.build"));
        assert!(caps("turbo lint --affected").contains(&"ci.lint"));
        assert!(caps("turbo typecheck --affected").contains(&"ci.typecheck"));
        assert!(caps("turbo run test:e2e").contains(&"ci.e2e-tests"));
        assert!(caps("nx affected -t lint,test").contains(&"ci.unit-tests"));
        assert!(caps("nx run-many --target=build").contains(&"ci.build"));
        assert!(caps("nx run web:test").contains(&"ci.unit-tests"));
        assert!(caps("turbo build --affected --dry-run=json").is_empty());
        assert!(caps("turbo login").is_empty());
    }

    /// The commands a coverage runner runs are what they are; the Django test runner
    /// runs tests (netbox, GSA/notifications-api in corpus-full).
    #[test]
    fn coverage_runs_and_django_tests() {
        let c = caps("coverage run --omit=*/migrations/*,*/tests/* -m pytest --maxfail=10");
        assert!(
            c.contains(&"ci.unit-tests") && c.contains(&"ci.coverage"),
            "{c:?}"
        );
        let c = caps("coverage run --rcfile .coveragerc netbox/manage.py test netbox/ --parallel");
        assert!(
            c.contains(&"ci.unit-tests") && c.contains(&"ci.coverage"),
            "{c:?}"
        );
        assert!(caps("python netbox/manage.py test netbox/").contains(&"ci.unit-tests"));
        assert!(caps("./manage.py test").contains(&"ci.unit-tests"));
        // Look-alikes: not tests.
        assert!(!caps("python manage.py migrate").contains(&"ci.unit-tests"));
        assert!(!caps("python manage.py testserver").contains(&"ci.unit-tests"));
        assert!(!caps("coverage report -m --fail-under=92").contains(&"ci.unit-tests"));
        assert!(!caps("coverage run manage.py check").contains(&"ci.unit-tests"));
    }

    /// Yarn Berry's audit is `yarn npm audit` (outline in corpus-full); publishing
    /// through it is not an audit.
    #[test]
    fn yarn_berry_audit() {
        assert!(caps("yarn npm audit --severity high").contains(&"security.dependency-audit"));
        assert!(caps("yarn audit").contains(&"security.dependency-audit"));
        assert!(!caps("yarn npm publish").contains(&"security.dependency-audit"));
        assert!(!caps("npm npm audit").contains(&"security.dependency-audit"));
    }

    /// Migration tools run as a package's binary, D1 migrations, and Cloud Foundry's
    /// rolling push (outline, kentcdodds.com, GSA/notifications-api in corpus-full).
    #[test]
    fn package_binaries_and_platform_commands() {
        assert!(caps("yarn sequelize db:migrate").contains(&"migration"));
        assert!(caps("pnpm exec knex migrate:latest").contains(&"migration"));
        assert!(caps("wrangler d1 migrations apply APP_DB --local").contains(&"migration"));
        assert!(caps("flask db upgrade").contains(&"migration"));
        assert!(caps("flask db check").contains(&"migration-check"));
        assert!(!caps("flask db migrate -m x").contains(&"migration"));
        assert!(caps("cf push -f manifest.yml --strategy rolling").contains(&"deploy.health-check"));
        // Look-alikes.
        assert!(!caps("yarn sequelize --help").contains(&"migration"));
        assert!(!caps("npm sequelize db:migrate").contains(&"migration"));
        assert!(!caps("wrangler d1 migrations list APP_DB --local").contains(&"migration"));
        assert!(!caps("cf push -f manifest.yml").contains(&"deploy.health-check"));
        assert!(!caps("cf logs app --strategy rolling").contains(&"deploy.health-check"));
        // Manifest lists joining per-platform images (documenso).
        assert!(caps(
            "docker manifest create acme/app:1 --amend acme/app-amd64:1 --amend acme/app-arm64:1"
        )
        .contains(&"delivery.multi-arch"));
        assert!(caps(
            "docker buildx imagetools create -t acme/app:1 acme/app:1-amd64 acme/app:1-arm64"
        )
        .contains(&"delivery.multi-arch"));
        assert!(!caps("docker manifest inspect acme/app:1").contains(&"delivery.multi-arch"));
        assert!(!caps("docker manifest create acme/app:1 acme/app-amd64:1")
            .contains(&"delivery.multi-arch"));
    }

    #[test]
    fn issue_24_detections() {
        // OWASP dependency-check through its Gradle task.
        assert_eq!(
            caps("cargo llvm-cov --all-features --lcov --output-path lcov.info"),
            ["ci.coverage", "ci.unit-tests"]
        );
        assert_eq!(caps("cargo llvm-cov report --lcov"), ["ci.coverage"]);
        assert_eq!(caps("mix coveralls.lcov"), ["ci.unit-tests", "ci.coverage"]);
        assert!(caps("./gradlew --no-daemon dependencyCheckAnalyze")
            .contains(&"security.dependency-audit"));
        // A migration tool run from its image.
        assert_eq!(
            caps("docker run --rm --network host -v sql:/flyway/sql flyway/flyway:10.20.1 -url=jdbc:postgresql://db/app migrate"),
            ["migration"]
        );
        assert_eq!(
            caps("docker run --rm flyway/flyway:10.20.1 validate"),
            ["migration-check"]
        );
        // Traffic shifting with kubectl is progressive delivery; other kubectl
        // annotate/patch commands are not.
        assert_eq!(
            caps("kubectl annotate ingress web-canary -n prod nginx.ingress.kubernetes.io/canary-weight=10 --overwrite"),
            ["deploy.progressive"]
        );
        assert_eq!(
            caps("kubectl patch service web -n prod -p {\"spec\":{\"selector\":{\"slot\":\"green\"}}}"),
            ["deploy.progressive"]
        );
        assert!(caps("kubectl annotate pod web owner=team").is_empty());
        assert!(caps("kubectl patch deployment web -p {\"spec\":{\"replicas\":3}}").is_empty());
        // `uv run` past its options.
        let w: Vec<String> = "uv run --with pytest-cov --python 3.12 --frozen pytest -q"
            .split_whitespace()
            .map(String::from)
            .collect();
        assert_eq!(unwrap_runner(&w)[0], "pytest");
    }

    #[test]
    fn recognises_commands() {
        assert_eq!(caps("npm test"), ["ci.unit-tests"]);
        assert_eq!(caps("npm run test:e2e"), ["ci.e2e-tests"]);
        assert_eq!(caps("npx playwright test"), ["ci.e2e-tests"]);
        assert_eq!(
            caps("pytest --cov=app tests"),
            ["ci.unit-tests", "ci.coverage"]
        );
        assert_eq!(caps("python -m mypy src"), ["ci.typecheck"]);
        assert_eq!(caps("uv run ruff check ."), ["ci.lint"]);
        assert_eq!(caps("cargo deny check"), ["security.dependency-audit"]);
        assert_eq!(
            caps("go run golang.org/x/vuln/cmd/govulncheck@v1.1.4 ./..."),
            ["security.dependency-audit"]
        );
        assert_eq!(
            caps("docker buildx build --platform linux/amd64,linux/arm64 ."),
            ["delivery.container-build", "delivery.multi-arch"]
        );
        assert_eq!(caps("cosign sign --yes img"), ["security.signing"]);
        assert_eq!(caps("k6 run load.js"), ["ops.load-testing"]);
        // A name says load testing when `load` starts a word, not inside a verb.
        assert_eq!(caps("npm run test:load"), ["ops.load-testing"]);
        assert_eq!(caps("make load-test"), ["ops.load-testing"]);
        assert!(caps("npm run upload-extensions").is_empty());
        assert!(caps("make gomoddownload").is_empty());
        assert!(caps("make deps-download").is_empty());
        // Coverity is a static analyser, not coverage; gcov and codecov are coverage.
        assert!(caps("make download-coverity-tarball").is_empty());
        assert_eq!(caps("make mergegcov"), ["ci.coverage"]);
        assert_eq!(caps("kubectl rollout undo deploy/api"), ["deploy.rollback"]);
        // Global options before the subcommand (catalogue `value-flags`).
        assert_eq!(
            caps("kubectl -n prod --context=eu rollout undo deploy/api"),
            ["deploy.rollback"]
        );
        assert_eq!(
            caps("kubectl --namespace prod rollout status deploy/api"),
            ["deploy.health-check"]
        );
        assert_eq!(caps("helm -n prod rollback api 3"), ["deploy.rollback"]);
        assert_eq!(
            caps("docker -H ssh://ci@builder build -t app ."),
            ["delivery.container-build"]
        );
        assert_eq!(caps("npm --prefix web run lint"), ["ci.lint"]);
        assert_eq!(caps("npx prisma migrate deploy"), ["migration"]);
        assert_eq!(
            caps("npx prisma migrate diff --exit-code"),
            ["migration-check"]
        );
        assert_eq!(
            caps("python manage.py makemigrations --check --dry-run"),
            ["migration-check"]
        );
        assert_eq!(caps("pg_dump -Fc db"), ["deploy.db-backup"]);
        // Migration tools taught by their catalogue entry alone.
        assert_eq!(
            caps("liquibase --changelog-file db/changelog.xml update"),
            ["migration"]
        );
        assert_eq!(caps("liquibase validate"), ["migration-check"]);
        assert_eq!(caps("flyway -url=jdbc:x migrate"), ["migration"]);
        assert_eq!(caps("npx sequelize-cli db:migrate"), ["migration"]);
        assert_eq!(
            caps("go run -tags postgres example.com/migrate/cmd/migrate@v4 -path m up"),
            ["migration"]
        );
        assert!(caps("echo hello").is_empty());
        assert!(caps("kubectl get pods").is_empty());
    }

    #[test]
    fn scanners_that_cannot_fail_are_weak() {
        let w: Vec<String> = "trivy image app:1".split(' ').map(String::from).collect();
        assert!(command_matches(&w)[0].weak.is_some());
        let w: Vec<String> = "trivy image --exit-code 1 app:1"
            .split(' ')
            .map(String::from)
            .collect();
        assert!(command_matches(&w)[0].weak.is_none());
        let w: Vec<String> = "curl -fsS --retry 5 https://x/health"
            .split(' ')
            .map(String::from)
            .collect();
        assert_eq!(command_matches(&w)[0].cap, "deploy.health-check");
        assert!(command_matches(&w)[0].weak.is_none());
        let w: Vec<String> = "curl https://x/health"
            .split(' ')
            .map(String::from)
            .collect();
        assert!(command_matches(&w)[0].weak.is_some());
    }
}
