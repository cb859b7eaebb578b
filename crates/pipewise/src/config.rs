//! Configuration: `pipewise.toml` (or `.pipewise.toml`, `.github/pipewise.toml`) and
//! inline `# pipewise: ignore[rule-id] reason` suppressions (see [`crate::suppress`]).
//!
//! ```toml
//! disable = ["reliability/missing-timeout"]      # rules to turn off
//! ignore = ["examples/**", "**/legacy-*.yml"]    # paths not audited
//! [severity]                                     # per-rule severity overrides
//! "security/unpinned-action" = "low"
//! [options."security/unpinned-action"]           # per-rule options
//! policy = "hash-all"
//! ```
//!
//! Every key, rule id, severity, option key and option value is checked; a mistake
//! is an error naming the file, line and column, with the closest valid word.

use crate::finding::Severity;
use crate::source::LoadError;
use crate::suggest::{did_you_mean, rule_ids};
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

pub use crate::rules::RuleOptions;

/// Config file names looked up in a repository root, in order.
pub const CONFIG_NAMES: &[&str] = &["pipewise.toml", ".pipewise.toml", ".github/pipewise.toml"];

/// Top-level keys of a config file.
const KEYS: &[&str] = &["disable", "ignore", "severity", "options"];

/// What an option accepts.
#[derive(Debug, Clone, Copy)]
pub enum OptionKind {
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// `true` or `false`.
    Bool,
}

/// Every rule option: (rule id, key, accepted values). A rule not listed takes none.
pub const RULE_OPTIONS: &[(&str, &str, OptionKind)] = &[
    (
        "security/unpinned-action",
        "policy",
        OptionKind::OneOf(&["hash-all", "official-tags", "tags"]),
    ),
    (
        "container/unpinned-base-image",
        "require-digest",
        OptionKind::Bool,
    ),
];

#[derive(Debug, Default, Clone)]
pub struct Config {
    pub disable: Vec<String>,
    pub ignore: Vec<String>,
    ignore_set: Option<GlobSet>,
    pub severity: BTreeMap<String, Severity>,
    pub options: RuleOptions,
    /// Where it was read from, if anywhere.
    pub source: Option<PathBuf>,
    /// What the report should say about this config (a repository's own config that
    /// disables rules, lowers severities or ignores paths; a second config file that
    /// is not read), with file and line.
    pub notes: Vec<LoadError>,
}

/// Line and column (1-based) of a byte offset.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = text.as_bytes().get(..at).unwrap_or_default();
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let start = memchr::memrchr(b'\n', before).map_or(0, |p| p + 1);
    let column = text.get(start..at).map_or(1, |s| s.chars().count() + 1);
    (line, column)
}

/// Builds config errors and notes located in one file.
struct Located<'t> {
    text: &'t str,
    file: String,
}

impl Located<'_> {
    fn at(&self, span: std::ops::Range<usize>, message: String) -> LoadError {
        let (line, column) = line_col(self.text, span.start);
        LoadError {
            file: self.file.clone(),
            line,
            column,
            message,
        }
    }
}

fn kind_name(v: &DeValue) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

/// `file:line:column: message`.
pub fn format_error(e: &LoadError) -> String {
    if e.line == 0 {
        format!("{}: {}", e.file, e.message)
    } else {
        format!("{}:{}:{}: {}", e.file, e.line, e.column, e.message)
    }
}

type Entry<'a, 'i> = (
    &'a Spanned<toml::de::DeString<'i>>,
    &'a Spanned<DeValue<'i>>,
);

impl Config {
    /// Parses config text. Errors read `file:line:column: what is wrong`, with the
    /// closest valid word when there is one.
    pub fn parse(text: &str, origin: &Path) -> Result<Config, String> {
        Config::parse_located(text, &origin.display().to_string()).map_err(|e| format_error(&e))
    }

