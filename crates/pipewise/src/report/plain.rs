//! Plain terminal output: rustc-style snippets (colour on a terminal), then a
//! summary line of counts by severity.

use super::escape::text as esc;
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
        format!("{}/{}", esc(root.trim_end_matches('/')), esc(&f.file))
    } else {
        esc(&f.file).into_owned()
    };
    out.push_str(&format!(
        "{}{} {}\n",
        p.sev(f.severity, &format!("{}[{}]", f.severity, f.rule)),
        p.bold(":"),
        p.bold(&esc(&f.title))
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
                esc(text.trim_end())
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
                    p.sev(f.severity, &esc(&f.message))
                ));
            }
        }
    } else {
        out.push_str(&format!("{pad} {} {}\n", p.blue("="), esc(&f.message)));
    }
    let loc = |j: &Option<String>, s: &Option<String>| match (j, s) {
        (Some(j), Some(s)) => Some(format!("job `{}`, step `{}`", esc(j), esc(s))),
        (Some(j), None) => Some(format!("job `{}`", esc(j))),
        (None, Some(s)) => Some(format!("step `{}`", esc(s))),
        _ => None,
    };
    if let Some(l) = loc(&f.job, &f.step) {
        out.push_str(&format!("{pad} {} in {l}\n", p.blue("=")));
    }
    for r in &f.related {
        out.push_str(&format!(
            "{pad} {} {}: {}:{}:{}\n",
            p.blue("="),
            esc(&r.message),
            esc(&r.file),
            r.line,
            r.column
        ));
    }
    out.push_str(&format!(
        "{pad} {} impact: {}\n",
        p.blue("="),
        esc(&f.impact)
    ));
    out.push_str(&format!(
        "{pad} {} fix: {} (~{} min)\n\n",
        p.blue("="),
        esc(&f.fix.description),
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
                format!("{}/{}", esc(repo.root.trim_end_matches('/')), esc(&e.file))
            } else {
                esc(&e.file).into_owned()
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
                esc(&e.message)
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
    scorecard(&mut out, &p, report);
    super::escape::guard_commands(out)
}

/// The three most useful next actions: the fixes of the most severe findings (one per
/// rule), then the highest-priority missing capabilities.
fn top_actions(repo: &super::RepoReport) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    let mut rules: Vec<&str> = vec![];
    let mut by_sev: Vec<&ReportFinding> = repo.findings.iter().collect();
    by_sev.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in by_sev {
        if out.len() == 3 {
            return out;
        }
        if f.severity < Severity::Medium || rules.contains(&f.rule.as_str()) {
            continue;
        }
        rules.push(&f.rule);
        let n = repo.findings.iter().filter(|g| g.rule == f.rule).count();
        out.push(format!(
            "[{}] {} ({}:{}{})",
            f.severity,
            esc(f.fix.description.trim()),
            esc(&f.file),
            f.line,
            if n > 1 {
                format!(" and {} more", n - 1)
            } else {
                String::new()
            }
        ));
    }
    let mut gaps: Vec<&super::Capability> = repo
        .capabilities
        .iter()
        .filter(|c| c.status == super::CapabilityStatus::Missing)
        .collect();
    gaps.sort_by(|a, b| {
        super::markdown::capability_priority(b)
            .cmp(&super::markdown::capability_priority(a))
            .then_with(|| a.id.cmp(&b.id))
    });
    for c in gaps {
        if out.len() == 3 {
            break;
        }
        out.push(format!(
            "[capability] add {} ({})",
            super::markdown::capability_info(&c.id).0.to_lowercase(),
            c.id
        ));
    }
    out
}

fn scorecard(out: &mut String, p: &Paint, report: &Report) {
    let grade_code = |score: u32| match score {
        85.. => "1;32",
        70.. => "1;33",
        _ => "1;31",
    };
    if let [repo] = report.repositories.as_slice() {
        let s = &repo.scores;
        out.push_str(&format!(
            "\n{} {} (grade {})\n",
            p.bold("score:"),
            p.wrap(grade_code(s.overall), &format!("{}/100", s.overall)),
            s.grade
        ));
        for c in s.categories.iter().filter(|c| c.applicable) {
            let filled = (c.score.round() as usize).min(10);
            out.push_str(&format!(
                "  {:<28} {:>4.1}/10 {}{}\n",
                c.name,
                c.score,
                p.wrap(grade_code((c.score * 10.0) as u32), &"#".repeat(filled)),
                ".".repeat(10 - filled)
            ));
        }
        let actions = top_actions(repo);
        if !actions.is_empty() {
            out.push_str(&format!("{}\n", p.bold("top actions:")));
            for (i, a) in actions.iter().enumerate() {
                out.push_str(&format!("  {}. {a}\n", i + 1));
            }
        }
        return;
    }
    let mut rows: Vec<&super::RepoReport> = report.repositories.iter().collect();
    rows.sort_by(|a, b| {
        b.scores
            .overall
            .cmp(&a.scores.overall)
            .then_with(|| a.root.cmp(&b.root))
    });
    let width = rows
        .iter()
        .map(|r| esc(&r.root).chars().count())
        .max()
        .unwrap_or(10)
        .max(10);
    out.push_str(&format!(
        "\n{}\n  {:<width$}  {:>5}  {:<5}  {:>8}  {:>4}  {:>6}\n",
        p.bold("repositories by score:"),
        "repository",
        "score",
        "grade",
        "critical",
        "high",
        "total"
    ));
    for r in rows {
        let counts = severity_counts(r.findings.iter());
        out.push_str(&format!(
            "  {:<width$}  {:>5}  {:<5}  {:>8}  {:>4}  {:>6}\n",
            esc(&r.root),
            p.wrap(
                grade_code(r.scores.overall),
                &format!("{:>5}", r.scores.overall)
            ),
            r.scores.grade,
            counts[0].1,
            counts[1].1,
            r.findings.len()
        ));
    }
}

/// The `--format plain` renderer.
pub struct Plain;

impl super::Renderer for Plain {
    fn name(&self) -> &'static str {
        "plain"
    }
    fn extensions(&self) -> &'static [&'static str] {
        &[]
    }
    fn render(&self, report: &Report, opts: &super::RenderOptions) -> String {
        render(report, opts.colour)
    }
}
