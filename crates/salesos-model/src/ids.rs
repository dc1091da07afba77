//! Typed identifiers. Every id is a positive 64-bit integer assigned by the store (record ids
//! aside, which may stand in for a record not yet created: [`RecordId::placeholder`]).

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Identifies an organization (a tenant).
    OrgId
);
id_type!(
    /// Identifies a user of one organization.
    UserId
);
id_type!(
    /// Identifies a team of users.
    TeamId
);
id_type!(
    /// Identifies one object (standard or custom) of one organization.
    ObjectId
);
id_type!(
    /// Identifies a record. Record ids are unique across all objects and organizations.
    RecordId
);
id_type!(
    /// Identifies an operation (an import, a merge, an API batch, a migration) that groups changes.
    OperationId
);
id_type!(
    /// Identifies a durable background job.
    JobId
);
id_type!(
    /// Identifies a file in the file store.
    FileId
);
id_type!(
    /// Identifies a pipeline of deal stages.
    PipelineId
);

impl RecordId {
    /// Stands in for the `n`-th record an import has asked to create before it has an id (a
    /// missing account its rows name): the negative id `-(n + 1)`, which the commit creating the
    /// record replaces with the record's id, and which a dry run reports as is.
    pub fn placeholder(n: u64) -> RecordId {
        RecordId(-(n as i64) - 1)
    }

    /// The `n` of a placeholder made by [`RecordId::placeholder`]; `None` for a real id.
    pub fn placeholder_index(self) -> Option<u64> {
        (self.0 < 0).then(|| (-(self.0 + 1)) as u64)
    }
}
