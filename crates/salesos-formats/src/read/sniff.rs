//! Sniffing: the format from the first bytes, the text encoding, the CSV dialect (delimiter,
//! quote, escape, line ending) and the header row.
//!
//! Every function here works on a bounded sample (the first [`HEAD_BYTES`] of the file, or the
//! first records), never on the whole file.

use super::{Escape, Format, LineEnding, ReadError};
use encoding_rs::Encoding;

/// Bytes read from the start of a file for sniffing (64 KiB).
pub const HEAD_BYTES: usize = 64 * 1024;

/// Delimiters tried, in order of preference on ties.
pub const DELIMITERS: [u8; 7] = [b',', b';', b'\t', b'|', b'^', b':', b'`'];

/// Records looked at for the dialect and header.
pub const SAMPLE_RECORDS: usize = 50;

/// Detects the format from the content, falling back to the file name's extension.
pub fn format(head: &[u8], name: &str) -> Result<Format, ReadError> {
    let ext = extension(name);
    let unsupported = |detail: &str| ReadError::Unsupported { file: name.to_string(), detail: detail.to_string() };
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Ok(match ext.as_str() {
            "xlsb" => Format::Xlsb,
            "ods" => Format::Ods,
            _ if contains(head, b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet") => Format::Ods,
            _ if contains(head, b"xl/workbook.bin") => Format::Xlsb,
            _ if contains(head, b"mimetypeapplication/vnd.oasis.opendocument") => {
                return Err(unsupported("an OpenDocument file that is not a spreadsheet"))
            }
            _ if contains(head, b"word/") && !contains(head, b"xl/") => return Err(unsupported("a Word document")),
            _ if contains(head, b"ppt/") && !contains(head, b"xl/") => return Err(unsupported("a PowerPoint presentation")),
            _ => Format::Xlsx,
        });
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // A compound file: a legacy .xls, or an encrypted OOXML workbook (decided when opening).
        return Ok(Format::Xls);
    }
    for (magic, what) in MAGIC {
        if head.starts_with(magic) {
            return Err(unsupported(what));
        }
    }
    let text = strip_bom(head);
    let trimmed = trim_start_ascii(text);
    if starts_with_ignore_case(trimmed, b"BEGIN:VCARD") {
        return Ok(Format::Vcard);
    }
    let json_ext = matches!(ext.as_str(), "json" | "ndjson" | "jsonl");
    let csv_ext = matches!(ext.as_str(), "csv" | "tsv" | "tab" | "txt" | "psv");
    match trimmed.first() {
        Some(b'{') if !csv_ext || looks_like_json_object(trimmed) => return Ok(Format::Json),
        Some(b'[') if json_ext || looks_like_json_array(trimmed) => {
            // A jCard is a JSON array starting with "vcard".
            let rest = trim_start_ascii(trimmed.get(1..).unwrap_or_default());
            let rest = trim_start_ascii(rest.strip_prefix(b"[").unwrap_or(rest));
            if rest.starts_with(b"\"vcard\"") {
                return Ok(Format::Vcard);
            }
            return Ok(Format::Json);
        }
        _ => {}
    }
    if looks_binary(head) {
        return Err(unsupported("it looks like binary data"));
    }
    Ok(match ext.as_str() {
        "vcf" | "vcard" => Format::Vcard,
        "json" | "ndjson" | "jsonl" => Format::Json,
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => {
            return Err(ReadError::Corrupt {
                file: name.to_string(),
                detail: format!("a .{ext} file should be a workbook, but its content is text; if it is CSV, rename it .csv"),
            })
        }
        _ => Format::Csv,
    })
}

/// Signatures of files that are certainly not ours.
const MAGIC: [(&[u8], &str); 10] = [
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"\xFF\xD8\xFF", "a JPEG image"),
    (b"\x1F\x8B", "a gzip archive"),
    (b"7z\xBC\xAF", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7FELF", "a program"),
    (b"MZ", "a Windows program"),
    (b"BZh", "a bzip2 archive"),
];

fn extension(name: &str) -> String {
    name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).unwrap_or_default()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

