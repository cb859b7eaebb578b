//! The renderers, in their own crate (`pipewise_report::render`, which does not
//! depend on this engine), and the report data (`pipewise_report`), under the
//! paths the engine and the CLI have always used (`pipewise::report::json`,
//! `report::RepoReport`, …). Their tests that audit the demo repository live here.

pub use pipewise_report::render::{
    concise, deduction_cost, drop_inventory, economics, escape, github, gitlab, graph, html, json,
    markdown, org, plain, renderer, renderer_for_path, sarif, severity_counts, stream,
    RenderOptions, Renderer, RENDERERS,
};
/// The lines of the enclosing YAML list item that lead to a finding's line.
pub use pipewise_report::snippet::context_lines;

/// The data model lives in [`crate::schema`] (below scoring and the renderers);
/// re-exported here so `report::RepoReport` and friends keep their paths.
pub use crate::schema::*;

/// The renderers' tests that need an audited repository (the renderer crate cannot
/// audit one: it sits below the engine).
#[cfg(test)]
mod tests {
    use super::*;

    /// A renderer that says it does not show the inventory gives the same bytes
    /// without it.
    #[test]
    fn renderers_without_the_inventory_do_not_read_it() {
        let demo =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo-repo");
        let r = crate::audit::audit_path(&demo, None).expect("demo audits");
        assert!(!r.workflows.is_empty() && !r.secrets.is_empty());
        let mut slim = r.clone();
        drop_inventory(&mut slim);
        let (full, slim) = (
            Report::new(vec![r], crate::rules::table()),
            Report::new(vec![slim], crate::rules::table()),
        );
        let opts = RenderOptions::default();
        let mut without = 0;
        for f in RENDERERS.iter().filter(|f| !f.shows_inventory()) {
            assert_eq!(
                f.render(&full, &opts),
                f.render(&slim, &opts),
                "{}",
                f.name()
            );
            without += 1;
        }
        assert!(without >= 5, "plain, sarif, concise, github, gitlab");
    }

    mod json {
        use crate::report::json::*;
        use crate::report::{RepoReport, Report};
        use std::collections::BTreeSet;

        /// The document is serde_json's pretty printing of the whole report, byte for
        /// byte (nested arrays and objects, empty ones, escaped strings).
        #[test]
        fn streamed_pieces_are_serde_pretty_printing_of_the_whole_document() {
            let demo =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo-repo");
            let r = crate::audit::audit_path(&demo, None).unwrap();
            assert!(!r.findings.is_empty());
            for report in [
                Report::new(vec![], crate::rules::table()),
                Report::new(vec![r.clone()], crate::rules::table()),
                Report::new(vec![r.clone(), r], crate::rules::table()),
            ] {
                let mut whole = serde_json::to_string_pretty(&report).unwrap();
                whole.push('\n');
                assert_eq!(render(&report), whole);
            }
        }

        fn demo() -> RepoReport {
            let demo =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo-repo");
            crate::audit::audit_path(&demo, None).unwrap()
        }

        /// `@2` read back (its findings filled in from the `rules` table) is the `@1`
        /// document, byte for byte; it is smaller, and names each rule once.
        #[test]
        fn report_2_reads_back_as_report_1() {
            let r = demo();
            assert!(r.findings.len() > 5);
            let mut own = r.clone();
            // A finding with a title and fix of its own keeps them; one of a rule this
            // pipewise does not know keeps every field.
            own.findings[0].title = "A title of its own".into();
            own.findings[1].fix.snippet = "a snippet of its own".into();
            own.findings[2].rule = "gone/old-rule".into();
            for report in [
                Report::new(vec![], crate::rules::table()),
                Report::new(vec![r.clone()], crate::rules::table()),
                Report::new(vec![r, own], crate::rules::table()),
            ] {
                let v2 = render_as(&report, Schema::V2);
                let v1 = render(&report);
                let back = parse(&v2).unwrap_or_else(|e| panic!("{e}\n{v2}"));
                assert_eq!(render(&back), v1);
                assert_eq!(render(&parse(&v1).unwrap()), v1, "@1 is read as it is");
                if report.repositories.is_empty() {
                    continue;
                }
                assert!(v2.len() < v1.len(), "{} vs {}", v2.len(), v1.len());
                let doc: serde_json::Value = serde_json::from_str(&v2).unwrap();
                assert_eq!(doc["schema"], "pipewise/report@2");
                let rules = doc["rules"].as_object().unwrap();
                let used: BTreeSet<&str> = report
                    .findings()
                    .map(|f| f.rule.as_str())
                    .filter(|id| crate::rules::by_id(id).is_some())
                    .collect();
                assert_eq!(
                    rules.keys().map(String::as_str).collect::<BTreeSet<_>>(),
                    used
                );
                for (id, e) in rules {
                    let m = crate::rules::by_id(id).unwrap().meta();
                    assert_eq!(e["impact"], m.impact);
                    assert_eq!(e["category"], m.category.id());
                }
                let findings = doc["repositories"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|r| r["findings"].as_array().unwrap());
                for f in findings {
                    let known = rules.contains_key(f["rule"].as_str().unwrap());
                    assert_eq!(f.get("category").is_some(), !known, "{f}");
                    assert_eq!(f.get("references").is_some(), !known, "{f}");
                }
            }
        }

