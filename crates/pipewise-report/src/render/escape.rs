//! One escaping policy for every output format.
//!
//! Everything a report shows from the audited repository (file names, workflow, job
//! and step names, quoted source lines, scripts, messages built from them) is
//! untrusted. Each renderer passes such text through this module, and only this
//! module decides how it is shown:
//!
//! - **Controls are shown, never sent.** C0 controls (U+0000–U+001F), DEL, C1
//!   controls (U+0080–U+009F), the bidirectional formatting characters (U+061C,
//!   U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and the line and paragraph
//!   separators (U+2028, U+2029) are written as visible escapes: `\n`, `\r`, `\t`,
//!   `\x1b`, `\x7f`, `\u{9b}`, `\u{202e}`. An ESC sequence (colours, OSC 8
//!   hyperlinks, `\e[2K\r` that blanks a line) never reaches a terminal, and text
//!   cannot be reordered on screen ("Trojan Source").
//! - **One line stays one line.** [`text`] escapes line breaks too, for every field
//!   that is printed inside a line (names, messages, paths). [`block`] keeps `\n`
//!   (and the tab) for multi-line content such as quoted scripts and templates.
//! - **A GitHub workflow command starts only where pipewise writes one.** The
//!   Actions runner executes any output line that starts, after white space, with
//!   `::` (`::error`, `::add-mask::`, `::stop-commands::`). [`block`] puts a `\`
//!   before such a line's first colon, and [`guard_commands`] does the same for a
//!   whole rendered document as a last line of defence. Only the `github` format
//!   writes workflow commands, and its data is percent-encoded ([`github_data`]).
//! - **Format-specific escaping comes on top**: HTML entities ([`html`]); XML 1.0
//!   entities with the characters XML forbids replaced ([`xml`]); Markdown
//!   prose with raw HTML neutralised outside code spans ([`markdown`]); percent-
//!   encoded URIs for SARIF ([`uri`]); shell words for the commands a report
//!   suggests ([`shell_word`]).
//!
//! JSON keeps the data as it is: serde_json escapes every C0 control (`\u001b`), so
//! no raw ESC or line break can leave a JSON string.

use std::borrow::Cow;

/// Whether `c` is shown escaped. The tab only in one-line text (`keep_layout`
/// false); line feed likewise.
#[inline]
fn hidden(c: char, keep_layout: bool) -> bool {
    match c {
        '\n' | '\t' => !keep_layout,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' => true,
        '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}' => true,
        _ => false,
    }
}

/// Whether any byte of `s` may start a hidden character: a control byte, or the
/// first byte of the UTF-8 encoding of a C1 control (0xC2), U+061C (0xD8) or the
/// U+2000 block (0xE2).
#[inline]
fn suspect(s: &str) -> bool {
    s.bytes()
        .any(|b| b < 0x20 || b == 0x7f || b == 0xc2 || b == 0xd8 || b == 0xe2)
}

fn push_escape(out: &mut String, c: char) {
    use std::fmt::Write;
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

fn escape_controls(s: &str, keep_layout: bool) -> Cow<'_, str> {
    if !suspect(s) || !s.chars().any(|c| hidden(c, keep_layout)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if hidden(c, keep_layout) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One-line text (a name, a path, a message): every control, line break, tab and
/// bidi character shown as an escape.
pub fn text(s: &str) -> Cow<'_, str> {
    escape_controls(s, false)
}

/// Whether `line` would be read as a GitHub workflow command (`::name …`).
fn is_command(line: &str) -> bool {
    line.trim_start().starts_with("::")
}

/// Multi-line text (a quoted script, a template, a code block): line feeds and
/// tabs kept, a CR before a line feed dropped, every other control shown as an
/// escape, and a line that would be a workflow command neutralised with a `\`
/// before its first colon.
pub fn block(s: &str) -> Cow<'_, str> {
    let unix: Cow<str> = if s.contains("\r\n") {
        Cow::Owned(s.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(s)
    };
    let shown = match escape_controls(&unix, true) {
        Cow::Borrowed(_) => unix,
        Cow::Owned(o) => Cow::Owned(o),
    };
    match guard(&shown) {
        Some(g) => Cow::Owned(g),
        None => shown,
    }
}

/// `s` with a `\` before the first colon of every line that would be a workflow
/// command; `None` when there is none.
fn guard(s: &str) -> Option<String> {
    if !s.contains("::") || !s.split('\n').any(is_command) {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 8);
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if is_command(line) {
            let lead = line.len() - line.trim_start().len();
            out.push_str(&line[..lead]);
            out.push('\\');
            out.push_str(&line[lead..]);
        } else {
            out.push_str(line);
        }
    }
    Some(out)
}

