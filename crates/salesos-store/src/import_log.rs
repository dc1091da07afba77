//! The import log: one row per import, keyed by its journal operation, holding the request it
//! runs, its state, its checkpoint (rows settled so far) and its counts; every input row's
//! outcome; and in-app notifications. Checkpoints and outcomes are written by
//! [`Store::commit_batch`] in the same transaction as the records they describe.

use crate::error::{Result, StoreError};
use crate::sql::{Row, Tx};
use crate::Store;
use salesos_model::ids::{FileId, JobId, OperationId, OrgId, RecordId, UserId};
use salesos_model::ops::OperationKind;
use std::collections::BTreeMap;

/// An import to log, before its first row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewImport {
    /// The organization.
    pub org_id: OrgId,
    /// Who started it.
    pub user_id: UserId,
    /// The target object's api name.
    pub object: String,
    /// The source file kept in the file store.
    pub file_id: Option<FileId>,
    /// The uploaded file name.
    pub file_name: String,
    /// Its size in bytes.
    pub file_size: i64,
    /// Its SHA-256, hex.
    pub file_sha256: String,
    /// The request to run, as JSON (owned by the app).
    pub request: String,
}

/// One import as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportLog {
    /// The import's id: its journal operation.
    pub id: OperationId,
    /// The organization.
    pub org_id: OrgId,
    /// Who started it.
    pub user_id: UserId,
    /// The job that runs it.
    pub job_id: Option<JobId>,
    /// The target object's api name.
    pub object: String,
    /// The source file in the file store (gone once swept).
    pub file_id: Option<FileId>,
    /// The uploaded file name.
    pub file_name: String,
    /// Its size in bytes.
    pub file_size: i64,
    /// Its SHA-256, hex.
    pub file_sha256: String,
    /// `queued`, `running`, `completed`, `completed_with_errors`, `failed` or `cancelled`.
    pub status: String,
    /// The request, as JSON.
    pub request: String,
    /// Input rows settled and committed so far: a resumed run starts after them.
    pub rows_done: i64,
    /// Data rows in the file, once known.
    pub rows_total: Option<i64>,
    /// The six counts, as JSON.
    pub counts: String,
    /// The run's summary (mapping, preview, reports), as JSON.
    pub summary: String,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// When it was submitted, ms.
    pub created_at: i64,
    /// When its first run started, ms.
    pub started_at: Option<i64>,
    /// When it ended, ms.
    pub finished_at: Option<i64>,
    /// Run time, ms (all attempts).
    pub duration_ms: Option<i64>,
    /// When an undo completed, ms.
    pub undone_at: Option<i64>,
    /// The undo's operation, once an undo started.
    pub undo_id: Option<OperationId>,
}

/// How an import ended, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFinish {
    /// The final status.
    pub status: String,
    /// Data rows in the file.
    pub rows_total: Option<i64>,
    /// The six counts, as JSON.
    pub counts: String,
    /// The summary, as JSON.
    pub summary: String,
    /// Why it failed.
    pub error: Option<String>,
    /// Run time of this attempt, ms (added to earlier attempts).
    pub duration_ms: i64,
}

/// The stored outcome of one input row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowOutcome {
    /// 0-based position among the file's data rows.
    pub seq: i64,
    /// The row number as the readers number it.
    pub source_row: i64,
    /// The sheet, for workbooks.
    pub sheet: Option<String>,
    /// `created`, `updated`, `unchanged`, `skipped`, `flagged` or `failed`.
    pub outcome: String,
    /// The record created, changed or matched.
    pub record_id: Option<RecordId>,
    /// The row's problems, as JSON (owned by the app).
    pub messages: Option<String>,
}

/// An in-app notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Its id.
    pub id: i64,
    /// The user notified.
    pub user_id: UserId,
    /// `import.started`, `import.completed`, `import.failed`, …
    pub kind: String,
    /// A sentence.
    pub message: String,
    /// Details, as JSON.
    pub detail: String,
    /// When, ms.
    pub created_at: i64,
    /// When read, ms.
    pub read_at: Option<i64>,
}

