//! The shape of the code (issue 22, `docs/architecture.md`), read from the sources:
//!
//! - the top-level modules of `pipewise` are layered ([`LAYERS`], bottom first; the
//!   files of a platform tree such as `gitlab/` one by one): a module uses only
//!   modules below it, so there is no import cycle among them ([`KNOWN_UPWARD`],
//!   the list of exceptions, is empty; the test fails when a listed edge is gone,
//!   so it can only shrink);
//! - no rule imports a sibling rule (shared code lives in the group's `mod.rs` or
//!   `common.rs`);
//! - a capability unit imports no other capability unit, and tests its verdicts.
//!
//! Dependencies are `crate::<module>` paths (also inside `use crate::{…}`) outside
//! comments and outside the trailing `#[cfg(test)]` part of a file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules, bottom first. A new module gets its place here. The files of
/// a platform tree ([`TREES`]) are placed one by one (`gitlab::pipeline`; a file
/// not listed sits with the tree's `mod.rs`, under the tree's own name).
const LAYERS: &[&str] = &[
    // Leaves: findings, source files, expressions, word lists.
    "finding",
    "dockerfile",
    "source",
    "keywords",
    "github::expr",
    "github::action_shas",
    // Syntax and the loaded repository's data.
    "shell",
    "tree",
    "reads",
    "repo",
    "runners",
    "github::actions_lock",
    // GitLab CI's own model, the shared pipeline model, GitHub Actions read into
    // it and GitLab CI lowered into it.
    "gitlab::include",
    // The inner structure of job keywords (tables, checked by the merge).
    "gitlab::keywords",
    // The text of values (durations, expressions, names, include items).
    "gitlab::values",
    // The merge, then the checks of GitLab's schema on the merged jobs.
    "gitlab::pipeline",
    "gitlab::schema",
    "workflow",
    // Which pipeline sources GitLab's `rules:` allow (the model's `Tri`, its
    // triggers), read by the lowering and the economics model.
    "gitlab::sources",
    "github::workflow",
    "github::action",
    "github",
    "gitlab::lower",
    "gitlab",
    // The scenario a run is decided under (event, ref kind), neutral: GitHub's
    // conditions and the economics model read it.
    "scenario",
    // Facts about steps and jobs.
    "github::conditions",
    "needs",
    "intent",
    // The engine's facts table: what each job ships or deploys, computed once.
    "facts",
    "effects",
    "economics",
    // The report data, below everything that fills or renders it.
    "schema",
    // Reading a repository: discovery, then loading (`Repo::load`).
    "discover",
    "load",
    // Rules and their configuration.
    "rules",
    "suggest",
    "config",
    "reuse",
    "suppress",
    // Analysis, scores, what reports show, renderers, the engine.
    "analysis",
    "scoring",
    "summary",
    "report",
    "baseline",
    "audit",
    "fix",
];

/// Module trees whose files are layered one by one: a platform's loading, model
/// and lowering sit at different heights (its files use `super::` for each other).
const TREES: &[&str] = &["github", "gitlab"];

/// The height of a layer: its place in [`LAYERS`]. A file of a tree that is not
/// listed sits at its tree's own height.
fn layer_of(m: &str) -> Option<usize> {
    let found = LAYERS.iter().position(|x| *x == m);
    found.or_else(|| {
        let (tree, _) = m.split_once("::")?;
        TREES.contains(&tree).then(|| layer_of(tree))?
    })
}

/// Upward edges (a module using one above it): each would close an import cycle.
/// None is left; the list stays for the test's ratchet.
const KNOWN_UPWARD: &[(&str, &str)] = &[];

/// Rules allowed to import a sibling rule (file, sibling): none. Shared functions
/// live in the group's `mod.rs` or `common.rs`.
const KNOWN_SIBLING: &[(&str, &str)] = &[];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every source file of the crate, with its path relative to `src/` (`/`-separated).
fn source_files() -> Vec<(PathBuf, String)> {
    let root = src();
    let mut files = vec![];
    rust_files(&root, &mut files);
    files
        .into_iter()
        .map(|f| {
            let rel = f
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (f, rel)
        })
        .collect()
}

/// A file's code: without comments and without its `#[cfg(test)]` tail.
fn code(p: &Path) -> String {
    let text = std::fs::read_to_string(p).unwrap();
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => &text[..],
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The names after `item` (an identifier, maybe followed by `::name` or
/// `::{a, b}`): the identifier and the names that follow it.
fn item_path(item: &str) -> (String, Vec<String>) {
    let first = ident(item).to_string();
    let rest = &item[first.len()..];
    let mut next = vec![];
    if let Some(rest) = rest.strip_prefix("::") {
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for i in group.split(',') {
                let m = ident(i.trim());
                if !m.is_empty() {
                    next.push(m.to_string());
                }
            }
        } else {
            let m = ident(rest);
            if !m.is_empty() {
                next.push(m.to_string());
            }
        }
    }
    (first, next)
}

/// The paths named after `prefix` (`crate::`, `super::`) in `code`, as (module,
/// the names right after it), including the items of a `prefix{a, b::c}` group.
fn paths_after(code: &str, prefix: &str) -> BTreeSet<(String, Vec<String>)> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices(prefix) {
        let rest = &code[i + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Nested groups (`crate::{a::{b, c}, d}`) are rare: read up to the
            // first `}`, which keeps at least the first names of each item.
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                let (m, next) = item_path(item.trim());
                if !m.is_empty() {
                    out.insert((m, next));
                }
            }
        } else {
            let (m, next) = item_path(rest);
            if !m.is_empty() {
                out.insert((m, next));
            }
        }
    }
    out
}

/// The modules named after `prefix` in `code` (first names only).
fn named_after(code: &str, prefix: &str) -> BTreeSet<String> {
    paths_after(code, prefix)
        .into_iter()
        .map(|(m, _)| m)
        .collect()
}

