//! `security/secret-exposure`: secrets handled so they leak or over-spread —
//! `toJSON(secrets)`, dynamic `secrets[...]`, a secret pasted onto a command line or
//! into a URL, echoed, or set in workflow-level `env:` where every step sees it.

use super::common::value_span;
use crate::finding::{Category, Confidence, Severity, Span};
use crate::github::expr::{find_embedded, Expr, ExprKind, PathKind};
use crate::keywords::contains_ignore_ascii_case;
use crate::rules::{entry_span, Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::workflow::Workflow;
use pipewise_yaml::{Document, Node};

pub struct SecretExposure;

pub static META: RuleMeta = RuleMeta {
    id: "security/secret-exposure",
    title: "Secret exposed or over-shared",
    severity: Severity::Medium,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "`toJSON(secrets)` (high), a dynamic `secrets[...]` index, a secret pasted onto a command line, into a URL or an `echo`, or a secret in workflow-level `env:` visible to every job and step.",
    impact: "Secrets end up in process lists, logs (log masking misses transformed values), artifacts, or in the hands of every action and script in the workflow.",
    doc: r#"
## Why it matters
`toJSON(secrets)` and `secrets[matrix.name]` make every repository and organisation
secret available to the job. A secret expanded into a command line is visible to
every process on the runner (`ps`, `/proc/*/cmdline`) and in debug logs; embedded in a
URL it ends up in tool output and error messages; echoing it defeats the log masking
as soon as it is transformed (base64, a substring). Secrets in workflow-level `env:`
are handed to every step of every job, including third-party actions that do not need
them.

## Bad
```yaml
env:
  NPM_TOKEN: ${{ secrets.NPM_TOKEN }}      # every step of every job
jobs:
  deploy:
    steps:
      - run: curl -u admin:${{ secrets.ADMIN_PASSWORD }} https://example.com/api
```

## Good
```yaml
jobs:
  deploy:
    steps:
      - env:
          ADMIN_PASSWORD: ${{ secrets.ADMIN_PASSWORD }}
        run: curl --fail -K- <<< "user = \"admin:${ADMIN_PASSWORD}\"" https://example.com/api
```
"#,
    fix: FixMeta {
        description: "Pass each secret through the `env:` of the one step that needs it and read it from the environment or stdin.",
        snippet: "- env:\n    TOKEN: ${{ secrets.TOKEN }}\n  run: ./deploy.sh   # reads $TOKEN",
        effort_minutes: 10,
    },
    references: &["zizmor: overprovisioned-secrets", "zizmor: secrets-outside-env"],
};

fn secret_access(e: &Expr) -> Option<(bool, bool)> {
    // (whole secrets object, dynamic index)
    let mut whole = false;
    let mut dynamic = false;
    e.visit(&mut |x| {
        if let ExprKind::Context(parts) = &x.kind {
            let is_secrets = matches!(parts.first().map(|p| &p.kind), Some(PathKind::Name(n)) if n.eq_ignore_ascii_case("secrets"));
            if is_secrets {
                if parts.len() == 1 {
                    whole = true;
                } else if let Some(PathKind::Index(ix)) = parts.get(1).map(|p| &p.kind) {
                    if !matches!(ix.kind, ExprKind::String(_)) {
                        dynamic = true;
                    }
                }
            }
        }
    });
    (whole || dynamic).then_some((whole, dynamic))
}

/// Every string scalar of the document with its `${{ }}`s checked for whole/dynamic access.
/// `secrets` as written, searched in every scalar of every file (built once).
static SECRETS: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new("secrets"));

/// Whether a double-quoted scalar of `src` could hold text that is not in the file
/// around a `secrets`: a hexadecimal escape (`\x73`, `\u0073`, `\U00000073`) or a
/// backslash ending a line (the line break and the next line's indentation are
/// removed). Every other escape spells a character that is not a letter, in place
/// of a backslash that is not a `.` either.
fn escapes_letters_or_joins(src: &[u8]) -> bool {
    memchr::memchr_iter(b'\\', src).any(|i| {
        matches!(
            src.get(i + 1),
            Some(b'x' | b'u' | b'U' | b'\n' | b'\r') | None
        )
    })
}

