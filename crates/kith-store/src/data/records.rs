//! Records of any object: create, read, update, delete (to the trash), restore, destroy, list.
//! Every write checks its values against the metadata first, changes nothing if any is wrong,
//! and records an event in the same transaction.

use super::DataStore;
use super::query::{
    DEFAULT_LIMIT, ListQuery, MAX_LIMIT, Page, after_sql, decode_cursor, encode_cursor, filter_sql,
    flip, order_sql, sort_columns,
};
use super::schema::SYSTEM_COLUMNS;
use super::search::index_record;
use super::sql::{Args, quote};
use crate::StoreError;
use crate::db::Tx;
use kith_core::access::Action;
use kith_core::fields::{self, Cell, CellOutput, ColumnType, FieldType, Output};
use kith_core::filter::Filter;
use kith_core::metadata::{Actor, FieldMeta, ObjectMeta, WORKSPACE_MEMBER};
use kith_core::{ApiError, FieldError};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use std::borrow::Cow;
use std::sync::Arc;
use uuid::Uuid;

/// How long a workspace's catalog is used before it is read again.
pub const CATALOG_TTL: std::time::Duration = std::time::Duration::from_secs(2);

/// Keys of a record that Kith sets and a request may not.
const READ_ONLY_KEYS: [&str; 5] = [
    "createdAt",
    "updatedAt",
    "deletedAt",
    "createdBy",
    "updatedBy",
];

/// The columns a read selects (system columns, then each active field's parts) and where each
/// field's cells start.
pub(super) struct Projection<'o> {
    /// Column names, unquoted.
    columns: Vec<String>,
    kinds: Vec<ColumnType>,
    /// Each field, its key in a record, and where its cells start.
    fields: Vec<(&'o FieldMeta, String, usize)>,
    /// Opens sensitive values: the cipher and the workspace they belong to.
    cipher: crate::Cipher,
    workspace_id: Uuid,
}

impl<'o> Projection<'o> {
    pub(super) fn of(object: &'o ObjectMeta, store: &DataStore) -> Projection<'o> {
        let mut columns: Vec<String> = SYSTEM_COLUMNS
            .iter()
            .map(|(name, _)| (*name).to_owned())
            .collect();
        let mut kinds: Vec<ColumnType> = SYSTEM_COLUMNS.iter().map(|(_, kind)| *kind).collect();
        let mut fields = Vec::new();
        for field in object.active_fields() {
            fields.push((field, field.key(), columns.len()));
            for part in field.field_type.parts() {
                columns.push(part.column(&field.column));
                kinds.push(part.kind);
            }
        }
        Projection {
            columns,
            kinds,
            fields,
            cipher: store.db.cipher.clone(),
            workspace_id: store.workspace_id,
        }
    }

    fn select(&self) -> String {
        self.columns
            .iter()
            .map(|c| quote(c))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Where each column's cell goes in a row of this projection.
    pub(super) fn positions(&self) -> std::collections::HashMap<&str, usize> {
        self.columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect()
    }

    /// A row of this projection with every cell NULL.
    pub(super) fn empty_row(&self) -> Vec<Cell> {
        vec![Cell::Null; self.kinds.len()]
    }

    /// A record's JSON, Twenty's shape: system fields, then every field by its key.
    pub(super) fn record(&self, row: &[Cell]) -> Result<Value, StoreError> {
        let row = self.open(row)?;
        serde_json::to_value(RecordOutput {
            projection: self,
            row: &row,
        })
        .map_err(super::batch::answer_error)
    }

    /// The row with every sensitive value decrypted.
    fn open<'r>(&self, row: &'r [Cell]) -> Result<Cow<'r, [Cell]>, StoreError> {
        let mut opened = Cow::Borrowed(row);
        for (field, _, start) in &self.fields {
            if let Some(Cell::Bytes(sealed)) = row.get(*start) {
                let plain = self.cipher.decrypt(self.workspace_id, field.id, sealed)?;
                opened.to_mut()[*start] = Cell::Text(plain);
            }
        }
        Ok(opened)
    }

    /// The cells of `field` in `row`.
    pub(super) fn cells_of<'r>(
        &self,
        row: &'r [Cell],
        start: usize,
        field: &FieldMeta,
    ) -> &'r [Cell] {
        row.get(start..start + field.field_type.parts().len())
            .unwrap_or_default()
    }

    /// Each field, its key, and where its cells start in a row.
    pub(super) fn fields(&self) -> &[(&'o FieldMeta, String, usize)] {
        &self.fields
    }
}

/// A row of a [`Projection`], sensitive values opened, written straight to a serializer in
/// Twenty's shape: system fields, then every field by its key.
pub(super) struct RecordOutput<'a> {
    pub projection: &'a Projection<'a>,
    pub row: &'a [Cell],
}

impl Serialize for RecordOutput<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let cell = |i: usize| CellOutput(self.row.get(i).unwrap_or(&Cell::Null));
        let actor = |source: usize| ActorOutput([cell(source), cell(source + 1), cell(source + 2)]);
        let mut map = serializer.serialize_map(Some(7 + self.projection.fields.len()))?;
        map.serialize_entry("id", &cell(0))?;
        map.serialize_entry("createdAt", &cell(1))?;
        map.serialize_entry("updatedAt", &cell(2))?;
        map.serialize_entry("deletedAt", &cell(3))?;
        map.serialize_entry("createdBy", &actor(4))?;
        map.serialize_entry("updatedBy", &actor(7))?;
        map.serialize_entry("position", &cell(10))?;
        for (field, key, start) in &self.projection.fields {
            let cells = self.projection.cells_of(self.row, *start, field);
            map.serialize_entry(
                key,
                &Output {
                    field_type: field.field_type,
                    cells,
                },
            )?;
        }
        map.end()
    }
}

/// `createdBy` / `updatedBy`: source, member and name.
struct ActorOutput<'a>([CellOutput<'a>; 3]);

