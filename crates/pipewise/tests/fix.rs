//! `pipewise fix`: byte-preserving edits proven by re-auditing. Fixtures with CRLF
//! files, comments next to the edited keys, anchors and aliases, flow mappings,
//! non-ASCII text and tabs in scripts; the score of every `tests/repos/*` repository
//! goes up; and (ignored without the shared corpora) every fix on every workflow of
//! `corpus/` and `corpus-full/`.

mod support;

use pipewise::config::Config;
use pipewise::finding::Severity;
use pipewise::fix::{self, apply_edits, FixOptions, FixRun, Outcome};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use support::{copy_dir, repo, subdirs};

fn run(dir: &Path, rules: &[&str], allow_unsafe: bool) -> FixRun {
    let opts = FixOptions {
        rules: rules.iter().map(|s| s.to_string()).collect(),
        min_severity: Severity::Info,
        allow_unsafe,
        resolver: None,
        only: None,
    };
    fix::fix_path(dir, Some(&Config::default()), &opts).expect("fix runs")
}

fn write_back(run: &FixRun) {
    for c in &run.changed {
        std::fs::write(run.root.join(&c.path), &c.after).expect("write");
    }
}

/// Fixes, writes, and checks that a second run changes nothing.
fn fixed(files: &[(&str, &str)], rules: &[&str], allow_unsafe: bool) -> BTreeMap<String, String> {
    let dir = repo(files);
    let first = run(dir.path(), rules, allow_unsafe);
    write_back(&first);
    let second = run(dir.path(), rules, allow_unsafe);
    assert!(
        second.changed.is_empty(),
        "a second run changed {:?}",
        second.changed.iter().map(|c| &c.path).collect::<Vec<_>>()
    );
    first
        .changed
        .iter()
        .map(|c| (c.path.clone(), c.after.clone()))
        .collect()
}

const WF: &str = ".github/workflows/ci.yml";

#[test]
fn crlf_comments_and_non_ascii_survive() {
    let src = "name: CI # intégration\r\non: push\r\njobs:\r\n  build:\r\n    runs-on: ubuntu-latest # runner\r\n    steps:\r\n      # checkout first — always\r\n      - uses: actions/checkout@v4.2.2 # the repo\r\n      - run: echo \"héllo\"\r\n";
    let out = fixed(
        &[(WF, src)],
        &["security/persisted-credentials", "security/unpinned-action"],
        false,
    );
    let got = &out[WF];
    assert_eq!(
        got,
        "name: CI # intégration\r\non: push\r\njobs:\r\n  build:\r\n    runs-on: ubuntu-latest # runner\r\n    steps:\r\n      # checkout first — always\r\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2 # the repo\r\n        with:\r\n          persist-credentials: false\r\n      - run: echo \"héllo\"\r\n"
    );
    assert!(
        !got.replace("\r\n", "").contains('\n'),
        "a bare LF was written"
    );
}

#[test]
fn flow_mappings_get_a_flow_entry() {
    let src = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4.2.2\n        with: {fetch-depth: 0}   # shallow is not enough\n";
    let out = fixed(&[(WF, src)], &["security/persisted-credentials"], false);
    assert_eq!(
        out[WF],
        src.replace(
            "{fetch-depth: 0}",
            "{fetch-depth: 0, persist-credentials: false}"
        )
    );
}

#[test]
fn anchored_and_aliased_nodes_are_not_edited_through() {
    // Editing the anchored `with:` would change every alias of it.
    let src = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4.2.2\n        with: &co\n          fetch-depth: 0\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4.2.2\n        with: *co\n";
    let dir = repo(&[(WF, src)]);
    let r = run(dir.path(), &["security/persisted-credentials"], true);
    assert!(r.changed.is_empty(), "{}", r.diff());
    assert!(r
        .records
        .iter()
        .all(|rec| rec.outcome == Outcome::NotApplicable));
}

