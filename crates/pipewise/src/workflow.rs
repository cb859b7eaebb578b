//! The GitHub Actions model: workflows, jobs, steps and composite actions as
//! views over the YAML tree, so every field keeps its span.
//!
//! Built once per file ([`Workflow::new`], [`Action::new`]); `run:` blocks are parsed
//! as shell here, once, honouring `shell:` (and `defaults.run.shell`): pwsh, python
//! and other bodies are not parsed as bash. Structural problems (wrong types,
//! unknown keys) are collected as [`Problem`]s; the rest of the file is still audited.

use crate::finding::Span;
use crate::shell::{is_posix_shell, shell_has_errexit, Script};
use pipewise_yaml::{Document, Entry, Node, NodeKind};

/// The CI platform a [`Workflow`] comes from. The model is shared: GitHub Actions
/// workflows are read into it directly, GitLab CI pipelines are lowered into it
/// (`crate::gitlab`); rules say which platforms they apply to
/// ([`crate::rules::Rule::platforms`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    GitHub,
    GitLab,
}

impl Platform {
    /// Every platform: for rules about scripts, containers and job structure.
    pub const ALL: &'static [Platform] = &[Platform::GitHub, Platform::GitLab];
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::GitHub => "github",
            Platform::GitLab => "gitlab",
        }
    }
}

/// Where a lowered step's node lives when that is not its workflow's own file (a
/// GitLab script line from an included file, `extends:` or `!reference`), and the
/// script section it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub path: &'a str,
    pub doc: &'a Document,
    /// `before_script`, `script` or `after_script`.
    pub section: &'static str,
}

/// A structural problem in a workflow or action file.
#[derive(Debug, Clone)]
pub struct Problem {
    pub span: Span,
    pub message: String,
}

/// A `run:` block.
#[derive(Debug)]
pub struct Run<'a> {
    pub node: &'a Node,
    /// The script text (the scalar's value).
    pub text: &'a str,
    /// The effective shell (`shell:` or `defaults.run.shell`), if set.
    pub shell: Option<&'a str>,
    /// Parsed when the shell is bash-like.
    pub script: Option<Script>,
}

impl<'a> Run<'a> {
    /// Maps a span inside the script text to a span in the workflow file.
    pub fn source_span(&self, doc: &Document, s: Span) -> Span {
        let a = doc.value_to_source(self.node, s.start);
        let b = doc.value_to_source(self.node, s.end.saturating_sub(1)) + 1;
        Span::new(a, b.max(a))
    }
    /// Whether the shell stops at the first failing command.
    pub fn errexit(&self) -> bool {
        shell_has_errexit(self.shell)
    }
}

#[derive(Debug)]
pub struct Step<'a> {
    pub index: usize,
    pub node: &'a Node,
    pub id: Option<&'a str>,
    pub name: Option<&'a str>,
    pub uses: Option<&'a Node>,
    pub run: Option<Run<'a>>,
    pub with: Option<&'a Node>,
    pub env: Option<&'a Node>,
    /// [`crate::intent::step_intent`], computed once: many rules ask for it.
    pub intent: std::sync::OnceLock<crate::intent::Intent>,
    /// [`crate::intent::step_ships`], computed once.
    pub ships: std::sync::OnceLock<Option<crate::intent::Intent>>,
    /// [`Step::haystack`], built once.
    pub haystack: std::sync::OnceLock<String>,
    /// [`Step::action`], lower-cased once (it is asked for by most rules).
    pub action_name: std::sync::OnceLock<Option<String>>,
    /// [`Step::phrases`], found once.
    pub phrases: std::sync::OnceLock<crate::keywords::Found>,
    /// The script files the step calls, transitively, with the calling command's span
    /// and the chain of paths ([`crate::rules::step_scripts`]), found once: five rules
    /// ask for them.
    pub called: std::sync::OnceLock<Vec<(String, crate::finding::Span, Vec<String>)>>,
    /// Set for lowered steps (GitLab script lines): the file and section they come from.
    pub origin: Option<Origin<'a>>,
}

