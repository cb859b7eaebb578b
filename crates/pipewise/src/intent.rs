//! Intent: what a command, step or job *does* (tests, builds, deploys, publishes,
//! backs up, migrates, scans, …). Rules rate severity by what a weakness weakens, so
//! they all ask this module rather than keeping their own keyword lists.

use crate::shell::{base_name, Command, Word};
use crate::workflow::{Job, Step, Workflow};
use std::borrow::Cow;

use pipewise_catalog::catalog;
/// What a piece of pipeline does (defined with the tool catalogue, which files tools
/// under it).
pub use pipewise_catalog::Intent;
use pipewise_catalog::Tool;

/// `s` in ASCII lower case, allocating only when it has upper-case letters (rare in
/// command lines).
fn ascii_lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// A load or performance test tool (`k6 run`, `npx autocannon`, `wrk`, `ab`): a
/// catalogue entry that provides `ops.load-testing`. A test gate, and a job that runs
/// one needs a timeout.
pub fn is_load_test_tool(name: &str) -> bool {
    catalog().tool(name).is_some_and(provides_load_testing)
}

fn provides_load_testing(t: &Tool) -> bool {
    t.provides.contains(&"ops.load-testing")
}

/// The package a runner fetches and runs (`npx --yes autocannon@7 …`,
/// `pnpm dlx artillery`, `yarn dlx k6`), without its version (`words`: the command's).
fn runner_package(words: &[Word]) -> Option<&str> {
    let name = words.first().map_or("", |w| base_name(&w.text));
    let args = words.get(1..).unwrap_or(&[]);
    let rest = match name {
        "npx" | "pnpx" | "bunx" => args,
        "npm" | "pnpm" | "yarn" | "bun"
            if args
                .first()
                .is_some_and(|w| matches!(w.text.as_str(), "exec" | "dlx" | "x")) =>
        {
            args.get(1..).unwrap_or(&[])
        }
        _ => return None,
    };
    let pkg = rest
        .iter()
        .find(|w| !w.text.starts_with('-'))?
        .text
        .as_str();
    // `autocannon@7`, `@scope/tool@1.2`: drop the version, keep the scope.
    let bare = match pkg.rfind('@') {
        Some(i) if i > 0 => &pkg[..i],
        _ => pkg,
    };
    Some(bare.rsplit('/').next().unwrap_or(bare))
}

/// The load-test tool a command runs, directly or through a package runner.
pub fn load_test_tool(c: &Command) -> Option<&str> {
    let tool = catalog().tool(c.base_name());
    load_test_tool_in(&c.words, tool)
}

/// [`load_test_tool`] of a command's words, `tool` being the catalogue entry of its
/// name (looked up once by the caller).
fn load_test_tool_in<'w>(words: &'w [Word], tool: Option<&Tool>) -> Option<&'w str> {
    let (name, args) = words.split_first()?;
    let tool = if tool.is_some_and(provides_load_testing) {
        // `ab` and `hey` are short: only with arguments (a URL or options).
        (!args.is_empty()).then(|| base_name(&name.text))?
    } else {
        runner_package(words).filter(|p| is_load_test_tool(p))?
    };
    // `k6 --version`, `npx autocannon --help`: probes, not runs.
    (!args
        .iter()
        .any(|w| w.text == "--version" || w.text == "--help"))
    .then_some(tool)
}

/// A PowerShell Verb-Noun cmdlet name (`Test-Path`, `Write-Host`), possibly inside
/// the parentheses bash parsing leaves around it (`(!(Test-Path`).
fn powershell_cmdlet(name: &str) -> bool {
    let n = name.trim_start_matches(['(', '!']);
    // Most names start in lower case: no cmdlet, without a search for the `-`.
    if !n.as_bytes().first().is_some_and(u8::is_ascii_uppercase) {
        return false;
    }
    let Some((verb, noun)) = n.split_once('-') else {
        return false;
    };
    let capitalised = |w: &str| {
        let mut ch = w.chars();
        ch.next().is_some_and(|c| c.is_ascii_uppercase())
            && ch.all(|c| c.is_ascii_alphanumeric())
            && w.chars().any(|c| c.is_ascii_lowercase())
    };
    capitalised(verb) && capitalised(noun)
}

/// What a command does. Computed once per command by the facts table
/// ([`crate::facts::Facts::command_intent`]), which is what everything else reads;
/// the helpers here that need it take it as an argument (`intent`).
pub(crate) fn compute_command_intent(c: &Command) -> Intent {
    // Past wrappers (`sudo timeout 60 npm test` → `npm test`), a catalogue entry with
    // `wrapper = true`: the words after them are a slice of the command's, and the
    // entry of each name is looked up once and handed on.
    let mut words = c.words.as_slice();
    loop {
        let tool = words
            .first()
            .and_then(|w| catalog().tool(base_name(&w.text)));
        match tool.filter(|t| t.wrapper).and_then(|_| wrapper_skip(words)) {
            Some(skip) => words = words.get(skip..).unwrap_or(&[]),
            None => return classify_command(words, tool),
        }
    }
}

/// How many words a wrapper (`words[0]`) takes with its own options and arguments
/// (`timeout 60`, `env A=b`), when a command follows them.
fn wrapper_skip(words: &[Word]) -> Option<usize> {
    let skip = 1 + words
        .get(1..)
        .unwrap_or(&[])
        .iter()
        .take_while(|w| {
            w.text.starts_with('-')
                || w.text.contains('=')
                || w.text
                    .chars()
                    .all(|ch| ch.is_ascii_digit() || ch == '.' || ch == 's' || ch == 'm')
        })
        .count();
    (skip < words.len()).then_some(skip)
}

