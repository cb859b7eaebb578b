//! `reliability/artifact-not-downloaded`: a job uses a file that another job of the
//! workflow builds and uploads as an artifact (`./dist/app`, `target/release/x`), but
//! neither downloads it nor builds it itself: on its fresh runner the file does not
//! exist.

use crate::finding::{Category, Confidence, Severity};
use crate::rules::reliability::complete;
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::shell::Command;
use crate::workflow::{Job, Step, Workflow};

pub struct ArtifactNotDownloaded;

pub static META: RuleMeta = RuleMeta {
    id: "reliability/artifact-not-downloaded",
    title: "Job uses another job's build output without downloading it",
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    category: Category::CiPipeline,
    summary: "A command runs or reads a path (`./dist/app`, `target/release/tool`) under a folder that another job of the workflow uploads with `actions/upload-artifact`, in a job that downloads nothing and, before that command, only checks out the repository, sets up toolchains and runs commands that create no files; the path is not in the repository.",
    impact: "Every job starts on a fresh runner: the other job's build output is not there, so the step fails on every run (or a tolerant tool reads nothing and the check passes without testing the build).",
    doc: r#"
## Why it matters
Files do not travel between jobs. A job that builds `dist/` and uploads it as an
artifact leaves nothing on the runner of the next job: that job must download the
artifact (`actions/download-artifact`), restore it from a cache, or build it again.
Hand-written audits find jobs that run `./dist/app` or test `target/release/tool`
right after `actions/checkout`, relying on an earlier job's build.

pipewise reports it only when, up to the command that uses the path, the job does
nothing that could create it: its steps are `actions/checkout` of this repository,
toolchain set-up actions and commands that create no files (`echo`, `ls`, `chmod`,
`test`, package installs from the OS). Any other action, script, build tool or
`working-directory` keeps it silent, as do self-hosted runners (their workspace can
outlive a job) and paths committed to the repository.

## Bad
```yaml
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make dist
      - uses: actions/upload-artifact@v4
        with:
          name: app
          path: dist/
  smoke:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: ./dist/app --version
```

## Good
```yaml
  smoke:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1
        with:
          name: app
          path: dist/
      - run: chmod +x dist/app && ./dist/app --version
```
"#,
    fix: FixMeta {
        description: "Download the artifact in the job (`actions/download-artifact` with the uploading job's artifact name and path), or build it there.",
        snippet: "- uses: actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1\n  with:\n    name: app\n    path: dist/",
        effort_minutes: 10,
    },
    references: &["https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/storing-and-sharing-data-from-a-workflow"],
};

/// Commands that create no files in the workspace (and read none in a way that
/// matters before the use): running them cannot have made the artifact.
const INERT: &[&str] = &[
    "echo", "printf", "ls", "chmod", "test", "[", "[[", "true", "false", "export", "set", "pwd",
    "sleep", "date", "which", "whoami", "uname", "file", "stat", "apt-get", "apt", "brew", "choco",
];

/// Whether running `c` cannot have created files in the workspace: an [`INERT`]
/// command (or `sudo apt-get …`) with literal words and no output redirect.
fn inert(c: &Command) -> bool {
    let base = match c.base_name() {
        "sudo" => c.args().first().map_or("", |w| w.text.as_str()),
        b => b,
    };
    INERT.contains(&base)
        && !c.words.iter().any(|w| w.dynamic)
        && c.redirects.iter().all(|r| {
            r.op.starts_with('<') || r.target.starts_with("/dev/") || r.target.starts_with('&')
        })
}

/// Commands that read (or run) the files named by their arguments and write none.
const READERS: &[&str] = &[
    "bash",
    "sh",
    "zsh",
    "source",
    ".",
    "node",
    "python",
    "python3",
    "ruby",
    "perl",
    "java",
    "chmod",
    "cat",
    "stat",
    "file",
    "sha256sum",
    "sha1sum",
    "md5sum",
    "ldd",
    "du",
    "head",
    "tail",
    "wc",
];

/// Whether word `i` of `c` is a file the command reads or runs: the command itself,
/// an argument of a [`READERS`] command, or a source (not the last word) of `cp`/`mv`.
fn reads(c: &Command, i: usize) -> bool {
    if i == 0 {
        return true;
    }
    match c.base_name() {
        "cp" | "mv" | "rsync" => i + 1 < c.words.len(),
        b => READERS.contains(&b),
    }
}

/// Actions that create nothing in the workspace but the checked-out repository.
fn inert_action(s: &Step) -> bool {
    let Some(a) = s.action() else { return false };
    if a == "actions/checkout" {
        return s.with_str("repository").is_none() && s.with_str("path").is_none();
    }
    a.starts_with("actions/setup-")
        || a == "dtolnay/rust-toolchain"
        || a == "ruby/setup-ruby"
        || a == "oven-sh/setup-bun"
        || a == "astral-sh/setup-uv"
        || a == "pnpm/action-setup"
}

