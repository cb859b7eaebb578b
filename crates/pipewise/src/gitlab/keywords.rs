//! The inner structure of job keywords, as GitLab's CI schema (`ci.json`) and its
//! `Config::Entry` validators have it: the keys `artifacts:` (and its `reports:`),
//! `cache:` (and its `key:`), `rules:` items, `environment:`, `trigger:`, `needs:`
//! items, `parallel:`, `image:`, `services:` items, `retry:`, `allow_failure:`,
//! `inherit:`, `release:`, `hooks:` and `id_tokens:` may hold, the value each key
//! takes, and a few rules between keys (`trigger:` names a `project` or an
//! `include`, not both; `environment:` as a mapping has a `name`; `when: delayed` in
//! a rule needs `start_in`; at most four caches, five `fallback_keys`, 200 matrix
//! entries; a cache key without `/`; `environment: on_stop` names a job of the
//! pipeline with the same environment and `action: stop`).
//!
//! Checked on each merged job before its spans are decoded, so every problem points
//! into the file its node is written in (a template's `artifacts:` merged into a
//! job's is reported where the template writes it). Lenient where GitLab reads a
//! value later: `$[[ inputs ]]` interpolations and values with variables are not
//! judged, `null` is accepted (GitLab's `allow_nil`), and the value types of
//! scalars are only judged where a boolean or one of a few words is wanted (a
//! string key given a number is left alone). Linear in the size of the job.

use crate::finding::Span;
use pipewise_yaml::{Entry, Node, NodeKind};

/// Marks a `!reference [..]` sequence while a pipeline is merged (a key no real
/// mapping has); one left in a merged job names what could not be resolved.
pub(super) const REFERENCE: &str = "\u{0}!reference";

/// Whether a mapping is a `!reference` marker.
fn is_reference(entries: &[Entry]) -> bool {
    matches!(entries, [e] if e.key.as_str() == Some(REFERENCE))
}

/// A problem found: the node's span (as the caller gave it: a merged job's spans
/// still carry their file) and the message.
pub(super) type Issue = (Span, String);

