//! The duration model: each step is classified by what it does (its action, or the
//! commands of its script, read through the shell parser, the intent classifier and
//! the tool catalogue; never by its name) into a [`Kind`] with a range of minutes. A
//! job's estimate is its runner start-up plus its steps, with `timeout-minutes` (or
//! GitHub's 360-minute default) as the upper bound.

use super::report::Range;
use crate::facts::Facts;
use crate::intent::{action_intent, subcommand};
use crate::keywords::find_literal;
use crate::shell::Command;
use crate::workflow::{Job, Step};
use pipewise_catalog::Intent;
use std::collections::hash_map::Entry;

/// What a step does, as far as time goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Other,
    Checkout,
    Setup,
    Cache,
    Upload,
    Publish,
    InstallCached,
    Lint,
    Install,
    Deploy,
    Build,
    Scan,
    Test,
    ContainerBuild,
    ContainerMultiArch,
    ContainerMultiArchQemu,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Other => "other",
            Kind::Checkout => "checkout",
            Kind::Setup => "setup",
            Kind::Cache => "cache",
            Kind::Upload => "artifact transfer",
            Kind::Publish => "publish",
            Kind::InstallCached => "install (cached)",
            Kind::Lint => "lint",
            Kind::Install => "install (no cache)",
            Kind::Deploy => "deploy",
            Kind::Build => "build",
            Kind::Scan => "security scan",
            Kind::Test => "test",
            Kind::ContainerBuild => "container build",
            Kind::ContainerMultiArch => "container build, multi-arch",
            Kind::ContainerMultiArchQemu => "container build, multi-arch under QEMU",
        }
    }

    /// Minutes: low, expected, high. Typical hosted-runner times for a small to
    /// medium project; run data replaces them when given.
    pub fn minutes(self) -> Range {
        let (l, e, h) = match self {
            Kind::Other => (0.05, 0.1, 1.0),
            Kind::Checkout => (0.1, 0.2, 1.0),
            Kind::Setup => (0.1, 0.3, 1.0),
            Kind::Cache => (0.1, 0.3, 1.0),
            Kind::Upload => (0.1, 0.3, 2.0),
            Kind::Publish => (0.3, 1.0, 4.0),
            Kind::InstallCached => (0.3, 0.7, 2.0),
            Kind::Lint => (0.3, 1.0, 4.0),
            Kind::Install => (1.0, 2.0, 6.0),
            Kind::Deploy => (0.5, 2.0, 10.0),
            Kind::Build => (1.0, 3.0, 10.0),
            Kind::Scan => (1.0, 3.0, 15.0),
            Kind::Test => (1.0, 4.0, 15.0),
            Kind::ContainerBuild => (2.0, 4.0, 12.0),
            Kind::ContainerMultiArch => (4.0, 8.0, 25.0),
            Kind::ContainerMultiArchQemu => (8.0, 15.0, 45.0),
        };
        Range::new(l, e, h)
    }
}

/// Runner start-up and post-job cleanup, per job.
pub const JOB_OVERHEAD: Range = Range {
    low: 0.2,
    expected: 0.3,
    high: 0.5,
};

/// GitHub's default job timeout.
pub const DEFAULT_TIMEOUT: f64 = 360.0;

/// Facts about a job that change how its steps are read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct JobFacts {
    /// A dependency cache is restored (`actions/cache`, `setup-*` with `cache:`,
    /// `Swatinem/rust-cache`, `bundler-cache: true`, `enable-cache`).
    pub cache: bool,
    /// QEMU is set up (`docker/setup-qemu-action`, `binfmt` registration).
    pub qemu: bool,
}

/// The lowercased action name without its `@ref` ([`Step::action`], lower-cased
/// once by the step).
pub fn action_name<'s>(step: &'s Step) -> Option<&'s str> {
    step.action()
}

pub fn job_facts(job: &Job) -> JobFacts {
    job_facts_with(job, script_sets_up_qemu)
}

