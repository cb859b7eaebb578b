//! Which pipeline sources GitLab lets a pipeline or a job run in: `workflow: rules:`
//! and a job's `rules:` (the first rule whose `if:` holds decides), `only:`/`except:`
//! and `when:`, evaluated for each pipeline source ([`Source`]) over the predefined
//! variables GitLab sets for it. What the file does not decide (other variables,
//! regular expressions, `changes:`/`exists:`) is [`Tri::Unknown`].
//!
//! Shared by the lowering (a pipeline's triggers, [`triggers`]; each job's kinds of
//! start, [`JobKinds`]) and the economics model (which jobs run in push, merge
//! request and tag pipelines, [`COSTED`]).

use crate::finding::Span;
use crate::workflow::{Job, Kinds, Tri, Trigger, TriggerKind};
use memchr::memmem::Finder;
use pipewise_yaml::{Node, NodeKind};
use std::sync::LazyLock;

/// A kind of pipeline: `$CI_PIPELINE_SOURCE`, with branch and tag pipelines apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A push to a branch: the default branch, as the economics model costs it
    /// (`$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH` holds).
    Push,
    /// A merge request (`merge_request_event`) into another branch than the
    /// default one, as the economics model reads its target.
    MergeRequest,
    /// A push to any branch, the default one or another: its name is not known
    /// (a job's kinds, [`JobKinds`]: a job may run on other branches only).
    AnyBranch,
    /// A merge request into any branch: its branch names are not known.
    AnyMergeRequest,
    /// A push of a tag (`$CI_PIPELINE_SOURCE` is `push`, `$CI_COMMIT_TAG` is set).
    Tag,
    /// A pipeline schedule.
    Schedule,
    /// The "Run pipeline" button (`web`).
    Web,
    /// The pipelines API (`api`).
    Api,
    /// A trigger token (`trigger`).
    Trigger,
    /// Another project's pipeline (`pipeline`, multi-project pipelines).
    Pipeline,
    /// The parent pipeline of a child pipeline (`parent_pipeline`).
    ParentPipeline,
}

/// The pipelines the economics model costs, in this order.
pub const COSTED: [Source; 3] = [Source::Push, Source::MergeRequest, Source::Tag];

/// The sources a root pipeline's triggers are read for, in this order.
const ROOT: [Source; 8] = [
    Source::Push,
    Source::MergeRequest,
    Source::Tag,
    Source::Schedule,
    Source::Web,
    Source::Api,
    Source::Trigger,
    Source::Pipeline,
];

impl Source {
    /// `$CI_PIPELINE_SOURCE` in its pipelines.
    pub fn pipeline_source(self) -> &'static str {
        match self {
            Source::Push | Source::Tag | Source::AnyBranch => "push",
            Source::MergeRequest | Source::AnyMergeRequest => "merge_request_event",
            Source::Schedule => "schedule",
            Source::Web => "web",
            Source::Api => "api",
            Source::Trigger => "trigger",
            Source::Pipeline => "pipeline",
            Source::ParentPipeline => "parent_pipeline",
        }
    }
    /// The trigger's name ([`Trigger::event`]): `$CI_PIPELINE_SOURCE`, but `tag`
    /// for a tag pipeline.
    pub fn event(self) -> &'static str {
        match self {
            Source::Tag => "tag",
            s => s.pipeline_source(),
        }
    }
    pub fn kind(self) -> TriggerKind {
        match self {
            Source::Push | Source::AnyBranch => TriggerKind::Push,
            Source::MergeRequest | Source::AnyMergeRequest => TriggerKind::ChangeRequest,
            Source::Tag => TriggerKind::Tag,
            Source::Schedule => TriggerKind::Schedule,
            Source::Web => TriggerKind::Manual,
            Source::Api | Source::Trigger | Source::Pipeline => TriggerKind::Api,
            Source::ParentPipeline => TriggerKind::Call,
        }
    }
    /// GitLab creates these pipelines from a push without being asked; the others
    /// are set up outside the file (schedules, the button, tokens, other projects).
    fn started_by_push(self) -> bool {
        matches!(
            self,
            Source::Push
                | Source::MergeRequest
                | Source::Tag
                | Source::AnyBranch
                | Source::AnyMergeRequest
        )
    }
    fn merge_request(self) -> bool {
        matches!(self, Source::MergeRequest | Source::AnyMergeRequest)
    }
}

/// The sources a job's kinds are read for ([`JobKinds`]), in this order: [`ROOT`]'s
/// with a push to any branch and a merge request into any branch, and a child
/// pipeline's parent.
const JOB: [Source; 9] = [
    Source::AnyBranch,
    Source::AnyMergeRequest,
    Source::Tag,
    Source::Schedule,
    Source::Web,
    Source::Api,
    Source::Trigger,
    Source::Pipeline,
    Source::ParentPipeline,
];