#[test]
fn tabs_in_scripts_and_comments_after_the_fallback_survive() {
    let src = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    steps:\n      - name: Tests\n        run: |\n          make build\t# tab before comment\n          npm test || true   # tolerated for now\n";
    let out = fixed(&[(WF, src)], &["reliability/masked-failure"], true);
    assert_eq!(out[WF], src.replace("npm test || true   #", "npm test   #"));
}

#[test]
fn unsafe_fixes_wait_for_the_flag_and_diff_mode_writes_nothing() {
    let src = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n        continue-on-error: true\n";
    let dir = repo(&[(WF, src)]);
    let safe_only = run(dir.path(), &["reliability/continue-on-error-gate"], false);
    assert!(safe_only.changed.is_empty());
    assert!(safe_only
        .records
        .iter()
        .any(|r| r.outcome == Outcome::NeedsUnsafe));
    let with_unsafe = run(dir.path(), &["reliability/continue-on-error-gate"], true);
    assert_eq!(with_unsafe.applied(), 1);
    let diff = with_unsafe.diff();
    assert!(
        diff.contains("-        continue-on-error: true\n"),
        "{diff}"
    );
    // fix_path never writes: the file is as it was.
    assert_eq!(
        std::fs::read_to_string(dir.path().join(WF)).expect("read"),
        src
    );
}

#[test]
fn dockerfile_flags_and_user() {
    let df = "FROM node:20-slim\nRUN apt-get update && apt-get install -y curl \\\n    && rm -rf /var/lib/apt/lists/*\nCOPY . /app\nCMD [\"node\", \"/app/index.js\"]\n";
    let out = fixed(
        &[("Dockerfile", df)],
        &["container/apt-get-install", "container/root-user"],
        true,
    );
    assert_eq!(
        out["Dockerfile"],
        "FROM node:20-slim\nRUN apt-get update && apt-get install --no-install-recommends -y curl \\\n    && rm -rf /var/lib/apt/lists/*\nCOPY . /app\nUSER node\nCMD [\"node\", \"/app/index.js\"]\n"
    );
}

#[test]
fn pin_comments_agree_with_the_sha() {
    // `v4` is a moving tag: pinned to the commit the table has for it, commented
    // with the most specific tag at that commit, and only with --unsafe.
    let src = "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/setup-go@v5\n";
    let out = fixed(&[(WF, src)], &["security/unpinned-action"], true);
    let line = out[WF]
        .lines()
        .find(|l| l.contains("setup-go@"))
        .expect("uses line");
    let (_, rest) = line.split_once('@').expect("@");
    let (sha, comment) = rest.split_once(" # ").expect("comment");
    assert!(
        pipewise::github::action_shas::tags_for_sha("actions/setup-go", sha).contains(&comment)
    );
    assert_eq!(
        pipewise::github::action_shas::known_sha("actions/setup-go", "v5"),
        Some(sha)
    );
    // Unknown actions are left alone (no SHA can be verified offline).
    let src2 = "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: nobody-knows/this-action@v1\n";
    let dir = repo(&[(WF, src2)]);
    assert!(run(dir.path(), &["security/unpinned-action"], true)
        .changed
        .is_empty());
}

#[test]
fn template_injection_moves_to_env_and_quotes() {
    let src = "on: issues\njobs:\n  greet:\n    runs-on: ubuntu-latest\n    steps:\n      - name: Greet # say hi\n        run: |\n          echo \"Thanks for: ${{ github.event.issue.title }}\"\n          ./notify.sh ${{ github.event.issue.title }}\n";
    let out = fixed(&[(WF, src)], &["security/template-injection"], true);
    assert_eq!(
        out[WF],
        "on: issues\njobs:\n  greet:\n    runs-on: ubuntu-latest\n    steps:\n      - name: Greet # say hi\n        env:\n          ISSUE_TITLE: ${{ github.event.issue.title }}\n        run: |\n          echo \"Thanks for: ${ISSUE_TITLE}\"\n          ./notify.sh \"${ISSUE_TITLE}\"\n"
    );
    // Inside single quotes the variable would not expand: left alone.
    let single = "on: issues\njobs:\n  greet:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo '${{ github.event.issue.title }}'\n";
    let dir = repo(&[(WF, single)]);
    assert!(run(dir.path(), &["security/template-injection"], true)
        .changed
        .is_empty());
}

