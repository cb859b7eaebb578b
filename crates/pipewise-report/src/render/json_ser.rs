//! A serde serializer that writes JSON exactly as serde_json's pretty printer
//! (`serde_json::to_string_pretty`: two-space indent) writes it, starting at any depth,
//! straight into a byte buffer.
//!
//! It is the JSON report's hot path (every repository's entry, SARIF results, GitLab
//! issues), so it does per token only what the token needs:
//! - a line break and its indentation are one fixed-size copy from a static line,
//!   cut to length (no loop, no call);
//! - a string is scanned for a byte to escape sixteen bytes at a time (a fixed-size
//!   block the compiler turns into vector compares), and one with nothing to escape
//!   (nearly all) is copied in one piece; a short one (under 16 bytes: most keys) is
//!   scanned and copied as two overlapping words;
//! - a string with something to escape is copied in runs between escapes, found a
//!   word at a time;
//! - a struct field's key is written with its `": "` in the same step.
//!
//! Numbers and escapes are serde_json's own code (its `CompactFormatter`), so every
//! byte is serde_json's; this module's tests and `json::tests` check that on the
//! whole report, on generated strings and on every shape serde can produce.

use serde::ser::{self, Serialize};
use serde_json::ser::{CompactFormatter, Formatter};
use serde_json::Error;

/// Where the serializer writes: a byte buffer with room for the next piece.
pub(crate) trait Out {
    /// The buffer, with room for `n` more bytes. Room is a hint: a write past it
    /// still lands (the buffer grows), it only costs a copy.
    fn room(&mut self, n: usize) -> &mut Vec<u8>;
}

impl Out for Vec<u8> {
    #[inline(always)]
    fn room(&mut self, n: usize) -> &mut Vec<u8> {
        self.reserve(n);
        self
    }
}

/// Writes `value` pretty-printed as serde_json prints a value `depth` levels deep
/// (every line after the first indented by `depth` more levels). The first line's
/// indentation is the caller's.
pub(crate) fn to_pretty<O: Out + ?Sized, T: Serialize + ?Sized>(
    out: &mut O,
    depth: usize,
    value: &T,
) -> Result<(), Error> {
    value.serialize(&mut Pretty {
        out,
        depth,
        has_value: false,
    })
}

/// The pretty printer's state, as in serde_json's `PrettyFormatter`: the depth, and
/// whether the innermost open array or object has a value (its closing bracket then
/// goes on a line of its own).
struct Pretty<'o, O: ?Sized> {
    out: &'o mut O,
    depth: usize,
    has_value: bool,
}

/// How many bytes a line break and its indentation take in one copy (depths up to
/// 14 after a comma: the report nests about 10 deep).
const WIDE: usize = 32;

/// A line break and spaces.
const NL: [u8; WIDE] = line(false);
/// A comma, a line break and spaces.
const COMMA_NL: [u8; WIDE] = line(true);

const fn line(comma: bool) -> [u8; WIDE] {
    let mut l = [b' '; WIDE];
    if comma {
        l[0] = b',';
        l[1] = b'\n';
    } else {
        l[0] = b'\n';
    }
    l
}

/// Whether a byte must be escaped in a JSON string (serde_json's escape table:
/// control characters, `"` and `\\`). `c ^ 2` maps `"` (0x22) to 0x20 and keeps
/// every control character below 0x20, and maps nothing else to 0x20 or below, so
/// the test is one comparison and one equality, which vectorise.
#[inline(always)]
fn special(c: u8) -> bool {
    (c ^ 2) <= 0x20 || c == b'\\'
}

/// Whether any byte of a 16-byte block must be escaped (vector compares).
#[inline(always)]
fn any_special(block: &[u8; 16]) -> bool {
    block.iter().fold(false, |any, &c| any | special(c))
}

/// The bytes of `w` that must be escaped, as the high bit of each byte, without a
/// branch per byte: the SWAR tests "some byte is below 0x21" (after an XOR with 2
/// repeated, see [`special`]) and "some byte is zero" (after an XOR with `\\`
/// repeated). A byte above a flagged one may be flagged by a borrow, but the lowest
/// flag is always exact, and a word with no byte to escape has no flag.
#[inline(always)]
fn special_mask(w: u64) -> u64 {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let x = w ^ (LO * 2);
    let below = x.wrapping_sub(LO * 0x21) & !x;
    let bs = w ^ (LO * u64::from(b'\\'));
    let backslash = bs.wrapping_sub(LO) & !bs;
    (below | backslash) & HI
}

