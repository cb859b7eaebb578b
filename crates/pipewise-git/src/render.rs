//! The history's output: plain text with sparklines, JSON (`pipewise/history@1`)
//! and one self-contained HTML page with the trend chart. Every string from the
//! repository (commit messages, paths, finding messages) is escaped for its format.

use crate::history::{Change, History};
use pipewise::report::escape;
use std::fmt::Write;

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A sparkline of values on a fixed scale from 0 to `max` (so a flat line at 90
/// does not look like a cliff).
pub fn sparkline(values: &[f64], max: f64) -> String {
    values
        .iter()
        .map(|v| {
            let f = (v / max).clamp(0.0, 1.0);
            BARS[((f * 7.0).round() as usize).min(7)]
        })
        .collect()
}

fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// At most this many introduced/fixed findings are listed per commit in plain text
/// (JSON has all).
const LISTED: usize = 10;

fn change_line(o: &mut String, sign: char, c: &Change) {
    let _ = writeln!(
        o,
        "      {sign} {:<8} {} {}:{} {}",
        c.severity.as_str(),
        c.rule,
        escape::text(&c.file),
        c.line,
        escape::text(&c.message)
    );
}

/// The delivery metrics as sentences (plain text lines, HTML list items).
pub fn delivery_lines(d: &crate::delivery::Delivery) -> Vec<String> {
    let mut v = vec![format!(
        "window: {} to {} ({:.0} days); {} version tag(s); {} commit(s) changed a deploy workflow",
        d.from,
        d.to,
        d.days,
        d.releases.len(),
        d.deploy_workflow_changes
    )];
    for (job, t) in &d.deploy_jobs {
        let how: Vec<&str> = t
            .iter()
            .map(|t| match t {
                crate::delivery::Trigger::Tag => "on tags/releases",
                crate::delivery::Trigger::Branch => "on push",
                crate::delivery::Trigger::Manual => "by hand/externally",
            })
            .collect();
        v.push(format!(
            "deploy job {job}: runs {}",
            if how.is_empty() {
                "on other events".to_string()
            } else {
                how.join(", ")
            }
        ));
    }
    let est = |name: &str, e: &Option<crate::delivery::Estimate>| match e {
        Some(e) => format!(
            "{name}: {:.2} {} ({} samples; {})",
            e.value, e.unit, e.samples, e.basis
        ),
        None => format!("{name}: unknown"),
    };
    if let Some(r) = &d.runs {
        v.push(format!(
            "run data: {} finished deploy runs, {} successful, {} failed{}{}",
            r.deploy_runs,
            r.successful,
            r.failed,
            r.success_rate.map_or(String::new(), |s| format!(
                "; success rate {:.0}%",
                s * 100.0
            )),
            r.recovery_hours.map_or(String::new(), |h| format!(
                "; a failed deploy is followed by a successful one after {h:.1} hours (median)"
            ))
        ));
    }
    v.push(est("deployment frequency", &d.deployment_frequency));
    v.push(est("lead time for changes", &d.lead_time));
    for u in &d.unknown {
        v.push(format!("unknown: {u}"));
    }
    v
}

/// The plain-text history.
pub fn plain(h: &History) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "history of {} from {}: {} commits walked (first-parent), {} changed CI/CD files, {} audited",
        escape::text(&h.root),
        escape::text(&h.rev),
        h.commits_walked,
        h.commits_changed,
        h.audits
    );
    let scored: Vec<&crate::history::Point> = h.points.iter().filter(|p| p.audited).collect();
    if let (Some(a), Some(z)) = (scored.first(), scored.last()) {
        let scores: Vec<f64> = scored.iter().map(|p| f64::from(p.score)).collect();
        let _ = writeln!(
            o,
            "\nscore  {}  {} -> {}",
            sparkline(&scores, 100.0),
            a.score,
            z.score
        );
        let mut ids: Vec<&String> = scored.iter().flat_map(|p| p.categories.keys()).collect();
        ids.sort();
        ids.dedup();
        for id in ids {
            let vals: Vec<f64> = scored
                .iter()
                .map(|p| p.categories.get(id).copied().unwrap_or(0.0))
                .collect();
            let _ = writeln!(
                o,
                "  {:<22} {}  {:.1} -> {:.1}",
                id,
                sparkline(&vals, 10.0),
                vals.first().copied().unwrap_or(0.0),
                vals.last().copied().unwrap_or(0.0)
            );
        }
    }
    o.push_str("\ncommits that changed CI/CD files (oldest first):\n");
    for p in &h.points {
        let score = if p.audited {
            format!("{:>3} {}", p.score, p.grade)
        } else {
            "  - no CI/CD files".into()
        };
        let _ = writeln!(
            o,
            "  {} {}  {}  +{} -{}  {}{}",
            p.date,
            short(&p.commit),
            score,
            p.introduced.len(),
            p.fixed.len(),
            escape::text(&p.summary),
            if p.baseline { "  (baseline)" } else { "" }
        );
        for c in p.introduced.iter().take(LISTED) {
            change_line(&mut o, '+', c);
        }
        for c in p.fixed.iter().take(LISTED) {
            change_line(&mut o, '-', c);
        }
        let more = p.introduced.len().saturating_sub(LISTED) + p.fixed.len().saturating_sub(LISTED);
        if more > 0 {
            let _ = writeln!(o, "      … {more} more (-f json lists them all)");
        }
    }
    if let Some(d) = &h.delivery {
        o.push_str("\ndelivery (estimated from the repository alone):\n");
        for l in delivery_lines(d) {
            let _ = writeln!(o, "  {}", escape::text(&l));
        }
    }
    if h.current.is_empty() {
        o.push_str("\nno current high or critical finding\n");
    } else {
        o.push_str("\ncurrent high and critical findings, and when they appeared:\n");
        for a in &h.current {
            let f = &a.finding;
            let _ = writeln!(
                o,
                "  {:<8} {} {}:{}  first {} ({}), present since {} ({})",
                f.severity.as_str(),
                f.rule,
                escape::text(&f.file),
                f.line,
                short(&a.first.commit),
                a.first.date,
                short(&a.since.commit),
                a.since.date
            );
        }
    }
    o
}

