//! Deployment-readiness rules: how deploys are gated, guarded, verified and rolled back.

use super::Rule;

pub static RULES: &[&dyn Rule] = &[];
