//! `container/compose-privileged`: a compose service with `privileged: true` (high) or
//! `cap_add` of `ALL`/`SYS_ADMIN` (medium).

use super::{compose_services, svc_entry, svc_get};
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{entry_span, Ctx, FixMeta, Rule, RuleMeta};
use crate::source::SourceFile;

pub struct ComposePrivileged;

pub static META: RuleMeta = RuleMeta {
    id: "container/compose-privileged",
    title: "Privileged container",
    severity: Severity::High,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "A compose service runs with `privileged: true` (high) or adds the `ALL` or `SYS_ADMIN` capability (medium).",
    impact: "A privileged container has every capability and every host device: anyone who gets code execution in it owns the host.",
    doc: r#"
## Why it matters
`privileged: true` turns off the container's isolation: all capabilities, access
to every device in `/dev`, no seccomp or AppArmor confinement. Escaping to the host
is a documented one-liner (mount the host disk). `cap_add: [SYS_ADMIN]` is nearly
as strong. Most services that "need" privileged need one capability or one device.

## Bad
```yaml
services:
  agent:
    image: example/agent:1.4
    privileged: true
```

## Good
```yaml
services:
  agent:
    image: example/agent:1.4
    cap_add: [NET_ADMIN]          # only what the service needs
    devices: ["/dev/net/tun"]
    security_opt: ["no-new-privileges:true"]
```
"#,
    fix: FixMeta {
        description: "Remove `privileged: true`; grant only the specific capabilities or devices the service needs.",
        snippet: "    cap_add: [NET_ADMIN]\n    security_opt: [\"no-new-privileges:true\"]",
        effort_minutes: 20,
    },
    references: &[
        "CIS Docker Benchmark 5.4 (do not use privileged containers)",
        "https://docs.docker.com/reference/compose-file/services/#privileged",
    ],
};

impl Rule for ComposePrivileged {
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
            if let Some(e) = svc_entry(&svc.value, "privileged") {
                if e.value.as_bool() == Some(true) || e.value.as_str() == Some("true") {
                    cx.report(
                        &META,
                        &f.path,
                        entry_span(e),
                        format!("Service `{name}` runs with `privileged: true`: every capability and host device, no isolation left."),
                    );
                }
            }
            if let Some(caps) = svc_get(&svc.value, "cap_add").and_then(|c| c.as_seq()) {
                for c in caps {
                    let Some(cap) = c.as_str() else { continue };
                    let norm = cap.trim().to_ascii_uppercase();
                    let norm = norm.strip_prefix("CAP_").unwrap_or(&norm);
                    if norm == "ALL" || norm == "SYS_ADMIN" {
                        cx.report(
                            &META,
                            &f.path,
                            c.span,
                            format!("Service `{name}` adds the `{cap}` capability, which is close to running privileged."),
                        )
                        .severity(Severity::Medium)
                        .title("Container gets a root-equivalent capability");
                    }
                }
            }
        }
    }
}
