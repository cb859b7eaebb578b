//! Which of a fixed list of keywords occur in a short text, found in one pass.
//!
//! Classifiers such as [`crate::intent::step_role`] ask a dozen or more
//! `name.contains("…")` questions of every step name or script name; on the corpus
//! that was several percent of the audit. A [`Keywords`] list is compiled once into an
//! Aho-Corasick automaton; [`Keywords::find`] scans the text once and answers every
//! `has("…")` from the (usually empty) list of hits.

use std::sync::OnceLock;

/// Every phrase that rules look for in a step's lower-cased text (`Step::haystack`),
/// found once per step by [`crate::workflow::Step::phrases`]: the permission and OIDC
/// checks of `scopes.rs` and the load-test check of `missing-timeout`. A rule that
/// asks a step's text for a new phrase adds it here.
pub static STEP_PHRASES: Keywords = Keywords::new(&[
    "--key",
    "--provenance",
    "--token",
    "/deployments",
    "actions_id_token_request",
    "artillery",
    "cargo publish",
    "changeset publish",
    "cosign attest",
    "cosign sign",
    "credential broker",
    "getidtoken",
    "gh attestation",
    "gh issue close",
    "gh issue comment",
    "gh issue edit",
    "gh pr comment",
    "gh pr edit",
    "gh pr merge",
    "gh pr review",
    "gh release create",
    "gh release edit",
    "gh release upload",
    "ghcr.io",
    "git push",
    "id-token",
    "issues.addlabels",
    "issues.createcomment",
    "k6 ",
    "load test",
    "load-test",
    "locust",
    "npm publish",
    "oidc",
    "pnpm publish",
    "pulls.createreview",
    "pulls.update",
    "push",
    "trusted",
    "trusted publish",
    "twine upload",
    "uv publish",
    "yarn npm publish",
]);

/// Whether `text` contains `needle`, ignoring ASCII case (for short texts and
/// needles: context names in expressions, `with:` values).
#[inline]
pub fn contains_ignore_ascii_case(text: &str, needle: &str) -> bool {
    let (t, n) = (text.as_bytes(), needle.as_bytes());
    let Some(&first) = n.first() else {
        return true;
    };
    let Some(last) = t.len().checked_sub(n.len()) else {
        return false;
    };
    // Only where the first byte matches, in either case (found with `memchr2`): the
    // inventory asks every expression of every file for `secrets` and `vars`.
    let (lo, up) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    memchr::memchr2_iter(lo, up, t.get(..=last).unwrap_or(&[])).any(|i| {
        t.get(i..i + n.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(n))
    })
}

/// Where `needle` first occurs in `text` (`text.find(needle)` for a short needle,
/// without building a substring searcher per call: the first byte is found with
/// `memchr`, the rest compared).
pub fn find_literal(text: &str, needle: &str) -> Option<usize> {
    let (t, n) = (text.as_bytes(), needle.as_bytes());
    let Some(&first) = n.first() else {
        return Some(0);
    };
    let last = t.len().checked_sub(n.len())?;
    memchr::memchr_iter(first, t.get(..=last).unwrap_or(&[]))
        .find(|&i| t.get(i..i + n.len()) == Some(n))
}

/// A fixed keyword list and its automata, each built on first use.
pub struct Keywords {
    words: &'static [&'static str],
    /// Which automaton the list compiles to: aho-corasick's choice (a DFA for a
    /// short list), or a contiguous NFA ([`Keywords::few_texts`]).
    kind: Option<aho_corasick::AhoCorasickKind>,
    /// Every match, overlapping ones included: one walk of a short text.
    overlapping: OnceLock<aho_corasick::AhoCorasick>,
    /// The leftmost match from a position, with a vectorised prefilter that skips
    /// text where no keyword starts: a long text is searched from each match's start
    /// plus one, so every position where a keyword starts is visited.
    leftmost: OnceLock<aho_corasick::AhoCorasick>,
}

/// Texts shorter than this take the overlapping walk: below it, the prefilter's
/// set-up and a restart per hit cost more than the walk (measured with callgrind on
/// the corpus: step texts gain, step and script names lose).
const SHORT_TEXT: usize = 128;

