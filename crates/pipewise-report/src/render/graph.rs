//! The job graph the HTML and Markdown reports draw: jobs by workflow, `needs:`
//! edges and `workflow_run` links, built in one pass that stays linear in jobs plus
//! edges and bounded in what it draws, whatever the repository holds (issue 13):
//!
//! - workflows are looked up by name and by file name through an index, not by
//!   comparing every workflow with every `workflow_run` name;
//! - a `workflow_run` link draws at most [`MAX_EDGES_PER_LINK`] job-to-job edges (the
//!   triggering workflow's last jobs to the triggered one's first jobs) and at most
//!   [`MAX_LINKS`] links are drawn, the rest counted in [`Graph::links_dropped`];
//! - a workflow with more than [`FOLD_JOBS`] jobs, or any workflow once
//!   [`MAX_DRAWN_JOBS`] jobs are drawn, is folded into one node that says how many
//!   jobs it holds (a matrix job is always one node: its instances are never
//!   expanded).

use super::{JobSummary, RepoReport};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;

/// A workflow with more jobs than this is drawn as one folded node.
pub const FOLD_JOBS: usize = 60;
/// Once this many jobs are drawn, the remaining workflows are folded.
pub const MAX_DRAWN_JOBS: usize = 300;
/// Job-to-job edges drawn for one `workflow_run` link.
pub const MAX_EDGES_PER_LINK: usize = 8;
/// `workflow_run` links drawn in one graph.
pub const MAX_LINKS: usize = 500;

/// A node: one job, or a whole folded workflow.
#[derive(Debug)]
pub struct Node<'a> {
    pub wf: usize,
    /// The job; `None` for a folded workflow.
    pub job: Option<&'a JobSummary>,
}

/// A job's label in a graph: its name without `${{ … }}` expressions (a
/// `matrix.KEY` shows as `KEY`, anything else as `…`), or its id when nothing is
/// left; a matrix job (one node for all its instances) ends with `×N`, the number
/// of jobs the matrix runs (`×?` when it is computed at run time).
pub fn job_label(j: &JobSummary) -> String {
    let mut label = String::new();
    if let Some(name) = &j.name {
        let mut at = 0;
        for e in crate::expr::embedded(name) {
            label.push_str(name.get(at..e.span.start).unwrap_or_default());
            let inner = name.get(e.inner.clone()).unwrap_or_default();
            match crate::expr::is_matrix_key(inner).filter(|_| e.closed) {
                Some(k) => label.push_str(k),
                None => label.push('…'),
            }
            at = e.span.end;
        }
        label.push_str(name.get(at..).unwrap_or_default());
    }
    let mut label = label.split_whitespace().collect::<Vec<_>>().join(" ");
    if label.is_empty() || label == "…" {
        label = j.id.clone();
    }
    match j.matrix {
        Some(0) => label.push_str(" ×?"),
        Some(n) => {
            let _ = write!(label, " ×{n}");
        }
        None => {}
    }
    label
}

impl Node<'_> {
    /// The job's label ([`job_label`]); for a folded workflow, what it holds.
    pub fn label(&self, repo: &RepoReport) -> String {
        match self.job {
            Some(j) => job_label(j),
            None => {
                let n = repo.workflows.get(self.wf).map_or(0, |w| w.jobs.len());
                format!("{n} jobs (folded)")
            }
        }
    }
}

#[derive(Debug, Default)]
pub struct Graph<'a> {
    pub nodes: Vec<Node<'a>>,
    /// The nodes of each workflow (a range of `nodes`, in workflow order).
    pub ranges: Vec<Range<usize>>,
    /// `needs:` edges (node needed, node that needs it), by workflow.
    pub needs: Vec<Vec<(usize, usize)>>,
    /// `workflow_run` links (triggering workflow, triggered workflow) in the order of
    /// the triggered workflows and their `workflows:` names; a workflow may trigger
    /// itself.
    pub links: Vec<(usize, usize)>,
    /// Job-to-job edges of the links between two different workflows.
    pub runs: Vec<(usize, usize)>,
    /// Links not drawn (over [`MAX_LINKS`]).
    pub links_dropped: usize,
}

