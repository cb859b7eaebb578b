//! What the audit and merge commands share: the output flags (format from `--format`
//! or the file extension, colour, `--quiet`, `--date`), paths relative to one base,
//! writing the report (a write error is exit 2 with a message), warnings on stderr,
//! and the exit code.
//!
//! Exit codes: `0` nothing at or above `--fail-on`; `1` a finding at or above it;
//! `2` a usage error, nothing audited, a file error (unless `--fail-on-error false`),
//! or the report could not be written.

use clap::ValueEnum;
use pipewise::finding::Severity;
use pipewise::report::{self, display_path, RepoReport, Report};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// An output format: a renderer of the registry (`pipewise::report::RENDERERS`),
/// chosen by name.
#[derive(Clone, Copy)]
pub struct Format(pub &'static dyn report::Renderer);

impl Format {
    pub fn is(self, name: &str) -> bool {
        self.0.name() == name
    }
}

fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(report::RENDERERS.iter().map(|r| r.name())).try_map(
        |name: String| {
            report::renderer(&name)
                .map(Format)
                .ok_or_else(|| format!("unknown format `{name}`"))
        },
    )
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug, Default)]
pub enum ColorChoice {
    /// Colour on a terminal, unless NO_COLOR is set or TERM=dumb; CLICOLOR_FORCE forces it.
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(clap::Args)]
pub struct OutputArgs {
    /// Output format (default: from the --output extension, else plain; JSON for merge).
    #[arg(long, short, value_parser = format_parser())]
    pub format: Option<Format>,
    /// Write the report to this file instead of standard output (format from the
    /// extension when --format is not given: .json, .sarif, .md, .html).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only show findings at or above this severity. Hiding does not change the exit
    /// code: that follows --fail-on over every finding.
    #[arg(long, value_name = "SEVERITY", default_value = "info")]
    pub min_severity: String,
    /// Exit with 1 when a finding is at or above this severity (or `none`).
    #[arg(long, value_name = "SEVERITY", default_value = "high")]
    pub fail_on: String,
    /// Exit with 2 when a file cannot be read or parsed (the rest is still audited
    /// and reported). `--fail-on-error false` exits on findings only.
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub fail_on_error: bool,
    /// Colour the plain output: auto (a terminal, unless NO_COLOR is set or TERM=dumb;
    /// CLICOLOR_FORCE forces it), always or never.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,
    /// Same as --color never.
    #[arg(long, hide = true)]
    pub no_color: bool,
    /// No warnings, notices, baseline summary or progress bar on standard error
    /// (errors are still shown).
    #[arg(long, short)]
    pub quiet: bool,
    /// Date shown in Markdown/HTML reports (YYYY-MM-DD; default: SOURCE_DATE_EPOCH, else today).
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
    /// Schema of the JSON report: 2 (`pipewise/report@2`: each rule's title, impact,
    /// fix and references once, in a `rules` table) or 1 (`pipewise/report@1`: on
    /// every finding). See docs/report-schema.md.
    #[arg(long, value_name = "1|2", default_value = "2")]
    pub report_schema: String,
}

/// The output flags, checked.
pub struct Options {
    pub format: Format,
    pub output: Option<PathBuf>,
    pub min: Severity,
    pub fail_on: Option<Severity>,
    pub fail_on_error: bool,
    pub colour: bool,
    pub quiet: bool,
    pub date: Option<String>,
    pub schema: report::json::Schema,
}

fn parse_severity(flag: &str, v: &str) -> Result<Option<Severity>, String> {
    if v.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    v.parse::<Severity>().map(Some).map_err(|e| {
        format!(
            "--{flag}: {e}{}",
            pipewise::suggest::did_you_mean(
                v,
                ["critical", "high", "medium", "low", "info", "none"]
            )
        )
    })
}

/// Checks `YYYY-MM-DD` and that the day exists in that month.
pub fn check_date(d: &str) -> Result<(), String> {
    let bad = || format!("--date: expected a date as YYYY-MM-DD, got `{d}`");
    let parts: Vec<&str> = d.split('-').collect();
    let [y, m, day] = parts.as_slice() else {
        return Err(bad());
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|c| c.is_ascii_digit());
    if !digits(y, 4) || !digits(m, 2) || !digits(day, 2) {
        return Err(bad());
    }
    let (y, m, day): (u32, u32, u32) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        day.parse().map_err(|_| bad())?,
    );
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(format!("--date: `{d}` has no month {m}")),
    };
    if day == 0 || day > days {
        return Err(format!(
            "--date: `{d}` is not a day of that month (it has {days})"
        ));
    }
    Ok(())
}

/// Whether to colour, from the flag, the environment and the terminal.
fn colour(choice: ColorChoice, to_file: bool) -> bool {
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if to_file || set("NO_COLOR") {
                return false;
            }
            if std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0") {
                return true;
            }
            if std::env::var_os("TERM").is_some_and(|t| t == "dumb") {
                return false;
            }
            std::io::stdout().is_terminal()
        }
    }
}