/// The JSON document.
pub fn json(h: &History) -> String {
    let mut s = serde_json::to_string_pretty(h).unwrap_or_default();
    s.push('\n');
    s
}

const COLOURS: [&str; 8] = [
    "#1b7fa3", "#e08a00", "#2e7d32", "#8e1b5a", "#7a8290", "#c62828", "#5b3fa0", "#00897b",
];

/// The trend chart: overall score (0-100, thick) and each category (0-10, scaled
/// to the same height), one point per audited commit.
pub fn chart(h: &History) -> String {
    use pipewise::report::html::esc;
    let pts: Vec<&crate::history::Point> = h.points.iter().filter(|p| p.audited).collect();
    let (w, ht, pad) = (760.0_f64, 240.0_f64, 30.0_f64);
    let x = |i: usize| {
        if pts.len() < 2 {
            pad + (w - 2.0 * pad) / 2.0
        } else {
            pad + (w - 2.0 * pad) * i as f64 / (pts.len() - 1) as f64
        }
    };
    let y = |frac: f64| ht - pad - (ht - 2.0 * pad) * frac.clamp(0.0, 1.0);
    let mut o = format!(
        "<svg viewBox=\"0 0 {w} {ht}\" width=\"{w}\" height=\"{ht}\" role=\"img\" aria-label=\"score trend\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for g in [0.0, 0.5, 1.0] {
        let _ = write!(
            o,
            "<line x1=\"{pad}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e2e5ea\"/><text x=\"2\" y=\"{:.1}\" font-size=\"10\" fill=\"#5b6475\">{}</text>",
            w - pad,
            y(g) + 3.0,
            (g * 100.0) as u32,
            y = y(g)
        );
    }
    let mut ids: Vec<&String> = pts.iter().flat_map(|p| p.categories.keys()).collect();
    ids.sort();
    ids.dedup();
    for (k, id) in ids.iter().enumerate() {
        let line: Vec<String> = pts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let v = p.categories.get(*id).copied().unwrap_or(0.0) / 10.0;
                format!("{:.1},{:.1}", x(i), y(v))
            })
            .collect();
        let _ = write!(
            o,
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.2\" opacity=\"0.7\" points=\"{}\"><title>{}</title></polyline>",
            COLOURS[k % COLOURS.len()],
            line.join(" "),
            esc(id)
        );
    }
    let line: Vec<String> = pts
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(f64::from(p.score) / 100.0)))
        .collect();
    let _ = write!(
        o,
        "<polyline fill=\"none\" stroke=\"#1d2330\" stroke-width=\"3\" points=\"{}\"/>",
        line.join(" ")
    );
    for (i, p) in pts.iter().enumerate() {
        let _ = write!(
            o,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"#1d2330\"><title>{} {} score {}</title></circle>",
            x(i),
            y(f64::from(p.score) / 100.0),
            esc(short(&p.commit)),
            esc(&p.date),
            p.score
        );
    }
    o.push_str("</svg>");
    let legend: Vec<String> = ids
        .iter()
        .enumerate()
        .map(|(k, id)| {
            format!(
                "<span style=\"color:{}\">■ {}</span>",
                COLOURS[k % COLOURS.len()],
                esc(id)
            )
        })
        .collect();
    format!(
        "{o}<p class=\"msg\"><b>■ overall score</b> (0-100) · categories (0-10): {}</p>",
        legend.join(" · ")
    )
}

