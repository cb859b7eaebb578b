//! `gitlab/missing-interruptible`: a pipeline whose jobs are never `interruptible`
//! (GitLab's auto-cancel of redundant pipelines then stops nothing: every push runs
//! every job to the end), and a deploy job that is `interruptible` (a newer pipeline
//! cancels it halfway through the deploy).

use super::{job_key_span, GITLAB};
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Job, Platform, Workflow};
use pipewise_yaml::{Node, NodeKind};

pub struct MissingInterruptible;

pub static META: RuleMeta = RuleMeta {
    id: "gitlab/missing-interruptible",
    title: "No job can be auto-cancelled",
    severity: Severity::Low,
    confidence: Confidence::Medium,
    category: Category::CiPipeline,
    summary: "No job of a pipeline that runs for pushes and merge requests is `interruptible: true`, so a newer pipeline on the same branch cancels nothing; or a deploy job is `interruptible`, so a newer pipeline can cancel it halfway.",
    impact: "Every push to a branch runs every job of the superseded pipelines to the end (runner time, queueing, slower feedback); an interrupted deploy leaves an environment half-updated.",
    doc: r#"
## Why it matters
GitLab cancels the redundant pipelines of a branch when a new commit arrives, but
only the jobs marked `interruptible: true` (the default `auto_cancel:
on_new_commit: conservative`). Without any, each push keeps the runners busy with
pipelines whose result nobody will read. The converse also matters: a deploy job
that is interruptible can be cancelled in the middle of a rollout.

## Bad
```yaml
test:
  script: make test
deploy:
  interruptible: true
  script: helm upgrade --install app ./chart
```

## Good
```yaml
default:
  interruptible: true
test:
  script: make test
deploy:
  interruptible: false
  script: helm upgrade --install app ./chart
```
"#,
    fix: FixMeta {
        description: "Set `interruptible: true` in `default:` and `interruptible: false` on jobs that deploy or publish.",
        snippet: "default:\n  interruptible: true",
        effort_minutes: 10,
    },
    references: &[
        "https://docs.gitlab.com/ci/yaml/#interruptible",
        "https://docs.gitlab.com/ci/yaml/#workflowauto_cancelon_new_commit",
    ],
};

/// Whether a condition only runs the job for tags, schedules or by hand, where no
/// newer pipeline of the same branch supersedes it.
fn not_for_branches(cond: Option<&Node>, text: &str) -> bool {
    let Some(_) = cond else { return false };
    ["CI_COMMIT_TAG", "schedule", "tags", "web", "api", "trigger"]
        .iter()
        .any(|w| text.contains(w))
        && !text.contains("merge_request")
        && !text.contains("CI_COMMIT_BRANCH")
}

/// Every scalar of a node, one per line.
fn scalars(n: &Node, out: &mut String) {
    match &n.kind {
        NodeKind::Seq(items) => items.iter().for_each(|i| scalars(i, out)),
        NodeKind::Map(entries) => entries.iter().for_each(|e| scalars(&e.value, out)),
        _ => {
            if let Some(s) = n.as_str() {
                out.push_str(s);
                out.push('\n');
            }
        }
    }
}

impl Rule for MissingInterruptible {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn platforms(&self) -> &'static [Platform] {
        GITLAB
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        let Some(p) = super::pipeline_of(cx, wf) else {
            return;
        };
        // Once per pipeline, on its root; not when jobs or `default:` may come from
        // includes pipewise cannot read, nor for child pipelines (their parent's
        // cancellation reaches them).
        if p.incomplete || p.child || p.root().path != wf.path {
            return;
        }
        let auto_cancel = p
            .global("workflow")
            .and_then(|(_, w)| w.get("auto_cancel")?.get("on_new_commit")?.as_str());
        if auto_cancel == Some("none") {
            return;
        }
        let jobs: Vec<_> = p.jobs.iter().filter(|j| !j.is_hidden()).collect();
        if jobs
            .iter()
            .any(|j| j.get("interruptible").and_then(Node::as_bool) == Some(true))
        {
            return;
        }
        let for_branches = jobs.iter().any(|j| {
            let manual = j.get("when").and_then(Node::as_str) == Some("manual");
            let cond = ["rules", "only"].into_iter().find_map(|k| j.get(k));
            let mut text = String::new();
            if let Some(c) = cond {
                scalars(c, &mut text);
            }
            !manual && !not_for_branches(cond, &text)
        });
        if !for_branches || jobs.len() < 2 {
            return;
        }
        let span = wf
            .root
            .entry("default")
            .or_else(|| wf.root.entry("stages"))
            .map(|e| e.key.span)
            .or_else(|| wf.root.as_map().and_then(|m| m.first()).map(|e| e.key.span))
            .unwrap_or(wf.root.span);
        cx.report(
            &META,
            wf.path,
            span,
            format!("None of the {} jobs of this pipeline is `interruptible: true`: when a newer commit arrives on the branch, GitLab cancels nothing and the superseded pipeline runs to the end.", jobs.len()),
        );
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        if job.get("interruptible").and_then(Node::as_bool) != Some(true)
            || !cx.facts.script_deploys(job)
        {
            return;
        }
        cx.report(
            &META,
            wf.path,
            job_key_span(cx, wf, job, "interruptible"),
            format!("Job `{}` deploys but is `interruptible: true`: a newer pipeline on the branch can cancel it halfway through the deploy.", job.id),
        )
        .severity(Severity::Medium)
        .title("Deploy job can be auto-cancelled")
        .job(Some(job.id));
    }
}
