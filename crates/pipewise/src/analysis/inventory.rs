//! The inventory a report needs at render time: each workflow's shape (triggers,
//! jobs, `needs`, steps, `workflow_run` links) and the secrets and variables the
//! workflows and actions reference (names and places only, never values).

use crate::github::expr::find_embedded_where;
use crate::keywords::contains_ignore_ascii_case;
use crate::schema::{JobSummary, SecretUse, StepSummary, WorkflowSummary};
use crate::workflow::{Action, Job, Matrix, TriggerKind, Workflow};
use pipewise_yaml::{Document, Node, NodeKind};
use std::collections::BTreeMap;

fn strings(n: Option<&Node>) -> Vec<String> {
    match n.map(|n| &n.kind) {
        Some(NodeKind::Scalar { value, .. }) if !value.is_empty() => vec![value.to_string()],
        Some(NodeKind::Seq(items)) => items
            .iter()
            .filter_map(Node::as_str)
            .map(str::to_string)
            .collect(),
        _ => vec![],
    }
}

/// Where a job runs: GitHub's `runs-on` (a label, a list, or `group:` and
/// `labels:`) or GitLab's `tags:` (a list), labels joined with `, `.
fn runs_on(n: Option<&Node>) -> Option<String> {
    let n = n?;
    if let Some(s) = n.as_str() {
        return Some(s.to_string());
    }
    if n.as_seq().is_some() {
        let v = strings(Some(n));
        return (!v.is_empty()).then(|| v.join(", "));
    }
    let mut v = strings(n.get("labels"));
    if let Some(g) = n.get("group").and_then(Node::as_str) {
        v.insert(0, format!("group: {g}"));
    }
    (!v.is_empty()).then(|| v.join(", "))
}

/// The number of jobs a GitHub `strategy.matrix` runs; `Some(0)` when it is
/// computed at run time, `None` without one (GitLab's `parallel: matrix:` is not
/// counted here yet).
fn matrix_size(job: &Job) -> Option<usize> {
    let Some(Matrix::Strategy(m)) = job.matrix else {
        return None;
    };
    Some(crate::economics::events::matrix_legs(Some(m)).map_or(0, |l| l.len()))
}

