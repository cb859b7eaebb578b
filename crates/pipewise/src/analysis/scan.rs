//! One pass over the workflows: every step, its commands (and the scripts and
//! `npm run` scripts they call) and commented-out lines, turned into [`Hit`]s: "this
//! line provides capability X with tool Y", each with what weakens it.

use super::stack::Detected;
use super::tools::{
    action_matches, command_matches, finds_nothing, may_name_deploy_time, script_comments,
    script_name_matches, Match, DEPLOY_TIME_CAPS,
};
use crate::facts::Facts;
use crate::intent::{job_deploys, word_intent_phrase, Intent};
use crate::needs::{Dir, NeedsGraph};
use crate::repo::{called_script, Repo, Scripts};
use crate::rules::{self, RuleMeta};
use crate::schema::ReportFinding;
use crate::shell::Script;
use crate::workflow::{Action, Job, Kinds, Platform, Step, TriggerKind, Workflow};
use pipewise_yaml::Node;

/// One place that provides a capability.
#[derive(Debug, Clone)]
pub struct Hit {
    /// A capability id, or the pseudo ids `migration` (applies migrations) and
    /// `migration-check` (validates them).
    pub cap: &'static str,
    pub tool: String,
    pub file: String,
    pub line: usize,
    /// Index of the workflow, job and step.
    pub wf: usize,
    pub job: Option<usize>,
    pub step: Option<usize>,
    /// Why it cannot be relied on, if it is weakened.
    pub weak: Option<String>,
    pub kind: HitKind,
}

/// Where a hit comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitKind {
    /// A command or action of the step itself (or a commented-out line).
    Direct,
    /// A command inside a script or composite action the step calls.
    Indirect,
    /// The step's name only (`Rollback`, `Notify`).
    Named,
}

/// Scripts one command may reach through scripts that run other scripts.
const MAX_NESTED_SCRIPTS: usize = 32;

/// Weaknesses that lower a capability only when nothing sound provides it.
const SOFT: &[&str] = &["has no retries", "has no `--fail`"];

impl Hit {
    /// A quality weakness (no retries) rather than one that hides failures.
    pub fn soft(&self) -> bool {
        self.weak
            .as_deref()
            .is_some_and(|w| SOFT.iter().any(|s| w.contains(s)))
    }
}

/// Facts about one job that several analyses need.
#[derive(Debug, Clone)]
pub struct JobFacts {
    pub wf: usize,
    pub job: usize,
    pub deploys: bool,
    /// Deploys, or runs before/after a deploying job of the same workflow.
    pub deploy_ctx: bool,
    /// Runs on code changes (push, pull request, merge queue, reusable call). This
    /// and the next two are by the job's own kinds of start
    /// (`Workflow::job_kinds`: a GitLab job's rules narrow its pipeline's) for the
    /// jobs with hits, the ones readers ask about; the others keep their
    /// workflow's.
    pub on_change: bool,
    pub on_pull_request: bool,
    /// The job only runs on a schedule or by hand (or, a GitLab job its rules keep
    /// out of every pipeline, not at all), in a workflow that has triggers.
    pub schedule_only: bool,
    pub has_services: bool,
    /// Runs after a deploy: it needs a deploying job (transitively) or its workflow
    /// follows a deploying one.
    pub after_deploy: bool,
    pub line: usize,
}

/// Everything the scan found.
#[derive(Debug, Default)]
pub struct Scan {
    pub hits: Vec<Hit>,
    pub jobs: Vec<JobFacts>,
}

impl Scan {
    /// The facts of a job: a binary search, as `scan` pushes them in (workflow, job)
    /// order.
    pub fn job(&self, wf: usize, job: usize) -> Option<&JobFacts> {
        self.jobs
            .binary_search_by_key(&(wf, job), |j| (j.wf, j.job))
            .ok()
            .and_then(|i| self.jobs.get(i))
    }
    pub fn of(&self, cap: &'static str) -> impl Iterator<Item = &Hit> + '_ {
        self.hits.iter().filter(move |h| h.cap == cap)
    }
}

fn literal_true(n: Option<&Node>) -> bool {
    n.and_then(Node::as_bool) == Some(true)
}

fn literal_false_if(n: Option<&Node>) -> bool {
    n.and_then(|v| {
        v.as_bool()
            .map(|b| !b)
            .or_else(|| v.as_str().map(|s| s.trim() == "false"))
    }) == Some(true)
}

/// The reason a finding gives for weakening what it points at.
fn finding_reason(f: &ReportFinding) -> Option<String> {
    let what = weakening(f)?;
    Some(format!("{what}: {}", f.message.trim_end_matches('.')))
}

/// How `f` weakens a capability, when its rule is one of [`WEAKENING`].
fn weakening(f: &ReportFinding) -> Option<&'static str> {
    WEAKENING
        .iter()
        .find(|(meta, _)| meta.id == f.rule)
        .map(|(_, what)| *what)
}

/// The rules whose findings weaken a capability, with how they say it (typed: a rule
/// renamed or removed here fails to compile).
static WEAKENING: &[(&RuleMeta, &str)] = &[
    (&rules::reliability::masked_failure::META, "masked"),
    (
        &rules::github::reliability::continue_on_error_gate::META,
        "continue-on-error",
    ),
    (
        &rules::reliability::stale_exit_status::META,
        "its exit status is lost",
    ),
    (
        &rules::reliability::interactive_command::META,
        "it waits for input and hangs in CI",
    ),
    (
        &rules::quality::non_failing_scanner::META,
        "the scanner cannot fail",
    ),
    (&rules::deployment::placeholder_step::META, "a placeholder"),
];

/// What one step script provides, command by command ([`Ctx::script_found`]).
struct ScriptFound {
    /// Every command only prints or sets variables.
    placeholder: bool,
    /// A command fails when what it checks is wrong ([`failing_check`]).
    checks_something: bool,
    /// The commands that provide something, in script order.
    commands: Vec<CommandFound>,
}

/// What one command provides, and whether a fallback masks its failure.
struct CommandFound {
    /// The command's index in the script.
    index: usize,
    found: Vec<(Match, HitKind)>,
    masked: Option<String>,
}

struct Ctx<'a> {
    /// [`command_matches`] of each distinct command (lower-cased words) of the
    /// repository's steps, computed once: `npm ci`, `cargo test` and the lines a
    /// GitLab template gives every job recur (half the step commands of the corpus).
    /// Keyed by a hash of the words (hashed once per ask), with the words kept to
    /// check a hit; a colliding command is computed, not kept. Linear in the
    /// repository's commands.
    command_memo: foldhash::HashMap<u64, (Vec<u8>, Vec<Match>)>,
    /// [`Ctx::script_found`] of the scripts several steps share, by the script's
    /// address, with the text and working directory it was computed for.
    #[allow(clippy::type_complexity)]
    shared_scripts: foldhash::HashMap<usize, Vec<(String, String, std::rc::Rc<ScriptFound>)>>,
    /// [`Ctx::value_line`] of each place of a GitLab script, computed once.
    #[allow(clippy::type_complexity)]
    value_lines: foldhash::HashMap<((usize, usize, usize), (usize, usize, u8, usize)), usize>,
    /// Matches of each called script's commands, computed once.
    script_matches: foldhash::HashMap<String, Vec<Match>>,
    /// Findings by file (they are sorted by file).
    findings_by_file: foldhash::HashMap<&'a str, std::ops::Range<usize>>,
    /// The lower-cased words of the command being looked at ([`lower_words_into`]).
    words: Vec<String>,
    /// The findings are sorted by file and line ([`Ctx::findings_between`]).
    lines_sorted: bool,
    repo: &'a Repo,
    actions: &'a [Action<'a>],
    scripts: &'a Scripts,
    facts: &'a Facts,
    detected: &'a Detected,
    findings: &'a [ReportFinding],
    out: Vec<Hit>,
}

