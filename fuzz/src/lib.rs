//! The fuzz targets, shared by the cargo-fuzz binaries (`fuzz_targets/`) and the
//! libFuzzer-free driver (`src/driver.rs`). Each takes arbitrary bytes and must never
//! panic, hang or blow up memory.

use pipewise::config::Config;
use pipewise::repo::Repo;
use pipewise::source::{decode, FileKind, SourceFile};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// A fuzz target: takes any bytes, must not panic.
pub type Target = fn(&[u8]);

/// Every target, by name.
pub const TARGETS: &[(&str, Target)] = &[
    ("yaml_model", yaml_model),
    ("yaml_fast", yaml_fast),
    ("expr", expr),
    ("shell", shell),
    ("dockerfile", dockerfile),
    ("repo", repo),
];

/// Bytes as the loader would see them: decoded (BOM, NUL and UTF-8 checks) or refused.
fn text(data: &[u8]) -> Option<String> {
    decode(data.to_vec()).ok()
}

/// The YAML loader and the workflow/action model, then every rule over them: a
/// one-file repository (a workflow, or an action when the first byte is odd) is
/// audited in memory. A panic caught by the engine is re-raised so the fuzzer sees it.
pub fn yaml_model(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let (path, kind) = if data.first().is_some_and(|b| b % 2 == 1) {
        ("action.yml", FileKind::Action)
    } else {
        (".github/workflows/fuzz.yml", FileKind::Workflow)
    };
    let (file, errors) = SourceFile::from_text(path.to_string(), kind, text);
    let mut paths = BTreeSet::new();
    paths.insert(path.to_string());
    if let Some((dir, _)) = path.rsplit_once('/') {
        paths.insert(dir.to_string());
    }
    let repo = Repo {
        root: PathBuf::from("/nonexistent/pipewise-fuzz"),
        display: "fuzz".into(),
        files: vec![std::sync::Arc::new(file)],
        paths,
        errors,
        incomplete: false,
        tree: None,
        paths_digest: None,
    };
    let report = pipewise::audit::audit_repo(&repo, &Config::default());
    for e in &report.errors {
        if e.message.contains("internal error") {
            panic!("caught panic in the audit: {}", e.message);
        }
    }
    let _ = pipewise::report::json::render(&pipewise::report::Report::new(
        vec![report],
        pipewise::rules::table(),
    ));
}

/// Differential: whenever pipewise-yaml's fast path reads a text, its tree and
/// warnings must be exactly what the saphyr-based reference loader gives.
pub fn yaml_fast(data: &[u8]) {
    use pipewise_yaml::{Document, Limits};
    let Some(text) = text(data) else { return };
    let limits = Limits::default();
    if !Document::fast_path_reads(&text, limits) {
        return;
    }
    let fast = Document::parse_with(text.clone(), limits).expect("the fast path read it");
    let reference = match Document::parse_reference(text, limits) {
        Ok(d) => d,
        Err(e) => panic!("fast path read a text saphyr refuses: {}", e.message),
    };
    assert_eq!(fast.root, reference.root, "trees differ");
    assert_eq!(fast.warnings, reference.warnings, "warnings differ");
}

/// The `${{ }}` expression finder and parser.
pub fn expr(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    for e in pipewise::github::expr::find_embedded(s) {
        assert!(e.span.start <= e.span.end && e.span.end <= s.len());
        if let Ok(x) = &e.expr {
            let _ = x.contexts();
            let _ = x.calls();
        }
    }
    if let Ok(x) = pipewise::github::expr::parse(s) {
        for (_, sp) in x.contexts().into_iter().chain(x.calls()) {
            assert!(sp.start <= sp.end && sp.end <= s.len(), "span out of range");
        }
    }
}

/// The hand-written shell parser on a `run:` body (`Script::parse`), and the intent
/// classifier on every command it finds.
pub fn shell(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let script = pipewise::shell::Script::parse(s);
    // Read alone: no audit's facts table, each command classified when asked.
    let facts = pipewise::facts::Facts::none();
    for c in &script.commands {
        for w in &c.words {
            assert!(
                w.span.start <= w.span.end && w.span.end <= s.len(),
                "word span"
            );
        }
        let _ = facts.command_intent(c);
    }
}

/// The Dockerfile parser and image reference parser.
pub fn dockerfile(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let d = pipewise::dockerfile::parse(s);
    for i in &d.instructions {
        assert!(
            i.span.start <= i.span.end && i.span.end <= s.len(),
            "instruction span"
        );
        let _ = pipewise::dockerfile::parse_image_ref(&i.args);
    }
}

/// Where the `repo` target writes a file: chosen by a chunk's first byte.
pub const REPO_PATHS: &[&str] = &[
    ".github/workflows/ci.yml",
    ".github/workflows/deploy.yml",
    ".github/workflows/release.yaml",
    ".github/actions/setup/action.yml",
    ".github/dependabot.yml",
    "renovate.json",
    "package.json",
    "pyproject.toml",
    "Dockerfile",
    "docker/Dockerfile.prod",
    "compose.yml",
    "scripts/build.sh",
    "scripts/deploy.sh",
    "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/aa/bb/cc/dd/ee/ff/gg/run.sh",
    ".nvmrc",
    "pipewise.toml",
];

/// Splits the `repo` target's input into files: chunks separated by `\n%%%`, each
/// chunk's first byte picking its path from [`REPO_PATHS`] (a later chunk for the
/// same path replaces it).
pub fn repo_files(data: &[u8]) -> Vec<(&'static str, &[u8])> {
    let mut out: Vec<(&'static str, &[u8])> = vec![];
    let mut rest = data;
    loop {
        let (chunk, next) = match memchr_find(rest, b"\n%%%") {
            Some(i) => (&rest[..i], Some(&rest[i + 4..])),
            None => (rest, None),
        };
        if let Some((&sel, body)) = chunk.split_first() {
            let path = REPO_PATHS[sel as usize % REPO_PATHS.len()];
            out.retain(|(p, _)| *p != path);
            out.push((path, body));
        }
        match next {
            Some(n) => rest = n,
            None => break,
        }
    }
    out
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A whole-repository audit: the input becomes a directory tree (workflows, an
/// action, scripts, Dockerfiles, compose, dependabot/renovate/manifest files, a
/// config, a folder deeper than the walk goes) written to a fresh temporary folder,
/// then `audit_path` (discovery, the safe loader, budgets, every rule, the analysis)
/// and the JSON, SARIF and plain renderings. A panic caught by the engine is
/// re-raised.
pub fn repo(data: &[u8]) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "pipewise-fuzz-repo-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, body) in repo_files(data) {
        let p = dir.join(path);
        if let Some(parent) = p.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(&p, body);
    }
    let _ = std::fs::create_dir_all(&dir);
    let result = pipewise::audit::audit_path(&dir, None);
    let _ = std::fs::remove_dir_all(&dir);
    // An invalid `pipewise.toml` is an `Err` (the configuration error): fine.
    let Ok(report) = result else { return };
    for e in &report.errors {
        if e.message.contains("internal error") {
            panic!("caught panic in the audit: {}", e.message);
        }
    }
    let report = pipewise::report::Report::new(vec![report], pipewise::rules::table());
    let _ = pipewise::report::json::render(&report);
    let _ = pipewise::report::sarif::render(&report);
}
