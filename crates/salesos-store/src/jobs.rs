//! The durable job queue: idempotent enqueue, lease-based claims that survive crashes,
//! heartbeats, and finishing. A claim whose lease ran out may be taken by another worker.

use crate::error::{Result, StoreError};
use crate::sql::{Row, SqlValue, Tx};
use crate::Store;
use salesos_model::ids::{JobId, OrgId};
use salesos_model::ops::{Job, JobState, NewJob};

const JOB_COLUMNS: &str = "id, org_id, kind, payload, state, unique_key, attempts, max_attempts, run_after, lease_owner, lease_until, heartbeat_at, progress, last_error, created_at, updated_at";

fn job_from_row(row: &Row) -> Result<Job> {
    let state = row.text(4)?;
    Ok(Job {
        id: JobId(row.int(0)?),
        org_id: OrgId(row.int(1)?),
        kind: row.text(2)?,
        payload: row.text(3)?,
        state: JobState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("job state {state:?}")))?,
        unique_key: row.opt_text(5)?,
        attempts: row.int(6)?,
        max_attempts: row.int(7)?,
        run_after: row.int(8)?,
        lease_owner: row.opt_text(9)?,
        lease_until: row.opt_int(10)?,
        heartbeat_at: row.opt_int(11)?,
        progress: row.text(12)?,
        last_error: row.opt_text(13)?,
        created_at: row.int(14)?,
        updated_at: row.int(15)?,
    })
}

/// Claims a runnable job unless its organization already runs `max_running_per_org` of its kind;
/// the organization's row is locked while counting (PostgreSQL), so the cap holds across processes.
fn try_claim(
    tx: &mut Tx<'_>,
    job: Job,
    worker: &str,
    lease_ms: i64,
    max_running_per_org: Option<i64>,
    now: i64,
) -> Result<Option<Job>> {
    if let Some(limit) = max_running_per_org {
        if !tx.is_sqlite() {
            tx.exec("SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE", &[job.org_id.0.into()])?;
        }
        let running = tx
            .query_one(
                "SELECT COUNT(*) FROM jobs WHERE org_id = $1 AND kind = $2 AND state = 'running' AND lease_until >= $3 AND id <> $4",
                &[job.org_id.0.into(), job.kind.as_str().into(), now.into(), job.id.0.into()],
            )?
            .int(0)?;
        if running >= limit {
            return Ok(None);
        }
    }
    let row = tx.query_one(
        &format!(
            "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, heartbeat_at = $3, attempts = attempts + 1, updated_at = $3
             WHERE id = $4 RETURNING {JOB_COLUMNS}"
        ),
        &[worker.into(), (now + lease_ms).into(), now.into(), job.id.0.into()],
    )?;
    Ok(Some(job_from_row(&row)?))
}

