//! A YAML document model in which every key and value carries its exact source span.
//!
//! This crate owns one job: turn YAML text into a tree of [`Node`]s whose byte spans
//! point back into the text, fast and safely. Block-style files (nearly every CI file)
//! are read by a fast path straight from bytes (`fast.rs`); everything else, and every
//! error, goes through `saphyr-parser`'s event stream, and both give the same tree
//! (`tests/fast_path.rs`). On top of the parse it adds what an auditing tool needs:
//!
//! - byte spans for every node, and [`Document::position`] to turn them into
//!   1-based line and column;
//! - [`Document::value_to_source`], mapping an offset inside a scalar's *value*
//!   (after block-scalar indentation, folding and escapes) back to the source text,
//!   so a finding about one command inside a `run: |` block points at that command;
//! - hard limits that make hostile input cheap to refuse: nesting depth, alias
//!   expansion (alias bombs) and node count;
//! - duplicate-key detection, reported as diagnostics without stopping the load.

mod fast;
mod text;
pub mod work;

pub use text::{Text, INLINE};

use foldhash::HashMap;
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span as SaphyrSpan};

/// Half-open byte range `[start, end)` into the document's source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The text covered by this span, if it is a valid range of `src`.
    pub fn text<'a>(&self, src: &'a str) -> Option<&'a str> {
        src.get(self.start..self.end)
    }
    /// The span shifted right by `base` bytes.
    pub fn offset(self, base: usize) -> Self {
        Span {
            start: self.start.saturating_add(base),
            end: self.end.saturating_add(base),
        }
    }
}

/// A 1-based line and column (columns count characters, as editors do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// How a scalar was written in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Scalar { value: Text, style: Style },
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

/// A deep copy. A scalar (every key, most values and list items) is copied inline,
/// without a call; a list or mapping is copied by [`clone_tree`], out of line, whose
/// children's copies are in turn inline when they are scalars (GitLab CI copies
/// templates and `default:` into every job: most of those nodes are scalars).
impl Clone for Node {
    #[inline]
    fn clone(&self) -> Node {
        match &self.kind {
            NodeKind::Scalar { value, style } => Node {
                kind: NodeKind::Scalar {
                    value: value.clone(),
                    style: *style,
                },
                span: self.span,
            },
            _ => clone_tree(self),
        }
    }
}

/// [`Node::clone`] of a list or mapping.
#[inline(never)]
fn clone_tree(n: &Node) -> Node {
    let kind = match &n.kind {
        NodeKind::Scalar { value, style } => NodeKind::Scalar {
            value: value.clone(),
            style: *style,
        },
        NodeKind::Seq(items) => NodeKind::Seq(items.iter().map(Node::clone).collect()),
        NodeKind::Map(es) => NodeKind::Map(
            es.iter()
                .map(|e| Entry {
                    key: e.key.clone(),
                    value: e.value.clone(),
                })
                .collect(),
        ),
    };
    Node { kind, span: n.span }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

/// A problem found while loading; the position is 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub position: Position,
    pub message: String,
}

/// Limits that keep hostile input cheap. The defaults suit CI configuration files.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Maximum nesting of sequences and mappings.
    pub max_depth: usize,
    /// Maximum number of nodes in the loaded tree, aliases expanded.
    pub max_nodes: usize,
    /// Maximum bytes of scalar text (keys and values) that aliases may add to the
    /// tree: an alias copies its node, so a 1 MiB scalar aliased 1,000 times is a
    /// gigabyte although it is only 1,000 nodes.
    pub max_alias_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 256,
            max_nodes: 250_000,
            max_alias_bytes: 4 * 1024 * 1024,
        }
    }
}

/// A loaded document: its source, its root node and the diagnostics that did not stop it.
#[derive(Debug)]
pub struct Document {
    source: String,
    lines: LineIndex,
    pub root: Node,
    /// Non-fatal problems (duplicate keys, extra documents).
    pub warnings: Vec<Diagnostic>,
    /// Walk checkpoints of long scalars, by (span start, span end, value length),
    /// built the first time an offset in one is mapped ([`Document::value_to_source`]).
    checkpoints: std::sync::Mutex<Checkpoints>,
    /// A header document read by [`Document::parse_with_header`] (GitLab CI's
    /// `spec:` before `---`); `root` is then the document after it.
    pub header: Option<Node>,
}

/// Walk checkpoints by scalar: (span start, span end, value length) → `(v, s)` states.
type Checkpoints = HashMap<(usize, usize, usize), std::sync::Arc<Vec<(usize, usize)>>>;

/// Converts `saphyr`'s character-indexed markers to byte offsets.
struct CharToByte<'a> {
    src: &'a str,
    ascii: bool,
    // (char index, byte index) of the last conversion, for forward scans.
    last: (usize, usize),
}

impl<'a> CharToByte<'a> {
    fn new(src: &'a str) -> Self {
        CharToByte {
            src,
            ascii: src.is_ascii(),
            last: (0, 0),
        }
    }
    fn byte(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.src.len());
        }
        let (mut ci, mut bi) = self.last;
        let bytes = self.src.as_bytes();
        // Events go mostly forward but step back a little (a collection's end, then
        // the start of a later one): walk from the last conversion either way, never
        // from the start of the file (that made non-ASCII files quadratic).
        while ci > char_index && bi > 0 {
            bi -= 1;
            while bi > 0 && bytes.get(bi).is_some_and(|b| (0x80..0xC0).contains(b)) {
                bi -= 1;
            }
            ci -= 1;
        }
        while ci < char_index && bi < bytes.len() {
            bi += utf8_width(bytes[bi]);
            ci += 1;
        }
        let bi = bi.min(bytes.len());
        self.last = (ci, bi);
        bi
    }
    fn span(&mut self, s: &SaphyrSpan) -> Span {
        let a = self.byte(s.start.index());
        let b = self.byte(s.end.index());
        Span::new(a, b.max(a))
    }
}

fn utf8_width(b: u8) -> usize {
    match b {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xFF => 4,
        _ => 1,
    }
}

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        entries: Vec<Entry>,
        pending_key: Option<Node>,
        /// Index of the keys for duplicate detection, built once the map is large
        /// (small maps are scanned: cheaper than hashing and allocating every key).
        seen: Option<HashMap<Text, usize>>,
    },
}

fn scan_error(doc_src: &str, err: &ScanError) -> Diagnostic {
    let m = err.marker();
    let mut conv = CharToByte::new(doc_src);
    let byte = conv.byte(m.index());
    let starts = line_starts(doc_src);
    Diagnostic {
        position: position_in(doc_src, &starts, byte),
        message: format!("YAML syntax error: {}", err.info()),
    }
}

/// For each [`LINE_BUCKET`] bytes of a text of `len` bytes whose lines start at
/// `starts` (ascending, the first at 0), the line that holds the bucket's first
/// byte; empty when a line's index does not fit a `u32`.
fn line_buckets(len: usize, starts: &[usize]) -> Vec<u32> {
    if u32::try_from(starts.len()).is_err() {
        return vec![];
    }
    let mut buckets = Vec::with_capacity(len / LINE_BUCKET + 1);
    let mut line = 0usize;
    let mut byte = 0;
    while byte <= len {
        while starts.get(line + 1).is_some_and(|&s| s <= byte) {
            line += 1;
        }
        buckets.push(u32::try_from(line).unwrap_or(0));
        byte += LINE_BUCKET;
    }
    buckets
}

/// The byte offset where each line starts. A line ends at `\n`, `\r\n` or a lone
/// `\r` (YAML reads all three as line breaks; counting only `\n` put every finding of
/// a CR-only file on line 1, where one suppression comment covered them all).
fn line_starts(src: &str) -> Vec<usize> {
    let b = src.as_bytes();
    let mut v = Vec::with_capacity(src.len() / 32 + 1);
    v.push(0);
    if memchr::memchr(b'\r', b).is_none() {
        v.extend(memchr::memchr_iter(b'\n', b).map(|i| i + 1));
        return v;
    }
    v.extend(
        memchr::memchr2_iter(b'\n', b'\r', b)
            .filter(|&i| !(b[i] == b'\r' && b.get(i + 1) == Some(&b'\n')))
            .map(|i| i + 1),
    );
    v
}

