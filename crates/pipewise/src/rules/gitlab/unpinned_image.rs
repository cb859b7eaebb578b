//! `gitlab/unpinned-image`: a job, template, `default:` or global `image:` or
//! `services:` entry without a tag or with `:latest`. Images named through variables
//! are not judged.

use super::{definitions, report_in, where_, GITLAB};
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Platform, Workflow};
use pipewise_yaml::{Node, NodeKind};

pub struct UnpinnedImage;

pub static META: RuleMeta = RuleMeta {
    id: "gitlab/unpinned-image",
    title: "Job image or service is not pinned",
    severity: Severity::Medium,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "A GitLab job `image:` or `services:` entry has no tag or uses `:latest`.",
    impact: "Every pipeline may run a different image: builds break without a code change, and whoever can push that tag runs code in your jobs.",
    doc: r#"
## Why it matters
`image: node` means `node:latest`, which moves with every upstream release. The job's
tools, and the code that sees your CI variables, change under you. A version tag
makes the pipeline reproducible; a digest (`@sha256:…`) makes it immutable.

## Bad
```yaml
test:
  image: python
  services: [postgres:latest]
```

## Good
```yaml
test:
  image: python:3.12-slim
  services: [postgres:16.4]
```
"#,
    fix: FixMeta {
        description: "Pin the image to a version tag, or better a digest.",
        snippet: "image: python:3.12-slim",
        effort_minutes: 5,
    },
    references: &["https://docs.gitlab.com/ci/yaml/#image"],
};

/// `None` when pinned; otherwise why not.
fn unpinned(image: &str) -> Option<&'static str> {
    let i = image.trim();
    // GitLab's hosted macOS runners name VM images (`macos-15-xcode-16`), not tags.
    if i.is_empty() || i.contains('$') || i.contains('@') || i.starts_with("macos-") {
        return None;
    }
    let last = i.rsplit('/').next().unwrap_or(i);
    match last.split_once(':') {
        None => Some("has no tag (it means `:latest`)"),
        Some((_, "latest")) => Some("uses `:latest`"),
        Some(_) => None,
    }
}

fn image_name(n: &Node) -> Option<&Node> {
    match &n.kind {
        NodeKind::Map(_) => n.get("name"),
        _ => Some(n),
    }
}

impl Rule for UnpinnedImage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn platforms(&self) -> &'static [Platform] {
        GITLAB
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        for (name, def) in definitions(wf) {
            let mut found: Vec<(&str, &Node)> = vec![];
            if let Some(i) = def.get("image").and_then(image_name) {
                found.push(("image", i));
            }
            for s in def.get("services").and_then(Node::as_seq).unwrap_or(&[]) {
                if let Some(i) = image_name(s) {
                    found.push(("service", i));
                }
            }
            for (what, node) in found {
                let Some(img) = node.as_str() else { continue };
                let Some(why) = unpinned(img) else { continue };
                report_in(
                    cx,
                    &META,
                    wf.path,
                    name,
                    node.span,
                    format!(
                        "The {what} `{img}` of {} {why}: each pipeline may pull a different image.",
                        where_(name)
                    ),
                );
            }
        }
    }
}
