//! `salesos import FILE --object OBJ`: runs the import pipeline (auto-mapping or a mapping spec,
//! transforms, validation with custom rules, exact duplicates, error report and failed-rows
//! file) through `salesos_app::imports`, with a progress line on stderr; `--preview` shows the
//! detected settings and first rows only.

use crate::cli::{GlobalArgs, ImportArgs};
use crate::context::{actor, now_ms, Settings};
use crate::error::{CliError, CliResult};
use crate::output::{print_json, say};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use salesos_app::imports::json::{byte_text, preview_json, report_json};
use salesos_app::imports::{self, job, read_error, ImportReport, ImportRequest, ImportStatus, MappingChoice, SettingsOverrides};
use salesos_formats::read::{self, Escape, Limits, Preview, ReadOptions};
use salesos_import::convert::DateOrder;
use salesos_import::map::MappingLimits;
use salesos_import::spec::{DuplicateStrategy, EmptyCells, MappingSpec, MatchOn};
use salesos_model::error::ErrorCode;
use salesos_model::ids::OperationId;
use salesos_store::files::FileStore;
use salesos_store::{ImportLog, Store};
use serde_json::json;

/// Runs `salesos import`.
pub fn run(global: &GlobalArgs, args: ImportArgs) -> CliResult<u8> {
    if let Some(import_id) = args.resume {
        return resume(global, &args, OperationId(import_id));
    }
    let file = args.file.clone().ok_or_else(|| CliError::invalid("name the file to import").with_field("file"))?;
    let options = options(&args)?;
    let name = file.file_name().and_then(|n| n.to_str()).map_or_else(|| file.display().to_string(), str::to_string);
    if args.preview {
        let preview = read::preview(&file, &name, &options, args.rows).map_err(read_error)?;
        if global.json {
            print_json(&preview_json(&preview));
        } else {
            print_human(&preview);
        }
        return Ok(0);
    }
    let object = args.object.clone().ok_or_else(|| {
        CliError::invalid("say which object to import into with --object (contacts, accounts, leads, …)").with_field("object")
    })?;
    let request = request(&args, &file, &name, &object, options)?;
    let settings = Settings::from_args(global);
    let store = settings.open_store()?;
    // An import streams: a small page cache keeps the process near constant memory, and the
    // operating system's file cache still holds the hot index pages.
    store.set_memory_mib(cache_mib_per_connection(args.cache_mib))?;
    let actor = actor(&store, global)?;
    if request.dry_run {
        let bar = progress_bar(global);
        let report = imports::run(&store, &actor, &request, now_ms(), &mut |p| show_progress(&bar, p))?;
        bar.finish_and_clear();
        return finish(global, &report);
    }
    // A run is a durable job: the file is kept in the file store, the import is logged, and the
    // job is claimed here (or, with --background, by a server's worker).
    let files = FileStore::new(settings.data_dir.join("files"))?;
    let log = job::submit(&store, &files, &actor, &request, nonce(), now_ms())?;
    if args.background {
        let position = log.job_id.map(|j| store.queue_position(actor.org.id, job::IMPORT_JOB, j)).transpose()?;
        if global.json {
            print_json(&json!({"import_id": log.id.0, "status": log.status, "object": log.object, "queue_position": position}));
        } else {
            say(format!("Import {} queued (position {}); a running server picks it up.", log.id.0, position.unwrap_or(1)));
        }
        return Ok(0);
    }
    if !global.json {
        say(format!(
            "Import {} of {} started (resume it with `salesos import --resume {}` if interrupted).",
            log.id.0, name, log.id.0
        ));
    }
    run_job(global, &store, &files, &log, &args)
}

/// The page cache of each of an import's two SQLite connections (the one that looks rows up and
/// the one that commits beside it): `--cache-mib` is the budget for both.
fn cache_mib_per_connection(budget_mib: u64) -> u64 {
    (budget_mib / 2).max(1)
}

/// `salesos import --resume ID`: claims the import's job (taking it over from a process that
/// died) and runs it from its checkpoint.
fn resume(global: &GlobalArgs, args: &ImportArgs, import: OperationId) -> CliResult<u8> {
    let settings = Settings::from_args(global);
    let store = settings.open_store()?;
    store.set_memory_mib(cache_mib_per_connection(args.cache_mib))?;
    let actor = actor(&store, global)?;
    let files = FileStore::new(settings.data_dir.join("files"))?;
    let log = salesos_app::imports::history::find(&store, &actor, import)?;
    if job::is_final(&log.status) {
        return Err(CliError::invalid(format!("import {} already ended ({}); there is nothing to resume", import.0, log.status)));
    }
    let log = job::ensure_job(&store, &log, now_ms())?;
    run_job(global, &store, &files, &log, args)
}

