//! What GitLab checks in the text of values, beyond their shape ([`super::keywords`]):
//!
//! - durations (`timeout`, `start_in`, `artifacts:expire_in`,
//!   `environment:auto_stop_in`), as GitLab's `DurationValidator` reads them with
//!   ChronicDuration: a string (a plain `3600` is a number to GitLab's YAML reader),
//!   made of numbers, units (`s`, `sec`, `min`, `h`, `hrs`, `day`, `wk`, `mo`, `yr`,
//!   …) and the joining words `and`, `with`, `plus`; `never` where GitLab's
//!   `DurationParser` accepts it; at most a month for `timeout`
//!   (`Project::MAX_BUILD_TIMEOUT`) and a week for `start_in`;
//! - `when: delayed` and `start_in` on a job (`start_in` only with `when: delayed`
//!   and not with `rules:`);
//! - `rules:if` expressions (jobs and `workflow:`), as GitLab's `Expression::Lexer`
//!   and its shunting-yard parser read them: only variables, quoted strings,
//!   `/regex/` patterns, `null`, `true`/`false`, `==` `!=` `=~` `!~` `&&` `||` and
//!   parentheses, at most 100 tokens, balanced parentheses, and one operand more
//!   than operators (so `$A == main` and `$A ==` are errors). Whether a pattern is
//!   valid RE2 is not checked;
//! - environment names (`Gitlab::Regex.environment_name_regex`): letters, digits,
//!   `-`, `_`, `/`, `$`, `{`, `}`, `.` and spaces, not starting or ending with `/`;
//! - `include:` items (`Entry::Include`, `BaseInclude`, the external file mapper):
//!   known keys only, exactly one location (`local`, `project`, `remote`,
//!   `template`, `component`, `artifact`), `file` with `project`, `job` with
//!   `artifact`, `integrity` only on a remote include and starting `sha256-`, and a
//!   `.yml`/`.yaml` file (a local one is checked when it is loaded,
//!   `include::load`); the same for `trigger:include` items, of which GitLab takes
//!   at most 3 (`SameProjectTrigger::INCLUDE_MAX_SIZE`);
//! - a job with both `script` and `trigger` (GitLab reads a job with `script` as a
//!   script job, where `trigger` is an unknown key) or both `script` and `run`;
//! - more than 50 `needs` (GitLab's default `ci_needs_size_limit`);
//! - a number or a boolean where GitLab wants a string (`stage: 1`, `tags: [1]`,
//!   `cache: key: 1`, `environment: name: 1.0`, …).
//!
//! Like [`super::keywords`], checked on each merged job before its spans are decoded
//! (so each problem points into the file the value is written in), and lenient
//! where GitLab reads a value later: anything with `$` (variables, `$[[ inputs ]]`)
//! is not judged. Linear in the size of the job.

use super::keywords::{flattened, Issue, Owner, REFERENCE};
use pipewise_yaml::{Node, NodeKind, Style};

/// A value GitLab reads later (variables, `$[[ inputs ]]`), `null`, or a
/// `!reference` left unresolved.
fn unjudged(n: &Node) -> bool {
    n.is_null()
        || n.as_str().is_some_and(|s| s.contains('$'))
        || n.as_map()
            .is_some_and(|m| matches!(m, [e] if e.key.as_str() == Some(REFERENCE)))
}

/// A plain scalar GitLab's YAML reader (Ruby's Psych, YAML 1.1) reads as a number
/// or a boolean, not a string.
pub(super) fn not_a_string(n: &Node) -> Option<&str> {
    let NodeKind::Scalar {
        value,
        style: Style::Plain,
    } = &n.kind
    else {
        return None;
    };
    let v = value.as_str();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    let unsigned = v.strip_prefix(['-', '+']).unwrap_or(v);
    // Only digits, `_` and `.` can make a number: most values (script lines) are
    // told apart by their first byte, before `split_once` searches them.
    let plausible = unsigned
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'_' || b == b'.');
    let number = plausible
        && (digits(unsigned) && unsigned.as_bytes().first().is_some_and(u8::is_ascii_digit)
            || unsigned
                .split_once('.')
                .is_some_and(|(a, b)| (a.is_empty() || digits(a)) && digits(b)));
    // Compared in place: every script line passes here.
    let boolean = v.len() <= 5
        && ["true", "false", "yes", "no", "on", "off"]
            .iter()
            .any(|b| v.eq_ignore_ascii_case(b));
    (number || boolean).then_some(v)
}

const MINUTE: f64 = 60.0;
const HOUR: f64 = 3600.0;
const DAY: f64 = 86_400.0;
const WEEK: f64 = 7.0 * DAY;
const MONTH: f64 = 30.0 * DAY;
const YEAR: f64 = 365.25 * DAY;

