//! Observed job durations (`--runs FILE`): the JSON that GitHub's CLI and REST API
//! return for workflow runs and their jobs.
//!
//! Accepted, as one JSON document, a JSON array of them, or JSON Lines:
//! * `gh run view RUN_ID --json workflowName,jobs` → `{"workflowName": "CI",
//!   "jobs": [{"name": "test (ubuntu-latest, 18)", "startedAt": "…",
//!   "completedAt": "…", "conclusion": "success"}]}`;
//! * the REST API's `GET /repos/OWNER/REPO/actions/runs/RUN_ID/jobs` →
//!   `{"jobs": [{"name": "…", "workflow_name": "CI", "started_at": "…",
//!   "completed_at": "…"}]}`.
//!
//! A job is matched by its name (a matrix leg's ` (…)` suffix and a reusable
//! workflow's `caller / ` prefix removed) to the job with that `name:` or id, in the
//! workflow with that `name:` (or in any workflow when the data names none).

use serde_json::Value;
use std::collections::HashMap;

/// Durations in seconds, by (workflow name or "", job name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Runs {
    jobs: HashMap<(String, String), Vec<u64>>,
}

/// Observed minutes of one job.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observed {
    pub runs: usize,
    pub min: f64,
    pub median: f64,
    pub max: f64,
}

impl Runs {
    /// Parses run data; the error says what is wrong and where.
    pub fn parse(text: &str) -> Result<Runs, String> {
        let mut docs: Vec<Value> = vec![];
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) => docs.extend(items),
            Ok(v) => docs.push(v),
            Err(whole) => {
                for (i, line) in text.lines().enumerate() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let v = serde_json::from_str::<Value>(line).map_err(|e| {
                        format!("line {}: not JSON ({e}); the whole file: {whole}", i + 1)
                    })?;
                    docs.push(v);
                }
            }
        }
        let mut out = Runs::default();
        for (i, d) in docs.iter().enumerate() {
            let jobs = d.get("jobs").and_then(Value::as_array).ok_or_else(|| {
                format!(
                    "run {}: expected an object with a `jobs` list (`gh run view ID --json workflowName,jobs`)",
                    i + 1
                )
            })?;
            let run_workflow = str_of(d, &["workflowName", "workflow_name"]);
            for j in jobs {
                if str_of(j, &["conclusion"]).is_some_and(|c| c == "skipped") {
                    continue;
                }
                let Some(name) = str_of(j, &["name"]) else {
                    continue;
                };
                let wf = str_of(j, &["workflow_name", "workflowName"])
                    .or(run_workflow)
                    .unwrap_or("");
                let (Some(a), Some(b)) = (
                    str_of(j, &["startedAt", "started_at"]).and_then(seconds),
                    str_of(j, &["completedAt", "completed_at"]).and_then(seconds),
                ) else {
                    continue;
                };
                if b < a {
                    continue;
                }
                out.jobs
                    .entry((wf.to_string(), job_key(name)))
                    .or_default()
                    .push((b - a) as u64);
            }
        }
        if out.jobs.is_empty() {
            return Err("no job with a start and completion time".into());
        }
        Ok(out)
    }

    /// Observed minutes of a job of workflow `workflow` (its `name:`, else its file
    /// name) called `job_names` (its `name:` and id).
    pub fn observed(&self, workflow: &str, job_names: &[&str]) -> Option<Observed> {
        let mut secs: Vec<u64> = vec![];
        for wf in [workflow, ""] {
            for n in job_names {
                if let Some(v) = self.jobs.get(&(wf.to_string(), n.to_string())) {
                    secs.extend(v);
                }
            }
            if !secs.is_empty() {
                break;
            }
        }
        if secs.is_empty() {
            return None;
        }
        secs.sort_unstable();
        let m = |s: u64| s as f64 / 60.0;
        Some(Observed {
            runs: secs.len(),
            min: m(secs[0]),
            median: m(secs[secs.len() / 2]),
            max: m(secs[secs.len() - 1]),
        })
    }
}

fn str_of<'v>(v: &'v Value, keys: &[&str]) -> Option<&'v str> {
    keys.iter().find_map(|k| v.get(*k).and_then(Value::as_str))
}

/// `test (ubuntu-latest, 18)` → `test`; `call / build` → `build`.
fn job_key(name: &str) -> String {
    let n = name.rsplit(" / ").next().unwrap_or(name);
    let n = match n.find(" (") {
        Some(i) if n.ends_with(')') => &n[..i],
        _ => n,
    };
    n.trim().to_string()
}

/// Seconds since 1970 of an RFC 3339 time (`2024-05-01T12:34:56Z`, fractions and
/// offsets allowed).
pub fn seconds(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| t.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &t[19..];
    if let Some(r) = rest.strip_prefix('.') {
        rest = r.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            sign * (o.get(1..3)?.parse::<i64>().ok()? * 3600
                + o.get(4..6)?.parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some(days * 86400 + h * 3600 + mi * 60 + s - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gh_and_rest_shapes_parse() {
        assert_eq!(seconds("1970-01-02T00:00:00Z"), Some(86400));
        assert_eq!(seconds("2024-03-01T00:00:10.5+01:00"), Some(1709247610));
        let gh = r#"{"workflowName":"CI","jobs":[
            {"name":"test (ubuntu-latest, 18)","startedAt":"2024-05-01T12:00:00Z","completedAt":"2024-05-01T12:06:00Z","conclusion":"success"},
            {"name":"test (ubuntu-latest, 20)","startedAt":"2024-05-01T12:00:00Z","completedAt":"2024-05-01T12:08:00Z","conclusion":"success"},
            {"name":"lint","startedAt":"2024-05-01T12:00:00Z","completedAt":"2024-05-01T12:00:00Z","conclusion":"skipped"}]}"#;
        let r = Runs::parse(gh).expect("parses");
        let o = r.observed("CI", &["test"]).expect("observed");
        assert_eq!((o.runs, o.min, o.max), (2, 6.0, 8.0));
        assert!(r.observed("CI", &["lint"]).is_none());
        let rest = r#"{"total_count":1,"jobs":[{"name":"call / build","workflow_name":"Release","started_at":"2024-05-01T12:00:00Z","completed_at":"2024-05-01T12:03:00Z"}]}"#;
        let r = Runs::parse(rest).expect("parses");
        assert_eq!(
            r.observed("Release", &["build"]).map(|o| o.median),
            Some(3.0)
        );
        assert!(Runs::parse("{\"runs\": []}").is_err());
        assert!(Runs::parse("not json").is_err());
    }
}
