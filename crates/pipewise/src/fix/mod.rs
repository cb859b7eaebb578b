//! `pipewise fix`: applies the fixes of findings as byte-span edits, and proves each
//! one by re-auditing.
//!
//! A fixer (one file per kind of fix) reads a finding and the file it points into
//! and returns a [`Plan`]: a few [`Edit`]s, each replacing one byte range, and
//! whether the fix is [`Safety::Safe`] (applied by default: behaviour unchanged except
//! the defect) or [`Safety::Unsafe`] (applied with `--unsafe`: it may change what the
//! pipeline does and needs review). Nothing else in the file is rewritten, so
//! comments, key order, quoting, indentation, anchors, line endings and non-ASCII
//! text survive.
//!
//! The engine applies one plan at a time to the repository in memory, re-parses the
//! edited files and re-audits the repository. A plan is kept only when the file
//! still parses, its finding is gone and no other finding appeared; otherwise it is
//! rolled back and reported. Nothing is written here: the caller writes
//! [`FixRun::changed`] (or prints its diff).

pub mod diff;
pub mod yaml;

mod dockerfile;
mod github;
mod interactive_prompt;
mod masked_failure;
mod scanner;

use github::{
    concurrency, continue_on_error, permissions, persist_credentials, pin_action,
    template_injection, timeout, toolchain, unlocked_action,
};

use crate::config::Config;
use crate::finding::Severity;
use crate::repo::Repo;
use crate::report::{RepoReport, ReportFinding};
use crate::source::{FileKind, SourceFile};
use crate::workflow::{Job, Step, Workflow};
use pipewise_yaml::Document;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

/// Whether a fix may be applied without review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Safety {
    /// Removes the defect and changes nothing else the pipeline does.
    Safe,
    /// May change what the pipeline does (a step that used to pass may now fail, a
    /// token loses a permission): applied only with `--unsafe`.
    Unsafe,
}

/// One byte-range replacement in one file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

impl Edit {
    pub fn insert(at: usize, text: String) -> Edit {
        Edit {
            start: at,
            end: at,
            text,
        }
    }
    pub fn replace(start: usize, end: usize, text: String) -> Edit {
        Edit { start, end, text }
    }
}

/// What a fixer proposes for one finding.
#[derive(Debug, Clone)]
pub struct Plan {
    pub safety: Safety,
    pub description: String,
    /// Edits by file (repository-relative path); within a file, non-overlapping.
    pub edits: Vec<(String, Edit)>,
    /// Text the fix renames (`actions/checkout@v4` → `actions/checkout@<sha>`):
    /// other findings that quote it are matched under the new text.
    pub renames: Vec<(String, String)>,
    /// The lines (1-based, inclusive) of the edited file whose findings the renames
    /// apply to (the edited step); all lines when `None`.
    pub rename_lines: Option<(usize, usize)>,
}

impl Plan {
    pub fn new(
        safety: Safety,
        description: impl Into<String>,
        file: &str,
        edits: Vec<Edit>,
    ) -> Plan {
        Plan {
            safety,
            description: description.into(),
            edits: edits.into_iter().map(|e| (file.to_string(), e)).collect(),
            renames: vec![],
            rename_lines: None,
        }
    }
}

/// Resolves an action's tag to a commit SHA (the offline table, `actions.lock`, or
/// the GitHub API with `--online`).
pub trait ShaResolver: Sync {
    fn resolve(&self, action: &str, tag: &str) -> Option<String>;
    /// `owner_id` and `repo_id` of `owner/repo`, for a new `actions.lock` entry.
    fn repo_ids(&self, _repo: &str) -> Option<(String, String)> {
        None
    }
}

/// Where a finding points, with the parsed file, for fixers.
pub struct Site<'a> {
    pub repo: &'a Repo,
    pub file: &'a SourceFile,
    pub finding: &'a ReportFinding,
    /// Byte offset of the finding's start in the file's text.
    pub offset: usize,
    /// Byte offset of the finding's end.
    pub end: usize,
    pub resolver: Option<&'a dyn ShaResolver>,
}

