//! Dockerfile and compose-file rules: images and services that are unsafe or fragile.

use super::Rule;

pub static RULES: &[&dyn Rule] = &[];
