//! The workflow builders behind the capabilities' recommendations and
//! ready-to-commit templates, tailored to the detected stack (languages, package
//! manager, migration tool, databases, deploy target). Each capability unit
//! (`capabilities/<id>.rs`) says which of them it uses, in its `recommend` and
//! `template`; this file holds what several share. Every template is hardened the way
//! pipewise's own rules ask: actions pinned by commit SHA with the version in a
//! comment, minimal `permissions`, `timeout-minutes`, `concurrency`,
//! `persist-credentials: false`, and no `${{ }}` expansion inside `run:`.
//! A test audits each one with pipewise itself.

use super::stack::Detected;
use crate::schema::Template;
use pipewise_catalog::catalog;

/// An action pinned the way the catalogue says (`pin`): shown as
/// `owner/repo@<sha> # vX.Y.Z`.
#[derive(Clone, Copy)]
struct Pin(&'static str);

impl std::fmt::Display for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match catalog().action(self.0).and_then(|a| a.pin) {
            Some(p) => f.write_str(p),
            // Every pin used here is in the catalogue (the template tests audit them).
            None => write!(f, "{}@UNPINNED", self.0),
        }
    }
}

const CHECKOUT: Pin = Pin("actions/checkout");
const SETUP_NODE: Pin = Pin("actions/setup-node");
const SETUP_PYTHON: Pin = Pin("actions/setup-python");
const SETUP_GO: Pin = Pin("actions/setup-go");
const SETUP_JAVA: Pin = Pin("actions/setup-java");
const SETUP_RUBY: Pin = Pin("ruby/setup-ruby");
const SETUP_UV: Pin = Pin("astral-sh/setup-uv");
const PNPM: Pin = Pin("pnpm/action-setup");
const RUST_CACHE: Pin = Pin("swatinem/rust-cache");
const CODEQL_INIT: Pin = Pin("github/codeql-action/init");
const CODEQL_ANALYZE: Pin = Pin("github/codeql-action/analyze");
const CODEQL_AUTOBUILD: Pin = Pin("github/codeql-action/autobuild");
const BUILDX: Pin = Pin("docker/setup-buildx-action");
const QEMU: Pin = Pin("docker/setup-qemu-action");
const BUILD_PUSH: Pin = Pin("docker/build-push-action");
const LOGIN: Pin = Pin("docker/login-action");
const METADATA: Pin = Pin("docker/metadata-action");
const TRIVY: Pin = Pin("aquasecurity/trivy-action");
const SBOM: Pin = Pin("anchore/sbom-action");
const COSIGN: Pin = Pin("sigstore/cosign-installer");
const ATTEST: Pin = Pin("actions/attest-build-provenance");
const TRUFFLEHOG: Pin = Pin("trufflesecurity/trufflehog");
const CODECOV: Pin = Pin("codecov/codecov-action");
const SLACK: Pin = Pin("slackapi/slack-github-action");
const DEP_REVIEW: Pin = Pin("actions/dependency-review-action");

/// The toolchain of the repository's main language, as workflow snippets.
pub(super) struct Lang {
    /// Steps (indented for a job's `steps:`) that install the toolchain with caching.
    pub(super) setup: String,
    pub(super) install: &'static str,
    pub(super) lint: &'static str,
    pub(super) typecheck: Option<&'static str>,
    pub(super) test: &'static str,
    pub(super) build: &'static str,
    pub(super) audit: &'static str,
    /// CodeQL language and build mode.
    pub(super) codeql: Option<(&'static str, &'static str)>,
    pub(super) release_type: &'static str,
}

/// The `with:` line that picks the Node version: the repository's `.nvmrc` or
/// `.node-version` when it has one (setup-node reads it), else Node 22.
fn node_version(d: &Detected) -> String {
    match [".nvmrc", ".node-version"]
        .into_iter()
        .find(|f| d.version_files.contains(*f))
    {
        Some(f) => format!("node-version-file: {f}"),
        None => "node-version: 22".into(),
    }
}

/// The `with:` line that picks the Python version: the repository's
/// `.python-version` when it has one, else 3.12.
fn python_version(d: &Detected) -> &'static str {
    if d.version_files.contains(".python-version") {
        "python-version-file: .python-version"
    } else {
        "python-version: \"3.12\""
    }
}

fn node_pm(d: &Detected) -> &'static str {
    for pm in ["pnpm", "yarn", "npm"] {
        if d.stack.package_managers.iter().any(|p| p == pm) {
            return pm;
        }
    }
    "npm"
}

