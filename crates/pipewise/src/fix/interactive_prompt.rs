//! `reliability/interactive-command` on a `read` prompt, in a called script or a
//! literal `run: |` block: the prompt's line is wrapped in a CI guard,
//!
//! ```sh
//! if [ "${CI:-}" != true ]; then
//!   read -p "Continue? " -r
//! fi
//! ```
//!
//! so it still asks at a terminal and is skipped in CI (where it hung or read
//! end-of-file). Only a line holding the one `read` command (no pipe, list, heredoc,
//! substitution or continuation) is wrapped. Unsafe: in CI the script now goes on
//! with an empty answer instead of hanging or stopping at end-of-file.

use super::{site_job, site_step, yaml, Edit, Plan, Safety, Site};
use crate::source::FileKind;
use pipewise_yaml::Style;

pub fn plan(site: &Site) -> Option<Plan> {
    let text = site.text();
    let ls = yaml::line_start(text, site.offset);
    let le = text[ls..].find('\n').map_or(text.len(), |i| ls + i);
    let line = text.get(ls..le)?.trim_end_matches('\r');
    let body = line.trim_start_matches([' ', '\t']);
    let indent = &line[..line.len() - body.len()];
    // The finding starts at the command, which starts the line.
    if ls + indent.len() != site.offset || body.split_whitespace().next() != Some("read") {
        return None;
    }
    let body = body.trim_end();
    if body.ends_with('\\')
        || ["<<", "|", ";", "&", "`", "$(", "#"]
            .iter()
            .any(|m| body.contains(m))
    {
        return None;
    }
    match site.file.kind {
        FileKind::Script => {}
        FileKind::Workflow | FileKind::Action => {
            // Inside a literal block: its lines are the script's lines.
            let wf = site.workflow()?;
            let job = site_job(&wf, site)?;
            let run = site_step(job, site)?.run.as_ref()?;
            if run.node.style() != Some(Style::Literal)
                || !(run.node.span.start < ls && le <= run.node.span.end)
            {
                return None;
            }
        }
        _ => return None,
    }
    let unit = if indent.contains('\t') { "\t" } else { "  " };
    let nl = yaml::eol(text);
    let guarded =
        format!("{indent}if [ \"${{CI:-}}\" != true ]; then{nl}{indent}{unit}{body}{nl}{indent}fi");
    let edit = Edit::replace(ls, ls + indent.len() + body.len(), guarded);
    let (start, end) = super::script_span(site);
    let renames = super::script_line_renames(text, start, end, std::slice::from_ref(&edit));
    let mut plan = site.plan(
        Safety::Unsafe,
        "skip the prompt in CI: `if [ \"${CI:-}\" != true ]; then … fi`",
        vec![edit],
    );
    plan.renames = renames;
    plan.rename_lines = site.doc().and_then(|d| super::step_lines(d, site.offset));
    Some(plan)
}
