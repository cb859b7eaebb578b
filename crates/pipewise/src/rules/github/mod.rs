//! GitHub Actions rules: what only a GitHub workflow, composite action or
//! `dependabot.yml` can get wrong (expressions and the contexts an outsider controls,
//! action pins and advisories, `on:` triggers, token permissions, dependabot), and the
//! rules whose hooks read GitHub's workflows, jobs and steps. Each declares
//! `[Platform::GitHub]` (the default of [`Rule::platforms`]) and keeps its group and id:
//! `security/unpinned-action` lives in `github/security/unpinned_action.rs`. Beside
//! them, `rules/gitlab/` holds the GitLab-only rules, and every rule elsewhere under
//! `rules/` runs on every platform or reads no workflow (`docs/architecture.md`,
//! "Rules by platform").

pub mod cost;
pub mod deployment;
pub mod reliability;
pub mod security;

use super::Rule;

/// The GitHub-only rules' registries, one a group.
pub static GROUPS: &[&[&dyn Rule]] = &[
    cost::RULES,
    deployment::RULES,
    reliability::RULES,
    security::RULES,
];

/// Every GitHub-only rule.
pub fn rules() -> impl Iterator<Item = &'static dyn Rule> {
    GROUPS.iter().flat_map(|g| g.iter().copied())
}