/// Claims an import's job (waiting in the queue while the organization runs its maximum) and runs it.
fn run_job(global: &GlobalArgs, store: &Store, files: &FileStore, log: &ImportLog, args: &ImportArgs) -> CliResult<u8> {
    let (max_concurrent, lease_ms) = (args.max_concurrent, args.import_lease_ms.max(1_000));
    let worker = cli_worker_name();
    let job_id = log.job_id.ok_or_else(|| CliError::new(ErrorCode::Internal, "the import has no job"))?;
    let mut last_position = 0;
    let job = loop {
        let now = now_ms();
        if let Some(job) = store.claim_job_id(job_id, &worker, lease_ms, Some(max_concurrent.max(1)), now)? {
            break job;
        }
        let current = store.job(log.org_id, job_id)?;
        if let (salesos_model::ops::JobState::Running, Some(owner)) = (current.state, current.lease_owner.as_deref()) {
            if is_dead_cli(owner) {
                if let Some(job) = store.take_over_job(job_id, owner, &worker, lease_ms, now)? {
                    break job;
                }
                continue;
            }
            let wait = current.lease_until.unwrap_or(now) - now;
            return Err(CliError::invalid(format!(
                "import {} is running in {owner}; resume it only once that process is gone (its lease ends in {} s)",
                log.id.0,
                wait.max(0) / 1000
            )));
        }
        if !matches!(current.state, salesos_model::ops::JobState::Queued) {
            return Err(CliError::invalid(format!("import {} cannot run: its job is {}", log.id.0, current.state.as_str())));
        }
        let position = store.queue_position(log.org_id, job::IMPORT_JOB, job_id)?;
        if position != last_position && !global.json {
            say(format!(
                "Import {} is queued at position {position}: the organization already runs {max_concurrent} imports; it starts by itself when one ends.",
                log.id.0
            ));
        }
        last_position = position;
        std::thread::sleep(std::time::Duration::from_millis(250));
    };
    let bar = progress_bar(global);
    let ctx = job::JobContext { store, files, worker: &worker, clock: &now_ms, lease_ms };
    let report = job::execute(&ctx, &job, &mut |p| show_progress(&bar, p));
    bar.finish_and_clear();
    finish(global, &report?)
}

fn progress_bar(global: &GlobalArgs) -> ProgressBar {
    // A progress line on stderr (hidden with --json and when stderr is not a terminal).
    let target = if global.json { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr() };
    let bar = ProgressBar::with_draw_target(None, target);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {pos} rows  {per_sec}  {msg}") {
        bar.set_style(style);
    }
    bar
}

fn show_progress(bar: &ProgressBar, p: imports::Progress) {
    if let (Some(total), None) = (p.total, bar.length()) {
        // Once the file's row count is known: a bar with rows/s and the time left.
        bar.set_length(total);
        if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} rows  {per_sec}  ETA {eta}  {msg}") {
            bar.set_style(style);
        }
    }
    bar.set_position(p.rows);
    bar.set_message(format!("{} failed", p.failed));
}

fn finish(global: &GlobalArgs, report: &ImportReport) -> CliResult<u8> {
    if global.json {
        print_json(&report_json(report));
    } else {
        print_report(report);
    }
    Ok(exit_code(report))
}

/// This process as a job's lease owner: `cli:HOST:PID`.
fn cli_worker_name() -> String {
    format!("cli:{}:{}", host_name(), std::process::id())
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "localhost".into())
}

/// Whether a lease owner is a command-line process on this machine that no longer exists (so
/// its job may be taken over at once instead of after its lease).
fn is_dead_cli(owner: &str) -> bool {
    let mut parts = owner.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next().and_then(|p| p.parse::<u32>().ok())) {
        (Some("cli"), Some(host), Some(pid)) if host == host_name() => {
            let proc_root = std::path::Path::new("/proc");
            proc_root.is_dir() && !proc_root.join(pid.to_string()).is_dir()
        }
        _ => false,
    }
}

