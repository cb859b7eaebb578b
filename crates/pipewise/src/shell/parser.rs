//! The hand-written bash parser behind [`Script::parse`]: one left-to-right pass over
//! the bytes (no separate token stream, because what a token is depends on where it
//! stands: keywords only in command position, `]]` only inside `[[`, case patterns),
//! recursive descent for nesting, no backtracking.
//!
//! Guarantees: linear time in the input (every loop consumes input or exits; look-ahead
//! is bounded; the search for the `}}` closing a GitHub expression is memoised), no
//! panics, recursion bounded by [`MAX_DEPTH`] (beyond it the rest of the input is
//! skipped and `has_errors` is set), best effort on unbalanced input.
//!
//! Structure produced (what rules rely on): one [`List`] per statement; `&&`/`||`
//! flattened left to right into [`ListItem`]s; the commands of a subshell or `{ }`
//! group belong to the enclosing item (so `( a; b ) || true` masks both) while also
//! getting lists of their own; `if`/`while`/`until` condition commands belong to the
//! compound's item (a condition joined with `&&`/`||` keeps its own list instead) and
//! are `in_condition`; bodies are statements of their own. Commands inside `$(…)`,
//! backticks and `<(…)`/`>(…)` are recorded (before the command that contains them).
//! `${{ … }}` is an opaque part of a word wherever it stands, even inside quotes.

use super::{Assignment, Command, Comment, List, ListItem, Op, Redirect, Script, Word, MAX_DEPTH};
use crate::finding::Span;

/// Parses `src`; never fails.
pub(super) fn parse(src: &str) -> Script {
    let mut p = Parser {
        src,
        b: src.as_bytes(),
        pos: 0,
        script: Script::default(),
        levels: vec![],
        depth: 0,
        aborted: false,
        backticks: 0,
        heredocs: vec![],
        gh_close: None,
    };
    loop {
        let closer = p.statements(Cx::default(), Mode::Plain);
        if closer == Closer::Eof {
            break;
        }
        // A closer nothing opened (`fi`, `)`, `;;` at the top): skip it.
        p.script.has_errors = true;
        p.consume_closer(closer);
    }
    p.script.runs_no_script = !p.script.commands.iter().any(Command::may_run_script);
    let mut names = super::Names::NONE;
    for c in &p.script.commands {
        names.add(c.base_name());
    }
    p.script.names = names;
    p.script
}

/// Context flags of the commands being parsed.
#[derive(Clone, Copy, Default)]
struct Cx {
    in_condition: bool,
    in_substitution: bool,
    in_function: bool,
    in_loop: bool,
    /// How many substitutions deep (redirects of a compound apply at its own level).
    level: u32,
}

/// What a statement sequence does with each statement it parses.
#[derive(Clone, Copy)]
enum Mode {
    /// Each statement is a list of its own.
    Plain,
    /// Subshell / group: own lists, and their commands also join item (list, item).
    Attach(usize, usize),
    /// `if`/`while` condition: a single pipeline joins item (list, item); an and-or
    /// list keeps its own list.
    Cond(usize, usize),
}

/// What ended a statement sequence.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Closer {
    Eof,
    RParen,
    Backtick,
    /// `;;`, `;&` or `;;&`.
    CaseEnd(u8),
    Kw(Kw),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kw {
    Then,
    Elif,
    Else,
    Fi,
    Do,
    Done,
    Esac,
    RBrace,
}

impl Kw {
    fn len(self) -> usize {
        match self {
            Kw::Then | Kw::Elif | Kw::Else | Kw::Done | Kw::Esac => 4,
            Kw::Fi | Kw::Do => 2,
            Kw::RBrace => 1,
        }
    }
}

/// A here-document waiting for the end of its line.
struct Heredoc {
    delim: String,
    strip_tabs: bool,
}

struct Parser<'s> {
    src: &'s str,
    b: &'s [u8],
    pos: usize,
    script: Script,
    /// Substitution level of each command (parallel to `script.commands`).
    levels: Vec<u32>,
    depth: usize,
    /// The depth limit was hit: the rest of the input is skipped.
    aborted: bool,
    /// Inside this many backtick substitutions (a backtick then closes).
    backticks: usize,
    heredocs: Vec<Heredoc>,
    /// Memo of the last search for `}}`: (searched from, found at).
    gh_close: Option<(usize, Option<usize>)>,
}

fn is_blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r')
}

/// Bytes that end an unquoted word.
fn is_meta(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>'
    )
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// `NAME=`, `NAME+=` or `NAME[…]=` at the start of `raw`: the length of that prefix.
fn assignment_prefix(raw: &str) -> Option<usize> {
    let b = raw.as_bytes();
    if !b.first().is_some_and(|&c| is_name_start(c)) {
        return None;
    }
    let mut i = 1;
    while b.get(i).is_some_and(|&c| is_name(c)) {
        i += 1;
    }
    if b.get(i) == Some(&b'[') {
        // Bounded: a subscript ends at the first `]`.
        while b.get(i).is_some_and(|&c| c != b']') {
            i += 1;
        }
        i += 1;
    }
    if b.get(i) == Some(&b'+') {
        i += 1;
    }
    (b.get(i) == Some(&b'=')).then_some(i + 1)
}

const DECLARATIONS: &[&str] = &["export", "local", "declare", "readonly", "typeset"];

impl<'s> Parser<'s> {
    // ---- low level -------------------------------------------------------------

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn peek_at(&self, off: usize) -> Option<u8> {
        self.b.get(self.pos + off).copied()
    }

    fn starts(&self, s: &str) -> bool {
        self.b
            .get(self.pos..)
            .is_some_and(|r| r.starts_with(s.as_bytes()))
    }

