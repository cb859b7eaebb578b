//! `--format concise`: one line per finding, `path:line:col: severity rule message`,
//! most severe first (then by file and position), for editors, `grep` and quick
//! triage. File errors are lines too (`path:line:1: error file-error message`).
//! Every field is escaped ([`super::escape::text`]), so each finding is exactly one
//! line.

use super::escape::text;
use super::{Renderer, Report};
use crate::finding::Severity;

/// The `--format concise` renderer.
pub struct Concise;

impl Renderer for Concise {
    fn shows_inventory(&self) -> bool {
        false
    }
    fn name(&self) -> &'static str {
        "concise"
    }
    fn render(&self, report: &Report, _opts: &super::RenderOptions) -> String {
        render(report)
    }
}

pub fn render(report: &Report) -> String {
    let s = ConciseStream {
        multi: report.repositories.len() > 1,
    };
    super::stream::render(&s, &report.repositories)
}

/// Concise lines written repository by repository (see [`super::stream`]). The
/// lines are sorted over the whole report, so each repository's lines are written
/// as sorted runs, one per rank (file errors, then critical to info), and the runs
/// of every repository are merged rank by rank at the end.
pub struct ConciseStream {
    /// More than one repository: paths start with the repository's root.
    pub multi: bool,
}

/// Where each repository's runs are in the body, one per rank.
#[derive(Default)]
pub struct Runs {
    runs: Vec<[(u64, u64); RANKS]>,
    at: u64,
}

const RANKS: usize = 6;

/// One line and its sort key: `(path, line, column, text)`.
type Line = (String, usize, usize, String);

impl super::stream::Stream for ConciseStream {
    /// A repository's runs, encoded as in the body.
    type Part = [Vec<u8>; RANKS];
    type Acc = Runs;
    const SPILL: bool = true;

    fn part(&self, repo: &super::RepoReport) -> Self::Part {
        let path = |file: &str| {
            if self.multi {
                format!("{}/{}", text(repo.root.trim_end_matches('/')), text(file))
            } else {
                text(file).into_owned()
            }
        };
        let mut ranks: [Vec<Line>; RANKS] = Default::default();
        for e in &repo.errors {
            let p = path(&e.file);
            let l = format!(
                "{p}:{}:1: error file-error {}",
                e.line.max(1),
                text(&e.message)
            );
            ranks[0].push((p, e.line, 1, l));
        }
        for f in &repo.findings {
            let p = path(&f.file);
            let l = format!(
                "{p}:{}:{}: {} {} {}",
                f.line.max(1),
                f.column.max(1),
                f.severity,
                f.rule,
                text(&f.message)
            );
            // Most severe first: rank 0 is a file error, then critical (1) to info.
            let rank = 1 + Severity::ALL
                .iter()
                .position(|s| *s == f.severity)
                .unwrap_or(4);
            ranks[rank.min(RANKS - 1)].push((p, f.line, f.column, l));
        }
        ranks.map(|mut lines| {
            lines.sort_by(|a, b| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2)));
            let mut out = vec![];
            for l in &lines {
                encode(&mut out, l);
            }
            out
        })
    }

    fn write(
        &self,
        acc: &mut Runs,
        part: Self::Part,
        body: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let mut runs = [(0, 0); RANKS];
        for (run, bytes) in runs.iter_mut().zip(&part) {
            *run = (acc.at, bytes.len() as u64);
            acc.at += bytes.len() as u64;
            body.write_all(bytes)?;
        }
        acc.runs.push(runs);
        Ok(())
    }

    fn head(&self, _: &Runs) -> Vec<u8> {
        vec![]
    }

    fn tail(&self, _: &Runs) -> Vec<u8> {
        vec![]
    }

    /// Rank by rank, the repositories' runs merged by (path, line, column), ties in
    /// the order the repositories were given (as a stable sort of every line would).
    fn body(
        &self,
        acc: &Runs,
        spilled: &mut dyn super::stream::Spilled,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        use std::cmp::Reverse;
        for rank in 0..RANKS {
            let mut readers: Vec<Run> = acc.runs.iter().map(|r| Run::new(r[rank])).collect();
            let mut heap = std::collections::BinaryHeap::new();
            for (i, r) in readers.iter_mut().enumerate() {
                if let Some(l) = r.next(spilled)? {
                    heap.push(Reverse((l.0, l.1, l.2, i, l.3)));
                }
            }
            while let Some(Reverse((_, _, _, i, line))) = heap.pop() {
                out.write_all(super::escape::guard_commands(line).as_bytes())?;
                out.write_all(b"\n")?;
                if let Some(l) = readers[i].next(spilled)? {
                    heap.push(Reverse((l.0, l.1, l.2, i, l.3)));
                }
            }
        }
        Ok(())
    }
}

/// A line in the body: path, line, column, text (lengths as little-endian u64).
fn encode(out: &mut Vec<u8>, (path, line, col, text): &Line) {
    for n in [path.len(), *line, *col, text.len()] {
        out.extend_from_slice(&(n as u64).to_le_bytes());
    }
    out.extend_from_slice(path.as_bytes());
    out.extend_from_slice(text.as_bytes());
}

/// Reads one run of the body back, a few kilobytes at a time.
struct Run {
    pos: u64,
    end: u64,
    buf: Vec<u8>,
    at: usize,
}

impl Run {
    fn new((start, len): (u64, u64)) -> Run {
        Run {
            pos: start,
            end: start + len,
            buf: vec![],
            at: 0,
        }
    }

    /// At least `n` unread bytes in the buffer (fewer only at the end of the run).
    fn fill(&mut self, n: usize, src: &mut dyn super::stream::Spilled) -> std::io::Result<()> {
        if self.buf.len() - self.at >= n || self.pos >= self.end {
            return Ok(());
        }
        self.buf.drain(..self.at);
        self.at = 0;
        let want = (n - self.buf.len()).max(4096) as u64;
        let take = want.min(self.end - self.pos);
        src.seek(std::io::SeekFrom::Start(self.pos))?;
        let old = self.buf.len();
        self.buf.resize(old + take as usize, 0);
        src.read_exact(&mut self.buf[old..])?;
        self.pos += take;
        Ok(())
    }

    fn next(&mut self, src: &mut dyn super::stream::Spilled) -> std::io::Result<Option<Line>> {
        self.fill(32, src)?;
        if self.buf.len() - self.at < 32 {
            return Ok(None);
        }
        let mut n = [0usize; 4];
        for (k, v) in n.iter_mut().enumerate() {
            let at = self.at + 8 * k;
            let mut b = [0u8; 8];
            b.copy_from_slice(&self.buf[at..at + 8]);
            *v = u64::from_le_bytes(b) as usize;
        }
        self.at += 32;
        let [plen, line, col, tlen] = n;
        self.fill(plen + tlen, src)?;
        let bytes = self
            .buf
            .get(self.at..self.at + plen + tlen)
            .ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "truncated report body")
            })?;
        let path = String::from_utf8_lossy(&bytes[..plen]).into_owned();
        let text = String::from_utf8_lossy(&bytes[plen..]).into_owned();
        self.at += plen + tlen;
        Ok(Some((path, line, col, text)))
    }
}