/// The layer a path into module `m` reaches: `tree::file` for a file of a
/// [`TREES`] tree, else `m`.
fn node(root: &Path, m: &str, next: &[String]) -> Vec<String> {
    if !TREES.contains(&m) {
        return vec![m.to_string()];
    }
    let files: Vec<String> = next
        .iter()
        .filter(|n| root.join(m).join(format!("{n}.rs")).is_file())
        .map(|n| format!("{m}::{n}"))
        .collect();
    if files.is_empty() || files.len() < next.len() {
        let mut all = files;
        all.push(m.to_string());
        all
    } else {
        files
    }
}

/// Edges between layers: (from, to) → the files that make them.
fn module_graph() -> BTreeMap<(String, String), Vec<String>> {
    let root = src();
    let mut edges: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (f, rel) in source_files() {
        let parts: Vec<&str> = rel.split('/').collect();
        let top = parts[0].trim_end_matches(".rs").to_string();
        // The crate root, and test support compiled only for tests.
        if top == "lib" || f.file_stem().is_some_and(|s| s == "testing") {
            continue;
        }
        let code = code(&f);
        let in_tree = TREES.contains(&top.as_str()) && parts.len() == 2;
        let from = match parts.get(1) {
            Some(file) if in_tree && *file != "mod.rs" => {
                format!("{top}::{}", file.trim_end_matches(".rs"))
            }
            _ => top.clone(),
        };
        let mut to = BTreeSet::new();
        for (m, next) in paths_after(&code, "crate::") {
            to.extend(node(&root, &m, &next));
        }
        if in_tree && from != top {
            // A tree's files name each other as `super::file`.
            for (m, _) in paths_after(&code, "super::") {
                to.extend(node(&root, &top, &[m]).into_iter().filter(|n| *n != top));
            }
        }
        for t in to {
            if t != from && (in_tree || t != top) {
                edges
                    .entry((from.clone(), t))
                    .or_default()
                    .push(rel.clone());
            }
        }
    }
    edges
}

