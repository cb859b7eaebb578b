//! `security/dangerous-trigger`: `pull_request_target` / `workflow_run` workflows that
//! run code from the pull request with the base repository's privileges. Critical only
//! when the PR head is checked out and then built or tested; a `workflow_run` whose
//! upstream (resolved by name in this repository) runs on `pull_request`, or PR text
//! reaching a code sink, is medium; the trigger alone is at most an info note.

use super::common::{checks_out_head_in, classify, value_contexts, Taint};
use crate::facts::Facts;
use crate::finding::{Category, Confidence, Severity, Span};
use crate::github::conditions::{reachable, scenarios};
use crate::github::expr::find_embedded;
use crate::intent::Intent;
use crate::rules::{Ctx, FixMeta, RepoView, Rule, RuleMeta};
use crate::workflow::{Job, Step, Workflow};

pub struct DangerousTrigger;

pub static META: RuleMeta = RuleMeta {
    id: "security/dangerous-trigger",
    title: "Privileged trigger runs pull request code",
    severity: Severity::Critical,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "A `pull_request_target` or `workflow_run` workflow checks out the pull request's head and then builds or tests it (critical); or its `workflow_run` upstream can be started by a fork, or PR text reaches a script (medium).",
    impact: "A fork's pull request runs its own build scripts with the base repository's secrets and a write token: secrets are stolen, releases and branches are poisoned (\"pwn request\").",
    doc: r#"
## Why it matters
`pull_request_target` and `workflow_run` run in the context of the base repository:
with its secrets, a write-capable `GITHUB_TOKEN` and access to its caches, even when
the run was caused by a fork. That is safe as long as the job only handles metadata
(labels, comments). Checking out the PR head and running `npm install`, `make` or the
tests executes code the PR author wrote — install scripts, build files, test files —
with all of those privileges.

Either trigger alone is not a finding: many workflows label PRs or post results this
way safely. pipewise reports the trigger (medium) only when a `workflow_run`
upstream (resolved by name in this repository) runs on `pull_request` and so can be
started by a fork, or when PR-controlled text reaches a script; otherwise it stays
silent.

The PR head is recognised in `actions/checkout`'s `ref`/`repository`, in `git fetch`/
`git checkout`/`gh pr checkout` commands, and when it reaches them indirectly: through
an `env:` value, a shell variable bound in `env:`, or an earlier step's output whose
producer (a `run:` or `actions/github-script` step) sets it from the head
(`pulls.get(…).head.sha`, `gh pr view --json headRefOid`).

## Bad
```yaml
on: pull_request_target
jobs:
  test:
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm ci && npm test
```

## Good
```yaml
on: pull_request            # untrusted code runs without secrets
jobs:
  test:
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
      - run: npm ci && npm test
```
"#,
    fix: FixMeta {
        description: "Run untrusted code on `pull_request` (no secrets); keep `pull_request_target`/`workflow_run` for jobs that only read metadata or download artifacts as data.",
        snippet: "on: pull_request\npermissions:\n  contents: read",
        effort_minutes: 60,
    },
    references: &[
        "zizmor: dangerous-triggers",
        "https://securitylab.github.com/resources/github-actions-preventing-pwn-requests/",
        "https://github.com/zizmorcore/zizmor/issues/1163",
    ],
};

const BUILD_TOOLS: &[&str] = &[
    "make", "npm", "yarn", "pnpm", "npx", "pip", "pip3", "python", "python3", "poetry", "uv",
    "cargo", "go", "mvn", "gradle", "bundle", "rake", "tox", "nox", "pytest", "node", "deno",
    "bun", "cmake", "ninja", "composer", "dotnet", "msbuild", "bazel", "just", "task",
];

fn runs_code(facts: &Facts, step: &Step) -> bool {
    if step
        .uses_str()
        .map(|u| u.starts_with("./"))
        .unwrap_or(false)
    {
        return true;
    }
    if step.run.is_none() {
        return matches!(
            facts.step_intent(step),
            Intent::Build | Intent::Test | Intent::Lint | Intent::Publish | Intent::Deploy
        );
    }
    let Some(script) = step.run.as_ref().and_then(|r| r.script.as_ref()) else {
        // pwsh/python bodies: any build-ish intent.
        return matches!(
            facts.step_intent(step),
            Intent::Build | Intent::Test | Intent::Lint
        );
    };
    script.commands.iter().any(|c| {
        let n = c.name();
        n.starts_with("./") || BUILD_TOOLS.contains(&c.base_name())
    })
}

/// Where the PR is checked out: `None` for the workspace root.
fn checkout_path<'a>(step: &Step<'a>) -> Option<&'a str> {
    step.with_str("path")
        .map(|p| p.trim().trim_start_matches("./").trim_end_matches('/'))
        .filter(|p| !p.is_empty() && *p != ".")
}

/// The first PR-head checkout of the job followed by a step that runs code.
fn pwn_request<'j>(
    facts: &Facts,
    wf: &Workflow,
    job: &'j Job,
) -> Option<(&'j Step<'j>, &'j Step<'j>)> {
    let i = job
        .steps
        .iter()
        .position(|s| checks_out_head_in(wf, job, s))?;
    let co = &job.steps[i];
    let after = job.steps[i + 1..].iter().find(|s| runs_code(facts, s))?;
    Some((co, after))
}