impl<'a> Step<'a> {
    /// A step at `index` with nothing read yet: no keys and empty caches. Builders
    /// set what they read with struct-update syntax (`Step { run, ..Step::new(i, n) }`),
    /// so a new cache field is added here only.
    pub fn new(index: usize, node: &'a Node) -> Step<'a> {
        Step {
            index,
            node,
            id: None,
            name: None,
            uses: None,
            run: None,
            with: None,
            env: None,
            intent: std::sync::OnceLock::new(),
            ships: std::sync::OnceLock::new(),
            haystack: std::sync::OnceLock::new(),
            action_name: std::sync::OnceLock::new(),
            phrases: std::sync::OnceLock::new(),
            called: std::sync::OnceLock::new(),
            origin: None,
        }
    }
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.node.get(key)
    }
    pub fn entry(&self, key: &str) -> Option<&'a Entry> {
        self.node.entry(key)
    }
    /// `uses:` value, e.g. `actions/checkout@v4`.
    pub fn uses_str(&self) -> Option<&'a str> {
        self.uses.and_then(Node::as_str)
    }
    /// The action name without its ref, lowercased: `actions/checkout`.
    pub fn action(&self) -> Option<&str> {
        self.action_name
            .get_or_init(|| {
                self.uses_str()
                    .map(|u| u.split('@').next().unwrap_or(u).to_ascii_lowercase())
            })
            .as_deref()
    }
    /// A `with:` input value as a string.
    pub fn with_str(&self, key: &str) -> Option<&'a str> {
        self.with.and_then(|w| w.get(key)).and_then(Node::as_str)
    }
    /// A human label: name, else `uses`, else the first line of `run`.
    pub fn label(&self) -> String {
        if let Some(n) = self.name {
            return n.to_string();
        }
        if let Some(u) = self.uses_str() {
            return u.to_string();
        }
        if let Some(r) = &self.run {
            let first = r.text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            let mut s: String = first.trim().chars().take(60).collect();
            if first.trim().chars().count() > 60 {
                s.push('…');
            }
            return s;
        }
        format!("step {}", self.index + 1)
    }
    /// Lowercased name plus run text plus `uses`, for keyword checks (built once).
    pub fn haystack(&self) -> &str {
        self.haystack.get_or_init(|| self.build_haystack())
    }
    /// Which of [`crate::keywords::STEP_PHRASES`] occur in [`Step::haystack`], found
    /// once per step.
    pub fn phrases(&self) -> &crate::keywords::Found {
        self.phrases
            .get_or_init(|| crate::keywords::STEP_PHRASES.find(self.haystack()))
    }
    fn build_haystack(&self) -> String {
        let mut s = String::new();
        if let Some(n) = self.name {
            s.push_str(n);
            s.push('\n');
        }
        if let Some(u) = self.uses_str() {
            s.push_str(u);
            s.push('\n');
        }
        if let Some(r) = &self.run {
            s.push_str(r.text);
        }
        s.to_ascii_lowercase()
    }
    /// The span to point at for the whole step: its first key.
    pub fn anchor(&self) -> Span {
        self.node
            .as_map()
            .and_then(|m| m.first())
            .map(|e| e.key.span)
            .unwrap_or(self.node.span)
    }
}

#[derive(Debug)]
pub struct Job<'a> {
    pub id: &'a str,
    pub key: &'a Node,
    pub node: &'a Node,
    pub name: Option<&'a str>,
    pub needs: Vec<&'a str>,
    pub steps: Vec<Step<'a>>,
    /// `uses:` of a reusable-workflow call job.
    pub uses: Option<&'a Node>,
    /// [`crate::intent::job_ships`], computed once: several rules ask for it.
    pub ships: std::sync::OnceLock<Option<crate::intent::Intent>>,
}