/// What a command (`words`) that is not a wrapper does; `raw_tool` is the catalogue
/// entry of its name as written.
fn classify_command(words: &[Word], raw_tool: Option<&'static Tool>) -> Intent {
    let raw_name = words.first().map_or("", |w| w.text.as_str());
    let raw_args = words.get(1..).unwrap_or(&[]);
    // A PowerShell cmdlet (`Test-Path`, `Write-Host`, `Get-ChildItem`): a Windows
    // step's default shell is PowerShell, and its Verb-Noun names are not tools
    // (`if (!(Test-Path $dir))` checks for a file; it is not a test).
    if powershell_cmdlet(raw_name) {
        return Intent::Other;
    }
    // Version and presence probes (`deno --version`, `xcodebuild -sdk -version`).
    if raw_args.len() <= 2
        && raw_args.iter().any(|w| {
            matches!(
                w.text.as_str(),
                "--version" | "-version" | "-v" | "-V" | "version" | "--help" | "-h"
            )
        })
    {
        return Intent::Harmless;
    }
    let name = ascii_lower(base_name(raw_name));
    // The entry of the lower-case name: the one of the name as written unless that
    // has upper case.
    let tool = match &name {
        Cow::Borrowed(_) => raw_tool,
        Cow::Owned(n) => catalog().tool(n),
    };
    // The arguments are read without regard to ASCII case (`NPM PUBLISH`), as written:
    // whole words are compared ignoring case, `classify_words` and `unknown_command`
    // lower each word they search, and the few branches that search more lower a copy
    // (`lower`). (A lower-case copy of every command's words cost ~470 instructions
    // a command.)
    let args = raw_args;
    let lower = || -> Vec<Cow<str>> { args.iter().map(|a| ascii_lower(&a.text)).collect() };
    let has = |s: &str| args.iter().any(|a| a.text.eq_ignore_ascii_case(s));
    let any_contains = |s: &str| args.iter().any(|a| ascii_lower(&a.text).contains(s));
    // The subcommand, past global options and their values (`docker -H host push`,
    // `git -C dir push`).
    let sub = args
        .get(tool.map_or(0, |t| t.subcommand_start(args)))
        .map(|a| ascii_lower(&a.text));
    let sub = sub.as_deref();
    match name.as_ref() {
        "git" => match sub {
            Some("push") => Intent::Publish,
            Some("commit") | Some("add") | Some("config") | Some("fetch") | Some("diff")
            | Some("status") | Some("log") | Some("tag") | Some("describe") | Some("rev-parse")
            | Some("checkout") | Some("branch") | Some("stash") | Some("clean") | Some("reset")
            | Some("remote") | Some("submodule") | Some("show") | Some("ls-files") => {
                Intent::Harmless
            }
            _ => Intent::Other,
        },
        "docker" | "podman" => match sub {
            Some("push") => Intent::Publish,
            Some("build") => {
                if has("--push") || output_pushes(lower().iter().map(|a| a.as_ref())) {
                    Intent::Publish
                } else {
                    Intent::Build
                }
            }
            // `docker buildx SUB`: only `build`/`bake` build; `imagetools create` pushes
            // a manifest list; the builder-instance commands (`create`, `rm`, `use`,
            // `ls`, `inspect`, `prune`…) are setup and cleanup.
            Some("buildx") => {
                let args = lower();
                let mut rest = args
                    .iter()
                    .skip_while(|a| a.as_ref() != "buildx")
                    .skip(1)
                    .map(|a| a.as_ref())
                    .filter(|a| !a.starts_with('-'));
                match rest.next() {
                    Some("build") | Some("b") | Some("bake") | None => {
                        if has("--push") || output_pushes(args.iter().map(|a| a.as_ref())) {
                            Intent::Publish
                        } else {
                            Intent::Build
                        }
                    }
                    Some("imagetools") => {
                        if rest.next() == Some("create") {
                            Intent::Publish
                        } else {
                            Intent::Harmless
                        }
                    }
                    Some(
                        "create" | "rm" | "use" | "ls" | "inspect" | "prune" | "stop" | "du"
                        | "version" | "install" | "uninstall" | "history" | "dial-stdio",
                    ) => Intent::Harmless,
                    Some(_) => Intent::Other,
                }
            }
            Some("rm") | Some("stop") | Some("kill") | Some("rmi") | Some("logout")
            | Some("network") | Some("volume") | Some("system") | Some("logs") | Some("ps")
            | Some("inspect") | Some("pull") | Some("image") => Intent::Harmless,
            Some("compose") | Some("run") | Some("exec") => classify_words(args),
            _ => Intent::Other,
        },
        "docker-compose" => {
            if has("down") || has("rm") || has("stop") || has("logs") {
                Intent::Harmless
            } else {
                classify_words(args)
            }
        }
        "npm" | "pnpm" | "yarn" | "bun" | "npx" | "pnpx" => {
            if load_test_tool_in(words, raw_tool).is_some() {
                Intent::Test
            } else if has("audit") && has("fix") {
                Intent::Other
            } else if has("audit") {
                Intent::SecurityScan
            } else if has("publish") {
                Intent::Publish
            } else if has("ci") || has("install") || has("i") {
                Intent::Build
            } else {
                classify_words(args)
            }
        }
        "cargo" => match sub {
            Some("test") | Some("nextest") => Intent::Test,
            Some("build") | Some("check") => Intent::Build,
            Some("publish") => Intent::Publish,
            Some("clippy") | Some("fmt") => Intent::Lint,
            Some("audit") | Some("deny") => Intent::SecurityScan,
            _ => classify_words(args),
        },
        "go" => match sub {
            Some("test") => Intent::Test,
            Some("build") | Some("vet") => Intent::Build,
            _ => classify_words(args),
        },
        // Automake's `make check TESTS=` builds the test programs and runs none
        // (also through a cross or `setarch` wrapper: `mingw64-make`).
        _ if has("tests=") && has("check") => Intent::Build,
        "make" | "just" | "task" | "mage" => classify_words(args).max(Intent::Build),
        "python" | "python3" | "uv" | "poetry" | "pipenv" | "hatch" | "pdm" | "bundle" | "rake"
        | "gradle" | "./gradlew" | "gradlew" | "mvn" | "./mvnw" | "mvnw" | "dotnet" | "deno"
        | "node" | "composer" | "mix" => {
            let c = classify_words(args);
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
        // A remote command: deploys when its words say so.
        "ssh" => deploy_like("ssh", &lower()),
        // A deploy hook or deploy API (catalogue `endpoint`s: Render, Netlify, Vercel,
        // Cloudflare Pages), or a secret that holds a hook's URL
        // (`curl -X POST "${{ secrets.RENDER_DEPLOY_HOOK }}"`).
        "curl" | "wget" if calls_deploy_endpoint(&lower()) => Intent::Deploy,
        // What the catalogue says the tool is.
        n => match tool {
            Some(t) if t.intent.is_some() => t.intent.unwrap_or(Intent::Other),
            Some(t) if t.deploys => deploy_like(n, &lower()),
            _ if load_test_tool_in(words, raw_tool).is_some() => Intent::Test,
            _ => unknown_command(words),
        },
    }
}

/// An unknown command: its name, and plain sub-command words (`dotnet test`), not
/// paths or values (`gh api repos/x/releases/latest`, `--repo org/smoke-tests`).
fn unknown_command(w: &[Word]) -> Intent {
    let plain: Vec<&str> = w
        .iter()
        .map(|a| a.text.as_str())
        .enumerate()
        .filter(|(i, a)| {
            *i == 0
                || !(a.contains('/')
                    || a.contains('$')
                    || a.contains('=')
                    || a.starts_with('-')
                    || a.contains('.'))
        })
        .map(|(_, a)| a)
        .collect();
    // A script path is not classified (`./releases/latest`), but it tells a lint's
    // `check` from a test (`bash admin/clang-tidy.sh check`).
    lint_check(classify_words(&plain), &plain, w)
}

fn deploy_like(name: &str, args: &[Cow<str>]) -> Intent {
    let has = |s: &str| args.iter().any(|a| a == s);
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
                || (matches!(name, "rsync" | "scp")
                    && args.iter().any(|a| !a.starts_with('-') && a.contains(':')))
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

/// Whether a `curl`/`wget` command line (lowercased arguments) calls a deploy
/// endpoint of the catalogue, with a request that sends something when the endpoint
/// needs one (`-X POST`, `-d …`, `--post-data`), or a secret or variable that holds a
/// deploy hook (`RENDER_DEPLOY_HOOK`, `VERCEL_DEPLOY_HOOK_URL`).
fn calls_deploy_endpoint(args: &[Cow<str>]) -> bool {
    let sends = || {
        args.iter().enumerate().any(|(i, a)| {
            let a = a.as_ref();
            matches!(
                a,
                "-d" | "--json" | "--form" | "-xpost" | "-xput" | "--method=post"
            ) || a.starts_with("--data")
                || a.starts_with("--post-")
                || a.starts_with("--json=")
                || (matches!(a, "-x" | "--request" | "--method")
                    && args
                        .get(i + 1)
                        .is_some_and(|m| matches!(m.as_ref(), "post" | "put" | "patch")))
        })
    };
    args.iter().any(|a| {
        // Every endpoint's URL has a `/`, and a secret's expression a `$` (one memchr
        // each before the substring searches: most arguments are options).
        (a.contains('/')
            && catalog()
                .endpoint_for(a)
                .is_some_and(|e| !e.post || sends()))
            || (a.contains('$')
                && a.contains("${{")
                && (a.contains("deploy_hook") || a.contains("deploy_webhook")))
    })
}

/// Classifies by well-known words in arguments (`npm run test:unit`, `make deploy`).
fn classify_words<S: AsRef<str>>(args: &[S]) -> Intent {
    let mut best = Intent::Other;
    for a in args {
        let a = a.as_ref();
        if a.len() < 3 {
            continue;
        }
        let lowered = ascii_lower(a);
        let found = keywords_in(&lowered);
        // `prisma migrate deploy`, `rails db:migrate`: a migration, whatever else it says.
        if found & (1 << Kw::Migrat as u32) != 0 {
            return Intent::Migration;
        }
        best = best.max(keyword_intent(&lowered, found));
    }
    lint_check(best, args, args)
}

/// `clang-tidy.sh check`, `style check`: when the only test words are `check`
/// words and `all` (the command's words) name a lint, the check is the lint's.
fn lint_check<S: AsRef<str>, T: AsRef<str>>(best: Intent, words: &[S], all: &[T]) -> Intent {
    if best != Intent::Test {
        return best;
    }
    let check_only = words.iter().all(|w| {
        let w = w.as_ref();
        word_intent(w) != Intent::Test || {
            let l = ascii_lower(w);
            l.contains("check") && !l.contains("test")
        }
    });
    if check_only && all.iter().any(|w| word_intent(w.as_ref()) == Intent::Lint) {
        Intent::Lint
    } else {
        best
    }
}

/// Classifies one word such as a script name (`test:smoke`, `deploy-prod`).
pub fn word_intent(a: &str) -> Intent {
    // Every keyword below has at least three letters: shorter words (flags, `-e`,
    // `.`) are nothing, and are the most common.
    if a.len() < 3 {
        return Intent::Other;
    }
    let lowered = ascii_lower(a);
    keyword_intent(&lowered, keywords_in(&lowered))
}

/// What a lower-case word means, `found` being its [`keywords_in`].
fn keyword_intent(a: &str, found: u32) -> Intent {
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
    } else if (has(Test) || has(Jest))
        && a.split(|c: char| !c.is_ascii_alphanumeric()).any(|t| {
            t.starts_with("test") || matches!(t, "pytest" | "unittest" | "jest" | "vitest")
        })
        || has(Spec)
        || has(E2e)
        || has(Smoke)
        || has(Coverage)
        || a == "cov"
        // A style, tidy, TODO or ignore-comment check is a lint (`check-style.py`,
        // `run-check-todos.sh`, `check-ty-ignores`).
        || has(Check)
            && !has(Checkout)
            && !has(Style)
            && !has(Tidy)
            && !has(Todo)
            && !has(Ignore)
    {
        Intent::Test
    } else if has(Lint)
        || has(Typecheck)
        || has(TypeCheck)
        || has(Format)
        || has(Fmt)
        || has(Check) && (has(Style) || has(Tidy) || has(Todo) || has(Ignore))
        || has(Tidy)
    {
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
    Style,
    Tidy,
    Todo,
    Ignore,
    // Only the words that have these can have a test token (`test:unit`, `vitest`).
    Test,
    Jest,
}

const KEYWORDS: [&str; 30] = [
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
    "style",
    "tidy",
    "todo",
    "ignore",
    "test",
    "jest",
];

fn word_keywords() -> &'static aho_corasick::dfa::DFA {
    static AC: std::sync::OnceLock<aho_corasick::dfa::DFA> = std::sync::OnceLock::new();
    AC.get_or_init(|| {
        aho_corasick::dfa::Builder::new()
            .prefilter(false)
            .build(KEYWORDS)
            .expect("fixed literal keywords always build")
    })
}

/// The [`KEYWORDS`] in a word, one bit per [`Kw`], every occurrence (overlapping ones
/// too): one walk of the keyword automaton over the word's bytes. (This runs for every
/// word of every command and name; a search through `AhoCorasick`'s overlapping
/// iterator cost ~230 instructions a word more, most of them set-up.)
fn keywords_in(a: &str) -> u32 {
    use aho_corasick::automaton::Automaton;
    use aho_corasick::Anchored;
    let dfa = word_keywords();
    let Ok(mut sid) = dfa.start_state(Anchored::No) else {
        return 0;
    };
    let mut found = 0u32;
    for &b in a.as_bytes() {
        sid = dfa.next_state(Anchored::No, sid, b);
        if dfa.is_match(sid) {
            for i in 0..dfa.match_len(sid) {
                found |= 1 << dfa.match_pattern(sid, i).as_u32();
            }
        }
    }
    found
}

/// Name fragments that classify an action, with what they mean. A name matching several
/// gets the strongest (deploy > publish > security scan > test > lint).
const ACTION_KEYWORDS: &[(&str, Intent)] = &[
    ("deploy", Intent::Deploy),
    ("superfly/flyctl", Intent::Deploy),
    ("vercel", Intent::Deploy),
    ("netlify", Intent::Deploy),
    ("aws-actions/amazon-ecs", Intent::Deploy),
    ("google-github-actions/deploy", Intent::Deploy),
    ("azure/webapps", Intent::Deploy),
    ("k8s-deploy", Intent::Deploy),
    ("publish", Intent::Publish),
    ("release", Intent::Publish),
    ("gh-action-pypi", Intent::Publish),
    ("build-push-action", Intent::Publish),
    ("trivy", Intent::SecurityScan),
    ("grype", Intent::SecurityScan),
    ("anchore/scan", Intent::SecurityScan),
    ("snyk", Intent::SecurityScan),
    ("codeql", Intent::SecurityScan),
    ("semgrep", Intent::SecurityScan),
    ("gitleaks", Intent::SecurityScan),
    ("trufflehog", Intent::SecurityScan),
    ("dependency-review", Intent::SecurityScan),
    ("scorecard", Intent::SecurityScan),
    ("zizmor", Intent::SecurityScan),
    ("zaproxy/", Intent::SecurityScan),
    ("codecov", Intent::Test),
    ("coveralls", Intent::Test),
    ("test", Intent::Test),
    ("lint", Intent::Lint),
];

fn action_keywords() -> &'static aho_corasick::AhoCorasick {
    static AC: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    AC.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(ACTION_KEYWORDS.iter().map(|(k, _)| *k))
            .expect("fixed literal keywords always build")
    })
}

