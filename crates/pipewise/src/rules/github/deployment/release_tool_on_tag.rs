//! `deployment/release-tool-on-tag`: a release tool that works from a branch
//! (semantic-release, release-please, changesets, release-it, standard-version) run in
//! a workflow that only tag pushes or published releases start.

use crate::finding::{Category, Confidence, Severity, Span};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::shell::Command;
use crate::workflow::{Step, Workflow};

pub struct ReleaseToolOnTag;

pub static META: RuleMeta = RuleMeta {
    id: "deployment/release-tool-on-tag",
    title: "Branch-based release tool runs on a tag",
    severity: Severity::Medium,
    confidence: Confidence::High,
    category: Category::Release,
    summary: "semantic-release, release-please, changesets, release-it or standard-version runs in a workflow that only a tag push or a published release starts, but these tools compute the next version from a branch's commits and push tags and commits to that branch.",
    impact: "On a tag the job has a detached HEAD and no release branch: semantic-release logs that the branch is not configured and exits successfully without releasing, release-please and changesets find nothing to do — the workflow is green and no release is made.",
    doc: r#"
## Why it matters
Branch-based release tools are the thing that *creates* the tag: they read the commits
on a release branch since the last tag, decide the version, write the changelog and
push a tag (and often a commit). Started by a tag push, `github.ref` is
`refs/tags/v1.2.3`: semantic-release refuses to run on a branch it is not configured
for and exits 0 ("This test run was triggered on the branch … which is not configured
to be published"), release-please and changesets look at the wrong ref. The run is
green and nothing is published. Either run the tool on pushes to the release branch,
or, when tags are created by hand, publish with a tag-driven step (`gh release
create`, `npm publish`, `softprops/action-gh-release`).

## Bad
```yaml
on:
  push:
    tags: ["v*"]
jobs:
  release:
    steps:
      - uses: actions/checkout@v4
      - run: npx semantic-release
```

## Good
```yaml
on:
  push:
    branches: [main]
jobs:
  release:
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          fetch-depth: 0
      - run: npx semantic-release
```
"#,
    fix: FixMeta {
        description: "Run the release tool on pushes to the release branch (it creates the tag), or keep the tag trigger and publish with a tag-driven step instead.",
        snippet: "on:\n  push:\n    branches: [main]",
        effort_minutes: 15,
    },
    references: &[
        "https://semantic-release.gitbook.io/semantic-release/usage/ci-configuration",
        "https://github.com/googleapis/release-please-action",
    ],
};

/// Release tools that must run on a branch.
const TOOLS: &[&str] = &[
    "semantic-release",
    "release-please",
    "standard-version",
    "release-it",
    "changeset",
];
const ACTIONS: &[&str] = &[
    "googleapis/release-please-action",
    "google-github-actions/release-please-action",
    "changesets/action",
    "cycjimmy/semantic-release-action",
    "codfish/semantic-release-action",
];

/// The workflow's trigger span when every trigger is tag-only (`push` with only
/// `tags`, or `release`/`create`).
fn tag_only(wf: &Workflow) -> Option<Span> {
    if wf.triggers.is_empty() {
        return None;
    }
    let mut span = None;
    for t in &wf.triggers {
        let tagged = match t.event {
            "release" => true,
            "push" => t
                .config
                .map(|c| {
                    c.get("tags").is_some()
                        && c.get("branches").is_none()
                        && c.get("branches-ignore").is_none()
                })
                .unwrap_or(false),
            _ => false,
        };
        if !tagged {
            return None;
        }
        span.get_or_insert(t.span);
    }
    span
}

fn tool_in(c: &Command) -> Option<String> {
    let n = c.base_name();
    let inner = if matches!(n, "npx" | "pnpx" | "bunx")
        || (matches!(n, "pnpm" | "yarn")
            && c.args()
                .first()
                .is_some_and(|w| w.text == "dlx" || w.text == "exec"))
    {
        c.args()
            .iter()
            .find(|w| !w.text.starts_with('-') && !matches!(w.text.as_str(), "dlx" | "exec"))
            .map(|w| w.text.as_str())
            .unwrap_or("")
    } else {
        n
    };
    let inner = inner.rsplit('/').next().unwrap_or(inner);
    let inner = inner.split('@').next().unwrap_or(inner);
    if !TOOLS.contains(&inner) {
        return None;
    }
    // `changeset publish` works from a tag checkout; `changeset version` does not.
    if inner == "changeset" && !c.has_arg("version") {
        return None;
    }
    Some(inner.to_string())
}

fn step_tool(s: &Step) -> Option<(Option<Span>, String)> {
    if let Some(a) = s.action() {
        return ACTIONS
            .contains(&a)
            .then(|| (s.uses.map(|u| u.span), format!("`{a}`")));
    }
    let script = s.run.as_ref()?.script.as_ref()?;
    script
        .commands
        .iter()
        .find_map(|c| tool_in(c).map(|t| (Some(c.span), format!("`{t}`"))))
}

impl Rule for ReleaseToolOnTag {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        let Some(trigger) = tag_only(wf) else { return };
        for job in &wf.jobs {
            for s in &job.steps {
                let Some((span, tool)) = step_tool(s) else {
                    continue;
                };
                let span = match (span, &s.run) {
                    (Some(sp), Some(run)) => run.source_span(wf.doc, sp),
                    (Some(sp), None) => sp,
                    (None, _) => s.anchor(),
                };
                cx.report(
                    &META,
                    wf.path,
                    span,
                    format!("{tool} computes the release from a branch, but this workflow only runs on tags or published releases: on a tag it finds no release branch and exits without releasing."),
                )
                .job(Some(job.id))
                .step(Some(s.label()))
                .related(wf.path, trigger, "tag-only trigger");
                return;
            }
        }
    }
}
