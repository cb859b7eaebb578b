//! Plain terminal output: rustc-style snippets (colour on a terminal), then a
//! summary line of counts by severity.

use super::{severity_counts, Report, ReportFinding};
use crate::finding::Severity;

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn sev(&self, sev: Severity, s: &str) -> String {
        let code = match sev {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "1;33",
            Severity::Low => "1;36",
            Severity::Info => "1;37",
        };
        self.wrap(code, s)
    }
    fn blue(&self, s: &str) -> String {
        self.wrap("1;34", s)
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
}

fn finding(out: &mut String, p: &Paint, root: &str, multi: bool, f: &ReportFinding) {
    let path = if multi {
        format!("{}/{}", root.trim_end_matches('/'), f.file)
    } else {
        f.file.clone()
    };
    out.push_str(&format!(
        "{}{} {}\n",
        p.sev(f.severity, &format!("{}[{}]", f.severity, f.rule)),
        p.bold(":"),
        p.bold(&f.title)
    ));
    let width = f
        .snippet
        .last()
        .map(|(l, _)| l.to_string().len())
        .unwrap_or(1);
    let pad = " ".repeat(width);
    out.push_str(&format!(
        "{pad}{} {path}:{}:{}\n",
        p.blue("-->"),
        f.line,
        f.column
    ));
    if !f.snippet.is_empty() {
        out.push_str(&format!("{pad} {}\n", p.blue("|")));
        for (i, (n, text)) in f.snippet.iter().enumerate() {
            out.push_str(&format!(
                "{} {} {}\n",
                p.blue(&format!("{n:>width$}")),
                p.blue("|"),
                text.trim_end()
            ));
            if i == 0 {
                let start = f.column.saturating_sub(1);
                let len = if f.end_line == f.line {
                    f.end_column.saturating_sub(f.column).max(1)
                } else {
                    text.chars().count().saturating_sub(start).max(1)
                };
                out.push_str(&format!(
                    "{pad} {} {}{} {}\n",
                    p.blue("|"),
                    " ".repeat(start),
                    p.sev(f.severity, &"^".repeat(len.min(120))),
                    p.sev(f.severity, &f.message)
                ));
            }
        }
    } else {
        out.push_str(&format!("{pad} {} {}\n", p.blue("="), f.message));
    }
    let loc = |j: &Option<String>, s: &Option<String>| match (j, s) {
        (Some(j), Some(s)) => Some(format!("job `{j}`, step `{s}`")),
        (Some(j), None) => Some(format!("job `{j}`")),
        (None, Some(s)) => Some(format!("step `{s}`")),
        _ => None,
    };
    if let Some(l) = loc(&f.job, &f.step) {
        out.push_str(&format!("{pad} {} in {l}\n", p.blue("=")));
    }
    for r in &f.related {
        out.push_str(&format!(
            "{pad} {} {}: {}:{}:{}\n",
            p.blue("="),
            r.message,
            r.file,
            r.line,
            r.column
        ));
    }
    out.push_str(&format!("{pad} {} impact: {}\n", p.blue("="), f.impact));
    out.push_str(&format!(
        "{pad} {} fix: {} (~{} min)\n\n",
        p.blue("="),
        f.fix.description,
        f.fix.effort_minutes
    ));
}

pub fn render(report: &Report, colour: bool) -> String {
    let p = Paint { on: colour };
    let mut out = String::new();
    let multi = report.repositories.len() > 1;
    for repo in &report.repositories {
        for e in &repo.errors {
            let path = if multi {
                format!("{}/{}", repo.root.trim_end_matches('/'), e.file)
            } else {
                e.file.clone()
            };
            let loc = if e.line > 0 {
                format!("{path}:{}", e.line)
            } else {
                path
            };
            out.push_str(&format!(
                "{}{} {}: {}\n\n",
                p.wrap("1;31", "error"),
                p.bold(":"),
                loc,
                e.message
            ));
        }
        for f in &repo.findings {
            finding(&mut out, &p, &repo.root, multi, f);
        }
    }
    let counts = severity_counts(report.findings());
    let total: usize = counts.iter().map(|c| c.1).sum();
    let errors: usize = report.repositories.iter().map(|r| r.errors.len()).sum();
    let files: usize = report.repositories.iter().map(|r| r.files.len()).sum();
    let parts: Vec<String> = counts
        .iter()
        .map(|(s, n)| p.sev(*s, &format!("{n} {s}")))
        .collect();
    out.push_str(&format!(
        "{} {} finding{} ({}) in {} file{} across {} repositor{}; {} file error{}\n",
        p.bold("pipewise:"),
        total,
        if total == 1 { "" } else { "s" },
        parts.join(", "),
        files,
        if files == 1 { "" } else { "s" },
        report.repositories.len(),
        if report.repositories.len() == 1 {
            "y"
        } else {
            "ies"
        },
        errors,
        if errors == 1 { "" } else { "s" },
    ));
    out
}