fn trim_start_ascii(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

fn starts_with_ignore_case(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes.len() >= prefix.len() && bytes.iter().zip(prefix).all(|(a, b)| a.eq_ignore_ascii_case(b))
}

fn looks_like_json_object(text: &[u8]) -> bool {
    let rest = trim_start_ascii(text.get(1..).unwrap_or_default());
    rest.first().is_none_or(|b| matches!(b, b'"' | b'}'))
}

fn looks_like_json_array(text: &[u8]) -> bool {
    let rest = trim_start_ascii(text.get(1..).unwrap_or_default());
    match rest.first() {
        None | Some(b'{' | b']' | b'[') => true,
        Some(b'"') => !rest.iter().take(200).any(|b| *b == b'\n') || rest.iter().take_while(|b| **b != b'\n').any(|b| *b == b']'),
        _ => false,
    }
}

/// Binary content: NUL bytes or many control characters, unless it is UTF-16/32 text.
fn looks_binary(head: &[u8]) -> bool {
    if head.is_empty() || bom(head).is_some() || utf16_without_bom(head).is_some() || utf32_without_bom(head).is_some() {
        return false;
    }
    let sample = &head[..head.len().min(8192)];
    let control = sample.iter().filter(|b| matches!(b, 0..=8 | 14..=26 | 28..=31)).count();
    control * 10 > sample.len()
}

/// A detected text encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 (or plain ASCII).
    Utf8,
    /// An encoding `encoding_rs` decodes (UTF-16, Windows-1252, ISO-8859-7, Shift_JIS…).
    Other(&'static Encoding),
    /// UTF-32 little-endian.
    Utf32Le,
    /// UTF-32 big-endian.
    Utf32Be,
}

impl TextEncoding {
    /// The canonical name: `UTF-8`, `UTF-16LE`, `windows-1252`, `UTF-32BE`…
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Other(encoding) => encoding.name(),
            TextEncoding::Utf32Le => "UTF-32LE",
            TextEncoding::Utf32Be => "UTF-32BE",
        }
    }

    /// Bytes per code unit that a NUL-free ASCII character takes (for UTF-16/32 detection).
    pub fn is_wide(self) -> bool {
        match self {
            TextEncoding::Utf8 => false,
            TextEncoding::Other(encoding) => encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE,
            TextEncoding::Utf32Le | TextEncoding::Utf32Be => true,
        }
    }

    /// Parses a user's encoding label (WHATWG labels plus `utf-32`, `utf-32le`, `utf-32be`).
    pub fn from_label(label: &str) -> Option<TextEncoding> {
        let lower = label.trim().to_ascii_lowercase();
        match lower.as_str() {
            "utf-32" | "utf32" | "utf-32le" | "utf32le" => Some(TextEncoding::Utf32Le),
            "utf-32be" | "utf32be" => Some(TextEncoding::Utf32Be),
            "utf-16" | "utf16" => Some(TextEncoding::Other(encoding_rs::UTF_16LE)),
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" => Some(TextEncoding::Other(encoding_rs::WINDOWS_1252)),
            "shift-jis" | "sjis" => Some(TextEncoding::Other(encoding_rs::SHIFT_JIS)),
            _ => match Encoding::for_label(lower.as_bytes()) {
                Some(encoding) if encoding == encoding_rs::UTF_8 => Some(TextEncoding::Utf8),
                Some(encoding) if encoding == encoding_rs::REPLACEMENT || encoding == encoding_rs::X_USER_DEFINED => None,
                Some(encoding) => Some(TextEncoding::Other(encoding)),
                None => None,
            },
        }
    }
}

