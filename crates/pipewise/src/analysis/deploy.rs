//! Deployment readiness: every deploy path (a job that deploys, found by its
//! environment, deploy command or deploy action) with the checks a release engineer
//! asks about: tests gate, approval, backup before migrations, migrations applied and
//! validated, smoke tests, health check, rollback, notification, concurrency,
//! timeout, progressive strategy.
//!
//! pipewise cannot see repository settings (environment protection rules); an
//! environment's protection is `unknown` unless `--settings FILE` lists it.

use super::scan::{Hit, Scan};
use super::settings::RepoSettings;
use super::stack::{action_targets, command_target, Detected};
use crate::facts::Facts;
use crate::intent::{action_intent, word_intent_phrase, Intent};
use crate::needs::{Dir, NeedsGraph};
use crate::schema::{DeployCheck, DeployPath};
use crate::workflow::{Concurrency, Job, Platform, TriggerKind, Workflow};
use foldhash::HashMap;
use pipewise_yaml::Node;

/// How a path was classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Production,
    Staging,
    Preview,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Production => "production",
            Tier::Staging => "staging",
            Tier::Preview => "preview",
        }
    }
}

/// A deploy path with the indexes analyses need.
#[derive(Debug, Clone)]
pub struct Path {
    pub wf: usize,
    pub job: usize,
    pub tier: Tier,
    /// Only prints messages (or a rule found a placeholder).
    pub placeholder: Option<String>,
    /// The approval check's status.
    pub approval: Check,
    pub report: DeployPath,
}

/// A check result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Pass,
    Partial,
    Fail,
    Unknown,
    NotApplicable,
}

impl Check {
    fn as_str(self) -> &'static str {
        match self {
            Check::Pass => "pass",
            Check::Partial => "partial",
            Check::Fail => "fail",
            Check::Unknown => "unknown",
            Check::NotApplicable => "not-applicable",
        }
    }
}

fn classify_word(s: &str) -> Option<Tier> {
    let s = s.to_ascii_lowercase();
    let has = |w: &str| s.contains(w);
    if has("preview") || has("review") || has("pr-") || has("ephemeral") {
        Some(Tier::Preview)
    } else if has("stag")
        || has("dev")
        || has("qa")
        || has("uat")
        || has("sandbox")
        || has("test")
        || has("nonprod")
        || has("non-prod")
        || has("canary-env")
    {
        Some(Tier::Staging)
    } else if has("prod") || has("live") || has("prd") {
        Some(Tier::Production)
    } else {
        None
    }
}

/// An environment name one of whose words is a tier (`production`, `prod-eu`,
/// `staging`, `qa`): for jobs that only publish, where the environment is often the
/// registry's trusted-publishing one (`pypi`, `testpypi`, `npm`), which names no
/// tier even when a tier word is inside it.
fn names_tier(env: &str) -> bool {
    const TIERS: &[&str] = &[
        "production",
        "prod",
        "prd",
        "live",
        "staging",
        "stage",
        "stg",
        "dev",
        "development",
        "qa",
        "uat",
        "test",
        "testing",
        "sandbox",
        "nonprod",
        "preview",
        "review",
    ];
    env.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| TIERS.iter().any(|t| w.eq_ignore_ascii_case(t)))
}

/// Production, staging or preview: by environment name, job, workflow, then triggers.
pub fn tier(wf: &Workflow, job: &Job) -> Tier {
    if let Some(env) = job.environment() {
        if !env.contains("${{") {
            if let Some(t) = classify_word(env) {
                return t;
            }
        } else if let Some(t) = classify_word(env.split("${{").next().unwrap_or("")) {
            return t;
        }
    }
    for s in [Some(job.id), job.name, Some(wf.file_name()), wf.name]
        .into_iter()
        .flatten()
    {
        if let Some(t) = classify_word(s) {
            return t;
        }
    }
    let kinds = wf.job_kinds(job);
    if kinds.contains(TriggerKind::ChangeRequest) && !kinds.contains(TriggerKind::Push) {
        return Tier::Preview;
    }
    Tier::Production
}

/// What a job that looks like a deploy really does.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Does {
    /// Runs a deploy command, deploy action, migration or reusable workflow.
    Deploys,
    /// Only publishes (packages, images, releases): not a deploy path by itself.
    Publishes,
    /// Only prints: a placeholder, with the reason.
    Placeholder(String),
}