/// ChronicDuration's unit words and their length in seconds.
const UNITS: &[(&str, f64)] = &[
    ("seconds", 1.0),
    ("second", 1.0),
    ("secs", 1.0),
    ("sec", 1.0),
    ("s", 1.0),
    ("minutes", MINUTE),
    ("minute", MINUTE),
    ("mins", MINUTE),
    ("min", MINUTE),
    ("m", MINUTE),
    ("hours", HOUR),
    ("hour", HOUR),
    ("hrs", HOUR),
    ("hr", HOUR),
    ("h", HOUR),
    ("days", DAY),
    ("day", DAY),
    ("dy", DAY),
    ("d", DAY),
    ("weeks", WEEK),
    ("week", WEEK),
    ("wks", WEEK),
    ("wk", WEEK),
    ("w", WEEK),
    ("months", MONTH),
    ("month", MONTH),
    ("mos", MONTH),
    ("mo", MONTH),
    ("years", YEAR),
    ("year", YEAR),
    ("yrs", YEAR),
    ("yr", YEAR),
    ("y", YEAR),
];

/// Words ChronicDuration skips.
const JOIN_WORDS: &[&str] = &["and", "with", "plus"];

/// Number words its `Numerizer` turns into numbers (accepted, not added up).
const NUMBER_WORDS: &[&str] = &[
    "a",
    "an",
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
    "hundred",
    "thousand",
    "million",
    "half",
    "quarter",
    "first",
    "third",
];

/// How a duration reads.
#[derive(Debug, PartialEq)]
enum Duration {
    /// Its length in seconds.
    Seconds(f64),
    /// Valid, but not added up here (number words, `1:30` clock form).
    Valid,
    /// A word ChronicDuration does not know.
    BadWord(String),
    /// No number and no unit.
    Empty,
}

/// ChronicDuration's reading of `text`: lower-cased, numbers split from the words
/// around them (`2h20min` is `2 h 20 min`), each word a number, a unit, a joining
/// word or a number word; a number without a unit counts seconds, a unit without a
/// number counts one.
fn duration(text: &str) -> Duration {
    let lower = text.to_ascii_lowercase();
    if lower.contains(':') {
        // The `hh:mm:ss` form (ChronicDuration's `filter_by_type`).
        return Duration::Valid;
    }
    // Numbers split from letters: "2h20min" -> "2 h 20 min".
    let mut spaced = String::with_capacity(lower.len() + 8);
    let mut prev_digit: Option<bool> = None;
    for c in lower.chars() {
        let digit = c.is_ascii_digit() || c == '.';
        if prev_digit.is_some_and(|p| p != digit) {
            spaced.push(' ');
        }
        prev_digit = Some(digit);
        spaced.push(c);
    }
    let mut total = 0.0;
    let mut pending: Option<f64> = None;
    let mut words_only = false;
    let mut any = false;
    for word in spaced.split_whitespace() {
        let word = word.trim_start_matches(',').trim_end_matches(',');
        if word.bytes().any(|b| b.is_ascii_digit()) {
            match word.parse::<f64>() {
                Ok(n) => {
                    total += pending.replace(n).unwrap_or(0.0);
                    any = true;
                }
                Err(_) => words_only = true,
            }
            continue;
        }
        if let Some(&(_, secs)) = UNITS.iter().find(|(u, _)| *u == word) {
            total += pending.take().unwrap_or(1.0) * secs;
            any = true;
        } else if JOIN_WORDS.contains(&word) || word.is_empty() {
        } else if NUMBER_WORDS.contains(&word) {
            words_only = true;
            any = true;
        } else if word.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Duration::BadWord(word.to_string());
        } else {
            // Punctuation and other characters: not judged.
            words_only = true;
        }
    }
    total += pending.unwrap_or(0.0);
    match (any, words_only) {
        (false, false) => Duration::Empty,
        (_, true) => Duration::Valid,
        (true, false) => Duration::Seconds(total),
    }
}

/// A duration keyword of `owner` at `path`: a string GitLab can read, within
/// `limit` (seconds, and how GitLab says it) when there is one.
fn check_duration(
    out: &mut Vec<Issue>,
    owner: Owner<'_>,
    path: &str,
    n: &Node,
    never_ok: bool,
    limit: Option<(f64, &str)>,
) {
    if unjudged(n) {
        return;
    }
    if let Some(v) = not_a_string(n) {
        out.push((
            n.span,
            format!(
                "`{path}` of {owner} must be a duration string such as `30 minutes` or `1h 30m`; `{v}` is read as a number or a boolean (quote it, with a unit)"
            ),
        ));
        return;
    }
    let Some(text) = n.as_str() else { return };
    if never_ok && text.trim().eq_ignore_ascii_case("never") {
        return;
    }
    match duration(text) {
        Duration::BadWord(w) => out.push((
            n.span,
            format!("`{path}: {text}` of {owner} is not a duration GitLab can read (`{w}` is not a unit; use s, min, h, day, week, month, year)"),
        )),
        Duration::Seconds(s) => {
            if let Some((_, said)) = limit.filter(|(max, _)| s > *max) {
                out.push((
                    n.span,
                    format!("`{path}: {text}` of {owner} is longer than GitLab allows ({said})"),
                ));
            }
        }
        Duration::Valid | Duration::Empty => {}
    }
}

/// One lexeme of a GitLab CI/CD variable expression.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Lexeme {
    Value,
    Operator,
    Open,
    Close,
}

/// GitLab's `Lexer::MAX_TOKENS`.
const MAX_TOKENS: usize = 100;