/// Classifies an action by name (`docker/build-push-action`, `aquasecurity/trivy-action`),
/// in one pass over the name.
pub fn action_intent(action: &str) -> Intent {
    action_keywords()
        .find_overlapping_iter(action)
        .filter_map(|m| ACTION_KEYWORDS.get(m.pattern().as_usize()).map(|(_, i)| *i))
        .max()
        .unwrap_or(Intent::Other)
}

/// The strongest intent of a step: its name, its action, its commands. Computed once
/// per step by the facts table ([`crate::facts::Facts::step_intent`]), which is what
/// everything else reads.
pub(crate) fn compute_step_intent(step: &Step, intent: impl Fn(&Command) -> Intent) -> Intent {
    let mut best = step.name.map(word_intent_phrase).unwrap_or(Intent::Other);
    // A step named a dry run ships nothing, whatever else its name says (`Wrangler
    // deploy dry run`); its commands still speak for themselves.
    if matches!(best, Intent::Deploy | Intent::Publish) && step.name.is_some_and(names_dry_run) {
        best = Intent::Other;
    }
    if let Some(a) = step.action() {
        best = best.max(action_intent(a));
    }
    if let Some(script) = step.run.as_ref().and_then(|r| r.script.as_ref()) {
        for c in &script.commands {
            if !c.in_condition && !c.in_substitution {
                best = best.max(intent(c));
            }
        }
    }
    best
}

