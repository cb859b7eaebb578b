//! Shared knowledge for the security rules: which expression contexts an outsider
//! controls, which triggers let outsiders start a privileged run, which action
//! inputs are code, and how to map a `${{ }}` inside a scalar back to the file.

use crate::finding::{Severity, Span};
use crate::github::expr::{self, BinOp, Expr, ExprKind};
use crate::rules::{Ctx, StepSite};
use crate::shell::Command;
use crate::workflow::{Job, Step, Workflow};
use pipewise_yaml::{Document, Node};

/// Who controls the value of a context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Taint {
    /// Fixed-format or repository-controlled: numbers, SHAs, booleans, secrets, vars.
    Safe,
    /// Provenance unknown: step/job outputs, dynamic env or matrix values.
    Unknown,
    /// Whoever starts the run or calls the workflow/action: `inputs.*`.
    Caller,
    /// Free text from outside the repository: titles, bodies, branch names, messages.
    Attacker,
}

/// Events an outsider (anyone who can open an issue, comment or fork) can trigger
/// and that run with the base repository's secrets and a write token.
pub const PRIVILEGED_TRIGGERS: &[&str] = &[
    "pull_request_target",
    "issue_comment",
    "issues",
    "discussion",
    "discussion_comment",
    "pull_request_review",
    "pull_request_review_comment",
    "workflow_run",
    "gollum",
    "fork",
    "watch",
];

/// Leaf names of `github.event.*` whose values have a fixed format (numbers, SHAs,
/// booleans, enumerations, timestamps), so they cannot carry shell syntax.
const FIXED_LEAVES: &[&str] = &[
    "number",
    "id",
    "sha",
    "before",
    "after",
    "draft",
    "merged",
    "locked",
    "site_admin",
    "type",
    "state",
    "state_reason",
    "author_association",
    "default",
    "private",
    "fork",
    "public",
    "comments",
    "commits",
    "additions",
    "deletions",
    "changed_files",
    "size",
    "forced",
    "created",
    "deleted",
    "run_number",
    "run_attempt",
    "conclusion",
    "status",
    "event",
    "login",
    "node_id",
    "repository_id",
    "installation",
    "prerelease",
    "total_count",
    "action",
    "merge_commit_sha",
    "auto_merge",
    "rebaseable",
    "mergeable",
    "mergeable_state",
    "maintainer_can_modify",
    "review_comments",
    "visibility",
    "archived",
    "disabled",
    "has_issues",
    "stargazers_count",
    "watchers_count",
    "forks_count",
    "open_issues_count",
    "full_name",
    "owner",
    "workflow_id",
    "check_suite_id",
    "sender",
    "ref_type",
];

/// `github.*` properties (not under `event`) that are safe to interpolate.
const SAFE_GITHUB: &[&str] = &[
    "sha",
    "run_id",
    "run_number",
    "run_attempt",
    "repository_id",
    "repository_owner_id",
    "actor_id",
    "workspace",
    "action_path",
    "event_name",
    "ref_type",
    "ref_protected",
    "retention_days",
    "server_url",
    "api_url",
    "graphql_url",
    "job",
    "action",
    "token",
    "repository",
    "repository_owner",
    "workflow",
    "workflow_ref",
    "workflow_sha",
    "actor",
    "triggering_actor",
    "output",
    "path",
    "env",
    "state",
    "step_summary",
    "action_repository",
    "action_ref",
    "action_status",
    "secret_source",
    "event_path",
];

/// How much an outsider controls the value of the context `path` (lowercase dotted,
/// as produced by [`Expr::contexts`]).
pub fn classify(path: &str) -> Taint {
    let mut parts = path.split('.');
    let head = parts.next().unwrap_or("");
    match head {
        "github" => {
            let rest: Vec<&str> = parts.collect();
            match rest.first().copied() {
                Some("head_ref") => Taint::Attacker,
                // Branch and tag names: chosen by whoever can push them.
                Some("ref") | Some("ref_name") | Some("base_ref") => Taint::Caller,
                Some("event") => classify_event(&rest[1..]),
                Some(p) if SAFE_GITHUB.contains(&p) => Taint::Safe,
                _ => Taint::Safe,
            }
        }
        "inputs" => Taint::Caller,
        "steps" => {
            let rest: Vec<&str> = parts.collect();
            match rest.get(1).copied() {
                Some("outcome") | Some("conclusion") => Taint::Safe,
                _ => Taint::Unknown,
            }
        }
        "needs" => {
            let rest: Vec<&str> = parts.collect();
            match rest.get(1).copied() {
                Some("result") => Taint::Safe,
                _ => Taint::Unknown,
            }
        }
        "env" | "matrix" => Taint::Unknown,
        // secrets (own rule), vars (admins), job, runner, strategy: fixed.
        _ => Taint::Safe,
    }
}

