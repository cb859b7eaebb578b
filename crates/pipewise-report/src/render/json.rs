//! JSON output: the `pipewise/report@2` document (or, with `--report-schema 1`,
//! `pipewise/report@1`), written one repository at a time.
//!
//! One implementation for `--format json`, `pipewise merge -f json` and the streamed
//! multi-repository audit: [`start`], then each repository's entry (separated by
//! `,\n`), then the end. In `@1` the bytes are those of serde_json's pretty printer
//! over the whole [`Report`] (a test checks it). `@2` is the same document with the
//! rule metadata of each finding (title, confidence, category, impact, fix,
//! references) left out where it is the rule's own, and written once per rule in a
//! `rules` table after the repositories, as SARIF's `rules` array does: the writer
//! keeps only the ids of the rules seen, so memory stays flat. [`parse`] reads both
//! schemas back (`pipewise merge`).

use super::{RepoReport, Report, ReportFinding};
use crate::rule::{RuleMeta, Rules};
use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};
use std::collections::BTreeSet;
use std::io::Write;

/// The schemas `--format json` can write: `pipewise/report@2` (the default: rule
/// metadata once per rule in a `rules` table) or `pipewise/report@1` (every finding
/// carries its rule's title, category, impact, fix and references).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Schema {
    V1,
    #[default]
    V2,
}

impl Schema {
    /// The `schema` value of the document.
    pub fn id(self) -> &'static str {
        match self {
            Schema::V1 => super::SCHEMA,
            Schema::V2 => super::SCHEMA_V2,
        }
    }

    /// `1` or `2`, as `--report-schema` takes it.
    pub fn parse(n: &str) -> Result<Schema, String> {
        match n.trim() {
            "1" => Ok(Schema::V1),
            "2" => Ok(Schema::V2),
            other => Err(format!(
                "--report-schema: expected 1 or 2 (pipewise/report@1 or @2), got `{other}`"
            )),
        }
    }
}

/// The document up to the opening of the `repositories` array.
pub fn start_of(schema: Schema) -> String {
    let empty = Report::new(vec![], Rules::default());
    let tool = serde_json::to_string_pretty(&empty.tool).unwrap_or_default();
    format!(
        "{{\n  \"schema\": {},\n  \"tool\": {},\n  \"repositories\": [\n",
        serde_json::Value::from(schema.id()),
        tool.replace('\n', "\n  ")
    )
}

/// The `@1` document up to the opening of the `repositories` array.
pub fn start() -> String {
    start_of(Schema::V1)
}

/// What closes the `@1` document after the last repository.
pub const END: &[u8] = b"\n  ]\n}\n";

/// Between two repositories.
pub const SEPARATOR: &[u8] = b",\n";

/// The whole `@1` document (every repository rendered in turn): serde_json's pretty
/// printing of `report`.
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

/// The whole document in `schema`.
pub fn render_as(report: &Report, schema: Schema) -> String {
    match schema {
        Schema::V1 => render(report),
        Schema::V2 => super::stream::render(
            &JsonStream {
                schema,
                rules: report.rules,
            },
            &report.repositories,
        ),
    }
}

/// The JSON report written repository by repository (see [`super::stream`]);
/// repositories are rendered on the workers.
#[derive(Debug, Clone, Copy)]
pub struct JsonStream {
    pub schema: Schema,
    /// The rules `@2` findings refer to (a report's [`Report::rules`]): their
    /// metadata is left out of the findings and written once in the `rules` table.
    pub rules: Rules,
}

/// One repository's entry, and (`@2`) the ids of the rules its findings refer to.
pub struct Part {
    chunks: Chunks,
    rules: Vec<&'static str>,
}

/// What the writer keeps: whether a repository was written (the next one needs a
/// separator) and the rules the `@2` table lists.
#[derive(Default)]
pub struct Seen {
    any: bool,
    rules: BTreeSet<&'static str>,
}

