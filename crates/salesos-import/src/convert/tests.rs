//! Table-driven tests of the lenient conversions.

use super::*;
use chrono::{NaiveDate, TimeZone, Utc};

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

// ---- dates -------------------------------------------------------------------------------

#[test]
fn every_table_format_parses() {
    let cases: &[(&str, &str, (i32, u32, u32))] = &[
        ("%Y-%m-%d", "2024-03-04", (2024, 3, 4)),
        ("%Y-%m-%d", "2024-3-4", (2024, 3, 4)),
        ("%Y/%m/%d", "2024/03/04", (2024, 3, 4)),
        ("%Y.%m.%d", "2024.03.04", (2024, 3, 4)),
        ("%d/%m/%Y", "04/03/2024", (2024, 3, 4)),
        ("%d/%m/%Y", "4/3/2024", (2024, 3, 4)),
        ("%m/%d/%Y", "03/04/2024", (2024, 3, 4)),
        ("%m/%d/%Y", "3/4/2024", (2024, 3, 4)),
        ("%d.%m.%Y", "04.03.2024", (2024, 3, 4)),
        ("%d.%m.%Y", "4.3.2024", (2024, 3, 4)),
        ("%d-%m-%Y", "04-03-2024", (2024, 3, 4)),
        ("%m-%d-%Y", "03-04-2024", (2024, 3, 4)),
        ("%d/%m/%y", "04/03/24", (2024, 3, 4)),
        ("%d/%m/%y", "04/03/85", (1985, 3, 4)),
        ("%m/%d/%y", "3/4/24", (2024, 3, 4)),
        ("%d.%m.%y", "04.03.24", (2024, 3, 4)),
        ("%d %b %Y", "4 Mar 2024", (2024, 3, 4)),
        ("%d %b %Y", "04 mar. 2024", (2024, 3, 4)),
        ("%d %B %Y", "4 March 2024", (2024, 3, 4)),
        ("%b %d, %Y", "Mar 4, 2024", (2024, 3, 4)),
        ("%b %d, %Y", "Sept 4 2024", (2024, 9, 4)),
        ("%B %d, %Y", "March 4, 2024", (2024, 3, 4)),
        ("%B %d, %Y", "Monday, March 4, 2024", (2024, 3, 4)),
        ("%d-%b-%Y", "04-Mar-2024", (2024, 3, 4)),
        ("%d-%b-%y", "04-MAR-24", (2024, 3, 4)),
        ("%Y%m%d", "20240304", (2024, 3, 4)),
        // Date-times under a date format give their date part.
        ("%d/%m/%Y", "04/03/2024 23:59", (2024, 3, 4)),
        ("%m/%d/%Y %I:%M %p", "3/4/2024 11:30 PM", (2024, 3, 4)),
        ("%d-%b-%Y", "04-Mar-2024 10:00:00", (2024, 3, 4)),
        // ISO 8601 is always accepted.
        ("%d.%m.%Y", "2024-03-04", (2024, 3, 4)),
        ("%m/%d/%Y", "2024-03-04T23:30:00-08:00", (2024, 3, 4)),
        ("%d.%m.%Y", "2024-03-04T00:30:00+14:00", (2024, 3, 4)),
        // Custom chrono patterns.
        ("%Y年%m月%d日", "2024年03月04日", (2024, 3, 4)),
        ("%d|%m|%Y", "04|03|2024", (2024, 3, 4)),
    ];
    for (pattern, text, (y, m, d)) in cases {
        assert_eq!(DateFormat::new(pattern).parse_date(text), Some(ymd(*y, *m, *d)), "{pattern} {text}");
    }
}

#[test]
fn bad_dates_are_refused() {
    let cases: &[(&str, &str)] = &[
        ("%d/%m/%Y", "31/02/2024"),
        ("%d/%m/%Y", "13/13/2024"),
        ("%m/%d/%Y", "13/04/2024"),
        ("%d/%m/%Y", "04/03/2024 25:00"),
        ("%d/%m/%Y", "04/03/2024 garbage"),
        ("%d/%m/%Y", "04-03-2024"),
        ("%d/%m/%Y", "04/03-2024"),
        ("%Y-%m-%d", "2024-02-30"),
        ("%Y-%m-%d", "2024-03-04X"),
        ("%Y%m%d", "18000304"),
        ("%d %B %Y", "4 Mar 2024"),
        ("%d %b %Y", "4 Foo 2024"),
        ("%d/%m/%Y", ""),
        ("%d/%m/%Y", "   "),
        ("%d/%m/%Y", "12345"),
        ("%d|%m|%Y", "04|13|2024"),
    ];
    for (pattern, text) in cases {
        assert_eq!(DateFormat::new(pattern).parse_date(text), None, "{pattern} {text:?}");
    }
    // A value in another spelling than the column's is read when it reads one way only.
    let date = NaiveDate::from_ymd_opt(2024, 3, 4);
    assert_eq!(DateFormat::new("%Y-%m-%d").parse_date("20240304"), date);
    assert_eq!(DateFormat::new("%d.%m.%Y").parse_date("March 4, 2024"), date);
    assert_eq!(DateFormat::new("%d.%m.%Y").parse_date("03/04/2024"), None, "reads two ways");
    assert_eq!(DateFormat::new("%m/%d/%Y").parse_date("13/04/2024"), None, "the column's own layout keeps its order");
}