/// What counts as a job being in a pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// It runs by itself (`when: manual` and `never` do not).
    Runs,
    /// It is created in the pipeline, manual or not (`when: never` is not).
    Created,
}

impl Counted {
    fn when(self, w: Option<&Node>) -> bool {
        match w.and_then(Node::as_str) {
            Some("never") => false,
            Some("manual") => self == Counted::Created,
            _ => true,
        }
    }
}

/// What an `if:` text gives for each source asked, by text: the jobs of a pipeline
/// that got their `rules:` from one template or `!reference` ask about the same
/// texts, read once.
#[derive(Default)]
pub struct IfCache<'a, const N: usize> {
    by_text: foldhash::HashMap<&'a str, [Tri; N]>,
    /// By the address and length of a long text: the copies of a template's rules
    /// share their texts (a `Text` longer than [`pipewise_yaml::INLINE`] bytes is
    /// shared), found again without hashing or comparing the text. A text borrowed
    /// for `'a` is not freed or changed while the cache lives, so an address and a
    /// length name one text.
    by_address: foldhash::HashMap<(usize, usize), [Tri; N]>,
}

/// [`IfCache`] with its texts copied: kept by something that outlives no pipeline
/// (a job's kinds, [`JobKinds`], read when a reader asks).
pub type OwnedIfCache<const N: usize> = foldhash::HashMap<Box<str>, [Tri; N]>;

/// What an `if:` text gives for each source, read once per cache.
pub trait Ifs<'a, const N: usize> {
    fn value(&mut self, e: &'a str, sources: &[Source; N]) -> [Tri; N];
}

impl<'a, const N: usize> Ifs<'a, N> for IfCache<'a, N> {
    fn value(&mut self, e: &'a str, sources: &[Source; N]) -> [Tri; N] {
        // A short text is held inline by each copy: its address names no other.
        let address = (e.len() > pipewise_yaml::INLINE).then(|| (e.as_ptr().addr(), e.len()));
        if let Some(v) = address.and_then(|a| self.by_address.get(&a)) {
            return *v;
        }
        let v = *self.by_text.entry(e).or_insert_with(|| expr(e, sources));
        if let Some(a) = address {
            self.by_address.insert(a, v);
        }
        v
    }
}

impl<'a, const N: usize> Ifs<'a, N> for OwnedIfCache<N> {
    fn value(&mut self, e: &'a str, sources: &[Source; N]) -> [Tri; N] {
        if let Some(v) = self.get(e) {
            return *v;
        }
        let v = expr(e, sources);
        self.insert(e.into(), v);
        v
    }
}

/// The triggers of a pipeline: for a child pipeline, its parent (`parent_pipeline`)
/// unless its `workflow: rules:` exclude it. For a root pipeline with `workflow:
/// rules:`, each source they may allow: branch, tag and merge request pipelines,
/// and schedules, the button, the API, trigger tokens and other projects' pipelines
/// when a rule's `if:` names them (`$CI_PIPELINE_SOURCE == "schedule"`); each
/// trigger's node is the first rule that lets it run. Without `workflow: rules:`,
/// GitLab's defaults: branch and tag pipelines, and merge request pipelines when a
/// job may be created in them (its `rules:` or `only: [merge_requests]`).
/// `root` is the span given to triggers no rule states (the root file's start).
pub fn triggers<'a, 'j>(
    rules: Option<&'a Node>,
    child: bool,
    jobs: impl IntoIterator<Item = &'j Job<'a>>,
    root: Span,
) -> Vec<Trigger<'a>>
where
    'a: 'j,
{
    let trigger = |s: Source, config: Option<&'a Node>| Trigger {
        event: s.event(),
        kind: s.kind(),
        span: config.or(rules).map_or(root, |n| n.span),
        config,
    };
    if child {
        let mut by = [None];
        let allowed = rules.map_or(Tri::True, |r| {
            walk::<1, true>(
                r,
                &[Source::ParentPipeline],
                Counted::Runs,
                &mut IfCache::default(),
                &mut by,
            )[0]
        });
        return allowed
            .possible()
            .then(|| trigger(Source::ParentPipeline, by[0]))
            .into_iter()
            .collect();
    }
    let mut by = [None; 8];
    let allowed: [bool; 8] = match rules {
        Some(r) => {
            let tri = walk::<8, true>(r, &ROOT, Counted::Runs, &mut IfCache::default(), &mut by);
            let named = named(r);
            std::array::from_fn(|i| tri[i].possible() && (ROOT[i].started_by_push() || named[i]))
        }
        None => {
            let mut cache = IfCache::default();
            // A job asks for merge request pipelines when its `rules:` or `only:`
            // name them and may put it there (a job without them is only in branch
            // and tag pipelines, GitLab's default `only: [branches, tags]`).
            let mr = jobs.into_iter().any(|j| {
                asks_for_merge_requests(j)
                    && runs_in(
                        j,
                        false,
                        &[Source::MergeRequest],
                        Counted::Created,
                        &mut cache,
                    )[0]
                    .possible()
            });
            std::array::from_fn(|i| match ROOT[i] {
                Source::Push | Source::Tag => true,
                Source::MergeRequest => mr,
                _ => false,
            })
        }
    };
    (0..ROOT.len())
        .filter(|&i| allowed[i])
        .map(|i| trigger(ROOT[i], by[i]))
        .collect()
}

