//! Span-based YAML edits that change only the bytes they mean to: a new key is
//! inserted as new lines (or `, key: value` in a flow mapping) with the file's own
//! indentation and line ending; a value is replaced in place; an entry is removed
//! with its line. Comments, quoting, key order, anchors and non-ASCII text around
//! the edit are untouched because they are never rewritten.

use super::Edit;
use pipewise_yaml::{Entry, Node, NodeKind};

/// The file's line ending: `\r\n` when its first line ends so, else `\n`.
pub fn eol(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Byte offset of the start of the line holding `pos`.
pub fn line_start(text: &str, pos: usize) -> usize {
    let pos = pos.min(text.len());
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// Byte offset just past the line break ending the line that holds `pos` (the text
/// length when the last line has none). A position already at a line start (a block
/// scalar's span ends after its final break) stays there.
pub fn after_line(text: &str, pos: usize) -> usize {
    let pos = pos.min(text.len());
    // A node whose span ends after only indentation on its line (a block scalar's
    // span runs to the next key's column) ended on the line before.
    let start = line_start(text, pos);
    if text[start..pos].bytes().all(|b| b == b' ' || b == b'\t') {
        return start;
    }
    text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1)
}

/// The column (in bytes) of `pos` when only blanks and sequence dashes precede it on
/// its line (a block key); `None` otherwise (flow context, or a key after other text).
pub fn block_indent(text: &str, pos: usize) -> Option<usize> {
    let start = line_start(text, pos);
    let before = text.get(start..pos)?;
    before
        .bytes()
        .all(|b| b == b' ' || b == b'-')
        .then_some(before.len())
}

/// Whether the map is written in flow style (`{a: 1}`).
pub fn is_flow(text: &str, node: &Node) -> bool {
    text.get(node.span.start..)
        .is_some_and(|t| t.trim_start().starts_with('{'))
}

/// Whether the node is an alias (`*name`) or carries an anchor (`&name`): editing it
/// would change every place that refers to it. `owner_end` is where the text that
/// introduces the node starts (the end of its key, or of the `- ` before it).
pub fn anchored(text: &str, owner_end: usize, node: &Node) -> bool {
    // An alias's expanded copy keeps the anchored node's spans, which lie elsewhere.
    if node.span.start < owner_end {
        return true;
    }
    let Some(between) = text.get(owner_end..node.span.start) else {
        return true;
    };
    let without_comments: String = between
        .lines()
        .map(|l| l.split(" #").next().unwrap_or(l))
        .collect();
    let own = text.get(node.span.start..).unwrap_or("");
    without_comments.contains('&')
        || without_comments.contains('*')
        || own.starts_with('&')
        || own.starts_with('*')
}

/// A value to write: a scalar written as given, or a nested block of entries.
#[derive(Debug, Clone)]
pub enum Value {
    Raw(String),
    Map(Vec<(String, Value)>),
}

impl Value {
    pub fn raw(s: impl Into<String>) -> Value {
        Value::Raw(s.into())
    }
}

fn render_block(out: &mut String, key: &str, value: &Value, indent: usize, unit: usize, nl: &str) {
    out.push_str(&" ".repeat(indent));
    out.push_str(key);
    out.push(':');
    match value {
        Value::Raw(s) => {
            out.push(' ');
            out.push_str(s);
            out.push_str(nl);
        }
        Value::Map(entries) => {
            out.push_str(nl);
            for (k, v) in entries {
                render_block(out, k, v, indent + unit, unit, nl);
            }
        }
    }
}

fn render_flow(key: &str, value: &Value) -> String {
    match value {
        Value::Raw(s) => format!("{key}: {s}"),
        Value::Map(entries) => format!(
            "{key}: {{{}}}",
            entries
                .iter()
                .map(|(k, v)| render_flow(k, v))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The indentation step used under `map`'s keys: the offset of the first nested
/// block mapping's keys, else 2.
pub fn indent_unit(text: &str, map: &Node) -> usize {
    let mut unit = None;
    map.walk(&mut |n| {
        if unit.is_some() {
            return;
        }
        if let Some(es) = n.as_map() {
            for e in es {
                if let (Some(k), Some(inner)) = (
                    block_indent(text, e.key.span.start),
                    e.value.as_map().and_then(|m| m.first()),
                ) {
                    if let Some(ik) = block_indent(text, inner.key.span.start) {
                        if ik > k
                            && line_start(text, inner.key.span.start)
                                != line_start(text, e.key.span.start)
                        {
                            unit = Some(ik - k);
                            return;
                        }
                    }
                }
            }
        }
    });
    unit.unwrap_or(2)
}

/// Inserts `key: value` into `map` after its entry `after` (or after its last entry).
/// Block mappings get new lines at the keys' indentation; flow mappings get
/// `, key: value` before the closing brace. `None` when the map cannot be edited
/// safely (empty block map, a key not at a block position, an unbalanced flow map).
pub fn insert_entry(
    text: &str,
    map: &Node,
    after: Option<&Entry>,
    key: &str,
    value: &Value,
) -> Option<Edit> {
    let entries = map.as_map()?;
    let nl = eol(text);
    if is_flow(text, map) {
        let close = flow_close(text, map.span.end, b'}')?;
        let sep = if entries.is_empty() { "" } else { ", " };
        return Some(Edit::insert(
            close,
            format!("{sep}{}", render_flow(key, value)),
        ));
    }
    let last = after.or(entries.last())?;
    let first = entries.first()?;
    let indent = block_indent(text, first.key.span.start)?;
    let unit = indent_unit(text, map);
    let end = entry_end(text, last);
    let at = after_line(text, end);
    let mut out = String::new();
    if at == text.len() && !text.ends_with('\n') {
        out.push_str(nl);
    }
    render_block(&mut out, key, value, indent, unit, nl);
    Some(Edit::insert(at, out))
}

/// The closing bracket of a flow collection whose span ends at `end` (saphyr ends it
/// at its last item): only blanks, line breaks, comments and a trailing comma may
/// come between.
fn flow_close(text: &str, end: usize, bracket: u8) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = end;
    while i < b.len() {
        match b[i] {
            c if c == bracket => return Some(i),
            b' ' | b'\t' | b'\r' | b'\n' | b',' => i += 1,
            b'#' => i += text[i..].find('\n')?,
            _ => return None,
        }
    }
    None
}

/// Where a scalar's own text ends: past its closing quote for a quoted scalar (whose
/// span may run over the blanks and a comment after it), else its span's end.
pub fn scalar_end(text: &str, node: &Node) -> usize {
    let NodeKind::Scalar { style, .. } = &node.kind else {
        return node.span.end;
    };
    let b = text.as_bytes();
    let start = node.span.start;
    let quote = match style {
        pipewise_yaml::Style::SingleQuoted => b'\'',
        pipewise_yaml::Style::DoubleQuoted => b'"',
        _ => return node.span.end.min(text.len()),
    };
    let mut i = start + 1;
    while i < b.len() {
        if quote == b'"' && b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == quote {
            if quote == b'\'' && b.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    node.span.end.min(text.len())
}

/// Where an entry's text ends (its value's span, or its key's for an empty value).
pub fn entry_end(text: &str, e: &Entry) -> usize {
    let mut end = e.value.span.end.max(e.key.span.end);
    // Nested collections: the deepest last child ends the entry.
    e.value.walk(&mut |n| end = end.max(n.span.end));
    end.min(text.len())
}

/// Inserts a top-level or job-level entry before `before` (at the start of its line),
/// for keys that read best above another (`permissions:` above `jobs:`).
pub fn insert_before(
    text: &str,
    before: &Entry,
    key: &str,
    value: &Value,
    unit: usize,
) -> Option<Edit> {
    let indent = block_indent(text, before.key.span.start)?;
    let start = line_start(text, before.key.span.start);
    // Only when the key starts its line (not the first key after `- `).
    if text.get(start..before.key.span.start)?.contains('-') {
        return None;
    }
    let mut out = String::new();
    render_block(&mut out, key, value, indent, unit, eol(text));
    Some(Edit::insert(start, out))
}

/// Replaces a scalar's text (its span, without the blanks saphyr counts after a
/// closing quote).
pub fn replace_scalar(text: &str, node: &Node, new: &str) -> Option<Edit> {
    if !matches!(node.kind, NodeKind::Scalar { .. }) {
        return None;
    }
    let end = scalar_end(text, node);
    let raw = text.get(node.span.start..end)?;
    let trimmed = raw.trim_end_matches([' ', '\t']);
    Some(Edit::replace(
        node.span.start,
        node.span.start + trimmed.len(),
        new.to_string(),
    ))
}

/// Removes a one-line entry with its line, when the line holds nothing else (no
/// comment, no `- `). `None` otherwise.
pub fn remove_entry_line(text: &str, e: &Entry) -> Option<Edit> {
    let start = line_start(text, e.key.span.start);
    if !text
        .get(start..e.key.span.start)?
        .bytes()
        .all(|b| b == b' ')
    {
        return None;
    }
    let end = entry_end(text, e);
    let stop = after_line(text, end);
    let rest = text.get(end..stop)?.trim();
    if !rest.is_empty() || line_start(text, end) != start {
        return None;
    }
    Some(Edit::replace(start, stop, String::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipewise_yaml::Document;

    fn apply(text: &str, e: &Edit) -> String {
        let mut s = text.to_string();
        s.replace_range(e.start..e.end, &e.text);
        s
    }

    fn doc(s: &str) -> Document {
        Document::parse(s.to_string()).expect("parses")
    }

    #[test]
    fn inserts_into_a_step_with_the_keys_indentation_and_crlf() {
        let src = "steps:\r\n  - uses: actions/checkout@v4 # pinned later\r\n    with:\r\n      fetch-depth: 0\r\n  - run: echo é\r\n";
        let d = doc(src);
        let step = &d.root.get("steps").unwrap().as_seq().unwrap()[0];
        let with = step.get("with").unwrap();
        let e = insert_entry(src, with, None, "persist-credentials", &Value::raw("false")).unwrap();
        let out = apply(src, &e);
        assert_eq!(
            out,
            "steps:\r\n  - uses: actions/checkout@v4 # pinned later\r\n    with:\r\n      fetch-depth: 0\r\n      persist-credentials: false\r\n  - run: echo é\r\n"
        );
        doc(&out);
    }

    #[test]
    fn inserts_a_nested_block_after_the_first_key_of_a_sequence_item() {
        let src = "steps:\n  - uses: actions/checkout@v4\n  - run: make\n";
        let d = doc(src);
        let step = &d.root.get("steps").unwrap().as_seq().unwrap()[0];
        let v = Value::Map(vec![("persist-credentials".into(), Value::raw("false"))]);
        let out = apply(src, &insert_entry(src, step, None, "with", &v).unwrap());
        assert_eq!(
            out,
            "steps:\n  - uses: actions/checkout@v4\n    with:\n      persist-credentials: false\n  - run: make\n"
        );
    }

    #[test]
    fn inserts_into_flow_maps_and_at_eof_without_newline() {
        let src = "a: {x: 1, y: 2}\nb: 1";
        let d = doc(src);
        let out = apply(
            src,
            &insert_entry(src, d.root.get("a").unwrap(), None, "z", &Value::raw("3")).unwrap(),
        );
        assert_eq!(out, "a: {x: 1, y: 2, z: 3}\nb: 1");
        let out = apply(
            src,
            &insert_entry(src, &d.root, None, "c", &Value::raw("2")).unwrap(),
        );
        assert_eq!(out, "a: {x: 1, y: 2}\nb: 1\nc: 2\n");
    }

    #[test]
    fn block_scalar_values_keep_their_text() {
        let src = "job:\n  steps:\n    - run: |\n        make\n\n        make test\n  other: 1\n";
        let d = doc(src);
        let job = d.root.get("job").unwrap();
        let steps = job.entry("steps").unwrap();
        let out = apply(
            src,
            &insert_entry(src, job, Some(steps), "timeout-minutes", &Value::raw("30")).unwrap(),
        );
        assert_eq!(
            out,
            "job:\n  steps:\n    - run: |\n        make\n\n        make test\n  timeout-minutes: 30\n  other: 1\n"
        );
        doc(&out);
    }

    #[test]
    fn removal_keeps_comments_and_dashes() {
        let src = "- name: t\n  continue-on-error: true\n  run: x\n- continue-on-error: true\n  run: y\n- name: z\n  continue-on-error: true # flaky\n";
        let d = doc(src);
        let items = d.root.as_seq().unwrap();
        let e0 = items[0].entry("continue-on-error").unwrap();
        assert_eq!(
            apply(src, &remove_entry_line(src, e0).unwrap()),
            src.replace("  continue-on-error: true\n  run: x", "  run: x")
        );
        assert!(remove_entry_line(src, items[1].entry("continue-on-error").unwrap()).is_none());
        assert!(remove_entry_line(src, items[2].entry("continue-on-error").unwrap()).is_none());
    }

    #[test]
    fn anchors_and_aliases_are_seen() {
        let src = "a: &x\n  k: 1\nb: *x\nc:\n  k: 1\n";
        let d = doc(src);
        for (key, want) in [("a", true), ("b", true), ("c", false)] {
            let e = d.root.entry(key).unwrap();
            assert_eq!(anchored(src, e.key.span.end, &e.value), want, "{key}");
        }
    }

    #[test]
    fn replaces_a_quoted_scalar_without_the_blanks_after_it() {
        let src = "a: 'x'   # c\n";
        let d = doc(src);
        let out = apply(
            src,
            &replace_scalar(src, d.root.get("a").unwrap(), "'y'").unwrap(),
        );
        assert_eq!(out, "a: 'y'   # c\n");
    }
}