impl super::stream::Stream for JsonStream {
    type Part = Part;
    type Acc = Seen;
    const SPILL: bool = false;
    fn part(&self, r: &RepoReport) -> Part {
        match self.schema {
            Schema::V1 => Part {
                chunks: repository(r),
                rules: vec![],
            },
            Schema::V2 => repository_v2(r, self.rules),
        }
    }
    fn write(&self, seen: &mut Seen, part: Part, body: &mut dyn Write) -> std::io::Result<()> {
        if std::mem::replace(&mut seen.any, true) {
            body.write_all(SEPARATOR)?;
        }
        seen.rules.extend(part.rules);
        part.chunks.parts().try_for_each(|p| body.write_all(p))
    }
    fn head(&self, _: &Seen) -> Vec<u8> {
        start_of(self.schema).into_bytes()
    }
    fn tail(&self, seen: &Seen) -> Vec<u8> {
        match self.schema {
            Schema::V1 => END.to_vec(),
            Schema::V2 => rules_tail(&seen.rules, self.rules),
        }
    }
}

/// One repository, indented as an element of the top-level `repositories` array:
/// serde_json's pretty printer, started two levels deep, writing straight into
/// [`Chunks`] (no second pass to indent the lines, no copy to grow a buffer).
pub fn repository(r: &RepoReport) -> Chunks {
    let mut out = Chunks::new();
    out.current.extend_from_slice(b"    ");
    if super::json_ser::to_pretty(&mut out, 2, r).is_err() {
        return Chunks::new();
    }
    out
}

/// One repository in `@2` (findings without their rule's metadata), and the rules
/// its findings refer to.
fn repository_v2(r: &RepoReport, table: Rules) -> Part {
    // Each finding's rule, looked up once for the finding and the table.
    let metas: Vec<Option<&'static RuleMeta>> =
        r.findings.iter().map(|f| table.by_id(&f.rule)).collect();
    let mut chunks = Chunks::new();
    chunks.current.extend_from_slice(b"    ");
    if super::json_ser::to_pretty(&mut chunks, 2, &RepoV2(r, &metas)).is_err() {
        chunks = Chunks::new();
    }
    let mut rules: Vec<&'static str> = metas.iter().flatten().map(|m| m.id).collect();
    rules.sort_unstable();
    rules.dedup();
    Part { chunks, rules }
}

/// The end of the `@2` document: the `rules` table (every rule a finding refers to,
/// by id) after the repositories.
fn rules_tail(ids: &BTreeSet<&'static str>, rules: Rules) -> Vec<u8> {
    let mut out = b"\n  ],\n  \"rules\": ".to_vec();
    let table: std::collections::BTreeMap<&str, RuleEntry> = ids
        .iter()
        .filter_map(|id| rules.by_id(id))
        .map(|m| (m.id, RuleEntry(m)))
        .collect();
    let _ = super::json_ser::to_pretty(&mut out, 1, &table);
    out.extend_from_slice(b"\n}\n");
    out
}

/// A rule's entry in the `@2` `rules` table: the metadata its findings leave out,
/// plus its default severity and one-sentence summary.
struct RuleEntry(&'static RuleMeta);

impl Serialize for RuleEntry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let m = self.0;
        let mut o = s.serialize_struct("Rule", 8)?;
        o.serialize_field("title", m.title)?;
        o.serialize_field("severity", &m.severity)?;
        o.serialize_field("confidence", &m.confidence)?;
        o.serialize_field("category", m.category.id())?;
        o.serialize_field("summary", m.summary)?;
        o.serialize_field("impact", m.impact)?;
        o.serialize_field(
            "fix",
            &crate::finding::Fix {
                description: m.fix.description.into(),
                snippet: m.fix.snippet.into(),
                effort_minutes: m.fix.effort_minutes,
            },
        )?;
        o.serialize_field("references", &m.public_references().collect::<Vec<_>>())?;
        o.end()
    }
}

