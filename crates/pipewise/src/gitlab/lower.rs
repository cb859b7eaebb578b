//! Lowering a GitLab pipeline into the shared model ([`crate::workflow`]): one
//! [`Workflow`] per file of the pipeline (so a finding about a file's own keys points
//! into that file), holding the jobs whose last definition is in that file. Each line
//! of `before_script`, `script` and `after_script` becomes a run step whose node keeps
//! its exact span in the file it comes from ([`Step::origin`]); `needs:` (or, without
//! it, the jobs of the nearest earlier stage, which transitively are all earlier
//! stages) becomes the job's needs.

use super::include::IncludeKind;
use super::pipeline::{Job as GlJob, Pipeline};
use crate::shell::Script;
use crate::workflow::{Job, Origin, Platform, Run, Step, Workflow};
use foldhash::HashMap;
use pipewise_yaml::{Node, NodeKind};
use std::sync::Arc;

/// The workflows of one pipeline: one per file, in the pipeline's file order.
pub fn lower<'a>(p: &'a Pipeline<'a>) -> Vec<Workflow<'a>> {
    let mut out = vec![];
    let condition = p.global("workflow").and_then(|(_, w)| w.get("rules"));
    // Script lines by their text: a line that many jobs get from one template or
    // `default:` (or that many jobs write alike) is parsed once and shared. Parsing
    // depends on the text alone, and spans in a `Script` are relative to it.
    let mut parsed: Parsed<'a> = HashMap::default();
    // The jobs of each stage (at most 256, in job order): the needs of a job
    // without `needs:`, read once instead of a pass over every job per job.
    let mut by_stage: HashMap<&'a str, Vec<&'a str>> = HashMap::default();
    for j in &p.jobs {
        let names = by_stage.entry(stage_of(j)).or_default();
        if names.len() < 256 {
            names.push(j.name);
        }
    }
    for (fi, f) in p.files.iter().enumerate() {
        let Some(doc) = &f.yaml else { continue };
        let mut jobs: Vec<Job<'a>> = p
            .jobs
            .iter()
            .filter(|j| j.file == fi)
            .map(|j| lower_job(p, j, &by_stage, &mut parsed))
            .collect();
        // GitLab's templates and catalog components bring their jobs with them: each
        // becomes a job with one step that uses it (`Security/SAST.gitlab-ci.yml`),
        // so the catalogue can say what it provides.
        jobs.extend(
            p.includes
                .iter()
                .filter(|(f, i)| {
                    *f == fi && matches!(i.kind, IncludeKind::Template | IncludeKind::Component)
                })
                .map(|(_, i)| Job {
                    id: i.target,
                    key: i.node,
                    node: i.node,
                    name: None,
                    needs: vec![],
                    steps: vec![uses_step(i.target_node)],
                    uses: None,
                }),
        );
        out.push(Workflow {
            path: &f.path,
            doc,
            root: &doc.root,
            name: None,
            triggers: vec![],
            jobs,
            problems: vec![],
            platform: Platform::GitLab,
            condition,
            incomplete: p.incomplete,
        });
    }
    out
}

fn stage_of<'x>(j: &'x GlJob) -> &'x str {
    j.node.get("stage").and_then(Node::as_str).unwrap_or("test")
}

fn needs<'a>(
    p: &'a Pipeline<'a>,
    j: &'a GlJob<'a>,
    by_stage: &HashMap<&'a str, Vec<&'a str>>,
) -> Vec<&'a str> {
    if let Some(n) = j.node.get("needs") {
        return match &n.kind {
            NodeKind::Seq(items) => items
                .iter()
                .filter_map(|i| i.as_str().or_else(|| i.get("job").and_then(Node::as_str)))
                .map(super::pipeline::matrix_base)
                .collect(),
            _ => vec![],
        };
    }
    let Some(mine) = p.stages.iter().position(|s| s == stage_of(j)) else {
        return vec![];
    };
    // The nearest earlier stage that has jobs.
    p.stages[..mine]
        .iter()
        .rev()
        .find_map(|s| by_stage.get(s.as_str()).filter(|v| !v.is_empty()))
        .cloned()
        .unwrap_or_default()
}

/// Parsed script lines by text.
type Parsed<'a> = HashMap<&'a str, Arc<Script>>;

fn lower_job<'a>(
    p: &'a Pipeline<'a>,
    j: &'a GlJob<'a>,
    by_stage: &HashMap<&'a str, Vec<&'a str>>,
    parsed: &mut Parsed<'a>,
) -> Job<'a> {
    // Windows runners run PowerShell unless told otherwise: not parsed as bash.
    let posix = !j
        .node
        .get("tags")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .any(|t| {
            t.as_str()
                .is_some_and(|t| t.to_ascii_lowercase().contains("windows"))
        });
    let steps = j
        .lines
        .iter()
        .enumerate()
        .filter_map(|(index, line)| {
            let node = line.node(j)?;
            let text = node.as_str()?;
            let f = p.files.get(line.file)?;
            let doc = f.yaml.as_ref()?;
            Some(Step {
                run: Some(Run {
                    node,
                    text,
                    shell: None,
                    script: posix.then(|| {
                        parsed
                            .entry(text)
                            .or_insert_with(|| Arc::new(Script::parse(text)))
                            .clone()
                    }),
                }),
                origin: Some(Origin {
                    path: &f.path,
                    doc,
                    section: line.section,
                }),
                ..Step::new(index, node)
            })
        })
        .collect();
    Job {
        id: j.name,
        key: j.key,
        node: &j.node,
        name: None,
        needs: needs(p, j, by_stage),
        steps,
        uses: None,
    }
}

/// A step that uses an included template or component.
fn uses_step(target: &Node) -> Step<'_> {
    Step {
        uses: Some(target),
        ..Step::new(0, target)
    }
}