/// A deploy command, not a word such as `release` in a build script's arguments.
fn strong_deploy(c: &crate::shell::Command) -> bool {
    let words: Vec<&str> = c.words.iter().map(|w| w.text.as_str()).collect();
    let name = c.base_name();
    command_target(&words).is_some()
        || crate::intent::is_deploy_tool(name)
        || matches!(name, "ssh" | "kustomize")
        || c.words.iter().any(|w| {
            let t = w.text.to_ascii_lowercase();
            t.contains("deploy")
        })
}

fn what_it_does(facts: &Facts, job: &Job) -> Does {
    if job.uses.is_some() {
        return Does::Deploys;
    }
    let mut named = None;
    let mut publishes = false;
    for s in &job.steps {
        if let Some(a) = s.action() {
            if !a.contains("setup") {
                match action_intent(a) {
                    Intent::Deploy => return Does::Deploys,
                    Intent::Publish => publishes = true,
                    _ if !action_targets(a).is_empty() => return Does::Deploys,
                    _ => {}
                }
            }
        }
        if let Some(script) = s.run.as_ref().and_then(|r| r.script.as_ref()) {
            // Every command harmless: the step only talks.
            let mut only_talk = true;
            for c in &script.commands {
                let intent = facts.command_intent(c);
                match intent {
                    Intent::Deploy if strong_deploy(c) => return Does::Deploys,
                    Intent::Migration => return Does::Deploys,
                    Intent::Publish => publishes = true,
                    _ => {}
                }
                only_talk &= intent == Intent::Harmless;
            }
            if only_talk && s.name.map(word_intent_phrase) == Some(Intent::Deploy) {
                named.get_or_insert_with(|| s.label());
            }
        }
    }
    if publishes {
        return Does::Publishes;
    }
    Does::Placeholder(match named {
        Some(n) => format!("step `{n}` only prints messages; nothing is deployed"),
        None => format!("job `{}` runs no deploy command or action", job.id),
    })
}

/// The job's id or name has the word `deploy` (not `deployment`).
fn says_deploy(job: &Job) -> bool {
    [Some(job.id), job.name].into_iter().flatten().any(|s| {
        s.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w.eq_ignore_ascii_case("deploy"))
    })
}

/// The capabilities a deploy path's checks read. Each has two slots in [`Firsts`]:
/// its first related hit (in scan order) and its first related hit that is not
/// weakened (`2k`, `2k + 1`); slot [`TESTS`] is the first non-weakened test hit.
const CAPS: [&str; 7] = [
    "migration",
    "deploy.db-backup",
    "deploy.smoke-tests",
    "deploy.health-check",
    "deploy.rollback",
    "ops.notifications",
    "deploy.progressive",
];
const TESTS: usize = 2 * CAPS.len();
type Firsts = [Option<usize>; TESTS + 1];
/// Up to two distinct (workflow, job) places of related backup hits: enough to tell
/// whether one is somewhere else than a given place.
type Places = [Option<(usize, Option<usize>)>; 2];

fn slot(cap: &str) -> Option<usize> {
    CAPS.iter().position(|c| *c == cap).map(|k| 2 * k)
}

