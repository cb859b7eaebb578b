//! Security and supply-chain rules, where zizmor and actionlint are the peers to match.

pub mod common;
pub mod dangerous_trigger;
pub mod deprecated_command;
pub mod missing_permissions;
pub mod overbroad_permissions;
pub mod persisted_credentials;
pub mod scopes;
pub mod secrets_inherit;
pub mod template_injection;
pub mod unpinned_action;
pub mod unpinned_image;
pub mod unused_id_token;

use super::Rule;

pub static RULES: &[&dyn Rule] = &[
    &dangerous_trigger::DangerousTrigger,
    &deprecated_command::DeprecatedCommand,
    &missing_permissions::MissingPermissions,
    &overbroad_permissions::OverbroadPermissions,
    &persisted_credentials::PersistedCredentials,
    &secrets_inherit::SecretsInherit,
    &template_injection::TemplateInjection,
    &unpinned_action::UnpinnedAction,
    &unpinned_image::UnpinnedImage,
    &unused_id_token::UnusedIdToken,
];