/// Eight bytes of `b` from `i` (little-endian), if there are eight.
#[inline(always)]
fn word(b: &[u8], i: usize) -> Option<u64> {
    b.get(i..i + 8)
        .and_then(|w| w.try_into().ok())
        .map(u64::from_le_bytes)
}

/// Four bytes of `b` from `i`, if there are four.
#[inline(always)]
fn half(b: &[u8], i: usize) -> Option<u32> {
    b.get(i..i + 4)
        .and_then(|w| w.try_into().ok())
        .map(u32::from_le_bytes)
}

/// Appends `b` to `v` if no byte of it must be escaped, and says whether it did (it
/// appends nothing otherwise). A string of 16 bytes or more is tested in 16-byte
/// blocks (the last one overlapping the one before) and copied in one piece;
/// a shorter one is tested and copied as two overlapping words (8 to 15 bytes) or
/// halves (4 to 7), each written whole and the overlap cut back; 1 to 3 bytes are
/// tested as one padded word and pushed.
#[inline(always)]
fn copy_plain(v: &mut Vec<u8>, b: &[u8]) -> bool {
    let n = b.len();
    let start = v.len();
    if n >= 16 {
        let (blocks, _) = b.as_chunks::<16>();
        for block in blocks {
            if any_special(block) {
                return false;
            }
        }
        let last = b.get(n - 16..).and_then(|l| <&[u8; 16]>::try_from(l).ok());
        if last.is_none_or(any_special) {
            return false;
        }
        v.extend_from_slice(b);
    } else if n >= 8 {
        let (a, z) = (word(b, 0).unwrap_or(0), word(b, n - 8).unwrap_or(0));
        if special_mask(a) | special_mask(z) != 0 {
            return false;
        }
        v.extend_from_slice(&a.to_le_bytes());
        v.truncate(start + n - 8);
        v.extend_from_slice(&z.to_le_bytes());
    } else if n >= 4 {
        let (a, z) = (half(b, 0).unwrap_or(0), half(b, n - 4).unwrap_or(0));
        if special_mask(u64::from(a) | u64::from(z) << 32) != 0 {
            return false;
        }
        v.extend_from_slice(&a.to_le_bytes());
        v.truncate(start + n - 4);
        v.extend_from_slice(&z.to_le_bytes());
    } else if let (Some(&a), Some(&m), Some(&z)) = (b.first(), b.get(n / 2), b.last()) {
        if special_mask(u64::from_le_bytes([a, m, z, b' ', b' ', b' ', b' ', b' '])) != 0 {
            return false;
        }
        for &c in b {
            v.push(c);
        }
    }
    true
}

/// serde_json's escape of each byte up to `\\` that needs one: up to six bytes, and
/// its length in the last byte (a byte that needs none has length 0).
static ESCAPES: [[u8; 8]; 0x60] = {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut t = [[0u8; 8]; 0x60];
    let mut c = 0;
    while c < 0x20 {
        t[c] = [b'\\', b'u', b'0', b'0', HEX[c >> 4], HEX[c & 0xf], 0, 6];
        c += 1;
    }
    let short: [(u8, u8); 7] = [
        (b'"', b'"'),
        (b'\\', b'\\'),
        (b'\n', b'n'),
        (b'\t', b't'),
        (b'\r', b'r'),
        (0x08, b'b'),
        (0x0c, b'f'),
    ];
    let mut k = 0;
    while k < short.len() {
        t[short[k].0 as usize] = [b'\\', short[k].1, 0, 0, 0, 0, 0, 2];
        k += 1;
    }
    t
};

