//! `security/known-vulnerable-action`: a `uses:` whose version falls in the affected
//! range of a GitHub Actions ecosystem advisory, from the bundled offline snapshot
//! `action_advisories.toml` (built by `scripts/build_action_advisories.py`).

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::workflow::{Job, Workflow};
use serde::Deserialize;
use std::sync::OnceLock;

pub struct KnownVulnerableAction;

pub static META: RuleMeta = RuleMeta {
    id: "security/known-vulnerable-action",
    title: "Action version has a known vulnerability",
    severity: Severity::High,
    confidence: Confidence::Medium,
    category: Category::Security,
    summary: "A `uses:` names a version of an action that a GitHub Actions ecosystem advisory lists as affected: an exact tag, a major tag with no fixed release, or a SHA pin whose version comment is affected.",
    impact: "The step runs code with a published vulnerability (command injection, secret leaks, a compromised release) with the job's token and secrets.",
    doc: r#"
## Why it matters
Actions are dependencies, and the GitHub Advisory Database has an ecosystem for them
("GitHub Actions"): `tj-actions/changed-files` re-pointed to a secret-dumping commit,
`actions/download-artifact` 4.0–4.1.6 writing outside its folder, `codeql-action`
leaking the token into debug artifacts. Dependabot reports these only when it is
enabled for `github-actions`; zizmor's `known-vulnerable-actions` asks the GitHub API.
pipewise works offline: it matches against a snapshot of the advisories bundled with
it (`pipewise rule security/known-vulnerable-action` names the snapshot date; refresh
it with `scripts/build_action_advisories.py`, see `docs/advisories.md`).

How a ref is matched: an exact tag (`v4.1.2`) is compared with the affected range; a
major or minor tag (`v4`, `v4.1`) resolves to the newest release under it, so it is
affected only when no release under it is fixed; a commit SHA is matched through its
version comment (`@<sha> # v4.1.2`). Branches are not matched.

Severity follows the advisory (critical, high, medium, low).

## Bad
```yaml
- uses: tj-actions/changed-files@v35
- uses: actions/download-artifact@v4.1.2
```

## Good
```yaml
- uses: tj-actions/changed-files@ed68ef82c095e0d48ec87eccea555d944a631a4c # v46.0.5
- uses: actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1
```
"#,
    fix: FixMeta {
        description: "Upgrade to a fixed release (pinned by commit SHA with its version comment), or remove the action.",
        snippet: "- uses: actions/download-artifact@<sha of v4.1.7 or later> # v4.1.7",
        effort_minutes: 10,
    },
    references: &[
        "zizmor: known-vulnerable-actions",
        "https://github.com/advisories?query=ecosystem%3Aactions",
        "docs/advisories.md",
    ],
};

#[derive(Deserialize)]
struct Snapshot {
    snapshot: String,
    advisory: Vec<Advisory>,
}

#[derive(Deserialize)]
pub struct Advisory {
    pub id: String,
    #[serde(default)]
    pub cve: String,
    pub action: String,
    #[serde(default)]
    pub introduced: Option<String>,
    #[serde(default)]
    pub fixed: Option<String>,
    #[serde(default)]
    pub last_affected: Option<String>,
    /// An upper bound that is not a fix: GitHub's "last known affected" range of an
    /// advisory whose line was never fixed (`codeql-action` 2.x: `< 3.0.0`).
    #[serde(default)]
    pub below: Option<String>,
    #[serde(default)]
    pub versions: Vec<String>,
    pub severity: String,
    pub summary: String,
}

fn snapshot() -> &'static Snapshot {
    static S: OnceLock<Snapshot> = OnceLock::new();
    S.get_or_init(|| {
        toml::from_str(include_str!("action_advisories.toml")).unwrap_or(Snapshot {
            snapshot: String::new(),
            advisory: vec![],
        })
    })
}

/// The date of the bundled advisory snapshot.
pub fn snapshot_date() -> &'static str {
    &snapshot().snapshot
}

/// A version as up to three numbers; components not written are `None` (a floating
/// `v4` or `v4.1`). `None` when it is not a version (a branch, a SHA).
fn parse(v: &str) -> Option<[Option<u64>; 3]> {
    let v = v.trim();
    let v = v
        .strip_prefix('v')
        .or_else(|| v.strip_prefix('V'))
        .unwrap_or(v);
    let core = v.split(['-', '+']).next().unwrap_or(v);
    let mut out = [None; 3];
    for (i, part) in core.split('.').enumerate() {
        if i >= 3 {
            return None;
        }
        out[i] = Some(part.parse::<u64>().ok()?);
    }
    out[0]?;
    Some(out)
}

