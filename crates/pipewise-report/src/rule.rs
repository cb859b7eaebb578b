//! What the report knows about a rule: its static metadata ([`RuleMeta`]: identity,
//! defaults, documentation), which each rule of `pipewise::rules` declares, and the
//! table of every rule's ([`Rules`]) that the report data carries, so that renderers
//! (the `@2` JSON `rules` table, SARIF's `tool.driver.rules`, the organisation
//! report's rule titles) read rule metadata from the data, not from the registry.

use crate::finding::{Category, Confidence, Severity};

/// The fix every finding of a rule suggests unless the finding brings its own.
#[derive(Debug)]
pub struct FixMeta {
    pub description: &'static str,
    pub snippet: &'static str,
    pub effort_minutes: u32,
}

/// Everything static about a rule: identity, defaults and documentation.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable id `group/name`.
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub confidence: Confidence,
    pub category: Category,
    /// One sentence: what the rule finds.
    pub summary: &'static str,
    /// One sentence: what goes wrong if it is left as is.
    pub impact: &'static str,
    /// Markdown: why it matters, a bad example, a good example.
    pub doc: &'static str,
    pub fix: FixMeta,
    pub references: &'static [&'static str],
}

impl RuleMeta {
    pub fn group(&self) -> &'static str {
        self.id.split('/').next().unwrap_or(self.id)
    }
    /// References for readers: links and peer equivalents (`zizmor: audit`), not the
    /// internal `seed:` notes on which audit report a rule came from.
    pub fn public_references(&self) -> impl Iterator<Item = &'static str> {
        self.references
            .iter()
            .copied()
            .filter(|r| !r.starts_with("seed:"))
    }
    /// The fence language of the fix snippet: Dockerfile instructions or YAML.
    fn fix_language(&self) -> &'static str {
        const INSTRUCTIONS: &[&str] = &[
            "FROM",
            "RUN",
            "COPY",
            "ADD",
            "USER",
            "ENV",
            "ARG",
            "HEALTHCHECK",
            "WORKDIR",
            "EXPOSE",
            "CMD",
            "ENTRYPOINT",
            "LABEL",
        ];
        let first = self
            .fix
            .snippet
            .split_whitespace()
            .next()
            .unwrap_or_default();
        if INSTRUCTIONS.contains(&first) {
            "dockerfile"
        } else {
            "yaml"
        }
    }
    /// The rule's full documentation page, as printed by `pipewise rule ID`.
    pub fn documentation(&self) -> String {
        let mut s = format!(
            "# {}\n\n{}\n\n- Default severity: {}\n- Confidence: {}\n- Category: {}\n\n{}\n\n## Fix\n\n{} (about {} minutes)\n\n```{}\n{}\n```\n",
            self.id,
            self.summary,
            self.severity,
            self.confidence.as_str(),
            self.category.id(),
            self.doc.trim(),
            self.fix.description,
            self.fix.effort_minutes,
            self.fix_language(),
            self.fix.snippet.trim_end()
        );
        let refs: Vec<&str> = self.public_references().collect();
        if !refs.is_empty() {
            s.push_str("\n## References\n\n");
            for r in refs {
                s.push_str(&format!("- {r}\n"));
            }
        }
        s
    }
}

/// Every rule's metadata, sorted by id (`pipewise::rules::table`); empty by default
/// (a report built without the registry: renderers then treat every rule as
/// unknown, as for a merged report's rule that this pipewise lacks).
#[derive(Debug, Clone, Copy, Default)]
pub struct Rules(&'static [&'static RuleMeta]);

impl Rules {
    /// `sorted` must be sorted by id ([`Rules::by_id`] searches it).
    pub fn new(sorted: &'static [&'static RuleMeta]) -> Rules {
        debug_assert!(sorted.windows(2).all(|w| w[0].id < w[1].id));
        Rules(sorted)
    }
    /// Every rule, by id.
    pub fn all(&self) -> &'static [&'static RuleMeta] {
        self.0
    }
    /// The metadata of rule `id`, if it is one.
    pub fn by_id(&self, id: &str) -> Option<&'static RuleMeta> {
        let all = self.0;
        all.binary_search_by(|m| m.id.cmp(id))
            .ok()
            .and_then(|i| all.get(i).copied())
    }
}