/// Each job's kinds of start ([`Job::kinds`]): the kinds of the sources of [`JOB`]
/// that its pipeline has a trigger for and that its `rules:`/`only:`/`except:` (or
/// `when: never`) may put it in, manual or not. What they do not decide (other
/// variables, regular expressions, `changes:`, a branch's name) counts as putting
/// it there. Made once per pipeline and asked for a job when a reader first wants
/// its kinds (`Workflow::job_kinds`, once per job); each `if:` text is read once for
/// the pipeline, for its sources only.
pub struct JobKinds {
    /// The sources of [`JOB`] the pipeline has a trigger for, with the `if:`
    /// texts read: three, six or nine (the list padded with its last source).
    read: Read,
    has_workflow_rules: bool,
}

enum Read {
    None,
    Three([Source; 3], OwnedIfCache<3>),
    Six([Source; 6], OwnedIfCache<6>),
    Nine([Source; 9], OwnedIfCache<9>),
}

impl JobKinds {
    /// For a pipeline with these triggers ([`triggers`]).
    pub fn new(pipeline: &[Trigger], has_workflow_rules: bool) -> JobKinds {
        let list: Vec<Source> = JOB
            .into_iter()
            .filter(|s| pipeline.iter().any(|t| t.event == s.event()))
            .collect();
        let padded = |i: usize| list.get(i).or(list.last()).copied();
        fn array<const N: usize>(at: impl Fn(usize) -> Option<Source>) -> [Source; N] {
            std::array::from_fn(|i| at(i).unwrap_or(Source::Push))
        }
        let read = match list.len() {
            0 => Read::None,
            1..=3 => Read::Three(array(padded), OwnedIfCache::default()),
            4..=6 => Read::Six(array(padded), OwnedIfCache::default()),
            _ => Read::Nine(array(padded), OwnedIfCache::default()),
        };
        JobKinds {
            read,
            has_workflow_rules,
        }
    }
    /// The kinds of start `job` runs under.
    pub fn of(&mut self, job: &Job) -> Kinds {
        let w = self.has_workflow_rules;
        match &mut self.read {
            Read::None => Kinds::default(),
            Read::Three(s, cache) => kinds_in(job, w, s, cache),
            Read::Six(s, cache) => kinds_in(job, w, s, cache),
            Read::Nine(s, cache) => kinds_in(job, w, s, cache),
        }
    }
}

/// The kinds of the `sources` `job` may be created in.
fn kinds_in<'a, const N: usize>(
    job: &Job<'a>,
    has_workflow_rules: bool,
    sources: &[Source; N],
    cache: &mut OwnedIfCache<N>,
) -> Kinds {
    let runs = runs_in(job, has_workflow_rules, sources, Counted::Created, cache);
    (0..N)
        .filter(|&i| runs[i].possible())
        .fold(Kinds::default(), |k, i| k.with(sources[i].kind()))
}

/// A job's `rules:` `if:`s or `only:` name merge requests (`merge_request_event`,
/// a `$CI_MERGE_REQUEST_…` variable, `merge_requests`): a variable pipewise cannot
/// decide (`$CI_PIPELINE_TRIGGERED`) does not ask for them.
fn asks_for_merge_requests(j: &Job) -> bool {
    let Some(c) = j.condition else {
        return false;
    };
    if let Some(r) = c.rules() {
        return r.as_seq().unwrap_or(&[]).iter().take(256).any(|r| {
            r.get("if").and_then(Node::as_str).is_some_and(|e| {
                // Prebuilt searchers: asked of the rules of every job.
                static LOWER: LazyLock<Finder<'static>> =
                    LazyLock::new(|| Finder::new("merge_request"));
                static UPPER: LazyLock<Finder<'static>> =
                    LazyLock::new(|| Finder::new("MERGE_REQUEST"));
                LOWER.find(e.as_bytes()).is_some() || UPPER.find(e.as_bytes()).is_some()
            })
        });
    }
    c.only_except().0.is_some_and(|o| {
        let refs = o.get("refs").unwrap_or(o);
        match &refs.kind {
            NodeKind::Scalar { value, .. } => value == "merge_requests",
            NodeKind::Seq(items) => items.iter().any(|i| i.as_str() == Some("merge_requests")),
            NodeKind::Map(_) => false,
        }
    })
}