/// Scans the workflows once.
pub fn scan<'a>(
    repo: &'a Repo,
    workflows: &[Workflow],
    actions: &'a [Action<'a>],
    scripts: &'a Scripts,
    facts: &'a Facts,
    detected: &'a Detected,
    findings: &'a [ReportFinding],
) -> Scan {
    let mut findings_by_file: foldhash::HashMap<&str, std::ops::Range<usize>> = Default::default();
    for (i, f) in findings.iter().enumerate() {
        let r = findings_by_file.entry(f.file.as_str()).or_insert(i..i);
        r.end = i + 1;
    }
    let lines_sorted = findings
        .windows(2)
        .all(|p| (p[0].file.as_str(), p[0].line) <= (p[1].file.as_str(), p[1].line));
    let mut cx = Ctx {
        command_memo: Default::default(),
        shared_scripts: Default::default(),
        value_lines: Default::default(),
        script_matches: Default::default(),
        findings_by_file,
        words: vec![],
        lines_sorted,
        repo,
        actions,
        scripts,
        facts,
        detected,
        findings,
        out: vec![],
    };
    let mut jobs = vec![];
    // A job that applies manifests to a throwaway cluster it created (kind,
    // minikube, k3d) tests them: it deploys nothing.
    let mut deploying_of: Vec<Vec<bool>> = workflows
        .iter()
        .map(|wf| {
            wf.jobs
                .iter()
                .map(|j| job_deploys(j, |s| facts.step_intent(s)) && !ephemeral_cluster(j))
                .collect()
        })
        .collect();
    // A job that calls a reusable workflow of the repository whose own jobs deploy
    // is not a deploy path of its own: those jobs are (with their environments and
    // checks), and counting the call too would judge the same deploy twice. Unless
    // the caller names the environment (`environment: ${{ inputs.environment }}` in
    // the called jobs): then each call is a deploy path of its tier.
    let called_deploys: Vec<Vec<bool>> = workflows
        .iter()
        .map(|wf| {
            wf.jobs
                .iter()
                .map(|j| {
                    called_workflow(j, workflows).is_some_and(|c| {
                        let (Some(d), Some(cw)) = (deploying_of.get(c), workflows.get(c)) else {
                            return false;
                        };
                        let deploying = cw.jobs.iter().zip(d).filter(|(_, x)| **x);
                        let mut any = false;
                        for (cj, _) in deploying {
                            if cj.environment().is_some_and(|e| e.contains("inputs.")) {
                                return false;
                            }
                            any = true;
                        }
                        any
                    })
                })
                .collect()
        })
        .collect();
    for (d, c) in deploying_of.iter_mut().zip(&called_deploys) {
        for (x, called) in d.iter_mut().zip(c) {
            *x &= !called;
        }
    }
    let links = super::deploy::RunLinks::new(workflows);
    for (wi, wf) in workflows.iter().enumerate() {
        // The workflow's kinds of start, its jobs' unless their own rules narrow
        // them (GitLab; read below for the jobs with hits).
        let (on_change, on_pr, schedule_only) = when_runs(wf, Kinds::of(&wf.triggers));
        let deploying: &[bool] = deploying_of.get(wi).map_or(&[], |d| d);
        // One walk each way for every job (linear in jobs plus `needs:` edges).
        let graph = NeedsGraph::new(wf);
        let after_deploy = graph.any_reached(deploying, Dir::Up);
        let before_deploy = graph.any_reached(deploying, Dir::Down);
        // After a deployment event, or after a workflow that deploys (`workflow_run`
        // naming it), or one whose name says deploy when it is not in the repository.
        let follows_deploy = links
            .sources_of(wi)
            .any(|s| deploying_of.get(s).is_some_and(|d| d.iter().any(|x| *x)))
            || wf.triggers.iter().any(|t| {
                t.kind == TriggerKind::Deployment
                    || t.kind == TriggerKind::AfterWorkflow
                        && t.config.is_some_and(|c| {
                            c.get("workflows")
                                .and_then(Node::as_seq)
                                .into_iter()
                                .flatten()
                                .filter_map(Node::as_str)
                                .any(|n| word_intent_phrase(n) == Intent::Deploy)
                        })
            });
        for (ji, job) in wf.jobs.iter().enumerate() {
            let deploys = deploying.get(ji).copied().unwrap_or(false);
            let testy = word_intent_phrase(job.id)
                .max(job.name.map(word_intent_phrase).unwrap_or(Intent::Other));
            // After a deploy (it needs a deploying job): smoke tests, checks, rollback.
            // Before one (a deploying job needs it): backups, but not the test gate.
            let after = after_deploy.get(ji).copied().unwrap_or(false);
            let before = before_deploy.get(ji).copied().unwrap_or(false);
            let own_database = !job.services.is_empty() || starts_database(job);
            let deploy_ctx = deploys
                || follows_deploy
                || after
                || (before
                    && !own_database
                    && !matches!(testy, Intent::Test | Intent::Lint | Intent::Build));
            let line = wf.doc.line(job.key.span.start);
            // Matrix-supplied platforms (`platforms: ${{ matrix.platform }}` over
            // several values): a multi-arch build.
            if let Some((si, n)) = matrix_platforms(job) {
                let step_line = job
                    .steps
                    .get(si)
                    .map(|s| wf.doc.line(s.anchor().start))
                    .unwrap_or(line);
                cx.out.push(Hit {
                    cap: "delivery.multi-arch",
                    tool: format!("platforms from the matrix ({n} values)"),
                    file: wf.path.to_string(),
                    line: step_line,
                    wf: wi,
                    job: Some(ji),
                    step: Some(si),
                    weak: None,
                    kind: HitKind::Direct,
                });
            }
            jobs.push(JobFacts {
                wf: wi,
                job: ji,
                deploys,
                deploy_ctx,
                on_change,
                on_pull_request: on_pr,
                schedule_only,
                has_services: own_database,
                after_deploy: !deploys && (after || follows_deploy),
                line,
            });
            let job_weak = if literal_true(job.allow_failure.map(|e| &e.value)) {
                Some(
                    match wf.platform {
                        Platform::GitHub => {
                            "continue-on-error: the job may fail without failing the workflow"
                        }
                        Platform::GitLab => {
                            "allow_failure: the job may fail without failing the pipeline"
                        }
                    }
                    .to_string(),
                )
            } else if literal_false_if(job.condition.and_then(|c| c.expression())) {
                Some("disabled with `if: false`".to_string())
            } else {
                None
            };
            for (si, step) in job.steps.iter().enumerate() {
                cx.step(wi, wf, ji, job, si, step, job_weak.as_deref());
            }
            let label = job.name.unwrap_or(job.id).to_ascii_lowercase();
            if deploys
                && ["canary", "blue-green", "bluegreen", "blue/green"]
                    .iter()
                    .any(|k| label.contains(k))
                && !cx
                    .out
                    .iter()
                    .any(|h| h.wf == wi && h.job == Some(ji) && h.cap == "deploy.progressive")
            {
                cx.out.push(Hit {
                    cap: "deploy.progressive",
                    tool: format!("job `{}`", job.name.unwrap_or(job.id)),
                    file: wf.path.to_string(),
                    line,
                    wf: wi,
                    job: Some(ji),
                    step: None,
                    weak: job_weak.clone(),
                    kind: HitKind::Named,
                });
            }
        }
        cx.comments(wi, wf);
        cx.rollback_workflow(wi, wf);
    }
    let mut extra = vec![];
    // Tests run after the deploy, by a job that needs the deploying one: they test
    // what was deployed (smoke tests), whatever the suite is called. (Only looked
    // for when some job runs after a deploy: most repositories have none.)
    let any_after_deploy = jobs.iter().any(|f| f.after_deploy);
    for h in cx.out.iter().filter(|h| {
        any_after_deploy
            && matches!(
                h.cap,
                "ci.unit-tests" | "ci.integration-tests" | "ci.e2e-tests"
            )
            && h.job
                .and_then(|j| {
                    jobs.binary_search_by_key(&(h.wf, j), |f: &JobFacts| (f.wf, f.job))
                        .ok()
                })
                .and_then(|i| jobs.get(i))
                .is_some_and(|f| f.after_deploy)
    }) {
        let mut i = h.clone();
        i.cap = "deploy.smoke-tests";
        i.tool = format!("{} after the deploy", h.tool);
        extra.push(i);
    }
    // Service containers plus tests: integration tests.
    for h in cx.out.iter().filter(|h| h.cap == "ci.unit-tests") {
        if let Some(j) = h.job {
            // Tests run in docker compose next to the repository's database.
            let compose_db =
                h.tool.contains("docker compose") && !detected.stack.databases.is_empty();
            // (`jobs` is in workflow and job order.)
            if compose_db
                || jobs
                    .binary_search_by_key(&(h.wf, j), |f: &JobFacts| (f.wf, f.job))
                    .ok()
                    .and_then(|i| jobs.get(i))
                    .is_some_and(|f| f.has_services)
            {
                let mut i = h.clone();
                i.cap = "ci.integration-tests";
                i.tool = format!("{} with service containers", h.tool);
                extra.push(i);
            }
        }
    }
    cx.out.extend(extra);
    own_kinds(workflows, &cx.out, &mut jobs);
    Scan { hits: cx.out, jobs }
}

