//! Dockerfile and compose-file rules: images and services that are unsafe or fragile,
//! plus the small helpers they share (the cached Dockerfile parse, compose services,
//! secret-looking names and token-shaped values).

pub mod add_local_file;
pub mod apt_get_install;
pub mod compose_docker_socket;
pub mod compose_exposed_port;
pub mod compose_literal_password;
pub mod compose_privileged;
pub mod copy_before_install;
pub mod missing_healthcheck;
pub mod root_user;
pub mod secret_in_env;
pub mod unpinned_base_image;

use super::Rule;
use crate::dockerfile::{Dockerfile, Instruction};
use crate::finding::Span;
use crate::source::{FileKind, SourceFile};
use pipewise_yaml::{Entry, Node};

pub static RULES: &[&dyn Rule] = &[
    &add_local_file::AddLocalFile,
    &apt_get_install::AptGetInstall,
    &compose_docker_socket::ComposeDockerSocket,
    &compose_exposed_port::ComposeExposedPort,
    &compose_literal_password::ComposeLiteralPassword,
    &compose_privileged::ComposePrivileged,
    &copy_before_install::CopyBeforeInstall,
    &missing_healthcheck::MissingHealthcheck,
    &root_user::RootUser,
    &secret_in_env::SecretInEnv,
    &unpinned_base_image::UnpinnedBaseImage,
];

/// The parsed Dockerfile of a Dockerfile source (parsed once, on load).
pub(crate) fn dockerfile(f: &SourceFile) -> Option<&Dockerfile> {
    if f.kind == FileKind::Dockerfile {
        f.dockerfile.as_ref()
    } else {
        None
    }
}

/// The stages that make up the final image: the last stage, then the earlier stages
/// it is built `FROM`, last first.
pub(crate) fn final_chain(d: &Dockerfile) -> Vec<usize> {
    let mut out = vec![];
    let mut seen = vec![false; d.stages.len()];
    let mut cur = d.stages.last();
    while let Some(s) = cur {
        if seen.get(s.index).copied().unwrap_or(true) {
            break;
        }
        if let Some(v) = seen.get_mut(s.index) {
            *v = true;
        }
        out.push(s.index);
        cur = d.stage_by_name(&s.base).filter(|p| p.index < s.index);
    }
    out
}

/// Membership of `chain` (stage indices) by stage index: a lookup per instruction
/// instead of a scan of the chain (80,000 stages).
pub(crate) fn stage_set(d: &Dockerfile, chain: &[usize]) -> Vec<bool> {
    let mut set = vec![false; d.stages.len()];
    for &s in chain {
        if let Some(v) = set.get_mut(s) {
            *v = true;
        }
    }
    set
}

/// The `FROM` instruction that opens stage `stage`.
pub(crate) fn from_of(d: &Dockerfile, stage: usize) -> Option<&Instruction> {
    d.instructions
        .iter()
        .find(|i| i.keyword == "FROM" && i.stage == stage)
}

/// The parsed Dockerfile of an image that runs as a service (not a `.devcontainer/`
/// one), with its [`final_chain`].
pub(crate) fn runtime_image(f: &SourceFile) -> Option<(&Dockerfile, Vec<usize>)> {
    let d = dockerfile(f)?;
    if is_devcontainer(&f.path) {
        return None;
    }
    let chain = final_chain(d);
    (!chain.is_empty()).then_some((d, chain))
}

/// From the keyword to the end of the arguments (the instruction line without
/// heredoc bodies).
pub(crate) fn head_span(i: &Instruction) -> Span {
    Span::new(
        i.keyword_span.start,
        i.args_span.end.max(i.keyword_span.end),
    )
}

/// Whitespace-separated words of an instruction's arguments with their byte ranges
/// in `args` (quotes are kept).
pub(crate) fn arg_words(args: &str) -> Vec<(usize, usize)> {
    let mut out = vec![];
    let mut start = None;
    for (i, c) in args.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push((s, i));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push((s, args.len()));
    }
    out
}

/// Whether a Dockerfile is a development container (`.devcontainer/`), where a root
/// user and missing health checks are normal.
pub(crate) fn is_devcontainer(path: &str) -> bool {
    path.starts_with(".devcontainer/") || path.contains("/.devcontainer/")
}

/// The services of a compose file: `(name, entry)`.
pub(crate) fn compose_services(f: &SourceFile) -> Vec<&Entry> {
    if f.kind != FileKind::Compose {
        return vec![];
    }
    let Some(doc) = &f.yaml else { return vec![] };
    match doc.root.get("services").and_then(|s| s.as_map()) {
        Some(m) => m.iter().collect(),
        None => vec![],
    }
}

/// A key of a compose service, looking through YAML merge keys (`<<: *common`,
/// `<<: [*a, *b]`) when the service does not set it itself.
pub(crate) fn svc_entry<'n>(service: &'n Node, key: &str) -> Option<&'n Entry> {
    if let Some(e) = service.entry(key) {
        return Some(e);
    }
    let merged = service.get("<<")?;
    match merged.as_seq() {
        Some(items) => items.iter().find_map(|m| m.entry(key)),
        None => merged.entry(key),
    }
}

