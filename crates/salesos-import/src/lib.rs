//! The pure import stages: read rows come in, a plan of record changes goes out.
//!
//! read → [`map`] → [`transform`] → [`validate`] → [`dedupe`] → [`plan`], with [`preview`] summing
//! what a run would do. Nothing here touches a file, a database or the clock: existing records,
//! the time and the organization's settings are passed in as values by `salesos-app`, which also
//! drives the batches and commits the plan.
//!
//! | Module | Job |
//! | --- | --- |
//! | [`spec`] | the stored, versioned mapping spec and import settings (serde) |
//! | [`suggest`] | auto-mapping: header names, aliases, similarity and data patterns, with confidence |
//! | [`convert`] | lenient text → value conversions: locales, dates and date-format inference, phones |
//! | [`rules`] | the custom validation rule language |
//! | [`map`] | resolves a spec against the schema and the file's columns |
//! | [`transform`] | applies a resolved mapping to one source row |
//! | [`validate`] | type, required, field-rule and custom-rule checks |
//! | [`dedupe`] | exact duplicate decisions against existing records and within the file |
//! | [`plan`] | the change each row turns into, under the duplicate strategy |
//! | [`issue`] | row issues and the error-report vocabulary |
//! | [`preview`] | counts, per-column problems and the time estimate |

pub mod convert;
pub mod dedupe;
pub mod issue;
pub mod map;
pub mod plan;
pub mod preview;
pub mod rules;
pub mod spec;
pub mod suggest;
pub mod transform;
pub mod validate;
