//! cargo-fuzz target: [`pipewise_fuzz::expr`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pipewise_fuzz::expr(data));
