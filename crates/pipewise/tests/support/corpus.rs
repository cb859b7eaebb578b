//! Where the shared corpora are. Corpus tests are `#[ignore]`d (a fresh clone has no
//! corpus); `.ci/run` runs them with `--ignored` when the corpus is there. Run this
//! way, a test whose corpus is absent fails with this message instead of passing.

use std::path::PathBuf;

/// `$PIPEWISE_SHARED/<name>` (default: `../shared/<name>` next to the workspace, or
/// next to its parent for a worktree), or a panic that says how to provide it.
pub fn corpus(name: &str) -> PathBuf {
    let ws = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let candidates: Vec<PathBuf> = match std::env::var_os("PIPEWISE_SHARED") {
        Some(s) => vec![PathBuf::from(s).join(name)],
        None => vec![
            ws.join("../shared").join(name),
            ws.join("../../shared").join(name),
        ],
    };
    match candidates.iter().find(|p| p.is_dir()) {
        Some(p) => p.clone(),
        None => panic!(
            "corpus `{name}` is absent (looked in {}): set PIPEWISE_SHARED to the directory \
             that holds it, or run without --ignored",
            candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
