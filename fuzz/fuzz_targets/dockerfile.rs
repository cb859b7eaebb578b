//! cargo-fuzz target: [`pipewise_fuzz::dockerfile`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pipewise_fuzz::dockerfile(data));
