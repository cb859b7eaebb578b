//! SARIF 2.1.0 output for code-scanning dashboards: every rule in
//! `tool.driver.rules` with its documentation as help, severities mapped to `level`
//! and `security-severity`.

use super::escape::{block, text, uri};
use super::Report;
use crate::finding::Severity;
use crate::rule::Rules;
use serde_json::{json, Value};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub code scanning reads `security-severity` (0.0–10.0) to bucket alerts.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// The SARIF location of a repository file: relative to `%SRCROOT%` (the base the
/// CLI shows paths from; `originalUriBaseIds` says where it is), or a `file://` URI
/// for a repository outside it.
fn artifact(root: &str, file: &str) -> Value {
    let path = super::display_path(root, file);
    if path.starts_with('/') {
        json!({ "uri": format!("file://{}", uri(&path)) })
    } else {
        json!({ "uri": uri(&path), "uriBaseId": "%SRCROOT%" })
    }
}

pub fn render(report: &Report) -> String {
    render_with_base(report, None)
}

/// [`render`] with the absolute directory paths are relative to, as
/// `originalUriBaseIds`.
pub fn render_with_base(report: &Report, base: Option<&std::path::Path>) -> String {
    let s = SarifStream::new(base.map(std::path::Path::to_path_buf), report.rules);
    super::stream::render(&s, &report.repositories)
}

/// SARIF written repository by repository (see [`super::stream`]): results are the
/// body; the notifications (file errors and warnings) come before them in the
/// document, so they are kept and the results wait.
pub struct SarifStream {
    base: Option<std::path::PathBuf>,
    /// The rules `tool.driver.rules` lists (the report data's).
    rules: Rules,
}

impl SarifStream {
    /// SARIF of findings of `rules` (a report's [`Report::rules`]).
    pub fn new(base: Option<std::path::PathBuf>, rules: Rules) -> Self {
        SarifStream { base, rules }
    }

    /// The document with an empty `results` array, and where that array is.
    fn document(&self, acc: &Kept) -> (String, Option<usize>) {
        let driver_rules: Vec<Value> = self
            .rules
            .all()
            .iter()
            .map(|m| {
                let mut tags = vec![m.group(), m.category.id()];
                tags.dedup();
                json!({
                    "id": m.id,
                    "name": m.id.replace(['/', '-'], "_"),
                    "shortDescription": { "text": m.title },
                    "fullDescription": { "text": m.summary },
                    "help": { "text": m.documentation(), "markdown": m.documentation() },
                    "defaultConfiguration": { "level": level(m.severity) },
                    "properties": {
                        "tags": tags,
                        "security-severity": security_severity(m.severity),
                        "precision": m.confidence.as_str(),
                    }
                })
            })
            .collect();
        let mut doc = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {
                    "driver": {
                        "name": "pipewise",
                        "version": env!("CARGO_PKG_VERSION"),
                        "informationUri": "https://github.com/pipewise/pipewise",
                        "rules": driver_rules,
                    }
                },
                "invocations": [{
                    "executionSuccessful": true,
                    "toolExecutionNotifications": acc.notifications,
                }],
                "results": [],
            }]
        });
        if let Some(b) = &self.base {
            let mut uri = format!(
                "file://{}",
                uri(&b.display().to_string().replace('\\', "/"))
            );
            if !uri.ends_with('/') {
                uri.push('/');
            }
            doc["runs"][0]["originalUriBaseIds"] = json!({ "%SRCROOT%": { "uri": uri } });
        }
        let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
        s.push('\n');
        // The results go where serde_json printed the empty array: `"results": []`
        // cannot occur elsewhere (a quote inside a string is escaped).
        let at = s.find(EMPTY);
        (s, at)
    }
}

const EMPTY: &str = "\"results\": []";

/// What the head keeps: the notifications, and whether a result was written.
#[derive(Default)]
pub struct Kept {
    notifications: Vec<Value>,
    results: bool,
}