fn position_in(src: &str, starts: &[usize], byte: usize) -> Position {
    let byte = byte.min(src.len());
    let line_idx = match starts.binary_search(&byte) {
        Ok(i) => i,
        Err(i) => i.saturating_sub(1),
    };
    let ls = starts.get(line_idx).copied().unwrap_or(0);
    let col = match src.get(ls..byte) {
        Some(s) => char_count(s.as_bytes()),
        None => byte.saturating_sub(ls),
    };
    Position {
        line: line_idx + 1,
        column: col + 1,
    }
}

impl Document {
    /// Parses `source` with default [`Limits`].
    pub fn parse(source: String) -> Result<Document, Diagnostic> {
        Document::parse_with(source, Limits::default())
    }

    /// Parses `source`. A fatal problem (syntax error, limit exceeded) is an `Err`
    /// with its position; non-fatal ones land in [`Document::warnings`].
    ///
    /// Block-style files are read by a fast path (`fast.rs`) that gives the same tree;
    /// anything outside its subset, and every error, goes through `saphyr-parser`.
    pub fn parse_with(source: String, limits: Limits) -> Result<Document, Diagnostic> {
        Document::parse_or_return(source, limits).map_err(|(d, _)| d)
    }

    /// [`Document::parse_with`], handing the source back with the error, so that a
    /// caller who keeps the text either way need not copy it first.
    pub fn parse_or_return(
        source: String,
        limits: Limits,
    ) -> Result<Document, (Diagnostic, String)> {
        let starts = line_starts(&source);
        let parsed = match fast::parse(&source, &starts, limits) {
            Some(tree) => Ok(tree),
            None => saphyr_tree(&source, &starts, limits),
        };
        match parsed {
            Ok((root, warnings)) => Ok(Document {
                lines: LineIndex::from_starts(&source, starts),
                source,
                root,
                warnings,
                checkpoints: Default::default(),
                header: None,
            }),
            Err(d) => Err((d, source)),
        }
    }

    /// Parses `source` with `saphyr-parser` only, bypassing the fast path: the
    /// reference that the fast path is tested against.
    #[doc(hidden)]
    pub fn parse_reference(source: String, limits: Limits) -> Result<Document, Diagnostic> {
        let starts = line_starts(&source);
        let (root, warnings) = saphyr_tree(&source, &starts, limits)?;
        Ok(Document {
            lines: LineIndex::from_starts(&source, starts),
            source,
            root,
            warnings,
            checkpoints: Default::default(),
            header: None,
        })
    }

    /// [`Document::parse_or_return`] for a stream whose first document may be a header
    /// (a mapping whose only key is `header_key`, GitLab CI's `spec:`) followed by
    /// `---` and the document proper. With such a header, `root` is the second
    /// document (its spans still index the whole source) and the header is kept in
    /// [`Document::header`]. Without one this is exactly `parse_or_return`.
    pub fn parse_with_header(
        source: String,
        limits: Limits,
        header_key: &str,
    ) -> Result<Document, (Diagnostic, String)> {
        // A header written first and ended by a `---` line (GitLab's layout): its text
        // and the body are parsed on their own, each once, so the fast path can read
        // both; the whole stream is parsed (by saphyr: the fast path reads one
        // document) only when that shape is not there.
        if let Some(at) = header_end(&source, header_key) {
            if let Ok(head) = Document::parse_or_return(source[..at].to_string(), limits) {
                if is_header(&head.root, header_key) {
                    return Document::body_after(source, at, head.root, limits);
                }
            }
        }
        Document::header_from_stream(source, limits, header_key)
    }

    /// [`Document::parse_with_header`] from the whole stream: parsed as one, the
    /// header recognised in its first document and the body parsed again after the
    /// `---` the parser reports. The general route, and the fast route's oracle.
    fn header_from_stream(
        source: String,
        limits: Limits,
        header_key: &str,
    ) -> Result<Document, (Diagnostic, String)> {
        let first = Document::parse_or_return(source, limits)?;
        let second = first
            .warnings
            .iter()
            .find(|w| w.message.starts_with("only the first YAML document"))
            .and_then(|w| first.lines.line_start(w.position.line));
        let (true, Some(at)) = (is_header(&first.root, header_key), second) else {
            return Ok(first);
        };
        let Document { source, root, .. } = first;
        Document::body_after(source, at, root, limits)
    }

    /// The document after a header that ends at the `---` line starting at byte `at`,
    /// parsed on its own: the header (and the `---`) blanked to spaces, line breaks
    /// kept, so every span is an offset into the original source.
    fn body_after(
        source: String,
        at: usize,
        header: Node,
        limits: Limits,
    ) -> Result<Document, (Diagnostic, String)> {
        let marker_end = (at + 3).min(source.len());
        let mut bytes = source.as_bytes().to_vec();
        for b in bytes.iter_mut().take(marker_end) {
            if *b != b'\n' && *b != b'\r' {
                *b = b' ';
            }
        }
        let Ok(blanked) = String::from_utf8(bytes) else {
            return Document::parse_or_return(source, limits);
        };
        let body = match Document::parse_or_return(blanked, limits) {
            Ok(d) => d,
            Err((d, _)) => return Err((d, source)),
        };
        Ok(Document {
            lines: LineIndex::from_starts(&source, line_starts(&source)),
            source,
            root: body.root,
            warnings: body.warnings,
            header: Some(header),
            checkpoints: Default::default(),
        })
    }

    /// Whether the fast path reads `source` (it gives up on anything outside its
    /// subset); for the differential tests and the benchmarks.
    #[doc(hidden)]
    pub fn fast_path_reads(source: &str, limits: Limits) -> bool {
        fast::parse(source, &line_starts(source), limits).is_some()
    }

    /// The line index of the source (shared with callers that need positions).
    pub fn lines(&self) -> &LineIndex {
        &self.lines
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The 1-based position of a byte offset.
    pub fn position(&self, byte: usize) -> Position {
        self.lines.position(&self.source, byte)
    }

    /// The 1-based line of a byte offset: `position(byte).line` without counting the
    /// column's characters.
    pub fn line(&self, byte: usize) -> usize {
        self.lines.line(&self.source, byte)
    }

    /// The text of 1-based line `line`, without its newline.
    pub fn line_text(&self, line: usize) -> &str {
        self.lines.line_text(&self.source, line)
    }

    /// Maps a byte offset inside a scalar's value to a byte offset in the source.
    /// Returns the node's start for non-scalars.
    pub fn value_to_source(&self, node: &Node, value_offset: usize) -> usize {
        match &node.kind {
            NodeKind::Scalar { value, style } if value.len() > CHECKPOINT_ABOVE => {
                let key = (node.span.start, node.span.end, value.len());
                let cps = {
                    let mut cache = self
                        .checkpoints
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    std::sync::Arc::clone(cache.entry(key).or_insert_with(|| {
                        std::sync::Arc::new(checkpoints(&self.source, node.span, value, *style))
                    }))
                };
                map_value_offset(&self.source, node.span, value, *style, value_offset, &cps)
            }
            NodeKind::Scalar { value, style } => {
                map_value_offset(&self.source, node.span, value, *style, value_offset, &[])
            }
            _ => node.span.start,
        }
    }
}

/// The text of 1-based line `line` of `src`, given its line starts.
pub fn line_text<'a>(src: &'a str, starts: &[usize], line: usize) -> &'a str {
    let Some(&s) = starts.get(line.wrapping_sub(1)) else {
        return "";
    };
    let e = starts.get(line).copied().unwrap_or(src.len());
    src.get(s..e)
        .unwrap_or("")
        .trim_end_matches('\n')
        .trim_end_matches('\r')
}

/// Public helpers for other file kinds that want the same position arithmetic.
///
/// A position costs, for the line, a bucket read and at most [`LINE_BUCKET`] steps
/// (a binary search over every line was a third of a lookup's cost on long files)
/// and, for the column, nothing in an ASCII text or at most [`CHAR_MARK_EVERY`] bytes
/// of counting otherwise: never a walk from the start of a long line (one 36 KB line
/// with 10,000 findings).
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// The text is ASCII: a column is a byte distance.
    ascii: bool,
    /// Characters before byte `k * CHAR_MARK_EVERY`, for a non-ASCII text.
    marks: Vec<usize>,
    /// The line (index into `starts`) that holds byte `k * LINE_BUCKET`: a line is
    /// found from there in at most [`LINE_BUCKET`] steps, not by a binary search
    /// over every line (empty when a line index does not fit a `u32`).
    buckets: Vec<u32>,
}

/// Bytes between two entries of [`LineIndex`]'s line buckets.
pub const LINE_BUCKET: usize = 128;

/// Bytes between two character-count marks of a non-ASCII [`LineIndex`].
pub const CHAR_MARK_EVERY: usize = 256;

