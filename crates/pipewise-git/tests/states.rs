//! Whole reports kept per distinct state (`pipewise_git::states`, used by
//! `pipewise history`): a commit whose audit asks the tree the same questions
//! with the same answers as an earlier one's gets that report, byte for byte the
//! report of a fresh audit; any change to what the audit reads (a file's text,
//! a folder's entries, a file that appears, the config) audits it again.

mod support;

use pipewise::reuse::Reuse;
use pipewise_git::states::{audit_commit_kept, States};
use pipewise_git::{audit_commit, GitRepo};
use std::sync::Arc;
use support::{json, workflow, Scripted};

/// The commits, and whether each one's state was seen before (its report kept).
fn scripted() -> (Scripted, Vec<(String, bool)>) {
    let mut s = Scripted::new();
    let mut c = vec![];
    s.write("README.md", "# demo\n");
    s.write(
        "package.json",
        "{\"name\": \"demo\", \"scripts\": {\"test\": \"jest\", \"report\": \"node r.js\"}}\n",
    );
    for i in 0..4 {
        s.write(&format!(".github/workflows/wf{i}.yml"), &workflow(i, false));
    }
    s.write(
        ".github/actions/setup/action.yml",
        "name: setup\nruns:\n  using: composite\n  steps:\n    - run: npm ci\n      shell: bash\n",
    );
    for i in 0..3 {
        s.write(
            &format!("scripts/build{i}.sh"),
            "#!/bin/sh\nset -e\nnpm run build\n",
        );
    }
    s.write("src/a.js", "0\n");
    c.push((s.commit("base"), false));
    s.write(".github/workflows/wf1.yml", &workflow(1, true));
    c.push((s.commit("break wf1"), false));
    s.write("src/a.js", "1\n");
    c.push((
        s.commit("code only: the same questions, the same answers"),
        true,
    ));
    s.write(".github/workflows/wf1.yml", &workflow(1, false));
    c.push((s.commit("fix wf1: the base's state again"), true));
    s.write("app3/README.md", "# app 3\n");
    c.push((s.commit("the folder a step of wf3 runs in appears"), false));
    s.write("src/a.js", "2\n");
    c.push((s.commit("code only again"), true));
    s.write("src/b.js", "2\n");
    c.push((s.commit("a new file: the folder's entries changed"), false));
    s.remove("src/b.js");
    s.remove("app3/README.md");
    c.push((s.commit("back to the base's entries"), true));
    s.write("scripts/build1.sh", "#!/bin/sh\nnpm run build || true\n");
    c.push((s.commit("a called script changes"), false));
    s.write(
        "pipewise.toml",
        "disable = [\"reliability/masked-failure\"]\n",
    );
    c.push((s.commit("a config"), false));
    s.remove("pipewise.toml");
    c.push((s.commit("no config"), true));
    s.write(".github/workflows/wf1.yml", &workflow(1, true));
    s.write("scripts/build1.sh", "#!/bin/sh\nset -e\nnpm run build\n");
    c.push((s.commit("wf1 broken again, the script as it was"), true));
    (s, c)
}

#[test]
fn a_state_seen_before_gets_its_report_and_it_is_the_fresh_audits() {
    let (s, commits) = scripted();
    let git = Arc::new(GitRepo::open(s.path()).expect("opens"));
    let states = States::new();
    let reuse = Reuse::new();
    let mut kept = vec![];
    for (i, (id, _)) in commits.iter().enumerate() {
        let c = git.resolve(id).expect("commit");
        let expected = json(audit_commit(&git, &c, "repo", None, None), "repo");
        let before = states.stats().0;
        let got = json(
            audit_commit_kept(&git, &c, "repo", Some(&reuse), &states),
            "repo",
        );
        assert!(got == expected, "commit {i} differs from a fresh audit");
        kept.push(states.stats().0 > before);
    }
    let want: Vec<bool> = commits.iter().map(|(_, k)| *k).collect();
    assert_eq!(kept, want, "which commits were answered from a kept report");
    // The kept reports differ where the commits do.
    let report = |i: usize| {
        let c = git.resolve(&commits[i].0).expect("commit");
        json(audit_commit(&git, &c, "repo", None, None), "repo")
    };
    assert_ne!(report(0), report(1));
    assert_ne!(report(0), report(9));
}

