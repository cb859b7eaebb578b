//! `reliability/continue-on-error-gate`: `continue-on-error: true` on a step or job
//! that is a gate (tests, scans, audits, deploys, publishing, backups, migrations).

use crate::finding::{Category, Confidence, Severity};
use crate::intent::{step_gate_intent, word_intent_phrase, Intent};
use crate::rules::reliability::literal_true;
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

Not gates, so not reported: a measurement whose output file a later step of the job
compares (`cargo coverage --json > new.json`, then a compare step; a step that only
reads it to print a warning does not count), a fixer or formatter
in write mode (`npm run test:engines:fix`), a step whose failure a later step turns
back into a failed job (`if: steps.<id>.outcome == 'failure'` running `exit 1`, after
the fixes were pushed), and legs that may fail by convention
(nightly, beta, tip, QEMU, experimental; named in the step, the job or the
workflow). Reported at low: a comment next to `continue-on-error:` that explains the
choice ("for now it is ok to fail"), and a check known only by a name (a repository
script such as `audit_workspace.sh`).

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
        let intent = step_gate_intent(site.step, cx.facts.intents());
        let Some(sev) = severity(intent) else { return };
        if site.step.name.is_some_and(unstable_leg)
            || site.job.is_some_and(job_is_unstable_leg)
            || site.workflow.is_some_and(workflow_is_unstable_leg)
        {
            return;
        }
        if measurement(site)
            || runs_fixer(site)
            || site.job.is_some_and(|j| j.reraises_failure_of(site.step))
        {
            return;
        }
        let explained = explained_near(site.doc, e);
        let by_name = judged_by_name(site, intent, cx);
        cx.report(
            &META,
            site.path,
            entry_span(e),
            format!(
                "`continue-on-error: true` on {} step `{}`: when it fails, the job still succeeds.{}{}",
                article(intent.label()),
                site.step.label(),
                if explained { EXPLAINED } else { "" },
                if by_name { BY_NAME } else { "" }
            ),
        )
        .severity(if explained || by_name { Severity::Low } else { sev })
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
        if !literal_true(e)
            || crate::intent::housekeeping(job.id)
            || job_is_unstable_leg(job)
            || workflow_is_unstable_leg(wf)
        {
            return;
        }
        let intent = job
            .steps
            .iter()
            .map(|s| step_gate_intent(s, cx.facts.intents()))
            .max()
            .unwrap_or(Intent::Other)
            .max(word_intent_phrase(job.id));
        let Some(sev) = severity(intent) else { return };
        let explained = explained_near(wf.doc, e);
        cx.report(
            &META,
            wf.path,
            entry_span(e),
            format!(
                "`continue-on-error: true` on job `{}` ({}): when it fails, the workflow still succeeds.{}",
                job.id,
                intent.label(),
                if explained { EXPLAINED } else { "" }
            ),
        )
        .severity(if explained { Severity::Low } else { sev })
        .job(Some(job.id));
    }
}

const EXPLAINED: &str = " A comment explains why the failure is tolerated; make sure another step or job runs this check and can fail.";

/// A comment on the `continue-on-error:` line or up to three comment lines right
/// above it that says why the failure is tolerated ("for now it is ok to fail",
/// "prevent a new advisory from failing CI"): the finding stays, at low.
fn explained_near(doc: &pipewise_yaml::Document, e: &pipewise_yaml::Entry) -> bool {
    let line = doc.position(e.key.span.start).line;
    let mut text = String::new();
    if let Some((_, c)) = doc.line_text(line).split_once(" #") {
        text.push_str(c);
    }
    let mut l = line;
    while l > 1 && line - l < 3 {
        let t = doc.line_text(l - 1).trim();
        if !t.starts_with('#') {
            break;
        }
        text.push_str(t);
        text.push('\n');
        l -= 1;
    }
    let t = text.to_ascii_lowercase();
    crate::rules::reliability::explains_intent(&t)
        || [
            "ok to fail",
            "okay to fail",
            "from failing",
            "is fine",
            "expected to fail",
        ]
        .iter()
        .any(|w| t.contains(w))
}

const BY_NAME: &str =
    " (Judged by names: if this prepares or diagnoses rather than checks, it is fine.)";

/// The step is a check only by a name: its own, or a repository script's
/// (`bash "$RUNNER_TEMP/…/audit_pre_agent_workspace.sh"`), not a known tool's.
fn judged_by_name(site: &StepSite, intent: Intent, cx: &Ctx) -> bool {
    if site.step.action().is_some() {
        return false;
    }
    let Some(script) = site.step.run.as_ref().and_then(|r| r.script.as_ref()) else {
        return false;
    };
    let script_name = |w: &str| w.contains('/') || w.ends_with(".sh") || w.ends_with(".py");
    let carriers: Vec<_> = script
        .commands
        .iter()
        .filter(|c| !c.in_condition && !c.in_substitution)
        .filter(|c| cx.facts.command_intent(c) == intent)
        .collect();
    carriers.iter().all(|c| {
        script_name(c.name())
            || matches!(c.base_name(), "bash" | "sh" | "python" | "python3" | "node")
                && c.args().first().is_some_and(|w| script_name(&w.text))
    })
}

/// A fixer or formatter in write mode (`vp run test:engines:fix`, `black src`):
/// it changes files, it does not gate.
fn runs_fixer(site: &StepSite) -> bool {
    site.step
        .run
        .as_ref()
        .and_then(|r| r.script.as_ref())
        .is_some_and(|s| {
            s.commands
                .iter()
                .any(crate::rules::reliability::writes_fixes)
        })
}

/// A workflow that exists to try a nightly/beta toolchain or an emulated
/// architecture ("Test on Beta Toolchain", `beta-test.yml`): its jobs are such legs.
fn workflow_is_unstable_leg(wf: &Workflow) -> bool {
    wf.name.is_some_and(unstable_leg) || unstable_leg(wf.file_name())
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

/// A measurement, not a gate (issue 14 class 4): the step writes its output to a
/// file (`cargo coverage --json > new_results.json`) that a later step of the job
/// compares (`… compare base_results.json new_results.json`); that step decides.
fn measurement(site: &StepSite) -> bool {
    let (Some(job), Some(script)) = (
        site.job,
        site.step.run.as_ref().and_then(|r| r.script.as_ref()),
    ) else {
        return false;
    };
    let files: Vec<String> = script
        .commands
        .iter()
        .flat_map(|c| c.redirects.iter())
        .filter(|r| matches!(r.op.as_str(), ">" | ">>" | "&>" | ">|"))
        .map(|r| {
            let t = r.target.trim_matches(['"', '\'']);
            t.rsplit('/').next().unwrap_or(t).to_ascii_lowercase()
        })
        .filter(|f| f.len() >= 3 && f.contains('.') && !f.starts_with('$') && f != "/dev/null")
        .collect();
    if files.is_empty() {
        return false;
    }
    let Some(at) = job.steps.iter().position(|s| std::ptr::eq(s, site.step)) else {
        return false;
    };
    // The later step compares the result (with a baseline); a step that only reads
    // it to print a warning decides nothing (seed 003's `npm audit --json`).
    job.steps[at + 1..].iter().any(|later| {
        let h = later.haystack();
        (h.contains("compare") || h.contains("diff"))
            && files.iter().any(|f| h.contains(f.as_str()))
    })
}

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
