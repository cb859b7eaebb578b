//! Delivery metrics from the repository alone: deployment frequency and lead time
//! for changes, estimated from release tags and from what the deploy workflows
//! trigger on, over the first-parent line. What only run data can tell (whether a
//! triggered deploy ran and succeeded, change failure rate, time to restore) is
//! listed as unknown, never guessed.

use crate::history::date;
use crate::{Commit, GitRepo};
use pipewise::report::RepoReport;
use pipewise::source::{FileKind, SourceFile};
use pipewise::tree::Tree;
use serde::Serialize;
use std::sync::Arc;

/// How deploys are started, as the newest commit's deploy workflows say.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    /// A push of a tag (`on: push: tags:`, `on: release`).
    Tag,
    /// A push to a branch: every commit landing on the default branch.
    Branch,
    /// By hand or from outside (`workflow_dispatch`, `repository_dispatch`,
    /// `schedule`, `workflow_run`): not visible in the history.
    Manual,
}

/// An estimate and what it rests on.
#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    pub value: f64,
    pub unit: String,
    /// Events it was computed from.
    pub samples: usize,
    pub basis: String,
}

/// A release tag.
#[derive(Debug, Clone, Serialize)]
pub struct Release {
    pub tag: String,
    pub commit: String,
    pub date: String,
    pub time: i64,
}

/// Delivery metrics (`delivery` in the history document).
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// The window: first and last commit dates of the first-parent line walked.
    pub from: String,
    pub to: String,
    pub days: f64,
    /// Deploy jobs of the newest commit (`file: job`) and how each is triggered.
    pub deploy_jobs: Vec<(String, Vec<Trigger>)>,
    /// Version tags on the first-parent line, oldest first.
    pub releases: Vec<Release>,
    pub deployment_frequency: Option<Estimate>,
    pub lead_time: Option<Estimate>,
    /// Commits of the line that changed a deploy workflow.
    pub deploy_workflow_changes: usize,
    /// What the CI system's run data says (`--runs`), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs: Option<crate::runs::RunMetrics>,
    /// What cannot be known from the repository (and the run data, when given),
    /// and why.
    pub unknown: Vec<String>,
}

/// `v1.2.3`, `1.2`, `release-2024.01`, `api/v3.0.1`: a version after the last `/`,
/// with an optional `v`/`release-` prefix.
pub fn is_version_tag(name: &str) -> bool {
    let last = name.rsplit('/').next().unwrap_or(name);
    let v = last
        .strip_prefix("release-")
        .or_else(|| last.strip_prefix("release_"))
        .unwrap_or(last);
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let mut parts = v.split(['.', '-', '+']);
    let major_ok = parts
        .next()
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    major_ok && v.contains('.')
}

/// The workflow files holding a deploy job of `report`, sorted, each once.
pub fn deploy_files(report: &RepoReport) -> Vec<&str> {
    let mut files: Vec<&str> = report
        .deploy_paths
        .iter()
        .map(|d| d.file.as_str())
        .collect();
    files.sort_unstable();
    files.dedup();
    files
}

/// How a workflow file's `on:` starts it.
fn triggers_of(tree: &dyn Tree, file: &str) -> Vec<Trigger> {
    let Ok(text) = tree.read(file) else {
        return vec![];
    };
    let (f, _) = SourceFile::from_text(file.to_string(), FileKind::Workflow, text);
    let Some(doc) = f.yaml.as_ref() else {
        return vec![];
    };
    let wf = pipewise::workflow::Workflow::new(file, doc);
    let mut out = vec![];
    for t in &wf.triggers {
        let got = match t.event {
            "release" => Some(Trigger::Tag),
            "push" => {
                let has = |k: &str| t.config.and_then(|c| c.get(k)).is_some();
                if (has("tags") || has("tags-ignore"))
                    && !has("branches")
                    && !has("branches-ignore")
                {
                    Some(Trigger::Tag)
                } else {
                    Some(Trigger::Branch)
                }
            }
            "workflow_dispatch"
            | "repository_dispatch"
            | "schedule"
            | "workflow_run"
            | "workflow_call" => Some(Trigger::Manual),
            _ => None,
        };
        if let Some(g) = got {
            if !out.contains(&g) {
                out.push(g);
            }
        }
    }
    out
}

