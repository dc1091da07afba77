//! Imports: drives a file through the pure stages of `salesos-import` batch by batch and commits
//! each batch with its journal. The CLI calls [`run`] directly; the API and background jobs will
//! call the same function, so a dry run and a run share every stage but the commit.
//!
//! Per batch: read rows → transform and check values → resolve references (one lookup per key
//! kind) → look up duplicate candidates (one lookup per key kind, then one read of the matched
//! records) → decide and plan each row → commit creates and updates in one transaction.

mod committer;
mod created_refs;
pub mod history;
pub mod job;
pub mod json;
pub mod report;
pub mod rules;
pub mod session;
pub mod undo;

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use report::ReportFiles;
use salesos_formats::read::{self, Format, ReadError, ReadOptions, Reader, SourceRow};
use salesos_formats::write::TableFormat;
use salesos_import::convert::{DateColumnStats, DateInference, DateOrder};
use salesos_import::dedupe::{self, Candidates, Decision, InFileKeys, RowKeys};
use salesos_import::issue::{IssueKind, RowIssue, RowMessages};
use salesos_import::map::{self, MappingLimits, ResolvedMapping};
use salesos_import::plan::{self, Outcome, PlanContext, PlannedRow, RecordChange};
use salesos_import::preview::{self, Summary};
use salesos_import::rules::{CompiledRule, RuleDef};
use salesos_import::spec::{
    header_fingerprint, DuplicateStrategy, EmptyCells, ImportSettings, MappingSpec, MatchOn, ERRORS_COLUMN,
};
use salesos_import::suggest::{self, Suggestion, AUTO_MAP_THRESHOLD};
use salesos_import::transform::{self, RowContext, TransformedRow};
use salesos_import::validate::Validator;
use salesos_model::access::{Action, VisibilityScope};
use salesos_model::error::ErrorCode;
use salesos_model::ids::{ObjectId, OperationId, RecordId, UserId};
use salesos_model::keys::{key_hash, MatchKey, MatchKeyKind};
use salesos_model::ops::{AuditEntry, AuditOutcome, OperationKind};
use salesos_model::query::{parse_and_resolve, RecordQuery};
use salesos_model::record::{Fields, NewRecord};
use salesos_model::schema::{canonical_object_name, ObjectDef, Schema};
use salesos_model::value::Value;
use salesos_store::{
    workers, CommitBatch, KeySnapshot, OutcomeLink, PlaceholderIds, RowOutcome, Store, UpdateOutcome, WriteContext,
};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Hash maps keyed by ids and 64-bit key hashes, looked up per row: foldhash, not SipHash.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
/// A hash set like [`FastMap`].
type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// Rows per batch of lookups and plans on SQLite. Two batches of rows are in memory at once (one
/// planned, the next read beside it), and everything a batch's rows allocate is freed together:
/// at 500 rows that fits the cores' caches, at 2,000 the allocator hands out cold memory (a 1M
/// dry run 7.2-7.9 -> 5.8-6.2 s; committing imports no slower). In-process lookups cost no
/// round trip, so more of them cost little.
pub const EMBEDDED_BATCH_ROWS: usize = 500;
/// Rows per batch on PostgreSQL, where each batch's lookups are round trips to the server
/// (500 made the 100k import into 1M contacts 7.2-7.5 -> 8.8-9.2 s).
pub const SERVER_BATCH_ROWS: usize = 2_000;

/// The batch size of an import that does not choose one ([`ImportRequest::batch_rows`] 0).
pub fn default_batch_rows(store: &Store) -> usize {
    if store.is_embedded() {
        EMBEDDED_BATCH_ROWS
    } else {
        SERVER_BATCH_ROWS
    }
}
/// New records per committed transaction: large commits touch each index page once.
pub const DEFAULT_COMMIT_ROWS: usize = 10_000;
/// Rows read ahead for auto-mapping, type inference and the preview.
pub const SAMPLE_ROWS: usize = 50;
/// How often (in rows) a dry run's prescan asks whether the rows so far predict every date
/// column's format, so that it may stop there and check them against the whole file later.
const DATE_CHECK_EVERY: u64 = 4_096;
/// The commit rate used for estimates (rows per second), from BENCHMARKS.md on a 2-core machine.
pub const ESTIMATE_ROWS_PER_SECOND: f64 = 25_000.0;

/// Where the mapping comes from.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum MappingChoice {
    /// The user's remembered mapping for these headers, else auto-mapping.
    #[default]
    Automatic,
    /// This spec.
    Spec(MappingSpec),
    /// A saved mapping by name.
    Named(String),
}

/// Settings given on the command line (or in an API step) over those of the mapping.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SettingsOverrides {
    /// Duplicate strategy.
    pub on_duplicate: Option<DuplicateStrategy>,
    /// Match.
    pub match_on: Option<MatchOn>,
    /// Date order.
    pub date_order: Option<DateOrder>,
    /// Empty cells.
    pub empty_cells: Option<EmptyCells>,
    /// Create missing referenced records.
    pub create_missing_references: Option<bool>,
}

/// An import to run.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// The file.
    pub file: PathBuf,
    /// Its display name (the uploaded name).
    pub display_name: String,
    /// The target object.
    pub object: String,
    /// Reader overrides and limits.
    pub read_options: ReadOptions,
    /// The mapping.
    pub mapping: MappingChoice,
    /// Settings over the mapping's.
    pub overrides: SettingsOverrides,
    /// Run every stage but the commit.
    pub dry_run: bool,
    /// Where to write the error report.
    pub error_report: Option<PathBuf>,
    /// Where to write the failed-rows file.
    pub failed_rows: Option<PathBuf>,
    /// Save the mapping under this name, shared in the organization.
    pub save_mapping_as: Option<String>,
    /// Rows per batch of lookups (references, duplicates); 0 for the store's default
    /// ([`default_batch_rows`]).
    pub batch_rows: usize,
    /// New records gathered before they are written in one transaction (updates are written
    /// with their batch); a transaction also settles at most twice as many rows.
    pub commit_rows: usize,
    /// Mapping limits.
    pub limits: MappingLimits,
}

impl ImportRequest {
    /// A request with defaults for a file and object.
    pub fn new(file: PathBuf, display_name: &str, object: &str) -> ImportRequest {
        ImportRequest {
            file,
            display_name: display_name.into(),
            object: object.into(),
            read_options: ReadOptions::default(),
            mapping: MappingChoice::Automatic,
            overrides: SettingsOverrides::default(),
            dry_run: false,
            error_report: None,
            failed_rows: None,
            save_mapping_as: None,
            batch_rows: 0,
            commit_rows: DEFAULT_COMMIT_ROWS,
            limits: MappingLimits::default(),
        }
    }
}

/// How an import ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStatus {
    /// Every row imported (or was skipped on purpose).
    Completed,
    /// Some rows failed.
    CompletedWithErrors,
    /// A dry run: nothing was written.
    DryRun,
    /// Refused before any row was written (see the blockers), or stopped by an error.
    Failed,
    /// Stopped by the user at a batch boundary; what was committed stays.
    Cancelled,
}

impl ImportStatus {
    /// Returns the stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Completed => "completed",
            ImportStatus::CompletedWithErrors => "completed_with_errors",
            ImportStatus::DryRun => "dry_run",
            ImportStatus::Failed => "failed",
            ImportStatus::Cancelled => "cancelled",
        }
    }
}

/// A date column whose day/month order the user must decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmbiguousDates {
    /// The column.
    pub column: String,
    /// Values that read either way.
    pub examples: Vec<String>,
    /// The day-first format.
    pub day_first: String,
    /// The month-first format.
    pub month_first: String,
    /// The order the organization's locale suggests.
    pub suggested: DateOrder,
}

/// Where the mapping of a run came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingSource {
    /// Given as a spec.
    Given,
    /// A saved mapping by name.
    Named,
    /// Remembered for these headers.
    Remembered,
    /// Auto-mapping.
    Auto,
}

impl MappingSource {
    /// Returns the stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            MappingSource::Given => "given",
            MappingSource::Named => "named",
            MappingSource::Remembered => "remembered",
            MappingSource::Auto => "auto",
        }
    }
}

/// What an import did, or would do.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// The import's id (the journal operation); `None` for a dry run or a refused run.
    pub import_id: Option<OperationId>,
    /// How it ended.
    pub status: ImportStatus,
    /// The object.
    pub object: String,
    /// Data rows read.
    pub rows: u64,
    /// Counts and problems.
    pub summary: Summary,
    /// Estimated duration of the run, ms.
    pub estimated_ms: u64,
    /// The error report, if written.
    pub error_report: Option<PathBuf>,
    /// The failed-rows file, if written.
    pub failed_rows: Option<PathBuf>,
    /// Wall time, ms.
    pub duration_ms: u64,
    /// The mapping used (as a spec, with the settings in effect).
    pub mapping: MappingSpec,
    /// Where it came from.
    pub mapping_source: MappingSource,
    /// Auto-mapping suggestions (when auto-mapping was used).
    pub suggestions: Vec<Suggestion>,
    /// Date columns that block the run until the user decides.
    pub ambiguous_dates: Vec<AmbiguousDates>,
    /// Custom fields created (or, in a dry run, to be created).
    pub created_fields: Vec<String>,
    /// Records created for missing references (by object).
    pub created_references: BTreeMap<String, u64>,
    /// Suggested value maps for picklist texts that matched no option.
    pub value_maps: Vec<ValueMapSuggestion>,
}

/// A suggested value map entry: a source text that matched no picklist option, and the option
/// it most likely means (by label, API value and similarity).
#[derive(Debug, Clone, PartialEq)]
pub struct ValueMapSuggestion {
    /// The source column.
    pub column: String,
    /// The picklist field.
    pub field: String,
    /// The text in the file.
    pub from: String,
    /// The suggested API value.
    pub to: String,
    /// 0 to 1.
    pub confidence: f64,
}

/// Distinct picklist texts kept per field for value-map suggestions.
const VALUE_MAP_TEXTS: usize = 50;

/// Progress of a run, reported after each batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Rows done.
    pub rows: u64,
    /// Rows failed so far.
    pub failed: u64,
    /// Data rows in the file, once read ahead (runs; dry runs of files without dates skip it).
    pub total: Option<u64>,
}

