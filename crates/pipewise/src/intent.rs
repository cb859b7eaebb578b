//! Intent: what a command, step or job *does* (tests, builds, deploys, publishes,
//! backs up, migrates, scans, …). Rules rate severity by what a weakness weakens, so
//! they all ask this module rather than keeping their own keyword lists.

use crate::shell::Command;
use crate::workflow::{Job, Step, Workflow};

/// What a piece of pipeline does. Ordered roughly by how much it matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Intent {
    /// Cleanup, probes, diagnostics: failing quietly is fine.
    Harmless,
    Other,
    Lint,
    Build,
    Test,
    SecurityScan,
    Migration,
    Backup,
    Publish,
    Deploy,
}

impl Intent {
    pub fn label(self) -> &'static str {
        match self {
            Intent::Harmless => "harmless",
            Intent::Other => "command",
            Intent::Lint => "lint",
            Intent::Build => "build",
            Intent::Test => "test",
            Intent::SecurityScan => "security scan",
            Intent::Migration => "migration",
            Intent::Backup => "backup",
            Intent::Publish => "publish",
            Intent::Deploy => "deploy",
        }
    }
    /// A gate: its failure must stop the pipeline.
    pub fn is_gate(self) -> bool {
        matches!(
            self,
            Intent::Test
                | Intent::SecurityScan
                | Intent::Migration
                | Intent::Backup
                | Intent::Publish
                | Intent::Deploy
                | Intent::Build
                | Intent::Lint
        )
    }
}

fn words_lower(c: &Command) -> Vec<String> {
    c.words
        .iter()
        .map(|w| w.text.to_ascii_lowercase())
        .collect()
}

