//! The GitHub Actions model: workflows, jobs, steps and composite actions as
//! views over the YAML tree, so every field keeps its span.
//!
//! Built once per file ([`Workflow::new`], [`Action::new`]); `run:` blocks are parsed
//! as shell here, once, honouring `shell:` (and `defaults.run.shell`): pwsh, python
//! and other bodies are not parsed as bash. Structural problems (wrong types,
//! unknown keys) are collected as [`Problem`]s; the rest of the file is still audited.

use crate::finding::Span;
use crate::shell::{shell_has_errexit, Script};
use pipewise_yaml::{Document, Entry, Node, NodeKind};

/// The CI platform a [`Workflow`] comes from. The model is shared: GitHub Actions
/// workflows are read into it directly, GitLab CI pipelines are lowered into it
/// (`crate::gitlab`); rules say which platforms they apply to
/// ([`crate::rules::Rule::platforms`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    GitHub,
    GitLab,
}

impl Platform {
    /// Every platform: for rules about scripts, containers and job structure.
    pub const ALL: &'static [Platform] = &[Platform::GitHub, Platform::GitLab];
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::GitHub => "github",
            Platform::GitLab => "gitlab",
        }
    }
}

/// Where a lowered step's node lives when that is not its workflow's own file (a
/// GitLab script line from an included file, `extends:` or `!reference`), and the
/// script section it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub path: &'a str,
    pub doc: &'a Document,
    /// `before_script`, `script` or `after_script`.
    pub section: &'static str,
}

/// A structural problem in a workflow or action file.
#[derive(Debug, Clone)]
pub struct Problem {
    pub span: Span,
    pub message: String,
}

/// A `run:` block.
#[derive(Debug)]
pub struct Run<'a> {
    pub node: &'a Node,
    /// The script text (the scalar's value).
    pub text: &'a str,
    /// The effective shell (`shell:` or `defaults.run.shell`), if set.
    pub shell: Option<&'a str>,
    /// Parsed when the shell is bash-like. Shared (`Arc`): a GitLab script line that
    /// several jobs get from one template or `default:` is parsed once, and the facts
    /// table's cells of its commands (`Facts::command_intent`) are one set for all
    /// of them.
    pub script: Option<std::sync::Arc<Script>>,
}

impl<'a> Run<'a> {
    /// Maps a span inside the script text to a span in the workflow file.
    pub fn source_span(&self, doc: &Document, s: Span) -> Span {
        let a = doc.value_to_source(self.node, s.start);
        let b = doc.value_to_source(self.node, s.end.saturating_sub(1)) + 1;
        Span::new(a, b.max(a))
    }
    /// Whether the shell stops at the first failing command.
    pub fn errexit(&self) -> bool {
        shell_has_errexit(self.shell)
    }
}

#[derive(Debug)]
pub struct Step<'a> {
    pub index: usize,
    pub node: &'a Node,
    pub id: Option<&'a str>,
    pub name: Option<&'a str>,
    pub uses: Option<&'a Node>,
    pub run: Option<Run<'a>>,
    pub with: Option<&'a Node>,
    pub env: Option<&'a Node>,
    /// When the step runs: GitHub's step `if:`. The fields from here to `timeout`
    /// are filled once by the platform's lowering (`github::workflow`; a GitLab
    /// script line has none of them: it runs when its job does, in the project
    /// folder, and fails the job when it fails); neutral rules and analysis read
    /// them, not the platform's key names. What the step runs is `run` (a script,
    /// with its effective shell: [`Run::shell`]) or `uses` with its `with:` inputs.
    pub condition: Option<&'a Entry>,
    /// Whether a failure of the step leaves the job going: GitHub step
    /// `continue-on-error` (a job's is [`Job::allow_failure`]).
    pub allow_failure: Option<&'a Entry>,
    /// The folder the step runs in, as written: GitHub `working-directory` (the
    /// job's default is [`Job::working_directory`]).
    pub working_directory: Option<&'a Node>,
    /// [`Step::haystack`], built once.
    pub haystack: std::sync::OnceLock<String>,
    /// [`Step::action`], lower-cased once (it is asked for by most rules).
    pub action_name: std::sync::OnceLock<Option<String>>,
    /// [`Step::phrases`], found once.
    pub phrases: std::sync::OnceLock<crate::keywords::Found>,
    /// Set for lowered steps (GitLab script lines): the file and section they come from.
    pub origin: Option<Origin<'a>>,
}

