//! Per-file findings reused across commits (`pipewise::reuse`, used by
//! `pipewise history`): every commit of a scripted history audited with one
//! shared cache gives exactly the JSON of a fresh audit of that commit, in history
//! order and backwards; a commit that changes one of 30 workflows runs the rules
//! of that one file only.

mod support;

use pipewise::reuse::Reuse;
use pipewise_git::{audit_commit, audit_commit_reusing, GitRepo};
use std::sync::Arc;
use support::{json, workflow, Scripted};

const ACTION_OK: &str =
    "name: setup\nruns:\n  using: composite\n  steps:\n    - run: npm ci\n      shell: bash\n";
const ACTION_BAD: &str = "name: setup\nruns:\n  using: composite\n  steps:\n    - run: curl -sSL https://example.com/i.sh | bash\n      shell: bash\n";
/// Triggered by `wf0`'s name: whether it can run for a fork's pull request depends
/// on `wf0`'s triggers (a rule of this file reads another workflow).
const ON_RUN: &str = "name: after\non:\n  workflow_run:\n    workflows: [wf0]\n    types: [completed]\njobs:\n  report:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.workflow_run.head_sha }}\n      - run: npm ci && npm run report\n";

/// A history that changes, in turn, one workflow, the composite action a
/// workflow uses, a called script, the folder a step runs in (added, then removed), a
/// Dockerfile and the compose file beside it, Dependabot, pipewise's config, and
/// the triggers of a workflow another one names.
fn scripted() -> (Scripted, Vec<String>) {
    let mut s = Scripted::new();
    let mut c = vec![];
    s.write("README.md", "# demo\n");
    s.write(
        "package.json",
        "{\"name\": \"demo\", \"scripts\": {\"test\": \"jest\", \"report\": \"node r.js\"}}\n",
    );
    for i in 0..30 {
        s.write(&format!(".github/workflows/wf{i}.yml"), &workflow(i, false));
    }
    s.write(".github/actions/setup/action.yml", ACTION_OK);
    for i in 0..3 {
        s.write(
            &format!("scripts/build{i}.sh"),
            "#!/bin/sh\nset -e\nnpm run build\n",
        );
    }
    s.write(
        "Dockerfile",
        "FROM node:20.11.1-alpine\nUSER node\nCMD [\"node\", \"i.js\"]\n",
    );
    c.push(s.commit("30 workflows"));
    s.write(".github/workflows/wf7.yml", &workflow(7, true));
    c.push(s.commit("break wf7"));
    s.write("src/a.js", "1\n");
    c.push(s.commit("code only"));
    s.write(".github/actions/setup/action.yml", ACTION_BAD);
    c.push(s.commit("break the action"));
    s.write("scripts/build1.sh", "#!/bin/sh\nnpm run build || true\n");
    c.push(s.commit("break a called script"));
    s.write("app3/README.md", "# app 3\n");
    c.push(s.commit("add the folder a step of wf3 runs in"));
    s.write(
        "docker-compose.yml",
        "services:\n  web:\n    build: .\n    privileged: true\n",
    );
    s.write("Dockerfile", "FROM node:latest\nCMD [\"node\", \"i.js\"]\n");
    c.push(s.commit("compose, and a worse Dockerfile"));
    s.write(".github/dependabot.yml", "version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n    schedule:\n      interval: weekly\n");
    c.push(s.commit("dependabot"));
    s.write(".github/workflows/after.yml", ON_RUN);
    c.push(s.commit("a workflow_run workflow"));
    s.write(
        ".github/workflows/wf0.yml",
        &workflow(0, false).replace("  pull_request:\n", ""),
    );
    c.push(s.commit("wf0 no longer runs on pull requests"));
    s.write(
        "pipewise.toml",
        "disable = [\"reliability/masked-failure\"]\n",
    );
    c.push(s.commit("a config"));
    s.remove("pipewise.toml");
    s.remove("app3/README.md");
    s.write(".github/actions/setup/action.yml", ACTION_OK);
    s.write(".github/workflows/wf7.yml", &workflow(7, false));
    c.push(s.commit("back as it was"));
    (s, c)
}

fn fresh(git: &Arc<GitRepo>, id: &str) -> String {
    let c = git.resolve(id).expect("commit");
    json(audit_commit(git, &c, "repo", None, None), "repo")
}