/// Classifies one shell command.
pub fn command_intent(c: &Command) -> Intent {
    let w = words_lower(c);
    let name = c.base_name().to_ascii_lowercase();
    let args: Vec<&str> = w.iter().skip(1).map(String::as_str).collect();
    let has = |s: &str| args.contains(&s);
    let any_contains = |s: &str| args.iter().any(|a| a.contains(s));
    match name.as_str() {
        "true" | ":" | "echo" | "printf" | "rm" | "rmdir" | "mkdir" | "touch" | "cat" | "ls"
        | "pwd" | "sleep" | "kill" | "pkill" | "killall" | "wait" | "which" | "type"
        | "command" | "hash" | "test" | "[" | "[[" | "grep" | "egrep" | "fgrep" | "diff"
        | "cmp" | "chmod" | "chown" | "ln" | "cp" | "mv" | "tee" | "head" | "tail" | "wc"
        | "sort" | "uniq" | "cut" | "sed" | "awk" | "jq" | "yq" | "date" | "env" | "export"
        | "unset" | "cd" | "pushd" | "popd" | "exit" | "return" | "set" | "shift" | "tr"
        | "basename" | "dirname" | "realpath" | "readlink" | "find" | "xargs" | "df" | "du"
        | "free" | "uname" | "whoami" | "id" | "nproc" | "lsof" | "ps" | "netstat" | "ss"
        | "base64" | "sha256sum" | "shasum" | "md5sum" | "unzip" | "tar" | "zip" | "gzip"
        | "gunzip" => Intent::Harmless,
        "git" => match args.first().copied() {
            Some("push") => Intent::Publish,
            Some("commit") | Some("add") | Some("config") | Some("fetch") | Some("diff")
            | Some("status") | Some("log") | Some("tag") | Some("describe") | Some("rev-parse")
            | Some("checkout") | Some("branch") | Some("stash") | Some("clean") | Some("reset")
            | Some("remote") | Some("submodule") | Some("show") | Some("ls-files") => {
                Intent::Harmless
            }
            _ => Intent::Other,
        },
        "docker" | "podman" => match args.first().copied() {
            Some("push") => Intent::Publish,
            Some("build") | Some("buildx") => {
                if has("--push") {
                    Intent::Publish
                } else {
                    Intent::Build
                }
            }
            Some("rm") | Some("stop") | Some("kill") | Some("rmi") | Some("logout")
            | Some("network") | Some("volume") | Some("system") | Some("logs") | Some("ps")
            | Some("inspect") | Some("pull") | Some("image") => Intent::Harmless,
            Some("compose") | Some("run") | Some("exec") => classify_words(&args),
            _ => Intent::Other,
        },
        "docker-compose" => {
            if has("down") || has("rm") || has("stop") || has("logs") {
                Intent::Harmless
            } else {
                classify_words(&args)
            }
        }
        "curl" | "wget" | "http" => Intent::Other,
        "npm" | "pnpm" | "yarn" | "bun" | "npx" | "pnpx" => {
            if has("audit") {
                Intent::SecurityScan
            } else if has("publish") {
                Intent::Publish
            } else if has("ci") || has("install") || has("i") {
                Intent::Build
            } else {
                classify_words(&args)
            }
        }
        "cargo" => match args.first().copied() {
            Some("test") | Some("nextest") => Intent::Test,
            Some("build") | Some("check") => Intent::Build,
            Some("publish") => Intent::Publish,
            Some("clippy") | Some("fmt") => Intent::Lint,
            Some("audit") | Some("deny") => Intent::SecurityScan,
            _ => classify_words(&args),
        },
        "go" => match args.first().copied() {
            Some("test") => Intent::Test,
            Some("build") | Some("vet") => Intent::Build,
            _ => classify_words(&args),
        },
        "pytest" | "tox" | "nox" | "jest" | "vitest" | "mocha" | "phpunit" | "rspec" | "ctest"
        | "playwright" | "cypress" | "k6" | "locust" | "artillery" => Intent::Test,
        "make" | "just" | "task" | "mage" => classify_words(&args).max(Intent::Build),
        "python" | "python3" | "uv" | "poetry" | "pipenv" | "hatch" | "pdm" | "bundle" | "rake"
        | "gradle" | "./gradlew" | "gradlew" | "mvn" | "./mvnw" | "mvnw" | "dotnet" | "deno"
        | "node" | "composer" | "mix" => {
            let c = classify_words(&args);
            if c == Intent::Other && (has("install") || has("sync") || any_contains("build")) {
                Intent::Build
            } else {
                c
            }
        }
        "pip" | "pip3" => {
            if has("install") {
                Intent::Build
            } else {
                Intent::Other
            }
        }
        "trivy" | "grype" | "snyk" | "semgrep" | "bandit" | "gosec" | "gitleaks" | "trufflehog"
        | "pip-audit" | "safety" | "govulncheck" | "osv-scanner" | "hadolint" | "checkov"
        | "tfsec" | "brakeman" | "zizmor" | "audit-ci" => Intent::SecurityScan,
        "eslint" | "prettier" | "ruff" | "black" | "flake8" | "pylint" | "mypy" | "tsc"
        | "golangci-lint" | "shellcheck" | "rubocop" | "actionlint" | "stylelint" | "biome" => {
            Intent::Lint
        }
        "pg_dump" | "pg_dumpall" | "mysqldump" | "mongodump" => Intent::Backup,
        "kubectl" | "helm" | "flyctl" | "fly" | "vercel" | "netlify" | "heroku" | "railway"
        | "serverless" | "sls" | "cdk" | "pulumi" | "terraform" | "terragrunt"
        | "ansible-playbook" | "skaffold" | "argocd" | "wrangler" | "firebase" | "eb"
        | "render" | "supabase" | "gcloud" | "aws" | "az" | "doctl" | "rsync" | "scp" | "ssh"
        | "caprover" | "dokku" => deploy_like(&name, &args),
        _ => classify_words(&w),
    }
}

fn deploy_like(name: &str, args: &[&str]) -> Intent {
    let has = |s: &str| args.contains(&s);
    let any = |s: &str| args.iter().any(|a| a.contains(s));
    if any("backup") || any("snapshot") || any("dump") {
        return Intent::Backup;
    }
    if any("migrat") {
        return Intent::Migration;
    }
    match name {
        "kubectl"
            if has("apply") || has("rollout") || has("set") || has("create") || has("replace") =>
        {
            Intent::Deploy
        }
        "helm" if has("upgrade") || has("install") || has("rollback") => Intent::Deploy,
        "terraform" | "terragrunt" | "pulumi" | "cdk"
            if has("apply") || has("up") || has("deploy") =>
        {
            Intent::Deploy
        }
        "flyctl" | "fly" | "vercel" | "netlify" | "heroku" | "railway" | "serverless" | "sls"
        | "wrangler" | "firebase" | "eb" | "render" | "caprover" | "dokku" | "skaffold"
        | "argocd" | "ansible-playbook" | "rsync" | "scp" | "ssh" => {
            if any("deploy")
                || has("up")
                || has("push")
                || has("release")
                || has("publish")
                || has("sync")
                || name == "rsync"
                || name == "scp"
                || name == "ansible-playbook"
            {
                Intent::Deploy
            } else {
                Intent::Other
            }
        }
        "supabase" if has("db") && has("push") => Intent::Migration,
        "supabase" if any("deploy") => Intent::Deploy,
        "gcloud" | "aws" | "az" | "doctl" => {
            if any("deploy")
                || has("update-service")
                || has("s3") && has("sync")
                || any("create-deployment")
            {
                Intent::Deploy
            } else {
                Intent::Other
            }
        }
        _ => Intent::Other,
    }
}