/// The keywords found in one text.
#[derive(Debug)]
pub struct Found {
    words: &'static [&'static str],
    hits: Vec<&'static str>,
}

impl Keywords {
    pub const fn new(words: &'static [&'static str]) -> Keywords {
        Keywords {
            words,
            kind: None,
            overlapping: OnceLock::new(),
            leftmost: OnceLock::new(),
        }
    }

    /// A list searched in few or short texts per run: compiled to a contiguous NFA,
    /// which builds in about a quarter of a DFA's instructions and walks a text more
    /// slowly (measured with callgrind: `SCRIPT_KEYWORDS`' DFA cost 3.3 M to build,
    /// its searches 0.4 M on corpus-gitlab).
    pub const fn few_texts(words: &'static [&'static str]) -> Keywords {
        Keywords {
            words,
            kind: Some(aho_corasick::AhoCorasickKind::ContiguousNFA),
            overlapping: OnceLock::new(),
            leftmost: OnceLock::new(),
        }
    }

    /// The automaton of [`Keywords::any_in`] and of short texts: the overlapping one.
    fn automaton(&self) -> &aho_corasick::AhoCorasick {
        self.overlapping.get_or_init(|| {
            aho_corasick::AhoCorasick::builder()
                .kind(self.kind)
                .build(self.words)
                .expect("fixed literal keywords always build")
        })
    }

    /// Whether any keyword occurs in `text` (case-sensitive, as [`Keywords::find`]).
    pub fn any_in(&self, text: &str) -> bool {
        self.automaton().is_match(text)
    }

    /// The keywords, in list order.
    pub fn words(&self) -> &'static [&'static str] {
        self.words
    }

    /// Every keyword that occurs in `text` (case-sensitive: lower-case the text
    /// first when the keywords are lower-case).
    pub fn find(&self, text: &str) -> Found {
        let mut hits = Vec::new();
        if text.len() < SHORT_TEXT {
            for m in self.automaton().find_overlapping_iter(text) {
                if let Some(w) = self.words.get(m.pattern().as_usize()) {
                    if !hits.contains(w) {
                        hits.push(*w);
                    }
                }
            }
        } else {
            // The leftmost match from `from` starts where the first keyword at or
            // after `from` starts; every keyword starting there is one of the hits.
            let ac = self.leftmost.get_or_init(|| {
                aho_corasick::AhoCorasick::builder()
                    .kind(self.kind)
                    .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                    .build(self.words)
                    .expect("fixed literal keywords always build")
            });
            let b = text.as_bytes();
            let mut from = 0;
            while let Some(m) = ac.find(aho_corasick::Input::new(b).range(from..)) {
                let at = b.get(m.start()..).unwrap_or_default();
                for w in self.words {
                    if at.starts_with(w.as_bytes()) && !hits.contains(w) {
                        hits.push(*w);
                    }
                }
                from = m.start() + 1;
            }
        }
        Found {
            words: self.words,
            hits,
        }
    }
}