fn reused(git: &Arc<GitRepo>, id: &str, reuse: &Reuse) -> String {
    let c = git.resolve(id).expect("commit");
    json(
        audit_commit_reusing(git, &c, "repo", None, None, Some(reuse)),
        "repo",
    )
}

fn first_difference(a: &str, b: &str) -> String {
    let n = a
        .lines()
        .zip(b.lines())
        .position(|(x, y)| x != y)
        .unwrap_or(a.lines().count().min(b.lines().count()));
    format!(
        "fresh: {:?}\nreused: {:?}",
        a.lines().nth(n),
        b.lines().nth(n)
    )
}

/// Audits every commit of `c` with `reuse`, in history order then backwards, and
/// checks each against its fresh audit (`expected`).
fn forwards_and_back(git: &Arc<GitRepo>, c: &[String], expected: &[String], reuse: &Reuse) {
    let order: Vec<usize> = (0..c.len()).chain((0..c.len()).rev()).collect();
    for &i in &order {
        let got = reused(git, &c[i], reuse);
        assert!(
            got == expected[i],
            "commit {i}:\n{}",
            first_difference(&expected[i], &got)
        );
    }
}

#[test]
fn reused_audits_are_identical_to_fresh_ones_for_every_commit() {
    let (s, commits) = scripted();
    let git = Arc::new(GitRepo::open(s.path()).expect("opens"));
    let expected: Vec<String> = commits.iter().map(|c| fresh(&git, c)).collect();
    let reuse = Reuse::new();
    // In history order, then backwards, then every other commit: the cache holds
    // entries from any earlier commit.
    let order: Vec<usize> = (0..commits.len())
        .chain((0..commits.len()).rev())
        .chain((0..commits.len()).step_by(2))
        .collect();
    for &i in &order {
        let got = reused(&git, &commits[i], &reuse);
        assert!(
            got == expected[i],
            "commit {i} ({}):\n{}",
            commits[i],
            first_difference(&expected[i], &got)
        );
    }
    let (hits, misses) = reuse.stats();
    // Every workflow uses the composite action, and what a step ships is read through
    // the local actions it uses (`rules::ships`): each of the six passes over a commit
    // that changes `.github/actions/setup/action.yml` re-runs all 30 workflows (180 of
    // the misses). Without those, reuse must still win two to one.
    let action_reruns = 6 * 30;
    assert!(
        hits > 2 * (misses - action_reruns.min(misses)),
        "hits {hits}, misses {misses}"
    );
}

#[test]
fn a_commit_that_changes_one_of_30_workflows_runs_the_rules_of_that_file_only() {
    let (s, commits) = scripted();
    let git = Arc::new(GitRepo::open(s.path()).expect("opens"));
    let reuse = Reuse::new();
    // Items whose rules ran, per commit.
    let mut ran = vec![];
    for c in &commits {
        let before = reuse.stats().1;
        reused(&git, c, &reuse);
        ran.push(reuse.stats().1 - before);
    }
    // 30 workflows, the action, the Dockerfile and package.json.
    assert_eq!(ran[0], 33, "{ran:?}");
    assert_eq!(ran[1], 1, "wf7 only: {ran:?}");
    assert_eq!(ran[2], 0, "a source file nothing read: {ran:?}");
    assert_eq!(ran[4], 33, "a called script is read by every item: {ran:?}");
    assert_eq!(
        ran[5], 1,
        "wf3 only (it asked whether app3/ exists): {ran:?}"
    );
    assert_eq!(
        ran[6], 2,
        "the Dockerfile and the new compose file: {ran:?}"
    );
    // A config that disables a rule: every item, and again when it goes.
    assert_eq!(ran[10], 36, "{ran:?}");
    assert_eq!(ran[11], 36, "{ran:?}");
}

