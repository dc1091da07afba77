//! `salesos templates`: download an object's import template (CSV or Excel), and save, list
//! and delete custom templates, through `salesos_app::templates`.

use crate::cli::{GlobalArgs, TemplateFormatArg, TemplatesCommand};
use crate::context::{actor, now_ms};
use crate::error::{CliError, CliResult};
use crate::output::{print_json, say};
use salesos_app::templates::{self, Column, TemplateFormat, TemplateInfo};
use salesos_store::Store;
use serde_json::json;
use std::path::Path;

fn column_json(column: &Column) -> serde_json::Value {
    json!({
        "path": column.path,
        "header": column.header,
        "type": column.field_type.as_str(),
        "required": column.required,
        "options": column.picklist,
        "multiple": column.multiple,
        "example": column.example,
    })
}

fn info_json(info: &TemplateInfo, user: i64) -> serde_json::Value {
    json!({
        "name": info.name,
        "object": info.object,
        "columns": info.columns,
        "shared": info.shared,
        "created_by": info.created_by.0,
        "mine": info.created_by.0 == user,
        "created_at": info.created_at,
        "updated_at": info.updated_at,
    })
}

/// The format asked for, else the one the file's extension names, else CSV.
fn format_of(format: Option<TemplateFormatArg>, out: &Path) -> CliResult<TemplateFormat> {
    match format {
        Some(TemplateFormatArg::Csv) => Ok(TemplateFormat::Csv),
        Some(TemplateFormatArg::Xlsx) => Ok(TemplateFormat::Xlsx),
        None => match out.extension().and_then(|e| e.to_str()) {
            None => Ok(TemplateFormat::Csv),
            Some(ext) => TemplateFormat::parse(ext).ok_or_else(|| {
                CliError::invalid(format!("cannot tell the format from .{ext}: pass --format csv or --format xlsx"))
                    .with_field("format")
            }),
        },
    }
}

/// Runs a `templates` command.
pub fn run(store: &Store, global: &GlobalArgs, command: TemplatesCommand) -> CliResult<u8> {
    let actor = actor(store, global)?;
    match command {
        TemplatesCommand::Download { object, template, format, out } => {
            let format = format_of(format, &out)?;
            let file = templates::download(store, &actor, &object, template.as_deref(), format)?;
            std::fs::write(&out, &file.bytes).map_err(|err| {
                let error: CliError = err.into();
                CliError::new(error.code(), format!("cannot write {}: {}", out.display(), error.body.message)).with_field("out")
            })?;
            if global.json {
                print_json(&json!({
                    "object": object,
                    "template": template,
                    "format": format.as_str(),
                    "file": out.display().to_string(),
                    "bytes": file.bytes.len(),
                    "columns": file.columns.iter().map(column_json).collect::<Vec<_>>(),
                }));
            } else {
                say(format!("Wrote {} ({} columns) to {}.", file.file_name, file.columns.len(), out.display()));
            }
            Ok(0)
        }
        TemplatesCommand::Save { name, object, fields, private } => {
            let info = templates::save(store, &actor, &name, &object, &fields, !private, now_ms())?;
            if global.json {
                print_json(&info_json(&info, actor.user.id.0));
            } else {
                let scope = if info.shared { "shared in the organization" } else { "private" };
                say(format!("Saved template {} for {} ({} columns, {scope}).", info.name, info.object, info.columns.len()));
            }
            Ok(0)
        }
        TemplatesCommand::List => {
            let list = templates::list(store, &actor)?;
            if global.json {
                print_json(&json!({"templates": list.iter().map(|t| info_json(t, actor.user.id.0)).collect::<Vec<_>>()}));
            } else if list.is_empty() {
                say("No saved templates; save one with `salesos templates save NAME --object OBJECT --fields a,b,c`.");
            } else {
                for t in &list {
                    let scope = if t.shared { "shared" } else { "private" };
                    say(format!("{:<24} {:<12} {:<7} {}", t.name, t.object, scope, t.columns.join(",")));
                }
            }
            Ok(0)
        }
        TemplatesCommand::Delete { name } => {
            let info = templates::delete(store, &actor, &name, now_ms())?;
            if global.json {
                print_json(&json!({"deleted": info.name, "object": info.object}));
            } else {
                say(format!("Deleted template {}.", info.name));
            }
            Ok(0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use salesos_model::error::ErrorCode;

    #[test]
    fn the_format_comes_from_the_flag_then_the_extension() {
        assert_eq!(format_of(Some(TemplateFormatArg::Xlsx), Path::new("a.csv")).unwrap(), TemplateFormat::Xlsx);
        assert_eq!(format_of(None, Path::new("a.XLSX")).unwrap(), TemplateFormat::Xlsx);
        assert_eq!(format_of(None, Path::new("a")).unwrap(), TemplateFormat::Csv);
        assert_eq!(format_of(None, Path::new("a.txt")).unwrap_err().code(), ErrorCode::InvalidRequest);
    }
}
