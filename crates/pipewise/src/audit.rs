//! The audit engine: load a repository, build the models once, run every enabled
//! rule over them (in parallel across files, a panic in one file caught and reported
//! as an error for that file), then resolve, suppress, filter and sort findings
//! into a [`RepoReport`].

use crate::analysis::{self, settings::RepoSettings};
use crate::config::Config;
use crate::finding::Finding;
use crate::repo::{called_script, Repo, Scripts};
use crate::report::{FileEntry, RelatedLocation, RepoReport, ReportError, ReportFinding};
use crate::rules::{self, Ctx, RepoView, Rule, StepSite};
use crate::source::{FileKind, LoadError, SourceFile};
use crate::suppress::Suppressions;
use crate::workflow::{Action, Platform, Step, Workflow};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// Audits one path given by the user: a repository directory or a single file.
pub fn audit_path(path: &Path, config: Option<&Config>) -> Result<RepoReport, String> {
    audit_path_with(path, config, None)
}

/// [`audit_path`] with exported repository settings (environments and their
/// protection rules), which pipewise cannot see in the files.
///
/// A single file is audited in the context of its repository (found from the file:
/// the nearest folder holding `.git`, or the one above `.github`), so repository-wide
/// facts (Dependabot, pins, called scripts) hold; only that file's findings are kept.
/// The repository's own config is read through the safe loader; when it is invalid,
/// the error is in the report and the repository is audited with the defaults.
pub fn audit_path_with(
    path: &Path,
    config: Option<&Config>,
    settings: Option<&RepoSettings>,
) -> Result<RepoReport, String> {
    let display = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| format!("{display}: {e}"))?;
    let (root, single) = if meta.is_dir() {
        (path.to_path_buf(), None)
    } else {
        let root = crate::discover::root_for_file(path);
        let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let rel = crate::source::relative(&canonical(&root), &canonical(path));
        let yaml = rel.ends_with(".yml") || rel.ends_with(".yaml");
        if crate::discover::classify(&rel).is_none() && !yaml {
            return Err(format!(
                "{display}: not a file pipewise audits (workflows, actions, Dockerfiles, compose files, Dependabot/Renovate configs); give the repository directory to audit everything"
            ));
        }
        (root, Some(rel))
    };
    let (config, config_error) = given_or(config, || Config::discover(&root));
    let repo = match &single {
        None => Repo::load(&root, &display),
        Some(f) => Repo::load_file(&root, Path::new(f), &display),
    };
    let mut report = audit_loaded(repo, &config, config_error, settings, None);
    if let Some(f) = &single {
        report.root = root.display().to_string();
        report.findings.retain(|x| &x.file == f);
        report.errors.retain(|x| &x.file == f);
        report
            .warnings
            .retain(|x| &x.file == f || x.file.ends_with("pipewise.toml"));
        let unscored = report.scores.unscored.take();
        report.scores =
            crate::scoring::score(&report.findings, &report.capabilities, &report.files);
        if let Some(r) = unscored {
            crate::scoring::unscore(&mut report.scores, r);
        }
        report.summary = crate::summary::summarize(&report);
    }
    Ok(report)
}

/// Audits a repository read from a [`crate::tree::Tree`] (a commit of a git
/// repository): exactly [`audit_path_with`] of a checkout of it, with the config
/// read from the tree. `root` names the repository (nothing is read from it);
/// `display` is the report's root.
pub fn audit_tree_with(
    tree: std::sync::Arc<dyn crate::tree::Tree>,
    root: &Path,
    display: &str,
    config: Option<&Config>,
    settings: Option<&RepoSettings>,
) -> RepoReport {
    audit_tree_reusing(tree, root, display, config, settings, None)
}

/// [`audit_tree_with`], reusing the per-file findings of earlier audits of other
/// versions of the same repository kept in `reuse` (and keeping this one's): the
/// same report as without it ([`crate::reuse`]).
pub fn audit_tree_reusing(
    tree: std::sync::Arc<dyn crate::tree::Tree>,
    root: &Path,
    display: &str,
    config: Option<&Config>,
    settings: Option<&RepoSettings>,
    reuse: Option<&crate::reuse::Reuse>,
) -> RepoReport {
    let (config, config_error) = given_or(config, || Config::discover_in(tree.as_ref()));
    let repo = Repo::load_tree(tree, root, display);
    audit_loaded(repo, &config, config_error, settings, reuse)
}

