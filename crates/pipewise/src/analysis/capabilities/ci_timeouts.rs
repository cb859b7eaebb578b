//! `ci.timeouts`: Job timeouts.

use super::missing;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;
use crate::schema::{CapabilityStatus, Evidence};

pub const META: CapabilityMeta = CapabilityMeta {
    id: "ci.timeouts",
    name: "Job timeouts",
    practice: "`timeout-minutes` on every job",
    evidence: "explicit `timeout-minutes` on jobs",
    category: Category::CiPipeline,
    optional: false,
    build_minutes: 15,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "every job has `timeout-minutes`",
        tools: "—",
        partial: "some jobs lack it (named)",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Set `timeout-minutes` on every job (the default is 360 minutes).".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(_d: &Detected) -> Option<Template> {
    None
}

pub fn verdict(i: &Input, _: &Cx) -> Verdict {
    timeouts(i)
}

fn timeouts(i: &Input) -> Verdict {
    let mut total = 0;
    let mut with = vec![];
    let mut without = vec![];
    for w in i.workflows {
        for j in &w.jobs {
            if j.uses.is_some() {
                continue;
            }
            total += 1;
            match j.entry("timeout-minutes") {
                Some(e) => with.push(Evidence {
                    file: w.path.to_string(),
                    line: w.doc.position(e.key.span.start).line,
                    note: format!("job `{}`", j.id),
                }),
                None => without.push(format!("{}:{}", w.file_name(), j.id)),
            }
        }
    }
    if total == 0 || with.is_empty() {
        missing()
    } else if without.is_empty() {
        Verdict {
            status: CapabilityStatus::Present,
            evidence: with.into_iter().take(3).collect(),
            reason: None,
        }
    } else {
        let more = if without.len() > 4 {
            format!(" and {} more", without.len() - 4)
        } else {
            String::new()
        };
        Verdict {
            status: CapabilityStatus::Partial,
            evidence: with.into_iter().take(3).collect(),
            reason: Some(format!(
                "{} of {total} jobs have no timeout-minutes: {}{more}",
                without.len(),
                without
                    .iter()
                    .take(4)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}

#[cfg(test)]
verdict_tests![(
    Partial,
    [Replace("ci.yml", "    timeout-minutes: 10\n", "")]
),];
