//! Scores (`shared/spec/scoring.md`, documented with the exact numbers in
//! `docs/scoring.md`): eight weighted categories scored 0–10 from capability credits
//! minus finding penalties, an overall 0–100 score with a grade, and a 0–100 score
//! per workflow file. Every category lists what took points away.
//!
//! The arithmetic is integer (centipoints: 1000 = 10.0) so that the properties the
//! spec asks for (deterministic, monotone, bounded) hold exactly, not up to floating
//! point noise.

use crate::analysis::capabilities::{self, ALL as CAPABILITIES};
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

/// Optional capabilities (`optional` in their
/// [`CapabilityMeta`](crate::analysis::capabilities::CapabilityMeta)): in place
/// they give their category a bonus of [`OPTIONAL_BONUS`] (half for partial, up to
/// 10); missing they cost nothing. Useful practices that many good pipelines do
/// not need.
pub const OPTIONAL_CAPABILITIES: [&str; OPTIONAL_COUNT] = {
    let mut ids = [""; OPTIONAL_COUNT];
    let (mut i, mut n) = (0, 0);
    while i < CAPABILITIES.len() {
        if CAPABILITIES[i].meta.optional {
            ids[n] = CAPABILITIES[i].meta.id;
            n += 1;
        }
        i += 1;
    }
    ids
};

const OPTIONAL_COUNT: usize = {
    let (mut i, mut n) = (0, 0);
    while i < CAPABILITIES.len() {
        if CAPABILITIES[i].meta.optional {
            n += 1;
        }
        i += 1;
    }
    n
};

/// The bonus (centipoints of the category) of an optional capability in place.
pub const OPTIONAL_BONUS: u32 = 50;

/// The most one core capability can cost the overall score (points of 100) at its
/// category's nominal weight, so a category with one or two capabilities has no
/// cliff: `ops.iac` missing costs 3 overall points, not the whole 10 of its
/// category.
pub const MAX_CAPABILITY_OVERALL: u32 = 3;

/// Whether a capability is optional (a bonus, never a deduction).
pub fn is_optional(id: &str) -> bool {
    capabilities::meta(id).is_some_and(|m| m.optional)
}

/// Marks scores as not computed (`grade` `n/a`, `overall` 0) with the reason.
pub fn unscore(s: &mut Scores, reason: String) {
    s.overall = 0;
    s.grade = "n/a".into();
    s.unscored = Some(reason);
}

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