#[test]
fn datetimes_parse_with_zones_and_offsets() {
    let at = |y, mo, d, h, mi, s| Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap();
    let cases: &[(&str, &str, i32, chrono::DateTime<Utc>)] = &[
        ("%Y-%m-%d", "2024-03-04T10:30:00Z", 0, at(2024, 3, 4, 10, 30, 0)),
        ("%Y-%m-%d", "2024-03-04T10:30:00Z", 120, at(2024, 3, 4, 10, 30, 0)),
        ("%Y-%m-%d", "2024-03-04T10:30:00+02:00", 0, at(2024, 3, 4, 8, 30, 0)),
        ("%Y-%m-%d", "2024-03-04T10:30:00.123456-0500", 0, at(2024, 3, 4, 15, 30, 0) + chrono::TimeDelta::microseconds(123456)),
        ("%Y-%m-%d", "2024-03-04 10:30", 60, at(2024, 3, 4, 9, 30, 0)),
        ("%Y-%m-%d", "2024-03-04T10:30", -300, at(2024, 3, 4, 15, 30, 0)),
        ("%Y-%m-%d", "2024-03-04 10:30:15 UTC", 60, at(2024, 3, 4, 10, 30, 15)),
        ("%Y-%m-%d", "2024-03-04", 60, at(2024, 3, 3, 23, 0, 0)),
        ("%d/%m/%Y %H:%M", "04/03/2024 10:30", 0, at(2024, 3, 4, 10, 30, 0)),
        ("%m/%d/%Y %H:%M:%S", "3/4/2024 10:30:05", 0, at(2024, 3, 4, 10, 30, 5)),
        ("%m/%d/%Y %I:%M %p", "3/4/2024 2:05 PM", 0, at(2024, 3, 4, 14, 5, 0)),
        ("%m/%d/%Y %I:%M %p", "3/4/2024 12:05 am", 0, at(2024, 3, 4, 0, 5, 0)),
        ("%m/%d/%Y %I:%M %p", "3/4/2024 12:05 p.m.", 0, at(2024, 3, 4, 12, 5, 0)),
        ("%m/%d/%Y %I:%M:%S %p", "3/4/2024 1:02:03 PM", 0, at(2024, 3, 4, 13, 2, 3)),
        ("%d.%m.%Y", "04.03.2024 10:30", 60, at(2024, 3, 4, 9, 30, 0)),
        ("%d %b %Y", "Mon, 04 Mar 2024 10:52:37 +0200", 0, at(2024, 3, 4, 8, 52, 37)),
        ("%d|%m|%Y %H:%M", "04|03|2024 10:30", 60, at(2024, 3, 4, 9, 30, 0)),
        ("%d|%m|%Y", "04|03|2024", 0, at(2024, 3, 4, 0, 0, 0)),
    ];
    for (pattern, text, offset, expected) in cases {
        assert_eq!(DateFormat::new(pattern).parse_datetime(text, *offset), Some(*expected), "{pattern} {text} {offset}");
    }
    for text in ["2024-03-04T13:00 PM", "2024-03-04T10:30+25:00", "2024-03-04T10:61", "2024-03-04T", "2024-03-04 10"] {
        assert_eq!(DateFormat::iso().parse_datetime(text, 0), None, "{text}");
    }
}

#[test]
fn date_only_values_never_shift() {
    for pattern in ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d %b %Y"] {
        let format = DateFormat::new(pattern);
        let text = match pattern {
            "%Y-%m-%d" => "2024-12-31",
            "%d %b %Y" => "31 Dec 2024",
            "%m/%d/%Y" => "12/31/2024",
            "%d.%m.%Y" => "31.12.2024",
            _ => "31/12/2024",
        };
        assert_eq!(format.parse_date(text), Some(ymd(2024, 12, 31)), "{pattern}");
        for offset in [14 * 60, -12 * 60, 0, 330] {
            let instant = format.parse_datetime(text, offset).unwrap();
            // Midnight at the offset; the local calendar date there is unchanged.
            let local = instant.naive_utc() + chrono::TimeDelta::minutes(i64::from(offset));
            assert_eq!(local.date(), ymd(2024, 12, 31), "{pattern} {offset}");
            assert_eq!(local.time(), chrono::NaiveTime::MIN);
            // The date field reads the same date whatever the offset.
            assert_eq!(format.parse_date(text), Some(ymd(2024, 12, 31)));
        }
    }
    // A date-time with a zone, read for a date field, keeps its written date.
    assert_eq!(DateFormat::iso().parse_date("2024-12-31T23:30:00-12:00"), Some(ymd(2024, 12, 31)));
    assert_eq!(DateFormat::iso().parse_date("2024-12-31T00:30:00+14:00"), Some(ymd(2024, 12, 31)));
}

#[test]
fn check_and_order() {
    for (pattern, order) in [
        ("%d.%m.%Y", Some(DateOrder::Dmy)),
        ("%m/%d/%y", Some(DateOrder::Mdy)),
        ("%Y-%m-%d %H:%M", Some(DateOrder::Ymd)),
        ("%b %d, %Y", Some(DateOrder::Mdy)),
        ("%d-%b-%y", Some(DateOrder::Dmy)),
        ("%F", Some(DateOrder::Ymd)),
        ("%e/%m/%Y", Some(DateOrder::Dmy)),
    ] {
        assert_eq!(DateFormat::new(pattern).check(), Ok(()), "{pattern}");
        assert_eq!(DateFormat::new(pattern).order(), order, "{pattern}");
    }
    for (pattern, needle) in
        [("%d.%m", "no a year"), ("%Y-%m", "no a day"), ("%Q-%m-%d", "unknown"), ("", "empty"), ("%Y-%m-%", "unknown")]
    {
        let error = DateFormat::new(pattern).check().unwrap_err();
        assert!(error.contains(needle), "{pattern}: {error}");
    }
    assert_eq!(DateFormat::new("%d.%m").order(), None);
}

