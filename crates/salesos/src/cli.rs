//! The command-line grammar (clap). Arguments are parsed here and resolved in `commands`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// SalesOS Data: import and export engine of the SalesOS CRM.
#[derive(Debug, Parser)]
#[command(name = "salesos", version, about, propagate_version = true)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Folder for the SQLite database and stored files.
    #[arg(long, global = true, env = "SALESOS_DATA_DIR", default_value = "./salesos-data")]
    pub data_dir: PathBuf,
    /// Database URL: postgres://… for PostgreSQL; default the SQLite file in the data folder.
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Organization to act in (name or id); default the only one.
    #[arg(long, global = true)]
    pub org: Option<String>,
    /// User to act as (email or id); default the organization's first admin.
    #[arg(long = "as", global = true, value_name = "USER")]
    pub as_user: Option<String>,
    /// Print one JSON document on stdout instead of human output on stderr.
    #[arg(long, global = true)]
    pub json: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server: the /v1 API, the web pages and the background worker.
    Serve(ServeArgs),
    /// Generate realistic CRM data into a file or straight into the store.
    Generate(GenerateArgs),
    /// Read, create, change and delete records.
    #[command(subcommand)]
    Records(RecordsCommand),
    /// The schema: objects, custom objects and custom fields.
    #[command(subcommand)]
    Objects(ObjectsCommand),
    /// Organizations.
    #[command(subcommand)]
    Orgs(OrgsCommand),
    /// Users, teams, permissions and API keys.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Import a file (CSV, Excel, JSON, vCard); `--preview` shows what would be read.
    Import(Box<ImportArgs>),
    /// The import history: list, one import's detail, its result file, cancel.
    History(HistoryArgs),
    /// Undo a whole import (within 30 days).
    Undo(UndoArgs),
    /// Import templates: download one (CSV or Excel) for any object; save, list and delete custom ones.
    #[command(subcommand)]
    Templates(TemplatesCommand),
}

/// `salesos history [IMPORT_ID]`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Show one import (default: list the latest).
    pub import_id: Option<i64>,
    /// Write the import's result file here: every input row with Outcome, Record Id and Messages (CSV, or XLSX by extension).
    #[arg(long, value_name = "FILE", requires = "import_id")]
    pub result: Option<PathBuf>,
    /// Cancel the import: a queued one at once, a running one at its next batch.
    #[arg(long, requires = "import_id")]
    pub cancel: bool,
    /// Most imports listed.
    #[arg(long, default_value_t = 50)]
    pub limit: i64,
}

/// `salesos undo IMPORT_ID`.
#[derive(Debug, Args)]
pub struct UndoArgs {
    /// The import to undo.
    pub import_id: i64,
    /// Leave records edited since the import as they are; undo the rest.
    #[arg(long, conflicts_with = "revert_all")]
    pub keep_later_edits: bool,
    /// Revert records edited since the import too (their later edits are lost).
    #[arg(long)]
    pub revert_all: bool,
}

