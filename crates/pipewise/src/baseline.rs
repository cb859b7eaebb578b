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
    /// space. A run of ASCII bytes that are neither digits nor whitespace (most of a
    /// message) is hashed in one tight loop; only a non-ASCII character is decoded,
    /// to ask whether it is whitespace.
    fn anchor_part(&mut self, message: &str) {
        let b = message.as_bytes();
        let mut h = self.0;
        let mut words = false;
        let mut space = false;
        let mut i = 0;
        while let Some(&c) = b.get(i) {
            match CLASS[usize::from(c)] {
                Class::Digit => i += 1,
                Class::Space => {
                    space = words;
                    i += 1;
                }
                Class::Word => {
                    if space {
                        h = fnv_byte(h, b' ');
                        space = false;
                    }
                    words = true;
                    h = fnv_byte(h, c);
                    i += 1;
                    while let Some(&c) = b.get(i) {
                        if !matches!(CLASS[usize::from(c)], Class::Word) {
                            break;
                        }
                        h = fnv_byte(h, c);
                        i += 1;
                    }
                }
                Class::NonAscii => {
                    let Some(ch) = message.get(i..).and_then(|s| s.chars().next()) else {
                        break;
                    };
                    let n = ch.len_utf8();
                    if ch.is_whitespace() {
                        space = words;
                    } else {
                        if space {
                            h = fnv_byte(h, b' ');
                            space = false;
                        }
                        words = true;
                        for &x in b.get(i..i + n).unwrap_or(&[]) {
                            h = fnv_byte(h, x);
                        }
                    }
                    i += n;
                }
            }
        }
        self.0 = fnv_byte(h, 0xff);
    }
}

/// One byte into an FNV-1a state.
#[inline(always)]
fn fnv_byte(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
}

/// What [`Fnv::anchor_part`] does with a byte of a message.
#[derive(Clone, Copy)]
enum Class {
    /// Hashed: ASCII, neither a digit nor whitespace.
    Word,
    /// An ASCII digit: dropped.
    Digit,
    /// ASCII whitespace (`char::is_whitespace`): ends a word.
    Space,
    /// Part of a non-ASCII character: decoded.
    NonAscii,
}

/// [`Class`] of every byte.
static CLASS: [Class; 256] = {
    let mut t = [Class::NonAscii; 256];
    let mut i = 0;
    while i < 128 {
        let c = i as u8;
        t[i] = if c.is_ascii_digit() {
            Class::Digit
        } else if ascii_whitespace(c) {
            Class::Space
        } else {
            Class::Word
        };
        i += 1;
    }
    t
};

/// `char::is_whitespace` of an ASCII byte: tab, line feed, vertical tab, form feed,
/// carriage return and space (not `u8::is_ascii_whitespace`, which leaves out the
/// vertical tab).
const fn ascii_whitespace(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

/// `h` as 16 lower-case hex digits (`format!("{h:016x}")` without the formatter: one
/// per finding).
fn hex16(h: u64) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(16);
    for shift in (0..16).rev() {
        let d = (h >> (shift * 4)) & 0xf;
        out.push(char::from(DIGITS[d as usize]));
    }
    out
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
        f.fingerprint = hex16(h);
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
            "\u{85}",
            "\u{2009}",
            "\u{b}",
            "\u{c}",
            "\u{1c}",
            "\u{7f}",
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
            "\u{1f}",
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

    /// Every ASCII character is whitespace for [`ascii_whitespace`] as it is for
    /// `char::is_whitespace`, and the hex of a fingerprint is `{:016x}`'s.
    #[test]
    fn ascii_whitespace_and_hex_are_the_standard_ones() {
        for c in 0u8..128 {
            assert_eq!(ascii_whitespace(c), char::from(c).is_whitespace(), "{c}");
        }
        for h in [0, 1, 0xf, 0xabc, u64::MAX, 0x0123_4567_89ab_cdef, 1 << 63] {
            assert_eq!(hex16(h), format!("{h:016x}"));
        }
    }
}
