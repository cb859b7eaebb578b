//! The fast path: block-style YAML, as CI files are written, parsed straight from bytes.
//!
//! `saphyr-parser` is a complete YAML 1.2 scanner and was about 30% of the whole audit's
//! instructions on the corpus (docs/performance.md). Workflow files use a small part of
//! YAML: block mappings and sequences, plain scalars, quoted scalars (one line, or
//! several as block values), literal and folded block scalars, short flow collections
//! and comments. This module parses that
//! subset directly into the same [`Node`] tree `build` makes from saphyr's events: same
//! values, styles and byte spans (saphyr's quirks included, such as a quoted scalar's
//! span running over the blanks after its closing quote), same duplicate-key warnings.
//!
//! Anchors, aliases and tags are read too (GitLab CI files use them for templates:
//! `.defaults: &defaults`, `<<: *defaults`, `!reference [.setup, script]`): an alias
//! is a copy of the anchored node with the alias's span, counted against the same
//! node and alias-text limits as `build` counts it (an alias bomb makes the fast path
//! give up, and saphyr reports it); a tag is checked and dropped, as `build` drops it.
//! Only the usual forms: `&name`/`*name` with ASCII names, `!word`/`!!word` tags,
//! properties before a value or a collection (not before a key or an indentless
//! sequence).
//!
//! It never decides that a file is invalid. Anything outside the subset (other
//! property forms, explicit keys, directives, several documents, multi-line quoted
//! keys or flow scalars, quoted continuation lines not indented past their
//! collection, indentation indicators, tabs, CR line ends, comments inside flow
//! collections) and every syntax error make it give up (`None`); the caller then parses
//! the file with saphyr, which also produces the error messages. The differential tests
//! (`tests/fast_path.rs`, the `yaml_fast` fuzz target) check that whenever this module
//! returns a tree, it is the tree saphyr gives.

use crate::{Diagnostic, Entry, Limits, Node, NodeKind, Span, Style, Text};
use foldhash::HashMap;

/// Parses `src` if it stays inside the supported subset; `None` means "ask saphyr".
pub(crate) fn parse(
    src: &str,
    starts: &[usize],
    limits: Limits,
) -> Option<(Node, Vec<Diagnostic>)> {
    let b = src.as_bytes();
    if !printable(b) {
        return None;
    }
    let mut p = Fast {
        src,
        b,
        starts,
        pos: 0,
        depth: 0,
        nodes: 0,
        limits,
        in_document: false,
        warnings: Vec::new(),
        anchors: HashMap::default(),
        alias_bytes: 0,
    };
    p.skip_to_token()?;
    if p.at_marker(b"---") {
        p.pos += 3;
        p.skip_spaces()?;
        if !p.at_line_end() {
            return None;
        }
    }
    p.in_document = true;
    p.skip_to_token()?;
    if p.eof() {
        return None;
    }
    let root = p.block_node(-1)?;
    p.skip_to_token()?;
    if !p.eof() {
        return None;
    }
    Some((root, p.warnings))
}

/// Whether the text holds only what YAML calls printable (tab and line feed being the
/// only control characters allowed here: no CR, no C0/C1 controls, DEL, BOM or
/// U+FFFE/U+FFFF); saphyr refuses or treats the others specially, so the fast path
/// leaves them to it (a control byte was found by the yaml_fast fuzz target).
fn printable(b: &[u8]) -> bool {
    // Nearly every byte of a CI file is plain ASCII: check blocks of 32 bytes without
    // a branch per byte (the compiler vectorises the fold), and look at the bytes one by
    // one only in a block that holds something else (non-ASCII text, a control byte).
    // A multi-byte check may look past its block's end; that is fine, every position is
    // judged by the bytes from it on.
    const BLOCK: usize = 32;
    let mut i = 0;
    while i < b.len() {
        let end = (i + BLOCK).min(b.len());
        let block = b.get(i..end).unwrap_or(&[]);
        let plain = block.iter().fold(true, |ok, &c| {
            ok & ((0x20..=0x7e).contains(&c) | (c == b'\n') | (c == b'\t'))
        });
        if !plain && (i..end).any(|j| !printable_at(b, j)) {
            return false;
        }
        i = end;
    }
    true
}

/// Whether the character starting (or continuing) at byte `i` is allowed.
fn printable_at(b: &[u8], i: usize) -> bool {
    match b.get(i).copied().unwrap_or(b' ') {
        b'\n' | b'\t' | 0x20..=0x7e => true,
        0xc2 => !b.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)),
        0xef => !matches!(
            (b.get(i + 1), b.get(i + 2)),
            (Some(0xbb), Some(0xbf)) | (Some(0xbf), Some(0xbe | 0xbf))
        ),
        0x80..=0xff => true,
        _ => false,
    }
}

struct Fast<'a> {
    src: &'a str,
    b: &'a [u8],
    starts: &'a [usize],
    pos: usize,
    depth: usize,
    nodes: usize,
    limits: Limits,
    /// Past the optional `---`: another marker means a second document (saphyr's job).
    in_document: bool,
    warnings: Vec<Diagnostic>,
    /// Finished anchored nodes by name, with their size (nodes, bytes of scalar
    /// text), as `build` keeps them: an alias is a copy of the latest one.
    anchors: HashMap<&'a str, (Node, (usize, usize))>,
    /// Bytes of scalar text aliases added so far (bounded by the limits).
    alias_bytes: usize,
}

/// Node properties read before a node: where the first one starts and the anchor's
/// name, if any (a tag is only checked and dropped, as `build` drops it).
struct Props<'a> {
    start: usize,
    anchor: Option<&'a str>,
}

