//! `container/root-user`: the final stage of a Dockerfile runs as root (no `USER`, or
//! the last `USER` is `root`/`0`).

use super::{from_of, head_span, runtime_image};
use crate::dockerfile::{parse_image_ref, Dockerfile};
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::source::SourceFile;

pub struct RootUser;

pub static META: RuleMeta = RuleMeta {
    id: "container/root-user",
    title: "Container runs as root",
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    category: Category::Security,
    summary: "The final stage of a Dockerfile has no `USER` instruction, or its last `USER` is `root` or `0`, so the container's process runs as root.",
    impact: "A compromise of the application (RCE, path traversal, a malicious dependency) gets root inside the container, which makes container escapes and tampering with mounted volumes much easier.",
    doc: r#"
## Why it matters
Unless a `USER` says otherwise, a container runs as uid 0. Root in a container is
the same uid as root on the host (unless user namespaces are on), so any kernel or
runtime escape, any writable host mount and any mounted socket is one step from the
host. Running as an unprivileged user costs two lines.

Only the final stage matters (earlier stages are build stages). A final stage built
`FROM` an earlier stage inherits that stage's `USER`. Base images that already run as
a non-root user (`*:nonroot` distroless tags, Chainguard, Bitnami) are not reported,
nor are `.devcontainer/` Dockerfiles. An image whose entrypoint drops privileges
with `gosu`/`su-exec`/`setpriv` is reported as info only.

## Bad
```dockerfile
FROM python:3.12-slim
COPY . /app
CMD ["python", "/app/main.py"]
```

## Good
```dockerfile
FROM python:3.12-slim
RUN useradd --system --uid 10001 app
COPY --chown=app:app . /app
USER app
CMD ["python", "/app/main.py"]
```
"#,
    fix: FixMeta {
        description: "Create an unprivileged user in the final stage and switch to it with `USER` before `CMD`/`ENTRYPOINT`.",
        snippet: "RUN groupadd --system app && useradd --system --gid app --uid 10001 app\nUSER app",
        effort_minutes: 15,
    },
    references: &[
        "hadolint: DL3002 (last USER should not be root)",
        "CIS Docker Benchmark 4.1",
        "seed: 001 §2.1 (non-root user listed as a strength)",
    ],
};

/// The user part of a `USER` argument, e.g. `app` for `app:app`.
fn user_of(args: &str) -> &str {
    let w = args.split_whitespace().next().unwrap_or("");
    w.split(':').next().unwrap_or(w)
}

fn is_root(user: &str) -> bool {
    user == "root" || user == "0"
}

/// Base images that run as a non-root user by default.
fn base_is_nonroot(base: &str) -> bool {
    let r = parse_image_ref(base);
    let name = r.name.to_ascii_lowercase();
    let tag = r.tag.unwrap_or_default().to_ascii_lowercase();
    tag.contains("nonroot")
        || name.contains("nonroot")
        || name.starts_with("cgr.dev/")
        || name.starts_with("bitnami/")
        || name.contains("/bitnami/")
}

/// Mentions a tool that drops privileges at start-up.
fn drops_privileges(d: &Dockerfile, stage: usize) -> bool {
    d.instructions_in_stage(stage).any(|i| {
        matches!(i.keyword.as_str(), "RUN" | "ENTRYPOINT" | "CMD")
            && ["gosu", "su-exec", "setpriv", "runuser", "chpst"]
                .iter()
                .any(|t| i.args.contains(t))
    })
}

impl Rule for RootUser {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    /// Reads Dockerfiles and compose files (its `file` hook), whatever CI runs them:
    /// its workflow, job and step hooks see no platform's workflows.
    fn platforms(&self) -> &'static [crate::workflow::Platform] {
        &[]
    }
    fn file(&self, f: &SourceFile, cx: &mut Ctx) {
        let Some((d, chain)) = runtime_image(f) else {
            return;
        };
        // The last `USER` of the final stage, or of the stage it is built from, and so on.
        let user = chain.iter().find_map(|&s| {
            d.instructions_in_stage(s)
                .filter(|i| i.keyword == "USER")
                .last()
        });
        let (Some(last), Some(image_stage)) = (
            chain.first().and_then(|&i| d.stages.get(i)),
            chain.last().and_then(|&i| d.stages.get(i)),
        ) else {
            return;
        };
        let soft = chain.iter().any(|&s| drops_privileges(d, s));
        match user {
            Some(u) => {
                let name = user_of(&u.args);
                if !is_root(name) {
                    return;
                }
                let b = cx.report(
                    &META,
                    &f.path,
                    head_span(u),
                    format!(
                        "`USER {}` is the last user of the final stage, so the container runs as root.",
                        u.args.trim()
                    ),
                );
                if soft {
                    b.severity(Severity::Info);
                }
            }
            None => {
                if image_stage.base.contains('$') || base_is_nonroot(&image_stage.base) {
                    return;
                }
                let Some(from) = from_of(d, last.index) else {
                    return;
                };
                let msg = if soft {
                    format!(
                        "The final stage (`FROM {}`) has no `USER`; it starts as root and relies on its entrypoint to drop privileges.",
                        last.base
                    )
                } else {
                    format!(
                        "The final stage (`FROM {}`) has no `USER` instruction, so the container runs as root.",
                        last.base
                    )
                };
                let b = cx.report(&META, &f.path, head_span(from), msg);
                if soft {
                    b.severity(Severity::Info);
                }
            }
        }
    }
}
