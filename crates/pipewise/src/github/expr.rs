//! GitHub Actions expression language (`${{ ... }}`) with exact byte spans.
//!
//! This module owns everything about the *syntax* of workflow expressions:
//!
//! * [`find_embedded`] locates every `${{ ... }}` in a string value (a `run:`
//!   script, a `with:` input, an `if:` value, ...), honouring `}}` inside
//!   single-quoted string literals and reporting unterminated `${{`.
//! * [`parse`] / [`parse_at`] turn a bare expression (e.g. an `if:` condition
//!   without the `${{ }}` wrapper) into an [`Expr`] tree.
//! * [`Expr::contexts`], [`Expr::calls`] and [`Expr::as_literal_bool`] are the
//!   queries the audit rules need: which contexts are read (and where), which
//!   functions are called, and whether the expression is a constant.
//!
//! Every [`Span`] is a pair of byte offsets into the string that was passed
//! in (plus `base` for [`parse_at`]), so callers can map them back onto the
//! YAML file. The grammar follows GitHub's documentation ("Evaluate
//! expressions in workflows and actions"):
//!
//! ```text
//! or      := and ( '||' and )*
//! and     := eq ( '&&' eq )*
//! eq      := cmp ( ( '==' | '!=' ) cmp )*
//! cmp     := unary ( ( '<' | '<=' | '>' | '>=' ) unary )*
//! unary   := '!' unary | postfix
//! postfix := primary ( '.' name | '.' '*' | '[' ( '*' | or ) ']' )*
//! primary := literal | name '(' [ or ( ',' or )* ] ')' | name | '(' or ')'
//! ```
//!
//! Literals are `null`, `true`, `false`, numbers (decimal, exponent, `0x`
//! hex, `0o` octal, optional sign, `Infinity`, `NaN`) and single-quoted
//! strings with `''` as the escape for a quote. Names consist of ASCII
//! letters, digits, `_` and `-` and start with a letter or `_` (after a `.`
//! any run of those characters is accepted as a property name).
//!
//! The lexer is a single pass over the bytes (no regex) and the parser is a
//! recursive-descent parser. No input makes either panic: nesting and tree
//! depth are bounded by [`MAX_DEPTH`] (deeper input is a [`ParseError`]), so
//! stack use is bounded too (about 1 MiB at the limit in a debug build, a
//! small fraction of that in release).

use std::fmt;
use std::iter::Peekable;
use std::vec::IntoIter;

/// Maximum nesting depth (parentheses, `!`, indexes, call arguments) and
/// maximum depth of the resulting expression tree. Deeper input is rejected
/// with a [`ParseError`] instead of risking a stack overflow.
pub const MAX_DEPTH: usize = 200;

/// A half-open range of byte offsets `start..end`.
pub use pipewise_yaml::Span;

/// From the start of `a` to the end of `b`.
fn join(a: Span, b: Span) -> Span {
    Span::new(a.start, b.end)
}

/// One `${{ ... }}` occurrence found by [`find_embedded`].
#[derive(Debug, Clone, PartialEq)]
pub struct Embedded {
    /// The whole `${{ ... }}` including the delimiters. For an unterminated
    /// `${{` it runs to the end of the text.
    pub span: Span,
    /// The text between `${{` and `}}` (whitespace included).
    pub inner: Span,
    /// The parsed expression; spans inside are offsets into the text passed
    /// to [`find_embedded`].
    pub expr: Result<Expr, ParseError>,
}

/// A syntax error at byte `offset`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

impl ParseError {
    fn new(offset: usize, message: impl Into<String>) -> Self {
        ParseError {
            offset,
            message: message.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

impl std::error::Error for ParseError {}

/// A parsed expression node.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    /// Source range of the node. A parenthesised expression's span includes
    /// the parentheses.
    pub span: Span,
}

/// The shape of an [`Expr`].
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Number(f64),
    /// A string literal, with `''` escapes already resolved.
    String(String),
    /// A context access such as `github.event.issue.title`, `matrix['os']`
    /// or `github.event.commits.*.message`. The first part is always a
    /// [`PathKind::Name`] (the context name, e.g. `github`).
    Context(Vec<PathPart>),
    /// Property access / indexing on something that is not a context, e.g.
    /// `fromJSON(steps.x.outputs.y).foo` or `(x || y)[0]`.
    Index {
        base: Box<Expr>,
        path: Vec<PathPart>,
    },
    /// A function call, name as written (GitHub function names are
    /// case-insensitive; [`Expr::calls`] lowercases them).
    Call {
        name: String,
        args: Vec<Expr>,
    },
    Unary {
        op: UnaryOp,
        expr: Box<Expr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
}

/// One step of a property path.
#[derive(Debug, Clone, PartialEq)]
pub struct PathPart {
    pub kind: PathKind,
    /// For a name, the name itself; for `.*` the `*`; for an index the whole
    /// `[...]`.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PathKind {
    /// `.name` (or the context name itself for the first part).
    Name(String),
    /// `.*` or `[*]` (object/array filter).
    Wildcard,
    /// `[expr]`.
    Index(Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "&&",
            BinOp::Or => "||",
        }
    }
}

impl fmt::Display for BinOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Expr {
    /// Calls `f` on this node and every sub-expression, in pre-order (which
    /// is also source order): index expressions inside paths, call
    /// arguments, operands.
    pub fn visit<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Null | ExprKind::Bool(_) | ExprKind::Number(_) | ExprKind::String(_) => {}
            ExprKind::Context(parts) => visit_parts(parts, f),
            ExprKind::Index { base, path } => {
                base.visit(f);
                visit_parts(path, f);
            }
            ExprKind::Call { args, .. } => {
                for arg in args {
                    arg.visit(f);
                }
            }
            ExprKind::Unary { expr, .. } => expr.visit(f),
            ExprKind::Binary { lhs, rhs, .. } => {
                lhs.visit(f);
                rhs.visit(f);
            }
        }
    }

    /// Every context access in the expression as a dotted lowercase path,
    /// with the span of the whole access, in source order.
    ///
    /// `.name` and `['name']` both become `.name`; `.*`, `[*]`, `[0]` and
    /// `[<non-literal expression>]` become `.*`. Context accesses inside an
    /// index expression are reported too, so `secrets[matrix.name]` yields
    /// `secrets.*` and `matrix.name`.
    pub fn contexts(&self) -> Vec<(String, Span)> {
        let mut out = Vec::new();
        self.visit(&mut |e| {
            if let ExprKind::Context(parts) = &e.kind {
                out.push((context_path(parts), e.span));
            }
        });
        out
    }

    /// Every function call as `(lowercase name, span of the call)`, in
    /// source order (outer calls before the calls in their arguments).
    pub fn calls(&self) -> Vec<(String, Span)> {
        let mut out = Vec::new();
        self.visit(&mut |e| {
            if let ExprKind::Call { name, .. } = &e.kind {
                out.push((name.to_ascii_lowercase(), e.span));
            }
        });
        out
    }

    /// `Some(truthiness)` if the expression is a constant: a literal
    /// (`null`, `true`, `false`, a number or a string) or `!` applied to a
    /// constant. Truthiness follows GitHub's coercion rules: `null`,
    /// `false`, `0`, `NaN` and `''` are false, everything else is true.
    /// `None` for anything that depends on contexts or functions.
    pub fn as_literal_bool(&self) -> Option<bool> {
        match &self.kind {
            ExprKind::Null => Some(false),
            ExprKind::Bool(b) => Some(*b),
            ExprKind::Number(n) => Some(*n != 0.0 && !n.is_nan()),
            ExprKind::String(s) => Some(!s.is_empty()),
            ExprKind::Unary {
                op: UnaryOp::Not,
                expr,
            } => expr.as_literal_bool().map(|b| !b),
            _ => None,
        }
    }

    /// true for `null`, booleans, numbers and strings.
    pub fn is_literal(&self) -> bool {
        matches!(
            self.kind,
            ExprKind::Null | ExprKind::Bool(_) | ExprKind::Number(_) | ExprKind::String(_)
        )
    }

    /// The dotted lowercase path if this node is a context access
    /// (see [`Expr::contexts`] for the format).
    pub fn context_path(&self) -> Option<String> {
        match &self.kind {
            ExprKind::Context(parts) => Some(context_path(parts)),
            _ => None,
        }
    }
}