impl<'a> Step<'a> {
    /// A step at `index` with nothing read yet: no keys and empty caches. Builders
    /// set what they read with struct-update syntax (`Step { run, ..Step::new(i, n) }`),
    /// so a new cache field is added here only.
    pub fn new(index: usize, node: &'a Node) -> Step<'a> {
        Step {
            index,
            node,
            id: None,
            name: None,
            uses: None,
            run: None,
            with: None,
            env: None,
            condition: None,
            allow_failure: None,
            working_directory: None,
            haystack: std::sync::OnceLock::new(),
            action_name: std::sync::OnceLock::new(),
            phrases: std::sync::OnceLock::new(),
            origin: None,
        }
    }
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.node.get(key)
    }
    pub fn entry(&self, key: &str) -> Option<&'a Entry> {
        self.node.entry(key)
    }
    /// `uses:` value, e.g. `actions/checkout@v4`.
    pub fn uses_str(&self) -> Option<&'a str> {
        self.uses.and_then(Node::as_str)
    }
    /// The action name without its ref, lowercased: `actions/checkout`.
    pub fn action(&self) -> Option<&str> {
        self.action_name
            .get_or_init(|| {
                self.uses_str()
                    .map(|u| u.split('@').next().unwrap_or(u).to_ascii_lowercase())
            })
            .as_deref()
    }
    /// A `with:` input value as a string.
    pub fn with_str(&self, key: &str) -> Option<&'a str> {
        self.with.and_then(|w| w.get(key)).and_then(Node::as_str)
    }
    /// A human label: name, else `uses`, else the first line of `run`.
    pub fn label(&self) -> String {
        if let Some(n) = self.name {
            return n.to_string();
        }
        if let Some(u) = self.uses_str() {
            return u.to_string();
        }
        if let Some(r) = &self.run {
            let first = r.text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            let mut s: String = first.trim().chars().take(60).collect();
            if first.trim().chars().count() > 60 {
                s.push('…');
            }
            return s;
        }
        format!("step {}", self.index + 1)
    }
    /// Lowercased name plus run text plus `uses`, for keyword checks (built once).
    pub fn haystack(&self) -> &str {
        self.haystack.get_or_init(|| self.build_haystack())
    }
    /// Which of [`crate::keywords::STEP_PHRASES`] occur in [`Step::haystack`], found
    /// once per step.
    pub fn phrases(&self) -> &crate::keywords::Found {
        self.phrases
            .get_or_init(|| crate::keywords::STEP_PHRASES.find(self.haystack()))
    }
    fn build_haystack(&self) -> String {
        let mut s = String::new();
        if let Some(n) = self.name {
            s.push_str(n);
            s.push('\n');
        }
        if let Some(u) = self.uses_str() {
            s.push_str(u);
            s.push('\n');
        }
        if let Some(r) = &self.run {
            s.push_str(r.text);
        }
        s.to_ascii_lowercase()
    }
    /// The folder the step runs in, as written: its own working directory, else
    /// its job's default (`job` is `None` for a step of an action).
    pub fn cwd(&self, job: Option<&Job<'a>>) -> Option<&'a str> {
        self.working_directory
            .and_then(Node::as_str)
            .or_else(|| job?.working_directory?.as_str())
    }
    /// The span to point at for the whole step: its first key.
    pub fn anchor(&self) -> Span {
        self.node
            .as_map()
            .and_then(|m| m.first())
            .map(|e| e.key.span)
            .unwrap_or(self.node.span)
    }
}

