//! Differential test of the hand-written shell parser (`pipewise::shell::Script::parse`)
//! against the former tree-sitter-bash mapping (`support/ts_shell.rs`), over every
//! `run:` body (posix shells) and shell script in the committed data, and, with
//! `PIPEWISE_CORPUS=/path/to/corpus`, over a corpus's workflows (ignored test).
//!
//! Compared: every command (words: text, span, dynamic; span; list/item; the four
//! flags; redirects), the list structure (items: op, commands, pipeline) and comments.
//! Lists without any command (bare assignments, `case` patterns, function definitions
//! as items) are dropped before comparing: the two parsers create them differently and
//! no rule can see them. Accepted differences are listed in [`ACCEPTED`], each with
//! the reason the new parser is right.

mod support;

use support::corpus;
#[path = "support/ts_shell.rs"]
mod ts_shell;

use pipewise::shell::{is_posix_shell, Script};
use pipewise_yaml::{Document, Node};
use std::path::{Path, PathBuf};

/// Accepted differences: (file path suffix, a substring of the script, reason). A
/// script that differs must match an entry; an entry that matches no differing script
/// fails the test (so the list stays current).
const ACCEPTED: &[(&str, &str, &str)] = &[
    (
        "github-env-injection/benign/.github/workflows/numeric.yml",
        "| tr -dc '0-9' > pr.txt",
        PIPE_REDIRECT,
    ),
    (
        "astral-sh__uv__issue-triage.yml",
        "| jq '.' > \"$RUNNER_TEMP",
        PIPE_REDIRECT,
    ),
    (
        "curl__curl__distcheck.yml",
        "--status-fd 1 2>&1; then",
        PIPE_REDIRECT,
    ),
    (
        "seed-001/.github/workflows/ci.yml",
        "| gzip > riptide-",
        PIPE_REDIRECT,
    ),
    (
        "seed-002/.github/workflows/ci.yml",
        "test:cov 2>/dev/null || npm test 2>/dev/null",
        PIPE_REDIRECT,
    ),
    (
        "node_compat_test.generated.yml",
        "/report-${{",
        SPLIT_EXPANSION,
    ),
    (
        "seed-003/.github/workflows/deploy.yml",
        "}}/${{",
        SPLIT_EXPANSION,
    ),
    (
        "interactive-command/benign/.github/workflows/hosted.yml",
        "-F-<<EOF",
        HEREDOC,
    ),
    (
        "unpushed-commit/benign/.github/workflows/cd.yml",
        "-F-<<EOF",
        HEREDOC,
    ),
    (
        "github-env-injection/benign/.github/workflows/shell-safe.yml",
        "cat <<EOF >> \"$GITHUB_ENV\"",
        HEREDOC,
    ),
    (
        "github-env-injection/trigger/.github/workflows/shell-taint.yml",
        "cat <<EOF >> \"$GITHUB_ENV\"",
        HEREDOC,
    ),
    ("fuzz/corpus/shell/s5", "cat <<EOF > config.json", HEREDOC),
    (
        "hardened/scripts/check-destructive-migrations.sh",
        "done < <(git diff",
        REDIRECT_TARGET,
    ),
    ("seed-003/.github/workflows/deploy.yml", "elif [[", ELIF),
    (
        "examples/demo-repo/.github/workflows/ci.yml",
        "flaky, see",
        UNTERMINATED,
    ),
];

/// tree-sitter applies a redirect after `a | b` (or `a || b`) to the whole pipeline or
/// list (losing the pipeline flag, splitting the `||` list, redirecting `a`); bash
/// applies it to the last command only.
const PIPE_REDIRECT: &str = "redirect after a pipeline/list belongs to its last command";
/// tree-sitter-bash splits `x-$A-$B.gz` / `$A/$B/c` after the first expansion into two
/// arguments; it is one word.
const SPLIT_EXPANSION: &str = "tree-sitter splits one word after an expansion";
/// tree-sitter mis-tokenizes `-F-<<EOF` (op `-F`, target `-<<EOF`, and the next
/// command is swallowed) and drops a redirect after the here-doc (`<<EOF > f`).
const HEREDOC: &str = "here-document operators glued to a word or followed by a redirect";
/// The old mapping did not look for commands in redirect targets (`done < <(cmd)`).
const REDIRECT_TARGET: &str = "commands of a process substitution used as a redirect target";
/// The old mapping did not mark `elif` conditions `in_condition`; they are conditions.
const ELIF: &str = "elif conditions are conditions";
/// The YAML plain scalar ends at ` #`, leaving `echo "…` unterminated: the new parser
/// keeps the partial string as the argument, tree-sitter drops it.
const UNTERMINATED: &str = "unterminated quote at the end of the script";