#[test]
fn modules_are_layered_without_new_cycles() {
    let pos = |m: &str| layer_of(m);
    let edges = module_graph();
    let mut problems = vec![];
    let mut upward = BTreeSet::new();
    for ((from, to), files) in &edges {
        let (Some(a), Some(b)) = (pos(from), pos(to)) else {
            problems.push(format!(
                "{from} -> {to} ({files:?}): give each top-level module its place in LAYERS"
            ));
            continue;
        };
        if b > a {
            upward.insert((from.as_str(), to.as_str()));
            if !KNOWN_UPWARD.contains(&(from.as_str(), to.as_str())) {
                problems.push(format!(
                    "{from} uses {to}, which is above it (an import cycle in the making): {files:?}"
                ));
            }
        }
    }
    for (from, to) in KNOWN_UPWARD {
        if !upward.contains(&(*from, *to)) {
            problems.push(format!(
                "{from} -> {to} is gone: remove it from KNOWN_UPWARD"
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The neutral pipeline model (`workflow`) names no platform's code: GitHub Actions
/// is read into it and GitLab CI lowered into it, never the other way round; what
/// only one platform's code needs (GitLab's merged pipeline) is reached through that
/// platform's module (`docs/architecture.md`, "The model").
#[test]
fn the_neutral_model_names_no_platform_code() {
    let edges = module_graph();
    let named: Vec<_> = edges
        .iter()
        .filter(|((from, to), _)| {
            from == "workflow"
                && TREES
                    .iter()
                    .any(|t| to == t || to.starts_with(&format!("{t}::")))
        })
        .collect();
    assert!(
        named.is_empty(),
        "the neutral model names platform code: {named:#?}"
    );
    // The check reads the model's edges: it uses the shell parser.
    assert!(edges.contains_key(&("workflow".to_string(), "shell".to_string())));
}

/// The economics model is platform-neutral: it decides jobs under a neutral
/// `scenario::Scenario` and names GitHub's code only in its GitHub file,
/// `economics/github.rs` (GitHub's `if:`), as GitLab's is reached only from
/// `economics/gitlab.rs` (`docs/architecture.md`, "Where GitHub-only code lives").
#[test]
fn economics_names_no_github_code_but_its_own_file() {
    let mut problems = vec![];
    let mut read = 0;
    for (f, rel) in source_files() {
        if !rel.starts_with("economics/") || rel == "economics/github.rs" {
            continue;
        }
        read += 1;
        let code = code(&f);
        let github =
            named_after(&code, "crate::").contains("github") || code.contains("crate::github");
        if github {
            problems.push(rel);
        }
    }
    assert!(read > 5, "read {read} files");
    assert!(
        problems.is_empty(),
        "economics names GitHub's code outside economics/github.rs: {problems:#?}"
    );
}

/// Neutral readers ask a trigger's kind (`TriggerKind`), not GitHub's event names:
/// outside GitHub's own trees (`github/`, `rules/github/`), GitHub's event cost model
/// (`economics/`) and the model's definition of `has_trigger`, no code (comments and
/// tests aside) calls `Workflow::has_trigger` or writes a GitHub-only event name as
/// a string. Names shared with other words (`"push"`, `"schedule"`, `"release"`) are
/// not checked.
#[test]
fn neutral_readers_ask_trigger_kinds_not_github_events() {
    const GITHUB_ONLY: &[&str] = &[
        "has_trigger(",
        "\"pull_request\"",
        "\"pull_request_target\"",
        "\"merge_group\"",
        "\"workflow_run\"",
        "\"workflow_call\"",
        "\"workflow_dispatch\"",
        "\"repository_dispatch\"",
        "\"deployment_status\"",
    ];
    let mut problems = vec![];
    let mut read = 0;
    for (f, rel) in source_files() {
        if ["github/", "rules/github/", "economics/"]
            .iter()
            .any(|p| rel.starts_with(p))
            || rel == "workflow.rs"
        {
            continue;
        }
        read += 1;
        let code = code(&f);
        for name in GITHUB_ONLY {
            if code.contains(name) {
                problems.push(format!("{rel}: {name}"));
            }
        }
    }
    assert!(read > 50, "read {read} files");
    assert!(
        problems.is_empty(),
        "neutral code reads GitHub trigger names (ask `Trigger::kind`): {problems:#?}"
    );
}

/// The graph check sees the edges it should: a module above uses one below.
#[test]
fn the_module_graph_reads_imports() {
    let edges = module_graph();
    for (from, to) in [
        ("audit", "analysis"),
        ("scoring", "schema"),
        ("report", "schema"),
        ("gitlab::lower", "workflow"),
        ("gitlab::pipeline", "gitlab::include"),
        ("load", "gitlab::include"),
    ] {
        assert!(
            edges.contains_key(&(from.to_string(), to.to_string())),
            "{from} -> {to} not seen"
        );
    }
    assert_eq!(
        named_after("use crate::{a, b::c};\nlet x = crate::d::e();", "crate::"),
        ["a", "b", "d"].iter().map(|s| s.to_string()).collect()
    );
}

/// The modules of a directory that define a rule (`impl Rule for`).
fn rule_modules(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "rs")
            && std::fs::read_to_string(&p)
                .unwrap()
                .contains("impl Rule for")
        {
            out.insert(p.file_stem().unwrap().to_string_lossy().into_owned());
        }
    }
    out
}

/// The rule groups under `rules/`: each directory holding a rule's files, with its
/// path relative to `rules/` (`security`, `github/security`, `gitlab`).
fn rule_groups(dir: &Path, rel: &str, out: &mut Vec<(PathBuf, String)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if !p.is_dir() {
            continue;
        }
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let rel = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        rule_groups(&p, &rel, out);
        out.push((p, rel));
    }
}

#[test]
fn no_rule_imports_a_sibling_rule() {
    let rules = src().join("rules");
    let mut found = BTreeSet::new();
    let mut problems = vec![];
    let mut groups = vec![];
    rule_groups(&rules, "", &mut groups);
    let mut read = 0;
    for (dir, group) in &groups {
        let siblings = rule_modules(dir);
        let module = group.replace('/', "::");
        for name in &siblings {
            read += 1;
            let file = format!("{group}/{name}.rs");
            let code = code(&dir.join(format!("{name}.rs")));
            let mut used = named_after(&code, "super::");
            used.extend(named_after(&code, &format!("crate::rules::{module}::")));
            for other in used.iter().filter(|u| *u != name && siblings.contains(*u)) {
                found.insert((file.clone(), other.clone()));
                if !KNOWN_SIBLING.contains(&(file.as_str(), other.as_str())) {
                    problems.push(format!("{file} imports the rule {group}/{other}"));
                }
            }
        }
    }
    // Every rule's file is read, the GitHub-only ones under `rules/github/` too.
    assert_eq!(
        read,
        pipewise::rules::all().len(),
        "rule files under {rules:?}"
    );
    for (file, other) in KNOWN_SIBLING {
        if !found.contains(&(file.to_string(), other.to_string())) {
            problems.push(format!(
                "{file} -> {other} is gone: remove it from KNOWN_SIBLING"
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn no_capability_imports_another() {
    let dir = src().join("analysis/capabilities");
    let mut units = BTreeSet::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
        if std::fs::read_to_string(&p)
            .unwrap()
            .contains("pub const META: CapabilityMeta")
        {
            units.insert(stem);
        }
    }
    assert_eq!(units.len(), pipewise::analysis::capabilities::ALL.len());
    for u in &units {
        let code = code(&dir.join(format!("{u}.rs")));
        let used = named_after(&code, "super::");
        let others: Vec<&String> = used.iter().filter(|x| units.contains(*x)).collect();
        assert!(others.is_empty(), "capability {u} imports {others:?}");
        // Tested like a rule: its file checks its verdicts on fixtures.
        let text = std::fs::read_to_string(dir.join(format!("{u}.rs"))).unwrap();
        assert!(
            text.contains("verdict_tests!["),
            "capability {u} has no verdict test (verdict_tests!)"
        );
    }
}

/// Where a rule's file is, from its id and platforms: `rules/github/<group>/<name>.rs`
/// for a GitHub-only rule, `rules/<group>/<name>.rs` for the others (the GitLab-only
/// ones have the group `gitlab`).
fn rule_file(id: &str, github_only: bool) -> Option<PathBuf> {
    let (group, name) = id.split_once('/')?;
    let root = src().join("rules");
    let dir = if github_only {
        root.join("github").join(group)
    } else {
        root.join(group)
    };
    Some(dir.join(format!("{}.rs", name.replace('-', "_"))))
}

/// Whether a rule declares exactly GitHub, exactly GitLab, or every platform, and
/// whether that matches its place: `rules/github/` holds the GitHub-only rules
/// (their registries [`pipewise::rules::github::GROUPS`]), `rules/gitlab/` the
/// GitLab-only ones, and every rule elsewhere runs on every platform (or, reading
/// no workflow at all, lists none: the Dockerfile and compose rules).
fn platform_place_problem(
    id: &str,
    p: &[pipewise::workflow::Platform],
    in_github: bool,
    in_gitlab: bool,
) -> Option<String> {
    use pipewise::workflow::Platform;
    let want: &[Platform] = match (in_github, in_gitlab) {
        (true, false) => &[Platform::GitHub],
        (false, true) => &[Platform::GitLab],
        (false, false) if p.is_empty() => &[],
        (false, false) => Platform::ALL,
        (true, true) => return Some(format!("{id}: registered both in github/ and gitlab/")),
    };
    (p != want).then(|| format!("{id}: platforms {p:?} do not match its place (want {want:?})"))
}

/// A rule's place says its platform (`docs/architecture.md`, "Rules by platform"):
/// `rules/github/` holds the GitHub-only rules and only them, `rules/gitlab/` the
/// GitLab-only rules and only them; every other rule runs on every platform (the
/// Dockerfile and compose rules, reading no workflow, list none). The registries
/// say the place, and the file is there.
#[test]
fn rules_sit_where_their_platform_says() {
    let ids = |rules: &mut dyn Iterator<Item = &'static dyn pipewise::rules::Rule>| {
        rules.map(|r| r.meta().id).collect::<BTreeSet<&str>>()
    };
    let gitlab = ids(&mut pipewise::rules::gitlab::RULES.iter().copied());
    let github = ids(&mut pipewise::rules::github::rules());
    assert!(!gitlab.is_empty() && !github.is_empty());
    let mut problems = vec![];
    for r in pipewise::rules::all() {
        let id = r.meta().id;
        let in_github = github.contains(id);
        problems.extend(platform_place_problem(
            id,
            r.platforms(),
            in_github,
            gitlab.contains(id),
        ));
        match rule_file(id, in_github) {
            Some(f) if f.is_file() => {}
            f => problems.push(format!("{id}: no file at {f:?}")),
        }
        // The GitHub-only rule's id does not also name a file outside `github/`.
        if in_github && rule_file(id, false).is_some_and(|f| f.is_file()) {
            problems.push(format!("{id}: a file outside rules/github/ too"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The check of [`rules_sit_where_their_platform_says`] fails on a misplaced rule.
#[test]
fn a_misplaced_rule_is_caught() {
    use pipewise::workflow::Platform;
    let gh: &[Platform] = &[Platform::GitHub];
    let gl: &[Platform] = &[Platform::GitLab];
    // In place.
    assert!(platform_place_problem("x/y", gh, true, false).is_none());
    assert!(platform_place_problem("gitlab/y", gl, false, true).is_none());
    assert!(platform_place_problem("x/y", Platform::ALL, false, false).is_none());
    assert!(platform_place_problem("container/y", &[], false, false).is_none());
    // A GitHub-only rule outside `github/`, a neutral rule inside it, a GitLab rule
    // outside `gitlab/`.
    assert!(platform_place_problem("x/y", gh, false, false).is_some());
    assert!(platform_place_problem("x/y", Platform::ALL, true, false).is_some());
    assert!(platform_place_problem("x/y", gl, false, false).is_some());
    assert!(platform_place_problem("x/y", gh, false, true).is_some());
    assert!(platform_place_problem("x/y", &[], true, false).is_some());
    assert!(platform_place_problem("gitlab/y", &[], false, true).is_some());
}

/// The platform boundary inside `rules/`: a rule that is not GitHub-only (GitLab-only,
/// every platform, or none) names nothing of `github/` (GitHub's expressions, action pins,
/// `actions.lock`, workflow reading, the GitHub-only rules' helpers), and a
/// GitHub-only rule nothing of `gitlab/` (docs/architecture.md, "Rules by platform").
#[test]
fn rules_name_only_their_platforms_code() {
    use pipewise::workflow::Platform;
    let mut read = 0;
    let mut problems = vec![];
    for r in pipewise::rules::all() {
        let id = r.meta().id;
        let p = r.platforms();
        let Some(file) = rule_file(id, p == [Platform::GitHub]) else {
            continue;
        };
        if !file.is_file() {
            continue;
        }
        read += 1;
        let code = code(&file);
        let names = |tree: &str| {
            !named_after(&code, &format!("crate::{tree}::")).is_empty()
                || named_after(&code, "crate::").contains(tree)
        };
        let names_github_rules = code.contains("crate::rules::github");
        if p != [Platform::GitHub] && (names("github") || names_github_rules) {
            problems.push(format!(
                "{id} is not GitHub-only but names `crate::github` or `crate::rules::github`"
            ));
        }
        if p == [Platform::GitHub] && names("gitlab") {
            problems.push(format!("{id} is GitHub-only but names `crate::gitlab`"));
        }
    }
    // Most rules live in a file named after their id; the check must read them.
    assert!(
        read * 10 >= pipewise::rules::all().len() * 9,
        "read {read} rule files"
    );
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The cells the model's own types keep (`docs/architecture.md`, "Facts about
/// steps"): (field, the files that fill it). A cell of the model is a view of the
/// model's own data, filled by the model's own file from the item's own keys and
/// the leaves below the model (a cached `to_lowercase`: `Step::haystack`,
/// `action_name`, `phrases`); meaning computed above the model (which scripts a step
/// calls, the economics model's results, what a job ships) is in the engine's tables
/// ([`FACTS`], [`ECONOMICS_CELLS`]). A new cell, a cell filled from any file but the
/// one that defines it, or one that comes back after moving out, fails
/// [`model_caches_are_filled_in_one_place`]; [`FILLED_FROM_ABOVE`] only shrinks.
const MODEL_CACHES: &[(&str, &[&str])] = &[
    // `Step`'s own text views, built from its keys.
    ("haystack", &["workflow.rs"]),
    ("action_name", &["workflow.rs"]),
    ("phrases", &["workflow.rs"]),
    // `Job`'s kinds of start, read once through its workflow's `kinds_of`
    // (`Workflow::job_kinds`).
    ("kinds", &["workflow.rs"]),
];

/// Model cells still filled from above the model, each moving into the engine's
/// facts table: (field, its filler). The list only shrinks.
const FILLED_FROM_ABOVE: &[(&str, &str)] = &[];

/// Cells that moved out of the model into the engine's tables, and must not come
/// back as a field of a model type: `Step::called` and `Script::called` (the
/// repository scripts a step calls: [`FACTS`]), `Workflow::savings` and
/// `Workflow::economics` (the economics model's per-workflow results:
/// [`ECONOMICS_CELLS`]), and `Command::intent` (what a command does: [`FACTS`]).
const MOVED_OUT: &[&str] = &["called", "savings", "economics", "intent"];

/// The model's files, and the field names of the cells each defines (`OnceLock`s,
/// `Mutex`es, `Cell`s, type-erased slots, whatever the type they hold).
fn model_cells() -> BTreeMap<String, &'static str> {
    let root = src();
    let mut fields = BTreeMap::new();
    for model in ["workflow.rs", "shell/mod.rs"] {
        for line in code(&root.join(model)).lines() {
            let l = line.trim();
            // Fields, not process-wide statics (`static START: OnceLock<…>`).
            let Some((name, ty)) = l.split_once(':').filter(|_| !l.starts_with("static ")) else {
                continue;
            };
            if ["OnceLock<", "Mutex<", "RefCell<", "Cell<", "dyn Any"]
                .iter()
                .any(|c| ty.contains(c))
            {
                let name = name.rsplit(' ').next().unwrap_or(name);
                fields.insert(name.to_string(), model);
            }
        }
    }
    fields
}

#[test]
fn model_caches_are_filled_in_one_place() {
    let fields = model_cells();
    let found: BTreeSet<String> = fields.keys().cloned().collect();
    let listed: BTreeSet<String> = MODEL_CACHES.iter().map(|(f, _)| f.to_string()).collect();
    assert_eq!(found, listed, "the model's cells and MODEL_CACHES differ");
    let mut problems = vec![];
    for moved in MOVED_OUT {
        if fields.contains_key(*moved) {
            problems.push(format!(
                "`{moved}` moved into the engine's tables: it is not a cell of the model"
            ));
        }
    }
    for (field, fillers) in MODEL_CACHES {
        let home = fields.get(*field).copied().unwrap_or("?");
        for file in *fillers {
            let above = FILLED_FROM_ABOVE.contains(&(*field, *file));
            if *file != home && !above {
                problems.push(format!(
                    "{file} fills the model's `{field}`: a cell of the model is filled by {home}, from the model's own data"
                ));
            }
        }
    }
    for (field, file) in FILLED_FROM_ABOVE {
        let listed = MODEL_CACHES
            .iter()
            .any(|(f, fillers)| f == field && fillers.contains(file));
        if !listed {
            problems.push(format!(
                "`{field}` is no longer filled by {file}: remove it from FILLED_FROM_ABOVE"
            ));
        }
    }
    let mut seen = BTreeSet::new();
    for (f, rel) in source_files() {
        if rel == FACTS_FILE || rel == ECONOMICS_FILE {
            continue;
        }
        // Without whitespace: a chain may break lines (`.called\n.get_or_init(`).
        let code: String = code(&f).split_whitespace().collect();
        for (field, fillers) in MODEL_CACHES {
            let fills = [".get_or_init(", ".set("]
                .iter()
                .any(|m| code.contains(&format!(".{field}{m}")));
            if fills {
                seen.insert((*field, rel.clone()));
                if !fillers.contains(&rel.as_str()) {
                    problems.push(format!("{rel} fills the model's `{field}`"));
                }
            }
        }
    }
    for (field, fillers) in MODEL_CACHES {
        for file in *fillers {
            if !seen.contains(&(*field, file.to_string())) {
                problems.push(format!("{file} no longer fills `{field}`: remove it"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The economics table (`economics/table.rs`): the economics model's per-workflow
/// results, which the engine builds per repository and hands to the `cost/*` rules
/// and the report's section.
const ECONOMICS_FILE: &str = "economics/table.rs";

/// Each cell of the economics table: (its cell, the call that fills it in the
/// table). The cells are private to the table's file, so the compiler keeps every
/// other file from filling them; a cell goes unlisted, or is filled with anything
/// else, and [`economics_cells_have_one_filler`] fails.
const ECONOMICS_CELLS: &[(&str, &str)] = &[
    // A workflow's optimisations under the default assumptions.
    ("savings", "savings::find("),
    // What the model reads from each job whatever the repository around it.
    ("statics", "super::compute_statics("),
];

/// The `OnceLock` and `Mutex` fields of a table's file: its cells.
fn table_cells(code: &str) -> BTreeSet<String> {
    let mut cells = BTreeSet::new();
    for line in code.lines() {
        let l = line.trim();
        let Some((name, ty)) = l.split_once(':').filter(|_| !l.starts_with("static ")) else {
            continue;
        };
        // `IntentCell`, `FlagCell`: a `OnceLock<Intent>`, a `OnceLock<bool>` in one byte.
        if ty.contains("OnceLock<")
            || ty.contains("Mutex<")
            || matches!(ty.trim(), "IntentCell," | "FlagCell,")
        {
            cells.insert(name.rsplit(' ').next().unwrap_or(name).to_string());
        }
    }
    cells
}

#[test]
fn economics_cells_have_one_filler() {
    let table = code(&src().join(ECONOMICS_FILE));
    let flat: String = table.split_whitespace().collect();
    let listed: BTreeSet<String> = ECONOMICS_CELLS.iter().map(|(c, _)| c.to_string()).collect();
    assert_eq!(
        table_cells(&table),
        listed,
        "the economics table's cells and ECONOMICS_CELLS differ"
    );
    let mut problems = vec![];
    for (cell, filler) in ECONOMICS_CELLS {
        let fills = flat.matches(&format!(".{cell}.get_or_init(")).count();
        if fills != 1 || !flat.contains(&format!(".{cell}.get_or_init(||{filler}")) {
            problems.push(format!(
                "{ECONOMICS_FILE} fills `{cell}` once, with `{filler}`"
            ));
        }
    }
    // The statics are computed for the table only.
    for (f, rel) in source_files() {
        let code = code(&f);
        let calls =
            code.matches("compute_statics(").count() - code.matches("fn compute_statics(").count();
        if rel != ECONOMICS_FILE && calls > 0 {
            problems.push(format!("{rel} computes the economics statics itself"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The engine's facts table (`docs/architecture.md`, "Facts about steps").
const FACTS_FILE: &str = "facts.rs";

/// Each fact of the table: (its cell in `facts.rs`, the one function that computes
/// it, the file that defines that function). The table's cells are private to
/// `facts.rs`, so the compiler keeps every other file from filling them; this list
/// keeps every other file from computing a fact itself (a rule reads
/// `cx.facts.job_ships(job)`, never `compute_job_ships(job)`), and a new cell from
/// going unlisted.
const FACTS: &[(&str, &str, &str)] = &[
    // What a job ships: a deploy target's environment, or a step that ships.
    ("job_ships", "compute_job_ships", "intent.rs"),
    // A GitLab job's `script:` runs a deploy tool.
    ("script_deploys", "compute_script_deploys", "intent.rs"),
    // A command of a GitLab `script:` runs a deploy tool.
    ("deploy_tool", "compute_runs_deploy_tool", "intent.rs"),
    // What a step ships by its action or commands; in an audit the engine's pass
    // (`rules::ships::resolve_ships`) hands the table what the step runs of the
    // repository (`Facts::resolve_step_ships`), and the table fills the cell.
    ("step_ships", "compute_step_ships", "intent.rs"),
    // What a step ships through a command held in its job's matrix.
    ("matrix_ships", "compute_matrix_ships", "intent.rs"),
    // What a step does: its name, its action, its commands.
    ("step_intent", "compute_step_intent", "intent.rs"),
    // What a command does (a wrapper's inner command).
    ("command_intent", "compute_command_intent", "intent.rs"),
];

/// The engine passes that hand the table what they read of the repository, each
/// called from one file: (the table's method, the pass's file).
const FACT_PASSES: &[(&str, &str)] = &[
    ("resolve_step_ships", "rules/ships.rs"),
    ("step_ships_shared", "rules/ships.rs"),
    // Which repository scripts a step calls (`rules::step_scripts_iter`), and what
    // a script several steps run calls, shared.
    ("step_calls", "rules/mod.rs"),
    ("script_calls", "rules/mod.rs"),
    // What every Dockerfile's sources are looked up in, once per repository.
    (
        "repo_file_names",
        "rules/github/reliability/docker_sources.rs",
    ),
    (
        "named_build_contexts",
        "rules/github/reliability/docker_sources.rs",
    ),
];

/// The cells of the table that an engine pass fills through one method of the table
/// (the pass reads the repository, which the table cannot): (cell, the method of
/// [`FACT_PASSES`] that fills it, the only one that names it).
const PASS_CELLS: &[(&str, &str)] = &[
    // The repository scripts a step calls, and where its file calls each first hop.
    ("called", "step_calls"),
    // What a script several steps run calls, by the script's address.
    ("shared_calls", "script_calls"),
    // What steps the table does not hold call, kept to be borrowed like a cell.
    ("chunks", "keep"),
    // What `reliability/docker-sources` reads once per repository.
    ("file_names", "repo_file_names"),
    ("build_contexts", "named_build_contexts"),
    ("ci_mentions", "ci_mentions"),
    ("goreleaser", "has_goreleaser"),
];

/// The body of `fn name` in `code` (up to the next item of the same indentation).
fn fn_body<'c>(code: &'c str, name: &str) -> &'c str {
    let start = ["(", "<"]
        .iter()
        .find_map(|c| code.find(&format!("fn {name}{c}")));
    let Some(start) = start else {
        return "";
    };
    let rest = &code[start..];
    let end = ["\n    pub", "\n    fn ", "\n}"]
        .iter()
        .filter_map(|m| rest[1..].find(m))
        .min()
        .map_or(rest.len(), |e| e + 1);
    &rest[..end]
}

#[test]
fn facts_have_one_filler() {
    let root = src();
    let table = code(&root.join(FACTS_FILE));
    let table_flat: String = table.split_whitespace().collect();
    // The table's cells: `OnceLock`, `Mutex` and `IntentCell` fields of its structs.
    let cells = table_cells(&table);
    let listed: BTreeSet<String> = FACTS
        .iter()
        .map(|(c, _, _)| c.to_string())
        .chain(PASS_CELLS.iter().map(|(c, _)| c.to_string()))
        .collect();
    assert_eq!(cells, listed, "the facts table's cells and FACTS differ");
    let mut problems = vec![];
    for (cell, method) in PASS_CELLS {
        // Only the pass's method names the cell.
        // Without whitespace: a chain may break lines (`self.shared_calls\n.lock()`).
        let flat = |c: &str| c.split_whitespace().collect::<String>();
        // `.cell.` or `.cell[`: the field, not a longer name.
        let uses = |c: &str| {
            [".", "["]
                .iter()
                .map(|after| flat(c).matches(&format!(".{cell}{after}")).count())
                .sum::<usize>()
        };
        let users = uses(&table);
        let in_method = uses(fn_body(&table, method));
        if in_method == 0 || users != in_method {
            problems.push(format!(
                "{FACTS_FILE}: `{cell}` is filled in `{method}` only ({in_method} of {users} uses)"
            ));
        }
    }
    for (cell, filler, _) in FACTS {
        // The cell is filled with its function, in the table.
        let filled = format!(".{cell}.get_or_init(||crate::intent::{filler}(");
        if !table_flat.contains(&filled) {
            problems.push(format!(
                "{FACTS_FILE} does not fill `{cell}` with `{filler}`"
            ));
        }
    }
    for (f, rel) in source_files() {
        if rel == FACTS_FILE {
            continue;
        }
        let code = code(&f);
        for (cell, filler, home) in FACTS {
            let calls = code.match_indices(filler).filter(|(i, _)| {
                let before = &code[..*i];
                let after = &code[i + filler.len()..];
                // A call (`compute_job_ships(job)`), not the definition, a longer
                // name or a doc link.
                after.starts_with('(')
                    && !before.ends_with("fn ")
                    && !before.ends_with(|c: char| c.is_alphanumeric() || c == '_')
            });
            let n = calls.count();
            if n > 0 {
                problems.push(format!(
                    "{rel} computes the fact `{cell}` itself ({n} calls of `{filler}`): read it from the facts table"
                ));
            }
            if rel == *home && !code.contains(&format!("fn {filler}(")) {
                problems.push(format!("{home} no longer defines `{filler}`"));
            }
        }
        for (method, pass) in FACT_PASSES {
            let calls = code.contains(&format!(".{method}("));
            if calls != (rel == *pass) {
                problems.push(format!(
                    "{rel}: `{method}` is called only by the engine pass in {pass}"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The dependencies a crate's `Cargo.toml` names, in every `*dependencies` table
/// (`[dependencies]`, `[dev-dependencies]`, `[target.'…'.dependencies]`, and
/// `[dependencies.name]` tables).
fn manifest_dependencies(manifest: &str) -> BTreeSet<String> {
    let mut deps = BTreeSet::new();
    let mut in_deps = false;
    for line in manifest.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if let Some(table) = line.strip_prefix('[') {
            let table = table.trim_end_matches(']');
            in_deps = false;
            match table.split_once("dependencies.") {
                Some((_, name)) => {
                    deps.insert(name.trim_matches('"').to_string());
                }
                None => in_deps = table.ends_with("dependencies"),
            }
            continue;
        }
        if in_deps {
            if let Some((key, _)) = line.split_once('=') {
                let name = key.trim().split('.').next().unwrap_or("");
                deps.insert(name.trim_matches('"').to_string());
            }
        }
    }
    deps
}

/// The renderers live in the report crate (`pipewise_report::render`), which
/// depends on no other pipewise crate (nor on a parser: the engine decides what a
/// fix snippet is written in, `FindingGroup::fix_lang`): a renderer cannot look anything up in the
/// engine (rules, capabilities, scoring) or compute with it. Everything it shows is
/// in the report data (docs/architecture.md, "Renderers compute nothing of their
/// own"): a capability's name, practice, category and optional flag are on it, and
/// every rule's metadata is in `Report::rules` (and passed to the streams).
#[test]
fn renderers_do_not_depend_on_the_engine() {
    let report = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pipewise-report");
    let manifest = std::fs::read_to_string(report.join("Cargo.toml")).unwrap();
    let deps = manifest_dependencies(&manifest);
    assert!(
        deps.contains("serde") && deps.contains("serde_json"),
        "{deps:?}"
    );
    let engine: Vec<_> = deps
        .iter()
        .filter(|d| d.starts_with("pipewise") || *d == "toml")
        .collect();
    assert!(
        engine.is_empty(),
        "pipewise-report must not depend on {engine:?}: the renderers sit below the engine and parse nothing"
    );
    let mut files = vec![];
    rust_files(&report.join("src"), &mut files);
    let mut renderers = 0;
    let mut problems = vec![];
    for f in &files {
        let code = code(f);
        let engine = code
            .match_indices("pipewise")
            .filter(|(i, _)| {
                let rest = &code[i + "pipewise".len()..];
                rest.starts_with("::") || rest.starts_with('_')
            })
            .count();
        if engine > 0 {
            problems.push(format!(
                "{} names the engine's crates ({engine} times)",
                f.display()
            ));
        }
        renderers += usize::from(
            code.contains("impl Renderer for") || code.contains("impl super::Renderer for"),
        );
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(
        renderers >= 9,
        "the renderers are in pipewise-report/src/render ({renderers})"
    );
    // No renderer is left in (or comes back to) the engine: `report/` re-exports.
    let mut left = vec![];
    rust_files(&src().join("report"), &mut left);
    assert_eq!(
        left,
        [src().join("report/mod.rs")],
        "renderers belong in pipewise-report"
    );
    assert!(!code(&src().join("report/mod.rs")).contains("impl Renderer for"));
}

/// The dependency reading sees every kind of table.
#[test]
fn manifest_dependencies_reads_every_table() {
    let deps = manifest_dependencies(
        "[package]\nname = \"x\"\n[dependencies]\nserde = { workspace = true }\npipewise.workspace = true # engine\n[dev-dependencies]\ninsta = \"1\"\n[target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"\n[dependencies.pipewise-yaml]\npath = \"../y\"\n[features]\nfast = []\n",
    );
    let want = ["insta", "libc", "pipewise", "pipewise-yaml", "serde"];
    assert_eq!(deps, want.iter().map(|s| s.to_string()).collect());
}

/// GitHub-only fixes sit in `fix/github/`, the others in `fix/` (docs/architecture.md,
/// "Where GitHub-only code lives"): a fixer is in `fix/github/` exactly when its
/// rule is GitHub-only (in `rules/github/`), and a fixer in `fix/` names nothing of
/// `crate::github`.
#[test]
fn fix_places_follow_rule_platforms() {
    use pipewise::workflow::Platform;
    let dir = src().join("fix");
    let registry = code(&dir.join("mod.rs"));
    let rules = pipewise::rules::all();
    let mut checked = 0;
    let mut problems = vec![];
    // `rule: "<id>", name: "…", plan: <module>::<fn>,` in `fixers()`.
    for entry in registry.split("Fixer {").skip(1) {
        let field = |key: &str| {
            let at = entry.find(key)? + key.len();
            let rest = entry[at..].trim_start().trim_start_matches('"');
            Some(ident_or_rule(rest).to_string())
        };
        let (Some(rule), Some(module)) = (field("rule:"), field("plan:")) else {
            continue;
        };
        if rule.is_empty() {
            // `pub struct Fixer { pub rule: &'static str, … }`
            continue;
        }
        let Some(r) = rules.iter().find(|r| r.meta().id == rule) else {
            problems.push(format!("fixer {module}: no rule {rule}"));
            continue;
        };
        checked += 1;
        let github_only = r.platforms() == [Platform::GitHub];
        let in_github = dir.join("github").join(format!("{module}.rs")).is_file();
        let in_fix = dir.join(format!("{module}.rs")).is_file();
        if github_only != in_github || in_github == in_fix {
            problems.push(format!(
                "fixer {module} of {rule} (platforms {:?}) sits in {}",
                r.platforms(),
                if in_github { "fix/github/" } else { "fix/" }
            ));
        }
        if in_fix
            && !named_after(&code(&dir.join(format!("{module}.rs"))), "crate::github::").is_empty()
        {
            problems.push(format!("fixer fix/{module}.rs names `crate::github`"));
        }
    }
    assert_eq!(
        checked,
        pipewise::fix::fixers().len(),
        "fixers not read: {problems:#?}"
    );
    assert!(problems.is_empty(), "{problems:#?}");
}

/// A rule id (`security/x-y`) or an identifier, up to what ends it.
fn ident_or_rule(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '/'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The backticked paths in the first column of a Markdown table that follows
/// `heading` in `doc` (relative to `base`; a `<…>` placeholder ends the path).
fn table_paths(doc: &str, heading: &str) -> Vec<String> {
    let at = doc
        .find(heading)
        .unwrap_or_else(|| panic!("{heading} not found"));
    let mut out = vec![];
    let mut started = false;
    for line in doc[at..].lines().skip(1) {
        if !line.starts_with('|') {
            if started {
                break;
            }
            continue;
        }
        started = true;
        let first = line.split('|').nth(1).unwrap_or("");
        let mut prefix = String::new();
        for (i, part) in first.split('`').enumerate() {
            if i % 2 == 0 {
                continue;
            }
            let path = part.split('<').next().unwrap_or(part);
            let path = path.trim_end_matches('/');
            if path.starts_with("crates/") {
                prefix = path.rsplit_once('/').map_or("", |(d, _)| d).to_string();
                if path.contains('/') {
                    out.push(path.to_string());
                }
            } else if !prefix.is_empty() && !path.is_empty() {
                // `crates/pipewise/src/repo.rs`, `load.rs`: beside the first one.
                out.push(format!("{prefix}/{path}"));
            }
        }
    }
    out
}

#[test]
fn layout_tables_name_real_places() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let mut paths = table_paths(&read("docs/architecture.md"), "## Where things live");
    let readme = table_paths(&read("README.md"), "## Layout");
    assert!(paths.len() > 10 && readme.len() > 4, "{paths:?} {readme:?}");
    paths.extend(readme);
    let missing: Vec<&String> = paths.iter().filter(|p| !root.join(p).exists()).collect();
    assert!(
        missing.is_empty(),
        "layout tables name missing places: {missing:?}"
    );
}

/// The job and step keys whose meaning is a typed field of `workflow::Job` or
/// `workflow::Step`, filled once by each platform's lowering (docs/architecture.md,
/// "Typed job and step fields"): GitHub `if`, `environment`, `container`,
/// `services`, `strategy` (`matrix`), `timeout-minutes`, `continue-on-error`,
/// `defaults` (`run.working-directory`), `runs-on`, `concurrency`, `permissions`,
/// `outputs` (a workflow's `concurrency` and `permissions` too); a GitHub step's
/// `if`, `continue-on-error`, `working-directory`, `shell` (in `Run::shell`) and
/// `with`; GitLab `rules`, `only`, `except`, `image`, `parallel`, `timeout`,
/// `allow_failure`, `stage`, `tags`, `when`, `resource_group`, `interruptible`.
const FIELD_KEYS: &[&str] = &[
    "if",
    "rules",
    "only",
    "except",
    "environment",
    "container",
    "image",
    "services",
    "strategy",
    "matrix",
    "parallel",
    "timeout-minutes",
    "timeout",
    "continue-on-error",
    "allow_failure",
    "stage",
    // A step's own keys besides `if` and `continue-on-error`, and the job's
    // default folder for its steps.
    "working-directory",
    "defaults",
    "shell",
    "with",
    // The runner, `when:`, concurrency, permissions and outputs (a workflow's
    // `concurrency` and `permissions` too).
    "runs-on",
    "tags",
    "when",
    "concurrency",
    "resource_group",
    "interruptible",
    "permissions",
    "outputs",
];

/// Reads of those keys by name left in neutral code (analysis, economics but
/// GitLab's own `economics/gitlab.rs`, intent, facts, the model, the engine, the
/// rules' shared code and the rules that run on every platform): (file, the read as
/// written without whitespace, why). Empty since issue 22, session 12 (the last
/// five were GitHub keys whose move onto the field changed what GitLab jobs get,
/// landed as a fix); it only shrinks.
const KNOWN_KEY_READS: &[(&str, &str, &str)] = &[];

/// Neutral rules and analysis read a job's condition, environment, container,
/// services, matrix, timeout, allow-failure, default folder, runner, `when:`,
/// concurrency, permissions and outputs, and a step's condition, continue-on-error,
/// folder and inputs, from their typed fields, not by either platform's key names.
#[test]
fn neutral_code_reads_typed_fields() {
    use pipewise::workflow::Platform;
    let root = src();
    let mut files: BTreeSet<String> = source_files()
        .into_iter()
        .map(|(_, rel)| rel)
        .filter(|rel| {
            (rel.starts_with("analysis/")
                || rel.starts_with("economics/")
                || [
                    "intent.rs",
                    "facts.rs",
                    "workflow.rs",
                    "audit.rs",
                    "rules/mod.rs",
                    "rules/ships.rs",
                ]
                .contains(&rel.as_str()))
                && rel != "economics/gitlab.rs"
        })
        .collect();
    let mut neutral_rules = 0;
    for r in pipewise::rules::all() {
        let Some((group, name)) = r.meta().id.split_once('/') else {
            continue;
        };
        let rel = format!("rules/{group}/{}.rs", name.replace('-', "_"));
        if r.platforms() == Platform::ALL && root.join(&rel).is_file() {
            neutral_rules += 1;
            files.insert(rel);
        }
    }
    assert!(
        neutral_rules >= 8,
        "read {neutral_rules} neutral rule files"
    );
    let mut problems = vec![];
    let mut seen = BTreeSet::new();
    for rel in &files {
        // A chain broken over lines joined (`job\n    .get("if")` is `job.get("if")`).
        let code =
            code(&root.join(rel))
                .lines()
                .map(str::trim)
                .fold(String::new(), |mut all, l| {
                    if !l.starts_with('.') {
                        all.push(' ');
                    }
                    all.push_str(l);
                    all
                });
        for key in FIELD_KEYS {
            for method in ["get", "entry"] {
                let needle = format!(".{method}(\"{key}\")");
                for (at, _) in code.match_indices(&needle) {
                    // With its receiver: `job.get("if")`, `site.step.entry(…)`.
                    let before = &code[..at];
                    let start = before
                        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                        .map_or(0, |i| i + 1);
                    let read = format!("{}{needle}", &before[start..]);
                    if KNOWN_KEY_READS
                        .iter()
                        .any(|(f, r, _)| f == rel && *r == read)
                    {
                        seen.insert((rel.clone(), read));
                    } else {
                        problems.push(format!(
                            "{rel} reads `{read}`: read the typed field (workflow::Job, workflow::Step)"
                        ));
                    }
                }
            }
        }
    }
    for (f, r, _) in KNOWN_KEY_READS {
        if !seen.contains(&(f.to_string(), r.to_string())) {
            problems.push(format!(
                "{f} no longer reads `{r}`: remove it from KNOWN_KEY_READS"
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
