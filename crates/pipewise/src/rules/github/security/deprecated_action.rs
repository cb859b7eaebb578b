//! `security/deprecated-action`: actions that are archived, unmaintained, or used at a
//! major version that runs on a retired (Node.js 12/16) or deprecated (Node.js 20) runtime, from the maintained table
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
    summary: "An action that is archived or unmaintained (e.g. `actions-rs/*`, `actions/create-release`, `8398a7/action-slack`, medium), a major version on a retired Node.js 12/16 runtime (e.g. `actions/checkout@v3`, medium), or one on the deprecated Node.js 20 runtime (e.g. `actions/checkout@v4`, `actions/upload-artifact@v4`, low), per pipewise's maintained table.",
    impact: "Archived actions receive no security fixes; old majors on retired Node.js runtimes stop working when GitHub removes the runtime, breaking the pipeline on a day you did not choose.",
    doc: r#"
## Why it matters
Actions run with the job's token and secrets. An archived action gets no security
fixes, and its repository (or the account behind it) may be abandoned and taken over.
Old major versions of maintained actions often run on a Node.js version that GitHub has
removed from its runners (Node.js 12 and 16: medium) or deprecated (Node.js 20, removal
scheduled for 2026-09-23: low); they fail, or are forced onto a runtime they were not
tested with, on a day you did not choose. The table
(`crates/pipewise/src/rules/github/security/deprecated_actions.toml`) lists every entry with
its replacement, source and the date it was checked; its runtime entries follow the
action metadata bundled with actionlint, so pipewise reports what actionlint's
"runtime is deprecated/retired" checks report, plus SHA pins whose version comment names
such a major (`@<sha> # v4.2.2`) and full versions (`@v4.2.2`).

## Bad
```yaml
- uses: actions-rs/toolchain@v1
- uses: actions/checkout@v3   # Node.js 16, retired
- uses: actions/cache@v4      # Node.js 20, deprecated
```

## Good
```yaml
- uses: dtolnay/rust-toolchain@e97e2d8cc328f1b50210efc529dca0028893a2d9 # v1
  with:
    toolchain: stable
- uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
- uses: actions/cache@27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.5
```
"#,
    fix: FixMeta {
        description: "Switch to the maintained replacement named in the finding.",
        snippet: "- uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
        effort_minutes: 15,
    },
    references: &[
        "zizmor: archived-uses",
        "actionlint: action (runtime deprecated/retired)",
        "https://github.blog/changelog/2023-09-22-github-actions-transitioning-from-node-16-to-node-20/",
        "https://github.blog/changelog/2025-09-19-deprecation-of-node-20-on-github-actions-runners/",
    ],
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
    /// `node20` (deprecated) or `node12/node16` (retired) for runtime entries.
    #[serde(default)]
    pub runtime: Option<String>,
    /// Where the replacement major is published.
    #[serde(default)]
    pub releases: Option<String>,
}

impl Entry {
    /// Archived actions and retired runtimes are medium; a deprecated (node20) runtime,
    /// which still runs until GitHub removes it, is low.
    pub fn severity(&self) -> Severity {
        match self.runtime.as_deref() {
            Some("node20") => Severity::Low,
            _ => Severity::Medium,
        }
    }
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

/// The table's entries by what they match: an exact action name, an `owner/repo/*`
/// prefix or an `owner/*` prefix (entry indices, in table order). Hashed with
/// foldhash: every `uses:` is looked up three times.
#[derive(Default)]
struct Index {
    exact: foldhash::HashMap<&'static str, Vec<usize>>,
    repo: foldhash::HashMap<&'static str, Vec<usize>>,
    owner: foldhash::HashMap<&'static str, Vec<usize>>,
}

fn index() -> &'static Index {
    static I: OnceLock<Index> = OnceLock::new();
    I.get_or_init(|| {
        let mut idx = Index::default();
        for (i, e) in table().iter().enumerate() {
            let (map, key) = match e.action.strip_suffix("/*") {
                Some(prefix) if prefix.contains('/') => (&mut idx.repo, prefix),
                Some(prefix) => (&mut idx.owner, prefix),
                None => (&mut idx.exact, e.action.as_str()),
            };
            map.entry(key).or_default().push(i);
        }
        idx
    })
}