/// Summarizes every workflow.
pub fn workflows(workflows: &[Workflow]) -> Vec<WorkflowSummary> {
    workflows
        .iter()
        .map(|w| {
            let line = |n: &Node| w.doc.line(n.span.start);
            WorkflowSummary {
                file: w.path.to_string(),
                name: w.name.map(str::to_string),
                triggers: w.triggers.iter().map(|t| t.event.to_string()).collect(),
                workflow_run: strings(
                    w.triggers
                        .iter()
                        .find(|t| t.kind == TriggerKind::AfterWorkflow)
                        .and_then(|t| t.config?.get("workflows")),
                ),
                jobs: w
                    .jobs
                    .iter()
                    .map(|j| JobSummary {
                        id: j.id.to_string(),
                        name: j.name.map(str::to_string),
                        line: line(j.key),
                        needs: j.needs.jobs().map(str::to_string).collect(),
                        // GitHub's `runs-on`, GitLab's `tags`.
                        runs_on: runs_on(j.runner.map(|r| &r.entry().value)),
                        environment: j.environment().map(str::to_string),
                        uses: j.uses.and_then(Node::as_str).map(str::to_string),
                        matrix: matrix_size(j),
                        steps: j
                            .steps
                            .iter()
                            .map(|s| StepSummary {
                                line: line(s.node),
                                name: s.name.map(str::to_string),
                                uses: s.uses_str().map(str::to_string),
                                run: s.run.as_ref().map(|r| r.text.to_string()),
                                working_directory: s
                                    .working_directory
                                    .and_then(Node::as_str)
                                    .map(str::to_string),
                            })
                            .collect(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The name in `secrets.NAME`, `secrets['NAME']`, `vars.NAME` as written.
fn access_name(text: &str) -> Option<(&'static str, String)> {
    let lower = text.to_ascii_lowercase();
    let (kind, rest) = if lower.starts_with("secrets") {
        ("secret", &text["secrets".len()..])
    } else if lower.starts_with("vars") {
        ("variable", &text["vars".len()..])
    } else {
        return None;
    };
    let rest = rest.trim_start();
    let name: String = if let Some(r) = rest.strip_prefix('.') {
        r.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect()
    } else if let Some(r) = rest.strip_prefix('[') {
        let r = r.trim_start();
        let q = r.chars().next()?;
        if q != '\'' && q != '"' {
            return None;
        }
        r[1..].chars().take_while(|c| *c != q).collect()
    } else {
        return None;
    };
    (!name.is_empty() && name != "*").then_some((kind, name))
}

fn scan(path: &str, doc: &Document, out: &mut BTreeMap<(String, &'static str), Vec<String>>) {
    let text = doc.source();
    // Context names are case-insensitive (`SECRETS.X`); expressions are short.
    let mentions = |src: &str| {
        contains_ignore_ascii_case(src, "secrets") || contains_ignore_ascii_case(src, "vars")
    };
    for e in find_embedded_where(text, mentions) {
        let Ok(expr) = &e.expr else { continue };
        for (ctx, span) in expr.contexts() {
            if !(ctx.starts_with("secrets.") || ctx.starts_with("vars.")) {
                continue;
            }
            let Some(raw) = text.get(span.start..span.end) else {
                continue;
            };
            let Some((kind, name)) = access_name(raw) else {
                continue;
            };
            let at = format!("{path}:{}", doc.line(span.start));
            let places = out.entry((name, kind)).or_default();
            if !places.contains(&at) {
                places.push(at);
            }
        }
    }
}

/// Every secret and variable referenced in workflows and actions, sorted by name.
pub fn secrets(workflows: &[Workflow], actions: &[Action]) -> Vec<SecretUse> {
    let mut out = BTreeMap::new();
    for w in workflows {
        scan(w.path, w.doc, &mut out);
    }
    for a in actions {
        scan(a.path, a.doc, &mut out);
    }
    out.into_iter()
        .map(|((name, kind), used_in)| SecretUse {
            name,
            kind: kind.to_string(),
            used_in,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventory_of_a_workflow() {
        let d = Document::parse(
            "name: CD\non:\n  workflow_run:\n    workflows: [CI]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: make\n        env:\n          T: ${{ secrets.FLY_API_TOKEN }}\n  deploy:\n    needs: build\n    runs-on: [self-hosted, linux]\n    environment: production\n    steps:\n      - run: echo ${{ vars.REGION }} ${{ secrets['FLY_API_TOKEN'] }} ${{ secrets[matrix.x] }}\n"
                .to_string(),
        )
        .unwrap();
        let w = Workflow::new(".github/workflows/cd.yml", &d);
        let s = workflows(std::slice::from_ref(&w));
        assert_eq!(s[0].workflow_run, vec!["CI"]);
        assert_eq!(s[0].jobs[1].needs, vec!["build"]);
        assert_eq!(s[0].jobs[1].runs_on.as_deref(), Some("self-hosted, linux"));
        assert_eq!(s[0].jobs[1].environment.as_deref(), Some("production"));
        assert_eq!(s[0].jobs[0].steps[1].line, 10);
        let sec = secrets(std::slice::from_ref(&w), &[]);
        assert_eq!(sec.len(), 2);
        assert_eq!(sec[0].name, "FLY_API_TOKEN");
        assert_eq!(
            sec[0].used_in,
            vec![".github/workflows/cd.yml:12", ".github/workflows/cd.yml:18"]
        );
        assert_eq!(
            (sec[1].name.as_str(), sec[1].kind.as_str()),
            ("REGION", "variable")
        );
    }
}
