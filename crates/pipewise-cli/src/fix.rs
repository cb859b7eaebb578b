//! `pipewise fix`: applies the fixes of findings (see `pipewise::fix`), writes the
//! changed files or prints their unified diff, and exits like `audit`.

use pipewise::config::Config;
use pipewise::finding::Severity;
use pipewise::fix::{self, FixOptions, Outcome};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct FixArgs {
    /// Repository directories or single workflow files (default: the current directory).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Print a unified diff of the fixes and change nothing.
    #[arg(long)]
    diff: bool,
    /// Only fix findings of this rule (repeatable).
    #[arg(long = "rule", value_name = "ID")]
    rules: Vec<String>,
    /// Only fix findings at or above this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "info")]
    min_severity: String,
    /// Also apply unsafe fixes (they may change what the pipeline does: review them).
    #[arg(long = "unsafe")]
    allow_unsafe: bool,
    /// Exit with 1 when a finding at or above this severity remains (or `none`).
    #[arg(long, value_name = "SEVERITY", default_value = "high")]
    fail_on: String,
    /// Use this config file instead of the repository's pipewise.toml.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Resolve tags the offline table does not know (and ids for actions.lock) through
    /// the GitHub API (token from GH_TOKEN or GITHUB_TOKEN). Without it, no network.
    #[arg(long)]
    online: bool,
}

fn severity(flag: &str, v: &str) -> Result<Option<Severity>, String> {
    if v.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    v.parse::<Severity>()
        .map(Some)
        .map_err(|e| format!("--{flag}: {e}"))
}

pub fn run(args: FixArgs) -> ExitCode {
    match run_inner(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run_inner(args: FixArgs) -> Result<ExitCode, String> {
    let min = severity("min-severity", &args.min_severity)?.unwrap_or(Severity::Info);
    let fail_on = severity("fail-on", &args.fail_on)?;
    for r in &args.rules {
        if pipewise::rules::by_id(r).is_none() {
            return Err(format!(
                "--rule: unknown rule `{r}`; `pipewise rules` lists them"
            ));
        }
        if fix::fixer_for(r).is_none() {
            return Err(format!("--rule: `{r}` has no automatic fix"));
        }
    }
    let config = match &args.config {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            Some(Config::parse(&text, p)?)
        }
        None => None,
    };
    let api = args.online.then(crate::online::GithubApi::from_env);
    let opts = FixOptions {
        rules: args.rules.clone(),
        min_severity: min,
        allow_unsafe: args.allow_unsafe,
        resolver: api.as_ref().map(|a| a as &dyn fix::ShaResolver),
        only: None,
    };
    let mut failing = false;
    let mut out = std::io::stdout().lock();
    for path in &args.paths {
        let run = fix::fix_path(path, config.as_ref(), &opts)?;
        if args.diff {
            use std::io::Write;
            let _ = out.write_all(run.diff().as_bytes());
        } else {
            for c in &run.changed {
                write_file(&run.root, &c.path, &c.after)?;
            }
        }
        for r in &run.records {
            let what = match &r.outcome {
                Outcome::Applied if args.diff => "would fix".to_string(),
                Outcome::Applied => "fixed".to_string(),
                Outcome::RolledBack(why) => format!("rolled back ({why})"),
                Outcome::NeedsUnsafe => "needs --unsafe".to_string(),
                Outcome::NotApplicable => continue,
            };
            eprintln!(
                "{}:{}: {}: {what}: {}",
                r.file, r.line, r.rule, r.description
            );
        }
        eprintln!(
            "{}: {} fix{} {}, {} file{} changed; score {} -> {}",
            run.before.root,
            run.applied(),
            if run.applied() == 1 { "" } else { "es" },
            if args.diff { "proposed" } else { "applied" },
            run.changed.len(),
            if run.changed.len() == 1 { "" } else { "s" },
            run.before.scores.overall,
            run.after.scores.overall,
        );
        if let Some(level) = fail_on {
            failing |= run.after.findings.iter().any(|f| f.severity >= level);
        }
    }
    for note in api.iter().flat_map(|a| a.notes()) {
        eprintln!("warning: {note}");
    }
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes a fixed file in place; never through a symbolic link.
fn write_file(root: &std::path::Path, rel: &str, text: &str) -> Result<(), String> {
    let path = root.join(rel);
    let meta = std::fs::symlink_metadata(&path).map_err(|e| format!("{rel}: {e}"))?;
    if meta.file_type().is_symlink() {
        return Err(format!("{rel}: is a symbolic link; not written"));
    }
    std::fs::write(&path, text).map_err(|e| format!("{rel}: cannot write: {e}"))
}