/// [`JobFacts::on_change`], [`JobFacts::on_pull_request`] and
/// [`JobFacts::schedule_only`] for a job of `wf` that runs under `kinds`.
fn when_runs(wf: &Workflow, kinds: Kinds) -> (bool, bool, bool) {
    let on_change = kinds.any(TriggerKind::on_change);
    let on_pr = kinds.any(TriggerKind::change_request);
    (on_change, on_pr, !on_change && !wf.triggers.is_empty())
}

/// A job's facts of when it runs by its own kinds of start
/// (`Workflow::job_kinds`), where its platform narrows them from its workflow's
/// (GitLab `rules:`): read for the jobs with hits, the ones the facts' readers ask
/// about (a capability judges a hit by its job), not for every job. The others keep
/// their workflow's.
fn own_kinds(workflows: &[Workflow], hits: &[Hit], jobs: &mut [JobFacts]) {
    if workflows.iter().all(|w| w.kinds_of.is_none()) {
        return;
    }
    let mut last = None;
    for h in hits {
        let Some(j) = h.job else { continue };
        // A job's hits are mostly together: each job is looked up about once.
        if last == Some((h.wf, j)) {
            continue;
        }
        last = Some((h.wf, j));
        let Some(wf) = workflows.get(h.wf).filter(|w| w.kinds_of.is_some()) else {
            continue;
        };
        let (Some(job), Ok(i)) = (
            wf.jobs.get(j),
            jobs.binary_search_by_key(&(h.wf, j), |f: &JobFacts| (f.wf, f.job)),
        ) else {
            continue;
        };
        if let Some(f) = jobs.get_mut(i) {
            (f.on_change, f.on_pull_request, f.schedule_only) = when_runs(wf, wf.job_kinds(job));
        }
    }
}

/// Database servers a job starts itself: `systemctl start mysql`, `docker compose up
/// -d db`, `docker run postgres:16` (what `services:` does, by hand).
fn starts_database(job: &Job) -> bool {
    const DBS: &[&str] = &[
        "db",
        "database",
        "postgres",
        "postgresql",
        "mysql",
        "mariadb",
        "mongo",
        "mongodb",
        "redis",
    ];
    let is_db = |a: &str| {
        let image = a.rsplit('/').next().unwrap_or(a);
        let name = image.split([':', '@']).next().unwrap_or(image);
        DBS.contains(&name)
    };
    job.steps
        .iter()
        .filter_map(|s| s.run.as_ref().and_then(|r| r.script.as_ref()))
        .flat_map(|sc| &sc.commands)
        .any(|c| {
            let skip = usize::from(c.words.first().is_some_and(|w| w.text == "sudo"));
            let Some(name) = c.words.get(skip).map(|w| last_segment(&w.text)) else {
                return false;
            };
            // Most commands are none of these: no argument list for them.
            if !matches!(
                name,
                "systemctl" | "service" | "docker" | "podman" | "docker-compose"
            ) {
                return false;
            }
            let args: Vec<&str> = c
                .words
                .get(skip + 1..)
                .unwrap_or(&[])
                .iter()
                .map(|w| w.text.as_str())
                .collect();
            let first = args.first().copied().unwrap_or("");
            match name {
                "systemctl" | "service" => args.iter().any(|a| is_db(a)),
                "docker" | "podman" if first == "run" => args.iter().skip(1).any(|a| is_db(a)),
                "docker" if first == "compose" && args.contains(&"up") => {
                    args.iter().skip(1).any(|a| is_db(a))
                }
                "docker-compose" if first == "up" => args.iter().any(|a| is_db(a)),
                _ => false,
            }
        })
}

/// What follows the last `/` of `path` (all of it when it has none).
fn last_segment(path: &str) -> &str {
    match memchr::memrchr(b'/', path.as_bytes()) {
        Some(i) => path.get(i + 1..).unwrap_or(""),
        None => path,
    }
}

/// The index of the reusable workflow of this repository a job calls
/// (`uses: ./.github/workflows/deploy.yml`).
fn called_workflow(job: &Job, workflows: &[Workflow]) -> Option<usize> {
    let u = job.uses.and_then(Node::as_str)?.strip_prefix("./")?;
    let u = u.split('@').next().unwrap_or(u);
    workflows.iter().position(|w| w.path == u)
}

/// A job that creates a throwaway Kubernetes cluster (kind, minikube, k3d).
fn ephemeral_cluster(job: &Job) -> bool {
    job.steps.iter().any(|s| {
        s.action().is_some_and(|a| {
            [
                "kind-action",
                "setup-kind",
                "setup-minikube",
                "k3d-action",
                "setup-k3d",
            ]
            .iter()
            .any(|k| a.contains(k))
        }) || s
            .run
            .as_ref()
            .and_then(|r| r.script.as_ref())
            .is_some_and(|sc| {
                sc.commands.iter().any(|c| {
                    let a = |i: usize| c.args().get(i).map(|w| w.text.as_str());
                    matches!(
                        (c.base_name(), a(0), a(1)),
                        ("kind", Some("create"), Some("cluster"))
                            | ("k3d", Some("cluster"), Some("create"))
                            | ("minikube", Some("start"), _)
                    )
                })
            })
    })
}

/// A step whose image platforms come from a matrix key with several values
/// (`platforms: ${{ matrix.platform }}`, bake `*.platform=linux/${{ matrix.arch }}`):
/// the step's index and the number of values.
fn matrix_platforms(job: &Job) -> Option<(usize, usize)> {
    let matrix = job.matrix?.node();
    job.steps.iter().enumerate().find_map(|(si, s)| {
        let with = s.with?;
        let text = ["platforms", "set", "platform"]
            .iter()
            .filter_map(|k| with.get(k).and_then(Node::as_str))
            .find(|v| v.contains("${{"))?;
        let key = text
            .split("matrix.")
            .nth(1)?
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .next()?;
        // `platform: [a, b]`, or one value per `include:` entry (`- platform: linux/amd64`
        // with its runner), distinct values counted.
        let n = match matrix.get(key).and_then(Node::as_seq) {
            Some(v) => v.len(),
            None => {
                let mut seen: Vec<&str> = vec![];
                for e in matrix.get("include").and_then(Node::as_seq).unwrap_or(&[]) {
                    if let Some(v) = e.get(key).and_then(Node::as_str) {
                        if !seen.contains(&v) {
                            seen.push(v);
                        }
                    }
                }
                seen.len()
            }
        };
        (n >= 2).then_some((si, n))
    })
}

/// Capabilities one command can show under different names: an HTTP check after a
/// deploy is a health check or a smoke test depending on what the step calls it.
fn check_family(cap: &str) -> &str {
    match cap {
        "deploy.smoke-tests" | "deploy.health-check" => "deploy-check",
        c => c,
    }
}