/// A whole rendered document (every format but `github`): no line of it can be read
/// as a workflow command. The renderers already escape each field; this is the last
/// line of defence for a field one of them forgot.
pub fn guard_commands(doc: String) -> String {
    guard(&doc).unwrap_or(doc)
}

fn entities(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// One-line text for HTML content or an attribute value: [`text`] and the five
/// HTML specials as entities.
pub fn html(s: &str) -> String {
    entities(&text(s))
}

/// Multi-line text for HTML (`<pre>` content): [`block`] and the HTML entities.
pub fn html_block(s: &str) -> String {
    entities(&block(s))
}

/// One-line text for an XML 1.0 attribute value (quoted with `"` or `'`) or element
/// content: [`text`] (every control, line break, tab and bidi character shown as a
/// visible escape), the five XML specials as entities (`&amp;`, `&lt;`, `&gt;`,
/// `&quot;`, `&apos;`), and the two noncharacters U+FFFE and U+FFFF shown as escapes
/// (`\u{fffe}`). XML 1.0 forbids U+0000–U+0008, U+000B, U+000C, U+000E–U+001F, U+FFFE
/// and U+FFFF even as character references (`&#1;` makes a document ill-formed), so
/// they are replaced, never referenced; what is left is always a legal XML 1.0 `Char`
/// and nothing an XML parser would normalise (a line break or tab in an attribute).
pub fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\u{fffe}' | '\u{ffff}' => push_escape(&mut o, c),
            c if hidden(c, false) => push_escape(&mut o, c),
            c => o.push(c),
        }
    }
    o
}

/// One line of Markdown prose that may contain `code spans` (messages are written
/// with backticks around names and commands): [`text`], and outside code spans
/// `<`, `>` and `&` as entities so no raw HTML (`<img src=…>`, `<script>`) and no
/// autolink passes. Inside a code span everything is already literal.
pub fn markdown(s: &str) -> String {
    let t = text(s);
    let b = t.as_bytes();
    let mut out = String::with_capacity(t.len() + 8);
    let mut i = 0;
    let mut plain_from = 0;
    let flush = |out: &mut String, seg: &str| {
        for c in seg.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                c => out.push(c),
            }
        }
    };
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2, // a backslash escape: the next character is literal
            b'`' => {
                let start = i;
                while i < b.len() && b[i] == b'`' {
                    i += 1;
                }
                let run = i - start;
                // The code span ends at the next run of exactly `run` backticks.
                let mut j = i;
                let mut close = None;
                while j < b.len() {
                    if b[j] == b'`' {
                        let s2 = j;
                        while j < b.len() && b[j] == b'`' {
                            j += 1;
                        }
                        if j - s2 == run {
                            close = Some(j);
                            break;
                        }
                    } else {
                        j += 1;
                    }
                }
                if let Some(end) = close {
                    flush(&mut out, &t[plain_from..start]);
                    out.push_str(&t[start..end]);
                    plain_from = end;
                    i = end;
                }
            }
            _ => i += 1,
        }
    }
    if plain_from < t.len() {
        flush(&mut out, &t[plain_from..]);
    }
    out
}

