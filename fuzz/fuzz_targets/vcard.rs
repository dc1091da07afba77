//! Fuzz target: The vCard reader: bytes named .vcf, read to the end.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    salesos_formats::read::fuzz_entry("vcard", data);
});