/// `salesos import FILE`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file to import.
    #[arg(required_unless_present = "resume")]
    pub file: Option<PathBuf>,
    /// Resume an interrupted import from its last committed batch (takes no file).
    #[arg(long, value_name = "IMPORT_ID", conflicts_with = "file")]
    pub resume: Option<i64>,
    /// Only submit the import: it waits in the queue for a server's worker (`salesos serve`).
    #[arg(long)]
    pub background: bool,
    /// Imports that may run at once in one organization; more wait in the queue.
    #[arg(long, default_value_t = 3, env = "SALESOS_MAX_CONCURRENT_IMPORTS", value_name = "N")]
    pub max_concurrent: i64,
    /// How long the import's claim holds without a heartbeat, ms (a running import heartbeats at
    /// most once a second, or every quarter lease).
    #[arg(long, hide = true, default_value_t = 30_000, env = "SALESOS_IMPORT_LEASE_MS", value_name = "MS")]
    pub import_lease_ms: i64,
    /// Show the detected settings and the first rows, without importing.
    #[arg(long)]
    pub preview: bool,
    /// Rows to show with --preview.
    #[arg(long, default_value_t = 10)]
    pub rows: usize,
    /// Text encoding (utf-8, windows-1252, iso-8859-7, shift_jis, utf-16le, utf-32be…); default detected.
    #[arg(long)]
    pub encoding: Option<String>,
    /// CSV delimiter: one character, or tab, comma, semicolon, pipe; default detected.
    #[arg(long)]
    pub delimiter: Option<String>,
    /// CSV quote character; default detected.
    #[arg(long)]
    pub quote: Option<String>,
    /// How quotes are escaped inside quoted CSV fields: doubled or backslash; default detected.
    #[arg(long)]
    pub escape: Option<String>,
    /// The header row, 1-based; 0 when the file has no header; default detected.
    #[arg(long)]
    pub header_row: Option<u64>,
    /// Workbook sheet to read (repeatable); default the first visible sheet.
    #[arg(long = "sheet", value_name = "NAME")]
    pub sheets: Vec<String>,
    /// The object to import into: contacts, accounts, leads, deals, activities, products, notes or a custom object.
    #[arg(long)]
    pub object: Option<String>,
    /// A mapping spec file (JSON), or the name of a saved mapping; default the remembered mapping
    /// for these headers, else auto-mapping.
    #[arg(long, value_name = "FILE|NAME")]
    pub mapping: Option<String>,
    /// Save the mapping used under this name, shared in the organization.
    #[arg(long, value_name = "NAME")]
    pub save_mapping: Option<String>,
    /// What to do with rows that match an existing record: skip, update or create
    /// (update-if-newer and flag are reserved for fuzzy duplicate handling).
    #[arg(long, value_name = "STRATEGY")]
    pub on_duplicate: Option<String>,
    /// What decides a duplicate: email, phone, external-id:SYSTEM, name+domain or FIELD[,FIELD…].
    #[arg(long = "match", value_name = "MATCH")]
    pub match_on: Option<String>,
    /// Day/month order of ambiguous dates: dmy or mdy.
    #[arg(long, value_name = "ORDER")]
    pub date_order: Option<String>,
    /// Whether empty cells clear fields on update: keep (default) or clear.
    #[arg(long, value_name = "MODE")]
    pub empty_cells: Option<String>,
    /// Create referenced accounts that do not exist yet (by name).
    #[arg(long)]
    pub create_missing: bool,
    /// Run every stage but the commit and report what the run would do.
    #[arg(long)]
    pub dry_run: bool,
    /// Write the error report here (CSV, or XLSX by extension).
    #[arg(long, value_name = "FILE")]
    pub error_report: Option<PathBuf>,
    /// Write the rows that failed here, with an Errors column, ready to fix and import again.
    #[arg(long, value_name = "FILE")]
    pub failed_rows: Option<PathBuf>,
    /// Rows per batch of reference and duplicate lookups (updates commit with their batch);
    /// default 500 on SQLite, 2,000 on PostgreSQL (where each batch's lookups are round trips).
    #[arg(long, value_name = "ROWS")]
    pub batch_rows: Option<usize>,
    /// New records written per transaction (a transaction also settles at most twice as many rows).
    #[arg(long, default_value_t = 10_000, value_name = "ROWS")]
    pub commit_rows: usize,
    /// SQLite page cache of the importing process, MiB, shared by its two connections (no memory map).
    #[arg(long, default_value_t = 8, value_name = "MIB")]
    pub cache_mib: u64,
    /// Most columns that may target custom fields in one import.
    #[arg(long, default_value_t = 200, value_name = "N")]
    pub max_custom_fields: usize,
    /// Most data rows per import (the spec's limit is 100,000).
    #[arg(long, default_value_t = 100_000, value_name = "ROWS")]
    pub max_rows: u64,
    /// Largest file accepted, in MB (the spec: CSV and Excel 50, JSON 25, vCard 10); raises all four.
    #[arg(long, value_name = "MB")]
    pub max_file_mb: Option<u64>,
}

/// `salesos serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "SALESOS_BIND")]
    pub bind: String,
    /// Do not create the demo organization on an empty database.
    #[arg(long)]
    pub no_demo: bool,
    /// Send session cookies only over HTTPS (default: on unless listening on loopback).
    #[arg(long)]
    pub secure_cookies: Option<bool>,
    /// Background worker threads (imports run on them, one each).
    #[arg(long, default_value_t = 4, env = "SALESOS_WORKERS", value_name = "N")]
    pub workers: usize,
    /// Imports that may run at once in one organization, across every server on the database.
    #[arg(long, default_value_t = 3, env = "SALESOS_MAX_CONCURRENT_IMPORTS", value_name = "N")]
    pub max_concurrent_imports: i64,
    /// Largest upload accepted, in MB (default: the spec's per-format limits, 50 MB at most).
    #[arg(long, env = "SALESOS_MAX_UPLOAD_MB", value_name = "MB")]
    pub max_upload_mb: Option<u64>,
    /// How long an import's claim holds without a heartbeat, ms; an abandoned import is picked
    /// up once it ends.
    #[arg(long, hide = true, default_value_t = 30_000, env = "SALESOS_IMPORT_LEASE_MS", value_name = "MS")]
    pub import_lease_ms: i64,
}