        #[test]
        fn own_metadata_stays_on_the_finding() {
            let mut r = demo();
            r.findings.truncate(3);
            r.findings[0].title = "A title of its own".into();
            r.findings[1].fix.snippet = "a snippet of its own".into();
            r.findings[2].rule = "gone/old-rule".into();
            let doc: serde_json::Value = serde_json::from_str(&render_as(
                &Report::new(vec![r], crate::rules::table()),
                Schema::V2,
            ))
            .unwrap();
            let f = &doc["repositories"][0]["findings"];
            assert_eq!(f[0]["title"], "A title of its own");
            assert!(f[0].get("fix").is_none() && f[0].get("impact").is_none());
            assert_eq!(f[1]["fix"]["snippet"], "a snippet of its own");
            assert!(f[1].get("title").is_none());
            for k in RULE_FIELDS {
                assert!(f[2].get(k).is_some(), "unknown rule keeps `{k}`");
            }
            assert!(doc["rules"].get("gone/old-rule").is_none());
        }

        #[test]
        fn parse_names_what_it_reads() {
            let e = parse("{\"schema\": \"pipewise/report@9\", \"repositories\": []}").unwrap_err();
            assert!(e.contains("report@9") && e.contains("report@2"), "{e}");
            assert!(parse("[]").unwrap_err().contains("not a pipewise report"));
            assert!(parse("{").unwrap_err().starts_with("not JSON"));
            let bad = "{\"schema\": \"pipewise/report@2\", \"tool\": {\"name\": \"pipewise\", \"version\": \"0\"}, \"repositories\": [], \"rules\": 3}";
            assert!(parse(bad).unwrap_err().contains("`rules`"));
            // A `@2` finding of a rule the table lacks cannot be completed.
            let r = demo();
            let v2 = render_as(&Report::new(vec![r], crate::rules::table()), Schema::V2);
            let mut doc: serde_json::Value = serde_json::from_str(&v2).unwrap();
            doc["rules"] = serde_json::json!({});
            let e = parse(&doc.to_string()).unwrap_err();
            assert!(e.contains("report@2") && e.contains("missing field"), "{e}");
        }

        /// The streamed `@2` document (rules gathered while writing) is the whole one.
        #[test]
        fn streamed_report_2_is_the_whole_document() {
            let r = demo();
            let repos = vec![r.clone(), RepoReport::default(), r];
            let whole = render_as(
                &Report::new(repos.clone(), crate::rules::table()),
                Schema::V2,
            );
            let s = JsonStream {
                schema: Schema::V2,
                rules: crate::rules::table(),
            };
            assert_eq!(crate::report::stream::render(&s, &repos), whole);
            let s1 = JsonStream {
                schema: Schema::V1,
                rules: crate::rules::table(),
            };
            assert_eq!(
                crate::report::stream::render(&s1, &repos),
                render(&Report::new(repos, crate::rules::table()))
            );
        }
    }

    mod plain {
        use crate::report::plain::*;
        use crate::report::Report;

        fn demo() -> Report {
            let demo =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo-repo");
            Report::new(
                vec![crate::audit::audit_path(&demo, None).unwrap()],
                crate::rules::table(),
            )
        }

        #[test]
        fn summary_first_then_findings_most_severe_first() {
            let text = render(&demo(), false);
            assert!(text.starts_with("pipewise: "), "{}", &text[..80]);
            let score = text.find("\nscore: ").expect("scorecard");
            let first_finding = text.find("[").unwrap_or(0);
            assert!(
                score < text.find("-->").unwrap(),
                "scorecard before findings"
            );
            assert!(first_finding > 0);
            let order: Vec<usize> = text
                .lines()
                .filter_map(|l| {
                    ["critical[", "high[", "medium[", "low[", "info["]
                        .iter()
                        .position(|p| l.starts_with(p))
                })
                .collect();
            assert!(order.len() > 5);
            assert!(order.windows(2).all(|w| w[0] <= w[1]), "{order:?}");
        }

        #[test]
        fn lines_are_wrapped_to_the_width() {
            let r = demo();
            let wide = render_with(&r, false, None);
            assert!(wide.lines().any(|l| l.chars().count() > 100));
            for cols in [80, 100] {
                let text = render_with(&r, false, Some(cols));
                for l in text.lines() {
                    // A single word longer than the width is the only excuse.
                    let longest_word = l.split(' ').map(|w| w.chars().count()).max().unwrap_or(0);
                    assert!(
                        l.chars().count() <= cols || longest_word > cols / 2,
                        "{} > {cols}: {l}",
                        l.chars().count()
                    );
                }
            }
        }
    }

    mod sarif {
        use crate::report::sarif::*;
        use crate::report::Report;
        use serde_json::Value;

        /// Results are printed one at a time and spliced into the document: the bytes must
        /// still be serde_json's pretty printing of the whole document (every indentation,
        /// separator and the empty cases).
        #[test]
        fn spliced_results_are_the_pretty_printing_of_the_whole_document() {
            let demo =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo-repo");
            let r = crate::audit::audit_path(&demo, None).expect("demo audits");
            assert!(r.findings.len() > 1);
            let mut none = r.clone();
            none.findings.clear();
            for report in [
                Report::new(vec![], crate::rules::table()),
                Report::new(vec![none], crate::rules::table()),
                Report::new(vec![r.clone()], crate::rules::table()),
                Report::new(vec![r.clone(), r], crate::rules::table()),
            ] {
                for base in [None, Some(std::path::Path::new("/work"))] {
                    let out = render_with_base(&report, base);
                    let doc: Value = serde_json::from_str(&out).expect("valid JSON");
                    let mut again = serde_json::to_string_pretty(&doc).expect("prints");
                    again.push('\n');
                    assert_eq!(out, again);
                    let n: usize = report.repositories.iter().map(|r| r.findings.len()).sum();
                    assert_eq!(doc["runs"][0]["results"].as_array().map(Vec::len), Some(n));
                }
            }
        }
    }
}