/// What a value may be.
#[derive(Clone, Copy)]
enum V {
    /// Anything (sub-keys GitLab adds often, such as `environment: kubernetes:`).
    Any,
    /// A scalar.
    Scalar,
    /// `true` or `false` (YAML 1.1 `yes`/`no`/`on`/`off` too, as GitLab reads them).
    Bool,
    /// One of these words (a value with a variable is not judged).
    Word(&'static [&'static str]),
    /// A list of items of this kind (nested lists, from anchors, are flattened).
    List(&'static V),
    /// A mapping with these keys only.
    Map(&'static [(&'static str, V)]),
    /// A mapping with any keys, each value of this kind.
    MapOf(&'static V),
    /// One of these (the first whose shape fits the value is checked further).
    Either(&'static [V]),
}

const STRINGS: V = V::List(&V::Scalar);
const STRING_OR_LIST: V = V::Either(&[V::Scalar, STRINGS]);
const WHEN_UPLOAD: V = V::Word(&["on_success", "on_failure", "always"]);
const PULL_POLICY: &[&str] = &["always", "never", "if-not-present"];
const PULL: V = V::Either(&[V::Word(PULL_POLICY), V::List(&V::Word(PULL_POLICY))]);
const EXIT_CODES: V = V::Either(&[V::Scalar, STRINGS]);

/// `artifacts: reports:` types (GitLab's `Entry::Reports`).
const REPORTS: &[(&str, V)] = &[
    ("accessibility", STRING_OR_LIST),
    ("annotations", STRING_OR_LIST),
    ("api_fuzzing", STRING_OR_LIST),
    ("browser_performance", STRING_OR_LIST),
    ("cluster_image_scanning", STRING_OR_LIST),
    ("codequality", STRING_OR_LIST),
    ("container_scanning", STRING_OR_LIST),
    ("coverage_fuzzing", STRING_OR_LIST),
    (
        "coverage_report",
        V::Map(&[
            ("coverage_format", V::Word(&["cobertura", "jacoco"])),
            ("path", V::Scalar),
        ]),
    ),
    ("cyclonedx", STRING_OR_LIST),
    ("dast", STRING_OR_LIST),
    ("dependency_scanning", STRING_OR_LIST),
    ("dotenv", STRING_OR_LIST),
    ("junit", STRING_OR_LIST),
    ("license_management", STRING_OR_LIST),
    ("license_scanning", STRING_OR_LIST),
    ("load_performance", STRING_OR_LIST),
    ("lsif", STRING_OR_LIST),
    ("metrics", STRING_OR_LIST),
    ("performance", STRING_OR_LIST),
    ("repository_xray", STRING_OR_LIST),
    ("requirements", STRING_OR_LIST),
    ("requirements_v2", STRING_OR_LIST),
    ("sast", STRING_OR_LIST),
    ("secret_detection", STRING_OR_LIST),
    ("terraform", STRING_OR_LIST),
];

const ARTIFACTS: V = V::Map(&[
    (
        "access",
        V::Word(&["all", "developer", "maintainer", "none"]),
    ),
    ("exclude", STRINGS),
    ("expire_in", V::Scalar),
    ("expose_as", V::Scalar),
    ("name", V::Scalar),
    ("paths", STRINGS),
    ("public", V::Bool),
    ("reports", V::Map(REPORTS)),
    ("untracked", V::Bool),
    ("when", WHEN_UPLOAD),
]);

const CACHE_KEY: V = V::Either(&[
    V::Scalar,
    V::Map(&[
        ("files", STRINGS),
        ("files_commits", STRINGS),
        ("prefix", V::Scalar),
    ]),
]);
const CACHE_ITEM: V = V::Map(&[
    ("fallback_keys", STRINGS),
    ("key", CACHE_KEY),
    ("paths", STRINGS),
    ("policy", V::Word(&["pull", "push", "pull-push"])),
    ("unprotect", V::Bool),
    ("untracked", V::Bool),
    ("when", WHEN_UPLOAD),
]);
const CACHE: V = V::Either(&[CACHE_ITEM, V::List(&CACHE_ITEM)]);

const MATRIX: V = V::List(&V::MapOf(&STRING_OR_LIST));
const PARALLEL_MATRIX: V = V::Map(&[("matrix", MATRIX)]);
const PARALLEL: V = V::Either(&[V::Scalar, PARALLEL_MATRIX]);

/// A `needs:` item: a job name or a mapping (job, pipeline or cross-project need).
const NEED: V = V::Either(&[
    V::Scalar,
    V::Map(&[
        ("artifacts", V::Bool),
        ("job", V::Scalar),
        ("optional", V::Bool),
        ("parallel", PARALLEL_MATRIX),
        ("pipeline", V::Scalar),
        ("project", V::Scalar),
        ("ref", V::Scalar),
    ]),
]);
/// A need in a `rules:` item: only the job form.
const RULE_NEED: V = V::Either(&[
    V::Scalar,
    V::Map(&[
        ("artifacts", V::Bool),
        ("job", V::Scalar),
        ("optional", V::Bool),
    ]),
]);

const RULE: V = V::Map(&[
    ("allow_failure", V::Bool),
    (
        "changes",
        V::Either(&[
            STRINGS,
            V::Map(&[("compare_to", V::Scalar), ("paths", STRINGS)]),
        ]),
    ),
    (
        "exists",
        V::Either(&[
            STRINGS,
            V::Map(&[
                ("paths", STRINGS),
                ("project", V::Scalar),
                ("ref", V::Scalar),
            ]),
        ]),
    ),
    ("if", V::Scalar),
    ("interruptible", V::Bool),
    ("needs", V::List(&RULE_NEED)),
    ("start_in", V::Scalar),
    ("variables", V::MapOf(&V::Scalar)),
    // Its values are checked with the job's `when:` (`check_values`).
    ("when", V::Scalar),
]);

const ENVIRONMENT: V = V::Either(&[
    V::Scalar,
    V::Map(&[
        (
            "action",
            V::Word(&["start", "prepare", "stop", "verify", "access"]),
        ),
        ("auto_stop_in", V::Scalar),
        (
            "deployment_tier",
            V::Word(&["production", "staging", "testing", "development", "other"]),
        ),
        ("kubernetes", V::Any),
        ("name", V::Scalar),
        ("on_stop", V::Scalar),
        ("url", V::Scalar),
    ]),
]);

const TRIGGER: V = V::Either(&[
    V::Scalar,
    V::Map(&[
        ("branch", V::Scalar),
        (
            "forward",
            V::Map(&[("pipeline_variables", V::Bool), ("yaml_variables", V::Bool)]),
        ),
        ("include", V::Either(&[V::Scalar, V::List(&V::Any)])),
        ("inputs", V::Any),
        ("project", V::Scalar),
        ("strategy", V::Word(&["depend", "mirror"])),
    ]),
]);

const IMAGE_KEYS: &[(&str, V)] = &[
    ("docker", V::Any),
    ("entrypoint", STRINGS),
    ("kubernetes", V::Any),
    ("name", V::Scalar),
    ("pull_policy", PULL),
];
const SERVICE: V = V::Either(&[
    V::Scalar,
    V::Map(&[
        ("alias", V::Scalar),
        ("command", STRINGS),
        ("docker", V::Any),
        ("entrypoint", STRINGS),
        ("kubernetes", V::Any),
        ("name", V::Scalar),
        ("pull_policy", PULL),
        ("variables", V::Any),
    ]),
]);

const RETRY: V = V::Either(&[
    V::Scalar,
    V::Map(&[
        ("exit_codes", EXIT_CODES),
        ("max", V::Scalar),
        ("when", STRING_OR_LIST),
    ]),
]);

const ALLOW_FAILURE: V = V::Either(&[V::Bool, V::Map(&[("exit_codes", EXIT_CODES)])]);

const INHERIT: V = V::Map(&[
    ("default", V::Either(&[V::Bool, STRINGS])),
    ("variables", V::Either(&[V::Bool, STRINGS])),
]);

const RELEASE: V = V::Map(&[
    ("assets", V::Map(&[("links", V::List(&V::Any))])),
    ("description", V::Scalar),
    ("milestones", STRINGS),
    ("name", V::Scalar),
    ("ref", V::Scalar),
    ("released_at", V::Scalar),
    ("tag_message", V::Scalar),
    ("tag_name", V::Scalar),
]);

const ID_TOKENS: V = V::MapOf(&V::Map(&[("aud", STRING_OR_LIST)]));

/// Job keywords whose inner structure is checked.
const KEYWORDS: &[(&str, V)] = &[
    ("allow_failure", ALLOW_FAILURE),
    ("artifacts", ARTIFACTS),
    ("cache", CACHE),
    ("environment", ENVIRONMENT),
    ("hooks", V::Map(&[("pre_get_sources_script", V::Any)])),
    ("id_tokens", ID_TOKENS),
    ("image", V::Either(&[V::Scalar, V::Map(IMAGE_KEYS)])),
    ("inherit", INHERIT),
    ("needs", V::List(&NEED)),
    ("parallel", PARALLEL),
    ("release", RELEASE),
    ("retry", RETRY),
    ("rules", V::List(&RULE)),
    ("services", V::List(&SERVICE)),
    ("trigger", TRIGGER),
];

/// The place of `key` in [`KEYWORDS`] (a `match`: asked for every top-level key of
/// every merged job, where comparing it with each keyword cost more).
fn keyword_index(key: &str) -> Option<usize> {
    Some(match key {
        "allow_failure" => 0,
        "artifacts" => 1,
        "cache" => 2,
        "environment" => 3,
        "hooks" => 4,
        "id_tokens" => 5,
        "image" => 6,
        "inherit" => 7,
        "needs" => 8,
        "parallel" => 9,
        "release" => 10,
        "retry" => 11,
        "rules" => 12,
        "services" => 13,
        "trigger" => 14,
        _ => return None,
    })
}

/// Keys a mapping must have, by the keyword path it sits at (`id_tokens:` names
/// any key: `id_tokens:ID_TOKEN_1`). A `match`: asked for every mapping checked.
fn required(path: &str) -> &'static [&'static str] {
    match path {
        "environment" | "image" | "services" => &["name"],
        "needs" | "rules:needs" => &["job"],
        "parallel" => &["matrix"],
        "release" => &["tag_name", "description"],
        _ if path.starts_with("id_tokens:") => &["aud"],
        _ => &[],
    }
}

