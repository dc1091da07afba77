//! Lenient conversions of messy cell text into canonical values: numbers and money in several
//! locales, booleans, phones to E.164, URLs, emails, and dates with a format inferred per column.
//!
//! | Submodule | Job |
//! | --- | --- |
//! | `dates` | [`DateFormat`], [`DateColumnStats`] → [`DateInference`], [`DateOrder::for_locale`] |
//! | `numbers` | [`parse_number`], [`parse_money`] with [`NumberStyle`] |
//! | `contact` | [`parse_bool`], [`parse_phone`], [`parse_email`], [`parse_url`] |
//! | `text` | [`split_full_name`], [`split_address`], [`title_case`], [`upper_case`], [`lower_case`] |
//!
//! Every function here is pure, total (no panics on any input) and cheap enough to call per cell
//! of a million-row file: the hot paths (plain numbers, ISO dates, table date formats) do not
//! allocate. Functions return `None` rather than guessing; the caller turns that into a row
//! error that quotes the value.
//!
//! Dates are done honestly: a column's format is inferred from all its values
//! ([`DateColumnStats`]); when every value reads both day-first and month-first the column is
//! [`DateInference::Ambiguous`] and the user decides. Date-only values are calendar dates and
//! never shift by a time zone.

mod contact;
mod dates;
mod numbers;
mod text;

#[cfg(test)]
mod tests;

pub use contact::{parse_bool, parse_email, parse_phone, parse_url};
pub use dates::{DateColumnStats, DateFormat, DateInference, DateOrder};
pub use numbers::{parse_money, parse_number, NumberStyle};
pub use text::{lower_case, split_address, split_full_name, title_case, upper_case, AddressParts};
