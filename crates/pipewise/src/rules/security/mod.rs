//! Security and supply-chain rules that hold on every platform (credentials written
//! into a pipeline, remote scripts piped to a shell, TLS checks turned off). The
//! GitHub Actions ones (expressions, action pins, triggers, permissions, dependabot)
//! are in [`crate::rules::github::security`].

pub mod hardcoded_credential;
pub mod remote_script;
pub mod tls_verification_disabled;

use super::Rule;

pub static RULES: &[&dyn Rule] = &[
    &hardcoded_credential::HardcodedCredential,
    &remote_script::RemoteScript,
    &tls_verification_disabled::TlsVerificationDisabled,
];
