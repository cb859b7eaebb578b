//! `security/persisted-credentials`: `actions/checkout` without
//! `persist-credentials: false`, which leaves the token in the workspace's git config.

use crate::effects::{publishing_step, step_pushes_git};
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta, StepSite};

pub struct PersistedCredentials;

pub static META: RuleMeta = RuleMeta {
    id: "security/persisted-credentials",
    title: "Checkout keeps the token on disk",
    severity: Severity::Low,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "`actions/checkout` without `persist-credentials: false` writes the job's `GITHUB_TOKEN` into the workspace git configuration: high when the job uploads the workspace as an artifact or publishes, low otherwise.",
    impact: "Every later step (and any uploaded copy of the workspace) can read the token and push with it.",
    doc: r#"
## Why it matters
By default `actions/checkout` stores the token so later `git` commands can push. Every
subsequent step — third-party actions, build scripts, dependencies' install hooks —
can read it, and uploading the checkout directory as an artifact publishes it
(the "ArtiPACKED" class of leaks). Jobs that do not push should not keep it.

## Bad
```yaml
- uses: actions/checkout@v4
- uses: actions/upload-artifact@v4
  with:
    path: .
```

## Good
```yaml
- uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
  with:
    persist-credentials: false
```
"#,
    fix: FixMeta {
        description: "Set `persist-credentials: false` (pass a token explicitly to the one step that pushes).",
        snippet: "- uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n  with:\n    persist-credentials: false",
        effort_minutes: 2,
    },
    references: &["zizmor: artipacked", "https://unit42.paloaltonetworks.com/github-repo-artifacts-leak-tokens/"],
};

impl Rule for PersistedCredentials {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        if site.step.action() != Some("actions/checkout") {
            return;
        }
        let v = site
            .step
            .with
            .and_then(|w| w.get("persist-credentials"))
            .and_then(|n| n.as_str().map(|s| s.trim().to_ascii_lowercase()));
        if v.as_deref() == Some("false") {
            return;
        }
        let steps = site
            .job
            .map(|j| &j.steps[..])
            .or(site.action.map(|a| &a.steps[..]))
            .unwrap_or(&[]);
        let uploads_workspace = steps.iter().skip(site.step.index + 1).any(|s| {
            s.action() == Some("actions/upload-artifact")
                && s.with_str("path")
                    .map(|p| {
                        p.lines().any(|l| {
                            let l = l.trim().trim_end_matches('/');
                            l == "."
                                || l == "./"
                                || l.is_empty()
                                || l.contains("github.workspace")
                                || l == "${{ github.workspace }}"
                        })
                    })
                    .unwrap_or(false)
        });
        // Publishing and pushing are judged by what the steps run, never by names
        // (`release-assert` only tests); a publishing step whose `if:` can never hold
        // together with this checkout's does not count.
        let publishes = match (site.workflow, site.job) {
            (Some(wf), Some(j)) => {
                j.steps.iter().skip(site.step.index + 1).any(|s| {
                    // Also through a repository script the step runs or a local
                    // action it uses, when present (`rules::ships::resolve_ships`).
                    crate::effects::step_publishes_in(cx.facts, j, s).is_some()
                        && crate::github::conditions::co_reachable(wf, j, site.step, s)
                }) || publishing_step(cx.facts, j).is_none()
                    && crate::effects::job_publishes(cx.facts, j).is_some()
            }
            _ => false,
        };
        // Any `git … push` form (`git -C site push`) or a pushing action needs the
        // persisted token: `persist-credentials: false` would break it.
        let pushes = steps.iter().skip(site.step.index + 1).any(step_pushes_git);
        let (sev, why) = if uploads_workspace {
            (
                Severity::High,
                " and a later step uploads the workspace as an artifact, token included",
            )
        } else if publishes && !pushes {
            (
                Severity::High,
                " in a job that publishes, where every later step can read it",
            )
        } else if pushes {
            (
                Severity::Info,
                "; a later step pushes with it (`git … push`), so pass a token to that step instead",
            )
        } else {
            (Severity::Low, " where every later step can read it")
        };
        cx.report(
            &META,
            site.path,
            site.step.uses.map(|u| u.span).unwrap_or(site.step.anchor()),
            format!("`actions/checkout` keeps the job's token in `.git/config`{why}."),
        )
        .severity(sev)
        .site(site);
    }
}
