//! `container/secret-in-env`: `ENV`/`ARG` that bake a secret into the image — a
//! secret-named variable (`*PASSWORD*`, `*SECRET*`, `*TOKEN*`, `*API_KEY*`) with a
//! literal value. Token-shaped literals (`ghp_…`) are left to
//! `security/hardcoded-credential`, which reports them in every file.

use super::{dockerfile, has_token, is_literal_secret_value, is_secret_name};
use crate::dockerfile::Instruction;
use crate::finding::{Category, Confidence, Severity};
use crate::rules::{Ctx, FixMeta, Rule, RuleMeta};
use crate::source::SourceFile;

pub struct SecretInEnv;

pub static META: RuleMeta = RuleMeta {
    id: "container/secret-in-env",
    title: "Secret baked into the image",
    severity: Severity::High,
    confidence: Confidence::Medium,
    category: Category::Security,
    summary: "An `ENV` or `ARG` gives a secret-named variable (`*PASSWORD*`, `*SECRET*`, `*TOKEN*`, `*API_KEY*`) a literal value (token-shaped literals such as `ghp_…` are reported by `security/hardcoded-credential`).",
    impact: "`ENV` values are stored in the image configuration and `ARG` values in its build history: anyone who can pull the image (or read the Dockerfile in the repository) gets the credential.",
    doc: r#"
## Why it matters
`docker inspect` prints every `ENV`, and `docker history` shows the `ARG` values used
in each `RUN`. Images get pushed to registries, cached on CI runners and shared, so a
credential in an `ENV`/`ARG` is as public as the image. The Dockerfile itself is in
the repository, so the literal is also in git history.

Token-shaped values (`ghp_…`, `AKIA…`, private keys) are reported as critical by
`security/hardcoded-credential` in every file, so this rule skips them. Severities: a
secret-named `ENV` with a literal is
**high**; an `ARG` default is **medium** (it can be overridden but is still in the
file and in the history); well-known throwaway values (`postgres`, `password`,
`changeme`…) are **low**. References (`$DB_PASSWORD`), empty values, paths
(`/run/secrets/db`) and `*_FILE`/`*_URL`-style names are not reported.

## Bad
```dockerfile
ENV DB_PASSWORD=s3cr3t-prod
ARG NPM_TOKEN=npm_4f9c1e2b3a4d5e6f7a8b9c0d1e2f3a4b5c6d
```

## Good
```dockerfile
# syntax=docker/dockerfile:1
RUN --mount=type=secret,id=npm_token \
    NPM_TOKEN="$(cat /run/secrets/npm_token)" npm ci
# and at run time: pass DB_PASSWORD from the orchestrator's secret store
```
"#,
    fix: FixMeta {
        description: "Remove the literal; pass build-time secrets with `RUN --mount=type=secret` and run-time secrets from the orchestrator (compose `secrets:`, Kubernetes Secrets); rotate the exposed credential.",
        snippet: "RUN --mount=type=secret,id=api_token \\\n    API_TOKEN=\"$(cat /run/secrets/api_token)\" ./fetch-deps.sh\n# docker build --secret id=api_token,env=API_TOKEN .",
        effort_minutes: 20,
    },
    references: &[
        "hadolint: DL3044-adjacent; BuildKit check SecretsUsedInArgOrEnv",
        "https://docs.docker.com/build/building/secrets/",
    ],
};

/// `(key, key range, value, value range)` of each assignment in `ENV`/`ARG` args;
/// ranges are byte offsets into `args`.
pub(crate) type Pair<'a> = (&'a str, (usize, usize), String, (usize, usize));