/// A real history: every commit `pipewise history` audits, audited in order with
/// one shared cache, against fresh audits. This repository by default, or the
/// repository named by `PIPEWISE_REUSE_REPO` (e.g. one made by
/// `scripts/gen-history.py`).
#[test]
#[ignore = "reads a git history with many commits (this repository's, or PIPEWISE_REUSE_REPO); run with --ignored"]
fn a_real_history_reused_is_identical_to_fresh_audits() {
    let root = std::env::var_os("PIPEWISE_REUSE_REPO")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."));
    let git = Arc::new(GitRepo::open(&root).expect("a git repository with its history"));
    let h = pipewise_git::history::history(
        &git,
        "HEAD",
        "repo",
        &pipewise_git::history::Options::default(),
    )
    .expect("history");
    let reuse = Reuse::new();
    for p in &h.points {
        let got = reused(&git, &p.commit, &reuse);
        let expected = fresh(&git, &p.commit);
        assert!(
            got == expected,
            "commit {}:\n{}",
            p.commit,
            first_difference(&expected, &got)
        );
    }
    let (hits, misses) = reuse.stats();
    eprintln!(
        "{} commits audited: per-file rules reused {hits} times, run {misses} times",
        h.points.len()
    );
}

/// Discovery's walk of a folder is kept by its path and tree id
/// (`pipewise::tree::WalkMemo`): an unchanged folder is replayed, never one
/// with the same tree id at another path (where its files are other kinds),
/// and never a walk that met the depth limit.
#[test]
fn folder_walks_are_replayed_by_path_and_tree_id() {
    let mut s = Scripted::new();
    let mut c = vec![];
    s.write("README.md", "# demo\n");
    s.write("src/a.js", "0\n");
    s.write("templates/workflows/ci.yml", &workflow(1, true));
    s.write("templates/actions/setup/action.yml", ACTION_BAD);
    s.write("templates/Dockerfile", "FROM node:latest\n");
    c.push(s.commit("templates only"));
    // `.github` gets the tree id `templates` has: a workflow and an action there.
    s.write(".github/workflows/ci.yml", &workflow(1, true));
    s.write(".github/actions/setup/action.yml", ACTION_BAD);
    s.write(".github/Dockerfile", "FROM node:latest\n");
    c.push(s.commit("the same folder as .github"));
    s.write("src/a.js", "1\n");
    c.push(s.commit("code only"));
    let deep: String = (0..40).map(|i| format!("d{i}/")).collect();
    s.write(&format!("{deep}Dockerfile"), "FROM node:latest\n");
    c.push(s.commit("a folder deeper than discovery walks"));
    s.write("src/b.js", "1\n");
    c.push(s.commit("a new file beside it"));
    s.remove("templates/Dockerfile");
    c.push(s.commit("templates changed"));
    let git = Arc::new(GitRepo::open(s.path()).expect("opens"));
    let expected: Vec<String> = c.iter().map(|id| fresh(&git, id)).collect();
    assert_eq!(git.walks_replayed(), 0, "fresh audits walk every folder");
    assert!(expected[1].contains(".github/workflows/ci.yml"));
    assert!(expected[3].contains("deeper than"));
    let reuse = Reuse::new();
    forwards_and_back(&git, &c, &expected, &reuse);
    assert!(git.walks_replayed() > 10, "{}", git.walks_replayed());
}