#[test]
fn locales_suggest_orders() {
    for (locale, order) in [
        ("en-US", DateOrder::Mdy),
        ("en_US", DateOrder::Mdy),
        ("en-PH", DateOrder::Mdy),
        ("fil", DateOrder::Mdy),
        ("es-US", DateOrder::Mdy),
        ("en", DateOrder::Mdy),
        ("en-GB", DateOrder::Dmy),
        ("en-AU", DateOrder::Dmy),
        ("en-IN", DateOrder::Dmy),
        ("de-DE", DateOrder::Dmy),
        ("de", DateOrder::Dmy),
        ("fr-FR", DateOrder::Dmy),
        ("es-ES", DateOrder::Dmy),
        ("es-419", DateOrder::Dmy),
        ("it", DateOrder::Dmy),
        ("nl-NL", DateOrder::Dmy),
        ("pt-BR", DateOrder::Dmy),
        ("ru", DateOrder::Dmy),
        ("pl-PL", DateOrder::Dmy),
        ("zh-CN", DateOrder::Ymd),
        ("zh-Hant-TW", DateOrder::Ymd),
        ("ja-JP", DateOrder::Ymd),
        ("ko", DateOrder::Ymd),
        ("hu-HU", DateOrder::Ymd),
        ("lt", DateOrder::Ymd),
        ("sv-SE", DateOrder::Ymd),
        ("en-CA", DateOrder::Ymd),
        ("", DateOrder::Dmy),
    ] {
        assert_eq!(DateOrder::for_locale(locale), order, "{locale}");
    }
    for order in [DateOrder::Dmy, DateOrder::Mdy, DateOrder::Ymd] {
        assert_eq!(DateOrder::parse(order.as_str()), Some(order));
    }
}

fn infer(values: &[&str], order: Option<DateOrder>) -> DateInference {
    let mut stats = DateColumnStats::new();
    for value in values {
        stats.observe(value);
    }
    stats.conclude(order)
}

fn known(pattern: &str) -> DateInference {
    DateInference::Known { format: DateFormat::new(pattern) }
}

#[test]
fn inference_of_columns() {
    let cases: &[(&[&str], Option<DateOrder>, DateInference)] = &[
        (&[], None, DateInference::Empty),
        (&["", "  "], None, DateInference::Empty),
        (&["2024-03-04", "2024-12-31", "1999-01-01"], None, known("%Y-%m-%d")),
        (&["2024-03-04T10:00:00Z", "2024-12-31T08:00:00+01:00"], None, known("%Y-%m-%dT%H:%M:%S")),
        (&["2024-03-04 10:00", "2024-12-31 08:00"], None, known("%Y-%m-%d %H:%M")),
        (&["13/04/2024", "03/04/2024", "1/2/2024"], None, known("%d/%m/%Y")),
        (&["04/13/2024", "03/04/2024"], None, known("%m/%d/%Y")),
        (&["03/04/2024", "05/06/2024"], Some(DateOrder::Dmy), known("%d/%m/%Y")),
        (&["03/04/2024", "05/06/2024"], Some(DateOrder::Mdy), known("%m/%d/%Y")),
        (&["03-04-2024", "25-06-2024"], None, known("%d-%m-%Y")),
        (&["03.04.2024", "05.06.2024"], None, known("%d.%m.%Y")),
        (&["03.04.24", "25.06.24"], None, known("%d.%m.%y")),
        (&["3/4/24", "12/25/24"], None, known("%m/%d/%y")),
        (&["4 Mar 2024", "5 Jun 2024", "7 May 2024"], None, known("%d %b %Y")),
        (&["4 March 2024", "5 June 2024", "7 May 2024"], None, known("%d %B %Y")),
        (&["March 4, 2024", "Jun 5, 2024"], None, known("%b %d, %Y")),
        (&["March 4, 2024", "June 5, 2024"], None, known("%B %d, %Y")),
        (&["04-Mar-2024", "05-Jun-2024"], None, known("%d-%b-%Y")),
        (&["04-Mar-24", "05-Jun-24"], None, known("%d-%b-%y")),
        (&["20240304", "20241231"], None, known("%Y%m%d")),
        (&["2024/03/04", "2024/12/31"], None, known("%Y/%m/%d")),
        (&["13/04/2024 10:30", "03/04/2024 09:15"], None, known("%d/%m/%Y %H:%M")),
        (&["4/13/2024 1:30 PM", "3/4/2024 9:15:00 AM"], None, known("%m/%d/%Y %I:%M:%S %p")),
        // ISO values fit any column; the others decide.
        (&["2024-03-04", "13/04/2024", "2024-05-06"], None, known("%d/%m/%Y")),
        // A value fitting no format is left to be a row error.
        (&["13/04/2024", "03/04/2024", "n/a"], None, known("%d/%m/%Y")),
        // Mostly one proven order, a stray value of the other: the majority wins.
        (&["13/04/2024", "14/04/2024", "15/04/2024", "04/16/2024"], None, known("%d/%m/%Y")),
    ];
    for (values, order, expected) in cases {
        assert_eq!(&infer(values, *order), expected, "{values:?} {order:?}");
    }
}

