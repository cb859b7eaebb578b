//! The `needs:` graph of one workflow, for walks that stay linear in jobs plus edges
//! whatever the workflow looks like (layers where every job needs the whole layer
//! below, 4,000 jobs fanned into one, 10,000-job chains, cycles): jobs are looked up
//! through an index, every walk keeps a visited set, and the questions asked for every
//! job at once ("does a deploying job come before this one?") are answered by one
//! multi-source walk instead of one walk per pair of jobs.

use crate::workflow::Workflow;
use foldhash::HashMap;
use pipewise_yaml::work::{self, Work};
use std::collections::VecDeque;

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
        let mut index: HashMap<&str, usize> =
            HashMap::with_capacity_and_hasher(wf.jobs.len(), Default::default());
        for (i, j) in wf.jobs.iter().enumerate() {
            index.entry(j.id).or_insert(i);
        }
        let n = wf.jobs.len();
        let mut needs = vec![Vec::new(); n];
        let mut needed_by = vec![Vec::new(); n];
        let mut dangling = vec![false; n];
        for (i, j) in wf.jobs.iter().enumerate() {
            work::add(Work::NeedsEdges, 1 + j.needs.len());
            for need in j.needs.jobs() {
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
            work::add(Work::NeedsEdges, 1 + edges[j].len());
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
        let mut seen: foldhash::HashSet<usize> = Default::default();
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
            work::add(Work::NeedsEdges, 1 + self.needs.get(j).map_or(0, Vec::len));
            stack.extend(self.needs.get(j).into_iter().flatten().copied());
            out.push(j);
        }
        Some(out)
    }
}

/// The strongly connected components of a [`NeedsGraph`] (jobs that need each other
/// through a cycle share one), in the order Tarjan's algorithm closes them: every
/// component comes after the components it needs.
#[derive(Debug, Default)]
pub struct Components {
    /// `comp[j]`: the component of job `j`.
    pub comp: Vec<usize>,
    /// The jobs of each component.
    pub members: Vec<Vec<usize>>,
    /// The component reaches itself (two jobs or more, or a job that needs itself).
    pub cyclic: Vec<bool>,
}

impl NeedsGraph {
    /// Strongly connected components (iterative Tarjan, no recursion): O(jobs + edges).
    pub fn components(&self) -> Components {
        const NONE: usize = usize::MAX;
        let n = self.len();
        let mut index = vec![NONE; n];
        let mut low = vec![0; n];
        let mut on_stack = vec![false; n];
        let mut stack: Vec<usize> = vec![];
        let mut comp = vec![NONE; n];
        let mut members: Vec<Vec<usize>> = vec![];
        let mut next = 0;
        // (job, position of the next edge to follow)
        let mut call: Vec<(usize, usize)> = vec![];
        for root in 0..n {
            if index[root] != NONE {
                continue;
            }
            index[root] = next;
            low[root] = next;
            next += 1;
            stack.push(root);
            on_stack[root] = true;
            call.push((root, 0));
            while let Some(&(v, e)) = call.last() {
                work::add(Work::NeedsEdges, 1);
                if let Some(&w) = self.needs[v].get(e) {
                    if let Some(top) = call.last_mut() {
                        top.1 += 1;
                    }
                    if index[w] == NONE {
                        index[w] = next;
                        low[w] = next;
                        next += 1;
                        stack.push(w);
                        on_stack[w] = true;
                        call.push((w, 0));
                    } else if on_stack[w] {
                        low[v] = low[v].min(index[w]);
                    }
                    continue;
                }
                call.pop();
                if let Some(&(u, _)) = call.last() {
                    low[u] = low[u].min(low[v]);
                }
                if low[v] == index[v] {
                    let c = members.len();
                    let mut m = vec![];
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp[w] = c;
                        m.push(w);
                        if w == v {
                            break;
                        }
                    }
                    members.push(m);
                }
            }
        }
        let cyclic = members
            .iter()
            .map(|m| m.len() > 1 || m.iter().any(|&j| self.needs[j].contains(&j)))
            .collect();
        Components {
            comp,
            members,
            cyclic,
        }
    }

    /// For every job, `own` folded with `merge` over the job and every job reached from
    /// it in direction `dir` (`.0`), and over the jobs reached in at least one step
    /// (`.1`: the job itself only through a cycle). `merge` must be associative,
    /// commutative and idempotent (a minimum, an "or", a bounded set), with `empty` its
    /// identity. One pass over the components: O((jobs + edges) · cost of `merge`),
    /// whatever the number of jobs that ask.
    pub fn fold<T: Clone>(
        &self,
        comps: &Components,
        own: &[T],
        dir: Dir,
        empty: &T,
        merge: impl Fn(&T, &T) -> T,
    ) -> (Vec<T>, Vec<T>) {
        let nc = comps.members.len();
        let edges = self.edges(dir);
        let mut incl: Vec<T> = vec![empty.clone(); nc];
        let mut excl: Vec<T> = vec![empty.clone(); nc];
        // Up: a component's needs close before it; down: the reverse.
        let order: Box<dyn Iterator<Item = usize>> = match dir {
            Dir::Up => Box::new(0..nc),
            Dir::Down => Box::new((0..nc).rev()),
        };
        for c in order {
            let mut o = empty.clone();
            let mut x = empty.clone();
            for &m in &comps.members[c] {
                work::add(Work::NeedsEdges, 1 + edges[m].len());
                if let Some(v) = own.get(m) {
                    o = merge(&o, v);
                }
                for &t in &edges[m] {
                    let tc = comps.comp[t];
                    if tc != c {
                        x = merge(&x, &incl[tc]);
                    }
                }
            }
            incl[c] = merge(&o, &x);
            excl[c] = x;
        }
        let per_job_incl = comps.comp.iter().map(|&c| incl[c].clone()).collect();
        let per_job_excl = comps
            .comp
            .iter()
            .map(|&c| {
                if comps.cyclic[c] {
                    incl[c].clone()
                } else {
                    excl[c].clone()
                }
            })
            .collect();
        (per_job_incl, per_job_excl)
    }
}

