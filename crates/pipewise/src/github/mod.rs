//! GitHub Actions: what only GitHub has. Reading workflows ([`workflow`]) and
//! actions ([`action`]) into the shared pipeline model (`crate::workflow`, which
//! GitLab CI lowers into too), the `${{ }}` expression language ([`expr`]), when a
//! job or step can run and who can make it run ([`conditions`]: `if:` under a
//! trigger scenario), the offline table of action release SHAs ([`action_shas`])
//! and the workflow dependency lockfile ([`actions_lock`]).
//!
//! The GitHub-only rules are in `rules/github/<group>/` (`crate::rules::github`:
//! `docs/architecture.md`, "Rules by platform"); their fixes are in `fix/github/`.

pub mod action;
pub mod action_shas;
pub mod actions_lock;
pub mod conditions;
pub mod expr;
pub mod workflow;