impl Store {
    /// Enqueues a job; with a unique key that exists already, returns the existing job instead.
    ///
    /// Returns the job and whether this call created it.
    pub fn enqueue_job(&self, job: &NewJob, now: i64) -> Result<(Job, bool)> {
        self.write(|tx| {
            let inserted = tx.query_opt(
                &format!(
                    "INSERT INTO jobs (org_id, kind, payload, state, unique_key, attempts, max_attempts, run_after, progress, created_at, updated_at)
                     VALUES ($1, $2, $3, 'queued', $4, 0, $5, $6, '{{}}', $7, $7) ON CONFLICT (unique_key) DO NOTHING RETURNING {JOB_COLUMNS}"
                ),
                &[
                    job.org_id.0.into(),
                    job.kind.as_str().into(),
                    job.payload.as_str().into(),
                    job.unique_key.clone().into(),
                    job.max_attempts.max(1).into(),
                    job.run_after.into(),
                    now.into(),
                ],
            )?;
            match inserted {
                Some(row) => Ok((job_from_row(&row)?, true)),
                None => {
                    let row = tx.query_one(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE unique_key = $1"), &[job.unique_key.clone().into()])?;
                    Ok((job_from_row(&row)?, false))
                }
            }
        })
    }

    /// Claims the oldest runnable job of the given kinds: queued and due, or running with an expired lease.
    ///
    /// `max_running_per_org` caps how many jobs of a kind run at once in one organization; the
    /// organization's row is locked while counting, so the cap holds across processes.
    pub fn claim_job(
        &self,
        kinds: &[&str],
        worker: &str,
        lease_ms: i64,
        max_running_per_org: Option<i64>,
        now: i64,
    ) -> Result<Option<Job>> {
        if kinds.is_empty() {
            return Ok(None);
        }
        self.write(|tx| {
            let mut params: Vec<SqlValue> = vec![now.into()];
            let kind_list: Vec<String> = kinds
                .iter()
                .map(|k| {
                    params.push((*k).into());
                    format!("${}", params.len())
                })
                .collect();
            let lock = if tx.is_sqlite() { "" } else { " FOR UPDATE SKIP LOCKED" };
            let candidates = tx.query(
                &format!(
                    "SELECT {JOB_COLUMNS} FROM jobs WHERE kind IN ({}) AND attempts < max_attempts AND
                     ((state = 'queued' AND run_after <= $1) OR (state = 'running' AND lease_until < $1))
                     ORDER BY run_after, id LIMIT 32{lock}",
                    kind_list.join(", ")
                ),
                &params,
            )?;
            for row in &candidates {
                if let Some(job) = try_claim(tx, job_from_row(row)?, worker, lease_ms, max_running_per_org, now)? {
                    return Ok(Some(job));
                }
            }
            Ok(None)
        })
    }

    /// Claims one job if it is runnable (queued and due, or running with an expired lease) and
    /// its organization is under the running cap; `None` if not (yet).
    pub fn claim_job_id(
        &self,
        job: JobId,
        worker: &str,
        lease_ms: i64,
        max_running_per_org: Option<i64>,
        now: i64,
    ) -> Result<Option<Job>> {
        self.write(|tx| {
            let lock = if tx.is_sqlite() { "" } else { " FOR UPDATE" };
            let row = tx.query_opt(
                &format!(
                    "SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1 AND attempts < max_attempts AND
                     ((state = 'queued' AND run_after <= $2) OR (state = 'running' AND lease_until < $2)){lock}"
                ),
                &[job.0.into(), now.into()],
            )?;
            match row {
                Some(row) => try_claim(tx, job_from_row(&row)?, worker, lease_ms, max_running_per_org, now),
                None => Ok(None),
            }
        })
    }

    /// Takes over a running job from a worker known to be dead (a process that no longer
    /// exists), without waiting for its lease to end; returns the job if it was taken.
    pub fn take_over_job(&self, job: JobId, dead_worker: &str, worker: &str, lease_ms: i64, now: i64) -> Result<Option<Job>> {
        self.write(|tx| {
            let row = tx.query_opt(
                &format!(
                    "UPDATE jobs SET lease_owner = $1, lease_until = $2, heartbeat_at = $3, attempts = attempts + 1, updated_at = $3
                     WHERE id = $4 AND lease_owner = $5 AND state = 'running' RETURNING {JOB_COLUMNS}"
                ),
                &[worker.into(), (now + lease_ms).into(), now.into(), job.0.into(), dead_worker.into()],
            )?;
            row.as_ref().map(job_from_row).transpose()
        })
    }

    /// Extends a job's lease and stores its progress; returns false if the worker lost the lease.
    pub fn heartbeat_job(&self, job: JobId, worker: &str, lease_ms: i64, progress_json: &str, now: i64) -> Result<bool> {
        let changed = self.write(|tx| {
            tx.exec(
                "UPDATE jobs SET lease_until = $1, heartbeat_at = $2, progress = $3, updated_at = $2 WHERE id = $4 AND lease_owner = $5 AND state = 'running'",
                &[(now + lease_ms).into(), now.into(), progress_json.into(), job.0.into(), worker.into()],
            )
        })?;
        Ok(changed == 1)
    }

    /// Ends a job held by this worker in a final state (or back to queued to retry); returns false if the lease was lost.
    pub fn finish_job(
        &self,
        job: JobId,
        worker: &str,
        state: JobState,
        progress_json: &str,
        error: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        let changed = self.write(|tx| {
            tx.exec(
                "UPDATE jobs SET state = $1, lease_owner = NULL, lease_until = NULL, progress = $2, last_error = $3, updated_at = $4
                 WHERE id = $5 AND lease_owner = $6 AND state = 'running'",
                &[state.as_str().into(), progress_json.into(), error.into(), now.into(), job.0.into(), worker.into()],
            )
        })?;
        Ok(changed == 1)
    }

    /// Puts a job held by this worker back in the queue to retry no earlier than `run_after`;
    /// returns false if the lease was lost.
    pub fn requeue_job(&self, job: JobId, worker: &str, run_after: i64, error: &str, now: i64) -> Result<bool> {
        let changed = self.write(|tx| {
            tx.exec(
                "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, run_after = $1, last_error = $2, updated_at = $3
                 WHERE id = $4 AND lease_owner = $5 AND state = 'running'",
                &[run_after.into(), error.into(), now.into(), job.0.into(), worker.into()],
            )
        })?;
        Ok(changed == 1)
    }

    /// Cancels a queued job of an organization; returns false if it was not queued.
    pub fn cancel_queued_job(&self, org: OrgId, job: JobId, now: i64) -> Result<bool> {
        let changed = self.write(|tx| {
            tx.exec(
                "UPDATE jobs SET state = 'cancelled', updated_at = $1 WHERE id = $2 AND org_id = $3 AND state = 'queued'",
                &[now.into(), job.0.into(), org.0.into()],
            )
        })?;
        Ok(changed == 1)
    }

    /// Reads a job of an organization.
    pub fn job(&self, org: OrgId, job: JobId) -> Result<Job> {
        self.read(|tx| {
            tx.query_opt(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1 AND org_id = $2"), &[job.0.into(), org.0.into()])?
                .as_ref()
                .map(job_from_row)
                .transpose()?
                .ok_or_else(|| StoreError::not_found(format!("job {job}")))
        })
    }

    /// Lists an organization's jobs of a kind, newest first.
    pub fn list_jobs(&self, org: OrgId, kind: &str, limit: i64) -> Result<Vec<Job>> {
        self.read(|tx| {
            tx.query(
                &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE org_id = $1 AND kind = $2 ORDER BY id DESC LIMIT $3"),
                &[org.0.into(), kind.into(), limit.into()],
            )?
            .iter()
            .map(job_from_row)
            .collect()
        })
    }
}
