//! The Markdown report (`--format markdown`), shaped like the seed reports: title,
//! executive summary, per-workflow scores, maturity stars, the category scorecard,
//! findings by severity with the current and the fixed snippet, missing
//! capabilities with templates, a best-practices table, a phased action plan,
//! statistics and appendices (job graph, secrets inventory, file index, local
//! commands).

use super::escape;
use super::{Capability, CapabilityStatus, RepoReport, Report, ReportFinding};
use crate::finding::Severity;
use crate::snippet::CodeLang;
use crate::CategoryScore;
use std::fmt::Write;

/// Render-time settings.
#[derive(Debug, Clone)]
pub struct Options {
    /// `YYYY-MM-DD`.
    pub date: String,
}

/// The report date: `override_date`, else `SOURCE_DATE_EPOCH`, else today (UTC).
pub fn report_date(override_date: Option<&str>) -> String {
    if let Some(d) = override_date {
        return d.to_string();
    }
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    civil_date(secs.div_euclid(86_400))
}

/// Days since 1970-01-01 to `YYYY-MM-DD` (Howard Hinnant's algorithm).
pub fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `15 minutes`, `1 hour`, `2.5 hours`.
pub fn effort(minutes: u32) -> String {
    if minutes < 60 {
        return format!("{minutes} minutes");
    }
    let h = minutes as f64 / 60.0;
    let s = format!("{:.1}", h);
    let s = s.trim_end_matches(".0");
    if s == "1" {
        "1 hour".into()
    } else {
        format!("{s} hours")
    }
}

/// Text for a table cell: [`line`] with `|` escaped.
pub fn cell(s: &str) -> String {
    line(s).replace('|', "\\|")
}

/// Prose on one line ([`escape::markdown`]: controls shown, no raw HTML outside
/// code spans).
fn line(s: &str) -> String {
    escape::markdown(s)
}

/// Inline code that survives backticks inside.
fn code(s: &str) -> String {
    let s = escape::text(s);
    let mut longest = 0;
    let mut run = 0;
    for ch in s.chars() {
        if ch == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    if longest > 0 || s.starts_with(' ') || s.ends_with(' ') {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

/// A fenced code block whose fence is longer than any backtick run inside.
fn fenced(out: &mut String, lang: &str, body: &str) {
    let body = escape::block(body);
    let mut longest = 0;
    for line in body.lines() {
        let t = line.trim_start();
        let n = t.chars().take_while(|c| *c == '`' || *c == '~').count();
        longest = longest.max(n);
    }
    let fence = "`".repeat(longest.max(2) + 1);
    let _ = writeln!(out, "{fence}{lang}");
    out.push_str(body.trim_end_matches('\n'));
    let _ = writeln!(out, "\n{fence}\n");
}

/// The code-block language of a file ([`CodeLang::of_file`]).
fn lang_of(path: &str) -> &'static str {
    CodeLang::of_file(path).as_str()
}

pub fn severity_icon(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "🔴",
        Severity::High => "⚠️",
        Severity::Medium => "🟡",
        Severity::Low => "🟢",
        Severity::Info => "ℹ️",
    }
}

fn severity_heading(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical Issues (Must Fix Immediately)",
        Severity::High => "High Priority Issues (Fix Soon)",
        Severity::Medium => "Medium Priority Issues (Address in Next Sprint)",
        Severity::Low => "Low Priority Improvements (Nice to Have)",
        Severity::Info => "Informational Notes",
    }
}

fn upper(s: Severity) -> String {
    s.as_str().to_ascii_uppercase()
}

fn status_label(status: &str) -> &'static str {
    match status {
        "excellent" => "✅ Excellent",
        "good" => "✅ Good",
        "needs-work" => "⚠️ Needs Work",
        _ => "❌ Poor",
    }
}

fn stars(score: f64) -> (String, u32) {
    let n = ((score / 2.0).round() as u32).min(5);
    (
        format!("{}{}", "★".repeat(n as usize), "☆".repeat(5 - n as usize)),
        n,
    )
}

fn maturity_phrase(n: u32) -> &'static str {
    match n {
        5 => "Comprehensive",
        4 => "Strong with room for improvement",
        3 => "Adequate, with gaps",
        2 => "Weak",
        _ => "Largely missing",
    }
}

/// `file:line` of a finding.
fn at(f: &ReportFinding) -> String {
    if f.line > 0 {
        format!("{}:{}", f.file, f.line)
    } else {
        f.file.clone()
    }
}

/// The findings of a repository by severity, most severe first, each with its
/// per-severity label (`CRITICAL-1`).
pub fn labelled(repo: &RepoReport) -> Vec<(String, &ReportFinding)> {
    let mut out = vec![];
    for sev in Severity::ALL {
        let mut n = 0;
        for f in repo.findings.iter().filter(|f| f.severity == sev) {
            n += 1;
            out.push((format!("{}-{n}", upper(sev)), f));
        }
    }
    out
}

/// The missing and partial capabilities in the summary's order (priority first).
fn gaps(repo: &RepoReport) -> Vec<&Capability> {
    repo.summary
        .gaps
        .iter()
        .filter_map(|g| repo.capabilities.iter().find(|c| c.id == g.id))
        .collect()
}

/// The repository's name (the last component of its root), for titles.
pub fn project_name(root: &str) -> String {
    let t = root.trim_end_matches(['/', '\\']);
    let name = t.rsplit(['/', '\\']).next().unwrap_or(t);
    if name.is_empty() || name == "." {
        std::env::current_dir()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "repository".into())
    } else {
        name.to_string()
    }
}

/// Renders the whole report (one section per repository).
pub fn render(report: &Report, opts: &Options) -> String {
    let s = MarkdownStream { opts: opts.clone() };
    super::stream::render(&s, &report.repositories)
}

