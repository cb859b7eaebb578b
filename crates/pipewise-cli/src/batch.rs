//! Many repositories in one run: the streamed JSON report (one repository audited,
//! written and released at a time, so memory stays flat; the bytes come from
//! `pipewise::report::json`, the one JSON implementation), the progress bar (stderr,
//! TTY only), `PIPEWISE_TIMINGS` figures, `PIPEWISE_WORK` counts, and `pipewise merge`
//! of saved reports.

use pipewise::finding::Severity;
use pipewise::report::stream::Stream;
use pipewise::report::{RepoReport, Report};
use rayon::prelude::*;
use std::io::{IsTerminal, Seek, SeekFrom, Write};
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

/// Audits `paths` one after the other and writes the report in format `s` as it
/// goes: byte-identical to rendering the whole [`Report`] at once, but each
/// repository is released once written (see [`pipewise::report::stream`]). Nothing
/// is written when no path can be audited.
///
/// Repositories are audited and rendered a few at a time in parallel (a window of
/// eight times the thread count, so memory stays bounded) and written in the order
/// given. Rendering happens on the workers, so the writing thread mostly copies
/// bytes. A format whose head needs every repository ([`Stream::SPILL`]) has its
/// body kept in an unlinked temporary file until the end.
pub fn stream<S: Stream>(
    paths: &[PathBuf],
    out: &mut dyn Write,
    audit: impl Fn(&Path) -> Result<RepoReport, String> + Sync,
    min: Severity,
    fail_on: Option<Severity>,
    s: &S,
) -> Result<Outcome, String> {
    let mut o = Outcome {
        written: 0,
        failed: 0,
        errors: 0,
        audited: 0,
        failing: false,
    };
    let mut acc = S::Acc::default();
    let mut spill = S::SPILL.then(|| spill_in(&std::env::temp_dir()));
    // Eight per thread: fewer waits for the slowest repository of a window than four
    // (~8% less wall time on the corpus), peak RSS ~55 MB (~56-60 MB on ten copies).
    let window = (rayon::current_num_threads() * 8).max(1);
    let audit = &audit;
    // While the workers audit one window, this thread writes the previous one.
    let mut previous: Vec<Result<Rendered<S::Part>, String>> = vec![];
    let mut write_all = |previous: &mut Vec<Result<Rendered<S::Part>, String>>,
                         o: &mut Outcome|
     -> Result<(), String> {
        for res in previous.drain(..) {
            let Some(part) = tally(res, o) else {
                continue;
            };
            match spill.as_mut() {
                Some(f) => s.write(&mut acc, part, f),
                None if o.written == 1 => out
                    .write_all(&s.head(&acc))
                    .and_then(|()| s.write(&mut acc, part, out)),
                None => s.write(&mut acc, part, out),
            }
            .map_err(io)?;
        }
        Ok(())
    };
    for chunk in paths.chunks(window) {
        let (results, written) = std::thread::scope(|sc| {
            let next = sc.spawn(move || {
                chunk
                    .par_iter()
                    .map(|p| audit(p).map(|r| render(r, min, fail_on, s)))
                    .collect::<Vec<_>>()
            });
            let written = write_all(&mut previous, &mut o);
            (next.join(), written)
        });
        written?;
        previous = match results {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        };
    }
    write_all(&mut previous, &mut o)?;
    if o.written > 0 {
        if let Some(mut f) = spill {
            out.write_all(&s.head(&acc)).map_err(io)?;
            f.seek(SeekFrom::Start(0)).map_err(io)?;
            s.body(&acc, &mut f, out).map_err(io)?;
        }
        out.write_all(&s.tail(&acc)).map_err(io)?;
        out.flush().map_err(io)?;
    }
    Ok(o)
}

/// Where the bodies of a [`Stream::SPILL`] format wait.
trait Spill: std::io::Read + Write + Seek {}
impl<T: std::io::Read + Write + Seek> Spill for T {}

/// A temporary file in `dir`, unlinked as soon as it is open (Unix), so it goes
/// away with the process however it ends; memory when no file can be created there
/// (the report is then held as before streaming, but still written). Parts are
/// written whole, so the file is not buffered.
fn spill_in(dir: &Path) -> Box<dyn Spill> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    for i in 0..100 {
        let name = dir.join(format!("pipewise-{}-{nanos}-{i}.tmp", std::process::id()));
        match std::fs::File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&name)
        {
            Ok(f) => {
                let _ = std::fs::remove_file(&name);
                return Box::new(f);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(_) => break,
        }
    }
    Box::new(std::io::Cursor::new(Vec::new()))
}

