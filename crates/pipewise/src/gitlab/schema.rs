//! What GitLab refuses in a merged pipeline beyond unknown keys and values: the
//! value type of job keywords (from GitLab's CI schema and its `Entry` validators:
//! `script` a string or a nested list of strings, `stage` a string, `needs` a list or
//! a mapping, `tags` and `dependencies` lists of strings, `rules` a list of mappings,
//! …), and the `needs:` graph as GitLab's YAML processor checks it: a need (or a
//! `dependencies:` entry) on a job of a later stage ("is not defined in current or
//! prior stages"), a need named twice, and needs that form a cycle.
//!
//! Every check reads the merged jobs once; the cycle search is one iterative
//! depth-first walk over the jobs and their needs (linear in jobs + needs).
//! Scalars that are `$[[ inputs ]]` interpolations are left alone: GitLab replaces
//! them (possibly by a list) before it validates.

use super::keywords::flattened;
use super::pipeline::{matrix_base, Job, Pipeline, Problem, SECTIONS};
use super::values::not_a_string;
use crate::finding::Span;
use pipewise_yaml::{Node, NodeKind};
use std::collections::{HashMap, HashSet};

/// The shapes a keyword's value may take.
#[derive(Clone, Copy)]
struct Shape {
    scalar: bool,
    seq: bool,
    map: bool,
}

const S: Shape = Shape {
    scalar: true,
    seq: false,
    map: false,
};
const L: Shape = Shape {
    scalar: false,
    seq: true,
    map: false,
};
const M: Shape = Shape {
    scalar: false,
    seq: false,
    map: true,
};
const SM: Shape = Shape {
    scalar: true,
    seq: false,
    map: true,
};
const LM: Shape = Shape {
    scalar: false,
    seq: true,
    map: true,
};
const SL: Shape = Shape {
    scalar: true,
    seq: true,
    map: false,
};

/// Job keywords and the value shapes GitLab accepts (`null` is left to GitLab's
/// other checks: some keywords accept it).
const SHAPES: &[(&str, Shape, &str)] = &[
    (
        "allow_failure",
        SM,
        "`true`, `false` or a mapping with `exit_codes`",
    ),
    ("artifacts", M, "a mapping"),
    ("cache", LM, "a mapping or a list of mappings"),
    ("coverage", S, "a string"),
    ("dependencies", L, "a list of job names"),
    ("environment", SM, "a string or a mapping"),
    ("extends", SL, "a string or a list of strings"),
    ("hooks", M, "a mapping"),
    ("id_tokens", M, "a mapping"),
    ("image", SM, "a string or a mapping"),
    ("inherit", M, "a mapping"),
    ("needs", LM, "a list (or a mapping)"),
    ("parallel", SM, "a number or a mapping with `matrix`"),
    ("release", M, "a mapping"),
    ("resource_group", S, "a string"),
    ("retry", SM, "a number or a mapping"),
    ("rules", L, "a list of mappings"),
    ("secrets", M, "a mapping"),
    ("services", L, "a list"),
    ("stage", S, "a string"),
    ("start_in", S, "a string"),
    ("tags", L, "a list of strings"),
    ("timeout", S, "a string"),
    ("trigger", SM, "a string or a mapping"),
    ("variables", M, "a mapping"),
    ("when", S, "a string"),
];

fn interpolated(n: &Node) -> bool {
    n.as_str().is_some_and(super::keywords::has_inputs)
}

fn fits(n: &Node, shape: Shape) -> bool {
    match &n.kind {
        _ if n.is_null() || interpolated(n) => true,
        NodeKind::Scalar { .. } => shape.scalar,
        NodeKind::Seq(_) => shape.seq,
        NodeKind::Map(_) => shape.map,
    }
}

