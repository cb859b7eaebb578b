//! `security/github-env-injection`: writes to `$GITHUB_ENV` / `$GITHUB_PATH` whose
//! value comes from untrusted input (an attacker-controlled expression, an `env:`
//! variable bound to one, or runtime data in a privileged `pull_request_target` /
//! `workflow_run` job), which lets the writer set `LD_PRELOAD`, `BASH_ENV`, `PATH`, …
//! for every later step.

use super::common::{attacker_severity, classify, env_value, value_contexts, Taint};
use crate::expr::find_embedded;
use crate::finding::{Category, Confidence, Severity, Span};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta, StepSite};

pub struct GithubEnvInjection;

pub static META: RuleMeta = RuleMeta {
    id: "security/github-env-injection",
    title: "Untrusted value written to `GITHUB_ENV`/`GITHUB_PATH`",
    severity: Severity::High,
    confidence: Confidence::Medium,
    category: Category::Security,
    summary: "A step appends to `$GITHUB_ENV` or `$GITHUB_PATH` a value an outsider controls (PR/issue text, a branch name, or runtime data in a `pull_request_target`/`workflow_run` job).",
    impact: "With a newline the writer defines any variable for the rest of the job — `BASH_ENV`, `LD_PRELOAD`, `NODE_OPTIONS`, `PATH` — and so runs code in every later step, with its secrets.",
    doc: r#"
## Why it matters
`$GITHUB_ENV` is a file of `NAME=value` lines read after the step. A value containing a
newline adds lines of its own: `x\nLD_PRELOAD=/tmp/evil.so` or `BASH_ENV=…` turn a
harmless variable into code execution in every later step. `$GITHUB_PATH` puts
directories first in `PATH`, so a planted `git` or `npm` wins. In privileged triggers
the job also holds secrets and a write token.

The value is followed through shell variables and parameter expansions assigned earlier
in the script (`FOO=${TITLE##*/}; echo "X=$FOO" >> "$GITHUB_ENV"`, with `TITLE` bound in
`env:`), through `{ …; } >> "$GITHUB_ENV"` groups, and into here-documents written to
the file (`cat <<EOF >> "$GITHUB_ENV"`).

## Bad
```yaml
on: pull_request_target
jobs:
  x:
    steps:
      - run: echo "TITLE=${{ github.event.pull_request.title }}" >> "$GITHUB_ENV"
```

## Good
```yaml
      - env:
          TITLE: ${{ github.event.pull_request.title }}
        run: echo "Title is $TITLE"   # use it directly; do not re-export it
```
"#,
    fix: FixMeta {
        description: "Pass the value to the steps that need it through `env:` instead of `GITHUB_ENV`, or use a random heredoc delimiter and validate the value.",
        snippet: "env:\n  TITLE: ${{ github.event.pull_request.title }}",
        effort_minutes: 15,
    },
    references: &["zizmor: github-env", "https://securitylab.github.com/research/github-actions-untrusted-input/"],
};

/// The last `name=…` assignment (optionally after `export`/`local`/`declare`/
/// `readonly`) on a line before `before` in `text` whose value embeds an
/// attacker- or caller-controlled expression directly (not inside a command
/// substitution): that context and the expression's span.
#[cfg(test)]
fn shell_assigned(text: &str, before: usize, name: &str) -> Option<(String, Span)> {
    shell_assigned_via(text, before, name, &|_| None, 0)
}