/// GitLab's limits on list lengths, by keyword path.
fn max_items(path: &str) -> Option<usize> {
    match path {
        "cache" => Some(4),
        "cache:fallback_keys" => Some(5),
        "cache:key:files" | "cache:key:files_commits" => Some(2),
        "parallel:matrix" => Some(200),
        _ => None,
    }
}

struct Ctx<'a> {
    /// What is checked, for messages.
    owner: Owner<'a>,
    /// The keyword path of the node being checked (`artifacts:reports`), one
    /// buffer extended and cut back as [`check`] descends.
    path: String,
    out: &'a mut Vec<Issue>,
}

/// What a message is about: "job `x`", or a text such as "`workflow`". Written
/// only when a message is (every merged job is checked; few have a problem).
#[derive(Clone, Copy)]
pub(super) enum Owner<'a> {
    Job(&'a str),
    Text(&'a str),
}

impl std::fmt::Display for Owner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Owner::Job(name) => write!(f, "job `{name}`"),
            Owner::Text(t) => f.write_str(t),
        }
    }
}

impl Ctx<'_> {
    /// Runs `f` with `:key` added to the path.
    fn below(&mut self, key: &str, f: impl FnOnce(&mut Self)) {
        let len = self.path.len();
        self.path.push(':');
        self.path.push_str(key);
        f(self);
        self.path.truncate(len);
    }
    /// A problem at `n`.
    fn at(&mut self, n: &Node, message: String) {
        self.out.push((n.span, message));
    }
}

