//! Differential tests of the fast path: whenever it reads a file, the tree (values,
//! styles, spans) and the warnings must equal what `saphyr-parser` gives.
//!
//! Inputs: the YAML files committed in this repository (fixtures, example repositories,
//! workflows) and, when `PIPEWISE_YAML_CORPUS` names a directory, every `.yml`/`.yaml`
//! file under it (default `../shared/corpus`; an `#[ignore]`d test that `.ci/run` runs:
//! `cargo test -p pipewise-yaml --test fast_path -- --ignored`).

#[path = "../../pipewise/tests/support/corpus.rs"]
mod corpus;

use pipewise_yaml::{Document, Limits, Node, NodeKind};
use std::path::{Path, PathBuf};

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if p.file_name().is_some_and(|n| n == "target" || n == ".git") {
                continue;
            }
            yaml_files(&p, out);
        } else if ft.is_file() && p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            out.push(p);
        }
    }
}

/// Every file directly in `dir`.
fn yaml_like_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut v: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    out.extend(v);
}

/// The first place where two trees differ, as a path of keys and indexes.
fn first_difference(a: &Node, b: &Node, path: &str) -> Option<String> {
    if a.span != b.span {
        return Some(format!("{path}: span {:?} != {:?}", a.span, b.span));
    }
    match (&a.kind, &b.kind) {
        (NodeKind::Scalar { .. }, NodeKind::Scalar { .. }) => {
            (a.kind != b.kind).then(|| format!("{path}: {:?} != {:?}", a.kind, b.kind))
        }
        (NodeKind::Seq(x), NodeKind::Seq(y)) => {
            if x.len() != y.len() {
                return Some(format!("{path}: {} items != {}", x.len(), y.len()));
            }
            x.iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}[{i}]")))
        }
        (NodeKind::Map(x), NodeKind::Map(y)) => {
            if x.len() != y.len() {
                return Some(format!("{path}: {} entries != {}", x.len(), y.len()));
            }
            x.iter().zip(y).find_map(|(p, q)| {
                let here = format!("{path}.{}", p.key.as_str().unwrap_or("?"));
                first_difference(&p.key, &q.key, &format!("{here}(key)"))
                    .or_else(|| first_difference(&p.value, &q.value, &here))
            })
        }
        _ => Some(format!("{path}: {} != {}", a.type_name(), b.type_name())),
    }
}

/// Checks one text; `Ok(true)` when the fast path read it.
fn check(text: &str) -> Result<bool, String> {
    let limits = Limits::default();
    if !Document::fast_path_reads(text, limits) {
        return Ok(false);
    }
    let fast = Document::parse_with(text.to_string(), limits).map_err(|e| e.message)?;
    let reference = match Document::parse_reference(text.to_string(), limits) {
        Ok(d) => d,
        Err(e) => {
            return Err(format!(
                "fast path read a file saphyr refuses: {}",
                e.message
            ))
        }
    };
    if let Some(d) = first_difference(&fast.root, &reference.root, "$") {
        return Err(d);
    }
    if fast.warnings != reference.warnings {
        return Err(format!(
            "warnings {:?} != {:?}",
            fast.warnings, reference.warnings
        ));
    }
    Ok(true)
}

fn check_all(files: &[PathBuf]) -> (usize, Vec<String>) {
    let mut read = 0;
    let mut failures = vec![];
    for f in files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        match check(&text) {
            Ok(true) => read += 1,
            Ok(false) => {}
            Err(e) => failures.push(format!("{}: {e}", f.display())),
        }
    }
    (read, failures)
}

#[test]
fn repository_yaml_files_match_saphyr() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = vec![];
    yaml_files(&root, &mut files);
    assert!(
        files.len() > 100,
        "expected the repository's YAML fixtures, found {}",
        files.len()
    );
    let (read, failures) = check_all(&files);
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The fast path must actually be taken: most committed YAML is plain block style.
    assert!(
        read * 10 >= files.len() * 8,
        "fast path read only {read} of {} files",
        files.len()
    );
}