/// Output file formats of the generator.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GenFormat {
    /// Comma-separated values.
    Csv,
    /// Excel workbook.
    Xlsx,
    /// JSON array of objects.
    Json,
    /// vCard 3.0 (contacts and leads).
    Vcf,
}

/// `salesos generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Object to generate: contacts, accounts, leads, deals, activities, products.
    pub object: String,
    /// Number of rows.
    #[arg(long, default_value_t = 1000)]
    pub rows: u64,
    /// Seed; the same seed gives the same data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Share of rows that are near-duplicates of earlier rows (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    pub duplicates: f64,
    /// Share of rows with one invalid value (0 to 1; files only).
    #[arg(long, default_value_t = 0.0)]
    pub invalid: f64,
    /// File format; default from the output file's extension, else CSV.
    #[arg(long, value_enum)]
    pub format: Option<GenFormat>,
    /// Output file.
    #[arg(short = 'o', long = "output", required_unless_present = "into_store", conflicts_with = "into_store")]
    pub output: Option<PathBuf>,
    /// Write the records into the current organization instead of a file.
    #[arg(long)]
    pub into_store: bool,
    /// Records per transaction with --into-store.
    #[arg(long, default_value_t = 10_000)]
    pub batch: usize,
}

/// `salesos records …`.
#[derive(Debug, Subcommand)]
pub enum RecordsCommand {
    /// List records, filtered, sorted and paginated.
    List {
        /// Object api name.
        object: String,
        /// Filter, e.g. `email contains "@acme.io" and custom.score > 50`.
        #[arg(long, default_value = "", allow_hyphen_values = true)]
        filter: String,
        /// Sort, e.g. `last_name`, `-created_at`, `amount desc`.
        #[arg(long, default_value = "", allow_hyphen_values = true)]
        sort: String,
        /// Records per page (1 to 10000).
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Page cursor printed by the previous page.
        #[arg(long)]
        cursor: Option<String>,
        /// Only count the matching records.
        #[arg(long)]
        count: bool,
    },
    /// Show one record.
    Get {
        /// Object api name.
        object: String,
        /// Record id.
        id: i64,
    },
    /// Create a record from field=value pairs.
    Create {
        /// Object api name.
        object: String,
        /// Field values as path=value (repeatable), e.g. --set last_name=Doe --set emails=work:jd@x.io.
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        set: Vec<String>,
        /// External id as system:id (repeatable).
        #[arg(long = "external-id", value_name = "SYSTEM:ID")]
        external_ids: Vec<String>,
    },
    /// Change fields of a record (an empty value clears a field).
    Update {
        /// Object api name.
        object: String,
        /// Record id.
        id: i64,
        /// Field values as path=value (repeatable).
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        set: Vec<String>,
        /// Refuse unless the record is at this version.
        #[arg(long)]
        expect_version: Option<i64>,
    },
    /// Delete a record.
    Delete {
        /// Object api name.
        object: String,
        /// Record id.
        id: i64,
    },
}

/// `salesos objects …`.
#[derive(Debug, Subcommand)]
pub enum ObjectsCommand {
    /// List objects with their record counts, or one object's fields.
    List {
        /// Show this object's fields.
        object: Option<String>,
    },
    /// Define a custom object.
    Create {
        /// Api name (lower-case letters, digits, _).
        name: String,
        /// Singular label.
        #[arg(long, default_value = "")]
        label: String,
        /// Plural label.
        #[arg(long, default_value = "")]
        plural: String,
    },
    /// Index a field (standard or custom) so filters and sorts on it need no scan.
    Index {
        /// Object api name.
        object: String,
        /// Field path, e.g. last_name, email, custom.score.
        field: String,
    },
    /// Add a custom validation rule that every imported row of the object must satisfy
    /// (language: crates/salesos-import/RULES.md).
    AddRule {
        /// Object api name.
        object: String,
        /// Rule name, unique per object.
        name: String,
        /// The expression, e.g. `amount between 1000 and 10000000`.
        expression: String,
        /// Message shown when a row breaks the rule.
        #[arg(long)]
        message: Option<String>,
        /// A broken rule only warns (the row still imports).
        #[arg(long)]
        warning: bool,
    },
    /// List an object's validation rules.
    Rules {
        /// Object api name.
        object: String,
    },
    /// Remove a validation rule.
    RemoveRule {
        /// Object api name.
        object: String,
        /// Rule name.
        name: String,
    },
    /// Add a custom field to an object.
    AddField {
        /// Object api name.
        object: String,
        /// Field api name (lower-case letters, digits, _).
        name: String,
        /// Field type: text, long_text, email, phone, url, number, currency, percent, date, datetime, boolean, picklist, multi_picklist, reference.
        #[arg(long = "type")]
        field_type: String,
        /// Label.
        #[arg(long, default_value = "")]
        label: String,
        /// Records must have a value.
        #[arg(long)]
        required: bool,
        /// Default value.
        #[arg(long)]
        default: Option<String>,
        /// Picklist option as value or value:Label (repeatable).
        #[arg(long = "option")]
        options: Vec<String>,
        /// Referenced object, for reference fields (`any` for any object).
        #[arg(long)]
        references: Option<String>,
        /// Several labelled values (email and phone fields).
        #[arg(long)]
        multi: bool,
    },
}

