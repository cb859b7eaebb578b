//! Test setup only: scripted git repositories built with the `git` command line
//! (pipewise itself never runs git).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Scripted {
    pub dir: tempfile::TempDir,
    /// Seconds since the epoch of the next commit (one day apart).
    pub clock: i64,
}

impl Scripted {
    pub fn new() -> Scripted {
        let dir = tempfile::TempDir::new().expect("tmp");
        let s = Scripted {
            dir,
            clock: 1_700_000_000,
        };
        s.git(&["init", "-q", "-b", "main"]);
        s
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `git` in the repository, isolated from the user's and system's config.
    fn cmd(&self) -> Command {
        let mut c = Command::new("git");
        c.current_dir(self.path())
            .args(["-c", "user.name=Test", "-c", "user.email=t@example.com"])
            .args(["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"])
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.path());
        c
    }

    pub fn git(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path().join(rel)).expect("rm");
    }

    /// Commits everything with this message; returns the commit id.
    pub fn commit(&mut self, message: &str) -> String {
        self.git(&["add", "-A"]);
        let date = format!("@{} +0000", self.clock);
        let out = self
            .cmd()
            .args(["commit", "-q", "--allow-empty", "-m", message])
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .output()
            .expect("git commit");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.clock += 86_400;
        self.git(&["rev-parse", "HEAD"])
    }

    /// A checkout of `rev` in a fresh folder (`git archive`, test setup only).
    pub fn checkout(&self, rev: &str) -> (tempfile::TempDir, PathBuf) {
        checkout_of(self.path(), rev)
    }
}

/// A checkout of `rev` of the repository at `repo` in a fresh folder.
pub fn checkout_of(repo: &Path, rev: &str) -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::TempDir::new().expect("tmp");
    let dest = t.path().join("checkout");
    std::fs::create_dir_all(&dest).expect("mkdir");
    let archive = Command::new("git")
        .current_dir(repo)
        .args(["archive", "--format=tar", rev])
        .output()
        .expect("git archive");
    assert!(
        archive.status.success(),
        "{}",
        String::from_utf8_lossy(&archive.stderr)
    );
    let mut tar = Command::new("tar")
        .current_dir(&dest)
        .args(["-xf", "-"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("tar");
    {
        use std::io::Write;
        tar.stdin
            .take()
            .expect("stdin")
            .write_all(&archive.stdout)
            .expect("write tar");
    }
    assert!(tar.wait().expect("tar waits").success());
    (t, dest)
}

/// The JSON of a repository's report with its root set to `root`.
pub fn json(mut r: pipewise::report::RepoReport, root: &str) -> String {
    r.root = root.to_string();
    pipewise::report::json::render(&pipewise::report::Report::new(
        vec![r],
        pipewise::rules::table(),
    ))
}

/// A workflow (`wf{i}`) that uses a local composite action, calls
/// `scripts/build{i % 3}.sh`, runs a step in `app{i}/`, and masks a failure when
/// `broken`.
pub fn workflow(i: usize, broken: bool) -> String {
    let test = if broken {
        "npm test || true"
    } else {
        "npm test"
    };
    format!(
        "name: wf{i}\non:\n  push:\n    branches: [main]\n  pull_request:\npermissions:\n  contents: read\njobs:\n  build:\n    runs-on: ubuntu-latest\n    timeout-minutes: 20\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n      - uses: ./.github/actions/setup\n      - run: ./scripts/build{}.sh\n      - run: {test}\n      - run: npm run report\n        working-directory: app{i}\n",
        i % 3
    )
}
