//! Conditions: when can a job or a step run, and who can make it run?
//!
//! A job's or step's `if:` is evaluated abstractly under a [`Scenario`]: one
//! triggering event, one kind of ref, and whether the person who triggered it is an
//! *outsider* (a fork's pull-request author or a commenter without write access).
//! Values the scenario does not fix (inputs, outputs, labels, titles) are
//! [`Tri::Unknown`]; a condition is [`Tri::False`] only when it is false whatever
//! those values are. So "no scenario makes it true or unknown" means the job or step
//! never runs there, and rules can ask:
//!
//! * [`reachable`]: can the step run under this scenario (job and step `if:`)?
//! * [`scenarios`]: the scenarios a workflow's triggers (and their branch/tag
//!   filters) allow.
//! * [`outsider_reach`]: the first scenario an outsider starts in which the job (or
//!   step) runs; `None` when every such run is guarded away (for example by
//!   `github.event.pull_request.head.repo.full_name == github.repository`).
//! * [`co_reachable`]: can two steps run in the same scenario (a cache restore whose
//!   `if:` excludes exactly the tag builds that publish cannot poison them).
//! * [`Guards::of`]: which common guards a condition uses, for messages and severity.
//!
//! What is modelled, for an outsider (see the tests for each):
//!
//! * `github.event.pull_request.head.repo.full_name` is the fork, never equal to
//!   `github.repository` nor to a literal repository name; `head.repo.fork` is true;
//! * the pull request's or comment's author (`….user.login`) is not a named account
//!   (a bot or a maintainer), and its `author_association` is not `OWNER`, `MEMBER`
//!   or `COLLABORATOR`;
//! * `github.actor`, `github.triggering_actor` and `github.event.sender.login` are
//!   **spoofable**: the last account to act on a pull request can be a bot the
//!   outsider made act (a rebase request, a push to the fork), so a comparison with a
//!   literal stays unknown and [`Guards::actor`] records it;
//! * `github.repository` and `github.repository_owner` equal the literal they are
//!   compared with (pipewise audits the upstream repository, not a fork's copy).
//!
//! Everywhere: `github.event_name` is the scenario's event; on `pull_request*`
//! events `github.ref` is `refs/pull/…` (never a branch or a tag), on tag pushes and
//! releases it starts with `refs/tags/`; `github.event.pull_request` is null on
//! events that carry no pull request; string comparison ignores case like GitHub's.
//! `if: ${{ a }} && ${{ b }}` is a non-empty string, always true, as on GitHub.

use crate::github::expr::{self, BinOp, Expr, ExprKind, UnaryOp};
use crate::scenario::{RefKind, Scenario, OTHER_BRANCH};
use crate::workflow::{Job, Step, Tri, Workflow};
use pipewise_yaml::{Node, NodeKind};

/// Events an outsider can start on a public repository.
pub const OUTSIDER_EVENTS: &[&str] = &[
    "pull_request",
    "pull_request_target",
    "pull_request_review",
    "pull_request_review_comment",
    "issue_comment",
    "issues",
    "discussion",
    "discussion_comment",
    "fork",
    "watch",
    "workflow_run",
];

const PR_EVENTS: &[&str] = &[
    "pull_request",
    "pull_request_target",
    "pull_request_review",
    "pull_request_review_comment",
];

/// A parsed `if:` (absent means always).
#[derive(Debug, Clone)]
pub enum Cond {
    Always,
    Constant(bool),
    Expr(Box<Expr>),
    /// An expression that does not parse: treated as unknown.
    Unparsed,
}

impl Cond {
    /// Parses an `if:` value: a bare expression, or one `${{ … }}` that covers the
    /// whole value; any other text is a non-empty string (always true on GitHub).
    pub fn parse(node: Option<&Node>) -> Cond {
        let Some(node) = node else {
            return Cond::Always;
        };
        let text = match &node.kind {
            NodeKind::Scalar { value, .. } => value.as_str(),
            _ => return Cond::Unparsed,
        };
        if node.is_null() {
            return Cond::Always;
        }
        Cond::parse_str(text)
    }