/// Classifies by well-known words in arguments (`npm run test:unit`, `make deploy`).
fn classify_words<S: AsRef<str>>(args: &[S]) -> Intent {
    // `prisma migrate deploy`, `rails db:migrate`: a migration, whatever else it says.
    if args
        .iter()
        .any(|a| a.as_ref().to_ascii_lowercase().contains("migrat"))
    {
        return Intent::Migration;
    }
    let mut best = Intent::Other;
    for a in args {
        let a = a.as_ref();
        let i = word_intent(a);
        if i > best {
            best = i;
        }
    }
    best
}

/// Classifies one word such as a script name (`test:smoke`, `deploy-prod`).
pub fn word_intent(a: &str) -> Intent {
    // Every keyword below has at least three letters: shorter words (flags, `-e`,
    // `.`) are nothing, and are the most common.
    if a.len() < 3 {
        return Intent::Other;
    }
    let lowered;
    let a = if a.bytes().any(|b| b.is_ascii_uppercase()) {
        lowered = a.to_ascii_lowercase();
        lowered.as_str()
    } else {
        a
    };
    // One pass over the word finds every keyword (this runs for every word of every
    // command and name, so it must be cheap).
    let mut found = 0u32;
    for m in word_keywords().find_overlapping_iter(a) {
        found |= 1 << m.pattern().as_u32();
    }
    let has = |k: Kw| found & (1 << k as u32) != 0;
    use Kw::*;
    if has(Deploy) || has(Rollout) || a == "release" || has(Promote) {
        Intent::Deploy
    } else if has(Publish) {
        Intent::Publish
    } else if has(Backup) {
        Intent::Backup
    } else if has(Migrat) {
        Intent::Migration
    } else if has(Audit) || has(Vuln) || has(Security) || has(Scan) || has(Sast) {
        Intent::SecurityScan
    } else if has(Test)
        || has(Spec)
        || has(E2e)
        || has(Smoke)
        || has(Coverage)
        || a == "cov"
        || has(Check) && !has(Checkout)
    {
        Intent::Test
    } else if has(Lint) || has(Typecheck) || has(TypeCheck) || has(Format) || has(Fmt) {
        Intent::Lint
    } else if has(Build) || has(Compile) {
        Intent::Build
    } else {
        Intent::Other
    }
}

/// The keywords [`word_intent`] looks for, in the order of [`KEYWORDS`].
#[derive(Clone, Copy)]
enum Kw {
    Deploy,
    Rollout,
    Promote,
    Publish,
    Backup,
    Migrat,
    Audit,
    Vuln,
    Security,
    Scan,
    Sast,
    Test,
    Spec,
    E2e,
    Smoke,
    Coverage,
    Check,
    Checkout,
    Lint,
    Typecheck,
    TypeCheck,
    Format,
    Fmt,
    Build,
    Compile,
}

const KEYWORDS: [&str; 25] = [
    "deploy",
    "rollout",
    "promote",
    "publish",
    "backup",
    "migrat",
    "audit",
    "vuln",
    "security",
    "scan",
    "sast",
    "test",
    "spec",
    "e2e",
    "smoke",
    "coverage",
    "check",
    "checkout",
    "lint",
    "typecheck",
    "type-check",
    "format",
    "fmt",
    "build",
    "compile",
];

fn word_keywords() -> &'static aho_corasick::AhoCorasick {
    static AC: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    AC.get_or_init(|| {
        aho_corasick::AhoCorasick::new(KEYWORDS).expect("fixed literal keywords always build")
    })
}

/// Classifies an action by name (`docker/build-push-action`, `aquasecurity/trivy-action`).
pub fn action_intent(action: &str) -> Intent {
    let a = action.to_ascii_lowercase();
    let has = |s: &str| a.contains(s);
    if has("deploy")
        || has("superfly/flyctl")
        || has("vercel")
        || has("netlify")
        || has("aws-actions/amazon-ecs")
        || has("google-github-actions/deploy")
        || has("azure/webapps")
        || has("k8s-deploy")
    {
        Intent::Deploy
    } else if has("publish") || has("release") || has("gh-action-pypi") || has("build-push-action")
    {
        Intent::Publish
    } else if has("trivy")
        || has("grype")
        || has("anchore/scan")
        || has("snyk")
        || has("codeql")
        || has("semgrep")
        || has("gitleaks")
        || has("trufflehog")
        || has("dependency-review")
        || has("scorecard")
        || has("zizmor")
    {
        Intent::SecurityScan
    } else if has("codecov") || has("coveralls") || has("test") {
        Intent::Test
    } else if has("lint") {
        Intent::Lint
    } else {
        Intent::Other
    }
}