impl<'a> Site<'a> {
    pub fn text(&self) -> &'a str {
        self.file.text()
    }
    pub fn doc(&self) -> Option<&'a Document> {
        self.file.yaml.as_ref()
    }
    pub fn workflow(&self) -> Option<Workflow<'a>> {
        let doc = self.doc()?;
        Some(Workflow::new(&self.file.path, doc))
    }
    pub fn plan(&self, safety: Safety, description: impl Into<String>, edits: Vec<Edit>) -> Plan {
        Plan::new(safety, description, &self.file.path, edits)
    }
}

/// The job of a workflow a finding names (by id), or the one holding its offset.
pub fn site_job<'w, 'a>(wf: &'w Workflow<'a>, site: &Site) -> Option<&'w Job<'a>> {
    if let Some(id) = site.finding.job.as_deref() {
        if let Some(j) = wf.job(id) {
            return Some(j);
        }
    }
    wf.jobs.iter().find(|j| {
        j.node.span.start <= site.offset && site.offset < j.node.span.end.max(j.node.span.start + 1)
    })
}

/// The step holding the finding's offset.
pub fn site_step<'j, 'a>(job: &'j Job<'a>, site: &Site) -> Option<&'j Step<'a>> {
    job.steps
        .iter()
        .find(|s| s.node.span.start <= site.offset && site.offset <= s.node.span.end)
}

/// Edits that set a step's `with:` input `key` to `value`: the existing value is
/// replaced, or the key is added to `with:`, or a `with:` block is added to the step.
pub fn set_step_input(text: &str, step: &Step, key: &str, value: &str) -> Option<Vec<Edit>> {
    use yaml::Value;
    let step_map = step.node;
    if step_map.as_map()?.is_empty() {
        return None;
    }
    if let Some(with) = step.entry("with") {
        if let Some(e) = with.value.entry(key) {
            if e.value.as_str() == Some(value) {
                return None;
            }
            return Some(vec![yaml::replace_scalar(text, &e.value, value)?]);
        }
        if with.value.as_map().is_none() || yaml::anchored(text, with.key.span.end, &with.value) {
            return None;
        }
        return Some(vec![yaml::insert_entry(
            text,
            &with.value,
            None,
            key,
            &Value::raw(value),
        )?]);
    }
    let v = Value::Map(vec![(key.to_string(), Value::raw(value))]);
    Some(vec![yaml::insert_entry(text, step_map, None, "with", &v)?])
}

/// The lines (1-based, inclusive) of the step (the innermost mapping with `uses` or
/// `run`) holding `offset`.
pub fn step_lines(doc: &Document, offset: usize) -> Option<(usize, usize)> {
    let mut best: Option<pipewise_yaml::Span> = None;
    doc.root.walk(&mut |n| {
        let is_step = n.get("uses").is_some() || n.get("run").is_some();
        if is_step
            && n.span.start <= offset
            && offset <= n.span.end
            && best.is_none_or(|b| n.span.len() < b.len())
        {
            best = Some(n.span);
        }
    });
    let b = best?;
    Some((doc.position(b.start).line, doc.position(b.end).line))
}

type PlanFn = fn(&Site) -> Option<Plan>;

/// A kind of fix and the rule whose findings it fixes.
pub struct Fixer {
    pub rule: &'static str,
    pub name: &'static str,
    pub plan: PlanFn,
}

