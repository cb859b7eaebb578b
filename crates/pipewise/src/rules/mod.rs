//! The rule framework: what a rule is ([`Rule`], [`RuleMeta`]), the hooks the engine
//! calls (workflow → job → step, actions, other files, whole repository), the
//! context rules report through ([`Ctx`]), and the registry of every rule.
//!
//! A rule lives in `rules/<group>/<name>.rs` (its id is `<group>/<name>`) when it runs
//! on every platform, in `rules/github/<group>/<name>.rs` when it is GitHub-only (its
//! id keeps the group), and in `rules/gitlab/<name>.rs` (id `gitlab/<name>`) when it
//! is GitLab-only; it carries its documentation in its [`RuleMeta`], and is listed
//! once in its group's `RULES`.

pub mod container;
pub mod deployment;
pub mod github;
pub mod gitlab;
pub mod quality;
pub mod reliability;
pub mod security;
pub mod ships;

use crate::economics::table::Table as EconomicsTable;
use crate::facts::Facts;
use crate::finding::{Confidence, Finding, Fix, Related, Severity, Span};
use crate::repo::{Repo, ScriptFile, Scripts};
use crate::source::SourceFile;
use crate::workflow::{Action, Job, Platform, Step, Workflow};
use pipewise_yaml::Document;
use std::collections::BTreeMap;

/// Per-rule options (`[options."rule"]` in `pipewise.toml`): rule id → table.
pub type RuleOptions = BTreeMap<String, toml::Table>;

pub use pipewise_report::rule::{FixMeta, RuleMeta, Rules};

/// Where a step lives: in a workflow job or in a composite action.
pub struct StepSite<'v, 'a> {
    pub path: &'a str,
    pub doc: &'a Document,
    pub workflow: Option<&'v Workflow<'a>>,
    pub job: Option<&'v Job<'a>>,
    pub action: Option<&'v Action<'a>>,
    pub step: &'v Step<'a>,
}

impl<'v, 'a> StepSite<'v, 'a> {
    /// A step of a workflow job.
    pub fn of_job(wf: &'v Workflow<'a>, job: &'v Job<'a>, step: &'v Step<'a>) -> Self {
        StepSite {
            path: wf.path,
            doc: wf.doc,
            workflow: Some(wf),
            job: Some(job),
            action: None,
            step,
        }
    }

    /// A step of a composite action.
    pub fn of_action(a: &'v Action<'a>, step: &'v Step<'a>) -> Self {
        StepSite {
            path: a.path,
            doc: a.doc,
            workflow: None,
            job: None,
            action: Some(a),
            step,
        }
    }
}

impl StepSite<'_, '_> {
    pub fn job_id(&self) -> Option<&str> {
        self.job.map(|j| j.id)
    }
    /// The document a [`StepScript`]'s spans are mapped through (the step's file).
    pub fn doc_for(&self, _s: &StepScript) -> &Document {
        self.doc
    }
}

/// All parsed views of one repository, for rules that look across files.
pub struct RepoView<'a> {
    pub repo: &'a Repo,
    pub workflows: Vec<Workflow<'a>>,
    pub actions: Vec<Action<'a>>,
    pub scripts: &'a Scripts,
}

/// A rule. Implement the hooks you need; the engine calls each hook for every
/// matching item, in parallel across files.
pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    /// The CI platforms whose workflows this rule's workflow, job and step hooks see
    /// (GitHub unless the rule says otherwise). Rules about scripts, containers and
    /// job structure that hold on every platform list them all; rules that read no
    /// workflow (only the `file` hook: Dockerfiles, compose files) list none, so the
    /// engine does not call their empty hooks on each workflow's jobs and steps. A
    /// GitHub-only rule lives in `rules/github/`, a GitLab-only one in `rules/gitlab/`.
    fn platforms(&self) -> &'static [Platform] {
        &[Platform::GitHub]
    }
    fn workflow(&self, _wf: &Workflow, _cx: &mut Ctx) {}
    fn job(&self, _wf: &Workflow, _job: &Job, _cx: &mut Ctx) {}
    fn step(&self, _site: &StepSite, _cx: &mut Ctx) {}
    fn action(&self, _action: &Action, _cx: &mut Ctx) {}
    /// Files that are neither workflows nor actions (Dockerfiles, compose, config).
    fn file(&self, _file: &SourceFile, _cx: &mut Ctx) {}
    fn repo(&self, _view: &RepoView, _cx: &mut Ctx) {}
}