/// The sources of [`ROOT`] that some rule's `if:` names: a quoted word equal to
/// its `$CI_PIPELINE_SOURCE` (`$CI_PIPELINE_SOURCE == "schedule"`), in a text that
/// reads that variable. One pass over each text.
fn named(rules: &Node) -> [bool; 8] {
    let mut out = [false; 8];
    for r in rules.as_seq().unwrap_or(&[]).iter().take(256) {
        let Some(e) = r.get("if").and_then(Node::as_str) else {
            continue;
        };
        if !e.contains("CI_PIPELINE_SOURCE") {
            continue;
        }
        // The words between quotes: every other piece when split at quotes of one
        // kind (a text mixing both kinds is read for each kind).
        for q in ['"', '\''] {
            for word in e.split(q).skip(1).step_by(2) {
                if let Some(i) = ROOT.iter().position(|s| s.pipeline_source() == word) {
                    out[i] = true;
                }
            }
        }
    }
    out
}

/// Whether a job is in the pipelines of each source (`counted`). A job without
/// `rules`/`only`/`except` is in every pipeline `workflow:rules` creates; without
/// `workflow:rules` its default is `only: [branches, tags]`.
pub fn runs_in<'a, const N: usize>(
    job: &Job<'a>,
    has_workflow_rules: bool,
    sources: &[Source; N],
    counted: Counted,
    cache: &mut impl Ifs<'a, N>,
) -> [Tri; N] {
    if let Some(r) = job.condition.and_then(|c| c.rules()) {
        return eval_rules(r, sources, counted, cache);
    }
    if !counted.when(job.when.map(|e| &e.value)) {
        return [Tri::False; N];
    }
    let (only, except) = job.condition.map_or((None, None), |c| c.only_except());
    std::array::from_fn(|i| {
        let s = sources[i];
        let only = match only {
            Some(o) => refs_match(o, s),
            None if except.is_some() => Tri::True,
            None => tri(!s.merge_request() || has_workflow_rules),
        };
        let except = except.map_or(Tri::False, |e| refs_match(e, s));
        and(only, !except)
    })
}

/// `rules:` for each source asked: the first rule whose `if:` holds decides; no
/// rule holds → not run. A rule whose `if:` is undecided, or with
/// `changes:`/`exists:`, makes the outcome undecided unless every possible outcome
/// agrees. The list is walked once for all sources; each `if:` text is read once
/// per cache.
pub fn eval_rules<'a, const N: usize>(
    rules: &'a Node,
    sources: &[Source; N],
    counted: Counted,
    cache: &mut impl Ifs<'a, N>,
) -> [Tri; N] {
    walk::<N, false>(rules, sources, counted, cache, &mut [None; N])
}

/// [`eval_rules`], also saying (when `BY`) for each source the rule that lets it
/// run: the one that decides it, else the first that may.
fn walk<'a, const N: usize, const BY: bool>(
    rules: &'a Node,
    sources: &[Source; N],
    counted: Counted,
    cache: &mut impl Ifs<'a, N>,
    by: &mut [Option<&'a Node>; N],
) -> [Tri; N] {
    let Some(items) = rules.as_seq() else {
        return [Tri::Unknown; N];
    };
    let (mut yes, mut no) = ([false; N], [false; N]);
    let mut decided: [Option<Tri>; N] = [None; N];
    for r in items.iter().take(256) {
        let Some(entries) = r.as_map() else {
            // `!reference` or a scalar: not read; sources a rule before decided keep it.
            return decided.map(|d| d.unwrap_or(Tri::Unknown));
        };
        // The rule's keys in one pass (the first of each name, as `Node::get`).
        let (mut if_, mut unsure, mut when) = (None, false, None);
        for e in entries {
            match e.key.as_str() {
                Some("if") if if_.is_none() => if_ = Some(&e.value),
                Some("changes" | "exists") => unsure = true,
                Some("when") if when.is_none() => when = Some(&e.value),
                _ => {}
            }
        }
        let ifs = match if_.and_then(Node::as_str) {
            Some(e) => cache.value(e, sources),
            None => [Tri::True; N],
        };
        let outcome = counted.when(when);
        for i in 0..N {
            if decided[i].is_some() {
                continue;
            }
            let c = if unsure {
                and(ifs[i], Tri::Unknown)
            } else {
                ifs[i]
            };
            if c == Tri::False {
                continue;
            }
            yes[i] |= outcome;
            no[i] |= !outcome;
            if BY && outcome && (c == Tri::True || by[i].is_none()) {
                by[i] = Some(r);
            }
            if c == Tri::True {
                decided[i] = Some(verdict(yes[i], no[i]));
            }
        }
        if decided.iter().all(Option::is_some) {
            break;
        }
    }
    std::array::from_fn(|i| decided[i].unwrap_or_else(|| verdict(yes[i], true)))
}

