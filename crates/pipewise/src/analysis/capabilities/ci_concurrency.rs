//! `ci.concurrency`: Concurrency control.

use super::missing;
use super::{Applies, CapabilityMeta, Cx, Doc, Input, Verdict};
use super::{Detected, Template};
use crate::finding::Category;
use crate::schema::{CapabilityStatus, Evidence};
use crate::workflow::{Concurrency, Job, Platform, TriggerKind, Workflow};

pub const META: CapabilityMeta = CapabilityMeta {
    id: "ci.concurrency",
    name: "Concurrency control",
    practice: "`concurrency` groups prevent overlaps (GitLab: `interruptible`, `resource_group`)",
    evidence: "`concurrency` groups on the workflows that need them (GitLab: `interruptible: true` or `resource_group` jobs)",
    category: Category::CiPipeline,
    optional: false,
    build_minutes: 10,
    applies: Applies::Always,
    labelled: true,
    doc: Doc {
        present: "every push/PR/deploy workflow has a `concurrency` group (every GitLab pipeline file with jobs: a job with `interruptible: true` or `resource_group`)",
        tools: "workflow or job `concurrency:`; GitLab `interruptible: true` (a newer pipeline cancels the job, with auto-cancel of redundant pipelines, GitLab's default), `resource_group` (one job of the group at a time)",
        partial: "some workflows lack one (named)",
        not_applicable: "—",
    },
};

/// What to do when it is missing or partial (the report's recommendation).
pub fn recommend(_d: &Detected) -> String {
    "Add a `concurrency` group (`${{ github.workflow }}-${{ github.ref }}`, `cancel-in-progress: true` for CI, `false` for deploys) to every push, pull-request and deploy workflow; on GitLab CI, `interruptible: true` on CI jobs (`default:`) and a `resource_group` on deploy jobs.".into()
}

/// The file that adds it, for this stack; `None` when no file can.
pub fn template(_d: &Detected) -> Option<Template> {
    None
}

pub fn verdict(i: &Input, _: &Cx) -> Verdict {
    concurrency(i)
}

/// A job's GitHub `concurrency`.
fn group<'a>(j: &Job<'a>) -> Option<&'a pipewise_yaml::Entry> {
    j.concurrency.and_then(|c| c.group())
}

/// How a GitLab job's overlapping runs are controlled: a `resource_group` (one
/// job of the group runs at a time, the others wait: GitHub's group without
/// cancelling) or `interruptible: true` (a newer pipeline for the ref cancels it,
/// with auto-cancel of redundant pipelines, on by default: GitHub's
/// `cancel-in-progress`). `interruptible: false` is no control.
fn gitlab_control(j: &Job) -> Option<&'static str> {
    match j.concurrency {
        Some(Concurrency::ResourceGroup(_)) => Some("`resource_group`"),
        _ if j
            .interruptible
            .is_some_and(|e| e.value.as_bool() == Some(true)) =>
        {
            Some("`interruptible: true`")
        }
        _ => None,
    }
}

/// Where a workflow controls its overlapping runs: GitHub's workflow `concurrency`
/// (else the first job's), or the first GitLab job with a `resource_group` or
/// `interruptible: true` (the job's line: the key may come from `default:` or a
/// template in another file).
fn control(w: &Workflow) -> Option<Evidence> {
    let at = |line: usize, note: String| Evidence {
        file: w.path.to_string(),
        line,
        note,
    };
    if let Some(e) = w.concurrency.or_else(|| w.jobs.iter().find_map(group)) {
        return Some(at(
            w.doc.position(e.key.span.start).line,
            "concurrency group".into(),
        ));
    }
    w.jobs.iter().find_map(|j| {
        let what = gitlab_control(j)?;
        Some(at(
            w.doc.position(j.key.span.start).line,
            format!("{what} (job `{}`)", j.id),
        ))
    })
}

fn concurrency(i: &Input) -> Verdict {
    let needing: Vec<&Workflow> = i
        .workflows
        .iter()
        .enumerate()
        .filter(|(wi, w)| {
            // A GitLab file without jobs (templates for other files) runs nothing.
            !(w.platform == Platform::GitLab && w.jobs.is_empty())
                && (i.scan.jobs.iter().any(|f| f.wf == *wi && f.deploys)
                    || w.has_kind(TriggerKind::Push)
                    || w.has_kind(TriggerKind::ChangeRequest))
        })
        .map(|(_, w)| w)
        .collect();
    if needing.is_empty() {
        return missing();
    }
    let mut with: Vec<Evidence> = vec![];
    let mut without: Vec<&str> = vec![];
    let mut gitlab_without = false;
    for w in needing {
        match control(w) {
            Some(e) => with.push(e),
            None => {
                gitlab_without |= w.platform == Platform::GitLab;
                without.push(w.file_name());
            }
        }
    }
    with.truncate(3);
    if with.is_empty() {
        missing()
    } else if without.is_empty() {
        Verdict {
            status: CapabilityStatus::Present,
            evidence: with,
            reason: None,
        }
    } else {
        let what = if gitlab_without {
            "no concurrency group (GitLab: no `interruptible: true` or `resource_group` job)"
        } else {
            "no concurrency group"
        };
        Verdict {
            status: CapabilityStatus::Partial,
            evidence: with,
            reason: Some(format!("{what} in {}", without.join(", "))),
        }
    }
}

#[cfg(test)]
verdict_tests![
    (Partial, [Replace("ci.yml", "concurrency:\n  group: ${{ github.workflow }}-${{ github.ref }}\n  cancel-in-progress: true\n", "")]),
    // GitLab: `interruptible: true` (here from `default:`) controls a pipeline
    // file's runs ...
    (
        Present,
        [Write(
            "./.gitlab-ci.yml",
            "default:\n  interruptible: true\nbuild:\n  script: [make]\n"
        )]
    ),
    // ... `interruptible: false` does not ...
    (
        Partial,
        [Write(
            "./.gitlab-ci.yml",
            "default:\n  interruptible: false\nbuild:\n  script: [make]\n"
        )]
    ),
    // ... a `resource_group` does; an included file of templates has no jobs and
    // needs none.
    (
        Present,
        [
            Write(
                "./.gitlab-ci.yml",
                "include:\n  - local: ci/templates.yml\ndeploy:\n  extends: .base\n  resource_group: production\n"
            ),
            Write("./ci/templates.yml", ".base:\n  script: [make deploy]\n")
        ]
    ),
];
