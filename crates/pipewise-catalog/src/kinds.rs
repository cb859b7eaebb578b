//! The catalogue's enumerations, shared by the library and its build script (which
//! reads them from the TOML files and writes them into the generated statics):
//! `build.rs` includes this file with `#[path]`.

use serde::Deserialize;

/// What a piece of pipeline does. Ordered roughly by how much it matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Intent {
    /// Cleanup, probes, diagnostics: failing quietly is fine.
    Harmless,
    Other,
    Lint,
    Build,
    Test,
    SecurityScan,
    Migration,
    Backup,
    Publish,
    Deploy,
}

impl Intent {
    pub fn label(self) -> &'static str {
        match self {
            Intent::Harmless => "harmless",
            Intent::Other => "command",
            Intent::Lint => "lint",
            Intent::Build => "build",
            Intent::Test => "test",
            Intent::SecurityScan => "security scan",
            Intent::Migration => "migration",
            Intent::Backup => "backup",
            Intent::Publish => "publish",
            Intent::Deploy => "deploy",
        }
    }
    /// A gate: its failure must stop the pipeline.
    pub fn is_gate(self) -> bool {
        matches!(
            self,
            Intent::Test
                | Intent::SecurityScan
                | Intent::Migration
                | Intent::Backup
                | Intent::Publish
                | Intent::Deploy
                | Intent::Build
                | Intent::Lint
        )
    }
}

/// When an action requests an OIDC token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Oidc {
    Always,
    /// With one of `oidc-inputs` set.
    WithInput,
    /// Unless one of `oidc-unless-inputs` is set.
    UnlessInput,
    /// When `oidc-input-equals` holds.
    InputEquals,
}
