//! Reliability rules about GitHub Actions workflows: pipelines that pass when they
//! should fail, hang, or lose work. No peer tool checks these. The helpers they share
//! with the rules that hold on every platform are in [`crate::rules::reliability`].

pub mod artifact_not_downloaded;
pub mod continue_on_error_gate;
mod docker_sources;
pub mod localhost_without_server;
pub mod missing_concurrency;
pub mod missing_file;
pub mod missing_timeout;
pub mod partial_status_check;
pub mod stale_cache;
pub mod toolchain_drift;
pub mod unlocked_action;
pub mod unpushed_commit;

use crate::rules::Rule;

pub static RULES: &[&dyn Rule] = &[
    &continue_on_error_gate::ContinueOnErrorGate,
    &missing_concurrency::MissingConcurrency,
    &missing_file::MissingFile,
    &missing_timeout::MissingTimeout,
    &partial_status_check::PartialStatusCheck,
    &stale_cache::StaleCache,
    &toolchain_drift::ToolchainDrift,
    &unpushed_commit::UnpushedCommit,
    &localhost_without_server::LocalhostWithoutServer,
    &unlocked_action::UnlockedAction,
    &artifact_not_downloaded::ArtifactNotDownloaded,
];
