//! Facts about jobs and steps (and, as they move here, commands) that rules and the
//! analysis ask for, computed once per job or step, in one place, into a table the
//! engine owns beside the model (`docs/architecture.md`, "Facts about steps").
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
//! A job or step is found in the table by where it lives: the engine's model is not
//! changed while an audit reads it, so each workflow's jobs, and each job's or
//! action's steps, stay one slice in memory, and the table keeps each slice's
//! address and the index of its first item. One the table does not hold (a workflow
//! read alone, a test) gets its facts computed again each time it is asked, the
//! same answer without the cell.

use crate::workflow::{Action, Job, Step, Workflow};
use pipewise_catalog::Intent;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The facts of one job.
#[derive(Debug, Default)]
struct JobFacts {
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

/// The facts table of one audit: a cell per job and per step of the workflows and
/// actions it was built from.
#[derive(Debug, Default)]
pub struct Facts {
    job_slices: Slices,
    jobs: Vec<JobFacts>,
    step_slices: Slices,
    steps: Vec<StepFacts>,
}

impl Facts {
    /// A table for every job and step of `workflows` and every step of `actions`
    /// (none is computed yet).
    pub fn new<'w, 'a: 'w>(
        workflows: impl IntoIterator<Item = &'w Workflow<'a>>,
        actions: &[Action],
    ) -> Facts {
        let (mut job_slices, mut jobs) = (Slices::default(), 0);
        let (mut step_slices, mut steps) = (Slices::default(), 0);
        for wf in workflows {
            jobs = job_slices.push(&wf.jobs, jobs);
            for j in &wf.jobs {
                steps = step_slices.push(&j.steps, steps);
            }
        }
        for a in actions {
            steps = step_slices.push(&a.steps, steps);
        }
        Facts {
            job_slices: job_slices.done(),
            jobs: std::iter::repeat_with(JobFacts::default)
                .take(jobs)
                .collect(),
            step_slices: step_slices.done(),
            steps: std::iter::repeat_with(StepFacts::default)
                .take(steps)
                .collect(),
        }
    }

    /// An empty table: every fact is computed when asked (a workflow read alone).
    pub fn none() -> Facts {
        Facts::default()
    }

    /// The cells of `job`, when the table holds it.
    fn job(&self, job: &Job) -> Option<&JobFacts> {
        self.jobs.get(self.job_slices.index(job)?)
    }

    /// The cells of `step`, when the table holds it.
    fn step(&self, step: &Step) -> Option<&StepFacts> {
        self.steps.get(self.step_slices.index(step)?)
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
        match self.job(job) {
            Some(f) => *f
                .script_deploys
                .get_or_init(|| crate::intent::compute_script_deploys(job)),
            None => crate::intent::compute_script_deploys(job),
        }
    }

    /// The strongest intent of a step: its name, its action, its commands
    /// ([`crate::intent::compute_step_intent`]).
    pub fn step_intent(&self, step: &Step) -> Intent {
        match self.step(step) {
            Some(f) => *f
                .step_intent
                .get_or_init(|| crate::intent::compute_step_intent(step)),
            None => crate::intent::compute_step_intent(step),
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
                .get_or_init(|| crate::intent::compute_step_ships(step)),
            None => crate::intent::compute_step_ships(step),
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
                .get_or_init(|| crate::intent::compute_matrix_ships(job, step)),
            None => crate::intent::compute_matrix_ships(job, step),
        }
    }

    /// Fills what `step` ships with `own`: what another step that runs the very
    /// same script (one `Arc`, neither step using an action) ships by itself
    /// ([`Facts::step_ships`], which reads only that script). Handed on by the engine's
    /// pass ([`crate::rules::ships::resolve_ships`]) instead of the script's commands
    /// being read again for every step that runs it (a GitLab line that a template or
    /// `default:` gives many jobs). A step asked for earlier keeps its answer.
    pub(crate) fn step_ships_shared(&self, step: &Step, own: Option<Intent>) -> Option<Intent> {
        debug_assert_eq!(own, crate::intent::compute_step_ships(step));
        match self.step(step) {
            Some(f) => *f.step_ships.get_or_init(|| own),
            None => own,
        }
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
            Some(f) => *f
                .step_ships
                .get_or_init(|| crate::intent::compute_step_ships(step).max(through)),
            None => crate::intent::compute_step_ships(step).max(through),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workflow(doc: &pipewise_yaml::Document) -> Workflow<'_> {
        Workflow::new(".github/workflows/x.yml", doc)
    }

    #[test]
    fn each_job_has_its_own_cells_and_strangers_are_computed() {
        let src = "on: push\njobs:\n  deploy:\n    runs-on: x\n    environment: production\n    steps:\n      - run: echo\n  test:\n    runs-on: x\n    steps:\n      - run: cargo test\n";
        let doc = pipewise_yaml::Document::parse(src.to_string()).expect("yaml");
        let (a, b) = (workflow(&doc), workflow(&doc));
        let facts = Facts::new([&a, &b], &[]);
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
    fn the_engines_pass_adds_what_a_step_runs_of_the_repository() {
        let src = "on: push\njobs:\n  release:\n    runs-on: x\n    steps:\n      - run: ./scripts/release.sh\n      - run: cargo test\n";
        let doc = pipewise_yaml::Document::parse(src.to_string()).expect("yaml");
        let wf = workflow(&doc);
        let facts = Facts::new([&wf], &[]);
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
}
