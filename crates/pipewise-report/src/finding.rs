//! The finding vocabulary of the report: severity, confidence, category and fix.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(format!(
                "unknown severity `{s}` (expected one of: critical, high, medium, low, info)"
            )),
        }
    }
}

/// How sure the rule is that the finding is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// Scoring categories, from `shared/spec/scoring.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Category {
    #[serde(rename = "ci-pipeline")]
    CiPipeline,
    #[serde(rename = "testing")]
    Testing,
    #[serde(rename = "security")]
    Security,
    #[serde(rename = "deployment")]
    Deployment,
    #[serde(rename = "iac")]
    Iac,
    #[serde(rename = "observability")]
    Observability,
    #[serde(rename = "release")]
    Release,
    #[serde(rename = "disaster-recovery")]
    DisasterRecovery,
}

impl Category {
    pub const ALL: [Category; 8] = [
        Category::CiPipeline,
        Category::Testing,
        Category::Security,
        Category::Deployment,
        Category::Iac,
        Category::Observability,
        Category::Release,
        Category::DisasterRecovery,
    ];
    pub fn id(self) -> &'static str {
        match self {
            Category::CiPipeline => "ci-pipeline",
            Category::Testing => "testing",
            Category::Security => "security",
            Category::Deployment => "deployment",
            Category::Iac => "iac",
            Category::Observability => "observability",
            Category::Release => "release",
            Category::DisasterRecovery => "disaster-recovery",
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Category::CiPipeline => "CI Pipeline",
            Category::Testing => "Testing & Quality",
            Category::Security => "Security",
            Category::Deployment => "Deployment Automation",
            Category::Iac => "Infrastructure as Code",
            Category::Observability => "Monitoring & Observability",
            Category::Release => "Release Management",
            Category::DisasterRecovery => "Disaster Recovery",
        }
    }
}

/// A byte range in a file's source.
/// A concrete way to fix a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub description: String,
    pub snippet: String,
    pub effort_minutes: u32,
}
