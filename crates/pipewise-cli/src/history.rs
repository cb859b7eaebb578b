//! `pipewise history`: the audit over a repository's git history (the
//! `pipewise-git` crate), written as plain text, JSON or an HTML page.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq, Debug)]
pub enum HistoryFormat {
    Plain,
    Json,
    Html,
}

#[derive(clap::Args)]
pub struct HistoryArgs {
    /// The git repository: a work tree or a bare repository (mirror).
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Walk the first-parent line back from this revision.
    #[arg(long, default_value = "HEAD")]
    rev: String,
    /// Only commits committed on or after this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", conflicts_with = "last")]
    since: Option<String>,
    /// Only the last N commits that changed CI/CD files.
    #[arg(long, value_name = "N")]
    last: Option<usize>,
    /// Audit every Nth commit that changed CI/CD files (always the newest).
    #[arg(long, value_name = "N", default_value_t = 1)]
    every: usize,
    /// The CI system's record of runs, for the delivery metrics: the JSON of `gh api
    /// repos/OWNER/REPO/actions/runs --paginate` (deploy runs, success rate,
    /// recovery, lead time to a successful deploy).
    #[arg(long, value_name = "FILE")]
    runs: Option<PathBuf>,
    /// Output format (default: from the --output extension, else plain).
    #[arg(long, short, value_enum)]
    format: Option<HistoryFormat>,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Date shown in the HTML page (YYYY-MM-DD; default: SOURCE_DATE_EPOCH, else today).
    #[arg(long, value_name = "DATE")]
    date: Option<String>,
}

pub fn run(args: HistoryArgs) -> Result<ExitCode, String> {
    if args.every == 0 {
        return Err("--every: must be at least 1".into());
    }
    if args.last == Some(0) {
        return Err("--last: must be at least 1".into());
    }
    let since = args
        .since
        .as_deref()
        .map(|s| pipewise_git::history::parse_date(s).map_err(|e| format!("--since: {e}")))
        .transpose()?;
    if let Some(d) = &args.date {
        crate::output::check_date(d)?;
    }
    let format = args.format.unwrap_or_else(|| {
        match args
            .output
            .as_deref()
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
        {
            Some("json") => HistoryFormat::Json,
            Some("html" | "htm") => HistoryFormat::Html,
            _ => HistoryFormat::Plain,
        }
    });
    let git = Arc::new(pipewise_git::GitRepo::open(&args.path)?);
    let base = crate::output::base(None)?;
    let display = crate::output::rebase(&args.path.display().to_string(), &base);
    let runs = match &args.runs {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).map_err(|e| format!("--runs {}: {e}", p.display()))?;
            Some(
                pipewise_git::runs::parse(&text)
                    .map_err(|e| format!("--runs {}: {e}", p.display()))?,
            )
        }
        None => None,
    };
    let opts = pipewise_git::history::Options {
        since,
        last: args.last,
        every: args.every,
        runs,
    };
    let h = pipewise_git::history::history(&git, &args.rev, &display, &opts)?;
    let text = match format {
        HistoryFormat::Plain => pipewise_git::render::plain(&h),
        HistoryFormat::Json => pipewise_git::render::json(&h),
        HistoryFormat::Html => pipewise_git::render::html(
            &h,
            &pipewise::report::markdown::report_date(args.date.as_deref()),
        ),
    };
    match &args.output {
        Some(p) => std::fs::write(p, text)
            .map_err(|e| format!("cannot write the history to {}: {e}", p.display()))?,
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => return Err(format!("cannot write the history: {e}")),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
