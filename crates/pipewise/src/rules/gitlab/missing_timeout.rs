//! `gitlab/missing-timeout`: a job that holds a `resource_group` without a
//! `timeout:` (a hung job blocks every later job of the group for the project's
//! whole timeout).

use super::{job_key_span, GITLAB};
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Job, Platform, Workflow};

pub struct MissingTimeout;

pub static META: RuleMeta = RuleMeta {
    id: "gitlab/missing-timeout",
    title: "Resource group job without a timeout",
    severity: Severity::Low,
    confidence: Confidence::Medium,
    category: Category::CiPipeline,
    summary: "A job with a `resource_group:` (usually a deploy) sets no `timeout:`, so a hung run holds the group for the project's job timeout (an hour by default, often days).",
    impact: "While the hung job waits, every later deploy of the group queues behind it: a fix cannot be deployed until someone notices and cancels the job.",
    doc: r#"
## Why it matters
A `resource_group` lets one job of the group run at a time. A deploy waiting on a
rollout that never finishes, a prompt or a lost connection keeps the group until
GitLab's job timeout, which is the project setting (60 minutes by default, and
often raised for long test suites). A `timeout:` sized for the deploy frees the
group for the next one.

## Bad
```yaml
deploy:
  resource_group: production
  script: ./deploy.sh
```

## Good
```yaml
deploy:
  resource_group: production
  timeout: 15m
  script: ./deploy.sh
```
"#,
    fix: FixMeta {
        description: "Give the job a `timeout:` a little above its normal duration.",
        snippet: "timeout: 15m",
        effort_minutes: 5,
    },
    references: &[
        "https://docs.gitlab.com/ci/yaml/#timeout",
        "https://docs.gitlab.com/ci/resource_groups/",
    ],
};

impl Rule for MissingTimeout {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn platforms(&self) -> &'static [Platform] {
        GITLAB
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        let Some(group) = job.get("resource_group") else {
            return;
        };
        // A child pipeline's trigger job waits for the child, which has its own jobs.
        if job.timeout.is_some() || job.get("trigger").is_some() {
            return;
        }
        let default_timeout = super::pipeline_of(cx, wf)
            .and_then(|p| p.global("default"))
            .is_some_and(|(_, d)| d.get("timeout").is_some());
        if default_timeout {
            return;
        }
        cx.report(
            &META,
            wf.path,
            job_key_span(cx, wf, job, "resource_group"),
            format!("Job `{}` holds resource group `{}` without a `timeout:`: if it hangs, every later job of the group waits for the project's job timeout.", job.id, group.as_str().unwrap_or("…")),
        )
        .job(Some(job.id));
    }
}
