//! The vocabulary of SalesOS Data: plain data types shared by every other crate.
//!
//! Nothing here performs I/O or reads the clock. Organizations, users and permissions live in
//! [`org`] and [`access`]; object schemas and field types in [`schema`]; typed values in
//! [`value`]; records in [`record`]; field paths in [`path`]; normalized match keys in [`keys`];
//! the filter language in [`filter`] and the resolved query in [`query`]; operations, journal,
//! audit and jobs in [`ops`]; files in [`files`]; and the one table of stable error codes in
//! [`error`].

pub mod access;
pub mod error;
pub mod field_map;
pub mod files;
pub mod filter;
pub mod ids;
pub mod keys;
pub mod ops;
pub mod org;
pub mod path;
pub mod query;
pub mod record;
pub mod schema;
pub mod text;
pub mod value;