    /// [`Cond::parse`] of a string.
    pub fn parse_str(text: &str) -> Cond {
        let t = text.trim();
        if t.is_empty() {
            return Cond::Always;
        }
        if t.contains("${{") {
            let e = expr::find_embedded(t);
            return match e.as_slice() {
                [one] if one.span.start == 0 && one.span.end == t.len() => match &one.expr {
                    Ok(x) => Cond::from_expr(x.clone()),
                    Err(_) => Cond::Unparsed,
                },
                // `${{ a }} && ${{ b }}`: a string, always true.
                _ => Cond::Constant(true),
            };
        }
        match expr::parse(t) {
            Ok(x) => Cond::from_expr(x),
            Err(_) => Cond::Unparsed,
        }
    }

    fn from_expr(x: Expr) -> Cond {
        match x.as_literal_bool() {
            Some(b) => Cond::Constant(b),
            None => Cond::Expr(Box::new(x)),
        }
    }

    /// The condition's truth under `sc`.
    pub fn eval(&self, sc: &Scenario) -> Tri {
        match self {
            Cond::Always => Tri::True,
            Cond::Constant(b) => tri(*b),
            Cond::Unparsed => Tri::Unknown,
            Cond::Expr(x) => truth(&value(x, sc)),
        }
    }

    /// The expression, if the condition is one.
    pub fn expr(&self) -> Option<&Expr> {
        match self {
            Cond::Expr(x) => Some(x),
            _ => None,
        }
    }
}

fn tri(b: bool) -> Tri {
    if b {
        Tri::True
    } else {
        Tri::False
    }
}

/// An abstract value.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    /// A string known to start with this (lower-case) prefix.
    Prefix(&'static str),
    /// A list of known strings (`fromJSON('["a","b"]')`).
    List(Vec<String>),
    Sym(Sym),
    Unknown,
}

/// Values whose relations are known without knowing the values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sym {
    /// `github.repository`: equal to a literal repository name.
    Repository,
    /// `github.repository_owner`.
    Owner,
    /// The fork's `full_name` / owner: never this repository, nor a literal.
    Fork,
    /// The outsider's login (pull-request or comment author): not a named account.
    OutsiderLogin,
    /// The outsider's `author_association`.
    OutsiderAssociation,
}

fn truth(v: &Val) -> Tri {
    match v {
        Val::Null => Tri::False,
        Val::Bool(b) => tri(*b),
        Val::Num(n) => tri(*n != 0.0 && !n.is_nan()),
        Val::Str(s) => tri(!s.is_empty()),
        Val::Prefix(_) | Val::List(_) | Val::Sym(_) => Tri::True,
        Val::Unknown => Tri::Unknown,
    }
}

fn from_tri(t: Tri) -> Val {
    match t {
        Tri::True => Val::Bool(true),
        Tri::False => Val::Bool(false),
        Tri::Unknown => Val::Unknown,
    }
}

