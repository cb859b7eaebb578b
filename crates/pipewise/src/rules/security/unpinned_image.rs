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
    summary: "A job `container:` or `services:` image referenced by a tag (low) or by no tag / `latest` (high) instead of an immutable `@sha256:` digest.",
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

fn check(wf: &Workflow, job: &Job, what: &str, node: &Node, cx: &mut Ctx) {
    let Some(img) = node.as_str() else { return };
    let img = img.trim();
    if img.is_empty() || img.contains("${{") || img.contains("@sha256:") {
        return;
    }
    let last = img.rsplit('/').next().unwrap_or(img);
    let tag = last.split_once(':').map(|(_, t)| t);
    let (sev, msg) = match tag {
        None | Some("latest") => (
            Severity::High,
            format!("{what} image `{img}` has no tag or uses `latest`: every run may pull a different image."),
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
