//! The CLI's error is the use cases' error: the shared error object with a stable code, whose
//! exit code (2 for input, 3 for the machine) comes from the one code table in the model.

pub use salesos_app::AppError as CliError;

/// Result of a command.
pub type CliResult<T> = Result<T, CliError>;
