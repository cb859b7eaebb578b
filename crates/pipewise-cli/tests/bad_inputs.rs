//! The bad-input suite: each case puts one hostile or malformed file next to a good
//! workflow in a fresh temporary repository and checks that `pipewise audit -f json`
//! does not panic, reports a clear error for that file (with its line where one
//! applies) in the JSON `errors`, exits with the usual code, and still audits the
//! good workflow. Also: byte-identical JSON whatever the thread count.

mod support;

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::Path;
use support::{pipewise, write};
use tempfile::TempDir;

/// A good workflow: `npm test || echo` masks failures at line 12.
const GOOD: &str = "name: CI\non: push\npermissions:\n  contents: read\njobs:\n  test:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    steps:\n      - run: |\n          npm ci\n          npm test || echo \"tests failed\"\n";
const GOOD_LINE: u64 = 12;
const GOOD_PATH: &str = ".github/workflows/good.yml";

/// A repository with the good workflow and the given files.
fn repo_with(files: &[(&str, &[u8])]) -> TempDir {
    let dir = support::repo(files);
    write(dir.path(), GOOD_PATH, GOOD.as_bytes());
    dir
}

/// A hang guard, not a speed check: the audit is killed after this long (the
/// hostile-input tests bound the audit's work by its counters, [`Work`]).
const HANG_GUARD: std::time::Duration = std::time::Duration::from_secs(300);

/// Runs the audit; checks no panic, JSON on stdout, and the exit code: 2 when a file
/// error is reported (or nothing could be audited), else 0 or 1.
fn audit(dir: &Path) -> Value {
    counted_audit(dir).0
}

/// The work counters of one audit (`PIPEWISE_WORK=1`: `pipewise::work`, compiled
/// into the test binary through pipewise-cli's dev-dependencies), by name.
struct Work(std::collections::BTreeMap<String, u64>);

impl Work {
    fn get(&self, name: &str) -> u64 {
        match self.0.get(name) {
            Some(n) => *n,
            None => panic!("no work counter {name}: {:?}", self.0),
        }
    }

    /// Asserts that counter `name` is at most `per_unit` per unit of input
    /// (`units`: jobs plus edges, bytes, stages, workflows): linear work. A
    /// quadratic variant of the loop it counts multiplies it by the input size.
    fn linear(&self, name: &str, per_unit: u64, units: usize) {
        let n = self.get(name);
        let limit = per_unit * units as u64;
        eprintln!(
            "{name}: {n} for {units} units of input ({:.2} each, at most {per_unit})",
            n as f64 / units.max(1) as f64
        );
        assert!(
            n <= limit,
            "{name}: {n} units of work for {units} units of input (at most {per_unit} each: {limit})"
        );
        assert!(n > 0, "{name}: the counted loop ran ({:?})", self.0);
    }
}

