//! The `pipewise` command line: argument parsing, exit codes and output routing.
//! Everything else lives in the `pipewise` library.

mod batch;

/// mimalloc instead of the system allocator: the audit builds and drops many small
/// strings and vectors per file, and glibc malloc/free took ~12% of the CPU time
/// (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Commit arena memory on demand and return freed memory to the OS after 25 ms: with
/// its defaults (eager commit, and a purge delay that grows with the arena) mimalloc
/// kept ~65-85 MB resident on the corpus, over the 64 MB budget of issue 7. Measured
/// on the corpus (docs/performance.md): purging at once (0 ms) costs ~15% more time
/// in page faults; 10 ms gives ~45-50 MB and ~6,000 page faults; 25 ms (chosen)
/// ~45-57 MB and ~3,000 faults (54-58 MB on the corpus copied ten times); 50 ms
/// reached 66 MB; 100 ms or never purging is 65-85 MB. The numbers are the
/// `mi_option_e` values of the mimalloc v3 sources that libmimalloc-sys 0.1.49
/// (pinned) builds: `mi_option_arena_eager_commit` = 4 and `mi_option_purge_delay` =
/// 15 (`c_src/mimalloc/v3/include/mimalloc.h`); the Rust bindings do not name them.
fn tune_allocator() {
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: plain setters of process-wide integer options, called before any thread
    // is started; valid option ids (see above).
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 25);
    }
}

use clap::builder::TypedValueParser as _;
use clap::{Parser, Subcommand};
use pipewise::analysis::settings::RepoSettings;
use pipewise::audit::audit_path_with;
use pipewise::config::Config;
use pipewise::finding::Severity;
use pipewise::report::{self, Report};
use pipewise::rules;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "pipewise",
    version,
    about = "Audit a repository's CI/CD pipeline: GitHub Actions workflows, actions, the scripts they run, Dockerfiles and compose files.",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Audit one or more repositories (directories) or workflow files.
    Audit(AuditArgs),
    /// Print a rule's documentation page.
    Rule {
        /// Rule id, e.g. reliability/masked-failure.
        id: String,
    },
    /// Print (or write with --write) the template that adds a capability, tailored to
    /// the repository's stack, e.g. `pipewise scaffold security.sast`.
    Scaffold {
        /// Capability id from the capability vocabulary, e.g. deploy.rollback.
        capability: String,
        /// Repository directory (default: the current directory).
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Write the file into the repository instead of printing it (never overwrites).
        #[arg(long)]
        write: bool,
    },
    /// Combine saved JSON reports (`pipewise audit -f json`, e.g. from sharded CI jobs)
    /// into one report, repositories sorted by root.
    Merge {
        /// Reports written by `pipewise audit --format json`.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// Output format.
        #[arg(long, short, value_parser = format_parser(), default_value = "json")]
        format: Format,
        /// Write the merged report to this file instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// List every rule.
    Rules {
        /// Print the list as a Markdown table (as in the README).
        #[arg(long)]
        markdown: bool,
    },
}

/// An output format: a renderer of the registry (`pipewise::report::RENDERERS`),
/// chosen by name.
#[derive(Clone, Copy)]
struct Format(&'static dyn report::Renderer);

impl Format {
    fn is(self, name: &str) -> bool {
        self.0.name() == name
    }
}

fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    clap::builder::PossibleValuesParser::new(report::RENDERERS.iter().map(|r| r.name())).try_map(
        |name: String| {
            report::renderer(&name)
                .map(Format)
                .ok_or_else(|| format!("unknown format `{name}`"))
        },
    )
}

#[derive(clap::Args)]
struct AuditArgs {
    /// Repository directories or single workflow files.
    #[arg(required_unless_present = "repos_from")]
    paths: Vec<PathBuf>,
    /// Read more paths from this file, one per line.
    #[arg(long, value_name = "FILE")]
    repos_from: Option<PathBuf>,
    /// Output format.
    #[arg(long, short, value_parser = format_parser())]
    format: Option<Format>,
    /// Write the report to this file instead of standard output (format from the extension
    /// when --format is not given: .json, .sarif, .md, .html).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Only show findings at or above this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "info")]
    min_severity: String,
    /// Exit with 1 when a finding is at or above this severity (or `none`).
    #[arg(long, value_name = "SEVERITY", default_value = "high")]
    fail_on: String,
    /// Use this config file instead of the repository's pipewise.toml.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Never colour the output.
    #[arg(long)]
    no_color: bool,
    /// Date shown in Markdown/HTML reports (YYYY-MM-DD; default: SOURCE_DATE_EPOCH, else today).
    #[arg(long, value_name = "DATE")]
    date: Option<String>,
    /// JSON file listing the repository's environments and their protection rules
    /// (`{"environments": [{"name": "production", "required_reviewers": 1}]}` or the
    /// output of `gh api repos/OWNER/REPO/environments`). pipewise cannot see
    /// repository settings otherwise, so approval gates stay "not visible".
    #[arg(long, value_name = "FILE")]
    settings: Option<PathBuf>,
}