/// A relative path or URI reference for SARIF `artifactLocation.uri`: every byte
/// but RFC 3986 unreserved characters and `/` percent-encoded.
pub fn uri(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

/// The data of a GitHub workflow command (after `::`): [`text`] (so no line break
/// and no control is left) with `%` encoded as the runner expects.
pub fn github_data(s: &str) -> String {
    text(s).replace('%', "%25")
}

/// A property value of a GitHub workflow command (`file=…,title=…`): as
/// [`github_data`], with `:` and `,` encoded too.
pub fn github_prop(s: &str) -> String {
    github_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A word for a shell command line a report suggests (`act -W FILE -j JOB`): as is
/// when it is made of safe characters, else single-quoted (and [`text`] first, so
/// it stays on one line).
pub fn shell_word(s: &str) -> String {
    let safe = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'/' | b'+'));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", text(s).replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_shown() {
        assert_eq!(text("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(text("\x1b[2K\rx"), "\\x1b[2K\\rx");
        assert_eq!(text("\x7f\u{9b}31m"), "\\x7f\\u{9b}31m");
        assert_eq!(
            text("a\u{202e}b\u{2066}c\u{2028}"),
            "a\\u{202e}b\\u{2066}c\\u{2028}"
        );
        assert!(matches!(text("plain – ünïcode ✓"), Cow::Borrowed(_)));
        assert_eq!(block("a\n\tb\x1b"), "a\n\tb\\x1b");
        assert_eq!(block("a\r\nb"), "a\nb");
    }

    #[test]
    fn workflow_commands_cannot_start_a_line() {
        assert_eq!(
            block("x\n::error file=a::b\n  ::add-mask::s"),
            "x\n\\::error file=a::b\n  \\::add-mask::s"
        );
        assert_eq!(block("echo ::x"), "echo ::x");
        assert_eq!(
            guard_commands("ok\n\u{3000}::warning::w\n".into()),
            "ok\n\u{3000}\\::warning::w\n"
        );
        assert_eq!(github_data("a\n::error::b%"), "a\\n::error::b%25");
        assert_eq!(github_prop("a:b,c"), "a%3Ab%2Cc");
    }

    #[test]
    fn markdown_escapes_html_outside_code_spans_only() {
        assert_eq!(markdown("<img src=x>"), "&lt;img src=x&gt;");
        assert_eq!(markdown("step `<b>` & co"), "step `<b>` &amp; co");
        // A name that closes the span early cannot smuggle HTML out of it.
        assert_eq!(markdown("step `a` <img> `` `"), "step `a` &lt;img&gt; `` `");
        assert_eq!(markdown("\\`<i>`"), "\\`&lt;i&gt;`");
        assert_eq!(markdown("a\nb"), "a\\nb");
    }

    /// Whether `c` is an XML 1.0 `Char` (the production every character of a
    /// well-formed document, references included, must match).
    fn xml_char(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
            || c >= '\u{10000}'
    }

    #[test]
    fn xml_escapes_specials_and_replaces_what_xml_forbids() {
        assert_eq!(xml("a\"b'c<d>e&f"), "a&quot;b&apos;c&lt;d&gt;e&amp;f");
        // Forbidden even as references: replaced by visible escapes, never `&#1;`.
        assert_eq!(
            xml("\u{0}\u{1}\u{8}\u{b}\u{c}\u{e}\u{1f}"),
            "\\x00\\x01\\x08\\x0b\\x0c\\x0e\\x1f"
        );
        assert_eq!(xml("x\u{fffe}y\u{ffff}z"), "x\\u{fffe}y\\u{ffff}z");
        // Allowed in XML but not kept: an attribute's parser would turn them into spaces.
        assert_eq!(xml("a\tb\nc\rd"), "a\\tb\\nc\\rd");
        assert_eq!(xml("\x1b[31m\u{202e}"), "\\x1b[31m\\u{202e}");
        assert_eq!(
            xml("plain – ünïcode ✓ \u{fffd} \u{10000}"),
            "plain – ünïcode ✓ \u{fffd} \u{10000}"
        );
        assert_eq!(xml("&amp;"), "&amp;amp;");
        // Every character of every escape is a legal XML `Char`, and no special is
        // left raw, whatever the input.
        let hostile: String = (0u32..0x300)
            .chain(0xd7f0..0xd800)
            .chain(0xe000..0xe010)
            .chain(0xfff0..=0x1_0010)
            .filter_map(char::from_u32)
            .chain("\"'<>&]]>".chars())
            .collect();
        let out = xml(&hostile);
        assert!(out
            .chars()
            .all(|c| xml_char(c) && !matches!(c, '\t' | '\n' | '\r')));
        assert!(!out.contains(['<', '>', '"', '\'']), "{out}");
        let amps = out.matches('&').count();
        let entities = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
            .iter()
            .map(|e| out.matches(e).count())
            .sum::<usize>();
        assert_eq!(amps, entities, "every & starts one of the five entities");
    }

    #[test]
    fn uris_and_shell_words() {
        assert_eq!(
            uri(".github/workflows/a b%\n.yml"),
            ".github/workflows/a%20b%25%0A.yml"
        );
        assert_eq!(uri("é"), "%C3%A9");
        assert_eq!(
            shell_word(".github/workflows/ci.yml"),
            ".github/workflows/ci.yml"
        );
        assert_eq!(shell_word("a b'c\nd"), "'a b'\\''c\\nd'");
        assert_eq!(html("<a\x1b>\n"), "&lt;a\\x1b&gt;\\n");
        assert_eq!(html_block("<a\x1b>\n::x"), "&lt;a\\x1b&gt;\n\\::x");
    }
}
