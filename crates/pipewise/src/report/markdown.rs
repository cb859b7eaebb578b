//! The Markdown report (`--format markdown`), shaped like the seed reports: title,
//! executive summary, per-workflow scores, maturity stars, the category scorecard,
//! findings by severity with the current and the fixed snippet, missing
//! capabilities with templates, a best-practices table, a phased action plan,
//! statistics and appendices (job graph, secrets inventory, file index, local
//! commands).

use super::escape;
use super::{Capability, CapabilityStatus, RepoReport, Report, ReportFinding};
use crate::finding::Severity;
use crate::scoring::{capability_category, CategoryScore};
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
fn civil_date(days: i64) -> String {
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

/// A human name and the standard practice for each capability id.
pub fn capability_info(id: &str) -> (&'static str, &'static str) {
    match id {
        "ci.build" => ("Build", "Build on every push and pull request"),
        "ci.lint" => ("Linting", "Linter/formatter enforced in CI"),
        "ci.typecheck" => ("Type checking", "Type check in CI"),
        "ci.unit-tests" => ("Unit tests", "Unit tests on push and PR"),
        "ci.integration-tests" => ("Integration tests", "Integration suite with services"),
        "ci.e2e-tests" => ("End-to-end tests", "Browser/E2E tests before release"),
        "ci.coverage" => ("Coverage", "Coverage collected with a threshold"),
        "ci.caching" => ("Dependency caching", "Dependencies cached between runs"),
        "ci.concurrency" => (
            "Concurrency control",
            "`concurrency` groups prevent overlaps",
        ),
        "ci.timeouts" => ("Job timeouts", "`timeout-minutes` on every job"),
        "security.sast" => ("Static analysis (SAST)", "CodeQL/semgrep on every PR"),
        "security.dependency-audit" => ("Dependency audit", "Vulnerable dependencies block CI"),
        "security.secret-scanning" => ("Secret scanning", "gitleaks/trufflehog in CI"),
        "security.container-scan" => ("Container scanning", "Images scanned before push"),
        "security.sbom" => ("SBOM", "SBOM generated for every artifact"),
        "security.signing" => ("Signing & provenance", "Artifacts signed/attested"),
        "security.dependency-updates" => ("Dependency updates", "Dependabot/Renovate configured"),
        "security.least-privilege" => ("Least privilege", "Minimal explicit `permissions`"),
        "delivery.container-build" => ("Container build", "Images built in CI"),
        "delivery.multi-arch" => ("Multi-arch images", "amd64 + arm64 images"),
        "delivery.release-automation" => ("Release automation", "Automated versioning/release"),
        "delivery.changelog" => ("Changelog", "Changelog generated or enforced"),
        "deploy.staging" => ("Staging deploy", "Automatic deploy to staging"),
        "deploy.production" => ("Production deploy", "Production deployed from CI"),
        "deploy.approval-gate" => ("Deployment approval", "Protected environment / approval"),
        "deploy.smoke-tests" => ("Smoke tests", "Smoke tests against the deployment"),
        "deploy.health-check" => ("Health check", "Post-deploy health check that can fail"),
        "deploy.rollback" => ("Rollback", "Automated or one-click rollback"),
        "deploy.db-backup" => ("Database backup", "Backup before production deploys"),
        "deploy.db-migrations" => ("Database migrations", "Migrations applied by the pipeline"),
        "deploy.migration-validation" => ("Migration validation", "Migrations validated in CI"),
        "deploy.preview-environments" => ("Preview environments", "Per-PR preview deployments"),
        "deploy.progressive" => ("Progressive delivery", "Blue-green or canary"),
        "ops.notifications" => ("Notifications", "Deploy/failure notifications"),
        "ops.monitoring" => ("Monitoring", "Post-deploy error-rate checks"),
        "ops.load-testing" => ("Load testing", "k6/locust load tests"),
        "ops.performance-regression" => ("Performance regression", "PR benchmarks vs baseline"),
        "ops.backup-verification" => ("Backup verification", "Scheduled restore tests"),
        "ops.iac" => (
            "Infrastructure as code",
            "Terraform/k8s/fly.toml in the repo",
        ),
        _ => ("Other capability", "See capabilities.md"),
    }
}

/// Estimated minutes to add a capability: missing 60 (with a template 30),
/// partial 20.
pub fn capability_effort(c: &Capability) -> u32 {
    match (c.status, c.template.is_some()) {
        (CapabilityStatus::Partial, _) => 20,
        (_, true) => 30,
        _ => 60,
    }
}

/// The action-plan priority of a missing or partial capability, from its category
/// weight: high (>= 0.15), medium (0.10), low.
pub fn capability_priority(c: &Capability) -> Severity {
    let w = capability_category(&c.id)
        .and_then(|cat| {
            crate::scoring::CATEGORY_WEIGHTS
                .iter()
                .find(|(k, _)| *k == cat)
                .map(|e| e.1)
        })
        .unwrap_or(5);
    match (w, c.status) {
        (15.., CapabilityStatus::Missing) => Severity::High,
        (15.., _) | (10.., CapabilityStatus::Missing) => Severity::Medium,
        _ => Severity::Low,
    }
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

fn lang_of(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if name.ends_with(".yml") || name.ends_with(".yaml") {
        "yaml"
    } else if name.ends_with(".sh") || name.ends_with(".bash") {
        "bash"
    } else if name.contains("dockerfile") {
        "dockerfile"
    } else if name.ends_with(".json") {
        "json"
    } else if name.ends_with(".toml") {
        "toml"
    } else {
        ""
    }
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

fn gaps(repo: &RepoReport) -> Vec<&Capability> {
    let mut v: Vec<&Capability> = repo
        .capabilities
        .iter()
        .filter(|c| {
            matches!(
                c.status,
                CapabilityStatus::Missing | CapabilityStatus::Partial
            )
        })
        .collect();
    v.sort_by(|a, b| {
        capability_priority(b)
            .cmp(&capability_priority(a))
            .then_with(|| a.id.cmp(&b.id))
    });
    v
}

fn project_name(root: &str) -> String {
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
    let mut out = String::new();
    if report.repositories.len() > 1 {
        let mut rows: Vec<&RepoReport> = report.repositories.iter().collect();
        rows.sort_by(|a, b| {
            b.scores
                .overall
                .cmp(&a.scores.overall)
                .then_with(|| a.root.cmp(&b.root))
        });
        let _ = writeln!(
            out,
            "# CI/CD Pipeline Audit: {} Repositories\n\n**Date**: {}\n\n| Repository | Score | Grade | Critical | High | Findings |\n|---|---|---|---|---|---|",
            rows.len(),
            opts.date
        );
        for r in rows {
            let counts = super::severity_counts(r.findings.iter());
            let _ = writeln!(
                out,
                "| {} | {}/100 | {} | {} | {} | {} |",
                cell(&code(&r.root)),
                r.scores.overall,
                r.scores.grade,
                counts[0].1,
                counts[1].1,
                r.findings.len()
            );
        }
        out.push_str("\n---\n\n");
    }
    for (i, repo) in report.repositories.iter().enumerate() {
        if i > 0 {
            out.push_str("\n---\n\n");
        }
        render_repo(&mut out, repo, opts, &report.tool.version);
    }
    escape::guard_commands(out)
}

fn render_repo(out: &mut String, repo: &RepoReport, opts: &Options, version: &str) {
    let s = &repo.scores;
    let wf_count = repo.workflows.len();
    let labelled = labelled(repo);
    let counts = super::severity_counts(repo.findings.iter());
    let count_of = |sev: Severity| counts.iter().find(|c| c.0 == sev).map(|c| c.1).unwrap_or(0);
    let effort_of = |sev: Severity| -> u32 {
        repo.findings
            .iter()
            .filter(|f| f.severity == sev)
            .map(|f| f.fix.effort_minutes)
            .sum()
    };
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
        "**Scope**: {wf_count} workflow file{} in `.github/workflows/`, {actions} composite action{}, {others} other CI/CD file{} (scripts, Dockerfiles, compose, dependency and version files) in {}\n",
        plural(wf_count),
        plural(actions),
        plural(others),
        code(&repo.root)
    );
    out.push_str("---\n\n## Executive Summary\n\n");
    let total = repo.findings.len();
    let _ = writeln!(
        out,
        "pipewise audited **{wf_count} GitHub Actions workflow{}** and found **{total} issue{}** ({} critical, {} high, {} medium, {} low). The overall score is **{}/100 (grade {})**.\n",
        plural(wf_count),
        plural(total),
        count_of(Severity::Critical),
        count_of(Severity::High),
        count_of(Severity::Medium),
        count_of(Severity::Low),
        s.overall,
        s.grade
    );
    let filled = (s.overall as usize).div_ceil(5).min(20);
    let mut bar = String::new();
    bar.push_str(&"█".repeat(filled));
    bar.push_str(&"░".repeat(20 - filled));
    fenced(
        out,
        "text",
        &format!("Production Readiness: {bar} {}%", s.overall),
    );
    out.push_str("| Severity | Count |\n|---|---|\n");
    for sev in Severity::ALL {
        let _ = writeln!(
            out,
            "| {} {} | {} |",
            severity_icon(sev),
            upper(sev),
            count_of(sev)
        );
    }
    let _ = writeln!(out, "| **Total** | **{total}** |\n");

    out.push_str("### Top Critical Gaps\n\n");
    let mut top = 0;
    for (label, f) in labelled
        .iter()
        .filter(|(_, f)| f.severity >= Severity::High)
        .take(6)
    {
        let _ = writeln!(
            out,
            "- ❌ **{}** ({label}, {}): {}",
            line(&f.title),
            code(&at(f)),
            line(&f.message)
        );
        top += 1;
    }
    for c in gaps
        .iter()
        .filter(|c| capability_priority(c) == Severity::High)
        .take(8 - top.min(8))
    {
        let _ = writeln!(
            out,
            "- ❌ **{}** is missing: {}",
            capability_info(&c.id).0,
            line(
                c.recommendation
                    .as_deref()
                    .unwrap_or(capability_info(&c.id).1)
            )
        );
        top += 1;
    }
    if top == 0 {
        out.push_str("- ✅ No critical or high-severity gap found.\n");
    }
    out.push('\n');

    // Per-workflow quality scores.
    out.push_str("### Quality Scores\n\n| Workflow | Score | Status | Priority Issues |\n|----------|-------|--------|-----------------|\n");
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
        status_label(crate::scoring::workflow_status(s.overall)),
        count_of(Severity::Critical),
        count_of(Severity::High)
    );

    // Maturity.
    out.push_str("### Maturity Assessment\n\n");
    for c in s.categories.iter().filter(|c| c.applicable) {
        let (st, n) = stars(c.score);
        let _ = writeln!(
            out,
            "- **{}**: {st} ({n}/5) - {}",
            c.name,
            maturity_phrase(n)
        );
    }
    if !s.categories.iter().any(|c| c.applicable) {
        out.push_str("- Nothing to assess: no capability or finding in any category.\n");
    }
    out.push_str("\n---\n\n");

    scorecard(out, &s.categories, s.overall);
    findings(out, &labelled);
    missing(out, &gaps);
    best_practices(out, repo);
    action_plan(out, &labelled, &gaps);

    // Summary statistics.
    out.push_str("## Summary Statistics\n\n### Issue Breakdown\n\n| Severity | Count | Total Effort |\n|----------|-------|--------------|\n");
    let mut total_effort = 0;
    for sev in Severity::ALL {
        let e = effort_of(sev);
        total_effort += e;
        let _ = writeln!(
            out,
            "| {} {} | {} | {} |",
            severity_icon(sev),
            upper(sev),
            count_of(sev),
            effort(e)
        );
    }
    let _ = writeln!(
        out,
        "| **Total** | **{total}** | **{}** |\n",
        effort(total_effort)
    );
    let gap_effort: u32 = gaps.iter().map(|c| capability_effort(c)).sum();
    if !gaps.is_empty() {
        out.push_str("### Missing Workflows and Capabilities\n\n| Capability | Status | Priority | Effort |\n|---|---|---|---|\n");
        for c in &gaps {
            let _ = writeln!(
                out,
                "| {} ({}) | {} | {} | {} |",
                capability_info(&c.id).0,
                code(&c.id),
                status_word(c.status),
                upper(capability_priority(c)),
                effort(capability_effort(c))
            );
        }
        let _ = writeln!(out, "| **Total** | | | **{}** |\n", effort(gap_effort));
    }
    let _ = writeln!(
        out,
        "**Total remediation effort**: {} (findings {}, capabilities {}).\n\n---\n",
        effort(total_effort + gap_effort),
        effort(total_effort),
        effort(gap_effort)
    );

    appendices(out, repo);
    let _ = writeln!(
        out,
        "---\n\n**Report Generated**: {} by pipewise {version}\n\n**End of Report**",
        opts.date
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
        let _ = writeln!(out, "**{}** ({:.1}/10):\n", c.name, c.score);
        for d in &c.deductions {
            let _ = writeln!(out, "- −{:.2}: {}", d.points, line(&d.detail));
        }
        out.push('\n');
    }
    if !any {
        out.push_str("Nothing: every applicable category has full marks.\n\n");
    }
    out.push_str("---\n\n");
}

fn findings(out: &mut String, labelled: &[(String, &ReportFinding)]) {
    for sev in Severity::ALL {
        let these: Vec<&(String, &ReportFinding)> =
            labelled.iter().filter(|(_, f)| f.severity == sev).collect();
        if these.is_empty() {
            continue;
        }
        let _ = writeln!(out, "## {}\n", severity_heading(sev));
        for (label, f) in these {
            let _ = writeln!(
                out,
                "### {} {label}: `{}` — {}\n",
                severity_icon(sev),
                f.rule,
                line(&f.title)
            );
            let _ = writeln!(out, "**File**: {}  ", code(&at(f)));
            let _ = writeln!(
                out,
                "**Severity**: {} (confidence: {})  ",
                upper(f.severity),
                f.confidence.as_str()
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
            let _ = writeln!(out, "**Problem**: {}\n", line(f.message.trim()));
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
            let _ = writeln!(out, "**Fix**: {}\n", line(f.fix.description.trim()));
            if !f.fix.snippet.trim().is_empty() {
                fenced(out, lang_of(&f.file), &f.fix.snippet);
            }
            let _ = writeln!(
                out,
                "**Estimated Effort**: {}\n\n---\n",
                effort(f.fix.effort_minutes)
            );
        }
    }
}

fn missing(out: &mut String, gaps: &[&Capability]) {
    if gaps.is_empty() {
        return;
    }
    out.push_str("## Missing Workflows and Capabilities\n\n");
    for (i, c) in gaps.iter().enumerate() {
        let (name, purpose) = capability_info(&c.id);
        let _ = writeln!(
            out,
            "### {}. **{name}** ({}, {})\n",
            i + 1,
            code(&c.id),
            status_word(c.status)
        );
        let _ = writeln!(out, "**Priority**: {}  ", upper(capability_priority(c)));
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
        if let Some(t) = &c.template {
            let _ = writeln!(out, "**Create**: {}\n", code(&t.path));
            fenced(out, lang_of(&t.path), &t.content);
        }
        let _ = writeln!(
            out,
            "**Estimated Effort**: {}\n\n---\n",
            effort(capability_effort(c))
        );
    }
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
        let (name, standard) = capability_info(&c.id);
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

fn action_plan(out: &mut String, labelled: &[(String, &ReportFinding)], gaps: &[&Capability]) {
    out.push_str("## Recommended Action Plan\n\n");
    let phases = [
        (
            Severity::Critical,
            "Phase 1: Critical Fixes (Week 1)",
            "Immediate",
        ),
        (Severity::High, "Phase 2: High Priority (Week 2)", "High"),
        (
            Severity::Medium,
            "Phase 3: Medium Priority (Weeks 3-4)",
            "Medium",
        ),
        (
            Severity::Low,
            "Phase 4: Low Priority & Polish (Ongoing)",
            "Low",
        ),
    ];
    for (sev, title, prio) in phases {
        let items: Vec<&(String, &ReportFinding)> =
            labelled.iter().filter(|(_, f)| f.severity == sev).collect();
        let caps: Vec<&&Capability> = gaps
            .iter()
            .filter(|c| capability_priority(c) == sev)
            .collect();
        let minutes: u32 = items.iter().map(|(_, f)| f.fix.effort_minutes).sum::<u32>()
            + caps.iter().map(|c| capability_effort(c)).sum::<u32>();
        let _ = writeln!(out, "### {title}\n");
        let _ = writeln!(out, "**Priority**: {prio}  ");
        let _ = writeln!(out, "**Effort**: {}\n", effort(minutes));
        if items.is_empty() && caps.is_empty() {
            out.push_str("Nothing at this priority.\n\n---\n\n");
            continue;
        }
        let mut n = 0;
        for (label, f) in &items {
            n += 1;
            let _ = writeln!(
                out,
                "{n}. {} ({label}, {})",
                line(&f.fix.description),
                code(&at(f))
            );
        }
        for c in &caps {
            n += 1;
            let _ = writeln!(
                out,
                "{n}. Add {} ({})",
                capability_info(&c.id).0.to_lowercase(),
                code(&c.id)
            );
        }
        out.push_str("\n**Validation**:\n");
        let mut rules: Vec<&str> = items.iter().map(|(_, f)| f.rule.as_str()).collect();
        rules.sort();
        rules.dedup();
        if !items.is_empty() {
            let _ = writeln!(
                out,
                "- `pipewise audit . --min-severity {sev}` reports no {sev} finding ({}).",
                rules.iter().map(|r| code(r)).collect::<Vec<_>>().join(", ")
            );
            out.push_str("- Re-run the affected workflows and confirm a deliberately failing step now fails the job.\n");
        }
        if !caps.is_empty() {
            let _ = writeln!(
                out,
                "- The JSON report lists {} as `present`.",
                caps.iter()
                    .map(|c| code(&c.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        out.push_str("\n---\n\n");
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
    let mut m = String::from("flowchart LR\n");
    for (i, w) in repo.workflows.iter().enumerate() {
        let title = w.name.clone().unwrap_or_else(|| w.file.clone());
        let _ = writeln!(
            m,
            "  subgraph w{i}[\"{} ({})\"]",
            mermaid_label(&title),
            mermaid_label(w.file.rsplit('/').next().unwrap_or(&w.file))
        );
        for j in &w.jobs {
            let label = j.name.clone().unwrap_or_else(|| j.id.clone());
            let _ = writeln!(
                m,
                "    {}[\"{}\"]",
                node_id(i, &j.id),
                mermaid_label(&label)
            );
        }
        m.push_str("  end\n");
        for j in &w.jobs {
            for n in &j.needs {
                if w.jobs.iter().any(|x| &x.id == n) {
                    let _ = writeln!(m, "  {} --> {}", node_id(i, n), node_id(i, &j.id));
                }
            }
        }
    }
    for (i, w) in repo.workflows.iter().enumerate() {
        for name in &w.workflow_run {
            for (k, src) in repo.workflows.iter().enumerate() {
                let file_stem = src.file.rsplit('/').next().unwrap_or(&src.file);
                if src.name.as_deref() == Some(name.as_str()) || file_stem == name {
                    let _ = writeln!(m, "  w{k} -. workflow_run .-> w{i}");
                }
            }
        }
    }
    m
}

/// Shell commands that reproduce a job locally: its `run:` steps in order, with
/// `uses:` steps as comments.
pub fn local_commands(job: &super::JobSummary) -> String {
    let mut s = String::new();
    if let Some(u) = &job.uses {
        let _ = writeln!(s, "# calls the reusable workflow {}", escape::text(u));
    }
    for st in &job.steps {
        let label = escape::text(st.name.as_deref().unwrap_or_default());
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
            if let Some(wd) = &st.working_directory {
                let _ = writeln!(s, "(cd {} &&", escape::shell_word(wd));
                s.push_str(r.trim_end());
                s.push_str(")\n");
            } else {
                s.push_str(r.trim_end());
                s.push('\n');
            }
        }
    }
    s
}

fn appendices(out: &mut String, repo: &RepoReport) {
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

    out.push_str("## Appendix D: Reproducing CI Jobs Locally\n\nThe `run:` steps of each job, in order (`uses:` steps as comments; `${{ }}` expressions must be replaced by hand). Or run a job with [act](https://github.com/nektos/act).\n\n");
    for w in &repo.workflows {
        let _ = writeln!(out, "### {}\n", code(&w.file));
        for j in &w.jobs {
            let _ = writeln!(
                out,
                "**Job {}** (line {}{}):\n",
                code(&j.id),
                j.line,
                j.runs_on
                    .as_ref()
                    .map(|r| format!(", runs on {}", code(r)))
                    .unwrap_or_default()
            );
            let mut body = format!(
                "# act -W {} -j {}\n",
                escape::shell_word(&w.file),
                escape::shell_word(&j.id)
            );
            body.push_str(&local_commands(j));
            fenced(out, "bash", &body);
        }
    }
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
