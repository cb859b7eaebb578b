//! Parser acceptance on the shared corpora: every file GitHub accepts must load
//! without an error (issue 14 item 9). The corpora live outside the repository
//! (`/work/shared/corpus`, `/work/shared/corpus-full`, or `PIPEWISE_SHARED=<dir>`
//! holding both); run with
//! `cargo test -p pipewise --test corpus_parse -- --ignored`.

mod support;

use support::subdirs;

/// Files of the corpora that are not valid, each with the reason; an error on any
/// other file fails the test.
const INVALID: &[(&str, &str)] = &[
    (
        "dagger__dagger/.github/actions/call-ci-alt-runner/action.yml",
        "`\\.` is not a YAML escape in a double-quoted string (PyYAML and zizmor refuse it too)",
    ),
    (
        "novuhq__novu/.github/actions/validate-swagger/action.yml",
        "an empty file is not an action",
    ),
];

#[test]
#[ignore = "reads /work/shared/corpus and corpus-full (or PIPEWISE_SHARED); run with --ignored"]
fn corpora_parse_without_errors() {
    let mut unexpected = vec![];
    let mut audited = 0;
    for corpus in ["corpus", "corpus-full"] {
        for repo in subdirs(&support::corpus::corpus(corpus)) {
            let report = pipewise::audit::audit_path(&repo, None).expect("audit");
            audited += 1;
            let name = repo.file_name().unwrap_or_default().to_string_lossy();
            for e in &report.errors {
                let key = format!("{name}/{}", e.file);
                if !INVALID.iter().any(|(f, _)| *f == key) {
                    unexpected.push(format!("{corpus}/{key}:{}: {}", e.line, e.message));
                }
            }
        }
    }
    assert!(
        audited > 100,
        "only {audited} repositories found in the corpora"
    );
    assert!(
        unexpected.is_empty(),
        "{} errors on valid files:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
}