/// What a rule reports through.
pub struct Ctx<'a> {
    pub repo: &'a Repo,
    pub scripts: &'a Scripts,
    /// Facts about the audited jobs, computed once ([`crate::facts`]): what a job
    /// ships or deploys. Rules read them here and never compute them.
    pub facts: &'a Facts,
    /// The economics model's per-workflow results, computed once
    /// ([`crate::economics::table`]): the `cost/*` rules read their savings there.
    pub economics: &'a EconomicsTable,
    options: &'a RuleOptions,
    pub findings: Vec<Finding>,
    /// Facts about a whole document ([`Ctx::doc_fact`]), by the document's address
    /// (it outlives the context) and the fact's name.
    doc_facts: Vec<(usize, &'static str, bool)>,
    /// Facts about scripts several steps run ([`Ctx::script_fact`]): each script's
    /// slot in [`Ctx::script_slots`], by the script's address (it outlives the
    /// context).
    script_index: foldhash::HashMap<usize, usize>,
    /// For each script of [`Ctx::script_index`], the facts asked about it and their
    /// answers: fact `i` of [`Ctx::fact_names`] is bit `i`, set in the first mask
    /// once asked, in the second when true (two words a script, no list to grow).
    script_slots: Vec<(u32, u32)>,
    /// The names of the facts asked in this context, by the address and length of
    /// the name (a static string: equal address and length mean the same text, so
    /// no two names can share a key); a fact's bit in [`Ctx::script_slots`] is its
    /// place here. (A dozen rules ask one or two facts each; a 33rd name would be
    /// computed each time, not kept.)
    fact_names: Vec<(usize, usize)>,
    /// The address and slot of the script asked about last: the engine runs every
    /// rule on one step before the next step, so the rules that ask about a step's
    /// script ask in a row, and only the first looks the script up.
    last_script: (usize, usize),
    /// The GitLab pipeline the audited workflow was lowered from, set by the engine
    /// for a GitLab CI file ([`Ctx::in_pipeline`]). GitLab code reaches it through
    /// `rules::gitlab::pipeline_of`; the neutral model ([`crate::workflow`]) does
    /// not name it.
    pub(crate) gitlab: Option<&'a crate::gitlab::Pipeline<'a>>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        repo: &'a Repo,
        scripts: &'a Scripts,
        facts: &'a Facts,
        economics: &'a EconomicsTable,
        options: &'a RuleOptions,
    ) -> Self {
        Ctx {
            repo,
            scripts,
            facts,
            economics,
            options,
            findings: vec![],
            doc_facts: vec![],
            script_index: Default::default(),
            script_slots: vec![],
            fact_names: vec![],
            last_script: (0, 0),
            gitlab: None,
        }
    }

    /// This context audits a workflow lowered from GitLab pipeline `p` (`None`: not
    /// a GitLab CI file).
    pub fn in_pipeline(mut self, p: Option<&'a crate::gitlab::Pipeline<'a>>) -> Self {
        self.gitlab = p;
        self
    }

    /// A fact named `fact` about the script `ss`, computed by `f`; for a script
    /// several steps run (a GitLab line that a template or `default:` gives many
    /// jobs, a script file many steps call), computed once in this context.
    pub fn script_fact(
        &mut self,
        ss: &StepScript,
        fact: &'static str,
        f: impl FnOnce(&crate::shell::Script) -> bool,
    ) -> bool {
        if !ss.shared() {
            return f(ss.script);
        }
        self.shared_fact(
            std::ptr::from_ref(ss.script) as usize,
            fact,
            || f(ss.script),
        )
    }

    /// A fact named `fact` about a step's own `run:` block (its text and its parse),
    /// computed by `f`; for a script several steps share (a GitLab line that a
    /// template or `default:` gives many jobs: one `Arc`, parsed from one text),
    /// computed once in this context. The same cells as [`Ctx::script_fact`]'s: the
    /// facts of a script are one list, whichever way they are asked.
    pub fn run_fact(
        &mut self,
        run: &crate::workflow::Run,
        fact: &'static str,
        f: impl FnOnce(&crate::workflow::Run) -> bool,
    ) -> bool {
        match &run.script {
            Some(s) if std::sync::Arc::strong_count(s) > 1 => {
                self.shared_fact(std::sync::Arc::as_ptr(s) as usize, fact, || f(run))
            }
            _ => f(run),
        }
    }

    /// The fact `fact` of the shared script at address `key`, `f`'s the first time.
    fn shared_fact(&mut self, key: usize, fact: &'static str, f: impl FnOnce() -> bool) -> bool {
        let slot = if self.last_script.0 == key {
            self.last_script.1
        } else {
            let next = self.script_slots.len();
            let slot = *self.script_index.entry(key).or_insert(next);
            if slot == next {
                self.script_slots.push((0, 0));
            }
            self.last_script = (key, slot);
            slot
        };
        let name = (fact.as_ptr() as usize, fact.len());
        let bit = match self.fact_names.iter().position(|n| *n == name) {
            Some(i) => i,
            None if self.fact_names.len() < 32 => {
                self.fact_names.push(name);
                self.fact_names.len() - 1
            }
            None => return f(),
        };
        let mask = 1u32 << bit;
        let Some((asked, answers)) = self.script_slots.get_mut(slot) else {
            return f();
        };
        if *asked & mask != 0 {
            return *answers & mask != 0;
        }
        let v = f();
        *asked |= mask;
        if v {
            *answers |= mask;
        }
        v
    }

    /// A fact named `fact` about document `doc`, computed by `f` the first time it is
    /// asked in this context: a search of a whole file that every step of it would
    /// otherwise repeat. (A context covers one workflow and the few files it
    /// includes: the list stays short.)
    pub fn doc_fact(
        &mut self,
        doc: &Document,
        fact: &'static str,
        f: impl FnOnce() -> bool,
    ) -> bool {
        let key = std::ptr::from_ref(doc) as usize;
        if let Some((_, _, v)) = self
            .doc_facts
            .iter()
            .find(|(d, n, _)| *d == key && *n == fact)
        {
            return *v;
        }
        let v = f();
        self.doc_facts.push((key, fact, v));
        v
    }

    /// Records a finding with the rule's defaults; adjust it through the returned builder.
    pub fn report(
        &mut self,
        meta: &'static RuleMeta,
        file: &str,
        span: Span,
        message: impl Into<String>,
    ) -> FindingBuilder<'_> {
        self.findings.push(Finding {
            rule: meta.id,
            severity: meta.severity,
            confidence: meta.confidence,
            file: file.to_string(),
            span,
            job: None,
            step: None,
            message: message.into(),
            title: None,
            impact: None,
            fix: None,
            related: vec![],
        });
        let idx = self.findings.len() - 1;
        FindingBuilder {
            finding: &mut self.findings[idx],
        }
    }

    /// A string option for rule `id` from `pipewise.toml`.
    pub fn option_str(&self, id: &str, key: &str) -> Option<&'a str> {
        self.options.get(id)?.get(key)?.as_str()
    }

    /// Any option value for rule `id` from `pipewise.toml` (booleans, numbers, lists).
    pub fn option_value(&self, id: &str, key: &str) -> Option<&'a toml::Value> {
        self.options.get(id)?.get(key)
    }

    /// A script file called from a step, by repository path.
    pub fn script(&self, path: &str) -> Option<&'a ScriptFile> {
        self.scripts.get(path)
    }
}

