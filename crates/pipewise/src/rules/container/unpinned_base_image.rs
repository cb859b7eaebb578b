//! `container/unpinned-base-image`: `FROM` images that float: `latest` or no tag
//! (medium), or a tag without a digest (info, "pedantic"; option `require-digest`).

use super::dockerfile;
use crate::dockerfile::{parse_image_ref, Dockerfile, Stage};
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::source::SourceFile;

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

/// The image a stage starts from, with global `ARG` defaults substituted; `None`
/// when it is a build stage, `scratch`, or depends on an argument without default.
fn resolved_base(d: &Dockerfile, stage: &Stage) -> Option<String> {
    let base = stage.base.trim();
    if base.is_empty() {
        return None;
    }
    if d.stage_by_name(base).is_some_and(|s| s.index < stage.index) {
        return None;
    }
    let mut out = base.to_string();
    if out.contains('$') {
        for i in d
            .instructions
            .iter()
            .filter(|i| i.is_global() && i.keyword == "ARG")
        {
            for w in i.args.split_whitespace() {
                if let Some((k, v)) = w.split_once('=') {
                    let v = v.trim_matches(|c| c == '"' || c == '\'');
                    out = out
                        .replace(&format!("${{{k}}}"), v)
                        .replace(&format!("${k}"), v);
                }
            }
        }
        if out.contains('$') {
            return None;
        }
    }
    Some(out)
}

impl Rule for UnpinnedBaseImage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn file(&self, f: &SourceFile, cx: &mut Ctx) {
        let Some(d) = dockerfile(f) else { return };
        let require_digest = cx
            .option_value(META.id, "require-digest")
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        for stage in &d.stages {
            let Some(image) = resolved_base(d, stage) else {
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
}
