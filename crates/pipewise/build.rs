//! Reads the runner price table (`src/economics/prices.toml`) at build time and writes
//! it as Rust statics (`$OUT_DIR/prices.rs`, included by `src/economics/cost.rs`): a
//! run parses nothing. A bad table fails the build with the parse error.

#[path = "src/economics/prices_source.rs"]
mod prices_source;

use pipewise_catalog::lit::Lit;
use std::path::PathBuf;

fn main() {
    let path = "src/economics/prices.toml";
    println!("cargo:rerun-if-changed={path}");
    println!("cargo:rerun-if-changed=src/economics/prices_source.rs");
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let text = match std::fs::read_to_string(dir.join(path)) {
        Ok(t) => t,
        Err(e) => panic!("{path}: {e}"),
    };
    let table: prices_source::Table = match toml::from_str(&text) {
        Ok(t) => t,
        Err(e) => panic!("{path}: {e}"),
    };
    let mut out = String::new();
    table.lit(&mut out);
    let file = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("prices.rs");
    if let Err(e) = std::fs::write(&file, out) {
        panic!("{}: {e}", file.display());
    }
}
