//! The `needs:` graph of one workflow, for walks that stay linear in jobs plus edges
//! whatever the workflow looks like (layers where every job needs the whole layer
//! below, 4,000 jobs fanned into one, 10,000-job chains, cycles): jobs are looked up
//! through an index, every walk keeps a visited set, and the questions asked for every
//! job at once ("does a deploying job come before this one?") are answered by one
//! multi-source walk instead of one walk per pair of jobs.

use crate::workflow::Workflow;
use std::collections::{HashMap, VecDeque};

/// Job indices (into `Workflow::jobs`) and the `needs:` edges between them. A need
/// naming no job of the workflow is left out; a repeated job id resolves to its
/// first job, as [`Workflow::job`] does.
#[derive(Debug, Default)]
pub struct NeedsGraph {
    /// `needs[j]`: the jobs job `j` needs (upstream).
    needs: Vec<Vec<usize>>,
    /// `needed_by[j]`: the jobs that need job `j` (downstream).
    needed_by: Vec<Vec<usize>>,
    /// `dangling[j]`: job `j` needs a job id the workflow does not define.
    pub dangling: Vec<bool>,
}

/// Which way a walk follows the edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Towards the jobs a job needs, transitively.
    Up,
    /// Towards the jobs that need a job, transitively.
    Down,
}

impl NeedsGraph {
    pub fn new(wf: &Workflow) -> NeedsGraph {
        let mut index: HashMap<&str, usize> = HashMap::with_capacity(wf.jobs.len());
        for (i, j) in wf.jobs.iter().enumerate() {
            index.entry(j.id).or_insert(i);
        }
        let n = wf.jobs.len();
        let mut needs = vec![Vec::new(); n];
        let mut needed_by = vec![Vec::new(); n];
        let mut dangling = vec![false; n];
        for (i, j) in wf.jobs.iter().enumerate() {
            for need in &j.needs {
                match index.get(need) {
                    Some(&t) => {
                        needs[i].push(t);
                        needed_by[t].push(i);
                    }
                    None => dangling[i] = true,
                }
            }
        }
        NeedsGraph {
            needs,
            needed_by,
            dangling,
        }
    }

    pub fn len(&self) -> usize {
        self.needs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.needs.is_empty()
    }

    fn edges(&self, dir: Dir) -> &[Vec<usize>] {
        match dir {
            Dir::Up => &self.needs,
            Dir::Down => &self.needed_by,
        }
    }

    /// For every job, the first of `sources` (in their order) from which a walk of at
    /// least one step in direction `dir` reaches it, breadth first; `None` when no
    /// source does. One walk for all sources: O(jobs + edges).
    pub fn first_source(&self, sources: &[usize], dir: Dir) -> Vec<Option<usize>> {
        let edges = self.edges(dir);
        let mut label: Vec<Option<usize>> = vec![None; self.len()];
        let mut queue: VecDeque<(usize, usize)> = VecDeque::new();
        for &s in sources {
            if s < self.len() {
                queue.push_back((s, s));
            }
        }
        while let Some((j, src)) = queue.pop_front() {
            for &t in &edges[j] {
                if label[t].is_none() {
                    label[t] = Some(src);
                    queue.push_back((t, src));
                }
            }
        }
        label
    }

    /// For every job, whether some job of `set` is reached from it in direction `dir`
    /// in at least one step: with `Dir::Up`, "a job of `set` runs before it". O(jobs +
    /// edges).
    pub fn any_reached(&self, set: &[bool], dir: Dir) -> Vec<bool> {
        let sources: Vec<usize> = (0..self.len())
            .filter(|&i| set.get(i).copied().unwrap_or(false))
            .collect();
        // A job of `set` upstream of `j` is a walk downstream from the set to `j`.
        let back = match dir {
            Dir::Up => Dir::Down,
            Dir::Down => Dir::Up,
        };
        self.first_source(&sources, back)
            .into_iter()
            .map(|s| s.is_some())
            .collect()
    }

    /// The jobs reached from `from` in direction `dir` in at least one step (`from`
    /// itself only through a cycle). O(jobs + edges).
    pub fn reached(&self, from: usize, dir: Dir) -> Vec<bool> {
        self.first_source(&[from], dir)
            .into_iter()
            .map(|s| s.is_some())
            .collect()
    }

    /// The jobs `from` needs, transitively, depth first (the last need first), or
    /// `None` once more than `cap` are found: O(cap · needs per job), never more.
    pub fn needs_capped(&self, from: usize, cap: usize) -> Option<Vec<usize>> {
        let mut seen = std::collections::HashSet::new();
        let mut out = vec![];
        let mut stack: Vec<usize> = self.needs.get(from).cloned().unwrap_or_default();
        while let Some(j) = stack.pop() {
            if seen.contains(&j) {
                continue;
            }
            if out.len() >= cap {
                return None;
            }
            seen.insert(j);
            stack.extend(self.needs.get(j).into_iter().flatten().copied());
            out.push(j);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipewise_yaml::Document;

    fn graph(src: &str) -> NeedsGraph {
        let doc = Document::parse(src.to_string()).expect("yaml");
        let wf = Workflow::new("w.yml", &doc);
        NeedsGraph::new(&wf)
    }

    const WF: &str = "on: push\njobs:\n  a: {runs-on: x, steps: [run: a]}\n  b: {runs-on: x, needs: a, steps: [run: b]}\n  c: {runs-on: x, needs: [b, nope], steps: [run: c]}\n  d: {runs-on: x, steps: [run: d]}\n";

    #[test]
    fn walks_both_ways() {
        let g = graph(WF);
        assert_eq!(g.reached(2, Dir::Up), vec![true, true, false, false]);
        assert_eq!(g.reached(0, Dir::Down), vec![false, true, true, false]);
        assert_eq!(g.reached(3, Dir::Up), vec![false; 4]);
        // `a` comes before `b` and `c`; nothing comes before `a` or `d`.
        let before = g.any_reached(&[true, false, false, false], Dir::Up);
        assert_eq!(before, vec![false, true, true, false]);
        let after = g.any_reached(&[false, false, true, false], Dir::Down);
        assert_eq!(after, vec![true, true, false, false]);
        assert_eq!(
            g.first_source(&[1, 0], Dir::Down),
            vec![None, Some(0), Some(1), None]
        );
        assert_eq!(g.needs_capped(2, 2), Some(vec![1, 0]));
        assert_eq!(g.needs_capped(2, 1), None);
    }

    #[test]
    fn cycles_end() {
        let g = graph("on: push\njobs:\n  a: {needs: b}\n  b: {needs: a}\n");
        assert_eq!(g.reached(0, Dir::Up), vec![true, true]);
        assert_eq!(g.any_reached(&[true, false], Dir::Up), vec![true, true]);
    }
}