fn visit_parts<'a>(parts: &'a [PathPart], f: &mut dyn FnMut(&'a Expr)) {
    for part in parts {
        if let PathKind::Index(e) = &part.kind {
            e.visit(f);
        }
    }
}

/// Renders a context path as dotted lowercase text (see [`Expr::contexts`]).
pub fn context_path(parts: &[PathPart]) -> String {
    // One allocation: names are lower-cased in place once appended (the conditions of
    // every job and step are rendered per scenario).
    let cap = parts
        .iter()
        .map(|p| match &p.kind {
            PathKind::Name(n) => n.len() + 1,
            _ => 2,
        })
        .sum();
    let mut out = String::with_capacity(cap);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        match &part.kind {
            PathKind::Name(n) => {
                let at = out.len();
                out.push_str(n);
                if let Some(tail) = out.get_mut(at..) {
                    tail.make_ascii_lowercase();
                }
            }
            PathKind::Wildcard => out.push('*'),
            PathKind::Index(e) => match &e.kind {
                ExprKind::String(s) => out.push_str(&s.to_lowercase()),
                _ => out.push('*'),
            },
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Finding `${{ ... }}`
// ---------------------------------------------------------------------------

/// Finds every `${{ ... }}` in `text`, in order. The closing `}}` is the
/// first one outside a single-quoted string literal. An unterminated `${{`
/// yields a final [`Embedded`] that runs to the end of `text` and whose
/// `expr` is an error. All spans are byte offsets into `text`.
pub fn find_embedded(text: &str) -> Vec<Embedded> {
    find_embedded_where(text, |_| true)
}

/// [`find_embedded`], keeping (and parsing) only the expressions whose source text
/// passes `keep` (e.g. those that mention `secrets`): cheaper when most are irrelevant.
pub fn find_embedded_where(text: &str, keep: impl Fn(&str) -> bool) -> Vec<Embedded> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(start) = find_open(bytes, pos) {
        let inner_start = start + 3;
        match find_close(bytes, inner_start) {
            Ok(close) => {
                let inner = Span::new(inner_start, close);
                pos = close + 2;
                if !text.get(inner_start..close).is_some_and(&keep) {
                    continue;
                }
                let expr = match text.get(inner_start..close) {
                    Some(src) => parse_at(src, inner_start),
                    None => Err(ParseError::new(inner_start, "invalid expression range")),
                };
                out.push(Embedded {
                    span: Span::new(start, close + 2),
                    inner,
                    expr,
                });
            }
            Err(open_string) => {
                let message = match open_string {
                    Some(at) => format!(
                        "unterminated `${{{{`: no closing `}}}}` found \
                         (string literal opened at byte {at} is not closed)"
                    ),
                    None => "unterminated `${{`: no closing `}}` found".to_string(),
                };
                out.push(Embedded {
                    span: Span::new(start, bytes.len()),
                    inner: Span::new(inner_start, bytes.len()),
                    expr: Err(ParseError::new(start, message)),
                });
                break;
            }
        }
    }
    out
}

pub(crate) fn find_open(bytes: &[u8], from: usize) -> Option<usize> {
    // Built once: `memmem::find` builds a searcher on every call, which cost more
    // than the search in the short texts (values, step fields) asked here.
    static OPEN: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"${{"));
    let rest = bytes.get(from..)?;
    OPEN.find(rest).map(|p| p + from)
}

/// Offset of the closing `}}`, or `Err(Some(offset of an unclosed quote))`
/// / `Err(None)` if there is none (the report crate's, which a job label reads too).
pub(crate) use pipewise_report::expr::find_close;

// ---------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Null,
    True,
    False,
    Number(f64),
    Str(String),
    Dot,
    Star,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
    Not,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Eof,
}

impl Tok {
    /// Whether this token can end an operand (so a following `.` is a
    /// dereference rather than the start of a number like `.5`).
    fn ends_value(&self) -> bool {
        matches!(
            self,
            Tok::Ident(_)
                | Tok::Null
                | Tok::True
                | Tok::False
                | Tok::Number(_)
                | Tok::Str(_)
                | Tok::RParen
                | Tok::RBracket
                | Tok::Star
        )
    }