fn classify_event(rest: &[&str]) -> Taint {
    let Some(first) = rest.first() else {
        // The whole event object (`toJSON(github.event)`) contains everything.
        return Taint::Attacker;
    };
    if *first == "inputs" {
        return Taint::Caller;
    }
    // The upstream workflow's name: the run only happens when it is one of the
    // names listed under `workflow_run.workflows`.
    if rest == ["workflow_run", "name"] {
        return Taint::Safe;
    }
    // Repository names are `[A-Za-z0-9._-]`: they cannot carry shell syntax.
    if rest == ["repository", "name"] {
        return Taint::Safe;
    }
    // The base branch of a PR: chosen by maintainers, like `github.base_ref`.
    if rest
        .windows(2)
        .any(|w| w[0] == "base" && matches!(w[1], "ref" | "label"))
    {
        return Taint::Caller;
    }
    let Some(leaf) = rest.last() else {
        return Taint::Attacker;
    };
    if *leaf == "*" && rest.len() == 1 {
        return Taint::Attacker;
    }
    // Names GitHub restricts to `[A-Za-z0-9._-]`: logins, repository names.
    let parent = rest.len().checked_sub(2).and_then(|i| rest.get(i)).copied();
    if *leaf == "login"
        || matches!(*leaf, "name" | "full_name") && matches!(parent, Some("repository" | "repo"))
    {
        return Taint::Safe;
    }
    if FIXED_LEAVES.contains(leaf)
        || leaf.ends_with("_id")
        || leaf.ends_with("_at")
        || leaf.ends_with("_sha")
        || leaf.ends_with("_count")
        || leaf.ends_with("url")
    {
        return Taint::Safe;
    }
    // `github.event.pull_request.head.repo.owner`-style objects used whole are rare;
    // everything else under the event payload is free text someone outside chose.
    Taint::Attacker
}

/// Whether a `workflow_run` trigger of `wf` can follow a run a fork started: some
/// upstream named under `workflows:` runs on `pull_request` (or `pull_request_target`),
/// or is not found in the repository (unknown: assume it can).
pub fn workflow_run_forkable(wf: &Workflow, repo: Option<&crate::repo::Repo>) -> bool {
    let Some(repo) = repo else { return true };
    let Some(cfg) = wf
        .triggers
        .iter()
        .find(|t| t.event == "workflow_run")
        .and_then(|t| t.config)
    else {
        return true;
    };
    let names: Vec<&str> = match cfg.get("workflows") {
        Some(n) => match n.as_seq() {
            Some(items) => items.iter().filter_map(Node::as_str).collect(),
            None => n.as_str().into_iter().collect(),
        },
        None => return true,
    };
    if names.is_empty() {
        return true;
    }
    let mut found = 0;
    for f in repo.files_of(crate::source::FileKind::Workflow) {
        let Some(doc) = f.yaml.as_ref() else { continue };
        let file = f.path.rsplit('/').next().unwrap_or(&f.path);
        let name = doc.root.get("name").and_then(Node::as_str).unwrap_or(file);
        if !names.contains(&name) {
            continue;
        }
        found += 1;
        let on = doc.root.get("on");
        let has = |ev: &str| {
            on.is_some_and(|o| {
                o.as_str() == Some(ev)
                    || o.get(ev).is_some()
                    || o.as_seq()
                        .is_some_and(|s| s.iter().any(|i| i.as_str() == Some(ev)))
            })
        };
        if has("pull_request") || has("pull_request_target") {
            return true;
        }
    }
    found < names.len()
}

/// The events that fill a context path, for severity: `None` when any event may.
pub fn populating_events(path: &str) -> Option<&'static [&'static str]> {
    let p = path.strip_prefix("github.").unwrap_or(path);
    let ev = p.strip_prefix("event.").unwrap_or("");
    Some(if p == "head_ref" || ev.starts_with("pull_request.") {
        &[
            "pull_request",
            "pull_request_target",
            "pull_request_review",
            "pull_request_review_comment",
        ]
    } else if ev.starts_with("issue.") {
        &["issues", "issue_comment"]
    } else if ev.starts_with("comment.") {
        &[
            "issue_comment",
            "pull_request_review_comment",
            "commit_comment",
            "discussion_comment",
        ]
    } else if ev.starts_with("review.") {
        &["pull_request_review"]
    } else if ev.starts_with("discussion.") {
        &["discussion", "discussion_comment"]
    } else if ev.starts_with("workflow_run.") {
        &["workflow_run"]
    } else if ev.starts_with("head_commit.")
        || ev.starts_with("commits.")
        || ev.starts_with("pusher.")
    {
        &["push"]
    } else if ev.starts_with("pages.") {
        &["gollum"]
    } else if ev.starts_with("release.") {
        &["release"]
    } else {
        return None;
    })
}

