//! A self-contained Dockerfile parser that keeps exact byte spans.
//!
//! [`parse`] turns Dockerfile text into a flat list of [`Instruction`]s, the
//! build [`Stage`]s opened by `FROM`, and a list of [`ParseError`]s. It never
//! fails and never panics: anything it cannot make sense of is recorded as an
//! error and parsing carries on with the next line.
//!
//! The parser follows BuildKit's line model in one pass, without regexes:
//!
//! - a UTF-8 byte order mark at the very start is skipped (spans still count
//!   its three bytes, so they index the text exactly as given);
//! - parser directives (`# syntax=...`, `# escape=...`, `# check=...`) are read
//!   only at the top of the file, before any other comment, blank line or
//!   instruction; `# escape=` sets the line-continuation character to `\` or
//!   `` ` ``;
//! - `CRLF` and `LF` line endings are both accepted;
//! - a line whose last non-blank character is the escape character continues
//!   on the next line; comment lines and blank lines inside such a run are
//!   skipped, and the pieces are joined *without* adding anything, exactly as
//!   BuildKit does (`RUN a \`, `    b` gives the arguments `a     b`);
//! - keywords are case-insensitive and reported upper-cased;
//! - leading `--name[=value]` words are taken out of the arguments into
//!   [`Instruction::flags`];
//! - `RUN`, `COPY` and `ADD` (also behind `ONBUILD`) accept heredocs
//!   (`<<EOF`, `<<-EOF`, `<<"EOF"`, several per instruction); their bodies follow
//!   the instruction line and are kept apart from the arguments.
//!
//! Instructions that come before the first `FROM` (normally global `ARG`s) have
//! [`Instruction::stage`] set to [`GLOBAL_STAGE`] (`usize::MAX`).

use pipewise_yaml::work::{self, Work};

/// Stage index given to instructions that appear before the first `FROM`.
pub const GLOBAL_STAGE: usize = usize::MAX;

/// Instructions that BuildKit knows, upper-cased.
pub const KNOWN_INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// Instructions whose arguments may be written as a JSON array (exec form).
const JSON_FORM_INSTRUCTIONS: &[&str] =
    &["ADD", "CMD", "COPY", "ENTRYPOINT", "RUN", "SHELL", "VOLUME"];

/// Instructions that accept heredocs.
const HEREDOC_INSTRUCTIONS: &[&str] = &["ADD", "COPY", "RUN"];

/// Parser directives BuildKit recognises.
const KNOWN_DIRECTIVES: &[&str] = &["check", "escape", "syntax"];

/// Half-open byte range `[start, end)` into the Dockerfile source.
pub use pipewise_yaml::Span;

/// Something the parser could not accept. Parsing always continues past it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset into the source (always on a char boundary).
    pub offset: usize,
    pub message: String,
}

/// A parser directive from the top of the file, e.g. `# syntax=docker/dockerfile:1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Lower-cased directive name: `syntax`, `escape` or `check`.
    pub name: String,
    /// The value as written, with surrounding blanks removed.
    pub value: String,
    /// The whole directive line (without its line ending).
    pub span: Span,
}

/// A heredoc attached to a `RUN`, `COPY` or `ADD` instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word with any quotes removed (`<<"EOF"` gives `EOF`).
    pub name: String,
    /// The body verbatim: always equal to `source[body_span]`. It runs from the
    /// line after the instruction (or after the previous heredoc's terminator)
    /// up to, not including, the terminator line, so it keeps every line's
    /// ending (including `\r` in CRLF files) and, for `<<-`, the leading tabs;
    /// [`Heredoc::content`] gives the text the way a shell would see it.
    pub body: String,
    pub body_span: Span,
    /// `true` for `<<-EOF`: leading tabs are stripped from body lines and from
    /// the terminator line.
    pub strip_tabs: bool,
}

impl Heredoc {
    /// The body with CRLF turned into LF and, for `<<-`, leading tabs removed
    /// from every line.
    pub fn content(&self) -> String {
        let mut out = String::with_capacity(self.body.len());
        for line in self.body.split_inclusive('\n') {
            let (text, nl) = match line.strip_suffix('\n') {
                Some(t) => (t.strip_suffix('\r').unwrap_or(t), true),
                None => (line, false),
            };
            let text = if self.strip_tabs {
                text.trim_start_matches('\t')
            } else {
                text
            };
            out.push_str(text);
            if nl {
                out.push('\n');
            }
        }
        out
    }
}

/// One contiguous piece of an instruction's `args`, copied from the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seg {
    /// Offset of the piece inside the joined text.
    text: usize,
    /// Offset of the piece in the source.
    src: usize,
    len: usize,
}

/// One Dockerfile instruction, possibly spread over continuation lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-cased keyword (`FROM`, `RUN`, ...). Unknown keywords are kept
    /// (upper-cased) and also reported in [`Dockerfile::errors`].
    pub keyword: String,
    pub keyword_span: Span,
    /// The whole instruction: from the keyword to the end of its last line,
    /// including continuation lines and heredoc bodies and terminators
    /// (line endings excluded).
    pub span: Span,
    /// The arguments with continuations joined (escape character and line
    /// break removed, comment and blank lines inside the run dropped), leading
    /// `--flags` removed, surrounding blanks trimmed. Heredoc bodies are not
    /// included (the `<<EOF` markers are). For `ONBUILD` this is the whole
    /// inner instruction, e.g. `RUN make`.
    pub args: String,
    /// From the first character of `args` in the source to the source position
    /// just after its last character. When `args` is empty this is an empty span
    /// at the end of the keyword or last flag.
    pub args_span: Span,
    /// Leading `--name=value` / `--name` words, in order, with quotes removed
    /// from values.
    pub flags: Vec<(String, Option<String>)>,
    pub heredocs: Vec<Heredoc>,
    /// The exec-form arguments when `args` is a JSON array of strings (only for
    /// `RUN`, `CMD`, `ENTRYPOINT`, `SHELL`, `VOLUME`, `COPY` and `ADD`).
    pub json_form: Option<Vec<String>>,
    /// Index into [`Dockerfile::stages`], or [`GLOBAL_STAGE`] before the first
    /// `FROM`. A `FROM` belongs to the stage it opens.
    pub stage: usize,
    /// Pieces of `args` and where each one sits in the source.
    segs: Vec<Seg>,
}

impl Instruction {
    /// Maps a byte offset inside [`Instruction::args`] back to an offset in the
    /// source. Continuation lines make the two differ: a piece of `args` that
    /// follows a joined line break lives further on in the source.
    ///
    /// An offset at or past the end of `args` maps to `args_span.end`. The result
    /// is clamped to `source.len()` and moved back to a char boundary of
    /// `source`, so it can always be used to slice `source`.
    pub fn args_offset_to_source(&self, source: &str, offset: usize) -> usize {
        let mapped = if offset >= self.args.len() {
            self.args_span.end
        } else {
            map_start(&self.segs, offset).unwrap_or(self.args_span.start)
        };
        floor_char_boundary(source, mapped)
    }