/// The byte order mark at the start, if any: the encoding and the BOM's length.
pub fn bom(head: &[u8]) -> Option<(TextEncoding, usize)> {
    if head.starts_with(b"\xEF\xBB\xBF") {
        Some((TextEncoding::Utf8, 3))
    } else if head.starts_with(b"\xFF\xFE\x00\x00") {
        // Checked before UTF-16LE, whose BOM is a prefix of this one.
        Some((TextEncoding::Utf32Le, 4))
    } else if head.starts_with(b"\x00\x00\xFE\xFF") {
        Some((TextEncoding::Utf32Be, 4))
    } else if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        // Some writers (Salesforce Data Loader) put a 2-byte BOM before UTF-32 text.
        if let Some(wide) = utf32_without_bom(head.get(2..).unwrap_or_default()) {
            return Some((wide, 2));
        }
        if head.starts_with(b"\xFE\xFF") {
            return Some((TextEncoding::Other(encoding_rs::UTF_16BE), 2));
        }
        Some((TextEncoding::Other(encoding_rs::UTF_16LE), 2))
    } else if head.starts_with(b"\xFE\xFF") {
        Some((TextEncoding::Other(encoding_rs::UTF_16BE), 2))
    } else {
        None
    }
}

/// BOM-less UTF-32, recognised by three NUL bytes in each 4-byte unit of ASCII text.
fn utf32_without_bom(head: &[u8]) -> Option<TextEncoding> {
    let units: Vec<&[u8]> = head.chunks_exact(4).take(1024).collect();
    if units.len() < 2 {
        return None;
    }
    let le = units.iter().filter(|u| matches!(u, [a, 0, 0, 0] if *a != 0)).count();
    let be = units.iter().filter(|u| matches!(u, [0, 0, 0, a] if *a != 0)).count();
    if le * 10 >= units.len() * 8 {
        Some(TextEncoding::Utf32Le)
    } else if be * 10 >= units.len() * 8 {
        Some(TextEncoding::Utf32Be)
    } else {
        None
    }
}

/// BOM-less UTF-16, recognised by NUL bytes in the odd (LE) or even (BE) positions of ASCII text.
fn utf16_without_bom(head: &[u8]) -> Option<TextEncoding> {
    let sample = &head[..head.len().min(4096) & !1];
    if sample.len() < 4 {
        return None;
    }
    let pairs = sample.len() / 2;
    let (mut even_nul, mut odd_nul) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        if let [a, b] = pair {
            even_nul += usize::from(*a == 0);
            odd_nul += usize::from(*b == 0);
        }
    }
    if odd_nul * 10 >= pairs * 6 && even_nul * 10 <= pairs {
        Some(TextEncoding::Other(encoding_rs::UTF_16LE))
    } else if even_nul * 10 >= pairs * 6 && odd_nul * 10 <= pairs {
        Some(TextEncoding::Other(encoding_rs::UTF_16BE))
    } else {
        None
    }
}

/// Detects the encoding of a text file from its first bytes: BOM, BOM-less UTF-16, valid UTF-8,
/// else chardetng's guess. Returns the encoding and the BOM length to skip.
pub fn encoding(head: &[u8], complete: bool) -> (TextEncoding, usize) {
    if let Some(found) = bom(head) {
        return found;
    }
    if let Some(found) = utf32_without_bom(head).or_else(|| utf16_without_bom(head)) {
        return (found, 0);
    }
    match std::str::from_utf8(head) {
        Ok(_) => return (TextEncoding::Utf8, 0),
        // A character cut at the end of the sample is fine.
        Err(err) if err.error_len().is_none() && !complete => return (TextEncoding::Utf8, 0),
        Err(_) => {}
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(head, complete);
    let guess = detector.guess(None, chardetng::Utf8Detection::Allow);
    if guess == encoding_rs::WINDOWS_1253 && !head.iter().any(|b| (0x80..=0x9F).contains(b) || *b == 0xA2) {
        // Without the bytes where they differ (C1 range, 0xA2), Greek text is as likely
        // ISO-8859-7 (the Unix and web default); both decode such a file the same way.
        return (TextEncoding::Other(encoding_rs::ISO_8859_7), 0);
    }
    if guess == encoding_rs::UTF_8 {
        // Mostly UTF-8 with a few bad bytes: read as UTF-8 and report the bad bytes per cell.
        (TextEncoding::Utf8, 0)
    } else {
        (TextEncoding::Other(guess), 0)
    }
}

/// Detects the line ending from a decoded sample, outside quoted fields as far as can be told.
pub fn line_ending(text: &[u8]) -> LineEnding {
    let (mut crlf, mut lf, mut cr) = (0usize, 0usize, 0usize);
    let mut iter = text.iter().peekable();
    while let Some(&b) = iter.next() {
        match b {
            b'\r' => {
                if iter.peek() == Some(&&b'\n') {
                    iter.next();
                    crlf += 1;
                } else {
                    cr += 1;
                }
            }
            b'\n' => lf += 1,
            _ => {}
        }
    }
    let kinds = usize::from(crlf > 0) + usize::from(lf > 0) + usize::from(cr > 0);
    match (crlf, lf, cr) {
        (0, 0, 0) => LineEnding::None,
        _ if kinds > 1 => {
            // Stray CRs inside quoted cells of an LF/CRLF file do not make it CR-only.
            if cr > crlf + lf {
                LineEnding::Cr
            } else {
                LineEnding::Mixed
            }
        }
        (_, 0, 0) => LineEnding::CrLf,
        (0, _, 0) => LineEnding::Lf,
        _ => LineEnding::Cr,
    }
}

/// The sniffed CSV dialect (without the line ending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    /// Delimiter.
    pub delimiter: u8,
    /// Quote.
    pub quote: u8,
    /// Escape style.
    pub escape: Escape,
}