/// When a job runs, as its platform writes it.
#[derive(Debug, Clone, Copy)]
pub enum Condition<'a> {
    /// GitHub `if:`: an expression (`${{ }}` optional).
    If(&'a Entry),
    /// GitLab `rules:`: a list of `if:`/`changes:`/`exists:`/`when:` entries.
    Rules(&'a Entry),
    /// GitLab `only:` and `except:` (read when the job has no `rules:`).
    OnlyExcept {
        only: Option<&'a Entry>,
        except: Option<&'a Entry>,
    },
}

impl<'a> Condition<'a> {
    /// The node that says when the job runs: the `if:` expression, the `rules:`
    /// list, else `only:`, else `except:`.
    pub fn node(&self) -> Option<&'a Node> {
        match self {
            Condition::If(e) | Condition::Rules(e) => Some(&e.value),
            Condition::OnlyExcept { only, except } => only.or(*except).map(|e| &e.value),
        }
    }
    /// GitLab `rules:` (`None` for the other forms).
    pub fn rules(&self) -> Option<&'a Node> {
        match self {
            Condition::Rules(e) => Some(&e.value),
            _ => None,
        }
    }
    /// GitLab `only:` and `except:`, when the job has no `rules:`.
    pub fn only_except(&self) -> (Option<&'a Node>, Option<&'a Node>) {
        match self {
            Condition::OnlyExcept { only, except } => {
                (only.map(|e| &e.value), except.map(|e| &e.value))
            }
            _ => (None, None),
        }
    }
    /// The GitHub `if:` expression (`None` for GitLab conditions).
    pub fn expression(&self) -> Option<&'a Node> {
        match self {
            Condition::If(e) => Some(&e.value),
            _ => None,
        }
    }
}

/// The deployment environment a job runs in: `environment:` on both platforms, a
/// name or a mapping with `name:`.
#[derive(Debug, Clone, Copy)]
pub struct Environment<'a> {
    pub entry: &'a Entry,
    /// The string form, else the mapping's `name:` (`None` when neither is a string).
    pub name: Option<&'a str>,
}

impl<'a> Environment<'a> {
    /// Reads `environment:`, which both platforms write alike.
    pub fn read(entry: &'a Entry) -> Environment<'a> {
        let v = &entry.value;
        Environment {
            entry,
            name: v.as_str().or_else(|| v.get("name").and_then(Node::as_str)),
        }
    }
}

/// The container a job's steps run in: GitHub `container:`, GitLab `image:`.
#[derive(Debug, Clone, Copy)]
pub struct Container<'a> {
    pub entry: &'a Entry,
    /// The image: the string form, else GitHub's `image:` or GitLab's `name:`.
    pub image: Option<&'a Node>,
}

impl<'a> Container<'a> {
    /// Reads the container key's entry; `image_key` names the image in its mapping
    /// form (GitHub `image`, GitLab `name`).
    pub fn read(entry: &'a Entry, image_key: &str) -> Container<'a> {
        Container {
            entry,
            image: image_of(&entry.value, image_key),
        }
    }
}

/// A service container beside the job: an entry of GitHub's `services:` mapping or
/// of GitLab's `services:` list.
#[derive(Debug, Clone, Copy)]
pub struct Service<'a> {
    /// The service's configuration (GitHub: the mapping's value; GitLab: the item).
    pub node: &'a Node,
    /// GitHub: the mapping key (`postgres`); GitLab: `alias:`.
    pub name: Option<&'a str>,
    /// The image: the string form, else GitHub's `image:` or GitLab's `name:`.
    pub image: Option<&'a Node>,
}

/// The job's matrix, as its platform writes it.
#[derive(Debug, Clone, Copy)]
pub enum Matrix<'a> {
    /// GitHub `strategy.matrix`: a mapping of lists (with `include:`/`exclude:`),
    /// or an expression computed at run time.
    Strategy(&'a Node),
    /// GitLab `parallel: matrix:`: a list of mappings, each a product of its lists.
    Parallel(&'a Node),
}

impl<'a> Matrix<'a> {
    pub fn node(&self) -> &'a Node {
        match self {
            Matrix::Strategy(n) | Matrix::Parallel(n) => n,
        }
    }
}