/// The length of a `/pattern/flags` lexeme at the start of `s` (`s` starts with
/// `/`), as GitLab's `%r{^\/([^\/]|\\/)+[^\\]\/[ismU]*}` matches it (its greedy
/// body: the longest that fits).
fn pattern_len(s: &[u8]) -> Option<usize> {
    let n = s.len();
    // can[i]: s[1..i] is one or more of (a byte other than `/`, or `\/`).
    let mut can = vec![false; n + 1];
    for i in 2..=n {
        // Position 1 (nothing consumed yet) starts the first unit.
        let one = (i == 2 || can[i - 1]) && s[i - 1] != b'/';
        let two = i >= 3 && (i == 3 || can[i - 2]) && s[i - 2] == b'\\' && s[i - 1] == b'/';
        can[i] = one || two;
    }
    let end = (2..n.saturating_sub(1))
        .rev()
        .find(|&i| can[i] && s[i] != b'\\' && s.get(i + 1) == Some(&b'/'))?;
    let mut len = end + 2;
    while s.get(len).is_some_and(|b| b"ismU".contains(b)) {
        len += 1;
    }
    Some(len)
}

/// Why GitLab refuses the `rules:if` expression `text`, if it does.
fn expression_error(text: &str) -> Option<String> {
    let s = text.as_bytes();
    let mut i = 0;
    let mut lexemes: Vec<Lexeme> = vec![];
    loop {
        while s.get(i).is_some_and(|b| b" \t\n\r\x0b\x0c".contains(b)) {
            i += 1;
        }
        let Some(&b) = s.get(i) else { break };
        if lexemes.len() == MAX_TOKENS {
            return Some(format!("it has more than {MAX_TOKENS} tokens"));
        }
        let rest = &s[i..];
        let word = |j: usize| {
            rest.get(j..).map_or(0, |r| {
                r.iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                    .count()
            })
        };
        let (lexeme, len) = match b {
            b'(' => (Lexeme::Open, 1),
            b')' => (Lexeme::Close, 1),
            b'$' if word(1) > 0 => (Lexeme::Value, 1 + word(1)),
            b'"' | b'\'' => match rest[1..].iter().position(|c| *c == b || *c == b'\n') {
                Some(j) if rest[1 + j] == b => (Lexeme::Value, j + 2),
                _ => return Some("a quoted string is not closed on its line".into()),
            },
            b'/' => match pattern_len(rest) {
                Some(len) => (Lexeme::Value, len),
                None => {
                    return Some(
                        "a `/pattern/` is not closed (GitLab also needs two characters or more between the slashes)"
                            .into(),
                    )
                }
            },
            _ if rest.starts_with(b"null") => (Lexeme::Value, 4),
            _ if rest.starts_with(b"true") => (Lexeme::Value, 4),
            _ if rest.starts_with(b"false") => (Lexeme::Value, 5),
            _ if [&b"=="[..], b"=~", b"!=", b"!~", b"&&", b"||"]
                .iter()
                .any(|op| rest.starts_with(op)) =>
            {
                (Lexeme::Operator, 2)
            }
            _ => {
                let bad: String = text[i..]
                    .split(|c: char| c.is_whitespace() || c == ')')
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(40)
                    .collect();
                return Some(format!(
                    "`{bad}` is not a variable, a quoted string, a /pattern/, null or an operator (quote literal values)"
                ));
            }
        };
        lexemes.push(lexeme);
        i += len;
    }
    if lexemes.is_empty() {
        return Some("it is empty".into());
    }
    let mut depth = 0usize;
    let (mut values, mut operators) = (0usize, 0usize);
    for l in &lexemes {
        match l {
            Lexeme::Open => depth += 1,
            Lexeme::Close => {
                if depth == 0 {
                    return Some("a `)` has no `(`".into());
                }
                depth -= 1;
            }
            Lexeme::Value => values += 1,
            Lexeme::Operator => operators += 1,
        }
    }
    if depth > 0 {
        return Some("a `(` is not closed".into());
    }
    if values != operators + 1 {
        return Some(if values <= operators {
            "an operator is missing an operand".into()
        } else {
            "two operands are not joined by an operator".into()
        });
    }
    None
}

/// The `rules:if` texts of a pipeline read so far, with why GitLab refuses each (if
/// it does): a template's rules come back in every job that extends it, and an
/// expression's verdict depends on its text alone.
#[derive(Default)]
pub(super) struct Expressions {
    by_text: foldhash::HashMap<String, Option<String>>,
    /// What [`check_if`] says of a long `if:` text, by the address of its shared
    /// [`pipewise_yaml::Text`] (the copies of a template's rules share one): found
    /// again without hashing the text. The entry keeps the text alive, so its
    /// address names no other text.
    by_address: foldhash::HashMap<usize, (pipewise_yaml::Text, Option<String>)>,
}

impl Expressions {
    fn error(&mut self, text: &str) -> Option<String> {
        if let Some(why) = self.by_text.get(text) {
            return why.clone();
        }
        let why = expression_error(text);
        self.by_text.insert(text.to_string(), why.clone());
        why
    }