/// Adjusts a just-recorded finding.
pub struct FindingBuilder<'f> {
    finding: &'f mut Finding,
}

impl FindingBuilder<'_> {
    pub fn severity(self, s: Severity) -> Self {
        self.finding.severity = s;
        self
    }
    pub fn confidence(self, c: Confidence) -> Self {
        self.finding.confidence = c;
        self
    }
    pub fn job(self, job: Option<&str>) -> Self {
        self.finding.job = job.map(str::to_string);
        self
    }
    pub fn step(self, step: Option<String>) -> Self {
        self.finding.step = step;
        self
    }
    /// Job and step from a step site.
    pub fn site(self, site: &StepSite) -> Self {
        self.job(site.job_id()).step(Some(site.step.label()))
    }
    pub fn title(self, t: impl Into<String>) -> Self {
        self.finding.title = Some(t.into());
        self
    }
    pub fn impact(self, t: impl Into<String>) -> Self {
        self.finding.impact = Some(t.into());
        self
    }
    pub fn fix(
        self,
        description: impl Into<String>,
        snippet: impl Into<String>,
        effort_minutes: u32,
    ) -> Self {
        self.finding.fix = Some(Fix {
            description: description.into(),
            snippet: snippet.into(),
            effort_minutes,
        });
        self
    }
    pub fn related(self, file: &str, span: Span, note: impl Into<String>) -> Self {
        self.finding.related.push(Related {
            file: file.to_string(),
            span,
            note: note.into(),
        });
        self
    }
}

