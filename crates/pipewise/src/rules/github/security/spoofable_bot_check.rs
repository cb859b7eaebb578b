//! `security/spoofable-bot-check`: an `if:` that trusts a run because
//! `github.actor` (or `triggering_actor`, `sender.login`) is a bot such as
//! `dependabot[bot]`, in a workflow outsiders can trigger with secrets.

use super::common::PRIVILEGED_TRIGGERS;
use super::condition::{read, Read};
use crate::finding::{Category, Confidence, Severity};
use crate::github::expr::{BinOp, Expr, ExprKind};
use crate::rules::github::security::common::value_span;
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::workflow::{Job, Workflow};
use pipewise_yaml::{Document, Entry};

pub struct SpoofableBotCheck;

pub static META: RuleMeta = RuleMeta {
    id: "security/spoofable-bot-check",
    title: "Bot identity check can be spoofed",
    severity: Severity::High,
    confidence: Confidence::Medium,
    category: Category::Security,
    summary: "An `if:` in a workflow that outsiders can trigger (`pull_request_target`, `workflow_run`, `issue_comment`, …) grants trust because `github.actor`, `github.triggering_actor` or the event's `sender` is a bot account (`dependabot[bot]`, `renovate[bot]`, …).",
    impact: "The actor is whoever caused the latest event, not who wrote the code: an outsider's pull request that a bot touched (a `@dependabot recreate`, a merge of the base branch, a re-run) passes the check and runs with secrets and a write token.",
    doc: r#"
## Why it matters
`github.actor` is the account that caused the event that started this run, and
`github.triggering_actor` the one that started this attempt. Neither says who wrote the
code being built. When a bot acts on an attacker's pull request — Dependabot rebasing
it, a bot pushing to a branch, a re-run — the actor becomes the bot and a check such as
`github.actor == 'dependabot[bot]'` passes for the attacker's code. Synacktiv and
GitHub Security Lab documented this against auto-merge and auto-approve workflows;
zizmor reports it as `bot-conditions`. The author of the pull request
(`github.event.pull_request.user.login`) cannot be changed by a later event.

## Bad
```yaml
on: pull_request_target
jobs:
  automerge:
    if: github.actor == 'dependabot[bot]'
    runs-on: ubuntu-latest
    steps:
      - run: gh pr merge --auto --squash "$PR"
```

## Good
```yaml
on: pull_request_target
jobs:
  automerge:
    if: github.event.pull_request.user.login == 'dependabot[bot]'
    runs-on: ubuntu-latest
```
"#,
    fix: FixMeta {
        description: "Check who opened the pull request (`github.event.pull_request.user.login`), not who caused the latest event; for `workflow_run`, check the triggering run's pull request author and head repository.",
        snippet: "if: github.event.pull_request.user.login == 'dependabot[bot]'",
        effort_minutes: 10,
    },
    references: &[
        "zizmor: bot-conditions",
        "https://www.synacktiv.com/publications/github-actions-exploitation-dependabot",
        "https://docs.github.com/en/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows",
    ],
};

/// Contexts that name whoever caused the latest event, not the author of the code.
fn spoofable(path: &str) -> bool {
    matches!(
        path,
        "github.actor"
            | "github.triggering_actor"
            | "github.event.sender.login"
            | "github.event.workflow_run.actor.login"
            | "github.event.workflow_run.triggering_actor.login"
    )
}

fn is_bot_literal(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::String(s) if s.to_ascii_lowercase().ends_with("[bot]") => Some(s),
        _ => None,
    }
}

/// A comparison that a later event cannot change: the pull request's author, or its
/// head repository being this repository.
fn is_anchor(e: &Expr) -> bool {
    let ExprKind::Binary {
        op: BinOp::Eq,
        lhs,
        rhs,
    } = &e.kind
    else {
        return false;
    };
    let paths = [lhs.context_path(), rhs.context_path()];
    let has = |p: &str| paths.iter().flatten().any(|x| x == p);
    has("github.event.pull_request.user.login")
        || ((has("github.event.pull_request.head.repo.full_name")
            || has("github.event.workflow_run.head_repository.full_name"))
            && has("github.repository"))
}

/// The operands of a chain of `&&`.
fn conjuncts<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Binary {
            op: BinOp::And,
            lhs,
            rhs,
        } => {
            conjuncts(lhs, out);
            conjuncts(rhs, out);
        }
        _ => out.push(e),
    }
}

/// A positive comparison of an actor with a bot account: `(actor context, bot name,
/// span, under an `||`)`.
type BotCheck = (String, String, crate::github::expr::Span, bool);

/// Every positive comparison of an actor with a bot account in `e` (`==`,
/// `contains(…)`, `startsWith(…)`); `!=` excludes, so it does not grant trust. None when
/// the condition also requires an author or head-repository check next to it.
fn bot_checks(e: &Expr) -> Vec<BotCheck> {
    let mut top = vec![];
    conjuncts(e, &mut top);
    if top.iter().any(|c| is_anchor(c)) {
        return vec![];
    }
    let mut out = vec![];
    walk(e, false, &mut out);
    out
}

fn walk(n: &Expr, under_or: bool, out: &mut Vec<BotCheck>) {
    let pair = match &n.kind {
        ExprKind::Binary {
            op: BinOp::Eq,
            lhs,
            rhs,
        } => Some((lhs.as_ref(), rhs.as_ref())),
        ExprKind::Binary { op, lhs, rhs } if matches!(op, BinOp::And | BinOp::Or) => {
            let or = under_or || *op == BinOp::Or;
            walk(lhs, or, out);
            walk(rhs, or, out);
            None
        }
        ExprKind::Call { name, args }
            if args.len() == 2
                && matches!(
                    name.to_ascii_lowercase().as_str(),
                    "contains" | "startswith" | "endswith"
                ) =>
        {
            Some((&args[0], &args[1]))
        }
        _ => None,
    };
    let Some((a, b)) = pair else { return };
    for (ctx, lit) in [(a, b), (b, a)] {
        if let (Some(p), Some(bot)) = (ctx.context_path(), is_bot_literal(lit)) {
            if spoofable(&p) {
                out.push((p, bot.to_string(), n.span, under_or));
            }
        }
    }
}

fn check(
    doc: &Document,
    wf: &Workflow,
    entry: &Entry,
    cx: &mut Ctx,
    job: &str,
    step: Option<String>,
) {
    let Some(t) = wf
        .triggers
        .iter()
        .find(|t| PRIVILEGED_TRIGGERS.contains(&t.event))
    else {
        return;
    };
    let Read::Expr(e) = read(&entry.value) else {
        return;
    };
    for (ctx, bot, span, under_or) in bot_checks(&e) {
        let msg = format!(
            "`{ctx}` is compared with `{bot}` on `{}`: it names whoever caused the latest event, so an outsider's code that the bot touched passes this check with the workflow's secrets{}.",
            t.event,
            if under_or { " (it is one of several ways into the job)" } else { "" }
        );
        cx.report(&META, wf.path, value_span(doc, &entry.value, span), msg)
            .severity(if under_or {
                Severity::Medium
            } else {
                Severity::High
            })
            .job(Some(job))
            .step(step.clone())
            .related(wf.path, t.span, "trigger outsiders can cause");
    }
}

impl Rule for SpoofableBotCheck {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        if let Some(e) = job.entry("if") {
            check(wf.doc, wf, e, cx, job.id, None);
        }
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        let (Some(wf), Some(job), Some(e)) = (site.workflow, site.job, site.step.entry("if"))
        else {
            return;
        };
        check(site.doc, wf, e, cx, job.id, Some(site.step.label()));
    }
}
