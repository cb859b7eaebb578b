//! Security and supply-chain rules about GitHub Actions, where zizmor and actionlint
//! are the peers to match: expressions and what an outsider controls in them, action
//! pins and advisories, `on:` triggers, token permissions, dependabot. Their shared
//! readers are [`common`] (contexts, taint, checkouts, pins), [`condition`] (`if:`
//! expressions) and [`scopes`] (the token scopes a step needs).

pub mod artifact_poisoning;
pub mod cache_poisoning;
pub mod common;
pub mod condition;
pub mod dangerous_trigger;
pub mod debug_logging;
pub mod dependabot_coverage;
pub mod dependabot_insecure_execution;
pub mod deprecated_action;
pub mod deprecated_command;
pub mod github_env_injection;
pub mod known_vulnerable_action;
pub mod missing_permissions;
pub mod overbroad_permissions;
pub mod persisted_credentials;
pub mod scopes;
pub mod secret_exposure;
pub mod secrets_inherit;
pub mod self_hosted_runner;
pub mod spoofable_bot_check;
pub mod template_injection;
pub mod unpinned_action;
pub mod unpinned_image;
pub mod unsound_condition;
pub mod unsound_contains;
pub mod unused_id_token;

use crate::rules::Rule;

pub static RULES: &[&dyn Rule] = &[
    &cache_poisoning::CachePoisoning,
    &dangerous_trigger::DangerousTrigger,
    &deprecated_action::DeprecatedAction,
    &deprecated_command::DeprecatedCommand,
    &github_env_injection::GithubEnvInjection,
    &dependabot_coverage::DependabotCoverage,
    &dependabot_insecure_execution::DependabotInsecureExecution,
    &missing_permissions::MissingPermissions,
    &overbroad_permissions::OverbroadPermissions,
    &persisted_credentials::PersistedCredentials,
    &secret_exposure::SecretExposure,
    &secrets_inherit::SecretsInherit,
    &self_hosted_runner::SelfHostedRunner,
    &template_injection::TemplateInjection,
    &unpinned_action::UnpinnedAction,
    &unpinned_image::UnpinnedImage,
    &unused_id_token::UnusedIdToken,
    &debug_logging::DebugLogging,
    &artifact_poisoning::ArtifactPoisoning,
    &known_vulnerable_action::KnownVulnerableAction,
    &spoofable_bot_check::SpoofableBotCheck,
    &unsound_condition::UnsoundCondition,
    &unsound_contains::UnsoundContains,
];
