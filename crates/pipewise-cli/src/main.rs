//! The `pipewise` command line: argument parsing, exit codes and output routing.
//! Everything else lives in the `pipewise` library.

mod batch;
mod cost;
mod fix;
mod history;

/// mimalloc instead of the system allocator: the audit builds and drops many small
/// strings and vectors per file, and glibc malloc/free took ~12% of the CPU time
/// (docs/performance.md).
#[global_allocator]
static GLOBAL: Mimalloc = Mimalloc;

/// mimalloc, asked for word-aligned blocks through its plain entry points.
///
/// `mimalloc::MiMalloc` calls `mi_malloc_aligned` for every allocation, whose fast
/// path looks up a page and then checks the alignment of its free block; past 1 KiB it
/// always takes the generic aligned path. Every mimalloc block is aligned to a machine
/// word at least (mimalloc's own `mi_realloc_aligned` relies on it: an alignment up to
/// `sizeof(uintptr_t)` goes to plain `realloc`), so an alignment up to 8 needs nothing
/// more than `mi_malloc`, as Rust's `System` allocator calls `malloc` for alignments
/// up to its minimum. Larger alignments still go to `mimalloc::MiMalloc`.
struct Mimalloc;

/// What every mimalloc block is aligned to (a machine word).
const WORD: usize = std::mem::size_of::<usize>();

// SAFETY: each method hands the layout to mimalloc's matching function; a block from
// `mi_malloc`/`mi_zalloc`/`mi_realloc` is word-aligned, so it meets any layout with
// an alignment up to `WORD`, and larger alignments use `MiMalloc`'s aligned calls.
// `mi_free` frees any mimalloc block, however it was allocated.
unsafe impl std::alloc::GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if layout.align() <= WORD {
            // SAFETY: see the impl.
            unsafe { libmimalloc_sys::mi_malloc(layout.size()).cast() }
        } else {
            // SAFETY: see the impl.
            unsafe { mimalloc::MiMalloc.alloc(layout) }
        }
    }
    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if layout.align() <= WORD {
            // SAFETY: see the impl.
            unsafe { libmimalloc_sys::mi_zalloc(layout.size()).cast() }
        } else {
            // SAFETY: see the impl.
            unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
        }
    }
    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        // SAFETY: see the impl.
        unsafe { libmimalloc_sys::mi_free(ptr.cast()) }
    }
    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
        if layout.align() <= WORD {
            // SAFETY: see the impl.
            unsafe { libmimalloc_sys::mi_realloc(ptr.cast(), new).cast() }
        } else {
            // SAFETY: see the impl.
            unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new) }
        }
    }
}

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
///
/// On Linux the options are set by a constructor that runs before mimalloc's own
/// (init priority 101): set from `main`, they came after the Rust runtime's first
/// allocations had made an eagerly committed arena, whose freed pages stayed
/// resident. Measured on 20 copies of the corpus (`--format github`, peak RSS): 57 MB
/// set from `main`, 29 MB set before mimalloc starts (as `MIMALLOC_ARENA_EAGER_COMMIT=0`
/// in the environment does), same CPU time.
///
/// Arenas purge after 10 × the purge delay (`mi_option_arena_purge_mult` = 24, default
/// 1): freed arena pages are taken back less often, so fewer are faulted in again.
/// Measured (fifteenth round, docs/performance.md; 30 interleaved runs on the corpus,
/// JSON): wall 0.966× and page faults 9,438 → 7,554; peak RSS on 20 copies of the
/// corpus at most 48 MB over every format (HTML 40 → 48 MB).
extern "C" fn tune_allocator() {
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    const ARENA_PURGE_MULT: libmimalloc_sys::mi_option_t = 24;
    // SAFETY: plain setters of process-wide integer options, called before any thread
    // is started; valid option ids (see above).
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 25);
        libmimalloc_sys::mi_option_set(ARENA_PURGE_MULT, 10);
    }
}