/// Whether `hay` names `secrets` (any case) somewhere other than as `secrets.`: only
/// there can an expression read the whole object (`toJSON(secrets)`) or index it
/// (`secrets[x]`); `secrets.NAME` and `secrets.*` are neither ([`secret_access`]).
fn names_bare_secrets(hay: &[u8]) -> bool {
    let Some(last) = hay.len().checked_sub("secrets".len()) else {
        return false;
    };
    memchr::memchr2_iter(b's', b'S', hay.get(..=last).unwrap_or(&[])).any(|i| {
        hay.get(i..i + "secrets".len())
            .is_some_and(|w| w.eq_ignore_ascii_case(b"secrets"))
            && hay.get(i + "secrets".len()) != Some(&b'.')
    })
}

fn scan_doc(path: &str, doc: &Document, cx: &mut Ctx) {
    // A scalar's text is its bytes in the file, except where a double-quoted scalar
    // escapes (`\x73`) or joins lines (`\` at a line's end), or where lines are folded
    // (a line break becomes a space or stays one) or `''` stands for `'`. None of
    // those without a backslash puts `secrets` in a scalar whose seven bytes are not
    // in the file, nor a `.` after it that the file does not have: so a file that
    // names `secrets` (in any case) only as `secrets.` has no scalar that names it
    // otherwise, unless an escape can spell a letter
    // (`\x`, `\u`, `\U`) or join two lines. One pass over the file instead of one per
    // scalar: most workflows name secrets only as `secrets.NAME`, and many carry a
    // backslash (a `\` ending a line of a `run: |` script).
    let src = doc.source().as_bytes();
    // Each `secrets` in any case, from one search of the file in lower case: whether
    // one is not followed by `.`, and whether one is not written in lower case.
    let lower: Vec<u8> = src.iter().map(u8::to_ascii_lowercase).collect();
    let (mut bare, mut other_case) = (false, false);
    for i in SECRETS.find_iter(&lower) {
        bare |= lower.get(i + "secrets".len()) != Some(&b'.');
        other_case |= src.get(i..i + "secrets".len()) != Some(b"secrets");
    }
    if !bare && !escapes_letters_or_joins(src) {
        return;
    }
    // Where the file has an escape or names `secrets` in another case, a scalar is
    // searched ignoring case; otherwise the exact search is enough (and cheaper).
    let any_case = other_case || memchr::memchr(b'\\', src).is_some();
    let mut hits: Vec<(Span, bool)> = vec![];
    doc.root.walk(&mut |n: &Node| {
        let Some(s) = n.as_str() else { return };
        let named = if any_case {
            contains_ignore_ascii_case(s, "secrets")
        } else {
            SECRETS.find(s.as_bytes()).is_some()
        };
        // `secrets.NAME` everywhere (most): neither the whole object nor an index, so
        // the expressions are not parsed.
        if !named || !names_bare_secrets(s.as_bytes()) {
            return;
        }
        for emb in find_embedded(s) {
            let Ok(e) = &emb.expr else { continue };
            if let Some((whole, _)) = secret_access(e) {
                hits.push((value_span(doc, n, emb.span), whole));
            }
        }
    });
    for (span, whole) in hits {
        if whole {
            cx.report(&META, path, span, "`toJSON(secrets)` hands every secret of the repository and organisation to this step.")
                .severity(Severity::High);
        } else {
            cx.report(&META, path, span, "A dynamic `secrets[...]` index makes every secret reachable from this job, so GitHub cannot limit what the job gets.")
                .severity(Severity::Medium);
        }
    }
}

/// Whether a value names a secret other than the job's own `GITHUB_TOKEN`, in any
/// case (`${{ Secrets.Deploy_Key }}` is a secret as much as `${{ secrets.DEPLOY_KEY }}`).
fn holds_secret(v: &str) -> bool {
    contains_ignore_ascii_case(v, "secrets.")
        && !contains_ignore_ascii_case(v, "secrets.github_token")
}

