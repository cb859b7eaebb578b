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

A runner is also chosen by a runner `group`, by custom labels (`[linux, x64, gpu]`) or by
a matrix value; pipewise reports those at medium with low confidence when no label is a
GitHub-hosted image (`ubuntu-*`, `windows-*`, `macos-*`), a larger-runner name saying
`github`/`larger`, or a known hosted-runner service (BuildJet, Namespace, Blacksmith,
Depot, WarpBuild, Ubicloud, RunsOn, Cirun, CodSpeed): offline it cannot tell a larger
GitHub-hosted runner from a self-hosted one.

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

/// Labels of GitHub-hosted runners (standard images, arm and larger runners follow
/// the `ubuntu-*`/`windows-*`/`macos-*` naming) and of third-party hosted runner
/// services, which are ephemeral machines outside your network.
fn hosted_label(l: &str) -> bool {
    let l = l.trim().to_ascii_lowercase();
    ["ubuntu-", "windows-", "macos-"]
        .iter()
        .any(|p| l.starts_with(p))
        || [
            "buildjet-",
            "namespace-",
            "nscloud-",
            "blacksmith-",
            "depot-",
            "warp-",
            "ubicloud-",
            "runs-on=",
            "runs-on,",
            "cirun-",
            "codspeed-",
        ]
        .iter()
        .any(|p| l.starts_with(p))
        // Larger GitHub-hosted runners get names and groups chosen by the organisation,
        // usually saying so.
        || l.contains("github")
        || l.contains("larger")
}

/// How a job names a runner that is not GitHub-hosted: a runner `group`, a custom label,
/// or a static matrix value that is one. `None` when every name is GitHub-hosted or
/// computed at runtime.
fn custom_runner(job: &Job, runs_on: &Node) -> Option<String> {
    if let Some(g) = runs_on.get("group").and_then(Node::as_str) {
        return (!hosted_label(g)).then(|| format!("runner group `{g}`"));
    }
    let labels: Vec<&Node> = match (runs_on.as_seq(), runs_on.get("labels")) {
        (Some(seq), _) => seq.iter().collect(),
        (None, Some(l)) => l
            .as_seq()
            .map(|s| s.iter().collect())
            .unwrap_or_else(|| vec![l]),
        (None, None) => vec![runs_on],
    };
    for n in labels {
        let Some(t) = n.as_str() else { continue };
        let t = t.trim();
        if let Some(key) = t
            .strip_prefix("${{")
            .and_then(|r| r.strip_suffix("}}"))
            .map(str::trim)
            .and_then(|e| e.strip_prefix("matrix."))
        {
            let values = job.matrix_values(key)?;
            if let Some(v) = values.iter().find(|v| !hosted_label(v)) {
                return Some(format!("matrix value `{v}` of `matrix.{key}`"));
            }
            continue;
        }
        if t.contains("${{") || hosted_label(t) {
            continue;
        }
        return Some(format!("custom label `{t}`"));
    }
    None
}

impl Rule for SelfHostedRunner {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        let Some(runs_on) = job.get("runs-on") else {
            return;
        };
        // A trigger outsiders start under which the job's `if:` lets it run.
        let Some(t) = crate::github::conditions::outsider_reach(wf, job, None)
            .and_then(|sc| wf.triggers.iter().find(|t| Some(t.event) == sc.event))
        else {
            return;
        };
        if !self_hosted(runs_on) {
            // Not labelled `self-hosted`: a group, a custom label or a matrix value
            // usually still selects one (medium: larger GitHub-hosted runners can be
            // named and grouped too).
            if let Some(how) = custom_runner(job, runs_on) {
                cx.report(
                    &META,
                    wf.path,
                    runs_on.span,
                    format!(
                        "Job `{}` selects its runner by {how}, which is not a GitHub-hosted label, and the workflow runs on `{}`, which outsiders can trigger; if it is a self-hosted runner, a fork's code runs on it.",
                        job.id, t.event
                    ),
                )
                .severity(Severity::Medium)
                .confidence(crate::finding::Confidence::Low)
                .job(Some(job.id))
                .related(wf.path, t.span, "trigger outsiders can cause");
            }
            return;
        }
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
