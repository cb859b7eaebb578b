//! `container/unpinned-base-image`: `FROM` images that float: `latest` or no tag
//! (medium), or a tag without a digest (info, "pedantic"; option `require-digest`).

use super::dockerfile;
use crate::dockerfile::{parse_image_ref, Dockerfile, Stage};
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::source::SourceFile;
use std::collections::HashMap;

pub struct UnpinnedBaseImage;

pub static META: RuleMeta = RuleMeta {
    id: "container/unpinned-base-image",
    title: "Base image is not pinned",
    severity: Severity::Medium,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "A `FROM` image without a tag or with a floating tag such as `latest` or `edge` (medium; `stable`/`lts`/`current` lines are low), or with a tag but no `@sha256:` digest (info, pedantic).",
    impact: "Each build can start from a different image: builds stop being reproducible, a breaking upstream release lands unreviewed, and a compromised tag ships straight into your image.",
    doc: r#"
## Why it matters
`FROM node` and `FROM node:latest` mean "whatever is newest today": the next build
may pick a new major version, a different OS, or (if the publisher is compromised)
different code. A version tag (`node:20.11-bookworm-slim`) is better but still
mutable: publishers re-push tags for security rebuilds. Only a digest is immutable;
Dependabot (`package-ecosystem: docker`) and Renovate keep digests up to date.

`scratch`, references to earlier build stages and images given by a build argument
without a default are not reported; `ARG BASE=node:20` defaults are resolved.

## Options
```toml
[options."container/unpinned-base-image"]
require-digest = false   # default true: report tags without a digest as info
```

## Bad
```dockerfile
FROM python
FROM node:latest
FROM alpine:edge
```

## Good
```dockerfile
FROM node:20.11.1-bookworm-slim@sha256:<digest>   # tag kept for humans, digest for builds
```
"#,
    fix: FixMeta {
        description: "Pin the base image to a specific version tag plus its digest, and let Dependabot or Renovate update it.",
        snippet: "FROM node:20.11.1-bookworm-slim@sha256:<digest from `docker buildx imagetools inspect node:20.11.1-bookworm-slim`>",
        effort_minutes: 10,
    },
    references: &[
        "hadolint: DL3006 (always tag the image), DL3007 (do not use latest)",
        "https://docs.docker.com/build/building/best-practices/#pin-base-image-versions",
    ],
};

/// Tags that follow a moving target rather than a release.
const FLOATING: &[&str] = &[
    "latest", "edge", "nightly", "rolling", "dev", "master", "main", "unstable", "testing", "sid",
    "stable", "lts", "current",
];

/// Floating tags that stay on a maintained release line: low rather than medium.
const RELEASE_LINES: &[&str] = &["stable", "lts", "current"];

/// The floating word of `latest`, `lts-slim`, `stable-alpine`, if the tag is one.
fn floating(tag: &str) -> Option<&'static str> {
    let lower = tag.to_ascii_lowercase();
    let first = lower.split(['-', '_']).next().unwrap_or("");
    FLOATING
        .iter()
        .copied()
        .find(|f| *f == lower || *f == first)
}

/// Global `ARG` defaults (`ARG NAME=value` before the first `FROM`), the first
/// definition of each name; read once per Dockerfile.
fn global_args(d: &Dockerfile) -> HashMap<&str, &str> {
    let mut out = HashMap::new();
    for i in d
        .instructions
        .iter()
        .filter(|i| i.is_global() && i.keyword == "ARG")
    {
        for w in i.args.split_whitespace() {
            if let Some((k, v)) = w.split_once('=') {
                out.entry(k)
                    .or_insert_with(|| v.trim_matches(|c| c == '"' || c == '\''));
            }
        }
    }
    out
}

/// Longest text a base image may resolve to (a value that refers to itself twice,
/// `ARG A=$A$A`, would double at each round).
const MAX_RESOLVED: usize = 4096;
/// Rounds of substitution (a default may name another argument).
const MAX_ROUNDS: usize = 8;

