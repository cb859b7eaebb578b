//! Findings: what a rule reports, where, how bad, and how to fix it.
//!
//! A finding's location is a byte span in one source file; it is resolved to
//! line and column once, when the report is built (see `audit`).

pub use pipewise_report::finding::{Category, Confidence, Fix, Severity};
pub use pipewise_yaml::Span;

/// A second place that explains a finding (e.g. the step that calls a script).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub file: String,
    pub span: Span,
    pub note: String,
}

/// One finding, before it is resolved to line and column.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub confidence: Confidence,
    /// Path relative to the repository root, `/`-separated.
    pub file: String,
    pub span: Span,
    pub job: Option<String>,
    pub step: Option<String>,
    pub message: String,
    pub title: Option<String>,
    pub impact: Option<String>,
    pub fix: Option<Fix>,
    pub related: Vec<Related>,
}
