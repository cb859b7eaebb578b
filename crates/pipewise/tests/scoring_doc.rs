//! `docs/scoring.md` states the exact scoring numbers; this test reads its tables and
//! compares every row with the constants in `pipewise::scoring`.

use pipewise::finding::Severity;
use pipewise::report::CapabilityStatus;
use pipewise::scoring::*;

/// Tables of the page, keyed by their header row (cells joined with `|`).
fn tables(md: &str) -> Vec<(String, Vec<Vec<String>>)> {
    let mut out: Vec<(String, Vec<Vec<String>>)> = vec![];
    let mut cur: Option<(String, Vec<Vec<String>>)> = None;
    for line in md.lines().map(str::trim) {
        if !line.starts_with('|') {
            if let Some(t) = cur.take() {
                out.push(t);
            }
            continue;
        }
        let cells: Vec<String> = line
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().trim_matches('`').to_string())
            .collect();
        if cells
            .iter()
            .all(|c| c.chars().all(|ch| ch == '-' || ch == ':'))
        {
            continue;
        }
        match &mut cur {
            None => cur = Some((cells.join("|"), vec![])),
            Some((_, rows)) => rows.push(cells),
        }
    }
    out.extend(cur);
    out
}

fn table<'a>(all: &'a [(String, Vec<Vec<String>>)], header: &str) -> &'a [Vec<String>] {
    &all.iter()
        .find(|(h, _)| h == header)
        .unwrap_or_else(|| panic!("docs/scoring.md has no table `{header}`"))
        .1
}

fn num(s: &str) -> f64 {
    s.trim_end_matches('%')
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {s}"))
}

#[test]
fn scoring_doc_matches_code() {
    let md = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/scoring.md"
    ))
    .expect("docs/scoring.md");
    let all = tables(&md);

    let weights = table(&all, "Category|Name|Weight");
    assert_eq!(weights.len(), CATEGORY_WEIGHTS.len());
    for (row, (cat, w)) in weights.iter().zip(CATEGORY_WEIGHTS) {
        assert_eq!(row[0], cat.id());
        assert_eq!(row[1], cat.name());
        assert_eq!((num(&row[2]) * 100.0).round() as u32, w, "{}", row[0]);
    }

    let credits = table(&all, "Status|Credit");
    assert_eq!(credits.len(), CAPABILITY_CREDIT.len());
    for (row, (status, credit)) in credits.iter().zip(CAPABILITY_CREDIT) {
        let s: CapabilityStatus =
            serde_json::from_value(serde_json::Value::String(row[0].clone())).unwrap();
        assert_eq!(s, status);
        assert_eq!(num(&row[1]) as u32, credit);
    }

    let limit = table(&all, "Limit|Value");
    assert_eq!(num(&limit[0][1]) as u32, MAX_CAPABILITY_OVERALL);
    let optional = table(&all, "Optional capability|Bonus (points of 10)");
    assert_eq!(optional.len(), OPTIONAL_CAPABILITIES.len());
    for (row, id) in optional.iter().zip(OPTIONAL_CAPABILITIES) {
        assert_eq!(row[0], id);
        assert_eq!((num(&row[1]) * 100.0).round() as u32, OPTIONAL_BONUS);
    }

    let pen = table(
        &all,
        "Severity|Category penalty (points of 10)|Workflow penalty (points of 100)",
    );
    assert_eq!(pen.len(), 5);
    for row in pen {
        let s: Severity = row[0].parse().unwrap();
        let cat = CATEGORY_PENALTY.iter().find(|e| e.0 == s).unwrap().1;
        let wf = WORKFLOW_PENALTY.iter().find(|e| e.0 == s).unwrap().1;
        assert_eq!((num(&row[1]) * 100.0).round() as u32, cat, "{s}");
        assert_eq!(num(&row[2]) as u32, wf, "{s}");
    }
    assert!(
        md.contains(&format!("Repeat divisor: **{REPEAT_DIVISOR}**")),
        "repeat divisor"
    );

    let scales = table(&all, "Scale|Value");
    assert_eq!(scales.len(), 2);
    assert_eq!(num(&scales[0][1]) as u32 * 100, CATEGORY_SCALE);
    assert_eq!(num(&scales[1][1]) as u32, WORKFLOW_SCALE);

    let grades = table(&all, "Grade|Minimum overall");
    assert_eq!(grades.len(), GRADES.len());
    for (row, (g, min)) in grades.iter().zip(GRADES) {
        assert_eq!((row[0].as_str(), num(&row[1]) as u32), (g, min));
    }

    let status = table(&all, "Status|Minimum score");
    assert_eq!(status.len(), WORKFLOW_STATUS.len());
    for (row, (s, min)) in status.iter().zip(WORKFLOW_STATUS) {
        assert_eq!((row[0].as_str(), num(&row[1]) as u32), (s, min));
    }

    // The page groups capabilities by category; each capability's metadata says it.
    let caps = table(&all, "Capability|Category");
    assert_eq!(caps.len(), CAPABILITY_CATEGORY.len());
    for row in caps.iter() {
        let cat = capability_category(&row[0]).map(|c| c.id());
        assert_eq!(Some(row[1].as_str()), cat, "{}", row[0]);
    }
    for (id, _) in CAPABILITY_CATEGORY {
        assert!(caps.iter().any(|r| r[0] == id), "{id} not on the page");
    }
}

/// Every capability id of the shared vocabulary is mapped.
#[test]
fn every_vocabulary_id_has_a_category() {
    let spec = std::fs::read_to_string("/work/shared/spec/capabilities.md");
    let Ok(spec) = spec else {
        // The shared spec is outside the repository; the mapping table above is the
        // checked-in copy.
        return;
    };
    for line in spec
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains('.'))
    {
        let id = line
            .trim_start_matches("| ")
            .split(' ')
            .next()
            .unwrap_or("");
        if id.contains('.') {
            assert!(
                CAPABILITY_CATEGORY.iter().any(|(k, _)| *k == id),
                "{id} has no scoring category"
            );
        }
    }
}
