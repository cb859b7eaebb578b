//! When a capability's template targets a workflow the repository already has
//! (`.github/workflows/ci.yml`, `deploy.yml`, …), the report shows the minimal
//! change instead of the whole file: the template's jobs that provide the missing
//! capabilities (and the jobs they `needs:`), appended to the file's `jobs:`
//! mapping at its indentation, as a unified diff. A job id the file already has is
//! never added again (the file's job of that name satisfies a `needs:`); when every
//! job to add clashes with one the file has, or the added block would not parse as
//! exactly the new jobs, there is no diff and the renderers point to
//! `pipewise scaffold` instead of printing the whole file. The diff is one
//! insertion, written directly (no diff algorithm, no second parse of the file).

use crate::schema::{Capability, CapabilityStatus};
use crate::workflow::Workflow;
use std::collections::BTreeSet;

/// The template jobs that provide a capability; `None`: every job of the template.
fn jobs_for(capability: &str) -> Option<&'static [&'static str]> {
    Some(match capability {
        "ci.lint" | "ci.typecheck" => &["lint"],
        "ci.unit-tests" | "ci.coverage" | "ci.integration-tests" => &["test"],
        "ci.build" => &["build"],
        // Caching is a setting of the existing setup steps, not a job.
        "ci.caching" => &[],
        "deploy.staging" => &["staging"],
        "deploy.production"
        | "deploy.approval-gate"
        | "deploy.smoke-tests"
        | "deploy.health-check"
        | "deploy.db-backup"
        | "deploy.db-migrations" => &["production"],
        "delivery.release-automation" | "delivery.changelog" => &["release-please"],
        _ => return None,
    })
}

/// Sets `template.diff` on every missing capability whose template targets a
/// workflow of `workflows`: one diff per file, adding the jobs of all the
/// capabilities that target it.
pub fn diffs(capabilities: &mut [Capability], workflows: &[Workflow]) {
    let mut paths: Vec<String> = capabilities
        .iter()
        .filter(|c| c.status == CapabilityStatus::Missing)
        .filter_map(|c| c.template.as_ref().map(|t| t.path.clone()))
        .filter(|p| workflows.iter().any(|w| w.path == p))
        .collect();
    paths.sort();
    paths.dedup();
    for path in paths {
        let Some(existing) = workflows.iter().find(|w| w.path == path) else {
            continue;
        };
        let targets = || {
            capabilities.iter().filter(|c| {
                c.status == CapabilityStatus::Missing
                    && c.template.as_ref().is_some_and(|t| t.path == path)
            })
        };
        let Some(content) = targets()
            .find_map(|c| c.template.as_ref())
            .map(|t| t.content.clone())
        else {
            continue;
        };
        let mut wanted: BTreeSet<String> = BTreeSet::new();
        let mut all = false;
        for c in targets() {
            match jobs_for(&c.id) {
                Some(ids) => wanted.extend(ids.iter().map(|s| s.to_string())),
                None => all = true,
            }
        }
        let diff = diff(&path, existing, &content, all, &wanted);
        for c in capabilities.iter_mut() {
            if c.status != CapabilityStatus::Missing {
                continue;
            }
            if let Some(t) = c.template.as_mut().filter(|t| t.path == path) {
                t.diff = diff.clone();
            }
        }
    }
}

