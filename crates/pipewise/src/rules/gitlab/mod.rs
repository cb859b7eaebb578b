//! GitLab CI rules: what only a GitLab pipeline can get wrong (predefined variables
//! an outsider controls, `$[[ inputs ]]`, includes and components, `CI_JOB_TOKEN`,
//! docker-in-docker, debug tracing, `allow_failure`, environments and resource
//! groups). They run on the merged, lowered pipeline (`crate::gitlab`): rules about a
//! file's own keys read each file's definitions as written (one finding per place,
//! however many jobs extend it), rules about what a job does read the merged jobs.

pub mod allow_failure_gate;
pub mod artifact_secrets;
pub mod broad_id_token;
pub mod debug_trace;
pub mod deploy_without_environment;
pub mod dind_tls_disabled;
pub mod duplicate_key;
pub mod hardcoded_variable;
pub mod inputs_injection;
pub mod job_token_exposure;
pub mod merge_request_secrets;
pub mod missing_interruptible;
pub mod missing_timeout;
pub mod script_injection;
pub mod unpinned_image;
pub mod unpinned_include;

use super::{Ctx, FindingBuilder, Rule, RuleMeta};
use crate::finding::Span;
use crate::gitlab::Pipeline;
use crate::workflow::{Platform, Workflow};
use pipewise_yaml::{Entry, Node, NodeKind};

pub static RULES: &[&dyn Rule] = &[
    &allow_failure_gate::AllowFailureGate,
    &artifact_secrets::ArtifactSecrets,
    &broad_id_token::BroadIdToken,
    &debug_trace::DebugTrace,
    &deploy_without_environment::DeployWithoutEnvironment,
    &dind_tls_disabled::DindTlsDisabled,
    &duplicate_key::DuplicateKey,
    &hardcoded_variable::HardcodedVariable,
    &inputs_injection::InputsInjection,
    &job_token_exposure::JobTokenExposure,
    &merge_request_secrets::MergeRequestSecrets,
    &missing_interruptible::MissingInterruptible,
    &missing_timeout::MissingTimeout,
    &script_injection::ScriptInjection,
    &unpinned_image::UnpinnedImage,
    &unpinned_include::UnpinnedInclude,
];

/// What GitLab rules declare as their platform.
pub const GITLAB: &[Platform] = &[Platform::GitLab];

/// Every definition a GitLab file writes that can hold job keywords: the file itself
/// (global `variables`, `image`, `services`), `default:`, jobs and hidden templates.
/// Each is `(name, node)`; the file's root is named `""`.
pub fn definitions<'a>(wf: &Workflow<'a>) -> Vec<(&'a str, &'a Node)> {
    let mut out = vec![("", wf.root)];
    for e in wf.root.as_map().unwrap_or(&[]) {
        let Some(k) = e.key.as_str() else { continue };
        if e.value.as_map().is_some()
            && (k == "default" || !crate::gitlab::pipeline::is_global_key(k))
        {
            out.push((k, &e.value));
        }
    }
    out
}

/// The entries of a `variables:` mapping with their value nodes (`NAME: value` or
/// `NAME: {value: …, description: …}`).
pub fn variables(n: &Node) -> Vec<(&Entry, &Node)> {
    n.get("variables")
        .and_then(Node::as_map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|e| {
            let v = match &e.value.kind {
                NodeKind::Map(_) => e.value.get("value")?,
                _ => &e.value,
            };
            Some((e, v))
        })
        .collect()
}

/// One variable a definition sets (see [`definitions`] and [`variables`]).
pub struct VarSite<'a> {
    /// The definition's name (`""` for the global configuration).
    pub name: &'a str,
    pub def: &'a Node,
    pub key: &'a str,
    pub entry: &'a Entry,
    /// The value node (`value:` of the long form).
    pub value: &'a Node,
}

/// Every variable with a string key, of every definition of the file.
pub fn all_variables<'a>(wf: &Workflow<'a>) -> impl Iterator<Item = VarSite<'a>> {
    definitions(wf).into_iter().flat_map(|(name, def)| {
        variables(def)
            .into_iter()
            .filter_map(move |(entry, value)| {
                Some(VarSite {
                    name,
                    def,
                    key: entry.key.as_str()?,
                    entry,
                    value,
                })
            })
    })
}