#[test]
fn ambiguous_columns_are_flagged_with_evidence() {
    let inference = infer(&["03/04/2024", "05/06/2024", "01/01/2024", "2024-07-08", "11/12/2024", "10/09/2024"], None);
    let DateInference::Ambiguous { day_first, month_first, examples } = inference else { panic!("{inference:?}") };
    assert_eq!(day_first, DateFormat::new("%d/%m/%Y"));
    assert_eq!(month_first, DateFormat::new("%m/%d/%Y"));
    assert_eq!(examples, vec!["03/04/2024", "05/06/2024", "11/12/2024"]);
    // Only same-day-and-month values: still ambiguous, with them as examples.
    let inference = infer(&["01/01/2024", "02/02/2024"], None);
    assert!(matches!(&inference, DateInference::Ambiguous { examples, .. } if examples == &["01/01/2024", "02/02/2024"]));
    // A Ymd order does not decide between day-first and month-first.
    assert!(matches!(infer(&["03-04-2024"], Some(DateOrder::Ymd)), DateInference::Ambiguous { .. }));
    // Date-times keep their time in both readings.
    let inference = infer(&["03/04/2024 10:00", "05/06/2024 11:00"], None);
    let DateInference::Ambiguous { day_first, month_first, .. } = inference else { panic!("{inference:?}") };
    assert_eq!(day_first.pattern, "%d/%m/%Y %H:%M");
    assert_eq!(month_first.pattern, "%m/%d/%Y %H:%M");
    // The examples really read differently under the two formats.
    assert_ne!(day_first.parse_date("03/04/2024 10:00"), month_first.parse_date("03/04/2024 10:00"));
}

#[test]
fn unknown_columns_show_examples() {
    let inference = infer(&["soon", "next week", "2024-03-04", "tbd", "later"], None);
    assert_eq!(inference, DateInference::Unknown { examples: vec!["soon".into(), "next week".into(), "tbd".into()] });
    assert!(matches!(infer(&["45352", "45353"], None), DateInference::Unknown { .. }));
    assert!(matches!(infer(&["31/02/2024", "32/01/2024"], None), DateInference::Unknown { .. }));
    // Half and half is not "most".
    assert!(matches!(infer(&["2024-03-04", "foo"], None), DateInference::Unknown { .. }));
}

#[test]
fn inference_memory_is_constant() {
    let mut stats = DateColumnStats::new();
    for i in 0..100_000u32 {
        let day = i % 28 + 1;
        let month = i % 12 + 1;
        stats.observe(&format!("{day}/{month}/2024"));
        stats.observe(&format!("garbage {i}"));
    }
    assert_eq!(stats.observed(), 200_000);
    let DateInference::Unknown { examples } = stats.conclude(None) else { panic!() };
    assert_eq!(examples.len(), 3);
}

// ---- numbers and money --------------------------------------------------------------------

#[test]
fn numbers_in_many_spellings() {
    use NumberStyle::{Auto, DecimalComma, DecimalPoint};
    let cases: &[(&str, NumberStyle, Option<f64>)] = &[
        ("1234.56", Auto, Some(1234.56)),
        ("-1234.56", Auto, Some(-1234.56)),
        (" 42 ", Auto, Some(42.0)),
        ("1,234.56", Auto, Some(1234.56)),
        ("1,234.56", DecimalPoint, Some(1234.56)),
        ("1.234,56", Auto, Some(1234.56)),
        ("1.234,56", DecimalComma, Some(1234.56)),
        ("1,234", Auto, Some(1234.0)),
        ("1,234,567", Auto, Some(1234567.0)),
        ("1.234.567", Auto, Some(1234567.0)),
        ("1.234", Auto, Some(1.234)),
        ("1.234", DecimalComma, Some(1234.0)),
        ("1,5", Auto, Some(1.5)),
        ("0,125", Auto, Some(0.125)),
        ("1234,567", Auto, Some(1234.567)),
        ("1,5", DecimalComma, Some(1.5)),
        ("1,5", DecimalPoint, None),
        ("1 234,56", Auto, Some(1234.56)),
        ("1\u{a0}234,56", Auto, Some(1234.56)),
        ("1\u{202f}234\u{202f}567,8", DecimalComma, Some(1234567.8)),
        ("1'234.50", Auto, Some(1234.5)),
        ("1’234.50", Auto, Some(1234.5)),
        ("12,34,567.50", Auto, Some(1234567.5)),
        ("(1,200)", Auto, Some(-1200.0)),
        ("( 1,200.50 )", Auto, Some(-1200.5)),
        ("+5", Auto, Some(5.0)),
        ("5-", Auto, Some(-5.0)),
        ("- 5", Auto, Some(-5.0)),
        ("\u{2212}5", Auto, Some(-5.0)),
        ("12%", Auto, Some(12.0)),
        ("12,5 %", Auto, Some(12.5)),
        ("1e3", Auto, Some(1000.0)),
        ("1.5E-3", Auto, Some(0.0015)),
        (".5", Auto, Some(0.5)),
        ("0", Auto, Some(0.0)),
        ("", Auto, None),
        ("-", Auto, None),
        ("abc", Auto, None),
        ("NaN", Auto, None),
        ("inf", Auto, None),
        ("-infinity", Auto, None),
        ("1e999", Auto, None),
        ("1.2.3", DecimalPoint, None),
        ("1,2,3", DecimalComma, None),
        ("1,23", DecimalPoint, None),
        ("12 34", Auto, None),
        ("1,,234", Auto, None),
        (",5", DecimalPoint, None),
        ("1,234.5,6", Auto, None),
        ("--5", Auto, None),
        ("(-5)", Auto, None),
        ("-5-", Auto, None),
        ("5 apples", Auto, None),
        ("0x1F", Auto, None),
        ("1e", Auto, None),
    ];
    for (text, style, expected) in cases {
        assert_eq!(parse_number(text, *style), *expected, "{text:?} {style:?}");
    }
}