/// The `$NAME`/`${NAME…}` references in `text` (parameter expansions included:
/// `${TITLE##*/}`, `${TITLE:-x}`), with their offsets.
fn var_refs(text: &str) -> Vec<(usize, usize, String)> {
    text.match_indices('$')
        .filter_map(|(i, _)| {
            let rest = &text[i + 1..];
            let brace = usize::from(rest.starts_with('{'));
            let name: String = rest[brace..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then_some((
                i,
                1 + brace + name.len(),
                name,
            ))
        })
        .collect()
}

/// [`shell_assigned`], also following a value built from other variables: a shell
/// variable assigned earlier (`A=${{ … }}; B=${A##*/}`), or an `env:` binding that
/// `env_taint` resolves to an outside context.
fn shell_assigned_via(
    text: &str,
    before: usize,
    name: &str,
    env_taint: &dyn Fn(&str) -> Option<String>,
    depth: u8,
) -> Option<(String, Span)> {
    let mut off = 0;
    let mut found = None;
    for line in text.get(..before)?.split_inclusive('\n') {
        let start = off;
        off += line.len();
        let body = line.trim_start();
        let body = ["export ", "local ", "declare ", "readonly "]
            .iter()
            .find_map(|k| body.strip_prefix(k))
            .map(str::trim_start)
            .unwrap_or(body);
        let Some(value) = body.strip_prefix(name).and_then(|r| r.strip_prefix('=')) else {
            continue;
        };
        let value_at = start + (line.len() - value.len());
        // What a command substitution prints (`$(echo ${{ x }} | sha256sum)`) is not
        // the expression itself: only the part before one counts.
        let direct = value
            .find('`')
            .into_iter()
            .chain(value.find("$("))
            .min()
            .map_or(value, |i| &value[..i]);
        if let Some(h) = tainted_expression(direct, value_at) {
            found = Some(h);
            continue;
        }
        if depth < 3 {
            for (i, len, var) in var_refs(direct) {
                let at = Span::new(value_at + i, value_at + i + len);
                if let Some(p) = env_taint(&var) {
                    found = Some((p, at));
                    break;
                }
                if var != name {
                    if let Some(h) = shell_assigned_via(text, start, &var, env_taint, depth + 1) {
                        found = Some(h);
                        break;
                    }
                }
            }
        }
    }
    found
}

/// The first `${{ }}` in `text` reading an attacker- or caller-controlled context: that
/// context and the expression's span, shifted by `offset`.
fn tainted_expression(text: &str, offset: usize) -> Option<(String, Span)> {
    for emb in find_embedded(text) {
        let Ok(e) = &emb.expr else { continue };
        if let Some((p, _)) = value_contexts(e)
            .into_iter()
            .filter(|(p, _)| matches!(classify(p), Taint::Attacker | Taint::Caller))
            .max_by_key(|(p, _)| classify(p))
        {
            return Some((p, Span::new(offset + emb.span.start, offset + emb.span.end)));
        }
    }
    None
}

/// The command's span, extended over its here-document body (`cat <<EOF >> $GITHUB_ENV`
/// … `EOF`): GitHub substitutes `${{ }}` in the body and the shell expands `$VAR` in it
/// unless the delimiter is quoted.
fn heredoc_span(text: &str, c: &crate::shell::Command) -> Span {
    let Some(r) = c.redirects.iter().find(|r| r.op == "<<" || r.op == "<<-") else {
        return c.span;
    };
    let delim = r.target.trim_matches(|ch| ch == '\'' || ch == '"');
    let Some(nl) = text.get(c.span.end..).and_then(|t| t.find('\n')) else {
        return c.span;
    };
    let mut off = c.span.end + nl + 1;
    for line in text.get(off..).unwrap_or("").split_inclusive('\n') {
        let body = if r.op == "<<-" {
            line.trim_start_matches('\t')
        } else {
            line
        };
        if body.trim_end_matches(['\n', '\r']) == delim {
            return Span::new(c.span.start, off);
        }
        off += line.len();
    }
    c.span
}

fn targets_env_file(s: &str) -> Option<&'static str> {
    if s.contains("GITHUB_ENV") {
        Some("GITHUB_ENV")
    } else if s.contains("GITHUB_PATH") {
        Some("GITHUB_PATH")
    } else {
        None
    }
}

