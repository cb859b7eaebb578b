//! The offline table of known release SHAs of widely used GitHub Actions.
//!
//! `data/action-shas.txt` maps version tags to the commits they pointed at when the
//! table was built, read from the action repositories' own git refs (annotated tags
//! peeled to their commit) by `scripts/action-shas.py`; see that script to refresh it.
//! Version comments found in workflows are never a source: they are claims.
//!
//! Moving tags (`v4`) are recorded as they were at [`snapshot_date`]; exact release
//! tags (`v4.2.2`) do not move in practice. Lookups take an action as written in
//! `uses:` (`actions/cache/restore`, any case, with or without `@ref`) and use its
//! `owner/repo`.

use std::sync::OnceLock;

const DATA: &str = include_str!("../../data/action-shas.txt");

struct Action {
    /// Commits, newest release first, each with its tags (most specific first).
    rows: Vec<(&'static str, Vec<&'static str>)>,
    by_tag: foldhash::HashMap<&'static str, usize>,
    /// Rows by lower-cased SHA (two rules look up every SHA pin).
    by_sha: foldhash::HashMap<[u8; 40], usize>,
}

struct Table {
    snapshot: &'static str,
    actions: foldhash::HashMap<&'static str, Action>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| parse(DATA))
}

fn parse(data: &'static str) -> Table {
    let mut snapshot = "";
    let mut actions: foldhash::HashMap<&'static str, Action> = Default::default();
    let mut current: Option<&'static str> = None;
    for line in data.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(date) = line.strip_prefix("@snapshot ") {
            snapshot = date.trim();
        } else if let Some(row) = line.strip_prefix(' ') {
            let mut words = row.split_ascii_whitespace();
            let (Some(name), Some(sha)) = (current, words.next()) else {
                continue;
            };
            let Some(action) = actions.get_mut(name) else {
                continue;
            };
            let tags: Vec<&'static str> = words.collect();
            let index = action.rows.len();
            for tag in &tags {
                action.by_tag.entry(tag).or_insert(index);
            }
            if let Some(key) = sha_key(sha) {
                action.by_sha.entry(key).or_insert(index);
            }
            action.rows.push((sha, tags));
        } else {
            let name = line.trim();
            actions.entry(name).or_insert_with(|| Action {
                rows: Vec::new(),
                by_tag: Default::default(),
                by_sha: Default::default(),
            });
            current = Some(name);
        }
    }
    Table { snapshot, actions }
}

/// `owner/repo` of an action reference (`Owner/Repo/sub/path@ref`), as written.
fn repo_parts(action: &str) -> (&str, &str) {
    let action = action.split('@').next().unwrap_or(action);
    let mut parts = action.split('/');
    (parts.next().unwrap_or(""), parts.next().unwrap_or(""))
}

/// A 40-hex SHA, lower-cased, as an index key.
fn sha_key(sha: &str) -> Option<[u8; 40]> {
    let mut key: [u8; 40] = sha.as_bytes().try_into().ok()?;
    key.make_ascii_lowercase();
    Some(key)
}

fn action(action: &str) -> Option<&'static Action> {
    let (owner, repo) = repo_parts(action);
    let actions = &table().actions;
    // Lower-cased into a stack buffer: this runs for every `uses:` of two rules.
    let mut buf = [0u8; 128];
    let n = owner.len() + 1 + repo.len();
    match buf.get_mut(..n) {
        Some(key) => {
            let (o, rest) = key.split_at_mut(owner.len());
            o.copy_from_slice(owner.as_bytes());
            let (slash, r) = rest.split_at_mut(1);
            slash.copy_from_slice(b"/");
            r.copy_from_slice(repo.as_bytes());
            key.make_ascii_lowercase();
            actions.get(std::str::from_utf8(key).ok()?)
        }
        None => actions.get(format!("{owner}/{repo}").to_ascii_lowercase().as_str()),
    }
}

/// The date of the newest commit in the refs the table was built from.
pub fn snapshot_date() -> &'static str {
    table().snapshot
}

/// Whether the table knows this action's releases at all.
pub fn is_known_action(name: &str) -> bool {
    action(name).is_some()
}

/// The commit SHA a version tag of `action` pointed at (case-sensitive tag).
pub fn known_sha(name: &str, tag: &str) -> Option<&'static str> {
    let action = action(name)?;
    action.by_tag.get(tag).map(|&i| action.rows[i].0)
}

