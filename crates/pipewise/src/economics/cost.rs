//! Runner labels → price per minute and included-minutes multiplier, from the dated
//! price table `prices.toml` (its source is in the file).

/// The price table (`prices.toml`), written as statics by the build script
/// (`crates/pipewise/build.rs`, schema in `prices_source.rs`): the build fails when
/// the file does not read.
#[derive(Debug)]
struct Table {
    date: &'static str,
    source: &'static str,
    runner: &'static [Row],
    cores: &'static [Cores],
    gitlab: Option<GitLab>,
}

/// GitLab.com hosted runners: cost factors and the price of a compute minute.
#[derive(Debug)]
struct GitLab {
    date: &'static str,
    source: &'static str,
    usd: f64,
    runner: &'static [GitLabRow],
}

#[derive(Debug)]
struct GitLabRow {
    class: &'static str,
    tags: &'static [&'static str],
    factor: f64,
    default: bool,
}

#[derive(Debug)]
struct Row {
    class: &'static str,
    labels: &'static [&'static str],
    prefixes: &'static [&'static str],
    suffixes: &'static [&'static str],
    usd: f64,
    multiplier: f64,
    #[allow(dead_code)]
    since: Option<&'static str>,
}

#[derive(Debug)]
struct Cores {
    os: &'static str,
    table: &'static [(u32, f64)],
}

static TABLE: Table = include!(concat!(env!("OUT_DIR"), "/prices.rs"));

fn table() -> &'static Table {
    &TABLE
}

/// `date, source` of the price table.
pub fn price_table() -> String {
    let t = table();
    format!("GitHub-hosted runner prices of {} ({})", t.date, t.source)
}

/// `date, source` of the GitLab part of the price table.
pub fn gitlab_price_table() -> String {
    match &table().gitlab {
        Some(g) => format!("GitLab.com compute minutes of {} ({})", g.date, g.source),
        None => "GitLab.com compute minutes: no table".into(),
    }
}

/// The price of a GitLab job by its `tags`: no tags → the default hosted runner
/// (Linux small); a hosted runner's tag → its row; any other tag is the project's
/// own runner (`None`: not priced, not guessed).
pub fn gitlab_price(tags: &[&str]) -> Option<Price> {
    let g = table().gitlab.as_ref()?;
    let row = if tags.is_empty() {
        g.runner.iter().find(|r| r.default)?
    } else {
        let mut found = None;
        for t in tags {
            let t = t.trim().to_ascii_lowercase();
            match g.runner.iter().find(|r| r.tags.contains(&t.as_str())) {
                Some(r) => found = Some(r),
                None => return None,
            }
        }
        found?
    };
    Some(Price {
        class: row.class.to_string(),
        usd_per_minute: g.usd * row.factor,
        multiplier: row.factor,
        self_hosted: false,
    })
}

/// A priced runner.
#[derive(Debug, Clone, PartialEq)]
pub struct Price {
    pub class: String,
    pub usd_per_minute: f64,
    pub multiplier: f64,
    pub self_hosted: bool,
}

impl Price {
    fn self_hosted(why: &str) -> Price {
        Price {
            class: why.to_string(),
            usd_per_minute: 0.0,
            multiplier: 0.0,
            self_hosted: true,
        }
    }
}

/// The Linux 2-core row: what an unknown (expression) runner is priced as.
pub fn default_linux() -> Price {
    price_of_labels(&["ubuntu-latest"]).unwrap_or(Price {
        class: "Linux 2-core".into(),
        usd_per_minute: 0.006,
        multiplier: 1.0,
        self_hosted: false,
    })
}

/// The price of a job whose `runs-on` resolves to these labels; `None` when no label
/// is known (an organisation's own label: treated as self-hosted by the caller).
pub fn price_of_labels(labels: &[&str]) -> Option<Price> {
    if labels.iter().any(|l| l.eq_ignore_ascii_case("self-hosted")) {
        return Some(Price::self_hosted("self-hosted"));
    }
    let t = table();
    let lower: Vec<String> = labels
        .iter()
        .map(|l| l.trim().to_ascii_lowercase())
        .collect();
    let row = |r: &Row| Price {
        class: r.class.to_string(),
        usd_per_minute: r.usd,
        multiplier: r.multiplier,
        self_hosted: false,
    };
    for l in &lower {
        if let Some(r) = t.runner.iter().find(|r| r.labels.contains(&l.as_str())) {
            return Some(row(r));
        }
    }
    for l in &lower {
        if let Some(p) = larger(l) {
            return Some(p);
        }
        if let Some(r) = t.runner.iter().find(|r| {
            r.prefixes.iter().any(|p| l.starts_with(p))
                && (r.suffixes.is_empty() || r.suffixes.iter().any(|s| l.ends_with(s)))
        }) {
            return Some(row(r));
        }
    }
    None
}