/// A name that says the step is a dry run (`Deploy dry run`, `dry-run publish`).
fn names_dry_run(name: &str) -> bool {
    // Without lower-casing the name (asked of every deploying or publishing step).
    ["dry run", "dry-run", "dryrun"]
        .iter()
        .any(|k| crate::keywords::contains_ignore_ascii_case(name, k))
}

/// Verbs that start the names of housekeeping steps around a gate (`Upload coverage
/// data`, `Download previous test timings`): the gate word in them is an object.
const HOUSEKEEPING: &[&str] = &[
    "upload",
    "download",
    "delete",
    "remove",
    "update",
    "cleanup",
    "clean",
    "find",
    "fetch",
    "cache",
    "restore",
    "save",
    "notify",
    "post",
    "comment",
    "archive",
    "collect",
    "merge",
    "install",
    "setup",
    "set",
    "prepare",
    "get",
    "print",
    "list",
    "show",
    "store",
    "report",
    "summarize",
    "summarise",
    "compute",
    "determine",
];

/// What a step gates, judged by what it runs: its action or its commands (`intent`:
/// what a command does, [`crate::facts::Facts::command_intent`]); the name counts
/// only for steps whose commands say nothing (a script, a make target) and whose name
/// does not start with a housekeeping verb.
pub fn step_gate_intent(step: &Step, intent: impl Fn(&Command) -> Intent) -> Intent {
    if step.name.is_some_and(housekeeping) {
        return Intent::Other;
    }
    if let Some(a) = step.action() {
        if a.contains("codecov") || a.contains("coveralls") || a.starts_with("actions/") {
            return Intent::Other;
        }
        return action_intent(a);
    }
    let Some(script) = step.run.as_ref().and_then(|r| r.script.as_ref()) else {
        return Intent::Other;
    };
    let cmds = script
        .commands
        .iter()
        .filter(|c| !c.in_condition && !c.in_substitution)
        .map(intent)
        .max()
        .unwrap_or(Intent::Other);
    if cmds != Intent::Other {
        return cmds;
    }
    word_intent_phrase(step.name.unwrap_or("")).min(Intent::Test)
}

/// A name that starts with a housekeeping verb (`Upload coverage`, `update-snapshots`).
pub fn housekeeping(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let first = n
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find(|t| !t.is_empty())
        .unwrap_or("");
    HOUSEKEEPING.contains(&first)
}

/// Classifies a free-text phrase such as a step or job name.
pub fn word_intent_phrase(s: &str) -> Intent {
    s.split(|c: char| !c.is_alphanumeric() && c != '-' && c != '_' && c != ':')
        .map(word_intent)
        .max()
        .unwrap_or(Intent::Other)
}