/// Every fixer, by rule.
pub fn fixers() -> &'static [Fixer] {
    static ALL: &[Fixer] = &[
        Fixer {
            rule: "security/persisted-credentials",
            name: "persist-credentials: false",
            plan: persist_credentials::plan,
        },
        Fixer {
            rule: "reliability/missing-timeout",
            name: "timeout-minutes by job kind",
            plan: timeout::plan,
        },
        Fixer {
            rule: "reliability/missing-concurrency",
            name: "concurrency group",
            plan: concurrency::plan,
        },
        Fixer {
            rule: "reliability/continue-on-error-gate",
            name: "remove continue-on-error: true",
            plan: continue_on_error::plan,
        },
        Fixer {
            rule: "reliability/masked-failure",
            name: "remove || true / || echo",
            plan: masked_failure::plan,
        },
        Fixer {
            rule: "security/missing-permissions",
            name: "least-privilege permissions",
            plan: permissions::plan,
        },
        Fixer {
            rule: "security/unpinned-action",
            name: "pin to a full SHA",
            plan: pin_action::plan,
        },
        Fixer {
            rule: "quality/non-failing-scanner",
            name: "scanner fails the build",
            plan: scanner::plan,
        },
        Fixer {
            rule: "security/template-injection",
            name: "expression through env:",
            plan: template_injection::plan,
        },
        Fixer {
            rule: "reliability/toolchain-drift",
            name: "version from the pin file",
            plan: toolchain::plan,
        },
        Fixer {
            rule: "container/apt-get-install",
            name: "--no-install-recommends",
            plan: dockerfile::apt_plan,
        },
        Fixer {
            rule: "container/root-user",
            name: "USER",
            plan: dockerfile::user_plan,
        },
        Fixer {
            rule: "reliability/unlocked-action",
            name: "record the action in actions.lock",
            plan: unlocked_action::plan,
        },
        Fixer {
            rule: "reliability/interactive-command",
            name: "CI guard around the prompt",
            plan: interactive_prompt::plan,
        },
    ];
    ALL
}

pub fn fixer_for(rule: &str) -> Option<&'static Fixer> {
    fixers().iter().find(|f| f.rule == rule)
}

/// What `fix` should do.
pub struct FixOptions<'r> {
    /// Only these rules (all when empty).
    pub rules: Vec<String>,
    pub min_severity: Severity,
    /// Apply unsafe fixes too.
    pub allow_unsafe: bool,
    /// Resolves tags to SHAs beyond the offline table (`--online`).
    pub resolver: Option<&'r dyn ShaResolver>,
    /// Only the findings of this file at this line (an editor's code action).
    pub only: Option<(String, usize)>,
}

impl Default for FixOptions<'_> {
    fn default() -> Self {
        FixOptions {
            rules: vec![],
            min_severity: Severity::Info,
            allow_unsafe: false,
            resolver: None,
            only: None,
        }
    }
}

/// What happened to one finding's fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "reason", rename_all = "kebab-case")]
pub enum Outcome {
    Applied,
    /// Applied, then undone: the reason says what the re-audit saw.
    RolledBack(String),
    /// An unsafe fix, not applied without `--unsafe`.
    NeedsUnsafe,
    /// The fixer found nothing it could edit safely here.
    NotApplicable,
}

#[derive(Debug, Clone, Serialize)]
pub struct FixRecord {
    pub rule: String,
    pub file: String,
    pub line: usize,
    pub message: String,
    pub description: String,
    pub safety: Option<Safety>,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The edits of an applied fix, on the files as they were just before it.
    #[serde(skip)]
    pub edits: Vec<(String, Edit)>,
    /// Fixes applied together in one re-audit share a batch number (their edits
    /// are all on the same text).
    #[serde(skip)]
    pub batch: usize,
}

/// A file the fixes changed.
#[derive(Debug, Clone)]
pub struct ChangedFile {
    pub path: String,
    pub before: String,
    pub after: String,
}

/// The result of fixing one repository.
pub struct FixRun {
    /// The repository root the paths are relative to.
    pub root: std::path::PathBuf,
    pub records: Vec<FixRecord>,
    pub changed: Vec<ChangedFile>,
    pub before: RepoReport,
    pub after: RepoReport,
}

impl FixRun {
    pub fn applied(&self) -> usize {
        self.records
            .iter()
            .filter(|r| r.outcome == Outcome::Applied)
            .count()
    }
    /// The unified diff of every changed file.
    pub fn diff(&self) -> String {
        self.changed
            .iter()
            .map(|c| diff::unified(&c.path, &c.before, &c.after))
            .collect()
    }
}

