//! Plain terminal output: rustc-style snippets (colour on a terminal), then a
//! summary line of counts by severity.

use super::escape::text as esc;
use super::stream::Row;
use super::{Report, ReportFinding};
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

/// `text` wrapped at word boundaries so that, after a prefix `used` columns wide,
/// no line is wider than `cols`; continuation lines start with `cont` (`cont_width`
/// columns wide). Unchanged without a width.
fn fit(text: &str, used: usize, cols: Option<usize>, cont: &str, cont_width: usize) -> String {
    let Some(cols) = cols else {
        return text.to_string();
    };
    let mut out = String::with_capacity(text.len() + 16);
    let mut room = cols.saturating_sub(used).max(20);
    let mut at = 0usize;
    for word in text.split(' ') {
        let w = word.chars().count();
        if at > 0 && at + 1 + w > room {
            out.push('\n');
            out.push_str(cont);
            room = cols.saturating_sub(cont_width).max(20);
            at = 0;
        } else if at > 0 {
            out.push(' ');
            at += 1;
        }
        out.push_str(word);
        at += w;
    }
    out
}

/// A quoted source line cut to `cols` columns after a prefix `used` wide.
fn cut(text: &str, used: usize, cols: Option<usize>) -> String {
    match cols {
        Some(c) if text.chars().count() + used > c => {
            let keep = c.saturating_sub(used + 1).max(10);
            let mut s: String = text.chars().take(keep).collect();
            s.push('…');
            s
        }
        _ => text.to_string(),
    }
}

fn finding(out: &mut String, p: &Paint, root: &str, f: &ReportFinding, cols: Option<usize>) {
    let path = esc(&super::display_path(root, &f.file)).into_owned();
    let head = format!("{}[{}]", f.severity, f.rule);
    let used = head.chars().count() + 2;
    out.push_str(&format!(
        "{}{} {}\n",
        p.sev(f.severity, &head),
        p.bold(":"),
        p.bold(&fit(&esc(&f.title), used, cols, "  ", 2))
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
                cut(&esc(text.trim_end()), width + 3, cols)
            ));
            if i == 0 {
                let start = crate::snippet::snippet_caret(text, f.column);
                let len = if f.end_line == f.line {
                    f.end_column.saturating_sub(f.column).max(1)
                } else {
                    text.chars().count().saturating_sub(start).max(1)
                };
                let len = len.min(120);
                let message = esc(&f.message);
                let used = width + 3 + start + len + 1;
                if cols.is_some_and(|c| used + message.chars().count() > c) {
                    // Too wide after the carets: the message goes below, wrapped.
                    out.push_str(&format!(
                        "{pad} {} {}{}\n",
                        p.blue("|"),
                        " ".repeat(start.min(cols.unwrap_or(0) / 2)),
                        p.sev(f.severity, &"^".repeat(len))
                    ));
                    note(out, p, &pad, &message, cols);
                } else {
                    out.push_str(&format!(
                        "{pad} {} {}{} {}\n",
                        p.blue("|"),
                        " ".repeat(start),
                        p.sev(f.severity, &"^".repeat(len)),
                        p.sev(f.severity, &message)
                    ));
                }
            }
        }
    } else {
        note(out, p, &pad, &esc(&f.message), cols);
    }
    let loc = |j: &Option<String>, s: &Option<String>| match (j, s) {
        (Some(j), Some(s)) => Some(format!("job `{}`, step `{}`", esc(j), esc(s))),
        (Some(j), None) => Some(format!("job `{}`", esc(j))),
        (None, Some(s)) => Some(format!("step `{}`", esc(s))),
        _ => None,
    };
    if let Some(l) = loc(&f.job, &f.step) {
        note(out, p, &pad, &format!("in {l}"), cols);
    }
    for r in &f.related {
        note(
            out,
            p,
            &pad,
            &format!(
                "{}: {}:{}:{}",
                esc(&r.message),
                esc(&r.file),
                r.line,
                r.column
            ),
            cols,
        );
    }
    note(out, p, &pad, &format!("impact: {}", esc(&f.impact)), cols);
    note(
        out,
        p,
        &pad,
        &format!(
            "fix: {} (~{} min)",
            esc(&f.fix.description),
            f.fix.effort_minutes
        ),
        cols,
    );
    out.push('\n');
}

/// One `= text` line under a finding, wrapped to the width.
fn note(out: &mut String, p: &Paint, pad: &str, text: &str, cols: Option<usize>) {
    let used = pad.len() + 3;
    let cont = format!("{pad}   ");
    out.push_str(&format!(
        "{pad} {} {}\n",
        p.blue("="),
        fit(text, used, cols, &cont, used)
    ));
}

