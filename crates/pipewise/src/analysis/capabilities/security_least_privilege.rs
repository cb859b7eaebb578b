//! `security.least-privilege`: Least privilege.

use super::missing;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;
use crate::schema::{CapabilityStatus, Evidence};

pub const META: CapabilityMeta = CapabilityMeta {
    id: "security.least-privilege",
    name: "Least privilege",
    practice: "Minimal explicit `permissions`",
    evidence: "explicit, minimal `permissions` on workflows/jobs",
    category: Category::Security,
    optional: false,
    build_minutes: 60,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "every workflow declares `permissions` (or every job does)",
        tools: "—",
        partial: "some workflows have none or use `write-all`",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Declare `permissions: contents: read` at the top of every workflow and grant writes per job only where needed.".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(_d: &Detected) -> Option<Template> {
    None
}

pub fn verdict(i: &Input, _: &Cx) -> Verdict {
    least_privilege(i)
}

fn least_privilege(i: &Input) -> Verdict {
    let mut ok = vec![];
    let mut bad = vec![];
    for w in i.workflows {
        let top = w.permissions;
        let all_jobs = !w.jobs.is_empty() && w.jobs.iter().all(|j| j.permissions.is_some());
        let write_all = |n: Option<&pipewise_yaml::Node>| {
            n.and_then(|n| n.as_str())
                .is_some_and(|s| s.trim() == "write-all")
        };
        if write_all(top.map(|e| &e.value))
            || w.jobs
                .iter()
                .any(|j| write_all(j.permissions.map(|e| &e.value)))
        {
            bad.push(format!("{} (write-all)", w.file_name()));
        } else if let Some(e) = top {
            ok.push(Evidence {
                file: w.path.to_string(),
                line: w.doc.position(e.key.span.start).line,
                note: "workflow permissions".into(),
            });
        } else if all_jobs {
            ok.push(Evidence {
                file: w.path.to_string(),
                line: 1,
                note: "every job sets permissions".into(),
            });
        } else {
            bad.push(w.file_name().to_string());
        }
    }
    if i.workflows.is_empty() || ok.is_empty() {
        missing()
    } else if bad.is_empty() {
        Verdict {
            status: CapabilityStatus::Present,
            evidence: ok.into_iter().take(3).collect(),
            reason: None,
        }
    } else {
        Verdict {
            status: CapabilityStatus::Partial,
            evidence: ok.into_iter().take(3).collect(),
            reason: Some(format!(
                "no explicit minimal permissions in {}",
                bad.join(", ")
            )),
        }
    }
}

#[cfg(test)]
verdict_tests![(
    Partial,
    [Replace(
        "ci.yml",
        "permissions:\n  contents: read\n",
        "permissions: write-all\n"
    )]
),];