/// Characters in `b`, counted as the bytes that do not continue one.
fn char_count(b: &[u8]) -> usize {
    b.iter().filter(|&&c| (c & 0xC0) != 0x80).count()
}

impl LineIndex {
    pub fn new(src: &str) -> Self {
        LineIndex::from_starts(src, line_starts(src))
    }
    fn from_starts(src: &str, starts: Vec<usize>) -> Self {
        let ascii = src.is_ascii();
        let mut marks = vec![];
        if !ascii {
            let mut n = 0;
            for chunk in src.as_bytes().chunks(CHAR_MARK_EVERY) {
                marks.push(n);
                n += char_count(chunk);
            }
            marks.push(n);
        }
        let buckets = line_buckets(src.len(), &starts);
        LineIndex {
            starts,
            ascii,
            marks,
            buckets,
        }
    }
    /// The 0-based line of byte offset `byte` (at most the text's length): the last
    /// line that starts at or before it.
    #[inline]
    fn line_index(&self, byte: usize) -> usize {
        let Some(&first) = self.buckets.get(byte / LINE_BUCKET) else {
            return match self.starts.binary_search(&byte) {
                Ok(i) => i,
                Err(i) => i.saturating_sub(1),
            };
        };
        let mut i = first as usize;
        while self.starts.get(i + 1).is_some_and(|&s| s <= byte) {
            i += 1;
        }
        i
    }
    /// Characters in `src[..byte]`.
    fn chars_before(&self, src: &str, byte: usize) -> usize {
        let b = src.as_bytes();
        let byte = byte.min(b.len());
        let k = byte / CHAR_MARK_EVERY;
        match self.marks.get(k) {
            Some(&m) => m + char_count(b.get(k * CHAR_MARK_EVERY..byte).unwrap_or(&[])),
            None => char_count(&b[..byte]),
        }
    }
    pub fn position(&self, src: &str, byte: usize) -> Position {
        if !self.ascii && self.marks.is_empty() {
            return position_in(src, &self.starts, byte);
        }
        let byte = byte.min(src.len());
        let line_idx = self.line_index(byte);
        let ls = self.starts.get(line_idx).copied().unwrap_or(0).min(byte);
        let col = if self.ascii {
            byte - ls
        } else {
            self.chars_before(src, byte) - self.chars_before(src, ls)
        };
        Position {
            line: line_idx + 1,
            column: col + 1,
        }
    }
    /// The 1-based line of a byte offset (`position(src, byte).line`).
    pub fn line(&self, src: &str, byte: usize) -> usize {
        self.line_index(byte.min(src.len())) + 1
    }
    pub fn line_text<'a>(&self, src: &'a str, line: usize) -> &'a str {
        line_text(src, &self.starts, line)
    }
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
    /// Byte offset of the start of 1-based `line`.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line.wrapping_sub(1)).copied()
    }
}

/// Where a walk through a scalar's source text and its value, in step, has got to.
struct ValueWalk<'a> {
    sb: &'a [u8],
    vb: &'a [u8],
    style: Style,
    block: bool,
    block_indent: usize,
    /// Offset in the value.
    v: usize,
    /// Offset in the source text of the scalar.
    s: usize,
}

impl<'a> ValueWalk<'a> {
    /// At the start of the value; `None` when the source is not the scalar's.
    fn new(src: &'a str, span: Span, value: &'a str, style: Style) -> Option<ValueWalk<'a>> {
        let text = src.get(span.start..span.end.min(src.len()))?;
        let sb = text.as_bytes();
        let vb = value.as_bytes();
        let mut s = 0usize;
        let mut block_indent = 0usize;
        match style {
            Style::Literal | Style::Folded => {
                // Skip the header line (`|`, `>-`, `|2+` …) and find the content indentation.
                // The header line ends at `\n`, `\r\n` or a lone `\r`.
                let nl = text.find(['\n', '\r'])?;
                let header = &text[..nl];
                s = nl + if text[nl..].starts_with("\r\n") { 2 } else { 1 };
                let explicit = header
                    .chars()
                    .find(|c| c.is_ascii_digit())
                    .and_then(|c| c.to_digit(10));
                block_indent = match explicit {
                    Some(d) => {
                        // Indentation indicator is relative to the parent's indentation.
                        let parent = src[..span.start]
                            .rfind('\n')
                            .map(|p| {
                                src[p + 1..span.start]
                                    .bytes()
                                    .take_while(|b| *b == b' ')
                                    .count()
                            })
                            .unwrap_or(0);
                        parent + d as usize
                    }
                    None => text[s..]
                        .split(['\n', '\r'])
                        .find(|l| !l.trim().is_empty())
                        .map(|l| l.bytes().take_while(|b| *b == b' ').count())
                        .unwrap_or(0),
                };
                // Skip the first line's indentation.
                let mut k = 0;
                while k < block_indent && s < sb.len() && sb[s] == b' ' {
                    s += 1;
                    k += 1;
                }
            }
            Style::SingleQuoted | Style::DoubleQuoted => s = 1,
            Style::Plain => {}
        }
        Some(ValueWalk {
            sb,
            vb,
            style,
            block: matches!(style, Style::Literal | Style::Folded),
            block_indent,
            v: 0,
            s,
        })
    }

    /// Walks on until the value offset reaches `target` (or either text ends). Going
    /// on from where an earlier, smaller target stopped gives the same state as a
    /// walk from the start.
    fn advance(&mut self, target: usize) {
        let (sb, vb, style, block, block_indent) =
            (self.sb, self.vb, self.style, self.block, self.block_indent);
        let (mut v, mut s) = (self.v, self.s);
        let walked_from = s;
        while v < target.min(vb.len()) && s < sb.len() {
            let vc = vb[v];
            // A lone `\r` breaks a line as `\n` does (the `\r` of `\r\n` is syntax).
            let sc = match sb[s] {
                b'\r' if sb.get(s + 1) != Some(&b'\n') => b'\n',
                c => c,
            };
            if sc == b'\n' && (vc == b'\n' || vc == b' ') {
                // A line break (kept, or folded into a space): skip the next line's indentation.
                s += 1;
                v += 1;
                if block {
                    let mut k = 0;
                    while k < block_indent && s < sb.len() && sb[s] == b' ' {
                        s += 1;
                        k += 1;
                    }
                } else {
                    while s < sb.len() && (sb[s] == b' ' || sb[s] == b'\t') {
                        s += 1;
                    }
                }
                continue;
            }
            if vc == sc {
                s += 1;
                v += 1;
                continue;
            }
            if style == Style::DoubleQuoted && sc == b'\\' {
                // One escape sequence yields one value character (approximately).
                s += 2;
                v += utf8_width(vc);
                while s < sb.len() && sb[s].is_ascii_hexdigit() && vc >= 0x80 {
                    s += 1;
                }
                continue;
            }
            if style == Style::SingleQuoted && sc == b'\'' {
                s += 1;
                continue;
            }
            if sc == b'\n' && block {
                // A blank or more-indented line that folding removed.
                s += 1;
                let mut k = 0;
                while k < block_indent && s < sb.len() && sb[s] == b' ' {
                    s += 1;
                    k += 1;
                }
                continue;
            }
            // Anything else in the source is syntax (indentation, line continuations).
            s += 1;
        }
        work::add(work::Work::ValueWalk, s - walked_from);
        (self.v, self.s) = (v, s);
    }

    /// The source offset of value offset `target`, once advanced to it.
    fn land(&self, span: Span, target: usize) -> usize {
        let (sb, mut s) = (self.sb, self.s);
        // Land on the target character itself, past any syntax between it and the last match.
        if let Some(&want) = self.vb.get(target) {
            while s < sb.len() && sb[s] != want && matches!(sb[s], b' ' | b'\n' | b'\r' | b'\t') {
                s += 1;
            }
        }
        (span.start + s).min(span.end.max(span.start))
    }
}

/// Values longer than this get checkpoints, so that mapping many offsets in one
/// scalar (40,000 commands in one `run:`) does not walk it from its start each time.
const CHECKPOINT_ABOVE: usize = 2048;
/// Value bytes between two checkpoints.
const CHECKPOINT_EVERY: usize = 512;

