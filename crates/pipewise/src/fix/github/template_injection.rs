//! `security/template-injection` in a shell `run:` script: move the expression to
//! the step's `env:` and use the variable, quoted (`"${ISSUE_TITLE}"`; inside a
//! double-quoted string `${ISSUE_TITLE}`). Every occurrence of the same expression
//! in the script is replaced. Safe when each occurrence was already inside double
//! quotes (the text is the same, only no longer run as code); unsafe when quotes
//! are added (word splitting of the value changes).

use super::yaml::{self, Value};
use super::{site_job, site_step, Edit, Plan, Safety, Site};
use crate::rules::github::security::common::env_name;
use pipewise_yaml::Style;

/// Whether `pos` in `line` is inside a double-quoted shell string (`Some(true)`), in
/// plain text (`Some(false)`), or in single quotes (`None`).
fn quoting(line: &str, pos: usize) -> Option<bool> {
    let (mut dq, mut sq, mut esc) = (false, false, false);
    for c in line[..pos].chars() {
        if esc {
            esc = false;
            continue;
        }
        match c {
            '\\' if !sq => esc = true,
            '"' if !sq => dq = !dq,
            '\'' if !dq => sq = !sq,
            _ => {}
        }
    }
    (!sq).then_some(dq)
}

pub fn plan(site: &Site) -> Option<Plan> {
    let wf = site.workflow()?;
    let job = site_job(&wf, site)?;
    let step = site_step(job, site)?;
    let run = step.run.as_ref()?;
    if run
        .shell
        .is_some_and(|s| !matches!(s.split_whitespace().next(), Some("bash" | "sh")))
    {
        return None;
    }
    if !matches!(
        run.node.style(),
        Some(Style::Literal | Style::Folded | Style::Plain)
    ) {
        return None;
    }
    let text = site.text();
    // The `${{ … }}` around the finding, holding only the context path.
    let open = text.get(..site.offset)?.rfind("${{")?;
    let close = text.get(site.offset..)?.find("}}")? + site.offset + 2;
    let inner = text.get(open + 3..close - 2)?.trim();
    if inner.is_empty()
        || !inner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return None;
    }
    let var = env_name(inner);
    if let Some(existing) = step.env.and_then(|e| e.get(&var)) {
        let same =
            existing.as_str().map(|v| v.replace(' ', "")) == Some(format!("${{{{{inner}}}}}"));
        if !same {
            return None;
        }
    }
    // Every occurrence of this expression in the script.
    let (start, end) = (run.node.span.start, run.node.span.end.min(text.len()));
    let body = text.get(start..end)?;
    let mut edits = vec![];
    let mut added_quotes = false;
    let mut i = 0;
    while let Some(k) = body[i..].find("${{") {
        let at = i + k;
        let Some(stop) = body[at..].find("}}").map(|s| at + s + 2) else {
            break;
        };
        if body[at + 3..stop - 2].trim() == inner {
            let line_start = body[..at].rfind('\n').map_or(0, |n| n + 1);
            let replacement = match quoting(&body[line_start..], at - line_start)? {
                true => format!("${{{var}}}"),
                false => {
                    added_quotes = true;
                    format!("\"${{{var}}}\"")
                }
            };
            edits.push(Edit::replace(start + at, start + stop, replacement));
        }
        i = stop;
    }
    if edits.is_empty() {
        return None;
    }
    if step.env.and_then(|e| e.get(&var)).is_none() {
        let value = format!("${{{{ {inner} }}}}");
        let env_edit = match step.entry("env") {
            Some(env) => {
                if env.value.as_map().is_none()
                    || yaml::anchored(text, env.key.span.end, &env.value)
                {
                    return None;
                }
                yaml::insert_entry(text, &env.value, None, &var, &Value::raw(value))?
            }
            None => {
                let after = step.entry("name").or(step.entry("id"));
                let v = Value::Map(vec![(var.clone(), Value::raw(value))]);
                yaml::insert_entry(text, step.node, after, "env", &v)?
            }
        };
        // The env edit must not fall inside the script.
        if env_edit.start > start && env_edit.start < end {
            return None;
        }
        edits.push(env_edit);
    }
    let safety = if added_quotes {
        Safety::Unsafe
    } else {
        Safety::Safe
    };
    // A step without a name is labelled by its script's first line: other findings
    // of the step are matched under the edited line.
    let renames = super::script_line_renames(text, start, end, &edits);
    let mut plan = site.plan(
        safety,
        format!("pass `${{{{ {inner} }}}}` through `env:` as `{var}` and quote it in the script"),
        edits,
    );
    plan.renames = renames;
    plan.rename_lines = site.doc().and_then(|d| super::step_lines(d, site.offset));
    Some(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_quoting() {
        assert_eq!(quoting("echo \"a ", 8), Some(true));
        assert_eq!(quoting("echo a ", 7), Some(false));
        assert_eq!(quoting("echo 'a ", 8), None);
        assert_eq!(quoting("echo \"it's ", 11), Some(true));
    }
}