impl Rule for GithubEnvInjection {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        let Some(run) = &site.step.run else { return };
        if !run.text.contains("GITHUB_ENV") && !run.text.contains("GITHUB_PATH") {
            return;
        }
        let privileged = site
            .workflow
            .map(|w| w.has_trigger("pull_request_target") || w.has_trigger("workflow_run"))
            .unwrap_or(false);
        // (span in run text, file written)
        let mut writes: Vec<(Span, &'static str)> = vec![];
        match &run.script {
            Some(script) => {
                for c in &script.commands {
                    let target = c
                        .redirects
                        .iter()
                        .filter(|r| r.op.contains('>'))
                        .find_map(|r| targets_env_file(&r.target))
                        .or_else(|| {
                            (c.base_name() == "tee")
                                .then(|| c.args().iter().find_map(|w| targets_env_file(&w.text)))
                                .flatten()
                        });
                    if let Some(t) = target {
                        writes.push((heredoc_span(run.text, c), t));
                    }
                }
            }
            None => {
                let mut off = 0;
                for line in run.text.split_inclusive('\n') {
                    if let Some(t) = targets_env_file(line) {
                        writes.push((Span::new(off, off + line.trim_end().len()), t));
                    }
                    off += line.len();
                }
            }
        }
        for (span, file) in writes {
            let text = run.text.get(span.start..span.end).unwrap_or("");
            // 1. An attacker-controlled expression in the written command.
            let mut hit: Option<(String, Span)> = tainted_expression(text, span.start);
            // 2. A `$VAR` bound in `env:` to an attacker-controlled expression.
            if hit.is_none() {
                for (i, _) in text.match_indices('$') {
                    let name: String = text[i + 1..]
                        .trim_start_matches('{')
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if name.is_empty() {
                        continue;
                    }
                    // 3. A shell variable assigned from such an expression earlier in
                    // the script (`v=${{ inputs.x }}-y` … `echo "K=$v" >> $GITHUB_ENV`).
                    let env_taint = |var: &str| {
                        env_value(site.workflow, site.job, site.step, var)
                            .and_then(|n| n.as_str())
                            .and_then(|v| {
                                find_embedded(v)
                                    .iter()
                                    .filter_map(|emb| emb.expr.as_ref().ok())
                                    .flat_map(value_contexts)
                                    .map(|(p, _)| p)
                                    .find(|p| classify(p) == Taint::Attacker)
                            })
                    };
                    if let Some(h) = shell_assigned_via(run.text, span.start, &name, &env_taint, 0)
                    {
                        hit = Some(h);
                        break;
                    }
                    let Some(v) = env_value(site.workflow, site.job, site.step, &name)
                        .and_then(|n| n.as_str())
                    else {
                        continue;
                    };
                    if let Some(p) = find_embedded(v)
                        .iter()
                        .filter_map(|emb| emb.expr.as_ref().ok())
                        .flat_map(value_contexts)
                        .map(|(p, _)| p)
                        .find(|p| classify(p) == Taint::Attacker)
                    {
                        hit = Some((
                            p,
                            Span::new(span.start + i, span.start + i + 1 + name.len()),
                        ));
                        break;
                    }
                }
            }
            let file_span;
            let (sev, conf, msg) = if let Some((path, sp)) = hit {
                file_span = run.source_span(site.doc, sp);
                let (s, why) = if classify(&path) == Taint::Caller {
                    (
                        Severity::Low,
                        "whoever starts the run, calls the workflow or action, or pushes the ref chooses it".to_string(),
                    )
                } else {
                    let (s, why) = attacker_severity(
                        site.workflow,
                        site.job.map(|j| (j, site.step)),
                        Some(cx.repo),
                        &path,
                    );
                    (
                        if s == Severity::Low {
                            Severity::Medium
                        } else {
                            s
                        },
                        why,
                    )
                };
                (s, Confidence::High, format!("`{path}` is written to `${file}`; a newline in it defines any variable (e.g. `BASH_ENV`, `LD_PRELOAD`) for later steps — {why}."))
            } else if privileged
                && (text.contains("$(")
                    || text.contains('`')
                    || text.contains("cat ")
                    || find_embedded(text)
                        .iter()
                        .filter_map(|e| e.expr.as_ref().ok())
                        .flat_map(value_contexts)
                        .any(|(p, _)| classify(&p) != Taint::Safe))
            {
                file_span = run.source_span(site.doc, span);
                // Whether it derives from the pull request is not known (often an id or
                // a tool's path): medium when an outsider's run reaches the step, low
                // when conditions keep outsiders out or a maintainer's label is required.
                let (job_if, step_if) = (
                    crate::conditions::Cond::parse(site.job.and_then(|j| j.get("if"))),
                    crate::conditions::Cond::parse(site.step.get("if")),
                );
                let labelled = crate::conditions::Guards::of(&job_if).label
                    || crate::conditions::Guards::of(&step_if).label;
                let outsider = match (site.workflow, site.job) {
                    (Some(wf), Some(j)) => {
                        crate::conditions::outsider_reach(wf, j, Some(site.step)).is_some()
                    }
                    _ => true,
                };
                let (sev, gate) = if outsider && !labelled {
                    (Severity::Medium, "")
                } else if labelled {
                    (
                        Severity::Low,
                        " The job runs only after a maintainer adds a label.",
                    )
                } else {
                    (Severity::Low, " The job's `if:` keeps outsiders' runs out.")
                };
                (sev, Confidence::Low, format!("A computed value is written to `${file}` in a `pull_request_target`/`workflow_run` job; if it derives from the pull request or its artifacts it can set any variable for later, privileged steps.{gate}"))
            } else {
                continue;
            };
            cx.report(&META, site.path, file_span, msg)
                .severity(sev)
                .confidence(conf)
                .site(site);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_variables_carry_expressions() {
        let text = "t=${{ inputs.target }}\nexport linker=$d/${t}${{ inputs.platform }}-clang\nsafe=${{ github.sha }}\necho L=$linker >> $GITHUB_ENV\n";
        let at = text.find("echo").unwrap_or(0);
        let (p, sp) = shell_assigned(text, at, "linker").expect("linker is tainted");
        assert_eq!(p, "inputs.platform");
        assert_eq!(&text[sp.start..sp.end], "${{ inputs.platform }}");
        assert!(shell_assigned(text, at, "safe").is_none());
        assert!(shell_assigned(text, at, "other").is_none());
        let text =
            "h=$(echo '${{ inputs.name }}' | git hash-object --stdin)\necho H=$h >> $GITHUB_ENV";
        assert!(shell_assigned(text, text.find("echo H").unwrap_or(0), "h").is_none());
        // Only assignments before the write count.
        assert!(shell_assigned(text, 5, "linker").is_none());
    }
}