/// The version tags whose commit is on `line`, oldest first.
fn releases(git: &GitRepo, line: &[Commit]) -> Result<Vec<Release>, String> {
    let on_line: std::collections::HashMap<gix::ObjectId, &Commit> =
        line.iter().map(|c| (c.id, c)).collect();
    let mut out: Vec<Release> = git.with(|r| -> Result<Vec<Release>, String> {
        let refs = r.references().map_err(|e| e.to_string())?;
        let mut v = vec![];
        for mut t in refs.tags().map_err(|e| e.to_string())?.flatten() {
            let name = t.name().shorten().to_string();
            if !is_version_tag(&name) {
                continue;
            }
            let Ok(commit) = t.peel_to_commit() else {
                continue;
            };
            if let Some(c) = on_line.get(&commit.id) {
                v.push(Release {
                    tag: name,
                    commit: c.id.to_string(),
                    date: date(c.commit_time),
                    time: c.commit_time,
                });
            }
        }
        Ok(v)
    })??;
    out.sort_by(|a, b| (a.time, &a.tag).cmp(&(b.time, &b.tag)));
    Ok(out)
}

/// Delivery metrics over the first-parent `line` (oldest first) whose newest
/// commit's audit is `tip_report`.
pub fn delivery(
    git: &Arc<GitRepo>,
    line: &[Commit],
    tip_report: &RepoReport,
    deploy_workflow_changes: usize,
    runs: Option<&[crate::runs::Run]>,
) -> Result<Delivery, String> {
    let (Some(first), Some(last)) = (line.first(), line.last()) else {
        return Err("no commit".into());
    };
    let tree = git.tree(last);
    let mut deploy_jobs: Vec<(String, Vec<Trigger>)> = vec![];
    let mut kinds: Vec<Trigger> = vec![];
    for d in &tip_report.deploy_paths {
        if !d.file.starts_with(".github/workflows/") {
            continue;
        }
        let t = triggers_of(&tree, &d.file);
        for k in &t {
            if !kinds.contains(k) {
                kinds.push(*k);
            }
        }
        deploy_jobs.push((format!("{}: {}", d.file, d.job), t));
    }
    let releases = releases(git, line)?;
    let days = ((last.commit_time - first.commit_time) as f64 / 86_400.0).max(1.0);
    let mut unknown = vec![
        "change failure rate and time to restore service (incidents and rollbacks are not in the repository)".to_string(),
    ];
    if runs.is_none() {
        unknown.insert(0, "whether each triggered deploy ran and succeeded, and how often deploys fail (run data: --runs with the CI system's record of runs)".into());
    }
    let mut deployment_frequency = None;
    let mut lead_time = None;
    if kinds.contains(&Trigger::Tag) && releases.len() >= 2 {
        let (a, z) = (&releases[0], &releases[releases.len() - 1]);
        let span = ((z.time - a.time) as f64 / 86_400.0).max(1.0);
        deployment_frequency = Some(Estimate {
            value: (releases.len() - 1) as f64 * 7.0 / span,
            unit: "per week".into(),
            samples: releases.len(),
            basis: format!(
                "version tags {} to {}; the deploy workflow runs on tags",
                a.tag, z.tag
            ),
        });
    } else if kinds.contains(&Trigger::Branch) {
        deployment_frequency = Some(Estimate {
            value: line.len() as f64 * 7.0 / days,
            unit: "per week".into(),
            samples: line.len(),
            basis: "commits on the first-parent line: the deploy workflow runs on every push (branch filters not checked against the default branch)".into(),
        });
    } else if releases.len() >= 2 {
        let (a, z) = (&releases[0], &releases[releases.len() - 1]);
        let span = ((z.time - a.time) as f64 / 86_400.0).max(1.0);
        deployment_frequency = Some(Estimate {
            value: (releases.len() - 1) as f64 * 7.0 / span,
            unit: "releases per week".into(),
            samples: releases.len(),
            basis: "version tags; no deploy workflow runs on tags, so releases, not deploys".into(),
        });
    }
    if kinds.contains(&Trigger::Manual) {
        unknown.push(
            "deploys started by hand or from outside (workflow_dispatch, schedule, workflow_run): not in the history".into(),
        );
    }
    if tip_report.deploy_paths.is_empty() {
        unknown.push("no deploy job in the newest commit: deploys, if any, happen outside this repository's CI".into());
    }
    // Lead time: from a change's author date to the release that shipped it, or,
    // when every push deploys, to its landing on the line (commit date).
    let mut leads: Vec<f64> = vec![];
    let by_tag = kinds.contains(&Trigger::Tag)
        || (!kinds.contains(&Trigger::Branch) && !releases.is_empty());
    if by_tag && !releases.is_empty() {
        let mut r = 0;
        for c in line {
            while r < releases.len() && releases[r].time < c.commit_time {
                r += 1;
            }
            if let Some(rel) = releases.get(r) {
                leads.push((rel.time - c.author_time).max(0) as f64 / 3600.0);
            }
        }
        let samples = leads.len();
        if let Some(m) = crate::runs::median(std::mem::take(&mut leads)) {
            lead_time = Some(Estimate {
                value: m,
                unit: "hours (median)".into(),
                samples,
                basis: "author date of each first-parent commit to the next version tag".into(),
            });
        }
    } else if kinds.contains(&Trigger::Branch) {
        leads = line
            .iter()
            .map(|c| (c.commit_time - c.author_time).max(0) as f64 / 3600.0)
            .collect();
        let samples = leads.len();
        if let Some(m) = crate::runs::median(std::mem::take(&mut leads)) {
            lead_time = Some(Estimate {
                value: m,
                unit: "hours (median)".into(),
                samples,
                basis: "author date to commit date of each first-parent commit (when it landed and the deploy workflow ran); time in review before the first commit is not visible".into(),
            });
        }
    }
    if lead_time.is_none() {
        unknown
            .push("lead time: no release tags and no deploy on push in the history walked".into());
    }
    if deployment_frequency.is_none() {
        unknown.push(
            "deployment frequency: no release tags and no deploy on push in the history walked"
                .into(),
        );
    }
    let runs = runs.map(|runs| {
        let files = deploy_files(tip_report);
        let line: Vec<(String, i64)> = line
            .iter()
            .map(|c| (c.id.to_string(), c.author_time))
            .collect();
        crate::runs::metrics(runs, &files, &line)
    });
    if let Some(m) = &runs {
        // Measured beats estimated.
        if let Some(v) = m.deploys_per_week {
            deployment_frequency = Some(Estimate {
                value: v,
                unit: "per week".into(),
                samples: m.successful,
                basis: "successful runs of the deploy workflows (run data)".into(),
            });
        }
        if let Some(v) = m.lead_time_hours {
            lead_time = Some(Estimate {
                value: v,
                unit: "hours (median)".into(),
                samples: m.successful,
                basis: "author date of each first-parent commit to the end of the first successful deploy run that includes it (run data)".into(),
            });
        }
        let known = |u: &String| {
            (u.starts_with("lead time:") && lead_time.is_some())
                || (u.starts_with("deployment frequency:") && deployment_frequency.is_some())
        };
        unknown.retain(|u| !known(u));
    }
    Ok(Delivery {
        runs,
        from: date(first.commit_time),
        to: date(last.commit_time),
        days,
        deploy_jobs,
        releases,
        deployment_frequency,
        lead_time,
        deploy_workflow_changes,
        unknown,
    })
}