/// A real history: every commit `pipewise history` audits, answered from kept
/// reports where it can be (in history order, one [`States`]), against fresh
/// audits. This repository by default, or the repository named by
/// `PIPEWISE_REUSE_REPO` (e.g. one made by `scripts/gen-history.py`).
#[test]
#[ignore = "reads a git history with many commits (this repository's, or PIPEWISE_REUSE_REPO); run with --ignored"]
fn a_real_history_answered_from_kept_reports_is_identical_to_fresh_audits() {
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
    let states = States::new();
    let reuse = Reuse::new();
    for p in &h.points {
        let c = git.resolve(&p.commit).expect("commit");
        let got = json(
            audit_commit_kept(&git, &c, "repo", Some(&reuse), &states),
            "repo",
        );
        let expected = json(audit_commit(&git, &c, "repo", None, None), "repo");
        assert!(
            got == expected,
            "commit {} differs from a fresh audit",
            p.commit
        );
    }
    let (kept, audited) = states.stats();
    eprintln!(
        "{} commits: {audited} distinct states audited, {kept} answered from a kept report",
        h.points.len()
    );
}

/// Audits the commits `c` in order with one [`States`] and checks each against a
/// fresh audit; the fresh reports.
fn kept_against_fresh(git: &Arc<GitRepo>, c: &[String], states: &States) -> Vec<String> {
    let reuse = Reuse::new();
    let mut reports = vec![];
    for (i, id) in c.iter().enumerate() {
        let c = git.resolve(id).expect("commit");
        let expected = json(audit_commit(git, &c, "repo", None, None), "repo");
        let got = json(
            audit_commit_kept(git, &c, "repo", Some(&reuse), states),
            "repo",
        );
        assert!(got == expected, "commit {i} differs from a fresh audit");
        reports.push(expected);
    }
    reports
}

/// A folder whose discovery walk was replayed from an earlier commit
/// (`pipewise::tree::WalkMemo`) is still recorded as listed: when its
/// entries change later, the kept report is not given.
#[test]
fn a_folder_replayed_by_discovery_is_still_recorded_as_listed() {
    let wf = workflow(0, false).replace("./.github/actions/setup", "./lib/app3");
    let mut s = Scripted::new();
    let mut c = vec![];
    s.write(".github/workflows/w.yml", &wf);
    s.write("lib/README.md", "# lib\n");
    c.push(s.commit("base"));
    s.write(".github/workflows/other.yml", &workflow(1, false));
    c.push(s.commit("another workflow: lib/ is replayed"));
    s.write(
        "lib/app3/action.yml",
        "name: a\nruns:\n  using: node20\n  main: i.js\n",
    );
    c.push(s.commit("the local action the step uses appears"));
    let git = Arc::new(GitRepo::open(s.path()).expect("opens"));
    let states = States::new();
    let reports = kept_against_fresh(&git, &c, &states);
    assert!(git.walks_replayed() > 0);
    assert_ne!(reports[1], reports[2], "the local action appears");
    assert_eq!(states.stats(), (0, 3));
}

/// A folder replayed by discovery is recorded as listed with every folder
/// below it (one note for the replayed walk): a file that appears two folders
/// down, which nothing but the listing of its folder shows, is not answered
/// from the kept report.
#[test]
fn a_replayed_folder_is_recorded_as_listed_at_every_depth() {
    let mut s = Scripted::new();
    let mut c = vec![];
    s.write(".github/workflows/w.yml", &workflow(0, false));
    s.write("lib/README.md", "# lib\n");
    s.write("lib/deep/README.md", "# deep\n");
    s.write("lib/deep/deeper/x.txt", "x\n");
    c.push(s.commit("base"));
    s.write(".github/workflows/other.yml", &workflow(1, false));
    c.push(s.commit("another workflow: lib/ is replayed"));
    s.write("lib/deep/deeper/Dockerfile", "FROM node:latest\n");
    c.push(s.commit("a Dockerfile appears two folders below lib/"));
    s.write("lib/deep/deeper/y.txt", "y\n");
    c.push(s.commit("and a file no audit loads"));
    let git = Arc::new(GitRepo::open(s.path()).expect("opens"));
    let states = States::new();
    let reports = kept_against_fresh(&git, &c, &states);
    assert!(git.walks_replayed() > 0);
    assert_ne!(reports[1], reports[2], "the Dockerfile appears");
    assert_eq!(states.stats(), (0, 4));
}
