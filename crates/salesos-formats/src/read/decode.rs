//! The streaming text layer under the CSV reader: transcodes any detected encoding to UTF-8
//! (encoding_rs, plus UTF-32 by hand) and turns lone CRs into LFs so that old-Mac files split into
//! records and physical lines are counted right. Memory is two fixed buffers.

use super::sniff::TextEncoding;
use super::BoxInput;
use std::io::{self, Read};

/// Input bytes read per refill.
const CHUNK: usize = 64 * 1024;

enum Decoder {
    /// Already UTF-8 (bytes are passed through; invalid bytes are reported per cell later).
    Utf8,
    /// encoding_rs.
    Rs(Box<encoding_rs::Decoder>),
    /// UTF-32, by hand.
    Utf32 { big_endian: bool },
}

/// A `Read` of UTF-8 text over an input in another encoding.
pub(crate) struct Decoded {
    input: BoxInput,
    decoder: Decoder,
    cr_to_lf: bool,
    inbuf: Vec<u8>,
    /// Undecoded bytes at the start of `inbuf`.
    pending: usize,
    out: Vec<u8>,
    out_pos: usize,
    held_cr: bool,
    eof: bool,
}

impl Decoded {
    /// Wraps an input positioned after the BOM.
    pub(crate) fn new(input: BoxInput, encoding: TextEncoding, cr_to_lf: bool) -> Decoded {
        let decoder = match encoding {
            TextEncoding::Utf8 => Decoder::Utf8,
            TextEncoding::Other(encoding) => Decoder::Rs(Box::new(encoding.new_decoder_without_bom_handling())),
            TextEncoding::Utf32Le => Decoder::Utf32 { big_endian: false },
            TextEncoding::Utf32Be => Decoder::Utf32 { big_endian: true },
        };
        Decoded {
            input,
            decoder,
            cr_to_lf,
            inbuf: vec![0; CHUNK],
            pending: 0,
            out: Vec::with_capacity(CHUNK * 3 + 16),
            out_pos: 0,
            held_cr: false,
            eof: false,
        }
    }

    /// Refills `out`; returns false at the end of the text.
    fn refill(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.out_pos = 0;
        if self.held_cr {
            self.out.push(b'\r');
            self.held_cr = false;
        }
        while self.out.is_empty() || (self.out.len() == 1 && self.out.first() == Some(&b'\r') && !self.eof) {
            if self.eof && self.pending == 0 {
                break;
            }
            let mut filled = self.pending;
            if !self.eof {
                let n = loop {
                    match self.input.read(self.inbuf.get_mut(filled..).unwrap_or_default()) {
                        Ok(n) => break n,
                        Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                        Err(err) => return Err(err),
                    }
                };
                if n == 0 {
                    self.eof = true;
                }
                filled += n;
            }
            let src = self.inbuf.get(..filled).unwrap_or_default();
            let consumed = decode_into(&mut self.decoder, src, &mut self.out, self.eof);
            self.inbuf.copy_within(consumed..filled, 0);
            self.pending = filled - consumed;
            if self.eof && self.pending > 0 && consumed == 0 {
                // Bytes that cannot form a character at the end of the input.
                self.out.extend_from_slice("\u{FFFD}".as_bytes());
                self.pending = 0;
            }
        }
        if self.cr_to_lf {
            if !self.eof && self.out.last() == Some(&b'\r') {
                self.out.pop();
                self.held_cr = true;
            }
            let len = self.out.len();
            for i in 0..len {
                if self.out.get(i) == Some(&b'\r') && self.out.get(i + 1) != Some(&b'\n') {
                    if let Some(b) = self.out.get_mut(i) {
                        *b = b'\n';
                    }
                }
            }
        }
        Ok(!self.out.is_empty())
    }
}

/// Decodes as much of `src` as possible onto `out`; returns the bytes consumed.
fn decode_into(decoder: &mut Decoder, src: &[u8], out: &mut Vec<u8>, last: bool) -> usize {
    match decoder {
        Decoder::Utf8 => {
            out.extend_from_slice(src);
            src.len()
        }
        Decoder::Rs(decoder) => {
            let start = out.len();
            let room = decoder.max_utf8_buffer_length(src.len()).unwrap_or(src.len() * 3 + 16);
            out.resize(start + room, 0);
            let (_, read, written, _) = decoder.decode_to_utf8(src, out.get_mut(start..).unwrap_or_default(), last);
            out.truncate(start + written);
            read
        }
        Decoder::Utf32 { big_endian } => {
            let mut consumed = 0;
            for unit in src.chunks_exact(4) {
                let bytes = [unit.first(), unit.get(1), unit.get(2), unit.get(3)].map(|b| b.copied().unwrap_or(0));
                let value = if *big_endian { u32::from_be_bytes(bytes) } else { u32::from_le_bytes(bytes) };
                let c = char::from_u32(value).unwrap_or('\u{FFFD}');
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                consumed += 4;
            }
            if last && consumed < src.len() {
                out.extend_from_slice("\u{FFFD}".as_bytes());
                consumed = src.len();
            }
            consumed
        }
    }
}

impl Read for Decoded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_pos >= self.out.len() && !self.refill()? {
            return Ok(0);
        }
        let available = self.out.get(self.out_pos..).unwrap_or_default();
        let n = available.len().min(buf.len());
        buf.get_mut(..n).unwrap_or_default().copy_from_slice(available.get(..n).unwrap_or_default());
        self.out_pos += n;
        Ok(n)
    }
}

/// Decodes a whole sample (for sniffing): the text as UTF-8 bytes.
pub(crate) fn decode_sample(bytes: &[u8], encoding: TextEncoding, last: bool) -> Vec<u8> {
    let mut decoder = match encoding {
        TextEncoding::Utf8 => return bytes.to_vec(),
        TextEncoding::Other(encoding) => Decoder::Rs(Box::new(encoding.new_decoder_without_bom_handling())),
        TextEncoding::Utf32Le => Decoder::Utf32 { big_endian: false },
        TextEncoding::Utf32Be => Decoder::Utf32 { big_endian: true },
    };
    let mut out = Vec::with_capacity(bytes.len() * 2);
    decode_into(&mut decoder, bytes, &mut out, last);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn decode_all(bytes: Vec<u8>, encoding: TextEncoding, cr: bool) -> String {
        let mut decoded = Decoded::new(Box::new(Cursor::new(bytes)), encoding, cr);
        let mut out = String::new();
        decoded.read_to_string(&mut out).expect("decode");
        out
    }

    #[test]
    fn transcodes_and_converts_lone_crs() {
        let utf16: Vec<u8> = "a,é\r\nb,ü\rc".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decode_all(utf16, TextEncoding::Other(encoding_rs::UTF_16LE), true), "a,é\r\nb,ü\nc");
        let utf32: Vec<u8> = "x,ÿ\n".chars().flat_map(|c| (c as u32).to_be_bytes()).collect();
        assert_eq!(decode_all(utf32, TextEncoding::Utf32Be, false), "x,ÿ\n");
        assert_eq!(decode_all(b"caf\xe9\r".to_vec(), TextEncoding::Other(encoding_rs::WINDOWS_1252), true), "café\n");
        // A CR at the end of a chunk followed by LF at the start of the next stays CRLF.
        let mut big = vec![b'a'; CHUNK - 1];
        big.extend_from_slice(b"\r\nb\r");
        let text = decode_all(big, TextEncoding::Utf8, true);
        assert!(text.ends_with("a\r\nb\n"), "{:?}", &text[text.len() - 6..]);
    }
}
