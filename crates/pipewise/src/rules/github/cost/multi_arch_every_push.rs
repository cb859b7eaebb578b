//! `cost/multi-arch-every-push`: a multi-platform image build (often under QEMU
//! emulation) on every push or pull request, where one platform would do until a
//! release.

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::Workflow;

pub struct MultiArchEveryPush;

pub static META: RuleMeta = RuleMeta {
    id: "cost/multi-arch-every-push",
    title: "Multi-arch image built on every push",
    severity: Severity::Info,
    confidence: Confidence::Medium,
    category: Category::CiPipeline,
    summary: "A container image is built for several platforms (`platforms: linux/amd64,linux/arm64`, `--platform a,b`) on pushes or pull requests, not only on tags.",
    impact: "Each extra platform under QEMU emulation takes several times as long as a native build: minutes and money on every push for images nobody pulls.",
    doc: r#"
## Why it matters
Building `linux/arm64` on an x64 runner runs every compiler under QEMU emulation,
typically three to ten times slower than the native build. Pull requests and pushes
to the default branch only need to prove the image builds; the release needs every
platform. The finding says how many minutes a run and a month the change saves
(`pipewise cost` recomputes the month with your push and pull-request rates).

## Bad
```yaml
on: [push, pull_request]
jobs:
  image:
    steps:
      - uses: docker/setup-qemu-action@v3
      - uses: docker/build-push-action@v6
        with:
          platforms: linux/amd64,linux/arm64
```

## Good
```yaml
      - uses: docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a # v7.3.0
        with:
          platforms: ${{ startsWith(github.ref, 'refs/tags/') && 'linux/amd64,linux/arm64' || 'linux/amd64' }}
```
"#,
    fix: FixMeta {
        description: "Build every platform only on tags; one platform on pushes and pull requests.",
        snippet: "platforms: ${{ startsWith(github.ref, 'refs/tags/') && 'linux/amd64,linux/arm64' || 'linux/amd64' }}",
        effort_minutes: 15,
    },
    references: &["seed: 002 multi-arch builds only on tags"],
};

impl Rule for MultiArchEveryPush {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        super::report(&META, wf, cx);
    }
}