/// What ended one line of a plain scalar.
enum End {
    /// `:` followed by a separator: the scalar is a mapping key; the colon's offset.
    Key(usize),
    /// ` #`: a comment starts.
    Comment,
    /// The line break (or the end of the text) at this offset.
    Line(usize),
    /// A flow indicator (`,` `[` `]` `{` `}`).
    Flow,
}

/// How a block scalar treats its final line breaks.
#[derive(PartialEq, Clone, Copy)]
enum Chomp {
    Clip,
    Strip,
    Keep,
}

/// saphyr forgets a possible simple (implicit) key once it has read 1024 characters
/// past its start without finding the `:`, and then refuses the document; keys this
/// long (counted in bytes, which is never less than characters) are left to it.
const MAX_KEY_BYTES: usize = 1000;

/// Whether a key starting at `start` with its `:` at `colon` is short enough.
fn short_key(start: usize, colon: usize) -> bool {
    colon.saturating_sub(start) < MAX_KEY_BYTES
}

fn is_sep(b: Option<&u8>) -> bool {
    matches!(b, None | Some(b' ' | b'\n'))
}

fn is_flow_indicator(b: u8) -> bool {
    matches!(b, b',' | b'[' | b']' | b'{' | b'}')
}

/// Whether a plain scalar may start with `ch` (followed by `next`).
fn plain_start(ch: u8, next: Option<&u8>, flow: bool) -> bool {
    match ch {
        b'-' | b'?' | b':' => {
            !is_sep(next)
                && next != Some(&b'\t')
                && !(flow && next.is_some_and(|&n| is_flow_indicator(n)))
        }
        b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' | b' ' | b'\t' | b'\n' => false,
        _ => true,
    }
}

/// A sequence node spanning from `start` to its last item (`empty_end` when empty),
/// as `build` makes it.
fn seq_node(items: Vec<Node>, start: usize, empty_end: usize) -> Node {
    let end = items
        .last()
        .map(|n| n.span.end)
        .unwrap_or(empty_end)
        .max(start);
    Node {
        kind: NodeKind::Seq(items),
        span: Span::new(start, end),
    }
}

/// A mapping node spanning from `start` to its last entry (`empty_end` when empty).
fn map_node(entries: Vec<Entry>, start: usize, empty_end: usize) -> Node {
    let end = entries
        .last()
        .map(|e| e.value.span.end.max(e.key.span.end))
        .unwrap_or(empty_end)
        .max(start);
    Node {
        kind: NodeKind::Map(entries),
        span: Span::new(start, end),
    }
}

/// A plain scalar inside a flow collection with several words is left to saphyr
/// when a word starts with an indicator (`[. -]` is refused by saphyr: found by the
/// yaml_fast fuzz target); `[a b]` and `[ubuntu-latest]` are fine.
fn plain_flow_words(text: &[u8]) -> bool {
    !text.windows(2).any(|w| {
        w[0] == b' '
            && matches!(
                w[1],
                b'-' | b'?'
                    | b':'
                    | b','
                    | b'['
                    | b']'
                    | b'{'
                    | b'}'
                    | b'#'
                    | b'&'
                    | b'*'
                    | b'!'
                    | b'|'
                    | b'>'
                    | b'\''
                    | b'"'
                    | b'%'
                    | b'@'
                    | b'`'
            )
    })
}

fn scalar(value: impl Into<Text>, style: Style, start: usize, end: usize) -> Node {
    Node {
        kind: NodeKind::Scalar {
            value: value.into(),
            style,
        },
        span: Span::new(start, end),
    }
}

impl<'a> Fast<'a> {
    fn eof(&self) -> bool {
        self.pos >= self.b.len()
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }

    /// Column (in bytes, which is characters: only ASCII may precede a token whose
    /// column matters) of offset `i`; `None` when non-ASCII text precedes it.
    fn col(&self, i: usize) -> Option<usize> {
        let line = match memchr::memrchr(b'\n', self.b.get(..i)?) {
            Some(nl) => nl + 1,
            None => 0,
        };
        let before = self.b.get(line..i)?;
        before.is_ascii().then_some(i - line)
    }

    /// Counts one more node; gives up beyond the limit (saphyr reports it).
    fn count(&mut self) -> Option<()> {
        self.nodes += 1;
        (self.nodes <= self.limits.max_nodes).then_some(())
    }

