//! The schema of an organization: standard objects (defined in the model) plus custom objects
//! and fields (stored here), and deal pipelines. Loaded fresh on every request or command, so
//! several processes never see a stale schema.

use crate::error::{Result, StoreError};
use crate::orgs::kind_name;
use crate::sql::{is_unique_violation, SqlValue, Tx};
use crate::Store;
use salesos_model::ids::{ObjectId, OrgId, PipelineId};
use salesos_model::schema::{
    check_new_field, check_new_object, standard_objects, FieldDef, FieldType, ObjectDef, ObjectKind, PicklistOption, Pipeline,
    Schema, Stage,
};

/// Creates the default pipeline with the model's default stages.
pub(crate) fn create_default_pipeline(tx: &mut Tx<'_>, org: OrgId) -> Result<()> {
    let pipeline = tx.insert_id(
        "INSERT INTO pipelines (org_id, name, is_default) VALUES ($1, $2, $3) RETURNING id",
        &[org.0.into(), "Sales".into(), true.into()],
    )?;
    for (position, stage) in salesos_model::schema::standard_stages().iter().enumerate() {
        insert_stage(tx, pipeline, position, stage)?;
    }
    Ok(())
}

fn insert_stage(tx: &mut Tx<'_>, pipeline: i64, position: usize, stage: &Stage) -> Result<()> {
    tx.exec(
        "INSERT INTO stages (pipeline_id, position, value, label, probability, closed, won) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            pipeline.into(),
            (position as i64).into(),
            stage.value.as_str().into(),
            stage.label.as_str().into(),
            stage.probability.into(),
            stage.closed.into(),
            stage.won.into(),
        ],
    )?;
    Ok(())
}

/// The standard objects, built once per process (they are code, not data).
fn standard() -> &'static [ObjectDef] {
    static STANDARD: std::sync::OnceLock<Vec<ObjectDef>> = std::sync::OnceLock::new();
    STANDARD.get_or_init(standard_objects)
}

pub(crate) fn load_schema(tx: &mut Tx<'_>, org: OrgId) -> Result<Schema> {
    let standard = standard();
    let object_rows = tx.query(
        "SELECT id, api_name, label, plural_label, kind, name_field FROM objects WHERE org_id = $1 ORDER BY id",
        &[org.0.into()],
    )?;
    let field_rows = tx.query(
        "SELECT f.object_id, f.definition FROM fields f JOIN objects o ON o.id = f.object_id WHERE o.org_id = $1 ORDER BY f.id",
        &[org.0.into()],
    )?;
    let mut objects = Vec::with_capacity(object_rows.len());
    for row in &object_rows {
        let id = ObjectId(row.int(0)?);
        let api_name = row.text(1)?;
        let kind = if row.text(4)? == "custom" { ObjectKind::Custom } else { ObjectKind::Standard };
        let mut fields = match kind {
            ObjectKind::Standard => {
                standard.iter().find(|o| o.api_name == api_name).map(|o| o.fields.clone()).unwrap_or_default()
            }
            ObjectKind::Custom => Vec::new(),
        };
        for field_row in field_rows.iter().filter(|f| f.int(0).ok() == Some(id.0)) {
            let def: FieldDef = serde_json::from_str(&field_row.text(1)?)
                .map_err(|err| StoreError::Corrupt(format!("field definition on {api_name}: {err}")))?;
            fields.push(def);
        }
        objects.push(ObjectDef {
            id,
            api_name,
            label: row.text(2)?,
            plural_label: row.text(3)?,
            kind,
            name_field: row.text(5)?,
            fields,
        });
    }
    let pipelines = load_pipelines(tx, org)?;
    // Deal stages offered by the picklist are the union of all pipelines' stages.
    if let Some(deals) = objects.iter_mut().find(|o| o.api_name == "deals") {
        if let Some(stage_field) = deals.fields.iter_mut().find(|f| f.api_name == "stage") {
            let mut options: Vec<PicklistOption> = Vec::new();
            for stage in pipelines.iter().flat_map(|p| &p.stages) {
                if options.iter().all(|o| o.value != stage.value) {
                    options.push(PicklistOption { value: stage.value.clone(), label: stage.label.clone() });
                }
            }
            if !options.is_empty() {
                stage_field.options = options;
            }
        }
    }
    Ok(Schema { objects, pipelines })
}

