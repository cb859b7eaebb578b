//! Deployment-readiness rules about GitHub Actions workflows: how deploys are gated,
//! guarded, verified and rolled back.

pub mod release_tool_on_tag;
pub mod scan_after_push;
pub mod tested_image_mismatch;
pub mod ungated_deploy;

use crate::rules::Rule;

pub static RULES: &[&dyn Rule] = &[
    &scan_after_push::ScanAfterPush,
    &ungated_deploy::UngatedDeploy,
    &release_tool_on_tag::ReleaseToolOnTag,
    &tested_image_mismatch::TestedImageMismatch,
];
