//! Loading files safely: what kind each file is, reading it within limits, and
//! turning bad input (too big, binary, not UTF-8, malformed YAML, links that leave the
//! repository) into [`LoadError`]s instead of failures.

use pipewise_yaml::{Document, LineIndex, Position};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Files larger than this are reported and skipped.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    Workflow,
    Action,
    Dependabot,
    Renovate,
    Dockerfile,
    Compose,
    Script,
    PinFile,
    Manifest,
    /// A GitLab CI configuration: `.gitlab-ci.yml` (or the configured path), the files
    /// it includes locally, and local child pipelines.
    GitlabCi,
    /// GitHub's workflow dependency lockfile, `.github/workflows/actions.lock`.
    ActionsLock,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Workflow => "workflow",
            FileKind::Action => "action",
            FileKind::Dependabot => "dependabot",
            FileKind::Renovate => "renovate",
            FileKind::Dockerfile => "dockerfile",
            FileKind::Compose => "compose",
            FileKind::Script => "script",
            FileKind::PinFile => "pin",
            FileKind::Manifest => "manifest",
            FileKind::GitlabCi => "gitlab-ci",
            FileKind::ActionsLock => "actions-lock",
        }
    }
    /// Parsed as YAML on load.
    pub fn is_yaml(self) -> bool {
        matches!(
            self,
            FileKind::Workflow
                | FileKind::Action
                | FileKind::Dependabot
                | FileKind::Compose
                | FileKind::GitlabCi
                | FileKind::ActionsLock
        )
    }
}

/// A file that could not be read or parsed. `line` is 1-based, 0 when unknown.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LoadError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// A loaded file: its text, and its YAML document when it is YAML.
#[derive(Debug)]
pub struct SourceFile {
    /// Relative to the repository root, `/`-separated.
    pub path: String,
    pub kind: FileKind,
    text: String,
    lines: LineIndex,
    pub yaml: Option<Document>,
    /// The parsed Dockerfile, for [`FileKind::Dockerfile`] (parsed once on load and
    /// shared by every Dockerfile rule).
    pub dockerfile: Option<crate::dockerfile::Dockerfile>,
    /// The file is not what its name says (a `renovate.json` that is not JSON, a
    /// `dependabot.yml` that is a list): an error entry says why, and nothing may
    /// take it as a working configuration.
    pub malformed: bool,
    /// [`SourceFile::json`], parsed once: by the shape check on load for the JSON
    /// manifests and configurations, else when first asked.
    json: std::sync::OnceLock<Option<serde_json::Value>>,
}

impl SourceFile {
    /// Builds a file from text; YAML kinds are parsed. A YAML error is returned
    /// alongside the file (which then has no document).
    pub fn from_text(path: String, kind: FileKind, text: String) -> (SourceFile, Vec<LoadError>) {
        let mut errors = vec![];
        let error = |line, column, message| LoadError {
            file: path.clone(),
            line,
            column,
            message,
        };
        // A parsed YAML file's text and line index live in its `Document`; the
        // other files (and YAML that failed to parse) keep their own.
        let (text, yaml) = if !kind.is_yaml() {
            (text, None)
        } else if text.trim().is_empty() {
            errors.push(error(1, 1, "file is empty".into()));
            (text, None)
        } else {
            let limits = pipewise_yaml::Limits::default();
            let parsed = if kind == FileKind::GitlabCi {
                // `spec:` (inputs) may come first, as its own document before `---`.
                Document::parse_with_header(text, limits, "spec")
            } else {
                Document::parse_or_return(text, limits)
            };
            match parsed {
                Ok(doc) => {
                    for w in &doc.warnings {
                        // GitLab accepts a repeated key (the last one wins): the
                        // `gitlab/duplicate-key` rule reports it as a finding.
                        if kind == FileKind::GitlabCi && w.message.starts_with("duplicate key") {
                            continue;
                        }
                        errors.push(error(w.position.line, w.position.column, w.message.clone()));
                    }
                    (String::new(), Some(doc))
                }
                Err((d, text)) => {
                    errors.push(error(d.position.line, d.position.column, d.message));
                    (text, None)
                }
            }
        };
        let lines = if yaml.is_some() {
            LineIndex::default()
        } else {
            LineIndex::new(&text)
        };
        let dockerfile = (kind == FileKind::Dockerfile).then(|| crate::dockerfile::parse(&text));
        let mut file = SourceFile {
            path,
            kind,
            text,
            lines,
            yaml,
            dockerfile,
            malformed: false,
            json: std::sync::OnceLock::new(),
        };
        let before = errors.len();
        check_shape(&file, &mut errors);
        file.malformed = errors.len() > before || (kind.is_yaml() && file.yaml.is_none());
        (file, errors)
    }

