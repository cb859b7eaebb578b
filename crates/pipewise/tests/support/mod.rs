//! Helpers shared by this crate's integration tests (`mod support;`): temporary
//! repositories, copies of fixture trees, the shared corpora, headless Chromium.
#![allow(dead_code)] // each test binary uses some of them

pub mod corpus;

use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A temporary repository with the given files (path, content).
pub fn repo(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new().expect("temp dir");
    for (path, text) in files {
        let p = dir.path().join(path);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(&p, text).expect("write");
    }
    dir
}

/// Copies the files and folders of `from` into `to` (links are not followed).
pub fn copy_dir(from: &Path, to: &Path) {
    for e in fs::read_dir(from).expect("read_dir").flatten() {
        let p = e.path();
        let t = to.join(e.file_name());
        let ft = e.file_type().expect("file type");
        if ft.is_dir() {
            fs::create_dir_all(&t).expect("mkdir");
            copy_dir(&p, &t);
        } else if ft.is_file() {
            fs::copy(&p, &t).expect("copy");
        }
    }
}

/// The folders directly inside `dir`, sorted (none when it cannot be read).
pub fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
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

/// A headless Chromium, or `None` after saying the test is skipped; with
/// `PIPEWISE_REQUIRE_CHROMIUM` set (`.ci/run`), a missing browser fails the test.
pub fn chromium() -> Option<PathBuf> {
    let found = [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("PIPEWISE_REQUIRE_CHROMIUM").is_none(),
            "PIPEWISE_REQUIRE_CHROMIUM is set but chromium is not installed"
        );
        eprintln!("SKIPPED: chromium is not installed (apt-get install -y chromium)");
    }
    found
}
