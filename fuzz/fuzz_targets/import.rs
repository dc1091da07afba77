//! Fuzz target: the import crate's parsers of user text: custom rule expressions (compiled
//! against the standard deals object and evaluated), mapping specs, and the lenient conversions
//! of cell text (numbers, money, booleans, phones, emails, URLs, dates and date inference). The
//! first byte picks the parser; none may panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use salesos_import::convert::{self, DateColumnStats, DateFormat, DateOrder, NumberStyle};
use salesos_import::rules::{CompiledRule, RuleContext, RuleDef, Severity};
use salesos_import::spec::MappingSpec;
use salesos_model::record::Fields;
use salesos_model::schema::{standard_objects, Schema};
use salesos_model::value::Value;

fuzz_target!(|data: &[u8]| {
    let Some((selector, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    match selector % 4 {
        0 => {
            let schema = Schema { objects: standard_objects(), pipelines: Vec::new() };
            let deals = schema.object("deals").expect("deals is standard");
            let def = RuleDef { name: "fuzz".into(), expression: text.into_owned(), message: None, severity: Severity::Error };
            if let Ok(rule) = CompiledRule::compile(&schema, deals, &def) {
                let mut fields = Fields::new();
                fields.insert("name".into(), Value::Text("Deal".into()));
                fields.insert("amount".into(), Value::Money { amount: 1500.0, currency: "EUR".into() });
                fields.insert("stage".into(), Value::Text("proposal".into()));
                let context = RuleContext { now_ms: 1_780_000_000_000, created_at_ms: 1_780_000_000_000 };
                let _ = rule.holds(&fields, &context);
                let _ = rule.holds(&Fields::new(), &context);
                let _ = rule.error_field(&fields, &context);
            }
        }
        1 => {
            let _ = MappingSpec::from_json(&text);
        }
        2 => {
            for style in [NumberStyle::Auto, NumberStyle::DecimalPoint, NumberStyle::DecimalComma] {
                let _ = convert::parse_number(&text, style);
                let _ = convert::parse_money(&text, style, "EUR");
            }
            let _ = convert::parse_bool(&text);
            let _ = convert::parse_phone(&text, "DE");
            let _ = convert::parse_phone(&text, "US");
            let _ = convert::parse_email(&text);
            let _ = convert::parse_url(&text);
            let _ = convert::split_full_name(&text);
            let _ = convert::split_address(&text);
            let _ = convert::title_case(&text);
        }
        _ => {
            // Lines are a column's values; the first line doubles as a user-given pattern.
            let mut stats = DateColumnStats::new();
            for line in text.lines() {
                stats.observe(line);
            }
            for order in [None, Some(DateOrder::Dmy), Some(DateOrder::Mdy)] {
                if let convert::DateInference::Known { format } = stats.conclude(order) {
                    for line in text.lines() {
                        let _ = format.parse_date(line);
                        let _ = format.parse_datetime(line, 840);
                    }
                }
            }
            if let Some(pattern) = text.lines().next() {
                let format = DateFormat::new(pattern);
                if format.check().is_ok() {
                    for line in text.lines().skip(1) {
                        let _ = format.parse_date(line);
                        let _ = format.parse_datetime(line, -720);
                    }
                }
            }
        }
    }
});