const IMPORT_COLUMNS: &str = "id, org_id, user_id, job_id, object, file_id, file_name, file_size, file_sha256, status, request, rows_done, rows_total, counts, summary, error, created_at, started_at, finished_at, duration_ms, undone_at, undo_id";

fn import_from_row(row: &Row) -> Result<ImportLog> {
    Ok(ImportLog {
        id: OperationId(row.int(0)?),
        org_id: OrgId(row.int(1)?),
        user_id: UserId(row.int(2)?),
        job_id: row.opt_int(3)?.map(JobId),
        object: row.text(4)?,
        file_id: row.opt_int(5)?.map(FileId),
        file_name: row.text(6)?,
        file_size: row.int(7)?,
        file_sha256: row.text(8)?,
        status: row.text(9)?,
        request: row.text(10)?,
        rows_done: row.int(11)?,
        rows_total: row.opt_int(12)?,
        counts: row.text(13)?,
        summary: row.text(14)?,
        error: row.opt_text(15)?,
        created_at: row.int(16)?,
        started_at: row.opt_int(17)?,
        finished_at: row.opt_int(18)?,
        duration_ms: row.opt_int(19)?,
        undone_at: row.opt_int(20)?,
        undo_id: row.opt_int(21)?.map(OperationId),
    })
}

fn outcome_from_row(row: &Row) -> Result<RowOutcome> {
    Ok(RowOutcome {
        seq: row.int(0)?,
        source_row: row.int(1)?,
        sheet: row.opt_text(2)?,
        outcome: row.text(3)?,
        record_id: row.opt_int(4)?.map(RecordId),
        messages: row.opt_text(5)?,
    })
}

/// Writes row outcomes inside a transaction (multi-row inserts on SQLite, binary COPY on PostgreSQL).
pub(crate) fn insert_outcomes(tx: &mut Tx<'_>, import: OperationId, outcomes: &[RowOutcome]) -> Result<()> {
    if outcomes.is_empty() {
        return Ok(());
    }
    match tx {
        Tx::Sqlite(tx) => {
            crate::sqlite::records::insert_many(
                tx,
                "INSERT OR REPLACE INTO import_rows (import_id, seq, source_row, sheet, outcome, record_id, messages) VALUES ",
                "(?,?,?,?,?,?,?)",
                outcomes,
                |params, o| {
                    params.bind(import.0)?.bind(o.seq)?.bind(o.source_row)?.bind(&o.sheet)?;
                    params.bind(&o.outcome)?.bind(o.record_id.map(|r| r.0))?.bind(&o.messages)?;
                    Ok(())
                },
            )?;
        }
        Tx::Postgres(tx) => {
            use postgres::binary_copy::BinaryCopyInWriter;
            use postgres::types::Type;
            // Outcomes of an interrupted attempt past the checkpoint were rolled back with it, so
            // sequence numbers never collide; COPY keeps the write as fast as the records'.
            let sink = tx.copy_in(
                "COPY import_rows (import_id, seq, source_row, sheet, outcome, record_id, messages) FROM STDIN (FORMAT binary)",
            )?;
            let types = [Type::INT8, Type::INT8, Type::INT8, Type::TEXT, Type::TEXT, Type::INT8, Type::TEXT];
            let mut writer = BinaryCopyInWriter::new(sink, &types);
            for o in outcomes {
                let record = o.record_id.map(|r| r.0);
                writer.write(&[&import.0, &o.seq, &o.source_row, &o.sheet, &o.outcome, &record, &o.messages])?;
            }
            writer.finish()?;
        }
    }
    Ok(())
}

/// Moves an import's checkpoint inside the transaction that committed the rows before it.
pub(crate) fn set_checkpoint(tx: &mut Tx<'_>, import: OperationId, rows_done: i64) -> Result<()> {
    tx.exec("UPDATE imports SET rows_done = $1 WHERE id = $2", &[rows_done.into(), import.0.into()])?;
    Ok(())
}

