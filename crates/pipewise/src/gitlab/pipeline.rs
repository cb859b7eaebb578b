//! A GitLab CI pipeline as GitLab evaluates it: the root file and its local includes
//! merged (included files first, the including file wins), YAML merge keys (`<<:`)
//! expanded, `extends:` resolved (several levels, deep merge of mappings, lists and
//! scalars replaced), `default:` (and the old top-level `image`, `services`,
//! `before_script`, `after_script`, `cache`) applied where a job does not override
//! it and `inherit:` allows, and `!reference [job, key, …]` tags replaced by what
//! they point at.
//!
//! Merged job configurations are owned trees whose nodes keep the spans of the file
//! they came from: while merging, each span carries its file's index in its high bits
//! ([`encode`]); the finished tree is decoded once, recording which file each key and
//! each script line comes from.

use super::include::{self, IncludeKind, MAX_INCLUDES};
use super::keywords::{self, REFERENCE};
use super::values;
use crate::finding::Span;
use crate::repo::Repo;
use crate::source::SourceFile;
use pipewise_yaml::{Entry, Node, NodeKind, Style, Text};
// Foldhash maps: names are hashed many times per job, never iterated in an order
// that shows.
use foldhash::{HashMap, HashSet};

/// Top-level keys that are not jobs.
pub const GLOBAL_KEYS: &[&str] = &[
    "stages",
    "types",
    "variables",
    "default",
    "workflow",
    "include",
    "image",
    "services",
    "before_script",
    "after_script",
    "cache",
    "spec",
];

/// Whether `key` is one of [`GLOBAL_KEYS`] (a `match`: asked for every top-level
/// key of every file).
pub fn is_global_key(key: &str) -> bool {
    matches!(
        key,
        "stages"
            | "types"
            | "variables"
            | "default"
            | "workflow"
            | "include"
            | "image"
            | "services"
            | "before_script"
            | "after_script"
            | "cache"
            | "spec"
    )
}

/// Every key a job may have.
pub const JOB_KEYS: &[&str] = &[
    "after_script",
    "allow_failure",
    "artifacts",
    "before_script",
    "cache",
    "coverage",
    "dast_configuration",
    "dependencies",
    "environment",
    "extends",
    "hooks",
    "identity",
    "id_tokens",
    "image",
    "inherit",
    "interruptible",
    "manual_confirmation",
    "needs",
    "only",
    "except",
    "pages",
    "parallel",
    "publish",
    "release",
    "resource_group",
    "retry",
    "rules",
    "run",
    "script",
    "secrets",
    "services",
    "stage",
    "start_in",
    "tags",
    "timeout",
    "trigger",
    "type",
    "variables",
    "when",
];

/// Whether `key` is one of [`JOB_KEYS`].
fn is_job_key(key: &str) -> bool {
    job_key(key).is_some()
}

/// The place of `key` in [`JOB_KEYS`], if it is one (a `match`: asked for every key
/// of every job, where hashing the key cost more than comparing it). Inlined: asked
/// for a literal key, it is a constant.
#[inline(always)]
fn job_key(key: &str) -> Option<usize> {
    Some(match key {
        "after_script" => 0,
        "allow_failure" => 1,
        "artifacts" => 2,
        "before_script" => 3,
        "cache" => 4,
        "coverage" => 5,
        "dast_configuration" => 6,
        "dependencies" => 7,
        "environment" => 8,
        "extends" => 9,
        "hooks" => 10,
        "identity" => 11,
        "id_tokens" => 12,
        "image" => 13,
        "inherit" => 14,
        "interruptible" => 15,
        "manual_confirmation" => 16,
        "needs" => 17,
        "only" => 18,
        "except" => 19,
        "pages" => 20,
        "parallel" => 21,
        "publish" => 22,
        "release" => 23,
        "resource_group" => 24,
        "retry" => 25,
        "rules" => 26,
        "run" => 27,
        "script" => 28,
        "secrets" => 29,
        "services" => 30,
        "stage" => 31,
        "start_in" => 32,
        "tags" => 33,
        "timeout" => 34,
        "trigger" => 35,
        "type" => 36,
        "variables" => 37,
        "when" => 38,
        _ => return None,
    })
}

/// Where the keys of a merged job are in its mapping: for each of [`JOB_KEYS`], its
/// first entry (the one `Node::get` finds), found in one pass over the entries when
/// the job is built, so that the build's and the checks' many reads of a job's keys
/// are not each a search of its mapping ([`Job::get`]).
#[derive(Debug, Clone)]
pub(super) struct JobKeys {
    at: [u32; JOB_KEYS.len()],
    /// Some entry's key is not one of [`JOB_KEYS`] (or not a scalar): other keys
    /// are searched for.
    unknown: bool,
    /// An entry past `u32::MAX`: every key is searched for.
    unindexed: bool,
}

impl JobKeys {
    const ABSENT: u32 = u32::MAX;

    /// The keys of mapping `n` (none when it is not one).
    fn of(n: &Node) -> JobKeys {
        let mut keys = JobKeys {
            at: [Self::ABSENT; JOB_KEYS.len()],
            unknown: false,
            unindexed: false,
        };
        for (i, e) in n.as_map().unwrap_or(&[]).iter().enumerate() {
            keys.add(i, e);
        }
        keys
    }

    /// Records entry `e`, at place `i` of the mapping (after the entries before it).
    #[inline]
    fn add(&mut self, i: usize, e: &Entry) {
        let Some(slot) = e.key.as_str().and_then(job_key) else {
            self.unknown = true;
            return;
        };
        let Ok(i) = u32::try_from(i) else {
            self.unindexed = true;
            return;
        };
        if let Some(at) = self.at.get_mut(slot).filter(|at| **at == Self::ABSENT) {
            *at = i;
        }
    }

    /// The place of the first entry of `key` among `entries` (the mapping these
    /// keys are of). Inlined, so that a literal key's slot is a constant.
    #[inline(always)]
    fn find(&self, entries: &[Entry], key: &str) -> Option<usize> {
        match job_key(key) {
            _ if self.unindexed => entries.iter().position(|e| e.key.as_str() == Some(key)),
            Some(slot) => match self.at.get(slot).copied() {
                Some(Self::ABSENT) | None => None,
                Some(i) => Some(i as usize),
            },
            None if self.unknown => entries.iter().position(|e| e.key.as_str() == Some(key)),
            None => None,
        }
    }
}

/// Keys `default:` can set.
const DEFAULT_KEYS: &[&str] = &[
    "after_script",
    "artifacts",
    "before_script",
    "cache",
    "hooks",
    "id_tokens",
    "image",
    "interruptible",
    "retry",
    "services",
    "tags",
    "timeout",
];

/// GitLab resolves at most 11 levels of `extends`.
const MAX_EXTENDS: usize = 11;
/// And at most 10 levels of `!reference` (and of nested script lists).
const MAX_REFERENCE: usize = 10;

const FILE_SHIFT: u32 = 40;
const OFFSET_MASK: usize = (1 << FILE_SHIFT) - 1;

fn encode(span: Span, file: usize) -> Span {
    Span::new(
        (file << FILE_SHIFT) | (span.start & OFFSET_MASK),
        (file << FILE_SHIFT) | (span.end & OFFSET_MASK),
    )
}

fn decode(span: Span) -> (usize, Span) {
    (
        span.start >> FILE_SHIFT,
        Span::new(span.start & OFFSET_MASK, span.end & OFFSET_MASK),
    )
}

/// A problem at a span that still carries its file.
fn decoded((span, message): keywords::Issue) -> Problem {
    let (file, span) = decode(span);
    Problem {
        file,
        span,
        message,
    }
}

/// Which script section a line belongs to.
pub const SECTIONS: &[&str] = &["before_script", "script", "after_script"];

/// One line of a job's `before_script`, `script` or `after_script`: where its scalar
/// sits in the merged job ([`Line::node`]), not a copy of it.
#[derive(Debug)]
pub struct Line {
    pub section: &'static str,
    /// The file the line is written in.
    pub file: usize,
    /// The section's entry in the job's mapping, then the item at each level of
    /// (nested) lists.
    entry: u32,
    path: [u32; MAX_REFERENCE],
    depth: u8,
}

impl Line {
    /// The line's scalar in `job` (the job it was collected from), with its span in
    /// file [`Line::file`].
    pub fn node<'a>(&self, job: &'a Job) -> Option<&'a Node> {
        let entries = job.node.as_map()?;
        let mut n = &entries.get(self.entry as usize)?.value;
        for &i in self.path.get(..usize::from(self.depth))? {
            n = n.as_seq()?.get(i as usize)?;
        }
        Some(n)
    }
}

/// A visible job, merged.
#[derive(Debug)]
pub struct Job<'r> {
    pub name: &'r str,
    /// The file of its (last) definition, index into [`Pipeline::files`].
    pub file: usize,
    /// Its key in that file.
    pub key: &'r Node,
    /// The merged configuration; spans point into the file of each top-level key.
    pub node: Node,
    /// For each entry of `node`, the file it came from.
    pub key_files: Vec<usize>,
    pub lines: Vec<Line>,
    /// For each entry of `node`: a copy of a kept node that the checks reading one
    /// key alone found nothing in ([`Builder::known_clean`]); those checks skip it.
    pub(super) clean: Vec<bool>,
    /// Where each of `node`'s keys is ([`JobKeys`]).
    keys: JobKeys,
}

/// Inlined (`#[inline(always)]`), so that a literal key's slot in [`JobKeys`] is a
/// constant.
impl Job<'_> {
    /// The place of the first entry of `key` in the merged job's mapping.
    #[inline(always)]
    fn place(&self, key: &str) -> Option<usize> {
        self.keys.find(self.node.as_map()?, key)
    }
    /// The file a top-level key of the merged job came from.
    #[inline(always)]
    pub fn file_of(&self, key: &str) -> Option<usize> {
        self.key_files.get(self.place(key)?).copied()
    }
    /// The entry of a top-level key of the merged job (as `Node::entry`).
    #[inline(always)]
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.node.as_map()?.get(self.place(key)?)
    }
    /// The value of a top-level key of the merged job (as `Node::get`).
    #[inline(always)]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }
    /// A problem with the value `n` of the job's key `key`, in the file that key came
    /// from (none when the key is not the job's own).
    pub fn problem(&self, key: &str, n: &Node, message: String) -> Option<Problem> {
        Some(Problem {
            file: self.file_of(key)?,
            span: n.span,
            message,
        })
    }
    pub fn is_hidden(&self) -> bool {
        self.name.starts_with('.')
    }
    /// The value of `key` (as [`Job::get`]), unless the checks that read one key
    /// alone are known to find nothing in it ([`Job::clean`]).
    #[inline(always)]
    pub(super) fn unchecked(&self, key: &str) -> Option<&Node> {
        let i = self.place(key)?;
        let e = self.node.as_map()?.get(i)?;
        (!self.clean.get(i).copied().unwrap_or(false)).then_some(&e.value)
    }
}

/// The first node under a script section that is a mapping (not a `!reference`
/// marker): a line GitLab refuses.
fn mapping_line(n: &Node) -> Option<Span> {
    let mut bad = None;
    n.walk(&mut |x| {
        if bad.is_none() && x.as_map().is_some_and(|m| reference_target(m).is_none()) {
            bad = Some(x.span);
        }
    });
    bad
}

/// Whether `n` holds a `!reference` marker ([`is_marker`]) anywhere.
fn has_marker(n: &Node) -> bool {
    let mut stack = vec![n];
    while let Some(n) = stack.pop() {
        match &n.kind {
            NodeKind::Scalar { .. } => {}
            NodeKind::Seq(items) => stack.extend(items),
            NodeKind::Map(es) => {
                if is_marker(es) {
                    return true;
                }
                stack.extend(es.iter().map(|e| &e.value));
            }
        }
    }
    false
}

/// A structural problem GitLab would reject.
#[derive(Debug, Clone)]
pub struct Problem {
    pub file: usize,
    pub span: Span,
    pub message: String,
}

