//! Operations and what they leave behind: the change journal (before-images for exact undo),
//! the append-only audit log, and durable background jobs.

use crate::ids::{JobId, ObjectId, OperationId, OrgId, RecordId, UserId};
use serde::{Deserialize, Serialize};

/// What kind of operation groups a set of changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperationKind {
    /// A file import.
    Import,
    /// Undo of an import.
    Undo,
    /// A merge of duplicates.
    Merge,
    /// One batch of API writes.
    ApiBatch,
    /// A CRM migration.
    Migration,
    /// Writes from the command line or data generator.
    Manual,
}

impl OperationKind {
    /// Returns the stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationKind::Import => "import",
            OperationKind::Undo => "undo",
            OperationKind::Merge => "merge",
            OperationKind::ApiBatch => "api_batch",
            OperationKind::Migration => "migration",
            OperationKind::Manual => "manual",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Option<OperationKind> {
        [
            OperationKind::Import,
            OperationKind::Undo,
            OperationKind::Merge,
            OperationKind::ApiBatch,
            OperationKind::Migration,
            OperationKind::Manual,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// An operation: the unit an undo reverses.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// Its id.
    pub id: OperationId,
    /// Its organization.
    pub org_id: OrgId,
    /// Its kind.
    pub kind: OperationKind,
    /// Who started it.
    pub actor: UserId,
    /// When it started, ms since the Unix epoch.
    pub started_at: i64,
}

/// What a journal entry records about one record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalOp {
    /// The operation created the record.
    Created,
    /// The operation changed the record; the before-image is kept.
    Updated,
    /// The operation deleted the record; the before-image is kept.
    Deleted,
}

impl JournalOp {
    /// Returns the stable name.
    pub fn as_str(&self) -> &'static str {
        match self {
            JournalOp::Created => "created",
            JournalOp::Updated => "updated",
            JournalOp::Deleted => "deleted",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Option<JournalOp> {
        match text {
            "created" => Some(JournalOp::Created),
            "updated" => Some(JournalOp::Updated),
            "deleted" => Some(JournalOp::Deleted),
            _ => None,
        }
    }
}

/// The stored state of a record before an operation changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeforeImage {
    /// Owner before.
    pub owner_id: UserId,
    /// Version before.
    pub version: i64,
    /// Last change before, ms.
    pub updated_at: i64,
    /// Field values before, as storage JSON.
    pub data_json: String,
    /// Per-field modification times before, as JSON.
    pub field_times_json: String,
    /// External ids before, as JSON `[["system","id"],…]`.
    pub external_ids_json: String,
}

/// One entry of the change journal, written in the same transaction as the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    /// The operation.
    pub operation_id: OperationId,
    /// The record.
    pub record_id: RecordId,
    /// The record's object.
    pub object_id: ObjectId,
    /// What happened.
    pub op: JournalOp,
    /// The record's version right after the change (undo checks for later edits with it).
    pub version_after: i64,
    /// The state before (for updates and deletes).
    pub before: Option<BeforeImage>,
    /// The source row the change came from, if any.
    pub source_row: Option<i64>,
}

/// Whether an audited action succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditOutcome {
    /// It did.
    Success,
    /// It partly did (some rows failed).
    Partial,
    /// It did not.
    Failure,
    /// Access was refused.
    Denied,
}

impl AuditOutcome {
    /// Returns the stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Success => "success",
            AuditOutcome::Partial => "partial",
            AuditOutcome::Failure => "failure",
            AuditOutcome::Denied => "denied",
        }
    }
}

/// One entry of the append-only audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// UTC time, ms since the Unix epoch.
    pub at: i64,
    /// The organization.
    pub org_id: OrgId,
    /// The acting user, if any (system jobs have none).
    pub actor: Option<UserId>,
    /// What was done, like `records.create`, `schema.add_field`, `export.run`.
    pub action: String,
    /// The object concerned, if any.
    pub object: Option<String>,
    /// How many records it concerned.
    pub count: i64,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// Extra detail as JSON (never secrets).
    pub detail: String,
}

/// The state of a durable job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting for a worker (or for a free slot of its organization).
    Queued,
    /// Claimed by a worker holding a lease.
    Running,
    /// Finished successfully.
    Succeeded,
    /// Finished with an error, attempts exhausted.
    Failed,
    /// Cancelled by a user.
    Cancelled,
}

impl JobState {
    /// Returns the stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Option<JobState> {
        [JobState::Queued, JobState::Running, JobState::Succeeded, JobState::Failed, JobState::Cancelled]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// The organization it runs for.
    pub org_id: OrgId,
    /// Its kind, like `import`, `export`, `undo`, `scheduled_export`.
    pub kind: String,
    /// What to do, as JSON.
    pub payload: String,
    /// A key that makes enqueueing idempotent (e.g. `schedule:7:2026-11-25T06:00Z`).
    pub unique_key: Option<String>,
    /// Do not run before this time, ms.
    pub run_after: i64,
    /// How many attempts before giving up.
    pub max_attempts: i64,
}

/// A stored job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Its id.
    pub id: JobId,
    /// The organization it runs for.
    pub org_id: OrgId,
    /// Its kind.
    pub kind: String,
    /// What to do, as JSON.
    pub payload: String,
    /// Its state.
    pub state: JobState,
    /// Idempotency key.
    pub unique_key: Option<String>,
    /// Attempts started so far.
    pub attempts: i64,
    /// Attempts allowed.
    pub max_attempts: i64,
    /// Do not run before, ms.
    pub run_after: i64,
    /// The worker holding the lease.
    pub lease_owner: Option<String>,
    /// When the lease ends, ms; after it another worker may claim the job.
    pub lease_until: Option<i64>,
    /// Last heartbeat, ms.
    pub heartbeat_at: Option<i64>,
    /// Progress or result as JSON.
    pub progress: String,
    /// The last error, if any.
    pub last_error: Option<String>,
    /// Creation time, ms.
    pub created_at: i64,
    /// Last state change, ms.
    pub updated_at: i64,
}