    /// Enters a collection; gives up at the depth limit (saphyr reports it).
    fn enter(&mut self) -> Option<()> {
        if self.depth >= self.limits.max_depth {
            return None;
        }
        self.depth += 1;
        self.count()
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn at_marker(&self, m: &[u8]) -> bool {
        self.b.get(self.pos..).is_some_and(|r| r.starts_with(m))
            && (self.pos == 0 || self.at(self.pos - 1) == Some(b'\n'))
            && matches!(self.at(self.pos + 3), None | Some(b' ' | b'\n' | b'\t'))
    }

    /// The offset past the spaces starting at `i`.
    fn past_spaces(&self, mut i: usize) -> usize {
        while self.at(i) == Some(b' ') {
            i += 1;
        }
        i
    }

    /// Skips spaces on the current line; a tab gives up.
    fn skip_spaces(&mut self) -> Option<()> {
        while let Some(c) = self.at(self.pos) {
            match c {
                b' ' => self.pos += 1,
                b'\t' => return None,
                _ => break,
            }
        }
        Some(())
    }

    /// At a line break, the end of the text, or a comment (after spaces were skipped).
    fn at_line_end(&self) -> bool {
        match self.at(self.pos) {
            None | Some(b'\n') => true,
            Some(b'#') => self.pos == 0 || matches!(self.at(self.pos - 1), Some(b' ' | b'\n')),
            _ => false,
        }
    }

    /// Skips blanks, line breaks and comments up to the next token.
    fn skip_to_token(&mut self) -> Option<()> {
        loop {
            self.skip_spaces()?;
            match self.at(self.pos) {
                Some(b'\n') => self.pos += 1,
                Some(b'#') => {
                    if !self.at_line_end() {
                        return None;
                    }
                    self.pos = match memchr::memchr(b'\n', self.b.get(self.pos..)?) {
                        Some(k) => self.pos + k,
                        None => self.b.len(),
                    };
                }
                _ => break,
            }
        }
        if self.in_document && (self.at_marker(b"---") || self.at_marker(b"...")) {
            return None;
        }
        Some(())
    }

    /// The rest of the line must be blanks or a comment.
    fn end_of_line(&mut self) -> Option<()> {
        self.skip_spaces()?;
        self.at_line_end().then_some(())
    }

    fn dash_item(&self, i: usize) -> bool {
        self.at(i) == Some(b'-') && is_sep(self.b.get(i + 1))
    }

    /// An empty (null) plain scalar where saphyr puts it.
    fn empty(&mut self, at: usize) -> Option<Node> {
        self.count()?;
        Some(scalar(Text::new(), Style::Plain, at, at))
    }

    /// A node in block context at the current token; `parent` is the column of the
    /// innermost block collection (-1 at the top).
    fn block_node(&mut self, parent: isize) -> Option<Node> {
        let c = self.col(self.pos)?;
        if (c as isize) <= parent {
            return None;
        }
        let ch = self.at(self.pos)?;
        match ch {
            b'*' => {
                let n = self.alias(false)?;
                self.end_of_line()?;
                Some(n)
            }
            b'&' | b'!' => self.block_with_props(parent, false),
            b'-' if self.dash_item(self.pos) => self.block_seq(c, false),
            b'[' | b'{' => {
                let n = self.flow_node(parent)?;
                self.end_of_line()?;
                Some(n)
            }
            b'|' | b'>' => self.block_scalar(parent),
            b'"' | b'\'' => {
                let n = self.quoted(Some(parent))?;
                if self.at(self.pos) == Some(b':') && is_sep(self.b.get(self.pos + 1)) {
                    // A key is one line (saphyr refuses a multi-line one).
                    let one_line = self
                        .b
                        .get(n.span.start..self.pos)
                        .is_some_and(|k| memchr::memchr(b'\n', k).is_none());
                    if !one_line || !short_key(n.span.start, self.pos) {
                        return None;
                    }
                    self.pos += 1;
                    return self.block_map(c, n);
                }
                self.end_of_line()?;
                Some(n)
            }
            _ if !plain_start(ch, self.b.get(self.pos + 1), false) => None,
            _ => {
                let (n, key) = self.plain_block(parent)?;
                if key {
                    self.block_map(c, n)
                } else {
                    Some(n)
                }
            }
        }
    }

    /// The name of the anchor or alias whose indicator (`&`, `*`) is at `i`, as
    /// saphyr reads it (up to a blank, a line break or a flow indicator), and where it
    /// ends. Gives up on an empty or non-ASCII name, and unless a blank, a line break,
    /// the end of the text or (in a flow collection) a flow indicator follows.
    fn name_at(&self, i: usize, flow: bool) -> Option<(&'a str, usize)> {
        let mut j = i + 1;
        while let Some(c) = self.at(j) {
            if matches!(c, b' ' | b'\n' | b'\t') || is_flow_indicator(c) {
                break;
            }
            if !c.is_ascii_graphic() {
                return None;
            }
            j += 1;
        }
        match self.at(j) {
            _ if j == i + 1 => None,
            None | Some(b' ' | b'\n') => Some((self.src.get(i + 1..j)?, j)),
            Some(c) if flow && is_flow_indicator(c) => Some((self.src.get(i + 1..j)?, j)),
            _ => None,
        }
    }

    /// The end of the tag at `i`: only `!word` and `!!word` (word characters as
    /// saphyr's `is_alpha`), followed by a blank, a line break or the end. Other forms
    /// (verbatim `!<…>`, named handles `!a!b`, the bare `!`) are left to saphyr.
    fn tag_at(&self, i: usize) -> Option<usize> {
        let mut j = i + 1;
        if self.at(j) == Some(b'!') {
            j += 1;
        }
        let word = j;
        while self
            .at(j)
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        {
            j += 1;
        }
        (j > word && matches!(self.at(j), None | Some(b' ' | b'\n'))).then_some(j)
    }

    /// The properties at the position (an anchor and a tag, each at most once, in
    /// either order, on one line) and the spaces after them.
    fn properties(&mut self, flow: bool) -> Option<Props<'a>> {
        let start = self.pos;
        let mut anchor = None;
        let mut tagged = false;
        loop {
            match self.at(self.pos) {
                Some(b'&') if anchor.is_none() => {
                    let (name, end) = self.name_at(self.pos, flow)?;
                    anchor = Some(name);
                    self.pos = end;
                }
                Some(b'!') if !tagged => {
                    self.pos = self.tag_at(self.pos)?;
                    tagged = true;
                }
                _ => break,
            }
            self.skip_spaces()?;
        }
        if let Some(name) = anchor {
            // Until its node is finished, an alias of this name is an error to saphyr
            // (`build` registers an anchor when its node ends): give up on it.
            self.anchors.remove(name);
        }
        Some(Props { start, anchor })
    }

