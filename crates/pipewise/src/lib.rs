//! pipewise: audits a repository's CI/CD pipeline the way a senior platform engineer
//! would. This crate holds the models (workflows, shell scripts, other CI files), the
//! rules, the audit engine and the report renderers; the `pipewise` binary is a thin
//! command line on top.

pub mod analysis;
pub mod audit;
pub mod baseline;
pub mod config;
pub mod discover;
pub mod dockerfile;
pub mod economics;
pub mod effects;
pub mod facts;
pub mod finding;
pub mod fix;
pub mod github;
pub mod gitlab;
pub mod intent;
pub mod keywords;
pub mod load;
pub mod needs;
pub mod reads;
pub mod repo;
pub mod report;
pub mod reuse;
pub mod rules;
pub mod runners;
pub mod scenario;
pub mod schema;
pub mod scoring;
pub mod shell;
pub mod source;
pub mod suggest;
pub mod summary;
pub mod suppress;
#[cfg(test)]
mod test_support;
pub mod tree;
pub mod workflow;
/// Work counters for the hostile-input tests (`work-counters` feature).
pub use pipewise_yaml::work;