/// A step without a name is labelled by its script's first line; a plain script on
/// the `- run: ` line is fixed one expression at a time, and the step's other
/// findings must be matched under the edited label (not under the source line with
/// its `- run: ` prefix, which rolled every such fix back).
#[test]
fn template_injection_on_an_unnamed_run_line_is_not_rolled_back() {
    let src = "on: pull_request_target\njobs:\n  greet:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./notify.sh \"${{ github.event.pull_request.title }}\" ${{ github.head_ref }} # two inputs\n      - run: echo ${{ github.event.pull_request.body }}\n";
    let dir = repo(&[(WF, src)]);
    let r = run(dir.path(), &["security/template-injection"], true);
    let rolled: Vec<_> = r
        .records
        .iter()
        .filter(|x| matches!(x.outcome, Outcome::RolledBack(_)))
        .collect();
    assert!(rolled.is_empty(), "{rolled:#?}");
    assert_eq!(r.applied(), 3, "{:#?}", r.records);
    assert_eq!(
        r.changed[0].after,
        "on: pull_request_target\njobs:\n  greet:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./notify.sh \"${PULL_REQUEST_TITLE}\" \"${HEAD_REF}\" # two inputs\n        env:\n          PULL_REQUEST_TITLE: ${{ github.event.pull_request.title }}\n          HEAD_REF: ${{ github.head_ref }}\n      - run: echo \"${PULL_REQUEST_BODY}\"\n        env:\n          PULL_REQUEST_BODY: ${{ github.event.pull_request.body }}\n"
    );
    assert!(r
        .after
        .findings
        .iter()
        .all(|f| f.rule != "security/template-injection"));
}

#[test]
fn toolchain_follows_the_pin_file() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo-repo");
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_dir(&demo, tmp.path());
    let r = run(tmp.path(), &["reliability/toolchain-drift"], true);
    let diff = r.diff();
    assert!(
        diff.contains("-          node-version: 18\n+          node-version-file: .nvmrc\n"),
        "{diff}"
    );
    assert!(r
        .after
        .findings
        .iter()
        .all(|f| f.rule != "reliability/toolchain-drift"));
}

/// Every fix has the safety `rules::AUTO_FIX` declares for its rule (the reports'
/// bulk-fix command adds `--unsafe` from it).
fn declared_safety(r: &FixRun) {
    use pipewise::rules::{auto_fix, AutoFix};
    for x in &r.records {
        let Some(s) = x.safety else { continue };
        let declared = auto_fix(&x.rule);
        let ok = match declared {
            Some(AutoFix::Mixed) => true,
            Some(AutoFix::Safe) => s == fix::Safety::Safe,
            Some(AutoFix::Unsafe) => s == fix::Safety::Unsafe,
            None => false,
        };
        assert!(
            ok,
            "{}:{}: {} fix is {s:?}, declared {declared:?}",
            x.file, x.line, x.rule
        );
    }
}

#[test]
fn fixing_each_test_repository_raises_its_score() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/repos");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/repos")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 5);
    for d in dirs {
        let tmp = tempfile::tempdir().expect("tempdir");
        copy_dir(&d, tmp.path());
        let r = run(tmp.path(), &[], true);
        declared_safety(&r);
        let name = d
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        if r.applied() == 0 {
            // Only a repository with nothing left to fix may keep its score.
            assert!(
                r.records.iter().all(|x| x.outcome != Outcome::Applied),
                "{name}"
            );
            eprintln!("{name}: nothing to fix ({})", r.before.scores.overall);
            continue;
        }
        eprintln!(
            "{name}: {} -> {} ({} fixes)",
            r.before.scores.overall,
            r.after.scores.overall,
            r.applied()
        );
        assert!(
            r.after.scores.overall > r.before.scores.overall,
            "{name}: {} -> {}",
            r.before.scores.overall,
            r.after.scores.overall
        );
    }
}

