//! The "Cost and speed" section as text, Markdown and HTML. It shows the
//! [`Economics`] data and computes nothing: every number is in the report, with its
//! basis. Repository strings go through [`super::escape`].

use super::escape;
use crate::economics::{Economics, Range, WorkflowCost};
use std::fmt::Write;

fn range(r: &Range) -> String {
    format!("{} ({}–{})", r.expected, r.low, r.high)
}

fn usd(x: f64) -> String {
    if x >= 100.0 {
        format!("${x:.0}")
    } else {
        format!("${x:.2}")
    }
}

/// Workflows by monthly minutes, largest first (then by file).
fn by_minutes(e: &Economics) -> Vec<&WorkflowCost> {
    let mut v: Vec<&WorkflowCost> = e.workflows.iter().collect();
    v.sort_by(|a, b| {
        b.monthly_minutes
            .total_cmp(&a.monthly_minutes)
            .then_with(|| a.file.cmp(&b.file))
    });
    v
}

fn assumptions(e: &Economics) -> String {
    match &e.assumptions {
        Some(a) => format!(
            "{} pushes a day to the default branch, {} pull requests a week with {} pushes each, {} tags a month, path-filtered workflows run on {}% of them; {}. Standard runners are free on public repositories: these are list prices.",
            a.pushes_per_day,
            a.prs_per_week,
            a.pushes_per_pr,
            a.tags_per_month,
            a.path_filter_share * 100.0,
            a.price_table
        ),
        None => String::new(),
    }
}

/// One line for the terminal scorecard.
pub fn one_line(e: &Economics) -> String {
    let mut s = format!(
        "~{} billable min a month, ~{} list price",
        e.monthly_minutes,
        usd(e.monthly_usd)
    );
    if e.self_hosted_monthly_minutes > 0.0 {
        let _ = write!(s, " (+{} min self-hosted)", e.self_hosted_monthly_minutes);
    }
    if let Some(top) = e.savings.first() {
        let _ = write!(
            s,
            "; top saving {} min a month: {}",
            top.minutes_per_month, top.rule
        );
    }
    s.push_str(" (pipewise cost for details)");
    escape::text(&s).into_owned()
}

/// The section as terminal text (`pipewise cost`).
pub fn plain(e: &Economics) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "cost: {} billable min a month, {} list price{}",
        e.monthly_minutes,
        usd(e.monthly_usd),
        if e.self_hosted_monthly_minutes > 0.0 {
            format!(
                ", {} min on self-hosted or unpriced runners",
                e.self_hosted_monthly_minutes
            )
        } else {
            String::new()
        }
    );
    let _ = writeln!(o, "assumes: {}", escape::text(&assumptions(e)));
    for w in by_minutes(e) {
        let _ = writeln!(
            o,
            "\n{}{}: {} min a month, {}  [{}]",
            escape::text(&w.file),
            w.name
                .as_deref()
                .map(|n| format!(" ({})", escape::text(n)))
                .unwrap_or_default(),
            w.monthly_minutes,
            usd(w.monthly_usd),
            escape::text(&w.status)
        );
        for ev in &w.events {
            let _ = writeln!(
                o,
                "  {:<18} {} runs/month; a run: {} billable min, {}, wall {} min; critical path {} [{}]",
                ev.event,
                ev.runs_per_month,
                range(&ev.billable_minutes),
                usd(ev.usd),
                range(&ev.wall_minutes),
                escape::text(&ev.critical_path.join(" → ")),
                escape::text(&ev.basis)
            );
            let _ = writeln!(
                o,
                "  {:<18} jobs: {}",
                "",
                escape::text(&ev.jobs.join(", "))
            );
            if let Some(i) = &ev.idle_wait {
                let _ = writeln!(
                    o,
                    "  {:<18} `{}` waits {} min for `{}` after its other needs finish",
                    "",
                    escape::text(&i.job),
                    i.minutes,
                    escape::text(&i.waits_for)
                );
            }
        }
        for n in &w.notes {
            let _ = writeln!(o, "  note: {}", escape::text(n));
        }
    }
    if !e.savings.is_empty() {
        let _ = writeln!(o, "\nsavings, largest first:");
        for s in &e.savings {
            let _ = writeln!(
                o,
                "  {} min a month ({}) {}:{} {}: {}",
                s.minutes_per_month,
                usd(s.usd_per_month),
                escape::text(&s.file),
                s.line,
                s.rule,
                escape::text(&s.message)
            );
        }
    }
    o
}

fn code(s: &str) -> String {
    let t = escape::text(s).replace('`', "'");
    format!("`{t}`")
}

fn cell(s: &str) -> String {
    escape::markdown(s).replace('|', "\\|")
}