/// [`audit`] with the work counters.
fn counted_audit(dir: &Path) -> (Value, Work) {
    let out = pipewise()
        .arg("audit")
        .arg(dir)
        .args(["--format", "json", "--fail-on", "high"])
        .env("PIPEWISE_WORK", "1")
        .timeout(HANG_GUARD)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let work = stderr
        .lines()
        .find_map(|l| l.strip_prefix("work: "))
        .and_then(|j| serde_json::from_str::<std::collections::BTreeMap<String, u64>>(j).ok())
        .map(Work)
        .unwrap_or_else(|| {
            panic!("no `work:` line on stderr (built without the work-counters feature?): {stderr}")
        });
    let stderr: String = stderr
        .lines()
        .filter(|l| !l.starts_with("work: "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    let code = out.status.code();
    let v: Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    let repo = &v["repositories"][0];
    let has_errors = repo["errors"].as_array().is_some_and(|e| !e.is_empty());
    let nothing = repo["files"].as_array().is_none_or(Vec::is_empty);
    if has_errors || nothing {
        assert_eq!(code, Some(2), "file errors exit 2: {stderr}");
        assert!(
            stderr.contains("error: "),
            "the exit 2 is explained: {stderr}"
        );
    } else {
        assert!(matches!(code, Some(0) | Some(1)), "exit {code:?}: {stderr}");
    }
    let errors = serde_json::to_string(&v["repositories"][0]["errors"]).unwrap_or_default();
    assert!(
        !errors.contains("internal error"),
        "a panic was caught: {errors}"
    );
    (v, work)
}

fn errors(v: &Value) -> Vec<Value> {
    v["repositories"][0]["errors"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn good_was_audited(v: &Value) -> bool {
    v["repositories"][0]["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|f| f["file"] == GOOD_PATH && f["line"] == GOOD_LINE)
}

/// The case: `bad` at `path` must yield an error for `path` whose message contains
/// `expect` (case-insensitive), at `line` when given; the good workflow still audited.
fn case(path: &str, bad: &[u8], expect: &str, line: Option<u64>) {
    let r = repo_with(&[(path, bad)]);
    check(r.path(), path, expect, line);
}

fn check(dir: &Path, path: &str, expect: &str, line: Option<u64>) {
    let v = audit(dir);
    let errs = errors(&v);
    let e = errs
        .iter()
        .find(|e| {
            e["file"] == path
                && e["message"]
                    .as_str()
                    .unwrap_or("")
                    .to_lowercase()
                    .contains(&expect.to_lowercase())
        })
        .unwrap_or_else(|| panic!("no error mentioning {expect:?} for {path}: {errs:#?}"));
    if let Some(l) = line {
        assert_eq!(e["line"], l, "{path}: {e}");
    }
    assert!(
        good_was_audited(&v),
        "good workflow not audited next to {path}"
    );
}

/// A workflow whose `test` job body is `body` (indented 4 spaces under the job).
fn job(body: &str) -> Vec<u8> {
    format!("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n{body}").into_bytes()
}

const WF: &str = ".github/workflows/bad.yml";

macro_rules! cases {
    ($($name:ident: $path:expr, $bad:expr, $expect:expr, $line:expr;)*) => {$(
        #[test]
        fn $name() {
            case($path, &$bad, $expect, $line);
        }
    )*};
}

cases! {
    // YAML syntax errors
    yaml_unclosed_flow_sequence: WF, *b"on: push\njobs:\n  a: [\n    b: c\n", "yaml", None;
    yaml_unclosed_quote: WF, *b"name: \"abc\non: push\njobs: {}\n", "yaml", None;
    yaml_tab_indentation: WF, *b"on: push\njobs:\n\ta: 1\n", "yaml", None;
    yaml_mapping_in_plain_scalar: WF, *b"on: push\njobs: a: b: c\n", "yaml", Some(2);
    yaml_duplicate_key: WF, *b"name: x\non: push\nname: y\njobs: {}\n", "duplicate", Some(3);
    yaml_unknown_alias: WF, *b"on: push\njobs: *nope\n", "unknown anchor", Some(2);
    yaml_only_comments: WF, *b"# nothing here\n# at all\n", "mapping", None;
    // wrong types at every level
    type_top_level_scalar: WF, *b"5\n", "a workflow must be a mapping", Some(1);
    type_top_level_list: WF, *b"- on: push\n", "a workflow must be a mapping", Some(1);
    type_on_number: WF, *b"on: 5\njobs: {}\n", "unknown trigger event `5`", Some(1);
    type_on_unknown_event_in_list: WF, *b"on: [push, pushh]\njobs: {}\n", "pushh", Some(1);
    type_jobs_number: WF, *b"on: push\njobs: 5\n", "`jobs` must be a mapping", Some(2);
    type_jobs_list: WF, *b"on: push\njobs: [a, b]\n", "`jobs` must be a mapping", Some(2);
    type_job_number: WF, *b"on: push\njobs: {a: 5}\n", "job `a` must be a mapping", Some(2);
    type_job_list: WF, *b"on: push\njobs:\n  a: [1]\n", "job `a` must be a mapping", Some(3);
    type_steps_string: WF, job("    steps: \"x\"\n"), "`steps` must be a list", Some(5);
    type_steps_mapping: WF, job("    steps: {a: 1}\n"), "`steps` must be a list", Some(5);
    type_step_number: WF, job("    steps: [5]\n"), "a step must be a mapping", Some(5);
    type_step_list: WF, job("    steps:\n      - [1]\n"), "a step must be a mapping", Some(6);
    type_run_list: WF, job("    steps:\n      - run: [1]\n"), "`run` must be a string", Some(6);
    type_run_mapping: WF, job("    steps:\n      - run: {a: 1}\n"), "`run` must be a string", Some(6);
    type_uses_number: WF, job("    steps:\n      - uses: 5\n"), "`uses` must be", Some(6);
    type_uses_list: WF, job("    steps:\n      - uses: [a]\n"), "`uses` must be", Some(6);
    type_job_uses_number: WF, *b"on: push\njobs:\n  a:\n    uses: 5\n", "`uses` must be", Some(4);
    type_needs_mapping: WF, job("    needs: {}\n    steps: []\n"), "`needs` of job `test`", Some(5);
    type_permissions_number: WF, *b"on: push\npermissions: 5\njobs: {}\n", "`permissions` must be", Some(2);
    type_job_permissions_list: WF, job("    permissions: [read]\n    steps: []\n"), "`permissions` must be", Some(5);
    missing_on: WF, *b"jobs:\n  a:\n    runs-on: x\n    steps: []\n", "no `on:`", Some(1);
    missing_jobs: WF, *b"on: push\n", "no `jobs:`", Some(1);
    job_without_steps: WF, *b"on: push\njobs:\n  a:\n    runs-on: x\n", "neither `steps` nor `uses`", Some(3);
    unknown_workflow_key: WF, *b"on: push\njbos: {}\njobs: {}\n", "unknown workflow key `jbos`", Some(2);
    unknown_step_key: WF, job("    steps:\n      - rn: echo\n"), "unknown step key `rn`", Some(6);
    step_with_run_and_uses: WF, job("    steps:\n      - run: echo\n        uses: a/b@v1\n"), "both `run` and `uses`", Some(6);
    action_scalar: "action.yml", *b"5\n", "an action must be a mapping", Some(1);
    action_without_runs: ".github/actions/x/action.yml", *b"name: x\n", "no `runs:`", None;
    // encodings and bytes
    invalid_utf8: WF, *b"on: push\nname: caf\xe9\njobs: {}\n", "utf-8", Some(2);
    utf16_le: WF, *b"\xff\xfeo\0n\0:\0 \0p\0u\0s\0h\0", "utf-16", Some(1);
    utf16_be: WF, *b"\xfe\xff\0o\0n\0:\0 \0p\0u\0s\0h", "utf-16", Some(1);
    nul_bytes: WF, *b"on: push\njobs: {}\n\0\0\0", "nul", Some(3);
    nul_in_dockerfile: "Dockerfile", *b"FROM alpine\n\0RUN x\n", "nul", Some(2);
    empty_file: WF, *b"", "empty", None;
    whitespace_only_file: WF, *b"  \n\n\t\n", "empty", None;
}

#[test]
fn utf8_bom_is_accepted() {
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(GOOD.as_bytes());
    let r = repo_with(&[(".github/workflows/bom.yml", &bom)]);
    let v = audit(r.path());
    assert!(errors(&v).is_empty(), "{:?}", errors(&v));
    let found = v["repositories"][0]["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|f| f["file"] == ".github/workflows/bom.yml" && f["line"] == GOOD_LINE);
    assert!(found, "the BOM workflow was not audited at the right line");
}

#[test]
fn crlf_line_endings_keep_line_numbers() {
    let crlf = GOOD.replace('\n', "\r\n");
    let r = repo_with(&[(".github/workflows/crlf.yml", crlf.as_bytes())]);
    let v = audit(r.path());
    let f = v["repositories"][0]["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| {
            f["file"] == ".github/workflows/crlf.yml" && f["rule"] == "reliability/masked-failure"
        })
        .cloned()
        .expect("the CRLF workflow was audited");
    assert_eq!(f["line"], GOOD_LINE, "{f}");
    assert!(good_was_audited(&v));
}

#[test]
fn a_50_mb_file_is_refused_by_size() {
    let line = "# padding padding padding padding padding padding padding padding padding\n";
    let big = line.repeat(50 * 1024 * 1024 / line.len() + 1);
    case(WF, big.as_bytes(), "limit", None);
}

#[test]
fn deep_flow_nesting_is_refused() {
    let deep = format!(
        "on: push\njobs: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    case(WF, deep.as_bytes(), "recursion limit", Some(2));
}

#[test]
fn deep_block_nesting_is_refused() {
    // 2,000 levels of block mappings (the file is already 4 MB at that depth).
    let mut s = String::from("on: push\njobs:\n");
    for i in 0..2_000 {
        s.push_str(&" ".repeat(i + 2));
        s.push_str("k:\n");
    }
    case(WF, s.as_bytes(), "nesting deeper", None);
}

#[test]
fn alias_bomb_is_refused() {
    let mut bomb = String::from("a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n");
    let mut prev = 'a';
    for c in 'b'..='z' {
        bomb.push_str(&format!(
            "{c}: &{c} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
        prev = c;
    }
    case(WF, bomb.as_bytes(), "alias", None);
}

#[test]
fn very_deep_shell_and_expressions_do_not_crash() {
    let sub = format!("{}x{}", "$(echo ".repeat(5_000), ")".repeat(5_000));
    let expr = format!("${{{{ {}a{} }}}}", "(".repeat(5_000), ")".repeat(5_000));
    let wf = job(&format!(
        "    steps:\n      - run: \"echo {sub}\"\n      - run: \"echo {expr}\"\n"
    ));
    let r = repo_with(&[(WF, &wf)]);
    let v = audit(r.path());
    assert!(good_was_audited(&v));
}

#[test]
fn a_very_long_line_is_audited() {
    let wf = job(&format!(
        "    steps:\n      - run: echo {}\n",
        "a".repeat(1 << 20)
    ));
    let r = repo_with(&[(WF, &wf)]);
    assert!(good_was_audited(&audit(r.path())));
}

#[test]
fn unterminated_dockerfile_heredoc_is_survived() {
    let r = repo_with(&[("Dockerfile", b"FROM alpine\nRUN <<EOF\necho hi\n")]);
    assert!(good_was_audited(&audit(r.path())));
}

#[cfg(unix)]
mod links {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn symlink_loop_is_reported() {
        let r = repo_with(&[]);
        let w = r.path().join(".github/workflows");
        symlink(w.join("b.yml"), w.join("a.yml")).expect("link");
        symlink(w.join("a.yml"), w.join("b.yml")).expect("link");
        check(r.path(), ".github/workflows/a.yml", "not followed", None);
    }

    #[test]
    fn dangling_symlink_is_reported() {
        let r = repo_with(&[]);
        let w = r.path().join(".github/workflows");
        symlink(w.join("missing.yml"), w.join("gone.yml")).expect("link");
        check(r.path(), ".github/workflows/gone.yml", "not followed", None);
    }

    #[test]
    fn symlink_out_of_the_repository_is_refused() {
        let outside = TempDir::new().expect("temp");
        write(outside.path(), "secret.yml", GOOD.as_bytes());
        let r = repo_with(&[]);
        symlink(
            outside.path().join("secret.yml"),
            r.path().join(".github/workflows/out.yml"),
        )
        .expect("link");
        check(
            r.path(),
            ".github/workflows/out.yml",
            "outside the repository",
            None,
        );
    }

    #[test]
    fn directory_symlink_loop_is_not_followed() {
        let r = repo_with(&[]);
        symlink(r.path().join(".github"), r.path().join(".github/loop")).expect("link");
        check(r.path(), ".github/loop", "not followed", None);
    }

    #[test]
    fn unreadable_file_is_reported() {
        use std::os::unix::fs::PermissionsExt;
        let r = repo_with(&[(WF, GOOD.as_bytes())]);
        let p = r.path().join(WF);
        fs::set_permissions(&p, fs::Permissions::from_mode(0o000)).expect("chmod");
        if fs::read(&p).is_ok() {
            // Running as root: permissions do not stop reads. The file is then
            // audited like any other; the run must still be sound.
            let v = audit(r.path());
            assert!(good_was_audited(&v));
            assert!(errors(&v).is_empty(), "{:?}", errors(&v));
        } else {
            check(r.path(), WF, "cannot read", None);
        }
        let _ = fs::set_permissions(&p, fs::Permissions::from_mode(0o644));
    }
}

#[test]
fn directory_named_like_a_workflow_is_skipped() {
    let r = repo_with(&[(".github/workflows/dir.yml/inner.txt", b"x")]);
    let v = audit(r.path());
    assert!(good_was_audited(&v));
    assert!(errors(&v).is_empty(), "{:?}", errors(&v));
}

/// No CI/CD file at all: nothing audited, said so, exit 2 (not a score of 0).
#[test]
fn empty_workflows_directory_is_nothing_audited() {
    let dir = TempDir::new().expect("temp");
    fs::create_dir_all(dir.path().join(".github/workflows")).expect("mkdir");
    let v = audit(dir.path());
    assert_eq!(v["repositories"].as_array().map(Vec::len), Some(1));
    assert!(errors(&v).is_empty(), "{:?}", errors(&v));
    assert_eq!(
        v["repositories"][0]["findings"].as_array().map(Vec::len),
        Some(0)
    );
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pipewise/benches/data");
    let r = repo_with(&[(WF, b"on: push\njobs: 5\n")]);
    let run = |threads: &str| {
        Command::cargo_bin("pipewise")
            .expect("binary")
            .env("RAYON_NUM_THREADS", threads)
            .arg("audit")
            .arg(&data)
            .arg(r.path())
            .args(["--format", "json", "--fail-on", "none"])
            .output()
            .expect("runs")
            .stdout
    };
    let one = run("1");
    assert!(one.len() > 10_000, "report too small: {} bytes", one.len());
    assert_eq!(one, run("2"));
    assert_eq!(one, run("4"));
}

#[test]
fn a_progress_bar_never_shows_when_not_a_terminal() {
    let a = repo_with(&[]);
    let b = repo_with(&[]);
    for format in ["plain", "json", "sarif"] {
        let out = Command::cargo_bin("pipewise")
            .expect("binary")
            .arg("audit")
            .arg(a.path())
            .arg(b.path())
            .args(["--format", format, "--fail-on", "none"])
            .output()
            .expect("runs");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains("auditing ["), "{format}: {all}");
        assert!(!all.contains("repositories ("), "{format}: {all}");
        assert!(!all.contains('\r'), "{format}: carriage return in output");
    }
}

// Issue 13: hostile repositories. Inputs are generated here, never committed as
// large files; each case also checks the good workflow next to it is still audited.

fn findings(v: &Value) -> Vec<Value> {
    v["repositories"][0]["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// A workflow of `jobs` (YAML text of the jobs) that deploys in job `deploy`.
fn jobs_workflow(jobs: &str) -> Vec<u8> {
    format!("name: Deploy\non: push\npermissions:\n  contents: read\njobs:\n{jobs}").into_bytes()
}

const JOB_BODY: &str =
    "    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - run: make test\n";
const DEPLOY_BODY: &str = "    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    environment: production\n    steps:\n      - run: kubectl apply -f k8s/\n";

/// `layers` layers of `width` jobs, each needing every job of the layer below, and
/// a deploy job needing the last layer (exponential for a walk without memo).
fn needs_layers(layers: usize, width: usize) -> Vec<u8> {
    let mut s = String::new();
    for i in 0..layers {
        for k in 0..width {
            s += &format!("  j{i}_{k}:\n");
            if i > 0 {
                let below: Vec<String> = (0..width).map(|m| format!("j{}_{m}", i - 1)).collect();
                s += &format!("    needs: [{}]\n", below.join(", "));
            }
            s += JOB_BODY;
        }
    }
    let last: Vec<String> = (0..width).map(|m| format!("j{}_{m}", layers - 1)).collect();
    s += &format!("  deploy:\n    needs: [{}]\n{DEPLOY_BODY}", last.join(", "));
    jobs_workflow(&s)
}

fn deploy_paths(v: &Value) -> usize {
    v["repositories"][0]["deploy_paths"]
        .as_array()
        .map_or(0, |a| a.len())
}

/// Work per job and edge of the `needs:` graphs (the hostile workflow's and the
/// good one's) that every walk over them may spend together: each of the few
/// whole-graph walks (deploy paths, deploy context, gates, pushes) visits each job
/// and edge a bounded number of times. A walk per job, or per pair of jobs, is
/// thousands of times more on these graphs.
const NEEDS_WORK_PER_JOB_OR_EDGE: u64 = 64;

/// Audits a repository with `workflow` at [`WF`], a `needs:` graph of `jobs_and_edges`
/// jobs plus edges, and checks that its walks are linear (the inputs took minutes
/// before the fix, exponential or cubic), that it finds its one deploy path, and that
/// it still audits the good workflow.
fn deploys_once_in_linear_work(workflow: &[u8], jobs_and_edges: usize) {
    let r = repo_with(&[(WF, workflow)]);
    let (v, work) = counted_audit(r.path());
    work.linear(
        "needs_edges",
        NEEDS_WORK_PER_JOB_OR_EDGE,
        jobs_and_edges + GOOD_JOBS,
    );
    assert_eq!(deploy_paths(&v), 1);
    assert!(good_was_audited(&v));
}

/// Source bytes walked, per byte of the workflow, to map every finding's span in a
/// long `run:` scalar back to the file (checkpoints every 512 value bytes).
const VALUE_WALK_PER_BYTE: u64 = 64;
/// Times each byte of a Dockerfile goes through the shell parser.
const SHELL_PASSES_PER_BYTE: u64 = 8;
/// Stages and instructions looked at per stage of a Dockerfile.
const DOCKER_WORK_PER_STAGE: u64 = 512;
/// Findings and `workflow_run` links read per workflow.
const WORKFLOW_WORK_PER_WORKFLOW: u64 = 32;

/// The good workflow's jobs (it has no `needs:`).
const GOOD_JOBS: usize = 1;

/// Jobs plus edges of [`needs_layers`].
fn layers_size(layers: usize, width: usize) -> usize {
    let jobs = layers * width + 1;
    let edges = (layers - 1) * width * width + width;
    jobs + edges
}

cases! {
    dependabot_is_a_list: ".github/dependabot.yml", *b"- package-ecosystem: npm\n", "must be a mapping", Some(1);
    dependabot_updates_is_a_number: ".github/dependabot.yml", *b"version: 2\nupdates: 5\n", "`updates` must be a list", Some(2);
    dependabot_updates_is_a_string: ".github/dependabot.yml", *b"version: 2\nupdates: npm\n", "`updates` must be a list", Some(2);
    dependabot_updates_is_a_mapping: ".github/dependabot.yml", *b"version: 2\nupdates: {a: 1}\n", "`updates` must be a list", Some(2);
    dependabot_update_entry_is_a_number: ".github/dependabot.yml", *b"version: 2\nupdates:\n  - 5\n", "entry must be a mapping", Some(3);
    dependabot_without_updates: ".github/dependabot.yml", *b"version: 2\n", "no `updates:`", Some(1);
    dependabot_is_a_scalar: ".github/dependabot.yml", *b"hello\n", "must be a mapping", Some(1);
    renovate_garbage: "renovate.json", *b"this is { not json", "not valid JSON", Some(1);
    renovate_truncated: "renovate.json", *b"{\n  \"extends\": [\n", "not valid JSON", None;
    renovate_is_a_list: "renovate.json", *b"[\"config:base\"]\n", "must be a JSON object", Some(1);
    renovate_in_github_folder_garbage: ".github/renovate.json", *b"{]", "not valid JSON", Some(1);
    renovaterc_garbage: ".renovaterc", *b"extends: config:base\n", "not valid JSON", Some(1);
    package_json_garbage: "package.json", *b"{\n  \"name\": \"x\",\n  scripts\n}\n", "not valid JSON", Some(3);
    package_json_truncated: "package.json", *b"{\"name\": \"x\"", "not valid JSON", Some(1);
    nested_package_json_garbage: "web/package.json", *b"<html>", "not valid JSON", Some(1);
    composer_json_garbage: "composer.json", *b"{,}", "not valid JSON", Some(1);
    pyproject_unclosed_table: "pyproject.toml", *b"[project\nname = \"x\"\n", "not valid TOML", Some(1);
    pyproject_duplicate_key: "pyproject.toml", *b"[project]\nname = \"a\"\nname = \"b\"\n", "not valid TOML", Some(3);
    cargo_toml_garbage: "Cargo.toml", *b"[package]\nname = \n", "not valid TOML", Some(2);
    job_id_is_a_sequence: WF, *b"on: push\njobs:\n  ? [a, b]\n  : {runs-on: x, steps: [run: echo]}\n", "a job id must be a string", Some(3);
    job_id_is_a_mapping: WF, *b"on: push\njobs:\n  ? {a: 1}\n  : {runs-on: x, steps: [run: echo]}\n", "a job id must be a string", Some(3);
    job_id_is_a_flow_mapping_key: WF, *b"on: push\njobs: {? [x]: {runs-on: x, steps: [run: echo]}}\n", "a job id must be a string", Some(2);
}

#[test]
fn alias_of_a_big_scalar_is_refused_by_bytes() {
    // 1 MiB aliased 10 times: only 11 nodes, but 10 MiB of copies.
    let mut s = format!("on: push\nx: &a {}\ny:\n", "x".repeat(1 << 20));
    for i in 0..10 {
        s += &format!("  k{i}: *a\n");
    }
    s += "jobs: {}\n";
    case(WF, s.as_bytes(), "alias expansion exceeds", None);
}

#[test]
fn alias_of_a_big_mapping_is_refused_by_bytes() {
    let entries: String = (0..2000)
        .map(|i| format!("  key{i}: {}\n", "v".repeat(400)))
        .collect();
    let uses: String = (0..10).map(|i| format!("  c{i}: *m\n")).collect();
    let s = format!("on: push\nm: &m\n{entries}copies:\n{uses}jobs: {{}}\n");
    case(WF, s.as_bytes(), "alias expansion exceeds", None);
}

#[test]
fn github_folder_as_a_link_is_an_error() {
    let dir = TempDir::new().expect("temp dir");
    write(dir.path(), "real/workflows/ci.yml", GOOD.as_bytes());
    std::os::unix::fs::symlink("real", dir.path().join(".github")).expect("symlink");
    // Nothing else can be read: exit 2, with the JSON report and its error.
    let out = Command::cargo_bin("pipewise")
        .expect("binary")
        .arg("audit")
        .arg(dir.path())
        .args(["--format", "json"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("runs");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let errs = errors(&v);
    assert!(
        errs.iter().any(|e| e["file"] == ".github"
            && e["message"].as_str().unwrap_or("").contains("link")),
        "{errs:#?}"
    );
}

#[test]
fn a_script_deeper_than_the_walk_is_still_audited() {
    let deep: String = (0..40).map(|i| format!("d{i}/")).collect();
    let wf = format!(
        "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n    timeout-minutes: 5\n    steps:\n      - run: ./{deep}s.sh\n"
    );
    let script_path = format!("{deep}s.sh");
    let r = repo_with(&[
        (".github/workflows/deep.yml", wf.as_bytes()),
        (&script_path, b"npm test || true\n"),
    ]);
    let v = audit(r.path());
    let f = findings(&v);
    assert!(
        f.iter().any(|f| f["file"] == script_path.as_str()),
        "the deep script was not audited: {f:#?}"
    );
    assert!(
        !f.iter().any(|f| f["rule"] == "reliability/missing-file"),
        "false missing file: {f:#?}"
    );
    assert!(errors(&v)
        .iter()
        .any(|e| e["message"].as_str().unwrap_or("").contains("deeper than")));
    assert!(good_was_audited(&v));
}

#[test]
fn a_garbage_renovate_json_does_not_silence_dependabot_coverage() {
    // A source file makes the repository one read in full: the "no update tool"
    // finding is not made for a copy of the pipeline files alone (issue 14).
    let r = repo_with(&[
        ("renovate.json", b"garbage"),
        ("package.json", b"{\"name\": \"x\"}"),
        ("src/index.js", b"module.exports = 1;\n"),
    ]);
    let v = audit(r.path());
    assert!(
        findings(&v)
            .iter()
            .any(|f| f["rule"] == "security/dependabot-coverage"),
        "{:#?}",
        findings(&v)
    );
    // A Renovate file with comments and a trailing comma is a working configuration.
    let r = repo_with(&[
        (
            "renovate.json",
            b"{\n  // weekly\n  \"extends\": [\"config:base\",],\n}\n",
        ),
        ("package.json", b"{\"name\": \"x\"}"),
    ]);
    let v = audit(r.path());
    assert!(errors(&v).is_empty(), "{:#?}", errors(&v));
    assert!(!findings(&v)
        .iter()
        .any(|f| f["rule"] == "security/dependabot-coverage"));
}

#[test]
fn lone_cr_line_ends_give_real_lines_and_no_blanket_suppression() {
    let body = GOOD.to_string() + "# pipewise: ignore[*]\n";
    let cr = body.replace('\n', "\r");
    let r = repo_with(&[(".github/workflows/cr.yml", cr.as_bytes())]);
    let v = audit(r.path());
    let f: Vec<Value> = findings(&v)
        .into_iter()
        .filter(|f| f["file"] == ".github/workflows/cr.yml")
        .collect();
    let masked = f
        .iter()
        .find(|f| f["rule"] == "reliability/masked-failure")
        .unwrap_or_else(|| panic!("suppressed by the last line: {f:#?}"));
    assert_eq!(masked["line"], GOOD_LINE);
    assert!(good_was_audited(&v));
}

#[test]
fn a_suppression_on_a_cr_line_covers_only_its_neighbour() {
    let body = GOOD.replace(
        "          npm test || echo",
        "          # pipewise: ignore[reliability/masked-failure]\n          npm test || echo",
    );
    let cr = body.replace('\n', "\r");
    let r = repo_with(&[(".github/workflows/cr.yml", cr.as_bytes())]);
    let v = audit(r.path());
    assert!(!findings(&v)
        .iter()
        .any(|f| f["file"] == ".github/workflows/cr.yml"
            && f["rule"] == "reliability/masked-failure"));
    assert!(findings(&v)
        .iter()
        .any(|f| f["file"] == ".github/workflows/cr.yml"
            && f["rule"] != "reliability/masked-failure"));
}

#[test]
fn an_expression_nested_past_the_parser_keeps_its_injection_finding() {
    let depth = 300;
    let expr = format!(
        "{}github.event.issue.title{}",
        "format('{0}', ".repeat(depth),
        ")".repeat(depth)
    );
    let wf = format!(
        "on: issues\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n    timeout-minutes: 5\n    steps:\n      - run: echo \"${{{{ {expr} }}}}\"\n"
    );
    let r = repo_with(&[(".github/workflows/deep.yml", wf.as_bytes())]);
    let v = audit(r.path());
    assert!(
        findings(&v)
            .iter()
            .any(|f| f["file"] == ".github/workflows/deep.yml"
                && f["rule"] == "security/template-injection"),
        "{:#?}",
        findings(&v)
    );
}

#[test]
fn needs_layers_are_linear_not_exponential() {
    // 28 layers of 2 took 15 s and 20 layers of 3 over 100 s before.
    for (layers, width) in [(28, 2), (20, 3), (12, 8)] {
        deploys_once_in_linear_work(&needs_layers(layers, width), layers_size(layers, width));
    }
}

#[test]
fn a_fan_in_of_thousands_of_jobs_ends() {
    let mut s: String = (0..3000).map(|i| format!("  j{i}:\n{JOB_BODY}")).collect();
    let all: Vec<String> = (0..3000).map(|i| format!("j{i}")).collect();
    s += &format!("  deploy:\n    needs: [{}]\n{DEPLOY_BODY}", all.join(", "));
    deploys_once_in_linear_work(&jobs_workflow(&s), 3001 + 3000);
}

#[test]
fn a_needs_chain_of_thousands_of_jobs_ends() {
    let mut s = String::new();
    for i in 0..4000 {
        s += &format!("  j{i}:\n");
        if i > 0 {
            s += &format!("    needs: j{}\n", i - 1);
        }
        s += JOB_BODY;
    }
    s += &format!("  deploy:\n    needs: j3999\n{DEPLOY_BODY}");
    deploys_once_in_linear_work(&jobs_workflow(&s), 4001 + 4000);
}

#[test]
fn a_needs_cycle_ends() {
    let s = format!(
        "  a:\n    needs: [b, deploy]\n{JOB_BODY}  b:\n    needs: a\n{JOB_BODY}  deploy:\n    needs: [a, b, nope]\n{DEPLOY_BODY}"
    );
    // 3 jobs, 5 needs (one of them unknown).
    deploys_once_in_linear_work(&jobs_workflow(&s), 3 + 5);
}

#[test]
fn a_status_job_with_thousands_of_needs_ends() {
    let mut s: String = (0..3000).map(|i| format!("  j{i}:\n{JOB_BODY}")).collect();
    let all: Vec<String> = (0..3000).map(|i| format!("j{i}")).collect();
    s += &format!(
        "  status:\n    needs: [{}]\n    if: always()\n    runs-on: x\n    timeout-minutes: 5\n    steps:\n      - run: test \"${{{{ needs.j0.result }}}}\" = success || exit 1\n",
        all.join(", ")
    );
    let r = repo_with(&[(WF, &jobs_workflow(&s))]);
    let (v, work) = counted_audit(r.path());
    work.linear(
        "needs_edges",
        NEEDS_WORK_PER_JOB_OR_EDGE,
        3001 + 3000 + GOOD_JOBS,
    );
    let f = findings(&v);
    let partial = f
        .iter()
        .find(|f| f["rule"] == "reliability/partial-status-check")
        .unwrap_or_else(|| panic!("{f:#?}"));
    assert!(partial["message"].as_str().unwrap_or("").contains("`j1`"));
}

#[test]
fn many_commands_in_one_run_are_mapped_in_linear_time() {
    let cmds: String = (0..20_000)
        .map(|i| format!("          npm test --shard={i} || true\n"))
        .collect();
    let wf = format!("on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n    timeout-minutes: 5\n    steps:\n      - run: |\n{cmds}");
    let r = repo_with(&[(WF, wf.as_bytes())]);
    let (v, work) = counted_audit(r.path());
    // Each span is mapped from the checkpoint before it, not from the start of the
    // 0.8 MB scalar (which is 1,000 findings times the scalar: 400 times the file).
    work.linear("value_walk", VALUE_WALK_PER_BYTE, wf.len());
    // Spans land on their own lines: the last listed finding is on a late line.
    let lines: Vec<u64> = findings(&v)
        .iter()
        .filter(|f| f["file"] == WF && f["rule"] == "reliability/masked-failure")
        .filter_map(|f| f["line"].as_u64())
        .collect();
    assert_eq!(lines.len(), 1000, "capped at 1,000 per rule and file");
    assert_eq!(lines.iter().max(), Some(&(9 + 1000)));
    assert!(errors(&v).iter().any(|e| e["file"] == WF
        && e["message"]
            .as_str()
            .unwrap_or("")
            .contains("19000 more `reliability/masked-failure`")));
}

#[test]
fn one_line_of_thousands_of_masked_commands_keeps_snippets_small() {
    // Distinct targets: a check that runs again later unmasked is not a gate
    // (masked-failure's runs-again rule), so identical commands would give one finding.
    let line = (0..10_000)
        .map(|i| format!("make check{i} || true"))
        .collect::<Vec<_>>()
        .join("; ");
    let wf = format!("on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n    timeout-minutes: 5\n    steps:\n      - run: {line}\n");
    let r = repo_with(&[(WF, wf.as_bytes())]);
    let (v, work) = counted_audit(r.path());
    work.linear("value_walk", VALUE_WALK_PER_BYTE, wf.len());
    let f = findings(&v);
    let masked: Vec<&Value> = f
        .iter()
        .filter(|f| f["file"] == WF && f["rule"] == "reliability/masked-failure")
        .collect();
    assert!(masked.len() >= 1000, "{}", masked.len());
    for m in masked {
        for part in ["snippet", "context"] {
            let bytes: usize = m[part]
                .as_array()
                .into_iter()
                .flatten()
                .map(|l| l.to_string().len())
                .sum();
            assert!(bytes < 4096, "{part} of {bytes} bytes");
        }
    }
    // Columns still count from the start of the line.
    let cols: Vec<u64> = f
        .iter()
        .filter(|f| f["file"] == WF)
        .filter_map(|f| f["column"].as_u64())
        .collect();
    assert!(cols.iter().any(|&c| c > 1000), "{cols:?}");
}

#[test]
fn a_huge_dockerfile_run_line_is_audited() {
    let cmds: Vec<String> = (0..250_000).map(|i| format!("echo {i}")).collect();
    // An apt install first: the whole line goes through the shell parser (for
    // `container/apt-get-install`), not only the Dockerfile parser.
    let df = format!(
        "FROM alpine:3.19\nRUN apt-get install -y curl && {}\n",
        cmds.join(" && ")
    );
    assert!(df.len() > 3_000_000);
    let r = repo_with(&[("Dockerfile", df.as_bytes())]);
    let (v, work) = counted_audit(r.path());
    // The RUN line goes through the shell parser a few times (one per reader), not
    // once per command or per suffix.
    work.linear("shell_bytes", SHELL_PASSES_PER_BYTE, df.len() + GOOD.len());
    assert!(v["repositories"][0]["files"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|f| f["path"] == "Dockerfile"));
    assert!(good_was_audited(&v));
}

#[test]
fn thousands_of_dockerfile_stages_are_linear() {
    let df: String = (0..20_000)
        .map(|i| {
            if i == 0 {
                "FROM alpine:latest AS s0\nRUN echo 0\n".to_string()
            } else {
                format!("FROM s{} AS s{i}\nRUN echo {i}\n", i - 1)
            }
        })
        .collect();
    let r = repo_with(&[("Dockerfile", df.as_bytes())]);
    let (v, work) = counted_audit(r.path());
    // Stages found by name through an index and instructions by binary search: a
    // scan of the stages or instructions per stage is 20,000 times more.
    work.linear("docker_stages", DOCKER_WORK_PER_STAGE, 20_000);
    // The final stage is built from the first one, 20,000 stages up: its floating tag
    // is still found.
    assert!(findings(&v)
        .iter()
        .any(|f| f["file"] == "Dockerfile" && f["line"] == 1));
}

#[test]
fn a_thousand_small_workflows_are_audited() {
    let dir = repo_with(&[]);
    for i in 0..1000 {
        write(
            dir.path(),
            &format!(".github/workflows/w{i}.yml"),
            format!("name: W{i}\non:\n  workflow_run:\n    workflows: [W{}]\n    types: [completed]\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: npm test || true\n", (i + 1) % 1000).as_bytes(),
        );
    }
    let (v, work) = counted_audit(dir.path());
    // Findings grouped by file once and `workflow_run` names resolved through an
    // index: not every finding (or workflow) read again for each workflow.
    work.linear("workflow_links", WORKFLOW_WORK_PER_WORKFLOW, 1001);
    assert!(
        v["repositories"][0]["files"]
            .as_array()
            .map_or(0, |a| a.len())
            > 1000
    );
    assert!(good_was_audited(&v));
}
