//! Imports as durable jobs. [`submit`] keeps the source file in the file store (with its
//! SHA-256), logs the import and enqueues its job; [`execute`] runs a claimed job through
//! [`super::run_with`], committing row outcomes and the checkpoint with every batch, heartbeating
//! the lease, and stopping at a batch boundary when cancelled. A job that dies (a crash, `kill
//! -9`) is resumed by whoever claims it next: the rows before the checkpoint are replayed, never
//! written twice.

use super::{
    run_summary, run_with, ImportReport, ImportRequest, ImportStatus, MappingChoice, Progress, RunHooks, SettingsOverrides,
};
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use salesos_formats::read::{Escape, ReadOptions};
use salesos_import::map::MappingLimits;
use salesos_import::spec::MappingSpec;
use salesos_model::error::ErrorCode;
use salesos_model::files::{FileKind, NewFile};
use salesos_model::ids::{JobId, OperationId, OrgId, UserId};
use salesos_model::ops::{Job, JobState, NewJob};
use salesos_store::files::FileStore;
use salesos_store::{ImportFinish, ImportLog, NewImport, Store};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::PathBuf;

/// The job kind of imports.
pub const IMPORT_JOB: &str = "import";
/// Imports running at once per organization (the spec: 3); more wait in the queue.
pub const DEFAULT_MAX_CONCURRENT_IMPORTS: i64 = 3;
/// How long a claim holds without a heartbeat, ms.
pub const IMPORT_LEASE_MS: i64 = 30_000;
/// The longest wait between two heartbeats of a running import, ms (also its progress's
/// refresh rate); a quarter of the lease when that is shorter.
const HEARTBEAT_EVERY_MS: i64 = 1_000;
/// How long imports stay in the history (and their source files in the file store), ms.
pub const IMPORT_KEEP_MS: i64 = 90 * 24 * 3_600_000;
/// Wait before retrying a job that failed on the machine's side, times its attempts so far, ms.
const RETRY_BACKOFF_MS: i64 = 5_000;
/// Attempts before a job that keeps failing on the machine's side gives up.
const MAX_ATTEMPTS: i64 = 20;

/// The stored form of an import request: everything a later attempt needs to run it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRequest {
    /// The target object.
    pub object: String,
    /// Reader overrides and limits.
    pub read: StoredRead,
    /// The mapping: given, or fixed by the first attempt before it wrote anything.
    #[serde(default)]
    pub mapping: Option<MappingSpec>,
    /// A saved mapping's name, until the mapping is fixed.
    #[serde(default)]
    pub mapping_name: Option<String>,
    /// Where the fixed mapping came from (`given`, `named`, `remembered`, `auto`).
    #[serde(default)]
    pub mapping_source: Option<String>,
    /// Settings over the mapping's (applied into the fixed mapping).
    #[serde(flatten)]
    pub overrides: SettingsOverrides,
    /// Where to write the error report.
    #[serde(default)]
    pub error_report: Option<PathBuf>,
    /// Where to write the failed-rows file.
    #[serde(default)]
    pub failed_rows: Option<PathBuf>,
    /// Save the mapping under this name.
    #[serde(default)]
    pub save_mapping_as: Option<String>,
    /// Rows per lookup batch (the store's default, resolved when the job is created).
    pub batch_rows: usize,
    /// New records per transaction.
    pub commit_rows: usize,
    /// Most custom-field mappings.
    pub max_custom_field_mappings: usize,
    /// The wizard step an import session reached (`uploaded`, `mapped`, `duplicates`,
    /// `previewed`, `preview_failed`); none for imports submitted in one go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The session's validation preview (the dry run's report), which the run is compared with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<serde_json::Value>,
}

/// The stored reader options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRead {
    /// Encoding label.
    #[serde(default)]
    pub encoding: Option<String>,
    /// CSV delimiter byte.
    #[serde(default)]
    pub delimiter: Option<u8>,
    /// CSV quote byte.
    #[serde(default)]
    pub quote: Option<u8>,
    /// `doubled` or `backslash`.
    #[serde(default)]
    pub escape: Option<String>,
    /// Header row.
    #[serde(default)]
    pub header_row: Option<u64>,
    /// Sheets.
    #[serde(default)]
    pub sheets: Vec<String>,
    /// Most data rows.
    pub max_rows: u64,
    /// Largest CSV, bytes.
    pub csv_bytes: u64,
    /// Largest workbook, bytes.
    pub xlsx_bytes: u64,
    /// Largest JSON, bytes.
    pub json_bytes: u64,
    /// Largest vCard, bytes.
    pub vcard_bytes: u64,
}

