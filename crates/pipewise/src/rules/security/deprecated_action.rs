//! `security/deprecated-action`: actions that are archived, unmaintained, or used at a
//! major version that runs on a retired Node.js runtime, from the maintained table
//! `deprecated_actions.toml` (each entry names its replacement, source and date).

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::workflow::{Job, Workflow};
use serde::Deserialize;
use std::sync::OnceLock;

pub struct DeprecatedAction;

pub static META: RuleMeta = RuleMeta {
    id: "security/deprecated-action",
    title: "Deprecated or archived action",
    severity: Severity::Medium,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "An action that is archived or unmaintained (e.g. `actions-rs/*`, `actions/create-release`, `8398a7/action-slack`) or a major version that runs on Node.js 12/16 (e.g. `actions/checkout@v2`), per pipewise's maintained table.",
    impact: "Archived actions receive no security fixes; old majors on retired Node.js runtimes stop working when GitHub removes the runtime, breaking the pipeline on a day you did not choose.",
    doc: r#"
## Why it matters
Actions run with the job's token and secrets. An archived action gets no security
fixes, and its repository (or the account behind it) may be abandoned and taken over.
Old major versions of maintained actions often run on a Node.js version that GitHub has
removed from its runners; they fail or are forced onto a newer runtime. The table
(`crates/pipewise/src/rules/security/deprecated_actions.toml`) lists every entry with
its replacement, source and the date it was checked.

## Bad
```yaml
- uses: actions-rs/toolchain@v1
- uses: actions/checkout@v2
```

## Good
```yaml
- uses: dtolnay/rust-toolchain@stable
- uses: actions/checkout@v4
```
"#,
    fix: FixMeta {
        description: "Switch to the maintained replacement named in the finding.",
        snippet: "- uses: actions/checkout@v4",
        effort_minutes: 15,
    },
    references: &["zizmor: archived-uses", "https://github.blog/changelog/2023-09-22-github-actions-transitioning-from-node-16-to-node-20/"],
};

#[derive(Deserialize)]
struct Table {
    action: Vec<Entry>,
}

#[derive(Deserialize)]
pub struct Entry {
    pub action: String,
    #[serde(default)]
    pub refs: Vec<String>,
    pub replacement: String,
    pub reason: String,
    pub source: String,
    pub date: String,
}

/// The table, parsed once.
pub fn table() -> &'static [Entry] {
    static T: OnceLock<Vec<Entry>> = OnceLock::new();
    T.get_or_init(|| {
        toml::from_str::<Table>(include_str!("deprecated_actions.toml"))
            .map(|t| t.action)
            .unwrap_or_default()
    })
}

fn ref_matches(r: &str, major: &str) -> bool {
    r == major
        || r.strip_prefix(major)
            .map(|rest| rest.starts_with('.'))
            .unwrap_or(false)
}

/// The table entry for `owner/repo[/path]@ref`, if any.
pub fn lookup(uses: &str) -> Option<&'static Entry> {
    let (name, r) = uses.split_once('@').unwrap_or((uses, ""));
    let name = name.to_ascii_lowercase();
    let owner = name.split('/').next().unwrap_or("");
    let repo2: String = name.split('/').take(2).collect::<Vec<_>>().join("/");
    table().iter().find(|e| {
        let hit = match e.action.strip_suffix("/*") {
            Some(prefix) if prefix.contains('/') => repo2 == prefix,
            Some(prefix) => owner == prefix,
            None => name == e.action,
        };
        hit && (e.refs.is_empty() || e.refs.iter().any(|m| ref_matches(r, m)))
    })
}

fn check(
    node: &pipewise_yaml::Node,
    path: &str,
    job: Option<&str>,
    step: Option<String>,
    cx: &mut Ctx,
) {
    let Some(u) = node.as_str() else { return };
    if u.starts_with("./") || u.starts_with("docker://") {
        return;
    }
    let Some(e) = lookup(u) else { return };
    let sev = if e.refs.is_empty() {
        Severity::Medium
    } else {
        Severity::Low
    };
    cx.report(
        &META,
        path,
        node.span,
        format!("`{u}` is deprecated: {}; use {}.", e.reason, e.replacement),
    )
    .severity(sev)
    .job(job)
    .step(step)
    .fix(
        format!(
            "Replace it with {} (source: {}, checked {}).",
            e.replacement, e.source, e.date
        ),
        format!("# was: uses: {u}\n# use: {}", e.replacement),
        15,
    );
}

impl Rule for DeprecatedAction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        if let Some(u) = site.step.uses {
            check(u, site.path, site.job_id(), Some(site.step.label()), cx);
        }
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        if let Some(u) = job.uses {
            check(u, wf.path, Some(job.id), None, cx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_and_every_entry_is_complete() {
        assert!(table().len() > 20);
        for e in table() {
            assert!(
                !e.replacement.is_empty() && e.source.starts_with("https://") && e.date.len() == 10,
                "{}",
                e.action
            );
        }
    }

    #[test]
    fn matches_owner_repo_and_majors() {
        assert!(lookup("actions-rs/toolchain@v1").is_some());
        assert!(lookup("actions/checkout@v2").is_some());
        assert!(lookup("actions/checkout@v2.3.4").is_some());
        assert!(lookup("actions/checkout@v4").is_none());
        assert!(lookup("actions/checkout@v20").is_none());
        assert!(lookup("github/codeql-action/init@v2").is_some());
        assert!(lookup("github/codeql-action/init@v3").is_none());
    }
}
