//! `quality/non-failing-scanner`: scanners and coverage uploads configured so they
//! cannot fail: `trivy-action` without a non-zero `exit-code`, the `trivy` CLI without
//! `--exit-code`, `anchore/scan-action` with `fail-build: false`, OWASP ZAP actions without
//! `fail_action: true`, `--exit-zero` flags,
//! and `fail_ci_if_error: false` on coverage uploads. (`scanner || true` is
//! `reliability/masked-failure`'s, and is not reported twice.)

use crate::finding::{Category, Confidence, Severity};
use crate::intent::Intent;
use crate::rules::{entry_span, Ctx, FixMeta, Rule, RuleMeta, StepSite};

pub struct NonFailingScanner;

pub static META: RuleMeta = RuleMeta {
    id: "quality/non-failing-scanner",
    title: "Scanner configured not to fail",
    severity: Severity::Medium,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "A vulnerability scanner or quality gate that is configured to exit 0 whatever it finds (`trivy-action` without `exit-code: '1'`, `--exit-zero`, `fail-build: false`), or a coverage upload with `fail_ci_if_error: false`.",
    impact: "The scan runs, prints its findings into a log nobody reads, and the vulnerable build ships.",
    doc: r#"
## Why it matters
`aquasecurity/trivy-action` exits 0 by default: it only fails the step when told
`exit-code: '1'`. `--exit-zero` does the same for linters and `bandit`. The step is
green however many critical vulnerabilities it printed, so the scan is decoration. A
scan whose results go to code scanning (`format: sarif` plus `upload-sarif`) is a
deliberate report-only setup and is not reported. Coverage uploads with
`fail_ci_if_error: false` silently stop reporting coverage when the token breaks.

## Bad
```yaml
- uses: aquasecurity/trivy-action@master
  with:
    image-ref: app:latest
    severity: CRITICAL,HIGH
```

## Good
```yaml
- uses: aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25 # v0.36.0
  with:
    image-ref: app:latest
    severity: CRITICAL,HIGH
    exit-code: '1'
```
"#,
    fix: FixMeta {
        description: "Make the scanner fail the step on findings at the severity you care about.",
        snippet: "with:\n  severity: CRITICAL,HIGH\n  exit-code: '1'",
        effort_minutes: 10,
    },
    references: &["seed: 002 critical 6-7", "seed: 000 MEDIUM-1", "seed: 001 §3.3", "seed: 003 Phase 4"],
};

fn falsy(v: &str) -> bool {
    matches!(
        v.trim().trim_matches(['"', '\'']),
        "false" | "False" | "0" | "no"
    )
}

/// A report-only run, the deliberate setup that is not reported (as a SARIF upload is
/// on GitHub): the command writes a machine-readable report (`--output-format gitlab`,
/// `--format=sarif`, code climate), or its GitLab job hands a code-quality report to
/// the merge request (`artifacts: reports: codequality:`), which shows the findings.
fn report_only(c: &crate::shell::Command, site: &StepSite) -> bool {
    const REPORT_FORMATS: &[&str] = &["gitlab", "sarif", "codeclimate", "code-climate"];
    let args = c.args();
    let writes_report = args.iter().enumerate().any(|(i, w)| {
        let t = w.text.as_str();
        let value = match t.split_once('=') {
            Some(("--output-format" | "--format", v)) => Some(v),
            None if matches!(t, "--output-format" | "--format" | "-f") => {
                args.get(i + 1).map(|x| x.text.as_str())
            }
            _ => None,
        };
        value.is_some_and(|v| REPORT_FORMATS.contains(&v.to_ascii_lowercase().as_str()))
    });
    writes_report
        || site
            .job
            .and_then(|j| j.get("artifacts"))
            .and_then(|a| a.get("reports"))
            .and_then(|r| r.get("codequality"))
            .is_some()
}

