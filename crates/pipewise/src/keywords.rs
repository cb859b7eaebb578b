//! Which of a fixed list of keywords occur in a short text, found in one pass.
//!
//! Classifiers such as [`crate::intent::step_role`] ask a dozen or more
//! `name.contains("…")` questions of every step name or script name; on the corpus
//! that was several percent of the audit. A [`Keywords`] list is compiled once into an
//! Aho-Corasick automaton; [`Keywords::find`] scans the text once and answers every
//! `has("…")` from the (usually empty) list of hits.

use std::sync::OnceLock;

/// A fixed keyword list and its automaton, built on first use.
pub struct Keywords {
    words: &'static [&'static str],
    automaton: OnceLock<aho_corasick::AhoCorasick>,
}

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
            automaton: OnceLock::new(),
        }
    }

    /// Every keyword that occurs in `text` (case-sensitive: lower-case the text
    /// first when the keywords are lower-case).
    pub fn find(&self, text: &str) -> Found {
        let ac = self.automaton.get_or_init(|| {
            aho_corasick::AhoCorasick::new(self.words).expect("fixed literal keywords always build")
        });
        let mut hits = Vec::new();
        for m in ac.find_overlapping_iter(text) {
            if let Some(w) = self.words.get(m.pattern().as_usize()) {
                if !hits.contains(w) {
                    hits.push(*w);
                }
            }
        }
        Found {
            words: self.words,
            hits,
        }
    }
}

impl Found {
    /// Whether these are the hits of `keywords` (the same static list).
    pub fn is_from(&self, keywords: &Keywords) -> bool {
        std::ptr::eq(self.words, keywords.words)
    }

    /// Whether `keyword` occurs in the text. It must be one of the list's keywords
    /// (checked in debug builds, so a check against a missing keyword cannot silently
    /// answer `false`).
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

    #[test]
    #[should_panic(expected = "not in the keyword list")]
    #[cfg(debug_assertions)]
    fn unknown_keyword_is_a_bug() {
        let _ = K.find("x").has("deploy");
    }
}