impl NeedsGraph {
    /// For every job, `own` folded with `merge` over the job and the jobs reached from
    /// it in direction `dir` without passing through a job of `stop`: a job of `stop`
    /// (other than the start) contributes nothing, and neither do the jobs only
    /// reached through it ("the jobs after this deploy, up to the next deploy"). A
    /// component holding a `stop` job stops the walk as a whole. Same cost and
    /// requirements on `merge` as [`NeedsGraph::fold`].
    pub fn fold_until<T: Clone>(
        &self,
        comps: &Components,
        own: &[T],
        dir: Dir,
        empty: &T,
        stop: &[bool],
        merge: impl Fn(&T, &T) -> T,
    ) -> Vec<T> {
        let nc = comps.members.len();
        let edges = self.edges(dir);
        let mut incl: Vec<T> = vec![empty.clone(); nc];
        // What a component passes on to the jobs that reach it.
        let mut pass: Vec<T> = vec![empty.clone(); nc];
        let order: Box<dyn Iterator<Item = usize>> = match dir {
            Dir::Up => Box::new(0..nc),
            Dir::Down => Box::new((0..nc).rev()),
        };
        for c in order {
            let mut v = empty.clone();
            let mut stops = false;
            for &m in &comps.members[c] {
                work::add(Work::NeedsEdges, 1 + edges[m].len());
                if let Some(o) = own.get(m) {
                    v = merge(&v, o);
                }
                stops |= stop.get(m).copied().unwrap_or(false);
                for &t in &edges[m] {
                    let tc = comps.comp[t];
                    if tc != c {
                        v = merge(&v, &pass[tc]);
                    }
                }
            }
            if !stops {
                pass[c] = v.clone();
            }
            incl[c] = v;
        }
        comps.comp.iter().map(|&c| incl[c].clone()).collect()
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

    /// `fold` agrees with a walk per job, on a graph with a cycle, a self-loop, a
    /// diamond and a dangling need.
    #[test]
    fn fold_matches_walks() {
        let g = graph("on: push\njobs:\n  a: {needs: [b]}\n  b: {needs: [a, c]}\n  c: {needs: [d, e]}\n  d: {needs: [f]}\n  e: {needs: [f]}\n  f: {needs: [nope]}\n  g: {needs: [g]}\n  h: {}\n");
        let comps = g.components();
        assert_eq!(comps.members.len(), 7);
        let own: Vec<Option<usize>> = (0..g.len()).map(|j| Some(10 - j)).collect();
        let min = |a: &Option<usize>, b: &Option<usize>| match (a, b) {
            (Some(x), Some(y)) => Some(*x.min(y)),
            (x, None) => *x,
            (None, y) => *y,
        };
        for dir in [Dir::Up, Dir::Down] {
            let (incl, excl) = g.fold(&comps, &own, dir, &None, min);
            for j in 0..g.len() {
                let r = g.reached(j, dir);
                let strict = (0..g.len()).filter(|&o| r[o]).map(|o| 10 - o).min();
                assert_eq!(excl[j], strict, "job {j} {dir:?}");
                assert_eq!(incl[j], min(&strict, &own[j]), "job {j} {dir:?}");
            }
        }
    }

    /// `fold_until` stops at the jobs of `stop` (but not at the start): `staging`
    /// sees the smoke job after it, not `production` nor what comes after it;
    /// `production` sees its own verification job only.
    #[test]
    fn fold_until_stops_at_other_deploys() {
        let g = graph("on: push\njobs:\n  test: {}\n  staging: {needs: test}\n  smoke: {needs: staging}\n  production: {needs: smoke}\n  verify: {needs: production}\n  loop-a: {needs: [loop-b, production]}\n  loop-b: {needs: loop-a}\n");
        let comps = g.components();
        let own: Vec<u32> = (0..g.len()).map(|j| 1 << j).collect();
        let stop = [false, true, false, true, false, false, false];
        let or = |a: &u32, b: &u32| a | b;
        let down = g.fold_until(&comps, &own, Dir::Down, &0, &stop, or);
        assert_eq!(down[1], 0b10 | 0b100, "staging: itself and smoke");
        assert_eq!(
            down[3],
            0b1000 | 0b10000 | 0b1100000,
            "production: verify, the loop"
        );
        assert_eq!(down[0], 0b1, "test: stops at staging");
        let up = g.fold_until(&comps, &own, Dir::Up, &0, &stop, or);
        assert_eq!(
            up[3],
            0b1000 | 0b100,
            "production: smoke, not staging nor test"
        );
        assert_eq!(up[5], 0b1100000, "the loop stops at production");
        // Without stops it is the inclusive fold.
        let (incl, _) = g.fold(&comps, &own, Dir::Up, &0, or);
        assert_eq!(
            g.fold_until(&comps, &own, Dir::Up, &0, &[false; 7], or),
            incl
        );
    }
}