/// Walk states `(v, s)` every [`CHECKPOINT_EVERY`] value bytes, in order.
fn checkpoints(src: &str, span: Span, value: &str, style: Style) -> Vec<(usize, usize)> {
    let mut out = vec![];
    let Some(mut w) = ValueWalk::new(src, span, value, style) else {
        return out;
    };
    let mut next = CHECKPOINT_EVERY;
    while next < value.len() {
        w.advance(next);
        if w.v < next {
            break;
        }
        out.push((w.v, w.s));
        next = w.v + CHECKPOINT_EVERY;
    }
    out
}

fn map_value_offset(
    src: &str,
    span: Span,
    value: &str,
    style: Style,
    target: usize,
    checkpoints: &[(usize, usize)],
) -> usize {
    let Some(mut w) = ValueWalk::new(src, span, value, style) else {
        return span.start;
    };
    let i = checkpoints.partition_point(|&(v, _)| v <= target);
    if let Some(&(v, s)) = i.checked_sub(1).and_then(|i| checkpoints.get(i)) {
        (w.v, w.s) = (v, s);
    }
    w.advance(target);
    w.land(span, target)
}

/// Block scalar events start at their content; move back to the `|`/`>` indicator.
fn block_header_start(src: &str, content_start: usize) -> usize {
    let before = &src[..content_start.min(src.len())];
    // Lines end at `\n`, `\r\n` or a lone `\r` (the `\r` of `\r\n` then ends an
    // empty line, which is walked over like a blank one).
    let mut end = before.rfind(['\n', '\r']).unwrap_or(0);
    // Walk back over blank lines to the header line.
    loop {
        let line_start = before[..end]
            .rfind(['\n', '\r'])
            .map(|p| p + 1)
            .unwrap_or(0);
        let line = &before[line_start..end];
        if line.trim().is_empty() && line_start > 0 {
            end = line_start - 1;
            continue;
        }
        let code = match line.find(" #") {
            Some(c) => &line[..c],
            None => line,
        };
        return match code.rfind(['|', '>']) {
            Some(i) => line_start + i,
            None => content_start,
        };
    }
}

/// Adds `key: value` to a mapping being built, unless the key repeats an earlier one:
/// then a warning names both lines and the first entry is kept.
fn push_entry(
    entries: &mut Vec<Entry>,
    seen: &mut Option<HashMap<Text, usize>>,
    key: Node,
    value: Node,
    warnings: &mut Vec<Diagnostic>,
    pos: &dyn Fn(usize) -> Position,
) {
    if let NodeKind::Scalar { value: k, style } = &key.kind {
        // `<<` merge keys may repeat (YAML 1.1 merge; GitLab CI accepts it): each one
        // is kept for the reader that expands them.
        if k == "<<" && *style == Style::Plain {
            entries.push(Entry { key, value });
            return;
        }
        // Small maps are scanned: cheaper than hashing and allocating every key.
        const SCAN_BELOW: usize = 16;
        let first = if entries.len() < SCAN_BELOW {
            entries
                .iter()
                .find(|e| matches!(&e.key.kind, NodeKind::Scalar { value, .. } if value == k))
                .map(|e| e.key.span.start)
        } else {
            seen.get_or_insert_with(|| {
                entries
                    .iter()
                    .filter_map(|e| match &e.key.kind {
                        NodeKind::Scalar { value, .. } => Some((value.clone(), e.key.span.start)),
                        _ => None,
                    })
                    .collect()
            })
            .get(k)
            .copied()
        };
        if let Some(first) = first {
            warnings.push(Diagnostic {
                position: pos(key.span.start),
                message: format!(
                    "duplicate key `{}` (first defined on line {}); the first one is used",
                    k,
                    pos(first).line
                ),
            });
            return;
        }
        if let Some(index) = seen {
            index.insert(k.clone(), key.span.start);
        }
    }
    entries.push(Entry { key, value });
}

/// The tree of `source` through saphyr-parser (with the flow re-indentation retry).
fn saphyr_tree(
    source: &str,
    starts: &[usize],
    limits: Limits,
) -> Result<(Node, Vec<Diagnostic>), Diagnostic> {
    let mut in_flow = false;
    match build(source, starts, limits, &mut in_flow) {
        Ok(r) => Ok(r),
        Err(e) if in_flow => reindent_flow(source, limits, e),
        Err(e) => Err(e),
    }
}

fn style_of(s: ScalarStyle) -> Style {
    match s {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted => Style::SingleQuoted,
        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
    }
}

/// The size of a node: (nodes, bytes of scalar text).
fn count_nodes(n: &Node) -> (usize, usize) {
    match &n.kind {
        NodeKind::Scalar { value, .. } => (1, value.len()),
        NodeKind::Seq(items) => items.iter().map(count_nodes).fold((1, 0), add_sizes),
        NodeKind::Map(es) => es
            .iter()
            .flat_map(|e| [count_nodes(&e.key), count_nodes(&e.value)])
            .fold((1, 0), add_sizes),
    }
}

fn add_sizes(a: (usize, usize), b: (usize, usize)) -> (usize, usize) {
    (a.0.saturating_add(b.0), a.1.saturating_add(b.1))
}

/// How many under-indented flow lines [`reindent_flow`] repairs before giving up.
const MAX_FLOW_REINDENTS: usize = 64;

/// Retries a document that `saphyr-parser` refused with "invalid indentation" inside a
/// flow collection, such as a closing `]` at the column of its block-sequence dash:
///
/// ```yaml
/// - [
///   "a",
///   ]
/// ```
///
/// Whether `root` is a header: a mapping whose only key is `header_key`.
fn is_header(root: &Node, header_key: &str) -> bool {
    root.as_map()
        .is_some_and(|m| m.len() == 1 && m[0].key.as_str() == Some(header_key))
}

/// Where a header ends when `source` opens (after blank and comment lines) with a
/// `header_key:` line at column 0: the byte offset of the first `---` document
/// marker line after it. `None` when the source does not start that way.
fn header_end(source: &str, header_key: &str) -> Option<usize> {
    let mut offset = 0;
    let mut seen_key = false;
    for line in source.split_inclusive('\n') {
        let text = line.trim_end_matches(['\n', '\r']);
        if !seen_key {
            let t = text.trim_start();
            if !(t.is_empty() || t.starts_with('#')) {
                let key = text.strip_prefix(header_key)?;
                if !key.starts_with(':') {
                    return None;
                }
                seen_key = true;
            }
        } else if let Some(rest) = text.strip_prefix("---") {
            if rest.is_empty() || rest.starts_with([' ', '\t']) {
                return Some(offset);
            }
        }
        offset += line.len();
    }
    None
}

/// The YAML spec wants flow continuation lines indented past the enclosing block node;
/// libyaml (PyYAML), GitHub Actions and zizmor accept the lines above anyway, and real
/// workflows rely on it. Each refused line gets one more leading space (outside scalars,
/// so no value changes) and the text is parsed again; the spans are then shifted back to
/// `src`. Only errors inside a flow collection are retried, at most
/// [`MAX_FLOW_REINDENTS`] times; otherwise the first error is returned.
fn reindent_flow(
    src: &str,
    limits: Limits,
    first: Diagnostic,
) -> Result<(Node, Vec<Diagnostic>), Diagnostic> {
    let mut text = src.to_string();
    // Offsets in `text` of the inserted spaces, ascending.
    let mut inserted: Vec<usize> = Vec::new();
    for _ in 0..MAX_FLOW_REINDENTS {
        let mut in_flow = false;
        let starts = line_starts(&text);
        let err = match build(&text, &starts, limits, &mut in_flow) {
            Ok((mut root, warnings)) => {
                let orig = |p: usize| p - inserted.partition_point(|&q| q < p);
                shift_spans(&mut root, &orig);
                return Ok((root, warnings));
            }
            Err(e) => e,
        };
        let indentation = err.message.ends_with("invalid indentation")
            || err
                .message
                .ends_with("invalid indentation in flow construct");
        if !in_flow || !indentation {
            return Err(first);
        }
        let Some(&at) = starts.get(err.position.line.wrapping_sub(1)) else {
            return Err(first);
        };
        // Only an indentation problem: the refused token is the line's first one.
        let line = line_text(&text, &starts, err.position.line);
        let lead = line.len() - line.trim_start_matches(' ').len();
        if lead + 1 != err.position.column {
            return Err(first);
        }
        text.insert(at, ' ');
        for q in inserted.iter_mut().filter(|q| **q >= at) {
            *q += 1;
        }
        let i = inserted.partition_point(|&q| q < at);
        inserted.insert(i, at);
    }
    Err(first)
}

