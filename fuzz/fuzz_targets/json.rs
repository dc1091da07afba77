//! Fuzz target: The JSON reader: bytes named .json, read to the end.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    salesos_formats::read::fuzz_entry("json", data);
});