pub(super) fn lang(d: &Detected) -> Lang {
    let has = |l: &str| d.has_language(l);
    let pm = |p: &str| d.stack.package_managers.iter().any(|x| x == p);
    if has("javascript") {
        let ts = has("typescript");
        let p = node_pm(d);
        let pnpm = if p == "pnpm" {
            format!("      - uses: {PNPM}\n")
        } else {
            String::new()
        };
        let version = node_version(d);
        let (install, lint, test, build, audit, typecheck) = match p {
            "pnpm" => (
                "pnpm install --frozen-lockfile",
                "pnpm run lint",
                "pnpm test -- --coverage",
                "pnpm run build",
                "pnpm audit --audit-level high",
                "pnpm exec tsc --noEmit",
            ),
            "yarn" => (
                "yarn install --frozen-lockfile",
                "yarn lint",
                "yarn test --coverage",
                "yarn build",
                "yarn npm audit --severity high",
                "yarn tsc --noEmit",
            ),
            _ => (
                "npm ci",
                "npm run lint",
                "npm test -- --coverage",
                "npm run build",
                "npm audit --audit-level=high",
                "npx tsc --noEmit",
            ),
        };
        return Lang {
            setup: format!("{pnpm}      - uses: {SETUP_NODE}\n        with:\n          {version}\n          cache: {p}\n"),
            install,
            lint,
            typecheck: ts.then_some(typecheck),
            test,
            build,
            audit,
            codeql: Some(("javascript-typescript", "none")),
            release_type: "node",
        };
    }
    if has("python") {
        let uv = pm("uv");
        let setup = if uv {
            format!("      - uses: {SETUP_UV}\n        with:\n          enable-cache: true\n")
        } else {
            format!(
                "      - uses: {SETUP_PYTHON}\n        with:\n          {}\n          cache: pip\n",
                python_version(d)
            )
        };
        return Lang {
            setup,
            install: if uv {
                "uv sync --frozen"
            } else if pm("poetry") {
                "pipx install poetry==1.8.5 && poetry install --no-interaction"
            } else {
                "python -m pip install -r requirements.txt pytest pytest-cov ruff mypy pip-audit"
            },
            lint: if uv {
                "uv run ruff check ."
            } else {
                "ruff check ."
            },
            typecheck: Some(if uv { "uv run mypy ." } else { "mypy ." }),
            test: if uv {
                "uv run pytest --cov --cov-fail-under=80"
            } else {
                "pytest --cov --cov-fail-under=80"
            },
            build: if uv {
                "uv build"
            } else {
                "python -m pip wheel --no-deps -w dist ."
            },
            audit: if uv {
                "uvx pip-audit==2.10.1"
            } else {
                "pip-audit -r requirements.txt"
            },
            codeql: Some(("python", "none")),
            release_type: "python",
        };
    }
    if has("go") {
        return Lang {
            setup: format!(
                "      - uses: {SETUP_GO}\n        with:\n          go-version-file: go.mod\n"
            ),
            install: "go mod download",
            lint: "go vet ./...",
            typecheck: None,
            test: "go test -race -coverprofile=coverage.out ./...",
            build: "go build ./...",
            audit: "go run golang.org/x/vuln/cmd/govulncheck@v1.1.4 ./...",
            codeql: Some(("go", "autobuild")),
            release_type: "go",
        };
    }
    if has("rust") {
        return Lang {
            setup: format!("      - run: rustup toolchain install stable --profile minimal --component clippy,rustfmt\n      - uses: {RUST_CACHE}\n"),
            install: "cargo fetch --locked",
            lint: "cargo fmt --all --check && cargo clippy --all-targets --locked -- -D warnings",
            typecheck: None,
            test: "cargo test --locked",
            build: "cargo build --locked --release",
            audit: "cargo install cargo-audit --locked --version 0.21.2 && cargo audit",
            codeql: Some(("rust", "none")),
            release_type: "rust",
        };
    }
    if has("java") || has("kotlin") {
        let gradle = pm("gradle");
        return Lang {
            setup: format!("      - uses: {SETUP_JAVA}\n        with:\n          distribution: temurin\n          java-version: \"21\"\n          cache: {}\n", if gradle { "gradle" } else { "maven" }),
            install: if gradle { "./gradlew dependencies" } else { "mvn -B dependency:go-offline" },
            lint: if gradle { "./gradlew check -x test" } else { "mvn -B checkstyle:check" },
            typecheck: None,
            test: if gradle { "./gradlew test jacocoTestReport" } else { "mvn -B verify" },
            build: if gradle { "./gradlew build -x test" } else { "mvn -B package -DskipTests" },
            audit: if gradle { "./gradlew dependencyCheckAnalyze" } else { "mvn -B org.owasp:dependency-check-maven:check" },
            codeql: Some(("java-kotlin", "none")),
            release_type: if gradle { "simple" } else { "maven" },
        };
    }
    if has("ruby") {
        return Lang {
            setup: format!(
                "      - uses: {SETUP_RUBY}\n        with:\n          bundler-cache: true\n"
            ),
            install: "bundle install",
            lint: "bundle exec rubocop",
            typecheck: None,
            test: "bundle exec rspec",
            build: "bundle exec rake build",
            audit: "bundle exec bundle-audit check --update",
            codeql: Some(("ruby", "none")),
            release_type: "ruby",
        };
    }
    if has("php") {
        return Lang {
            setup: String::new(),
            install: "composer install --no-interaction --prefer-dist",
            lint: "vendor/bin/php-cs-fixer fix --dry-run --diff",
            typecheck: Some("vendor/bin/phpstan analyse"),
            test: "vendor/bin/phpunit --coverage-text",
            build: "composer validate --strict",
            audit: "composer audit",
            codeql: None,
            release_type: "php",
        };
    }
    if has("csharp") {
        return Lang {
            setup: String::new(),
            install: "dotnet restore",
            lint: "dotnet format --verify-no-changes",
            typecheck: None,
            test: "dotnet test --collect:\"XPlat Code Coverage\"",
            build: "dotnet build --no-restore",
            audit: "dotnet list package --vulnerable --include-transitive",
            codeql: Some(("csharp", "none")),
            release_type: "simple",
        };
    }
    Lang {
        setup: String::new(),
        install: "make deps",
        lint: "make lint",
        typecheck: None,
        test: "make test",
        build: "make build",
        audit: "make audit",
        codeql: None,
        release_type: "simple",
    }
}

