//! `salesos import --preview`: detected settings and first rows of real fixtures, overrides, and
//! clear errors (issue 4). No database is opened.

use crate::support::Env;
use std::path::PathBuf;

fn fixture(path: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures").join(path);
    path.to_str().expect("utf-8 path").to_string()
}

#[test]
fn csv_preview_reports_dialect_columns_and_rows() {
    let env = Env::sqlite();
    let out = env
        .run(&["import", &fixture("csv-messy/frictionlessdata-frictionless-py/issue-647.csv.txt"), "--preview", "--json"])
        .ok();
    assert_eq!(out["format"], "csv");
    assert_eq!(out["encoding"], "windows-1252");
    assert_eq!(out["dialect"]["delimiter"], ";");
    assert_eq!(out["dialect"]["quote"], "\"");
    assert_eq!(out["dialect"]["escape"], "doubled");
    assert_eq!(out["dialect"]["line_ending"], "lf");
    assert_eq!(out["header_row"], 1);
    assert!(out["columns"].as_array().unwrap().iter().any(|c| c["name"] == "accessibilité"), "{out}");
    let rows = out["sample_rows"].as_array().unwrap();
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[0]["row"], 2);
    assert_eq!(rows[0]["line"], 2);
    assert!(out["issues"].is_array());
    assert!(!env.data_dir().join("salesos.db").exists(), "a preview opens no database");
}

#[test]
fn overrides_and_renamed_headers() {
    let env = Env::sqlite();
    let file = fixture("csv-messy/frictionlessdata-frictionless-py/duplicate-headers.csv");
    let out = env.run(&["import", &file, "--preview", "--json", "--header-row", "0", "--rows", "2"]).ok();
    assert_eq!(out["header_row"], 0);
    assert_eq!(out["columns"][0]["name"], "Column 1");
    assert_eq!(out["sample_rows"][0]["cells"][0], "id");
    let out = env.run(&["import", &file, "--preview", "--json"]).ok();
    assert_eq!(out["columns"][2]["name"], "id (2)");
    assert_eq!(out["issues"][0]["kind"], "renamed_column");
    let tab = env.run(&["import", &file, "--preview", "--json", "--delimiter", "tab"]).ok();
    assert_eq!(tab["dialect"]["delimiter"], "\t");
    assert_eq!(tab["columns"].as_array().unwrap().len(), 1);
}

#[test]
fn workbook_json_and_vcard_previews() {
    let env = Env::sqlite();
    let book = env.run(&["import", &fixture("xlsx/tafia-calamine/any_sheets.xlsx"), "--preview", "--json"]).ok();
    assert_eq!(book["format"], "xlsx");
    assert_eq!(book["dialect"], serde_json::Value::Null);
    let sheets = book["sheets"].as_array().unwrap();
    assert_eq!(sheets.len(), 4);
    assert_eq!(sheets[1]["hidden"], true);
    let hidden =
        env.run(&["import", &fixture("xlsx/tafia-calamine/any_sheets.xlsx"), "--preview", "--json", "--sheet", "Hidden"]).ok();
    assert_eq!(hidden["selected_sheets"][0], "Hidden");
    let dates = env.run(&["import", &fixture("xlsx/tafia-calamine/date_1904.xlsx"), "--preview", "--json"]).ok();
    assert_eq!(dates["sample_rows"][0]["cells"][0], "2021-01-01");
    let json = env.run(&["import", &fixture("salesforce/trailheadapps-ebikes-lwc/Accounts.json"), "--preview", "--json"]).ok();
    assert_eq!(json["format"], "json");
    assert!(json["columns"].as_array().unwrap().iter().any(|c| c["name"] == "attributes.type"));
    let card = env.run(&["import", &fixture("vcard/mangstadt-ez-vcard/John_Doe_IPHONE.vcf"), "--preview", "--json"]).ok();
    assert_eq!(card["format"], "vcard");
    assert!(card["columns"].as_array().unwrap().iter().any(|c| c["name"] == "Phone (mobile)"));
    let human = env.run(&["import", &fixture("vcard/mangstadt-ez-vcard/gmail-list.vcf"), "--preview"]);
    assert_eq!(human.code, 0, "{}", human.stderr);
    assert!(human.stderr.contains("format vcard"), "{}", human.stderr);
}

#[test]
fn clear_errors_with_exit_codes() {
    let env = Env::sqlite();
    let locked = env
        .run(&["import", &fixture("xlsx/tafia-calamine/pass_protected.xlsx"), "--preview", "--json"])
        .err(2, "invalid_request");
    assert!(locked["message"].as_str().unwrap().contains("password-protected workbook"), "{locked}");
    let no_object = env.run(&["import", &fixture("csv-messy/w3c-csvw/countries.csv"), "--json"]).err(2, "invalid_request");
    assert_eq!(no_object["field"], "object", "{no_object}");
    env.run(&["import", "/nonexistent/file.csv", "--preview", "--json"]).err(2, "invalid_request");
    env.run(&["import", &fixture("csv-messy/w3c-csvw/countries.csv"), "--preview", "--json", "--escape", "nope"])
        .err(2, "invalid_request");
    env.run(&["import", &fixture("csv-messy/w3c-csvw/countries.csv"), "--preview", "--json", "--encoding", "klingon"])
        .err(2, "invalid_request");
    env.run(&["import", &fixture("xlsx/tafia-calamine/any_sheets.xlsx"), "--preview", "--json", "--sheet", "Nope"])
        .err(2, "invalid_request");
}
