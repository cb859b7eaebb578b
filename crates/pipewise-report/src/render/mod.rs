//! The audit report's renderers (one trait, one registry) and the escaping policy
//! they share. They read the `pipewise/report@1` data of this crate and nothing of
//! the engine (`pipewise`), which this crate does not depend on.

pub mod checkstyle;
pub mod concise;
pub mod economics;
pub mod escape;
pub mod github;
pub mod gitlab;
pub mod graph;
pub mod html;
pub mod json;
mod json_ser;
pub mod markdown;
pub mod org;
pub mod plain;
pub mod sarif;
pub mod stream;

use crate::finding::Severity;

/// The data model (this crate's root), as `super::RepoReport` and friends.
use crate::*;

/// Render-time settings shared by every renderer.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Colour for a terminal (plain, concise).
    pub colour: bool,
    /// The report date, `YYYY-MM-DD` (Markdown, HTML).
    pub date: String,
    /// Wrap lines to this many columns (plain); `None` leaves them as they are.
    pub width: Option<usize>,
    /// The absolute directory that repository roots are relative to (SARIF
    /// `originalUriBaseIds`); `None` leaves it out.
    pub base: Option<std::path::PathBuf>,
    /// The JSON document's schema (`--report-schema`): `@2` unless asked for `@1`.
    pub report_schema: json::Schema,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            colour: false,
            date: markdown::report_date(None),
            width: None,
            base: None,
            report_schema: json::Schema::default(),
        }
    }
}

/// An output format. A renderer shows the report data and computes nothing of its
/// own: everything it shows is in the `pipewise/report@1` data. Every string from
/// the audited repository goes through [`escape`].
pub trait Renderer: Sync {
    /// The `--format` name.
    fn name(&self) -> &'static str;
    /// Output file extensions that select this format when `--format` is not given.
    fn extensions(&self) -> &'static [&'static str] {
        &[]
    }
    fn render(&self, report: &Report, opts: &RenderOptions) -> String;
    /// Whether the output shows the workflow inventory (`workflows`, `secrets`,
    /// `deploy_paths`). Formats that do not let the CLI drop it as soon as each
    /// repository is audited: it is most of a report's memory, and these formats keep
    /// every repository until the end (a test checks the output is the same).
    fn shows_inventory(&self) -> bool {
        true
    }
}

/// Releases what a renderer that does not show the inventory never reads.
pub fn drop_inventory(r: &mut RepoReport) {
    r.workflows = Vec::new();
    r.secrets = Vec::new();
    r.deploy_paths = Vec::new();
}

/// Every output format, in `--help` order. Adding a format is a renderer file and
/// one line here.
pub static RENDERERS: &[&dyn Renderer] = &[
    &plain::Plain,
    &concise::Concise,
    &json::Json,
    &sarif::Sarif,
    &github::Github,
    &gitlab::Gitlab,
    &checkstyle::Checkstyle,
    &markdown::Markdown,
    &html::Html,
    &org::Org,
    &org::OrgHtml,
];

/// The renderer called `name`.
pub fn renderer(name: &str) -> Option<&'static dyn Renderer> {
    RENDERERS.iter().copied().find(|r| r.name() == name)
}

/// The renderer whose extension `path` has (`report.sarif` → SARIF).
pub fn renderer_for_path(path: &std::path::Path) -> Option<&'static dyn Renderer> {
    let ext = path.extension()?.to_str()?;
    RENDERERS
        .iter()
        .copied()
        .find(|r| r.extensions().iter().any(|e| e.eq_ignore_ascii_case(ext)))
}

/// A deduction's cost as the reports show it: `−0.50 (−1.0 overall)`, or
/// `+0.50 (+1.0 overall)` for the bonus of an optional capability.
pub fn deduction_cost(d: &Deduction) -> String {
    let sign = |x: f64| if x < 0.0 { '+' } else { '−' };
    format!(
        "{}{:.2} ({}{:.1} overall)",
        sign(d.points),
        d.points.abs(),
        sign(d.overall_points),
        d.overall_points.abs()
    )
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
