//! The economics model's per-workflow results, computed once, in a table the engine
//! owns beside the model (`docs/architecture.md`, "Facts about steps").
//!
//! The `cost/*` rules and the report's economics section ask for the same things
//! about each workflow: what the model reads from its jobs whatever the repository
//! around it ([`JobStatic`]), and its optimisations under the default assumptions
//! ([`savings::find`]; a third of the audit's instructions when each asker computed
//! them again). The engine builds one [`Table`] per audited repository from its
//! workflows and hands it to the rules ([`crate::rules::Ctx::economics`]) and to
//! [`super::analyze`]. Each result is a cell filled the first time it is asked for,
//! here only, by the one function that computes it (`tests/architecture.rs`,
//! `economics_cells_have_one_filler`).
//!
//! A workflow is found by the address of its jobs (a non-empty `Vec`'s buffer, which
//! stays where it is while the workflow moves between the engine's lists), by binary
//! search. A workflow without jobs has nothing to cache; one the table was not built
//! from (a workflow read alone, a test) gets the same answer computed each time.

use super::savings::{self, Found};
use super::JobStatic;
use crate::facts::Facts;
use crate::workflow::Workflow;
use std::borrow::Cow;
use std::sync::OnceLock;

/// The cells of one workflow.
#[derive(Debug, Default)]
struct Cells {
    /// [`Table::savings`].
    savings: OnceLock<Vec<Found>>,
    /// [`Table::statics`].
    statics: OnceLock<Vec<JobStatic>>,
}

/// The economics table of one audit: a cell per workflow it was built from.
#[derive(Debug, Default)]
pub struct Table {
    /// Each workflow's jobs' address and its index in `cells`, sorted by address.
    index: Vec<(usize, usize)>,
    cells: Vec<Cells>,
}

/// Where a workflow's jobs are: the key of its cells (`None` without jobs).
fn key(wf: &Workflow) -> Option<usize> {
    (!wf.jobs.is_empty()).then_some(wf.jobs.as_ptr() as usize)
}

impl Table {
    /// A table for every workflow of `workflows` (none is computed yet).
    pub fn new<'w, 'a: 'w>(workflows: impl IntoIterator<Item = &'w Workflow<'a>>) -> Table {
        let mut index: Vec<(usize, usize)> = workflows
            .into_iter()
            .filter_map(key)
            .enumerate()
            .map(|(i, k)| (k, i))
            .collect();
        index.sort_unstable();
        let cells = std::iter::repeat_with(Cells::default)
            .take(index.len())
            .collect();
        Table { index, cells }
    }

    /// An empty table: every result is computed when asked (a workflow read alone).
    pub fn none() -> Table {
        Table::default()
    }

    /// The cells of `wf`, when the table holds it.
    fn cells(&self, wf: &Workflow) -> Option<&Cells> {
        let k = key(wf)?;
        let at = self.index.binary_search_by_key(&k, |(k, _)| *k).ok()?;
        self.cells.get(self.index.get(at)?.1)
    }

    /// The workflow's optimisations under the default assumptions
    /// ([`savings::find`]): the `cost/*` rules' findings and the report's top
    /// savings.
    pub fn savings<'t>(&'t self, facts: &Facts, wf: &Workflow) -> Cow<'t, [Found]> {
        match self.cells(wf) {
            Some(c) => Cow::Borrowed(
                c.savings
                    .get_or_init(|| savings::find(facts, self, wf, &Default::default())),
            ),
            None => Cow::Owned(savings::find(facts, self, wf, &Default::default())),
        }
    }

    /// What the model reads from each job of `wf` whatever the repository around it
    /// ([`super::compute_statics`]). For a workflow the table does not hold it is read
    /// into `own`.
    pub(super) fn statics<'t>(
        &'t self,
        facts: &Facts,
        wf: &Workflow,
        own: &'t mut Vec<JobStatic>,
    ) -> &'t [JobStatic] {
        match self.cells(wf) {
            Some(c) => c.statics.get_or_init(|| super::compute_statics(facts, wf)),
            None if wf.jobs.is_empty() => &[],
            None => {
                *own = super::compute_statics(facts, wf);
                own
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_workflow_has_its_own_cells_and_strangers_are_computed() {
        // `setup-node` and nothing that runs node: a `cost/unused-setup` saving.
        let src = "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/setup-node@v4\n      - run: docker build .\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: sleep 1\n";
        let doc = pipewise_yaml::Document::parse(src.to_string()).expect("yaml");
        let none = pipewise_yaml::Document::parse("on: push\n".to_string()).expect("yaml");
        let (a, b) = (Workflow::new("a.yml", &doc), Workflow::new("b.yml", &doc));
        let empty = Workflow::new("c.yml", &none);
        let table = Table::new([&a, &b, &empty]);
        assert_eq!(table.cells.len(), 2);
        let facts = Facts::new([&a, &b], &[], &Default::default());
        let filled = |t: &Table| t.cells.iter().filter(|c| c.statics.get().is_some()).count();
        let (mut own_a, mut own_b) = (vec![], vec![]);
        assert_eq!(table.statics(&facts, &a, &mut own_a).len(), 2);
        assert!(own_a.is_empty());
        // Only `a`'s cell was filled.
        assert_eq!(filled(&table), 1);
        assert_eq!(table.statics(&facts, &b, &mut own_b).len(), 2);
        assert_eq!(filled(&table), 2);
        let found: Vec<&str> = table.savings(&facts, &a).iter().map(|f| f.rule).collect();
        assert_eq!(found, [savings::UNUSED_SETUP]);
        assert!(matches!(table.savings(&facts, &a), Cow::Borrowed(_)));
        // A workflow the table was not built from is answered, not cached.
        let c = Workflow::new("a.yml", &doc);
        let mut own_c = vec![];
        assert_eq!(table.statics(&facts, &c, &mut own_c).len(), 2);
        assert_eq!(own_c.len(), 2);
        let again = table.savings(&facts, &c);
        assert!(matches!(again, Cow::Owned(_)));
        assert_eq!(again.iter().map(|f| f.rule).collect::<Vec<_>>(), found);
        assert!(table.statics(&facts, &empty, &mut vec![]).is_empty());
        assert_eq!(Table::none().savings(&facts, &a).len(), 1);
    }
}