impl<'a> Job<'a> {
    /// A step under `continue-on-error` whose failure a later step of the job turns
    /// back into a failed job: `if: steps.<id>.outcome == 'failure'` running `exit 1`
    /// (fastapi's pre-commit job lets the fixes be pushed first, then fails).
    pub fn reraises_failure_of(&self, step: &Step) -> bool {
        let Some(id) = step.id else {
            return false;
        };
        let outcome = format!("steps.{id}.outcome");
        let conclusion = format!("steps.{id}.conclusion");
        self.steps.iter().skip(step.index + 1).any(|later| {
            let cond = later.get("if").and_then(Node::as_str).unwrap_or("");
            let on_failure = (cond.contains(&outcome) || cond.contains(&conclusion))
                && (cond.contains("== 'failure'") || cond.contains("!= 'success'"));
            on_failure
                && later
                    .run
                    .as_ref()
                    .and_then(|r| r.script.as_ref())
                    .is_some_and(|sc| {
                        sc.commands.iter().any(|c| {
                            c.base_name() == "false"
                                || (c.base_name() == "exit"
                                    && c.args().first().is_some_and(|a| a.text != "0"))
                        })
                    })
        })
    }
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.node.get(key)
    }
    pub fn entry(&self, key: &str) -> Option<&'a Entry> {
        self.node.entry(key)
    }
    /// `environment:` name (string form or `name:` key).
    pub fn environment(&self) -> Option<&'a str> {
        let e = self.get("environment")?;
        e.as_str().or_else(|| e.get("name").and_then(Node::as_str))
    }
    pub fn label(&self) -> &'a str {
        self.name.unwrap_or(self.id)
    }
    /// The job's container image: GitHub `container:` (a string or `image:`), GitLab
    /// `image:` (a string or `name:`).
    pub fn image(&self) -> Option<&'a Node> {
        let c = self.get("image").or_else(|| self.get("container"))?;
        match &c.kind {
            NodeKind::Map(_) => c.get("name").or_else(|| c.get("image")),
            _ => Some(c),
        }
    }
    /// `services:` (both platforms).
    pub fn services(&self) -> Option<&'a Node> {
        self.get("services")
    }
    /// When the job runs: GitHub `if:`, GitLab `rules:` (else `only:`/`except:`).
    pub fn condition(&self) -> Option<&'a Node> {
        ["if", "rules", "only", "except"]
            .into_iter()
            .find_map(|k| self.get(k))
    }
    /// GitLab `stage:` (GitHub jobs have none).
    pub fn stage(&self) -> Option<&'a str> {
        self.get("stage").and_then(Node::as_str)
    }
}

/// A trigger under `on:`.
#[derive(Debug)]
pub struct Trigger<'a> {
    pub event: &'a str,
    pub span: Span,
    pub config: Option<&'a Node>,
}

#[derive(Debug)]
pub struct Workflow<'a> {
    pub path: &'a str,
    pub doc: &'a Document,
    pub root: &'a Node,
    pub name: Option<&'a str>,
    pub triggers: Vec<Trigger<'a>>,
    pub jobs: Vec<Job<'a>>,
    pub problems: Vec<Problem>,
    pub platform: Platform,
    /// The GitLab pipeline this file belongs to (for GitLab CI files).
    pub pipeline: Option<&'a crate::gitlab::Pipeline<'a>>,
    /// [`crate::economics::savings::find_default`], computed once: the three `cost/*`
    /// rules and the report's economics section all ask for it (it was a third of the
    /// audit's instructions when each computed it again).
    pub savings: std::sync::OnceLock<Vec<crate::economics::savings::Found>>,
    /// What the economics model reads from each job whatever the repository around
    /// the workflow (step kinds, conditions, runners), read once for the `cost/*`
    /// rules and the report section.
    pub(crate) economics: std::sync::OnceLock<Vec<crate::economics::JobStatic>>,
}