/// Splits a UTF-8 sample into records with a candidate dialect (the sample's last, possibly cut
/// record is dropped unless `complete`).
pub fn sample_records(text: &[u8], delimiter: u8, quote: u8, escape: Escape, complete: bool, max: usize) -> Vec<Vec<String>> {
    let mut builder = ::csv::ReaderBuilder::new();
    builder.has_headers(false).flexible(true).delimiter(delimiter).quote(quote);
    if escape == Escape::Backslash {
        builder.escape(Some(b'\\')).double_quote(false);
    }
    let mut reader = builder.from_reader(text);
    let mut records = Vec::new();
    let mut record = ::csv::ByteRecord::new();
    while records.len() < max + 1 {
        match reader.read_byte_record(&mut record) {
            Ok(true) => records.push(record.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect::<Vec<String>>()),
            Ok(false) | Err(_) => break,
        }
    }
    let at_end = reader.is_done();
    if !complete && !at_end && records.len() > max {
        records.truncate(max);
    } else if !complete && records.len() > 1 {
        // The last record may be cut by the end of the sample.
        records.pop();
    }
    records.truncate(max);
    records
}

/// Scores how well a delimiter splits the records: the share of records that have the modal
/// number of fields, weighted by that number (one field scores zero).
fn consistency(records: &[Vec<String>]) -> (f64, usize) {
    let counts: Vec<usize> =
        records.iter().filter(|r| !(r.len() == 1 && r.first().is_some_and(|c| c.is_empty()))).map(Vec::len).collect();
    if counts.is_empty() {
        return (0.0, 0);
    }
    let mut freq: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    for c in &counts {
        *freq.entry(*c).or_default() += 1;
    }
    // The modal count; on ties the larger count.
    let (mode, hits) = freq.iter().fold((0usize, 0usize), |best, (count, n)| if *n >= best.1 { (*count, *n) } else { best });
    if mode <= 1 {
        return (0.0, mode);
    }
    let share = hits as f64 / counts.len() as f64;
    (share * (1.0 - 1.0 / mode as f64), mode)
}

/// Sniffs the delimiter, quote and escape from a decoded (UTF-8) sample.
pub fn dialect(
    text: &[u8],
    complete: bool,
    forced_delimiter: Option<u8>,
    forced_quote: Option<u8>,
    forced_escape: Option<Escape>,
) -> Sniffed {
    let quote = forced_quote.unwrap_or_else(|| quote_char(text));
    let escape = forced_escape.unwrap_or_else(|| escape_style(text, quote));
    let delimiter = forced_delimiter.unwrap_or_else(|| {
        // The usual delimiters first; the rare ones (which also appear in times and text) only
        // when none of the usual ones splits the records consistently.
        let mut best = (b',', 0.0f64);
        for (tier, candidates) in [&DELIMITERS[..4], &DELIMITERS[4..]].into_iter().enumerate() {
            if tier == 1 && best.1 >= 0.4 {
                break;
            }
            for &delimiter in candidates {
                if !text.contains(&delimiter) {
                    continue;
                }
                let records = sample_records(text, delimiter, quote, escape, complete, SAMPLE_RECORDS);
                let (score, _) = consistency(&records);
                if score > best.1 + 1e-9 {
                    best = (delimiter, score);
                }
            }
        }
        best.0
    });
    Sniffed { delimiter, quote, escape }
}