/// Loads and fixes the repository (or single file) at `path`.
pub fn fix_path(path: &Path, config: Option<&Config>, opts: &FixOptions) -> Result<FixRun, String> {
    let display = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| format!("{display}: {e}"))?;
    let (root, single) = if meta.is_dir() {
        (path.to_path_buf(), None)
    } else {
        (
            crate::discover::root_for_file(path),
            Some(path.to_path_buf()),
        )
    };
    let owned;
    let config = match config {
        Some(c) => c,
        None => {
            owned = Config::discover(&root)
                .map_err(|e| format!("{}:{}: {}", e.file, e.line, e.message))?;
            &owned
        }
    };
    let mut repo = match &single {
        None => Repo::load(&root, &display),
        Some(f) => Repo::load_file(&root, f, &display),
    };
    if !config.ignore.is_empty() {
        repo.files.retain(|f| !config.is_ignored(&f.path));
    }
    Ok(fix_repo(repo, config, opts))
}

type Key = (String, String, Option<String>, Option<String>, String);

fn key(f: &ReportFinding) -> Key {
    (
        f.rule.clone(),
        f.file.clone(),
        f.job.clone(),
        f.step.clone(),
        f.message.clone(),
    )
}

/// A key with the plan's renames applied, in the files the plan edits only.
fn renamed(k: &Key, line: usize, plans: &[&Plan]) -> Key {
    let Some(plan) = plans.iter().find(|p| {
        !p.renames.is_empty()
            && p.edits.iter().any(|(f, _)| *f == k.1)
            && p.rename_lines.is_none_or(|(a, b)| a <= line && line <= b)
    }) else {
        return k.clone();
    };
    let r = |s: &str| {
        plan.renames.iter().fold(s.to_string(), |acc, (old, new)| {
            acc.replace(old.as_str(), new)
        })
    };
    (
        k.0.clone(),
        k.1.clone(),
        k.2.as_deref().map(r),
        k.3.as_deref().map(r),
        r(&k.4),
    )
}