    /// `node` read after `props`: its span starts at the first property (saphyr's
    /// event span does), and an anchored node is kept for its aliases.
    fn finish_props(&mut self, props: Props<'a>, mut node: Node) -> Node {
        node.span.start = match &node.kind {
            // `build` moves a block scalar's start back to a `|`/`>` it finds before
            // the event's start, here the first property: do the same.
            NodeKind::Scalar {
                style: Style::Literal | Style::Folded,
                ..
            } => crate::block_header_start(self.src, props.start),
            _ => props.start,
        };
        if let Some(name) = props.anchor {
            let size = crate::count_nodes(&node);
            self.anchors.insert(name, (node.clone(), size));
        }
        node
    }

    /// An alias at the position: a copy of the anchored node with the alias's span,
    /// counted against the node and alias-text limits as `build` counts it (beyond
    /// them saphyr reports the alias bomb). An unknown anchor gives up.
    fn alias(&mut self, flow: bool) -> Option<Node> {
        let start = self.pos;
        let (name, end) = self.name_at(start, flow)?;
        let size = self.anchors.get(name)?.1;
        self.nodes = self.nodes.saturating_add(size.0);
        self.alias_bytes = self.alias_bytes.saturating_add(size.1);
        if self.alias_bytes > self.limits.max_alias_bytes || self.nodes > self.limits.max_nodes {
            return None;
        }
        let mut n = self.anchors.get(name)?.0.clone();
        n.span = Span::new(start, end);
        self.pos = end;
        Some(n)
    }

    /// A node with properties in block context, at the position; `parent` as for
    /// [`Self::block_node`]. `map_value`: the properties follow a mapping key's colon
    /// (`parent` is the mapping's column) on the same line.
    fn block_with_props(&mut self, parent: isize, map_value: bool) -> Option<Node> {
        let props = self.properties(false)?;
        let node = if self.at_line_end() {
            self.skip_to_token()?;
            if self.eof() {
                if parent < 0 {
                    return None;
                }
                self.empty(props.start)?
            } else {
                let c2 = self.col(self.pos)? as isize;
                match self.at(self.pos)? {
                    // Properties again, an alias, a block scalar's header on its own
                    // line: left to saphyr.
                    b'&' | b'!' | b'*' | b'|' | b'>' => return None,
                    // `key: &a` over an indentless sequence.
                    b'-' if map_value && c2 == parent && self.dash_item(self.pos) => return None,
                    _ if c2 > parent => self.block_node(parent)?,
                    _ => self.empty(props.start)?,
                }
            }
        } else {
            match self.at(self.pos)? {
                b'|' | b'>' => self.block_scalar(parent)?,
                b'[' | b'{' => {
                    let n = self.flow_node(parent)?;
                    self.end_of_line()?;
                    n
                }
                b'"' | b'\'' => {
                    // A key (`&a "k": v`) would carry the properties: end_of_line
                    // refuses the colon.
                    let n = self.quoted(Some(parent))?;
                    self.end_of_line()?;
                    n
                }
                ch if plain_start(ch, self.b.get(self.pos + 1), false) => {
                    match self.plain_block(parent)? {
                        (n, false) => n,
                        (_, true) => return None,
                    }
                }
                _ => return None,
            }
        };
        Some(self.finish_props(props, node))
    }

    /// A block mapping at column `c` whose first key was just read (the position is
    /// past its colon).
    fn block_map(&mut self, c: usize, first_key: Node) -> Option<Node> {
        self.enter()?;
        let start = first_key.span.start;
        // The capacity the first push would give (a map has at least one entry),
        // without the growth path.
        let mut entries: Vec<Entry> = Vec::with_capacity(4);
        let mut seen = None;
        let mut key = first_key;
        loop {
            let colon = self.pos - 1;
            let value = self.map_value(c, colon)?;
            self.push_entry(&mut entries, &mut seen, key, value);
            if !self.next_at_column(c)? {
                break;
            }
            key = self.block_key()?;
        }
        self.leave();
        Some(map_node(entries, start, start))
    }

    /// Moves to the next token and tells whether it continues the block collection at
    /// column `c` (`false`: the collection ended; deeper indentation gives up).
    fn next_at_column(&mut self, c: usize) -> Option<bool> {
        self.skip_to_token()?;
        if self.eof() {
            return Some(false);
        }
        let c2 = self.col(self.pos)?;
        if c2 > c {
            return None;
        }
        Some(c2 == c)
    }

    /// A key of a block mapping (plain or quoted, on one line); leaves the position
    /// past its colon.
    fn block_key(&mut self) -> Option<Node> {
        let ch = self.at(self.pos)?;
        if ch == b'"' || ch == b'\'' {
            let n = self.quoted(None)?;
            if self.at(self.pos) == Some(b':')
                && is_sep(self.b.get(self.pos + 1))
                && short_key(n.span.start, self.pos)
            {
                self.pos += 1;
                return Some(n);
            }
            return None;
        }
        if !plain_start(ch, self.b.get(self.pos + 1), false) {
            return None;
        }
        let start = self.pos;
        match self.plain_line(start, false)? {
            (end, End::Key(colon)) if short_key(start, colon) => {
                self.count()?;
                self.pos = colon + 1;
                Some(scalar(self.src.get(start..end)?, Style::Plain, start, end))
            }
            _ => None,
        }
    }

