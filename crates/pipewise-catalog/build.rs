//! Reads the catalogue (`catalog/*.toml`) at build time and writes it as Rust statics
//! (`$OUT_DIR/catalog.rs`, included by `src/lib.rs`): a run parses nothing. A bad
//! entry fails the build with the file and the entry named.

#[allow(dead_code)]
#[path = "src/kinds.rs"]
mod kinds;
#[allow(dead_code)]
#[path = "src/lit.rs"]
mod lit;
#[allow(dead_code)]
#[path = "src/source.rs"]
mod source;
#[allow(dead_code)]
#[path = "src/table.rs"]
mod table;

use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    for f in [
        "src/kinds.rs",
        "src/lit.rs",
        "src/source.rs",
        "src/table.rs",
    ] {
        println!("cargo:rerun-if-changed={f}");
    }
    let mut texts = vec![];
    for name in source::FILES {
        let path = format!("catalog/{name}");
        println!("cargo:rerun-if-changed={path}");
        match std::fs::read_to_string(dir.join(&path)) {
            Ok(t) => texts.push((path, t)),
            Err(e) => panic!("{path}: {e}"),
        }
    }
    // A new file in `catalog/` that `source::FILES` does not list would be ignored.
    println!("cargo:rerun-if-changed=catalog");
    if let Ok(entries) = std::fs::read_dir(dir.join("catalog")) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".toml") && !source::FILES.contains(&name.as_str()) {
                panic!("catalog/{name} is not listed in src/source.rs `FILES`");
            }
        }
    }
    let mut files: Vec<(&str, &str)> = texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    write(&files, &out.join("catalog.rs"));
    // The library's tests read the catalogue with entries added.
    files.push(("source::TEST_EXTRA", source::TEST_EXTRA));
    write(&files, &out.join("catalog_test.rs"));
}

fn write(files: &[(&str, &str)], out: &std::path::Path) {
    let c = match source::parse(files) {
        Ok(c) => c,
        Err(e) => panic!("the tool catalogue is invalid: {e}"),
    };
    if let Err(e) = std::fs::write(out, source::render(&c)) {
        panic!("{}: {e}", out.display());
    }
}
