//! vCard 3.0 writer (RFC 2426, with the escaping and folding rules of RFC 6350).
//!
//! Each contact becomes one card with `BEGIN`, `VERSION`, `N`, `FN`, and, when present, `ORG`,
//! `TITLE`, `EMAIL`, `TEL`, `ADR` and `NOTE`. Lines end with CRLF; text escapes `\`, `,`, `;`
//! and line breaks; lines longer than 75 octets are folded on UTF-8 character boundaries.

use super::WriteError;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Longest line in octets, CRLF excluded (RFC 6350 §3.2).
const MAX_LINE: usize = 75;

/// One contact to write as a vCard.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VcardContact {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Company.
    pub org: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Email addresses as (label, address); the label (`work`, `home`, …) becomes the `TYPE`.
    pub emails: Vec<(String, String)>,
    /// Phone numbers as (label, number); `mobile` becomes `TYPE=CELL`.
    pub phones: Vec<(String, String)>,
    /// Street address.
    pub street: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State, province or region.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Free text.
    pub note: Option<String>,
}

/// A streaming writer of a `.vcf` file holding one card per contact.
#[derive(Debug)]
pub struct VcardWriter {
    path: PathBuf,
    out: BufWriter<File>,
    cards: u64,
}

impl VcardWriter {
    /// Creates (or truncates) the file.
    pub fn create(path: &Path) -> Result<VcardWriter, WriteError> {
        let file = File::create(path).map_err(|err| WriteError::io(path, err))?;
        Ok(VcardWriter { path: path.to_path_buf(), out: BufWriter::with_capacity(64 * 1024, file), cards: 0 })
    }

    /// Returns the file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one card.
    pub fn write_contact(&mut self, contact: &VcardContact) -> Result<(), WriteError> {
        write_vcard(&mut self.out, contact).map_err(|err| WriteError::io(&self.path, err))?;
        self.cards += 1;
        Ok(())
    }

    /// Flushes the file and returns the number of cards written.
    pub fn finish(mut self) -> Result<u64, WriteError> {
        self.out.flush().map_err(|err| WriteError::io(&self.path, err))?;
        Ok(self.cards)
    }
}

/// Writes one vCard 3.0 card to any writer.
pub fn write_vcard<W: Write>(out: &mut W, contact: &VcardContact) -> io::Result<()> {
    let mut line = String::with_capacity(128);

    out.write_all(b"BEGIN:VCARD\r\nVERSION:3.0\r\n")?;

    let first = contact.first_name.trim();
    let last = contact.last_name.trim();
    line.push_str("N:");
    push_components(&mut line, &[last, first, "", "", ""]);
    emit(&mut line, out)?;

    let full_name = match (first.is_empty(), last.is_empty()) {
        (false, false) => format!("{first} {last}"),
        (false, true) => first.to_string(),
        (true, false) => last.to_string(),
        (true, true) => text(&contact.org)
            .or_else(|| first_value(&contact.emails))
            .or_else(|| first_value(&contact.phones))
            .unwrap_or("(no name)")
            .to_string(),
    };
    line.push_str("FN:");
    escape_into(&mut line, &full_name);
    emit(&mut line, out)?;

    if let Some(org) = text(&contact.org) {
        line.push_str("ORG:");
        escape_into(&mut line, org);
        emit(&mut line, out)?;
    }
    if let Some(title) = text(&contact.title) {
        line.push_str("TITLE:");
        escape_into(&mut line, title);
        emit(&mut line, out)?;
    }
    for (label, email) in &contact.emails {
        if email.trim().is_empty() {
            continue;
        }
        line.push_str("EMAIL");
        push_type(&mut line, label);
        line.push(':');
        escape_into(&mut line, email.trim());
        emit(&mut line, out)?;
    }
    for (label, phone) in &contact.phones {
        if phone.trim().is_empty() {
            continue;
        }
        line.push_str("TEL");
        push_type(&mut line, label);
        line.push(':');
        escape_into(&mut line, phone.trim());
        emit(&mut line, out)?;
    }
    let address = [&contact.street, &contact.city, &contact.region, &contact.postal_code, &contact.country];
    if address.iter().any(|part| text(part).is_some()) {
        let [street, city, region, postal_code, country] = address.map(|part| text(part).unwrap_or(""));
        line.push_str("ADR;TYPE=WORK:");
        push_components(&mut line, &["", "", street, city, region, postal_code, country]);
        emit(&mut line, out)?;
    }
    if let Some(note) = text(&contact.note) {
        line.push_str("NOTE:");
        escape_into(&mut line, note);
        emit(&mut line, out)?;
    }
    out.write_all(b"END:VCARD\r\n")
}

/// Writes the content line built so far and empties the buffer.
fn emit<W: Write>(line: &mut String, out: &mut W) -> io::Result<()> {
    write_folded(out, line)?;
    line.clear();
    Ok(())
}

/// Returns the trimmed text of an optional value, `None` when empty.
fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn first_value(entries: &[(String, String)]) -> Option<&str> {
    entries.iter().map(|(_, value)| value.trim()).find(|value| !value.is_empty())
}

/// Appends `;TYPE=…` for a label: `mobile`/`cell` → `CELL`, others upper-cased; nothing when empty.
fn push_type(line: &mut String, label: &str) {
    let label = label.trim();
    let kind = match label.to_ascii_lowercase().as_str() {
        "mobile" | "cell" | "cellphone" => "CELL".to_string(),
        _ => label.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').map(|c| c.to_ascii_uppercase()).collect(),
    };
    if !kind.is_empty() {
        line.push_str(";TYPE=");
        line.push_str(&kind);
    }
}

/// Appends structured components separated by `;`, each escaped.
fn push_components(line: &mut String, components: &[&str]) {
    for (index, component) in components.iter().enumerate() {
        if index > 0 {
            line.push(';');
        }
        escape_into(line, component);
    }
}

/// Appends text escaped per RFC 6350 §3.4: `\\`, `\,`, `\;`, and `\n` for any line break.
pub fn escape_into(line: &mut String, text: &str) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => line.push_str("\\\\"),
            ',' => line.push_str("\\,"),
            ';' => line.push_str("\\;"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                line.push_str("\\n");
            }
            '\n' => line.push_str("\\n"),
            other => line.push(other),
        }
    }
}

/// Writes a content line with CRLF, folding it into lines of at most 75 octets: each
/// continuation starts with one space, and no UTF-8 character is split.
pub fn write_folded<W: Write>(out: &mut W, line: &str) -> io::Result<()> {
    let bytes = line.as_bytes();
    let mut start = 0;
    let mut budget = MAX_LINE;
    for (index, c) in line.char_indices() {
        if index + c.len_utf8() - start > budget {
            out.write_all(&bytes[start..index])?;
            out.write_all(b"\r\n ")?;
            start = index;
            // The leading space counts.
            budget = MAX_LINE - 1;
        }
    }
    out.write_all(&bytes[start..])?;
    out.write_all(b"\r\n")
}

#[cfg(test)]
mod tests;
