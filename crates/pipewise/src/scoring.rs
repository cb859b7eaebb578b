//! Scores (`shared/spec/scoring.md`, documented with the exact numbers in
//! `docs/scoring.md`): eight weighted categories scored 0–10 from capability credits
//! minus finding penalties, an overall 0–100 score with a grade, and a 0–100 score
//! per workflow file. Every category lists what took points away.
//!
//! The arithmetic is integer (centipoints: 1000 = 10.0) so that the properties the
//! spec asks for (deterministic, monotone, bounded) hold exactly, not up to floating
//! point noise.

use crate::finding::{Category, Severity};
use crate::schema::{Capability, CapabilityStatus, FileEntry, ReportFinding};
use std::collections::BTreeMap;

/// Category weights in percent (seed 001 §10.1), in `Category::ALL` order.
pub const CATEGORY_WEIGHTS: [(Category, u32); 8] = [
    (Category::CiPipeline, 20),
    (Category::Testing, 20),
    (Category::Security, 15),
    (Category::Deployment, 15),
    (Category::Iac, 10),
    (Category::Observability, 10),
    (Category::Release, 5),
    (Category::DisasterRecovery, 5),
];

/// Points (in centipoints, 100 = 1.0 point out of 10) one finding takes off its
/// category, before repeats of the same rule are discounted.
pub const CATEGORY_PENALTY: [(Severity, u32); 5] = [
    (Severity::Critical, 250),
    (Severity::High, 150),
    (Severity::Medium, 75),
    (Severity::Low, 25),
    (Severity::Info, 0),
];

/// Points (out of 100) one finding takes off its workflow file's score, before
/// repeats of the same rule are discounted.
pub const WORKFLOW_PENALTY: [(Severity, u32); 5] = [
    (Severity::Critical, 25),
    (Severity::High, 12),
    (Severity::Medium, 5),
    (Severity::Low, 1),
    (Severity::Info, 0),
];

/// Diminishing returns: the n-th finding (0-based, most severe first) of the same
/// rule counts its penalty divided by `REPEAT_DIVISOR^n` (rounded down), so one noisy
/// rule weighs at most twice its first penalty.
pub const REPEAT_DIVISOR: u32 = 2;

/// Findings scale a score down instead of subtracting from it:
/// `score = start × scale / (scale + penalties)`, so every finding lowers the score,
/// many findings approach 0 without reaching it, and the capability credit still
/// counts. Category scale: 10 points (in centipoints).
pub const CATEGORY_SCALE: u32 = 1000;

/// The same scale for workflow scores: 100 points.
pub const WORKFLOW_SCALE: u32 = 100;

/// `start × scale / (scale + penalty)`, rounded down.
fn damped(start: u32, penalty: u32, scale: u32) -> u32 {
    (start as u64 * scale as u64 / (scale as u64 + penalty as u64)) as u32
}

/// Credit (percent of a capability's share) per capability status.
pub const CAPABILITY_CREDIT: [(CapabilityStatus, u32); 3] = [
    (CapabilityStatus::Present, 100),
    (CapabilityStatus::Partial, 50),
    (CapabilityStatus::Missing, 0),
];

/// Grade thresholds on the overall score, best first; below the last is `F`.
pub const GRADES: [(&str, u32); 10] = [
    ("A+", 95),
    ("A", 90),
    ("A-", 85),
    ("B+", 80),
    ("B", 75),
    ("B-", 70),
    ("C+", 65),
    ("C", 60),
    ("C-", 55),
    ("D", 45),
];

/// Workflow status thresholds, best first; below the last is `poor`.
pub const WORKFLOW_STATUS: [(&str, u32); 3] = [("excellent", 85), ("good", 70), ("needs-work", 50)];