/// Severity of attacker-controlled data reaching a code sink in this workflow
/// (`None` workflow = composite action or unknown caller).
///
/// With `at` (the job and step where the value is used), events under which the
/// job's and step's `if:` never let it run do not count, and a privileged event
/// counts only when an outsider can start a run that reaches the step
/// ([`crate::github::conditions`]: a same-repository head or PR-author guard keeps forks out).
pub fn attacker_severity(
    wf: Option<&Workflow>,
    at: Option<(&Job, &Step)>,
    repo: Option<&crate::repo::Repo>,
    path: &str,
) -> (Severity, String) {
    let Some(wf) = wf else {
        return (
            Severity::Medium,
            "the action's callers decide where the value comes from".into(),
        );
    };
    let events = populating_events(path);
    let all = crate::github::conditions::scenarios(wf);
    let reach = |e: &str, outsider: bool| {
        let Some((job, step)) = at else { return true };
        let modelled: Vec<_> = all.iter().filter(|sc| sc.event == Some(e)).collect();
        if modelled.is_empty() {
            // `workflow_call`: the caller's event is unknown.
            return true;
        }
        let outsider = outsider && modelled.iter().any(|sc| sc.outsider);
        modelled.iter().any(|sc| {
            sc.outsider == outsider && crate::github::conditions::reachable(job, Some(step), sc)
        })
    };
    let relevant: Vec<&str> = wf
        .triggers
        .iter()
        .map(|t| t.event)
        .filter(|e| events.map(|evs| evs.contains(e)).unwrap_or(true))
        .filter(|e| reach(e, false) || reach(e, true))
        .collect();
    // `workflow_run` brings outsider data only when an upstream workflow runs on
    // `pull_request` (a fork's run); upstreams that are all found in the repository
    // and run only on pushes, releases or schedules carry maintainers' data.
    let forkable_upstream = |e: &str| e != "workflow_run" || workflow_run_forkable(wf, repo);
    if let Some(p) = relevant
        .iter()
        .find(|e| PRIVILEGED_TRIGGERS.contains(e) && reach(e, true) && forkable_upstream(e))
    {
        return (
            Severity::Critical,
            format!("`{p}` runs with the repository's secrets and a write token for anyone who can trigger it"),
        );
    }
    if let Some(p) = relevant.iter().find(|e| PRIVILEGED_TRIGGERS.contains(e)) {
        let why = if *p == "workflow_run" && !forkable_upstream(p) {
            "the upstream workflows it follows do not run on pull requests"
        } else {
            "the job's `if:` keeps outsiders out (same-repository head, author or member check)"
        };
        return (
            Severity::Low,
            format!("on `{p}` {why}, so the value comes from someone with write access"),
        );
    }
    if relevant.contains(&"workflow_call") {
        return (
            Severity::High,
            "callers of this reusable workflow may run it on untrusted events".into(),
        );
    }
    if relevant
        .iter()
        .any(|e| !matches!(*e, "pull_request" | "merge_group"))
    {
        return (
            Severity::Low,
            format!(
                "it runs on `{}` with this repository's secrets, and the value comes from whoever pushed or merged it",
                relevant
                    .iter()
                    .find(|e| !matches!(**e, "pull_request" | "merge_group"))
                    .unwrap_or(&"push")
            ),
        );
    }
    if relevant.is_empty() {
        return (
            Severity::Low,
            "none of this workflow's triggers fill this value, so it is usually empty".into(),
        );
    }
    (
        Severity::Low,
        "on `pull_request` a fork's author already controls the code being built".into(),
    )
}

/// Whether any of the workflow's triggers can be started by an outsider with
/// secrets available (see [`PRIVILEGED_TRIGGERS`]).
pub fn is_privileged(wf: &Workflow) -> bool {
    wf.triggers
        .iter()
        .any(|t| PRIVILEGED_TRIGGERS.contains(&t.event))
}

/// The contexts whose value can end up in the expression's result (not those only
/// tested in a condition): `a && 'x' || ''` yields only literals; `a == 'b'` a bool.
pub fn value_contexts(e: &Expr) -> Vec<(String, expr::Span)> {
    let mut out = vec![];
    collect_value(e, &mut out);
    out
}

fn collect_value(e: &Expr, out: &mut Vec<(String, expr::Span)>) {
    match &e.kind {
        ExprKind::Null | ExprKind::Bool(_) | ExprKind::Number(_) | ExprKind::String(_) => {}
        ExprKind::Context(_) => {
            if let Some(p) = e.context_path() {
                out.push((p, e.span));
            }
        }
        ExprKind::Index { base, .. } => collect_value(base, out),
        ExprKind::Unary { .. } => {}
        ExprKind::Binary { op, lhs, rhs } => match op {
            // `a && b` yields a falsy `a` (empty, 0, false, null) or `b`.
            BinOp::And => collect_value(rhs, out),
            BinOp::Or => {
                collect_value(lhs, out);
                collect_value(rhs, out);
            }
            _ => {}
        },
        ExprKind::Call { name, args } => match name.to_ascii_lowercase().as_str() {
            "contains" | "startswith" | "endswith" | "success" | "failure" | "always"
            | "cancelled" | "hashfiles" => {}
            _ => {
                for a in args {
                    collect_value(a, out);
                }
            }
        },
    }
}

/// Maps a span of a scalar's value to the file.
pub fn value_span(doc: &Document, node: &Node, s: expr::Span) -> Span {
    let a = doc.value_to_source(node, s.start);
    let b = doc.value_to_source(node, s.end.saturating_sub(1)) + 1;
    Span::new(a, b.max(a))
}

/// A check of one action reference: the `uses:` node, its document and path, the
/// job id and the step label (`None` for a job's reusable-workflow `uses:`).
pub type UsesCheck = fn(&Node, &Document, &str, Option<&str>, Option<String>, &mut Ctx);

/// Runs `check` on a step's `uses:`, labelled with the step (a rule's `step` hook).
pub fn step_uses(site: &StepSite, cx: &mut Ctx, check: UsesCheck) {
    if let Some(u) = site.step.uses {
        check(
            u,
            site.doc,
            site.path,
            site.job_id(),
            Some(site.step.label()),
            cx,
        );
    }
}

/// Runs `check` on a job's reusable-workflow `uses:` (a rule's `job` hook).
pub fn job_uses(wf: &Workflow, job: &Job, cx: &mut Ctx, check: UsesCheck) {
    if let Some(u) = job.uses {
        check(u, wf.doc, wf.path, Some(job.id), None, cx);
    }
}

/// An environment variable name for a context path: `github.event.issue.title` →
/// `ISSUE_TITLE`, `inputs.build-args` → `BUILD_ARGS`.
pub fn env_name(path: &str) -> String {
    let parts: Vec<&str> = path
        .split('.')
        .filter(|p| !matches!(*p, "github" | "event" | "inputs" | "*" | "outputs" | "env"))
        .collect();
    let tail = if parts.len() > 2 {
        &parts[parts.len() - 2..]
    } else {
        &parts[..]
    };
    let s: String = tail
        .join("_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "VALUE".into()
    } else if s.starts_with(|c: char| c.is_ascii_digit()) {
        // Not a valid variable name.
        format!("VALUE_{s}")
    } else {
        s
    }
}