impl Serialize for ActorOutput<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let [source, member, name] = &self.0;
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("source", source)?;
        map.serialize_entry("workspaceMemberId", member)?;
        map.serialize_entry("name", name)?;
        map.end()
    }
}

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

pub(super) fn actor_cells(actor: &Actor) -> [(ColumnType, Cell); 3] {
    [
        (
            ColumnType::Text,
            Cell::Text(actor.source.as_str().to_owned()),
        ),
        (
            ColumnType::Uuid,
            actor.workspace_member_id.map_or(Cell::Null, Cell::Uuid),
        ),
        (ColumnType::Text, Cell::Text(actor.name.clone())),
    ]
}

fn now() -> Cell {
    Cell::DateTime(chrono::Utc::now())
}

pub(super) fn rejected(error: ApiError) -> StoreError {
    StoreError::Rejected(error)
}

pub(super) fn not_found(object: &ObjectMeta) -> StoreError {
    rejected(ApiError::not_found(&object.label_singular))
}

impl DataStore {
    /// Every object of the workspace. Read at most every [`CATALOG_TTL`] per instance: this
    /// instance's own metadata changes show at once, other instances' within that time.
    pub async fn objects(&self) -> Result<Arc<Vec<ObjectMeta>>, StoreError> {
        let cached = self
            .db
            .workspace_files
            .catalogs
            .lock()
            .ok()
            .and_then(|catalogs| {
                catalogs
                    .get(&self.workspace_id)
                    .filter(|(read_at, _)| read_at.elapsed() < CATALOG_TTL)
                    .map(|(_, c)| Arc::clone(c))
            });
        if let Some(catalog) = cached {
            return Ok(catalog);
        }
        let catalog = Arc::new(super::schema::load_objects(self).await?);
        if let Ok(mut catalogs) = self.db.workspace_files.catalogs.lock() {
            catalogs.insert(
                self.workspace_id,
                (std::time::Instant::now(), Arc::clone(&catalog)),
            );
        }
        Ok(catalog)
    }

    /// Forgets the cached catalog after a metadata change.
    pub(super) fn forget_catalog(&self) {
        if let Ok(mut catalogs) = self.db.workspace_files.catalogs.lock() {
            catalogs.remove(&self.workspace_id);
        }
    }

    pub async fn create_record(
        &self,
        catalog: &[ObjectMeta],
        object: &ObjectMeta,
        input: &Map<String, Value>,
        actor: &Actor,
    ) -> Result<Value, StoreError> {
        self.allow(Action::Write, object)?;
        self.access.check_input(object, input).map_err(rejected)?;
        let mut tx = self.begin().await?;
        let record = self
            .create_in(&mut tx, catalog, object, input, actor)
            .await?;
        tx.commit().await?;
        Ok(self.presented(object, record))
    }

    /// Creates a record inside `tx`: the row, its event, its search entry; returns the record.
    async fn create_in(
        &self,
        tx: &mut Tx,
        catalog: &[ObjectMeta],
        object: &ObjectMeta,
        input: &Map<String, Value>,
        actor: &Actor,
    ) -> Result<Value, StoreError> {
        let id = self
            .insert_record(tx, catalog, object, input, actor)
            .await?;
        let record = self
            .read_in(tx, object, id)
            .await?
            .ok_or_else(|| not_found(object))?;
        index_record(self, tx, object, id, Some(&record)).await?;
        Ok(record)
    }