/// The config given, else the repository's own (the defaults, and the error, when
/// it is invalid).
fn given_or(
    config: Option<&Config>,
    discover: impl FnOnce() -> Result<Config, LoadError>,
) -> (std::borrow::Cow<'_, Config>, Option<LoadError>) {
    match config {
        Some(c) => (std::borrow::Cow::Borrowed(c), None),
        None => match discover() {
            Ok(c) => (std::borrow::Cow::Owned(c), None),
            Err(e) => (std::borrow::Cow::Owned(Config::default()), Some(e)),
        },
    }
}

/// The audit of a loaded repository with its config (paths the config ignores
/// left out) and the config's error, if it was invalid, first in the report.
fn audit_loaded(
    mut repo: Repo,
    config: &Config,
    config_error: Option<LoadError>,
    settings: Option<&RepoSettings>,
    reuse: Option<&crate::reuse::Reuse>,
) -> RepoReport {
    if !config.ignore.is_empty() {
        repo.files.retain(|f| !config.is_ignored(&f.path));
    }
    let mut report = audit_repo_reusing(&repo, config, settings, reuse);
    if let Some(e) = config_error {
        report.errors.insert(
            0,
            ReportError {
                file: e.file,
                line: e.line,
                message: format!(
                    "invalid configuration, not used (the repository is audited with the defaults): {}",
                    e.message
                ),
            },
        );
    }
    report
}

/// Runs the rules over a loaded repository.
pub fn audit_repo(repo: &Repo, config: &Config) -> RepoReport {
    audit_repo_with(repo, config, None)
}

/// [`audit_repo`] with exported repository settings.
pub fn audit_repo_with(
    repo: &Repo,
    config: &Config,
    settings: Option<&RepoSettings>,
) -> RepoReport {
    audit_repo_reusing(repo, config, settings, None)
}

