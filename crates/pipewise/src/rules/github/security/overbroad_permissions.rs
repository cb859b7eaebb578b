//! `security/overbroad-permissions`: `permissions: write-all` (or `read-all`) at
//! workflow or job level, and write scopes granted to every job at workflow level when
//! only some jobs use them.

use super::scopes;
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{entry_span, Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Job, Workflow};
use pipewise_yaml::{Entry, Node};

pub struct OverbroadPermissions;

pub static META: RuleMeta = RuleMeta {
    id: "security/overbroad-permissions",
    title: "Blanket token permissions",
    severity: Severity::High,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "`permissions: write-all` gives the `GITHUB_TOKEN` every write scope (high); `read-all` every read scope (low); a write scope at workflow level that only one of several jobs uses (medium).",
    impact: "A compromised step can push to branches, publish packages and releases, and change issues and pull requests.",
    doc: r#"
## Why it matters
`write-all` grants every scope the token can have. No workflow needs all of them;
listing the few it does need limits what a compromised action or injected command can
do with the token.

A workflow-level grant that every job replaces with its own `permissions:` reaches no
job and is not reported (OpenSSF Scorecard's template: `read-all` on top, scopes on
the job). In a workflow with one job, a write scope that job uses — visibly, or out of
sight through a reusable workflow, a third-party or writing `actions/*` action, `gh`,
github-script, or a tool handed `${{ github.token }}` — is that job's grant, and
"grant it on the job" would change nothing.

## Bad
```yaml
permissions: write-all
```

## Good
```yaml
permissions:
  contents: write      # create the release
  pull-requests: read
```
"#,
    fix: FixMeta {
        description: "Replace the blanket grant with the scopes the jobs use.",
        snippet: "permissions:\n  contents: read",
        effort_minutes: 15,
    },
    references: &["zizmor: excessive-permissions"],
};

/// `snippet` is built only when the grant is reported (inferring scopes walks every step).
fn check(e: &Entry, path: &str, job: Option<&str>, snippet: impl FnOnce() -> String, cx: &mut Ctx) {
    let Some(v) = e.value.as_str() else { return };
    let (sev, what) = match v {
        "write-all" => (Severity::High, "every write scope"),
        "read-all" => (Severity::Low, "every read scope"),
        _ => return,
    };
    let place = match job {
        Some(j) => format!("job `{j}`"),
        None => "the workflow".to_string(),
    };
    cx.report(
        &META,
        path,
        entry_span(e),
        format!("`permissions: {v}` gives {place}'s token {what}; grant only the scopes it uses."),
    )
    .severity(sev)
    .job(job)
    .fix(
        "Replace the blanket grant with the scopes the steps use (inferred).",
        snippet(),
        15,
    );
}

impl Rule for OverbroadPermissions {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        // A workflow-level grant that every job replaces with its own reaches no job
        // (the OpenSSF Scorecard template: `read-all` on top, scopes on the job).
        let reaches_a_job = wf.jobs.iter().any(|j| j.entry("permissions").is_none());
        if let (Some(e), true) = (wf.root.entry("permissions"), reaches_a_job) {
            let jobs: Vec<&Job> = wf.jobs.iter().collect();
            check(e, wf.path, None, || scopes::per_job_blocks(&jobs), cx);
        }
        check_broad_scopes(wf, cx);
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        if let Some(e) = job.entry("permissions") {
            let snippet = || scopes::render_block(&scopes::job_needs(job), "");
            check(e, wf.path, Some(job.id), snippet, cx);
        }
    }
}