    /// [`Config::parse`] with the error as a located [`LoadError`]; `file` names the
    /// file in errors and notes.
    pub fn parse_located(text: &str, file: &str) -> Result<Config, LoadError> {
        let loc = Located {
            text,
            file: file.to_string(),
        };
        let doc = DeTable::parse(text).map_err(|e| {
            loc.at(
                e.span().unwrap_or(0..0),
                format!("not valid TOML: {}", e.message().trim()),
            )
        })?;
        let mut cfg = Config {
            source: Some(PathBuf::from(file)),
            ..Config::default()
        };
        let mut has_options = false;
        for (k, v) in doc.get_ref().iter() {
            match k.get_ref().as_ref() {
                "disable" => {
                    for (id, span) in strings(&loc, (k, v))? {
                        known_rule(&loc, &id, span.clone())?;
                        cfg.notes
                            .push(loc.at(span, format!("this configuration disables `{id}`")));
                        cfg.disable.push(id);
                    }
                }
                "ignore" => {
                    let mut b = GlobSetBuilder::new();
                    for (g, span) in strings(&loc, (k, v))? {
                        let glob = Glob::new(&g).map_err(|e| {
                            loc.at(
                                span.clone(),
                                format!("bad `ignore` glob `{g}`: {}", e.kind()),
                            )
                        })?;
                        b.add(glob);
                        cfg.notes.push(loc.at(
                            span,
                            format!(
                                "this configuration excludes paths matching `{g}` from the audit"
                            ),
                        ));
                        cfg.ignore.push(g);
                    }
                    cfg.ignore_set = Some(
                        b.build()
                            .map_err(|e| loc.at(v.span(), format!("bad `ignore` globs: {e}")))?,
                    );
                }
                "severity" => {
                    for (rule, s) in table(&loc, (k, v))? {
                        let id = rule.get_ref().as_ref();
                        known_rule(&loc, id, rule.span())?;
                        let DeValue::String(name) = s.get_ref() else {
                            return Err(loc.at(
                                s.span(),
                                format!(
                                    "severity of `{id}` must be a string (critical, high, medium, low or info), not {}",
                                    kind_name(s.get_ref())
                                ),
                            ));
                        };
                        let sev: Severity = name.parse().map_err(|e| {
                            loc.at(
                                s.span(),
                                format!(
                                    "{e}{}",
                                    did_you_mean(
                                        name,
                                        ["critical", "high", "medium", "low", "info"]
                                    )
                                ),
                            )
                        })?;
                        if let Some(r) = crate::rules::by_id(id) {
                            let default = r.meta().severity;
                            if sev < default {
                                cfg.notes.push(loc.at(
                                    rule.span(),
                                    format!(
                                        "this configuration lowers `{id}` from {default} to {sev}"
                                    ),
                                ));
                            }
                        }
                        cfg.severity.insert(id.to_string(), sev);
                    }
                }
                "options" => {
                    for (rule, o) in table(&loc, (k, v))? {
                        let id = rule.get_ref().as_ref();
                        known_rule(&loc, id, rule.span())?;
                        check_options(&loc, id, (rule, o))?;
                        has_options = true;
                    }
                }
                other => {
                    return Err(loc.at(
                        k.span(),
                        format!(
                        "unknown key `{other}` (expected disable, ignore, severity or options){}",
                        did_you_mean(other, KEYS.iter().copied())
                    ),
                    ))
                }
            }
        }
        if has_options {
            // Values were checked above; the rules read them as `toml` values.
            let whole: toml::Table = text
                .parse()
                .map_err(|e: toml::de::Error| loc.at(0..0, e.message().trim().to_string()))?;
            if let Some(t) = whole.get("options").and_then(|o| o.as_table()) {
                for (rule, o) in t {
                    if let Some(o) = o.as_table() {
                        cfg.options.insert(rule.clone(), o.clone());
                    }
                }
            }
        }
        Ok(cfg)
    }

    /// Finds and reads the config of a repository root, if it has one, through the
    /// same safe loader as every audited file (no link out of the repository, no
    /// special file, size limit). A second config file is not read; the returned
    /// config's notes say so.
    pub fn discover(root: &Path) -> Result<Config, LoadError> {
        let present: Vec<&str> = CONFIG_NAMES
            .iter()
            .copied()
            .filter(|n| std::fs::symlink_metadata(root.join(n)).is_ok())
            .collect();
        Config::read_first(&present, |n| {
            crate::source::read_text(root, &root.join(n), n)
        })
    }

    /// [`Config::discover`] in a repository's [`crate::tree::Tree`] (a commit read
    /// from git, where a link is an entry of its own: never followed, an error).
    pub fn discover_in(tree: &dyn crate::tree::Tree) -> Result<Config, LoadError> {
        let present: Vec<&str> = CONFIG_NAMES
            .iter()
            .copied()
            .filter(|n| tree.lookup(n).is_some() || tree.size(n).is_some())
            .collect();
        Config::read_first(&present, |n| tree.read(n))
    }