impl Graph<'_> {
    /// The workflow is drawn as one folded node.
    pub fn folded(&self, wf: usize) -> bool {
        self.ranges
            .get(wf)
            .and_then(|r| self.nodes.get(r.start))
            .is_some_and(|n| n.job.is_none())
    }
}

fn file_name(file: &str) -> &str {
    file.rsplit('/').next().unwrap_or(file)
}

pub fn build(repo: &RepoReport) -> Graph<'_> {
    let mut g = Graph::default();
    let mut index: HashMap<(usize, &str), usize> = HashMap::new();
    let mut drawn = 0;
    for (wi, w) in repo.workflows.iter().enumerate() {
        let start = g.nodes.len();
        if w.jobs.len() > FOLD_JOBS || drawn + w.jobs.len() > MAX_DRAWN_JOBS {
            g.nodes.push(Node { wf: wi, job: None });
        } else {
            drawn += w.jobs.len();
            for j in &w.jobs {
                index.entry((wi, j.id.as_str())).or_insert(g.nodes.len());
                g.nodes.push(Node {
                    wf: wi,
                    job: Some(j),
                });
            }
        }
        g.ranges.push(start..g.nodes.len());
    }
    // Needs edges, and each workflow's first jobs (needing nothing) and last jobs
    // (needed by none); a folded workflow is its own first and last node.
    let mut firsts: Vec<Vec<usize>> = vec![];
    let mut lasts: Vec<Vec<usize>> = vec![];
    for (wi, w) in repo.workflows.iter().enumerate() {
        let range = g.ranges[wi].clone();
        let mut edges = vec![];
        if g.folded(wi) {
            firsts.push(vec![range.start]);
            lasts.push(vec![range.start]);
            g.needs.push(edges);
            continue;
        }
        let mut needed: HashSet<&str> = HashSet::new();
        for (v, j) in range.clone().zip(&w.jobs) {
            for n in &j.needs {
                needed.insert(n.as_str());
                if let Some(&a) = index.get(&(wi, n.as_str())) {
                    edges.push((a, v));
                }
            }
        }
        firsts.push(
            range
                .clone()
                .zip(&w.jobs)
                .filter(|(_, j)| j.needs.is_empty())
                .map(|(v, _)| v)
                .collect(),
        );
        lasts.push(
            range
                .zip(&w.jobs)
                .filter(|(_, j)| !needed.contains(j.id.as_str()))
                .map(|(v, _)| v)
                .collect(),
        );
        g.needs.push(edges);
    }
    // workflow_run: names and file names looked up once.
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (wi, w) in repo.workflows.iter().enumerate() {
        if let Some(n) = &w.name {
            by_name.entry(n.as_str()).or_default().push(wi);
        }
        let stem = file_name(&w.file);
        if w.name.as_deref() != Some(stem) {
            by_name.entry(stem).or_default().push(wi);
        }
    }
    for (wi, w) in repo.workflows.iter().enumerate() {
        for name in &w.workflow_run {
            // In workflow order, each once (a name equal to the file name is
            // indexed once).
            let Some(sources) = by_name.get(name.as_str()) else {
                continue;
            };
            let room = MAX_LINKS.saturating_sub(g.links.len());
            g.links_dropped += sources.len().saturating_sub(room);
            for &si in sources.iter().take(room) {
                g.links.push((si, wi));
                if si == wi {
                    continue;
                }
                let pairs = lasts[si]
                    .iter()
                    .flat_map(|&a| firsts[wi].iter().map(move |&b| (a, b)))
                    .take(MAX_EDGES_PER_LINK);
                g.runs.extend(pairs);
            }
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{JobSummary, WorkflowSummary};

    fn job(id: &str, needs: &[&str]) -> JobSummary {
        JobSummary {
            id: id.into(),
            needs: needs.iter().map(|n| n.to_string()).collect(),
            ..Default::default()
        }
    }

    fn wf(file: &str, name: Option<&str>, jobs: Vec<JobSummary>, run: &[&str]) -> WorkflowSummary {
        WorkflowSummary {
            file: file.into(),
            name: name.map(String::from),
            jobs,
            workflow_run: run.iter().map(|n| n.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn links_needs_and_workflow_run() {
        let repo = RepoReport {
            workflows: vec![
                wf(
                    ".github/workflows/ci.yml",
                    Some("CI"),
                    vec![job("a", &[]), job("b", &["a"]), job("c", &["a"])],
                    &[],
                ),
                wf(
                    ".github/workflows/cd.yml",
                    None,
                    vec![job("d", &[]), job("e", &["d", "nope"])],
                    &["CI", "cd.yml", "missing"],
                ),
            ],
            ..Default::default()
        };
        let g = build(&repo);
        assert_eq!(g.nodes.len(), 5);
        assert_eq!(g.ranges, vec![0..3, 3..5]);
        assert_eq!(g.needs, vec![vec![(0, 1), (0, 2)], vec![(3, 4)]]);
        // CI triggers CD (its last jobs b, c to CD's first job d); CD triggers itself.
        assert_eq!(g.links, vec![(0, 1), (1, 1)]);
        assert_eq!(g.runs, vec![(1, 3), (2, 3)]);
        assert!(!g.folded(0) && !g.folded(1));
    }

    #[test]
    fn matrix_jobs_show_their_size_and_no_raw_expression() {
        let j = |name: Option<&str>, matrix| JobSummary {
            id: "analyze".into(),
            name: name.map(String::from),
            matrix,
            ..Default::default()
        };
        assert_eq!(
            job_label(&j(Some("Analyze (${{ matrix.language }})"), Some(3))),
            "Analyze (language) ×3"
        );
        assert_eq!(
            job_label(&j(Some("test ${{ matrix.os }}-${{ github.ref }}"), Some(0))),
            "test os-… ×?"
        );
        // Only an expression: the id.
        assert_eq!(job_label(&j(Some("${{ inputs.name }}"), None)), "analyze");
        assert_eq!(job_label(&j(None, Some(12))), "analyze ×12");
        // Unterminated: cut at `${{`.
        assert_eq!(job_label(&j(Some("Build ${{ matrix.os"), None)), "Build …");
        assert_eq!(job_label(&j(Some("Lint"), None)), "Lint");
    }

    #[test]
    fn folds_and_bounds_large_graphs() {
        let many =
            |n: usize| -> Vec<JobSummary> { (0..n).map(|i| job(&format!("j{i}"), &[])).collect() };
        // 1,000 workflows named W, each triggered by all of them, each with 70 jobs.
        let repo = RepoReport {
            workflows: (0..1000)
                .map(|i| wf(&format!("w{i}.yml"), Some("W"), many(70), &["W"]))
                .collect(),
            ..Default::default()
        };
        let g = build(&repo);
        assert_eq!(g.nodes.len(), 1000, "every workflow is one folded node");
        assert!((0..1000).all(|w| g.folded(w)));
        assert_eq!(g.links.len(), MAX_LINKS);
        assert_eq!(g.links_dropped, 1000 * 1000 - MAX_LINKS);
        assert!(g.runs.len() <= MAX_LINKS * MAX_EDGES_PER_LINK);
        // Small workflows are drawn until the budget is spent.
        let repo = RepoReport {
            workflows: (0..20)
                .map(|i| wf(&format!("w{i}.yml"), None, many(20), &[]))
                .collect(),
            ..Default::default()
        };
        let g = build(&repo);
        let drawn = g.nodes.iter().filter(|n| n.job.is_some()).count();
        assert_eq!(drawn, MAX_DRAWN_JOBS);
        assert!(!g.folded(14) && g.folded(15));
        // Wide link: 40 last jobs to 40 first jobs draws MAX_EDGES_PER_LINK edges.
        let repo = RepoReport {
            workflows: vec![
                wf("a.yml", Some("A"), many(40), &[]),
                wf("b.yml", None, many(40), &["A"]),
            ],
            ..Default::default()
        };
        assert_eq!(build(&repo).runs.len(), MAX_EDGES_PER_LINK);
    }
}
