//! `security/dependabot-insecure-execution`: a Dependabot update entry with
//! `insecure-external-code-execution: allow`.

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{entry_span, Ctx, FixMeta, Rule, RuleMeta};
use crate::source::{FileKind, SourceFile};

pub struct DependabotInsecureExecution;

pub static META: RuleMeta = RuleMeta {
    id: "security/dependabot-insecure-execution",
    title: "Dependabot may execute dependency code",
    severity: Severity::High,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "A `dependabot.yml` update entry sets `insecure-external-code-execution: allow`: high when the entry also has `registries:` (their credentials are exposed), medium otherwise.",
    impact: "Code from the dependencies being updated (a `setup.py`, a gemspec, a `mix.exs`) runs inside Dependabot's updater, where it can read the private-registry credentials configured for that update.",
    doc: r#"
## Why it matters
For bundler, mix and pip, resolving versions can mean running code shipped in the
manifests of dependencies. Dependabot refuses to do that unless
`insecure-external-code-execution: allow` is set; with it, a malicious or hijacked
package version runs in the update job, which has access to the registry
credentials listed under `registries:` for that entry. Prefer fixing what needs
execution (static metadata in `pyproject.toml`, vendored gemspec) over allowing it.

## Bad
```yaml
updates:
  - package-ecosystem: pip
    directory: /
    insecure-external-code-execution: allow
    registries: [private-pypi]
    schedule: { interval: weekly }
```

## Good
```yaml
updates:
  - package-ecosystem: pip
    directory: /
    registries: [private-pypi]
    schedule: { interval: weekly }
```
"#,
    fix: FixMeta {
        description: "Remove `insecure-external-code-execution: allow` (or set it to `deny`) and make the manifests resolvable without running code.",
        snippet: "    insecure-external-code-execution: deny",
        effort_minutes: 15,
    },
    references: &[
        "https://docs.github.com/en/code-security/dependabot/working-with-dependabot/dependabot-options-reference#insecure-external-code-execution--",
    ],
};

impl Rule for DependabotInsecureExecution {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn file(&self, f: &SourceFile, cx: &mut Ctx) {
        if f.kind != FileKind::Dependabot {
            return;
        }
        let Some(doc) = &f.yaml else { return };
        for u in doc
            .root
            .get("updates")
            .and_then(|u| u.as_seq())
            .unwrap_or(&[])
        {
            let Some(e) = u.entry("insecure-external-code-execution") else {
                continue;
            };
            if e.value.as_str().map(|s| s.trim().to_ascii_lowercase()) != Some("allow".into()) {
                continue;
            }
            let eco = u
                .get("package-ecosystem")
                .and_then(|n| n.as_str())
                .unwrap_or("?");
            let registries = u
                .get("registries")
                .is_some_and(|r| !r.is_null() && r.as_seq().is_none_or(|s| !s.is_empty()));
            let b = cx.report(
                &META,
                &f.path,
                entry_span(e),
                if registries {
                    format!("The `{eco}` update allows dependency code to run during updates, with this entry's registry credentials in reach.")
                } else {
                    format!("The `{eco}` update allows dependency code to run during updates.")
                },
            );
            if !registries {
                b.severity(Severity::Medium);
            }
        }
    }
}
