//! Many repositories in one run: the streamed JSON report (one repository audited,
//! written and released at a time, so memory stays flat; the bytes come from
//! `pipewise::report::json`, the one JSON implementation), the progress bar (stderr,
//! TTY only), `PIPEWISE_TIMINGS` figures, and `pipewise merge` of saved reports.

use pipewise::finding::Severity;
use pipewise::report::{json, RepoReport, Report, SCHEMA};
use rayon::prelude::*;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What a streamed audit saw, for the exit code.
pub struct Outcome {
    /// Repositories written.
    pub written: usize,
    /// Paths that could not be audited at all.
    pub failed: usize,
    /// File errors over every written repository.
    pub errors: usize,
    /// Written repositories where at least one CI/CD file was read.
    pub audited: usize,
    /// A finding at or above `--fail-on` (before `--min-severity` hides any).
    pub failing: bool,
}

/// Audits `paths` one after the other and writes the `pipewise/report@1` JSON
/// document as it goes: byte-identical to rendering the whole [`Report`] at once
/// (serde_json's pretty printer), but each repository is released once written.
/// Nothing is written when no path can be audited.
///
/// Repositories are audited and rendered a few at a time in parallel (a window of
/// eight times the thread count, so memory stays bounded) and written in the order
/// given. Rendering happens on the workers, so the writing thread only copies bytes.
pub fn stream_json(
    paths: &[PathBuf],
    out: &mut dyn Write,
    audit: impl Fn(&Path) -> Result<RepoReport, String> + Sync,
    min: Severity,
    fail_on: Option<Severity>,
) -> Result<Outcome, String> {
    let mut o = Outcome {
        written: 0,
        failed: 0,
        errors: 0,
        audited: 0,
        failing: false,
    };
    // Eight per thread: fewer waits for the slowest repository of a window than four
    // (~8% less wall time on the corpus), peak RSS ~55 MB (~56-60 MB on ten copies).
    let window = (rayon::current_num_threads() * 8).max(1);
    let audit = &audit;
    // While the workers audit one window, this thread writes the previous one.
    let mut previous: Vec<Result<Rendered, String>> = vec![];
    for chunk in paths.chunks(window) {
        let (results, written) = std::thread::scope(|s| {
            let next = s.spawn(move || {
                chunk
                    .par_iter()
                    .map(|p| audit(p).map(|r| render(r, min, fail_on)))
                    .collect::<Vec<_>>()
            });
            let written = previous
                .drain(..)
                .try_for_each(|res| write_one(res, out, &mut o));
            (next.join(), written)
        });
        written?;
        previous = match results {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        };
    }
    for res in previous {
        write_one(res, out, &mut o)?;
    }
    if o.written > 0 {
        out.write_all(json::END).map_err(io)?;
        out.flush().map_err(io)?;
    }
    Ok(o)
}

fn io(e: std::io::Error) -> String {
    format!("cannot write the report: {e}")
}

/// One repository's entry, ready to write, and what the exit code needs from it.
struct Rendered {
    json: json::Chunks,
    errors: usize,
    audited: bool,
    failing: bool,
}

fn render(mut r: RepoReport, min: Severity, fail_on: Option<Severity>) -> Rendered {
    // The exit code reads every finding; `--min-severity` only hides.
    let failing = fail_on.is_some_and(|l| r.findings.iter().any(|f| f.severity >= l));
    pipewise::summary::retain_at_least(&mut r, min);
    Rendered {
        errors: r.errors.len(),
        audited: !r.files.is_empty(),
        failing,
        json: json::repository(&r),
    }
}

/// Writes one repository's entry (or reports why it could not be audited).
fn write_one(
    res: Result<Rendered, String>,
    out: &mut dyn Write,
    o: &mut Outcome,
) -> Result<(), String> {
    let r = match res {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            o.failed += 1;
            return Ok(());
        }
    };
    o.errors += r.errors;
    o.audited += usize::from(r.audited);
    o.failing |= r.failing;
    if o.written == 0 {
        out.write_all(json::start().as_bytes()).map_err(io)?;
    } else {
        out.write_all(json::SEPARATOR).map_err(io)?;
    }
    for part in r.json.parts() {
        out.write_all(part).map_err(io)?;
    }
    o.written += 1;
    Ok(())
}

/// A progress bar on stderr, shown only when stderr is a terminal, the output is the
/// plain text report, and there are several repositories; hidden otherwise.
pub fn progress(len: usize, plain: bool) -> indicatif::ProgressBar {
    if !plain || len < 2 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::with_draw_target(
        Some(len as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} auditing [{bar:30}] {pos}/{len} repositories ({elapsed}) {msg}",
    ) {
        pb.set_style(style.progress_chars("=> "));
    }
    pb
}

/// Whether `PIPEWISE_TIMINGS` asks for the figures of [`print_timings`].
pub fn timings_requested() -> bool {
    std::env::var_os("PIPEWISE_TIMINGS").is_some()
}

/// With `PIPEWISE_TIMINGS` set, prints to stderr where the time went: wall, process
/// CPU, and the CPU spent in shell analysis of `run:` blocks and scripts.
pub fn print_timings(started: Instant) {
    if !timings_requested() {
        return;
    }
    let wall = started.elapsed();
    let shell = pipewise::shell::shell_time();
    let cpu = process_cpu();
    let share = |part: Duration, whole: Duration| {
        if whole.is_zero() {
            0.0
        } else {
            100.0 * part.as_secs_f64() / whole.as_secs_f64()
        }
    };
    match cpu {
        Some(cpu) => eprintln!(
            "timings: wall {:.3}s, cpu {:.3}s, shell analysis {:.3}s cpu ({:.1}% of cpu)",
            wall.as_secs_f64(),
            cpu.as_secs_f64(),
            shell.as_secs_f64(),
            share(shell, cpu)
        ),
        None => eprintln!(
            "timings: wall {:.3}s, shell analysis {:.3}s cpu",
            wall.as_secs_f64(),
            shell.as_secs_f64()
        ),
    }
}

