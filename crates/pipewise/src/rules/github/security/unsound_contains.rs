//! `security/unsound-contains`: `contains('a b c', <value someone chooses>)`, a
//! substring test on a string where a list membership test was meant.

use super::common::{classify, Taint};
use super::condition::{read, Read};
use crate::finding::{Category, Confidence, Severity};
use crate::github::expr::{Expr, ExprKind};
use crate::rules::github::security::common::value_span;
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::workflow::{Job, Workflow};
use pipewise_yaml::{Document, Entry};

pub struct UnsoundContains;

pub static META: RuleMeta = RuleMeta {
    id: "security/unsound-contains",
    title: "`contains()` on a string where a list was meant",
    severity: Severity::Medium,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "An `if:` calls `contains()` with a literal string as the haystack and a value someone else chooses (a branch, a ref, an event field) as the needle, so any substring of the allowed names passes.",
    impact: "`contains('refs/heads/main refs/heads/release', github.ref)` is also true for a branch named `main` under another prefix, `ma`, or `refs/heads/main refs/heads/r`: the guard lets through refs it was meant to refuse.",
    doc: r#"
## Why it matters
`contains(search, item)` is a substring test when `search` is a string and a
membership test only when it is an array. A space-separated list of allowed values
written as one string accepts every substring of it: a branch `ma`, a ref
`refs/heads/m`, an empty head branch. zizmor reports this as `unsound-contains`. Build a
real array with `fromJSON('[…]')`, or compare with `==`.

Severity: high when the needle is free text from outside the repository (`head_ref`,
PR titles), medium for branch and tag names (anyone who can push a branch chooses it).

## Bad
```yaml
    if: contains('refs/heads/main refs/heads/develop', github.ref)
```

## Good
```yaml
    if: contains(fromJSON('["refs/heads/main", "refs/heads/develop"]'), github.ref)
```
"#,
    fix: FixMeta {
        description: "Test membership in a real list (`fromJSON('[\"a\", \"b\"]')`) or compare each value with `==`.",
        snippet: "if: contains(fromJSON('[\"refs/heads/main\", \"refs/heads/develop\"]'), github.ref)",
        effort_minutes: 5,
    },
    references: &[
        "zizmor: unsound-contains",
        "https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/evaluate-expressions-in-workflows-and-actions#contains",
    ],
};

/// `(haystack literal, needle context, taint, span)` for each unsound `contains()`.
fn unsound(e: &Expr) -> Vec<(String, String, Taint, crate::github::expr::Span)> {
    let mut out = vec![];
    e.visit(&mut |n| {
        let ExprKind::Call { name, args } = &n.kind else {
            return;
        };
        if !name.eq_ignore_ascii_case("contains") || args.len() != 2 {
            return;
        }
        let (ExprKind::String(hay), Some(needle)) = (&args[0].kind, args[1].context_path()) else {
            return;
        };
        let t = classify(&needle);
        if matches!(t, Taint::Attacker | Taint::Caller) {
            out.push((hay.clone(), needle, t, n.span));
        }
    });
    out
}

/// Prefilter: a `contains(…)` call spells its name in the condition's text (the
/// text `read` parses), so a condition without it is not parsed here.
fn may_call_contains(entry: &Entry) -> bool {
    entry
        .value
        .as_str()
        .is_some_and(|v| crate::keywords::contains_ignore_ascii_case(v, "contains"))
}

fn check(
    doc: &Document,
    path: &str,
    entry: &Entry,
    cx: &mut Ctx,
    job: Option<&str>,
    step: Option<String>,
) {
    let Read::Expr(e) = read(&entry.value) else {
        return;
    };
    for (hay, needle, taint, span) in unsound(&e) {
        let sev = if taint == Taint::Attacker {
            Severity::High
        } else {
            Severity::Medium
        };
        let msg = format!(
            "`contains('{hay}', {needle})` is a substring test on a string: any part of `{hay}` passes (e.g. `{}`), and `{needle}` is chosen by {}.",
            hay.split_whitespace().next().map(|w| w.get(..w.len().saturating_sub(1)).unwrap_or(w)).unwrap_or(""),
            if taint == Taint::Attacker { "an outsider" } else { "whoever pushes the ref or starts the run" }
        );
        cx.report(&META, path, value_span(doc, &entry.value, span), msg)
            .severity(sev)
            .job(job)
            .step(step.clone());
    }
}

impl Rule for UnsoundContains {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        if let Some(e) = job.entry("if").filter(|e| may_call_contains(e)) {
            check(wf.doc, wf.path, e, cx, Some(job.id), None);
        }
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        if let Some(e) = site.step.entry("if").filter(|e| may_call_contains(e)) {
            check(
                site.doc,
                site.path,
                e,
                cx,
                site.job_id(),
                Some(site.step.label()),
            );
        }
    }
}