/// The HTML page.
pub fn html(h: &History, date: &str) -> String {
    use pipewise::report::html::esc;
    let title = format!("pipewise history: {}", h.root);
    let mut o = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{t}</title>\n<style>{css}</style>\n</head>\n<body>\n<header><h1>{t}</h1><p>{} · from {} · {} commits walked, {} changed CI/CD files, {} audited</p></header>\n<main>\n<div class=\"card graph\"><h2>Score trend</h2>{}</div>\n",
        esc(date),
        esc(&h.rev),
        h.commits_walked,
        h.commits_changed,
        h.audits,
        chart(h),
        t = esc(&title),
        css = pipewise::report::html::page_css(),
    );
    o.push_str("<div class=\"card\"><h2>Commits that changed CI/CD files</h2><table class=\"cards\" id=\"commits\"><thead><tr><th>Date</th><th>Commit</th><th>Score</th><th>Introduced</th><th>Fixed</th><th>Message</th></tr></thead><tbody>");
    let list = |cs: &[Change]| -> String {
        cs.iter()
            .map(|c| {
                format!(
                    "<div><span class=\"sev sev-{}\">{}</span> <code>{}</code> <code>{}:{}</code></div>",
                    c.severity.as_str(),
                    c.severity.as_str(),
                    esc(&c.rule),
                    esc(&c.file),
                    c.line
                )
            })
            .collect()
    };
    for p in &h.points {
        let _ = write!(
            o,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&p.date),
            esc(short(&p.commit)),
            if p.audited {
                format!("{} {}", p.score, esc(&p.grade))
            } else {
                "-".into()
            },
            list(&p.introduced),
            list(&p.fixed),
            esc(&p.summary)
        );
    }
    o.push_str("</tbody></table></div>\n<div class=\"card\"><h2>Current high and critical findings: when they appeared</h2>");
    if h.current.is_empty() {
        o.push_str("<p>None.</p>");
    } else {
        o.push_str("<table class=\"cards\" id=\"current\"><thead><tr><th>Severity</th><th>Finding</th><th>First appeared</th><th>Present since</th></tr></thead><tbody>");
        for a in &h.current {
            let f = &a.finding;
            let _ = write!(
                o,
                "<tr><td><span class=\"sev sev-{}\">{}</span></td><td><code>{}</code> <code>{}:{}</code><div class=\"msg\">{}</div></td><td><code>{}</code> {}</td><td><code>{}</code> {}</td></tr>",
                f.severity.as_str(),
                f.severity.as_str(),
                esc(&f.rule),
                esc(&f.file),
                f.line,
                esc(&f.message),
                esc(short(&a.first.commit)),
                esc(&a.first.date),
                esc(short(&a.since.commit)),
                esc(&a.since.date)
            );
        }
        o.push_str("</tbody></table>");
    }
    o.push_str("</div>\n");
    if let Some(d) = &h.delivery {
        o.push_str(
            "<div class=\"card\"><h2>Delivery (estimated from the repository alone)</h2><ul>",
        );
        for l in delivery_lines(d) {
            let _ = write!(o, "<li>{}</li>", esc(&l));
        }
        o.push_str("</ul></div>\n");
    }
    o.push_str("</main>\n</body>\n</html>\n");
    escape::guard_commands(o)
}
