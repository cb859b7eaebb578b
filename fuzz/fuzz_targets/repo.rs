//! cargo-fuzz target: [`pipewise_fuzz::repo`] (whole-repository audits).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pipewise_fuzz::repo(data));
