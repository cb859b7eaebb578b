//! What a shell value can contain, from what its commands do: whether the text a
//! command substitution prints is provably a number or the script's own constant
//! (`$(( … ))`, `${#x}`, `$(wc -l < f)`, `$(date +%s)`, `$(nproc)`, a pipeline that
//! ends in `grep -Eo '[0-9]+'` or `tr -dc 0-9`, `$(cat f)` of a file only such
//! commands wrote earlier in the script). Rules use it to tell a computed number
//! written to `$GITHUB_ENV` from data that may carry a newline and a variable of its
//! own. Anything not proven is "may carry anything".

use super::{Command, Script};
use std::cell::Cell;

/// Recursion limit (substitutions in substitutions, files read back, variables).
const MAX_DEPTH: u8 = 6;
/// Work limit per question: hostile scripts with many writers of many files stop here
/// (unproven) instead of growing the walk.
const MAX_STEPS: u32 = 2_000;

/// Commands whose output is digits (and blanks) whatever they read.
const NUMERIC: &[&str] = &["wc", "nproc", "getconf"];
/// Filters whose output holds only characters of their input (lines, fields, order).
const PASS_THROUGH: &[&str] = &["head", "tail", "sort", "uniq", "cut", "rev", "tac"];
/// Runner and shell variables that are numbers.
const NUMERIC_VARS: &[&str] = &[
    "RANDOM",
    "SECONDS",
    "LINENO",
    "EPOCHSECONDS",
    "GITHUB_RUN_NUMBER",
    "GITHUB_RUN_ID",
    "GITHUB_RUN_ATTEMPT",
    "?",
    "#",
    "$",
    "!",
];

struct Proof<'a> {
    script: &'a Script,
    text: &'a str,
    steps: Cell<u32>,
}

impl Script {
    /// Whether every command substitution (`$(…)`, backticks, `$((…))`) in `part`, a
    /// piece of this script's source `text` at byte `base`, is proven to print a number
    /// or the script's own constant text. Plain `$VAR` references outside
    /// substitutions are not judged (callers follow them separately). A part with no
    /// substitution is trivially inert.
    pub fn substitutions_inert(&self, text: &str, part: &str, base: usize) -> bool {
        let p = Proof {
            script: self,
            text,
            steps: Cell::new(0),
        };
        p.subs_inert(part, base, 0, false)
    }

    /// Whether the file `name`, read at byte `before` of this script's source `text`,
    /// was written earlier in the script, and only by commands that print a number or
    /// constant text (`wc -l < list > n.txt`).
    pub fn file_inert(&self, text: &str, name: &str, before: usize) -> bool {
        let p = Proof {
            script: self,
            text,
            steps: Cell::new(0),
        };
        p.file_inert(name, before, 0)
    }
}

