//! Operations, the change journal and the append-only audit log.

use crate::error::{Result, StoreError};
use crate::sql::Row;
use crate::Store;
use salesos_model::ids::{ObjectId, OperationId, OrgId, RecordId, UserId};
use salesos_model::ops::{AuditEntry, AuditOutcome, BeforeImage, JournalEntry, JournalOp, Operation, OperationKind};

fn operation_from_row(row: &Row) -> Result<Operation> {
    let kind = row.text(2)?;
    Ok(Operation {
        id: OperationId(row.int(0)?),
        org_id: OrgId(row.int(1)?),
        kind: OperationKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("operation kind {kind:?}")))?,
        actor: UserId(row.int(3)?),
        started_at: row.int(4)?,
    })
}

fn before_from_json(text: &str) -> Result<BeforeImage> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|err| StoreError::Corrupt(format!("before-image: {err}")))?;
    let int = |key: &str| {
        value.get(key).and_then(serde_json::Value::as_i64).ok_or_else(|| StoreError::Corrupt(format!("before-image lacks {key}")))
    };
    let json =
        |key: &str| value.get(key).map(|v| v.to_string()).ok_or_else(|| StoreError::Corrupt(format!("before-image lacks {key}")));
    Ok(BeforeImage {
        owner_id: UserId(int("owner_id")?),
        version: int("version")?,
        updated_at: int("updated_at")?,
        data_json: json("data")?,
        field_times_json: json("field_times")?,
        external_ids_json: json("external_ids")?,
    })
}

impl Store {
    /// Starts an operation that changes will be journaled under.
    pub fn begin_operation(&self, org: OrgId, kind: OperationKind, actor: UserId, now: i64) -> Result<Operation> {
        let id = self.write(|tx| {
            tx.insert_id(
                "INSERT INTO operations (org_id, kind, actor, started_at) VALUES ($1, $2, $3, $4) RETURNING id",
                &[org.0.into(), kind.as_str().into(), actor.0.into(), now.into()],
            )
        })?;
        Ok(Operation { id: OperationId(id), org_id: org, kind, actor, started_at: now })
    }

    /// Marks an operation finished with a JSON summary.
    pub fn finish_operation(&self, operation: OperationId, summary_json: &str, now: i64) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "UPDATE operations SET finished_at = $1, summary = $2 WHERE id = $3",
                &[now.into(), summary_json.into(), operation.0.into()],
            )
        })?;
        Ok(())
    }

    /// Reads an operation of an organization.
    pub fn operation(&self, org: OrgId, operation: OperationId) -> Result<Operation> {
        self.read(|tx| {
            tx.query_opt(
                "SELECT id, org_id, kind, actor, started_at FROM operations WHERE id = $1 AND org_id = $2",
                &[operation.0.into(), org.0.into()],
            )?
            .as_ref()
            .map(operation_from_row)
            .transpose()?
            .ok_or_else(|| StoreError::not_found(format!("operation {operation}")))
        })
    }

    /// Reads an operation's journal in the order it was written.
    pub fn journal(&self, operation: OperationId) -> Result<Vec<JournalEntry>> {
        self.read(|tx| {
            tx.query(
                "SELECT record_id, object_id, op, version_after, before, source_row FROM journal WHERE operation_id = $1 ORDER BY seq",
                &[operation.0.into()],
            )?
            .iter()
            .map(|row| {
                let op = row.text(2)?;
                Ok(JournalEntry {
                    operation_id: operation,
                    record_id: RecordId(row.int(0)?),
                    object_id: ObjectId(row.int(1)?),
                    op: JournalOp::parse(&op).ok_or_else(|| StoreError::Corrupt(format!("journal op {op:?}")))?,
                    version_after: row.int(3)?,
                    before: row.opt_text(4)?.as_deref().map(before_from_json).transpose()?,
                    source_row: row.opt_int(5)?,
                })
            })
            .collect()
        })
    }

    /// Appends an entry to the audit log.
    pub fn append_audit(&self, entry: &AuditEntry) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "INSERT INTO audit_log (at, org_id, actor, action, object, count, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    entry.at.into(),
                    entry.org_id.0.into(),
                    entry.actor.map(|a| a.0).into(),
                    entry.action.as_str().into(),
                    entry.object.clone().into(),
                    entry.count.into(),
                    entry.outcome.as_str().into(),
                    entry.detail.as_str().into(),
                ],
            )
        })?;
        Ok(())
    }

    /// Lists the newest audit entries of an organization, newest first.
    pub fn list_audit(&self, org: OrgId, limit: i64) -> Result<Vec<AuditEntry>> {
        self.read(|tx| {
            tx.query(
                "SELECT at, org_id, actor, action, object, count, outcome, detail FROM audit_log WHERE org_id = $1 ORDER BY id DESC LIMIT $2",
                &[org.0.into(), limit.into()],
            )?
            .iter()
            .map(|row| {
                let outcome = match row.text(6)?.as_str() {
                    "success" => AuditOutcome::Success,
                    "partial" => AuditOutcome::Partial,
                    "denied" => AuditOutcome::Denied,
                    _ => AuditOutcome::Failure,
                };
                Ok(AuditEntry {
                    at: row.int(0)?,
                    org_id: OrgId(row.int(1)?),
                    actor: row.opt_int(2)?.map(UserId),
                    action: row.text(3)?,
                    object: row.opt_text(4)?,
                    count: row.int(5)?,
                    outcome,
                    detail: row.text(7)?,
                })
            })
            .collect()
        })
    }
}