/// The Markdown report of one repository (the HTML report shows every section of it).
pub fn repo_markdown(repo: &RepoReport, opts: &Options) -> String {
    let mut out = String::new();
    render_repo(&mut out, repo, opts, env!("CARGO_PKG_VERSION"));
    out
}

/// The Markdown report written repository by repository (see [`super::stream`]):
/// the table of repositories by score comes first, so the sections wait.
pub struct MarkdownStream {
    pub opts: Options,
}

impl super::stream::Stream for MarkdownStream {
    type Part = (String, super::stream::Row);
    type Acc = Vec<super::stream::Row>;
    const SPILL: bool = true;

    fn part(&self, repo: &RepoReport) -> Self::Part {
        let mut out = String::new();
        render_repo(&mut out, repo, &self.opts, env!("CARGO_PKG_VERSION"));
        (out, super::stream::Row::of(repo))
    }

    fn write(
        &self,
        rows: &mut Self::Acc,
        (section, row): Self::Part,
        body: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        if !rows.is_empty() {
            body.write_all(b"\n---\n\n")?;
        }
        rows.push(row);
        body.write_all(escape::guard_commands(section).as_bytes())
    }

    fn head(&self, rows: &Self::Acc) -> Vec<u8> {
        let mut out = String::new();
        if rows.len() > 1 {
            let _ = writeln!(
                out,
                "# CI/CD Pipeline Audit: {} Repositories\n\n**Date**: {}\n\n| Repository | Score | Grade | Critical | High | Findings |\n|---|---|---|---|---|---|",
                rows.len(),
                self.opts.date
            );
            for i in super::stream::Row::by_score(rows) {
                let r = &rows[i];
                let _ = writeln!(
                    out,
                    "| {} | {}/100 | {} | {} | {} | {} |",
                    cell(&code(&r.root)),
                    r.overall,
                    r.grade,
                    r.counts[0].1,
                    r.counts[1].1,
                    r.findings()
                );
            }
            out.push_str("\n---\n\n");
        }
        escape::guard_commands(out).into_bytes()
    }

    fn tail(&self, _: &Self::Acc) -> Vec<u8> {
        vec![]
    }
}

fn render_repo(out: &mut String, repo: &RepoReport, opts: &Options, version: &str) {
    let s = &repo.scores;
    let sum = &repo.summary;
    let wf_count = repo.workflows.len();
    let counts = super::severity_counts(repo.findings.iter());
    let count_of = |sev: Severity| counts.iter().find(|c| c.0 == sev).map(|c| c.1).unwrap_or(0);
    let gaps = gaps(repo);

    // Title, date, scope.
    let _ = writeln!(out, "# CI/CD Pipeline Audit Report\n");
    let _ = writeln!(out, "**Project**: {}", line(&project_name(&repo.root)));
    let _ = writeln!(out, "**Date**: {}", opts.date);
    let _ = writeln!(out, "**Auditor**: pipewise {version}");
    let actions = repo.files.iter().filter(|f| f.kind == "action").count();
    let others = repo.files.len().saturating_sub(wf_count + actions);
    let _ = writeln!(
        out,
        "**Scope**: {wf_count} workflow file{} in `.github/workflows/`, {actions} composite action{}, {others} other CI/CD file{} (scripts, Dockerfiles, compose, dependency and version files)\n",
        plural(wf_count),
        plural(actions),
        plural(others),
    );
    out.push_str("---\n\n## Executive Summary\n\n");
    verdict(out, repo);
    let total = repo.findings.len();
    let _ = writeln!(
        out,
        "pipewise audited **{wf_count} GitHub Actions workflow{}** and found **{total} issue{}** from {} rule{} ({} critical, {} high, {} medium, {} low, {} info). The overall score is **{}/100 (grade {}, {})**, on the same scale as the per-workflow scores below.\n",
        plural(wf_count),
        plural(total),
        sum.groups.len(),
        plural(sum.groups.len()),
        count_of(Severity::Critical),
        count_of(Severity::High),
        count_of(Severity::Medium),
        count_of(Severity::Low),
        count_of(Severity::Info),
        s.overall,
        s.grade,
        status_label(&sum.status)
    );
    if let Some(why) = &s.unscored {
        let _ = writeln!(out, "> **No score:** {}\n", line(why));
    }
    let filled = (s.overall as usize).div_ceil(5).min(20);
    let mut bar = String::new();
    bar.push_str(&"█".repeat(filled));
    bar.push_str(&"░".repeat(20 - filled));
    fenced(
        out,
        "text",
        &format!("Production Readiness: {bar} {}%", s.overall),
    );

    out.push_str("### Top Critical Gaps\n\n");
    let mut top = 0;
    for g in sum
        .groups
        .iter()
        .filter(|g| g.severity >= Severity::High)
        .take(6)
    {
        let _ = writeln!(
            out,
            "- ❌ **{}** ({} `{}`, {}): {}",
            line(&g.title),
            upper(g.severity),
            g.rule,
            occurrences(g.count, g.files),
            line(&g.fix)
        );
        top += 1;
    }
    for g in sum
        .gaps
        .iter()
        .filter(|g| g.priority == Severity::High)
        .take(8 - top.min(8))
    {
        let _ = writeln!(
            out,
            "- ❌ **{}** is {}: {}",
            g.name,
            if g.status == CapabilityStatus::Missing {
                "missing"
            } else {
                "partial"
            },
            repo.capabilities
                .iter()
                .find(|c| c.id == g.id)
                .map_or("", |c| &*c.practice)
        );
        top += 1;
    }
    if top == 0 {
        out.push_str("- ✅ No critical or high-severity gap found.\n");
    }
    out.push('\n');

    strengths(out, repo);
    readiness(out, repo);
    checklist(out, repo);

    // Per-workflow quality scores.
    out.push_str("### Quality Scores\n\nEach workflow is scored on its own findings; the overall score also counts the capabilities the repository lacks, so it can be lower than every workflow's.\n\n| Workflow | Score | Status | Priority Issues |\n|----------|-------|--------|-----------------|\n");
    for w in &s.workflows {
        let name = repo
            .workflows
            .iter()
            .find(|x| x.file == w.file)
            .and_then(|x| x.name.clone());
        let file = w.file.rsplit('/').next().unwrap_or(&w.file);
        let label = match name {
            Some(n) => format!("**{}** ({})", cell(&n), code(file)),
            None => format!("**{}**", code(file)),
        };
        let issues: Vec<String> = Severity::ALL
            .iter()
            .filter_map(|sev| {
                w.findings
                    .get(sev.as_str())
                    .filter(|n| **n > 0)
                    .map(|n| format!("{n} {sev}"))
            })
            .collect();
        let _ = writeln!(
            out,
            "| {label} | {}/100 | {} | {} |",
            w.score,
            status_label(&w.status),
            if issues.is_empty() {
                "none".to_string()
            } else {
                issues.join(", ")
            }
        );
    }
    let _ = writeln!(
        out,
        "| **OVERALL** | {}/100 | {} | {} critical, {} high |\n",
        s.overall,
        status_label(&sum.status),
        count_of(Severity::Critical),
        count_of(Severity::High)
    );

    // Maturity.
    out.push_str(
        "### Maturity Assessment\n\nStars are the category scores below, halved and rounded.\n\n",
    );
    for c in s.categories.iter().filter(|c| c.applicable) {
        let (st, n) = stars(c.score);
        let _ = writeln!(
            out,
            "- **{}**: {st} ({n}/5, {:.1}/10) - {}",
            c.name,
            c.score,
            maturity_phrase(n)
        );
    }
    if !s.categories.iter().any(|c| c.applicable) {
        out.push_str("- Nothing to assess: no capability or finding in any category.\n");
    }
    out.push_str("\n---\n\n");

    scorecard(out, &s.categories, s.overall);
    findings(out, repo);
    missing(out, repo, &gaps);
    best_practices(out, repo);
    action_plan(out, repo);

    // Summary statistics.
    out.push_str("## Summary Statistics\n\n| Severity | Findings | Rules | Effort (bulk fixes counted once) |\n|----------|----------|-------|--------------|\n");
    for sev in Severity::ALL {
        let gs: Vec<_> = sum.groups.iter().filter(|g| g.severity == sev).collect();
        let _ = writeln!(
            out,
            "| {} {} | {} | {} | {} |",
            severity_icon(sev),
            upper(sev),
            count_of(sev),
            gs.len(),
            effort(gs.iter().map(|g| g.effort_minutes).sum())
        );
    }
    let finding_effort: u32 = sum.groups.iter().map(|g| g.effort_minutes).sum();
    let gap_effort: u32 = sum.gaps.iter().map(|g| g.effort_minutes).sum();
    let _ = writeln!(
        out,
        "| **Total** | **{total}** | **{}** | **{}** |\n",
        sum.groups.len(),
        effort(finding_effort)
    );
    let _ = writeln!(
        out,
        "**Total remediation effort**: {} (findings {}, capabilities {}).\n\n---\n",
        effort(sum.effort_minutes),
        effort(finding_effort),
        effort(gap_effort)
    );

    conclusion(out, repo);
    appendices(out, repo);
    let _ = writeln!(
        out,
        "---\n\n**Report Generated**: {} by pipewise {version}\n\n**End of Report**",
        opts.date
    );
}