/// What a durable run (a job) asks of the job around it.
pub trait RunHooks {
    /// The import: its journal operation and log row.
    fn import_id(&self) -> OperationId;
    /// Input rows an earlier attempt committed; the run replays them without writing.
    fn resume_from(&self) -> u64;
    /// Called once the file has been read ahead, before anything is written: an error stops
    /// the run there (a job checks its stored source meanwhile).
    fn before_writes(&mut self) -> AppResult<()> {
        Ok(())
    }
    /// Called once the mapping is fixed, before anything is written, so a resumed run uses the
    /// same mapping (and the same inferred date formats).
    /// `rows_total` is the file's count of data rows, when the run read it ahead.
    fn mapping_fixed(&mut self, spec: &MappingSpec, source: MappingSource, rows_total: Option<u64>) -> AppResult<()>;
    /// Called after each batch with the rows done; `false` stops the run at this boundary
    /// (cancelled, or the job's lease was lost).
    fn keep_going(&mut self, rows_done: u64) -> AppResult<bool>;
}

/// Maps a reader error to the shared error object: limits, the machine's own failures, or bad input.
pub fn read_error(err: ReadError) -> AppError {
    let code = if err.is_machine() {
        ErrorCode::Internal
    } else if err.is_limit() {
        ErrorCode::LimitExceeded
    } else {
        ErrorCode::InvalidRequest
    };
    AppError::new(code, err.to_string()).with_field("file")
}

/// The mapping a file would get with no choice made: the user's remembered mapping for these
/// headers, else auto-mapping at or above the threshold; with the suggestions.
pub fn proposed_mapping(
    store: &Store,
    actor: &Actor,
    schema: &Schema,
    object: &ObjectDef,
    headers: &[String],
    samples: &[Vec<String>],
) -> AppResult<(MappingSpec, MappingSource, Vec<Suggestion>)> {
    choose_mapping(store, actor, schema, object, &MappingChoice::Automatic, headers, samples)
}

/// Reads a run's mapping: given, named, remembered or suggested.
fn choose_mapping(
    store: &Store,
    actor: &Actor,
    schema: &Schema,
    object: &ObjectDef,
    choice: &MappingChoice,
    headers: &[String],
    samples: &[Vec<String>],
) -> AppResult<(MappingSpec, MappingSource, Vec<Suggestion>)> {
    let read = |json: &str, what: &str| {
        MappingSpec::from_json(json).map_err(|err| AppError::invalid(format!("{what}: {err}")).with_field("mapping"))
    };
    match choice {
        MappingChoice::Spec(spec) => Ok((spec.clone(), MappingSource::Given, Vec::new())),
        MappingChoice::Named(name) => {
            let saved = store.find_mapping(actor.org.id, name, actor.user.id)?;
            Ok((read(&saved.spec, &format!("saved mapping {name:?}"))?, MappingSource::Named, Vec::new()))
        }
        MappingChoice::Automatic => {
            let fingerprint = header_fingerprint(headers);
            if let Some(saved) = store.remembered_mapping(actor.org.id, object.id, &fingerprint, actor.user.id)? {
                return Ok((read(&saved.spec, "remembered mapping")?, MappingSource::Remembered, Vec::new()));
            }
            let suggestions = suggest::suggest(schema, object, headers, samples);
            let targets: Vec<Option<String>> = headers
                .iter()
                .enumerate()
                .map(|(i, _)| {
                    suggestions
                        .iter()
                        .find(|s| s.column == i && s.confidence >= AUTO_MAP_THRESHOLD)
                        .and_then(|s| s.target.clone())
                })
                .collect();
            let spec = map::spec_from_targets(&object.api_name, headers, &targets, ImportSettings::default());
            Ok((spec, MappingSource::Auto, suggestions))
        }
    }
}

pub(crate) fn apply_overrides(settings: &mut ImportSettings, overrides: &SettingsOverrides) {
    if let Some(strategy) = overrides.on_duplicate {
        settings.on_duplicate = strategy;
    }
    if let Some(match_on) = &overrides.match_on {
        settings.match_on = Some(match_on.clone());
    }
    if let Some(order) = overrides.date_order {
        settings.date_order = Some(order);
    }
    if let Some(empty) = overrides.empty_cells {
        settings.empty_cells = empty;
    }
    if let Some(create) = overrides.create_missing_references {
        settings.create_missing_references = create;
    }
}

/// Loads and compiles an object's custom validation rules.
pub fn compiled_rules(store: &Store, actor: &Actor, schema: &Schema, object: &ObjectDef) -> AppResult<Vec<CompiledRule>> {
    let mut compiled = Vec::new();
    for stored in store.validation_rules(actor.org.id, object.id)? {
        let def: RuleDef = serde_json::from_str(&stored.definition)
            .map_err(|err| AppError::new(ErrorCode::Internal, format!("stored rule {:?} is damaged: {err}", stored.name)))?;
        let rule = CompiledRule::compile(schema, object, &def).map_err(|err| {
            AppError::invalid(format!("validation rule {:?} no longer fits {}: {err}", stored.name, object.api_name))
        })?;
        compiled.push(rule);
    }
    Ok(compiled)
}

fn open_reader(request: &ImportRequest) -> AppResult<Reader> {
    read::open(&request.file, &request.display_name, &request.read_options).map_err(read_error)
}

/// The UTC offset of date-times written without a zone: the organization's time zone when it
/// is a fixed offset (`UTC`, `+02:00`), else UTC. Named zones need a zone database (not built in).
fn utc_offset_minutes(time_zone: &str) -> i32 {
    let tz = time_zone.trim();
    let rest = tz.strip_prefix("UTC").or_else(|| tz.strip_prefix("GMT")).unwrap_or(tz);
    if rest.is_empty() {
        return 0;
    }
    let (sign, digits) = match rest.as_bytes().first() {
        Some(b'+') => (1, &rest[1..]),
        Some(b'-') => (-1, &rest[1..]),
        _ => return 0,
    };
    let (hours, minutes) = digits.split_once(':').unwrap_or((digits, "0"));
    match (hours.parse::<i32>(), minutes.parse::<i32>()) {
        (Ok(h), Ok(m)) if h <= 14 && m < 60 => sign * (h * 60 + m),
        _ => 0,
    }
}

/// Runs (or dry-runs) an import.
pub fn run(
    store: &Store,
    actor: &Actor,
    request: &ImportRequest,
    now: i64,
    progress: &mut dyn FnMut(Progress),
) -> AppResult<ImportReport> {
    run_with(store, actor, request, now, progress, None)
}

/// Runs an import, as a durable job when `hooks` are given: row outcomes and the checkpoint are
/// committed with every batch, and a resumed run replays the rows committed before.
pub fn run_with(
    store: &Store,
    actor: &Actor,
    request: &ImportRequest,
    now: i64,
    progress: &mut dyn FnMut(Progress),
    hooks: Option<&mut dyn RunHooks>,
) -> AppResult<ImportReport> {
    // A dry run reads the file once when the first rows tell each date column's format and the
    // whole file agrees; otherwise it runs again the usual way (see `DateCheck`).
    let speculate = request.dry_run && hooks.is_none();
    match run_inner(store, actor, request, now, progress, hooks, speculate)? {
        Ran::Done(report) => Ok(*report),
        Ran::DatesDisagreed => run_inner(store, actor, request, now, progress, None, false).and_then(|ran| match ran {
            Ran::Done(report) => Ok(*report),
            Ran::DatesDisagreed => {
                Err(AppError::new(ErrorCode::Internal, "date formats were guessed in a run that reads them first"))
            }
        }),
    }
}

/// What one pass of [`run_inner`] came to.
enum Ran {
    /// The run's report.
    Done(Box<ImportReport>),
    /// A dry run that took its date formats from the first rows found that the whole file
    /// concludes otherwise: its results are void and it must run again with the prescan.
    DatesDisagreed,
}

