//! `container/compose-docker-socket`: a compose service mounts the Docker socket
//! (`/var/run/docker.sock`), which gives it root on the host.

use super::{compose_services, service_image, svc_get};
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::source::SourceFile;

pub struct ComposeDockerSocket;

pub static META: RuleMeta = RuleMeta {
    id: "container/compose-docker-socket",
    title: "Docker socket mounted into a container",
    severity: Severity::High,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "A compose service mounts `/var/run/docker.sock` (read-only or not).",
    impact: "Whoever controls the container controls the Docker daemon: they can start a privileged container that mounts the host's root filesystem, i.e. root on the host.",
    doc: r#"
## Why it matters
The Docker API has no notion of read-only: `:ro` on the socket mount only stops the
container from deleting the socket file, not from calling the API. Any process in
the container (or an attacker exploiting it) can run
`docker run --privileged -v /:/host …`. Reverse proxies, dashboards and updaters
(Traefik, Portainer, Watchtower) commonly ask for it; put a filtering proxy such as
`tecnativa/docker-socket-proxy` in between and give the service only the API calls
it needs. Services whose image is such a socket proxy are not reported.

## Bad
```yaml
services:
  traefik:
    image: traefik:v3.1
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:ro
```

## Good
```yaml
services:
  socket-proxy:
    image: tecnativa/docker-socket-proxy:0.2
    environment: { CONTAINERS: 1 }
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:ro
  traefik:
    image: traefik:v3.1
    command: --providers.docker.endpoint=tcp://socket-proxy:2375
```
"#,
    fix: FixMeta {
        description: "Do not mount the socket; if the service must see containers, give it a read-only filtering proxy (`docker-socket-proxy`) on an internal network.",
        snippet: "  socket-proxy:\n    image: tecnativa/docker-socket-proxy:0.2\n    environment: { CONTAINERS: 1, POST: 0 }\n    volumes: [\"/var/run/docker.sock:/var/run/docker.sock:ro\"]",
        effort_minutes: 30,
    },
    references: &[
        "CIS Docker Benchmark 5.31 (do not mount the Docker socket)",
        "https://docs.docker.com/engine/security/#docker-daemon-attack-surface",
    ],
};

fn is_socket(p: &str) -> bool {
    let p = p.trim().trim_start_matches('/');
    p == "var/run/docker.sock"
        || p == "run/docker.sock"
        || p.ends_with("/docker.sock") && !p.contains(':')
}

impl Rule for ComposeDockerSocket {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    /// Reads Dockerfiles and compose files (its `file` hook), whatever CI runs them:
    /// its workflow, job and step hooks see no platform's workflows.
    fn platforms(&self) -> &'static [crate::workflow::Platform] {
        &[]
    }
    fn file(&self, f: &SourceFile, cx: &mut Ctx) {
        for svc in compose_services(f) {
            let name = svc.key.as_str().unwrap_or("?");
            if service_image(&svc.value).contains("socket-proxy") {
                continue;
            }
            let Some(vols) = svc_get(&svc.value, "volumes").and_then(|v| v.as_seq()) else {
                continue;
            };
            for v in vols {
                let host = match v.as_str() {
                    Some(s) => s.split(':').next().unwrap_or("").to_string(),
                    None => v
                        .get("source")
                        .and_then(|s| s.as_str())
                        .unwrap_or("")
                        .to_string(),
                };
                if is_socket(&host) {
                    cx.report(
                        &META,
                        &f.path,
                        v.span,
                        format!("Service `{name}` mounts the Docker socket `{host}`; anything running in it controls the Docker daemon, i.e. the host."),
                    );
                }
            }
        }
    }
}
