//! Shell scripts as commands, not text: the tree-sitter-bash mapping of `run:` blocks
//! and the scripts they call.
//!
//! [`Script::parse`] turns bash source into a flat list of [`Command`]s (in source
//! order, with spans relative to the script text) and the and-or [`List`]s that join
//! them (`a && b || c`, pipelines), so rules can ask "is the last item of this list an
//! `|| echo`?" or "is this `read` inside an `if` condition?" without regexes.
//! Comments are kept (placeholder detection needs them). Unparseable regions are
//! tolerated: tree-sitter recovers and `has_errors` says so.

use crate::finding::Span;
use std::cell::RefCell;
use tree_sitter::{Node, Parser};

/// The operator that joins an item to the previous one in an and-or list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    And,
    Or,
}

/// One word of a command (name or argument), approximately unquoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Unquoted text; expansions are kept as written (`$X`, `$(cmd)`).
    pub text: String,
    pub span: Span,
    /// Contains a parameter expansion or command substitution.
    pub dynamic: bool,
}

/// A redirect attached to a command (`> file`, `< file`, `<<EOF`, `<<< str`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub op: String,
    pub target: String,
}

/// One simple command.
#[derive(Debug, Clone)]
pub struct Command {
    pub words: Vec<Word>,
    pub span: Span,
    /// Index into [`Script::lists`] and the item within that list.
    pub list: usize,
    pub item: usize,
    /// Inside an `if`/`while`/`until` condition, or negated with `!`.
    pub in_condition: bool,
    /// Inside `$(…)` or backticks.
    pub in_substitution: bool,
    /// Inside a function body.
    pub in_function: bool,
    /// Inside a loop body.
    pub in_loop: bool,
    pub redirects: Vec<Redirect>,
}

impl Command {
    /// The command name, e.g. `npm`.
    pub fn name(&self) -> &str {
        self.words.first().map(|w| w.text.as_str()).unwrap_or("")
    }
    /// The command name without a leading path (`./scripts/x.sh` stays as is; `/usr/bin/env` → `env`).
    pub fn base_name(&self) -> &str {
        let n = self.name();
        if n.starts_with("./") || n.starts_with("../") {
            return n;
        }
        n.rsplit('/').next().unwrap_or(n)
    }
    pub fn args(&self) -> &[Word] {
        self.words.get(1..).unwrap_or(&[])
    }
    pub fn has_arg(&self, a: &str) -> bool {
        self.args().iter().any(|w| w.text == a)
    }
    /// True if any argument starts with `prefix`.
    pub fn has_arg_prefix(&self, prefix: &str) -> bool {
        self.args().iter().any(|w| w.text.starts_with(prefix))
    }
    /// Argument words joined by spaces.
    pub fn argv_text(&self) -> String {
        self.words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
    /// Standard input comes from somewhere other than the terminal.
    pub fn stdin_redirected(&self) -> bool {
        self.redirects
            .iter()
            .any(|r| r.op.starts_with('<') && !r.op.starts_with("<("))
    }
}

/// Pipelines joined by `&&` / `||`.
#[derive(Debug, Clone, Default)]
pub struct List {
    pub items: Vec<ListItem>,
}

#[derive(Debug, Clone, Default)]
pub struct ListItem {
    /// Operator before this item (`None` for the first).
    pub op: Option<Op>,
    /// Commands of the pipeline or compound statement, in order.
    pub commands: Vec<usize>,
    /// Piped into the next command (`a | b`).
    pub pipeline: bool,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

/// A parsed script.
#[derive(Debug, Clone, Default)]
pub struct Script {
    pub commands: Vec<Command>,
    pub lists: Vec<List>,
    pub comments: Vec<Comment>,
    pub has_errors: bool,
}

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

const MAX_DEPTH: usize = 400;

/// Time spent in [`Script::parse`] (parse + mapping), summed over all threads, in ns.
static SHELL_NANOS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// This thread's CPU time in ns (so that time spent waiting for a core on a busy
/// machine is not counted); a monotonic clock where that is not available.
fn thread_cpu_nanos() -> u64 {
    #[cfg(target_os = "linux")]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0 {
            return (ts.tv_sec as u64)
                .saturating_mul(1_000_000_000)
                .saturating_add(ts.tv_nsec as u64);
        }
    }
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    u64::try_from(
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_nanos(),
    )
    .unwrap_or(u64::MAX)
}

