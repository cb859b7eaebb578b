//! `reliability/continue-on-error-gate`: `continue-on-error: true` on a step or job
//! that is a gate (tests, scans, audits, deploys, publishing, backups, migrations).

use super::literal_true;
use crate::finding::{Category, Confidence, Severity};
use crate::intent::{step_gate_intent, word_intent_phrase, Intent};
use crate::rules::{entry_span, Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::workflow::{Job, Workflow};

pub struct ContinueOnErrorGate;

pub static META: RuleMeta = RuleMeta {
    id: "reliability/continue-on-error-gate",
    title: "Gate cannot fail: `continue-on-error: true`",
    severity: Severity::Medium,
    confidence: Confidence::High,
    category: Category::Testing,
    summary: "`continue-on-error: true` (a literal, not an expression) on a test, scan, audit, deploy or publish step or job: its failure no longer fails the workflow.",
    impact: "Failing tests, vulnerable dependencies or failed deploys are reported as green.",
    doc: r#"
## Why it matters
`continue-on-error: true` marks the step as successful whatever its exit code. On a
gate, that is the same as not having the gate. An expression such as
`continue-on-error: ${{ matrix.experimental }}` is a deliberate, visible decision for
some matrix legs and is not reported. Gates are recognised by what the step runs:
test and scan commands, and test or scanner actions (Trivy, Grype, Snyk, CodeQL,
Semgrep, OWASP ZAP's `zaproxy/action-*`, …).

## Bad
```yaml
- name: Run npm audit
  run: npm audit --audit-level=moderate
  continue-on-error: true
```

## Good
```yaml
- name: Run npm audit
  run: npm audit --audit-level=moderate
```
"#,
    fix: FixMeta {
        description: "Remove `continue-on-error: true`, or make it conditional on a visible, deliberate expression.",
        snippet: "continue-on-error: ${{ github.event_name == 'pull_request' && matrix.experimental }}",
        effort_minutes: 5,
    },
    references: &["seed: 000 MEDIUM-2", "seed: 001 §1.2, §3.3"],
};

fn severity(i: Intent) -> Option<Severity> {
    match i {
        Intent::Deploy | Intent::Publish => Some(Severity::High),
        Intent::Test | Intent::SecurityScan | Intent::Backup | Intent::Migration => {
            Some(Severity::Medium)
        }
        Intent::Build | Intent::Lint => Some(Severity::Low),
        _ => None,
    }
}

impl Rule for ContinueOnErrorGate {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        let Some(e) = site.step.entry("continue-on-error") else {
            return;
        };
        if !literal_true(e) {
            return;
        }
        let intent = step_gate_intent(site.step);
        let Some(sev) = severity(intent) else { return };
        if site.step.name.is_some_and(unstable_leg) || site.job.is_some_and(job_is_unstable_leg) {
            return;
        }
        cx.report(
            &META,
            site.path,
            entry_span(e),
            format!(
                "`continue-on-error: true` on {} step `{}`: when it fails, the job still succeeds.",
                article(intent.label()),
                site.step.label()
            ),
        )
        .severity(sev)
        .site(site)
        .fix(
            "Remove `continue-on-error: true` so the step can fail the job.",
            format!(
                "- name: {}\n  # continue-on-error removed",
                site.step.label()
            ),
            5,
        );
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        let Some(e) = job.entry("continue-on-error") else {
            return;
        };
        if !literal_true(e) || crate::intent::housekeeping(job.id) || job_is_unstable_leg(job) {
            return;
        }
        let intent = job
            .steps
            .iter()
            .map(step_gate_intent)
            .max()
            .unwrap_or(Intent::Other)
            .max(word_intent_phrase(job.id));
        let Some(sev) = severity(intent) else { return };
        cx.report(
            &META,
            wf.path,
            entry_span(e),
            format!(
                "`continue-on-error: true` on job `{}` ({}): when it fails, the workflow still succeeds.",
                job.id,
                intent.label()
            ),
        )
        .severity(sev)
        .job(Some(job.id));
    }
}

/// Words that name a leg allowed to fail by convention: a nightly or beta
/// toolchain, the tip of a dependency, an emulated (QEMU) architecture.
const UNSTABLE: &[&str] = &[
    "nightly",
    "tip",
    "beta",
    "canary",
    "qemu",
    "experimental",
    "unstable",
    "prerelease",
    "pre-release",
    "allow-failure",
    "allowed-failure",
];

/// Whether a name has one of the [`UNSTABLE`] words as a word (`check-nightly`,
/// `test-tip`, `linux_qemu`; not `tooltip`).
fn unstable_leg(name: &str) -> bool {
    name.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
        .flat_map(|w| std::iter::once(w).chain(w.split('-')))
        .any(|w| UNSTABLE.contains(&w))
}

/// A job whose id, name, `runs-on` or matrix values name an unstable leg.
fn job_is_unstable_leg(job: &Job) -> bool {
    if unstable_leg(job.id) || job.name.is_some_and(unstable_leg) {
        return true;
    }
    let mut found = false;
    for key in ["runs-on", "strategy", "container"] {
        if let Some(n) = job.get(key) {
            n.walk(&mut |x| {
                if let Some(v) = x.as_str() {
                    found |= unstable_leg(v);
                }
            });
        }
    }
    found
}

fn article(s: &str) -> String {
    if s.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {s}")
    } else {
        format!("a {s}")
    }
}
