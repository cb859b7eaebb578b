//! `reliability/unlocked-action`: a workflow onboarded to GitHub's workflow
//! dependency lockfile (`.github/workflows/actions.lock`) uses an action that its
//! lock entry does not list, or lists at another ref, or that has no `dependencies`
//! entry. GitHub refuses to start such a run.

use crate::finding::{Category, Confidence, Severity};
use crate::github::actions_lock::{self, Status};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta, StepSite};

pub struct UnlockedAction;

pub static META: RuleMeta = RuleMeta {
    id: "reliability/unlocked-action",
    title: "Action missing from actions.lock",
    severity: Severity::High,
    confidence: Confidence::High,
    category: Category::CiPipeline,
    summary: "A workflow listed in `.github/workflows/actions.lock` uses an action that its lock entry does not list, lists at another ref, or that has no `dependencies` entry.",
    impact: "GitHub does not start an onboarded workflow whose dependencies are not all locked: every run of it ends in a startup failure until the lock is updated.",
    doc: r#"
## Why it matters
A workflow listed under `workflows:` in GitHub's lockfile (public preview, written by
`gh actions-lock`) is onboarded: each action it uses must be in its list and have a
`dependencies` entry recording the commit, and GitHub runs that commit even if the
tag moves. Editing a workflow (a new action, a version bump, a SHA pin) without
updating the lock makes every run of it fail before its first step.

## Bad
```yaml
# .github/workflows/actions.lock lists 'actions/checkout@v4.1.0' for ci.yml
- uses: actions/checkout@v4.2.2
```

## Good
Update the lock with the workflow (`gh actions-lock`, or `pipewise fix --unsafe`),
so that the list and `dependencies` name the reference the workflow uses:
```yaml
workflows:
    '.github/workflows/ci.yml':
        - 'actions/checkout@v4.2.2'
```
"#,
    fix: FixMeta {
        description: "Update `.github/workflows/actions.lock` with the workflow (`gh actions-lock`).",
        snippet: "workflows:\n    '.github/workflows/ci.yml':\n        - 'actions/checkout@v4.2.2'",
        effort_minutes: 5,
    },
    references: &["https://docs.github.com/en/actions/concepts/security/workflow-dependency-lockfiles"],
};

impl Rule for UnlockedAction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        // Only workflow steps: a composite action's own dependencies are recorded as
        // the transitive `uses:` of its entry.
        if site.workflow.is_none() {
            return;
        }
        let Some(node) = site.step.uses else { return };
        let Some(u) = node.as_str() else { return };
        if u.contains("${{") {
            return;
        }
        let Some(lock) = actions_lock::of(cx.repo) else {
            return;
        };
        let Some(status) = lock.status(site.path, u) else {
            return;
        };
        let why = match status {
            Status::Locked => return,
            Status::Missing => format!(
                "`{u}` is not in the lock entry of this workflow ({})",
                actions_lock::PATH
            ),
            Status::OtherRef(r) => format!(
                "`{u}` is locked at `{r}` for this workflow, not at the ref it uses ({})",
                actions_lock::PATH
            ),
            Status::NoDependency => format!(
                "`{u}` is listed for this workflow but has no `dependencies` entry in {}",
                actions_lock::PATH
            ),
        };
        cx.report(
            &META,
            site.path,
            node.span,
            format!(
                "{why}: GitHub will not start this onboarded workflow until the lock is updated."
            ),
        )
        .job(site.job_id())
        .step(Some(site.step.label()));
    }
}