impl OutputArgs {
    /// Checks the flags; `default` names the format without `--format` or a known
    /// extension.
    pub fn resolve(&self, default: &str) -> Result<Options, String> {
        let min = parse_severity("min-severity", &self.min_severity)?.unwrap_or(Severity::Info);
        let fail_on = parse_severity("fail-on", &self.fail_on)?;
        if let Some(d) = &self.date {
            check_date(d)?;
        }
        let by_ext = self
            .output
            .as_deref()
            .and_then(report::renderer_for_path)
            .map(Format);
        let format = self
            .format
            .or(by_ext)
            .or_else(|| report::renderer(default).map(Format))
            .ok_or_else(|| format!("unknown format `{default}`"))?;
        let choice = if self.no_color {
            ColorChoice::Never
        } else {
            self.color
        };
        Ok(Options {
            format,
            output: self.output.clone(),
            min,
            fail_on,
            fail_on_error: self.fail_on_error,
            colour: colour(
                choice,
                self.output.is_some() && choice != ColorChoice::Always,
            ),
            quiet: self.quiet,
            date: self.date.clone(),
            schema: report::json::Schema::parse(&self.report_schema)?,
        })
    }
}

/// The directory every path is shown relative to: `--root`, else the current one.
pub fn base(root: Option<&Path>) -> Result<PathBuf, String> {
    let dir = match root {
        Some(r) => r.to_path_buf(),
        None => std::env::current_dir().map_err(|e| format!("current directory: {e}"))?,
    };
    std::fs::canonicalize(&dir).map_err(|e| format!("--root {}: {e}", dir.display()))
}

/// A repository root relative to `base` (`.` for the base itself), `/`-separated;
/// absolute when it is not under `base`.
pub fn rebase(root: &str, base: &Path) -> String {
    let Ok(abs) = std::fs::canonicalize(root) else {
        return root.to_string();
    };
    match abs.strip_prefix(base) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".into(),
        Ok(rel) => pipewise::source::relative(Path::new(""), rel),
        Err(_) => abs.display().to_string(),
    }
}

/// A root as shown in messages.
pub fn shown_root(root: &str) -> String {
    if root == "." {
        "the current directory".into()
    } else {
        root.to_string()
    }
}

/// Warnings of a repository on stderr (formats whose output does not show them).
pub fn print_warnings(r: &RepoReport) {
    for w in &r.warnings {
        let path = display_path(&r.root, &w.file);
        if w.line > 0 {
            eprintln!("warning: {path}:{}: {}", w.line, w.message);
        } else {
            eprintln!("warning: {path}: {}", w.message);
        }
    }
}

/// Whether a write error is a closed pipe (`| head`), which is not worth reporting.
pub fn is_closed_pipe(e: &str) -> bool {
    e.contains("Broken pipe") || e.contains("os error 32")
}

/// On a terminal, plain output is wrapped to its width.
pub fn terminal_width(to_stdout: bool) -> Option<usize> {
    if !to_stdout || !std::io::stdout().is_terminal() {
        return None;
    }
    console::Term::stdout()
        .size_checked()
        .map(|(_, cols)| usize::from(cols))
        .filter(|c| *c >= 40)
}

/// Renders the report in the chosen format and writes it.
pub fn emit(report: &Report, opts: &Options, base: &Path) -> Result<(), String> {
    let text = opts.format.0.render(
        report,
        &report::RenderOptions {
            colour: opts.colour,
            date: report::markdown::report_date(opts.date.as_deref()),
            width: terminal_width(opts.output.is_none()),
            base: Some(base.to_path_buf()),
            report_schema: opts.schema,
        },
    );
    match &opts.output {
        Some(p) => std::fs::write(p, text)
            .map_err(|e| format!("cannot write the report to {}: {e}", p.display())),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(format!("cannot write the report: {e}")),
            }
        }
    }
}

/// What decides the exit code.
pub struct Verdict {
    /// A finding (before `--min-severity` hides any) at or above `--fail-on`.
    pub failing: bool,
    /// File errors over every repository.
    pub errors: usize,
    /// Repositories where at least one CI/CD file was read.
    pub audited: usize,
}

impl Verdict {
    pub fn of(report: &Report, fail_on: Option<Severity>) -> Verdict {
        Verdict {
            failing: fail_on.is_some_and(|l| report.findings().any(|f| f.severity >= l)),
            errors: report.repositories.iter().map(|r| r.errors.len()).sum(),
            audited: report
                .repositories
                .iter()
                .filter(|r| !r.files.is_empty())
                .count(),
        }
    }

    /// The exit code, with the reason for a 2 on stderr.
    pub fn exit_code(&self, fail_on: Option<Severity>, fail_on_error: bool) -> ExitCode {
        if self.audited == 0 {
            eprintln!(
                "error: nothing audited: no CI/CD file was found or could be read (pipewise reads .github/workflows, actions, Dockerfiles, compose files, Dependabot and Renovate configs)"
            );
            return ExitCode::from(2);
        }
        if self.errors > 0 && fail_on_error {
            eprintln!(
                "error: {} file error{} (listed in the report); exit 2 (`--fail-on-error false` exits on findings only)",
                self.errors,
                if self.errors == 1 { "" } else { "s" }
            );
            return ExitCode::from(2);
        }
        if fail_on.is_some() && self.failing {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked_against_the_calendar() {
        assert!(check_date("2024-02-29").is_ok());
        assert!(check_date("2025-12-31").is_ok());
        for bad in [
            "2025-02-29",
            "2025-02-30",
            "2025-13-01",
            "2025-04-31",
            "2025-1-01",
            "x",
            "2025-00-10",
            "2025-01-00",
        ] {
            assert!(check_date(bad).is_err(), "{bad}");
        }
        assert!(check_date("2025-02-30").unwrap_err().contains("not a day"));
    }
}
