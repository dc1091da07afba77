//! What admins and users keep for imports: custom validation rules per object (stored as the
//! rule's JSON definition, which `salesos-import` reads), and saved mappings — remembered by the
//! fingerprint of a file's header set, or named and shared in the organization.

use crate::error::{Result, StoreError};
use crate::sql::{is_unique_violation, Row};
use crate::Store;
use salesos_model::ids::{ObjectId, OrgId, UserId};

/// A stored validation rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRule {
    /// Its id.
    pub id: i64,
    /// The object it checks.
    pub object_id: ObjectId,
    /// Its name, unique per object.
    pub name: String,
    /// The rule definition as JSON.
    pub definition: String,
}

/// A stored mapping spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedMapping {
    /// Its id.
    pub id: i64,
    /// The object it imports into.
    pub object_id: ObjectId,
    /// Its name, when saved by name.
    pub name: Option<String>,
    /// The fingerprint of the header set it was confirmed for.
    pub fingerprint: String,
    /// The mapping spec as JSON.
    pub spec: String,
    /// Who saved it.
    pub created_by: UserId,
    /// Whether everyone in the organization may use it.
    pub shared: bool,
    /// Last saved, ms.
    pub updated_at: i64,
}

const MAPPING_COLUMNS: &str = "id, object_id, name, fingerprint, spec, created_by, shared, updated_at";

fn mapping_from_row(row: &Row) -> Result<SavedMapping> {
    Ok(SavedMapping {
        id: row.int(0)?,
        object_id: ObjectId(row.int(1)?),
        name: row.opt_text(2)?,
        fingerprint: row.text(3)?,
        spec: row.text(4)?,
        created_by: UserId(row.int(5)?),
        shared: row.bool(6)?,
        updated_at: row.int(7)?,
    })
}

fn rule_from_row(row: &Row) -> Result<StoredRule> {
    Ok(StoredRule { id: row.int(0)?, object_id: ObjectId(row.int(1)?), name: row.text(2)?, definition: row.text(3)? })
}

impl Store {
    /// Adds a validation rule to an object; names are unique per object.
    pub fn add_validation_rule(
        &self,
        org: OrgId,
        object: ObjectId,
        name: &str,
        definition: &str,
        now: i64,
    ) -> Result<StoredRule> {
        let result = self.write(|tx| {
            tx.insert_id(
                "INSERT INTO validation_rules (org_id, object_id, name, definition, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[org.0.into(), object.0.into(), name.into(), definition.into(), now.into()],
            )
        });
        match result {
            Ok(id) => Ok(StoredRule { id, object_id: object, name: name.into(), definition: definition.into() }),
            Err(err) if is_unique_violation(&err) => Err(StoreError::AlreadyExists { what: format!("validation rule {name:?}") }),
            Err(err) => Err(err),
        }
    }

    /// Lists an object's validation rules, oldest first.
    pub fn validation_rules(&self, org: OrgId, object: ObjectId) -> Result<Vec<StoredRule>> {
        self.read(|tx| {
            tx.query(
                "SELECT id, object_id, name, definition FROM validation_rules WHERE org_id = $1 AND object_id = $2 ORDER BY id",
                &[org.0.into(), object.0.into()],
            )?
            .iter()
            .map(rule_from_row)
            .collect()
        })
    }

    /// Deletes a validation rule by name; returns whether it existed.
    pub fn delete_validation_rule(&self, org: OrgId, object: ObjectId, name: &str) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.exec(
                "DELETE FROM validation_rules WHERE org_id = $1 AND object_id = $2 AND name = $3",
                &[org.0.into(), object.0.into(), name.into()],
            )? > 0)
        })
    }

    /// Saves a mapping: by name (replacing the mapping of that name), or, without a name, as the
    /// user's remembered mapping for the header fingerprint (replacing the previous one).
    #[allow(clippy::too_many_arguments)]
    pub fn save_mapping(
        &self,
        org: OrgId,
        object: ObjectId,
        name: Option<&str>,
        fingerprint: &str,
        spec: &str,
        user: UserId,
        shared: bool,
        now: i64,
    ) -> Result<SavedMapping> {
        self.write(|tx| {
            match name {
                Some(name) => tx.exec("DELETE FROM saved_mappings WHERE org_id = $1 AND name = $2", &[org.0.into(), name.into()])?,
                None => tx.exec(
                    "DELETE FROM saved_mappings WHERE org_id = $1 AND object_id = $2 AND fingerprint = $3 AND created_by = $4 AND name IS NULL",
                    &[org.0.into(), object.0.into(), fingerprint.into(), user.0.into()],
                )?,
            };
            let id = tx.insert_id(
                "INSERT INTO saved_mappings (org_id, object_id, name, fingerprint, spec, created_by, shared, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                &[
                    org.0.into(),
                    object.0.into(),
                    name.map(str::to_string).into(),
                    fingerprint.into(),
                    spec.into(),
                    user.0.into(),
                    shared.into(),
                    now.into(),
                ],
            )?;
            Ok(SavedMapping {
                id,
                object_id: object,
                name: name.map(str::to_string),
                fingerprint: fingerprint.into(),
                spec: spec.into(),
                created_by: user,
                shared,
                updated_at: now,
            })
        })
    }

    /// Returns the mapping to offer for a file: the newest of the user's own or the shared ones
    /// saved for the same object and header fingerprint.
    pub fn remembered_mapping(
        &self,
        org: OrgId,
        object: ObjectId,
        fingerprint: &str,
        user: UserId,
    ) -> Result<Option<SavedMapping>> {
        self.read(|tx| {
            tx.query_opt(
                &format!(
                    "SELECT {MAPPING_COLUMNS} FROM saved_mappings WHERE org_id = $1 AND object_id = $2 AND fingerprint = $3
                     AND (created_by = $4 OR shared = $5) ORDER BY (created_by = $4) DESC, updated_at DESC, id DESC LIMIT 1"
                ),
                &[org.0.into(), object.0.into(), fingerprint.into(), user.0.into(), true.into()],
            )?
            .as_ref()
            .map(mapping_from_row)
            .transpose()
        })
    }

    /// Finds a named mapping the user may use (their own or a shared one).
    pub fn find_mapping(&self, org: OrgId, name: &str, user: UserId) -> Result<SavedMapping> {
        self.read(|tx| {
            tx.query_opt(
                &format!(
                    "SELECT {MAPPING_COLUMNS} FROM saved_mappings WHERE org_id = $1 AND name = $2 AND (created_by = $3 OR shared = $4)"
                ),
                &[org.0.into(), name.into(), user.0.into(), true.into()],
            )?
            .as_ref()
            .map(mapping_from_row)
            .transpose()?
            .ok_or_else(|| StoreError::not_found(format!("mapping {name:?}")))
        })
    }

    /// Lists the named mappings a user may use, by name.
    pub fn list_mappings(&self, org: OrgId, user: UserId) -> Result<Vec<SavedMapping>> {
        self.read(|tx| {
            tx.query(
                &format!(
                    "SELECT {MAPPING_COLUMNS} FROM saved_mappings WHERE org_id = $1 AND name IS NOT NULL AND (created_by = $2 OR shared = $3) ORDER BY name"
                ),
                &[org.0.into(), user.0.into(), true.into()],
            )?
            .iter()
            .map(mapping_from_row)
            .collect()
        })
    }
}
