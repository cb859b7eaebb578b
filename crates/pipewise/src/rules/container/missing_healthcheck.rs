//! `container/missing-healthcheck`: a service image (its final stage `EXPOSE`s a port)
//! without a `HEALTHCHECK`, when no compose file gives the service one either (info).

use super::{compose_services, from_of, head_span, runtime_image};
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::source::{FileKind, SourceFile};

pub struct MissingHealthcheck;

pub static META: RuleMeta = RuleMeta {
    id: "container/missing-healthcheck",
    title: "Service image has no health check",
    severity: Severity::Info,
    confidence: Confidence::Low,
    category: Category::Observability,
    summary: "The final stage `EXPOSE`s a port (a service image) but has no `HEALTHCHECK`, and no compose file defines a `healthcheck:` for a service built from it.",
    impact: "Docker and compose cannot tell a hung or half-started service from a healthy one, so `depends_on: condition: service_healthy`, restarts and rolling updates act on a process that is merely running.",
    doc: r#"
## Why it matters
Without a health check a container is "healthy" as soon as its process starts.
Compose's `depends_on: condition: service_healthy`, Swarm rolling updates and
`docker ps` all rely on it. Kubernetes ignores `HEALTHCHECK` (it uses probes), so
this is info only, and its confidence is low: if the image only runs under
Kubernetes with readiness/liveness probes, disable the rule for that path.

A service image is one whose final stage (or a stage it is built from) `EXPOSE`s
a port. `HEALTHCHECK NONE` counts as a deliberate choice. A compose service with a
`healthcheck:` whose `build:` context is the Dockerfile's folder also counts.
`.devcontainer/` Dockerfiles are skipped.

## Bad
```dockerfile
FROM node:20-slim
EXPOSE 3000
CMD ["node", "server.js"]
```

## Good
```dockerfile
FROM node:20-slim
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:3000/healthz').then(r => process.exit(r.ok ? 0 : 1)).catch(() => process.exit(1))"
CMD ["node", "server.js"]
```
"#,
    fix: FixMeta {
        description: "Add a `HEALTHCHECK` that calls the service's health endpoint (with a tool that exists in the image).",
        snippet: "HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \\\n  CMD wget -qO- http://127.0.0.1:8080/healthz || exit 1",
        effort_minutes: 15,
    },
    references: &[
        "https://docs.docker.com/reference/dockerfile/#healthcheck",
        "seed: 001 §2.1 (health checks configured in compose)",
    ],
};

/// Whether a compose file builds this Dockerfile's folder and gives it a health check.
fn compose_covers(f: &SourceFile, cx: &Ctx) -> bool {
    let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let file_name = f.path.rsplit('/').next().unwrap_or(&f.path);
    cx.repo.files_of(FileKind::Compose).any(|c| {
        let cdir = c.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        compose_services(c).iter().any(|e| {
            let svc = &e.value;
            if super::svc_get(svc, "healthcheck").is_none() {
                return false;
            }
            let Some(build) = super::svc_get(svc, "build") else {
                return false;
            };
            let (ctx, dockerfile) = match build.as_str() {
                Some(s) => (s, None),
                None => (
                    build.get("context").and_then(|n| n.as_str()).unwrap_or("."),
                    build.get("dockerfile").and_then(|n| n.as_str()),
                ),
            };
            let ctx_dir = crate::repo::join(cdir, ctx);
            match dockerfile {
                Some(df) => crate::repo::join(&ctx_dir, df) == f.path,
                None => ctx_dir == dir && file_name == "Dockerfile",
            }
        })
    })
}

impl Rule for MissingHealthcheck {
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
        let Some(&last) = chain.first() else { return };
        let set = super::stage_set(d, &chain);
        let in_chain = |k: &str| {
            d.instructions
                .iter()
                .find(|i| i.keyword == k && set.get(i.stage).copied().unwrap_or(false))
        };
        let Some(expose) = in_chain("EXPOSE") else {
            return;
        };
        if in_chain("HEALTHCHECK").is_some() || compose_covers(f, cx) {
            return;
        }
        let Some(from) = from_of(d, last) else { return };
        cx.report(
            &META,
            &f.path,
            head_span(from),
            format!(
                "The final image exposes `{}` but defines no `HEALTHCHECK`, so Docker cannot tell a hung service from a healthy one.",
                expose.args.trim()
            ),
        )
        .related(&f.path, head_span(expose), "port exposed here");
    }
}
