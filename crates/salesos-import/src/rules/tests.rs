//! Tests of the rule language: the spec's examples, every construct, empty-operand semantics,
//! compile errors with positions, limits and robustness against garbage.

use super::*;
use chrono::{NaiveDate, TimeZone, Utc};
use salesos_model::schema::{standard_objects, FieldDef, FieldType, PicklistOption};
use salesos_model::value::{Labeled, Value};

/// 2024-06-15T12:00:00Z
const NOW: i64 = 1_718_452_800_000;
const CTX: RuleContext = RuleContext { now_ms: NOW, created_at_ms: NOW };

fn schema() -> Schema {
    let mut objects = standard_objects();
    for object in &mut objects {
        let custom = |name: &str, field_type: FieldType| {
            let mut def = FieldDef::new(&format!("custom.{name}"), name, field_type);
            def.custom = true;
            def
        };
        let mut tags = custom("tags", FieldType::MultiPicklist);
        tags.options = ["vip", "partner", "churn_risk"]
            .iter()
            .map(|v| PicklistOption { value: v.to_string(), label: salesos_model::schema::label_of(v) })
            .collect();
        let extra = vec![
            custom("account_number", FieldType::Text),
            custom("score", FieldType::Number),
            custom("verified", FieldType::Boolean),
            custom("signed_at", FieldType::DateTime),
            tags,
        ];
        object.fields.extend(extra);
    }
    Schema { objects, pipelines: Vec::new() }
}

fn compile(object: &str, expression: &str) -> Result<CompiledRule, RuleError> {
    let schema = schema();
    let object = schema.object(object).expect("object exists");
    CompiledRule::compile(
        &schema,
        object,
        &RuleDef { name: "r".into(), expression: expression.into(), message: None, severity: Severity::Error },
    )
}

fn rule(object: &str, expression: &str) -> CompiledRule {
    compile(object, expression).unwrap_or_else(|err| panic!("{expression:?} should compile: {err}"))
}

fn row(pairs: &[(&str, Value)]) -> Fields {
    pairs.iter().map(|(key, value)| (key.to_string(), value.clone())).collect()
}

fn text(value: &str) -> Value {
    Value::Text(value.into())
}

fn date(y: i32, m: u32, d: u32) -> Value {
    Value::Date(NaiveDate::from_ymd_opt(y, m, d).expect("valid date"))
}

fn money(amount: f64) -> Value {
    Value::Money { amount, currency: "EUR".into() }
}

fn instant(y: i32, m: u32, d: u32, h: u32) -> Value {
    Value::DateTime(Utc.with_ymd_and_hms(y, m, d, h, 0, 0).single().expect("valid instant"))
}

fn at(y: i32, m: u32, d: u32, h: u32) -> i64 {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).single().expect("valid instant").timestamp_millis()
}

/// Asserts the evaluation of an expression on each row: `Some(true)`, `Some(false)`, `None`.
fn check(object: &str, expression: &str, cases: &[(Fields, Option<bool>)]) {
    let compiled = rule(object, expression);
    for (index, (fields, expected)) in cases.iter().enumerate() {
        assert_eq!(compiled.evaluate(fields, &CTX), *expected, "{expression:?}, case {index}: {fields:?}");
        assert_eq!(compiled.holds(fields, &CTX), *expected != Some(false), "{expression:?}, case {index}");
    }
}

#[test]
fn spec_example_close_date_after_create_date() {
    let compiled = rule("deals", "close_date > created_at");
    assert_eq!(compiled.fields, vec!["close_date".to_string()]);
    let created = RuleContext { now_ms: NOW, created_at_ms: at(2024, 3, 10, 15) };
    let holds = |value: Value| compiled.holds(&row(&[("close_date", value)]), &created);
    assert!(holds(date(2024, 3, 11)));
    assert!(!holds(date(2024, 3, 10)), "the same day is not after");
    assert!(!holds(date(2023, 12, 31)));
    assert!(compiled.holds(&Fields::new(), &created), "no close date: not applicable");
    // A date-time field against a date compares by the UTC date.
    let signed = rule("deals", "custom.signed_at >= close_date");
    let fields = row(&[("custom.signed_at", instant(2024, 3, 10, 23)), ("close_date", date(2024, 3, 10))]);
    assert!(signed.holds(&fields, &CTX));
}

