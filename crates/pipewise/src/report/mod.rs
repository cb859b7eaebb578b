//! The audit report: the `pipewise/report@1` data model (serialized as JSON exactly
//! as `shared/spec/report-schema.md` describes) and its renderers.

pub mod escape;
pub mod github;
pub mod html;
pub mod inventory;
pub mod json;
pub mod markdown;
pub mod plain;
pub mod sarif;

use crate::finding::{Confidence, Fix, Severity};
use serde::{Deserialize, Serialize};

pub const SCHEMA: &str = "pipewise/report@1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub tool: Tool,
    pub repositories: Vec<RepoReport>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Report {
    pub fn new(repositories: Vec<RepoReport>) -> Report {
        Report {
            schema: SCHEMA.into(),
            tool: Tool {
                name: "pipewise".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            repositories,
        }
    }
    pub fn findings(&self) -> impl Iterator<Item = &ReportFinding> {
        self.repositories.iter().flat_map(|r| r.findings.iter())
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Stack {
    pub languages: Vec<String>,
    pub package_managers: Vec<String>,
    pub frameworks: Vec<String>,
    pub databases: Vec<String>,
    pub migrations: Vec<String>,
    pub containers: bool,
    pub deploy_targets: Vec<String>,
    pub iac: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub kind: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RepoReport {
    pub root: String,
    pub stack: Stack,
    pub files: Vec<FileEntry>,
    pub findings: Vec<ReportFinding>,
    pub capabilities: Vec<Capability>,
    /// Every deploy path (a job that deploys) with its readiness checks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deploy_paths: Vec<DeployPath>,
    pub scores: crate::scoring::Scores,
    pub errors: Vec<ReportError>,
    /// The workflows' structure (triggers, jobs, `needs`, `workflow_run` links),
    /// for dependency graphs and local reproduction commands.
    #[serde(default)]
    pub workflows: Vec<WorkflowSummary>,
    /// Secrets and variables referenced by workflows and actions: names only.
    #[serde(default)]
    pub secrets: Vec<SecretUse>,
    /// Things the audit could do but that need a look: suppression comments that are
    /// malformed, name an unknown rule or suppress nothing, and what the repository's
    /// own config turns off (disabled rules, lowered severities, ignored paths).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ReportError>,
}

/// A repository file's path as every format shows it: `root/file`, or `file` when
/// the root is the base directory (`.`). The CLI sets each repository's `root`
/// relative to one base, so paths are the same for one or many repositories.
pub fn display_path(root: &str, file: &str) -> String {
    let root = root.trim_end_matches('/');
    let root = root.strip_prefix("./").unwrap_or(root);
    if root.is_empty() || root == "." {
        file.to_string()
    } else {
        format!("{root}/{file}")
    }
}

/// The shape of one workflow file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct WorkflowSummary {
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub triggers: Vec<String>,
    pub jobs: Vec<JobSummary>,
    /// Names of the workflows whose completion triggers this one (`on.workflow_run`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workflow_run: Vec<String>,
}

/// One job of a workflow.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct JobSummary {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub line: usize,
    pub needs: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// A reusable workflow called by this job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uses: Option<String>,
    pub steps: Vec<StepSummary>,
}

/// One step: what it uses or runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct StepSummary {
    pub line: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uses: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
}

/// A secret or variable name and where it is used (`file:line`). Never a value.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct SecretUse {
    pub name: String,
    /// `secret` or `variable`.
    pub kind: String,
    pub used_in: Vec<String>,
}

/// How far a repository has a capability from `shared/spec/capabilities.md`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum CapabilityStatus {
    Missing,
    Partial,
    Present,
    NotApplicable,
}

/// A file and line that shows a capability (or why it is only partial).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Evidence {
    pub file: String,
    pub line: usize,
    pub note: String,
}

/// A ready-to-commit file that adds a missing capability.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Template {
    pub path: String,
    pub content: String,
}