fn run_inner(
    store: &Store,
    actor: &Actor,
    request: &ImportRequest,
    now: i64,
    progress: &mut dyn FnMut(Progress),
    mut hooks: Option<&mut dyn RunHooks>,
    speculate: bool,
) -> AppResult<Ran> {
    let started = Instant::now();
    let schema = store.schema(actor.org.id)?;
    let object_name = canonical_object_name(&request.object);
    let object = schema
        .object(&object_name)
        .ok_or_else(|| AppError::new(ErrorCode::UnknownObject, format!("unknown object {:?}", request.object)))?
        .clone();
    actor.require(&object.api_name, Action::Import)?;

    let mut reader = open_reader(request)?;
    let detected = reader.detected().clone();
    let headers = detected.column_names();
    let errors_column = headers.iter().position(|h| h == ERRORS_COLUMN);
    let mut buffered: Vec<SourceRow> = Vec::new();
    while buffered.len() < SAMPLE_ROWS {
        match reader.next_row() {
            Some(row) => buffered.push(row.map_err(read_error)?),
            None => break,
        }
    }
    let samples: Vec<Vec<String>> = buffered.iter().map(|r| r.cells.to_vec()).collect();
    let (mut spec, mapping_source, suggestions) =
        choose_mapping(store, actor, &schema, &object, &request.mapping, &headers, &samples)?;
    apply_overrides(&mut spec.settings, &request.overrides);
    let mapping_error = |err: map::MapError| AppError::invalid(err.to_string()).with_field("mapping");
    let mut mapping = map::resolve(&schema, &object, &headers, &samples, &spec, &request.limits).map_err(mapping_error)?;
    let created_fields: Vec<String> = mapping.new_fields.iter().map(|f| f.api_name.clone()).collect();

    // The whole file is read once before anything is written (fields included): a file that
    // breaks off or holds too many rows is refused with nothing committed, and each date column's
    // format is fixed from all its values, never guessed when ambiguous.
    // A dry run stops that pass as soon as the rows so far predict each date column's format:
    // every row's dates are observed as the run reads them, and the conclusions checked at the end.
    let Prescan { ambiguous: ambiguous_dates, rows_total, date_check } =
        prescan(request, &mut mapping, &actor.org.settings.locale, speculate)?;
    if let Some(hooks) = hooks.as_mut() {
        hooks.before_writes()?;
    }

    // Fields created on the fly exist before the first row is written.
    let mut schema = schema;
    if ambiguous_dates.is_empty() && !mapping.new_fields.is_empty() && !request.dry_run {
        actor.require_admin().map_err(|_| {
            AppError::forbidden(format!(
                "only admins may create fields ({}); ask an admin or map to existing fields",
                created_fields.join(", ")
            ))
        })?;
        for field in &mapping.new_fields {
            store.add_field(actor.org.id, &object.api_name, field, now)?;
        }
        schema = store.schema(actor.org.id)?;
        let object = schema.object(&object.api_name).cloned().unwrap_or(object.clone());
        let inferred: Vec<_> = mapping.columns.iter().map(|c| c.date_format.clone()).collect();
        mapping = map::resolve(&schema, &object, &headers, &samples, &spec, &request.limits).map_err(mapping_error)?;
        // The same spec resolves to the same columns in the same order.
        for (column, format) in mapping.columns.iter_mut().zip(inferred) {
            column.date_format = column.date_format.take().or(format);
        }
    }
    let object = mapping.object.clone();

    let mut report = ImportReport {
        import_id: None,
        status: ImportStatus::Failed,
        object: object.api_name.clone(),
        rows: 0,
        summary: Summary::default(),
        estimated_ms: 0,
        error_report: None,
        failed_rows: None,
        duration_ms: 0,
        mapping: spec.clone(),
        mapping_source,
        suggestions,
        ambiguous_dates,
        created_fields,
        created_references: BTreeMap::new(),
        value_maps: Vec::new(),
    };
    if !report.ambiguous_dates.is_empty() {
        report.duration_ms = started.elapsed().as_millis() as u64;
        return Ok(Ran::Done(Box::new(report)));
    }

    let rules = compiled_rules(store, actor, &schema, &object)?;
    let validator = Validator::new(&object, rules).map_err(|err| AppError::invalid(err.to_string()))?;
    let import = hooks.as_ref().map(|h| h.import_id());
    let resume_from = hooks.as_ref().map_or(0, |h| h.resume_from());
    if let Some(hooks) = hooks.as_mut() {
        // The spec as it runs, overrides applied; a resumed run infers the same date formats
        // from the same file (its SHA-256 is checked).
        hooks.mapping_fixed(&spec, mapping_source, rows_total)?;
    }
    let operation = match import {
        Some(id) => Some(id),
        None if request.dry_run => None,
        None => Some(store.begin_operation(actor.org.id, OperationKind::Import, actor.user.id, now)?.id),
    };
    report.import_id = operation;
    let failed_format = match detected.format {
        Format::Xlsx | Format::Xls | Format::Ods | Format::Xlsb => TableFormat::Xlsx,
        _ => TableFormat::Csv,
    };
    let failed_rows = request.failed_rows.as_ref().map(|p| (p.as_path(), failed_format));
    let mut files =
        ReportFiles::create(request.error_report.as_deref(), failed_rows, &headers, detected.selected_sheets.len() > 1)?;

    let users: HashMap<String, UserId> = store
        .list_users(actor.org.id)?
        .into_iter()
        .flat_map(|u| [(u.email.to_lowercase(), u.id), (u.id.0.to_string(), u.id)])
        .collect();
    let mut driver = Driver {
        store,
        actor,
        schema: &schema,
        mapping: &mapping,
        validator: &validator,
        context: RowContext {
            default_country: actor.org.settings.default_phone_country.clone(),
            default_currency: actor.org.settings.default_currency.clone(),
            utc_offset_minutes: utc_offset_minutes(&actor.org.settings.time_zone),
        },
        write: WriteContext {
            org_id: actor.org.id,
            actor: actor.user.id,
            operation,
            now,
            default_country: actor.org.settings.default_phone_country.clone(),
        },
        dry_run: request.dry_run,
        users,
        in_file: InFileKeys::new(),
        created_refs: created_refs::CreatedRefs::default(),
        unlanded_refs: Vec::new(),
        next_placeholder: 0,
        in_flight_below: 0,
        placeholder_ids: Arc::default(),
        created_references: BTreeMap::new(),
        summary: Summary::default(),
        files: &mut files,
        errors_column,
        match_field_keys: match_field_keys(&schema, &object, mapping.match_on.as_ref()),
        unmatched_options: BTreeMap::new(),
        pending: CommitBatch::default(),
        commit_rows: request.commit_rows.max(1),
        import,
        seq: 0,
        committer: None,
        key_snapshots: FastMap::default(),
        expected_rows: rows_total.or_else(|| estimated_rows(&request.file)),
    };
    let batch_rows = if request.batch_rows == 0 { default_batch_rows(store) } else { request.batch_rows };
    // A batch's writes go to one connection while the next batch is looked up on another
    // (SQLite's write-ahead log lets its readers run beside its one writer). An import
    // whose rows refer to records of its own object (accounts naming their parent account)
    // commits in line: a row may name a record of the batch before, which must be visible.
    let refers_to_itself = mapping.outputs().any(
        |output| matches!(&output.sink, salesos_import::map::Sink::Reference { object: target, .. } if *target == object.api_name),
    );
    let background = !request.dry_run && !refers_to_itself;
    let date_observer = date_check.as_ref().map(DateCheck::observer);
    let (cancelled, observed) = std::thread::scope(|scope| -> AppResult<(bool, Option<DateObserver>)> {
        if background {
            driver.committer = Some(committer::Committer::spawn(
                scope,
                store,
                driver.write.clone(),
                object.clone(),
                driver.placeholder_ids.clone(),
            ));
        }
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_batches(&mut driver, reader, buffered, batch_rows, resume_from, rows_total, progress, &mut hooks, date_observer)
        }));
        // Dropping the committer ends its thread (after the batch in flight, if any), also after
        // a panic: the scope waits for the thread before the panic goes on.
        driver.committer = None;
        result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })?;
    if let (Some(check), Some(observed)) = (&date_check, observed) {
        if !check.agrees(&mapping, &observed) {
            return Ok(Ran::DatesDisagreed);
        }
    }
    let summary = std::mem::take(&mut driver.summary);
    let created_references = std::mem::take(&mut driver.created_references);
    let unmatched = std::mem::take(&mut driver.unmatched_options);
    drop(driver);
    let (error_report, failed_rows) = files.finish()?;
    report.rows = summary.counts.total();
    report.estimated_ms = preview::estimate_ms(report.rows, ESTIMATE_ROWS_PER_SECOND);
    report.status = if request.dry_run {
        ImportStatus::DryRun
    } else if cancelled {
        ImportStatus::Cancelled
    } else if summary.counts.failed > 0 {
        ImportStatus::CompletedWithErrors
    } else {
        ImportStatus::Completed
    };
    report.summary = summary;
    report.error_report = error_report;
    report.failed_rows = failed_rows;
    report.created_references = created_references;
    report.value_maps = value_map_suggestions(&object, unmatched);
    report.duration_ms = started.elapsed().as_millis() as u64;

    if let Some(operation) = operation {
        finish_run(
            store,
            actor,
            &request.display_name,
            operation,
            &report,
            &headers,
            request.save_mapping_as.as_deref(),
            import.is_none(),
            now,
        )?;
    }
    Ok(Ran::Done(Box::new(report)))
}

/// Scanned keys a snapshot may cost per expected row: a probe costs about ten times a scanned key.
const SNAPSHOT_KEYS_PER_ROW: u64 = 8;

/// The most keys a snapshot holds (10 MB of filter).
const SNAPSHOT_MAX_KEYS: u64 = 8_000_000;

/// The most keys a snapshot for `rows` expected rows may read.
fn snapshot_budget(rows: u64) -> u64 {
    rows.saturating_mul(SNAPSHOT_KEYS_PER_ROW).min(SNAPSHOT_MAX_KEYS)
}

/// A guess at a file's data rows when no pass counted them (100 bytes a row).
fn estimated_rows(file: &std::path::Path) -> Option<u64> {
    std::fs::metadata(file).ok().map(|meta| meta.len() / 100)
}

/// Reads the source in batches and hands each to the driver; returns whether the run was
/// cancelled. The rows still pending at the end are committed.
#[allow(clippy::too_many_arguments)]
fn run_batches(
    driver: &mut Driver<'_>,
    reader: Reader,
    buffered: Vec<SourceRow>,
    batch_rows: usize,
    resume_from: u64,
    rows_total: Option<u64>,
    progress: &mut dyn FnMut(Progress),
    hooks: &mut Option<&mut dyn RunHooks>,
    dates: Option<DateObserver>,
) -> AppResult<(bool, Option<DateObserver>)> {
    let mut source =
        BatchSource { reader, buffered: buffered.into_iter(), spare: Vec::with_capacity(batch_rows), at_end: false, dates };
    // Rows an earlier attempt committed are replayed in batches of their own.
    let size_at = |seq: u64| if seq < resume_from { (resume_from - seq).min(batch_rows as u64) as usize } else { batch_rows };
    let mut batch: Vec<SourceRow> = Vec::with_capacity(batch_rows);
    let mut next: Vec<SourceRow> = Vec::with_capacity(batch_rows);
    let mut issues = source.fill(&mut batch, size_at(driver.seq))?;
    let mut cancelled = false;
    while !batch.is_empty() {
        let replaying = driver.seq < resume_from;
        let next_size = size_at(driver.seq + batch.len() as u64);
        let mut ahead = None;
        if replaying {
            driver.replay_batch(&batch)?;
            ahead = Some(source.fill(&mut next, next_size));
        } else {
            driver.process_batch(&batch, &issues, || ahead = Some(source.fill(&mut next, next_size)))?;
        }
        // The batch's rows are read into again: their cells' buffers are reused.
        source.spare.append(&mut batch);
        progress(Progress { rows: driver.summary.counts.total(), failed: driver.summary.counts.failed, total: rows_total });
        if !replaying {
            if let Some(hooks) = hooks.as_mut() {
                if !hooks.keep_going(driver.seq)? {
                    cancelled = true;
                    break;
                }
            }
        }
        // `beside` runs the read before returning, so the next batch is always there.
        issues = ahead.ok_or_else(|| AppError::new(ErrorCode::Internal, "the next batch of rows was not read"))??;
        std::mem::swap(&mut batch, &mut next);
    }
    driver.flush()?;
    Ok((cancelled, source.dates))
}

/// The rows of a run, handed out a batch at a time: those read while the file was opened, then
/// the reader's, read into the spare rows of earlier batches.
struct BatchSource {
    reader: Reader,
    buffered: std::vec::IntoIter<SourceRow>,
    /// Rows of processed batches, read into again.
    spare: Vec<SourceRow>,
    at_end: bool,
    /// Every row's date cells, observed as they are handed out (a dry run's `DateCheck`).
    dates: Option<DateObserver>,
}

