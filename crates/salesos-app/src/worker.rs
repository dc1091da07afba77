//! The background worker: one step claims one due job and runs it; the server loops over the
//! step, and tests call it directly. Job kinds: imports (run to their end, several per server,
//! at most `max_concurrent_imports` per organization across all servers) and housekeeping
//! (expired files, imports past their 90 days); exports and schedules will add theirs.

use crate::error::{AppError, AppResult};
use crate::imports::job::{JobContext, IMPORT_JOB};
use salesos_model::error::ErrorCode;
use salesos_model::ids::OrgId;
use salesos_model::ops::{JobState, NewJob};
use salesos_store::files::FileStore;
use salesos_store::Store;

/// The kind of the housekeeping job.
pub const HOUSEKEEPING: &str = "housekeeping";
/// How often housekeeping runs, ms.
pub const HOUSEKEEPING_EVERY_MS: i64 = 3_600_000;
/// How long a claim holds before another worker may take the job over, ms.
pub const LEASE_MS: i64 = 60_000;

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// Ran a job of this kind.
    Ran {
        /// The job's kind.
        kind: String,
        /// Its final state.
        state: JobState,
    },
    /// Nothing was due.
    Idle,
}

/// Enqueues the housekeeping run of the current period (idempotent across servers).
pub fn schedule_housekeeping(store: &Store, now: i64) -> AppResult<()> {
    let period = now / HOUSEKEEPING_EVERY_MS;
    let job = NewJob {
        org_id: OrgId(0),
        kind: HOUSEKEEPING.into(),
        payload: "{}".into(),
        unique_key: Some(format!("{HOUSEKEEPING}:{period}")),
        run_after: period * HOUSEKEEPING_EVERY_MS,
        max_attempts: 3,
    };
    store.enqueue_job(&job, now)?;
    Ok(())
}

/// Claims and runs one due job: housekeeping first, then an import if its organization runs
/// fewer than `max_concurrent_imports` (an import runs to its end inside the step).
pub fn step(
    store: &Store,
    files: &FileStore,
    worker: &str,
    clock: &(dyn Fn() -> i64 + Sync),
    max_concurrent_imports: i64,
    import_lease_ms: i64,
) -> AppResult<StepOutcome> {
    let now = clock();
    if let Some(job) = store.claim_job(&[IMPORT_JOB], worker, import_lease_ms, Some(max_concurrent_imports), now)? {
        let ctx = JobContext { store, files, worker, clock, lease_ms: import_lease_ms };
        // The job records its own end (import log, job state, notification); an error here is
        // already recorded, or the job is retried from its checkpoint.
        let state = match crate::imports::job::execute(&ctx, &job, &mut |_| {}) {
            Ok(report) if report.status == crate::imports::ImportStatus::Cancelled => JobState::Cancelled,
            Ok(_) => JobState::Succeeded,
            Err(_) => JobState::Failed,
        };
        return Ok(StepOutcome::Ran { kind: job.kind, state });
    }
    let Some(job) = store.claim_job(&[HOUSEKEEPING], worker, LEASE_MS, None, now)? else {
        return Ok(StepOutcome::Idle);
    };
    let result: AppResult<String> = match job.kind.as_str() {
        HOUSEKEEPING => files
            .sweep_expired(store, now)
            .map_err(AppError::from)
            .and_then(|n| Ok((n, crate::imports::history::sweep(store, now)?)))
            .map(|(files, imports)| format!(r#"{{"files_deleted":{files},"imports_forgotten":{imports}}}"#)),
        other => Err(AppError::new(ErrorCode::Internal, format!("no handler for job kind {other:?}"))),
    };
    let (state, progress, error) = match &result {
        Ok(progress) => (JobState::Succeeded, progress.clone(), None),
        Err(err) if job.attempts < job.max_attempts => (JobState::Queued, "{}".to_string(), Some(err.to_string())),
        Err(err) => (JobState::Failed, "{}".to_string(), Some(err.to_string())),
    };
    store.finish_job(job.id, worker, state, &progress, error.as_deref(), now)?;
    Ok(StepOutcome::Ran { kind: job.kind, state })
}

#[cfg(test)]
mod tests {
    use super::*;
    use salesos_model::files::{FileKind, NewFile};

    #[test]
    fn housekeeping_runs_once_per_period_and_sweeps_expired_files() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("db.sqlite")).unwrap();
        let files = FileStore::new(dir.path().join("files")).unwrap();
        let org = store.create_org("acme", &Default::default(), 0).unwrap();
        let file = NewFile {
            org_id: org.id,
            owner_id: None,
            kind: FileKind::Export,
            name: "x.csv".into(),
            content_type: "text/csv".into(),
            expires_at: Some(10),
        };
        files.put(&store, &file, &mut "a".as_bytes(), 10, 1, 0).unwrap();
        let now = 5 * HOUSEKEEPING_EVERY_MS + 7;
        schedule_housekeeping(&store, now).unwrap();
        schedule_housekeeping(&store, now + 1).unwrap();
        assert_eq!(
            step(&store, &files, "w", &|| now, 3, 30_000).unwrap(),
            StepOutcome::Ran { kind: HOUSEKEEPING.into(), state: JobState::Succeeded }
        );
        assert_eq!(step(&store, &files, "w", &|| now, 3, 30_000).unwrap(), StepOutcome::Idle, "one run per period");
        assert_eq!(files.sweep_expired(&store, now).unwrap(), 0, "the job already deleted the expired file");
    }
}