/// One capability id's verdict for a repository.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Capability {
    pub id: String,
    pub status: CapabilityStatus,
    pub evidence: Vec<Evidence>,
    /// Why it is partial or not applicable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<Template>,
}

/// A job that deploys, and how ready it is.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeployPath {
    pub file: String,
    pub line: usize,
    pub job: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// `production`, `staging` or `preview`.
    pub tier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    pub checks: Vec<DeployCheck>,
}

/// One readiness check of a deploy path: `pass`, `partial`, `fail`, `unknown` or
/// `not-applicable`, with what was seen.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeployCheck {
    pub id: String,
    pub status: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportFinding {
    pub rule: String,
    pub title: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub category: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    pub message: String,
    pub impact: String,
    pub fix: Fix,
    pub references: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<RelatedLocation>,
    /// Identifies the finding across line moves and unrelated edits (baselines, SARIF
    /// `partialFingerprints`); see [`crate::baseline`].
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fingerprint: String,
    /// Source lines around the finding (line number, text), for renderers.
    #[serde(skip)]
    pub snippet: Vec<(usize, String)>,
    /// Lines just before `snippet` that show where it is (in YAML, from the enclosing
    /// list item, e.g. the step's `- name:`), for reports that quote the file.
    #[serde(skip)]
    pub context: Vec<(usize, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RelatedLocation {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReportError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Counts of findings by severity, most severe first.
pub fn severity_counts<'a>(
    findings: impl Iterator<Item = &'a ReportFinding>,
) -> [(Severity, usize); 5] {
    let mut counts = Severity::ALL.map(|s| (s, 0usize));
    for f in findings {
        if let Some(c) = counts.iter_mut().find(|(s, _)| *s == f.severity) {
            c.1 += 1;
        }
    }
    counts
}

/// The lines before line `line` of a YAML file that lead to it from the enclosing
/// list item (a step's `- name:`), at most 8; empty when the line starts an item,
/// when no item encloses it nearby, or for other files.
pub fn context_lines<'a>(
    path: &str,
    text: impl Fn(usize) -> &'a str,
    line: usize,
) -> Vec<(usize, String)> {
    if !(path.ends_with(".yml") || path.ends_with(".yaml")) || line < 2 {
        return vec![];
    }
    let indent = |s: &str| s.len() - s.trim_start_matches(' ').len();
    let here = text(line);
    if here.trim_start().starts_with("- ") {
        return vec![];
    }
    let own = indent(here);
    let lowest = line.saturating_sub(8).max(1);
    for l in (lowest..line).rev() {
        let t = text(l);
        if t.trim().is_empty() {
            continue;
        }
        if t.trim_start().starts_with("- ") && indent(t) < own {
            return (l..line).map(|n| (n, text(n).to_string())).collect();
        }
        if indent(t) < own
            && !t.trim_end().ends_with(':')
            && !t.trim_end().ends_with('|')
            && !t.trim_end().ends_with('>')
        {
            // A sibling key at a lower level that is not a parent: not in one item.
            return vec![];
        }
    }
    vec![]
}

#[cfg(test)]
mod tests {
    use super::context_lines;

    #[test]
    fn context_starts_at_the_enclosing_step() {
        let src = "jobs:\n  a:\n    steps:\n      - name: Backup\n        run: |\n          echo start\n          backup || echo skipped\n";
        let lines: Vec<&str> = src.lines().collect();
        let text = |l: usize| lines.get(l - 1).copied().unwrap_or("");
        let c = context_lines("ci.yml", text, 7);
        assert_eq!(c.first().map(|x| x.0), Some(4));
        assert_eq!(c.last().map(|x| x.0), Some(6));
        assert!(context_lines("ci.yml", text, 4).is_empty(), "a step start");
        assert!(context_lines("ci.yml", text, 2).is_empty(), "no step above");
        assert!(context_lines("run.sh", text, 7).is_empty(), "not YAML");
    }
}
