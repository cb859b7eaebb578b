//! `security/dependabot-coverage`: package ecosystems the repository uses (npm, pip,
//! cargo, gomod, docker, github-actions, …) that `.github/dependabot.yml` does not
//! update, manifest folders its `directory`/`directories` miss, and repositories with
//! neither Dependabot nor Renovate.

use crate::finding::{Category, Confidence, Severity, Span};
use crate::rules::{Ctx, FixMeta, RepoView, Rule, RuleMeta};
use crate::source::FileKind;
use pipewise_yaml::Node;
use std::collections::{BTreeMap, BTreeSet};

pub struct DependabotCoverage;

pub static META: RuleMeta = RuleMeta {
    id: "security/dependabot-coverage",
    title: "Dependencies not covered by Dependabot",
    severity: Severity::Low,
    confidence: Confidence::Medium,
    category: Category::Security,
    summary: "An ecosystem present in the repository (lockfiles/manifests, Dockerfiles, workflows) has no `package-ecosystem` entry in `.github/dependabot.yml`, an entry misses folders with manifests, or the repository has neither Dependabot nor Renovate.",
    impact: "Nothing proposes updates for those dependencies, so known-vulnerable versions of libraries, base images and actions stay in place until someone notices by hand.",
    doc: r#"
## Why it matters
Dependabot only updates what `dependabot.yml` lists: each `package-ecosystem` and
each `directory`. A repository that adds a Dockerfile or a Go module in a subfolder
and forgets the config silently stops receiving update (and security-fix) pull
requests for it. GitHub Actions are executable code that runs with your secrets;
keeping them updated (ideally SHA-pinned) is part of supply-chain hygiene.

"No update tool at all" is reported only for a repository read in full: a copy of
the pipeline files alone cannot tell a missing Renovate configuration from one that
was not copied (`.github/renovate.json5`, `.renovaterc`).

What is detected (test, fixture, example and docs folders are ignored):
`package.json` → npm (or bun), `requirements*.txt`/`pyproject.toml`/`setup.py`/`Pipfile`
→ pip (or uv), `Cargo.toml` → cargo, `go.mod` → gomod, Dockerfiles → docker,
`.github/workflows/*` → github-actions, `Gemfile` → bundler, `pom.xml` → maven,
`build.gradle*` → gradle, `composer.json` → composer, `*.csproj`/`*.fsproj`/
`packages.config` → nuget, `*.tf` → terraform.

Severity: a missing `github-actions` entry is **medium**, other missing ecosystems
**low**; folders not covered by an existing entry are **info** (npm, cargo, maven,
gradle and nuget are skipped there, since a root entry covers workspaces). A repository
with a Renovate configuration is not checked. With neither tool, one finding is
reported for the repository.

## Bad
```yaml
# repository has package.json, Dockerfile and workflows
version: 2
updates:
  - package-ecosystem: npm
    directory: /
    schedule: { interval: weekly }
```

## Good
```yaml
version: 2
updates:
  - package-ecosystem: npm
    directory: /
    schedule: { interval: weekly }
  - package-ecosystem: docker
    directory: /
    schedule: { interval: weekly }
  - package-ecosystem: github-actions
    directory: /
    schedule: { interval: weekly }
```
"#,
    fix: FixMeta {
        description: "Add an `updates:` entry for each ecosystem (and folder) the repository uses.",
        snippet: "  - package-ecosystem: github-actions\n    directory: /\n    schedule:\n      interval: weekly\n    groups:\n      actions:\n        patterns: [\"*\"]",
        effort_minutes: 10,
    },
    references: &[
        "https://docs.github.com/en/code-security/dependabot/working-with-dependabot/dependabot-options-reference#package-ecosystem-",
        "OpenSSF Scorecard: Dependency-Update-Tool",
    ],
};

/// Ecosystems whose root entry covers manifests in sub-folders (workspaces).
const WORKSPACE_ECOSYSTEMS: &[&str] =
    &["npm", "cargo", "maven", "gradle", "nuget", "github-actions"];