#[test]
fn money_with_symbols_and_codes() {
    use NumberStyle::Auto;
    type Case<'a> = (&'a str, &'a str, Option<(f64, &'a str)>);
    let cases: &[Case] = &[
        ("$1,200.00", "EUR", Some((1200.0, "USD"))),
        ("$1,200.00", "CAD", Some((1200.0, "CAD"))),
        ("1.234,56 €", "USD", Some((1234.56, "EUR"))),
        ("€1.234,56", "USD", Some((1234.56, "EUR"))),
        ("€ 5", "USD", Some((5.0, "EUR"))),
        ("£99.99", "USD", Some((99.99, "GBP"))),
        ("¥1,000", "USD", Some((1000.0, "JPY"))),
        ("¥1,000", "CNY", Some((1000.0, "CNY"))),
        ("₹1,23,456.50", "USD", Some((123456.5, "INR"))),
        ("CHF 1'234.50", "EUR", Some((1234.5, "CHF"))),
        ("100 kr", "NOK", Some((100.0, "NOK"))),
        ("100 kr", "EUR", Some((100.0, "SEK"))),
        ("R$ 1.234,56", "USD", Some((1234.56, "BRL"))),
        ("USD 1,200", "EUR", Some((1200.0, "USD"))),
        ("1,200 usd", "EUR", Some((1200.0, "USD"))),
        ("1200EUR", "USD", Some((1200.0, "EUR"))),
        ("-$5", "USD", Some((-5.0, "USD"))),
        ("$-5", "USD", Some((-5.0, "USD"))),
        ("-5 €", "USD", Some((-5.0, "EUR"))),
        ("(€1,200.00)", "USD", Some((-1200.0, "EUR"))),
        ("€(1,200.00)", "USD", Some((-1200.0, "EUR"))),
        ("1200", "EUR", Some((1200.0, "EUR"))),
        ("(1,200)", "EUR", Some((-1200.0, "EUR"))),
        ("US$ 10", "EUR", Some((10.0, "USD"))),
        ("$5 USD", "EUR", Some((5.0, "USD"))),
        ("€5 USD", "EUR", None),
        ("-$-5", "USD", None),
        ("$", "USD", None),
        ("USD", "USD", None),
        ("five dollars", "USD", None),
        ("XYZ 5", "USD", None),
    ];
    for (text, default, expected) in cases {
        let got = parse_money(text, Auto, default);
        assert_eq!(got.as_ref().map(|(a, c)| (*a, c.as_str())), *expected, "{text:?} {default}");
    }
}

// ---- booleans, phones, emails, URLs ---------------------------------------------------------

#[test]
fn booleans() {
    let truthy = [
        "true", "TRUE", " t ", "yes", "Y", "1", "x", "X", "checked", "on", "ja", "oui", "sí", "SÍ", "si", "sim", "vero", "waar",
        "✓",
    ];
    let falsy = ["false", "F", "no", "n", "0", "unchecked", "off", "nein", "non", "não", "NÃO", "falso", "onwaar", "nee"];
    for text in truthy {
        assert_eq!(parse_bool(text), Some(true), "{text}");
    }
    for text in falsy {
        assert_eq!(parse_bool(text), Some(false), "{text}");
    }
    for text in ["", " ", "maybe", "2", "yess", "-", "ja nein", "a very long text that is not a boolean"] {
        assert_eq!(parse_bool(text), None, "{text}");
    }
}

#[test]
fn phones() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("(415) 555-2671", "US", Some("+14155552671")),
        ("415.555.2671", "US", Some("+14155552671")),
        ("1-415-555-2671", "US", Some("+14155552671")),
        ("+1 415 555 2671 x123", "US", Some("+14155552671")),
        ("415-555-2671 ext. 12", "US", Some("+14155552671")),
        ("tel:+1-415-555-2671", "DE", Some("+14155552671")),
        ("011 49 30 1234567", "US", Some("+49301234567")),
        ("555-2671", "US", None),
        ("(015) 555-2671", "US", None),
        ("415 055 2671", "US", None),
        ("030 1234567", "DE", Some("+49301234567")),
        ("+49 (0)30 1234567", "DE", Some("+49301234567")),
        ("0049 30 1234567", "US", Some("+49301234567")),
        ("0171/1234567", "DE", Some("+491711234567")),
        ("020 7946 0958", "GB", Some("+442079460958")),
        ("+44 (0)20 7946 0958", "US", Some("+442079460958")),
        ("07700 900123", "GB", Some("+447700900123")),
        ("1-800-FLOWERS", "US", None),
        ("call me", "US", None),
        ("", "US", None),
        ("12345", "DE", None),
        ("+1234567890123456", "US", None),
        ("030 1234567", "XX", None),
        ("+49 30 1234567 x", "DE", None),
        ("+49 30 +1234567", "DE", None),
        // Not ASCII: the character-by-character path, with the same rules.
        ("+49\u{a0}30\u{a0}1234567", "DE", Some("+49301234567")),
        ("030\u{2013}1234567", "DE", Some("+49301234567")),
        ("030 1234567 \u{260e}", "DE", None),
        ("+49 30 1234567 Durchwahl", "DE", None),
        ("\u{3000}+49 30 1234567\u{3000}", "DE", Some("+49301234567")),
        ("+49 30 1234567 é", "DE", None),
    ];
    for (text, country, expected) in cases {
        assert_eq!(parse_phone(text, country).as_deref(), *expected, "{text:?} {country}");
    }
}

