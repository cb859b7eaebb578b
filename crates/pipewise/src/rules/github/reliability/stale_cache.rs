//! `reliability/stale-cache`: `actions/cache` entries that restore the wrong thing: a
//! build-output cache keyed by the commit with a prefix `restore-keys` fallback
//! (restores another commit's build), and dependency caches whose key does not hash
//! the lockfile.

use crate::facts::Facts;
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{entry_span, Ctx, FixMeta, Rule, RuleMeta, StepSite};

pub struct StaleCache;

pub static META: RuleMeta = RuleMeta {
    id: "reliability/stale-cache",
    title: "Cache can restore stale content",
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    category: Category::CiPipeline,
    summary: "An `actions/cache` step whose key and `restore-keys` let it restore content that does not belong to this commit: build output keyed by `github.sha` with a prefix fallback, or dependencies keyed without `hashFiles()` of the lockfile.",
    impact: "Tests and deploys run against another commit's build or outdated dependencies, and pass or fail for the wrong reason.",
    doc: r#"
## Why it matters
A key such as `build-${{ github.sha }}` never hits on a new commit, so the
`restore-keys: build-` fallback always restores the newest build of *some other*
commit. If the build step is skipped or incremental, that stale `dist/` is what gets
tested and shipped. Worse, a cache step placed *after* the build (to "cache build
artifacts") extracts the older commit's files over the fresh ones, and an
`upload-artifact` or release step after it ships them (high). Files inside output
folders (`target/release/api`, `dist/app.js`) count as build output too. Dependency caches whose key does not hash the lockfile keep
restoring the old `node_modules` after the lockfile changes.

## Bad
```yaml
- uses: actions/cache@v4
  with:
    path: dist
    key: ${{ runner.os }}-build-${{ github.sha }}
    restore-keys: |
      ${{ runner.os }}-build-
```

## Good
```yaml
- uses: actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f # v7.0.0; pass build output between jobs as an artifact
  with:
    name: dist
    path: dist
```
or, for dependencies, key the cache on the lockfile:
```yaml
key: ${{ runner.os }}-npm-${{ hashFiles('**/package-lock.json') }}
```
"#,
    fix: FixMeta {
        description: "Pass build output as an artifact, or drop the prefix fallback; key dependency caches on the lockfile hash.",
        snippet: "key: ${{ runner.os }}-npm-${{ hashFiles('**/package-lock.json') }}\nrestore-keys: |\n  ${{ runner.os }}-npm-",
        effort_minutes: 15,
    },
    references: &["seed: 000 MEDIUM-9"],
};

/// Folders that hold build output (tied to one commit).
const BUILD_DIRS: &[&str] = &[
    "dist",
    "build",
    "out",
    ".next",
    "lib",
    "public",
    "target/release",
    "bin",
    "coverage",
];
/// Folders that hold installed dependencies (tied to the lockfile).
const DEP_DIRS: &[&str] = &[
    "node_modules",
    ".npm",
    ".pnpm-store",
    ".yarn",
    ".cache/pip",
    ".venv",
    "venv",
    ".m2",
    ".gradle",
    "go/pkg/mod",
    ".cargo/registry",
    "vendor/bundle",
    ".composer",
];

fn path_items(path: &str) -> impl Iterator<Item = &str> {
    path.lines()
        .map(|l| {
            l.trim()
                .trim_start_matches('!')
                .trim_start_matches("./")
                .trim_end_matches('/')
        })
        .filter(|l| !l.is_empty())
}

/// Build output: a build folder (`dist`, `target/release`), or files inside one
/// (`target/release/api`, `target/wasm32-wasip2/release/*.wasm`, `dist/app.js`).
fn build_output(p: &str) -> bool {
    let last = p.rsplit('/').next().unwrap_or(p);
    if BUILD_DIRS.contains(&last) || BUILD_DIRS.contains(&p) {
        return true;
    }
    // Files under an output folder; `lib/`, `public/` and `bin/` often hold sources.
    let first = p.split('/').next().unwrap_or("");
    matches!(first, "dist" | "build" | "out" | ".next")
        || (first == "target" && p.split('/').any(|c| c == "release" || c == "debug"))
}

/// When the cache step runs after the job built its output, a fallback hit is
/// extracted over the fresh build; and when an upload follows, that is what ships.
/// The message's tail, and whether the stale build then ships.
fn restored_over_build(facts: &Facts, site: &StepSite) -> (String, bool) {
    let Some(job) = site.job else {
        return (String::new(), false);
    };
    let i = site.step.index;
    // Judged by what the step runs (`npm run build`), not by its name (`Write build
    // info` only echoes).
    let built = job.steps.iter().filter(|s| s.index < i).rev().find(|s| {
        crate::intent::step_gate_intent(s, facts.intents()) == crate::intent::Intent::Build
            && s.run.is_some()
    });
    let Some(built) = built else {
        return (String::new(), false);
    };
    let upload = job.steps.iter().filter(|s| s.index > i).find(|s| {
        s.action()
            .is_some_and(|a| a == "actions/upload-artifact" || a.contains("release"))
            || facts.step_ships(s).is_some()
    });
    match upload {
        Some(u) => (
            format!(
                "; it runs after `{}`, so a fallback hit overwrites the fresh build with the old one just before `{}` ships it",
                built.label(),
                u.label()
            ),
            true,
        ),
        None => (
            format!(
                "; it runs after `{}`, so a fallback hit overwrites the fresh build with the old one",
                built.label()
            ),
            false,
        ),
    }
}

impl Rule for StaleCache {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        let Some(a) = site.step.action() else { return };
        if a != "actions/cache" && a != "actions/cache/restore" {
            return;
        }
        let Some(with) = site.step.with else { return };
        let (Some(key_e), Some(path)) = (with.entry("key"), site.step.with_str("path")) else {
            return;
        };
        let key = key_e.value.as_str().unwrap_or("");
        let restore = with.entry("restore-keys");
        let per_commit = key.contains("github.sha")
            || key.contains("GITHUB_SHA")
            || key.contains("github.run_id");
        let build: Vec<&str> = path_items(path).filter(|p| build_output(p)).collect();
        if per_commit && !build.is_empty() {
            if let Some(r) = restore {
                if r.value
                    .as_str()
                    .map(|s| !s.trim().is_empty())
                    .unwrap_or(true)
                {
                    let (over, ships) = restored_over_build(cx.facts, site);
                    cx.report(
                        &META,
                        site.path,
                        r.key.span,
                        format!(
                            "cache of build output `{}` is keyed by the commit, so `restore-keys` always falls back to another commit's build{}.",
                            build.join("`, `"),
                            over
                        ),
                    )
                    .severity(if ships { Severity::High } else { META.severity })
                    .site(site)
                    .fix(
                        "Drop `restore-keys` for per-commit build caches, or pass the build as an artifact.",
                        "- uses: actions/upload-artifact@v4\n  with:\n    name: dist\n    path: dist",
                        15,
                    );
                    return;
                }
            }
        }
        let deps: Vec<&str> = path_items(path)
            .filter(|p| DEP_DIRS.iter().any(|d| p.ends_with(d)))
            .collect();
        if deps.is_empty()
            || key.contains("hashFiles")
            || per_commit
            || key.contains("${{")
                && !key.contains("runner.")
                && !key.contains("matrix.")
                && !key.contains("github.")
        {
            return;
        }
        // A key built in an earlier step (`steps.x.outputs.key`) may hash the lockfile.
        if key.contains("steps.")
            || key.contains("env.")
            || key.contains("needs.")
            || key.contains("inputs.")
        {
            return;
        }
        cx.report(
            &META,
            site.path,
            entry_span(key_e),
            format!(
                "dependency cache `{}` has a key that does not hash the lockfile, so it keeps restoring old dependencies after the lockfile changes.",
                deps.join("`, `")
            ),
        )
        .site(site)
        .severity(Severity::Low)
        .fix(
            "Include the lockfile hash in the key.",
            "key: ${{ runner.os }}-deps-${{ hashFiles('**/package-lock.json') }}",
            5,
        );
    }
}
