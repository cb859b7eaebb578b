//! `reliability/missing-timeout`: add `timeout-minutes` to the job, with a value
//! from what the job does. Unsafe: a job that legitimately runs longer would now be
//! cancelled, so the value needs a look.

use super::yaml::{self, Value};
use super::{site_job, Plan, Safety, Site};
use crate::facts::Facts;
use crate::intent::{word_intent_phrase, Intent};

/// Minutes for a job of this kind: generous, well under the 6-hour default.
pub fn minutes_for(facts: &Facts, job: &crate::workflow::Job) -> u32 {
    match facts.job_ships(job) {
        Some(Intent::Deploy) => return 30,
        Some(Intent::Publish) => return 60,
        _ => {}
    }
    let kinds = job.steps.iter().map(|s| facts.step_intent(s)).chain([
        word_intent_phrase(job.id),
        job.name.map(word_intent_phrase).unwrap_or(Intent::Other),
    ]);
    let strongest = kinds.max().unwrap_or(Intent::Other);
    match strongest {
        Intent::Lint | Intent::Harmless | Intent::Other => 15,
        Intent::SecurityScan => 30,
        _ => 60,
    }
}

pub fn plan(site: &Site) -> Option<Plan> {
    let wf = site.workflow()?;
    let job = site_job(&wf, site)?;
    if job.entry("timeout-minutes").is_some() || job.uses.is_some() {
        return None;
    }
    let text = site.text();
    let map = job.node;
    let key_end = job.key.span.end;
    if yaml::anchored(text, key_end, map) {
        return None;
    }
    let after = ["runs-on", "environment", "needs", "name"]
        .iter()
        .find_map(|k| job.entry(k));
    // What the job ships through the repository's scripts and local actions, read as
    // the audit reads it (a job that publishes only through `./scripts/release.sh`).
    let facts = crate::audit::workflow_facts(site.repo, &wf);
    let minutes = minutes_for(&facts, job);
    let edit = yaml::insert_entry(
        text,
        map,
        after,
        "timeout-minutes",
        &Value::raw(minutes.to_string()),
    )?;
    Some(site.plan(
        Safety::Unsafe,
        format!("add `timeout-minutes: {minutes}` to job `{}`", job.id),
        vec![edit],
    ))
}