fn io(e: std::io::Error) -> String {
    format!("cannot write the report: {e}")
}

/// One repository's part, ready to write, and what the exit code needs from it.
struct Rendered<P> {
    part: P,
    errors: usize,
    audited: bool,
    failing: bool,
}

fn render<S: Stream>(
    mut r: RepoReport,
    min: Severity,
    fail_on: Option<Severity>,
    s: &S,
) -> Rendered<S::Part> {
    // The exit code reads every finding; `--min-severity` only hides.
    let failing = fail_on.is_some_and(|l| r.findings.iter().any(|f| f.severity >= l));
    pipewise::summary::retain_at_least(&mut r, min);
    Rendered {
        errors: r.errors.len(),
        audited: !r.files.is_empty(),
        failing,
        part: s.part(&r),
    }
}

/// Counts one repository for the exit code (or reports why it could not be
/// audited) and returns its part to write.
fn tally<P>(res: Result<Rendered<P>, String>, o: &mut Outcome) -> Option<P> {
    let r = match res {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            o.failed += 1;
            return None;
        }
    };
    o.errors += r.errors;
    o.audited += usize::from(r.audited);
    o.failing |= r.failing;
    o.written += 1;
    Some(r.part)
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

/// With `PIPEWISE_WORK` set, prints the work counters (`pipewise::work`) to stderr
/// as one line, `work: {"needs_edges": …}`, for the bounded-work assertions of the
/// hostile-input tests. Only a binary built with the `work-counters` feature (the
/// tests') has counters; others print nothing.
pub fn print_work() {
    if std::env::var_os("PIPEWISE_WORK").is_none() {
        return;
    }
    if let Some(counts) = pipewise::work::report() {
        eprintln!("work: {counts}");
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
    // Reports written before the summary (or the capabilities' metadata) existed get
    // one; others are recomputed the same way (it depends only on the data).
    let mut repos: Vec<RepoReport> = repos.into_iter().map(|(r, _)| r).collect();
    for r in &mut repos {
        r.capabilities
            .iter_mut()
            .for_each(pipewise::analysis::capabilities::describe);
        r.summary = pipewise::summary::summarize(r);
    }
    Ok(Report::new(repos, pipewise::rules::table()))
}

/// Reads a `pipewise/report@2` or `@1` document and returns its repositories.
fn parse_report(text: &str) -> Result<Vec<RepoReport>, String> {
    pipewise::report::json::parse(text).map(|r| r.repositories)
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

    /// Streams `paths` (audited by `audit`) in format `s` into a string.
    fn streamed<S: Stream>(
        paths: &[PathBuf],
        audit: impl Fn(&Path) -> Result<RepoReport, String> + Sync,
        s: &S,
    ) -> (Outcome, String) {
        let mut out = vec![];
        let o = stream(paths, &mut out, audit, Severity::Info, None, s).unwrap();
        (o, String::from_utf8(out).unwrap())
    }

    #[test]
    fn streamed_json_is_byte_identical_to_the_whole_document() {
        let paths: Vec<PathBuf> = ["b", "a", "c"].iter().map(PathBuf::from).collect();
        let audit = |p: &Path| Ok(repo(&p.display().to_string()));
        use pipewise::report::json::{render_as, JsonStream, Schema};
        for schema in [Schema::V1, Schema::V2] {
            let (o, out) = streamed(
                &paths,
                audit,
                &JsonStream {
                    schema,
                    rules: pipewise::rules::table(),
                },
            );
            assert_eq!(o.written, 3);
            let whole = render_as(
                &Report::new(
                    vec![repo("b"), repo("a"), repo("c")],
                    pipewise::rules::table(),
                ),
                schema,
            );
            assert_eq!(out, whole);
        }
    }

    /// Every streamed format on real reports (findings, file errors, warnings,
    /// capabilities, scores, workflows; the demo repository given several times, so
    /// GitLab fingerprints repeat across repositories), over more repositories than
    /// one window holds: the same bytes as the whole report rendered at once.
    #[test]
    fn streamed_formats_are_byte_identical_to_the_whole_document() {
        use pipewise::report::{concise, github, gitlab, html, json, markdown, plain, sarif};
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo-repo");
        let mut d = pipewise::audit::audit_path(&demo, None).unwrap();
        d.warnings.push(pipewise::report::ReportError {
            file: ".github/workflows/ci.yml".into(),
            line: 2,
            message: "a warning\n::error::not a command".into(),
        });
        assert!(!d.findings.is_empty());
        let n = rayon::current_num_threads() * 8 + 3;
        let paths: Vec<PathBuf> = (0..n)
            .map(|i| {
                PathBuf::from(if i % 3 == 1 {
                    format!("e{i}")
                } else {
                    "demo".into()
                })
            })
            .collect();
        let audit = |p: &Path| {
            Ok(match p.to_str() {
                Some("demo") => d.clone(),
                _ => repo(&p.display().to_string()),
            })
        };
        let whole = Report::new(
            paths.iter().map(|p| audit(p).unwrap()).collect(),
            pipewise::rules::table(),
        );
        let opts = pipewise::report::RenderOptions::default();
        let check = |name: &str, (o, out): (Outcome, String)| {
            assert_eq!(o.written, n, "{name}");
            let r = pipewise::report::renderer(name).unwrap();
            assert_eq!(out, r.render(&whole, &opts), "{name}");
        };
        check(
            "json",
            streamed(
                &paths,
                audit,
                &json::JsonStream {
                    schema: Default::default(),
                    rules: pipewise::rules::table(),
                },
            ),
        );
        let s = plain::PlainStream::new(false, None, true);
        check("plain", streamed(&paths, audit, &s));
        check(
            "sarif",
            streamed(
                &paths,
                audit,
                &sarif::SarifStream::new(None, pipewise::rules::table()),
            ),
        );
        check("github", streamed(&paths, audit, &github::Github));
        let s = concise::ConciseStream { multi: true };
        check("concise", streamed(&paths, audit, &s));
        let md = markdown::Options {
            date: opts.date.clone(),
        };
        let s = markdown::MarkdownStream { opts: md.clone() };
        check("markdown", streamed(&paths, audit, &s));
        let s = html::HtmlStream {
            opts: md,
            multi: true,
        };
        check("html", streamed(&paths, audit, &s));
        let s = gitlab::GitlabStream { multi: true };
        check("gitlab", streamed(&paths, audit, &s));
        // One repository: the plain scorecard of that repository.
        let one = [demo.clone()];
        let s = plain::PlainStream::new(false, None, false);
        let (_, out) = streamed(&one, |_| Ok(d.clone()), &s);
        let r = Report::new(vec![d.clone()], pipewise::rules::table());
        assert_eq!(out, plain::render(&r, false));
        assert!(out.contains("\nscore: "), "{out}");
    }

    #[test]
    fn nothing_is_written_when_no_path_can_be_audited() {
        let paths = [PathBuf::from("x")];
        let gone = |_: &Path| Err("x: gone".to_string());
        let (o, out) = streamed(
            &paths,
            gone,
            &pipewise::report::json::JsonStream {
                schema: Default::default(),
                rules: pipewise::rules::table(),
            },
        );
        assert_eq!((o.written, o.failed), (0, 1));
        assert!(out.is_empty());
        let s = pipewise::report::plain::PlainStream::new(false, None, false);
        let (o, out) = streamed(&paths, gone, &s);
        assert_eq!((o.written, o.failed), (0, 1));
        assert!(out.is_empty());
    }

    /// The spilled body reads back the same from a temporary file and, when the
    /// directory cannot hold one, from memory.
    #[test]
    fn spilled_bodies_read_back_from_a_file_or_memory() {
        let dir = tempfile::TempDir::new().unwrap();
        for d in [dir.path().to_path_buf(), dir.path().join("missing")] {
            let mut f = spill_in(&d);
            f.write_all(b"first\n").unwrap();
            f.write_all(b"second\n").unwrap();
            f.seek(SeekFrom::Start(0)).unwrap();
            let mut back = String::new();
            std::io::Read::read_to_string(&mut f, &mut back).unwrap();
            assert_eq!(back, "first\nsecond\n", "{}", d.display());
        }
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "the file is unlinked once open"
        );
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
        let schema = pipewise::report::SCHEMA;
        let bad = format!("{{\"schema\": \"{schema}\", \"tool\": 5, \"repositories\": []}}");
        assert!(parse_report(&bad).unwrap_err().contains("does not follow"));
    }
}
