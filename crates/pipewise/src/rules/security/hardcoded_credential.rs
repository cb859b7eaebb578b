//! `security/hardcoded-credential`: literal passwords in job `container`/`services`
//! `credentials` and `env`, and token-shaped literals (GitHub, AWS, Slack, GitLab,
//! npm, PyPI, Stripe, Google keys, private key blocks) in any audited file.

use crate::finding::{Category, Confidence, Severity, Span};
use crate::rules::{entry_span, Ctx, FixMeta, Rule, RuleMeta};
use crate::source::SourceFile;
use crate::workflow::{Job, Workflow};
use pipewise_yaml::Node;

pub struct HardcodedCredential;

pub static META: RuleMeta = RuleMeta {
    id: "security/hardcoded-credential",
    title: "Hard-coded credential",
    severity: Severity::High,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "A credential written into the repository: a token-shaped literal (`ghp_…`, `github_pat_…`, `AKIA…`, `xoxb-…`, a private key block) anywhere (critical), a literal registry password in `container`/`services` `credentials` (high), or a password in their `env` (low for the usual throwaway test-database passwords of service containers).",
    impact: "Anyone who can read the repository, a fork or its history can use the credential; rotating it means rewriting history.",
    doc: r#"
## Why it matters
A secret committed to a repository is public to everyone who can read it, forever (it
stays in the history and in every fork). Registry credentials in `container:` or
`services:` belong in `secrets`. Throwaway passwords for a database service that only
lives for the job are a much smaller risk, but still teach the habit and often get
copied into real configuration.

## Bad
```yaml
container:
  image: ghcr.io/acme/build:1
  credentials:
    username: ci
    password: hunter2
```

## Good
```yaml
container:
  image: ghcr.io/acme/build:1
  credentials:
    username: ${{ github.actor }}
    password: ${{ secrets.GITHUB_TOKEN }}
```
"#,
    fix: FixMeta {
        description: "Revoke the credential, store it as a secret and reference it with `${{ secrets.NAME }}`.",
        snippet: "password: ${{ secrets.REGISTRY_PASSWORD }}",
        effort_minutes: 15,
    },
    references: &["zizmor: hardcoded-container-credentials", "https://docs.github.com/en/code-security/secret-scanning"],
};

/// (prefix, min length of the following token charset run, label).
const TOKENS: &[(&str, usize, &str)] = &[
    ("ghp_", 36, "GitHub personal access token"),
    ("gho_", 36, "GitHub OAuth token"),
    ("ghu_", 36, "GitHub user-to-server token"),
    ("ghs_", 36, "GitHub server-to-server token"),
    ("ghr_", 36, "GitHub refresh token"),
    ("github_pat_", 40, "GitHub fine-grained token"),
    ("glpat-", 20, "GitLab token"),
    ("xoxb-", 20, "Slack bot token"),
    ("xoxp-", 20, "Slack user token"),
    ("xoxa-", 20, "Slack token"),
    ("xoxs-", 20, "Slack token"),
    ("npm_", 36, "npm token"),
    ("pypi-AgEIcHlwaS5vcmc", 50, "PyPI token"),
    ("sk_live_", 24, "Stripe secret key"),
    ("AIza", 35, "Google API key"),
    ("AKIA", 16, "AWS access key id"),
    ("ASIA", 16, "AWS temporary access key id"),
];

const KEY_HEADERS: &[&str] = &[
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----BEGIN EC PRIVATE KEY-----",
    "-----BEGIN DSA PRIVATE KEY-----",
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "-----BEGIN PRIVATE KEY-----",
    "-----BEGIN PGP PRIVATE KEY BLOCK-----",
    "-----BEGIN ENCRYPTED PRIVATE KEY-----",
];

fn token_char(c: u8, prefix: &str) -> bool {
    if prefix.starts_with("AKIA") || prefix.starts_with("ASIA") {
        c.is_ascii_uppercase() || c.is_ascii_digit()
    } else {
        c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
    }
}

/// Looks like a placeholder: `xxxx`, `EXAMPLE`, `0000`, `<…>`, few distinct chars.
fn placeholder(tok: &str) -> bool {
    let up = tok.to_ascii_uppercase();
    if up.contains("EXAMPLE")
        || up.contains("XXXX")
        || up.contains("0000")
        || up.contains("DUMMY")
        || up.contains("FAKE")
        || up.contains("REDACTED")
    {
        return true;
    }
    let mut distinct: Vec<u8> = tok.bytes().collect();
    distinct.sort_unstable();
    distinct.dedup();
    distinct.len() < 8
}