fn load_pipelines(tx: &mut Tx<'_>, org: OrgId) -> Result<Vec<Pipeline>> {
    let rows = tx.query("SELECT id, name, is_default FROM pipelines WHERE org_id = $1 ORDER BY id", &[org.0.into()])?;
    let stage_rows = tx.query(
        "SELECT s.pipeline_id, s.value, s.label, s.probability, s.closed, s.won FROM stages s JOIN pipelines p ON p.id = s.pipeline_id
         WHERE p.org_id = $1 ORDER BY s.pipeline_id, s.position",
        &[org.0.into()],
    )?;
    rows.iter()
        .map(|row| {
            let id = row.int(0)?;
            let stages = stage_rows
                .iter()
                .filter(|s| s.int(0).ok() == Some(id))
                .map(|s| {
                    Ok(Stage {
                        value: s.text(1)?,
                        label: s.text(2)?,
                        probability: s.real(3)?,
                        closed: s.bool(4)?,
                        won: s.bool(5)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Pipeline { id: PipelineId(id), name: row.text(1)?, stages, is_default: row.bool(2)? })
        })
        .collect()
}

impl Store {
    /// Loads an organization's schema.
    pub fn schema(&self, org: OrgId) -> Result<Schema> {
        self.read(|tx| load_schema(tx, org))
    }

    /// Defines a custom object with a required name field `name` (text).
    pub fn create_object(&self, org: OrgId, api_name: &str, label: &str, plural_label: &str, now: i64) -> Result<ObjectDef> {
        let api_name = api_name.trim().to_string();
        let result = self.write(|tx| {
            let schema = load_schema(tx, org)?;
            check_new_object(&schema, &api_name)?;
            let label = if label.trim().is_empty() { api_name.replace('_', " ") } else { label.trim().to_string() };
            let plural = if plural_label.trim().is_empty() { label.clone() } else { plural_label.trim().to_string() };
            let id = tx.insert_id(
                "INSERT INTO objects (org_id, api_name, label, plural_label, kind, name_field, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[org.0.into(), api_name.as_str().into(), label.as_str().into(), plural.as_str().into(), kind_name(ObjectKind::Custom).into(), "name".into(), now.into()],
            )?;
            let mut name = FieldDef::new("name", "Name", FieldType::Text);
            name.required = true;
            name.custom = true;
            insert_field(tx, ObjectId(id), &name, now)?;
            Ok(ObjectDef {
                id: ObjectId(id),
                api_name: api_name.clone(),
                label,
                plural_label: plural,
                kind: ObjectKind::Custom,
                name_field: "name".into(),
                fields: vec![name],
            })
        });
        match result {
            Err(err) if is_unique_violation(&err) => Err(StoreError::AlreadyExists { what: format!("object {api_name:?}") }),
            other => other,
        }
    }

    /// Adds a custom field to an object after checking it against the schema and the data.
    ///
    /// A required field needs a default when the object already has records; existing records
    /// then read the default (it is filled in when they are next written).
    pub fn add_field(&self, org: OrgId, object: &str, field: &FieldDef, now: i64) -> Result<FieldDef> {
        let result = self.write(|tx| {
            let schema = load_schema(tx, org)?;
            let def = schema.object(object).ok_or_else(|| StoreError::not_found(format!("object {object:?}")))?;
            let has_records = tx.query_opt("SELECT 1 FROM records WHERE object_id = $1 LIMIT 1", &[def.id.0.into()])?.is_some();
            let stored = check_new_field(&schema, def, field, has_records)?;
            insert_field(tx, def.id, &stored, now)?;
            Ok(stored)
        });
        match result {
            Err(err) if is_unique_violation(&err) => {
                Err(StoreError::AlreadyExists { what: format!("field {:?} on {object}", field.api_name) })
            }
            other => other,
        }
    }

    /// Creates (if missing) an index on one field of an object, so filters and sorts on it do not
    /// scan; returns the index name. Works for standard and custom fields on both backends: the
    /// index expression is the one the query compiler emits.
    pub fn create_field_index(&self, org: OrgId, object: &str, path: &str) -> Result<String> {
        let schema = self.schema(org)?;
        let def = schema.object(object).ok_or_else(|| StoreError::not_found(format!("object {object:?}")))?;
        let resolved = salesos_model::path::resolve(&schema, def, path).map_err(|err| StoreError::Invalid(err.to_string()))?;
        let (key, part) = match &resolved.target {
            salesos_model::path::PathTarget::Field { key } if !def.field(key).is_some_and(|f| f.multi) => {
                let part = if resolved.field_type == FieldType::Currency {
                    crate::compile::Part::First
                } else {
                    crate::compile::Part::Whole
                };
                (key.clone(), part)
            }
            salesos_model::path::PathTarget::Primary { key } => (key.clone(), crate::compile::Part::PrimaryValue),
            _ => {
                return Err(StoreError::Invalid(format!(
                    "cannot index {path:?}: index a single-valued field of the record itself"
                )))
            }
        };
        let expression = self.dialect().scalar("records", &key, part, resolved.field_type).replace("records.data", "data");
        let name = format!("fx_{}_{}", def.id, crate::compile::index_suffix(&key));
        let sql = format!("CREATE INDEX IF NOT EXISTS {name} ON records (object_id, ({expression}))");
        self.write(|tx| tx.batch(&sql))?;
        // Fresh statistics, so the planner knows how selective the new index is.
        self.optimize_after_bulk_load()?;
        Ok(name)
    }

    /// Adds a pipeline with its stages.
    pub fn create_pipeline(&self, org: OrgId, name: &str, stages: &[Stage]) -> Result<Pipeline> {
        if stages.is_empty() {
            return Err(StoreError::Invalid(format!("pipeline {name:?} needs at least one stage")));
        }
        let result = self.write(|tx| {
            let id = tx.insert_id(
                "INSERT INTO pipelines (org_id, name, is_default) VALUES ($1, $2, $3) RETURNING id",
                &[org.0.into(), name.trim().into(), SqlValue::Bool(Some(false))],
            )?;
            for (position, stage) in stages.iter().enumerate() {
                insert_stage(tx, id, position, stage)?;
            }
            Ok(id)
        });
        match result {
            Ok(id) => Ok(Pipeline { id: PipelineId(id), name: name.trim().into(), stages: stages.to_vec(), is_default: false }),
            Err(err) if is_unique_violation(&err) => {
                Err(StoreError::AlreadyExists { what: format!("pipeline or stage in {name:?}") })
            }
            Err(err) => Err(err),
        }
    }
}

fn insert_field(tx: &mut Tx<'_>, object: ObjectId, field: &FieldDef, now: i64) -> Result<()> {
    let json = serde_json::to_string(field).map_err(|err| StoreError::Corrupt(err.to_string()))?;
    tx.exec(
        "INSERT INTO fields (object_id, api_name, definition, created_at) VALUES ($1, $2, $3, $4)",
        &[object.0.into(), field.api_name.as_str().into(), json.into(), now.into()],
    )?;
    Ok(())
}