impl Proof<'_> {
    fn tick(&self, depth: u8) -> bool {
        let n = self.steps.get() + 1;
        self.steps.set(n);
        depth <= MAX_DEPTH && n <= MAX_STEPS
    }

    /// Every substitution in `part` prints a number or constant; with `vars`, every
    /// `$VAR` in it too (an argument of `echo` inside a substitution).
    fn subs_inert(&self, part: &str, base: usize, depth: u8, vars: bool) -> bool {
        if !self.tick(depth) {
            return false;
        }
        let b = part.as_bytes();
        let mut i = 0;
        let mut single = false;
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'\'' if vars => {
                    single = !single;
                    i += 1;
                }
                _ if single => i += 1,
                b'`' => {
                    let Some(len) = part[i + 1..].find('`') else {
                        return false;
                    };
                    let inner = &part[i + 1..i + 1 + len];
                    if !self.output_inert(inner, base + i + 1, depth + 1) {
                        return false;
                    }
                    i += len + 2;
                }
                b'$' if b.get(i + 1) == Some(&b'(') && b.get(i + 2) == Some(&b'(') => {
                    // Arithmetic: the result is a number, whatever runs inside.
                    let Some(end) = closing(part, i + 1) else {
                        return false;
                    };
                    i = end + 1;
                }
                b'$' if b.get(i + 1) == Some(&b'(') => {
                    let Some(end) = closing(part, i + 1) else {
                        return false;
                    };
                    if !self.output_inert(&part[i + 2..end], base + i + 2, depth + 1) {
                        return false;
                    }
                    i = end + 1;
                }
                b'$' if vars => {
                    let rest = &part[i + 1..];
                    if let Some(r) = rest.strip_prefix("{#") {
                        // `${#x}`: a length.
                        let Some(end) = r.find('}') else {
                            return false;
                        };
                        i += 3 + end + 1;
                        continue;
                    }
                    let (name, len) = match rest.strip_prefix('{') {
                        Some(r) => {
                            let Some(end) = r.find('}') else {
                                return false;
                            };
                            (&r[..end], end + 2)
                        }
                        None => {
                            let n = rest
                                .bytes()
                                .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                                .count();
                            match n {
                                0 if rest.starts_with(['?', '#', '$', '!']) => (&rest[..1], 1),
                                0 => {
                                    i += 1;
                                    continue;
                                }
                                n => (&rest[..n], n),
                            }
                        }
                    };
                    if !self.var_inert(name, base + i, depth + 1) {
                        return false;
                    }
                    i += 1 + len;
                }
                _ => i += 1,
            }
        }
        true
    }

    /// A variable is a number or constant: a numeric runner/shell variable, or its
    /// last assignment before `at` is.
    fn var_inert(&self, name: &str, at: usize, depth: u8) -> bool {
        if NUMERIC_VARS.contains(&name) {
            return true;
        }
        if !name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
            return false;
        }
        let Some(a) = self.script.assignment_before(self.text, name, at) else {
            return false;
        };
        if a.in_substitution {
            return false;
        }
        let value = self.text.get(a.span.start..a.span.end).unwrap_or("$");
        self.subs_inert(value, a.span.start, depth + 1, true)
    }

    /// What the commands of `inner` (the source of a substitution at byte `base`) print
    /// is a number or constant: every pipeline whose output is not redirected ends in
    /// a numeric command, or in pass-through filters of one.
    fn output_inert(&self, inner: &str, base: usize, depth: u8) -> bool {
        if !self.tick(depth) {
            return false;
        }
        let s = Script::parse(inner);
        if s.has_errors || s.commands.is_empty() {
            return false;
        }
        for (li, list) in s.lists.iter().enumerate() {
            for (ii, item) in list.items.iter().enumerate() {
                let Some(&last) = item.commands.last() else {
                    continue;
                };
                let Some(c) = s.commands.get(last) else {
                    return false;
                };
                // Nested substitutions print into their own words, not here.
                if c.in_substitution || redirects_stdout(c) {
                    continue;
                }
                let end = item.commands.len() - 1;
                if !self.pipeline_inert(&s, inner, base, (li, ii), end, depth + 1) {
                    return false;
                }
            }
        }
        true
    }

    /// The output of command `end` (an index into the commands of item `at` of a list
    /// of `script`, whose source `src` is at byte `base` of the outer text) is a number
    /// or constant: it prints one, or it filters the output of earlier commands of the
    /// same pipeline (or files) that do. Items holding a compound command (commands of
    /// other lists) are not judged.
    fn pipeline_inert(
        &self,
        script: &Script,
        src: &str,
        base: usize,
        at: (usize, usize),
        end: usize,
        depth: u8,
    ) -> bool {
        let Some(item) = script.lists.get(at.0).and_then(|l| l.items.get(at.1)) else {
            return false;
        };
        let cmds: Vec<&Command> = item
            .commands
            .iter()
            .filter_map(|&i| script.commands.get(i))
            .collect();
        if cmds.len() != item.commands.len() || cmds.iter().any(|c| (c.list, c.item) != at) {
            return false;
        }
        let mut k = end;
        loop {
            if !self.tick(depth) {
                return false;
            }
            let Some(c) = cmds.get(k) else {
                return false;
            };
            match self.command_output(c, src, base, depth) {
                Output::Inert => return true,
                Output::Unknown => return false,
                Output::Input(files) => {
                    // A filter: its files, else what comes down the pipe.
                    let at = base + c.span.start;
                    let stdin = c.redirects.iter().filter(|r| r.op == "<");
                    let mut read = files
                        .iter()
                        .copied()
                        .chain(stdin.map(|r| r.target.as_str()))
                        .peekable();
                    if read.peek().is_some() {
                        return read.all(|f| self.file_inert(f, at, depth + 1));
                    }
                    if k == 0 {
                        return false;
                    }
                    k -= 1;
                }
            }
        }
    }

    /// The file `name` was written before `before` only by numeric or constant
    /// commands (at least one).
    fn file_inert(&self, name: &str, before: usize, depth: u8) -> bool {
        if !self.tick(depth) || name.contains(['$', '`']) {
            return false;
        }
        let mut writers = 0;
        for (ci, c) in self.script.commands.iter().enumerate() {
            if c.span.start >= before || c.in_substitution {
                continue;
            }
            let redirect = c
                .redirects
                .iter()
                .any(|r| (r.op == ">" || r.op == ">>" || r.op == ">|") && r.target == name);
            let tee = c.base_name() == "tee" && c.args().iter().any(|w| w.text == name);
            if !redirect && !tee {
                continue;
            }
            writers += 1;
            let end = self
                .script
                .lists
                .get(c.list)
                .and_then(|l| l.items.get(c.item))
                .and_then(|it| it.commands.iter().position(|&i| i == ci));
            let Some(end) = end else {
                return false;
            };
            if !self.pipeline_inert(self.script, self.text, 0, (c.list, c.item), end, depth + 1) {
                return false;
            }
        }
        writers > 0
    }

    /// What command `c` prints, from what it does.
    fn command_output<'c>(&self, c: &'c Command, src: &str, base: usize, depth: u8) -> Output<'c> {
        let name = c.base_name();
        let args = c.args();
        let literal = |from: usize| args.iter().skip(from).all(|w| !w.dynamic);
        match name {
            _ if NUMERIC.contains(&name) && literal(0) => Output::Inert,
            // Without a dynamic format or a file of dates to read.
            "date"
                if literal(0)
                    && !args
                        .iter()
                        .any(|w| w.text == "-f" || w.text.starts_with("--file")) =>
            {
                Output::Inert
            }
            "echo" | "printf" => {
                let all = args.iter().all(|w| {
                    !w.dynamic || {
                        let at = base + w.span.start;
                        let raw = src.get(w.span.start..w.span.end).unwrap_or("$");
                        self.subs_inert(raw, at, depth + 1, true)
                    }
                });
                if all {
                    Output::Inert
                } else {
                    Output::Unknown
                }
            }
            "grep" | "egrep" => grep_output(c),
            "tr" => tr_output(c),
            "cat" if literal(0) && args.iter().all(|w| !w.text.starts_with('-')) => {
                Output::Input(args.iter().map(|w| w.text.as_str()).collect())
            }
            _ if PASS_THROUGH.contains(&name) && literal(0) => Output::Input(
                operands(c)
                    .into_iter()
                    .filter(|w| !w.starts_with('-'))
                    .collect(),
            ),
            _ => Output::Unknown,
        }
    }
}

