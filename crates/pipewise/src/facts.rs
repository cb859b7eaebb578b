//! Facts about jobs, steps and commands that rules and the analysis ask for, computed
//! once per job, step or command, in one place, into a table the engine owns beside
//! the model (`docs/architecture.md`, "Facts about steps").
//!
//! The model's types hold what the files say, nothing computed above them. The
//! engine builds one [`Facts`] per audited repository from its workflows and actions
//! ([`Facts::new`], before the rules run) and hands it to the rules through
//! [`crate::rules::Ctx::facts`] and to the analysis beside the workflows. Each fact
//! is a cell filled the first time it is asked for, by the one function this module
//! names for it: a rule reads a fact, it never computes one
//! (`tests/architecture.rs`, `facts_have_one_filler`). What a step ships is filled
//! by the engine's pass over the repository ([`crate::rules::ships::resolve_ships`]
//! hands [`Facts::resolve_step_ships`] what the step's scripts and local actions
//! ship) before any rule asks; the cell is filled here all the same.
//!
//! Which repository scripts a step calls is read by the engine, not by a function of
//! the step alone (it needs the scripts loaded and the repository's paths): the one
//! place that finds them ([`crate::rules::step_scripts_iter`]) hands the table a
//! function that does ([`Facts::step_calls`]), and the table fills the step's cell
//! with it. What a script calls from some folders is shared by every step that runs
//! that very script ([`Facts::script_calls`]: one [`Called`] for a GitLab line that a
//! template gives many jobs).
//!
//! A job, step or command is found in the table by where it lives: the engine's
//! model is not changed while an audit reads it, so each workflow's jobs, and each
//! job's or action's steps, stay one slice in memory, and the table keeps each
//! slice's address and the index of its first item; each command of a step's script
//! (shared by the steps a GitLab template gives it) or of a repository script the
//! steps call stays where it is, and the table keeps its address in a hash table
//! (scripts are short: most would be a slice of their own). One the table does not
//! hold (a workflow read alone, a command read again from other text, a test) gets
//! its facts computed again each time it is asked, the same answer without the cell.

use crate::finding::Span;
use crate::repo::{FileNames, Scripts};
use crate::shell::{Command, Script};
use crate::workflow::{Action, Job, Step, Workflow};
use pipewise_catalog::Intent;
use std::collections::hash_map::Entry;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// The script files a script calls, transitively (each once, at most 64).
#[derive(Debug, Default)]
pub struct Called {
    /// The folders the paths were resolved from: the step's working directory, and
    /// a composite action's folder.
    pub from: (String, Option<String>),
    pub scripts: Vec<CalledScript>,
}

/// A script file a script calls: its path, the index in [`Script::commands`] of the
/// command that reaches it (first hop), and the chain of paths that leads to it.
pub type CalledScript = (String, usize, Vec<String>);

/// What a step calls of the repository: the scripts its script calls (shared with
/// every step that runs the same script from the same folders), and the span in the
/// step's file of each one's first-hop command.
pub type StepCalls = (Arc<Called>, Vec<Span>);

/// The facts of one job.
#[derive(Debug, Default)]
struct JobFacts {
    /// The table index of the job's first step (its steps are one slice).
    first_step: usize,
    /// [`Facts::job_ships`].
    job_ships: OnceLock<Option<Intent>>,
    /// [`Facts::script_deploys`].
    script_deploys: OnceLock<bool>,
}

/// The facts of one step.
#[derive(Debug, Default)]
struct StepFacts {
    /// [`Facts::step_ships`].
    step_ships: OnceLock<Option<Intent>>,
    /// [`Facts::matrix_ships`].
    matrix_ships: OnceLock<Option<Intent>>,
    /// [`Facts::step_intent`].
    step_intent: OnceLock<Intent>,
    /// [`Facts::step_calls`].
    called: OnceLock<StepCalls>,
}

/// The facts of one command.
#[derive(Debug, Default)]
struct CommandFacts {
    /// [`Facts::command_intent`].
    command_intent: IntentCell,
    /// [`Facts::runs_deploy_tool`].
    deploy_tool: FlagCell,
}

/// A cell of a `bool` filled once: a `OnceLock<bool>` in one byte (0 empty, 1
/// false, 2 true), with nothing to drop, like [`IntentCell`].
#[derive(Debug, Default)]
struct FlagCell(std::sync::atomic::AtomicU8);

impl FlagCell {
    /// The flag, when the cell is filled.
    fn get(&self) -> Option<bool> {
        match self.0.load(Ordering::Relaxed) {
            1 => Some(false),
            2 => Some(true),
            _ => None,
        }
    }
    /// The flag, `f`'s when the cell is empty.
    fn get_or_init(&self, f: impl FnOnce() -> bool) -> bool {
        if let Some(b) = self.get() {
            return b;
        }
        let b = f();
        self.0.store(1 + u8::from(b), Ordering::Relaxed);
        b
    }
}

/// A cell of an [`Intent`] filled once: a `OnceLock<Intent>` in one byte, with
/// nothing to drop (the command table holds one per command; two threads that fill
/// it at once compute the same answer).
#[derive(Debug, Default)]
struct IntentCell(std::sync::atomic::AtomicU8);