fn min_opt(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn merge_firsts(a: &Firsts, b: &Firsts) -> Firsts {
    std::array::from_fn(|i| min_opt(a[i], b[i]))
}

fn merge_places(a: &Places, b: &Places) -> Places {
    let mut out: Places = [None; 2];
    let mut n = 0;
    for p in a.iter().chain(b).flatten() {
        if n < 2 && !out[..n].contains(&Some(*p)) {
            out[n] = Some(*p);
            n += 1;
        }
    }
    out
}

/// Records hit `i` in `f` (and its place in `p` when it is a backup).
fn note(f: &mut Firsts, p: &mut Places, i: usize, h: &Hit) {
    if let Some(k) = slot(h.cap) {
        f[k] = min_opt(f[k], Some(i));
        if h.weak.is_none() {
            f[k + 1] = min_opt(f[k + 1], Some(i));
        }
    }
    if h.weak.is_none() && is_test(h.cap) {
        f[TESTS] = min_opt(f[TESTS], Some(i));
    }
    if h.cap == "deploy.db-backup" {
        *p = merge_places(p, &[Some((h.wf, h.job)), None]);
    }
}

/// What the deploy paths of one workflow read from the jobs around them, for every
/// job at once: folds over the `needs:` graph's components, so the cost is linear in
/// jobs, edges and the workflow's hits whatever the number of deploying jobs (one walk
/// per deploying job was quadratic in a chain of deploying jobs).
struct Around {
    /// Hits of the job and the jobs it needs, transitively; and of the jobs that need
    /// it; both walks stop at the other deploy paths (a staging job is not credited
    /// with the production job's backup or health check, nor production with the
    /// staging job's smoke tests). A deploy path's related hits are both plus the
    /// workflow-level ones.
    up: Vec<Firsts>,
    down: Vec<Firsts>,
    places_up: Vec<Places>,
    places_down: Vec<Places>,
    level: Firsts,
    level_places: Places,
    /// A job named like a test runs before the job (at least one step up).
    after_test_job: Vec<bool>,
    /// Tests pass before the job: tests run in it or in a job it needs, transitively
    /// (through other deploy jobs: production after a gated staging job is gated).
    tested_up: Vec<bool>,
    /// The first job, among the job and those it needs, that runs only after a
    /// successful run of a tested workflow (`workflow_run` plus a success check).
    after_ci: Vec<Option<usize>>,
    /// The first job (by index), among the job and those it needs, whose environment
    /// is protected in the settings; and whose environment's name says approval.
    protected_env: Vec<Option<usize>>,
    approval_env: Vec<Option<usize>>,
}

impl Around {
    fn new(
        wf: &Workflow,
        hits: &[Hit],
        of_wf: &[usize],
        settings: Option<&RepoSettings>,
        stop: &[bool],
        runs_after_tested_ci: bool,
    ) -> Around {
        let graph = NeedsGraph::new(wf);
        let comps = graph.components();
        let n = wf.jobs.len();
        let mut own: Vec<Firsts> = vec![[None; TESTS + 1]; n];
        let mut own_places: Vec<Places> = vec![[None; 2]; n];
        let mut level: Firsts = [None; TESTS + 1];
        let mut level_places: Places = [None; 2];
        for &i in of_wf {
            let Some(h) = hits.get(i) else { continue };
            match h.job {
                Some(j) if j < n => note(&mut own[j], &mut own_places[j], i, h),
                Some(_) => {}
                None => note(&mut level, &mut level_places, i, h),
            }
        }
        let none: Firsts = [None; TESTS + 1];
        let up = graph.fold_until(&comps, &own, Dir::Up, &none, stop, merge_firsts);
        let down = graph.fold_until(&comps, &own, Dir::Down, &none, stop, merge_firsts);
        let places_up =
            graph.fold_until(&comps, &own_places, Dir::Up, &[None; 2], stop, merge_places);
        let places_down = graph.fold_until(
            &comps,
            &own_places,
            Dir::Down,
            &[None; 2],
            stop,
            merge_places,
        );
        let own_tested: Vec<bool> = own.iter().map(|f| f[TESTS].is_some()).collect();
        let (tested_up, _) = graph.fold(&comps, &own_tested, Dir::Up, &false, |a, b| *a || *b);
        let own_after_ci: Vec<Option<usize>> = wf
            .jobs
            .iter()
            .enumerate()
            .map(|(j, job)| (runs_after_tested_ci && job_if(job).contains("success")).then_some(j))
            .collect();
        let (after_ci, _) = graph.fold(&comps, &own_after_ci, Dir::Up, &None, |a, b| {
            min_opt(*a, *b)
        });
        let testy: Vec<bool> = wf
            .jobs
            .iter()
            .map(|j| word_intent_phrase(j.id) == Intent::Test)
            .collect();
        let (_, after_test_job) = graph.fold(&comps, &testy, Dir::Up, &false, |a, b| *a || *b);
        let env_jobs = |keep: &dyn Fn(&str) -> bool| -> Vec<Option<usize>> {
            let own: Vec<Option<usize>> = wf
                .jobs
                .iter()
                .enumerate()
                .map(|(j, job)| job.environment().filter(|e| keep(e)).map(|_| j))
                .collect();
            graph
                .fold(&comps, &own, Dir::Up, &None, |a, b| min_opt(*a, *b))
                .0
        };
        let protected_env = env_jobs(&|e| {
            settings
                .and_then(|s| s.environment(e))
                .is_some_and(|x| x.is_protected())
        });
        let approval_env = env_jobs(&|e| e.to_ascii_lowercase().contains("approv"));
        Around {
            up,
            down,
            places_up,
            places_down,
            level,
            level_places,
            after_test_job,
            tested_up,
            after_ci,
            protected_env,
            approval_env,
        }
    }
}

fn is_test(cap: &str) -> bool {
    matches!(
        cap,
        "ci.unit-tests" | "ci.integration-tests" | "ci.e2e-tests"
    )
}

/// The `workflow_run` links of a repository's workflows: which workflows each one
/// follows (by `name:`, or file name when it has none), resolved once through an
/// index, so that every question is linear in workflows plus listed names.
pub(crate) struct RunLinks {
    /// `sources[w]`: the workflows `w` runs after.
    sources: Vec<Vec<usize>>,
    /// `w` lists a name no workflow of the repository has (or lists none).
    unresolved: Vec<bool>,
}

impl RunLinks {
    pub(crate) fn new(workflows: &[Workflow]) -> RunLinks {
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::default();
        for (i, w) in workflows.iter().enumerate() {
            let stem = w.file_name();
            if let Some(n) = w.name {
                by_name.entry(n).or_default().push(i);
            }
            if w.name != Some(stem) {
                by_name.entry(stem).or_default().push(i);
            }
        }
        let mut sources = vec![vec![]; workflows.len()];
        let mut unresolved = vec![false; workflows.len()];
        for (i, w) in workflows.iter().enumerate() {
            for t in w
                .triggers
                .iter()
                .filter(|t| t.kind == TriggerKind::AfterWorkflow)
            {
                let names: Vec<&str> = match t.config.and_then(|c| c.get("workflows")) {
                    Some(n) => match n.as_seq() {
                        Some(items) => items.iter().filter_map(Node::as_str).collect(),
                        None => n.as_str().into_iter().collect(),
                    },
                    None => vec![],
                };
                if names.is_empty() {
                    unresolved[i] = true;
                }
                for n in names {
                    match by_name.get(n) {
                        Some(ws) => {
                            pipewise_yaml::work::add(
                                pipewise_yaml::work::Work::WorkflowLinks,
                                1 + ws.len(),
                            );
                            sources[i].extend(ws.iter().copied().filter(|&s| s != i))
                        }
                        None => unresolved[i] = true,
                    }
                }
            }
            sources[i].sort_unstable();
            sources[i].dedup();
        }
        RunLinks {
            sources,
            unresolved,
        }
    }

    pub(crate) fn sources_of(&self, w: usize) -> impl Iterator<Item = usize> + '_ {
        self.sources.get(w).into_iter().flatten().copied()
    }

    fn unresolved(&self, w: usize) -> bool {
        self.unresolved.get(w).copied().unwrap_or(false)
    }

    /// `set` spread along the links: a workflow that runs after one of the set joins
    /// it (a deploy workflow after a tested CI workflow, a release after that). One
    /// walk, linear in workflows plus links.
    fn spread(&self, mut set: Vec<bool>) -> Vec<bool> {
        let mut after: Vec<Vec<usize>> = vec![vec![]; self.sources.len()];
        for (w, ss) in self.sources.iter().enumerate() {
            for &s in ss {
                if let Some(a) = after.get_mut(s) {
                    a.push(w);
                }
            }
        }
        let mut queue: Vec<usize> = (0..set.len()).filter(|&w| set[w]).collect();
        while let Some(s) = queue.pop() {
            for &w in after.get(s).into_iter().flatten() {
                if let Some(x) = set.get_mut(w) {
                    if !*x {
                        *x = true;
                        queue.push(w);
                    }
                }
            }
        }
        set
    }
}