    /// The value after a block mapping key's colon at offset `colon`.
    fn map_value(&mut self, c: usize, colon: usize) -> Option<Node> {
        self.skip_spaces()?;
        if self.at_line_end() {
            self.skip_to_token()?;
            if self.eof() {
                return self.empty(colon);
            }
            let c2 = self.col(self.pos)?;
            if c2 > c {
                return self.block_node(c as isize);
            }
            if c2 == c && self.dash_item(self.pos) {
                return self.block_seq(c, true);
            }
            return self.empty(colon);
        }
        let ch = self.at(self.pos)?;
        match ch {
            b'*' => {
                let n = self.alias(false)?;
                self.end_of_line()?;
                Some(n)
            }
            b'&' | b'!' => self.block_with_props(c as isize, true),
            b'|' | b'>' => self.block_scalar(c as isize),
            b'[' | b'{' => {
                let n = self.flow_node(c as isize)?;
                self.end_of_line()?;
                Some(n)
            }
            b'"' | b'\'' => {
                let n = self.quoted(Some(c as isize))?;
                self.end_of_line()?;
                Some(n)
            }
            _ if !plain_start(ch, self.b.get(self.pos + 1), false) => None,
            _ => match self.plain_block(c as isize)? {
                (n, false) => Some(n),
                (_, true) => None,
            },
        }
    }

    /// A block sequence whose first `-` is at the current position, column `c`.
    /// `indentless`: the value of a mapping key at the same column (`key:\n- a`).
    fn block_seq(&mut self, c: usize, indentless: bool) -> Option<Node> {
        self.enter()?;
        // The capacity the first push would give (a sequence here has an item).
        let mut items = Vec::with_capacity(4);
        let mut start = self.pos;
        loop {
            self.pos += 1;
            self.skip_spaces()?;
            let item = if self.at_line_end() {
                // An empty item sits at the end of the dash's line (after a comment).
                let eol = match memchr::memchr(b'\n', self.b.get(self.pos..)?) {
                    Some(k) => self.pos + k,
                    None => self.b.len(),
                };
                self.skip_to_token()?;
                if !self.eof() && self.col(self.pos)? > c {
                    if indentless && items.is_empty() {
                        return None;
                    }
                    self.block_node(c as isize)?
                } else {
                    if indentless && items.is_empty() {
                        start = eol;
                    }
                    self.empty(eol)?
                }
            } else {
                if indentless && items.is_empty() {
                    start = self.pos;
                }
                self.block_node(c as isize)?
            };
            items.push(item);
            if !self.next_at_column(c)? {
                break;
            }
            if !self.dash_item(self.pos) {
                if indentless {
                    break;
                }
                return None;
            }
        }
        self.leave();
        Some(seq_node(items, start, start))
    }

    /// Scans one line of a plain scalar from `start`: where its text ends (trailing
    /// blanks excluded) and what ended it. A tab gives up.
    fn plain_line(&self, start: usize, flow: bool) -> Option<(usize, End)> {
        let mut i = start;
        let mut end = start;
        while let Some(&ch) = self.b.get(i) {
            match ch {
                b'\n' => return Some((end, End::Line(i))),
                b'\t' => return None,
                b' ' => {
                    if self.at(i + 1) == Some(b'#') {
                        return Some((end, End::Comment));
                    }
                    i += 1;
                    continue;
                }
                b':' => {
                    let next = self.b.get(i + 1);
                    if is_sep(next) || flow && next.is_some_and(|&n| is_flow_indicator(n)) {
                        return Some((end, End::Key(i)));
                    }
                }
                _ if flow && is_flow_indicator(ch) => return Some((end, End::Flow)),
                _ => {}
            }
            i += 1;
            end = i;
        }
        Some((end, End::Line(i)))
    }

    /// A plain scalar in block context, possibly continued on more-indented lines;
    /// `true` when it is a mapping key (the position is then past the colon).
    fn plain_block(&mut self, parent: isize) -> Option<(Node, bool)> {
        let start = self.pos;
        let (end, stop) = self.plain_line(start, false)?;
        self.count()?;
        let first = self.src.get(start..end)?;
        match stop {
            End::Key(colon) => {
                if !short_key(start, colon) {
                    return None;
                }
                self.pos = colon + 1;
                Some((scalar(first, Style::Plain, start, end), true))
            }
            End::Comment | End::Flow => {
                self.pos = end;
                Some((scalar(first, Style::Plain, start, end), false))
            }
            End::Line(mut at) => {
                let mut value: Option<String> = None;
                let mut last = end;
                while at < self.b.len() {
                    // `at` is a line break: count the empty lines after it.
                    let mut breaks = 1usize;
                    let mut line = at + 1;
                    let text = loop {
                        let r = self.past_spaces(line);
                        match self.at(r) {
                            Some(b'\n') => {
                                breaks += 1;
                                line = r + 1;
                            }
                            Some(b'\t') => return None,
                            _ => break r,
                        }
                    };
                    if text >= self.b.len()
                        || ((text - line) as isize) <= parent
                        || self.at(text) == Some(b'#')
                    {
                        break;
                    }
                    // A continuation line may start with any character a plain
                    // scalar may hold (`-Dopt`, `--flag`, `|| exit 1`, `"quoted"`,
                    // `- x`): only the first line's start is restricted.
                    if parent < 0 {
                        return None;
                    }
                    let (e2, stop2) = self.plain_line(text, false)?;
                    let End::Line(next) = stop2 else {
                        return None;
                    };
                    let v = value.get_or_insert_with(|| first.to_string());
                    if breaks == 1 {
                        v.push(' ');
                    } else {
                        for _ in 1..breaks {
                            v.push('\n');
                        }
                    }
                    v.push_str(self.src.get(text..e2)?);
                    last = e2;
                    at = next;
                }
                self.pos = last;
                let value = value.map_or_else(|| Text::of(first), Text::from);
                Some((scalar(value, Style::Plain, start, last), false))
            }
        }
    }

