//! A serde serializer that writes JSON exactly as `serde_json::Serializer` does with
//! the same [`Formatter`], but scans strings for characters to escape eight bytes at
//! a time (serde_json looks every byte up in a table, one by one), and copies a
//! string with nothing to escape (nearly all of them) in one piece.
//!
//! String escaping was the largest single cost of the JSON report (~6% of the audit's
//! instructions on the corpus: 460,000 strings, keys included). Everything but the
//! scan — numbers, escapes, indentation, separators — is the formatter's own code, so
//! the bytes are serde_json's; `json::tests` and this module's tests check that on the
//! whole report and on generated strings.

use serde::ser::{self, Serialize};
use serde_json::ser::{CharEscape, Formatter};
use serde_json::Error;
use std::io::Write;

/// Writes `value` with `formatter` into `writer`.
pub(crate) fn to_writer<W: Write, F: Formatter, T: Serialize + ?Sized>(
    writer: W,
    formatter: F,
    value: &T,
) -> Result<(), Error> {
    value.serialize(&mut Ser {
        w: writer,
        f: formatter,
    })
}

struct Ser<W, F> {
    w: W,
    f: F,
}

/// Whether a byte must be escaped in a JSON string (serde_json's escape table:
/// control characters, `"` and `\\`).
#[cfg(test)]
fn special(c: u8) -> bool {
    c < 0x20 || c == b'"' || c == b'\\'
}

/// The bytes of `w` that must be escaped, as the high bit of each byte, without a
/// branch per byte: the classic SWAR tests "some byte is below 0x20" and "some byte is
/// zero" (after an XOR with `"` or `\\` repeated). A byte above a flagged one may be
/// flagged by a borrow, but the lowest flag is always exact, and a word with no byte
/// to escape has no flag.
#[inline(always)]
fn special_mask(w: u64) -> u64 {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let below_space = w.wrapping_sub(LO * 0x20) & !w;
    let q = w ^ (LO * u64::from(b'"'));
    let quote = q.wrapping_sub(LO) & !q;
    let bs = w ^ (LO * u64::from(b'\\'));
    let backslash = bs.wrapping_sub(LO) & !bs;
    (below_space | quote | backslash) & HI
}

fn escape_of(c: u8) -> CharEscape {
    match c {
        b'"' => CharEscape::Quote,
        b'\\' => CharEscape::ReverseSolidus,
        0x08 => CharEscape::Backspace,
        0x0c => CharEscape::FormFeed,
        b'\n' => CharEscape::LineFeed,
        b'\r' => CharEscape::CarriageReturn,
        b'\t' => CharEscape::Tab,
        _ => CharEscape::AsciiControl(c),
    }
}

fn io(e: std::io::Error) -> Error {
    Error::io(e)
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
fn half(b: &[u8], i: usize) -> Option<u64> {
    b.get(i..i + 4)
        .and_then(|w| w.try_into().ok())
        .map(|w| u64::from(u32::from_le_bytes(w)))
}

/// Whether any byte of `b` must be escaped. Every byte is tested as part of a word,
/// with no copy and no byte loop: a string of 8 bytes or more as whole words, the
/// last one overlapping the one before it; 4 to 7 bytes as two overlapping halves;
/// 1 to 3 bytes as its first, middle and last byte (padded with spaces). A byte
/// tested twice is still a byte of `b`, so the answer is exact.
#[inline(always)]
fn needs_escape(b: &[u8]) -> bool {
    let n = b.len();
    let w = if n >= 8 {
        let mut i = 0;
        while i + 8 < n {
            if special_mask(word(b, i).unwrap_or(0)) != 0 {
                return true;
            }
            i += 8;
        }
        word(b, n - 8).unwrap_or(0)
    } else if n >= 4 {
        half(b, 0).unwrap_or(0) | half(b, n - 4).unwrap_or(0) << 32
    } else if let (Some(&a), Some(&m), Some(&z)) = (b.first(), b.get(n / 2), b.last()) {
        u64::from_le_bytes([a, m, z, b' ', b' ', b' ', b' ', b' '])
    } else {
        return false;
    };
    special_mask(w) != 0
}

impl<W: Write, F: Formatter> Ser<W, F> {
    fn string(&mut self, s: &str) -> Result<(), Error> {
        self.f.begin_string(&mut self.w).map_err(io)?;
        if needs_escape(s.as_bytes()) {
            self.escaped(s)?;
        } else if !s.is_empty() {
            // Nearly every string: nothing to escape, one copy.
            self.f.write_string_fragment(&mut self.w, s).map_err(io)?;
        }
        self.f.end_string(&mut self.w).map_err(io)
    }

    /// The inside of a string with something to escape, eight bytes at a time (the
    /// last few padded with spaces): runs of plain text between escapes.
    #[cold]
    fn escaped(&mut self, s: &str) -> Result<(), Error> {
        let b = s.as_bytes();
        let (mut start, mut i) = (0, 0);
        loop {
            let w = match word(b, i) {
                Some(w) => w,
                None => {
                    let rest = b.get(i..).unwrap_or(&[]);
                    let mut pad = [b' '; 8];
                    match pad.get_mut(..rest.len()) {
                        Some(p) if !rest.is_empty() => p.copy_from_slice(rest),
                        _ => break,
                    }
                    u64::from_le_bytes(pad)
                }
            };
            let m = special_mask(w);
            if m == 0 {
                i += 8;
                continue;
            }
            // The first byte to escape (padding is never one).
            let j = i + (m.trailing_zeros() / 8) as usize;
            let Some(&c) = b.get(j) else { break };
            // `start..j` ends before an ASCII byte: a character boundary.
            if let Some(run) = s.get(start..j).filter(|r| !r.is_empty()) {
                self.f.write_string_fragment(&mut self.w, run).map_err(io)?;
            }
            self.f
                .write_char_escape(&mut self.w, escape_of(c))
                .map_err(io)?;
            start = j + 1;
            i = j + 1;
        }
        if let Some(run) = s.get(start..).filter(|r| !r.is_empty()) {
            self.f.write_string_fragment(&mut self.w, run).map_err(io)?;
        }
        Ok(())
    }
}

/// Where a compound is: nothing written inside yet, or an empty one already closed.
#[derive(PartialEq, Eq)]
enum State {
    Empty,
    First,
    Rest,
}

pub(crate) struct Compound<'a, W, F> {
    ser: &'a mut Ser<W, F>,
    state: State,
}