/// The first hit of a list that is not weakened passes; a weakened one is partial.
fn summary_of(strong: Option<&Hit>, first: Option<&Hit>) -> (Check, String) {
    if let Some(h) = strong {
        (Check::Pass, format!("{} ({}:{})", h.tool, h.file, h.line))
    } else if let Some(h) = first {
        (
            Check::Partial,
            format!(
                "{} ({}:{}): {}",
                h.tool,
                h.file,
                h.line,
                h.weak.as_deref().unwrap_or("")
            ),
        )
    } else {
        (Check::Fail, String::new())
    }
}

fn summary(hits: &[&Hit]) -> (Check, String) {
    summary_of(
        hits.iter().copied().find(|h| h.weak.is_none()),
        hits.first().copied(),
    )
}

/// The first hit of a list (in scan order) and the first one in a different workflow
/// than the first: enough to answer "the first hit outside workflow `w`" for any `w`.
#[derive(Default)]
struct FirstTwo {
    a: Option<(usize, usize)>,
    b: Option<(usize, usize)>,
}

impl FirstTwo {
    fn push(&mut self, i: usize, wf: usize) {
        match self.a {
            None => self.a = Some((i, wf)),
            Some((_, w)) if self.b.is_none() && w != wf => self.b = Some((i, wf)),
            _ => {}
        }
    }
    fn outside(&self, wf: usize) -> Option<usize> {
        [self.a, self.b]
            .into_iter()
            .flatten()
            .find(|&(_, w)| w != wf)
            .map(|(i, _)| i)
    }
}

