//! `reliability/toolchain-drift`: read the version from the repository's pin file
//! instead of a literal (`node-version: 18` → `node-version-file: .nvmrc`, likewise
//! `python-version-file: .python-version` and `go-version-file: go.mod`), so CI
//! follows the pin from now on. Unsafe: the job now runs on another version.

use super::{site_job, site_step, Edit, Plan, Safety, Site};

pub fn plan(site: &Site) -> Option<Plan> {
    let wf = site.workflow()?;
    let job = site_job(&wf, site)?;
    let step = site_step(job, site)?;
    let (input, files): (&str, &[&str]) = match step.action()? {
        "actions/setup-node" => ("node-version", &[".nvmrc", ".node-version"]),
        "actions/setup-python" => ("python-version", &[".python-version"]),
        "actions/setup-go" => ("go-version", &["go.mod"]),
        _ => return None,
    };
    let with = step.with?;
    let entry = with.entry(input)?;
    let value = entry.value.as_str()?;
    if value.contains("${{")
        || value.contains('\n')
        || with.entry(&format!("{input}-file")).is_some()
    {
        return None;
    }
    // The finding must be this input (not a matrix value elsewhere).
    if !(entry.value.span.start <= site.offset && site.offset <= entry.value.span.end) {
        return None;
    }
    let file = files.iter().find(|f| site.repo.exists(f))?;
    let text = site.text();
    let value_end = super::yaml::scalar_end(text, &entry.value);
    let old = text.get(entry.key.span.start..value_end)?;
    if old.contains('\n') || old.contains('#') {
        return None;
    }
    Some(site.plan(
        Safety::Unsafe,
        format!("read the version from `{file}` (`{input}-file`)"),
        vec![
            Edit::replace(
                entry.key.span.start,
                entry.key.span.end,
                format!("{input}-file"),
            ),
            Edit::replace(entry.value.span.start, value_end, (*file).to_string()),
        ],
    ))
}