/// Setup steps without dependency caches, for jobs that deploy or publish (a
/// poisoned cache entry would ship).
fn no_cache(setup: &str) -> String {
    // setup-uv caches by default (`enable-cache: auto`): turn it off explicitly.
    if setup.contains("setup-uv") {
        return setup.replace("enable-cache: true", "enable-cache: false");
    }
    let lines: Vec<&str> = setup.lines().filter(|l| !l.contains("cache")).collect();
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate() {
        let indent = l.len() - l.trim_start().len();
        let next_deeper = lines
            .get(i + 1)
            .is_some_and(|n| n.len() - n.trim_start().len() > indent);
        if l.trim() == "with:" && !next_deeper {
            continue;
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}

fn header(name: &str, on: &str) -> String {
    format!(
        "name: {name}\n\non:\n{on}\npermissions:\n  contents: read\n\nconcurrency:\n  group: ${{{{ github.workflow }}}}-${{{{ github.ref }}}}\n  cancel-in-progress: true\n\n"
    )
}

const ON_CHANGE: &str = "  push:\n    branches: [main]\n  pull_request:\n";

fn checkout() -> String {
    format!("      - uses: {CHECKOUT}\n        with:\n          persist-credentials: false\n")
}

fn run(name: &str, cmd: &str) -> String {
    format!("      - name: {name}\n        run: {cmd}\n")
}

/// The Postgres/MySQL service block for jobs that need the database.
pub(super) fn services(d: &Detected) -> (String, String) {
    if d.stack.databases.iter().any(|x| x == "postgresql")
        || d.stack.databases.iter().any(|x| x == "sql")
    {
        (
            "    services:\n      postgres:\n        image: postgres:16-alpine\n        env:\n          POSTGRES_USER: ci\n          POSTGRES_PASSWORD: ci\n          POSTGRES_DB: ci\n        ports:\n          - 5432:5432\n        options: >-\n          --health-cmd pg_isready\n          --health-interval 5s\n          --health-timeout 5s\n          --health-retries 10\n".into(),
            "      DATABASE_URL: postgresql://ci:ci@localhost:5432/ci\n".into(),
        )
    } else if d.stack.databases.iter().any(|x| x == "mysql") {
        (
            "    services:\n      mysql:\n        image: mysql:8.4\n        env:\n          MYSQL_ROOT_PASSWORD: ci\n          MYSQL_DATABASE: ci\n        ports:\n          - 3306:3306\n        options: >-\n          --health-cmd \"mysqladmin ping -h localhost\"\n          --health-interval 5s\n          --health-retries 10\n".into(),
            "      DATABASE_URL: mysql://root:ci@127.0.0.1:3306/ci\n".into(),
        )
    } else {
        (String::new(), String::new())
    }
}

pub(super) fn ci(d: &Detected) -> String {
    let l = lang(d);
    let mut s = header("CI", ON_CHANGE);
    s.push_str("jobs:\n  lint:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    steps:\n");
    s.push_str(&checkout());
    s.push_str(&l.setup);
    s.push_str(&run("Install dependencies", l.install));
    s.push_str(&run("Lint", l.lint));
    if let Some(t) = l.typecheck {
        s.push_str(&run("Type check", t));
    }
    let (svc, env) = services(d);
    s.push_str("\n  test:\n    runs-on: ubuntu-latest\n    timeout-minutes: 20\n");
    s.push_str(&svc);
    if !env.is_empty() {
        s.push_str("    env:\n");
        s.push_str(&env);
    }
    s.push_str("    steps:\n");
    s.push_str(&checkout());
    s.push_str(&l.setup);
    s.push_str(&run("Install dependencies", l.install));
    if let Some(m) = migrate_cmd(d) {
        s.push_str(&run("Apply migrations to a fresh database", m));
    }
    s.push_str(&run("Test with coverage", l.test));
    s.push_str(&format!("      - name: Upload coverage\n        uses: {CODECOV}\n        with:\n          fail_ci_if_error: true\n          token: ${{{{ secrets.CODECOV_TOKEN }}}}\n"));
    s.push_str("\n  build:\n    runs-on: ubuntu-latest\n    timeout-minutes: 15\n    needs: [lint, test]\n    steps:\n");
    s.push_str(&checkout());
    s.push_str(&l.setup);
    s.push_str(&run("Install dependencies", l.install));
    s.push_str(&run("Build", l.build));
    s
}

pub(super) fn codeql(d: &Detected) -> String {
    let mut langs: Vec<(&str, &str)> = vec![];
    let has = |l: &str| d.has_language(l);
    if has("javascript") {
        langs.push(("javascript-typescript", "none"));
    }
    if has("python") {
        langs.push(("python", "none"));
    }
    if has("go") {
        langs.push(("go", "autobuild"));
    }
    if has("rust") {
        langs.push(("rust", "none"));
    }
    if has("java") || has("kotlin") {
        langs.push(("java-kotlin", "none"));
    }
    if has("ruby") {
        langs.push(("ruby", "none"));
    }
    if has("csharp") {
        langs.push(("csharp", "none"));
    }
    langs.push(("actions", "none"));
    let mut s = header(
        "CodeQL",
        "  push:\n    branches: [main]\n  pull_request:\n  schedule:\n    - cron: \"23 4 * * 1\"\n",
    );
    s.push_str("jobs:\n  analyze:\n    name: Analyze (${{ matrix.language }})\n    runs-on: ubuntu-latest\n    timeout-minutes: 30\n    permissions:\n      contents: read\n      security-events: write\n    strategy:\n      fail-fast: false\n      matrix:\n        include:\n");
    for (l, m) in &langs {
        s.push_str(&format!(
            "          - language: {l}\n            build-mode: {m}\n"
        ));
    }
    s.push_str("    steps:\n");
    s.push_str(&checkout());
    s.push_str(&format!("      - uses: {CODEQL_INIT}\n        with:\n          languages: ${{{{ matrix.language }}}}\n          build-mode: ${{{{ matrix.build-mode }}}}\n          queries: security-extended\n"));
    if langs.iter().any(|(_, m)| *m == "autobuild") {
        s.push_str(&format!(
            "      - if: matrix.build-mode == 'autobuild'\n        uses: {CODEQL_AUTOBUILD}\n"
        ));
    }
    s.push_str(&format!("      - uses: {CODEQL_ANALYZE}\n        with:\n          category: /language:${{{{ matrix.language }}}}\n"));
    s
}

pub(super) fn semgrep() -> String {
    let mut s = header("Semgrep", ON_CHANGE);
    s.push_str(
        "jobs:\n  semgrep:\n    runs-on: ubuntu-latest\n    timeout-minutes: 15\n    steps:\n",
    );
    s.push_str(&checkout());
    s.push_str(&run(
        "Install semgrep",
        "python3 -m pip install semgrep==1.185.0",
    ));
    s.push_str(&run(
        "Scan (fails on findings)",
        "semgrep scan --config p/default --error",
    ));
    s
}

fn audit_steps(d: &Detected) -> String {
    let mut s = String::new();
    let has = |l: &str| d.has_language(l);
    let mut first = true;
    let mut job = |name: &str, setup: String, cmds: &[&str], s: &mut String| {
        if !first {
            s.push('\n');
        }
        first = false;
        s.push_str(&format!(
            "  {name}:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    steps:\n"
        ));
        s.push_str(&checkout());
        s.push_str(&setup);
        for c in cmds {
            s.push_str(&run("Audit dependencies", c));
        }
    };
    let l = lang(d);
    if has("javascript") {
        let p = node_pm(d);
        let pnpm = if p == "pnpm" {
            format!("      - uses: {PNPM}\n")
        } else {
            String::new()
        };
        let setup = format!(
            "{pnpm}      - uses: {SETUP_NODE}\n        with:\n          {}\n",
            node_version(d)
        );
        let cmd = match p {
            "pnpm" => "pnpm audit --audit-level high --prod",
            "yarn" => "yarn npm audit --severity high --environment production",
            _ => "npm audit --audit-level=high --omit=dev",
        };
        job("node", setup, &[cmd], &mut s);
    }
    if has("python") {
        let setup = format!(
            "      - uses: {SETUP_PYTHON}\n        with:\n          {}\n",
            python_version(d)
        );
        let cmd = if d
            .stack
            .package_managers
            .iter()
            .any(|p| p == "uv" || p == "poetry")
        {
            "python -m pip install pip-audit==2.10.1 && pip-audit ."
        } else {
            "python -m pip install pip-audit==2.10.1 && pip-audit -r requirements.txt"
        };
        job("python", setup, &[cmd], &mut s);
    }
    if has("go") {
        job(
            "go",
            format!("      - uses: {SETUP_GO}\n        with:\n          go-version-file: go.mod\n"),
            &["go run golang.org/x/vuln/cmd/govulncheck@v1.1.4 ./..."],
            &mut s,
        );
    }
    if has("rust") {
        job(
            "rust",
            String::new(),
            &["cargo install cargo-audit --locked --version 0.21.2 && cargo audit"],
            &mut s,
        );
    }
    if has("ruby") || has("php") || has("java") || has("kotlin") || has("csharp") {
        job("deps", l.setup.clone(), &[l.audit], &mut s);
    }
    if s.is_empty() {
        job("deps", String::new(), &[l.audit], &mut s);
    }
    s
}

pub(super) fn dependency_audit(d: &Detected) -> String {
    let mut s = header(
        "Dependency audit",
        "  push:\n    branches: [main]\n  pull_request:\n  schedule:\n    - cron: \"17 5 * * *\"\n",
    );
    s.push_str("jobs:\n");
    s.push_str(&audit_steps(d));
    s.push_str("\n  review:\n    if: github.event_name == 'pull_request'\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    permissions:\n      contents: read\n      pull-requests: write\n    steps:\n");
    s.push_str(&checkout());
    s.push_str(&format!(
        "      - uses: {DEP_REVIEW}\n        with:\n          fail-on-severity: high\n"
    ));
    s
}

pub(super) fn secret_scan() -> String {
    let mut s = header("Secret scanning", ON_CHANGE);
    s.push_str(
        "jobs:\n  trufflehog:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    steps:\n",
    );
    s.push_str(&format!("      - uses: {CHECKOUT}\n        with:\n          fetch-depth: 0\n          persist-credentials: false\n"));
    s.push_str(&format!("      - uses: {TRUFFLEHOG}\n        with:\n          extra_args: --results=verified,unknown --fail\n"));
    s
}

pub(super) fn container(d: &Detected) -> String {
    // The repository's own Dockerfile (it may be `infra/docker/Dockerfile.api`).
    let dockerfile = d
        .dockerfiles
        .first()
        .cloned()
        .unwrap_or_else(|| "Dockerfile".to_string());
    let mut s = header(
        "Container image",
        "  push:\n    branches: [main]\n    tags: [\"v*\"]\n  pull_request:\n",
    );
    s.push_str("env:\n  IMAGE: ghcr.io/${{ github.repository }}\n\n");
    s.push_str("jobs:\n  image:\n    runs-on: ubuntu-latest\n    timeout-minutes: 30\n    permissions:\n      contents: read\n      packages: write\n      id-token: write\n      attestations: write\n    steps:\n");
    s.push_str(&checkout());
    s.push_str(&format!(
        "      - uses: {QEMU}\n      - uses: {BUILDX}\n        with:\n          cache-binary: false\n"
    ));
    s.push_str(&format!("      - id: meta\n        uses: {METADATA}\n        with:\n          images: ${{{{ env.IMAGE }}}}\n"));
    s.push_str(&format!("      - name: Build for scanning (not pushed)\n        uses: {BUILD_PUSH}\n        with:\n          context: .\n          file: {dockerfile}\n          load: true\n          push: false\n          tags: scan:${{{{ github.sha }}}}\n"));
    s.push_str(&format!("      - name: Scan the image before it is pushed\n        uses: {TRIVY}\n        with:\n          image-ref: scan:${{{{ github.sha }}}}\n          exit-code: \"1\"\n          severity: CRITICAL,HIGH\n          ignore-unfixed: true\n"));
    s.push_str(&format!("      - if: github.event_name != 'pull_request'\n        uses: {LOGIN}\n        with:\n          registry: ghcr.io\n          username: ${{{{ github.actor }}}}\n          password: ${{{{ secrets.GITHUB_TOKEN }}}}\n"));
    s.push_str(&format!("      - id: push\n        name: Build and push (multi-arch, SBOM, provenance)\n        uses: {BUILD_PUSH}\n        with:\n          context: .\n          file: {dockerfile}\n          platforms: linux/amd64,linux/arm64\n          push: ${{{{ github.event_name != 'pull_request' }}}}\n          tags: ${{{{ steps.meta.outputs.tags }}}}\n          labels: ${{{{ steps.meta.outputs.labels }}}}\n          sbom: true\n          provenance: mode=max\n"));
    s.push_str(&format!("      - if: github.event_name != 'pull_request'\n        uses: {SBOM}\n        with:\n          image: ${{{{ env.IMAGE }}}}@${{{{ steps.push.outputs.digest }}}}\n          format: spdx-json\n"));
    s.push_str(&format!(
        "      - if: github.event_name != 'pull_request'\n        uses: {COSIGN}\n"
    ));
    s.push_str("      - name: Sign the image (keyless)\n        if: github.event_name != 'pull_request'\n        env:\n          DIGEST: ${{ steps.push.outputs.digest }}\n        run: cosign sign --yes \"$IMAGE@$DIGEST\"\n");
    s.push_str(&format!("      - if: github.event_name != 'pull_request'\n        uses: {ATTEST}\n        with:\n          subject-name: ${{{{ env.IMAGE }}}}\n          subject-digest: ${{{{ steps.push.outputs.digest }}}}\n          push-to-registry: true\n"));
    s
}

pub(super) fn dependabot(d: &Detected) -> String {
    let mut s = String::from("version: 2\nupdates:\n");
    for (eco, dirs) in &d.ecosystems {
        for dir in dirs {
            s.push_str(&format!(
                "  - package-ecosystem: {eco}\n    directory: \"{dir}\"\n    schedule:\n      interval: weekly\n    groups:\n      {}:\n        patterns: [\"*\"]\n",
                eco.replace('-', "_")
            ));
            if *eco != "github-actions" && *eco != "docker" {
                s.push_str("    open-pull-requests-limit: 10\n");
            }
        }
    }
    if d.ecosystems.is_empty() {
        s.push_str("  - package-ecosystem: github-actions\n    directory: \"/\"\n    schedule:\n      interval: weekly\n");
    }
    s
}

pub(super) fn release(d: &Detected) -> String {
    let l = lang(d);
    let mut s = "name: Release\n\non:\n  push:\n    branches: [main]\n\npermissions:\n  contents: read\n\nconcurrency:\n  group: release\n  cancel-in-progress: false\n\njobs:\n  test:\n    runs-on: ubuntu-latest\n    timeout-minutes: 20\n    steps:\n".to_string();
    s.push_str(&checkout());
    s.push_str(&l.setup);
    s.push_str(&run("Install dependencies", l.install));
    s.push_str(&run("Test", l.test));
    s.push_str("\n  release-please:\n    needs: test\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    permissions:\n      contents: write\n      pull-requests: write\n    steps:\n");
    // release-please runs on Node: the project's version when a version file
    // says it (read from a checkout), else 22.
    let node = node_version(d);
    if node.starts_with("node-version-file") {
        s.push_str(&checkout());
    }
    s.push_str(&format!(
        "      - uses: {SETUP_NODE}\n        with:\n          {node}\n"
    ));
    s.push_str(&format!(
        "      - name: Open or update the release PR (versions and CHANGELOG.md from conventional commits)\n        env:\n          GITHUB_TOKEN: ${{{{ secrets.GITHUB_TOKEN }}}}\n        run: npx --yes release-please@17.11.2 release-pr --token=\"$GITHUB_TOKEN\" --repo-url=\"$GITHUB_REPOSITORY\" --release-type={}\n",
        l.release_type
    ));
    s.push_str(&format!(
        "      - name: Tag and publish the GitHub release when the release PR is merged\n        env:\n          GITHUB_TOKEN: ${{{{ secrets.GITHUB_TOKEN }}}}\n        run: npx --yes release-please@17.11.2 github-release --token=\"$GITHUB_TOKEN\" --repo-url=\"$GITHUB_REPOSITORY\" --release-type={}\n",
        l.release_type
    ));
    s
}

/// The first migration tool of the catalogue's `migrator` list that the stack has.
fn migrators(d: &Detected) -> impl Iterator<Item = &'static pipewise_catalog::Migrator> + '_ {
    catalog()
        .migrators()
        .iter()
        .filter(|m| d.stack.migrations.iter().any(|n| n == m.name))
}

/// The command that applies migrations with the detected tool.
fn migrate_cmd(d: &Detected) -> Option<&'static str> {
    migrators(d).next().map(|m| m.apply)
}

/// A check that the migrations match the schema, for tools that can tell.
fn drift_cmd(d: &Detected) -> Option<&'static str> {
    migrators(d).find_map(|m| m.drift)
}