/// The Dependabot ecosystem a file belongs to, by its name.
fn ecosystem_of(name: &str) -> Option<&'static str> {
    // ASCII case ignored, without a lowercased copy (asked of every path).
    let ends =
        |suffix: &str| crate::discover::ends_with_ignore_case(name.as_bytes(), suffix.as_bytes());
    Some(match name {
        "package.json" => "npm",
        "pyproject.toml" | "setup.py" | "Pipfile" => "pip",
        "Cargo.toml" => "cargo",
        "go.mod" => "gomod",
        "Gemfile" => "bundler",
        "pom.xml" => "maven",
        "composer.json" => "composer",
        "packages.config" | "Directory.Packages.props" => "nuget",
        _ if name.starts_with("requirements") && name.ends_with(".txt") => "pip",
        _ if name.starts_with("build.gradle") || name.starts_with("settings.gradle") => "gradle",
        _ if ends(".csproj") || ends(".fsproj") || ends(".vbproj") => "nuget",
        _ if ends(".tf") => "terraform",
        _ if crate::discover::is_dockerfile_name(name) => "docker",
        _ => return None,
    })
}

/// Dependabot ecosystem names that cover a detected ecosystem.
pub(crate) fn accepted(eco: &str) -> &'static [&'static str] {
    match eco {
        "npm" => &["npm", "bun"],
        "pip" => &["pip", "uv", "pipenv", "poetry"],
        "terraform" => &["terraform", "opentofu"],
        "docker" => &["docker"],
        "cargo" => &["cargo"],
        "gomod" => &["gomod"],
        "bundler" => &["bundler"],
        "maven" => &["maven"],
        "gradle" => &["gradle", "maven"],
        "composer" => &["composer"],
        "nuget" => &["nuget"],
        "github-actions" => &["github-actions"],
        _ => &[],
    }
}

/// Folders whose manifests are not the project's own (tests, examples, docs).
pub(crate) fn ignored_dir(path: &str) -> bool {
    const IGNORED: &[&str] = &[
        "test",
        "tests",
        "testdata",
        "test-data",
        "fixtures",
        "fixture",
        "__tests__",
        "examples",
        "example",
        "samples",
        "sample",
        "docs",
        "doc",
        "e2e",
        "spec",
        "benchmarks",
        "templates",
        "template",
        "node_modules",
        "vendor",
    ];
    // ASCII case ignored, without a lowercased copy of each folder name.
    path.split('/')
        .any(|d| IGNORED.iter().any(|n| d.eq_ignore_ascii_case(n)))
}

/// Ecosystem → folders (repository-relative, `""` for the root) that have its files.
fn detect(view: &RepoView) -> BTreeMap<&'static str, Vec<String>> {
    let mut out: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    for p in &view.repo.paths {
        let (dir, name) = p.rsplit_once('/').unwrap_or(("", p));
        if p.starts_with(".github/workflows/") {
            if name.ends_with(".yml") || name.ends_with(".yaml") {
                out.entry("github-actions").or_default();
            }
            continue;
        }
        let Some(eco) = ecosystem_of(name) else {
            continue;
        };
        if ignored_dir(dir) || dir.starts_with('.') && !dir.starts_with(".github") {
            continue;
        }
        out.entry(eco).or_default().insert(dir.to_string());
    }
    if let Some(d) = out.get_mut("github-actions") {
        d.insert(String::new());
    }
    out.into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect()
}

/// `*` matches within a folder name, `**` any number of folders.
fn glob_match(pat: &[&str], path: &[&str]) -> bool {
    match (pat.first(), path.first()) {
        (None, None) => true,
        (Some(&"**"), _) => {
            glob_match(&pat[1..], path) || (!path.is_empty() && glob_match(pat, &path[1..]))
        }
        (Some(p), Some(s)) => {
            seg_match(p.as_bytes(), s.as_bytes()) && glob_match(&pat[1..], &path[1..])
        }
        _ => false,
    }
}

fn seg_match(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => seg_match(&p[1..], s) || (!s.is_empty() && seg_match(p, &s[1..])),
        (Some(a), Some(b)) if a == b => seg_match(&p[1..], &s[1..]),
        _ => false,
    }
}

pub(crate) fn covers(pattern: &str, dir: &str) -> bool {
    let pat = pattern.trim().trim_matches('/');
    let pat: Vec<&str> = pat
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let path: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    pat.len() <= 32 && path.len() <= 32 && glob_match(&pat, &path)
}