/// A command that fails when what it checks is wrong: a test runner, or an HTTP
/// request that fails on an error response (`curl --fail`, `wget`).
fn failing_check(facts: &Facts, c: &crate::shell::Command) -> bool {
    match c.base_name() {
        "curl" => c.args().iter().any(|a| {
            let t = a.text.as_str();
            t == "--fail"
                || t == "--fail-with-body"
                || (t.starts_with('-') && !t.starts_with("--") && t.contains('f'))
        }),
        "wget" => true,
        _ => facts.command_intent(c) == Intent::Test,
    }
}

fn harmless_only(facts: &Facts, script: &Script) -> bool {
    !script.commands.is_empty()
        && script
            .commands
            .iter()
            .all(|c| facts.command_intent(c) == Intent::Harmless || c.base_name() == "exit")
}

/// The comment lines of `src` (first non-blank character `#`): the line's index (from
/// 0, counting `\n`) and its text after that `#`, as `src.lines()` would give it.
/// Found with `memchr` on `#` instead of splitting and trimming every line; each line
/// is looked at once, whatever its number of `#`s.
fn comment_lines(src: &str) -> impl Iterator<Item = (usize, &str)> {
    let b = src.as_bytes();
    let mut hashes = memchr::memchr_iter(b'#', b);
    // Everything before `done` is decided; `line` counts the `\n`s before `counted`.
    let (mut done, mut counted, mut line) = (0usize, 0usize, 0usize);
    std::iter::from_fn(move || {
        for h in hashes.by_ref() {
            if h < done {
                continue;
            }
            let start = memchr::memrchr(b'\n', b.get(..h)?).map_or(0, |p| p + 1);
            let end = memchr::memchr(b'\n', b.get(h..)?).map_or(b.len(), |p| h + p);
            done = end;
            if !src.get(start..h)?.trim_start().is_empty() {
                continue;
            }
            line += memchr::memchr_iter(b'\n', b.get(counted..start)?).count();
            counted = start;
            let text = src.get(h + 1..end)?;
            let text = text.strip_suffix('\r').unwrap_or(text);
            return Some((line, text));
        }
        None
    })
}

/// `s` up to its first `||` (all of it without one): `s.split("||").next()` without
/// building a substring searcher for every comment line.
fn before_double_bar(s: &str) -> &str {
    let b = s.as_bytes();
    memchr::memchr_iter(b'|', b)
        .find(|&i| b.get(i + 1) == Some(&b'|'))
        .and_then(|i| s.get(..i))
        .unwrap_or(s)
}

/// The words of a comment line's text as [`Ctx::comments`] hands them to
/// [`command_matches`] (split at Unicode whitespace, quotes trimmed off each end,
/// lower-cased), into `out`, reusing its strings: every comment line of every
/// workflow is read, where a list and a string per word were allocated each time. An
/// ASCII text without a vertical tab (the one ASCII character `char::is_whitespace`
/// and `u8::is_ascii_whitespace` disagree on) is split on bytes.
fn comment_words_into(out: &mut Vec<String>, text: &str) {
    let mut n = 0;
    {
        let mut put = |w: &str| {
            let w = w.trim_matches(['"', '\'']);
            match out.get_mut(n) {
                Some(o) => {
                    o.clear();
                    o.push_str(w);
                    o.make_ascii_lowercase();
                }
                None => out.push(w.to_ascii_lowercase()),
            }
            n += 1;
        };
        if text.is_ascii() && !text.as_bytes().contains(&0x0b) {
            text.split_ascii_whitespace().for_each(&mut put);
        } else {
            text.split_whitespace().for_each(&mut put);
        }
    }
    out.truncate(n);
}

/// Words in one buffer (each its length, then its bytes): the key a command is kept
/// under in [`Ctx::command_matches`], one allocation instead of one per word.
fn pack(words: &[String]) -> Vec<u8> {
    let mut out = Vec::with_capacity(words.iter().map(|w| w.len() + 8).sum());
    for w in words {
        out.extend_from_slice(&w.len().to_le_bytes());
        out.extend_from_slice(w.as_bytes());
    }
    out
}

/// Whether `packed` is [`pack`] of `words`.
fn packed_eq(packed: &[u8], words: &[String]) -> bool {
    let mut rest = packed;
    for w in words {
        let Some((len, tail)) = rest.split_first_chunk::<8>() else {
            return false;
        };
        if usize::from_le_bytes(*len) != w.len() {
            return false;
        }
        let Some((text, tail)) = tail.split_at_checked(w.len()) else {
            return false;
        };
        if text != w.as_bytes() {
            return false;
        }
        rest = tail;
    }
    rest.is_empty()
}

/// Words of a command, lowercased.
fn lower_words(words: &[crate::shell::Word]) -> Vec<String> {
    words.iter().map(|w| w.text.to_ascii_lowercase()).collect()
}

/// [`lower_words`] into `out`, reusing its strings: asked for every command of every
/// script, where a list and a string per word were allocated each time.
fn lower_words_into(out: &mut Vec<String>, words: &[crate::shell::Word]) {
    out.truncate(words.len());
    let kept = out.len();
    for (o, w) in out.iter_mut().zip(words) {
        o.clear();
        o.push_str(&w.text);
        o.make_ascii_lowercase();
    }
    out.extend(words.iter().skip(kept).map(|w| w.text.to_ascii_lowercase()));
}

impl<'a> Ctx<'a> {
    /// [`command_matches`] of `words`, from the memo when the same command was seen.
    fn command_matches(&mut self, words: &[String]) -> Vec<Match> {
        use std::hash::BuildHasher;
        // A command that finds nothing (`echo`, `cd`, most lines of a GitLab job's
        // script, which few jobs share) is told without hashing it into the memo.
        if let Some((first, args)) = words.split_first() {
            if finds_nothing(first, args.iter().map(String::as_str)) {
                return vec![];
            }
        }
        let h = foldhash::fast::FixedState::default().hash_one(words);
        match self.command_memo.get(&h) {
            Some((w, m)) if packed_eq(w, words) => return m.clone(),
            Some(_) => return command_matches(words),
            None => {}
        }
        let m = command_matches(words);
        self.command_memo.insert(h, (pack(words), m.clone()));
        m
    }

