//! `reliability/masked-failure`: remove the `|| true` / `|| echo …` fallback that
//! hides a failing command, in a `run:` block or a script (only when the fallback
//! ends the command list on its line). Unsafe: a step that always passed can now
//! fail.

use super::{Edit, Plan, Safety, Site};

pub fn plan(site: &Site) -> Option<Plan> {
    let text = site.text();
    let (start, end) = (site.offset, site.end);
    if start >= end || !site.finding.message.contains("always exits 0") {
        return None;
    }
    let list = text.get(start..end)?;
    if list.contains('\n') {
        return None;
    }
    let bar = list.rfind("||")?;
    // The blanks before `||` go with it.
    let cut = list[..bar].trim_end_matches([' ', '\t']).len();
    let removed = &list[cut..];
    if removed.contains('#') || removed.contains('`') || cut == 0 {
        return None;
    }
    // Nothing after the fallback on the line except blanks, `;` or a comment.
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let after = text[end..line_end].trim_start_matches([' ', '\t', '\r']);
    if !(after.is_empty() || after.starts_with('#') || after.starts_with(';')) {
        return None;
    }
    let edit = Edit::replace(start + cut, end, String::new());
    let (s, e) = super::script_span(site);
    let renames = super::script_line_renames(text, s, e, std::slice::from_ref(&edit));
    let mut plan = site.plan(
        Safety::Unsafe,
        format!(
            "remove `{}` so the command can fail the step",
            removed.trim()
        ),
        vec![edit],
    );
    // A step without a name is labelled by its first line.
    plan.renames = renames;
    plan.rename_lines = site.doc().and_then(|d| super::step_lines(d, site.offset));
    Some(plan)
}