pub(super) fn migration_check(d: &Detected) -> Option<String> {
    let apply = migrate_cmd(d)?;
    let l = lang(d);
    let (svc, env) = services(d);
    let mut s = header(
        "Migration check",
        "  pull_request:\n  push:\n    branches: [main]\n",
    );
    s.push_str("jobs:\n  migrations:\n    runs-on: ubuntu-latest\n    timeout-minutes: 15\n");
    s.push_str(&svc);
    s.push_str("    env:\n");
    s.push_str(&env);
    if env.contains("postgresql://") {
        s.push_str("      SHADOW_DATABASE_URL: postgresql://ci:ci@localhost:5432/shadow\n");
    }
    s.push_str("    steps:\n");
    s.push_str(&checkout());
    s.push_str(&l.setup);
    s.push_str(&run("Install dependencies", l.install));
    if env.contains("postgresql://") && d.stack.migrations.iter().any(|m| m == "prisma") {
        s.push_str(&run(
            "Create the shadow database",
            "psql \"$DATABASE_URL\" -c 'CREATE DATABASE shadow'",
        ));
    }
    s.push_str(&run("Apply every migration to a fresh database", apply));
    if let Some(drift) = drift_cmd(d) {
        s.push_str(&run(
            "Fail when the schema and the migrations disagree",
            drift,
        ));
    }
    Some(s)
}