    fn describe(&self) -> String {
        match self {
            Tok::Ident(n) => format!("name `{n}`"),
            Tok::Null => "`null`".into(),
            Tok::True => "`true`".into(),
            Tok::False => "`false`".into(),
            Tok::Number(_) => "number".into(),
            Tok::Str(_) => "string literal".into(),
            Tok::Dot => "`.`".into(),
            Tok::Star => "`*`".into(),
            Tok::LBracket => "`[`".into(),
            Tok::RBracket => "`]`".into(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Not => "`!`".into(),
            Tok::Eq => "`==`".into(),
            Tok::Ne => "`!=`".into(),
            Tok::Lt => "`<`".into(),
            Tok::Le => "`<=`".into(),
            Tok::Gt => "`>`".into(),
            Tok::Ge => "`>=`".into(),
            Tok::And => "`&&`".into(),
            Tok::Or => "`||`".into(),
            Tok::Eof => "end of expression".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    tok: Tok,
    span: Span,
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn lex(src: &str, base: usize) -> Result<Vec<Token>, ParseError> {
    let bytes = src.as_bytes();
    // About one token per four bytes of an expression: sized once, not grown.
    let mut toks: Vec<Token> = Vec::with_capacity(bytes.len() / 4 + 4);
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c') {
            i += 1;
            continue;
        }
        let start = i;
        let at = base + start;
        let prev = toks.last().map(|t| &t.tok);
        let after_dot = prev == Some(&Tok::Dot);
        let prev_value = prev.is_some_and(Tok::ends_value);
        let next = bytes.get(i + 1).copied();

        // After `.`, any run of name characters is a property name
        // (`steps.1st`, `inputs.true`, `needs.build-job`).
        if after_dot && (c.is_ascii_alphanumeric() || c == b'_') {
            let end = scan_while(bytes, i, is_name_char);
            toks.push(Token {
                tok: Tok::Ident(slice(src, start, end).to_string()),
                span: Span::new(at, base + end),
            });
            i = end;
            continue;
        }

        let (tok, len) = match c {
            b'(' => (Tok::LParen, 1),
            b')' => (Tok::RParen, 1),
            b'[' => (Tok::LBracket, 1),
            b']' => (Tok::RBracket, 1),
            b',' => (Tok::Comma, 1),
            b'*' => (Tok::Star, 1),
            b'.' if !prev_value && next.is_some_and(|n| n.is_ascii_digit()) => {
                lex_number(src, start, base)?
            }
            b'.' => (Tok::Dot, 1),
            b'!' if next == Some(b'=') => (Tok::Ne, 2),
            b'!' => (Tok::Not, 1),
            b'=' if next == Some(b'=') => (Tok::Eq, 2),
            b'=' => return Err(ParseError::new(at, "unexpected `=` (did you mean `==`?)")),
            b'<' if next == Some(b'=') => (Tok::Le, 2),
            b'<' => (Tok::Lt, 1),
            b'>' if next == Some(b'=') => (Tok::Ge, 2),
            b'>' => (Tok::Gt, 1),
            b'&' if next == Some(b'&') => (Tok::And, 2),
            b'&' => return Err(ParseError::new(at, "unexpected `&` (did you mean `&&`?)")),
            b'|' if next == Some(b'|') => (Tok::Or, 2),
            b'|' => return Err(ParseError::new(at, "unexpected `|` (did you mean `||`?)")),
            b'\'' => lex_string(src, start, base)?,
            b'-' | b'+' => {
                let after = bytes.get(i + 2).copied();
                let digit_follows = next.is_some_and(|n| n.is_ascii_digit())
                    || (next == Some(b'.') && after.is_some_and(|n| n.is_ascii_digit()));
                if digit_follows {
                    lex_number(src, start, base)?
                } else if keyword_at(bytes, i + 1, b"Infinity") {
                    let v = if c == b'-' {
                        f64::NEG_INFINITY
                    } else {
                        f64::INFINITY
                    };
                    (Tok::Number(v), 1 + "Infinity".len())
                } else {
                    return Err(ParseError::new(
                        at,
                        format!("unexpected `{}`", char::from(c)),
                    ));
                }
            }
            b'0'..=b'9' => lex_number(src, start, base)?,
            c if is_name_start(c) => {
                let end = scan_while(bytes, i, is_name_char);
                let word = slice(src, start, end);
                let tok = match word {
                    "null" => Tok::Null,
                    "true" => Tok::True,
                    "false" => Tok::False,
                    "Infinity" => Tok::Number(f64::INFINITY),
                    "NaN" => Tok::Number(f64::NAN),
                    _ => Tok::Ident(word.to_string()),
                };
                (tok, end - start)
            }
            _ => {
                let ch = src.get(start..).and_then(|s| s.chars().next());
                let message = match ch {
                    Some(ch) => format!("unexpected character {ch:?}"),
                    None => "unexpected byte".to_string(),
                };
                return Err(ParseError::new(at, message));
            }
        };
        toks.push(Token {
            tok,
            span: Span::new(at, at + len),
        });
        i += len;
    }
    Ok(toks)
}

fn scan_while(bytes: &[u8], from: usize, pred: fn(u8) -> bool) -> usize {
    let mut j = from;
    while j < bytes.len() && pred(bytes[j]) {
        j += 1;
    }
    j
}

/// `src[start..end]`; the lexer only cuts at ASCII bytes, so this never
/// falls back in practice.
fn slice(src: &str, start: usize, end: usize) -> &str {
    src.get(start..end).unwrap_or("")
}

fn keyword_at(bytes: &[u8], at: usize, kw: &[u8]) -> bool {
    bytes.get(at..).is_some_and(|rest| rest.starts_with(kw))
        && !bytes.get(at + kw.len()).is_some_and(|&b| is_name_char(b))
}

/// Lexes a string literal starting at the opening quote `src[start]`.
fn lex_string(src: &str, start: usize, base: usize) -> Result<(Tok, usize), ParseError> {
    let bytes = src.as_bytes();
    let mut value = String::new();
    let mut seg = start + 1;
    let mut j = start + 1;
    loop {
        match bytes.get(j) {
            None => return Err(ParseError::new(base + start, "unterminated string literal")),
            Some(b'\'') => {
                value.push_str(slice(src, seg, j));
                if bytes.get(j + 1) == Some(&b'\'') {
                    value.push('\'');
                    j += 2;
                    seg = j;
                } else {
                    j += 1;
                    break;
                }
            }
            Some(_) => j += 1,
        }
    }
    Ok((Tok::Str(value), j - start))
}

/// Lexes a number starting at `src[start]` (a digit, `.`, `-` or `+`).
fn lex_number(src: &str, start: usize, base: usize) -> Result<(Tok, usize), ParseError> {
    let bytes = src.as_bytes();
    let mut j = start;
    if matches!(bytes.get(j), Some(b'-' | b'+')) {
        j += 1;
    }
    let radix_prefixed = matches!(bytes.get(j..j + 2), Some(b"0x" | b"0X" | b"0o" | b"0O"));
    while let Some(&b) = bytes.get(j) {
        let exponent_sign = matches!(b, b'+' | b'-')
            && !radix_prefixed
            && matches!(bytes.get(j.wrapping_sub(1)), Some(b'e' | b'E'))
            && j > start + 1;
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || exponent_sign {
            j += 1;
        } else {
            break;
        }
    }
    let text = slice(src, start, j);
    match parse_number(text) {
        Some(v) => Ok((Tok::Number(v), j - start)),
        None => Err(ParseError::new(
            base + start,
            format!("invalid number `{text}`"),
        )),
    }
}

fn parse_number(text: &str) -> Option<f64> {
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..)?),
        Some(b'+') => (false, text.get(1..)?),
        _ => (false, text),
    };
    let radix_body = |prefix_lower: &str, prefix_upper: &str| {
        body.strip_prefix(prefix_lower)
            .or_else(|| body.strip_prefix(prefix_upper))
    };
    let value = if let Some(hex) = radix_body("0x", "0X") {
        parse_radix(hex, 16)?
    } else if let Some(oct) = radix_body("0o", "0O") {
        parse_radix(oct, 8)?
    } else {
        let first = *body.as_bytes().first()?;
        if !(first.is_ascii_digit() || first == b'.') {
            return None;
        }
        if !body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        {
            return None;
        }
        body.parse::<f64>().ok()?
    };
    Some(if negative { -value } else { value })
}