impl<'a, W: Write, F: Formatter> ser::Serializer for &'a mut Ser<W, F> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, W, F>;
    type SerializeTuple = Compound<'a, W, F>;
    type SerializeTupleStruct = Compound<'a, W, F>;
    type SerializeTupleVariant = Compound<'a, W, F>;
    type SerializeMap = Compound<'a, W, F>;
    type SerializeStruct = Compound<'a, W, F>;
    type SerializeStructVariant = Compound<'a, W, F>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.f.write_bool(&mut self.w, v).map_err(io)
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.f.write_i8(&mut self.w, v).map_err(io)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.f.write_i16(&mut self.w, v).map_err(io)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.f.write_i32(&mut self.w, v).map_err(io)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.f.write_i64(&mut self.w, v).map_err(io)
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.f.write_i128(&mut self.w, v).map_err(io)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.f.write_u8(&mut self.w, v).map_err(io)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.f.write_u16(&mut self.w, v).map_err(io)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.f.write_u32(&mut self.w, v).map_err(io)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.f.write_u64(&mut self.w, v).map_err(io)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.f.write_u128(&mut self.w, v).map_err(io)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        if v.is_finite() {
            self.f.write_f32(&mut self.w, v).map_err(io)
        } else {
            self.f.write_null(&mut self.w).map_err(io)
        }
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        if v.is_finite() {
            self.f.write_f64(&mut self.w, v).map_err(io)
        } else {
            self.f.write_null(&mut self.w).map_err(io)
        }
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.string(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.string(v)
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
        self.f.write_null(&mut self.w).map_err(io)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.f.write_null(&mut self.w).map_err(io)
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
        self.string(variant)
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
        self.f.begin_object(&mut self.w).map_err(io)?;
        self.f.begin_object_key(&mut self.w, true).map_err(io)?;
        self.string(variant)?;
        self.f.end_object_key(&mut self.w).map_err(io)?;
        self.f.begin_object_value(&mut self.w).map_err(io)?;
        v.serialize(&mut *self)?;
        self.f.end_object_value(&mut self.w).map_err(io)?;
        self.f.end_object(&mut self.w).map_err(io)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        self.f.begin_array(&mut self.w).map_err(io)?;
        if len == Some(0) {
            self.f.end_array(&mut self.w).map_err(io)?;
            Ok(Compound {
                ser: self,
                state: State::Empty,
            })
        } else {
            Ok(Compound {
                ser: self,
                state: State::First,
            })
        }
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
        self.f.begin_object(&mut self.w).map_err(io)?;
        self.f.begin_object_key(&mut self.w, true).map_err(io)?;
        self.string(variant)?;
        self.f.end_object_key(&mut self.w).map_err(io)?;
        self.f.begin_object_value(&mut self.w).map_err(io)?;
        self.serialize_seq(Some(len))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        self.f.begin_object(&mut self.w).map_err(io)?;
        if len == Some(0) {
            self.f.end_object(&mut self.w).map_err(io)?;
            Ok(Compound {
                ser: self,
                state: State::Empty,
            })
        } else {
            Ok(Compound {
                ser: self,
                state: State::First,
            })
        }
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
        self.f.begin_object(&mut self.w).map_err(io)?;
        self.f.begin_object_key(&mut self.w, true).map_err(io)?;
        self.string(variant)?;
        self.f.end_object_key(&mut self.w).map_err(io)?;
        self.f.begin_object_value(&mut self.w).map_err(io)?;
        self.serialize_map(Some(len))
    }
}