/// Reports a finding of definition `name` (see [`definitions`]), naming it as the
/// finding's job unless it is the global configuration or `default:`.
pub fn report_in<'c>(
    cx: &'c mut Ctx,
    meta: &'static RuleMeta,
    path: &str,
    name: &str,
    span: Span,
    message: String,
) -> FindingBuilder<'c> {
    cx.report(meta, path, span, message)
        .job((!name.is_empty() && name != "default").then_some(name))
}

/// A human name for a definition in messages.
pub fn where_(name: &str) -> String {
    match name {
        "" => "the global configuration".into(),
        "default" => "`default:`".into(),
        n => format!("`{n}`"),
    }
}

/// Positions of `$NAME` / `${NAME}` in `text` for the names in `names`, with the
/// name found.
pub fn var_refs<'n>(text: &str, names: &[&'n str]) -> Vec<(usize, usize, &'n str)> {
    let mut out = vec![];
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'$', &b[i..]) {
        let at = i + off;
        i = at + 1;
        let (start, braced) = match b.get(at + 1) {
            Some(b'{') => (at + 2, true),
            _ => (at + 1, false),
        };
        let end = start
            + b[start.min(b.len())..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                .count();
        let Some(word) = text.get(start..end) else {
            continue;
        };
        if let Some(n) = names.iter().find(|n| **n == word) {
            let stop = if braced {
                text[end..].find('}').map(|p| end + p + 1).unwrap_or(end)
            } else {
                end
            };
            out.push((at, stop, *n));
        }
    }
    out
}

/// The merged pipeline GitLab CI workflow `wf` was lowered from: the one the engine
/// audits it in (`None` for a GitHub workflow). The GitLab rules reach the pipeline
/// here; the neutral [`Workflow`] does not name it.
pub fn pipeline_of<'c>(cx: &Ctx<'c>, wf: &Workflow) -> Option<&'c Pipeline<'c>> {
    cx.gitlab
        .filter(|p| wf.platform == Platform::GitLab && p.files.iter().any(|f| f.path == wf.path))
}

/// Where to point for a key of a merged GitLab job: the key's own node when it is
/// written in this workflow's file, else the job's name.
pub fn job_key_span(
    cx: &Ctx,
    wf: &Workflow,
    job: &crate::workflow::Job,
    key: &str,
) -> crate::finding::Span {
    let own = pipeline_of(cx, wf)
        .and_then(|p| {
            let gj = p.job(job.id)?;
            let f = gj.file_of(key)?;
            (p.files.get(f)?.path == wf.path).then_some(())
        })
        .and_then(|_| job.entry(key));
    match own {
        Some(e) => crate::rules::entry_span(e),
        None => job.key.span,
    }
}

/// The words a credential's name holds, as one list: the tests' oracle; the rule reads
/// them by first letter ([`secret_words_at`], checked against this list).
#[cfg(test)]
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
];
/// Names that hold something about a secret, not the secret.
const NOT_SECRET_SUFFIXES: &[&str] = &[
    "_FILE",
    "_PATH",
    "_NAME",
    "_USER",
    "_USERNAME",
    "_URL",
    "_HEADER",
    "_TYPE",
    "_ID",
    "_VAR",
    "_VARIABLE",
    "_ENV",
    "_DIR",
    "_KEY_ID",
];

/// A variable named like a credential (`DEPLOY_TOKEN`, `DB_PASSWORD`), not like
/// something about one (`TOKEN_FILE`, `AWS_ACCESS_KEY_ID`).
/// Compared byte by byte, ASCII case ignored, without an upper-cased copy or a
/// substring searcher per word: it runs on every variable name of every job.
/// The words are looked for first (most names hold none, and then the suffixes are
/// not asked), each only where a byte equals its first letter ([`secret_words_at`]).
pub fn credential_name(name: &str) -> bool {
    let b = name.as_bytes();
    let word = (0..b.len()).any(|i| {
        let rest = &b[i..];
        secret_words_at(b[i]).iter().any(|w| {
            let w = w.as_bytes();
            rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w)
        })
    });
    let ends_with =
        |s: &str| b.len() >= s.len() && b[b.len() - s.len()..].eq_ignore_ascii_case(s.as_bytes());
    word && !NOT_SECRET_SUFFIXES.iter().any(|s| ends_with(s))
}

