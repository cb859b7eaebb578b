//! The "Cost and speed" data of the `pipewise/report@1` document: plain data, read by
//! every renderer (no computation here). Every number carries its basis.

use serde::{Deserialize, Serialize};

/// Where a number comes from.
pub const BASIS_RUNS: &str = "run data";
pub const BASIS_MODEL: &str = "model";
pub const BASIS_TIMEOUT: &str = "timeout bound";

/// A duration or a count of minutes: low, expected, high.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
pub struct Range {
    pub low: f64,
    pub expected: f64,
    pub high: f64,
}

impl Range {
    pub fn new(low: f64, expected: f64, high: f64) -> Range {
        Range {
            low,
            expected,
            high,
        }
    }
    pub fn plus(self, o: Range) -> Range {
        Range::new(
            self.low + o.low,
            self.expected + o.expected,
            self.high + o.high,
        )
    }
    pub fn scale(self, k: f64) -> Range {
        Range::new(self.low * k, self.expected * k, self.high * k)
    }
    pub fn max(self, o: Range) -> Range {
        Range::new(
            self.low.max(o.low),
            self.expected.max(o.expected),
            self.high.max(o.high),
        )
    }
    /// Each bound rounded up to a whole minute (GitHub bills each job that way).
    pub fn ceil(self) -> Range {
        Range::new(self.low.ceil(), self.expected.ceil(), self.high.ceil())
    }
    /// Rounded to 0.1 for display and stable output.
    pub fn tidy(self) -> Range {
        Range::new(tidy(self.low), tidy(self.expected), tidy(self.high))
    }
}

/// A number rounded to one decimal (two for money below a dollar).
pub fn tidy(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Money rounded to the cent.
pub fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// What the monthly figures assume; the user can change each (`pipewise cost
/// --pushes-per-day 20`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Assumptions {
    /// Pushes to the default branch per day.
    pub pushes_per_day: f64,
    /// Pull requests opened per week.
    pub prs_per_week: f64,
    /// Pushes to each pull request (each one runs its checks again).
    pub pushes_per_pr: f64,
    /// Tags (releases) per month.
    pub tags_per_month: f64,
    /// Share of pushes and pull requests that touch a path-filtered workflow's paths.
    pub path_filter_share: f64,
    /// Days in a month.
    pub days_per_month: f64,
    /// The price table used: its date and source.
    pub price_table: String,
}

impl Default for Assumptions {
    fn default() -> Self {
        Assumptions {
            pushes_per_day: 5.0,
            prs_per_week: 10.0,
            pushes_per_pr: 3.0,
            tags_per_month: 2.0,
            path_filter_share: 0.5,
            days_per_month: 30.0,
            price_table: String::new(),
        }
    }
}

/// The "Cost and speed" section of one repository.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Economics {
    pub assumptions: Option<Assumptions>,
    pub workflows: Vec<WorkflowCost>,
    /// Billable minutes per month on GitHub-hosted runners (expected).
    pub monthly_minutes: f64,
    /// List price per month, USD (expected; standard runners are free on public
    /// repositories).
    pub monthly_usd: f64,
    /// Minutes per month on self-hosted or third-party runners (not billed by GitHub).
    pub self_hosted_monthly_minutes: f64,
    /// Changes that save the most, largest first.
    pub savings: Vec<Saving>,
}

/// One workflow's jobs, runs and costs.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct WorkflowCost {
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `estimated`, or why not (`not estimated: …`).
    pub status: String,
    /// What the estimate leaves out or assumes (dynamic matrices, remote reusable
    /// workflows, unknown runner labels, path filters).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub jobs: Vec<JobCost>,
    pub events: Vec<EventCost>,
    pub monthly_minutes: f64,
    pub monthly_usd: f64,
    pub self_hosted_monthly_minutes: f64,
}

/// One job: its runner, legs and duration per leg.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct JobCost {
    pub id: String,
    pub line: usize,
    /// The runner label as priced (`ubuntu-latest`, `macos-14`; one per distinct
    /// runner among the matrix legs).
    pub runners: Vec<RunnerUse>,
    /// Matrix legs after `include`/`exclude`; `None` when the matrix is computed at
    /// run time.
    pub legs: Option<u32>,
    /// Minutes per leg.
    pub minutes: Range,
    /// `model`, `run data (N runs)`, with `timeout bound` for a high end clipped by
    /// `timeout-minutes`.
    pub basis: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_minutes: Option<f64>,
    pub needs: Vec<String>,
    /// A reusable workflow this job calls (its jobs are costed in its place).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uses: Option<String>,
}

/// Legs of a job on one runner.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RunnerUse {
    pub label: String,
    /// The price table row (`Linux 2-core`), or `self-hosted`.
    pub class: String,
    pub legs: u32,
    pub usd_per_minute: f64,
    /// GitHub's included-minutes multiplier (Linux 1, Windows 2, macOS 10).
    pub multiplier: f64,
    pub self_hosted: bool,
}

/// One triggering event: which jobs run, what a run bills and how long it takes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct EventCost {
    /// `push` (default branch), `pull_request`, `tag`, `schedule`,
    /// `workflow_dispatch`, `workflow_run`, `release`, `merge_group`.
    pub event: String,
    /// Jobs that run, with their legs (`build×3`); jobs of a called reusable
    /// workflow as `caller/job`.
    pub jobs: Vec<String>,
    /// Billable minutes of one run (each leg rounded up to a whole minute).
    pub billable_minutes: Range,
    /// List price of one run, USD (expected).
    pub usd: f64,
    /// Wall time of one run along the critical path (expected).
    pub wall_minutes: Range,
    /// The longest chain of `needs:`.
    pub critical_path: Vec<String>,
    /// Minutes a fan-in job waits for its slowest need after its fastest is done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_wait: Option<IdleWait>,
    /// Runs per month under the assumptions, and why.
    pub runs_per_month: f64,
    pub frequency: String,
    pub basis: String,
}

/// The job that waits longest on `needs:` in a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct IdleWait {
    pub job: String,
    pub waits_for: String,
    pub minutes: f64,
}

/// An optimisation and what it saves.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Saving {
    pub rule: String,
    pub file: String,
    pub line: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    pub message: String,
    pub minutes_per_month: f64,
    pub usd_per_month: f64,
    pub basis: String,
}
