//! Parser acceptance on the shared corpora: every file GitHub accepts must load
//! without an error (issue 14 item 9). The corpora live outside the repository
//! (`/work/shared/corpus`, `/work/shared/corpus-full`, or `PIPEWISE_SHARED=<dir>`
//! holding both); run with
//! `cargo test -p pipewise --test corpus_parse -- --ignored`.

use std::path::{Path, PathBuf};

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

fn shared() -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut candidates: Vec<PathBuf> = std::env::var_os("PIPEWISE_SHARED")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    candidates.push(PathBuf::from("/work/shared"));
    candidates.extend(manifest.ancestors().skip(1).map(|a| a.join("shared")));
    candidates.into_iter().find(|c| c.join("corpus").is_dir())
}

fn repos(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
#[ignore = "reads /work/shared/corpus and corpus-full (or PIPEWISE_SHARED); run with --ignored"]
fn corpora_parse_without_errors() {
    let Some(shared) = shared() else {
        panic!("the shared corpora are absent: set PIPEWISE_SHARED to the directory holding corpus/ and corpus-full/");
    };
    let mut unexpected = vec![];
    let mut audited = 0;
    for corpus in ["corpus", "corpus-full"] {
        for repo in repos(&shared.join(corpus)) {
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
        "only {audited} repositories found under {shared:?}"
    );
    assert!(
        unexpected.is_empty(),
        "{} errors on valid files:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
}