impl StoredRequest {
    /// Captures a request.
    pub fn from_request(request: &ImportRequest) -> StoredRequest {
        let options = &request.read_options;
        let (mapping, mapping_name) = match &request.mapping {
            MappingChoice::Automatic => (None, None),
            MappingChoice::Spec(spec) => (Some(spec.clone()), None),
            MappingChoice::Named(name) => (None, Some(name.clone())),
        };
        StoredRequest {
            object: request.object.clone(),
            read: StoredRead {
                encoding: options.encoding.clone(),
                delimiter: options.delimiter,
                quote: options.quote,
                escape: options.escape.map(|e| e.as_str().to_string()),
                header_row: options.header_row,
                sheets: options.sheets.clone(),
                max_rows: options.limits.max_rows,
                csv_bytes: options.limits.csv_bytes,
                xlsx_bytes: options.limits.xlsx_bytes,
                json_bytes: options.limits.json_bytes,
                vcard_bytes: options.limits.vcard_bytes,
            },
            mapping_source: mapping.as_ref().map(|_| "given".to_string()),
            mapping,
            mapping_name,
            overrides: request.overrides.clone(),
            error_report: request.error_report.clone(),
            failed_rows: request.failed_rows.clone(),
            save_mapping_as: request.save_mapping_as.clone(),
            batch_rows: request.batch_rows,
            commit_rows: request.commit_rows,
            max_custom_field_mappings: request.limits.max_custom_field_mappings,
            step: None,
            preview: None,
        }
    }

    /// Rebuilds the request to run on a file.
    pub fn to_request(&self, file: PathBuf, display_name: &str) -> ImportRequest {
        let mut request = ImportRequest::new(file, display_name, &self.object);
        let options: &mut ReadOptions = &mut request.read_options;
        options.encoding = self.read.encoding.clone();
        options.delimiter = self.read.delimiter;
        options.quote = self.read.quote;
        options.escape = self.read.escape.as_deref().and_then(|e| match e {
            "backslash" => Some(Escape::Backslash),
            "doubled" => Some(Escape::Doubled),
            _ => None,
        });
        options.header_row = self.read.header_row;
        options.sheets = self.read.sheets.clone();
        options.limits.max_rows = self.read.max_rows;
        options.limits.csv_bytes = self.read.csv_bytes;
        options.limits.xlsx_bytes = self.read.xlsx_bytes;
        options.limits.json_bytes = self.read.json_bytes;
        options.limits.vcard_bytes = self.read.vcard_bytes;
        request.mapping = match (&self.mapping, &self.mapping_name) {
            (Some(spec), _) => MappingChoice::Spec(spec.clone()),
            (None, Some(name)) => MappingChoice::Named(name.clone()),
            (None, None) => MappingChoice::Automatic,
        };
        request.overrides = self.overrides.clone();
        request.error_report = self.error_report.clone();
        request.failed_rows = self.failed_rows.clone();
        request.save_mapping_as = self.save_mapping_as.clone();
        request.batch_rows = self.batch_rows;
        request.commit_rows = self.commit_rows;
        request.limits = MappingLimits { max_custom_field_mappings: self.max_custom_field_mappings };
        request
    }

    /// Reads the stored JSON.
    pub fn from_json(json: &str) -> AppResult<StoredRequest> {
        serde_json::from_str(json)
            .map_err(|err| AppError::new(ErrorCode::Internal, format!("stored import request is damaged: {err}")))
    }

