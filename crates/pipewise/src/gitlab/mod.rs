//! GitLab CI: loading `.gitlab-ci.yml` and what it includes ([`include`]), merging
//! it as GitLab does ([`pipeline`]: `extends`, `default`, anchors and `<<:`,
//! `!reference`), and lowering it into the shared model ([`lower`]), so the neutral
//! rules (scripts, containers, job structure) run on it unchanged and the GitLab
//! rules (`rules/gitlab/`) see the merged jobs.

pub mod include;
mod keywords;
pub mod lower;
pub mod pipeline;
mod schema;
pub mod sources;
mod values;

pub use pipeline::Pipeline;

use crate::repo::Repo;

/// Every pipeline of a repository: `.gitlab-ci.yml` (and other roots given), and the
/// local child pipelines they trigger, merged ([`pipeline::merged`]) and checked
/// against GitLab's schema ([`schema`]).
pub fn pipelines<'r>(repo: &'r Repo, extra_roots: &[String]) -> Vec<Pipeline<'r>> {
    let mut out = pipeline::merged(repo, extra_roots);
    for p in &mut out {
        schema::check_types(p);
        schema::check_needs_graph(p);
    }
    out
}

/// User-controlled predefined variables: text an outsider chooses (a merge request's
/// title or description, a commit message, a branch or tag name).
pub const USER_CONTROLLED: &[&str] = &[
    "CI_MERGE_REQUEST_TITLE",
    "CI_MERGE_REQUEST_DESCRIPTION",
    "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
    "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA",
    "CI_COMMIT_MESSAGE",
    "CI_COMMIT_TITLE",
    "CI_COMMIT_DESCRIPTION",
    "CI_COMMIT_BRANCH",
    "CI_COMMIT_REF_NAME",
    "CI_COMMIT_TAG",
    "CI_COMMIT_TAG_MESSAGE",
    "CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME",
    "CI_COMMIT_AUTHOR",
];
