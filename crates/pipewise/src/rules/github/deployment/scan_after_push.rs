//! `deployment/scan-after-push`: an image is pushed to a registry before the
//! vulnerability scanner runs on it (same job, or a later job that needs the pushing job).

use crate::finding::{Category, Confidence, Severity};
use crate::intent::{step_pushes_image, step_scans_image};
use crate::needs::{Dir, NeedsGraph};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Job, Step, Workflow};

pub struct ScanAfterPush;

pub static META: RuleMeta = RuleMeta {
    id: "deployment/scan-after-push",
    title: "Image is scanned after it is pushed",
    severity: Severity::High,
    confidence: Confidence::Medium,
    category: Category::Security,
    summary: "A container image is pushed (`build-push-action` with `push: true`, `docker push`) before the step that scans it for vulnerabilities.",
    impact: "A vulnerable image is already in the registry (and can be pulled and deployed) by the time the scan fails.",
    doc: r#"
## Why it matters
The point of an image scan is to keep vulnerable images out of the registry. If the
push comes first, the scan can only report on an image that is already published,
tagged `latest`, and possibly rolled out by whatever watches the registry. Critical
when the image is pushed on every run (`push: true`, `docker push`), high when the
push depends on the event (`push: ${{ github.event_name != 'pull_request' }}`).

## Bad
```yaml
- uses: docker/build-push-action@v5
  with: { push: true, tags: ghcr.io/acme/app:latest }
- uses: aquasecurity/trivy-action@master
  with: { image-ref: ghcr.io/acme/app:latest, exit-code: '1' }
```

## Good
```yaml
- uses: docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a # v7.3.0
  with: { load: true, tags: app:scan }
- uses: aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25 # v0.36.0
  with: { image-ref: app:scan, exit-code: '1', severity: 'CRITICAL,HIGH' }
- uses: docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a # v7.3.0
  with: { push: true, tags: ghcr.io/acme/app:latest }
```
"#,
    fix: FixMeta {
        description: "Build with `load: true`, scan the local image, and push only after the scan passes.",
        snippet: "- uses: docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a # v7.3.0\n  with:\n    load: true\n    tags: app:scan\n- uses: aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25 # v0.36.0\n  with:\n    image-ref: app:scan\n    exit-code: '1'\n- uses: docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a # v7.3.0\n  with:\n    push: true",
        effort_minutes: 30,
    },
    references: &["seed: 000 CRITICAL-5"],
};

impl Rule for ScanAfterPush {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        // For every job, the first pushing job among those it needs (transitively):
        // one walk over the `needs:` graph for the whole workflow.
        let pushing: Vec<usize> = wf
            .jobs
            .iter()
            .enumerate()
            .filter(|(_, j)| j.steps.iter().any(step_pushes_image))
            .map(|(i, _)| i)
            .collect();
        if pushing.is_empty() {
            return;
        }
        let pusher = NeedsGraph::new(wf).first_source(&pushing, Dir::Down);
        for (ji, job) in wf.jobs.iter().enumerate() {
            let push_before = pusher
                .get(ji)
                .copied()
                .flatten()
                .and_then(|p| wf.jobs.get(p))
                .and_then(|j| {
                    j.steps
                        .iter()
                        .find(|s| step_pushes_image(s))
                        .map(|s| (j.id, s))
                });
            check_job(wf, job, push_before, cx);
        }
    }
}

fn check_job<'w>(
    wf: &'w Workflow,
    job: &'w Job,
    push_before: Option<(&'w str, &'w Step<'w>)>,
    cx: &mut Ctx,
) {
    let push_here = job.steps.iter().find(|s| step_pushes_image(s));
    for scan in job.steps.iter().filter(|s| step_scans_image(s)) {
        let pushed = match push_here.filter(|p| p.index < scan.index) {
            Some(p) => Some((job.id, p)),
            None => push_before,
        };
        let Some((pjob, push)) = pushed else { continue };
        let where_ = if pjob == job.id {
            "earlier in this job".to_string()
        } else {
            format!("in job `{pjob}`, which this job needs")
        };
        cx.report(
            &META,
            wf.path,
            scan.anchor(),
            format!(
                "step `{}` scans the image after step `{}` already pushed it ({where_}): a vulnerable image is published before the scan can stop it.",
                scan.label(),
                push.label()
            ),
        )
        .severity(if always_pushes(push) {
            Severity::Critical
        } else {
            Severity::High
        })
        .job(Some(job.id))
        .step(Some(scan.label()))
        .related(wf.path, push.anchor(), "image pushed here");
        return;
    }
}

/// The push happens on every run (`push: true`, `docker push`), not only on some
/// events (`push: ${{ github.event_name != 'pull_request' }}`).
fn always_pushes(step: &crate::workflow::Step) -> bool {
    match step.with.and_then(|w| w.get("push")) {
        Some(n) => n.as_bool() == Some(true) || n.as_str().is_some_and(|v| v.trim() == "true"),
        None => step.run.is_some(),
    }
}