    /// Reads the first of the config files `present`; the config's notes say that
    /// the others are not read.
    fn read_first(
        present: &[&str],
        read: impl Fn(&str) -> Result<String, LoadError>,
    ) -> Result<Config, LoadError> {
        let Some(first) = present.first() else {
            return Ok(Config::default());
        };
        let text = read(first)?;
        let mut cfg = Config::parse_located(&text, first)?;
        for other in &present[1..] {
            cfg.notes.push(LoadError {
                file: other.to_string(),
                line: 0,
                column: 0,
                message: format!(
                    "not read: `{first}` is read first and only one config file is used; merge them into one"
                ),
            });
        }
        Ok(cfg)
    }

    pub fn is_disabled(&self, rule: &str) -> bool {
        self.disable.iter().any(|d| d == rule)
    }

    pub fn is_ignored(&self, path: &str) -> bool {
        self.ignore_set
            .as_ref()
            .map(|s| s.is_match(path))
            .unwrap_or(false)
    }
}

/// A list of strings with the span of each.
fn strings(
    loc: &Located,
    (k, v): Entry,
) -> Result<Vec<(String, std::ops::Range<usize>)>, LoadError> {
    let key = k.get_ref().as_ref();
    let DeValue::Array(items) = v.get_ref() else {
        return Err(loc.at(
            v.span(),
            format!(
                "`{key}` must be a list of strings, not {}",
                kind_name(v.get_ref())
            ),
        ));
    };
    items
        .iter()
        .map(|item| match item.get_ref() {
            DeValue::String(s) => Ok((s.to_string(), item.span())),
            other => Err(loc.at(
                item.span(),
                format!(
                    "`{key}` must be a list of strings, not hold {}",
                    kind_name(other)
                ),
            )),
        })
        .collect()
}

/// The entries of a table value.
fn table<'a, 'i>(loc: &Located, (k, v): Entry<'a, 'i>) -> Result<Vec<Entry<'a, 'i>>, LoadError> {
    match v.get_ref() {
        DeValue::Table(t) => Ok(t.iter().collect()),
        other => Err(loc.at(
            v.span(),
            format!(
                "`{}` must be a table, not {}",
                k.get_ref().as_ref(),
                kind_name(other)
            ),
        )),
    }
}

fn known_rule(loc: &Located, id: &str, span: std::ops::Range<usize>) -> Result<(), LoadError> {
    if crate::rules::by_id(id).is_some() {
        return Ok(());
    }
    Err(loc.at(
        span,
        format!(
            "unknown rule `{id}` (`pipewise rules` lists them){}",
            did_you_mean(id, rule_ids())
        ),
    ))
}

