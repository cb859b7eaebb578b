//! `security/overbroad-permissions`: `permissions: write-all` (or `read-all`) at
//! workflow or job level.

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{entry_span, Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Job, Workflow};
use pipewise_yaml::Entry;

pub struct OverbroadPermissions;

pub static META: RuleMeta = RuleMeta {
    id: "security/overbroad-permissions",
    title: "Blanket token permissions",
    severity: Severity::High,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "`permissions: write-all` gives the `GITHUB_TOKEN` every write scope (high); `read-all` every read scope (low).",
    impact: "A compromised step can push to branches, publish packages and releases, and change issues and pull requests.",
    doc: r#"
## Why it matters
`write-all` grants every scope the token can have. No workflow needs all of them;
listing the few it does need limits what a compromised action or injected command can
do with the token.

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

fn check(e: &Entry, path: &str, job: Option<&str>, cx: &mut Ctx) {
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
    .job(job);
}

impl Rule for OverbroadPermissions {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        if let Some(e) = wf.root.entry("permissions") {
            check(e, wf.path, None, cx);
        }
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        if let Some(e) = job.entry("permissions") {
            check(e, wf.path, Some(job.id), cx);
        }
    }
}