/// Appends the inside of a string with something to escape, a 16-byte block at a
/// time: each block is copied whole, then, if it has a byte to escape (one vector
/// test), cut back at the first one, followed by its escape, and the next block
/// starts after that byte. The last bytes (fewer than a block) go a word at a time
/// the same way. The pieces go into a buffer on the stack (its index stays in a
/// register), copied out in one piece when it fills.
#[inline(never)]
fn escaped(v: &mut Vec<u8>, b: &[u8]) {
    /// Bytes gathered before a copy out; a step writes at most 23 bytes past it.
    const FILL: usize = 256;
    let mut buf = [0u8; FILL + 24];
    let mut o = 0;
    let n = b.len();
    let mut i = 0;
    while i < n {
        if o >= FILL {
            v.extend_from_slice(buf.get(..o).unwrap_or_default());
            o = 0;
        }
        if let Some(block) = b.get(i..i + 16).and_then(|s| <&[u8; 16]>::try_from(s).ok()) {
            if let Some(d) = buf.get_mut(o..o + 16) {
                d.copy_from_slice(block);
            }
            if !any_special(block) {
                o += 16;
                i += 16;
                continue;
            }
            // The first byte to escape: in the first word, else in the second.
            let (lo, hi) = (word(block, 0).unwrap_or(0), word(block, 8).unwrap_or(0));
            let k = match special_mask(lo) {
                0 => 8 + (special_mask(hi).trailing_zeros() / 8) as usize,
                m => (m.trailing_zeros() / 8) as usize,
            };
            let c = block.get(k).copied().unwrap_or(0);
            let e = ESCAPES.get(usize::from(c)).copied().unwrap_or_default();
            if let Some(d) = buf.get_mut(o + k..o + k + 8) {
                d.copy_from_slice(&e);
            }
            o += k + usize::from(e[7]);
            i += k + 1;
            continue;
        }
        // The next eight bytes, or the last few padded with spaces (never escaped).
        let (w, len) = match word(b, i) {
            Some(w) => (w, 8),
            None => {
                let rest = b.get(i..).unwrap_or_default();
                let mut pad = [b' '; 8];
                for (p, &c) in pad.iter_mut().zip(rest) {
                    *p = c;
                }
                (u64::from_le_bytes(pad), rest.len())
            }
        };
        if let Some(d) = buf.get_mut(o..o + 8) {
            d.copy_from_slice(&w.to_le_bytes());
        }
        let m = special_mask(w);
        if m == 0 {
            o += len;
            i += len;
            continue;
        }
        // The first byte to escape (padding never is one), then its escape.
        let k = (m.trailing_zeros() / 8) as usize;
        let c = b.get(i + k).copied().unwrap_or(0);
        let e = ESCAPES.get(usize::from(c)).copied().unwrap_or_default();
        if let Some(d) = buf.get_mut(o + k..o + k + 8) {
            d.copy_from_slice(&e);
        }
        o += k + usize::from(e[7]);
        i += k + 1;
    }
    v.extend_from_slice(buf.get(..o).unwrap_or_default());
}

impl<O: Out + ?Sized> Pretty<'_, O> {
    #[inline(always)]
    fn put(&mut self, b: &[u8]) {
        self.out.room(b.len()).extend_from_slice(b);
    }

    /// A line break (after a comma unless `first`) and the indentation of the
    /// current depth.
    #[inline(always)]
    fn line(&mut self, first: bool) {
        let len = usize::from(!first) + 1 + 2 * self.depth;
        if len <= WIDE {
            let v = self.out.room(WIDE);
            let start = v.len();
            v.extend_from_slice(if first { &NL } else { &COMMA_NL });
            v.truncate(start + len);
        } else {
            self.deep_line(first);
        }
    }

    #[cold]
    fn deep_line(&mut self, first: bool) {
        self.put(if first { b"\n" } else { b",\n" });
        let mut n = 2 * self.depth;
        while n > 0 {
            let k = n.min(WIDE - 2);
            self.put(NL.get(1..1 + k).unwrap_or_default());
            n -= k;
        }
    }

    /// `s` quoted and escaped, then `close` (the closing quote and what follows it).
    #[inline(always)]
    fn quoted(&mut self, s: &str, close: &[u8]) {
        let b = s.as_bytes();
        let v = self.out.room(b.len() + 4);
        v.push(b'"');
        if !copy_plain(v, b) {
            escaped(v, b);
        }
        v.extend_from_slice(close);
    }

    fn string(&mut self, s: &str) {
        self.quoted(s, b"\"");
    }

    /// A number (or anything else) as serde_json's formatter writes it.
    #[inline(always)]
    fn scalar(
        &mut self,
        write: impl FnOnce(&mut CompactFormatter, &mut Vec<u8>) -> std::io::Result<()>,
    ) -> Result<(), Error> {
        write(&mut CompactFormatter, self.out.room(40)).map_err(Error::io)
    }

    fn open(&mut self, bracket: u8) {
        self.depth += 1;
        self.has_value = false;
        self.out.room(1).push(bracket);
    }

    fn close(&mut self, bracket: u8) {
        self.depth = self.depth.saturating_sub(1);
        if self.has_value {
            self.line(true);
        }
        self.out.room(1).push(bracket);
    }

    /// `{"variant": ` around a variant's content (closed by [`Compound::end_variant`]).
    fn open_variant(&mut self, variant: &str) {
        self.open(b'{');
        self.line(true);
        self.quoted(variant, b"\": ");
    }
}

