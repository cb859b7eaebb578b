//! `gitlab/unpinned-include`: configuration pulled from elsewhere that can change
//! under the pipeline: `include: project:` without `ref:` or with a branch,
//! components at `~latest` or a branch, `remote:` includes without `integrity:`.
//! GitLab's own `template:` includes ship with the GitLab instance and are not
//! reported.

use super::GITLAB;
use crate::finding::{Category, Confidence, Severity};
use crate::gitlab::include::{entries, IncludeKind};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Platform, Workflow};

pub struct UnpinnedInclude;

pub static META: RuleMeta = RuleMeta {
    id: "gitlab/unpinned-include",
    title: "Included configuration is not pinned",
    severity: Severity::Medium,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "An `include:` of another project, a component or a remote URL follows a branch, `~latest`, or a URL without `integrity:`.",
    impact: "Whoever can push to the included project or host changes what your jobs run, with your variables and tokens, without a commit in your repository.",
    doc: r#"
## Why it matters
Included configuration is code that runs in your pipeline. `project:` without `ref:`
follows the included project's default branch; a component at `~latest` or `main`
moves with every release or push; a `remote:` URL serves whatever the host returns.
A commit SHA or a released version (and `integrity:` for remote files) make the
pipeline reproducible and reviewable.

## Bad
```yaml
include:
  - project: platform/ci-templates
    file: build.yml
  - component: $CI_SERVER_FQDN/platform/components/lint@~latest
  - remote: https://example.com/ci/deploy.yml
```

## Good
```yaml
include:
  - project: platform/ci-templates
    ref: 3f6c1d2e9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d
    file: build.yml
  - component: $CI_SERVER_FQDN/platform/components/lint@1.4.2
  - remote: https://example.com/ci/deploy.yml
    integrity: sha256-L3/GAoKaw0Arw6hDCKeKQlV1QPEgHYxGBHsH4zG1IY8=
```
"#,
    fix: FixMeta {
        description: "Pin includes to a commit SHA or released version; add `integrity:` to remote includes.",
        snippet: "include:\n  - project: platform/ci-templates\n    ref: v2.3.1\n    file: build.yml",
        effort_minutes: 10,
    },
    references: &["https://docs.gitlab.com/ci/yaml/includes/", "https://docs.gitlab.com/ci/components/#component-versions"],
};

fn is_sha(r: &str) -> bool {
    r.len() >= 12 && r.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `v1`, `1.2.3`, `v2.0.0-rc1`, `release-1.4`: a version, not a branch.
fn is_version(r: &str) -> bool {
    let r = r.trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == '-' || c == '_');
    r.starts_with(|c: char| c.is_ascii_digit())
}

impl Rule for UnpinnedInclude {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn platforms(&self) -> &'static [Platform] {
        GITLAB
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        let Some(inc) = wf.root.get("include") else {
            return;
        };
        for i in entries(inc) {
            let why = match i.kind {
                IncludeKind::Local | IncludeKind::Template => continue,
                // A URL that names a commit (`…/-/raw/<sha>/file.yml`) is immutable.
                IncludeKind::Remote if i.integrity || i.target.split('/').any(|p| p.len() == 40 && is_sha(p)) => continue,
                IncludeKind::Remote => format!("`{}` is fetched without `integrity:`: the host decides what runs", i.target),
                IncludeKind::Project => match i.reference {
                    None => format!("project `{}` is included without `ref:`: it follows that project's default branch", i.target),
                    Some(r) if r.contains('$') || is_sha(r) || is_version(r) => continue,
                    Some(r) => format!("project `{}` is included at `{r}`, a branch that moves", i.target),
                },
                IncludeKind::Component => match i.reference {
                    None => format!("component `{}` has no version", i.target),
                    Some("~latest") => format!("component `{}` follows `~latest`", i.target),
                    Some(r) if r.contains('$') || is_sha(r) || is_version(r) => continue,
                    Some(r) => format!("component `{}` is used at `{r}`, a branch that moves", i.target),
                },
            };
            cx.report(
                &META,
                wf.path,
                i.target_node.span,
                format!("{why}; whoever can push there changes what this pipeline runs."),
            );
        }
    }
}
