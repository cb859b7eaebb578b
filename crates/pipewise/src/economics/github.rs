//! GitHub Actions' part of the economics model: a job's or step's `if:`, read once
//! and decided under each scenario by [`crate::github::conditions`] (GitLab's jobs
//! are decided from their `rules:` in [`super::gitlab`]). The only economics file
//! that names GitHub's code (`economics_names_no_github_code_but_its_own_file`).

use crate::github::conditions::Cond;
use crate::scenario::Scenario;
use crate::workflow::Tri;
use pipewise_yaml::Node;

/// A GitHub `if:` (absent: always), parsed once.
#[derive(Debug)]
pub(crate) struct If(Cond);

impl If {
    /// Parses an `if:` value ([`Cond::parse`]).
    pub(super) fn parse(node: Option<&Node>) -> If {
        If(Cond::parse(node))
    }

    /// The condition's truth under `sc`.
    pub(super) fn eval(&self, sc: &Scenario) -> Tri {
        self.0.eval(sc)
    }
}
