//! `pipewise fix` end to end: --diff changes nothing, a run writes the fixes, a
//! second run has nothing left to do, --unsafe gates unsafe fixes, exit codes.

mod support;

use std::fs;
use support::pipewise;

const WF: &str = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest # keep\n    steps:\n      - uses: actions/checkout@v4.2.2\n      - run: npm test || true\n";

fn repo() -> tempfile::TempDir {
    support::repo(&[(".github/workflows/ci.yml", WF)])
}

#[test]
fn diff_prints_and_changes_nothing() {
    let dir = repo();
    let out = pipewise()
        .args(["fix", "--diff", "--fail-on", "none"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(diff.contains("--- a/.github/workflows/ci.yml"), "{diff}");
    assert!(
        diff.contains("+          persist-credentials: false"),
        "{diff}"
    );
    assert!(
        diff.contains(
            "+      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2"
        ),
        "{diff}"
    );
    // `|| true` removal is unsafe: not without --unsafe.
    assert!(!diff.contains("-      - run: npm test || true"), "{diff}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("needs --unsafe"), "{stderr}");
    assert_eq!(
        fs::read_to_string(dir.path().join(".github/workflows/ci.yml")).expect("read"),
        WF
    );
}

#[test]
fn fixes_in_place_then_nothing_is_left() {
    let dir = repo();
    let first = pipewise()
        .args(["fix", "--unsafe", "--fail-on", "none"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(first.status.success());
    let text = fs::read_to_string(dir.path().join(".github/workflows/ci.yml")).expect("read");
    assert!(text.contains("runs-on: ubuntu-latest # keep\n"), "{text}");
    assert!(text.contains("      - run: npm test\n"), "{text}");
    assert!(text.contains("persist-credentials: false"), "{text}");
    let second = pipewise()
        .args(["fix", "--unsafe", "--diff", "--fail-on", "none"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(
        second.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&second.stdout)
    );
}

#[test]
fn exit_codes_follow_audit() {
    let dir = repo();
    // The masked test failure (high) remains without --unsafe: exit 1.
    pipewise()
        .args(["fix", "--diff"])
        .arg(dir.path())
        .assert()
        .code(1);
    pipewise()
        .args(["fix", "--rule", "no/such-rule"])
        .arg(dir.path())
        .assert()
        .code(2);
    pipewise()
        .args(["fix", "--rule", "reliability/missing-file"])
        .arg(dir.path())
        .assert()
        .code(2);
}