/// Whether `text` (YAML read ahead by the scanner) leaves a flow collection open: a
/// `[`/`{` where a node can start (after a line start, `-`, `:`, `,` or another
/// opener) without its closer. Quoted scalars and comments are skipped.
fn opens_flow(text: &str) -> bool {
    let mut depth = 0usize;
    let mut prev = b'\n';
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'"' | b'\'' => {
                i += 1;
                while i < b.len() && b[i] != c {
                    i += if b[i] == b'\\' && c == b'"' { 2 } else { 1 };
                }
            }
            b'#' if prev == b' ' || prev == b'\n' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'[' | b'{' if matches!(prev, b'\n' | b'-' | b':' | b',' | b'[' | b'{') => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if !matches!(c, b' ' | b'\t' | b'\r') {
            prev = c;
        }
        i += 1;
    }
    depth > 0
}

/// Maps every span of the tree through `f`.
fn shift_spans(node: &mut Node, f: &impl Fn(usize) -> usize) {
    node.span = Span::new(f(node.span.start), f(node.span.end));
    match &mut node.kind {
        NodeKind::Scalar { .. } => {}
        NodeKind::Seq(items) => items.iter_mut().for_each(|n| shift_spans(n, f)),
        NodeKind::Map(entries) => entries.iter_mut().for_each(|e| {
            shift_spans(&mut e.key, f);
            shift_spans(&mut e.value, f);
        }),
    }
}

/// Builds the tree. On a scan error, `in_flow` tells whether the innermost open
/// collection was a flow collection (`[`/`{`).
/// `starts` are the line starts of `src` (computed once by the caller, who keeps them).
fn build(
    src: &str,
    starts: &[usize],
    limits: Limits,
    in_flow: &mut bool,
) -> Result<(Node, Vec<Diagnostic>), Diagnostic> {
    let mut parser = Parser::new_from_str(src);
    let mut conv = CharToByte::new(src);
    let mut stack: Vec<Frame> = Vec::new();
    // anchor id -> (node, its size: nodes, bytes of scalar text)
    let mut anchors: HashMap<usize, (Node, (usize, usize))> = HashMap::default();
    let mut nodes = 0usize;
    let mut alias_bytes = 0usize;
    let mut warnings = Vec::new();
    let mut root: Option<Node> = None;
    let pos = |b: usize| position_in(src, starts, b);
    let mut documents = 0usize;
    // End of the last event's span: where the parser's reported progress stands.
    let mut last_end = 0usize;

    while let Some(ev) = parser.next_event() {
        let (event, span) = match ev {
            Ok(x) => x,
            Err(e) => {
                // The scanner reads ahead (a flow collection may be a key), so the
                // collection may still be unreported: look at the text since the last
                // event as well.
                let at = conv.byte(e.marker().index()).min(src.len());
                *in_flow = stack.last().is_some_and(|f| {
                    let start = match f {
                        Frame::Seq { start, .. } | Frame::Map { start, .. } => *start,
                    };
                    matches!(src.as_bytes().get(start), Some(b'[' | b'{'))
                }) || opens_flow(src.get(last_end.min(at)..at).unwrap_or(""));
                return Err(scan_error(src, &e));
            }
        };
        let sp = conv.span(&span);
        last_end = last_end.max(sp.end);
        let finished: Option<(Node, usize)> = match event {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => None,
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    warnings.push(Diagnostic {
                        position: pos(sp.start),
                        message:
                            "only the first YAML document is read; later documents are ignored"
                                .into(),
                    });
                    break;
                }
                None
            }
            Event::Scalar(value, style, anchor, _tag) => {
                nodes += 1;
                let mut span = sp;
                if matches!(style, ScalarStyle::Plain) && value.is_empty() {
                    span.end = span.start;
                }
                if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                    span.start = block_header_start(src, span.start);
                }
                Some((
                    Node {
                        kind: NodeKind::Scalar {
                            value: Text::from(value),
                            style: style_of(style),
                        },
                        span,
                    },
                    anchor,
                ))
            }
            Event::Alias(id) => {
                let Some((node, size)) = anchors.get(&id) else {
                    return Err(Diagnostic {
                        position: pos(sp.start),
                        message: "alias refers to an unknown anchor".into(),
                    });
                };
                nodes = nodes.saturating_add(size.0);
                alias_bytes = alias_bytes.saturating_add(size.1);
                if alias_bytes > limits.max_alias_bytes {
                    return Err(Diagnostic {
                        position: pos(sp.start),
                        message: format!(
                            "alias expansion exceeds {} MiB of text (an alias bomb?); file not audited",
                            limits.max_alias_bytes / (1024 * 1024)
                        ),
                    });
                }
                if nodes > limits.max_nodes {
                    return Err(Diagnostic {
                        position: pos(sp.start),
                        message: format!(
                            "alias expansion exceeds {} nodes (an alias bomb?); file not audited",
                            limits.max_nodes
                        ),
                    });
                }
                let mut n = node.clone();
                n.span = sp;
                Some((n, 0))
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                nodes += 1;
                if stack.len() >= limits.max_depth {
                    return Err(Diagnostic {
                        position: pos(sp.start),
                        message: format!(
                            "nesting deeper than {} levels; file not audited",
                            limits.max_depth
                        ),
                    });
                }
                if matches!(event, Event::SequenceStart(..)) {
                    stack.push(Frame::Seq {
                        start: sp.start,
                        anchor,
                        items: Vec::new(),
                    });
                } else {
                    stack.push(Frame::Map {
                        start: sp.start,
                        anchor,
                        entries: Vec::new(),
                        pending_key: None,
                        seen: None,
                    });
                }
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq {
                    start,
                    anchor,
                    items,
                }) => {
                    let end = items
                        .last()
                        .map(|n| n.span.end)
                        .unwrap_or(sp.end)
                        .max(start);
                    Some((
                        Node {
                            kind: NodeKind::Seq(items),
                            span: Span::new(start, end.max(sp.start.min(end))),
                        },
                        anchor,
                    ))
                }
                Some(Frame::Map {
                    start,
                    anchor,
                    entries,
                    ..
                }) => {
                    let end = entries
                        .last()
                        .map(|e| e.value.span.end.max(e.key.span.end))
                        .unwrap_or(sp.end)
                        .max(start);
                    Some((
                        Node {
                            kind: NodeKind::Map(entries),
                            span: Span::new(start, end),
                        },
                        anchor,
                    ))
                }
                None => None,
            },
        };
        if nodes > limits.max_nodes {
            return Err(Diagnostic {
                position: pos(sp.start),
                message: format!("document has more than {} nodes", limits.max_nodes),
            });
        }
        let Some((node, anchor)) = finished else {
            continue;
        };
        if anchor != 0 {
            let size = count_nodes(&node);
            anchors.insert(anchor, (node.clone(), size));
        }
        match stack.last_mut() {
            None => {
                if root.is_none() {
                    root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                seen,
                ..
            }) => match pending_key.take() {
                None => *pending_key = Some(node),
                Some(key) => push_entry(entries, seen, key, node, &mut warnings, &pos),
            },
        }
    }
    let root = root.unwrap_or(Node {
        kind: NodeKind::Scalar {
            value: Text::new(),
            style: Style::Plain,
        },
        span: Span::new(0, 0),
    });
    Ok((root, warnings))
}

impl Node {
    /// The scalar's value, if this is a scalar.
    #[inline]
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }
    /// True for a plain empty scalar, `~` or `null`.
    #[inline]
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar { value, style: Style::Plain }
            if value.is_empty() || value == "~" || value == "null" || value == "Null" || value == "NULL")
    }
    /// A plain `true`/`false` (YAML 1.2 core schema).
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            NodeKind::Scalar {
                value,
                style: Style::Plain,
            } => match value.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }
    #[inline]
    pub fn style(&self) -> Option<Style> {
        match &self.kind {
            NodeKind::Scalar { style, .. } => Some(*style),
            _ => None,
        }
    }
    #[inline]
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(v) => Some(v),
            _ => None,
        }
    }
    #[inline]
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Map(v) => Some(v),
            _ => None,
        }
    }
    /// The entry whose scalar key equals `key`.
    #[inline]
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        let map = self.as_map()?;
        let k = key.as_bytes();
        if k.len() <= INLINE {
            // Only an inline key can be equal ([`Text::inline_is`]).
            return map.iter().find(|e| match &e.key.kind {
                NodeKind::Scalar { value, .. } => value.inline_is(k),
                _ => false,
            });
        }
        // Length and first byte before the compare: most keys differ there, and a
        // `memcmp` call per same-length key was a third of a lookup's cost.
        map.iter().find(|e| match &e.key.kind {
            NodeKind::Scalar { value, .. } => {
                let v = value.as_bytes();
                v.len() == k.len() && v.first() == k.first() && v == k
            }
            _ => false,
        })
    }
    /// The value under scalar key `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }
    /// A short name for the node's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar { .. } if self.is_null() => "null",
            NodeKind::Scalar { .. } => "a scalar",
            NodeKind::Seq(_) => "a sequence",
            NodeKind::Map(_) => "a mapping",
        }
    }
    /// Iterates over this node and all nodes below it, depth first.
    pub fn walk(&self, f: &mut dyn FnMut(&Node)) {
        let mut stack = vec![self];
        while let Some(n) = stack.pop() {
            f(n);
            match &n.kind {
                NodeKind::Scalar { .. } => {}
                NodeKind::Seq(items) => stack.extend(items.iter().rev()),
                NodeKind::Map(es) => {
                    for e in es.iter().rev() {
                        stack.push(&e.value);
                        stack.push(&e.key);
                    }
                }
            }
        }
    }
}

