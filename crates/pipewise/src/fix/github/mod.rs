//! The fixes of GitHub-only rules: they edit what only a GitHub Actions workflow
//! has (`permissions`, `concurrency`, `timeout-minutes`, `continue-on-error`,
//! `persist-credentials` and other `with:` inputs, `uses:` pins and `actions.lock`,
//! `${{ }}` expressions in `run:`). The fixes of rules that run on every platform
//! (scripts, Dockerfiles) and the engine that applies and proves them are in
//! `fix/` (`docs/architecture.md`, "Where GitHub-only code lives").

// What the fixers name as `super::…`: the engine's plan types and helpers.
use super::{
    script_line_renames, set_step_input, site_job, site_step, step_lines, yaml, Edit, Plan, Safety,
    Site,
};

pub(super) mod concurrency;
pub(super) mod continue_on_error;
mod lock_edits;
pub(super) mod permissions;
pub(super) mod persist_credentials;
pub(super) mod pin_action;
pub(super) mod template_injection;
pub(super) mod timeout;
pub(super) mod toolchain;
pub(super) mod unlocked_action;