impl Found {
    /// Whether `keyword` occurs in the text. It must be one of the list's keywords
    /// (checked in debug builds, so a check against a missing keyword cannot silently
    /// answer `false`). Inlined: a call per keyword asked costs more than the search
    /// of a short list.
    #[inline]
    pub fn has(&self, keyword: &str) -> bool {
        debug_assert!(
            self.words.contains(&keyword),
            "`{keyword}` is not in the keyword list"
        );
        self.hits.contains(&keyword)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static K: Keywords = Keywords::new(&["test", "test:int", "release", "prerelease"]);
    /// `K` as a contiguous NFA.
    static K_NFA: Keywords = Keywords::few_texts(&["test", "test:int", "release", "prerelease"]);

    /// A `few_texts` list compiles to the automaton it says (both of them), and
    /// answers as the same list compiled by default.
    #[test]
    fn few_texts_lists_are_contiguous_nfas() {
        let nfa = aho_corasick::AhoCorasickKind::ContiguousNFA;
        assert_eq!(K_NFA.automaton().kind(), nfa);
        assert_ne!(K.automaton().kind(), nfa);
        let long = "x".repeat(SHORT_TEXT) + " test";
        assert_eq!(K_NFA.find(&long).hits, ["test"]);
        assert_eq!(K_NFA.leftmost.get().map(|a| a.kind()), Some(nfa));
        for t in [
            "",
            "npm run test:int",
            "prerelease",
            "deploy",
            long.as_str(),
        ] {
            assert_eq!(K_NFA.any_in(t), K.any_in(t), "{t:?}");
            assert_eq!(K_NFA.find(t).hits, K.find(t).hits, "{t:?}");
        }
    }

    /// The memchr search answers as every window compared would.
    #[test]
    fn contains_ignore_ascii_case_is_the_window_search() {
        let oracle = |t: &str, n: &str| {
            t.as_bytes()
                .windows(n.len())
                .any(|w| w.eq_ignore_ascii_case(n.as_bytes()))
        };
        let texts = [
            "",
            "s",
            "secrets",
            "SECRETS.X",
            "a.Secrets.b",
            "secret",
            "ssecrets",
            "vars",
            "xVaRs",
            "é secrets ü",
            "ses ses secretS",
            "Ss",
            "ssssss",
        ];
        for t in texts {
            for n in ["secrets", "vars", "s", "ss", "S", "é"] {
                assert_eq!(
                    contains_ignore_ascii_case(t, n),
                    oracle(t, n),
                    "{t:?} {n:?}"
                );
            }
        }
    }

    /// The memchr search answers as `str::find`.
    #[test]
    fn find_literal_is_str_find() {
        let texts = [
            "",
            "$",
            "$?",
            "echo $?",
            "a$b$?c${?}",
            "${?}",
            "$[[ inputs.x ]] $[[",
            "é$?ü",
            "]]",
            "]",
            "x]]y]]",
        ];
        for t in texts {
            for n in ["$?", "${?}", "$[[", "]]", "$", "", "é"] {
                assert_eq!(find_literal(t, n), t.find(n), "{t:?} {n:?}");
            }
        }
    }

    #[test]
    fn finds_overlapping_keywords() {
        let f = K.find("npm run test:int && prerelease");
        assert!(f.has("test"));
        assert!(f.has("test:int"));
        assert!(f.has("release"));
        assert!(f.has("prerelease"));
        let f = K.find("deploy");
        assert!(!f.has("test"));
        assert!(!f.has("release"));
    }

    /// Both searches (short texts walk every overlapping match, longer ones restart
    /// the prefiltered leftmost search one byte after each match) find exactly the
    /// keywords `str::contains` finds, at every length around the switch.
    #[test]
    fn finds_what_contains_finds_in_short_and_long_texts() {
        let pieces = [
            "npm run ",
            "test:int",
            " && ",
            "prerelease",
            "é",
            "tes",
            "t",
            "release",
            "x",
            "gh pr ",
            "merge",
            "git push",
            "trusted publish",
            "k6 ",
            "oidc",
            "ü pre",
            "id-token",
            "--token",
            " ",
        ];
        let mut checked = 0;
        for list in [&K, &STEP_PHRASES, &K_NFA] {
            for seed in 0..400usize {
                let mut text = String::new();
                let mut x = seed;
                while text.len() < seed % 300 {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    text.push_str(pieces[(x >> 33) % pieces.len()]);
                }
                let mut want: Vec<&str> = list
                    .words
                    .iter()
                    .copied()
                    .filter(|w| text.contains(w))
                    .collect();
                let found = list.find(&text);
                let mut got = found.hits.clone();
                want.sort_unstable();
                got.sort_unstable();
                assert_eq!(got, want, "{text:?}");
                checked += usize::from(text.len() >= SHORT_TEXT && !want.is_empty());
            }
        }
        assert!(
            checked > 100,
            "the long-text search was exercised ({checked})"
        );
    }

    #[test]
    #[should_panic(expected = "not in the keyword list")]
    #[cfg(debug_assertions)]
    fn unknown_keyword_is_a_bug() {
        let _ = K.find("x").has("deploy");
    }
}