#[test]
fn emails() {
    let cases: &[(&str, Option<&str>)] = &[
        ("ann@example.org", Some("ann@example.org")),
        ("  Ann.Smith@Example.ORG ", Some("Ann.Smith@example.org")),
        ("mailto:ann@x.org", Some("ann@x.org")),
        ("MAILTO:ann@x.org?subject=Hi", Some("ann@x.org")),
        ("Ann Smith <ann@x.org>", Some("ann@x.org")),
        ("\"Smith, Ann\" <Ann@X.Org>", Some("Ann@x.org")),
        ("ann+crm@sub.example.co.uk", Some("ann+crm@sub.example.co.uk")),
        ("o'brien@example.ie", Some("o'brien@example.ie")),
        ("jörg@münchen.de", Some("jörg@münchen.de")),
        ("ann@xn--mnchen-3ya.de", Some("ann@xn--mnchen-3ya.de")),
        ("ann@localhost", None),
        ("ann@x.c", None),
        ("ann@x.123", None),
        ("ann@@x.org", None),
        ("ann@b@x.org", None),
        ("ann smith@x.org", None),
        ("ann..smith@x.org", None),
        (".ann@x.org", None),
        ("ann.@x.org", None),
        ("ann@x..org", None),
        ("ann@-x.org", None),
        ("@x.org", None),
        ("ann@", None),
        ("ann", None),
        ("", None),
        ("a@x.org; b@y.org", None),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_email(text).as_deref(), *expected, "{text:?}");
    }
}

#[test]
fn urls() {
    let cases: &[(&str, Option<&str>)] = &[
        ("https://acme.com", Some("https://acme.com")),
        ("http://acme.com/about?x=1#top", Some("http://acme.com/about?x=1#top")),
        ("HTTPS://WWW.Acme.com/Path", Some("https://www.acme.com/Path")),
        ("acme.com", Some("https://acme.com")),
        ("www.acme.com/path", Some("https://www.acme.com/path")),
        (" acme.co.uk ", Some("https://acme.co.uk")),
        ("acme.com:8080/x", Some("https://acme.com:8080/x")),
        ("//acme.com", Some("https://acme.com")),
        ("acme.com.", Some("https://acme.com")),
        ("http://192.168.1.10/admin", Some("http://192.168.1.10/admin")),
        ("javascript:alert(1)", None),
        ("JavaScript:alert(1)", None),
        ("mailto:ann@x.org", None),
        ("ftp://acme.com", None),
        ("data:text/html,hi", None),
        ("acme", None),
        ("http://localhost:3000", None),
        ("acme .com", None),
        ("http://user@acme.com", None),
        ("ann@acme.com", None),
        ("http://acme.com:port", None),
        ("http://", None),
        ("", None),
        ("http://acme.c", None),
        ("http://-acme.com", None),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_url(text).as_deref(), *expected, "{text:?}");
    }
}

// ---- names, addresses, case -----------------------------------------------------------------

#[test]
fn full_names() {
    let cases: &[(&str, (&str, &str))] = &[
        ("Ann Smith", ("Ann", "Smith")),
        ("  Ann   Smith  ", ("Ann", "Smith")),
        ("Smith, Ann", ("Ann", "Smith")),
        ("Smith, Ann Marie", ("Ann Marie", "Smith")),
        ("Dr. Ann Marie Smith-Jones Jr.", ("Ann Marie", "Smith-Jones")),
        ("Ann Smith, PhD", ("Ann", "Smith")),
        ("Smith Jr., John", ("John", "Smith")),
        ("Mr John Smith III", ("John", "Smith")),
        ("Ludwig van Beethoven", ("Ludwig", "van Beethoven")),
        ("Anna van der Berg", ("Anna", "van der Berg")),
        ("Juan de la Cruz", ("Juan", "de la Cruz")),
        ("Otto von Bismarck", ("Otto", "von Bismarck")),
        ("Van Morrison", ("Van", "Morrison")),
        ("Madonna", ("", "Madonna")),
        ("Dr.", ("", "Dr.")),
        ("", ("", "")),
        ("Frau Müller", ("", "Müller")),
        ("José García Márquez", ("José García", "Márquez")),
    ];
    for (text, (first, last)) in cases {
        assert_eq!(split_full_name(text), (first.to_string(), last.to_string()), "{text:?}");
    }
}

