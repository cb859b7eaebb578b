//! `pipewise history` against its baseline (docs/performance.md): the time of the
//! history of a repository, and the time of auditing once each commit the history
//! audits (each distinct state of the CI/CD files, `audit --rev` in-process, one
//! opened repository shared so it has the same object caches), interleaved, the
//! median of `RUNS` rounds.
//!
//!     cargo run --release -p pipewise-git --example history_bench -- REPO [RUNS]

use pipewise_git::history::{history, Options};
use pipewise_git::{audit_commit, GitRepo};
use std::sync::Arc;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let repo = std::path::PathBuf::from(args.get(1).ok_or("usage: history_bench REPO [RUNS]")?);
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(3);
    let (mut hist, mut once) = (vec![], vec![]);
    let mut shape = (0, 0, 0);
    for _ in 0..runs {
        let t = Instant::now();
        let git = Arc::new(GitRepo::open(&repo)?);
        let h = history(&git, "HEAD", "repo", &Options::default())?;
        hist.push(t.elapsed().as_secs_f64());
        shape = (h.commits_walked, h.commits_changed, h.audits);
        let commits: Vec<gix::ObjectId> = h
            .points
            .iter()
            .filter_map(|p| gix::ObjectId::from_hex(p.commit.as_bytes()).ok())
            .collect();
        drop(git);
        let t = Instant::now();
        let git = Arc::new(GitRepo::open(&repo)?);
        for id in commits {
            let c = git.commit(id)?;
            std::hint::black_box(audit_commit(&git, &c, "repo", None, None));
        }
        once.push(t.elapsed().as_secs_f64());
    }
    let (h, o) = (median(hist), median(once));
    println!(
        "{}: {} commits walked, {} changed CI/CD files, {} audited; history {:.3}s, audits of those commits once {:.3}s, ratio {:.2} (median of {runs})",
        repo.display(),
        shape.0,
        shape.1,
        shape.2,
        h,
        o,
        h / o
    );
    Ok(())
}