    /// Why GitLab refuses the `if:` text of scalar `n` (`text`), none when it
    /// reads it or when the text interpolates `$[[ inputs ]]` (replaced before
    /// the expression is read).
    fn refusal(&mut self, n: &Node, text: &str) -> Option<String> {
        let shared = match &n.kind {
            NodeKind::Scalar { value, .. } if !value.is_inline() => Some(value),
            _ => None,
        };
        let Some(value) = shared else {
            return if super::keywords::has_inputs(text) {
                None
            } else {
                self.error(text)
            };
        };
        let address = text.as_ptr().addr();
        if let Some((_, why)) = self.by_address.get(&address) {
            return why.clone();
        }
        let why = if super::keywords::has_inputs(text) {
            None
        } else {
            self.error(text)
        };
        self.by_address
            .insert(address, (value.clone(), why.clone()));
        why
    }
}

/// A `rules:` item's `if:` (job, workflow or include rules).
fn check_if(out: &mut Vec<Issue>, owner: Owner<'_>, rule: &Node, exprs: &mut Expressions) {
    let Some(n) = rule.get("if") else { return };
    if n.is_null() {
        return;
    }
    if let Some(v) = not_a_string(n) {
        out.push((
            n.span,
            format!("`rules:if` of {owner} must be a string expression; `{v}` is read as a number or a boolean"),
        ));
        return;
    }
    let Some(text) = n.as_str() else { return };
    if let Some(why) = exprs.refusal(n, text) {
        out.push((
            n.span,
            format!("`rules:if` of {owner} is not an expression GitLab can read: {why}"),
        ));
    }
}

/// Whether GitLab accepts `name` as an environment name.
fn environment_name_ok(name: &str) -> bool {
    let ok = |c: char| c.is_ascii_alphanumeric() || "_/${}. -".contains(c);
    !name.is_empty() && name.chars().all(ok) && !name.starts_with('/') && !name.ends_with('/')
}

/// Keys an `include:` item may have (`Entry::Include`).
const INCLUDE_KEYS: &[&str] = &[
    "local",
    "file",
    "remote",
    "project",
    "ref",
    "integrity",
    "template",
    "artifact",
    "inputs",
    "job",
    "rules",
    "component",
];

/// The keys that say where an included file is; an item has exactly one.
const LOCATIONS: &[&str] = &[
    "local",
    "project",
    "remote",
    "template",
    "component",
    "artifact",
];

/// Whether GitLab takes `path` as a YAML file (`/.+\.(yml|yaml)$/i`); paths with
/// variables are not judged.
fn yaml_path_ok(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    path.contains('$')
        || lower.len() > 4 && lower.ends_with(".yml")
        || lower.len() > 5 && lower.ends_with(".yaml")
}

/// The items of an `include:` (or `trigger:include`) value, written in `place`.
pub(super) fn check_include(
    include: &Node,
    place: &str,
    exprs: &mut Expressions,
    out: &mut Vec<Issue>,
) {
    let items: Vec<&Node> = match &include.kind {
        NodeKind::Seq(_) => flattened(include),
        _ => vec![include],
    };
    let bad_file = |n: &Node, out: &mut Vec<Issue>| {
        if let Some(p) = n.as_str().filter(|p| !yaml_path_ok(p)) {
            out.push((
                n.span,
                format!("`{p}` in `{place}` is not a YAML file (GitLab includes only `.yml` or `.yaml` files)"),
            ));
        }
    };
    for item in items {
        if unjudged(item) {
            continue;
        }
        let Some(entries) = item.as_map() else {
            // A URL; a local path is checked when the file is loaded
            // (`include::load`).
            if item
                .as_str()
                .is_some_and(|s| s.starts_with("https://") || s.starts_with("http://"))
            {
                bad_file(item, out);
            }
            continue;
        };
        for e in entries {
            let k = e.key.as_str().unwrap_or("");
            if !INCLUDE_KEYS.contains(&k) {
                out.push((
                    e.key.span,
                    format!(
                        "unknown key `{k}` in an item of `{place}` (GitLab allows {})",
                        INCLUDE_KEYS.join(", ")
                    ),
                ));
            }
        }
        let located: Vec<&str> = LOCATIONS
            .iter()
            .copied()
            .filter(|k| item.get(k).is_some())
            .collect();
        if located.len() != 1 {
            out.push((
                item.span,
                format!(
                    "an item of `{place}` must name exactly one of {} (it names {})",
                    LOCATIONS.join(", "),
                    if located.is_empty() {
                        "none".to_string()
                    } else {
                        located.join(", ")
                    }
                ),
            ));
        }
        if item.get("project").is_some() && item.get("file").is_none() {
            out.push((
                item.span,
                format!("an item of `{place}` names a `project` without `file`"),
            ));
        }
        if item.get("artifact").is_some() && item.get("job").is_none() {
            out.push((
                item.span,
                format!("an item of `{place}` names an `artifact` without the `job` that makes it"),
            ));
        }
        if let Some(i) = item.get("integrity") {
            if item.get("remote").is_none() {
                out.push((
                    i.span,
                    format!("`integrity` in `{place}` is only for a `remote` include"),
                ));
            } else if i.as_str().is_some_and(|s| !s.starts_with("sha256-"))
                || not_a_string(i).is_some()
            {
                out.push((
                    i.span,
                    format!("`integrity` in `{place}` must start with `sha256-`"),
                ));
            }
        }
        for r in item.get("rules").map(flattened).unwrap_or_default() {
            if r.as_map().is_some() {
                check_if(out, Owner::Text(&format!("an item of `{place}`")), r, exprs);
            }
        }
        for k in ["remote", "template", "artifact"] {
            if let Some(n) = item.get(k) {
                bad_file(n, out);
            }
        }
        if item.get("project").is_some() {
            match item.get("file") {
                Some(f) if f.as_seq().is_some() => {
                    for x in flattened(f) {
                        bad_file(x, out);
                    }
                }
                Some(f) => bad_file(f, out),
                None => {}
            }
        }
    }
}