/// A repository as `@2` writes it: `@1`'s fields in `@1`'s order, the findings
/// through [`FindingV2`]. (A test reads it back and compares it with `@1`, so a
/// field added to [`RepoReport`] and not here fails it.)
struct RepoV2<'a>(&'a RepoReport, &'a [Option<&'static RuleMeta>]);

impl Serialize for RepoV2<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut o = s.serialize_struct("RepoReport", 13)?;
        o.serialize_field("root", &r.root)?;
        o.serialize_field("stack", &r.stack)?;
        o.serialize_field("files", &r.files)?;
        o.serialize_field("findings", &FindingsV2(&r.findings, self.1))?;
        o.serialize_field("capabilities", &r.capabilities)?;
        if !r.deploy_paths.is_empty() {
            o.serialize_field("deploy_paths", &r.deploy_paths)?;
        }
        o.serialize_field("scores", &r.scores)?;
        o.serialize_field("errors", &r.errors)?;
        o.serialize_field("workflows", &r.workflows)?;
        o.serialize_field("secrets", &r.secrets)?;
        o.serialize_field("summary", &r.summary)?;
        if !r.warnings.is_empty() {
            o.serialize_field("warnings", &r.warnings)?;
        }
        if let Some(e) = &r.economics {
            o.serialize_field("economics", e)?;
        }
        o.end()
    }
}

/// The findings, each with its rule's metadata (by index).
struct FindingsV2<'a>(&'a [ReportFinding], &'a [Option<&'static RuleMeta>]);

impl Serialize for FindingsV2<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for (i, f) in self.0.iter().enumerate() {
            seq.serialize_element(&FindingV2(f, self.1.get(i).copied().flatten()))?;
        }
        seq.end()
    }
}

/// The rule metadata fields a `@2` finding leaves out when they are its rule's (and
/// a reader fills in from the `rules` table).
pub const RULE_FIELDS: [&str; 6] = [
    "title",
    "confidence",
    "category",
    "impact",
    "fix",
    "references",
];

/// A finding as `@2` writes it: its rule's metadata only where the finding has its
/// own (a title, impact or fix of its own, a confidence other than the rule's); a
/// finding of a rule pipewise does not know (a merged older report) keeps it all.
struct FindingV2<'a>(&'a ReportFinding, Option<&'static RuleMeta>);

impl Serialize for FindingV2<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (f, meta) = (self.0, self.1);
        let own = |same: &dyn Fn(&RuleMeta) -> bool| !meta.is_some_and(same);
        let mut o = s.serialize_struct("ReportFinding", 18)?;
        o.serialize_field("rule", &f.rule)?;
        if own(&|m| f.title == m.title) {
            o.serialize_field("title", &f.title)?;
        }
        o.serialize_field("severity", &f.severity)?;
        if own(&|m| f.confidence == m.confidence) {
            o.serialize_field("confidence", &f.confidence)?;
        }
        if own(&|m| f.category == m.category.id()) {
            o.serialize_field("category", &f.category)?;
        }
        o.serialize_field("file", &f.file)?;
        o.serialize_field("line", &f.line)?;
        o.serialize_field("column", &f.column)?;
        o.serialize_field("end_line", &f.end_line)?;
        o.serialize_field("end_column", &f.end_column)?;
        if let Some(j) = &f.job {
            o.serialize_field("job", j)?;
        }
        if let Some(st) = &f.step {
            o.serialize_field("step", st)?;
        }
        o.serialize_field("message", &f.message)?;
        if own(&|m| f.impact == m.impact) {
            o.serialize_field("impact", &f.impact)?;
        }
        if own(&|m| {
            f.fix.description == m.fix.description
                && f.fix.snippet == m.fix.snippet
                && f.fix.effort_minutes == m.fix.effort_minutes
        }) {
            o.serialize_field("fix", &f.fix)?;
        }
        if own(&|m| {
            f.references
                .iter()
                .map(String::as_str)
                .eq(m.public_references())
        }) {
            o.serialize_field("references", &f.references)?;
        }
        if !f.related.is_empty() {
            o.serialize_field("related", &f.related)?;
        }
        if !f.fingerprint.is_empty() {
            o.serialize_field("fingerprint", &f.fingerprint)?;
        }
        o.end()
    }
}

