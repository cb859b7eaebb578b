//! A string-keyed table that needs no hashing at run time: keys by length, first and
//! last byte. Shared by the library (lookups) and its build script (which sorts the
//! keys into buckets and writes the table as statics): `build.rs` includes this file
//! with `#[path]`.

/// The bucket of `key` in a table of 2^`bits` buckets.
pub fn bucket(key: &[u8], bits: u32) -> usize {
    let (Some(&f), Some(&l)) = (key.first(), key.last()) else {
        return 0;
    };
    let k = (key.len() as u32) << 16 | u32::from(f) << 8 | u32::from(l);
    (k.wrapping_mul(0x9E37_79B1) >> (32 - bits)) as usize
}

/// Bucket starts of `keys` in a table of 2^`bits` buckets, and the order of the keys
/// in it (indexes into `keys`, by bucket, ties in the order given): bucket `b`'s keys
/// are `order[starts[b]..starts[b + 1]]`.
#[allow(dead_code)] // used by the build script and the tests
pub fn layout(keys: &[&str], bits: u32) -> (Vec<u32>, Vec<usize>) {
    let mut order: Vec<(usize, usize)> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (bucket(k.as_bytes(), bits), i))
        .collect();
    order.sort_unstable();
    let mut starts = Vec::with_capacity((1 << bits) + 1);
    let mut at = 0;
    for b in 0..=(1usize << bits) {
        while order.get(at).is_some_and(|e| e.0 < b) {
            at += 1;
        }
        starts.push(at as u32);
    }
    (starts, order.into_iter().map(|(_, i)| i).collect())
}