/// What a command prints.
enum Output<'c> {
    /// A number or the script's constant text, whatever it reads.
    Inert,
    /// Only characters of what it reads: these files, or its standard input.
    Input(Vec<&'c str>),
    Unknown,
}

/// The non-option words of a pass-through filter (options that take a value, such as
/// `head -n 1` and `cut -d ' ' -f 1`, are skipped with their value).
fn operands(c: &Command) -> Vec<&str> {
    let mut out = vec![];
    let mut skip = false;
    for w in c.args() {
        let t = w.text.as_str();
        if skip {
            skip = false;
        } else if matches!(t, "-n" | "-c" | "-d" | "-f" | "-k" | "-t") {
            skip = true;
        } else if !t.starts_with('-') {
            out.push(t);
        }
    }
    out
}

/// `grep -c` counts; `grep -o` with a pattern of digits only prints digits. Reading
/// standard input or one literal file (more files prefix each line with its name).
fn grep_output(c: &Command) -> Output<'_> {
    let mut count = false;
    let mut only = false;
    let mut names = false;
    let mut pattern: Option<&str> = None;
    let mut files = 0;
    let mut expect_pattern = false;
    for w in c.args() {
        let t = w.text.as_str();
        if expect_pattern {
            pattern = Some(t);
            expect_pattern = false;
        } else if t == "-e" || t == "--regexp" {
            expect_pattern = true;
        } else if let Some(flags) = t.strip_prefix('-').filter(|f| !f.starts_with('-')) {
            count |= flags.contains('c');
            only |= flags.contains('o');
            names |= flags.contains('H');
        } else if t == "--count" {
            count = true;
        } else if t == "--only-matching" {
            only = true;
        } else if t.starts_with("--") {
            // Another long option: not judged.
            return Output::Unknown;
        } else if pattern.is_none() {
            pattern = Some(t);
        } else {
            if w.dynamic {
                return Output::Unknown;
            }
            files += 1;
        }
    }
    if names || files > 1 {
        return Output::Unknown;
    }
    if count || (only && pattern.is_some_and(digits_only_pattern)) {
        Output::Inert
    } else {
        Output::Unknown
    }
}