/// The value of a compose service key, through merge keys (see [`svc_entry`]).
pub(crate) fn svc_get<'n>(service: &'n Node, key: &str) -> Option<&'n Node> {
    svc_entry(service, key).map(|e| &e.value)
}

/// The image a compose service runs, lower-cased, or `""`.
pub(crate) fn service_image(service: &Node) -> String {
    svc_get(service, "image")
        .and_then(|n| n.as_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Whether a compose file is meant for local development, tests or CI (by its path).
pub(crate) fn is_dev_compose(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    path.starts_with(".github/")
        || ["dev", "local", "test", "ci.", "-ci", "example", "sample"]
            .iter()
            .any(|k| name.contains(k))
        || lower.split('/').any(|d| {
            matches!(
                d,
                "test" | "tests" | "e2e" | "examples" | "example" | "dev" | "testdata" | "fixtures"
            )
        })
}

/// Whether an environment variable name says it holds a secret: `*PASSWORD*`,
/// `*SECRET*`, `*TOKEN*`, `*API_KEY*` and the like, but not names that hold a
/// reference to one (`*_FILE`, `*_PATH`, `*_URL`, …) or a setting about one.
pub(crate) fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    const HINTS: &[&str] = &[
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "ACCESS_KEY",
        "AUTH_KEY",
        "CLIENT_KEY",
    ];
    const NOT: &[&str] = &[
        "_FILE",
        "_PATH",
        "_DIR",
        "_URL",
        "_URI",
        "_ENDPOINT",
        "_NAME",
        "_ID",
        "_LENGTH",
        "_LEN",
        "_TTL",
        "_EXPIRY",
        "_EXPIRES",
        "_TIMEOUT",
        "_HEADER",
        "_TYPE",
        "_ENABLED",
        "_REQUIRED",
        "_POLICY",
        "_ROTATION",
        "_VERSION",
        "_KEY_ID",
    ];
    (HINTS.iter().any(|h| n.contains(h))
        || n.ends_with("_PASS")
        || n.ends_with("_PWD")
        || n == "PASS")
        && !NOT.iter().any(|s| n.ends_with(s))
        && !n.starts_with("NO_")
        && !n.starts_with("DISABLE")
        && !n.starts_with("SKIP_")
}

/// Whether a literal value is a real value rather than a reference, placeholder,
/// flag or number.
pub(crate) fn is_literal_secret_value(v: &str) -> bool {
    let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
    if v.is_empty() || v.contains('$') || v.starts_with('/') || v.starts_with('<') {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "none" | "~" | "-"
    ) {
        return false;
    }
    if v.len() <= 3 && v.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    true
}

/// Well-known throwaway passwords of local and test databases.
pub(crate) fn is_default_password(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "postgres"
            | "password"
            | "pass"
            | "root"
            | "example"
            | "admin"
            | "test"
            | "testing"
            | "secret"
            | "changeme"
            | "dev"
            | "mysql"
            | "guest"
            | "mongo"
            | "redis"
            | "localdev"
            | "development"
    )
}

/// Whether a value holds a token-shaped literal, which `security/hardcoded-credential`
/// reports (critical) in every file; the container rules skip those values.
pub(crate) fn has_token(v: &str) -> bool {
    !crate::rules::security::hardcoded_credential::scan_tokens(v).is_empty()
}

/// Test helper: audits a throw-away repository made of `files` (with `pipewise.toml`
/// text `config`, if given) and returns every finding.
#[cfg(test)]
pub(crate) fn audit_files(
    name: &str,
    files: &[(&str, &str)],
    config: Option<&str>,
) -> Vec<crate::report::ReportFinding> {
    let dir = std::env::temp_dir().join(format!("pipewise-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (p, text) in files {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let cfg = match config {
        Some(t) => crate::config::Config::parse(t, &dir.join("pipewise.toml")).unwrap(),
        None => crate::config::Config::default(),
    };
    let report = crate::audit::audit_path(&dir, Some(&cfg)).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    report.findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        assert!(is_secret_name("DB_PASSWORD"));
        assert!(is_secret_name("github_token"));
        assert!(is_secret_name("STRIPE_API_KEY"));
        assert!(!is_secret_name("POSTGRES_PASSWORD_FILE"));
        assert!(!is_secret_name("TOKEN_URL"));
        assert!(!is_secret_name("PATH"));
        assert!(!is_secret_name("AWS_ACCESS_KEY_ID"));
        assert!(is_secret_name("RABBITMQ_DEFAULT_PASS"));
        assert!(is_secret_name("DB_PWD"));
        assert!(!is_secret_name("OLDPWD"));
        assert!(!is_secret_name("PASSWORD_MIN_LENGTH"));
    }

    #[test]
    fn literal_values() {
        assert!(is_literal_secret_value("hunter2"));
        assert!(!is_literal_secret_value("${DB_PASSWORD}"));
        assert!(!is_literal_secret_value("\"\""));
        assert!(!is_literal_secret_value("/run/secrets/db"));
        assert!(!is_literal_secret_value("64"));
        assert!(is_literal_secret_value("159159"));
    }

    #[test]
    fn words() {
        assert_eq!(arg_words(" a  bc d"), vec![(1, 2), (4, 6), (7, 8)]);
    }
}