/// A value GitLab replaces before it validates, or a `!reference` left unresolved
/// (reported where it is resolved).
fn unjudged(n: &Node) -> bool {
    n.is_null() || n.as_str().is_some_and(has_inputs) || n.as_map().is_some_and(is_reference)
}

/// Whether `s` interpolates `$[[ inputs ]]` (`s.contains("$[[")` without building a
/// substring searcher: every checked scalar of every merged job passes here).
pub(super) fn has_inputs(s: &str) -> bool {
    crate::keywords::find_literal(s, "$[[").is_some()
}

fn fits(v: &V, n: &Node) -> bool {
    match (v, &n.kind) {
        (V::Any, _) => true,
        (V::Scalar | V::Bool | V::Word(_), NodeKind::Scalar { .. }) => true,
        (V::List(_), NodeKind::Seq(_)) => true,
        (V::Map(_) | V::MapOf(_), NodeKind::Map(_)) => true,
        (V::Either(alts), _) => alts.iter().any(|a| fits(a, n)),
        _ => false,
    }
}

fn describe(v: &V) -> String {
    match v {
        V::Any => "anything".into(),
        V::Scalar => "a string".into(),
        V::Bool => "`true` or `false`".into(),
        V::Word(ws) => format!("one of {}", ws.join(", ")),
        V::List(_) => "a list".into(),
        V::Map(_) | V::MapOf(_) => "a mapping".into(),
        V::Either(alts) => alts.iter().map(describe).collect::<Vec<_>>().join(" or "),
    }
}

