//! The sharded-audit examples of docs/organisation.md run as written: the GitHub
//! Actions workflow (a matrix of shards, then a merge job) and the Kubernetes
//! Indexed Job (one pod per index, then a merge Job). Their shell commands are
//! taken from the document, run with `sh` against fixture repositories (the
//! matrix and the indexes played one after the other), and the merged report is
//! byte for byte the report of one run. The workflow itself is audited by
//! pipewise: it loads without error and has no high or critical finding.

mod support;

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

fn doc() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/organisation.md");
    fs::read_to_string(p).expect("docs/organisation.md")
}

/// The ```yaml blocks of the document, in order.
fn yaml_blocks(doc: &str) -> Vec<String> {
    let mut out = vec![];
    let mut cur: Option<String> = None;
    for line in doc.lines() {
        match &mut cur {
            None if line.trim_start() == "```yaml" => cur = Some(String::new()),
            Some(b) if line.trim_start() == "```" => {
                out.push(std::mem::take(b));
                cur = None;
            }
            Some(b) => {
                b.push_str(line);
                b.push('\n');
            }
            None => {}
        }
    }
    out
}

/// The block scalar (`|` literal, `>-` folded) that `marker` starts (its first
/// line) or that follows the line holding `marker` (a step's `run: |`): its
/// lines, unindented; folded ones joined with spaces.
fn block_after(yaml: &str, marker: &str) -> String {
    let lines: Vec<&str> = yaml.lines().collect();
    let opens = |l: &str| {
        let l = l.trim_end();
        if l.ends_with(">-") {
            Some(true)
        } else if l.ends_with('|') {
            Some(false)
        } else {
            None
        }
    };
    let at = lines
        .iter()
        .position(|l| l.contains(marker))
        .unwrap_or_else(|| panic!("`{marker}` in the example"));
    let (start, folded) = match at.checked_sub(1).and_then(|p| opens(lines[p])) {
        Some(folded) => (at, folded),
        None => {
            let j = (at..lines.len())
                .find(|&j| opens(lines[j]).is_some())
                .unwrap_or_else(|| panic!("a block after `{marker}`"));
            (j + 1, opens(lines[j]) == Some(true))
        }
    };
    let indent = lines[start].len() - lines[start].trim_start().len();
    let body: Vec<&str> = lines[start..]
        .iter()
        .take_while(|l| l.len() - l.trim_start().len() >= indent && !l.trim().is_empty())
        .map(|l| &l[indent..])
        .collect();
    if folded {
        body.join(" ")
    } else {
        body.join("\n")
    }
}

fn bin_dir() -> PathBuf {
    let bin = assert_cmd::cargo::cargo_bin("pipewise");
    bin.parent().expect("bin dir").to_path_buf()
}

