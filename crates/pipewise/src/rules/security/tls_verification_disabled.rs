//! `security/tls-verification-disabled`: `curl -k`/`--insecure` or `wget
//! --no-check-certificate` in `run:` blocks and the scripts they call: the download
//! accepts any certificate, so whoever sits on the network path answers in the
//! server's place. Requests to the runner itself (`localhost`, `127.0.0.1`, `[::1]`)
//! are left alone: a local service with a self-signed certificate is the usual
//! reason and nothing crosses a network.

use crate::finding::{Category, Confidence, Severity};
use crate::rules::{step_scripts_iter, Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::shell::Command;

pub struct TlsVerificationDisabled;

pub static META: RuleMeta = RuleMeta {
    id: "security/tls-verification-disabled",
    title: "TLS certificate verification turned off",
    severity: Severity::Medium,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "`curl -k`/`--insecure` or `wget --no-check-certificate` downloads from a remote host without checking its certificate.",
    impact: "Anyone on the network path (a proxy, a hijacked DNS answer) can serve their own file or read what is sent, tokens included; what is downloaded may then be built, shipped or run.",
    doc: r#"
## Why it matters
Turning certificate verification off removes the only proof that the answer comes
from the host in the URL. In CI the download is often a tool, a script or an
artifact that is then run or shipped, and the request often carries a token.

## Bad
```yaml
- run: curl -fsSLk https://example.com/tool.tar.gz -o tool.tar.gz
```

## Good
```yaml
- run: curl -fsSL https://example.com/tool.tar.gz -o tool.tar.gz
```
If the host uses a private CA, pass it with `--cacert ca.pem` (`wget
--ca-certificate`) instead of turning verification off.
"#,
    fix: FixMeta {
        description: "Drop `-k`/`--insecure` (`--no-check-certificate`); for a private CA pass `--cacert`.",
        snippet: "curl -fsSL --cacert ca.pem https://internal.example.com/tool.tar.gz -o tool.tar.gz",
        effort_minutes: 10,
    },
    references: &["https://curl.se/docs/manpage.html#-k"],
};

/// curl's short options that take no value: a cluster of them may end in `k`
/// (`-fsSLk`); a value-taking letter before the `k` (`-ok`) makes `k` its value.
const CURL_BOOLEAN: &str = "fsSLvIiNgGjlnqRZ0123456#";

/// The flag that turns verification off, if `c` is a curl or wget command with one.
fn insecure_flag(c: &Command) -> Option<&str> {
    let args = c.args();
    let flag = match c.base_name() {
        "curl" => args.iter().find(|w| {
            w.text == "--insecure"
                || w.text.strip_prefix('-').is_some_and(|cluster| {
                    !cluster.starts_with('-')
                        && cluster.split_once('k').is_some_and(|(before, _)| {
                            before.chars().all(|ch| CURL_BOOLEAN.contains(ch))
                        })
                })
        }),
        "wget" => args.iter().find(|w| w.text == "--no-check-certificate"),
        _ => None,
    }?;
    let local = args.iter().any(|w| {
        let t = w.text.to_ascii_lowercase();
        ["localhost", "127.0.0.1", "[::1]", "0.0.0.0"]
            .iter()
            .any(|h| t.contains(h))
    });
    (!local).then_some(flag.text.as_str())
}

impl Rule for TlsVerificationDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn platforms(&self) -> &'static [crate::workflow::Platform] {
        crate::workflow::Platform::ALL
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        for ss in step_scripts_iter(site, cx.facts, cx.scripts, cx.repo) {
            // Only `curl` and `wget` are read (most scripts run neither: their name
            // filter says so); once per shared script (a GitLab line many jobs run).
            const CURL_WGET: crate::shell::Names = crate::shell::Names::of(&["curl", "wget"]);
            if !ss.script.names.any_of(CURL_WGET)
                || !cx.script_fact(&ss, "turns off certificate checks", |s| {
                    s.commands.iter().any(|c| insecure_flag(c).is_some())
                })
            {
                continue;
            }
            for c in &ss.script.commands {
                let Some(flag) = insecure_flag(c) else {
                    continue;
                };
                let msg = format!(
                    "`{} {flag}` accepts any certificate: whoever is on the network path can answer in the server's place.",
                    c.base_name()
                );
                let b = cx
                    .report(&META, ss.path, ss.span(site.doc_for(&ss), c.span), msg)
                    .site(site);
                if let Some((via, chain)) = &ss.via {
                    let _ = b.related(
                        site.path,
                        *via,
                        format!("reached from this step (via {})", chain.join(" → ")),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(cmd: &str) -> Option<String> {
        let s = crate::shell::Script::parse(cmd);
        s.commands
            .first()
            .and_then(insecure_flag)
            .map(str::to_string)
    }

    #[test]
    fn reads_the_flag_from_the_command_line() {
        assert_eq!(flag("curl -k https://x.example").as_deref(), Some("-k"));
        assert_eq!(
            flag("curl -fsSLk https://x.example").as_deref(),
            Some("-fsSLk")
        );
        assert_eq!(
            flag("curl --insecure -o a https://x.example").as_deref(),
            Some("--insecure")
        );
        assert_eq!(
            flag("wget --no-check-certificate https://x.example").as_deref(),
            Some("--no-check-certificate")
        );
        // Not the flag: a value after -o, an upper-case -K (config file), long options.
        assert_eq!(flag("curl -ok.txt https://x.example"), None);
        assert_eq!(flag("curl -K curl.cfg https://x.example"), None);
        assert_eq!(flag("curl --keepalive-time 5 https://x.example"), None);
        assert_eq!(flag("curl -fsSL https://x.example"), None);
        // The runner itself.
        assert_eq!(flag("curl -k https://localhost:8443/health"), None);
        assert_eq!(flag("wget --no-check-certificate https://127.0.0.1/"), None);
        assert_eq!(flag("echo curl -k"), None);
    }
}