    /// The JSON to store.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The largest source file the request's limits allow (the file store refuses more while streaming).
pub fn largest_source(options: &ReadOptions) -> u64 {
    let limits = &options.limits;
    limits.csv_bytes.max(limits.xlsx_bytes).max(limits.json_bytes).max(limits.vcard_bytes)
}

/// Logs an import of a file already on disk and enqueues its job: the file is copied into the
/// file store first (refused while streaming when over the limits), with its SHA-256.
pub fn submit(
    store: &Store,
    files: &FileStore,
    actor: &Actor,
    request: &ImportRequest,
    nonce: u64,
    now: i64,
) -> AppResult<ImportLog> {
    let mut source = std::fs::File::open(&request.file)
        .map_err(|err| AppError::invalid(format!("cannot read {}: {err}", request.file.display())).with_field("file"))?;
    submit_stream(store, files, actor, request, &mut source, nonce, now)
}

/// Logs an import whose file arrives as a stream (an upload) and enqueues its job.
pub fn submit_stream(
    store: &Store,
    files: &FileStore,
    actor: &Actor,
    request: &ImportRequest,
    source: &mut dyn Read,
    nonce: u64,
    now: i64,
) -> AppResult<ImportLog> {
    let log = store_upload(store, files, actor, request, source, nonce, now)?;
    ensure_job(store, &log, now)
}

/// Keeps an upload in the file store (refused while streaming when over the limits) and logs
/// its import, without a job yet.
pub fn store_upload(
    store: &Store,
    files: &FileStore,
    actor: &Actor,
    request: &ImportRequest,
    source: &mut dyn Read,
    nonce: u64,
    now: i64,
) -> AppResult<ImportLog> {
    let object = store.schema(actor.org.id)?;
    let object = object
        .object(&salesos_model::schema::canonical_object_name(&request.object))
        .ok_or_else(|| AppError::new(ErrorCode::UnknownObject, format!("unknown object {:?}", request.object)))?
        .api_name
        .clone();
    actor.require(&object, salesos_model::access::Action::Import)?;
    let new_file = NewFile {
        org_id: actor.org.id,
        owner_id: Some(actor.user.id),
        kind: FileKind::Upload,
        name: request.display_name.clone(),
        content_type: "application/octet-stream".into(),
        expires_at: Some(now + IMPORT_KEEP_MS),
    };
    let limit = largest_source(&request.read_options);
    let meta = files.put(store, &new_file, source, limit, nonce, now).map_err(|err| match err {
        salesos_store::files::PutError::TooLarge { limit } => AppError::new(
            ErrorCode::PayloadTooLarge,
            format!("{} is larger than the {} MB an import accepts", request.display_name, limit / 1_000_000),
        )
        .with_field("file"),
        other => AppError::new(ErrorCode::Internal, other.to_string()),
    })?;
    let mut stored = StoredRequest::from_request(request);
    stored.object = object.clone();
    // The store's default is written down as a number, which every version reads the same.
    if stored.batch_rows == 0 {
        stored.batch_rows = super::default_batch_rows(store);
    }
    let log = store.create_import(
        &NewImport {
            org_id: actor.org.id,
            user_id: actor.user.id,
            object,
            file_id: Some(meta.id),
            file_name: request.display_name.clone(),
            file_size: meta.size,
            file_sha256: meta.sha256.clone(),
            request: stored.to_json(),
        },
        now,
    )?;
    Ok(log)
}

/// Enqueues an import's job unless it has one (a process that died between logging the import
/// and enqueueing it left none); the job's unique key makes this idempotent.
pub fn ensure_job(store: &Store, log: &ImportLog, now: i64) -> AppResult<ImportLog> {
    if log.job_id.is_some() {
        return Ok(log.clone());
    }
    let (job, _) = store.enqueue_job(
        &NewJob {
            org_id: log.org_id,
            kind: IMPORT_JOB.into(),
            payload: serde_json::json!({ "import_id": log.id.0 }).to_string(),
            unique_key: Some(format!("import:{}", log.id.0)),
            run_after: now,
            max_attempts: MAX_ATTEMPTS,
        },
        now,
    )?;
    store.set_import_job(log.id, job.id)?;
    Ok(store.import_log(log.org_id, log.id)?)
}

/// The import a job runs.
pub fn import_of(job: &Job) -> AppResult<OperationId> {
    serde_json::from_str::<serde_json::Value>(&job.payload)
        .ok()
        .and_then(|v| v.get("import_id").and_then(serde_json::Value::as_i64))
        .map(OperationId)
        .ok_or_else(|| AppError::new(ErrorCode::Internal, format!("job {} has no import id", job.id.0)))
}

/// Whether an import status is final.
pub fn is_final(status: &str) -> bool {
    matches!(status, "completed" | "completed_with_errors" | "failed" | "cancelled")
}

/// What the run around a job needs from its caller.
pub struct JobContext<'a> {
    /// The store.
    pub store: &'a Store,
    /// The file store holding the source.
    pub files: &'a FileStore,
    /// This worker's name (the lease owner).
    pub worker: &'a str,
    /// The clock, ms since the Unix epoch.
    pub clock: &'a (dyn Fn() -> i64 + Sync),
    /// How long the job's claim holds without a heartbeat ([`IMPORT_LEASE_MS`] by default).
    pub lease_ms: i64,
}