/// [`audit_repo_with`], reusing per-file findings kept in `reuse`.
fn audit_repo_reusing(
    repo: &Repo,
    config: &Config,
    settings: Option<&RepoSettings>,
    reuse: Option<&crate::reuse::Reuse>,
) -> RepoReport {
    let enabled: Vec<&'static dyn Rule> = rules::all()
        .into_iter()
        .filter(|r| !config.is_disabled(r.meta().id))
        .collect();
    let mut errors: Vec<LoadError> = repo.errors.clone();

    let workflows: Vec<Workflow> = repo
        .files_of(FileKind::Workflow)
        .filter_map(|f| f.yaml.as_ref().map(|d| Workflow::new(&f.path, d)))
        .collect();
    // GitLab CI pipelines, merged as GitLab does, then lowered into the same model
    // (one workflow per file); appended after the GitHub workflows.
    let pipelines = crate::gitlab::pipelines(repo, &[]);
    let github_workflows = workflows.len();
    let mut workflows = workflows;
    // The pipeline each lowered workflow comes from (after the GitHub workflows).
    let mut pipeline_of: Vec<&crate::gitlab::Pipeline> = vec![];
    for p in &pipelines {
        for pr in &p.problems {
            if let Some(doc) = p.files.get(pr.file).and_then(|f| f.yaml.as_ref()) {
                let pos = doc.position(pr.span.start);
                errors.push(LoadError {
                    file: p.files[pr.file].path.clone(),
                    line: pos.line,
                    column: pos.column,
                    message: pr.message.clone(),
                });
            }
        }
        let lowered = crate::gitlab::lower::lower(p);
        pipeline_of.extend(std::iter::repeat_n(p, lowered.len()));
        workflows.extend(lowered);
    }
    let actions: Vec<Action> = repo
        .files_of(FileKind::Action)
        .filter_map(|f| f.yaml.as_ref().map(|d| Action::new(&f.path, d)))
        .collect();
    for (path, doc, problems) in workflows
        .iter()
        .map(|w| (w.path, w.doc, &w.problems))
        .chain(actions.iter().map(|a| (a.path, a.doc, &a.problems)))
    {
        for p in problems {
            let pos = doc.position(p.span.start);
            errors.push(LoadError {
                file: path.to_string(),
                line: pos.line,
                column: pos.column,
                message: p.message.clone(),
            });
        }
    }

    let scripts = load_called_scripts(repo, &workflows, &actions, &mut errors);
    // The facts table: a cell per job, step and command, filled when first asked; what each
    // step ships through the repository's scripts and local actions is filled before
    // any rule asks.
    let facts = crate::facts::Facts::new(&workflows, &actions, &scripts);
    crate::rules::ships::resolve_ships(repo, &scripts, &facts, &workflows, &actions);
    // The economics model's per-workflow results, filled when first asked (by the
    // `cost/*` rules, then the report's section).
    let economics = crate::economics::table::Table::new(&workflows);
    let options = &config.options;

    // Per-file work, in parallel; each item returns its findings or a caught panic.
    enum Work<'v, 'a> {
        /// A workflow, and the GitLab pipeline it was lowered from (`None`: a
        /// GitHub workflow, whose findings may be reused; a GitLab pipeline merges
        /// several files).
        Workflow(&'v Workflow<'a>, Option<&'v crate::gitlab::Pipeline<'a>>),
        Action(&'v Action<'a>),
        File(&'a SourceFile),
    }
    let mut work: Vec<Work> = workflows
        .iter()
        .zip(
            std::iter::repeat_n(None, github_workflows).chain(pipeline_of.iter().map(|&p| Some(p))),
        )
        .map(|(w, p)| Work::Workflow(w, p))
        .collect();
    work.extend(actions.iter().map(Work::Action));
    work.extend(
        repo.files
            .iter()
            .filter(|f| {
                !matches!(
                    f.kind,
                    FileKind::Workflow | FileKind::Action | FileKind::GitlabCi | FileKind::Script
                )
            })
            .map(|f| Work::File(f)),
    );
    let snapshot = reuse.map(|r| {
        let ids: Vec<&str> = enabled.iter().map(|r| r.meta().id).collect();
        crate::reuse::Snapshot::new(r, repo, r.context(&ids, options, &scripts))
    });
    let results: Vec<(String, std::thread::Result<Vec<Finding>>)> = work
        .par_iter()
        .map(|w| {
            let (path, kind) = match w {
                Work::Workflow(wf, p) => (wf.path.to_string(), p.is_none().then_some(0)),
                Work::Action(a) => (a.path.to_string(), Some(1)),
                Work::File(f) => (f.path.clone(), Some(2)),
            };
            let r = catch_unwind(AssertUnwindSafe(|| {
                let run = || {
                    // What the item's steps ship was read from the local actions they
                    // use before the rules ran: note those reads for reuse.
                    match w {
                        Work::Workflow(wf, _) => {
                            let steps = wf.jobs.iter().flat_map(|j| j.steps.iter());
                            crate::rules::ships::note_local_actions(repo, steps);
                            for j in &wf.jobs {
                                for s in &j.steps {
                                    let site = StepSite::of_job(wf, j, s);
                                    crate::rules::ships::note_runner_files(repo, &site);
                                }
                            }
                        }
                        Work::Action(a) => {
                            crate::rules::ships::note_local_actions(repo, a.steps.iter());
                            for step in &a.steps {
                                let site = StepSite::of_action(a, step);
                                crate::rules::ships::note_runner_files(repo, &site);
                            }
                        }
                        Work::File(_) => {}
                    }
                    let pipeline = match w {
                        Work::Workflow(_, p) => *p,
                        _ => None,
                    };
                    let mut cx =
                        Ctx::new(repo, &scripts, &facts, &economics, options).in_pipeline(pipeline);
                    match w {
                        Work::Workflow(wf, _) => run_workflow(&enabled, wf, &mut cx),
                        Work::Action(a) => run_action(&enabled, a, &mut cx),
                        Work::File(f) => {
                            for rule in &enabled {
                                rule.file(f, &mut cx);
                            }
                        }
                    }
                    cx.findings
                };
                match (&snapshot, kind) {
                    (Some(snap), Some(k)) => snap.findings(k, &path, run),
                    _ => run(),
                }
            }));
            (path, r)
        })
        .collect();
    let mut findings = vec![];
    for (path, r) in results {
        match r {
            Ok(f) => findings.extend(f),
            Err(p) => errors.push(panic_error(&path, p)),
        }
    }
    let workflow_summaries = crate::analysis::inventory::workflows(&workflows);
    let secret_uses = crate::analysis::inventory::secrets(&workflows, &actions);
    // Repository-level hooks: GitHub-only rules see the GitHub workflows, the others
    // every workflow.
    let mut workflows = workflows;
    let lowered = workflows.split_off(github_workflows);
    let mut view = RepoView {
        repo,
        workflows,
        actions,
        scripts: &scripts,
    };
    let github_only = |r: &&&dyn Rule| r.platforms() == [Platform::GitHub];
    let repo_level = catch_unwind(AssertUnwindSafe(|| {
        let mut cx = Ctx::new(repo, &scripts, &facts, &economics, options);
        for rule in enabled.iter().filter(github_only) {
            rule.repo(&view, &mut cx);
        }
        cx.findings
    }));
    view.workflows.extend(lowered);
    let rest = catch_unwind(AssertUnwindSafe(|| {
        let mut cx = Ctx::new(repo, &scripts, &facts, &economics, options);
        for rule in enabled.iter().filter(|r| !github_only(r)) {
            rule.repo(&view, &mut cx);
        }
        cx.findings
    }));
    let repo_level = match (repo_level, rest) {
        (Ok(mut a), Ok(b)) => {
            a.extend(b);
            Ok(a)
        }
        (Err(p), _) | (_, Err(p)) => Err(p),
    };
    match repo_level {
        Ok(f) => findings.extend(f),
        Err(p) => errors.push(panic_error(".", p)),
    }

    let findings = cap_findings(findings, &mut errors);
    let mut suppressions = Suppressions::collect(
        repo.files
            .iter()
            .map(|f| &**f)
            .chain(scripts.values().map(|s| &s.file)),
    );
    let mut report_findings: Vec<ReportFinding> = findings
        .into_iter()
        .filter_map(|f| resolve(repo, &scripts, config, &mut suppressions, f))
        .collect();
    report_findings.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.rule, &a.message)
            .cmp(&(&b.file, b.line, b.column, &b.rule, &b.message))
    });
    report_findings.dedup_by(|a, b| {
        a.file == b.file
            && a.line == b.line
            && a.column == b.column
            && a.rule == b.rule
            && a.message == b.message
    });
    crate::baseline::fingerprint(&mut report_findings);
    let mut warnings: Vec<ReportError> = config
        .notes
        .iter()
        .cloned()
        .chain(std::mem::take(&mut suppressions.warnings))
        .chain(suppressions.unused(|r| config.is_disabled(r)))
        .map(|e| ReportError {
            file: e.file,
            line: e.line,
            message: e.message,
        })
        .collect();
    warnings.sort();
    warnings.dedup();

    let mut files: Vec<FileEntry> = repo
        .files
        .iter()
        .map(|f| FileEntry {
            path: f.path.clone(),
            kind: f.kind.as_str().into(),
        })
        .chain(scripts.values().map(|s| FileEntry {
            path: s.file.path.clone(),
            kind: "script".into(),
        }))
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    let mut errs: Vec<ReportError> = errors
        .into_iter()
        .map(|e| ReportError {
            file: e.file,
            line: e.line,
            message: e.message,
        })
        .collect();
    errs.sort();
    errs.dedup();
    let analysis = catch_unwind(AssertUnwindSafe(|| {
        analysis::analyze_with(
            repo,
            &view.workflows,
            &view.actions,
            &scripts,
            &facts,
            &report_findings,
            settings,
            |repo, workflows| match &snapshot {
                Some(snap) => snap.detected(|| analysis::stack::detect(repo, workflows)),
                None => analysis::stack::detect(repo, workflows),
            },
        )
    }))
    .unwrap_or_else(|p| {
        errs.push(ReportError {
            file: ".".into(),
            line: 0,
            message: panic_error(".", p).message,
        });
        analysis::Analysis::default()
    });
    let mut report = RepoReport {
        root: repo.display.clone(),
        stack: analysis.stack,
        files,
        findings: report_findings,
        capabilities: analysis.capabilities,
        deploy_paths: analysis.deploy_paths,
        scores: Default::default(),
        errors: errs,
        workflows: workflow_summaries,
        secrets: secret_uses,
        warnings,
        summary: Default::default(),
        economics: None,
    };
    let inputs = settings.map(|s| &s.economics);
    let default_inputs = crate::economics::Inputs::default();
    report.economics = catch_unwind(AssertUnwindSafe(|| {
        crate::economics::analyze(
            &facts,
            &economics,
            &view.workflows,
            inputs.unwrap_or(&default_inputs),
        )
    }))
    .ok();
    // Scores last: they read the findings and capabilities.
    report.scores = crate::scoring::score(&report.findings, &report.capabilities, &report.files);
    if let Some(r) = analysis.no_ci {
        crate::scoring::unscore(&mut report.scores, r);
    }
    report.summary = crate::summary::summarize(&report);
    report
}

