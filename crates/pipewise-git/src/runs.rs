//! Run data (`pipewise history --runs FILE`): what the repository alone cannot
//! tell, from the CI system's record of workflow runs. The file is the JSON of
//! `gh api repos/OWNER/REPO/actions/runs --paginate` (an object with
//! `workflow_runs`, or several such objects concatenated, or a plain array of runs);
//! each run needs `path` (or `name`), `head_sha`, `conclusion`, `created_at` and
//! `updated_at`. Only runs of workflows that hold a deploy job of the newest
//! commit count as deploys.

use crate::history::parse_date;
use serde::Serialize;

/// One run, as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The workflow file (`.github/workflows/deploy.yml`).
    pub path: String,
    pub head_sha: String,
    /// `success`, `failure`, `cancelled`, `timed_out`, ... (empty: not finished).
    pub conclusion: String,
    pub created: i64,
    pub updated: i64,
}

/// Seconds since the epoch of an RFC 3339 UTC time (`2024-03-01T12:34:56Z`).
pub fn parse_time(s: &str) -> Result<i64, String> {
    let bad = || format!("expected a time as YYYY-MM-DDTHH:MM:SSZ, got `{s}`");
    let (d, t) = s.split_once('T').ok_or_else(bad)?;
    let t = t.strip_suffix('Z').ok_or_else(bad)?;
    let t = t.split('.').next().unwrap_or(t);
    let hms: Vec<i64> = t
        .split(':')
        .map(|x| x.parse::<i64>().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    let [h, m, sec] = hms.as_slice() else {
        return Err(bad());
    };
    if *h > 23 || *m > 59 || *sec > 60 {
        return Err(bad());
    }
    Ok(parse_date(d)? + h * 3600 + m * 60 + sec)
}

/// Reads the runs of a `gh api .../actions/runs` export.
pub fn parse(text: &str) -> Result<Vec<Run>, String> {
    let mut runs = vec![];
    let stream = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    for (n, doc) in stream.enumerate() {
        let doc =
            doc.map_err(|e| format!("not JSON (line {}, column {}): {e}", e.line(), e.column()))?;
        let list = match &doc {
            serde_json::Value::Array(a) => a,
            v => v
                .get("workflow_runs")
                .and_then(|r| r.as_array())
                .ok_or_else(|| format!("document {}: expected `workflow_runs` (the output of `gh api repos/OWNER/REPO/actions/runs`) or an array of runs", n + 1))?,
        };
        for (i, r) in list.iter().enumerate() {
            let field = |k: &str| r.get(k).and_then(|v| v.as_str()).unwrap_or("");
            let at = |k: &str| {
                parse_time(field(k))
                    .map_err(|e| format!("run {} of document {}: `{k}`: {e}", i + 1, n + 1))
            };
            let path = field("path");
            let path = path.split('@').next().unwrap_or(path);
            runs.push(Run {
                path: if path.is_empty() {
                    field("name").to_string()
                } else {
                    path.to_string()
                },
                head_sha: field("head_sha").to_string(),
                conclusion: field("conclusion").to_string(),
                created: at("created_at")?,
                updated: at("updated_at")?,
            });
        }
    }
    runs.sort_by_key(|r| r.created);
    Ok(runs)
}

/// What the runs of the deploy workflows say.
#[derive(Debug, Clone, Serialize, Default)]
pub struct RunMetrics {
    /// Finished runs of deploy workflows.
    pub deploy_runs: usize,
    pub successful: usize,
    pub failed: usize,
    /// Successful deploy runs per week, between the first and last deploy run.
    pub deploys_per_week: Option<f64>,
    /// Successful / (successful + failed); cancelled and skipped runs left out.
    pub success_rate: Option<f64>,
    /// Median hours from a failed deploy run to the next successful one (the
    /// pipeline's recovery, not the service's: incidents are not in run data).
    pub recovery_hours: Option<f64>,
    /// Median hours from a commit's author date to the end of the first successful
    /// deploy run that includes it (first-parent line).
    pub lead_time_hours: Option<f64>,
}

/// The median, `None` for no value.
pub(crate) fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// The metrics of `runs` whose workflow is one of `deploy_files`; `line` is the
/// first-parent line (oldest first) as (commit id, author time).
pub fn metrics(runs: &[Run], deploy_files: &[&str], line: &[(String, i64)]) -> RunMetrics {
    let failed_kinds = ["failure", "timed_out", "startup_failure"];
    let deploys: Vec<&Run> = runs
        .iter()
        .filter(|r| deploy_files.contains(&r.path.as_str()) && !r.conclusion.is_empty())
        .collect();
    let ok: Vec<&&Run> = deploys
        .iter()
        .filter(|r| r.conclusion == "success")
        .collect();
    let failed = deploys
        .iter()
        .filter(|r| failed_kinds.contains(&r.conclusion.as_str()))
        .count();
    let mut m = RunMetrics {
        deploy_runs: deploys.len(),
        successful: ok.len(),
        failed,
        ..RunMetrics::default()
    };
    if ok.len() + failed > 0 {
        m.success_rate = Some(ok.len() as f64 / (ok.len() + failed) as f64);
    }
    if let (Some(a), Some(z)) = (ok.first(), ok.last()) {
        if ok.len() >= 2 {
            let weeks = ((z.created - a.created) as f64 / (7.0 * 86_400.0)).max(1.0 / 7.0);
            m.deploys_per_week = Some((ok.len() - 1) as f64 / weeks);
        }
    }
    let mut recoveries = vec![];
    let mut failing_since: Option<i64> = None;
    for r in &deploys {
        if failed_kinds.contains(&r.conclusion.as_str()) {
            failing_since.get_or_insert(r.updated);
        } else if r.conclusion == "success" {
            if let Some(t) = failing_since.take() {
                recoveries.push((r.updated - t).max(0) as f64 / 3600.0);
            }
        }
    }
    m.recovery_hours = median(recoveries);
    // Lead time: each commit of the line to the first successful deploy run of a
    // commit at or after it.
    let pos: std::collections::HashMap<&str, usize> = line
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.as_str(), i))
        .collect();
    let shipped: Vec<(usize, i64)> = ok
        .iter()
        .filter_map(|r| pos.get(r.head_sha.as_str()).map(|&i| (i, r.updated)))
        .collect();
    // The earliest successful deploy at or after each position of the line.
    let mut earliest: Vec<Option<i64>> = vec![None; line.len() + 1];
    for &(i, done) in &shipped {
        let e = &mut earliest[i];
        *e = Some(e.map_or(done, |t| t.min(done)));
    }
    for i in (0..line.len()).rev() {
        earliest[i] = match (earliest[i], earliest[i + 1]) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    let leads: Vec<f64> = line
        .iter()
        .enumerate()
        .filter_map(|(i, (_, authored))| {
            earliest[i].map(|done| (done - authored).max(0) as f64 / 3600.0)
        })
        .collect();
    m.lead_time_hours = median(leads);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(path: &str, sha: &str, conclusion: &str, at: &str) -> String {
        format!("{{\"path\": \"{path}\", \"head_sha\": \"{sha}\", \"conclusion\": \"{conclusion}\", \"created_at\": \"{at}\", \"updated_at\": \"{at}\"}}")
    }

    #[test]
    fn times_are_parsed_exactly() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_time("2024-03-01T12:34:56Z"), Ok(1_709_296_496));
        assert_eq!(parse_time("2024-03-01T12:34:56.789Z"), Ok(1_709_296_496));
        for bad in [
            "2024-03-01",
            "2024-03-01T25:00:00Z",
            "2024-03-01T12:00:00+02:00",
            "x",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn deploy_runs_give_frequency_success_recovery_and_lead_time() {
        let doc = format!(
            "{{\"total_count\": 5, \"workflow_runs\": [{}, {}, {}, {}, {}]}}",
            run(
                ".github/workflows/deploy.yml@refs/heads/main",
                "c1",
                "success",
                "2024-01-01T10:00:00Z"
            ),
            run(
                ".github/workflows/ci.yml",
                "c1",
                "failure",
                "2024-01-01T09:00:00Z"
            ),
            run(
                ".github/workflows/deploy.yml",
                "c2",
                "failure",
                "2024-01-03T10:00:00Z"
            ),
            run(
                ".github/workflows/deploy.yml",
                "c3",
                "success",
                "2024-01-08T10:00:00Z"
            ),
            run(
                ".github/workflows/deploy.yml",
                "c3",
                "",
                "2024-01-09T10:00:00Z"
            ),
        );
        let runs = parse(&doc).expect("runs");
        assert_eq!(runs.len(), 5);
        assert_eq!(runs[0].path, ".github/workflows/ci.yml");
        let h = |d: &str| parse_time(d).expect("time");
        let line = vec![
            ("c0".to_string(), h("2023-12-31T10:00:00Z")),
            ("c1".to_string(), h("2024-01-01T08:00:00Z")),
            ("c2".to_string(), h("2024-01-02T10:00:00Z")),
            ("c3".to_string(), h("2024-01-07T10:00:00Z")),
        ];
        let m = metrics(&runs, &[".github/workflows/deploy.yml"], &line);
        assert_eq!((m.deploy_runs, m.successful, m.failed), (3, 2, 1));
        assert_eq!(m.success_rate, Some(2.0 / 3.0));
        // One week between the two successful deploys.
        assert_eq!(m.deploys_per_week, Some(1.0));
        // Failed on the 3rd at 10:00, recovered on the 8th at 10:00.
        assert_eq!(m.recovery_hours, Some(120.0));
        // c0: 24 h, c1: 2 h (shipped by the deploy of c1); c2: 144 h, c3: 24 h
        // (shipped by the deploy of c3): median (24 + 24) / 2.
        assert_eq!(m.lead_time_hours, Some(24.0));
        // No deploy workflow: nothing counted.
        let none = metrics(&runs, &[], &line);
        assert_eq!(
            (none.deploy_runs, none.success_rate, none.lead_time_hours),
            (0, None, None)
        );
    }

    #[test]
    fn other_documents_are_refused_with_the_reason() {
        assert!(parse("{\"runs\": []}")
            .unwrap_err()
            .contains("workflow_runs"));
        assert!(parse("{").unwrap_err().contains("not JSON"));
        let bad = format!("[{}]", run("a.yml", "x", "success", "yesterday"));
        assert!(parse(&bad).unwrap_err().contains("created_at"));
        // Pages of `gh api --paginate` are concatenated documents.
        let two = format!(
            "[{}] [{}]",
            run("a.yml", "x", "success", "2024-01-01T00:00:00Z"),
            run("a.yml", "y", "success", "2024-01-02T00:00:00Z")
        );
        assert_eq!(parse(&two).expect("pages").len(), 2);
    }
}
