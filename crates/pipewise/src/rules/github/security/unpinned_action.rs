//! `security/unpinned-action`: `uses:` references that can change under you — a
//! branch (`@main`), a mutable tag (by policy), or no ref at all; and hash pins that
//! carry no version comment.

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::workflow::{Job, Workflow};

pub struct UnpinnedAction;

pub static META: RuleMeta = RuleMeta {
    id: "security/unpinned-action",
    title: "Action is not pinned",
    severity: Severity::High,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "An action referenced by a branch (`@main`, `@master`) is high; by a mutable tag, medium for third-party actions and low for `actions/*` and `github/*` (not reported under the `official-tags` policy).",
    impact: "Whoever controls the action's repository (or a compromised maintainer account) changes the code your workflow runs, with your secrets, without a change in your repository.",
    doc: r#"
## Why it matters
A branch ref runs whatever is on that branch today. A tag can be moved (as in the
`tj-actions/changed-files` compromise of 2025). Only a full commit SHA is immutable.
Keep the human-readable version in a comment so updates stay reviewable; Dependabot
and Renovate update both.

## Options
```toml
[options."security/unpinned-action"]
policy = "hash-all"        # default: every action pinned by SHA (tags of actions/* and github/* are low)
# policy = "official-tags" # tags allowed for actions/* and github/*; others hash-pinned
# policy = "tags"          # any tag accepted; only branches are reported
```

## Bad
```yaml
- uses: aquasecurity/trivy-action@master
```

## Good
```yaml
- uses: aquasecurity/trivy-action@dc5a429b52fcf669ce959baa2c2dd26090d2a6c4 # v0.32.0
```
"#,
    fix: FixMeta {
        description: "Pin the action to a full commit SHA and keep the version in a comment.",
        snippet: "- uses: owner/action@<40-character commit sha> # v1.2.3",
        effort_minutes: 5,
    },
    references: &["zizmor: unpinned-uses", "seed: 000 CRITICAL-5 (trivy-action@master)"],
};

const BRANCHES: &[&str] = &[
    "main", "master", "develop", "dev", "trunk", "HEAD", "latest", "stable", "nightly", "release",
];

fn is_sha(r: &str) -> bool {
    r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_versionish(r: &str) -> bool {
    let r = r.strip_prefix('v').unwrap_or(r);
    r.chars()
        .next()
        .map(|c| c.is_ascii_digit())
        .unwrap_or(false)
}

fn check(
    uses: &pipewise_yaml::Node,
    path: &str,
    job: Option<&str>,
    step: Option<String>,
    doc: &pipewise_yaml::Document,
    cx: &mut Ctx,
) {
    let Some(u) = uses.as_str() else { return };
    let u = u.trim();
    // `./path` and `$/path` (same repository, same commit) need no pin.
    if u.starts_with("./") || u.starts_with("$/") || u.contains("${{") {
        return;
    }
    if let Some(img) = u.strip_prefix("docker://") {
        if !img.contains("@sha256:") {
            cx.report(
                &META,
                path,
                uses.span,
                format!("`{u}` runs a Docker image by a mutable tag; pin it by digest."),
            )
            .severity(Severity::Medium)
            .title("Docker action is not pinned by digest")
            .job(job)
            .step(step)
            .fix(
                "Pin the image by digest.",
                format!(
                    "uses: docker://{}@sha256:<digest>",
                    img.split(':').next().unwrap_or(img)
                ),
                5,
            );
        }
        return;
    }
    let policy = cx.option_str(META.id, "policy").unwrap_or("hash-all");
    let (name, r) = match u.split_once('@') {
        Some((n, r)) => (n, r),
        None => {
            cx.report(
                &META,
                path,
                uses.span,
                format!("`{u}` has no `@ref`; GitHub rejects it, and the intent is unclear."),
            )
            .job(job)
            .step(step);
            return;
        }
    };
    if is_sha(r) {
        let line = doc.line(uses.span.start);
        let text = doc.line_text(line);
        if !text.contains('#') {
            cx.report(&META, path, uses.span, format!("`{name}` is pinned by SHA without a version comment; updates are hard to review."))
                .severity(Severity::Info)
                .title("Hash pin has no version comment")
                .job(job)
                .step(step)
                .fix("Add the version the SHA corresponds to as a comment.", format!("uses: {u} # vX.Y.Z"), 2);
        }
        return;
    }
    if BRANCHES.contains(&r) || !is_versionish(r) {
        cx.report(
            &META,
            path,
            uses.span,
            format!("`{u}` follows the `{r}` branch: every run may execute different code, with this workflow's secrets."),
        )
        .job(job)
        .step(step)
        .title(format!("Action pinned to branch `{r}`"));
        return;
    }
    // Read for tag pins only, without a lower-cased copy.
    let owner = name.split('/').next().unwrap_or("");
    let official = owner.eq_ignore_ascii_case("actions") || owner.eq_ignore_ascii_case("github");
    let sev = match (policy, official) {
        ("tags", _) => return,
        ("hash-all", true) => Severity::Low,
        (_, true) => return,
        (_, false) => Severity::Medium,
    };
    cx.report(
        &META,
        path,
        uses.span,
        format!("`{u}` uses the mutable tag `{r}`; its owner can move it to different code."),
    )
    .severity(sev)
    .job(job)
    .step(step)
    .title("Action pinned to a mutable tag");
}

impl Rule for UnpinnedAction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        if let Some(u) = site.step.uses {
            // A workflow onboarded to `actions.lock` runs the commit the lock records
            // for this reference, whatever the tag says now: it is pinned.
            let locked = u.as_str().is_some_and(|s| {
                crate::github::actions_lock::of(cx.repo).is_some_and(|l| {
                    l.status(site.path, s) == Some(crate::github::actions_lock::Status::Locked)
                })
            });
            if locked {
                return;
            }
            check(
                u,
                site.path,
                site.job_id(),
                Some(site.step.label()),
                site.doc,
                cx,
            );
        }
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        // Reusable workflows from other repositories.
        if let Some(u) = job.uses {
            if u.as_str()
                .map(|s| !s.starts_with("./") && !s.starts_with("$/"))
                .unwrap_or(false)
            {
                check(u, wf.path, Some(job.id), None, wf.doc, cx);
            }
        }
    }
}