impl<'a> Workflow<'a> {
    pub fn new(path: &'a str, doc: &'a Document) -> Workflow<'a> {
        let root = &doc.root;
        let mut problems = vec![];
        let mut wf = Workflow {
            path,
            doc,
            root,
            name: root.get("name").and_then(Node::as_str),
            triggers: vec![],
            jobs: vec![],
            problems: vec![],
            platform: Platform::GitHub,
            pipeline: None,
            savings: std::sync::OnceLock::new(),
            economics: std::sync::OnceLock::new(),
        };
        let Some(map) = root.as_map() else {
            problems.push(Problem {
                span: root.span,
                message: format!("a workflow must be a mapping, found {}", root.type_name()),
            });
            wf.problems = problems;
            return wf;
        };
        for e in map {
            let k = e.key.as_str().unwrap_or("");
            if !WORKFLOW_KEYS.contains(&k) {
                problems.push(Problem {
                    span: e.key.span,
                    message: format!("unknown workflow key `{k}`"),
                });
            }
        }
        wf.triggers = triggers(root.get("on"), &mut problems);
        check_permissions(root, &mut problems);
        if root.entry("on").is_none() {
            problems.push(Problem {
                span: first_key(root),
                message: "workflow has no `on:` triggers".into(),
            });
        }
        let wf_shell = default_shell(root);
        match root.entry("jobs") {
            None => problems.push(Problem {
                span: first_key(root),
                message: "workflow has no `jobs:`".into(),
            }),
            Some(jobs) => match jobs.value.as_map() {
                None => problems.push(Problem {
                    span: jobs.value.span,
                    message: format!("`jobs` must be a mapping, found {}", jobs.value.type_name()),
                }),
                Some(entries) => {
                    for je in entries {
                        let Some(id) = je.key.as_str() else {
                            problems.push(Problem {
                                span: je.key.span,
                                message: format!(
                                    "a job id must be a string, found {}; job not audited",
                                    je.key.type_name()
                                ),
                            });
                            continue;
                        };
                        if je.value.as_map().is_none() {
                            problems.push(Problem {
                                span: je.value.span,
                                message: format!(
                                    "job `{id}` must be a mapping, found {}",
                                    je.value.type_name()
                                ),
                            });
                            continue;
                        }
                        let shell = default_shell(&je.value).or(wf_shell);
                        wf.jobs.push(job(id, je, shell, &mut problems));
                    }
                }
            },
        }
        wf.problems = problems;
        wf
    }

    pub fn has_trigger(&self, event: &str) -> bool {
        self.triggers.iter().any(|t| t.event == event)
    }
    pub fn job(&self, id: &str) -> Option<&Job<'a>> {
        self.jobs.iter().find(|j| j.id == id)
    }
    pub fn file_name(&self) -> &'a str {
        self.path.rsplit('/').next().unwrap_or(self.path)
    }
}

/// A local or composite action (`action.yml`).
#[derive(Debug)]
pub struct Action<'a> {
    pub path: &'a str,
    pub doc: &'a Document,
    pub root: &'a Node,
    pub using: Option<&'a str>,
    pub steps: Vec<Step<'a>>,
    pub problems: Vec<Problem>,
}

impl<'a> Action<'a> {
    pub fn new(path: &'a str, doc: &'a Document) -> Action<'a> {
        let root = &doc.root;
        let mut problems = vec![];
        let runs = root.get("runs");
        let using = runs.and_then(|r| r.get("using")).and_then(Node::as_str);
        let mut steps = vec![];
        if root.as_map().is_none() {
            problems.push(Problem {
                span: root.span,
                message: format!("an action must be a mapping, found {}", root.type_name()),
            });
        } else if runs.is_none() {
            problems.push(Problem {
                span: first_key(root),
                message: "action has no `runs:`".into(),
            });
        }
        if let Some(s) = runs.and_then(|r| r.entry("steps")) {
            steps = parse_steps(&s.value, None, &mut problems);
        }
        Action {
            path,
            doc,
            root,
            using,
            steps,
            problems,
        }
    }
}