/// Which scoring category each capability of `capabilities.md` counts towards.
pub const CAPABILITY_CATEGORY: [(&str, Category); 39] = [
    ("ci.build", Category::CiPipeline),
    ("ci.caching", Category::CiPipeline),
    ("ci.concurrency", Category::CiPipeline),
    ("ci.timeouts", Category::CiPipeline),
    ("delivery.container-build", Category::CiPipeline),
    ("delivery.multi-arch", Category::CiPipeline),
    ("ci.lint", Category::Testing),
    ("ci.typecheck", Category::Testing),
    ("ci.unit-tests", Category::Testing),
    ("ci.integration-tests", Category::Testing),
    ("ci.e2e-tests", Category::Testing),
    ("ci.coverage", Category::Testing),
    ("ops.load-testing", Category::Testing),
    ("ops.performance-regression", Category::Testing),
    ("security.sast", Category::Security),
    ("security.dependency-audit", Category::Security),
    ("security.secret-scanning", Category::Security),
    ("security.container-scan", Category::Security),
    ("security.sbom", Category::Security),
    ("security.signing", Category::Security),
    ("security.dependency-updates", Category::Security),
    ("security.least-privilege", Category::Security),
    ("deploy.staging", Category::Deployment),
    ("deploy.production", Category::Deployment),
    ("deploy.approval-gate", Category::Deployment),
    ("deploy.smoke-tests", Category::Deployment),
    ("deploy.health-check", Category::Deployment),
    ("deploy.preview-environments", Category::Deployment),
    ("deploy.progressive", Category::Deployment),
    ("deploy.db-migrations", Category::Deployment),
    ("deploy.migration-validation", Category::Deployment),
    ("ops.iac", Category::Iac),
    ("ops.monitoring", Category::Observability),
    ("ops.notifications", Category::Observability),
    ("delivery.release-automation", Category::Release),
    ("delivery.changelog", Category::Release),
    ("deploy.rollback", Category::DisasterRecovery),
    ("deploy.db-backup", Category::DisasterRecovery),
    ("ops.backup-verification", Category::DisasterRecovery),
];

pub use crate::schema::{CategoryScore, Deduction, Scores, WorkflowScore};

fn penalty_of(table: &[(Severity, u32); 5], s: Severity) -> u32 {
    table
        .iter()
        .find(|(k, _)| *k == s)
        .map(|e| e.1)
        .unwrap_or(0)
}

/// The scoring category of a capability id (unknown ids: by prefix, else none).
pub fn capability_category(id: &str) -> Option<Category> {
    if let Some((_, c)) = CAPABILITY_CATEGORY.iter().find(|(k, _)| *k == id) {
        return Some(*c);
    }
    let prefix = id.split('.').next().unwrap_or("");
    match prefix {
        "ci" | "delivery" => Some(Category::CiPipeline),
        "security" => Some(Category::Security),
        "deploy" => Some(Category::Deployment),
        "ops" => Some(Category::Observability),
        _ => None,
    }
}

/// The scoring category of a finding (its `category` id; unknown ids count as CI
/// pipeline).
pub fn finding_category(f: &ReportFinding) -> Category {
    Category::ALL
        .into_iter()
        .find(|c| c.id() == f.category)
        .unwrap_or(Category::CiPipeline)
}

fn capability_credit(s: CapabilityStatus) -> Option<u32> {
    CAPABILITY_CREDIT.iter().find(|(k, _)| *k == s).map(|e| e.1)
}

/// Total penalty of a set of findings with per-rule diminishing returns, plus the
/// per-rule breakdown (rule, count, worst severity, penalty).
fn penalties<'a>(
    findings: impl Iterator<Item = &'a ReportFinding>,
    table: &[(Severity, u32); 5],
) -> (u32, Vec<(String, usize, Severity, u32)>) {
    let mut by_rule: BTreeMap<&str, Vec<Severity>> = BTreeMap::new();
    for f in findings {
        by_rule.entry(&f.rule).or_default().push(f.severity);
    }
    let mut total = 0u32;
    let mut rows = vec![];
    for (rule, mut sevs) in by_rule {
        sevs.sort_by(|a, b| b.cmp(a));
        let mut sum = 0u32;
        for (n, s) in sevs.iter().enumerate() {
            let div = REPEAT_DIVISOR.checked_pow(n as u32).unwrap_or(u32::MAX);
            sum = sum.saturating_add(penalty_of(table, *s) / div.max(1));
        }
        total = total.saturating_add(sum);
        rows.push((rule.to_string(), sevs.len(), sevs[0], sum));
    }
    (total, rows)
}