/// `3 occurrences in 2 files`.
fn occurrences(count: usize, files: usize) -> String {
    if count == 1 {
        "1 occurrence".into()
    } else if files == 1 {
        format!("{count} occurrences in 1 file")
    } else {
        format!("{count} occurrences in {files} files")
    }
}

/// Whether a finding group or a gap blocks production: a critical or high finding,
/// or a high-priority gap.
fn blockers(repo: &RepoReport) -> (Vec<&super::FindingGroup>, Vec<&super::Gap>) {
    let sum = &repo.summary;
    (
        sum.groups
            .iter()
            .filter(|g| g.severity >= Severity::High)
            .collect(),
        sum.gaps
            .iter()
            .filter(|g| g.priority == Severity::High)
            .collect(),
    )
}

/// The verdict in sentences: ready or not, what blocks, what is strong, what first.
fn verdict(out: &mut String, repo: &RepoReport) {
    let s = &repo.scores;
    let sum = &repo.summary;
    let (groups, gaps) = blockers(repo);
    let n = groups.len() + gaps.len();
    let mut v = if n == 0 && s.overall >= 85 {
        "**Verdict: ready for production.** No critical or high finding and no high-priority capability gap.".to_string()
    } else if n == 0 {
        format!(
            "**Verdict: no blocker, but needs work before production.** Nothing is critical or high, yet the score is {}/100: the gaps below are worth closing.",
            s.overall
        )
    } else {
        let mut what: Vec<String> = groups
            .iter()
            .take(3)
            .map(|g| {
                format!(
                    "{} ({})",
                    line(&g.title).to_lowercase(),
                    occurrences(g.count, g.files)
                )
            })
            .collect();
        what.extend(
            gaps.iter()
                .take(3usize.saturating_sub(what.len()).max(1))
                .map(|g| format!("no {}", g.name.to_lowercase())),
        );
        format!(
            "**Verdict: not ready for production.** {n} problem{} block{} it, first of all {}.",
            plural(n),
            if n == 1 { "s" } else { "" },
            what.join("; ")
        )
    };
    let mut strong: Vec<&CategoryScore> = s
        .categories
        .iter()
        .filter(|c| c.applicable && c.score >= 7.0)
        .collect();
    strong.sort_by(|a, b| b.score.total_cmp(&a.score));
    if !strong.is_empty() {
        let names: Vec<String> = strong
            .iter()
            .take(2)
            .map(|c| format!("{} ({:.1}/10)", c.name, c.score))
            .collect();
        let _ = write!(v, " Strongest: {}.", names.join(" and "));
    }
    if let Some(p) = sum.plan.first() {
        let _ = write!(
            v,
            " Do first: **{}** ({}): {}",
            p.title,
            effort(p.effort_minutes),
            p.goal
        );
    }
    let _ = writeln!(out, "{v}\n");
}

