//! [`Text`]: the string of a scalar node, cheap to create, clone and drop.
//!
//! A tree is built once and then, for GitLab CI, copied a lot: every job gets its own
//! merged mapping with the entries of its templates and of `default:`, and each copy
//! is dropped again. With `String` values each copied key and value was an allocation,
//! a copy and a free. A `Text` is 24 bytes like a `String`:
//!
//! - up to [`INLINE`] bytes (most keys and many values) it holds the bytes itself:
//!   creating, cloning and dropping it allocates nothing;
//! - longer text is shared (`Arc<str>`): a clone is a reference count increment, a
//!   drop a decrement, and the text is freed with its last copy.
//!
//! It reads as a `&str` ([`Text::as_str`], `Deref<Target = str>`), compares and
//! hashes as its text whatever its representation, and shows as its text.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

/// The longest text a [`Text`] holds without allocating.
pub const INLINE: usize = 23;

/// A scalar's text: inline up to [`INLINE`] bytes, shared above (module docs).
#[derive(Clone)]
pub struct Text(Repr);

/// The length of an inline text. An enum of the 24 lengths, so that the values
/// above are free: the compiler stores which [`Repr`] a text is (and which
/// `NodeKind` a node is) in them, and the length of an inline key is found with one
/// byte compare.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Len {
    L0 = 0,
    L1,
    L2,
    L3,
    L4,
    L5,
    L6,
    L7,
    L8,
    L9,
    L10,
    L11,
    L12,
    L13,
    L14,
    L15,
    L16,
    L17,
    L18,
    L19,
    L20,
    L21,
    L22,
    L23,
}

impl Len {
    /// `n` as a length, if it is one (`n <= INLINE`).
    #[inline]
    fn of(n: usize) -> Option<Len> {
        Some(match n {
            0 => Len::L0,
            1 => Len::L1,
            2 => Len::L2,
            3 => Len::L3,
            4 => Len::L4,
            5 => Len::L5,
            6 => Len::L6,
            7 => Len::L7,
            8 => Len::L8,
            9 => Len::L9,
            10 => Len::L10,
            11 => Len::L11,
            12 => Len::L12,
            13 => Len::L13,
            14 => Len::L14,
            15 => Len::L15,
            16 => Len::L16,
            17 => Len::L17,
            18 => Len::L18,
            19 => Len::L19,
            20 => Len::L20,
            21 => Len::L21,
            22 => Len::L22,
            23 => Len::L23,
            _ => return None,
        })
    }

    #[inline]
    fn get(self) -> usize {
        usize::from(self as u8)
    }
}

#[derive(Clone)]
enum Repr {
    /// `buf[..len]` is the text; `len <= INLINE`, and those bytes are always a
    /// copy of a whole `&str` (so valid UTF-8); the bytes after them are zero.
    /// Every text of up to `INLINE` bytes is inline, every longer one shared.
    Inline {
        len: Len,
        buf: [u8; INLINE],
    },
    Shared(Arc<str>),
}

impl Text {
    /// The empty text (no allocation).
    #[inline]
    pub const fn new() -> Text {
        Text(Repr::Inline {
            len: Len::L0,
            buf: [0; INLINE],
        })
    }

    /// The text, copied inline when it is short, into one shared allocation otherwise.
    #[inline]
    pub fn of(s: &str) -> Text {
        let b = s.as_bytes();
        match Len::of(b.len()) {
            Some(len) => {
                let mut buf = [0u8; INLINE];
                buf[..b.len()].copy_from_slice(b);
                Text(Repr::Inline { len, buf })
            }
            None => Text(Repr::Shared(Arc::from(s))),
        }
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline { len, buf } => {
                let bytes = buf.get(..len.get()).unwrap_or_default();
                // SAFETY: `Repr::Inline` is only made by `of`, which copies the
                // bytes of a whole `&str` (valid UTF-8) and sets `len` to their count,
                // and by `new` (no bytes); neither is changed afterwards.
                unsafe { std::str::from_utf8_unchecked(bytes) }
            }
            Repr::Shared(s) => s,
        }
    }

    /// Whether the text is inline and its bytes are `k` (false for any text longer
    /// than [`INLINE`]): the length, then the first byte, then the rest, so most
    /// different keys cost one compare.
    #[inline]
    pub fn inline_is(&self, k: &[u8]) -> bool {
        match &self.0 {
            Repr::Inline { len, buf } => {
                len.get() == k.len()
                    && k.first().is_none_or(|c| buf[0] == *c)
                    && buf.get(..k.len()) == Some(k)
            }
            Repr::Shared(_) => false,
        }
    }

    /// Whether the text is held inline (no allocation behind it).
    #[inline]
    pub fn is_inline(&self) -> bool {
        matches!(self.0, Repr::Inline { .. })
    }

    /// Tests: how many texts share this one's allocation (0 when inline).
    #[cfg(test)]
    pub(crate) fn shared_count(&self) -> usize {
        match &self.0 {
            Repr::Shared(a) => Arc::strong_count(a),
            Repr::Inline { .. } => 0,
        }
    }

    #[inline]
    pub fn into_string(self) -> String {
        self.as_str().to_owned()
    }
}

impl Default for Text {
    #[inline]
    fn default() -> Text {
        Text::new()
    }
}