    /// The findings of one file (a contiguous run when findings are sorted by file,
    /// as the audit sorts them; filtered by file in any case).
    fn findings_in<'f>(&self, file: &'f str) -> impl Iterator<Item = &'a ReportFinding> + 'f
    where
        'a: 'f,
    {
        self.findings_between(file, 0, usize::MAX)
    }

    /// [`Ctx::findings_in`] on lines `start..=end` only: the line compared first (an
    /// integer; the file's run of findings is long, and every step asks).
    fn findings_between<'f>(
        &self,
        file: &'f str,
        start: usize,
        end: usize,
    ) -> impl Iterator<Item = &'a ReportFinding> + 'f
    where
        'a: 'f,
    {
        let r = self.findings_by_file.get(file).cloned().unwrap_or(0..0);
        let all: &'a [ReportFinding] = self.findings;
        let mut run = all.get(r).unwrap_or(&[]);
        // Sorted by file and line (as the audit sorts them): the lines asked for are
        // found by binary search, not by a pass over every finding of a long file
        // per step.
        if self.lines_sorted {
            let from = run.partition_point(|f| f.line < start);
            let to = run.partition_point(|f| f.line <= end).max(from);
            run = run.get(from..to).unwrap_or(&[]);
        }
        run.iter()
            .filter(move |f| f.line >= start && f.line <= end && f.file == file)
    }

    #[allow(clippy::too_many_arguments)]
    fn step(
        &mut self,
        wi: usize,
        wf: &Workflow,
        ji: usize,
        job: &Job,
        si: usize,
        step: &Step,
        job_weak: Option<&str>,
    ) {
        let doc = wf.doc;
        let start_line = doc.line(step.anchor().start);
        let end_line = doc
            .line(step.node.span.end.saturating_sub(1))
            .max(start_line);
        let step_weak: Option<String> = if literal_true(step.allow_failure.map(|e| &e.value))
            && !job.reraises_failure_of(step)
        {
            Some("continue-on-error: the step may fail without failing the job".into())
        } else if literal_false_if(step.condition.map(|e| &e.value)) {
            Some("disabled with `if: false`".into())
        } else {
            job_weak.map(str::to_string)
        };
        // Findings inside this step, with their lines: a finding about one command
        // of a script weakens that command, one about the step weakens all of it.
        // (The reason is worded only for the finding a hit takes.)
        let step_findings: Vec<&ReportFinding> = self
            .findings_between(wf.path, start_line, end_line)
            .filter(|f| weakening(f).is_some())
            .collect();
        let base_weak = step_weak;
        let mut matches: Vec<(Match, usize, Option<String>, HitKind)> = vec![];
        if let Some(a) = step.action() {
            for m in action_matches(a, Some(step)) {
                matches.push((m, start_line, None, HitKind::Direct));
            }
            // pre-commit's and prek's actions run every hook (`extra_args` may
            // narrow it to some, which pipewise then honours).
            if a.starts_with("pre-commit/action") || a.starts_with("j178/prek-action") {
                let mut w = vec!["pre-commit".to_string(), "run".to_string()];
                w.extend(
                    step.with_str("extra_args")
                        .or_else(|| step.with_str("extra-args"))
                        .unwrap_or("")
                        .split_whitespace()
                        .map(|x| x.to_ascii_lowercase()),
                );
                for m in self.precommit(&w) {
                    matches.push((m, start_line, None, HitKind::Indirect));
                }
            }
            // A local composite action: what its steps do happens here.
            if let Some(local) = step.uses_str().and_then(|u| u.strip_prefix("./")) {
                let local = local.trim_end_matches('/');
                if let Some(act) = self
                    .actions
                    .iter()
                    .find(|x| x.path.rsplit_once('/').map(|(d, _)| d) == Some(local))
                {
                    for st in &act.steps {
                        if let Some(a) = st.action() {
                            for m in action_matches(a, Some(st)) {
                                matches.push((m, start_line, None, HitKind::Indirect));
                            }
                        }
                        for c in st
                            .run
                            .as_ref()
                            .and_then(|r| r.script.as_ref())
                            .map(|s| s.commands.as_slice())
                            .unwrap_or(&[])
                        {
                            for m in self.command_matches(&lower_words(&c.words)) {
                                matches.push((m, start_line, None, HitKind::Indirect));
                            }
                        }
                    }
                }
            }
        }
        let mut placeholder = false;
        // The step makes a request that fails on an error response, or runs tests:
        // what a step named "Smoke tests" needs to be one.
        let mut checks_something = false;
        if let Some(run) = &step.run {
            if let Some(script) = &run.script {
                let cwd = step.cwd(Some(job)).unwrap_or("");
                let env = |name: &str| {
                    crate::rules::github::security::common::env_value(
                        Some(wf),
                        Some(job),
                        step,
                        name,
                    )
                    .and_then(Node::as_str)
                    .map(|v| crate::repo::strip_workspace(v).to_string())
                };
                let sf = self.script_found(script, run.text, cwd, &env);
                placeholder = sf.placeholder;
                checks_something = sf.checks_something;
                for cf in &sf.commands {
                    let Some(c) = script.commands.get(cf.index) else {
                        continue;
                    };
                    // Where the command starts (the start of `run.source_span`).
                    let line = self.value_line(wf, run.node, c.span.start);
                    for (m, kind) in &cf.found {
                        matches.push((m.clone(), line, cf.masked.clone(), *kind));
                    }
                }
            } else {
                // pwsh/python bodies: words only.
                for l in run.text.lines() {
                    let words: Vec<String> = l
                        .split_whitespace()
                        .map(|w| w.to_ascii_lowercase())
                        .collect();
                    for m in self.command_matches(&words) {
                        matches.push((m, start_line, None, HitKind::Direct));
                    }
                }
            }
        }
        // Step names for deploy-time steps (a named health check that calls a script).
        if let Some(name) = step.name {
            let ln = name.to_ascii_lowercase();
            let named = if may_name_deploy_time(&ln) {
                script_name_matches(&ln)
            } else {
                vec![]
            };
            for m in named {
                let deployish = DEPLOY_TIME_CAPS.contains(&m.cap) || ln.contains("monitor");
                if !deployish || matches.iter().any(|(x, _, _, _)| x.cap == m.cap) {
                    continue;
                }
                let w = placeholder
                    .then(|| format!("a placeholder: step `{name}` only prints messages"));
                // A name backed by a command of the same family (a step "Smoke
                // tests" that runs `curl --fail $URL/`) is more than a name.
                let backed = matches.iter().any(|(x, _, _, k)| {
                    *k != HitKind::Named && check_family(x.cap) == check_family(m.cap)
                }) || (checks_something && check_family(m.cap) == "deploy-check")
                    || (m.cap == "ops.notifications" && script_comments(step));
                let kind = if backed && w.is_none() {
                    HitKind::Direct
                } else {
                    HitKind::Named
                };
                if w.is_some() || step.run.is_some() || step.uses.is_some() {
                    matches.push((m, start_line, w, kind));
                }
            }
            // memmem: asked of every named step (`str::contains` sets up a two-way
            // searcher per call).
            let has = |w: &[u8]| memchr::memmem::find(ln.as_bytes(), w).is_some();
            if has(b"monitor") || has(b"error rate") {
                matches.push((
                    Match {
                        cap: "ops.monitoring",
                        tool: name.to_string(),
                        weak: placeholder
                            .then(|| format!("a placeholder: step `{name}` only prints messages")),
                    },
                    start_line,
                    None,
                    HitKind::Named,
                ));
            }
        }
        // (A GitLab line is its own step: its script starts where the step does.)
        let script_lines = step
            .run
            .as_ref()
            .map(|r| {
                if r.node.span.start == step.anchor().start {
                    start_line
                } else {
                    wf.doc.line(r.node.span.start)
                }
            })
            .unwrap_or(usize::MAX);
        for (m, line, masked, kind) in matches {
            let from_findings = || {
                step_findings
                    .iter()
                    .find(|f| {
                        // A command inside the script: only findings on its line (or on
                        // lines that are not part of the script: `continue-on-error:`).
                        line < script_lines || f.line == line || f.line < script_lines
                    })
                    .and_then(|f| finding_reason(f))
            };
            let weak = base_weak
                .clone()
                .or_else(from_findings)
                .or(masked)
                .or(m.weak);
            self.out.push(Hit {
                cap: m.cap,
                tool: m.tool,
                file: wf.path.to_string(),
                line,
                wf: wi,
                job: Some(ji),
                step: Some(si),
                weak,
                kind,
            });
        }
    }

    /// The line of byte `offset` of the scalar `node`'s value in `wf`
    /// (`value_to_source`, which walks the value up to `offset`). A GitLab job's copy
    /// of a template's or `default:`'s lines has the template's span and shares its
    /// text: each place is walked once (on corpus-gitlab 733 places for 1,880
    /// commands). Keyed by the document, the span, the text's address and length
    /// (every node lives as long as the scan), the style and the offset: what the
    /// walk reads. A GitHub step is no copy: its line is computed.
    fn value_line(&mut self, wf: &Workflow, node: &Node, offset: usize) -> usize {
        let doc = wf.doc;
        let scalar = match &node.kind {
            pipewise_yaml::NodeKind::Scalar { style, .. } if wf.platform == Platform::GitLab => {
                node.as_str().map(|t| (t, *style))
            }
            _ => None,
        };
        let Some((text, style)) = scalar else {
            return doc.line(doc.value_to_source(node, offset));
        };
        let key = (
            (
                std::ptr::from_ref(doc) as usize,
                node.span.start,
                node.span.end,
            ),
            (text.as_ptr() as usize, text.len(), style as u8, offset),
        );
        *self
            .value_lines
            .entry(key)
            .or_insert_with(|| doc.line(doc.value_to_source(node, offset)))
    }

    /// What `script` (a step's `run:` text `text`, run in `cwd`) provides, command by
    /// command: the part of [`Ctx::step`] that does not depend on where the step is.
    /// A script that several steps share (a GitLab line that a template or
    /// `default:` gives many jobs: one `Arc<Script>`) is looked at once per working
    /// directory, unless a command read the step's `env` (`--dir ${{ env.X }}`).
    fn script_found(
        &mut self,
        script: &std::sync::Arc<Script>,
        text: &str,
        cwd: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> std::rc::Rc<ScriptFound> {
        // The script's address (it lives as long as the scan), with the text and
        // folder compared.
        let key = std::sync::Arc::as_ptr(script) as usize;
        let shared = std::sync::Arc::strong_count(script) > 1;
        if shared {
            if let Some((_, _, f)) = self
                .shared_scripts
                .get(&key)
                .and_then(|v| v.iter().find(|(t, d, _)| t == text && d == cwd))
            {
                return f.clone();
            }
        }
        let read_env = std::cell::Cell::new(false);
        let env = |name: &str| {
            read_env.set(true);
            env(name)
        };
        let f = std::rc::Rc::new(self.compute_script_found(script, text, cwd, &env));
        if shared && !read_env.get() {
            self.shared_scripts.entry(key).or_default().push((
                text.to_string(),
                cwd.to_string(),
                f.clone(),
            ));
        }
        f
    }

    /// [`Ctx::script_found`], computed.
    fn compute_script_found(
        &mut self,
        script: &Script,
        text: &str,
        cwd: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> ScriptFound {
        let mut commands = vec![];
        // (Taken, not borrowed: the calls below borrow `self`.)
        let mut words = std::mem::take(&mut self.words);
        for (index, c) in script.commands.iter().enumerate() {
            lower_words_into(&mut words, &c.words);
            let mut found: Vec<(Match, HitKind)> = self
                .command_matches(&words)
                .into_iter()
                .map(|m| (m, HitKind::Direct))
                .collect();
            found.extend(
                self.npm_script(&words, cwd, env)
                    .into_iter()
                    .map(|m| (m, HitKind::Direct)),
            );
            found.extend(
                self.maven_plugins(&words)
                    .into_iter()
                    .chain(self.dotnet_tests(&words, cwd))
                    .chain(self.precommit(&words))
                    .map(|m| (m, HitKind::Indirect)),
            );
            // `eval "$cmd"` after `cmd="bundle exec rspec …"`: what the string
            // it evaluates runs.
            if c.base_name() == "eval" {
                found.extend(
                    eval_commands(script, text, c)
                        .iter()
                        .flat_map(|ec| command_matches(&lower_words(&ec.words)))
                        .map(|m| (m, HitKind::Direct)),
                );
            }
            // (A script none of whose commands can run a script file calls none.)
            let called = if script.runs_no_script {
                None
            } else {
                called_script(self.repo, c, cwd)
            };
            if let Some(p) = called {
                let name = p.rsplit('/').next().unwrap_or(&p).trim_end_matches(".sh");
                found.extend(
                    script_name_matches(name)
                        .into_iter()
                        .map(|m| (m, HitKind::Direct)),
                );
                if let Some(sf) = self.scripts.get(&p) {
                    let cached = self.script_matches.entry(p.clone()).or_insert_with(|| {
                        // One list of words for all the script's commands, lowercased
                        // only for a command that may find something (a called
                        // script's lines are mostly `echo`, `cd`, `export`: GitLab
                        // jobs call many, with thousands of lines).
                        let mut w = vec![];
                        let mut first = String::new();
                        sf.script
                            .commands
                            .iter()
                            .flat_map(|sc| {
                                if let Some((f, args)) = sc.words.split_first() {
                                    first.clear();
                                    first.push_str(&f.text);
                                    first.make_ascii_lowercase();
                                    if finds_nothing(&first, args.iter().map(|a| a.text.as_str())) {
                                        return vec![];
                                    }
                                }
                                lower_words_into(&mut w, &sc.words);
                                command_matches(&w)
                            })
                            .collect()
                    });
                    found.extend(cached.iter().cloned().map(|m| (m, HitKind::Indirect)));
                    if let Some(r) = self.findings_in(&p).find_map(finding_reason) {
                        for (m, _) in found.iter_mut().filter(|(m, _)| m.weak.is_none()) {
                            m.weak = Some(format!("{r} (in {p})"));
                        }
                    }
                }
            }
            if found.is_empty() {
                continue;
            }
            for (m, _) in found.iter_mut() {
                if m.weak.as_deref() == Some("no_retries") {
                    m.weak = (!c.in_loop && !c.in_condition)
                        .then(|| "the health check has no retries".to_string());
                }
            }
            commands.push(CommandFound {
                index,
                found,
                masked: masked_by_fallback(self.facts, script, c),
            });
        }
        self.words = words;
        ScriptFound {
            placeholder: harmless_only(self.facts, script),
            checks_something: script.commands.iter().any(|c| failing_check(self.facts, c)),
            commands,
        }
    }

    /// `mvn verify` / `./mvnw -B package`: what the plugins the pom binds to a phase
    /// the command reaches do (checkstyle in `validate` is a lint, jacoco's report a
    /// coverage), with the plugin's pom.xml line in the tool.
    fn maven_plugins(&self, words: &[String]) -> Vec<Match> {
        let plugins = &self.detected.maven_plugins;
        // Asked of every command: most repositories have no pom.
        if plugins.is_empty() {
            return vec![];
        }
        let is_maven = words
            .first()
            .is_some_and(|f| matches!(f.rsplit('/').next(), Some("mvn" | "mvnw" | "mvnw.cmd")));
        if !is_maven {
            return vec![];
        }
        let Some(reached) = words.iter().filter_map(|w| super::maven::phase(w)).max() else {
            return vec![];
        };
        let mut out = vec![];
        for p in plugins.iter().filter(|p| p.phase <= reached) {
            let w = ["mvn".to_string(), p.artifact.to_ascii_lowercase()];
            for mut m in command_matches(&w) {
                m.tool = format!("{} ({}, {}:{})", m.tool, p.artifact, p.file, p.line);
                out.push(m);
            }
        }
        out
    }

    /// `pre-commit run` / `prek run [hook-id…]` (through `uv run` and the like): what
    /// the hooks of `.pre-commit-config.yaml` run, judged as commands; the hooks
    /// named on the command line when there are some. `pre-commit install` runs none.
    fn precommit(&self, words: &[String]) -> Vec<Match> {
        let hooks = &self.detected.precommit_hooks;
        // Asked of every command: most repositories have no hooks.
        if hooks.is_empty() {
            return vec![];
        }
        let w = crate::shell::unwrap_runner(words);
        let is_runner = w
            .first()
            .is_some_and(|f| matches!(f.rsplit('/').next(), Some("pre-commit" | "prek")));
        if hooks.is_empty() || !is_runner || w.get(1).map(String::as_str) != Some("run") {
            return vec![];
        }
        let named: Vec<&str> = w
            .iter()
            .skip(2)
            .filter(|a| hooks.iter().any(|(id, _, _)| id.eq_ignore_ascii_case(a)))
            .map(String::as_str)
            .collect();
        let mut out = vec![];
        for (id, cmd, line) in hooks {
            if !named.is_empty() && !named.iter().any(|n| id.eq_ignore_ascii_case(n)) {
                continue;
            }
            // A hook that runs pre-commit again runs nothing new.
            if cmd.iter().any(|c| c == "pre-commit" || c == "prek") {
                continue;
            }
            for mut m in command_matches(cmd) {
                m.tool = format!("{} (hook `{id}`, .pre-commit-config.yaml:{line})", m.tool);
                out.push(m);
            }
        }
        out
    }

    /// `dotnet test [solution | project | folder]`: the test projects it runs that
    /// drive a browser or host the app (stack detection's `dotnet_tests`). A
    /// `--filter` selects tests pipewise cannot see, so it credits none.
    fn dotnet_tests(&self, words: &[String], cwd: &str) -> Vec<Match> {
        let tests = &self.detected.dotnet_tests;
        if tests.is_empty()
            || words.first().map(String::as_str) != Some("dotnet")
            || words.get(1).map(String::as_str) != Some("test")
            || words.iter().any(|w| w.starts_with("--filter"))
        {
            return vec![];
        }
        // Project paths as the step sees them: relative to its working directory.
        let cwd = crate::repo::normalize(cwd).to_ascii_lowercase();
        let rel = |p: &str| -> Option<String> {
            let p = p.to_ascii_lowercase();
            if cwd.is_empty() {
                Some(p)
            } else {
                p.strip_prefix(&format!("{cwd}/")).map(String::from)
            }
        };
        // The target: a solution (all its projects), a project, or a folder that
        // holds test projects; none is the solution of the working directory.
        let target = words.iter().skip(2).find_map(|w| {
            let t = w.trim_start_matches("./").trim_end_matches('/');
            if t.ends_with(".sln") || t.ends_with(".slnx") {
                Some(None)
            } else if t.ends_with("proj")
                || tests
                    .iter()
                    .filter_map(|(p, _, _)| rel(p))
                    .any(|p| p.starts_with(&format!("{t}/")))
            {
                Some(Some(t.to_string()))
            } else {
                None
            }
        });
        tests
            .iter()
            .filter(|(p, _, _)| {
                rel(p).is_some_and(|p| match target.as_ref().and_then(|t| t.as_ref()) {
                    None => true,
                    Some(t) => p == *t || p.starts_with(&format!("{t}/")),
                })
            })
            .map(|&(ref p, cap, n)| Match {
                cap,
                tool: format!("dotnet test ({n} in {p})"),
                weak: None,
            })
            .collect()
    }

    /// `npm run x` / `yarn x`: what the body of script `x` (from the package.json
    /// of the step's folder) runs.
    /// `env` gives the value of a variable of the step's `env` (`--dir ${{
    /// env.WEB_PATH }}`).
    fn npm_script(
        &self,
        words: &[String],
        cwd: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Vec<Match> {
        let mut out = vec![];
        if words
            .first()
            .is_some_and(|f| matches!(f.as_str(), "npm" | "pnpm" | "yarn" | "bun"))
        {
            self.npm_script_into(words, cwd, env, &mut vec![], &mut out);
        }
        out
    }

    /// [`Self::npm_script`] into `out`, following the scripts a script runs
    /// (`"validate": "yarn validate:types && yarn validate:lint"`); each script of a
    /// folder is read once per command (`seen`), so a hostile package.json whose
    /// scripts call each other many times costs one pass over the scripts it names.
    fn npm_script_into(
        &self,
        words: &[String],
        cwd: &str,
        env: &dyn Fn(&str) -> Option<String>,
        seen: &mut Vec<(String, String)>,
        out: &mut Vec<Match>,
    ) -> bool {
        let Some(first) = words.first() else {
            return false;
        };
        // Global options before the command: a folder (`yarn --cwd web validate`,
        // `npm --prefix web run lint`, `pnpm -C web lint`) is where the scripts are.
        let mut dir = cwd.to_string();
        let mut i = 1;
        while let Some(w) = words.get(i).filter(|w| w.starts_with('-')) {
            match w.as_str() {
                "--cwd" | "--prefix" | "-c" | "--dir" => {
                    if let Some(d) = words.get(i + 1) {
                        let d = match d
                            .strip_prefix("${{")
                            .and_then(|x| x.strip_suffix("}}"))
                            .and_then(|x| x.trim().strip_prefix("env."))
                        {
                            Some(var) => env(var).unwrap_or_else(|| d.clone()),
                            None => d.clone(),
                        };
                        dir = if cwd.is_empty() {
                            d
                        } else {
                            format!("{cwd}/{d}")
                        };
                    }
                    i += 2;
                }
                "-w" | "--workspace" | "-f" | "--filter" => i += 2,
                _ => i += 1,
            }
        }
        let rest = words.get(i..).unwrap_or(&[]);
        let name = match rest.first().map(String::as_str) {
            Some("run") | Some("run-script") => rest.iter().skip(1).find(|a| !a.starts_with('-')),
            Some("test") => rest.first(),
            Some(_) if first != "npm" => rest.first(),
            _ => None,
        };
        let Some(name) = name else {
            return false;
        };
        // `pnpm -r do-test`, `npm test --workspaces`: the script of every package
        // that has one.
        let recursive = words
            .iter()
            .any(|w| matches!(w.as_str(), "-r" | "--recursive" | "--workspaces" | "-ws"));
        let targets: Vec<(String, &str)> = if recursive {
            self.detected
                .npm_scripts
                .iter()
                .filter(|((_, n), _)| n == name)
                .map(|((d, _), b)| (d.clone(), b.as_str()))
                .collect()
        } else {
            self.detected
                .npm_script_at(&dir, name)
                .map(|(d, b)| (d.to_string(), b))
                .into_iter()
                .collect()
        };
        let found = !targets.is_empty();
        for (dir, body) in targets {
            if seen.len() >= MAX_NESTED_SCRIPTS || seen.iter().any(|(d, n)| *d == dir && n == name)
            {
                break;
            }
            seen.push((dir.clone(), name.clone()));
            self.npm_body(body, &dir, seen, out);
        }
        found
    }

    /// What an npm script's body runs, with the scripts it runs in turn.
    fn npm_body(
        &self,
        body: &str,
        dir: &str,
        seen: &mut Vec<(String, String)>,
        out: &mut Vec<Match>,
    ) {
        for part in body.split(['&', ';', '|']) {
            let w: Vec<String> = part
                .split_whitespace()
                .map(|x| x.to_ascii_lowercase())
                .collect();
            if w.first()
                .is_some_and(|f| matches!(f.as_str(), "npm" | "pnpm" | "yarn" | "bun"))
            {
                // Another script of the same package (paths in a script are the
                // package folder's); a tool it runs (`pnpm exec tsup`) otherwise.
                if !self.npm_script_into(&w, dir, &|_| None, seen, out) {
                    out.extend(command_matches(&w));
                }
                continue;
            }
            out.extend(command_matches(&w));
        }
    }

    /// Commented-out steps and commands: `# - uses: github/codeql-action/...`,
    /// `# curl -f $URL/health || exit 1`.
    fn comments(&mut self, wi: usize, wf: &Workflow) {
        let src = wf.doc.source();
        let mut words: Vec<String> = vec![];
        for (i, body) in comment_lines(src) {
            let mut body = body.trim_start_matches('#').trim();
            body = body.strip_prefix("- ").unwrap_or(body).trim();
            let mut found = vec![];
            if let Some(p) = body.strip_prefix("platforms:") {
                if p.contains(',') || p.contains("arm") {
                    found.push(Match {
                        cap: "delivery.multi-arch",
                        tool: format!("platforms:{p}"),
                        weak: None,
                    });
                }
            } else if let Some(u) = body.strip_prefix("uses:") {
                let a = u
                    .trim()
                    .split('@')
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                found = action_matches(&a, None);
            } else {
                let b = body.strip_prefix("run:").unwrap_or(body).trim();
                comment_words_into(&mut words, before_double_bar(b));
                // Not memoised: comment lines are mostly prose, each its own (and
                // most find nothing: told before the full match).
                if let [first, rest @ ..] = words.as_slice() {
                    if !rest.is_empty() && !finds_nothing(first, rest.iter().map(String::as_str)) {
                        found = command_matches(&words);
                    }
                }
            }
            for m in found {
                self.out.push(Hit {
                    cap: m.cap,
                    tool: m.tool,
                    file: wf.path.to_string(),
                    line: i + 1,
                    wf: wi,
                    job: None,
                    step: None,
                    weak: Some("commented out".into()),
                    kind: HitKind::Direct,
                });
            }
        }
    }

    /// A workflow dedicated to rolling back (file or name says so).
    fn rollback_workflow(&mut self, wi: usize, wf: &Workflow) {
        let named = wf.file_name().to_ascii_lowercase().contains("rollback")
            || wf
                .name
                .is_some_and(|n| n.to_ascii_lowercase().contains("rollback"));
        if !named
            || self
                .out
                .iter()
                .any(|h| h.wf == wi && h.cap == "deploy.rollback")
        {
            return;
        }
        let real = wf.jobs.iter().flat_map(|j| &j.steps).any(|s| {
            s.uses.is_some()
                || s.run
                    .as_ref()
                    .and_then(|r| r.script.as_ref())
                    .is_some_and(|sc| !harmless_only(self.facts, sc))
        });
        let line = wf
            .root
            .entry("name")
            .map(|e| wf.doc.line(e.key.span.start))
            .unwrap_or(1);
        self.out.push(Hit {
            cap: "deploy.rollback",
            tool: format!("{} workflow", wf.file_name()),
            file: wf.path.to_string(),
            line,
            wf: wi,
            job: None,
            step: None,
            weak: (!real)
                .then(|| "a placeholder: the rollback workflow only prints messages".into()),
            kind: HitKind::Named,
        });
    }
}

/// The commands `eval` runs: its arguments, or the value of the one variable it is
/// given (`eval "$cmd"`), as assigned last before it in the script (source order).
/// Their spans are the evaluated text's, not the script's.
fn eval_commands(
    script: &Script,
    text: &str,
    c: &crate::shell::Command,
) -> Vec<crate::shell::Command> {
    let args = c.args();
    let var = match args {
        [a] => a
            .text
            .strip_prefix("${")
            .and_then(|v| v.strip_suffix('}'))
            .or_else(|| a.text.strip_prefix('$'))
            .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')),
        _ => None,
    };
    let src = match var {
        Some(v) => {
            let Some(a) = script.assignment_before(text, v, c.span.start) else {
                return vec![];
            };
            let value = text.get(a.span.start..a.span.end).unwrap_or("");
            value
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .or_else(|| value.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
                .unwrap_or(value)
                .to_string()
        }
        None => args
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    };
    Script::parse(&src)
        .commands
        .into_iter()
        .filter(|x| !x.in_substitution)
        .collect()
}

/// `cmd || true`, `cmd || echo ...`: the command's failure is swallowed.
fn masked_by_fallback(facts: &Facts, script: &Script, c: &crate::shell::Command) -> Option<String> {
    for i in script.or_fallbacks(c.list, c.item) {
        let cmds: Vec<_> = script.item_commands(c.list, i).collect();
        if !cmds.is_empty()
            && cmds.iter().all(|f| {
                let n = f.base_name();
                (facts.command_intent(f) == Intent::Harmless && n != "exit")
                    || (n == "exit" && f.args().first().is_some_and(|a| a.text == "0"))
            })
        {
            let what = cmds
                .first()
                .map(|f| f.base_name().to_string())
                .unwrap_or_default();
            return Some(format!("masked: `{} || {what}` always succeeds", c.name()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `comment_lines` replaced: every line split off and trimmed.
    fn comment_lines_oracle(src: &str) -> Vec<(usize, String)> {
        src.lines()
            .enumerate()
            .filter_map(|(i, l)| Some((i, l.trim_start().strip_prefix('#')?.trim().to_string())))
            .collect()
    }

    /// [`comment_words_into`], into one reused list, gives the words the collect it
    /// replaced gave, on texts with Unicode and ASCII whitespace (the vertical tab),
    /// quotes and upper case, longer and shorter than the text before.
    #[test]
    fn comment_words_reused_are_the_words_collected() {
        let oracle = |t: &str| -> Vec<String> {
            t.split_whitespace()
                .map(|w| w.trim_matches(['"', '\'']).to_ascii_lowercase())
                .collect()
        };
        let texts = [
            "run: Make TEST",
            "curl -f \"$URL/health\" 'x'",
            "",
            "a\u{b}b c",
            "one\u{a0}two three\u{2003}Four",
            "  \t lead\x0ctrail\r\n ",
            "\"\" '' \"'q'\"",
            "Été ÉTÉ x",
            "x\u{85}y",
            "a b c d e f g h",
            "z",
        ];
        let mut words = vec![];
        for t in texts.iter().chain(texts.iter().rev()) {
            comment_words_into(&mut words, t);
            assert_eq!(words, oracle(t), "{t:?}");
        }
        // Reused words for a called script's commands: each command's own words.
        let script = crate::shell::Script::parse("Echo A B C\nnpm TEST\nmake\n");
        let mut w = vec![];
        for c in &script.commands {
            lower_words_into(&mut w, &c.words);
            assert_eq!(w, lower_words(&c.words));
        }
    }

    #[test]
    fn comment_lines_are_the_lines_starting_with_a_hash() {
        let cases = [
            "",
            "#",
            "# a\n",
            "on: push # not a comment line\n  # - uses: a/b@v1\n\t# run: make test\r\nx: '#'\n",
            "a\n\n   ## double # hash\n#last",
            "\u{a0}# after a no-break space\nx: a#b#c\n# y\r",
            "\r\n# crlf\r\n  #\r\n",
            "k: v\r# lone cr\n",
        ];
        for src in cases {
            let got: Vec<(usize, String)> = comment_lines(src)
                .map(|(i, t)| (i, t.trim().to_string()))
                .collect();
            assert_eq!(got, comment_lines_oracle(src), "{src:?}");
        }
        // Many `#`s on one line are looked at once (linear).
        let long = format!("x: {}\n# z\n", "#".repeat(200_000));
        assert_eq!(comment_lines(&long).count(), 1);
    }

    #[test]
    fn lower_words_into_is_lower_words() {
        let mut out = vec![];
        for line in ["NPM Run Test", "", "a B c D e", "x", "Cargo TEST --All"] {
            let script = crate::shell::Script::parse(line);
            for c in &script.commands {
                lower_words_into(&mut out, &c.words);
                assert_eq!(out, lower_words(&c.words), "{line}");
            }
        }
    }

    #[test]
    fn packed_words_equal_only_the_same_words() {
        let w = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<String>>();
        let cases = [
            w(&[]),
            w(&[""]),
            w(&["", ""]),
            w(&["npm", "ci"]),
            w(&["npm", "c", "i"]),
            w(&["npmci"]),
            w(&["npm\u{0}ci"]),
            w(&["np", "mci"]),
        ];
        for a in &cases {
            for b in &cases {
                assert_eq!(packed_eq(&pack(a), b), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn before_double_bar_is_the_first_split_part() {
        for s in [
            "",
            "|",
            "||",
            "a || b",
            "a | b || c",
            "a |||b",
            "x|",
            "|x||",
            "no bars",
        ] {
            assert_eq!(
                before_double_bar(s),
                s.split("||").next().unwrap_or(""),
                "{s:?}"
            );
        }
    }

    #[test]
    fn fallbacks_that_always_succeed_mask_the_command() {
        let s = Script::parse("npm ci\nnpm run test:e2e || echo \"No E2E tests configured\"\n");
        let c = &s.commands[1];
        let none = Facts::none();
        assert!(masked_by_fallback(&none, &s, c).is_some(), "{:?}", s.lists);
        let s = Script::parse("curl -f http://x/health || exit 1\n");
        assert!(masked_by_fallback(&none, &s, &s.commands[0]).is_none());
        let s = Script::parse("trivy image x || true\n");
        assert!(masked_by_fallback(&none, &s, &s.commands[0]).is_some());
    }
}
