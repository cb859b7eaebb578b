//! Deployment-readiness rules: how deploys are gated, guarded, verified and rolled back.

pub mod placeholder_step;
pub mod readiness_wait;
pub mod release_tool_on_tag;
pub mod scan_after_push;
pub mod tested_image_mismatch;
pub mod ungated_deploy;

use super::Rule;

pub static RULES: &[&dyn Rule] = &[
    &placeholder_step::PlaceholderStep,
    &readiness_wait::ReadinessWait,
    &scan_after_push::ScanAfterPush,
    &ungated_deploy::UngatedDeploy,
    &release_tool_on_tag::ReleaseToolOnTag,
    &tested_image_mismatch::TestedImageMismatch,
];