/// The target name when no deploy target was detected.
pub(super) const GENERIC: &str = "your platform";

/// Deploy, health-check, rollback and status commands for the detected target.
pub(super) struct Target {
    pub(super) name: &'static str,
    pub(super) deploy_staging: &'static str,
    pub(super) deploy_production: &'static str,
    pub(super) rollback: &'static str,
    pub(super) setup: String,
    pub(super) secret_env: &'static str,
    pub(super) progressive: Option<&'static str>,
}

pub(super) fn target(d: &Detected) -> Target {
    let t = |x: &str| d.stack.deploy_targets.iter().any(|v| v == x);
    if t("fly.io") {
        Target {
            name: "fly.io",
            deploy_staging: "flyctl deploy --remote-only --app \"$FLY_STAGING_APP\"",
            deploy_production: "flyctl deploy --remote-only --strategy canary",
            rollback: "flyctl deploy --remote-only --image \"$PREVIOUS_IMAGE\"",
            setup: "      - name: Install flyctl\n        run: |\n          curl -fsSL --retry 3 -o /tmp/flyctl.tgz \"https://github.com/superfly/flyctl/releases/download/v0.3.209/flyctl_0.3.209_Linux_x86_64.tar.gz\"\n          tar -xzf /tmp/flyctl.tgz -C /usr/local/bin flyctl\n".into(),
            secret_env: "          FLY_API_TOKEN: ${{ secrets.FLY_API_TOKEN }}\n          FLY_STAGING_APP: ${{ vars.FLY_STAGING_APP }}\n",
            progressive: Some("flyctl deploy --strategy canary"),
        }
    } else if t("kubernetes") {
        Target {
            name: "kubernetes",
            deploy_staging: "kubectl --context staging apply -k k8s/overlays/staging && kubectl --context staging rollout status deploy/app --timeout=300s",
            deploy_production: "kubectl apply -k k8s/overlays/production && kubectl rollout status deploy/app --timeout=300s",
            rollback: "kubectl rollout undo deploy/app ${PREVIOUS_VERSION:+--to-revision=\"$PREVIOUS_VERSION\"} && kubectl rollout status deploy/app --timeout=300s",
            setup: "      - name: Configure kubectl\n        env:\n          KUBECONFIG_DATA: ${{ secrets.KUBECONFIG_DATA }}\n        run: |\n          umask 077\n          printf '%s' \"$KUBECONFIG_DATA\" | base64 -d > \"$RUNNER_TEMP/kubeconfig\"\n          echo \"KUBECONFIG=$RUNNER_TEMP/kubeconfig\" >> \"$GITHUB_ENV\"\n".into(),
            secret_env: "          KUBECONFIG_DATA: ${{ secrets.KUBECONFIG_DATA }}\n",
            progressive: None,
        }
    } else if t("vercel") {
        Target {
            name: "vercel",
            deploy_staging: "npx --yes vercel@64.0.2 deploy --token=\"$VERCEL_TOKEN\" --target=preview",
            deploy_production: "npx --yes vercel@64.0.2 deploy --prod --token=\"$VERCEL_TOKEN\"",
            rollback: "npx --yes vercel@64.0.2 rollback --token=\"$VERCEL_TOKEN\" --yes",
            setup: String::new(),
            secret_env: "          VERCEL_TOKEN: ${{ secrets.VERCEL_TOKEN }}\n          VERCEL_ORG_ID: ${{ vars.VERCEL_ORG_ID }}\n          VERCEL_PROJECT_ID: ${{ vars.VERCEL_PROJECT_ID }}\n",
            progressive: None,
        }
    } else if t("netlify") {
        Target {
            name: "netlify",
            deploy_staging: "npx --yes netlify-cli@27.10.2 deploy --alias staging",
            deploy_production: "npx --yes netlify-cli@27.10.2 deploy --prod",
            rollback: "npx --yes netlify-cli@27.10.2 api restoreSiteDeploy --data \"{\\\"site_id\\\":\\\"$NETLIFY_SITE_ID\\\",\\\"deploy_id\\\":\\\"$PREVIOUS_DEPLOY\\\"}\"",
            setup: String::new(),
            secret_env: "          NETLIFY_AUTH_TOKEN: ${{ secrets.NETLIFY_AUTH_TOKEN }}\n          NETLIFY_SITE_ID: ${{ vars.NETLIFY_SITE_ID }}\n",
            progressive: None,
        }
    } else {
        Target {
            name: GENERIC,
            deploy_staging: "./scripts/deploy.sh staging",
            deploy_production: "./scripts/deploy.sh production",
            rollback: "./scripts/deploy.sh production \"$PREVIOUS_VERSION\"",
            setup: String::new(),
            secret_env: "          DEPLOY_TOKEN: ${{ secrets.DEPLOY_TOKEN }}\n",
            progressive: None,
        }
    }
}