const WORKFLOW_KEYS: &[&str] = &[
    "name",
    "description",
    "run-name",
    "on",
    "permissions",
    "env",
    "defaults",
    "concurrency",
    "jobs",
];
const JOB_KEYS: &[&str] = &[
    "name",
    "permissions",
    "needs",
    "if",
    "runs-on",
    "environment",
    "concurrency",
    "outputs",
    "env",
    "defaults",
    "steps",
    "timeout-minutes",
    "strategy",
    "continue-on-error",
    "container",
    "services",
    "uses",
    "with",
    "secrets",
    "snapshot",
];
const STEP_KEYS: &[&str] = &[
    "id",
    "if",
    "name",
    "uses",
    "run",
    "working-directory",
    "shell",
    "with",
    "env",
    "continue-on-error",
    "timeout-minutes",
];

fn first_key(n: &Node) -> Span {
    n.as_map()
        .and_then(|m| m.first())
        .map(|e| e.key.span)
        .unwrap_or(n.span)
}

fn default_shell(n: &Node) -> Option<&str> {
    n.get("defaults")?.get("run")?.get("shell")?.as_str()
}

fn triggers<'a>(on: Option<&'a Node>, problems: &mut Vec<Problem>) -> Vec<Trigger<'a>> {
    let Some(on) = on else { return vec![] };
    match &on.kind {
        NodeKind::Scalar { value, .. } => vec![Trigger {
            event: value,
            span: on.span,
            config: None,
        }],
        NodeKind::Seq(items) => items
            .iter()
            .filter_map(|i| {
                i.as_str().map(|e| Trigger {
                    event: e,
                    span: i.span,
                    config: None,
                })
            })
            .collect(),
        NodeKind::Map(entries) => entries
            .iter()
            .filter_map(|e| {
                let ev = e.key.as_str()?;
                Some(Trigger {
                    event: ev,
                    span: e.key.span,
                    config: if e.value.is_null() {
                        None
                    } else {
                        Some(&e.value)
                    },
                })
            })
            .collect(),
    }
    .into_iter()
    .filter(|t| {
        if t.event.is_empty() {
            problems.push(Problem {
                span: t.span,
                message: "empty trigger".into(),
            });
            false
        } else if !t.event.contains("${{") && !EVENTS.contains(&t.event) {
            problems.push(Problem {
                span: t.span,
                message: format!("unknown trigger event `{}`", t.event),
            });
            false
        } else {
            true
        }
    })
    .collect()
}

/// Every event that can trigger a GitHub Actions workflow.
const EVENTS: &[&str] = &[
    "branch_protection_rule",
    "check_run",
    "check_suite",
    "create",
    "delete",
    "deployment",
    "deployment_status",
    "discussion",
    "discussion_comment",
    "fork",
    "gollum",
    "issue_comment",
    "issues",
    "label",
    "merge_group",
    "milestone",
    "page_build",
    "project",
    "project_card",
    "project_column",
    "public",
    "pull_request",
    "pull_request_comment",
    "pull_request_review",
    "pull_request_review_comment",
    "pull_request_target",
    "push",
    "registry_package",
    "release",
    "repository_dispatch",
    "schedule",
    "status",
    "watch",
    "workflow_call",
    "workflow_dispatch",
    "workflow_run",
    "image_version",
];

/// `permissions:` is `read-all`, `write-all`, or a mapping of scopes to levels.
fn check_permissions(node: &Node, problems: &mut Vec<Problem>) {
    let Some(p) = node.get("permissions") else {
        return;
    };
    let ok = match &p.kind {
        NodeKind::Map(_) => true,
        NodeKind::Scalar { value, .. } => {
            p.is_null() || matches!(value.as_str(), "read-all" | "write-all")
        }
        NodeKind::Seq(_) => false,
    };
    if !ok {
        problems.push(Problem {
            span: p.span,
            message: format!(
                "`permissions` must be `read-all`, `write-all` or a mapping of scopes, found {}",
                p.as_str()
                    .map(|v| format!("`{v}`"))
                    .unwrap_or_else(|| p.type_name().to_string())
            ),
        });
    }
}

