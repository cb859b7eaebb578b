//! `gitlab/allow-failure-gate`: `allow_failure: true` on a job that runs tests or a
//! security scan, so the pipeline passes whatever they find. Manual jobs (which
//! GitLab lets fail anyway) and `allow_failure: exit_codes:` are not reported.

use super::{job_key_span, GITLAB};
use crate::finding::{Category, Confidence, Severity};
use crate::intent::Intent;
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Job, Platform, Workflow};
use pipewise_yaml::Node;

pub struct AllowFailureGate;

pub static META: RuleMeta = RuleMeta {
    id: "gitlab/allow-failure-gate",
    title: "Gate cannot fail: `allow_failure: true`",
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    category: Category::Testing,
    summary: "A job that runs tests or a security scan has `allow_failure: true`: when it fails the pipeline still passes (with a warning nobody reads).",
    impact: "Failing tests and found vulnerabilities merge and deploy; the job only turns orange.",
    doc: r#"
## Why it matters
`allow_failure: true` makes a failed job a warning: the pipeline and the merge
request stay green, and later stages run. On a test or scan job that turns the gate
off. If the job is flaky or informative only, say which exit codes are accepted
(`allow_failure: exit_codes: [...]`) or run it on a schedule instead.

## Bad
```yaml
test:
  script: pytest
  allow_failure: true
```

## Good
```yaml
test:
  script: pytest
```
"#,
    fix: FixMeta {
        description: "Remove `allow_failure: true` from the gate (or limit it to specific `exit_codes`).",
        snippet: "test:\n  script: pytest\n  allow_failure:\n    exit_codes: [137]",
        effort_minutes: 10,
    },
    references: &["https://docs.gitlab.com/ci/yaml/#allow_failure"],
};

/// `when: manual` on the job or in any of its `rules:`.
pub fn is_manual(job: &Job) -> bool {
    job.get("when").and_then(Node::as_str) == Some("manual")
        || job
            .condition
            .and_then(|c| c.rules())
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .any(|r| r.get("when").and_then(Node::as_str) == Some("manual"))
}

impl Rule for AllowFailureGate {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn platforms(&self) -> &'static [Platform] {
        GITLAB
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        if job.allow_failure.and_then(|e| e.value.as_bool()) != Some(true) || is_manual(job) {
            return;
        }
        // What the commands do (not words in the job's name or a script's).
        let gate = job
            .steps
            .iter()
            .filter(|s| s.origin.is_none_or(|o| o.section == "script"))
            .filter_map(|s| s.run.as_ref()?.script.as_ref())
            .flat_map(|sc| sc.commands.iter())
            .filter(|c| !c.in_condition && !c.in_substitution)
            // A helper named for a precondition (`check_kube_domain`, a function
            // from a sourced script) is not a test suite; `make check` still is.
            .filter(|c| !c.base_name().to_ascii_lowercase().contains("check"))
            .map(|c| cx.facts.command_intent(c))
            .find(|i| matches!(i, Intent::Test | Intent::SecurityScan));
        let Some(intent) = gate else { return };
        cx.report(
            &META,
            wf.path,
            job_key_span(cx, wf, job, "allow_failure"),
            format!("Job `{}` runs a {} but has `allow_failure: true`: when it fails, the pipeline still passes.", job.id, intent.label()),
        )
        .job(Some(job.id));
    }
}