/// The newest version a (possibly floating) ref can resolve to.
fn newest(v: [Option<u64>; 3]) -> [u64; 3] {
    v.map(|c| c.unwrap_or(u64::MAX))
}

fn exact(s: &str) -> Option<[u64; 3]> {
    parse(s).map(|v| v.map(|c| c.unwrap_or(0)))
}

/// Whether the advisory covers version `v` (as written in the ref or comment).
fn affects(a: &Advisory, v: &str) -> bool {
    if !a.versions.is_empty() {
        let bare = v.trim_start_matches(['v', 'V']);
        return a
            .versions
            .iter()
            .any(|x| x.trim_start_matches(['v', 'V']) == bare);
    }
    let Some(p) = parse(v) else { return false };
    let top = newest(p);
    let low = a.introduced.as_deref().and_then(exact).unwrap_or([0, 0, 0]);
    if top < low {
        return false;
    }
    if let Some(f) = a.fixed.as_deref().and_then(exact) {
        return top < f;
    }
    if let Some(l) = a.last_affected.as_deref().and_then(exact) {
        return top <= l;
    }
    if let Some(b) = a.below.as_deref().and_then(exact) {
        return top < b;
    }
    // An open range: every version since `introduced`.
    a.fixed.is_none() && a.last_affected.is_none() && a.below.is_none()
}

/// Whether an advisory about `a.action` covers `uses: name@…`: the advisory names the
/// repository (`owner/repo`, covering every action and workflow in it) or the exact
/// path (`owner/repo/.github/workflows/x.yml`, a reusable workflow or a nested action).
fn names(a: &Advisory, name: &str) -> bool {
    match name.strip_prefix(a.action.as_str()) {
        Some(rest) => {
            rest.is_empty() || (rest.starts_with('/') && a.action.matches('/').count() == 1)
        }
        None => false,
    }
}

/// Whether any advisory is about `name` (`owner/repo[/path]`, any case), whatever the
/// version: `check` stops there for most actions, before reading the pin's SHA or
/// version comment.
fn has_advisories(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    snapshot().advisory.iter().any(|a| names(a, &name))
}

/// The advisories affecting `name@version` (`name` is `owner/repo[/path]`).
pub fn advisories_for(name: &str, version: &str) -> Vec<&'static Advisory> {
    let name = name.to_ascii_lowercase();
    snapshot()
        .advisory
        .iter()
        .filter(|a| names(a, &name) && affects(a, version))
        .collect()
}

fn severity(s: &str) -> Severity {
    match s {
        "critical" => Severity::Critical,
        "high" => Severity::High,
        "low" => Severity::Low,
        _ => Severity::Medium,
    }
}

fn check(
    node: &pipewise_yaml::Node,
    doc: &pipewise_yaml::Document,
    path: &str,
    job: Option<&str>,
    step: Option<String>,
    cx: &mut Ctx,
) {
    let Some(u) = node.as_str() else { return };
    let Some((name, r)) = u.split_once('@') else {
        return;
    };
    // `owner/repo/path@ref` is published by `owner/repo`.
    let repo: String = name.splitn(3, '/').take(2).collect::<Vec<_>>().join("/");
    if !has_advisories(name) {
        return;
    }
    let mut by_comment = false;
    let (version, how) = if r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()) {
        // The offline tag table says which release a SHA is; the version comment is
        // only a claim, used when the table does not know the commit.
        match crate::github::action_shas::version_comment(&repo, r) {
            Some(tag) => (tag.to_string(), "is pinned to the commit of release"),
            None => match super::common::pinned_version(doc, node) {
                Some(v) => {
                    by_comment = true;
                    (v, "is pinned by SHA; its version comment says")
                }
                None => return,
            },
        }
    } else {
        (r.to_string(), "is used at")
    };
    let floating = parse(&version)
        .map(|p| p[1].is_none() || p[2].is_none())
        .unwrap_or(false);
    // A commit is one release: under a floating comment (`# v2`) it may be the first
    // of the line as well as the newest, so only a line affected throughout counts.
    let oldest = parse(&version).map(|p| {
        let [a, b, c] = p.map(|c| c.unwrap_or(0));
        format!("{a}.{b}.{c}")
    });
    for a in advisories_for(name, &version) {
        if by_comment && floating && !oldest.as_deref().is_some_and(|o| affects(a, o)) {
            continue;
        }
        let fixed = match (
            a.fixed.as_deref(),
            a.last_affected.as_deref(),
            a.below.as_deref(),
        ) {
            (Some(f), _, _) => format!("fixed in {f}"),
            (None, Some(l), _) => format!("affected up to {l}"),
            (None, None, Some(b)) => format!("no fixed release before {b}"),
            (None, None, None) => "no fixed release".into(),
        };
        let cve = if a.cve.is_empty() {
            String::new()
        } else {
            format!(", {}", a.cve)
        };
        cx.report(
            &META,
            path,
            node.span,
            format!(
                "`{repo}` {how} `{version}`, {} ({}{cve}, {fixed}; advisory snapshot {}): {}.",
                if by_comment && floating {
                    "and every release under that tag is affected"
                } else if floating {
                    "and the newest release under that tag is affected"
                } else {
                    "an affected version"
                },
                a.id,
                snapshot_date(),
                a.summary
            ),
        )
        .severity(severity(&a.severity))
        .job(job)
        .step(step.clone());
    }
}