/// `echo "$TOKEN"` where `TOKEN` is bound to a secret in `env:`.
fn echoed_env_secrets(
    site: &StepSite,
    run: &crate::workflow::Run,
    script: &crate::shell::Script,
    cx: &mut Ctx,
) {
    for (ci, c) in script.commands.iter().enumerate() {
        if !matches!(c.base_name(), "echo" | "printf")
            || c.in_substitution
            || c.redirects.iter().any(|r| r.op.contains('>'))
        {
            continue;
        }
        // `echo "$TOKEN" | docker login --password-stdin`: piped, not logged.
        let piped = script.lists.iter().flat_map(|l| l.items.iter()).any(|it| {
            it.pipeline && it.commands.contains(&ci) && it.commands.iter().max() != Some(&ci)
        });
        if piped {
            continue;
        }
        // Words with a command substitution are judged by their inner commands.
        for w in c.args().iter().filter(|w| !w.text.contains("$(")) {
            for (i, _) in w.text.match_indices('$') {
                let name: String = w.text[i + 1..]
                    .trim_start_matches('{')
                    .chars()
                    .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '_')
                    .collect();
                if name.is_empty() {
                    continue;
                }
                let Some(v) = super::common::env_value(site.workflow, site.job, site.step, &name)
                    .and_then(|n| n.as_str())
                else {
                    continue;
                };
                if !holds_secret(v) {
                    continue;
                }
                let span = run.source_span(site.doc, c.span);
                cx.report(
                    &META,
                    site.path,
                    span,
                    format!("`{}` echoes `${name}`, which holds a secret, to the log (masking misses any transformed copy).", c.base_name()),
                )
                .confidence(Confidence::Medium)
                .site(site);
                return;
            }
        }
    }
}