/// `uses:` is a string: `owner/repo[/path]@ref`, `./local/path`, `$/path` (a file of
/// the same repository at the same commit) or `docker://image`.
fn check_uses(uses: Option<&Node>, problems: &mut Vec<Problem>) {
    let Some(u) = uses else { return };
    let valid = u.as_str().is_some_and(|v| {
        v.starts_with("./")
            || v.starts_with("$/")
            || v.starts_with("docker://")
            || (v.contains('/') && v.contains('@'))
    });
    if !valid {
        problems.push(Problem {
            span: u.span,
            message: format!(
                "`uses` must be `owner/repo@ref`, `./path`, `$/path` or `docker://image`, found {}",
                u.as_str()
                    .map(|v| format!("`{v}`"))
                    .unwrap_or_else(|| u.type_name().to_string())
            ),
        });
    }
}

fn job<'a>(
    id: &'a str,
    e: &'a Entry,
    shell: Option<&'a str>,
    problems: &mut Vec<Problem>,
) -> Job<'a> {
    let node = &e.value;
    if let Some(m) = node.as_map() {
        for je in m {
            let k = je.key.as_str().unwrap_or("");
            if !JOB_KEYS.contains(&k) {
                problems.push(Problem {
                    span: je.key.span,
                    message: format!("unknown key `{k}` in job `{id}`"),
                });
            }
        }
    }
    let needs = match node.get("needs") {
        Some(n) => match &n.kind {
            NodeKind::Scalar { value, .. } => vec![value.as_str()],
            NodeKind::Seq(items) => items.iter().filter_map(Node::as_str).collect(),
            NodeKind::Map(_) => {
                problems.push(Problem {
                    span: n.span,
                    message: format!("`needs` of job `{id}` must be a string or a list"),
                });
                vec![]
            }
        },
        None => vec![],
    };
    check_permissions(node, problems);
    check_uses(node.get("uses"), problems);
    let steps = match node.get("steps") {
        Some(s) => parse_steps(s, shell, problems),
        None => vec![],
    };
    if node.get("steps").is_none() && node.get("uses").is_none() {
        problems.push(Problem {
            span: e.key.span,
            message: format!("job `{id}` has neither `steps` nor `uses`"),
        });
    }
    Job {
        id,
        key: &e.key,
        node,
        name: node.get("name").and_then(Node::as_str),
        needs,
        steps,
        uses: node.get("uses"),
        ships: std::sync::OnceLock::new(),
    }
}