/// `salesos orgs …`.
#[derive(Debug, Subcommand)]
pub enum OrgsCommand {
    /// Create an organization with its first admin.
    Create {
        /// Unique short name.
        name: String,
        /// Tier: starter, professional, enterprise.
        #[arg(long, default_value = "professional")]
        tier: String,
        /// Locale, e.g. en-US, de-DE.
        #[arg(long, default_value = "en-US")]
        locale: String,
        /// IANA time zone.
        #[arg(long, default_value = "UTC")]
        time_zone: String,
        /// Default phone country (ISO 3166 alpha-2).
        #[arg(long, default_value = "US")]
        phone_country: String,
        /// Default currency (ISO 4217).
        #[arg(long, default_value = "USD")]
        currency: String,
        /// Email of the first admin; default admin@NAME.local.
        #[arg(long)]
        admin_email: Option<String>,
        /// Name of the first admin.
        #[arg(long, default_value = "Admin")]
        admin_name: String,
    },
    /// List organizations.
    List,
}

/// `salesos users …`.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user.
    Create {
        /// Email (login).
        email: String,
        /// Display name.
        #[arg(long, default_value = "")]
        name: String,
        /// Role: admin, manager, member, read-only.
        #[arg(long, default_value = "member")]
        role: String,
        /// Visibility override: own, team, all.
        #[arg(long)]
        visibility: Option<String>,
        /// Teams to join (created if missing; repeatable).
        #[arg(long = "team")]
        teams: Vec<String>,
    },
    /// List users.
    List,
    /// Make an API key for a user (shown once).
    ApiKey {
        /// The user (email or id).
        user: String,
        /// A name for the key.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// Set a permission rule: what a role or user may do on an object or one of its fields.
    Grant {
        /// Object, or object.field (e.g. deals.amount).
        target: String,
        /// Permissions: comma-separated read, edit, import, export; or all, none.
        permissions: String,
        /// Applies to this role.
        #[arg(long, conflicts_with = "user", required_unless_present = "user")]
        role: Option<String>,
        /// Applies to this user (email or id).
        #[arg(long)]
        user: Option<String>,
    },
}

/// File formats of import templates.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TemplateFormatArg {
    /// Comma-separated values (UTF-8 with BOM).
    Csv,
    /// Excel workbook with dropdowns for picklists and required columns marked.
    Xlsx,
}

/// `salesos templates …`.
#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// Write an object's import template: a header that auto-maps and one example row.
    Download {
        /// Object api name (contacts, accounts, … or a custom object).
        object: String,
        /// A saved custom template instead of the standard one.
        #[arg(long, value_name = "NAME")]
        template: Option<String>,
        /// File format; default from the output file's extension, else CSV.
        #[arg(long, value_enum)]
        format: Option<TemplateFormatArg>,
        /// Output file.
        #[arg(short = 'o', long = "out", value_name = "FILE")]
        out: PathBuf,
    },
    /// Save a custom template: chosen fields in column order, shared in the organization.
    Save {
        /// Name, unique in the organization (saving again under it replaces the template).
        name: String,
        /// Object api name.
        #[arg(long)]
        object: String,
        /// Field paths in column order, comma-separated, e.g. last_name,email,emails[work],account.name,custom.score.
        #[arg(long, value_delimiter = ',', required = true)]
        fields: Vec<String>,
        /// Only you may use it.
        #[arg(long)]
        private: bool,
    },
    /// List the custom templates you may use.
    List,
    /// Delete a custom template (its creator or an admin).
    Delete {
        /// Name.
        name: String,
    },
}