/// A job deploys when it targets an environment, is named so, or runs a deploy step
/// (`step_intent` reads a step's intent: [`crate::facts::Facts::step_intent`]).
pub fn job_deploys(job: &Job, step_intent: impl Fn(&Step) -> Intent) -> bool {
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

/// A job publishes (release, package or image push; `step_intent` as for
/// [`job_deploys`]).
pub fn job_publishes(job: &Job, step_intent: impl Fn(&Step) -> Intent) -> bool {
    job.steps.iter().any(|s| step_intent(s) == Intent::Publish)
        || word_intent_phrase(job.id) == Intent::Publish
}

/// A workflow that only runs for pull requests (previews and CI, never a release).
pub fn workflow_pr_only(wf: &Workflow) -> bool {
    !wf.triggers.is_empty() && wf.triggers.iter().all(|t| t.kind.change_request())
}

/// A workflow deploys or releases: one of its jobs does, or its name/file says so
/// (`step_intent` as for [`job_deploys`]).
pub fn workflow_deploys(wf: &Workflow, step_intent: impl Fn(&Step) -> Intent) -> bool {
    wf.jobs.iter().any(|j| job_deploys(j, &step_intent))
}

/// Whether a step really deploys or publishes, judged by what it runs (its action or
/// its commands), not by its name: `Determine latest release` does not ship anything.
/// Computed once per step by the facts table ([`crate::facts::Facts::step_ships`]),
/// which in an audit adds what the repository's scripts and local actions the step
/// runs ship ([`crate::rules::ships::resolve_ships`]).
pub(crate) fn compute_step_ships(
    step: &Step,
    intent: impl Fn(&Command) -> Intent + Copy,
) -> Option<Intent> {
    if let Some(a) = step.action() {
        if a == "docker/build-push-action" {
            return step_pushes_image(step).then_some(Intent::Publish);
        }
        // What the action does, from the catalogue (`ships`), never from the words of
        // its name: an action it does not list ships nothing known
        // (`getsentry/release-comment-issues-gh-action` comments on issues).
        let i = catalog().actions_for(a).find_map(|e| e.ships)?;
        // release-plz in `release-pr` mode only opens a pull request; goreleaser
        // `--snapshot` and `build` runs publish nothing.
        let args = step.with_str("args").unwrap_or("");
        let quiet = match a {
            "release-plz/action" | "marcoieni/release-plz-action" => {
                step.with_str("command") == Some("release-pr")
            }
            "goreleaser/goreleaser-action" => {
                // `install-only: true` only puts goreleaser on the PATH.
                let words: Vec<&str> = args.split_whitespace().collect();
                step.with_str("install-only") == Some("true")
                    || goreleaser_quiet(&words)
                    || words
                        .first()
                        .is_some_and(|w| *w == "build" || *w == "check")
            }
            _ => false,
        };
        return (!quiet && matches!(i, Intent::Deploy | Intent::Publish)).then_some(i);
    }
    let script = step.run.as_ref().and_then(|r| r.script.as_ref())?;
    script_ships(script, intent)
}

/// goreleaser arguments that publish nothing: `--snapshot`, or publishing skipped
/// (`--skip=publish`, `--skip=announce,publish`, the older `--skip-publish`).
fn goreleaser_quiet(args: &[&str]) -> bool {
    args.iter().any(|a| {
        *a == "--snapshot"
            || *a == "--skip-publish"
            || a.strip_prefix("--skip=")
                .is_some_and(|v| v.split(',').any(|x| x == "publish"))
    })
}

/// Whether a command of a script may ship ([`command_ships`] then decides): not a
/// condition (`if npm view pkg@1 version; then`) and not a `--dry-run`. A command
/// inside `$( … )` or backticks runs, so it counts
/// (`id=$(curl -X POST …/v1/services/srv-1/deploys)`, `url=$(vercel deploy --prod)`).
pub fn may_ship(c: &Command) -> bool {
    !c.in_condition && !c.has_arg("--dry-run")
}

/// What a script's commands ship at most ([`may_ship`], [`command_ships`]).
pub fn script_ships(
    script: &crate::shell::Script,
    intent: impl Fn(&Command) -> Intent + Copy,
) -> Option<Intent> {
    script
        .commands
        .iter()
        .filter(|c| may_ship(c))
        .filter_map(|c| command_ships(c, intent))
        .max()
}

/// A tool whose commands deploy somewhere (`kubectl apply`, `flyctl deploy`, `rsync`):
/// a catalogue entry with `deploys = true`; shared with the deploy-path analysis.
pub fn is_deploy_tool(name: &str) -> bool {
    catalog().tool(name).is_some_and(|t| t.deploys)
}

/// Tools whose deploy/publish classification comes from what they are (catalogue
/// `deploys` or `ships`), not from a stray word among their arguments (`gh release
/// view`, `./build.sh Release`).
fn ships_by_kind(name: &str) -> bool {
    catalog().tool(name).is_some_and(|t| t.deploys || t.ships)
}

/// What a command ships, if anything, judged strictly (`intent`: what a command
/// does, [`crate::facts::Facts::command_intent`]).
pub fn command_ships(c: &Command, intent: impl Fn(&Command) -> Intent + Copy) -> Option<Intent> {
    let name = c.base_name();
    // Only these commands can ship (every branch below names one of them): the rest
    // are rejected before they are classified (`$(date)`, `jq`, `echo`).
    if !matches!(
        name,
        "gh" | "twine"
            | "gem"
            | "nuget"
            | "dotnet"
            | "uv"
            | "poetry"
            | "hatch"
            | "flit"
            | "cargo"
            | "gradle"
            | "./gradlew"
            | "mvn"
            | "./mvnw"
            | "docker"
            | "podman"
            | "buildah"
            | "nerdctl"
            | "curl"
            | "wget"
            | "npx"
            | "pnpx"
            | "bunx"
            | "goreleaser"
    ) && !ships_by_kind(name)
    {
        return None;
    }
    // Pushing a branch (bots, merges, PR branches) is not a release or a deploy.
    if name == "git" {
        return None;
    }
    // goreleaser publishes through `release`, except a `--snapshot` or a run that skips
    // publishing (pulumi's `goreleaser release -f - --snapshot` builds archives only).
    if name == "goreleaser" {
        let args: Vec<&str> = c.args().iter().map(|w| w.text.as_str()).collect();
        return (!goreleaser_quiet(&args) && args.contains(&"release")).then_some(Intent::Publish);
    }
    // A tool run through a package runner ships what the tool does (`npx vsce
    // publish`, `npx --yes ovsx@0.9 publish`, `npx semantic-release`).
    if matches!(name, "npx" | "pnpx" | "bunx") {
        let release_tool = c.args().iter().any(|w| {
            let t = w.text.as_str();
            t == "semantic-release"
                || t.starts_with("semantic-release@")
                || t == "release-it"
                || t.starts_with("release-it@")
        });
        if release_tool {
            return Some(Intent::Publish);
        }
        let words: Vec<_> = c
            .args()
            .iter()
            .skip_while(|w| w.text.starts_with('-'))
            .cloned()
            .map(|mut w| {
                if let Some((tool, _)) = w.text.split_once('@').filter(|(t, _)| !t.is_empty()) {
                    w.text = tool.to_string();
                }
                w
            })
            .collect();
        let inner = c.with_words(words);
        return (!inner.words.is_empty() && !matches!(inner.base_name(), "npx" | "pnpx" | "bunx"))
            .then(|| command_ships(&inner, intent))
            .flatten();
    }
    let i = intent(c);
    if !matches!(i, Intent::Deploy | Intent::Publish) {
        return match (name, c.args().first().map(|w| w.text.as_str())) {
            ("gh", Some("release")) => c
                .args()
                .get(1)
                .filter(|w| matches!(w.text.as_str(), "create" | "upload"))
                .map(|_| Intent::Publish),
            ("twine", Some("upload")) | ("gem", Some("push")) | ("nuget", Some("push")) => {
                Some(Intent::Publish)
            }
            ("dotnet", Some("nuget")) if c.args().get(1).is_some_and(|w| w.text == "push") => {
                Some(Intent::Publish)
            }
            ("uv" | "poetry" | "hatch" | "flit", Some("publish")) => Some(Intent::Publish),
            _ => None,
        };
    }
    if matches!(
        name,
        "cargo" | "poetry" | "uv" | "hatch" | "gradle" | "./gradlew" | "mvn" | "./mvnw"
    ) {
        // Build tools ship only through their own publish/deploy subcommands, and
        // what they ship is a package (`mvn deploy`, gradle's
        // `publishAllPublicationsToDeploymentRepository`), not a deployment.
        let sub = c.args().iter().any(|w| {
            matches!(
                w.text.as_str(),
                "publish"
                    | "deploy"
                    | "publishToMavenCentral"
                    | "publishAllPublicationsToMavenCentralRepository"
            ) || w.text.starts_with("publish")
        });
        return (sub && !c.has_arg("run")).then_some(Intent::Publish);
    }
    // Container tools ship only through their push-like subcommands: `docker run
    // --publish 5555:5000` maps a port, it publishes nothing.
    if matches!(name, "docker" | "podman" | "buildah" | "nerdctl") {
        // Global options before the subcommand, with their values (`-H ssh://host`).
        let mut words: Vec<&str> = vec![];
        let mut skip = false;
        for a in c.args().iter().map(|w| w.text.as_str()) {
            if skip {
                skip = false;
            } else if a.starts_with('-') {
                skip = words.is_empty()
                    && matches!(
                        a,
                        "-H" | "--host" | "-c" | "--context" | "--config" | "-l" | "--log-level"
                    );
            } else {
                words.push(a);
            }
        }
        return match words.as_slice() {
            ["push", ..]
            | ["image" | "manifest" | "compose", "push", ..]
            | ["buildx", "imagetools", "create", ..]
            | ["imagetools", "create", ..] => Some(Intent::Publish),
            ["build" | "buildx" | "bake", ..]
                if c.has_arg("--push")
                    || output_pushes(c.args().iter().map(|w| w.text.as_str())) =>
            {
                Some(Intent::Publish)
            }
            ["stack", "deploy", ..] | ["service", "create" | "update", ..] => Some(Intent::Deploy),
            _ => None,
        };
    }
    if ships_by_kind(name) {
        // A package manager ships only through its own `publish` (`npm --prefix web
        // publish`, `yarn npm publish`, `yarn workspaces foreach npm publish`). A
        // script it runs (`npm run release`, `pnpm deploy:prod`) is judged by the
        // script's commands in `package.json` when the repository has it
        // ([`crate::rules::ships::resolve_ships`]), never by the script's name.
        if matches!(name, "npm" | "pnpm" | "yarn" | "bun") {
            let args = c.args();
            let texts: Vec<&str> = args.iter().map(|w| w.text.as_str()).collect();
            let start = catalog()
                .tool(name)
                .map_or(0, |t| t.subcommand_start(&texts));
            // A tool run through the package manager ships what the tool does
            // (`npm exec wrangler -- deploy`, `pnpm dlx vsce publish`).
            if matches!(texts.get(start), Some(&("exec" | "dlx" | "x"))) {
                let words: Vec<_> = args
                    .iter()
                    .skip(start + 1)
                    .filter(|w| w.text != "--")
                    .skip_while(|w| w.text.starts_with('-'))
                    .cloned()
                    .collect();
                let inner = c.with_words(words);
                return (!inner.words.is_empty()
                    && !matches!(inner.base_name(), "npm" | "pnpm" | "yarn" | "bun"))
                .then(|| command_ships(&inner, intent))
                .flatten();
            }
            let publishes = texts.get(start) == Some(&"publish")
                || texts.windows(2).any(|p| p == ["npm", "publish"]);
            return publishes.then_some(Intent::Publish);
        }
        return Some(i);
    }
    // A request to a deploy endpoint of the catalogue (a hook, a deploy API).
    if matches!(name, "curl" | "wget") && i == Intent::Deploy {
        return Some(i);
    }
    // Anything else ships nothing known: a script's or program's name says nothing
    // of what it runs (`./scripts/deploy.sh` may only render a manifest). A script of
    // the repository is judged by its own commands when it is present
    // ([`crate::rules::ships::resolve_ships`]); an absent one is unknown.
    None
}

/// Whether a step's script names a matrix value (`${{ matrix.cmd }}`): only then can
/// [`compute_matrix_ships`] find anything (a cheap test, asked before the facts table).
pub(crate) fn names_matrix(step: &Step) -> bool {
    step.run
        .as_ref()
        .is_some_and(|run| run.text.contains("matrix."))
}

/// What a step of `job` ships when its commands come from the job's matrix: each
/// literal value of the first `${{ matrix.<key> }}` in its script (at most 16) put in
/// place and the commands read again (`npx ${{ matrix.cmd }} publish` with `cmd: vsce`).
/// Computed once per step by the facts table ([`crate::facts::Facts::matrix_ships`]).
pub(crate) fn compute_matrix_ships(
    job: &Job,
    step: &Step,
    intent: impl Fn(&Command) -> Intent + Copy,
) -> Option<Intent> {
    if !names_matrix(step) {
        return None;
    }
    let run = step.run.as_ref()?;
    let text = run.text;
    // Only a matrix value in a command's name, or as the tool a runner such as `npx`
    // runs, can change what the step ships (`cargo test --target ${{ matrix.t }}`
    // cannot): read the script again only then.
    let expression =
        |w: &crate::shell::Word| w.text.starts_with("${{") || w.text.contains("matrix.");
    let in_command = run.script.as_ref()?.commands.iter().any(|c| {
        c.words.first().is_some_and(expression)
            || (matches!(
                c.base_name(),
                "npx" | "pnpx" | "bunx" | "pnpm" | "yarn" | "bun"
            ) && c.args().first().is_some_and(expression))
    });
    if !in_command {
        return None;
    }
    let at = text.find("${{")?;
    let (expr, key) = text[at..].match_indices("${{").find_map(|(i, _)| {
        let rest = &text[at + i..];
        let end = rest.find("}}")? + 2;
        let inner = rest[3..end - 2].trim();
        let key = inner.strip_prefix("matrix.")?;
        key.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            .then(|| (&rest[..end], key))
    })?;
    let values = job.matrix_values(key)?;
    values
        .iter()
        .take(16)
        .filter_map(|v| script_ships(&crate::shell::Script::parse(&text.replace(expr, v)), intent))
        .max()
}

/// Whether a merged GitLab job's `script:` runs a deploy tool: a command for which
/// `deploys` holds ([`compute_runs_deploy_tool`], read from the facts table).
/// Computed once per job by the facts table ([`crate::facts::Facts::script_deploys`]).
pub(crate) fn compute_script_deploys(job: &Job, deploys: impl Fn(&Command) -> bool) -> bool {
    job.steps
        .iter()
        .filter(|s| s.origin.is_none_or(|o| o.section == "script"))
        .filter_map(|s| s.run.as_ref()?.script.as_ref())
        .flat_map(|sc| sc.commands.iter())
        .any(deploys)
}

/// Whether a command runs a deploy tool (`helm upgrade`, `kubectl apply`, `flyctl
/// deploy`), judged by the command, not by a repository script's file name;
/// `docker run` runs a tool in a container and ships nothing. Computed once per
/// command by the facts table ([`crate::facts::Facts::runs_deploy_tool`]).
pub(crate) fn compute_runs_deploy_tool(
    c: &Command,
    intent: impl Fn(&Command) -> Intent + Copy,
) -> bool {
    let name = c.base_name();
    name != "docker"
        && !name.contains('/')
        && !name.contains('.')
        && command_ships(c, intent) == Some(Intent::Deploy)
}

/// Whether a job ships: targets a deployment environment or has a step that
/// deploys or publishes (`step_ships`: what each step ships, its matrix resolved).
/// Computed once per job by the facts table ([`crate::facts::Facts::job_ships`]),
/// which is what everything else reads.
pub(crate) fn compute_job_ships(
    job: &Job,
    step_ships: impl Fn(&Step) -> Option<Intent>,
) -> Option<Intent> {
    let steps = job.steps.iter().filter_map(step_ships).max();
    // Environments also hold secrets or approvals (`automations`, `release-gate`):
    // only a deploy target's name says the job deploys.
    let target = job
        .environment()
        .map(|e| {
            let e = e.to_ascii_lowercase();
            ["prod", "stag", "live", "deploy", "preview"]
                .iter()
                .any(|w| e.contains(w))
        })
        .unwrap_or(false);
    match (target, steps) {
        (_, Some(i)) => Some(i),
        (true, None) => Some(Intent::Deploy),
        _ => None,
    }
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

/// Every keyword [`step_role`] looks for (found in one pass).
static STEP_ROLE_KEYWORDS: crate::keywords::Keywords = crate::keywords::Keywords::new(&[
    "set up",
    "dry run",
    "dry-run",
    "rollback",
    "roll back",
    "deploy",
    "release to",
    "promote",
    "rollout",
    "health",
    "smoke",
    "readiness",
    "verify deploy",
    "post-deploy",
    "sanity",
    "monitor",
    "error rate",
    "metrics",
    "alert",
    "response time",
    "latency",
    "notify",
    "notification",
    "slack",
    "announce",
]);

/// The readiness role a step name announces (`Deploy to production`, `Smoke test`,
/// `Check error rates`, `Notify Slack`, `Rollback`).
pub fn step_role(name: &str) -> Option<StepRole> {
    // `Deploy to ${{ inputs.environment }}`: the expression is not part of the name.
    let mut n = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(a) = crate::keywords::find_literal(rest, "${{") {
        n.push_str(&rest[..a]);
        rest = crate::keywords::find_literal(&rest[a..], "}}")
            .map(|b| &rest[a + b + 2..])
            .unwrap_or("");
    }
    n.push_str(rest);
    n.make_ascii_lowercase();
    let found = STEP_ROLE_KEYWORDS.find(&n);
    let has = |s: &str| found.has(s);
    let role = if has("rollback") || has("roll back") {
        StepRole::Rollback
    } else if has("deploy") || has("release to") || has("promote") || has("rollout") {
        StepRole::Deploy
    } else if has("health")
        || has("smoke")
        || has("readiness")
        || has("verify deploy")
        || has("post-deploy")
        || has("sanity")
    {
        StepRole::HealthCheck
    } else if has("monitor")
        || has("error rate")
        || has("metrics")
        || has("alert")
        || has("response time")
        || has("latency")
    {
        StepRole::Monitoring
    } else if has("notify") || has("notification") || has("slack") || has("announce") {
        StepRole::Notification
    } else {
        // No role keyword (most step names): no role, whatever else the name says;
        // its words are not split.
        return None;
    };
    // Reporting and preparation steps around a deploy are not the deploy.
    const AROUND: &[&str] = &[
        "summary",
        "print",
        "info",
        "debug",
        "list",
        "show",
        "output",
        "outputs",
        "prepare",
        "setup",
        "install",
        "log",
        "logs",
        "config",
        "configure",
        "variables",
        "env",
        "docs",
        "comment",
        "label",
        "wait",
        "changelog",
    ];
    let around = n
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|t| !t.is_empty() && AROUND.contains(&t));
    if around || has("set up") || has("dry run") || has("dry-run") {
        None
    } else {
        Some(role)
    }
}

/// The first word of a command's subcommand, past global options and their values
/// (`docker -H host push` → `push`).
pub fn subcommand(c: &Command) -> Option<&str> {
    let args = c.args();
    let start = catalog().tool(c.base_name()).map_or(0, |t| {
        t.subcommand_start(
            args.iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .as_slice(),
        )
    });
    args.get(start).map(|w| w.text.as_str())
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
        let a1 = subcommand(c);
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
            // `outputs: type=image,…,push=true` (or `type=registry`) pushes whatever
            // `push:` says; `cache-to: type=registry` only writes the build cache.
            let outputs = step.with_str("outputs").unwrap_or("");
            return outputs.lines().any(output_value_pushes)
                || match step.with.and_then(|w| w.get("push")) {
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
        let a1 = subcommand(c);
        matches!(c.base_name(), "docker" | "podman" | "buildah")
            && (a1 == Some("push")
                || (matches!(a1, Some("build" | "buildx")) && c.has_arg("--push")))
    })
}