impl Drop for Node {
    // Iterative drop so that a deep (but within limits) tree never overflows the stack:
    // children's child lists are taken out before each list is dropped, so every
    // node is dropped childless (scalars and leaves are never moved).
    //
    // Inline, a node without children (a scalar, an empty list) is a tag test: the
    // drop of a list of them (every mapping's keys, a script's lines) costs no call
    // per node. The walk is [`drop_children`], out of line.
    #[inline]
    fn drop(&mut self) {
        let has_children = match &self.kind {
            NodeKind::Scalar { .. } => false,
            NodeKind::Seq(items) => !items.is_empty(),
            NodeKind::Map(es) => !es.is_empty(),
        };
        if has_children {
            drop_children(&mut self.kind);
        }
    }
}

/// Empties `kind` (a list or mapping with children) and every list and mapping below
/// it, one level at a time, so that each node is dropped childless ([`Node`]'s `Drop`).
///
/// One pass per list: each child's own list (or shared text) is taken out as it is
/// visited, then the list's buffer is freed without running the children's drop
/// glue again (each is left holding nothing: an empty, unallocated list or an
/// inline text). The drop of a job copied from templates, mostly scalars, is then
/// one tag test per node.
#[inline(never)]
fn drop_children(kind: &mut NodeKind) {
    enum Children {
        Items(Vec<Node>),
        Entries(Vec<Entry>),
    }
    /// Takes out what `kind` holds that needs freeing: its list (with a buffer) onto
    /// `pending`, its shared text (released here). Afterwards `kind`'s drop would
    /// do nothing.
    #[inline(always)]
    fn empty(kind: &mut NodeKind, pending: &mut Vec<Children>) {
        match kind {
            NodeKind::Scalar { value, .. } => {
                if !value.is_inline() {
                    drop(std::mem::take(value));
                }
            }
            NodeKind::Seq(items) => {
                if items.capacity() != 0 {
                    pending.push(Children::Items(std::mem::take(items)));
                }
            }
            NodeKind::Map(es) => {
                if es.capacity() != 0 {
                    pending.push(Children::Entries(std::mem::take(es)));
                }
            }
        }
    }
    let first = match kind {
        NodeKind::Seq(items) if items.capacity() != 0 => Children::Items(std::mem::take(items)),
        NodeKind::Map(es) if es.capacity() != 0 => Children::Entries(std::mem::take(es)),
        _ => return,
    };
    // Room for a few levels of lists before the first growth.
    let mut pending = Vec::with_capacity(8);
    pending.push(first);
    while let Some(children) = pending.pop() {
        match children {
            Children::Items(mut items) => {
                for n in &mut items {
                    empty(&mut n.kind, &mut pending);
                }
                // SAFETY: a length of 0 is within the capacity and needs no
                // initialized elements. The items are forgotten, not dropped: each
                // was emptied above, so their drop would free nothing.
                unsafe { items.set_len(0) };
            }
            Children::Entries(mut es) => {
                for e in &mut es {
                    empty(&mut e.key.kind, &mut pending);
                    empty(&mut e.value.kind, &mut pending);
                }
                // SAFETY: as for `Items`: every key and value was emptied.
                unsafe { es.set_len(0) };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// `Node::entry` finds what comparing each scalar key whole finds: keys that
    /// share a length or a first byte, empty keys, repeated keys (the first wins),
    /// non-scalar keys.
    #[test]
    fn entry_is_the_first_scalar_key_equal_to_the_key() {
        let doc = super::Document::parse(
            "a: 1\nab: 2\nba: 3\nbb: 4\n\"\": 5\n? [x]\n: 6\nab: 7\nscript: 8\nstages: 9\nstage: 10\n\
             aaaaaaaaaaaaaaaaaaaaaaa: 11\naaaaaaaaaaaaaaaaaaaaaaaa: 12\n\
             a key longer than any inline one: 13\nb key longer than any inline one: 14\n"
                .to_string(),
        )
        .expect("yaml");
        let root = &doc.root;
        let oracle = |k: &str| {
            root.as_map()
                .and_then(|m| m.iter().find(|e| e.key.as_str() == Some(k)))
                .map(|e| e.value.span)
        };
        for k in [
            "a",
            "ab",
            "ba",
            "bb",
            "b",
            "",
            "x",
            "[x]",
            "script",
            "stages",
            "stage",
            "stag",
            "scripts",
            "abc",
            "A",
            // Around the inline capacity (23 bytes inline, 24 shared) and past it.
            &"a".repeat(22),
            &"a".repeat(23),
            &"a".repeat(24),
            &"a".repeat(25),
            "a key longer than any inline one",
            "b key longer than any inline one",
            "a key longer than any inline onE",
            "a key longer than any inline on",
        ] {
            assert_eq!(root.entry(k).map(|e| e.value.span), oracle(k), "{k:?}");
        }
        assert_eq!(root.get("ab").and_then(super::Node::as_str), Some("2"));
        assert_eq!(root.get("").and_then(super::Node::as_str), Some("5"));
        assert!(root.get("b").is_none());
        assert_eq!(
            root.get(&"a".repeat(23)).and_then(super::Node::as_str),
            Some("11")
        );
        assert_eq!(
            root.get(&"a".repeat(24)).and_then(super::Node::as_str),
            Some("12")
        );
        let long = root.get("b key longer than any inline one");
        assert_eq!(long.and_then(super::Node::as_str), Some("14"));
    }

    /// The header route (header and body parsed each on its own) gives what parsing
    /// the whole stream gives, and falls back to it when the file does not open with
    /// the header; sources without a header are parsed as they are.
    #[test]
    fn header_route_matches_the_whole_stream() {
        let sources = [
            "spec:\n  inputs:\n    v:\n      default: x\n---\njob:\n  script: echo $[[ inputs.v ]]\n",
            "# comment\n\nspec:\n  inputs: {a: {}}\n--- # body\njob:\n  script: [make]\n",
            "spec:\n  inputs:\n    d:\n      description: |\n        text\n---\na: 1\n---\nb: 2\n",
            "spec:\r\n  inputs:\r\n    v:\r\n---\r\njob: {script: x}\r\n",
            // Not a header: more keys, not first, no marker, a `----` line.
            "spec:\n  inputs: {}\nstages: [a]\n---\njob: {}\n",
            "stages: [a]\nspec:\n  inputs: {}\n---\njob: {}\n",
            "spec:\n  inputs: {}\n",
            "spec:\n  inputs: {}\n----\n",
            "specs:\n  x: 1\n---\njob: {}\n",
            // A syntax error in the body.
            "spec:\n  inputs: {}\n---\njob: [\n",
        ];
        for src in sources {
            let limits = Limits::default();
            let fast = Document::parse_with_header(src.to_string(), limits, "spec");
            let whole = Document::header_from_stream(src.to_string(), limits, "spec");
            match (fast, whole) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.root, b.root, "{src:?}");
                    assert_eq!(a.header, b.header, "{src:?}");
                    assert_eq!(a.warnings.len(), b.warnings.len(), "{src:?}");
                    assert_eq!(a.source, src);
                }
                (Err((a, sa)), Err((b, sb))) => {
                    assert_eq!(a.position, b.position, "{src:?}");
                    assert_eq!((sa.as_str(), sb.as_str()), (src, src));
                }
                (a, b) => panic!("{src:?}: {:?} vs {:?}", a.is_ok(), b.is_ok()),
            }
        }
        // The header's text and the body are each read by the fast path.
        let src = "spec:\n  inputs:\n    v:\n---\njob:\n  script: make\n";
        let at = header_end(src, "spec").expect("a header");
        assert_eq!(&src[at..at + 3], "---");
        assert!(Document::fast_path_reads(&src[..at], Limits::default()));
        assert_eq!(header_end("stages: [a]\nspec: {}\n---\n", "spec"), None);
    }

    use super::*;

    fn doc(s: &str) -> Document {
        Document::parse(s.to_string()).expect("parses")
    }

    fn text<'a>(d: &'a Document, n: &Node) -> &'a str {
        &d.source()[n.span.start..n.span.end]
    }

    #[test]
    fn line_is_the_line_of_position() {
        for src in ["", "a", "a\n", "a: 1\nb: é\n\nc: [x]\r\n", "ü\nü\n", "k: v"] {
            let idx = LineIndex::new(src);
            for byte in 0..src.len() + 3 {
                assert_eq!(
                    idx.line(src, byte),
                    idx.position(src, byte).line,
                    "{src:?} {byte}"
                );
            }
        }
        let d = doc("a: 1\nb: [x, é]\n");
        for byte in 0..20 {
            assert_eq!(d.line(byte), d.position(byte).line);
        }
    }

    #[test]
    fn char_to_byte_walks_both_ways() {
        let src = "aé€😀b\nü x €€ y";
        let expected: Vec<usize> = src
            .char_indices()
            .map(|(b, _)| b)
            .chain([src.len()])
            .collect();
        let mut conv = CharToByte::new(src);
        // Forward, backward, jumps in both directions, past the end.
        let order = [0, 3, 2, 9, 1, 12, 5, 5, 4, 14, 0, 7, 99];
        for ci in order {
            let want = expected.get(ci).copied().unwrap_or(src.len());
            assert_eq!(conv.byte(ci), want, "char {ci}");
        }
    }

    #[test]
    fn spans_of_keys_and_values() {
        let d = doc("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n");
        let jobs = d.root.get("jobs").unwrap();
        let build = jobs.entry("build").unwrap();
        assert_eq!(text(&d, &build.key), "build");
        assert_eq!(
            d.position(build.key.span.start),
            Position { line: 3, column: 3 }
        );
        let ro = build.value.get("runs-on").unwrap();
        assert_eq!(text(&d, ro), "ubuntu-latest");
        assert_eq!(
            d.position(ro.span.start),
            Position {
                line: 4,
                column: 14
            }
        );
    }

    #[test]
    fn utf8_spans_are_byte_offsets() {
        let d = doc("name: \"déploiement ✓\"\nx: yes\n");
        let x = d.root.entry("x").unwrap();
        assert_eq!(text(&d, &x.key), "x");
        assert_eq!(
            d.position(x.value.span.start),
            Position { line: 2, column: 4 }
        );
    }

    #[test]
    fn literal_block_maps_back_to_lines() {
        let src = "run: |\n  echo one\n  npm test || true\n";
        let d = doc(src);
        let run = d.root.get("run").unwrap();
        let v = run.as_str().unwrap();
        let off = v.find("npm").unwrap();
        let s = d.value_to_source(run, off);
        assert_eq!(d.position(s), Position { line: 3, column: 3 });
        assert_eq!(&src[s..s + 3], "npm");
    }

    #[test]
    fn folded_and_indicator_blocks_map_back() {
        let src = "a:\n  run: >-\n    echo one\n    two\n\n    three\n";
        let d = doc(src);
        let run = d.root.get("a").unwrap().get("run").unwrap();
        let v = run.as_str().unwrap();
        assert_eq!(v, "echo one two\nthree");
        let s = d.value_to_source(run, v.find("three").unwrap());
        assert_eq!(&src[s..s + 5], "three");
        let src2 = "run: |2\n    indented\n  x\n";
        let d2 = doc(src2);
        let run2 = d2.root.get("run").unwrap();
        let v2 = run2.as_str().unwrap();
        let s2 = d2.value_to_source(run2, v2.find('x').unwrap());
        assert_eq!(d2.position(s2), Position { line: 3, column: 3 });
    }

    #[test]
    fn quoted_scalars_map_back() {
        let src = "a: \"x \\\"q\\\" npm test\"\nb: 'it''s npm'\n";
        let d = doc(src);
        let a = d.root.get("a").unwrap();
        let s = d.value_to_source(a, a.as_str().unwrap().find("npm").unwrap());
        assert_eq!(&src[s..s + 3], "npm");
        let b = d.root.get("b").unwrap();
        let s = d.value_to_source(b, b.as_str().unwrap().find("npm").unwrap());
        assert_eq!(&src[s..s + 3], "npm");
    }

    #[test]
    fn syntax_error_has_position() {
        let e = Document::parse("a: [1, 2\nb: c\n".into()).unwrap_err();
        assert!(e.message.contains("YAML syntax error"), "{e:?}");
        assert!(e.position.line >= 1);
    }

    #[test]
    fn duplicate_keys_warn_and_keep_first() {
        let d = doc("a: 1\nb: 2\na: 3\n");
        assert_eq!(d.root.get("a").unwrap().as_str(), Some("1"));
        assert_eq!(d.warnings.len(), 1);
        assert_eq!(d.warnings[0].position.line, 3);
        assert!(d.warnings[0].message.contains("first defined on line 1"));
    }

    #[test]
    fn duplicate_keys_in_large_maps_use_the_index() {
        // 40 keys: duplicates are found before and after the map switches from a scan
        // of its entries to a hash index (both of an early key and of a late one).
        let mut src: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        src.push_str("k1: dup\nk30: dup\nk5: dup\n");
        let d = doc(&src);
        assert_eq!(d.root.get("k1").unwrap().as_str(), Some("1"));
        assert_eq!(d.root.get("k30").unwrap().as_str(), Some("30"));
        assert_eq!(d.root.as_map().unwrap().len(), 40);
        let lines: Vec<usize> = d.warnings.iter().map(|w| w.position.line).collect();
        assert_eq!(lines, vec![41, 42, 43]);
        assert!(d.warnings[1].message.contains("first defined on line 31"));
        // A duplicate while the map is still small.
        let d = doc("a: 1\nb: 2\nc: 3\nb: 4\n");
        assert_eq!(d.warnings.len(), 1);
        assert!(d.warnings[0].message.contains("first defined on line 2"));
    }

    #[test]
    fn aliases_expand_and_bombs_are_refused() {
        let d = doc("a: &x {k: v}\nb: *x\n");
        assert_eq!(
            d.root.get("b").unwrap().get("k").unwrap().as_str(),
            Some("v")
        );
        let mut bomb = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let mut prev = 'a';
        for c in 'b'..='k' {
            bomb.push_str(&format!(
                "{c}: &{c} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
            ));
            prev = c;
        }
        let e = Document::parse(bomb).unwrap_err();
        assert!(e.message.contains("alias"), "{e:?}");
    }

    #[test]
    fn a_block_style_alias_bomb_is_bounded_on_the_fast_path() {
        // Nine aliases of the level below on each of ten levels (9^10 nodes if
        // expanded), in block style, which the fast path reads: it must stop at the
        // node limit and leave the error to saphyr, both in bounded time and memory.
        let mut bomb = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        let mut prev = 'a';
        for c in 'b'..='k' {
            bomb.push_str(&format!("{c}: &{c}\n"));
            for _ in 0..9 {
                bomb.push_str(&format!("  - *{prev}\n"));
            }
            prev = c;
        }
        // The first levels are fine and read by the fast path.
        let small: String = bomb.lines().take(21).map(|l| format!("{l}\n")).collect();
        assert!(Document::fast_path_reads(&small, Limits::default()));
        assert!(Document::parse(small).is_ok());
        assert!(!Document::fast_path_reads(&bomb, Limits::default()));
        let started = std::time::Instant::now();
        let e = Document::parse(bomb.clone()).unwrap_err();
        assert!(e.message.contains("alias"), "{e:?}");
        // A generous bound (a loaded debug build): unbounded expansion takes hours.
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        // With a lower limit the fast path gives up earlier, at the same point.
        let tight = Limits {
            max_nodes: 1_000,
            ..Limits::default()
        };
        assert!(!Document::fast_path_reads(&bomb, tight));
        assert!(Document::parse_with(bomb, tight).is_err());
    }

    #[test]
    fn an_alias_of_big_text_is_refused_by_bytes() {
        let mut s = format!("a: &a {}\n", "x".repeat(1 << 20));
        for i in 0..3 {
            s += &format!("b{i}: *a\n");
        }
        assert!(
            Document::parse(s.clone()).is_ok(),
            "3 MiB of copies is within 4 MiB"
        );
        s += "b9: *a\nb10: *a\n";
        let e = Document::parse(s).unwrap_err();
        assert!(e.message.contains("MiB of text"), "{e:?}");
        assert_eq!(
            e.position.line, 6,
            "4 MiB of copies is the limit; the fifth goes over"
        );
    }

    #[test]
    fn lone_cr_lines_map_into_block_scalars() {
        for nl in ["\n", "\r\n", "\r"] {
            let src = format!("run: |{nl}  one{nl}{nl}  two{nl}x: 1{nl}");
            let d = doc(&src);
            let run = d.root.get("run").unwrap();
            let v = run.as_str().unwrap();
            assert_eq!(v, "one\n\ntwo\n", "{nl:?}");
            let at = d.value_to_source(run, v.find("two").unwrap());
            assert_eq!(&src[at..at + 3], "two", "{nl:?}");
            assert_eq!(d.position(at).line, 4, "{nl:?}");
            assert_eq!(d.line_text(4), "  two", "{nl:?}");
        }
    }

    #[test]
    fn checkpoints_map_like_a_walk_from_the_start() {
        let body: String = (0..3000)
            .map(|i| format!("    cmd{i} \"a\\tb\" x\n"))
            .collect();
        for src in [
            format!("run: |\n{body}"),
            format!("run: >-\n{body}"),
            format!(
                "run: \"{}\"\n",
                body.replace('\n', " ").replace('"', "\\\"")
            ),
        ] {
            let d = doc(&src);
            let run = d.root.get("run").unwrap();
            let NodeKind::Scalar { value, style } = &run.kind else {
                panic!()
            };
            assert!(value.len() > CHECKPOINT_ABOVE);
            for t in (0..value.len()).step_by(97).rev() {
                let fresh = map_value_offset(&src, run.span, value, *style, t, &[]);
                assert_eq!(d.value_to_source(run, t), fresh, "offset {t}");
            }
        }
    }

    #[test]
    fn columns_count_characters_in_long_non_ascii_lines() {
        let src = format!("a: {}x\n", "é".repeat(1000));
        let d = doc(&src);
        let x = src.find('x').unwrap();
        assert_eq!(d.position(x).column, 1004);
        assert_eq!(d.position(x).line, 1);
        let idx = LineIndex::new(&src);
        assert_eq!(idx.position(&src, x).column, 1004);
    }

    /// `LineIndex::line` is the binary search's line for every byte of texts with
    /// long and short lines, runs of empty lines (many starts in one bucket), every
    /// line break YAML reads, a break on a bucket's first byte, and none at all.
    #[test]
    fn lines_from_buckets_are_the_searched_lines() {
        let long = "x".repeat(3 * LINE_BUCKET + 5);
        let texts = [
            String::new(),
            "one line, no break".to_string(),
            format!("a: 1\n{long}\nb: 2\n"),
            format!("{}{}x", "\n".repeat(2 * LINE_BUCKET + 3), "y".repeat(10)),
            "a\r\nb\rc\n\r\n\rd".repeat(40),
            format!("{}\nz", "w".repeat(LINE_BUCKET - 1)),
            format!("{}\n\nz\n", "é".repeat(LINE_BUCKET)),
        ];
        for src in &texts {
            let index = LineIndex::new(src);
            let starts = line_starts(src);
            for byte in 0..=src.len() + 2 {
                let b = byte.min(src.len());
                let want = match starts.binary_search(&b) {
                    Ok(i) => i + 1,
                    Err(i) => i,
                };
                assert_eq!(index.line(src, byte), want, "byte {byte} of {src:?}");
                assert_eq!(
                    index.position(src, byte).line,
                    want,
                    "byte {byte} of {src:?}"
                );
            }
        }
    }

    #[test]
    fn a_very_deep_tree_drops_without_recursion() {
        // Built by hand (the parser refuses such depth): dropping it must not
        // overflow the stack, whether lists, mappings or both nest.
        let leaf = || Node {
            kind: NodeKind::Scalar {
                value: "x".into(),
                style: Style::Plain,
            },
            span: Span::default(),
        };
        for shape in 0..3 {
            let mut n = leaf();
            for i in 0..200_000 {
                let seq = match shape {
                    0 => i % 2 == 0,
                    1 => true,
                    _ => false,
                };
                n = Node {
                    kind: if seq {
                        NodeKind::Seq(vec![n, leaf()])
                    } else {
                        NodeKind::Map(vec![Entry {
                            key: leaf(),
                            value: n,
                        }])
                    },
                    span: Span::default(),
                };
            }
            drop(n);
        }
    }

    #[test]
    fn a_dropped_tree_releases_every_shared_text() {
        // `drop_children` frees each list without its items' drop glue: every
        // shared text below (keys, values, items, at every depth, in lists left
        // empty with a buffer) must still be released.
        let long = "a text longer than any inline one, shared";
        let shared = Text::of(long);
        let count = Text::shared_count;
        assert_eq!(count(&shared), 1);
        let leaf = |t: &Text| Node {
            kind: NodeKind::Scalar {
                value: t.clone(),
                style: Style::Plain,
            },
            span: Span::default(),
        };
        let mut n = leaf(&shared);
        for i in 0..50 {
            let mut emptied = Vec::with_capacity(4);
            emptied.push(leaf(&shared));
            emptied.clear();
            n = Node {
                kind: if i % 2 == 0 {
                    NodeKind::Seq(vec![
                        n,
                        leaf(&shared),
                        leaf(&Text::of("x")),
                        Node {
                            kind: NodeKind::Seq(emptied),
                            span: Span::default(),
                        },
                    ])
                } else {
                    NodeKind::Map(vec![
                        Entry {
                            key: leaf(&shared),
                            value: n,
                        },
                        Entry {
                            key: leaf(&Text::of("k")),
                            value: leaf(&shared),
                        },
                    ])
                },
                span: Span::default(),
            };
        }
        assert_eq!(count(&shared), 77);
        drop(n);
        assert_eq!(count(&shared), 1);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let s = "[".repeat(100_000);
        let e = Document::parse(s).unwrap_err();
        assert!(
            e.message.contains("nesting") || e.message.contains("syntax"),
            "{e:?}"
        );
    }

    #[test]
    fn empty_document_is_null() {
        assert!(doc("").root.is_null());
        assert!(doc("# only a comment\n").root.is_null());
    }
}