/// Runs `script` with `sh -e` in `cwd`, pipewise on the PATH.
fn sh(cwd: &Path, script: &str, env: &[(&str, String)]) {
    let path = format!(
        "{}:{}",
        bin_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut c = std::process::Command::new("sh");
    c.current_dir(cwd)
        .args(["-e", "-c", script])
        .env("PATH", path)
        .env("NO_COLOR", "1");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("sh runs");
    assert!(
        out.status.success(),
        "{script}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `n` repositories under `dir`, named as the workflow's clone step names them
/// (`owner__name`).
fn repos(dir: &Path, n: usize) -> Vec<String> {
    support::fleet(dir, n, |i| format!("acme__svc-{i:02}"), false)
}

/// The report of one run over every repository, from `cwd`.
fn single(cwd: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::cargo_bin("pipewise")
        .expect("binary")
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .arg("audit")
        .args(args)
        .args([
            "-f",
            "json",
            "--fail-on",
            "none",
            "--fail-on-error",
            "false",
            "-q",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    out.stdout
}

#[test]
fn the_github_actions_matrix_example_runs_and_merges_to_one_run() {
    let blocks = yaml_blocks(&doc());
    let wf = blocks
        .iter()
        .find(|b| b.contains("strategy:") && b.contains("matrix:"))
        .expect("the GitHub Actions example");
    // The matrix, and the shard count in the audit command, agree.
    let shards: Vec<usize> = wf
        .lines()
        .find_map(|l| l.trim().strip_prefix("shard: ["))
        .expect("matrix shard list")
        .trim_end_matches(']')
        .split(',')
        .map(|s| s.trim().parse().expect("a shard number"))
        .collect();
    let n = shards.len();
    assert_eq!(shards, (1..=n).collect::<Vec<_>>());
    let audit = block_after(wf, "- name: Audit");
    assert!(
        audit.contains(&format!("${{{{ matrix.shard }}}}/{n}")),
        "{audit}"
    );
    let merge = block_after(wf, "- name: Merge");

    // The workflow is one pipewise would let through: it loads, and nothing high.
    let t = TempDir::new().expect("tmp");
    let home = t.path().join("org-audit");
    fs::create_dir_all(home.join(".github/workflows")).expect("mkdir");
    fs::create_dir_all(home.join(".git")).expect("mkdir");
    fs::write(home.join(".github/workflows/org-audit.yml"), wf).expect("write");
    let r = pipewise::audit::audit_path(&home, None).expect("audits");
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let bad: Vec<String> = r
        .findings
        .iter()
        .filter(|f| f.severity >= pipewise::finding::Severity::High)
        .map(|f| format!("{} {}", f.rule, f.message))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");

    // The matrix played one job after the other, in one work folder per job;
    // the artifacts gathered in the merge job's folder.
    let work = t.path().join("work");
    fs::create_dir_all(work.join("repos")).expect("mkdir");
    repos(&work.join("repos"), 20);
    let merge_dir = t.path().join("merge");
    fs::create_dir_all(&merge_dir).expect("mkdir");
    for i in &shards {
        let script = audit.replace("${{ matrix.shard }}", &i.to_string());
        sh(&work, &script, &[]);
        let f = format!("shard-{i}.json");
        fs::rename(work.join(&f), merge_dir.join(&f)).expect("artifact");
    }
    let summary = t.path().join("summary.md");
    sh(
        &merge_dir,
        &merge,
        &[("GITHUB_STEP_SUMMARY", summary.display().to_string())],
    );
    let merged = fs::read(merge_dir.join("merged.json")).expect("merged.json");
    assert!(
        merged == single_glob(&work),
        "the merged shards differ from one run"
    );
    assert!(fs::read_to_string(merge_dir.join("organisation.html"))
        .expect("organisation.html")
        .contains("acme__svc-00"));
    assert!(fs::read_to_string(&summary)
        .expect("step summary")
        .contains("acme__svc-"));
}

/// One run over `repos/*` as the shell expands it (sorted).
fn single_glob(cwd: &Path) -> Vec<u8> {
    let mut names: Vec<String> = fs::read_dir(cwd.join("repos"))
        .expect("repos")
        .flatten()
        .map(|e| format!("repos/{}", e.file_name().to_string_lossy()))
        .collect();
    names.sort();
    let args: Vec<&str> = names.iter().map(String::as_str).collect();
    single(cwd, &args)
}

#[test]
fn the_kubernetes_indexed_job_example_runs_and_merges_to_one_run() {
    let blocks = yaml_blocks(&doc());
    let k8s = blocks
        .iter()
        .find(|b| b.contains("kind: Job"))
        .expect("the Kubernetes example");
    assert!(k8s.contains("completionMode: Indexed"), "{k8s}");
    let field = |name: &str| -> usize {
        k8s.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("`{name}` in the example"))
    };
    let n = field("completions:");
    assert_eq!(field("parallelism:"), n);
    let audit = block_after(k8s, "cd /repos && pipewise audit");
    assert!(
        audit.contains(&format!("$((JOB_COMPLETION_INDEX + 1))/{n}")),
        "{audit}"
    );
    let merge = block_after(k8s, "pipewise merge /reports/");

    // The volumes: /repos (the repositories and list.txt) and /reports.
    let t = TempDir::new().expect("tmp");
    let (vol, reports) = (t.path().join("repos"), t.path().join("reports"));
    fs::create_dir_all(&vol).expect("mkdir");
    fs::create_dir_all(&reports).expect("mkdir");
    let names = repos(&vol, 20);
    fs::write(vol.join("list.txt"), names.join("\n") + "\n").expect("list");
    let mount = |s: &str| {
        s.replace("/repos", &vol.display().to_string())
            .replace("/reports", &reports.display().to_string())
    };
    // The indexes, one pod after the other.
    for index in 0..n {
        sh(
            t.path(),
            &mount(&audit),
            &[("JOB_COMPLETION_INDEX", index.to_string())],
        );
    }
    assert_eq!(
        fs::read_dir(&reports).expect("reports").count(),
        n,
        "one report per index"
    );
    sh(t.path(), &mount(&merge), &[]);
    let merged = fs::read(reports.join("merged.json")).expect("merged.json");
    assert!(
        merged == single(&vol, &["--repos-from", "list.txt"]),
        "the merged shards differ from one run"
    );
    assert!(fs::read_to_string(reports.join("organisation.html"))
        .expect("organisation.html")
        .contains("acme__svc-00"));
}
