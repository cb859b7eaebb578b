//! Security and supply-chain rules, where zizmor and actionlint are the peers to match.

pub mod common;
pub mod missing_permissions;
pub mod overbroad_permissions;
pub mod scopes;
pub mod template_injection;
pub mod unpinned_action;
pub mod unpinned_image;
pub mod unused_id_token;

use super::Rule;

pub static RULES: &[&dyn Rule] = &[
    &missing_permissions::MissingPermissions,
    &overbroad_permissions::OverbroadPermissions,
    &template_injection::TemplateInjection,
    &unpinned_action::UnpinnedAction,
    &unpinned_image::UnpinnedImage,
    &unused_id_token::UnusedIdToken,
];