/// [`job_facts`], with `qemu` telling whether a step's script registers QEMU.
fn job_facts_with(job: &Job, mut qemu: impl FnMut(&Step) -> bool) -> JobFacts {
    let mut f = JobFacts::default();
    for s in &job.steps {
        if let Some(a) = action_name(s) {
            if step_restores_cache(s, a) {
                f.cache = true;
            }
            if a == "docker/setup-qemu-action" {
                f.qemu = true;
            }
        }
        if qemu(s) {
            f.qemu = true;
        }
    }
    f
}

/// Whether a step's script registers QEMU (`qemu-user-static`, `tonistiigi/binfmt`).
fn script_sets_up_qemu(s: &Step) -> bool {
    commands(s).any(|c| {
        // Both names are 16 characters or more: shorter words are skipped unread.
        c.words.iter().any(|w| {
            w.text.len() >= 16
                && (find_literal(&w.text, "qemu-user-static").is_some()
                    || find_literal(&w.text, "tonistiigi/binfmt").is_some())
        })
    })
}

/// [`job_facts`] and [`step_kind`] of the scripts several steps share, by the
/// script's address: a GitLab pipeline gives one `Arc<Script>` to every job that
/// runs the same lines (`default:`, templates, `!reference`), five jobs a script on
/// corpus-gitlab. What a script's commands say depends on nothing else (a step with
/// an action is not kept). Only for scripts alive while it is.
#[derive(Default)]
pub struct SharedScripts {
    /// By script address: its place in `scripts`.
    places: foldhash::HashMap<usize, u32>,
    /// Per shared script: whether it registers QEMU, and its kind under each
    /// [`JobFacts`] ([`facts_slot`]) once asked.
    scripts: Vec<(bool, [Option<Kind>; 4])>,
}

/// The address of a step's script, when it has one and no action.
fn script_key(s: &Step) -> Option<usize> {
    if s.uses.is_some() {
        return None;
    }
    let script = s.run.as_ref()?.script.as_ref()?;
    Some(std::sync::Arc::as_ptr(script) as usize)
}

/// The place of `facts` in a shared script's kinds.
fn facts_slot(facts: JobFacts) -> usize {
    usize::from(facts.cache) | usize::from(facts.qemu) << 1
}

impl SharedScripts {
    /// Room for `steps` scripts (the steps of the jobs it will be asked about).
    pub fn with_capacity(steps: usize) -> SharedScripts {
        SharedScripts {
            places: foldhash::HashMap::with_capacity_and_hasher(steps, Default::default()),
            scripts: Vec::with_capacity(steps),
        }
    }

    /// [`job_facts`], each shared script read once, and each step's place among
    /// the shared scripts (for [`SharedScripts::step_kind_at`]; `None`: a step
    /// without a shared script).
    pub fn job_facts(&mut self, job: &Job) -> (JobFacts, Vec<Option<u32>>) {
        let mut places = Vec::with_capacity(job.steps.len());
        let facts = job_facts_with(job, |s| {
            let Some(k) = script_key(s) else {
                places.push(None);
                return script_sets_up_qemu(s);
            };
            let next = u32::try_from(self.scripts.len()).ok();
            // One hash of the address, whether the script is new or not.
            let place = match (self.places.entry(k), next) {
                (Entry::Occupied(e), _) => Some(*e.get()),
                (Entry::Vacant(e), Some(i)) => {
                    e.insert(i);
                    self.scripts.push((script_sets_up_qemu(s), [None; 4]));
                    Some(i)
                }
                (Entry::Vacant(_), None) => None,
            };
            places.push(place);
            match place.and_then(|i| self.scripts.get(i as usize)) {
                Some(&(qemu, _)) => qemu,
                None => script_sets_up_qemu(s),
            }
        });
        (facts, places)
    }

