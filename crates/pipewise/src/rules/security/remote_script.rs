//! `security/remote-script`: a script downloaded and executed in one go —
//! `curl … | bash`, `wget -O- … | sh`, `bash <(curl …)`, `sh -c "$(curl …)"` — in
//! `run:` blocks of workflows and composite actions, the scripts they call, and
//! Dockerfile `RUN` instructions.

use crate::finding::{Category, Confidence, Severity, Span};
use crate::rules::{step_scripts_iter, Ctx, FixMeta, Rule, RuleMeta, StepSite};
use crate::shell::{Command, Script};
use crate::source::{FileKind, SourceFile};

pub struct RemoteScript;

pub static META: RuleMeta = RuleMeta {
    id: "security/remote-script",
    title: "Remote script piped into a shell",
    severity: Severity::Medium,
    confidence: Confidence::High,
    category: Category::Security,
    summary: "A script fetched with `curl`/`wget` is executed directly (`| bash`, `bash <(curl …)`, `sh -c \"$(curl …)\"`) without a pinned version or checksum; over plain `http://` it is high.",
    impact: "Whoever controls that URL (or its CDN, DNS, or a network path for `http://`) runs arbitrary code in the pipeline or image, with its secrets; a truncated download can also run half a script.",
    doc: r#"
## Why it matters
Piping a download into a shell executes whatever the server returns today, unreviewed
and unverified. Installer URLs are popular targets (the 2021 Codecov bash uploader
compromise leaked CI secrets from thousands of pipelines). Download to a file, verify
a published checksum or signature, then run it — or use a pinned package/action.

Checked in workflow and composite-action `run:` steps, the repository scripts they
call (in a composite action also `$GITHUB_ACTION_PATH/…` and scripts run from
`working-directory: ${{ github.action_path }}`), and Dockerfile `RUN` instructions
(heredocs included). Arguments passed to the
piped shell (`| sh -s -- --yes`, `| bash -s v1.2`) do not make it safe: `-s` still
reads the script from stdin.

## Bad
```yaml
- run: curl -sSL https://example.com/install.sh | bash
```

## Good
```yaml
- run: |
    curl -sSLo install.sh https://example.com/v1.4.2/install.sh
    echo "3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  install.sh" | sha256sum -c -
    bash install.sh
```
"#,
    fix: FixMeta {
        description: "Download to a file, verify its checksum, then execute it (or use a pinned package or action).",
        snippet: "curl -sSLo install.sh https://example.com/v1.2.3/install.sh\necho \"<sha256>  install.sh\" | sha256sum -c -\nbash install.sh",
        effort_minutes: 15,
    },
    references: &["https://about.codecov.io/security-update/"],
};

const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh", "ash", "fish"];
const INTERPRETERS: &[&str] = &[
    "python", "python3", "perl", "ruby", "node", "php", "pwsh", "iex",
];

fn is_fetch(c: &Command) -> bool {
    FETCHERS.contains(&c.base_name())
}

/// The downloads [`is_fetch`] knows.
const FETCHERS: &[&str] = &["curl", "wget", "iwr", "Invoke-WebRequest"];

/// The names [`find`] starts from, as a name filter ([`crate::shell::Names`]): a
/// download ([`is_fetch`]), or a shell, `source`, `.` or `eval` running one.
const FIND_NAMES: crate::shell::Names = crate::shell::Names::of(SHELLS)
    .union(crate::shell::Names::of(FETCHERS))
    .union(crate::shell::Names::of(&["source", ".", "eval"]));

/// The shell or interpreter that reads stdin, if this command is one.
fn shell_sink(c: &Command) -> Option<&str> {
    let mut name = c.base_name();
    let mut args = c.args();
    if matches!(name, "sudo" | "env" | "exec") {
        let rest: Vec<&crate::shell::Word> =
            args.iter().filter(|w| !w.text.starts_with('-')).collect();
        let first = rest.first()?;
        name = first.text.rsplit('/').next().unwrap_or(&first.text);
        args = &[];
    }
    if SHELLS.contains(&name) {
        return shell_reads_stdin(args).then_some(name);
    }
    let reads_file = args
        .iter()
        .any(|w| !w.text.starts_with('-') && !w.text.is_empty());
    (INTERPRETERS.contains(&name) && !reads_file).then_some(name)
}

/// Whether a shell called with `args` reads its script from stdin: `sh`, `bash -e`,
/// `sh -s -- --flag value` (`-s`: stdin, the rest are `$1…`), but not `bash script.sh`
/// (reads the file) or `sh -c '…'` (runs the string).
fn shell_reads_stdin(args: &[crate::shell::Word]) -> bool {
    let mut it = args.iter().map(|w| w.text.as_str());
    while let Some(a) = it.next() {
        if a == "-" {
            return true;
        }
        if a == "--" {
            // `bash -- file` reads the file; a bare `--` still reads stdin.
            return it.next().is_none();
        }
        if a == "-o" || a == "+o" {
            let _ = it.next();
            continue;
        }
        if let Some(flags) = a.strip_prefix('-').filter(|f| !f.starts_with('-')) {
            if flags.contains('s') {
                return true;
            }
            if flags.contains('c') {
                return false;
            }
            continue;
        }
        if a.starts_with("--") || a.starts_with('+') {
            continue;
        }
        // The first operand is a script file.
        return a.is_empty();
    }
    true
}