fn parse_radix(digits: &str, radix: u32) -> Option<f64> {
    if digits.is_empty() {
        return None;
    }
    let mut value = 0f64;
    for c in digits.chars() {
        value = value * f64::from(radix) + f64::from(c.to_digit(radix)?);
    }
    Some(value)
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

/// Parses a bare expression (no `${{ }}`), e.g. an `if:` condition. Spans
/// are byte offsets into `text`.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    parse_at(text, 0)
}

/// Like [`parse`], but every span and error offset is shifted by `base`:
/// use it when `text` is a slice that starts at byte `base` of a larger
/// document.
pub fn parse_at(text: &str, base: usize) -> Result<Expr, ParseError> {
    let toks = lex(text, base)?;
    let eof = Span::new(base + text.len(), base + text.len());
    if toks.is_empty() {
        return Err(ParseError::new(base, "empty expression"));
    }
    let mut parser = Parser {
        toks: toks.into_iter().peekable(),
        eof,
        nesting: 0,
    };
    let node = parser.parse_binary(0)?;
    let t = parser.next();
    if t.tok != Tok::Eof {
        return Err(unexpected(&t, "after expression"));
    }
    Ok(*node.expr)
}

/// An expression together with the depth of its tree. Boxed so that the
/// values moved around the recursive parser (and its stack frames) stay
/// small.
struct Node {
    expr: Box<Expr>,
    depth: usize,
}

/// Recursive-descent parser. Binary operators use precedence climbing so
/// that one nesting level (`(`, `[`, call arguments) costs only a handful of
/// stack frames; error messages are built in out-of-line functions to keep
/// those frames small even in debug builds.
struct Parser {
    toks: Peekable<IntoIter<Token>>,
    eof: Span,
    nesting: usize,
}

/// Binary operator and its precedence level (higher binds tighter).
fn binop(tok: &Tok) -> Option<(BinOp, usize)> {
    match tok {
        Tok::Or => Some((BinOp::Or, 0)),
        Tok::And => Some((BinOp::And, 1)),
        Tok::Eq => Some((BinOp::Eq, 2)),
        Tok::Ne => Some((BinOp::Ne, 2)),
        Tok::Lt => Some((BinOp::Lt, 3)),
        Tok::Le => Some((BinOp::Le, 3)),
        Tok::Gt => Some((BinOp::Gt, 3)),
        Tok::Ge => Some((BinOp::Ge, 3)),
        _ => None,
    }
}

impl Parser {
    fn peek(&mut self) -> &Tok {
        match self.toks.peek() {
            Some(t) => &t.tok,
            None => &Tok::Eof,
        }
    }

    fn next(&mut self) -> Token {
        self.toks.next().unwrap_or(Token {
            tok: Tok::Eof,
            span: self.eof,
        })
    }

    fn expect(&mut self, want: Tok, context: &'static str) -> Result<Span, ParseError> {
        let t = self.next();
        if t.tok == want {
            Ok(t.span)
        } else {
            Err(expected(&want, context, &t))
        }
    }

    /// Enters one nesting level, failing beyond [`MAX_DEPTH`]. Errors abort
    /// the whole parse, so only the success paths call [`Parser::leave`].
    fn enter(&mut self, at: usize) -> Result<(), ParseError> {
        if self.nesting >= MAX_DEPTH {
            return Err(too_deep(at));
        }
        self.nesting += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.nesting = self.nesting.saturating_sub(1);
    }

    /// Parses operands joined by operators of precedence `min_level` or
    /// tighter (left-associative).
    fn parse_binary(&mut self, min_level: usize) -> Result<Node, ParseError> {
        let mut lhs = self.parse_unary()?;
        while let Some((op, level)) = binop(self.peek()) {
            if level < min_level {
                break;
            }
            self.next();
            let rhs = self.parse_binary(level + 1)?;
            lhs = binary(op, lhs, rhs)?;
        }
        Ok(lhs)
    }

    fn parse_unary(&mut self) -> Result<Node, ParseError> {
        let mut bangs = Vec::new();
        while *self.peek() == Tok::Not {
            let bang = self.next();
            if bangs.len() >= MAX_DEPTH {
                return Err(too_deep(bang.span.start));
            }
            bangs.push(bang.span);
        }
        let mut operand = self.parse_postfix()?;
        while let Some(bang) = bangs.pop() {
            operand = not(bang, operand)?;
        }
        Ok(operand)
    }

    fn parse_postfix(&mut self) -> Result<Node, ParseError> {
        let mut base = self.parse_primary()?;
        loop {
            let (part, part_depth) = match self.peek() {
                Tok::Dot => {
                    let dot = self.next();
                    let t = self.next();
                    let kind = match t.tok {
                        Tok::Ident(name) => PathKind::Name(name),
                        Tok::Star => PathKind::Wildcard,
                        _ => return Err(bad_property(dot.span, &t)),
                    };
                    (PathPart { kind, span: t.span }, 0)
                }
                Tok::LBracket => self.parse_bracket()?,
                _ => break,
            };
            base = extend(base, part, part_depth)?;
        }
        Ok(base)
    }

    /// `[*]` or `[expr]`, starting at the `[`.
    fn parse_bracket(&mut self) -> Result<(PathPart, usize), ParseError> {
        let open = self.next().span;
        if *self.peek() == Tok::Star {
            self.next();
            let close = self.expect(Tok::RBracket, "after `[*`")?;
            let part = PathPart {
                kind: PathKind::Wildcard,
                span: join(open, close),
            };
            return Ok((part, 0));
        }
        self.enter(open.start)?;
        let index = self.parse_binary(0)?;
        self.leave();
        let close = self.expect(Tok::RBracket, "to close `[`")?;
        let part = PathPart {
            kind: PathKind::Index(index.expr),
            span: join(open, close),
        };
        Ok((part, index.depth))
    }

    fn parse_primary(&mut self) -> Result<Node, ParseError> {
        let t = self.next();
        let span = t.span;
        let kind = match t.tok {
            Tok::Null => ExprKind::Null,
            Tok::True => ExprKind::Bool(true),
            Tok::False => ExprKind::Bool(false),
            Tok::Number(n) => ExprKind::Number(n),
            Tok::Str(s) => ExprKind::String(s),
            Tok::Ident(name) => {
                if *self.peek() == Tok::LParen {
                    return self.parse_call(name, span);
                }
                ExprKind::Context(vec![PathPart {
                    kind: PathKind::Name(name),
                    span,
                }])
            }
            Tok::LParen => {
                self.enter(span.start)?;
                let mut inner = self.parse_binary(0)?;
                self.leave();
                let close = self.expect(Tok::RParen, "to close `(`")?;
                inner.expr.span = join(span, close);
                return Ok(inner);
            }
            _ => return Err(unexpected(&t, "")),
        };
        node(kind, span, 1)
    }

