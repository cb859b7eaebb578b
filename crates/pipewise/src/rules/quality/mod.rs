//! Quality-gate rules: tests, scanners and checks that must be able to fail the pipeline.

use super::Rule;

pub static RULES: &[&dyn Rule] = &[];