/// One pass over `text` replacing `$NAME` and `${NAME}` by their defaults: linear in
/// the text and the values it brings in.
fn substitute_once(text: &str, args: &HashMap<&str, &str>) -> String {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, len) = match after.strip_prefix('{') {
            Some(b) => match b.find('}') {
                Some(end) if !b[..end].is_empty() && b[..end].chars().all(is_name) => {
                    (&b[..end], end + 2)
                }
                _ => ("", 0),
            },
            None => {
                let end = after.find(|c: char| !is_name(c)).unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        match args.get(name).filter(|_| !name.is_empty()) {
            Some(v) => out.push_str(v),
            None => out.push_str(&rest[at..at + 1 + len]),
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// The image a stage starts from, with global `ARG` defaults substituted; `None`
/// when it is a build stage, `scratch`, or depends on an argument without default.
fn resolved_base(d: &Dockerfile, args: &HashMap<&str, &str>, stage: &Stage) -> Option<String> {
    let base = stage.base.trim();
    if base.is_empty() {
        return None;
    }
    if d.stage_by_name(base).is_some_and(|s| s.index < stage.index) {
        return None;
    }
    let mut out = base.to_string();
    for _ in 0..MAX_ROUNDS {
        if !out.contains('$') {
            break;
        }
        let next = substitute_once(&out, args);
        if next == out || next.len() > MAX_RESOLVED {
            return None;
        }
        out = next;
    }
    (!out.contains('$')).then_some(out)
}

impl Rule for UnpinnedBaseImage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    /// Reads Dockerfiles and compose files (its `file` hook), whatever CI runs them:
    /// its workflow, job and step hooks see no platform's workflows.
    fn platforms(&self) -> &'static [crate::workflow::Platform] {
        &[]
    }
    fn file(&self, f: &SourceFile, cx: &mut Ctx) {
        let Some(d) = dockerfile(f) else { return };
        let require_digest = cx
            .option_value(META.id, "require-digest")
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        let args = global_args(d);
        for stage in &d.stages {
            let Some(image) = resolved_base(d, &args, stage) else {
                continue;
            };
            let r = parse_image_ref(&image);
            if r.is_scratch() || r.is_pinned() {
                continue;
            }
            let via = if image != stage.base.trim() {
                format!(" (`{}` resolves to `{image}`)", stage.base.trim())
            } else {
                String::new()
            };
            match r.tag.as_deref() {
                None | Some("") => {
                    cx.report(
                        &META,
                        &f.path,
                        stage.base_span,
                        format!("`FROM {}`{via} has no tag, so every build pulls whatever `latest` is that day.", stage.base.trim()),
                    )
                    .title("Base image has no tag");
                }
                Some(tag) if floating(tag).is_some() => {
                    let line = floating(tag).is_some_and(|f| RELEASE_LINES.contains(&f));
                    cx.report(
                        &META,
                        &f.path,
                        stage.base_span,
                        format!("`FROM {}`{via} uses the floating `{tag}` tag, so every build may start from a different image.", stage.base.trim()),
                    )
                    .severity(if line { Severity::Low } else { Severity::Medium })
                    .title(format!("Base image uses `{tag}`"));
                }
                Some(tag) => {
                    if !require_digest {
                        continue;
                    }
                    cx.report(
                        &META,
                        &f.path,
                        stage.base_span,
                        format!("`FROM {}`{via} is pinned to the tag `{tag}` but not to a digest; the tag can be re-pushed.", stage.base.trim()),
                    )
                    .severity(Severity::Info)
                    .confidence(Confidence::High)
                    .title("Base image tag is not pinned by digest")
                    .fix(
                        "Add the digest of the tag you use (keep the tag for readability).",
                        format!("FROM {}:{tag}@sha256:<digest>", r.name),
                        5,
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn severities(config: Option<&str>) -> Vec<String> {
        let df = "FROM node:20-slim\nFROM python\n";
        let name = format!("unpinned-{}", config.is_some());
        super::super::audit_files(&name, &[("Dockerfile", df)], config)
            .iter()
            .filter(|f| f.rule == META.id)
            .map(|f| format!("{}:{}", f.line, f.severity))
            .collect()
    }

    #[test]
    fn require_digest_option_turns_off_the_pedantic_note() {
        assert_eq!(severities(None), vec!["1:info", "2:medium"]);
        let off = "[options.\"container/unpinned-base-image\"]\nrequire-digest = false\n";
        assert_eq!(severities(Some(off)), vec!["2:medium"]);
    }

    fn resolve(df: &str) -> Vec<Option<String>> {
        let f = SourceFile::from_text(
            "Dockerfile".into(),
            crate::source::FileKind::Dockerfile,
            df.into(),
        )
        .0;
        let d = dockerfile(&f).expect("a Dockerfile");
        let args = global_args(d);
        d.stages
            .iter()
            .map(|s| resolved_base(d, &args, s))
            .collect()
    }

    #[test]
    fn global_args_resolve_once_and_bounded() {
        let r = resolve(
            "ARG NODE=20 PY=\"3.12\"\nARG BASE=node:${NODE}\nARG NODE=99\nFROM $BASE\nFROM python:$PY-slim AS b\nFROM b\nFROM ${NODE_X}\nFROM alpine:${V:-3}\n",
        );
        // The first definition counts; a default naming another argument resolves;
        // a longer name is not a prefix match; `${V:-3}` is left (no default known).
        assert_eq!(
            r,
            vec![
                Some("node:20".into()),
                Some("python:3.12-slim".into()),
                None,
                None,
                None
            ]
        );
        // `ARG A=$A$A` doubles at each round: bounded, unresolved.
        assert_eq!(resolve("ARG A=$A$A\nFROM $A\n"), vec![None]);
        let mut bomb = String::new();
        for i in 0..40 {
            bomb += &format!("ARG A{i}=$A{}$A{}\n", i + 1, i + 1);
        }
        bomb += "FROM $A0\n";
        assert_eq!(resolve(&bomb), vec![None]);
    }
}