impl Deref for Text {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    #[inline]
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Text {
    #[inline]
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Text {
    #[inline]
    fn from(s: &str) -> Text {
        Text::of(s)
    }
}

impl From<&String> for Text {
    #[inline]
    fn from(s: &String) -> Text {
        Text::of(s)
    }
}

impl From<String> for Text {
    #[inline]
    fn from(s: String) -> Text {
        Text::of(&s)
    }
}

impl From<std::borrow::Cow<'_, str>> for Text {
    #[inline]
    fn from(s: std::borrow::Cow<'_, str>) -> Text {
        Text::of(&s)
    }
}

impl From<Text> for String {
    #[inline]
    fn from(t: Text) -> String {
        t.into_string()
    }
}

impl From<&Text> for String {
    #[inline]
    fn from(t: &Text) -> String {
        t.as_str().to_owned()
    }
}

/// The representation follows the length (inline exactly up to [`INLINE`] bytes),
/// so texts of different representations differ, and two inline texts are equal
/// when their lengths and (zero-padded) buffers are: a fixed-size compare.
impl PartialEq for Text {
    #[inline]
    fn eq(&self, other: &Text) -> bool {
        match (&self.0, &other.0) {
            (Repr::Inline { len: a, buf: x }, Repr::Inline { len: b, buf: y }) => a == b && x == y,
            (Repr::Shared(x), Repr::Shared(y)) => Arc::ptr_eq(x, y) || **x == **y,
            _ => false,
        }
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    #[inline]
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    #[inline]
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    #[inline]
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Text> for str {
    #[inline]
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Text> for &str {
    #[inline]
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Text> for String {
    #[inline]
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialOrd for Text {
    #[inline]
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    #[inline]
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// Hashes as its text does, so a `Text` and the `&str` it borrows as find the same
/// map entry.
impl Hash for Text {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl fmt::Debug for Text {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::hash_map::DefaultHasher;

    fn hash_of<T: Hash + ?Sized>(t: &T) -> u64 {
        let mut h = DefaultHasher::new();
        t.hash(&mut h);
        h.finish()
    }

    #[test]
    fn as_big_as_a_string() {
        assert_eq!(std::mem::size_of::<Text>(), std::mem::size_of::<String>());
        // The lengths' free values hold the node kind: a scalar node is no bigger.
        assert_eq!(
            std::mem::size_of::<crate::NodeKind>(),
            std::mem::size_of::<String>() + 8
        );
    }

    #[test]
    fn inline_up_to_the_capacity_shared_above() {
        for n in 0..=INLINE + 3 {
            // ASCII and a multi-byte character across the boundary.
            let ascii = "k".repeat(n);
            let t = Text::from(ascii.as_str());
            assert_eq!(t.as_str(), ascii);
            assert_eq!(t.len(), n);
            assert_eq!(t.is_inline(), n <= INLINE, "{n} bytes");
            if n >= 2 {
                let s = format!("{}é", "x".repeat(n - 2));
                assert_eq!(s.len(), n);
                let t = Text::from(s.clone());
                assert_eq!(t.as_str(), s);
                assert_eq!(t.is_inline(), n <= INLINE, "{n} bytes with é");
            }
        }
        assert!(Text::new().is_inline());
        assert_eq!(Text::default(), "");
        assert_eq!(Text::new().as_str(), "");
    }

    #[test]
    fn clones_share_long_text() {
        let long = Text::from("a value longer than the inline capacity");
        let copy = long.clone();
        let (Repr::Shared(a), Repr::Shared(b)) = (&long.0, &copy.0) else {
            panic!("long text not shared");
        };
        assert!(Arc::ptr_eq(a, b));
        assert_eq!(Arc::strong_count(a), 2);
        drop(copy);
        let Repr::Shared(a) = &long.0 else {
            panic!("long text not shared");
        };
        assert_eq!(Arc::strong_count(a), 1);
        let short = Text::from("script");
        assert_eq!(short.clone(), short);
        assert_eq!(short.clone().as_str(), "script");
    }

    #[test]
    fn equality_ordering_and_hash_are_the_texts() {
        let words = [
            "",
            "a",
            "script",
            &"x".repeat(INLINE),
            &"x".repeat(INLINE + 1),
            "a value longer than the inline capacity",
            "a value longer than the inline capacitz",
        ];
        for a in words {
            for b in words {
                let (ta, tb) = (Text::from(a), Text::from(b));
                let owned = b.to_string();
                assert_eq!(ta == tb, a == b, "{a:?} {b:?}");
                assert_eq!(ta.cmp(&tb), a.cmp(b), "{a:?} {b:?}");
                assert_eq!(ta == *b, a == b);
                assert_eq!(ta == b, a == b);
                assert_eq!(ta == owned, a == b);
                assert_eq!(*b == ta, a == b);
                assert_eq!(b == ta, a == b);
                assert_eq!(owned == ta, a == b);
            }
            let t = Text::from(a);
            assert_eq!(hash_of(&t), hash_of(a), "{a:?}");
            assert_eq!(format!("{t}"), a);
            assert_eq!(format!("{t:?}"), format!("{a:?}"));
            assert_eq!(String::from(t.clone()), a);
            assert_eq!(t.into_string(), a);
        }
        // A map keyed by `Text` is found by `&str`.
        let mut m = std::collections::HashMap::new();
        m.insert(Text::from("a value longer than the inline capacity"), 1);
        m.insert(Text::from("image"), 2);
        assert_eq!(m.get("a value longer than the inline capacity"), Some(&1));
        assert_eq!(m.get("image"), Some(&2));
        assert_eq!(m.get("imag"), None);
    }
}