/// The quote character: `'` when fields are single-quoted and none double-quoted, else `"`.
fn quote_char(text: &[u8]) -> u8 {
    let opens = |q: u8| {
        text.windows(2)
            .filter(|w| matches!(w, [a, b] if *b == q && matches!(a, b',' | b';' | b'\t' | b'|' | b'\n' | b'\r' | b'^' | b'`')))
            .count()
            + usize::from(text.first() == Some(&q))
    };
    let (double, single) = (opens(b'"'), opens(b'\''));
    if single > 0 && double == 0 && single >= 2 {
        b'\''
    } else {
        b'"'
    }
}

/// The escape style: backslash when `\"` appears and is not part of a doubled `""`.
fn escape_style(text: &[u8], quote: u8) -> Escape {
    let mut backslashed = 0usize;
    let mut doubled = 0usize;
    for window in text.windows(3) {
        if let [a, b, c] = window {
            if *a == b'\\' && *b == quote && *c != quote {
                backslashed += 1;
            }
            if *a != b'\\' && *b == quote && *c == quote && *a != b',' && *a != b';' && *a != b'\t' && *a != b'\n' {
                doubled += 1;
            }
        }
    }
    if backslashed > doubled {
        Escape::Backslash
    } else {
        Escape::Doubled
    }
}

/// What a cell looks like, for header detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CellKind {
    Empty,
    Number,
    Date,
    Text,
}

fn cell_kind(cell: &str) -> CellKind {
    let t = cell.trim();
    if t.is_empty() {
        return CellKind::Empty;
    }
    let stripped = t.trim_start_matches(['-', '+', '$', '€', '£', '(']).trim_end_matches([')', '%']);
    if !stripped.is_empty()
        && stripped.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b',' | b'e' | b'E' | b'-' | b'+'))
        && stripped.bytes().next().is_some_and(|b| b.is_ascii_digit() || b == b'.')
    {
        return CellKind::Number;
    }
    let digits = t.bytes().filter(u8::is_ascii_digit).count();
    if digits >= 4 && t.len() <= 35 && t.bytes().all(|b| b.is_ascii_digit() || b"-/.:TZ +".contains(&b)) {
        return CellKind::Date;
    }
    CellKind::Text
}

/// Where the header is in the first records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderGuess {
    /// Index of the header record among the sample (0-based), `None` when there is no header.
    pub header: Option<usize>,
    /// Records before the header (or before the first data record) that are titles, comments or blank.
    pub skip: usize,
    /// The table's width: the most common number of cells up to the last non-empty one.
    pub width: usize,
}

fn filled_width(record: &[String]) -> usize {
    record.iter().rposition(|c| !c.trim().is_empty()).map_or(0, |p| p + 1)
}