/// User + system CPU time of this process (Linux `/proc/self/stat`).
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = f.get(11)?.parse().ok()?;
    let stime: u64 = f.get(12)?.parse().ok()?;
    // Clock ticks; 100 per second on every Linux configuration in use.
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Reads saved JSON reports and combines them: every repository of every report,
/// sorted by root. A repository in two reports (the same report given twice, or
/// overlapping shards) is an error naming both.
pub fn merge(files: &[PathBuf]) -> Result<Report, String> {
    let mut repos: Vec<(RepoReport, &PathBuf)> = vec![];
    for f in files {
        let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        let parsed = parse_report(&text).map_err(|e| format!("{}: {e}", f.display()))?;
        repos.extend(parsed.into_iter().map(|r| (r, f)));
    }
    repos.sort_by(|a, b| a.0.root.cmp(&b.0.root));
    if let Some(w) = repos.windows(2).find(|w| w[0].0.root == w[1].0.root) {
        return Err(format!(
            "repository `{}` is in both {} and {}; each repository may be merged once",
            w[0].0.root,
            w[0].1.display(),
            w[1].1.display()
        ));
    }
    // Reports written before the summary existed get one; others are recomputed the
    // same way (it depends only on the data).
    let mut repos: Vec<RepoReport> = repos.into_iter().map(|(r, _)| r).collect();
    for r in &mut repos {
        r.summary = pipewise::summary::summarize(r);
    }
    Ok(Report::new(repos))
}

/// Checks that `text` is a `pipewise/report@1` document and returns its repositories.
fn parse_report(text: &str) -> Result<Vec<RepoReport>, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "not JSON (line {}, column {}): {e}; expected a report written by `pipewise audit --format json`",
            e.line(),
            e.column()
        )
    })?;
    match v.get("schema").and_then(|s| s.as_str()) {
        Some(SCHEMA) => {}
        Some(other) => {
            return Err(format!(
                "report schema is `{other}`, but this pipewise reads `{SCHEMA}`"
            ))
        }
        None => {
            return Err(format!(
                "not a pipewise report (no `schema: {SCHEMA}`); expected the output of `pipewise audit --format json`"
            ))
        }
    }
    let report: Report = serde_json::from_value(v)
        .map_err(|e| format!("does not follow the `{SCHEMA}` schema: {e}"))?;
    Ok(report.repositories)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real (empty) repository's report, renamed.
    fn repo(root: &str) -> RepoReport {
        let dir = tempfile::TempDir::new().unwrap();
        let mut r = pipewise::audit::audit_path(dir.path(), None).unwrap();
        r.root = root.into();
        r
    }

    #[test]
    fn streamed_json_is_byte_identical_to_the_whole_document() {
        let paths: Vec<PathBuf> = ["b", "a", "c"].iter().map(PathBuf::from).collect();
        let mut out = vec![];
        let o = stream_json(
            &paths,
            &mut out,
            |p| Ok(repo(&p.display().to_string())),
            Severity::Info,
            None,
        )
        .unwrap();
        assert_eq!(o.written, 3);
        let whole =
            pipewise::report::json::render(&Report::new(vec![repo("b"), repo("a"), repo("c")]));
        assert_eq!(String::from_utf8(out).unwrap(), whole);
    }

    /// The nested pretty printer on a real report (findings, capabilities, scores,
    /// workflows: nested arrays and objects, empty ones, escaped strings).
    #[test]
    fn streamed_demo_repository_is_byte_identical_to_the_whole_document() {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo-repo");
        let audit = |p: &Path| pipewise::audit::audit_path(p, None);
        let mut out = vec![];
        let paths = vec![demo.clone(), demo.clone()];
        let o = stream_json(&paths, &mut out, audit, Severity::Info, None).unwrap();
        assert_eq!(o.written, 2);
        let r = audit(&demo).unwrap();
        assert!(!r.findings.is_empty());
        let whole = pipewise::report::json::render(&Report::new(vec![r.clone(), r]));
        assert_eq!(String::from_utf8(out).unwrap(), whole);
    }

    #[test]
    fn nothing_is_written_when_no_path_can_be_audited() {
        let mut out = vec![];
        let o = stream_json(
            &[PathBuf::from("x")],
            &mut out,
            |_| Err("x: gone".into()),
            Severity::Info,
            None,
        )
        .unwrap();
        assert_eq!((o.written, o.failed), (0, 1));
        assert!(out.is_empty());
    }

    #[test]
    fn merge_refuses_other_documents() {
        assert!(parse_report("{\"schema\": \"other@2\"}")
            .unwrap_err()
            .contains("other@2"));
        assert!(parse_report("[1, 2]")
            .unwrap_err()
            .contains("not a pipewise report"));
        assert!(parse_report("{").unwrap_err().contains("not JSON"));
        let bad = format!("{{\"schema\": \"{SCHEMA}\", \"tool\": 5, \"repositories\": []}}");
        assert!(parse_report(&bad).unwrap_err().contains("does not follow"));
    }
}