fn url_of(c: &Command) -> Option<&str> {
    c.args()
        .iter()
        .map(|w| w.text.as_str())
        .find(|t| t.starts_with("http://") || t.starts_with("https://") || t.contains("://"))
}

/// (span in script text, description, insecure http).
pub fn find(script: &Script) -> Vec<(Span, String, bool)> {
    let mut out = vec![];
    for list in &script.lists {
        for item in &list.items {
            if !item.pipeline {
                continue;
            }
            let cmds: Vec<&Command> = item
                .commands
                .iter()
                .filter_map(|&i| script.commands.get(i))
                .collect();
            let Some(fi) = cmds.iter().position(|c| is_fetch(c)) else {
                continue;
            };
            if let Some((sink, sh)) = cmds[fi + 1..]
                .iter()
                .find_map(|c| shell_sink(c).map(|s| (c, s)))
            {
                let url = url_of(cmds[fi]).unwrap_or("a URL");
                out.push((
                    Span::new(cmds[fi].span.start, sink.span.end),
                    format!("`{} … | {sh}` runs {url} unverified", cmds[fi].base_name()),
                    url.starts_with("http://"),
                ));
            }
        }
    }
    // `bash <(curl …)`, `sh -c "$(curl …)"`, `source <(wget …)`.
    for c in &script.commands {
        let n = c.base_name();
        if !(SHELLS.contains(&n) || matches!(n, "source" | "." | "eval")) {
            continue;
        }
        if let Some(w) = c.args().iter().find(|w| {
            w.text.contains("<(curl")
                || w.text.contains("<(wget")
                || w.text.contains("$(curl")
                || w.text.contains("$(wget")
                || w.text.contains("`curl")
        }) {
            let http = w.text.contains("http://");
            out.push((
                c.span,
                format!("`{n}` executes the output of a download unverified"),
                http,
            ));
        }
    }
    out
}

impl Rule for RemoteScript {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    /// Reads scripts and images only: holds on every platform.
    fn platforms(&self) -> &'static [crate::workflow::Platform] {
        crate::workflow::Platform::ALL
    }
    fn step(&self, site: &StepSite, cx: &mut Ctx) {
        for ss in step_scripts_iter(site, cx.facts, cx.scripts, cx.repo) {
            // Only a download or a shell is read (most scripts run neither: their
            // name filter says so); once per shared script (a GitLab line many jobs
            // run); the few that find something are read again for the findings.
            if !ss.script.names.any_of(FIND_NAMES)
                || !cx.script_fact(&ss, "runs a download", |s| !find(s).is_empty())
            {
                continue;
            }
            for (span, what, http) in find(ss.script) {
                let mut b = cx
                    .report(
                        &META,
                        ss.path,
                        ss.span(site.doc_for(&ss), span),
                        format!(
                            "{what}; whoever controls the download runs code in {}.",
                            if site.action.is_some() {
                                "every job that uses this action"
                            } else {
                                "this job"
                            }
                        ),
                    )
                    .site(site);
                if http {
                    b = b.severity(Severity::High);
                }
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
    fn file(&self, file: &SourceFile, cx: &mut Ctx) {
        if file.kind != FileKind::Dockerfile {
            return;
        }
        let text = file.text();
        if !text.contains("curl") && !text.contains("wget") {
            return;
        }
        // Parsed once when the file was loaded.
        let Some(df) = &file.dockerfile else {
            return;
        };
        for ins in &df.instructions {
            if ins.keyword != "RUN" || ins.json_form.is_some() {
                continue;
            }
            // Heredoc bodies (`RUN <<EOF … EOF`) are scripts too; `body` is verbatim
            // source, so its spans map by offset.
            for h in &ins.heredocs {
                let body = Script::parse(&h.body);
                for (span, what, http) in find(&body) {
                    let _ = cx
                        .report(
                            &META,
                            &file.path,
                            Span::new(h.body_span.start + span.start, h.body_span.start + span.end),
                            format!("{what} while building the image; whoever controls the download controls the image."),
                        )
                        .severity(if http { Severity::High } else { Severity::Medium });
                }
            }
            let script = Script::parse(&ins.args);
            for (span, what, http) in find(&script) {
                let fs = ins.args_range_to_span(text, span.start, span.end);
                let _ = cx
                    .report(&META, &file.path, fs, format!("{what} while building the image; whoever controls the download controls the image."))
                    .severity(if http { Severity::High } else { Severity::Medium });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(src: &str) -> usize {
        find(&Script::parse(src)).len()
    }

    #[test]
    fn stdin_shell_with_script_arguments() {
        assert_eq!(found("curl -fsSL https://x.dev/install | bash"), 1);
        assert_eq!(
            found("curl -fsSL https://x.dev/install | bash -s -- --version 1.2"),
            1
        );
        assert_eq!(
            found("curl -fsSL https://x.dev/install | bash -s -- --version ${{ vars.V }}"),
            1
        );
        assert_eq!(
            found("curl -fsSL https://x.dev/install | bash ./local.sh"),
            0
        );
    }
}