impl<W: Write, F: Formatter> Compound<'_, W, F> {
    fn element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        let first = self.state == State::First;
        self.ser
            .f
            .begin_array_value(&mut self.ser.w, first)
            .map_err(io)?;
        self.state = State::Rest;
        v.serialize(&mut *self.ser)?;
        self.ser.f.end_array_value(&mut self.ser.w).map_err(io)
    }
    fn end_seq(self) -> Result<(), Error> {
        match self.state {
            State::Empty => Ok(()),
            _ => self.ser.f.end_array(&mut self.ser.w).map_err(io),
        }
    }
    fn key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Error> {
        let first = self.state == State::First;
        self.ser
            .f
            .begin_object_key(&mut self.ser.w, first)
            .map_err(io)?;
        self.state = State::Rest;
        k.serialize(KeySer {
            ser: &mut *self.ser,
        })?;
        self.ser.f.end_object_key(&mut self.ser.w).map_err(io)
    }
    fn value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.ser.f.begin_object_value(&mut self.ser.w).map_err(io)?;
        v.serialize(&mut *self.ser)?;
        self.ser.f.end_object_value(&mut self.ser.w).map_err(io)
    }
    fn end_map(self) -> Result<(), Error> {
        match self.state {
            State::Empty => Ok(()),
            _ => self.ser.f.end_object(&mut self.ser.w).map_err(io),
        }
    }
    /// Closes a variant's inner compound, then the `{"variant": …}` around it.
    fn end_variant(self, map: bool) -> Result<(), Error> {
        let ser = match self.state {
            State::Empty => self.ser,
            _ if map => {
                self.ser.f.end_object(&mut self.ser.w).map_err(io)?;
                self.ser
            }
            _ => {
                self.ser.f.end_array(&mut self.ser.w).map_err(io)?;
                self.ser
            }
        };
        ser.f.end_object_value(&mut ser.w).map_err(io)?;
        ser.f.end_object(&mut ser.w).map_err(io)
    }
}

impl<W: Write, F: Formatter> ser::SerializeSeq for Compound<'_, W, F> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.element(v)
    }
    fn end(self) -> Result<(), Error> {
        self.end_seq()
    }
}

impl<W: Write, F: Formatter> ser::SerializeTuple for Compound<'_, W, F> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.element(v)
    }
    fn end(self) -> Result<(), Error> {
        self.end_seq()
    }
}

impl<W: Write, F: Formatter> ser::SerializeTupleStruct for Compound<'_, W, F> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.element(v)
    }
    fn end(self) -> Result<(), Error> {
        self.end_seq()
    }
}

impl<W: Write, F: Formatter> ser::SerializeTupleVariant for Compound<'_, W, F> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.element(v)
    }
    fn end(self) -> Result<(), Error> {
        self.end_variant(false)
    }
}

impl<W: Write, F: Formatter> ser::SerializeMap for Compound<'_, W, F> {
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

impl<W: Write, F: Formatter> ser::SerializeStruct for Compound<'_, W, F> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        self.key(key)?;
        self.value(v)
    }
    fn end(self) -> Result<(), Error> {
        self.end_map()
    }
}

impl<W: Write, F: Formatter> ser::SerializeStructVariant for Compound<'_, W, F> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        self.key(key)?;
        self.value(v)
    }
    fn end(self) -> Result<(), Error> {
        self.end_variant(true)
    }
}

/// Map keys: strings as they are; numbers, booleans and characters quoted, as
/// serde_json writes them; anything else is an error, as in serde_json.
struct KeySer<'a, W, F> {
    ser: &'a mut Ser<W, F>,
}

fn key_must_be_a_string() -> Error {
    ser::Error::custom("key must be a string")
}