/// Action inputs that are executed as code: (action, input, language).
pub const CODE_INPUTS: &[(&str, &str, &str)] = &[
    ("actions/github-script", "script", "js"),
    ("appleboy/ssh-action", "script", "sh"),
    ("nick-fields/retry", "command", "sh"),
    ("nick-invision/retry", "command", "sh"),
    ("azure/cli", "inlinescript", "sh"),
    ("azure/powershell", "inlinescript", "pwsh"),
    ("uraimo/run-on-arch-action", "run", "sh"),
    ("addnab/docker-run-action", "run", "sh"),
    ("cross-platform-actions/action", "run", "sh"),
    ("mathiasvr/command-output", "run", "sh"),
    ("jannekem/run-python-script-action", "script", "py"),
    ("vmactions/freebsd-vm", "run", "sh"),
    ("docker://", "args", "sh"),
    ("garygrossgarten/github-action-ssh", "command", "sh"),
    ("actions/ai-inference", "prompt", "prompt"),
    // Evaluated as JavaScript by the action.
    ("8398a7/action-slack", "custom_payload", "js"),
];

/// The step's code-bearing input, if its action executes one.
pub fn code_input<'a>(step: &Step<'a>) -> Option<(&'a Node, &'static str, &'static str)> {
    let action = step.action()?;
    let with = step.with?;
    for (a, input, lang) in CODE_INPUTS {
        if action == *a || (a.ends_with("://") && action.starts_with(a)) {
            if let Some(m) = with.as_map() {
                for e in m {
                    if e.key
                        .as_str()
                        .map(|k| k.eq_ignore_ascii_case(input))
                        .unwrap_or(false)
                    {
                        return Some((&e.value, input, lang));
                    }
                }
            }
        }
    }
    None
}

/// A statically defined `env` value visible to the step: step, then job, then
/// workflow level.
pub fn env_value<'a>(
    wf: Option<&Workflow<'a>>,
    job: Option<&Job<'a>>,
    step: &Step<'a>,
    name: &str,
) -> Option<&'a Node> {
    let find = |n: Option<&'a Node>| -> Option<&'a Node> {
        n?.as_map()?
            .iter()
            .find(|e| {
                e.key
                    .as_str()
                    .map(|k| k.eq_ignore_ascii_case(name))
                    .unwrap_or(false)
            })
            .map(|e| &e.value)
    };
    find(step.env)
        .or_else(|| find(job.and_then(|j| j.get("env"))))
        .or_else(|| find(wf.and_then(|w| w.root.get("env"))))
}

/// Whether `matrix.<key>` takes only literal values in this job (static matrix).
/// `key` is compared case-insensitively (expression paths are lowercase, matrix keys
/// are written as the workflow spells them, `K3S_VERSION`); an empty `key` is the
/// whole matrix (`toJSON(matrix)`), static when every value of it is a literal.
/// Values of other keys in `include:` entries do not matter.
pub fn matrix_is_static(job: Option<&Job>, key: &str) -> bool {
    let Some(m) = job
        .and_then(|j| j.get("strategy"))
        .and_then(|s| s.get("matrix"))
    else {
        return false;
    };
    let Some(entries) = m.as_map() else {
        return false;
    };
    // A literal, or text whose expressions read only fixed values
    // (`ctrd-${{ github.run_id }}`).
    let literal = |n: &Node| -> bool {
        let mut ok = true;
        n.walk(&mut |x| {
            if let Some(s) = x.as_str() {
                if s.contains("${{") {
                    ok &= expr::find_embedded(s).iter().all(|emb| {
                        emb.expr.as_ref().is_ok_and(|e| {
                            value_contexts(e)
                                .iter()
                                .all(|(p, _)| classify(p) == Taint::Safe)
                        })
                    });
                }
            }
        });
        ok
    };
    if key.is_empty() {
        return literal(m);
    }
    let is_key = |k: &str| k.eq_ignore_ascii_case(key);
    let mut found = false;
    for e in entries {
        let k = e.key.as_str().unwrap_or("");
        if is_key(k) {
            found = true;
            if !literal(&e.value) {
                return false;
            }
        } else if k == "include" {
            let Some(items) = e.value.as_seq() else {
                // `include: ${{ fromJSON(…) }}` can add any value.
                if !literal(&e.value) {
                    return false;
                }
                continue;
            };
            for item in items {
                let Some(fields) = item.as_map() else {
                    if !literal(item) {
                        return false;
                    }
                    continue;
                };
                for f in fields {
                    if is_key(f.key.as_str().unwrap_or("")) {
                        found = true;
                        if !literal(&f.value) {
                            return false;
                        }
                    }
                }
            }
        }
    }
    found
}

/// Whether an `inputs.<name>` is declared with a non-string type (boolean, number,
/// choice, environment), which cannot carry shell syntax.
pub fn input_is_typed(wf: Option<&Workflow>, action_root: Option<&Node>, name: &str) -> bool {
    let typed = |inputs: Option<&Node>| -> bool {
        inputs
            .and_then(|i| i.get(name))
            .and_then(|d| d.get("type"))
            .and_then(Node::as_str)
            .map(|t| matches!(t, "boolean" | "number" | "choice" | "environment"))
            .unwrap_or(false)
    };
    if let Some(w) = wf {
        let on = w.root.get("on");
        let any = ["workflow_dispatch", "workflow_call"]
            .iter()
            .map(|ev| on.and_then(|o| o.get(ev)).and_then(|c| c.get("inputs")))
            .filter(|i| i.is_some())
            .collect::<Vec<_>>();
        return !any.is_empty() && any.iter().all(|i| typed(*i));
    }
    let _ = action_root;
    false
}