impl BatchSource {
    /// Reads up to `size` rows into `into` (empty); returns the reader's issues since the last
    /// batch (the header's come with the first).
    fn fill(&mut self, into: &mut Vec<SourceRow>, size: usize) -> AppResult<Vec<read::ReadIssue>> {
        while into.len() < size {
            if let Some(row) = self.buffered.next() {
                if let Some(dates) = &mut self.dates {
                    dates.observe(&row);
                }
                into.push(row);
                continue;
            }
            if self.at_end {
                break;
            }
            let mut row = self.spare.pop().unwrap_or_default();
            if self.reader.read_row(&mut row).map_err(read_error)? {
                if let Some(dates) = &mut self.dates {
                    dates.observe(&row);
                }
                into.push(row);
            } else {
                self.at_end = true;
                self.spare.push(row);
            }
        }
        Ok(self.reader.take_issues())
    }
}

/// A source row's cells as the transform reads them.
struct SourceCells<'r>(&'r read::Cells);

impl transform::RowCells for SourceCells<'_> {
    fn cell(&self, index: usize) -> Option<&str> {
        self.0.get(index)
    }
}

/// Suggests value maps for the picklist texts that matched no option.
fn value_map_suggestions(
    object: &ObjectDef,
    unmatched: BTreeMap<(String, String), std::collections::BTreeSet<String>>,
) -> Vec<ValueMapSuggestion> {
    let mut out = Vec::new();
    for ((column, field), texts) in unmatched {
        let Some(def) = object.field(&field) else { continue };
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        for (from, to, confidence) in transform::suggest_value_map(def, &texts) {
            out.push(ValueMapSuggestion { column: column.clone(), field: field.clone(), from, to, confidence });
        }
    }
    out
}

/// The summary of a run kept with its operation and in the import log.
pub fn run_summary(file: &str, report: &ImportReport) -> serde_json::Value {
    let counts = &report.summary.counts;
    serde_json::json!({
        "file": file,
        "object": report.object,
        "rows": report.rows,
        "counts": counts_json(counts),
        "status": report.status.as_str(),
        "duration_ms": report.duration_ms,
        "on_duplicate": report.mapping.settings.on_duplicate.as_str(),
        "mapping_source": report.mapping_source.as_str(),
        "mapping": serde_json::from_str::<serde_json::Value>(&report.mapping.to_json()).unwrap_or_default(),
        "created_fields": report.created_fields,
        "created_references": report.created_references,
        "error_report": report.error_report,
        "failed_rows": report.failed_rows,
        "preview": {
            "ready": report.summary.ready,
            "warnings": report.summary.warnings,
            "errors": report.summary.errors,
            "duplicates": report.summary.duplicates,
        },
    })
}

/// The six counts as a JSON object.
pub fn counts_json(counts: &salesos_import::preview::Counts) -> serde_json::Value {
    serde_json::json!(Outcome::ALL.iter().map(|o| (o.as_str(), counts.get(*o))).collect::<BTreeMap<_, _>>())
}

/// Records the end of a run: the operation's summary, the audit entry, the remembered mapping.
#[allow(clippy::too_many_arguments)]
fn finish_run(
    store: &Store,
    actor: &Actor,
    file: &str,
    operation: OperationId,
    report: &ImportReport,
    headers: &[String],
    save_as: Option<&str>,
    finish_operation: bool,
    now: i64,
) -> AppResult<()> {
    let counts = &report.summary.counts;
    let summary = run_summary(file, report);
    if finish_operation {
        store.finish_operation(operation, &summary.to_string(), now)?;
    }
    store.append_audit(&AuditEntry {
        at: now,
        org_id: actor.org.id,
        actor: Some(actor.user.id),
        action: "records.import".into(),
        object: Some(report.object.clone()),
        count: (counts.created + counts.updated) as i64,
        outcome: if counts.failed > 0 { AuditOutcome::Partial } else { AuditOutcome::Success },
        detail: summary.to_string(),
    })?;
    let schema = store.schema(actor.org.id)?;
    if let Some(object) = schema.object(&report.object) {
        let fingerprint = header_fingerprint(headers);
        let spec = report.mapping.to_json();
        store.save_mapping(actor.org.id, object.id, None, &fingerprint, &spec, actor.user.id, false, now)?;
        if let Some(name) = save_as {
            store.save_mapping(actor.org.id, object.id, Some(name), &fingerprint, &spec, actor.user.id, true, now)?;
        }
    }
    Ok(())
}

/// Object ids by api name, remembered per batch (references name their object per row).
#[derive(Default)]
struct ObjectIds(Vec<(String, Option<ObjectId>)>);

impl ObjectIds {
    fn get(&mut self, schema: &Schema, name: &str) -> Option<ObjectId> {
        if let Some((_, id)) = self.0.iter().find(|(n, _)| n == name) {
            return *id;
        }
        let id = schema.object(name).map(|o| o.id);
        self.0.push((name.to_string(), id));
        id
    }
}

/// The problem of a row whose matched record changed or vanished while the import ran.
fn concurrent_change_issue() -> RowIssue {
    let mut issue = RowIssue::error(None, None, IssueKind::Rejected, "the record as matched", "");
    issue.message = "the matched record was changed or deleted by someone else during the import".into();
    issue
}