/// CPU time spent so far in shell analysis of `run:` blocks and script files, summed
/// over threads (for `PIPEWISE_TIMINGS` and the benchmarks).
pub fn shell_time() -> std::time::Duration {
    std::time::Duration::from_nanos(SHELL_NANOS.load(std::sync::atomic::Ordering::Relaxed))
}

#[derive(Clone, Copy, Default)]
struct Ctx {
    in_condition: bool,
    in_substitution: bool,
    in_function: bool,
    in_loop: bool,
    depth: usize,
}

struct Builder<'s> {
    src: &'s str,
    script: Script,
}

impl Script {
    /// Parses bash source. Never fails: syntax errors set `has_errors`.
    pub fn parse(src: &str) -> Script {
        let started = thread_cpu_nanos();
        let script = Script::parse_inner(src);
        SHELL_NANOS.fetch_add(
            thread_cpu_nanos().saturating_sub(started),
            std::sync::atomic::Ordering::Relaxed,
        );
        script
    }

    fn parse_inner(src: &str) -> Script {
        let tree = PARSER.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.is_none() {
                let mut p = Parser::new();
                if p.set_language(&tree_sitter_bash::LANGUAGE.into()).is_err() {
                    return None;
                }
                *slot = Some(p);
            }
            slot.as_mut().and_then(|p| p.parse(src, None))
        });
        let Some(tree) = tree else {
            return Script {
                has_errors: true,
                ..Script::default()
            };
        };
        let root = tree.root_node();
        let mut b = Builder {
            src,
            script: Script {
                has_errors: root.has_error(),
                ..Script::default()
            },
        };
        b.statements(root, Ctx::default());
        b.script
    }

    /// Commands in a given list item.
    pub fn item_commands(&self, list: usize, item: usize) -> impl Iterator<Item = &Command> {
        self.lists
            .get(list)
            .and_then(|l| l.items.get(item))
            .map(|i| i.commands.as_slice())
            .unwrap_or(&[])
            .iter()
            .filter_map(|&c| self.commands.get(c))
    }

    /// The `||` fallback items that follow item `item` of list `list`, if any.
    pub fn or_fallbacks(&self, list: usize, item: usize) -> Vec<usize> {
        let Some(l) = self.lists.get(list) else {
            return vec![];
        };
        let mut out = vec![];
        let mut i = item + 1;
        while let Some(it) = l.items.get(i) {
            if it.op == Some(Op::Or) {
                out.push(i);
            }
            i += 1;
        }
        out
    }
}

fn span(n: Node) -> Span {
    Span::new(n.start_byte(), n.end_byte())
}

