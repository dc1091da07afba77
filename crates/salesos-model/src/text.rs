//! Text helpers on the hot path of every cell.

/// Trims whitespace as [`str::trim`] does, without decoding a character when the text starts and
/// ends with ASCII that is not whitespace (almost every cell): `str::trim` calls a Unicode
/// whitespace test through a function pointer for each end.
#[inline]
pub fn trim(text: &str) -> &str {
    match text.as_bytes() {
        [] => text,
        [first, .., last] if is_ascii_visible(*first) && is_ascii_visible(*last) => text,
        [only] if is_ascii_visible(*only) => text,
        _ => text.trim(),
    }
}

/// Whether a byte is ASCII and not whitespace in Unicode's sense (tab to carriage return and
/// space are; the other control characters are not, as in [`char::is_whitespace`]).
#[inline]
fn is_ascii_visible(byte: u8) -> bool {
    byte.is_ascii() && !matches!(byte, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

#[cfg(test)]
mod tests {
    #[test]
    fn trims_exactly_as_the_standard_library() {
        let samples = [
            "",
            " ",
            "a",
            " a",
            "a ",
            " a ",
            "\t\n a b \r\n",
            "\u{a0}x\u{a0}",
            "\u{3000}全角\u{3000}",
            "\u{1f}x\u{1f}",
            "\u{85}x",
            "x\u{2028}",
            "\u{7f}",
            "é",
            " é ",
            "ab",
            "a\u{b}",
            "\u{c}a",
            "Ünïcode",
            "x\u{200b}",
        ];
        for sample in samples {
            assert_eq!(super::trim(sample), sample.trim(), "{sample:?}");
        }
        for byte in 0u8..=0x7f {
            let text = format!("{}a{}", char::from(byte), char::from(byte));
            assert_eq!(super::trim(&text), text.trim(), "byte {byte:#x}");
            let single = char::from(byte).to_string();
            assert_eq!(super::trim(&single), single.trim(), "byte {byte:#x} alone");
        }
    }
}