fn value(x: &Expr, sc: &Scenario) -> Val {
    match &x.kind {
        ExprKind::Null => Val::Null,
        ExprKind::Bool(b) => Val::Bool(*b),
        ExprKind::Number(n) => Val::Num(*n),
        ExprKind::String(s) => Val::Str(s.clone()),
        ExprKind::Context(parts) => {
            // Only `github.…` paths are modelled: any other context (`inputs`,
            // `needs`, `matrix`, `env`, `steps`) is unknown without rendering its path.
            if parts.first().is_some_and(
                |p| matches!(&p.kind, expr::PathKind::Name(n) if !n.eq_ignore_ascii_case("github")),
            ) {
                return Val::Unknown;
            }
            // `github['event_name']` reads like `github.event_name`; a computed
            // index becomes `*`, which no modelled path contains.
            context(&expr::context_path(parts), sc)
        }
        ExprKind::Index { .. } => Val::Unknown,
        ExprKind::Unary {
            op: UnaryOp::Not,
            expr,
        } => from_tri(!truth(&value(expr, sc))),
        ExprKind::Binary { op, lhs, rhs } => match op {
            BinOp::And => {
                let l = value(lhs, sc);
                match truth(&l) {
                    Tri::False => l,
                    Tri::True => value(rhs, sc),
                    Tri::Unknown => match truth(&value(rhs, sc)) {
                        Tri::False => Val::Bool(false),
                        _ => Val::Unknown,
                    },
                }
            }
            BinOp::Or => {
                let l = value(lhs, sc);
                match truth(&l) {
                    Tri::True => l,
                    Tri::False => value(rhs, sc),
                    Tri::Unknown => match truth(&value(rhs, sc)) {
                        Tri::True => Val::Bool(true),
                        _ => Val::Unknown,
                    },
                }
            }
            BinOp::Eq => from_tri(equals(&value(lhs, sc), &value(rhs, sc))),
            BinOp::Ne => from_tri(!equals(&value(lhs, sc), &value(rhs, sc))),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                match (value(lhs, sc), value(rhs, sc)) {
                    (Val::Num(a), Val::Num(b)) => Val::Bool(match op {
                        BinOp::Lt => a < b,
                        BinOp::Le => a <= b,
                        BinOp::Gt => a > b,
                        _ => a >= b,
                    }),
                    _ => Val::Unknown,
                }
            }
        },
        ExprKind::Call { name, args } => {
            // Lower-cased only when it has capitals (`startsWith`): no allocation for
            // `always()`, `success()`, `contains()`.
            if name.bytes().any(|b| b.is_ascii_uppercase()) {
                call(&name.to_ascii_lowercase(), args, sc)
            } else {
                call(name, args, sc)
            }
        }
    }
}

fn call(name: &str, args: &[Expr], sc: &Scenario) -> Val {
    let arg = |i: usize| args.get(i).map(|a| value(a, sc)).unwrap_or(Val::Unknown);
    match name {
        "always" => Val::Bool(true),
        // The usual path: earlier steps succeeded.
        "success" => Val::Bool(true),
        "failure" | "cancelled" => Val::Unknown,
        "startswith" => from_tri(starts_with(&arg(0), &arg(1))),
        "endswith" => match (arg(0), arg(1)) {
            (Val::Str(a), Val::Str(b)) => Val::Bool(a.to_lowercase().ends_with(&b.to_lowercase())),
            _ => Val::Unknown,
        },
        "contains" => from_tri(contains(&arg(0), &arg(1))),
        "fromjson" => match arg(0) {
            Val::Str(s) => match serde_json::from_str::<serde_json::Value>(&s) {
                Ok(serde_json::Value::Array(items)) => {
                    let strs: Option<Vec<String>> = items
                        .iter()
                        .map(|i| i.as_str().map(str::to_string))
                        .collect();
                    strs.map(Val::List).unwrap_or(Val::Unknown)
                }
                Ok(serde_json::Value::Bool(b)) => Val::Bool(b),
                Ok(serde_json::Value::String(s)) => Val::Str(s),
                Ok(serde_json::Value::Null) => Val::Null,
                Ok(serde_json::Value::Number(n)) => {
                    n.as_f64().map(Val::Num).unwrap_or(Val::Unknown)
                }
                _ => Val::Unknown,
            },
            _ => Val::Unknown,
        },
        _ => Val::Unknown,
    }
}

fn starts_with(a: &Val, b: &Val) -> Tri {
    let Val::Str(b) = b else {
        return Tri::Unknown;
    };
    let b = b.to_lowercase();
    match a {
        Val::Str(a) => tri(a.to_lowercase().starts_with(&b)),
        Val::Prefix(p) => {
            if p.starts_with(&b) {
                Tri::True
            } else if b.starts_with(p) {
                Tri::Unknown
            } else {
                Tri::False
            }
        }
        Val::Null => tri(b.is_empty()),
        _ => Tri::Unknown,
    }
}

fn contains(hay: &Val, needle: &Val) -> Tri {
    match (hay, needle) {
        (Val::List(items), n) => {
            let mut out = Tri::False;
            for i in items {
                match equals(&Val::Str(i.clone()), n) {
                    Tri::True => return Tri::True,
                    Tri::Unknown => out = Tri::Unknown,
                    Tri::False => {}
                }
            }
            out
        }
        (Val::Str(h), Val::Str(n)) => tri(h.to_lowercase().contains(&n.to_lowercase())),
        (Val::Null, _) => Tri::False,
        _ => Tri::Unknown,
    }
}