    /// [`step_kind`] of a step at `place` ([`SharedScripts::job_facts`]), each
    /// shared script read once per job facts.
    pub fn step_kind_at(
        &mut self,
        table: &Facts,
        s: &Step,
        facts: JobFacts,
        place: Option<u32>,
    ) -> Kind {
        let Some((_, kinds)) = place.and_then(|i| self.scripts.get_mut(i as usize)) else {
            return step_kind(table, s, facts);
        };
        let slot = &mut kinds[facts_slot(facts)];
        *slot.get_or_insert_with(|| step_kind(table, s, facts))
    }
}

/// Whether a `uses:` step restores a dependency cache.
pub fn step_restores_cache(s: &Step, action: &str) -> bool {
    let input_on = |k: &str| {
        s.with_str(k)
            .is_some_and(|v| !v.trim().is_empty() && v.trim() != "false")
    };
    match action {
        "actions/cache" | "actions/cache/restore" | "swatinem/rust-cache" => true,
        "ruby/setup-ruby" => input_on("bundler-cache"),
        // setup-uv caches by default on GitHub-hosted runners since v6.
        "astral-sh/setup-uv" => s
            .with_str("enable-cache")
            .is_none_or(|v| v.trim() != "false"),
        // setup-go caches by default since v4.
        "actions/setup-go" => s.with_str("cache").is_none_or(|v| v.trim() != "false"),
        a if a.starts_with("actions/setup-") => input_on("cache"),
        _ => false,
    }
}

/// The commands of a step's own script (not in conditions or substitutions).
pub fn commands<'s>(s: &'s Step) -> impl Iterator<Item = &'s Command> {
    s.run
        .as_ref()
        .and_then(|r| r.script.as_ref())
        .into_iter()
        .flat_map(|sc| sc.commands.iter())
        .filter(|c| !c.in_condition && !c.in_substitution)
}

/// The kind of one step (`table`: what its commands do,
/// [`Facts::command_intent`]).
pub fn step_kind(table: &Facts, s: &Step, facts: JobFacts) -> Kind {
    if let Some(a) = action_name(s) {
        return action_kind(s, a, facts);
    }
    commands(s)
        .map(|c| command_kind(table, c, facts))
        .max_by(|a, b| {
            a.minutes()
                .expected
                .total_cmp(&b.minutes().expected)
                .then(a.cmp(b))
        })
        .unwrap_or(Kind::Other)
}

fn action_kind(s: &Step, a: &str, facts: JobFacts) -> Kind {
    if a == "actions/checkout" {
        return Kind::Checkout;
    }
    if step_restores_cache(s, a) && !a.starts_with("actions/setup-") && a != "ruby/setup-ruby" {
        return Kind::Cache;
    }
    if a == "docker/build-push-action" || a == "redhat-actions/buildah-build" {
        let platforms = s.with_str("platforms").or_else(|| s.with_str("archs"));
        // An expression (`${{ github.event_name != 'pull_request' && 'a,b' || 'a' }}`)
        // usually picks the platforms by event: not counted as multi-arch.
        return container_kind(platforms.is_some_and(multi_platform), facts);
    }
    if a == "ruby/setup-ruby" && step_restores_cache(s, a) {
        // Runs `bundle install` with the cache.
        return Kind::InstallCached;
    }
    if a.starts_with("actions/upload-artifact")
        || a.starts_with("actions/download-artifact")
        || a.starts_with("codecov/")
        || a.starts_with("coverallsapp/")
    {
        return Kind::Upload;
    }
    if is_setup_action(a) {
        return Kind::Setup;
    }
    match action_intent(a) {
        Intent::Test => Kind::Test,
        Intent::Build => Kind::Build,
        Intent::Lint => Kind::Lint,
        Intent::SecurityScan => Kind::Scan,
        Intent::Deploy | Intent::Migration => Kind::Deploy,
        Intent::Publish => Kind::Publish,
        _ => Kind::Other,
    }
}

