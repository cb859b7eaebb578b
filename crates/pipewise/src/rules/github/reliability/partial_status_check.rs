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

/// The job ids whose result `compact` (a job's text without whitespace) reads:
/// `needs.<id>.result`, `needs['<id>'].result`, `needs["<id>"].result`.
fn checked_results(compact: &str) -> std::collections::HashSet<&str> {
    let mut out = std::collections::HashSet::new();
    for at in memchr::memmem::find_iter(compact.as_bytes(), b"needs") {
        let rest = compact.get(at + "needs".len()..).unwrap_or("");
        let (id, after) = if let Some(r) = rest.strip_prefix('.') {
            let end = r.find('.').unwrap_or(r.len());
            (&r[..end], &r[end..])
        } else if let Some(r) = rest.strip_prefix("['").or_else(|| rest.strip_prefix("[\"")) {
            let quote = if rest.starts_with("['") { "']" } else { "\"]" };
            match r.find(quote) {
                Some(end) => (&r[..end], &r[end + 2..]),
                None => continue,
            }
        } else {
            continue;
        };
        if after.starts_with(".result") {
            out.insert(id);
        }
    }
    out
}

impl Rule for PartialStatusCheck {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        if job.needs.len() < 2 || !always_runs(job) {
            return;
        }
        // `if: always() && needs.x.result == 'success'`: a conditional job, not a
        // status aggregator.
        if job
            .get("if")
            .and_then(|n| n.as_str())
            .is_some_and(|s| s.contains("needs."))
        {
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
        // Every `needs.<id>.result` (or `needs['<id>'].result`) in the job, found in
        // one pass: linear in the job's text whatever the number of needs.
        let results = checked_results(&compact);
        let checked: Vec<&str> = job.needs.jobs().filter(|n| results.contains(n)).collect();
        // Only a job that can fail on those results decides the status; a
        // notification that prints them does not.
        let decides = compact.contains("exit1")
            || compact.contains("setFailed")
            || compact.contains("exit\"$")
            || compact.contains("run:false");
        if checked.is_empty() || !decides {
            return;
        }
        // Set-up and change-detection jobs (`changes`, `setup`, `detect-…`) decide
        // what runs; their result is not a gate.
        let missed: Vec<&str> = job
            .needs
            .jobs()
            .filter(|n| !results.contains(n) && !setup_job(n))
            .collect();
        if missed.is_empty() {
            return;
        }
        let span = job.needs.entry.map(|e| e.key.span).unwrap_or(job.key.span);
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

fn setup_job(id: &str) -> bool {
    let l = id.to_ascii_lowercase();
    [
        "changes",
        "changed",
        "detect",
        "setup",
        "set-up",
        "prepare",
        "determine",
        "filter",
        "paths",
        "activation",
        "config",
        "matrix",
        "init",
        "pre-",
        "plan",
        "metadata",
    ]
    .iter()
    .any(|w| l.contains(w))
}