/// The literal folder (or file) part of an `upload-artifact` path line: up to the
/// first segment with a glob; `None` when nothing literal is left or it is negated.
fn literal_root(line: &str) -> Option<String> {
    let l = line.trim();
    if l.is_empty() || l.starts_with('!') || l.starts_with('/') || l.contains("${{") {
        return None;
    }
    let mut kept = vec![];
    for seg in l.split('/') {
        if seg.contains(['*', '?', '[', '{', '$', '~']) {
            break;
        }
        kept.push(seg);
    }
    let p = crate::repo::normalize(&kept.join("/"));
    (!p.is_empty() && p != "..").then_some(p)
}

/// GitHub-hosted runner labels only: a self-hosted workspace can keep files between
/// jobs.
fn hosted(job: &Job) -> bool {
    let Some(r) = job.get("runs-on") else {
        return false;
    };
    let mut ok = true;
    let mut any = false;
    r.walk(&mut |x| {
        if let Some(s) = x.as_str() {
            let l = s.trim().to_ascii_lowercase();
            any = true;
            ok &= ["ubuntu-", "windows-", "macos-"]
                .iter()
                .any(|p| l.starts_with(p));
        }
    });
    any && ok
}

/// The uploaded path a word names: the word is the root or lies under it.
fn under<'r>(
    word: &str,
    roots: &'r [(usize, String, String)],
    job: usize,
) -> Option<&'r (usize, String, String)> {
    if word.is_empty() || word.starts_with('-') || word.contains(['$', '*', '=', ':']) {
        return None;
    }
    let w = crate::repo::normalize(word);
    roots.iter().find(|(j, root, _)| {
        *j != job
            && (w == *root || w.starts_with(root.as_str()) && w[root.len()..].starts_with('/'))
    })
}

impl Rule for ArtifactNotDownloaded {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        if wf.platform != crate::workflow::Platform::GitHub {
            return;
        }
        // (job index, uploaded root, artifact name) of every literal upload path.
        let mut roots: Vec<(usize, String, String)> = vec![];
        for (ji, job) in wf.jobs.iter().enumerate() {
            for s in &job.steps {
                if s.action() != Some("actions/upload-artifact") {
                    continue;
                }
                let name = s.with_str("name").unwrap_or("artifact").to_string();
                for line in s.with_str("path").unwrap_or("").lines() {
                    if let Some(r) = literal_root(line) {
                        roots.push((ji, r, name.clone()));
                    }
                }
            }
        }
        if roots.is_empty() || !complete(cx.repo) {
            return;
        }
        roots.retain(|(_, r, _)| !cx.repo.exists(r));
        if roots.is_empty() {
            return;
        }
        let wd_default = wf
            .root
            .get("defaults")
            .and_then(|d| d.get("run"))
            .and_then(|r| r.get("working-directory"))
            .is_some();
        for (ji, job) in wf.jobs.iter().enumerate() {
            if job.uses.is_some()
                || !hosted(job)
                || wd_default
                || job
                    .get("defaults")
                    .and_then(|d| d.get("run"))
                    .and_then(|r| r.get("working-directory"))
                    .is_some()
            {
                continue;
            }
            'steps: for s in &job.steps {
                if s.uses.is_some() {
                    if inert_action(s) {
                        continue;
                    }
                    break;
                }
                let Some(run) = &s.run else { break };
                let Some(script) = &run.script else { break };
                if s.get("working-directory").is_some() || script.has_errors {
                    break;
                }
                for c in &script.commands {
                    // `if [ -x dist/app ]; then …`: the job checks for it first.
                    if c.in_condition
                        && c.words.iter().any(|w| under(&w.text, &roots, ji).is_some())
                    {
                        break 'steps;
                    }
                    if c.in_condition || c.in_substitution {
                        continue;
                    }
                    let hit = c.words.iter().enumerate().find_map(|(i, w)| {
                        (!w.dynamic)
                            .then(|| under(&w.text, &roots, ji))
                            .flatten()
                            .map(|r| (i, w, r))
                    });
                    if let Some((i, w, (up, root, name))) = hit {
                        // A command that may write it, or a path in the repository.
                        if !reads(c, i) || cx.repo.exists(&w.text) {
                            break 'steps;
                        }
                        let from = wf.jobs.get(*up).map_or("", |j| j.id);
                        cx.report(
                            &META,
                            wf.path,
                            run.source_span(wf.doc, w.span),
                            format!(
                                "job `{}` uses `{}`, which job `{from}` builds and uploads as artifact `{name}` (`{root}`), but this job neither downloads it nor builds it before this step, so on its fresh runner the file is missing.",
                                job.id, w.text
                            ),
                        )
                        .job(Some(job.id));
                        break 'steps;
                    }
                    if !c.in_condition && !inert(c) {
                        break 'steps;
                    }
                }
            }
        }
    }
}