const TRUSTED_ASSOCIATIONS: &[&str] = &["owner", "member", "collaborator"];

fn equals(a: &Val, b: &Val) -> Tri {
    match (a, b) {
        (Val::Unknown, _) | (_, Val::Unknown) => Tri::Unknown,
        (Val::Str(x), Val::Str(y)) => tri(x.eq_ignore_ascii_case(y)),
        (Val::Num(x), Val::Num(y)) => tri(x == y),
        (Val::Bool(x), Val::Bool(y)) => tri(x == y),
        (Val::Null, Val::Null) => Tri::True,
        (Val::Null, _) | (_, Val::Null) => Tri::False,
        (Val::Prefix(p), Val::Str(s)) | (Val::Str(s), Val::Prefix(p)) => {
            if s.to_lowercase().starts_with(p) {
                Tri::Unknown
            } else {
                Tri::False
            }
        }
        (Val::Sym(x), Val::Sym(y)) => {
            let outsider = |s: &Sym| matches!(s, Sym::Fork | Sym::OutsiderLogin);
            if x == y {
                Tri::True
            } else if outsider(x) || outsider(y) {
                Tri::False
            } else {
                Tri::Unknown
            }
        }
        (Val::Sym(s), Val::Str(lit)) | (Val::Str(lit), Val::Sym(s)) => match s {
            Sym::Repository | Sym::Owner => Tri::True,
            Sym::Fork | Sym::OutsiderLogin => Tri::False,
            Sym::OutsiderAssociation => {
                if TRUSTED_ASSOCIATIONS
                    .iter()
                    .any(|t| lit.eq_ignore_ascii_case(t))
                {
                    Tri::False
                } else {
                    Tri::Unknown
                }
            }
        },
        (Val::Sym(_), _) | (_, Val::Sym(_)) => Tri::False,
        _ => Tri::Unknown,
    }
}

/// Whether the `if:` of a step of a composite action can hold when the action's
/// `inputs.<name>` take the values `input` gives (`Some(literal)`; `None` when the
/// value is unknown, such as an expression of the caller): `if: ${{ inputs.publish
/// == 'true' }}` cannot hold when the caller does not set `publish` and its default
/// is `'false'`. Every other context is unknown.
pub fn possible_with_inputs(cond: Option<&Node>, input: &dyn Fn(&str) -> Option<String>) -> bool {
    let neutral = Scenario {
        event: None,
        ref_kind: RefKind::Unknown,
        outsider: false,
        branch: None,
    };
    match Cond::parse(cond) {
        Cond::Expr(x) => truth(&value(&with_inputs(*x, input), &neutral)).possible(),
        c => c.eval(&neutral).possible(),
    }
}

/// `x` with each `inputs.<name>` whose value `input` knows replaced by that string.
fn with_inputs(x: Expr, input: &dyn Fn(&str) -> Option<String>) -> Expr {
    let span = x.span;
    let kind = match x.kind {
        ExprKind::Context(parts) => {
            let path = expr::context_path(&parts);
            match path.strip_prefix("inputs.").and_then(input) {
                Some(v) => ExprKind::String(v),
                None => ExprKind::Context(parts),
            }
        }
        ExprKind::Unary { op, expr } => ExprKind::Unary {
            op,
            expr: Box::new(with_inputs(*expr, input)),
        },
        ExprKind::Binary { op, lhs, rhs } => ExprKind::Binary {
            op,
            lhs: Box::new(with_inputs(*lhs, input)),
            rhs: Box::new(with_inputs(*rhs, input)),
        },
        ExprKind::Call { name, args } => ExprKind::Call {
            name,
            args: args.into_iter().map(|a| with_inputs(a, input)).collect(),
        },
        k => k,
    };
    Expr { kind, span }
}

