//! The organisation summary (`--format org`, a Markdown page; `--format org-html`,
//! one self-contained HTML page): every repository in one table sorted by score,
//! worst first, then the worst findings across repositories (critical and high),
//! by rule (how many repositories and findings) and one by one. Made for many
//! repositories: nothing per repository beyond its row, so a page over thousands of
//! repositories stays small. Everything shown is in the `pipewise/report@1` data.

use super::{display_path, escape, severity_counts, RepoReport, Report, ReportFinding};
use crate::finding::Severity;
use std::collections::BTreeMap;
use std::fmt::Write;

/// At most this many findings are listed one by one (the by-rule table counts all).
pub const MAX_LISTED: usize = 50;

/// Repositories in summary order: audited ones by score, lowest first (ties by
/// root), then those where nothing was audited.
pub fn by_score(report: &Report) -> Vec<&RepoReport> {
    let mut rows: Vec<&RepoReport> = report.repositories.iter().collect();
    rows.sort_by(|a, b| {
        (a.files.is_empty(), a.scores.overall, &a.root).cmp(&(
            b.files.is_empty(),
            b.scores.overall,
            &b.root,
        ))
    });
    rows
}

/// The weakest applicable category of a repository (name and score).
fn weakest(r: &RepoReport) -> Option<(&str, f64)> {
    r.scores
        .categories
        .iter()
        .filter(|c| c.applicable)
        .min_by(|a, b| a.score.total_cmp(&b.score).then_with(|| a.id.cmp(&b.id)))
        .map(|c| (c.name.as_str(), c.score))
}

/// One row of the worst-rules table.
pub struct RuleRow<'a> {
    pub rule: &'a str,
    pub title: &'a str,
    pub severity: Severity,
    pub repositories: usize,
    pub findings: usize,
}

/// Critical and high findings by rule: most severe, then most repositories, then
/// most findings, then rule id.
pub fn worst_rules(report: &Report) -> Vec<RuleRow<'_>> {
    let mut by: BTreeMap<&str, RuleRow> = BTreeMap::new();
    for r in &report.repositories {
        let mut seen = std::collections::BTreeSet::new();
        for f in r.findings.iter().filter(|f| f.severity >= Severity::High) {
            let row = by.entry(f.rule.as_str()).or_insert_with(|| RuleRow {
                rule: &f.rule,
                // The rule's own title: a finding's title names its one case.
                title: report
                    .rules
                    .by_id(&f.rule)
                    .map_or(f.title.as_str(), |m| m.title),
                severity: f.severity,
                repositories: 0,
                findings: 0,
            });
            row.severity = row.severity.max(f.severity);
            row.findings += 1;
            if seen.insert(f.rule.as_str()) {
                row.repositories += 1;
            }
        }
    }
    let mut rows: Vec<RuleRow> = by.into_values().collect();
    rows.sort_by(|a, b| {
        (b.severity, b.repositories, b.findings, a.rule).cmp(&(
            a.severity,
            a.repositories,
            a.findings,
            b.rule,
        ))
    });
    rows
}

/// The critical and high findings across repositories, most severe first (then by
/// the repository's score, lowest first, then repository, file and line); at most
/// [`MAX_LISTED`], and how many there are in all.
pub fn worst_findings(report: &Report) -> (Vec<(&RepoReport, &ReportFinding)>, usize) {
    let mut all: Vec<(&RepoReport, &ReportFinding)> = report
        .repositories
        .iter()
        .flat_map(|r| r.findings.iter().map(move |f| (r, f)))
        .filter(|(_, f)| f.severity >= Severity::High)
        .collect();
    let total = all.len();
    all.sort_by(|(ra, a), (rb, b)| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| ra.scores.overall.cmp(&rb.scores.overall))
            .then_with(|| ra.root.cmp(&rb.root))
            .then_with(|| {
                (&a.file, a.line, a.column, &a.rule).cmp(&(&b.file, b.line, b.column, &b.rule))
            })
    });
    all.truncate(MAX_LISTED);
    (all, total)
}

/// A cell of a summary table, rendered by each format with its own escaping.
enum Cell {
    Code(String),
    Text(String),
    Severity(Severity),
    Score(u32),
    /// A text over several columns (a repository where nothing was audited).
    Span(String, usize),
}

/// A table of the summary: its heading, columns and rows (or the sentence shown
/// when it has none).
struct Table {
    id: &'static str,
    heading: String,
    columns: &'static [&'static str],
    rows: Vec<Vec<Cell>>,
    empty: &'static str,
}

