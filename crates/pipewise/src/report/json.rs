//! JSON output: the `pipewise/report@1` document, written one repository at a time.
//!
//! One implementation for `--format json`, `pipewise merge -f json` and the streamed
//! multi-repository audit: [`start`], then each repository's [`repository`] entry
//! (separated by `,\n`), then [`END`]. The bytes are those of serde_json's pretty
//! printer over the whole [`Report`] (a test checks it), but a repository can be
//! rendered on a worker thread and released once written.

use super::{RepoReport, Report};
use std::io::Write;

/// The document up to the opening of the `repositories` array.
pub fn start() -> String {
    let empty = Report::new(vec![]);
    let tool = serde_json::to_string_pretty(&empty.tool).unwrap_or_default();
    format!(
        "{{\n  \"schema\": {},\n  \"tool\": {},\n  \"repositories\": [\n",
        serde_json::Value::from(empty.schema),
        tool.replace('\n', "\n  ")
    )
}

/// What closes the document after the last repository.
pub const END: &[u8] = b"\n  ]\n}\n";

/// Between two repositories.
pub const SEPARATOR: &[u8] = b",\n";

/// The whole document (every repository rendered in turn).
pub fn render(report: &Report) -> String {
    if report.repositories.is_empty() {
        let s = start();
        return format!("{}]\n}}\n", s.trim_end_matches('\n'));
    }
    let mut out: Vec<u8> = start().into_bytes();
    for (i, r) in report.repositories.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(SEPARATOR);
        }
        for part in repository(r).parts() {
            out.extend_from_slice(part);
        }
    }
    out.extend_from_slice(END);
    String::from_utf8(out).unwrap_or_default()
}

/// The JSON report written repository by repository (see [`super::stream`]);
/// repositories are rendered on the workers.
pub struct JsonStream;

impl super::stream::Stream for JsonStream {
    type Part = Chunks;
    /// Whether a repository was written (the next one needs a separator).
    type Acc = bool;
    const SPILL: bool = false;
    fn part(&self, r: &RepoReport) -> Chunks {
        repository(r)
    }
    fn write(&self, any: &mut bool, part: Chunks, body: &mut dyn Write) -> std::io::Result<()> {
        if std::mem::replace(any, true) {
            body.write_all(SEPARATOR)?;
        }
        part.parts().try_for_each(|p| body.write_all(p))
    }
    fn head(&self, _: &bool) -> Vec<u8> {
        start().into_bytes()
    }
    fn tail(&self, _: &bool) -> Vec<u8> {
        END.to_vec()
    }
}

/// One repository, indented as an element of the top-level `repositories` array:
/// serde_json's pretty printer, started two levels deep, writing straight into
/// [`Chunks`] (no second pass to indent the lines, no copy to grow a buffer).
pub fn repository(r: &RepoReport) -> Chunks {
    let mut out = Chunks::new();
    out.current.extend_from_slice(b"    ");
    if super::json_ser::to_writer(&mut out, NestedPretty::new(2), r).is_err() {
        return Chunks::new();
    }
    out
}

/// Bytes written into a list of fixed-size buffers: a report of several megabytes
/// grows without reallocating and copying what was already written.
pub struct Chunks {
    full: Vec<Vec<u8>>,
    current: Vec<u8>,
}

impl Chunks {
    const SIZE: usize = 256 * 1024;

    fn new() -> Self {
        Chunks {
            full: Vec::new(),
            current: Vec::with_capacity(Self::SIZE),
        }
    }

    /// Every buffer, in order.
    pub fn parts(&self) -> impl Iterator<Item = &[u8]> {
        self.full
            .iter()
            .map(Vec::as_slice)
            .chain(std::iter::once(self.current.as_slice()))
    }

