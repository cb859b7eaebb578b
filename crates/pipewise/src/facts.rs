//! Facts about jobs (and, as they move here, steps and commands) that rules and the
//! analysis ask for, computed once per job, in one place, into a table the engine
//! owns beside the model (`docs/architecture.md`, "Facts about steps").
//!
//! The model's types hold what the files say, nothing computed above them. The
//! engine builds one [`Facts`] per audited repository from its workflows
//! ([`Facts::new`], before the rules run) and hands it to the rules through
//! [`crate::rules::Ctx::facts`] and to the analysis beside the workflows. Each fact
//! is a cell filled the first time it is asked for, by the one function this module
//! names for it: a rule reads a fact, it never computes one
//! (`tests/architecture.rs`, `facts_have_one_filler`).
//!
//! A job is found in the table by where it lives: the engine's model is not changed
//! while an audit reads it, so each workflow's jobs stay one slice in memory, and
//! the table keeps each slice's address and the index of its first job. A job the
//! table does not hold (a workflow read alone, a test) gets its facts computed
//! again each time it is asked, the same answer without the cell.

use crate::workflow::{Job, Workflow};
use pipewise_catalog::Intent;
use std::sync::OnceLock;

/// The facts of one job.
#[derive(Debug, Default)]
struct JobFacts {
    /// [`Facts::job_ships`].
    ships: OnceLock<Option<Intent>>,
    /// [`Facts::script_deploys`].
    deploys: OnceLock<bool>,
}

/// The facts table of one audit: a cell per job of the workflows it was built from.
#[derive(Debug, Default)]
pub struct Facts {
    /// Each workflow's jobs: the slice's address, its length, and the index in
    /// `jobs` of its first job; sorted by address.
    slices: Vec<(usize, usize, usize)>,
    jobs: Vec<JobFacts>,
}

impl Facts {
    /// A table for every job of `workflows` (none is computed yet).
    pub fn new<'w, 'a: 'w>(workflows: impl IntoIterator<Item = &'w Workflow<'a>>) -> Facts {
        let mut slices = vec![];
        let mut count = 0;
        for wf in workflows {
            if wf.jobs.is_empty() {
                continue;
            }
            slices.push((wf.jobs.as_ptr() as usize, wf.jobs.len(), count));
            count += wf.jobs.len();
        }
        slices.sort_unstable();
        let jobs = std::iter::repeat_with(JobFacts::default)
            .take(count)
            .collect();
        Facts { slices, jobs }
    }

    /// An empty table: every fact is computed when asked (a workflow read alone).
    pub fn none() -> Facts {
        Facts::default()
    }

    /// The cells of `job`, when the table holds it.
    fn job(&self, job: &Job) -> Option<&JobFacts> {
        let size = std::mem::size_of::<Job>();
        let at = job as *const Job as usize;
        let i = self.slices.partition_point(|(start, _, _)| *start <= at);
        let (start, len, first) = *self.slices.get(i.checked_sub(1)?)?;
        let offset = at - start;
        let index = offset / size;
        (offset.is_multiple_of(size) && index < len)
            .then(|| self.jobs.get(first + index))
            .flatten()
    }

    /// Whether a job ships: targets a deployment environment or has a step that
    /// deploys or publishes ([`crate::intent::compute_job_ships`]).
    pub fn job_ships(&self, job: &Job) -> Option<Intent> {
        match self.job(job) {
            Some(f) => *f
                .ships
                .get_or_init(|| crate::intent::compute_job_ships(job)),
            None => crate::intent::compute_job_ships(job),
        }
    }

    /// Whether a merged GitLab job's `script:` runs a deploy tool
    /// ([`crate::intent::compute_script_deploys`]).
    pub fn script_deploys(&self, job: &Job) -> bool {
        match self.job(job) {
            Some(f) => *f
                .deploys
                .get_or_init(|| crate::intent::compute_script_deploys(job)),
            None => crate::intent::compute_script_deploys(job),
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
        let facts = Facts::new([&a, &b]);
        assert_eq!(facts.jobs.len(), 4);
        for wf in [&a, &b] {
            assert_eq!(facts.job_ships(&wf.jobs[0]), Some(Intent::Deploy));
            assert_eq!(facts.job_ships(&wf.jobs[1]), None);
        }
        // Each job's cell was filled, and only its own.
        assert!(facts.jobs.iter().all(|f| f.ships.get().is_some()));
        assert!(facts.jobs.iter().all(|f| f.deploys.get().is_none()));
        // A workflow the table was not built from is answered, not cached.
        let c = workflow(&doc);
        assert!(facts.job(&c.jobs[0]).is_none());
        assert_eq!(facts.job_ships(&c.jobs[0]), Some(Intent::Deploy));
        assert_eq!(Facts::none().job_ships(&c.jobs[1]), None);
    }
}