/// A plain or quoted scalar GitLab's YAML reader (YAML 1.1) reads as a boolean.
fn is_bool(n: &Node) -> bool {
    matches!(
        &n.kind,
        NodeKind::Scalar { value, style: pipewise_yaml::Style::Plain }
            if matches!(value.to_ascii_lowercase().as_str(), "true" | "false" | "yes" | "no" | "on" | "off")
    )
}

/// Whether any scalar passes `v` as it is (no word or boolean to check): such
/// values are skipped without reading their text or building their path.
fn any_scalar(v: &V) -> bool {
    match v {
        V::Any | V::Scalar => true,
        V::Either(alts) => alts
            .iter()
            .find(|a| matches!(a, V::Any | V::Scalar | V::Bool | V::Word(_)))
            .is_some_and(any_scalar),
        _ => false,
    }
}

/// Checks `n` (at keyword path `cx.path`, e.g. `artifacts:reports`) against `v`.
fn check(cx: &mut Ctx, v: &V, n: &Node, depth: usize) {
    if depth > 16 || matches!(n.kind, NodeKind::Scalar { .. }) && any_scalar(v) || unjudged(n) {
        return;
    }
    if !fits(v, n) {
        let message = format!(
            "`{}` of {} must be {}, found {}",
            cx.path,
            cx.owner,
            describe(v),
            n.type_name()
        );
        cx.at(n, message);
        return;
    }
    match v {
        V::Any | V::Scalar => {}
        V::Bool => {
            if n.as_str().is_some_and(|s| !s.contains('$')) && !is_bool(n) {
                let message = format!("`{}` of {} must be `true` or `false`", cx.path, cx.owner);
                cx.at(n, message);
            }
        }
        V::Word(words) => {
            if let Some(s) = n.as_str().filter(|s| !s.contains('$')) {
                if !words.contains(&s) {
                    let message = format!(
                        "`{}: {s}` of {} is not one of {}",
                        cx.path,
                        cx.owner,
                        words.join(", ")
                    );
                    cx.at(n, message);
                }
            }
        }
        V::List(item) => {
            let items = flattened(n);
            if let Some(max) = max_items(&cx.path) {
                if items.len() > max {
                    let message = format!(
                        "`{}` of {} has {} items; GitLab allows at most {max}",
                        cx.path,
                        cx.owner,
                        items.len()
                    );
                    cx.at(n, message);
                }
            }
            for i in items {
                if !unjudged(i) && !fits(item, i) {
                    // `schema::check_types` reports these items' shapes.
                    if matches!(cx.path.as_str(), "rules" | "needs") {
                        continue;
                    }
                    let message = format!(
                        "`{}` of {}: this item must be {}, found {}",
                        cx.path,
                        cx.owner,
                        describe(item),
                        i.type_name()
                    );
                    cx.at(i, message);
                    continue;
                }
                check(cx, item, i, depth + 1);
            }
        }
        V::Map(keys) => {
            for e in n.as_map().unwrap_or(&[]) {
                let k = e.key.as_str().unwrap_or("");
                match keys.iter().find(|(name, _)| *name == k) {
                    Some((_, kv))
                        if matches!(e.value.kind, NodeKind::Scalar { .. }) && any_scalar(kv) => {}
                    Some((name, kv)) => cx.below(name, |cx| check(cx, kv, &e.value, depth + 1)),
                    None => {
                        let known: Vec<&str> = keys.iter().map(|(name, _)| *name).collect();
                        let message = format!(
                            "unknown key `{k}` in `{}` of {} (GitLab allows {})",
                            cx.path,
                            cx.owner,
                            known.join(", ")
                        );
                        cx.at(&e.key, message);
                    }
                }
            }
            for key in required(&cx.path) {
                if n.get(key).is_none() {
                    let message = format!("`{}` of {} has no `{key}`", cx.path, cx.owner);
                    cx.at(n, message);
                }
            }
        }
        V::MapOf(value) => {
            for e in n.as_map().unwrap_or(&[]) {
                if matches!(e.value.kind, NodeKind::Scalar { .. }) && any_scalar(value) {
                    continue;
                }
                let k = e.key.as_str().unwrap_or("");
                cx.below(k, |cx| check(cx, value, &e.value, depth + 1));
            }
        }
        V::Either(alts) => {
            if let Some(a) = alts.iter().find(|a| fits(a, n)) {
                check(cx, a, n, depth + 1);
            }
        }
    }
}