    /// Fills the current buffer and moves on to new ones.
    #[cold]
    fn spill(&mut self, mut buf: &[u8]) {
        while !buf.is_empty() {
            let room = self.current.capacity() - self.current.len();
            if room == 0 {
                let next = Vec::with_capacity(Self::SIZE);
                self.full.push(std::mem::replace(&mut self.current, next));
                continue;
            }
            let k = room.min(buf.len());
            self.current.extend_from_slice(&buf[..k]);
            buf = &buf[k..];
        }
    }
}

impl Write for Chunks {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }
    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if self.current.capacity() - self.current.len() >= buf.len() {
            self.current.extend_from_slice(buf);
        } else {
            self.spill(buf);
        }
        Ok(())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Appends `value` pretty-printed as an element `depth` levels deep (the indentation
/// of its first line included), as serde_json's pretty printer prints it inside the
/// whole document: a large document can be written one element at a time.
pub(crate) fn nested_pretty<T: serde::Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
    depth: usize,
) {
    out.extend(std::iter::repeat_n(b' ', depth * 2));
    // Writing into a Vec cannot fail; a value that cannot be serialised (a map with
    // non-string keys) is cut short, as serde_json's `to_string_pretty` would fail.
    let _ = super::json_ser::to_writer(&mut *out, NestedPretty::new(depth), value);
}

/// serde_json's `PrettyFormatter` (two-space indent) starting at a given depth.
struct NestedPretty {
    depth: usize,
    has_value: bool,
}

impl NestedPretty {
    fn new(depth: usize) -> Self {
        NestedPretty {
            depth,
            has_value: false,
        }
    }

    fn newline_indent<W: ?Sized + Write>(&self, w: &mut W, comma: bool) -> std::io::Result<()> {
        const SPACES: &[u8] = &[b' '; 64];
        w.write_all(if comma { b",\n" } else { b"\n" })?;
        let mut n = self.depth * 2;
        while n > 0 {
            let k = n.min(SPACES.len());
            w.write_all(&SPACES[..k])?;
            n -= k;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        if self.has_value {
            self.newline_indent(w, false)?;
        }
        w.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for NestedPretty {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.newline_indent(w, !first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.newline_indent(w, !first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// The `--format json` renderer.
pub struct Json;

impl super::Renderer for Json {
    fn name(&self) -> &'static str {
        "json"
    }
    fn extensions(&self) -> &'static [&'static str] {
        &["json"]
    }
    fn render(&self, report: &Report, _opts: &super::RenderOptions) -> String {
        render(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document is serde_json's pretty printing of the whole report, byte for
    /// byte (nested arrays and objects, empty ones, escaped strings).
    #[test]
    fn streamed_pieces_are_serde_pretty_printing_of_the_whole_document() {
        let demo =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo-repo");
        let r = crate::audit::audit_path(&demo, None).unwrap();
        assert!(!r.findings.is_empty());
        for report in [
            Report::new(vec![]),
            Report::new(vec![r.clone()]),
            Report::new(vec![r.clone(), r]),
        ] {
            let mut whole = serde_json::to_string_pretty(&report).unwrap();
            whole.push('\n');
            assert_eq!(render(&report), whole);
        }
    }

    #[test]
    fn chunks_keep_every_byte_in_order_across_chunk_boundaries() {
        let data: Vec<u8> = (0..(3 * Chunks::SIZE + 1234))
            .map(|i| (i % 251) as u8)
            .collect();
        let mut c = Chunks::new();
        c.write_all(b"    ").unwrap();
        let mut rest = &data[..];
        let mut n = 1;
        while !rest.is_empty() {
            let k = n.min(rest.len());
            c.write_all(&rest[..k]).unwrap();
            rest = &rest[k..];
            n = n * 3 % 100_003 + 1;
        }
        c.write_all(&data[..Chunks::SIZE + 7]).unwrap();
        let joined: Vec<u8> = c.parts().collect::<Vec<_>>().concat();
        let mut want = b"    ".to_vec();
        want.extend_from_slice(&data);
        want.extend_from_slice(&data[..Chunks::SIZE + 7]);
        assert_eq!(joined, want);
        assert!(c.full.len() >= 4, "several chunks were used");
    }
}