    /// A quoted scalar at the position. Its span, like saphyr's, runs over the spaces
    /// after the closing quote; the position ends there too.
    ///
    /// `lines`: `Some(parent)` for a value in block context (`parent`: the column of
    /// the innermost block collection), which may run over several lines, folded as
    /// saphyr folds them: a line break and the blanks around it are one space, or a
    /// line feed per empty line after it; an escaped line break (`\` at the end of a
    /// line) joins the lines without a space. Each continuation line must be indented
    /// more than `parent` (saphyr asks at least as much: this is stricter), and holds
    /// no tab and no document marker. `None`: one line only (keys, flow collections).
    fn quoted(&mut self, lines: Option<isize>) -> Option<Node> {
        let start = self.pos;
        let q = self.at(start)?;
        let mut i = start + 1;
        let mut value = String::new();
        let mut whole: Option<&str> = None;
        let mut seg = i;
        loop {
            let rest = self.b.get(i..)?;
            let j = i + if q == b'\'' {
                memchr::memchr2(b'\'', b'\n', rest)?
            } else {
                memchr::memchr3(b'"', b'\\', b'\n', rest)?
            };
            match self.at(j)? {
                b'\'' if self.at(j + 1) == Some(b'\'') => {
                    value.push_str(self.src.get(seg..=j)?);
                    i = j + 2;
                    seg = i;
                }
                b'\'' | b'"' => {
                    if seg == start + 1 {
                        // No escape nor line break: the text between the quotes.
                        whole = Some(self.src.get(seg..j)?);
                    } else {
                        value.push_str(self.src.get(seg..j)?);
                    }
                    i = j + 1;
                    break;
                }
                b'\\' if self.at(j + 1) == Some(b'\n') => {
                    // An escaped line break: the blanks before it stay.
                    lines?;
                    value.push_str(self.src.get(seg..j)?);
                    let (next, breaks) = self.continuation(j + 2, lines?)?;
                    for _ in 0..breaks {
                        value.push('\n');
                    }
                    i = next;
                    seg = i;
                }
                b'\\' => {
                    value.push_str(self.src.get(seg..j)?);
                    let (ch, len) = self.escape(j + 1)?;
                    value.push(ch);
                    i = j + 1 + len;
                    seg = i;
                }
                _ => {
                    // A line break: the blanks before it go, the break folds.
                    let parent = lines?;
                    let text = self.src.get(seg..j)?;
                    let kept = text.trim_end_matches(' ');
                    if kept.ends_with('\t') {
                        return None;
                    }
                    value.push_str(kept);
                    let (next, breaks) = self.continuation(j + 1, parent)?;
                    if breaks == 0 {
                        value.push(' ');
                    }
                    for _ in 0..breaks {
                        value.push('\n');
                    }
                    i = next;
                    seg = i;
                }
            }
        }
        self.count()?;
        let i = self.past_spaces(i);
        if self.at(i) == Some(b'\t') {
            return None;
        }
        self.pos = i;
        let i = self.over_comment(i);
        let style = if q == b'\'' {
            Style::SingleQuoted
        } else {
            Style::DoubleQuoted
        };
        let value = whole.map_or_else(|| Text::from(value), Text::of);
        Some(scalar(value, style, start, i))
    }

    /// The lines after a line break at `line - 1` inside a quoted scalar: the first
    /// non-blank byte after the empty lines, and how many empty lines there are; `None`
    /// when that line is not indented more than `parent`, has a tab in its indentation,
    /// starts with a document marker, or the text ends.
    fn continuation(&self, mut line: usize, parent: isize) -> Option<(usize, usize)> {
        let mut breaks = 0;
        loop {
            let r = self.past_spaces(line);
            match self.at(r)? {
                b'\n' => {
                    breaks += 1;
                    line = r + 1;
                }
                b'\t' => return None,
                _ => {
                    let marker = self
                        .b
                        .get(r..r + 3)
                        .is_some_and(|m| m == b"---" || m == b"...");
                    if ((r - line) as isize) <= parent || (r == line && marker) {
                        return None;
                    }
                    return Some((r, breaks));
                }
            }
        }
    }

    /// The character a double-quoted escape at `i` (after the backslash) stands for,
    /// and the escape's length.
    fn escape(&self, i: usize) -> Option<(char, usize)> {
        let simple = match self.at(i)? {
            b'0' => '\0',
            b'a' => '\u{7}',
            b'b' => '\u{8}',
            b't' | b'\t' => '\t',
            b'n' => '\n',
            b'v' => '\u{b}',
            b'f' => '\u{c}',
            b'r' => '\r',
            b'e' => '\u{1b}',
            b' ' => ' ',
            b'"' => '"',
            b'/' => '/',
            b'\\' => '\\',
            b'N' => '\u{85}',
            b'_' => '\u{a0}',
            b'L' => '\u{2028}',
            b'P' => '\u{2029}',
            b'x' => return self.hex(i + 1, 2),
            b'u' => return self.hex(i + 1, 4),
            b'U' => return self.hex(i + 1, 8),
            _ => return None,
        };
        Some((simple, 1))
    }

