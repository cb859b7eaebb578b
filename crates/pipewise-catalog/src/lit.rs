//! Data written as Rust constant expressions, for build scripts that read a data file
//! (TOML) and write it as statics: the catalogue's (`build.rs`, `src/source.rs`) and
//! pipewise's price table (`crates/pipewise/build.rs`). A value is written by [`Lit`];
//! a struct by `lit_struct!`, field by field. Standard library only.

use std::collections::BTreeMap;

/// A value written as a Rust constant expression.
pub trait Lit {
    fn lit(&self, out: &mut String);
}

/// As `{:?}` prints them: a string as a Rust string literal (escapes included),
/// numbers and `true`/`false` as written; enumerations as `Type::Variant`.
#[macro_export]
macro_rules! lit_display {
    ($($ty:ty => $prefix:literal),* $(,)?) => {
        $(
            impl $crate::lit::Lit for $ty {
                fn lit(&self, out: &mut String) {
                    use std::fmt::Write;
                    let _ = write!(out, "{}{self:?}", $prefix);
                }
            }
        )*
    };
}

crate::lit_display!(
    String => "",
    bool => "",
    u8 => "",
    u32 => "",
    usize => "",
    f64 => "",
);

impl<T: Lit> Lit for Option<T> {
    fn lit(&self, out: &mut String) {
        match self {
            Some(v) => {
                out.push_str("Some(");
                v.lit(out);
                out.push(')');
            }
            None => out.push_str("None"),
        }
    }
}
/// A slice reference (`&[a, b]`).
impl<T: Lit> Lit for Vec<T> {
    fn lit(&self, out: &mut String) {
        out.push_str("&[");
        for v in self {
            v.lit(out);
            out.push_str(", ");
        }
        out.push(']');
    }
}
/// An array (`[a, b]`).
impl<T: Lit, const N: usize> Lit for [T; N] {
    fn lit(&self, out: &mut String) {
        out.push('[');
        for v in self {
            v.lit(out);
            out.push_str(", ");
        }
        out.push(']');
    }
}
impl<A: Lit, B: Lit> Lit for (A, B) {
    fn lit(&self, out: &mut String) {
        out.push('(');
        self.0.lit(out);
        out.push_str(", ");
        self.1.lit(out);
        out.push(')');
    }
}
/// A slice of `(key, value)` sorted by key.
impl<K: Lit, V: Lit> Lit for BTreeMap<K, V> {
    fn lit(&self, out: &mut String) {
        out.push_str("&[");
        for (k, v) in self {
            out.push('(');
            k.lit(out);
            out.push_str(", ");
            v.lit(out);
            out.push_str("), ");
        }
        out.push(']');
    }
}

/// `Name { field: value, ... }`, each value through [`Lit`]: `lit_struct!(Row {
/// class, usd })`, or `lit_struct!(Source as Catalog { ... })` for a type written
/// under another name.
#[macro_export]
macro_rules! lit_struct {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        $crate::lit_struct!($ty as $ty { $($field),* });
    };
    ($ty:ident as $name:ident { $($field:ident),* $(,)? }) => {
        impl $crate::lit::Lit for $ty {
            fn lit(&self, out: &mut String) {
                out.push_str(concat!(stringify!($name), " {"));
                $(
                    out.push_str(concat!(" ", stringify!($field), ": "));
                    $crate::lit::Lit::lit(&self.$field, out);
                    out.push(',');
                )*
                out.push_str(" }");
            }
        }
    };
}