fn pr_text_in_sink(wf: &Workflow) -> Option<Span> {
    for job in &wf.jobs {
        for s in &job.steps {
            let Some(r) = &s.run else { continue };
            for emb in find_embedded(r.text) {
                let Ok(e) = &emb.expr else { continue };
                if let Some((_, sp)) = value_contexts(e)
                    .into_iter()
                    .find(|(p, _)| classify(p) == Taint::Attacker)
                {
                    return Some(r.source_span(wf.doc, sp));
                }
            }
        }
    }
    None
}

/// Names of the upstream workflows of a `workflow_run` trigger.
fn upstream_names<'a>(wf: &Workflow<'a>) -> Vec<&'a str> {
    let Some(cfg) = wf
        .triggers
        .iter()
        .find(|t| t.event == "workflow_run")
        .and_then(|t| t.config)
    else {
        return vec![];
    };
    match cfg.get("workflows") {
        Some(n) => match n.as_seq() {
            Some(items) => items.iter().filter_map(|i| i.as_str()).collect(),
            None => n.as_str().into_iter().collect(),
        },
        None => vec![],
    }
}

fn check(wf: &Workflow, view: &RepoView, cx: &mut Ctx) {
    let trig = wf
        .triggers
        .iter()
        .find(|t| matches!(t.event, "pull_request_target" | "workflow_run"));
    let Some(trig) = trig else { return };
    // Critical: PR head checked out, then built/tested.
    let mut critical = false;
    for job in &wf.jobs {
        if let Some((co, run)) = pwn_request(cx.facts, wf, job) {
            // Only runs an outsider can start count: a job (or steps) guarded on the
            // head repository being this one (or on the PR author, not the spoofable
            // actor) never runs fork code.
            let outsider = scenarios(wf).into_iter().any(|sc| {
                sc.outsider
                    && sc.event == Some(trig.event)
                    && reachable(job, Some(co), &sc)
                    && reachable(job, Some(run), &sc)
            });
            if !outsider {
                continue;
            }
            critical = true;
            // Checked out into a subdirectory, the PR's files are inputs to the base
            // repository's tooling (unless a step runs them from there).
            let sub = checkout_path(co).filter(|p| {
                !run.uses_str()
                    .map(|u| u.trim_start_matches("./").starts_with(p))
                    .unwrap_or(false)
            });
            let (sev, msg) = match sub {
                None => (Severity::Critical, format!(
                    "`{}` checks out the pull request's code in job `{}` and then runs `{}` with the base repository's secrets and write token.",
                    trig.event,
                    job.id,
                    run.label()
                )),
                Some(p) => (Severity::Medium, format!(
                    "`{}` checks out the pull request into `{p}/` in job `{}` and `{}` processes it with the base repository's secrets; make sure nothing from `{p}/` is executed (build files, scripts, install hooks).",
                    trig.event,
                    job.id,
                    run.label()
                )),
            };
            cx.report(&META, wf.path, co.anchor(), msg)
                .severity(sev)
                .job(Some(job.id))
                .step(Some(co.label()))
                .related(
                    wf.path,
                    run.anchor(),
                    if sub.is_some() {
                        "the PR's files are processed here"
                    } else {
                        "the PR's code runs here"
                    },
                )
                .related(wf.path, trig.span, "privileged trigger");
        }
    }
    if critical {
        return;
    }
    // Medium: a fork can start the upstream workflow.
    if trig.event == "workflow_run" || wf.has_trigger("workflow_run") {
        let names = upstream_names(wf);
        let forkable: Vec<&Workflow> = view
            .workflows
            .iter()
            .filter(|u| {
                let uname = u.name.unwrap_or(u.file_name());
                names.contains(&uname) && u.has_trigger("pull_request")
            })
            .collect();
        if let Some(u) = forkable.first() {
            let span = wf
                .triggers
                .iter()
                .find(|t| t.event == "workflow_run")
                .map(|t| t.span)
                .unwrap_or(trig.span);
            cx.report(
                &META,
                wf.path,
                span,
                format!(
                    "`workflow_run` runs with this repository's secrets after `{}`, which runs on `pull_request` and so can be started by a fork; treat its artifacts and outputs as untrusted data.",
                    u.name.unwrap_or(u.file_name())
                ),
            )
            .severity(Severity::Medium)
            .confidence(Confidence::Medium)
            .title("`workflow_run` can be started by a fork")
            .related(u.path, u.triggers.iter().find(|t| t.event == "pull_request").map(|t| t.span).unwrap_or(u.root.span), "upstream runs on pull_request");
            return;
        }
    }
    if let Some(sp) = pr_text_in_sink(wf) {
        cx.report(
            &META,
            wf.path,
            trig.span,
            format!(
                "`{}` runs with the repository's secrets and pull request text reaches a script in this workflow.",
                trig.event
            ),
        )
        .severity(Severity::Medium)
        .confidence(Confidence::Medium)
        .title("Privileged trigger with PR-controlled input")
        .related(wf.path, sp, "PR-controlled value expanded here");
    }
    // The trigger alone is not a finding (zizmor #1163): stay silent.
}

impl Rule for DangerousTrigger {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn repo(&self, view: &RepoView, cx: &mut Ctx) {
        for wf in &view.workflows {
            check(wf, view, cx);
        }
    }
}