/// Every rule, in id order.
pub fn all() -> Vec<&'static dyn Rule> {
    sorted().to_vec()
}

/// Every rule, sorted by id, built once.
fn sorted() -> &'static [&'static dyn Rule] {
    static ALL: std::sync::OnceLock<Vec<&'static dyn Rule>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<&'static dyn Rule> = [
            container::RULES,
            deployment::RULES,
            gitlab::RULES,
            quality::RULES,
            reliability::RULES,
            security::RULES,
        ]
        .iter()
        .chain(github::GROUPS)
        .flat_map(|g| g.iter().copied())
        .collect();
        v.sort_by_key(|r| r.meta().id);
        v
    })
}

/// Whether `pipewise fix` applies a rule's automatic fix by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoFix {
    /// Every fix of the rule is safe (applied by default).
    Safe,
    /// Every fix of the rule is unsafe (applied with `--unsafe`).
    Unsafe,
    /// Safe or unsafe depending on the finding (`docs/fix.md` says when).
    Mixed,
}

/// The rules `pipewise fix` has a fixer for, sorted by id. The fix engine
/// (`fix::fixers`) and the reports' bulk-fix command both read this list: a test of
/// `fix` checks that its fixers are exactly these rules, and `tests/fix.rs` that every
/// applied fix has the safety declared here.
pub const AUTO_FIX: &[(&str, AutoFix)] = &[
    ("container/apt-get-install", AutoFix::Mixed),
    ("container/root-user", AutoFix::Unsafe),
    ("quality/non-failing-scanner", AutoFix::Unsafe),
    ("reliability/continue-on-error-gate", AutoFix::Unsafe),
    ("reliability/interactive-command", AutoFix::Unsafe),
    ("reliability/masked-failure", AutoFix::Unsafe),
    ("reliability/missing-concurrency", AutoFix::Safe),
    ("reliability/missing-timeout", AutoFix::Unsafe),
    ("reliability/toolchain-drift", AutoFix::Unsafe),
    ("reliability/unlocked-action", AutoFix::Unsafe),
    ("security/missing-permissions", AutoFix::Unsafe),
    ("security/persisted-credentials", AutoFix::Mixed),
    ("security/template-injection", AutoFix::Mixed),
    ("security/unpinned-action", AutoFix::Mixed),
];

/// How `pipewise fix` applies the fixes of this rule, when it has a fixer.
pub fn auto_fix(id: &str) -> Option<AutoFix> {
    AUTO_FIX
        .binary_search_by(|(r, _)| r.cmp(&id))
        .ok()
        .and_then(|i| AUTO_FIX.get(i))
        .map(|(_, a)| *a)
}

