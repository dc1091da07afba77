//! Fuzz target: The workbook reader: bytes named .xlsx, read to the end.
#![no_main]

use libfuzzer_sys::fuzz_target;

// calamine runs on the reader's worker thread; a panic there (a calamine bug) ends that thread
// and the reader reports the workbook as damaged, as in production. The default hook of
// libfuzzer-sys would abort on it, so it is replaced; a panic on the fuzzing thread still
// aborts, because libfuzzer-sys catches it and aborts.
fuzz_target!(init: { std::panic::set_hook(Box::new(|_| {})); }, |data: &[u8]| {
    salesos_formats::read::fuzz_entry("xlsx", data);
});
