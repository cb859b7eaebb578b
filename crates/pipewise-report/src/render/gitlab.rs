//! `--format gitlab`: GitLab Code Quality JSON, the report a merge request shows
//! inline (`artifacts: reports: codequality: gl-code-quality-report.json`). An array
//! of issues with `description`, `check_name`, `fingerprint`, `severity` and
//! `location.path`/`lines.begin`. Written through serde_json, so every string is
//! JSON-escaped. File errors are issues too (`check_name: pipewise/file-error`).
//!
//! The fingerprint is stable across commits that move a finding (it hashes the
//! repository, file, rule and message, not the line) and unique within a report (a
//! counter separates repeats).

use super::{Renderer, Report};
use crate::finding::Severity;
use serde_json::{json, Value};
use std::collections::HashMap;

/// The `--format gitlab` renderer.
pub struct Gitlab;

impl Renderer for Gitlab {
    fn shows_inventory(&self) -> bool {
        false
    }
    fn name(&self) -> &'static str {
        "gitlab"
    }
    fn render(&self, report: &Report, _opts: &super::RenderOptions) -> String {
        render(report)
    }
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "blocker",
        Severity::High => "critical",
        Severity::Medium => "major",
        Severity::Low => "minor",
        Severity::Info => "info",
    }
}

/// FNV-1a, 64 bits, from `seed`.
fn fnv(seed: u64, parts: &[&str]) -> u64 {
    let mut h = seed;
    for p in parts {
        for b in p.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

pub fn render(report: &Report) -> String {
    let s = GitlabStream {
        multi: report.repositories.len() > 1,
    };
    super::stream::render(&s, &report.repositories)
}

/// GitLab Code Quality written repository by repository (see [`super::stream`]).
/// Workers build the issues; the writing thread gives each its fingerprint (unique
/// over the whole report) and prints it.
pub struct GitlabStream {
    /// More than one repository: paths start with the repository's root.
    pub multi: bool,
}

/// The fingerprints given so far (how many times each), and whether an issue was
/// written.
#[derive(Default)]
pub struct Kept {
    seen: HashMap<(u64, u64), usize>,
    any: bool,
}

impl super::stream::Stream for GitlabStream {
    /// Each issue without its fingerprint, and the two hashes the fingerprint is made of.
    type Part = Vec<((u64, u64), Value)>;
    type Acc = Kept;
    const SPILL: bool = false;

    fn part(&self, repo: &super::RepoReport) -> Self::Part {
        let path = |file: &str| {
            if self.multi {
                format!("{}/{file}", repo.root.trim_end_matches('/'))
            } else {
                file.to_string()
            }
        };
        let hash = |parts: &[&str]| {
            (
                fnv(0xcbf2_9ce4_8422_2325, parts),
                fnv(0x6c62_272e_07bb_0142, parts),
            )
        };
        let mut issues = vec![];
        for f in &repo.findings {
            let p = path(&f.file);
            issues.push((hash(&[&repo.root, &f.file, &f.rule, &f.message]), json!({
                "type": "issue",
                "check_name": f.rule,
                "description": format!("{}: {}", f.title, f.message),
                "categories": [f.category],
                "severity": severity(f.severity),
                "location": {"path": p, "lines": {"begin": f.line.max(1), "end": f.end_line.max(f.line).max(1)}},
            })));
        }
        for e in &repo.errors {
            let p = path(&e.file);
            issues.push((
                hash(&[&repo.root, &e.file, "file-error", &e.message]),
                json!({
                    "type": "issue",
                    "check_name": "pipewise/file-error",
                    "description": format!("pipewise could not read this file: {}", e.message),
                    "categories": ["Bug Risk"],
                    "severity": "major",
                    "location": {"path": p, "lines": {"begin": e.line.max(1)}},
                }),
            ));
        }
        issues
    }

    fn write(
        &self,
        acc: &mut Kept,
        issues: Self::Part,
        body: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        // Each issue is pretty-printed as soon as it is built (one level deep, in the
        // top-level array) instead of keeping a `Value` tree of every issue.
        let mut out: Vec<u8> = vec![];
        for (h, mut issue) in issues {
            let base = format!("{:016x}{:016x}", h.0, h.1);
            let n = acc.seen.entry(h).or_insert(0);
            *n += 1;
            issue["fingerprint"] = Value::from(if *n == 1 { base } else { format!("{base}-{n}") });
            out.extend_from_slice(if acc.any { b",\n" } else { b"[\n" });
            acc.any = true;
            super::json::nested_pretty(&mut out, &issue, 1);
        }
        body.write_all(&out)
    }

    fn head(&self, _: &Kept) -> Vec<u8> {
        vec![]
    }

    fn tail(&self, acc: &Kept) -> Vec<u8> {
        if acc.any {
            b"\n]\n".to_vec()
        } else {
            b"[]\n".to_vec()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RepoReport, ReportError};

    #[test]
    fn code_quality_shape_escaping_and_unique_fingerprints() {
        let mut repo = RepoReport {
            root: "r".into(),
            ..Default::default()
        };
        repo.errors.push(ReportError {
            file: ".gitlab-ci.yml".into(),
            line: 3,
            message: "bad \"quote\"\nnewline".into(),
        });
        repo.errors.push(repo.errors[0].clone());
        let out = render(&Report::new(vec![repo], crate::rule::Rules::default()));
        let v: Value = serde_json::from_str(&out).expect("valid JSON");
        let a = v.as_array().expect("array");
        assert_eq!(a.len(), 2);
        assert_eq!(a[0]["location"]["path"], ".gitlab-ci.yml");
        assert_eq!(a[0]["location"]["lines"]["begin"], 3);
        assert_eq!(a[0]["severity"], "major");
        assert!(a[0]["description"]
            .as_str()
            .unwrap_or("")
            .contains("\"quote\"\nnewline"));
        assert_ne!(a[0]["fingerprint"], a[1]["fingerprint"]);
        // Printed issue by issue, the document is still serde_json's pretty printing.
        let mut again = serde_json::to_string_pretty(&v).expect("prints");
        again.push('\n');
        assert_eq!(out, again);
        assert_eq!(
            render(&Report::new(vec![], crate::rule::Rules::default())),
            "[]\n"
        );
    }
}