impl Store {
    /// Logs a new import (status `queued`) and starts its journal operation, in one transaction.
    pub fn create_import(&self, new: &NewImport, now: i64) -> Result<ImportLog> {
        self.write(|tx| {
            let id = tx.insert_id(
                "INSERT INTO operations (org_id, kind, actor, started_at) VALUES ($1, $2, $3, $4) RETURNING id",
                &[new.org_id.0.into(), OperationKind::Import.as_str().into(), new.user_id.0.into(), now.into()],
            )?;
            let row = tx.query_one(
                &format!(
                    "INSERT INTO imports (id, org_id, user_id, object, file_id, file_name, file_size, file_sha256, status, request, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', $9, $10) RETURNING {IMPORT_COLUMNS}"
                ),
                &[
                    id.into(),
                    new.org_id.0.into(),
                    new.user_id.0.into(),
                    new.object.as_str().into(),
                    new.file_id.map(|f| f.0).into(),
                    new.file_name.as_str().into(),
                    new.file_size.into(),
                    new.file_sha256.as_str().into(),
                    new.request.as_str().into(),
                    now.into(),
                ],
            )?;
            import_from_row(&row)
        })
    }

    /// Reads an import of an organization.
    pub fn import_log(&self, org: OrgId, id: OperationId) -> Result<ImportLog> {
        self.read(|tx| {
            tx.query_opt(
                &format!("SELECT {IMPORT_COLUMNS} FROM imports WHERE id = $1 AND org_id = $2"),
                &[id.0.into(), org.0.into()],
            )?
            .as_ref()
            .map(import_from_row)
            .transpose()?
            .ok_or_else(|| StoreError::not_found(format!("import {}", id.0)))
        })
    }

    /// Lists an organization's imports, newest first.
    pub fn list_imports(&self, org: OrgId, limit: i64) -> Result<Vec<ImportLog>> {
        self.read(|tx| {
            tx.query(
                &format!("SELECT {IMPORT_COLUMNS} FROM imports WHERE org_id = $1 ORDER BY id DESC LIMIT $2"),
                &[org.0.into(), limit.into()],
            )?
            .iter()
            .map(import_from_row)
            .collect()
        })
    }

    /// Links an import to the job that runs it.
    pub fn set_import_job(&self, id: OperationId, job: JobId) -> Result<()> {
        self.write(|tx| tx.exec("UPDATE imports SET job_id = $1 WHERE id = $2", &[job.0.into(), id.0.into()]))?;
        Ok(())
    }

    /// Replaces an import's stored request (the run fixes its mapping before the first write).
    pub fn set_import_request(&self, id: OperationId, request: &str) -> Result<()> {
        self.write(|tx| tx.exec("UPDATE imports SET request = $1 WHERE id = $2", &[request.into(), id.0.into()]))?;
        Ok(())
    }

    /// Moves an import from one status to another; false if it was not in `from`.
    pub fn set_import_status(&self, id: OperationId, from: &str, to: &str) -> Result<bool> {
        let changed = self.write(|tx| {
            tx.exec("UPDATE imports SET status = $1 WHERE id = $2 AND status = $3", &[to.into(), id.0.into(), from.into()])
        })?;
        Ok(changed == 1)
    }