/// Runs a claimed import job to its end (or its cancellation) and records the outcome in the
/// import log, the job table and the user's notifications.
pub fn execute(ctx: &JobContext<'_>, job: &Job, progress: &mut dyn FnMut(Progress)) -> AppResult<ImportReport> {
    let store = ctx.store;
    let import_id = import_of(job)?;
    let log = store.import_log(job.org_id, import_id)?;
    let started = std::time::Instant::now();
    let result = run_job(ctx, job, &log, progress);
    let now = (ctx.clock)();
    let elapsed = started.elapsed().as_millis() as i64;
    match result {
        Ok(report) => {
            let status = report.status.as_str().to_string();
            let mut summary = run_summary(&log.file_name, &report);
            let changed = changed_since_preview(&log, &report);
            if let Some(changed) = &changed {
                summary["changed_since_preview"] = changed.clone();
            }
            // The notice is written first: whoever sees the import finished finds it.
            let (kind, message) = match report.status {
                ImportStatus::Cancelled => {
                    ("import.cancelled", format!("Import {} of {} was cancelled", import_id.0, log.file_name))
                }
                ImportStatus::Failed => ("import.failed", format!("Import {} of {} was refused", import_id.0, log.file_name)),
                _ => ("import.completed", format!("Import {} of {} finished: {}", import_id.0, log.file_name, status)),
            };
            let message = match &changed {
                Some(changed) => format!("{message}. {}", changed["message"].as_str().unwrap_or_default()),
                None => message,
            };
            store.notify(
                job.org_id,
                log.user_id,
                kind,
                &message,
                &serde_json::json!({"import_id": import_id.0}).to_string(),
                now,
            )?;
            store.finish_import(
                import_id,
                &ImportFinish {
                    status: status.clone(),
                    rows_total: Some(report.rows as i64),
                    counts: super::counts_json(&report.summary.counts).to_string(),
                    summary: summary.to_string(),
                    error: report
                        .ambiguous_dates
                        .first()
                        .map(|d| format!("the dates in column {:?} read both day-first and month-first", d.column)),
                    duration_ms: elapsed,
                },
                now,
            )?;
            let state = if report.status == ImportStatus::Cancelled { JobState::Cancelled } else { JobState::Succeeded };
            store.finish_job(job.id, ctx.worker, state, &summary.to_string(), None, now)?;
            Ok(report)
        }
        Err(err) => {
            let machine = matches!(err.body.code, ErrorCode::Internal | ErrorCode::DatabaseUnavailable);
            if machine && job.attempts < job.max_attempts {
                // Retried from its checkpoint by a later claim, waiting longer after each failure.
                let backoff = RETRY_BACKOFF_MS.saturating_mul(job.attempts.clamp(1, 60));
                store.requeue_job(job.id, ctx.worker, now + backoff, &err.to_string(), now)?;
                return Err(err);
            }
            // The notice first, as for a finished import.
            let message = format!("Import {} of {} failed: {}", import_id.0, log.file_name, err.body.message);
            store.notify(
                job.org_id,
                log.user_id,
                "import.failed",
                &message,
                &serde_json::json!({"import_id": import_id.0}).to_string(),
                now,
            )?;
            store.finish_import(
                import_id,
                &ImportFinish {
                    status: "failed".into(),
                    rows_total: None,
                    counts: log.counts.clone(),
                    summary: log.summary.clone(),
                    error: Some(err.to_string()),
                    duration_ms: elapsed,
                },
                now,
            )?;
            store.finish_job(job.id, ctx.worker, JobState::Failed, "{}", Some(&err.to_string()), now)?;
            Err(err)
        }
    }
}