/// The value of a context path under a scenario.
fn context(path: &str, sc: &Scenario) -> Val {
    let pr_event = sc.event.is_some_and(|e| PR_EVENTS.contains(&e));
    match path {
        "github.event_name" => match sc.event {
            Some(e) => Val::Str(e.to_string()),
            None => Val::Unknown,
        },
        "github.ref" => match (sc.ref_kind, sc.event) {
            (_, Some("pull_request")) | (RefKind::PullRequest, _) => Val::Prefix("refs/pull/"),
            (RefKind::Tag, _) => Val::Prefix("refs/tags/"),
            (RefKind::Branch, _) => match sc.branch {
                Some(b) => Val::Str(format!("refs/heads/{b}")),
                None => Val::Prefix("refs/heads/"),
            },
            _ => Val::Unknown,
        },
        "github.ref_type" => match sc.ref_kind {
            RefKind::Tag => Val::Str("tag".into()),
            RefKind::Branch => Val::Str("branch".into()),
            _ => Val::Unknown,
        },
        "github.repository" => Val::Sym(Sym::Repository),
        "github.repository_owner" => Val::Sym(Sym::Owner),
        _ => {
            if let Some(rest) = path.strip_prefix("github.event.pull_request") {
                if sc.event.is_some() && !pr_event {
                    // Events without a pull request: the whole object is null.
                    return Val::Null;
                }
                if sc.outsider && pr_event {
                    return match rest {
                        ".head.repo.full_name" | ".head.repo.owner.login" | ".head.label" => {
                            Val::Sym(Sym::Fork)
                        }
                        ".head.repo.fork" => Val::Bool(true),
                        ".user.login" => Val::Sym(Sym::OutsiderLogin),
                        ".author_association" => Val::Sym(Sym::OutsiderAssociation),
                        _ => Val::Unknown,
                    };
                }
                return Val::Unknown;
            }
            if sc.outsider {
                match path {
                    "github.event.comment.user.login"
                    | "github.event.review.user.login"
                    | "github.event.issue.user.login" => return Val::Sym(Sym::OutsiderLogin),
                    "github.event.comment.author_association"
                    | "github.event.review.author_association"
                    | "github.event.issue.author_association" => {
                        return Val::Sym(Sym::OutsiderAssociation)
                    }
                    "github.event.workflow_run.head_repository.full_name" => {
                        return Val::Sym(Sym::Fork)
                    }
                    _ => {}
                }
            }
            Val::Unknown
        }
    }
}

/// The scenarios a workflow's triggers allow: each trigger event with the ref kinds
/// its filters allow, as a maintainer and (for events outsiders start) as an
/// outsider. A `workflow_call` trigger adds a scenario with an unknown event.
pub fn scenarios<'a>(wf: &Workflow<'a>) -> Vec<Scenario<'a>> {
    let mut out = vec![];
    for t in &wf.triggers {
        let event = t.event;
        if event == "workflow_call" {
            out.push(Scenario {
                event: None,
                ref_kind: RefKind::Unknown,
                outsider: false,
                branch: None,
            });
            continue;
        }
        let refs: Vec<RefKind> = match event {
            "pull_request" => vec![RefKind::PullRequest],
            "release" => vec![RefKind::Tag],
            "push" | "create" | "delete" | "workflow_dispatch" => {
                let cfg = t.config;
                let has = |k: &str| cfg.and_then(|c| c.get(k)).is_some();
                let branches = has("branches") || has("branches-ignore");
                let tags = has("tags") || has("tags-ignore");
                match (event, branches, tags) {
                    ("push", true, false) => vec![RefKind::Branch],
                    ("push", false, true) => vec![RefKind::Tag],
                    _ => vec![RefKind::Branch, RefKind::Tag],
                }
            }
            "schedule" | "pull_request_target" | "issue_comment" | "issues" | "merge_group" => {
                vec![RefKind::Branch]
            }
            _ => vec![RefKind::Unknown],
        };
        for r in refs {
            out.push(Scenario {
                event: Some(event),
                ref_kind: r,
                outsider: false,
                branch: None,
            });
            if OUTSIDER_EVENTS.contains(&event) {
                out.push(Scenario {
                    event: Some(event),
                    ref_kind: r,
                    outsider: true,
                    branch: None,
                });
            }
        }
    }
    out
}

/// Whether `job` (and `step`, when given) can run under `sc`.
pub fn reachable(job: &Job, step: Option<&Step>, sc: &Scenario) -> bool {
    Cond::parse(job.get("if")).eval(sc).possible()
        && step.is_none_or(|s| Cond::parse(s.get("if")).eval(sc).possible())
}