/// The command that applies every fix of this rule at once, when `pipewise fix` has
/// a fixer for it: `--unsafe` when some of its fixes may change what the pipeline
/// does (the command prints what it changed; `--diff` previews it).
pub fn fix_command(id: &str) -> Option<String> {
    auto_fix(id).map(|a| match a {
        AutoFix::Safe => format!("pipewise fix --rule {id}"),
        AutoFix::Unsafe | AutoFix::Mixed => format!("pipewise fix --unsafe --rule {id}"),
    })
}

/// The rule with this id.
/// Every rule's metadata, sorted by id, as the report data carries it (renderers
/// read rule metadata from there, never from this registry).
pub fn table() -> Rules {
    static METAS: std::sync::OnceLock<Vec<&'static RuleMeta>> = std::sync::OnceLock::new();
    Rules::new(METAS.get_or_init(|| sorted().iter().map(|r| r.meta()).collect()))
}

pub fn by_id(id: &str) -> Option<&'static dyn Rule> {
    let rules = sorted();
    rules
        .binary_search_by(|r| r.meta().id.cmp(id))
        .ok()
        .and_then(|i| rules.get(i).copied())
}

/// A script a step runs: its own `run:` block, or a script file reached from it.
pub struct StepScript<'s> {
    /// File the script's spans belong to.
    pub path: &'s str,
    pub script: &'s crate::shell::Script,
    /// The `run:` block, when this is the step's own script.
    pub run: Option<&'s crate::workflow::Run<'s>>,
    /// Whether the shell stops at the first error.
    pub errexit: bool,
    /// For a script file: the span in the step's file of the command that calls it
    /// (first hop), and the chain of script paths that leads to it (borrowed from
    /// the facts table's cell of the step, not copied for each rule that asks).
    pub via: Option<(Span, &'s [String])>,
}

impl StepScript<'_> {
    /// Whether other steps may run this very script: a script file, or a step's
    /// script whose `Arc` is shared.
    pub fn shared(&self) -> bool {
        match self.run {
            Some(r) => r
                .script
                .as_ref()
                .is_some_and(|a| std::sync::Arc::strong_count(a) > 1),
            None => true,
        }
    }
    /// Maps a span of the script text to a span in [`StepScript::path`].
    pub fn span(&self, doc: &Document, s: Span) -> Span {
        match self.run {
            Some(r) => r.source_span(doc, s),
            None => s,
        }
    }
}

/// The step's own script, then every script it calls, transitively (each once).
pub fn step_scripts<'s>(
    site: &'s StepSite,
    facts: &'s Facts,
    scripts: &'s Scripts,
    repo: &Repo,
) -> Vec<StepScript<'s>> {
    step_scripts_iter(site, facts, scripts, repo).collect()
}

/// [`step_scripts`], one at a time: most rules walk the list once, and a list per
/// rule and step cost an allocation 139,000 times on corpus-gitlab. Which scripts
/// the step calls is found here, once per step, into the facts table
/// ([`Facts::step_calls`]).
#[inline]
pub fn step_scripts_iter<'s>(
    site: &'s StepSite,
    facts: &'s Facts,
    scripts: &'s Scripts,
    repo: &Repo,
) -> impl Iterator<Item = StepScript<'s>> + use<'s> {
    let own = site
        .step
        .run
        .as_ref()
        .and_then(|run| Some((run, run.script.as_ref()?)));
    let Some((run, script)) = own else {
        return StepScripts {
            own: None,
            called: [].iter(),
            vias: [].iter(),
            scripts,
        };
    };
    // A script none of whose commands can run a file calls none: nothing to ask
    // (most steps; the lookup in the table is kept out of the rules' loop).
    let (called, vias) = if script.runs_no_script {
        (&[][..], &[][..])
    } else {
        step_calls(site, facts, run, script, scripts, repo)
    };
    StepScripts {
        own: Some(StepScript {
            path: site.path,
            script,
            run: Some(run),
            errexit: run.errexit(),
            via: None,
        }),
        called: called.iter(),
        vias: vias.iter(),
        scripts,
    }
}

