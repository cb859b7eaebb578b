//! The `pipewise/report@1` data model, serialized as JSON exactly as
//! `docs/report-schema.md` describes: everything a renderer shows, and the
//! renderers ([`render`]: one trait, one registry). Plain data in its own crate,
//! below everything that fills it (the `pipewise` engine: rules, analysis, scoring,
//! summary), which it does not depend on; the data computes nothing, and the
//! renderers compute nothing of their own.

pub mod economics;
pub mod expr;
pub mod finding;
pub mod render;
pub mod rule;
pub mod snippet;

use crate::finding::{Confidence, Fix, Severity};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The schema id of the data model, and of the JSON document with every finding's
/// rule metadata on the finding (`--report-schema 1`).
pub const SCHEMA: &str = "pipewise/report@1";
/// The same data with rule metadata once per rule in a `rules` table (the default
/// JSON output; `pipewise::report::json`).
pub const SCHEMA_V2: &str = "pipewise/report@2";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub tool: Tool,
    pub repositories: Vec<RepoReport>,
    /// The metadata of every rule (`pipewise::rules::table`), which renderers read
    /// instead of the rule registry. Not serialized: `@1` findings carry their
    /// rule's metadata, `@2` writes the `rules` table from it.
    #[serde(skip)]
    pub rules: rule::Rules,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Report {
    /// A report of these repositories with the rule metadata `rules`
    /// (`pipewise::report::new` passes the registry's).
    pub fn new(repositories: Vec<RepoReport>, rules: rule::Rules) -> Report {
        Report {
            rules,
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
    pub scores: Scores,
    pub errors: Vec<ReportError>,
    /// The workflows' structure (triggers, jobs, `needs`, `workflow_run` links),
    /// for dependency graphs and local reproduction commands.
    #[serde(default)]
    pub workflows: Vec<WorkflowSummary>,
    /// Secrets and variables referenced by workflows and actions: names only.
    #[serde(default)]
    pub secrets: Vec<SecretUse>,
    /// Findings grouped by rule, capability gaps, the plan, the status and the total
    /// effort (`pipewise::summary`): what the renderers show beyond the raw data.
    #[serde(default)]
    pub summary: Summary,
    /// Things the audit could do but that need a look: suppression comments that are
    /// malformed, name an unknown rule or suppress nothing, and what the repository's
    /// own config turns off (disabled rules, lowered severities, ignored paths).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ReportError>,
    /// Cost and speed: jobs per event, billable minutes, prices, critical paths and
    /// the optimisations that save the most (`pipewise::economics`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub economics: Option<crate::economics::Economics>,
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
    /// How many jobs its `strategy.matrix` runs (after `include` and `exclude`, at
    /// most 256): absent without a matrix, `0` when the matrix is computed at run
    /// time (`fromJSON(…)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matrix: Option<usize>,
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
    /// Decided by a setting pipewise cannot see (push protection, environment
    /// reviewers) and not given with `--settings`: no credit and no deduction.
    Unknown,
}

/// A file and line that shows a capability (or why it is only partial).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Evidence {
    pub file: String,
    pub line: usize,
    pub note: String,
}

/// A ready-to-commit file that adds a missing capability.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Template {
    pub path: String,
    pub content: String,
    /// When `path` exists: the unified diff that adds the template's jobs the file
    /// lacks (the minimal change), instead of the whole file. Absent when the file
    /// does not exist, or when no job can be added without clashing with one it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// One capability id's verdict for a repository.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Capability {
    pub id: String,
    /// The capability's name (`Linting`), practice (what the industry standard is)
    /// and scoring category id, and whether it is optional (a bonus when present,
    /// no points lost when missing): its metadata, so that no renderer looks it up
    /// by id (added within `@1` and `@2`; a report written before is completed when
    /// read, see `pipewise::analysis::capabilities::describe`).
    #[serde(default)]
    pub name: Cow<'static, str>,
    #[serde(default)]
    pub practice: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "str::is_empty")]
    pub category: Cow<'static, str>,
    #[serde(default)]
    pub optional: bool,
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
    /// `partialFingerprints`); see `pipewise::baseline`.
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