/// One pipeline: a root configuration (`.gitlab-ci.yml` or a child pipeline) with
/// what it includes.
#[derive(Debug)]
pub struct Pipeline<'r> {
    /// Files in merge order: included files first (depth first), the root last.
    pub files: Vec<&'r SourceFile>,
    /// Every `include:` entry, with the index of the file it is written in.
    pub includes: Vec<(usize, include::Include<'r>)>,
    pub stages: Vec<String>,
    /// Visible jobs, in the order of their first definition.
    pub jobs: Vec<Job<'r>>,
    pub problems: Vec<Problem>,
    /// Jobs or templates may live in includes pipewise cannot read (project, remote,
    /// template, component, or a local path with variables).
    pub incomplete: bool,
    /// A child pipeline (`trigger: include:`).
    pub child: bool,
}

impl<'r> Pipeline<'r> {
    pub fn root(&self) -> &'r SourceFile {
        self.files[self.files.len() - 1]
    }
    pub fn job(&self, name: &str) -> Option<&Job<'r>> {
        self.jobs.iter().find(|j| j.name == name)
    }
    /// A global key as the last file that sets it wrote it.
    pub fn global(&self, key: &str) -> Option<(usize, &'r Node)> {
        self.files
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, f)| f.yaml.as_ref()?.root.get(key).map(|n| (i, n)))
    }
}

/// Every pipeline of a repository, merged: `.gitlab-ci.yml` (and other roots given),
/// and the local child pipelines they trigger. [`super::pipelines`] also checks them
/// against GitLab's schema.
pub fn merged<'r>(repo: &'r Repo, extra_roots: &[String]) -> Vec<Pipeline<'r>> {
    let gitlab: Vec<&SourceFile> = repo
        .files
        .iter()
        .filter(|f| f.kind == crate::source::FileKind::GitlabCi)
        .map(|f| &**f)
        .collect();
    if gitlab.is_empty() {
        return vec![];
    }
    let mut roots: Vec<(&str, bool)> = vec![];
    for p in [".gitlab-ci.yml", ".gitlab-ci.yaml"]
        .into_iter()
        .chain(extra_roots.iter().map(|s| s.trim_start_matches('/')))
    {
        if repo.file(p).is_some() && !roots.iter().any(|(r, _)| *r == p) {
            roots.push((p, false));
        }
    }
    // Child pipelines of any GitLab file.
    for f in &gitlab {
        let Some(d) = &f.yaml else { continue };
        for (_, t) in include::child_pipelines(&d.root) {
            for p in include::resolve_local(repo, t) {
                if let Some(cf) = repo.file(&p) {
                    if !roots.iter().any(|(r, _)| *r == cf.path) {
                        roots.push((&cf.path, true));
                    }
                }
            }
        }
    }
    if roots.is_empty() {
        // A single included file audited on its own.
        roots.extend(gitlab.iter().map(|f| (f.path.as_str(), false)));
    }
    roots
        .into_iter()
        .filter_map(|(p, child)| repo.file(p).map(|f| build(repo, f, child)))
        .collect()
}

/// Files in merge order (included first), each once, cycle-safe and bounded.
fn merge_order<'r>(repo: &'r Repo, root: &'r SourceFile) -> (Vec<&'r SourceFile>, bool) {
    let mut order: Vec<&SourceFile> = vec![];
    let mut seen: HashSet<&str> = HashSet::default();
    let mut incomplete = false;
    // Iterative depth-first post-order: (file, next include index, resolved includes).
    let mut stack: Vec<(&SourceFile, Vec<&SourceFile>, usize)> = vec![];
    seen.insert(&root.path);
    let children = |f: &'r SourceFile, incomplete: &mut bool| -> Vec<&'r SourceFile> {
        let Some(inc) = f.yaml.as_ref().and_then(|d| d.root.get("include")) else {
            return vec![];
        };
        let mut out = vec![];
        for e in include::entries(inc) {
            if e.kind != IncludeKind::Local {
                *incomplete = true;
                continue;
            }
            let found = include::resolve_local(repo, e.target);
            if found.is_empty() {
                *incomplete = true;
            }
            out.extend(found.iter().filter_map(|p| repo.file(p)));
        }
        out
    };
    stack.push((root, children(root, &mut incomplete), 0));
    while let Some((f, kids, i)) = stack.last_mut() {
        if let Some(&k) = kids.get(*i) {
            *i += 1;
            if order.len() + stack.len() < MAX_INCLUDES + 1 && seen.insert(&k.path) {
                let ks = children(k, &mut incomplete);
                stack.push((k, ks, 0));
            }
            continue;
        }
        order.push(*f);
        stack.pop();
    }
    (order, incomplete)
}

