//! `pipewise history` against its baselines (docs/performance.md), interleaved,
//! the median of `RUNS` rounds:
//!
//! - **history**: `history` of the repository from `HEAD` (per-file findings
//!   reused across commits);
//! - **states once**: auditing once each commit the history audits (each distinct
//!   state of the CI/CD files; `audit --rev` in-process, one opened repository
//!   shared so it has the same object caches), without reuse;
//! - **file versions once**: auditing once each distinct CI/CD file version (path
//!   and text) those commits hold: version k of every path is written into the
//!   k-th of a few folders (before timing), and each folder is audited once from
//!   disk, so every distinct version is audited exactly once.
//!
//!     cargo run --release -p pipewise-git --example history_bench -- REPO [RUNS]

use pipewise::tree::Tree;
use pipewise_git::history::{history, Options};
use pipewise_git::{audit_commit, audit_commit_reusing, GitRepo};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Writes every distinct (path, text) of the audited files of `commits` into
/// layer folders under `dir`; returns the folders, the number of distinct
/// versions and the number of files the commits' audits read in all.
fn layers(
    git: &Arc<GitRepo>,
    commits: &[gix::ObjectId],
    dir: &std::path::Path,
) -> Result<(Vec<std::path::PathBuf>, usize, usize), String> {
    let mut versions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut files = 0;
    for id in commits {
        let c = git.commit(*id)?;
        let r = audit_commit(git, &c, "repo", None, None);
        let tree = git.tree(&c);
        for f in &r.files {
            files += 1;
            let Ok(text) = tree.read(&f.path) else {
                continue;
            };
            if seen.insert((f.path.clone(), text.clone())) {
                versions.entry(f.path.clone()).or_default().push(text);
            }
        }
    }
    let depth = versions.values().map(Vec::len).max().unwrap_or(0);
    let mut dirs = vec![];
    for k in 0..depth {
        let d = dir.join(format!("layer{k}"));
        for (path, texts) in &versions {
            if let Some(t) = texts.get(k) {
                let p = d.join(path);
                std::fs::create_dir_all(p.parent().ok_or("path")?).map_err(|e| e.to_string())?;
                std::fs::write(&p, t).map_err(|e| e.to_string())?;
            }
        }
        // Read in full: a `.git` marker, so the layer is a repository root.
        std::fs::create_dir_all(d.join(".git")).map_err(|e| e.to_string())?;
        dirs.push(d);
    }
    Ok((dirs, seen.len(), files))
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let repo = std::path::PathBuf::from(args.get(1).ok_or("usage: history_bench REPO [RUNS]")?);
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(3);
    // Setup, not timed: the audited commits, the reuse they allow and the layers.
    let git = Arc::new(GitRepo::open(&repo)?);
    let h = history(&git, "HEAD", "repo", &Options::default())?;
    let shape = (h.commits_walked, h.commits_changed, h.audits);
    let commits: Vec<gix::ObjectId> = h
        .points
        .iter()
        .filter_map(|p| gix::ObjectId::from_hex(p.commit.as_bytes()).ok())
        .collect();
    let reuse = pipewise::reuse::Reuse::new();
    for id in &commits {
        let c = git.commit(*id)?;
        std::hint::black_box(audit_commit_reusing(
            &git,
            &c,
            "repo",
            None,
            None,
            Some(&reuse),
        ));
    }
    let (hits, misses) = reuse.stats();
    let tmp = tempfile::TempDir::new().map_err(|e| e.to_string())?;
    let (dirs, distinct, files) = layers(&git, &commits, tmp.path())?;
    drop(git);

    let (mut hist, mut states, mut versions) = (vec![], vec![], vec![]);
    for _ in 0..runs {
        let t = Instant::now();
        let git = Arc::new(GitRepo::open(&repo)?);
        std::hint::black_box(history(&git, "HEAD", "repo", &Options::default())?);
        hist.push(t.elapsed().as_secs_f64());
        drop(git);

        let t = Instant::now();
        let git = Arc::new(GitRepo::open(&repo)?);
        for id in &commits {
            let c = git.commit(*id)?;
            std::hint::black_box(audit_commit(&git, &c, "repo", None, None));
        }
        states.push(t.elapsed().as_secs_f64());
        drop(git);

        let t = Instant::now();
        for d in &dirs {
            std::hint::black_box(pipewise::audit::audit_path(d, None)?);
        }
        versions.push(t.elapsed().as_secs_f64());
    }
    let (h, s, v) = (median(hist), median(states), median(versions));
    println!(
        "{}: {} commits walked, {} changed CI/CD files, {} audited ({} files read, {} distinct file versions in {} folders; per-file rules reused {} times, run {} times)",
        repo.display(),
        shape.0,
        shape.1,
        shape.2,
        files,
        distinct,
        dirs.len(),
        hits,
        misses
    );
    println!(
        "history {h:.3}s; states once (no reuse) {s:.3}s, ratio {:.2}; file versions once {v:.3}s, ratio {:.2} (median of {runs})",
        h / s,
        h / v
    );
    Ok(())
}
