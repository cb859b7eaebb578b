//! The labelled set (issue 24): repositories of `../shared/corpus-full/` with a
//! hand-checked verdict for every capability, with file:line evidence, in
//! `tests/labelled/<repo>.toml`. `labelled_data_is_well_formed` checks the data
//! (runs everywhere); `pipewise_agrees_with_the_labelled_set` audits each repository
//! and compares (needs the corpus: `#[ignore]`d, `.ci/run` runs it).
//!
//! A capability whose unit says `labelled: false` (a new one: its file is all it
//! needs) is not in the labels yet: the tests name it, and check every labelled
//! capability as before. Writing its labels in every file turns it `true`.
//!
//! A disagreement must be explained in the data: the label records what pipewise
//! says (`pipewise`) and why it is wrong (`why`). A verdict that changes (a new
//! disagreement, or an explained one that now says something else) fails the test,
//! so the labels are read again whenever pipewise's verdicts move.

mod support;

use pipewise::analysis::capabilities::ALL;
use pipewise::audit::audit_path;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Labels {
    repo: String,
    capability: Vec<Label>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Label {
    id: String,
    status: String,
    evidence: String,
    #[serde(default)]
    note: Option<String>,
    /// What pipewise says when it disagrees.
    #[serde(default)]
    pipewise: Option<String>,
    /// Why pipewise is wrong.
    #[serde(default)]
    why: Option<String>,
}

const STATUSES: [&str; 5] = ["present", "partial", "missing", "not-applicable", "unknown"];

/// The ids the labels have, in the report's order; says which are not labelled yet.
fn labelled_ids() -> Vec<&'static str> {
    let not_yet: Vec<&str> = ALL
        .iter()
        .filter(|u| !u.meta.labelled)
        .map(|u| u.meta.id)
        .collect();
    if !not_yet.is_empty() {
        eprintln!(
            "not yet in the labelled set (`labelled: false` in their units): {}",
            not_yet.join(", ")
        );
    }
    ALL.iter()
        .filter(|u| u.meta.labelled)
        .map(|u| u.meta.id)
        .collect()
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/labelled")
}

fn load() -> Vec<Labels> {
    let mut out: Vec<Labels> = std::fs::read_dir(dir())
        .expect("tests/labelled")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        })
        .collect();
    out.sort_by(|a, b| a.repo.cmp(&b.repo));
    out
}

#[test]
fn labelled_data_is_well_formed() {
    let all = load();
    let labelled = labelled_ids();
    assert!(
        all.len() >= 25,
        "the labelled set has {} repositories",
        all.len()
    );
    for l in &all {
        let ids: Vec<&str> = l.capability.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids, labelled,
            "{}: every labelled capability once, in order (a unit with labels says `labelled: true`)",
            l.repo
        );
        for c in &l.capability {
            let at = format!("{} {}", l.repo, c.id);
            assert!(STATUSES.contains(&c.status.as_str()), "{at}: {}", c.status);
            if matches!(c.status.as_str(), "present" | "partial") {
                assert!(
                    c.evidence.contains(':') && c.evidence != "-",
                    "{at}: a {} verdict needs file:line evidence",
                    c.status
                );
            }
            match (&c.pipewise, &c.why) {
                (Some(p), Some(w)) => {
                    assert!(STATUSES.contains(&p.as_str()), "{at}: {p}");
                    assert_ne!(p, &c.status, "{at}: a disagreement that agrees");
                    assert!(!w.trim().is_empty(), "{at}");
                }
                (None, None) => {}
                _ => panic!("{at}: `pipewise` and `why` go together"),
            }
            assert!(c.note.as_deref().is_none_or(|n| !n.is_empty()), "{at}");
        }
    }
}

#[test]
#[ignore = "needs ../shared/corpus-full (or PIPEWISE_SHARED); .ci/run runs it"]
fn pipewise_agrees_with_the_labelled_set() {
    let corpus = support::corpus::corpus("corpus-full");
    labelled_ids();
    let mut total = 0usize;
    let mut agree = 0usize;
    let mut problems = vec![];
    let mut per_repo = vec![];
    for l in load() {
        let r = audit_path(&corpus.join(&l.repo), None).unwrap();
        let mut mine = 0;
        for c in &l.capability {
            let got = r
                .capabilities
                .iter()
                .find(|x| x.id == c.id)
                .map(|x| serde_json::to_value(x.status).unwrap())
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            total += 1;
            if got == c.status {
                agree += 1;
                mine += 1;
                if c.pipewise.is_some() {
                    problems.push(format!(
                        "{} {}: now agrees ({got}); drop `pipewise`/`why` from the label",
                        l.repo, c.id
                    ));
                }
            } else if c.pipewise.as_deref() != Some(got.as_str()) {
                problems.push(format!(
                    "{} {}: pipewise says {got}, the label says {} ({}): unexplained",
                    l.repo, c.id, c.status, c.evidence
                ));
            }
        }
        per_repo.push(format!("{}: {mine}/{}", l.repo, l.capability.len()));
    }
    let pct = 100.0 * agree as f64 / total.max(1) as f64;
    eprintln!(
        "labelled set: {agree}/{total} verdicts agree ({pct:.1}%)\n  {}",
        per_repo.join("\n  ")
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The measured agreement (docs/scoring.md): it must not fall.
    assert!(
        pct >= AGREEMENT_FLOOR,
        "agreement {pct:.1}% < {AGREEMENT_FLOOR}%"
    );
}

/// The measured agreement: 95.3% (929/975) over 25 repositories (91.8% before the
/// third round of fixes, 94.3% before the fourth). Issue 24 asks for 95%;
/// docs/scoring.md says what the disagreements are.
const AGREEMENT_FLOOR: f64 = 95.0;