pub(super) fn deploy(d: &Detected) -> String {
    let l = lang(d);
    let t = target(d);
    let mut s = "name: Deploy\n\non:\n  push:\n    branches: [main]\n  workflow_dispatch:\n\npermissions:\n  contents: read\n\nconcurrency:\n  group: deploy-${{ github.ref }}\n  cancel-in-progress: false\n\njobs:\n  test:\n    runs-on: ubuntu-latest\n    timeout-minutes: 20\n    steps:\n".to_string();
    s.push_str(&checkout());
    s.push_str(&l.setup);
    s.push_str(&run("Install dependencies", l.install));
    s.push_str(&run("Test", l.test));
    for (env, needs, cmd) in [
        ("staging", "test", t.deploy_staging),
        ("production", "staging", t.deploy_production),
    ] {
        let prod = env == "production";
        s.push_str(&format!(
            "\n  {env}:\n    needs: {needs}\n    runs-on: ubuntu-latest\n    timeout-minutes: 30\n    # Protect the `{env}` environment{} in Settings > Environments.\n    environment:\n      name: {env}\n      url: ${{{{ vars.{}_URL }}}}\n    steps:\n",
            if prod { " with required reviewers" } else { "" },
            env.to_ascii_uppercase()
        ));
        s.push_str(&checkout());
        s.push_str(&t.setup);
        if prod && d.has_database() && migrate_cmd(d).is_some() {
            s.push_str("      # Keep the dump somewhere durable (object storage), or use your provider's snapshot command.\n      - name: Back up the database before migrating\n        env:\n          DATABASE_URL: ${{ secrets.DATABASE_URL }}\n        run: pg_dump --format=custom --file=\"backup-$GITHUB_SHA.dump\" \"$DATABASE_URL\"\n");
        }
        if let Some(m) = migrate_cmd(d) {
            s.push_str(&no_cache(&l.setup));
            s.push_str(&run("Install dependencies", l.install));
            s.push_str(&format!("      - name: Apply migrations\n        env:\n          DATABASE_URL: ${{{{ secrets.DATABASE_URL }}}}\n        run: {m}\n"));
        }
        s.push_str(&format!(
            "      - name: Deploy to {env} ({})\n        env:\n{}        run: {cmd}\n",
            t.name, t.secret_env
        ));
        s.push_str(&format!(
            "      - name: Health check (retries, fails the deploy)\n        env:\n          APP_URL: ${{{{ vars.{}_URL }}}}\n        run: curl --fail --silent --show-error --retry 10 --retry-all-errors --retry-delay 6 \"$APP_URL/health\"\n",
            env.to_ascii_uppercase()
        ));
        s.push_str(&format!(
            "      - name: Smoke tests\n        env:\n          APP_URL: ${{{{ vars.{}_URL }}}}\n        run: curl --fail --silent --show-error --retry 3 \"$APP_URL/\" --output /dev/null\n",
            env.to_ascii_uppercase()
        ));
        if prod {
            s.push_str(&format!(
                "      - name: Roll back on failure\n        if: failure()\n        env:\n{}          PREVIOUS_IMAGE: ${{{{ vars.PREVIOUS_IMAGE }}}}\n          PREVIOUS_VERSION: ${{{{ vars.PREVIOUS_VERSION }}}}\n          PREVIOUS_DEPLOY: ${{{{ vars.PREVIOUS_DEPLOY }}}}\n        run: {}\n",
                t.secret_env, t.rollback
            ));
        }
        s.push_str(&format!(
            "      - name: Notify\n        if: always()\n        uses: {SLACK}\n        with:\n          webhook: ${{{{ secrets.SLACK_WEBHOOK_URL }}}}\n          webhook-type: incoming-webhook\n          payload: |\n            text: \"{env} deploy of ${{{{ github.sha }}}}: ${{{{ job.status }}}}\"\n"
        ));
    }
    s
}