/// What `site`'s step calls: the facts table's cell ([`Facts::step_calls`]),
/// filled the first time with what [`called_scripts`] finds.
#[inline(never)]
fn step_calls<'s>(
    site: &'s StepSite,
    facts: &'s Facts,
    run: &'s crate::workflow::Run<'s>,
    script: &std::sync::Arc<crate::shell::Script>,
    scripts: &Scripts,
    repo: &Repo,
) -> (&'s [crate::facts::CalledScript], &'s [Span]) {
    let (called, vias) = facts.step_calls(site.job, site.step, || {
        let called = called_scripts(site, facts, script, scripts, repo);
        // Where each first-hop command is in this step's file.
        let vias = called
            .scripts
            .iter()
            .map(|(_, c, _)| {
                let span = script.commands.get(*c).map_or(Span::new(0, 0), |c| c.span);
                run.source_span(site.doc, span)
            })
            .collect();
        (called, vias)
    });
    (&called.scripts, vias)
}

/// [`step_scripts_iter`]'s iterator: the step's own script, then each called script
/// that was loaded. (A walk of two slices: the `flat_map`/`chain`/`zip` adapters it
/// replaces cost about 100 instructions an item, for five rules on every step.)
struct StepScripts<'s> {
    own: Option<StepScript<'s>>,
    called: std::slice::Iter<'s, crate::facts::CalledScript>,
    vias: std::slice::Iter<'s, Span>,
    scripts: &'s Scripts,
}

impl<'s> Iterator for StepScripts<'s> {
    type Item = StepScript<'s>;

    fn next(&mut self) -> Option<StepScript<'s>> {
        if let Some(own) = self.own.take() {
            return Some(own);
        }
        loop {
            let (p, _, chain) = self.called.next()?;
            let via = self.vias.next()?;
            if let Some(sf) = self.scripts.get(p) {
                return Some(StepScript {
                    path: &sf.file.path,
                    script: &sf.script,
                    run: None,
                    // A script run as a file starts without errexit unless it sets it.
                    errexit: sf.errexit,
                    via: Some((*via, chain.as_slice())),
                });
            }
        }
    }
}

/// The scripts a step's `run:` block calls, transitively (each once, at most 64), in
/// the order [`step_scripts`] lists them: path, the index of the first-hop command,
/// and the chain of paths. Found once per script and folders: a script several
/// steps share (one `Arc<Script>`) shares its result ([`Facts::script_calls`]).
fn called_scripts(
    site: &StepSite,
    facts: &Facts,
    script: &std::sync::Arc<crate::shell::Script>,
    scripts: &Scripts,
    repo: &Repo,
) -> std::sync::Arc<crate::facts::Called> {
    let cwd = step_cwd(site);
    // In a composite action, `$GITHUB_ACTION_PATH/x.sh` is relative to its folder.
    let action_dir = site
        .action
        .map(|a| a.path.rsplit_once('/').map(|(d, _)| d).unwrap_or(""));
    facts.script_calls(script, cwd, action_dir, || {
        find_called_scripts(script, cwd, action_dir, scripts, repo)
    })
}

/// [`called_scripts`], computed.
fn find_called_scripts(
    script: &crate::shell::Script,
    cwd: &str,
    action_dir: Option<&str>,
    scripts: &Scripts,
    repo: &Repo,
) -> Vec<crate::facts::CalledScript> {
    let mut seen = std::collections::BTreeSet::new();
    let mut queue: Vec<(String, usize, Vec<String>)> = vec![];
    for (i, c) in script.commands.iter().enumerate() {
        let found = crate::repo::called_script(repo, c, cwd).or_else(|| {
            action_dir
                .filter(|d| *d != cwd)
                .and_then(|d| crate::repo::called_script(repo, c, d))
        });
        if let Some(p) = found {
            if seen.insert(p.clone()) {
                queue.push((p.clone(), i, vec![p]));
            }
        }
    }
    let mut i = 0;
    while i < queue.len() {
        let (p, via, chain) = queue[i].clone();
        i += 1;
        let Some(sf) = scripts.get(&p) else { continue };
        // (What its commands call was found when the scripts were loaded.)
        for target in &sf.callees {
            if seen.insert(target.clone()) && queue.len() < 64 {
                let mut ch = chain.clone();
                ch.push(target.clone());
                queue.push((target.clone(), via, ch));
            }
        }
    }
    queue
}

