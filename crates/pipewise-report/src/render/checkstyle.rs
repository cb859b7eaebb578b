//! `--format checkstyle`: Checkstyle XML, the lint-report format that Jenkins
//! (warnings-ng `checkStyle`), reviewdog (`-f=checkstyle`), SonarQube, Gerrit and
//! GitLab plugins read. One `<file name="…">` per file, in the order the report
//! first names it, holding one `<error line column severity message source/>` per
//! finding: `critical` and `high` are `error`, `medium` is `warning`, `low` and
//! `info` are `info`; `source` is the rule id (`pipewise/file-error` for a file
//! pipewise could not read). File names are [`crate::display_path`]s, as in every
//! other format.
//!
//! Every attribute goes through [`super::escape::xml`]: the XML specials as
//! entities, and the characters XML 1.0 forbids even as references (most C0
//! controls, U+FFFE, U+FFFF) replaced by visible escapes, so the document is
//! well-formed whatever the audited repository holds. The CLI renders this format
//! for the whole report at the end (it is not one of the formats it streams
//! repository by repository); it does not show the inventory, which the CLI then
//! drops as each repository is audited.

use super::escape::xml;
use super::{Renderer, Report};
use crate::finding::Severity;
use std::collections::HashMap;
use std::fmt::Write;

/// The `--format checkstyle` renderer.
pub struct Checkstyle;

impl Renderer for Checkstyle {
    fn shows_inventory(&self) -> bool {
        false
    }
    fn name(&self) -> &'static str {
        "checkstyle"
    }
    fn render(&self, report: &Report, _opts: &super::RenderOptions) -> String {
        render(report)
    }
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "info",
    }
}

/// The body of the `<file>` element of `path`, added after the others the first
/// time the report names it.
fn file_body<'a>(
    files: &'a mut Vec<(String, String)>,
    at: &mut HashMap<String, usize>,
    path: String,
) -> &'a mut String {
    let i = *at.entry(path).or_insert_with_key(|p| {
        files.push((p.clone(), String::new()));
        files.len() - 1
    });
    &mut files[i].1
}

