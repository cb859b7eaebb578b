//! `gitlab/dind-tls-disabled`: docker-in-docker with TLS turned off
//! (`DOCKER_TLS_CERTDIR: ""`, or `DOCKER_HOST` on plain port 2375).

use super::{definitions, report_in, variables, where_, GITLAB};
use crate::finding::{Category, Confidence, Severity};
use crate::gitlab::Pipeline;
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Platform, Workflow};
use pipewise_yaml::Node;

/// Whether a `services:` list starts a docker-in-docker daemon (`docker:27-dind`,
/// `{name: docker:dind}`, a mirror's `…/docker:24-dind-rootless`).
fn has_dind(services: Option<&Node>) -> bool {
    services
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|s| s.as_str().or_else(|| s.get("name").and_then(Node::as_str)))
        .any(|image| image.to_ascii_lowercase().contains("dind"))
}

/// Whether definition `name` runs next to a docker-in-docker service: its own
/// `services:`, the merged job's (templates and `default:` included), or, for a
/// template, `default:` or the global configuration, any job of the pipeline.
fn dind_in_reach(p: Option<&Pipeline>, name: &str, def: &Node) -> bool {
    if has_dind(def.get("services")) {
        return true;
    }
    let Some(p) = p else {
        return false;
    };
    match p.job(name) {
        Some(j) => has_dind(j.get("services")),
        None => p.jobs.iter().any(|j| has_dind(j.get("services"))),
    }
}

pub struct DindTlsDisabled;

pub static META: RuleMeta = RuleMeta {
    id: "gitlab/dind-tls-disabled",
    title: "Docker-in-docker without TLS",
    severity: Severity::Medium,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "The `docker:dind` service runs with TLS disabled (`DOCKER_TLS_CERTDIR: \"\"` where a dind service runs) or the job talks to a daemon on the unencrypted port 2375.",
    impact: "The privileged Docker daemon listens without authentication: any container that can reach it on the job network controls it, and the runner host with it.",
    doc: r#"
## Why it matters
The dind service runs privileged. With TLS off it accepts any connection on port
2375, without client certificates; a compromised build step, service or test
container on the same network gets root on the daemon and the runner it runs on.
TLS is the default since Docker 19.03: only the client needs `DOCKER_TLS_CERTDIR`.

An empty `DOCKER_TLS_CERTDIR` is reported only where a dind service runs (the job's
merged `services:`, or any job's for a template or the global configuration): on a
shell runner that uses the host's Docker daemon the variable changes nothing.

## Bad
```yaml
build:
  services: [docker:27-dind]
  variables:
    DOCKER_HOST: tcp://docker:2375
    DOCKER_TLS_CERTDIR: ""
```

## Good
```yaml
build:
  services: [docker:27-dind]
  variables:
    DOCKER_TLS_CERTDIR: "/certs"
```
"#,
    fix: FixMeta {
        description: "Keep TLS on: set `DOCKER_TLS_CERTDIR: \"/certs\"` and drop the 2375 `DOCKER_HOST`.",
        snippet: "variables:\n  DOCKER_TLS_CERTDIR: \"/certs\"",
        effort_minutes: 15,
    },
    references: &["https://docs.gitlab.com/ci/docker/using_docker_build/#docker-in-docker-with-tls-enabled-in-the-docker-executor"],
};

impl Rule for DindTlsDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn platforms(&self) -> &'static [Platform] {
        GITLAB
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        let pipeline = super::pipeline_of(cx, wf);
        for (name, def) in definitions(wf) {
            let vars = variables(def);
            let certdir_off = vars.iter().find(|(e, v)| {
                e.key.as_str() == Some("DOCKER_TLS_CERTDIR")
                    && v.as_str().is_some_and(|s| s.trim().is_empty())
            });
            let plain_host = vars.iter().find(|(e, v)| {
                e.key.as_str() == Some("DOCKER_HOST")
                    && v.as_str().is_some_and(|s| {
                        s.starts_with("tcp://") && s.trim_end_matches('/').ends_with(":2375")
                    })
            });
            // An empty `DOCKER_TLS_CERTDIR` only changes a docker-in-docker service:
            // a shell runner using the host's daemon has none (it is then inert).
            let certdir_off = certdir_off.filter(|_| dind_in_reach(pipeline, name, def));
            let (e, msg) = match (certdir_off, plain_host) {
                (Some((e, _)), _) => (e, "`DOCKER_TLS_CERTDIR` is empty"),
                (None, Some((e, _))) => (e, "`DOCKER_HOST` uses the unencrypted port 2375"),
                (None, None) => continue,
            };
            report_in(
                cx,
                &META,
                wf.path,
                name,
                crate::rules::entry_span(e),
                format!("{msg} in {}: the docker-in-docker daemon accepts unauthenticated connections from anything on the job network.", where_(name)),
            );
        }
    }
}
