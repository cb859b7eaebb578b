//! Deployment-readiness rules that hold on every platform: placeholder deploy steps,
//! deploys with no readiness wait. The GitHub Actions ones (how a workflow gates,
//! scans and tags what it deploys) are in [`crate::rules::github::deployment`].

pub mod placeholder_step;
pub mod readiness_wait;

use super::Rule;

pub static RULES: &[&dyn Rule] = &[
    &placeholder_step::PlaceholderStep,
    &readiness_wait::ReadinessWait,
];
