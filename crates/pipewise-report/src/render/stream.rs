//! Writing a report one repository at a time, so that memory does not grow with the
//! number of repositories audited.
//!
//! A format that can be streamed splits its document into a head, one body part per
//! repository (in order) and a tail. [`Stream::part`] runs on a worker thread for
//! each repository as soon as it is audited; [`Stream::write`] runs on the writing
//! thread, in order, and keeps in an accumulator only what the head and the tail
//! need (counts, scores, file errors). When the head depends on every repository
//! (the plain report's totals and scorecard, SARIF's notifications),
//! [`Stream::SPILL`] says so and the CLI keeps the bodies in a temporary file
//! until the head can be written.
//!
//! [`render`] runs the same steps into one string: each format's whole-report
//! renderer is built on it, so streamed and whole output are the same bytes.

use super::RepoReport;
use std::io::{self, Read, Seek, Write};

/// Where a spilled body waits: a temporary file, or memory for [`render`].
pub trait Spilled: Read + Seek {}
impl<T: Read + Seek> Spilled for T {}

/// A format written repository by repository.
pub trait Stream: Sync {
    /// What a worker renders from one repository.
    type Part: Send;
    /// What the writing thread keeps for the head and the tail.
    type Acc: Default;
    /// Whether the head depends on every repository (the body must wait in a
    /// temporary file until the last repository is written).
    const SPILL: bool;
    /// One repository's part (on a worker thread).
    fn part(&self, r: &RepoReport) -> Self::Part;
    /// Writes one part's body and keeps what the head and tail need (in order).
    fn write(&self, acc: &mut Self::Acc, part: Self::Part, body: &mut dyn Write) -> io::Result<()>;
    /// What comes before the first body.
    fn head(&self, acc: &Self::Acc) -> Vec<u8>;
    /// What comes after the last body.
    fn tail(&self, acc: &Self::Acc) -> Vec<u8>;
    /// Copies the spilled body (read from its start) after the head; a format may
    /// reorder it here (concise merges sorted runs).
    fn body(
        &self,
        _acc: &Self::Acc,
        spilled: &mut dyn Spilled,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        io::copy(spilled, out).map(|_| ())
    }
}

/// The whole document for `repos`, through the same steps as a streamed one.
pub fn render<S: Stream>(s: &S, repos: &[RepoReport]) -> String {
    let mut acc = S::Acc::default();
    let mut body: Vec<u8> = vec![];
    for r in repos {
        // Writing into a Vec cannot fail.
        let _ = s.write(&mut acc, s.part(r), &mut body);
    }
    let mut out = s.head(&acc);
    if S::SPILL {
        let _ = s.body(&acc, &mut io::Cursor::new(body), &mut out);
    } else {
        out.extend_from_slice(&body);
    }
    out.extend_from_slice(&s.tail(&acc));
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// What the tables of repositories by score (and the plain totals) show of one
/// repository: kept for every repository while the bodies are written.
pub struct Row {
    pub root: String,
    pub files: usize,
    pub errors: usize,
    /// Findings by severity, most severe first.
    pub counts: [(crate::finding::Severity, usize); 5],
    pub unscored: bool,
    pub overall: u32,
    pub grade: String,
}

impl Row {
    pub fn of(r: &RepoReport) -> Row {
        Row {
            root: r.root.clone(),
            files: r.files.len(),
            errors: r.errors.len(),
            counts: super::severity_counts(r.findings.iter()),
            unscored: r.scores.unscored.is_some(),
            overall: r.scores.overall,
            grade: r.scores.grade.clone(),
        }
    }

    /// Every finding.
    pub fn findings(&self) -> usize {
        self.counts.iter().map(|c| c.1).sum()
    }

    /// Indexes of `rows`, best score first (then by root), as the tables show them.
    pub fn by_score(rows: &[Row]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&rows[a], &rows[b]);
            b.overall.cmp(&a.overall).then_with(|| a.root.cmp(&b.root))
        });
        order
    }
}
