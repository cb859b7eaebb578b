//! Quality-gate rules: tests, scanners and checks that must be able to fail the pipeline.

pub mod non_failing_scanner;

use super::Rule;

pub static RULES: &[&dyn Rule] = &[&non_failing_scanner::NonFailingScanner];