    /// Creates up to [`BATCH_MAX`] records, all or none; errors name the index (`[3].emails`).
    /// The records come back serialized, as the answer shows them.
    pub async fn create_records(
        &self,
        catalog: &[ObjectMeta],
        object: &ObjectMeta,
        inputs: &[Map<String, Value>],
        actor: &Actor,
    ) -> Result<Vec<Box<RawValue>>, StoreError> {
        self.allow(Action::Write, object)?;
        for (index, input) in inputs.iter().enumerate() {
            self.access
                .check_input(object, input)
                .map_err(|e| at_index(rejected(e), index))?;
        }
        if inputs.len() > BATCH_MAX {
            return Err(rejected(ApiError::invalid_field(
                "data",
                format!("has more than {BATCH_MAX} records"),
            )));
        }
        let mut errors = Vec::new();
        let mut checked = Vec::with_capacity(inputs.len());
        for (index, input) in inputs.iter().enumerate() {
            match check(object, input, true) {
                Ok(record) => checked.push(record),
                Err(error) => {
                    errors.extend(
                        error
                            .details
                            .into_iter()
                            .map(|d| field_error(&format!("[{index}].{}", d.field), d.message)),
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(rejected(ApiError::invalid_fields(errors)));
        }
        let plan = self.plan_batch(object, inputs, &checked, actor)?;
        self.check_batch_relations(catalog, &checked).await?;
        let mut tx = self.begin().await?;
        match self.write_batch(&mut tx, object, plan).await {
            Ok(records) => {
                tx.commit().await?;
                return self.presented_raw(object, records);
            }
            // A duplicate somewhere in the batch, or a related record erased since the check:
            // redo it record by record to say which.
            Err(StoreError::Rejected(api)) if api.code == kith_core::ErrorCode::Conflict => {
                drop(tx)
            }
            Err(StoreError::Database(sqlx::Error::Database(db)))
                if db.is_foreign_key_violation() =>
            {
                drop(tx)
            }
            Err(other) => return Err(other),
        }
        let mut tx = self.begin().await?;
        let mut ids = Vec::with_capacity(inputs.len());
        for (index, input) in inputs.iter().enumerate() {
            let id = self
                .insert_record(&mut tx, catalog, object, input, actor)
                .await
                .map_err(|e| at_index(e, index))?;
            ids.push(id);
        }
        let records = self.read_many_in(&mut tx, object, &ids).await?;
        for (id, record) in ids.iter().zip(&records) {
            index_record(self, &mut tx, object, *id, Some(record)).await?;
        }
        tx.commit().await?;
        let raw = records
            .iter()
            .map(|record| {
                serde_json::value::to_raw_value(record).map_err(super::batch::answer_error)
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.presented_raw(object, raw)
    }

    async fn insert_record(
        &self,
        tx: &mut Tx,
        catalog: &[ObjectMeta],
        object: &ObjectMeta,
        input: &Map<String, Value>,
        actor: &Actor,
    ) -> Result<Uuid, StoreError> {
        let checked = check(object, input, true).map_err(rejected)?;
        self.check_relations(tx, catalog, &checked).await?;
        let id = checked.id.unwrap_or_else(Uuid::now_v7);
        let mut args = Args::default();
        let mut columns = Vec::new();
        let mut values = Vec::new();
        let now = now();
        let position = checked
            .position
            .unwrap_or_else(|| chrono::Utc::now().timestamp_millis() as f64);
        let mut system: Vec<(String, ColumnType, Cell)> = vec![
            ("id".into(), ColumnType::Uuid, Cell::Uuid(id)),
            ("created_at".into(), ColumnType::DateTime, now.clone()),
            ("updated_at".into(), ColumnType::DateTime, now),
            ("position".into(), ColumnType::Float, Cell::Float(position)),
        ];
        for prefix in ["created_by", "updated_by"] {
            for (suffix, (kind, cell)) in ["source", "member_id", "name"]
                .into_iter()
                .zip(actor_cells(actor))
            {
                system.push((format!("{prefix}_{suffix}"), kind, cell));
            }
        }
        for (column, kind, cell) in system {
            columns.push(quote(&column));
            values.push(args.push(kind, cell));
        }
        let sealed = self.sealed(&checked)?;
        for (column, kind, cell) in &sealed.columns {
            columns.push(quote(column));
            values.push(args.push(*kind, cell.clone()));
        }
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            self.table(&object.table),
            columns.join(", "),
            values.join(", ")
        );
        tx.ex()
            .execute_cells(&sql, &args)
            .await
            .map_err(|e| write_error(object, e))?;
        let changes = serde_json::to_value(CreatedChanges {
            fields: &checked.fields,
            input,
        })
        .map_err(super::batch::answer_error)?;
        self.record_event(tx, object, id, "created", actor, changes)
            .await?;
        Ok(id)
    }
}

/// The most records one batch may create.
pub const BATCH_MAX: usize = 1000;

fn at_index(error: StoreError, index: usize) -> StoreError {
    match error {
        StoreError::Rejected(mut api) => {
            api.details = api
                .details
                .into_iter()
                .map(|d| field_error(&format!("[{index}].{}", d.field), d.message))
                .collect();
            api.message = format!("record [{index}]: {}", api.message);
            StoreError::Rejected(api)
        }
        other => other,
    }
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
    /// A record that is not in the trash.
    pub async fn get_record(
        &self,
        object: &ObjectMeta,
        id: Uuid,
    ) -> Result<Option<Value>, StoreError> {
        self.allow(Action::Read, object)?;
        let projection = Projection::of(object, self);
        let mut args = Args::default();
        let sql = format!(
            "SELECT {} FROM {} WHERE id = {} AND deleted_at IS NULL",
            projection.select(),
            self.table(&object.table),
            args.push(ColumnType::Uuid, Cell::Uuid(id))
        );
        let mut conn = self.read().await?;
        let rows = conn
            .ex()
            .fetch_cells(&sql, &args, &projection.kinds)
            .await?;
        Ok(rows
            .first()
            .map(|row| projection.record(row))
            .transpose()?
            .map(|record| self.presented(object, record)))
    }

    pub(super) async fn read_in(
        &self,
        tx: &mut Tx,
        object: &ObjectMeta,
        id: Uuid,
    ) -> Result<Option<Value>, StoreError> {
        Ok(self
            .read_many_in(tx, object, &[id])
            .await?
            .into_iter()
            .next())
    }

    /// Records by id, trash included, in the order of `ids`.
    pub(super) async fn read_many_in(
        &self,
        tx: &mut Tx,
        object: &ObjectMeta,
        ids: &[Uuid],
    ) -> Result<Vec<Value>, StoreError> {
        let projection = Projection::of(object, self);
        let mut records = Vec::with_capacity(ids.len());
        // SQLite allows 32766 parameters a statement; stay well below.
        for chunk in ids.chunks(500) {
            let (sql, args) = self.select_by_ids(&projection, object, chunk, false);
            let rows = tx.ex().fetch_cells(&sql, &args, &projection.kinds).await?;
            let mut by_id = std::collections::HashMap::new();
            for row in &rows {
                if let Some(Cell::Uuid(id)) = row.first() {
                    by_id.insert(*id, projection.record(row)?);
                }
            }
            records.extend(chunk.iter().filter_map(|id| by_id.remove(id)));
        }
        Ok(records)
    }

    /// Changes the given fields of a record (parts of a composite field may be given alone).
    pub async fn update_record(
        &self,
        catalog: &[ObjectMeta],
        object: &ObjectMeta,
        id: Uuid,
        input: &Map<String, Value>,
        actor: &Actor,
    ) -> Result<Value, StoreError> {
        self.allow(Action::Write, object)?;
        self.access.check_input(object, input).map_err(rejected)?;
        let checked = check(object, input, false).map_err(rejected)?;
        let mut tx = self.begin().await?;
        let after = self
            .update_in(&mut tx, catalog, object, id, &checked, actor)
            .await?;
        tx.commit().await?;
        Ok(self.presented(object, after))
    }

    /// Applies checked changes to a live record inside `tx`: the update, its event, its search entry.
    pub(super) async fn update_in(
        &self,
        tx: &mut Tx,
        catalog: &[ObjectMeta],
        object: &ObjectMeta,
        id: Uuid,
        checked: &Checked<'_>,
        actor: &Actor,
    ) -> Result<Value, StoreError> {
        let before = self
            .read_in(tx, object, id)
            .await?
            .filter(|r| r["deletedAt"].is_null())
            .ok_or_else(|| not_found(object))?;
        self.check_relations(tx, catalog, checked).await?;
        let mut args = Args::default();
        let mut sets = vec![format!(
            "updated_at = {}",
            args.push(ColumnType::DateTime, now())
        )];
        for (suffix, (kind, cell)) in ["source", "member_id", "name"]
            .into_iter()
            .zip(actor_cells(actor))
        {
            sets.push(format!("updated_by_{suffix} = {}", args.push(kind, cell)));
        }
        if let Some(position) = checked.position {
            sets.push(format!(
                "position = {}",
                args.push(ColumnType::Float, Cell::Float(position))
            ));
        }
        let sealed = self.sealed(checked)?;
        for (column, kind, cell) in &sealed.columns {
            sets.push(format!(
                "{} = {}",
                quote(column),
                args.push(*kind, cell.clone())
            ));
        }
        let sql = format!(
            "UPDATE {} SET {} WHERE id = {}",
            self.table(&object.table),
            sets.join(", "),
            args.push(ColumnType::Uuid, Cell::Uuid(id))
        );
        tx.ex()
            .execute_cells(&sql, &args)
            .await
            .map_err(|e| write_error(object, e))?;
        let after = self
            .read_in(tx, object, id)
            .await?
            .ok_or_else(|| not_found(object))?;
        let changes: Map<String, Value> = checked
            .fields
            .iter()
            .filter(|f| before[f.key()] != after[f.key()])
            .map(|f| {
                (
                    f.key(),
                    event_change(f, before[f.key()].clone(), after[f.key()].clone()),
                )
            })
            .collect();
        if !changes.is_empty() {
            self.record_event(tx, object, id, "updated", actor, Value::Object(changes))
                .await?;
        }
        index_record(self, tx, object, id, Some(&after)).await?;
        Ok(after)
    }

    /// Moves a record to the trash; it is purged later unless restored.
    pub async fn delete_record(
        &self,
        object: &ObjectMeta,
        id: Uuid,
        actor: &Actor,
    ) -> Result<Value, StoreError> {
        self.allow(Action::Delete, object)?;
        let mut tx = self.begin().await?;
        if !self
            .trash_in(&mut tx, object, id, actor, "deleted", json!({}))
            .await?
        {
            return Err(not_found(object));
        }
        let record = self
            .read_in(&mut tx, object, id)
            .await?
            .ok_or_else(|| not_found(object))?;
        tx.commit().await?;
        Ok(self.presented(object, record))
    }

    /// Moves a live record to the trash inside `tx`, with an event of `kind` and without its
    /// search entry; false when there is no live record with that id.
    pub(super) async fn trash_in(
        &self,
        tx: &mut Tx,
        object: &ObjectMeta,
        id: Uuid,
        actor: &Actor,
        kind: &str,
        changes: Value,
    ) -> Result<bool, StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "UPDATE {} SET deleted_at = {} WHERE id = {} AND deleted_at IS NULL",
            self.table(&object.table),
            args.push(ColumnType::DateTime, now()),
            args.push(ColumnType::Uuid, Cell::Uuid(id))
        );
        if tx.ex().execute_cells(&sql, &args).await? == 0 {
            return Ok(false);
        }
        self.record_event(tx, object, id, kind, actor, changes)
            .await?;
        index_record(self, tx, object, id, None).await?;
        Ok(true)
    }

    /// Takes a record out of the trash (a conflict if its unique values are taken meanwhile).
    pub async fn restore_record(
        &self,
        object: &ObjectMeta,
        id: Uuid,
        actor: &Actor,
    ) -> Result<Value, StoreError> {
        self.allow(Action::Write, object)?;
        let mut tx = self.begin().await?;
        let mut args = Args::default();
        let sql = format!(
            "UPDATE {} SET deleted_at = NULL WHERE id = {} AND deleted_at IS NOT NULL",
            self.table(&object.table),
            args.push(ColumnType::Uuid, Cell::Uuid(id))
        );
        let changed = tx
            .ex()
            .execute_cells(&sql, &args)
            .await
            .map_err(|e| write_error(object, e))?;
        if changed == 0 {
            return Err(not_found(object));
        }
        self.record_event(&mut tx, object, id, "restored", actor, json!({}))
            .await?;
        let record = self
            .read_in(&mut tx, object, id)
            .await?
            .ok_or_else(|| not_found(object))?;
        index_record(self, &mut tx, object, id, Some(&record)).await?;
        tx.commit().await?;
        Ok(self.presented(object, record))
    }

    /// Deletes a record for good. Relations to it follow their on-delete rule; a `RESTRICT`
    /// relation still pointing at it refuses with a conflict.
    /// Deletes a record for good, with its history, links and search entry; gives the record
    /// as it was.
    pub async fn destroy_record(&self, object: &ObjectMeta, id: Uuid) -> Result<Value, StoreError> {
        self.allow(Action::Delete, object)?;
        let mut tx = self.begin().await?;
        let record = self
            .read_in(&mut tx, object, id)
            .await?
            .ok_or_else(|| not_found(object))?;
        self.erase_in(&mut tx, object, id)
            .await
            .map_err(|e| match &e {
                StoreError::Database(sqlx::Error::Database(db))
                    if db.is_foreign_key_violation() =>
                {
                    rejected(ApiError::conflict(format!(
                        "other records still point at this {} and forbid deleting it",
                        object.label_singular.to_lowercase()
                    )))
                }
                _ => e,
            })?;
        tx.commit().await?;
        Ok(record)
    }

    /// Deletes a record's row, then its events, links and search entry. A relation that
    /// restricts deletion fails the first statement (a foreign key violation), changing nothing.
    async fn erase_in(&self, tx: &mut Tx, object: &ObjectMeta, id: Uuid) -> Result<(), StoreError> {
        let mut args = Args::default();
        let id_value = args.push(ColumnType::Uuid, Cell::Uuid(id));
        let statements = [
            format!(
                "DELETE FROM {} WHERE id = {id_value}",
                self.table(&object.table)
            ),
            format!(
                "DELETE FROM {} WHERE record_id = {id_value}",
                self.table("_kith_events")
            ),
            format!(
                "DELETE FROM {} WHERE source_id = {id_value} OR target_id = {id_value}",
                self.table("_kith_targets")
            ),
        ];
        for sql in statements {
            tx.ex().execute_cells(&sql, &args).await?;
        }
        index_record(self, tx, object, id, None).await
    }

    /// Checks that every related record exists (and is not in the trash), and that every related
    /// member belongs to the workspace, so a wrong id is a clear 400 rather than a database error.
    async fn check_relations(
        &self,
        tx: &mut Tx,
        catalog: &[ObjectMeta],
        checked: &Checked<'_>,
    ) -> Result<(), StoreError> {
        let mut errors = Vec::new();
        for (field, target_id) in &checked.relations {
            let Some(relation) = &field.relation else {
                continue;
            };
            let exists = if relation.target == WORKSPACE_MEMBER {
                self.db.is_member(self.workspace_id, *target_id).await?
            } else {
                let Some(target) = catalog.iter().find(|o| o.name_singular == relation.target)
                else {
                    errors.push(field_error(
                        &field.key(),
                        format!("points at {}, which no longer exists", relation.target),
                    ));
                    continue;
                };
                let mut args = Args::default();
                let sql = format!(
                    "SELECT id FROM {} WHERE id = {} AND deleted_at IS NULL",
                    self.table(&target.table),
                    args.push(ColumnType::Uuid, Cell::Uuid(*target_id))
                );
                !tx.ex()
                    .fetch_cells(&sql, &args, &[ColumnType::Uuid])
                    .await?
                    .is_empty()
            };
            if !exists {
                let what = if relation.target == WORKSPACE_MEMBER {
                    "workspace member".to_owned()
                } else {
                    relation.target.clone()
                };
                errors.push(field_error(
                    &field.key(),
                    format!("no {what} has the id {target_id}"),
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(rejected(ApiError::invalid_fields(errors)))
        }
    }

    pub(super) async fn record_event(
        &self,
        tx: &mut Tx,
        object: &ObjectMeta,
        record_id: Uuid,
        kind: &str,
        actor: &Actor,
        changes: Value,
    ) -> Result<(), StoreError> {
        let mut args = Args::default();
        let values = [
            args.push(ColumnType::Uuid, Cell::Uuid(Uuid::now_v7())),
            args.push(ColumnType::Uuid, Cell::Uuid(object.id)),
            args.push(ColumnType::Uuid, Cell::Uuid(record_id)),
            args.push(ColumnType::Text, Cell::Text(kind.to_owned())),
            args.push(
                ColumnType::Json,
                Cell::Json(serde_json::to_value(actor).unwrap_or(Value::Null)),
            ),
            args.push(ColumnType::Text, Cell::Text(changes.to_string())),
            args.push(ColumnType::DateTime, now()),
        ];
        let sql = format!(
            "INSERT INTO {} (id, object_id, record_id, kind, actor, changes, at) VALUES ({})",
            self.table("_kith_events"),
            values.join(", ")
        );
        tx.ex().execute_cells(&sql, &args).await?;
        Ok(())
    }

    /// One page of an object's records.
    pub async fn list_records(
        &self,
        object: &ObjectMeta,
        query: &ListQuery,
    ) -> Result<Page, StoreError> {
        self.allow(Action::Read, object)?;
        self.access
            .check_query(object, query.filter.as_ref(), &query.order_by)
            .map_err(rejected)?;
        let statement = self.list_statement(object, query)?;
        let projection = &statement.projection;
        let mut conn = self.read().await?;
        let mut rows = conn
            .ex()
            .fetch_cells(&statement.sql, &statement.args, &statement.kinds)
            .await?;
        let more = rows.len() > statement.limit;
        rows.truncate(statement.limit);
        if statement.backward {
            rows.reverse();
        }
        let cursor_of = |row: &Vec<Cell>| encode_cursor(&row[projection.kinds.len()..]);
        let total_count = if query.with_total {
            Some(self.count(&mut conn, object, query.filter.as_ref()).await?)
        } else {
            None
        };
        Ok(Page {
            start_cursor: rows.first().map(cursor_of),
            end_cursor: rows.last().map(cursor_of),
            has_next_page: if statement.backward { true } else { more },
            has_previous_page: if statement.backward {
                more
            } else {
                query.starting_after.is_some()
            },
            records: rows
                .iter()
                .map(|row| Ok(self.presented(object, projection.record(row)?)))
                .collect::<Result<Vec<_>, StoreError>>()?,
            total_count,
        })
    }

    /// The database's plan for the statement of [`DataStore::list_records`], one line per step,
    /// with sorting made a last resort on PostgreSQL (`enable_sort = off`; on a small table it
    /// would sort rather than walk an index): whether an index serves a list's order.
    pub async fn list_plan(
        &self,
        object: &ObjectMeta,
        query: &ListQuery,
    ) -> Result<Vec<String>, StoreError> {
        self.allow(Action::Read, object)?;
        let statement = self.list_statement(object, query)?;
        let mut tx = self.begin().await?;
        let lines = match tx.backend() {
            crate::Backend::Postgres => {
                tx.ex()
                    .execute_cells("SET LOCAL enable_sort = off", &Args::default())
                    .await?;
                let sql = format!("EXPLAIN {}", statement.sql);
                tx.ex()
                    .fetch_cells(&sql, &statement.args, &[ColumnType::Text])
                    .await?
            }
            crate::Backend::Sqlite => {
                let sql = format!("EXPLAIN QUERY PLAN {}", statement.sql);
                let kinds = [
                    ColumnType::Int,
                    ColumnType::Int,
                    ColumnType::Int,
                    ColumnType::Text,
                ];
                tx.ex().fetch_cells(&sql, &statement.args, &kinds).await?
            }
        };
        Ok(lines
            .into_iter()
            .filter_map(|row| match row.last() {
                Some(Cell::Text(line)) => Some(line.clone()),
                _ => None,
            })
            .collect())
    }

    /// The `SELECT` of one page: the projection, then the sort keys (for cursors), in the order
    /// asked (flipped when paging backward), one row more than the page to tell if more follow.
    fn list_statement<'o>(
        &self,
        object: &'o ObjectMeta,
        query: &ListQuery,
    ) -> Result<ListStatement<'o>, StoreError> {
        if query.starting_after.is_some() && query.ending_before.is_some() {
            return Err(rejected(ApiError::invalid_field(
                "ending_before",
                "cannot be combined with starting_after",
            )));
        }
        let limit = match query.limit {
            0 => DEFAULT_LIMIT,
            n if n <= MAX_LIMIT => n,
            _ => {
                return Err(rejected(ApiError::invalid_field(
                    "limit",
                    format!("must be between 1 and {MAX_LIMIT}"),
                )));
            }
        };
        let projection = Projection::of(object, self);
        let sort = sort_columns(object, &query.order_by).map_err(rejected)?;
        let backward = query.ending_before.is_some();
        let order: Vec<_> = if backward {
            sort.iter().map(|(c, d)| (c.clone(), flip(*d))).collect()
        } else {
            sort.clone()
        };

        let mut args = Args::default();
        let mut conditions = self.base_conditions(object, query.filter.as_ref(), &mut args)?;
        let cursor = query
            .starting_after
            .as_deref()
            .map(|c| ("starting_after", c))
            .or(query.ending_before.as_deref().map(|c| ("ending_before", c)));
        if let Some((parameter, text)) = cursor {
            let values = decode_cursor(text, &sort, parameter).map_err(rejected)?;
            conditions.push(after_sql(&order, &values, &mut args));
        }
        let sort_select: Vec<String> = sort.iter().map(|(c, _)| quote(&c.name)).collect();
        let sql = format!(
            "SELECT {}, {} FROM {} WHERE {} ORDER BY {} LIMIT {}",
            projection.select(),
            sort_select.join(", "),
            self.table(&object.table),
            conditions.join(" AND "),
            order_sql(&order),
            limit + 1
        );
        let mut kinds = projection.kinds.clone();
        kinds.extend(sort.iter().map(|(c, _)| c.kind));
        Ok(ListStatement {
            sql,
            args,
            kinds,
            projection,
            limit,
            backward,
        })
    }

    /// The filter's condition, and the trash left out unless the filter asks about `deletedAt`.
    fn base_conditions(
        &self,
        object: &ObjectMeta,
        filter: Option<&Filter>,
        args: &mut Args,
    ) -> Result<Vec<String>, StoreError> {
        let mut conditions = Vec::new();
        if !filter.is_some_and(|f| mentions(f, "deletedAt")) {
            conditions.push("deleted_at IS NULL".to_owned());
        }
        if let Some(filter) = filter {
            conditions.push(filter_sql(self.backend(), object, filter, args).map_err(rejected)?);
        }
        if conditions.is_empty() {
            conditions.push("1 = 1".to_owned());
        }
        Ok(conditions)
    }

    async fn count(
        &self,
        conn: &mut crate::db::Conn,
        object: &ObjectMeta,
        filter: Option<&Filter>,
    ) -> Result<i64, StoreError> {
        let mut args = Args::default();
        let conditions = self.base_conditions(object, filter, &mut args)?;
        let sql = format!(
            "SELECT COUNT(*) FROM {} WHERE {}",
            self.table(&object.table),
            conditions.join(" AND ")
        );
        let rows = conn
            .ex()
            .fetch_cells(&sql, &args, &[ColumnType::Int])
            .await?;
        Ok(match rows.first().and_then(|r| r.first()) {
            Some(Cell::Int(n)) => *n,
            _ => 0,
        })
    }
}

/// The statement of one page, built by [`DataStore::list_statement`].
struct ListStatement<'o> {
    sql: String,
    args: Args,
    kinds: Vec<ColumnType>,
    projection: Projection<'o>,
    limit: usize,
    backward: bool,
}

fn mentions(filter: &Filter, field: &str) -> bool {
    match filter {
        Filter::And(parts) | Filter::Or(parts) => parts.iter().any(|p| mentions(p, field)),
        Filter::Not(inner) => mentions(inner, field),
        Filter::Compare(c) => c.path.field == field,
    }
}

impl DataStore {
    /// A record's events (created, field changes with before and after, deleted, restored),
    /// newest first; `before` is the id of the last event of the previous page. Also true when
    /// more events follow.
    pub async fn timeline(
        &self,
        object: &ObjectMeta,
        record_id: Uuid,
        limit: usize,
        before: Option<Uuid>,
    ) -> Result<(Vec<Value>, bool), StoreError> {
        self.allow(Action::Read, object)?;
        let mut args = Args::default();
        let mut conditions = vec![
            format!(
                "object_id = {}",
                args.push(ColumnType::Uuid, Cell::Uuid(object.id))
            ),
            format!(
                "record_id = {}",
                args.push(ColumnType::Uuid, Cell::Uuid(record_id))
            ),
        ];
        if let Some(before) = before {
            conditions.push(format!(
                "id < {}",
                args.push(ColumnType::Uuid, Cell::Uuid(before))
            ));
        }
        let sql = format!(
            "SELECT id, kind, actor, changes, at FROM {} WHERE {} ORDER BY id DESC LIMIT {}",
            self.table("_kith_events"),
            conditions.join(" AND "),
            limit + 1
        );
        let kinds = [
            ColumnType::Uuid,
            ColumnType::Text,
            ColumnType::Json,
            ColumnType::Text,
            ColumnType::DateTime,
        ];
        let mut conn = self.read().await?;
        let mut rows = conn.ex().fetch_cells(&sql, &args, &kinds).await?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let events = rows
            .iter()
            .map(|row| {
                let value = |i: usize| fields::output(FieldType::RawJson, &[row[i].clone()]);
                let mut changes = match &row[3] {
                    Cell::Text(text) => {
                        serde_json::from_str(text).map_err(|_| StoreError::Corrupt {
                            column: "_kith_events.changes",
                            value: text.clone(),
                        })?
                    }
                    _ => Value::Null,
                };
                self.access.present_changes(object, &mut changes);
                Ok(json!({
                    "id": value(0),
                    "kind": value(1),
                    "actor": value(2),
                    "changes": changes,
                    "happenedAt": fields::output(FieldType::DateTime, &[row[4].clone()]),
                }))
            })
            .collect::<Result<_, StoreError>>()?;
        Ok((events, more))
    }

    /// Whether a record exists, in the trash or not.
    pub async fn record_exists(&self, object: &ObjectMeta, id: Uuid) -> Result<bool, StoreError> {
        self.allow(Action::Read, object)?;
        let mut args = Args::default();
        let sql = format!(
            "SELECT id FROM {} WHERE id = {}",
            self.table(&object.table),
            args.push(ColumnType::Uuid, Cell::Uuid(id))
        );
        let mut conn = self.read().await?;
        Ok(!conn
            .ex()
            .fetch_cells(&sql, &args, &[ColumnType::Uuid])
            .await?
            .is_empty())
    }
}

impl DataStore {
    /// Deletes for good the records that went to the trash before `cutoff`, with their events.
    /// A record that a `RESTRICT` relation still points at stays (and is tried again next time).
    pub async fn purge_trash(
        &self,
        catalog: &[ObjectMeta],
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, StoreError> {
        let mut purged = 0;
        for object in catalog {
            let mut args = Args::default();
            let sql = format!(
                "SELECT id FROM {} WHERE deleted_at IS NOT NULL AND deleted_at < {} LIMIT 10000",
                self.table(&object.table),
                args.push(ColumnType::DateTime, Cell::DateTime(cutoff))
            );
            let ids = self.read().await?.ex().fetch_ids(&sql, &args).await?;
            for id in ids {
                let mut tx = self.begin().await?;
                match self.erase_in(&mut tx, object, id).await {
                    Ok(()) => {
                        tx.commit().await?;
                        purged += 1;
                    }
                    Err(StoreError::Database(sqlx::Error::Database(db)))
                        if db.is_foreign_key_violation() =>
                    {
                        tracing::info!(object = %object.name_singular, record = %id, "kept in the trash: a relation restricts its deletion");
                    }
                    Err(other) => return Err(other),
                }
            }
        }
        Ok(purged)
    }

    /// Sets when a record went to the trash (tests of the purge use this instead of waiting 30 days).
    pub async fn set_deleted_at(
        &self,
        object: &ObjectMeta,
        id: Uuid,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        self.allow(Action::Delete, object)?;
        let mut args = Args::default();
        let sql = format!(
            "UPDATE {} SET deleted_at = {} WHERE id = {}",
            self.table(&object.table),
            args.push(ColumnType::DateTime, Cell::DateTime(at)),
            args.push(ColumnType::Uuid, Cell::Uuid(id))
        );
        let mut tx = self.begin().await?;
        tx.ex().execute_cells(&sql, &args).await?;
        tx.commit().await
    }
}

impl DataStore {
    /// Live records of `object` by id (those in the trash or missing are left out), in no order.
    pub async fn records_by_ids(
        &self,
        object: &ObjectMeta,
        ids: &[Uuid],
    ) -> Result<Vec<Value>, StoreError> {
        self.allow(Action::Read, object)?;
        let projection = Projection::of(object, self);
        let mut records = Vec::with_capacity(ids.len());
        let mut conn = self.read().await?;
        for chunk in ids.chunks(500) {
            let (sql, args) = self.select_by_ids(&projection, object, chunk, true);
            let rows = conn
                .ex()
                .fetch_cells(&sql, &args, &projection.kinds)
                .await?;
            for row in &rows {
                records.push(self.presented(object, projection.record(row)?));
            }
        }
        Ok(records)
    }
}

impl DataStore {
    /// A record as this handle's access may see it.
    pub(super) fn presented(&self, object: &ObjectMeta, mut record: Value) -> Value {
        self.access.present(object, &mut record);
        record
    }

    /// A batch's serialized records as the access may see them; written again only when it
    /// hides or masks something of this object.
    fn presented_raw(
        &self,
        object: &ObjectMeta,
        records: Vec<Box<RawValue>>,
    ) -> Result<Vec<Box<RawValue>>, StoreError> {
        if !self.access.alters(object) {
            return Ok(records);
        }
        records
            .into_iter()
            .map(|raw| {
                let record: Value =
                    serde_json::from_str(raw.get()).map_err(super::batch::answer_error)?;
                serde_json::value::to_raw_value(&self.presented(object, record))
                    .map_err(super::batch::answer_error)
            })
            .collect()
    }
}

/// The most records one bulk update or delete may touch.
pub const BULK_MAX: usize = 10_000;

impl DataStore {
    /// Creates the record, or, when a live record already has the value the input gives for
    /// one of the object's unique fields, updates that record. True when it created.
    pub async fn upsert_record(
        &self,
        catalog: &[ObjectMeta],
        object: &ObjectMeta,
        input: &Map<String, Value>,
        actor: &Actor,
    ) -> Result<(Value, bool), StoreError> {
        self.allow(Action::Write, object)?;
        self.access.check_input(object, input).map_err(rejected)?;
        let checked = check(object, input, false).map_err(rejected)?;
        let unique: Vec<&FieldMeta> = object.active_fields().filter(|f| f.is_unique).collect();
        let key = unique.iter().find_map(|field| {
            let column = field.columns().into_iter().next()?;
            checked.columns.iter().find(|(c, _, cell)| {
                *c == column && !matches!(cell, Cell::Null) && *cell != Cell::Text(String::new())
            })
        });
        let Some((column, kind, cell)) = key else {
            let names: Vec<String> = unique.iter().map(|f| f.key()).collect();
            let message = if names.is_empty() {
                format!("{} has no unique field to match on", object.name_singular)
            } else {
                format!(
                    "needs a value for a unique field to match on: {}",
                    names.join(", ")
                )
            };
            return Err(rejected(ApiError::invalid_field("upsert", message)));
        };
        let mut tx = self.begin().await?;
        let mut args = Args::default();
        let sql = format!(
            "SELECT id FROM {} WHERE {} = {} AND deleted_at IS NULL",
            self.table(&object.table),
            quote(column),
            args.push(*kind, cell.clone())
        );
        let existing = tx
            .ex()
            .fetch_cells(&sql, &args, &[ColumnType::Uuid])
            .await?;
        let (record, created) = match existing.first().and_then(|row| row.first()) {
            Some(Cell::Uuid(id)) => (
                self.update_in(&mut tx, catalog, object, *id, &checked, actor)
                    .await?,
                false,
            ),
            _ => (
                self.create_in(&mut tx, catalog, object, input, actor)
                    .await?,
                true,
            ),
        };
        tx.commit().await?;
        Ok((self.presented(object, record), created))
    }

    /// Live records matching `filter`, at most [`BULK_MAX`].
    async fn ids_where(
        &self,
        tx: &mut Tx,
        object: &ObjectMeta,
        filter: &Filter,
    ) -> Result<Vec<Uuid>, StoreError> {
        let mut args = Args::default();
        let mut conditions = vec!["deleted_at IS NULL".to_owned()];
        conditions.push(
            super::query::filter_sql(self.backend(), object, filter, &mut args)
                .map_err(rejected)?,
        );
        let sql = format!(
            "SELECT id FROM {} WHERE {} ORDER BY id LIMIT {}",
            self.table(&object.table),
            conditions.join(" AND "),
            BULK_MAX + 1
        );
        let ids = tx.ex().fetch_ids(&sql, &args).await?;
        if ids.len() > BULK_MAX {
            return Err(rejected(ApiError::invalid_field(
                "filter",
                format!("matches more than {BULK_MAX} records; narrow it and repeat"),
            )));
        }
        Ok(ids)
    }

    /// Applies the same changes to every live record matching `filter`, all or none; returns how many.
    pub async fn update_where(
        &self,
        catalog: &[ObjectMeta],
        object: &ObjectMeta,
        filter: &Filter,
        input: &Map<String, Value>,
        actor: &Actor,
    ) -> Result<usize, StoreError> {
        self.allow(Action::Write, object)?;
        self.access.check_input(object, input).map_err(rejected)?;
        self.access
            .check_query(object, Some(filter), &[])
            .map_err(rejected)?;
        let checked = check(object, input, false).map_err(rejected)?;
        let mut tx = self.begin().await?;
        let ids = self.ids_where(&mut tx, object, filter).await?;
        for id in &ids {
            self.update_in(&mut tx, catalog, object, *id, &checked, actor)
                .await?;
        }
        tx.commit().await?;
        Ok(ids.len())
    }

    /// Moves every live record matching `filter` to the trash, all or none; returns how many.
    pub async fn delete_where(
        &self,
        object: &ObjectMeta,
        filter: &Filter,
        actor: &Actor,
    ) -> Result<usize, StoreError> {
        self.allow(Action::Delete, object)?;
        self.access
            .check_query(object, Some(filter), &[])
            .map_err(rejected)?;
        let mut tx = self.begin().await?;
        let ids = self.ids_where(&mut tx, object, filter).await?;
        for id in &ids {
            self.trash_in(&mut tx, object, *id, actor, "deleted", json!({}))
                .await?;
        }
        tx.commit().await?;
        Ok(ids.len())
    }
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

/// What an event keeps of a field's change: sensitive values never enter the history.
/// The changes of a `created` event: each field given, from nothing to its value in the request
/// (a sensitive one only as changed). Serialized straight from the request's values.
pub(super) struct CreatedChanges<'a> {
    pub fields: &'a [&'a FieldMeta],
    pub input: &'a Map<String, Value>,
}

impl serde::Serialize for CreatedChanges<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        #[derive(serde::Serialize)]
        #[serde(untagged)]
        enum Change<'v> {
            Sensitive { changed: bool },
            Set { before: (), after: &'v Value },
        }
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for field in self.fields {
            let key = field.key();
            let change = if field.field_type == FieldType::SensitiveText {
                Change::Sensitive { changed: true }
            } else {
                Change::Set {
                    before: (),
                    after: self.input.get(&key).unwrap_or(&Value::Null),
                }
            };
            map.serialize_entry(&key, &change)?;
        }
        map.end()
    }
}

/// How an event shows one field's change (never a sensitive value).
fn event_change(field: &FieldMeta, before: Value, after: Value) -> Value {
    if field.field_type == FieldType::SensitiveText {
        json!({ "changed": true })
    } else {
        json!({ "before": before, "after": after })
    }
}

impl DataStore {
    /// `SELECT <projection> … WHERE id IN (…)` for one chunk of ids, records in the trash
    /// included unless `live_only`.
    fn select_by_ids(
        &self,
        projection: &Projection<'_>,
        object: &ObjectMeta,
        ids: &[Uuid],
        live_only: bool,
    ) -> (String, Args) {
        let mut args = Args::default();
        let placeholders: Vec<String> = ids
            .iter()
            .map(|id| args.push_in_order(self.backend(), ColumnType::Uuid, Cell::Uuid(*id)))
            .collect();
        let live = if live_only {
            "deleted_at IS NULL AND "
        } else {
            ""
        };
        let sql = format!(
            "SELECT {} FROM {} WHERE {live}id IN ({})",
            projection.select(),
            self.table(&object.table),
            placeholders.join(", ")
        );
        (sql, args)
    }
}