/// The items of a list, nested lists (from anchors) flattened, bounded.
pub(super) fn flattened(n: &Node) -> Vec<&Node> {
    let items = n.as_seq().unwrap_or(&[]);
    // Nearly always: no nested list, the items as they are.
    if !items.iter().any(|i| i.as_seq().is_some()) {
        return items.iter().collect();
    }
    let mut out = vec![];
    let mut stack: Vec<(&Node, usize)> = n
        .as_seq()
        .unwrap_or(&[])
        .iter()
        .rev()
        .map(|i| (i, 0))
        .collect();
    while let Some((i, depth)) = stack.pop() {
        match i.as_seq() {
            Some(inner) if depth < 10 => stack.extend(inner.iter().rev().map(|x| (x, depth + 1))),
            Some(_) => {}
            None => out.push(i),
        }
    }
    out
}

/// Rules inside `trigger:`, `cache:` and `rules:` that the table cannot say. Each
/// reads its own key only (`get` gives a job's value of a key, or nothing where it
/// is not to be checked).
fn check_relations<'n>(cx: &mut Ctx, get: impl Fn(&str) -> Option<&'n Node>) {
    if let Some(t) = get("trigger").filter(|t| t.as_map().is_some()) {
        let (project, include) = (t.get("project"), t.get("include"));
        match (project, include) {
            (Some(_), Some(i)) => {
                let message = format!(
                    "`trigger` of {} has both `project` and `include` (a multi-project or a child pipeline, not both)",
                    cx.owner
                );
                cx.at(i, message);
            }
            (None, None) if !is_reference(t.as_map().unwrap_or(&[])) => {
                let message = format!(
                    "`trigger` of {} names neither a `project` nor an `include`",
                    cx.owner
                );
                cx.at(t, message);
            }
            _ => {}
        }
        if let (Some(b), None) = (t.get("branch"), project) {
            let message = format!(
                "`trigger:branch` of {} needs `trigger:project` (a child pipeline runs on the parent's ref)",
                cx.owner
            );
            cx.at(b, message);
        }
    }
    if let Some(key) = cache_items(get("cache"))
        .into_iter()
        .filter_map(|c| c.get("key"))
        .find(|k| k.as_str().is_some_and(bad_cache_key))
    {
        let message = format!(
            "`cache:key` of {} cannot contain `/` or be `.` or `..`",
            cx.owner
        );
        cx.at(key, message);
    }
    for r in get("rules").map(flattened).unwrap_or_default() {
        if r.as_map().is_none() || unjudged(r) {
            continue;
        }
        let delayed = r.get("when").and_then(Node::as_str) == Some("delayed");
        match (delayed, r.get("start_in")) {
            (true, None) => {
                let message = format!(
                    "a `rules:` item of {} has `when: delayed` without `start_in`",
                    cx.owner
                );
                cx.at(r, message);
            }
            (false, Some(s))
                if r.get("when")
                    .and_then(Node::as_str)
                    .is_none_or(|w| !w.contains('$')) =>
            {
                let message = format!(
                    "a `rules:` item of {} has `start_in` without `when: delayed`",
                    cx.owner
                );
                cx.at(s, message);
            }
            _ => {}
        }
    }
}

fn cache_items(cache: Option<&Node>) -> Vec<&Node> {
    match cache {
        Some(c) if c.as_seq().is_some() => flattened(c),
        Some(c) => vec![c],
        None => vec![],
    }
}

