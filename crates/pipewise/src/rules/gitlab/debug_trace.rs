//! `gitlab/debug-trace`: `CI_DEBUG_TRACE` or `CI_DEBUG_SERVICES` set to `true` in the
//! configuration: every job it applies to writes all its variables, masked ones
//! included, into the job log.

use super::{all_variables, report_in, where_, GITLAB};
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Platform, Workflow};

pub struct DebugTrace;

pub static META: RuleMeta = RuleMeta {
    id: "gitlab/debug-trace",
    title: "Debug tracing exposes secrets in job logs",
    severity: Severity::High,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "`CI_DEBUG_TRACE: \"true\"` (or `CI_DEBUG_SERVICES`) is committed in the configuration.",
    impact: "The job log shows every variable, masked secrets included, to everyone who can read the job logs.",
    doc: r#"
## Why it matters
Debug tracing prints the value of every variable as the shell sets it, and masking
does not apply. Committed in `.gitlab-ci.yml`, it stays on for every pipeline, and
job logs of public projects are public. `CI_DEBUG_SERVICES` (medium) streams the
service containers' logs into the job log as they come, which GitLab documents can
defeat the masking of secrets; it does not print every variable.

## Bad
```yaml
variables:
  CI_DEBUG_TRACE: "true"
```

## Good
Remove it; when you need a trace, set it for one manual pipeline run and delete the
job log afterwards.
"#,
    fix: FixMeta {
        description: "Remove `CI_DEBUG_TRACE`/`CI_DEBUG_SERVICES` from the configuration.",
        snippet: "variables:\n  # CI_DEBUG_TRACE only for a one-off manual run",
        effort_minutes: 5,
    },
    references: &["https://docs.gitlab.com/ci/variables/variables_troubleshooting/"],
};

impl Rule for DebugTrace {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn platforms(&self) -> &'static [Platform] {
        GITLAB
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        for var in all_variables(wf) {
            let (name, k) = (var.name, var.key);
            if !matches!(k, "CI_DEBUG_TRACE" | "CI_DEBUG_SERVICES") {
                continue;
            }
            if !var
                .value
                .as_str()
                .is_some_and(|s| s.trim().eq_ignore_ascii_case("true"))
            {
                continue;
            }
            let span = crate::rules::entry_span(var.entry);
            if k == "CI_DEBUG_SERVICES" {
                report_in(
                    cx,
                    &META,
                    wf.path,
                    name,
                    span,
                    format!("`{k}` is on in {}: service containers' logs are streamed into the job log, where GitLab's masking of secrets can fail.", where_(name)),
                )
                .severity(crate::finding::Severity::Medium);
                continue;
            }
            report_in(
                cx,
                &META,
                wf.path,
                name,
                span,
                format!("`{k}` is on in {}: job logs will show every variable, masked secrets included.", where_(name)),
            );
        }
    }
}