/// Findings by key; with `coarse`, by rule, file, job and step only (a fix may
/// reword another finding of the same step, e.g. `@v4` becomes "pinned at v4.2.2").
fn counts(report: &RepoReport, plans: &[&Plan], coarse: bool) -> HashMap<Key, usize> {
    let mut m = HashMap::new();
    for f in &report.findings {
        let mut k = renamed(&key(f), f.line, plans);
        if coarse {
            k.4.clear();
        }
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

/// Byte offset of a finding's 1-based line and (character) column.
fn offset_of(file: &SourceFile, line: usize, column: usize) -> usize {
    let Some(start) = file.line_start(line.max(1)) else {
        return 0;
    };
    let text = file.text();
    let rest = text.get(start..).unwrap_or("");
    let within: usize = rest
        .chars()
        .take(column.saturating_sub(1))
        .take_while(|&c| c != '\n')
        .map(char::len_utf8)
        .sum();
    start + within
}

/// Replaces a loaded file's text, re-parsing it; returns the previous text.
fn set_text(repo: &mut Repo, path: &str, text: String) -> Option<String> {
    let i = repo.files.iter().position(|f| f.path == path)?;
    let kind = repo.files[i].kind;
    let (file, errors) = SourceFile::from_text(path.to_string(), kind, text);
    let old = std::mem::replace(&mut repo.files[i], Arc::new(file));
    repo.errors.retain(|e| e.file != path);
    repo.errors.extend(errors);
    Some(old.text().to_string())
}

/// Applies edits to a text (back to front); `None` if they overlap or do not fall
/// on character boundaries.
pub fn apply_edits(text: &str, edits: &[&Edit]) -> Option<String> {
    let mut sorted: Vec<&Edit> = edits.to_vec();
    sorted.sort_by_key(|e| (e.start, e.end));
    for w in sorted.windows(2) {
        if w[0].end > w[1].start {
            return None;
        }
    }
    let mut out = text.to_string();
    for e in sorted.iter().rev() {
        if e.start > e.end
            || e.end > out.len()
            || !out.is_char_boundary(e.start)
            || !out.is_char_boundary(e.end)
        {
            return None;
        }
        out.replace_range(e.start..e.end, &e.text);
    }
    Some(out)
}

fn audit(repo: &Repo, config: &Config) -> RepoReport {
    crate::audit::audit_repo(repo, config)
}

/// The fix loop: one plan at a time, each proven by a re-audit.
pub fn fix_repo(mut repo: Repo, config: &Config, opts: &FixOptions) -> FixRun {
    let mut originals: BTreeMap<String, String> = repo
        .files
        .iter()
        .map(|f| (f.path.clone(), f.text().to_string()))
        .collect();
    let before = audit(&repo, config);
    let mut report = before.clone();
    let mut records = vec![];
    // Findings whose fix was tried and not kept, by key (how many of that key).
    let mut tried: HashMap<Key, usize> = HashMap::new();
    // Bounded: every iteration either applies a fix or marks a finding as tried.
    let budget = before.findings.len() * 4 + 16;
    // How many independent fixes to try in one re-audit: halved when a batch is not
    // kept (down to one at a time, which finds the fix at fault), doubled when it is.
    let mut limit = usize::MAX;
    let mut batches = 0;
    for _ in 0..budget {
        let cands = candidates(&report, &tried, opts);
        if cands.is_empty() {
            break;
        }
        let mut ready: Vec<(ReportFinding, Plan, FixRecord)> = vec![];
        for (finding, fixer) in cands {
            load_called_script(&mut repo, &mut originals, &finding.file);
            let k = key(&finding);
            let mut record = FixRecord {
                rule: finding.rule.clone(),
                file: finding.file.clone(),
                line: finding.line,
                message: finding.message.clone(),
                description: fixer.name.to_string(),
                safety: None,
                outcome: Outcome::NotApplicable,
                edits: vec![],
                batch: 0,
            };
            let plan = repo.file(&finding.file).and_then(|file| {
                let site = Site {
                    repo: &repo,
                    file,
                    finding: &finding,
                    offset: offset_of(file, finding.line, finding.column),
                    end: offset_of(file, finding.end_line, finding.end_column),
                    resolver: opts.resolver,
                };
                (fixer.plan)(&site)
            });
            let Some(plan) = plan else {
                *tried.entry(k).or_insert(0) += 1;
                records.push(record);
                continue;
            };
            record.description = plan.description.clone();
            record.safety = Some(plan.safety);
            if plan.safety == Safety::Unsafe && !opts.allow_unsafe {
                record.outcome = Outcome::NeedsUnsafe;
                *tried.entry(k).or_insert(0) += 1;
                records.push(record);
                continue;
            }
            ready.push((finding, plan, record));
            if ready.len() >= limit {
                break;
            }
        }
        if ready.is_empty() {
            continue;
        }
        if limit > 1 && ready.len() > 1 {
            let mut batch = independent(&ready);
            batch.truncate(limit);
            if batch.len() > 1 {
                let plans: Vec<&Plan> = batch.iter().map(|&i| &ready[i].1).collect();
                let targets: Vec<&ReportFinding> = batch.iter().map(|&i| &ready[i].0).collect();
                match try_batch(&mut repo, config, &report, &targets, &plans) {
                    Ok(new_report) => {
                        report = new_report;
                        limit = limit.saturating_mul(2);
                        batches += 1;
                        for i in batch {
                            let (_, plan, mut record) = ready[i].clone();
                            record.batch = batches;
                            record.outcome = Outcome::Applied;
                            record.edits = plan.edits;
                            records.push(record);
                        }
                        continue;
                    }
                    Err(why) => {
                        if std::env::var_os("PIPEWISE_FIX_DEBUG").is_some() {
                            eprintln!("batch of {} fixes not kept: {why}", plans.len());
                        }
                        limit = (plans.len() / 2).max(1);
                        continue;
                    }
                }
            }
        }
        let (finding, plan, mut record) = ready.swap_remove(0);
        match try_plan(&mut repo, config, &report, &finding, &plan) {
            Ok(new_report) => {
                report = new_report;
                batches += 1;
                record.batch = batches;
                record.outcome = Outcome::Applied;
                record.edits = plan.edits.clone();
            }
            Err(reason) => {
                record.outcome = Outcome::RolledBack(reason);
                *tried.entry(key(&finding)).or_insert(0) += 1;
            }
        }
        records.push(record);
    }
    let changed = repo
        .files
        .iter()
        .filter_map(|f| {
            let before = originals.get(&f.path)?;
            (before != f.text()).then(|| ChangedFile {
                path: f.path.clone(),
                before: before.clone(),
                after: f.text().to_string(),
            })
        })
        .collect();
    FixRun {
        root: repo.root.clone(),
        records,
        changed,
        before,
        after: report,
    }
}

/// Loads a script a step calls (findings point into it, but the audit reads it from
/// disk each time) as a file of the repository, so that a fix can edit it and the
/// re-audit reads the edited text (`Repo::load_scripts` prefers a loaded script).
fn load_called_script(repo: &mut Repo, originals: &mut BTreeMap<String, String>, path: &str) {
    if repo.file(path).is_some() || path.is_empty() || crate::repo::normalize(path) != path {
        return;
    }
    let Ok(text) = crate::source::read_text(&repo.root, &repo.root.join(path), path) else {
        return;
    };
    let (file, _) = SourceFile::from_text(path.to_string(), FileKind::Script, text.clone());
    let at = repo.files.partition_point(|f| f.path.as_str() < path);
    repo.files.insert(at, Arc::new(file));
    originals.insert(path.to_string(), text);
}

/// The renames of the script lines that edits inside `start..end` (a `run:`
/// scalar, or a whole script) change: each line clipped to the script (a plain
/// scalar on a `- run: ` line starts after `run: `), old text → the text with every
/// edit of that line applied. A step without a name is labelled by its script's
/// first line, so its other findings are matched under the edited line.
pub fn script_line_renames(
    text: &str,
    start: usize,
    end: usize,
    edits: &[Edit],
) -> Vec<(String, String)> {
    let mut inside: Vec<&Edit> = edits
        .iter()
        .filter(|e| e.start >= start && e.end <= end)
        .collect();
    inside.sort_by_key(|e| e.start);
    let mut out = vec![];
    let mut i = 0;
    while i < inside.len() {
        let first = inside[i];
        let ls = text[..first.start]
            .rfind('\n')
            .map_or(0, |n| n + 1)
            .max(start);
        let le = text[first.end..]
            .find('\n')
            .map_or(text.len(), |n| first.end + n)
            .min(end);
        let mut j = i;
        while j < inside.len() && inside[j].end <= le {
            j += 1;
        }
        let Some(old) = text.get(ls..le) else {
            break;
        };
        let shifted: Vec<Edit> = inside[i..j]
            .iter()
            .map(|e| Edit::replace(e.start - ls, e.end - ls, e.text.clone()))
            .collect();
        if let Some(new) = apply_edits(old, &shifted.iter().collect::<Vec<_>>()) {
            // A line that became several is labelled by the first.
            let first = new.trim().lines().next().unwrap_or("").trim();
            out.extend(label_renames(old.trim(), first));
        }
        i = j.max(i + 1);
    }
    out
}

/// The span of the `run:` script holding the site (the whole text outside a
/// workflow step).
pub fn script_span(site: &Site) -> (usize, usize) {
    let whole = (0, site.text().len());
    let Some(wf) = site.workflow() else {
        return whole;
    };
    let run = site_job(&wf, site)
        .and_then(|j| site_step(j, site))
        .and_then(|s| s.run.as_ref())
        .map(|r| (r.node.span.start, r.node.span.end.min(site.text().len())));
    run.unwrap_or(whole)
}

/// Renames for a step label: the whole line, and the label's 60-character cut.
pub fn label_renames(old: &str, new: &str) -> Vec<(String, String)> {
    let mut out = vec![(old.to_string(), new.to_string())];
    let cut = |s: &str| -> String { s.chars().take(60).collect::<String>() + "…" };
    if old.chars().count() > 60 {
        out.push((
            cut(old),
            if new.chars().count() > 60 {
                cut(new)
            } else {
                new.to_string()
            },
        ));
    }
    out
}

/// An error of `after` that `before` did not have (by file and message: an edit
/// above it moves its line).
fn new_error<'e>(
    before: &[crate::report::ReportError],
    after: &'e [crate::report::ReportError],
) -> Option<&'e crate::report::ReportError> {
    let mut had: HashMap<(&str, &str), usize> = HashMap::new();
    for e in before {
        *had.entry((&e.file, &e.message)).or_insert(0) += 1;
    }
    after.iter().find(|e| {
        let n = had.entry((&e.file, &e.message)).or_insert(0);
        if *n == 0 {
            return true;
        }
        *n -= 1;
        false
    })
}

