//! `gitlab/deploy-without-environment`: a job whose script deploys but that declares
//! no `environment:` (no deployment history, no protected-environment approval, no
//! rollback button), and a production deploy with no `resource_group` (two pipelines
//! can deploy at once).

use super::{job_key_span, GITLAB};
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Job, Platform, Workflow};

pub struct DeployWithoutEnvironment;

pub static META: RuleMeta = RuleMeta {
    id: "gitlab/deploy-without-environment",
    title: "Deploy job has no environment",
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    category: Category::Deployment,
    summary: "A job that deploys declares no `environment:`, or deploys to production without a `resource_group`.",
    impact: "Deploys bypass protected-environment approvals, leave no deployment history to roll back from, and concurrent pipelines can deploy over each other.",
    doc: r#"
## Why it matters
`environment:` is what GitLab's deployment safety hangs on: protected environments
(who may deploy, approvals), the deployment history and its rollback button, and
`CI_ENVIRONMENT_*` variables. Without it the deploy is an ordinary job anyone who can
push can run. `resource_group:` serializes deploys, so an older pipeline cannot
overwrite a newer release.

## Bad
```yaml
deploy:
  stage: deploy
  script: helm upgrade --install app ./chart
```

## Good
```yaml
deploy:
  stage: deploy
  script: helm upgrade --install app ./chart
  environment:
    name: production
  resource_group: production
  when: manual
```
"#,
    fix: FixMeta {
        description: "Declare the environment (and protect it in Settings → CI/CD → Protected environments); add a `resource_group`.",
        snippet: "environment:\n  name: production\nresource_group: production",
        effort_minutes: 15,
    },
    references: &["https://docs.gitlab.com/ci/environments/", "https://docs.gitlab.com/ci/resource_groups/"],
};

impl Rule for DeployWithoutEnvironment {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn platforms(&self) -> &'static [Platform] {
        GITLAB
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        let deploys = cx.facts.script_deploys(job);
        if !deploys {
            return;
        }
        match job.environment() {
            None => {
                cx.report(
                    &META,
                    wf.path,
                    job.key.span,
                    format!("Job `{}` deploys but declares no `environment:`: no protected-environment approval, no deployment history, no rollback.", job.id),
                )
                .job(Some(job.id));
            }
            Some(env) => {
                let lower = env.to_ascii_lowercase();
                let production = lower == "production"
                    || lower == "prod"
                    || lower.starts_with("production/")
                    || lower == "live";
                if production && job.get("resource_group").is_none() {
                    cx.report(
                        &META,
                        wf.path,
                        job_key_span(cx, wf, job, "environment"),
                        format!("Job `{}` deploys to `{env}` without a `resource_group`: two pipelines can deploy at the same time and an older one can win.", job.id),
                    )
                    .severity(Severity::Low)
                    .title("Production deploy has no resource group")
                    .job(Some(job.id));
                }
            }
        }
    }
}