    /// The source span of `args[range]`, for pointing at a part of the args.
    pub fn args_range_to_span(&self, source: &str, start: usize, end: usize) -> Span {
        let s = self.args_offset_to_source(source, start);
        let e = if end == 0 || end <= start {
            s
        } else if end >= self.args.len() {
            floor_char_boundary(source, self.args_span.end)
        } else {
            floor_char_boundary(source, map_end(&self.segs, end).unwrap_or(s))
        };
        Span::new(s, e.max(s))
    }

    /// `true` before the first `FROM`.
    pub fn is_global(&self) -> bool {
        self.stage == GLOBAL_STAGE
    }

    /// The value of flag `--name`: `None` if absent, `Some(None)` if given
    /// without `=value`. Names are compared exactly (lower-case in practice).
    pub fn flag(&self, name: &str) -> Option<Option<&str>> {
        self.flags
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref())
    }

    /// `true` when the arguments are in exec (JSON array) form.
    pub fn is_exec_form(&self) -> bool {
        self.json_form.is_some()
    }

    /// For `ONBUILD`, the upper-cased keyword of the inner instruction.
    pub fn onbuild_keyword(&self) -> Option<String> {
        if self.keyword != "ONBUILD" {
            return None;
        }
        let kw = self.args.split(|c: char| is_ws(c as u32)).next()?;
        if kw.is_empty() {
            None
        } else {
            Some(kw.to_ascii_uppercase())
        }
    }
}

/// A build stage, opened by a `FROM` instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// Position in [`Dockerfile::stages`].
    pub index: usize,
    /// The image reference as written: `node:20-alpine`, `${BASE}`, `scratch`,
    /// or the name of an earlier stage. Empty when `FROM` has no argument.
    pub base: String,
    pub base_span: Span,
    /// The `AS name` alias as written (stage names are case-insensitive; see
    /// [`Dockerfile::stage_by_name`]).
    pub alias: Option<String>,
    /// The `--platform=` flag value, if any.
    pub platform: Option<String>,
    /// Span of the whole `FROM` instruction.
    pub from_span: Span,
}

/// The result of [`parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    pub instructions: Vec<Instruction>,
    pub stages: Vec<Stage>,
    /// Sorted by offset.
    pub errors: Vec<ParseError>,
    /// Parser directives found at the top of the file.
    pub directives: Vec<Directive>,
    /// The line-continuation character in force (`\` unless `# escape=` said
    /// otherwise).
    pub escape: char,
    /// Stage indices by lower-cased alias, built on first use.
    pub aliases: AliasIndex,
}

/// A cache of a [`Dockerfile`]'s stage aliases (so that looking stages up by name
/// for every stage of an 80,000-stage file is not quadratic). Two caches always
/// compare equal: it is derived data.
#[derive(Debug, Clone, Default)]
pub struct AliasIndex(std::sync::OnceLock<foldhash::HashMap<String, usize>>);

impl PartialEq for AliasIndex {
    fn eq(&self, _: &AliasIndex) -> bool {
        true
    }
}
impl Eq for AliasIndex {}

impl Dockerfile {
    /// The stage whose alias matches `name`, compared case-insensitively as
    /// BuildKit does (the first such stage).
    pub fn stage_by_name(&self, name: &str) -> Option<&Stage> {
        let index = self.aliases.0.get_or_init(|| {
            let mut m = foldhash::HashMap::default();
            work::add(Work::DockerStages, self.stages.len());
            for s in &self.stages {
                if let Some(a) = &s.alias {
                    m.entry(a.to_ascii_lowercase()).or_insert(s.index);
                }
            }
            m
        });
        work::add(Work::DockerStages, 1);
        let i = *index.get(&name.to_ascii_lowercase())?;
        self.stages.get(i).filter(|s| s.index == i)
    }

    /// The instructions of stage `stage` (use [`GLOBAL_STAGE`] for those before
    /// the first `FROM`). Instructions are in file order, so the global ones come
    /// first and the stages follow in order: two binary searches find the range.
    pub fn instructions_in_stage(&self, stage: usize) -> impl Iterator<Item = &Instruction> {
        let ins = &self.instructions;
        // Each instruction looked at: the binary searches' probes and the range.
        let probe = || work::add(Work::DockerStages, 1);
        let globals = ins.partition_point(|i| {
            probe();
            i.is_global()
        });
        let range = if stage == GLOBAL_STAGE {
            0..globals
        } else {
            let rest = &ins[globals..];
            globals
                + rest.partition_point(|i| {
                    probe();
                    i.stage < stage
                })
                ..globals
                    + rest.partition_point(|i| {
                        probe();
                        i.stage <= stage
                    })
        };
        work::add(Work::DockerStages, range.len());
        ins[range].iter().filter(move |i| i.stage == stage)
    }

    /// The value of parser directive `name` (lower-case), if present.
    pub fn directive(&self, name: &str) -> Option<&str> {
        self.directives
            .iter()
            .find(|d| d.name == name)
            .map(|d| d.value.as_str())
    }
}

/// An image reference split into its parts, as written (no normalisation: the
/// name keeps any registry, port and path, and no `docker.io/library/` or
/// `latest` is added).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Everything before the tag and digest, e.g. `ghcr.io:443/org/img`.
    pub name: String,
    /// The tag after the last `:` of the last path part, e.g. `1.2`.
    pub tag: Option<String>,
    /// Everything after `@`, e.g. `sha256:abc`.
    pub digest: Option<String>,
}

impl ImageRef {
    /// `true` for the empty base image `scratch`.
    pub fn is_scratch(&self) -> bool {
        self.name.eq_ignore_ascii_case("scratch") && self.tag.is_none() && self.digest.is_none()
    }
    /// `true` when any part uses a build argument (`$X` or `${X}`).
    pub fn has_variable(&self) -> bool {
        self.name.contains('$')
            || self.tag.as_deref().is_some_and(|t| t.contains('$'))
            || self.digest.as_deref().is_some_and(|d| d.contains('$'))
    }
    /// `true` when a digest of the form `algorithm:hex` pins the image.
    pub fn is_pinned(&self) -> bool {
        self.digest
            .as_deref()
            .and_then(|d| d.split_once(':'))
            .is_some_and(|(algo, hex)| !algo.is_empty() && !hex.is_empty())
    }
}