/// The first scenario started by an outsider in which `job` (and `step`) can run.
pub fn outsider_reach<'a>(
    wf: &Workflow<'a>,
    job: &Job,
    step: Option<&Step>,
) -> Option<Scenario<'a>> {
    scenarios(wf)
        .into_iter()
        .find(|sc| sc.outsider && reachable(job, step, sc))
}

/// The events under which `job` (and `step`) can run, in trigger order.
pub fn events<'a>(wf: &Workflow<'a>, job: &Job, step: Option<&Step>) -> Vec<&'a str> {
    let mut out: Vec<&'a str> = vec![];
    for sc in scenarios(wf) {
        if let Some(e) = sc.event {
            if !out.contains(&e) && reachable(job, step, &sc) {
                out.push(e);
            }
        }
    }
    out
}

/// Whether two steps of the same job can run in one scenario.
pub fn co_reachable(wf: &Workflow, job: &Job, a: &Step, b: &Step) -> bool {
    let job_if = Cond::parse(job.get("if"));
    let (ca, cb) = (Cond::parse(a.get("if")), Cond::parse(b.get("if")));
    let all = scenarios(wf);
    let unconstrained = [Scenario {
        event: None,
        ref_kind: RefKind::Unknown,
        outsider: false,
        branch: None,
    }];
    let list: &[Scenario] = if all.is_empty() { &unconstrained } else { &all };
    // Branch refs the conditions name (`github.ref == 'refs/heads/main'`): each
    // branch scenario is split into one per named branch and one for the others,
    // so `ref != main` and `ref == main` are never true together.
    let mut named: Vec<&str> = vec![];
    for c in [&job_if, &ca, &cb] {
        if let Some(x) = c.expr() {
            x.visit(&mut |e| {
                if let crate::github::expr::ExprKind::String(v) = &e.kind {
                    if let Some(b) = v.strip_prefix("refs/heads/") {
                        if !b.is_empty() && !named.contains(&b) && named.len() < 16 {
                            named.push(b);
                        }
                    }
                }
            });
        }
    }
    let possible = |sc: &Scenario| {
        job_if.eval(sc).possible() && ca.eval(sc).possible() && cb.eval(sc).possible()
    };
    list.iter().any(|sc| {
        if sc.ref_kind != RefKind::Branch || named.is_empty() || sc.event == Some("pull_request") {
            return possible(sc);
        }
        named.iter().copied().chain([OTHER_BRANCH]).any(|b| {
            possible(&Scenario {
                branch: Some(b),
                ..*sc
            })
        })
    })
}

/// The common guards a condition uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Guards {
    /// `head.repo.full_name == github.repository` (or `head.repo.fork == false`).
    pub same_repository: bool,
    /// `github.repository == '…'` / `repository_owner == '…'`.
    pub repository: bool,
    /// `github.actor` / `triggering_actor` / `sender.login`: spoofable.
    pub actor: bool,
    /// The pull request's or comment's author login or association: not spoofable.
    pub author: bool,
    /// A label the pull request must carry (added by someone with triage access).
    pub label: bool,
}