/// A regular expression that matches only digits: `[0-9]+`, `[0-9]*`, `[[:digit:]]+`,
/// `\d+`, `[0-9][0-9]*`.
fn digits_only_pattern(p: &str) -> bool {
    let mut rest = p;
    let mut atoms = 0;
    while !rest.is_empty() {
        let atom = ["[0-9]", "[[:digit:]]", "\\d"]
            .into_iter()
            .find(|a| rest.starts_with(a));
        let Some(a) = atom else {
            return false;
        };
        rest = &rest[a.len()..];
        atoms += 1;
        for q in ["\\+", "+", "*"] {
            if let Some(r) = rest.strip_prefix(q) {
                rest = r;
                break;
            }
        }
    }
    atoms > 0
}

/// `tr -dc 0-9` (delete the complement of digits) prints digits only; `tr -d …`
/// (delete) keeps a subset of its input.
fn tr_output(c: &Command) -> Output<'_> {
    let args = c.args();
    let flags: String = args
        .iter()
        .take_while(|w| w.text.starts_with('-'))
        .map(|w| w.text.trim_start_matches('-'))
        .collect();
    let sets: Vec<&str> = args
        .iter()
        .skip_while(|w| w.text.starts_with('-'))
        .map(|w| w.text.as_str())
        .collect();
    if args.iter().any(|w| w.dynamic) || !flags.contains('d') || sets.len() != 1 {
        return Output::Unknown;
    }
    let complement = flags.contains('c') || flags.contains('C');
    if !complement {
        return Output::Input(vec![]);
    }
    if ["0-9", "[:digit:]", "[0-9]"].contains(&sets[0]) {
        Output::Inert
    } else {
        Output::Unknown
    }
}

/// Output goes to a file rather than to the substitution.
fn redirects_stdout(c: &Command) -> bool {
    c.redirects
        .iter()
        .any(|r| matches!(r.op.as_str(), ">" | ">>" | ">|" | "1>" | "&>") && r.target != "&2")
}