pub(super) fn rollback(d: &Detected) -> String {
    let t = target(d);
    let mut s = "name: Rollback\n\non:\n  workflow_dispatch:\n    inputs:\n      version:\n        description: Image, release or version to roll back to\n        required: true\n        type: string\n\npermissions:\n  contents: read\n\nconcurrency:\n  group: deploy-refs/heads/main\n  cancel-in-progress: false\n\njobs:\n  rollback:\n    runs-on: ubuntu-latest\n    timeout-minutes: 15\n    environment:\n      name: production\n      url: ${{ vars.PRODUCTION_URL }}\n    steps:\n".to_string();
    s.push_str(&checkout());
    s.push_str(&t.setup);
    s.push_str(&format!(
        "      - name: Roll back ({})\n        env:\n{}          PREVIOUS_IMAGE: ${{{{ inputs.version }}}}\n          PREVIOUS_VERSION: ${{{{ inputs.version }}}}\n          PREVIOUS_DEPLOY: ${{{{ inputs.version }}}}\n        run: {}\n",
        t.name, t.secret_env, t.rollback
    ));
    s.push_str("      - name: Health check (retries, fails the rollback)\n        env:\n          APP_URL: ${{ vars.PRODUCTION_URL }}\n        run: curl --fail --silent --show-error --retry 10 --retry-all-errors --retry-delay 6 \"$APP_URL/health\"\n");
    s.push_str(&format!(
        "      - name: Notify\n        if: always()\n        uses: {SLACK}\n        with:\n          webhook: ${{{{ secrets.SLACK_WEBHOOK_URL }}}}\n          webhook-type: incoming-webhook\n          payload: |\n            text: \"Rollback to ${{{{ inputs.version }}}}: ${{{{ job.status }}}}\"\n"
    ));
    s
}