/// Stack detection is kept across commits (`pipewise::reuse`) only while the
/// paths (a lock file two folders down), the loaded files (a workflow's commands, a manifest) and what it read
/// beyond them (the hooks of `.pre-commit-config.yaml`, which a step runs) are
/// the same.
#[test]
fn stack_detection_is_reused_only_when_what_it_read_is_unchanged() {
    const LINT: &str = "name: lint\non:\n  pull_request:\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - uses: actions/checkout@v4\n      - run: pre-commit run --all-files\n";
    const HOOKS: &str = "repos:\n  - repo: local\n    hooks:\n      - id: tidy\n        entry: ./tidy.sh\n        language: system\n";
    let mut s = Scripted::new();
    let mut c = vec![];
    s.write(
        "package.json",
        "{\"name\": \"demo\", \"dependencies\": {\"express\": \"4.19.2\"}}\n",
    );
    s.write(".github/workflows/lint.yml", LINT);
    s.write(".pre-commit-config.yaml", HOOKS);
    s.write("tsconfig.json", "{}\n");
    s.write("src/a.js", "0\n");
    s.write("web/app/index.js", "0\n");
    c.push(s.commit("base"));
    s.write(
        ".pre-commit-config.yaml",
        &HOOKS.replace("./tidy.sh", "npx tsc --noEmit"),
    );
    c.push(s.commit("a hook that type-checks"));
    s.write("src/a.js", "1\n");
    c.push(s.commit("code only"));
    s.write(
        ".github/workflows/lint.yml",
        &format!("{LINT}      - run: flyctl deploy --remote-only\n"),
    );
    c.push(s.commit("a step deploys to Fly.io"));
    s.write(
        "package.json",
        "{\"name\": \"demo\", \"dependencies\": {\"next\": \"14.2.3\", \"react\": \"18.3.1\"}}\n",
    );
    c.push(s.commit("another framework"));
    s.write("src/b.js", "1\n");
    c.push(s.commit("a new path"));
    // Only the paths say so (a lock file is not loaded), two folders down: the
    // paths' digest from discovery covers the folders below the root.
    s.write("web/app/yarn.lock", "# yarn\n");
    c.push(s.commit("a yarn lock file"));
    let git = Arc::new(GitRepo::open(s.path()).expect("opens"));
    let expected: Vec<String> = c.iter().map(|id| fresh(&git, id)).collect();
    assert_ne!(expected[0], expected[1], "the hook's type check shows");
    assert!(
        expected[3].contains("\"fly.io\""),
        "the deploy target shows"
    );
    assert_ne!(expected[3], expected[4], "the framework shows");
    assert!(
        expected[6].contains("\"yarn\"") && !expected[5].contains("\"yarn\""),
        "the package manager shows"
    );
    let reuse = Reuse::new();
    forwards_and_back(&git, &c, &expected, &reuse);
    // "code only" the first time, and every commit but the last the second time
    // (its detection was kept).
    assert!(
        reuse.detections_reused() >= 6,
        "{}",
        reuse.detections_reused()
    );
}

/// Loaded files (parsed YAML, Dockerfiles, their load errors) are kept by
/// (path, kind, blob id) across the commits of one repository and taken again
/// only for the same path and the same blob: the same text at another path, a
/// changed text at the same path, a file that stops or starts parsing are each
/// loaded anew.
#[test]
fn loaded_files_are_reused_only_for_the_same_path_and_blob() {
    const BAD_YAML: &str = "name: bad\non: [push\njobs: {}\n";
    let mut s = Scripted::new();
    let mut c = vec![];
    s.write("README.md", "# demo\n");
    s.write(".github/workflows/ci.yml", &workflow(1, true));
    s.write(".github/workflows/bad.yml", BAD_YAML);
    s.write("Dockerfile", "FROM node:latest\nCMD [\"node\", \"i.js\"]\n");
    c.push(s.commit("base"));
    // The same blobs at other paths.
    s.write(
        "api/Dockerfile",
        "FROM node:latest\nCMD [\"node\", \"i.js\"]\n",
    );
    s.write(".github/workflows/copy.yml", &workflow(1, true));
    s.write(".github/workflows/bad2.yml", BAD_YAML);
    c.push(s.commit("copies"));
    // Changed text at the same paths.
    s.write(
        "Dockerfile",
        "FROM node:20.11.1-alpine\nUSER node\nCMD [\"node\", \"i.js\"]\n",
    );
    s.write(".github/workflows/ci.yml", &workflow(1, false));
    s.write(".github/workflows/bad.yml", &workflow(2, true));
    c.push(s.commit("fixed and changed"));
    s.write("src/a.js", "1\n");
    c.push(s.commit("code only"));
    s.write("Dockerfile", "FROM node:latest\nCMD [\"node\", \"i.js\"]\n");
    s.write(".github/workflows/bad.yml", BAD_YAML);
    s.remove("api/Dockerfile");
    c.push(s.commit("back"));
    let git = Arc::new(GitRepo::open(s.path()).expect("opens"));
    let expected: Vec<String> = c.iter().map(|id| fresh(&git, id)).collect();
    assert_eq!(git.files_reused(), 0, "fresh audits load every file");
    assert!(expected[1].contains("api/Dockerfile"));
    assert!(expected[1].contains("bad2.yml"));
    assert_ne!(expected[0], expected[2]);
    let reuse = Reuse::new();
    forwards_and_back(&git, &c, &expected, &reuse);
    assert!(git.files_reused() > 10, "{}", git.files_reused());
}