/// A container's image: the string form, else the mapping's `key` (GitHub's
/// `image:`, GitLab's `name:`).
pub(crate) fn image_of<'a>(v: &'a Node, key: &str) -> Option<&'a Node> {
    match &v.kind {
        NodeKind::Map(_) => v.get(key),
        _ => Some(v),
    }
}

/// How long the job may run: GitHub `timeout-minutes`, GitLab `timeout` (`1h 30m`).
#[derive(Debug, Clone, Copy)]
pub struct Timeout<'a> {
    pub entry: &'a Entry,
    /// The limit in minutes, when it is a literal positive number (GitHub) or a
    /// readable duration (GitLab).
    pub minutes: Option<f64>,
    /// Where the entry is written when that is not the job's workflow's own file (a
    /// GitLab job's `timeout:` from `default:` or `extends:` in another file).
    pub file: Option<FileRef<'a>>,
}

/// A file of the repository and its document: where a merged key is written.
#[derive(Debug, Clone, Copy)]
pub struct FileRef<'a> {
    pub path: &'a str,
    pub doc: &'a Document,
}

#[derive(Debug)]
pub struct Job<'a> {
    pub id: &'a str,
    pub key: &'a Node,
    pub node: &'a Node,
    pub name: Option<&'a str>,
    /// The jobs that must finish first ([`Needs`]: a slice of [`Need`]).
    pub needs: Needs<'a>,
    pub steps: Vec<Step<'a>>,
    /// `uses:` of a reusable-workflow call job.
    pub uses: Option<&'a Node>,
    /// When the job runs. The fields from here on are filled once by the platform's
    /// lowering (`github::workflow`, `gitlab::lower`); neutral rules and analysis
    /// read them, not the platform's key names.
    pub condition: Option<Condition<'a>>,
    pub environment: Option<Environment<'a>>,
    pub container: Option<Container<'a>>,
    pub services: Vec<Service<'a>>,
    pub matrix: Option<Matrix<'a>>,
    pub timeout: Option<Timeout<'a>>,
    /// Whether a failure fails the pipeline: GitHub job `continue-on-error`, GitLab
    /// `allow_failure` (a boolean, an expression, or GitLab's `exit_codes:`).
    pub allow_failure: Option<&'a Entry>,
    /// GitLab `stage:` (GitHub jobs have none).
    pub stage: Option<&'a str>,
    /// The folder the job's steps run in unless a step says otherwise: GitHub
    /// `defaults.run.working-directory`, as written (GitLab jobs have none).
    pub working_directory: Option<&'a Node>,
    /// The runner the job asks for: GitHub `runs-on`, GitLab `tags`.
    pub runner: Option<Runner<'a>>,
    /// GitLab `when:` (`on_success`, `manual`, `never`, …; GitHub jobs have none: an
    /// `if:` says it).
    pub when: Option<&'a Entry>,
    /// How the job's runs exclude each other: GitHub job `concurrency`, GitLab
    /// `resource_group`.
    pub concurrency: Option<Concurrency<'a>>,
    /// GitLab `interruptible:`: a newer pipeline may cancel the job (GitHub says it
    /// with `concurrency`'s `cancel-in-progress`).
    pub interruptible: Option<&'a Entry>,
    /// GitHub job `permissions` (the token's scopes; GitLab jobs have no such key:
    /// a job token's reach is the project's setting).
    pub permissions: Option<&'a Entry>,
    /// GitHub job `outputs` (GitLab hands values on through `dotenv` artifacts, not
    /// read as outputs).
    pub outputs: Option<&'a Entry>,
    /// The kinds of start the job runs under, when its platform narrows its
    /// workflow's triggers ([`Workflow::kinds_of`]: a GitLab job's
    /// `rules:`/`only:`/`except:` against the pipeline's sources), read once, when
    /// first asked. Read through [`Workflow::job_kinds`].
    pub kinds: std::sync::OnceLock<Kinds>,
}