/// Every [`Intent`], in the order of its discriminants (a cell holds one plus the
/// index here; 0 is empty).
const INTENTS: [Intent; 10] = [
    Intent::Harmless,
    Intent::Other,
    Intent::Lint,
    Intent::Build,
    Intent::Test,
    Intent::SecurityScan,
    Intent::Migration,
    Intent::Backup,
    Intent::Publish,
    Intent::Deploy,
];

impl IntentCell {
    /// The intent, when the cell is filled.
    fn get(&self) -> Option<Intent> {
        let v = self.0.load(Ordering::Relaxed);
        INTENTS.get(usize::from(v).checked_sub(1)?).copied()
    }
    /// The intent, `f`'s when the cell is empty (kept when [`INTENTS`] has it).
    fn get_or_init(&self, f: impl FnOnce() -> Intent) -> Intent {
        if let Some(i) = self.get() {
            return i;
        }
        let i = f();
        if let Some(at) = INTENTS.iter().position(|x| *x == i) {
            self.0.store(at as u8 + 1, Ordering::Relaxed);
        }
        i
    }
}

/// Where the items of some slices are in a table: each slice's address, its length
/// and the table index of its first item, sorted by address; and the slice the last
/// lookup found (rules and the engine's pass ask for the steps of one job in a row,
/// so most lookups find their slice there without a search).
#[derive(Debug, Default)]
struct Slices {
    slices: Vec<(usize, usize, usize)>,
    last: AtomicUsize,
}

impl Slices {
    /// Adds a slice; returns the number of items so far.
    fn push<T>(&mut self, items: &[T], count: usize) -> usize {
        if !items.is_empty() {
            self.slices
                .push((items.as_ptr() as usize, items.len(), count));
        }
        count + items.len()
    }
    fn done(mut self) -> Slices {
        self.slices.sort_unstable();
        self
    }
    /// The table index of `item`, when it is in one of the slices.
    #[inline]
    fn index<T>(&self, item: &T) -> Option<usize> {
        let size = std::mem::size_of::<T>().max(1);
        let at = item as *const T as usize;
        // The item's offset in slice `i`, when it lies there.
        let within = |i: usize| {
            let (start, len, first) = *self.slices.get(i)?;
            let offset = at.checked_sub(start)?;
            (offset / size < len).then_some((offset, first))
        };
        let last = self.last.load(Ordering::Relaxed);
        let (offset, first) = match within(last) {
            Some(hit) => hit,
            None => {
                let i = self
                    .slices
                    .partition_point(|(start, _, _)| *start <= at)
                    .checked_sub(1)?;
                let hit = within(i)?;
                self.last.store(i, Ordering::Relaxed);
                hit
            }
        };
        offset.is_multiple_of(size).then_some(first + offset / size)
    }
}

/// Where the cells of each command are: a table keyed by the command's address,
/// open addressing, at most half full (a script is often one or two commands, a
/// GitLab line: looking a command up by its script's slice, as jobs and steps are,
/// would search for most of them). Built once, before any cell is filled; a command
/// looked up is one or two probes, one it does not hold ends at the first free slot.
/// Nothing in it is dropped one by one.
#[derive(Debug, Default)]
struct Commands {
    /// Each slot: the address of a command ([`FREE`]: none) and its cells. A power
    /// of two long, or empty.
    slots: Vec<(usize, CommandFacts)>,
    /// The number of commands held.
    held: usize,
    /// 64 less the number of bits of a slot's index.
    shift: u32,
}

/// The key of a free slot: no command is at an odd address.
const FREE: usize = 1;

impl Commands {
    /// An empty table for about `n` commands.
    fn with_capacity(n: usize) -> Commands {
        let mut table = Commands::default();
        table.resize((2 * n).max(16).next_power_of_two());
        table
    }

    /// Makes the table `len` slots long (a power of two), with the commands it
    /// holds (while it is built: no cell is filled yet).
    fn resize(&mut self, len: usize) {
        let free = std::iter::repeat_with(|| (FREE, CommandFacts::default())).take(len);
        let old = std::mem::replace(&mut self.slots, free.collect());
        self.shift = 64 - len.trailing_zeros();
        for (at, _) in old.into_iter().filter(|(at, _)| *at != FREE) {
            self.put(at);
        }
    }

    /// Puts the command at `at` in a free slot unless it is held; whether it was
    /// put.
    fn put(&mut self, at: usize) -> bool {
        let mask = self.slots.len().wrapping_sub(1);
        let mut i = self.home(at);
        while let Some((key, _)) = self.slots.get_mut(i) {
            if *key == at {
                return false;
            }
            if *key == FREE {
                *key = at;
                return true;
            }
            i = (i + 1) & mask;
        }
        false
    }

    /// Adds the commands of a script; `shared`: other steps may run the same one
    /// (held already when one of them was added).
    fn add(&mut self, script: &[Command], shared: bool) {
        if shared && script.first().is_some_and(|c| self.get(c).is_some()) {
            return;
        }
        // At most half full.
        let need = self.held.saturating_add(script.len());
        if need.saturating_mul(2) > self.slots.len() {
            self.resize(need.saturating_mul(2).next_power_of_two());
        }
        for c in script {
            if self.put(c as *const Command as usize) {
                self.held += 1;
            }
        }
    }