/// For a SHA pin, the version in its comment (`@<sha> # v3.1.0` → `v3.1.0`).
pub(crate) fn pinned_version(
    doc: &pipewise_yaml::Document,
    node: &pipewise_yaml::Node,
) -> Option<String> {
    let line = doc.line_text(doc.position(node.span.end).line);
    let comment = line.split_once('#')?.1.trim();
    let v = comment
        .trim_start_matches("tag=")
        .trim_start_matches("tag:")
        .split_whitespace()
        .next()?;
    let digits = v.trim_start_matches('v');
    digits
        .chars()
        .next()
        .filter(char::is_ascii_digit)
        .map(|_| format!("v{digits}"))
}

/// Expressions / commands that fetch the pull request's own code.
const PR_HEAD: &[&str] = &[
    "github.event.pull_request.head.sha",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.merge_commit_sha",
    "github.event.pull_request.head.repo.full_name",
    "github.head_ref",
    "github.event.workflow_run.head_sha",
    "github.event.workflow_run.head_branch",
    "github.event.workflow_run.head_repository.full_name",
    "refs/pull/",
    "github.event.number",
    "github.event.pull_request.number",
];

fn checks_out_head(step: &Step) -> bool {
    let a = step.action().unwrap_or_default();
    if a == "actions/checkout" {
        let refs = [step.with_str("ref"), step.with_str("repository")];
        return refs
            .iter()
            .flatten()
            .any(|r| PR_HEAD.iter().any(|p| r.contains(p)));
    }
    if let Some(r) = &step.run {
        let t = r.text;
        return t.contains("gh pr checkout")
            || (t.contains("git fetch") || t.contains("git checkout"))
                && (t.contains("pull/") || PR_HEAD.iter().any(|p| t.contains(p)));
    }
    false
}

/// What a step that computes a ref prints when the ref is the pull request's head
/// (`gh pr view --json headRefOid`, `pulls.get(…).head.sha`).
const HEAD_HINTS: &[&str] = &[
    "headrefoid",
    "headrefname",
    "head.sha",
    "head.ref",
    "head_sha",
    "refs/pull/",
];

/// Whether `text` names the PR head directly, through an `env:` value, or through an
/// earlier step's output whose producer reads the head (`steps.<id>.outputs.*`).
fn names_head(wf: &Workflow, job: &Job, step: &Step, text: &str, depth: u8) -> bool {
    if PR_HEAD.iter().any(|p| text.contains(p)) {
        return true;
    }
    if depth > 2 {
        return false;
    }
    for emb in expr::find_embedded(text) {
        let Ok(e) = &emb.expr else { continue };
        for (p, _) in e.contexts() {
            if let Some(name) = p.strip_prefix("env.") {
                if env_value(Some(wf), Some(job), step, name)
                    .and_then(|n| n.as_str())
                    .is_some_and(|v| names_head(wf, job, step, v, depth + 1))
                {
                    return true;
                }
            } else if let Some(rest) = p.strip_prefix("steps.") {
                let mut parts = rest.split('.');
                let (Some(id), Some("outputs"), Some(name)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    continue;
                };
                let producer = job
                    .steps
                    .iter()
                    .find(|s| s.id.is_some_and(|i| i.eq_ignore_ascii_case(id)));
                let code = producer.and_then(|s| {
                    s.run
                        .as_ref()
                        .map(|r| r.text)
                        .or_else(|| s.with_str("script"))
                });
                if code.is_some_and(|c| output_names_head(c, name)) {
                    return true;
                }
            }
        }
    }
    false
}

/// Whether the lines of a step's code that set output `name` (`setOutput('name', …)`,
/// `name=… >> $GITHUB_OUTPUT`) read the pull request's head.
fn output_names_head(code: &str, name: &str) -> bool {
    code.lines()
        .map(str::to_ascii_lowercase)
        .filter(|l| {
            l.contains(&format!("'{name}'"))
                || l.contains(&format!("\"{name}\""))
                || l.contains(&format!("{name}="))
        })
        .any(|l| PR_HEAD.iter().any(|p| l.contains(p)) || HEAD_HINTS.iter().any(|h| l.contains(h)))
}

/// [`checks_out_head`], also following the ref through `env:`, shell variables bound in
/// `env:`, and earlier steps' outputs.
pub(crate) fn checks_out_head_in(wf: &Workflow, job: &Job, step: &Step) -> bool {
    if checks_out_head(step) {
        return true;
    }
    if step.action() == Some("actions/checkout") {
        return [step.with_str("ref"), step.with_str("repository")]
            .iter()
            .flatten()
            .any(|r| names_head(wf, job, step, r, 0));
    }
    let Some(script) = step.run.as_ref().and_then(|r| r.script.as_ref()) else {
        return false;
    };
    script.commands.iter().any(|c| {
        c.base_name() == "git"
            && matches!(
                c.args().first().map(|w| w.text.as_str()),
                Some("fetch" | "checkout" | "switch" | "reset" | "pull" | "worktree")
            )
            && c.args().iter().any(|w| {
                names_head(wf, job, step, &w.text, 0)
                    || w.text.match_indices('$').any(|(i, _)| {
                        let name: String = w.text[i + 1..]
                            .trim_start_matches('{')
                            .chars()
                            .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '_')
                            .collect();
                        !name.is_empty()
                            && env_value(Some(wf), Some(job), step, &name)
                                .and_then(|n| n.as_str())
                                .is_some_and(|v| names_head(wf, job, step, v, 1))
                    })
            })
    })
}

