//! `pipewise lsp`: a language server on stdin/stdout. It publishes pipewise's
//! findings and file errors as diagnostics for workflow, action, Dockerfile, compose
//! and Dependabot buffers when they are opened or changed (full-text sync), audited
//! in the context of their repository (the nearest folder with `.git`, or the one
//! above `.github`) with the buffer's unsaved text, and clears them on close.
//!
//! Code actions (`textDocument/codeAction`): each finding on the requested lines
//! that `pipewise fix` can fix becomes a quick fix whose edit is exactly what
//! `pipewise fix --unsafe` would apply to it, proven by the same re-audit (a fix the
//! re-audit rolls back is not offered). Unsafe fixes say so in their title and are
//! not marked preferred. The edit may touch another file (a called script, the
//! `actions.lock`).

use lsp_server::{Connection, Message, Notification, Response};
use pipewise::config::Config;
use pipewise::finding::Severity;
use pipewise::fix::{self, FixOptions, Outcome, Safety};
use pipewise::repo::Repo;
use pipewise::report::ReportFinding;
use pipewise::source::{FileKind, SourceFile};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Serves until `shutdown` and `exit`.
pub fn run() -> Result<ExitCode, String> {
    let (conn, io) = Connection::stdio();
    let caps = json!({
        "textDocumentSync": 1,
        "codeActionProvider": { "codeActionKinds": ["quickfix"] },
    });
    conn.initialize(caps)
        .map_err(|e| format!("lsp: initialize: {e}"))?;
    serve(&conn)?;
    drop(conn);
    io.join().map_err(|e| format!("lsp: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

fn serve(conn: &Connection) -> Result<(), String> {
    // The open buffers' text, for code actions.
    let mut buffers: HashMap<String, String> = HashMap::new();
    for msg in &conn.receiver {
        match msg {
            Message::Request(req) => {
                if conn
                    .handle_shutdown(&req)
                    .map_err(|e| format!("lsp: {e}"))?
                {
                    return Ok(());
                }
                if req.method == "textDocument/codeAction" {
                    let p = &req.params;
                    let line = |k: &str| p["range"][k]["line"].as_u64().unwrap_or(0) as usize;
                    let actions = match p["textDocument"]["uri"].as_str() {
                        Some(uri) => buffers
                            .get(uri)
                            .map(|text| code_actions(uri, text, line("start"), line("end")))
                            .unwrap_or_default(),
                        None => vec![],
                    };
                    send(conn, Response::new_ok(req.id, actions).into());
                    continue;
                }
                let resp = Response::new_err(
                    req.id,
                    -32601,
                    format!("pipewise lsp does not handle `{}`", req.method),
                );
                send(conn, resp.into());
            }
            Message::Notification(n) => {
                let doc = &n.params["textDocument"];
                let Some(uri) = doc["uri"].as_str() else {
                    continue;
                };
                let text = match n.method.as_str() {
                    "textDocument/didOpen" => doc["text"].as_str(),
                    "textDocument/didChange" => n.params["contentChanges"]
                        .as_array()
                        .and_then(|c| c.last())
                        .and_then(|c| c["text"].as_str()),
                    "textDocument/didClose" => {
                        buffers.remove(uri);
                        publish(conn, uri, vec![]);
                        continue;
                    }
                    _ => continue,
                };
                if let Some(text) = text {
                    publish(conn, uri, diagnostics(uri, text));
                    buffers.insert(uri.to_string(), text.to_string());
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

fn send(conn: &Connection, m: Message) {
    // The client went away: the loop ends when the receiver closes.
    let _ = conn.sender.send(m);
}

fn publish(conn: &Connection, uri: &str, diagnostics: Vec<Value>) {
    let n = Notification::new(
        "textDocument/publishDiagnostics".into(),
        json!({ "uri": uri, "diagnostics": diagnostics }),
    );
    send(conn, n.into());
}

/// `file:///a%20b/c` → `/a b/c`.
fn path_of(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = rest.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let s = String::from_utf8(out).ok()?;
    // `file:///C:/x` on Windows.
    let s = match s.as_bytes() {
        [b'/', d, b':', ..] if d.is_ascii_alphabetic() => s[1..].to_string(),
        _ => s,
    };
    Some(PathBuf::from(s))
}

/// An LSP range from pipewise's 1-based lines and character columns: LSP counts
/// UTF-16 code units, so the columns are converted on the buffer's lines.
fn range(lines: &[&str], line: usize, column: usize, end_line: usize, end_column: usize) -> Value {
    let utf16 = |l: usize, chars: usize| -> usize {
        lines.get(l).map_or(chars, |t| {
            t.trim_end_matches('\r')
                .chars()
                .take(chars)
                .map(char::len_utf16)
                .sum()
        })
    };
    let l = line.max(1) - 1;
    let c = column.max(1) - 1;
    let (el, ec) = if end_line >= line.max(1) && end_line > 0 {
        (end_line - 1, end_column.max(1) - 1)
    } else {
        (l, c + 1)
    };
    json!({
        "start": { "line": l, "character": utf16(l, c) },
        "end": { "line": el, "character": utf16(el, ec) },
    })
}

/// A buffer's repository (root, the buffer's relative path, the repository loaded
/// with the buffer's unsaved text, its config).
struct Buffer {
    root: PathBuf,
    rel: String,
    repo: Repo,
    config: Config,
}

fn load(uri: &str, text: &str) -> Option<Buffer> {
    let path = path_of(uri)?;
    let root = pipewise::discover::root_for_file(&path);
    let rel = pipewise::source::relative(&root, &path);
    let kind = match pipewise::discover::classify(&rel) {
        Some(k) => k,
        None if rel.ends_with(".yml") || rel.ends_with(".yaml") => FileKind::Workflow,
        None => return None,
    };
    let config = Config::discover(&root).unwrap_or_default();
    let mut repo = Repo::load_file(&root, Path::new(&rel), &root.display().to_string());
    let (file, load_errors) = SourceFile::from_text(rel.clone(), kind, text.to_string());
    let file = std::sync::Arc::new(file);
    repo.errors.retain(|e| e.file != rel);
    repo.errors.extend(load_errors);
    match repo.files.binary_search_by(|f| f.path.as_str().cmp(&rel)) {
        Ok(i) => repo.files[i] = file,
        Err(i) => repo.files.insert(i, file),
    }
    Some(Buffer {
        root,
        rel,
        repo,
        config,
    })
}

fn diagnostic(lines: &[&str], f: &ReportFinding) -> Value {
    let severity = match f.severity {
        Severity::Critical | Severity::High => 1,
        Severity::Medium => 2,
        Severity::Low | Severity::Info => 3,
    };
    json!({
        "range": range(lines, f.line, f.column, f.end_line, f.end_column),
        "severity": severity,
        "source": "pipewise",
        "code": f.rule,
        "message": format!("[{}] {}: {}", f.severity, f.title, f.message),
    })
}

/// The diagnostics of one buffer: its repository audited with the buffer's text.
pub fn diagnostics(uri: &str, text: &str) -> Vec<Value> {
    let Some(Buffer {
        rel, repo, config, ..
    }) = load(uri, text)
    else {
        return vec![];
    };
    let report = pipewise::audit::audit_repo_with(&repo, &config, None);
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out: Vec<Value> = report
        .errors
        .iter()
        .filter(|e| e.file == rel)
        .map(|e| {
            json!({
                "range": range(&lines, e.line, 1, e.line, 1000),
                "severity": 1,
                "source": "pipewise",
                "message": e.message,
            })
        })
        .collect();
    out.extend(
        report
            .findings
            .iter()
            .filter(|f| f.file == rel)
            .map(|f| diagnostic(&lines, f)),
    );
    out.extend(report.warnings.iter().filter(|w| w.file == rel).map(|w| {
        json!({
            "range": range(&lines, w.line, 1, w.line, 1000),
            "severity": 2,
            "source": "pipewise",
            "message": w.message,
        })
    }));
    out
}

/// LSP position (line, UTF-16 character) of a byte offset.
fn position(text: &str, offset: usize) -> Value {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": before[start..].encode_utf16().count() })
}

/// One text edit turning `before` into `after`: the span between their common
/// prefix and suffix.
fn text_edit(before: &str, after: &str) -> Value {
    let mut p = before
        .bytes()
        .zip(after.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !before.is_char_boundary(p) || !after.is_char_boundary(p) {
        p -= 1;
    }
    let max = before.len().min(after.len()) - p;
    let mut s = before
        .bytes()
        .rev()
        .zip(after.bytes().rev())
        .take(max)
        .take_while(|(a, b)| a == b)
        .count();
    while !before.is_char_boundary(before.len() - s) || !after.is_char_boundary(after.len() - s) {
        s -= 1;
    }
    json!({
        "range": { "start": position(before, p), "end": position(before, before.len() - s) },
        "newText": &after[p..after.len() - s],
    })
}

/// `/a b/c` → `file:///a%20b/c`.
fn uri_of(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    let mut out = String::from("file://");
    if !s.starts_with('/') {
        out.push('/');
    }
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The quick fixes for the findings of a buffer on lines `first..=last` (0-based).
pub fn code_actions(uri: &str, text: &str, first: usize, last: usize) -> Vec<Value> {
    let Some(b) = load(uri, text) else {
        return vec![];
    };
    let report = pipewise::audit::audit_repo_with(&b.repo, &b.config, None);
    let lines: Vec<&str> = text.split('\n').collect();
    let mut done: Vec<(String, usize)> = vec![];
    let mut out = vec![];
    for f in &report.findings {
        let line = f.line.max(1) - 1;
        if f.file != b.rel
            || line < first
            || line > last
            || fix::fixer_for(&f.rule).is_none()
            || done.contains(&(f.rule.clone(), f.line))
        {
            continue;
        }
        done.push((f.rule.clone(), f.line));
        // A fresh copy of the repository for each fix (the engine edits it).
        let Some(fresh) = load(uri, text) else {
            continue;
        };
        let opts = FixOptions {
            rules: vec![f.rule.clone()],
            allow_unsafe: true,
            only: Some((b.rel.clone(), f.line)),
            ..FixOptions::default()
        };
        let run = fix::fix_repo(fresh.repo, &fresh.config, &opts);
        let Some(rec) = run.records.iter().find(|r| r.outcome == Outcome::Applied) else {
            continue;
        };
        let mut changes = serde_json::Map::new();
        for c in &run.changed {
            let file_uri = if c.path == b.rel {
                uri.to_string()
            } else {
                uri_of(&b.root.join(&c.path))
            };
            changes.insert(file_uri, json!([text_edit(&c.before, &c.after)]));
        }
        let safe = rec.safety == Some(Safety::Safe);
        out.push(json!({
            "title": format!(
                "pipewise: {}{}",
                rec.description,
                if safe { "" } else { " (unsafe: review)" }
            ),
            "kind": "quickfix",
            "isPreferred": safe,
            "diagnostics": [diagnostic(&lines, f)],
            "edit": { "changes": changes },
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_become_paths() {
        assert_eq!(
            path_of("file:///a%20b/c.yml"),
            Some(PathBuf::from("/a b/c.yml"))
        );
        assert_eq!(path_of("untitled:1"), None);
        assert_eq!(path_of("file:///x/%zz"), None);
        assert_eq!(uri_of(Path::new("/a b/c.yml")), "file:///a%20b/c.yml");
        assert_eq!(
            path_of(&uri_of(Path::new("/x/é #.sh"))),
            Some(PathBuf::from("/x/é #.sh"))
        );
    }

    #[test]
    fn diagnostic_columns_count_utf16() {
        // `é` is one UTF-16 unit, `😀` two: pipewise's character column 4 (the `x`
        // after them) is UTF-16 column 4 (0-based).
        let lines = ["é😀 x = 1"];
        let r = range(&lines, 1, 4, 1, 5);
        assert_eq!(r["start"], json!({"line": 0, "character": 4}));
        assert_eq!(r["end"], json!({"line": 0, "character": 5}));
        // A whole-line range ends at the line's end.
        assert_eq!(range(&lines, 1, 1, 1, 1000)["end"]["character"], 9);
    }

    #[test]
    fn text_edits_are_minimal_and_count_utf16() {
        let e = text_edit("a\nhé😀 x\nz\n", "a\nhé😀 y\nz\n");
        assert_eq!(e["range"]["start"], json!({"line": 1, "character": 5}));
        assert_eq!(e["range"]["end"], json!({"line": 1, "character": 6}));
        assert_eq!(e["newText"], "y");
        let e = text_edit("ab", "ab\nc");
        assert_eq!(e["range"]["start"], json!({"line": 0, "character": 2}));
        assert_eq!(e["newText"], "\nc");
    }
}
