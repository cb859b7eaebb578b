//! `reliability/missing-concurrency`: a top-level `concurrency` group. Deploy and
//! publish workflows queue (`cancel-in-progress: false`, a deploy is never cut
//! half-way); pull-request CI cancels superseded runs of the same pull request
//! only (pushes to branches keep every run).

use super::yaml::{self, Value};
use super::{Plan, Safety, Site};

pub fn plan(site: &Site) -> Option<Plan> {
    let wf = site.workflow()?;
    let text = site.text();
    let root = wf.root;
    let msg = &site.finding.message;
    let pr_ci = msg.contains("runs on pull requests without `cancel-in-progress`");
    let deploy = msg.contains("has no `concurrency` group");
    let (group, cancel, what) = if deploy {
        (
            "${{ github.workflow }}-${{ github.ref }}",
            "false",
            "queue deploys: a new run waits for the one in progress",
        )
    } else if pr_ci {
        (
            "${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}",
            "${{ github.event_name == 'pull_request' }}",
            "cancel superseded runs of the same pull request",
        )
    } else {
        return None;
    };
    if let Some(existing) = root.entry("concurrency") {
        // A group without `cancel-in-progress` on PR CI: add the key.
        if !pr_ci || existing.value.as_map().is_none() {
            return None;
        }
        if yaml::anchored(text, existing.key.span.end, &existing.value) {
            return None;
        }
        let edit = yaml::insert_entry(
            text,
            &existing.value,
            None,
            "cancel-in-progress",
            &Value::raw(cancel),
        )?;
        return Some(site.plan(
            Safety::Safe,
            format!("add `cancel-in-progress` to `concurrency`: {what}"),
            vec![edit],
        ));
    }
    let value = Value::Map(vec![
        ("group".into(), Value::raw(group)),
        ("cancel-in-progress".into(), Value::raw(cancel)),
    ]);
    let unit = yaml::indent_unit(text, root);
    let edit = match root.entry("jobs") {
        Some(jobs) => yaml::insert_before(text, jobs, "concurrency", &value, unit)?,
        None => yaml::insert_entry(text, root, None, "concurrency", &value)?,
    };
    Some(site.plan(
        Safety::Safe,
        format!("add a top-level `concurrency` group: {what}"),
        vec![edit],
    ))
}
