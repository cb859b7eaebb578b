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
    let mut h = Fnv::new();
    for p in parts {
        h.part(p);
    }
    h.0
}

/// [`fnv`] fed piece by piece: each part's bytes, then `0xff` to end it.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.byte(b);
        }
    }
    #[inline]
    fn byte(&mut self, b: u8) {
        self.0 ^= u64::from(b);
        self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
    }
    fn part(&mut self, p: &str) {
        self.bytes(p.as_bytes());
        self.bytes(&[0xff]);
    }
    /// The part [`anchor`] makes of `message`, hashed without making it: ASCII
    /// digits dropped, then the words (split at Unicode whitespace) joined by one
    /// space.
    fn anchor_part(&mut self, message: &str) {
        let mut words = false;
        let mut space = false;
        let mut buf = [0u8; 4];
        for c in message.chars() {
            // ASCII (most of every message) byte by byte: `is_whitespace` is
            // `\t`..=`\r` and the space there.
            if c.is_ascii() {
                let b = c as u8;
                if b.is_ascii_digit() {
                    continue;
                }
                if matches!(b, b'\t'..=b'\r' | b' ') {
                    space = words;
                    continue;
                }
                if space {
                    self.byte(b' ');
                    space = false;
                }
                words = true;
                self.byte(b);
                continue;
            }
            if c.is_whitespace() {
                space = words;
                continue;
            }
            if space {
                self.bytes(b" ");
                space = false;
            }
            words = true;
            self.bytes(c.encode_utf8(&mut buf).as_bytes());
        }
        self.bytes(&[0xff]);
    }
}

/// What a fingerprint reads of a finding besides its rule, file, job and step: its
/// message (which quotes the offending code) without digits, so line numbers and
/// counts inside it do not matter, with whitespace collapsed. Hashed in place by
/// [`Fnv::anchor_part`]; kept as the reading it must equal.
#[cfg(test)]
fn anchor(message: &str) -> String {
    let no_digits: String = message.chars().filter(|c| !c.is_ascii_digit()).collect();
    no_digits.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Sets the fingerprint of every finding of one repository (in report order).
pub fn fingerprint(findings: &mut [ReportFinding]) {
    let mut seen: BTreeMap<u64, u32> = BTreeMap::new();
    for f in findings {
        // `fnv` of rule, file, job, step and `anchor(f)`, fed in place.
        let mut h = Fnv::new();
        h.part(&f.rule);
        h.part(&f.file);
        h.part(f.job.as_deref().unwrap_or(""));
        h.part(f.step.as_deref().unwrap_or(""));
        h.anchor_part(&f.message);
        let base = h.0;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The anchor hashed in place is the hash of the anchor made as a string, on
    /// messages with digits, runs and ends of (Unicode) whitespace, non-ASCII
    /// digits and letters.
    #[test]
    fn the_anchor_hashed_in_place_is_the_anchor_hashed() {
        let pieces = [
            "",
            " ",
            "  ",
            "\t",
            "\n",
            "\u{a0}",
            "\u{3000}",
            "\u{2028}",
            "1",
            "42",
            "٣",
            "a",
            "uses: actions/checkout@v4",
            "é",
            "日本",
            "x1y",
            "-",
            "\r\n",
            "`",
            "0.5",
            "\u{b}",
            "\u{c}",
            "\u{1f}",
            "\u{85}",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut checked = 0;
        for len in 0..7 {
            for _ in 0..600 {
                let mut m = String::new();
                for _ in 0..len {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let i = usize::try_from(state % pieces.len() as u64).unwrap_or(0);
                    m.push_str(pieces[i]);
                }
                let mut h = Fnv::new();
                h.part("rule");
                h.anchor_part(&m);
                assert_eq!(h.0, fnv(&["rule", &anchor(&m)]), "{m:?}");
                checked += 1;
            }
        }
        assert!(checked > 4000);
    }
}