    fn hex(&self, i: usize, n: usize) -> Option<(char, usize)> {
        let digits = self.src.get(i..i + n)?;
        if !digits.bytes().all(|d| d.is_ascii_hexdigit()) {
            return None;
        }
        let code = u32::from_str_radix(digits, 16).ok()?;
        Some((char::from_u32(code)?, n + 1))
    }

    /// A literal (`|`) or folded (`>`) block scalar whose header is at the position.
    fn block_scalar(&mut self, parent: isize) -> Option<Node> {
        let literal = self.at(self.pos)? == b'|';
        let mut i = self.pos + 1;
        let mut chomp = Chomp::Clip;
        while let Some(c) = self.at(i) {
            match c {
                b'+' | b'-' if chomp == Chomp::Clip => {
                    chomp = if c == b'+' { Chomp::Keep } else { Chomp::Strip };
                }
                b'+' | b'-' | b'0'..=b'9' => return None,
                _ => break,
            }
            i += 1;
        }
        self.pos = i;
        self.end_of_line()?;
        let i = self.pos + memchr::memchr(b'\n', self.b.get(self.pos..)?)?;
        // Leading empty lines, then the first content line sets the indentation.
        let mut line = i + 1;
        let mut trailing = String::new();
        let mut max_blank = 0usize;
        let first = loop {
            let r = self.past_spaces(line);
            match self.at(r) {
                Some(b'\n') => {
                    max_blank = max_blank.max(r - line);
                    trailing.push('\n');
                    line = r + 1;
                }
                Some(b'\t') | None => return None,
                Some(_) => break r,
            }
        };
        let indent = first - line;
        if (indent as isize) <= parent || indent == 0 || max_blank > indent {
            return None;
        }
        let mut out = String::new();
        let mut leading_break = false;
        let mut leading_blank = false;
        let end;
        loop {
            // `line` starts a content line indented by at least `indent`.
            let text = line + indent;
            let trailing_blank = matches!(self.at(text), Some(b' ' | b'\t'));
            if !literal && leading_break && !leading_blank && !trailing_blank {
                if trailing.is_empty() {
                    out.push(' ');
                }
            } else if leading_break {
                out.push('\n');
            }
            out.push_str(&trailing);
            trailing.clear();
            leading_blank = trailing_blank;
            let eol = match memchr::memchr(b'\n', self.b.get(text..)?) {
                Some(k) => text + k,
                None => self.b.len(),
            };
            let content = self.src.get(text..eol)?;
            if eol >= self.b.len() && content.bytes().all(|c| c == b' ') {
                return None;
            }
            out.push_str(content);
            if eol >= self.b.len() {
                // The end of the text ends the last line, as a line break would.
                leading_break = true;
                end = eol;
                break;
            }
            leading_break = true;
            line = eol + 1;
            // Empty lines (fewer than `indent` spaces, then a break).
            let stop = loop {
                let mut q = line;
                while q - line < indent && self.at(q) == Some(b' ') {
                    q += 1;
                }
                match self.at(q) {
                    Some(b'\n') => {
                        trailing.push('\n');
                        line = q + 1;
                    }
                    Some(b'\t') if q - line < indent => return None,
                    // A blank last line without a line break: saphyr counts it as
                    // another break (found by the yaml_fast fuzz target); leave it.
                    None if q > line => return None,
                    _ => break q,
                }
            };
            if stop >= self.b.len() || stop - line < indent {
                end = stop;
                break;
            }
        }
        if chomp != Chomp::Strip && leading_break {
            out.push('\n');
        }
        if chomp == Chomp::Keep {
            out.push_str(&trailing);
        }
        self.count()?;
        self.pos = end;
        let style = if literal {
            Style::Literal
        } else {
            Style::Folded
        };
        Some(scalar(
            out,
            style,
            crate::block_header_start(self.src, first),
            end,
        ))
    }

    /// Blanks and line breaks inside a flow collection. Continuation lines must be
    /// indented past the enclosing block collection; comments give up.
    fn flow_space(&mut self, parent: isize) -> Option<()> {
        loop {
            self.skip_spaces()?;
            match self.at(self.pos) {
                Some(b'\n') => {
                    self.pos += 1;
                    let line = self.pos;
                    self.skip_spaces()?;
                    if self.at(self.pos) != Some(b'\n') && ((self.pos - line) as isize) <= parent {
                        return None;
                    }
                }
                Some(b'#') => return None,
                _ => return Some(()),
            }
        }
    }

    /// Adds a mapping entry (duplicate keys warn, as in `build`).
    fn push_entry(
        &mut self,
        entries: &mut Vec<Entry>,
        seen: &mut Option<HashMap<Text, usize>>,
        key: Node,
        value: Node,
    ) {
        let (src, starts) = (self.src, self.starts);
        crate::push_entry(entries, seen, key, value, &mut self.warnings, &|b| {
            crate::position_in(src, starts, b)
        });
    }

    /// After a flow item: a comma (`Some(None)`), or the closing bracket `close`
    /// (`Some(Some(end of its span))`).
    fn flow_separator(&mut self, parent: isize, close: u8) -> Option<Option<usize>> {
        self.flow_space(parent)?;
        match self.at(self.pos)? {
            b',' => {
                self.pos += 1;
                Some(None)
            }
            c if c == close => Some(Some(self.closing_end())),
            _ => None,
        }
    }