fn parse_steps<'a>(
    s: &'a Node,
    default_shell: Option<&'a str>,
    problems: &mut Vec<Problem>,
) -> Vec<Step<'a>> {
    let Some(items) = s.as_seq() else {
        problems.push(Problem {
            span: s.span,
            message: format!("`steps` must be a list, found {}", s.type_name()),
        });
        return vec![];
    };
    // `- parallel: [steps…]` groups steps that run concurrently; each member is a
    // step like any other (in order), the group itself is not a step.
    let mut flat: Vec<&'a Node> = Vec::with_capacity(items.len());
    for item in items {
        match item.get("parallel") {
            Some(group) => match group.as_seq() {
                Some(members) => flat.extend(members.iter()),
                None => problems.push(Problem {
                    span: group.span,
                    message: format!(
                        "`parallel` must be a list of steps, found {}",
                        group.type_name()
                    ),
                }),
            },
            _ => flat.push(item),
        }
    }
    let mut steps = vec![];
    for (index, item) in flat.into_iter().enumerate() {
        let Some(m) = item.as_map() else {
            problems.push(Problem {
                span: item.span,
                message: format!("a step must be a mapping, found {}", item.type_name()),
            });
            continue;
        };
        for se in m {
            let k = se.key.as_str().unwrap_or("");
            if !STEP_KEYS.contains(&k) {
                problems.push(Problem {
                    span: se.key.span,
                    message: format!("unknown step key `{k}`"),
                });
            }
        }
        let shell = item.get("shell").and_then(Node::as_str).or(default_shell);
        let run = item.get("run").and_then(|r| {
            let text = match r.as_str() {
                Some(t) => t,
                None => {
                    problems.push(Problem {
                        span: r.span,
                        message: format!("`run` must be a string, found {}", r.type_name()),
                    });
                    return None;
                }
            };
            let script = is_posix_shell(shell).then(|| Script::parse(text));
            Some(Run {
                node: r,
                text,
                shell,
                script,
            })
        });
        check_uses(item.get("uses"), problems);
        if item.get("run").is_some() && item.get("uses").is_some() {
            problems.push(Problem {
                span: item.span,
                message: "a step cannot have both `run` and `uses`".into(),
            });
        }
        steps.push(Step {
            id: item.get("id").and_then(Node::as_str),
            name: item.get("name").and_then(Node::as_str),
            uses: item.get("uses"),
            run,
            with: item.get("with"),
            env: item.get("env"),
            ..Step::new(index, item)
        });
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wf(src: &str) -> Document {
        Document::parse(src.to_string()).unwrap()
    }

    #[test]
    fn builds_jobs_steps_and_runs() {
        let d = wf("on: [push, pull_request]\njobs:\n  test:\n    needs: build\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - name: Test\n        run: |\n          npm test || true\n  build:\n    runs-on: x\n    steps:\n      - run: make\n");
        let w = Workflow::new("ci.yml", &d);
        assert!(w.problems.is_empty(), "{:?}", w.problems);
        assert_eq!(w.triggers.len(), 2);
        assert!(w.has_trigger("pull_request"));
        let t = w.job("test").unwrap();
        assert_eq!(t.needs, vec!["build"]);
        assert_eq!(t.steps.len(), 2);
        assert_eq!(t.steps[0].action(), Some("actions/checkout"));
        let run = t.steps[1].run.as_ref().unwrap();
        let script = run.script.as_ref().unwrap();
        let cmd = &script.commands[0];
        let span = run.source_span(&d, cmd.span);
        assert_eq!(&d.source()[span.start..span.end], "npm test");
    }

    #[test]
    fn wrong_types_are_problems_not_panics() {
        for src in [
            "on: push\njobs: 5\n",
            "on: push\njobs:\n  a:\n    steps: \"x\"\n",
            "on: push\njobs:\n  a: [1]\n",
            "- a\n- b\n",
            "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - 5\n      - run: [1]\n",
        ] {
            let d = wf(src);
            let w = Workflow::new("w.yml", &d);
            assert!(!w.problems.is_empty(), "{src}");
        }
    }

    #[test]
    fn pwsh_is_not_parsed_as_bash() {
        let d = wf("on: push\njobs:\n  a:\n    runs-on: x\n    defaults:\n      run:\n        shell: pwsh\n    steps:\n      - run: Write-Host hi\n");
        let w = Workflow::new("w.yml", &d);
        assert!(w.jobs[0].steps[0].run.as_ref().unwrap().script.is_none());
    }

    #[test]
    fn accepts_syntax_github_accepts() {
        // A top-level `description:`, same-repository `$/` references and
        // `parallel:` step groups (whose members are steps like any other).
        let d = wf("name: x\ndescription: runs things\non: push\njobs:\n  call:\n    uses: $/.github/workflows/other.yml\n  a:\n    runs-on: x\n    steps:\n      - run: one\n      - parallel:\n          - name: two\n            run: two\n          - uses: actions/checkout@v4\n      - run: four\n");
        let w = Workflow::new("w.yml", &d);
        assert!(w.problems.is_empty(), "{:?}", w.problems);
        let steps = &w.job("a").unwrap().steps;
        let labels: Vec<String> = steps.iter().map(Step::label).collect();
        assert_eq!(labels, ["one", "two", "actions/checkout@v4", "four"]);
        assert_eq!(steps[3].index, 3);
        let bad = wf("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - parallel: 5\n");
        assert!(!Workflow::new("w.yml", &bad).problems.is_empty());
    }
}
