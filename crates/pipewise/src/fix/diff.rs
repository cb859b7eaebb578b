//! Unified diffs of the files `fix` changes (what `--diff` prints).

/// A unified diff (`--- a/PATH`, `+++ b/PATH`, hunks with three lines of context).
pub fn unified(path: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}