impl Guards {
    /// The guards `cond` mentions (syntactically; [`Cond::eval`] decides what they do).
    pub fn of(cond: &Cond) -> Guards {
        let mut g = Guards::default();
        let Some(x) = cond.expr() else { return g };
        for (path, _) in x.contexts() {
            match path.as_str() {
                "github.event.pull_request.head.repo.full_name"
                | "github.event.pull_request.head.repo.fork"
                | "github.event.pull_request.head.repo.owner.login"
                | "github.event.workflow_run.head_repository.full_name" => g.same_repository = true,
                "github.repository" | "github.repository_owner" => g.repository = true,
                "github.actor" | "github.triggering_actor" | "github.event.sender.login" => {
                    g.actor = true
                }
                p if p.ends_with(".user.login") || p.ends_with(".author_association") => {
                    g.author = true
                }
                p if p.contains("labels") || p == "github.event.label.name" => g.label = true,
                _ => {}
            }
        }
        g
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn composite_step_conditions_read_the_inputs() {
        let doc = |t: &str| pipewise_yaml::Document::parse(format!("if: {t}\n")).expect("yaml");
        let possible = |t: &str, v: Option<&str>| {
            let d = doc(t);
            possible_with_inputs(d.root.get("if"), &|name| {
                (name == "publish").then(|| v.map(str::to_string)).flatten()
            })
        };
        // spring-boot's build action: the publish step needs `publish: 'true'`.
        assert!(!possible("${{ inputs.publish == 'true' }}", Some("false")));
        assert!(possible("${{ inputs.publish == 'true' }}", Some("true")));
        // An expression of the caller is unknown: the step may run.
        assert!(possible("${{ inputs.publish == 'true' }}", None));
        assert!(!possible("inputs.publish", Some("")));
        assert!(possible("${{ !inputs.publish }}", Some("")));
        // Other contexts stay unknown.
        assert!(possible("github.ref == 'refs/heads/main'", Some("false")));
        assert!(!possible(
            "inputs.publish == 'true' && github.ref == 'x'",
            Some("no")
        ));
    }
    use super::*;

    fn sc(event: &'static str, outsider: bool) -> Scenario<'static> {
        Scenario {
            event: Some(event),
            ref_kind: if event == "pull_request" {
                RefKind::PullRequest
            } else {
                RefKind::Branch
            },
            outsider,
            branch: None,
        }
    }

    fn eval(cond: &str, s: Scenario) -> Tri {
        Cond::parse_str(cond).eval(&s)
    }

    #[test]
    fn same_repository_head_excludes_forks() {
        let c = "github.event.pull_request.head.repo.full_name == github.repository";
        assert_eq!(eval(c, sc("pull_request_target", true)), Tri::False);
        assert_eq!(eval(c, sc("pull_request_target", false)), Tri::Unknown);
        // On push there is no pull request: null is not the repository.
        assert_eq!(eval(c, sc("push", false)), Tri::False);
        let either = format!("github.event_name == 'push' || {c}");
        assert_eq!(eval(&either, sc("push", false)), Tri::True);
        assert_eq!(eval(&either, sc("pull_request", true)), Tri::False);
        assert_eq!(
            eval(
                "${{ !github.event.pull_request.head.repo.fork }}",
                sc("pull_request", true)
            ),
            Tri::False
        );
        assert_eq!(
            eval(
                "github.event.pull_request.head.repo.full_name != github.repository",
                sc("pull_request", true)
            ),
            Tri::True
        );
    }

    #[test]
    fn author_checks_hold_actor_checks_are_spoofable() {
        let bot_author = "github.event.pull_request.user.login == 'dependabot[bot]'";
        assert_eq!(
            eval(bot_author, sc("pull_request_target", true)),
            Tri::False
        );
        let bot_actor = "github.actor == 'dependabot[bot]'";
        assert_eq!(
            eval(bot_actor, sc("pull_request_target", true)),
            Tri::Unknown
        );
        assert!(Guards::of(&Cond::parse_str(bot_actor)).actor);
        assert!(Guards::of(&Cond::parse_str(bot_author)).author);
        // Both: the author check alone excludes outsiders.
        let both = format!("{bot_actor} && {bot_author}");
        assert_eq!(eval(&both, sc("pull_request_target", true)), Tri::False);
        let assoc = "contains(fromJSON('[\"OWNER\", \"MEMBER\"]'), github.event.comment.author_association)";
        assert_eq!(eval(assoc, sc("issue_comment", true)), Tri::False);
        assert_eq!(eval(assoc, sc("issue_comment", false)), Tri::Unknown);
        assert_eq!(
            eval(
                "github.event.comment.author_association != 'NONE'",
                sc("issue_comment", true)
            ),
            Tri::Unknown
        );
    }

    #[test]
    fn repository_checks_hold_upstream() {
        let c = "github.repository == 'octo/app' && github.event_name == 'push'";
        assert_eq!(eval(c, sc("push", false)), Tri::True);
        assert_eq!(eval(c, sc("issue_comment", true)), Tri::False);
        assert!(Guards::of(&Cond::parse_str(c)).repository);
    }

    #[test]
    fn refs_by_event_and_kind() {
        let tags = "startsWith(github.ref, 'refs/tags/')";
        let tag = Scenario {
            event: Some("push"),
            ref_kind: RefKind::Tag,
            outsider: false,
            branch: None,
        };
        assert_eq!(eval(tags, tag), Tri::True);
        assert_eq!(eval(&format!("!{tags}"), tag), Tri::False);
        assert_eq!(eval(tags, sc("push", false)), Tri::False);
        assert_eq!(eval(tags, sc("pull_request", true)), Tri::False);
        assert_eq!(
            eval("github.ref == 'refs/heads/main'", sc("push", false)),
            Tri::Unknown
        );
        assert_eq!(eval("github.ref == 'refs/heads/main'", tag), Tri::False);
        assert_eq!(eval("github.ref_type == 'tag'", tag), Tri::True);
        assert_eq!(
            eval("github.ref == 'refs/heads/main'", sc("pull_request", true)),
            Tri::False
        );
    }

    #[test]
    fn constants_strings_and_status_functions() {
        assert_eq!(eval("false", sc("push", false)), Tri::False);
        assert_eq!(eval("${{ false }}", sc("push", false)), Tri::False);
        // Two expressions with text between them are a non-empty string.
        assert_eq!(
            eval("${{ false }} && ${{ false }}", sc("push", false)),
            Tri::True
        );
        assert_eq!(eval("always()", sc("push", false)), Tri::True);
        assert_eq!(eval("failure()", sc("push", false)), Tri::Unknown);
        assert_eq!(eval("inputs.x == 'y'", sc("push", false)), Tri::Unknown);
        assert_eq!(
            eval("GitHub.Event_Name == 'PUSH'", sc("push", false)),
            Tri::True
        );
        assert_eq!(eval("not an expression (", sc("push", false)), Tri::Unknown);
        assert_eq!(
            eval(
                "contains(fromJSON('[\"push\",\"schedule\"]'), github.event_name)",
                sc("issues", true)
            ),
            Tri::False
        );
    }

    fn workflow(src: &str) -> pipewise_yaml::Document {
        pipewise_yaml::Document::parse(src.to_string()).expect("yaml")
    }

    #[test]
    fn outsider_reach_follows_job_and_step_conditions() {
        let d = workflow(concat!(
            "on:\n  pull_request_target:\n  push:\n    branches: [main]\n",
            "jobs:\n",
            "  guarded:\n    if: github.event.pull_request.head.repo.full_name == github.repository\n",
            "    runs-on: x\n    steps:\n      - run: a\n",
            "  push-only:\n    if: github.event_name == 'push'\n    runs-on: x\n    steps:\n      - run: b\n",
            "  open:\n    runs-on: x\n    steps:\n      - run: c\n      - if: github.actor == 'dependabot[bot]'\n        run: d\n",
        ));
        let wf = Workflow::new("w.yml", &d);
        let job = |id| wf.job(id).expect("job");
        assert!(outsider_reach(&wf, job("guarded"), None).is_none());
        assert!(outsider_reach(&wf, job("push-only"), None).is_none());
        assert_eq!(events(&wf, job("push-only"), None), ["push"]);
        let open = job("open");
        let r = outsider_reach(&wf, open, Some(&open.steps[1])).expect("spoofable actor");
        assert_eq!(r.event, Some("pull_request_target"));
    }

    #[test]
    fn co_reachability_of_steps() {
        let d = workflow(concat!(
            "on:\n  push:\n    branches: [main]\n    tags: ['v*']\n",
            "jobs:\n  build:\n    runs-on: x\n    steps:\n",
            "      - if: \"!startsWith(github.ref, 'refs/tags/')\"\n        uses: actions/cache@v4\n",
            "      - if: startsWith(github.ref, 'refs/tags/')\n        run: npm publish\n",
            "      - run: npm test\n",
        ));
        let wf = Workflow::new("w.yml", &d);
        let j = &wf.jobs[0];
        assert!(!co_reachable(&wf, j, &j.steps[0], &j.steps[1]));
        assert!(co_reachable(&wf, j, &j.steps[0], &j.steps[2]));
    }
}
