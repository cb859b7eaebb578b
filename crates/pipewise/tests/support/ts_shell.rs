//! Test-only oracle: the former tree-sitter-bash mapping of shell scripts (what
//! `pipewise::shell::Script::parse` did before the hand-written parser), building the
//! same public `Script` so `tests/shell_differential.rs` can compare the two.
#![allow(dead_code)]

use pipewise::finding::Span;
use pipewise::shell::{Command, Comment, List, ListItem, Op, Redirect, Script, Word};
use std::cell::RefCell;
use tree_sitter::{Node, Parser};

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

const MAX_DEPTH: usize = 400;

pub fn parse(src: &str) -> Script {
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