fn run_job(ctx: &JobContext<'_>, job: &Job, log: &ImportLog, progress: &mut dyn FnMut(Progress)) -> AppResult<ImportReport> {
    let store = ctx.store;
    if is_final(&log.status) {
        return Err(AppError::invalid(format!("import {} already ended ({})", log.id.0, log.status)));
    }
    let org = store.find_org(&log.org_id.0.to_string())?;
    let user = store.find_user(log.org_id, &log.user_id.0.to_string())?;
    let actor = Actor::new(store, org, user)?;
    let file_id = log.file_id.ok_or_else(|| AppError::invalid(format!("import {} has no source file", log.id.0)))?;
    let meta = ctx.files.meta(store, log.org_id, file_id)?;
    let path = ctx.files.path(&meta);
    // The stored source is checked while the run reads it ahead (on the core that would
    // otherwise wait), and before the import is marked started or anything else is written
    // (`RunHooks::before_writes`).
    let hashing = path.clone();
    let source_digest = std::thread::Builder::new()
        .name("salesos-sha256".into())
        .spawn(move || sha256_of(&hashing))
        .map_err(|err| AppError::new(ErrorCode::Internal, format!("cannot start checking the stored source: {err}")))?;
    let stored = StoredRequest::from_json(&log.request)?;
    let request = stored.to_request(path, &log.file_name);
    let now = (ctx.clock)();
    let waited = log.status == "queued" && now - log.created_at > 1_000;
    let start = JobStart {
        now,
        org: log.org_id,
        user: log.user_id,
        queued_notice: waited.then(|| format!("Import {} of {} started after waiting in the queue", log.id.0, log.file_name)),
    };
    let mut hooks = JobHooks {
        ctx,
        job: job.id,
        import: log.id,
        resume_from: log.rows_done.max(0) as u64,
        stored: stored.clone(),
        rows_total: None,
        started_at: now,
        started_rows: log.rows_done.max(0) as u64,
        last_heartbeat: None,
        source_digest: Some(source_digest),
        file_sha256: log.file_sha256.clone(),
        start: Some(start),
    };
    let result = run_with(store, &actor, &request, now, progress, Some(&mut hooks));
    // A stored source that changed explains whatever else went wrong (a file that no longer
    // parses, a missing file): it is what the run reports.
    hooks.check_source()?;
    let mut report = result?;
    if let Some(source) = hooks.stored.mapping_source.as_deref() {
        report.mapping_source = match source {
            "named" => super::MappingSource::Named,
            "remembered" => super::MappingSource::Remembered,
            "auto" => super::MappingSource::Auto,
            _ => super::MappingSource::Given,
        };
    }
    Ok(report)
}

/// When an import session was previewed, says whether the run's counts differ from the
/// preview's (records changed in between), with both.
fn changed_since_preview(log: &ImportLog, report: &ImportReport) -> Option<serde_json::Value> {
    let stored = StoredRequest::from_json(&log.request).ok()?;
    let preview = stored.preview?;
    let previewed = preview.get("counts")?.clone();
    let ran = super::counts_json(&report.summary.counts);
    (previewed != ran).then(|| {
        serde_json::json!({
            "preview": previewed,
            "run": ran,
            "message": "the data changed since the preview, so the run's counts differ from the preview's",
        })
    })
}

/// Returns the SHA-256 of a file, hex.
fn sha256_of(path: &std::path::Path) -> AppResult<String> {
    use sha2::{Digest, Sha256};
    let mut file = std::fs::File::open(path)
        .map_err(|err| AppError::new(ErrorCode::Internal, format!("stored source {} is missing: {err}", path.display())))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buffer).map_err(|err| AppError::new(ErrorCode::Internal, err.to_string()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The hooks a job gives its run: fix the mapping, heartbeat, checkpoint, cancel.
struct JobHooks<'a> {
    ctx: &'a JobContext<'a>,
    job: JobId,
    import: OperationId,
    resume_from: u64,
    stored: StoredRequest,
    rows_total: Option<u64>,
    started_at: i64,
    started_rows: u64,
    /// When the last heartbeat was written (`None` before the first).
    last_heartbeat: Option<i64>,
    /// The SHA-256 of the stored source, being computed; checked before the run writes.
    source_digest: Option<std::thread::JoinHandle<AppResult<String>>>,
    /// The SHA-256 the source had when it was uploaded.
    file_sha256: String,
    /// What marks the import started, done once the source is checked.
    start: Option<JobStart>,
}

/// Marking an import started: its status, and a notice when it waited in the queue.
struct JobStart {
    now: i64,
    org: OrgId,
    user: UserId,
    queued_notice: Option<String>,
}

impl JobHooks<'_> {
    /// Waits for the stored source's SHA-256 (once) and refuses a source that changed since it
    /// was uploaded, or that is gone.
    fn check_source(&mut self) -> AppResult<()> {
        let Some(hashing) = self.source_digest.take() else { return Ok(()) };
        let digest = hashing
            .join()
            .map_err(|_| AppError::new(ErrorCode::Internal, "checking the stored source failed unexpectedly".to_string()))??;
        if digest != self.file_sha256 {
            return Err(AppError::new(
                ErrorCode::Internal,
                format!(
                    "the stored source of import {} changed since it was uploaded (SHA-256 differs); it cannot run or resume",
                    self.import.0
                ),
            ));
        }
        Ok(())
    }
}

