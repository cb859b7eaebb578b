//! `security/deprecated-command`: the removed or disabled workflow commands
//! `::set-output`, `::save-state`, `::set-env`, `::add-path`, and
//! `ACTIONS_ALLOW_UNSECURE_COMMANDS`, which re-enables the injectable ones.

use crate::finding::{Category, Confidence, Severity, Span};
use crate::rules::{entry_span, step_scripts_iter, Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::workflow::{Job, Workflow};
use pipewise_yaml::Node;

pub struct DeprecatedCommand;

pub static META: RuleMeta = RuleMeta {
    id: "security/deprecated-command",
    title: "Deprecated workflow command",
    severity: Severity::Medium,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "A script prints `::set-output`, `::save-state` (deprecated, medium), `::set-env` or `::add-path` (disabled because any logged text could set variables, high), or `ACTIONS_ALLOW_UNSECURE_COMMANDS` re-enables them (high).",
    impact: "`set-env`/`add-path` let anything printed to the log — a PR title, a dependency's output — set `LD_PRELOAD` or `PATH` for later steps; `set-output` stops working when GitHub removes it, breaking the pipeline.",
    doc: r#"
## Why it matters
Workflow commands read from stdout, so any text a step prints can issue them.
GitHub disabled `::set-env` and `::add-path` in 2020 because printing untrusted text
(an issue title, a log line) could set `PATH` or `NODE_OPTIONS` for the rest of the
job; `ACTIONS_ALLOW_UNSECURE_COMMANDS: true` turns that hole back on. `::set-output`
and `::save-state` are deprecated in favour of the `$GITHUB_OUTPUT` and `$GITHUB_STATE`
files.

## Bad
```yaml
- run: echo "::set-output name=version::$(cat VERSION)"
```

## Good
```yaml
- run: echo "version=$(cat VERSION)" >> "$GITHUB_OUTPUT"
```
"#,
    fix: FixMeta {
        description: "Write to the environment files instead of printing workflow commands.",
        snippet: "echo \"name=value\" >> \"$GITHUB_OUTPUT\"   # ::set-output\necho \"name=value\" >> \"$GITHUB_STATE\"    # ::save-state\necho \"NAME=value\" >> \"$GITHUB_ENV\"      # ::set-env\necho \"/some/dir\" >> \"$GITHUB_PATH\"      # ::add-path",
        effort_minutes: 5,
    },
    references: &[
        "actionlint: deprecated-commands",
        "https://github.blog/changelog/2022-10-11-github-actions-deprecating-save-state-and-set-output-commands/",
        "https://github.blog/changelog/2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/",
    ],
};

const COMMANDS: &[(&str, &str, Severity)] = &[
    (
        "::set-output",
        "echo \"{name}={value}\" >> \"$GITHUB_OUTPUT\"",
        Severity::Medium,
    ),
    (
        "::save-state",
        "echo \"{name}={value}\" >> \"$GITHUB_STATE\"",
        Severity::Medium,
    ),
    (
        "::set-env",
        "echo \"{NAME}={value}\" >> \"$GITHUB_ENV\"",
        Severity::High,
    ),
    (
        "::add-path",
        "echo \"{dir}\" >> \"$GITHUB_PATH\"",
        Severity::High,
    ),
];

/// Occurrences of deprecated commands in `text`: (byte span, command, replacement, severity).
fn scan(text: &str) -> Vec<(Span, &'static str, &'static str, Severity)> {
    let mut out = vec![];
    // Every command starts with `::`: most scripts have none.
    if memchr::memmem::find(text.as_bytes(), b"::").is_none() {
        return out;
    }
    for (cmd, repl, sev) in COMMANDS {
        let mut from = 0;
        while let Some(i) = text.get(from..).and_then(|t| t.find(cmd)) {
            let start = from + i;
            let end = start + cmd.len();
            // `::set-env` must be followed by a space or `::`, not be `::set-environment`.
            let next = text.as_bytes().get(end).copied();
            let prev = start
                .checked_sub(1)
                .and_then(|p| text.as_bytes().get(p).copied());
            let prev_ok = !matches!(prev, Some(c) if c == b':' || c.is_ascii_alphanumeric());
            if prev_ok && matches!(next, Some(b' ') | Some(b':')) {
                out.push((Span::new(start, end), *cmd, *repl, *sev));
            }
            from = end;
        }
    }
    out
}

fn check_env(env: Option<&Node>, path: &str, job: Option<&str>, cx: &mut Ctx) {
    let Some(m) = env.and_then(|e| e.as_map()) else {
        return;
    };
    for e in m {
        if e.key.as_str() == Some("ACTIONS_ALLOW_UNSECURE_COMMANDS")
            && e.value
                .as_str()
                .map(|v| v.trim().eq_ignore_ascii_case("true"))
                .unwrap_or(false)
        {
            cx.report(
                &META,
                path,
                entry_span(e),
                "`ACTIONS_ALLOW_UNSECURE_COMMANDS: true` re-enables `::set-env` and `::add-path`, so any text printed to the log can set environment variables and `PATH`.",
            )
            .severity(Severity::High)
            .job(job)
            .fix(
                "Remove the variable and write to `$GITHUB_ENV` / `$GITHUB_PATH` instead.",
                "echo \"NAME=value\" >> \"$GITHUB_ENV\"",
                10,
            );
        }
    }
}

impl Rule for DeprecatedCommand {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        check_env(wf.root.get("env"), wf.path, None, cx);
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        check_env(job.get("env"), wf.path, Some(job.id), cx);
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        check_env(site.step.env, site.path, site.job_id(), cx);
        let Some(run) = &site.step.run else { return };
        let mut hits: Vec<(String, Span, &'static str, &'static str, Severity)> = scan(run.text)
            .into_iter()
            .map(|(s, c, r, v)| (site.path.to_string(), run.source_span(site.doc, s), c, r, v))
            .collect();
        for ss in step_scripts_iter(site, cx.facts, cx.scripts, cx.repo).skip(1) {
            if let Some(sf) = cx.script(ss.path) {
                for (s, c, r, v) in scan(sf.file.text()) {
                    hits.push((ss.path.to_string(), s, c, r, v));
                }
            }
        }
        for (path, span, cmd, repl, sev) in hits {
            cx.report(
                &META,
                &path,
                span,
                format!(
                    "`{cmd}` is {}; write to the environment file instead.",
                    if sev == Severity::High {
                        "disabled because any logged text could use it to set variables"
                    } else {
                        "deprecated and will stop working"
                    }
                ),
            )
            .severity(sev)
            .site(site)
            .fix(
                format!("Replace `{cmd}` with the environment file."),
                repl,
                5,
            );
        }
    }
}
