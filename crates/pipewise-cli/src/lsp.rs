//! `pipewise lsp`: a language server on stdin/stdout. It publishes pipewise's
//! findings and file errors as diagnostics for workflow, action, Dockerfile, compose
//! and Dependabot buffers when they are opened or changed (full-text sync), audited
//! in the context of their repository (the nearest folder with `.git`, or the one
//! above `.github`) with the buffer's unsaved text, and clears them on close.

use lsp_server::{Connection, Message, Notification, Response};
use pipewise::config::Config;
use pipewise::finding::Severity;
use pipewise::repo::Repo;
use pipewise::source::{FileKind, SourceFile};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Serves until `shutdown` and `exit`.
pub fn run() -> Result<ExitCode, String> {
    let (conn, io) = Connection::stdio();
    let caps = json!({ "textDocumentSync": 1 });
    conn.initialize(caps)
        .map_err(|e| format!("lsp: initialize: {e}"))?;
    serve(&conn)?;
    drop(conn);
    io.join().map_err(|e| format!("lsp: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

fn serve(conn: &Connection) -> Result<(), String> {
    for msg in &conn.receiver {
        match msg {
            Message::Request(req) => {
                if conn
                    .handle_shutdown(&req)
                    .map_err(|e| format!("lsp: {e}"))?
                {
                    return Ok(());
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
                        publish(conn, uri, vec![]);
                        continue;
                    }
                    _ => continue,
                };
                if let Some(text) = text {
                    publish(conn, uri, diagnostics(uri, text));
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

fn range(line: usize, column: usize, end_line: usize, end_column: usize) -> Value {
    let l = line.max(1) - 1;
    let c = column.max(1) - 1;
    let (el, ec) = if end_line >= line.max(1) && end_line > 0 {
        (end_line - 1, end_column.max(1) - 1)
    } else {
        (l, c + 1)
    };
    json!({
        "start": { "line": l, "character": c },
        "end": { "line": el, "character": ec },
    })
}

/// The diagnostics of one buffer: its repository audited with the buffer's text.
pub fn diagnostics(uri: &str, text: &str) -> Vec<Value> {
    let Some(path) = path_of(uri) else {
        return vec![];
    };
    let root = pipewise::discover::root_for_file(&path);
    let rel = pipewise::source::relative(&root, &path);
    let kind = match pipewise::discover::classify(&rel) {
        Some(k) => k,
        None if rel.ends_with(".yml") || rel.ends_with(".yaml") => FileKind::Workflow,
        None => return vec![],
    };
    let config = Config::discover(&root).unwrap_or_default();
    let mut repo = Repo::load_file(&root, Path::new(&rel), &root.display().to_string());
    let (file, load_errors) = SourceFile::from_text(rel.clone(), kind, text.to_string());
    repo.errors.retain(|e| e.file != rel);
    repo.errors.extend(load_errors);
    match repo.files.binary_search_by(|f| f.path.as_str().cmp(&rel)) {
        Ok(i) => repo.files[i] = file,
        Err(i) => repo.files.insert(i, file),
    }
    let report = pipewise::audit::audit_repo_with(&repo, &config, None);
    let mut out: Vec<Value> = report
        .errors
        .iter()
        .filter(|e| e.file == rel)
        .map(|e| {
            json!({
                "range": range(e.line, 1, e.line, 1000),
                "severity": 1,
                "source": "pipewise",
                "message": e.message,
            })
        })
        .collect();
    out.extend(report.findings.iter().filter(|f| f.file == rel).map(|f| {
        let severity = match f.severity {
            Severity::Critical | Severity::High => 1,
            Severity::Medium => 2,
            Severity::Low | Severity::Info => 3,
        };
        json!({
            "range": range(f.line, f.column, f.end_line, f.end_column),
            "severity": severity,
            "source": "pipewise",
            "code": f.rule,
            "message": format!("[{}] {}: {}", f.severity, f.title, f.message),
        })
    }));
    out.extend(report.warnings.iter().filter(|w| w.file == rel).map(|w| {
        json!({
            "range": range(w.line, 1, w.line, 1000),
            "severity": 2,
            "source": "pipewise",
            "message": w.message,
        })
    }));
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
    }
}