impl Drop for JobHooks<'_> {
    /// A run that ended early (an error, a panic) still waits for its hashing thread, so that
    /// none outlives its job.
    fn drop(&mut self) {
        if let Some(hashing) = self.source_digest.take() {
            let _ = hashing.join();
        }
    }
}

/// Whether a run's heartbeat is due at `now`: the first one, then one every
/// [`HEARTBEAT_EVERY_MS`] or quarter lease. Beating after every batch would make each batch wait
/// for the one being committed beside it on SQLite, which takes one writer at a time.
fn heartbeat_due(last_heartbeat: Option<i64>, now: i64, lease_ms: i64) -> bool {
    let every = HEARTBEAT_EVERY_MS.min(lease_ms / 4).max(0);
    last_heartbeat.is_none_or(|last| now - last >= every)
}

impl RunHooks for JobHooks<'_> {
    fn import_id(&self) -> OperationId {
        self.import
    }

    fn resume_from(&self) -> u64 {
        self.resume_from
    }

    fn before_writes(&mut self) -> AppResult<()> {
        self.check_source()?;
        if let Some(start) = self.start.take() {
            let store = self.ctx.store;
            if let Some(message) = &start.queued_notice {
                let payload = serde_json::json!({"import_id": self.import.0}).to_string();
                store.notify(start.org, start.user, "import.started", message, &payload, start.now)?;
            }
            store.start_import(self.import, start.now)?;
        }
        Ok(())
    }

    fn mapping_fixed(&mut self, spec: &MappingSpec, source: super::MappingSource, rows_total: Option<u64>) -> AppResult<()> {
        self.rows_total = rows_total;
        if self.stored.mapping.is_none() || self.stored.mapping_source.is_none() {
            self.stored.mapping = Some(spec.clone());
            self.stored.mapping_name = None;
            self.stored.mapping_source = Some(source.as_str().to_string());
            self.ctx.store.set_import_request(self.import, &self.stored.to_json())?;
        }
        Ok(())
    }

    fn keep_going(&mut self, rows_done: u64) -> AppResult<bool> {
        let now = (self.ctx.clock)();
        let store = self.ctx.store;
        if !heartbeat_due(self.last_heartbeat, now, self.ctx.lease_ms) {
            return Ok(!store.import_cancel_requested(self.import)?);
        }
        self.last_heartbeat = Some(now);
        let elapsed = (now - self.started_at).max(1) as f64 / 1000.0;
        let rate = rows_done.saturating_sub(self.started_rows) as f64 / elapsed;
        let eta_ms = match (self.rows_total, rate > 0.0) {
            (Some(total), true) => Some((total.saturating_sub(rows_done) as f64 / rate * 1000.0) as i64),
            _ => None,
        };
        let progress = serde_json::json!({
            "rows_done": rows_done,
            "rows_total": self.rows_total,
            "rows_per_second": rate.round(),
            "eta_ms": eta_ms,
        });
        if !store.heartbeat_job(self.job, self.ctx.worker, self.ctx.lease_ms, &progress.to_string(), now)? {
            return Err(AppError::new(
                ErrorCode::Internal,
                format!("import {} lost its lease (another worker took it over); stopping here", self.import.0),
            ));
        }
        Ok(!store.import_cancel_requested(self.import)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeats_are_spaced_by_a_second_or_a_quarter_lease() {
        assert!(heartbeat_due(None, 0, IMPORT_LEASE_MS), "the first batch beats");
        assert!(!heartbeat_due(Some(0), HEARTBEAT_EVERY_MS - 1, IMPORT_LEASE_MS));
        assert!(heartbeat_due(Some(0), HEARTBEAT_EVERY_MS, IMPORT_LEASE_MS));
        assert!(heartbeat_due(Some(0), 100, 400), "a short lease beats every quarter");
        assert!(!heartbeat_due(Some(0), 99, 400));
        assert!(heartbeat_due(Some(5), 5, 0), "a zero lease beats every batch");
    }
}
