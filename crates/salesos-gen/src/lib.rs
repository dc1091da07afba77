//! Deterministic, streaming generator of realistic CRM data for SalesOS Data.
//!
//! [`Generator`] yields [`GeneratedRow`]s for one object: messy spreadsheet cells (names with
//! accents, phone numbers in national and international formats, dates and amounts in local
//! spellings, quoted commas and line breaks in notes) together with the clean typed values the
//! model would store. A share of rows are near-duplicates of earlier rows and a share carry
//! one invalid cell, both controlled by [`GenOptions`]. [`write_file`] streams rows into CSV,
//! Excel, JSON or vCard files.
//!
//! The same options always produce the same rows, byte for byte: the generator brings its own
//! PRNG (SplitMix64), word lists and integer-only arithmetic, and depends on no other crate's
//! randomness. Memory stays constant in the number of rows.
//!
//! Files generated with the same seed share one world: company `j` is the `j`-th original
//! account, and contacts (of `n` rows: companies `0..n/4`), deals (`0..n/2`) and activities
//! (`0..n/8`) name those companies. Originals never share an email address or phone number
//! (below several million rows), so exact duplicates come only from the near-duplicates.
//! Phone cells always normalize to the stored E.164 number with the default country; dates
//! of a row use one spelling of its country (never an ambiguous day/month order); activity
//! times are wall-clock times stored as UTC.

mod data;
mod generator;
mod locale;
mod objects;
mod output;
mod rng;
mod world;

pub use generator::{GeneratedRow, Generator, RowKind, RESERVOIR_CAPACITY};
pub use output::{write_file, FileFormat, PROGRESS_EVERY};

use salesos_formats::write::WriteError;
use std::fmt;

/// The objects the generator produces rows of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GenObject {
    /// People at companies.
    Contacts,
    /// Companies.
    Accounts,
    /// Prospects not yet qualified.
    Leads,
    /// Sales opportunities.
    Deals,
    /// Calls, emails, meetings, tasks.
    Activities,
    /// Things sold.
    Products,
}

impl GenObject {
    /// Every object, in the model's order.
    pub const ALL: [GenObject; 6] = [
        GenObject::Contacts,
        GenObject::Accounts,
        GenObject::Leads,
        GenObject::Deals,
        GenObject::Activities,
        GenObject::Products,
    ];

    /// The model's api name: `contacts`, `accounts`, ….
    pub fn api_name(self) -> &'static str {
        match self {
            GenObject::Contacts => "contacts",
            GenObject::Accounts => "accounts",
            GenObject::Leads => "leads",
            GenObject::Deals => "deals",
            GenObject::Activities => "activities",
            GenObject::Products => "products",
        }
    }

    /// Parses an api name, a singular or a common alias (`company`, `opportunity`), ignoring case.
    pub fn parse(text: &str) -> Option<GenObject> {
        let wanted = salesos_model::schema::canonical_object_name(text);
        GenObject::ALL.into_iter().find(|object| object.api_name() == wanted)
    }
}

impl fmt::Display for GenObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.api_name())
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenOptions {
    /// The object.
    pub object: GenObject,
    /// Number of rows, near-duplicates and invalid rows included.
    pub rows: u64,
    /// Seed: the same options always give the same rows.
    pub seed: u64,
    /// Share of rows (0 to 1) that are near-duplicates of earlier rows.
    pub duplicate_rate: f64,
    /// Share of rows (0 to 1) with one invalid cell.
    pub invalid_rate: f64,
    /// ISO code of the country most records are in and whose phone numbers are written in
    /// national format: `US`, `GB` (or `UK`), `DE` or `FR`.
    pub default_country: String,
}

impl Default for GenOptions {
    /// 1,000 contacts, seed 1, 5 % near-duplicates, 2 % invalid rows, mostly in the US.
    fn default() -> GenOptions {
        GenOptions {
            object: GenObject::Contacts,
            rows: 1000,
            seed: 1,
            duplicate_rate: 0.05,
            invalid_rate: 0.02,
            default_country: "US".to_string(),
        }
    }
}

impl GenOptions {
    /// Checks that both rates lie in `0..=1` and add up to at most 1, and that the default
    /// country is supported.
    pub fn validate(&self) -> Result<(), GenError> {
        for (name, value) in [("duplicate_rate", self.duplicate_rate), ("invalid_rate", self.invalid_rate)] {
            if !(0.0..=1.0).contains(&value) {
                return Err(GenError::InvalidRate { name, value });
            }
        }
        let sum = self.duplicate_rate + self.invalid_rate;
        if sum > 1.0 {
            return Err(GenError::RatesTooHigh { sum });
        }
        if locale::Country::parse(&self.default_country).is_none() {
            return Err(GenError::UnsupportedCountry { country: self.default_country.clone() });
        }
        Ok(())
    }
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// A rate is not a number from 0 to 1.
    #[error("{name} must be a number from 0 to 1, found {value}")]
    InvalidRate {
        /// `duplicate_rate` or `invalid_rate`.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// The rates add up to more than all rows.
    #[error("duplicate_rate and invalid_rate add up to {sum}, more than 1")]
    RatesTooHigh {
        /// Their sum.
        sum: f64,
    },
    /// The default country has no built-in data.
    #[error("default country {country:?} is not supported: use US, GB, DE or FR")]
    UnsupportedCountry {
        /// The country given.
        country: String,
    },
    /// vCards hold people only.
    #[error("vCard files hold people: generate contacts or leads, not {object}")]
    NotPeople {
        /// The object asked for.
        object: GenObject,
    },
    /// More rows than an Excel worksheet holds.
    #[error("{rows} rows do not fit in an Excel worksheet (at most {max} rows below the header): use CSV or JSON")]
    TooManyRowsForXlsx {
        /// Rows asked for.
        rows: u64,
        /// Data rows a worksheet holds.
        max: u64,
    },
    /// Writing the file failed.
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// The column names of an object's rows, as a user's spreadsheet would have them.
pub fn header(object: GenObject) -> Vec<String> {
    objects::header_of(object).iter().map(|name| name.to_string()).collect()
}

#[cfg(test)]
mod tests;