/// Reads a `pipewise/report@1` or `@2` document (the output of `pipewise audit
/// --format json`): an `@2` finding gets the metadata it leaves out from the
/// document's own `rules` table (not from this pipewise's rules, which may differ
/// from the ones that wrote it).
pub fn parse(text: &str) -> Result<Report, String> {
    let mut v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "not JSON (line {}, column {}): {e}; expected a report written by `pipewise audit --format json`",
            e.line(),
            e.column()
        )
    })?;
    let (v1, v2) = (Schema::V1.id(), Schema::V2.id());
    let schema = match v.get("schema").and_then(|s| s.as_str()) {
        Some(s) if s == v1 => Schema::V1,
        Some(s) if s == v2 => Schema::V2,
        Some(other) => {
            return Err(format!(
                "report schema is `{other}`, but this pipewise reads `{v1}` and `{v2}`"
            ))
        }
        None => {
            return Err(format!(
                "not a pipewise report (no `schema: {v2}` or `{v1}`); expected the output of `pipewise audit --format json`"
            ))
        }
    };
    if schema == Schema::V2 {
        expand(&mut v)?;
    }
    serde_json::from_value(v)
        .map_err(|e| format!("does not follow the `{}` schema: {e}", schema.id()))
}

/// Fills every `@2` finding's left-out rule metadata from the `rules` table.
fn expand(v: &mut serde_json::Value) -> Result<(), String> {
    use serde_json::Value;
    let rules = match v.as_object_mut().and_then(|o| o.remove("rules")) {
        Some(Value::Object(m)) => m,
        Some(_) => return Err("`rules` is not an object of rules by id".into()),
        None => serde_json::Map::new(),
    };
    let Some(repos) = v.get_mut("repositories").and_then(Value::as_array_mut) else {
        return Ok(());
    };
    for repo in repos {
        let Some(findings) = repo.get_mut("findings").and_then(Value::as_array_mut) else {
            continue;
        };
        for f in findings.iter_mut().filter_map(Value::as_object_mut) {
            let Some(entry) = f
                .get("rule")
                .and_then(Value::as_str)
                .and_then(|id| rules.get(id))
            else {
                continue;
            };
            for k in RULE_FIELDS {
                if !f.contains_key(k) {
                    if let Some(x) = entry.get(k) {
                        f.insert(k.to_string(), x.clone());
                    }
                }
            }
        }
    }
    Ok(())
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

    /// Moves on to a new buffer with room for `n` bytes.
    #[cold]
    #[inline(never)]
    fn next(&mut self, n: usize) {
        let next = Vec::with_capacity(n.max(Self::SIZE));
        self.full.push(std::mem::replace(&mut self.current, next));
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

/// The serializer writes into the current buffer, moving on to a new one when the
/// next piece does not fit (so a buffer is never reallocated and copied).
impl super::json_ser::Out for Chunks {
    #[inline(always)]
    fn room(&mut self, n: usize) -> &mut Vec<u8> {
        if self.current.capacity() - self.current.len() < n {
            self.next(n);
        }
        &mut self.current
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
    let _ = super::json_ser::to_pretty(out, depth, value);
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
    fn render(&self, report: &Report, opts: &super::RenderOptions) -> String {
        render_as(report, opts.report_schema)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Indentation past what one copy of the line prefix holds (64 levels) is still
    /// serde_json's.
    #[test]
    fn deep_nesting_is_indented_as_serde_json_indents_it() {
        let mut v = serde_json::json!({"leaf": ["a", 1, {}]});
        for i in 0..80 {
            v = if i % 2 == 0 {
                serde_json::json!([v, "x"])
            } else {
                serde_json::json!({"k": v, "n": i})
            };
        }
        let mut out = Vec::new();
        nested_pretty(&mut out, &v, 0);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string_pretty(&v).unwrap()
        );
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
