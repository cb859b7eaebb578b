//! `container/compose-literal-password`: a compose service (or its build args) sets a
//! secret-named variable to a literal value, or holds a URL with an inline password.
//! Token-shaped literals are left to `security/hardcoded-credential`.

use super::{
    compose_services, has_token, is_dev_compose, is_literal_secret_value, is_secret_name, svc_get,
};
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::source::SourceFile;
use pipewise_yaml::Node;

pub struct ComposeLiteralPassword;

pub static META: RuleMeta = RuleMeta {
    id: "container/compose-literal-password",
    title: "Literal password in a compose file",
    severity: Severity::Medium,
    confidence: Confidence::Medium,
    category: Category::Security,
    summary: "A compose service's `environment:` (or `build.args:`) sets a `*PASSWORD*`/`*SECRET*`/`*TOKEN*`/`*API_KEY*` variable to a literal, or holds a connection URL with an inline password (token-shaped literals such as `ghp_…` are reported by `security/hardcoded-credential`).",
    impact: "The credential is in git history for everyone with read access, is usually reused between environments, and cannot be rotated without a commit.",
    doc: r#"
## Why it matters
Compose files are committed, copied into deployment hosts and pasted into issues. A
literal password there is a shared, unrotatable secret; worse, the same file often
ends up running in staging or production. Compose interpolates `${VAR}` from the
environment or an `.env` file (kept out of git), and supports `secrets:` mounted as
files.

Token-shaped literals (`ghp_…`, `AKIA…`) are reported as critical by
`security/hardcoded-credential`, so this rule skips them. Severities: literals are
**medium**; well-known throwaway values (`postgres`, `password`, `example`…) and
files meant for development, tests or CI (by name or folder) are **low**.
`${VAR}` references, empty values and `*_FILE` variables are not reported; a
literal default (`${DB_PASSWORD:-changeme}`) is **low**.

## Bad
```yaml
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: Sup3rS3cret!
```

## Good
```yaml
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD_FILE: /run/secrets/db_password
    secrets: [db_password]
secrets:
  db_password:
    environment: DB_PASSWORD   # or file: ./secrets/db_password (git-ignored)
```
"#,
    fix: FixMeta {
        description: "Replace the literal with `${VAR}` from an untracked `.env` file or a compose `secrets:` entry, and rotate the credential.",
        snippet: "    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}",
        effort_minutes: 10,
    },
    references: &[
        "https://docs.docker.com/compose/how-tos/use-secrets/",
        "seed: 001 §2.1 (docker-compose.gateway.yml: hardcoded credentials)",
    ],
};

/// A URL such as `postgres://user:pass@host/db` with a literal password.
fn url_password(v: &str) -> Option<&str> {
    let (_, rest) = v.split_once("://")?;
    let (auth, _) = rest.split_once('@')?;
    let (_, pw) = auth.split_once(':')?;
    (!pw.is_empty() && !pw.contains('$') && !pw.contains('/')).then_some(pw)
}

/// The default of `${VAR:-default}` / `${VAR-default}` (not `${VAR:?error}`).
fn interpolation_default(v: &str) -> Option<&str> {
    let rest = &v[v.find("${")? + 2..];
    let end = rest.find('}')?;
    let inner = &rest[..end];
    let at = inner.find(['-', ':'])?;
    let op = &inner[at..];
    op.strip_prefix(":-")
        .or_else(|| op.strip_prefix('-'))
        .filter(|d| !d.is_empty())
}

/// `(name, value, node to point at)` of each variable in an `environment:`/`args:`.
fn variables(n: &Node) -> Vec<(String, String, &Node)> {
    let mut out = vec![];
    if let Some(m) = n.as_map() {
        for e in m {
            if let (Some(k), Some(v)) = (e.key.as_str(), e.value.as_str()) {
                if !e.value.is_null() {
                    out.push((k.to_string(), v.to_string(), &e.value));
                }
            }
        }
    } else if let Some(s) = n.as_seq() {
        for item in s {
            if let Some((k, v)) = item.as_str().and_then(|t| t.split_once('=')) {
                out.push((k.trim().to_string(), v.to_string(), item));
            }
        }
    }
    out
}

impl Rule for ComposeLiteralPassword {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    /// Reads Dockerfiles and compose files (its `file` hook), whatever CI runs them:
    /// its workflow, job and step hooks see no platform's workflows.
    fn platforms(&self) -> &'static [crate::workflow::Platform] {
        &[]
    }
    fn file(&self, f: &SourceFile, cx: &mut Ctx) {
        let dev = is_dev_compose(&f.path);
        for svc in compose_services(f) {
            let name = svc.key.as_str().unwrap_or("?");
            let sources = [
                svc_get(&svc.value, "environment"),
                svc_get(&svc.value, "build").and_then(|b| b.get("args")),
            ];
            for vars in sources.into_iter().flatten() {
                for (key, value, node) in variables(vars) {
                    let sp = node.span;
                    if has_token(&value) {
                        continue; // reported (critical) by security/hardcoded-credential
                    }
                    let named = is_secret_name(&key) && is_literal_secret_value(&value);
                    let in_url = url_password(&value);
                    if !named && in_url.is_none() {
                        if let Some(default) = interpolation_default(&value)
                            .filter(|d| is_secret_name(&key) && is_literal_secret_value(d))
                        {
                            cx.report(
                                &META,
                                &f.path,
                                sp,
                                format!("Service `{name}` falls back to the literal `{key}` default `{default}` whenever the variable is unset."),
                            )
                            .severity(Severity::Low)
                            .title("Literal password as an interpolation default")
                            .fix(
                                "Make the variable required instead of giving it a default.",
                                format!("{key}: ${{{key}:?{key} must be set}}"),
                                2,
                            );
                        }
                        continue;
                    }
                    let secret = if named {
                        value.as_str()
                    } else {
                        in_url.unwrap_or("")
                    };
                    let weak = dev || super::is_default_password(secret);
                    let msg = if named {
                        format!("Service `{name}` sets `{key}` to a literal password in the compose file; use `${{{key}}}` from an untracked `.env` or a `secrets:` entry.")
                    } else {
                        format!("Service `{name}` has a connection URL with an inline password in `{key}`.")
                    };
                    let b = cx.report(&META, &f.path, sp, msg);
                    if weak {
                        b.severity(Severity::Low);
                    }
                }
            }
        }
    }
}