fn parse_severity(flag: &str, v: &str) -> Result<Option<Severity>, String> {
    if v.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    v.parse::<Severity>()
        .map(Some)
        .map_err(|e| format!("--{flag}: {e}"))
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    match cli.command {
        Cmd::Rule { id } => match rules::by_id(&id) {
            Some(r) => {
                print!("{}", r.meta().documentation());
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error: unknown rule `{id}`; `pipewise rules` lists them");
                ExitCode::from(2)
            }
        },
        Cmd::Rules { markdown } => {
            print!("{}", rules_listing(markdown));
            ExitCode::SUCCESS
        }
        Cmd::Scaffold {
            capability,
            path,
            write,
        } => match scaffold(&capability, &path, write) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Cmd::Audit(args) => {
            let started = std::time::Instant::now();
            if batch::timings_requested() {
                pipewise::shell::enable_shell_timing();
            }
            let code = match run_audit(args) {
                Ok(code) => code,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            };
            batch::print_timings(started);
            code
        }
        Cmd::Merge {
            reports,
            format,
            output,
        } => match batch::merge(&reports) {
            Ok(report) => {
                let text = format.0.render(&report, &report::RenderOptions::default());
                match write_out(output.as_deref(), &text) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        eprintln!("error: {e}");
                        ExitCode::from(2)
                    }
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
    }
}

/// The rule list; `--markdown` gives the README table.
fn rules_listing(markdown: bool) -> String {
    let mut s = String::new();
    if markdown {
        s.push_str("| Rule | Severity | Category | What it finds |\n|---|---|---|---|\n");
    }
    for r in rules::all() {
        let m = r.meta();
        if markdown {
            s.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                m.id,
                m.severity,
                m.category.id(),
                m.title.replace('|', "\\|")
            ));
        } else {
            s.push_str(&format!(
                "{:<40} {:<9} {}\n",
                m.id,
                m.severity.as_str(),
                m.title
            ));
        }
    }
    s
}

/// `pipewise scaffold`: the capability's template for the repository at `path`.
fn scaffold(capability: &str, path: &Path, write: bool) -> Result<ExitCode, String> {
    if !path.is_dir() {
        return Err(format!("{}: not a directory", path.display()));
    }
    let repo = pipewise::repo::Repo::load(path, &path.display().to_string());
    let Some((stack, template)) = pipewise::analysis::scaffold(&repo, capability) else {
        return Err(format!(
            "unknown capability `{capability}`; known: {}",
            pipewise::analysis::capabilities::IDS.join(", ")
        ));
    };
    let Some(t) = template else {
        let d = pipewise::analysis::stack::Detected {
            stack,
            ..Default::default()
        };
        eprintln!(
            "no template for `{capability}` with this stack; recommendation: {}",
            pipewise::analysis::templates::recommendation(capability, &d, None)
        );
        return Ok(ExitCode::from(1));
    };
    if !write {
        print!("{}", t.content);
        eprintln!("# → {}", t.path);
        return Ok(ExitCode::SUCCESS);
    }
    let dest = path.join(&t.path);
    if dest.exists() {
        return Err(format!(
            "{} already exists; not overwriting (run without --write to print the template)",
            dest.display()
        ));
    }
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(&dest, &t.content).map_err(|e| format!("{}: {e}", dest.display()))?;
    eprintln!("wrote {}", dest.display());
    Ok(ExitCode::SUCCESS)
}