/// The runner a job asks for, as its platform writes it.
#[derive(Debug, Clone, Copy)]
pub enum Runner<'a> {
    /// GitHub `runs-on`: a label, a list of labels, or a mapping with `group:` and
    /// `labels:`.
    RunsOn(&'a Entry),
    /// GitLab `tags:`: a list of the labels a runner must have.
    Tags(&'a Entry),
}

impl<'a> Runner<'a> {
    pub fn entry(&self) -> &'a Entry {
        match self {
            Runner::RunsOn(e) | Runner::Tags(e) => e,
        }
    }
    /// GitHub `runs-on` (`None` for GitLab `tags`).
    pub fn runs_on(&self) -> Option<&'a Node> {
        match self {
            Runner::RunsOn(e) => Some(&e.value),
            Runner::Tags(_) => None,
        }
    }
    /// GitLab `tags` (`None` for GitHub `runs-on`).
    pub fn tags(&self) -> Option<&'a Node> {
        match self {
            Runner::Tags(e) => Some(&e.value),
            Runner::RunsOn(_) => None,
        }
    }
}

/// How runs of a job, or of a whole workflow, exclude each other.
#[derive(Debug, Clone, Copy)]
pub enum Concurrency<'a> {
    /// GitHub `concurrency`: a group name, or a mapping with `group:` and
    /// `cancel-in-progress:` (a newer run waits for, or cancels, the running one).
    Group(&'a Entry),
    /// GitLab `resource_group`: one job of the group runs at a time, the others wait.
    ResourceGroup(&'a Entry),
}

impl<'a> Concurrency<'a> {
    pub fn entry(&self) -> &'a Entry {
        match self {
            Concurrency::Group(e) | Concurrency::ResourceGroup(e) => e,
        }
    }
    /// GitHub `concurrency` (`None` for GitLab `resource_group`).
    pub fn group(&self) -> Option<&'a Entry> {
        match self {
            Concurrency::Group(e) => Some(e),
            Concurrency::ResourceGroup(_) => None,
        }
    }
}

/// Where a needed job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedFrom {
    /// This workflow's own pipeline (every GitHub need).
    Here,
    /// GitLab `needs: - pipeline: $PARENT_PIPELINE_ID`: the parent pipeline.
    ParentPipeline,
    /// GitLab `needs: - project:`: a pipeline of another project.
    Project,
}

/// One job a job needs: it starts after that job ends.
#[derive(Debug, Clone, Copy)]
pub struct Need<'a> {
    /// The needed job's id (for a GitLab `parallel: matrix:` job, its base name).
    pub job: &'a str,
    /// The entry as written (a name, or a mapping with `job:`); its span is the
    /// need's. `None` for a need GitLab's stage order implies (a job without
    /// `needs:` waits for the jobs of the nearest earlier stage).
    pub node: Option<&'a Node>,
    /// GitLab `optional: true`: the needed job may be absent from the pipeline.
    pub optional: bool,
    /// Whether the needed job's artifacts are handed to the job (GitLab:
    /// `artifacts:`, true unless `false`; GitHub: never, artifacts go through
    /// upload and download steps).
    pub artifacts: bool,
    pub from: NeedFrom,
}

impl Need<'_> {
    /// The span of the entry as written, if it is.
    pub fn span(&self) -> Option<Span> {
        self.node.map(|n| n.span)
    }
}

/// A job's needs: the `needs:` entry as written (`None`: no `needs:` key) and the
/// needs it says or implies, in order. Reads as a slice of [`Need`].
#[derive(Debug, Default)]
pub struct Needs<'a> {
    pub entry: Option<&'a Entry>,
    pub list: Vec<Need<'a>>,
}

