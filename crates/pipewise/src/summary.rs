//! What a report shows beyond the raw findings and capabilities, computed once and
//! carried in the `pipewise/report@1` data (`summary`), so renderers compute
//! nothing of their own: findings grouped by rule with one bulk effort, capability
//! gaps with their priority and effort, the action plan by theme, the overall
//! status on the per-workflow scale, and the total effort. The efforts model is in
//! `docs/scoring.md`.

use crate::finding::{Category, Severity};
use crate::schema::snippet::CodeLang;
use crate::schema::{
    Capability, CapabilityStatus, FindingGroup, Gap, PlanPhase, Readiness, RepoReport, Summary,
};
use crate::scoring::{capability_category, workflow_status, CATEGORY_WEIGHTS};

/// Minutes to add a missing capability from nothing: what it is (a whole deploy
/// pipeline is days, a scanner step is minutes; each capability's
/// `build_minutes`). Unknown ids: two hours.
pub fn capability_build_minutes(id: &str) -> u32 {
    crate::analysis::capabilities::meta(id).map_or(120, |m| m.build_minutes)
}

/// Minutes to close a capability gap: the build time when missing, a third of it
/// (rounded up to 15 minutes) when partial, 0 otherwise.
pub fn capability_effort(c: &Capability) -> u32 {
    let full = capability_build_minutes(&c.id);
    match c.status {
        CapabilityStatus::Missing => full,
        CapabilityStatus::Partial => (full / 3).div_ceil(15).max(1) * 15,
        _ => 0,
    }
}

