//! `cost/image-built-twice`: two steps of one workflow run build the same container
//! image.

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::Workflow;

pub struct ImageBuiltTwice;

pub static META: RuleMeta = RuleMeta {
    id: "cost/image-built-twice",
    title: "Same image built twice in one run",
    severity: Severity::Info,
    confidence: Confidence::Medium,
    category: Category::CiPipeline,
    summary: "Two container builds (`docker/build-push-action`, `docker build`, `docker buildx build`) with the same context, Dockerfile, target, platforms and build arguments run in the same workflow run (their jobs' and steps' `if:` decided per event), without a layer cache.",
    impact: "The second build repeats every layer of the first: minutes a run, more under QEMU, for an image that already exists.",
    doc: r#"
## Why it matters
A common shape builds the image once to test it and again to push it. Tags,
`push:` and `load:` do not change what is built, so the second build redoes the
first. Build once and push (or `docker save` it as an artifact for the later job),
or share a layer cache (`cache-from: type=gha`), which pipewise takes as making the
second build cheap. Builds that differ per matrix leg are not compared.

## Bad
```yaml
jobs:
  test-image:
    steps:
      - run: docker build -t app:test .
      - run: docker run --rm app:test npm test
  publish:
    needs: test-image
    steps:
      - run: docker build -t ghcr.io/acme/app:latest . && docker push ghcr.io/acme/app:latest
```

## Good
```yaml
jobs:
  image:
    steps:
      - run: docker build -t ghcr.io/acme/app:${{ github.sha }} .
      - run: docker run --rm ghcr.io/acme/app:${{ github.sha }} npm test
      - run: docker push ghcr.io/acme/app:${{ github.sha }}
```
"#,
    fix: FixMeta {
        description: "Build the image once and reuse it (push it, save it as an artifact, or share a layer cache).",
        snippet: "cache-from: type=gha\ncache-to: type=gha,mode=max",
        effort_minutes: 30,
    },
    references: &["seed: 002 (removing a redundant Docker build)"],
};

impl Rule for ImageBuiltTwice {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        super::report(&META, wf, cx);
    }
}
