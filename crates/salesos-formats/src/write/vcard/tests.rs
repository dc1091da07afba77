//! Tests of the vCard writer: exact bytes, escaping, folding.

use super::*;

fn card(contact: &VcardContact) -> String {
    let mut out = Vec::new();
    write_vcard(&mut out, contact).expect("write to memory");
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn full_card_exact_bytes() {
    let contact = VcardContact {
        first_name: "José".into(),
        last_name: "O'Brien".into(),
        org: Some("Acme; Inc.".into()),
        title: Some("VP, Sales".into()),
        emails: vec![("work".into(), "jose@acme.com".into()), ("home".into(), "jose@gmail.com".into())],
        phones: vec![("work".into(), "+1 415-555-0134".into()), ("mobile".into(), "(415) 555-0199".into())],
        street: Some("1 Main St, Suite 2".into()),
        city: Some("San Francisco".into()),
        region: Some("CA".into()),
        postal_code: Some("94105".into()),
        country: Some("USA".into()),
        note: Some("Line one\r\nline two\\ end\nthree".into()),
    };
    let expected = "BEGIN:VCARD\r\n\
        VERSION:3.0\r\n\
        N:O'Brien;José;;;\r\n\
        FN:José O'Brien\r\n\
        ORG:Acme\\; Inc.\r\n\
        TITLE:VP\\, Sales\r\n\
        EMAIL;TYPE=WORK:jose@acme.com\r\n\
        EMAIL;TYPE=HOME:jose@gmail.com\r\n\
        TEL;TYPE=WORK:+1 415-555-0134\r\n\
        TEL;TYPE=CELL:(415) 555-0199\r\n\
        ADR;TYPE=WORK:;;1 Main St\\, Suite 2;San Francisco;CA;94105;USA\r\n\
        NOTE:Line one\\nline two\\\\ end\\nthree\r\n\
        END:VCARD\r\n";
    assert_eq!(card(&contact), expected);
}

#[test]
fn minimal_card_leaves_out_empty_properties() {
    let contact = VcardContact {
        last_name: "Müller".into(),
        emails: vec![("work".into(), "  ".into())],
        city: Some(" ".into()),
        ..VcardContact::default()
    };
    assert_eq!(card(&contact), "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Müller;;;;\r\nFN:Müller\r\nEND:VCARD\r\n");
}

#[test]
fn nameless_card_takes_its_name_from_org_or_email() {
    let contact = VcardContact { org: Some("Globex".into()), ..VcardContact::default() };
    assert!(card(&contact).contains("\r\nFN:Globex\r\n"));
    let contact = VcardContact { emails: vec![("".into(), "a@b.io".into())], ..VcardContact::default() };
    let text = card(&contact);
    assert!(text.contains("\r\nFN:a@b.io\r\n"));
    assert!(text.contains("\r\nEMAIL:a@b.io\r\n"), "no TYPE without a label: {text}");
}

#[test]
fn long_lines_fold_at_75_octets_on_char_boundaries() {
    let note = "ü".repeat(100) + &"x".repeat(100);
    let contact = VcardContact { last_name: "X".into(), note: Some(note.clone()), ..VcardContact::default() };
    let text = card(&contact);
    assert!(text.ends_with("END:VCARD\r\n"));
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    // Unfolding restores the content line.
    let unfolded = text.replace("\r\n ", "");
    assert!(unfolded.contains(&format!("\r\nNOTE:{note}\r\n")));
    // Every physical line is valid UTF-8 on its own.
    let mut raw = Vec::new();
    write_vcard(&mut raw, &contact).expect("write");
    for line in raw.split(|b| *b == b'\n') {
        assert!(std::str::from_utf8(line).is_ok());
    }
}

#[test]
fn folding_exact_bytes() {
    let mut out = Vec::new();
    write_folded(&mut out, &"a".repeat(75)).expect("write");
    assert_eq!(out, format!("{}\r\n", "a".repeat(75)).into_bytes());
    out.clear();
    write_folded(&mut out, &"a".repeat(76 + 74)).expect("write");
    assert_eq!(out, format!("{}\r\n {}\r\n {}\r\n", "a".repeat(75), "a".repeat(74), "a").into_bytes());
    out.clear();
    // A 2-octet character that would end at octet 76 moves to the next line.
    write_folded(&mut out, &format!("{}é", "a".repeat(74))).expect("write");
    assert_eq!(out, format!("{}\r\n é\r\n", "a".repeat(74)).into_bytes());
}

#[test]
fn writer_counts_cards_and_writes_a_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("people.vcf");
    let mut writer = VcardWriter::create(&path).expect("create");
    let contact = VcardContact { first_name: "Zoë".into(), last_name: "Nguyễn".into(), ..VcardContact::default() };
    writer.write_contact(&contact).expect("write");
    writer.write_contact(&contact).expect("write");
    assert_eq!(writer.finish().expect("finish"), 2);
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(text.matches("BEGIN:VCARD\r\n").count(), 2);
    assert_eq!(text, card(&contact).repeat(2));
}

#[test]
fn unwritable_path_is_an_io_error_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("missing").join("x.vcf");
    let err = VcardWriter::create(&path).expect_err("no such directory");
    assert!(matches!(err, WriteError::Io { .. }));
    assert_eq!(err.path(), path);
}