    /// The file's text as JSON (`serde_json::from_str(text).ok()`), parsed once for
    /// everyone who reads it (a `package.json` was parsed by the shape check, stack
    /// detection, the package scripts, workspace lookups and toolchain pins: five
    /// times, 6% of corpus-full's instructions).
    pub fn json(&self) -> Option<&serde_json::Value> {
        self.json
            .get_or_init(|| serde_json::from_str(self.text()).ok())
            .as_ref()
    }

    /// The file's text (held by its YAML document when it has one).
    pub fn text(&self) -> &str {
        match &self.yaml {
            Some(d) => d.source(),
            None => &self.text,
        }
    }
    fn lines(&self) -> &LineIndex {
        match &self.yaml {
            Some(d) => d.lines(),
            None => &self.lines,
        }
    }
    pub fn position(&self, byte: usize) -> Position {
        self.lines().position(self.text(), byte)
    }
    pub fn line_text(&self, line: usize) -> &str {
        self.lines().line_text(self.text(), line)
    }
    pub fn line_count(&self) -> usize {
        self.lines().line_count()
    }
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.lines().line_start(line)
    }
}

/// Longest snippet or context line a finding carries, in bytes: longer lines are
/// clipped around the finding (one 36 KB line with 10,000 findings made every finding
/// copy the whole line, 1.9 GB).
pub const SNIPPET_LINE_BYTES: usize = 400;
/// Characters kept before the finding's column when a line is clipped at its start,
/// and where the caret then sits: the report crate's, which renderers read back.
pub use pipewise_report::snippet::{snippet_caret, SNIPPET_LEAD_CHARS};

/// `text` (one line) clipped to [`SNIPPET_LINE_BYTES`] around byte `focus`: `…` marks
/// each cut end; when the start is cut, the focus is the character right after the
/// `…` and [`SNIPPET_LEAD_CHARS`] kept characters (see [`snippet_caret`]).
pub fn clip_line(text: &str, focus: usize) -> String {
    if text.len() <= SNIPPET_LINE_BYTES {
        return text.to_string();
    }
    let mut focus = focus.min(text.len());
    while !text.is_char_boundary(focus) {
        focus -= 1;
    }
    let start = text[..focus]
        .char_indices()
        .rev()
        .nth(SNIPPET_LEAD_CHARS - 1)
        .map_or(0, |(i, _)| i);
    let mut end = (start + SNIPPET_LINE_BYTES).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}{}{}",
        if start > 0 { "…" } else { "" },
        &text[start..end],
        if end < text.len() { "…" } else { "" }
    )
}

