//! `gitlab/merge-request-secrets`: a job that runs in merge request pipelines (the
//! merge request's code) and reads protected credentials: external `secrets:`, or
//! deploys and publishes to an environment that is not a review app.

use super::{job_key_span, GITLAB};
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Job, Platform, Workflow};
use memchr::memmem::Finder;
use pipewise_yaml::{Node, NodeKind};

pub struct MergeRequestSecrets;

pub static META: RuleMeta = RuleMeta {
    id: "gitlab/merge-request-secrets",
    title: "Merge request pipeline uses protected credentials",
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    category: Category::Security,
    summary: "A job whose `rules:`/`only:` run it in merge request pipelines reads external `secrets:` or deploys (outside a review environment).",
    impact: "Merge request pipelines run the merge request's code. If the credentials are protected, the job fails for every merge request; if they are not, whoever can open a merge request (from a fork, when the project runs fork pipelines) runs code next to them.",
    doc: r#"
## Why it matters
Protected variables, protected environments and Vault roles bound to
`ref_protected` exist so that only reviewed code on protected branches and tags
gets production credentials. A job that runs for `merge_request_event` runs the
merge request's unreviewed code; giving it those credentials means unprotecting
them (anyone who can push a branch or, with fork pipelines in the parent project,
any contributor can read them), and keeping them protected means the job fails on
every merge request.

## Bad
```yaml
publish:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  secrets:
    NPM_TOKEN:
      vault: ci/npm/token@kv
  script: npm publish
```

## Good
```yaml
publish:
  rules:
    - if: $CI_COMMIT_TAG
  secrets:
    NPM_TOKEN:
      vault: ci/npm/token@kv
  script: npm publish
```
"#,
    fix: FixMeta {
        description: "Run jobs that need protected credentials only on protected refs (`if: $CI_COMMIT_REF_PROTECTED == \"true\"`, the default branch, tags); deploy merge requests only to review environments with their own narrow credentials.",
        snippet: "rules:\n  - if: $CI_COMMIT_REF_PROTECTED == \"true\"",
        effort_minutes: 20,
    },
    references: &[
        "https://docs.gitlab.com/ci/variables/#protect-a-cicd-variable",
        "https://docs.gitlab.com/ci/pipelines/merge_request_pipelines/#use-with-forked-projects",
    ],
};