impl<'s> Builder<'s> {
    fn text(&self, n: Node) -> &'s str {
        self.src.get(n.start_byte()..n.end_byte()).unwrap_or("")
    }

    /// Walks a node whose children are statements.
    fn statements(&mut self, node: Node, cx: Ctx) {
        if cx.depth > MAX_DEPTH {
            self.script.has_errors = true;
            return;
        }
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            self.statement(child, cx);
        }
    }

    /// A statement at the top of a list: gets a list of its own.
    fn statement(&mut self, node: Node, cx: Ctx) {
        match node.kind() {
            "comment" => self.script.comments.push(Comment {
                text: self.text(node).to_string(),
                span: span(node),
            }),
            "heredoc_body" | "heredoc_end" | "heredoc_start" => {}
            _ => {
                let list = self.script.lists.len();
                self.script.lists.push(List::default());
                self.list_operands(node, list, None, cx);
            }
        }
    }

    /// Flattens `a && b || c` into items of `list`.
    fn list_operands(&mut self, node: Node, list: usize, op: Option<Op>, cx: Ctx) {
        if node.kind() == "list" {
            let mut cursor = node.walk();
            let mut pending_op = op;
            for child in node.children(&mut cursor) {
                match child.kind() {
                    "&&" => pending_op = Some(Op::And),
                    "||" => pending_op = Some(Op::Or),
                    "comment" => self.script.comments.push(Comment {
                        text: self.text(child).to_string(),
                        span: span(child),
                    }),
                    _ if child.is_named() => {
                        self.list_operands(child, list, pending_op, cx);
                        pending_op = None;
                    }
                    _ => {}
                }
            }
            return;
        }
        let item = self.script.lists[list].items.len();
        self.script.lists[list].items.push(ListItem {
            op,
            commands: vec![],
            pipeline: node.kind() == "pipeline",
            span: span(node),
        });
        // Operands left of && / || have their status checked.
        self.item_body(node, list, item, cx);
    }

    fn item_body(&mut self, node: Node, list: usize, item: usize, cx: Ctx) {
        let cx = Ctx {
            depth: cx.depth + 1,
            ..cx
        };
        if cx.depth > MAX_DEPTH {
            self.script.has_errors = true;
            return;
        }
        match node.kind() {
            "command" | "test_command" | "declaration_command" | "unset_command" => {
                self.command(node, list, item, cx, vec![]);
            }
            "pipeline" => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    self.item_body(child, list, item, cx);
                }
            }
            "redirected_statement" => {
                let mut redirects = vec![];
                let mut body = None;
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    match child.kind() {
                        "file_redirect" | "heredoc_redirect" | "herestring_redirect" => {
                            redirects.push(self.redirect(child))
                        }
                        _ if body.is_none() => body = Some(child),
                        _ => {}
                    }
                }
                let before = self.script.commands.len();
                if let Some(b) = body {
                    self.item_body(b, list, item, cx);
                }
                // Redirects apply to the commands of the body.
                for c in self.script.commands.iter_mut().skip(before) {
                    if !c.in_substitution {
                        c.redirects.extend(redirects.iter().cloned());
                    }
                }
            }
            "negated_command" => {
                let inner = Ctx {
                    in_condition: true,
                    ..cx
                };
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    self.item_body(child, list, item, inner);
                }
            }
            "if_statement" | "elif_clause" | "while_statement" | "until_statement" => {
                let is_loop = node.kind() != "if_statement" && node.kind() != "elif_clause";
                let mut in_cond = true;
                let mut cursor = node.walk();
                for child in node.children(&mut cursor) {
                    match child.kind() {
                        "then" | "do_group" => in_cond = false,
                        _ => {}
                    }
                    if !child.is_named() {
                        continue;
                    }
                    let ccx = Ctx {
                        in_condition: cx.in_condition || in_cond,
                        in_loop: cx.in_loop || (is_loop && !in_cond),
                        ..cx
                    };
                    match child.kind() {
                        "do_group" | "else_clause" | "elif_clause" => self.nested(child, ccx),
                        "comment" => self.statement(child, ccx),
                        _ => self.nested_or_item(child, list, item, ccx, in_cond),
                    }
                }
            }
            "for_statement" | "c_style_for_statement" => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    if child.kind() == "do_group" || child.kind() == "compound_statement" {
                        self.nested(
                            child,
                            Ctx {
                                in_loop: true,
                                ..cx
                            },
                        );
                    } else {
                        self.substitutions(child, cx);
                    }
                }
            }
            "function_definition" => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    if child.kind() != "word" {
                        self.nested(
                            child,
                            Ctx {
                                in_function: true,
                                ..cx
                            },
                        );
                    }
                }
            }
            "subshell" | "compound_statement" => {
                // Its commands belong to this item, so `( a; b ) || true` masks them.
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    if child.kind() == "comment" {
                        self.statement(child, cx);
                        continue;
                    }
                    let l = self.script.lists.len();
                    self.script.lists.push(List::default());
                    self.list_operands(child, l, None, cx);
                    let cmds: Vec<usize> = self.script.lists[l]
                        .items
                        .iter()
                        .flat_map(|i| i.commands.iter().copied())
                        .collect();
                    self.script.lists[list].items[item].commands.extend(cmds);
                }
            }
            "case_statement" => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    if child.kind() == "case_item" {
                        self.nested(child, cx);
                    } else {
                        self.substitutions(child, cx);
                    }
                }
            }
            "variable_assignment" | "variable_assignments" => self.substitutions(node, cx),
            "list" => self.nested(node, cx),
            "comment" => self.statement(node, cx),
            _ => self.substitutions(node, cx),
        }
    }

    fn nested_or_item(&mut self, node: Node, list: usize, item: usize, cx: Ctx, is_cond: bool) {
        if is_cond && node.kind() != "list" {
            self.item_body(node, list, item, cx);
        } else {
            self.statement(node, cx);
        }
    }

    fn nested(&mut self, node: Node, cx: Ctx) {
        self.statements(
            node,
            Ctx {
                depth: cx.depth + 1,
                ..cx
            },
        );
    }

    fn redirect(&self, node: Node) -> Redirect {
        let mut op = String::new();
        let mut target = String::new();
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if !child.is_named() {
                op.push_str(self.text(child));
            } else if child.kind() != "file_descriptor" && target.is_empty() {
                target = self.text(child).to_string();
            }
        }
        if node.kind() == "heredoc_redirect" && op.is_empty() {
            op = "<<".into();
        }
        if node.kind() == "herestring_redirect" && !op.starts_with("<<<") {
            op = "<<<".into();
        }
        Redirect { op, target }
    }

    fn command(&mut self, node: Node, list: usize, item: usize, cx: Ctx, redirects: Vec<Redirect>) {
        let mut words = vec![];
        let mut cursor = node.walk();
        let mut redirects = redirects;
        for child in node.children(&mut cursor) {
            match child.kind() {
                "variable_assignment" => self.substitutions(child, cx),
                "file_redirect" | "heredoc_redirect" | "herestring_redirect" => {
                    redirects.push(self.redirect(child))
                }
                "[" | "[[" | "]" | "]]" if node.kind() == "test_command" => {
                    words.push(Word {
                        text: self.text(child).to_string(),
                        span: span(child),
                        dynamic: false,
                    });
                }
                "local" | "export" | "declare" | "readonly" | "typeset" | "unset" => {
                    words.push(Word {
                        text: self.text(child).to_string(),
                        span: span(child),
                        dynamic: false,
                    });
                }
                _ if child.is_named() => {
                    if child.kind() == "command_name" {
                        let inner = child.named_child(0).unwrap_or(child);
                        words.push(self.word(inner));
                        self.substitutions(inner, cx);
                    } else if node.kind() == "test_command" {
                        self.test_words(child, &mut words);
                        self.substitutions(child, cx);
                    } else {
                        words.push(self.word(child));
                        self.substitutions(child, cx);
                    }
                }
                _ => {}
            }
        }
        let idx = self.script.commands.len();
        self.script.commands.push(Command {
            words,
            span: span(node),
            list,
            item,
            in_condition: cx.in_condition,
            in_substitution: cx.in_substitution,
            in_function: cx.in_function,
            in_loop: cx.in_loop,
            redirects,
        });
        if let Some(it) = self
            .script
            .lists
            .get_mut(list)
            .and_then(|l| l.items.get_mut(item))
        {
            it.commands.push(idx);
        }
    }

    fn test_words(&self, node: Node, out: &mut Vec<Word>) {
        if node.named_child_count() == 0 {
            out.push(self.word(node));
            return;
        }
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if matches!(
                child.kind(),
                "word" | "string" | "raw_string" | "simple_expansion" | "expansion" | "number"
            ) || !child.is_named()
            {
                out.push(self.word(child));
            } else {
                self.test_words(child, out);
            }
        }
    }

    fn word(&self, node: Node) -> Word {
        let raw = self.text(node);
        let (text, dynamic) = match node.kind() {
            "string" => {
                let t = raw
                    .strip_prefix('"')
                    .and_then(|s| s.strip_suffix('"'))
                    .unwrap_or(raw);
                (t.to_string(), t.contains('$') || t.contains('`'))
            }
            "raw_string" => (
                raw.strip_prefix('\'')
                    .and_then(|s| s.strip_suffix('\''))
                    .unwrap_or(raw)
                    .to_string(),
                false,
            ),
            "ansi_c_string" => (
                raw.strip_prefix("$'")
                    .and_then(|s| s.strip_suffix('\''))
                    .unwrap_or(raw)
                    .to_string(),
                false,
            ),
            "concatenation" => {
                let mut s = String::new();
                let mut dynamic = false;
                let mut cursor = node.walk();
                for child in node.children(&mut cursor) {
                    let w = self.word(child);
                    dynamic |= w.dynamic;
                    s.push_str(&w.text);
                }
                (s, dynamic)
            }
            "simple_expansion"
            | "expansion"
            | "command_substitution"
            | "process_substitution"
            | "arithmetic_expansion" => (raw.to_string(), true),
            "word" => (unescape_word(raw), false),
            _ => (raw.to_string(), raw.contains('$')),
        };
        Word {
            text,
            span: span(node),
            dynamic,
        }
    }

    /// Finds `$(…)`, backticks and `<(…)` below `node` and records their commands.
    fn substitutions(&mut self, node: Node, cx: Ctx) {
        if cx.depth > MAX_DEPTH {
            self.script.has_errors = true;
            return;
        }
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            match n.kind() {
                "command_substitution" | "process_substitution" => {
                    self.nested(
                        n,
                        Ctx {
                            in_substitution: true,
                            ..cx
                        },
                    );
                }
                _ => {
                    let mut cursor = n.walk();
                    let children: Vec<Node> = n.named_children(&mut cursor).collect();
                    stack.extend(children.into_iter().rev());
                }
            }
        }
    }
}