#[test]
fn addresses() {
    let parts = |street: &str, city: &str, state: &str, postal_code: &str, country: &str| AddressParts {
        street: street.into(),
        city: city.into(),
        state: state.into(),
        postal_code: postal_code.into(),
        country: country.into(),
    };
    let cases: &[(&str, AddressParts)] = &[
        ("1 Main St, Springfield, IL 62701, USA", parts("1 Main St", "Springfield", "IL", "62701", "USA")),
        ("1 Main St, Springfield IL 62701", parts("1 Main St", "Springfield", "IL", "62701", "")),
        ("1 Main St, Suite 5, Springfield, IL, 62701-1234", parts("1 Main St, Suite 5", "Springfield", "IL", "62701-1234", "")),
        ("Hauptstr. 5, 10115 Berlin, Germany", parts("Hauptstr. 5", "Berlin", "", "10115", "Germany")),
        ("Hauptstr. 5, 10115 Berlin", parts("Hauptstr. 5", "Berlin", "", "10115", "")),
        ("10 Downing St, London SW1A 2AA, UK", parts("10 Downing St", "London", "", "SW1A 2AA", "UK")),
        ("221B Baker Street, London, NW1 6XE", parts("221B Baker Street", "London", "", "NW1 6XE", "")),
        ("100 King St W, Toronto, ON M5X 1A9, Canada", parts("100 King St W", "Toronto", "ON", "M5X 1A9", "Canada")),
        ("Somewhere, Springfield", parts("Somewhere", "Springfield", "", "", "")),
        ("just one line", parts("just one line", "", "", "", "")),
        ("", parts("", "", "", "", "")),
    ];
    for (text, expected) in cases {
        assert_eq!(&split_address(text), expected, "{text:?}");
    }
}

#[test]
fn case_transforms() {
    for (text, title) in [
        ("ann smith", "Ann Smith"),
        ("ANN SMITH-JONES", "Ann Smith-Jones"),
        ("o'brien", "O'Brien"),
        ("don't stop", "Don't Stop"),
        ("éLODIE ÇA", "Élodie Ça"),
        ("3rd street", "3rd Street"),
        ("  two  spaces ", "  Two  Spaces "),
        ("", ""),
    ] {
        assert_eq!(title_case(text), title, "{text:?}");
    }
    assert_eq!(upper_case("straße"), "STRASSE");
    assert_eq!(lower_case("ÉLODIE"), "élodie");
}

// ---- robustness ---------------------------------------------------------------------------