/// The unified diff that adds the template's `wanted` jobs (every job when `all`)
/// and the jobs they need to `existing`.
fn diff(
    path: &str,
    existing: &Workflow,
    template: &str,
    all: bool,
    wanted: &BTreeSet<String>,
) -> Option<String> {
    let doc = pipewise_yaml::Document::parse(template.to_string()).ok()?;
    let t = Workflow::new(path, &doc);
    let have: BTreeSet<&str> = existing.jobs.iter().map(|j| j.id).collect();
    // The jobs to add: the wanted ones the file does not have. A `needs:` on a
    // template job that is not added is dropped (the file checks it its own way).
    let add: BTreeSet<&str> = t
        .jobs
        .iter()
        .map(|j| j.id)
        .filter(|id| (all || wanted.contains(*id)) && !have.contains(id))
        .collect();
    if add.is_empty() {
        return None;
    }
    let source = existing.doc.source();
    let jobs = existing.root.get("jobs")?;
    let first = existing.jobs.first()?;
    let jobs_line = existing
        .root
        .entry("jobs")
        .map(|e| existing.doc.position(e.key.span.start).line)?;
    let first_line = existing.doc.position(first.key.span.start).line;
    if first_line <= jobs_line {
        return None; // a flow mapping (`jobs: {…}`): no place for a block
    }
    let first_text = existing.doc.line_text(first_line);
    let indent = first_text.len() - first_text.trim_start_matches(' ').len();
    if indent == 0 || first_text.starts_with('\t') {
        return None;
    }
    // The template's job blocks, from each job key to the next one.
    let lines: Vec<&str> = template.lines().collect();
    let starts: Vec<usize> = t
        .jobs
        .iter()
        .map(|j| doc.position(j.key.span.start).line)
        .collect();
    let eol = if source.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let pad = " ".repeat(indent.saturating_sub(2));
    let mut block = String::new();
    for (i, j) in t.jobs.iter().enumerate() {
        if !add.contains(j.id) {
            continue;
        }
        let from = starts.get(i)?.checked_sub(1)?;
        let to = starts.get(i + 1).map_or(lines.len(), |n| n - 1);
        let mut body: Vec<&str> = lines.get(from..to)?.to_vec();
        while body.last().is_some_and(|l| l.trim().is_empty()) {
            body.pop();
        }
        block.push_str(eol);
        let kept: Vec<&str> = j
            .needs
            .jobs()
            .filter(|n| have.contains(n) || add.contains(n))
            .collect();
        let needs = match kept.as_slice() {
            [] => None,
            [one] => Some(format!("    needs: {one}")),
            many => Some(format!("    needs: [{}]", many.join(", "))),
        };
        for l in body {
            // The template writes `needs:` on one line at job level.
            let l = if l.starts_with("    needs:") && !l.starts_with("     ") {
                match &needs {
                    Some(n) => n.as_str(),
                    None => continue,
                }
            } else {
                l
            };
            if !l.trim().is_empty() {
                block.push_str(&pad);
                block.push_str(l);
            }
            block.push_str(eol);
        }
    }
    // The block alone is the new jobs, and nothing else (checked on this small
    // text, not by parsing the whole file again).
    let check = format!("jobs:{eol}{block}");
    let check_doc = pipewise_yaml::Document::parse(check).ok()?;
    let ids: BTreeSet<&str> = Workflow::new(path, &check_doc)
        .jobs
        .iter()
        .map(|j| j.id)
        .collect();
    if ids != add {
        return None;
    }
    // After the last line of the `jobs:` mapping, before what follows it at a
    // smaller indentation (a top-level key, a comment, the end of the file).
    let last = existing
        .doc
        .position(jobs.span.end.saturating_sub(1).max(jobs.span.start))
        .line;
    let old: Vec<&str> = source.lines().collect();
    if old
        .get(last..)
        .and_then(|rest| rest.iter().find(|l| !l.trim().is_empty()))
        .is_some_and(|l| {
            l.len() - l.trim_start_matches(' ').len() >= indent && !l.trim_start().starts_with('#')
        })
    {
        return None; // the mapping goes on: not its end
    }
    Some(insertion(path, &old, last, &block))
}

