//! `security/missing-permissions`: deny everything at the top (`permissions: {}`)
//! and give each job without a block the scopes its steps use (the scope catalogue
//! of `rules/github/security/scopes.rs`: checkout, push, release, package push, SARIF
//! upload, comments, deployments, OIDC). Unsafe: a scope the catalogue does not
//! know a step needs would now be missing.

use super::yaml::{self, Value};
use super::{Edit, Plan, Safety, Site};
use crate::rules::github::security::scopes::job_needs;

pub fn plan(site: &Site) -> Option<Plan> {
    let wf = site.workflow()?;
    let text = site.text();
    let root = wf.root;
    if root.entry("permissions").is_some() || yaml::is_flow(text, root) {
        return None;
    }
    let jobs_entry = root.entry("jobs")?;
    let unit = yaml::indent_unit(text, root);
    let mut edits: Vec<Edit> = vec![yaml::insert_before(
        text,
        jobs_entry,
        "permissions",
        &Value::raw("{}"),
        unit,
    )?];
    for job in wf.jobs.iter().filter(|j| j.entry("permissions").is_none()) {
        if job.node.as_map().is_none()
            || yaml::is_flow(text, job.node)
            || yaml::anchored(text, job.key.span.end, job.node)
        {
            return None;
        }
        let needs = job_needs(job);
        let scopes: Vec<(String, Value)> = if needs.is_empty() {
            vec![("contents".into(), Value::raw("read"))]
        } else {
            needs
                .iter()
                .map(|(scope, (level, why))| {
                    let why: String = why.chars().filter(|c| *c != '\n' && *c != '\r').collect();
                    (scope.to_string(), Value::raw(format!("{level}  # {why}")))
                })
                .collect()
        };
        let after = ["runs-on", "needs", "name", "uses"]
            .iter()
            .find_map(|k| job.entry(k));
        edits.push(yaml::insert_entry(
            text,
            job.node,
            after,
            "permissions",
            &Value::Map(scopes),
        )?);
    }
    Some(site.plan(
        Safety::Unsafe,
        "add `permissions: {}` at the top and each job's least-privilege scopes",
        edits,
    ))
}