/// What the pipeline does well: present capabilities with their evidence.
fn strengths(out: &mut String, repo: &RepoReport) {
    out.push_str("### What's Done Well\n\n");
    let mut any = false;
    for c in repo
        .capabilities
        .iter()
        .filter(|c| c.status == CapabilityStatus::Present)
        .take(12)
    {
        any = true;
        match c.evidence.first() {
            Some(e) => {
                let _ = writeln!(
                    out,
                    "- ✅ **{}**: {} ({})",
                    c.name,
                    line(&e.note),
                    code(&format!("{}:{}", e.file, e.line))
                );
            }
            None => {
                let _ = writeln!(out, "- ✅ **{}**", c.name);
            }
        }
    }
    if !any {
        out.push_str("- No capability of the catalogue is fully present yet.\n");
    }
    out.push('\n');
}

/// Ready / needs work / blocking per scoring category (`summary.readiness`).
fn readiness(out: &mut String, repo: &RepoReport) {
    out.push_str("### Readiness Matrix\n\n| Area | Score | Status | Why |\n|---|---|---|---|\n");
    for r in &repo.summary.readiness {
        let status = match r.status.as_str() {
            "blocking" => "❌ Blocking",
            "ready" => "✅ Ready",
            _ => "⚠️ Needs work",
        };
        let why = if r.why.is_empty() {
            "-".to_string()
        } else {
            cell(&r.why)
        };
        let _ = writeln!(out, "| {} | {:.1}/10 | {status} | {why} |", r.name, r.score);
    }
    out.push('\n');
}

/// The go-live checklist: each deploy path's readiness checks, the capabilities a
/// production deploy needs, and no open blocker.
fn checklist(out: &mut String, repo: &RepoReport) {
    out.push_str("### Go-Live Checklist\n\n");
    for d in &repo.deploy_paths {
        let _ = writeln!(
            out,
            "**{} deploy**: job {} ({}){}\n",
            d.tier,
            code(&d.job),
            code(&format!("{}:{}", d.file, d.line)),
            d.target
                .as_ref()
                .map(|t| format!(" to {}", code(t)))
                .unwrap_or_default()
        );
        for c in d.checks.iter().filter(|c| c.status != "not-applicable") {
            let mark = if c.status == "pass" { "x" } else { " " };
            let _ = writeln!(out, "- [{mark}] {} ({}): {}", c.id, c.status, line(&c.note));
        }
        out.push('\n');
    }
    let wanted = [
        "deploy.approval-gate",
        "deploy.smoke-tests",
        "deploy.health-check",
        "deploy.rollback",
        "deploy.db-backup",
        "ops.monitoring",
        "ops.notifications",
        "security.secret-scanning",
    ];
    let mut any = false;
    for id in wanted {
        if let Some(c) = repo
            .capabilities
            .iter()
            .find(|c| c.id == id && c.status != CapabilityStatus::NotApplicable)
        {
            any = true;
            let _ = writeln!(
                out,
                "- [{}] {} ({})",
                if c.status == CapabilityStatus::Present {
                    "x"
                } else {
                    " "
                },
                c.name,
                status_word(c.status)
            );
        }
    }
    let (groups, _) = blockers(repo);
    let open: usize = groups.iter().map(|g| g.count).sum();
    let _ = writeln!(
        out,
        "- [{}] No critical or high finding open ({open} open)\n",
        if open == 0 { "x" } else { " " }
    );
    if !any && repo.deploy_paths.is_empty() {
        out.push_str("No deploy path found: the checklist covers the findings only.\n\n");
    }
}

/// The conclusion and when to review again.
fn conclusion(out: &mut String, repo: &RepoReport) {
    let sum = &repo.summary;
    out.push_str("## Conclusion\n\n");
    let (groups, gaps) = blockers(repo);
    let _ = writeln!(
        out,
        "The pipeline scores {}/100 ({}). {} blocking problem{} and {} capability gap{} remain; the plan above closes them in {} phase{} ({} in total).\n",
        repo.scores.overall,
        status_label(&sum.status),
        groups.len() + gaps.len(),
        plural(groups.len() + gaps.len()),
        sum.gaps.len(),
        plural(sum.gaps.len()),
        sum.plan.len(),
        plural(sum.plan.len()),
        effort(sum.effort_minutes)
    );
    let trigger = match sum.plan.first() {
        Some(p) => format!("when phase 1 (**{}**) is merged", p.title),
        None => "when a workflow changes".to_string(),
    };
    let _ = writeln!(
        out,
        "**Next review**: {trigger}, whenever a deploy job or a workflow's permissions change, and at least every 90 days (`pipewise audit .` in CI keeps the findings current between reviews).\n\n---\n"
    );
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn status_word(s: CapabilityStatus) -> &'static str {
    match s {
        CapabilityStatus::Present => "✅ Present",
        CapabilityStatus::Partial => "⚠️ Partial",
        CapabilityStatus::Missing => "❌ Missing",
        CapabilityStatus::NotApplicable => "➖ Not applicable",
        CapabilityStatus::Unknown => "❔ Unknown (a setting pipewise cannot see)",
    }
}