impl Rule for NonFailingScanner {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    /// Reads scripts and images only: holds on every platform.
    fn platforms(&self) -> &'static [crate::workflow::Platform] {
        crate::workflow::Platform::ALL
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        let step = site.step;
        // Built only for a finding (every step of every workflow passes here).
        let label = || step.label();
        if let Some(a) = step.action() {
            let with = step.with;
            if a.contains("aquasecurity/trivy-action") {
                let sarif = step
                    .with_str("format")
                    .map(|f| f.eq_ignore_ascii_case("sarif"))
                    .unwrap_or(false);
                match with.and_then(|w| w.entry("exit-code")) {
                    Some(e)
                        if !sarif
                            && e.value
                                .as_str()
                                .map(|v| v.trim().trim_matches(['"', '\'']) == "0")
                                .unwrap_or(false) =>
                    {
                        cx.report(&META, site.path, entry_span(e), format!("`exit-code: 0` on Trivy step `{}`: vulnerabilities never fail the job.", label()))
                            .site(site);
                    }
                    None if !sarif => {
                        let span = step.uses.map(|u| u.span).unwrap_or(step.anchor());
                        cx.report(&META, site.path, span, format!("Trivy step `{}` has no `exit-code`, so it exits 0 whatever it finds: vulnerabilities never fail the job.", label()))
                            .site(site);
                    }
                    _ => {}
                }
            } else if a.starts_with("zaproxy/action-") {
                // ZAP scans report alerts but pass unless `fail_action: true`.
                let fail = with.and_then(|w| w.get("fail_action"));
                let fails = fail.is_some_and(|n| {
                    n.as_bool() == Some(true) || n.as_str().is_some_and(|v| v.trim() == "true")
                });
                if !fails {
                    let span = fail
                        .map(|n| n.span)
                        .or(step.uses.map(|u| u.span))
                        .unwrap_or(step.anchor());
                    cx.report(&META, site.path, span, format!("OWASP ZAP step `{}` does not set `fail_action: true`, so it passes whatever alerts it raises.", label()))
                        .site(site)
                        .fix("Fail the job on ZAP alerts (tune false alarms with a rules file).", "with:\n  fail_action: true\n  rules_file_name: .zap/rules.tsv", 15);
                }
            } else if a.contains("anchore/scan-action") {
                if let Some(e) = with.and_then(|w| w.entry("fail-build")) {
                    if e.value.as_str().map(falsy).unwrap_or(false)
                        || e.value.as_bool() == Some(false)
                    {
                        cx.report(&META, site.path, entry_span(e), format!("`fail-build: false` on scan step `{}`: vulnerabilities never fail the job.", label()))
                            .site(site);
                    }
                }
            } else if a.contains("codecov/codecov-action") || a.contains("coveralls") {
                if let Some(e) = with.and_then(|w| w.entry("fail_ci_if_error")) {
                    if e.value.as_bool() == Some(false)
                        || e.value.as_str().map(falsy).unwrap_or(false)
                    {
                        cx.report(&META, site.path, entry_span(e), format!("`fail_ci_if_error: false` on coverage upload `{}`: when the upload breaks (expired token, outage), coverage silently stops being reported.", label()))
                            .site(site)
                            // A coverage upload is not a scanner: a hygiene note.
                            .severity(Severity::Info)
                            .title("Coverage upload configured not to fail")
                            .fix("Fail the job when the coverage upload fails.", "fail_ci_if_error: true", 5);
                    }
                }
            }
            return;
        }
        let Some(run) = &step.run else { return };
        let Some(script) = &run.script else { return };
        for c in &script.commands {
            if c.in_substitution {
                continue;
            }
            if let Some(w) = c.args().iter().find(|w| w.text == "--exit-zero") {
                if report_only(c, site) {
                    continue;
                }
                let sev = match cx.facts.command_intent(c) {
                    Intent::SecurityScan => Severity::Medium,
                    _ => Severity::Low,
                };
                cx.report(
                    &META,
                    site.path,
                    run.source_span(site.doc, w.span),
                    format!(
                        "`{}` with `--exit-zero` always succeeds: its findings never fail the job.",
                        c.base_name()
                    ),
                )
                .site(site)
                .severity(sev);
                continue;
            }
            if c.base_name() == "trivy" {
                let sub = c.args().first().map(|w| w.text.as_str()).unwrap_or("");
                let scans = matches!(
                    sub,
                    "image"
                        | "i"
                        | "fs"
                        | "filesystem"
                        | "repo"
                        | "config"
                        | "rootfs"
                        | "k8s"
                        | "sbom"
                );
                let exit =
                    c.args().iter().enumerate().find(|(_, w)| {
                        w.text == "--exit-code" || w.text.starts_with("--exit-code=")
                    });
                let sarif = c.argv_text().contains("sarif");
                let zero = match exit {
                    None => true,
                    Some((i, w)) => {
                        let v = w
                            .text
                            .strip_prefix("--exit-code=")
                            .map(str::to_string)
                            .or_else(|| c.args().get(i + 1).map(|x| x.text.clone()))
                            .unwrap_or_default();
                        v == "0"
                    }
                };
                if scans && zero && !sarif {
                    cx.report(&META, site.path, run.source_span(site.doc, c.span), format!("`trivy {sub}` without `--exit-code 1` exits 0 whatever it finds: vulnerabilities never fail the job."))
                        .site(site);
                }
            }
        }
    }
}