/// Runs [`tune_allocator`] before mimalloc's constructor (priority 101; the
/// linker runs `.init_array.NNNNN` entries in ascending order).
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array.00100"]
static TUNE_ALLOCATOR_EARLY: extern "C" fn() = tune_allocator;

use clap::{CommandFactory, Parser, Subcommand};
use output::OutputArgs;
use pipewise::analysis::settings::RepoSettings;
use pipewise::audit::audit_path_with;
use pipewise::baseline::Baseline;
use pipewise::config::Config;
use pipewise::report::{RepoReport, Report, ReportError};
use pipewise::rules;
use pipewise::suggest::did_you_mean;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

mod capabilities;
mod lsp;
mod online;
mod output;
mod shard;

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
    Audit(Box<AuditArgs>),
    /// Apply the fixes of findings in place (or print them with --diff), each proven
    /// by a re-audit; unsafe fixes only with --unsafe.
    Fix(fix::FixArgs),
    /// Audit the commits that changed CI/CD files, straight from git (no checkout):
    /// score and category trend, findings introduced and fixed per commit, when each
    /// current high/critical finding first appeared, delivery metrics.
    History(history::HistoryArgs),
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
    /// into one report, repositories sorted by root. Output, exit codes and
    /// `--fail-on` work as for `audit`; the format defaults to JSON.
    Merge {
        /// Reports written by `pipewise audit --format json`.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// List every rule.
    Rules {
        /// Print the list as a Markdown table (as in the README).
        #[arg(long)]
        markdown: bool,
    },
    /// List the capability ids (`pipewise scaffold ID`), their names and what counts
    /// as evidence that a repository has them.
    Capabilities {
        /// Print the list as a Markdown table.
        #[arg(long)]
        markdown: bool,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print only the cost and speed of the pipelines: jobs per event, billable
    /// minutes, price a month, critical path and the changes that save the most.
    Cost {
        /// Repository directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        econ: Box<cost::EconArgs>,
        /// Output: plain text, json or markdown.
        #[arg(short, long, default_value = "plain", value_parser = ["plain", "json", "markdown"])]
        format: String,
    },
    /// Run as a language server on standard input/output: diagnostics for workflow,
    /// action, Dockerfile and compose buffers as they are opened and edited.
    Lsp,
}

#[derive(clap::Args)]
struct AuditArgs {
    /// Repository directories or single workflow files.
    #[arg(required_unless_present = "repos_from")]
    paths: Vec<PathBuf>,
    /// Read more paths from this file, one per line.
    #[arg(long, value_name = "FILE")]
    repos_from: Option<PathBuf>,
    #[command(flatten)]
    out: OutputArgs,
    /// Use this config file instead of the repository's pipewise.toml (for untrusted
    /// pull requests: a config kept outside the audited repository).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Ignore the repository's pipewise.toml: every rule at its default severity (for
    /// untrusted pull requests, whose config could switch their own audit off).
    #[arg(long)]
    no_config: bool,
    /// Paths in every format are relative to this directory (default: the current
    /// directory).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Report only findings that are not in this baseline (written by
    /// --write-baseline); baseline entries that no longer match are listed.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Write every current finding to this baseline file (findings then do not fail
    /// the run; file errors still do).
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// JSON file listing the repository's environments and their protection rules
    /// (`{"environments": [{"name": "production", "required_reviewers": 1}]}` or the
    /// output of `gh api repos/OWNER/REPO/environments`). pipewise cannot see
    /// repository settings otherwise, so approval gates stay "not visible".
    #[arg(long, value_name = "FILE")]
    settings: Option<PathBuf>,
    #[command(flatten)]
    econ: cost::EconArgs,
    /// Audit only shard I of N (1-based) of the repositories given, assigned by a
    /// hash of each one's normalised path: N jobs with --shard 1/N .. N/N audit every
    /// repository once, and `pipewise merge` of their JSON reports is the report of
    /// one run (docs/organisation.md).
    #[arg(long, value_name = "I/N")]
    shard: Option<shard::Shard>,
    /// Audit this commit (`HEAD~3`, `v1.2`, a branch, an id) of each PATH, a git
    /// repository (work tree or bare mirror), read straight from the object
    /// database: no checkout, no `git` process. The report is that of a checkout of
    /// the commit.
    #[arg(long, value_name = "REV")]
    rev: Option<String>,
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Rule { id } => match rules::by_id(&id) {
            Some(r) => {
                print!("{}", r.meta().documentation());
                Ok(ExitCode::SUCCESS)
            }
            None => Err(format!(
                "unknown rule `{id}`; `pipewise rules` lists them{}",
                did_you_mean(&id, pipewise::suggest::rule_ids())
            )),
        },
        Cmd::Rules { markdown } => {
            print!("{}", rules_listing(markdown));
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Capabilities { markdown } => {
            print!("{}", capabilities::listing(markdown));
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "pipewise", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Lsp => lsp::run(),
        Cmd::Cost {
            paths,
            econ,
            format,
        } => cost::run(&paths, &econ, &format),
        Cmd::Scaffold {
            capability,
            path,
            write,
        } => scaffold(&capability, &path, write),
        Cmd::Fix(args) => Ok(fix::run(args)),
        Cmd::History(args) => history::run(args),
        Cmd::Audit(args) => {
            let started = std::time::Instant::now();
            if batch::timings_requested() {
                pipewise::shell::enable_shell_timing();
            }
            let code = run_audit(*args);
            batch::print_timings(started);
            batch::print_work();
            code
        }
        Cmd::Merge { reports, out } => merge(&reports, &out),
    };
    result.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
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
    let ids = pipewise::analysis::capabilities::IDS;
    if !ids.contains(&capability) {
        return Err(format!(
            "unknown capability `{capability}`; `pipewise capabilities` lists them{}",
            did_you_mean(capability, ids.iter().copied())
        ));
    }
    let repo = pipewise::repo::Repo::load(path, &path.display().to_string());
    let Some((stack, template)) = pipewise::analysis::scaffold(&repo, capability) else {
        return Err(format!(
            "unknown capability `{capability}`; `pipewise capabilities` lists them"
        ));
    };
    let Some(t) = template else {
        let d = pipewise::analysis::stack::Detected {
            stack,
            ..Default::default()
        };
        eprintln!(
            "no template for `{capability}` with this stack; recommendation: {}",
            pipewise::analysis::capabilities::recommendation(capability, &d, None)
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

/// `--config FILE`: read within the file limits (a regular file, at most 4 MiB,
/// UTF-8); its notes are not repeated (the user chose it).
fn read_config(p: &Path) -> Result<Config, String> {
    let meta = std::fs::metadata(p).map_err(|e| format!("--config {}: {e}", p.display()))?;
    if !meta.is_file() {
        return Err(format!(
            "--config {}: not a regular file (use --no-config to audit without any config)",
            p.display()
        ));
    }
    let dir = p.parent().unwrap_or(Path::new("."));
    let name = p.display().to_string();
    let text = pipewise::source::read_text(dir, p, &name)
        .map_err(|e| pipewise::config::format_error(&e))?;
    let mut cfg =
        Config::parse_located(&text, &name).map_err(|e| pipewise::config::format_error(&e))?;
    cfg.notes.clear();
    Ok(cfg)
}

/// The paths given on the command line and in `--repos-from`.
fn gather_paths(args: &AuditArgs) -> Result<Vec<PathBuf>, String> {
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
    if paths.is_empty() {
        return Err("no paths given".into());
    }
    Ok(paths)
}

/// A path that could not be audited at all, as a repository entry with its error.
fn unaudited(path: &Path, message: String) -> RepoReport {
    RepoReport {
        root: path.display().to_string(),
        errors: vec![ReportError {
            file: ".".into(),
            line: 0,
            message,
        }],
        ..RepoReport::default()
    }
}

fn run_audit(args: AuditArgs) -> Result<ExitCode, String> {
    let opts = args.out.resolve("plain")?;
    let config = if args.no_config {
        Some(Config::default())
    } else {
        args.config.as_deref().map(read_config).transpose()?
    };
    let settings = match &args.settings {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            Some(RepoSettings::parse(&text).map_err(|e| format!("{}: {e}", p.display()))?)
        }
        None => None,
    };
    let settings = args.econ.apply(settings)?;
    let baseline = match &args.baseline {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            Some(Baseline::parse(&text).map_err(|e| format!("{}: {e}", p.display()))?)
        }
        None => None,
    };
    let mut paths = gather_paths(&args)?;
    let base = output::base(args.root.as_deref())?;
    if let Some(s) = args.shard {
        paths = s.select(paths, |p| output::rebase(&p.display().to_string(), &base));
        if paths.is_empty() {
            // A shard may hold no repository (fewer repositories than shards): an
            // empty report, so the merge job still finds one.
            if !opts.quiet {
                eprintln!(
                    "notice: shard {}/{} holds none of the repositories given",
                    s.index, s.count
                );
            }
            output::emit(&Report::new(vec![], pipewise::rules::table()), &opts, &base)?;
            return Ok(ExitCode::SUCCESS);
        }
    }
    let pool = Mutex::new(baseline.as_ref().map(Baseline::pool).unwrap_or_default());
    let accepted = Mutex::new(0usize);
    let writing_baseline = args.write_baseline.is_some();
    let all_findings: Mutex<Vec<RepoReport>> = Mutex::new(vec![]);
    // Every repository goes through this once: paths rebased, baseline applied,
    // warnings shown (formats other than plain and JSON show them on stderr).
    let prepare = |p: &Path| -> RepoReport {
        let audited = match &args.rev {
            Some(rev) => pipewise_git::audit_rev(
                p,
                rev,
                &p.display().to_string(),
                config.as_ref(),
                settings.as_ref(),
            ),
            None => audit_path_with(p, config.as_ref(), settings.as_ref()),
        };
        let mut r = match audited {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                unaudited(p, e)
            }
        };
        r.root = output::rebase(&r.root, &base);
        if !opts.format.0.shows_inventory() {
            pipewise::report::drop_inventory(&mut r);
        }
        if writing_baseline {
            let mut keep = RepoReport {
                root: r.root.clone(),
                findings: r.findings.clone(),
                ..RepoReport::default()
            };
            keep.findings.shrink_to_fit();
            if let Ok(mut all) = all_findings.lock() {
                all.push(keep);
            }
        }
        if let Some(b) = &baseline {
            if let (Ok(mut pool), Ok(mut n)) = (pool.lock(), accepted.lock()) {
                let hidden = b.filter(&mut r.findings, &mut pool);
                if hidden > 0 {
                    r.summary = pipewise::summary::summarize(&r);
                }
                *n += hidden;
            }
        }
        // Plain and JSON show warnings in the report itself.
        if !(opts.quiet || opts.format.is("plain") || opts.format.is("json")) {
            output::print_warnings(&r);
        }
        if !opts.quiet && r.files.is_empty() && r.errors.is_empty() {
            eprintln!(
                "notice: {}",
                pipewise::report::plain::nothing_found(&output::shown_root(&r.root))
            );
        }
        r
    };
    let multi = paths.len() > 1;
    // The formats written repository by repository (`None`: the others). Inner
    // `None`: the reader closed the pipe.
    let streamed = |audit: &Audit| -> Result<Option<Option<batch::Outcome>>, String> {
        use pipewise::report::{concise, github, gitlab, html, json, markdown, plain, sarif};
        let md = || markdown::Options {
            date: markdown::report_date(opts.date.as_deref()),
        };
        Ok(Some(match opts.format.0.name() {
            "json" => {
                let s = json::JsonStream {
                    schema: opts.schema,
                    rules: pipewise::rules::table(),
                };
                streamed_to(&paths, &opts, audit, &s)?
            }
            "plain" => {
                let width = output::terminal_width(opts.output.is_none());
                let s = plain::PlainStream::new(opts.colour, width, multi);
                streamed_to(&paths, &opts, audit, &s)?
            }
            "sarif" => {
                let s = sarif::SarifStream::new(Some(base.clone()), pipewise::rules::table());
                streamed_to(&paths, &opts, audit, &s)?
            }
            "concise" => streamed_to(&paths, &opts, audit, &concise::ConciseStream { multi })?,
            "github" => streamed_to(&paths, &opts, audit, &github::Github)?,
            "markdown" => {
                let s = markdown::MarkdownStream { opts: md() };
                streamed_to(&paths, &opts, audit, &s)?
            }
            "html" => {
                let s = html::HtmlStream { opts: md(), multi };
                streamed_to(&paths, &opts, audit, &s)?
            }
            "gitlab" => streamed_to(&paths, &opts, audit, &gitlab::GitlabStream { multi })?,
            _ => return Ok(None),
        }))
    };
    let bar = batch::progress(paths.len(), opts.format.is("plain") && !opts.quiet);
    let counted = |p: &Path| {
        let r = prepare(p);
        bar.inc(1);
        Ok(r)
    };
    let verdict = if let Some(outcome) = streamed(&counted)? {
        // Streamed: each repository is audited, written and released in turn.
        bar.finish_and_clear();
        let Some(outcome) = outcome else {
            // The reader closed the pipe.
            return Ok(ExitCode::SUCCESS);
        };
        output::Verdict {
            failing: outcome.failing,
            errors: outcome.errors,
            audited: outcome.audited,
        }
    } else {
        // Repositories in parallel (these formats need the whole report anyway);
        // results in the order given.
        let repos: Vec<RepoReport> = {
            use rayon::prelude::*;
            paths
                .par_iter()
                .map(|p| {
                    let r = prepare(p);
                    bar.inc(1);
                    r
                })
                .collect()
        };
        bar.finish_and_clear();
        let mut report = Report::new(repos, pipewise::rules::table());
        let verdict = output::Verdict::of(&report, opts.fail_on);
        for r in &mut report.repositories {
            pipewise::summary::retain_at_least(r, opts.min);
        }
        output::emit(&report, &opts, &base)?;
        verdict
    };
    if let Some(b) = &baseline {
        let pool = pool.lock().map_err(|_| "internal error: baseline lock")?;
        let stale = b.stale(&pool);
        let n = accepted.lock().map(|n| *n).unwrap_or(0);
        if !opts.quiet {
            eprintln!(
                "baseline: {n} known finding(s) not shown; {} baseline entr{} no longer match{}",
                stale.len(),
                if stale.len() == 1 { "y" } else { "ies" },
                if stale.is_empty() {
                    ""
                } else {
                    " (fixed or changed; refresh with --write-baseline):"
                }
            );
            for e in stale {
                eprintln!("  stale: {}:{}: [{}] {}", e.file, e.line, e.rule, e.message);
            }
        }
    }
    if let Some(p) = &args.write_baseline {
        let all = all_findings.into_inner().unwrap_or_default();
        let b = Baseline::of(&Report::new(all, pipewise::rules::table()));
        std::fs::write(p, b.to_json())
            .map_err(|e| format!("cannot write the baseline {}: {e}", p.display()))?;
        if !opts.quiet {
            eprintln!(
                "baseline: wrote {} finding(s) to {}",
                b.findings.len(),
                p.display()
            );
        }
        return Ok(verdict.exit_code(None, opts.fail_on_error));
    }
    Ok(verdict.exit_code(opts.fail_on, opts.fail_on_error))
}

/// How a repository is audited for a streamed report.
type Audit<'a> = dyn Fn(&Path) -> Result<RepoReport, String> + Sync + 'a;

/// Audits `paths` and writes the report in the streamed format `s` to the output
/// file or standard output; `None` when the reader closed the pipe.
fn streamed_to<S: pipewise::report::stream::Stream>(
    paths: &[PathBuf],
    opts: &output::Options,
    audit: &Audit,
    s: &S,
) -> Result<Option<batch::Outcome>, String> {
    match &opts.output {
        Some(o) => {
            let f = std::fs::File::create(o).map_err(|e| format!("{}: {e}", o.display()))?;
            let mut w = std::io::BufWriter::new(f);
            batch::stream(paths, &mut w, audit, opts.min, opts.fail_on, s)
                .map(Some)
                .map_err(|e| format!("{}: {e}", o.display()))
        }
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            match batch::stream(paths, &mut w, audit, opts.min, opts.fail_on, s) {
                Ok(o) => Ok(Some(o)),
                Err(e) if output::is_closed_pipe(&e) => Ok(None),
                Err(e) => Err(e),
            }
        }
    }
}

/// `pipewise merge`: saved reports into one, written like an audit's.
fn merge(reports: &[PathBuf], out: &OutputArgs) -> Result<ExitCode, String> {
    let opts = out.resolve("json")?;
    let mut report = batch::merge(reports)?;
    let verdict = output::Verdict::of(&report, opts.fail_on);
    for r in &mut report.repositories {
        pipewise::summary::retain_at_least(r, opts.min);
    }
    let base = output::base(None)?;
    output::emit(&report, &opts, &base)?;
    Ok(verdict.exit_code(opts.fail_on, opts.fail_on_error))
}

#[cfg(test)]
mod tests {
    /// The allocator options are set before `main` (the test harness never calls
    /// this crate's `main`, so only the constructor can have set them).
    #[cfg(target_os = "linux")]
    #[test]
    fn allocator_is_tuned_before_main() {
        // SAFETY: plain getters of process-wide integer options (ids as in
        // `tune_allocator`).
        let (eager, purge, mult) = unsafe {
            (
                libmimalloc_sys::mi_option_get(4),
                libmimalloc_sys::mi_option_get(15),
                libmimalloc_sys::mi_option_get(24),
            )
        };
        assert_eq!((eager, purge, mult), (0, 25, 10));
    }

    /// Blocks of every size and alignment, through each entry point, are aligned as
    /// asked, keep their bytes when grown and shrunk, and come zeroed when asked.
    #[test]
    fn the_allocator_meets_every_layout() {
        use std::alloc::{GlobalAlloc, Layout};
        let a = super::Mimalloc;
        for align in [1usize, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [1usize, 3, 7, 8, 9, 16, 24, 100, 1024, 1025, 5000, 70_000] {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: non-zero sizes; every block is freed with its layout.
                unsafe {
                    let z = a.alloc_zeroed(layout);
                    assert!(
                        !z.is_null() && (z as usize).is_multiple_of(align),
                        "{size} {align}"
                    );
                    assert!(std::slice::from_raw_parts(z, size).iter().all(|&b| b == 0));
                    a.dealloc(z, layout);
                    let p = a.alloc(layout);
                    assert!(
                        !p.is_null() && (p as usize).is_multiple_of(align),
                        "{size} {align}"
                    );
                    for i in 0..size {
                        *p.add(i) = (i % 251) as u8;
                    }
                    // Grown, then shrunk below the first size.
                    let (mut p, mut layout) = (p, layout);
                    for new in [size * 3 + 1, size.div_ceil(2)] {
                        p = a.realloc(p, layout, new);
                        assert!(
                            !p.is_null() && (p as usize).is_multiple_of(align),
                            "{size} {align}"
                        );
                        let kept = size.min(new);
                        assert!((0..kept).all(|i| *p.add(i) == (i % 251) as u8));
                        layout = Layout::from_size_align(new, align).unwrap();
                    }
                    a.dealloc(p, layout);
                }
            }
        }
    }
}