/// Which scoring category each capability of `capabilities.md` counts towards
/// (its `CapabilityMeta::category`), in the report's order.
pub const CAPABILITY_CATEGORY: [(&str, Category); CAPABILITIES.len()] = {
    let mut rows = [("", Category::CiPipeline); CAPABILITIES.len()];
    let mut i = 0;
    while i < CAPABILITIES.len() {
        rows[i] = (CAPABILITIES[i].meta.id, CAPABILITIES[i].meta.category);
        i += 1;
    }
    rows
};

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
    capabilities::category(id)
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
        deductions: Vec<(i64, Deduction)>,
    }
    let mut cats: Vec<Cat> = vec![];
    for (cat, weight) in CATEGORY_WEIGHTS {
        type Credited<'c> = Vec<(&'c Capability, u32)>;
        let (core, optional): (Credited, Credited) = capabilities
            .iter()
            .filter(|c| capability_category(&c.id) == Some(cat))
            .filter_map(|c| capability_credit(c.status).map(|cr| (c, cr)))
            .partition(|(c, _)| !is_optional(&c.id));
        let optional: Vec<(&Capability, u32)> =
            optional.into_iter().filter(|(_, cr)| *cr > 0).collect();
        let mine: Vec<&ReportFinding> = findings
            .iter()
            .filter(|f| finding_category(f) == cat)
            .collect();
        let mut deductions = vec![];
        // Base: 10 minus what each core capability lacks (its share of the category,
        // at most MAX_CAPABILITY_OVERALL overall points), plus the optional
        // capabilities in place (up to 10).
        let mut base = 1000u32;
        if !core.is_empty() {
            let n = core.len() as u32;
            let share = (1000 / n).min(MAX_CAPABILITY_OVERALL * 1000 / weight.max(1));
            for (c, credit) in &core {
                if *credit < 100 {
                    let lost = share * (100 - credit) / 100;
                    base = base.saturating_sub(lost);
                    let status = match c.status {
                        CapabilityStatus::Partial => "partial",
                        _ => "missing",
                    };
                    let mut detail = format!("`{}` is {status}", c.id);
                    if let Some(r) = c.reason.as_deref().or(c.recommendation.as_deref()) {
                        detail.push_str(&format!(": {r}"));
                    }
                    deductions.push((
                        lost as i64,
                        Deduction {
                            kind: "capability".into(),
                            id: c.id.clone(),
                            points: lost as f64 / 100.0,
                            overall_points: 0.0,
                            detail,
                        },
                    ));
                }
            }
        }
        for (c, credit) in &optional {
            let bonus = (OPTIONAL_BONUS * credit / 100).min(1000 - base);
            if bonus == 0 {
                continue;
            }
            base += bonus;
            deductions.push((
                -(bonus as i64),
                Deduction {
                    kind: "bonus".into(),
                    id: c.id.clone(),
                    points: -(bonus as f64) / 100.0,
                    overall_points: 0.0,
                    detail: format!(
                        "`{}` is {} (optional: a bonus, never a deduction)",
                        c.id,
                        if *credit == 100 { "present" } else { "partial" }
                    ),
                },
            ));
        }
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
                share as i64,
                Deduction {
                    kind: "finding".into(),
                    id: rule.clone(),
                    points: share as f64 / 100.0,
                    overall_points: 0.0,
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
            has_capability: !core.is_empty() || !optional.is_empty(),
            applicable: !core.is_empty() || !optional.is_empty() || !mine.is_empty(),
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
        .map(|mut c| {
            // What a point of this category is worth overall: its share of the
            // weighted mean, or its nominal weight when it only deducts.
            let per_point = if c.has_capability {
                c.weight as f64 * 10.0 / cap_weight.max(1) as f64
            } else {
                c.weight as f64 / 10.0
            };
            for (_, d) in &mut c.deductions {
                d.overall_points = (d.points * per_point * 100.0).round() / 100.0;
            }
            c
        })
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

    // Findings by the files they are in or point at, in order: one pass, not one
    // pass over every finding per workflow (3,000 workflows).
    let mut by_file: foldhash::HashMap<&str, Vec<&ReportFinding>> = Default::default();
    for f in findings {
        let mut at: Vec<&str> = std::iter::once(f.file.as_str())
            .chain(f.related.iter().map(|r| r.file.as_str()))
            .collect();
        at.sort_unstable();
        at.dedup();
        for file in at {
            by_file.entry(file).or_default().push(f);
        }
    }
    let workflows = files
        .iter()
        .filter(|f| f.kind == "workflow")
        .map(|wf| {
            let mine = by_file
                .get(wf.path.as_str())
                .map(|v| v.as_slice())
                .unwrap_or_default();
            pipewise_yaml::work::add(pipewise_yaml::work::Work::WorkflowLinks, 1 + mine.len());
            let mine = mine.iter().copied();
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
        unscored: None,
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
            name: Default::default(),
            practice: Default::default(),
            category: Default::default(),
            optional: false,
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
        assert_eq!(
            CAPABILITY_CATEGORY.len(),
            crate::analysis::capabilities::IDS.len()
        );
        let mut ids: Vec<&str> = CAPABILITY_CATEGORY.iter().map(|e| e.0).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(
            ids.len(),
            crate::analysis::capabilities::IDS.len(),
            "duplicate capability ids"
        );
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
        // One of two capabilities missing would be 5.0 points, but one capability
        // costs at most 3 overall points: 3 / (10 × 0.20) = 1.5. Base 8.5, raw
        // penalty 1.5 + 0.75 for the repeated rule: 8.5 * 10 / 12.25 = 6.94.
        assert_eq!(testing.score, 6.9);
        assert!(testing.applicable);
        assert_eq!(testing.deductions[1].id, "ci.coverage");
        assert_eq!(testing.deductions[1].points, 1.5);
        assert_eq!(testing.deductions[0].points, 1.57);
        // Only testing has capabilities: a point of it is 10 overall points.
        assert_eq!(testing.deductions[1].overall_points, 15.0);
        let iac = s.categories.iter().find(|c| c.id == "iac").unwrap();
        assert!(!iac.applicable);
        assert_eq!(s.overall, 69);
        assert_eq!(s.grade, "C+");
        let a = &s.workflows[0];
        // 100 * 100 / (100 + 12 + 6)
        assert_eq!((a.score, a.status.as_str()), (84, "good"));
        assert_eq!(s.workflows[1].score, 100);
    }

    /// The overall points one capability's status costs among a full audit's.
    fn cost_of(id: &str, status: CapabilityStatus) -> i64 {
        let all = |st: CapabilityStatus| -> Vec<Capability> {
            CAPABILITY_CATEGORY
                .iter()
                .map(|(c, _)| {
                    cap(
                        c,
                        if *c == id {
                            st
                        } else {
                            CapabilityStatus::Present
                        },
                    )
                })
                .collect()
        };
        let full = score(&[], &all(CapabilityStatus::Present), &[]).overall as i64;
        full - score(&[], &all(status), &[]).overall as i64
    }

    #[test]
    fn no_cliffs_optional_and_unknown() {
        // A category with one capability (iac) no longer loses its whole weight.
        assert_eq!(cost_of("ops.iac", CapabilityStatus::Missing), 3);
        assert_eq!(cost_of("ops.monitoring", CapabilityStatus::Missing), 3);
        assert!(cost_of("ci.unit-tests", CapabilityStatus::Missing) <= 3);
        // Optional capabilities and unknown settings cost nothing.
        for id in OPTIONAL_CAPABILITIES {
            assert_eq!(cost_of(id, CapabilityStatus::Missing), 0, "{id}");
        }
        assert_eq!(
            cost_of("deploy.approval-gate", CapabilityStatus::Unknown),
            0
        );
        // An optional capability in place gives back what a gap took.
        let caps = vec![
            cap("deploy.production", CapabilityStatus::Present),
            cap("deploy.smoke-tests", CapabilityStatus::Missing),
            cap("deploy.progressive", CapabilityStatus::Present),
            cap("deploy.preview-environments", CapabilityStatus::Missing),
        ];
        let s = score(&[], &caps, &[]);
        let dep = s.categories.iter().find(|c| c.id == "deployment").unwrap();
        // smoke tests: min(10 / 2, 3 / 1.5) = 2.0; progressive gives back 0.5.
        assert_eq!(dep.score, 8.5);
        let kinds: Vec<(&str, f64)> = dep
            .deductions
            .iter()
            .map(|d| (d.kind.as_str(), d.points))
            .collect();
        assert_eq!(kinds, vec![("capability", 2.0), ("bonus", -0.5)]);
    }

    #[test]
    fn unscored_reports_say_why() {
        let mut s = score(&[], &[cap("ci.build", CapabilityStatus::Missing)], &[]);
        unscore(&mut s, "no supported CI found".into());
        assert_eq!((s.overall, s.grade.as_str()), (0, "n/a"));
        assert_eq!(s.unscored.as_deref(), Some("no supported CI found"));
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
        proptest::collection::vec(
            proptest::option::weighted(0.7, 0..4usize),
            crate::analysis::capabilities::IDS.len(),
        )
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
            // Every deduction's overall cost: together they are what the overall
            // score lost (up to rounding).
            let n: usize = a.categories.iter().map(|c| c.deductions.len()).sum();
            let lost: f64 = a
                .categories
                .iter()
                .flat_map(|c| &c.deductions)
                .map(|d| d.overall_points)
                .sum();
            if a.overall > 0 {
                prop_assert!(
                    (lost - (100.0 - a.overall as f64)).abs() <= 1.0 + 0.01 * n as f64,
                    "{lost} vs {}", a.overall
                );
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
