//! cargo-fuzz target: [`pipewise_fuzz::yaml_fast`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pipewise_fuzz::yaml_fast(data));