/// The definitions of a name in merge order (file, value): one, nearly always.
enum Defs<'r> {
    One((usize, &'r Node)),
    Many(Vec<(usize, &'r Node)>),
}

impl<'r> Defs<'r> {
    fn push(&mut self, def: (usize, &'r Node)) {
        match self {
            Defs::One(first) => *self = Defs::Many(vec![*first, def]),
            Defs::Many(v) => v.push(def),
        }
    }
    fn as_slice(&self) -> &[(usize, &'r Node)] {
        match self {
            Defs::One(d) => std::slice::from_ref(d),
            Defs::Many(v) => v,
        }
    }
}

/// A name's definitions, and whether it was resolved once without keeping the
/// result (a visible job): asked again (a `!reference` to a job), it is resolved
/// again and its problems not repeated. The flag lives beside the definitions
/// ([`Builder::compute`] finds both with one lookup).
struct Def<'r> {
    defs: Defs<'r>,
    uncached: std::cell::Cell<bool>,
}

struct Builder<'r> {
    files: Vec<&'r SourceFile>,
    /// Per file: its text and whether it has a `!reference` tag ([`prepare`]).
    sources: Vec<(&'r str, bool)>,
    /// Name → its definitions in merge order (file, value), read in place: a
    /// definition is copied ([`prepare`]) only when a job, `extends:`,
    /// `!reference` or `default:` asks for it ([`Builder::raw`]).
    defs: HashMap<&'r str, Def<'r>>,
    resolved: HashMap<String, Option<Node>>,
    /// Names that something `extends:` (their resolution is kept for the next job).
    extended: HashSet<String>,
    problems: Vec<Problem>,
    incomplete: bool,
    /// Per file: whether its nodes can hold a `!reference` marker ([`REFERENCE`]):
    /// it has a `!reference` tag or may spell the marker's key
    /// ([`may_spell_marker`]). [`Builder::references`] skips the lists of the other
    /// files, and everything when no file has one.
    markers: Vec<bool>,
    /// Whether some file has one.
    any_marker: bool,
    /// `rules:if` verdicts by text ([`values::Expressions`]).
    exprs: values::Expressions,
    /// By [`address`] of a kept node (a resolved template's or `default:`'s entry
    /// value, which lives as long as the builder): its place in `verdicts`.
    kept: HashMap<usize, usize>,
    /// What is known of each kept node that jobs copy ([`Verdict`]).
    verdicts: Vec<Verdict>,
}

/// What is known of a kept node that jobs copy unchanged, found on the first copy.
/// Every job that gets the entry unchanged gets the same copy (`!reference` markers
/// in it resolve alike), so each is judged once.
#[derive(Default, Clone, Copy)]
struct Verdict {
    /// It has no `!reference` marker: [`Builder::references`] leaves a copy alone.
    unmarked: Option<bool>,
    /// The checks that read one key alone ([`keywords::entry_clean`],
    /// [`values::entry_clean`], `schema::entry_clean`, a script line that is a
    /// mapping) find nothing in a job's copy of it.
    clean: Option<bool>,
}

fn build<'r>(repo: &'r Repo, root: &'r SourceFile, child: bool) -> Pipeline<'r> {
    let (files, incomplete) = merge_order(repo, root);
    let sources: Vec<(&str, bool)> = files
        .iter()
        .map(|f| match &f.yaml {
            Some(d) => (d.source(), d.source().contains("!reference")),
            None => ("", false),
        })
        .collect();
    let markers: Vec<bool> = sources
        .iter()
        .map(|&(src, has_ref)| has_ref || may_spell_marker(src))
        .collect();
    let any_marker = markers.contains(&true);
    let mut b = Builder {
        files,
        sources,
        defs: HashMap::default(),
        resolved: HashMap::default(),
        extended: HashSet::default(),
        problems: vec![],
        incomplete,
        markers,
        any_marker,
        exprs: values::Expressions::default(),
        kept: HashMap::default(),
        verdicts: vec![],
    };
    let mut includes = vec![];
    // (name, file, key) of each visible job's definitions, first-seen order.
    let mut visible: Vec<(&'r str, usize, &'r Node)> = vec![];
    let mut index: HashMap<&'r str, usize> = HashMap::default();
    for (fi, f) in b.files.clone().into_iter().enumerate() {
        let Some(doc) = &f.yaml else { continue };
        if let Some(inc) = doc.root.get("include") {
            includes.extend(include::entries(inc).into_iter().map(|e| (fi, e)));
            let mut issues = vec![];
            values::check_include(inc, "include", &mut b.exprs, &mut issues);
            b.problems
                .extend(issues.into_iter().map(|(span, message)| Problem {
                    file: fi,
                    span,
                    message,
                }));
        }
        let Some(map) = doc.root.as_map() else {
            if !doc.root.is_null() {
                b.problems.push(Problem {
                    file: fi,
                    span: doc.root.span,
                    message: format!(
                        "a GitLab CI configuration must be a mapping, found {}",
                        doc.root.type_name()
                    ),
                });
            }
            continue;
        };
        for e in map {
            let Some(name) = e.key.as_str() else { continue };
            let hidden = name.starts_with('.');
            if !is_global_key(name) && !hidden {
                if e.value.as_map().is_none() {
                    b.problems.push(Problem {
                        file: fi,
                        span: e.key.span,
                        message: format!(
                            "job `{name}` must be a mapping, found {}",
                            e.value.type_name()
                        ),
                    });
                    continue;
                }
                match index.get(name) {
                    Some(&i) => {
                        visible[i].1 = fi;
                        visible[i].2 = &e.key;
                    }
                    None => {
                        index.insert(name, visible.len());
                        visible.push((name, fi, &e.key));
                    }
                }
            }
            match b.defs.entry(name) {
                std::collections::hash_map::Entry::Occupied(mut o) => {
                    o.get_mut().defs.push((fi, &e.value))
                }
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(Def {
                        defs: Defs::One((fi, &e.value)),
                        uncached: std::cell::Cell::new(false),
                    });
                }
            }
        }
    }
    let mut extended = HashSet::default();
    for def in b.defs.values() {
        let Some((fi, n)) = b.extends_of(def.defs.as_slice()) else {
            continue;
        };
        match &n.kind {
            NodeKind::Scalar { value, .. } => {
                extended.insert(value.to_string());
            }
            // A `!reference` list is a mapping once prepared: no names.
            NodeKind::Seq(items) if !b.tagged(fi, n) => {
                extended.extend(items.iter().filter_map(|i| i.as_str().map(str::to_string)));
            }
            _ => {}
        }
    }
    b.extended = extended;
    let stages: Vec<String> = match b.raw("stages").or_else(|| b.raw("types")) {
        Some(s) => flatten_strings(&s),
        None => ["build", "test", "deploy"].map(String::from).to_vec(),
    };
    let defaults = b.defaults();
    if let Some(mut wf) = b.raw("workflow") {
        b.references(&mut wf, 0);
        let mut issues = vec![];
        keywords::check_workflow(&wf, &mut issues);
        values::check_workflow(&wf, &mut b.exprs, &mut issues);
        b.problems.extend(issues.into_iter().map(decoded));
    }
    let mut jobs = vec![];
    let mut stops = vec![];
    for (name, file, key) in visible {
        let Some((mut node, mut sources)) = b.resolve_sourced(name, &mut vec![]) else {
            continue;
        };
        let mut keys = JobKeys::of(&node);
        apply_defaults(&mut node, &mut keys, &defaults, &mut sources);
        let marker = node.as_map().is_some_and(is_marker);
        if marker {
            // The whole job is replaced by what it names.
            sources.clear();
        }
        let kept = b.verdict_slots(&sources);
        b.references_sourced(&mut node, &kept);
        if marker {
            keys = JobKeys::of(&node);
        }
        // Checked while spans still carry their file; the entries copied from a
        // kept node whose checks found nothing are not checked again.
        let skip = b.known_clean(&node, &kept);
        let mut issues = vec![];
        let entries = node.as_map().unwrap_or(&[]);
        let place = |k: &str| keys.find(entries, k);
        keywords::check_job(name, &node, &skip, place, &mut issues);
        values::check_job(name, &node, &skip, &mut b.exprs, &mut issues);
        b.problems.extend(issues.into_iter().map(decoded));
        let env = place("environment").and_then(|i| entries.get(i));
        stops.extend(keywords::on_stop(jobs.len(), env.map(|e| &e.value)));
        let (node, key_files, lines) = finish(node, &keys, b.files.len() > 1);
        let job = Job {
            name,
            file,
            key,
            node,
            key_files,
            lines,
            clean: skip,
            keys,
        };
        b.check_job(&job, &stages);
        jobs.push(job);
    }
    if !b.incomplete {
        let named: Vec<(&str, &Node)> = jobs.iter().map(|j: &Job| (j.name, &j.node)).collect();
        let mut issues = vec![];
        keywords::check_on_stop(&named, &stops, &mut issues);
        b.problems.extend(issues.into_iter().map(decoded));
    }
    let mut p = Pipeline {
        files: b.files,
        includes,
        stages,
        jobs,
        problems: b.problems,
        incomplete: b.incomplete,
        child,
    };
    check_needs(&mut p);
    check_values(&mut p);
    p
}

impl<'r> Builder<'r> {
    /// A copy of definition `n` of file `fi` ([`prepare`]).
    fn prepare(&self, fi: usize, n: &Node) -> Node {
        let (src, has_ref) = self.sources.get(fi).copied().unwrap_or(("", false));
        prepare(n, fi, src, has_ref, 0)
    }

    /// Whether `n` of file `fi` is a sequence tagged `!reference`.
    fn tagged(&self, fi: usize, n: &Node) -> bool {
        let (src, has_ref) = self.sources.get(fi).copied().unwrap_or(("", false));
        has_ref && is_reference(src, n.span)
    }

    /// The merged definition of `name` (every definition in merge order, prepared
    /// and merged, the later one winning): a fresh copy, which the caller owns.
    fn raw(&self, name: &str) -> Option<Node> {
        self.merged_defs(self.defs.get(name)?.defs.as_slice())
    }

    /// [`Builder::raw`] of these definitions.
    fn merged_defs(&self, defs: &[(usize, &'r Node)]) -> Option<Node> {
        let mut out: Option<Node> = None;
        for &(fi, n) in defs {
            let p = self.prepare(fi, n);
            out = Some(match out {
                Some(old) => merge_into(old, p),
                None => p,
            });
        }
        out
    }

    /// The `extends:` that [`Builder::raw`] of these definitions would have, read in
    /// place with its file: the last run of mappings decides (a later sequence or
    /// scalar replaces what came before), and in each mapping an explicit key wins
    /// over one from `<<:` ([`top_get`]).
    fn extends_of(&self, defs: &[(usize, &'r Node)]) -> Option<(usize, &'r Node)> {
        for &(fi, d) in defs.iter().rev() {
            match &d.kind {
                NodeKind::Map(es) if reference_target(es).is_none() => {
                    if let Some(v) = top_get(d, "extends", 0) {
                        return Some((fi, v));
                    }
                }
                _ => return None,
            }
        }
        None
    }

    /// `default:` merged over the old top-level keys.
    fn defaults(&mut self) -> Vec<Entry> {
        let mut out: Vec<Entry> = vec![];
        for k in [
            "image",
            "services",
            "before_script",
            "after_script",
            "cache",
        ] {
            if let Some(n) = self.raw(k) {
                out.push(Entry {
                    key: scalar(k, n.span),
                    value: n,
                });
            }
        }
        let Some(mut default) = self.raw("default") else {
            return out;
        };
        self.references(&mut default, 0);
        let entries = match &mut default.kind {
            NodeKind::Map(es) => std::mem::take(es),
            _ => vec![],
        };
        for e in entries {
            let Some(k) = e.key.as_str() else { continue };
            if !DEFAULT_KEYS.contains(&k) {
                continue;
            }
            match out.iter_mut().position(|o| o.key.as_str() == Some(k)) {
                Some(i) => out[i].value = e.value,
                None => out.push(e),
            }
        }
        out
    }

    /// Whether the resolution of `name` is kept: templates, and jobs that something
    /// `extends:`.
    fn cacheable(&self, name: &str) -> bool {
        name.starts_with('.') || self.extended.contains(name)
    }

    /// A job or template with its `extends:` applied: a fresh copy, which the caller
    /// owns (of the kept resolution when [`Builder::cacheable`]).
    fn resolve(&mut self, name: &str, stack: &mut Vec<&'r str>) -> Option<Node> {
        self.resolve_sourced(name, stack).map(|(n, _)| n)
    }

    /// [`Builder::resolve`], with the [`Sources`] of the copy.
    fn resolve_sourced(&mut self, name: &str, stack: &mut Vec<&'r str>) -> Option<(Node, Sources)> {
        if self.cacheable(name) {
            if !self.cached(name, stack) {
                return None;
            }
            let kept = self.resolved.get(name)?.as_ref()?;
            // Every entry is a copy of the kept one.
            let sources = kept
                .as_map()
                .unwrap_or(&[])
                .iter()
                .map(|e| Some(address(&e.value)))
                .collect();
            return Some((kept.clone(), sources));
        }
        self.compute(name, stack)
    }

    /// Resolves a kept name once ([`Builder::compute`]) and keeps it in
    /// `resolved`; false when it is not defined.
    fn cached(&mut self, name: &str, stack: &mut Vec<&'r str>) -> bool {
        if let Some(r) = self.resolved.get(name) {
            return r.is_some();
        }
        match self.compute(name, stack) {
            Some((r, _)) => {
                self.resolved.insert(name.to_string(), Some(r));
                true
            }
            None => false,
        }
    }

    /// `name`'s definitions merged, with what it `extends:` merged under them. The
    /// parents are kept resolutions, merged from where they are kept
    /// ([`merge_over`]): only what the child does not override is copied. Names
    /// are held as the definitions' keys and the parents' texts (no string is
    /// built per job).
    fn compute(&mut self, name: &str, stack: &mut Vec<&'r str>) -> Option<(Node, Sources)> {
        let (&key, def) = self.defs.get_key_value(name)?;
        // Resolved before without keeping it (and now marked so).
        let again = !self.cacheable(key) && def.uncached.replace(true);
        let problems_before = self.problems.len();
        let own = self.merged_defs(def.defs.as_slice())?;
        let parents: Vec<(Text, Span)> = match own.get("extends") {
            Some(n) => match &n.kind {
                NodeKind::Scalar { value, .. } => vec![(value.clone(), n.span)],
                NodeKind::Seq(items) => items
                    .iter()
                    .filter_map(|i| match &i.kind {
                        NodeKind::Scalar { value, .. } => Some((value.clone(), i.span)),
                        _ => None,
                    })
                    .collect(),
                NodeKind::Map(_) => vec![],
            },
            None => vec![],
        };
        // Each parent found, in order: kept (read from `resolved`) or owned.
        let mut found: Vec<Result<Text, Node>> = vec![];
        stack.push(key);
        for (text, span) in parents {
            let p = text.as_str();
            if stack.contains(&p) || stack.len() > MAX_EXTENDS {
                let (file, span) = decode(span);
                self.problems.push(Problem {
                    file,
                    span,
                    message: if stack.contains(&p) {
                        format!("`extends: {p}` of `{name}` is circular")
                    } else {
                        format!("`extends` of `{name}` nests more than {MAX_EXTENDS} levels")
                    },
                });
                continue;
            }
            let parent = if self.cacheable(p) {
                self.cached(p, stack).then(|| Ok(text.clone()))
            } else {
                self.compute(p, stack).map(|(n, _)| Err(n))
            };
            match parent {
                Some(x) => found.push(x),
                None if !self.incomplete => {
                    let (file, span) = decode(span);
                    self.problems.push(Problem {
                        file,
                        span,
                        message: format!("`{name}` extends `{p}`, which is not defined"),
                    });
                }
                None => {}
            }
        }
        stack.pop();
        // The parents merged in order, then the definition over them.
        let r = self.merge_parents(found, own);
        if again {
            // The same problems as the first time (same definitions, empty stack).
            self.problems.truncate(problems_before);
        }
        Some(r)
    }

    /// `own` merged over its parents (kept ones read in place), in order
    /// ([`merge_many`]: only what ends up in the result is copied from them), with
    /// the [`Sources`] of the result when every parent is kept (none otherwise: an
    /// owned parent is dropped after the merge).
    fn merge_parents(&self, found: Vec<Result<Text, Node>>, own: Node) -> (Node, Sources) {
        let layers: Vec<&Node> = found
            .iter()
            .filter_map(|x| match x {
                Ok(p) => self.resolved.get(p.as_str())?.as_ref(),
                Err(n) => Some(n),
            })
            .collect();
        let (node, sources) = merge_sourced(&layers, own);
        if found.iter().all(Result::is_ok) {
            (node, sources)
        } else {
            (node, vec![])
        }
    }

    /// Replaces `!reference` markers in `node` by what they name. A list (before
    /// this pass) is wholly from the file it is written in (merges replace lists
    /// and scalars, and merge only mappings): the lists of a file without markers
    /// are skipped.
    fn references(&mut self, node: &mut Node, depth: usize) {
        if !self.any_marker || depth > MAX_REFERENCE {
            return;
        }
        let span = node.span;
        match &mut node.kind {
            NodeKind::Scalar { .. } => {}
            NodeKind::Map(entries) => {
                if let Some(target) = reference_target(entries) {
                    if let Some(mut r) = self.lookup(&target, span) {
                        self.references(&mut r, depth + 1);
                        *node = r;
                    }
                    return;
                }
                for e in entries.iter_mut() {
                    self.references(&mut e.value, depth + 1);
                }
            }
            NodeKind::Seq(_) if !self.markers.get(decode(span).0).copied().unwrap_or(true) => {}
            NodeKind::Seq(items) => {
                // Rebuilt only when an item is a marker (to splice in what it names).
                if !items.iter().any(|i| i.as_map().is_some_and(is_marker)) {
                    for item in items.iter_mut() {
                        self.references(item, depth + 1);
                    }
                    return;
                }
                let mut out = Vec::with_capacity(items.len());
                for mut item in std::mem::take(items) {
                    let target = item.as_map().and_then(reference_target);
                    let Some(t) = target else {
                        self.references(&mut item, depth + 1);
                        out.push(item);
                        continue;
                    };
                    if let Some(mut r) = self.lookup(&t, item.span) {
                        self.references(&mut r, depth + 1);
                        match r.kind {
                            // A list is spliced into the list.
                            NodeKind::Seq(ref mut inner) => out.append(inner),
                            _ => out.push(r),
                        }
                    }
                }
                *items = out;
            }
        }
    }

    fn lookup(&mut self, target: &[String], at: Span) -> Option<Node> {
        let (first, rest) = target.split_first()?;
        // A resolved template is read in place and only the part named is copied;
        // anything else is resolved (a fresh copy) and the part taken out of it.
        let found = if self.cacheable(first) {
            self.cached(first, &mut vec![]);
            self.resolved
                .get(first.as_str())
                .and_then(Option::as_ref)
                .and_then(|r| rest.iter().try_fold(r, |n, k| n.get(k)))
                .cloned()
        } else {
            self.resolve(first, &mut vec![])
                .and_then(|n| rest.iter().try_fold(n, |n, k| take(n, k)))
        };
        if found.is_none() && !self.incomplete && !self.defs.contains_key(first.as_str()) {
            let (file, span) = decode(at);
            self.problems.push(Problem {
                file,
                span,
                message: format!("`!reference` names `{first}`, which is not defined"),
            });
        }
        found
    }

    /// For each top-level entry of a merged job with its [`Sources`], the place in
    /// `verdicts` of the kept node it copies (one lookup per entry and job).
    fn verdict_slots(&mut self, sources: &[Option<usize>]) -> Vec<Option<usize>> {
        sources
            .iter()
            .map(|s| {
                let at = (*s)?;
                let next = self.verdicts.len();
                let slot = *self.kept.entry(at).or_insert(next);
                if slot == next {
                    self.verdicts.push(Verdict::default());
                }
                Some(slot)
            })
            .collect()
    }

    /// [`Builder::references`] of a merged job (at its top, depth 0), leaving out
    /// the entries copied from a kept node without a marker (`kept`:
    /// [`Builder::verdict_slots`]): the pass would change nothing in them.
    fn references_sourced(&mut self, job: &mut Node, kept: &[Option<usize>]) {
        #[cfg(test)]
        if NO_MEMO.with(std::cell::Cell::get) {
            return self.references(job, 0);
        }
        if !self.any_marker || kept.is_empty() {
            return self.references(job, 0);
        }
        let NodeKind::Map(entries) = &mut job.kind else {
            return self.references(job, 0);
        };
        if is_marker(entries) {
            return self.references(job, 0);
        }
        for (i, e) in entries.iter_mut().enumerate() {
            if let Some(v) = kept
                .get(i)
                .copied()
                .flatten()
                .and_then(|k| self.verdicts.get_mut(k))
            {
                if *v.unmarked.get_or_insert_with(|| !has_marker(&e.value)) {
                    continue;
                }
            }
            self.references(&mut e.value, 1);
        }
    }

    /// Which top-level entries of `job` (`kept`: [`Builder::verdict_slots`]) are
    /// copies of a kept node whose checks find nothing: judged on the first copy,
    /// then remembered.
    fn known_clean(&mut self, job: &Node, kept: &[Option<usize>]) -> Vec<bool> {
        let entries = job.as_map().unwrap_or(&[]);
        let mut skip = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            #[cfg(test)]
            if NO_MEMO.with(std::cell::Cell::get) {
                skip.push(false);
                continue;
            }
            let Some(v) = kept
                .get(i)
                .copied()
                .flatten()
                .and_then(|k| self.verdicts.get_mut(k))
            else {
                skip.push(false);
                continue;
            };
            let exprs = &mut self.exprs;
            let clean = *v.clean.get_or_insert_with(|| {
                keywords::entry_clean(e)
                    && e.key.as_str().is_none_or(|k| {
                        values::entry_clean(k, &e.value, exprs)
                            && super::schema::entry_clean(k, &e.value)
                            && !(SECTIONS.contains(&k) && mapping_line(&e.value).is_some())
                    })
            });
            skip.push(clean);
        }
        skip
    }

    fn check_job(&mut self, job: &Job, stages: &[String]) {
        // Unknown keys of the merged job: its own and those of what it extends.
        let entries = if job.keys.unknown {
            job.node.as_map().unwrap_or(&[])
        } else {
            &[]
        };
        for (e, &fi) in entries.iter().zip(&job.key_files) {
            let key = e.key.as_str().unwrap_or("");
            if !is_job_key(key) {
                self.problems.push(Problem {
                    file: fi,
                    span: e.key.span,
                    message: format!("unknown key `{key}` in job `{}`", job.name),
                });
            }
        }
        let has = |k: &str| job.place(k).is_some();
        if !has("script") && !has("trigger") && !has("run") && !self.incomplete {
            self.problems.push(Problem {
                file: job.file,
                span: job.key.span,
                message: format!(
                    "job `{}` has no `script`, `run` or `trigger` (GitLab refuses it)",
                    job.name
                ),
            });
        }
        for section in SECTIONS {
            let Some(n) = job.unchecked(section) else {
                continue;
            };
            if let (Some(span), Some(fi)) = (mapping_line(n), job.file_of(section)) {
                self.problems.push(Problem {
                    file: fi,
                    span,
                    message: format!(
                        "`{section}` of job `{}` must be a string or a list of strings; this line is a mapping (quote a line that contains `: `)",
                        job.name
                    ),
                });
            }
        }
        if let Some(st) = job.get("stage") {
            if let Some(s) = st.as_str() {
                let builtin = matches!(s, ".pre" | ".post");
                if !builtin
                    && !s.contains('$')
                    && !stages.iter().any(|x| x == s)
                    && !self.incomplete
                {
                    if let Some(fi) = job.file_of("stage") {
                        self.problems.push(Problem {
                            file: fi,
                            span: st.span,
                            message: format!(
                                "stage `{s}` of job `{}` is not in `stages`",
                                job.name
                            ),
                        });
                    }
                }
            }
        }
    }
}

/// `needs:` naming a job that does not exist (and is not `optional: true`).
fn check_needs(p: &mut Pipeline) {
    if p.incomplete {
        return;
    }
    let names: HashSet<&str> = p.jobs.iter().map(|j| j.name).collect();
    let mut problems = vec![];
    for j in &p.jobs {
        let Some(needs) = j.get("needs").and_then(Node::as_seq) else {
            continue;
        };
        for n in needs {
            let (name, optional) = match &n.kind {
                NodeKind::Scalar { value, .. } => (value.as_str(), false),
                NodeKind::Map(_) => {
                    if n.get("pipeline").is_some() || n.get("project").is_some() {
                        continue;
                    }
                    (
                        n.get("job").and_then(Node::as_str).unwrap_or(""),
                        n.get("optional").and_then(Node::as_bool) == Some(true),
                    )
                }
                NodeKind::Seq(_) => continue,
            };
            let name = matrix_base(name);
            if name.is_empty() || optional || name.contains('$') || names.contains(name) {
                continue;
            }
            if let Some(fi) = j.file_of("needs") {
                problems.push(Problem {
                    file: fi,
                    span: n.span,
                    message: format!("job `{}` needs `{name}`, which is not defined", j.name),
                });
            }
        }
    }
    p.problems.extend(problems);
}

/// A scalar written as a literal (not `$[[ inputs ]]` or a variable).
fn literal(n: &Node) -> Option<&str> {
    n.as_str().filter(|v| !v.contains('$'))
}

/// Values GitLab's schema refuses in a merged job: an unknown `when:` (job or
/// `rules:` item), `rules:` together with `only:`/`except:`, `retry` above 2,
/// `parallel` outside 1–200, a non-boolean `interruptible`, `dependencies:` naming
/// an undefined job. Values that are `$[[ inputs ]]` or variables are left alone.
fn check_values(p: &mut Pipeline) {
    const WHEN: &[&str] = &[
        "on_success",
        "on_failure",
        "always",
        "manual",
        "delayed",
        "never",
    ];
    let names: HashSet<&str> = p.jobs.iter().map(|j| j.name).collect();
    let mut problems = vec![];
    for j in &p.jobs {
        let mut bad =
            |key: &str, n: &Node, message: String| problems.extend(j.problem(key, n, message));
        if let Some(w) = j.get("when") {
            if let Some(v) = literal(w).filter(|v| !WHEN.contains(v)) {
                bad(
                    "when",
                    w,
                    format!(
                        "`when: {v}` of job `{}` is not one of {}",
                        j.name,
                        WHEN.join(", ")
                    ),
                );
            }
        }
        if let Some(rules) = j.get("rules") {
            for (k, n) in [("only", j.get("only")), ("except", j.get("except"))] {
                if let Some(n) = n {
                    bad(
                        k,
                        n,
                        format!(
                            "job `{}` uses `{k}:` with `rules:`, which GitLab refuses",
                            j.name
                        ),
                    );
                }
            }
            for r in rules.as_seq().unwrap_or(&[]) {
                if let Some(w) = r.get("when") {
                    if let Some(v) = literal(w).filter(|v| !WHEN.contains(v)) {
                        bad(
                            "rules",
                            w,
                            format!(
                                "`when: {v}` in the `rules:` of job `{}` is not one of {}",
                                j.name,
                                WHEN.join(", ")
                            ),
                        );
                    }
                }
            }
        }
        let number = |n: &Node| literal(n).and_then(|v| v.parse::<i64>().ok());
        if let Some(r) = j.get("retry") {
            let max = r.get("max").unwrap_or(r);
            if let Some(v) = number(max).filter(|v| !(0..=2).contains(v)) {
                bad(
                    "retry",
                    max,
                    format!("`retry` of job `{}` is {v}; GitLab allows 0 to 2", j.name),
                );
            }
        }
        if let Some(par) = j.get("parallel") {
            if let Some(v) = number(par).filter(|v| !(1..=200).contains(v)) {
                bad(
                    "parallel",
                    par,
                    format!(
                        "`parallel` of job `{}` is {v}; GitLab allows 1 to 200",
                        j.name
                    ),
                );
            }
        }
        if let Some(i) = j.get("interruptible") {
            // GitLab reads YAML 1.1, where `yes`/`no`/`on`/`off` are booleans too.
            let yaml11 = literal(i).is_some_and(|v| {
                matches!(
                    v.to_ascii_lowercase().as_str(),
                    "yes" | "no" | "on" | "off" | "y" | "n"
                )
            });
            if literal(i).is_some() && i.as_bool().is_none() && !yaml11 {
                bad(
                    "interruptible",
                    i,
                    format!(
                        "`interruptible` of job `{}` must be `true` or `false`",
                        j.name
                    ),
                );
            }
        }
        if !p.incomplete {
            for d in j.get("dependencies").and_then(Node::as_seq).unwrap_or(&[]) {
                if let Some(name) = literal(d).map(matrix_base) {
                    if !names.contains(name) {
                        bad(
                            "dependencies",
                            d,
                            format!("job `{}` depends on `{name}`, which is not defined", j.name),
                        );
                    }
                }
            }
        }
    }
    p.problems.extend(problems);
}

/// `build: [linux, amd64]` (one job of a `parallel: matrix`) names job `build`.
pub fn matrix_base(name: &str) -> &str {
    match name.strip_suffix(']').and_then(|n| n.rsplit_once(": [")) {
        Some((base, _)) => base,
        None => name,
    }
}

/// Whether a mapping is a `!reference` marker ([`reference_target`] is `Some`).
fn is_marker(entries: &[Entry]) -> bool {
    matches!(entries, [e] if e.key.as_str() == Some(REFERENCE))
}

fn reference_target(entries: &[Entry]) -> Option<Vec<String>> {
    match entries {
        [e] if e.key.as_str() == Some(REFERENCE) => Some(flatten_strings(&e.value)),
        _ => None,
    }
}

fn scalar(s: &str, span: Span) -> Node {
    Node {
        kind: NodeKind::Scalar {
            value: s.into(),
            style: Style::Plain,
        },
        span,
    }
}

fn flatten_strings(n: &Node) -> Vec<String> {
    match &n.kind {
        NodeKind::Scalar { value, .. } => vec![value.to_string()],
        NodeKind::Seq(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        NodeKind::Map(_) => vec![],
    }
}

/// A copy of `n` with spans encoded for file `file`, `<<:` merge keys expanded and
/// `!reference` sequences marked.
fn prepare(n: &Node, file: usize, src: &str, has_ref: bool, depth: usize) -> Node {
    let span = encode(n.span, file);
    let kind = match &n.kind {
        NodeKind::Scalar { .. } => n.kind.clone(),
        NodeKind::Seq(items) if depth < 64 => {
            let seq = NodeKind::Seq(
                items
                    .iter()
                    .map(|i| prepare_child(i, file, src, has_ref, depth + 1))
                    .collect(),
            );
            if has_ref && is_reference(src, n.span) {
                NodeKind::Map(vec![Entry {
                    key: scalar(REFERENCE, span),
                    value: Node { kind: seq, span },
                }])
            } else {
                seq
            }
        }
        NodeKind::Map(entries) if depth < 64 => {
            let mut out: Vec<Entry> = Vec::with_capacity(entries.len());
            let mut merged: Vec<Entry> = vec![];
            for e in entries {
                if e.key.as_str() == Some("<<") {
                    let sources: Vec<&Node> = match &e.value.kind {
                        NodeKind::Seq(items) => items.iter().collect(),
                        _ => vec![&e.value],
                    };
                    for s in sources {
                        let mut p = prepare(s, file, src, has_ref, depth + 1);
                        if let NodeKind::Map(es) = &mut p.kind {
                            merged.append(es);
                        }
                    }
                    continue;
                }
                out.push(Entry {
                    key: prepare_child(&e.key, file, src, false, depth + 1),
                    value: prepare_child(&e.value, file, src, has_ref, depth + 1),
                });
            }
            if merged.is_empty() {
                NodeKind::Map(out)
            } else {
                // The first merged mapping wins among merged ones, explicit keys win
                // over merged ones; merged keys come first, as written. Linear
                // ([`Keys`]): an anchor may be a large mapping, merged many times.
                let firsts = Keys::new(&merged, merged.len());
                let explicit = Keys::new(&out, merged.len());
                let keep: Vec<bool> = merged
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        let k = m.key.as_str();
                        firsts.first(k) == Some(i) && explicit.first(k).is_none()
                    })
                    .collect();
                let mut all: Vec<Entry> = Vec::with_capacity(merged.len() + out.len());
                all.extend(
                    merged
                        .into_iter()
                        .zip(keep)
                        .filter_map(|(m, k)| k.then_some(m)),
                );
                all.extend(out);
                NodeKind::Map(all)
            }
        }
        _ => n.kind.clone(),
    };
    Node { kind, span }
}

/// [`prepare`] of a child node: a scalar (every key, most values and list items) is
/// copied here, without a call.
#[inline(always)]
fn prepare_child(n: &Node, file: usize, src: &str, has_ref: bool, depth: usize) -> Node {
    match &n.kind {
        NodeKind::Scalar { .. } => Node {
            kind: n.kind.clone(),
            span: encode(n.span, file),
        },
        _ => prepare(n, file, src, has_ref, depth),
    }
}

/// What [`prepare`] would give for `key` of mapping `n` (at nesting `depth`), read
/// in place: the explicit key (the first of that name), else the first of the `<<:`
/// sources, in order, that has it (recursively). Sources are in `n`'s file (YAML
/// anchors do not cross files).
fn top_get<'n>(n: &'n Node, key: &str, depth: usize) -> Option<&'n Node> {
    let NodeKind::Map(es) = &n.kind else {
        return None;
    };
    if depth >= 64 {
        // Copied as it is.
        return n.get(key);
    }
    if let Some(e) = es
        .iter()
        .find(|e| e.key.as_str() != Some("<<") && e.key.as_str() == Some(key))
    {
        return Some(&e.value);
    }
    for e in es.iter().filter(|e| e.key.as_str() == Some("<<")) {
        let found = match &e.value.kind {
            NodeKind::Seq(items) => items.iter().find_map(|s| top_get(s, key, depth + 1)),
            _ => top_get(&e.value, key, depth + 1),
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// The value of `key` (the first of that name) of an owned mapping, moved out.
fn take(mut n: Node, key: &str) -> Option<Node> {
    let NodeKind::Map(es) = &mut n.kind else {
        return None;
    };
    let i = es.iter().position(|e| e.key.as_str() == Some(key))?;
    Some(es.swap_remove(i).value)
}

/// Whether `src` may hold a mapping key that reads as the internal `!reference`
/// marker ([`REFERENCE`], a NUL then `!reference`) without the text `!reference`: a
/// NUL, written as a double-quoted escape (`\0`, `\x00`, `\u0000`, `\U00000000`),
/// followed by `!` or by another escape, or a raw NUL byte anywhere. Conservative (a
/// yes is not always such a key); a no is exact.
fn may_spell_marker(src: &str) -> bool {
    const NUL: [&[u8]; 4] = [b"0", b"x00", b"u0000", b"U00000000"];
    let b = src.as_bytes();
    memchr::memchr(0, b).is_some()
        || memchr::memchr_iter(b'\\', b).any(|i| {
            let rest = b.get(i + 1..).unwrap_or(&[]);
            NUL.iter()
                .find(|p| rest.starts_with(p))
                .is_some_and(|p| matches!(rest.get(p.len()), Some(b'!' | b'\\')))
        })
}

/// Whether the node at `span` of `src` is tagged `!reference`.
fn is_reference(src: &str, span: Span) -> bool {
    // The parser's span starts at the tag or just after it.
    src.get(span.start..)
        .is_some_and(|a| a.starts_with("!reference"))
        || src
            .get(..span.start)
            .is_some_and(|b| b.trim_end().ends_with("!reference"))
}

/// GitLab's merge: mappings merged key by key (recursively), anything else replaced.
/// Both sides are taken by value and their entries moved into the result, not
/// cloned (`resolve` merges every `extends:` chain); an entry of `over` is cloned
/// only when repeated keys of `base` all merge with it.
fn merge_into(mut base: Node, mut over: Node) -> Node {
    // `Node` has a `Drop`: its children are taken, leaving an empty list behind.
    if !mergeable(&base) || !mergeable(&over) {
        return over;
    }
    let (NodeKind::Map(b), NodeKind::Map(o)) = (
        std::mem::replace(&mut base.kind, NodeKind::Seq(Vec::new())),
        std::mem::replace(&mut over.kind, NodeKind::Seq(Vec::new())),
    ) else {
        return over;
    };
    // Which of `over`'s keys `base` lacks, decided before `base` is taken apart.
    let matches = key_matches(&b, &o);
    merge_onto(
        b.into_iter(),
        matches,
        o,
        over.span,
        |be| be,
        |be, ov| merge_into(be.value, ov),
    )
}

/// The mapping that merging `o` onto the base entries `b` gives, with `matches`
/// ([`key_matches`] of the two): a base entry without a match is kept (`keep`), one
/// with a match is merged with the first entry of `o` of its key (`merge`, under
/// that entry's key; the entry is cloned only when repeated base keys all merge
/// with it), then `o`'s keys the base lacks, in order.
fn merge_onto<B>(
    b: impl Iterator<Item = B>,
    (matched, mut uses, new_in_over): (Vec<Option<usize>>, Vec<usize>, Vec<bool>),
    o: Vec<Entry>,
    span: Span,
    mut keep: impl FnMut(B) -> Entry,
    mut merge: impl FnMut(B, Node) -> Node,
) -> Node {
    let mut o: Vec<Option<Entry>> = o.into_iter().map(Some).collect();
    let mut out: Vec<Entry> = Vec::with_capacity(matched.len() + o.len());
    for (be, m) in b.zip(matched) {
        let Some(j) = m else {
            out.push(keep(be));
            continue;
        };
        uses[j] -= 1;
        let oe = if uses[j] == 0 {
            o[j].take()
        } else {
            o[j].clone()
        };
        if let Some(oe) = oe {
            out.push(Entry {
                key: oe.key,
                value: merge(be, oe.value),
            });
        }
    }
    out.extend(
        o.into_iter()
            .zip(new_in_over)
            .filter(|(_, new)| *new)
            .filter_map(|(oe, _)| oe),
    );
    Node {
        kind: NodeKind::Map(out),
        span,
    }
}

/// For a merge of `over` onto `base`: for each entry of `base`, the first entry of
/// `over` with its key; how many entries of `base` each entry of `over` merges
/// with; and which of `over`'s keys `base` lacks. Linear in the number of keys
/// ([`Keys`]): mappings are input, and a merge of two large ones must not be
/// quadratic.
fn key_matches<B: Keyed, O: Keyed>(
    b: &[B],
    o: &[O],
) -> (Vec<Option<usize>>, Vec<usize>, Vec<bool>) {
    if b.len().saturating_mul(o.len()) <= LINEAR_KEYS {
        // Small mappings (nearly all): searched in place, no index.
        let matched: Vec<Option<usize>> = b
            .iter()
            .map(|be| {
                o.iter().position(|oe| {
                    probe();
                    oe.same_key(be)
                })
            })
            .collect();
        let mut uses = vec![0usize; o.len()];
        for &j in matched.iter().flatten() {
            uses[j] += 1;
        }
        let new_in_over: Vec<bool> = o
            .iter()
            .map(|oe| {
                !b.iter().any(|be| {
                    probe();
                    be.same_key(oe)
                })
            })
            .collect();
        return (matched, uses, new_in_over);
    }
    let in_o = Keys::new(o, b.len());
    let matched: Vec<Option<usize>> = b.iter().map(|be| in_o.first(be.key())).collect();
    let mut uses = vec![0usize; o.len()];
    for &j in matched.iter().flatten() {
        uses[j] += 1;
    }
    let in_b = Keys::new(b, o.len());
    let new_in_over: Vec<bool> = o.iter().map(|oe| in_b.first(oe.key()).is_none()).collect();
    (matched, uses, new_in_over)
}

/// Something with a mapping key: an entry, or a key with the values it has in the
/// layers merged so far ([`merge_many`]). Keys compare by `Node::as_str`.
trait Keyed {
    fn key(&self) -> Option<&str>;
    /// The key's node.
    fn key_node(&self) -> &Node;
    /// Whether the keys are equal as [`Keyed::key`] compares them (every key that
    /// is not a scalar counts as one key), comparing the scalars' [`pipewise_yaml::Text`]s: two
    /// short keys are one fixed-size compare, not a call to compare bytes.
    #[inline]
    fn same_key<O: Keyed>(&self, other: &O) -> bool {
        match (&self.key_node().kind, &other.key_node().kind) {
            (NodeKind::Scalar { value: a, .. }, NodeKind::Scalar { value: b, .. }) => a == b,
            (NodeKind::Scalar { .. }, _) | (_, NodeKind::Scalar { .. }) => false,
            _ => true,
        }
    }
}

impl Keyed for Entry {
    #[inline]
    fn key(&self) -> Option<&str> {
        self.key.as_str()
    }
    #[inline]
    fn key_node(&self) -> &Node {
        &self.key
    }
}

/// Keys at most this many comparisons apart are matched by a linear search; more
/// (large mappings, hostile input) through a hash index.
const LINEAR_KEYS: usize = 256;

/// The first entry with a given key (`Node::as_str`, so every key that is not a
/// scalar counts as one key, as `==` on it did) among `entries`, asked `asks`
/// times: a linear search when that stays small, else a hash index built once.
enum Keys<'a, T> {
    Linear(&'a [T]),
    Index(foldhash::HashMap<Option<&'a str>, usize>),
}

impl<'a, T: Keyed> Keys<'a, T> {
    #[inline]
    fn new(entries: &'a [T], asks: usize) -> Self {
        if entries.len().saturating_mul(asks) <= LINEAR_KEYS {
            return Keys::Linear(entries);
        }
        let mut index = foldhash::HashMap::default();
        index.reserve(entries.len());
        for (i, e) in entries.iter().enumerate() {
            index.entry(e.key()).or_insert(i);
            probe();
        }
        Keys::Index(index)
    }

    #[inline]
    fn first(&self, key: Option<&str>) -> Option<usize> {
        match self {
            Keys::Linear(es) => es.iter().position(|e| {
                probe();
                e.key() == key
            }),
            Keys::Index(index) => {
                probe();
                index.get(&key).copied()
            }
        }
    }
}

/// Counts key comparisons and index probes in tests ([`probes`]), to bound the
/// work of a merge without timing it.
#[inline(always)]
fn probe() {
    #[cfg(test)]
    PROBES.with(|p| p.set(p.get() + 1));
}

#[cfg(test)]
thread_local! {
    static PROBES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    /// Tests: every entry checked in every job ([`Builder::known_clean`] off).
    static NO_MEMO: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The key comparisons and probes made by `f` ([`probe`]).
#[cfg(test)]
fn probes(f: impl FnOnce()) -> usize {
    let before = PROBES.with(std::cell::Cell::get);
    f();
    PROBES.with(std::cell::Cell::get) - before
}

/// [`merge_into`] with `base` borrowed (a kept resolution that jobs extend): only
/// what `over` does not replace is copied from it.
fn merge_over(base: &Node, mut over: Node) -> Node {
    if !mergeable(base) || !mergeable(&over) {
        return over;
    }
    let (NodeKind::Map(b), NodeKind::Map(o)) = (
        &base.kind,
        std::mem::replace(&mut over.kind, NodeKind::Seq(Vec::new())),
    ) else {
        return over;
    };
    let matches = key_matches(b, &o);
    merge_onto(b.iter(), matches, o, over.span, Entry::clone, |be, ov| {
        merge_over(&be.value, ov)
    })
}

/// A mapping key with its values in the layers merged so far, in order (one,
/// nearly always). [`merge_many`] folds layers into these before copying anything.
struct Layered<'a> {
    key: &'a Node,
    values: Values<'a>,
}

enum Values<'a> {
    One(&'a Node),
    Many(Vec<&'a Node>),
}

impl<'a> Values<'a> {
    fn push(&mut self, n: &'a Node) {
        match self {
            Values::One(first) => *self = Values::Many(vec![*first, n]),
            Values::Many(v) => v.push(n),
        }
    }
    fn as_slice(&self) -> &[&'a Node] {
        match self {
            Values::One(n) => std::slice::from_ref(n),
            Values::Many(v) => v,
        }
    }
}

impl Keyed for Layered<'_> {
    #[inline]
    fn key(&self) -> Option<&str> {
        self.key.as_str()
    }
    #[inline]
    fn key_node(&self) -> &Node {
        self.key
    }
}

/// Whether [`merge_into`] merges into this node key by key (a mapping, not a
/// `!reference` marker); anything else is replaced.
fn mergeable(n: &Node) -> bool {
    matches!(&n.kind, NodeKind::Map(es) if !is_marker(es))
}

/// The layers that count in a fold of [`merge_into`]: a layer that is not a
/// mapping replaces everything before it, and is itself replaced by the next one.
fn counted<'l, 'a>(layers: &'l [&'a Node]) -> &'l [&'a Node] {
    let start = layers
        .iter()
        .rposition(|l| !mergeable(l))
        .map_or(0, |i| i + 1);
    layers.get(start..).unwrap_or(&[])
}

/// The keys of mappings `maps` (borrowed, in merge order) with their values, as a
/// fold of [`merge_into`] over them orders and matches them; nothing is copied.
/// Linear in the keys of each step ([`key_matches`]).
fn layered<'a>(maps: &[&'a Node]) -> Vec<Layered<'a>> {
    let mut items: Vec<Layered<'a>> = vec![];
    for m in maps {
        let NodeKind::Map(es) = &m.kind else { continue };
        if items.is_empty() {
            items.extend(es.iter().map(|e| Layered {
                key: &e.key,
                values: Values::One(&e.value),
            }));
            continue;
        }
        let (matched, _, new_in_over) = key_matches(&items, es);
        for (item, j) in items.iter_mut().zip(matched) {
            if let Some(e) = j.and_then(|j| es.get(j)) {
                item.key = &e.key;
                item.values.push(&e.value);
            }
        }
        items.extend(
            es.iter()
                .zip(new_in_over)
                .filter(|(_, new)| *new)
                .map(|(e, _)| Layered {
                    key: &e.key,
                    values: Values::One(&e.value),
                }),
        );
    }
    items
}

/// A fold of [`merge_into`] over copies of `layers` (at least one), copying only
/// what ends up in the result.
fn materialize(layers: &[&Node]) -> Node {
    let maps = counted(layers);
    match (maps, layers.last()) {
        ([], Some(last)) | ([last], _) => (*last).clone(),
        ([], None) => Node {
            kind: NodeKind::Map(vec![]),
            span: Span::new(0, 0),
        },
        (_, _) => Node {
            kind: NodeKind::Map(
                layered(maps)
                    .into_iter()
                    .map(|l| Entry {
                        key: l.key.clone(),
                        value: materialize(l.values.as_slice()),
                    })
                    .collect(),
            ),
            span: maps.last().map_or(Span::new(0, 0), |m| m.span),
        },
    }
}

/// GitLab's merge of `over` onto the borrowed `layers` merged in order: what
/// `merge_into(…merge_into(layers[0].clone(), layers[1].clone())…, over)` gives,
/// with only what ends up in the result copied from the layers (a job that
/// `extends:` several kept templates; one is [`merge_over`]).
fn merge_many(layers: &[&Node], over: Node) -> Node {
    merge_sourced(layers, over).0
}

/// Where each top-level entry of a merged job comes from ([`Sources`]): the
/// address of the node it is an unchanged copy of, or `None`.
fn address(n: &Node) -> usize {
    std::ptr::from_ref(n).addr()
}

/// For each top-level entry of a merged job, in order, the kept node (a resolved
/// template's or `default:`'s entry value, by [`address`]) it is an unchanged copy
/// of; `None` for the others (the job's own keys, mappings merged from several
/// layers), and for every entry past the end.
type Sources = Vec<Option<usize>>;

/// [`merge_many`], with the [`Sources`] of the result: an entry of a layer that no
/// later layer and not `over` has is copied unchanged from that layer.
fn merge_sourced(layers: &[&Node], mut over: Node) -> (Node, Sources) {
    if !mergeable(&over) {
        return (over, vec![]);
    }
    let maps = counted(layers);
    if let [one] = maps {
        let NodeKind::Map(b) = &one.kind else {
            return (merge_over(one, over), vec![]);
        };
        let NodeKind::Map(o) = std::mem::replace(&mut over.kind, NodeKind::Seq(Vec::new())) else {
            return (over, vec![]);
        };
        let matches = key_matches(b, &o);
        // Each entry of the base gives the entry at its place in the result.
        let sources = b
            .iter()
            .zip(&matches.0)
            .map(|(be, m)| m.is_none().then(|| address(&be.value)))
            .collect();
        let merged = merge_onto(b.iter(), matches, o, over.span, Entry::clone, |be, ov| {
            merge_over(&be.value, ov)
        });
        return (merged, sources);
    }
    if maps.is_empty() {
        return (over, vec![]);
    }
    let items = layered(maps);
    let NodeKind::Map(o) = std::mem::replace(&mut over.kind, NodeKind::Seq(Vec::new())) else {
        return (over, vec![]);
    };
    let matches = key_matches(&items, &o);
    let sources = items
        .iter()
        .zip(&matches.0)
        .map(|(item, m)| match (m, item.values.as_slice()) {
            (None, [only]) => Some(address(only)),
            _ => None,
        })
        .collect();
    let merged = merge_onto(
        items.into_iter(),
        matches,
        o,
        over.span,
        |item| Entry {
            key: item.key.clone(),
            value: materialize(item.values.as_slice()),
        },
        |item, ov| merge_many(item.values.as_slice(), ov),
    );
    (merged, sources)
}

/// Adds the `default:` keys a job neither sets nor refuses through `inherit:`, and
/// their [`Sources`] (each is a copy of `defaults`' entry).
fn apply_defaults(job: &mut Node, keys: &mut JobKeys, defaults: &[Entry], sources: &mut Sources) {
    if defaults.is_empty() {
        return;
    }
    let entries = job.as_map().unwrap_or(&[]);
    let get = |k: &str| keys.find(entries, k).and_then(|i| entries.get(i));
    let inherit = get("inherit").and_then(|i| i.value.get("default"));
    let allowed = |k: &str| match inherit {
        None => true,
        Some(n) => match &n.kind {
            NodeKind::Seq(items) => items.iter().any(|i| i.as_str() == Some(k)),
            _ => n.as_bool() != Some(false),
        },
    };
    // Decided before the job is changed (`inherit` borrows it).
    let add: Vec<&Entry> = defaults
        .iter()
        .filter(|d| {
            d.key
                .as_str()
                .is_some_and(|k| allowed(k) && get(k).is_none())
        })
        .collect();
    let NodeKind::Map(entries) = &mut job.kind else {
        return;
    };
    sources.resize(entries.len(), None);
    sources.extend(add.iter().map(|d| Some(address(&d.value))));
    for d in add {
        keys.add(entries.len(), d);
        entries.push(d.clone());
    }
}

/// Decodes the merged job: real spans, the file of each top-level key, script lines.
/// With one file (`multi` false) every span is already real (file 0 [`encode`]s to
/// the span itself) and the tree is not walked again.
fn finish(mut node: Node, keys: &JobKeys, multi: bool) -> (Node, Vec<usize>, Vec<Line>) {
    let mut key_files = vec![];
    let mut lines = vec![];
    if let NodeKind::Map(entries) = &node.kind {
        key_files.reserve_exact(entries.len());
        for e in entries {
            key_files.push(decode(e.value.span).0);
        }
        for section in SECTIONS {
            if let Some(i) = keys.find(entries, section) {
                let Ok(entry) = u32::try_from(i) else {
                    continue;
                };
                let mut at = Line {
                    section,
                    file: 0,
                    entry,
                    path: [0; MAX_REFERENCE],
                    depth: 0,
                };
                collect_lines(&entries[i].value, &mut at, &mut lines);
            }
        }
    }
    if multi {
        decode_tree(&mut node);
    }
    (node, key_files, lines)
}

/// The script lines under `n`, which sits at `at` (its path is updated in place).
fn collect_lines(n: &Node, at: &mut Line, out: &mut Vec<Line>) {
    // A list of scalars (nearly every section): its lines pushed here, no call
    // per line.
    if let NodeKind::Seq(items) = &n.kind {
        let d = usize::from(at.depth);
        if d < MAX_REFERENCE && items.iter().all(|i| i.as_str().is_some()) {
            out.reserve(items.len());
            for (i, item) in items.iter().enumerate() {
                let Ok(i) = u32::try_from(i) else { break };
                if item.is_null() {
                    continue;
                }
                let mut line = Line {
                    file: decode(item.span).0,
                    ..*at
                };
                line.path[d] = i;
                line.depth = at.depth + 1;
                out.push(line);
            }
            return;
        }
    }
    match &n.kind {
        NodeKind::Scalar { .. } if !n.is_null() => out.push(Line {
            file: decode(n.span).0,
            ..*at
        }),
        NodeKind::Seq(items) if usize::from(at.depth) < MAX_REFERENCE => {
            let d = usize::from(at.depth);
            at.depth += 1;
            for (i, item) in items.iter().enumerate() {
                let Ok(i) = u32::try_from(i) else { break };
                at.path[d] = i;
                collect_lines(item, at, out);
            }
            at.depth -= 1;
        }
        _ => {}
    }
}

/// Decodes every span of `n`'s tree: recursively for the first [`DECODE_DEPTH`]
/// levels (a scalar, most nodes, decoded in place without a call), then with an
/// explicit stack ([`decode_deep`]), so that no tree overflows the stack.
fn decode_tree(n: &mut Node) {
    decode_below(n, 0);
}

/// Levels [`decode_tree`] decodes by recursion.
const DECODE_DEPTH: usize = 64;

fn decode_below(n: &mut Node, depth: usize) {
    n.span = decode(n.span).1;
    match &mut n.kind {
        NodeKind::Scalar { .. } => {}
        NodeKind::Seq(items) => {
            for i in items {
                decode_child(i, depth + 1);
            }
        }
        NodeKind::Map(es) => {
            for e in es {
                decode_child(&mut e.key, depth + 1);
                decode_child(&mut e.value, depth + 1);
            }
        }
    }
}

#[inline(always)]
fn decode_child(n: &mut Node, depth: usize) {
    match n.kind {
        NodeKind::Scalar { .. } => n.span = decode(n.span).1,
        _ if depth < DECODE_DEPTH => decode_below(n, depth),
        _ => decode_deep(n),
    }
}

/// [`decode_tree`] with an explicit stack.
fn decode_deep(n: &mut Node) {
    let mut stack = vec![n];
    while let Some(n) = stack.pop() {
        n.span = decode(n.span).1;
        match &mut n.kind {
            NodeKind::Scalar { .. } => {}
            NodeKind::Seq(items) => stack.extend(items.iter_mut()),
            NodeKind::Map(es) => {
                for e in es.iter_mut() {
                    stack.push(&mut e.key);
                    stack.push(&mut e.value);
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The former borrowing merge (every entry cloned), kept as the oracle.
    fn deep_merge(base: &Node, over: &Node) -> Node {
        match (&base.kind, &over.kind) {
            (NodeKind::Map(b), NodeKind::Map(o))
                if reference_target(o).is_none() && reference_target(b).is_none() =>
            {
                let mut out: Vec<Entry> = Vec::with_capacity(b.len() + o.len());
                for be in b {
                    match o.iter().find(|oe| oe.key.as_str() == be.key.as_str()) {
                        Some(oe) => out.push(Entry {
                            key: oe.key.clone(),
                            value: deep_merge(&be.value, &oe.value),
                        }),
                        None => out.push(be.clone()),
                    }
                }
                for oe in o {
                    if !b.iter().any(|be| be.key.as_str() == oe.key.as_str()) {
                        out.push(oe.clone());
                    }
                }
                Node {
                    kind: NodeKind::Map(out),
                    span: over.span,
                }
            }
            _ => over.clone(),
        }
    }

    /// A mapping of `n` keys `k0`… (`prefix` before each), each with an integer.
    fn wide(prefix: &str, n: usize) -> String {
        (0..n).map(|i| format!("{prefix}k{i}: {i}\n")).collect()
    }

    /// Merges of large mappings are linear in their keys (hostile input: a
    /// quadratic match of 20,000 keys against 20,000 would make 400 million
    /// comparisons), and give what the quadratic oracle gives.
    #[test]
    fn large_mappings_merge_in_linear_work() {
        let n = 20_000;
        // Half the keys shared, a nested mapping merged key by key.
        let b = root(&format!("{}nested:\n{}", wide("", n), wide("  ", n)));
        let o = root(&format!(
            "{}nested:\n{}",
            wide("", 2 * n).split_off(wide("", n / 2).len()),
            wide("  ", n)
        ));
        let limit = 16 * n;
        let mut into = None;
        let work = probes(|| into = Some(merge_into(b.clone(), o.clone())));
        assert!(work <= limit, "merge_into: {work} probes for {n} keys");
        let mut over = None;
        let work = probes(|| over = Some(merge_over(&b, o.clone())));
        assert!(work <= limit, "merge_over: {work} probes for {n} keys");
        assert_eq!(into, over);
        let merged = into.expect("merged");
        let map = merged.as_map().expect("a mapping");
        // Base's n + 1 top-level keys, then the n keys of over it lacked.
        assert_eq!(map.len(), n + 1 + n);
        assert_eq!(
            merged
                .get("nested")
                .and_then(Node::as_map)
                .map(<[Entry]>::len),
            Some(n)
        );
        // Above the linear threshold but small enough for the oracle.
        let (b, o) = (
            root(&wide("", 300)),
            root(&wide("", 600).split_off(wide("", 150).len())),
        );
        assert_eq!(merge_into(b.clone(), o.clone()), deep_merge(&b, &o));
        assert_eq!(merge_over(&b, o.clone()), deep_merge(&b, &o));
    }

    /// `<<:` of large anchors is expanded in linear work, first merged mapping and
    /// explicit keys winning as before.
    #[test]
    fn large_merge_keys_expand_in_linear_work() {
        let n = 20_000;
        let yaml = format!(
            "a: &a\n{}b: &b\n{}job:\n  <<: [*a, *b]\n  k1: own\n",
            wide("  ", n),
            wide("  x", n)
        );
        let doc = root(&yaml);
        let job = doc.get("job").expect("job");
        let mut out = None;
        let work = probes(|| out = Some(prepare(job, 0, &yaml, false, 0)));
        assert!(work <= 16 * n, "prepare: {work} probes for {n} keys");
        let out = out.expect("prepared");
        let map = out.as_map().expect("a mapping");
        assert_eq!(map.len(), 2 * n);
        // Merged keys first, in order (without the explicit one), then the explicit.
        assert_eq!(map[0].key.as_str(), Some("k0"));
        assert_eq!(map[1].key.as_str(), Some("k2"));
        assert_eq!(map[2 * n - 1].key.as_str(), Some("k1"));
        assert_eq!(out.get("k1").and_then(Node::as_str), Some("own"));
        // Small: the first merged mapping wins.
        let yaml = "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\njob:\n  <<: [*a, *b]\n  z: 3\n";
        let doc = root(yaml);
        let out = prepare(doc.get("job").expect("job"), 0, yaml, false, 0);
        let got: Vec<(Option<&str>, Option<&str>)> = out
            .as_map()
            .expect("a mapping")
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Some("x"), Some("1")),
                (Some("y"), Some("1")),
                (Some("z"), Some("3"))
            ]
        );
    }

    /// A fold of [`merge_into`] over copies: what [`merge_many`] and [`materialize`]
    /// must give.
    fn folded(layers: &[&Node], over: Option<&Node>) -> Node {
        let mut it = layers.iter().map(|n| (*n).clone()).chain(over.cloned());
        let first = it.next().expect("a layer");
        it.fold(first, merge_into)
    }

    /// [`merge_sourced`] gives what [`merge_many`] gives, and each source it names
    /// is a top-level value of a layer, under the key of the entry, equal to the
    /// entry's value, with that key in no later layer and not in `over`; the
    /// number of entries it names.
    fn sources_are_copies(layers: &[&Node], over: &Node) -> usize {
        let (merged, sources) = merge_sourced(layers, over.clone());
        assert_eq!(merged, merge_many(layers, over.clone()));
        let entries = merged.as_map().unwrap_or(&[]);
        assert!(sources.len() <= entries.len());
        let mut named = 0;
        for (e, source) in entries.iter().zip(&sources) {
            let Some(at) = *source else { continue };
            let layer = counted(layers)
                .iter()
                .position(|l| {
                    l.as_map()
                        .unwrap_or(&[])
                        .iter()
                        .any(|le| address(&le.value) == at && le.key.as_str() == e.key.as_str())
                })
                .expect("a source is a layer's entry");
            let copied = counted(layers)[layer]
                .as_map()
                .unwrap_or(&[])
                .iter()
                .find(|le| address(&le.value) == at)
                .expect("found");
            assert_eq!(copied.value, e.value);
            let key = e.key.as_str();
            for later in counted(layers)[layer + 1..].iter().chain([&over]) {
                assert!(later.get(key.unwrap_or("")).is_none() || key.is_none());
            }
            named += 1;
        }
        named
    }

    /// Several kept layers merged at once give what merging copies of them in turn
    /// gives: mappings merged key by key at every depth, a list, scalar or
    /// `!reference` marker replacing what came before (and replaced by what comes
    /// after), keys in first-seen order, the last layer's key node and span, repeated
    /// keys as the first match decides.
    #[test]
    fn merge_many_equals_merging_in_turn() {
        let mut pool: Vec<Node> = [
            "a: 1\nb: {c: 2, d: [1, 2]}\n",
            "b: {d: [3], e: 4}\nf: 5\n",
            "a: {b: {c: 1}}\nb: {x: 1}\n",
            "a: {b: {d: 2}, e: 3}\nb: 7\n",
            "b: {y: {z: 1}}\na: [1]\n",
            "- x\n",
            "s\n",
            "a: 1\na: 2\nb: 3\n",
            "a: 4\na: 5\nc: 6\nc: 7\n",
            "a: {x: 1}\na: {y: 2}\nb: 3\n",
            "{}\n",
        ]
        .iter()
        .map(|y| root(y))
        .collect();
        let list = root("[x, y]\n");
        let marker = Node {
            kind: NodeKind::Map(vec![Entry {
                key: scalar(REFERENCE, list.span),
                value: list.clone(),
            }]),
            span: list.span,
        };
        let mut with_marker = root("a: 0\nb: {q: 1}\n");
        if let NodeKind::Map(es) = &mut with_marker.kind {
            es[0].value = marker.clone();
        }
        pool.push(with_marker);
        pool.push(marker);
        let mut checked = 0;
        let mut sourced = 0;
        for a in &pool {
            for b in &pool {
                for o in &pool {
                    assert_eq!(
                        merge_many(&[a, b], o.clone()),
                        folded(&[a, b], Some(o)),
                        "{a:?} + {b:?} + {o:?}"
                    );
                    sourced += sources_are_copies(&[a, b], o);
                    sourced += sources_are_copies(&[b], o);
                    assert_eq!(materialize(&[a, b, o]), folded(&[a, b, o], None));
                    for c in pool.iter().step_by(3) {
                        assert_eq!(
                            merge_many(&[a, b, c], o.clone()),
                            folded(&[a, b, c], Some(o)),
                            "{a:?} + {b:?} + {c:?} + {o:?}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 1000);
        assert!(sourced > 1000, "{sourced}");
        // One layer is `merge_over`; none leaves `over` as it is.
        assert_eq!(
            merge_many(&[&pool[0]], pool[1].clone()),
            folded(&[&pool[0]], Some(&pool[1]))
        );
        assert_eq!(merge_many(&[], pool[1].clone()), pool[1]);
    }

    /// Merging several large layers at once is linear in their keys (an `extends:`
    /// list of large templates), and gives what merging copies in turn gives.
    #[test]
    fn large_layers_merge_in_linear_work() {
        let n = 20_000;
        let a = root(&format!("{}nested:\n{}", wide("", n), wide("  ", n)));
        let b = root(&format!(
            "{}nested:\n{}",
            wide("", 2 * n).split_off(wide("", n / 2).len()),
            wide("  x", n)
        ));
        let c = root(&wide("y", n));
        let o = root(&format!("{}nested:\n{}", wide("", n), wide("  z", n)));
        let mut out = None;
        let work = probes(|| out = Some(merge_many(&[&a, &b, &c], o.clone())));
        assert!(work <= 64 * n, "merge_many: {work} probes for {n} keys");
        let out = out.expect("merged");
        assert_eq!(out, folded(&[&a, &b, &c], Some(&o)));
        // a's n + 1 keys, the n of b's that a lacks, c's n.
        assert_eq!(out.as_map().map(<[Entry]>::len), Some(3 * n + 1));
        let mut all = None;
        let work = probes(|| all = Some(materialize(&[&a, &b, &c])));
        assert!(work <= 64 * n, "materialize: {work} probes for {n} keys");
        assert_eq!(all, Some(folded(&[&a, &b, &c], None)));
    }

    /// Only a file that could spell the internal marker key keeps the `!reference`
    /// pass: a NUL escape followed by `!` or another escape, or a raw NUL.
    #[test]
    fn marker_spellings_are_found() {
        for yes in [
            r#"a: {"\0\x21reference": [b, c]}"#,
            r#""\x00!reference": x"#,
            r#""\u0000\u0021reference": x"#,
            r#""\U00000000!reference": x"#,
            "a: \u{0}",
        ] {
            assert!(may_spell_marker(yes), "{yes}");
        }
        for no in [
            r#"script: printf "\033[0m\x1b[1m\u00e9 \0 done""#,
            "a: b\\",
            "plain: text",
            "",
        ] {
            assert!(!may_spell_marker(no), "{no}");
        }
    }

    /// `is_global_key` is membership in `GLOBAL_KEYS`.
    #[test]
    fn global_keys_are_the_listed_ones() {
        for k in GLOBAL_KEYS {
            assert!(is_global_key(k), "{k}");
        }
        for k in JOB_KEYS
            .iter()
            .chain(&["", "job", "Stages", "stage", ".hidden"])
        {
            assert_eq!(is_global_key(k), GLOBAL_KEYS.contains(k), "{k}");
        }
    }

    /// `is_job_key` is membership in `JOB_KEYS`.
    #[test]
    fn job_keys_are_the_listed_ones() {
        for (i, k) in JOB_KEYS.iter().enumerate() {
            assert!(is_job_key(k), "{k}");
            assert_eq!(job_key(k), Some(i), "{k}");
        }
        for k in [
            "", "scripts", "Script", "stages", "variable", "when ", "default", "x",
        ] {
            assert!(!is_job_key(k), "{k}");
        }
    }

    /// `JobKeys::find` is the place `Node::get` finds (the first entry of a key),
    /// for every job key and others, in mappings with repeated keys, keys that are
    /// not job keys or not scalars, and entries added one by one
    /// (`JobKeys::add`, as `default:` keys are).
    #[test]
    fn job_keys_find_the_first_entry_of_a_key() {
        let maps = [
            "script: a\nstage: b\nscript: c\nimage: d\nstage: e\n",
            "x-custom: 1\nscript: a\nx-custom: 2\ndefaults: 3\n",
            "? [a, b]\n: 1\ntags: [x]\n",
            "{}\n",
            "script: a\n",
        ];
        let mut asked: Vec<&str> = JOB_KEYS.to_vec();
        asked.extend(["x-custom", "defaults", "scripts", "", "a", "[a, b]"]);
        let mut nodes: Vec<(String, Node)> =
            maps.iter().map(|y| (y.to_string(), root(y))).collect();
        // The parser keeps only the first of a repeated key; a merged mapping can
        // repeat one: every entry twice.
        let mut twice = root(maps[0]);
        if let NodeKind::Map(es) = &mut twice.kind {
            let again = es.clone();
            es.extend(again);
        }
        nodes.push(("every entry twice".to_string(), twice));
        for (yaml, n) in &nodes {
            let entries = n.as_map().expect("a mapping");
            let keys = JobKeys::of(n);
            let mut added = JobKeys::of(&root("{}\n"));
            for (i, e) in entries.iter().enumerate() {
                added.add(i, e);
            }
            for k in &asked {
                let want = entries.iter().position(|e| e.key.as_str() == Some(k));
                assert_eq!(keys.find(entries, k), want, "{k:?} in {yaml:?}");
                assert_eq!(added.find(entries, k), want, "{k:?} added, in {yaml:?}");
            }
        }
        // Not a mapping: nothing.
        let seq = root("[a, b]\n");
        assert_eq!(JobKeys::of(&seq).find(&[], "script"), None);
    }

    /// A repository of GitLab CI files, in memory.
    pub(crate) fn repo_of(files: &[(&str, &str)]) -> Repo {
        let mut sources: Vec<SourceFile> = files
            .iter()
            .map(|(p, t)| {
                SourceFile::from_text(
                    p.to_string(),
                    crate::source::FileKind::GitlabCi,
                    t.to_string(),
                )
                .0
            })
            .collect();
        sources.sort_by(|a, b| a.path.cmp(&b.path));
        Repo {
            root: std::path::PathBuf::new(),
            display: String::new(),
            paths: files.iter().map(|(p, _)| p.to_string()).collect(),
            files: sources.into_iter().map(std::sync::Arc::new).collect(),
            errors: vec![],
            incomplete: false,
            tree: None,
            paths_digest: None,
        }
    }

    /// Every problem of the merged pipelines, as (file, span, message), after
    /// checking that the merged jobs are those of a build without the memo.
    fn problems_of(repo: &Repo, memo: bool) -> Vec<(usize, Span, String)> {
        type Built = (String, Node, Vec<usize>, Vec<(usize, Option<Node>)>);
        let jobs = |p: &Pipeline| -> Vec<Built> {
            p.jobs
                .iter()
                .map(|j| {
                    let lines = j.lines.iter().map(|l| (l.file, l.node(j).cloned()));
                    (
                        j.name.to_string(),
                        j.node.clone(),
                        j.key_files.clone(),
                        lines.collect(),
                    )
                })
                .collect()
        };
        NO_MEMO.with(|m| m.set(true));
        let full: Vec<Vec<Built>> = crate::gitlab::pipelines(repo, &[])
            .iter()
            .map(jobs)
            .collect();
        NO_MEMO.with(|m| m.set(!memo));
        let pipelines = crate::gitlab::pipelines(repo, &[]);
        NO_MEMO.with(|m| m.set(false));
        let built: Vec<Vec<Built>> = pipelines.iter().map(jobs).collect();
        assert_eq!(built, full);
        pipelines
            .iter()
            .flat_map(|p| &p.problems)
            .map(|p| (p.file, p.span, p.message.clone()))
            .collect()
    }

    /// Entries that jobs copy unchanged from a template or `default:` are checked
    /// once, on the first copy: the problems are those of checking every job in
    /// full, in the same order, each job named, whether the template is clean or
    /// not, shared by one job or several, overridden, merged with the job's own
    /// keys, reached through `!reference`, or repeated.
    #[test]
    fn shared_entries_checked_once_find_what_every_job_finds() {
        let templates = concat!(
            ".clean:\n  image: {name: alpine, pull_policy: always}\n  rules:\n    - if: $CI_COMMIT_BRANCH\n",
            "  artifacts: {paths: [a], expire_in: 1 week}\n  cache: {key: deps, paths: [x]}\n  timeout: 1h\n",
            "  environment: {name: review, action: prepare}\n  tags: [a]\n  needs: []\n",
            ".dirty:\n  image: {name: alpine, pull_policy: sometimes}\n  rules:\n    - if: $A == main\n",
            "    - when: delayed\n  artifacts: {paths: [1, {b: c}], expire_in: 1 fortnight, expose: x}\n",
            "  cache: {key: a/b, paths: [2]}\n  timeout: 3600\n  environment: {url: x, action: destroy}\n",
            "  tags: [true]\n  stage: 7\n  trigger: {branch: main}\n  start_in: 1 minute\n",
            ".shared:\n  script: [make]\n  rules: [{if: $X == y}]\n",
            ".typed:\n  script: [make, 1, {a: b}]\n  before_script: [!reference [.shared, script]]\n",
            "  after_script: [ok, [yes]]\n  variables: {A: [1], B: x}\n  needs: x\n  tags: [{a: b}]\n",
            "  services: {name: x}\n  rules: [x]\n",
            ".mapped:\n  script: [make, {a: b}]\n",
            ".typed-ok:\n  before_script: [!reference [.shared, script], echo]\n  variables: {A: '1'}\n",
            "  script: [make]\n",
        );
        let root = concat!(
            "include: ci/t.yml\n",
            "default:\n  image: {name: alpine, pull_policy: nope}\n  timeout: 2 fortnights\n",
            "  tags: [ok]\n",
            "stages: [build, test, 7]\n",
            "a1:\n  extends: .clean\n  script: make\n",
            "a2:\n  extends: .clean\n  script: make\n  cache: {key: b/c}\n",
            "b1:\n  extends: .dirty\n  script: make\n",
            "b2:\n  extends: .dirty\n  script: make\n  artifacts: {when: never}\n",
            "b3:\n  extends: [.clean, .dirty]\n  script: make\n",
            "b4:\n  extends: [.dirty, .clean]\n  script: make\n",
            "c1:\n  extends: .b\n  script: make\n",
            "c2:\n  extends: .b\n  script: make\n  tags: [x]\n",
            ".b:\n  extends: .dirty\n  timeout: 1h\n",
            "d1:\n  script: make\n  rules: !reference [.shared, rules]\n",
            "d2:\n  script: make\n  rules: !reference [.shared, rules]\n",
            "e1:\n  extends: .dirty\n  script: make\n  inherit: {default: false}\n",
            "e2:\n  extends: .clean\n  script: make\n  image: alpine\n  image: {name: x, pull_policy: bad}\n",
            "f1:\n  extends: a1\n",
            "f2:\n  extends: a1\n  when: delayed\n",
            "g1:\n  extends: .typed\n",
            "g2:\n  extends: .typed\n  script: [make]\n",
            "g3:\n  extends: [.typed-ok, .typed]\n",
            "h1:\n  extends: .typed-ok\n",
            "h2:\n  extends: .typed-ok\n  variables: {C: [2]}\n",
            "m1:\n  extends: .mapped\nm2:\n  extends: .mapped\n",
        );
        let repo = repo_of(&[(".gitlab-ci.yml", root), ("ci/t.yml", templates)]);
        let full = problems_of(&repo, false);
        let memo = problems_of(&repo, true);
        assert_eq!(memo, full);
        // Every dirty entry is reported for each job that gets it.
        for job in ["b1", "b2", "b3", "b4", "c1", "c2", "e1", "g1", "g3"] {
            let n = full
                .iter()
                .filter(|(_, _, m)| m.contains(&format!("job `{job}`")))
                .count();
            assert!(n >= 5, "{job}: {n} problems in {full:#?}");
        }
        assert!(full
            .iter()
            .any(|(_, _, m)| m.contains("`image:pull_policy: nope` of job `d1`")));
        assert!(full
            .iter()
            .any(|(_, _, m)| m.contains("`image:pull_policy: nope` of job `d2`")));
        assert!(full
            .iter()
            .any(|(_, _, m)| m.contains("`rules:if` of job `d2`")));
        assert!(full
            .iter()
            .any(|(_, _, m)| m.contains("`script` of job `m2` must be")));
        // And the memo skipped entries: the same jobs, one file, all clean.
        let clean = concat!(
            ".t:\n  image: {name: alpine}\n  rules: [{if: $A}]\n  artifacts: {paths: [a]}\n",
            "a:\n  extends: .t\n  script: make\nb:\n  extends: .t\n  script: make\n",
        );
        let repo = repo_of(&[(".gitlab-ci.yml", clean)]);
        assert_eq!(problems_of(&repo, true), vec![]);
    }

    /// A visible job resolved again (a `!reference` to it, before or after its own
    /// resolution) reports its problems once.
    #[test]
    fn a_job_resolved_again_reports_its_problems_once() {
        for yaml in [
            "a:\n  extends: .missing\n  script: [make]\nb:\n  script: !reference [a, script]\n",
            "b:\n  script: !reference [a, script]\na:\n  extends: .missing\n  script: [make]\n",
        ] {
            let repo = repo_of(&[(".gitlab-ci.yml", yaml)]);
            let pipelines = crate::gitlab::pipelines(&repo, &[]);
            let problems: Vec<&str> = pipelines
                .iter()
                .flat_map(|p| &p.problems)
                .map(|p| p.message.as_str())
                .filter(|m| m.contains("`.missing`"))
                .collect();
            assert_eq!(
                problems,
                ["`a` extends `.missing`, which is not defined"],
                "{yaml}"
            );
            let b = pipelines[0].job("b").expect("b");
            assert_eq!(
                b.get("script").and_then(Node::as_seq).map(<[Node]>::len),
                Some(1)
            );
        }
    }

    fn root(yaml: &str) -> Node {
        pipewise_yaml::Document::parse(yaml.to_string())
            .expect("test YAML parses")
            .root
            .clone()
    }

    /// The owning merge gives what the borrowing one gives: nested maps merged key by
    /// key, lists and scalars replaced, new keys appended in order, `!reference`
    /// markers never merged into, repeated keys as the first match decides (an entry
    /// of `over` that several repeated keys of `base` merge with is used by each).
    #[test]
    fn merge_into_equals_the_cloning_merge() {
        let cases = [
            ("a: 1\nb: {c: 2, d: [1, 2]}\n", "b: {d: [3], e: 4}\nf: 5\n"),
            ("a: {b: {c: 1}}\n", "a: {b: {d: 2}, e: 3}\n"),
            ("a: 1\n", "- x\n"),
            ("- x\n", "a: 1\n"),
            ("s\n", "t\n"),
            ("a: {b: 1}\n", "a: [1]\n"),
            ("a: 1\na: 2\nb: 3\n", "a: 4\na: 5\nc: 6\nc: 7\n"),
            (
                "a: {x: 1}\na: {y: 2}\nb: 3\n",
                "a: {z: 4}\nb: {w: 5}\na: 6\n",
            ),
            ("a: 1\nb: 2\na: 3\n", "b: 4\nd: 5\na: {q: 1}\nd: 6\n"),
            ("{}\n", "a: 1\n"),
            ("a: 1\n", "{}\n"),
        ];
        let mut pairs: Vec<(Node, Node)> = cases.iter().map(|(b, o)| (root(b), root(o))).collect();
        // A `!reference [x, y]` marker (as `prepare` writes it) on either side.
        let list = root("[x, y]\n");
        let marker = Node {
            kind: NodeKind::Map(vec![Entry {
                key: scalar(REFERENCE, list.span),
                value: list.clone(),
            }]),
            span: list.span,
        };
        let with_marker = |other: &str| {
            let mut n = root(other);
            if let NodeKind::Map(es) = &mut n.kind {
                es[0].value = marker.clone();
            }
            n
        };
        pairs.push((root("a: {b: 1}\nc: 2\n"), with_marker("a: 0\n")));
        pairs.push((with_marker("a: 0\nd: 1\n"), root("a: {b: 1}\n")));
        pairs.push((marker.clone(), root("a: 1\n")));
        for (b, o) in pairs {
            assert_eq!(
                merge_into(b.clone(), o.clone()),
                deep_merge(&b, &o),
                "{b:?} + {o:?}"
            );
            assert_eq!(
                merge_over(&b, o.clone()),
                deep_merge(&b, &o),
                "{b:?} + {o:?}"
            );
        }
    }
}