impl<'a> std::ops::Deref for Needs<'a> {
    type Target = [Need<'a>];
    fn deref(&self) -> &[Need<'a>] {
        &self.list
    }
}

impl<'a> Needs<'a> {
    /// The needed jobs' ids, in order.
    pub fn jobs(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.list.iter().map(|n| n.job)
    }
}

impl<'a> Job<'a> {
    /// A job with nothing read yet but its id and nodes. The lowerings set what they
    /// read with struct-update syntax (`Job { steps, ..Job::new(id, key, node) }`).
    pub fn new(id: &'a str, key: &'a Node, node: &'a Node) -> Job<'a> {
        Job {
            id,
            key,
            node,
            name: None,
            needs: Needs::default(),
            steps: vec![],
            uses: None,
            condition: None,
            environment: None,
            container: None,
            services: vec![],
            matrix: None,
            timeout: None,
            allow_failure: None,
            stage: None,
            working_directory: None,
            runner: None,
            when: None,
            concurrency: None,
            interruptible: None,
            permissions: None,
            outputs: None,
            kinds: std::sync::OnceLock::new(),
        }
    }
    /// A step under `continue-on-error` whose failure a later step of the job turns
    /// back into a failed job: `if: steps.<id>.outcome == 'failure'` running `exit 1`
    /// (fastapi's pre-commit job lets the fixes be pushed first, then fails).
    pub fn reraises_failure_of(&self, step: &Step) -> bool {
        let Some(id) = step.id else {
            return false;
        };
        let outcome = format!("steps.{id}.outcome");
        let conclusion = format!("steps.{id}.conclusion");
        self.steps.iter().skip(step.index + 1).any(|later| {
            let cond = later.condition.and_then(|e| e.value.as_str()).unwrap_or("");
            let on_failure = (cond.contains(&outcome) || cond.contains(&conclusion))
                && (cond.contains("== 'failure'") || cond.contains("!= 'success'"));
            on_failure
                && later
                    .run
                    .as_ref()
                    .and_then(|r| r.script.as_ref())
                    .is_some_and(|sc| {
                        sc.commands.iter().any(|c| {
                            c.base_name() == "false"
                                || (c.base_name() == "exit"
                                    && c.args().first().is_some_and(|a| a.text != "0"))
                        })
                    })
        })
    }
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.node.get(key)
    }
    pub fn entry(&self, key: &str) -> Option<&'a Entry> {
        self.node.entry(key)
    }
    /// The literal values `matrix.<key>` takes: GitHub's key list and its
    /// `include:` entries, GitLab's key in each `parallel: matrix:` entry (`None`
    /// when any is computed or not a string).
    pub fn matrix_values(&self, key: &str) -> Option<Vec<String>> {
        let mut out = vec![];
        let mut push = |n: &Node| -> Option<()> {
            match n.as_seq() {
                Some(items) => {
                    for i in items {
                        out.push(i.as_str()?.to_string());
                    }
                }
                None => out.push(n.as_str()?.to_string()),
            }
            Some(())
        };
        match self.matrix? {
            Matrix::Strategy(m) => {
                if let Some(v) = m.get(key) {
                    push(v)?;
                }
                for inc in m.get("include").and_then(Node::as_seq).unwrap_or(&[]) {
                    if let Some(v) = inc.get(key) {
                        push(v)?;
                    }
                }
            }
            Matrix::Parallel(m) => {
                for entry in m.as_seq().unwrap_or(&[]) {
                    if let Some(v) = entry.get(key) {
                        push(v)?;
                    }
                }
            }
        }
        if out.iter().any(|v| v.contains("${{")) {
            return None;
        }
        Some(out)
    }
    /// `environment:` name (string form or `name:` key).
    pub fn environment(&self) -> Option<&'a str> {
        self.environment.and_then(|e| e.name)
    }
    pub fn label(&self) -> &'a str {
        self.name.unwrap_or(self.id)
    }
}

/// Three-valued truth: what a condition gives when the file may not decide it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    /// Whether the condition can be true.
    pub fn possible(self) -> bool {
        self != Tri::False
    }
}

impl std::ops::Not for Tri {
    type Output = Tri;
    fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
}