fn scorecard(out: &mut String, cats: &[CategoryScore], overall: u32) {
    out.push_str("## Deployment Readiness Scorecard\n\n### Category Scores\n\n| Category | Score | Weight | Weighted Score |\n|----------|-------|--------|----------------|\n");
    for c in cats {
        if c.applicable {
            let _ = writeln!(
                out,
                "| **{}** | {:.1}/10 | {:.0}% | {:.2} |",
                c.name,
                c.score,
                c.effective_weight * 100.0,
                c.score * c.effective_weight
            );
        } else {
            let _ = writeln!(
                out,
                "| **{}** | n/a | {:.0}% (left out) | - |",
                c.name,
                c.weight * 100.0
            );
        }
    }
    let _ = writeln!(
        out,
        "| **TOTAL** | | | **{:.1}/10** |\n",
        overall as f64 / 10.0
    );
    out.push_str("Weights are the nominal weights of `docs/scoring.md` renormalised over the applicable categories.\n\n### What Took Points Away\n\n");
    let mut any = false;
    for c in cats.iter().filter(|c| !c.deductions.is_empty()) {
        any = true;
        let parts: Vec<String> = c
            .deductions
            .iter()
            .map(|d| format!("{} {}", super::deduction_cost(d), line(&d.detail)))
            .collect();
        let _ = writeln!(
            out,
            "- **{}** ({:.1}/10): {}",
            c.name,
            c.score,
            parts.join("; ")
        );
    }
    if any {
        out.push('\n');
    } else {
        out.push_str("Nothing: every applicable category has full marks.\n\n");
    }
    out.push_str("---\n\n");
}

/// `a:1`, `b:2`, … for a group's findings: up to `max`, then how many more.
fn locations(fs: &[&ReportFinding], max: usize) -> String {
    let mut v: Vec<String> = fs.iter().take(max).map(|f| code(&at(f))).collect();
    if fs.len() > max {
        v.push(format!("and {} more", fs.len() - max));
    }
    v.join(", ")
}

/// The findings of a rule, in report order.
fn of_rule<'a>(repo: &'a RepoReport, rule: &str) -> Vec<&'a ReportFinding> {
    repo.findings.iter().filter(|f| f.rule == rule).collect()
}

/// Critical, high and medium findings, one entry per rule with every location and
/// one bulk fix; low and info go to an appendix.
fn findings(out: &mut String, repo: &RepoReport) {
    for sev in [Severity::Critical, Severity::High, Severity::Medium] {
        let groups: Vec<_> = repo
            .summary
            .groups
            .iter()
            .filter(|g| g.severity == sev)
            .collect();
        if groups.is_empty() {
            continue;
        }
        let _ = writeln!(out, "## {}\n", severity_heading(sev));
        for (i, g) in groups.iter().enumerate() {
            let fs = of_rule(repo, &g.rule);
            let Some(f) = fs.first() else { continue };
            let _ = writeln!(
                out,
                "### {} {}-{}: `{}` — {}\n",
                severity_icon(sev),
                upper(sev),
                i + 1,
                g.rule,
                line(&g.title)
            );
            let _ = writeln!(
                out,
                "**{}**: {}  ",
                if fs.len() == 1 { "File" } else { "Locations" },
                locations(&fs, usize::MAX)
            );
            let _ = writeln!(
                out,
                "**Severity**: {} (confidence: {}), {}  ",
                upper(g.severity),
                f.confidence.as_str(),
                occurrences(g.count, g.files)
            );
            match (&f.job, &f.step) {
                (Some(j), Some(st)) => {
                    let _ = writeln!(out, "**Location**: job {}, step {}  ", code(j), code(st));
                }
                (Some(j), None) => {
                    let _ = writeln!(out, "**Location**: job {}  ", code(j));
                }
                _ => {}
            }
            let _ = writeln!(out, "**Impact**: {}\n", line(f.impact.trim()));
            let _ = writeln!(
                out,
                "**Problem**{}: {}\n",
                if fs.len() > 1 {
                    " (first occurrence)"
                } else {
                    ""
                },
                line(f.message.trim())
            );
            for r in &f.related {
                let _ = writeln!(
                    out,
                    "- See {}: {}",
                    code(&format!("{}:{}", r.file, r.line)),
                    line(&r.message)
                );
            }
            if !f.related.is_empty() {
                out.push('\n');
            }
            if !f.snippet.is_empty() {
                let quoted: Vec<&(usize, String)> = f.context.iter().chain(&f.snippet).collect();
                let first = quoted.first().map(|x| x.0).unwrap_or(0);
                let last = quoted.last().map(|x| x.0).unwrap_or(0);
                let width = last.to_string().len();
                let range = if first == last {
                    format!("line {first}")
                } else {
                    format!("lines {first}-{last}")
                };
                let _ = writeln!(out, "**Current** ({}, {range}):\n", code(&f.file));
                let body: String = quoted
                    .iter()
                    .map(|(n, t)| format!("{n:>width$} | {}\n", t.trim_end()))
                    .collect();
                fenced(out, lang_of(&f.file), &body);
            }
            let _ = writeln!(
                out,
                "**Fix**{}: {}\n",
                match (fs.len(), &g.command) {
                    (1, None) => String::new(),
                    (1, Some(c)) => format!(" (automatic where it can: {})", code(c)),
                    (n, None) => format!(" (all {n} at once)"),
                    (n, Some(c)) =>
                        format!(" (all {n} at once; automatic where it can: {})", code(c)),
                },
                line(f.fix.description.trim())
            );
            if !f.fix.snippet.trim().is_empty() {
                fenced(out, g.fix_lang.as_str(), &f.fix.snippet);
            }
            let _ = writeln!(
                out,
                "**Estimated Effort**: {}\n\n---\n",
                effort(g.effort_minutes)
            );
        }
    }
}

