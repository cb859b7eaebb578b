//! `gitlab/artifact-secrets`: a job's artifacts capture credentials: an
//! `artifacts: paths:` entry naming a credential file (`.env`, `kubeconfig`,
//! `.npmrc`, a private key, Terraform state), or a script line that writes a secret
//! (or the whole environment) into a file the artifacts or the `dotenv` report keep.

use super::{credential_name, job_key_span, GITLAB};
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::workflow::{Job, Platform, Workflow};
use pipewise_yaml::{Node, NodeKind};

pub struct ArtifactSecrets;

pub static META: RuleMeta = RuleMeta {
    id: "gitlab/artifact-secrets",
    title: "Artifacts capture secrets",
    severity: Severity::High,
    confidence: Confidence::Medium,
    category: Category::Security,
    summary: "A job's `artifacts:` keep a credential file (`.env`, `kubeconfig`, `.npmrc`, a private key, `*.tfstate`), or its script writes a secret or the whole environment into a file that `artifacts: paths:` or `reports: dotenv:` keep.",
    impact: "Artifacts can be downloaded by everyone who can read the pipeline (anyone, on a public project) for weeks, and `dotenv` variables are passed on to later jobs: the secret outlives the job and leaves the masked log.",
    doc: r#"
## Why it matters
GitLab masks secrets in job logs, but not in artifacts. Artifacts are kept (30 days
by default) and can be downloaded by every project member and, on a public project,
by anyone. A `dotenv` report turns the file into variables of every later job,
including jobs of downstream pipelines, which then print or forward them.

## Bad
```yaml
build:
  script:
    - echo "REGISTRY_TOKEN=$REGISTRY_TOKEN" >> build.env
    - ./configure > kubeconfig
  artifacts:
    paths: [kubeconfig]
    reports:
      dotenv: build.env
```

## Good
```yaml
build:
  script:
    - echo "IMAGE_TAG=$CI_COMMIT_SHORT_SHA" >> build.env
  artifacts:
    reports:
      dotenv: build.env
```
"#,
    fix: FixMeta {
        description: "Keep credentials out of artifacts: pass only non-secret values through `dotenv`, let later jobs read the secret from CI/CD variables themselves, and list artifact paths precisely (or set `artifacts: access: none`).",
        snippet: "artifacts:\n  paths: [dist/]\n  access: none",
        effort_minutes: 20,
    },
    references: &[
        "https://docs.gitlab.com/ci/yaml/artifacts_reports/#artifactsreportsdotenv",
        "https://docs.gitlab.com/ci/yaml/#artifactsaccess",
    ],
};

/// What credential a file holds, judged from its path (a name tools store
/// credentials under).
fn credential_file(path: &str) -> Option<&'static str> {
    // Compared with ASCII case ignored, without a lower-cased copy: it runs on every
    // artifact path of every job (`/` and `.` are the same in either case).
    let p = path.trim().trim_end_matches('/');
    let b = p.as_bytes();
    let name = &b[memchr::memrchr(b'/', b).map_or(0, |i| i + 1)..];
    let ext = memchr::memrchr(b'.', name).map_or(&b""[..], |i| &name[i + 1..]);
    let is = |s: &[u8], words: &[&str]| words.iter().any(|w| s.eq_ignore_ascii_case(w.as_bytes()));
    let ends =
        |w: &str| b.len() >= w.len() && b[b.len() - w.len()..].eq_ignore_ascii_case(w.as_bytes());
    if is(
        name,
        &[".env", ".env.local", ".env.production", ".env.prod"],
    ) {
        Some("a `.env` file")
    } else if is(
        name,
        &[
            "kubeconfig",
            "kube.config",
            "kubeconfig.yaml",
            "kubeconfig.yml",
        ],
    ) {
        Some("a Kubernetes config")
    } else if is(
        name,
        &[
            ".npmrc",
            ".pypirc",
            ".netrc",
            ".git-credentials",
            ".dockercfg",
        ],
    ) {
        Some("a registry credential file")
    } else if is(name, &["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"]) {
        Some("an SSH private key")
    } else if ends(".kube/config") || ends(".kube") {
        Some("a Kubernetes config")
    } else if ends(".docker/config.json") || ends(".docker") {
        Some("Docker registry logins")
    } else if is(ext, &["tfstate"]) {
        Some("Terraform state, which holds every secret the resources were created with")
    } else if is(ext, &["p12", "pfx", "jks", "keystore"]) {
        Some("a key store")
    } else {
        None
    }
}