impl Rule for KnownVulnerableAction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        super::common::step_uses(site, cx, check);
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        super::common::job_uses(wf, job, cx, check);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_parses() {
        assert!(!snapshot_date().is_empty());
        assert!(snapshot().advisory.len() >= 5);
        for a in &snapshot().advisory {
            assert!(a.id.starts_with("GHSA-"), "{}", a.id);
            assert!(a.action.contains('/') && a.action == a.action.to_ascii_lowercase());
            assert!(
                a.fixed.is_some()
                    || a.last_affected.is_some()
                    || a.below.is_some()
                    || !a.versions.is_empty(),
                "{} has an open range",
                a.id
            );
        }
    }

    #[test]
    fn ranges() {
        // GHSA-cxww-7g56-2vh6 as published: introduced 4.0.0, fixed 4.1.7.
        let dl = "actions/download-artifact";
        assert_eq!(advisories_for(dl, "v4.1.2").len(), 1);
        assert_eq!(advisories_for(dl, "v4.0.0").len(), 1);
        assert_eq!(advisories_for(dl, "v4.1.6").len(), 1);
        assert!(advisories_for(dl, "v4.1.7").is_empty());
        assert!(advisories_for(dl, "v3.0.2").is_empty());
        // A major tag resolves to the newest 4.x, which is fixed.
        assert!(advisories_for(dl, "v4").is_empty());
        // A minor tag: the newest 4.1.x is fixed; the newest 4.0.x is not.
        assert!(advisories_for(dl, "v4.1").is_empty());
        assert_eq!(advisories_for(dl, "v4.0").len(), 1);
        // GHSA-mcph (fixed 41) and GHSA-mrrh (last affected 45.0.7).
        let cf = "tj-actions/changed-files";
        assert_eq!(advisories_for(cf, "v35").len(), 2);
        assert_eq!(advisories_for(cf, "v45.0.7").len(), 1);
        // `v45` may name a release after 45.0.7: the last affected version is not a fix.
        assert!(advisories_for(cf, "v45").is_empty());
        assert!(advisories_for(cf, "v46").is_empty());
        assert!(advisories_for(cf, "main").is_empty());
        assert!(advisories_for("actions/checkout", "v1").is_empty());
        // GHSA-vqf5: 3.26.11 to 3.28.2, and the 2.x line from 2.26.11, never fixed
        // (GitHub's last known affected range `< 3.0.0`).
        let ql = "github/codeql-action/upload-sarif";
        assert_eq!(advisories_for(ql, "v3.28.2").len(), 1);
        assert!(advisories_for(ql, "v3.28.3").is_empty());
        assert!(advisories_for(ql, "v3").is_empty());
        assert_eq!(advisories_for(ql, "v2").len(), 1);
        assert!(advisories_for(ql, "v2.26.10").is_empty());
        // An advisory about one reusable workflow covers that path only.
        let tf = "kartverket/github-workflows/.github/workflows/run-terraform.yml";
        assert_eq!(advisories_for(tf, "v2.7.4").len(), 1);
        assert!(advisories_for(tf, "v2.7.5").is_empty());
        assert!(advisories_for(
            "kartverket/github-workflows/.github/workflows/x.yml",
            "v2.7.4"
        )
        .is_empty());
        assert!(advisories_for("tj-actions/changed-files-extra", "v35").is_empty());
    }
}
