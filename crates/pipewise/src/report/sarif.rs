//! SARIF 2.1.0 output for code-scanning dashboards: every rule in
//! `tool.driver.rules` with its documentation as help, severities mapped to `level`
//! and `security-severity`.

use super::escape::{block, text, uri};
use super::Report;
use crate::finding::Severity;
use crate::rules;
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

pub fn render(report: &Report) -> String {
    let all = rules::all();
    let rule_index = |id: &str| all.iter().position(|r| r.meta().id == id);
    let driver_rules: Vec<Value> = all
        .iter()
        .map(|r| {
            let m = r.meta();
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
    let multi = report.repositories.len() > 1;
    let mut results = vec![];
    for repo in &report.repositories {
        let prefix = if multi {
            format!("{}/", repo.root.trim_end_matches('/'))
        } else {
            String::new()
        };
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
                        "artifactLocation": { "uri": uri(&format!("{prefix}{}", f.file)) },
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
                                    "artifactLocation": { "uri": uri(&format!("{prefix}{}", r.file)) },
                                    "region": { "startLine": r.line.max(1), "startColumn": r.column.max(1) }
                                }
                            })
                        })
                        .collect(),
                );
            }
            results.push(result);
        }
    }
    let notifications: Vec<Value> = report
        .repositories
        .iter()
        .flat_map(|r| {
            r.errors.iter().map(move |e| {
                json!({
                    "level": "error",
                    "message": { "text": text(&e.message) },
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": { "uri": uri(&e.file) },
                            "region": { "startLine": e.line.max(1) }
                        }
                    }]
                })
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "pipewise",
                    "version": report.tool.version,
                    "informationUri": "https://github.com/pipewise/pipewise",
                    "rules": driver_rules,
                }
            },
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }]
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// The `--format sarif` renderer.
pub struct Sarif;

impl super::Renderer for Sarif {
    fn name(&self) -> &'static str {
        "sarif"
    }
    fn extensions(&self) -> &'static [&'static str] {
        &["sarif"]
    }
    fn render(&self, report: &Report, _opts: &super::RenderOptions) -> String {
        render(report)
    }
}
