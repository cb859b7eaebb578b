//! `reliability/partial-status-check`: a status or summary job that runs
//! `if: always()` after several jobs but inspects the result of only some of them,
//! so a failure in the others still reports green.

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Job, Workflow};

pub struct PartialStatusCheck;

pub static META: RuleMeta = RuleMeta {
    id: "reliability/partial-status-check",
    title: "Status job checks only some of its needs",
    severity: Severity::High,
    confidence: Confidence::Medium,
    category: Category::Testing,
    summary: "A job that always runs after several jobs (`if: always()`) and decides the pipeline status from `needs.<job>.result`, but checks only some of the jobs it needs.",
    impact: "A failing job that the status check forgets is reported as a green pipeline, and branch protection that requires only the status job lets it merge.",
    doc: r#"
## Why it matters
Branch protection often requires a single "CI status" job. With `if: always()` it runs
even when its needs fail, and its script is the only thing deciding red or green. If
it checks `needs.backend.result` and `needs.frontend.result` but not the three other
jobs it waits for, their failures pass.

## Bad
```yaml
ci-status:
  needs: [backend, frontend, integration, docker, security]
  if: always()
  steps:
    - run: |
        if [ "${{ needs.backend.result }}" != "success" ] || [ "${{ needs.frontend.result }}" != "success" ]; then
          exit 1
        fi
```

## Good
```yaml
ci-status:
  needs: [backend, frontend, integration, docker, security]
  if: always()
  steps:
    - if: contains(needs.*.result, 'failure') || contains(needs.*.result, 'cancelled')
      run: exit 1
```
"#,
    fix: FixMeta {
        description: "Check every need at once with `needs.*.result`.",
        snippet: "- if: contains(needs.*.result, 'failure') || contains(needs.*.result, 'cancelled')\n  run: exit 1",
        effort_minutes: 10,
    },
    references: &["seed: 002 critical 5"],
};

fn always_runs(job: &Job) -> bool {
    job.get("if")
        .and_then(|n| n.as_str())
        .map(|s| {
            s.contains("always()")
                || s.contains("!cancelled()")
                || s.contains("failure() || success()")
        })
        .unwrap_or(false)
}

impl Rule for PartialStatusCheck {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        if job.needs.len() < 2 || !always_runs(job) {
            return;
        }
        let src = wf.doc.source();
        let body = src
            .get(job.node.span.start..job.node.span.end)
            .unwrap_or("");
        let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        // Checks every need at once.
        if compact.contains("needs.*")
            || compact.contains("toJSON(needs)")
            || compact.contains("tojson(needs)")
            || compact.contains("join(needs")
        {
            return;
        }
        let checked: Vec<&str> = job
            .needs
            .iter()
            .copied()
            .filter(|n| {
                compact.contains(&format!("needs.{n}.result"))
                    || compact.contains(&format!("needs['{n}'].result"))
                    || compact.contains(&format!("needs[\"{n}\"].result"))
            })
            .collect();
        // Only a job that can fail on those results decides the status; a
        // notification that prints them does not.
        let decides = compact.contains("exit1")
            || compact.contains("setFailed")
            || compact.contains("exit\"$")
            || compact.contains("run:false");
        if checked.is_empty() || !decides {
            return;
        }
        let missed: Vec<&str> = job
            .needs
            .iter()
            .copied()
            .filter(|n| !checked.contains(n))
            .collect();
        if missed.is_empty() {
            return;
        }
        let span = job
            .entry("needs")
            .map(|e| e.key.span)
            .unwrap_or(job.key.span);
        cx.report(
            &META,
            wf.path,
            span,
            format!(
                "job `{}` always runs and checks the result of {} but not of {}: a failure there still ends green.",
                job.id,
                checked.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
                missed.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            ),
        )
        .job(Some(job.id));
    }
}
