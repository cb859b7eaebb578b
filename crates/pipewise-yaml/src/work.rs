//! Work counters for the hostile-input tests: how many units of work an audit spent
//! in the loops that used to be superlinear on hostile shapes (a `needs:` graph of
//! thousands of jobs, one `run:` of 20,000 commands, 20,000 Dockerfile stages, a
//! thousand workflows). The tests bound each count by a constant times the size of
//! their input, which a quadratic variant of the loop breaks, instead of timing the
//! audit (a wall-time bound fails on a loaded machine and passes a slow algorithm on
//! a fast one).
//!
//! The counters exist only with the `work-counters` feature (on for the tests of
//! `pipewise-cli`, through its dev-dependencies); without it [`add`] is an empty
//! inline function and costs nothing. `PIPEWISE_WORK=1 pipewise audit …` then
//! prints the counts on standard error ([`report`]).

/// What a counter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Jobs and edges a walk of a workflow's `needs:` graph visits (`pipewise`'s
    /// `needs.rs`: building the graph, every walk, fold and component search).
    NeedsEdges,
    /// Source bytes walked to map an offset inside a YAML scalar back to the file
    /// ([`crate::Document::value_to_source`]; long scalars start from a checkpoint).
    ValueWalk,
    /// Bytes handed to the shell parser (`pipewise::shell::Script::parse`).
    ShellBytes,
    /// Dockerfile stages and instructions looked at to find a stage by name or the
    /// instructions of a stage (`pipewise`'s `dockerfile.rs`).
    DockerStages,
    /// Findings read to score each workflow, and `workflow_run` names resolved
    /// between workflows (`pipewise`'s `scoring.rs` and `RunLinks`).
    WorkflowLinks,
}

impl Work {
    /// Every counter, in [`report`] order.
    pub const ALL: [Work; 5] = [
        Work::NeedsEdges,
        Work::ValueWalk,
        Work::ShellBytes,
        Work::DockerStages,
        Work::WorkflowLinks,
    ];

    /// The counter's name in [`report`].
    pub fn name(self) -> &'static str {
        match self {
            Work::NeedsEdges => "needs_edges",
            Work::ValueWalk => "value_walk",
            Work::ShellBytes => "shell_bytes",
            Work::DockerStages => "docker_stages",
            Work::WorkflowLinks => "workflow_links",
        }
    }
}

#[cfg(feature = "work-counters")]
static COUNTS: [std::sync::atomic::AtomicU64; 5] =
    [const { std::sync::atomic::AtomicU64::new(0) }; 5];

/// Counts `n` units of `what` (nothing without the `work-counters` feature).
#[inline(always)]
pub fn add(what: Work, n: usize) {
    #[cfg(feature = "work-counters")]
    COUNTS[what as usize].fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
    #[cfg(not(feature = "work-counters"))]
    let _ = (what, n);
}

/// The count of `what` so far in this process; `None` without the feature.
pub fn count(what: Work) -> Option<u64> {
    #[cfg(feature = "work-counters")]
    return Some(COUNTS[what as usize].load(std::sync::atomic::Ordering::Relaxed));
    #[cfg(not(feature = "work-counters"))]
    {
        let _ = what;
        None
    }
}

/// Every count as one JSON object (`{"needs_edges": 12, …}`); `None` without the
/// feature.
pub fn report() -> Option<String> {
    let mut out = String::from("{");
    for (i, w) in Work::ALL.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&format!("\"{}\": {}", w.name(), count(*w)?));
    }
    out.push('}');
    Some(out)
}

#[cfg(all(test, feature = "work-counters"))]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up() {
        let before = count(Work::DockerStages).unwrap_or(0);
        add(Work::DockerStages, 3);
        add(Work::DockerStages, 4);
        assert!(count(Work::DockerStages).unwrap_or(0) >= before + 7);
        assert!(report().is_some_and(|r| r.contains("\"docker_stages\": ")));
    }
}
