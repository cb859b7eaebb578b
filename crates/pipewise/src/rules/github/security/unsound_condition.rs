//! `security/unsound-condition`: an `if:` that is always true — a `${{ }}` with text
//! around it (two fences joined by `&&`, a block scalar that keeps its newline), or a
//! constant such as `if: true`.

use super::common::is_privileged;
use super::condition::{leads_with_a_name, read, Read};
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::workflow::{Job, Workflow};
use pipewise_yaml::Entry;

pub struct UnsoundCondition;

pub static META: RuleMeta = RuleMeta {
    id: "security/unsound-condition",
    title: "Condition is always true",
    severity: Severity::Medium,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "An `if:` is a string template rather than an expression (a `${{ }}` with other text around it, two `${{ }}` joined by `&&`, a `|` block scalar that keeps its final newline) or a constant, so it is always true.",
    impact: "The job or step runs whatever the condition was meant to exclude: a deploy on pull requests, a privileged step for outsiders, a release on every branch.",
    doc: r#"
## Why it matters
The runner evaluates `if:` as an expression only when the value is a bare expression or
exactly one `${{ … }}`. Any other text — a second fence, a space or a trailing newline
from a `|` block scalar — turns it into a string template: the fences are filled in, the
result is a non-empty string such as `"false && true"` or `"false\n"`, and a non-empty
string is truthy. GitHub's documentation warns that `${{ }}` must wrap the whole
condition; actionlint and zizmor (`unsound-condition`) report the same mistake. A
constant `if: true` guards nothing and usually hides a condition someone removed.

The finding is high on workflows that outsiders can trigger with secrets
(`pull_request_target`, `issue_comment`, `workflow_run`, …), where conditions are often
the only access control; low for a constant.

## Bad
```yaml
on: pull_request_target
jobs:
  label:
    if: ${{ github.event.pull_request.head.repo.full_name == github.repository }} && ${{ github.actor != 'x' }}
    runs-on: ubuntu-latest
    steps:
      - if: |
          ${{ github.event.pull_request.author_association == 'OWNER' }}
        run: ./privileged.sh
```

## Good
```yaml
    if: github.event.pull_request.head.repo.full_name == github.repository && github.actor != 'x'
    steps:
      - if: >-
          ${{ github.event.pull_request.author_association == 'OWNER' }}
        run: ./privileged.sh
```
"#,
    fix: FixMeta {
        description: "Write the whole condition as one expression: drop the `${{ }}` or wrap everything in a single one, and use `>-` (or a plain scalar) instead of `|`.",
        snippet: "if: github.event_name == 'push' && github.ref == 'refs/heads/main'",
        effort_minutes: 5,
    },
    references: &[
        "zizmor: unsound-condition",
        "actionlint: if-cond",
        "https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/evaluate-expressions-in-workflows-and-actions",
    ],
};

fn check(
    wf: Option<&Workflow>,
    entry: &Entry,
    what: &str,
) -> Option<(crate::finding::Span, Severity, String)> {
    let node = &entry.value;
    if leads_with_a_name(node) {
        return None;
    }
    match read(node) {
        Read::Template => {
            let block = matches!(
                node.style(),
                Some(pipewise_yaml::Style::Literal | pipewise_yaml::Style::Folded)
            );
            let why = if block {
                "the block scalar keeps text (a newline) outside the `${{ }}`"
            } else {
                "there is text outside the `${{ }}`"
            };
            let sev = if wf.map(is_privileged).unwrap_or(false) {
                Severity::High
            } else {
                Severity::Medium
            };
            Some((
                node.span,
                sev,
                format!("The {what} `if:` is a string template, not an expression: {why}, so it evaluates to a non-empty string and is always true."),
            ))
        }
        Read::Expr(e) if e.as_literal_bool() == Some(true) => Some((
            node.span,
            Severity::Low,
            format!("The {what} `if:` is a constant that is always true; it guards nothing."),
        )),
        _ => None,
    }
}

impl Rule for UnsoundCondition {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        let Some(e) = job.entry("if") else { return };
        if let Some((span, sev, msg)) = check(Some(wf), e, "job's") {
            cx.report(&META, wf.path, span, msg)
                .severity(sev)
                .job(Some(job.id));
        }
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        let Some(e) = site.step.entry("if") else {
            return;
        };
        if let Some((span, sev, msg)) = check(site.workflow, e, "step's") {
            cx.report(&META, site.path, span, msg)
                .severity(sev)
                .site(site);
        }
    }
}
