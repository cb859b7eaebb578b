//! `pipewise cost PATH`: only the "Cost and speed" part of the audit (jobs per
//! event, billable minutes, prices, critical paths, savings), and the options that
//! feed it (`--runs FILE`, event frequencies), shared with `pipewise audit`.

use pipewise::analysis::settings::RepoSettings;
use pipewise::economics::{runs::Runs, Inputs};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Run data and frequency assumptions for the cost estimate.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct EconArgs {
    /// Observed job durations: JSON from `gh run view RUN --json workflowName,jobs`
    /// (one object, an array, or JSON Lines) or the REST API's
    /// `/actions/runs/RUN/jobs`; replaces the duration model for the jobs it names.
    #[arg(long, value_name = "FILE")]
    pub runs: Option<PathBuf>,
    /// Pushes to the default branch per day (cost estimate; default 5).
    #[arg(long, value_name = "N")]
    pub pushes_per_day: Option<f64>,
    /// Pull requests per week (cost estimate; default 10).
    #[arg(long, value_name = "N")]
    pub prs_per_week: Option<f64>,
    /// Pushes to each pull request (cost estimate; default 3).
    #[arg(long, value_name = "N")]
    pub pushes_per_pr: Option<f64>,
    /// Tags or releases per month (cost estimate; default 2).
    #[arg(long, value_name = "N")]
    pub tags_per_month: Option<f64>,
}

impl EconArgs {
    fn given(&self) -> bool {
        self.runs.is_some()
            || self.pushes_per_day.is_some()
            || self.prs_per_week.is_some()
            || self.pushes_per_pr.is_some()
            || self.tags_per_month.is_some()
    }

    /// The inputs, checked: numbers finite and not negative, run data parsed.
    pub fn inputs(&self) -> Result<Inputs, String> {
        let mut i = Inputs::default();
        let a = &mut i.assumptions;
        for (flag, v, slot) in [
            (
                "--pushes-per-day",
                self.pushes_per_day,
                &mut a.pushes_per_day,
            ),
            ("--prs-per-week", self.prs_per_week, &mut a.prs_per_week),
            ("--pushes-per-pr", self.pushes_per_pr, &mut a.pushes_per_pr),
            (
                "--tags-per-month",
                self.tags_per_month,
                &mut a.tags_per_month,
            ),
        ] {
            if let Some(v) = v {
                if !v.is_finite() || !(0.0..=1e6).contains(&v) {
                    return Err(format!("{flag} {v}: give a number from 0 to 1000000"));
                }
                *slot = v;
            }
        }
        if let Some(p) = &self.runs {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            i.runs = Some(Runs::parse(&text).map_err(|e| format!("{}: {e}", p.display()))?);
        }
        Ok(i)
    }

    /// Adds the inputs to the repository settings (creating them when needed).
    pub fn apply(&self, settings: Option<RepoSettings>) -> Result<Option<RepoSettings>, String> {
        if !self.given() {
            return Ok(settings);
        }
        let mut s = settings.unwrap_or_default();
        s.economics = self.inputs()?;
        Ok(Some(s))
    }
}

/// `pipewise cost`: the economics of each path, as text, JSON or Markdown.
pub fn run(paths: &[PathBuf], econ: &EconArgs, format: &str) -> Result<ExitCode, String> {
    let settings = econ.apply(None)?.unwrap_or_default();
    let config = pipewise::config::Config::default();
    let mut out = String::new();
    let mut json = vec![];
    let mut failed = false;
    for p in paths {
        let r = pipewise::audit::audit_path_with(p, Some(&config), Some(&settings))?;
        let Some(e) = r.economics else {
            eprintln!("error: {}: the cost estimate failed", p.display());
            failed = true;
            continue;
        };
        match format {
            "json" => json.push(serde_json::json!({"root": shown(p), "economics": e})),
            "markdown" => out.push_str(&pipewise::report::economics::markdown(&e, 2)),
            _ => {
                out.push_str(&format!("{}\n", shown(p)));
                out.push_str(&pipewise::report::economics::plain(&e));
            }
        }
    }
    if format == "json" {
        out = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())? + "\n";
    }
    print!("{out}");
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn shown(p: &Path) -> String {
    p.display().to_string()
}