fn verdict(yes: bool, no: bool) -> Tri {
    match (yes, no) {
        (true, false) => Tri::True,
        (false, _) => Tri::False,
        (true, true) => Tri::Unknown,
    }
}

/// `only:`/`except:` refs for source `s`: `branches`, `tags`, `merge_requests`,
/// `pushes`, `schedules`, `web`, `api`, `triggers`, `pipelines`, `main`/`master`;
/// other names and regular expressions undecided for branch and tag pipelines,
/// `variables:`/`changes:`/`kubernetes:` undecided.
fn refs_match(n: &Node, s: Source) -> Tri {
    use Source as S;
    let refs = match &n.kind {
        NodeKind::Map(m) => {
            if m.iter().any(|e| e.key.as_str() != Some("refs")) {
                return Tri::Unknown;
            }
            match n.get("refs") {
                Some(r) => r,
                None => return Tri::Unknown,
            }
        }
        _ => n,
    };
    let names: Vec<&str> = match &refs.kind {
        NodeKind::Scalar { value, .. } => vec![value.as_str()],
        NodeKind::Seq(items) => items.iter().filter_map(Node::as_str).collect(),
        _ => vec![],
    };
    let mut out = Tri::False;
    for r in names {
        let m = match r {
            "branches" => tri(matches!(s, S::Push | S::AnyBranch)),
            "tags" => tri(s == S::Tag),
            "merge_requests" => tri(s.merge_request()),
            "pushes" => tri(matches!(s, S::Push | S::Tag | S::AnyBranch)),
            "schedules" => tri(s == S::Schedule),
            "web" => tri(s == S::Web),
            "api" => tri(s == S::Api),
            "triggers" => tri(s == S::Trigger),
            "pipelines" => tri(matches!(s, S::Pipeline | S::ParentPipeline)),
            "main" | "master" if s == S::AnyBranch => Tri::Unknown,
            "main" | "master" if s.started_by_push() => tri(s == S::Push),
            "external" | "chat" | "external_pull_requests" => Tri::False,
            _ if s.merge_request() => Tri::False,
            _ => Tri::Unknown,
        };
        out = or(out, m);
    }
    out
}

/// A rule's `if:` for each source asked: `||` of `&&` of comparisons on the
/// predefined variables GitLab sets per pipeline source; parentheses, regex matches
/// and other variables are undecided. The text is split once for all sources.
pub fn expr<const N: usize>(e: &str, sources: &[Source; N]) -> [Tri; N] {
    if e.contains('(') || e.len() > 2000 {
        return [Tri::Unknown; N];
    }
    split2(e, b'|').fold([Tri::False; N], |acc, alt| {
        let all = split2(alt, b'&').fold([Tri::True; N], |a, atom| {
            let v = atom_value(atom.trim(), sources);
            std::array::from_fn(|i| and(a[i], v[i]))
        });
        std::array::from_fn(|i| or(acc[i], all[i]))
    })
}

/// `s` split at each `cc` (a two-byte operator such as `||`), as
/// `s.split("||")` splits: left to right, matches not overlapping. Reads the bytes
/// once, without building a substring searcher per text.
fn split2(s: &str, c: u8) -> impl Iterator<Item = &str> {
    let b = s.as_bytes();
    let (mut start, mut from, mut done) = (0, 0, false);
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        while let Some(k) = b.get(from..).and_then(|rest| memchr::memchr(c, rest)) {
            let i = from + k;
            if b.get(i + 1) == Some(&c) {
                // `c` is ASCII: both ends are character boundaries.
                let piece = s.get(start..i);
                start = i + 2;
                from = start;
                return piece;
            }
            from = i + 1;
        }
        done = true;
        s.get(start..)
    })
}

/// Where a comparison's operators are in one atom, read in one pass: the first
/// `==`, the first `!=`, and whether a regex match (`=~`, `!~`) is written.
struct Operators {
    eq: Option<usize>,
    ne: Option<usize>,
    regex: bool,
}

