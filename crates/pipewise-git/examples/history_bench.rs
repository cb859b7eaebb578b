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
//!
//! For instruction counts (callgrind), each timing in a process of its own:
//! `prepare` writes the audited commits and the layer folders under `OUT` (and
//! prints the shape), then `once MODE` runs one of them once, nothing else:
//!
//!     history_bench prepare REPO OUT
//!     valgrind --tool=callgrind history_bench once history|line|states|versions REPO OUT
//!
//! (`line` only reads the first-parent line's commits: a floor for any history
//! that looks at every commit.)

use pipewise::tree::Tree;
use pipewise_git::history::{history, Options};
use pipewise_git::{audit_commit, GitRepo};
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

/// `once MODE REPO OUT`: one run of one timing, after `prepare REPO OUT`.
fn once(mode: &str, repo: &std::path::Path, out: &std::path::Path) -> Result<(), String> {
    match mode {
        "history" => {
            let git = Arc::new(GitRepo::open(repo)?);
            std::hint::black_box(history(&git, "HEAD", "repo", &Options::default())?);
        }
        // Only reading the first-parent line's commits: what any history that
        // looks at every commit reads at least.
        "line" => {
            let git = GitRepo::open(repo)?;
            let tip = git.resolve("HEAD")?;
            std::hint::black_box(pipewise_git::history::first_parent_line(&git, &tip, None)?);
        }
        "states" => {
            let git = Arc::new(GitRepo::open(repo)?);
            let list =
                std::fs::read_to_string(out.join("commits.txt")).map_err(|e| e.to_string())?;
            for line in list.lines() {
                let id = gix::ObjectId::from_hex(line.as_bytes()).map_err(|e| e.to_string())?;
                let c = git.commit(id)?;
                std::hint::black_box(audit_commit(&git, &c, "repo", None, None));
            }
        }
        "versions" => {
            let mut k = 0;
            while out.join(format!("layer{k}")).is_dir() {
                std::hint::black_box(pipewise::audit::audit_path(
                    &out.join(format!("layer{k}")),
                    None,
                )?);
                k += 1;
            }
        }
        _ => {
            return Err(format!(
                "unknown mode `{mode}`: history, line, states or versions"
            ))
        }
    }
    Ok(())
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("once") {
        let get = |i: usize| args.get(i).ok_or("usage: history_bench once MODE REPO OUT");
        return once(
            get(2)?,
            std::path::Path::new(get(3)?),
            std::path::Path::new(get(4)?),
        );
    }
    let prepare = args.get(1).map(String::as_str) == Some("prepare");
    let args: Vec<String> = if prepare { args[1..].to_vec() } else { args };
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
    let states = pipewise_git::states::States::new();
    for id in &commits {
        let c = git.commit(*id)?;
        std::hint::black_box(pipewise_git::states::audit_commit_kept(
            &git,
            &c,
            "repo",
            Some(&reuse),
            &states,
        ));
    }
    let (hits, misses) = reuse.stats();
    let (kept, audited) = states.stats();
    let tmp = tempfile::TempDir::new().map_err(|e| e.to_string())?;
    let out = if prepare {
        let out =
            std::path::PathBuf::from(args.get(2).ok_or("usage: history_bench prepare REPO OUT")?);
        std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
        let list: String = commits.iter().map(|c| format!("{c}\n")).collect();
        std::fs::write(out.join("commits.txt"), list).map_err(|e| e.to_string())?;
        out
    } else {
        tmp.path().to_path_buf()
    };
    let (dirs, distinct, files) = layers(&git, &commits, &out)?;
    drop(git);
    if prepare {
        println!(
            "{}: {} commits walked, {} changed CI/CD files, {} audited ({} files read, {} distinct file versions in {} folders; {} distinct states audited, {} commits answered from a kept report; per-file rules reused {} times, run {} times)",
            repo.display(), shape.0, shape.1, shape.2, files, distinct, dirs.len(), audited, kept, hits, misses
        );
        return Ok(());
    }

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
        "{}: {} commits walked, {} changed CI/CD files, {} audited ({} files read, {} distinct file versions in {} folders; {} distinct states audited, {} commits answered from a kept report; per-file rules reused {} times, run {} times)",
        repo.display(),
        shape.0,
        shape.1,
        shape.2,
        files,
        distinct,
        dirs.len(),
        audited,
        kept,
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
