//! The HTML report (`--format html`): one self-contained page (inline CSS, inline
//! SVG, a small inline script, no network) with a score gauge, the category
//! scorecard as a chart, the severity breakdown, the capability matrix, the job
//! dependency graph (layered layout: longest-path layers, barycentric ordering) and
//! a findings table filterable by severity, category and file. Every text from the
//! audited repository is escaped.

use super::markdown::{effort, labelled, local_commands, project_name, Options};
use super::{CapabilityStatus, RepoReport, Report};
use crate::finding::{Category, Severity};
use std::fmt::Write;

/// Escapes text for HTML content and attribute values ([`super::escape::html`]).
pub fn esc(s: &str) -> String {
    super::escape::html(s)
}

/// Escapes multi-line text for `<pre>` ([`super::escape::html_block`]).
fn esc_block(s: &str) -> String {
    super::escape::html_block(s)
}

/// The page style, shared by the other pages (organisation summary, history).
pub fn page_css() -> &'static str {
    CSS
}

pub(super) const CSS: &str = r#"
:root{--bg:#f6f7f9;--card:#fff;--ink:#1d2330;--mute:#5b6475;--line:#e2e5ea;
--critical:#8e1b5a;--high:#c62828;--medium:#e08a00;--low:#1b7fa3;--info:#7a8290;
--ok:#2e7d32;--partial:#e0a000;--missing:#c62828;--na:#b8bec8}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--ink)}
header{background:#1d2330;color:#fff;padding:20px 32px}header h1{margin:0 0 4px;font-size:22px}header p{margin:0;color:#c9cfdb}
main{max-width:1200px;margin:0 auto;padding:20px 24px}
.grid{display:grid;grid-template-columns:250px 1.4fr 1fr;gap:16px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px;margin-bottom:16px}
.card h2{font-size:15px;margin:0 0 12px;text-transform:uppercase;letter-spacing:.04em;color:var(--mute)}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--mute);text-transform:uppercase}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#eef0f4;padding:1px 4px;border-radius:3px}
.sev{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;font-weight:600}
.sev-critical{background:var(--critical)}.sev-high{background:var(--high)}.sev-medium{background:var(--medium)}.sev-low{background:var(--low)}.sev-info{background:var(--info)}
.cap{display:inline-block;margin:2px;padding:3px 8px;border-radius:4px;font-size:12px;color:#fff}
.cap-present{background:var(--ok)}.cap-partial{background:var(--partial);color:#222}.cap-missing{background:var(--missing)}.cap-not-applicable{background:var(--na);color:#333}.cap-unknown{background:var(--na);color:#333;outline:1px dashed #666}
.filters{display:flex;gap:12px;margin-bottom:10px;flex-wrap:wrap}.filters label{font-size:12px;color:var(--mute)}
select{font:inherit;padding:3px 6px}
.msg{color:var(--mute);font-size:12px}
pre{background:#1d2330;color:#e6e9ef;padding:10px;border-radius:6px;overflow:auto;font-size:12px}
.graph{overflow:auto}
.md table{display:block;overflow-x:auto}.md li{margin:2px 0}
#findings-table,.findings table{table-layout:fixed}.findings td{overflow-wrap:anywhere}
.findings pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:6px 0 0}
details summary{cursor:pointer;color:var(--mute)}
@media(max-width:900px){.grid{grid-template-columns:1fr}}
body{overflow-wrap:anywhere}svg{max-width:100%;height:auto}.graph svg{max-width:none}
.ready{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.ready-ready{background:var(--ok)}.ready-needs-work{background:var(--partial);color:#222}.ready-blocking{background:var(--missing)}
.sev,.ready,th,td.num{white-space:nowrap;overflow-wrap:normal}
.toc{display:flex;flex-wrap:wrap;gap:4px 14px;margin:0 0 14px;font-size:13px}.toc a{color:#1b5fa3;text-decoration:none;white-space:nowrap}
table.cards td{overflow-wrap:break-word}td.ids code{white-space:nowrap}.cmd{margin-top:3px}
@media(max-width:700px){header{padding:14px 16px}header h1{font-size:18px}main{padding:12px 8px}
.card{padding:12px}
table.cards,table.cards tbody,table.cards tr,table.cards td,table.cards th{display:block;width:100%}
table.cards thead,table.cards colgroup{display:none}
table.cards tr{border:1px solid var(--line);border-radius:6px;margin-bottom:8px;padding:4px}
table.cards td,table.cards th{border:none;padding:3px 6px}}
"#;

const SCRIPT: &str = r#"
(function(){
  document.querySelectorAll('.findings').forEach(function(box){
    var sels = box.querySelectorAll('select');
    function apply(){
      var shown = 0;
      box.querySelectorAll('tbody tr').forEach(function(tr){
        var ok = true;
        sels.forEach(function(s){ if (s.value && tr.dataset[s.name] !== s.value) ok = false; });
        tr.style.display = ok ? '' : 'none';
        if (ok) shown++;
      });
      var c = box.querySelector('.count'); if (c) c.textContent = shown;
    }
    sels.forEach(function(s){ s.addEventListener('change', apply); });
    // Filters can be preset from the address: report.html#severity=high&file=...
    var pre = new URLSearchParams(location.hash.slice(1));
    sels.forEach(function(s){ var v = pre.get(s.name); if (v !== null) s.value = v; });
    apply();
  });
})();
"#;

fn sev_colour(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#8e1b5a",
        Severity::High => "#c62828",
        Severity::Medium => "#e08a00",
        Severity::Low => "#1b7fa3",
        Severity::Info => "#7a8290",
    }
}

pub(super) fn score_colour(frac: f64) -> &'static str {
    if frac >= 0.85 {
        "#2e7d32"
    } else if frac >= 0.7 {
        "#7cb342"
    } else if frac >= 0.5 {
        "#e0a000"
    } else {
        "#c62828"
    }
}

/// Renders the page.
pub fn render(report: &Report, opts: &Options) -> String {
    let s = HtmlStream {
        opts: opts.clone(),
        multi: report.repositories.len() > 1,
    };
    super::stream::render(&s, &report.repositories)
}

/// The page written repository by repository (see [`super::stream`]): the title
/// and the table of repositories by score come first, so the sections wait. A
/// section's anchors hold its position, so sections are rendered on the writing
/// thread.
pub struct HtmlStream {
    pub opts: Options,
    /// More than one repository: each section has a heading.
    pub multi: bool,
}

impl super::stream::Stream for HtmlStream {
    type Part = RepoReport;
    type Acc = Vec<super::stream::Row>;
    const SPILL: bool = true;

    fn part(&self, repo: &RepoReport) -> RepoReport {
        repo.clone()
    }

    fn write(
        &self,
        rows: &mut Self::Acc,
        repo: RepoReport,
        body: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let sfx = match rows.len() {
            0 => String::new(),
            i => format!("-{i}"),
        };
        let mut o = String::new();
        repo_section(&mut o, &repo, &sfx, self.multi);
        // Everything else the Markdown report says, inside this repository's section.
        let md = super::markdown::repo_markdown(&repo, &self.opts);
        markdown_sections(&mut o, &md, &sfx);
        let mut o = with_contents(o, &sfx);
        o.push_str("</section>\n");
        rows.push(super::stream::Row::of(&repo));
        body.write_all(super::escape::guard_commands(o).as_bytes())
    }

    fn head(&self, rows: &Self::Acc) -> Vec<u8> {
        let mut o = String::new();
        let title = match rows.as_slice() {
            [one] => format!("pipewise CI/CD audit: {}", project_name(&one.root)),
            _ => format!("pipewise CI/CD audit: {} repositories", rows.len()),
        };
        let _ = write!(
            o,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<header><h1>{}</h1><p>{} · pipewise {}</p></header>\n<main>\n",
            esc(&title),
            esc(&title),
            esc(&self.opts.date),
            esc(env!("CARGO_PKG_VERSION"))
        );
        if rows.len() > 1 {
            o.push_str("<div class=\"card\"><h2>Repositories by score</h2><table class=\"cards\" id=\"repositories\"><thead><tr><th>Repository</th><th>Score</th><th>Grade</th><th>Critical</th><th>High</th><th>Findings</th></tr></thead><tbody>");
            for i in super::stream::Row::by_score(rows) {
                let r = &rows[i];
                let anchor = if i == 0 {
                    String::new()
                } else {
                    format!("-{i}")
                };
                let _ = write!(
                    o,
                    "<tr><td><a href=\"#repo{anchor}\"><code>{}</code></a></td><td>{}/100</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&r.root),
                    r.overall,
                    esc(&r.grade),
                    r.counts[0].1,
                    r.counts[1].1,
                    r.findings()
                );
            }
            o.push_str("</tbody></table></div>\n");
        }
        super::escape::guard_commands(o).into_bytes()
    }

    fn tail(&self, _: &Self::Acc) -> Vec<u8> {
        let o = format!("</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n");
        super::escape::guard_commands(o).into_bytes()
    }
}

/// A repository's section with a table of contents after its opening lines: every
/// card heading gets an anchor (`sec-N`), so each part of a long page is one click
/// away.
fn with_contents(section: String, sfx: &str) -> String {
    const START: &str = "<div class=\"card";
    let mut out = String::with_capacity(section.len() + 4096);
    let mut links = String::new();
    let mut rest = section.as_str();
    let mut n = 0;
    while let Some(i) = rest.find(START) {
        let Some(j) = rest[i..].find('>').map(|j| i + j + 1) else {
            break;
        };
        out.push_str(&rest[..j]);
        rest = &rest[j..];
        let Some(after) = rest.strip_prefix("<h2>") else {
            continue;
        };
        let Some(end) = after.find("</h2>") else {
            continue;
        };
        n += 1;
        let _ = write!(out, "<h2 id=\"sec-{n}{sfx}\">");
        // The title is escaped HTML already; its tags (a counter) are dropped.
        let mut title = String::new();
        let mut tag = false;
        for c in after[..end].chars() {
            match c {
                '<' => tag = true,
                '>' => tag = false,
                c if !tag => title.push(c),
                _ => {}
            }
        }
        let _ = write!(links, "<a href=\"#sec-{n}{sfx}\">{title}</a>");
        rest = after;
    }
    out.push_str(rest);
    if n == 0 {
        return out;
    }
    // After the section's opening tag (and the repository's name on a page of
    // several), before the first card.
    let at = out.find(START).unwrap_or(out.len());
    let at = out[..at].rfind("<div class=\"grid\">").unwrap_or(at);
    out.insert_str(at, &format!("<nav class=\"toc\">{links}</nav>\n"));
    out
}

fn repo_section(o: &mut String, repo: &RepoReport, sfx: &str, multi: bool) {
    let s = &repo.scores;
    let _ = writeln!(o, "<section class=\"repo\" id=\"repo{sfx}\">");
    if multi {
        let _ = writeln!(o, "<h2>{}</h2>", esc(&project_name(&repo.root)));
    }
    o.push_str("<div class=\"grid\">\n");
    // Gauge.
    let _ = writeln!(
        o,
        "<div class=\"card\"><h2>Overall score</h2>{}",
        gauge(s.overall, &s.grade, sfx)
    );
    if let Some(why) = &s.unscored {
        let _ = writeln!(
            o,
            "<p class=\"msg\"><strong>No score:</strong> {}</p>",
            esc(why)
        );
    }
    let _ = writeln!(
        o,
        "<p class=\"msg\">{} workflow file(s), {} finding(s), {} file(s) read.</p></div>",
        repo.workflows.len(),
        repo.findings.len(),
        repo.files.len()
    );
    // Category chart.
    let _ = writeln!(
        o,
        "<div class=\"card\"><h2>Category scorecard</h2>{}</div>",
        category_chart(repo, sfx)
    );
    // Severity breakdown.
    let _ = writeln!(
        o,
        "<div class=\"card\"><h2>Findings by severity</h2>{}</div>",
        severity_chart(repo, sfx)
    );
    o.push_str("</div>\n");
    summary_cards(o, repo, sfx);

    // Workflow scores.
    let _ = writeln!(o, "<div class=\"card\"><h2>Workflows</h2><table class=\"cards\" id=\"workflow-scores{sfx}\"><thead><tr><th>Workflow</th><th>Score</th><th>Status</th><th>Findings</th></tr></thead><tbody>");
    for w in &s.workflows {
        let counts: Vec<String> = Severity::ALL
            .iter()
            .filter_map(|sev| {
                w.findings
                    .get(sev.as_str())
                    .filter(|n| **n > 0)
                    .map(|n| format!("<span class=\"sev sev-{sev}\">{n} {sev}</span>"))
            })
            .collect();
        let _ = writeln!(
            o,
            "<tr><td><code>{}</code></td><td>{}/100</td><td>{}</td><td>{}</td></tr>",
            esc(&w.file),
            w.score,
            esc(&w.status),
            if counts.is_empty() {
                "none".into()
            } else {
                counts.join(" ")
            }
        );
    }
    o.push_str("</tbody></table></div>\n");

    // Capability matrix.
    let _ = writeln!(o, "<div class=\"card\"><h2>Capability matrix</h2><p class=\"msg\"><span class=\"cap cap-present\">present</span><span class=\"cap cap-partial\">partial</span><span class=\"cap cap-missing\">missing</span><span class=\"cap cap-not-applicable\">not applicable</span><span class=\"cap cap-unknown\">unknown (a setting pipewise cannot see)</span> (hover for evidence or the reason)</p><table class=\"cards\" id=\"capability-matrix{sfx}\"><tbody>");
    if repo.capabilities.is_empty() {
        o.push_str("<tr><td class=\"msg\">No capability data in this report.</td></tr>");
    }
    for cat in Category::ALL {
        let caps: Vec<_> = repo
            .capabilities
            .iter()
            .filter(|c| c.category == cat.id())
            .collect();
        if caps.is_empty() {
            continue;
        }
        let _ = write!(o, "<tr><th>{}</th><td>", esc(cat.name()));
        for c in caps {
            let status = match c.status {
                CapabilityStatus::Present => "present",
                CapabilityStatus::Partial => "partial",
                CapabilityStatus::Missing => "missing",
                CapabilityStatus::NotApplicable => "not-applicable",
                CapabilityStatus::Unknown => "unknown",
            };
            let tip = c
                .reason
                .clone()
                .or_else(|| c.recommendation.clone())
                .or_else(|| {
                    c.evidence
                        .first()
                        .map(|e| format!("{}:{} {}", e.file, e.line, e.note))
                })
                .unwrap_or_default();
            let _ = write!(
                o,
                "<span class=\"cap cap-{status}\" title=\"{} ({status}) {}\">{}</span>",
                esc(&c.id),
                esc(&tip),
                esc(&c.name)
            );
        }
        o.push_str("</td></tr>\n");
    }
    o.push_str("</tbody></table>");
    // Every verdict with its evidence (file:line) and reason, not only on hover.
    if !repo.capabilities.is_empty() {
        let _ = write!(
            o,
            "<details><summary>Evidence for every verdict</summary><table class=\"cards\" id=\"capability-evidence{sfx}\"><tbody>"
        );
        for c in &repo.capabilities {
            let status = serde_json::to_value(c.status)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            let evidence: Vec<String> = c
                .evidence
                .iter()
                .map(|e| format!("{}:{} {}", e.file, e.line, e.note))
                .collect();
            let _ = write!(
                o,
                "<tr><td><code>{}</code></td><td>{}</td><td class=\"msg\">{}</td><td class=\"msg\">{}</td></tr>",
                esc(&c.id),
                esc(&status),
                esc(&evidence.join("; ")),
                esc(c.reason.as_deref().unwrap_or(""))
            );
        }
        o.push_str("</tbody></table></details>");
    }
    o.push_str("</div>\n");

    // Job graph.
    let _ = writeln!(
        o,
        "<div class=\"card graph\"><h2>Job dependency graph</h2>{}</div>",
        job_graph(repo, sfx)
    );

    // Cost and speed.
    if let Some(e) = repo.economics.as_ref().filter(|e| !e.workflows.is_empty()) {
        o.push_str(&super::economics::html(e, sfx));
    }

    // Findings.
    findings_table(o, repo, sfx);

    // Deductions and local commands.
    o.push_str("<div class=\"card\"><h2>What took points away</h2>");
    for c in s.categories.iter().filter(|c| !c.deductions.is_empty()) {
        let _ = write!(
            o,
            "<details><summary>{} ({:.1}/10)</summary><ul>",
            esc(&c.name),
            c.score
        );
        for d in &c.deductions {
            let _ = write!(
                o,
                "<li>{}: {}</li>",
                esc(&super::deduction_cost(d)),
                esc(&d.detail)
            );
        }
        o.push_str("</ul></details>");
    }
    o.push_str("</div>\n<div class=\"card\"><h2>Secrets and variables (names only)</h2><table class=\"cards\" id=\"secrets{sfx}\"><tbody>");
    for sec in &repo.secrets {
        let _ = write!(
            o,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"msg\">{}</td></tr>",
            esc(&sec.name),
            esc(&sec.kind),
            esc(&sec.used_in.join(", "))
        );
    }
    o.push_str("</tbody></table></div>\n<div class=\"card\"><h2>Reproduce CI jobs locally</h2>");
    for w in &repo.workflows {
        for j in &w.jobs {
            let _ = write!(
                o,
                "<details><summary><code>{}</code> job <code>{}</code></summary><pre>{}</pre></details>",
                esc(&w.file),
                esc(&j.id),
                esc_block(&local_commands(j, usize::MAX))
            );
        }
    }
    o.push_str("</div>\n");
}

fn gauge(score: u32, grade: &str, sfx: &str) -> String {
    let frac = (score.min(100) as f64) / 100.0;
    // A 240-degree arc.
    let (cx, cy, r) = (110.0, 110.0, 80.0);
    let start = 150f64.to_radians();
    let sweep = 240f64.to_radians();
    let pt = |a: f64| (cx + r * a.cos(), cy + r * a.sin());
    let arc = |from: f64, to: f64| {
        let (x1, y1) = pt(from);
        let (x2, y2) = pt(to);
        let large = if to - from > std::f64::consts::PI {
            1
        } else {
            0
        };
        format!("M{x1:.1},{y1:.1} A{r},{r} 0 {large} 1 {x2:.1},{y2:.1}")
    };
    let mut s = format!(
        "<svg id=\"score-gauge{sfx}\" viewBox=\"0 0 220 200\" width=\"220\" height=\"200\" role=\"img\" aria-label=\"score {score} of 100\">"
    );
    let _ = write!(
        s,
        "<path d=\"{}\" fill=\"none\" stroke=\"#e2e5ea\" stroke-width=\"18\" stroke-linecap=\"round\"/>",
        arc(start, start + sweep)
    );
    if score > 0 {
        let _ = write!(
            s,
            "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"18\" stroke-linecap=\"round\"/>",
            arc(start, start + sweep * frac.max(0.01)),
            score_colour(frac)
        );
    }
    let _ = write!(
        s,
        "<text x=\"110\" y=\"112\" text-anchor=\"middle\" font-size=\"44\" font-weight=\"700\" fill=\"#1d2330\">{score}</text><text x=\"110\" y=\"138\" text-anchor=\"middle\" font-size=\"14\" fill=\"#5b6475\">of 100</text><text x=\"110\" y=\"185\" text-anchor=\"middle\" font-size=\"22\" font-weight=\"700\" fill=\"{}\">Grade {}</text></svg>",
        score_colour(frac),
        esc(grade)
    );
    s
}

fn category_chart(repo: &RepoReport, sfx: &str) -> String {
    let cats = &repo.scores.categories;
    let row = 26.0;
    let h = 16.0 + row * cats.len() as f64;
    let mut s = format!(
        "<svg id=\"category-chart{sfx}\" viewBox=\"0 0 400 {h}\" width=\"100%\" role=\"img\" aria-label=\"category scores\">"
    );
    for (i, c) in cats.iter().enumerate() {
        let y = 8.0 + row * i as f64;
        let w = 140.0 * c.score / 10.0;
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"12\" fill=\"#1d2330\">{}</text><rect x=\"172\" y=\"{y:.1}\" width=\"140\" height=\"16\" rx=\"3\" fill=\"#eef0f4\"/>",
            y + 12.0,
            esc(&c.name)
        );
        if c.applicable {
            let _ = write!(
                s,
                "<rect x=\"172\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"16\" rx=\"3\" fill=\"{}\"><title>{}: {:.1}/10, weight {:.0}%</title></rect><text x=\"318\" y=\"{:.1}\" font-size=\"12\" fill=\"#1d2330\">{:.1} · {:.0}%</text>",
                score_colour(c.score / 10.0),
                esc(&c.name),
                c.score,
                c.effective_weight * 100.0,
                y + 12.0,
                c.score,
                c.effective_weight * 100.0
            );
        } else {
            let _ = write!(
                s,
                "<text x=\"318\" y=\"{:.1}\" font-size=\"12\" fill=\"#5b6475\">n/a</text>",
                y + 12.0
            );
        }
    }
    s.push_str("</svg>");
    s
}

fn severity_chart(repo: &RepoReport, sfx: &str) -> String {
    let counts = super::severity_counts(repo.findings.iter());
    let max = counts.iter().map(|c| c.1).max().unwrap_or(0).max(1) as f64;
    let mut s = format!(
        "<svg id=\"severity-breakdown{sfx}\" viewBox=\"0 0 300 150\" width=\"100%\" role=\"img\" aria-label=\"findings by severity\">"
    );
    for (i, (sev, n)) in counts.iter().enumerate() {
        let y = 6.0 + 28.0 * i as f64;
        let w = 170.0 * (*n as f64) / max;
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"12\" fill=\"#1d2330\">{sev}</text><rect x=\"70\" y=\"{y:.1}\" width=\"{:.1}\" height=\"18\" rx=\"3\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" font-weight=\"600\" fill=\"#1d2330\">{n}</text>",
            y + 13.0,
            w.max(2.0),
            sev_colour(*sev),
            76.0 + w.max(2.0),
            y + 13.0
        );
    }
    s.push_str("</svg>");
    s
}

/// A layered drawing of a directed graph: node `i` gets a layer (longest path from a
/// source) and a position within its layer (barycentric ordering sweeps).
pub struct Layout {
    pub layer: Vec<usize>,
    pub order: Vec<usize>,
    pub layers: Vec<Vec<usize>>,
}

/// Lays out `n` nodes with `edges` (from, to). Cycles are broken by ignoring edges
/// that close one (found by depth-first search).
pub fn layout(n: usize, edges: &[(usize, usize)]) -> Layout {
    let mut succ = vec![vec![]; n];
    for &(a, b) in edges {
        if a < n && b < n && a != b {
            succ[a].push(b);
        }
    }
    // Drop back edges (iterative DFS, colours 0 new / 1 open / 2 done).
    let mut colour = vec![0u8; n];
    let mut dag: Vec<Vec<usize>> = vec![vec![]; n];
    for root in 0..n {
        if colour[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        colour[root] = 1;
        while let Some((v, i)) = stack.pop() {
            if i < succ[v].len() {
                stack.push((v, i + 1));
                let w = succ[v][i];
                match colour[w] {
                    0 => {
                        dag[v].push(w);
                        colour[w] = 1;
                        stack.push((w, 0));
                    }
                    2 => dag[v].push(w),
                    _ => {} // back edge: cycle, ignored
                }
            } else {
                colour[v] = 2;
            }
        }
    }
    // Longest-path layering in topological order (Kahn).
    let mut indeg = vec![0usize; n];
    for out in &dag {
        for &w in out {
            indeg[w] += 1;
        }
    }
    let mut queue: Vec<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    let mut layer = vec![0usize; n];
    let mut qi = 0;
    while qi < queue.len() {
        let v = queue[qi];
        qi += 1;
        for &w in &dag[v] {
            layer[w] = layer[w].max(layer[v] + 1);
            indeg[w] -= 1;
            if indeg[w] == 0 {
                queue.push(w);
            }
        }
    }
    let depth = layer.iter().copied().max().map(|m| m + 1).unwrap_or(0);
    let mut layers: Vec<Vec<usize>> = vec![vec![]; depth];
    for v in 0..n {
        layers[layer[v]].push(v);
    }
    let mut pred = vec![vec![]; n];
    for (v, out) in dag.iter().enumerate() {
        for &w in out {
            pred[w].push(v);
        }
    }
    let mut order = vec![0usize; n];
    let set_order = |layers: &Vec<Vec<usize>>, order: &mut Vec<usize>| {
        for l in layers {
            for (i, &v) in l.iter().enumerate() {
                order[v] = i;
            }
        }
    };
    set_order(&layers, &mut order);
    let bary = |nbrs: &[usize], order: &[usize], own: usize| -> f64 {
        if nbrs.is_empty() {
            own as f64
        } else {
            nbrs.iter().map(|&u| order[u] as f64).sum::<f64>() / nbrs.len() as f64
        }
    };
    for sweep in 0..4 {
        let down = sweep % 2 == 0;
        let idx: Vec<usize> = if down {
            (1..depth).collect()
        } else {
            (0..depth.saturating_sub(1)).rev().collect()
        };
        for li in idx {
            let mut keyed: Vec<(f64, usize, usize)> = layers[li]
                .iter()
                .map(|&v| {
                    let b = if down {
                        bary(&pred[v], &order, order[v])
                    } else {
                        bary(&dag[v], &order, order[v])
                    };
                    (b, order[v], v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            layers[li] = keyed.into_iter().map(|k| k.2).collect();
            for (i, &v) in layers[li].iter().enumerate() {
                order[v] = i;
            }
        }
    }
    Layout {
        layer,
        order,
        layers,
    }
}

fn job_graph(repo: &RepoReport, sfx: &str) -> String {
    // Nodes: every job (a folded node for a large workflow); edges: needs, and
    // workflow_run (last jobs of the triggering workflow to first jobs of the
    // triggered one), linear and bounded (`report::graph`).
    let g = super::graph::build(repo);
    let nodes = &g.nodes;
    let edges: Vec<(usize, usize, bool)> = g
        .needs
        .iter()
        .flatten()
        .map(|&(a, b)| (a, b, false))
        .chain(g.runs.iter().map(|&(a, b)| (a, b, true)))
        .collect();
    if nodes.is_empty() {
        return format!("<svg id=\"job-graph{sfx}\" viewBox=\"0 0 300 30\" width=\"300\"><text x=\"0\" y=\"20\" font-size=\"12\" fill=\"#5b6475\">No workflow jobs.</text></svg>");
    }
    // Each workflow is a horizontal band laid out on its own (needs: edges only);
    // workflow_run links are drawn between bands.
    let (nw, nh, gx, gy, title_h, band_gap) = (180.0, 34.0, 56.0, 12.0, 22.0, 18.0);
    let mut pos: Vec<(f64, f64)> = vec![(0.0, 0.0); nodes.len()];
    let mut bands: Vec<(f64, f64, usize)> = vec![]; // (y, height, workflow)
    let mut y = 8.0;
    let mut width: f64 = 300.0;
    // Bands in workflow_run order: a triggering workflow above the ones it triggers.
    let wf_edges: Vec<(usize, usize)> = g.links.iter().copied().filter(|(a, b)| a != b).collect();
    let wf_lay = layout(repo.workflows.len(), &wf_edges);
    let mut band_order: Vec<usize> = (0..repo.workflows.len()).collect();
    // Keep linked workflows together: key by the smallest index of the component.
    let mut comp: Vec<usize> = (0..repo.workflows.len()).collect();
    fn find(c: &mut [usize], x: usize) -> usize {
        let mut r = x;
        while c[r] != r {
            r = c[r];
        }
        c[x] = r;
        r
    }
    for &(a, b) in &wf_edges {
        let (ra, rb) = (find(&mut comp, a), find(&mut comp, b));
        let (lo, hi) = (ra.min(rb), ra.max(rb));
        comp[hi] = lo;
    }
    let keys: Vec<usize> = (0..repo.workflows.len())
        .map(|w| find(&mut comp, w))
        .collect();
    band_order.sort_by_key(|&w| (keys[w], wf_lay.layer[w], w));
    for wi in band_order {
        let Some(ids) = g.ranges.get(wi).filter(|r| !r.is_empty()).cloned() else {
            continue;
        };
        let local_edges: Vec<(usize, usize)> = g.needs[wi]
            .iter()
            .map(|&(a, b)| (a - ids.start, b - ids.start))
            .collect();
        let lay = layout(ids.len(), &local_edges);
        let rows = lay.layers.iter().map(Vec::len).max().unwrap_or(1) as f64;
        let h = title_h + rows * (nh + gy);
        for (i, v) in ids.enumerate() {
            pos[v] = (
                16.0 + lay.layer[i] as f64 * (nw + gx),
                y + title_h + lay.order[i] as f64 * (nh + gy),
            );
        }
        width = width.max(32.0 + lay.layers.len() as f64 * (nw + gx) - gx);
        let w = &repo.workflows[wi];
        let title_chars = w.name.as_deref().unwrap_or("").chars().count() + w.file.chars().count();
        width = width.max(40.0 + title_chars as f64 * 7.2);
        bands.push((y, h, wi));
        y += h + band_gap;
    }
    let height = y;
    let palette = [
        "#1b7fa3", "#6a4fb3", "#2e7d32", "#b26a00", "#8e1b5a", "#37474f", "#00838f", "#ad1457",
    ];
    let mut s = format!(
        "<svg id=\"job-graph{sfx}\" viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" aria-label=\"job dependency graph\"><defs><marker id=\"arrow{sfx}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#5b6475\"/></marker></defs>"
    );
    for (by, bh, wi) in &bands {
        let w = &repo.workflows[*wi];
        let colour = palette[wi % palette.len()];
        let title = match &w.name {
            Some(n) => format!("{n} ({})", w.file.rsplit('/').next().unwrap_or(&w.file)),
            None => w.file.clone(),
        };
        let _ = write!(
            s,
            "<rect x=\"4\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"8\" fill=\"{colour}\" fill-opacity=\"0.05\" stroke=\"{colour}\" stroke-opacity=\"0.3\"/><text x=\"14\" y=\"{:.1}\" font-size=\"12\" font-weight=\"600\" fill=\"{colour}\">{}</text>",
            by - 4.0,
            width - 8.0,
            bh + 4.0,
            by + 12.0,
            esc(&title)
        );
    }
    for &(a, b, dashed) in &edges {
        let (x1, y1) = pos[a];
        let (x2, y2) = pos[b];
        let d = if dashed {
            // Between bands: from the bottom of the source to the top of the target.
            let (sx, sy, ex, ey) = if y2 >= y1 {
                (x1 + nw / 2.0, y1 + nh, x2 + nw / 2.0, y2)
            } else {
                (x1 + nw / 2.0, y1, x2 + nw / 2.0, y2 + nh)
            };
            let my = (sy + ey) / 2.0;
            format!("M{sx:.1},{sy:.1} C{sx:.1},{my:.1} {ex:.1},{my:.1} {ex:.1},{ey:.1}\" stroke-dasharray=\"5 4")
        } else {
            let (sx, sy, ex, ey) = (x1 + nw, y1 + nh / 2.0, x2, y2 + nh / 2.0);
            let mx = (sx + ex) / 2.0;
            format!("M{sx:.1},{sy:.1} C{mx:.1},{sy:.1} {mx:.1},{ey:.1} {ex:.1},{ey:.1}")
        };
        let _ = write!(
            s,
            "<path d=\"{d}\" fill=\"none\" stroke=\"#8a93a3\" stroke-width=\"1.5\" marker-end=\"url(#arrow{sfx})\"/>"
        );
    }
    for (v, node) in nodes.iter().enumerate() {
        let (x, y) = pos[v];
        let wi = &node.wf;
        let id = node.job.map_or("", |j| j.id.as_str());
        let label = node.label(repo);
        let colour = palette[wi % palette.len()];
        let file = &repo.workflows[*wi].file;
        // Cut long names, keeping a matrix job's `×N`.
        let short: String = if label.chars().count() > 24 {
            let (base, size) = match label.rsplit_once(" ×") {
                Some((b, n)) if node.job.is_some_and(|j| j.matrix.is_some()) => {
                    (b, format!(" ×{n}"))
                }
                _ => (label.as_str(), String::new()),
            };
            let keep = 23usize.saturating_sub(size.chars().count());
            base.chars()
                .take(keep)
                .chain(std::iter::once('…'))
                .chain(size.chars())
                .collect()
        } else {
            label.clone()
        };
        let sub = node
            .job
            .and_then(|j| {
                j.environment
                    .clone()
                    .map(|e| format!("env: {e}"))
                    .or_else(|| j.runs_on.clone())
            })
            .unwrap_or_else(|| {
                if node.job.is_none() {
                    "graph folded: too many jobs".into()
                } else {
                    String::new()
                }
            });
        let sub: String = sub.chars().take(30).collect();
        let _ = write!(
            s,
            "<g class=\"job\"><title>{}: {}</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{nw}\" height=\"{nh}\" rx=\"6\" fill=\"#fff\" stroke=\"{colour}\" stroke-width=\"1.5\"/><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"5\" height=\"{nh}\" rx=\"2\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#1d2330\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" fill=\"#5b6475\">{}</text></g>",
            esc(file),
            esc(id),
            x + 12.0,
            y + 15.0,
            esc(&short),
            x + 12.0,
            y + 28.0,
            esc(&sub)
        );
    }
    s.push_str("</svg>");
    s
}

fn findings_table(o: &mut String, repo: &RepoReport, sfx: &str) {
    let mut cats: Vec<&str> = repo.findings.iter().map(|f| f.category.as_str()).collect();
    cats.sort();
    cats.dedup();
    let mut files: Vec<&str> = repo.findings.iter().map(|f| f.file.as_str()).collect();
    files.sort();
    files.dedup();
    let options = |v: &[&str]| -> String {
        v.iter()
            .map(|x| format!("<option value=\"{}\">{}</option>", esc(x), esc(x)))
            .collect()
    };
    let sevs: Vec<&str> = Severity::ALL.iter().map(|s| s.as_str()).collect();
    let _ = writeln!(
        o,
        "<div class=\"card findings\" id=\"findings{sfx}\"><h2>Findings (<span class=\"count\">{}</span>)</h2><div class=\"filters\"><label>Severity <select id=\"filter-severity{sfx}\" name=\"severity\"><option value=\"\">all</option>{}</select></label><label>Category <select id=\"filter-category{sfx}\" name=\"category\"><option value=\"\">all</option>{}</select></label><label>File <select id=\"filter-file{sfx}\" name=\"file\"><option value=\"\">all</option>{}</select></label></div>",
        repo.findings.len(),
        options(&sevs),
        options(&cats),
        options(&files)
    );
    let _ = writeln!(o, "<table class=\"cards\" id=\"findings-table{sfx}\"><colgroup><col style=\"width:90px\"><col style=\"width:80px\"><col style=\"width:190px\"><col style=\"width:170px\"><col><col style=\"width:220px\"></colgroup><thead><tr><th>#</th><th>Severity</th><th>Rule</th><th>Location</th><th>Problem</th><th>Fix</th></tr></thead><tbody>");
    for (label, f) in labelled(repo) {
        let snippet: String = f
            .snippet
            .iter()
            .map(|(n, t)| format!("{n:>4} | {}\n", t.trim_end()))
            .collect();
        let _ = writeln!(
            o,
            "<tr data-severity=\"{sev}\" data-category=\"{}\" data-file=\"{}\"><td>{}</td><td><span class=\"sev sev-{sev}\">{sev}</span></td><td><code>{}</code><div class=\"msg\">{}</div></td><td><code>{}:{}</code></td><td>{}<div class=\"msg\">Impact: {}</div>{}</td><td>{}<div class=\"msg\">~{}</div></td></tr>",
            esc(&f.category),
            esc(&f.file),
            esc(&label),
            esc(&f.rule),
            esc(&f.title),
            esc(&f.file),
            f.line,
            esc(&f.message),
            esc(&f.impact),
            if snippet.is_empty() { String::new() } else { format!("<pre>{}</pre>", esc_block(&snippet)) },
            esc(&f.fix.description),
            esc(&effort(f.fix.effort_minutes)),
            sev = f.severity.as_str()
        );
    }
    o.push_str("</tbody></table></div>\n");
}

/// The `--format html` renderer.
pub struct Html;

impl super::Renderer for Html {
    fn name(&self) -> &'static str {
        "html"
    }
    fn extensions(&self) -> &'static [&'static str] {
        &["html", "htm"]
    }
    fn render(&self, report: &Report, opts: &super::RenderOptions) -> String {
        render(
            report,
            &Options {
                date: opts.date.clone(),
            },
        )
    }
}

/// The report's summary as cards: status and plan, readiness by area, findings
/// grouped by rule (all from `summary` in the report data).
fn summary_cards(o: &mut String, repo: &RepoReport, sfx: &str) {
    let sum = &repo.summary;
    let blocking = sum
        .readiness
        .iter()
        .filter(|r| r.status == "blocking")
        .count();
    let _ = write!(
        o,
        "<div class=\"card\" id=\"verdict{sfx}\"><h2>Verdict</h2><p><strong>{}</strong> {}/100 (grade {}, {}). {} area(s) blocking, {} capability gap(s); the plan below takes about {}.</p>",
        if blocking == 0 { "Ready for production." } else { "Not ready for production." },
        repo.scores.overall,
        esc(&repo.scores.grade),
        esc(&sum.status),
        blocking,
        sum.gaps.len(),
        esc(&effort(sum.effort_minutes))
    );
    o.push_str("</div>\n");
    let _ = write!(o, "<div class=\"card\"><h2>Readiness</h2><table class=\"cards\" id=\"readiness{sfx}\"><thead><tr><th>Area</th><th>Score</th><th>Status</th><th>Why</th></tr></thead><tbody>");
    for r in &sum.readiness {
        let _ = write!(
            o,
            "<tr><td>{}</td><td class=\"num\">{:.1}/10</td><td><span class=\"ready ready-{}\">{}</span></td><td class=\"msg\">{}</td></tr>",
            esc(&r.name),
            r.score,
            esc(&r.status),
            esc(&r.status.replace('-', " ")),
            inline_markdown(&r.why)
        );
    }
    o.push_str("</tbody></table></div>\n");
    let _ = write!(o, "<div class=\"card\"><h2>Action plan</h2><table class=\"cards\" id=\"plan{sfx}\"><thead><tr><th>Phase</th><th>Priority</th><th>Effort</th><th>Goal</th><th>Deliverables</th></tr></thead><tbody>");
    for (i, p) in sum.plan.iter().enumerate() {
        let mut items: Vec<String> = p
            .rules
            .iter()
            .map(|r| format!("<code>{}</code>", esc(r)))
            .collect();
        items.extend(
            p.capabilities
                .iter()
                .map(|c| format!("<code>{}</code>", esc(c))),
        );
        let _ = write!(
            o,
            "<tr><td>{}. {}</td><td><span class=\"sev sev-{}\">{}</span></td><td class=\"num\">{}</td><td class=\"msg\">{}</td><td class=\"ids\">{}</td></tr>",
            i + 1,
            esc(&p.title),
            p.priority.as_str(),
            p.priority.as_str(),
            esc(&effort(p.effort_minutes)),
            esc(&p.goal),
            items.join(" ")
        );
    }
    o.push_str("</tbody></table></div>\n");
    let _ = write!(o, "<div class=\"card\"><h2>Findings by rule</h2><table class=\"cards\" id=\"groups{sfx}\"><thead><tr><th>Rule</th><th>Severity</th><th>Where</th><th>Bulk fix</th><th>Effort</th></tr></thead><tbody>");
    for g in &sum.groups {
        let _ = write!(
            o,
            "<tr><td class=\"ids\"><code>{}</code><div class=\"msg\">{}</div></td><td><span class=\"sev sev-{sev}\">{sev}</span></td><td class=\"num\">{} in {} file(s)</td><td class=\"msg\">{}{}</td><td class=\"num\">{}</td></tr>",
            esc(&g.rule),
            inline_markdown(&g.title),
            g.count,
            g.files,
            inline_markdown(&g.fix),
            g.command
                .as_ref()
                .map(|c| format!("<div class=\"cmd\">automatic where it can: <code>{}</code></div>", esc(c)))
                .unwrap_or_default(),
            esc(&effort(g.effort_minutes)),
            sev = g.severity.as_str()
        );
    }
    o.push_str("</tbody></table></div>\n");
}

/// Markdown sections the HTML shows as a card of its own, so their Markdown text is
/// not repeated: `(level-2 heading, level-3 heading — "" for the text before the
/// first level-3 heading, "*" for the whole section —, the card's heading)`.
#[rustfmt::skip]
pub const SHOWN_AS_CARDS: &[(&str, &str, &str)] = &[
    ("Executive Summary", "", "Verdict"),
    ("Executive Summary", "Readiness Matrix", "Readiness"),
    ("Executive Summary", "Quality Scores", "Workflows"),
    ("Deployment Readiness Scorecard", "", "Category scorecard"),
    ("Deployment Readiness Scorecard", "Category Scores", "Category scorecard"),
    ("Deployment Readiness Scorecard", "What Took Points Away", "What took points away"),
    ("Critical Issues (Must Fix Immediately)", "*", "Findings by rule"),
    ("High Priority Issues (Fix Soon)", "*", "Findings by rule"),
    ("Medium Priority Issues (Address in Next Sprint)", "*", "Findings by rule"),
    ("Appendix E: Low-Severity and Informational Findings", "*", "Findings by rule"),
    ("Recommended Action Plan", "*", "Action plan"),
    ("Cost and Speed", "*", "Cost and speed"),
    ("Appendix A: Workflow Dependency Graph", "*", "Job dependency graph"),
    ("Appendix B: Secrets and Variables Inventory", "*", "Secrets and variables (names only)"),
    ("Appendix D: Reproducing CI Jobs Locally", "*", "Reproduce CI jobs locally"),
];

/// The Markdown report of one repository cut into `(level-2 heading, level-3 heading
/// or "", text)` parts (a part's text starts with its level-3 heading line), code
/// fences respected; the title block before the first
/// level-2 heading is left out.
pub fn markdown_parts(md: &str) -> Vec<(String, String, String)> {
    let mut parts: Vec<(String, String, String)> = vec![];
    let mut fence = false;
    let mut h2: Option<String> = None;
    for line in md.split_inclusive('\n') {
        let t = line.trim_end();
        if t.starts_with("```") {
            fence = !fence;
        }
        if !fence {
            if let Some(h) = t.strip_prefix("## ") {
                h2 = Some(h.to_string());
                parts.push((h.to_string(), String::new(), String::new()));
                continue;
            }
            if let (Some(h), Some(top)) = (t.strip_prefix("### "), &h2) {
                parts.push((top.clone(), h.to_string(), line.to_string()));
                continue;
            }
        }
        if let Some(p) = parts.last_mut() {
            p.2.push_str(line);
        }
    }
    parts
}

fn shown_as_card(h2: &str, h3: &str) -> bool {
    SHOWN_AS_CARDS
        .iter()
        .any(|(a, b, _)| *a == h2 && (*b == "*" || *b == h3))
}

/// A level-2 section some of whose parts have cards: its other parts get a card each.
fn split_section(h2: &str) -> bool {
    SHOWN_AS_CARDS.iter().any(|(a, b, _)| *a == h2 && *b != "*")
}

/// Markdown converted to HTML for a report card, by a small writer over
/// pulldown-cmark's events: every text is HTML-escaped, raw HTML in the Markdown is
/// shown as text, and a link whose target is not `http(s)://` or `#…` (an image
/// always) keeps only its text.
fn markdown_to_html(md: &str) -> String {
    use pulldown_cmark::{Event, Options as MdOptions, Parser, Tag, TagEnd};
    let safe =
        |u: &str| u.starts_with("https://") || u.starts_with("http://") || u.starts_with('#');
    let mut o = String::new();
    let mut links: Vec<bool> = vec![];
    let mut in_head = false;
    let mut cells: Vec<&'static str> = vec![];
    for e in Parser::new_ext(md, MdOptions::ENABLE_TABLES | MdOptions::ENABLE_TASKLISTS) {
        match e {
            Event::Start(t) => match t {
                Tag::Paragraph => o.push_str("<p>"),
                Tag::Heading { level, .. } => {
                    let _ = write!(o, "<h{}>", (level as usize + 1).min(6));
                }
                Tag::BlockQuote(_) => o.push_str("<blockquote>"),
                Tag::CodeBlock(_) => o.push_str("<pre><code>"),
                Tag::List(Some(_)) => o.push_str("<ol>"),
                Tag::List(None) => o.push_str("<ul>"),
                Tag::Item => o.push_str("<li>"),
                Tag::Table(_) => o.push_str("<table>"),
                Tag::TableHead => {
                    in_head = true;
                    o.push_str("<thead><tr>");
                }
                Tag::TableRow => o.push_str("<tr>"),
                Tag::TableCell => {
                    let c = if in_head { "th" } else { "td" };
                    cells.push(c);
                    let _ = write!(o, "<{c}>");
                }
                Tag::Emphasis => o.push_str("<em>"),
                Tag::Strong => o.push_str("<strong>"),
                Tag::Strikethrough => o.push_str("<del>"),
                Tag::Link { dest_url, .. } => {
                    let keep = safe(&dest_url);
                    links.push(keep);
                    if keep {
                        let _ = write!(o, "<a href=\"{}\">", esc(&dest_url));
                    }
                }
                Tag::Image { .. } => links.push(false),
                _ => {}
            },
            Event::End(t) => match t {
                TagEnd::Paragraph => o.push_str("</p>\n"),
                TagEnd::Heading(level) => {
                    let _ = writeln!(o, "</h{}>", (level as usize + 1).min(6));
                }
                TagEnd::BlockQuote(_) => o.push_str("</blockquote>\n"),
                TagEnd::CodeBlock => o.push_str("</code></pre>\n"),
                TagEnd::List(true) => o.push_str("</ol>\n"),
                TagEnd::List(false) => o.push_str("</ul>\n"),
                TagEnd::Item => o.push_str("</li>\n"),
                TagEnd::Table => o.push_str("</tbody></table>\n"),
                TagEnd::TableHead => {
                    in_head = false;
                    o.push_str("</tr></thead><tbody>");
                }
                TagEnd::TableRow => o.push_str("</tr>\n"),
                TagEnd::TableCell => {
                    let _ = write!(o, "</{}>", cells.pop().unwrap_or("td"));
                }
                TagEnd::Emphasis => o.push_str("</em>"),
                TagEnd::Strong => o.push_str("</strong>"),
                TagEnd::Strikethrough => o.push_str("</del>"),
                TagEnd::Link | TagEnd::Image if links.pop().unwrap_or(false) => o.push_str("</a>"),
                _ => {}
            },
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => o.push_str(&esc_block(&t)),
            Event::Code(t) => {
                let _ = write!(o, "<code>{}</code>", esc(&t));
            }
            Event::SoftBreak => o.push('\n'),
            Event::HardBreak => o.push_str("<br>"),
            Event::Rule => o.push_str("<hr>"),
            Event::TaskListMarker(done) => o.push_str(if done { "☑ " } else { "☐ " }),
            _ => {}
        }
    }
    o
}

/// One line of Markdown (a fix, a reason) as inline HTML: code spans rendered, no
/// paragraph around it.
fn inline_markdown(md: &str) -> String {
    let h = markdown_to_html(md.trim());
    let t = h.trim();
    match t.strip_prefix("<p>").and_then(|x| x.strip_suffix("</p>")) {
        Some(x) if !x.contains("<p>") => x.to_string(),
        _ => h,
    }
}

/// Every section of the Markdown report that no card above shows, in the Markdown's
/// order, converted: the HTML report has everything the Markdown has. A level-2
/// section is one card (its level-3 headings inside), unless some of its parts have
/// cards of their own; then each other part is a card.
fn markdown_sections(o: &mut String, md: &str, sfx: &str) {
    let parts = markdown_parts(md);
    let mut cards: Vec<(String, String)> = vec![];
    for (h2, h3, text) in parts {
        if shown_as_card(&h2, &h3) {
            continue;
        }
        if split_section(&h2) {
            let body = match text.split_once('\n') {
                Some((_, rest)) if !h3.is_empty() => rest.to_string(),
                _ => text,
            };
            let title = if h3.is_empty() { h2 } else { h3 };
            cards.push((title, body));
        } else {
            match cards.last_mut() {
                Some((t, body)) if *t == h2 => body.push_str(&text),
                _ => cards.push((h2, text)),
            }
        }
    }
    for (i, (title, body)) in cards.into_iter().enumerate() {
        if body.trim().is_empty() {
            continue;
        }
        let title = markdown_to_html(&title);
        let title = title
            .trim()
            .trim_start_matches("<p>")
            .trim_end_matches("</p>");
        let _ = writeln!(
            o,
            "<div class=\"card md\" id=\"md-{i}{sfx}\"><h2>{title}</h2>{}</div>",
            markdown_to_html(&body)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything() {
        assert_eq!(
            esc("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }

    #[test]
    fn layered_layout_orders_and_breaks_cycles() {
        // 0 -> 1 -> 3, 0 -> 2 -> 3, 4 alone, 5 <-> 6 cycle.
        let l = layout(7, &[(0, 1), (1, 3), (0, 2), (2, 3), (5, 6), (6, 5)]);
        assert_eq!(l.layer[0], 0);
        assert_eq!(l.layer[1], 1);
        assert_eq!(l.layer[3], 2);
        assert_eq!(l.layer[4], 0);
        assert_eq!(l.layer[6], l.layer[5] + 1);
        // Every node is in exactly one layer at its order.
        for (li, layer) in l.layers.iter().enumerate() {
            for (i, &v) in layer.iter().enumerate() {
                assert_eq!((l.layer[v], l.order[v]), (li, i));
            }
        }
    }

    #[test]
    fn barycentric_ordering_uncrosses() {
        // Layer 0: a(0), b(1); layer 1: x(2) child of b, y(3) child of a, given in
        // crossing order; ordering must put y before x.
        let l = layout(4, &[(1, 2), (0, 3)]);
        assert!(l.order[3] < l.order[2], "{:?}", l.layers);
    }

    #[test]
    fn markdown_sections_are_converted_safely() {
        let h = markdown_to_html(
            "A <img src=x onerror=alert(1)> [x](javascript:alert(1)) [ok](https://e.org) ![i](https://e.org/i.png)\n\n| a | b |\n|---|---|\n| `<s>` | **c** |\n\n- [ ] todo\n\n```yaml\non: push\n```\n",
        );
        assert!(
            !h.contains("<img") && !h.contains("href=\"javascript"),
            "{h}"
        );
        assert!(h.contains("&lt;img src=x onerror=alert(1)&gt;"), "{h}");
        assert!(h.contains("<a href=\"https://e.org\">ok</a>"), "{h}");
        assert!(h.contains("<thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td><code>&lt;s&gt;</code></td><td><strong>c</strong></td></tr>"), "{h}");
        assert!(
            h.contains("<li>☐ todo</li>") && h.contains("<pre><code>on: push\n</code></pre>"),
            "{h}"
        );
        let parts =
            markdown_parts("# T\n\n## A\n\ntext\n\n```\n## not a heading\n```\n### B\n\nb\n");
        assert_eq!(parts.len(), 2);
        assert_eq!((parts[0].0.as_str(), parts[0].1.as_str()), ("A", ""));
        assert!(parts[0].2.contains("## not a heading"));
        assert_eq!((parts[1].0.as_str(), parts[1].1.as_str()), ("A", "B"));
    }
}