pub(super) fn notify_failures() -> String {
    format!(
        "name: Notify failures\n\n# Deploy and Release run on pushes to main only, never for pull requests.\non:\n  workflow_run:\n    workflows: [Deploy, Release]\n    types: [completed]\n\npermissions:\n  contents: read\n\nconcurrency:\n  group: notify-${{{{ github.event.workflow_run.id }}}}\n  cancel-in-progress: false\n\njobs:\n  notify:\n    if: github.event.workflow_run.conclusion == 'failure'\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - uses: {SLACK}\n        with:\n          webhook: ${{{{ secrets.SLACK_WEBHOOK_URL }}}}\n          webhook-type: incoming-webhook\n          payload: |\n            text: \"${{{{ github.event.workflow_run.name }}}} failed on ${{{{ github.event.workflow_run.head_branch }}}}: ${{{{ github.event.workflow_run.html_url }}}}\"\n"
    )
}

pub(super) fn e2e(d: &Detected) -> Option<String> {
    if !d.has_language("javascript") {
        return None;
    }
    let l = lang(d);
    let mut s = header("E2E", ON_CHANGE);
    s.push_str("jobs:\n  e2e:\n    runs-on: ubuntu-latest\n    timeout-minutes: 30\n    steps:\n");
    s.push_str(&checkout());
    s.push_str(&l.setup);
    s.push_str(&run("Install dependencies", l.install));
    s.push_str(&run(
        "Install browsers",
        "npx playwright install --with-deps chromium",
    ));
    s.push_str(&run("End-to-end tests", "npx playwright test"));
    Some(s)
}

pub(super) fn load_test() -> String {
    let mut s = header(
        "Load test",
        "  schedule:\n    - cron: \"0 3 * * 1\"\n  workflow_dispatch:\n",
    );
    s.push_str("jobs:\n  k6:\n    runs-on: ubuntu-latest\n    timeout-minutes: 30\n    steps:\n");
    s.push_str(&checkout());
    s.push_str("      - name: Run k6 against staging (thresholds fail the run)\n        env:\n          BASE_URL: ${{ vars.STAGING_URL }}\n        run: docker run --rm -i -e BASE_URL grafana/k6:0.54.0 run - < tests/load/smoke.js\n");
    s
}

pub(super) fn preview(d: &Detected) -> Option<String> {
    let t = target(d);
    if t.name != "vercel" && t.name != "netlify" {
        return None;
    }
    let cmd = if t.name == "vercel" {
        "npx --yes vercel@64.0.2 deploy --token=\"$VERCEL_TOKEN\""
    } else {
        "npx --yes netlify-cli@27.10.2 deploy --alias \"pr-$PR_NUMBER\""
    };
    let mut s = "name: Preview\n\non:\n  pull_request:\n\npermissions:\n  contents: read\n\nconcurrency:\n  group: preview-${{ github.event.pull_request.number }}\n  cancel-in-progress: false\n\njobs:\n  preview:\n    if: github.event.pull_request.head.repo.full_name == github.repository\n    runs-on: ubuntu-latest\n    timeout-minutes: 15\n    environment:\n      name: preview\n    steps:\n".to_string();
    s.push_str(&checkout());
    s.push_str(&format!(
        "      - name: Deploy a preview for this pull request\n        env:\n{}          PR_NUMBER: ${{{{ github.event.pull_request.number }}}}\n        run: {cmd}\n",
        t.secret_env
    ));
    Some(s)
}

pub(super) fn wf(path: &str, content: String) -> Option<Template> {
    Some(Template {
        path: path.into(),
        content,
        diff: None,
    })
}

/// Swaps each catalogue pin for the repository's own SHA pin of the same action
/// (`Detected::action_pins`), so a template matches the versions the repository
/// already runs and Dependabot updates them together. A repository pin on an older
/// major version than the catalogue's is not used: that major may be deprecated.
pub(super) fn with_repository_pins(mut content: String, d: &Detected) -> String {
    for (action, (pin, version)) in &d.action_pins {
        let Some(table) = catalog().action(action).and_then(|a| a.pin) else {
            continue;
        };
        let table_major = table
            .rsplit_once("# ")
            .map(|(_, tag)| super::stack::version_numbers(tag))
            .and_then(|v| v.first().copied());
        if table_major.is_some_and(|m| version.first().is_some_and(|v| *v < m)) {
            continue;
        }
        // memmem, not `str::contains`: asked per pinned action of a long template.
        if memchr::memmem::find(content.as_bytes(), table.as_bytes()).is_some() {
            content = content.replace(table, pin);
        }
    }
    content
}

/// The CI workflow (lint, type check, tests with coverage and services, build).
pub(super) fn ci_workflow(d: &Detected) -> Option<Template> {
    wf(".github/workflows/ci.yml", ci(d))
}

/// The container workflow (scan, SBOM, signing, multi-arch), when the repository
/// has container images.
pub(super) fn container_workflow(d: &Detected) -> Option<Template> {
    if !d.stack.containers {
        return None;
    }
    wf(".github/workflows/container.yml", container(d))
}

/// The release workflow (release-please: versions and changelog).
pub(super) fn release_workflow(d: &Detected) -> Option<Template> {
    wf(".github/workflows/release.yml", release(d))
}

/// The deploy workflow (staging, production behind an environment, backup,
/// migrations, smoke and health checks); it needs the platform, so `None` when no
/// deploy target was detected.
pub(super) fn deploy_workflow(d: &Detected) -> Option<Template> {
    if target(d).name == GENERIC {
        return None;
    }
    wf(".github/workflows/deploy.yml", deploy(d))
}

/// The detected migration tool, for sentences.
pub(super) fn migration_tool(d: &Detected) -> &str {
    d.stack
        .migrations
        .first()
        .map(String::as_str)
        .unwrap_or("your migration tool")
}