/// Checks that a configuration or manifest file has the shape its name promises:
/// JSON for `renovate.json`/`package.json`/`composer.json`, TOML for
/// `pyproject.toml`/`Cargo.toml`, a mapping with a list of `updates` for
/// `dependabot.yml`. Messages never quote the file.
fn check_shape(f: &SourceFile, errors: &mut Vec<LoadError>) {
    let name = f.path.rsplit('/').next().unwrap_or(&f.path);
    let mut error = |byte: Option<usize>, message: String| {
        let p = byte.map(|b| f.position(b)).unwrap_or_default();
        errors.push(LoadError {
            file: f.path.clone(),
            line: p.line,
            column: p.column,
            message,
        });
    };
    let json = match f.kind {
        FileKind::Renovate => !name.ends_with(".json5"),
        FileKind::Manifest => matches!(name, "package.json" | "composer.json"),
        _ => false,
    };
    if json {
        let text = f.text();
        let parsed = serde_json::from_str::<serde_json::Value>(text);
        if let Err(e) = &parsed {
            // Renovate reads comments and trailing commas in its JSON files too.
            let lenient = f.kind == FileKind::Renovate
                && serde_json::from_str::<serde_json::Value>(&strip_json_comments(text)).is_ok();
            if !lenient {
                let byte = f
                    .line_start(e.line())
                    .map(|s| s + e.column().saturating_sub(1));
                error(
                    byte,
                    format!("not valid JSON ({}); not read", json_error_kind(e)),
                );
            }
        } else if !text.trim_start().starts_with('{') {
            error(Some(0), "must be a JSON object; not read".into());
        }
        // What `SourceFile::json` gives, kept for the readers after load.
        let _ = f.json.set(parsed.ok());
    }
    if f.kind == FileKind::Manifest && matches!(name, "pyproject.toml" | "Cargo.toml") {
        if let Err(e) = f.text().parse::<toml::Table>() {
            error(
                e.span().map(|s| s.start),
                format!("not valid TOML ({}); not read", e.message().trim()),
            );
        }
    }
    if f.kind == FileKind::Dependabot {
        if let Some(doc) = &f.yaml {
            let root = &doc.root;
            match root.as_map() {
                None => error(
                    Some(root.span.start),
                    format!(
                        "dependabot.yml must be a mapping, found {}; not read",
                        root.type_name()
                    ),
                ),
                Some(_) => match root.get("updates") {
                    None => error(
                        Some(root.span.start),
                        "dependabot.yml has no `updates:`".into(),
                    ),
                    Some(u) => match u.as_seq() {
                        None => error(
                            Some(u.span.start),
                            format!(
                                "`updates` must be a list, found {}; not read",
                                u.type_name()
                            ),
                        ),
                        Some(items) => {
                            for it in items.iter().filter(|i| i.as_map().is_none()) {
                                error(
                                    Some(it.span.start),
                                    format!(
                                        "an `updates` entry must be a mapping, found {}",
                                        it.type_name()
                                    ),
                                );
                            }
                        }
                    },
                },
            }
        }
    }
}

/// What went wrong in a JSON file, without quoting it.
fn json_error_kind(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Eof => "unexpected end of file",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Io => "read error",
    }
}

/// JSON with `//` and `/* */` comments and trailing commas removed (outside strings).
fn strip_json_comments(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut in_str = false;
    let mut last = 0; // start of the text not yet copied
    let mut pending_comma: Option<usize> = None;
    while i < b.len() {
        let c = b[i];
        if in_str {
            if c == b'\\' {
                i += 2;
                continue;
            }
            in_str = c != b'"';
            i += 1;
            continue;
        }
        let skip_to = match (c, b.get(i + 1)) {
            (b'/', Some(b'/')) => Some(memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n)),
            (b'/', Some(b'*')) => {
                Some(memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |n| i + 2 + n + 2))
            }
            _ => None,
        };
        if let Some(end) = skip_to {
            out.push_str(&text[last..i]);
            last = end;
            i = end;
            continue;
        }
        match c {
            b'"' => {
                in_str = true;
                pending_comma = None;
            }
            b',' => pending_comma = Some(out.len() + (i - last)),
            b'}' | b']' => {
                if let Some(at) = pending_comma.take() {
                    out.push_str(&text[last..i]);
                    last = i;
                    out.replace_range(at..at + 1, " ");
                }
            }
            c if c.is_ascii_whitespace() => {}
            _ => pending_comma = None,
        }
        i += 1;
    }
    out.push_str(text.get(last..).unwrap_or(""));
    out
}

/// Why a file of `len` bytes is not audited.
pub fn over_limit(len: u64) -> String {
    format!(
        "file is {len} bytes, over the {} MiB limit; not audited",
        MAX_FILE_BYTES / (1024 * 1024)
    )
}

