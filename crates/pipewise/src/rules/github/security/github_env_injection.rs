//! `security/github-env-injection`: writes to `$GITHUB_ENV` / `$GITHUB_PATH` whose
//! value comes from untrusted input (an attacker-controlled expression, an `env:`
//! variable bound to one, or runtime data in a privileged `pull_request_target` /
//! `workflow_run` job), which lets the writer set `LD_PRELOAD`, `BASH_ENV`, `PATH`, …
//! for every later step.

use super::common::{
    attacker_severity, classify, env_value, expression_source, shell_value_source,
    tainted_expression, value_contexts, var_refs, writes_to, Taint,
};
use crate::finding::{Category, Confidence, Severity, Span};
use crate::github::expr::find_embedded;
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::shell::{Command, Script};

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
in the script, as the shell parser reads the assignments (`A=1; FOO=${TITLE##*/}; echo
"X=$FOO" >> "$GITHUB_ENV"`, with `TITLE` bound in `env:`; a value computed by a command
substitution such as `$(… | sha256sum)` is not the input), through `{ …; } >>
"$GITHUB_ENV"` groups, into here-documents written to the file (`cat <<EOF >>
"$GITHUB_ENV"`), and through earlier steps' and jobs' outputs
(`${{ steps.x.outputs.y }}` where step `x` writes an outside value to `$GITHUB_OUTPUT`).

In a `pull_request_target`/`workflow_run` job a value a command computes (`$(…)`,
`cat file >> "$GITHUB_ENV"`) is reported at medium (low behind a maintainer's label or
a same-repository guard), unless the shell parser proves it is a number or the
script's own text from what the commands do: `$(( … ))`, `${#x}`, `$(wc -l < f)`,
`$(date +%s)`, `$(nproc)`, `grep -c`, a pipeline ending in `grep -Eo '[0-9]+'` or
`tr -dc 0-9` (with `head`/`sort`/`cut`… after it), `echo` of such values, and
`$(cat f)` of a file that only such commands wrote earlier in the script. A number
cannot carry a newline or a `NAME=` of its own.

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

fn targets_env_file(s: &str) -> Option<&'static str> {
    if s.contains("GITHUB_ENV") {
        Some("GITHUB_ENV")
    } else if s.contains("GITHUB_PATH") {
        Some("GITHUB_PATH")
    } else {
        None
    }
}

/// The written text carries a value a command computed that is not proven to be a
/// number or the script's constant (`Script::substitutions_inert`): a command
/// substitution, or `cat` of a file as the writer. Without a parsed script (another
/// shell), any substitution or `cat` counts.
fn computed(
    run_text: &str,
    script: Option<&Script>,
    writer: Option<&Command>,
    text: &str,
    at: usize,
) -> bool {
    let (Some(script), Some(writer)) = (script, writer) else {
        return text.contains("$(") || text.contains('`') || text.contains("cat ");
    };
    if !script.substitutions_inert(run_text, text, at) {
        return true;
    }
    if writer.base_name() != "cat" || writer.redirects.iter().any(|r| r.op.starts_with("<<")) {
        return false;
    }
    // `cat f >> "$GITHUB_ENV"`: what the files hold (standard input: unknown).
    let mut files = writer
        .args()
        .iter()
        .filter(|w| !w.text.starts_with('-'))
        .map(|w| (!w.dynamic).then_some(w.text.as_str()))
        .chain(
            writer
                .redirects
                .iter()
                .filter(|r| r.op == "<")
                .map(|r| Some(r.target.as_str())),
        )
        .peekable();
    files.peek().is_none()
        || !files.all(|f| f.is_some_and(|f| script.file_inert(run_text, f, writer.span.start)))
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
        // (span in run text, file written, the writing command)
        let mut writes: Vec<(Span, &'static str, Option<&Command>)> = vec![];
        match &run.script {
            Some(script) => {
                for file in ["GITHUB_ENV", "GITHUB_PATH"] {
                    for (c, span) in writes_to(run.text, script, file) {
                        if !writes.iter().any(|(s, _, _)| *s == span) {
                            writes.push((span, file, Some(c)));
                        }
                    }
                }
                writes.sort_by_key(|(s, _, _)| s.start);
            }
            None => {
                let mut off = 0;
                for line in run.text.split_inclusive('\n') {
                    if let Some(t) = targets_env_file(line) {
                        writes.push((Span::new(off, off + line.trim_end().len()), t, None));
                    }
                    off += line.len();
                }
            }
        }
        for (span, file, writer) in writes {
            let text = run.text.get(span.start..span.end).unwrap_or("");
            // An outside value in the written text: a `${{ }}` (also through `env:` and
            // step outputs), or a `$VAR` assigned from one earlier in the script
            // (through other variables and parameter expansions) or bound in `env:`.
            let hit: Option<(String, Span)> = match &run.script {
                Some(script) => shell_value_source(
                    site.workflow,
                    site.job,
                    site.step,
                    script,
                    run.text,
                    text,
                    span.start,
                    0,
                    Taint::Attacker,
                ),
                None => tainted_expression(text, span.start).or_else(|| {
                    var_refs(text).into_iter().find_map(|(i, len, var)| {
                        let v = env_value(site.workflow, site.job, site.step, &var)?.as_str()?;
                        let p = expression_source(site.workflow, site.job, site.step, v, 1)
                            .filter(|p| classify(p) == Taint::Attacker)?;
                        Some((p, Span::new(span.start + i, span.start + i + len)))
                    })
                }),
            };
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
                && (computed(run.text, run.script.as_deref(), writer, text, span.start)
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
                    crate::github::conditions::Cond::parse(site.job.and_then(|j| j.get("if"))),
                    crate::github::conditions::Cond::parse(site.step.get("if")),
                );
                let labelled = crate::github::conditions::Guards::of(&job_if).label
                    || crate::github::conditions::Guards::of(&step_if).label;
                let outsider = match (site.workflow, site.job) {
                    (Some(wf), Some(j)) => {
                        crate::github::conditions::outsider_reach(wf, j, Some(site.step)).is_some()
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
