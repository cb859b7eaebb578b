//! End-to-end location tests: a finding inside a `run:` script must point at the
//! offending command's exact line and column in the workflow file, whatever scalar
//! style holds the script (literal or folded blocks with chomping and indentation
//! indicators, plain, single- or double-quoted scalars, flow mappings, CRLF files).

mod support;

use pipewise::audit::audit_path;
use pipewise::config::Config;

/// Audits a one-workflow repository and returns (line, column, end line, end column)
/// of every `reliability/masked-failure` finding.
fn masked_at(workflow: &str) -> Vec<(usize, usize, usize, usize)> {
    let dir = support::repo(&[(".github/workflows/ci.yml", workflow)]);
    let report = audit_path(dir.path(), Some(&Config::default())).expect("audits");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    report
        .findings
        .iter()
        .filter(|f| f.rule == "reliability/masked-failure")
        .map(|f| (f.line, f.column, f.end_line, f.end_column))
        .collect()
}

fn workflow(step: &str) -> String {
    format!(
        "name: CI\non: push\npermissions: {{}}\njobs:\n  test:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n{step}"
    )
}

#[test]
fn literal_block() {
    let wf = workflow("      - run: |\n          npm ci\n          npm test || true\n");
    assert_eq!(masked_at(&wf), vec![(11, 11, 11, 27)]);
}

#[test]
fn literal_block_with_strip_chomping_and_indentation_indicator() {
    let wf = workflow("      - run: |-\n          npm ci\n          npm test || true\n");
    assert_eq!(masked_at(&wf), vec![(11, 11, 11, 27)]);
    let wf = workflow("      - run: |2+\n            npm ci\n            npm test || true\n\n");
    // Indentation indicator 2 relative to the step's `run` key indentation (8):
    // content starts at column 11, the extra spaces belong to the script.
    assert_eq!(masked_at(&wf), vec![(11, 13, 11, 29)]);
}

#[test]
fn folded_block() {
    // Folding joins the lines with a space: `npm ci; npm test || true`.
    let wf = workflow("      - run: >\n          npm ci;\n          npm test || true\n");
    assert_eq!(masked_at(&wf), vec![(11, 11, 11, 27)]);
    // A `&&` chain is masked as a whole, so the finding spans both lines.
    let wf = workflow("      - run: >\n          npm ci &&\n          npm test || true\n");
    assert_eq!(masked_at(&wf), vec![(10, 11, 11, 27)]);
}

#[test]
fn plain_and_quoted_scalars() {
    let wf = workflow("      - run: npm test || true\n");
    assert_eq!(masked_at(&wf), vec![(9, 14, 9, 30)]);
    let wf = workflow("      - run: 'npm test || true'\n");
    assert_eq!(masked_at(&wf), vec![(9, 15, 9, 31)]);
    let wf = workflow("      - run: \"npm ci; npm test || true\"\n");
    assert_eq!(masked_at(&wf), vec![(9, 23, 9, 39)]);
}

#[test]
fn double_quoted_with_escapes_before_the_command() {
    // `\t` is two bytes in the file and one in the value: the column must still be right.
    let wf = workflow("      - run: \"echo \\\"a\\tb\\\"; npm test || true\"\n");
    assert_eq!(masked_at(&wf), vec![(9, 30, 9, 46)]);
}

#[test]
fn multi_line_plain_scalar() {
    let wf = workflow("      - run: npm ci;\n          npm test || true\n");
    assert_eq!(masked_at(&wf), vec![(10, 11, 10, 27)]);
}

#[test]
fn crlf_line_endings() {
    let wf = workflow("      - run: |\n          npm ci\n          npm test || true\n")
        .replace('\n', "\r\n");
    assert_eq!(masked_at(&wf), vec![(11, 11, 11, 27)]);
}

#[test]
fn non_ascii_before_the_command_counts_characters() {
    let wf = workflow(
        "      - name: Tëst ✓\n        run: |\n          echo \"héllo ✓\"; npm test || true\n",
    );
    // Columns count characters, not bytes.
    assert_eq!(masked_at(&wf), vec![(11, 27, 11, 43)]);
}