/// Reads `abs` (whose repository-relative path is `rel`) within the limits.
/// Never follows a link out of `root`.
pub fn read_text(root: &Path, abs: &Path, rel: &str) -> Result<String, LoadError> {
    let err = |message: String| LoadError {
        file: rel.to_string(),
        line: 0,
        column: 0,
        message,
    };
    let meta = fs::symlink_metadata(abs).map_err(|e| err(format!("cannot read: {e}")))?;
    if meta.file_type().is_symlink() {
        let target = fs::canonicalize(abs).map_err(|e| {
            err(format!(
                "symbolic link cannot be resolved ({e}); not followed"
            ))
        })?;
        let root = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        if !target.starts_with(&root) {
            return Err(err(format!(
                "symbolic link points outside the repository (to {}); not followed",
                target.display()
            )));
        }
    }
    let meta = fs::metadata(abs).map_err(|e| err(format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(err("not a regular file".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(err(over_limit(meta.len())));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    fs::File::open(abs)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| err(format!("cannot read: {e}")))?;
    decode(bytes).map_err(|(line, column, message)| LoadError {
        file: rel.to_string(),
        line,
        column,
        message,
    })
}

/// Decodes file bytes: strips a UTF-8 BOM, refuses NUL bytes and invalid UTF-8
/// with the line and column of the first bad byte.
pub fn decode(mut bytes: Vec<u8>) -> Result<String, (usize, usize, String)> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err((
            1,
            1,
            "file is UTF-16; only UTF-8 is supported (GitHub requires UTF-8)".into(),
        ));
    }
    // Lines end at `\n`, `\r\n` or a lone `\r`, as in the line index.
    let line_col = |bytes: &[u8], at: usize| {
        let before = &bytes[..at];
        let breaks =
            |i: usize, b: &u8| *b == b'\n' || *b == b'\r' && before.get(i + 1) != Some(&b'\n');
        let line = before
            .iter()
            .enumerate()
            .filter(|(i, b)| breaks(*i, b))
            .count()
            + 1;
        let col = at
            - before
                .iter()
                .enumerate()
                .rev()
                .find(|(i, b)| breaks(*i, b))
                .map_or(0, |(p, _)| p + 1)
            + 1;
        (line, col)
    };
    if let Some(nul) = memchr::memchr(0, &bytes) {
        let (l, c) = line_col(&bytes, nul);
        return Err((
            l,
            c,
            "file contains a NUL byte (binary file?); not audited".into(),
        ));
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let (l, c) = line_col(&bytes, at);
            Err((
                l,
                c,
                format!("file is not valid UTF-8 (bad byte at line {l}, column {c}); not audited"),
            ))
        }
    }
}

