//! Tests of import templates: exact CSV bytes; the workbook read back by the import reader and
//! by calamine, with its dropdown validation, required marks and notes.

use super::*;
use crate::read::{self, Format as ReadFormat, ReadOptions};
use calamine::{Reader as _, SheetVisible};
use std::io::{Cursor, Read as _};

fn columns() -> Vec<TemplateColumn> {
    vec![
        TemplateColumn { header: "Last name".into(), required: true, example: "Doe".into(), ..TemplateColumn::default() },
        TemplateColumn { header: "Email".into(), example: "jane.doe@example.com".into(), ..TemplateColumn::default() },
        TemplateColumn { header: "Phone".into(), example: "+14155550123".into(), ..TemplateColumn::default() },
        TemplateColumn {
            header: "Stage".into(),
            required: true,
            picklist: vec!["Prospecting".into(), "Closed, won".into()],
            example: "Prospecting".into(),
            ..TemplateColumn::default()
        },
        TemplateColumn {
            header: "Interests".into(),
            picklist: vec!["Hardware".into(), "Software".into()],
            multiple: true,
            example: "Hardware; Software".into(),
            ..TemplateColumn::default()
        },
        TemplateColumn { header: "Note".into(), example: "said \"hi\", then =left".into(), ..TemplateColumn::default() },
    ]
}

fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut entry = archive.by_name(name).unwrap_or_else(|_| panic!("{name} in the workbook"));
    let mut text = String::new();
    entry.read_to_string(&mut text).expect("utf-8 entry");
    text
}

#[test]
fn csv_is_a_bom_a_header_and_one_example_row() {
    let bytes = render(TemplateFormat::Csv, "Contacts", &columns()).expect("csv");
    let text = String::from_utf8(bytes).expect("utf-8");
    assert_eq!(
        text,
        "\u{feff}Last name,Email,Phone,Stage,Interests,Note\n\
         Doe,jane.doe@example.com,+14155550123,Prospecting,Hardware; Software,\"said \"\"hi\"\", then =left\"\n"
    );
}

#[test]
fn csv_cells_that_would_be_formulas_are_neutralized() {
    let column = TemplateColumn { header: "=cmd".into(), example: "@SUM(A1)".into(), ..TemplateColumn::default() };
    let text = String::from_utf8(render(TemplateFormat::Csv, "x", &[column]).expect("csv")).expect("utf-8");
    assert_eq!(text, "\u{feff}'=cmd\n'@SUM(A1)\n");
}

#[test]
fn xlsx_reads_back_through_the_import_reader() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("contacts.xlsx");
    write(TemplateFormat::Xlsx, &path, "Contacts", &columns()).expect("xlsx");
    let mut reader = read::open(&path, "contacts.xlsx", &ReadOptions::default()).expect("open");
    let detected = reader.detected().clone();
    assert_eq!(detected.format, ReadFormat::Xlsx);
    assert_eq!(detected.selected_sheets, ["Contacts"], "the data sheet, not the hidden lists");
    assert_eq!(detected.column_names(), ["Last name", "Email", "Phone", "Stage", "Interests", "Note"]);
    let row = reader.next_row().expect("a row").expect("readable");
    assert_eq!(
        row.cells,
        ["Doe", "jane.doe@example.com", "+14155550123", "Prospecting", "Hardware; Software", "said \"hi\", then =left"]
            .map(String::from)
            .to_vec()
    );
    assert!(reader.next_row().is_none(), "one example row");
}