fn run_audit(args: AuditArgs) -> Result<ExitCode, String> {
    let min = parse_severity("min-severity", &args.min_severity)?.unwrap_or(Severity::Info);
    let fail_on = parse_severity("fail-on", &args.fail_on)?;
    let config = match &args.config {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            Some(Config::parse(&text, p)?)
        }
        None => None,
    };
    let settings = match &args.settings {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            Some(RepoSettings::parse(&text).map_err(|e| format!("{}: {e}", p.display()))?)
        }
        None => None,
    };
    let mut paths = args.paths.clone();
    if let Some(f) = &args.repos_from {
        let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        paths.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(PathBuf::from),
        );
    }
    let format = args.format.unwrap_or_else(|| {
        Format(
            args.output
                .as_deref()
                .and_then(report::renderer_for_path)
                .unwrap_or(&report::plain::Plain),
        )
    });

    if format.is("json") {
        // Streamed: each repository is audited, written and released in turn.
        return run_audit_json(
            &paths,
            &args,
            config.as_ref(),
            settings.as_ref(),
            min,
            fail_on,
        );
    }
    let mut repos = vec![];
    let mut failed = 0usize;
    let bar = batch::progress(paths.len(), format.is("plain"));
    // Repositories in parallel (these formats need the whole report anyway); results
    // and errors in the order given.
    let results: Vec<_> = {
        use rayon::prelude::*;
        paths
            .par_iter()
            .map(|p| {
                let r = audit_path_with(p, config.as_ref(), settings.as_ref());
                bar.inc(1);
                r
            })
            .collect()
    };
    for res in results {
        match res {
            Ok(r) => repos.push(r),
            Err(e) => {
                eprintln!("error: {e}");
                failed += 1;
            }
        }
    }
    bar.finish_and_clear();
    if repos.is_empty() {
        return Err(if failed > 0 {
            "no input could be read".into()
        } else {
            "no paths given".into()
        });
    }
    let nothing_read = repos
        .iter()
        .all(|r| r.files.is_empty() && !r.errors.is_empty());
    for r in &mut repos {
        pipewise::summary::retain_at_least(r, min);
    }
    let report = Report::new(repos);
    let colour = args.output.is_none()
        && !args.no_color
        && std::env::var_os("NO_COLOR").is_none()
        && std::io::stdout().is_terminal();
    if let Some(d) = &args.date {
        let b = d.as_bytes();
        let ok = b.len() == 10
            && b.iter().enumerate().all(|(i, c)| {
                if i == 4 || i == 7 {
                    *c == b'-'
                } else {
                    c.is_ascii_digit()
                }
            });
        if !ok {
            return Err(format!("--date: expected YYYY-MM-DD, got `{d}`"));
        }
    }
    // On a terminal, plain output is wrapped to its width.
    let width = if args.output.is_none() && std::io::stdout().is_terminal() {
        console::Term::stdout()
            .size_checked()
            .map(|(_, cols)| usize::from(cols))
            .filter(|c| *c >= 40)
    } else {
        None
    };
    let opts = report::RenderOptions {
        colour,
        date: report::markdown::report_date(args.date.as_deref()),
        width,
    };
    let text = format.0.render(&report, &opts);
    write_out(args.output.as_deref(), &text)?;
    if nothing_read {
        eprintln!("error: no input could be read");
        return Ok(ExitCode::from(2));
    }
    let failing = match fail_on {
        None => false,
        Some(level) => report.findings().any(|f| f.severity >= level),
    };
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `audit --format json`: the report is streamed one repository at a time.
fn run_audit_json(
    paths: &[PathBuf],
    args: &AuditArgs,
    config: Option<&Config>,
    settings: Option<&RepoSettings>,
    min: Severity,
    fail_on: Option<Severity>,
) -> Result<ExitCode, String> {
    let audit = |p: &Path| audit_path_with(p, config, settings);
    let outcome = match &args.output {
        Some(o) => {
            let f = std::fs::File::create(o).map_err(|e| format!("{}: {e}", o.display()))?;
            let mut w = std::io::BufWriter::new(f);
            batch::stream_json(paths, &mut w, audit, min, fail_on)?
        }
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            // A closed pipe (`| head`) is not an error worth reporting.
            match batch::stream_json(paths, &mut w, audit, min, fail_on) {
                Ok(o) => o,
                Err(_) => return Ok(ExitCode::SUCCESS),
            }
        }
    };
    if outcome.written == 0 {
        if let Some(o) = &args.output {
            let _ = std::fs::remove_file(o);
        }
        return Err(if outcome.failed > 0 {
            "no input could be read".into()
        } else {
            "no paths given".into()
        });
    }
    if outcome.nothing_read {
        eprintln!("error: no input could be read");
        return Ok(ExitCode::from(2));
    }
    Ok(if outcome.failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn write_out(path: Option<&Path>, text: &str) -> Result<(), String> {
    match path {
        Some(p) => std::fs::write(p, text).map_err(|e| format!("{}: {e}", p.display())),
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
            Ok(())
        }
    }
}