impl Operators {
    fn of(a: &str) -> Operators {
        let b = a.as_bytes();
        let mut out = Operators {
            eq: None,
            ne: None,
            regex: false,
        };
        for i in memchr::memchr2_iter(b'=', b'!', b) {
            match (b.get(i), b.get(i + 1)) {
                (Some(b'='), Some(b'=')) => out.eq = out.eq.or(Some(i)),
                (Some(b'!'), Some(b'=')) => out.ne = out.ne.or(Some(i)),
                (_, Some(b'~')) => out.regex = true,
                _ => {}
            }
        }
        out
    }
}

/// The value of a variable in a source's pipelines: `Some(Some(v))` set to `v`,
/// `Some(None)` unset, `None` not known. Branch and tag names are known only for
/// branch, merge request and tag pipelines (the others run on a ref chosen outside
/// the file); merge request variables are unset outside merge request pipelines
/// (but child pipelines, which may inherit them). [`Source::AnyBranch`] and
/// [`Source::AnyMergeRequest`] set their branch variables to [`ANY`].
fn var(name: &str, s: Source) -> Option<Option<&'static str>> {
    use Source as S;
    let known_ref = s.started_by_push();
    Some(match name {
        "CI_PIPELINE_SOURCE" => Some(s.pipeline_source()),
        "CI_COMMIT_TAG" if known_ref => (s == S::Tag).then_some("<tag>"),
        "CI_COMMIT_BRANCH" if known_ref => match s {
            S::Push => Some("<default>"),
            S::AnyBranch => Some(ANY),
            _ => None,
        },
        "CI_DEFAULT_BRANCH" => Some("<default>"),
        "CI_MERGE_REQUEST_ID"
        | "CI_MERGE_REQUEST_IID"
        | "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"
        | "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
            if s != S::ParentPipeline =>
        {
            match s {
                S::MergeRequest => Some("<mr>"),
                S::AnyMergeRequest => Some(ANY),
                _ => None,
            }
        }
        "CI_COMMIT_REF_NAME" if s == S::Push => Some("<default>"),
        "CI_COMMIT_REF_NAME" if s == S::AnyBranch => Some(ANY),
        _ => return None,
    })
}

/// The value of a variable that is set to a name not known (a branch's): equal to
/// nothing and different from nothing but unset (`null`).
const ANY: &str = "<any>";

fn operand(t: &str, s: Source) -> Option<Option<&str>> {
    let t = t.trim();
    if let Some(v) = t.strip_prefix('$') {
        let v = v.trim_start_matches('{').trim_end_matches('}');
        return var(v, s);
    }
    if t == "null" {
        return Some(None);
    }
    let q = t
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .or_else(|| t.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))?;
    Some(Some(q))
}

/// One comparison or variable test for each source asked (split once).
fn atom_value<const N: usize>(a: &str, sources: &[Source; N]) -> [Tri; N] {
    let ops = Operators::of(a);
    let split = |at: Option<usize>| at.map(|p| (&a[..p], &a[p + 2..]));
    for (found, eq) in [(split(ops.eq), true), (split(ops.ne), false)] {
        if let Some((l, r)) = found {
            return std::array::from_fn(|i| {
                match (operand(l, sources[i]), operand(r, sources[i])) {
                    // A branch name (`<default>`, `<mr>`) is not known as text:
                    // compared with a literal, undecided; [`ANY`] with anything set.
                    (Some(Some(x)), Some(Some(y)))
                        if x.starts_with('<') != y.starts_with('<') || x == ANY || y == ANY =>
                    {
                        Tri::Unknown
                    }
                    (Some(x), Some(y)) => tri((x == y) == eq),
                    _ => Tri::Unknown,
                }
            });
        }
    }
    if ops.regex {
        return [Tri::Unknown; N];
    }
    let (neg, v) = match a.strip_prefix('!') {
        Some(v) => (true, v.trim()),
        None => (false, a),
    };
    std::array::from_fn(
        |i| match v.strip_prefix('$').and_then(|n| var(n, sources[i])) {
            Some(set) => tri(set.is_some_and(|s| !s.is_empty()) != neg),
            None => Tri::Unknown,
        },
    )
}

fn tri(b: bool) -> Tri {
    if b {
        Tri::True
    } else {
        Tri::False
    }
}

fn and(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Tri::False, _) | (_, Tri::False) => Tri::False,
        (Tri::True, Tri::True) => Tri::True,
        _ => Tri::Unknown,
    }
}

