//! cargo-fuzz target: [`pipewise_fuzz::yaml_model`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pipewise_fuzz::yaml_model(data));
