//! `security/artifact-poisoning`: a `workflow_run` / `pull_request_target` job that
//! downloads the artifacts of another (possibly fork-started) run into its workspace
//! and then runs code from them or next to them.

use super::common::{reads_workspace_code, runs_workspace_code};
use crate::finding::{Category, Confidence, Severity, Span};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::shell::Command;
use crate::workflow::{Job, Step, Workflow};

pub struct ArtifactPoisoning;

pub static META: RuleMeta = RuleMeta {
    id: "security/artifact-poisoning",
    title: "Untrusted artifact used as code in a privileged job",
    severity: Severity::High,
    confidence: Confidence::Medium,
    category: Category::Security,
    summary: "A `workflow_run` or `pull_request_target` job downloads artifacts of another run (`actions/download-artifact` with `run-id`, `gh run download`, `dawidd6/action-download-artifact`, `github-script` `downloadArtifact`) into its workspace, then executes, installs or sources something from them — or runs the workspace's own scripts after the artifact may have overwritten them.",
    impact: "The run that made the artifact may be a fork's pull request: its author chooses the artifact's files, which then run with this job's secrets and write token.",
    doc: r#"
## Why it matters
`workflow_run` is the documented way to give a pull request's results a privileged
follow-up (comment, publish a preview). The artifacts it downloads, however, were
produced by the pull request's own code. GitHub Security Lab's "Preventing pwn
requests" and the CodeQL query `actions/artifact-poisoning` describe the attack: the
artifact contains a script, a package or a file that shadows one in the checkout
(`package.json`, `Makefile`, `scripts/…`); the privileged job extracts it into the
workspace and runs it. Treat artifacts as data: extract them into a separate
directory (or `$RUNNER_TEMP`), read only the values you need, validate them, and never
execute, install or `source` them.

## Bad
```yaml
on:
  workflow_run:
    workflows: [ci]
    types: [completed]
jobs:
  publish:
    steps:
      - uses: actions/checkout@v4
      - uses: actions/download-artifact@v4
        with:
          run-id: ${{ github.event.workflow_run.id }}
          github-token: ${{ secrets.GITHUB_TOKEN }}
      - run: ./scripts/publish-preview.sh
```

## Good
```yaml
      - uses: actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1
        with:
          run-id: ${{ github.event.workflow_run.id }}
          github-token: ${{ secrets.GITHUB_TOKEN }}
          path: ${{ runner.temp }}/artifacts
      - run: |
          pr=$(cat "$RUNNER_TEMP/artifacts/pr/number")
          [[ "$pr" =~ ^[0-9]+$ ]] || exit 1
```
"#,
    fix: FixMeta {
        description: "Extract the artifact into `$RUNNER_TEMP` (not the workspace), read it only as data and validate it; build and run code only from the trusted checkout.",
        snippet: "with:\n  run-id: ${{ github.event.workflow_run.id }}\n  path: ${{ runner.temp }}/artifacts",
        effort_minutes: 30,
    },
    references: &[
        "https://securitylab.github.com/resources/github-actions-preventing-pwn-requests/",
        "https://codeql.github.com/codeql-query-help/actions/actions-artifact-poisoning-critical/",
        "https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions",
    ],
};

/// Actions that fetch artifacts of other runs or workflows.
const CROSS_RUN_DOWNLOADERS: &[&str] = &[
    "dawidd6/action-download-artifact",
    "aochmann/actions-download-artifact",
    "bettermarks/action-artifact-download",
    "legit-labs/action-download-artifact",
    "marcofaggian/action-download-multiple-artifacts",
    "ishworkh/container-image-artifact-download",
];

/// Where a download step puts the artifact: `None` = somewhere in the workspace we
/// cannot tell (e.g. a github-script that writes a zip), `Some("")` = the workspace
/// root.
struct Download {
    step: usize,
    what: String,
    dir: Option<String>,
}

fn norm_dir(p: &str) -> String {
    let p = p.trim();
    let p = p
        .strip_prefix("${{ github.workspace }}")
        .unwrap_or(p)
        .trim_start_matches("./")
        .trim_start_matches('/')
        .trim_end_matches('/');
    if p == "." {
        String::new()
    } else {
        p.to_string()
    }
}

fn outside_workspace(dir: &str) -> bool {
    let d = dir.to_ascii_lowercase();
    d.contains("runner.temp") || d.contains("runner_temp") || d.starts_with("/tmp")
}

fn gh_run_download(c: &Command) -> Option<String> {
    if c.base_name() != "gh" {
        return None;
    }
    let a = c.args();
    if a.first().map(|w| w.text.as_str()) != Some("run")
        || a.get(1).map(|w| w.text.as_str()) != Some("download")
    {
        return None;
    }
    let mut dir = String::new();
    for (i, w) in a.iter().enumerate() {
        if w.text == "-D" || w.text == "--dir" {
            dir = a.get(i + 1).map(|w| norm_dir(&w.text)).unwrap_or_default();
        } else if let Some(d) = w.text.strip_prefix("--dir=") {
            dir = norm_dir(d);
        }
    }
    Some(dir)
}

