//! Reader throughput benchmark (outside CI): bytes → rows on one core, on generated ~50 MB CSV
//! (UTF-8 and UTF-16), JSON, vCard and XLSX files, beside `xsv count` when it is on PATH, and
//! the peak RSS while streaming a 1 GB CSV. Run: `cargo bench -p salesos-formats --bench read`.

use salesos_formats::read::{open, Limits, ReadOptions, SourceRow};
use salesos_formats::write::{TableFormat, TableWriter};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

const MB: f64 = 1_000_000.0;

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// A deterministic contact-like row.
fn row(i: u64) -> [String; 8] {
    let first = ["Anna", "Jörg", "Zoë", "Li", "Miguel", "Fatima", "Oliver", "Søren"][(i % 8) as usize];
    let last = ["Smith", "Müller", "O'Brien", "García", "Nguyen", "Kowalski", "Dubois", "Rossi"][((i / 8) % 8) as usize];
    [
        format!("{}", 100_000 + i),
        first.to_string(),
        last.to_string(),
        format!("{}.{}{}@example{}.com", first.to_lowercase(), last.to_lowercase(), i, i % 97),
        format!("+1 (415) {:03}-{:04}", i % 1000, (i * 7) % 10_000),
        format!("Company {}, Inc.", i % 5000),
        ["Berlin", "San Francisco", "Paris", "Tokyo"][(i % 4) as usize].to_string(),
        if i.is_multiple_of(10) { format!("Met at \"Expo {}\"\non day {}", i % 30, i % 3) } else { String::new() },
    ]
}

const HEADER: [&str; 8] = ["Id", "First Name", "Last Name", "Email", "Phone", "Company", "City", "Notes"];

fn write_csv(path: &Path, bytes: u64) -> u64 {
    let mut writer = TableWriter::create(TableFormat::Csv, path, &HEADER).expect("csv");
    let mut i = 0;
    loop {
        for _ in 0..10_000 {
            writer.write_row(&row(i)).expect("row");
            i += 1;
        }
        if std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) >= bytes {
            break;
        }
    }
    writer.finish().expect("finish")
}

fn write_utf16(from: &Path, to: &Path) {
    let text = std::fs::read_to_string(from).expect("read");
    let mut out = BufWriter::new(std::fs::File::create(to).expect("create"));
    out.write_all(&[0xFF, 0xFE]).expect("bom");
    let mut buf = Vec::with_capacity(1 << 20);
    for unit in text.encode_utf16() {
        buf.extend_from_slice(&unit.to_le_bytes());
        if buf.len() >= 1 << 20 {
            out.write_all(&buf).expect("write");
            buf.clear();
        }
    }
    out.write_all(&buf).expect("write");
    out.flush().expect("flush");
}

fn write_json(path: &Path, bytes: u64) {
    let mut writer = TableWriter::create(TableFormat::Json, path, &HEADER).expect("json");
    let mut i = 0;
    loop {
        for _ in 0..10_000 {
            writer.write_row(&row(i)).expect("row");
            i += 1;
        }
        if std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) >= bytes {
            break;
        }
    }
    writer.finish().expect("finish");
}

fn write_vcard(path: &Path, bytes: u64) {
    let mut out = BufWriter::new(std::fs::File::create(path).expect("create"));
    let mut written = 0u64;
    let mut i = 0;
    while written < bytes {
        let r = row(i);
        let card = format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nN:{};{};;;\r\nFN:{} {}\r\nORG:{}\r\nTITLE:Buyer\r\nEMAIL;TYPE=WORK:{}\r\nTEL;TYPE=CELL:{}\r\nTEL;TYPE=WORK,VOICE:+1 555 0100\r\nADR;TYPE=WORK:;;1 Main St;{};;94105;USA\r\nNOTE:{}\r\nEND:VCARD\r\n",
            r[2], r[1], r[1], r[2], r[5].replace(',', "\\,"), r[3], r[4], r[6], r[7].replace('\n', "\\n").replace(',', "\\,")
        );
        out.write_all(card.as_bytes()).expect("write");
        written += card.len() as u64;
        i += 1;
    }
    out.flush().expect("flush");
}

fn write_xlsx(path: &Path, rows: u64) {
    let mut writer = TableWriter::create(TableFormat::Xlsx, path, &HEADER).expect("xlsx");
    for i in 0..rows {
        writer.write_row(&row(i)).expect("row");
    }
    writer.finish().expect("finish");
}

