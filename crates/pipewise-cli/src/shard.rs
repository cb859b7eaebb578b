//! `--shard I/N`: audit one part of many repositories, so a CI matrix of N jobs
//! covers them all once and `pipewise merge` puts the parts back together.
//!
//! A repository belongs to a shard by a hash of its normalised path (the root as
//! the report shows it: relative to the base, `/`-separated, no `./`), so the
//! assignment is the same on every machine and in every order the paths are
//! listed, and adding a repository moves no other one.

use std::path::{Path, PathBuf};

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("--shard: expected I/N with 1 <= I <= N (e.g. 2/8), got `{s}`");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// 64-bit FNV-1a: small, stable across versions and platforms (unlike std's
/// `DefaultHasher`, whose output may change between Rust releases).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The path a repository is assigned by: its root as reports show it.
pub fn normalised(root: &str) -> &str {
    let t = root.trim_end_matches('/');
    let t = t.strip_prefix("./").unwrap_or(t);
    if t.is_empty() {
        "."
    } else {
        t
    }
}

impl Shard {
    /// Whether the repository shown as `root` belongs to this shard.
    pub fn holds(self, root: &str) -> bool {
        fnv1a(normalised(root).as_bytes()) % self.count == self.index - 1
    }

    /// The paths of this shard, in the order given; `shown` turns a path into its
    /// root as reports show it.
    pub fn select(self, paths: Vec<PathBuf>, shown: impl Fn(&Path) -> String) -> Vec<PathBuf> {
        paths
            .into_iter()
            .filter(|p| self.holds(&shown(p)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        assert_eq!("2/8".parse::<Shard>(), Ok(Shard { index: 2, count: 8 }));
        assert_eq!("1/1".parse::<Shard>(), Ok(Shard { index: 1, count: 1 }));
        for bad in ["0/3", "4/3", "1/0", "3", "a/b", "-1/3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_root_is_in_exactly_one_shard() {
        let roots: Vec<String> = (0..500).map(|i| format!("org/repo-{i}")).collect();
        for n in [1u64, 3, 8] {
            let mut sizes = vec![0usize; n as usize];
            for r in &roots {
                let holders: Vec<u64> = (1..=n)
                    .filter(|&i| Shard { index: i, count: n }.holds(r))
                    .collect();
                assert_eq!(holders.len(), 1, "{r} in {holders:?} of {n}");
                sizes[(holders[0] - 1) as usize] += 1;
            }
            // The hash spreads: no shard is empty or holds more than twice its share.
            for s in &sizes {
                assert!(*s > 0 && *s <= 2 * 500 / n as usize + 1, "{sizes:?}");
            }
        }
    }

    #[test]
    fn assignment_ignores_spelling_and_is_stable() {
        let s = Shard { index: 1, count: 3 };
        assert_eq!(s.holds("./a/b/"), s.holds("a/b"));
        // Pinned values: the assignment must not change between versions, or a
        // matrix half upgraded would audit some repositories twice and others never.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
