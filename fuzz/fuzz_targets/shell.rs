//! cargo-fuzz target: [`pipewise_fuzz::shell`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pipewise_fuzz::shell(data));