fn unescape_word(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Shell names whose bodies are bash-compatible enough to parse as bash.
pub fn is_posix_shell(shell: Option<&str>) -> bool {
    match shell.map(str::trim) {
        None => true,
        Some(s) => {
            let first = s.split_whitespace().next().unwrap_or("");
            let base = first.rsplit('/').next().unwrap_or(first);
            matches!(base, "bash" | "sh" | "dash" | "zsh" | "ksh")
        }
    }
}

/// True when the shell runs with errexit: GitHub's default `bash -e {0}`, `sh -e {0}`,
/// `shell: bash` (expands to `bash --noprofile --norc -eo pipefail {0}`).
pub fn shell_has_errexit(shell: Option<&str>) -> bool {
    match shell.map(str::trim) {
        None | Some("bash") | Some("sh") => true,
        Some(s) => s
            .split_whitespace()
            .any(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('e')),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &Script) -> Vec<String> {
        s.commands.iter().map(|c| c.argv_text()).collect()
    }

    #[test]
    fn simple_and_or_lists() {
        let s = Script::parse("npm ci\nnpm test || echo \"no tests\"\n");
        assert_eq!(names(&s), vec!["npm ci", "npm test", "echo no tests"]);
        let t = &s.commands[1];
        assert_eq!(s.lists[t.list].items.len(), 2);
        assert_eq!(s.lists[t.list].items[1].op, Some(Op::Or));
        assert_eq!(s.or_fallbacks(t.list, t.item), vec![1]);
    }

    #[test]
    fn chains_flatten_left_to_right() {
        let s = Script::parse("a && b || c || d");
        let l = &s.lists[0];
        let ops: Vec<_> = l.items.iter().map(|i| i.op).collect();
        assert_eq!(ops, vec![None, Some(Op::And), Some(Op::Or), Some(Op::Or)]);
    }

    #[test]
    fn conditions_and_substitutions() {
        let s = Script::parse("if grep -q x f; then\n  echo yes\nfi\nV=$(git rev-parse HEAD)\n");
        let grep = s.commands.iter().find(|c| c.name() == "grep").unwrap();
        assert!(grep.in_condition);
        let echo = s.commands.iter().find(|c| c.name() == "echo").unwrap();
        assert!(!echo.in_condition);
        let git = s.commands.iter().find(|c| c.name() == "git").unwrap();
        assert!(git.in_substitution);
    }

    #[test]
    fn redirects_and_spans() {
        let src = "read -p 'Continue?' answer < /dev/null\n";
        let s = Script::parse(src);
        let r = &s.commands[0];
        assert_eq!(r.name(), "read");
        assert!(r.stdin_redirected());
        assert_eq!(
            &src[r.words[2].span.start..r.words[2].span.end],
            "'Continue?'"
        );
        assert_eq!(r.words[2].text, "Continue?");
    }

    #[test]
    fn pipelines_and_subshells() {
        let s = Script::parse("curl -sSL https://x | bash\n(make build; make test) || true\n");
        assert_eq!(s.lists[0].items[0].commands.len(), 2);
        assert!(s.lists[0].items[0].pipeline);
        let l = &s.lists[1];
        assert_eq!(l.items[0].commands.len(), 2);
        assert_eq!(l.items[1].op, Some(Op::Or));
    }

    #[test]
    fn comments_kept() {
        let s = Script::parse("# TODO: deploy\necho hi # trailing\n");
        assert_eq!(s.comments.len(), 2);
        assert!(s.comments[0].text.contains("TODO"));
    }

    #[test]
    fn test_command_words() {
        let s = Script::parse("if [ $? -eq 0 ]; then echo ok; fi");
        let t = &s.commands[0];
        assert!(t.words.iter().any(|w| w.text == "$?"), "{:?}", t.words);
    }

    #[test]
    fn shells() {
        assert!(is_posix_shell(None));
        assert!(is_posix_shell(Some("bash")));
        assert!(!is_posix_shell(Some("pwsh")));
        assert!(!is_posix_shell(Some("python")));
        assert!(shell_has_errexit(None));
        assert!(!shell_has_errexit(Some("bash {0}")));
        assert!(shell_has_errexit(Some("bash -e {0}")));
    }

    #[test]
    fn garbage_does_not_panic() {
        for s in ["((((", "if then fi", "$(", "<<EOF", "`", "a |", "case x in"] {
            let _ = Script::parse(s);
        }
        let deep = "$(".repeat(5000);
        let _ = Script::parse(&deep);
    }
}