/// The strongest intent of a step: its name, its action, its commands.
pub fn step_intent(step: &Step) -> Intent {
    *step.intent.get_or_init(|| compute_step_intent(step))
}

fn compute_step_intent(step: &Step) -> Intent {
    let mut best = step.name.map(word_intent_phrase).unwrap_or(Intent::Other);
    if let Some(a) = step.action() {
        best = best.max(action_intent(&a));
    }
    if let Some(script) = step.run.as_ref().and_then(|r| r.script.as_ref()) {
        for c in &script.commands {
            if !c.in_condition && !c.in_substitution {
                best = best.max(command_intent(c));
            }
        }
    }
    best
}

/// Classifies a free-text phrase such as a step or job name.
pub fn word_intent_phrase(s: &str) -> Intent {
    s.split(|c: char| !c.is_alphanumeric() && c != '-' && c != '_' && c != ':')
        .map(word_intent)
        .max()
        .unwrap_or(Intent::Other)
}

/// A job deploys when it targets an environment, is named so, or runs a deploy step.
pub fn job_deploys(job: &Job) -> bool {
    if job.environment().is_some() {
        return true;
    }
    if word_intent_phrase(job.id) == Intent::Deploy
        || job.name.map(word_intent_phrase) == Some(Intent::Deploy)
    {
        return true;
    }
    job.steps.iter().any(|s| step_intent(s) == Intent::Deploy)
}

/// A job publishes (release, package or image push).
pub fn job_publishes(job: &Job) -> bool {
    job.steps.iter().any(|s| step_intent(s) == Intent::Publish)
        || word_intent_phrase(job.id) == Intent::Publish
}

/// A workflow deploys or releases: one of its jobs does, or its name/file says so.
pub fn workflow_deploys(wf: &Workflow) -> bool {
    wf.jobs.iter().any(job_deploys)
}

/// What a deployment-readiness step is for, by its name (placeholder checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StepRole {
    Notification,
    Monitoring,
    HealthCheck,
    Rollback,
    Deploy,
}

impl StepRole {
    pub fn label(self) -> &'static str {
        match self {
            StepRole::Notification => "notification",
            StepRole::Monitoring => "monitoring",
            StepRole::HealthCheck => "health check",
            StepRole::Rollback => "rollback",
            StepRole::Deploy => "deploy",
        }
    }
}

/// The readiness role a step name announces (`Deploy to production`, `Smoke test`,
/// `Check error rates`, `Notify Slack`, `Rollback`).
pub fn step_role(name: &str) -> Option<StepRole> {
    let n = name.to_ascii_lowercase();
    let has = |s: &str| n.contains(s);
    // Reporting and preparation steps around a deploy are not the deploy.
    if [
        "summary",
        "print",
        "info",
        "debug",
        "list ",
        "show",
        "output",
        "prepare",
        "setup",
        "set up",
        "install",
        "log",
        "config",
        "variables",
        "env",
        "dry run",
        "dry-run",
        "docs",
        "comment",
        "label",
        "wait",
    ]
    .iter()
    .any(|w| has(w))
    {
        return None;
    }
    if has("rollback") || has("roll back") {
        Some(StepRole::Rollback)
    } else if has("deploy") || has("release to") || has("promote") || has("rollout") {
        Some(StepRole::Deploy)
    } else if has("health")
        || has("smoke")
        || has("readiness")
        || has("verify deploy")
        || has("post-deploy")
        || has("sanity")
    {
        Some(StepRole::HealthCheck)
    } else if has("monitor") || has("error rate") || has("metrics") || has("alert") {
        Some(StepRole::Monitoring)
    } else if has("notify") || has("notification") || has("slack") || has("announce") {
        Some(StepRole::Notification)
    } else {
        None
    }
}

