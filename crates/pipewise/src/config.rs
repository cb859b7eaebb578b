//! Configuration: `pipewise.toml` (or `.pipewise.toml`, `.github/pipewise.toml`) and
//! inline `# pipewise: ignore[rule-id] reason` suppressions.
//!
//! ```toml
//! disable = ["reliability/missing-timeout"]      # rules to turn off
//! ignore = ["examples/**", "**/legacy-*.yml"]    # paths not audited
//! [severity]                                     # per-rule severity overrides
//! "security/unpinned-action" = "low"
//! [options."security/unpinned-action"]           # per-rule options
//! policy = "hash-all"
//! ```

use crate::finding::Severity;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Per-rule options: rule id → table.
pub type RuleOptions = BTreeMap<String, toml::Table>;

/// Config file names looked up in a repository root, in order.
pub const CONFIG_NAMES: &[&str] = &["pipewise.toml", ".pipewise.toml", ".github/pipewise.toml"];

#[derive(Debug, Default, Clone)]
pub struct Config {
    pub disable: Vec<String>,
    pub ignore: Vec<String>,
    ignore_set: Option<GlobSet>,
    pub severity: BTreeMap<String, Severity>,
    pub options: RuleOptions,
    /// Where it was read from, if anywhere.
    pub source: Option<PathBuf>,
}

impl Config {
    /// Parses config text. Errors name the file and say what is wrong.
    pub fn parse(text: &str, origin: &Path) -> Result<Config, String> {
        let where_ = origin.display();
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| format!("{where_}: {}", e.to_string().trim()))?;
        let mut cfg = Config {
            source: Some(origin.to_path_buf()),
            ..Config::default()
        };
        let strings = |key: &str, v: &toml::Value| -> Result<Vec<String>, String> {
            v.as_array()
                .ok_or_else(|| format!("{where_}: `{key}` must be a list of strings"))?
                .iter()
                .map(|s| {
                    s.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| format!("{where_}: `{key}` must be a list of strings"))
                })
                .collect()
        };
        for (k, v) in &table {
            match k.as_str() {
                "disable" => cfg.disable = strings(k, v)?,
                "ignore" => cfg.ignore = strings(k, v)?,
                "severity" => {
                    let t = v
                        .as_table()
                        .ok_or_else(|| format!("{where_}: `severity` must be a table"))?;
                    for (rule, s) in t {
                        let s = s.as_str().ok_or_else(|| {
                            format!("{where_}: severity of `{rule}` must be a string")
                        })?;
                        let sev: Severity = s.parse().map_err(|e| format!("{where_}: {e}"))?;
                        cfg.severity.insert(rule.clone(), sev);
                    }
                }
                "options" => {
                    let t = v
                        .as_table()
                        .ok_or_else(|| format!("{where_}: `options` must be a table"))?;
                    for (rule, o) in t {
                        let o = o.as_table().ok_or_else(|| {
                            format!("{where_}: options of `{rule}` must be a table")
                        })?;
                        cfg.options.insert(rule.clone(), o.clone());
                    }
                }
                other => {
                    return Err(format!(
                    "{where_}: unknown key `{other}` (expected disable, ignore, severity, options)"
                ))
                }
            }
        }
        let known: Vec<&str> = crate::rules::all().iter().map(|r| r.meta().id).collect();
        for id in cfg
            .disable
            .iter()
            .chain(cfg.severity.keys())
            .chain(cfg.options.keys())
        {
            if !known.contains(&id.as_str()) {
                return Err(format!(
                    "{where_}: unknown rule `{id}` (see `pipewise rules`)"
                ));
            }
        }
        let mut b = GlobSetBuilder::new();
        for g in &cfg.ignore {
            b.add(Glob::new(g).map_err(|e| format!("{where_}: bad ignore glob `{g}`: {e}"))?);
        }
        cfg.ignore_set = Some(b.build().map_err(|e| format!("{where_}: {e}"))?);
        Ok(cfg)
    }

    /// Finds and reads the config of a repository root, if it has one.
    pub fn discover(root: &Path) -> Result<Config, String> {
        for name in CONFIG_NAMES {
            let p = root.join(name);
            if p.is_file() {
                let text = std::fs::read_to_string(&p)
                    .map_err(|e| format!("{}: cannot read: {e}", p.display()))?;
                return Config::parse(&text, &p);
            }
        }
        Ok(Config::default())
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

/// Whether `line` (or the line above it) of `text` carries
/// `pipewise: ignore[...]` naming `rule` (or `*`).
pub fn is_suppressed<'t>(line_text: impl Fn(usize) -> &'t str, line: usize, rule: &str) -> bool {
    let check = |l: &str| -> bool {
        let Some(pos) = l.find("pipewise: ignore[") else {
            return false;
        };
        let rest = &l[pos + "pipewise: ignore[".len()..];
        let Some(end) = rest.find(']') else {
            return false;
        };
        rest[..end]
            .split(',')
            .map(str::trim)
            .any(|r| r == rule || r == "*")
    };
    check(line_text(line))
        || (line > 1
            && line_text(line - 1).trim_start().starts_with('#')
            && check(line_text(line - 1)))
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

    #[test]
    fn suppression_comments() {
        let lines = [
            "# pipewise: ignore[reliability/masked-failure] flaky upstream",
            "run: npm test || true",
            "x: 1 # pipewise: ignore[a/b, c/d]",
        ];
        let at = |n: usize| lines.get(n - 1).copied().unwrap_or("");
        assert!(is_suppressed(at, 2, "reliability/masked-failure"));
        assert!(!is_suppressed(at, 2, "security/x"));
        assert!(is_suppressed(at, 3, "c/d"));
        assert!(!is_suppressed(at, 1, "c/d"));
    }
}
