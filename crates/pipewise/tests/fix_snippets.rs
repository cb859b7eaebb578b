//! Every fix snippet and template in the reports of `tests/repos/*` is valid for its
//! file type and passes pipewise itself (issue 16).
//!
//! Each snippet is classified by its shape and the file its finding is in, parsed
//! with the project's own parser for that kind, and, where it is workflow or
//! compose YAML, placed in the context it belongs to (a step list into a job, a
//! `permissions:` block into a workflow, `with:` inputs into a step, a job fragment
//! into `jobs:`, shell into `run: |`) inside a scratch repository that is then
//! audited: the snippet's file must have no error and no medium or higher finding.
//!
//! Deliberately not audited (still parsed):
//! - comment-only snippets (instructions such as `# was: … # use: …`): no code;
//! - a bare image reference (`name:tag@sha256:<digest>`): checked to carry a digest,
//!   but the `<digest>` placeholder cannot be resolved offline.
//!
//! Placeholders the reader must fill in are replaced by well-formed values before
//! the audit (see [`PLACEHOLDERS`]); any other `<…>` left is reported.

use pipewise::audit::audit_path;
use pipewise::finding::Severity;
use pipewise::report::RepoReport;
use std::path::{Path, PathBuf};

/// Placeholders a snippet may contain, and the well-formed value used for the audit.
const PLACEHOLDERS: &[(&str, &str)] = &[
    (
        "<40-character commit sha>",
        "0123456789abcdef0123456789abcdef01234567",
    ),
    (
        "<digest>",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ),
    ("<packages>", "ca-certificates"),
];

const STEP_KEYS: &[&str] = &[
    "name",
    "uses",
    "run",
    "env",
    "with",
    "if",
    "id",
    "shell",
    "continue-on-error",
    "working-directory",
    "timeout-minutes",
];
const WORKFLOW_KEYS: &[&str] = &["on", "permissions", "concurrency", "jobs", "env", "name"];
const JOB_KEYS: &[&str] = &[
    "timeout-minutes",
    "permissions",
    "runs-on",
    "steps",
    "needs",
    "environment",
    "concurrency",
    "if",
];

fn repos() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/repos");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn fill(snippet: &str) -> String {
    let mut s = snippet.to_string();
    for (p, v) in PLACEHOLDERS {
        s = s.replace(p, v);
    }
    s
}