/// Splits an image reference such as `registry:port/name:tag@sha256:...`.
///
/// `:`, `/` and `@` inside `${...}` are ignored, so `${BASE:-node:20}` is one
/// name. A `:` before the last `/` is a registry port, not a tag. Empty tags or
/// digests (`node:`) are kept as `Some("")`.
pub fn parse_image_ref(s: &str) -> ImageRef {
    let s = s.trim();
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut at = None;
    let mut last_slash = None;
    let mut last_colon = None;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'{' if i > 0 && b[i - 1] == b'$' => depth += 1,
            b'{' if depth > 0 => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            b'@' if depth == 0 && at.is_none() => at = Some(i),
            b'/' if depth == 0 && at.is_none() => last_slash = Some(i),
            b':' if depth == 0 && at.is_none() => last_colon = Some(i),
            _ => {}
        }
    }
    let (rest, digest) = match at {
        Some(i) => (&s[..i], Some(s[i + 1..].to_string())),
        None => (s, None),
    };
    let tag_colon = match (last_colon, last_slash) {
        (Some(c), Some(sl)) if c > sl => Some(c),
        (Some(c), None) => Some(c),
        _ => None,
    };
    let (name, tag) = match tag_colon {
        Some(c) => (&rest[..c], Some(rest[c + 1..].to_string())),
        None => (rest, None),
    };
    ImageRef {
        name: name.to_string(),
        tag,
        digest,
    }
}

/// Parses Dockerfile text. Never panics; problems end up in
/// [`Dockerfile::errors`].
pub fn parse(source: &str) -> Dockerfile {
    Parser::new(source).run()
}

// ---------------------------------------------------------------------------
// Implementation
// ---------------------------------------------------------------------------

/// Blanks as BuildKit's `[\t\v\f\r ]`.
fn is_ws(c: u32) -> bool {
    matches!(c, 0x20 | 0x09 | 0x0b | 0x0c | 0x0d)
}

fn is_ws_byte(c: u8) -> bool {
    is_ws(u32::from(c))
}

fn floor_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Source offset of the character that starts at `o` in the joined text.
fn map_start(segs: &[Seg], o: usize) -> Option<usize> {
    let idx = segs.partition_point(|s| s.text + s.len <= o);
    match segs.get(idx) {
        Some(s) if s.text <= o => Some(s.src + (o - s.text)),
        Some(s) => Some(s.src),
        None => segs.last().map(|s| s.src + s.len),
    }
}

/// Source offset just after the character that ends at `o` in the joined text.
fn map_end(segs: &[Seg], o: usize) -> Option<usize> {
    if o == 0 {
        return segs.first().map(|s| s.src);
    }
    let idx = segs.partition_point(|s| s.text + s.len < o);
    match segs.get(idx) {
        Some(s) if s.text < o => Some(s.src + (o - s.text)),
        Some(s) => Some(s.src),
        None => segs.last().map(|s| s.src + s.len),
    }
}

/// The segments covering `[a, b)` of the joined text, rebased to start at 0.
fn sub_segs(segs: &[Seg], a: usize, b: usize) -> Vec<Seg> {
    let mut out = Vec::new();
    for s in segs {
        let s_end = s.text + s.len;
        let lo = s.text.max(a);
        let hi = s_end.min(b);
        if lo < hi {
            out.push(Seg {
                text: lo - a,
                src: s.src + (lo - s.text),
                len: hi - lo,
            });
        }
    }
    out
}

#[derive(Debug, Clone, Copy)]
struct Line {
    /// First byte of the line.
    start: usize,
    /// End of the content, before `\n` or `\r\n`.
    end: usize,
}

fn split_lines(src: &str, from: usize) -> Vec<Line> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut pos = from;
    while pos < b.len() {
        let (content_end, next) = match b[pos..].iter().position(|&c| c == b'\n') {
            Some(k) => (pos + k, pos + k + 1),
            None => (b.len(), b.len()),
        };
        let end = if content_end > pos && b[content_end - 1] == b'\r' {
            content_end - 1
        } else {
            content_end
        };
        out.push(Line { start: pos, end });
        pos = next;
    }
    out
}

/// Reads `# name = value` (text already left-trimmed). Returns the lower-cased
/// name and the value.
fn parse_directive(t: &str) -> Option<(String, &str)> {
    let rest = t.strip_prefix('#')?;
    let rest = rest.trim_start_matches(|c: char| is_ws(c as u32));
    let b = rest.as_bytes();
    if !b.first()?.is_ascii_alphabetic() {
        return None;
    }
    let key_len = b.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
    let key = &rest[..key_len];
    let after = rest[key_len..].trim_start_matches(|c: char| is_ws(c as u32));
    let value = after.strip_prefix('=')?;
    let value = value.trim_matches(|c: char| is_ws(c as u32));
    if value.is_empty() {
        return None;
    }
    Some((key.to_ascii_lowercase(), value))
}

/// Finds the next blank-separated word of `text` at or after `from`, honouring
/// shell quotes and backslash escapes. Returns its byte range.
fn next_word(text: &str, from: usize) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let mut i = from;
    while i < b.len() && is_ws_byte(b[i]) {
        i += 1;
    }
    if i >= b.len() {
        return None;
    }
    let start = i;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                } else if c == b'\\' && q == b'"' {
                    i += 1;
                }
            }
            None => {
                if is_ws_byte(c) {
                    break;
                }
                if c == b'"' || c == b'\'' {
                    quote = Some(c);
                } else if c == b'\\' {
                    i += 1;
                }
            }
        }
        i += 1;
    }
    Some((start, floor_char_boundary(text, i)))
}

/// Removes shell quoting from `s`, stopping at the first unquoted character for
/// which `stop` is true. Returns the unquoted text.
fn unquote_until(s: &str, stop: impl Fn(char) -> bool) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some('"') if c == '\\' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            Some(_) => out.push(c),
            None => {
                if c == '"' || c == '\'' {
                    quote = Some(c);
                } else if c == '\\' {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                } else if stop(c) {
                    break;
                } else {
                    out.push(c);
                }
            }
        }
    }
    out
}

/// A heredoc marker found in an instruction's arguments.
struct Marker {
    name: String,
    strip_tabs: bool,
    /// Offset of the marker word in `args`.
    at: usize,
}

/// Finds `<<EOF`, `<<-EOF`, `<<"EOF"`, `2<<EOF` words in `args[from..]`.
fn find_heredoc_markers(args: &str, from: usize) -> Vec<Marker> {
    let mut out = Vec::new();
    let mut pos = from;
    while let Some((ws, we)) = next_word(args, pos) {
        pos = we;
        let word = &args[ws..we];
        let rest = word.trim_start_matches(|c: char| c.is_ascii_digit());
        let Some(rest) = rest.strip_prefix("<<") else {
            continue;
        };
        if rest.starts_with('<') {
            continue; // here-string `<<<`
        }
        let (strip_tabs, rest) = match rest.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let name = unquote_until(rest, |c| {
            matches!(c, '<' | '>' | '|' | '&' | ';' | '(' | ')')
        });
        if name.is_empty() || name.contains('<') {
            continue;
        }
        out.push(Marker {
            name,
            strip_tabs,
            at: ws,
        });
    }
    out
}

