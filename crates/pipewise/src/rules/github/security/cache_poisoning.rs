//! `security/cache-poisoning`: release or publish workflows that restore a cache
//! (`actions/cache`, setup-* `cache:`, `Swatinem/rust-cache`, …) — a cache written by
//! a less trusted run can then ship in the release.

use crate::facts::Facts;
use crate::finding::{Category, Confidence, Severity};
use crate::github::conditions::co_reachable;
use crate::repo::Repo;
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::workflow::{Job, Step, Workflow};

pub struct CachePoisoning;

pub static META: RuleMeta = RuleMeta {
    id: "security/cache-poisoning",
    title: "Release restores a cache",
    severity: Severity::High,
    confidence: Confidence::Medium,
    category: Category::Security,
    summary: "A job that publishes a release, package or image restores a dependency/build cache (`actions/cache`, setup-* `cache:`, `Swatinem/rust-cache`, setup-go's default cache, setup-node v5+'s automatic cache for a `packageManager` in `package.json`, …) that other, less trusted workflows can write.",
    impact: "A poisoned cache entry (written by any workflow run on the default branch, or by a compromised build step) is built into the artifact you ship.",
    doc: r#"
## Why it matters
Caches are shared across workflows of a repository by key and scope. Anything that can
write a matching entry — a `pull_request_target` job, a compromised test dependency, a
workflow on the default branch with an injection — controls what the release job
restores: compiled objects, `node_modules`, tool binaries. Release builds should start
from clean, verified inputs.

A job of `pull_request_target`, `issue_comment` or `workflow_run` that checks out and
runs the pull request's code is reported too, whatever it publishes: it runs in the base
branch's cache scope, so the PR's code can save (or write directly) cache entries that
default-branch and release runs later restore (high).

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
      - uses: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0; no cache in the release job
        with:
          package-manager-cache: false   # v5+ caches on its own for a `packageManager`
      - run: npm ci && npm publish
```

`actions/setup-node` v5 and later cache without `cache:` when `package.json` names a
`packageManager` (v6+: only `npm@…`); pipewise reports that when it can read the
`package.json`. `docker/setup-buildx-action` restores a cached buildx binary only when
it downloads one (a `version:`, or the `cloud` driver); without it the runner's buildx
is used and nothing is reported.

A job "publishes" by what its steps run, including the repository scripts they call
and the local actions they use (read when present; their names are not read).

An `actions/cache` restore whose every `path:` lies in the folder that each shipping
step of the job builds into from empty is not reported: goreleaser's `dist` (its
`--clean` deletes it first, and without it goreleaser refuses a folder that is not
empty; catalogue `fresh-output`). A goreleaser configuration that moves `dist:`, or a
`--config`/`-f` pipewise does not read, keeps the finding.
"#,
    fix: FixMeta {
        description: "Disable caching in release/publish jobs (remove `cache:`, set `cache: false` / `lookup-only` / `package-manager-cache: false`, or drop the cache step).",
        snippet: "- uses: actions/setup-go@b7ad1dad31e06c5925ef5d2fc7ad053ef454303e # v7.0.0\n  with:\n    cache: false",
        effort_minutes: 10,
    },
    references: &["zizmor: cache-poisoning", "https://adnanthekhan.com/2024/05/06/the-monsters-in-your-build-cache-github-actions-cache-poisoning/"],
};

/// The major version of a `uses: owner/repo@vN…` ref (`None` for SHAs and branches).
fn major(s: &Step) -> Option<u32> {
    let r = s.uses_str()?.split('@').nth(1)?;
    r.strip_prefix('v')?.split('.').next()?.parse().ok()
}

/// `actions/setup-node` v5+ without `cache:` caches on its own when `package.json`
/// names a `packageManager` (v6+: only `npm@…`); `package-manager-cache: false` turns
/// that off. The `package.json` is the one next to `cache-dependency-path`, else the
/// repository's root one; without it (not in the audited tree) nothing is claimed.
fn setup_node_auto_cache(s: &Step, repo: &Repo) -> Option<String> {
    let m = major(s).filter(|m| *m >= 5)?;
    if s.with_str("package-manager-cache").map(str::trim) == Some("false") {
        return None;
    }
    let dir = s
        .with_str("cache-dependency-path")
        .and_then(|p| p.trim().rsplit_once('/').map(|(d, _)| d))
        .filter(|d| !d.contains('*') && !d.contains("${{"))
        .unwrap_or("");
    let path = crate::repo::join(dir, "package.json");
    let text = repo.file(&path)?.text();
    if !text.contains("\"packageManager\"") {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let pm = v.get("packageManager")?.as_str()?;
    (m == 5 || pm.starts_with("npm@")).then(|| {
        format!(
            "`actions/setup-node` (caches automatically: `{path}` names `packageManager: {pm}`)"
        )
    })
}

/// Whether the step restores a cache; returns a description.
fn restores_cache(s: &Step, repo: &Repo) -> Option<String> {
    let a = s.action()?;
    let with = |k: &str| s.with_str(k).map(|v| v.trim().to_ascii_lowercase());
    let off = |v: Option<String>| matches!(v.as_deref(), Some("false") | Some("") | Some("none"));
    match a {
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
        "actions/setup-node" if with("cache").is_none() => setup_node_auto_cache(s, repo),
        "actions/setup-node"
        | "actions/setup-python"
        | "actions/setup-java"
        | "actions/setup-dotnet" => {
            let c = with("cache");
            (c.is_some() && !off(c.clone()))
                .then(|| format!("`{a}` with `cache: {}`", c.unwrap_or_default()))
        }
        "astral-sh/setup-uv" => {
            // `enable-cache: auto` (the default since v6) caches on GitHub-hosted runners.
            let r = s.uses_str().and_then(|u| u.split('@').nth(1)).unwrap_or("");
            let old = ["v1", "v2", "v3", "v4", "v5"]
                .iter()
                .any(|m| r == *m || r.starts_with(&format!("{m}.")));
            match with("enable-cache").as_deref() {
                Some("true") => Some("`astral-sh/setup-uv` with `enable-cache`".into()),
                Some("false") => None,
                _ if !old => Some("`astral-sh/setup-uv` (caches by default)".into()),
                _ => None,
            }
        }
        "ruby/setup-ruby" => (with("bundler-cache").as_deref() == Some("true"))
            .then(|| "`ruby/setup-ruby` with `bundler-cache`".into()),
        "gradle/actions/setup-gradle" | "gradle/gradle-build-action" => {
            (with("cache-disabled").as_deref() != Some("true"))
                .then(|| format!("`{a}` (caches by default)"))
        }
        "pnpm/action-setup" | "oven-sh/setup-bun" => None,
        "jdx/mise-action" => {
            (!off(with("cache"))).then(|| "`jdx/mise-action` (caches by default)".into())
        }
        // The buildx binary is cached (`cache-binary`, on by default since v3.1) only
        // when the action downloads one: a `version:` is asked for, or the `cloud`
        // driver; otherwise the runner's own buildx is used and nothing is restored.
        "docker/setup-buildx-action" => {
            let r = s.uses_str().and_then(|u| u.split('@').nth(1)).unwrap_or("");
            let old = ["v1", "v2"]
                .iter()
                .any(|m| r == *m || r.starts_with(&format!("{m}.")))
                || r == "v3.0.0";
            let downloads = with("version").is_some_and(|v| !v.is_empty())
                || with("driver").as_deref() == Some("cloud");
            (!old && downloads && with("cache-binary").as_deref() != Some("false")).then(|| {
                "`docker/setup-buildx-action` with `version:` (caches the downloaded buildx binary)"
                    .into()
            })
        }
        "mozilla-actions/sccache-action" => Some("`sccache`".into()),
        "docker/build-push-action" => {
            let c = with("cache-from").unwrap_or_default();
            c.contains("type=gha")
                .then(|| "`docker/build-push-action` with `cache-from: type=gha`".into())
        }
        // Any other action with an explicit `cache: true` / package-manager cache.
        _ => match with("cache").as_deref() {
            Some("true") | Some("npm") | Some("yarn") | Some("pnpm") | Some("pip")
            | Some("poetry") | Some("pipenv") | Some("gradle") | Some("maven") | Some("sbt") => {
                Some(format!("`{a}` with `cache:`"))
            }
            _ => None,
        },
    }
}

/// A step publishes or deploys by what it runs (its action or a command), not by its
/// name or its job's name (`test-release-macos` only tests, `push: false` builds and
/// pushes to a registry on the runner ship nothing): [`crate::effects::step_publishes`].
fn publishes_by_action_or_command(facts: &Facts, job: &Job, s: &Step) -> bool {
    crate::effects::step_publishes_in(facts, job, s).is_some()
}

/// The folders an `actions/cache` step restores (`path:` lines, repository-relative,
/// `!` exclusions left out), or `None` when one lies outside the workspace or is
/// computed (`~/.cache`, `${{ env.DIR }}`).
fn restored_paths(s: &Step) -> Option<Vec<String>> {
    if !matches!(s.action()?, "actions/cache" | "actions/cache/restore") {
        return None;
    }
    let mut out = vec![];
    for line in s.with_str("path")?.lines() {
        let p = line.trim();
        if p.is_empty() || p.starts_with('!') {
            continue;
        }
        let p = p
            .strip_prefix("${{ github.workspace }}/")
            .unwrap_or(p)
            .trim_start_matches("./");
        if p.starts_with(['/', '~', '$', '\\']) || p.contains("${{") || p.contains("..") {
            return None;
        }
        out.push(crate::repo::normalize(p));
    }
    (!out.is_empty()).then_some(out)
}

/// The folder (repository path) a publishing step builds what it ships into from
/// empty (catalogue `fresh-output`: goreleaser's `dist`, deleted by `--clean` and never
/// reused otherwise), when every shipping command of the step does; `None` when
/// unknown (another tool, a `--config` or a configuration file that moves the folder).
fn fresh_output(wf: &Workflow, job: &Job, s: &Step, cx: &Ctx) -> Option<String> {
    let repo = cx.repo;
    let cat = pipewise_catalog::catalog();
    let (tool, cwd) = if let Some(a) = s.action() {
        let tool = cat.actions_for(a).find_map(|e| e.tool)?;
        if moves_output(s.with_str("args").unwrap_or("").split_whitespace()) {
            return None;
        }
        let wd = s.with_str("workdir").unwrap_or(".").trim();
        (cat.tool(tool)?, crate::repo::normalize(wd))
    } else {
        let script = s.run.as_ref().and_then(|r| r.script.as_ref())?;
        let mut tool = None;
        for c in script
            .commands
            .iter()
            .filter(|c| crate::intent::may_ship(c))
        {
            if crate::intent::command_ships(c, cx.facts.intents()).is_none() {
                continue;
            }
            let t = cat.tool(c.base_name())?;
            if t.fresh_output.is_none() || moves_output(c.args().iter().map(|w| w.text.as_str())) {
                return None;
            }
            tool = Some(t);
        }
        let cwd = crate::rules::step_cwd(&StepSite::of_job(wf, job, s));
        (tool?, crate::repo::normalize(cwd))
    };
    let fresh = tool.fresh_output.as_ref()?;
    if cwd.contains('$') {
        return None;
    }
    if let Some(key) = fresh.key {
        for c in fresh.config {
            let path = crate::repo::join(&cwd, c);
            if !repo.exists(&path) {
                continue;
            }
            let text = match repo.file(&path) {
                Some(f) => f.text().to_string(),
                None => repo.read(&path).ok()?,
            };
            if text
                .lines()
                .any(|l| l.strip_prefix(key).is_some_and(|r| r.starts_with(':')))
            {
                return None;
            }
        }
    }
    Some(crate::repo::join(&cwd, fresh.dir))
}

/// A configuration file named on the command line (`-f`, `--config`): where its
/// output folder is, is not read.
fn moves_output<'a>(mut args: impl Iterator<Item = &'a str>) -> bool {
    args.any(|a| a == "-f" || a == "--config" || a.starts_with("--config="))
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
        let Some(what) = restores_cache(site.step, cx.repo) else {
            return;
        };
        // A privileged trigger that ran the pull request's code earlier in this job: the
        // PR writes the base branch's cache scope (zizmor: cache-poisoning).
        if let Some(t) = wf.triggers.iter().find(|t| {
            matches!(
                t.event,
                "pull_request_target" | "issue_comment" | "workflow_run"
            )
        }) {
            // The cache is saved when the job ends, so any PR code run in the job counts.
            let co = job
                .steps
                .iter()
                .position(|s| super::common::checks_out_head_in(wf, job, s));
            let runs_pr_code = co.is_some_and(|i| {
                job.steps[i + 1..]
                    .iter()
                    .any(super::common::runs_workspace_code)
            });
            if let Some(co) = co.filter(|_| runs_pr_code).map(|i| &job.steps[i]) {
                cx.report(
                    &META,
                    site.path,
                    site.step.uses.map(|u| u.span).unwrap_or(site.step.anchor()),
                    format!(
                        "{what} uses the cache in job `{}`, which checks out and runs the pull request's code on `{}`: that code runs in the base branch's cache scope, and what the job saves (or writes directly) is restored by default-branch and release runs.",
                        job.id, t.event
                    ),
                )
                .site(site)
                .related(site.path, co.anchor(), "pull request code checked out")
                .related(site.path, t.span, "privileged trigger");
                return;
            }
        }
        let release_wf = is_release_workflow(wf);
        // Judged by the steps, not the job's name (`test-release-macos` only tests),
        // and only steps that can run together with the cache step: a restore whose
        // `if:` excludes the tag builds that publish cannot poison them.
        let with_cache = |s: &Step| co_reachable(wf, job, site.step, s);
        // Also through a repository script the step runs or a local action it uses,
        // when present (`rules::ships::resolve_ships`).
        let facts = cx.facts;
        let ships_step = |s: &Step| publishes_by_action_or_command(facts, job, s);
        let publishes = job.steps.iter().any(|s| ships_step(s) && with_cache(s));
        // In a release workflow, jobs whose output ships: they upload artifacts.
        let ships = job.steps.iter().any(|s| {
            (s.action() == Some("actions/upload-artifact") || ships_step(s)) && with_cache(s)
        });
        if !(publishes || release_wf && ships) {
            return;
        }
        // Restored only into the folder every shipping step starts from empty
        // (`./dist/*.deb` before `goreleaser release --clean`): nothing restored ships.
        if let Some(paths) = restored_paths(site.step) {
            let shipping = job.steps.iter().filter(|s| {
                (ships_step(s) || release_wf && s.action() == Some("actions/upload-artifact"))
                    && with_cache(s)
            });
            let mut fresh = shipping.map(|s| fresh_output(wf, job, s, cx));
            if fresh.all(|d| {
                d.is_some_and(|d| {
                    paths
                        .iter()
                        .all(|p| p == &d || p.starts_with(&format!("{d}/")))
                })
            }) {
                return;
            }
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
                "{what} restores a cache in job `{}`{}; a poisoned cache entry would ship{}.",
                job.id,
                if publishes {
                    ", which publishes"
                } else {
                    " of a release workflow"
                },
                if release_wf { " in the release" } else { "" }
            ),
        )
        .severity(sev)
        .site(site);
    }
}
