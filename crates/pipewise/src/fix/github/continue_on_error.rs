//! `reliability/continue-on-error-gate`: remove `continue-on-error: true` from a
//! gate (the line goes; when the line holds more, such as a comment or the `- ` of
//! the step, the value becomes `false`). Unsafe: a step that failed quietly now
//! fails the job.

use super::yaml;
use super::{site_job, site_step, Plan, Safety, Site};

pub fn plan(site: &Site) -> Option<Plan> {
    let wf = site.workflow()?;
    let job = site_job(&wf, site)?;
    let entry = match site_step(job, site) {
        Some(step) if site.finding.step.is_some() => step.entry("continue-on-error")?,
        _ => job.entry("continue-on-error")?,
    };
    if entry.value.as_bool() != Some(true) {
        return None;
    }
    let text = site.text();
    let edit = yaml::remove_entry_line(text, entry)
        .or_else(|| yaml::replace_scalar(text, &entry.value, "false"))?;
    Some(site.plan(
        Safety::Unsafe,
        "remove `continue-on-error: true` so the gate can fail",
        vec![edit],
    ))
}
