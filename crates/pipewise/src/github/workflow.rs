//! GitHub Actions workflows read into the shared pipeline model
//! ([`crate::workflow`]): the keys GitHub accepts at each level, triggers,
//! permissions, jobs and steps, and the problems found on the way.

use crate::finding::Span;
use crate::shell::{is_posix_shell, Script};
use crate::workflow::{
    image_of, Concurrency, Condition, Container, Environment, Job, Matrix, Need, NeedFrom, Needs,
    Platform, Problem, Run, Runner, Service, Step, Timeout, Trigger, TriggerKind, Workflow,
};
use pipewise_yaml::{Document, Entry, Node, NodeKind};

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
            condition: None,
            incomplete: false,
            concurrency: None,
            permissions: None,
            kinds_of: None,
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
            match k {
                "concurrency" if wf.concurrency.is_none() => wf.concurrency = Some(e),
                "permissions" if wf.permissions.is_none() => wf.permissions = Some(e),
                _ if !WORKFLOW_KEYS.contains(&k) => problems.push(Problem {
                    span: e.key.span,
                    message: format!("unknown workflow key `{k}`"),
                }),
                _ => {}
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

pub(super) fn first_key(n: &Node) -> Span {
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
            kind: kind(value),
            span: on.span,
            config: None,
        }],
        NodeKind::Seq(items) => items
            .iter()
            .filter_map(|i| {
                i.as_str().map(|e| Trigger {
                    event: e,
                    kind: kind(e),
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
                    kind: kind(ev),
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

/// The neutral kind of a GitHub event.
fn kind(event: &str) -> TriggerKind {
    match event {
        "push" => TriggerKind::Push,
        "pull_request" => TriggerKind::ChangeRequest,
        "pull_request_target" => TriggerKind::ChangeRequestBase,
        "merge_group" => TriggerKind::MergeQueue,
        "schedule" => TriggerKind::Schedule,
        "workflow_dispatch" => TriggerKind::Manual,
        "repository_dispatch" => TriggerKind::Api,
        "workflow_call" => TriggerKind::Call,
        "workflow_run" => TriggerKind::AfterWorkflow,
        "deployment" | "deployment_status" => TriggerKind::Deployment,
        "release" => TriggerKind::Release,
        _ => TriggerKind::Other,
    }
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
    let mut typed = Job::new(id, &e.key, node);
    if let Some(m) = node.as_map() {
        for je in m {
            let k = je.key.as_str().unwrap_or("");
            read_field(&mut typed, k, je);
            if !JOB_KEYS.contains(&k) {
                problems.push(Problem {
                    span: je.key.span,
                    message: format!("unknown key `{k}` in job `{id}`"),
                });
            }
        }
    }
    let entry = node.entry("needs");
    let need = |n: &'a Node| {
        n.as_str().map(|job| Need {
            job,
            node: Some(n),
            optional: false,
            artifacts: false,
            from: NeedFrom::Here,
        })
    };
    let list = match entry.map(|e| &e.value) {
        Some(n) => match &n.kind {
            NodeKind::Scalar { .. } => need(n).into_iter().collect(),
            NodeKind::Seq(items) => items.iter().filter_map(need).collect(),
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
    let needs = Needs { entry, list };
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
        name: node.get("name").and_then(Node::as_str),
        needs,
        steps,
        uses: node.get("uses"),
        ..typed
    }
}

/// Fills the job's typed field that key `k` holds, if it is one and the first of
/// its name (as `Node::get` reads a repeated key). Called once per key of the job.
fn read_field<'a>(job: &mut Job<'a>, k: &str, e: &'a Entry) {
    let v = &e.value;
    match k {
        "if" if job.condition.is_none() => job.condition = Some(Condition::If(e)),
        "environment" if job.environment.is_none() => job.environment = Some(Environment::read(e)),
        "container" if job.container.is_none() => job.container = Some(Container::read(e, "image")),
        "services" if job.services.is_empty() => {
            job.services = v
                .as_map()
                .unwrap_or(&[])
                .iter()
                .map(|s| Service {
                    node: &s.value,
                    name: s.key.as_str(),
                    image: image_of(&s.value, "image"),
                })
                .collect()
        }
        "strategy" if job.matrix.is_none() => job.matrix = v.get("matrix").map(Matrix::Strategy),
        "timeout-minutes" if job.timeout.is_none() => {
            job.timeout = Some(Timeout {
                entry: e,
                minutes: v
                    .as_str()
                    .and_then(|s| s.trim().parse::<f64>().ok())
                    .filter(|t| t.is_finite() && *t > 0.0),
                file: None,
            })
        }
        "continue-on-error" if job.allow_failure.is_none() => job.allow_failure = Some(e),
        "defaults" if job.working_directory.is_none() => {
            job.working_directory = v.get("run").and_then(|r| r.get("working-directory"))
        }
        "runs-on" if job.runner.is_none() => job.runner = Some(Runner::RunsOn(e)),
        "concurrency" if job.concurrency.is_none() => job.concurrency = Some(Concurrency::Group(e)),
        "permissions" if job.permissions.is_none() => job.permissions = Some(e),
        "outputs" if job.outputs.is_none() => job.outputs = Some(e),
        _ => {}
    }
}

pub(super) fn parse_steps<'a>(
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
        // The typed fields, in the pass that checks the keys (the first of a
        // repeated key, as `Node::get` reads it).
        let mut typed = Step::new(index, item);
        for se in m {
            let k = se.key.as_str().unwrap_or("");
            match k {
                "if" if typed.condition.is_none() => typed.condition = Some(se),
                "continue-on-error" if typed.allow_failure.is_none() => {
                    typed.allow_failure = Some(se)
                }
                "working-directory" if typed.working_directory.is_none() => {
                    typed.working_directory = Some(&se.value)
                }
                _ if !STEP_KEYS.contains(&k) => problems.push(Problem {
                    span: se.key.span,
                    message: format!("unknown step key `{k}`"),
                }),
                _ => {}
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
            let script = is_posix_shell(shell).then(|| std::sync::Arc::new(Script::parse(text)));
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
            ..typed
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

    /// `needs:` as a name or a list: each need keeps its entry (and span); GitHub
    /// needs hand over no artifacts and are all of this workflow.
    #[test]
    fn needs_keep_their_entries() {
        let d = wf("on: push\njobs:\n  a:\n    needs: build\n    runs-on: x\n    steps: [{run: make}]\n  b:\n    needs: [build, a]\n    runs-on: x\n    steps: [{run: make}]\n  c:\n    runs-on: x\n    steps: [{run: make}]\n");
        let w = Workflow::new("ci.yml", &d);
        let src = d.source();
        let needs = |id: &str| -> Vec<(&str, &str)> {
            let j = w.job(id).expect("the job");
            j.needs
                .iter()
                .map(|n| {
                    assert!(!n.optional && !n.artifacts && n.from == NeedFrom::Here);
                    let s = n.span().expect("written");
                    (n.job, &src[s.start..s.end])
                })
                .collect()
        };
        assert_eq!(needs("a"), [("build", "build")]);
        assert_eq!(needs("b"), [("build", "build"), ("a", "a")]);
        assert!(needs("c").is_empty());
        let key = |id: &str| {
            w.job(id)
                .and_then(|j| j.needs.entry)
                .map(|e| e.key.span.start)
        };
        assert_eq!(key("a"), src.find("needs"));
        assert_eq!(key("c"), None);
    }

    #[test]
    fn builds_jobs_steps_and_runs() {
        let d = wf("on: [push, pull_request]\njobs:\n  test:\n    needs: build\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - name: Test\n        run: |\n          npm test || true\n  build:\n    runs-on: x\n    steps:\n      - run: make\n");
        let w = Workflow::new("ci.yml", &d);
        assert!(w.problems.is_empty(), "{:?}", w.problems);
        assert_eq!(w.triggers.len(), 2);
        assert!(w.has_trigger("pull_request"));
        let t = w.job("test").unwrap();
        assert_eq!(t.needs.jobs().collect::<Vec<_>>(), vec!["build"]);
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

    /// Each typed job field, read by the GitHub lowering from its key: a job with
    /// every one, a job with the short forms, and a job with none.
    #[test]
    fn job_fields_are_read_from_github_keys() {
        let d = wf(concat!(
            "on: push\npermissions: read-all\n",
            "concurrency:\n  group: ci\n  cancel-in-progress: true\n",
            "jobs:\n  full:\n    runs-on: [self-hosted, linux]\n",
            "    if: github.ref == 'refs/heads/main'\n",
            "    concurrency: deploy\n    permissions:\n      contents: write\n",
            "    outputs:\n      v: ${{ steps.a.outputs.v }}\n",
            "    environment:\n      name: prod\n      url: https://x\n",
            "    container:\n      image: node:22\n",
            "    services:\n      db: postgres:16\n      cache:\n        image: redis:7\n",
            "    strategy:\n      matrix:\n        os: [a, b]\n        include:\n          - os: c\n",
            "    timeout-minutes: 30\n    continue-on-error: true\n",
            "    steps:\n      - run: x\n",
            "  short:\n    runs-on: x\n    environment: staging\n    container: alpine:3\n",
            "    timeout-minutes: ${{ inputs.t }}\n    steps:\n      - run: x\n",
            "  none:\n    runs-on: x\n    steps:\n      - run: x\n",
        ));
        let w = Workflow::new("w.yml", &d);
        assert!(w.problems.is_empty(), "{:?}", w.problems);
        fn text(n: Option<&Node>) -> Option<&str> {
            n.and_then(Node::as_str)
        }
        let full = w.job("full").unwrap();
        let cond = full.condition.unwrap();
        assert!(matches!(cond, Condition::If(_)));
        assert_eq!(
            text(cond.expression()),
            Some("github.ref == 'refs/heads/main'")
        );
        assert_eq!(full.environment(), Some("prod"));
        assert_eq!(
            full.environment.unwrap().entry.key.as_str(),
            Some("environment")
        );
        assert_eq!(text(full.container.unwrap().image), Some("node:22"));
        let services: Vec<_> = full
            .services
            .iter()
            .map(|s| (s.name, text(s.image)))
            .collect();
        assert_eq!(
            services,
            [
                (Some("db"), Some("postgres:16")),
                (Some("cache"), Some("redis:7"))
            ]
        );
        assert!(matches!(full.matrix, Some(Matrix::Strategy(_))));
        assert_eq!(full.matrix_values("os").unwrap(), ["a", "b", "c"]);
        assert_eq!(full.timeout.unwrap().minutes, Some(30.0));
        assert_eq!(text(full.allow_failure.map(|e| &e.value)), Some("true"));
        assert_eq!(full.stage, None);
        let runner = full.runner.unwrap();
        assert!(matches!(runner, Runner::RunsOn(_)) && runner.tags().is_none());
        let labels = runner.runs_on().and_then(Node::as_seq).unwrap();
        assert_eq!(text(labels.first()), Some("self-hosted"));
        assert_eq!(runner.entry().key.as_str(), Some("runs-on"));
        let conc = full.concurrency.unwrap();
        assert!(matches!(conc, Concurrency::Group(_)));
        assert_eq!(text(conc.group().map(|e| &e.value)), Some("deploy"));
        assert_eq!(
            text(full.permissions.and_then(|e| e.value.get("contents"))),
            Some("write")
        );
        assert!(full.outputs.and_then(|e| e.value.get("v")).is_some());
        assert!(full.when.is_none() && full.interruptible.is_none());
        assert_eq!(text(w.permissions.map(|e| &e.value)), Some("read-all"));
        assert_eq!(
            text(w.concurrency.and_then(|e| e.value.get("group"))),
            Some("ci")
        );
        let short = w.job("short").unwrap();
        assert_eq!(short.environment(), Some("staging"));
        assert_eq!(text(short.container.unwrap().image), Some("alpine:3"));
        let t = short.timeout.unwrap();
        assert_eq!(
            (t.entry.key.as_str(), t.minutes),
            (Some("timeout-minutes"), None)
        );
        let none = w.job("none").unwrap();
        assert!(none.condition.is_none() && none.environment.is_none());
        assert!(none.container.is_none() && none.services.is_empty());
        assert!(none.matrix.is_none() && none.matrix_values("os").is_none());
        assert!(none.timeout.is_none() && none.allow_failure.is_none());
        assert_eq!(text(none.runner.and_then(|r| r.runs_on())), Some("x"));
        assert!(none.concurrency.is_none() && none.permissions.is_none());
        assert!(none.outputs.is_none() && none.when.is_none());
    }

    /// Each typed step field, read by the GitHub lowering from its key, and the
    /// job's default folder: a step with every one, steps that run an action and a
    /// script in the job's default folder, and a job with no default.
    #[test]
    fn step_fields_are_read_from_github_keys() {
        let d = wf(concat!(
            "on: push
jobs:
  a:
    runs-on: x
",
            "    defaults:
      run:
        working-directory: web
        shell: bash
",
            "    steps:
",
            "      - name: Test
        if: github.event_name == 'push'
",
            "        continue-on-error: true
        working-directory: api
",
            "        shell: sh
        env:
          A: b
        run: make test
",
            "      - uses: actions/setup-node@v4
        with:
          node-version: 22
",
            "      - run: make
",
            "  b:
    runs-on: x
    steps:
      - run: make
",
        ));
        let w = Workflow::new("w.yml", &d);
        assert!(w.problems.is_empty(), "{:?}", w.problems);
        fn text(n: Option<&Node>) -> Option<&str> {
            n.and_then(Node::as_str)
        }
        let a = w.job("a").unwrap();
        assert_eq!(text(a.working_directory), Some("web"));
        let [full, action, plain] = &a.steps[..] else {
            panic!("{:?}", a.steps);
        };
        assert_eq!(full.name, Some("Test"));
        assert_eq!(
            text(full.condition.map(|e| &e.value)),
            Some("github.event_name == 'push'")
        );
        assert_eq!(full.condition.and_then(|e| e.key.as_str()), Some("if"));
        assert_eq!(text(full.allow_failure.map(|e| &e.value)), Some("true"));
        assert_eq!(
            full.allow_failure.and_then(|e| e.key.as_str()),
            Some("continue-on-error")
        );
        assert_eq!(text(full.working_directory), Some("api"));
        assert_eq!(full.cwd(Some(a)), Some("api"));
        assert_eq!(text(full.env.and_then(|e| e.get("A"))), Some("b"));
        let run = full.run.as_ref().unwrap();
        assert_eq!((run.text, run.shell), ("make test", Some("sh")));
        assert!(full.uses.is_none() && full.with.is_none());
        assert_eq!(action.action(), Some("actions/setup-node"));
        assert_eq!(action.with_str("node-version"), Some("22"));
        assert!(action.run.is_none());
        for s in [action, plain] {
            assert!(s.condition.is_none() && s.allow_failure.is_none());
            assert!(s.working_directory.is_none());
            assert_eq!(s.cwd(Some(a)), Some("web"));
        }
        assert_eq!(plain.run.as_ref().unwrap().shell, Some("bash"));
        assert_eq!(plain.cwd(None), None);
        let b = w.job("b").unwrap();
        assert!(b.working_directory.is_none());
        assert_eq!(b.steps[0].cwd(Some(b)), None);
    }

    /// Every form of `on:` gives each event its neutral kind (the name kept).
    #[test]
    fn triggers_get_their_neutral_kind() {
        use TriggerKind as K;
        let kinds = |on: &str| -> Vec<(String, K)> {
            let d = wf(&format!(
                "on: {on}\njobs:\n  a:\n    runs-on: x\n    steps: [{{run: make}}]\n"
            ));
            let w = Workflow::new("ci.yml", &d);
            w.triggers
                .iter()
                .map(|t| (t.event.to_string(), t.kind))
                .collect()
        };
        assert_eq!(kinds("push"), [("push".into(), K::Push)]);
        let all = "[push, pull_request, pull_request_target, merge_group, schedule, workflow_dispatch, repository_dispatch, workflow_call, workflow_run, deployment, deployment_status, release, issues]";
        let got: Vec<K> = kinds(all).into_iter().map(|(_, k)| k).collect();
        assert_eq!(
            got,
            [
                K::Push,
                K::ChangeRequest,
                K::ChangeRequestBase,
                K::MergeQueue,
                K::Schedule,
                K::Manual,
                K::Api,
                K::Call,
                K::AfterWorkflow,
                K::Deployment,
                K::Deployment,
                K::Release,
                K::Other
            ]
        );
        assert_eq!(
            kinds("{pull_request: {branches: [main]}, workflow_run: {workflows: [CI]}}"),
            [
                ("pull_request".into(), K::ChangeRequest),
                ("workflow_run".into(), K::AfterWorkflow)
            ]
        );
    }
}
