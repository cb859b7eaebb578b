//! `security/unpinned-action`: pin `uses: owner/repo@tag` to the tag's full commit
//! SHA with a `# vX.Y.Z` comment. The SHA comes from the offline table of known
//! release SHAs (`action_shas`), else from the resolver (`--online`). The comment
//! is always a tag that points at that SHA, so it never disagrees with it.
//!
//! Safe for an exact release tag (`v4.2.2`: the same commit runs) and for any tag
//! resolved online; unsafe for a moving tag (`v4`) resolved offline, whose commit
//! may have moved on since the table's snapshot.

use super::lock_edits;
use super::{Edit, Plan, Safety, Site};
use crate::github::action_shas;
use crate::github::actions_lock;
use pipewise_yaml::{Node, NodeKind};

/// The scalar holding `offset` whose value names an action (`…@ref`).
fn scalar_at(node: &Node, offset: usize) -> Option<&Node> {
    // Iterative, so hostile nesting cannot overflow the stack.
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &n.kind {
            NodeKind::Scalar { value, .. } => {
                if n.span.start <= offset
                    && offset < n.span.end.max(n.span.start + 1)
                    && value.contains('@')
                {
                    return Some(n);
                }
            }
            NodeKind::Seq(items) => stack.extend(items.iter()),
            NodeKind::Map(es) => {
                for e in es {
                    stack.push(&e.value);
                }
            }
        }
    }
    None
}

pub(crate) fn is_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_exact_version(tag: &str) -> bool {
    let t = tag.strip_prefix('v').unwrap_or(tag);
    t.split('.').count() >= 3
        && t.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

pub fn plan(site: &Site) -> Option<Plan> {
    let doc = site.doc()?;
    let text = site.text();
    let node = scalar_at(&doc.root, site.offset)?;
    let value = node.as_str()?;
    let (action, tag) = value.split_once('@')?;
    if is_sha(tag) || action.starts_with("./") || action.starts_with("docker://") || tag.is_empty()
    {
        return None;
    }
    let (sha, comment, safety) = match action_shas::known_sha(action, tag) {
        Some(sha) => {
            // The most specific tag at that commit: `v4` pins are commented `v4.2.2`.
            let comment = action_shas::version_comment(action, sha).unwrap_or(tag);
            let safety = if is_exact_version(tag) {
                Safety::Safe
            } else {
                Safety::Unsafe
            };
            (sha.to_string(), comment.to_string(), safety)
        }
        None => {
            let sha = site.resolver?.resolve(action, tag)?;
            if !is_sha(&sha) {
                return None;
            }
            (sha.to_ascii_lowercase(), tag.to_string(), Safety::Safe)
        }
    };
    // The scalar's text, without the blanks counted after a closing quote.
    let raw = text.get(node.span.start..super::yaml::scalar_end(text, node))?;
    let raw = raw.trim_end_matches([' ', '\t']);
    let quote = match raw.chars().next() {
        Some(q @ ('\'' | '"')) => Some(q),
        _ => None,
    };
    let inner = match quote {
        Some(q) => raw.strip_prefix(q)?.strip_suffix(q)?,
        None => raw,
    };
    if inner != value {
        return None; // escapes or folding: leave it
    }
    let new_value = format!("{action}@{sha}");
    let value_start = node.span.start + usize::from(quote.is_some());
    let mut edits = vec![Edit::replace(
        value_start,
        value_start + inner.len(),
        new_value.clone(),
    )];
    // The comment: after the scalar, on a line that holds nothing else after it,
    // replacing a version comment already there.
    let end = node.span.start + raw.len();
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let rest = &text[end..line_end];
    let rest_trim = rest.trim_end_matches('\r');
    let trimmed = rest_trim.trim_start();
    if trimmed.is_empty() {
        edits.push(Edit::insert(end + rest_trim.len(), format!(" # {comment}")));
    } else if let Some(old) = trimmed.strip_prefix('#') {
        let old = old.trim();
        let versionish = old
            .trim_start_matches("tag=")
            .trim_start_matches("ratchet:")
            .split(['@', ' '])
            .next_back()
            .is_some_and(|v| {
                v.trim_start_matches('v')
                    .starts_with(|c: char| c.is_ascii_digit())
            });
        if versionish || old.is_empty() {
            let hash = end + (rest_trim.len() - trimmed.len());
            edits.push(Edit::replace(
                hash,
                end + rest_trim.len(),
                format!("# {comment}"),
            ));
        } else {
            // Another comment stays, after the version.
            edits.push(Edit::insert(end, format!(" # {comment}")));
        }
    } else {
        return None; // flow context: a comment would end the line
    }
    let mut plan = site.plan(
        safety,
        format!("pin `{value}` to `{sha}` (`{comment}`)"),
        edits,
    );
    // A workflow onboarded to `actions.lock` runs only what the lock lists: the lock
    // follows the pin, or the pin is not made.
    if let Some(lock) = actions_lock::of(site.repo) {
        if lock.workflow(&site.file.path).is_some() && !value.contains("/.github/workflows/") {
            let (repo, _) = actions_lock::split(value)?;
            let ids = lock
                .ids(&repo)
                .or_else(|| site.resolver.and_then(|r| r.repo_ids(&repo)))?;
            let lock_edits = lock_edits::edits(
                &lock,
                &lock_edits::Locking {
                    workflow: &site.file.path,
                    uses: &new_value,
                    was: Some(value),
                    sha: &sha,
                    tag: &comment,
                    ids,
                },
            )?;
            plan.edits.extend(
                lock_edits
                    .into_iter()
                    .map(|e| (actions_lock::PATH.to_string(), e)),
            );
        }
    }
    plan.renames.push((value.to_string(), new_value));
    plan.rename_lines = site.doc().and_then(|d| super::step_lines(d, site.offset));
    Some(plan)
}