/// Where a compound is: nothing written inside yet, something written, or an empty
/// one already closed.
#[derive(PartialEq, Eq)]
enum State {
    Empty,
    First,
    Rest,
}

pub(crate) struct Compound<'a, 'o, O: ?Sized> {
    ser: &'a mut Pretty<'o, O>,
    state: State,
}

impl<'a, 'o, O: Out + ?Sized> ser::Serializer for &'a mut Pretty<'o, O> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, 'o, O>;
    type SerializeTuple = Compound<'a, 'o, O>;
    type SerializeTupleStruct = Compound<'a, 'o, O>;
    type SerializeTupleVariant = Compound<'a, 'o, O>;
    type SerializeMap = Compound<'a, 'o, O>;
    type SerializeStruct = Compound<'a, 'o, O>;
    type SerializeStructVariant = Compound<'a, 'o, O>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.put(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.scalar(|f, w| f.write_i8(w, v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.scalar(|f, w| f.write_i16(w, v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.scalar(|f, w| f.write_i32(w, v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.scalar(|f, w| f.write_i64(w, v))
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.scalar(|f, w| f.write_i128(w, v))
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.scalar(|f, w| f.write_u8(w, v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.scalar(|f, w| f.write_u16(w, v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.scalar(|f, w| f.write_u32(w, v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.scalar(|f, w| f.write_u64(w, v))
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.scalar(|f, w| f.write_u128(w, v))
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        if v.is_finite() {
            self.scalar(|f, w| f.write_f32(w, v))
        } else {
            self.serialize_unit()
        }
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        if v.is_finite() {
            self.scalar(|f, w| f.write_f64(w, v))
        } else {
            self.serialize_unit()
        }
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.string(v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(b)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.put(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.string(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        self.open_variant(variant);
        v.serialize(&mut *self)?;
        self.has_value = true;
        self.close(b'}');
        Ok(())
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        self.open(b'[');
        let state = if len == Some(0) {
            self.close(b']');
            State::Empty
        } else {
            State::First
        };
        Ok(Compound { ser: self, state })
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        self.open_variant(variant);
        self.serialize_seq(Some(len))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        self.open(b'{');
        let state = if len == Some(0) {
            self.close(b'}');
            State::Empty
        } else {
            State::First
        };
        Ok(Compound { ser: self, state })
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        self.open_variant(variant);
        self.serialize_map(Some(len))
    }
}

impl<O: Out + ?Sized> Compound<'_, '_, O> {
    /// The line before an element or a key (after a comma unless it is the first).
    #[inline(always)]
    fn next_line(&mut self) {
        let first = self.state == State::First;
        self.state = State::Rest;
        self.ser.line(first);
    }
    #[inline(always)]
    fn element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.next_line();
        v.serialize(&mut *self.ser)?;
        self.ser.has_value = true;
        Ok(())
    }
    fn end_seq(self) -> Result<(), Error> {
        if self.state != State::Empty {
            self.ser.close(b']');
        }
        Ok(())
    }
    /// A struct field: its line, its key and `": "`, then its value.
    #[inline(always)]
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, v: &T) -> Result<(), Error> {
        self.next_line();
        self.ser.quoted(key, b"\": ");
        v.serialize(&mut *self.ser)?;
        self.ser.has_value = true;
        Ok(())
    }
    fn key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Error> {
        self.next_line();
        k.serialize(KeySer {
            ser: &mut *self.ser,
        })
    }
    fn value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.ser.put(b": ");
        v.serialize(&mut *self.ser)?;
        self.ser.has_value = true;
        Ok(())
    }
    fn end_map(self) -> Result<(), Error> {
        if self.state != State::Empty {
            self.ser.close(b'}');
        }
        Ok(())
    }
    /// Closes a variant's inner compound, then the `{"variant": …}` around it.
    fn end_variant(self, map: bool) -> Result<(), Error> {
        if self.state != State::Empty {
            self.ser.close(if map { b'}' } else { b']' });
        }
        self.ser.has_value = true;
        self.ser.close(b'}');
        Ok(())
    }
}

impl<O: Out + ?Sized> ser::SerializeSeq for Compound<'_, '_, O> {
    type Ok = ();
    type Error = Error;
    #[inline(always)]
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.element(v)
    }
    fn end(self) -> Result<(), Error> {
        self.end_seq()
    }
}

impl<O: Out + ?Sized> ser::SerializeTuple for Compound<'_, '_, O> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.element(v)
    }
    fn end(self) -> Result<(), Error> {
        self.end_seq()
    }
}

impl<O: Out + ?Sized> ser::SerializeTupleStruct for Compound<'_, '_, O> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.element(v)
    }
    fn end(self) -> Result<(), Error> {
        self.end_seq()
    }
}

impl<O: Out + ?Sized> ser::SerializeTupleVariant for Compound<'_, '_, O> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.element(v)
    }
    fn end(self) -> Result<(), Error> {
        self.end_variant(false)
    }
}

impl<O: Out + ?Sized> ser::SerializeMap for Compound<'_, '_, O> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Error> {
        self.key(k)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.value(v)
    }
    fn end(self) -> Result<(), Error> {
        self.end_map()
    }
}

impl<O: Out + ?Sized> ser::SerializeStruct for Compound<'_, '_, O> {
    type Ok = ();
    type Error = Error;
    /// Inlined where the derived code calls it, so the key is a constant there: its
    /// escape test and length folds away and it is written with a few stores.
    #[inline(always)]
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        self.field(key, v)
    }
    fn end(self) -> Result<(), Error> {
        self.end_map()
    }
}

impl<O: Out + ?Sized> ser::SerializeStructVariant for Compound<'_, '_, O> {
    type Ok = ();
    type Error = Error;
    #[inline(always)]
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        self.field(key, v)
    }
    fn end(self) -> Result<(), Error> {
        self.end_variant(true)
    }
}

/// Map keys: strings as they are; numbers, booleans and characters quoted, as
/// serde_json writes them; anything else is an error, as in serde_json.
struct KeySer<'a, 'o, O: ?Sized> {
    ser: &'a mut Pretty<'o, O>,
}

fn key_must_be_a_string() -> Error {
    ser::Error::custom("key must be a string")
}

impl<O: Out + ?Sized> KeySer<'_, '_, O> {
    fn quoted(
        self,
        write: impl FnOnce(&mut CompactFormatter, &mut Vec<u8>) -> std::io::Result<()>,
    ) -> Result<(), Error> {
        self.ser.put(b"\"");
        self.ser.scalar(write)?;
        self.ser.put(b"\"");
        Ok(())
    }
}

impl<O: Out + ?Sized> ser::Serializer for KeySer<'_, '_, O> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.ser.string(v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.ser.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.ser.string(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.quoted(|f, w| f.write_bool(w, v))
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.quoted(|f, w| f.write_i8(w, v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.quoted(|f, w| f.write_i16(w, v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.quoted(|f, w| f.write_i32(w, v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.quoted(|f, w| f.write_i64(w, v))
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.quoted(|f, w| f.write_i128(w, v))
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.quoted(|f, w| f.write_u8(w, v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.quoted(|f, w| f.write_u16(w, v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.quoted(|f, w| f.write_u32(w, v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.quoted(|f, w| f.write_u64(w, v))
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.quoted(|f, w| f.write_u128(w, v))
    }
    fn serialize_f32(self, _v: f32) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_f64(self, _v: f64) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_none(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _v: &T,
    ) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_must_be_a_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn ours<T: Serialize>(v: &T) -> String {
        let mut out = Vec::new();
        to_pretty(&mut out, 0, v).expect("serialises");
        String::from_utf8(out).expect("utf-8")
    }

    /// serde_json's own definition of a byte to escape.
    fn serde_special(c: u8) -> bool {
        c < 0x20 || c == b'"' || c == b'\\'
    }

    #[test]
    fn the_byte_test_is_serde_jsons_escape_table() {
        for c in 0..=255u8 {
            assert_eq!(special(c), serde_special(c), "{c:#x}");
            let mut block = [b'a'; 16];
            for at in 0..16 {
                block[at] = c;
                assert_eq!(any_special(&block), serde_special(c), "{c:#x} at {at}");
                block[at] = b'a';
            }
        }
    }

    #[test]
    fn the_word_test_flags_exactly_the_words_with_a_byte_to_escape() {
        // Every byte value at every position, among fillers just above and below the
        // thresholds (a borrow across bytes must not raise a false alarm).
        for filler in [
            b' ', b'!', b'#', b'$', b'[', b']', b']', 0x7f, 0x80, 0xff, b'a',
        ] {
            for v in 0..=255u8 {
                for at in 0..8 {
                    let mut w = [filler; 8];
                    w[at] = v;
                    let want = w.iter().any(|&c| serde_special(c));
                    let m = special_mask(u64::from_le_bytes(w));
                    assert_eq!(m != 0, want, "{w:?}");
                    // The lowest flag is the first byte to escape.
                    let first = w.iter().position(|&c| serde_special(c));
                    assert_eq!(
                        first,
                        want.then(|| (m.trailing_zeros() / 8) as usize),
                        "{w:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn plain_strings_are_copied_whole_and_others_left_alone_at_every_length() {
        for len in 0..=48usize {
            let plain: Vec<u8> = (0..len).map(|i| b"abcdefghij#!$ 0"[i % 15]).collect();
            let mut v = b"xy".to_vec();
            assert!(copy_plain(&mut v, &plain), "{len}");
            assert_eq!(&v[2..], &plain[..], "{len}");
            for at in 0..len {
                for c in [b'"', b'\\', b'\n', 0u8, 0x1f] {
                    let mut b = plain.clone();
                    b[at] = c;
                    let mut v = b"xy".to_vec();
                    assert!(!copy_plain(&mut v, &b), "{len} {at} {c}");
                    assert_eq!(v, b"xy", "nothing written: {len} {at} {c}");
                }
                for c in [b' ', b'!', b'#', b']', 0x7f, 0x80, 0xff] {
                    let mut b = plain.clone();
                    b[at] = c;
                    let mut v = b"xy".to_vec();
                    assert!(copy_plain(&mut v, &b), "{len} {at} {c}");
                    assert_eq!(&v[2..], &b[..]);
                }
            }
        }
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        // Every byte class at every offset around the 8- and 16-byte blocks.
        let specials = [
            "\"", "\\", "\n", "\r", "\t", "\u{8}", "\u{c}", "\u{1}", "\u{1f}", "\u{0}", "\u{7f}",
            "é", "\u{2028}", "/", " ", "!", "#",
        ];
        let mut n = 0;
        for s in specials {
            for len in [
                0usize, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33, 50,
            ] {
                for at in 0..=len {
                    let mut text = "a".repeat(len);
                    text.insert_str(at, s);
                    text.push_str(s);
                    assert_eq!(
                        ours(&text),
                        serde_json::to_string(&text).unwrap(),
                        "{text:?}"
                    );
                    n += 1;
                }
            }
        }
        assert!(n > 3000);
        // Every byte value, and runs of escapes back to back.
        let all: String = (0u8..=0x7f).map(char::from).collect::<String>() + "ünïcödé \u{10ffff}";
        for text in [
            all.clone(),
            all.repeat(3),
            "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n".into(),
            "\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\".into(),
            format!(
                "{}\"{}\n{}",
                "x".repeat(700),
                "y".repeat(300),
                "z".repeat(5)
            ),
            format!("{}\u{1}", "ab\tc".repeat(200)),
            // Lines of every length up to 40 (a script): clean blocks and blocks
            // with a break at every offset, across many buffer fills.
            (0..40).map(|k| "x".repeat(k) + "\n").collect(),
            // A byte to escape at the end of every block, across buffer fills.
            format!("{}\u{1f}", "y".repeat(15)).repeat(40),
        ] {
            assert_eq!(ours(&text), serde_json::to_string(&text).unwrap());
        }
    }

    #[derive(serde::Serialize)]
    enum E {
        Unit,
        New(u8),
        Tuple(i32, String),
        Struct { a: Vec<u8>, b: Option<f64> },
        EmptyTuple(),
        EmptyStruct {},
        NewSeq(Vec<E>),
    }

    #[derive(serde::Serialize)]
    struct S {
        flag: bool,
        off: bool,
        float: f64,
        nan: f64,
        small: f32,
        neg: i64,
        big: u128,
        ch: char,
        none: Option<String>,
        empty_vec: Vec<String>,
        empty_map: BTreeMap<String, u8>,
        int_keys: BTreeMap<i32, String>,
        bool_keys: BTreeMap<bool, ()>,
        char_keys: BTreeMap<char, u8>,
        nested: Vec<Vec<BTreeMap<String, Vec<u8>>>>,
        enums: Vec<E>,
        tuple: (u8, &'static str, ()),
        #[serde(with = "serde_bytes_like")]
        bytes: Vec<u8>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        #[serde(rename = "a key \"quoted\"\n")]
        odd_key: u8,
    }

    /// Serialises a byte vector with `serialize_bytes`.
    mod serde_bytes_like {
        pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }
    }

    #[derive(serde::Serialize)]
    struct AllSkipped {
        #[serde(skip_serializing_if = "Option::is_none")]
        a: Option<u8>,
    }

    #[test]
    fn every_shape_is_written_as_serde_json_writes_it() {
        let mut m = BTreeMap::new();
        m.insert("k\"ey".to_string(), vec![1, 2]);
        m.insert(String::new(), vec![]);
        let v = S {
            flag: true,
            off: false,
            float: 1.5e-7,
            nan: f64::NAN,
            small: 0.1,
            neg: -42,
            big: u128::MAX,
            ch: '"',
            none: None,
            empty_vec: vec![],
            empty_map: BTreeMap::new(),
            int_keys: [(-1, "x".to_string()), (7, "y".to_string())].into(),
            bool_keys: [(true, ())].into(),
            char_keys: [('\n', 1), ('a', 2)].into(),
            nested: vec![vec![], vec![m.clone(), BTreeMap::new()]],
            enums: vec![
                E::Unit,
                E::New(3),
                E::Tuple(-1, "t".into()),
                E::Struct {
                    a: vec![],
                    b: Some(2.0),
                },
                E::EmptyTuple(),
                E::EmptyStruct {},
                E::NewSeq(vec![E::Unit, E::NewSeq(vec![])]),
            ],
            tuple: (1, "two", ()),
            bytes: vec![0, 255],
            skipped: None,
            odd_key: 9,
        };
        assert_eq!(ours(&v), serde_json::to_string_pretty(&v).unwrap());
        assert_eq!(
            ours(&AllSkipped { a: None }),
            serde_json::to_string_pretty(&AllSkipped { a: None }).unwrap()
        );
        // A key that is not a string fails, as in serde_json.
        let bad: BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into();
        assert!(to_pretty(&mut Vec::new(), 0, &bad).is_err());
        assert!(serde_json::to_string(&bad).is_err());
    }

    /// Started `depth` levels deep, every line after the first is indented by `depth`
    /// more levels, as in a document that holds the value that deep; past what one
    /// copy of the line holds (14 levels), too.
    #[test]
    fn values_deep_in_a_document_are_indented_as_serde_json_indents_them() {
        let mut v = serde_json::json!({"leaf": ["a", 1, {}, [], [[]], {"k": {}}], "n": null});
        for i in 0..40 {
            v = if i % 2 == 0 {
                serde_json::json!([v, "x", true])
            } else {
                serde_json::json!({"k": v, "n": i, "e": []})
            };
            for depth in [0, 1, 2, 5, 13, 14, 15, 16, 40] {
                let mut doc = serde_json::json!(v);
                for _ in 0..depth {
                    doc = serde_json::json!([doc]);
                }
                let whole = serde_json::to_string_pretty(&doc).unwrap();
                let mut out = " ".repeat(2 * depth).into_bytes();
                to_pretty(&mut out, depth, &v).unwrap();
                let inner = String::from_utf8(out).unwrap();
                // The document is the value inside `depth` arrays, one per line.
                let mut want = whole.as_str();
                for d in 0..depth {
                    let indent = " ".repeat(2 * d);
                    want = want.strip_prefix(&format!("{indent}[\n")).unwrap();
                    want = want.strip_suffix(&format!("\n{indent}]")).unwrap();
                }
                assert_eq!(inner, want, "depth {depth}");
            }
        }
    }
}