/// The index in [`SHAPES`] of a job keyword: one `match` instead of a search of
/// the job's keys per keyword.
fn shape_index(key: &str) -> Option<usize> {
    Some(match key {
        "allow_failure" => 0,
        "artifacts" => 1,
        "cache" => 2,
        "coverage" => 3,
        "dependencies" => 4,
        "environment" => 5,
        "extends" => 6,
        "hooks" => 7,
        "id_tokens" => 8,
        "image" => 9,
        "inherit" => 10,
        "needs" => 11,
        "parallel" => 12,
        "release" => 13,
        "resource_group" => 14,
        "retry" => 15,
        "rules" => 16,
        "secrets" => 17,
        "services" => 18,
        "stage" => 19,
        "start_in" => 20,
        "tags" => 21,
        "timeout" => 22,
        "trigger" => 23,
        "variables" => 24,
        "when" => 25,
        _ => return None,
    })
}

/// Value types of the keywords of every merged job. The entries the checks that
/// read one key alone are known to find nothing in ([`Job::unchecked`]) are not
/// read again.
pub(super) fn check_types(p: &mut Pipeline) {
    let mut problems = vec![];
    for j in &p.jobs {
        let skip = j.clean.contains(&true);
        let get = |key: &str| if skip { j.unchecked(key) } else { j.get(key) };
        // The job's value of each keyword of `SHAPES` (the first entry, as `get`).
        let mut values: [Option<&Node>; SHAPES.len()] = [None; SHAPES.len()];
        let mut seen = [false; SHAPES.len()];
        for (i, e) in j.node.as_map().unwrap_or(&[]).iter().enumerate() {
            if let Some(k) = e.key.as_str().and_then(shape_index) {
                if let (Some(seen), Some(slot)) = (seen.get_mut(k), values.get_mut(k)) {
                    if !*seen {
                        *seen = true;
                        if !j.clean.get(i).copied().unwrap_or(false) {
                            *slot = Some(&e.value);
                        }
                    }
                }
            }
        }
        let name = j.name;
        let mut bad = |key: &str, span: Span, message: String| {
            problems.extend(j.file_of(key).map(|file| Problem {
                file,
                span,
                message,
            }));
        };
        for (&(key, _, _), v) in SHAPES.iter().zip(values) {
            if let Some(v) = v {
                check_shape(name, key, v, &mut bad);
            }
        }
        if let Some(vars) = get("variables") {
            check_variables(name, vars, &mut bad);
        }
        for section in SECTIONS {
            if let Some(n) = get(section) {
                check_section(name, section, n, &mut bad);
            }
        }
    }
    p.problems.extend(problems);
}

/// Whether [`check_types`] finds nothing in this top-level entry of a job, whatever
/// the job (its name is only in messages): each of its checks reads one key.
pub(super) fn entry_clean(key: &str, value: &Node) -> bool {
    let mut clean = true;
    let mut bad = |_: &str, _: Span, _: String| clean = false;
    if shape_index(key).is_some() {
        check_shape("", key, value, &mut bad);
    }
    if key == "variables" {
        check_variables("", value, &mut bad);
    }
    if SECTIONS.contains(&key) {
        check_section("", key, value, &mut bad);
    }
    clean
}

/// The shape of keyword `key` of job `name`, and the items of its lists of names.
fn check_shape(name: &str, key: &str, v: &Node, bad: &mut impl FnMut(&str, Span, String)) {
    let Some(&(key, shape, want)) = shape_index(key).and_then(|i| SHAPES.get(i)) else {
        return;
    };
    if !fits(v, shape) {
        bad(
            key,
            v.span,
            format!(
                "`{key}` of job `{name}` must be {want}, found {}",
                v.type_name()
            ),
        );
        return;
    }
    // Items of lists of names.
    let item_ok: fn(&Node) -> bool = match key {
        "tags" | "dependencies" | "extends" => {
            |i| interpolated(i) || matches!(i.kind, NodeKind::Scalar { .. }) && !i.is_null()
        }
        // Nested lists (an anchored list of needs as an item) are flattened.
        "needs" => |i| {
            interpolated(i)
                || matches!(i.kind, NodeKind::Map(_) | NodeKind::Seq(_))
                || matches!(i.kind, NodeKind::Scalar { .. })
                    && !i.is_null()
                    && not_a_string(i).is_none()
        },
        "rules" => |i| !matches!(i.kind, NodeKind::Scalar { .. }) || interpolated(i),
        _ => return,
    };
    if let Some(i) = v.as_seq().unwrap_or(&[]).iter().find(|i| !item_ok(i)) {
        bad(
            key,
            i.span,
            format!(
                "`{key}` of job `{name}` must be {want}; this item is {}",
                i.type_name()
            ),
        );
    }
}