/// Checks `[options."rule"]`: the rule takes options, each key is one of them, each
/// value is of the right kind.
fn check_options(loc: &Located, id: &str, (rule, o): Entry) -> Result<(), LoadError> {
    let accepted: Vec<(&str, OptionKind)> = RULE_OPTIONS
        .iter()
        .filter(|(r, _, _)| *r == id)
        .map(|(_, k, kind)| (*k, *kind))
        .collect();
    if accepted.is_empty() {
        let with: Vec<&str> = RULE_OPTIONS.iter().map(|(r, _, _)| *r).collect();
        return Err(loc.at(
            rule.span(),
            format!(
                "`{id}` takes no options (rules with options: {})",
                with.join(", ")
            ),
        ));
    }
    for (key, value) in table(loc, (rule, o))? {
        let name = key.get_ref().as_ref();
        let Some((_, kind)) = accepted.iter().find(|(k, _)| *k == name) else {
            let keys: Vec<&str> = accepted.iter().map(|(k, _)| *k).collect();
            return Err(loc.at(
                key.span(),
                format!(
                    "unknown option `{name}` for `{id}` (it takes: {}){}",
                    keys.join(", "),
                    did_you_mean(name, keys.iter().copied())
                ),
            ));
        };
        match (kind, value.get_ref()) {
            (OptionKind::Bool, DeValue::Boolean(_)) => {}
            (OptionKind::OneOf(values), DeValue::String(s)) if values.contains(&s.as_ref()) => {}
            (OptionKind::OneOf(values), v) => {
                let got = match v {
                    DeValue::String(s) => format!("`{s}`"),
                    other => kind_name(other).to_string(),
                };
                let hint = match v {
                    DeValue::String(s) => did_you_mean(s, values.iter().copied()),
                    _ => String::new(),
                };
                return Err(loc.at(
                    value.span(),
                    format!(
                        "`{name}` of `{id}` must be one of {}, not {got}{hint}",
                        values
                            .iter()
                            .map(|v| format!("\"{v}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            (OptionKind::Bool, v) => {
                return Err(loc.at(
                    value.span(),
                    format!(
                        "`{name}` of `{id}` must be true or false, not {}",
                        kind_name(v)
                    ),
                ))
            }
        }
    }
    Ok(())
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_config() {
        let c = Config::parse(
            "disable = [\"reliability/missing-timeout\"]\nignore = [\"legacy/**\"]\n[severity]\n\"security/unpinned-action\" = \"low\"\n",
            Path::new("pipewise.toml"),
        )
        .unwrap();
        assert!(c.is_disabled("reliability/missing-timeout"));
        assert!(c.is_ignored("legacy/x.yml"));
        assert_eq!(c.severity["security/unpinned-action"], Severity::Low);
    }

    #[test]
    fn config_errors_are_clear() {
        let e = Config::parse("disable = 3", Path::new("p.toml")).unwrap_err();
        assert!(e.contains("`disable` must be a list"), "{e}");
        let e = Config::parse("disable = [\"nope/x\"]", Path::new("p.toml")).unwrap_err();
        assert!(e.contains("unknown rule"), "{e}");
        let e = Config::parse(
            "[severity]\n\"security/unpinned-action\" = \"huge\"",
            Path::new("p.toml"),
        )
        .unwrap_err();
        assert!(e.contains("unknown severity"), "{e}");
        let e = Config::parse("x = [", Path::new("p.toml")).unwrap_err();
        assert!(e.starts_with("p.toml"), "{e}");
    }

    fn err(text: &str) -> String {
        Config::parse(text, Path::new("p.toml")).unwrap_err()
    }

    #[test]
    fn every_mistake_has_a_line_and_a_suggestion() {
        assert_eq!(
            err("disable = [\"reliability/masked-failur\"]"),
            "p.toml:1:12: unknown rule `reliability/masked-failur` (`pipewise rules` lists them); did you mean `reliability/masked-failure`?"
        );
        assert_eq!(
            err("\n\ndisabel = []"),
            "p.toml:3:1: unknown key `disabel` (expected disable, ignore, severity or options); did you mean `disable`?"
        );
        let e = err("[options.\"security/unpinned-action\"]\npolicy = \"hash-everything\"\n");
        assert!(e.starts_with("p.toml:2:10: `policy` of `security/unpinned-action` must be one of \"hash-all\", \"official-tags\", \"tags\", not `hash-everything`"), "{e}");
        let e = err("[options.\"security/unpinned-action\"]\npolicy = \"official-tag\"\n");
        assert!(e.ends_with("did you mean `official-tags`?"), "{e}");
        let e = err("[options.\"security/unpinned-action\"]\npolcy = \"tags\"\n");
        assert!(
            e.starts_with("p.toml:2:1: unknown option `polcy`")
                && e.ends_with("did you mean `policy`?"),
            "{e}"
        );
        let e = err("[options.\"reliability/missing-timeout\"]\nminutes = 5\n");
        assert!(
            e.starts_with("p.toml:1:10: `reliability/missing-timeout` takes no options"),
            "{e}"
        );
        let e = err("[options.\"container/unpinned-base-image\"]\nrequire-digest = \"yes\"\n");
        assert!(e.contains("must be true or false, not a string"), "{e}");
        let e = err("[severity]\n\"security/unpinned-action\" = \"hgh\"");
        assert!(
            e.starts_with("p.toml:2:30: ") && e.ends_with("did you mean `high`?"),
            "{e}"
        );
        let e = err("ignore = [\"a/[\"]");
        assert!(e.starts_with("p.toml:1:11: bad `ignore` glob"), "{e}");
        let e = err("x = [");
        assert!(e.starts_with("p.toml:1:"), "{e}");
    }

    #[test]
    fn notes_say_what_a_config_weakens() {
        let c = Config::parse(
            "disable = [\"reliability/missing-timeout\"]\n[severity]\n\"security/unpinned-action\" = \"low\"\n\"reliability/missing-timeout\" = \"high\"\n",
            Path::new("pipewise.toml"),
        )
        .unwrap();
        let notes: Vec<String> = c.notes.iter().map(format_error).collect();
        assert_eq!(
            notes,
            [
                "pipewise.toml:1:12: this configuration disables `reliability/missing-timeout`",
                "pipewise.toml:3:1: this configuration lowers `security/unpinned-action` from high to low",
            ]
        );
    }

    #[test]
    fn options_reach_the_rules() {
        let c = Config::parse(
            "[options.\"security/unpinned-action\"]\npolicy = \"tags\"\n",
            Path::new("p.toml"),
        )
        .unwrap();
        assert_eq!(
            c.options["security/unpinned-action"]["policy"].as_str(),
            Some("tags")
        );
    }
}