/// Every finding a fixer may fix now, in report order.
fn candidates(
    report: &RepoReport,
    tried: &HashMap<Key, usize>,
    opts: &FixOptions,
) -> Vec<(ReportFinding, &'static Fixer)> {
    let mut seen: HashMap<Key, usize> = HashMap::new();
    let mut out = vec![];
    for f in &report.findings {
        let k = key(f);
        let n = seen.entry(k.clone()).or_insert(0);
        *n += 1;
        if *n <= tried.get(&k).copied().unwrap_or(0) {
            continue;
        }
        if f.severity < opts.min_severity
            || (!opts.rules.is_empty() && !opts.rules.contains(&f.rule))
            || opts
                .only
                .as_ref()
                .is_some_and(|(file, line)| f.file != *file || f.line != *line)
        {
            continue;
        }
        if let Some(fixer) = fixer_for(&f.rule) {
            out.push((f.clone(), fixer));
        }
    }
    out
}

/// Plans that can be applied together: no renames, and no two edits of one file at
/// the same or overlapping bytes (two keys inserted at one place could collide).
fn independent(ready: &[(ReportFinding, Plan, FixRecord)]) -> Vec<usize> {
    let mut taken: Vec<(&str, usize, usize)> = vec![];
    let mut out = vec![];
    for (i, (_, plan, _)) in ready.iter().enumerate() {
        // Renames over the whole file could match another plan's findings.
        if !plan.renames.is_empty() && plan.rename_lines.is_none() {
            continue;
        }
        // Two renaming plans must not share lines.
        let overlaps = |p: &Plan| {
            matches!((plan.rename_lines, p.rename_lines), (Some((a, b)), Some((c, d))) if a <= d && c <= b)
                && p.edits.first().map(|e| &e.0) == plan.edits.first().map(|e| &e.0)
        };
        if out.iter().any(|&j: &usize| overlaps(&ready[j].1)) {
            continue;
        }
        let clash = plan.edits.iter().any(|(f, e)| {
            taken
                .iter()
                .any(|(tf, s, t)| tf == f && e.start <= *t && *s <= e.end)
        });
        if clash {
            continue;
        }
        taken.extend(plan.edits.iter().map(|(f, e)| (f.as_str(), e.start, e.end)));
        out.push(i);
    }
    out
}