fn round_tenth(centi: u32) -> f64 {
    ((centi + 5) / 10) as f64 / 10.0
}

/// Computes the scores of a repository from its findings, its capabilities and its
/// files (workflow files get a score each).
pub fn score(
    findings: &[ReportFinding],
    capabilities: &[Capability],
    files: &[FileEntry],
) -> Scores {
    struct Cat {
        cat: Category,
        weight: u32,
        /// Centipoints 0..=1000.
        score: u32,
        has_capability: bool,
        applicable: bool,
        deductions: Vec<(u32, Deduction)>,
    }
    let mut cats: Vec<Cat> = vec![];
    for (cat, weight) in CATEGORY_WEIGHTS {
        let caps: Vec<(&Capability, u32)> = capabilities
            .iter()
            .filter(|c| capability_category(&c.id) == Some(cat))
            .filter_map(|c| capability_credit(c.status).map(|cr| (c, cr)))
            .collect();
        let mine: Vec<&ReportFinding> = findings
            .iter()
            .filter(|f| finding_category(f) == cat)
            .collect();
        let mut deductions = vec![];
        // Base: the mean credit of the applicable capabilities (10.0 without any).
        let base = if caps.is_empty() {
            1000
        } else {
            let n = caps.len() as u32;
            for (c, credit) in &caps {
                if *credit < 100 {
                    let lost = 1000 * (100 - credit) / (100 * n);
                    let status = match c.status {
                        CapabilityStatus::Partial => "partial",
                        _ => "missing",
                    };
                    let mut detail = format!("`{}` is {status}", c.id);
                    if let Some(r) = c.reason.as_deref().or(c.recommendation.as_deref()) {
                        detail.push_str(&format!(": {r}"));
                    }
                    deductions.push((
                        lost,
                        Deduction {
                            kind: "capability".into(),
                            id: c.id.clone(),
                            points: lost as f64 / 100.0,
                            detail,
                        },
                    ));
                }
            }
            caps.iter().map(|(_, cr)| cr * 10).sum::<u32>() / n
        };
        let (penalty, rows) = penalties(mine.iter().copied(), &CATEGORY_PENALTY);
        let score = damped(base, penalty, CATEGORY_SCALE);
        // The points the findings took, shared among the rules by raw penalty.
        let lost = base - score;
        for (rule, count, worst, p) in rows {
            if p == 0 {
                continue;
            }
            let share = (lost as u64 * p as u64 / penalty.max(1) as u64) as u32;
            deductions.push((
                share,
                Deduction {
                    kind: "finding".into(),
                    id: rule.clone(),
                    points: share as f64 / 100.0,
                    detail: format!(
                        "{count} finding{} of `{rule}` (worst: {worst}; raw penalty {:.2})",
                        if count == 1 { "" } else { "s" },
                        p as f64 / 100.0
                    ),
                },
            ));
        }
        deductions.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
        cats.push(Cat {
            cat,
            weight,
            score,
            has_capability: !caps.is_empty(),
            applicable: !caps.is_empty() || !mine.is_empty(),
            deductions,
        });
    }

    // Overall: the weighted mean of the categories that have capabilities (10.0
    // when none has), minus, for each category with findings but no applicable
    // capability, its weight times its lost points.
    let cap_weight: u64 = cats
        .iter()
        .filter(|c| c.has_capability)
        .map(|c| c.weight as u64)
        .sum();
    let cap_sum: u64 = cats
        .iter()
        .filter(|c| c.has_capability)
        .map(|c| c.weight as u64 * c.score as u64)
        .sum();
    let (num, den) = if cap_weight == 0 {
        (1000u64, 1u64)
    } else {
        (cap_sum, cap_weight)
    };
    // Finding-only deduction, in centipoints x 100 (weights are percent).
    let lost: u64 = cats
        .iter()
        .filter(|c| c.applicable && !c.has_capability)
        .map(|c| c.weight as u64 * (1000 - c.score as u64))
        .sum();
    // overall (0..100) = (num/den - lost/100) / 10, rounded half up.
    let scaled = (num * 100).saturating_sub(lost * den); // centipoints * 100 * den
    let overall = ((scaled + 500 * den) / (1000 * den)).min(100) as u32;
    let grade = GRADES
        .iter()
        .find(|(_, min)| overall >= *min)
        .map(|(g, _)| g.to_string())
        .unwrap_or_else(|| "F".into());
    let all_applicable: u32 = cats.iter().filter(|c| c.applicable).map(|c| c.weight).sum();
    let categories = cats
        .into_iter()
        .map(|c| CategoryScore {
            id: c.cat.id().into(),
            name: c.cat.name().into(),
            score: round_tenth(c.score),
            weight: c.weight as f64 / 100.0,
            effective_weight: if c.applicable && all_applicable > 0 {
                ((c.weight as f64 / all_applicable as f64) * 1000.0).round() / 1000.0
            } else {
                0.0
            },
            applicable: c.applicable,
            deductions: c.deductions.into_iter().map(|d| d.1).collect(),
        })
        .collect();

    let workflows = files
        .iter()
        .filter(|f| f.kind == "workflow")
        .map(|wf| {
            let mine = findings
                .iter()
                .filter(|f| f.file == wf.path || f.related.iter().any(|r| r.file == wf.path));
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            for f in mine.clone() {
                *counts.entry(f.severity.as_str().into()).or_default() += 1;
            }
            let (p, _) = penalties(mine, &WORKFLOW_PENALTY);
            let score = damped(100, p, WORKFLOW_SCALE);
            WorkflowScore {
                file: wf.path.clone(),
                score,
                status: workflow_status(score).into(),
                findings: counts,
            }
        })
        .collect();
    Scores {
        overall,
        grade,
        categories,
        workflows,
    }
}