/// The step's working directory (`working-directory`, else the job's
/// `defaults.run.working-directory`), as written; "" for the repository root; a
/// composite action's folder for `${{ github.action_path }}`.
pub fn step_cwd<'a>(site: &StepSite<'_, 'a>) -> &'a str {
    let wd = site.step.cwd(site.job).unwrap_or("");
    match site.action {
        Some(a) if crate::repo::is_action_path(wd) => {
            a.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
        }
        _ => wd,
    }
}

/// Span of a whole `key: value` entry.
pub fn entry_span(e: &pipewise_yaml::Entry) -> Span {
    Span::new(e.key.span.start, e.value.span.end.max(e.key.span.end))
}

/// A command as quoted in a message: on one line (line continuations and runs of
/// whitespace become one space), cut at a word boundary to at most `max` characters
/// with ` …` when longer, never inside a word.
pub fn shorten_command(text: &str, max: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().filter(|w| *w != "\\").collect();
    let mut out = String::new();
    for w in &words {
        let w = w.strip_suffix('\\').filter(|r| !r.is_empty()).unwrap_or(w);
        let extra = usize::from(!out.is_empty()) + w.chars().count();
        if out.chars().count() + extra > max {
            if out.is_empty() {
                out = w.chars().take(max).collect();
            }
            out.push_str(" …");
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

#[cfg(test)]
mod shorten_tests {
    use super::shorten_command;

    #[test]
    fn one_line_whole_words() {
        assert_eq!(
            shorten_command("cargo test \\\n  --workspace \\\n  || true", 80),
            "cargo test --workspace || true"
        );
        assert_eq!(
            shorten_command("npm run test:unit -- --coverage", 19),
            "npm run test:unit …"
        );
        assert_eq!(shorten_command("short", 20), "short");
        assert_eq!(shorten_command("averyveryverylongword x", 6), "averyv …");
    }
}

#[cfg(test)]
mod script_fact_tests {
    use super::*;
    use crate::shell::Script;

    /// Facts about scripts several steps run, asked in a row (as the engine asks them
    /// step by step) and interleaved across scripts: each answer is its own script's,
    /// computed once per script and fact. The first and last scripts have the same
    /// text but are two scripts.
    #[test]
    fn script_facts_are_kept_per_script_whatever_the_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = Repo::load(dir.path(), ".");
        let (scripts, facts) = (Scripts::new(), Facts::none());
        let (economics, options) = (EconomicsTable::none(), RuleOptions::default());
        let mut cx = Ctx::new(&repo, &scripts, &facts, &economics, &options);
        let parsed: Vec<Script> = [
            "curl -fsSL x | sh",
            "echo hi",
            "apt-get install y",
            "curl -fsSL x | sh",
        ]
        .iter()
        .map(|t| Script::parse(t))
        .collect();
        let runs = |s: &Script, w: &str| s.commands.iter().any(|c| c.base_name() == w);
        let mut computed = 0;
        for round in 0..3 {
            for (i, s) in parsed.iter().enumerate() {
                let ss = StepScript {
                    path: "x.sh",
                    script: s,
                    run: None,
                    errexit: false,
                    via: None,
                };
                // In a row, then the other way round, then only the second fact.
                let facts: &[(&'static str, &str)] = match round {
                    0 => &[("runs curl", "curl"), ("runs echo", "echo")],
                    1 => &[("runs echo", "echo"), ("runs curl", "curl")],
                    _ => &[("runs echo", "echo")],
                };
                for &(fact, word) in facts {
                    let got = cx.script_fact(&ss, fact, |s| {
                        computed += 1;
                        runs(s, word)
                    });
                    assert_eq!(got, runs(s, word), "script {i}, {fact}, round {round}");
                }
            }
        }
        assert_eq!(computed, parsed.len() * 2, "once per script and fact");
    }

    /// A fact about a step's own `run:` block: once for the steps that share its
    /// script (one `Arc`), each time for a script of its own; in the same list as
    /// the script's facts asked through [`Ctx::script_fact`].
    #[test]
    fn run_facts_are_kept_per_shared_script() {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = Repo::load(dir.path(), ".");
        let (scripts, facts) = (Scripts::new(), Facts::none());
        let (economics, options) = (EconomicsTable::none(), RuleOptions::default());
        let mut cx = Ctx::new(&repo, &scripts, &facts, &economics, &options);
        let doc = pipewise_yaml::Document::parse("x".to_string()).expect("yaml");
        let run = |text: &'static str, script: &std::sync::Arc<Script>| crate::workflow::Run {
            node: &doc.root,
            text,
            shell: None,
            script: Some(script.clone()),
        };
        let shared = std::sync::Arc::new(Script::parse("curl -fsSL x | sh"));
        let other = std::sync::Arc::new(Script::parse("curl -fsSL x | sh"));
        let (a, b) = (
            run("curl -fsSL x | sh", &shared),
            run("curl -fsSL x | sh", &shared),
        );
        let alone = run("echo hi", &std::sync::Arc::new(Script::parse("echo hi")));
        let own = run("curl -fsSL x | sh", &other);
        let _keep = std::sync::Arc::clone(&other);
        // One name (a fact is found by its name's address and length).
        static CURL: &str = "mentions curl";
        let mut computed = 0;
        let mut curls = |cx: &mut Ctx, r: &crate::workflow::Run| {
            cx.run_fact(r, CURL, |r| {
                computed += 1;
                r.text.contains("curl")
            })
        };
        assert!(curls(&mut cx, &a) && curls(&mut cx, &b));
        assert!(!curls(&mut cx, &alone) && !curls(&mut cx, &alone));
        assert!(curls(&mut cx, &own));
        assert!(curls(&mut cx, &a));
        // `a` and `b` once, `alone` (not shared) twice, `own` (another `Arc`) once.
        assert_eq!(computed, 4);
        // The script's facts asked either way are one list.
        let ss = StepScript {
            path: "x.sh",
            script: &shared,
            run: Some(&a),
            errexit: false,
            via: None,
        };
        assert!(cx.script_fact(&ss, CURL, |_| false));
    }

    /// A context keeps 32 fact names; one more is computed each time it is asked,
    /// and answers the same (a fact's bit is its name's place: a 33rd must not take
    /// another's).
    #[test]
    fn facts_beyond_the_kept_names_are_computed_each_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = Repo::load(dir.path(), ".");
        let (scripts, facts) = (Scripts::new(), Facts::none());
        let (economics, options) = (EconomicsTable::none(), RuleOptions::default());
        let mut cx = Ctx::new(&repo, &scripts, &facts, &economics, &options);
        let script = Script::parse("echo hi");
        let ss = StepScript {
            path: "x.sh",
            script: &script,
            run: None,
            errexit: false,
            via: None,
        };
        let names: Vec<&'static str> = (0..40)
            .map(|i| &*Box::leak(format!("fact {i}").into_boxed_str()))
            .collect();
        let mut computed = vec![0; names.len()];
        for _ in 0..2 {
            for (i, name) in names.iter().enumerate() {
                let got = cx.script_fact(&ss, name, |_| {
                    computed[i] += 1;
                    i % 3 == 0
                });
                assert_eq!(got, i % 3 == 0, "{name}");
            }
        }
        assert!(computed[..32].iter().all(|&n| n == 1), "{computed:?}");
        assert!(computed[32..].iter().all(|&n| n == 2), "{computed:?}");
    }
}
