//! GitLab CI rules: what only a GitLab pipeline can get wrong (predefined variables
//! an outsider controls, includes and components, `CI_JOB_TOKEN`, docker-in-docker,
//! `allow_failure`, environments and resource groups). They run on the merged,
//! lowered pipeline (`crate::gitlab`).

use super::Rule;

pub static RULES: &[&dyn Rule] = &[];
