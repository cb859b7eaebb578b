//! "Did you mean …?": the closest known word to a mistyped one, for rule ids,
//! config keys, option values, capability ids and severities in error messages.

/// Edit distance (insertions, deletions, substitutions) between two short strings,
/// giving up (returning `limit + 1`) once it must exceed `limit`.
fn distance(a: &str, b: &str, limit: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(!ca.eq_ignore_ascii_case(cb));
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > limit {
            return limit + 1;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The known word closest to `word`: within a third of its length in edits (at
/// least two), or one that ends with `/word` (a rule id given without its group).
pub fn closest<'k>(word: &str, known: impl IntoIterator<Item = &'k str>) -> Option<&'k str> {
    let limit = (word.chars().count() / 3).max(2);
    let mut best: Option<(usize, &str)> = None;
    for k in known {
        if k.rsplit_once('/').is_some_and(|(_, name)| name == word) {
            return Some(k);
        }
        let d = distance(word, k, limit);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| k)
}

/// `; did you mean `x`?` when a close word exists, else empty.
pub fn did_you_mean<'k>(word: &str, known: impl IntoIterator<Item = &'k str>) -> String {
    closest(word, known)
        .map(|k| format!("; did you mean `{k}`?"))
        .unwrap_or_default()
}

/// Every rule id.
pub fn rule_ids() -> impl Iterator<Item = &'static str> {
    crate::rules::all().into_iter().map(|r| r.meta().id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_word() {
        let known = ["reliability/masked-failure", "reliability/missing-file"];
        assert_eq!(
            closest("reliability/masked-failur", known),
            Some("reliability/masked-failure")
        );
        assert_eq!(
            closest("masked-failure", known),
            Some("reliability/masked-failure")
        );
        assert_eq!(closest("something-else-entirely", known), None);
        assert_eq!(
            closest("hash-everything", ["hash-all", "official-tags", "tags"]),
            None
        );
        assert_eq!(closest("hash-al", ["hash-all", "tags"]), Some("hash-all"));
        assert_eq!(
            did_you_mean("disabel", ["disable", "ignore"]),
            "; did you mean `disable`?"
        );
    }
}
