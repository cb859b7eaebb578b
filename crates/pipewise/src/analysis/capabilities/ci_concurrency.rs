//! `ci.concurrency`: Concurrency control.

use super::missing;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;
use crate::schema::{CapabilityStatus, Evidence};
use crate::workflow::{Job, TriggerKind, Workflow};

pub const META: CapabilityMeta = CapabilityMeta {
    id: "ci.concurrency",
    name: "Concurrency control",
    practice: "`concurrency` groups prevent overlaps",
    evidence: "`concurrency` groups on the workflows that need them",
    category: Category::CiPipeline,
    optional: false,
    build_minutes: 10,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "every push/PR/deploy workflow has a `concurrency` group",
        tools: "workflow or job `concurrency:`",
        partial: "some workflows lack one (named)",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Add a `concurrency` group (`${{ github.workflow }}-${{ github.ref }}`, `cancel-in-progress: true` for CI, `false` for deploys) to every push, pull-request and deploy workflow.".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(_d: &Detected) -> Option<Template> {
    None
}

pub fn verdict(i: &Input, _: &Cx) -> Verdict {
    concurrency(i)
}

/// A job's GitHub `concurrency` (GitLab's `resource_group` and `interruptible` are
/// not counted yet).
fn group<'a>(j: &Job<'a>) -> Option<&'a pipewise_yaml::Entry> {
    j.concurrency.and_then(|c| c.group())
}

fn concurrency(i: &Input) -> Verdict {
    let needing: Vec<&Workflow> = i
        .workflows
        .iter()
        .enumerate()
        .filter(|(wi, w)| {
            i.scan.jobs.iter().any(|f| f.wf == *wi && f.deploys)
                || w.has_kind(TriggerKind::Push)
                || w.has_kind(TriggerKind::ChangeRequest)
        })
        .map(|(_, w)| w)
        .collect();
    if needing.is_empty() {
        return missing();
    }
    let with: Vec<&&Workflow> = needing
        .iter()
        .filter(|w| w.concurrency.is_some() || w.jobs.iter().any(|j| group(j).is_some()))
        .collect();
    let ev = |w: &Workflow| {
        let line = w
            .concurrency
            .or_else(|| w.jobs.iter().find_map(group))
            .map(|e| w.doc.position(e.key.span.start).line)
            .unwrap_or(1);
        Evidence {
            file: w.path.to_string(),
            line,
            note: "concurrency group".into(),
        }
    };
    let without: Vec<&str> = needing
        .iter()
        .filter(|w| !with.iter().any(|x| x.path == w.path))
        .map(|w| w.file_name())
        .collect();
    if with.is_empty() {
        missing()
    } else if without.is_empty() {
        Verdict {
            status: CapabilityStatus::Present,
            evidence: with.iter().take(3).map(|w| ev(w)).collect(),
            reason: None,
        }
    } else {
        Verdict {
            status: CapabilityStatus::Partial,
            evidence: with.iter().take(3).map(|w| ev(w)).collect(),
            reason: Some(format!("no concurrency group in {}", without.join(", "))),
        }
    }
}

#[cfg(test)]
verdict_tests![
    (Partial, [Replace("ci.yml", "concurrency:\n  group: ${{ github.workflow }}-${{ github.ref }}\n  cancel-in-progress: true\n", "")]),
];