/// Whether a buildx output (`type=registry`, `type=image,name=…,push=true`) pushes.
fn output_value_pushes(v: &str) -> bool {
    v.split(',').any(|kv| {
        let kv = kv.trim();
        kv == "type=registry" || kv == "push=true"
    })
}

/// Whether a `docker build`/`buildx build` command's `--output`/`-o` pushes
/// ([`output_value_pushes`]); a `--cache-to type=registry,…` only writes the cache.
fn output_pushes<'a>(args: impl Iterator<Item = &'a str>) -> bool {
    let mut next_is_output = false;
    for a in args {
        let value = if next_is_output {
            Some(a)
        } else {
            a.strip_prefix("--output=")
                .or_else(|| a.strip_prefix("-o="))
        };
        next_is_output = matches!(a, "--output" | "-o");
        if value.is_some_and(output_value_pushes) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A name's role, and the words around a deploy that take it away (read only
    /// when some role keyword is found).
    #[test]
    fn step_roles() {
        assert_eq!(step_role("Deploy to production"), Some(StepRole::Deploy));
        assert_eq!(
            step_role("Deploy to ${{ inputs.environment }}"),
            Some(StepRole::Deploy)
        );
        assert_eq!(
            step_role("Roll back ${{ x }} now"),
            Some(StepRole::Rollback)
        );
        assert_eq!(step_role("Smoke test"), Some(StepRole::HealthCheck));
        assert_eq!(step_role("Check error rates"), Some(StepRole::Monitoring));
        assert_eq!(step_role("Notify Slack"), Some(StepRole::Notification));
        assert_eq!(step_role("Deploy summary"), None);
        assert_eq!(step_role("Print deploy-info"), None);
        assert_eq!(step_role("Set up deploy keys"), None);
        assert_eq!(step_role("Dry-run the rollout"), None);
        assert_eq!(step_role("Show ${{ deploy }} logs"), None);
        assert_eq!(step_role("Build"), None);
        assert_eq!(step_role("Install summary tools"), None);
    }

    #[test]
    fn buildx_outputs_that_push() {
        let ships = |l: &str| {
            command_ships(
                &crate::shell::Script::parse(l).commands[0],
                compute_command_intent,
            )
        };
        assert_eq!(
            ships("docker buildx build --output type=image,name=ghcr.io/a/b,push=true ."),
            Some(Intent::Publish)
        );
        assert_eq!(
            ships("docker buildx build -o type=registry -t ghcr.io/a/b ."),
            Some(Intent::Publish)
        );
        assert_eq!(
            ships("docker buildx build --output=type=registry ."),
            Some(Intent::Publish)
        );
        // The build cache in a registry is not the image.
        assert_eq!(
            ships("docker buildx build --cache-to type=registry,ref=ghcr.io/a/b:cache --load ."),
            None
        );
        assert_eq!(
            ships("docker buildx build --output type=image,push=false ."),
            None
        );
    }

    #[test]
    fn powershell_cmdlets_are_not_tools() {
        assert!(powershell_cmdlet("Test-Path"));
        assert!(powershell_cmdlet("(!(Test-Path"));
        assert!(powershell_cmdlet("Write-Host"));
        assert!(!powershell_cmdlet("run-tests"));
        assert!(!powershell_cmdlet("pre-commit"));
        assert!(!powershell_cmdlet("X-Y"));
        let s = crate::shell::Script::parse("if (!(Test-Path \"$dir\")) { choco install llvm }\n");
        assert!(s
            .commands
            .iter()
            .all(|c| compute_command_intent(c) != Intent::Test));
    }

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
            || has("check")
                && !has("checkout")
                && !has("style")
                && !has("tidy")
                && !has("todo")
                && !has("ignore")
        {
            Intent::Test
        } else if has("lint")
            || has("typecheck")
            || has("type-check")
            || has("format")
            || has("fmt")
            || has("check") && (has("style") || has("tidy") || has("todo") || has("ignore"))
            || has("tidy")
        {
            Intent::Lint
        } else if has("build") || has("compile") {
            Intent::Build
        } else {
            Intent::Other
        }
    }

    #[test]
    fn deploy_hooks_are_deploys() {
        let i = |s: &str| compute_command_intent(&Script::parse(s).commands[0]);
        assert_eq!(
            i("curl -X POST \"${{ secrets.RENDER_DEPLOY_HOOK }}\""),
            Intent::Deploy
        );
        assert_eq!(
            i("curl -fsS -X POST https://api.netlify.com/build_hooks/abc123"),
            Intent::Deploy
        );
        // An ordinary request, or a hook that is not a deploy hook, is not.
        assert_ne!(i("curl -fsS https://example.com/health"), Intent::Deploy);
        assert_ne!(
            i("curl -X POST \"${{ secrets.SLACK_WEBHOOK_URL }}\""),
            Intent::Deploy
        );
        // A script's or program's name says nothing of what it runs: unknown here
        // (`rules::ships::resolve_ships` reads the script when it is in the repository).
        let ships = |s: &str| command_ships(&Script::parse(s).commands[0], compute_command_intent);
        assert_eq!(ships("./scripts/deploy.sh prod"), None);
        assert_eq!(ships("bash tools/publish.sh"), None);
        assert_eq!(ships("deploy-docs"), None);
        // The deploy API is called with a POST (polar's `deploy_server.sh`), inside
        // `$( … )`; reading a deploy's status with GET is no deploy.
        let script = |s: &str| script_ships(&Script::parse(s), compute_command_intent);
        assert_eq!(
            script("id=$(curl -s -X POST \\\n  -H \"Authorization: Bearer ${T}\" \\\n  \"https://api.render.com/v1/services/${S}/deploys\" | jq -r .id)"),
            Some(Intent::Deploy)
        );
        assert_eq!(
            script("url=$(vercel deploy --prod --token=$T)"),
            Some(Intent::Deploy)
        );
        assert_eq!(
            script("s=$(curl -s -X GET \"https://api.render.com/v1/services/${S}/deploys/${D}\")"),
            None
        );
        assert_eq!(
            script("curl -s \"https://api.render.com/v1/services/srv-1/deploys\""),
            None
        );
        assert_eq!(
            script("curl -fsS --data '{}' https://api.render.com/v1/services/srv-1/deploys"),
            Some(Intent::Deploy)
        );
        // A package manager ships through its own `publish`; a script it runs is read
        // from `package.json` (`rules::ships`), never judged by its name here.
        assert_eq!(ships("npm --prefix web publish"), Some(Intent::Publish));
        assert_eq!(
            ships("yarn workspaces foreach npm publish"),
            Some(Intent::Publish)
        );
        assert_eq!(
            ships("npm exec wrangler -- deploy --env production"),
            Some(Intent::Deploy)
        );
        assert_eq!(ships("pnpm dlx wrangler deploy"), Some(Intent::Deploy));
        assert_eq!(ships("npm exec wrangler -- dev"), None);
        assert_eq!(ships("pnpm release"), None);
        // goreleaser ships only a real release.
        assert_eq!(ships("goreleaser release --clean"), Some(Intent::Publish));
        assert_eq!(
            ships("goreleaser release -f - -p 5 --skip=validate --clean --snapshot"),
            None
        );
        assert_eq!(ships("goreleaser release --skip=announce,publish"), None);
        assert_eq!(ships("goreleaser build --snapshot"), None);
        assert_eq!(ships("npm run deploy:prod"), None);
        assert_eq!(ships("make publish"), None);
        assert_eq!(ships("just deploy"), None);
        // Build tools ship packages, whatever the task's name says.
        assert_eq!(
            ships("./gradlew publishAllPublicationsToDeploymentRepository"),
            Some(Intent::Publish)
        );
        assert_eq!(ships("mvn -B deploy"), Some(Intent::Publish));
        // `nuget push` ships a package.
        assert_eq!(
            command_ships(
                &Script::parse("nuget push x.nupkg -Source nuget.org").commands[0],
                compute_command_intent
            ),
            Some(Intent::Publish)
        );
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
        compute_command_intent(&Script::parse(s).commands[0])
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
        assert_eq!(intent("docker -H ssh://ci@host push img"), Intent::Publish);
        assert_eq!(intent("docker buildx build -t img ."), Intent::Build);
        assert_eq!(
            intent("docker buildx build --push -t img ."),
            Intent::Publish
        );
        assert_eq!(intent("docker buildx rm builder"), Intent::Harmless);
        assert_eq!(
            intent("docker buildx create --use --name ci"),
            Intent::Harmless
        );
        assert_eq!(
            intent("docker buildx imagetools create -t img:1 img:1-amd64"),
            Intent::Publish
        );
        assert_eq!(intent("git -C site push origin gh-pages"), Intent::Publish);
        assert_eq!(intent("cargo --locked test"), Intent::Test);
        // Past every wrapper, with its own options and arguments.
        assert_eq!(intent("sudo timeout 60 git push"), Intent::Publish);
        assert_eq!(
            intent("sudo -E env A=b timeout 5m cargo test"),
            Intent::Test
        );
        assert_eq!(intent("timeout 60"), intent("timeout"));
        // Style, tidy and TODO checks are lints, whatever `check` says.
        assert_eq!(
            intent("python3 -u ./check-style.py --dry-run"),
            Intent::Lint
        );
        assert_eq!(intent(".gitlab-ci/run-style-check-diff.sh"), Intent::Lint);
        assert_eq!(intent(".gitlab-ci/run-check-todos.sh"), Intent::Lint);
        assert_eq!(
            intent("bash admin/clang-tidy.sh check --rev=$REV"),
            Intent::Lint
        );
        assert_eq!(intent("./run-checks.sh"), Intent::Test);
        assert_eq!(intent("make check"), Intent::Test);
        assert_eq!(intent("uv run mb ci check-ty-ignores"), Intent::Lint);
        assert_eq!(
            intent("setarch x86_64 -R -- make -C tests check TESTS="),
            Intent::Build
        );
        assert_eq!(intent("make -C tests check TESTS=\"\""), Intent::Build);
        assert_eq!(intent("pytest -q"), Intent::Test);
        assert_eq!(intent("kubectl get pods"), Intent::Other);
        assert_eq!(
            intent("npx --yes autocannon@7 -d 20 https://x/health"),
            Intent::Test
        );
        assert_eq!(intent("pnpm dlx artillery run load.yml"), Intent::Test);
        assert_eq!(intent("k6 run load.js"), Intent::Test);
        assert_eq!(intent("wrk -t2 -c10 http://localhost:8080"), Intent::Test);
        assert_eq!(intent("ab -n 100 http://localhost/"), Intent::Test);
        assert_eq!(intent("npx @scope/autocannon-like@1"), Intent::Other);
        assert_eq!(
            action_intent("zaproxy/action-baseline@v0.12.0"),
            Intent::SecurityScan
        );
    }

    #[test]
    fn a_step_named_a_dry_run_deploys_nothing_by_its_name() {
        let d = pipewise_yaml::Document::parse(
            "on: pull_request\njobs:\n  check:\n    runs-on: x\n    steps:\n      - name: Wrangler deploy dry run\n        run: npm run check\n      - name: Deploy dry-run\n        run: wrangler deploy\n  ship:\n    runs-on: x\n    steps:\n      - name: Wrangler deploy\n        run: npm run check\n"
                .to_string(),
        )
        .expect("yaml");
        let wf = crate::workflow::Workflow::new("w.yml", &d);
        let j = |id| wf.job(id).expect("job");
        let facts = crate::facts::Facts::new([&wf], &[], &Default::default());
        assert_ne!(facts.step_intent(&j("check").steps[0]), Intent::Deploy);
        // What the command does still counts.
        assert_eq!(facts.step_intent(&j("check").steps[1]), Intent::Deploy);
        assert_eq!(facts.step_intent(&j("ship").steps[0]), Intent::Deploy);
    }

    /// The walk of the keyword automaton ([`keywords_in`]) finds what the overlapping
    /// search of an `AhoCorasick` finds.
    #[test]
    fn keyword_walk_agrees_with_overlapping_search() {
        let ac = aho_corasick::AhoCorasick::new(KEYWORDS).expect("literal keywords");
        let searched = |w: &str| {
            ac.find_overlapping_iter(w)
                .fold(0u32, |f, m| f | 1 << m.pattern().as_u32())
        };
        let mut words: Vec<String> = KEYWORDS.iter().map(|k| k.to_string()).collect();
        words.extend(
            [
                "",
                "x",
                "checkout",
                "typecheck",
                "type-check",
                "test:e2e-smoke",
                "deploy-prod-rollout",
                "./scripts/check-style.sh",
                "pre-commit-checkout-build",
                "vitest",
                "jestest",
                "lint:fmt:check",
                "migrations/backup-publish",
                "security-scan-sast-vuln-audit",
                "coverage-spec-todo-tidy-ignore",
                "compile-format-build",
                "promotepublish",
                "é-deploy-ü",
            ]
            .map(String::from),
        );
        for w in &words {
            assert_eq!(keywords_in(w), searched(w), "{w}");
        }
    }

    /// Arguments are read without regard to ASCII case, as when the command's words
    /// were copied in lower case: a command with its arguments in upper case means
    /// what it means in lower case.
    #[test]
    fn arguments_in_upper_case_mean_the_same() {
        let intent = |l: &str| {
            let script = crate::shell::Script::parse(l);
            script.commands.first().map(compute_command_intent)
        };
        for l in [
            "git push origin main",
            "git -C dir status",
            "docker push ghcr.io/a/b",
            "docker build --push -t x .",
            "docker buildx build --output type=registry .",
            "docker buildx imagetools create -t a b",
            "docker compose run app npm test",
            "docker-compose logs",
            "npm audit --omit dev",
            "npm publish",
            "yarn run test:unit",
            "cargo test --workspace",
            "cargo nextest run",
            "go vet ./...",
            "make check TESTS=",
            "make deploy",
            "python -m pytest tests",
            "gradle assembleBuild",
            "pip install -r requirements.txt",
            "ssh host ./deploy.sh",
            "curl -X POST https://api.render.com/deploy/srv-1?key=x",
            "kubectl apply -f k8s",
            "helm upgrade app chart",
            "aws s3 sync dist s3://bucket",
            "bash admin/clang-tidy.sh check",
            "./scripts/run-tests.sh unit",
            "rails db:migrate",
        ] {
            let (name, args) = l.split_once(' ').unwrap_or((l, ""));
            let upper = format!("{name} {}", args.to_ascii_uppercase());
            assert_eq!(intent(&upper), intent(l), "{upper}");
            assert_ne!(intent(l), Some(Intent::Other), "{l}");
        }
    }
}