/// Write scopes granted at workflow level that only some of the inheriting jobs need.
fn check_broad_scopes(wf: &Workflow, cx: &mut Ctx) {
    let Some(perms) = wf.root.get("permissions").and_then(|p| p.as_map()) else {
        return;
    };
    // No `scope: write` (most grants): nothing to say, and no job's needs to infer.
    if !perms
        .iter()
        .any(|e| e.key.as_str().is_some() && e.value.as_str() == Some("write"))
    {
        return;
    }
    let inheriting: Vec<&Job> = wf
        .jobs
        .iter()
        .filter(|j| j.entry("permissions").is_none())
        .collect();
    if inheriting.is_empty() {
        return;
    }
    // Reusable workflows called without their own `permissions:` need what they use;
    // that is not visible here, so only the "move it to the job" advice applies.
    let opaque = inheriting.iter().any(|j| j.uses.is_some());
    let needs: Vec<(&Job, scopes::Needs)> = inheriting
        .iter()
        .map(|j| (*j, scopes::job_needs(j)))
        .collect();
    for e in perms {
        let (Some(scope), Some("write")) = (e.key.as_str(), e.value.as_str()) else {
            continue;
        };
        let users: Vec<&str> = needs
            .iter()
            .filter(|(_, n)| n.get(scope).map(|(l, _)| *l == "write").unwrap_or(false))
            .map(|(j, _)| j.id)
            .collect();
        if scope == "id-token" && users.is_empty() {
            continue; // security/unused-id-token
        }
        // One job: the workflow level *is* that job's grant, so "grant it on the job"
        // changes nothing when it uses the scope, and when pipewise sees no use, a
        // step that can use the token out of sight (a third-party action, `gh`,
        // github-script, an API call) leaves nothing certain to say.
        if wf.jobs.len() == 1
            && (!users.is_empty() || inheriting.iter().any(|j| opaque_token_use(j)))
        {
            continue;
        }
        if opaque || users.is_empty() || users.len() == inheriting.len() {
            // A single job, or no visible user: the grant still belongs on the job.
            let hidden = inheriting.iter().any(|j| opaque_token_use(j));
            let (msg, conf) = if users.is_empty() && !opaque && !hidden {
                (
                    format!("`{scope}: write` is granted at workflow level; grant it only on the job that uses it (pipewise sees no step that does, so it may not be needed at all)."),
                    Confidence::Low,
                )
            } else {
                (
                    format!("`{scope}: write` is granted at workflow level; grant it on the job that uses it so jobs added later do not inherit it."),
                    Confidence::Medium,
                )
            };
            let mut snippet = String::from("permissions:\n  contents: read\njobs:\n");
            for (j, n) in &needs {
                snippet.push_str(&format!("  {}:\n", j.id));
                snippet.push_str(&scopes::render_block(n, "    "));
            }
            cx.report(&META, wf.path, entry_span(e), msg)
                .severity(Severity::Low)
                .confidence(conf)
                .title(format!("`{scope}: write` at workflow level"))
                .fix(
                    "Move write scopes from the workflow to the jobs that use them.",
                    snippet,
                    5,
                );
            continue;
        }
        let others = inheriting.len() - users.len();
        let mut snippet = String::from("permissions:\n  contents: read\njobs:\n");
        for (j, n) in &needs {
            if users.contains(&j.id) {
                snippet.push_str(&format!("  {}:\n", j.id));
                snippet.push_str(&scopes::render_block(n, "    "));
            }
        }
        cx.report(
            &META,
            wf.path,
            entry_span(e),
            format!(
                "`{scope}: write` is granted to all {} jobs at workflow level, but only {} need{} it; the other {others} get it for nothing.",
                inheriting.len(),
                users.iter().map(|u| format!("`{u}`")).collect::<Vec<_>>().join(", "),
                if users.len() == 1 { "s" } else { "" },
            ),
        )
        .severity(Severity::Medium)
        .confidence(Confidence::Medium)
        .title(format!("`{scope}: write` granted to every job"))
        .fix(
            format!("Keep the workflow level read-only and grant `{scope}: write` only where it is used."),
            snippet,
            10,
        );
    }
}

/// Whether `job` can use the token in a way scope inference does not see: it calls a
/// reusable workflow, or a step is a third-party action (not a local one, not one of
/// GitHub's own actions that only read: checkout, cache, setup, artifacts, Pages
/// set-up), runs `gh`, github-script or a call to the GitHub API, or is handed the
/// token (`${{ github.token }}`, `${{ secrets.GITHUB_TOKEN }}`) in `env:` or `with:`.
fn opaque_token_use(job: &Job) -> bool {
    const READ_ONLY_OFFICIAL: &[&str] = &[
        "actions/checkout",
        "actions/cache",
        "actions/setup-",
        "actions/upload-artifact",
        "actions/download-artifact",
        "actions/upload-pages-artifact",
        "actions/configure-pages",
    ];
    if job.uses.is_some() {
        return true;
    }
    let hands_token = |n: Option<&Node>| {
        let mut found = false;
        if let Some(n) = n {
            n.walk(&mut |x| {
                if let Some(v) = x.as_str() {
                    let v = v.to_ascii_lowercase();
                    found |= v.contains("github.token") || v.contains("secrets.github_token");
                }
            });
        }
        found
    };
    job.steps.iter().any(|s| {
        let visible = match s.action() {
            Some(a) => {
                a.starts_with("./")
                    || a.starts_with("docker://")
                    || READ_ONLY_OFFICIAL.iter().any(|p| a.starts_with(p))
            }
            None => {
                let h = s.haystack();
                !(h.contains("gh ") || h.contains("api.github.com") || h.contains("github_token"))
            }
        };
        !visible || hands_token(s.node.get("env")) || hands_token(s.node.get("with"))
    })
}
