//! Use cases of SalesOS Data, shared by the command line and the HTTP server so that both apply
//! the same permissions, validation and audit: resolving the acting user ([`actor`]), reading and
//! writing records ([`records`]), turning text or JSON into typed values ([`values`]), API keys
//! ([`keys`]), the first-start demo ([`demo`]) and the background worker ([`worker`]).

pub mod actor;
pub mod demo;
pub mod error;
pub mod imports;
pub mod keys;
pub mod passwords;
pub mod records;
pub mod templates;
pub mod values;
pub mod worker;

pub use actor::Actor;
pub use error::AppError;