#[derive(Debug, PartialEq)]
struct Norm {
    commands: Vec<String>,
    lists: Vec<String>,
    comments: Vec<String>,
}

fn normalize(s: &Script) -> Norm {
    let mut renumber = vec![usize::MAX; s.lists.len()];
    let mut n = 0;
    for (i, l) in s.lists.iter().enumerate() {
        if l.items.iter().any(|it| !it.commands.is_empty()) {
            renumber[i] = n;
            n += 1;
        }
    }
    let commands = s
        .commands
        .iter()
        .map(|c| {
            let words: Vec<String> = c
                .words
                .iter()
                .map(|w| {
                    format!(
                        "{:?}@{}..{}{}",
                        w.text,
                        w.span.start,
                        w.span.end,
                        if w.dynamic { "$" } else { "" }
                    )
                })
                .collect();
            // The tree-sitter mapping dropped the trailing redirects of commands
            // inside `$(…)` (it only applied a statement's redirects outside
            // substitutions); the new parser keeps them, so they are not compared there.
            let redirects: Vec<String> = c
                .redirects
                .iter()
                .filter(|_| !c.in_substitution)
                .map(|r| format!("{}{:?}", r.op, r.target))
                .collect();
            format!(
                "[{}] span {}..{} list {} item {} cond {} subst {} func {} loop {} redirects [{}]",
                words.join(" "),
                c.span.start,
                c.span.end,
                renumber.get(c.list).copied().unwrap_or(usize::MAX),
                c.item,
                c.in_condition,
                c.in_substitution,
                c.in_function,
                c.in_loop,
                redirects.join(" ")
            )
        })
        .collect();
    let lists = s
        .lists
        .iter()
        .filter(|l| l.items.iter().any(|it| !it.commands.is_empty()))
        .map(|l| {
            l.items
                .iter()
                .map(|it| format!("{:?}{:?}{}", it.op, it.commands, it.pipeline))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let comments = s
        .comments
        .iter()
        .map(|c| format!("{:?}@{}..{}", c.text, c.span.start, c.span.end))
        .collect();
    Norm {
        commands,
        lists,
        comments,
    }
}

/// `run:` bodies of posix shells in a YAML document (step `shell:`, else the nearest
/// `defaults.run.shell`).
fn run_bodies(node: &Node, default_shell: Option<&str>, out: &mut Vec<String>) {
    let default_shell = node
        .get("defaults")
        .and_then(|d| d.get("run"))
        .and_then(|r| r.get("shell"))
        .and_then(Node::as_str)
        .or(default_shell);
    if let Some(run) = node.get("run").and_then(Node::as_str) {
        let shell = node.get("shell").and_then(Node::as_str).or(default_shell);
        if is_posix_shell(shell) {
            out.push(run.to_string());
        }
    }
    if let Some(m) = node.as_map() {
        for e in m {
            run_bodies(&e.value, default_shell, out);
        }
    } else if let Some(s) = node.as_seq() {
        for v in s {
            run_bodies(v, default_shell, out);
        }
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn is_shell_script(path: &Path, text: &str) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if matches!(ext, "sh" | "bash") {
        return true;
    }
    let first = text.lines().next().unwrap_or("");
    first.starts_with("#!") && (first.contains("sh") && !first.contains("python"))
}

/// (file, script) pairs from files under `roots` (`all_shell`: every file is a script).
fn collect(roots: &[(PathBuf, bool)]) -> Vec<(String, String)> {
    let mut out = vec![];
    for (root, all_shell) in roots {
        let mut files = vec![];
        walk(root, &mut files);
        for f in files {
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            let name = f.display().to_string();
            let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
            if *all_shell || is_shell_script(&f, &text) {
                out.push((name, text));
            } else if matches!(ext, "yml" | "yaml") {
                if let Ok(doc) = Document::parse(text) {
                    let mut bodies = vec![];
                    run_bodies(&doc.root, None, &mut bodies);
                    out.extend(bodies.into_iter().map(|b| (name.clone(), b)));
                }
            }
        }
    }
    out
}

struct Outcome {
    scripts: usize,
    agree: usize,
    commands_old: usize,
    commands_agree: usize,
    differing: Vec<(String, String, Norm, Norm)>,
}

/// `${{ … }}` replaced by an equal-length `$GHxxx` expansion: tree-sitter cannot parse
/// GitHub expressions (it splits them at spaces, `&&`, `||` and quotes), the new parser
/// treats both forms as one opaque part of a word, so masking compares everything else.
fn mask_expressions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("${{") {
        let Some(j) = rest[i..].find("}}") else { break };
        out.push_str(&rest[..i]);
        out.push_str("$GH");
        out.extend(std::iter::repeat_n('x', j.saturating_sub(1)));
        rest = &rest[i + j + 2..];
    }
    out.push_str(rest);
    out
}

fn compare(scripts: &[(String, String)]) -> Outcome {
    let mut o = Outcome {
        scripts: 0,
        agree: 0,
        commands_old: 0,
        commands_agree: 0,
        differing: vec![],
    };
    for (file, text) in scripts {
        let masked = mask_expressions(text);
        let new = normalize(&Script::parse(&masked));
        let old = normalize(&ts_shell::parse(&masked));
        o.scripts += 1;
        o.commands_old += old.commands.len();
        o.commands_agree += old
            .commands
            .iter()
            .filter(|c| new.commands.contains(c))
            .count();
        if new == old {
            o.agree += 1;
        } else {
            o.differing.push((file.clone(), text.clone(), old, new));
        }
    }
    o
}

fn show(d: &(String, String, Norm, Norm)) -> String {
    let (file, text, old, new) = d;
    let mut s = format!("--- {file}\n{text}\n");
    for (what, a, b) in [
        ("commands", &old.commands, &new.commands),
        ("lists", &old.lists, &new.lists),
        ("comments", &old.comments, &new.comments),
    ] {
        if a != b {
            s.push_str(&format!("  {what}:\n"));
            for x in a.iter().filter(|x| !b.contains(x)) {
                s.push_str(&format!("    old: {x}\n"));
            }
            for x in b.iter().filter(|x| !a.contains(x)) {
                s.push_str(&format!("    new: {x}\n"));
            }
            if a.len() == b.len() && a.iter().all(|x| b.contains(x)) {
                s.push_str("    (same entries, different order)\n");
            }
        }
    }
    s
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn committed_data_agrees_with_tree_sitter_mapping() {
    let w = workspace();
    let roots = [
        (w.join("crates/pipewise/benches/data"), false),
        (w.join("crates/pipewise/tests/fixtures"), false),
        (w.join("tests/repos"), false),
        (w.join("examples"), false),
        (w.join("fuzz/corpus/shell"), true),
    ];
    let scripts = collect(&roots);
    assert!(scripts.len() > 100, "found only {} scripts", scripts.len());
    let o = compare(&scripts);
    let mut used = vec![false; ACCEPTED.len()];
    let mut unexplained = vec![];
    for d in &o.differing {
        match ACCEPTED
            .iter()
            .position(|(f, snippet, _)| d.0.ends_with(f) && d.1.contains(snippet))
        {
            Some(i) => used[i] = true,
            None => unexplained.push(show(d)),
        }
    }
    eprintln!(
        "shell differential (committed data): {} of {} scripts identical, {} of {} tree-sitter commands found identically, {} accepted differences",
        o.agree,
        o.scripts,
        o.commands_agree,
        o.commands_old,
        o.differing.len() - unexplained.len()
    );
    let stale: Vec<_> = ACCEPTED
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(a, _)| a)
        .collect();
    assert!(
        stale.is_empty(),
        "accepted differences no longer seen: {stale:?}"
    );
    assert!(
        unexplained.is_empty(),
        "{} scripts parse differently:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
}

/// A measurement over `../shared/corpus` (or `PIPEWISE_CORPUS`):
/// `cargo test -p pipewise --test shell_differential -- --ignored --nocapture`.
#[test]
#[ignore = "needs ../shared/corpus (or PIPEWISE_CORPUS); .ci/run runs it"]
fn corpus_agreement() {
    let dir = std::env::var_os("PIPEWISE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| corpus::corpus("corpus"));
    let mut roots = vec![];
    if let Ok(rd) = std::fs::read_dir(&dir) {
        for e in rd.flatten() {
            roots.push((e.path().join(".github/workflows"), false));
        }
    }
    roots.sort();
    let scripts = collect(&roots);
    let o = compare(&scripts);
    eprintln!(
        "shell differential (corpus): {} of {} run: bodies identical, {} of {} tree-sitter commands found identically",
        o.agree, o.scripts, o.commands_agree, o.commands_old
    );
    if let Ok(out) = std::env::var("PIPEWISE_DIFF_OUT") {
        let text: Vec<String> = o.differing.iter().map(show).collect();
        let _ = std::fs::write(out, text.join("\n"));
    }
}