/// Actions that install a toolchain or log in: seconds, not minutes.
fn is_setup_action(a: &str) -> bool {
    let (owner, rest) = a.split_once('/').unwrap_or(("", a));
    rest.starts_with("setup-")
        || rest.starts_with("action-setup")
        || rest.ends_with("-toolchain")
        || rest == "toolchain"
        || rest.starts_with("login-action")
        || rest.starts_with("configure-")
        || (owner == "docker" && rest.starts_with("metadata-action"))
}

/// A literal list of several platforms (`linux/amd64,linux/arm64`).
fn multi_platform(p: &str) -> bool {
    p.contains(',') && !p.contains("${{") && !p.contains('$')
}

fn container_kind(multi: bool, facts: JobFacts) -> Kind {
    match (multi, facts.qemu) {
        (false, _) => Kind::ContainerBuild,
        (true, true) => Kind::ContainerMultiArchQemu,
        (true, false) => Kind::ContainerMultiArch,
    }
}

/// Package-manager commands that install dependencies.
fn installs(name: &str, c: &Command) -> bool {
    // The subcommand is read only for package managers (most commands are not).
    let sub = || subcommand(c).unwrap_or("");
    let arg = |a: &str| c.has_arg(a);
    match name {
        "npm" => matches!(sub(), "ci" | "install" | "i"),
        "pnpm" | "bun" => matches!(sub(), "install" | "i"),
        "yarn" => sub().is_empty() || sub() == "install",
        "pip" | "pip3" => sub() == "install",
        "python" | "python3" => arg("pip") && arg("install"),
        "poetry" | "pipenv" | "bundle" | "composer" | "pdm" => sub() == "install",
        "uv" => sub() == "sync" || (sub() == "pip" && arg("install")),
        "go" => sub() == "mod" && arg("download"),
        "cargo" => sub() == "fetch",
        "dotnet" => sub() == "restore",
        "mix" => sub() == "deps.get",
        "apt-get" | "apt" | "brew" | "apk" | "dnf" | "yum" => sub() == "install" || sub() == "add",
        _ => false,
    }
}

/// System packages are never in a dependency cache.
fn system_install(name: &str) -> bool {
    matches!(name, "apt-get" | "apt" | "brew" | "apk" | "dnf" | "yum")
}

fn command_kind(table: &Facts, c: &Command, facts: JobFacts) -> Kind {
    // A wrapper (`sudo`, `timeout 60`) runs the command after its own options.
    if pipewise_catalog::catalog()
        .tool(c.base_name())
        .is_some_and(|t| t.wrapper)
    {
        let skip = 1 + c
            .args()
            .iter()
            .take_while(|w| w.text.starts_with('-') || w.text.chars().all(|ch| ch.is_ascii_digit()))
            .count();
        if let Some(rest) = c.words.get(skip..).filter(|r| !r.is_empty()) {
            return command_kind(table, &c.with_words(rest.to_vec()), facts);
        }
    }
    // Lower-cased only when it has upper-case letters (most names have none).
    let name = c.base_name();
    let lowered;
    let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
        lowered = name.to_ascii_lowercase();
        lowered.as_str()
    } else {
        name
    };
    let containers = matches!(name, "docker" | "podman" | "buildah" | "docker-compose");
    let sub = if containers {
        subcommand(c).unwrap_or("")
    } else {
        ""
    };
    if matches!(name, "docker" | "podman" | "buildah")
        && (sub == "build" || (sub == "buildx" && c.has_arg("build")) || sub == "bud")
    {
        let multi = c
            .words
            .windows(2)
            .any(|w| w[0].text == "--platform" && multi_platform(&w[1].text))
            || c.words.iter().any(|w| {
                w.text
                    .strip_prefix("--platform=")
                    .is_some_and(multi_platform)
            });
        return container_kind(multi, facts);
    }
    if matches!(name, "docker" | "podman" | "docker-compose") {
        // What a container command does is its subcommand, never its file names
        // (`docker compose -f ci-test.yml up` starts services, it does not test).
        let words: Vec<&str> = c.args().iter().map(|w| w.text.as_str()).collect();
        let has = |w: &str| words.contains(&w);
        return if has("build") {
            Kind::ContainerBuild
        } else if sub == "push" {
            Kind::Publish
        } else if has("up") || has("pull") || sub == "login" {
            Kind::Setup
        } else {
            Kind::Other
        };
    }
    if installs(name, c) {
        return if facts.cache && !system_install(name) {
            Kind::InstallCached
        } else {
            Kind::Install
        };
    }
    match table.command_intent(c) {
        Intent::Test => Kind::Test,
        Intent::Build => Kind::Build,
        Intent::Lint => Kind::Lint,
        Intent::SecurityScan => Kind::Scan,
        Intent::Deploy | Intent::Migration => Kind::Deploy,
        Intent::Publish => Kind::Publish,
        _ => Kind::Other,
    }
}

