//! `reliability/stale-exit-status`: `$?` read before any command has run in the
//! script. Each step (and each script) starts a new shell, so it is always 0.

use crate::finding::{Category, Confidence, Severity, Span};
use crate::rules::{step_scripts_iter, Ctx, FixMeta, Rule, RuleMeta, StepSite};

pub struct StaleExitStatus;

pub static META: RuleMeta = RuleMeta {
    id: "reliability/stale-exit-status",
    title: "`$?` is read before any command ran",
    severity: Severity::High,
    confidence: Confidence::High,
    category: Category::Testing,
    summary: "A `run:` block (or a script) that tests `$?` before running any command: every step runs in a fresh shell, so `$?` is always 0 there and the check always passes.",
    impact: "A check that is meant to detect a failure in an earlier step can never fail.",
    doc: r#"
## Why it matters
`$?` holds the exit status of the last command *in the current shell*. Each step of a
job starts a new shell, so at the top of a `run:` block `$?` is 0, whatever happened in
the previous step. `if [ $? -eq 0 ]` as the first line is always true.

## Bad
```yaml
- name: Check test results
  run: |
    if [ $? -eq 0 ]; then
      echo "status=success" >> $GITHUB_OUTPUT
    fi
```

## Good
```yaml
- name: Run load test
  id: load
  run: k6 run test.js
- name: Check test results
  if: always()
  run: |
    if [ "${{ steps.load.outcome }}" = "success" ]; then
      echo "status=success" >> "$GITHUB_OUTPUT"
    fi
```
"#,
    fix: FixMeta {
        description: "Check the previous step's `steps.<id>.outcome` (or run the command in the same step) instead of `$?`.",
        snippet: "if [ \"${{ steps.test.outcome }}\" != \"success\" ]; then\n  exit 1\nfi",
        effort_minutes: 20,
    },
    references: &["seed: 000 HIGH-3"],
};

impl Rule for StaleExitStatus {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    /// Reads scripts and images only: holds on every platform.
    fn platforms(&self) -> &'static [crate::workflow::Platform] {
        crate::workflow::Platform::ALL
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        for ss in step_scripts_iter(site, cx.facts, cx.scripts, cx.repo) {
            let text = match ss.run {
                Some(r) => r.text,
                None => match cx.script(ss.path) {
                    Some(s) => s.file.text(),
                    None => continue,
                },
            };
            // A step's own lines without a `?` read no `$?` nor `${?}` (one byte
            // search, cheaper than asking the context about a GitLab line).
            if ss.run.is_some() && memchr::memchr(b'?', text.as_bytes()).is_none() {
                continue;
            }
            // A script several steps run (a GitLab template's line): whether it reads
            // `$?` is asked once (most read none); a script of its own is searched once.
            if ss.shared()
                && !cx.script_fact(&ss, "reads `$?`", |s| first_status_read(text, s).is_some())
            {
                continue;
            }
            let Some(pos) = first_status_read(text, ss.script) else {
                continue;
            };
            // Some command must have finished before `$?` is read.
            if ss.script.commands.iter().any(|c| c.span.end <= pos) {
                continue;
            }
            // Nothing but comments and blank lines before it (commands hidden in a
            // quoted `bash -c "…"` still count), and not a loop condition
            // (`while [[ $? == 0 ]]` is re-read after the body ran).
            let line_start = text[..pos].rfind('\n').map(|p| p + 1).unwrap_or(0);
            let before_code = text[..line_start]
                .lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
            let prefix = text[line_start..pos].trim_start();
            if before_code || prefix.starts_with("while") || prefix.starts_with("until") {
                continue;
            }
            let span = ss.span(site.doc, Span::new(pos, pos + 2));
            let mut b = cx
                .report(
                    &META,
                    ss.path,
                    span,
                    "`$?` is read before any command has run in this shell, so it is always 0 and this check always passes.",
                )
                .site(site);
            if let Some((via, _)) = &ss.via {
                b = b.related(site.path, *via, "script called from this step");
            }
            let _ = b;
        }
    }
}

/// Offset of the first `$?` (or `${?}`) outside comments and single quotes.
fn first_status_read(text: &str, script: &crate::shell::Script) -> Option<usize> {
    // One substring search each (a search for `$` then a compare stopped at every
    // variable of the script).
    static STATUS: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("$?"));
    static BRACED: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("${?}"));
    let mut from = 0;
    let find = |from: usize, needle: &memchr::memmem::Finder| {
        needle.find(text.as_bytes().get(from..)?).map(|i| i + from)
    };
    while let Some(i) = find(from, &STATUS).or_else(|| find(from, &BRACED)) {
        let in_comment = script
            .comments
            .iter()
            .any(|c| c.span.start <= i && i < c.span.end);
        let line_start = text[..i].rfind('\n').map(|p| p + 1).unwrap_or(0);
        let quotes = text[line_start..i].matches('\'').count();
        if !in_comment && quotes.is_multiple_of(2) {
            return Some(i);
        }
        from = i + 2;
    }
    None
}