    /// Arguments of a call, starting at the `(` after the name.
    fn parse_call(&mut self, name: String, name_span: Span) -> Result<Node, ParseError> {
        let open = self.next().span;
        let mut args = Vec::new();
        let mut depth = 0;
        let close = if *self.peek() == Tok::RParen {
            self.next().span
        } else {
            self.enter(open.start)?;
            let close = loop {
                let arg = self.parse_binary(0)?;
                depth = depth.max(arg.depth);
                args.push(*arg.expr);
                let t = self.next();
                match t.tok {
                    Tok::Comma => {}
                    Tok::RParen => break t.span,
                    _ => return Err(bad_call(&name, &t)),
                }
            };
            self.leave();
            close
        };
        node(
            ExprKind::Call { name, args },
            join(name_span, close),
            depth + 1,
        )
    }
}

#[cold]
#[inline(never)]
fn too_deep(at: usize) -> ParseError {
    ParseError::new(
        at,
        format!("expression is nested too deeply (limit {MAX_DEPTH})"),
    )
}

#[cold]
#[inline(never)]
fn unexpected(t: &Token, context: &str) -> ParseError {
    let message = match (&t.tok, context) {
        (Tok::Eof, _) => "unexpected end of expression".to_string(),
        (tok, "") => format!("unexpected {}", tok.describe()),
        (tok, context) => format!("unexpected {} {context}", tok.describe()),
    };
    ParseError::new(t.span.start, message)
}

#[cold]
#[inline(never)]
fn expected(want: &Tok, context: &str, found: &Token) -> ParseError {
    ParseError::new(
        found.span.start,
        format!(
            "expected {} {context}, found {}",
            want.describe(),
            found.tok.describe()
        ),
    )
}

#[cold]
#[inline(never)]
fn bad_property(dot: Span, found: &Token) -> ParseError {
    ParseError::new(
        found.span.start.max(dot.end),
        format!(
            "expected a property name or `*` after `.`, found {}",
            found.tok.describe()
        ),
    )
}

#[cold]
#[inline(never)]
fn bad_call(name: &str, found: &Token) -> ParseError {
    ParseError::new(
        found.span.start,
        format!(
            "expected `,` or `)` in call to `{name}`, found {}",
            found.tok.describe()
        ),
    )
}

fn node(kind: ExprKind, span: Span, depth: usize) -> Result<Node, ParseError> {
    if depth > MAX_DEPTH {
        return Err(too_deep(span.start));
    }
    Ok(Node {
        expr: Box::new(Expr { kind, span }),
        depth,
    })
}

fn binary(op: BinOp, lhs: Node, rhs: Node) -> Result<Node, ParseError> {
    let span = join(lhs.expr.span, rhs.expr.span);
    let depth = 1 + lhs.depth.max(rhs.depth);
    let kind = ExprKind::Binary {
        op,
        lhs: lhs.expr,
        rhs: rhs.expr,
    };
    node(kind, span, depth)
}

fn not(bang: Span, operand: Node) -> Result<Node, ParseError> {
    let span = join(bang, operand.expr.span);
    let kind = ExprKind::Unary {
        op: UnaryOp::Not,
        expr: operand.expr,
    };
    node(kind, span, operand.depth + 1)
}