/// What starts a workflow: a GitHub event under `on:`, or a GitLab pipeline source
/// that the pipeline's `workflow: rules:` (or GitLab's defaults) allow.
#[derive(Debug, Clone)]
pub struct Trigger<'a> {
    /// The platform's own name: GitHub's event (`pull_request_target`), GitLab's
    /// `$CI_PIPELINE_SOURCE` (`merge_request_event`; a tag pipeline is `tag`).
    pub event: &'a str,
    /// What kind of start it is, the same on every platform: what neutral readers ask.
    pub kind: TriggerKind,
    /// The key under `on:`, or the `workflow: rules:` item that allows the source.
    pub span: Span,
    /// The event's settings (GitHub: `branches:`, `types:`, `workflows:`…; GitLab:
    /// the `workflow: rules:` item that allows it).
    pub config: Option<&'a Node>,
}

/// The kind of a [`Trigger`], neutral across platforms. The distinctions GitHub's
/// readers need stay in [`Trigger::event`] (and in kinds such as
/// [`TriggerKind::ChangeRequestBase`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerKind {
    /// Commits pushed to a branch (GitHub `push`, tags included; GitLab branch
    /// pipelines).
    Push,
    /// A tag pushed (GitLab tag pipelines; GitHub's `push` with `tags:` is [`Self::Push`]).
    Tag,
    /// A pull or merge request, run on its changes (GitHub `pull_request`, GitLab
    /// `merge_request_event`).
    ChangeRequest,
    /// A pull request run in the base repository's context, with its secrets
    /// (GitHub `pull_request_target`).
    ChangeRequestBase,
    /// A merge queue (GitHub `merge_group`).
    MergeQueue,
    /// A schedule (GitHub `schedule`, GitLab `schedule`).
    Schedule,
    /// Started by hand (GitHub `workflow_dispatch`, GitLab `web`).
    Manual,
    /// Started through the API or by another project (GitHub
    /// `repository_dispatch`; GitLab `api`, `trigger`, `pipeline`).
    Api,
    /// Called by another workflow (GitHub `workflow_call`; a GitLab child pipeline,
    /// `parent_pipeline`).
    Call,
    /// After another workflow of the repository completes (GitHub `workflow_run`).
    AfterWorkflow,
    /// A deployment or its status (GitHub `deployment`, `deployment_status`).
    Deployment,
    /// A release (GitHub `release`).
    Release,
    /// Anything else: issues, comments, labels, an expression…
    Other,
}

impl TriggerKind {
    /// Every kind, in declaration order (the bits of [`Kinds`]).
    pub const ALL: [TriggerKind; 13] = [
        Self::Push,
        Self::Tag,
        Self::ChangeRequest,
        Self::ChangeRequestBase,
        Self::MergeQueue,
        Self::Schedule,
        Self::Manual,
        Self::Api,
        Self::Call,
        Self::AfterWorkflow,
        Self::Deployment,
        Self::Release,
        Self::Other,
    ];
    /// A change to the code starts it: a push, a tag, a pull or merge request, a
    /// merge queue, or a call or follow-up of a workflow that such a change starts.
    pub fn on_change(self) -> bool {
        matches!(
            self,
            Self::Push
                | Self::Tag
                | Self::ChangeRequest
                | Self::ChangeRequestBase
                | Self::MergeQueue
                | Self::Call
                | Self::AfterWorkflow
        )
    }
    /// A pull or merge request (in either context) or a merge queue starts it.
    pub fn change_request(self) -> bool {
        matches!(
            self,
            Self::ChangeRequest | Self::ChangeRequestBase | Self::MergeQueue
        )
    }
}

/// A set of [`TriggerKind`]s: the kinds of start a job runs under
/// ([`Workflow::job_kinds`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Kinds(u16);