/// GitLab's `SameProjectTrigger::INCLUDE_MAX_SIZE`.
const MAX_TRIGGER_INCLUDES: usize = 3;
/// GitLab's default `ci_needs_size_limit`.
const MAX_NEEDS: usize = 50;

/// Keyword paths where GitLab wants a string (a scalar), and lists whose items are
/// strings.
const STRINGS: &[&str] = &[
    "stage",
    "resource_group",
    "coverage",
    "environment",
    "environment:name",
    "environment:url",
    "environment:on_stop",
    "image",
    "image:name",
    "trigger",
    "trigger:project",
    "trigger:branch",
    "artifacts:name",
    "artifacts:expose_as",
];
const STRING_ITEMS: &[&str] = &[
    "tags",
    "dependencies",
    "extends",
    "artifacts:paths",
    "artifacts:exclude",
];

/// The top-level keys of a job that [`check_job`] reads, each with its slot.
fn top_index(key: &str) -> Option<usize> {
    Some(match key {
        "artifacts" => 0,
        "cache" => 1,
        "coverage" => 2,
        "dependencies" => 3,
        "environment" => 4,
        "extends" => 5,
        "image" => 6,
        "needs" => 7,
        "resource_group" => 8,
        "rules" => 9,
        "run" => 10,
        "script" => 11,
        "stage" => 12,
        "start_in" => 13,
        "tags" => 14,
        "timeout" => 15,
        "trigger" => 16,
        "when" => 17,
        _ => return None,
    })
}

/// A merged job with the values of its [`top_index`] keys found in one pass over
/// its entries (the first entry of a key, as `Node::get`), instead of a search of
/// the entries per key asked.
struct Top<'n> {
    values: [Option<&'n Node>; 18],
}

impl<'n> Top<'n> {
    /// The job's keys, except those of the entries `skip` marks (by index), which
    /// read as absent (tests: the oracle of [`Top::both`]).
    #[cfg(test)]
    fn of(job: &'n Node, skip: &[bool]) -> Self {
        let mut values = [None; 18];
        let mut seen = [false; 18];
        for (i, e) in job.as_map().unwrap_or(&[]).iter().enumerate() {
            if let Some(slot) = e.key.as_str().and_then(top_index) {
                if let (Some(seen), Some(value)) = (seen.get_mut(slot), values.get_mut(slot)) {
                    if !*seen {
                        *seen = true;
                        if !skip.get(i).copied().unwrap_or(false) {
                            *value = Some(&e.value);
                        }
                    }
                }
            }
        }
        Top { values }
    }
    /// [`Top::of`] the job with no entry skipped, and with `skip`'s, in one pass.
    fn both(job: &'n Node, skip: &[bool]) -> (Self, Self) {
        let mut all = [None; 18];
        let mut local = [None; 18];
        let mut seen = [false; 18];
        for (i, e) in job.as_map().unwrap_or(&[]).iter().enumerate() {
            if let Some(slot) = e.key.as_str().and_then(top_index) {
                if let (Some(seen), Some(a), Some(l)) =
                    (seen.get_mut(slot), all.get_mut(slot), local.get_mut(slot))
                {
                    if !*seen {
                        *seen = true;
                        *a = Some(&e.value);
                        if !skip.get(i).copied().unwrap_or(false) {
                            *l = Some(&e.value);
                        }
                    }
                }
            }
        }
        (Top { values: all }, Top { values: local })
    }
    /// One key's value alone.
    fn one(key: &str, value: &'n Node) -> Self {
        let mut values = [None; 18];
        if let Some(slot) = top_index(key).and_then(|i| values.get_mut(i)) {
            *slot = Some(value);
        }
        Top { values }
    }
    /// The value of a [`top_index`] key (none for any other key).
    fn get(&self, key: &str) -> Option<&'n Node> {
        self.values.get(top_index(key)?).copied().flatten()
    }
    /// The node at a `key:sub` path (the keys split at `:` by a byte loop: these
    /// paths are short, and `str::split` costs more than the lookups).
    fn at(&self, path: &str) -> Option<&'n Node> {
        let (first, mut rest) = split_key(path);
        let mut n = self.get(first)?;
        while let Some(r) = rest {
            let (k, tail) = split_key(r);
            n = n.get(k)?;
            rest = tail;
        }
        Some(n)
    }
}