/// One `updates:` entry: its ecosystem, the node to point at, its directories.
pub(crate) struct Update<'n> {
    pub(crate) ecosystem: String,
    node: &'n Node,
    pub(crate) dirs: Vec<String>,
}

pub(crate) fn updates(root: &Node) -> Vec<Update<'_>> {
    let mut out = vec![];
    for u in root.get("updates").and_then(|u| u.as_seq()).unwrap_or(&[]) {
        let Some(eco) = u.get("package-ecosystem") else {
            continue;
        };
        let mut dirs: Vec<String> = u
            .get("directory")
            .and_then(|d| d.as_str())
            .map(|s| vec![s.to_string()])
            .unwrap_or_default();
        for d in u.get("directories").and_then(|d| d.as_seq()).unwrap_or(&[]) {
            if let Some(s) = d.as_str() {
                dirs.push(s.to_string());
            }
        }
        out.push(Update {
            ecosystem: eco.as_str().unwrap_or("").to_string(),
            node: eco,
            dirs,
        });
    }
    out
}

fn show_dirs(dirs: &[&String]) -> String {
    let mut s = dirs
        .iter()
        .take(3)
        .map(|d| {
            if d.is_empty() {
                "`/`".to_string()
            } else {
                format!("`/{d}`")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    if dirs.len() > 3 {
        s.push_str(&format!(" and {} more", dirs.len() - 3));
    }
    s
}

/// Whether a Renovate configuration exists (its own file, or a `renovate` key in
/// the root `package.json`).
fn has_renovate(view: &RepoView) -> bool {
    // A malformed one (garbage in `renovate.json`) configures nothing.
    view.repo.files_of(FileKind::Renovate).any(|f| !f.malformed)
        || view
            .repo
            .file("package.json")
            .is_some_and(|f| f.text().contains("\"renovate\""))
}

impl Rule for DependabotCoverage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn repo(&self, view: &RepoView, cx: &mut Ctx) {
        if has_renovate(view) {
            return;
        }
        let found = detect(view);
        if found.is_empty() {
            return;
        }
        let Some(cfg) = view
            .repo
            .files_of(FileKind::Dependabot)
            .find(|f| !f.malformed)
        else {
            // Neither Dependabot nor Renovate: one finding for the repository,
            // anchored on its first workflow (or manifest, or Dockerfile). A copy of
            // the pipeline files alone (no source tree) cannot tell a missing
            // configuration from one not copied (`.github/renovate.json5`,
            // `.renovaterc`), so such a repository is not judged.
            if !crate::rules::reliability::complete(view.repo) {
                return;
            }
            let anchor = [FileKind::Workflow, FileKind::Manifest, FileKind::Dockerfile]
                .iter()
                .find_map(|k| view.repo.files_of(*k).next());
            let Some(anchor) = anchor else { return };
            let first_line = anchor.text().find('\n').unwrap_or(anchor.text().len());
            let ecos: Vec<&str> = found.keys().copied().collect();
            cx.report(
                &META,
                &anchor.path,
                Span::new(0, first_line),
                format!(
                    "The repository has no `.github/dependabot.yml` and no Renovate configuration, so nothing proposes updates for its {} dependencies.",
                    ecos.join(", ")
                ),
            )
            .title("No dependency update tool configured")
            .fix(
                "Add `.github/dependabot.yml` with an entry per ecosystem (or a Renovate config).",
                format!(
                    "version: 2\nupdates:\n{}",
                    ecos.iter()
                        .map(|e| format!("  - package-ecosystem: {e}\n    directory: /\n    schedule:\n      interval: weekly\n"))
                        .collect::<String>()
                ),
                10,
            );
            return;
        };
        let Some(doc) = &cfg.yaml else { return };
        let ups = updates(&doc.root);
        let anchor = doc
            .root
            .entry("updates")
            .map(|e| e.key.span)
            .unwrap_or(Span::new(0, 0));
        for (eco, dirs) in &found {
            let names = accepted(eco);
            let entries: Vec<&Update> = ups
                .iter()
                .filter(|u| names.contains(&u.ecosystem.as_str()))
                .collect();
            if entries.is_empty() {
                let where_ = if *eco == "github-actions" {
                    "workflows in `.github/workflows`".to_string()
                } else {
                    format!(
                        "{eco} files in {}",
                        show_dirs(&dirs.iter().collect::<Vec<_>>())
                    )
                };
                cx.report(
                    &META,
                    &cfg.path,
                    anchor,
                    format!("`dependabot.yml` has no `package-ecosystem: {eco}` entry, but the repository has {where_}."),
                )
                .severity(if *eco == "github-actions" { Severity::Medium } else { Severity::Low })
                .fix(
                    format!("Add a `{eco}` entry to `updates:`."),
                    format!("  - package-ecosystem: {eco}\n    directory: /{}\n    schedule:\n      interval: weekly", dirs.first().map(String::as_str).unwrap_or("")),
                    5,
                );
                continue;
            }
            if WORKSPACE_ECOSYSTEMS.contains(eco) {
                continue;
            }
            let missed: Vec<&String> = dirs
                .iter()
                .filter(|d| d.matches('/').count() < 3)
                .filter(|d| !entries.iter().any(|u| u.dirs.iter().any(|p| covers(p, d))))
                .collect();
            if missed.is_empty() {
                continue;
            }
            let Some(first) = entries.first() else {
                continue;
            };
            cx.report(
                &META,
                &cfg.path,
                first.node.span,
                format!(
                    "The `{eco}` updates do not cover {} ({} with {eco} files), so Dependabot never updates {}.",
                    show_dirs(&missed),
                    if missed.len() == 1 { "a folder" } else { "folders" },
                    if missed.len() == 1 { "it" } else { "them" },
                ),
            )
            .severity(Severity::Info)
            .title("Dependabot entry misses folders")
            .fix(
                "List every folder in `directories:` (globs are allowed).",
                format!(
                    "    directories:\n{}",
                    missed
                        .iter()
                        .map(|d| format!("      - /{d}\n"))
                        .collect::<String>()
                ),
                5,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_patterns() {
        assert!(covers("/", ""));
        assert!(!covers("/", "api"));
        assert!(covers("/api", "api"));
        assert!(covers("/services/*", "services/api"));
        assert!(!covers("/services/*", "services/api/v2"));
        assert!(covers("/**", "services/api/v2"));
        assert!(covers("/**/*", "services/api"));
        assert!(covers("**", ""));
    }

    fn audit(name: &str, files: &[(&str, &str)]) -> Vec<String> {
        crate::rules::container::audit_files(&format!("dependabot-{name}"), files, None)
            .iter()
            .filter(|f| f.rule == META.id)
            .map(|f| format!("{}:{} [{}] {}", f.file, f.line, f.severity, f.message))
            .collect()
    }

    #[test]
    fn no_update_tool_is_reported_once_for_the_repository() {
        let wf = "on: push\njobs: {}\n";
        let got = audit(
            "none",
            &[
                (".github/workflows/ci.yml", wf),
                (".github/workflows/release.yml", wf),
                ("go.mod", "module x\n"),
                ("main.go", "package main\n"),
            ],
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(
            got[0].starts_with(".github/workflows/ci.yml:1 [low]"),
            "{got:?}"
        );
        assert!(got[0].contains("github-actions, gomod"), "{got:?}");
    }

    /// Issue 14: a copy of the pipeline files alone (the corpus) may lack the
    /// Renovate configuration that lives elsewhere (`.github/renovate.json5`).
    #[test]
    fn pipeline_files_alone_are_not_judged() {
        let got = audit(
            "partial",
            &[
                (".github/workflows/ci.yml", "on: push\njobs: {}\n"),
                ("go.mod", "module x\n"),
            ],
        );
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn renovate_config_silences_the_rule() {
        let got = audit(
            "renovate",
            &[
                (".github/workflows/ci.yml", "on: push\njobs: {}\n"),
                ("renovate.json", "{}"),
            ],
        );
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn ecosystems() {
        assert_eq!(ecosystem_of("requirements-dev.txt"), Some("pip"));
        assert_eq!(ecosystem_of("Dockerfile.prod"), Some("docker"));
        assert_eq!(ecosystem_of("main.tf"), Some("terraform"));
        assert_eq!(ecosystem_of("App.csproj"), Some("nuget"));
        assert_eq!(ecosystem_of("README.md"), None);
        assert_eq!(ecosystem_of("dockerfile.rs"), None);
    }
}
