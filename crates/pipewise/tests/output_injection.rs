//! Output injection (issue 13 item 4): a repository whose file, workflow, job and
//! step names carry newlines followed by GitHub workflow commands, ESC sequences
//! (colours, OSC 8 hyperlinks, `\e[2K\r`), C1 controls, bidi overrides and raw HTML
//! is rendered in every format, and no format lets any of it through: no line of
//! output is a workflow command except those the `github` format writes, no control
//! or bidi character is printed, no raw HTML passes into Markdown or HTML, SARIF
//! URIs are percent-encoded, and the "reproduce locally" shell block keeps a step's
//! name on its comment line. The hostile names are generated here, not committed.

use pipewise::audit::audit_path;
use pipewise::config::Config;
use pipewise::report::{concise, github, html, json, markdown, plain, sarif, Report};
use std::path::Path;

/// Payloads that follow a line break in a name: each must never start a line.
const INJECTED: [&str; 4] = [
    "::error file=x.yml,line=1::injected",
    "::add-mask::secret",
    "rm -rf ~/injected",
    "::stop-commands::tok",
];

/// YAML double-quoted escapes for the hostile names (ESC, OSC 8, CR, C1 CSI, bidi,
/// line separator, DEL, raw HTML), each followed by an injected line.
fn hostile_names() -> Vec<String> {
    let decorations = [
        "\\e[31mred\\e[0m",
        "\\e]8;;https://evil.example\\e\\\\click\\e]8;;\\e\\\\",
        "\\e[2K\\rblanked",
        "\\x9b31mc1",
        "abc\\u202Edcba\\u2066x\\u2069",
        "sep\\u2028line\\x7f",
        "<img src=x onerror=alert(1)><script>alert(2)</script>",
    ];
    let mut names = vec![];
    for (i, d) in decorations.iter().enumerate() {
        let inj = INJECTED[i % INJECTED.len()];
        names.push(format!("{d}\\n{inj}\\r\\n{inj}"));
    }
    names
}

fn hostile_repo(dir: &Path) {
    let wf = dir.join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    let names = hostile_names();
    let mut y = format!("name: \"{}\"\non: push\njobs:\n", names[6]);
    for (i, n) in names.iter().enumerate() {
        y.push_str(&format!(
            "  job{i}:\n    name: \"{n}\"\n    runs-on: ubuntu-latest\n    steps:\n      - name: \"{n}\"\n        uses: actions/checkout@v4\n      - name: \"{n}\"\n        working-directory: \"{n}\"\n        run: |\n          npm test || true\n          ::error file=script.yml::from-a-script\n          echo \"$?\"\n"
        ));
    }
    // File names with a newline and a workflow command, an ESC and a bidi override.
    for (k, file) in [
        "ci\n::error file=a,line=1::from-a-file-name\n.yml",
        "esc\x1b[2K\r.yml",
        "bidi\u{202e}lmy.yml",
    ]
    .iter()
    .enumerate()
    {
        let path = wf.join(file);
        std::fs::write(
            &path,
            if k == 0 {
                y.clone()
            } else {
                y.replace("job", "other")
            },
        )
        .unwrap();
    }
}

fn opts() -> markdown::Options {
    markdown::Options {
        date: "2025-11-01".into(),
    }
}

fn report() -> Report {
    let dir = tempfile::TempDir::new().unwrap();
    hostile_repo(dir.path());
    let mut r = audit_path(dir.path(), Some(&Config::default())).expect("audits");
    assert!(
        r.files.len() >= 3,
        "the three hostile files are audited: {:?}",
        r.files
    );
    assert!(
        r.findings.iter().any(|f| f.step.is_some()),
        "some findings name a hostile step"
    );
    r.root = "repo\n::error::from-the-root".into();
    Report::new(vec![r], pipewise::rules::table())
}

/// The characters that must never be printed as they are.
fn forbidden(c: char, allow_newline: bool) -> bool {
    match c {
        '\n' | '\t' => !allow_newline,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' => true,
        '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}' => true,
        _ => false,
    }
}

fn no_injected_line(format: &str, out: &str) {
    for (n, line) in out.lines().enumerate() {
        let t = line.trim_start();
        assert!(
            !t.starts_with("::"),
            "{format}: line {} is a workflow command: {line:?}",
            n + 1
        );
        for inj in INJECTED {
            assert!(
                !t.starts_with(inj) && !t.starts_with(&format!("# {inj}")),
                "{format}: line {} starts with an injected payload: {line:?}",
                n + 1
            );
        }
    }
}

fn no_controls(format: &str, out: &str) {
    if let Some((i, c)) = out.char_indices().find(|(_, c)| forbidden(*c, true)) {
        let from = out[..i].rfind('\n').map(|k| k + 1).unwrap_or(0);
        panic!(
            "{format}: raw {c:?} printed in {:?}",
            &out[from..(i + 40).min(out.len())]
        );
    }
}