/// A per-upload nonce for the file store's names.
fn nonce() -> u64 {
    (now_ms() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(std::process::id())
}

/// Exit codes: 0 done, 1 some rows failed, 2 refused (ambiguous dates).
fn exit_code(report: &ImportReport) -> u8 {
    if !report.ambiguous_dates.is_empty() {
        2
    } else if report.summary.counts.failed > 0 {
        1
    } else {
        0
    }
}

fn parse_flag<T>(flag: &str, value: &Option<String>, parse: impl Fn(&str) -> Option<T>, expected: &str) -> CliResult<Option<T>> {
    match value {
        None => Ok(None),
        Some(text) => parse(text)
            .map(Some)
            .ok_or_else(|| CliError::invalid(format!("--{flag} {text:?}: expected {expected}")).with_field(flag)),
    }
}

/// Builds the app's request from the flags.
fn request(
    args: &ImportArgs,
    file: &std::path::Path,
    name: &str,
    object: &str,
    mut read_options: ReadOptions,
) -> CliResult<ImportRequest> {
    let mapping = match &args.mapping {
        None => MappingChoice::Automatic,
        Some(text) => {
            let path = std::path::Path::new(text);
            match std::fs::read_to_string(path) {
                Ok(json) => MappingChoice::Spec(
                    MappingSpec::from_json(&json)
                        .map_err(|err| CliError::invalid(format!("{}: {err}", path.display())).with_field("mapping"))?,
                ),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound && !text.contains(['/', '.']) => {
                    MappingChoice::Named(text.clone())
                }
                Err(err) => {
                    return Err(CliError::invalid(format!("cannot read mapping {}: {err}", path.display())).with_field("mapping"))
                }
            }
        }
    };
    let overrides = SettingsOverrides {
        on_duplicate: parse_flag("on-duplicate", &args.on_duplicate, DuplicateStrategy::parse, "skip, update or create")?,
        match_on: match &args.match_on {
            None => None,
            Some(text) => {
                Some(MatchOn::parse(text).map_err(|err| CliError::invalid(format!("--match: {err}")).with_field("match"))?)
            }
        },
        date_order: parse_flag(
            "date-order",
            &args.date_order,
            |t| DateOrder::parse(t).filter(|o| *o != DateOrder::Ymd),
            "dmy or mdy",
        )?,
        empty_cells: parse_flag(
            "empty-cells",
            &args.empty_cells,
            |t| match t {
                "keep" => Some(EmptyCells::Keep),
                "clear" => Some(EmptyCells::Clear),
                _ => None,
            },
            "keep or clear",
        )?,
        create_missing_references: args.create_missing.then_some(true),
    };
    read_options.limits = Limits { max_rows: args.max_rows, ..read_options.limits };
    if let Some(mb) = args.max_file_mb {
        let bytes = mb.saturating_mul(1024 * 1024);
        read_options.limits =
            Limits { csv_bytes: bytes, xlsx_bytes: bytes, json_bytes: bytes, vcard_bytes: bytes, ..read_options.limits };
    }
    let mut request = ImportRequest::new(file.to_path_buf(), name, object);
    request.read_options = read_options;
    request.mapping = mapping;
    request.overrides = overrides;
    request.dry_run = args.dry_run;
    request.error_report = args.error_report.clone();
    request.failed_rows = args.failed_rows.clone();
    request.save_mapping_as = args.save_mapping.clone();
    request.batch_rows = args.batch_rows.map_or(0, |rows| rows.clamp(1, 100_000));
    request.commit_rows = args.commit_rows.clamp(1, 1_000_000);
    request.limits = MappingLimits { max_custom_field_mappings: args.max_custom_fields };
    Ok(request)
}

fn print_report(report: &ImportReport) {
    for a in &report.ambiguous_dates {
        say(format!(
            "refused: column {:?} reads as day/month or month/day (e.g. {}); choose with --date-order dmy or mdy (your locale suggests {})",
            a.column,
            a.examples.join(", "),
            a.suggested.as_str()
        ));
    }
    if !report.ambiguous_dates.is_empty() {
        return;
    }
    if report.mapping_source == imports::MappingSource::Auto {
        for s in &report.suggestions {
            let target = s.target.as_deref().unwrap_or("-");
            let state = if s.target.is_some() && s.confidence >= salesos_import::suggest::AUTO_MAP_THRESHOLD {
                "auto-mapped"
            } else if s.target.is_some() {
                "suggested, not applied"
            } else {
                "not mapped"
            };
            say(format!("  {:<30} → {:<24} {state} ({:.0}%)", s.header, target, s.confidence * 100.0));
        }
    }
    let c = &report.summary.counts;
    let verb = if report.status == ImportStatus::DryRun { "would be" } else { "" };
    say(format!(
        "{} rows: {} created, {} updated, {} unchanged, {} skipped, {} failed {verb}({} ms)",
        report.rows, c.created, c.updated, c.unchanged, c.skipped, c.failed, report.duration_ms
    ));
    for (column, problems) in &report.summary.per_column {
        let first = problems.examples.first().map(|e| format!(" — row {}: {}", e.row, e.message)).unwrap_or_default();
        say(format!("  {column}: {} errors, {} warnings{first}", problems.errors, problems.warnings));
    }
    for v in &report.value_maps {
        say(format!(
            "  suggestion: map {:?} → {} in column {:?} (value_map transform, {:.0}%)",
            v.from,
            v.to,
            v.column,
            v.confidence * 100.0
        ));
    }
    if let Some(path) = &report.error_report {
        say(format!("error report: {}", path.display()));
    }
    if let Some(path) = &report.failed_rows {
        say(format!("failed rows: {}", path.display()));
    }
    if let Some(id) = report.import_id {
        say(format!("import {id} ({})", report.status.as_str()));
    }
}

/// Turns the override flags into read options.
fn options(args: &ImportArgs) -> CliResult<ReadOptions> {
    let byte = |flag: &str, value: &Option<String>| -> CliResult<Option<u8>> {
        let Some(text) = value else { return Ok(None) };
        read::separator_byte(text).map(Some).ok_or_else(|| {
            CliError::invalid(format!("--{flag} {text:?} must be one ASCII character (or tab, comma, semicolon, pipe…)"))
                .with_field(flag)
        })
    };
    let escape = match args.escape.as_deref() {
        None => None,
        Some("doubled" | "double") => Some(Escape::Doubled),
        Some("backslash") => Some(Escape::Backslash),
        Some(other) => {
            return Err(CliError::invalid(format!("--escape {other:?} must be doubled or backslash")).with_field("escape"))
        }
    };
    if let Some(label) = &args.encoding {
        if read::sniff::TextEncoding::from_label(label).is_none() {
            return Err(CliError::invalid(format!(
                "--encoding {label:?} is not an encoding we know (try utf-8, windows-1252, iso-8859-7, shift_jis, utf-16le)"
            ))
            .with_field("encoding"));
        }
    }
    Ok(ReadOptions {
        encoding: args.encoding.clone(),
        delimiter: byte("delimiter", &args.delimiter)?,
        quote: byte("quote", &args.quote)?,
        escape,
        header_row: args.header_row,
        sheets: args.sheets.clone(),
        ..ReadOptions::default()
    })
}

fn print_human(preview: &Preview) {
    let d = &preview.detected;
    let mut settings = vec![format!("format {}", d.format.as_str())];
    if let Some(encoding) = &d.encoding {
        settings.push(format!("encoding {encoding}{}", if d.bom { " (BOM)" } else { "" }));
    }
    if let Some(dialect) = &d.dialect {
        let delimiter = if dialect.delimiter == b'\t' { "tab".to_string() } else { byte_text(dialect.delimiter) };
        settings.push(format!(
            "delimiter {delimiter}  quote {}  escape {}  line ending {}",
            byte_text(dialect.quote),
            dialect.escape.as_str(),
            dialect.line_ending.as_str()
        ));
    }
    settings.push(if d.header_row == 0 { "no header row".to_string() } else { format!("header row {}", d.header_row) });
    if let Some(layout) = &d.layout {
        settings.push(layout.clone());
    }
    say(format!("{}: {}", d.file, settings.join(", ")));
    if !d.sheets.is_empty() {
        let sheets: Vec<String> =
            d.sheets.iter().map(|s| if s.hidden { format!("{} (hidden)", s.name) } else { s.name.clone() }).collect();
        say(format!("sheets: {}; reading {}", sheets.join(", "), d.selected_sheets.join(", ")));
    }
    say(format!("columns: {}", d.column_names().join(" | ")));
    for row in &preview.rows {
        say(format!("  {}: {}", row.pos, row.cells.join(" | ")));
    }
    for issue in &preview.issues {
        say(format!("{}: {}", issue.severity.as_str(), issue.message));
    }
}