    /// The slot where the search for the command at `at` starts (Fibonacci hashing:
    /// the high bits of the product).
    fn home(&self, at: usize) -> usize {
        ((at as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The cells of `command`, when the table holds it.
    fn get(&self, command: &Command) -> Option<&CommandFacts> {
        let at = command as *const Command as usize;
        let mask = self.slots.len().checked_sub(1)?;
        let mut i = self.home(at);
        loop {
            let (key, cells) = self.slots.get(i)?;
            if *key == at {
                return Some(cells);
            }
            if *key == FREE {
                return None;
            }
            i = (i + 1) & mask;
        }
    }
}

/// The facts table of one audit: a cell per job and per step of the workflows and
/// actions it was built from, and per command of their scripts and of the
/// repository scripts they call.
#[derive(Debug, Default)]
pub struct Facts {
    job_slices: Slices,
    jobs: Vec<JobFacts>,
    step_slices: Slices,
    steps: Vec<StepFacts>,
    commands: Commands,
    /// [`Facts::script_calls`]: what each script that several steps run calls, by
    /// the script's address, for the first folders asked.
    shared_calls: Mutex<foldhash::HashMap<usize, Arc<Called>>>,
    /// [`Facts::step_calls`] of steps the table does not hold.
    stranger_calls: Strangers,
    /// [`Facts::repo_file_names`].
    file_names: OnceLock<FileNames>,
    /// [`Facts::named_build_contexts`].
    build_contexts: OnceLock<Vec<String>>,
    /// [`Facts::ci_mentions`]: by name.
    ci_mentions: Mutex<foldhash::HashMap<String, bool>>,
    /// [`Facts::has_goreleaser`].
    goreleaser: OnceLock<bool>,
}

/// What steps the table does not hold call ([`Facts::step_calls`]): found each time
/// they are asked, and kept as long as the table so that the caller can borrow them
/// like a cell (`pipewise fix` reads the local actions a step uses outside an
/// audit). Append-only, without moving what it keeps: chunk `k` holds `2^k` items.
#[derive(Debug)]
struct Strangers {
    chunks: [OnceLock<Box<[OnceLock<StepCalls>]>>; 64],
    len: AtomicUsize,
}

impl Default for Strangers {
    fn default() -> Strangers {
        Strangers {
            chunks: std::array::from_fn(|_| OnceLock::new()),
            len: AtomicUsize::new(0),
        }
    }
}

impl Strangers {
    /// Keeps `calls`; what it keeps lives as long as `self`.
    fn keep(&self, calls: StepCalls) -> &StepCalls {
        // The item's number from 1: chunk `k` holds numbers `2^k ..= 2^(k+1) - 1`.
        let n = self.len.fetch_add(1, Ordering::Relaxed).saturating_add(1);
        let k = n.ilog2() as usize;
        let chunk = self.chunks[k]
            .get_or_init(|| std::iter::repeat_with(OnceLock::new).take(1 << k).collect());
        // Each number is handed out once, so its cell is empty.
        chunk[n - (1 << k)].get_or_init(|| calls)
    }
}

impl Facts {
    /// A table for every job and step of `workflows` and every step of `actions`,
    /// and every command of their steps' scripts and of `scripts` (the repository
    /// scripts they call); none is computed yet.
    pub fn new<'w, 'a: 'w>(
        workflows: impl IntoIterator<Item = &'w Workflow<'a>>,
        actions: &[Action],
        scripts: &Scripts,
    ) -> Facts {
        let (mut job_slices, mut jobs) = (Slices::default(), vec![]);
        let (mut step_slices, mut steps) = (Slices::default(), 0);
        let workflows: Vec<&Workflow> = workflows.into_iter().collect();
        for wf in &workflows {
            job_slices.push(&wf.jobs, jobs.len());
            for j in &wf.jobs {
                jobs.push(JobFacts {
                    first_step: steps,
                    ..JobFacts::default()
                });
                steps = step_slices.push(&j.steps, steps);
            }
        }
        for a in actions {
            steps = step_slices.push(&a.steps, steps);
        }
        // Each step's script's commands, and each repository script's: about as
        // many as steps (the table grows when they are more).
        let files: usize = scripts.values().map(|f| f.script.commands.len()).sum();
        let mut commands = Commands::with_capacity(steps.saturating_add(files));
        let job_steps = workflows
            .iter()
            .flat_map(|wf| &wf.jobs)
            .map(|j| &j.steps[..]);
        for steps in job_steps.chain(actions.iter().map(|a| &a.steps[..])) {
            for s in steps {
                if let Some(script) = s.run.as_ref().and_then(|r| r.script.as_ref()) {
                    // Other steps may share it (a GitLab line that a template or
                    // `default:` gives many jobs: one `Arc`).
                    let shared = std::sync::Arc::strong_count(script) > 1;
                    commands.add(&script.commands, shared);
                }
            }
        }
        for f in scripts.values() {
            commands.add(&f.script.commands, false);
        }
        Facts {
            job_slices: job_slices.done(),
            jobs,
            step_slices: step_slices.done(),
            steps: std::iter::repeat_with(StepFacts::default)
                .take(steps)
                .collect(),
            commands,
            shared_calls: Default::default(),
            stranger_calls: Strangers::default(),
            file_names: OnceLock::new(),
            build_contexts: OnceLock::new(),
            ci_mentions: Mutex::default(),
            goreleaser: OnceLock::new(),
        }
    }

    /// An empty table: every fact is computed when asked (a workflow read alone).
    pub fn none() -> Facts {
        Facts::default()
    }

    /// The cells of `job`, when the table holds it.
    #[inline]
    fn job(&self, job: &Job) -> Option<&JobFacts> {
        self.jobs.get(self.job_slices.index(job)?)
    }

    /// The cells of `step`, when the table holds it.
    #[inline]
    fn step(&self, step: &Step) -> Option<&StepFacts> {
        self.steps.get(self.step_slices.index(step)?)
    }

    /// The cells of `command`, when the table holds it.
    fn command(&self, command: &Command) -> Option<&CommandFacts> {
        self.commands.get(command)
    }

    /// What a command does ([`crate::intent::compute_command_intent`]; a wrapper's
    /// inner command: `sudo timeout 60 npm test` tests).
    pub fn command_intent(&self, c: &Command) -> Intent {
        match self.command(c) {
            Some(f) => f
                .command_intent
                .get_or_init(|| crate::intent::compute_command_intent(c)),
            None => crate::intent::compute_command_intent(c),
        }
    }

    /// [`Facts::command_intent`] as a function, for the helpers below the table that
    /// take it as an argument (`crate::intent::command_ships(c, facts.intents())`).
    pub fn intents(&self) -> impl Fn(&Command) -> Intent + Copy + '_ {
        move |c| self.command_intent(c)
    }

    /// The cells of `step` of `job`: found through the job (the rules ask for the
    /// steps of one workflow's jobs in a row, so the job's slice is the last one
    /// found, where a GitLab job's few steps would each need a search), else as
    /// [`Facts::step`].
    #[inline]
    fn step_of(&self, job: Option<&Job>, step: &Step) -> Option<&StepFacts> {
        let through_job = job.and_then(|job| {
            let first = self.job(job)?.first_step;
            let offset = (step as *const Step as usize).checked_sub(job.steps.as_ptr() as usize)?;
            let size = std::mem::size_of::<Step>().max(1);
            (offset.is_multiple_of(size) && offset / size < job.steps.len())
                .then(|| self.steps.get(first + offset / size))?
        });
        through_job.or_else(|| self.step(step))
    }

    /// Whether a job ships: targets a deployment environment or has a step that
    /// deploys or publishes ([`crate::intent::compute_job_ships`], over
    /// [`Facts::step_ships_in`]).
    pub fn job_ships(&self, job: &Job) -> Option<Intent> {
        let steps = |s: &Step| self.step_ships_in(job, s);
        match self.job(job) {
            Some(f) => *f
                .job_ships
                .get_or_init(|| crate::intent::compute_job_ships(job, steps)),
            None => crate::intent::compute_job_ships(job, steps),
        }
    }

    /// Whether a merged GitLab job's `script:` runs a deploy tool
    /// ([`crate::intent::compute_script_deploys`]).
    pub fn script_deploys(&self, job: &Job) -> bool {
        let deploys = |c: &Command| self.runs_deploy_tool(c);
        match self.job(job) {
            Some(f) => *f
                .script_deploys
                .get_or_init(|| crate::intent::compute_script_deploys(job, deploys)),
            None => crate::intent::compute_script_deploys(job, deploys),
        }
    }

    /// Whether a command of a GitLab job's `script:` runs a deploy tool
    /// ([`crate::intent::compute_runs_deploy_tool`]): a line a template gives many
    /// jobs is one command, judged once for all of them.
    pub fn runs_deploy_tool(&self, c: &Command) -> bool {
        match self.command(c) {
            Some(f) => f
                .deploy_tool
                .get_or_init(|| crate::intent::compute_runs_deploy_tool(c, self.intents())),
            None => crate::intent::compute_runs_deploy_tool(c, self.intents()),
        }
    }

    /// The strongest intent of a step: its name, its action, its commands
    /// ([`crate::intent::compute_step_intent`]).
    pub fn step_intent(&self, step: &Step) -> Intent {
        match self.step(step) {
            Some(f) => *f
                .step_intent
                .get_or_init(|| crate::intent::compute_step_intent(step, self.intents())),
            None => crate::intent::compute_step_intent(step, self.intents()),
        }
    }

    /// Whether a step really deploys or publishes, judged by what it runs (its
    /// action or its commands), not by its name
    /// ([`crate::intent::compute_step_ships`]). In an audit this also covers the
    /// repository scripts the step runs and the local actions it uses, read when
    /// present ([`crate::rules::ships::resolve_ships`], before any rule asks);
    /// outside one (a workflow read alone), only the step itself.
    pub fn step_ships(&self, step: &Step) -> Option<Intent> {
        match self.step(step) {
            Some(f) => *f
                .step_ships
                .get_or_init(|| crate::intent::compute_step_ships(step, self.intents())),
            None => crate::intent::compute_step_ships(step, self.intents()),
        }
    }

    /// [`Facts::step_ships`] for a step of `job`, with commands held in the job's
    /// matrix resolved ([`Facts::matrix_ships`]).
    pub fn step_ships_in(&self, job: &Job, step: &Step) -> Option<Intent> {
        self.step_ships(step)
            .or_else(|| self.matrix_ships(job, step))
    }

    /// What a step of `job` ships when its commands come from the job's matrix
    /// (`npx ${{ matrix.cmd }} publish` with `cmd: vsce`,
    /// [`crate::intent::compute_matrix_ships`]). The cell is the step's when `job`
    /// is the job the step belongs to; a step asked for with another job is computed.
    pub fn matrix_ships(&self, job: &Job, step: &Step) -> Option<Intent> {
        // Most steps name no matrix value: nothing to look up.
        if !crate::intent::names_matrix(step) {
            return None;
        }
        let own = job.steps.as_ptr_range().contains(&(step as *const Step));
        match self.step(step).filter(|_| own) {
            Some(f) => *f
                .matrix_ships
                .get_or_init(|| crate::intent::compute_matrix_ships(job, step, self.intents())),
            None => crate::intent::compute_matrix_ships(job, step, self.intents()),
        }
    }

    /// Fills what `step` ships with `own`: what another step that runs the very
    /// same script (one `Arc`, neither step using an action) ships by itself
    /// ([`Facts::step_ships`], which reads only that script). Handed on by the engine's
    /// pass ([`crate::rules::ships::resolve_ships`]) instead of the script's commands
    /// being read again for every step that runs it (a GitLab line that a template or
    /// `default:` gives many jobs). A step asked for earlier keeps its answer.
    pub(crate) fn step_ships_shared(&self, step: &Step, own: Option<Intent>) -> Option<Intent> {
        debug_assert_eq!(own, crate::intent::compute_step_ships(step, self.intents()));
        match self.step(step) {
            Some(f) => *f.step_ships.get_or_init(|| own),
            None => own,
        }
    }

    /// The repository scripts `step` (of `job`) calls ([`StepCalls`]), found by
    /// `find` the first time: the one place that finds them,
    /// [`crate::rules::step_scripts_iter`], hands it. A step the table does not hold
    /// gets them found each time (kept with the table, to be borrowed alike).
    #[inline]
    pub(crate) fn step_calls(
        &self,
        job: Option<&Job>,
        step: &Step,
        find: impl FnOnce() -> StepCalls,
    ) -> &StepCalls {
        match self.step_of(job, step) {
            Some(f) => f.called.get_or_init(find),
            None => self.stranger_calls.keep(find()),
        }
    }

    /// The scripts that `script` calls when run in `cwd` (and a composite action's
    /// folder `action_dir`), found by `find`: shared by every step that runs this
    /// very script (one `Arc`), for the first folders asked (others find their own).
    pub(crate) fn script_calls(
        &self,
        script: &Arc<Script>,
        cwd: &str,
        action_dir: Option<&str>,
        find: impl FnOnce() -> Vec<CalledScript>,
    ) -> Arc<Called> {
        let found = || {
            Arc::new(Called {
                from: (cwd.to_string(), action_dir.map(str::to_string)),
                scripts: find(),
            })
        };
        // No other step runs this script: nothing to share.
        if Arc::strong_count(script) == 1 {
            return found();
        }
        let key = Arc::as_ptr(script) as usize;
        let same_folders = |c: &Called| c.from.0 == cwd && c.from.1.as_deref() == action_dir;
        // Found with the lock held (it reads only the repository): one lookup.
        let mut shared = self
            .shared_calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match shared.entry(key) {
            Entry::Occupied(c) if same_folders(c.get()) => c.get().clone(),
            // The first folders asked keep theirs.
            Entry::Occupied(_) => found(),
            Entry::Vacant(v) => v.insert(found()).clone(),
        }
    }

    /// The last part of every path of the repository
    /// ([`crate::repo::Repo::file_names`]), found by `find` once per repository: the
    /// rule that asks for every Dockerfile (`reliability/docker-sources`) hands it.
    pub(crate) fn repo_file_names(&self, find: impl FnOnce() -> FileNames) -> &FileNames {
        self.file_names.get_or_init(find)
    }

    /// The build contexts that the repository's compose and CI files name, found by
    /// `find` once per repository: the rule that asks for every Dockerfile
    /// (`reliability/docker-sources`) hands it.
    pub(crate) fn named_build_contexts(&self, find: impl FnOnce() -> Vec<String>) -> &[String] {
        self.build_contexts.get_or_init(find)
    }

    /// Whether the repository has a GoReleaser configuration, found by `find` once
    /// per repository while no read is recorded; while one is, `find` answers each
    /// time (its `Repo::exists` reads must be noted for every file that asks).
    pub(crate) fn has_goreleaser(&self, find: impl FnOnce() -> bool) -> bool {
        if crate::reads::recording() {
            find()
        } else {
            *self.goreleaser.get_or_init(find)
        }
    }

    /// Whether the repository's CI files mention `name`, found by `find` once per
    /// name and repository: the rule that asks for every missing `COPY` source of
    /// every Dockerfile (`reliability/docker-sources`) hands it, and Dockerfiles of
    /// one repository often copy the same files.
    pub(crate) fn ci_mentions(&self, name: &str, find: impl FnOnce() -> bool) -> bool {
        let known = self
            .ci_mentions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .copied();
        known.unwrap_or_else(|| {
            let found = find();
            self.ci_mentions
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(name.to_string(), found);
            found
        })
    }

    /// What a step ships already, when the engine's pass or a rule asked for it.
    pub(crate) fn step_ships_known(&self, step: &Step) -> Option<Option<Intent>> {
        self.step(step)?.step_ships.get().copied()
    }

    /// Fills what a step ships with what it runs of the repository added: `through`,
    /// computed by the engine's pass ([`crate::rules::ships::resolve_ships`]) from
    /// the scripts and local actions the step runs. A step asked for earlier keeps
    /// its answer.
    pub(crate) fn resolve_step_ships(
        &self,
        step: &Step,
        through: Option<Intent>,
    ) -> Option<Intent> {
        match self.step(step) {
            Some(f) => *f.step_ships.get_or_init(|| {
                crate::intent::compute_step_ships(step, self.intents()).max(through)
            }),
            None => crate::intent::compute_step_ships(step, self.intents()).max(through),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `has_goreleaser` finds its answer once, except while reads are recorded: then
    /// each ask finds it again (and notes its reads).
    #[test]
    fn goreleaser_is_found_once_unless_recording() {
        let facts = Facts::none();
        let calls = std::cell::Cell::new(0);
        let find = |v: bool| {
            calls.set(calls.get() + 1);
            v
        };
        assert!(facts.has_goreleaser(|| find(true)));
        assert!(facts.has_goreleaser(|| find(false)));
        assert_eq!(calls.get(), 1);
        let r = crate::reads::Recording::start();
        assert!(!facts.has_goreleaser(|| find(false)));
        assert_eq!(calls.get(), 2);
        drop(r.finish());
    }

    /// `ci_mentions` finds each name once and keeps its answer, true or false.
    #[test]
    fn ci_mentions_are_found_once_per_name() {
        let facts = Facts::none();
        let calls = std::cell::Cell::new(0);
        let find = |v: bool| {
            calls.set(calls.get() + 1);
            v
        };
        assert!(facts.ci_mentions("a.txt", || find(true)));
        assert!(!facts.ci_mentions("b.txt", || find(false)));
        assert!(facts.ci_mentions("a.txt", || find(false)));
        assert!(!facts.ci_mentions("b.txt", || find(true)));
        assert_eq!(calls.get(), 2);
    }

    fn workflow(doc: &pipewise_yaml::Document) -> Workflow<'_> {
        Workflow::new(".github/workflows/x.yml", doc)
    }

    #[test]
    fn each_job_has_its_own_cells_and_strangers_are_computed() {
        let src = "on: push\njobs:\n  deploy:\n    runs-on: x\n    environment: production\n    steps:\n      - run: echo\n  test:\n    runs-on: x\n    steps:\n      - run: cargo test\n";
        let doc = pipewise_yaml::Document::parse(src.to_string()).expect("yaml");
        let (a, b) = (workflow(&doc), workflow(&doc));
        let facts = Facts::new([&a, &b], &[], &Scripts::new());
        assert_eq!(facts.jobs.len(), 4);
        for wf in [&a, &b] {
            assert_eq!(facts.job_ships(&wf.jobs[0]), Some(Intent::Deploy));
            assert_eq!(facts.job_ships(&wf.jobs[1]), None);
        }
        // Each job's cell was filled, and only its own.
        assert!(facts.jobs.iter().all(|f| f.job_ships.get().is_some()));
        assert!(facts.jobs.iter().all(|f| f.script_deploys.get().is_none()));
        // Each job asked its steps.
        assert_eq!(facts.steps.len(), 4);
        assert!(facts.steps.iter().all(|f| f.step_ships.get().is_some()));
        // A workflow the table was not built from is answered, not cached.
        let c = workflow(&doc);
        assert!(facts.job(&c.jobs[0]).is_none());
        assert_eq!(facts.job_ships(&c.jobs[0]), Some(Intent::Deploy));
        assert_eq!(Facts::none().job_ships(&c.jobs[1]), None);
        assert!(facts.step(&c.jobs[0].steps[0]).is_none());
        assert!(facts.step(&a.jobs[1].steps[0]).is_some());
    }

    #[test]
    fn each_command_has_one_cell_and_strangers_are_computed() {
        let src = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: |\n          sudo timeout 60 cargo test\n          echo done\n      - uses: actions/checkout@v4\n      - run: git push\n";
        let doc = pipewise_yaml::Document::parse(src.to_string()).expect("yaml");
        let wf = workflow(&doc);
        let mut scripts = Scripts::new();
        let text = "#!/bin/sh\nnpm publish\n".to_string();
        let (file, _) = crate::source::SourceFile::from_text(
            "release.sh".into(),
            crate::source::FileKind::Script,
            text.clone(),
        );
        let script = crate::shell::Script::parse(&text);
        let callees = vec![];
        let errexit = false;
        let called = crate::repo::ScriptFile {
            file,
            script,
            errexit,
            callees,
        };
        scripts.insert("release.sh".into(), called);
        let facts = Facts::new([&wf], &[], &scripts);
        // Two commands of the first step, one of the third, one of the script.
        let held = facts
            .commands
            .slots
            .iter()
            .filter(|(at, _)| *at != FREE)
            .count();
        assert_eq!((held, facts.commands.held), (4, 4));
        let commands = |i: usize| {
            let run = wf.jobs[0].steps[i].run.as_ref();
            &run.and_then(|r| r.script.as_ref())
                .expect("script")
                .commands
        };
        let (test, echo, push) = (&commands(0)[0], &commands(0)[1], &commands(2)[0]);
        let publish = &scripts["release.sh"].script.commands[0];
        let filled = || {
            facts
                .commands
                .slots
                .iter()
                .filter_map(|(_, c)| c.command_intent.get())
                .collect::<Vec<_>>()
        };
        assert_eq!(facts.command_intent(test), Intent::Test);
        assert_eq!(filled(), [Intent::Test]);
        assert_eq!(facts.command_intent(push), Intent::Publish);
        assert_eq!(facts.command_intent(echo), Intent::Harmless);
        assert_eq!(facts.command_intent(publish), Intent::Publish);
        assert_eq!(filled().len(), 4);
        // Each command found its own cell (each slice's first cell is its own).
        let cell = |c: &Command| facts.command(c).and_then(|f| f.command_intent.get());
        assert_eq!(cell(test), Some(Intent::Test));
        assert_eq!(cell(echo), Some(Intent::Harmless));
        assert_eq!(cell(push), Some(Intent::Publish));
        assert_eq!(cell(publish), Some(Intent::Publish));
        // A command read again from other text is answered, not cached.
        let stranger = crate::shell::Script::parse("sudo timeout 60 cargo test\n");
        assert!(facts.command(&stranger.commands[0]).is_none());
        assert_eq!(facts.command_intent(&stranger.commands[0]), Intent::Test);
        assert_eq!(Facts::none().command_intent(test), Intent::Test);
        // The facts above it read the cells; the helpers below it, `intents`.
        assert_eq!(facts.step_intent(&wf.jobs[0].steps[0]), Intent::Test);
        let ships = |c| crate::intent::command_ships(c, facts.intents());
        assert_eq!(ships(publish), Some(Intent::Publish));
        // Pushing a branch publishes nothing.
        assert_eq!(ships(push), None);
    }

    #[test]
    fn a_flag_cell_holds_both_answers() {
        for b in [false, true] {
            let cell = FlagCell::default();
            assert_eq!(cell.get(), None);
            assert_eq!(cell.get_or_init(|| b), b);
            assert_eq!(cell.get(), Some(b));
            assert_eq!(cell.get_or_init(|| !b), b);
        }
    }

    #[test]
    fn a_deploy_tool_is_judged_once_per_command() {
        // Two jobs run the same lines (one `Arc`, as a GitLab template gives them):
        // each command is judged once, and each job's answer is the one computed
        // without the table.
        let src = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: helm upgrade app ./chart\n      - run: docker run helm upgrade x\n  b:\n    runs-on: x\n    steps:\n      - run: cargo test\n";
        let doc = pipewise_yaml::Document::parse(src.to_string()).expect("yaml");
        let mut wf = workflow(&doc);
        let shared: Vec<Step> = wf.jobs[0].steps.iter().map(clone_step).collect();
        wf.jobs[1].steps = shared;
        let facts = Facts::new([&wf], &[], &Scripts::new());
        let deploys = |f: &Facts, j: usize| f.script_deploys(&wf.jobs[j]);
        assert!(deploys(&facts, 0) && deploys(&facts, 1));
        assert!(deploys(&Facts::none(), 0));
        let script = |i: usize| {
            let run = wf.jobs[0].steps[i].run.as_ref();
            run.and_then(|r| r.script.clone()).expect("script")
        };
        let (helm, docker) = (script(0), script(1));
        // `docker run` ships nothing; the second job found `helm` judged already.
        assert!(facts.runs_deploy_tool(&helm.commands[0]));
        assert!(!facts.runs_deploy_tool(&docker.commands[0]));
        let cell = |c: &Command| facts.command(c).and_then(|f| f.deploy_tool.get());
        assert_eq!(cell(&helm.commands[0]), Some(true));
        assert_eq!(cell(&docker.commands[0]), Some(false));
        let judged = facts
            .commands
            .slots
            .iter()
            .filter(|(_, c)| c.deploy_tool.get().is_some())
            .count();
        assert_eq!(judged, 2);
    }

    /// A step that runs the same script (`Arc`) as `s`.
    fn clone_step<'a>(s: &Step<'a>) -> Step<'a> {
        let run = s.run.as_ref().map(|r| crate::workflow::Run {
            node: r.node,
            text: r.text,
            shell: r.shell,
            script: r.script.clone(),
        });
        Step {
            run,
            ..Step::new(s.index, s.node)
        }
    }