fn job_if(job: &Job) -> String {
    job.condition
        .and_then(|c| c.expression())
        .and_then(Node::as_str)
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Finds every deploy path and computes its checks.
pub fn paths(
    facts: &Facts,
    workflows: &[Workflow],
    scan: &Scan,
    detected: &Detected,
    settings: Option<&RepoSettings>,
) -> Vec<Path> {
    let mut out = vec![];
    let validated: Vec<&Hit> = scan
        .hits
        .iter()
        .filter(|h| {
            h.cap == "migration-check"
                || h.cap == "migration"
                    && h.job
                        .and_then(|j| scan.job(h.wf, j))
                        .is_some_and(|f| !f.deploy_ctx)
        })
        .collect();
    // The hits of each workflow, and what every deploy path shares: the hits of
    // separate post-deploy workflows (workflow_run / deployment_status), the
    // workflow-level rollbacks of other workflows, the earliest step of each place's
    // backups. One pass over the hits.
    let mut of_wf: Vec<Vec<usize>> = vec![vec![]; workflows.len()];
    let mut wf_deploys = vec![false; workflows.len()];
    for f in scan.jobs.iter().filter(|f| f.deploys) {
        if let Some(d) = wf_deploys.get_mut(f.wf) {
            *d = true;
        }
    }
    let links = RunLinks::new(workflows);
    // Post-deploy hits of workflows that deploy nothing: those a `workflow_run` link
    // ties to deploying workflows count for those workflows' paths only; the others
    // (`deployment_status`, unresolved names) for every path.
    let mut post_of: Vec<(Firsts, Places)> = vec![([None; TESTS + 1], [None; 2]); workflows.len()];
    let mut tested_wf = vec![false; workflows.len()];
    let mut rollback_first = FirstTwo::default();
    let mut rollback_strong = FirstTwo::default();
    let mut backup_step: HashMap<(usize, Option<usize>), Option<usize>> = HashMap::default();
    for (i, h) in scan.hits.iter().enumerate() {
        if let Some(v) = of_wf.get_mut(h.wf) {
            v.push(i);
        }
        if !wf_deploys.get(h.wf).copied().unwrap_or(false)
            && h.job
                .and_then(|j| scan.job(h.wf, j))
                .is_some_and(|f| f.deploy_ctx && !f.deploys)
        {
            if let Some((f, p)) = post_of.get_mut(h.wf) {
                note(f, p, i, h);
            }
        }
        if h.weak.is_none() && is_test(h.cap) {
            if let Some(t) = tested_wf.get_mut(h.wf) {
                *t = true;
            }
        }
        if h.cap == "deploy.rollback" && h.job.is_none() {
            rollback_first.push(i, h.wf);
            if h.weak.is_none() {
                rollback_strong.push(i, h.wf);
            }
        }
        if h.cap == "deploy.db-backup" {
            let e = backup_step.entry((h.wf, h.job)).or_insert(h.step);
            *e = (*e).min(h.step);
        }
    }
    let tested_wf = links.spread(tested_wf);
    let mut post: Firsts = [None; TESTS + 1];
    let mut post_places: Places = [None; 2];
    let mut post_to: Vec<(Firsts, Places)> = vec![([None; TESTS + 1], [None; 2]); workflows.len()];
    for (w, (f, p)) in post_of.iter().enumerate() {
        let targets: Vec<usize> = links
            .sources_of(w)
            .filter(|&s| wf_deploys.get(s).copied().unwrap_or(false))
            .collect();
        if targets.is_empty() || links.unresolved(w) {
            post = merge_firsts(&post, f);
            post_places = merge_places(&post_places, p);
        } else {
            for t in targets {
                if let Some((tf, tp)) = post_to.get_mut(t) {
                    *tf = merge_firsts(tf, f);
                    *tp = merge_places(tp, p);
                }
            }
        }
    }
    let hit = |i: Option<usize>| i.and_then(|i| scan.hits.get(i));
    // The deploy paths first (each path's walks stop at the others), then their checks.
    let mut stops: Vec<Vec<bool>> = workflows
        .iter()
        .map(|w| vec![false; w.jobs.len()])
        .collect();
    let mut found = vec![];
    for f in scan.jobs.iter().filter(|f| f.deploys) {
        let Some(wf) = workflows.get(f.wf) else {
            continue;
        };
        let Some(job) = wf.jobs.get(f.job) else {
            continue;
        };
        let ph = match what_it_does(facts, job) {
            Does::Deploys => None,
            // A release or package publish is a deploy path only when its
            // environment names a tier (`environment: production`).
            Does::Publishes => {
                if !job
                    .environment()
                    .filter(|e| !e.contains("${{"))
                    .is_some_and(names_tier)
                {
                    continue;
                }
                None
            }
            // Named like a deploy (`post-deployment-monitoring`, a `Release` step) or
            // an approval job with an environment, but deploys nothing.
            Does::Placeholder(_) if !says_deploy(job) => continue,
            Does::Placeholder(why) => Some(why),
        };
        if let Some(s) = stops.get_mut(f.wf).and_then(|s| s.get_mut(f.job)) {
            *s = true;
        }
        found.push((f, ph));
    }
    let mut arounds: Vec<Option<Around>> = (0..workflows.len()).map(|_| None).collect();
    for (f, ph) in found {
        let Some(wf) = workflows.get(f.wf) else {
            continue;
        };
        let Some(job) = wf.jobs.get(f.job) else {
            continue;
        };
        let tier = tier(wf, job);
        let (Some(around_slot), Some(hits_of_wf), Some(stop)) =
            (arounds.get_mut(f.wf), of_wf.get(f.wf), stops.get(f.wf))
        else {
            continue;
        };
        let around: &Around = around_slot.get_or_insert_with(|| {
            let after_tested = wf.has_kind(TriggerKind::AfterWorkflow)
                && (links.unresolved(f.wf)
                    || links
                        .sources_of(f.wf)
                        .any(|s| tested_wf.get(s).copied().unwrap_or(false)));
            Around::new(wf, &scan.hits, hits_of_wf, settings, stop, after_tested)
        });
        let j = f.job;
        let none: Firsts = [None; TESTS + 1];
        let up = around.up.get(j).unwrap_or(&none);
        let (post_f, post_p) = post_to
            .get(f.wf)
            .copied()
            .unwrap_or(([None; TESTS + 1], [None; 2]));
        let firsts = merge_firsts(
            &merge_firsts(up, around.down.get(j).unwrap_or(&none)),
            &merge_firsts(&around.level, &merge_firsts(&post, &post_f)),
        );
        // (first non-weakened, first) related hit of a capability.
        let of = |cap: &str| -> (Option<&Hit>, Option<&Hit>) {
            match slot(cap) {
                Some(k) => (hit(firsts[k + 1]), hit(firsts[k])),
                None => (None, None),
            }
        };
        let mut checks = vec![];
        let mut add = |id: &str, c: Check, note: String| {
            checks.push(DeployCheck {
                id: id.into(),
                status: c.as_str().into(),
                note,
            })
        };
        add(
            "deploys",
            if ph.is_some() {
                Check::Partial
            } else {
                Check::Pass
            },
            ph.clone()
                .unwrap_or_else(|| "runs a deploy command or action".into()),
        );
        // Tests gate: tests in the job or a job it needs (transitively, through other
        // deploy jobs), or a successful run of a tested workflow before it.
        let tests_before = around.tested_up.get(j).copied().unwrap_or(false);
        let after_ci = around.after_ci.get(j).copied().flatten();
        let after_test_job = around.after_test_job.get(j).copied().unwrap_or(false);
        add(
            "tests-gate",
            if tests_before || after_ci.is_some() || after_test_job {
                Check::Pass
            } else {
                Check::Fail
            },
            match (tests_before, after_ci) {
                (true, _) => "tests run in this job or a job it needs".into(),
                (false, Some(o)) if o == j => "runs after a successful CI run".into(),
                (false, Some(o)) => format!(
                    "needs job `{}`, which runs after a successful CI run",
                    wf.jobs.get(o).map_or("", |x| x.id)
                ),
                (false, None) if after_test_job => "a test job runs before it".into(),
                (false, None) => "nothing shows tests pass before this deploy".into(),
            },
        );
        // Approval.
        let guard = job
            .steps
            .iter()
            .find_map(|s| {
                s.action()
                    .filter(|a| a.contains("approval"))
                    .map(str::to_string)
            })
            .or_else(|| {
                let c = job_if(job);
                (c.contains("github.actor") || c.contains("confirm")).then(|| format!("`if: {c}`"))
            });
        let (approval, note) = if tier != Tier::Production {
            (Check::NotApplicable, "not a production deploy".to_string())
        } else if let Some(g) = guard {
            (Check::Pass, format!("explicit guard: {g}"))
        } else {
            // This job's environment, then those of the jobs it waits for (the first
            // by job order).
            let env_of = |o: Option<&Option<usize>>| {
                o.copied()
                    .flatten()
                    .and_then(|o| wf.jobs.get(o))
                    .and_then(|j| j.environment())
            };
            let protected = [job.environment(), env_of(around.protected_env.get(j))]
                .into_iter()
                .flatten()
                .find_map(|e| {
                    settings
                        .and_then(|s| s.environment(e))
                        .filter(|x| x.is_protected())
                        .map(|x| (e, x))
                });
            if let Some((env, e)) = protected {
                (
                    Check::Pass,
                    format!(
                        "settings: environment `{env}` requires approval ({} reviewer(s), wait {} min)",
                        e.required_reviewers, e.wait_timer
                    ),
                )
            } else if let Some(env) = job
                .environment()
                .or_else(|| env_of(around.approval_env.get(j)))
            {
                match settings.and_then(|s| s.environment(env)) {
                    Some(_) => (Check::Fail, format!("settings: environment `{env}` has no required reviewers or wait timer")),
                    None if settings.is_some() => (Check::Fail, format!("settings list no environment `{env}`, so it has no protection rules")),
                    None => (Check::Unknown, format!("environment `{env}` is used, but pipewise cannot see its protection rules (export them with --settings)")),
                }
            } else {
                (
                    Check::Fail,
                    "no protected environment or explicit approval guard".to_string(),
                )
            }
        };
        add("approval", approval, note);
        // Migrations and backups.
        let migs = of("migration");
        let has_db = detected.has_database() && !detected.stack.migrations.is_empty();
        if !has_db && migs.1.is_none() {
            for id in [
                "migrations",
                "backup-before-migrations",
                "migration-validation",
            ] {
                add(
                    id,
                    Check::NotApplicable,
                    "no migration system detected".into(),
                );
            }
        } else {
            let (c, mut n) = summary_of(migs.0, migs.1);
            let fly = detected.fly_release_migrates.as_ref();
            let (c, n) = match (c, fly) {
                (Check::Fail, Some(p)) => (Check::Pass, format!("`release_command` in {p}")),
                (Check::Fail, None) if detected.platform_migrates.is_some() => (
                    Check::Pass,
                    format!(
                        "the platform's release or start command migrates ({})",
                        detected
                            .platform_migrates
                            .as_ref()
                            .map(|(f, l)| format!("{f}:{l}"))
                            .unwrap_or_default()
                    ),
                ),
                (Check::Fail, None) => {
                    n = "no migration step on this path".into();
                    (c, n)
                }
                x => (x.0, n),
            };
            let applied = c != Check::Fail;
            add("migrations", c, n);
            let backups = of("deploy.db-backup");
            // A related backup elsewhere than the first migration, or before it in
            // its job. (Places are (workflow, job): a backup in job 3 of another
            // workflow is elsewhere than job 3 of this one.)
            let places = merge_places(
                &merge_places(
                    around.places_up.get(j).unwrap_or(&[None; 2]),
                    around.places_down.get(j).unwrap_or(&[None; 2]),
                ),
                &merge_places(&around.level_places, &merge_places(&post_places, &post_p)),
            );
            let before = migs.1.map(|m| {
                places.iter().flatten().any(|p| *p != (m.wf, m.job))
                    || backup_step.get(&(m.wf, m.job)).is_some_and(|s| *s < m.step)
            });
            let (bc, bn) = summary_of(backups.0, backups.1);
            let bc = match (bc, before) {
                (Check::Pass, Some(false)) => Check::Partial,
                (c, _) => c,
            };
            add(
                "backup-before-migrations",
                if !applied && bc == Check::Fail {
                    Check::Fail
                } else {
                    bc
                },
                if bn.is_empty() {
                    "no backup before migrations".into()
                } else {
                    bn
                },
            );
            let (vc, vn) = summary(&validated);
            add(
                "migration-validation",
                vc,
                if vn.is_empty() {
                    "migrations are not validated in CI".into()
                } else {
                    vn
                },
            );
        }
        for (id, cap, missing) in [
            (
                "smoke-tests",
                "deploy.smoke-tests",
                "no smoke tests after the deploy",
            ),
            (
                "health-check",
                "deploy.health-check",
                "no health check after the deploy",
            ),
            ("rollback", "deploy.rollback", "no rollback on failure"),
            ("notification", "ops.notifications", "no notification"),
            ("progressive", "deploy.progressive", "all-at-once deploy"),
        ] {
            let (mut strong, mut first) = of(cap);
            if cap == "deploy.rollback" {
                // Workflow-level rollbacks of other workflows come after the path's own.
                strong = strong.or_else(|| hit(rollback_strong.outside(f.wf)));
                first = first.or_else(|| hit(rollback_first.outside(f.wf)));
            }
            let (c, n) = summary_of(strong, first);
            let (c, n) = if c == Check::Fail && cap == "deploy.progressive" {
                match &detected.progressive_config {
                    Some(p) => (Check::Pass, format!("strategy in {p}")),
                    None => (c, missing.to_string()),
                }
            } else if c == Check::Fail {
                (c, missing.to_string())
            } else {
                (c, n)
            };
            add(id, c, n);
        }
        // GitHub's `concurrency` (the job's, else the workflow's), GitLab's
        // `resource_group`: either keeps a second run from deploying at once.
        let conc = job.concurrency.map(|c| c.entry()).or(wf.concurrency);
        add(
            "concurrency",
            if conc.is_some() {
                Check::Pass
            } else {
                Check::Fail
            },
            match (conc, job.concurrency) {
                (Some(_), Some(Concurrency::ResourceGroup(_))) => "resource group set".into(),
                (Some(_), _) => "concurrency group set".into(),
                (None, _) => "two runs can deploy at once".into(),
            },
        );
        let timeout = job.timeout;
        add(
            "timeout",
            if timeout.is_some() {
                Check::Pass
            } else {
                Check::Fail
            },
            match (timeout, wf.platform) {
                (Some(t), _) => match (t.entry.key.as_str(), t.entry.value.as_str()) {
                    (Some(k), Some(v)) => format!("{k}: {v}"),
                    _ => "no timeout-minutes (a hung deploy holds the runner for 6 hours)".into(),
                },
                (None, Platform::GitLab) => "no timeout (a hung deploy holds the runner for the project's job timeout, an hour by default)".into(),
                (None, Platform::GitHub) => "no timeout-minutes (a hung deploy holds the runner for 6 hours)".into(),
            },
        );
        let target = job
            .steps
            .iter()
            .find_map(|s| {
                s.action()
                    .and_then(|a| action_targets(a).first().copied())
                    .or_else(|| {
                        s.run
                            .as_ref()
                            .and_then(|r| r.script.as_ref())
                            .and_then(|sc| {
                                sc.commands.iter().find_map(|c| {
                                    let w: Vec<&str> =
                                        c.words.iter().map(|w| w.text.as_str()).collect();
                                    command_target(&w)
                                })
                            })
                    })
            })
            .or_else(|| {
                (detected.stack.deploy_targets.len() == 1)
                    .then(|| detected.stack.deploy_targets[0].as_str())
            })
            .map(String::from);
        out.push(Path {
            wf: f.wf,
            job: f.job,
            tier,
            placeholder: ph,
            approval,
            report: DeployPath {
                file: wf.path.to_string(),
                line: f.line,
                job: job.id.to_string(),
                environment: job.environment().map(String::from),
                tier: tier.as_str().into(),
                target,
                checks,
            },
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_tiers() {
        assert_eq!(classify_word("Production"), Some(Tier::Production));
        assert_eq!(classify_word("staging"), Some(Tier::Staging));
        assert_eq!(classify_word("pr-preview"), Some(Tier::Preview));
        assert_eq!(classify_word("deploy"), None);
    }

    #[test]
    fn publish_environments_name_a_tier_by_whole_words() {
        for e in ["production", "prod-eu", "Staging", "npm-release/qa"] {
            assert!(names_tier(e), "{e}");
        }
        for e in ["testpypi", "pypi", "npm", "crates-io", "release"] {
            assert!(!names_tier(e), "{e}");
        }
    }
}
