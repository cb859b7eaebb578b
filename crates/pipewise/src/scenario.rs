//! The scenario of a run: what the economics model and GitHub's condition reading
//! both decide jobs and steps under, whatever the platform.
//!
//! A [`Scenario`] is one way a pipeline run starts: the triggering event (the
//! platform's own name: GitHub's `pull_request`, GitLab's `merge_request_event`),
//! the kind of ref it runs on, and whether an outsider started it. Whether a job
//! or step runs under it is three-valued ([`crate::workflow::Tri`]): each platform
//! decides it from its own conditions (GitHub's `if:` in `github::conditions`,
//! GitLab's `rules:` and `only:`/`except:` in `gitlab::sources`).

/// The kind of ref a run has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    Branch,
    Tag,
    /// A pull or merge request's ref (GitHub's `refs/pull/<n>/merge` on
    /// `pull_request` events; a GitLab merge request pipeline).
    PullRequest,
    Unknown,
}

/// One way a workflow run can start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario<'a> {
    /// The triggering event; `None` when the workflow is called by another
    /// (`workflow_call`: `github.event_name` is the caller's).
    pub event: Option<&'a str>,
    pub ref_kind: RefKind,
    /// Started by someone without write access (a fork's pull request, a comment).
    pub outsider: bool,
    /// On a branch ref: the branch, when a scenario is split by the branch names
    /// the conditions compare the ref with (`github::conditions::co_reachable`);
    /// [`OTHER_BRANCH`] stands for every branch not named.
    pub branch: Option<&'a str>,
}

/// A branch name no condition can spell (see [`Scenario::branch`]).
pub const OTHER_BRANCH: &str = "\u{1}other";