/// The status label of a workflow score.
pub fn workflow_status(score: u32) -> &'static str {
    WORKFLOW_STATUS
        .iter()
        .find(|(_, min)| score >= *min)
        .map(|(s, _)| *s)
        .unwrap_or("poor")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Confidence, Fix};
    use proptest::prelude::*;

    pub(crate) fn finding(rule: &str, category: &str, sev: Severity, file: &str) -> ReportFinding {
        ReportFinding {
            rule: rule.into(),
            title: "t".into(),
            severity: sev,
            confidence: Confidence::High,
            category: category.into(),
            file: file.into(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 2,
            job: None,
            step: None,
            message: "m".into(),
            impact: "i".into(),
            fix: Fix {
                description: "d".into(),
                snippet: String::new(),
                effort_minutes: 5,
            },
            references: vec![],
            related: vec![],
            fingerprint: String::new(),
            snippet: vec![],
            context: vec![],
        }
    }

    fn cap(id: &str, status: CapabilityStatus) -> Capability {
        Capability {
            id: id.into(),
            status,
            evidence: vec![],
            reason: None,
            recommendation: None,
            template: None,
        }
    }

    fn wf_files() -> Vec<FileEntry> {
        ["a.yml", "b.yml"]
            .iter()
            .map(|f| FileEntry {
                path: format!(".github/workflows/{f}"),
                kind: "workflow".into(),
            })
            .collect()
    }

    #[test]
    fn every_capability_of_the_vocabulary_has_a_category() {
        let spec = include_str!("../../../docs/scoring.md");
        assert_eq!(CAPABILITY_CATEGORY.len(), 39);
        let mut ids: Vec<&str> = CAPABILITY_CATEGORY.iter().map(|e| e.0).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 39, "duplicate capability ids");
        for id in ids {
            assert!(spec.contains(&format!("`{id}`")), "{id} not documented");
        }
    }

    #[test]
    fn nothing_known_is_perfect_and_not_applicable() {
        let s = score(&[], &[], &wf_files());
        assert_eq!(s.overall, 100);
        assert_eq!(s.grade, "A+");
        assert!(s.categories.iter().all(|c| !c.applicable));
        assert!(s
            .workflows
            .iter()
            .all(|w| w.score == 100 && w.status == "excellent"));
    }

    #[test]
    fn capabilities_and_findings_combine() {
        let caps = vec![
            cap("ci.unit-tests", CapabilityStatus::Present),
            cap("ci.coverage", CapabilityStatus::Missing),
            cap("ops.iac", CapabilityStatus::NotApplicable),
        ];
        let fs = vec![
            finding(
                "reliability/masked-failure",
                "testing",
                Severity::High,
                ".github/workflows/a.yml",
            ),
            finding(
                "reliability/masked-failure",
                "testing",
                Severity::High,
                ".github/workflows/a.yml",
            ),
        ];
        let s = score(&fs, &caps, &wf_files());
        let testing = s.categories.iter().find(|c| c.id == "testing").unwrap();
        // base 5.0 (one of two), raw penalty 1.5 + 0.75 for the repeated rule:
        // 5.0 * 10 / 12.25 = 4.08.
        assert_eq!(testing.score, 4.1);
        assert!(testing.applicable);
        assert_eq!(testing.deductions[0].id, "ci.coverage");
        assert_eq!(testing.deductions[0].points, 5.0);
        assert_eq!(testing.deductions[1].points, 0.92);
        let iac = s.categories.iter().find(|c| c.id == "iac").unwrap();
        assert!(!iac.applicable);
        // Only testing has capabilities: overall = 4.08 * 10.
        assert_eq!(s.overall, 41);
        assert_eq!(s.grade, "F");
        let a = &s.workflows[0];
        // 100 * 100 / (100 + 12 + 6)
        assert_eq!((a.score, a.status.as_str()), (84, "good"));
        assert_eq!(s.workflows[1].score, 100);
    }

    #[test]
    fn finding_only_categories_deduct_from_overall() {
        let fs = vec![finding("security/x", "security", Severity::Critical, "f")];
        let s = score(&fs, &[], &[]);
        // security: 10 * 10 / 12.5 = 8.0; overall 100 - 0.15 * 2.0 * 10.
        assert_eq!(s.overall, 97);
        let sec = s.categories.iter().find(|c| c.id == "security").unwrap();
        assert_eq!((sec.score, sec.applicable), (8.0, true));
    }

    #[test]
    fn grades_follow_the_thresholds() {
        for (g, min) in GRADES {
            let got = GRADES.iter().find(|(_, m)| min >= *m).map(|e| e.0).unwrap();
            assert_eq!(got, g);
        }
        assert_eq!(workflow_status(84), "good");
        assert_eq!(workflow_status(49), "poor");
    }

    const CATS: [&str; 9] = [
        "ci-pipeline",
        "testing",
        "security",
        "deployment",
        "iac",
        "observability",
        "release",
        "disaster-recovery",
        "bogus",
    ];
    const RULES: [&str; 4] = ["a/one", "a/two", "b/three", "b/four"];

    fn arb_finding() -> impl Strategy<Value = ReportFinding> {
        (0..RULES.len(), 0..CATS.len(), 0..5usize, 0..3usize).prop_map(|(r, c, s, f)| {
            let file = [
                ".github/workflows/a.yml",
                ".github/workflows/b.yml",
                "Dockerfile",
            ][f];
            finding(RULES[r], CATS[c], Severity::ALL[s], file)
        })
    }

    fn status_of(n: usize) -> CapabilityStatus {
        [
            CapabilityStatus::Missing,
            CapabilityStatus::Partial,
            CapabilityStatus::Present,
            CapabilityStatus::NotApplicable,
        ][n]
    }

    /// A capability set: for each id of the vocabulary, maybe absent, else a status.
    fn arb_caps() -> impl Strategy<Value = Vec<Option<usize>>> {
        proptest::collection::vec(proptest::option::weighted(0.7, 0..4usize), 39)
    }

    fn caps_of(v: &[Option<usize>]) -> Vec<Capability> {
        v.iter()
            .zip(CAPABILITY_CATEGORY.iter())
            .filter_map(|(s, (id, _))| s.map(|s| cap(id, status_of(s))))
            .collect()
    }

    fn all_numbers(s: &Scores) -> Vec<f64> {
        let mut v = vec![s.overall as f64];
        v.extend(s.categories.iter().map(|c| c.score));
        v.extend(s.workflows.iter().map(|w| w.score as f64));
        v
    }

    fn assert_not_lower(before: &Scores, after: &Scores) -> Result<(), TestCaseError> {
        for (b, a) in all_numbers(before).iter().zip(all_numbers(after)) {
            prop_assert!(
                a >= *b,
                "score went down: {b} -> {a}\n{before:?}\n{after:?}"
            );
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn deterministic_and_bounded(fs in proptest::collection::vec(arb_finding(), 0..40), cs in arb_caps()) {
            let caps = caps_of(&cs);
            let a = score(&fs, &caps, &wf_files());
            let b = score(&fs, &caps, &wf_files());
            prop_assert_eq!(&a, &b);
            prop_assert!(a.overall <= 100);
            for c in &a.categories {
                prop_assert!((0.0..=10.0).contains(&c.score));
                prop_assert!(c.applicable || (c.score == 10.0 && c.deductions.is_empty()));
                // Explained: the deductions add up to the points lost.
                let sum: f64 = c.deductions.iter().map(|d| d.points).sum();
                let tolerance = 0.06 + 0.01 * c.deductions.len() as f64;
                prop_assert!((sum - (10.0 - c.score)).abs() <= tolerance, "{c:?}");
            }
            for w in &a.workflows {
                prop_assert!(w.score <= 100);
            }
            // Order of findings does not matter.
            let mut rev = fs.clone();
            rev.reverse();
            prop_assert_eq!(&a, &score(&rev, &caps, &wf_files()));
        }

        #[test]
        fn removing_a_finding_never_lowers_a_score(
            fs in proptest::collection::vec(arb_finding(), 1..40),
            cs in arb_caps(),
            pick in any::<proptest::sample::Index>(),
        ) {
            let caps = caps_of(&cs);
            let before = score(&fs, &caps, &wf_files());
            let mut fewer = fs.clone();
            fewer.remove(pick.index(fs.len()));
            let after = score(&fewer, &caps, &wf_files());
            assert_not_lower(&before, &after)?;
        }

        #[test]
        fn improving_a_capability_never_lowers_a_score(
            fs in proptest::collection::vec(arb_finding(), 0..30),
            cs in arb_caps(),
            pick in any::<proptest::sample::Index>(),
        ) {
            let i = pick.index(cs.len());
            let better = match cs[i] {
                Some(0) => Some(1),
                Some(1) => Some(2),
                _ => return Ok(()),
            };
            let before = score(&fs, &caps_of(&cs), &wf_files());
            let mut improved = cs.clone();
            improved[i] = better;
            let after = score(&fs, &caps_of(&improved), &wf_files());
            assert_not_lower(&before, &after)?;
        }
    }
}
