//! `if:` values as the runner reads them, for the condition rules
//! (`unsound-condition`, `spoofable-bot-check`, `unsound-contains`).
//!
//! GitHub evaluates an `if:` in one of two ways. A value that is exactly one
//! `${{ … }}` (or that has no `${{` at all) is an expression. Anything else — a
//! `${{ }}` with text around it, two fences joined by `&&`, a block scalar whose
//! value keeps its final newline — is a string template: the fences are filled in
//! and the resulting non-empty string is truthy, so the condition always passes.

use crate::github::expr::{self, Expr};
use pipewise_yaml::Node;

/// How the runner reads one `if:` value.
pub enum Read {
    /// An expression; its spans are offsets into the scalar's value.
    Expr(Expr),
    /// A template with `${{ }}` inside a longer string: always true.
    Template,
    /// Not a string, or not parseable: nothing to say.
    Unknown,
}

/// Reads an `if:` scalar.
pub fn read(node: &Node) -> Read {
    let Some(v) = node.as_str() else {
        // `if: true` parses as a YAML boolean scalar but `as_str` still gives its text;
        // a map or a sequence is a schema error reported elsewhere.
        return Read::Unknown;
    };
    if !v.contains("${{") {
        return match expr::parse(v) {
            Ok(e) => Read::Expr(e),
            Err(_) => Read::Unknown,
        };
    }
    let embedded = expr::find_embedded(v);
    match embedded.as_slice() {
        [one] if one.span.start == 0 && one.span.end == v.len() => match &one.expr {
            Ok(e) => Read::Expr(e.clone()),
            Err(_) => Read::Unknown,
        },
        // A `${{` inside a literal string of a plain expression is not a fence.
        _ if embedded.iter().all(|e| e.expr.is_err()) => Read::Unknown,
        _ => Read::Template,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use pipewise_yaml::Document;

    fn read_yaml(src: &str) -> Read {
        let doc = Document::parse(src.to_string()).expect("yaml");
        let node = doc.root.get("if").expect("if").clone();
        read(&node)
    }

    #[test]
    fn templates_are_always_true() {
        assert!(matches!(
            read_yaml("if: ${{ github.actor == 'a' }} && ${{ github.ref == 'b' }}\n"),
            Read::Template
        ));
        assert!(matches!(
            read_yaml("if: |\n  ${{ github.actor == 'a' }}\n"),
            Read::Template
        ));
        assert!(matches!(read_yaml("if: \"${{ x }} \"\n"), Read::Template));
        assert!(matches!(
            read_yaml("if: ${{ github.actor == 'a' }}\n"),
            Read::Expr(_)
        ));
        assert!(matches!(
            read_yaml("if: >-\n  ${{ github.actor == 'a' }}\n"),
            Read::Expr(_)
        ));
        assert!(matches!(
            read_yaml("if: github.actor == 'a'\n"),
            Read::Expr(_)
        ));
        assert!(matches!(read_yaml("if: true\n"), Read::Expr(_)));
    }
}
