//! `deployment/readiness-wait`: waiting for a service with a fixed `sleep N` and a
//! single probe instead of a retry loop, and health checks that only test the HTTP
//! status code.

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{step_scripts, Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::shell::Command;

pub struct ReadinessWait;

pub static META: RuleMeta = RuleMeta {
    id: "deployment/readiness-wait",
    title: "Fixed sleep before a single readiness probe",
    severity: Severity::Low,
    confidence: Confidence::Medium,
    category: Category::Deployment,
    summary: "A script waits with a fixed `sleep N` and then probes the service once (`curl`, `wget`, `nc`) instead of polling with a retry loop; or a health check tests only the HTTP status code.",
    impact: "Slow starts fail the pipeline at random, fast starts waste the sleep; a service that answers 200 with `{\"status\":\"degraded\"}` passes.",
    doc: r#"
## Why it matters
`sleep 30 && curl -f $URL/health` is too long when the service is quick and too short
when it is slow: it makes the pipeline flaky and slow at the same time. A bounded
retry loop (or `curl --retry`) waits exactly as long as needed. Checking only the HTTP
code of a health endpoint that reports its status in the body lets a degraded service
pass.

## Bad
```bash
sleep 30
curl -f https://staging.example.com/health
```

## Good
```bash
curl -fsS --retry 30 --retry-delay 2 --retry-connrefused https://staging.example.com/health \
  | jq -e '.status == "healthy"'
```
"#,
    fix: FixMeta {
        description: "Poll with a bounded retry loop (`curl --retry … --retry-connrefused`) and check the body of the health response.",
        snippet: "curl -fsS --retry 30 --retry-delay 2 --retry-connrefused \"$URL/health\" | jq -e '.status == \"healthy\"'",
        effort_minutes: 15,
    },
    references: &["seed: 000 HIGH-6", "seed: 002 optimisation 3"],
};

fn probe(c: &Command) -> bool {
    match c.base_name() {
        "curl" | "wget" | "http" | "https" | "nc" | "pg_isready" | "redis-cli" | "mysqladmin" => {
            true
        }
        "docker" => {
            c.args()
                .first()
                .map(|w| w.text == "exec" || w.text == "inspect")
                .unwrap_or(false)
                && c.argv_text().contains("health")
        }
        _ => false,
    }
}

fn retries(c: &Command) -> bool {
    c.args().iter().any(|w| {
        w.text.starts_with("--retry")
            || w.text.starts_with("--tries")
            || w.text == "-t"
            || w.text.starts_with("--wait")
    })
}

fn sleep_secs(c: &Command) -> Option<f64> {
    if c.base_name() != "sleep" {
        return None;
    }
    let a = c.args().first()?.text.as_str();
    let (num, mult) = match a.strip_suffix('m') {
        Some(n) => (n, 60.0),
        None => (a.trim_end_matches('s'), 1.0),
    };
    num.parse::<f64>().ok().map(|n| n * mult)
}

impl Rule for ReadinessWait {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        for ss in step_scripts(site, cx.scripts, cx.repo) {
            let script = ss.script;
            let mut cmds: Vec<&Command> = script
                .commands
                .iter()
                .filter(|c| !c.in_substitution || probe(c))
                .collect();
            cmds.sort_by_key(|c| c.span.start);
            // Any loop or retry in the script: it already polls.
            if script
                .commands
                .iter()
                .any(|c| c.in_loop && (probe(c) || c.base_name() == "sleep"))
            {
                continue;
            }
            for (i, c) in cmds.iter().enumerate() {
                let Some(secs) = sleep_secs(c) else { continue };
                if secs < 5.0 || c.in_loop || c.in_function {
                    continue;
                }
                // The next command that is not an echo.
                let Some(next) = cmds[i + 1..]
                    .iter()
                    .find(|n| !matches!(n.base_name(), "echo" | "printf"))
                else {
                    continue;
                };
                if !probe(next) || retries(next) || next.in_loop {
                    continue;
                }
                let span = ss.span(
                    site.doc,
                    crate::finding::Span::new(c.span.start, next.span.end),
                );
                let mut b = cx
                    .report(
                        &META,
                        ss.path,
                        span,
                        format!(
                            "`{}` then a single `{}`: a fixed wait before one probe is flaky when the service is slow and wasted time when it is fast; poll with a retry loop.",
                            c.argv_text(),
                            next.base_name()
                        ),
                    )
                    .site(site);
                if let Some((via, _)) = &ss.via {
                    b = b.related(site.path, *via, "script called from this step");
                }
                let _ = b;
                break;
            }
            // Health checks that look only at the status code.
            for c in &cmds {
                if c.base_name() != "curl" {
                    continue;
                }
                let text = c.argv_text();
                let code_only = text.contains("%{http_code}")
                    && (text.contains("-o /dev/null") || text.contains("--output /dev/null"));
                let health =
                    text.contains("health") || text.contains("ready") || text.contains("status");
                if code_only && health {
                    let span = ss.span(site.doc, c.span);
                    cx.report(
                        &META,
                        ss.path,
                        span,
                        "health check reads only the HTTP status code (`-o /dev/null -w %{http_code}`): a service that answers 200 with an unhealthy status body passes.",
                    )
                    .site(site)
                    .confidence(Confidence::Low)
                    .title("Health check ignores the response body")
                    .fix(
                        "Check the health endpoint's body, not just its status code.",
                        "curl -fsS \"$URL/health\" | jq -e '.status == \"healthy\"'",
                        10,
                    );
                    break;
                }
            }
        }
    }
}
