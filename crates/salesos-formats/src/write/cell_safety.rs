//! Protection against formula injection (CSV injection) in files opened by spreadsheets.
//!
//! Follows the OWASP rule: a cell starting with `=`, `+`, `-`, `@`, tab or carriage return is
//! prefixed with `'` so that spreadsheets show it as text instead of evaluating it. Cells
//! starting with `+` or `-` are left alone when they are plain numbers (`-12.5`) or look like
//! phone numbers (`+49 30 1234567`), because arithmetic on digits cannot call functions.

use std::borrow::Cow;

/// Prefixes `'` to a cell a spreadsheet would evaluate as a formula; other cells pass unchanged.
pub fn neutralize_formula(cell: &str) -> Cow<'_, str> {
    if is_dangerous(cell) {
        let mut safe = String::with_capacity(cell.len() + 1);
        safe.push('\'');
        safe.push_str(cell);
        Cow::Owned(safe)
    } else {
        Cow::Borrowed(cell)
    }
}

/// Returns whether a cell would be evaluated as a formula by a spreadsheet.
pub fn is_dangerous(cell: &str) -> bool {
    match cell.as_bytes().first() {
        Some(b'=' | b'@' | b'\t' | b'\r') => true,
        Some(b'+' | b'-') => !(is_plain_number(cell) || is_phone_like(cell)),
        _ => false,
    }
}

/// A finite number written with digits, one sign, a decimal point and an exponent only
/// (so `-inf` and `+NaN` do not count).
fn is_plain_number(cell: &str) -> bool {
    cell.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
        && cell.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Only `+-() 0-9.` characters and at least one digit.
fn is_phone_like(cell: &str) -> bool {
    cell.bytes().any(|b| b.is_ascii_digit())
        && cell.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'(' | b')' | b' ' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_get_a_quote() {
        for cell in [
            "=1+1",
            "=HYPERLINK(\"http://evil\",\"x\")",
            "@SUM(A1:A2)",
            "\tx",
            "\r=1",
            "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0",
            "-",
            "+",
            "-inf",
            "+NaN",
            "-1e999",
            "+1 (415) CALL-NOW",
        ] {
            assert_eq!(neutralize_formula(cell), format!("'{cell}"), "{cell:?}");
            assert!(matches!(neutralize_formula(cell), Cow::Owned(_)));
        }
    }

    #[test]
    fn plain_cells_pass_unchanged() {
        for cell in [
            "",
            "José Müller",
            "a=b",
            " =1",
            "'=1",
            "\n=1",
            "-12.5",
            "+12",
            "-1e5",
            "+4915112345678",
            "+1 (415) 555-0134",
            "+49 30 1234567",
            "+33 1.42.68.53.00",
            "-(12)",
            "1.200,50 €",
            "$1,200.50",
        ] {
            assert_eq!(neutralize_formula(cell), cell, "{cell:?}");
            assert!(matches!(neutralize_formula(cell), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn danger_check_matches_neutralizing() {
        assert!(is_dangerous("=A1"));
        assert!(is_dangerous("-A1"));
        assert!(!is_dangerous("-1"));
        assert!(!is_dangerous("A1"));
    }
}
