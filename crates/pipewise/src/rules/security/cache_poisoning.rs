//! `security/cache-poisoning`: release or publish workflows that restore a cache
//! (`actions/cache`, setup-* `cache:`, `Swatinem/rust-cache`, …) — a cache written by
//! a less trusted run can then ship in the release.

use crate::finding::{Category, Confidence, Severity};
use crate::intent::{job_deploys, job_publishes};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::workflow::{Step, Workflow};

pub struct CachePoisoning;

pub static META: RuleMeta = RuleMeta {
    id: "security/cache-poisoning",
    title: "Release restores a cache",
    severity: Severity::High,
    confidence: Confidence::Medium,
    category: Category::Security,
    summary: "A job that publishes a release, package or image restores a dependency/build cache (`actions/cache`, setup-* `cache:`, `Swatinem/rust-cache`, setup-go's default cache, …) that other, less trusted workflows can write.",
    impact: "A poisoned cache entry (written by any workflow run on the default branch, or by a compromised build step) is built into the artifact you ship.",
    doc: r#"
## Why it matters
Caches are shared across workflows of a repository by key and scope. Anything that can
write a matching entry — a `pull_request_target` job, a compromised test dependency, a
workflow on the default branch with an injection — controls what the release job
restores: compiled objects, `node_modules`, tool binaries. Release builds should start
from clean, verified inputs.

## Bad
```yaml
on:
  push:
    tags: ["v*"]
jobs:
  release:
    steps:
      - uses: actions/setup-node@v4
        with:
          cache: npm
      - run: npm ci && npm publish
```

## Good
```yaml
      - uses: actions/setup-node@v4   # no cache in the release job
      - run: npm ci && npm publish
```
"#,
    fix: FixMeta {
        description: "Disable caching in release/publish jobs (remove `cache:`, set `cache: false` / `lookup-only`, or drop the cache step).",
        snippet: "- uses: actions/setup-go@v5\n  with:\n    cache: false",
        effort_minutes: 10,
    },
    references: &["zizmor: cache-poisoning", "https://adnanthekhan.com/2024/05/06/the-monsters-in-your-build-cache-github-actions-cache-poisoning/"],
};

/// Whether the step restores a cache; returns a description.
fn restores_cache(s: &Step) -> Option<String> {
    let a = s.action()?;
    let with = |k: &str| s.with_str(k).map(|v| v.trim().to_ascii_lowercase());
    let off = |v: Option<String>| matches!(v.as_deref(), Some("false") | Some("") | Some("none"));
    match a.as_str() {
        "actions/cache" | "actions/cache/restore" => Some(format!("`{a}`")),
        "swatinem/rust-cache" => {
            if with("lookup-only").as_deref() == Some("true") {
                None
            } else {
                Some("`Swatinem/rust-cache`".into())
            }
        }
        "actions/setup-go" => {
            // Caches by default since v4.
            let r = s.uses_str().and_then(|u| u.split('@').nth(1)).unwrap_or("");
            let default_on =
                !matches!(r, "v1" | "v2" | "v3") && !r.starts_with("v3.") && !r.starts_with("v2.");
            if off(with("cache")) || (!default_on && with("cache").is_none()) {
                None
            } else {
                Some("`actions/setup-go` (caches by default)".into())
            }
        }
        "actions/setup-node"
        | "actions/setup-python"
        | "actions/setup-java"
        | "actions/setup-dotnet" => {
            let c = with("cache");
            (c.is_some() && !off(c.clone()))
                .then(|| format!("`{a}` with `cache: {}`", c.unwrap_or_default()))
        }
        "astral-sh/setup-uv" => (with("enable-cache").as_deref() == Some("true"))
            .then(|| "`astral-sh/setup-uv` with `enable-cache`".into()),
        "ruby/setup-ruby" => (with("bundler-cache").as_deref() == Some("true"))
            .then(|| "`ruby/setup-ruby` with `bundler-cache`".into()),
        "gradle/actions/setup-gradle" | "gradle/gradle-build-action" => {
            (with("cache-disabled").as_deref() != Some("true"))
                .then(|| format!("`{a}` (caches by default)"))
        }
        "pnpm/action-setup" | "oven-sh/setup-bun" => None,
        "mozilla-actions/sccache-action" => Some("`sccache`".into()),
        "docker/build-push-action" => {
            let c = with("cache-from").unwrap_or_default();
            c.contains("type=gha")
                .then(|| "`docker/build-push-action` with `cache-from: type=gha`".into())
        }
        _ => None,
    }
}

fn is_release_workflow(wf: &Workflow) -> bool {
    wf.triggers.iter().any(|t| {
        t.event == "release"
            || t.event == "push"
                && t.config
                    .map(|c| c.get("tags").is_some() && c.get("branches").is_none())
                    .unwrap_or(false)
    })
}

impl Rule for CachePoisoning {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        let (Some(wf), Some(job)) = (site.workflow, site.job) else {
            return;
        };
        let Some(what) = restores_cache(site.step) else {
            return;
        };
        let release_wf = is_release_workflow(wf);
        let publishes = job_publishes(job) || job_deploys(job);
        if !publishes {
            return;
        }
        let sev = if release_wf {
            Severity::High
        } else {
            Severity::Medium
        };
        cx.report(
            &META,
            site.path,
            site.step.uses.map(|u| u.span).unwrap_or(site.step.anchor()),
            format!(
                "{what} restores a cache in job `{}`, which publishes; a poisoned cache entry would ship{}.",
                job.id,
                if release_wf { " in the release" } else { "" }
            ),
        )
        .severity(sev)
        .site(site);
    }
}
