//! `security/self-hosted-runner`: a job on a self-hosted runner in a workflow that a
//! fork or an outside contributor can trigger.

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Job, Workflow};
use pipewise_yaml::Node;

pub struct SelfHostedRunner;

pub static META: RuleMeta = RuleMeta {
    id: "security/self-hosted-runner",
    title: "Self-hosted runner reachable from forks",
    severity: Severity::High,
    confidence: Confidence::Medium,
    category: Category::Security,
    summary: "A job runs on a `self-hosted` runner in a workflow triggered by `pull_request`, `pull_request_target`, `issue_comment` or another event outsiders can cause.",
    impact: "A fork's pull request runs its code on your own machine: it can persist on a non-ephemeral runner, read other jobs' secrets and caches, and reach your internal network.",
    doc: r#"
## Why it matters
GitHub-hosted runners are thrown away after each job. Self-hosted runners usually are
not: code from one job can leave a backdoor for the next, read files and credentials
left on the machine, and use its network position. GitHub recommends never using
self-hosted runners for public repositories' pull requests from forks.

## Bad
```yaml
on: pull_request
jobs:
  test:
    runs-on: [self-hosted, linux]
```

## Good
```yaml
on: pull_request
jobs:
  test:
    runs-on: ubuntu-latest     # or ephemeral, isolated runners (ARC, just-in-time)
```
"#,
    fix: FixMeta {
        description: "Run fork-triggered jobs on GitHub-hosted runners, or on ephemeral just-in-time runners restricted by a runner group, and require approval for outside contributors.",
        snippet: "runs-on: ubuntu-latest",
        effort_minutes: 30,
    },
    references: &["https://docs.github.com/en/actions/hosting-your-own-runners/managing-self-hosted-runners/about-self-hosted-runners#self-hosted-runner-security"],
};

fn self_hosted(n: &Node) -> bool {
    let mut found = false;
    n.walk(&mut |x| {
        if let Some(s) = x.as_str() {
            if s.trim().eq_ignore_ascii_case("self-hosted") {
                found = true;
            }
        }
    });
    found
}

impl Rule for SelfHostedRunner {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        let Some(runs_on) = job.get("runs-on") else {
            return;
        };
        if !self_hosted(runs_on) {
            return;
        }
        // A trigger outsiders start under which the job's `if:` lets it run.
        let Some(t) = crate::conditions::outsider_reach(wf, job, None)
            .and_then(|sc| wf.triggers.iter().find(|t| Some(t.event) == sc.event))
        else {
            return;
        };
        cx.report(
            &META,
            wf.path,
            runs_on.span,
            format!(
                "Job `{}` runs on a self-hosted runner and the workflow runs on `{}`, which outsiders can trigger.",
                job.id, t.event
            ),
        )
        .job(Some(job.id))
        .related(wf.path, t.span, "trigger outsiders can cause");
    }
}
