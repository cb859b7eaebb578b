//! Finding fingerprints and baselines.
//!
//! A fingerprint identifies a finding across edits: it hashes the rule, the file,
//! the job and step, and the message (which quotes the offending code) without its
//! digits, but not the line or column, so moving the code or editing other lines
//! keeps it. Identical findings in one file are told apart by their order.
//!
//! `pipewise audit --write-baseline FILE` saves the fingerprints of every finding;
//! `--baseline FILE` then reports only findings not in it, and lists the baseline
//! entries that no longer match any finding (fixed, or changed beyond recognition).

use crate::report::{Report, ReportFinding};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The baseline file's schema id.
pub const BASELINE_SCHEMA: &str = "pipewise/baseline@1";

/// 64-bit FNV-1a: small, stable across versions and platforms.
fn fnv(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// What a fingerprint reads of a finding besides its rule, file, job and step: its
/// message (which quotes the offending code) without digits, so line numbers and
/// counts inside it do not matter, with whitespace collapsed.
fn anchor(f: &ReportFinding) -> String {
    let no_digits: String = f.message.chars().filter(|c| !c.is_ascii_digit()).collect();
    no_digits.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Sets the fingerprint of every finding of one repository (in report order).
pub fn fingerprint(findings: &mut [ReportFinding]) {
    let mut seen: BTreeMap<u64, u32> = BTreeMap::new();
    for f in findings {
        let anchor = anchor(f);
        let base = fnv(&[
            &f.rule,
            &f.file,
            f.job.as_deref().unwrap_or(""),
            f.step.as_deref().unwrap_or(""),
            &anchor,
        ]);
        let n = seen.entry(base).or_default();
        let h = if *n == 0 {
            base
        } else {
            fnv(&[&base.to_string(), &n.to_string()])
        };
        *n += 1;
        f.fingerprint = format!("{h:016x}");
    }
}

/// A saved baseline: one entry per accepted finding.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Baseline {
    pub schema: String,
    pub findings: Vec<BaselineEntry>,
}

/// An accepted finding; everything but the fingerprint is for people reading the file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule: String,
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl Baseline {
    /// Every finding of a report.
    pub fn of(report: &Report) -> Baseline {
        let mut findings: Vec<BaselineEntry> = report
            .repositories
            .iter()
            .flat_map(|r| {
                r.findings.iter().map(|f| BaselineEntry {
                    fingerprint: f.fingerprint.clone(),
                    rule: f.rule.clone(),
                    file: crate::schema::display_path(&r.root, &f.file),
                    line: f.line,
                    message: f.message.clone(),
                })
            })
            .collect();
        findings.sort_by(|a, b| {
            (&a.file, a.line, &a.fingerprint).cmp(&(&b.file, b.line, &b.fingerprint))
        });
        Baseline {
            schema: BASELINE_SCHEMA.into(),
            findings,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Reads a baseline file's text.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let b: Baseline = serde_json::from_str(text).map_err(|e| {
            format!(
                "not a pipewise baseline (line {}, column {}: {e}); write one with `pipewise audit --write-baseline FILE`",
                e.line(),
                e.column()
            )
        })?;
        if b.schema != BASELINE_SCHEMA {
            return Err(format!(
                "baseline schema is `{}`, but this pipewise reads `{BASELINE_SCHEMA}`",
                b.schema
            ));
        }
        Ok(b)
    }

    /// Removes from `findings` those the baseline accepts (each entry accepts one
    /// finding) and returns how many it removed.
    pub fn filter(
        &self,
        findings: &mut Vec<ReportFinding>,
        pool: &mut BTreeMap<String, usize>,
    ) -> usize {
        let before = findings.len();
        findings.retain(|f| match pool.get_mut(&f.fingerprint) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        });
        before - findings.len()
    }

    /// Fingerprint → number of entries, for [`Baseline::filter`].
    pub fn pool(&self) -> BTreeMap<String, usize> {
        let mut pool = BTreeMap::new();
        for e in &self.findings {
            *pool.entry(e.fingerprint.clone()).or_default() += 1;
        }
        pool
    }

    /// The entries left unmatched in `pool` after filtering: stale entries.
    pub fn stale(&self, pool: &BTreeMap<String, usize>) -> Vec<&BaselineEntry> {
        let mut left = pool.clone();
        let mut out = vec![];
        // The last entries of a fingerprint are the unmatched ones.
        for e in self.findings.iter().rev() {
            if let Some(n) = left.get_mut(&e.fingerprint) {
                if *n > 0 {
                    *n -= 1;
                    out.push(e);
                }
            }
        }
        out.reverse();
        out
    }
}
