//! Bytes to rows and rows to bytes for SalesOS Data.
//!
//! [`write`](mod@write) holds the streaming writers: tabular CSV, Excel (XLSX) and JSON files through
//! [`write::TableWriter`], and vCard 3.0 files through [`write::vcard::VcardWriter`]. Every
//! writer keeps memory constant in the number of rows. Readers follow.

pub mod read;
pub mod write;