    /// A flow collection or scalar at the position.
    fn flow_node(&mut self, parent: isize) -> Option<Node> {
        let ch = self.at(self.pos)?;
        match ch {
            b'*' => self.alias(true),
            b'&' | b'!' => {
                let props = self.properties(true)?;
                // An empty node with properties, or a second anchor or tag: saphyr's.
                if matches!(
                    self.at(self.pos)?,
                    b'&' | b'!' | b'*' | b',' | b']' | b'}' | b'\n' | b'#'
                ) {
                    return None;
                }
                let n = self.flow_node(parent)?;
                Some(self.finish_props(props, n))
            }
            b'[' => self.flow_seq(parent),
            b'{' => self.flow_map(parent),
            b'"' | b'\'' => self.quoted(None),
            _ if !plain_start(ch, self.b.get(self.pos + 1), true) => None,
            _ => {
                let start = self.pos;
                let (end, stop) = self.plain_line(start, true)?;
                match stop {
                    End::Flow | End::Line(_) => {}
                    End::Key(_) | End::Comment => return None,
                }
                if !plain_flow_words(self.b.get(start..end)?) {
                    return None;
                }
                self.count()?;
                self.pos = end;
                Some(scalar(self.src.get(start..end)?, Style::Plain, start, end))
            }
        }
    }

    /// saphyr ends a quoted scalar's or a closing bracket's span past the blanks after
    /// it, and past a comment there, up to the line break: `i` is past the blanks.
    fn over_comment(&self, i: usize) -> usize {
        if self.at(i) == Some(b'#') && self.at(i.wrapping_sub(1)) == Some(b' ') {
            return match self.b.get(i..).and_then(|r| memchr::memchr(b'\n', r)) {
                Some(k) => i + k,
                None => self.b.len(),
            };
        }
        i
    }

    /// Where an empty flow collection's closing bracket ends (see [`Self::over_comment`]).
    fn closing_end(&mut self) -> usize {
        self.pos += 1;
        self.over_comment(self.past_spaces(self.pos))
    }

    fn flow_seq(&mut self, parent: isize) -> Option<Node> {
        self.enter()?;
        let start = self.pos;
        self.pos += 1;
        let mut items = Vec::new();
        let close;
        loop {
            self.flow_space(parent)?;
            if self.at(self.pos) == Some(b']') {
                close = self.closing_end();
                break;
            }
            let item = self.flow_node(parent)?;
            items.push(item);
            if let Some(end) = self.flow_separator(parent, b']')? {
                close = end;
                break;
            }
        }
        self.leave();
        Some(seq_node(items, start, close))
    }

    fn flow_map(&mut self, parent: isize) -> Option<Node> {
        self.enter()?;
        let start = self.pos;
        self.pos += 1;
        let mut entries = Vec::new();
        let mut seen: Option<HashMap<Text, usize>> = None;
        let close;
        loop {
            self.flow_space(parent)?;
            if self.at(self.pos) == Some(b'}') {
                close = self.closing_end();
                break;
            }
            let ch = self.at(self.pos)?;
            let key = match ch {
                b'"' | b'\'' => self.quoted(None)?,
                _ if !plain_start(ch, self.b.get(self.pos + 1), true) => return None,
                _ => {
                    let kstart = self.pos;
                    let (end, stop) = self.plain_line(kstart, true)?;
                    let End::Key(colon) = stop else {
                        return None;
                    };
                    if !plain_flow_words(self.b.get(kstart..end)?) {
                        return None;
                    }
                    self.count()?;
                    self.pos = colon;
                    scalar(self.src.get(kstart..end)?, Style::Plain, kstart, end)
                }
            };
            if self.at(self.pos) != Some(b':')
                || !is_sep(self.b.get(self.pos + 1))
                || !short_key(key.span.start, self.pos)
            {
                return None;
            }
            self.pos += 1;
            self.flow_space(parent)?;
            if matches!(self.at(self.pos), Some(b',' | b'}')) {
                return None;
            }
            let value = self.flow_node(parent)?;
            self.push_entry(&mut entries, &mut seen, key, value);
            if let Some(end) = self.flow_separator(parent, b'}')? {
                close = end;
                break;
            }
        }
        self.leave();
        Some(map_node(entries, start, close))
    }
}

#[cfg(test)]
mod printable_tests {
    use super::{printable, printable_at};

    /// The byte-by-byte check the block check replaced, as the oracle.
    fn oracle(b: &[u8]) -> bool {
        (0..b.len()).all(|i| printable_at(b, i))
    }

    #[test]
    fn block_check_matches_the_byte_loop_at_every_offset() {
        // Every special sequence at every offset around the 32-byte block edges,
        // including sequences cut by a block boundary or by the end of the text.
        let specials: &[&[u8]] = &[
            b"\r",
            b"\x00",
            b"\x7f",
            b"\x1b",
            "\u{85}".as_bytes(),
            "\u{feff}".as_bytes(),
            "\u{fffe}".as_bytes(),
            "\u{ffff}".as_bytes(),
            "\u{a0}".as_bytes(),
            "é".as_bytes(),
            "\u{fffd}".as_bytes(),
            b"\t\n",
        ];
        let mut checked = 0;
        for s in specials {
            for len in [1usize, 31, 32, 33, 63, 64, 65, 100] {
                for at in 0..len {
                    let mut text = vec![b'a'; len];
                    text.splice(at..(at + s.len()).min(len), s.iter().copied());
                    assert_eq!(printable(&text), oracle(&text), "{s:?} at {at} of {len}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000);
        assert!(printable(b"on: push\njobs:\n  a:\n\truns-on: x\n"));
        assert!(!printable(b"on: push\r\n"));
        assert!(!printable("x: \u{feff}".as_bytes()));
        assert!(printable("name: caf\u{e9} \u{2014} ok".as_bytes()));
    }
}
