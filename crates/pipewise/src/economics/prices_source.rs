//! `prices.toml` as written: its schema, read by the build script (`build.rs`
//! includes this file with `#[path]`), which writes the table as statics of the types
//! of the same names in `cost.rs` (`$OUT_DIR/prices.rs`): a run parses nothing. The
//! fields are documented on those types.

use pipewise_catalog::lit_struct;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub date: String,
    pub source: String,
    pub runner: Vec<Row>,
    pub cores: Vec<Cores>,
    #[serde(default)]
    pub gitlab: Option<GitLab>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GitLab {
    pub date: String,
    pub source: String,
    pub usd: f64,
    pub runner: Vec<GitLabRow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GitLabRow {
    pub class: String,
    pub tags: Vec<String>,
    pub factor: f64,
    #[serde(default)]
    pub default: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub class: String,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub prefixes: Vec<String>,
    #[serde(default)]
    pub suffixes: Vec<String>,
    pub usd: f64,
    pub multiplier: f64,
    pub since: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cores {
    pub os: String,
    pub table: Vec<(u32, f64)>,
}

lit_struct!(Table {
    date,
    source,
    runner,
    cores,
    gitlab
});
lit_struct!(GitLab {
    date,
    source,
    usd,
    runner
});
lit_struct!(GitLabRow {
    class,
    tags,
    factor,
    default
});
lit_struct!(Row {
    class,
    labels,
    prefixes,
    suffixes,
    usd,
    multiplier,
    since,
});
lit_struct!(Cores { os, table });
