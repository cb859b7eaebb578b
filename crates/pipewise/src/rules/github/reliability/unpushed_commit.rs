//! `reliability/unpushed-commit`: a `git commit` in a job that never pushes it (no
//! `git push`, no push action, no pull-request action later in the job): the
//! runner is thrown away and the commit with it.

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{step_scripts_iter, Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::shell::Command;
use crate::workflow::{Job, Workflow};

pub struct UnpushedCommit;

pub static META: RuleMeta = RuleMeta {
    id: "reliability/unpushed-commit",
    title: "Commit is never pushed",
    severity: Severity::High,
    confidence: Confidence::Medium,
    category: Category::Release,
    summary: "A step runs `git commit` but nothing later in the job pushes it (`git push`, a push or pull-request action), so the commit disappears with the runner.",
    impact: "Deployment records, version bumps or generated files the pipeline meant to keep are silently lost.",
    doc: r#"
## Why it matters
Every job runs on a fresh runner that is discarded afterwards. A commit that is not
pushed in the same job exists only on that runner. The step succeeds, the log says
"committed", and the change is gone: a deployment log that never records anything,
a version bump that the next release does not see.

## Bad
```yaml
- name: Record deployment
  run: |
    echo "$GITHUB_SHA,production" >> deployments.log
    git add deployments.log
    git commit -m "chore: record deployment" || echo "No changes to commit"
```

## Good
```yaml
- name: Record deployment
  run: |
    echo "$GITHUB_SHA,production" >> deployments.log
    git add deployments.log
    git commit -m "chore: record deployment" || exit 0
    git push origin HEAD:${{ github.ref_name }}
```
"#,
    fix: FixMeta {
        description: "Push the commit in the same job (or let a push action do it).",
        snippet: "git commit -m \"chore: record deployment\" || exit 0\ngit push origin HEAD:${{ github.ref_name }}",
        effort_minutes: 15,
    },
    references: &["seed: 000 CRITICAL-6"],
};

/// Actions that push (or open a pull request from) the local commits.
const PUSHING_ACTIONS: &[&str] = &[
    "push",
    "create-pull-request",
    "git-auto-commit",
    "add-and-commit",
    "commit-action",
    "gh-pages",
    "pages-deploy",
    "deploy",
    "changesets/action",
    "semantic-release",
    "release-please",
    "auto-commit",
    "commit",
];

/// Commands that push commits made earlier.
fn pushes(c: &Command) -> bool {
    let a: Vec<&str> = c.args().iter().map(|w| w.text.as_str()).collect();
    match c.base_name() {
        "git" => a
            .iter()
            .any(|x| matches!(*x, "push" | "format-patch" | "bundle" | "request-pull")),
        "gh" => a.first() == Some(&"pr") || a.first() == Some(&"release"),
        "npx" | "yarn" | "pnpm" | "npm" | "bunx" => a.iter().any(|x| {
            x.contains("gh-pages")
                || x.contains("semantic-release")
                || x.contains("lerna")
                || x.contains("changeset")
                || x.contains("release")
                || x.contains("publish")
                || x.contains("deploy")
        }),
        "lerna" | "semantic-release" | "gh-pages" | "ghp-import" | "mike" | "hub"
        | "release-it" | "cz" | "bump2version" | "tbump" => true,
        "make" | "just" | "./gradlew" | "mvn" | "cargo" => a
            .iter()
            .any(|x| x.contains("release") || x.contains("publish") || x.contains("deploy")),
        n => {
            n.ends_with(".sh")
                && (n.contains("push")
                    || n.contains("release")
                    || n.contains("publish")
                    || n.contains("deploy"))
        }
    }
}

fn commits(c: &Command) -> bool {
    c.base_name() == "git"
        && c.args().first().map(|w| w.text.as_str()) == Some("commit")
        && !c.has_arg("--dry-run")
}

impl Rule for UnpushedCommit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        // (step index, span in its file, file, step label) of the last unpushed commit.
        let mut pending: Option<(usize, crate::finding::Span, String)> = None;
        for step in &job.steps {
            if let Some(a) = step.action() {
                if pending.is_some() && PUSHING_ACTIONS.iter().any(|p| a.contains(p)) {
                    pending = None;
                }
                continue;
            }
            let site = StepSite::of_job(wf, job, step);
            for ss in step_scripts_iter(&site, cx.facts, cx.scripts, cx.repo) {
                let text = crate::rules::reliability::script_text(&ss, cx);
                // A scratch repository (`git init`, a clone into /tmp): not the checkout.
                if scratch_repository(text) {
                    pending = None;
                    break;
                }
                let mut cmds: Vec<&Command> = ss.script.commands.iter().collect();
                cmds.sort_by_key(|c| c.span.start);
                for c in cmds {
                    // The raw text too: a push after a heredoc or a `${{ }}` in quotes
                    // can be lost to shell-parser recovery.
                    let later = text.get(c.span.end..).unwrap_or("");
                    if commits(c) && (later.contains("git push") || later.contains("gh pr create"))
                    {
                        pending = None;
                    } else if commits(c) {
                        let span = if ss.run.is_some() {
                            ss.span(wf.doc, c.span)
                        } else {
                            ss.via.as_ref().map(|v| v.0).unwrap_or(c.span)
                        };
                        pending = Some((step.index, span, step.label()));
                    } else if pushes(c) {
                        pending = None;
                    }
                }
            }
        }
        let Some((_, span, label)) = pending else {
            return;
        };
        cx.report(
            &META,
            wf.path,
            span,
            format!(
                "`git commit` in step `{label}` is never pushed: nothing later in job `{}` runs `git push`, so the commit is lost with the runner.",
                job.id
            ),
        )
        .job(Some(job.id))
        .step(Some(label));
    }
}

/// Whether a script works in a scratch repository (`git init`, `git clone`,
/// `git worktree`): one pass over the text for `git `.
fn scratch_repository(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memmem::find_iter(b, b"git ").any(|i| {
        let rest = b.get(i + 4..).unwrap_or_default();
        rest.starts_with(b"init") || rest.starts_with(b"clone") || rest.starts_with(b"worktree")
    })
}