    #[test]
    fn an_intent_cell_holds_every_intent() {
        for i in INTENTS {
            let cell = IntentCell::default();
            assert_eq!(cell.get(), None);
            assert_eq!(cell.get_or_init(|| i), i);
            assert_eq!(cell.get(), Some(i));
            assert_eq!(cell.get_or_init(|| Intent::Other), i);
        }
        // In the order of the discriminants, each once.
        for (at, i) in INTENTS.iter().enumerate() {
            assert_eq!(*i as usize, at);
        }
    }

    #[test]
    fn a_script_several_steps_share_is_held_once() {
        let a = crate::shell::Script::parse(&"x\n".repeat(9));
        let b = crate::shell::Script::parse("f\n");
        let (a, b) = (&a.commands[..], &b.commands[..]);
        // Too small at first (16 slots): it grows.
        let mut table = Commands::with_capacity(1);
        assert_eq!(table.slots.len(), 16);
        // `a` again: skipped as shared, then put again command by command.
        for (script, shared) in [
            (a, true),
            (b, false),
            (a, true),
            (a, false),
            (&[][..], false),
        ] {
            table.add(script, shared);
        }
        // Ten commands, each once, in a table at most half full.
        let held = table.slots.iter().filter(|(at, _)| *at != FREE).count();
        assert_eq!((held, table.held), (10, 10));
        assert!(table.slots.len() > 16 && table.slots.len() >= 2 * table.held);
        // Each command is found in its own slot.
        let mut found: Vec<*const CommandFacts> = a
            .iter()
            .chain(b)
            .filter_map(|c| table.get(c))
            .map(std::ptr::from_ref)
            .collect();
        found.sort();
        found.dedup();
        assert_eq!(found.len(), 10);
        // A command it does not hold, and an empty table.
        let c = crate::shell::Script::parse("a\n");
        assert!(table.get(&c.commands[0]).is_none());
        assert!(Commands::default().get(&c.commands[0]).is_none());
    }