/// Splits `K=v K2="v 2"` (and the legacy `ENV K v w`) into assignments.
pub(crate) fn assignments(i: &Instruction) -> Vec<Pair<'_>> {
    let a = i.args.as_str();
    let b = a.as_bytes();
    let mut out = vec![];
    let first_end = a.find(char::is_whitespace).unwrap_or(a.len());
    if i.keyword == "ENV" && !a[..first_end].contains('=') {
        // Legacy form: ENV KEY value with spaces
        let rest = &a[first_end..];
        let vs = first_end + (rest.len() - rest.trim_start().len());
        if vs < a.len() {
            out.push((
                &a[..first_end],
                (0, first_end),
                a[vs..].to_string(),
                (vs, a.len()),
            ));
        }
        return out;
    }
    let mut p = 0;
    while p < b.len() {
        while p < b.len() && b[p].is_ascii_whitespace() {
            p += 1;
        }
        let ks = p;
        while p < b.len() && b[p] != b'=' && !b[p].is_ascii_whitespace() {
            p += 1;
        }
        let ke = p;
        if p >= b.len() || b[p] != b'=' {
            continue; // ARG without default
        }
        p += 1;
        let vs = p;
        let mut value = String::new();
        while p < b.len() && !b[p].is_ascii_whitespace() {
            match b[p] {
                q @ (b'"' | b'\'') => {
                    p += 1;
                    while p < b.len() && b[p] != q {
                        if q == b'"' && b[p] == b'\\' && p + 1 < b.len() {
                            p += 1;
                        }
                        let ch_end = next_char(a, p);
                        value.push_str(&a[p..ch_end]);
                        p = ch_end;
                    }
                    p = (p + 1).min(b.len());
                }
                b'\\' if p + 1 < b.len() => {
                    p += 1;
                    let ch_end = next_char(a, p);
                    value.push_str(&a[p..ch_end]);
                    p = ch_end;
                }
                _ => {
                    let ch_end = next_char(a, p);
                    value.push_str(&a[p..ch_end]);
                    p = ch_end;
                }
            }
        }
        out.push((&a[ks..ke], (ks, ke), value, (vs, p)));
    }
    out
}

fn next_char(s: &str, p: usize) -> usize {
    let mut e = p + 1;
    while e < s.len() && !s.is_char_boundary(e) {
        e += 1;
    }
    e.min(s.len())
}

impl Rule for SecretInEnv {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    /// Reads Dockerfiles and compose files (its `file` hook), whatever CI runs them:
    /// its workflow, job and step hooks see no platform's workflows.
    fn platforms(&self) -> &'static [crate::workflow::Platform] {
        &[]
    }
    fn file(&self, f: &SourceFile, cx: &mut Ctx) {
        let Some(d) = dockerfile(f) else { return };
        for i in d
            .instructions
            .iter()
            .filter(|i| i.keyword == "ENV" || i.keyword == "ARG")
        {
            for (key, (ks, _), value, (_, ve)) in assignments(i) {
                let sp = i.args_range_to_span(f.text(), ks, ve);
                if has_token(&value) {
                    continue; // reported (critical) by security/hardcoded-credential
                }
                if !is_secret_name(key) || !is_literal_secret_value(&value) {
                    continue;
                }
                let weak = super::is_default_password(&value);
                let sev = match (weak, i.keyword.as_str()) {
                    (true, _) => Severity::Low,
                    (false, "ARG") => Severity::Medium,
                    _ => Severity::High,
                };
                let msg = if i.keyword == "ARG" {
                    format!("`ARG {key}` has a literal default; it is in the Dockerfile and in the image's build history.")
                } else {
                    format!("`ENV {key}` sets a literal secret; it is stored in the image configuration for anyone who can pull it.")
                };
                cx.report(&META, &f.path, sp, msg).severity(sev);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_assignments() {
        let d = crate::dockerfile::parse(
            "FROM a\nENV A=1 B=\"x y\" C=z\\ w\nENV LEGACY some value\nARG X\nARG Y=2\n",
        );
        let got: Vec<Vec<(String, String)>> = d
            .instructions
            .iter()
            .skip(1)
            .map(|i| {
                assignments(i)
                    .into_iter()
                    .map(|(k, _, v, _)| (k.to_string(), v))
                    .collect()
            })
            .collect();
        assert_eq!(
            got[0],
            vec![
                ("A".into(), "1".into()),
                ("B".into(), "x y".into()),
                ("C".into(), "z w".into())
            ]
        );
        assert_eq!(got[1], vec![("LEGACY".into(), "some value".into())]);
        assert!(got[2].is_empty());
        assert_eq!(got[3], vec![("Y".into(), "2".into())]);
    }
}
