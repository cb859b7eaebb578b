//! The edits to GitHub's workflow dependency lockfile ([`crate::github::actions_lock`]) that
//! keep it in step with a workflow whose `uses:` a fix changes.

use super::yaml;
use super::Edit;
use crate::github::actions_lock::{same, split, Lock};
use pipewise_yaml::Entry;

/// What to record for one action reference of an onboarded workflow.
pub struct Locking<'s> {
    /// The workflow (repository-relative path).
    pub workflow: &'s str,
    /// The reference as the workflow writes it after the fix (`owner/repo@ref`).
    pub uses: &'s str,
    /// The reference the workflow no longer uses (replaced in its list), if any.
    pub was: Option<&'s str>,
    /// The commit (40 hex) the reference resolves to.
    pub sha: &'s str,
    /// The `ref:` to record (the tag; for a SHA reference, the tag at that commit).
    pub tag: &'s str,
    /// `owner_id`, `repo_id`.
    pub ids: (String, String),
}

fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The lock key for a reference: `owner/repo@ref` (sub-paths dropped, as
/// `gh actions-lock` records actions by repository).
fn key_of(uses: &str) -> Option<String> {
    let (_, r) = split(uses)?;
    let path = uses.trim().rsplit_once('@')?.0;
    let mut parts = path.split('/');
    Some(format!("{}/{}@{r}", parts.next()?, parts.next()?))
}

/// The edits to the lock that record `l`: its workflow list names `l.uses` (in place
/// of `l.was`, or as a new item) and `dependencies` has
/// an entry for it; a dependency no longer named anywhere (and with no `uses:` of
/// its own) is removed. `None` when the lock cannot be edited safely here.
pub fn edits(lock: &Lock, l: &Locking) -> Option<Vec<Edit>> {
    let text = lock.file.text();
    let nl = yaml::eol(text);
    let key = key_of(l.uses)?;
    let wf = lock.workflow(l.workflow)?;
    let items = lock.items(l.workflow);
    let mut out = vec![];
    let mut dropped: Option<&str> = None;
    if !items.iter().any(|(_, t)| same(t, l.uses)) {
        let replace = items
            .iter()
            .find(|(_, t)| l.was.is_some_and(|w| same(t, w)));
        match replace {
            Some((node, old)) => {
                out.push(yaml::replace_scalar(text, node, &quoted(&key))?);
                if lock.references(old) == 1 {
                    dropped = Some(old);
                }
            }
            None => out.push(list_insert(text, wf, &quoted(&key), nl)?),
        }
    }
    if lock.dependency(l.uses).is_none() {
        let deps = lock.doc.root.entry("dependencies")?;
        let entries = deps.value.as_map()?;
        let first = entries.first()?;
        let indent = yaml::block_indent(text, first.key.span.start)?;
        let unit = yaml::indent_unit(text, &deps.value).max(1);
        let pad = " ".repeat(indent + unit);
        let block = format!(
            "{}{}:{nl}{pad}ref: {}{nl}{pad}commit: 'sha1-{}'{nl}{pad}owner_id: {}{nl}{pad}repo_id: {}{nl}",
            " ".repeat(indent),
            quoted(&key),
            quoted(l.tag),
            l.sha.to_ascii_lowercase(),
            l.ids.0,
            l.ids.1,
        );
        // Kept in the order `gh actions-lock` writes: sorted by key.
        let before = entries
            .iter()
            .find(|e| e.key.as_str().is_some_and(|k| k > key.as_str()));
        let at = match before {
            Some(e) => yaml::line_start(text, e.key.span.start),
            None => {
                let last = entries.last()?;
                yaml::after_line(text, yaml::entry_end(text, last))
            }
        };
        let block = if at == text.len() && !text.ends_with('\n') {
            format!("{nl}{block}")
        } else {
            block
        };
        out.push(Edit::insert(at, block));
    }
    if let Some(old) = dropped {
        if let Some(e) = lock.dependency(old) {
            if e.value.get("uses").is_none() && !same(old, l.uses) {
                let start = yaml::line_start(text, e.key.span.start);
                let stop = yaml::after_line(text, yaml::entry_end(text, e));
                out.push(Edit::replace(start, stop, String::new()));
            }
        }
    }
    // Edits must not overlap (an insertion at the removed entry's start would).
    let mut spans: Vec<(usize, usize)> = out.iter().map(|e| (e.start, e.end)).collect();
    spans.sort();
    if spans.windows(2).any(|w| w[0].1 > w[1].0 || w[0] == w[1]) {
        return None;
    }
    Some(out)
}

/// A new `- 'item'` after the last item of a workflow's list (or in place of `[]`).
fn list_insert(text: &str, wf: &Entry, item: &str, nl: &str) -> Option<Edit> {
    let seq = &wf.value;
    let items = seq.as_seq()?;
    match items.last() {
        Some(last) => {
            let indent = yaml::line_start(text, last.span.start);
            let lead = text.get(indent..last.span.start)?;
            if !lead.trim_end().ends_with('-') || lead.trim_start() != "- " {
                return None; // not a block list written one item a line
            }
            let at = yaml::after_line(text, yaml::scalar_end(text, last));
            let prefix = if at == text.len() && !text.ends_with('\n') {
                nl
            } else {
                ""
            };
            Some(Edit::insert(at, format!("{prefix}{lead}{item}{nl}")))
        }
        None => {
            // `'.github/workflows/x.yml': []`: the empty flow list becomes a block.
            let open = text.get(wf.key.span.end..)?.find('[')? + wf.key.span.end;
            let close = text.get(open..)?.find(']')? + open;
            if !text.get(open + 1..close)?.trim().is_empty() {
                return None;
            }
            let key_indent = yaml::block_indent(text, wf.key.span.start)?;
            // From just after the key's colon, so no blank is left at the line end.
            let colon = text.get(wf.key.span.end..open)?.rfind(':')? + wf.key.span.end + 1;
            Some(Edit::replace(
                colon,
                close + 1,
                format!("{nl}{}- {item}", " ".repeat(key_indent * 2)),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::actions_lock::testing::{with_lock, LOCK};

    #[test]
    fn edits_replace_the_ref_add_the_dependency_and_drop_the_orphan() {
        with_lock(LOCK, |l| {
            let sha = "11bd71901bbe5b1630ceea73d27597364c9af683";
            let e = edits(
                l,
                &Locking {
                    workflow: ".github/workflows/ci.yml",
                    uses: &format!("actions/checkout@{sha}"),
                    was: Some("actions/checkout@v4.1.0"),
                    sha,
                    tag: "v4.2.2",
                    ids: l.ids("actions/checkout").expect("ids"),
                },
            )
            .expect("edits");
            let out = crate::fix::apply_edits(LOCK, &e.iter().collect::<Vec<_>>()).expect("apply");
            assert_eq!(
                out,
                format!("# generated\nversion: 'v0.0.2'\nworkflows:\n    '.github/workflows/ci.yml':\n        - 'actions/checkout@{sha}'\n        - 'actions/setup-node@v4.0.2'\n    '.github/workflows/other.yml': []\ndependencies:\n    'actions/checkout@{sha}':\n        ref: 'v4.2.2'\n        commit: 'sha1-{sha}'\n        owner_id: 44036562\n        repo_id: 197814629\n    'actions/setup-node@v4.0.2':\n        ref: 'v4.0.2'\n        commit: 'sha1-60edb5dd545a775178f52524783378180af0d1f8'\n        owner_id: 44036562\n        repo_id: 189265738\n")
            );
        });
    }

    #[test]
    fn edits_fill_an_empty_list() {
        with_lock(LOCK, |l| {
            let e = edits(
                l,
                &Locking {
                    workflow: ".github/workflows/other.yml",
                    uses: "actions/setup-node@v4.0.2",
                    was: None,
                    sha: "60edb5dd545a775178f52524783378180af0d1f8",
                    tag: "v4.0.2",
                    ids: ("1".into(), "2".into()),
                },
            )
            .expect("edits");
            let out = crate::fix::apply_edits(LOCK, &e.iter().collect::<Vec<_>>()).expect("apply");
            assert!(
                out.contains("    '.github/workflows/other.yml':\n        - 'actions/setup-node@v4.0.2'\ndependencies:\n"),
                "{out}"
            );
            // The dependency was there already: only the list changed.
            assert_eq!(e.len(), 1);
        });
    }
}