/// A variable of job `name` whose value is a list.
fn check_variables(name: &str, vars: &Node, bad: &mut impl FnMut(&str, Span, String)) {
    let Some(vars) = vars.as_map() else { return };
    if let Some(e) = vars.iter().find(|e| e.value.as_seq().is_some()) {
        bad(
            "variables",
            e.value.span,
            format!(
                "variable `{}` of job `{name}` must be a string or a mapping with `value`, found a sequence",
                e.key.as_str().unwrap_or(""),
            ),
        );
    }
}

/// A script line of job `name` that GitLab's YAML reader reads as a number or a
/// boolean.
fn check_section(name: &str, section: &str, n: &Node, bad: &mut impl FnMut(&str, Span, String)) {
    let mut found = None;
    n.walk(&mut |x| {
        if found.is_none() {
            found = not_a_string(x).map(|v| (x.span, v.to_string()));
        }
    });
    if let Some((span, v)) = found {
        bad(
            section,
            span,
            format!(
                "`{section}` of job `{name}` must be a string or a list of strings; `{v}` is read as a number or a boolean (quote it)"
            ),
        );
    }
}

/// One `needs:` (or `rules: needs:`) entry naming a job of this pipeline: the name
/// and the node to point at.
fn needs_of<'j>(j: &'j Job) -> Vec<(&'j str, &'j Node, &'static str)> {
    let mut out = vec![];
    let mut add = |n: Option<&'j Node>, key: &'static str| {
        // Nested lists (an anchored list of needs as an item) are flattened, as
        // GitLab does; bounded like `!reference` nesting.
        for item in n.map(flattened).unwrap_or_default() {
            let name = match &item.kind {
                NodeKind::Scalar { value, .. } => value.as_str(),
                NodeKind::Map(_) => {
                    if item.get("pipeline").is_some() || item.get("project").is_some() {
                        continue;
                    }
                    item.get("job").and_then(Node::as_str).unwrap_or("")
                }
                NodeKind::Seq(_) => continue,
            };
            if !name.is_empty() && !name.contains('$') {
                out.push((matrix_base(name), item, key));
            }
        }
    };
    add(j.get("needs"), "needs");
    for r in j.get("rules").and_then(Node::as_seq).unwrap_or(&[]) {
        add(r.get("needs"), "rules");
    }
    out
}

