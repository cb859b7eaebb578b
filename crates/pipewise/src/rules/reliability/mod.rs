//! Reliability, deployment-readiness and quality-gate rules: pipelines that pass when
//! they should fail, hang, or lose work. No peer tool checks these.

pub mod continue_on_error_gate;
pub mod interactive_command;
pub mod masked_failure;
pub mod missing_concurrency;
pub mod missing_timeout;
pub mod stale_exit_status;

use super::Rule;

pub static RULES: &[&dyn Rule] = &[
    &continue_on_error_gate::ContinueOnErrorGate,
    &interactive_command::InteractiveCommand,
    &masked_failure::MaskedFailure,
    &missing_concurrency::MissingConcurrency,
    &missing_timeout::MissingTimeout,
    &stale_exit_status::StaleExitStatus,
];
