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

/// Whether [`read`] gives an expression that is not a constant (or nothing), found
/// without parsing: the expression (the whole value, or its one `${{ }}` fence) leads,
/// after any `!` and `(`, with a name that is not a literal keyword (`github.ref ==
/// …`, `always()`, `startsWith(…)`). Its leftmost operand is then a context or a
/// call, so the expression is not a constant whatever follows; a value that does not
/// parse reads as nothing. `unsound-condition` skips such values (most `if:`s)
/// unparsed. `false` says nothing.
pub fn leads_with_a_name(node: &Node) -> bool {
    let Some(v) = node.as_str() else {
        return false;
    };
    let inner = if expr::find_open(v.as_bytes(), 0).is_none() {
        v
    } else {
        // Exactly one fence, the whole value (as `read` takes it).
        match v.strip_prefix("${{") {
            Some(rest) if expr::find_close(v.as_bytes(), 3) == Ok(v.len().saturating_sub(2)) => {
                rest.get(..rest.len().saturating_sub(2)).unwrap_or("")
            }
            _ => return false,
        }
    };
    let b = inner.as_bytes();
    let Some(start) = b.iter().position(|c| {
        !matches!(
            c,
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c' | b'!' | b'('
        )
    }) else {
        return false;
    };
    let end = b
        .get(start..)
        .unwrap_or_default()
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_' || c == b'-'))
        .map_or(b.len(), |n| start + n);
    let starts_a_name = b
        .get(start)
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_');
    starts_a_name
        && !matches!(
            inner.get(start..end),
            Some("null" | "true" | "false" | "Infinity" | "NaN")
        )
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

    /// A value that leads with a name is never read as a constant, and the values
    /// it passes over are the ones that may be.
    #[test]
    fn values_leading_with_a_name_are_never_constants() {
        let texts = [
            "github.actor == 'a'",
            "always()",
            "!cancelled() && true",
            "(github.event_name == 'push') || true",
            " !( startsWith(github.ref, 'refs/tags/') )",
            "${{ github.actor == 'a' }}",
            "${{ success() }}",
            "_x",
            "a-b",
            "True",
            "nulls",
            "github.x = 1",
            "true",
            "!false",
            "(true)",
            " ( ! null ) ",
            "'github.actor == x'",
            "1",
            "-Infinity",
            "NaN",
            "Infinity",
            "${{ true }}",
            "${{ !false }}",
            "${{ true }} ",
            "${{ github.x }} && ${{ github.y }}",
            "${{ github.x }}\n",
            "x ${{ github.x }}",
            "${{ github.x",
            "${{ 'a }}' }}",
            "${{ '}}' == github.x }}",
            "",
            "   ",
            "!",
            "(",
            "é",
        ];
        let mut skipped = 0;
        for t in texts {
            let src = format!("if: {}\n", serde_json::to_string(t).unwrap());
            let doc = Document::parse(src).expect("yaml");
            let node = doc.root.get("if").expect("if");
            let skip = leads_with_a_name(node);
            if skip {
                skipped += 1;
                let constant = match read(node) {
                    Read::Expr(e) => e.as_literal_bool().is_some(),
                    Read::Template => true,
                    Read::Unknown => false,
                };
                assert!(
                    !constant,
                    "{t:?} was skipped but reads as a constant or template"
                );
            }
        }
        assert_eq!(skipped, 12, "names lead in the first 12 texts only");
        assert!(!leads_with_a_name(
            Document::parse("if: true\n".into())
                .unwrap()
                .root
                .get("if")
                .unwrap()
        ));
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