/// The table entry for `owner/repo[/path]@ref`, if any (the first one in table
/// order that matches).
pub fn lookup(uses: &str) -> Option<&'static Entry> {
    let (name, r) = uses.split_once('@').unwrap_or((uses, ""));
    first_match(&candidates(&name.to_ascii_lowercase()), r)
}

/// The index's entries about action `name` (lower-cased `owner/repo[/path]`),
/// whatever their refs: exact, `owner/repo/*` and `owner/*`.
type Candidates = [Option<&'static Vec<usize>>; 3];

fn candidates(name: &str) -> Candidates {
    // `owner` and `owner/repo`: up to the first and the second `/` (found with
    // `memchr`, no substring searcher per `uses:`).
    let mut slashes = memchr::memchr_iter(b'/', name.as_bytes());
    let first = slashes.next();
    let owner = first.and_then(|i| name.get(..i)).unwrap_or(name);
    let repo2 = first
        .and(slashes.next())
        .and_then(|i| name.get(..i))
        .unwrap_or(name);
    let idx = index();
    [
        idx.exact.get(name),
        idx.repo.get(repo2),
        idx.owner.get(owner),
    ]
}

/// [`candidates`] of a name in any case, lower-cased into a stack buffer (no string
/// per `uses:`; a longer name is lower-cased on the heap).
fn candidates_any_case(name: &str) -> Candidates {
    let mut buf = [0u8; 128];
    match buf.get_mut(..name.len()) {
        Some(key) => {
            key.copy_from_slice(name.as_bytes());
            key.make_ascii_lowercase();
            match std::str::from_utf8(key) {
                Ok(lower) => candidates(lower),
                Err(_) => candidates(&name.to_ascii_lowercase()),
            }
        }
        None => candidates(&name.to_ascii_lowercase()),
    }
}

/// The first candidate (in table order) whose refs match `r`.
fn first_match(c: &Candidates, r: &str) -> Option<&'static Entry> {
    c.iter()
        .flatten()
        .flat_map(|v| v.iter())
        .copied()
        .filter(|&i| {
            table()
                .get(i)
                .is_some_and(|e| e.refs.is_empty() || e.refs.iter().any(|m| ref_matches(r, m)))
        })
        .min()
        .and_then(|i| table().get(i))
}

/// Whether some entry of the table is about action `name` (`owner/repo[/path]`, any
/// case), whatever its ref: [`lookup`] finds nothing for any other name.
#[cfg(test)]
fn may_match(name: &str) -> bool {
    candidates(&name.to_ascii_lowercase())
        .iter()
        .any(Option::is_some)
}