/// A job's artifact path patterns and `dotenv` report files, as written.
fn strings(n: Option<&Node>) -> Vec<&Node> {
    match n.map(|n| &n.kind) {
        Some(NodeKind::Seq(items)) => items.iter().filter(|i| i.as_str().is_some()).collect(),
        Some(_) => n.into_iter().filter(|i| i.as_str().is_some()).collect(),
        None => vec![],
    }
}

/// A redirect target relative to the project directory, normalized (`./x`,
/// `$CI_PROJECT_DIR/x` → `x`); `None` for a file outside it (`/tmp/x`, `~/x`).
fn project_relative(target: &str) -> Option<String> {
    let t = target.trim_matches(['"', '\'']);
    let t = ["${CI_PROJECT_DIR}/", "$CI_PROJECT_DIR/", "./"]
        .iter()
        .find_map(|p| t.strip_prefix(p))
        .unwrap_or(t);
    (!t.is_empty() && !t.starts_with(['/', '~', '$', '&']) && t != "-").then(|| t.to_string())
}

/// Whether an artifact path pattern keeps `file` (a project-relative path).
fn keeps(pattern: &str, file: &str) -> bool {
    let p = pattern.trim().trim_start_matches("./");
    let p = p.trim_end_matches('/');
    if matches!(p, "" | "." | "*" | "**" | "**/*") {
        return true;
    }
    if p == file || file.starts_with(&format!("{p}/")) {
        return true;
    }
    // A simple glob: `*.env`, `out/*`.
    if let Some((head, tail)) = p.split_once('*') {
        return !tail.contains('*')
            && file.starts_with(head)
            && file.ends_with(tail.trim_start_matches('*'));
    }
    false
}

/// Names of credential variables a command's text expands (`$DEPLOY_TOKEN`,
/// `${CI_JOB_TOKEN}`).
fn secret_refs(raw: &str) -> Option<&str> {
    let b = raw.as_bytes();
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'$', &b[i..]) {
        let at = i + off;
        i = at + 1;
        let start = if b.get(at + 1) == Some(&b'{') {
            at + 2
        } else {
            at + 1
        };
        let len = b
            .get(start..)
            .unwrap_or(&[])
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
            .count();
        let Some(name) = raw.get(start..start + len) else {
            continue;
        };
        if matches!(
            name,
            "CI_JOB_TOKEN" | "CI_REGISTRY_PASSWORD" | "CI_DEPLOY_PASSWORD"
        ) || (!name.starts_with("CI_") && credential_name(name))
        {
            return Some(name);
        }
    }
    None
}