/// The `SECRET_WORDS` that start with byte `c` (ASCII case ignored): a name's byte
/// is compared with the few words it can start, not with all eight.
fn secret_words_at(c: u8) -> &'static [&'static str] {
    match c.to_ascii_uppercase() {
        b'P' => &["PASSWORD", "PASSWD", "PRIVATE_KEY"],
        b'S' => &["SECRET"],
        b'T' => &["TOKEN"],
        b'A' => &["API_KEY", "APIKEY", "ACCESS_KEY"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The former reading (an upper-cased copy, a substring search per word) as the
    /// oracle of the byte-by-byte one.
    fn credential_name_by_search(name: &str) -> bool {
        let upper = name.to_ascii_uppercase();
        SECRET_WORDS.iter().any(|w| upper.contains(w))
            && !NOT_SECRET_SUFFIXES.iter().any(|s| upper.ends_with(s))
    }

    #[test]
    fn secret_words_at_are_the_words_starting_with_the_byte() {
        for c in 0..=u8::MAX {
            let want: Vec<&str> = SECRET_WORDS
                .iter()
                .copied()
                .filter(|w| w.as_bytes()[0].eq_ignore_ascii_case(&c))
                .collect();
            let mut got = secret_words_at(c).to_vec();
            got.sort_unstable();
            let mut want_sorted = want.clone();
            want_sorted.sort_unstable();
            assert_eq!(got, want_sorted, "{c}");
        }
    }

    #[test]
    fn credential_name_equals_the_search() {
        let names = [
            "DEPLOY_TOKEN",
            "deploy_token",
            "Db_PassWord",
            "DB_PASSWD",
            "TOKEN_FILE",
            "token_file",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "aws_secret_access_key",
            "GITHUB_API_KEY",
            "MYAPIKEY",
            "SSH_PRIVATE_KEY",
            "SSH_PRIVATE_KEY_PATH",
            "TOKENIZER",
            "TOK",
            "T",
            "",
            "_ID",
            "SECRET",
            "secret_id",
            "NOT_A_SECRET_NAME",
            "PASS",
            "PASSWOR",
            "Pässwörd_TOKEN",
            "ΤOKEN",
            "CI_JOB_TOKEN",
            "REGISTRY_PASSWORD_USER",
            "X_SECRET_KEY_ID",
            "TOKEN_ENV",
            "TOKEN_env",
            "PRIVATE_KEY_VAR",
            "ACCESS_KEYS",
            "ACCESS_KE",
            "APIKEYAPI_KEY",
            "PPASSWORD",
            "SSECRET",
        ];
        for n in names {
            assert_eq!(credential_name(n), credential_name_by_search(n), "{n:?}");
        }
        // Every pair and triple of fragments: words, suffixes, their cuts and case.
        let mut parts: Vec<String> = vec!["".into(), "X".into(), "_".into(), "é".into()];
        for w in SECRET_WORDS.iter().chain(NOT_SECRET_SUFFIXES) {
            parts.push(w.to_string());
            parts.push(w.to_ascii_lowercase());
            parts.push(w[..w.len() - 1].to_string());
            parts.push(w[1..].to_string());
        }
        for a in &parts {
            for b in &parts {
                for c in ["", "_ID", "token", "S"] {
                    let n = format!("{a}{b}{c}");
                    assert_eq!(credential_name(&n), credential_name_by_search(&n), "{n:?}");
                }
            }
        }
        assert!(credential_name("deploy_token"));
        assert!(!credential_name("TOKEN_FILE"));
        assert!(!credential_name("CI_PROJECT_NAME"));
    }
}