/// `path` up to its first `:`, and what follows it.
fn split_key(path: &str) -> (&str, Option<&str>) {
    match path.bytes().position(|b| b == b':') {
        Some(i) => (
            path.get(..i).unwrap_or(path),
            Some(path.get(i + 1..).unwrap_or("")),
        ),
        None => (path, None),
    }
}

/// What this module checks, on one merged job (spans still encoded). The entries
/// `skip` marks (by index) are left out of the checks that read one key alone:
/// those are known to find nothing there ([`entry_clean`]).
pub(super) fn check_job(
    name: &str,
    job: &Node,
    skip: &[bool],
    exprs: &mut Expressions,
    out: &mut Vec<Issue>,
) {
    let (all, local) = Top::both(job, skip);
    check_top(Owner::Job(name), &local, Some(&all), exprs, out);
}

/// Whether the checks of [`check_job`] that read one key alone find nothing in
/// this top-level entry of a job, whatever the job (its name is only in messages).
pub(super) fn entry_clean(key: &str, value: &Node, exprs: &mut Expressions) -> bool {
    let mut out = vec![];
    check_top(
        Owner::Text(""),
        &Top::one(key, value),
        None,
        exprs,
        &mut out,
    );
    out.is_empty()
}

/// The checks of a job: those that read one key alone on `top`, those between
/// keys on `all` (none when it is `None`), in one order.
fn check_top(
    owner: Owner<'_>,
    top: &Top<'_>,
    all: Option<&Top<'_>>,
    exprs: &mut Expressions,
    out: &mut Vec<Issue>,
) {
    let not_string = |path: &str, n: &Node, out: &mut Vec<Issue>| {
        if let Some(v) = not_a_string(n) {
            out.push((
                n.span,
                format!("`{path}` of {owner} must be a string; `{v}` is read as a number or a boolean (quote it)"),
            ));
        }
    };
    // Most of these keys are absent: their slots, found once, say so without
    // reading the paths.
    type Slots = Vec<Option<usize>>;
    static SLOTS: std::sync::LazyLock<(Slots, Slots)> = std::sync::LazyLock::new(|| {
        let slots = |paths: &[&str]| -> Vec<Option<usize>> {
            paths.iter().map(|p| top_index(split_key(p).0)).collect()
        };
        (slots(STRINGS), slots(STRING_ITEMS))
    });
    let present = |slot: &Option<usize>| slot.and_then(|i| top.values.get(i)?.as_ref()).is_some();
    for (path, _) in STRINGS.iter().zip(&SLOTS.0).filter(|(_, s)| present(s)) {
        if let Some(n) = top.at(path) {
            not_string(path, n, out);
        }
    }
    for (path, _) in STRING_ITEMS
        .iter()
        .zip(&SLOTS.1)
        .filter(|(_, s)| present(s))
    {
        if let Some(n) = top.at(path).filter(|n| n.as_seq().is_some()) {
            for i in flattened(n) {
                not_string(path, i, out);
            }
        }
    }
    let caches: Vec<&Node> = match top.get("cache") {
        Some(c) if c.as_seq().is_some() => flattened(c),
        Some(c) => vec![c],
        None => vec![],
    };
    for c in caches {
        if let Some(k) = c.get("key") {
            not_string("cache:key", k, out);
        }
        if let Some(p) = c.get("paths").filter(|p| p.as_seq().is_some()) {
            for i in flattened(p) {
                not_string("cache:paths", i, out);
            }
        }
    }
    // Durations.
    let rules: Vec<&Node> = top.get("rules").map(flattened).unwrap_or_default();
    if let Some(t) = top.get("timeout") {
        check_duration(
            out,
            owner,
            "timeout",
            t,
            false,
            Some((2_629_746.0, "at most a month")),
        );
    }
    if let Some(s) = top.get("start_in") {
        check_duration(
            out,
            owner,
            "start_in",
            s,
            false,
            Some((WEEK, "at most a week")),
        );
    }
    for r in &rules {
        if let Some(s) = r.get("start_in") {
            check_duration(
                out,
                owner,
                "rules:start_in",
                s,
                false,
                Some((WEEK, "at most a week")),
            );
        }
        if r.as_map().is_some() {
            check_if(out, owner, r, exprs);
        }
    }
    if let Some(e) = top.at("artifacts:expire_in") {
        check_duration(out, owner, "artifacts:expire_in", e, true, None);
    }
    if let Some(e) = top.at("environment:auto_stop_in") {
        check_duration(out, owner, "environment:auto_stop_in", e, true, None);
    }
    // `when: delayed` and `start_in` on the job itself (between keys).
    if let Some(all) = all {
        let when = all.get("when");
        let when_text = when.and_then(Node::as_str);
        let judged_when = when.is_none_or(|w| !unjudged(w));
        let delayed = when_text == Some("delayed");
        if judged_when {
            match (delayed, all.get("start_in")) {
                (true, None) if all.get("rules").is_none() => {
                    if let Some(w) = when {
                        out.push((
                            w.span,
                            format!("{owner} has `when: delayed` without `start_in`"),
                        ));
                    }
                }
                (false, Some(s)) => out.push((
                    s.span,
                    format!("`start_in` of {owner} needs `when: delayed`"),
                )),
                _ => {}
            }
        }
        if let (Some(s), Some(_)) = (all.get("start_in"), all.get("rules")) {
            if delayed {
                out.push((
                    s.span,
                    format!(
                        "`start_in` of {owner} cannot be used with `rules:` (set it in the rule)"
                    ),
                ));
            }
        }
    }
    // Environment names.
    let env = top.get("environment");
    let env_name = match env.map(|e| &e.kind) {
        Some(NodeKind::Scalar { .. }) => env,
        Some(NodeKind::Map(_)) => env.and_then(|e| e.get("name")),
        _ => None,
    };
    if let Some(n) =
        env_name.filter(|n| !n.is_null() && !n.as_str().is_some_and(super::keywords::has_inputs))
    {
        if let Some(text) = n.as_str().filter(|t| !environment_name_ok(t)) {
            out.push((
                n.span,
                format!("environment name `{text}` of {owner} can contain only letters, digits, `-`, `_`, `/`, `$`, `{{`, `}}`, `.` and spaces, and cannot start or end with `/`"),
            ));
        }
    }
    // Keys that make another kind of job (between keys).
    if let Some(all) = all {
        if let (Some(_), Some(t)) = (all.get("script"), all.get("trigger")) {
            out.push((
                t.span,
                format!("{owner} has both `script` and `trigger`: GitLab reads it as a script job, where `trigger` is an unknown key"),
            ));
        }
        if let (Some(_), Some(r)) = (all.get("script"), all.get("run")) {
            out.push((
                r.span,
                format!("{owner} has both `script` and `run`; GitLab takes one or the other"),
            ));
        }
    }
    // Limits.
    if let Some(needs) = top.get("needs").filter(|n| n.as_seq().is_some()) {
        let count = flattened(needs).len();
        if count > MAX_NEEDS {
            out.push((
                needs.span,
                format!("{owner} needs {count} jobs; GitLab allows at most {MAX_NEEDS} (its default `ci_needs_size_limit`)"),
            ));
        }
    }
    if let Some(inc) = top.at("trigger:include") {
        if !unjudged(inc) {
            let count = match inc.kind {
                NodeKind::Seq(_) => flattened(inc).len(),
                _ => 1,
            };
            if count > MAX_TRIGGER_INCLUDES {
                out.push((
                    inc.span,
                    format!("`trigger:include` of {owner} names {count} files; GitLab allows at most {MAX_TRIGGER_INCLUDES}"),
                ));
            }
            check_include(inc, "trigger:include", exprs, out);
        }
    }
}