/// The action-plan priority of a missing or partial capability, from its category
/// weight: high (>= 0.15 and missing), medium (>= 0.15 partial, or >= 0.10
/// missing), low; an optional capability (a bonus, no deduction) is always low.
pub fn capability_priority(c: &Capability) -> Severity {
    if crate::scoring::is_optional(&c.id) {
        return Severity::Low;
    }
    let w = capability_category(&c.id)
        .and_then(|cat| {
            CATEGORY_WEIGHTS
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

/// The effort of fixing every occurrence of one rule: the first costs its fix's
/// effort, each further one a fifth of it (at least a minute): the same change,
/// repeated or scripted.
pub fn group_effort(efforts: &[u32]) -> u32 {
    let first = efforts.iter().copied().max().unwrap_or(0);
    let more = efforts.len().saturating_sub(1) as u32;
    first + more * first.div_ceil(5)
}

/// A plan theme: its title and goal, for the findings and gaps of a category.
fn theme(cat: Category) -> (&'static str, &'static str) {
    match cat {
        Category::Security => (
            "Secure the pipeline",
            "No token, secret or third-party action can be abused by a pull request or a compromised dependency.",
        ),
        Category::Testing => (
            "Make the gates real",
            "A failing test, check or scanner fails the build instead of passing silently.",
        ),
        Category::Deployment => (
            "Deploy safely",
            "Every deploy is gated on tests, controlled, verified after it lands and repeatable.",
        ),
        Category::DisasterRecovery => (
            "Be able to recover",
            "A bad release or lost data can be rolled back or restored, and that has been tried.",
        ),
        Category::CiPipeline => (
            "Fast, reproducible CI",
            "CI builds the same thing every time, with pinned toolchains, caches that cannot go stale and bounded run times.",
        ),
        Category::Observability => (
            "See what production does",
            "Deploys and failures are visible to the team within minutes.",
        ),
        Category::Iac => (
            "Infrastructure as code",
            "Images and infrastructure are defined in the repository, reviewed and reproducible.",
        ),
        Category::Release => (
            "Automate releases",
            "Versions, changelogs and artifacts are produced by the pipeline, not by hand.",
        ),
    }
}

/// Themes a theme builds on: deploy gates need tests that fail; recovery and
/// monitoring need a deploy path.
fn depends_on(cat: Category) -> &'static [Category] {
    match cat {
        Category::Deployment => &[Category::Testing],
        Category::DisasterRecovery | Category::Observability => &[Category::Deployment],
        _ => &[],
    }
}

fn category_of(id: &str) -> Option<Category> {
    Category::ALL.into_iter().find(|c| c.id() == id)
}

/// The code-block language of a finding's fix snippet (`FindingGroup::fix_lang`, for
/// the first finding of each group, which the Markdown report shows):
/// the language of the finding's file ([`CodeLang::of_file`]) when the snippet is
/// written in it, else what the snippet is (a workflow step suggested for a
/// `package.json` finding is YAML, not JSON): JSON when it starts as a JSON value or
/// member, TOML when it parses as TOML, YAML when it looks like a mapping or list
/// and parses as YAML. Decided here, in the engine, so that no renderer parses a
/// snippet; an empty snippet (shown by no report) has none.
pub fn fix_snippet_lang(file: &str, snippet: &str) -> CodeLang {
    if snippet.trim().is_empty() {
        return CodeLang::None;
    }
    let lang = CodeLang::of_file(file);
    // The first line of code: not blank, not a comment.
    let code = || {
        snippet
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("//"))
            .unwrap_or_default()
    };
    let fits = match lang {
        // A JSON value or a `"key": value` member of one.
        CodeLang::Json => code().starts_with(['{', '[', '"']),
        CodeLang::Toml => snippet.parse::<toml::Table>().is_ok(),
        _ => true,
    };
    if fits {
        return lang;
    }
    let code = code();
    let yaml_like = code.starts_with("- ")
        || code
            .split_once(':')
            .is_some_and(|(k, _)| !k.is_empty() && !k.contains(char::is_whitespace));
    if yaml_like && pipewise_yaml::Document::parse(snippet.to_string()).is_ok() {
        CodeLang::Yaml
    } else {
        CodeLang::None
    }
}

/// The summary of a repository's report.
pub fn summarize(r: &RepoReport) -> Summary {
    // Findings by rule, most severe first, then the most frequent.
    let mut groups: Vec<FindingGroup> = vec![];
    let mut efforts: Vec<Vec<u32>> = vec![];
    let mut files: Vec<Vec<&str>> = vec![];
    for f in &r.findings {
        let i = match groups.iter().position(|g| g.rule == f.rule) {
            Some(i) => i,
            None => {
                groups.push(FindingGroup {
                    rule: f.rule.clone(),
                    title: f.title.clone(),
                    severity: f.severity,
                    category: f.category.clone(),
                    count: 0,
                    files: 0,
                    effort_minutes: 0,
                    fix: f.fix.description.clone(),
                    command: crate::rules::fix_command(&f.rule),
                    // Once per group, not per finding: only the first is shown.
                    fix_lang: fix_snippet_lang(&f.file, &f.fix.snippet),
                });
                efforts.push(vec![]);
                files.push(vec![]);
                groups.len() - 1
            }
        };
        let g = &mut groups[i];
        g.count += 1;
        g.severity = g.severity.max(f.severity);
        efforts[i].push(f.fix.effort_minutes);
        if !files[i].contains(&f.file.as_str()) {
            files[i].push(&f.file);
        }
    }
    for (i, g) in groups.iter_mut().enumerate() {
        g.effort_minutes = group_effort(&efforts[i]);
        g.files = files[i].len();
    }
    groups.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.count.cmp(&a.count))
            .then_with(|| a.rule.cmp(&b.rule))
    });

    let mut gaps: Vec<Gap> = r
        .capabilities
        .iter()
        .filter(|c| {
            matches!(
                c.status,
                CapabilityStatus::Missing | CapabilityStatus::Partial
            )
        })
        .map(|c| Gap {
            id: c.id.clone(),
            name: c.name.to_string(),
            status: c.status,
            priority: capability_priority(c),
            category: c.category.to_string(),
            effort_minutes: capability_effort(c),
        })
        .collect();
    gaps.sort_by(|a, b| b.priority.cmp(&a.priority).then_with(|| a.id.cmp(&b.id)));

    let plan = plan(&groups, &gaps);
    let effort_minutes = groups.iter().map(|g| g.effort_minutes).sum::<u32>()
        + gaps.iter().map(|g| g.effort_minutes).sum::<u32>();
    let readiness = readiness(r, &groups, &gaps);
    Summary {
        status: workflow_status(r.scores.overall).to_string(),
        groups,
        gaps,
        plan,
        effort_minutes,
        readiness,
    }
}