#[test]
fn spec_example_conditional_requirement() {
    let compiled = rule("leads", r#"if status is "Qualified" then source is not empty"#);
    assert_eq!(compiled.fields, vec!["status".to_string(), "source".to_string()]);
    let qualified = row(&[("status", text("qualified"))]);
    assert!(!compiled.holds(&qualified, &CTX));
    assert_eq!(compiled.error_field(&qualified, &CTX), Some("source"));
    assert!(compiled.holds(&row(&[("status", text("qualified")), ("source", text("web"))]), &CTX));
    assert!(compiled.holds(&row(&[("status", text("new"))]), &CTX));
    assert!(compiled.holds(&Fields::new(), &CTX));
    // The label, the API value and any case name the same option.
    for spelling in ["qualified", "QUALIFIED", "Qualified"] {
        let compiled = rule("leads", &format!("if status = \"{spelling}\" then source is not empty"));
        assert!(!compiled.holds(&qualified, &CTX), "{spelling}");
    }
}

#[test]
fn spec_example_regex_format() {
    let compiled = rule("accounts", r#"custom.account_number matches "ACC-\d{6}""#);
    assert_eq!(compiled.fields, vec!["custom.account_number".to_string()]);
    let holds = |value: &str| compiled.holds(&row(&[("custom.account_number", text(value))]), &CTX);
    assert!(holds("ACC-123456"));
    assert!(!holds("ACC-12345"));
    assert!(!holds("XACC-123456"), "anchored at the start");
    assert!(!holds("ACC-1234567"), "anchored at the end");
    assert!(!holds("acc-123456"), "case-sensitive unless (?i)");
    assert!(holds(""), "empty: not applicable");
    // A doubled backslash means the same.
    let doubled = rule("accounts", r#"custom.account_number matches "ACC-\\d{6}""#);
    assert!(doubled.holds(&row(&[("custom.account_number", text("ACC-000001"))]), &CTX));
    // Alternation stays inside the anchors.
    let alternation = rule("accounts", r#"custom.account_number matches "A|B""#);
    assert!(!alternation.holds(&row(&[("custom.account_number", text("AB"))]), &CTX));
    assert!(alternation.holds(&row(&[("custom.account_number", text("B"))]), &CTX));
    let insensitive = rule("accounts", r#"custom.account_number matches "(?i)acc-\d+""#);
    assert!(insensitive.holds(&row(&[("custom.account_number", text("ACC-1"))]), &CTX));
}

#[test]
fn spec_example_range() {
    for expression in ["amount between 1000 and 10000000", "amount between 1_000 and 10_000_000"] {
        check(
            "deals",
            expression,
            &[
                (row(&[("amount", money(1000.0))]), Some(true)),
                (row(&[("amount", money(10_000_000.0))]), Some(true)),
                (row(&[("amount", money(999.99))]), Some(false)),
                (row(&[("amount", money(10_000_000.01))]), Some(false)),
                (row(&[("amount", Value::Null)]), None),
                (Fields::new(), None),
            ],
        );
    }
    check(
        "deals",
        "amount not between 1000 and 2000",
        &[(row(&[("amount", money(1500.0))]), Some(false)), (row(&[("amount", money(5.0))]), Some(true))],
    );
}

#[test]
fn comparisons_of_each_kind() {
    // Numbers and money (by amount), decimals and negatives.
    check(
        "deals",
        "amount >= 12.5 and probability < 100 and probability > -1",
        &[
            (row(&[("amount", money(12.5)), ("probability", Value::Number(50.0))]), Some(true)),
            (row(&[("amount", money(12.0)), ("probability", Value::Number(50.0))]), Some(false)),
            (row(&[("amount", money(13.0)), ("probability", Value::Number(100.0))]), Some(false)),
        ],
    );
    check("deals", "amount = 100", &[(row(&[("amount", money(100.0))]), Some(true))]);
    check("deals", "amount != 100", &[(row(&[("amount", money(100.0))]), Some(false))]);
    check("deals", "amount <> 100", &[(row(&[("amount", money(100.0))]), Some(false))]);
    check("deals", "amount == 100", &[(row(&[("amount", money(100.0))]), Some(true))]);
    check("deals", "amount <= 100", &[(row(&[("amount", money(100.0))]), Some(true))]);
    // Two fields.
    check(
        "accounts",
        "custom.score <= employees",
        &[
            (row(&[("custom.score", Value::Number(5.0)), ("employees", Value::Number(10.0))]), Some(true)),
            (row(&[("custom.score", Value::Number(11.0)), ("employees", Value::Number(10.0))]), Some(false)),
            (row(&[("custom.score", Value::Number(11.0))]), None),
        ],
    );
    // Text ignores case.
    check(
        "leads",
        r#"company = "ACME" and "acme" = company"#,
        &[(row(&[("company", text("Acme"))]), Some(true)), (row(&[("company", text("Acme Inc"))]), Some(false))],
    );
    check("leads", r#"company < "b""#, &[(row(&[("company", text("Alpha"))]), Some(true))]);
    check("leads", r"company = 'it\'s'", &[(row(&[("company", text("It's"))]), Some(true))]);
    check("leads", r#"company = "say \"hi\" \\ bye""#, &[(row(&[("company", text(r#"say "hi" \ bye"#))]), Some(true))]);
    check("leads", r#"company = "ÉCOLE""#, &[(row(&[("company", text("école"))]), Some(true))]);
    // Dates: literals bare or quoted, today, now, offsets.
    check(
        "deals",
        r#"close_date >= 2024-01-01 and close_date <= "2024-12-31""#,
        &[(row(&[("close_date", date(2024, 5, 1))]), Some(true)), (row(&[("close_date", date(2025, 1, 1))]), Some(false))],
    );
    check(
        "deals",
        "close_date <= today + 365 days and close_date > today - 1 day",
        &[
            (row(&[("close_date", date(2024, 6, 15))]), Some(true)),
            (row(&[("close_date", date(2025, 6, 15))]), Some(true)),
            (row(&[("close_date", date(2025, 6, 16))]), Some(false)),
            (row(&[("close_date", date(2024, 6, 14))]), Some(false)),
        ],
    );
    check(
        "deals",
        "custom.signed_at <= now and custom.signed_at > 2024-06-15T11:00:00Z",
        &[
            (row(&[("custom.signed_at", instant(2024, 6, 15, 12))]), Some(true)),
            (row(&[("custom.signed_at", instant(2024, 6, 15, 13))]), Some(false)),
            (row(&[("custom.signed_at", instant(2024, 6, 15, 11))]), Some(false)),
        ],
    );
    check(
        "deals",
        "custom.signed_at < created_at + 30 days",
        &[
            (row(&[("custom.signed_at", instant(2024, 7, 15, 11))]), Some(true)),
            (row(&[("custom.signed_at", instant(2024, 7, 15, 12))]), Some(false)),
        ],
    );
    check("deals", "custom.signed_at = 2024-06-15", &[(row(&[("custom.signed_at", instant(2024, 6, 15, 23))]), Some(true))]);
    // Booleans: compared or alone.
    check(
        "contacts",
        "do_not_contact = false",
        &[
            (row(&[("do_not_contact", Value::Bool(false))]), Some(true)),
            (row(&[("do_not_contact", Value::Bool(true))]), Some(false)),
        ],
    );
    check(
        "contacts",
        "not do_not_contact",
        &[(row(&[("do_not_contact", Value::Bool(true))]), Some(false)), (Fields::new(), None)],
    );
    check("contacts", "custom.verified", &[(row(&[("custom.verified", Value::Bool(true))]), Some(true))]);
    check("contacts", "true", &[(Fields::new(), Some(true))]);
    check("contacts", "false or custom.verified", &[(Fields::new(), None)]);
}

#[test]
fn picklists_compare_by_option_and_order() {
    check(
        "deals",
        r#"stage >= "proposal""#,
        &[
            (row(&[("stage", text("negotiation"))]), Some(true)),
            (row(&[("stage", text("proposal"))]), Some(true)),
            (row(&[("stage", text("prospecting"))]), Some(false)),
            (row(&[("stage", text("Closed won"))]), Some(true)),
        ],
    );
    check(
        "deals",
        r#"stage in ("Closed won", "closed_lost")"#,
        &[(row(&[("stage", text("closed_won"))]), Some(true)), (row(&[("stage", text("proposal"))]), Some(false))],
    );
    check("deals", r#"stage not in ("closed_won")"#, &[(row(&[("stage", text("closed_won"))]), Some(false))]);
    check("deals", r#"stage matches "closed_.*""#, &[(row(&[("stage", text("closed_lost"))]), Some(true))]);
    check("deals", r#"stage starts_with "CLOSED""#, &[(row(&[("stage", text("closed_lost"))]), Some(true))]);
    // Two picklists with different options compare as text.
    check("leads", "source = industry", &[(row(&[("source", text("other")), ("industry", text("other"))]), Some(true))]);
    // Multi-picklist: contains an option.
    check(
        "accounts",
        r#"custom.tags contains "VIP" and custom.tags not contains "churn_risk""#,
        &[
            (row(&[("custom.tags", Value::List(vec!["vip".into(), "partner".into()]))]), Some(true)),
            (row(&[("custom.tags", Value::List(vec!["vip".into(), "churn_risk".into()]))]), Some(false)),
            (row(&[("custom.tags", Value::List(vec![]))]), None),
        ],
    );
}

#[test]
fn text_operators_lists_and_labelled_values() {
    let emails = Value::Labeled(vec![
        Labeled { label: "work".into(), value: "ann@acme.com".into() },
        Labeled { label: "home".into(), value: "ann@home.org".into() },
    ]);
    let phones = Value::Labeled(vec![Labeled { label: "mobile".into(), value: "+49 170 1234567".into() }]);
    let fields = row(&[("emails", emails), ("phones", phones)]);
    let holds = |expression: &str| rule("contacts", expression).evaluate(&fields, &CTX);
    assert_eq!(holds(r#"email ends_with "@ACME.com""#), Some(true));
    assert_eq!(holds(r#"emails[home] contains "home""#), Some(true));
    assert_eq!(holds(r#"emails[other] contains "x""#), None);
    assert_eq!(holds(r#"email not contains "acme""#), Some(false));
    assert_eq!(holds(r#"phones[mobile] starts_with "+49""#), Some(true));
    assert_eq!(holds(r#"phone matches "\+\d{2} .*""#), Some(true));
    assert_eq!(holds("emails is not empty and phones[work] is empty"), Some(true));
    assert_eq!(holds("phones = empty"), Some(false));
    assert_eq!(holds("first_name != empty"), Some(false));
    assert_eq!(holds(r#"email in ("ann@acme.com", "bob@acme.com")"#), Some(true));
    assert_eq!(holds(r#"first_name contains """#), None);
    check("contacts", r#"title contains "é""#, &[(row(&[("title", text("Responsable Qualité"))]), Some(true))]);
    check("contacts", r#"title contains "ÉT""#, &[(row(&[("title", text("Présidente"))]), Some(false))]);
    check("contacts", r#"title contains "SID""#, &[(row(&[("title", text("Présidente"))]), Some(true))]);
}

#[test]
fn logic_precedence_and_conditionals() {
    let fields = row(&[("amount", money(5.0)), ("stage", text("proposal"))]);
    let eval = |expression: &str| rule("deals", expression).evaluate(&fields, &CTX);
    assert_eq!(eval("amount > 1 or amount > 10 and amount > 100"), Some(true), "and binds tighter than or");
    assert_eq!(eval("(amount > 1 or amount > 10) and amount > 100"), Some(false));
    assert_eq!(eval("not amount > 10 and amount > 1"), Some(true));
    assert_eq!(eval("NOT (amount > 1) OR amount > 10"), Some(false), "keywords ignore case");
    assert_eq!(eval("if amount > 1 then stage = \"proposal\" else stage = \"negotiation\""), Some(true));
    assert_eq!(eval("if amount > 10 then stage = \"proposal\" else stage = \"negotiation\""), Some(false));
    assert_eq!(eval("if amount > 10 then false"), Some(true));
    assert_eq!(eval("if amount > 1 then if stage = \"proposal\" then amount > 100"), Some(false));
    assert_eq!(eval("if close_date > today then false"), None, "unknown condition: not applicable");
    assert_eq!(eval("amount > 1 and if stage = \"proposal\" then amount < 10"), Some(true));
    assert_eq!(eval("((((amount > 1))))"), Some(true));
    assert_eq!(eval("`amount` > 1"), Some(true));
}

#[test]
fn empty_operands_are_not_applicable() {
    // Three-valued logic: a comparison with an empty field neither passes nor fails.
    let eval = |expression: &str| rule("deals", expression).evaluate(&row(&[("amount", money(5.0))]), &CTX);
    assert_eq!(eval("close_date > created_at"), None);
    assert_eq!(eval("not close_date > created_at"), None);
    assert_eq!(eval("close_date > created_at and amount > 10"), Some(false));
    assert_eq!(eval("close_date > created_at and amount > 1"), None);
    assert_eq!(eval("close_date > created_at or amount > 1"), Some(true));
    assert_eq!(eval("close_date > created_at or amount > 10"), None);
    assert_eq!(eval("probability between 0 and 100"), None);
    assert_eq!(eval("amount between 0 and probability"), None);
    assert_eq!(eval("next_step in (\"a\")"), None);
    assert_eq!(eval("next_step matches \"a\""), None);
    // Requiredness is explicit.
    assert_eq!(eval("close_date is not empty"), Some(false));
    assert_eq!(eval("close_date is not empty and close_date > created_at"), Some(false));
    // Empty text counts as empty.
    let blank = row(&[("next_step", text(""))]);
    assert_eq!(rule("deals", "next_step is empty").evaluate(&blank, &CTX), Some(true));
    assert_eq!(rule("deals", "next_step = \"x\"").evaluate(&blank, &CTX), None);
    // A value of an unexpected shape is not applicable either, never a panic.
    let odd = row(&[("amount", text("12")), ("close_date", Value::Number(3.0)), ("stage", text("nonsense"))]);
    for expression in ["amount > 1", "close_date > today", "stage >= \"proposal\"", "amount matches \"1\""] {
        if let Ok(compiled) = compile("deals", expression) {
            assert_eq!(compiled.evaluate(&odd, &CTX), None, "{expression}");
        }
    }
}

#[test]
fn fields_are_listed_in_order_of_first_appearance() {
    let compiled =
        rule("contacts", "if phones[mobile] is empty then email is not empty and first_name != last_name or email = \"x\"");
    assert_eq!(compiled.fields, vec!["phones", "emails", "first_name", "last_name"]);
    assert!(rule("deals", "today > 2024-01-01 and now > created_at").fields.is_empty());
    let range = rule("deals", "amount > 10 and close_date > today");
    let fields = row(&[("amount", money(50.0)), ("close_date", date(2020, 1, 1))]);
    assert_eq!(range.error_field(&fields, &CTX), Some("close_date"));
    assert_eq!(rule("deals", "not (amount > 10)").error_field(&fields, &CTX), Some("amount"));
}

#[test]
fn rule_messages() {
    let compiled = rule("deals", "amount > 0");
    assert_eq!(compiled.message(), "rule \"r\" does not hold: amount > 0");
    let err = compile("deals", "amount >").unwrap_err();
    assert_eq!(err.to_string(), "rule \"r\", at character 9: the rule ends too early: expected a field or a value");
}

/// Compile errors: (object, expression, 1-based position, a fragment of the message).
#[test]
fn compile_errors_name_the_position() {
    let cases: &[(&str, &str, usize, &str)] = &[
        ("deals", "", 1, "the rule is empty"),
        ("deals", "   ", 1, "the rule is empty"),
        ("deals", "amount >", 9, "ends too early"),
        ("deals", "amount > > 5", 10, "expected a field or a value, found `>`"),
        ("deals", "amount 5", 8, "expected `and`, `or` or the end of the rule, found the number 5"),
        ("deals", "amont > 5", 1, "unknown field `amont` on deals (did you mean `amount`?)"),
        ("deals", "amount > \"abc\"", 10, "cannot compare `amount` (a currency field) with the text \"abc\": expected a number"),
        ("deals", "\"abc\" < amount", 1, "cannot compare `amount` (a currency field) with the text \"abc\""),
        ("deals", "name > 5", 8, "expected text in quotes"),
        ("deals", "close_date > 5", 14, "expected a date like 2024-01-31"),
        ("deals", "close_date > \"soon\"", 14, "expected a date like 2024-01-31"),
        ("deals", "close_date > 2024-02-30", 14, "\"2024-02-30\" is not a valid date"),
        ("deals", "close_date > 2024-2-3", 14, "is not a valid date"),
        ("deals", "custom.signed_at > 2024-01-01T25:00:00Z", 20, "is not a valid date-time"),
        ("deals", "amount > 1__000", 10, "is not a valid number"),
        ("deals", "amount > 1000.", 10, "is not a valid number"),
        ("deals", "amount > 10k", 10, "followed by a letter"),
        (
            "deals",
            "stage = \"won\"",
            9,
            "\"won\" is not an option of `stage` (a picklist field): expected one of \"prospecting\"",
        ),
        ("leads", "if status = \"Qualifed\" then source is not empty", 13, "is not an option of `status`"),
        ("leads", "if status = \"qualified\" source is not empty", 25, "expected `then` after the condition of `if`"),
        ("accounts", "custom.account_number matches \"ACC-(\\d{6}\"", 31, "invalid regular expression"),
        ("accounts", "custom.account_number matches \"a)|(.*\"", 31, "invalid regular expression"),
        ("accounts", "employees matches \"\\d+\"", 1, "`matches` tests text, but `employees` (a number field) is not text"),
        ("accounts", "custom.account_number matches 5", 31, "expected the regular expression as text in quotes"),
        ("accounts", "\"x\" matches \"x\"", 1, "expected a field before `matches`"),
        ("accounts", "name contains 5", 15, "expected text in quotes after `contains`"),
        ("accounts", "employees contains \"5\"", 11, "`contains` tests text"),
        ("accounts", "custom.tags contains \"gold\"", 22, "\"gold\" is not an option of `custom.tags`"),
        ("accounts", "custom.tags starts_with \"v\"", 13, "use `contains \"option\"`"),
        ("accounts", "custom.tags = \"vip\"", 1, "cannot be compared: use `contains \"option\"`"),
        ("contacts", "emails = \"a@b.c\"", 1, "compare the primary entry, like `email`"),
        ("contacts", "account = 5", 1, "related records are not known"),
        ("contacts", "account.name = \"Acme\"", 1, "reads a related record"),
        ("contacts", "external_ids[salesforce] = \"1\"", 1, "external ids are not fields of the row"),
        ("contacts", "updated_at > today", 1, "system field `updated_at` is not known"),
        ("contacts", "first_name[work] = \"x\"", 1, "has no labelled values"),
        ("contacts", "phones[mobile = \"x\"", 7, "label starting here has no closing ]"),
        ("contacts", "first_name = \"x", 14, "text starting here has no closing \""),
        ("contacts", "`first_name = \"x\"", 1, "has no closing `"),
        ("contacts", "first_name = \"x\" && last_name = \"y\"", 18, "write `and`"),
        ("contacts", "first_name # \"x\"", 12, "unexpected character '#'"),
        ("contacts", "do_not_contact > true", 16, "true/false values only compare with `=` and `!=`"),
        ("contacts", "do_not_contact between false and true", 1, "needs values with an order"),
        ("contacts", "first_name", 1, "expected a condition, found `first_name` (a text field) alone"),
        ("contacts", "5", 1, "expected a condition, found the number 5 alone"),
        ("contacts", "(first_name = \"x\"", 18, "expected `)` to close the `(` at character 1"),
        ("contacts", "first_name = \"x\")", 17, "there is no ( to close"),
        ("contacts", "first_name in \"x\"", 15, "expected `(` to start the list of `in`"),
        ("contacts", "first_name in (\"x\" \"y\")", 20, "expected `,` or `)` in the list of `in`"),
        ("contacts", "first_name in ()", 16, "expected a field or a value, found `)`"),
        ("contacts", "first_name between \"a\" or \"b\"", 24, "expected `and` between the bounds of `between`"),
        ("contacts", "first_name > empty", 12, "`empty` only compares with `=` and `!=`"),
        ("contacts", "first_name in (empty)", 16, "`empty` is only allowed in `is empty`"),
        ("contacts", "today is empty", 1, "expected a field before `is empty`, found `today`"),
        ("contacts", "first_name = and", 14, "found the keyword `and`"),
        ("contacts", "first_name + 3 days = \"x\"", 12, "only dates and date-times take `+ N days`"),
        ("deals", "close_date > today + 3", 23, "expected `days` after the number"),
        ("deals", "close_date > today + 1.5 days", 22, "expected a whole number of days"),
        ("deals", "close_date + 1 day is empty", 1, "without `+ N days`"),
        ("deals", "amount > -x", 11, "expected a number after `-`"),
        ("deals", "stage > lead_source", 7, "have different options, so they only compare with `=` and `!=`"),
        ("deals", "Amount > 1", 1, "unknown field `Amount` on deals (did you mean `amount`?)"),
        ("deals", "close_date = true", 14, "cannot compare `close_date` (a date field) with `true`"),
    ];
    for (object, expression, position, fragment) in cases {
        match compile(object, expression) {
            Ok(_) => panic!("{expression:?} should not compile"),
            Err(err) => {
                assert!(
                    err.position == *position && err.message.contains(fragment),
                    "{expression:?}: expected position {position} with {fragment:?}, got {err}"
                );
                assert_eq!(err.rule, "r");
            }
        }
    }
}

#[test]
fn limits_on_length_and_depth() {
    let long = format!("amount > 0{}", " ".repeat(MAX_LENGTH));
    let err = compile("deals", &long).unwrap_err();
    assert_eq!(err.position, MAX_LENGTH + 1);
    assert!(err.message.contains("at most 2000"), "{err}");
    // Exactly at the limit is fine.
    let padded = format!("{:<width$}", "amount > 0", width = MAX_LENGTH);
    assert!(compile("deals", &padded).is_ok());

    let nested = |depth: usize| format!("{}amount > 0{}", "(".repeat(depth), ")".repeat(depth));
    assert!(compile("deals", &nested(MAX_DEPTH)).is_ok());
    let err = compile("deals", &nested(MAX_DEPTH + 1)).unwrap_err();
    assert_eq!(err.position, MAX_DEPTH + 1);
    assert!(err.message.contains("nests deeper than 32"), "{err}");
    // Unbalanced floods of parentheses, `not` and `if` stop at the limit, no stack overflow.
    for flood in ["(".repeat(1_999), "not ".repeat(499), "if amount > 1 then ".repeat(100)] {
        let err = compile("deals", &flood).unwrap_err();
        assert!(err.message.contains("nests deeper"), "{err}");
    }
    // Long flat chains are not nesting.
    let chain = vec!["amount > 0"; 120].join(" and ");
    assert!(compile("deals", &chain).is_ok());
}

#[test]
fn garbage_never_panics() {
    let valid = [
        "close_date > created_at",
        r#"if status = "Qualified" then source is not empty else rating in ("hot", 'warm')"#,
        r#"custom.account_number matches "ACC-\d{6}""#,
        "amount between 1_000 and 10_000_000",
        "custom.signed_at <= now - 2 days or not (phones[mobile] is empty)",
        "`first_name` starts_with \"a\" and close_date >= 2024-01-31T09:30:00+02:00",
    ];
    let tricky = [
        "\"",
        "'",
        "`",
        "``",
        "(",
        ")",
        "()",
        "[",
        "]",
        "a[",
        "a[]",
        "phones[",
        "-",
        "--5",
        "+",
        "==",
        "!",
        "!==",
        "<>",
        "<=>",
        "1-",
        "2024-",
        "2024-01-",
        "2024-01-01T",
        "9999-99-99",
        "0000-00-00",
        "1e999",
        "99999999999999999999999999999",
        "1.2.3",
        "_",
        "__",
        ".",
        "..",
        "a..b",
        "custom.",
        "custom..x",
        "not",
        "if",
        "if then",
        "then",
        "else",
        "is",
        "is not",
        "between and",
        "in ()",
        "matches",
        "empty",
        "today +",
        "today + 1",
        "now - days",
        "\\",
        "\\\"",
        "é",
        "🦀 = 🦀",
        "\u{0}",
        "\u{feff}amount > 0",
        "amount >\u{a0}0",
        "amount\t>\n0",
        "if if if",
        "not not not",
        "a and and b",
        "amount > 0 or",
        "amount > 0 and (",
        "stage >= \"\"",
        "stage in (",
        "stage in (\"proposal\",",
        "x matches \"[\"",
        "today + 1000000 days > close_date",
        "today - 1000000 days < close_date",
        "now + 1000000 days > created_at",
    ];
    let fields = row(&[
        ("amount", money(5.0)),
        ("stage", text("proposal")),
        ("close_date", date(2024, 1, 1)),
        ("phones", text("+1 555 0100")),
    ]);
    let extreme = [CTX, RuleContext { now_ms: i64::MAX, created_at_ms: i64::MIN }, RuleContext { now_ms: 0, created_at_ms: 0 }];
    let mut inputs: Vec<String> = tricky.iter().map(|s| s.to_string()).collect();
    for expression in valid {
        let chars: Vec<char> = expression.chars().collect();
        for end in 0..=chars.len() {
            inputs.push(chars[..end].iter().collect());
            inputs.push(chars[end..].iter().collect());
        }
    }
    for object in ["deals", "leads", "contacts"] {
        for input in &inputs {
            match compile(object, input) {
                Ok(compiled) => {
                    for context in &extreme {
                        let _ = compiled.holds(&fields, context);
                        let _ = compiled.error_field(&fields, context);
                    }
                }
                Err(err) => {
                    let length = input.chars().count();
                    assert!(err.position >= 1 && err.position <= length.max(1) + 1, "{input:?}: {err}");
                }
            }
        }
    }
}

#[test]
fn evaluation_is_fast_enough() {
    let rules = [
        rule("deals", "close_date > created_at"),
        rule("deals", "amount between 1_000 and 10_000_000"),
        rule("deals", r#"if stage = "closed_won" then next_step matches "[A-Z]{3}-\d+""#),
    ];
    let rows: Vec<Fields> = (0..1_000)
        .map(|i| {
            row(&[
                ("name", text("Deal")),
                ("amount", money(f64::from(i) * 50.0)),
                ("close_date", date(2024, 1 + (i % 12) as u32, 1)),
                ("stage", text(if i % 2 == 0 { "closed_won" } else { "proposal" })),
                ("next_step", text("ABC-12")),
            ])
        })
        .collect();
    let started = std::time::Instant::now();
    let mut broken = 0;
    for _ in 0..100 {
        for fields in &rows {
            for compiled in &rules {
                broken += usize::from(!compiled.holds(fields, &CTX));
            }
        }
    }
    let elapsed = started.elapsed();
    assert!(broken > 0);
    // 300k evaluations; generous for unoptimized test builds on a busy machine.
    assert!(elapsed.as_secs_f64() < 5.0, "{elapsed:?}");
}

#[test]
fn documented_examples_compile() {
    let examples = [
        ("deals", "close_date > created_at"),
        ("leads", r#"if status = "Qualified" then source is not empty"#),
        ("accounts", r#"custom.account_number matches "ACC-\d{6}""#),
        ("deals", "amount between 1_000 and 10_000_000"),
        ("deals", "close_date <= today + 365 days"),
        ("deals", r#"stage in ("closed_won", "closed_lost") or close_date >= today"#),
        ("deals", r#"if stage >= "proposal" then amount is not empty"#),
        ("contacts", r#"email ends_with "@acme.com" or phones[mobile] is not empty"#),
        ("accounts", r#"custom.tags contains "vip""#),
        ("contacts", r#"not (do_not_contact and lead_source = "purchased_list")"#),
        ("leads", r#"if country = "DE" then postal_code matches "\d{5}" else postal_code is not empty"#),
        ("deals", "close_date is not empty and close_date > created_at"),
        ("deals", "amount between 1 and 2 and stage = \"proposal\""),
    ];
    for (object, expression) in examples {
        rule(object, expression);
    }
    let documented_errors = [
        ("deals", "amount > \"abc\"", "rule \"r\", at character 10: cannot compare `amount` (a currency field) with the text \"abc\": expected a number like 1000 or a number field"),
        ("leads", "if status = \"Qualifed\" then source is not empty", "rule \"r\", at character 13: \"Qualifed\" is not an option of `status` (a picklist field): expected one of \"new\", \"contacted\", \"qualified\", \"unqualified\", \"converted\""),
        ("accounts", "custom.account_number matches \"ACC-(\\d{6}\"", "rule \"r\", at character 31: invalid regular expression \"ACC-(\\\\d{6}\": unclosed group"),
        ("deals", "amont > 5", "rule \"r\", at character 1: unknown field `amont` on deals (did you mean `amount`?)"),
    ];
    for (object, expression, message) in documented_errors {
        assert_eq!(compile(object, expression).map(|_| ()).unwrap_err().to_string(), message);
    }
}