/// A larger runner whose label states its cores (`ubuntu-latest-8-cores`,
/// `windows-16-core`, `linux-arm64-4core`, `gpu-t4-4-core`).
fn larger(label: &str) -> Option<Price> {
    let cores = cores_in(label)?;
    let os = if label.contains("gpu") {
        "gpu"
    } else if label.contains("windows") {
        "windows"
    } else if label.contains("arm") {
        "linux-arm"
    } else if label.contains("ubuntu") || label.contains("linux") {
        "linux"
    } else {
        return None;
    };
    let t = table();
    let c = t.cores.iter().find(|c| c.os == os)?;
    let usd = c.table.iter().find(|(n, _)| *n == cores)?.1;
    Some(Price {
        class: format!("{os} {cores}-core (larger runner)"),
        usd_per_minute: usd,
        multiplier: usd / default_usd(),
        self_hosted: false,
    })
}

fn default_usd() -> f64 {
    table()
        .runner
        .iter()
        .find(|r| r.class == "Linux 2-core")
        .map_or(0.006, |r| r.usd)
}

/// `8` from `…-8-cores`, `…-8-core`, `…-8core`, `…-8cores`.
fn cores_in(label: &str) -> Option<u32> {
    let i = label.find("core")?;
    let head = label[..i].trim_end_matches('-');
    let digits: String = head
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().ok()
}

/// Price for labels that matched no row: a label of the organisation's own runners
/// or a third-party service, shown apart and not priced.
pub fn unknown_labels(labels: &[&str]) -> Price {
    Price::self_hosted(&format!("unpriced label `{}`", labels.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The statics are the file: the table as the build script wrote it is the table
    /// as `prices.toml` reads, field by field.
    #[test]
    fn the_statics_are_the_file() {
        let src: super::super::prices_source::Table =
            toml::from_str(include_str!("prices.toml")).expect("prices.toml reads");
        assert_eq!(format!("{:?}", table()), format!("{src:?}"));
        assert!(format!("{src:?}").contains("GitLab SaaS Linux small"));
    }

    #[test]
    fn the_price_table_parses_and_prices_common_labels() {
        assert!(!table().runner.is_empty(), "prices.toml parses");
        let p = |l: &str| price_of_labels(&[l]).map(|p| (p.class, p.usd_per_minute));
        assert_eq!(p("ubuntu-latest"), Some(("Linux 2-core".into(), 0.006)));
        assert_eq!(p("ubuntu-slim"), Some(("Linux 1-core".into(), 0.002)));
        assert_eq!(
            p("ubuntu-24.04-arm"),
            Some(("Linux arm64 2-core".into(), 0.005))
        );
        assert_eq!(p("windows-2022"), Some(("Windows 2-core".into(), 0.010)));
        assert_eq!(p("macos-14"), Some(("macOS 3/4-core".into(), 0.062)));
        assert_eq!(p("macos-14-xlarge").map(|x| x.1), Some(0.102));
        assert_eq!(p("macos-13-large").map(|x| x.1), Some(0.077));
        assert_eq!(p("ubuntu-latest-8-cores").map(|x| x.1), Some(0.022));
        assert_eq!(p("windows-latest-16-core").map(|x| x.1), Some(0.082));
        assert!(price_of_labels(&["self-hosted", "linux"]).is_some_and(|p| p.self_hosted));
        assert_eq!(p("buildjet-4vcpu-ubuntu-2204"), None);
        let g = |t: &[&str]| gitlab_price(t).map(|p| (p.class, p.usd_per_minute, p.multiplier));
        assert_eq!(g(&[]), Some(("GitLab SaaS Linux small".into(), 0.01, 1.0)));
        assert_eq!(g(&["saas-linux-large-amd64"]).map(|x| x.2), Some(3.0));
        assert_eq!(g(&["saas-linux-large-amd64", "docker"]), None);
        assert_eq!(g(&["docker"]), None);
    }
}