/// The tables of the summary and its opening sentence.
fn tables(report: &Report) -> (String, Vec<Table>) {
    let rows = by_score(report);
    let audited: Vec<&&RepoReport> = rows.iter().filter(|r| !r.files.is_empty()).collect();
    let lead = format!(
        "{} repositories, {} audited{}.",
        rows.len(),
        audited.len(),
        match audited.len() {
            0 => String::new(),
            n => format!(
                "; mean score {}/100",
                audited
                    .iter()
                    .map(|r| r.scores.overall as usize)
                    .sum::<usize>()
                    / n
            ),
        }
    );
    let repos = rows
        .iter()
        .map(|r| {
            let mut cells = vec![Cell::Code(r.root.clone())];
            if r.files.is_empty() {
                cells.push(Cell::Span("no CI/CD files found".into(), 7));
            } else {
                let c = severity_counts(r.findings.iter());
                cells.extend([
                    Cell::Score(r.scores.overall),
                    Cell::Text(r.scores.grade.clone()),
                    Cell::Text(c[0].1.to_string()),
                    Cell::Text(c[1].1.to_string()),
                    Cell::Text(c[2].1.to_string()),
                    Cell::Text(r.findings.len().to_string()),
                    Cell::Text(weakest(r).map_or("-".into(), |(n, s)| format!("{n} ({s:.1})"))),
                ]);
            }
            cells.push(Cell::Text(r.errors.len().to_string()));
            cells
        })
        .collect();
    let rules = worst_rules(report)
        .into_iter()
        .map(|r| {
            vec![
                Cell::Code(r.rule.to_string()),
                Cell::Severity(r.severity),
                Cell::Text(r.repositories.to_string()),
                Cell::Text(r.findings.to_string()),
                Cell::Text(r.title.to_string()),
            ]
        })
        .collect();
    let (list, total) = worst_findings(report);
    let heading = format!("Worst findings ({} of {total})", list.len());
    let findings = list
        .into_iter()
        .map(|(r, f)| {
            vec![
                Cell::Severity(f.severity),
                Cell::Code(format!("{}:{}", display_path(&r.root, &f.file), f.line)),
                Cell::Code(f.rule.clone()),
                Cell::Text(f.message.clone()),
            ]
        })
        .collect();
    let tables = vec![
        Table {
            id: "repositories",
            heading: "Repositories by score (lowest first)".into(),
            columns: &[
                "Repository",
                "Score",
                "Grade",
                "Critical",
                "High",
                "Medium",
                "Findings",
                "Weakest category",
                "Errors",
            ],
            rows: repos,
            empty: "No repository.",
        },
        Table {
            id: "rules",
            heading: "Worst findings by rule (critical and high)".into(),
            columns: &["Rule", "Severity", "Repositories", "Findings", "What"],
            rows: rules,
            empty: "No critical or high finding in any repository.",
        },
        Table {
            id: "worst",
            heading,
            columns: &["Severity", "Location", "Rule", "Message"],
            rows: findings,
            empty: "No critical or high finding in any repository.",
        },
    ];
    (lead, tables)
}

/// The Markdown page.
pub fn markdown(report: &Report) -> String {
    let cell = |s: &str| escape::markdown(s).replace('|', "\\|");
    let (lead, tables) = tables(report);
    let mut o = format!("# CI/CD audit: organisation summary\n\n{lead}\n");
    for t in tables {
        let _ = write!(o, "\n## {}\n\n", t.heading);
        if t.rows.is_empty() {
            let _ = writeln!(o, "{}", t.empty);
            continue;
        }
        let _ = writeln!(
            o,
            "| {} |\n|{}",
            t.columns.join(" | "),
            "---|".repeat(t.columns.len())
        );
        for row in t.rows {
            let cells: Vec<String> = row
                .iter()
                .flat_map(|c| match c {
                    Cell::Code(s) => vec![format!("`{}`", cell(s))],
                    Cell::Text(s) => vec![cell(s)],
                    Cell::Severity(s) => vec![s.to_string()],
                    Cell::Score(n) => vec![n.to_string()],
                    Cell::Span(s, n) => {
                        let mut v = vec!["-".to_string(); n - 1];
                        v.push(cell(s));
                        v
                    }
                })
                .collect();
            let _ = writeln!(o, "| {} |", cells.join(" | "));
        }
    }
    escape::guard_commands(o)
}

/// The HTML page.
pub fn html(report: &Report, date: &str) -> String {
    use super::html::esc;
    let (lead, tables) = tables(report);
    let title = format!(
        "pipewise organisation summary: {} repositories",
        report.repositories.len()
    );
    let mut o = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<header><h1>{}</h1><p>{} · pipewise {}</p></header>\n<main>\n<p>{}</p>\n",
        esc(&title),
        super::html::CSS,
        esc(&title),
        esc(date),
        esc(&report.tool.version),
        esc(&lead)
    );
    for t in tables {
        let _ = write!(o, "<div class=\"card\"><h2>{}</h2>", esc(&t.heading));
        if t.rows.is_empty() {
            let _ = writeln!(o, "<p>{}</p></div>", esc(t.empty));
            continue;
        }
        let _ = write!(o, "<table class=\"cards\" id=\"{}\"><thead><tr>", t.id);
        for c in t.columns {
            let _ = write!(o, "<th>{}</th>", esc(c));
        }
        o.push_str("</tr></thead><tbody>");
        for row in t.rows {
            o.push_str("<tr>");
            for c in row {
                let _ = match c {
                    Cell::Code(s) => write!(o, "<td><code>{}</code></td>", esc(&s)),
                    Cell::Text(s) => write!(o, "<td>{}</td>", esc(&s)),
                    Cell::Severity(s) => write!(
                        o,
                        "<td><span class=\"sev sev-{}\">{s}</span></td>",
                        s.as_str()
                    ),
                    Cell::Score(n) => write!(
                        o,
                        "<td><span style=\"color:{};font-weight:600\">{n}</span>/100</td>",
                        super::html::score_colour(f64::from(n) / 100.0)
                    ),
                    Cell::Span(s, n) => write!(o, "<td colspan=\"{n}\">{}</td>", esc(&s)),
                };
            }
            o.push_str("</tr>");
        }
        o.push_str("</tbody></table></div>\n");
    }
    o.push_str("</main>\n</body>\n</html>\n");
    escape::guard_commands(o)
}

/// `--format org`: the Markdown organisation summary.
pub struct Org;

impl super::Renderer for Org {
    fn name(&self) -> &'static str {
        "org"
    }
    fn render(&self, report: &Report, _: &super::RenderOptions) -> String {
        markdown(report)
    }
}

/// `--format org-html`: the organisation summary as one HTML page.
pub struct OrgHtml;

impl super::Renderer for OrgHtml {
    fn name(&self) -> &'static str {
        "org-html"
    }
    fn render(&self, report: &Report, opts: &super::RenderOptions) -> String {
        html(report, &opts.date)
    }
}