/// Low and info findings: one table row per rule.
fn minor_findings(out: &mut String, repo: &RepoReport) {
    let groups: Vec<_> = repo
        .summary
        .groups
        .iter()
        .filter(|g| g.severity < Severity::Medium)
        .collect();
    if groups.is_empty() {
        return;
    }
    out.push_str("## Appendix E: Low-Severity and Informational Findings\n\n| Rule | Severity | Finding | Where | Fix | Effort |\n|---|---|---|---|---|---|\n");
    for g in groups {
        let fs = of_rule(repo, &g.rule);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            code(&g.rule),
            g.severity,
            cell(&g.title),
            cell(&locations(&fs, usize::MAX)),
            cell(&match &g.command {
                Some(c) => format!("{} (automatic where it can: {})", g.fix.trim(), code(c)),
                None => g.fix.clone(),
            }),
            effort(g.effort_minutes)
        );
    }
    out.push('\n');
}

fn missing(out: &mut String, repo: &RepoReport, gaps: &[&Capability]) {
    if gaps.is_empty() {
        return;
    }
    out.push_str("## Missing Workflows and Capabilities\n\n");
    // A missing optional practice (no points lost) with nothing but a
    // recommendation to show is one line at the end, not a section.
    let (brief, gaps): (Vec<&Capability>, Vec<&Capability>) = gaps.iter().partition(|c| {
        c.status == CapabilityStatus::Missing
            && c.evidence.is_empty()
            && c.template.is_none()
            && c.optional
    });
    let mut shown: Vec<&str> = vec![];
    for (i, c) in gaps.iter().enumerate() {
        let (name, purpose) = (&c.name, &c.practice);
        let _ = writeln!(
            out,
            "### {}. **{name}** ({}, {})\n",
            i + 1,
            code(&c.id),
            status_word(c.status)
        );
        let gap = repo.summary.gaps.iter().find(|g| g.id == c.id);
        let _ = writeln!(
            out,
            "**Priority**: {}  ",
            upper(gap.map(|g| g.priority).unwrap_or(Severity::Low))
        );
        let _ = writeln!(out, "**Purpose**: {purpose}\n");
        if let Some(r) = &c.reason {
            let _ = writeln!(out, "**Why**: {}\n", line(r.trim()));
        }
        for e in &c.evidence {
            let _ = writeln!(
                out,
                "- Evidence: {}: {}",
                code(&format!("{}:{}", e.file, e.line)),
                line(&e.note)
            );
        }
        if !c.evidence.is_empty() {
            out.push('\n');
        }
        if let Some(r) = &c.recommendation {
            let _ = writeln!(out, "**Recommendation**: {}\n", line(r.trim()));
        }
        if let Some(t) = c
            .template
            .as_ref()
            .filter(|_| c.status == CapabilityStatus::Partial)
        {
            // Partial: the file exists in part; the recommendation says what to add.
            let _ = writeln!(
                out,
                "**Template**: `pipewise scaffold {}` prints a complete {} to compare with.\n",
                c.id,
                code(&t.path)
            );
        } else if let Some(t) = &c.template {
            if shown.contains(&t.path.as_str()) {
                let _ = writeln!(
                    out,
                    "**Template**: the {} template shown above covers this too.\n",
                    code(&t.path)
                );
            } else {
                let exists = repo.files.iter().any(|f| f.path == t.path);
                if t.diff.is_some() || !exists {
                    shown.push(&t.path);
                }
                match &t.diff {
                    // The file exists: the jobs to add, as a diff against it.
                    Some(d) => {
                        let _ = writeln!(
                            out,
                            "**Update** {} (it exists): add these jobs.\n",
                            code(&t.path)
                        );
                        fenced(out, "diff", d);
                    }
                    // It exists but no job can be added as is: the recommendation
                    // says what to change, not a second copy of the file.
                    None if exists => {
                        let _ = writeln!(
                            out,
                            "**Update** {} (it exists) as recommended; `pipewise scaffold {}` prints a complete file to compare with.\n",
                            code(&t.path),
                            c.id
                        );
                    }
                    None => {
                        let _ = writeln!(out, "**Create**: {}\n", code(&t.path));
                        fenced(out, lang_of(&t.path), &t.content);
                    }
                }
            }
        }
        let _ = writeln!(
            out,
            "**Estimated Effort**: {}\n\n---\n",
            effort(gap.map(|g| g.effort_minutes).unwrap_or(0))
        );
    }
    if brief.is_empty() {
        return;
    }
    out.push_str("**Optional practices not in place** (a bonus when present, no points lost):\n\n");
    for c in brief {
        let name = &c.name;
        let minutes = repo.summary.gaps.iter().find(|g| g.id == c.id);
        let _ = writeln!(
            out,
            "- **{name}** ({}, {}): {}",
            code(&c.id),
            effort(minutes.map(|g| g.effort_minutes).unwrap_or(0)),
            line(c.recommendation.as_deref().unwrap_or("").trim())
        );
    }
    out.push('\n');
}

fn best_practices(out: &mut String, repo: &RepoReport) {
    let caps: Vec<&Capability> = repo
        .capabilities
        .iter()
        .filter(|c| c.status != CapabilityStatus::NotApplicable)
        .collect();
    if caps.is_empty() {
        return;
    }
    out.push_str("## Best Practices Comparison\n\n| Practice | Industry Standard | Current | Gap |\n|----------|------------------|---------|-----|\n");
    for c in caps {
        let (name, standard) = (&c.name, &c.practice);
        let current = match (&c.status, c.evidence.first()) {
            (CapabilityStatus::Present, Some(e)) => {
                format!("✅ {}", code(&format!("{}:{}", e.file, e.line)))
            }
            (s, _) => status_word(*s).to_string(),
        };
        let gap = match c.status {
            CapabilityStatus::Present => "None".to_string(),
            _ => c
                .reason
                .clone()
                .or_else(|| c.recommendation.clone())
                .unwrap_or_else(|| "Missing".into()),
        };
        let _ = writeln!(
            out,
            "| **{name}** | {} | {} | {} |",
            cell(standard),
            cell(&current),
            cell(&gap)
        );
    }
    out.push_str("\n---\n\n");
}