#[test]
fn plain_output_escapes_every_hostile_name() {
    let r = report();
    let out = plain::render(&r, false);
    no_injected_line("plain", &out);
    no_controls("plain", &out);
    assert!(out.contains("\\x1b[2K\\r"), "ESC and CR shown as escapes");
    assert!(
        out.contains("\\u{202e}"),
        "bidi override shown as an escape"
    );
    // With colour, the only escape sequences are pipewise's own SGR colours.
    let coloured = plain::render(&r, true);
    no_injected_line("plain (colour)", &coloured);
    let mut rest = coloured.as_str();
    while let Some(i) = rest.find('\x1b') {
        let seq = &rest[i + 1..];
        let end = seq.find('m').expect("an SGR sequence ends with m");
        assert!(
            seq.starts_with('[') && seq[1..end].bytes().all(|b| b.is_ascii_digit() || b == b';'),
            "only SGR colours: {:?}",
            &seq[..end.min(40)]
        );
        rest = &seq[end..];
    }
    no_controls("plain (colour, SGR removed)", &strip_sgr(&coloured));
}

fn strip_sgr(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.split('\x1b');
    out.push_str(it.next().unwrap_or(""));
    for part in it {
        out.push_str(part.split_once('m').map(|x| x.1).unwrap_or(part));
    }
    out
}

#[test]
fn concise_output_is_one_escaped_line_per_finding_most_severe_first() {
    let r = report();
    let out = concise::render(&r);
    no_injected_line("concise", &out);
    no_controls("concise", &out);
    let expected = r.findings().count() + r.repositories[0].errors.len();
    assert_eq!(
        out.lines().count(),
        expected,
        "one line per finding or error"
    );
    let rank = |l: &str| {
        ["error", "critical", "high", "medium", "low", "info"]
            .iter()
            .position(|s| l.contains(&format!(": {s} ")))
            .expect("a severity")
    };
    let ranks: Vec<usize> = out.lines().map(rank).collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "sorted by severity");
}

#[test]
fn github_format_writes_only_its_own_workflow_commands() {
    let r = report();
    let out = github::render(&r);
    no_controls("github", &out);
    let expected = r.findings().count() + r.repositories[0].errors.len();
    assert_eq!(
        out.lines().count(),
        expected,
        "one line per finding or error"
    );
    for line in out.lines() {
        assert!(
            ["::error file=", "::warning file=", "::notice file="]
                .iter()
                .any(|p| line.starts_with(p)),
            "{line:?}"
        );
        // Every property is one known `key=value`: no name added a `,` or a `:`.
        let (cmd, _data) = line[2..].split_once("::").expect("command::data");
        let props = cmd.split_once(' ').expect("command and properties").1;
        for p in props.split(',') {
            let key = p.split_once('=').expect("key=value").0;
            assert!(
                ["file", "line", "col", "endLine", "endColumn", "title"].contains(&key),
                "{line:?}"
            );
        }
    }
}

#[test]
fn markdown_output_escapes_names_and_passes_no_raw_html() {
    let r = report();
    let md = markdown::render(&r, &opts());
    no_injected_line("markdown", &md);
    no_controls("markdown", &md);
    // Rendered by a CommonMark parser: no HTML element from the repository.
    use pulldown_cmark::{Event, Options, Parser};
    for ev in Parser::new_ext(&md, Options::ENABLE_TABLES) {
        if let Event::Html(h) | Event::InlineHtml(h) = ev {
            panic!("raw HTML passed into the Markdown report: {h:?}");
        }
    }
    // The reproduce-locally block: each step name is one comment line.
    let appendix = md
        .split("## Appendix D")
        .nth(1)
        .expect("the reproduce-locally appendix");
    assert!(appendix.contains("# \\e") || appendix.contains("# \\x1b"));
    for line in appendix.lines() {
        assert!(!line.trim_start().starts_with("rm -rf"), "{line:?}");
    }
}

#[test]
fn html_output_escapes_names() {
    let r = report();
    let page = html::render(&r, &opts());
    no_injected_line("html", &page);
    no_controls("html", &page);
    assert!(!page.contains("<img"), "raw <img> passed");
    assert_eq!(page.matches("<script").count(), 1, "only pipewise's script");
}

#[test]
fn sarif_output_escapes_text_and_percent_encodes_uris() {
    let r = report();
    let out = sarif::render(&r);
    no_injected_line("sarif", &out);
    no_controls("sarif", &out);
    let v: serde_json::Value = serde_json::from_str(&out).expect("SARIF is JSON");
    let mut uris = 0;
    let mut stack = vec![&v];
    while let Some(x) = stack.pop() {
        match x {
            serde_json::Value::Object(m) => {
                if let Some(serde_json::Value::String(u)) = m.get("uri") {
                    uris += 1;
                    assert!(
                        u.bytes().all(|b| b.is_ascii_alphanumeric()
                            || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/' | b'%')),
                        "uri not percent-encoded: {u:?}"
                    );
                }
                stack.extend(m.values());
            }
            serde_json::Value::Array(a) => stack.extend(a),
            serde_json::Value::String(s) => {
                assert!(
                    !s.chars().any(|c| forbidden(c, true)),
                    "a SARIF string carries a control: {s:?}"
                );
            }
            _ => {}
        }
    }
    assert!(uris > 0);
    assert!(
        out.contains("ci%0A%3A%3Aerror"),
        "the newline file name is encoded"
    );
}

#[test]
fn json_output_keeps_the_data_with_no_raw_control() {
    let r = report();
    let out = json::render(&r);
    no_injected_line("json", &out);
    assert!(!out.contains('\x1b') && !out.contains('\r'));
    // The data itself is kept: parsed back, the names are the originals.
    let back: Report = serde_json::from_str(&out).unwrap();
    assert!(back
        .findings()
        .any(|f| f.step.as_deref().is_some_and(|s| s.contains('\x1b'))));
}
