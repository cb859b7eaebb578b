//! Where teams use pipewise: the GitHub Action's entry script run locally against a
//! fixture, the action and release workflow of this repository audited by pipewise
//! itself, the pre-commit hook through `pre-commit try-repo`, and the language server
//! driven by a scripted LSP client.

mod support;

use serde_json::{json, Value};
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use support::{bin, repo, workspace};

const CI: &str = "name: CI
on: push
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - run: npm test || true
";

const CLEAN: &str = "name: CI
on: push
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - run: npm test
";

#[test]
fn the_action_entry_script_writes_sarif_summary_annotations_and_outputs() {
    let r = repo(&[(".github/workflows/ci.yml", CI)]);
    let out_file = r.path().join("github_output");
    let summary = r.path().join("summary.md");
    let out = Command::new("bash")
        .arg(workspace().join("action/run.sh"))
        .current_dir(r.path())
        .env("PIPEWISE", bin())
        .env("INPUT_PATH", ".")
        .env("INPUT_FAIL_ON", "high")
        .env("INPUT_SARIF", "out.sarif")
        .env("GITHUB_OUTPUT", &out_file)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("NO_COLOR", "1")
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the script leaves failing to the last step: {stdout}"
    );
    assert!(
        stdout.contains("::error file=.github/workflows/ci.yml,line=10"),
        "annotations: {stdout}"
    );
    let outputs = fs::read_to_string(&out_file).expect("outputs");
    assert!(outputs.contains("exit-code=1\n"), "{outputs}");
    assert!(outputs.contains("sarif=out.sarif\n"), "{outputs}");
    let sarif: Value =
        serde_json::from_str(&fs::read_to_string(r.path().join("out.sarif")).expect("sarif"))
            .expect("json");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "reliability/masked-failure"));
    let md = fs::read_to_string(&summary).expect("summary");
    assert!(
        md.starts_with('#') && md.contains("reliability/masked-failure"),
        "{md}"
    );

    // A clean repository with `no-config`: exit code 0, even though its config would fail.
    let r = repo(&[
        (".github/workflows/ci.yml", CLEAN),
        ("pipewise.toml", "disable = [\"nope\"]\n"),
    ]);
    let out_file = r.path().join("github_output");
    let status = Command::new("bash")
        .arg(workspace().join("action/run.sh"))
        .current_dir(r.path())
        .env("PIPEWISE", bin())
        .env("INPUT_NO_CONFIG", "true")
        .env("INPUT_SUMMARY", "false")
        .env("GITHUB_OUTPUT", &out_file)
        .status()
        .expect("bash runs");
    assert!(status.success());
    assert!(fs::read_to_string(&out_file)
        .expect("outputs")
        .contains("exit-code=0\n"));
}

/// pipewise audits its own action and release workflow without a finding at or above
/// medium (pinned actions, least privilege, timeouts).
#[test]
fn the_action_and_release_workflow_pass_pipewise_itself() {
    let ws = workspace();
    for file in ["action.yml", ".github/workflows/release.yml"] {
        let out = Command::new(bin())
            .current_dir(&ws)
            .args([
                "audit",
                file,
                "--fail-on",
                "medium",
                "-f",
                "json",
                "--no-config",
            ])
            .output()
            .expect("runs");
        let v: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{file}: {:#}",
            v["repositories"][0]["findings"]
        );
    }
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .status()
        .expect("git runs")
        .success();
    assert!(ok, "git {args:?}");
}

#[test]
#[ignore = "needs pre-commit (pip install pre-commit); .ci/run installs it and runs this test"]
fn the_pre_commit_hook_runs_through_try_repo() {
    let r = repo(&[(".github/workflows/ci.yml", CI)]);
    git(r.path(), &["init", "-q"]);
    git(r.path(), &["add", "."]);
    let dir = bin().parent().expect("bin dir").to_path_buf();
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let try_repo = |dir: &Path| {
        Command::new("pre-commit")
            .current_dir(dir)
            .args(["try-repo"])
            .arg(workspace())
            .args(["pipewise", "--all-files"])
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .env("PRE_COMMIT_HOME", dir.join(".pre-commit-home"))
            .output()
            .expect("pre-commit runs (pip install pre-commit)")
    };
    let out = try_repo(r.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("reliability/masked-failure"), "{text}");
    fs::write(r.path().join(".github/workflows/ci.yml"), CLEAN).expect("write");
    git(r.path(), &["add", "."]);
    let out = try_repo(r.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A scripted LSP client over the server's stdin/stdout.
struct Client {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: BufReader<std::process::ChildStdout>,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(bin())
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Client {
            child,
            stdin,
            stdout,
        }
    }

    fn send(&mut self, v: Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("send");
        self.stdin.flush().expect("flush");
    }

    fn recv(&mut self) -> Value {
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            self.stdout.read_line(&mut line).expect("header");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                len = n.parse().expect("length");
            }
        }
        let mut body = vec![0; len];
        self.stdout.read_exact(&mut body).expect("body");
        serde_json::from_slice(&body).expect("json message")
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        for _ in 0..20 {
            let m = self.recv();
            if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri {
                return m["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
        }
        panic!("no diagnostics for {uri}");
    }
}

#[test]
fn the_language_server_publishes_diagnostics_on_open_and_change() {
    let r = repo(&[
        (".github/workflows/ci.yml", CLEAN),
        ("Dockerfile", "FROM node:20\n"),
    ]);
    let root = fs::canonicalize(r.path()).expect("canonical");
    let uri = format!("file://{}/.github/workflows/ci.yml", root.display());
    let mut c = Client::start();
    c.send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": {}}}));
    let init = c.recv();
    assert_eq!(init["id"], 1);
    assert_eq!(init["result"]["capabilities"]["textDocumentSync"], 1);
    c.send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));

    // Opened with unsaved text that differs from the file on disk.
    c.send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": CI}}}));
    let d = c.diagnostics(&uri);
    let masked = d
        .iter()
        .find(|d| d["code"] == "reliability/masked-failure")
        .unwrap_or_else(|| panic!("{d:#?}"));
    assert_eq!(masked["range"]["start"]["line"], 9);
    assert_eq!(masked["severity"], 1);
    assert_eq!(masked["source"], "pipewise");

    // Fixed in the editor: the diagnostic goes away.
    c.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": CLEAN}]}}));
    let d = c.diagnostics(&uri);
    assert!(
        !d.iter().any(|d| d["code"] == "reliability/masked-failure"),
        "{d:#?}"
    );

    // A YAML error is a diagnostic on its line.
    c.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": "on: push\njobs: [\n"}]}}));
    let d = c.diagnostics(&uri);
    assert!(
        d.iter()
            .any(|d| d["severity"] == 1 && d.get("code").is_none()),
        "{d:#?}"
    );

    // Dockerfiles too.
    let docker = format!("file://{}/Dockerfile", root.display());
    c.send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": docker, "languageId": "dockerfile", "version": 1, "text": "FROM node:20\nRUN npm ci\n"}}}));
    let d = c.diagnostics(&docker);
    assert!(
        d.iter()
            .any(|d| d["code"] == "container/unpinned-base-image"),
        "{d:#?}"
    );

    // Closing clears; shutdown and exit end the server cleanly.
    c.send(json!({"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": uri}}}));
    assert!(c.diagnostics(&uri).is_empty());
    c.send(json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": null}));
    assert_eq!(c.recv()["id"], 2);
    c.send(json!({"jsonrpc": "2.0", "method": "exit", "params": null}));
    let status = c.child.wait().expect("exits");
    assert!(status.success(), "{status}");
}