/// The scores of one repository (`scores` in `pipewise/report@1`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// 0 to 100.
    pub overall: u32,
    pub grade: String,
    /// Why the repository is not scored (`no supported CI found: …`); `overall` is
    /// then 0 and `grade` is `n/a`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unscored: Option<String>,
    pub categories: Vec<CategoryScore>,
    pub workflows: Vec<WorkflowScore>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryScore {
    pub id: String,
    pub name: String,
    /// 0.0 to 10.0, one decimal.
    pub score: f64,
    /// The nominal weight from scoring.md (0.20, ...).
    pub weight: f64,
    /// The weight this category has in `overall` after inapplicable categories are
    /// left out (0 when not applicable).
    pub effective_weight: f64,
    pub applicable: bool,
    /// What took points away, largest first.
    pub deductions: Vec<Deduction>,
}

/// One reason a category lost points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deduction {
    /// `capability`, `finding`, or `bonus` (an optional capability that is in place:
    /// negative points, given back).
    pub kind: String,
    /// The capability id or the rule id.
    pub id: String,
    /// Points out of 10 taken away; a category's deductions add up to 10 minus its
    /// score (up to rounding).
    pub points: f64,
    /// What it costs the overall score (points out of 100): `points` times the
    /// category's effective weight times 10.
    #[serde(default)]
    pub overall_points: f64,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowScore {
    pub file: String,
    /// 0 to 100.
    pub score: u32,
    /// `excellent`, `good`, `needs-work` or `poor`.
    pub status: String,
    /// Findings in this workflow by severity (critical, high, medium, low, info).
    pub findings: BTreeMap<String, usize>,
}

/// What the renderers show beyond findings and capabilities, computed once by
/// `pipewise::summary` from the findings, capabilities and scores (`summary` in
/// `pipewise/report@1`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    /// The overall score on the per-workflow scale: `excellent`, `good`,
    /// `needs-work` or `poor`.
    pub status: String,
    /// Findings grouped by rule, most severe first, then the most frequent.
    pub groups: Vec<FindingGroup>,
    /// Missing and partial capabilities, highest priority first.
    pub gaps: Vec<Gap>,
    /// The action plan: phases by theme, most urgent first.
    pub plan: Vec<PlanPhase>,
    /// Every group and gap once (bulk fixes counted once).
    pub effort_minutes: u32,
    /// Each applicable scoring category: ready, needs work or blocking.
    #[serde(default)]
    pub readiness: Vec<Readiness>,
}

/// How ready one area (a scoring category) is: `blocking` when it has a critical
/// or high finding or a high-priority gap, `ready` at 8.0/10 or more, else
/// `needs-work`; `why` names the first reason.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Readiness {
    pub category: String,
    pub name: String,
    pub score: f64,
    pub status: String,
    pub why: String,
}

/// Every finding of one rule: one entry, one bulk fix.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FindingGroup {
    pub rule: String,
    pub title: String,
    /// The most severe of its findings.
    pub severity: Severity,
    pub category: String,
    /// Findings (locations) and distinct files.
    pub count: usize,
    pub files: usize,
    /// The bulk fix: the first occurrence's effort, a fifth of it per further one.
    pub effort_minutes: u32,
    /// The fix, as the first finding states it.
    pub fix: String,
    /// The command that applies it at every location, when `pipewise fix` has a
    /// fixer for the rule (`pipewise fix [--unsafe] --rule RULE`; docs/fix.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The code-block language of the first finding's fix snippet, which the
    /// Markdown report shows for the group, decided by the engine
    /// (`pipewise::summary::fix_snippet_lang`): the file's language when the snippet
    /// is written in it, else what the snippet parses as. Not in the JSON: the
    /// summary is computed again from the findings wherever it is read back
    /// (`pipewise merge`).
    #[serde(skip)]
    pub fix_lang: snippet::CodeLang,
}

/// A missing or partial capability with its plan priority and effort.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Gap {
    pub id: String,
    pub name: String,
    pub status: CapabilityStatus,
    pub priority: Severity,
    pub category: String,
    pub effort_minutes: u32,
}

/// One phase of the action plan: a theme with its goal, what it fixes and adds,
/// what it builds on, and its effort.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PlanPhase {
    /// A category id, or `polish` for low and info findings.
    pub theme: String,
    pub title: String,
    pub goal: String,
    pub priority: Severity,
    pub effort_minutes: u32,
    /// Rule ids of the finding groups it fixes.
    pub rules: Vec<String>,
    /// Capability ids it adds or completes.
    pub capabilities: Vec<String>,
    /// Themes of earlier phases it builds on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

impl Default for PlanPhase {
    fn default() -> Self {
        PlanPhase {
            theme: String::new(),
            title: String::new(),
            goal: String::new(),
            priority: Severity::Info,
            effort_minutes: 0,
            rules: vec![],
            capabilities: vec![],
            depends_on: vec![],
        }
    }
}
