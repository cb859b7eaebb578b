//! `gitlab/job-token-exposure`: `CI_JOB_TOKEN` (or the registry and deploy
//! passwords GitLab sets) sent to a host other than the GitLab instance: in a
//! `curl`/`wget` header or URL, or in a `git` URL's credentials.

use super::{var_refs, GITLAB};
use crate::finding::{Category, Confidence, Severity, Span};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::shell::Script;
use crate::workflow::Platform;

pub struct JobTokenExposure;

pub static META: RuleMeta = RuleMeta {
    id: "gitlab/job-token-exposure",
    title: "Job token sent to another host",
    severity: Severity::High,
    confidence: Confidence::Medium,
    category: Category::Security,
    summary: "`CI_JOB_TOKEN` (or `CI_REGISTRY_PASSWORD`, `CI_DEPLOY_PASSWORD`) is sent to a URL that is not the GitLab instance.",
    impact: "The other host receives a token that can read this project's (and allowed projects') code, packages and registry for as long as the job runs.",
    doc: r#"
## Why it matters
The job token acts as the user who started the pipeline for the projects on its
allowlist. Sent to a third-party host (a webhook, a mirror, an artifact server), it
can be replayed while the job runs. Send it only to `$CI_SERVER_URL`,
`$CI_API_V4_URL` or `$CI_REGISTRY`.

## Bad
```yaml
notify:
  script:
    - curl -H "JOB-TOKEN: $CI_JOB_TOKEN" https://hooks.example.com/build
```

## Good
```yaml
upload:
  script:
    - curl --header "JOB-TOKEN: $CI_JOB_TOKEN" --upload-file app.tgz "$CI_API_V4_URL/projects/$CI_PROJECT_ID/packages/generic/app/1.0/app.tgz"
```
"#,
    fix: FixMeta {
        description: "Send the job token only to the GitLab instance; give other services their own narrowly-scoped secret.",
        snippet: "curl --header \"JOB-TOKEN: $CI_JOB_TOKEN\" \"$CI_API_V4_URL/projects/$CI_PROJECT_ID/...\"",
        effort_minutes: 20,
    },
    references: &["https://docs.gitlab.com/ci/jobs/ci_job_token/"],
};

const TOKENS: &[&str] = &["CI_JOB_TOKEN", "CI_REGISTRY_PASSWORD", "CI_DEPLOY_PASSWORD"];

/// Whether `text` contains one of [`TOKENS`]: each starts with `CI_`, so one
/// search for `CI_` (a prebuilt searcher) and a look at what follows, instead of a
/// substring search per token on every step of every job.
fn mentions_token(text: &str) -> bool {
    static CI: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("CI_"));
    let b = text.as_bytes();
    CI.find_iter(b).any(|at| {
        let rest = &b[at..];
        TOKENS.iter().any(|t| rest.starts_with(t.as_bytes()))
    })
}

/// A URL of the GitLab instance itself (through its predefined variables) or of a
/// host named gitlab.
fn is_gitlab(url: &str) -> bool {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split('/')
        .next()
        .unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    [
        "CI_SERVER",
        "CI_API_",
        "CI_PROJECT_URL",
        "CI_REGISTRY",
        "CI_REPOSITORY_URL",
        "CI_PAGES",
    ]
    .iter()
    .any(|v| url.contains(v))
        || host.contains("gitlab")
        || host.contains('$')
}

/// Each command of a script line (`text`, parsed as `script`) that sends one of
/// [`TOKENS`] to a URL that is not the GitLab instance: the command's span in the
/// text, the token and the first such URL, in order. Reads nothing but the text.
/// The commands that can send a token to a host ([`exposures`]).
const SENDERS: &[&str] = &["curl", "wget", "git", "http", "https"];

fn exposures<'t>(
    text: &'t str,
    script: &'t Script,
    found: &mut dyn FnMut(Span, &'static str, &'t str),
) {
    if !mentions_token(text) {
        return;
    }
    for c in &script.commands {
        if !SENDERS.contains(&c.base_name()) {
            continue;
        }
        let raw = text.get(c.span.start..c.span.end).unwrap_or("");
        let Some((_, _, token)) = var_refs(raw, TOKENS).first().copied() else {
            continue;
        };
        let foreign = c
            .args()
            .iter()
            .map(|w| w.text.as_str())
            .filter(|a| a.starts_with("https://") || a.starts_with("http://"))
            .find(|u| !is_gitlab(u));
        if let Some(foreign) = foreign {
            found(c.span, token, foreign);
        }
    }
}

impl Rule for JobTokenExposure {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn platforms(&self) -> &'static [Platform] {
        GITLAB
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        let Some(run) = &site.step.run else { return };
        let Some(script) = &run.script else { return };
        // Only a command of these names can send one ([`exposures`]): most lines run
        // none (their name filter says so).
        const SENDER_NAMES: crate::shell::Names = crate::shell::Names::of(SENDERS);
        if !script.names.any_of(SENDER_NAMES) {
            return;
        }
        // Whether the line sends a token away depends on its text alone: asked once
        // for a line that a template gives many jobs (one `Arc`).
        if !cx.run_fact(run, "sends a job token to another host", |r| {
            let mut any = false;
            exposures(r.text, script, &mut |_, _, _| any = true);
            any
        }) {
            return;
        }
        exposures(run.text, script, &mut |span, token, foreign| {
            cx.report(
                &META,
                site.path,
                run.source_span(site.doc, span),
                format!("`${token}` is sent to `{foreign}`, which is not this GitLab instance: that host can use the token while the job runs."),
            )
            .site(site);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_token_equals_the_search() {
        let texts = [
            "",
            "CI_",
            "CI_JOB_TOKEN",
            "curl -H \"JOB-TOKEN: $CI_JOB_TOKEN\" https://x",
            "echo $CI_JOB_TOKE",
            "CI_CI_JOB_TOKEN",
            "CI_REGISTRY_PASSWORD",
            "$CI_REGISTRY_USER $CI_REGISTRY $CI_DEPLOY_PASSWORD",
            "CI_DEPLOY_PASSWOR",
            "ci_job_token",
            "CCI_JOB_TOKENN",
            "é CI_JOB_TOKEN é",
            "echo CI_COMMIT_SHA CI_PROJECT_ID",
        ];
        for t in texts {
            assert_eq!(
                mentions_token(t),
                TOKENS.iter().any(|k| t.contains(k)),
                "{t:?}"
            );
        }
    }
}
