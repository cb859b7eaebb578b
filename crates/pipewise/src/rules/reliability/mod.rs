//! Reliability, deployment-readiness and quality-gate rules: pipelines that pass when
//! they should fail, hang, or lose work. No peer tool checks these.

pub mod continue_on_error_gate;
pub mod interactive_command;
pub mod localhost_without_server;
pub mod masked_failure;
pub mod missing_concurrency;
pub mod missing_file;
pub mod missing_timeout;
pub mod partial_status_check;
pub mod stale_cache;
pub mod stale_exit_status;
pub mod toolchain_drift;
pub mod unlocked_action;
pub mod unpushed_commit;

use super::Rule;

pub static RULES: &[&dyn Rule] = &[
    &continue_on_error_gate::ContinueOnErrorGate,
    &interactive_command::InteractiveCommand,
    &masked_failure::MaskedFailure,
    &missing_concurrency::MissingConcurrency,
    &missing_file::MissingFile,
    &missing_timeout::MissingTimeout,
    &partial_status_check::PartialStatusCheck,
    &stale_cache::StaleCache,
    &stale_exit_status::StaleExitStatus,
    &toolchain_drift::ToolchainDrift,
    &unpushed_commit::UnpushedCommit,
    &localhost_without_server::LocalhostWithoutServer,
    &unlocked_action::UnlockedAction,
];

/// The text of a step script: the `run:` block or the script file.
pub fn script_text<'a>(ss: &crate::rules::StepScript<'a>, cx: &crate::rules::Ctx<'a>) -> &'a str {
    match ss.run {
        Some(r) => r.text,
        None => cx.script(ss.path).map(|s| s.file.text()).unwrap_or(""),
    }
}