/// The first `${{ }}` in `text` reading an attacker- or caller-controlled context (the
/// worst one): that context and the expression's span, shifted by `offset`.
pub(crate) fn tainted_expression(text: &str, offset: usize) -> Option<(String, Span)> {
    for emb in expr::find_embedded(text) {
        let Ok(e) = &emb.expr else { continue };
        if let Some((p, _)) = value_contexts(e)
            .into_iter()
            .filter(|(p, _)| matches!(classify(p), Taint::Attacker | Taint::Caller))
            .max_by_key(|(p, _)| classify(p))
        {
            return Some((p, Span::new(offset + emb.span.start, offset + emb.span.end)));
        }
    }
    None
}

/// The `$NAME`/`${NAME…}` references in `text` (parameter expansions included:
/// `${TITLE##*/}`, `${TITLE:-x}`), with their offsets and lengths.
pub(crate) fn var_refs(text: &str) -> Vec<(usize, usize, String)> {
    text.match_indices('$')
        .filter_map(|(i, _)| {
            let rest = text.get(i + 1..)?;
            let brace = usize::from(rest.starts_with('{'));
            let name: String = rest
                .get(brace..)?
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then_some((
                i,
                1 + brace + name.len(),
                name,
            ))
        })
        .collect()
}

/// How far taint is followed through `env:` values, step and job outputs and shell
/// variables (each hop is one level): bounded, so a cycle of outputs ends.
const TAINT_DEPTH: u8 = 4;

/// The worst attacker- or caller-controlled context behind the `${{ }}` expressions of
/// `value`, following `env.*`, `steps.<id>.outputs.*` and `needs.<job>.outputs.*` into
/// the values and scripts that set them.
pub(crate) fn expression_source(
    wf: Option<&Workflow>,
    job: Option<&Job>,
    step: &Step,
    value: &str,
    depth: u8,
) -> Option<String> {
    expression_source_at(wf, job, step, value, depth).map(|(p, _)| p)
}

/// [`expression_source`], with the span of the `${{ }}` (in `value`) it comes from.
fn expression_source_at(
    wf: Option<&Workflow>,
    job: Option<&Job>,
    step: &Step,
    value: &str,
    depth: u8,
) -> Option<(String, expr::Span)> {
    if depth > TAINT_DEPTH || !value.contains("${{") {
        return None;
    }
    let mut worst: Option<(String, expr::Span)> = None;
    for emb in expr::find_embedded(value) {
        let Ok(e) = &emb.expr else { continue };
        for (p, _) in value_contexts(e) {
            let src = match classify(&p) {
                Taint::Attacker | Taint::Caller => Some(p),
                Taint::Unknown => context_source(wf, job, step, &p, depth + 1),
                Taint::Safe => None,
            };
            if let Some(src) = src {
                if worst
                    .as_ref()
                    .is_none_or(|(w, _)| classify(&src) > classify(w))
                {
                    worst = Some((src, emb.span));
                }
            }
        }
    }
    worst
}

/// The outside source of an `Unknown` context (`env.X`, `steps.<id>.outputs.Y`,
/// `needs.<job>.outputs.Y`) seen from `step`, if one is found.
pub(crate) fn context_source(
    wf: Option<&Workflow>,
    job: Option<&Job>,
    step: &Step,
    path: &str,
    depth: u8,
) -> Option<String> {
    if depth > TAINT_DEPTH {
        return None;
    }
    let mut parts = path.split('.');
    match parts.next()? {
        "env" => {
            let v = env_value(wf, job, step, parts.next()?)?.as_str()?;
            expression_source(wf, job, step, v, depth)
        }
        "steps" => {
            let (id, out, name) = (parts.next()?, parts.next()?, parts.next()?);
            (out == "outputs")
                .then(|| step_output_source(wf, job?, id, name, depth))
                .flatten()
        }
        "needs" => {
            let (id, out, name) = (parts.next()?, parts.next()?, parts.next()?);
            if out != "outputs" {
                return None;
            }
            let producer = wf?.jobs.iter().find(|j| j.id.eq_ignore_ascii_case(id))?;
            let value = producer
                .get("outputs")?
                .as_map()?
                .iter()
                .find(|e| e.key.as_str().is_some_and(|k| k.eq_ignore_ascii_case(name)))?
                .value
                .as_str()?;
            // Job outputs are read in the producing job's context.
            let first = producer.steps.first()?;
            expression_source(wf, Some(producer), first, value, depth)
        }
        _ => None,
    }
}

