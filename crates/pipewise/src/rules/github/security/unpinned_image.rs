//! `security/unpinned-image`: job `container:` and `services:` images that are not
//! pinned by digest (`image@sha256:…`), worst when untagged or `latest`.

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Job, Workflow};
use pipewise_yaml::Node;

pub struct UnpinnedImage;

pub static META: RuleMeta = RuleMeta {
    id: "security/unpinned-image",
    title: "Container image is not pinned by digest",
    severity: Severity::Medium,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "A job `container:` or `services:` image referenced by a tag (low) or by no tag / `latest` (high for the container of a job that publishes, medium for other job containers, low for services) instead of an immutable `@sha256:` digest.",
    impact: "The job runs whatever image the tag points to today; a re-pushed or compromised tag runs new code with the job's secrets and token.",
    doc: r#"
## Why it matters
Tags are mutable: the registry owner (or anyone who compromises the account) can push
a different image under the same tag. A job container runs every step of the job; a
service container shares its network. Pinning by digest makes runs reproducible and
turns image updates into reviewed changes (Dependabot and Renovate update digests).

## Bad
```yaml
container: node:latest
services:
  db:
    image: postgres
```

## Good
```yaml
container: node:20.11@sha256:3f1c4c1b6bde7e4a8ff1f3b4e1ffa1b3b4b47c8dd6d3d2a3a3e0c3e5d4b0a1c2
services:
  db:
    image: postgres:16.2@sha256:9a3ea6b1b2b7d1f7c3a0c2f5a1fa5c1d0a2f3b4c5d6e7f8a9b0c1d2e3f4a5b6c
```
"#,
    fix: FixMeta {
        description: "Pin the image by digest and keep the tag for readability.",
        snippet: "image: postgres:16.2@sha256:<digest>",
        effort_minutes: 5,
    },
    references: &["zizmor: unpinned-images"],
};

fn image_node(n: &Node) -> Option<&Node> {
    if n.as_str().is_some() {
        Some(n)
    } else {
        n.get("image")
    }
}

/// Literal values of `matrix.<key>` when the image is exactly `${{ matrix.<key> }}`.
fn matrix_images<'a>(job: &Job<'a>, img: &str) -> Vec<&'a str> {
    let key = img
        .trim()
        .strip_prefix("${{")
        .and_then(|s| s.strip_suffix("}}"))
        .map(str::trim)
        .and_then(|s| s.strip_prefix("matrix."));
    let Some(key) = key else { return vec![] };
    if !super::common::matrix_is_static(Some(job), key) {
        return vec![];
    }
    let Some(m) = job.get("strategy").and_then(|s| s.get("matrix")) else {
        return vec![];
    };
    let mut out = vec![];
    if let Some(v) = m.get(key) {
        match v.as_seq() {
            Some(items) => out.extend(items.iter().filter_map(Node::as_str)),
            None => out.extend(v.as_str()),
        }
    }
    if let Some(inc) = m.get("include").and_then(Node::as_seq) {
        out.extend(
            inc.iter()
                .filter_map(|i| i.get(key))
                .filter_map(Node::as_str),
        );
    }
    out
}

fn check(wf: &Workflow, job: &Job, what: &str, node: &Node, cx: &mut Ctx) {
    let Some(img) = node.as_str() else { return };
    let mut values = matrix_images(job, img);
    values.sort_unstable();
    values.dedup();
    if !values.is_empty() {
        for v in values {
            check_one(wf, job, what, node, v, cx);
        }
        return;
    }
    check_one(wf, job, what, node, img, cx);
}

fn check_one(wf: &Workflow, job: &Job, what: &str, node: &Node, img: &str, cx: &mut Ctx) {
    let img = img.trim();
    if img.is_empty() || img.contains("${{") || img.contains("@sha256:") {
        return;
    }
    let last = img.rsplit('/').next().unwrap_or(img);
    let tag = last.split_once(':').map(|(_, t)| t);
    // Severity by what the image can reach: a job container runs every step (high
    // when the job publishes or deploys, medium otherwise); a service container
    // only serves the job's tests over the network (low).
    let service = what.starts_with("Service");
    let publishes = crate::effects::job_publishes(cx.facts, job).is_some();
    let (sev, msg) = match tag {
        None | Some("latest") => (
            if service {
                Severity::Low
            } else if publishes {
                Severity::High
            } else {
                Severity::Medium
            },
            format!(
                "{what} image `{img}` has no tag or uses `latest`: every run may pull a different image{}.",
                if service {
                    " (a service the tests talk to; it does not run the job's steps)"
                } else if publishes {
                    ", and it runs every step of a job that publishes"
                } else {
                    ""
                }
            ),
        ),
        Some(t) => (
            Severity::Low,
            format!("{what} image `{img}` is pinned only by the mutable tag `{t}`, not by digest."),
        ),
    };
    cx.report(&META, wf.path, node.span, msg)
        .severity(sev)
        .job(Some(job.id))
        .fix(
            "Pin the image by digest (`docker buildx imagetools inspect <image>` prints it).",
            format!(
                "{}@sha256:<digest>",
                if tag.is_some() {
                    img.to_string()
                } else {
                    format!("{img}:<version>")
                }
            ),
            5,
        );
}

impl Rule for UnpinnedImage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        if let Some(c) = job.get("container").and_then(image_node) {
            check(wf, job, "Job container", c, cx);
        }
        if let Some(services) = job.get("services").and_then(|s| s.as_map()) {
            for e in services {
                let name = e.key.as_str().unwrap_or("service");
                if let Some(i) = image_node(&e.value) {
                    check(wf, job, &format!("Service `{name}`"), i, cx);
                }
            }
        }
    }
}