impl Kinds {
    /// The kinds of these triggers.
    pub fn of<'t>(triggers: impl IntoIterator<Item = &'t Trigger<'t>>) -> Kinds {
        triggers
            .into_iter()
            .fold(Kinds::default(), |k, t| k.with(t.kind))
    }
    #[must_use]
    pub fn with(self, kind: TriggerKind) -> Kinds {
        Kinds(self.0 | (1 << kind as u16))
    }
    pub fn contains(self, kind: TriggerKind) -> bool {
        self.0 & (1 << kind as u16) != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The kinds in the set, in [`TriggerKind::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = TriggerKind> {
        TriggerKind::ALL
            .into_iter()
            .filter(move |k| self.contains(*k))
    }
    /// Some kind in the set satisfies `f`.
    pub fn any(self, f: impl Fn(TriggerKind) -> bool) -> bool {
        self.iter().any(f)
    }
}

#[derive(Debug)]
pub struct Workflow<'a> {
    pub path: &'a str,
    pub doc: &'a Document,
    pub root: &'a Node,
    pub name: Option<&'a str>,
    pub triggers: Vec<Trigger<'a>>,
    pub jobs: Vec<Job<'a>>,
    pub problems: Vec<Problem>,
    pub platform: Platform,
    /// When the whole workflow runs, besides its [`Workflow::triggers`]: GitLab's
    /// `workflow: rules:` (the same node for every file of a pipeline). GitHub
    /// workflows have none.
    pub condition: Option<&'a Node>,
    /// Jobs or defaults of this workflow may come from files pipewise cannot read
    /// (GitLab includes of other projects, remote ones, or ones with variables), so
    /// what is not seen may still be there.
    pub incomplete: bool,
    /// GitHub's workflow-level `concurrency` (GitLab has none at this level).
    pub concurrency: Option<&'a Entry>,
    /// GitHub's workflow-level `permissions` (GitLab has none).
    pub permissions: Option<&'a Entry>,
    /// How its jobs' kinds of start are narrowed from its triggers, when its
    /// platform does (GitLab: `gitlab::sources::JobKinds`, one for the pipeline);
    /// `None` (GitHub): a job runs under every trigger of its workflow.
    pub kinds_of: Option<KindsOf>,
}

/// Reads a job's kinds of start ([`Workflow::kinds_of`]): made by the platform's
/// lowering, asked once per job, when a reader first wants them.
#[derive(Clone)]
pub struct KindsOf(pub std::sync::Arc<dyn Fn(&Job) -> Kinds + Send + Sync>);

impl std::fmt::Debug for KindsOf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KindsOf")
    }
}

impl<'a> Workflow<'a> {
    /// A trigger with this platform name (GitHub's readers; neutral ones ask
    /// [`Workflow::has_kind`]).
    pub fn has_trigger(&self, event: &str) -> bool {
        self.triggers.iter().any(|t| t.event == event)
    }
    /// A trigger of this kind.
    pub fn has_kind(&self, kind: TriggerKind) -> bool {
        self.triggers.iter().any(|t| t.kind == kind)
    }
    /// The kinds of start `job` (one of this workflow's) runs under: the ones its
    /// lowering narrows them to ([`Workflow::kinds_of`], GitLab; read once per job,
    /// [`Job::kinds`]), else the kinds of the workflow's triggers. Readers that
    /// judge a job by when it runs ask this, not [`Workflow::has_kind`].
    pub fn job_kinds(&self, job: &Job) -> Kinds {
        match &self.kinds_of {
            Some(of) => *job.kinds.get_or_init(|| (of.0)(job)),
            None => Kinds::of(&self.triggers),
        }
    }
    pub fn job(&self, id: &str) -> Option<&Job<'a>> {
        self.jobs.iter().find(|j| j.id == id)
    }
    pub fn file_name(&self) -> &'a str {
        self.path.rsplit('/').next().unwrap_or(self.path)
    }
}

/// A local or composite action (`action.yml`).
#[derive(Debug)]
pub struct Action<'a> {
    pub path: &'a str,
    pub doc: &'a Document,
    pub root: &'a Node,
    pub using: Option<&'a str>,
    pub steps: Vec<Step<'a>>,
    pub problems: Vec<Problem>,
}
