//! The audit report's renderers (one trait, one registry) and the escaping policy
//! they share. The `pipewise/report@1` data they render is [`crate::schema`].

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

/// The data model lives in [`crate::schema`] (below scoring and the renderers);
/// re-exported here so `report::RepoReport` and friends keep their paths.
pub use crate::schema::*;

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

    /// A renderer that says it does not show the inventory gives the same bytes
    /// without it.
    #[test]
    fn renderers_without_the_inventory_do_not_read_it() {
        let demo =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo-repo");
        let r = crate::audit::audit_path(&demo, None).expect("demo audits");
        assert!(!r.workflows.is_empty() && !r.secrets.is_empty());
        let mut slim = r.clone();
        super::drop_inventory(&mut slim);
        let (full, slim) = (
            super::Report::new(vec![r], crate::rules::table()),
            super::Report::new(vec![slim], crate::rules::table()),
        );
        let opts = super::RenderOptions::default();
        let mut without = 0;
        for f in super::RENDERERS.iter().filter(|f| !f.shows_inventory()) {
            assert_eq!(
                f.render(&full, &opts),
                f.render(&slim, &opts),
                "{}",
                f.name()
            );
            without += 1;
        }
        assert!(without >= 5, "plain, sarif, concise, github, gitlab");
    }

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