/// Every YAML file of `../shared/corpus` (or `PIPEWISE_YAML_CORPUS`).
#[test]
#[ignore = "needs ../shared/corpus (or PIPEWISE_YAML_CORPUS); .ci/run runs it"]
fn corpus_yaml_files_match_saphyr() {
    let dir = std::env::var_os("PIPEWISE_YAML_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| corpus::corpus("corpus"));
    assert!(dir.is_dir(), "{} is not a directory", dir.display());
    let mut files = vec![];
    yaml_files(Path::new(&dir), &mut files);
    let (read, failures) = check_all(&files);
    eprintln!("fast path read {read} of {} corpus files", files.len());
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every YAML file of `../shared/corpus-gitlab` (anchors, aliases, `<<:` and
/// `!reference` tags are common there).
#[test]
#[ignore = "needs ../shared/corpus-gitlab; .ci/run runs it"]
fn gitlab_corpus_yaml_files_match_saphyr() {
    let dir = corpus::corpus("corpus-gitlab");
    assert!(dir.is_dir(), "{} is not a directory", dir.display());
    let mut files = vec![];
    yaml_files(Path::new(&dir), &mut files);
    let (read, failures) = check_all(&files);
    eprintln!(
        "fast path read {read} of {} corpus-gitlab files",
        files.len()
    );
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        read * 10 >= files.len() * 8,
        "fast path read only {read} of {} files",
        files.len()
    );
}

/// Small documents the fast path must read, each next to a look-alike it must leave to
/// saphyr; both must load exactly as saphyr loads them.
#[test]
fn edge_cases_match_saphyr() {
    let read = [
        "a: 1\n",
        "a: 1",
        "---\na: [x, 'y' , \"z\"]\n",
        "a:\n- x\n-\n- y: 1\n  z: 2\nb: ~\n",
        "a: |\n  lit\n\n  more\n\nb: >-\n  f1\n  f2\n\n    kept\n  f3\n",
        "a: |+\n  keep\n\n\nb: |-\n  strip\n  \n# c\nc: >\n  x\n",
        "a: |\n  at the end without a break",
        "a: 'it''s'   # comment\nb: \"\\t\\u00e9\\x41\\\\\"\n",
        "a: plain\n  continued\n\n  after a blank\nb: x # c\n",
        "k: {a: 1, 'b': [], c: {}}\nl: [ [ ] , {} ]\n",
        "a:\n  b:\n    - c: |\n        x\n      # comment in the item\n      d: e\n",
        "dup: 1\ndup: 2\n",
        "- - a\n  - b\n- c\n",
        "ключ: значение\n",
        "a: [x,\n  y]\n",
        "a: [two words, x-y, a.b]\n",
        "\"quoted key\": 1\n'single': 2\n",
        "a: |\n  o\n",
        "a: b:c\nurl: http://x:8080/p\n",
        // Found by the fuzzer and proptest: empty items, comments after brackets.
        "- ",
        "- # c\n- x\n",
        "b:\n-\n- y\n",
        "other: [] # c\n",
        // Anchors, aliases, merge keys and tags (GitLab CI templates).
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        ".t: &t\n  image: x\n  script: [a]\njob:\n  <<: *t\n  stage: s\n",
        ".t: &t # c\n  - a\n  - b\nj:\n  script: *t\n",
        "a: &a {k: v}\nb: &b [1]\nj:\n  <<: [*a, *b]\n  x: [*b, *a]\n",
        "j:\n  script:\n    - !reference [.setup, script]\n    - echo\n",
        "j:\n  script: !reference [.setup, script]\n",
        "a: &e\nb: *e\n",
        "- &e\n- *e\n",
        "- &m\n  k: v\n- *m\n",
        "a: &q 'x'  \nb: &p two\n  lines\nc: [*q, *p]\n",
        "a: !t &n x\nb: &m !t y\nc: *n\n",
        "a: &x 1\nb: &x 2\nc: *x\n",
        "a: {k: &v v}\nb: [&w w, *v, *w]\n",
        "a: &a\n  b: &b\n    c: 1\nd: *b\n",
        "a: &s |\n  x\nb: *s\nc: !t >-\n  y\n",
        "a: |\n  x\nb: &s |\n  y\n",
        "# a | b\nk: &s |\n  y\n",
        "- &s |\n  x\n- *s\n",
        // Continuation lines of plain scalars starting with indicators.
        "a: cmd\n  -Dopt=1\n  --flag\n  || exit 1\n  \"q\" 'r'\n  - x\n  @y `z`\n",
        "x: &x {a: 1}\ny: &y {b: 2}\ndup:\n  <<: *x\n  <<: *y\n  a: 3\n  a: 4\n",
        // Multi-line quoted values: folded breaks, empty and blank lines, trailing
        // blanks, escaped line breaks (the blanks before them kept), escapes.
        "a: \"multi\n  line\"\n",
        "a: 'multi\n\n  line''s\n   \n  end'\nb: 1\n",
        "a: \"x  \n  y \\\n    z\\\n\n  w\"\n",
        "- \"item\n  two\"\n- k: \"v\n    w\"  # c\n",
        "a:\n  \"own line\n   next\"\n",
        "a: \"tab\\t  \n  b\\u00e9\n\n\n  c\"\n",
        "a: &q \"x\n  y\"\nb: *q\n",
        "\"\n  lead\"\n",
    ];
    for text in read {
        assert_eq!(check(text), Ok(true), "{text:?}");
    }
    let left_to_saphyr = [
        "? a\n: b\n",
        // Property forms left to saphyr: on a key, before a block scalar or an
        // indentless sequence, twice, verbatim or named tags, non-ASCII names.
        "&k a: b\n",
        "- &k a: b\n",
        "- !t 'a': b\n",
        "a: &s\n  |\n  x\n",
        "a: &l\n- x\n",
        "a: &x &y 1\n",
        "a: !<tag:x> 1\n",
        "a: !e!x 1\n",
        "a: ! x\n",
        "a: &é 1\nb: *é\n",
        "a: !t,x 1\n",
        // Aliases of an unknown anchor, of an unfinished node, as keys, with properties.
        "a: *x\n",
        "a: &x [1, *x]\n",
        "a: &x 1\n*x : b\n",
        "a: &x 1\nb: &y *x\n",
        "a: &x 1\nb: *x\n  c\n",
        "a: &x 1\nb: *x x\n",
        "a: 1\n---\nb: 2\n",
        // Multi-line quoted scalars: continuation lines not indented past the
        // collection, tabs, keys, document markers, flow context, no closing quote.
        "a: \"under\nb\"\n",
        "\"k\n  x\": 1\n",
        "a: \"x\n\ty\"\n",
        "a: \"x\t\n  y\"\n",
        "a: \"x \t \n  y\"\n",
        "\"x\n---\ny\"\n",
        "a: {k: \"x\n  y\"}\n",
        "a: \"unterminated\n  b\n",
        "a: 'x\n  y' tail\n",
        "a: |2\n   x\n",
        "a:\t1\n",
        "a: 1\r\n",
        "a: [x, # c\n  y]\n",
        "%YAML 1.2\n---\na: 1\n",
        "",
        "# only a comment\n",
        "a: b: c\n",
        "a: [x\n",
        "  a: 1\n b: 2\n",
        // Found by the yaml_fast fuzz target: a blank last line without a break.
        "|\n  o\n  ",
        "a: |\n  o\n      ",
        // Control characters and other non-printables (fuzz-found: `[\x01 -]`).
        "a: [\u{1}   -]\n",
        "a: b\u{7f}\n",
        "a: b\u{85}\n",
        "a: \u{feff}b\n",
        "a: b\u{ffff}\n",
        // A flow scalar's later word starting with an indicator (fuzz-found).
        "[. -]",
        "a: {b c -: d}\n",
    ];
    // A simple key longer than 1024 characters is an error for saphyr (found by
    // the yaml_fast fuzz target); shorter long keys are fine.
    let long_key = format!("{}: x\n", "k".repeat(1100));
    assert_eq!(check(&long_key), Ok(false));
    let long_map_key = format!("a:\n  {}: x\n", "k".repeat(1100));
    assert_eq!(check(&long_map_key), Ok(false));
    let long_flow_key = format!("a: {{{}: x}}\n", "k".repeat(1100));
    assert_eq!(check(&long_flow_key), Ok(false));
    let fine = format!("{}: x\n", "k".repeat(900));
    assert_eq!(check(&fine), Ok(true));
    // Every input the yaml_fast fuzz target found (tests/fast_path/crash-*).
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fast_path");
    let mut crashes = vec![];
    yaml_like_files(&dir, &mut crashes);
    assert!(
        crashes.len() >= 2,
        "regression inputs missing in {}",
        dir.display()
    );
    for f in crashes {
        let bytes = std::fs::read(&f).expect("regression input");
        if let Ok(text) = String::from_utf8(bytes) {
            if let Err(e) = check(&text) {
                panic!("{}: {e}", f.display());
            }
        }
    }
    for text in left_to_saphyr {
        assert_eq!(check(text), Ok(false), "{text:?}");
    }
}

mod generated {
    use super::check;
    use proptest::prelude::*;

    /// One line of YAML-looking text: indentation, an optional item dash or key, a
    /// value in one of the styles, an optional comment. Many combinations are invalid
    /// YAML, which the fast path must leave to saphyr.
    fn line() -> impl Strategy<Value = String> {
        let indent = prop_oneof![Just(0usize), Just(2), Just(4), Just(6), 0usize..9];
        let head = prop_oneof![
            Just(""),
            Just("- "),
            Just("-"),
            Just("key: "),
            Just("key:"),
            Just("- key: "),
            Just("other: "),
            Just("\"q\": "),
            Just("- - "),
            Just("<<: "),
            Just("- &a "),
        ];
        let value = prop_oneof![
            Just(""),
            Just("plain"),
            Just("two words"),
            Just("'single'"),
            Just("'it''s'"),
            Just("\"dq \\\" \\n\""),
            Just("\"bad \\q\""),
            Just("|"),
            Just(">-"),
            Just("|+"),
            Just("[a, 'b', \"c\"]"),
            Just("[]"),
            Just("{a: 1, b: [x]}"),
            Just("{}"),
            Just("[a,"),
            Just("x: y"),
            Just("http://h:1"),
            Just("${{ matrix.os }}"),
            Just("&a x"),
            Just("*a"),
            Just("&a"),
            Just("&b [p, *a]"),
            Just("!t"),
            Just("!reference [a, b]"),
            Just("!!str x"),
            Just("&a !t 'q'"),
            Just("*b"),
            Just("[*a, *b]"),
            Just("&a |"),
            Just("!t >-"),
            Just("--flag"),
            Just("|| exit 1"),
            Just("\"dq\" tail"),
            Just("'sq' tail"),
            Just("- item"),
            Just("@x `y`"),
            Just("%x"),
            Just("? q"),
            Just("? "),
            Just("{ not flow"),
            Just("] x"),
            Just("# note"),
            Just("é ü"),
            Just("-x"),
            Just(":x"),
            Just("\"open"),
            Just("'open"),
            Just("close\""),
            Just("close'"),
            Just("\"esc \\"),
            Just("  "),
        ];
        let comment = prop_oneof![Just(""), Just(" # c"), Just("  "), Just("#x")];
        (indent, head, value, comment)
            .prop_map(|(i, h, v, c)| format!("{}{h}{v}{c}", " ".repeat(i)))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn fast_path_agrees_with_saphyr(lines in proptest::collection::vec(line(), 1..12), end in prop_oneof![Just(""), Just("\n"), Just("\n\n")]) {
            let text = lines.join("\n") + end;
            if let Err(e) = check(&text) {
                panic!("{e}\n--- input ---\n{text}");
            }
        }
    }
}