    #[test]
    fn the_engines_pass_adds_what_a_step_runs_of_the_repository() {
        let src = "on: push\njobs:\n  release:\n    runs-on: x\n    steps:\n      - run: ./scripts/release.sh\n      - run: cargo test\n";
        let doc = pipewise_yaml::Document::parse(src.to_string()).expect("yaml");
        let wf = workflow(&doc);
        let facts = Facts::new([&wf], &[], &Scripts::new());
        let (release, test) = (&wf.jobs[0].steps[0], &wf.jobs[0].steps[1]);
        assert_eq!(facts.step_ships_known(release), None);
        assert_eq!(
            facts.resolve_step_ships(release, Some(Intent::Publish)),
            Some(Intent::Publish)
        );
        assert_eq!(facts.step_ships(release), Some(Intent::Publish));
        assert_eq!(facts.job_ships(&wf.jobs[0]), Some(Intent::Publish));
        // Asked first, a step keeps its answer.
        assert_eq!(facts.step_ships(test), None);
        assert_eq!(facts.resolve_step_ships(test, Some(Intent::Deploy)), None);
        // Outside the table, only the step itself.
        assert_eq!(Facts::none().step_ships(release), None);
    }

    #[test]
    fn a_step_finds_what_it_calls_once_and_a_shared_script_shares_it() {
        let src = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: ./a.sh\n      - run: ./b.sh\n";
        let doc = pipewise_yaml::Document::parse(src.to_string()).expect("yaml");
        let wf = workflow(&doc);
        let facts = Facts::new([&wf], &[], &Scripts::new());
        let (a, b) = (&wf.jobs[0].steps[0], &wf.jobs[0].steps[1]);
        let found = std::cell::Cell::new(0);
        let calls = |path: &str| {
            found.set(found.get() + 1);
            vec![(path.to_string(), 0, vec![path.to_string()])]
        };
        let step = |path: &str| {
            let called = Arc::new(Called {
                from: (String::new(), None),
                scripts: calls(path),
            });
            (called, vec![Span::new(0, 1)])
        };
        // Each step's cell is its own, filled once.
        let job = Some(&wf.jobs[0]);
        let path = |c: &StepCalls| c.0.scripts[0].0.clone();
        assert_eq!(path(facts.step_calls(job, a, || step("a.sh"))), "a.sh");
        assert_eq!(path(facts.step_calls(None, a, || step("x.sh"))), "a.sh");
        assert_eq!(path(facts.step_calls(job, b, || step("b.sh"))), "b.sh");
        assert_eq!(found.get(), 2);
        // Found through the job or alone, a step has one cell.
        let (through_job, alone) = (facts.step_of(job, b), facts.step(b));
        assert!(through_job
            .zip(alone)
            .is_some_and(|(x, y)| std::ptr::eq(x, y)));
        let other = workflow(&doc);
        assert!(facts.step_of(Some(&other.jobs[0]), b).is_some());
        assert!(facts.step_of(job, &other.jobs[0].steps[0]).is_none());
        // A step the table does not hold finds them each time, kept to be borrowed.
        let stranger = &other.jobs[0].steps[0];
        let strangers: Vec<&StepCalls> = (0..40)
            .map(|i| facts.step_calls(None, stranger, || step(&format!("{i}.sh"))))
            .collect();
        assert_eq!(found.get(), 42);
        let named = |(i, c): (usize, &&StepCalls)| path(c) == format!("{i}.sh");
        assert!(strangers.iter().enumerate().all(named));

        // A script several steps run is shared for the same folders only.
        let script = Arc::new(Script::default());
        let again = script.clone();
        let x = facts.script_calls(&script, "", None, || calls("x.sh"));
        let y = facts.script_calls(&again, "", None, || calls("y.sh"));
        assert!(Arc::ptr_eq(&x, &y));
        assert_eq!(found.get(), 43);
        let z = facts.script_calls(&again, "sub", None, || calls("z.sh"));
        assert_eq!(
            (z.scripts[0].0.as_str(), z.from.0.as_str()),
            ("z.sh", "sub")
        );
        let w = facts.script_calls(&again, "", Some("act"), || calls("w.sh"));
        assert_eq!(w.scripts[0].0, "w.sh");
        // The first folders asked keep theirs.
        assert!(Arc::ptr_eq(
            &facts.script_calls(&script, "", None, || calls("v.sh")),
            &x
        ));
        assert_eq!(found.get(), 45);
        // A script no other step runs is not kept.
        let lone = Arc::new(Script::default());
        let _ = facts.script_calls(&lone, "", None, || calls("l.sh"));
        let _ = facts.script_calls(&lone, "", None, || calls("l.sh"));
        assert_eq!(found.get(), 47);
    }
}
