//! The longest chain through `needs:`: jobs in topological order (Kahn), then one
//! pass of dynamic programming; linear in jobs plus edges. Jobs in a `needs:` cycle
//! (GitHub rejects the workflow) are left out.

/// The result for one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Path {
    /// Job indices along the longest chain, first to last.
    pub jobs: Vec<usize>,
    /// Its length (sum of the weights along it).
    pub length: f64,
    /// The fan-in job that waits longest between its first and its last need
    /// finishing: (job, the need it waits for, minutes).
    pub idle: Option<(usize, usize, f64)>,
}

/// Jobs in an order where every job comes after the jobs it needs; jobs in a cycle
/// are missing. `needs[j]` lists the indices job `j` needs.
pub fn topological(needs: &[Vec<usize>]) -> Vec<usize> {
    let n = needs.len();
    let mut indegree = vec![0usize; n];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (j, ns) in needs.iter().enumerate() {
        for &u in ns {
            if u < n {
                indegree[j] += 1;
                down[u].push(j);
            }
        }
    }
    let mut order: Vec<usize> = (0..n).filter(|&j| indegree[j] == 0).collect();
    let mut i = 0;
    while i < order.len() {
        let u = order[i];
        i += 1;
        for &d in &down[u] {
            indegree[d] -= 1;
            if indegree[d] == 0 {
                order.push(d);
            }
        }
    }
    order
}

/// The longest chain among the jobs with `weight[j]` = `Some(minutes)` (jobs that
/// run); `order` from [`topological`].
pub fn longest(needs: &[Vec<usize>], order: &[usize], weight: &[Option<f64>]) -> Path {
    let n = needs.len();
    let mut finish = vec![0.0f64; n];
    let mut pred: Vec<Option<usize>> = vec![None; n];
    let mut best: Option<usize> = None;
    let mut idle: Option<(usize, usize, f64)> = None;
    for &j in order {
        let Some(w) = weight.get(j).copied().flatten() else {
            continue;
        };
        let mut start = 0.0f64;
        let mut first = f64::INFINITY;
        let mut running_needs = 0;
        for &u in &needs[j] {
            if weight.get(u).copied().flatten().is_none() {
                continue;
            }
            running_needs += 1;
            first = first.min(finish[u]);
            if finish[u] > start || pred[j].is_none() {
                start = start.max(finish[u]);
                pred[j] = Some(u);
            }
        }
        if running_needs >= 2 {
            let wait = start - first;
            if wait > 0.0 && idle.is_none_or(|(_, _, m)| wait > m) {
                idle = pred[j].map(|p| (j, p, wait));
            }
        }
        finish[j] = start + w;
        if best.is_none_or(|b| finish[j] > finish[b]) {
            best = Some(j);
        }
    }
    let mut jobs = vec![];
    let mut cur = best;
    while let Some(j) = cur {
        jobs.push(j);
        cur = pred[j];
        if jobs.len() > n {
            break;
        }
    }
    jobs.reverse();
    Path {
        length: best.map_or(0.0, |b| finish[b]),
        jobs,
        idle,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_chain_and_fan_in_wait() {
        // 0 → 2, 1 → 2, 2 → 3; job 1 is slow.
        let needs = vec![vec![], vec![], vec![0, 1], vec![2]];
        let order = topological(&needs);
        let p = longest(
            &needs,
            &order,
            &[Some(1.0), Some(5.0), Some(2.0), Some(1.0)],
        );
        assert_eq!(p.jobs, vec![1, 2, 3]);
        assert_eq!(p.length, 8.0);
        assert_eq!(p.idle, Some((2, 1, 4.0)));
        // A job that does not run breaks nothing.
        let p = longest(&needs, &order, &[Some(1.0), None, Some(2.0), Some(1.0)]);
        assert_eq!(p.jobs, vec![0, 2, 3]);
        assert_eq!(p.idle, None);
    }

    #[test]
    fn cycles_are_left_out_and_long_chains_stay_linear() {
        let needs = vec![vec![1], vec![0], vec![]];
        assert_eq!(topological(&needs), vec![2]);
        let n = 100_000;
        let needs: Vec<Vec<usize>> = (0..n)
            .map(|i| if i == 0 { vec![] } else { vec![i - 1] })
            .collect();
        let order = topological(&needs);
        let p = longest(&needs, &order, &vec![Some(1.0); n]);
        assert_eq!(p.jobs.len(), n);
    }
}