fn download(i: usize, step: &Step) -> Option<Download> {
    let action = step.action().unwrap_or_default();
    let path = || step.with_str("path").map(norm_dir).unwrap_or_default();
    if action == "actions/download-artifact" {
        let w = step.with?;
        if w.get("run-id").is_some() {
            return Some(Download {
                step: i,
                what: "`actions/download-artifact` with `run-id`".into(),
                dir: Some(path()),
            });
        }
        return None;
    }
    if CROSS_RUN_DOWNLOADERS.contains(&action) {
        return Some(Download {
            step: i,
            what: format!("`{action}`"),
            dir: Some(path()),
        });
    }
    if action == "actions/github-script" {
        let s = step.with_str("script").unwrap_or("");
        if s.contains("downloadArtifact") {
            return Some(Download {
                step: i,
                what: "`actions/github-script` `downloadArtifact`".into(),
                dir: None,
            });
        }
    }
    let script = step.run.as_ref()?.script.as_ref()?;
    script
        .commands
        .iter()
        .find_map(gh_run_download)
        .map(|d| Download {
            step: i,
            what: "`gh run download`".into(),
            dir: Some(d),
        })
}

/// An `unzip`/`tar x` into the workspace root (no `-d`/`-C`).
fn extracts_to_root(c: &Command) -> bool {
    match c.base_name() {
        "unzip" => !c.args().iter().any(|w| w.text == "-d" || w.text == "-l"),
        "tar" => {
            c.args()
                .first()
                .map(|w| w.text.trim_start_matches('-').contains('x'))
                .unwrap_or(false)
                && !c
                    .args()
                    .iter()
                    .any(|w| w.text == "-C" || w.text.starts_with("--directory"))
        }
        _ => false,
    }
}

const INTERPRETERS: &[&str] = &[
    "bash", "sh", "zsh", "source", ".", "python", "python3", "node", "ruby", "perl", "pwsh",
    "chmod", "exec",
];
const INSTALLERS: &[&str] = &[
    "pip", "pip3", "npm", "yarn", "pnpm", "gem", "dpkg", "apt", "apt-get",
];

/// A command that executes, installs or sources a file under `dir`.
fn runs_from(c: &Command, dir: &str) -> bool {
    let under = |t: &str| {
        let t = t.trim_start_matches("./");
        !dir.is_empty() && (t == dir || t.starts_with(&format!("{dir}/")))
    };
    if under(c.name()) {
        return true;
    }
    let n = c.base_name();
    (INTERPRETERS.contains(&n) || INSTALLERS.contains(&n) || n == "docker")
        && c.args().iter().any(|w| under(&w.text))
}

/// The first step after the download that uses the artifact as code: its index and a
/// description.
fn first_use(
    doc: &pipewise_yaml::Document,
    job: &Job,
    d: &Download,
) -> Option<(usize, Span, String)> {
    let mut root = d.dir.as_deref() == Some("");
    let dir = d.dir.clone().unwrap_or_default();
    for (i, s) in job.steps.iter().enumerate().skip(d.step + 1) {
        if let Some(script) = s.run.as_ref().and_then(|r| r.script.as_ref()) {
            let at = |c: &Command| {
                s.run
                    .as_ref()
                    .map(|r| r.source_span(doc, c.span))
                    .unwrap_or(s.anchor())
            };
            if d.dir.is_none() && script.commands.iter().any(extracts_to_root) {
                root = true;
                if let Some(c) = script
                    .commands
                    .iter()
                    .find(|c| !extracts_to_root(c) && reads_workspace_code(c))
                {
                    return Some((
                        i,
                        at(c),
                        format!(
                            "`{}` runs after the artifact was extracted into the workspace",
                            c.name()
                        ),
                    ));
                }
                continue;
            }
            if let Some(c) = script.commands.iter().find(|c| runs_from(c, &dir)) {
                return Some((
                    i,
                    at(c),
                    format!(
                        "`{}` runs a file from the artifact (`{dir}/`)",
                        c.argv_text()
                    ),
                ));
            }
        }
        if root && runs_workspace_code(s) {
            return Some((
                i,
                s.anchor(),
                format!(
                    "step `{}` runs code from the workspace the artifact was extracted into",
                    s.label()
                ),
            ));
        }
    }
    None
}

impl Rule for ArtifactPoisoning {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        let Some(t) = wf
            .triggers
            .iter()
            .find(|t| matches!(t.event, "workflow_run" | "pull_request_target"))
        else {
            return;
        };
        for (i, s) in job.steps.iter().enumerate() {
            let Some(d) = download(i, s) else { continue };
            if d.dir.as_deref().map(outside_workspace).unwrap_or(false) {
                continue;
            }
            let Some((_, use_span, how)) = first_use(wf.doc, job, &d) else {
                continue;
            };
            cx.report(
                &META,
                wf.path,
                s.anchor(),
                format!(
                    "On `{}`, {} brings another run's artifact into the workspace and {how}; whoever made that run (a fork's pull request) chooses its files.",
                    t.event, d.what
                ),
            )
            .job(Some(job.id))
            .step(Some(s.label()))
            .related(wf.path, use_span, "uses the artifact as code")
            .related(wf.path, t.span, "privileged trigger");
            break;
        }
    }
}