/// The section as Markdown; `level` is the heading level of its title.
pub fn markdown(e: &Economics, level: usize) -> String {
    let h = "#".repeat(level);
    let mut o = String::new();
    let _ = writeln!(o, "{h} Cost and Speed\n");
    let _ = writeln!(
        o,
        "Estimated from the workflow files; each number says its basis (**model**: step kinds, **run data**: `--runs`, **timeout bound**: `timeout-minutes`); each job is rounded up to a whole minute, wall time follows `needs:`. Assumptions: {}\n",
        cell(&assumptions(e))
    );
    let _ = writeln!(
        o,
        "**A month**: {} billable minutes, {} list price{}.\n",
        e.monthly_minutes,
        usd(e.monthly_usd),
        if e.self_hosted_monthly_minutes > 0.0 {
            format!(
                ", and {} minutes on self-hosted or unpriced runners (not billed by GitHub)",
                e.self_hosted_monthly_minutes
            )
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        o,
        "| Workflow | A month | Each run by event: runs a month, billable min (low–high), price, wall min, critical path | Basis |\n|---|---|---|---|"
    );
    for w in by_minutes(e) {
        let runs: Vec<String> = w
            .events
            .iter()
            .map(|ev| {
                format!(
                    "**{}** ×{}: {} min, {}, wall {}, {}",
                    ev.event,
                    ev.runs_per_month,
                    range(&ev.billable_minutes),
                    usd(ev.usd),
                    ev.wall_minutes.expected,
                    ev.critical_path.join(" → ")
                )
            })
            .collect();
        let mut bases: Vec<&str> = w.events.iter().map(|ev| ev.basis.as_str()).collect();
        bases.sort_unstable();
        bases.dedup();
        let _ = writeln!(
            o,
            "| {} | {} min, {} | {} | {} |",
            cell(&code(&w.file)),
            w.monthly_minutes,
            usd(w.monthly_usd),
            if runs.is_empty() {
                cell(&w.status)
            } else {
                cell(&runs.join("; "))
            },
            cell(&bases.join("; "))
        );
    }
    if !e.savings.is_empty() {
        let _ = writeln!(
            o,
            "\n**Top savings**\n\n| Saving a month | Rule | Where | Change |\n|---|---|---|---|"
        );
        for s in e.savings.iter().take(10) {
            let _ = writeln!(
                o,
                "| {} min, {} | `{}` | {} | {} |",
                s.minutes_per_month,
                usd(s.usd_per_month),
                s.rule,
                cell(&code(&format!("{}:{}", s.file, s.line))),
                cell(&s.message)
            );
        }
    }
    let notes: Vec<String> = e
        .workflows
        .iter()
        .flat_map(|w| {
            w.notes
                .iter()
                .map(move |n| format!("{}: {n}", code(&w.file)))
        })
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(o, "\nWhat the estimate leaves out:\n");
        for n in notes {
            let _ = writeln!(o, "- {}", escape::markdown(&n));
        }
    }
    o.push('\n');
    o
}

/// The section as an HTML card: a bar chart of minutes by workflow and each
/// event's critical path.
pub fn html(e: &Economics, sfx: &str) -> String {
    let esc = escape::html;
    let mut o = String::new();
    let _ = write!(
        o,
        "<div class=\"card\" id=\"cost{sfx}\"><h2>Cost and speed</h2><p><strong>{} billable min a month, {} list price</strong>{}.</p><p class=\"msg\">{}</p>",
        e.monthly_minutes,
        usd(e.monthly_usd),
        if e.self_hosted_monthly_minutes > 0.0 {
            format!(
                " (+{} min on self-hosted or unpriced runners)",
                e.self_hosted_monthly_minutes
            )
        } else {
            String::new()
        },
        esc(&assumptions(e))
    );
    let rows = by_minutes(e);
    let max = rows.first().map_or(0.0, |w| w.monthly_minutes).max(1.0);
    o.push_str("<h3>Minutes by workflow</h3><table class=\"cards\"><tbody>");
    for w in &rows {
        let pct = (w.monthly_minutes / max * 100.0).clamp(0.0, 100.0);
        let _ = write!(
            o,
            "<tr><td><code>{}</code></td><td style=\"width:50%\"><svg width=\"100%\" height=\"12\" role=\"img\" aria-label=\"{} minutes\"><rect width=\"{pct:.1}%\" height=\"12\" fill=\"#4a7bd0\"></rect></svg></td><td>{} min, {}</td><td>{}</td></tr>",
            esc(&w.file),
            w.monthly_minutes,
            w.monthly_minutes,
            usd(w.monthly_usd),
            esc(&w.status)
        );
    }
    o.push_str("</tbody></table><h3>Critical paths</h3><table class=\"cards\"><thead><tr><th>Workflow</th><th>Event</th><th>Path</th><th>Wall min</th><th>Billable min</th><th>Basis</th></tr></thead><tbody>");
    for w in &rows {
        for ev in &w.events {
            let path: Vec<String> = ev
                .critical_path
                .iter()
                .map(|j| format!("<span class=\"cap\">{}</span>", esc(j)))
                .collect();
            let _ = write!(
                o,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&w.file),
                esc(&ev.event),
                path.join(" → "),
                esc(&range(&ev.wall_minutes)),
                esc(&range(&ev.billable_minutes)),
                esc(&ev.basis)
            );
        }
    }
    o.push_str("</tbody></table>");
    if !e.savings.is_empty() {
        o.push_str("<h3>Top savings</h3><ul>");
        for s in e.savings.iter().take(10) {
            let _ = write!(
                o,
                "<li><strong>{} min, {} a month</strong> <code>{}:{}</code> {}</li>",
                s.minutes_per_month,
                usd(s.usd_per_month),
                esc(&s.file),
                s.line,
                esc(&s.message)
            );
        }
        o.push_str("</ul>");
    }
    o.push_str("</div>\n");
    o
}
