//! Tests of the filter parser: accepted syntax and error positions.

use super::*;

#[track_caller]
fn check(input: &str, expect: &str) {
    let actual = match parse_filter(input) {
        Ok(Some(expr)) => render(&expr),
        Ok(None) => "none".into(),
        Err(err) => format!("error@{}: {}", err.position, err.message),
    };
    assert_eq!(actual, expect, "{input}");
}

fn render(expr: &FilterExpr) -> String {
    let lit = |l: &Literal| match l {
        Literal::Text(t) => format!("{t:?}"),
        Literal::Number(n) => format!("{n}"),
        Literal::Bool(b) => format!("{b}"),
    };
    match expr {
        FilterExpr::And(a, b) => format!("({} AND {})", render(a), render(b)),
        FilterExpr::Or(a, b) => format!("({} OR {})", render(a), render(b)),
        FilterExpr::Not(a) => format!("NOT {}", render(a)),
        FilterExpr::Compare { path, op, value, .. } => format!("{path} {} {}", op.as_str(), lit(value)),
        FilterExpr::In { path, negated, values, .. } => {
            let items: Vec<String> = values.iter().map(|(v, _)| lit(v)).collect();
            format!("{path} {}in [{}]", if *negated { "not " } else { "" }, items.join(", "))
        }
        FilterExpr::Empty { path, negated, .. } => {
            format!("{path} is {}empty", if *negated { "not " } else { "" })
        }
    }
}

#[test]
fn accepted_syntax() {
    check("", "none");
    check(r#"email = "jane@acme.io""#, r#"email = "jane@acme.io""#);
    check("amount >= 1000 and amount < 1e6", "(amount >= 1000 AND amount < 1000000)");
    check("a = 1 or b = 2 and c = 3", "(a = 1 OR (b = 2 AND c = 3))");
    check("(a = 1 or b = 2) and not c = 3", "((a = 1 OR b = 2) AND NOT c = 3)");
    check("stage IN ('proposal', \"negotiation\")", r#"stage in ["proposal", "negotiation"]"#);
    check("stage not in ('lost')", r#"stage not in ["lost"]"#);
    check("phone is empty OR phone IS NOT EMPTY", "(phone is empty OR phone is not empty)");
    check(r#"account.name starts_with "Ac\"me""#, r#"account.name starts_with "Ac\"me""#);
    check("emails[work] contains '@acme'", r#"emails[work] contains "@acme""#);
    check("custom.score > -5.5", "custom.score > -5.5");
    check("do_not_contact = false", "do_not_contact = false");
    check("x <> 1", "x != 1");
}

#[test]
fn errors_name_the_position() {
    check("email =", "error@7: expected a value, found the end");
    check("email = jane", r#"error@8: expected a value, found "jane" (quote text values)"#);
    check("(a = 1", "error@6: expected )");
    check("a = 1)", "error@5: unbalanced )");
    check("a = 1 b = 2", "error@6: expected and, or, or the end");
    check("a ~ 1", "error@2: unexpected character '~'");
    check("a = \"open", "error@4: unterminated string starting with \"");
    check("stage in 'x'", "error@9: expected ( after in");
    check("a is full", "error@5: expected empty after is");
    check("and = 1", "error@0: expected a field name");
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let deep = "(".repeat(10_000) + "a = 1" + &")".repeat(10_000);
    assert!(parse_filter(&deep).is_err());
    let nots = "not ".repeat(100) + "a = 1";
    assert!(parse_filter(&nots).unwrap_err().message.contains("nested deeper"));
}
