//! Helpers shared by the CLI's integration tests (`mod support;`): temporary
//! repositories, the `pipewise` binary, the workspace.
#![allow(dead_code)] // each test binary uses some of them

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The workspace root (where README.md, action.yml and tests/repos are).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The built `pipewise` binary.
pub fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("pipewise")
}

/// The binary with colour off whatever the caller's environment says.
pub fn pipewise() -> Command {
    let mut c = Command::cargo_bin("pipewise").expect("binary");
    c.env("NO_COLOR", "1").env_remove("CLICOLOR_FORCE");
    c
}

/// Runs `c` and returns its output, failing the test with its stderr unless it
/// exits 0.
pub fn succeeds(c: &mut Command) -> std::process::Output {
    let out = c.output().expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Writes `content` at `path` under `dir`, creating the folders.
pub fn write(dir: &Path, path: &str, content: impl AsRef<[u8]>) {
    let p = dir.join(path);
    fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    fs::write(&p, content).expect("write");
}

/// A temporary repository with the given files (path, content).
pub fn repo<C: AsRef<[u8]>>(files: &[(&str, C)]) -> TempDir {
    let dir = TempDir::new().expect("temp dir");
    for (path, content) in files {
        write(dir.path(), path, content);
    }
    dir
}

const FLEET_CI: &str = "name: CI\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@main\n      - run: npm test || echo failed\n";
const FLEET_DEPLOY: &str = "name: Deploy\non:\n  pull_request_target:\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n      - run: echo \"${{ github.event.pull_request.title }}\"\n";

/// `n` small repositories under `dir`, the i-th named `name(i)`, for sharded
/// audits: a CI workflow in each (a masked failure, an unpinned action), a
/// `pull_request_target` deploy workflow with an injection in every third, a
/// Dockerfile in every fourth and, when `broken`, a workflow that does not parse
/// in every fifth. Returns the names.
pub fn fleet(dir: &Path, n: usize, name: impl Fn(usize) -> String, broken: bool) -> Vec<String> {
    let mut names = vec![];
    for i in 0..n {
        let p = dir.join(name(i));
        fs::create_dir_all(p.join(".github/workflows")).expect("mkdir");
        fs::write(p.join(".github/workflows/ci.yml"), FLEET_CI).expect("write");
        if i % 3 == 0 {
            fs::write(p.join(".github/workflows/deploy.yml"), FLEET_DEPLOY).expect("write");
        }
        if i % 4 == 1 {
            fs::write(p.join("Dockerfile"), "FROM node:latest\nRUN npm ci\n").expect("write");
        }
        if broken && i % 5 == 2 {
            fs::write(p.join(".github/workflows/bad.yml"), "on: [push\n").expect("write");
        }
        names.push(name(i));
    }
    names
}