/// Every fix on every repository of the corpora: the fixed files load, each applied
/// fix removed its finding and added none (checked again here from disk, on a copy),
/// replaying the recorded edits on the original bytes gives the fixed bytes (the
/// diff is confined to the fixes' spans), and a second run changes nothing.
#[test]
#[ignore = "reads /work/shared/corpus and corpus-full (or PIPEWISE_SHARED); run with --ignored"]
fn every_fix_on_the_corpora() {
    let mut tally: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut repos = 0;
    let mut failures = vec![];
    for corpus in ["corpus", "corpus-full"] {
        for d in subdirs(&support::corpus::corpus(corpus)) {
            repos += 1;
            let tmp = tempfile::tempdir().expect("tempdir");
            copy_dir(&d, tmp.path());
            let r = run(tmp.path(), &[], true);
            declared_safety(&r);
            let name = format!(
                "{corpus}/{}",
                d.file_name().and_then(|n| n.to_str()).unwrap_or("?")
            );
            for rec in &r.records {
                let outcome = match &rec.outcome {
                    Outcome::Applied => "applied",
                    Outcome::RolledBack(_) => "rolled back",
                    Outcome::NeedsUnsafe => "needs --unsafe",
                    Outcome::NotApplicable => "not applicable",
                };
                *tally
                    .entry((rec.rule.clone(), outcome.to_string()))
                    .or_insert(0) += 1;
                if std::env::var_os("PIPEWISE_FIX_VERBOSE").is_some() {
                    if let Outcome::RolledBack(why) = &rec.outcome {
                        eprintln!("{name}: {}:{} {}: {why}", rec.file, rec.line, rec.rule);
                    }
                }
            }
            // Replay: the applied edits, in order, turn the original bytes into the
            // fixed bytes, so nothing outside their spans changed.
            let mut texts: BTreeMap<String, String> = r
                .changed
                .iter()
                .map(|c| (c.path.clone(), c.before.clone()))
                .collect();
            // Fixes kept together in one batch were planned on the same text.
            let mut batches: BTreeMap<usize, Vec<&fix::FixRecord>> = BTreeMap::new();
            for rec in r.records.iter().filter(|x| x.outcome == Outcome::Applied) {
                batches.entry(rec.batch).or_default().push(rec);
            }
            for recs in batches.values() {
                let mut by_file: BTreeMap<&str, Vec<&fix::Edit>> = BTreeMap::new();
                for (f, e) in recs.iter().flat_map(|rec| rec.edits.iter()) {
                    by_file.entry(f).or_default().push(e);
                }
                for (f, edits) in by_file {
                    let Some(t) = texts.get(f) else {
                        failures.push(format!("{name}: {f} edited but not changed"));
                        continue;
                    };
                    match apply_edits(t, &edits) {
                        Some(n) => {
                            texts.insert(f.to_string(), n);
                        }
                        None => failures.push(format!("{name}: {f}: edits do not replay")),
                    }
                }
            }
            for c in &r.changed {
                if texts.get(&c.path) != Some(&c.after) {
                    failures.push(format!(
                        "{name}: {}: bytes outside the fixes changed",
                        c.path
                    ));
                }
                if c.before.contains("\r\n") != c.after.contains("\r\n")
                    || (c.before.contains("\r\n") && c.after.replace("\r\n", "").contains('\n'))
                {
                    failures.push(format!("{name}: {}: line endings changed", c.path));
                }
            }
            // From disk: the fixed repository loads, the fixed findings are gone and
            // a second run changes nothing.
            write_back(&r);
            let again = run(tmp.path(), &[], true);
            let new_errors: Vec<_> = again
                .before
                .errors
                .iter()
                // By file and message: an inserted line moves the errors below it.
                .filter(|e| {
                    !r.before
                        .errors
                        .iter()
                        .any(|b| b.file == e.file && b.message == e.message)
                })
                .collect();
            if !new_errors.is_empty() {
                failures.push(format!("{name}: fixed files do not load: {new_errors:?}"));
            }
            // Each applied fix removed at least its finding and added none.
            if again.before.findings.len() + r.applied() > r.before.findings.len() {
                failures.push(format!(
                    "{name}: {} findings before, {} fixes applied, {} findings after",
                    r.before.findings.len(),
                    r.applied(),
                    again.before.findings.len()
                ));
            }
            if !again.changed.is_empty() {
                failures.push(format!(
                    "{name}: a second run changed {:?}",
                    again.changed.iter().map(|c| &c.path).collect::<Vec<_>>()
                ));
            }
        }
    }
    eprintln!("{repos} repositories");
    for ((rule, outcome), n) in &tally {
        eprintln!("| `{rule}` | {outcome} | {n} |");
    }
    assert!(repos >= 100, "{repos} repositories");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const LOCK: &str = ".github/workflows/actions.lock";
const CHECKOUT_422: &str = "11bd71901bbe5b1630ceea73d27597364c9af683";

fn lock_with(item: &str, dep: &str) -> String {
    format!("# This file is machine-generated by `gh actions-lock`.\nversion: 'v0.0.2'\nworkflows:\n    '.github/workflows/ci.yml':\n        - '{item}'\ndependencies:\n    '{item}':\n{dep}")
}

const CHECKOUT_410_DEP: &str = "        ref: 'v4.1.0'\n        commit: 'sha1-8ade135a41bc03ea155e62e844d188df1ea18608'\n        owner_id: 44036562\n        repo_id: 197814629\n";

/// A workflow onboarded to `actions.lock` whose checkout was bumped without the
/// lock: `reliability/unlocked-action` fires, and its fix records the new ref in
/// the lock (the old one, no longer used, is replaced and its entry dropped).
#[test]
fn an_unlocked_action_is_recorded_in_the_lock() {
    let wf = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4.2.2 # bumped\n";
    let lock = lock_with("actions/checkout@v4.1.0", CHECKOUT_410_DEP);
    let dir = repo(&[(WF, wf), (LOCK, &lock)]);
    let r = run(dir.path(), &["reliability/unlocked-action"], true);
    let before: Vec<_> = r
        .before
        .findings
        .iter()
        .filter(|f| f.rule == "reliability/unlocked-action")
        .map(|f| f.message.clone())
        .collect();
    assert_eq!(before.len(), 1, "{before:?}");
    assert!(before[0].contains("locked at `v4.1.0`"), "{before:?}");
    assert_eq!(r.applied(), 1, "{:#?}", r.records);
    assert_eq!(r.changed.len(), 1);
    assert_eq!(r.changed[0].path, LOCK);
    assert_eq!(
        r.changed[0].after,
        format!("# This file is machine-generated by `gh actions-lock`.\nversion: 'v0.0.2'\nworkflows:\n    '.github/workflows/ci.yml':\n        - 'actions/checkout@v4.2.2'\ndependencies:\n    'actions/checkout@v4.2.2':\n        ref: 'v4.2.2'\n        commit: 'sha1-{CHECKOUT_422}'\n        owner_id: 44036562\n        repo_id: 197814629\n")
    );
    // Locked now: neither the lock rule nor the pin rule reports the step.
    assert!(r
        .after
        .findings
        .iter()
        .all(|f| f.rule != "reliability/unlocked-action" && f.rule != "security/unpinned-action"));
    write_back(&r);
    assert!(run(dir.path(), &["reliability/unlocked-action"], true)
        .changed
        .is_empty());
}

/// Pinning an action of an onboarded workflow updates the lock in the same fix:
/// the list names the pinned reference and `dependencies` records its commit.
#[test]
fn pinning_an_onboarded_workflow_updates_its_lock() {
    let wf = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4.2.2\n        with:\n          persist-credentials: false\n";
    // Listed under another ref: the pin rule fires (the lock does not pin v4.2.2).
    let lock = lock_with("actions/checkout@v4.1.0", CHECKOUT_410_DEP);
    let out = fixed(
        &[(WF, wf), (LOCK, &lock)],
        &["security/unpinned-action"],
        false,
    );
    assert_eq!(
        out[WF],
        wf.replace(
            "actions/checkout@v4.2.2\n",
            &format!("actions/checkout@{CHECKOUT_422} # v4.2.2\n")
        )
    );
    assert!(
        out[LOCK].contains(&format!("    '.github/workflows/ci.yml':\n        - 'actions/checkout@v4.1.0'\n        - 'actions/checkout@{CHECKOUT_422}'\n")),
        "{}",
        out[LOCK]
    );
    assert!(
        out[LOCK].contains(&format!("    'actions/checkout@{CHECKOUT_422}':\n        ref: 'v4.2.2'\n        commit: 'sha1-{CHECKOUT_422}'\n        owner_id: 44036562\n        repo_id: 197814629\n")),
        "{}",
        out[LOCK]
    );
}

/// A `read` prompt in a script a step calls is wrapped in a CI guard (the script is
/// edited, the workflow is not); likewise in a literal `run: |` block.
#[test]
fn prompts_get_a_ci_guard_in_called_scripts_and_run_blocks() {
    let wf = "on: workflow_dispatch\njobs:\n  rollback:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    steps:\n      - name: Roll back\n        run: ./scripts/rollback.sh\n      - run: |\n          echo \"about to tag\"\n          read -r -p \"Tag? \" answer\n          echo \"$answer\"\n";
    let script = "#!/usr/bin/env bash\n# Rolls back — carefully\nset -u\n\tread -p \"Continue with rollback? (yes/no): \" -r\nkubectl rollout undo deployment/web\n";
    let out = fixed(
        &[(WF, wf), ("scripts/rollback.sh", script)],
        &["reliability/interactive-command"],
        true,
    );
    assert_eq!(
        out["scripts/rollback.sh"],
        "#!/usr/bin/env bash\n# Rolls back — carefully\nset -u\n\tif [ \"${CI:-}\" != true ]; then\n\t\tread -p \"Continue with rollback? (yes/no): \" -r\n\tfi\nkubectl rollout undo deployment/web\n"
    );
    assert_eq!(
        out[WF],
        wf.replace(
            "          read -r -p \"Tag? \" answer\n",
            "          if [ \"${CI:-}\" != true ]; then\n            read -r -p \"Tag? \" answer\n          fi\n"
        )
    );
}

/// The timeout fixer reads what a job ships as the audit does: through the scripts
/// of the repository it runs (`./scripts/go.sh` that runs `npm publish` → the
/// publishing minutes), not the step's own commands only; a script that only lints
/// (`npm run lint`) keeps the generic minutes.
#[test]
fn timeout_minutes_follow_what_the_called_script_ships() {
    let src = "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./scripts/go.sh\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./scripts/b.sh\n";
    let out = fixed(
        &[
            (WF, src),
            ("scripts/go.sh", "#!/bin/sh\nset -e\nnpm ci\nnpm publish\n"),
            ("scripts/b.sh", "#!/bin/sh\nset -e\nnpm ci\nnpm run lint\n"),
        ],
        &["reliability/missing-timeout"],
        true,
    );
    let got = &out[WF];
    assert!(
        got.contains("  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: 60\n"),
        "{got}"
    );
    assert!(
        got.contains("  b:\n    runs-on: ubuntu-latest\n    timeout-minutes: 15\n"),
        "{got}"
    );
}