    /// Marks an import running (keeping the time of its first start).
    pub fn start_import(&self, id: OperationId, now: i64) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "UPDATE imports SET status = 'running', started_at = COALESCE(started_at, $1) WHERE id = $2",
                &[now.into(), id.0.into()],
            )
        })?;
        Ok(())
    }

    /// Records how an import ended, and finishes its operation, in one transaction.
    pub fn finish_import(&self, id: OperationId, finish: &ImportFinish, now: i64) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "UPDATE imports SET status = $1, rows_total = COALESCE($2, rows_total), counts = $3, summary = $4, error = $5,
                 duration_ms = COALESCE(duration_ms, 0) + $6, finished_at = $7 WHERE id = $8",
                &[
                    finish.status.as_str().into(),
                    finish.rows_total.into(),
                    finish.counts.as_str().into(),
                    finish.summary.as_str().into(),
                    finish.error.clone().into(),
                    finish.duration_ms.into(),
                    now.into(),
                    id.0.into(),
                ],
            )?;
            tx.exec(
                "UPDATE operations SET finished_at = $1, summary = $2 WHERE id = $3",
                &[now.into(), finish.summary.as_str().into(), id.0.into()],
            )?;
            Ok(())
        })
    }

    /// Asks a running import to stop at its next batch boundary, or cancels a queued one at
    /// once; returns the status after the request.
    pub fn request_import_cancel(&self, org: OrgId, id: OperationId, now: i64) -> Result<String> {
        self.write(|tx| {
            let row = tx
                .query_opt("SELECT status, job_id FROM imports WHERE id = $1 AND org_id = $2", &[id.0.into(), org.0.into()])?
                .ok_or_else(|| StoreError::not_found(format!("import {}", id.0)))?;
            let status = row.text(0)?;
            match status.as_str() {
                "running" => {
                    tx.exec("UPDATE imports SET status = 'cancelling' WHERE id = $1", &[id.0.into()])?;
                    Ok("cancelling".into())
                }
                "queued" => {
                    if let Some(job) = row.opt_int(1)? {
                        tx.exec(
                            "UPDATE jobs SET state = 'cancelled', updated_at = $1 WHERE id = $2 AND state = 'queued'",
                            &[now.into(), job.into()],
                        )?;
                    }
                    tx.exec(
                        "UPDATE imports SET status = 'cancelled', finished_at = $1 WHERE id = $2",
                        &[now.into(), id.0.into()],
                    )?;
                    Ok("cancelled".into())
                }
                _ => Ok(status),
            }
        })
    }

    /// Whether a cancel was asked for a running import.
    pub fn import_cancel_requested(&self, id: OperationId) -> Result<bool> {
        self.read(|tx| {
            Ok(tx
                .query_opt("SELECT status FROM imports WHERE id = $1", &[id.0.into()])?
                .map(|row| row.text(0))
                .transpose()?
                .is_some_and(|s| s == "cancelling"))
        })
    }

    /// Counts an import's stored row outcomes by outcome.
    pub fn import_outcome_counts(&self, id: OperationId) -> Result<BTreeMap<String, i64>> {
        self.read(|tx| {
            tx.query("SELECT outcome, COUNT(*) FROM import_rows WHERE import_id = $1 GROUP BY outcome", &[id.0.into()])?
                .iter()
                .map(|row| Ok((row.text(0)?, row.int(1)?)))
                .collect()
        })
    }

    /// Reads an import's row outcomes in input order, from `from_seq` on.
    pub fn import_rows(&self, id: OperationId, from_seq: i64, limit: i64) -> Result<Vec<RowOutcome>> {
        self.read(|tx| {
            tx.query(
                "SELECT seq, source_row, sheet, outcome, record_id, messages FROM import_rows
                 WHERE import_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3",
                &[id.0.into(), from_seq.into(), limit.into()],
            )?
            .iter()
            .map(outcome_from_row)
            .collect()
        })
    }

    /// Starts (or finds) the undo of an import: returns its undo operation and whether this call
    /// started it. Refused once the undo completed.
    pub fn begin_import_undo(&self, org: OrgId, id: OperationId, actor: UserId, now: i64) -> Result<(OperationId, bool)> {
        self.write(|tx| {
            let row = tx
                .query_opt("SELECT undo_id, undone_at FROM imports WHERE id = $1 AND org_id = $2", &[id.0.into(), org.0.into()])?
                .ok_or_else(|| StoreError::not_found(format!("import {}", id.0)))?;
            if row.opt_int(1)?.is_some() {
                return Err(StoreError::Invalid(format!("import {} is already undone", id.0)));
            }
            if let Some(undo) = row.opt_int(0)? {
                return Ok((OperationId(undo), false));
            }
            let undo = tx.insert_id(
                "INSERT INTO operations (org_id, kind, actor, started_at) VALUES ($1, $2, $3, $4) RETURNING id",
                &[org.0.into(), OperationKind::Undo.as_str().into(), actor.0.into(), now.into()],
            )?;
            tx.exec("UPDATE imports SET undo_id = $1 WHERE id = $2", &[undo.into(), id.0.into()])?;
            Ok((OperationId(undo), true))
        })
    }

    /// Marks an import's undo complete and finishes the undo's operation.
    pub fn finish_import_undo(&self, id: OperationId, undo: OperationId, summary_json: &str, now: i64) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                "UPDATE imports SET undone_at = $1 WHERE id = $2 AND undo_id = $3",
                &[now.into(), id.0.into(), undo.0.into()],
            )?;
            tx.exec(
                "UPDATE operations SET finished_at = $1, summary = $2 WHERE id = $3",
                &[now.into(), summary_json.into(), undo.0.into()],
            )?;
            Ok(())
        })
    }

    /// Removes imports submitted before `before` with their row outcomes and journals (their undo
    /// window has long closed); returns how many were removed. Source files expire on their own.
    pub fn sweep_imports(&self, before: i64) -> Result<usize> {
        self.write(|tx| {
            let ids: Vec<(i64, Option<i64>)> = tx
                .query(
                    "SELECT id, undo_id FROM imports WHERE created_at < $1 AND status NOT IN ('queued', 'running')",
                    &[before.into()],
                )?
                .iter()
                .map(|row| Ok((row.int(0)?, row.opt_int(1)?)))
                .collect::<Result<_>>()?;
            for (id, undo) in &ids {
                tx.exec("DELETE FROM import_rows WHERE import_id = $1", &[(*id).into()])?;
                for operation in std::iter::once(*id).chain(*undo) {
                    tx.exec("DELETE FROM journal WHERE operation_id = $1", &[operation.into()])?;
                }
                tx.exec("DELETE FROM imports WHERE id = $1", &[(*id).into()])?;
            }
            Ok(ids.len())
        })
    }

    /// Adds an in-app notification for a user.
    pub fn notify(&self, org: OrgId, user: UserId, kind: &str, message: &str, detail_json: &str, now: i64) -> Result<i64> {
        self.write(|tx| {
            tx.insert_id(
                "INSERT INTO notifications (org_id, user_id, kind, message, detail, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[org.0.into(), user.0.into(), kind.into(), message.into(), detail_json.into(), now.into()],
            )
        })
    }

    /// Lists a user's notifications, newest first.
    pub fn notifications(&self, org: OrgId, user: UserId, limit: i64) -> Result<Vec<Notification>> {
        self.read(|tx| {
            tx.query(
                "SELECT id, user_id, kind, message, detail, created_at, read_at FROM notifications
                 WHERE org_id = $1 AND user_id = $2 ORDER BY id DESC LIMIT $3",
                &[org.0.into(), user.0.into(), limit.into()],
            )?
            .iter()
            .map(|row| {
                Ok(Notification {
                    id: row.int(0)?,
                    user_id: UserId(row.int(1)?),
                    kind: row.text(2)?,
                    message: row.text(3)?,
                    detail: row.text(4)?,
                    created_at: row.int(5)?,
                    read_at: row.opt_int(6)?,
                })
            })
            .collect()
        })
    }

    /// Marks a user's notifications read up to an id; returns how many changed.
    pub fn mark_notifications_read(&self, org: OrgId, user: UserId, up_to: i64, now: i64) -> Result<u64> {
        self.write(|tx| {
            tx.exec(
                "UPDATE notifications SET read_at = $1 WHERE org_id = $2 AND user_id = $3 AND id <= $4 AND read_at IS NULL",
                &[now.into(), org.0.into(), user.0.into(), up_to.into()],
            )
        })
    }

    /// The position of a queued job among its organization's queued jobs of the same kind (1 = next).
    pub fn queue_position(&self, org: OrgId, kind: &str, job: JobId) -> Result<i64> {
        self.read(|tx| {
            tx.query_one(
                "SELECT COUNT(*) FROM jobs WHERE org_id = $1 AND kind = $2 AND state = 'queued' AND id <= $3",
                &[org.0.into(), kind.into(), job.0.into()],
            )?
            .int(0)
        })
    }
}