/// Most findings of one rule in one file that are reported; the others are counted
/// in an error entry for the file (a 3.6 MB script of 150,000 masked commands must
/// not produce 150,000 findings and 180 MB of JSON).
pub const MAX_FINDINGS_PER_RULE_AND_FILE: usize = 1000;

/// Keeps the first [`MAX_FINDINGS_PER_RULE_AND_FILE`] findings of each rule in each
/// file (by position) and says how many were left out.
fn cap_findings(mut findings: Vec<Finding>, errors: &mut Vec<LoadError>) -> Vec<Finding> {
    let mut counts: foldhash::HashMap<(&str, &str), usize> = Default::default();
    for f in &findings {
        *counts.entry((f.file.as_str(), f.rule)).or_default() += 1;
    }
    if counts
        .values()
        .all(|&n| n <= MAX_FINDINGS_PER_RULE_AND_FILE)
    {
        return findings;
    }
    let mut over: Vec<(String, &'static str, usize)> = findings
        .iter()
        .filter(|f| {
            counts.get(&(f.file.as_str(), f.rule)).copied().unwrap_or(0)
                > MAX_FINDINGS_PER_RULE_AND_FILE
        })
        .map(|f| {
            (
                f.file.clone(),
                f.rule,
                counts.get(&(f.file.as_str(), f.rule)).copied().unwrap_or(0),
            )
        })
        .collect();
    over.sort();
    over.dedup();
    findings.sort_by(|a, b| {
        (&a.file, a.rule, a.span.start, a.span.end).cmp(&(
            &b.file,
            b.rule,
            b.span.start,
            b.span.end,
        ))
    });
    let mut kept: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut run = 0;
    for f in findings {
        match kept.last() {
            Some(l) if l.file == f.file && l.rule == f.rule => run += 1,
            _ => run = 1,
        }
        if run <= MAX_FINDINGS_PER_RULE_AND_FILE {
            kept.push(f);
        }
    }
    for (file, rule, n) in over {
        errors.push(LoadError {
            file,
            line: 0,
            column: 0,
            message: format!(
                "{} more `{rule}` findings in this file are not listed (over the limit of {MAX_FINDINGS_PER_RULE_AND_FILE} findings of one rule in one file)",
                n - MAX_FINDINGS_PER_RULE_AND_FILE
            ),
        });
    }
    kept
}

fn panic_error(path: &str, p: Box<dyn std::any::Any + Send>) -> LoadError {
    let msg = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    LoadError {
        file: path.to_string(),
        line: 0,
        column: 0,
        message: format!("internal error while auditing this file ({msg}); please report it"),
    }
}

/// Loads the repository's scripts that the steps of `workflows` and `actions` run,
/// and the scripts those run in turn ([`Repo::load_scripts`]).
fn load_called_scripts(
    repo: &Repo,
    workflows: &[Workflow],
    actions: &[Action],
    errors: &mut Vec<LoadError>,
) -> Scripts {
    let mut calls = BTreeSet::new();
    let mut seen = Default::default();
    for w in workflows {
        for j in &w.jobs {
            let cwd = j.working_directory.and_then(|n| n.as_str()).unwrap_or("");
            collect_calls(repo, &j.steps, cwd, &mut calls, &mut seen);
        }
    }
    for a in actions {
        let dir = a.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        collect_calls(repo, &a.steps, "", &mut calls, &mut seen);
        collect_calls(repo, &a.steps, dir, &mut calls, &mut seen);
    }
    repo.load_scripts(calls, errors)
}

/// The facts table of one workflow read outside an audit (`pipewise fix`), with what
/// its steps ship through the repository's scripts and local actions filled as the
/// audit does ([`crate::rules::ships::resolve_ships`]), so that
/// [`crate::facts::Facts::job_ships`] answers the same there. The local actions'
/// own steps and the scripts' commands are not in the table (they are read here and
/// dropped: the table must not outlive what it holds).
pub fn workflow_facts(repo: &Repo, wf: &Workflow) -> crate::facts::Facts {
    let actions: Vec<Action> = repo
        .files_of(FileKind::Action)
        .filter_map(|f| f.yaml.as_ref().map(|d| Action::new(&f.path, d)))
        .collect();
    let workflows = std::slice::from_ref(wf);
    let scripts = load_called_scripts(repo, workflows, &actions, &mut vec![]);
    let facts = crate::facts::Facts::new(workflows, &[], &Default::default());
    crate::rules::ships::resolve_ships(repo, &scripts, &facts, workflows, &actions);
    facts
}

/// Adds the scripts the steps' commands call, run in `cwd` (or the step's working
/// directory), to `out`. `seen` holds the scripts already looked at, by address and
/// folder: a script several steps share (a GitLab line a template gives many jobs:
/// one `Arc`) adds the same paths each time.
fn collect_calls<'s>(
    repo: &Repo,
    steps: &'s [Step],
    cwd: &'s str,
    out: &mut BTreeSet<String>,
    seen: &mut foldhash::HashSet<(usize, &'s str)>,
) {
    for s in steps {
        let Some(script) = s.run.as_ref().and_then(|r| r.script.as_ref()) else {
            continue;
        };
        // None of its commands can run a script file (`called_script` would find
        // nothing in any folder): nothing to look at or remember.
        if script.runs_no_script {
            continue;
        }
        let wd = s
            .working_directory
            .and_then(|n| n.as_str())
            // `${{ github.action_path }}`: the action folder, passed as `cwd`.
            .filter(|w| !crate::repo::is_action_path(w))
            .unwrap_or(cwd);
        if !seen.insert((std::sync::Arc::as_ptr(script) as usize, wd)) {
            continue;
        }
        for c in &script.commands {
            if let Some(p) = called_script(repo, c, wd) {
                out.insert(p);
            }
        }
    }
}

/// Calls every rule's `step` hook for every step of a job or action, step by step;
/// `owner` carries the path, document, workflow, job and action the steps belong to.
fn run_steps(rules: &[&dyn Rule], owner: &StepSite, steps: &[Step], cx: &mut Ctx) {
    for step in steps {
        let site = match step.origin {
            // A lowered step whose node lives in another file (GitLab includes).
            Some(o) => StepSite {
                step,
                path: o.path,
                doc: o.doc,
                ..*owner
            },
            None => StepSite { step, ..*owner },
        };
        for rule in rules {
            rule.step(&site, cx);
        }
    }
}

/// Runs the rules that see `wf`'s platform over it: their workflow hooks, then job
/// by job their job hooks, and step by step their step hooks. Each rule's hooks come
/// in the order they would alone (its findings too); the rules take turns on each
/// step, so what they ask about its script is asked in a row ([`Ctx::script_fact`]).
fn run_workflow(rules: &[&'static dyn Rule], wf: &Workflow, cx: &mut Ctx) {
    let rules: Vec<&dyn Rule> = rules
        .iter()
        .copied()
        .filter(|r| r.platforms().contains(&wf.platform))
        .collect();
    for rule in &rules {
        rule.workflow(wf, cx);
    }
    for job in &wf.jobs {
        for rule in &rules {
            rule.job(wf, job, cx);
        }
        let Some(first) = job.steps.first() else {
            continue;
        };
        let owner = StepSite {
            path: wf.path,
            doc: wf.doc,
            workflow: Some(wf),
            job: Some(job),
            action: None,
            step: first,
        };
        run_steps(&rules, &owner, &job.steps, cx);
    }
}

/// Runs the rules over a composite action: their action hooks, then step by step
/// their step hooks ([`run_workflow`]).
fn run_action(rules: &[&'static dyn Rule], a: &Action, cx: &mut Ctx) {
    for rule in rules {
        rule.action(a, cx);
    }
    if let Some(first) = a.steps.first() {
        let owner = StepSite::of_action(a, first);
        run_steps(rules, &owner, &a.steps, cx);
    }
}

fn find_file<'a>(repo: &'a Repo, scripts: &'a Scripts, path: &str) -> Option<&'a SourceFile> {
    repo.file(path)
        .or_else(|| scripts.get(path).map(|s| &s.file))
}

fn resolve(
    repo: &Repo,
    scripts: &Scripts,
    config: &Config,
    suppressions: &mut Suppressions,
    f: Finding,
) -> Option<ReportFinding> {
    let rule = rules::by_id(f.rule)?;
    let meta = rule.meta();
    let file = find_file(repo, scripts, &f.file);
    let (start, end) = match file {
        Some(src) => (
            src.position(f.span.start),
            src.position(f.span.end.max(f.span.start)),
        ),
        None => Default::default(),
    };
    let mut snippet = vec![];
    let mut context = vec![];
    if let Some(src) = file {
        if suppressions.suppresses(&src.path, start.line, meta.id) {
            return None;
        }
        // Bounded in bytes: at most six lines, each clipped around the finding.
        let last = end.line.min(start.line + 5).max(start.line);
        let line_start = src.line_start(start.line).unwrap_or(0);
        for l in start.line..=last {
            let focus = if l == start.line {
                f.span.start.saturating_sub(line_start)
            } else {
                0
            };
            snippet.push((l, crate::source::clip_line(src.line_text(l), focus)));
        }
        // Context lines are read through a prefix a few bytes over the bound, so no
        // whole long line is copied; `clip_line` then marks the cut.
        let prefix = |l| {
            let t = src.line_text(l);
            let mut n = t.len().min(crate::source::SNIPPET_LINE_BYTES + 4);
            while !t.is_char_boundary(n) {
                n -= 1;
            }
            &t[..n]
        };
        context = crate::schema::snippet::context_lines(&src.path, prefix, start.line)
            .into_iter()
            .map(|(l, t)| (l, crate::source::clip_line(&t, 0)))
            .collect();
    }
    let severity = config.severity.get(meta.id).copied().unwrap_or(f.severity);
    let related = f
        .related
        .iter()
        .map(|r| {
            let pos = find_file(repo, scripts, &r.file)
                .map(|s| s.position(r.span.start))
                .unwrap_or_default();
            RelatedLocation {
                file: r.file.clone(),
                line: pos.line,
                column: pos.column,
                message: r.note.clone(),
            }
        })
        .collect();
    Some(ReportFinding {
        rule: meta.id.into(),
        title: f.title.unwrap_or_else(|| meta.title.into()),
        severity,
        confidence: f.confidence,
        category: meta.category.id().into(),
        file: f.file,
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        job: f.job,
        step: f.step,
        message: f.message,
        impact: f.impact.unwrap_or_else(|| meta.impact.into()),
        fix: f.fix.unwrap_or_else(|| crate::finding::Fix {
            description: meta.fix.description.into(),
            snippet: meta.fix.snippet.into(),
            effort_minutes: meta.fix.effort_minutes,
        }),
        references: meta.public_references().map(str::to_string).collect(),
        related,
        fingerprint: String::new(),
        snippet,
        context,
    })
}