impl Rule for ArtifactSecrets {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn platforms(&self) -> &'static [Platform] {
        GITLAB
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        let Some(art) = job.get("artifacts") else {
            return;
        };
        let paths = strings(art.get("paths"));
        let dotenv = strings(art.get("reports").and_then(|r| r.get("dotenv")));
        if paths.is_empty() && dotenv.is_empty() {
            return;
        }
        for p in &paths {
            let Some(what) = p.as_str().and_then(credential_file) else {
                continue;
            };
            cx.report(
                &META,
                wf.path,
                job_key_span(cx, wf, job, "artifacts"),
                format!("Job `{}` keeps `{}`, {what}, as an artifact: anyone who can download the job's artifacts gets the credentials in it.", job.id, p.as_str().unwrap_or("")),
            )
            .job(Some(job.id));
        }
        for step in &job.steps {
            let Some(run) = &step.run else { continue };
            let Some(script) = &run.script else { continue };
            let (path, doc) = step
                .origin
                .map(|o| (o.path, o.doc))
                .unwrap_or((wf.path, wf.doc));
            for c in &script.commands {
                // Only a command that writes into a file can keep a secret in one.
                if !c
                    .redirects
                    .iter()
                    .any(|r| matches!(r.op.as_str(), ">" | ">>" | ">|"))
                {
                    continue;
                }
                let writes_all = matches!(c.base_name(), "env" | "printenv" | "export" | "set")
                    && c.args().iter().all(|a| a.text.starts_with('-'));
                let secret = if writes_all {
                    Some("every variable")
                } else if matches!(c.base_name(), "echo" | "printf" | "cat") {
                    secret_refs(run.text.get(c.span.start..c.span.end).unwrap_or(""))
                } else {
                    None
                };
                let Some(secret) = secret else { continue };
                for r in &c.redirects {
                    if !matches!(r.op.as_str(), ">" | ">>" | ">|") {
                        continue;
                    }
                    let Some(file) = project_relative(&r.target) else {
                        continue;
                    };
                    let kept = if dotenv
                        .iter()
                        .filter_map(|d| d.as_str())
                        .any(|d| keeps(d, &file))
                    {
                        "the `dotenv` report keeps (later jobs get it as a variable)"
                    } else if paths
                        .iter()
                        .filter_map(|p| p.as_str())
                        .any(|p| keeps(p, &file))
                    {
                        "the job's artifacts keep"
                    } else {
                        continue;
                    };
                    let what = if writes_all {
                        "every variable of the job, secrets included,".to_string()
                    } else {
                        format!("`${secret}`")
                    };
                    cx.report(
                        &META,
                        path,
                        run.source_span(doc, c.span),
                        format!("Job `{}` writes {what} into `{file}`, which {kept}: the secret outlives the job and leaves the masked log.", job.id),
                    )
                    .job(Some(job.id));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The former reading (a lower-cased copy, matched by name, suffix and
    /// extension) as the oracle.
    fn credential_file_lowercased(path: &str) -> Option<&'static str> {
        let p = path.trim().trim_end_matches('/').to_ascii_lowercase();
        let name = p.rsplit('/').next().unwrap_or(&p);
        let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        match name {
            ".env" | ".env.local" | ".env.production" | ".env.prod" => Some("a `.env` file"),
            "kubeconfig" | "kube.config" | "kubeconfig.yaml" | "kubeconfig.yml" => {
                Some("a Kubernetes config")
            }
            ".npmrc" | ".pypirc" | ".netrc" | ".git-credentials" | ".dockercfg" => {
                Some("a registry credential file")
            }
            "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" => Some("an SSH private key"),
            _ if p.ends_with(".kube/config") || p.ends_with(".kube") => Some("a Kubernetes config"),
            _ if p.ends_with(".docker/config.json") || p.ends_with(".docker") => {
                Some("Docker registry logins")
            }
            _ => match ext {
                "tfstate" => Some(
                    "Terraform state, which holds every secret the resources were created with",
                ),
                "p12" | "pfx" | "jks" | "keystore" => Some("a key store"),
                _ => None,
            },
        }
    }

    #[test]
    fn credential_file_equals_the_lowercased_reading() {
        let names = [
            "",
            ".env",
            ".ENV",
            ".env.local",
            ".Env.Production",
            ".env.prod",
            ".env.staging",
            "kubeconfig",
            "KubeConfig.yaml",
            "kube.config",
            "kubeconfig.yml",
            ".npmrc",
            ".PYPIRC",
            ".netrc",
            ".git-credentials",
            ".dockercfg",
            "id_rsa",
            "ID_ED25519",
            "id_ecdsa.pub",
            "id_dsa",
            "x.tfstate",
            "terraform.TFSTATE",
            "a.p12",
            "b.PFX",
            "c.jks",
            "d.keystore",
            "e.key",
            "build",
            "dist/",
            "config",
            "config.json",
            ".kube",
            ".docker",
            "tfstate",
            "é.env",
            "noext",
            "a.b.c",
        ];
        let dirs = [
            "",
            "out/",
            "./",
            "$CI_PROJECT_DIR/",
            "/root/",
            ".kube/",
            ".docker/",
            "A/B/",
            "é/",
        ];
        for d in dirs {
            for n in names {
                for tail in ["", "/", "  ", "//"] {
                    let p = format!("  {d}{n}{tail}");
                    assert_eq!(credential_file(&p), credential_file_lowercased(&p), "{p:?}");
                }
            }
        }
        assert_eq!(
            credential_file("deploy/.kube/config"),
            Some("a Kubernetes config")
        );
        assert_eq!(credential_file("dist/"), None);
    }
}