/// A unified diff (as `fix --diff` prints it: `--- a/PATH`, `+++ b/PATH`, three
/// lines of context) that inserts `block` after line `after` of `old`, written
/// directly: the change is one insertion, no diff algorithm is needed.
fn insertion(path: &str, old: &[&str], after: usize, block: &str) -> String {
    let after = after.min(old.len());
    let before = old.get(after.saturating_sub(3)..after).unwrap_or_default();
    let next = old
        .get(after..(after + 3).min(old.len()))
        .unwrap_or_default();
    let added: Vec<&str> = block.lines().collect();
    let start = after + 1 - before.len();
    let ctx = before.len() + next.len();
    // An empty range is numbered by the line before it.
    let range = |start: usize, n: usize| match n {
        1 => format!("{start}"),
        0 => format!("{},0", start.saturating_sub(1)),
        n => format!("{start},{n}"),
    };
    let mut d = format!(
        "--- a/{path}\n+++ b/{path}\n@@ -{} +{} @@\n",
        range(start, ctx),
        range(start, ctx + added.len())
    );
    for l in before {
        d.push_str(&format!(" {}\n", l.trim_end_matches('\r')));
    }
    for l in &added {
        d.push_str(&format!("+{}\n", l.trim_end_matches('\r')));
    }
    for l in next {
        d.push_str(&format!(" {}\n", l.trim_end_matches('\r')));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Template;

    const TEMPLATE: &str = "name: CI\n\non:\n  push:\n\npermissions:\n  contents: read\n\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    steps:\n      - run: npm run lint\n\n  test:\n    runs-on: ubuntu-latest\n    timeout-minutes: 20\n    steps:\n      - name: Upload\n        with:\n          payload: |\n            text: hi\n\n  build:\n    needs: [lint, test]\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm run build\n";

    fn cap(id: &str) -> Capability {
        Capability {
            id: id.into(),
            name: Default::default(),
            practice: Default::default(),
            category: Default::default(),
            optional: false,
            status: CapabilityStatus::Missing,
            evidence: vec![],
            reason: None,
            recommendation: None,
            template: Some(Template {
                path: ".github/workflows/ci.yml".into(),
                content: TEMPLATE.into(),
                diff: None,
            }),
        }
    }

    fn run(existing: &str, ids: &[&str]) -> Vec<Capability> {
        let doc = pipewise_yaml::Document::parse(existing.to_string()).unwrap();
        let wf = Workflow::new(".github/workflows/ci.yml", &doc);
        let mut caps: Vec<Capability> = ids.iter().map(|i| cap(i)).collect();
        diffs(&mut caps, std::slice::from_ref(&wf));
        caps
    }

    #[test]
    fn adds_only_the_missing_jobs_at_the_files_indentation() {
        let existing = "on: push\njobs:\n    test:\n        runs-on: ubuntu-latest\n        steps:\n            - run: npm test\n# trailing comment\n";
        let caps = run(existing, &["ci.lint"]);
        let d = caps[0].template.as_ref().unwrap().diff.clone().unwrap();
        assert!(
            d.starts_with("--- a/.github/workflows/ci.yml\n+++ b/.github/workflows/ci.yml\n"),
            "{d}"
        );
        assert!(
            d.contains("+    lint:\n+      runs-on: ubuntu-latest\n"),
            "{d}"
        );
        assert!(!d.contains("test:\n+"), "{d}");
        assert!(!d.contains("build"), "{d}");
        // Inserted inside `jobs:`, before the comment that follows it.
        assert!(
            d.contains("+        - run: npm run lint\n # trailing comment"),
            "{d}"
        );
    }

    #[test]
    fn one_diff_per_file_with_what_the_added_jobs_need() {
        // build needs lint and test; the file has test, and lint is not wanted.
        let existing = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n";
        let caps = run(existing, &["ci.build", "ci.unit-tests"]);
        let d = caps[0].template.as_ref().unwrap().diff.clone().unwrap();
        assert_eq!(
            caps[1].template.as_ref().unwrap().diff.as_deref(),
            Some(d.as_str())
        );
        assert!(d.contains("+  build:\n+    needs: test\n"), "{d}");
        assert!(!d.contains("+  test:") && !d.contains("lint"), "{d}");
        let caps = run(existing, &["ci.build", "ci.lint"]);
        let d = caps[0].template.as_ref().unwrap().diff.clone().unwrap();
        assert!(
            d.contains("+  lint:") && d.contains("+    needs: [lint, test]\n"),
            "{d}"
        );
        // Neither: no `needs:` line.
        let other = "on: push\njobs:\n  unit:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n";
        let d = run(other, &["ci.build"])[0]
            .template
            .as_ref()
            .unwrap()
            .diff
            .clone()
            .unwrap();
        assert!(
            d.contains("+  build:\n+    runs-on") && !d.contains("needs"),
            "{d}"
        );
        // A block scalar keeps its relative indentation.
        let existing = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n";
        let caps = run(existing, &["ci.coverage"]);
        let d = caps[0].template.as_ref().unwrap().diff.clone().unwrap();
        assert!(
            d.contains("+          payload: |\n+            text: hi\n"),
            "{d}"
        );
    }

    #[test]
    fn no_diff_when_every_job_clashes_or_there_is_no_block_mapping() {
        let existing = "on: push\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - run: eslint .\n";
        assert_eq!(
            run(existing, &["ci.lint"])[0]
                .template
                .as_ref()
                .unwrap()
                .diff,
            None
        );
        assert_eq!(
            run(existing, &["ci.caching"])[0]
                .template
                .as_ref()
                .unwrap()
                .diff,
            None
        );
        let flow = "on: push\njobs: {a: {runs-on: x, steps: [{run: y}]}}\n";
        assert_eq!(
            run(flow, &["ci.unit-tests"])[0]
                .template
                .as_ref()
                .unwrap()
                .diff,
            None
        );
    }
}
