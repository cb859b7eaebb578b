//! GitHub Actions workflow commands (`::error file=…,line=…::message`), so findings
//! show up as annotations on the pull request.

use super::Report;
use crate::finding::Severity;

use super::escape::{github_data as escape_data, github_prop as escape_prop};

pub fn render(report: &Report) -> String {
    super::stream::render(&Github, &report.repositories)
}

/// One repository's annotations.
fn repository(repo: &super::RepoReport) -> String {
    let mut out = String::new();
    for f in &repo.findings {
        let level = match f.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "notice",
        };
        out.push_str(&format!(
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_prop(&super::display_path(&repo.root, &f.file)),
            f.line,
            f.column,
            f.end_line,
            f.end_column,
            escape_prop(&format!("{} ({})", f.title, f.rule)),
            escape_data(&format!("[{}] {}", f.severity, f.message))
        ));
    }
    let errors = repo
        .errors
        .iter()
        .map(|e| ("error", "pipewise could not read this file", e));
    let warnings = repo.warnings.iter().map(|w| ("warning", "pipewise", w));
    for (level, title, e) in errors.chain(warnings) {
        out.push_str(&format!(
            "::{level} file={},line={},title={}::{}\n",
            escape_prop(&super::display_path(&repo.root, &e.file)),
            e.line.max(1),
            escape_prop(title),
            escape_data(&e.message)
        ));
    }
    out
}

/// Annotations are independent lines: no head, no tail.
impl super::stream::Stream for Github {
    type Part = String;
    type Acc = ();
    const SPILL: bool = false;
    fn part(&self, r: &super::RepoReport) -> String {
        repository(r)
    }
    fn write(
        &self,
        _: &mut (),
        part: String,
        body: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        body.write_all(part.as_bytes())
    }
    fn head(&self, _: &()) -> Vec<u8> {
        vec![]
    }
    fn tail(&self, _: &()) -> Vec<u8> {
        vec![]
    }
}

/// The `--format github` renderer.
pub struct Github;

impl super::Renderer for Github {
    fn shows_inventory(&self) -> bool {
        false
    }
    fn name(&self) -> &'static str {
        "github"
    }
    fn extensions(&self) -> &'static [&'static str] {
        &[]
    }
    fn render(&self, report: &Report, _opts: &super::RenderOptions) -> String {
        render(report)
    }
}