fn action_plan(out: &mut String, repo: &RepoReport) {
    out.push_str("## Recommended Action Plan\n\nPhases by theme, most urgent first; a rule's findings are one bulk fix, and new pipelines are costed as what they are (efforts model: `docs/scoring.md`).\n\n");
    let sum = &repo.summary;
    if sum.plan.is_empty() {
        out.push_str("Nothing to do: no finding and no capability gap.\n\n---\n\n");
        return;
    }
    for (i, p) in sum.plan.iter().enumerate() {
        let _ = writeln!(out, "### Phase {}: {}\n", i + 1, p.title);
        let _ = writeln!(out, "**Goal**: {}  ", p.goal);
        let _ = writeln!(out, "**Priority**: {}  ", upper(p.priority));
        let _ = writeln!(out, "**Effort**: {}  ", effort(p.effort_minutes));
        if !p.depends_on.is_empty() {
            let after: Vec<String> = p
                .depends_on
                .iter()
                .filter_map(|t| {
                    sum.plan
                        .iter()
                        .position(|q| &q.theme == t)
                        .map(|k| format!("Phase {} ({})", k + 1, sum.plan[k].title))
                })
                .collect();
            let _ = writeln!(out, "**Builds on**: {}  ", after.join(", "));
        }
        out.push_str("\n**Deliverables**:\n\n");
        for r in &p.rules {
            if let Some(g) = sum.groups.iter().find(|g| &g.rule == r) {
                let _ = writeln!(
                    out,
                    "- [ ] {} ({}, {}; {})",
                    line(&g.fix),
                    code(&g.rule),
                    occurrences(g.count, g.files),
                    effort(g.effort_minutes)
                );
            }
        }
        for id in &p.capabilities {
            if let Some(g) = sum.gaps.iter().find(|g| &g.id == id) {
                let _ = writeln!(
                    out,
                    "- [ ] {} {} ({}; {})",
                    if g.status == CapabilityStatus::Missing {
                        "Add"
                    } else {
                        "Complete"
                    },
                    g.name.to_lowercase(),
                    code(&g.id),
                    effort(g.effort_minutes)
                );
            }
        }
        out.push_str("\n**Validation**: ");
        let mut checks = vec![];
        if !p.rules.is_empty() {
            checks.push(format!(
                "`pipewise audit .` reports none of {}",
                p.rules
                    .iter()
                    .map(|r| code(r))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !p.capabilities.is_empty() {
            checks.push(format!(
                "the JSON report lists {} as `present`",
                p.capabilities
                    .iter()
                    .map(|c| code(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let _ = writeln!(out, "{}.\n\n---\n", checks.join("; "));
    }
}

/// A mermaid node id: letters, digits and `_` only.
fn node_id(w: usize, job: &str) -> String {
    let clean: String = job
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("w{w}_{clean}")
}

fn mermaid_label(s: &str) -> String {
    escape::text(s)
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace(['[', ']'], " ")
}

/// The mermaid diagram of workflows (subgraphs), jobs, `needs` and `workflow_run`.
pub fn mermaid(repo: &RepoReport) -> String {
    let g = super::graph::build(repo);
    let mut m = String::from("flowchart LR\n");
    for (i, w) in repo.workflows.iter().enumerate() {
        let title = w.name.clone().unwrap_or_else(|| w.file.clone());
        let _ = writeln!(
            m,
            "  subgraph w{i}[\"{} ({})\"]",
            mermaid_label(&title),
            mermaid_label(w.file.rsplit('/').next().unwrap_or(&w.file))
        );
        if g.folded(i) {
            let _ = writeln!(m, "    w{i}_folded[\"{} jobs (folded)\"]", w.jobs.len());
        }
        for n in g
            .ranges
            .get(i)
            .into_iter()
            .flat_map(|r| &g.nodes[r.clone()])
        {
            let Some(j) = n.job else { continue };
            let label = super::graph::job_label(j);
            let _ = writeln!(
                m,
                "    {}[\"{}\"]",
                node_id(i, &j.id),
                mermaid_label(&label)
            );
        }
        m.push_str("  end\n");
        for &(a, b) in g.needs.get(i).into_iter().flatten() {
            if let (Some(a), Some(b)) = (g.nodes[a].job, g.nodes[b].job) {
                let _ = writeln!(m, "  {} --> {}", node_id(i, &a.id), node_id(i, &b.id));
            }
        }
    }
    for &(k, i) in &g.links {
        let _ = writeln!(m, "  w{k} -. workflow_run .-> w{i}");
    }
    if g.links_dropped > 0 {
        let _ = writeln!(
            m,
            "  %% {} more workflow_run links not drawn",
            g.links_dropped
        );
    }
    m
}

/// Shell commands that reproduce a job locally: its `run:` steps in order, with
/// `uses:` steps as comments; each script cut after `max_lines` lines (with a
/// comment saying where the rest is).
pub fn local_commands(job: &super::JobSummary, max_lines: usize) -> String {
    let mut s = String::new();
    if let Some(u) = &job.uses {
        let _ = writeln!(s, "# calls the reusable workflow {}", escape::text(u));
    }
    let brief = max_lines == 1;
    for st in &job.steps {
        let label = escape::text(st.name.as_deref().unwrap_or_default());
        if brief {
            // One line per `run:` step, its name as a trailing comment.
            if let Some(r) = &st.run {
                let lines: Vec<&str> = r.trim().lines().collect();
                let first = lines.first().copied().unwrap_or_default();
                let mut note: Vec<String> = vec![];
                if !label.is_empty() {
                    note.push(label.into_owned());
                }
                if lines.len() > 1 {
                    note.push(format!("+{} lines, line {}", lines.len() - 1, st.line));
                }
                let cd = st
                    .working_directory
                    .as_ref()
                    .map(|wd| format!("(cd {} && … ) ", escape::shell_word(wd)))
                    .unwrap_or_default();
                let _ = writeln!(
                    s,
                    "{cd}{first}{}",
                    if note.is_empty() {
                        String::new()
                    } else {
                        format!("  # {}", note.join("; "))
                    }
                );
            }
            continue;
        }
        if let Some(u) = &st.uses {
            let _ = writeln!(
                s,
                "# uses: {}{}",
                escape::text(u),
                if label.is_empty() {
                    String::new()
                } else {
                    format!(" ({label})")
                }
            );
        } else if let Some(r) = &st.run {
            if !label.is_empty() {
                let _ = writeln!(s, "# {label}");
            }
            let lines: Vec<&str> = r.trim_end().lines().collect();
            let mut script = lines[..lines.len().min(max_lines)].join("\n");
            if lines.len() > max_lines {
                let _ = write!(
                    script,
                    "\n# … {} more line{} (step at line {})",
                    lines.len() - max_lines,
                    plural(lines.len() - max_lines),
                    st.line
                );
            }
            if let Some(wd) = &st.working_directory {
                let _ = writeln!(s, "(cd {} &&", escape::shell_word(wd));
                s.push_str(&script);
                s.push_str(")\n");
            } else {
                s.push_str(&script);
                s.push('\n');
            }
        }
    }
    s
}

fn appendices(out: &mut String, repo: &RepoReport) {
    if let Some(e) = repo.economics.as_ref().filter(|e| !e.workflows.is_empty()) {
        out.push_str(&super::economics::markdown(e, 2));
    }
    out.push_str("## Appendix A: Workflow Dependency Graph\n\nJobs by workflow; arrows are `needs:`, dotted arrows are `workflow_run` triggers.\n\n");
    fenced(out, "mermaid", &mermaid(repo));

    out.push_str(
        "## Appendix B: Secrets and Variables Inventory\n\nNames only; values are never read.\n\n",
    );
    if repo.secrets.is_empty() {
        out.push_str("No `secrets.*` or `vars.*` reference found.\n\n");
    } else {
        out.push_str("| Name | Kind | Used in |\n|---|---|---|\n");
        for s in &repo.secrets {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                code(&s.name),
                s.kind,
                s.used_in
                    .iter()
                    .map(|u| code(u))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        out.push('\n');
    }

    out.push_str("## Appendix C: File Reference Index\n\n");
    let mut kinds: Vec<&str> = repo.files.iter().map(|f| f.kind.as_str()).collect();
    kinds.sort();
    kinds.dedup();
    for k in kinds {
        let _ = writeln!(out, "### {}\n", kind_title(k));
        for f in repo.files.iter().filter(|f| f.kind == k) {
            let desc = repo
                .workflows
                .iter()
                .find(|w| w.file == f.path)
                .and_then(|w| w.name.clone())
                .map(|n| format!(" - {n}"))
                .unwrap_or_default();
            let n = repo.findings.iter().filter(|x| x.file == f.path).count();
            let count = if n > 0 {
                format!(" ({n} finding{})", plural(n))
            } else {
                String::new()
            };
            let _ = writeln!(out, "- {}{}{count}", code(&f.path), line(&desc));
        }
        out.push('\n');
    }

    out.push_str("## Appendix D: Reproducing CI Jobs Locally\n\nEach job with [act](https://github.com/nektos/act), then its `run:` steps in order (one line each: multi-line scripts show their first line and where the rest is; `${{ }}` expressions must be replaced by hand).\n\n");
    for w in &repo.workflows {
        let _ = writeln!(out, "### {}\n", code(&w.file));
        let mut body = String::new();
        for (k, j) in w.jobs.iter().enumerate() {
            if k > 0 {
                body.push('\n');
            }
            let _ = writeln!(
                body,
                "# job {} (line {}{})\nact -W {} -j {}",
                escape::text(&j.id),
                j.line,
                j.runs_on
                    .as_ref()
                    .map(|r| format!(", runs on {}", escape::text(r)))
                    .unwrap_or_default(),
                escape::shell_word(&w.file),
                escape::shell_word(&j.id)
            );
            body.push_str(&local_commands(j, 1));
        }
        fenced(out, "bash", &body);
    }
    minor_findings(out, repo);
}

fn kind_title(k: &str) -> String {
    match k {
        "workflow" => "Workflow Files".into(),
        "action" => "Composite Actions".into(),
        "script" => "Support Scripts".into(),
        "dockerfile" => "Dockerfiles".into(),
        "compose" => "Compose Files".into(),
        other => {
            let mut c = other.chars();
            match c.next() {
                Some(f) => format!("{}{} Files", f.to_uppercase(), c.as_str().replace('-', " ")),
                None => "Other Files".into(),
            }
        }
    }
}

/// The `--format markdown` renderer.
pub struct Markdown;

impl super::Renderer for Markdown {
    fn name(&self) -> &'static str {
        "markdown"
    }
    fn extensions(&self) -> &'static [&'static str] {
        &["md", "markdown"]
    }
    fn render(&self, report: &Report, opts: &super::RenderOptions) -> String {
        render(
            report,
            &Options {
                date: opts.date.clone(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_efforts() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_393), "2025-11-01");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert_eq!(report_date(Some("2025-01-02")), "2025-01-02");
        assert_eq!(effort(15), "15 minutes");
        assert_eq!(effort(60), "1 hour");
        assert_eq!(effort(150), "2.5 hours");
        assert_eq!(code("a`b"), "`` a`b ``");
        let mut s = String::new();
        fenced(&mut s, "md", "```yaml\nx\n```\n");
        assert!(
            s.starts_with("````md\n") && s.ends_with("\n````\n\n"),
            "{s}"
        );
    }
}