/// Appends a path step to `base`: a context grows its path, anything else
/// becomes (or grows) an [`ExprKind::Index`].
fn extend(mut base: Node, part: PathPart, part_depth: usize) -> Result<Node, ParseError> {
    let span = join(base.expr.span, part.span);
    let depth = base.depth.max(part_depth + 1);
    match &mut base.expr.kind {
        ExprKind::Context(path) | ExprKind::Index { path, .. } => {
            if depth > MAX_DEPTH {
                return Err(too_deep(span.start));
            }
            path.push(part);
            base.expr.span = span;
            base.depth = depth;
            Ok(base)
        }
        _ => node(
            ExprKind::Index {
                base: base.expr,
                path: vec![part],
            },
            span,
            1 + base.depth.max(part_depth),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ctx(text: &str) -> Vec<String> {
        parse(text)
            .unwrap()
            .contexts()
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    }

    fn calls(text: &str) -> Vec<String> {
        parse(text)
            .unwrap()
            .calls()
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    }

    /// Renders the tree with explicit parentheses, for precedence tests.
    fn sexpr(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Null => "null".into(),
            ExprKind::Bool(b) => b.to_string(),
            ExprKind::Number(n) => n.to_string(),
            ExprKind::String(s) => format!("'{s}'"),
            ExprKind::Context(parts) => context_path(parts),
            ExprKind::Index { base, path } => format!("{}[{}]", sexpr(base), context_path(path)),
            ExprKind::Call { name, args } => format!(
                "{name}({})",
                args.iter().map(sexpr).collect::<Vec<_>>().join(", ")
            ),
            ExprKind::Unary { expr, .. } => format!("(!{})", sexpr(expr)),
            ExprKind::Binary { op, lhs, rhs } => {
                format!("({} {op} {})", sexpr(lhs), sexpr(rhs))
            }
        }
    }

    fn tree(text: &str) -> String {
        sexpr(&parse(text).unwrap())
    }

    fn err(text: &str) -> ParseError {
        parse(text).unwrap_err()
    }

    #[test]
    fn context_property_chain() {
        let e = parse("github.event.pull_request.head.ref").unwrap();
        assert_eq!(
            e.contexts(),
            vec![(
                "github.event.pull_request.head.ref".to_string(),
                Span::new(0, 34)
            )]
        );
        assert!(e.calls().is_empty());
        assert_eq!(e.as_literal_bool(), None);
    }

    #[test]
    fn context_string_index_becomes_property() {
        assert_eq!(
            ctx("github.event['pull_request'].title"),
            ["github.event.pull_request.title"]
        );
        assert_eq!(ctx("matrix['os']"), ["matrix.os"]);
    }

    #[test]
    fn to_json_of_whole_context() {
        let e = parse("toJSON(secrets)").unwrap();
        assert_eq!(
            e.contexts(),
            vec![("secrets".to_string(), Span::new(7, 14))]
        );
        assert_eq!(e.calls(), vec![("tojson".to_string(), Span::new(0, 15))]);
    }

    #[test]
    fn dynamic_index_is_wildcard_and_inner_context_is_reported() {
        let e = parse("secrets[matrix.name]").unwrap();
        assert_eq!(
            e.contexts(),
            vec![
                ("secrets.*".to_string(), Span::new(0, 20)),
                ("matrix.name".to_string(), Span::new(8, 19)),
            ]
        );
    }

    #[test]
    fn format_call() {
        let e = parse("format('{0}', github.head_ref)").unwrap();
        assert_eq!(
            e.contexts(),
            vec![("github.head_ref".to_string(), Span::new(14, 29))]
        );
        assert_eq!(e.calls(), vec![("format".to_string(), Span::new(0, 30))]);
        let ExprKind::Call { name, args } = &e.kind else {
            panic!("not a call: {e:?}")
        };
        assert_eq!(name, "format");
        assert_eq!(args[0].kind, ExprKind::String("{0}".into()));
    }

    #[test]
    fn contains_with_object_filter() {
        let e = parse("contains(github.event.issue.labels.*.name, 'bug')").unwrap();
        assert_eq!(
            e.contexts(),
            vec![(
                "github.event.issue.labels.*.name".to_string(),
                Span::new(9, 41)
            )]
        );
        assert_eq!(
            calls("contains(github.event.issue.labels.*.name, 'bug')"),
            ["contains"]
        );
    }

    #[test]
    fn numeric_and_star_indexes_become_wildcards() {
        assert_eq!(
            ctx("github.event.commits[0].message"),
            ["github.event.commits.*.message"]
        );
        assert_eq!(
            ctx("github.event.commits[*].message"),
            ["github.event.commits.*.message"]
        );
        assert_eq!(
            ctx("github.event.commits.*.message"),
            ["github.event.commits.*.message"]
        );
        assert_eq!(ctx("a[true].b"), ["a.*.b"]);
    }

    #[test]
    fn contexts_are_lowercased() {
        assert_eq!(
            ctx("GitHub.Event.Issue.Title"),
            ["github.event.issue.title"]
        );
        assert_eq!(ctx("Secrets['GH_TOKEN']"), ["secrets.gh_token"]);
        assert_eq!(calls("ToJson(x) || FROMJSON(y)"), ["tojson", "fromjson"]);
    }

    #[test]
    fn names_with_hyphens_digits_and_keywords_after_dot() {
        assert_eq!(
            ctx("needs.build-job.outputs.result == 'ok' && steps.my-step.outcome"),
            ["needs.build-job.outputs.result", "steps.my-step.outcome"]
        );
        assert_eq!(ctx("inputs.true"), ["inputs.true"]);
        assert_eq!(ctx("steps.1st.outputs.null"), ["steps.1st.outputs.null"]);
        assert_eq!(ctx("a . b"), ["a.b"]);
    }

    #[test]
    fn operator_precedence() {
        assert_eq!(tree("a || b && c"), "(a || (b && c))");
        assert_eq!(tree("a && b || c"), "((a && b) || c)");
        assert_eq!(tree("!a == b"), "((!a) == b)");
        assert_eq!(
            tree("a == b && c != d || e"),
            "(((a == b) && (c != d)) || e)"
        );
        assert_eq!(tree("(a || b) && c"), "((a || b) && c)");
        assert_eq!(tree("a < b == c >= d"), "((a < b) == (c >= d))");
        assert_eq!(tree("a == b == c"), "((a == b) == c)");
        assert_eq!(tree("!!a"), "(!(!a))");
        assert_eq!(tree("!(a && b)"), "(!(a && b))");
        assert_eq!(tree("a <= 1 || b > 2"), "((a <= 1) || (b > 2))");
    }

    #[test]
    fn node_spans() {
        let e = parse("a == 'x' && (b || c)").unwrap();
        assert_eq!(e.span, Span::new(0, 20));
        let ExprKind::Binary { op, lhs, rhs } = &e.kind else {
            panic!()
        };
        assert_eq!(*op, BinOp::And);
        assert_eq!(lhs.span, Span::new(0, 8));
        assert_eq!(rhs.span, Span::new(12, 20), "group span includes parens");
        let e = parse("  !success()  ").unwrap();
        assert_eq!(e.span, Span::new(2, 12));
    }

    #[test]
    fn literals() {
        let num = |t: &str| match parse(t).unwrap().kind {
            ExprKind::Number(n) => n,
            k => panic!("{t}: {k:?}"),
        };
        assert_eq!(num("42"), 42.0);
        assert_eq!(num("-1.5"), -1.5);
        assert_eq!(num("0xff"), 255.0);
        assert_eq!(num("0XFF"), 255.0);
        assert_eq!(num("-0x10"), -16.0);
        assert_eq!(num("0o17"), 15.0);
        assert_eq!(num("1e3"), 1000.0);
        assert_eq!(num("2.5E-2"), 0.025);
        assert_eq!(num("1e+2"), 100.0);
        assert_eq!(num(".5"), 0.5);
        assert_eq!(num("Infinity"), f64::INFINITY);
        assert_eq!(num("-Infinity"), f64::NEG_INFINITY);
        assert!(num("NaN").is_nan());
        assert_eq!(parse("null").unwrap().kind, ExprKind::Null);
        assert_eq!(parse("true").unwrap().kind, ExprKind::Bool(true));
        assert_eq!(parse("false").unwrap().kind, ExprKind::Bool(false));
        assert_eq!(
            parse("'it''s'").unwrap().kind,
            ExprKind::String("it's".into())
        );
        assert_eq!(parse("''").unwrap().kind, ExprKind::String(String::new()));
        assert_eq!(
            parse("'héllo ✓'").unwrap().kind,
            ExprKind::String("héllo ✓".into())
        );
        assert!(parse("1.2.3").is_err());
        assert!(parse("0x").is_err());
        assert!(parse("12abc").is_err());
        assert_eq!(tree("a == -1"), "(a == -1)");
    }

    #[test]
    fn literal_truthiness() {
        let lit = |t: &str| parse(t).unwrap().as_literal_bool();
        assert_eq!(lit("true"), Some(true));
        assert_eq!(lit("false"), Some(false));
        assert_eq!(lit("null"), Some(false));
        assert_eq!(lit("0"), Some(false));
        assert_eq!(lit("NaN"), Some(false));
        assert_eq!(lit("1"), Some(true));
        assert_eq!(lit("''"), Some(false));
        assert_eq!(lit("'false'"), Some(true));
        assert_eq!(lit("!false"), Some(true));
        assert_eq!(lit("(true)"), Some(true));
        assert_eq!(lit("github.ref"), None);
        assert_eq!(lit("true && github.ref"), None);
        assert_eq!(lit("always()"), None);
        assert!(parse("'x'").unwrap().is_literal());
        assert!(!parse("!true").unwrap().is_literal());
    }

    #[test]
    fn embedded_literal_for_continue_on_error() {
        let found = find_embedded("${{ true }}");
        assert_eq!(found.len(), 1);
        let e = found[0].expr.as_ref().unwrap();
        assert_eq!(e.as_literal_bool(), Some(true));
        assert_eq!(e.span, Span::new(4, 8));
    }

    #[test]
    fn closing_braces_inside_string_literal() {
        let text = "echo ${{ format('}}{0}''}}', github.actor) }} done";
        let found = find_embedded(text);
        assert_eq!(found.len(), 1);
        let emb = &found[0];
        assert_eq!(
            emb.span.text(text),
            Some("${{ format('}}{0}''}}', github.actor) }}")
        );
        assert_eq!(
            emb.inner.text(text),
            Some(" format('}}{0}''}}', github.actor) ")
        );
        let e = emb.expr.as_ref().unwrap();
        let (path, span) = &e.contexts()[0];
        assert_eq!(path, "github.actor");
        assert_eq!(span.text(text), Some("github.actor"));
        let ExprKind::Call { args, .. } = &e.kind else {
            panic!()
        };
        assert_eq!(args[0].kind, ExprKind::String("}}{0}'}}".into()));
    }

    #[test]
    fn unterminated_embedded() {
        let text = "echo ok\necho ${{ github.sha";
        let found = find_embedded(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].span, Span::new(13, text.len()));
        assert_eq!(found[0].inner, Span::new(16, text.len()));
        let e = found[0].expr.as_ref().unwrap_err();
        assert_eq!(e.offset, 13);
        assert!(e.message.contains("unterminated"), "{e}");

        // A string literal that never closes swallows the `}}`.
        let found = find_embedded("${{ 'abc }} ${{ x }}");
        assert_eq!(found.len(), 1);
        let e = found[0].expr.as_ref().unwrap_err();
        assert!(e.message.contains("string literal opened at byte 4"), "{e}");

        // A terminated one after a terminated one.
        let found = find_embedded("${{ a }} ${{");
        assert_eq!(found.len(), 2);
        assert!(found[0].expr.is_ok());
        assert!(found[1].expr.is_err());
    }

    #[test]
    fn multiple_embedded_multiline_exact_spans() {
        let text = "echo \"${{ github.event.issue.title }}\"\n\
                    if [ \"${{matrix.os}}\" = linux ]; then\n  \
                    curl -H \"${{ secrets.TOKEN }}\" ${{ toJSON(steps.a.outputs) }}\n\
                    fi\n";
        let found = find_embedded(text);
        let spans: Vec<&str> = found.iter().map(|e| e.span.text(text).unwrap()).collect();
        assert_eq!(
            spans,
            [
                "${{ github.event.issue.title }}",
                "${{matrix.os}}",
                "${{ secrets.TOKEN }}",
                "${{ toJSON(steps.a.outputs) }}",
            ]
        );
        let first_line_len = "echo \"${{ github.event.issue.title }}\"\n".len();
        assert_eq!(found[0].span, Span::new(6, 37));
        assert_eq!(found[0].inner, Span::new(9, 35));
        assert_eq!(found[1].span.start, first_line_len + "if [ \"".len());
        let contexts: Vec<(String, &str)> = found
            .iter()
            .flat_map(|e| e.expr.as_ref().unwrap().contexts())
            .map(|(p, s)| (p, s.text(text).unwrap()))
            .collect();
        assert_eq!(
            contexts,
            [
                (
                    "github.event.issue.title".into(),
                    "github.event.issue.title"
                ),
                ("matrix.os".into(), "matrix.os"),
                ("secrets.token".into(), "secrets.TOKEN"),
                ("steps.a.outputs".into(), "steps.a.outputs"),
            ]
        );
    }

    #[test]
    fn unicode_before_expression_uses_byte_offsets() {
        let text = "héllo — ✓ ${{ github.actor }}";
        let found = find_embedded(text);
        assert_eq!(found.len(), 1);
        let start = "héllo — ✓ ".len();
        assert_eq!(start, 15); // 10 chars, 15 bytes
        assert_eq!(found[0].span, Span::new(start, text.len()));
        let e = found[0].expr.as_ref().unwrap();
        assert_eq!(e.span, Span::new(start + 4, start + 16));
        assert_eq!(e.span.text(text), Some("github.actor"));
        // Error offsets are byte offsets too.
        let found = find_embedded("ü ${{ a = b }}");
        let e = found[0].expr.as_ref().unwrap_err();
        assert_eq!(e.offset, "ü ${{ a ".len());
    }

    #[test]
    fn parse_at_shifts_offsets() {
        let e = parse_at("github.ref", 100).unwrap();
        assert_eq!(e.span, Span::new(100, 110));
        assert_eq!(parse_at("a ==", 10).unwrap_err().offset, 14);
    }

    #[test]
    fn index_on_non_context() {
        let e = parse("fromJSON(steps.x.outputs.y).foo[0]").unwrap();
        let ExprKind::Index { base, path } = &e.kind else {
            panic!("{e:?}")
        };
        assert!(matches!(base.kind, ExprKind::Call { .. }));
        assert_eq!(path.len(), 2);
        assert_eq!(
            ctx("fromJSON(steps.x.outputs.y).foo"),
            ["steps.x.outputs.y"]
        );
        assert_eq!(calls("fromJSON(steps.x.outputs.y).foo"), ["fromjson"]);
        // Parenthesised context accesses keep growing the context path.
        assert_eq!(ctx("(github.event).action"), ["github.event.action"]);
    }

    #[test]
    fn nested_calls_in_source_order() {
        let text = "contains(fromJSON('[\"a\"]'), join(github.event.*.x, ',')) && success()";
        let e = parse(text).unwrap();
        let got: Vec<(String, &str)> = e
            .calls()
            .into_iter()
            .map(|(n, s)| (n, s.text(text).unwrap()))
            .collect();
        assert_eq!(got[0].0, "contains");
        assert_eq!(got[1], ("fromjson".into(), "fromJSON('[\"a\"]')"));
        assert_eq!(got[2], ("join".into(), "join(github.event.*.x, ',')"));
        assert_eq!(got[3], ("success".into(), "success()"));
        assert_eq!(ctx(text), ["github.event.*.x"]);
    }

    #[test]
    fn whitespace_and_newlines_inside() {
        let text =
            "${{\n  github.event_name == 'push' &&\n  startsWith(github.ref, 'refs/tags/')\n}}";
        let found = find_embedded(text);
        let e = found[0].expr.as_ref().unwrap();
        assert_eq!(calls("startsWith(a, 'b')"), ["startswith"]);
        assert_eq!(e.contexts().len(), 2);
        assert_eq!(e.span.text(text).unwrap().lines().count(), 2);
    }

    #[test]
    fn syntax_errors_with_offsets() {
        assert_eq!(err("a ==").offset, 4);
        assert_eq!(err("a = b").offset, 2);
        assert_eq!(err("a & b").offset, 2);
        assert_eq!(err("a | b").offset, 2);
        assert_eq!(err("f(a,)").offset, 4);
        assert_eq!(err("f(a b)").offset, 4);
        assert_eq!(err("'abc").offset, 0);
        assert_eq!(err("a.").offset, 2);
        assert_eq!(err("a.==").offset, 2);
        assert_eq!(err("a[1").offset, 3);
        assert_eq!(err("(a").offset, 2);
        assert_eq!(err("a)").offset, 1);
        assert_eq!(err("a b").offset, 2);
        assert_eq!(err("").offset, 0);
        assert_eq!(err("   ").offset, 0);
        assert_eq!(err("*").offset, 0);
        assert_eq!(err("a - b").offset, 2);
        assert_eq!(err("é").offset, 0);
        assert!(err("é").message.contains('é'));
        let empty = find_embedded("${{ }}");
        assert_eq!(empty[0].expr.as_ref().unwrap_err().offset, 3);
    }

    /// Runs on an explicit 2 MiB stack (the default for test threads and a
    /// common size for worker threads) so the bound does not depend on
    /// `RUST_MIN_STACK`.
    #[test]
    fn depth_limit() {
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(depth_limit_inner)
            .unwrap()
            .join()
            .unwrap();
    }

    fn depth_limit_inner() {
        // A leaf has depth 1, so MAX_DEPTH - 1 calls around it is the limit.
        let calls = |n: usize| format!("{}a{}", "f(".repeat(n), ")".repeat(n));
        assert!(parse(&calls(MAX_DEPTH - 1)).is_ok());
        assert!(parse(&calls(MAX_DEPTH)).is_err());
        let indexes = |n: usize| format!("a{}{}", "[x".repeat(n), "]".repeat(n));
        assert!(parse(&indexes(MAX_DEPTH - 1)).is_ok());
        assert!(parse(&indexes(MAX_DEPTH)).is_err());
        let at_limit = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(parse(&at_limit).is_ok());
        let ok = format!("{}a{}", "(".repeat(150), ")".repeat(150));
        assert!(parse(&ok).is_ok());
        let deep = format!("{}a{}", "(".repeat(250), ")".repeat(250));
        assert!(err(&deep).message.contains("too deeply"));
        assert!(parse(&"!".repeat(100_000)).is_err());
        assert!(parse(&"(".repeat(100_000)).is_err());
        assert!(parse(&"f(".repeat(100_000)).is_err());
        assert!(parse(&"a[".repeat(100_000)).is_err());
        // Long left-associative chains make deep trees without nesting.
        let chain = vec!["a"; 100_000].join(" || ");
        assert!(err(&chain).message.contains("too deeply"));
        let fine = vec!["a"; 150].join(" || ");
        assert!(parse(&fine).is_ok());
        // Long flat paths are fine: they are not nested.
        let path = format!("a{}", ".b".repeat(100_000));
        assert_eq!(parse(&path).unwrap().contexts().len(), 1);
    }

    fn check_spans(text: &str, e: &Expr) {
        e.visit(&mut |n| {
            assert!(n.span.start <= n.span.end, "{n:?}");
            assert!(n.span.text(text).is_some(), "span {:?} of {text:?}", n.span);
        });
    }

    fn token_soup() -> impl Strategy<Value = String> {
        let pieces = vec![
            "${{", "}}", "}", "$", "{", "'", "''", "(", ")", "[", "]", ".", "*", "!", "==", "!=",
            "<", "<=", ">=", "&&", "||", ",", " ", "\n", "a", "github", "event", "-", "0x1F", "1e",
            "-1.5e3", ".5", "f(", "null", "true", "é", "✓", "Infinity",
        ];
        prop::collection::vec(prop::sample::select(pieces), 0..48).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn arbitrary_strings_never_panic(text in any::<String>()) {
            if let Ok(e) = parse(&text) {
                check_spans(&text, &e);
                let _ = (e.contexts(), e.calls(), e.as_literal_bool());
            }
            for emb in find_embedded(&text) {
                prop_assert!(emb.span.text(&text).is_some());
                prop_assert!(emb.inner.text(&text).is_some());
                if let Ok(e) = &emb.expr {
                    check_spans(&text, e);
                }
            }
        }

        #[test]
        fn token_soup_never_panics(text in token_soup()) {
            if let Ok(e) = parse(&text) {
                check_spans(&text, &e);
                for (_, span) in e.contexts().into_iter().chain(e.calls()) {
                    prop_assert!(span.text(&text).is_some());
                }
            }
            let mut last_end = 0;
            for emb in find_embedded(&text) {
                prop_assert!(emb.span.start >= last_end);
                prop_assert_eq!(emb.span.text(&text).map(|s| s.starts_with("${{")), Some(true));
                last_end = emb.span.end;
                match &emb.expr {
                    Ok(e) => {
                        prop_assert!(e.span.start >= emb.inner.start && e.span.end <= emb.inner.end);
                        check_spans(&text, e);
                    }
                    Err(err) => prop_assert!(err.offset <= text.len()),
                }
            }
        }

        #[test]
        fn embedded_roundtrip(path in "[a-z_][a-z0-9_-]{0,8}(\\.[a-z_][a-z0-9_-]{0,8}){0,4}",
                              prefix in "\\PC{0,20}") {
            prop_assume!(!["null", "true", "false"].contains(&path.as_str()));
            let mut prefix = prefix;
            while prefix.contains("${{") {
                prefix = prefix.replace("${{", "");
            }
            let text = format!("{prefix}${{{{ {path} }}}}");
            let found = find_embedded(&text);
            prop_assert_eq!(found.len(), 1);
            let e = found[0].expr.as_ref().unwrap();
            let contexts = e.contexts();
            prop_assert_eq!(&contexts[0].0, &path);
            prop_assert_eq!(contexts[0].1.text(&text), Some(path.as_str()));
        }
    }

    /// What the parser reads as `matrix.KEY`, by the engine's old label rule.
    fn parsed_matrix_key<'a>(text: &'a str, e: &Embedded) -> Option<&'a str> {
        let inner = text.get(e.inner.start..e.inner.end)?.trim();
        let k = inner.strip_prefix("matrix.").filter(|_| e.expr.is_ok())?;
        (!k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || "-_".contains(c))).then_some(k)
    }

    /// The report crate's scan of `${{ … }}` (a graph's job labels) finds the pieces
    /// the parser finds, and reads `matrix.KEY` exactly when the parser does.
    fn report_scan_agrees(text: &str) {
        let ours = find_embedded(text);
        let theirs = pipewise_report::expr::embedded(text);
        assert_eq!(ours.len(), theirs.len(), "{text:?}");
        for (o, t) in ours.iter().zip(&theirs) {
            assert_eq!(
                (o.span.start, o.span.end),
                (t.span.start, t.span.end),
                "{text:?}"
            );
            assert_eq!(
                (o.inner.start, o.inner.end),
                (t.inner.start, t.inner.end),
                "{text:?}"
            );
            let key = text
                .get(t.inner.clone())
                .and_then(pipewise_report::expr::is_matrix_key)
                .filter(|_| t.closed);
            assert_eq!(parsed_matrix_key(text, o), key, "{text:?}");
        }
    }

    #[test]
    fn the_report_crate_reads_expressions_as_the_parser_does() {
        for text in [
            "build ${{ matrix.os }}",
            "${{matrix.node-version}} / ${{ matrix._x }} ${{ matrix.1st }}",
            "${{ matrix.-os }} ${{ matrix.é }} ${{ matrix.os\u{a0}}}",
            "${{ \u{85}matrix.os }} ${{ matrix.os\t\x0b }} ${{ matrix. os }}",
            "${{ matrix.os == 'a}}b' }} ${{ 'x}}' }} ${{ matrix.os",
            "${{ matrix.a.b }} ${{ matrix }} ${{ matrix. }} ${{ matrix.os ||",
            "${{ matrix['os'] }} ${{ inputs.x }} ${{ }} ${{ matrix.os }}}}",
            "no expression",
        ] {
            report_scan_agrees(text);
        }
    }

    proptest! {
        #[test]
        fn the_report_crate_reads_generated_expressions_as_the_parser_does(
            text in "([a-z ]|\\$\\{\\{|\\}\\}|'|matrix\\.|[-_.é0-9\\t\\x0b\\u{a0}\\u{85}]){0,40}"
        ) {
            report_scan_agrees(&text);
        }
    }
}