/// One automaton for every token prefix and key header: a file is scanned once,
/// not once per pattern (indices below `TOKENS.len()` are tokens, the rest headers).
fn token_automaton() -> &'static aho_corasick::AhoCorasick {
    static AC: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    AC.get_or_init(|| {
        let patterns = TOKENS
            .iter()
            .map(|(prefix, _, _)| *prefix)
            .chain(KEY_HEADERS.iter().copied());
        // Leftmost-first lets the search use aho-corasick's SIMD prefilter (Teddy):
        // no pattern is a prefix of another, so the matches are the same. The
        // prefilter finds the candidates, so the automaton only confirms them: a
        // contiguous NFA does that as fast as a DFA here and builds for 1.3 M
        // instructions less (callgrind, either corpus).
        aho_corasick::AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(patterns)
            .expect("fixed literal patterns always build")
    })
}

/// Token-shaped literals in `text`: (span, label).
pub fn scan_tokens(text: &str) -> Vec<(Span, &'static str)> {
    let b = text.as_bytes();
    let mut out = vec![];
    for m in token_automaton().find_iter(text) {
        let start = m.start();
        if let Some((prefix, min, label)) = TOKENS.get(m.pattern().as_usize()) {
            // Must start a word.
            if start > 0 && (b[start - 1].is_ascii_alphanumeric() || b[start - 1] == b'_') {
                continue;
            }
            let mut end = m.end();
            while end < b.len() && token_char(b[end], prefix) {
                end += 1;
            }
            let run = end - m.end();
            let exact_aws = prefix.starts_with("AKIA") || prefix.starts_with("ASIA");
            if run < *min || (exact_aws && run != *min) {
                continue;
            }
            if placeholder(text.get(m.end()..end).unwrap_or("")) {
                continue;
            }
            out.push((Span::new(start, end), *label));
        } else {
            // A real key has base64 body lines right after the header.
            let body = text.get(m.end()..).unwrap_or("");
            let next: String = body
                .trim_start_matches(['\r', '\n', '"', '\\', 'n'])
                .chars()
                .take(40)
                .collect();
            if next.len() >= 40
                && next.chars().all(|c| {
                    c.is_ascii_alphanumeric()
                        || c == '+'
                        || c == '/'
                        || c == '='
                        || c == ':'
                        || c == '-'
                        || c == ' '
                })
                && !next.contains("...")
            {
                out.push((Span::new(start, m.end()), "private key"));
            }
        }
    }
    out
}

fn report_tokens(path: &str, text: &str, cx: &mut Ctx) {
    for (span, label) in scan_tokens(text) {
        cx.report(
            &META,
            path,
            span,
            format!("A literal {label} is committed here; anyone who can read the repository can use it."),
        )
        .severity(Severity::Critical)
        .title(format!("Committed {label}"))
        .fix(
            "Revoke the credential now, then store the new one as a secret.",
            "TOKEN: ${{ secrets.TOKEN }}",
            20,
        );
    }
}

const TEST_IMAGES: &[&str] = &[
    "postgres",
    "postgis",
    "mysql",
    "mariadb",
    "redis",
    "mongo",
    "mssql",
    "sqlserver",
    "rabbitmq",
    "elasticsearch",
    "opensearch",
    "clickhouse",
    "cassandra",
    "minio",
    "keycloak",
    "localstack",
    "timescale",
    "cockroach",
    "neo4j",
    "couchdb",
    "memcached",
    "azure-sql-edge",
    "oracle",
    "db2",
];

fn secretish(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    (k.contains("PASSWORD")
        || k.contains("PASSWD")
        || k.ends_with("_PASS")
        || k.contains("SECRET")
        || k.ends_with("TOKEN")
        || k.contains("API_KEY")
        || k.contains("ACCESS_KEY"))
        && !k.contains("ALLOW_EMPTY")
        && !k.contains("RANDOM")
        && !k.ends_with("_FILE")
}

fn literal(v: &Node) -> Option<&str> {
    let s = v.as_str()?.trim();
    if s.is_empty() || s.contains("${{") || s.starts_with('$') {
        return None;
    }
    Some(s)
}