/// The version tags of `action` that point at `sha` (a full 40-hex SHA, any case),
/// most specific first (`v4.2.2` before `v4.2` before `v4`); empty when unknown.
pub fn tags_for_sha(name: &str, sha: &str) -> &'static [&'static str] {
    let Some(action) = action(name) else {
        return &[];
    };
    sha_key(sha)
        .and_then(|k| action.by_sha.get(&k))
        .and_then(|&i| action.rows.get(i))
        .map_or(&[], |(_, tags)| tags.as_slice())
}

/// The version comment to write next to a pin of `action` at `sha`: its most specific
/// tag. `None` when the SHA is not a known release, so no comment can disagree with it.
pub fn version_comment(name: &str, sha: &str) -> Option<&'static str> {
    tags_for_sha(name, sha).first().copied()
}

/// The newest known release tag of `action` (the most specific tag of its newest
/// commit), e.g. to suggest an upgrade from a deprecated version.
pub fn latest_tag(name: &str) -> Option<&'static str> {
    action(name)?.rows.first()?.1.first().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_well_formed() {
        let t = table();
        assert!(t.actions.len() >= 80, "{} actions", t.actions.len());
        assert_eq!(t.snapshot.len(), 10, "snapshot date {:?}", t.snapshot);
        for (name, action) in &t.actions {
            assert_eq!(name.split('/').count(), 2, "{name}");
            assert_eq!(*name, name.to_ascii_lowercase());
            assert!(!action.rows.is_empty(), "{name} has no releases");
            for (sha, tags) in &action.rows {
                assert!(
                    sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                    "{name}: {sha}"
                );
                assert!(!tags.is_empty(), "{name}: {sha} without tags");
                for tag in tags {
                    // Each tag names exactly one commit.
                    assert_eq!(known_sha(name, tag), Some(*sha), "{name}@{tag}");
                }
            }
        }
        for wanted in [
            "actions/checkout",
            "actions/cache",
            "actions/setup-node",
            "actions/upload-artifact",
            "docker/build-push-action",
            "docker/login-action",
            "github/codeql-action",
        ] {
            assert!(is_known_action(wanted), "{wanted}");
        }
    }

    #[test]
    fn lookups_use_owner_and_repo_in_any_case() {
        // Verified from the actions/checkout git refs (v4.2.2 is a lightweight tag).
        let sha = "11bd71901bbe5b1630ceea73d27597364c9af683";
        assert_eq!(known_sha("actions/checkout", "v4.2.2"), Some(sha));
        assert_eq!(known_sha("Actions/Checkout@v4", "v4.2.2"), Some(sha));
        assert!(tags_for_sha("actions/checkout", &sha.to_uppercase()).contains(&"v4.2.2"));
        assert_eq!(version_comment("actions/checkout", sha), Some("v4.2.2"));
        assert_eq!(known_sha("actions/checkout", "V4.2.2"), None);
        assert_eq!(known_sha("actions/checkout", "v999.0.0"), None);
        assert_eq!(known_sha("nobody/nothing", "v1"), None);
        assert!(tags_for_sha(
            "actions/checkout",
            "0000000000000000000000000000000000000000"
        )
        .is_empty());
        // Sub-path actions resolve through their repository.
        let init = known_sha("github/codeql-action/init", "v3");
        assert!(init.is_some());
        assert_eq!(init, known_sha("github/codeql-action", "v3"));
    }

    #[test]
    fn annotated_tags_are_peeled_to_their_commit() {
        // actions/checkout v6.0.3 is annotated: tag object 9f698171…, commit df4cb1c0….
        assert_eq!(
            known_sha("actions/checkout", "v6.0.3"),
            Some("df4cb1c069e1874edd31b4311f1884172cec0e10")
        );
        assert!(tags_for_sha(
            "actions/checkout",
            "9f698171ed81b15d1823a05fc7211befd50c8ae0"
        )
        .is_empty());
    }

    #[test]
    fn moving_major_tags_share_a_line_with_their_release() {
        let sha = known_sha("actions/checkout", "v4").expect("v4");
        let tags = tags_for_sha("actions/checkout", sha);
        assert_eq!(tags.last(), Some(&"v4"));
        assert!(
            tags[0].starts_with("v4.") && tags[0].matches('.').count() == 2,
            "{tags:?}"
        );
        assert!(latest_tag("actions/checkout").is_some_and(|t| t.starts_with('v')));
    }

    #[test]
    fn parser_skips_malformed_lines() {
        let t = parse("# c\n orphan-row v1\n@snapshot 2026-01-01\nA/b\n deadbeef v1\n\n");
        assert_eq!(t.snapshot, "2026-01-01");
        assert_eq!(t.actions.len(), 1);
        assert_eq!(t.actions["A/b"].rows.len(), 1);
    }
}