/// An image scanner action or command (not a filesystem/config scan).
pub fn step_scans_image(step: &Step) -> bool {
    if let Some(a) = step.action() {
        if a.contains("trivy-action") {
            let t = step.with_str("scan-type").unwrap_or("image");
            return t == "image" || step.with_str("image-ref").is_some();
        }
        if a.contains("anchore/scan-action") || a.contains("grype") {
            return step.with_str("image").is_some();
        }
        if a.contains("snyk/actions/docker") || a.contains("docker/scout-action") {
            return true;
        }
        return false;
    }
    let Some(script) = step.run.as_ref().and_then(|r| r.script.as_ref()) else {
        return false;
    };
    script.commands.iter().any(|c| {
        let a1 = c.args().first().map(|w| w.text.as_str());
        match c.base_name() {
            "trivy" => matches!(a1, Some("image" | "i")),
            "grype" => !c
                .args()
                .iter()
                .any(|w| w.text.starts_with("dir:") || w.text == "."),
            "snyk" => a1 == Some("container"),
            "docker" => a1 == Some("scout") && c.has_arg("cves"),
            _ => false,
        }
    })
}

/// A step that pushes a container image to a registry.
pub fn step_pushes_image(step: &Step) -> bool {
    if let Some(a) = step.action() {
        if a == "docker/build-push-action" {
            return match step.with.and_then(|w| w.get("push")) {
                Some(n) => n.as_bool() != Some(false) && n.as_str() != Some("false"),
                None => false,
            };
        }
        return false;
    }
    let Some(script) = step.run.as_ref().and_then(|r| r.script.as_ref()) else {
        return false;
    };
    script.commands.iter().any(|c| {
        let a1 = c.args().first().map(|w| w.text.as_str());
        matches!(c.base_name(), "docker" | "podman" | "buildah")
            && (a1 == Some("push")
                || (matches!(a1, Some("build" | "buildx")) && c.has_arg("--push")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keyword logic of [`word_intent`], written plainly (the reference).
    fn naive_word_intent(a: &str) -> Intent {
        let a = a.to_ascii_lowercase();
        let has = |s: &str| a.contains(s);
        if has("deploy") || has("rollout") || a == "release" || has("promote") {
            Intent::Deploy
        } else if has("publish") {
            Intent::Publish
        } else if has("backup") {
            Intent::Backup
        } else if has("migrat") {
            Intent::Migration
        } else if has("audit") || has("vuln") || has("security") || has("scan") || has("sast") {
            Intent::SecurityScan
        } else if has("test")
            || has("spec")
            || has("e2e")
            || has("smoke")
            || has("coverage")
            || a == "cov"
            || has("check") && !has("checkout")
        {
            Intent::Test
        } else if has("lint")
            || has("typecheck")
            || has("type-check")
            || has("format")
            || has("fmt")
        {
            Intent::Lint
        } else if has("build") || has("compile") {
            Intent::Build
        } else {
            Intent::Other
        }
    }

    #[test]
    fn word_intent_matches_the_plain_keyword_logic() {
        for w in [
            "deploy-prod",
            "Release",
            "release",
            "rollout",
            "publish",
            "backup",
            "db:migrate",
            "npm-audit",
            "vulns",
            "SecurityScan",
            "scan",
            "sast",
            "test:unit",
            "spec",
            "e2e",
            "smoke",
            "coverage",
            "cov",
            "check",
            "checkout",
            "checkout-check",
            "lint",
            "typecheck",
            "type-check",
            "format",
            "fmt",
            "build",
            "compile",
            "x",
            "-e",
            "",
            "promote",
            "precheckout",
            "CHECKOUT",
            "e2e-build",
            "builds",
            "formatting",
            "testdeploy",
            "über-test",
            "ab",
            "re",
            "tes",
        ] {
            assert_eq!(word_intent(w), naive_word_intent(w), "{w}");
        }
    }
    use crate::shell::Script;

    fn intent(s: &str) -> Intent {
        command_intent(&Script::parse(s).commands[0])
    }

    #[test]
    fn classifies_commands() {
        assert_eq!(intent("npm test"), Intent::Test);
        assert_eq!(intent("npm run test:cov"), Intent::Test);
        assert_eq!(intent("npm audit --audit-level=high"), Intent::SecurityScan);
        assert_eq!(intent("flyctl deploy --remote-only"), Intent::Deploy);
        assert_eq!(intent("flyctl postgres backup create"), Intent::Backup);
        assert_eq!(intent("npx prisma migrate deploy"), Intent::Migration);
        assert_eq!(intent("rm -f x"), Intent::Harmless);
        assert_eq!(intent("git commit -m x"), Intent::Harmless);
        assert_eq!(intent("docker push img"), Intent::Publish);
        assert_eq!(intent("pytest -q"), Intent::Test);
        assert_eq!(intent("kubectl get pods"), Intent::Other);
    }
}