#[test]
fn no_panics_on_arbitrary_input() {
    let mut inputs: Vec<String> = [
        "",
        " ",
        "\0",
        "\u{feff}",
        "-",
        "+",
        "(",
        ")",
        "()",
        "%",
        "e",
        "E5",
        ".",
        ",",
        "'",
        "$",
        "€",
        "kr",
        "R$",
        "(€)",
        "-$",
        "$-",
        "1e",
        "1e+",
        "9".repeat(400).as_str(),
        "1,".repeat(100).as_str(),
        "2024-",
        "2024-13",
        "2024-02-",
        "2024-02-30T",
        "T10:00",
        "99/99/9999",
        "0/0/0",
        "00000000",
        "99999999",
        "4294967295/1/2024",
        "Mar",
        "Mar 32, 2024",
        "31 Feb 2024",
        "Monday,",
        "Mon, ",
        "2024-03-04T10:00:00.",
        "2024-03-04T10:00:00+",
        "2024-03-04T10:00:00+99",
        "2024-03-04 10:00 pm pm",
        "03/04/2024 13:00 PM",
        "1/1/1 1:1",
        "日本語",
        "🎉🎉",
        "ǅemal",
        "İstanbul",
        "ß",
        "a@b",
        "@",
        "<>",
        "<@>",
        "mailto:",
        "x@",
        "http://",
        "https://:80",
        "//",
        ":",
        "::::",
        "#",
        "ext",
        "x123",
        "+",
        "+0",
        "00",
        "011",
        "tel:",
        "(0)",
        "Dr.",
        ",",
        ", ,",
        "Last,",
        ",First",
        "1 Main St,,,",
        "IL 62701",
        "SW1A 2AA",
        "\u{a0}1\u{a0}",
        "1\u{2009}000",
        "１２３",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let long = "12/31/2024 ".repeat(1000);
    inputs.push(long);
    let samples = [
        "2024-03-04T10:30:15.123+02:00",
        "Monday, March 4, 2024 10:30 PM",
        "€-1.234.567,89",
        "+44 (0)20 7946 0958 ext. 12",
        "Ann Smith <Ann.Smith@Example.org>",
        "https://www.acme.com:8080/a?b#c",
        "Dr. Ann Marie van der Smith-Jones Jr.",
        "1 Main St, Springfield, IL 62701-1234, USA",
        "04-Mär-2024",
        "ñ1,5€",
    ];
    for sample in samples {
        // Every truncation at a character boundary.
        for (index, _) in sample.char_indices() {
            inputs.push(sample[..index].to_string());
            inputs.push(sample[index..].to_string());
        }
    }
    let patterns =
        ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y %I:%M %p", "%d-%b-%y", "%Y%m%d", "%d|%m|%Y", "%Q", "", "%", "%Y-%m-%dT%H:%M:%S%.f%:z"];
    let mut stats = DateColumnStats::new();
    for input in &inputs {
        let text = input.as_str();
        for style in [NumberStyle::Auto, NumberStyle::DecimalPoint, NumberStyle::DecimalComma] {
            let _ = parse_number(text, style);
            let _ = parse_money(text, style, "USD");
        }
        let _ = parse_bool(text);
        let _ = parse_phone(text, "US");
        let _ = parse_phone(text, "DE");
        let _ = parse_email(text);
        let _ = parse_url(text);
        let _ = split_full_name(text);
        let _ = split_address(text);
        let _ = title_case(text);
        for pattern in patterns {
            let format = DateFormat::new(pattern);
            let _ = format.check();
            let _ = format.order();
            let _ = format.parse_date(text);
            for offset in [i32::MIN, -720, 0, 840, i32::MAX] {
                let _ = format.parse_datetime(text, offset);
            }
        }
        let _ = DateOrder::for_locale(text);
        stats.observe(text);
    }
    for order in [None, Some(DateOrder::Dmy), Some(DateOrder::Mdy), Some(DateOrder::Ymd)] {
        let _ = stats.conclude(order);
    }
}

#[test]
fn a_column_written_one_way_fits_nearly_all_and_a_mixed_one_does_not() {
    let mut steady = DateColumnStats::new();
    for n in 0..100 {
        steady.observe(&format!("{:02}.{:02}.1990", n % 28 + 1, n % 12 + 1));
    }
    steady.observe("not a date");
    assert!(steady.fits_nearly_all());
    let mut mixed = DateColumnStats::new();
    for n in 0..100 {
        mixed.observe(&if n % 3 == 0 { format!("March {}, 1990", n % 28 + 1) } else { format!("{:02}.03.1990", n % 28 + 1) });
    }
    assert!(!mixed.fits_nearly_all());
    assert!(!DateColumnStats::new().fits_nearly_all(), "nothing observed");
}

#[test]
fn statistics_of_two_parts_merged_are_those_of_the_whole() {
    let values: Vec<String> = (0..400)
        .map(|n| match n % 5 {
            0 => format!("{:02}/{:02}/1990", n % 12 + 1, n % 28 + 1),
            1 => format!("March {}, 1991", n % 28 + 1),
            2 => format!("1992-01-{:02} 10:{:02}", n % 28 + 1, n % 60),
            3 => "not a date".to_string(),
            _ => format!("{:02}.03.1993", n % 28 + 1),
        })
        .collect();
    let mut whole = DateColumnStats::new();
    values.iter().for_each(|v| whole.observe(v));
    // Split where the first part's examples are full, short of full, and empty.
    for at in [150, 2, 0] {
        let (mut first, mut second) = (DateColumnStats::new(), DateColumnStats::new());
        values[..at].iter().for_each(|v| first.observe(v));
        values[at..].iter().for_each(|v| second.observe(v));
        first.merge(&second);
        assert_eq!(format!("{first:?}"), format!("{whole:?}"), "split at {at}");
    }
}

#[test]
fn a_sample_predicts_its_column_when_one_format_leads_clearly_and_not_in_a_close_race() {
    let observe = |values: &[(&str, usize)]| {
        let mut stats = DateColumnStats::new();
        for (value, times) in values {
            for _ in 0..*times {
                stats.observe(value);
            }
        }
        stats
    };
    // ISO dates count for every format; of the rest, day-first dots lead long dates clearly.
    let clear = observe(&[("1990-03-04", 400), ("24.03.1990", 300), ("March 4, 1990", 150), ("x", 20)]);
    assert!(!clear.fits_nearly_all());
    assert!(clear.predicts_conclusion());
    // A close race between two spellings could tip either way over the rest of the file.
    let close = observe(&[("1990-03-04", 400), ("24.03.1990", 160), ("March 4, 1990", 150)]);
    assert!(!close.predicts_conclusion());
    // Too few values for a lead to mean anything.
    assert!(!observe(&[("24.03.1990", 3), ("March 4, 1990", 2)]).predicts_conclusion());
    // Without a majority the column concludes to nothing, whatever the sample.
    assert!(!observe(&[("24.03.1990", 100), ("not a date", 120)]).predicts_conclusion());
    // A day-first/month-first tie (an order resolves it) leads the long dates clearly.
    let pair = observe(&[("03/04/1990", 300), ("March 4, 1990", 100)]);
    assert!(pair.predicts_conclusion());
    assert!(observe(&[("24.03.1990", 100)]).predicts_conclusion(), "one way");
    // Full month names fit `%B` and `%b` alike: a tie of one layout, which the table order settles.
    assert!(observe(&[("March 4, 1990", 300), ("24.03.1990", 100)]).predicts_conclusion());
    // Month-first slashes and long dates tied so far (a generated file's first 24,576 rows): the
    // table order picks the slashes now, and the long dates won the whole file by 2 %.
    let tie = observe(&[
        ("1990-03-04", 3211),
        ("12/24/1990", 1021),
        ("03/04/1990", 664),
        ("24.03.1990", 1337),
        ("March 24, 1990", 1685),
    ]);
    assert!(matches!(tie.conclude(None), DateInference::Known { format } if format.pattern == "%m/%d/%Y"));
    assert!(!tie.predicts_conclusion(), "a tie between layouts is a race");
    // Of one layout, formats that never fit the same value race too: four-digit and two-digit
    // years, and a year first against a day-first/month-first pair (which `conclude` prefers).
    assert!(!observe(&[("1990-03-24", 400), ("24/03/1990", 300), ("24/03/90", 300), ("24.03.1990", 100)]).predicts_conclusion());
    assert!(!observe(&[("1990-03-24", 400), ("1990/03/24", 300), ("03/04/1990", 300), ("24.03.1990", 100)]).predicts_conclusion());
    // Nearly all ISO, and the rest an exact tie between two spellings: no way to tell which wins.
    let iso_then_tie = observe(&[("1990-03-04", 960), ("12/24/1990", 20), ("March 24, 1990", 20)]);
    assert!(iso_then_tie.fits_nearly_all());
    assert!(!iso_then_tie.predicts_conclusion());
}
