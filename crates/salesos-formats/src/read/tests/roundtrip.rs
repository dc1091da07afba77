//! Round trips: what the writers write, the readers read back cell for cell.

use super::*;
use crate::write::{TableFormat, TableWriter, WriteOptions};

#[test]
fn table_writers_round_trip_through_the_readers() {
    let header = ["Name", "Note", "Phone", "Amount"];
    let rows = [
        ["José Müller", "said \"hi\", then left", "+49 30 1234567", "-12.5"],
        ["Zoë", "line one\nline two", "", "1000000"],
        ["", "=1+2", "0049301234567", "0.1"],
    ];
    let dir = tempfile::tempdir().expect("dir");
    for format in [TableFormat::Csv, TableFormat::Xlsx, TableFormat::Json] {
        let path = dir.path().join(format!("out.{}", format.extension()));
        let mut writer =
            TableWriter::create_with(format, &path, &header, WriteOptions { neutralize_formulas: false }).expect("create");
        for row in &rows {
            writer.write_row(row).expect("row");
        }
        writer.finish().expect("finish");
        let name = format!("out.{}", format.extension());
        let reader = open(&path, &name, &ReadOptions { header_row: Some(1), ..ReadOptions::default() }).expect("open");
        assert_eq!(reader.detected().column_names(), header, "{name}");
        let read: Vec<SourceRow> = reader.collect::<Result<_, _>>().expect("rows");
        assert_eq!(read.len(), rows.len(), "{name}");
        for (got, want) in read.iter().zip(&rows) {
            assert_eq!(got.cells, want.to_vec(), "{name}");
        }
    }
}