pub fn render(report: &Report, colour: bool) -> String {
    render_with(report, colour, None)
}

/// The plain report: the summary first (counts, scorecard, top actions), then file
/// errors and findings, most severe first, then the counts again; lines wrapped to
/// `cols` columns when given.
pub fn render_with(report: &Report, colour: bool, cols: Option<usize>) -> String {
    let s = PlainStream::new(colour, cols, report.repositories.len() > 1);
    super::stream::render(&s, &report.repositories)
}

/// The plain report written repository by repository (see [`super::stream`]): the
/// head (totals and scorecard) needs every repository, so the bodies wait.
pub struct PlainStream {
    p: Paint,
    cols: Option<usize>,
    multi: bool,
}

impl PlainStream {
    /// `multi`: the report has more than one repository (a table of scores instead
    /// of one repository's scorecard).
    pub fn new(colour: bool, cols: Option<usize>, multi: bool) -> Self {
        PlainStream {
            p: Paint { on: colour },
            cols,
            multi,
        }
    }
}

/// The rows of every repository written, and the one repository of a single-repository
/// report (its scorecard shows more; the findings are not kept).
#[derive(Default)]
pub struct Kept {
    rows: Vec<Row>,
    single: Option<super::RepoReport>,
}

impl super::stream::Stream for PlainStream {
    type Part = (String, Row, Option<super::RepoReport>);
    type Acc = Kept;
    const SPILL: bool = true;

    fn part(&self, repo: &super::RepoReport) -> Self::Part {
        let (p, cols) = (&self.p, self.cols);
        let mut out = String::new();
        for (label, code, list) in [
            ("error", "1;31", &repo.errors),
            ("warning", "1;33", &repo.warnings),
        ] {
            for e in list {
                let path = esc(&super::display_path(&repo.root, &e.file)).into_owned();
                let loc = if e.line > 0 {
                    format!("{path}:{}", e.line)
                } else {
                    path
                };
                out.push_str(&format!(
                    "{}{} {}: {}\n\n",
                    p.wrap(code, label),
                    p.bold(":"),
                    loc,
                    fit(&esc(&e.message), 10 + loc.chars().count(), cols, "  ", 2)
                ));
            }
        }
        let mut sorted: Vec<&ReportFinding> = repo.findings.iter().collect();
        sorted.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.file.cmp(&b.file))
                .then(a.line.cmp(&b.line))
                .then(a.column.cmp(&b.column))
        });
        for f in sorted {
            finding(&mut out, p, &repo.root, f, cols);
        }
        let row = Row::of(repo);
        // A single repository's scorecard reads its scores, summary and economics.
        let single = (!self.multi).then(|| super::RepoReport {
            root: repo.root.clone(),
            files: repo.files.clone(),
            scores: repo.scores.clone(),
            summary: repo.summary.clone(),
            economics: repo.economics.clone(),
            ..Default::default()
        });
        (super::escape::guard_commands(out), row, single)
    }

    fn write(
        &self,
        acc: &mut Kept,
        (body, row, single): Self::Part,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        acc.rows.push(row);
        acc.single = single;
        out.write_all(body.as_bytes())
    }

    fn head(&self, acc: &Kept) -> Vec<u8> {
        let mut out = totals(&self.p, &acc.rows, self.cols);
        scorecard(&mut out, &self.p, acc, self.cols);
        out.push('\n');
        super::escape::guard_commands(out).into_bytes()
    }

    fn tail(&self, acc: &Kept) -> Vec<u8> {
        super::escape::guard_commands(totals(&self.p, &acc.rows, self.cols)).into_bytes()
    }
}

/// `pipewise: N findings (…) in F files across R repositories; E file errors`,
/// wrapped to the width.
fn totals(p: &Paint, rows: &[Row], cols: Option<usize>) -> String {
    let mut counts = Severity::ALL.map(|s| (s, 0usize));
    for r in rows {
        for (c, (_, n)) in counts.iter_mut().zip(r.counts) {
            c.1 += n;
        }
    }
    let total: usize = counts.iter().map(|c| c.1).sum();
    let errors: usize = rows.iter().map(|r| r.errors).sum();
    let files: usize = rows.iter().map(|r| r.files).sum();
    let parts: Vec<String> = counts
        .iter()
        .map(|(s, n)| p.sev(*s, &format!("{n} {s}")))
        .collect();
    let line = format!(
        "{} {} finding{} ({}) in {} file{} across {} repositor{}; {} file error{}",
        p.bold("pipewise:"),
        total,
        if total == 1 { "" } else { "s" },
        parts.join(", "),
        files,
        if files == 1 { "" } else { "s" },
        rows.len(),
        if rows.len() == 1 { "y" } else { "ies" },
        errors,
        if errors == 1 { "" } else { "s" },
    );
    fit(&line, 0, cols, "  ", 2) + "\n"
}