/// `workflow:rules:if` expressions (spans still encoded).
pub(super) fn check_workflow(workflow: &Node, exprs: &mut Expressions, out: &mut Vec<Issue>) {
    for r in workflow.get("rules").map(flattened).unwrap_or_default() {
        if r.as_map().is_some() {
            check_if(out, Owner::Text("`workflow`"), r, exprs);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Top` finds what `Node::get` finds, for the keys it has slots for (nothing
    /// for any other key); every path this module reads starts with a slotted key.
    /// A skipped entry reads as absent, and its key does not fall through to a
    /// later entry of the same key.
    #[test]
    fn top_reads_what_get_reads() {
        let job = pipewise_yaml::Document::parse(
            "stage: a\nstage: b\nrules: [{if: $X}]\nfoo: 1\nenvironment: {name: x}\n".to_string(),
        )
        .expect("test YAML parses")
        .root
        .clone();
        let top = Top::of(&job, &[]);
        for k in ["stage", "rules", "when", "environment"] {
            assert_eq!(top.get(k), job.get(k), "{k}");
        }
        for k in ["foo", "nope"] {
            assert_eq!(top.get(k), None, "{k}");
        }
        let entries = job.as_map().expect("a mapping");
        let at = |k: &str| {
            entries
                .iter()
                .position(|e| e.key.as_str() == Some(k))
                .expect("the key")
        };
        let mut skip = vec![false; entries.len()];
        skip[at("stage")] = true;
        skip[at("environment")] = true;
        let skipped = Top::of(&job, &skip);
        assert_eq!(skipped.get("stage"), None);
        assert_eq!(skipped.get("environment"), None);
        assert_eq!(skipped.get("rules"), job.get("rules"));
        // A later entry of a key is never read, skipped or not.
        let mut later = vec![false; entries.len()];
        later[at("stage") + 1] = true;
        assert_eq!(Top::of(&job, &later).get("stage"), job.get("stage"));
        // Both at once (what `check_job` reads): the same slots, the same nodes.
        let ptrs = |t: &Top| t.values.map(|v| v.map(std::ptr::from_ref));
        for s in [&[][..], &skip, &later] {
            let (all, local) = Top::both(&job, s);
            assert_eq!(ptrs(&all), ptrs(&Top::of(&job, &[])));
            assert_eq!(ptrs(&local), ptrs(&Top::of(&job, s)));
        }
        let one = Top::one("environment", job.get("environment").expect("environment"));
        assert_eq!(one.at("environment:name"), top.at("environment:name"));
        assert_eq!(one.get("stage"), None);
        assert_eq!(
            top.at("environment:name"),
            job.get("environment").and_then(|e| e.get("name"))
        );
        // Paths split as `str::split(':')` splits them.
        for path in ["a", "a:b", "a:b:c", ":", "a:", ":b", "", "a::b", "é:ü"] {
            let want: Vec<&str> = path.split(':').collect();
            let mut got = vec![];
            let mut rest = Some(path);
            while let Some(r) = rest {
                let (k, tail) = split_key(r);
                got.push(k);
                rest = tail;
            }
            assert_eq!(got, want, "{path}");
        }
        let mut slots = std::collections::HashMap::new();
        for path in STRINGS.iter().chain(STRING_ITEMS).chain(&[
            "cache",
            "rules",
            "timeout",
            "start_in",
            "artifacts:expire_in",
            "environment:auto_stop_in",
            "when",
            "script",
            "trigger",
            "run",
            "needs",
            "trigger:include",
        ]) {
            let first = path.split(':').next().unwrap_or("");
            let slot = top_index(first);
            assert!(slot.is_some(), "{path}");
            // One slot per key.
            let owner = slots.entry(slot).or_insert(first);
            assert_eq!(*owner, first, "{path}");
        }
        assert_eq!(slots.len(), 18);
    }

    #[test]
    fn durations_read_as_chronic_duration_does() {
        for (text, secs) in [
            ("1h 30m", 5400.0),
            ("2h20min", 8400.0),
            ("3 weeks and 2 days", 3.0 * WEEK + 2.0 * DAY),
            ("30", 30.0),
            ("1 week", WEEK),
            ("47 yrs 6 mos and 4d", 47.0 * YEAR + 6.0 * MONTH + 4.0 * DAY),
            ("day", DAY),
            ("1.5 hours", 5400.0),
            ("10 Minutes", 600.0),
        ] {
            assert_eq!(duration(text), Duration::Seconds(secs), "{text}");
        }
        for text in ["one hour", "1:30", "1-day"] {
            assert_eq!(duration(text), Duration::Valid, "{text}");
        }
        assert_eq!(
            duration("1 fortnight"),
            Duration::BadWord("fortnight".into())
        );
        assert_eq!(duration("30 minuts"), Duration::BadWord("minuts".into()));
        assert_eq!(duration("never"), Duration::BadWord("never".into()));
        assert_eq!(duration(""), Duration::Empty);
    }

    #[test]
    fn expressions_as_gitlab_lexes_and_parses_them() {
        for ok in [
            "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH",
            "$CI_PIPELINE_SOURCE == \"merge_request_event\"",
            "$CI_COMMIT_TAG =~ /^v\\d+\\.\\d+/",
            "$CI_COMMIT_TAG",
            "($A == 'x' || $B) && $C != null",
            "$A =~ /a\\/b/i && $B !~ /^release-.*$/",
            "$FLAG == true",
            "  $A\n  && $B ",
        ] {
            assert_eq!(expression_error(ok), None, "{ok}");
        }
        for bad in [
            "$CI_COMMIT_BRANCH == main",
            "$A ==",
            "$A $B",
            "($A == 'x'",
            "$A == 'x')",
            "$A == \"x",
            "$A =~ /x",
            "${A} == 'x'",
            "$A = 'x'",
            "",
        ] {
            assert!(expression_error(bad).is_some(), "{bad}");
        }
        let many = vec!["$A"; 51].join(" && ");
        assert!(expression_error(&many).is_some());
        let fifty = vec!["$A"; 50].join(" && ");
        assert_eq!(expression_error(&fifty), None);
    }

    #[test]
    fn environment_names_and_yaml_paths() {
        for ok in [
            "production",
            "review/$CI_COMMIT_REF_SLUG",
            "a.b-c_d ${X}",
            "x",
        ] {
            assert!(environment_name_ok(ok), "{ok}");
        }
        for bad in ["prod:eu", "/prod", "prod/", "prod@1", "é", ""] {
            assert!(!environment_name_ok(bad), "{bad}");
        }
        for ok in ["a.yml", "/ci/*.YAML", "$X", "templates/x.gitlab-ci.yml"] {
            assert!(yaml_path_ok(ok), "{ok}");
        }
        for bad in [".yml", "ci/jobs", "x.yml.txt", "x.json"] {
            assert!(!yaml_path_ok(bad), "{bad}");
        }
    }

    #[test]
    fn numbers_and_booleans_are_not_strings() {
        let plain = |v: &str| Node {
            kind: NodeKind::Scalar {
                value: v.into(),
                style: Style::Plain,
            },
            span: crate::finding::Span::new(0, 0),
        };
        for v in ["100", "-1", "1.5", ".5", "true", "No", "on", "1_000"] {
            assert!(not_a_string(&plain(v)).is_some(), "{v}");
        }
        for v in ["make", "1.2.3", "v1", "echo 1", "", "inf", "-", "1."] {
            assert!(not_a_string(&plain(v)).is_none(), "{v}");
        }
    }
}