fn or(a: Tri, b: Tri) -> Tri {
    !and(!a, !b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_expressions_are_decided_per_source() {
        let e = |t: &str| expr(t, &COSTED);
        use Tri::*;
        assert_eq!(
            e("$CI_PIPELINE_SOURCE == \"merge_request_event\""),
            [False, True, False]
        );
        assert_eq!(e("$CI_COMMIT_TAG"), [False, False, True]);
        assert_eq!(
            e("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"),
            [True, False, False]
        );
        assert_eq!(e("$CI_COMMIT_TAG == null"), [True, True, False]);
        assert_eq!(e("$DEPLOY == \"yes\""), [Unknown, Unknown, Unknown]);
        assert_eq!(
            e("$CI_COMMIT_BRANCH == \"master\""),
            [Unknown, False, False]
        );
        assert_eq!(
            e("$CI_MERGE_REQUEST_TARGET_BRANCH_NAME == \"main\""),
            [False, Unknown, False]
        );
        assert_eq!(e("$CI_COMMIT_TAG || $DEPLOY"), [Unknown, Unknown, True]);
        assert_eq!(e("$CI_COMMIT_TAG && $DEPLOY"), [False, False, Unknown]);
        // Pipelines started outside the file: their ref is not known, merge request
        // variables are unset (but in child pipelines).
        let others = [Source::Schedule, Source::Web, Source::ParentPipeline];
        assert_eq!(
            expr("$CI_PIPELINE_SOURCE == \"schedule\"", &others),
            [True, False, False]
        );
        assert_eq!(expr("$CI_COMMIT_BRANCH", &others), [Unknown; 3]);
        assert_eq!(
            expr("$CI_MERGE_REQUEST_IID", &others),
            [False, False, Unknown]
        );
    }

    /// The former reading of an `if:`, one source at a time, as the oracle.
    fn expr_one(e: &str, s: Source) -> Tri {
        if e.contains('(') || e.len() > 2000 {
            return Tri::Unknown;
        }
        e.split("||").fold(Tri::False, |acc, alt| {
            or(
                acc,
                alt.split("&&")
                    .fold(Tri::True, |a, atom| and(a, atom_one(atom.trim(), s))),
            )
        })
    }

    fn atom_one(a: &str, s: Source) -> Tri {
        for (op, eq) in [("==", true), ("!=", false)] {
            if let Some((l, r)) = a.split_once(op) {
                return match (operand(l, s), operand(r, s)) {
                    (Some(Some(x)), Some(Some(y)))
                        if x.starts_with('<') != y.starts_with('<') || x == ANY || y == ANY =>
                    {
                        Tri::Unknown
                    }
                    (Some(x), Some(y)) => tri((x == y) == eq),
                    _ => Tri::Unknown,
                };
            }
        }
        if a.contains("=~") || a.contains("!~") {
            return Tri::Unknown;
        }
        let (neg, v) = match a.strip_prefix('!') {
            Some(v) => (true, v.trim()),
            None => (false, a),
        };
        match v.strip_prefix('$').and_then(|n| var(n, s)) {
            Some(set) => tri(set.is_some_and(|x| !x.is_empty()) != neg),
            None => Tri::Unknown,
        }
    }

    #[test]
    fn expressions_read_once_decide_as_one_source_at_a_time() {
        let texts = [
            "$CI_PIPELINE_SOURCE == \"merge_request_event\"",
            "$CI_PIPELINE_SOURCE != \"merge_request_event\" && $CI_COMMIT_TAG",
            "$CI_COMMIT_TAG || $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH",
            "$CI_COMMIT_BRANCH == \"main\" || $CI_MERGE_REQUEST_IID",
            "$CI_COMMIT_REF_NAME == $CI_DEFAULT_BRANCH && $DEPLOY == 'yes'",
            "!$CI_COMMIT_TAG && $CI_PIPELINE_SOURCE == 'push'",
            "$CI_COMMIT_TAG =~ /^v/ || $CI_PIPELINE_SOURCE == \"schedule\"",
            "($CI_COMMIT_TAG)",
            "$CI_COMMIT_TAG == null",
            "${CI_COMMIT_BRANCH} != null && ${CI_MERGE_REQUEST_ID} == null",
            "$X || $Y && $Z",
            "",
            "||&&",
            "|||",
            "&&&$CI_COMMIT_TAG&&",
            "$CI_COMMIT_TAG === 'x' || $X !== \"y\"",
            "$CI_COMMIT_BRANCH !=~ /x/ && $CI_COMMIT_TAG",
            "$CI_COMMIT_TAG=~/v/||$CI_PIPELINE_SOURCE=='push'",
            "|&|$CI_COMMIT_TAG&|&",
            "é || $CI_COMMIT_TAG && ü",
            "$CI_COMMIT_TAG != 'a!=b' && $CI_PIPELINE_SOURCE == \"a==b\"",
            "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME == \"main\" && $CI_PIPELINE_SOURCE == \"merge_request_event\"",
        ];
        for t in texts {
            assert_eq!(expr(t, &COSTED), COSTED.map(|s| expr_one(t, s)), "{t}");
            assert_eq!(expr(t, &ROOT), ROOT.map(|s| expr_one(t, s)), "{t}");
            assert_eq!(expr(t, &JOB), JOB.map(|s| expr_one(t, s)), "{t}");
        }
    }

    /// The former walk, one source at a time, as the oracle.
    fn eval_rules_one(rules: &Node, s: Source) -> Tri {
        let Some(items) = rules.as_seq() else {
            return Tri::Unknown;
        };
        let (mut yes, mut no) = (false, false);
        for r in items.iter().take(256) {
            if r.as_map().is_none() {
                return Tri::Unknown;
            }
            let mut c = r
                .get("if")
                .and_then(Node::as_str)
                .map_or(Tri::True, |e| expr_one(e, s));
            if r.get("changes").is_some() || r.get("exists").is_some() {
                c = and(c, Tri::Unknown);
            }
            let outcome = Counted::Runs.when(r.get("when"));
            match c {
                Tri::False => continue,
                Tri::Unknown => {
                    yes |= outcome;
                    no |= !outcome;
                }
                Tri::True => {
                    yes |= outcome;
                    no |= !outcome;
                    return verdict(yes, no);
                }
            }
        }
        verdict(yes, true)
    }

    #[test]
    fn rules_walked_once_for_all_sources_decide_as_one_at_a_time() {
        let lists = [
            "- if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n- if: $CI_COMMIT_TAG\n  when: never\n- when: always\n",
            "- if: $CI_COMMIT_TAG\n  when: manual\n- if: $DEPLOY\n- changes: [a]\n",
            "- if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n- if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n  when: never\n",
            "- if: $CI_COMMIT_TAG\n- x\n- when: always\n",
            "- x\n",
            "- if: $X\n  exists: [f]\n  when: never\n- if: $CI_COMMIT_TAG == null\n",
            "[]\n",
            "a: b\n",
            "- {}\n",
            "- if: $CI_COMMIT_TAG\n- if: $CI_COMMIT_TAG\n  when: never\n",
            // A key written twice: the first is read, as `Node::get` reads it.
            "- if: $CI_COMMIT_TAG\n  if: $SECOND_IF\n  when: never\n  when: always\n- when: manual\n",
            "- when: never\n  if: $CI_COMMIT_TAG\n  changes: [a]\n  exists: [b]\n- if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n  when: on_success\n",
            "- if: $CI_PIPELINE_SOURCE == \"schedule\"\n  when: never\n- if: $CI_PIPELINE_SOURCE == \"web\"\n- if: $CI_COMMIT_BRANCH\n",
        ];
        let mut cache = IfCache::default();
        let mut wide = IfCache::default();
        let docs: Vec<_> = lists
            .iter()
            .map(|l| pipewise_yaml::Document::parse(l.to_string()).expect("parses"))
            .collect();
        for d in &docs {
            let all = eval_rules(&d.root, &COSTED, Counted::Runs, &mut cache);
            assert_eq!(
                all,
                COSTED.map(|s| eval_rules_one(&d.root, s)),
                "{:?}",
                d.source()
            );
            let all = eval_rules(&d.root, &ROOT, Counted::Runs, &mut wide);
            assert_eq!(
                all,
                ROOT.map(|s| eval_rules_one(&d.root, s)),
                "{:?}",
                d.source()
            );
        }
        // The texts were read once and shared.
        assert!(cache.by_text.contains_key("$CI_COMMIT_TAG"));
        assert_eq!(cache.by_text.len(), 6 + 3);
        // Of a key written twice, only the first was read.
        assert!(!cache.by_text.contains_key("$SECOND_IF"));
    }

    /// `when: manual` counts when asking whether a job is created in a pipeline,
    /// not when asking whether it runs by itself; `when: never` in neither.
    #[test]
    fn manual_jobs_are_created_but_do_not_run_by_themselves() {
        let d = pipewise_yaml::Document::parse(
            "- if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n  when: manual\n- if: $CI_COMMIT_TAG\n  when: never\n- when: on_success\n"
                .to_string(),
        )
        .expect("parses");
        use Tri::*;
        let runs = eval_rules(&d.root, &COSTED, Counted::Runs, &mut IfCache::default());
        assert_eq!(runs, [True, False, False]);
        let created = eval_rules(&d.root, &COSTED, Counted::Created, &mut IfCache::default());
        assert_eq!(created, [True, True, False]);
    }
}