/// A container's settings (`node`) and its image (the lowering's reading of it).
struct Container<'n> {
    node: &'n Node,
    image: Option<&'n Node>,
}

fn check_container(
    wf: &Workflow,
    job: &Job,
    what: &str,
    c: Container,
    service: bool,
    cx: &mut Ctx,
) {
    let node = c.node;
    // The service name counts too: `postgres: { image: ${{ matrix.db }} }`.
    let image = what.to_ascii_lowercase()
        + " "
        + &c.image
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_ascii_lowercase();
    if let Some(pw) = node.get("credentials").and_then(|c| c.entry("password")) {
        if literal(&pw.value).is_some() {
            cx.report(
                &META,
                wf.path,
                entry_span(pw),
                format!("{what} registry password is a literal in the workflow; use a secret."),
            )
            .severity(Severity::High)
            .job(Some(job.id));
        }
    }
    let Some(env) = node.get("env").and_then(|e| e.as_map()) else {
        return;
    };
    let test_db = service && TEST_IMAGES.iter().any(|t| image.contains(t));
    for e in env {
        let Some(k) = e.key.as_str() else { continue };
        if !secretish(k) || literal(&e.value).is_none() {
            continue;
        }
        // A throwaway password of a test database service (`postgres` with
        // `POSTGRES_PASSWORD: postgres`) protects nothing: not a finding.
        if test_db {
            continue;
        }
        let sev = Severity::Medium;
        cx.report(
            &META,
            wf.path,
            entry_span(e),
            format!("{what} sets `{k}` to a literal value."),
        )
        .severity(sev)
        .job(Some(job.id))
        .fix(
            "Reference a secret instead of a literal.",
            format!("{k}: ${{{{ secrets.{} }}}}", k.to_ascii_uppercase()),
            5,
        );
    }
}

impl Rule for HardcodedCredential {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    /// Reads scripts and images only: holds on every platform.
    fn platforms(&self) -> &'static [crate::workflow::Platform] {
        crate::workflow::Platform::ALL
    }
    fn workflow(&self, wf: &Workflow, cx: &mut Ctx) {
        report_tokens(wf.path, wf.doc.source(), cx);
    }
    fn action(&self, a: &crate::workflow::Action, cx: &mut Ctx) {
        report_tokens(a.path, a.doc.source(), cx);
    }
    fn file(&self, file: &SourceFile, cx: &mut Ctx) {
        report_tokens(&file.path, file.text(), cx);
    }
    fn job(&self, wf: &Workflow, job: &Job, cx: &mut Ctx) {
        if let Some(c) = job.container {
            let c = Container {
                node: &c.entry.value,
                image: c.image,
            };
            check_container(wf, job, "The job container", c, false, cx);
        }
        for s in &job.services {
            let name = s.name.unwrap_or("service");
            let c = Container {
                node: s.node,
                image: s.image,
            };
            check_container(wf, job, &format!("Service `{name}`"), c, true, cx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::scan_tokens;

    /// The token automaton is the cheap-to-build kind (its prefilter does the search).
    #[test]
    fn token_automaton_is_a_contiguous_nfa() {
        assert_eq!(
            super::token_automaton().kind(),
            aho_corasick::AhoCorasickKind::ContiguousNFA
        );
    }

    #[test]
    fn finds_real_shapes_and_skips_placeholders() {
        let hits = |s: &str| scan_tokens(s).len();
        assert_eq!(hits("key AKIAQ3EGRTYUIOPLKJ7H end"), 1);
        assert_eq!(hits("AKIAIOSFODNN7EXAMPLE"), 0);
        assert_eq!(hits("XAKIAQ3EGRTYUIOPLKJ7H"), 0, "must start a word");
        assert_eq!(
            hits("AKIAQ3EGRTYUIOPLKJ7HZZ"),
            0,
            "AWS ids are exactly 20 chars"
        );
        assert_eq!(hits("ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), 0);
        assert_eq!(hits("ghp_R4nd0mL00k1ngT0k3nW1thEn0ughCh4rs9Zq"), 1);
        assert_eq!(hits("grep -- '-----BEGIN PRIVATE KEY-----' ."), 0);
        assert_eq!(
            hits("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"),
            1
        );
        // No panic on multi-byte text around prefixes.
        assert_eq!(hits("é ghp_ é AKIA é xoxb- é"), 0);
    }
}
