//! Checking a write's input against the object's metadata (`check`, giving `Checked` values),
//! sealing its sensitive values, and the errors a refused write answers with.

use super::DataStore;
use crate::StoreError;
use kith_core::fields::{self, Cell, ColumnType, FieldType};
use kith_core::metadata::{FieldMeta, ObjectMeta};
use kith_core::{ApiError, FieldError};
use serde_json::{Map, Value};
use uuid::Uuid;

/// Keys of a record that Kith sets and a request may not.
const READ_ONLY_KEYS: [&str; 5] = [
    "createdAt",
    "updatedAt",
    "deletedAt",
    "createdBy",
    "updatedBy",
];

/// A write's checked values: the columns to set and the fields they belong to.
#[derive(Default, Clone)]
pub(super) struct Checked<'o> {
    pub id: Option<Uuid>,
    pub position: Option<f64>,
    pub columns: Vec<(String, ColumnType, Cell)>,
    pub fields: Vec<&'o FieldMeta>,
    pub relations: Vec<(&'o FieldMeta, Uuid)>,
}

pub(super) fn field_error(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Checks a request body against the object. `creating` adds defaults and required checks.
pub(super) fn check<'o>(
    object: &'o ObjectMeta,
    input: &Map<String, Value>,
    creating: bool,
) -> Result<Checked<'o>, ApiError> {
    let mut checked = Checked::default();
    let mut errors = Vec::new();
    for (key, value) in input {
        match key.as_str() {
            "id" if creating => match value.as_str().and_then(|t| Uuid::parse_str(t).ok()) {
                Some(id) => checked.id = Some(id),
                None => errors.push(field_error("id", "must be a UUID")),
            },
            "id" => errors.push(field_error("id", "cannot change")),
            "position" => match value.as_f64().filter(|f| f.is_finite()) {
                Some(position) => checked.position = Some(position),
                None => errors.push(field_error("position", "must be a number")),
            },
            key if READ_ONLY_KEYS.contains(&key) => {
                errors.push(field_error(key, "is set by Kith and cannot be written"))
            }
            key => match object.field_for_key(key) {
                Some(field) => add_field(&mut checked, &mut errors, field, key, value),
                None => errors.push(unknown_key(object, key)),
            },
        }
    }
    if creating {
        for field in object.active_fields() {
            let given = checked.fields.iter().any(|f| f.id == field.id);
            if let (false, Some(default)) = (given, &field.default_value) {
                add_field(&mut checked, &mut errors, field, &field.key(), default);
            }
        }
    }
    for field in object.active_fields().filter(|f| !f.is_nullable) {
        let cleared = checked
            .columns
            .iter()
            .any(|(column, _, cell)| *cell == Cell::Null && field.columns().contains(column));
        let missing = creating && !checked.fields.iter().any(|f| f.id == field.id);
        if cleared || missing {
            errors.push(field_error(&field.key(), "is required"));
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(ApiError::invalid_fields(errors))
    }
}

fn unknown_key(object: &ObjectMeta, key: &str) -> FieldError {
    match object.field(key) {
        Some(relation) if relation.field_type == FieldType::Relation => field_error(
            key,
            format!("is a relation: send {key}Id with the related record's id"),
        ),
        _ => field_error(key, format!("is not a field of {}", object.name_singular)),
    }
}

fn add_field<'o>(
    checked: &mut Checked<'o>,
    errors: &mut Vec<FieldError>,
    field: &'o FieldMeta,
    key: &str,
    value: &Value,
) {
    match fields::input(field.field_type, &field.rules(), key, value) {
        Ok(input) => {
            let parts = field.field_type.parts();
            for (index, cell) in input.cells {
                if let (FieldType::Relation, Cell::Uuid(target)) = (field.field_type, &cell) {
                    checked.relations.push((field, *target));
                }
                checked
                    .columns
                    .push((parts[index].column(&field.column), parts[index].kind, cell));
            }
            checked.fields.push(field);
        }
        Err(mut field_errors) => errors.append(&mut field_errors),
    }
}

pub(super) fn rejected(error: ApiError) -> StoreError {
    StoreError::Rejected(error)
}

pub(super) fn not_found(object: &ObjectMeta) -> StoreError {
    rejected(ApiError::not_found(&object.label_singular))
}

/// A refused write in the API's words: a duplicate of a unique field is a 409 naming the field.
pub(super) fn write_error(object: &ObjectMeta, error: StoreError) -> StoreError {
    let StoreError::Database(sqlx::Error::Database(db)) = &error else {
        return error;
    };
    if !db.is_unique_violation() {
        return error;
    }
    let text = format!("{} {}", db.message(), db.constraint().unwrap_or_default());
    // The search index holds one entry per record of every object: an id taken by a record of
    // another object fails there.
    if text.contains("_kith_search") {
        let mut api = ApiError::conflict("another record of this workspace already has this id");
        api.details = vec![field_error(
            "id",
            "is already the id of a record of another object",
        )];
        return rejected(api);
    }
    // SQLite names the column (`companies.id`), PostgreSQL the primary key (`companies_pkey`).
    if text.contains(&format!("{}.id", object.table)) || text.ends_with("_pkey") {
        let mut api = ApiError::conflict(format!(
            "another {} already has this id",
            object.label_singular.to_lowercase()
        ));
        api.details = vec![field_error("id", "is already the id of another record")];
        return rejected(api);
    }
    let field = object.active_fields().filter(|f| f.is_unique).find(|f| {
        text.contains(&format!("ux_{}", f.id.simple()))
            || f.columns().iter().any(|c| text.contains(c.as_str()))
    });
    let Some(field) = field else { return error };
    let part = field
        .field_type
        .parts()
        .first()
        .map(|p| p.name)
        .unwrap_or_default();
    let path = if part.is_empty() {
        field.key()
    } else {
        format!("{}.{part}", field.key())
    };
    let mut api = ApiError::conflict(format!(
        "another {} already has this {path}",
        object.label_singular.to_lowercase()
    ));
    api.details = vec![field_error(&path, "is already used by another record")];
    rejected(api)
}

impl DataStore {
    /// The checked values with every sensitive value encrypted for storage.
    pub(super) fn sealed<'o>(&self, checked: &Checked<'o>) -> Result<Checked<'o>, StoreError> {
        let mut sealed = checked.clone();
        for field in checked
            .fields
            .iter()
            .filter(|f| f.field_type == FieldType::SensitiveText)
        {
            let columns = field.columns();
            for (_, _, cell) in sealed
                .columns
                .iter_mut()
                .filter(|(column, _, _)| columns.contains(column))
            {
                if let Cell::Text(plain) = cell {
                    *cell =
                        Cell::Bytes(self.db.cipher.encrypt(self.workspace_id, field.id, plain)?);
                }
            }
        }
        Ok(sealed)
    }
}