/// Whether a version comment names the same release as a tag (`v4` matches `v4.2.2`
/// only as a prefix of whole components: `v4.2` is `v4.2.x`, not `v4.20`).
fn same_version(comment: &str, tag: &str) -> bool {
    let c = comment.trim_start_matches('v');
    let t = tag.trim_start_matches('v');
    t == c
        || t.starts_with(c) && t[c.len()..].starts_with('.')
        || c.starts_with(t) && c[t.len()..].starts_with('.')
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
    if u.starts_with("./") || u.starts_with("$/") || u.starts_with("docker://") {
        return;
    }
    let (name, r) = u.split_once('@').unwrap_or((u, ""));
    // The entries about this action, found once; none (most actions): nothing to
    // read, not the pin's SHA nor its version comment.
    let cands = candidates_any_case(name);
    if cands.iter().all(Option::is_none) {
        return;
    }
    // A SHA pin's version comes from the SHA (the offline table of release SHAs);
    // the version comment is only a fallback for SHAs the table does not know, and is
    // named when it disagrees with the SHA.
    let sha_tag = (r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit())).then(|| {
        crate::github::action_shas::tags_for_sha(name, r)
            .first()
            .copied()
    });
    // The version the entries are matched against: the SHA's release, else the
    // version comment of an unknown SHA, else the ref as written (`lookup` of
    // `{name}@{version}`, without building that string for every `uses:`).
    let comment = match sha_tag {
        Some(None) => super::common::pinned_version(doc, node),
        _ => None,
    };
    let version = match (sha_tag, comment.as_deref()) {
        (Some(Some(tag)), _) => tag,
        (Some(None), Some(v)) => v,
        _ => r,
    };
    let Some(e) = first_match(&cands, version) else {
        return;
    };
    let key = match (sha_tag, comment.as_deref()) {
        (Some(Some(tag)), _) => format!("{name}@{tag}"),
        (Some(None), Some(v)) => format!("{name}@{v}"),
        _ => u.to_string(),
    };
    let key = key.as_str();
    // Read only for a finding: the comment that disagrees with the SHA's release.
    let comment_note = match sha_tag {
        Some(Some(tag)) => super::common::pinned_version(doc, node)
            .filter(|c| !same_version(c, tag))
            .map(|c| format!(", although its comment says {c}"))
            .unwrap_or_default(),
        _ => String::new(),
    };
    let sev = e.severity();
    // `actions/cache/*` → `actions/cache@v5`: name the sub-action that is used.
    let replacement = match e.action.strip_suffix("/*") {
        Some(prefix) if prefix.contains('/') && !name.eq_ignore_ascii_case(prefix) => e
            .replacement
            .get(prefix.len()..)
            .filter(|rest| {
                rest.starts_with('@') && e.replacement[..prefix.len()].eq_ignore_ascii_case(prefix)
            })
            .map(|rest| format!("{name}{rest}"))
            .unwrap_or_else(|| e.replacement.clone()),
        _ => e.replacement.clone(),
    };
    let verb = if e.runtime.is_some() {
        "is outdated"
    } else {
        "is deprecated"
    };
    cx.report(
        &META,
        path,
        node.span,
        format!(
            "{} {verb}: {}; use {}.",
            if key != u {
                format!(
                    "`{name}` (pinned at {}{comment_note})",
                    key.rsplit('@').next().unwrap_or(key)
                )
            } else {
                format!("`{u}`")
            },
            e.reason,
            replacement
        ),
    )
    .severity(sev)
    .job(job)
    .step(step)
    .impact(if e.runtime.is_some() {
        "The action's Node.js runtime is being removed from GitHub's runners: the step then fails, or runs on a runtime it was not tested with, on a day you did not choose."
    } else {
        META.impact
    })
    .fix(
        format!(
            "Replace it with {} (source: {}{}, checked {}).",
            replacement,
            e.source,
            e.releases
                .as_deref()
                .map(|r| format!("; releases: {r}"))
                .unwrap_or_default(),
            e.date
        ),
        format!("# was: uses: {u}\n# use: {replacement}"),
        15,
    );
}

impl Rule for DeprecatedAction {
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
    fn table_parses_and_every_entry_is_complete() {
        assert!(table().len() > 20);
        for e in table() {
            assert!(
                !e.replacement.is_empty() && e.source.starts_with("https://") && e.date.len() == 10,
                "{}",
                e.action
            );
            if let Some(r) = &e.runtime {
                assert!(
                    matches!(r.as_str(), "node20" | "node12/node16")
                        && !e.refs.is_empty()
                        && e.releases.is_some(),
                    "{}",
                    e.action
                );
            }
        }
        // No action major is listed twice (the first entry would hide the second).
        let mut seen = std::collections::BTreeSet::new();
        for e in table() {
            for r in &e.refs {
                assert!(
                    seen.insert((e.action.as_str(), r.as_str())),
                    "{} {r}",
                    e.action
                );
            }
        }
    }