impl Rule for SecretExposure {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        scan_doc(wf.path, wf.doc, cx);
        if let Some(env) = wf.root.get("env").and_then(|e| e.as_map()) {
            for e in env {
                let Some(v) = e.value.as_str() else { continue };
                if holds_secret(v) {
                    cx.report(
                        &META,
                        wf.path,
                        entry_span(e),
                        format!(
                            "`{}` puts a secret in workflow-level `env:`, so every step of {}, third-party actions included, receives it.",
                            e.key.as_str().unwrap_or("env"),
                            match wf.jobs.len() {
                                1 => "its only job".to_string(),
                                n => format!("all {n} jobs"),
                            }
                        ),
                    )
                    .severity(Severity::Low);
                }
            }
        }
    }
    fn action(&self, a: &crate::workflow::Action, cx: &mut Ctx) {
        scan_doc(a.path, a.doc, cx);
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        let Some(run) = &site.step.run else { return };
        let Some(script) = &run.script else { return };
        echoed_env_secrets(site, run, script, cx);
        if !contains_ignore_ascii_case(run.text, "secrets.") {
            return;
        }
        for emb in find_embedded(run.text) {
            let Ok(e) = &emb.expr else { continue };
            let secrets: Vec<String> = e
                .contexts()
                .into_iter()
                .filter(|(p, _)| p.starts_with("secrets.") && p != "secrets.github_token")
                .map(|(p, _)| p)
                .collect();
            let Some(name) = secrets.first() else {
                continue;
            };
            let line_start = run.text[..emb.span.start]
                .rfind('\n')
                .map(|i| i + 1)
                .unwrap_or(0);
            let before = &run.text[line_start..emb.span.start];
            // `VAR=${{ secrets.X }}` / `export VAR=…`: an assignment, not an argument.
            let assigned = before
                .trim_end_matches(['"', '\''])
                .strip_suffix('=')
                .map(|b| {
                    b.rsplit(|c: char| c.is_whitespace())
                        .next()
                        .map(|w| {
                            !w.is_empty()
                                && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        })
                        .unwrap_or(false)
                })
                .unwrap_or(false);
            // `cmd <<< "${{ secrets.X }}"` feeds stdin, not the command line.
            if assigned || before.contains("<<<") {
                continue;
            }
            let Some(cmd) = script
                .commands
                .iter()
                .filter(|c| c.span.start <= emb.span.start && emb.span.end <= c.span.end)
                .min_by_key(|c| c.span.end - c.span.start)
                .or_else(|| {
                    script
                        .commands
                        .iter()
                        .filter(|c| c.span.start >= line_start && c.span.start <= emb.span.start)
                        .max_by_key(|c| c.span.start)
                })
            else {
                continue;
            };
            let overlaps = |w: &&crate::shell::Word| {
                w.span.start < emb.span.end && emb.span.start < w.span.end
            };
            let word = cmd.words.iter().find(overlaps);
            let cname = cmd.base_name();
            let in_url = word.map(|w| w.text.contains("://")).unwrap_or(false)
                || before
                    .rsplit(char::is_whitespace)
                    .next()
                    .map(|w| w.contains("://"))
                    .unwrap_or(false);
            let shown = run
                .text
                .get(emb.inner.start..emb.inner.end)
                .unwrap_or(name)
                .trim();
            let (sev, what) = match cname {
                "echo" | "printf" => {
                    if cmd.redirects.iter().any(|r| r.op.contains('>')) {
                        continue; // written to a file, not the log
                    }
                    (
                        Severity::Medium,
                        "is echoed to the log (masking misses any transformed copy)",
                    )
                }
                "export" | "local" | "declare" | "readonly" | "test" | "[" | "[[" | "typeset" => {
                    continue
                }
                // `VAR=${{ secrets.X }} cmd` assignments are not words of the command.
                _ if in_url => (
                    Severity::Medium,
                    "is embedded in a URL, which tools print in errors and logs",
                ),
                _ => (
                    Severity::Medium,
                    "is on the command line, visible to every process on the runner",
                ),
            };
            let span = run.source_span(site.doc, emb.span);
            cx.report(
                &META,
                site.path,
                span,
                format!("`{shown}` {what} (`{cname}`)."),
            )
            .severity(sev)
            .confidence(Confidence::Medium)
            .site(site);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The prefilter keeps every scalar whose expressions read the whole `secrets`
    /// object or index it, and drops those that only name `secrets.NAME`.
    #[test]
    fn bare_secrets_prefilter_keeps_every_whole_or_indexed_access() {
        let found = |s: &str| {
            find_embedded(s)
                .iter()
                .any(|emb| emb.expr.as_ref().is_ok_and(|e| secret_access(e).is_some()))
        };
        for s in [
            "${{ toJSON(secrets) }}",
            "${{ toJson(SECRETS) }}",
            "x ${{ secrets.A }} ${{ Secrets[matrix.name] }}",
            "${{ secrets [inputs.k] }}",
            "${{ secrets }}",
            "${{ format('{0}', secrets) }}",
            "${{ secrets.A }}${{ toJSON(secrets)}}",
        ] {
            assert!(found(s), "{s}");
            assert!(names_bare_secrets(s.as_bytes()), "{s}");
        }
        for s in [
            "${{ secrets.A }}",
            "${{ SECRETS.B }} and ${{ secrets.c }}",
            "${{ toJSON(secrets.*) }}",
            "${{ secrets['A'] }}x${{ secrets.B }}",
            "no expression",
        ] {
            assert!(!found(s), "{s}");
        }
        for s in [
            "${{ secrets.A }}",
            "${{ SECRETS.B }} and ${{ secrets.c }}",
            "secrets.x",
            "secret",
            "ecrets",
            "cs",
            "c",
        ] {
            assert!(!names_bare_secrets(s.as_bytes()), "{s}");
        }
        // At either end, in any case, and followed by anything but a `.`.
        for s in ["secrets", "SeCrEtS", "xsecrets:", "secrets\n.x", "secrets]"] {
            assert!(names_bare_secrets(s.as_bytes()), "{s}");
        }
    }
}