/// Parses a JSON array of strings, the exec form. `None` if `s` is anything else.
fn parse_json_array(s: &str) -> Option<Vec<String>> {
    let b = s.as_bytes();
    let mut i = 0;
    let skip = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b' ' | b'\t' | b'\n' | b'\r') {
            *i += 1;
        }
    };
    skip(&mut i);
    if b.get(i) != Some(&b'[') {
        return None;
    }
    i += 1;
    let mut out = Vec::new();
    skip(&mut i);
    if b.get(i) == Some(&b']') {
        i += 1;
    } else {
        loop {
            skip(&mut i);
            out.push(parse_json_string(s, &mut i)?);
            skip(&mut i);
            match b.get(i) {
                Some(b',') => i += 1,
                Some(b']') => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    skip(&mut i);
    if i == b.len() {
        Some(out)
    } else {
        None
    }
}

fn parse_json_string(s: &str, i: &mut usize) -> Option<String> {
    let b = s.as_bytes();
    if b.get(*i) != Some(&b'"') {
        return None;
    }
    *i += 1;
    let mut out = String::new();
    let mut run = *i;
    loop {
        let c = *b.get(*i)?;
        match c {
            b'"' => {
                out.push_str(s.get(run..*i)?);
                *i += 1;
                return Some(out);
            }
            b'\\' => {
                out.push_str(s.get(run..*i)?);
                *i += 1;
                let e = *b.get(*i)?;
                *i += 1;
                match e {
                    b'"' => out.push('"'),
                    b'\\' => out.push('\\'),
                    b'/' => out.push('/'),
                    b'b' => out.push('\u{8}'),
                    b'f' => out.push('\u{c}'),
                    b'n' => out.push('\n'),
                    b'r' => out.push('\r'),
                    b't' => out.push('\t'),
                    b'u' => {
                        let hi = read_hex4(b, i)?;
                        let cp = if (0xD800..0xDC00).contains(&hi) {
                            if b.get(*i) != Some(&b'\\') || b.get(*i + 1) != Some(&b'u') {
                                return None;
                            }
                            *i += 2;
                            let lo = read_hex4(b, i)?;
                            if !(0xDC00..0xE000).contains(&lo) {
                                return None;
                            }
                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                        } else {
                            hi
                        };
                        out.push(char::from_u32(cp)?);
                    }
                    _ => return None,
                }
                run = *i;
            }
            _ => *i += 1,
        }
    }
}

fn read_hex4(b: &[u8], i: &mut usize) -> Option<u32> {
    let digits = b.get(*i..*i + 4)?;
    let mut v = 0u32;
    for &d in digits {
        v = v * 16 + char::from(d).to_digit(16)?;
    }
    *i += 4;
    Some(v)
}

struct Parser<'a> {
    src: &'a str,
    lines: Vec<Line>,
    escape: u8,
    out: Dockerfile,
    stage: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        let base = if src.starts_with('\u{feff}') { 3 } else { 0 };
        Parser {
            src,
            lines: split_lines(src, base),
            escape: b'\\',
            out: Dockerfile {
                instructions: Vec::new(),
                stages: Vec::new(),
                errors: Vec::new(),
                directives: Vec::new(),
                escape: '\\',
                aliases: AliasIndex::default(),
            },
            stage: GLOBAL_STAGE,
        }
    }

    fn error(&mut self, offset: usize, message: impl Into<String>) {
        let offset = floor_char_boundary(self.src, offset);
        self.out.errors.push(ParseError {
            offset,
            message: message.into(),
        });
    }

    fn line_text(&self, l: Line) -> &'a str {
        self.src.get(l.start..l.end).unwrap_or("")
    }

    fn run(mut self) -> Dockerfile {
        let mut i = self.read_directives();
        while i < self.lines.len() {
            i = self.read_instruction(i);
        }
        self.out.escape = char::from(self.escape);
        self.out.errors.sort_by_key(|e| e.offset);
        self.out
    }

    /// Reads directives at the top; returns the index of the first other line.
    fn read_directives(&mut self) -> usize {
        let mut i = 0;
        while let Some(&line) = self.lines.get(i) {
            let text = self.line_text(line);
            let trimmed = text.trim_start_matches(|c: char| is_ws(c as u32));
            let Some((name, value)) = parse_directive(trimmed) else {
                break;
            };
            if !KNOWN_DIRECTIVES.contains(&name.as_str()) {
                break;
            }
            if self.out.directives.iter().any(|d| d.name == name) {
                self.error(
                    line.start,
                    format!("only one {name} parser directive can be used"),
                );
            } else {
                if name == "escape" {
                    match value {
                        "\\" => self.escape = b'\\',
                        "`" => self.escape = b'`',
                        _ => self.error(
                            line.start,
                            format!("invalid escape token '{value}' does not match ` or \\"),
                        ),
                    }
                }
                self.out.directives.push(Directive {
                    name,
                    value: value.to_string(),
                    span: Span::new(line.start, line.end),
                });
            }
            i += 1;
        }
        i
    }

    /// Splits off a trailing escape character: returns the end of the content
    /// to keep and whether the line continues.
    fn trim_continuation(&self, start: usize, end: usize) -> (usize, bool) {
        let b = self.src.as_bytes();
        let mut k = end;
        while k > start && matches!(b[k - 1], b' ' | b'\t') {
            k -= 1;
        }
        if k > start && b[k - 1] == self.escape {
            (k - 1, true)
        } else {
            (end, false)
        }
    }

    /// Reads the instruction (or skips the comment / blank line) at line `i`;
    /// returns the index of the next unread line.
    fn read_instruction(&mut self, mut i: usize) -> usize {
        let Some(&first) = self.lines.get(i) else {
            return i + 1;
        };
        let text = self.line_text(first);
        let lead = text.len() - text.trim_start_matches(|c: char| is_ws(c as u32)).len();
        let rest = &text[lead..];
        if rest.is_empty() || rest.starts_with('#') {
            return i + 1;
        }

        // Gather the logical line.
        let mut joined = String::new();
        let mut segs: Vec<Seg> = Vec::new();
        let mut push = |joined: &mut String, s: usize, e: usize, src: &str| {
            if s < e {
                if let Some(piece) = src.get(s..e) {
                    segs.push(Seg {
                        text: joined.len(),
                        src: s,
                        len: e - s,
                    });
                    joined.push_str(piece);
                }
            }
        };
        let start = first.start + lead;
        let (keep, mut cont) = self.trim_continuation(start, first.end);
        push(&mut joined, start, keep, self.src);
        let mut last_end = first.end;
        i += 1;
        while cont {
            let Some(&line) = self.lines.get(i) else {
                break;
            };
            i += 1;
            last_end = line.end;
            let t = self.line_text(line);
            let tt = t.trim_start_matches(|c: char| is_ws(c as u32));
            if tt.starts_with('#') || tt.is_empty() {
                continue;
            }
            let (keep, c) = self.trim_continuation(line.start, line.end);
            cont = c;
            push(&mut joined, line.start, keep, self.src);
        }

        // Keyword.
        let jb = joined.as_bytes();
        let kw_start = jb.iter().take_while(|&&c| is_ws_byte(c)).count();
        if kw_start >= jb.len() {
            return i; // only blanks and escape characters
        }
        let kw_end = kw_start
            + jb[kw_start..]
                .iter()
                .take_while(|&&c| !is_ws_byte(c))
                .count();
        let keyword = joined[kw_start..kw_end].to_ascii_uppercase();
        let kw_src_start = map_start(&segs, kw_start).unwrap_or(start);
        let keyword_span = Span::new(kw_src_start, map_end(&segs, kw_end).unwrap_or(kw_src_start));

        // Flags.
        let mut flags = Vec::new();
        let mut pos = kw_end;
        let mut flags_end = kw_end;
        while let Some((ws, we)) = next_word(&joined, pos) {
            let word = &joined[ws..we];
            let Some(body) = word.strip_prefix("--") else {
                break;
            };
            pos = we;
            flags_end = we;
            if body.is_empty() {
                break; // `--` ends the flags
            }
            match body.find('=') {
                Some(eq) => flags.push((
                    body[..eq].to_string(),
                    Some(unquote_until(&body[eq + 1..], |_| false)),
                )),
                None => flags.push((body.to_string(), None)),
            }
        }

        // Arguments.
        let args_start = pos + jb[pos..].iter().take_while(|&&c| is_ws_byte(c)).count();
        let trimmed_len = joined.trim_end_matches(|c: char| is_ws(c as u32)).len();
        let args_end = trimmed_len.max(args_start);
        let args = joined[args_start..args_end].to_string();
        let arg_segs = sub_segs(&segs, args_start, args_end);
        let args_span = if args.is_empty() {
            let p = map_end(&segs, flags_end).unwrap_or(keyword_span.end);
            Span::new(p, p)
        } else {
            let s = map_start(&segs, args_start).unwrap_or(keyword_span.end);
            Span::new(s, map_end(&segs, args_end).unwrap_or(s))
        };

        let mut inst = Instruction {
            keyword,
            keyword_span,
            span: Span::new(kw_src_start, last_end),
            args,
            args_span,
            flags,
            heredocs: Vec::new(),
            json_form: None,
            stage: self.stage,
            segs: arg_segs,
        };

        if JSON_FORM_INSTRUCTIONS.contains(&inst.keyword.as_str()) && inst.args.starts_with('[') {
            inst.json_form = parse_json_array(&inst.args);
        }

        if !KNOWN_INSTRUCTIONS.contains(&inst.keyword.as_str()) {
            let kw = joined[kw_start..kw_end].to_string();
            self.error(keyword_span.start, format!("unknown instruction: {kw}"));
        } else if inst.args.is_empty() {
            self.error(
                keyword_span.start,
                format!("{} requires at least one argument", inst.keyword),
            );
        }

        // Heredocs.
        if inst.json_form.is_none() {
            let from = if HEREDOC_INSTRUCTIONS.contains(&inst.keyword.as_str()) {
                Some(0)
            } else if inst.keyword == "ONBUILD"
                && inst
                    .onbuild_keyword()
                    .is_some_and(|k| HEREDOC_INSTRUCTIONS.contains(&k.as_str()))
            {
                next_word(&inst.args, 0).map(|(_, e)| e)
            } else {
                None
            };
            if let Some(from) = from {
                for m in find_heredoc_markers(&inst.args, from) {
                    let (doc, next, end) = self.read_heredoc_body(i, &m, &inst);
                    inst.heredocs.push(doc);
                    i = next;
                    inst.span.end = end;
                }
            }
        }

        if inst.keyword == "FROM" {
            self.open_stage(&mut inst);
        }
        self.out.instructions.push(inst);
        i
    }

    /// Reads one heredoc body starting at line `i`. Returns the heredoc, the
    /// next unread line and the end of the instruction so far.
    fn read_heredoc_body(
        &mut self,
        mut i: usize,
        m: &Marker,
        inst: &Instruction,
    ) -> (Heredoc, usize, usize) {
        let body_start = self.lines.get(i).map_or(self.src.len(), |l| l.start);
        loop {
            let Some(&line) = self.lines.get(i) else {
                let at = inst.args_offset_to_source(self.src, m.at);
                self.error(
                    at,
                    format!("unterminated heredoc: no line '{}' found", m.name),
                );
                let doc = Heredoc {
                    name: m.name.clone(),
                    body: self.src.get(body_start..).unwrap_or("").to_string(),
                    body_span: Span::new(body_start, self.src.len()),
                    strip_tabs: m.strip_tabs,
                };
                return (doc, i, self.src.len());
            };
            i += 1;
            let t = self.line_text(line);
            let t = if m.strip_tabs {
                t.trim_start_matches('\t')
            } else {
                t
            };
            if t == m.name {
                let doc = Heredoc {
                    name: m.name.clone(),
                    body: self
                        .src
                        .get(body_start..line.start)
                        .unwrap_or("")
                        .to_string(),
                    body_span: Span::new(body_start, line.start),
                    strip_tabs: m.strip_tabs,
                };
                return (doc, i, line.end);
            }
        }
    }

    fn open_stage(&mut self, inst: &mut Instruction) {
        let index = self.out.stages.len();
        let mut words = Vec::new();
        let b = inst.args.as_bytes();
        let mut p = 0;
        while p < b.len() {
            while p < b.len() && is_ws_byte(b[p]) {
                p += 1;
            }
            let s = p;
            while p < b.len() && !is_ws_byte(b[p]) {
                p += 1;
            }
            if s < p {
                words.push((s, p));
            }
        }
        let word = |k: usize| words.get(k).map(|&(s, e)| &inst.args[s..e]);
        let alias = match words.len() {
            0 => {
                // Already reported as "requires at least one argument".
                None
            }
            1 => None,
            3 if word(1).is_some_and(|w| w.eq_ignore_ascii_case("as")) => {
                word(2).map(str::to_string)
            }
            _ => {
                self.error(
                    inst.keyword_span.start,
                    "FROM requires either one or three arguments (image [AS name])",
                );
                None
            }
        };
        let (base, base_span) = match words.first() {
            Some(&(s, e)) => (
                inst.args[s..e].to_string(),
                inst.args_range_to_span(self.src, s, e),
            ),
            None => (String::new(), inst.args_span),
        };
        let platform = inst.flag("platform").flatten().map(str::to_string);
        self.out.stages.push(Stage {
            index,
            base,
            base_span,
            alias,
            platform,
            from_span: inst.span,
        });
        self.stage = index;
        inst.stage = index;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(df: &Dockerfile) -> Vec<&str> {
        df.instructions.iter().map(|i| i.keyword.as_str()).collect()
    }

    #[test]
    fn empty_file() {
        let df = parse("");
        assert!(df.instructions.is_empty());
        assert!(df.stages.is_empty());
        assert!(df.errors.is_empty());
        assert_eq!(df.escape, '\\');
    }

    #[test]
    fn only_comments() {
        let df = parse("# hello\n\n   # indented\n#\n");
        assert!(df.instructions.is_empty());
        assert!(df.errors.is_empty());
        assert!(df.directives.is_empty());
    }

    #[test]
    fn multi_stage_with_aliases() {
        let src = "ARG BASE=node:20\nFROM ${BASE} AS build\nRUN npm ci\nFROM nginx:1.25 as Runtime\nCOPY --from=build /app /usr/share/nginx/html\n";
        let df = parse(src);
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        assert_eq!(kw(&df), ["ARG", "FROM", "RUN", "FROM", "COPY"]);
        assert_eq!(df.stages.len(), 2);
        assert_eq!(df.stages[0].base, "${BASE}");
        assert_eq!(df.stages[0].base_span.text(src).unwrap_or(""), "${BASE}");
        assert_eq!(df.stages[0].alias.as_deref(), Some("build"));
        assert_eq!(
            df.stages[0].from_span.text(src).unwrap_or(""),
            "FROM ${BASE} AS build"
        );
        assert_eq!(df.stages[1].index, 1);
        assert_eq!(df.stages[1].base, "nginx:1.25");
        assert_eq!(df.stages[1].alias.as_deref(), Some("Runtime"));
        assert_eq!(df.stage_by_name("runtime").map(|s| s.index), Some(1));
        let stages: Vec<usize> = df.instructions.iter().map(|i| i.stage).collect();
        assert_eq!(stages, [GLOBAL_STAGE, 0, 0, 1, 1]);
        assert!(df.instructions[0].is_global());
    }

    #[test]
    fn from_platform_flag() {
        let src = "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n";
        let df = parse(src);
        let st = &df.stages[0];
        assert_eq!(st.platform.as_deref(), Some("$BUILDPLATFORM"));
        assert_eq!(st.base, "golang:1.22");
        assert_eq!(st.base_span.text(src).unwrap_or(""), "golang:1.22");
        assert_eq!(st.alias.as_deref(), Some("build"));
        assert_eq!(df.instructions[0].args, "golang:1.22 AS build");
    }

    #[test]
    fn from_bad_arity_is_error() {
        let df = parse("FROM a b\n");
        assert_eq!(df.errors.len(), 1);
        assert_eq!(df.stages.len(), 1);
        let df = parse("FROM\n");
        assert_eq!(df.errors.len(), 1);
        assert_eq!(df.stages[0].base, "");
    }

    #[test]
    fn continuation_with_comments_and_blank_lines() {
        let src = "RUN apt-get update && \\\n    # install things\n\n    apt-get install -y curl \\  \n    && rm -rf /var/lib/apt/lists/*\nUSER app\n";
        let df = parse(src);
        assert_eq!(kw(&df), ["RUN", "USER"]);
        let run = &df.instructions[0];
        assert_eq!(
            run.args,
            "apt-get update &&     apt-get install -y curl     && rm -rf /var/lib/apt/lists/*"
        );
        assert!(run.span.text(src).unwrap_or("").starts_with("RUN apt-get"));
        assert!(run.span.text(src).unwrap_or("").ends_with("lists/*"));
        assert!(run
            .args_span
            .text(src)
            .unwrap_or("")
            .starts_with("apt-get update"));
        assert!(run.args_span.text(src).unwrap_or("").ends_with("lists/*"));
    }

    #[test]
    fn args_offset_to_source_across_continuation() {
        let src = "RUN echo a \\\n  # c\n  && curl x\n";
        let df = parse(src);
        let run = &df.instructions[0];
        assert_eq!(run.args, "echo a   && curl x");
        let off = run.args.find("curl").unwrap();
        let s = run.args_offset_to_source(src, off);
        assert_eq!(&src[s..s + 4], "curl");
        assert_eq!(run.args_offset_to_source(src, 0), src.find("echo").unwrap());
        assert_eq!(run.args_offset_to_source(src, 999), run.args_span.end);
        let sp = run.args_range_to_span(src, off, off + 4);
        assert_eq!(sp.text(src).unwrap_or(""), "curl");
        // Every char of args maps to the same char in the source.
        for (o, c) in run.args.char_indices() {
            let s = run.args_offset_to_source(src, o);
            assert_eq!(src[s..].chars().next(), Some(c));
        }
    }

    #[test]
    fn escape_directive_backtick() {
        let src = "# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir c:\\ `\n    && echo hi\n";
        let df = parse(src);
        assert_eq!(df.escape, '`');
        assert_eq!(df.directive("escape"), Some("`"));
        assert_eq!(kw(&df), ["FROM", "RUN"]);
        assert_eq!(df.instructions[1].args, "dir c:\\     && echo hi");
    }

    #[test]
    fn escape_directive_not_at_top_is_comment() {
        let src = "FROM a\n# escape=`\nRUN x `\nRUN y\n";
        let df = parse(src);
        assert_eq!(df.escape, '\\');
        assert_eq!(kw(&df), ["FROM", "RUN", "RUN"]);
        // After a blank line directives are no longer read either.
        let df = parse("\n# escape=`\nRUN a\n");
        assert!(df.directives.is_empty());
    }

    #[test]
    fn syntax_directive_and_bad_escape() {
        let df = parse("# syntax = docker/dockerfile:1.7\n# escape=x\nFROM a\n");
        assert_eq!(df.directive("syntax"), Some("docker/dockerfile:1.7"));
        assert_eq!(df.errors.len(), 1);
        assert_eq!(df.escape, '\\');
        let df = parse("# syntax=a\n# syntax=b\nFROM a\n");
        assert_eq!(df.errors.len(), 1);
    }

    #[test]
    fn heredoc_body_and_span() {
        let src = "FROM alpine\nRUN <<EOF\nset -e\napk add curl\nEOF\nUSER nobody\n";
        let df = parse(src);
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        assert_eq!(kw(&df), ["FROM", "RUN", "USER"]);
        let run = &df.instructions[1];
        assert_eq!(run.args, "<<EOF");
        assert_eq!(run.heredocs.len(), 1);
        let h = &run.heredocs[0];
        assert_eq!(h.name, "EOF");
        assert_eq!(h.body, "set -e\napk add curl\n");
        assert_eq!(h.body_span.text(src).unwrap_or(""), h.body);
        assert!(!h.strip_tabs);
        assert!(run.span.text(src).unwrap_or("").ends_with("curl\nEOF"));
    }

    #[test]
    fn multiple_and_quoted_heredocs() {
        let src = "COPY <<-\"A\" <<'B' /dest/\n\tone\n\tA\ntwo\nB\nRUN cat <<X>/out\nx\nX\n";
        let df = parse(src);
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        let copy = &df.instructions[0];
        assert_eq!(copy.heredocs.len(), 2);
        assert_eq!(copy.heredocs[0].name, "A");
        assert!(copy.heredocs[0].strip_tabs);
        assert_eq!(copy.heredocs[0].body, "\tone\n");
        assert_eq!(copy.heredocs[0].content(), "one\n");
        assert_eq!(copy.heredocs[1].name, "B");
        assert!(!copy.heredocs[1].strip_tabs);
        assert_eq!(copy.heredocs[1].body, "two\n");
        let run = &df.instructions[1];
        assert_eq!(run.heredocs[0].name, "X");
        assert_eq!(run.heredocs[0].body, "x\n");
        assert_eq!(df.instructions.len(), 2);
    }

    #[test]
    fn heredoc_not_detected_in_quotes_or_here_string() {
        let df = parse("RUN echo \"<<EOF\" && cat <<< hi\nRUN true\n");
        assert_eq!(df.instructions.len(), 2);
        assert!(df.instructions[0].heredocs.is_empty());
    }

    #[test]
    fn unterminated_heredoc_records_error() {
        let src = "RUN <<EOF\necho hi\n";
        let df = parse(src);
        assert_eq!(df.errors.len(), 1);
        assert_eq!(df.errors[0].offset, 4);
        let h = &df.instructions[0].heredocs[0];
        assert_eq!(h.body, "echo hi\n");
        assert_eq!(df.instructions[0].span.end, src.len());
    }

    #[test]
    fn exec_form_json() {
        let src = "CMD [\"node\", \"server.js\", \"a\\\"b\\u00e9\"]\nENTRYPOINT [ ]\nRUN [\"bad\"\nSHELL [\"pwsh\", \"-c\"]\nLABEL [\"x\"]\n";
        let df = parse(src);
        let j: Vec<_> = df
            .instructions
            .iter()
            .map(|i| i.json_form.clone())
            .collect();
        assert_eq!(
            j[0],
            Some(vec!["node".into(), "server.js".into(), "a\"bé".into()])
        );
        assert_eq!(j[1], Some(vec![]));
        assert_eq!(j[2], None);
        assert_eq!(j[3], Some(vec!["pwsh".into(), "-c".into()]));
        assert_eq!(j[4], None);
        assert!(df.instructions[0].is_exec_form());
    }

    #[test]
    fn flags_extraction() {
        let src = "COPY --from=build --chown=\"1000:1000\" --link ./a /b\nRUN --mount=type=cache,target=/root/.cache --network=none pip install x\nHEALTHCHECK --interval=30s CMD curl -f http://localhost/\nRUN -- --not-a-flag\n";
        let df = parse(src);
        let copy = &df.instructions[0];
        assert_eq!(
            copy.flags,
            vec![
                ("from".to_string(), Some("build".to_string())),
                ("chown".to_string(), Some("1000:1000".to_string())),
                ("link".to_string(), None),
            ]
        );
        assert_eq!(copy.args, "./a /b");
        assert_eq!(copy.args_span.text(src).unwrap_or(""), "./a /b");
        assert_eq!(copy.flag("from"), Some(Some("build")));
        assert_eq!(copy.flag("link"), Some(None));
        assert_eq!(copy.flag("chmod"), None);
        let run = &df.instructions[1];
        assert_eq!(run.flags.len(), 2);
        assert_eq!(
            run.flag("mount"),
            Some(Some("type=cache,target=/root/.cache"))
        );
        assert_eq!(run.args, "pip install x");
        assert_eq!(df.instructions[2].args, "CMD curl -f http://localhost/");
        assert_eq!(df.instructions[3].args, "--not-a-flag");
    }

    #[test]
    fn user_in_different_stages() {
        let src = "FROM a AS one\nUSER root\nFROM b\nuser app:app\nFROM c\n";
        let df = parse(src);
        let users: Vec<(usize, &str)> = df
            .instructions
            .iter()
            .filter(|i| i.keyword == "USER")
            .map(|i| (i.stage, i.args.as_str()))
            .collect();
        assert_eq!(users, [(0, "root"), (1, "app:app")]);
        assert_eq!(df.instructions_in_stage(2).count(), 1);
        assert_eq!(
            df.instructions_in_stage(2)
                .filter(|i| i.keyword == "USER")
                .count(),
            0
        );
    }

    #[test]
    fn lowercase_keywords_and_spans() {
        let src = "  from alpine\n\trun  echo hi  \n";
        let df = parse(src);
        assert_eq!(kw(&df), ["FROM", "RUN"]);
        let run = &df.instructions[1];
        assert_eq!(run.keyword_span.text(src).unwrap_or(""), "run");
        assert_eq!(run.args, "echo hi");
        assert_eq!(run.args_span.text(src).unwrap_or(""), "echo hi");
        assert_eq!(run.span.text(src).unwrap_or(""), "run  echo hi  ");
    }

    #[test]
    fn onbuild() {
        let src = "FROM a\nONBUILD RUN make \\\n  install\nONBUILD COPY <<EOF /x\nhi\nEOF\n";
        let df = parse(src);
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        let ob = &df.instructions[1];
        assert_eq!(ob.keyword, "ONBUILD");
        assert_eq!(ob.args, "RUN make   install");
        assert_eq!(ob.onbuild_keyword().as_deref(), Some("RUN"));
        assert!(ob.flags.is_empty());
        let ob2 = &df.instructions[2];
        assert_eq!(ob2.heredocs.len(), 1);
        assert_eq!(ob2.heredocs[0].body, "hi\n");
        assert_eq!(df.instructions.len(), 3);
    }

    #[test]
    fn crlf_line_endings() {
        let src = "FROM a\r\nRUN echo 1 \\\r\n  && echo 2\r\nRUN <<EOF\r\nx\r\nEOF\r\n";
        let df = parse(src);
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        assert_eq!(df.instructions[1].args, "echo 1   && echo 2");
        assert_eq!(df.instructions[0].span.text(src).unwrap_or(""), "FROM a");
        let h = &df.instructions[2].heredocs[0];
        assert_eq!(h.body, "x\r\n");
        assert_eq!(h.content(), "x\n");
        assert_eq!(
            df.instructions[2].span.text(src).unwrap_or(""),
            "RUN <<EOF\r\nx\r\nEOF"
        );
    }

    #[test]
    fn bom_is_skipped() {
        let src = "\u{feff}# syntax=docker/dockerfile:1\nFROM a\n";
        let df = parse(src);
        assert_eq!(df.directive("syntax"), Some("docker/dockerfile:1"));
        assert_eq!(df.instructions[0].keyword, "FROM");
        assert_eq!(
            df.instructions[0].keyword_span.text(src).unwrap_or(""),
            "FROM"
        );
        let df = parse("\u{feff}FROM a\n");
        assert_eq!(df.instructions[0].keyword_span.start, 3);
    }

    #[test]
    fn unknown_instruction_and_missing_args() {
        let df = parse("FORM a\nRUN\nFROM b\n");
        assert_eq!(df.instructions.len(), 3);
        assert_eq!(df.errors.len(), 2);
        assert_eq!(df.errors[0].offset, 0);
        assert_eq!(df.errors[1].offset, 7);
    }

    #[test]
    fn continuation_at_eof_and_lone_escape() {
        let df = parse("RUN a \\");
        assert_eq!(df.instructions[0].args, "a");
        let df = parse("\\\n\\\n");
        assert!(df.instructions.is_empty());
    }

    #[test]
    fn keyword_split_across_continuation() {
        let src = "RU\\\nN echo\n";
        let df = parse(src);
        assert_eq!(df.instructions[0].keyword, "RUN");
        assert_eq!(df.instructions[0].keyword_span, Span::new(0, 5));
    }

    #[test]
    fn image_refs() {
        let r = parse_image_ref("node");
        assert_eq!((r.name.as_str(), r.tag, r.digest), ("node", None, None));
        let r = parse_image_ref("node:20");
        assert_eq!(r.name, "node");
        assert_eq!(r.tag.as_deref(), Some("20"));
        let r = parse_image_ref("ghcr.io:443/org/img:1.2@sha256:abc");
        assert_eq!(r.name, "ghcr.io:443/org/img");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        assert!(r.is_pinned());
        let r = parse_image_ref("localhost:5000/app");
        assert_eq!(r.name, "localhost:5000/app");
        assert_eq!(r.tag, None);
        let r = parse_image_ref("$BASE");
        assert_eq!(r.name, "$BASE");
        assert!(r.has_variable());
        let r = parse_image_ref("${BASE:-node:20}");
        assert_eq!(r.name, "${BASE:-node:20}");
        assert_eq!(r.tag, None);
        let r = parse_image_ref("node:${NODE_VERSION}-alpine");
        assert_eq!(r.tag.as_deref(), Some("${NODE_VERSION}-alpine"));
        let r = parse_image_ref("scratch");
        assert!(r.is_scratch());
        assert!(!parse_image_ref("node@sha256:").is_pinned());
    }

    #[test]
    fn stress_long_input_is_fast() {
        let mut src = String::new();
        for i in 0..20_000 {
            src.push_str(&format!("RUN echo {i} \\\n  # c\n  && true\n"));
        }
        let df = parse(&src);
        assert_eq!(df.instructions.len(), 20_000);
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        fn check(src: &str) {
            let df = parse(src);
            let ok = |s: Span| {
                s.start <= s.end
                    && s.end <= src.len()
                    && src.is_char_boundary(s.start)
                    && src.is_char_boundary(s.end)
            };
            for e in &df.errors {
                assert!(e.offset <= src.len() && src.is_char_boundary(e.offset));
            }
            for d in &df.directives {
                assert!(ok(d.span));
            }
            for i in &df.instructions {
                assert!(ok(i.span), "{i:?}");
                assert!(ok(i.keyword_span), "{i:?}");
                assert!(ok(i.args_span), "{i:?}");
                assert!(i.span.start <= i.keyword_span.start);
                for h in &i.heredocs {
                    assert!(ok(h.body_span));
                    assert_eq!(h.body_span.text(src).unwrap_or(""), h.body);
                    let _ = h.content();
                }
                for (o, c) in i.args.char_indices() {
                    let s = i.args_offset_to_source(src, o);
                    assert_eq!(src[s..].chars().next(), Some(c), "{i:?} at {o}");
                }
                for o in 0..=i.args.len() + 1 {
                    let s = i.args_offset_to_source(src, o);
                    assert!(s <= src.len() && src.is_char_boundary(s));
                    assert!(ok(i.args_range_to_span(src, o, o + 3)));
                }
                if i.stage != GLOBAL_STAGE {
                    assert!(i.stage < df.stages.len());
                }
            }
            for st in &df.stages {
                assert!(ok(st.base_span) && ok(st.from_span));
                let _ = parse_image_ref(&st.base);
            }
        }

        fn dockerish() -> impl Strategy<Value = String> {
            let pieces = prop::sample::select(vec![
                "FROM ",
                "from ",
                "RUN ",
                "COPY ",
                "ONBUILD ",
                "ADD ",
                "CMD ",
                "USER ",
                "AS ",
                "--from=a ",
                "--platform=$X ",
                "--",
                "\"",
                "'",
                "[",
                "]",
                ",",
                "\"a\"",
                "\\",
                "`",
                "\n",
                "\r\n",
                "\r",
                " ",
                "\t",
                "#",
                "# escape=`\n",
                "# escape=\\\n",
                "# syntax=x\n",
                "<<EOF",
                "<<-EOF",
                "<<'EOF'",
                "<<\"E\"",
                "EOF\n",
                "\tEOF\n",
                "E\n",
                "é",
                "\u{feff}",
                "😀",
                "\\u00e9",
                "\\ud83d",
                "x",
                "${A:-b}",
                ":",
                "@",
                "/",
                "=",
                "\0",
            ]);
            prop::collection::vec(pieces, 0..60).prop_map(|v| v.concat())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            #[test]
            fn arbitrary_strings(s in any::<String>()) {
                check(&s);
            }

            #[test]
            fn arbitrary_bytes(b in prop::collection::vec(any::<u8>(), 0..400)) {
                check(&String::from_utf8_lossy(&b));
            }

            #[test]
            fn dockerfile_like(s in dockerish()) {
                check(&s);
            }

            #[test]
            fn image_ref_never_panics(s in any::<String>()) {
                let r = parse_image_ref(&s);
                prop_assert!(r.name.len() <= s.len());
            }
        }
    }
}