/// Storage keys of the fields of a field match.
fn match_field_keys(schema: &Schema, object: &ObjectDef, match_on: Option<&MatchOn>) -> Vec<String> {
    match match_on {
        Some(MatchOn::Fields(paths)) => paths
            .iter()
            .filter_map(|p| match salesos_model::path::resolve(schema, object, p).ok()?.target {
                salesos_model::path::PathTarget::Field { key } => Some(key),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A dry run's date formats taken from the file's first rows instead of a pass over all of it.
///
/// Only when every date column's first rows predict its conclusion (written one way, or with a
/// clear favourite: [`DateColumnStats::predicts_conclusion`]): the run then observes every
/// row's date cells as it reads them ([`DateObserver`]), and at the end the whole file must
/// conclude to the same formats, which makes the run's results exactly those of a run that
/// read the file first; if it does not, the run is void and runs again the usual way.
struct DateCheck {
    /// (mapping column, cell index) of each date column.
    columns: Vec<(usize, usize)>,
}

impl DateCheck {
    /// Sets each date column's format from the statistics of the rows read so far, or returns
    /// `None` (nothing changed) unless each of them predicts its conclusion.
    fn from_first_rows(mapping: &mut ResolvedMapping, wanted: &[usize], observed: &DateObserver) -> Option<DateCheck> {
        let mut formats = Vec::with_capacity(wanted.len());
        for (column, stats) in wanted.iter().zip(&observed.stats) {
            match stats.conclude(mapping.columns[*column].date_order) {
                DateInference::Known { format } if stats.predicts_conclusion() => formats.push(format),
                _ => return None,
            }
        }
        for (column, format) in wanted.iter().zip(formats) {
            mapping.columns[*column].date_format = Some(format);
        }
        Some(DateCheck { columns: wanted.iter().zip(&observed.cells).map(|(column, cell)| (*column, *cell)).collect() })
    }

    fn observer(&self) -> DateObserver {
        DateObserver::new(self.columns.iter().map(|(_, cell)| *cell).collect())
    }

    /// Whether every column's whole-file conclusion is the format the run used.
    fn agrees(&self, mapping: &ResolvedMapping, observed: &DateObserver) -> bool {
        self.columns.iter().zip(&observed.stats).all(|((column, _), stats)| {
            let column = &mapping.columns[*column];
            matches!(stats.conclude(column.date_order), DateInference::Known { format } if Some(&format) == column.date_format.as_ref())
        })
    }
}

/// Date statistics of every row, gathered as the rows are read.
struct DateObserver {
    cells: Vec<usize>,
    stats: Vec<DateColumnStats>,
}

impl DateObserver {
    /// Empty statistics for these cells (column positions in the source rows).
    fn new(cells: Vec<usize>) -> DateObserver {
        let stats = cells.iter().map(|_| DateColumnStats::new()).collect();
        DateObserver { cells, stats }
    }

    fn observe(&mut self, row: &SourceRow) {
        for (cell, stats) in self.cells.iter().zip(&mut self.stats) {
            if let Some(text) = row.cells.get(*cell) {
                stats.observe(text);
            }
        }
    }
}

/// The mapping's columns whose date format is inferred from the data.
fn date_columns(mapping: &ResolvedMapping) -> Vec<usize> {
    (0..mapping.columns.len())
        .filter(|i| mapping.columns[*i].needs_date_inference() && mapping.columns[*i].split.is_none())
        .collect()
}

/// What the pass before a run found.
struct Prescan {
    /// Date columns that are ambiguous (the run refuses).
    ambiguous: Vec<AmbiguousDates>,
    /// The file's data rows, when the pass read them all.
    rows_total: Option<u64>,
    /// The date formats a dry run took from the first rows, to be checked at its end.
    date_check: Option<DateCheck>,
}

/// Reads every row of the file once, before a run writes anything, and fixes each date column's
/// format from all its values. A dry run without date columns skips it: it reads the file anyway
/// and writes nothing. A dry run that may `speculate` stops as soon as the rows so far predict
/// every date column's format ([`DateCheck`]).
fn prescan(request: &ImportRequest, mapping: &mut ResolvedMapping, locale: &str, speculate: bool) -> AppResult<Prescan> {
    let wanted = date_columns(mapping);
    if wanted.is_empty() && request.dry_run {
        return Ok(Prescan { ambiguous: Vec::new(), rows_total: None, date_check: None });
    }
    let cells: Vec<usize> = wanted.iter().map(|i| mapping.columns[*i].index).collect();
    let mut reader = open_reader(request)?;
    reader.scan_only(&cells);
    // A large CSV file's second half is read on the helper meanwhile (the first half stops
    // where it begins, if that is a record start; else the first reads everything).
    let second = reader.split_scan(&request.file);
    let mut first_half = || {
        let scanned = scan_rows(&mut reader, &cells, |rows, observer| {
            if speculate && rows.is_multiple_of(DATE_CHECK_EVERY) {
                DateCheck::from_first_rows(mapping, &wanted, observer)
            } else {
                None
            }
        });
        // The second half's rows are needed only after all of the first half's.
        if !(matches!(scanned, Ok(Scanned::All(..))) && reader.reached_split()) {
            reader.cancel_split();
        }
        scanned
    };
    let (first, second) = match second {
        Some(mut second) => {
            let (first, second) = workers::join(first_half, || scan_rows(&mut second, &cells, |_, _| None));
            (first, Some(second))
        }
        None => (first_half(), None),
    };
    let (mut rows, mut observer) = match first? {
        Scanned::Predicted(check) => return Ok(Prescan { ambiguous: Vec::new(), rows_total: None, date_check: Some(check) }),
        Scanned::All(rows, observer) => (rows, observer),
    };
    if reader.reached_split() {
        match second {
            Some(Ok(Scanned::All(more, later))) => {
                rows += more;
                for (stats, more) in observer.stats.iter_mut().zip(&later.stats) {
                    stats.merge(more);
                }
            }
            // The second half failed: read it all again here, where errors name their rows.
            _ => {
                let mut again = open_reader(request)?;
                again.scan_only(&cells);
                match scan_rows(&mut again, &cells, |_, _| None)? {
                    Scanned::All(all, whole) => (rows, observer) = (all, whole),
                    Scanned::Predicted(_) => {
                        return Err(AppError::new(ErrorCode::Internal, "a scan without predictions stopped"))
                    }
                }
            }
        }
        let max = request.read_options.limits.max_rows;
        if rows > max {
            return Err(read_error(ReadError::TooManyRows { file: request.display_name.clone(), max }));
        }
    }
    let mut ambiguous = Vec::new();
    for (index, stats) in wanted.into_iter().zip(&observer.stats) {
        let column = &mut mapping.columns[index];
        match stats.conclude(column.date_order) {
            DateInference::Known { format } => column.date_format = Some(format),
            DateInference::Ambiguous { day_first, month_first, examples } => ambiguous.push(AmbiguousDates {
                column: column.header.clone(),
                examples,
                day_first: day_first.pattern,
                month_first: month_first.pattern,
                suggested: DateOrder::for_locale(locale),
            }),
            DateInference::Empty | DateInference::Unknown { .. } => {}
        }
    }
    Ok(Prescan { ambiguous, rows_total: Some(rows), date_check: None })
}

/// What a scan of rows came to.
enum Scanned {
    /// Every row was read: how many, and their date cells' statistics.
    All(u64, DateObserver),
    /// The rows so far predicted every date column's format.
    Predicted(DateCheck),
}

/// Reads the rows of a scan, observing the date cells, until the end or until `predict` returns
/// a check (given the rows so far).
fn scan_rows(
    reader: &mut Reader,
    cells: &[usize],
    mut predict: impl FnMut(u64, &DateObserver) -> Option<DateCheck>,
) -> AppResult<Scanned> {
    let mut observer = DateObserver::new(cells.to_vec());
    let mut row = SourceRow::default();
    let mut rows: u64 = 0;
    while reader.read_row(&mut row).map_err(read_error)? {
        rows += 1;
        observer.observe(&row);
        if let Some(check) = predict(rows, &observer) {
            return Ok(Scanned::Predicted(check));
        }
    }
    Ok(Scanned::All(rows, observer))
}

/// The state of one run across batches.
struct Driver<'a> {
    store: &'a Store,
    actor: &'a Actor,
    schema: &'a Schema,
    mapping: &'a ResolvedMapping,
    validator: &'a Validator,
    context: RowContext,
    write: WriteContext,
    dry_run: bool,
    users: HashMap<String, UserId>,
    in_file: InFileKeys,
    /// Records created for missing references and not yet found by lookups: (object, key hash)
    /// → placeholder ([`RecordId::placeholder`]). An entry stays until the commit creating its
    /// record has landed (a dry run keeps them all).
    created_refs: created_refs::CreatedRefs,
    /// The keys of `created_refs` that still map to placeholders, oldest first: what a landed
    /// commit settles, without a pass over every record the run created.
    unlanded_refs: Vec<(ObjectId, i64)>,
    /// Placeholders handed out so far.
    next_placeholder: u64,
    /// Placeholders below this belong to the commit in flight or to earlier ones.
    in_flight_below: u64,
    /// Ids the commits created for placeholders, shared with the committing thread.
    placeholder_ids: Arc<Mutex<PlaceholderIds>>,
    created_references: BTreeMap<String, u64>,
    summary: Summary,
    files: &'a mut ReportFiles,
    errors_column: Option<usize>,
    match_field_keys: Vec<String>,
    unmatched_options: BTreeMap<(String, String), std::collections::BTreeSet<String>>,
    pending: CommitBatch,
    commit_rows: usize,
    /// The import whose row outcomes and checkpoint are committed with each batch (a job).
    import: Option<OperationId>,
    /// Input rows handled so far (the next row's 0-based position).
    seq: u64,
    /// Commits batches of new records beside the next batch's work (PostgreSQL only).
    committer: Option<committer::Committer>,
    /// Per object looked up (the imported one, referenced ones), its match keys as they were at
    /// the first lookup, when reading them once costs less than probing for every row
    /// ([`Driver::key_snapshot`]); `None` once anything else writes keys of it, or when too many.
    key_snapshots: FastMap<ObjectId, Option<KeySnapshot>>,
    /// The rows the run expects, which bound what a snapshot may cost.
    expected_rows: Option<u64>,
}

/// A reference's lookup key: the referenced object and its key hash.
type RefKey = (ObjectId, i64);

/// When a batch's rows are checked as new records ([`Driver::check_stage`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CheckStage {
    /// With the transforms, on both threads.
    WithTransforms,
    /// Once references are resolved, on both threads, before the helper reads ahead.
    AfterReferences,
    /// Once the candidates are found (their keys come from fields the check may fill in).
    AfterCandidates,
}

/// A row as the transforms leave it.
struct Prepared {
    row: TransformedRow,
    /// The row's match keys, when they do not depend on references.
    keys: Option<RowKeys>,
    /// The row's image checked as a new record, when done with the transforms.
    checked: Option<Vec<RowIssue>>,
}

/// A row between stages.
struct Staged {
    row: TransformedRow,
    /// The row's match keys: computed with the transform when they do not depend on references,
    /// else by `find_candidates`; `None` when the row is not matched (no match, or errors).
    keys: Option<RowKeys>,
    owner: Option<UserId>,
    /// The row's image checked as a new record (`plan::check_as_new`), when done ahead.
    checked: Option<Vec<RowIssue>>,
}

impl<'a> Driver<'a> {
    /// Transforms, plans and commits a batch; `read_ahead` (reading the next batch) runs on the
    /// helper thread beside the sequential rest of the work here, once the transforms, the
    /// references and (when nothing later changes the rows) the checks as new records are done,
    /// since those split over both threads (the helper idles while references are looked up in
    /// the store; it takes half of the probes of the run's own created records).
    fn process_batch(
        &mut self,
        batch: &[SourceRow],
        read_issues: &[read::ReadIssue],
        read_ahead: impl FnOnce() + Send,
    ) -> AppResult<()> {
        let transformed = self.transform_all(batch, self.check_stage() == CheckStage::WithTransforms);
        let staged = self.stage_batch(batch, read_issues, transformed)?;
        let planned = workers::beside(read_ahead, || self.plan_batch(batch, staged))?;
        // Each half freed by the thread that built it (mimalloc's fast local path), now that the
        // helper is done reading.
        workers::drop_halves(planned);
        Ok(())
    }

    /// The rows' read errors and owners, their references resolved, and (when nothing later can
    /// change them) their images checked as new records on both threads: the work before the
    /// helper goes on to read the next batch.
    fn stage_batch(
        &mut self,
        batch: &[SourceRow],
        read_issues: &[read::ReadIssue],
        transformed: Vec<Prepared>,
    ) -> AppResult<Vec<Staged>> {
        let mut staged: Vec<Staged> = Vec::with_capacity(batch.len());
        // The reader's errors, by (sheet, row), so each row finds its own at once.
        let mut damaged: HashMap<(Option<&str>, u64), Vec<&read::ReadIssue>> = HashMap::new();
        for issue in read_issues.iter().filter(|i| i.severity == read::Severity::Error) {
            if let Some(row) = issue.row {
                damaged.entry((issue.sheet.as_deref(), row)).or_default().push(issue);
            }
        }
        for (source, Prepared { mut row, keys, checked }) in batch.iter().zip(transformed) {
            let own = damaged.get(&(source.pos.sheet.as_deref(), source.pos.row));
            for issue in own.into_iter().flatten() {
                let mut row_issue =
                    RowIssue::error(issue.column_name.as_deref(), None, IssueKind::MalformedRow, &issue.expected, &issue.found);
                row_issue.message = issue.message.clone();
                row.issues.push(row_issue);
            }
            let owner = match &row.owner {
                Some(who) => match self.users.get(&who.trim().to_lowercase()) {
                    Some(id) => Some(*id),
                    None => {
                        let column = self.column_of_owner();
                        let mut issue = RowIssue::error(
                            column.as_deref(),
                            Some("owner"),
                            IssueKind::ReferenceNotFound,
                            "a user's email or id",
                            who,
                        );
                        issue.message = format!("owner {who:?} is not a user of this organization");
                        row.issues.push(issue.downgraded("the record is owned by the importing user"));
                        None
                    }
                },
                None => None,
            };
            staged.push(Staged { row, keys, owner, checked });
        }
        self.resolve_references(&mut staged)?;
        if self.check_stage() == CheckStage::AfterReferences {
            self.check_as_new(&mut staged);
        }
        Ok(staged)
    }

    /// Checks rows as new records, in the halves they were built in: pure work per row, off the
    /// sequential plan loop.
    fn check_as_new(&self, staged: &mut [Staged]) {
        let plan_context = self.plan_context();
        workers::for_each_halves(staged, |stage| stage.checked = plan::check_as_new(&plan_context, &mut stage.row));
    }

    /// Everything after the references: duplicates, the plan, the commit and the run's summary
    /// and reports; returns the planned rows, to be freed.
    fn plan_batch(&mut self, batch: &[SourceRow], mut staged: Vec<Staged>) -> AppResult<Vec<PlannedRow>> {
        let object = &self.mapping.object;
        let candidates = self.find_candidates(&mut staged)?;
        if self.check_stage() == CheckStage::AfterCandidates {
            self.check_as_new(&mut staged);
        }
        let plan_context = self.plan_context();
        let mut planned: Vec<PlannedRow> = Vec::with_capacity(batch.len());
        let no_keys = RowKeys::default();
        for (stage, source) in staged.into_iter().zip(batch) {
            let keys = stage.keys.as_ref().unwrap_or(&no_keys);
            let decision = if stage.row.has_errors() {
                Decision::New
            } else {
                dedupe::decide(object, keys, &candidates, &self.in_file, &self.context.default_country)
            };
            let existing = match &decision {
                Decision::Match { id, .. } => candidates.record(*id),
                _ => None,
            };
            let mut row_plan = plan::plan_checked_row(&plan_context, stage.row, stage.owner, &decision, existing, stage.checked);
            if let (Some(record), RecordChange::Update { .. }) = (existing, &row_plan.change) {
                if !self.actor.principal.sees_owner(record.owner_id) {
                    let mut issue = RowIssue::error(None, None, IssueKind::Rejected, "a record you may edit", "");
                    issue.message = format!("matches record {}, which you may not edit", record.id.0);
                    row_plan.issues.push(issue);
                    row_plan.change = RecordChange::Fail;
                }
            }
            if matches!(row_plan.change, RecordChange::Create(_) | RecordChange::Update { .. } | RecordChange::Unchanged { .. }) {
                self.in_file.insert(keys, source.pos.row);
            }
            planned.push(row_plan);
        }
        self.commit(batch, &mut planned)?;
        for (source, row_plan) in batch.iter().zip(&planned) {
            let row_number = source.pos.row;
            self.summary.add(row_number, row_plan);
            for issue in row_plan.issues.iter().filter(|i| i.kind == IssueKind::NotInPicklist) {
                if let (Some(column), Some(field)) = (&issue.column, &issue.field) {
                    let texts = self.unmatched_options.entry((column.clone(), field.clone())).or_default();
                    if texts.len() < VALUE_MAP_TEXTS {
                        texts.insert(issue.found.clone());
                    }
                }
            }
            if row_plan.change == RecordChange::Fail {
                self.files.add_failed(
                    source.pos.sheet.as_deref(),
                    row_number,
                    &source.cells,
                    self.errors_column,
                    &row_plan.issues,
                )?;
            }
        }
        self.seq += batch.len() as u64;
        Ok(planned)
    }

    /// Replays rows an earlier attempt of this import committed: their stored outcomes count
    /// again, their keys join the in-file duplicate set, and their failures go to the reports.
    /// Nothing is written.
    fn replay_batch(&mut self, batch: &[SourceRow]) -> AppResult<()> {
        let Some(import) = self.import else { return Ok(()) };
        let stored = self.store.import_rows(import, self.seq as i64, batch.len() as i64)?;
        let mut stored = stored.into_iter().peekable();
        let transformed = self.transform_all(batch, false);
        let object = &self.mapping.object;
        for (offset, (source, Prepared { row, keys: prepared_keys, .. })) in batch.iter().zip(transformed).enumerate() {
            let seq = (self.seq + offset as u64) as i64;
            while stored.peek().is_some_and(|o| o.seq < seq) {
                stored.next();
            }
            let outcome = match stored.peek() {
                Some(o) if o.seq == seq => stored.next(),
                _ => None,
            };
            let Some(outcome) = outcome else {
                return Err(AppError::new(
                    ErrorCode::Internal,
                    format!("import {}: row {} was committed but its outcome is missing", import.0, source.pos.row),
                ));
            };
            let messages = outcome.messages.as_deref().map(RowMessages::from_json).unwrap_or_default();
            let record = outcome.record_id.unwrap_or(RecordId(0));
            let change = match outcome.outcome.as_str() {
                "created" => RecordChange::Create(NewRecord {
                    owner_id: self.actor.user.id,
                    fields: Fields::new(),
                    external_ids: Vec::new(),
                }),
                "updated" => RecordChange::Update { id: record, patch: Default::default() },
                "unchanged" => RecordChange::Unchanged { id: record },
                "failed" => RecordChange::Fail,
                _ => RecordChange::Skip { reason: messages.skipped.clone().unwrap_or_default(), duplicate_of: outcome.record_id },
            };
            if matches!(change, RecordChange::Create(_) | RecordChange::Update { .. } | RecordChange::Unchanged { .. }) {
                if let Some(match_on) = &self.mapping.match_on {
                    let keys = prepared_keys.unwrap_or_else(|| {
                        dedupe::row_keys(match_on, object, &row, &self.match_field_keys, &self.context.default_country)
                    });
                    self.in_file.insert(&keys, source.pos.row);
                }
            }
            let planned = PlannedRow { change, issues: messages.issues, duplicate: messages.duplicate };
            self.summary.add(source.pos.row, &planned);
            if planned.change == RecordChange::Fail {
                self.files.add_failed(
                    source.pos.sheet.as_deref(),
                    source.pos.row,
                    &source.cells,
                    self.errors_column,
                    &planned.issues,
                )?;
            }
        }
        self.seq += batch.len() as u64;
        Ok(())
    }

    /// Transforms and checks the rows of a batch, and computes the match keys that do not depend
    /// on references resolved later: pure work per row, split over two threads for large batches
    /// (the machines this runs on have two cores; reading and committing stay on one). With
    /// `check`, each row's image is also checked as a new record ([`plan::check_as_new`]).
    fn transform_all(&self, batch: &[SourceRow], check: bool) -> Vec<Prepared> {
        // The helper borrows only what it reads (the driver itself is not shared).
        let (mapping, context, validator, match_field_keys) =
            (self.mapping, &self.context, self.validator, &self.match_field_keys);
        let plan_context = self.plan_context();
        let one = |source: &SourceRow| {
            let mut row = transform::transform_row(mapping, context, &SourceCells(&source.cells));
            validator.check_values(&mut row, &mapping.columns_by_key);
            let keys = match &mapping.match_on {
                Some(match_on) if !matches!(match_on, MatchOn::Fields(_)) && !row.has_errors() => {
                    Some(dedupe::row_keys(match_on, &mapping.object, &row, match_field_keys, &context.default_country))
                }
                _ => None,
            };
            // After the keys: the check fills in defaults, which keys never see.
            let checked = if check { plan::check_as_new(&plan_context, &mut row) } else { None };
            Prepared { row, keys, checked }
        };
        // The second half on the thread's persistent helper.
        workers::map_halves(batch, one)
    }

    /// When rows are checked as new records: as early as nothing before can change a row, and
    /// before the helper goes on to read ahead (in the plan, the split finds it busy). Keys
    /// computed from a set of fields are computed before the check (which fills in defaults),
    /// with the candidates; other keys come with the transforms; references fill in fields.
    fn check_stage(&self) -> CheckStage {
        let references = self.mapping.outputs().any(|o| matches!(o.sink, salesos_import::map::Sink::Reference { .. }));
        if matches!(self.mapping.match_on, Some(MatchOn::Fields(_))) {
            CheckStage::AfterCandidates
        } else if references {
            CheckStage::AfterReferences
        } else {
            CheckStage::WithTransforms
        }
    }

    /// What planning a row needs, borrowed from the run (not from the driver, which the plan
    /// loop goes on changing).
    fn plan_context(&self) -> PlanContext<'a> {
        let (mapping, validator): (&'a ResolvedMapping, &'a Validator) = (self.mapping, self.validator);
        PlanContext {
            object: &mapping.object,
            validator,
            strategy: mapping.settings.on_duplicate,
            default_owner: self.actor.user.id,
            now_ms: self.write.now,
            columns: &mapping.columns_by_key,
        }
    }

    fn column_of_owner(&self) -> Option<String> {
        self.mapping
            .columns
            .iter()
            .find(|c| c.outputs.iter().flatten().any(|o| o.sink == salesos_import::map::Sink::Owner))
            .map(|c| c.header.clone())
    }

    /// Resolves references by value: one lookup per referenced object (all key kinds at once).
    /// Keys are handled as (object, 64-bit key hash) pairs, the form the store indexes, so a
    /// row's reference costs a hash and no allocation.
    fn resolve_references(&mut self, staged: &mut [Staged]) -> AppResult<()> {
        let mapping: &'a ResolvedMapping = self.mapping;
        let mut targets = ObjectIds::default();
        // Each reference's (object, key hash), hashed once, in the order the rows name them.
        let mut keys: Vec<Option<(ObjectId, i64)>> = Vec::new();
        // The distinct keys of the batch, per target object.
        let mut wanted: FastMap<ObjectId, FastMap<i64, MatchKey>> = FastMap::default();
        for stage in staged.iter() {
            for reference in &stage.row.references {
                let Some(object) = reference.target(mapping).and_then(|target| targets.get(self.schema, target.object)) else {
                    keys.push(None);
                    continue;
                };
                let hash = key_hash(reference.kind, &reference.normalized);
                keys.push(Some((object, hash)));
                wanted
                    .entry(object)
                    .or_insert_with(|| FastMap::with_capacity_and_hasher(staged.len(), Default::default()))
                    .entry(hash)
                    .or_insert_with(|| MatchKey { kind: reference.kind, normalized: reference.normalized.clone() });
            }
        }
        let mut found: FastMap<(ObjectId, i64), Vec<RecordId>> =
            FastMap::with_capacity_and_hasher(keys.len(), Default::default());
        for (object, wanted_keys) in wanted {
            let mut wanted_keys: Vec<(i64, MatchKey)> = wanted_keys.into_iter().collect();
            // Keys a snapshot rules out name no record but those this run created (`created_refs`).
            if let Some(snapshot) = self.key_snapshot(object, &MatchKeyKind::ALL)? {
                wanted_keys.retain(|(hash, key)| snapshot.may_hold(key.kind, *hash));
            }
            if wanted_keys.is_empty() {
                continue;
            }
            let (hashes, wanted_keys): (Vec<i64>, Vec<MatchKey>) = wanted_keys.into_iter().unzip();
            let hits = self.store.lookup_match_keys(object, &wanted_keys)?;
            for (hash, ids) in hashes.into_iter().zip(hits) {
                found.insert((object, hash), ids);
            }
        }
        let create_missing = self.mapping.settings.create_missing_references;
        // The records this run created that the batch names, found once per name here rather
        // than once per row in the run-long map (large, so each probe misses the cache).
        let mut created_here: FastMap<(ObjectId, i64), RecordId> = FastMap::default();
        if create_missing {
            // Missing accounts named in this batch are created together, once each.
            let mut unfound: Vec<((ObjectId, i64), &transform::PendingReference)> = Vec::new();
            let mut seen: FastSet<i64> = FastSet::with_capacity_and_hasher(keys.len(), Default::default());
            let references = staged.iter().flat_map(|stage| stage.row.references.iter());
            for (reference, key) in references.zip(&keys) {
                let Some(key) = *key else { continue };
                let to_accounts = reference.target(mapping).is_some_and(|target| target.object == "accounts");
                if reference.kind != MatchKeyKind::CompanyName || !to_accounts || !seen.insert(key.1) {
                    continue;
                }
                if found.get(&key).is_none_or(Vec::is_empty) {
                    unfound.push((key, reference));
                }
            }
            // The names this run created before, probed on both threads: the run-long map is
            // large, so each probe waits on memory (and the helper has nothing else to do here).
            let created_refs = &self.created_refs;
            let earlier = workers::map_halves(&unfound, |(key, _)| created_refs.get(key));
            let mut missing: Vec<((ObjectId, i64), String)> = Vec::new();
            for ((key, reference), id) in unfound.iter().zip(earlier) {
                match id {
                    Some(id) => {
                        created_here.insert(*key, id);
                    }
                    None => missing.push((*key, reference.text.trim().to_string())),
                }
            }
            created_here.extend(self.create_references(missing)?);
        }
        // Each row's references placed in its fields (or its issues), on both threads: rows are
        // independent now, given what was found and created.
        let mut rows_with_keys: Vec<(&mut Staged, &[Option<RefKey>])> = Vec::with_capacity(staged.len());
        let mut rest = keys.as_slice();
        for stage in staged.iter_mut() {
            let (own, after) = rest.split_at(stage.row.references.len().min(rest.len()));
            rest = after;
            rows_with_keys.push((stage, own));
        }
        let created_refs = &self.created_refs;
        workers::for_each_halves(&mut rows_with_keys, |(stage, keys)| {
            let references = std::mem::take(&mut stage.row.references);
            for (reference, key) in references.into_iter().zip(keys.iter()) {
                let Some(key) = *key else { continue };
                // A key was only found for references the mapping declares.
                let Some(target) = reference.target(mapping) else { continue };
                let ids = found.get(&key).map(Vec::as_slice).unwrap_or_default();
                let id = match ids {
                    [id] => Some(*id),
                    [] => match created_here.get(&key).copied().or_else(|| created_refs.get(&key)) {
                        Some(id) => Some(id),
                        None => {
                            let mut issue = RowIssue::error(
                                Some(target.column),
                                Some(target.path),
                                IssueKind::ReferenceNotFound,
                                &format!("an existing {} {}", target.object, reference.kind.as_str()),
                                &reference.text,
                            );
                            issue.message = format!(
                                "no {} record has {} {:?}{}",
                                target.object,
                                reference.kind.as_str().replace('_', " "),
                                reference.text,
                                if reference.kind == MatchKeyKind::CompanyName {
                                    " (import the accounts first, or allow creating missing references)"
                                } else {
                                    ""
                                }
                            );
                            stage.row.issues.push(issue);
                            None
                        }
                    },
                    many => {
                        let mut issue = RowIssue::error(
                            Some(target.column),
                            Some(target.path),
                            IssueKind::AmbiguousReference,
                            "one matching record",
                            &reference.text,
                        );
                        issue.message = format!(
                            "{} {} records match {:?}; use a more specific column",
                            many.len(),
                            target.object,
                            reference.text
                        );
                        stage.row.issues.push(issue);
                        None
                    }
                };
                if let Some(id) = id {
                    stage.row.fields.insert(target.via_key.into(), Value::Ref(id));
                }
            }
        });
        Ok(())
    }

    /// Creates missing accounts by name with the pending commit, before its rows, journaled under
    /// the import so that undo removes them too; until then rows name them by placeholders. A
    /// dry run only counts them.
    /// Returns each created key with its placeholder.
    fn create_references(&mut self, missing: Vec<((ObjectId, i64), String)>) -> AppResult<Vec<((ObjectId, i64), RecordId)>> {
        if missing.is_empty() {
            return Ok(Vec::new());
        }
        let Some(accounts) = self.schema.object("accounts") else { return Ok(Vec::new()) };
        let first = self.next_placeholder;
        self.next_placeholder += missing.len() as u64;
        if !self.dry_run {
            let records: Vec<NewRecord> = missing
                .iter()
                .map(|(_, name)| {
                    let mut fields = Fields::new();
                    fields.insert(accounts.name_field.as_str().into(), Value::Text(name.clone()));
                    NewRecord { owner_id: self.actor.user.id, fields, external_ids: Vec::new() }
                })
                .collect();
            self.pending.add_references(accounts, first, &records, &self.write.default_country);
        }
        *self.created_references.entry("accounts".into()).or_default() += missing.len() as u64;
        let mut created = Vec::with_capacity(missing.len());
        for (n, (key, _)) in (first..).zip(missing) {
            let id = RecordId::placeholder(n);
            self.created_refs.insert(key, id);
            self.unlanded_refs.push(key);
            created.push((key, id));
        }
        Ok(created)
    }

    /// Forgets the missing records created by commits that have landed (lookups find them now),
    /// or, for an object whose lookups a snapshot may skip, keeps them under the ids created.
    fn forget_created_below(&mut self, below: u64) {
        if self
            .unlanded_refs
            .first()
            .is_none_or(|key| self.created_refs.get(key).and_then(|id| id.placeholder_index()).is_some_and(|n| n >= below))
        {
            return;
        }
        let ids = self.placeholder_ids.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut still_unlanded = Vec::new();
        for key in std::mem::take(&mut self.unlanded_refs) {
            let Some(id) = self.created_refs.get_mut(&key) else { continue };
            let Some(n) = id.placeholder_index() else { continue };
            if n >= below {
                still_unlanded.push(key);
                continue;
            }
            if matches!(self.key_snapshots.get(&key.0), Some(Some(_))) {
                match ids.get(n) {
                    Some(created) => {
                        *id = created;
                        continue;
                    }
                    // Not known here: lookups must find it.
                    None => {
                        self.key_snapshots.insert(key.0, None);
                    }
                }
            }
            self.created_refs.remove(&key);
        }
        self.unlanded_refs = still_unlanded;
    }

    /// The snapshot of an object's keys (of `kinds`) for this batch's lookups: taken at the first
    /// lookup when the object holds few keys beside the rows to come, and dropped once anything
    /// but this run adds keys of it.
    fn key_snapshot(&mut self, object: ObjectId, kinds: &[MatchKeyKind]) -> AppResult<Option<&KeySnapshot>> {
        let fresh = match self.key_snapshots.get(&object) {
            None => Some(match self.expected_rows {
                Some(rows) => self.store.snapshot_match_keys(object, kinds, snapshot_budget(rows))?,
                None => None,
            }),
            Some(Some(snapshot)) if self.store.match_keys_written_since(snapshot, self.write.operation)? => Some(None),
            Some(_) => None,
        };
        if let Some(fresh) = fresh {
            self.key_snapshots.insert(object, fresh);
        }
        Ok(self.key_snapshots.get(&object).and_then(Option::as_ref))
    }

    /// Commits `commit` on this thread (after the one in flight, if any), with the ids created
    /// for placeholders.
    fn commit_here(&mut self, commit: CommitBatch) -> AppResult<salesos_store::CommitReceipt> {
        self.settle()?;
        let mut ids = self.placeholder_ids.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let receipt = self.store.commit_batch(&self.write, &self.mapping.object, commit, &mut ids)?;
        drop(ids);
        self.in_flight_below = self.next_placeholder;
        self.forget_created_below(self.next_placeholder);
        Ok(receipt)
    }

    /// Computes each row's keys and fetches the existing records sharing them.
    fn find_candidates(&mut self, staged: &mut [Staged]) -> AppResult<Candidates> {
        let mut candidates = Candidates::new();
        let mapping = self.mapping;
        let Some(match_on) = &mapping.match_on else { return Ok(candidates) };
        let object = &mapping.object;
        let mut composites: Vec<String> = Vec::new();
        for stage in staged.iter_mut() {
            if stage.row.has_errors() {
                continue;
            }
            let keys = stage.keys.get_or_insert_with(|| {
                dedupe::row_keys(match_on, object, &stage.row, &self.match_field_keys, &self.context.default_country)
            });
            if keys.composite.is_some() {
                if let Some(value) = self.match_field_keys.first().and_then(|k| stage.row.fields.get(k)) {
                    composites.push(value.to_string());
                }
            }
        }
        // Keys the snapshot rules out were not in the store when it was taken, and nothing but
        // this run has added keys since (its own are in the in-file set): no probe, and no copy.
        let keyed = |stage: &&Staged| !stage.row.has_errors() && stage.keys.as_ref().is_some_and(|keys| !keys.keys.is_empty());
        let snapshot =
            if staged.iter().any(|stage| keyed(&stage)) { self.key_snapshot(object.id, &match_on.key_kinds())? } else { None };
        let mut all_keys: Vec<MatchKey> = staged
            .iter()
            .filter(keyed)
            .flat_map(|stage| stage.keys.iter().flat_map(|keys| keys.keys.iter()))
            .filter(|key| snapshot.is_none_or(|snapshot| snapshot.may_hold(key.kind, key.hash())))
            .cloned()
            .collect();
        if !all_keys.is_empty() {
            all_keys.sort();
            all_keys.dedup();
            let hits = self.store.lookup_match_keys(object.id, &all_keys)?;
            for (key, ids) in all_keys.into_iter().zip(hits) {
                candidates.add_key_hits(key, ids);
            }
        }
        if !composites.is_empty() {
            self.find_composite(&mut candidates, &composites)?;
        }
        let ids = candidates.ids_to_fetch();
        for chunk in ids.chunks(1000) {
            for record in self.store.get_records(object, chunk, &VisibilityScope::All)? {
                candidates.add_record(record);
            }
        }
        Ok(candidates)
    }

    /// Field matches: records whose first match field equals a row's value, confirmed on all fields.
    fn find_composite(&self, candidates: &mut Candidates, first_values: &[String]) -> AppResult<()> {
        let object = &self.mapping.object;
        let Some(first) = self.match_field_keys.first() else { return Ok(()) };
        let mut values: Vec<String> = first_values.to_vec();
        values.sort();
        values.dedup();
        for chunk in values.chunks(200) {
            let quoted: Vec<String> = chunk.iter().map(|v| serde_json::Value::String(v.clone()).to_string()).collect();
            let filter = format!("{first} in ({})", quoted.join(", "));
            let mut query = RecordQuery::new(object.id, VisibilityScope::All, 1000);
            query.cond = parse_and_resolve(self.schema, object, &filter)?;
            loop {
                let page = self.store.query_records(self.schema, &query)?;
                for record in page.records {
                    if let Some(composite) = dedupe::composite_key(&record.fields, &self.match_field_keys) {
                        candidates.add_composite_hit(composite, record.id);
                        candidates.add_record(record);
                    }
                }
                match page.next {
                    Some(next) => query.after = Some(next),
                    None => break,
                }
            }
        }
        Ok(())
    }

    /// Commits the batch's creates and updates in one transaction and settles their outcomes.
    /// Writes the records still pending at the end of the file.
    fn flush(&mut self) -> AppResult<()> {
        self.settle()?;
        if !self.pending.is_empty() {
            let commit = std::mem::take(&mut self.pending);
            self.commit_here(commit)?;
        }
        Ok(())
    }

    /// Waits for the batch the committer is writing, if any.
    fn settle(&mut self) -> AppResult<()> {
        match &mut self.committer {
            Some(committer) => committer.settle(),
            None => Ok(()),
        }
    }

    fn commit(&mut self, batch: &[SourceRow], planned: &mut [PlannedRow]) -> AppResult<()> {
        if self.dry_run {
            return Ok(());
        }
        // New records are encoded into the pending commit at once (compact); they are written
        // when enough have gathered (records, or the outcomes of rows that create nothing), or
        // with the next updates, whose outcomes are needed now.
        let object = &self.mapping.object;
        let creates: Vec<(i64, &NewRecord)> = batch
            .iter()
            .zip(planned.iter())
            .filter_map(|(source, row_plan)| match &row_plan.change {
                RecordChange::Create(record) => Some((source.pos.row as i64, record)),
                _ => None,
            })
            .collect();
        let mut next_create = self.pending.add_creates(object, &creates, &self.write.default_country);
        drop(creates);
        let mut update_rows = Vec::new();
        for (index, (source, row_plan)) in batch.iter().zip(planned.iter_mut()).enumerate() {
            let row_number = source.pos.row as i64;
            let outcome = row_plan.change.outcome();
            let mut link = OutcomeLink::Settled;
            let mut record_id = None;
            let mut skipped = None;
            match &mut row_plan.change {
                RecordChange::Create(_) => {
                    link = OutcomeLink::Created(next_create);
                    next_create += 1;
                }
                RecordChange::Update { id, patch } => {
                    link = OutcomeLink::Updated(self.pending.updates.len(), String::new());
                    record_id = Some(*id);
                    self.pending.updates.push((row_number, *id, std::mem::take(patch)));
                    update_rows.push(index);
                }
                RecordChange::Unchanged { id } => record_id = Some(*id),
                RecordChange::Skip { reason, duplicate_of } => {
                    record_id = *duplicate_of;
                    skipped = Some(reason.clone());
                }
                RecordChange::Fail => {}
            }
            if self.import.is_none() {
                continue;
            }
            let messages = RowMessages { duplicate: row_plan.duplicate, skipped, issues: row_plan.issues.clone() };
            if let OutcomeLink::Updated(at, _) = link {
                let mut conflict = messages.clone();
                conflict.issues.push(concurrent_change_issue());
                link = OutcomeLink::Updated(at, conflict.to_json().unwrap_or_default());
            }
            let stored = RowOutcome {
                seq: (self.seq + index as u64) as i64,
                source_row: row_number,
                sheet: source.pos.sheet.as_deref().map(str::to_string),
                outcome: outcome.as_str().into(),
                record_id,
                messages: messages.to_json(),
            };
            self.pending.outcomes.push((stored, link));
        }
        if let Some(import) = self.import {
            self.pending.checkpoint = Some((import, (self.seq + batch.len() as u64) as i64));
        }
        // A commit also waits for at most twice `commit_rows` row outcomes: rows that create
        // nothing (skipped, failed) wait with it, and a file of duplicates gathered them all
        // (the limit is twice, so that the commits of a file of new rows stay as they were).
        let outcome_limit = self.commit_rows.saturating_mul(2);
        if update_rows.is_empty() && self.pending.creates() < self.commit_rows && self.pending.outcomes.len() < outcome_limit {
            return Ok(());
        }
        let commit = std::mem::take(&mut self.pending);
        if let (Some(committer), true) = (&mut self.committer, update_rows.is_empty()) {
            // New records only: nothing the next batch plans depends on their outcome. Handing
            // it over waits for the commit in flight, whose missing records lookups now find.
            committer.commit(commit)?;
            let landed_below = std::mem::replace(&mut self.in_flight_below, self.next_placeholder);
            self.forget_created_below(landed_below);
            return Ok(());
        }
        let receipt = self.commit_here(commit)?;
        for (index, outcome) in update_rows.into_iter().zip(receipt.updated) {
            let row_plan = &mut planned[index];
            match outcome {
                UpdateOutcome::Updated { .. } => {}
                UpdateOutcome::Unchanged => {
                    if let RecordChange::Update { id, .. } = row_plan.change {
                        row_plan.change = RecordChange::Unchanged { id };
                    }
                }
                UpdateOutcome::NotFound | UpdateOutcome::Conflict { .. } => {
                    row_plan.issues.push(concurrent_change_issue());
                    row_plan.change = RecordChange::Fail;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use salesos_model::schema::standard_objects;

    /// Writes a contacts file with a birthdate column and resolves the mapping that names it.
    fn file_and_mapping(
        dir: &std::path::Path,
        name: &str,
        dates: impl Iterator<Item = String>,
    ) -> (ImportRequest, ResolvedMapping) {
        let path = dir.join(name);
        let mut csv = String::from("Last Name,Birthdate\n");
        for (n, date) in dates.enumerate() {
            csv.push_str(&format!("P{n},\"{date}\"\n"));
        }
        std::fs::write(&path, csv).unwrap();
        let schema = Schema { objects: standard_objects(), pipelines: Vec::new() };
        let object = schema.object("contacts").unwrap().clone();
        let headers = vec!["Last Name".to_string(), "Birthdate".to_string()];
        let targets = vec![Some("last_name".to_string()), Some("birthdate".to_string())];
        let spec = map::spec_from_targets("contacts", &headers, &targets, ImportSettings::default());
        let mapping = map::resolve(&schema, &object, &headers, &[], &spec, &MappingLimits::default()).unwrap();
        let mut request = ImportRequest::new(path, name, "contacts");
        request.dry_run = true;
        (request, mapping)
    }

    #[test]
    fn a_dry_run_prescan_stops_once_the_first_rows_tell_and_reads_on_through_a_close_race() {
        let dir = tempfile::tempdir().unwrap();
        let day_first = |n: usize| format!("{:02}.{:02}.19{:02}", n % 28 + 1, n % 12 + 1, n % 90 + 10);
        let long = |n: usize| format!("March {}, 19{:02}", n % 28 + 1, n % 90 + 10);
        // Two spellings, day-first clearly ahead: the pass stops at the first check.
        let clear = || (0..20_000).map(|n| if n % 3 == 0 { long(n) } else { day_first(n) });
        let (request, mut mapping) = file_and_mapping(dir.path(), "clear.csv", clear());
        let found = prescan(&request, &mut mapping, "en-US", true).unwrap();
        assert!(found.date_check.is_some(), "the first rows predict the column");
        assert_eq!(found.rows_total, None, "stopped before the end");
        assert_eq!(mapping.columns[1].date_format.as_ref().map(|f| f.pattern.as_str()), Some("%d.%m.%Y"));
        // The same file, not speculating (a run): every row is read.
        let (request, mut mapping) = file_and_mapping(dir.path(), "clear.csv", clear());
        let found = prescan(&request, &mut mapping, "en-US", false).unwrap();
        assert_eq!((found.date_check.is_some(), found.rows_total), (false, Some(20_000)));
        // Alternating spellings: a close race all the way, so the whole file decides.
        let close = (0..20_000).map(|n| if n % 2 == 0 { long(n) } else { day_first(n) });
        let (request, mut mapping) = file_and_mapping(dir.path(), "close.csv", close);
        let found = prescan(&request, &mut mapping, "en-US", true).unwrap();
        assert_eq!((found.date_check.is_some(), found.rows_total), (false, Some(20_000)));
    }

    #[test]
    fn a_large_files_prescan_reads_its_halves_at_once_and_counts_them_together() {
        let dir = tempfile::tempdir().unwrap();
        // Day-first dates in the first 40 % of the rows, long ones after: only the second
        // half's values make the long format the column's, and only both halves count the rows.
        let rows = 240_000;
        let dates = (0..rows).map(|n| {
            if n * 5 < rows * 2 {
                format!("{:02}.{:02}.19{:02}", n % 28 + 1, n % 12 + 1, n % 90 + 10)
            } else {
                format!("March {}, 19{:02}", n % 28 + 1, n % 90 + 10)
            }
        });
        let (mut request, mut mapping) = file_and_mapping(dir.path(), "large.csv", dates);
        assert!(std::fs::metadata(&request.file).unwrap().len() > 4 * 1024 * 1024, "large enough to split");
        request.dry_run = false;
        request.read_options.limits.max_rows = rows as u64;
        // The file does split at a record start.
        let mut reader = open_reader(&request).unwrap();
        reader.scan_only(&[1]);
        let second = reader.split_scan(&request.file);
        assert!(second.is_some());
        while reader.read_row(&mut SourceRow::default()).unwrap() {}
        assert!(reader.reached_split());
        let found = prescan(&request, &mut mapping, "en-US", false).unwrap();
        assert_eq!(found.rows_total, Some(rows as u64));
        assert_eq!(mapping.columns[1].date_format.as_ref().map(|f| f.pattern.as_str()), Some("%B %d, %Y"));
        // The row limit holds for the two halves together, though each is under it.
        request.read_options.limits.max_rows = rows as u64 - 1;
        let err = prescan(&request, &mut mapping, "en-US", false).map(|_| ()).unwrap_err();
        assert!(err.to_string().contains("more than"), "{err}");
    }
}
