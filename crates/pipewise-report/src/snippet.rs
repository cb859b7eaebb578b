//! How a finding's snippet reads: where its caret sits on a clipped first line, and
//! which lines of the enclosing YAML list item lead to it. The engine fills
//! snippets with these (`pipewise::source::clip_line`, `pipewise::audit`); the
//! renderers read them back the same way.

/// Characters kept before the finding's column when a line is clipped at its start.
pub const SNIPPET_LEAD_CHARS: usize = 80;

/// The 0-based character where a finding at 1-based `column` sits in its first
/// snippet line `text`, which `pipewise::source::clip_line` may have clipped.
pub fn snippet_caret(text: &str, column: usize) -> usize {
    let start = column.saturating_sub(1);
    if start > SNIPPET_LEAD_CHARS && text.starts_with('…') {
        SNIPPET_LEAD_CHARS + 1
    } else {
        start
    }
}

/// The lines before line `line` of a YAML file that lead to it from the enclosing
/// list item (a step's `- name:`), at most 8; empty when the line starts an item,
/// when no item encloses it nearby, or for other files.
pub fn context_lines<'a>(
    path: &str,
    text: impl Fn(usize) -> &'a str,
    line: usize,
) -> Vec<(usize, String)> {
    if !(path.ends_with(".yml") || path.ends_with(".yaml")) || line < 2 {
        return vec![];
    }
    let indent = |s: &str| s.len() - s.trim_start_matches(' ').len();
    let here = text(line);
    if here.trim_start().starts_with("- ") {
        return vec![];
    }
    let own = indent(here);
    let lowest = line.saturating_sub(8).max(1);
    for l in (lowest..line).rev() {
        let t = text(l);
        if t.trim().is_empty() {
            continue;
        }
        if t.trim_start().starts_with("- ") && indent(t) < own {
            return (l..line).map(|n| (n, text(n).to_string())).collect();
        }
        if indent(t) < own
            && !t.trim_end().ends_with(':')
            && !t.trim_end().ends_with('|')
            && !t.trim_end().ends_with('>')
        {
            // A sibling key at a lower level that is not a parent: not in one item.
            return vec![];
        }
    }
    vec![]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_starts_at_the_enclosing_step() {
        let src = "jobs:\n  a:\n    steps:\n      - name: Backup\n        run: |\n          echo start\n          backup || echo skipped\n";
        let lines: Vec<&str> = src.lines().collect();
        let text = |l: usize| lines.get(l - 1).copied().unwrap_or("");
        let c = context_lines("ci.yml", text, 7);
        assert_eq!(c.first().map(|x| x.0), Some(4));
        assert_eq!(c.last().map(|x| x.0), Some(6));
        assert!(context_lines("ci.yml", text, 4).is_empty(), "a step start");
        assert!(context_lines("ci.yml", text, 2).is_empty(), "no step above");
        assert!(context_lines("run.sh", text, 7).is_empty(), "not YAML");
    }

    #[test]
    fn the_caret_follows_a_clipped_start() {
        assert_eq!(snippet_caret("abcX", 4), 3);
        assert_eq!(snippet_caret("…abc", 200), SNIPPET_LEAD_CHARS + 1);
        assert_eq!(
            snippet_caret("abc", 200),
            199,
            "not clipped: the column stands"
        );
        assert_eq!(snippet_caret("…abc", 0), 0);
    }
}

/// The language a Markdown (and so HTML) code block is labelled with: its fence's
/// info string. A finding's quoted lines take their file's ([`CodeLang::of_file`]);
/// its fix snippet takes [`crate::FindingGroup::fix_lang`], which the engine decides
/// (`pipewise::audit::fix_snippet_lang`), so no renderer parses a snippet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CodeLang {
    /// No label: not a language pipewise names (a shell command for a JSON file).
    #[default]
    None,
    Yaml,
    Sh,
    Dockerfile,
    Json,
    Toml,
}

impl CodeLang {
    /// The info string: `yaml`, `sh`, `dockerfile`, `json`, `toml`, or empty.
    pub fn as_str(self) -> &'static str {
        match self {
            CodeLang::None => "",
            CodeLang::Yaml => "yaml",
            CodeLang::Sh => "sh",
            CodeLang::Dockerfile => "dockerfile",
            CodeLang::Json => "json",
            CodeLang::Toml => "toml",
        }
    }

    /// The language of a file, from its name (ASCII case ignored): `*.yml`/`*.yaml`,
    /// `*.sh`/`*.bash`, a name containing `dockerfile`, `*.json`, `*.toml`.
    pub fn of_file(path: &str) -> CodeLang {
        let name = path.rsplit('/').next().unwrap_or(path).as_bytes();
        let ends = |suffix: &str| {
            name.len() >= suffix.len()
                && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
        };
        if ends(".yml") || ends(".yaml") {
            CodeLang::Yaml
        } else if ends(".sh") || ends(".bash") {
            CodeLang::Sh
        } else if name
            .windows(10)
            .any(|w| w.eq_ignore_ascii_case(b"dockerfile"))
        {
            CodeLang::Dockerfile
        } else if ends(".json") {
            CodeLang::Json
        } else if ends(".toml") {
            CodeLang::Toml
        } else {
            CodeLang::None
        }
    }
}

#[cfg(test)]
mod code_lang_tests {
    use super::CodeLang;

    #[test]
    fn files_are_labelled_by_their_names() {
        let cases = [
            (".github/workflows/ci.yml", "yaml"),
            ("a/B.YAML", "yaml"),
            ("scripts/deploy.sh", "sh"),
            ("x.BASH", "sh"),
            ("docker/Dockerfile.prod", "dockerfile"),
            ("api.DockerFile", "dockerfile"),
            ("dockerfiles/x.json", "json"),
            ("renovate.json", "json"),
            ("Cargo.toml", "toml"),
            ("README", ""),
            ("yml", ""),
            ("a.yml/README", ""),
        ];
        for (path, want) in cases {
            assert_eq!(CodeLang::of_file(path).as_str(), want, "{path}");
        }
    }
}