impl super::stream::Stream for SarifStream {
    /// A repository's results (pretty-printed four levels deep, where the `results`
    /// array puts them) and its notifications.
    type Part = (Vec<u8>, Vec<Value>);
    type Acc = Kept;
    const SPILL: bool = true;

    fn part(&self, repo: &super::RepoReport) -> Self::Part {
        let rule_index = |id: &str| self.rules.all().iter().position(|m| m.id == id);
        // Each result is pretty-printed as soon as it is built instead of keeping a
        // `Value` tree of every result: the tree of the corpus's 7,800 results took
        // ~100 MB.
        let mut results: Vec<u8> = vec![];
        for f in &repo.findings {
            let mut region = json!({
                "startLine": f.line.max(1),
                "startColumn": f.column.max(1),
            });
            if f.end_line >= f.line && f.end_line > 0 {
                region["endLine"] = json!(f.end_line);
                if f.end_column > 0 {
                    region["endColumn"] = json!(f.end_column);
                }
            }
            let mut result = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": { "text": text(&f.message) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": artifact(&repo.root, &f.file),
                        "region": region,
                    }
                }],
                "properties": {
                    "severity": f.severity.as_str(),
                    "security-severity": security_severity(f.severity),
                    "confidence": f.confidence.as_str(),
                    "category": f.category,
                    "effort_minutes": f.fix.effort_minutes,
                    "fix": format!("{}\n\n{}", text(&f.fix.description), block(&f.fix.snippet)),
                },
            });
            if !f.fingerprint.is_empty() {
                result["partialFingerprints"] = json!({ "pipewise/v1": f.fingerprint });
            }
            if let Some(i) = rule_index(&f.rule) {
                result["ruleIndex"] = json!(i);
            }
            if !f.related.is_empty() {
                result["relatedLocations"] = Value::Array(
                f.related
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        json!({
                            "id": i,
                            "message": { "text": text(&r.message) },
                            "physicalLocation": {
                                "artifactLocation": artifact(&repo.root, &r.file),
                                "region": { "startLine": r.line.max(1), "startColumn": r.column.max(1) }
                            }
                        })
                    })
                    .collect(),
            );
            }
            if !results.is_empty() {
                results.extend_from_slice(b",\n");
            }
            super::json::nested_pretty(&mut results, &result, 4);
        }
        let errors = repo.errors.iter().map(|e| ("error", e));
        let warnings = repo.warnings.iter().map(|e| ("warning", e));
        let notifications = errors
            .chain(warnings)
            .map(|(level, e)| {
                json!({
                    "level": level,
                    "message": { "text": text(&e.message) },
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": artifact(&repo.root, &e.file),
                            "region": { "startLine": e.line.max(1) }
                        }
                    }]
                })
            })
            .collect();
        (results, notifications)
    }

    fn write(
        &self,
        acc: &mut Kept,
        (results, notifications): Self::Part,
        body: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        acc.notifications.extend(notifications);
        if results.is_empty() {
            return Ok(());
        }
        if acc.results {
            body.write_all(b",\n")?;
        }
        acc.results = true;
        body.write_all(&results)
    }

    fn head(&self, acc: &Kept) -> Vec<u8> {
        match (self.document(acc), acc.results) {
            ((s, Some(at)), true) => format!("{}\"results\": [\n", &s[..at]).into_bytes(),
            ((s, _), _) => s.into_bytes(),
        }
    }

    fn tail(&self, acc: &Kept) -> Vec<u8> {
        match (self.document(acc), acc.results) {
            ((s, Some(at)), true) => format!("\n      ]{}", &s[at + EMPTY.len()..]).into_bytes(),
            _ => vec![],
        }
    }
}

/// The `--format sarif` renderer.
pub struct Sarif;

impl super::Renderer for Sarif {
    fn shows_inventory(&self) -> bool {
        false
    }
    fn name(&self) -> &'static str {
        "sarif"
    }
    fn extensions(&self) -> &'static [&'static str] {
        &["sarif"]
    }
    fn render(&self, report: &Report, opts: &super::RenderOptions) -> String {
        render_with_base(report, opts.base.as_deref())
    }
}