fn indent(s: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    s.lines()
        .map(|l| {
            if l.trim().is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn dedent(s: &str) -> String {
    let n = s
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    s.lines()
        .map(|l| l.get(n..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level keys of a block mapping snippet, if it looks like one.
fn top_keys(s: &str) -> Option<Vec<String>> {
    let mut keys = vec![];
    for l in s.lines() {
        if l.trim().is_empty() || l.trim_start().starts_with('#') || l.starts_with(' ') {
            continue;
        }
        let (k, _) = l.split_once(':')?;
        if k.is_empty()
            || !k
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
        {
            return None;
        }
        keys.push(k.to_string());
    }
    (!keys.is_empty()).then_some(keys)
}

/// A workflow with one clean job around `steps` (already indented as a step list).
fn workflow_with_steps(steps: &str) -> String {
    format!(
        "on: workflow_dispatch\npermissions: {{}}\nconcurrency:\n  group: ${{{{ github.ref }}}}\n  cancel-in-progress: false\njobs:\n  job:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    steps:\n{}\n",
        indent(steps, 6)
    )
}

/// Adds `runs-on`, `timeout-minutes` and `steps` to every job of a `jobs:` block
/// that lacks them (the snippet shows only the keys it changes).
fn complete_jobs(jobs_body: &str) -> String {
    let mut out = String::new();
    let lines: Vec<&str> = jobs_body.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        out.push_str(l);
        out.push('\n');
        let is_job = l.starts_with("  ") && !l.starts_with("   ") && l.trim_end().ends_with(':');
        if !is_job {
            continue;
        }
        let child = lines
            .get(i + 1)
            .map(|n| n.len() - n.trim_start().len())
            .filter(|&n| n > 2)
            .unwrap_or(4);
        let pad = " ".repeat(child);
        let own: Vec<&str> = lines[i + 1..]
            .iter()
            .take_while(|n| n.trim().is_empty() || n.len() - n.trim_start().len() >= child)
            .filter(|n| n.len() - n.trim_start().len() == child)
            .map(|n| n.trim().split(':').next().unwrap_or(""))
            .collect();
        for (k, v) in [
            ("runs-on", "ubuntu-latest".to_string()),
            ("timeout-minutes", "10".to_string()),
            ("steps", format!("\n{pad}  - run: echo ok")),
        ] {
            if !own.contains(&k) {
                out.push_str(&format!("{pad}{k}: {v}\n"));
            }
        }
    }
    out
}

/// A full workflow from a snippet of workflow-level keys.
fn workflow_from_top(snippet: &str, keys: &[String]) -> String {
    let has = |k: &str| keys.iter().any(|x| x == k);
    let mut out = String::new();
    if !has("on") {
        out.push_str("on: workflow_dispatch\n");
    }
    if !has("permissions") {
        out.push_str("permissions: {}\n");
    }
    if !has("concurrency") {
        out.push_str("concurrency:\n  group: ${{ github.ref }}\n  cancel-in-progress: false\n");
    }
    if has("jobs") {
        out.push_str(&complete_jobs(snippet));
    } else {
        out.push_str(snippet);
        out.push_str("\njobs:\n  job:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    steps:\n      - run: echo ok\n");
    }
    out
}

/// Where a YAML snippet of a workflow file goes, as a whole workflow.
fn workflow_context(snippet: &str) -> Result<String, String> {
    let t = snippet.trim_start();
    if t.starts_with("- ") {
        return Ok(workflow_with_steps(snippet));
    }
    let d = dedent(snippet);
    let Some(keys) = top_keys(&d) else {
        // Shell: the snippet is the body of a `run:`.
        let script = pipewise::shell::Script::parse(snippet);
        if script.has_errors {
            return Err("does not parse as shell".into());
        }
        return Ok(workflow_with_steps(&format!(
            "- run: |\n{}",
            indent(snippet, 4)
        )));
    };
    if keys.iter().all(|k| WORKFLOW_KEYS.contains(&k.as_str()))
        && keys.iter().any(|k| k != "env" && k != "name")
    {
        return Ok(workflow_from_top(&d, &keys));
    }
    if keys.iter().all(|k| STEP_KEYS.contains(&k.as_str())) {
        return Ok(workflow_with_steps(&format!(
            "- {}",
            indent(&d, 2).trim_start()
        )));
    }
    // A job fragment: `job-id:` with job keys under it.
    if keys.len() == 1 {
        if let Some(inner) = top_keys(&dedent(d.split_once('\n').map(|x| x.1).unwrap_or(""))) {
            if inner.iter().all(|k| JOB_KEYS.contains(&k.as_str())) {
                let jobs = format!("jobs:\n{}", indent(&d, 2));
                return Ok(workflow_from_top(&jobs, &["jobs".to_string()]));
            }
        }
    }
    // Inputs of the step the finding points at.
    Ok(workflow_with_steps(&format!(
        "- uses: ./.github/actions/local\n  with:\n{}",
        indent(&d, 4)
    )))
}

const LOCAL_ACTION: &str = "name: local\ndescription: stand-in for the step the snippet belongs to\nruns:\n  using: composite\n  steps:\n    - run: echo ok\n      shell: bash\n";

/// What a snippet is, and the scratch files it becomes (None: parsed, not audited).
fn place(file: &str, snippet: &str) -> Result<Option<Vec<(String, String)>>, String> {
    let name = file.rsplit('/').next().unwrap_or(file).to_ascii_lowercase();
    let code: Vec<&str> = snippet
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect();
    if code.is_empty() {
        return Ok(None); // comment-only instruction
    }
    if name.contains("dockerfile") {
        let d = pipewise::dockerfile::parse(snippet);
        if !d.errors.is_empty() {
            return Err(format!("does not parse as a Dockerfile: {:?}", d.errors));
        }
        // The base stage unless the snippet is one, and a non-root user unless the
        // snippet sets one (each Dockerfile rule is checked by its own snippet).
        let mut df = String::new();
        if !snippet.trim_start().starts_with("FROM ") {
            df.push_str(&format!("FROM alpine:3.20@sha256:{}\n", "0".repeat(64)));
        }
        df.push_str(snippet);
        if !snippet.contains("USER ") {
            df.push_str("\nUSER 10001");
        }
        df.push('\n');
        return Ok(Some(vec![("Dockerfile".into(), df)]));
    }
    if name.ends_with(".sh") || name.ends_with(".bash") {
        let s = pipewise::shell::Script::parse(snippet);
        if s.has_errors {
            return Err("does not parse as shell".into());
        }
        return Ok(Some(vec![(
            "scripts/fix.sh".into(),
            format!("#!/usr/bin/env bash\nset -euo pipefail\n{snippet}\n"),
        )]));
    }
    // Everything else is YAML.
    if code.len() == 1 && !snippet.contains(": ") && snippet.contains("@sha256:") {
        let r = pipewise::dockerfile::parse_image_ref(snippet.trim());
        return if r.digest.is_some() {
            Ok(None)
        } else {
            Err("image reference without a digest".into())
        };
    }
    if pipewise_yaml::Document::parse(dedent(snippet)).is_err()
        && top_keys(&dedent(snippet)).is_some()
    {
        return Err("does not parse as YAML".into());
    }
    if file.contains("dependabot") {
        return Ok(Some(vec![(
            ".github/dependabot.yml".into(),
            snippet.into(),
        )]));
    }
    if name.contains("compose") {
        let body = format!(
            "services:\n  db:\n    image: postgres:16.4@sha256:{}\n{}\n",
            "0".repeat(64),
            indent(&dedent(snippet), 4)
        );
        return Ok(Some(vec![("compose.yml".into(), body)]));
    }
    let wf = workflow_context(snippet)?;
    if pipewise_yaml::Document::parse(wf.clone()).is_err() {
        return Err(format!("does not parse as YAML in its workflow:\n{wf}"));
    }
    Ok(Some(vec![
        (".github/workflows/fix.yml".into(), wf),
        (
            ".github/actions/local/action.yml".into(),
            LOCAL_ACTION.into(),
        ),
    ]))
}

/// Audits scratch files in `dir`; problems are errors and medium+ findings in
/// `target`, the snippet's or template's file.
fn audit_in(dir: &Path, files: &[(String, String)], target: &str) -> Vec<String> {
    for (p, t) in files {
        write(dir, p, t);
    }
    let r = audit_path(dir, None).unwrap();
    let mut out: Vec<String> = r
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Medium && f.file == target)
        .map(|f| format!("{}:{} {} {}", f.file, f.line, f.rule, f.message))
        .chain(
            r.errors
                .iter()
                .filter(|e| e.file == target)
                .map(|e| format!("error {}:{} {}", e.file, e.line, e.message)),
        )
        .collect();
    if let Some((_, text)) = files
        .iter()
        .find(|(p, _)| p == target)
        .filter(|_| !out.is_empty())
    {
        out.push(format!("--- {target}:\n{text}"));
    }
    out
}

/// `<word …>` left in a snippet after [`fill`].
fn has_placeholder(s: &str) -> bool {
    s.lines().any(|l| {
        l.match_indices('<').any(|(i, _)| {
            let rest = &l[i + 1..];
            rest.starts_with(|c: char| c.is_ascii_alphabetic())
                && rest
                    .split_once('>')
                    .is_some_and(|(w, _)| !w.contains(['<', '"', '\'']))
        })
    })
}

fn check_repo(repo: &Path, report: &RepoReport) -> (usize, Vec<String>) {
    let name = repo.file_name().unwrap().to_string_lossy().to_string();
    let mut problems = vec![];
    let mut checked = 0;
    let mut seen = std::collections::HashSet::new();
    for f in &report.findings {
        let snippet = f.fix.snippet.as_str();
        if snippet.trim().is_empty() || !seen.insert((f.file.clone(), snippet.to_string())) {
            continue;
        }
        checked += 1;
        let filled = fill(snippet);
        if has_placeholder(&filled) {
            problems.push(format!(
                "{name} {} {}: unknown placeholder in\n{snippet}",
                f.rule, f.file
            ));
            continue;
        }
        match place(&f.file, &filled) {
            Err(e) => problems.push(format!("{name} {} {}: {e}\n{snippet}", f.rule, f.file)),
            Ok(None) => {}
            Ok(Some(files)) => {
                let dir = tempfile::tempdir().unwrap();
                for p in audit_in(dir.path(), &files, &files[0].0) {
                    problems.push(format!("{name} {} {}: {p}", f.rule, f.file));
                }
            }
        }
    }
    for c in &report.capabilities {
        let Some(t) = &c.template else { continue };
        if let Some(d) = &t.diff {
            if seen.insert((t.path.clone(), d.clone())) {
                checked += 1;
                problems.extend(
                    check_diff(repo, &t.path, d)
                        .into_iter()
                        .map(|p| format!("{name} diff of {} ({}): {p}", t.path, c.id)),
                );
            }
        }
        if !seen.insert((t.path.clone(), t.content.clone())) {
            continue;
        }
        checked += 1;
        if pipewise_yaml::Document::parse(t.content.clone()).is_err() {
            problems.push(format!("{name} template {}: does not parse", t.path));
            continue;
        }
        // The template goes into the repository it was made for.
        let dir = tempfile::tempdir().unwrap();
        copy_dir(repo, dir.path());
        let files = [(t.path.clone(), t.content.clone())];
        for p in audit_in(dir.path(), &files, &t.path) {
            problems.push(format!("{name} template {} ({}): {p}", t.path, c.id));
        }
    }
    (checked, problems)
}

/// Applies a unified diff to `before`: the new text and the 1-based lines it added.
fn apply(before: &str, diff: &str) -> Result<(String, Vec<usize>), String> {
    let old: Vec<&str> = before.lines().collect();
    let mut out: Vec<String> = vec![];
    let mut added = vec![];
    let mut at = 0; // next line of `old` to copy
    let mut lines = diff.lines().peekable();
    while let Some(l) = lines.next() {
        if l.starts_with("--- ") || l.starts_with("+++ ") {
            continue;
        }
        let Some(h) = l.strip_prefix("@@ -") else {
            return Err(format!("not a hunk header: {l}"));
        };
        let start: usize = h
            .split([',', ' '])
            .next()
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("bad hunk header: {l}"))?;
        while at + 1 < start {
            out.push(old[at].to_string());
            at += 1;
        }
        while let Some(b) = lines.peek().filter(|b| !b.starts_with("@@")) {
            let b = *b;
            lines.next();
            if let Some(x) = b.strip_prefix('+') {
                out.push(x.to_string());
                added.push(out.len());
            } else if let Some(x) = b.strip_prefix(' ').or((b.is_empty()).then_some("")) {
                if old.get(at) != Some(&x) {
                    return Err(format!("context line {} differs: {x:?}", at + 1));
                }
                out.push(x.to_string());
                at += 1;
            } else if b.starts_with('-') {
                return Err(format!("the diff removes a line: {b}"));
            } else if !b.starts_with('\\') {
                return Err(format!("unexpected diff line: {b}"));
            }
        }
    }
    out.extend(old[at.min(old.len())..].iter().map(|s| s.to_string()));
    Ok((out.join("\n") + "\n", added))
}

/// A template's diff applies to the repository's file, only adds lines, and the
/// result parses and has no error and no medium+ finding on the added lines.
fn check_diff(repo: &Path, path: &str, diff: &str) -> Vec<String> {
    let before = std::fs::read_to_string(repo.join(path)).unwrap();
    let (after, added) = match apply(&before, diff) {
        Ok(x) => x,
        Err(e) => return vec![e],
    };
    if added.is_empty() {
        return vec!["adds nothing".into()];
    }
    if pipewise_yaml::Document::parse(after.clone()).is_err() {
        return vec![format!("does not parse:\n{after}")];
    }
    let dir = tempfile::tempdir().unwrap();
    copy_dir(repo, dir.path());
    write(dir.path(), path, &after);
    let r = audit_path(dir.path(), None).unwrap();
    let mut out: Vec<String> = r
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Medium && f.file == path && added.contains(&f.line))
        .map(|f| format!("{}:{} {} {}", f.file, f.line, f.rule, f.message))
        .chain(
            r.errors
                .iter()
                .filter(|e| e.file == path)
                .map(|e| format!("error {}:{} {}", e.file, e.line, e.message)),
        )
        .collect();
    if !out.is_empty() {
        out.push(format!("--- {path} after the diff:\n{after}"));
    }
    out
}

#[test]
fn template_diffs_apply_and_add_jobs_that_pass_pipewise() {
    // seed-004's ci.yml has lint and tests but no build: only a build job is added.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/repos/seed-004");
    let report = audit_path(&repo, None).unwrap();
    let c = report
        .capabilities
        .iter()
        .find(|c| c.id == "ci.build")
        .unwrap();
    let t = c.template.as_ref().unwrap();
    assert_eq!(t.path, ".github/workflows/ci.yml");
    let d = t
        .diff
        .as_deref()
        .expect("a diff against the existing ci.yml");
    assert!(d.contains("+  build:\n"), "{d}");
    assert!(!d.contains("+  lint:") && !d.contains("+  test:"), "{d}");
    assert!(check_diff(&repo, &t.path, d).is_empty());
    // A diff that does not fit the file is caught.
    let bad = d.replace(" sarif_file", " other_file");
    assert!(!check_diff(&repo, &t.path, &bad).is_empty());
    // The Markdown shows the diff, not the whole file or "Create".
    let md = pipewise::report::markdown::render(
        &pipewise::report::Report::new(vec![report.clone()], pipewise::rules::table()),
        &pipewise::report::markdown::Options {
            date: "2026-01-01".into(),
        },
    );
    assert!(
        md.contains("**Update** `.github/workflows/ci.yml` (it exists): add these jobs."),
        "no diff shown"
    );
    assert!(md.contains("```diff\n--- a/.github/workflows/ci.yml\n"));
    assert!(!md.contains("**Create**: `.github/workflows/ci.yml`"));
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[test]
fn every_fix_snippet_and_template_of_the_test_repos_is_valid_and_passes_pipewise() {
    let mut problems = vec![];
    let mut checked = 0;
    for repo in repos() {
        let report = audit_path(&repo, None).unwrap();
        let (n, p) = check_repo(&repo, &report);
        checked += n;
        problems.extend(p);
    }
    assert!(
        checked > 50,
        "only {checked} snippets and templates checked"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn templates_use_the_action_pins_the_repository_already_has() {
    let checkout = "actions/checkout@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa # v7.9.0";
    let old_node = "actions/setup-node@bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb # v1.0.0";
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "package.json",
        r#"{"scripts":{"build":"tsc","lint":"eslint .","test":"vitest run"}}"#,
    );
    write(dir.path(), "package-lock.json", "{}");
    write(
        dir.path(),
        ".github/workflows/x.yml",
        &format!(
            "on: push\npermissions: {{}}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: {checkout}\n      - uses: {old_node}\n      - uses: actions/checkout@cccccccccccccccccccccccccccccccccccccccc # v7.1.0\n"
        ),
    );
    let repo = pipewise::repo::Repo::load(dir.path(), "pins");
    let Some((_, Some(t))) = pipewise::analysis::scaffold(&repo, "ci.unit-tests") else {
        panic!("no ci.unit-tests template for a Node repository");
    };
    // The highest pinned version of checkout in the repository is used.
    assert!(t.content.contains(checkout), "{}", t.content);
    assert!(!t.content.contains("cccccccc"), "{}", t.content);
    assert!(!t.content.contains("# v7.0.1"), "{}", t.content);
    // A pin on an older major than the catalogue's is not copied.
    assert!(!t.content.contains(old_node), "{}", t.content);
    assert!(t.content.contains("actions/setup-node@"), "{}", t.content);
}
