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
        (
            SourceFile {
                path,
                kind,
                text,
                lines,
                yaml,
                dockerfile,
            },
            errors,
        )
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
        return Err(err(format!(
            "file is {} bytes, over the {} MiB limit; not audited",
            meta.len(),
            MAX_FILE_BYTES / (1024 * 1024)
        )));
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
    let line_col = |bytes: &[u8], at: usize| {
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        let col = at
            - bytes[..at]
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |p| p + 1)
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
    fn empty_yaml_is_an_error() {
        let (f, errs) = SourceFile::from_text("w.yml".into(), FileKind::Workflow, "\n".into());
        assert!(f.yaml.is_none());
        assert_eq!(errs[0].message, "file is empty");
    }
}