/// The index of the `)` that closes the `(` at byte `open` of `s` (quotes and nested
/// parentheses respected, approximately).
fn closing(s: &str, open: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    let mut single = false;
    while i < b.len() {
        match b[i] {
            b'\\' if !single => i += 1,
            b'\'' => single = !single,
            b'(' if !single => depth += 1,
            b')' if !single => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inert(src: &str, part: &str) -> bool {
        let s = Script::parse(src);
        let base = src.rfind(part).expect("part in src");
        s.substitutions_inert(src, part, base)
    }

    #[test]
    fn numbers_are_proven() {
        for (src, part) in [
            ("echo \"N=$(wc -l < files.txt)\"", "N=$(wc -l < files.txt)"),
            ("echo \"T=$(date +%s)\"", "T=$(date +%s)"),
            ("echo \"J=$(nproc)\"", "J=$(nproc)"),
            ("echo \"S=$(( 1 + $(cat x) ))\"", "S=$(( 1 + $(cat x) ))"),
            ("echo \"L=$(echo ${#TITLE})\"", "L=$(echo ${#TITLE})"),
            (
                "echo \"P=$(echo \"$TITLE\" | grep -Eo '[0-9]+' | head -n 1)\"",
                "P=$(echo \"$TITLE\" | grep -Eo '[0-9]+' | head -n 1)",
            ),
            (
                "echo \"N=$(cat pr/n | tr -dc '0-9')\"",
                "N=$(cat pr/n | tr -dc '0-9')",
            ),
            (
                "wc -l < list > n.txt\necho \"N=$(cat n.txt)\"",
                "N=$(cat n.txt)",
            ),
            (
                "grep -c x f > n.txt\necho \"N=`cat n.txt`\"",
                "N=`cat n.txt`",
            ),
            ("X=$(( 2 * 3 ))\necho \"N=$(echo $X)\"", "N=$(echo $X)"),
            (
                "echo \"R=$(echo $GITHUB_RUN_NUMBER-1)\"",
                "R=$(echo $GITHUB_RUN_NUMBER-1)",
            ),
            ("echo plain", "plain"),
        ] {
            assert!(inert(src, part), "{src}");
        }
    }

    #[test]
    fn data_is_not_proven() {
        for (src, part) in [
            (
                "echo \"V=$(cat pr/version.txt)\"",
                "V=$(cat pr/version.txt)",
            ),
            (
                "echo \"V=$(cat pr/n | tr -d ' ')\"",
                "V=$(cat pr/n | tr -d ' ')",
            ),
            (
                "echo \"V=$(grep -o '[a-z0-9]+' f)\"",
                "V=$(grep -o '[a-z0-9]+' f)",
            ),
            ("echo \"V=$(echo $TITLE)\"", "V=$(echo $TITLE)"),
            ("echo \"V=$(date -f dates)\"", "V=$(date -f dates)"),
            ("echo \"V=$(wc -l $F)\"", "V=$(wc -l $F)"),
            (
                "echo \"V=$(git log -1 --format=%s)\"",
                "V=$(git log -1 --format=%s)",
            ),
            (
                "gh issue list --jq '.[0].number' > n.txt\necho \"N=$(cat n.txt)\"",
                "N=$(cat n.txt)",
            ),
            (
                "wc -l < a > n.txt\ncurl -s x >> n.txt\necho \"N=$(cat n.txt)\"",
                "N=$(cat n.txt)",
            ),
            (
                "echo \"N=$(cat n.txt)\"\nwc -l < a > n.txt",
                "N=$(cat n.txt)",
            ),
            ("echo \"V=$(head -n 1)\"", "V=$(head -n 1)"),
            ("echo \"V=$(", "V=$("),
        ] {
            assert!(!inert(src, part), "{src}");
        }
    }

    #[test]
    fn hostile_chains_stay_bounded() {
        let mut src = String::new();
        for i in 0..300 {
            src.push_str(&format!("cat f{} f{} > f{}\n", i, i, i + 1));
        }
        src.push_str("echo \"N=$(cat f300)\"");
        assert!(!inert(&src, "N=$(cat f300)"));
    }
}
