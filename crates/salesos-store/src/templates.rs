//! Saved import templates: an object's chosen field paths in column order, under a name unique
//! in the organization, shared with everyone or private to the user who saved it. The columns
//! are kept as a JSON array of field paths; checking them against the schema is the caller's.

use crate::error::{Result, StoreError};
use crate::sql::{is_unique_violation, Row};
use crate::Store;
use salesos_model::ids::{ObjectId, OrgId, UserId};

/// A saved import template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedTemplate {
    /// Its id.
    pub id: i64,
    /// The object it imports into.
    pub object_id: ObjectId,
    /// Its name, unique in the organization.
    pub name: String,
    /// Field paths, in column order.
    pub columns: Vec<String>,
    /// Who saved it first.
    pub created_by: UserId,
    /// Whether everyone in the organization may use it.
    pub shared: bool,
    /// First saved, ms.
    pub created_at: i64,
    /// Last saved, ms.
    pub updated_at: i64,
}

impl SavedTemplate {
    /// Returns whether a user may see and use the template.
    pub fn visible_to(&self, user: UserId) -> bool {
        self.shared || self.created_by == user
    }
}

const COLUMNS: &str = "id, object_id, name, columns, created_by, shared, created_at, updated_at";

fn template_from_row(row: &Row) -> Result<SavedTemplate> {
    let name = row.text(2)?;
    let json = row.text(3)?;
    let columns: Vec<String> =
        serde_json::from_str(&json).map_err(|err| StoreError::Corrupt(format!("columns of import template {name:?}: {err}")))?;
    Ok(SavedTemplate {
        id: row.int(0)?,
        object_id: ObjectId(row.int(1)?),
        name,
        columns,
        created_by: UserId(row.int(4)?),
        shared: row.bool(5)?,
        created_at: row.int(6)?,
        updated_at: row.int(7)?,
    })
}

impl Store {
    /// Saves a template under its name, replacing the one of that name (whose id, creator and
    /// creation time stay). Whether the caller may replace it is the caller's decision.
    #[allow(clippy::too_many_arguments)]
    pub fn save_template(
        &self,
        org: OrgId,
        object: ObjectId,
        name: &str,
        columns: &[String],
        user: UserId,
        shared: bool,
        now: i64,
    ) -> Result<SavedTemplate> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("a template needs a name".into()));
        }
        let json = serde_json::to_string(columns).map_err(|err| StoreError::Invalid(err.to_string()))?;
        let result = self.write(|tx| {
            let updated = tx.exec(
                "UPDATE import_templates SET object_id = $1, columns = $2, shared = $3, updated_at = $4 WHERE org_id = $5 AND name = $6",
                &[object.0.into(), json.as_str().into(), shared.into(), now.into(), org.0.into(), name.into()],
            )?;
            if updated == 0 {
                tx.exec(
                    "INSERT INTO import_templates (org_id, object_id, name, columns, created_by, shared, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                    &[org.0.into(), object.0.into(), name.into(), json.as_str().into(), user.0.into(), shared.into(), now.into()],
                )?;
            }
            let row = tx.query_one(
                &format!("SELECT {COLUMNS} FROM import_templates WHERE org_id = $1 AND name = $2"),
                &[org.0.into(), name.into()],
            )?;
            template_from_row(&row)
        });
        match result {
            // Another process inserted the name between the update and the insert.
            Err(err) if is_unique_violation(&err) => Err(StoreError::AlreadyExists { what: format!("import template {name:?}") }),
            other => other,
        }
    }

    /// Lists the templates a user may use (their own and the shared ones), by name ignoring
    /// case (sorted here: the backends' collations differ).
    pub fn list_templates(&self, org: OrgId, user: UserId) -> Result<Vec<SavedTemplate>> {
        let mut list = self.read(|tx| {
            tx.query(
                &format!("SELECT {COLUMNS} FROM import_templates WHERE org_id = $1 AND (created_by = $2 OR shared = $3)"),
                &[org.0.into(), user.0.into(), true.into()],
            )?
            .iter()
            .map(template_from_row)
            .collect::<Result<Vec<_>>>()
        })?;
        list.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then_with(|| a.name.cmp(&b.name)));
        Ok(list)
    }

    /// Finds a template by name, whoever may see it (see [`SavedTemplate::visible_to`]).
    pub fn find_template(&self, org: OrgId, name: &str) -> Result<Option<SavedTemplate>> {
        self.read(|tx| {
            tx.query_opt(
                &format!("SELECT {COLUMNS} FROM import_templates WHERE org_id = $1 AND name = $2"),
                &[org.0.into(), name.trim().into()],
            )?
            .as_ref()
            .map(template_from_row)
            .transpose()
        })
    }

    /// Deletes a template by name; returns whether it existed.
    pub fn delete_template(&self, org: OrgId, name: &str) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.exec("DELETE FROM import_templates WHERE org_id = $1 AND name = $2", &[org.0.into(), name.trim().into()])? > 0)
        })
    }
}