/// Applies several plans at once and re-audits: every target must go and nothing
/// may appear; on failure the files are restored.
fn try_batch(
    repo: &mut Repo,
    config: &Config,
    report: &RepoReport,
    targets: &[&ReportFinding],
    plans: &[&Plan],
) -> Result<RepoReport, String> {
    let mut by_file: BTreeMap<&str, Vec<&Edit>> = BTreeMap::new();
    for plan in plans {
        for (f, e) in &plan.edits {
            by_file.entry(f.as_str()).or_default().push(e);
        }
    }
    let old = apply_in_memory(repo, &by_file)?;
    let after = audit(repo, config);
    let mut verdict = Ok(());
    if let Some(e) = new_error(&report.errors, &after.errors) {
        verdict = Err(format!("{}:{}: {}", e.file, e.line, e.message));
    }
    let (b, a) = (counts(report, plans, false), counts(&after, &[], false));
    let mut wanted: HashMap<Key, usize> = HashMap::new();
    for t in targets {
        *wanted.entry(renamed(&key(t), t.line, plans)).or_insert(0) += 1;
    }
    for (k, n) in &wanted {
        let (was, now) = (
            b.get(k).copied().unwrap_or(0),
            a.get(k).copied().unwrap_or(0),
        );
        if now + n > was {
            verdict = Err(format!("{} is still reported", k.0));
        }
    }
    let (b, a) = (counts(report, plans, true), counts(&after, &[], true));
    if a.iter().any(|(k, n)| *n > b.get(k).copied().unwrap_or(0)) {
        verdict = Err("a finding appeared".into());
    }
    if verdict.is_err() {
        for (path, text) in old {
            set_text(repo, &path, text);
        }
    }
    verdict.map(|()| after)
}