#[test]
fn xlsx_has_dropdowns_required_marks_and_notes() {
    let bytes = render(TemplateFormat::Xlsx, "Deals", &columns()).expect("xlsx");

    let mut book = calamine::open_workbook_from_rs::<calamine::Xlsx<_>, _>(Cursor::new(bytes.clone())).expect("calamine");
    let sheets = book.sheets_metadata().to_vec();
    assert_eq!(sheets.len(), 2);
    assert_eq!((sheets[0].name.as_str(), sheets[0].visible), ("Deals", SheetVisible::Visible));
    assert_eq!((sheets[1].name.as_str(), sheets[1].visible), ("Lists", SheetVisible::Hidden));
    let data = book.worksheet_range("Deals").expect("data sheet");
    let header: Vec<String> = data.rows().next().expect("header").iter().map(|c| c.to_string()).collect();
    assert_eq!(header, ["Last name", "Email", "Phone", "Stage", "Interests", "Note"]);
    assert_eq!(data.get_value((1, 2)).map(|c| c.to_string()).as_deref(), Some("+14155550123"));
    let lists = book.worksheet_range("Lists").expect("lists sheet");
    let options: Vec<String> = lists.rows().map(|r| r[0].to_string()).collect();
    assert_eq!(options, ["Prospecting", "Closed, won"], "a label with a comma survives");

    // Stage (column D) has a list validation over rows 2..=10000 pointing at the hidden sheet.
    let sheet = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert_eq!(sheet.matches("<dataValidation ").count(), 1, "{sheet}");
    assert!(sheet.contains("type=\"list\""), "{sheet}");
    assert!(sheet.contains("sqref=\"D2:D10000\""), "{sheet}");
    assert!(sheet.contains("<formula1>Lists!$A$1:$A$2</formula1>"), "{sheet}");
    assert!(sheet.contains("<pane ySplit=\"1\""), "the header row is frozen: {sheet}");

    // Required headers have their own style (bold with a fill) and a "Required" note; the
    // multi-picklist's note lists its options.
    let styles = zip_entry(&bytes, "xl/styles.xml");
    assert!(styles.contains("FFFFE699"), "{styles}");
    let comments = zip_entry(&bytes, "xl/comments1.xml");
    assert_eq!(comments.matches("<comment ").count(), 3, "{comments}");
    for cell in ["ref=\"A1\"", "ref=\"D1\"", "ref=\"E1\""] {
        assert!(comments.contains(cell), "{cell}: {comments}");
    }
    assert_eq!(comments.matches(">Required").count(), 2, "{comments}");
    assert!(comments.contains("Hardware; Software"), "{comments}");
    let a1_style = style_of(&sheet, "A1");
    assert_eq!(a1_style, style_of(&sheet, "D1"), "required headers share one style");
    assert_ne!(a1_style, style_of(&sheet, "B1"), "other headers are only bold");
}

/// The `s` attribute of a cell in the sheet XML.
fn style_of(sheet: &str, cell: &str) -> String {
    let at = sheet.find(&format!("<c r=\"{cell}\"")).unwrap_or_else(|| panic!("{cell} in {sheet}"));
    let rest = &sheet[at..];
    let end = rest.find('>').expect("tag end");
    let tag = &rest[..end];
    tag.split("s=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("0").to_string()
}

#[test]
fn a_workbook_without_picklists_has_one_sheet() {
    let plain = vec![TemplateColumn { header: "Name".into(), example: "Acme".into(), ..TemplateColumn::default() }];
    let bytes = render(TemplateFormat::Xlsx, "Accounts", &plain).expect("xlsx");
    let book = calamine::open_workbook_from_rs::<calamine::Xlsx<_>, _>(Cursor::new(bytes.clone())).expect("calamine");
    assert_eq!(book.sheet_names(), ["Accounts"]);
    assert!(!zip_entry(&bytes, "xl/worksheets/sheet1.xml").contains("<dataValidation"));
}

#[test]
fn bad_requests_are_refused() {
    assert!(matches!(render(TemplateFormat::Csv, "x", &[]), Err(TemplateError::NoColumns)));
    let wide = vec![TemplateColumn::default(); MAX_COLUMNS + 1];
    assert!(matches!(render(TemplateFormat::Xlsx, "x", &wide), Err(TemplateError::TooManyColumns { .. })));
}

#[test]
fn names_and_letters() {
    assert_eq!(sheet_name("Deals"), "Deals");
    assert_eq!(sheet_name("a/b:c [x]?"), "abc x");
    assert_eq!(sheet_name("  "), "Import");
    assert_eq!(sheet_name("Lists"), "Import");
    assert_eq!(sheet_name(&"x".repeat(40)).len(), 31);
    assert_eq!([0, 25, 26, 27, 701, 702].map(column_letters), ["A", "Z", "AA", "AB", "ZZ", "AAA"]);
    assert_eq!(TemplateFormat::parse(" XLSX "), Some(TemplateFormat::Xlsx));
    assert_eq!(TemplateFormat::parse("excel"), Some(TemplateFormat::Xlsx));
    assert_eq!(TemplateFormat::parse("json"), None);
}