/// The Checkstyle document of `report`.
pub fn render(report: &Report) -> String {
    // Files in the order the report first names them, each with its `<error>` lines.
    let mut files: Vec<(String, String)> = vec![];
    let mut at: HashMap<String, usize> = HashMap::new();
    for repo in &report.repositories {
        for e in &repo.errors {
            let body = file_body(
                &mut files,
                &mut at,
                crate::display_path(&repo.root, &e.file),
            );
            let _ = writeln!(
                body,
                "    <error line=\"{}\" column=\"1\" severity=\"error\" message=\"{}\" source=\"pipewise/file-error\"/>",
                e.line.max(1),
                xml(&format!("pipewise could not read this file: {}", e.message))
            );
        }
        for f in &repo.findings {
            let body = file_body(
                &mut files,
                &mut at,
                crate::display_path(&repo.root, &f.file),
            );
            let _ = writeln!(
                body,
                "    <error line=\"{}\" column=\"{}\" severity=\"{}\" message=\"{}\" source=\"{}\"/>",
                f.line.max(1),
                f.column.max(1),
                severity(f.severity),
                xml(&f.message),
                xml(&f.rule)
            );
        }
    }
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n");
    for (path, body) in &files {
        let _ = writeln!(out, "  <file name=\"{}\">", xml(path));
        out.push_str(body);
        out.push_str("  </file>\n");
    }
    out.push_str("</checkstyle>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Confidence, Fix};
    use crate::{RepoReport, ReportError, ReportFinding};

    fn finding(rule: &str, sev: Severity, file: &str, line: usize, message: &str) -> ReportFinding {
        ReportFinding {
            rule: rule.into(),
            title: "t".into(),
            severity: sev,
            confidence: Confidence::High,
            category: "security".into(),
            file: file.into(),
            line,
            column: 7,
            end_line: line,
            end_column: 9,
            job: None,
            step: None,
            message: message.into(),
            impact: "i".into(),
            fix: Fix {
                description: "d".into(),
                snippet: String::new(),
                effort_minutes: 5,
            },
            references: vec![],
            related: vec![],
            fingerprint: String::new(),
            snippet: vec![],
            context: vec![],
        }
    }

    fn report(repos: Vec<RepoReport>) -> Report {
        Report::new(repos, crate::rule::Rules::default())
    }

    /// A hostile repository: names and messages with every XML special, controls
    /// XML forbids even as references, the noncharacters, bidi and a line break.
    fn hostile() -> Report {
        let wf = ".github/workflows/a\"b'<c>&d\u{1}.yml";
        let repo = RepoReport {
            root: ".".into(),
            findings: vec![
                finding(
                    "security/template-injection",
                    Severity::Critical,
                    wf,
                    12,
                    "step `x\"></error><error message=\"` runs ${{ github.event.issue.title }} & more\u{0}\u{b}\u{c}\u{1b}[2K\u{fffe}\u{ffff}\u{202e}\nnext",
                ),
                finding("reliability/masked-failure", Severity::Medium, "ci.sh", 3, "`npm test || true` masks a failure"),
                finding("cost/unused-needs", Severity::Low, wf, 0, "needs `a` ]]> <!-- -->"),
            ],
            errors: vec![ReportError {
                file: "Dockerfile".into(),
                line: 0,
                message: "not valid <Dockerfile> & 'quoted'".into(),
            }],
            ..Default::default()
        };
        report(vec![repo])
    }

    /// The snapshot: the whole document of the hostile repository.
    #[test]
    fn checkstyle_document_of_a_hostile_repository() {
        let want = concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "<checkstyle version=\"4.3\">\n",
            "  <file name=\"Dockerfile\">\n",
            "    <error line=\"1\" column=\"1\" severity=\"error\" message=\"pipewise could not read this file: not valid &lt;Dockerfile&gt; &amp; &apos;quoted&apos;\" source=\"pipewise/file-error\"/>\n",
            "  </file>\n",
            "  <file name=\".github/workflows/a&quot;b&apos;&lt;c&gt;&amp;d\\x01.yml\">\n",
            "    <error line=\"12\" column=\"7\" severity=\"error\" message=\"step `x&quot;&gt;&lt;/error&gt;&lt;error message=&quot;` runs ${{ github.event.issue.title }} &amp; more\\x00\\x0b\\x0c\\x1b[2K\\u{fffe}\\u{ffff}\\u{202e}\\nnext\" source=\"security/template-injection\"/>\n",
            "    <error line=\"1\" column=\"7\" severity=\"info\" message=\"needs `a` ]]&gt; &lt;!-- --&gt;\" source=\"cost/unused-needs\"/>\n",
            "  </file>\n",
            "  <file name=\"ci.sh\">\n",
            "    <error line=\"3\" column=\"7\" severity=\"warning\" message=\"`npm test || true` masks a failure\" source=\"reliability/masked-failure\"/>\n",
            "  </file>\n",
            "</checkstyle>\n",
        );
        assert_eq!(render(&hostile()), want);
        assert_eq!(
            render(&report(vec![])),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n</checkstyle>\n"
        );
    }

    /// Several repositories: paths start with each repository's root, and one file
    /// element per path over the whole report.
    #[test]
    fn several_repositories_prefix_their_roots() {
        let repo = |root: &str| RepoReport {
            root: root.into(),
            findings: vec![finding("r/x", Severity::High, "ci.yml", 2, "m")],
            ..Default::default()
        };
        let out = render(&report(vec![repo("a"), repo("b/"), repo("a")]));
        let doc = Doc::parse(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
        let files: Vec<(&str, usize)> = doc
            .files
            .iter()
            .map(|(n, es)| (n.as_str(), es.len()))
            .collect();
        assert_eq!(files, [("a/ci.yml", 2), ("b/ci.yml", 1)]);
    }

    /// Read back by a strict XML 1.0 check, the hostile document is well-formed and
    /// every attribute value is the original text (controls shown as escapes).
    #[test]
    fn the_document_is_well_formed_xml_and_reads_back() {
        let out = render(&hostile());
        let doc = Doc::parse(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
        let r = hostile();
        let repo = &r.repositories[0];
        let msgs: Vec<&str> = doc
            .files
            .iter()
            .flat_map(|(_, es)| es.iter().map(|e| e["message"].as_str()))
            .collect();
        for f in &repo.findings {
            let shown = crate::render::escape::text(&f.message)
                .replace('\u{fffe}', "\\u{fffe}")
                .replace('\u{ffff}', "\\u{ffff}");
            assert!(msgs.contains(&shown.as_str()), "{shown:?} in {msgs:?}");
        }
        assert_eq!(doc.files[1].0, ".github/workflows/a\"b'<c>&d\\x01.yml");
        let sources: Vec<&str> = doc
            .files
            .iter()
            .flat_map(|(_, es)| es.iter().map(|e| e["source"].as_str()))
            .collect();
        assert_eq!(
            sources,
            [
                "pipewise/file-error",
                "security/template-injection",
                "cost/unused-needs",
                "reliability/masked-failure"
            ]
        );
        // The check itself fails on what XML forbids.
        for bad in [
            "<checkstyle><file name=\"a\u{1}\"></file></checkstyle>",
            "<checkstyle><file name=\"a&#1;\"></file></checkstyle>",
            "<checkstyle><file name=\"a\u{fffe}\"></file></checkstyle>",
            "<checkstyle><file name=\"a<b\"></file></checkstyle>",
            "<checkstyle><file name=\"a&b\"></file></checkstyle>",
            "<checkstyle><file name=\"a\" name=\"b\"></file></checkstyle>",
            "<checkstyle><file name=\"a\"></checkstyle>",
            "<checkstyle><file name=\"a\"/></checkstyle><x/>",
        ] {
            assert!(Doc::parse(bad).is_err(), "{bad:?}");
        }
    }

    /// A Checkstyle document read by a small, strict XML 1.0 reader: the
    /// declaration, elements (matched tags, unique attributes), the five entities
    /// and character references (of legal characters only), every character an XML
    /// `Char`. Only what this renderer writes (no comments, CDATA or DTD).
    #[derive(Debug, Default)]
    struct Doc {
        /// `(file name, its <error> attributes)`.
        files: Vec<(String, Vec<HashMap<String, String>>)>,
    }

    fn xml_char(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
            || c >= '\u{10000}'
    }

    impl Doc {
        fn parse(s: &str) -> Result<Doc, String> {
            if let Some(c) = s.chars().find(|c| !xml_char(*c)) {
                return Err(format!("not an XML Char: {c:?}"));
            }
            let mut rest = s
                .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
                .unwrap_or(s);
            let mut stack: Vec<String> = vec![];
            let mut doc = Doc::default();
            let mut roots = 0;
            loop {
                let t = rest.trim_start_matches([' ', '\t', '\n', '\r']);
                if t.is_empty() {
                    break;
                }
                let Some(body) = t.strip_prefix('<') else {
                    return Err(format!("text outside an element: {t:.20}"));
                };
                let end = body.find('>').ok_or("unclosed tag")?;
                let tag = &body[..end];
                rest = &body[end + 1..];
                if let Some(name) = tag.strip_prefix('/') {
                    if stack.pop().as_deref() != Some(name) {
                        return Err(format!("mismatched </{name}>"));
                    }
                    continue;
                }
                if stack.is_empty() {
                    roots += 1;
                    if roots > 1 {
                        return Err("a second root element".into());
                    }
                }
                let empty = tag.ends_with('/');
                let tag = tag.trim_end_matches('/');
                let (name, attrs) = tag.split_once(' ').unwrap_or((tag, ""));
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphabetic()) {
                    return Err(format!("bad element name {name:?}"));
                }
                let attrs = Self::attributes(attrs)?;
                match name {
                    "file" => doc.files.push((
                        attrs.get("name").cloned().ok_or("file without a name")?,
                        vec![],
                    )),
                    "error" => doc
                        .files
                        .last_mut()
                        .ok_or("error outside a file")?
                        .1
                        .push(attrs),
                    _ => {}
                }
                if !empty {
                    stack.push(name.to_string());
                }
            }
            if !stack.is_empty() || roots != 1 {
                return Err(format!("unclosed {stack:?} or {roots} roots"));
            }
            Ok(doc)
        }

        fn attributes(mut s: &str) -> Result<HashMap<String, String>, String> {
            let mut out = HashMap::new();
            loop {
                s = s.trim_start_matches(' ');
                if s.is_empty() {
                    return Ok(out);
                }
                let (name, after) = s.split_once("=\"").ok_or("attribute without =\"")?;
                let end = after.find('"').ok_or("unclosed attribute")?;
                let value = Self::unescape(&after[..end])?;
                if out.insert(name.to_string(), value).is_some() {
                    return Err(format!("attribute {name} twice"));
                }
                s = &after[end + 1..];
                if !(s.is_empty() || s.starts_with(' ')) {
                    return Err("no space between attributes".into());
                }
            }
        }

        fn unescape(v: &str) -> Result<String, String> {
            if v.contains('<') {
                return Err("< in an attribute".into());
            }
            let mut out = String::new();
            let mut rest = v;
            while let Some(i) = rest.find('&') {
                out.push_str(&rest[..i]);
                let end = rest[i..].find(';').ok_or("& without ;")? + i;
                let name = &rest[i + 1..end];
                let c = match name {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    n => n
                        .strip_prefix("#x")
                        .map(|h| u32::from_str_radix(h, 16))
                        .or_else(|| n.strip_prefix('#').map(str::parse::<u32>))
                        .and_then(Result::ok)
                        .and_then(char::from_u32)
                        .filter(|c| xml_char(*c))
                        .ok_or_else(|| format!("bad reference &{n};"))?,
                };
                out.push(c);
                rest = &rest[end + 1..];
            }
            out.push_str(rest);
            Ok(out)
        }
    }
}