/// A job's timeout in minutes, when its platform's lowering could read it as one
/// ([`crate::workflow::Timeout::minutes`]).
pub fn timeout(job: &Job) -> Option<f64> {
    job.timeout.and_then(|t| t.minutes)
}

/// Clips a range to a job's timeout; says whether the bound applied.
pub fn clip(r: Range, timeout: Option<f64>) -> (Range, bool) {
    let t = timeout.unwrap_or(DEFAULT_TIMEOUT);
    let clipped = r.high > t;
    (
        Range::new(r.low.min(t), r.expected.min(t), r.high.min(t)),
        clipped,
    )
}

/// A step that installs dependencies a cache could restore (not system packages) in
/// a job that restores no dependency cache.
pub fn uncached_install(s: &Step, facts: JobFacts) -> bool {
    if facts.cache {
        return false;
    }
    commands(s).any(|c| {
        let name = c.base_name().to_ascii_lowercase();
        installs(&name, c) && !system_install(&name) && from_manifest(&name, c)
    })
}

/// An install of the project's dependencies (from its manifest or lock file), not
/// of named tools (`npm install -g license-checker`, `pip install awscli`).
fn from_manifest(name: &str, c: &Command) -> bool {
    let args: Vec<&str> = c.args().iter().map(|w| w.text.as_str()).collect();
    match name {
        "npm" | "pnpm" | "yarn" | "bun" => {
            !args.iter().any(|a| *a == "-g" || *a == "--global")
                && args.iter().skip(1).all(|a| a.starts_with('-'))
        }
        "pip" | "pip3" | "python" | "python3" => args.iter().any(|a| {
            matches!(*a, "-r" | "--requirement" | "." | "-e" | "--editable")
                || a.starts_with("-r")
                || a.starts_with(".[")
        }),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::Workflow;

    fn kinds(yaml: &str) -> (Vec<Kind>, Vec<bool>) {
        let doc = pipewise_yaml::Document::parse(yaml.to_string()).expect("yaml");
        let wf = Workflow::new("ci.yml", &doc);
        let job = &wf.jobs[0];
        let facts = job_facts(job);
        (
            job.steps
                .iter()
                .map(|s| step_kind(&Facts::none(), s, facts))
                .collect(),
            job.steps
                .iter()
                .map(|s| uncached_install(s, facts))
                .collect(),
        )
    }

    #[test]
    fn steps_are_classified_by_what_they_run_not_by_file_names() {
        let (k, uncached) = kinds(
            "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker compose -f ci-test.yml up -d\n      - uses: codecov/codecov-action@v5\n      - run: npm install -g license-checker\n      - run: npm ci\n      - run: docker buildx build --platform ${{ inputs.platforms }} .\n      - run: docker buildx build --platform linux/amd64,linux/arm64 .\n      - run: sudo apt-get install -y libpq-dev\n",
        );
        assert_eq!(
            k,
            vec![
                Kind::Setup,
                Kind::Upload,
                Kind::Install,
                Kind::Install,
                Kind::ContainerBuild,
                Kind::ContainerMultiArch,
                Kind::Install
            ]
        );
        // Only `npm ci` is a dependency install a cache would hold.
        assert_eq!(
            uncached,
            vec![false, false, false, true, false, false, false]
        );
    }

    #[test]
    fn a_cache_in_the_job_makes_installs_cached_and_qemu_slows_multi_arch() {
        let (k, uncached) = kinds(
            "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/setup-node@v4\n        with:\n          cache: npm\n      - run: npm ci\n      - uses: docker/setup-qemu-action@v3\n      - uses: docker/build-push-action@v6\n        with:\n          platforms: linux/amd64,linux/arm64\n",
        );
        assert_eq!(
            k,
            vec![
                Kind::Setup,
                Kind::InstallCached,
                Kind::Setup,
                Kind::ContainerMultiArchQemu
            ]
        );
        assert!(uncached.iter().all(|u| !u));
    }

    /// Steps that share one script (as a GitLab pipeline's jobs do) get from
    /// [`SharedScripts`] what each would get alone, under every job's facts.
    #[test]
    fn shared_scripts_read_once_classify_as_each_step_alone() {
        let yaml = "on: push\njobs:\n  a:\n    steps:\n      - run: npm ci\n      - run: docker buildx build --platform linux/amd64,linux/arm64 .\n      - run: cargo test\n  b:\n    steps:\n      - uses: actions/cache@v4\n      - run: npm ci\n      - run: docker buildx build --platform linux/amd64,linux/arm64 .\n  c:\n    steps:\n      - run: docker run --privileged multiarch/qemu-user-static --reset\n      - run: docker buildx build --platform linux/amd64,linux/arm64 .\n      - run: npm ci\n  d:\n    steps:\n      - uses: docker/setup-qemu-action@v3\n      - run: cargo test\n      - run: docker run --privileged multiarch/qemu-user-static --reset\n";
        let doc = pipewise_yaml::Document::parse(yaml.to_string()).expect("yaml");
        let mut wf = Workflow::new("ci.yml", &doc);
        // One `Arc<Script>` per distinct text, as `gitlab::lower` shares them.
        let mut by_text: std::collections::HashMap<String, std::sync::Arc<crate::shell::Script>> =
            Default::default();
        let mut shared_steps = 0;
        for job in &mut wf.jobs {
            for s in &mut job.steps {
                if let Some(run) = s.run.as_mut() {
                    let sc = by_text.entry(run.text.to_string()).or_insert_with(|| {
                        std::sync::Arc::new(crate::shell::Script::parse(run.text))
                    });
                    if std::sync::Arc::strong_count(sc) > 1 {
                        shared_steps += 1;
                    }
                    run.script = Some(sc.clone());
                }
            }
        }
        assert!(shared_steps >= 4, "the test shares scripts");
        let mut shared = SharedScripts::default();
        let mut facts_seen = vec![];
        for job in &wf.jobs {
            let facts = job_facts(job);
            let (memo, places) = shared.job_facts(job);
            assert_eq!(
                (memo.cache, memo.qemu),
                (facts.cache, facts.qemu),
                "{}",
                job.id
            );
            facts_seen.push((facts.cache, facts.qemu));
            for (s, &place) in job.steps.iter().zip(&places) {
                assert_eq!(
                    shared.step_kind_at(&Facts::none(), s, facts, place),
                    step_kind(&Facts::none(), s, facts),
                    "{}",
                    job.id
                );
            }
        }
        // The jobs cover every combination of facts but cache plus QEMU.
        facts_seen.sort();
        facts_seen.dedup();
        assert_eq!(
            facts_seen,
            vec![(false, false), (false, true), (true, false)]
        );
    }
}