/// The three most useful next actions, from the report's summary: the bulk fixes
/// of the most severe rules (medium and above), then the highest-priority gaps.
fn top_actions(repo: &super::RepoReport) -> Vec<String> {
    let sum = &repo.summary;
    let mut out: Vec<String> = sum
        .groups
        .iter()
        .filter(|g| g.severity >= Severity::Medium)
        .take(3)
        .map(|g| {
            let n = format!(
                "{} location{}",
                g.count,
                if g.count == 1 { "" } else { "s" }
            );
            match &g.command {
                // The command names the rule.
                Some(c) => format!("[{}] {} ({n}: {c})", g.severity, esc(g.fix.trim())),
                None => format!("[{}] {} ({}, {n})", g.severity, esc(g.fix.trim()), g.rule),
            }
        })
        .collect();
    for g in &sum.gaps {
        if out.len() == 3 {
            break;
        }
        if g.status == super::CapabilityStatus::Missing {
            out.push(format!(
                "[capability] add {} ({})",
                g.name.to_lowercase(),
                g.id
            ));
        }
    }
    out
}

/// What the report says instead of a score when a repository has no CI/CD file.
pub fn nothing_found(root: &str) -> String {
    format!(
        "nothing audited: no CI/CD files found in {root} (pipewise reads .github/workflows, actions, Dockerfiles, compose files, Dependabot and Renovate configs); no score"
    )
}

fn scorecard(out: &mut String, p: &Paint, kept: &Kept, cols: Option<usize>) {
    let grade_code = |score: u32| match score {
        85.. => "1;32",
        70.. => "1;33",
        _ => "1;31",
    };
    if let (Some(repo), [_]) = (&kept.single, kept.rows.as_slice()) {
        if repo.files.is_empty() {
            out.push_str(&format!("\n{}\n", esc(&nothing_found(&repo.root))));
            return;
        }
        let s = &repo.scores;
        if let Some(why) = &s.unscored {
            out.push_str(&format!("\n{} {}\n", p.bold("no score:"), esc(why)));
            return;
        }
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
        if let Some(e) = repo.economics.as_ref().filter(|e| !e.workflows.is_empty()) {
            out.push_str(&format!(
                "{} {}\n",
                p.bold("cost:"),
                fit(&super::economics::one_line(e), 6, cols, "      ", 6)
            ));
        }
        let actions = top_actions(repo);
        if !actions.is_empty() {
            out.push_str(&format!("{}\n", p.bold("top actions:")));
            for (i, a) in actions.iter().enumerate() {
                out.push_str(&format!("  {}. {}\n", i + 1, fit(a, 5, cols, "     ", 5)));
            }
        }
        return;
    }
    let rows: Vec<&Row> = Row::by_score(&kept.rows)
        .into_iter()
        .map(|i| &kept.rows[i])
        .collect();
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
        if r.files == 0 {
            out.push_str(&format!(
                "  {:<width$}  {:>5}  {:<5}  no CI/CD files found\n",
                esc(&r.root),
                "-",
                "-"
            ));
            continue;
        }
        if r.unscored {
            out.push_str(&format!(
                "  {:<width$}  {:>5}  {:<5}  no supported CI found\n",
                esc(&r.root),
                "-",
                "n/a"
            ));
            continue;
        }
        out.push_str(&format!(
            "  {:<width$}  {:>5}  {:<5}  {:>8}  {:>4}  {:>6}\n",
            esc(&r.root),
            p.wrap(grade_code(r.overall), &format!("{:>5}", r.overall)),
            r.grade,
            r.counts[0].1,
            r.counts[1].1,
            r.findings()
        ));
    }
}

/// The `--format plain` renderer.
pub struct Plain;

impl super::Renderer for Plain {
    fn shows_inventory(&self) -> bool {
        false
    }
    fn name(&self) -> &'static str {
        "plain"
    }
    fn extensions(&self) -> &'static [&'static str] {
        &[]
    }
    fn render(&self, report: &Report, opts: &super::RenderOptions) -> String {
        render_with(report, opts.colour, opts.width)
    }
}