    /// `candidates` splits `owner` and `owner/repo` as `split('/')` does, and
    /// `candidates_any_case` finds what a lower-cased copy finds (short, long and
    /// non-ASCII names alike).
    #[test]
    fn candidates_split_and_fold_as_strings_do() {
        let reference = |name: &str| -> Candidates {
            let name = name.to_ascii_lowercase();
            let owner = name.split('/').next().unwrap_or("");
            let repo2 = match name.match_indices('/').nth(1) {
                Some((i, _)) => &name[..i],
                None => name.as_str(),
            };
            let idx = index();
            [
                idx.exact.get(name.as_str()),
                idx.repo.get(repo2),
                idx.owner.get(owner),
            ]
        };
        let long = format!("actions-rs/{}", "x".repeat(200));
        let mut names: Vec<String> = table()
            .iter()
            .flat_map(|e| {
                let base = e.action.trim_end_matches("/*").to_string();
                [
                    base.clone(),
                    base.to_ascii_uppercase(),
                    format!("{base}/sub/path"),
                ]
            })
            .collect();
        names.extend(
            [
                "",
                "x",
                "/",
                "//",
                "actions-rs",
                "Actions-RS/Toolchain",
                "actions/cache/save",
                "ACTIONS/CACHE/restore",
                "Äctions/checkout",
                "actions/Çache/save",
                long.as_str(),
            ]
            .map(String::from),
        );
        for n in &names {
            let want = reference(n);
            let got = candidates_any_case(n);
            for (w, g) in want.iter().zip(got.iter()) {
                assert_eq!(
                    w.map(|v| v as *const Vec<usize>),
                    g.map(|v| v as *const Vec<usize>),
                    "{n}"
                );
            }
        }
    }

    #[test]
    fn matches_owner_repo_and_majors() {
        assert!(lookup("actions-rs/toolchain@v1").is_some());
        assert!(lookup("actions/checkout@v2").is_some());
        assert!(lookup("actions/checkout@v2.3.4").is_some());
        assert!(lookup("actions/checkout@v5").is_none());
        assert!(lookup("actions/checkout@v20").is_none());
        assert!(lookup("github/codeql-action/init@v2").is_some());
        assert!(lookup("github/codeql-action/upload-sarif@v4").is_none());
    }

    /// The prefilter never drops a `uses:` that `lookup` matches: every entry's own
    /// action (with each of its refs, and with a sub-path for `owner/repo/*` and
    /// `owner/*` entries), in any case; and it drops names no entry is about.
    #[test]
    fn the_prefilter_keeps_every_name_lookup_matches() {
        for e in table() {
            let bases: Vec<String> = match e.action.strip_suffix("/*") {
                Some(p) if p.contains('/') => vec![format!("{p}/sub"), format!("{p}/a/b")],
                Some(p) => vec![format!("{p}/repo"), format!("{p}/repo/sub")],
                None => vec![e.action.clone()],
            };
            let refs: Vec<&str> = if e.refs.is_empty() {
                vec!["v1", "main", ""]
            } else {
                e.refs.iter().map(String::as_str).collect()
            };
            for b in &bases {
                for name in [b.clone(), b.to_ascii_uppercase()] {
                    for r in &refs {
                        let u = format!("{name}@{r}");
                        if lookup(&u).is_some() {
                            assert!(may_match(&name), "{u}");
                        }
                    }
                    assert!(may_match(&name), "{name}");
                }
            }
        }
        for name in ["actions/upload-artifact-x", "someone/else", "docker/x", ""] {
            assert!(lookup(&format!("{name}@v1")).is_none() || may_match(name));
        }
        assert!(!may_match("nobody-owns/this-action"));
    }

    #[test]
    fn node20_majors_are_low_and_retired_ones_medium() {
        let sev = |u: &str| lookup(u).map(Entry::severity);
        assert_eq!(sev("actions/checkout@v4"), Some(Severity::Low));
        assert_eq!(sev("actions/checkout@v4.2.2"), Some(Severity::Low));
        assert_eq!(sev("actions/cache/restore@v4"), Some(Severity::Low));
        assert_eq!(sev("github/codeql-action/init@v3"), Some(Severity::Low));
        assert_eq!(sev("actions/upload-artifact@v5"), Some(Severity::Low));
        assert_eq!(sev("actions/checkout@v3"), Some(Severity::Medium));
        assert_eq!(sev("actions-rs/toolchain@v1"), Some(Severity::Medium));
        assert!(lookup("actions/upload-artifact@v6").is_none());
        let e = lookup("actions/checkout@v4").map(|e| e.replacement.as_str());
        assert_eq!(e, Some("actions/checkout@v5 or later"));
    }
}
