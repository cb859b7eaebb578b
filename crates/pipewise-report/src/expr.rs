//! The delimiters of GitHub's `${{ … }}` expressions, as text. The engine's parser
//! (`pipewise::github::expr`) finds where an expression closes with
//! [`find_close`], and a graph's job labels (`render::graph::job_label`) read the
//! expressions in a job's name with [`embedded`]: the same pieces the parser sees.

use std::ops::Range;

/// Offset of the closing `}}` at or after `from` (a `}}` inside a single-quoted
/// string does not close), or `Err(Some(offset of an unclosed quote))` /
/// `Err(None)` if there is none.
#[inline]
pub fn find_close(bytes: &[u8], from: usize) -> Result<usize, Option<usize>> {
    let mut i = from;
    let mut string_start: Option<usize> = None;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        if string_start.is_some() {
            if b == b'\'' {
                if next == Some(b'\'') {
                    i += 2;
                    continue;
                }
                string_start = None;
            }
        } else if b == b'\'' {
            string_start = Some(i);
        } else if b == b'}' && next == Some(b'}') {
            return Ok(i);
        }
        i += 1;
    }
    Err(string_start)
}

/// One `${{ … }}` of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embedded {
    /// The whole `${{ … }}`; an unclosed one runs to the end of the text.
    pub span: Range<usize>,
    /// What is between the delimiters.
    pub inner: Range<usize>,
    /// Whether its `}}` was found.
    pub closed: bool,
}

/// The `${{ … }}` expressions of `text`, in order, as the engine's parser finds
/// them (`pipewise::github::expr::find_embedded`; a test there checks they agree).
pub fn embedded(text: &str) -> Vec<Embedded> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(start) = text.get(pos..).and_then(|t| t.find("${{")).map(|p| p + pos) {
        let inner = start + 3;
        match find_close(bytes, inner) {
            Ok(close) => {
                out.push(Embedded {
                    span: start..close + 2,
                    inner: inner..close,
                    closed: true,
                });
                pos = close + 2;
            }
            Err(_) => {
                out.push(Embedded {
                    span: start..bytes.len(),
                    inner: inner..bytes.len(),
                    closed: false,
                });
                break;
            }
        }
    }
    out
}

/// Whether the expression `inner` (untrimmed) is `matrix.KEY` to the engine's
/// parser, with `KEY` a property name (ASCII letters, digits, `_` and `-`, not
/// starting with `-`); the parser's whitespace is ASCII only.
pub fn is_matrix_key(inner: &str) -> Option<&str> {
    let ws = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c');
    let key = inner.trim_matches(ws).strip_prefix("matrix.")?;
    let mut bytes = key.bytes();
    let first = bytes.next()?;
    ((first.is_ascii_alphanumeric() || first == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
    .then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_close_outside_strings() {
        let t = "a ${{ 'x}}y' }} b ${{ matrix.os }}";
        let e = embedded(t);
        assert_eq!(e.len(), 2);
        assert_eq!(&t[e[0].inner.clone()], " 'x}}y' ");
        assert_eq!(&t[e[1].span.clone()], "${{ matrix.os }}");
        let open = embedded("x ${{ matrix.os");
        assert_eq!((open.len(), open[0].closed), (1, false));
        assert_eq!(open[0].span, 2..15);
        assert_eq!(is_matrix_key(" matrix.os "), Some("os"));
        assert_eq!(is_matrix_key("matrix.-os"), None);
        assert_eq!(is_matrix_key("matrix.é"), None);
        assert_eq!(is_matrix_key("matrix.os\u{a0}"), None);
    }
}