/// Ready / needs work / blocking for each applicable category.
fn readiness(r: &RepoReport, groups: &[FindingGroup], gaps: &[Gap]) -> Vec<Readiness> {
    let times = |n: usize| {
        if n == 1 {
            String::new()
        } else {
            format!(", {n} times")
        }
    };
    r.scores
        .categories
        .iter()
        .filter(|c| c.applicable)
        .map(|c| {
            let g = groups
                .iter()
                .find(|g| g.severity >= Severity::High && g.category == c.id);
            let gap = gaps
                .iter()
                .find(|g| g.priority == Severity::High && g.category == c.id);
            let (status, why) = match (g, gap) {
                (Some(g), _) => ("blocking", format!("{}{}", g.title, times(g.count))),
                (None, Some(gap)) => ("blocking", format!("no {}", gap.name.to_lowercase())),
                _ if c.score >= 8.0 => ("ready", String::new()),
                _ => (
                    "needs-work",
                    c.deductions
                        .first()
                        .map(|d| d.detail.clone())
                        .unwrap_or_default(),
                ),
            };
            Readiness {
                category: c.id.clone(),
                name: c.name.clone(),
                score: c.score,
                status: status.into(),
                why,
            }
        })
        .collect()
}

/// Phases by theme (category) for medium and more severe findings and for
/// capability gaps, most urgent first; low and info findings in a last polish
/// phase.
fn plan(groups: &[FindingGroup], gaps: &[Gap]) -> Vec<PlanPhase> {
    let mut phases: Vec<(Category, PlanPhase)> = vec![];
    let mut polish = PlanPhase {
        theme: "polish".into(),
        title: "Polish".into(),
        goal: "Low-severity and informational findings, fixed when the files are next touched."
            .into(),
        priority: Severity::Low,
        ..PlanPhase::default()
    };
    let phase_of = |cat: Category, phases: &mut Vec<(Category, PlanPhase)>| -> usize {
        if let Some(i) = phases.iter().position(|(c, _)| *c == cat) {
            return i;
        }
        let (title, goal) = theme(cat);
        phases.push((
            cat,
            PlanPhase {
                theme: cat.id().into(),
                title: title.into(),
                goal: goal.into(),
                priority: Severity::Info,
                ..PlanPhase::default()
            },
        ));
        phases.len() - 1
    };
    for g in groups {
        if g.severity < Severity::Medium {
            polish.rules.push(g.rule.clone());
            polish.effort_minutes += g.effort_minutes;
            continue;
        }
        let cat = category_of(&g.category).unwrap_or(Category::CiPipeline);
        let i = phase_of(cat, &mut phases);
        let p = &mut phases[i].1;
        p.rules.push(g.rule.clone());
        p.priority = p.priority.max(g.severity);
        p.effort_minutes += g.effort_minutes;
    }
    for g in gaps {
        let cat = category_of(&g.category).unwrap_or(Category::CiPipeline);
        let i = phase_of(cat, &mut phases);
        let p = &mut phases[i].1;
        p.capabilities.push(g.id.clone());
        p.priority = p.priority.max(g.priority);
        p.effort_minutes += g.effort_minutes;
    }
    let weight = |c: Category| {
        CATEGORY_WEIGHTS
            .iter()
            .find(|(k, _)| *k == c)
            .map(|e| e.1)
            .unwrap_or(0)
    };
    phases.sort_by(|a, b| {
        b.1.priority
            .cmp(&a.1.priority)
            .then(weight(b.0).cmp(&weight(a.0)))
    });
    let present: Vec<Category> = phases.iter().map(|(c, _)| *c).collect();
    let mut out: Vec<PlanPhase> = phases
        .into_iter()
        .map(|(c, mut p)| {
            p.depends_on = depends_on(c)
                .iter()
                .filter(|d| present.contains(d))
                .map(|d| d.id().to_string())
                .collect();
            p
        })
        .collect();
    if !polish.rules.is_empty() {
        out.push(polish);
    }
    out
}