/// Whether `text` sets output `name`: `name=…` or `name<<DELIM` at the start of a word.
fn sets_key(text: &str, name: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [format!("{name}="), format!("{name}<<")].iter().any(|k| {
        lower.match_indices(k.as_str()).any(|(i, _)| {
            !lower[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
    })
}

/// The command's span, extended over its here-document body (`cat <<EOF >> $GITHUB_ENV`
/// … `EOF`): GitHub substitutes `${{ }}` in the body and the shell expands `$VAR` in it
/// unless the delimiter is quoted.
pub(crate) fn heredoc_span(text: &str, c: &Command) -> Span {
    let Some(r) = c.redirects.iter().find(|r| r.op == "<<" || r.op == "<<-") else {
        return c.span;
    };
    let delim = r.target.trim_matches(|ch| ch == '\'' || ch == '"');
    let Some(nl) = text.get(c.span.end..).and_then(|t| t.find('\n')) else {
        return c.span;
    };
    let mut off = c.span.end + nl + 1;
    for line in text.get(off..).unwrap_or("").split_inclusive('\n') {
        let body = if r.op == "<<-" {
            line.trim_start_matches('\t')
        } else {
            line
        };
        if body.trim_end_matches(['\n', '\r']) == delim {
            return Span::new(c.span.start, off);
        }
        off += line.len();
    }
    c.span
}

/// The commands of a script that write to the runner file `file` (`GITHUB_ENV`,
/// `GITHUB_OUTPUT`, …) by a redirect (also of an enclosing `{ …; }` group) or `tee`,
/// with their spans (here-document bodies included).
pub(crate) fn writes_to<'s>(
    text: &str,
    script: &'s crate::shell::Script,
    file: &str,
) -> Vec<(&'s Command, Span)> {
    script
        .commands
        .iter()
        .filter(|c| {
            c.redirects
                .iter()
                .any(|r| r.op.contains('>') && r.target.contains(file))
                || (c.base_name() == "tee" && c.args().iter().any(|w| w.text.contains(file)))
        })
        .map(|c| (c, heredoc_span(text, c)))
        .collect()
}

/// The outside source of output `name` of the step `id` in `job`: the `${{ }}`
/// expressions, `env:` bindings and shell variables of the commands of its script that
/// write `name=…` to `$GITHUB_OUTPUT`, or of `core.setOutput('name', …)` (and `return`,
/// for `result`) in an `actions/github-script` script, where `context.payload.X` is
/// `github.event.X`.
fn step_output_source(
    wf: Option<&Workflow>,
    job: &Job,
    id: &str,
    name: &str,
    depth: u8,
) -> Option<String> {
    let producer = job
        .steps
        .iter()
        .find(|s| s.id.is_some_and(|i| i.eq_ignore_ascii_case(id)))?;
    if let Some(run) = &producer.run {
        let script = run.script.as_ref()?;
        for (_, span) in writes_to(run.text, script, "GITHUB_OUTPUT") {
            let text = run.text.get(span.start..span.end).unwrap_or("");
            if !sets_key(text, name) {
                continue;
            }
            // The `name=…` lines of a multi-line write; the whole body for `name<<EOF`.
            let whole = text.to_ascii_lowercase().contains(&format!("{name}<<"));
            let mut off = span.start;
            for line in text.split_inclusive('\n') {
                let at = off;
                off += line.len();
                let (part, base) = if whole {
                    (text, span.start)
                } else {
                    (line, at)
                };
                if !whole && !sets_key(line, name) {
                    continue;
                }
                if let Some((src, _)) = shell_value_source(
                    wf,
                    Some(job),
                    producer,
                    script,
                    run.text,
                    part,
                    base,
                    depth,
                    Taint::Caller,
                ) {
                    return Some(src);
                }
                if whole {
                    break;
                }
            }
        }
        return None;
    }
    if producer.action() == Some("actions/github-script") {
        let code = producer.with_str("script")?;
        let key = |l: &str| {
            let l = l.to_ascii_lowercase();
            l.contains(&format!("setoutput('{name}'"))
                || l.contains(&format!("setoutput(\"{name}\""))
                || l.contains(&format!("setoutput(`{name}`"))
                || (name == "result" && l.trim_start().starts_with("return "))
        };
        for line in code.lines().filter(|l| key(l)) {
            if let Some(p) = expression_source(wf, Some(job), producer, line, depth) {
                return Some(p);
            }
            if let Some(i) = line.find("context.payload.") {
                let path: String = line[i + "context.payload.".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
                    .collect();
                let p = format!("github.event.{}", path.trim_end_matches('.')).to_ascii_lowercase();
                if classify(&p) == Taint::Attacker {
                    return Some(p);
                }
            }
        }
    }
    None
}

/// Whether output `name` of step `id` in `job` is only ever set to literal text
/// (`echo "count=1" >> "$GITHUB_OUTPUT"`): no expansion, substitution or expression.
pub(crate) fn step_output_literal(job: &Job, id: &str, name: &str) -> bool {
    let Some(run) = job
        .steps
        .iter()
        .find(|s| s.id.is_some_and(|i| i.eq_ignore_ascii_case(id)))
        .and_then(|s| s.run.as_ref())
    else {
        return false;
    };
    let Some(script) = &run.script else {
        return false;
    };
    let mut found = false;
    for (_, span) in writes_to(run.text, script, "GITHUB_OUTPUT") {
        let text = run.text.get(span.start..span.end).unwrap_or("");
        if !sets_key(text, name) {
            continue;
        }
        if text.to_ascii_lowercase().contains(&format!("{name}<<")) {
            return false;
        }
        for line in text.lines().filter(|l| sets_key(l, name)) {
            if line.contains(['$', '`']) {
                return false;
            }
            found = true;
        }
    }
    found
}

/// The outside source of a shell text written by the step (`part`, at byte `base` of
/// the script `text`): a `${{ }}` in it, or a `$VAR` whose last assignment before it
/// carries one (through other variables and parameter expansions) or that `env:` binds
/// to one. Values inside a command substitution are what a command prints, not the
/// expression, and do not count.
/// `env_min` is the least taint an `env:` binding must carry to count (`Attacker`
/// leaves out `inputs.*` passed through `env:`, the usual safe pattern).
#[allow(clippy::too_many_arguments)]
pub(crate) fn shell_value_source(
    wf: Option<&Workflow>,
    job: Option<&Job>,
    step: &Step,
    script: &crate::shell::Script,
    text: &str,
    part: &str,
    base: usize,
    depth: u8,
    env_min: Taint,
) -> Option<(String, Span)> {
    if depth > TAINT_DEPTH {
        return None;
    }
    let direct = part
        .find('`')
        .into_iter()
        .chain(part.find("$("))
        .min()
        .map_or(part, |i| &part[..i]);
    if let Some((p, sp)) = expression_source_at(wf, job, step, direct, depth) {
        return Some((p, Span::new(base + sp.start, base + sp.end)));
    }
    for (i, len, var) in var_refs(direct) {
        let at = Span::new(base + i, base + i + len);
        let mut assigned = script.assignment_before(text, &var, base + i);
        if let Some(a) = assigned.filter(|a| a.span.end > base + i) {
            // `X=$X-suffix`: the reference reads the assignment before this one.
            assigned = script.assignment_before(text, &var, a.span.start);
        }
        if let Some(a) = assigned {
            if a.in_substitution {
                continue;
            }
            let value = text.get(a.span.start..a.span.end).unwrap_or("");
            if let Some(h) = shell_value_source(
                wf,
                job,
                step,
                script,
                text,
                value,
                a.span.start,
                depth + 1,
                env_min,
            ) {
                return Some(h);
            }
            continue;
        }
        if let Some(p) = env_value(wf, job, step, &var)
            .and_then(|n| n.as_str())
            .and_then(|v| expression_source(wf, job, step, v, depth + 1))
            .filter(|p| classify(p) >= env_min)
        {
            return Some((p, at));
        }
    }
    None
}

/// Build tools and repository scripts that read files from the workspace root.
const WORKSPACE_BUILD_TOOLS: &[&str] = &[
    "make", "npm", "yarn", "pnpm", "npx", "pip", "pip3", "python", "python3", "poetry", "uv",
    "cargo", "go", "mvn", "gradle", "bundle", "rake", "tox", "nox", "pytest", "node", "bun",
    "cmake", "composer", "dotnet", "bazel", "just", "task", "bash", "sh", "source", ".",
];

pub(crate) fn runs_workspace_code(step: &Step) -> bool {
    if step
        .uses_str()
        .map(|u| u.starts_with("./"))
        .unwrap_or(false)
    {
        return true;
    }
    // A third-party action reads the workspace as data; only local actions run its code.
    step.run
        .as_ref()
        .and_then(|r| r.script.as_ref())
        .is_some_and(|script| script.commands.iter().any(reads_workspace_code))
}

/// A command that runs code from the workspace: a repository script or a build tool
/// working on the project (not `npm install -g tool`, `pip install name`).
pub(crate) fn reads_workspace_code(c: &Command) -> bool {
    if c.name().starts_with("./") {
        return true;
    }
    let n = c.base_name();
    if !WORKSPACE_BUILD_TOOLS.contains(&n) {
        return false;
    }
    let args: Vec<&str> = c.args().iter().map(|w| w.text.as_str()).collect();
    let installs = matches!(args.first(), Some(&"install") | Some(&"i") | Some(&"add"));
    match n {
        "npm" | "yarn" | "pnpm" if installs => {
            !args.iter().any(|a| matches!(*a, "-g" | "--global"))
                && (n != "yarn" || args.len() == 1)
                && (n == "yarn" || args.iter().skip(1).all(|a| a.starts_with('-')))
        }
        "pip" | "pip3" if installs => args.iter().skip(1).any(|a| {
            matches!(*a, "-r" | "-e" | "." | "--editable")
                || a.starts_with("./")
                || a.starts_with("-r")
        }),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_contexts() {
        assert_eq!(classify("github.event.issue.title"), Taint::Attacker);
        assert_eq!(classify("github.head_ref"), Taint::Attacker);
        assert_eq!(
            classify("github.event.pull_request.head.ref"),
            Taint::Attacker
        );
        assert_eq!(classify("github.event.pull_request.number"), Taint::Safe);
        assert_eq!(classify("github.event.pull_request.head.sha"), Taint::Safe);
        assert_eq!(
            classify("github.event.pull_request.base.ref"),
            Taint::Caller
        );
        assert_eq!(classify("github.sha"), Taint::Safe);
        assert_eq!(classify("github.actor"), Taint::Safe);
        assert_eq!(classify("github.ref_name"), Taint::Caller);
        assert_eq!(classify("inputs.tag"), Taint::Caller);
        assert_eq!(classify("needs.build.result"), Taint::Safe);
        assert_eq!(classify("steps.x.outcome"), Taint::Safe);
        assert_eq!(classify("steps.x.outputs.v"), Taint::Unknown);
        assert_eq!(classify("secrets.token"), Taint::Safe);
        assert_eq!(classify("github.event"), Taint::Attacker);
    }

    #[test]
    fn value_contexts_ignore_conditions() {
        let e = crate::github::expr::parse("inputs.a && '--a' || ''").unwrap();
        assert!(value_contexts(&e).is_empty());
        let e = crate::github::expr::parse("github.event.issue.title == 'x'").unwrap();
        assert!(value_contexts(&e).is_empty());
        let e = crate::github::expr::parse("format('{0}', github.head_ref)").unwrap();
        assert_eq!(value_contexts(&e)[0].0, "github.head_ref");
        let e = crate::github::expr::parse("inputs.a || github.head_ref").unwrap();
        assert_eq!(value_contexts(&e).len(), 2);
    }

    #[test]
    fn env_names() {
        assert_eq!(env_name("github.event.issue.title"), "ISSUE_TITLE");
        assert_eq!(env_name("inputs.build-args"), "BUILD_ARGS");
        assert_eq!(env_name("github.head_ref"), "HEAD_REF");
        assert_eq!(env_name("steps.meta.outputs.tags"), "META_TAGS");
        assert_eq!(env_name("matrix.0"), "MATRIX_0");
        assert_eq!(env_name("github.event.commits.0"), "COMMITS_0");
        assert_eq!(env_name("inputs.1st"), "VALUE_1ST");
    }
}
