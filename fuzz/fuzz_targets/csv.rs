//! Fuzz target: The CSV reader: bytes named .csv, read to the end (encoding, dialect, rows).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    salesos_formats::read::fuzz_entry("csv", data);
});