/// Guesses the header row among the first records: skips blank, title and comment rows above
/// it; a first row that holds numbers or dates where the rows below do is data, not a header.
pub fn header(records: &[Vec<String>]) -> HeaderGuess {
    let widths: Vec<usize> = records.iter().map(|r| r.iter().filter(|c| !c.trim().is_empty()).count()).collect();
    let mut freq: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    for w in widths.iter().filter(|w| **w > 0) {
        *freq.entry(*w).or_default() += 1;
    }
    let mode = freq.iter().fold((0usize, 0usize), |best, (w, n)| if *n >= best.1 { (*w, *n) } else { best }).0;
    let table_width = records.iter().map(Vec::len).max().unwrap_or(0);
    // The first record wide enough to start the table.
    let needed = if mode <= 1 { 1 } else { mode.div_ceil(2).max(2) };
    let start = widths.iter().position(|w| *w >= needed).unwrap_or(0);
    let is_comment = |r: &Vec<String>| r.first().is_some_and(|c| c.trim_start().starts_with('#')) && filled_width(r) <= 1;
    let filled = |r: &Vec<String>| r.iter().filter(|c| !c.trim().is_empty()).count();
    let skip = if records.iter().take(start).all(|r| filled(r) < needed || is_comment(r)) { start } else { 0 };
    let Some(candidate) = records.get(skip) else {
        return HeaderGuess { header: None, skip: 0, width: table_width };
    };
    let below: Vec<&Vec<String>> = records.iter().skip(skip + 1).filter(|r| filled_width(r) > 0).collect();
    let mut score: i64 = 0;
    let mut candidate_numeric = 0;
    for (index, cell) in candidate.iter().enumerate() {
        let kind = cell_kind(cell);
        let column: Vec<CellKind> = below
            .iter()
            .map(|r| r.get(index).map_or(CellKind::Empty, |c| cell_kind(c)))
            .filter(|k| *k != CellKind::Empty)
            .collect();
        let typed = column.iter().filter(|k| matches!(k, CellKind::Number | CellKind::Date)).count();
        let mostly_typed = !column.is_empty() && typed * 2 > column.len();
        match kind {
            CellKind::Number | CellKind::Date => {
                candidate_numeric += 1;
                score -= 2;
            }
            CellKind::Text if mostly_typed => score += 2,
            _ => {}
        }
    }
    let header = if candidate_numeric > 0 && score < 0 { None } else { Some(skip) };
    HeaderGuess { header, skip, width: table_width }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<Vec<String>> {
        text.lines().map(|l| l.split(',').map(str::to_string).collect()).collect()
    }

    #[test]
    fn header_detection() {
        assert_eq!(header(&rows("name,age\nann,3\nbob,4")).header, Some(0));
        assert_eq!(header(&rows("1,english\n2,german\n3,french")).header, None);
        let titled = header(&rows("Title,,,\n,,,\nid,name,city,zip\n1,a,b,2\n2,c,d,3"));
        assert_eq!((titled.header, titled.skip), (Some(2), 2));
        assert_eq!(header(&rows("# comment\na,b,c\n1,2,3")).header, Some(1));
        assert_eq!(header(&rows("Southborough,MA,9686\nNorthbridge,MA,14061")).header, None);
    }

    #[test]
    fn encodings() {
        assert_eq!(encoding(b"\xFF\xFE\x00\x00a\x00\x00\x00", true).0, TextEncoding::Utf32Le);
        assert_eq!(encoding(b"\xFF\xFEa\x00", true).0, TextEncoding::Other(encoding_rs::UTF_16LE));
        assert_eq!(encoding(b"a\x00,\x00b\x00\n\x00", true).0, TextEncoding::Other(encoding_rs::UTF_16LE));
        assert_eq!(encoding(b"\x00a\x00,\x00b\x00\n", true).0, TextEncoding::Other(encoding_rs::UTF_16BE));
        assert_eq!(encoding("caf\u{e9}".as_bytes(), true).0, TextEncoding::Utf8);
        assert_eq!(TextEncoding::from_label("latin1"), Some(TextEncoding::Other(encoding_rs::WINDOWS_1252)));
        assert_eq!(TextEncoding::from_label("nope"), None);
    }

    #[test]
    fn dialects() {
        assert_eq!(dialect(b"a;b;c\n1;2;3\n", true, None, None, None).delimiter, b';');
        assert_eq!(dialect(b"a\tb\n1\t2\n", true, None, None, None).delimiter, b'\t');
        assert_eq!(dialect(b"a,b\n1,\"x\\\"y\"\n", true, None, None, None).escape, Escape::Backslash);
        assert_eq!(dialect(b"a,b\n'x',y\n'z',w\n", true, None, None, None).quote, b'\'');
        assert_eq!(line_ending(b"a\rb\rc"), LineEnding::Cr);
        assert_eq!(line_ending(b"a\r\nb\r\n"), LineEnding::CrLf);
    }
}