/// Applies edits to the loaded files; returns the previous texts.
fn apply_in_memory(
    repo: &mut Repo,
    by_file: &BTreeMap<&str, Vec<&Edit>>,
) -> Result<Vec<(String, String)>, String> {
    if by_file.is_empty() {
        return Err("the fix has no edits".into());
    }
    let mut new_texts = vec![];
    for (path, edits) in by_file {
        let file = repo
            .file(path)
            .ok_or_else(|| format!("{path} is not a loaded file"))?;
        let text = apply_edits(file.text(), edits)
            .ok_or_else(|| "the edits overlap or fall inside a character".to_string())?;
        new_texts.push((path.to_string(), text));
    }
    let mut old_texts = vec![];
    for (path, text) in new_texts {
        if let Some(old) = set_text(repo, &path, text) {
            old_texts.push((path, old));
        }
    }
    Ok(old_texts)
}

/// Applies a plan in memory and re-audits; on failure restores the files.
fn try_plan(
    repo: &mut Repo,
    config: &Config,
    report: &RepoReport,
    target: &ReportFinding,
    plan: &Plan,
) -> Result<RepoReport, String> {
    let mut by_file: BTreeMap<&str, Vec<&Edit>> = BTreeMap::new();
    for (f, e) in &plan.edits {
        by_file.entry(f.as_str()).or_default().push(e);
    }
    let errors_before: Vec<_> = report.errors.clone();
    let old_texts = apply_in_memory(repo, &by_file)?;
    let after = audit(repo, config);
    let verdict = verify(report, &after, &errors_before, target, plan);
    if verdict.is_err() {
        for (path, old) in old_texts {
            set_text(repo, &path, old);
        }
    }
    verdict.map(|()| after)
}

fn verify(
    before: &RepoReport,
    after: &RepoReport,
    errors_before: &[crate::report::ReportError],
    target: &ReportFinding,
    plan: &Plan,
) -> Result<(), String> {
    if let Some(e) = new_error(errors_before, &after.errors) {
        return Err(format!(
            "the fixed file does not load: {}:{}: {}",
            e.file, e.line, e.message
        ));
    }
    let b = counts(before, &[plan], false);
    let a = counts(after, &[], false);
    let tk = renamed(&key(target), target.line, &[plan]);
    if a.get(&tk).copied().unwrap_or(0) >= b.get(&tk).copied().unwrap_or(0) {
        return Err("the finding is still reported after the fix".into());
    }
    let b = counts(before, &[plan], true);
    let a = counts(after, &[], true);
    let mut new: Vec<&Key> = a
        .iter()
        .filter(|(k, n)| **n > b.get(*k).copied().unwrap_or(0))
        .map(|(k, _)| k)
        .collect();
    new.sort();
    if let Some(k) = new.first() {
        let example = after
            .findings
            .iter()
            .find(|f| f.rule == k.0 && f.file == k.1 && f.job == k.2 && f.step == k.3)
            .map_or("", |f| f.message.as_str());
        return Err(format!(
            "the fix adds a finding: {} in {}: {example}",
            k.0, k.1
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// The reports print `pipewise fix --rule RULE` for the rules of
    /// `rules::AUTO_FIX`: that list is exactly the rules with a fixer.
    #[test]
    fn fixers_are_the_rules_auto_fix_list() {
        let mut fixers: Vec<&str> = super::fixers().iter().map(|f| f.rule).collect();
        fixers.sort_unstable();
        let listed: Vec<&str> = crate::rules::AUTO_FIX.iter().map(|(r, _)| *r).collect();
        assert_eq!(
            fixers, listed,
            "rules::AUTO_FIX (sorted) must list every fixer's rule"
        );
        for r in listed {
            assert!(crate::rules::by_id(r).is_some(), "{r} is not a rule");
            assert!(crate::rules::auto_fix(r).is_some(), "{r}: lookup");
        }
        assert!(crate::rules::auto_fix("security/no-such-rule").is_none());
    }
}