impl<W: Write, F: Formatter> KeySer<'_, W, F> {
    fn quoted(
        self,
        write: impl FnOnce(&mut F, &mut W) -> std::io::Result<()>,
    ) -> Result<(), Error> {
        let Ser { w, f } = self.ser;
        f.begin_string(w).map_err(io)?;
        write(f, w).map_err(io)?;
        f.end_string(w).map_err(io)
    }
}

impl<W: Write, F: Formatter> ser::Serializer for KeySer<'_, W, F> {
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
        self.ser.string(v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.ser.string(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.ser.string(variant)
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
    use serde_json::ser::{CompactFormatter, PrettyFormatter};
    use std::collections::BTreeMap;

    fn ours<T: Serialize>(v: &T, pretty: bool) -> String {
        let mut out = Vec::new();
        let r = if pretty {
            to_writer(&mut out, PrettyFormatter::new(), v)
        } else {
            to_writer(&mut out, CompactFormatter, v)
        };
        r.expect("serialises");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn the_word_test_flags_exactly_the_words_with_a_byte_to_escape() {
        // Every byte value at every position, among fillers just above and below the
        // thresholds (a borrow across bytes must not raise a false alarm).
        for filler in [b' ', b'!', b'#', b'[', b']', 0x7f, 0x80, 0xff, b'a'] {
            for v in 0..=255u8 {
                for at in 0..8 {
                    let mut w = [filler; 8];
                    w[at] = v;
                    let want = w.iter().any(|&c| special(c));
                    let m = special_mask(u64::from_le_bytes(w));
                    assert_eq!(m != 0, want, "{w:?}");
                    // The lowest flag is the first byte to escape.
                    let first = w.iter().position(|&c| special(c));
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
    fn the_string_test_finds_a_byte_to_escape_at_every_length_and_position() {
        for len in 0..=40usize {
            let plain = vec![b'a'; len];
            assert!(!needs_escape(&plain), "{len}");
            for at in 0..len {
                for c in [b'"', b'\\', b'\n', 0u8, 0x1f] {
                    let mut b = plain.clone();
                    b[at] = c;
                    assert!(needs_escape(&b), "{len} {at} {c}");
                }
                for c in [b' ', b'!', b'#', b']', 0x7f, 0x80, 0xff] {
                    let mut b = plain.clone();
                    b[at] = c;
                    assert!(!needs_escape(&b), "{len} {at} {c}");
                }
            }
        }
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        // Every byte class at every offset around the 8-byte words.
        let specials = [
            "\"", "\\", "\n", "\r", "\t", "\u{8}", "\u{c}", "\u{1}", "\u{1f}", "\u{7f}", "é",
            "\u{2028}", "/",
        ];
        let mut n = 0;
        for s in specials {
            for len in [
                0usize, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 50,
            ] {
                for at in 0..=len {
                    let mut text = "a".repeat(len);
                    text.insert_str(at, s);
                    text.push_str(s);
                    assert_eq!(
                        ours(&text, false),
                        serde_json::to_string(&text).unwrap(),
                        "{text:?}"
                    );
                    n += 1;
                }
            }
        }
        assert!(n > 2000);
        let all: String = (0u8..=0x7f).map(char::from).collect::<String>() + "ünïcödé \u{10ffff}";
        assert_eq!(
            ours(&all, true),
            serde_json::to_string_pretty(&all).unwrap()
        );
    }

    #[derive(serde::Serialize)]
    enum E {
        Unit,
        New(u8),
        Tuple(i32, String),
        Struct { a: Vec<u8>, b: Option<f64> },
        EmptyTuple(),
        EmptyStruct {},
    }

    #[derive(serde::Serialize)]
    struct S {
        flag: bool,
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
        nested: Vec<Vec<BTreeMap<String, Vec<u8>>>>,
        enums: Vec<E>,
        tuple: (u8, &'static str, ()),
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
    }

    #[test]
    fn every_shape_is_written_as_serde_json_writes_it() {
        let mut m = BTreeMap::new();
        m.insert("k\"ey".to_string(), vec![1, 2]);
        m.insert(String::new(), vec![]);
        let v = S {
            flag: true,
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
            ],
            tuple: (1, "two", ()),
            skipped: None,
        };
        assert_eq!(ours(&v, true), serde_json::to_string_pretty(&v).unwrap());
        assert_eq!(ours(&v, false), serde_json::to_string(&v).unwrap());
        // A key that is not a string fails, as in serde_json.
        let bad: BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into();
        assert!(to_writer(Vec::new(), CompactFormatter, &bad).is_err());
        assert!(serde_json::to_string(&bad).is_err());
    }
}