/// GitLab's cache key validator (after URL-decoding `%2F`).
fn bad_cache_key(k: &str) -> bool {
    k.contains('/') || k.to_ascii_lowercase().contains("%2f") || k == "." || k == ".."
}

/// The inner structure of the keywords of one merged job (spans still encoded).
/// Entries `skip` marks (by index) are left out: their checks are known to find
/// nothing ([`entry_clean`]).
/// `place` gives the place of a key's first entry in `job` (`Node::get`'s entry).
pub(super) fn check_job(
    name: &str,
    job: &Node,
    skip: &[bool],
    place: impl Fn(&str) -> Option<usize>,
    out: &mut Vec<Issue>,
) {
    let mut cx = Ctx {
        owner: Owner::Job(name),
        path: String::new(),
        out,
    };
    let entries = job.as_map().unwrap_or(&[]);
    let skipped = |i: usize| skip.get(i).copied().unwrap_or(false);
    for (i, e) in entries.iter().enumerate() {
        if !skipped(i) {
            check_entry(&mut cx, e);
        }
    }
    // A key's value as `Node::get` finds it (the first entry), unless skipped.
    check_relations(&mut cx, |k| {
        let i = place(k)?;
        (!skipped(i)).then_some(&entries.get(i)?.value)
    });
}

/// The checks of one top-level entry of a job.
fn check_entry(cx: &mut Ctx, e: &Entry) {
    let Some(k) = e.key.as_str() else { return };
    if let Some((_, v)) = keyword_index(k).and_then(|i| KEYWORDS.get(i)) {
        // Top-level shapes are `schema::check_types`'s; only look inside.
        if fits(v, &e.value) {
            cx.path.clear();
            cx.path.push_str(k);
            check(cx, v, &e.value, 0);
        }
    }
}

/// Whether [`check_job`] finds nothing in this top-level entry of a job, whatever
/// the job: its checks read the entry alone (the job's name is only in messages).
pub(super) fn entry_clean(e: &Entry) -> bool {
    let mut out = vec![];
    let mut cx = Ctx {
        owner: Owner::Text(""),
        path: String::new(),
        out: &mut out,
    };
    check_entry(&mut cx, e);
    let key = e.key.as_str();
    check_relations(&mut cx, |k| (key == Some(k)).then_some(&e.value));
    out.is_empty()
}

/// `workflow:` rules (`when: always` or `never` only) and `auto_cancel`.
const WORKFLOW: V = V::Map(&[
    (
        "auto_cancel",
        V::Map(&[
            ("on_job_failure", V::Word(&["none", "all"])),
            (
                "on_new_commit",
                V::Word(&["conservative", "interruptible", "none"]),
            ),
        ]),
    ),
    ("name", V::Scalar),
    (
        "rules",
        V::List(&V::Map(&[
            ("auto_cancel", V::Any),
            ("changes", V::Any),
            ("exists", V::Any),
            ("if", V::Scalar),
            ("variables", V::MapOf(&V::Scalar)),
            ("when", V::Word(&["always", "never"])),
        ])),
    ),
]);

/// The merged `workflow:` (spans still encoded, `!reference` resolved).
pub(super) fn check_workflow(workflow: &Node, out: &mut Vec<Issue>) {
    let mut cx = Ctx {
        owner: Owner::Text("`workflow`"),
        path: "workflow".into(),
        out,
    };
    // A `workflow:` that is not a mapping is `schema`'s to report.
    if workflow.as_map().is_some() {
        check(&mut cx, &WORKFLOW, workflow, 0);
    }
}

/// What `environment: on_stop` of a job asks for: the job named, the environment
/// name, and the span of `on_stop` (as the merged job has it).
pub(super) struct OnStop {
    pub job: usize,
    pub target: String,
    pub env: Option<String>,
    pub span: Span,
}