#[cfg(test)]
mod flow_indent_tests {
    use super::*;

    // numpy's linux_simd.yml: a flow sequence in a block sequence whose closing `]`
    // sits at the column of the dash (saphyr-parser: "invalid indentation").
    const UNDER_INDENTED: &str = "matrix:\n  PROP:\n    - [\n      \"a b\",\n      \"3.12\"\n    ]\n    - [x,\n    y]\nafter: 1\n";

    #[test]
    fn accepts_closing_bracket_at_the_dash_column() {
        let doc = Document::parse(UNDER_INDENTED.to_string()).expect("parses");
        let prop = doc.root.get("matrix").and_then(|m| m.get("PROP"));
        let rows = prop.and_then(|p| p.as_seq()).expect("a sequence");
        assert_eq!(rows.len(), 2);
        let first = rows[0].as_seq().expect("flow sequence");
        assert_eq!(first[0].as_str(), Some("a b"));
        assert_eq!(first[1].as_str(), Some("3.12"));
        let second = rows[1].as_seq().expect("flow sequence");
        assert_eq!(second[1].as_str(), Some("y"));
        // Spans point into the original text, before and after the repaired lines.
        let src = doc.source();
        assert_eq!(first[1].span.text(src), Some("\"3.12\""));
        assert_eq!(second[1].span.text(src), Some("y"));
        let after = doc.root.entry("after").expect("after");
        assert_eq!(after.key.span.text(src), Some("after"));
        assert_eq!(doc.position(after.value.span.start).line, 9);
        assert_eq!(doc.position(after.value.span.start).column, 8);
    }

    #[test]
    fn still_refuses_block_indentation_errors() {
        // Not inside a flow collection: the first error is kept.
        let bad = "a:\n    b: 1\n  c: 2\n";
        let e = Document::parse(bad.to_string()).expect_err("invalid");
        assert_eq!(e.position.line, 3);
        let unclosed = "a: [1,\n2\n";
        assert!(Document::parse(unclosed.to_string()).is_err());
    }
}
