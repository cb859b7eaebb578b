//! `gitlab/duplicate-key`: a key written twice in the same mapping of a GitLab CI
//! file (a job defined twice, `only:` twice). GitLab keeps the last one without a
//! word; the earlier definition is dead code that reviewers still read.

use super::GITLAB;
use crate::finding::{Category, Confidence, Severity, Span};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Platform, Workflow};

pub struct DuplicateKey;

pub static META: RuleMeta = RuleMeta {
    id: "gitlab/duplicate-key",
    title: "Key defined twice",
    severity: Severity::Low,
    confidence: Confidence::High,
    category: Category::CiPipeline,
    summary: "The same key appears twice in one mapping of a GitLab CI file; GitLab silently uses the last one.",
    impact: "The first definition (a job, its `only:` or `variables:`) never takes effect, while reviewers read it as if it did.",
    doc: r#"
## Why it matters
YAML says keys are unique; GitLab's parser accepts a repeated key and keeps the last
value. A job defined twice runs only as its second definition; `variables:` written
twice loses the first block entirely. (pipewise audits the first definition and
reports the repetition.)

## Bad
```yaml
test:
  script: make test
test:
  script: make check
```

## Good
```yaml
test:
  script: make check
```
"#,
    fix: FixMeta {
        description: "Merge the two definitions into one, or rename one of them.",
        snippet: "test:\n  script: make check",
        effort_minutes: 5,
    },
    references: &["https://yaml.org/spec/1.2.2/#mapping"],
};

impl Rule for DuplicateKey {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn platforms(&self) -> &'static [Platform] {
        GITLAB
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        for w in &wf.doc.warnings {
            let Some(rest) = w.message.strip_prefix("duplicate key `") else {
                continue;
            };
            let key = rest.split('`').next().unwrap_or("");
            let first = rest
                .split("line ")
                .nth(1)
                .and_then(|s| s.split(')').next())
                .unwrap_or("?");
            let Some(start) = wf.doc.lines().line_start(w.position.line) else {
                continue;
            };
            let line = wf.doc.line_text(w.position.line);
            let at = start + line.len() - line.trim_start().len();
            cx.report(
                &META,
                wf.path,
                Span::new(at, at + key.len()),
                format!("`{key}` is defined again here (first on line {first}); GitLab keeps only this one and ignores the first."),
            );
        }
    }
}
