//! `ci.timeouts`: Job timeouts.

use super::missing;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;
use crate::schema::{CapabilityStatus, Evidence};
use crate::workflow::Platform;

pub const META: CapabilityMeta = CapabilityMeta {
    id: "ci.timeouts",
    name: "Job timeouts",
    practice: "a timeout on every job (`timeout-minutes`; GitLab `timeout:`)",
    evidence: "explicit job timeouts (`timeout-minutes`; GitLab `timeout:`)",
    category: Category::CiPipeline,
    optional: false,
    build_minutes: 15,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "every job has `timeout-minutes` (GitLab: `timeout:`, the job's, `default:`'s or a template's)",
        tools: "—",
        partial: "some jobs lack it (named)",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Set a timeout on every job: `timeout-minutes` on GitHub Actions (the default is 360 minutes), `timeout:` on GitLab CI (the default is the project's job timeout, 60 minutes unless changed).".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(_d: &Detected) -> Option<Template> {
    None
}

pub fn verdict(i: &Input, _: &Cx) -> Verdict {
    timeouts(i)
}

/// How many jobs with a timeout are evidence.
const EVIDENCE: usize = 3;
/// How many jobs without one the reason names.
const NAMED: usize = 4;

fn timeouts(i: &Input) -> Verdict {
    let mut total = 0;
    // Only the first three jobs with a timeout are evidence and the first four
    // without are named: the others are counted, not written out.
    let mut with = vec![];
    let mut with_n = 0usize;
    let mut without = vec![];
    let mut without_n = 0usize;
    // Which platforms' jobs lack one: GitHub's, GitLab's.
    let mut keys = [false; 2];
    for w in i.workflows {
        for j in &w.jobs {
            // A job whose work is elsewhere: a reusable workflow's call (GitHub
            // `uses:`), a GitLab trigger job or included template (no script line).
            if j.uses.is_some()
                || (w.platform == Platform::GitLab && j.steps.iter().all(|s| s.run.is_none()))
            {
                continue;
            }
            total += 1;
            match &j.timeout {
                Some(t) => {
                    with_n += 1;
                    if with.len() < EVIDENCE {
                        // A GitLab `timeout:` from `default:` or `extends:` elsewhere.
                        let (path, doc) = t.file.map_or((w.path, w.doc), |f| (f.path, f.doc));
                        with.push(Evidence {
                            file: path.to_string(),
                            line: doc.position(t.entry.key.span.start).line,
                            note: format!("job `{}`", j.id),
                        })
                    }
                }
                None => {
                    keys[usize::from(w.platform == Platform::GitLab)] = true;
                    without_n += 1;
                    if without.len() < NAMED {
                        without.push(format!("{}:{}", w.file_name(), j.id))
                    }
                }
            }
        }
    }
    if total == 0 || with_n == 0 {
        missing()
    } else if without_n == 0 {
        Verdict {
            status: CapabilityStatus::Present,
            evidence: with,
            reason: None,
        }
    } else {
        let more = if without_n > NAMED {
            format!(" and {} more", without_n - NAMED)
        } else {
            String::new()
        };
        Verdict {
            status: CapabilityStatus::Partial,
            evidence: with,
            reason: Some(format!(
                "{without_n} of {total} jobs have no {}: {}{more}",
                match keys {
                    [true, true] => "timeout-minutes or timeout",
                    [false, true] => "timeout",
                    _ => "timeout-minutes",
                },
                without.join(", ")
            )),
        }
    }
}

#[cfg(test)]
verdict_tests![
    (Partial, [Replace("ci.yml", "    timeout-minutes: 10\n", "")]),
    // GitLab's `timeout:` is a job's timeout, given by `default:` too (a
    // template's jobs are not seen) ...
    (
        Present,
        [Write(
            "./.gitlab-ci.yml",
            "include:\n  - template: Security/SAST.gitlab-ci.yml\ndefault:\n  timeout: 30m\nbuild:\n  script: [make]\n"
        )]
    ),
    // ... and a GitLab job without one has none.
    (
        Partial,
        [Write("./.gitlab-ci.yml", "build:\n  script: [make]\n")]
    ),
];
