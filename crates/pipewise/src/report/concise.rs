//! `--format concise`: one line per finding, `path:line:col: severity rule message`,
//! most severe first (then by file and position), for editors, `grep` and quick
//! triage. File errors are lines too (`path:line:1: error file-error message`).
//! Every field is escaped ([`super::escape::text`]), so each finding is exactly one
//! line.

use super::escape::text;
use super::{Renderer, Report};
use crate::finding::Severity;

/// The `--format concise` renderer.
pub struct Concise;

impl Renderer for Concise {
    fn shows_inventory(&self) -> bool {
        false
    }
    fn name(&self) -> &'static str {
        "concise"
    }
    fn render(&self, report: &Report, _opts: &super::RenderOptions) -> String {
        render(report)
    }
}

pub fn render(report: &Report) -> String {
    let multi = report.repositories.len() > 1;
    let mut lines: Vec<(u8, String, usize, usize, String)> = vec![];
    for repo in &report.repositories {
        let path = |file: &str| {
            if multi {
                format!("{}/{}", text(repo.root.trim_end_matches('/')), text(file))
            } else {
                text(file).into_owned()
            }
        };
        for e in &repo.errors {
            let p = path(&e.file);
            let l = format!(
                "{p}:{}:1: error file-error {}",
                e.line.max(1),
                text(&e.message)
            );
            lines.push((0, p, e.line, 1, l));
        }
        for f in &repo.findings {
            let p = path(&f.file);
            let l = format!(
                "{p}:{}:{}: {} {} {}",
                f.line.max(1),
                f.column.max(1),
                f.severity,
                f.rule,
                text(&f.message)
            );
            // Most severe first: rank 0 is a file error, then critical (1) to info.
            let rank = 1 + Severity::ALL
                .iter()
                .position(|s| *s == f.severity)
                .unwrap_or(4) as u8;
            lines.push((rank, p, f.line, f.column, l));
        }
    }
    lines.sort_by(|a, b| (a.0, &a.1, a.2, a.3).cmp(&(b.0, &b.1, b.2, b.3)));
    let mut out = String::new();
    for (_, _, _, _, l) in lines {
        out.push_str(&l);
        out.push('\n');
    }
    super::escape::guard_commands(out)
}
