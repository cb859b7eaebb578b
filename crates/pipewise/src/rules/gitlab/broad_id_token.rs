//! `gitlab/broad-id-token`: an `id_tokens:` token whose audience is broad: several
//! audiences in one token, the GitLab instance itself (the audience every relying
//! party configured with GitLab's defaults accepts), a wildcard; or a token minted
//! for every job of the pipeline (`default:` or the global configuration).

use super::{definitions, report_in, where_, GITLAB};
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{entry_span, Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Platform, Workflow};
use pipewise_yaml::{Node, NodeKind};

pub struct BroadIdToken;

pub static META: RuleMeta = RuleMeta {
    id: "gitlab/broad-id-token",
    title: "ID token with a broad audience",
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    category: Category::Security,
    summary: "An `id_tokens:` token names several audiences, the GitLab instance or a wildcard as `aud`, or is minted for every job through `default:`.",
    impact: "A token leaked from one job (a test running a merge request's code, a compromised tool) is accepted by every cloud role or secret store that trusts that audience, not only the one service the job needed.",
    doc: r#"
## Why it matters
An ID token is a signed OIDC JWT the job presents to a cloud provider or a secret
store. `aud` says which service the token is for; the service's trust policy checks
it. A token with several audiences is valid at all of them, so the service that
receives it can replay it to the others. The GitLab instance's URL
(`$CI_SERVER_URL`, `https://gitlab.com`) is the audience many trust policies were
written for (it was the default of the old `CI_JOB_JWT_V2`): a token for it opens
every such role at once. `id_tokens:` in `default:` mints a token for every job,
including jobs that run a merge request's code.

## Bad
```yaml
default:
  id_tokens:
    ID_TOKEN:
      aud: [https://vault.example.com, sts.amazonaws.com]
```

## Good
```yaml
deploy:
  id_tokens:
    AWS_TOKEN:
      aud: sts.amazonaws.com
  script: ./deploy.sh
```
"#,
    fix: FixMeta {
        description: "Give each job that needs a token its own `id_tokens:` entry with one audience naming the one service it talks to, and bind that audience in the service's trust policy.",
        snippet: "id_tokens:\n  VAULT_ID_TOKEN:\n    aud: https://vault.example.com",
        effort_minutes: 20,
    },
    references: &[
        "https://docs.gitlab.com/ci/yaml/#id_tokens",
        "https://docs.gitlab.com/ci/secrets/id_token_authentication/",
    ],
};

/// Why one audience is broad, if it is.
fn broad_audience(aud: &str) -> Option<&'static str> {
    let a = aud.trim().trim_end_matches('/').to_ascii_lowercase();
    if a.is_empty() || a.contains('*') {
        return Some("a wildcard audience");
    }
    let host = a
        .split("://")
        .nth(1)
        .unwrap_or(&a)
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    if a.contains("ci_server_url")
        || a.contains("ci_server_host")
        || a.contains("ci_server_fqdn")
        || host == "gitlab.com"
    {
        return Some("the GitLab instance itself, the audience every trust policy written for GitLab's default tokens accepts");
    }
    None
}

impl Rule for BroadIdToken {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn platforms(&self) -> &'static [Platform] {
        GITLAB
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        for (name, def) in definitions(wf) {
            let Some(tokens) = def.entry("id_tokens") else {
                continue;
            };
            if name.is_empty() || name == "default" {
                report_in(
                    cx,
                    &META,
                    wf.path,
                    name,
                    tokens.key.span,
                    format!("`id_tokens:` in {} mints a token for every job of the pipeline, including jobs that run a merge request's code; declare it only in the jobs that need it.", where_(name)),
                )
                .severity(Severity::Low);
            }
            for t in tokens.value.as_map().unwrap_or(&[]) {
                let Some(token) = t.key.as_str() else {
                    continue;
                };
                let Some(aud) = t.value.entry("aud") else {
                    continue;
                };
                let values: Vec<&Node> = match &aud.value.kind {
                    NodeKind::Seq(items) => items.iter().collect(),
                    _ => vec![&aud.value],
                };
                let strings: Vec<&str> = values.iter().filter_map(|v| v.as_str()).collect();
                let why = if strings.len() > 1 {
                    Some(format!("is valid for {} audiences (`{}`): each service that receives it can replay it to the others", strings.len(), strings.join("`, `")))
                } else {
                    strings.first().and_then(|s| {
                        broad_audience(s).map(|w| format!("has the audience `{s}`, {w}"))
                    })
                };
                let Some(why) = why else { continue };
                report_in(
                    cx,
                    &META,
                    wf.path,
                    name,
                    entry_span(aud),
                    format!("ID token `{token}` of {} {why}.", where_(name)),
                );
            }
        }
    }
}