/// Keeps the findings at or above `min` and recomputes the summary from them
/// (`--min-severity`).
pub fn retain_at_least(r: &mut RepoReport, min: Severity) {
    if r.findings.iter().any(|f| f.severity < min) {
        r.findings.retain(|f| f.severity >= min);
        r.summary = summarize(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(file: &str, snippet: &str) -> &'static str {
        fix_snippet_lang(file, snippet).as_str()
    }

    #[test]
    fn fix_snippets_are_labelled_with_their_files_language() {
        let w = ".github/workflows/ci.yml";
        assert_eq!(lang(w, "permissions:\n  contents: read\n"), "yaml");
        assert_eq!(lang("docker/Dockerfile.prod", "USER 10001\n"), "dockerfile");
        assert_eq!(lang("scripts/deploy.sh", "set -euo pipefail\n"), "sh");
        assert_eq!(
            lang("Cargo.toml", "[profile.release]\nlto = true\n"),
            "toml"
        );
        assert_eq!(lang("renovate.json", "{ \"pinDigests\": true }"), "json");
        assert_eq!(
            lang("package.json", "\"engines\": { \"node\": \">=20\" }"),
            "json"
        );
        // Not written in the file's language: what the snippet is.
        assert_eq!(
            lang(
                "package.json",
                "- uses: actions/setup-node@v4\n  with:\n    node-version-file: .nvmrc\n"
            ),
            "yaml"
        );
        assert_eq!(
            lang("fly.toml", "jobs:\n  deploy:\n    runs-on: x\n"),
            "yaml"
        );
        assert_eq!(lang("package.json", "npm ci --ignore-scripts"), "");
        assert_eq!(lang("README", "anything"), "");
        // No snippet, no label (no report shows one).
        assert_eq!(lang(w, " \n"), "");
    }

    #[test]
    fn bulk_fixes_cost_once_plus_a_little_per_repeat() {
        assert_eq!(group_effort(&[]), 0);
        assert_eq!(group_effort(&[5]), 5);
        assert_eq!(group_effort(&[5; 34]), 5 + 33);
        assert_eq!(group_effort(&[15, 10]), 15 + 3);
        assert_eq!(group_effort(&[0, 0]), 0);
    }

    #[test]
    fn demo_repository_summary() {
        let demo =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo-repo");
        let mut r = crate::audit::audit_path(&demo, None).unwrap();
        let s = &r.summary;
        assert_eq!(*s, summarize(&r), "computed by the audit");
        let counted: usize = s.groups.iter().map(|g| g.count).sum();
        assert_eq!(counted, r.findings.len(), "every finding in one group");
        let mut rules: Vec<&str> = s.groups.iter().map(|g| g.rule.as_str()).collect();
        rules.dedup();
        assert_eq!(rules.len(), s.groups.len(), "one group per rule");
        assert!(s.groups.windows(2).all(|w| w[0].severity >= w[1].severity));
        // Every medium+ group and every gap is in exactly one phase.
        for g in &s.groups {
            let n = s.plan.iter().filter(|p| p.rules.contains(&g.rule)).count();
            assert_eq!(n, 1, "{}", g.rule);
        }
        for g in &s.gaps {
            assert_eq!(
                s.plan
                    .iter()
                    .filter(|p| p.capabilities.contains(&g.id))
                    .count(),
                1
            );
        }
        let total: u32 = s.plan.iter().map(|p| p.effort_minutes).sum();
        assert_eq!(
            total, s.effort_minutes,
            "the plan costs what the summary says"
        );
        assert!(s.plan.windows(2).all(|w| w[0].priority >= w[1].priority));
        // --min-severity high: the summary follows the findings shown.
        retain_at_least(&mut r, Severity::High);
        assert!(r
            .summary
            .groups
            .iter()
            .all(|g| g.severity >= Severity::High));
        assert_eq!(
            r.summary.groups.iter().map(|g| g.count).sum::<usize>(),
            r.findings.len()
        );
    }
}
