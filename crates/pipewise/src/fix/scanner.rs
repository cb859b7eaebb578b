//! `quality/non-failing-scanner`: make the scanner fail the build (`exit-code: '1'`
//! for Trivy, `fail_action: true` for ZAP, `fail-build: true` for Anchore,
//! `fail_ci_if_error: true` for Codecov/Coveralls). Unsafe: the job can now fail.

use super::{set_step_input, site_job, site_step, Plan, Safety, Site};

pub fn plan(site: &Site) -> Option<Plan> {
    let wf = site.workflow()?;
    let job = site_job(&wf, site)?;
    let step = site_step(job, site)?;
    let action = step.action()?;
    let (key, value) = if action.contains("aquasecurity/trivy-action") {
        ("exit-code", "'1'")
    } else if action.starts_with("zaproxy/action-") {
        ("fail_action", "true")
    } else if action.contains("anchore/scan-action") {
        ("fail-build", "true")
    } else if action.contains("codecov/codecov-action") || action.contains("coveralls") {
        ("fail_ci_if_error", "true")
    } else {
        return None;
    };
    let edits = set_step_input(site.text(), step, key, value)?;
    Some(site.plan(
        Safety::Unsafe,
        format!("set `{key}: {value}` so the scanner fails the job"),
        edits,
    ))
}