/// Applies one LSP text edit (ASCII text: characters are bytes) to `text`.
fn apply_lsp_edit(text: &str, e: &Value) -> String {
    let offset = |p: &Value| {
        let line = p["line"].as_u64().expect("line") as usize;
        let ch = p["character"].as_u64().expect("character") as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + ch
    };
    let (a, b) = (offset(&e["range"]["start"]), offset(&e["range"]["end"]));
    format!(
        "{}{}{}",
        &text[..a],
        e["newText"].as_str().expect("newText"),
        &text[b..]
    )
}

#[test]
fn the_language_server_offers_pipewise_fixes_as_code_actions() {
    let wf = "name: CI\non: push\npermissions:\n  contents: read\njobs:\n  test:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    steps:\n      - uses: actions/checkout@v4.2.2\n      - run: npm test\n";
    let r = repo(&[(".github/workflows/ci.yml", wf)]);
    let root = fs::canonicalize(r.path()).expect("canonical");
    let uri = format!("file://{}/.github/workflows/ci.yml", root.display());
    let mut c = Client::start();
    c.send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": {}}}));
    let init = c.recv();
    assert_eq!(
        init["result"]["capabilities"]["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix"])
    );
    c.send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    c.send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": wf}}}));
    let d = c.diagnostics(&uri);
    assert!(
        d.iter()
            .any(|d| d["code"] == "security/persisted-credentials"),
        "{d:#?}"
    );

    // The checkout line (0-based 9): a quick fix per fixable finding there.
    c.send(json!({"jsonrpc": "2.0", "id": 2, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": uri}, "range": {"start": {"line": 9, "character": 0}, "end": {"line": 9, "character": 0}}, "context": {"diagnostics": []}}}));
    let resp = c.recv();
    assert_eq!(resp["id"], 2);
    let actions = resp["result"].as_array().cloned().unwrap_or_default();
    let persist = actions
        .iter()
        .find(|a| a["diagnostics"][0]["code"] == "security/persisted-credentials")
        .unwrap_or_else(|| panic!("{actions:#?}"));
    assert_eq!(persist["kind"], "quickfix");
    assert_eq!(persist["isPreferred"], true, "{persist:#?}");
    let pin = actions
        .iter()
        .find(|a| a["diagnostics"][0]["code"] == "security/unpinned-action")
        .unwrap_or_else(|| panic!("{actions:#?}"));
    assert!(
        pin["title"]
            .as_str()
            .is_some_and(|t| t.contains("11bd71901bbe5b1630ceea73d27597364c9af683")),
        "{pin:#?}"
    );
    // The edit is the one `pipewise fix` makes; applied, its finding is gone.
    let edits = persist["edit"]["changes"][&uri]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edits.len(), 1, "{persist:#?}");
    let fixed = apply_lsp_edit(wf, &edits[0]);
    assert_eq!(
        fixed,
        wf.replace(
            "      - uses: actions/checkout@v4.2.2\n",
            "      - uses: actions/checkout@v4.2.2\n        with:\n          persist-credentials: false\n"
        )
    );
    c.send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}}));
    let d = c.diagnostics(&uri);
    assert!(
        !d.iter()
            .any(|d| d["code"] == "security/persisted-credentials"),
        "{d:#?}"
    );
    // Lines without a fixable finding get no action.
    c.send(json!({"jsonrpc": "2.0", "id": 3, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": []}}}));
    let resp = c.recv();
    assert_eq!(resp["result"], json!([]), "{resp:#?}");
    c.send(json!({"jsonrpc": "2.0", "id": 4, "method": "shutdown", "params": null}));
    assert_eq!(c.recv()["id"], 4);
    c.send(json!({"jsonrpc": "2.0", "method": "exit", "params": null}));
    assert!(c.child.wait().expect("exits").success());
}