/// Whether a `rules:` `if:` expression selects merge request pipelines (and does not
/// also require a protected ref, a tag or the default branch).
fn mr_expression(e: &str) -> bool {
    // Both ways of selecting merge requests spell a `q` (`merge_request_event`,
    // `$CI_MERGE_REQUEST_IID`): an expression without one is not looked at further
    // (every job's every `rules:` item is asked).
    if memchr::memchr2(b'q', b'Q', e.as_bytes()).is_none() {
        return false;
    }
    // The expression without whitespace, copied a run at a time.
    let mut compact = String::with_capacity(e.len());
    for run in e.split(char::is_whitespace) {
        compact.push_str(run);
    }
    // Prebuilt searchers: `str::contains` sets one up per call, nine per expression.
    let n = &*NEEDLES;
    let c = compact.as_bytes();
    let any = |fs: &[Finder<'static>]| fs.iter().any(|f| f.find(c).is_some());
    let selects = any(&n.selects)
        || n.ids.iter().any(|f| {
            f.find_iter(c).any(|i| {
                let rest = &compact[i + f.needle().len()..];
                !rest.starts_with("==null")
                    && !rest.starts_with("==\"\"")
                    && !compact[..i].ends_with('!')
            })
        });
    selects && !any(&n.narrows) && n.branch.find(c).is_none()
}

/// What [`mr_expression`] looks for in an expression without whitespace, each
/// searcher built once.
struct Needles {
    /// Three spellings of selecting merge request pipelines.
    selects: [Finder<'static>; 3],
    /// The variables set only in merge request pipelines.
    ids: [Finder<'static>; 2],
    /// What narrows an expression to protected refs, tags or the default branch.
    narrows: [Finder<'static>; 3],
    /// A branch condition after `&&`.
    branch: Finder<'static>,
}

static NEEDLES: std::sync::LazyLock<Needles> = std::sync::LazyLock::new(|| Needles {
    selects: [
        "==\"merge_request_event\"",
        "=='merge_request_event'",
        "=~/merge_request_event/",
    ]
    .map(Finder::new),
    ids: ["$CI_MERGE_REQUEST_IID", "$CI_MERGE_REQUEST_ID"].map(Finder::new),
    narrows: [
        "CI_COMMIT_REF_PROTECTED",
        "$CI_COMMIT_TAG",
        "CI_DEFAULT_BRANCH",
    ]
    .map(Finder::new),
    branch: Finder::new("&&$CI_COMMIT_BRANCH"),
});

/// The key (`rules` or `only`) that runs the job for merge requests, and whether
/// it does so only by hand (`when: manual`).
fn runs_for_merge_requests(job: &Job) -> Option<(&'static str, bool)> {
    let job_manual = job.get("when").and_then(Node::as_str) == Some("manual");
    let condition = job.condition?;
    if let Some(NodeKind::Seq(rules)) = condition.rules().map(|r| &r.kind) {
        let hit = rules.iter().find_map(|r| {
            let when = r.get("when").and_then(Node::as_str);
            (when != Some("never")
                && r.get("if")
                    .and_then(Node::as_str)
                    .is_some_and(mr_expression))
            .then_some(when.map_or(job_manual, |w| w == "manual"))
        });
        return hit.map(|manual| ("rules", manual));
    }
    let only = condition.only_except().0?;
    let refs = match &only.kind {
        NodeKind::Map(_) => only.get("refs")?,
        _ => only,
    };
    let has = |n: &Node| n.as_str() == Some("merge_requests");
    let hit = match &refs.kind {
        NodeKind::Seq(items) => items.iter().any(has),
        _ => has(refs),
    };
    hit.then_some(("only", job_manual))
}

/// A review app: an environment per merge request or branch, meant for this.
fn review_environment(env: &str) -> bool {
    let lower = env.to_ascii_lowercase();
    lower.starts_with("review")
        || lower.starts_with("preview")
        || lower.contains("$ci_merge_request")
        || lower.contains("${ci_merge_request")
        || lower.contains("ci_commit_ref_slug")
        || lower.contains("ci_commit_ref_name")
}

impl Rule for MergeRequestSecrets {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn platforms(&self) -> &'static [Platform] {
        GITLAB
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        // What the job holds first: most jobs read no `secrets:` and deploy nothing
        // (a fact of the table, filled for every job by `deploy-without-environment`),
        // so their `rules:` expressions are not read.
        let secrets = job
            .get("secrets")
            .and_then(Node::as_map)
            .is_some_and(|m| !m.is_empty());
        let what = if secrets {
            "reads external `secrets:`"
        } else if cx.facts.script_deploys(job) && !job.environment().is_some_and(review_environment)
        {
            "deploys"
        } else {
            return;
        };
        let Some((how, manual)) = runs_for_merge_requests(job) else {
            return;
        };
        cx.report(
            &META,
            wf.path,
            job_key_span(cx, wf, job, how),
            format!("Job `{}` runs in merge request pipelines (its `{how}:`) and {what}: the merge request's code runs with those credentials, or the job fails when they are protected.", job.id),
        )
        .severity(if manual { Severity::Low } else { Severity::Medium })
        .job(Some(job.id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The former reading (a substring search set up per call) as the oracle.
    fn mr_expression_by_contains(e: &str) -> bool {
        if memchr::memchr2(b'q', b'Q', e.as_bytes()).is_none() {
            return false;
        }
        let compact: String = e.split(char::is_whitespace).collect();
        let selects = compact.contains("==\"merge_request_event\"")
            || compact.contains("=='merge_request_event'")
            || compact.contains("=~/merge_request_event/")
            || ["$CI_MERGE_REQUEST_IID", "$CI_MERGE_REQUEST_ID"]
                .iter()
                .any(|v| {
                    compact.match_indices(v).any(|(i, m)| {
                        let rest = &compact[i + m.len()..];
                        !rest.starts_with("==null")
                            && !rest.starts_with("==\"\"")
                            && !compact[..i].ends_with('!')
                    })
                });
        let narrowed = compact.contains("CI_COMMIT_REF_PROTECTED")
            || compact.contains("$CI_COMMIT_TAG")
            || compact.contains("CI_DEFAULT_BRANCH");
        selects && !narrowed && !compact.contains("&&$CI_COMMIT_BRANCH")
    }

    #[test]
    fn mr_expression_equals_the_substring_search() {
        let exprs = [
            "",
            "$CI_PIPELINE_SOURCE == \"merge_request_event\"",
            "$CI_PIPELINE_SOURCE == 'merge_request_event'",
            "$CI_PIPELINE_SOURCE =~ /merge_request_event/",
            "$CI_PIPELINE_SOURCE != \"merge_request_event\"",
            "$CI_MERGE_REQUEST_IID",
            "$CI_MERGE_REQUEST_ID",
            "$CI_MERGE_REQUEST_IID == null",
            "$CI_MERGE_REQUEST_IID == \"\"",
            "!$CI_MERGE_REQUEST_IID",
            "!$CI_MERGE_REQUEST_IID || $CI_MERGE_REQUEST_ID",
            "$CI_MERGE_REQUEST_ID == null && $CI_MERGE_REQUEST_IID",
            "$CI_PIPELINE_SOURCE == \"merge_request_event\" && $CI_COMMIT_REF_PROTECTED == \"true\"",
            "$CI_PIPELINE_SOURCE == \"merge_request_event\" || $CI_COMMIT_TAG",
            "$CI_PIPELINE_SOURCE == \"merge_request_event\" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH",
            "$CI_MERGE_REQUEST_IID && $CI_COMMIT_BRANCH",
            "$CI_PIPELINE_SOURCE  ==  \"merge_request_event\"",
            "$CI_COMMIT_BRANCH == \"main\"",
            "$Q",
            "merge_request_event",
            "$CI_MERGE_REQUEST_IIDX",
            "é $CI_MERGE_REQUEST_IID é",
        ];
        for e in exprs {
            assert_eq!(mr_expression(e), mr_expression_by_contains(e), "{e:?}");
        }
        assert!(mr_expression(
            "$CI_PIPELINE_SOURCE == \"merge_request_event\""
        ));
        assert!(!mr_expression("$CI_MERGE_REQUEST_IID == null"));
    }
}
