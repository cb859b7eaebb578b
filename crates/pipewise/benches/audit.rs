//! Criterion benches for the audit path on a fixed set of 40 real workflows
//! (`benches/data/.github/workflows`, sources in `benches/data/SOURCES.tsv`):
//! YAML parse (the fast path, and saphyr-parser alone for comparison), workflow model (incl. shell mapping of `run:` blocks), the rule pass,
//! the analyses that run after the rules (capabilities: stack, workflow scan, deploy
//! paths, assessment; the economics section), and every registered renderer.
//!
//! Run: `cargo bench -p pipewise --bench audit` (add `-- --quick` for a short run).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use pipewise::analysis;
use pipewise::audit::audit_repo;
use pipewise::config::Config;
use pipewise::repo::{Repo, Scripts};
use pipewise::report::{self, Report};
use pipewise::shell::Script;
use pipewise::source::FileKind;
use pipewise::workflow::{Action, Workflow};
use pipewise_yaml::Document;
use std::hint::black_box;
use std::path::PathBuf;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/data")
}

/// The bench workflows as (path, text), sorted by name.
fn workflows() -> Vec<(String, String)> {
    let dir = data_dir().join(".github/workflows");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| {
            let p = e.path();
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            (
                format!(".github/workflows/{}", e.file_name().to_string_lossy()),
                text,
            )
        })
        .collect();
    out.sort();
    assert!(out.len() >= 30, "bench data missing: {}", dir.display());
    out
}

fn bench_parse(c: &mut Criterion) {
    let files = workflows();
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let docs: Vec<(String, Document)> = files
        .iter()
        .map(|(p, t)| {
            (
                p.clone(),
                Document::parse(t.clone()).expect("bench data parses"),
            )
        })
        .collect();
    let runs: Vec<String> = docs
        .iter()
        .flat_map(|(p, d)| {
            let wf = Workflow::new(p, d);
            wf.jobs
                .iter()
                .flat_map(|j| j.steps.iter())
                .filter_map(|s| s.run.as_ref().map(|r| r.text.to_string()))
                .collect::<Vec<_>>()
        })
        .collect();
    let run_bytes: usize = runs.iter().map(String::len).sum();

    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("yaml", |b| {
        b.iter_batched(
            || files.clone(),
            |files| {
                for (_, t) in files {
                    black_box(Document::parse(t).ok());
                }
            },
            BatchSize::LargeInput,
        )
    });
    // The same files through saphyr-parser only (the fast path bypassed).
    g.bench_function("yaml_saphyr", |b| {
        b.iter_batched(
            || files.clone(),
            |files| {
                for (_, t) in files {
                    black_box(Document::parse_reference(t, pipewise_yaml::Limits::default()).ok());
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("workflow_model", |b| {
        b.iter(|| {
            for (p, d) in &docs {
                black_box(Workflow::new(p, d));
            }
        })
    });
    g.throughput(Throughput::Bytes(run_bytes as u64));
    g.bench_function("shell_run_blocks", |b| {
        b.iter(|| {
            for r in &runs {
                black_box(Script::parse(r));
            }
        })
    });
    g.finish();
}

fn bench_rules(c: &mut Criterion) {
    let repo = Repo::load(&data_dir(), "bench");
    let config = Config::default();
    let bytes: usize = repo.files.iter().map(|f| f.text().len()).sum();
    let mut g = c.benchmark_group("rules");
    g.throughput(Throughput::Bytes(bytes as u64));
    // Model build (workflows, actions, shell mapping) + every rule + resolve/sort.
    g.bench_function("audit_repo", |b| {
        b.iter(|| black_box(audit_repo(&repo, &config)))
    });
    g.bench_function("load_and_audit", |b| {
        b.iter(|| {
            let repo = Repo::load(&data_dir(), "bench");
            black_box(audit_repo(&repo, &config))
        })
    });
    g.finish();
}

/// The phases that run once per repository after the rules, on the models the audit
/// built: warmed as in the audit (the rules have filled the per-step caches and each
/// workflow's savings), so each bench measures the phase's own work.
fn bench_analysis(c: &mut Criterion) {
    let repo = Repo::load(&data_dir(), "bench");
    let findings = audit_repo(&repo, &Config::default()).findings;
    let workflows: Vec<Workflow> = repo
        .files_of(FileKind::Workflow)
        .filter_map(|f| f.yaml.as_ref().map(|d| Workflow::new(&f.path, d)))
        .collect();
    let actions: Vec<Action> = repo
        .files_of(FileKind::Action)
        .filter_map(|f| f.yaml.as_ref().map(|d| Action::new(&f.path, d)))
        .collect();
    let scripts = Scripts::new();
    let facts = pipewise::facts::Facts::new(&workflows, &actions, &scripts);
    let economics = pipewise::economics::table::Table::new(&workflows);
    let inputs = pipewise::economics::Inputs::default();
    let bytes: usize = repo.files.iter().map(|f| f.text().len()).sum();
    let mut g = c.benchmark_group("analysis");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("capabilities", |b| {
        b.iter(|| {
            black_box(analysis::analyze(
                &repo, &workflows, &actions, &scripts, &facts, &findings, None,
            ))
        })
    });
    g.bench_function("economics", |b| {
        b.iter(|| {
            black_box(pipewise::economics::analyze(
                &facts, &economics, &workflows, &inputs,
            ))
        })
    });
    g.finish();
}

fn bench_report(c: &mut Criterion) {
    let repo = Repo::load(&data_dir(), "bench");
    let rep = Report::new(
        vec![audit_repo(&repo, &Config::default())],
        pipewise::rules::table(),
    );
    let mut g = c.benchmark_group("report");
    // Every output format, by its registered renderer (a new format is benched too).
    let opts = report::RenderOptions {
        date: "2026-01-01".into(),
        ..Default::default()
    };
    for r in report::RENDERERS {
        g.bench_function(r.name(), |b| b.iter(|| black_box(r.render(&rep, &opts))));
    }
    g.finish();
}

criterion_group!(
    benches,
    bench_parse,
    bench_rules,
    bench_analysis,
    bench_report
);
criterion_main!(benches);