/// `needs:`/`dependencies:` on a job of a later stage, a need named twice, and
/// cycles of needs. Skipped when jobs or `stages` may come from an include pipewise
/// cannot read.
pub(super) fn check_needs_graph(p: &mut Pipeline) {
    if p.incomplete {
        return;
    }
    // GitLab's stage list: `.pre`, the declared stages, `.post`.
    let stage_index = |j: &Job| -> Option<usize> {
        let s = match j.get("stage") {
            Some(n) => n.as_str().filter(|s| !s.contains('$'))?,
            None => "test",
        };
        match s {
            ".pre" => Some(0),
            ".post" => Some(p.stages.len() + 1),
            _ => p.stages.iter().position(|x| x == s).map(|i| i + 1),
        }
    };
    let index: HashMap<&str, usize> = p
        .jobs
        .iter()
        .enumerate()
        .map(|(i, j)| (j.name, i))
        .collect();
    let stages: Vec<Option<usize>> = p.jobs.iter().map(stage_index).collect();
    let mut problems = vec![];
    // Edges of the needs graph (job index → needed job index), for the cycle walk.
    let mut edges: Vec<Vec<usize>> = vec![vec![]; p.jobs.len()];
    for (ji, j) in p.jobs.iter().enumerate() {
        let needs = needs_of(j);
        let deps: Vec<(&str, &Node, &str)> = j
            .get("dependencies")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(|d| {
                let name = d.as_str().filter(|s| !s.contains('$'))?;
                Some((matrix_base(name), d, "dependencies"))
            })
            .collect();
        // Names already needed (a set: a job may list thousands).
        let mut needed: HashSet<&str> = HashSet::new();
        for &(name, node, key) in &needs {
            if key == "needs" && !needed.insert(name) {
                if let Some(fi) = j.file_of(key) {
                    problems.push(Problem {
                        file: fi,
                        span: node.span,
                        message: format!("job `{}` needs `{name}` more than once", j.name),
                    });
                }
            }
        }
        for &(name, node, key) in needs.iter().chain(&deps) {
            let Some(&ni) = index.get(name) else { continue };
            if key != "dependencies" {
                edges[ji].push(ni);
            }
            let (Some(mine), Some(theirs)) = (stages[ji], stages[ni]) else {
                continue;
            };
            if theirs > mine {
                if let Some(fi) = j.file_of(key) {
                    let what = if key == "dependencies" {
                        "depends on"
                    } else {
                        "needs"
                    };
                    problems.push(Problem {
                        file: fi,
                        span: node.span,
                        message: format!(
                            "job `{}` {what} `{name}`, which runs in a later stage (GitLab: not defined in current or prior stages)",
                            j.name
                        ),
                    });
                }
            }
        }
    }
    if let Some(cycle) = find_cycle(&edges) {
        let names: Vec<&str> = cycle.iter().map(|&i| p.jobs[i].name).collect();
        let first = &p.jobs[cycle[0]];
        if let Some(fi) = first.file_of("needs") {
            let span = first.get("needs").map_or(first.key.span, |n| n.span);
            problems.push(Problem {
                file: fi,
                span,
                message: format!(
                    "the `needs:` of jobs form a cycle: {} → {}",
                    names.join(" → "),
                    names[0]
                ),
            });
        }
    }
    p.problems.extend(problems);
}

/// One cycle of the graph (its nodes in order), found by an iterative depth-first
/// walk that visits every node and edge once.
fn find_cycle(edges: &[Vec<usize>]) -> Option<Vec<usize>> {
    // 0 = unvisited, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; edges.len()];
    for start in 0..edges.len() {
        if state[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            match edges[node].get(*next) {
                Some(&to) => {
                    *next += 1;
                    match state[to] {
                        0 => {
                            state[to] = 1;
                            stack.push((to, 0));
                        }
                        1 => {
                            let from = stack.iter().position(|(n, _)| *n == to).unwrap_or(0);
                            return Some(stack[from..].iter().map(|(n, _)| *n).collect());
                        }
                        _ => {}
                    }
                }
                None => {
                    state[node] = 2;
                    stack.pop();
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_index_names_every_keyword_of_shapes() {
        for (i, (key, _, _)) in SHAPES.iter().enumerate() {
            assert_eq!(shape_index(key), Some(i), "{key}");
        }
        for key in ["script", "Stage", "stages", "", "when "] {
            assert_eq!(shape_index(key), None, "{key}");
        }
    }

    #[test]
    fn cycles_are_found_once_and_acyclic_graphs_pass() {
        assert_eq!(find_cycle(&[vec![1], vec![2], vec![]]), None);
        assert_eq!(find_cycle(&[vec![1, 2], vec![2], vec![]]), None);
        assert_eq!(find_cycle(&[vec![1], vec![2], vec![1]]), Some(vec![1, 2]));
        assert_eq!(find_cycle(&[vec![0]]), Some(vec![0]));
        // A long chain is walked without recursion.
        let chain: Vec<Vec<usize>> = (0..100_000).map(|i| vec![i + 1]).chain([vec![]]).collect();
        assert_eq!(find_cycle(&chain), None);
    }
}
