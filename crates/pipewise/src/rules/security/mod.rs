//! Security and supply-chain rules, where zizmor and actionlint are the peers to match.

pub mod dependabot_coverage;
pub mod dependabot_insecure_execution;
pub mod missing_permissions;
pub mod overbroad_permissions;
pub mod unpinned_action;

use super::Rule;

pub static RULES: &[&dyn Rule] = &[
    &dependabot_coverage::DependabotCoverage,
    &dependabot_insecure_execution::DependabotInsecureExecution,
    &missing_permissions::MissingPermissions,
    &overbroad_permissions::OverbroadPermissions,
    &unpinned_action::UnpinnedAction,
];
