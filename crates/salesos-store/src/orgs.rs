//! Organizations: creation (with their standard objects and default pipeline) and lookup.

use crate::error::{Result, StoreError};
use crate::sql::{is_unique_violation, Row, Tx};
use crate::Store;
use salesos_model::ids::OrgId;
use salesos_model::org::{OrgSettings, Organization};
use salesos_model::schema::{standard_objects, ObjectKind};

const ORG_COLUMNS: &str = "id, name, settings, created_at";

fn org_from_row(row: &Row) -> Result<Organization> {
    let settings: OrgSettings =
        serde_json::from_str(&row.text(2)?).map_err(|err| StoreError::Corrupt(format!("organization settings: {err}")))?;
    Ok(Organization { id: OrgId(row.int(0)?), name: row.text(1)?, settings, created_at: row.int(3)? })
}

impl Store {
    /// Creates an organization with its standard objects and the default sales pipeline.
    pub fn create_org(&self, name: &str, settings: &OrgSettings, now: i64) -> Result<Organization> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("organization name is empty".into()));
        }
        let settings_json = serde_json::to_string(settings).map_err(|err| StoreError::Corrupt(err.to_string()))?;
        let result = self.write(|tx| {
            let id = tx.insert_id(
                "INSERT INTO orgs (name, settings, created_at) VALUES ($1, $2, $3) RETURNING id",
                &[name.into(), settings_json.clone().into(), now.into()],
            )?;
            for object in standard_objects() {
                tx.exec(
                    "INSERT INTO objects (org_id, api_name, label, plural_label, kind, name_field, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    &[
                        id.into(),
                        object.api_name.as_str().into(),
                        object.label.as_str().into(),
                        object.plural_label.as_str().into(),
                        kind_name(object.kind).into(),
                        object.name_field.as_str().into(),
                        now.into(),
                    ],
                )?;
            }
            crate::schema::create_default_pipeline(tx, OrgId(id))?;
            Ok(id)
        });
        match result {
            Ok(id) => Ok(Organization { id: OrgId(id), name: name.into(), settings: settings.clone(), created_at: now }),
            Err(err) if is_unique_violation(&err) => Err(StoreError::AlreadyExists { what: format!("organization {name:?}") }),
            Err(err) => Err(err),
        }
    }

    /// Lists every organization, oldest first.
    pub fn list_orgs(&self) -> Result<Vec<Organization>> {
        self.read(|tx| tx.query(&format!("SELECT {ORG_COLUMNS} FROM orgs ORDER BY id"), &[])?.iter().map(org_from_row).collect())
    }

    /// Finds an organization by name or numeric id.
    pub fn find_org(&self, name_or_id: &str) -> Result<Organization> {
        self.read(|tx| find_org(tx, name_or_id))
    }

    /// Replaces an organization's settings.
    pub fn update_org_settings(&self, org: OrgId, settings: &OrgSettings) -> Result<()> {
        let json = serde_json::to_string(settings).map_err(|err| StoreError::Corrupt(err.to_string()))?;
        let changed = self.write(|tx| tx.exec("UPDATE orgs SET settings = $1 WHERE id = $2", &[json.into(), org.0.into()]))?;
        if changed == 0 {
            return Err(StoreError::not_found(format!("organization {org}")));
        }
        Ok(())
    }
}

pub(crate) fn find_org(tx: &mut Tx<'_>, name_or_id: &str) -> Result<Organization> {
    let row = match name_or_id.trim().parse::<i64>() {
        Ok(id) => tx.query_opt(&format!("SELECT {ORG_COLUMNS} FROM orgs WHERE id = $1"), &[id.into()])?,
        Err(_) => tx.query_opt(&format!("SELECT {ORG_COLUMNS} FROM orgs WHERE name = $1"), &[name_or_id.trim().into()])?,
    };
    row.as_ref().map(org_from_row).transpose()?.ok_or_else(|| StoreError::not_found(format!("organization {name_or_id:?}")))
}

pub(crate) fn kind_name(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Standard => "standard",
        ObjectKind::Custom => "custom",
    }
}