/// Makes `path` relative to `root` with `/` separators.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel: PathBuf = path.strip_prefix(root).unwrap_or(path).to_path_buf();
    let s: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    s.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JSON manifest's parse is kept from the shape check on load, and every file
    /// answers `json()` as `serde_json::from_str(text).ok()` would; the package
    /// scripts read from it are the text's.
    #[test]
    fn json_is_parsed_once_and_is_the_texts() {
        let pkg = "{\"name\": \"w\", \"scripts\": {\"test\": \"jest --ci\", \"ci\": \"npm run test\"}, \"engines\": {\"node\": \">=20\"}}";
        for (path, kind, text, kept) in [
            ("package.json", FileKind::Manifest, pkg, true),
            (
                "web/package.json",
                FileKind::Manifest,
                "{\"a\": [1, 2]}",
                true,
            ),
            ("package.json", FileKind::Manifest, "{\"a\": ", true),
            (
                "renovate.json",
                FileKind::Renovate,
                "{\"extends\": []}",
                true,
            ),
            ("x/other.json", FileKind::Manifest, "[1]", false),
        ] {
            let (f, _) = SourceFile::from_text(path.into(), kind, text.into());
            assert_eq!(f.json.get().is_some(), kept, "{path}");
            let want = serde_json::from_str::<serde_json::Value>(text).ok();
            assert_eq!(f.json(), want.as_ref(), "{path}");
        }
        let (f, _) = SourceFile::from_text("package.json".into(), FileKind::Manifest, pkg.into());
        assert!(f.json().is_some());
        let from_file = crate::runners::package_scripts(&f).expect("scripts");
        let from_text = crate::runners::package_scripts_of(pkg).expect("scripts");
        assert_eq!(from_file.len(), 2);
        assert_eq!(format!("{from_file:?}"), format!("{from_text:?}"));
    }

    #[test]
    fn decode_rejects_bad_bytes_with_position() {
        assert_eq!(decode(b"\xEF\xBB\xBFa: 1".to_vec()).unwrap(), "a: 1");
        let e = decode(b"a: 1\nb: \xff\n".to_vec()).unwrap_err();
        assert_eq!((e.0, e.1), (2, 4));
        assert!(e.2.contains("UTF-8"));
        let e = decode(b"a\0".to_vec()).unwrap_err();
        assert!(e.2.contains("NUL"));
    }

    #[test]
    fn long_lines_are_clipped_around_the_focus() {
        let short = "run: make || true";
        assert_eq!(clip_line(short, 5), short);
        let line = format!("{}X{}", "é".repeat(5000), "b".repeat(5000));
        let focus = line.find('X').unwrap();
        let c = clip_line(&line, focus);
        assert!(
            c.len() <= SNIPPET_LINE_BYTES + 2 * '…'.len_utf8(),
            "{}",
            c.len()
        );
        assert!(c.starts_with('…') && c.ends_with('…'));
        let caret = snippet_caret(&c, 5001);
        assert_eq!(c.chars().nth(caret), Some('X'));
        // Not cut at the start: the column stands.
        let line = format!("abcX{}", "b".repeat(5000));
        let c = clip_line(&line, 3);
        assert_eq!(c.chars().nth(snippet_caret(&c, 4)), Some('X'));
        assert!(!c.starts_with('…') && c.ends_with('…'));
    }

    #[test]
    fn config_files_must_have_their_shape() {
        let load =
            |path: &str, kind, text: &str| SourceFile::from_text(path.into(), kind, text.into());
        let (f, e) = load("renovate.json", FileKind::Renovate, "garbage {");
        assert!(
            f.malformed && e[0].message.contains("not valid JSON"),
            "{e:?}"
        );
        // Comments and trailing commas are Renovate's JSON too.
        let (f, e) = load(
            "renovate.json",
            FileKind::Renovate,
            "{\n  // keep\n  \"extends\": [\"config:base\",],\n  /* x */ \"a\": \"//,\",\n}\n",
        );
        assert!(!f.malformed && e.is_empty(), "{e:?}");
        let (f, e) = load("package.json", FileKind::Manifest, "{\n  \"a\": 1,\n  x\n}");
        assert!(f.malformed && e[0].line == 3, "{e:?}");
        let (f, e) = load("pyproject.toml", FileKind::Manifest, "[project\nname = 1\n");
        assert!(
            f.malformed && e[0].message.contains("TOML") && e[0].line == 1,
            "{e:?}"
        );
        let (f, e) = load(".github/dependabot.yml", FileKind::Dependabot, "- a\n- b\n");
        assert!(f.malformed && e[0].message.contains("mapping"), "{e:?}");
        let (f, e) = load(
            ".github/dependabot.yml",
            FileKind::Dependabot,
            "version: 2\nupdates: 5\n",
        );
        assert!(
            f.malformed && e[0].message.contains("list") && e[0].line == 2,
            "{e:?}"
        );
        let ok = "version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n";
        let (f, e) = load(".github/dependabot.yml", FileKind::Dependabot, ok);
        assert!(!f.malformed && e.is_empty(), "{e:?}");
    }

    #[test]
    fn lone_cr_ends_a_line() {
        let (f, _) = SourceFile::from_text("s.sh".into(), FileKind::Script, "a\rb\r\nc\nd".into());
        assert_eq!(f.line_count(), 4);
        assert_eq!(f.line_text(2), "b");
        assert_eq!(f.position(5).line, 3);
        let e = decode(b"a\rb\r\xff".to_vec()).unwrap_err();
        assert_eq!((e.0, e.1), (3, 1));
    }

    #[test]
    fn empty_yaml_is_an_error() {
        let (f, errs) = SourceFile::from_text("w.yml".into(), FileKind::Workflow, "\n".into());
        assert!(f.yaml.is_none());
        assert_eq!(errs[0].message, "file is empty");
    }
}