    /// Source text; empty once the depth limit has cut the parse short (every word
    /// open at that point would otherwise copy the whole rest of the input).
    fn text(&self, start: usize, end: usize) -> &'s str {
        if self.aborted {
            return "";
        }
        self.src.get(start..end).unwrap_or("")
    }

    /// Length of the char at `pos` (1 for ASCII, for a continuation byte or at the end).
    fn char_len(&self, pos: usize) -> usize {
        let c = self.b.get(pos).copied().unwrap_or(0);
        let n = if c < 0x80 {
            1
        } else if c >= 0xF0 {
            4
        } else if c >= 0xE0 {
            3
        } else if c >= 0xC0 {
            2
        } else {
            1
        };
        n.min(self.b.len().saturating_sub(pos)).max(1)
    }

    /// Skips one char (error recovery).
    fn bump_char(&mut self) {
        self.pos = (self.pos + self.char_len(self.pos)).min(self.b.len());
    }

    fn enter(&mut self) -> bool {
        if self.depth >= MAX_DEPTH {
            self.script.has_errors = true;
            self.aborted = true;
            self.pos = self.b.len();
            return false;
        }
        self.depth += 1;
        true
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Spaces, tabs and line continuations.
    fn skip_blanks(&mut self) {
        while let Some(c) = self.peek() {
            if is_blank(c) {
                self.pos += 1;
            } else if c == b'\\' && self.peek_at(1) == Some(b'\n') {
                self.pos += 2;
            } else {
                break;
            }
        }
    }

    /// A newline token: consumes it, then the bodies of pending here-documents.
    fn newline(&mut self) {
        self.pos += 1;
        if self.heredocs.is_empty() {
            return;
        }
        for h in std::mem::take(&mut self.heredocs) {
            loop {
                if self.pos >= self.b.len() {
                    self.script.has_errors = true;
                    break;
                }
                let rest = self.b.get(self.pos..).unwrap_or(&[]);
                let len = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
                let line = self.text(self.pos, self.pos + len);
                let line = line.strip_suffix('\r').unwrap_or(line);
                let line = if h.strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                let done = line == h.delim;
                self.pos = (self.pos + len + 1).min(self.b.len());
                if done {
                    break;
                }
            }
        }
    }

    /// `# …` to the end of the line (the newline stays).
    fn comment(&mut self) {
        let start = self.pos;
        let rest = self.b.get(start..).unwrap_or(&[]);
        let len = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
        self.pos = start + len;
        let text = self.text(start, self.pos);
        let text = text.strip_suffix('\r').unwrap_or(text);
        self.script.comments.push(Comment {
            text: text.to_string(),
            span: Span::new(start, start + text.len()),
        });
    }

    /// Blanks, newlines and comments (after `&&`, `|`, inside `[[ ]]`, …).
    fn skip_space(&mut self) {
        loop {
            self.skip_blanks();
            match self.peek() {
                Some(b'\n') => self.newline(),
                Some(b'#') => self.comment(),
                _ => return,
            }
        }
    }

    /// Blanks, newlines, comments and single `;`/`&` between statements.
    fn skip_separators(&mut self) {
        loop {
            self.skip_space();
            match self.peek() {
                Some(b';') if !matches!(self.peek_at(1), Some(b';' | b'&')) => self.pos += 1,
                Some(b'&') if !matches!(self.peek_at(1), Some(b'&' | b'>')) => self.pos += 1,
                _ => return,
            }
        }
    }

    /// The reserved word at `pos` if it is one (followed by a metacharacter or the end).
    fn word_at(&self, w: &str) -> bool {
        self.starts(w) && self.b.get(self.pos + w.len()).is_none_or(|&c| is_meta(c))
    }

    /// What ends a statement sequence here, if anything (command position).
    fn closer(&self) -> Option<Closer> {
        let Some(c) = self.peek() else {
            return Some(Closer::Eof);
        };
        match c {
            b')' => return Some(Closer::RParen),
            b'`' if self.backticks > 0 => return Some(Closer::Backtick),
            b';' if self.peek_at(1) == Some(b';') => {
                let n = if self.peek_at(2) == Some(b'&') { 3 } else { 2 };
                return Some(Closer::CaseEnd(n));
            }
            b';' if self.peek_at(1) == Some(b'&') => return Some(Closer::CaseEnd(2)),
            b'}' if self.word_at("}") => return Some(Closer::Kw(Kw::RBrace)),
            b't' | b'e' | b'f' | b'd' => {}
            _ => return None,
        }
        for (w, k) in [
            ("then", Kw::Then),
            ("elif", Kw::Elif),
            ("else", Kw::Else),
            ("fi", Kw::Fi),
            ("do", Kw::Do),
            ("done", Kw::Done),
            ("esac", Kw::Esac),
        ] {
            if self.word_at(w) {
                return Some(Closer::Kw(k));
            }
        }
        None
    }

    fn consume_closer(&mut self, c: Closer) {
        let n = match c {
            Closer::Eof => 0,
            Closer::RParen | Closer::Backtick => 1,
            Closer::CaseEnd(n) => n as usize,
            Closer::Kw(k) => k.len(),
        };
        self.pos = (self.pos + n).min(self.b.len());
    }

    /// Consumes closer `want` if it is what ended a sequence; flags an error otherwise.
    fn expect(&mut self, got: Closer, want: Closer) -> bool {
        if got == want {
            self.consume_closer(got);
            true
        } else {
            self.script.has_errors = true;
            false
        }
    }

    // ---- statements --------------------------------------------------------------

    fn statements(&mut self, cx: Cx, mode: Mode) -> Closer {
        if !self.enter() {
            return Closer::Eof;
        }
        let closer = loop {
            self.skip_separators();
            if let Some(c) = self.closer() {
                break c;
            }
            let before = self.pos;
            let list = self.script.lists.len();
            self.script.lists.push(List::default());
            self.and_or(list, cx);
            self.after_statement(list, mode);
            if self.pos == before {
                self.script.has_errors = true;
                self.bump_char();
            }
        };
        self.leave();
        closer
    }

    fn after_statement(&mut self, list: usize, mode: Mode) {
        match mode {
            Mode::Plain => {}
            Mode::Attach(l, i) => {
                let cmds: Vec<usize> = self.script.lists[list]
                    .items
                    .iter()
                    .flat_map(|it| it.commands.iter().copied())
                    .collect();
                if let Some(it) = self.item_mut(l, i) {
                    it.commands.extend(cmds);
                }
            }
            Mode::Cond(l, i) => {
                if self.script.lists[list].items.len() != 1 {
                    return;
                }
                let item = std::mem::take(&mut self.script.lists[list].items);
                for &c in item.iter().flat_map(|it| it.commands.iter()) {
                    if let Some(cmd) = self.script.commands.get_mut(c) {
                        if cmd.list == list {
                            cmd.list = l;
                            cmd.item = i;
                        }
                    }
                    if let Some(it) = self.item_mut(l, i) {
                        it.commands.push(c);
                    }
                }
            }
        }
    }

    fn item_mut(&mut self, list: usize, item: usize) -> Option<&mut ListItem> {
        self.script
            .lists
            .get_mut(list)
            .and_then(|l| l.items.get_mut(item))
    }

    /// Pipelines joined by `&&` / `||`, flattened into items of `list`.
    fn and_or(&mut self, list: usize, cx: Cx) {
        let mut op = None;
        loop {
            self.pipeline(list, op, cx);
            self.skip_blanks();
            if self.starts("&&") {
                op = Some(Op::And);
            } else if self.starts("||") {
                op = Some(Op::Or);
            } else {
                return;
            }
            self.pos += 2;
            self.skip_space();
        }
    }

    fn pipeline(&mut self, list: usize, op: Option<Op>, cx: Cx) {
        self.skip_blanks();
        if self.closer().is_some() || matches!(self.peek(), Some(b';' | b'&' | b'|' | b'\n')) {
            self.script.has_errors = true;
            return;
        }
        let start = self.pos;
        let item = self.script.lists[list].items.len();
        self.script.lists[list].items.push(ListItem {
            op,
            commands: vec![],
            pipeline: false,
            span: Span::new(start, start),
        });
        let mut cx = cx;
        if self.peek() == Some(b'!') && self.peek_at(1).is_none_or(is_meta) {
            self.pos += 1;
            cx.in_condition = true;
            self.skip_blanks();
        }
        let mut end;
        loop {
            self.command_unit(list, item, cx);
            end = self.pos;
            self.skip_blanks();
            if self.peek() == Some(b'|') && self.peek_at(1) != Some(b'|') {
                self.pos += if self.peek_at(1) == Some(b'&') { 2 } else { 1 };
                if let Some(it) = self.item_mut(list, item) {
                    it.pipeline = true;
                }
                self.skip_space();
                if self.closer().is_some() {
                    self.script.has_errors = true;
                    break;
                }
                continue;
            }
            break;
        }
        if let Some(it) = self.item_mut(list, item) {
            it.span = Span::new(start, end.max(start));
        }
    }

    /// One element of a pipeline: a simple command or a compound command.
    fn command_unit(&mut self, list: usize, item: usize, cx: Cx) {
        self.skip_blanks();
        let first_cmd = self.script.commands.len();
        let compound = match self.peek() {
            Some(b'(') if self.peek_at(1) == Some(b'(') => {
                self.pos += 2;
                self.skip_arith(cx);
                true
            }
            Some(b'(') => {
                self.pos += 1;
                if self.enter() {
                    let c = self.statements(cx, Mode::Attach(list, item));
                    self.expect(c, Closer::RParen);
                    self.leave();
                }
                true
            }
            Some(b'{') if self.word_at("{") => {
                self.pos += 1;
                if self.enter() {
                    let c = self.statements(cx, Mode::Attach(list, item));
                    self.expect(c, Closer::Kw(Kw::RBrace));
                    self.leave();
                }
                true
            }
            Some(b'[') if self.starts("[[") && self.peek_at(2).is_none_or(is_meta) => {
                self.double_bracket(list, item, cx);
                return;
            }
            Some(b'i') if self.word_at("if") => self.compound(|p| p.if_clause(list, item, cx)),
            Some(b'w') if self.word_at("while") => {
                self.compound(|p| p.while_clause(list, item, cx, 5))
            }
            Some(b'u') if self.word_at("until") => {
                self.compound(|p| p.while_clause(list, item, cx, 5))
            }
            Some(b'f') if self.word_at("for") => self.compound(|p| p.for_clause(cx, 3)),
            Some(b's') if self.word_at("select") => self.compound(|p| p.for_clause(cx, 6)),
            Some(b'c') if self.word_at("case") => self.compound(|p| p.case_clause(cx)),
            Some(b'f') if self.word_at("function") => {
                self.pos += "function".len();
                self.skip_blanks();
                let _ = self.word(cx);
                self.empty_parens();
                self.function_body(cx);
                return;
            }
            _ => false,
        };
        if compound {
            self.suffix_redirects(first_cmd, cx);
        } else {
            self.simple_command(list, item, cx);
        }
    }

    /// Runs a compound-command parser under the depth limit.
    fn compound(&mut self, f: impl FnOnce(&mut Self)) -> bool {
        if self.enter() {
            f(self);
            self.leave();
        }
        true
    }

    /// Redirects after a compound command apply to its commands (not to those inside
    /// deeper substitutions).
    fn suffix_redirects(&mut self, first_cmd: usize, cx: Cx) {
        let mut redirects = vec![];
        loop {
            self.skip_blanks();
            if !self.at_redirect() {
                break;
            }
            if let Some(r) = self.redirect(cx) {
                redirects.push(r);
            }
        }
        if redirects.is_empty() {
            return;
        }
        for i in first_cmd..self.script.commands.len() {
            if self.levels.get(i) == Some(&cx.level) {
                if let Some(c) = self.script.commands.get_mut(i) {
                    c.redirects.extend(redirects.iter().cloned());
                }
            }
        }
    }

    fn if_clause(&mut self, list: usize, item: usize, cx: Cx) {
        self.pos += 2;
        let cond = Cx {
            in_condition: true,
            ..cx
        };
        let c = self.statements(cond, Mode::Cond(list, item));
        if !self.expect(c, Closer::Kw(Kw::Then)) {
            return;
        }
        let mut c = self.statements(cx, Mode::Plain);
        loop {
            match c {
                Closer::Kw(Kw::Elif) => {
                    self.consume_closer(c);
                    let e = self.statements(cond, Mode::Plain);
                    if !self.expect(e, Closer::Kw(Kw::Then)) {
                        return;
                    }
                    c = self.statements(cx, Mode::Plain);
                }
                Closer::Kw(Kw::Else) => {
                    self.consume_closer(c);
                    c = self.statements(cx, Mode::Plain);
                }
                _ => {
                    self.expect(c, Closer::Kw(Kw::Fi));
                    return;
                }
            }
        }
    }

    fn while_clause(&mut self, list: usize, item: usize, cx: Cx, kw_len: usize) {
        self.pos += kw_len;
        let cond = Cx {
            in_condition: true,
            ..cx
        };
        let c = self.statements(cond, Mode::Cond(list, item));
        if !self.expect(c, Closer::Kw(Kw::Do)) {
            return;
        }
        self.loop_body_after_do(cx);
    }

    fn loop_body_after_do(&mut self, cx: Cx) {
        let body = Cx {
            in_loop: true,
            ..cx
        };
        let c = self.statements(body, Mode::Plain);
        self.expect(c, Closer::Kw(Kw::Done));
    }

    fn for_clause(&mut self, cx: Cx, kw_len: usize) {
        self.pos += kw_len;
        self.skip_blanks();
        if self.starts("((") {
            self.pos += 2;
            self.skip_arith(cx);
        } else {
            let _ = self.word(cx);
            self.skip_space();
            if self.word_at("in") {
                self.pos += 2;
                loop {
                    self.skip_blanks();
                    match self.peek() {
                        None | Some(b';' | b'\n' | b'&' | b'|' | b')' | b'(' | b'`') => break,
                        Some(b'#') => {
                            self.comment();
                            break;
                        }
                        _ => {}
                    }
                    if !self.skip_word(cx) {
                        break;
                    }
                }
            }
        }
        self.skip_separators();
        let body = Cx {
            in_loop: true,
            ..cx
        };
        if self.word_at("do") {
            self.pos += 2;
            self.loop_body_after_do(cx);
        } else if self.word_at("{") {
            self.pos += 1;
            let c = self.statements(body, Mode::Plain);
            self.expect(c, Closer::Kw(Kw::RBrace));
        } else {
            self.script.has_errors = true;
        }
    }

    fn case_clause(&mut self, cx: Cx) {
        self.pos += 4;
        self.skip_blanks();
        let _ = self.word(cx);
        self.skip_space();
        if !self.word_at("in") {
            self.script.has_errors = true;
            return;
        }
        self.pos += 2;
        loop {
            self.skip_separators();
            if self.word_at("esac") {
                self.pos += 4;
                return;
            }
            if self.peek().is_none() {
                self.script.has_errors = true;
                return;
            }
            let before = self.pos;
            if self.peek() == Some(b'(') {
                self.pos += 1;
            }
            // Patterns: words separated by `|`, up to `)`.
            loop {
                self.skip_blanks();
                match self.peek() {
                    Some(b')') => {
                        self.pos += 1;
                        break;
                    }
                    Some(b'|') => self.pos += 1,
                    None | Some(b'\n' | b';' | b'&' | b'(' | b'<' | b'>') => {
                        self.script.has_errors = true;
                        return;
                    }
                    _ => {
                        if !self.skip_word(cx) {
                            return;
                        }
                    }
                }
            }
            let c = self.statements(cx, Mode::Plain);
            match c {
                Closer::CaseEnd(_) => self.consume_closer(c),
                Closer::Kw(Kw::Esac) => {
                    self.consume_closer(c);
                    return;
                }
                _ => {
                    self.script.has_errors = true;
                    return;
                }
            }
            if self.pos == before {
                self.script.has_errors = true;
                return;
            }
        }
    }

    /// `()` after a function name (blanks allowed): consumed if there, else nothing is.
    fn empty_parens(&mut self) -> bool {
        let at = self.pos;
        self.skip_blanks();
        if self.peek() == Some(b'(') {
            self.pos += 1;
            self.skip_blanks();
            if self.peek() == Some(b')') {
                self.pos += 1;
                return true;
            }
        }
        self.pos = at;
        false
    }

    /// The body of a function definition: statements of their own, `in_function`.
    fn function_body(&mut self, cx: Cx) {
        let cx = Cx {
            in_function: true,
            ..cx
        };
        self.skip_space();
        if !self.enter() {
            return;
        }
        if self.word_at("{") {
            self.pos += 1;
            let c = self.statements(cx, Mode::Plain);
            self.expect(c, Closer::Kw(Kw::RBrace));
        } else if self.peek() == Some(b'(') && self.peek_at(1) != Some(b'(') {
            self.pos += 1;
            let c = self.statements(cx, Mode::Plain);
            self.expect(c, Closer::RParen);
        } else if self.closer().is_none() {
            let list = self.script.lists.len();
            self.script.lists.push(List::default());
            self.pipeline(list, None, cx);
        } else {
            self.script.has_errors = true;
        }
        self.leave();
        let first = self.script.commands.len();
        self.suffix_redirects(first, cx);
    }

    /// `[[ … ]]`: a command whose words are the brackets and every operand/operator.
    fn double_bracket(&mut self, list: usize, item: usize, cx: Cx) {
        let start = self.pos;
        let mut words = vec![self.plain_word(start, start + 2)];
        self.pos += 2;
        let mut end = self.pos;
        loop {
            self.skip_blanks();
            let Some(c) = self.peek() else {
                self.script.has_errors = true;
                break;
            };
            let at = self.pos;
            if c == b'\n' {
                self.newline();
                continue;
            }
            if self.word_at("]]") {
                self.pos += 2;
                words.push(self.plain_word(at, self.pos));
                end = self.pos;
                break;
            }
            let op_len = if self.starts("&&") || self.starts("||") {
                2
            } else if matches!(c, b'(' | b')' | b'<' | b'>') {
                1
            } else if matches!(c, b';' | b'&' | b'|') || (c == b'`' && self.backticks > 0) {
                // Not valid inside `[[ ]]`: give up on this command.
                self.script.has_errors = true;
                break;
            } else {
                0
            };
            if op_len > 0 {
                self.pos += op_len;
                words.push(self.plain_word(at, self.pos));
            } else if words.last().is_some_and(|w| w.text == "=~") {
                words.push(self.regex_word(cx));
            } else if let Some(w) = self.word(cx) {
                words.push(w);
            } else {
                self.script.has_errors = true;
                self.bump_char();
            }
            end = self.pos;
        }
        self.push_command(words, Span::new(start, end), list, item, cx, vec![]);
        self.suffix_redirects(self.script.commands.len().saturating_sub(1), cx);
    }

    fn plain_word(&self, start: usize, end: usize) -> Word {
        Word {
            text: self.text(start, end).to_string(),
            span: Span::new(start, end),
            dynamic: false,
        }
    }

    /// The right side of `=~`: up to a blank outside parentheses (`|`, `(`, `)` are
    /// regex syntax here); substitutions in it are recorded.
    fn regex_word(&mut self, cx: Cx) -> Word {
        let start = self.pos;
        let mut depth = 0usize;
        let mut dynamic = false;
        while let Some(c) = self.peek() {
            match c {
                b'\\' => {
                    self.skip_escape();
                    continue;
                }
                b'$' => {
                    dynamic |= self.dollar(cx, false).1;
                    continue;
                }
                b'\'' => {
                    let _ = self.single_quoted();
                    continue;
                }
                b'"' => {
                    self.pos += 1;
                    let _ = self.double_quoted(cx);
                    continue;
                }
                b'(' => depth += 1,
                b')' if depth == 0 => break,
                b')' => depth -= 1,
                b'\n' => break,
                _ if is_blank(c) && depth == 0 => break,
                _ => {}
            }
            self.pos += 1;
        }
        let text = self.text(start, self.pos);
        Word {
            text: text.to_string(),
            span: Span::new(start, self.pos),
            dynamic: dynamic || text.contains('$'),
        }
    }

    fn push_command(
        &mut self,
        words: Vec<Word>,
        span: Span,
        list: usize,
        item: usize,
        cx: Cx,
        redirects: Vec<Redirect>,
    ) {
        let idx = self.script.commands.len();
        self.script.commands.push(Command {
            words,
            span,
            list,
            item,
            in_condition: cx.in_condition,
            in_substitution: cx.in_substitution,
            in_function: cx.in_function,
            in_loop: cx.in_loop,
            redirects,
        });
        self.levels.push(cx.level);
        if let Some(it) = self.item_mut(list, item) {
            it.commands.push(idx);
        }
    }

    fn simple_command(&mut self, list: usize, item: usize, cx: Cx) {
        let start = self.pos;
        let mut end = start;
        // The capacity the first push would give, without the growth path.
        let mut words: Vec<Word> = Vec::with_capacity(4);
        let mut redirects = vec![];
        let mut declaration = false;
        loop {
            self.skip_blanks();
            let Some(c) = self.peek() else { break };
            if c == b'#' {
                self.comment();
                break;
            }
            let procsub = matches!(c, b'<' | b'>') && self.peek_at(1) == Some(b'(');
            if !procsub && self.at_redirect() {
                let is_prefix = words.is_empty();
                if let Some(r) = self.redirect(cx) {
                    if is_prefix || r.op == "<<<" {
                        end = self.pos;
                    }
                    redirects.push(r);
                }
                continue;
            }
            if !procsub && (is_meta(c) || (c == b'`' && self.backticks > 0)) {
                break;
            }
            let at = self.pos;
            let Some(w) = self.word(cx) else {
                self.script.has_errors = true;
                self.bump_char();
                continue;
            };
            let raw = self.text(at, self.pos);
            if let Some(eq) = assignment_prefix(raw).filter(|_| words.is_empty() || declaration) {
                let name_len = raw.bytes().position(|c| !is_name(c)).unwrap_or(raw.len());
                self.script.assignments.push(Assignment {
                    name: Span::new(at, at + name_len),
                    span: Span::new(at + eq, self.pos),
                    in_substitution: cx.in_substitution,
                });
                end = self.pos;
                continue;
            }
            if words.is_empty() {
                declaration = DECLARATIONS.contains(&raw);
                // `name() body`: a function definition.
                if self.empty_parens() {
                    self.function_body(cx);
                    return;
                }
            }
            end = self.pos;
            words.push(w);
        }
        if words.is_empty() {
            return;
        }
        self.push_command(words, Span::new(start, end), list, item, cx, redirects);
    }

    // ---- redirects -----------------------------------------------------------------

    /// A redirect operator (with an optional fd number) starts here.
    fn at_redirect(&self) -> bool {
        let mut i = self.pos;
        while self.b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        match self.b.get(i) {
            Some(b'<' | b'>') => !(i == self.pos && self.b.get(i + 1) == Some(&b'(')),
            Some(b'&') => i == self.pos && self.b.get(i + 1) == Some(&b'>'),
            _ => false,
        }
    }

    fn redirect(&mut self, cx: Cx) -> Option<Redirect> {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        const OPS: &[&str] = &[
            "&>>", "&>", "<<<", "<<-", "<<", "<&-", ">&-", "<&", ">&", ">>", ">|", "<>", "<", ">",
        ];
        let op = OPS.iter().find(|o| self.starts(o))?;
        self.pos += op.len();
        if *op == "<&-" || *op == ">&-" {
            return Some(Redirect {
                op: op.to_string(),
                target: String::new(),
            });
        }
        self.skip_blanks();
        let at = self.pos;
        let target = match self.word(cx) {
            Some(_) => self.text(at, self.pos).to_string(),
            None => {
                self.script.has_errors = true;
                String::new()
            }
        };
        if *op == "<<" || *op == "<<-" {
            let delim: String = target
                .chars()
                .filter(|c| !matches!(c, '\'' | '"' | '\\'))
                .collect();
            self.heredocs.push(Heredoc {
                delim,
                strip_tabs: *op == "<<-",
            });
        }
        Some(Redirect {
            op: op.to_string(),
            target,
        })
    }

    // ---- words -----------------------------------------------------------------------

    /// One word at `pos` (unquoted text, span, dynamic), recording the commands of any
    /// substitution in it. None if no word starts here.
    fn word(&mut self, cx: Cx) -> Option<Word> {
        let start = self.pos;
        let mut text = String::new();
        let mut dynamic = false;
        // `<(…)` / `>(…)` process substitution.
        if matches!(self.peek(), Some(b'<' | b'>')) && self.peek_at(1) == Some(b'(') {
            self.pos += 2;
            self.substitution(cx, Closer::RParen);
            dynamic = true;
            append(&mut text, self.text(start, self.pos));
        }
        while let Some(c) = self.peek() {
            match c {
                b'\\' => match self.peek_at(1) {
                    Some(b'\n') => self.pos += 2,
                    Some(_) => {
                        let n = self.char_len(self.pos + 1);
                        append(&mut text, self.text(self.pos + 1, self.pos + 1 + n));
                        self.pos += 1 + n;
                    }
                    None => self.pos += 1,
                },
                b'\'' => {
                    let (s, e) = self.single_quoted();
                    append(&mut text, self.text(s, e));
                    dynamic |= self.text(s, e).contains("${{");
                }
                b'"' => {
                    self.pos += 1;
                    let (s, e) = self.double_quoted(cx);
                    let inner = self.text(s, e);
                    dynamic |= inner.contains('$') || inner.contains('`');
                    append(&mut text, inner);
                }
                b'$' => {
                    let at = self.pos;
                    let (piece, dyn_) = self.dollar(cx, false);
                    dynamic |= dyn_;
                    match piece {
                        Some((s, e)) => append(&mut text, self.text(s, e)),
                        None => append(&mut text, self.text(at, self.pos)),
                    }
                }
                b'`' if self.backticks == 0 => {
                    let at = self.pos;
                    self.pos += 1;
                    self.backtick(cx);
                    dynamic = true;
                    append(&mut text, self.text(at, self.pos));
                }
                b'(' if self.pos > start => {
                    let prev = self.b.get(self.pos - 1).copied().unwrap_or(0);
                    let raw = self.text(start, self.pos);
                    if matches!(prev, b'@' | b'*' | b'+' | b'?' | b'!') {
                        // extglob `@(a|b)`
                        let at = self.pos;
                        self.skip_parens();
                        append(&mut text, self.text(at, self.pos));
                    } else if prev == b'=' && assignment_prefix(raw) == Some(raw.len()) {
                        let at = self.pos;
                        self.array(cx);
                        append(&mut text, self.text(at, self.pos));
                    } else {
                        break;
                    }
                }
                _ if is_meta(c) || c == b'`' => break,
                _ => {
                    // A run of ordinary bytes (ends on an ASCII byte: a char boundary).
                    let at = self.pos;
                    while self.peek().is_some_and(|c| {
                        !is_meta(c) && !matches!(c, b'\\' | b'\'' | b'"' | b'$' | b'`' | b'(')
                    }) {
                        self.pos += 1;
                    }
                    append(&mut text, self.text(at, self.pos));
                }
            }
        }
        (self.pos > start).then(|| Word {
            text,
            span: Span::new(start, self.pos),
            dynamic,
        })
    }

    /// A word whose text is not needed (its substitutions are still recorded); false,
    /// flagging an error, when no word starts here.
    fn skip_word(&mut self, cx: Cx) -> bool {
        if self.word(cx).is_some() {
            return true;
        }
        self.script.has_errors = true;
        false
    }

    /// `'…'` at `pos`: returns the content range (a `${{ }}` inside is opaque).
    fn single_quoted(&mut self) -> (usize, usize) {
        self.quoted(false)
    }

    /// A quoted string from the `'` at `pos` to the next one (consumed), skipping
    /// `${{ … }}` whole and, in `$'…'` (`escapes`), backslash escapes. The content range.
    fn quoted(&mut self, escapes: bool) -> (usize, usize) {
        self.pos += 1;
        let s = self.pos;
        loop {
            match self.peek() {
                None => {
                    self.script.has_errors = true;
                    return (s, self.pos);
                }
                Some(b'\'') => {
                    self.pos += 1;
                    return (s, self.pos - 1);
                }
                Some(b'\\') if escapes => self.skip_escape(),
                Some(b'$') if self.starts("${{") => {
                    if !self.skip_gh_expr() {
                        self.pos += 1;
                    }
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    /// A backslash and the char it escapes.
    fn skip_escape(&mut self) {
        self.pos += 1;
        if self.peek().is_some() {
            self.bump_char();
        }
    }

    /// After an opening `"`: to the closing one (consumed); returns the content range.
    fn double_quoted(&mut self, cx: Cx) -> (usize, usize) {
        let s = self.pos;
        if !self.enter() {
            return (s, self.pos);
        }
        let e = loop {
            match self.peek() {
                None => {
                    self.script.has_errors = true;
                    break self.pos;
                }
                Some(b'"') => {
                    self.pos += 1;
                    break self.pos - 1;
                }
                Some(b'\\') => self.skip_escape(),
                Some(b'$') => {
                    let _ = self.dollar(cx, true);
                }
                Some(b'`') if self.backticks == 0 => {
                    self.pos += 1;
                    self.backtick(cx);
                }
                Some(_) => self.pos += 1,
            }
        };
        self.leave();
        (s, e)
    }

    /// `$…` at `pos`. Returns the text range to add to the word when it is not the raw
    /// source (`$'…'` contents), and whether it is an expansion.
    fn dollar(&mut self, cx: Cx, in_dquote: bool) -> (Option<(usize, usize)>, bool) {
        let at = self.pos;
        match self.peek_at(1) {
            Some(b'{') if self.peek_at(2) == Some(b'{') && self.skip_gh_expr() => (None, true),
            Some(b'{') => {
                self.pos += 2;
                self.expansion(cx, in_dquote);
                (None, true)
            }
            Some(b'(') if self.peek_at(2) == Some(b'(') => {
                self.pos += 3;
                self.skip_arith(cx);
                (None, true)
            }
            Some(b'(') => {
                self.pos += 2;
                self.substitution(cx, Closer::RParen);
                (None, true)
            }
            Some(b'\'') if !in_dquote => {
                self.pos += 1;
                let (s, e) = self.quoted(true);
                (Some((s, e)), false)
            }
            Some(b'"') if !in_dquote => {
                self.pos += 2;
                let (s, e) = self.double_quoted(cx);
                let inner = self.text(s, e);
                (Some((s, e)), inner.contains('$') || inner.contains('`'))
            }
            Some(c) if is_name_start(c) => {
                self.pos += 2;
                while self.peek().is_some_and(is_name) {
                    self.pos += 1;
                }
                (None, true)
            }
            Some(c) if c.is_ascii_digit() || b"?@#$!*-".contains(&c) => {
                self.pos += 2;
                (None, true)
            }
            _ => {
                self.pos = at + 1;
                (None, false)
            }
        }
    }

    /// `${{ … }}` at `pos`: skips it whole if it closes. Memoised search, so many
    /// unclosed `${{` stay linear.
    fn skip_gh_expr(&mut self) -> bool {
        let from = self.pos + 3;
        let found = match self.gh_close {
            Some((searched, found)) if searched <= from && found.is_none_or(|f| f >= from) => found,
            _ => {
                let rest = self.b.get(from..).unwrap_or(&[]);
                let f = rest.windows(2).position(|w| w == b"}}").map(|i| from + i);
                self.gh_close = Some((from, f));
                f
            }
        };
        match found {
            Some(f) => {
                self.pos = f + 2;
                true
            }
            None => false,
        }
    }

    /// After `${`: to the matching `}`.
    fn expansion(&mut self, cx: Cx, in_dquote: bool) {
        if !self.enter() {
            return;
        }
        let mut depth = 1usize;
        loop {
            match self.peek() {
                None => {
                    self.script.has_errors = true;
                    break;
                }
                Some(b'}') => {
                    self.pos += 1;
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                Some(b'\\') => self.skip_escape(),
                Some(b'$') if self.peek_at(1) == Some(b'{') && self.peek_at(2) != Some(b'{') => {
                    self.pos += 2;
                    depth += 1;
                }
                Some(b'$') => {
                    let _ = self.dollar(cx, in_dquote);
                }
                Some(b'\'') if !in_dquote => {
                    let _ = self.single_quoted();
                }
                Some(b'"') => {
                    self.pos += 1;
                    let _ = self.double_quoted(cx);
                }
                Some(b'`') if self.backticks == 0 => {
                    self.pos += 1;
                    self.backtick(cx);
                }
                Some(_) => self.pos += 1,
            }
        }
        self.leave();
    }

    /// After `$(`, `<(` or `>(`: the commands up to `)`.
    fn substitution(&mut self, cx: Cx, want: Closer) {
        if !self.enter() {
            return;
        }
        let inner = Cx {
            in_substitution: true,
            level: cx.level + 1,
            ..cx
        };
        let c = self.statements(inner, Mode::Plain);
        self.expect(c, want);
        self.leave();
    }

    /// After an opening backtick: the commands up to the closing one.
    fn backtick(&mut self, cx: Cx) {
        self.backticks += 1;
        self.substitution(cx, Closer::Backtick);
        self.backticks -= 1;
    }

    /// After `((` or `$((`: to the matching `))`. The contents are arithmetic, not
    /// commands, but `$(…)` and backticks in them run (and are recorded).
    fn skip_arith(&mut self, cx: Cx) {
        let mut depth = 2usize;
        while let Some(c) = self.peek() {
            match c {
                b'$' if self.peek_at(1) == Some(b'(') && self.peek_at(2) != Some(b'(') => {
                    self.pos += 2;
                    self.substitution(cx, Closer::RParen);
                    continue;
                }
                b'`' if self.backticks == 0 => {
                    self.pos += 1;
                    self.backtick(cx);
                    continue;
                }
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos += 1;
                        return;
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
        self.script.has_errors = true;
    }

    /// `(…)` at `pos`, balanced (extglob patterns).
    fn skip_parens(&mut self) {
        let mut depth = 0usize;
        while let Some(c) = self.peek() {
            match c {
                b'\\' => {
                    self.skip_escape();
                    continue;
                }
                b'(' => depth += 1,
                b')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.pos += 1;
                        return;
                    }
                }
                b'\n' => break,
                _ => {}
            }
            self.pos += 1;
        }
        self.script.has_errors = true;
    }

    /// `NAME=( … )` array elements.
    fn array(&mut self, cx: Cx) {
        self.pos += 1;
        loop {
            self.skip_space();
            match self.peek() {
                None => {
                    self.script.has_errors = true;
                    return;
                }
                Some(b')') => {
                    self.pos += 1;
                    return;
                }
                _ => {
                    if !self.skip_word(cx) {
                        return;
                    }
                }
            }
        }
    }
}

/// Appends `piece` to a word's text; the first piece is copied into a string of its
/// own length (one allocation, not the growth path: most words are one piece).
#[inline]
fn append(text: &mut String, piece: &str) {
    if text.is_empty() {
        *text = piece.to_owned();
    } else {
        text.push_str(piece);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Op, Script};

    fn argv(s: &Script) -> Vec<String> {
        s.commands.iter().map(|c| c.argv_text()).collect()
    }

    fn cmd<'a>(s: &'a Script, name: &str) -> &'a super::Command {
        s.commands
            .iter()
            .find(|c| c.name() == name)
            .unwrap_or_else(|| panic!("no `{name}` in {:?}", argv(s)))
    }

    /// Every span lies in the input, on char boundaries.
    fn spans_ok(src: &str, s: &Script) {
        let ok =
            |sp: &crate::finding::Span| sp.start <= sp.end && src.get(sp.start..sp.end).is_some();
        for c in &s.commands {
            assert!(ok(&c.span), "{c:?}");
            assert!(c.words.iter().all(|w| ok(&w.span)), "{c:?}");
        }
        assert!(s.comments.iter().all(|c| ok(&c.span)));
        for l in &s.lists {
            assert!(l.items.iter().all(|i| ok(&i.span)));
        }
    }

    #[test]
    fn lists_flatten_and_pipelines() {
        let s = Script::parse("a | b && c || d\ne |& f");
        assert_eq!(s.lists.len(), 2);
        let l = &s.lists[0];
        assert_eq!(
            l.items.iter().map(|i| i.op).collect::<Vec<_>>(),
            vec![None, Some(Op::And), Some(Op::Or)]
        );
        assert!(l.items[0].pipeline && !l.items[1].pipeline);
        assert_eq!(l.items[0].commands, vec![0, 1]);
        assert!(s.lists[1].items[0].pipeline);
        // Operators may be followed by a newline.
        let s = Script::parse("a &&\n  b ||\n  c");
        assert_eq!(s.lists.len(), 1);
        assert_eq!(s.lists[0].items.len(), 3);
    }

    #[test]
    fn separators() {
        let s = Script::parse("a; b & c\n\n d;");
        assert_eq!(argv(&s), vec!["a", "b", "c", "d"]);
        assert_eq!(s.lists.len(), 4);
        assert!(!s.has_errors);
    }

    #[test]
    fn groups_attach_to_enclosing_item() {
        let s = Script::parse("( a; b ) || true\n{ c && d; } || e");
        let l = &s.lists[0];
        assert_eq!(l.items[0].commands.len(), 2);
        let a = cmd(&s, "a");
        assert_ne!(a.list, 0, "a has a list of its own");
        assert_eq!(s.or_fallbacks(0, 0), vec![1]);
        let g = s.lists.iter().position(|l| {
            l.items.len() == 2 && l.items[1].op == Some(Op::Or) && l.items[0].commands.len() == 2
        });
        assert!(g.is_some(), "{:?}", s.lists);
    }

    #[test]
    fn conditions() {
        let s = Script::parse(
            "if grep -q x f; then echo yes; elif test -f g; then :; else echo no; fi\n\
             while ! read -r line; do echo \"$line\"; done\n\
             until a && b; do c; done",
        );
        let grep = cmd(&s, "grep");
        assert!(grep.in_condition);
        // The condition belongs to the `if` item.
        assert_eq!((grep.list, grep.item), (0, 0));
        assert!(cmd(&s, "test").in_condition);
        assert!(!cmd(&s, "echo").in_condition);
        let read = cmd(&s, "read");
        assert!(read.in_condition && !read.in_loop);
        let body = s
            .commands
            .iter()
            .find(|c| c.argv_text() == "echo $line")
            .unwrap();
        assert!(body.in_loop && !body.in_condition);
        // An and-or condition keeps its own list.
        let a = cmd(&s, "a");
        assert!(a.in_condition);
        assert_eq!(s.lists[a.list].items.len(), 2);
        assert!(cmd(&s, "c").in_loop);
        assert!(!s.has_errors);
    }

    #[test]
    fn negation() {
        let s = Script::parse("! grep -q x f\nfoo");
        assert!(cmd(&s, "grep").in_condition);
        assert!(!cmd(&s, "foo").in_condition);
    }

    #[test]
    fn loops_case_functions() {
        let s = Script::parse(
            "for f in *.txt $(ls); do wc \"$f\"; done\n\
             for ((i=0; i<3; i++)); do x; done\n\
             case \"$1\" in\n  a|b) one ;;\n  (c) two; three ;;&\n  *) four\nesac\n\
             f() { inner; }\n\
             function g { other; }\n\
             function h() ( sub )\n\
             outer",
        );
        assert!(cmd(&s, "wc").in_loop);
        assert!(cmd(&s, "ls").in_substitution && !cmd(&s, "ls").in_loop);
        assert!(cmd(&s, "x").in_loop);
        for n in ["one", "two", "three", "four"] {
            assert!(!cmd(&s, n).in_loop, "{n}");
        }
        for n in ["inner", "other", "sub"] {
            assert!(cmd(&s, n).in_function, "{n}");
        }
        assert!(!cmd(&s, "outer").in_function);
        assert!(!s.has_errors, "{:?}", argv(&s));
    }

    #[test]
    fn substitutions_recorded_first() {
        let s = Script::parse("echo \"$(date)\" `whoami` <(ls) >(cat) $(( 1 + $(n) ))");
        let names: Vec<_> = s.commands.iter().map(|c| c.name().to_string()).collect();
        assert_eq!(names, vec!["date", "whoami", "ls", "cat", "n", "echo"]);
        assert!(s.commands[..5].iter().all(|c| c.in_substitution));
        let echo = s.commands.last().unwrap();
        assert!(!echo.in_substitution);
        assert!(echo.words.iter().skip(1).all(|w| w.dynamic));
        assert_eq!(echo.words[1].text, "$(date)");
        assert_eq!(echo.words[3].text, "<(ls)");
    }

    #[test]
    fn test_commands() {
        let s = Script::parse("[ $? -eq 0 ] && [[ -n \"$x\" && $y == a* || $z =~ ^(a|b)$ ]]");
        let t = &s.commands[0];
        let w: Vec<_> = t.words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(w, vec!["[", "$?", "-eq", "0", "]"]);
        let t = &s.commands[1];
        let w: Vec<_> = t.words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(
            w,
            vec!["[[", "-n", "$x", "&&", "$y", "==", "a*", "||", "$z", "=~", "^(a|b)$", "]]"]
        );
        assert_eq!(s.lists[0].items.len(), 2);
        let s = Script::parse("[[ $v =~ $(git rev-parse HEAD)$ ]]");
        assert_eq!(
            argv(&s),
            vec!["git rev-parse HEAD", "[[ $v =~ $(git rev-parse HEAD)$ ]]"]
        );
    }

    #[test]
    fn assignments_and_declarations() {
        let src = "A=1 B=\"x y\" make build\nV=$(git rev-parse HEAD)\nexport X=1 Y\nlocal -r z=2\nARR=(a \"$(b)\" c)\nunset Q";
        let s = Script::parse(src);
        let make = cmd(&s, "make");
        assert_eq!(make.argv_text(), "make build");
        assert_eq!(make.span.start, 0);
        assert!(cmd(&s, "git").in_substitution);
        assert_eq!(cmd(&s, "export").argv_text(), "export Y");
        assert_eq!(cmd(&s, "local").argv_text(), "local -r");
        assert!(cmd(&s, "b").in_substitution);
        assert_eq!(cmd(&s, "unset").argv_text(), "unset Q");
        // A bare assignment is a statement without commands.
        assert!(s
            .lists
            .iter()
            .any(|l| l.items.len() == 1 && l.items[0].commands.is_empty()));
        assert!(!s.has_errors);
        let names: Vec<(&str, &str)> = s
            .assignments
            .iter()
            .map(|a| {
                (
                    &src[a.name.start..a.name.end],
                    &src[a.span.start..a.span.end],
                )
            })
            .collect();
        assert_eq!(
            names,
            vec![
                ("A", "1"),
                ("B", "\"x y\""),
                ("V", "$(git rev-parse HEAD)"),
                ("X", "1"),
                ("z", "2"),
                ("ARR", "(a \"$(b)\" c)")
            ]
        );
        let src = "T=x; { F=${T##*/}; echo \"K=$F\"; } >> \"$GITHUB_ENV\"\nY=$(Q=1 cmd)";
        let s = Script::parse(src);
        let f = s.assignment_before(src, "F", src.len()).expect("F");
        assert_eq!(&src[f.span.start..f.span.end], "${T##*/}");
        assert!(s.assignment_before(src, "F", f.span.start).is_none());
        assert!(s
            .assignment_before(src, "Q", src.len())
            .is_some_and(|a| a.in_substitution));
        assert!(!s
            .assignment_before(src, "Y", src.len())
            .is_some_and(|a| a.in_substitution));
    }

    #[test]
    fn redirects() {
        let s = Script::parse(
            "cmd > out 2>&1 arg\nx &> all\ny >> app < in\nz 2>&-\nw <<< \"str\"\n\
             a | b > f\n{ p; q; } > log\nwhile read l; do r; done < <(gen)",
        );
        let c = cmd(&s, "cmd");
        assert_eq!(c.argv_text(), "cmd arg");
        let ops: Vec<_> = c
            .redirects
            .iter()
            .map(|r| (r.op.as_str(), r.target.as_str()))
            .collect();
        assert_eq!(ops, vec![(">", "out"), (">&", "1")]);
        assert_eq!(cmd(&s, "x").redirects[0].op, "&>");
        let y = cmd(&s, "y");
        assert!(y.stdin_redirected());
        assert_eq!(y.redirects[0].op, ">>");
        assert_eq!(cmd(&s, "z").redirects[0].op, ">&-");
        assert_eq!(cmd(&s, "w").redirects[0].op, "<<<");
        assert!(cmd(&s, "w").stdin_redirected());
        assert!(cmd(&s, "a").redirects.is_empty());
        assert_eq!(cmd(&s, "b").redirects[0].target, "f");
        assert_eq!(cmd(&s, "p").redirects[0].target, "log");
        assert_eq!(cmd(&s, "q").redirects[0].target, "log");
        assert!(cmd(&s, "read").stdin_redirected());
        assert!(cmd(&s, "r").stdin_redirected());
        assert!(cmd(&s, "gen").in_substitution);
        assert!(cmd(&s, "gen").redirects.is_empty());
    }

    #[test]
    fn heredocs_skipped_as_text() {
        let src = "cat <<EOF > f\nnot $(a command) here\nEOF\ncat <<-'END' | sh\n\tif fi done\n\tEND\ntee x <<\"E\"\n`nor`\nE\nafter";
        let s = Script::parse(src);
        assert_eq!(argv(&s), vec!["cat", "cat", "sh", "tee x", "after"]);
        let c = &s.commands[0];
        let ops: Vec<_> = c
            .redirects
            .iter()
            .map(|r| (r.op.as_str(), r.target.as_str()))
            .collect();
        assert_eq!(ops, vec![("<<", "EOF"), (">", "f")]);
        assert_eq!(s.commands[1].redirects[0].op, "<<-");
        assert_eq!(s.commands[1].redirects[0].target, "'END'");
        assert!(s.lists[1].items[0].pipeline);
        assert!(!s.has_errors);
        // Two here-documents on one line, and one inside a substitution.
        let s = Script::parse(
            "diff <<A /dev/fd/3 3<<B\na\nA\nb\nB\nX=$(cat <<EOF\nbody )\nEOF\n)\nend",
        );
        assert_eq!(argv(&s), vec!["diff /dev/fd/3", "cat", "end"]);
        assert!(!s.has_errors);
    }

    #[test]
    fn comments_with_spans() {
        let src = "# top\necho a#b '#x' # trailing\n  # indented\n";
        let s = Script::parse(src);
        let c: Vec<_> = s.comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(c, vec!["# top", "# trailing", "# indented"]);
        for c in &s.comments {
            assert_eq!(&src[c.span.start..c.span.end], c.text);
        }
        assert_eq!(argv(&s), vec!["echo a#b #x"]);
    }

    #[test]
    fn continuations() {
        let s = Script::parse("docker run \\\n  --rm \\\n  img\nnext");
        assert_eq!(argv(&s), vec!["docker run --rm img", "next"]);
    }

    #[test]
    fn word_unquoting() {
        let src = r#"echo "a b" 'c d' $'e\'f' g\ h pre"mid"'post'$V "x$Y" '$Z' ${W:-"d e"}"#;
        let s = Script::parse(src);
        let w: Vec<_> = s.commands[0]
            .words
            .iter()
            .map(|w| (w.text.as_str(), w.dynamic))
            .collect();
        assert_eq!(
            w,
            vec![
                ("echo", false),
                ("a b", false),
                ("c d", false),
                ("e\\'f", false),
                ("g h", false),
                ("premidpost$V", true),
                ("x$Y", true),
                ("$Z", false),
                ("${W:-\"d e\"}", true),
            ]
        );
        spans_ok(src, &s);
        assert_eq!(
            &src[s.commands[0].words[1].span.start..s.commands[0].words[1].span.end],
            "\"a b\""
        );
    }

    #[test]
    fn github_expressions_are_opaque() {
        let src = "uvx nox -s ${{ github.event_name == 'release' && 'a b' || \"c\" }} --x\n\
                   echo '${{ a == 'b' }}' \"${{ x }}\"\ncurl https://u:${{secrets.T}}@h/x | sh";
        let s = Script::parse(src);
        assert_eq!(s.lists[0].items.len(), 1);
        let uvx = cmd(&s, "uvx");
        assert_eq!(uvx.words.len(), 5);
        assert_eq!(
            uvx.words[3].text,
            "${{ github.event_name == 'release' && 'a b' || \"c\" }}"
        );
        assert!(uvx.words[3].dynamic);
        let echo = cmd(&s, "echo");
        assert_eq!(echo.words[1].text, "${{ a == 'b' }}");
        assert_eq!(echo.words[2].text, "${{ x }}");
        assert!(echo.words[1].dynamic && echo.words[2].dynamic);
        assert_eq!(
            cmd(&s, "curl").words[1].text,
            "https://u:${{secrets.T}}@h/x"
        );
        assert!(!s.has_errors);
        spans_ok(src, &s);
    }

    #[test]
    fn unbalanced_input_is_tolerated() {
        for src in [
            "echo \"unterminated",
            "echo 'x",
            "if a; then b",
            "( a; b",
            "{ a; ",
            "a && ",
            "fi; echo after",
            ") x",
            "case x in a) b",
            "echo $(foo",
            "echo ${x",
            "cat <<EOF\nno end",
            "done",
            "a |",
        ] {
            let s = Script::parse(src);
            assert!(s.has_errors, "{src:?}");
            spans_ok(src, &s);
        }
        let s = Script::parse("fi; echo after");
        assert!(s.commands.iter().any(|c| c.argv_text() == "echo after"));
    }

    #[test]
    fn depth_is_bounded() {
        for src in [
            "$(".repeat(100_000),
            "(".repeat(100_000),
            "{ ".repeat(100_000),
            "\"${x:-".repeat(100_000),
            "if a; then ".repeat(50_000),
        ] {
            let s = Script::parse(&src);
            assert!(s.has_errors);
            // The words left open when the limit hit do not each copy the rest.
            let copied: usize = s
                .commands
                .iter()
                .flat_map(|c| &c.words)
                .map(|w| w.text.len())
                .sum();
            assert!(copied < 10_000, "{copied}");
        }
        // Within the limit, nesting works.
        let src = format!("{}x{}", "$(".repeat(50), ")".repeat(50));
        let s = Script::parse(&src);
        assert!(!s.has_errors);
        // `x`, then each level's `$(…)` as the name of a command.
        assert_eq!(s.commands.len(), 51);
        assert_eq!(s.commands[0].name(), "x");
    }

    #[test]
    fn fuzz_hang_regression_parses() {
        let src = include_str!("../../../../fuzz/regressions/shell-hang-long-pipeline.sh");
        let s = Script::parse(src);
        spans_ok(src, &s);
        // One long pipeline (the stray `shell: bash` line continues it).
        assert!(s.commands.len() > 50, "{}", s.commands.len());
        assert!(s.lists[0].items[0].pipeline);
        assert!(s.commands.iter().any(|c| c.name() == "curle-fsSL"));
    }

    #[test]
    fn linear_on_pathological_inputs() {
        // Each would be quadratic with a naive search; they must simply return.
        let n = 200_000;
        for src in [
            "${{ ".repeat(n / 4),
            "a | ".repeat(n / 4),
            "'${{".repeat(n / 4),
            "x<<E ".repeat(n / 5) + "\n",
            "\\\n".repeat(n / 2),
        ] {
            let s = Script::parse(&src);
            spans_ok(&src, &s);
        }
    }

    #[test]
    fn random_input_never_panics() {
        // A small deterministic generator over shell-significant fragments.
        const PIECES: &[&str] = &[
            " ", "\n", ";", "&", "&&", "||", "|", "(", ")", "{", "}", "$(", "`", "\"", "'", "${",
            "${{", "}}", "<<", "EOF", "<<-", "<<<", ">", "2>&1", "<(", "if", "then", "fi", "do",
            "done", "while", "for", "in", "case", "esac", ";;", "[[", "]]", "!", "#", "\\", "$",
            "x", "é", "日本", "=", "A=", "((", "))", "function", "elif",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..3000 {
            let mut src = String::new();
            let len = (seed % 60) as usize;
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                src.push_str(PIECES[(seed % PIECES.len() as u64) as usize]);
            }
            let s = Script::parse(&src);
            spans_ok(&src, &s);
            for c in &s.commands {
                assert!(c.list < s.lists.len(), "{src:?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_with_spans_in_range(src in "\\PC{0,300}") {
            let s = Script::parse(&src);
            spans_ok(&src, &s);
        }

        #[test]
        fn shell_like_text_parses_with_spans_in_range(
            src in "([a-z$(){}|&;<>'\"`#\\\n =\\[\\]!*]|\\$\\{\\{|\\}\\}|<<|EOF|if |fi|do|done|then ){0,80}"
        ) {
            let s = Script::parse(&src);
            spans_ok(&src, &s);
        }
    }
}