/// The `environment:` name and `on_stop` of a merged job, from its `environment:`
/// (`env`).
pub(super) fn on_stop(index: usize, env: Option<&Node>) -> Option<OnStop> {
    let env = env?;
    let stop = env.get("on_stop")?;
    let target = stop.as_str().filter(|s| !has_inputs(s))?;
    Some(OnStop {
        job: index,
        target: target.to_string(),
        env: environment_name(env).map(str::to_string),
        span: stop.span,
    })
}

/// An environment's name: the string, or the mapping's `name`.
pub(super) fn environment_name(env: &Node) -> Option<&str> {
    match &env.kind {
        NodeKind::Scalar { .. } => env.as_str(),
        NodeKind::Map(_) => env.get("name").and_then(Node::as_str),
        NodeKind::Seq(_) => None,
    }
}

/// GitLab's `on_stop` checks: the job named exists, has an environment of the same
/// name, and stops it (`action: stop`). `jobs` are (name, merged node) of the
/// pipeline's visible jobs.
pub(super) fn check_on_stop(jobs: &[(&str, &Node)], stops: &[OnStop], out: &mut Vec<Issue>) {
    for s in stops {
        let name = jobs.get(s.job).map_or("", |j| j.0);
        let problem = match jobs.iter().find(|(n, _)| *n == s.target) {
            None => Some(format!(
                "`environment:on_stop` of job `{name}` names `{}`, which is not defined",
                s.target
            )),
            Some((_, t)) => match t.get("environment") {
                None => Some(format!(
                    "`environment:on_stop` of job `{name}` names `{}`, which has no `environment`",
                    s.target
                )),
                Some(te) => {
                    if environment_name(te) != s.env.as_deref() {
                        Some(format!(
                            "`environment:on_stop` of job `{name}` names `{}`, whose environment has another name",
                            s.target
                        ))
                    } else if te.get("action").and_then(Node::as_str) != Some("stop") {
                        Some(format!(
                            "`environment:on_stop` of job `{name}` names `{}`, which has no `environment:action: stop`",
                            s.target
                        ))
                    } else {
                        None
                    }
                }
            },
        };
        if let Some(message) = problem {
            out.push((s.span, message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nested lists (anchored lists as items) are flattened in order, at most 10
    /// levels deep; a list without nested lists is its items; anything else is
    /// no items.
    /// `keyword_index` is the place in `KEYWORDS`, and none for other keys.
    #[test]
    fn keyword_index_is_the_place_in_keywords() {
        for (i, (k, _)) in KEYWORDS.iter().enumerate() {
            assert_eq!(keyword_index(k), Some(i), "{k}");
        }
        for k in ["script", "stage", "Rules", "", "rules ", "variables"] {
            assert_eq!(keyword_index(k), None, "{k}");
        }
    }

    #[test]
    fn flattened_lists() {
        let texts = |yaml: &str| -> Vec<String> {
            let doc = pipewise_yaml::Document::parse(yaml.to_string()).expect("test YAML parses");
            flattened(&doc.root)
                .iter()
                .map(|n| n.as_str().unwrap_or("?").to_string())
                .collect()
        };
        assert_eq!(texts("[a, b, {c: d}]\n"), ["a", "b", "?"]);
        assert_eq!(texts("[a, [b, [c]], d]\n"), ["a", "b", "c", "d"]);
        assert_eq!(texts("[[a], b]\n"), ["a", "b"]);
        assert!(texts("[]\n").is_empty());
        assert!(texts("x\n").is_empty());
        assert!(texts("{a: [b]}\n").is_empty());
        // `z` inside `d` lists: kept at 10 levels, past the bound at 11.
        let nested = |d: usize| format!("[a, {}z{}]\n", "[".repeat(d), "]".repeat(d));
        assert_eq!(texts(&nested(10)), ["a", "z"]);
        assert_eq!(texts(&nested(11)), ["a"]);
    }
}