/// Reads every row; returns (rows, seconds).
fn read(path: &Path, name: &str) -> (u64, f64) {
    let options = ReadOptions { limits: Limits::unlimited(), ..ReadOptions::default() };
    let started = Instant::now();
    let mut reader = open(path, name, &options).expect("open");
    let mut row = SourceRow::default();
    let mut rows: u64 = 0;
    while reader.read_row(&mut row).expect("row") {
        rows += 1;
        if rows.is_multiple_of(4096) {
            reader.take_issues();
        }
    }
    (rows, started.elapsed().as_secs_f64())
}

fn report(what: &str, path: &Path, name: &str) -> f64 {
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) as f64;
    let (rows, seconds) = read(path, name);
    let speed = bytes / MB / seconds;
    println!("{what:<28} {:>8.1} MB  {rows:>9} rows  {seconds:>7.2} s  {speed:>8.1} MB/s", bytes / MB);
    speed
}

fn xsv_count(path: &Path) -> Option<f64> {
    let bytes = std::fs::metadata(path).ok()?.len() as f64;
    let started = Instant::now();
    let output = std::process::Command::new("xsv").arg("count").arg(path).output().ok()?;
    let seconds = started.elapsed().as_secs_f64();
    let rows = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let speed = bytes / MB / seconds;
    println!("{:<28} {:>8.1} MB  {rows:>9} rows  {seconds:>7.2} s  {speed:>8.1} MB/s", "xsv count (same CSV)", bytes / MB);
    output.status.success().then_some(speed)
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let big = dir.path().join("big.csv");
    println!("generating files in {} …", dir.path().display());
    write_csv(&big, 1_000_000_000);
    let before = peak_rss_mb();
    let started = Instant::now();
    let (rows, _) = read(&big, "big.csv");
    let peak = peak_rss_mb();
    println!(
        "1 GB CSV streamed: {rows} rows in {:.1} s; peak RSS {peak:.1} MB (before reading {before:.1} MB; target < 100 MB)",
        started.elapsed().as_secs_f64()
    );
    std::fs::remove_file(&big).ok();

    let csv = dir.path().join("contacts.csv");
    write_csv(&csv, 50_000_000);
    let utf16 = dir.path().join("contacts-utf16.csv");
    write_utf16(&csv, &utf16);
    let json = dir.path().join("contacts.json");
    write_json(&json, 50_000_000);
    let vcf = dir.path().join("contacts.vcf");
    write_vcard(&vcf, 50_000_000);
    // Calibrate the XLSX row count for about 50 MB.
    let probe = dir.path().join("probe.xlsx");
    write_xlsx(&probe, 20_000);
    let per_row = std::fs::metadata(&probe).map(|m| m.len()).unwrap_or(1) as f64 / 20_000.0;
    let xlsx = dir.path().join("contacts.xlsx");
    // Excel's sheet holds 1,048,575 data rows at most.
    let xlsx_rows = ((50_000_000.0 / per_row) as u64).min(1_048_575);
    write_xlsx(&xlsx, xlsx_rows);

    println!("\n{:<28} {:>11} {:>15} {:>9} {:>13}", "reader", "size", "rows", "time", "throughput");
    let xsv = xsv_count(&csv);
    if xsv.is_none() {
        println!("xsv is not on PATH: `cargo install xsv` to compare");
    }
    let utf8_speed = report("CSV UTF-8", &csv, "contacts.csv");
    let utf16_speed = report("CSV UTF-16LE (transcoded)", &utf16, "contacts-utf16.csv");
    let json_speed = report("JSON array", &json, "contacts.json");
    let vcard_speed = report("vCard 3.0", &vcf, "contacts.vcf");
    let xlsx_bytes = std::fs::metadata(&xlsx).map(|m| m.len()).unwrap_or(0) as f64;
    let xlsx_speed = report("XLSX", &xlsx, "contacts.xlsx");
    println!("\ntargets:");
    if let Some(xsv) = xsv {
        println!("  CSV UTF-8 ≥ 1/2 of xsv: {:.2} of xsv", utf8_speed / xsv);
        println!("  CSV transcoded ≥ 1/4 of xsv: {:.2} of xsv", utf16_speed / xsv);
    }
    println!("  vCard ≥ 50 MB/s: {vcard_speed:.1} MB/s");
    println!("  JSON ≥ 100 MB/s: {json_speed:.1} MB/s");
    println!("  50 MB XLSX ≤ 5 s: {:.1} MB in {:.2} s", xlsx_bytes / MB, xlsx_bytes / MB / xlsx_speed);
    println!("  1 GB CSV peak RSS < 100 MB: {peak:.1} MB");
}
