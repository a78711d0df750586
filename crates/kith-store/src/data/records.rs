//! Single records of any object: create (one or a batch), read, update, upsert, and the
//! workspace's catalog of objects. Every write checks its values against the metadata first,
//! changes nothing if any is wrong, and records an event in the same transaction.

use super::DataStore;
use super::events::{CreatedChanges, event_change};
use super::input::{Checked, check, field_error, not_found, rejected, write_error};
use super::projection::Projection;
use super::search::index_record;
use super::sql::{Args, quote};
use crate::StoreError;
use crate::db::Tx;
use kith_core::ApiError;
use kith_core::access::Action;
use kith_core::fields::{Cell, ColumnType};
use kith_core::metadata::{Actor, ObjectMeta, WORKSPACE_MEMBER};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::sync::Arc;
use uuid::Uuid;

/// How long a workspace's catalog is used before it is read again.
pub const CATALOG_TTL: std::time::Duration = std::time::Duration::from_secs(2);

/// The most records one batch may create.
pub const BATCH_MAX: usize = 1000;

impl DataStore {
    /// Every object of the workspace. Read at most every [`CATALOG_TTL`] per instance: this
    /// instance's own metadata changes show at once, other instances' within that time.
    pub async fn objects(&self) -> Result<Arc<Vec<ObjectMeta>>, StoreError> {
        let catalogs = &self.db.workspace_files.catalogs;
        let (cached, changes) = catalogs
            .lock()
            .ok()
            .map(|catalogs| {
                let cached = catalogs
                    .read
                    .get(&self.workspace_id)
                    .filter(|(read_at, _)| read_at.elapsed() < CATALOG_TTL)
                    .map(|(_, c)| Arc::clone(c));
                (cached, catalogs.changes.get(&self.workspace_id).copied())
            })
            .unwrap_or_default();
        if let Some(catalog) = cached {
            return Ok(catalog);
        }
        let catalog = Arc::new(super::schema::load_objects(self).await?);
        if let Ok(mut catalogs) = catalogs.lock()
            && catalogs.changes.get(&self.workspace_id).copied() == changes
        {
            catalogs.read.insert(
                self.workspace_id,
                (std::time::Instant::now(), Arc::clone(&catalog)),
            );
        }
        Ok(catalog)
    }

    /// Forgets the cached catalog after a metadata change (once it committed).
    pub(super) fn forget_catalog(&self) {
        if let Ok(mut catalogs) = self.db.workspace_files.catalogs.lock() {
            catalogs.read.remove(&self.workspace_id);
            *catalogs.changes.entry(self.workspace_id).or_default() += 1;
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
        self.finish(tx).await?;
        Ok(self.presented(object, record))
    }

    /// Creates a record inside `tx`: the row, its event, its search entry; returns the record.
    pub(super) async fn create_in(
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
        index_record(self, tx, object, id, Some(&record))
            .await
            .map_err(|e| write_error(object, e))?;
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
        self.check_inputs(object, inputs)?;
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
        let change_set = self.change_set_for_batch().await?;
        let plan = self.plan_batch(object, inputs, &checked, actor, change_set)?;
        self.check_batch_relations(catalog, &checked).await?;
        let mut tx = self.begin().await?;
        let given: Vec<(String, Uuid)> = checked
            .iter()
            .enumerate()
            .filter_map(|(index, c)| c.id.map(|id| (format!("[{index}].id"), id)))
            .collect();
        self.check_ids_free(&mut tx, catalog, object, &given)
            .await?;
        match self.write_batch(&mut tx, object, plan).await {
            Ok(records) => {
                self.finish(tx).await?;
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
        for (index, (id, record)) in ids.iter().zip(&records).enumerate() {
            index_record(self, &mut tx, object, *id, Some(record))
                .await
                .map_err(|e| at_index(write_error(object, e), index))?;
        }
        self.finish(tx).await?;
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
        if let Some(id) = checked.id {
            self.check_ids_free(tx, catalog, object, &[("id".to_owned(), id)])
                .await?;
        }
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

    /// A record that is not in the trash.
    pub async fn get_record(
        &self,
        object: &ObjectMeta,
        id: Uuid,
    ) -> Result<Option<Value>, StoreError> {
        self.record_by_id(object, id, true).await
    }

    /// A record as the access may see it; with `live_only`, none if it is in the trash.
    pub(super) async fn record_by_id(
        &self,
        object: &ObjectMeta,
        id: Uuid,
        live_only: bool,
    ) -> Result<Option<Value>, StoreError> {
        self.allow(Action::Read, object)?;
        let projection = Projection::of(object, self);
        let (sql, args) = self.select_by_ids(&projection, object, &[id], live_only);
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
        self.finish(tx).await?;
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

    /// Creates the record, or updates the live record that has the value the input gives for
    /// one of the object's unique fields, or else the live record of the input's `id`. Without
    /// either to match on, it creates. True when it created.
    pub async fn upsert_record(
        &self,
        catalog: &[ObjectMeta],
        object: &ObjectMeta,
        input: &Map<String, Value>,
        actor: &Actor,
    ) -> Result<(Value, bool), StoreError> {
        self.allow(Action::Write, object)?;
        self.access.check_input(object, input).map_err(rejected)?;
        let mut tx = self.begin().await?;
        let (record, created) = self
            .upsert_in(&mut tx, catalog, object, input, actor)
            .await?;
        self.finish(tx).await?;
        Ok((self.presented(object, record), created))
    }

    /// [`DataStore::upsert_record`] for up to [`BATCH_MAX`] records, in order, all or none;
    /// errors name the index (`[3].emails`).
    pub async fn upsert_records(
        &self,
        catalog: &[ObjectMeta],
        object: &ObjectMeta,
        inputs: &[Map<String, Value>],
        actor: &Actor,
    ) -> Result<Vec<(Value, bool)>, StoreError> {
        self.allow(Action::Write, object)?;
        if inputs.len() > BATCH_MAX {
            return Err(rejected(ApiError::bad_request(format!(
                "at most {BATCH_MAX} records at a time"
            ))));
        }
        self.check_inputs(object, inputs)?;
        let mut tx = self.begin().await?;
        let mut results = Vec::with_capacity(inputs.len());
        for (index, input) in inputs.iter().enumerate() {
            let (record, created) = self
                .upsert_in(&mut tx, catalog, object, input, actor)
                .await
                .map_err(|e| at_index(e, index))?;
            results.push((self.presented(object, record), created));
        }
        self.finish(tx).await?;
        Ok(results)
    }

    /// Refuses a batch whose record `[i]` names a field hidden from the caller.
    fn check_inputs(
        &self,
        object: &ObjectMeta,
        inputs: &[Map<String, Value>],
    ) -> Result<(), StoreError> {
        for (index, input) in inputs.iter().enumerate() {
            self.access
                .check_input(object, input)
                .map_err(|e| at_index(rejected(e), index))?;
        }
        Ok(())
    }

    async fn upsert_in(
        &self,
        tx: &mut Tx,
        catalog: &[ObjectMeta],
        object: &ObjectMeta,
        input: &Map<String, Value>,
        actor: &Actor,
    ) -> Result<(Value, bool), StoreError> {
        let mut changes = input.clone();
        let given_id = match changes.remove("id") {
            None | Some(Value::Null) => None,
            Some(value) => Some(
                value
                    .as_str()
                    .and_then(|text| Uuid::parse_str(text).ok())
                    .ok_or_else(|| rejected(ApiError::invalid_field("id", "must be a UUID")))?,
            ),
        };
        let checked = check(object, &changes, false).map_err(rejected)?;
        let existing = match self.unique_match(tx, object, &checked).await? {
            Some(found) if given_id.is_some_and(|id| id != found) => {
                return Err(rejected(ApiError::conflicting_fields(vec![field_error(
                    "id",
                    format!(
                        "the {} with this unique value has the id {found}",
                        object.name_singular
                    ),
                )])));
            }
            Some(found) => Some(found),
            None => match given_id {
                Some(id) => self.live_id(tx, object, id).await?,
                None => None,
            },
        };
        Ok(match existing {
            Some(id) => (
                self.update_in(tx, catalog, object, id, &checked, actor)
                    .await?,
                false,
            ),
            None => (
                self.create_in(tx, catalog, object, input, actor).await?,
                true,
            ),
        })
    }

    /// Refuses ids a record of another object already has (a 409 naming the id's field, `id`
    /// or `[i].id`): ids are unique across the workspace, as the search index and links
    /// name a record by its id alone. The object's own table refuses its duplicates itself.
    pub(super) async fn check_ids_free(
        &self,
        tx: &mut Tx,
        catalog: &[ObjectMeta],
        object: &ObjectMeta,
        ids: &[(String, Uuid)],
    ) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        for other in catalog.iter().filter(|o| o.id != object.id) {
            let mut args = Args::default();
            let list: Vec<String> = ids
                .iter()
                .map(|(_, id)| args.push(ColumnType::Uuid, Cell::Uuid(*id)))
                .collect();
            let sql = format!(
                "SELECT id FROM {} WHERE id IN ({}) LIMIT 1",
                self.table(&other.table),
                list.join(", ")
            );
            let rows = tx
                .ex()
                .fetch_cells(&sql, &args, &[ColumnType::Uuid])
                .await?;
            if let Some(Cell::Uuid(taken)) = rows.first().and_then(|row| row.first()) {
                let field = ids
                    .iter()
                    .find(|(_, id)| id == taken)
                    .map_or("id", |(field, _)| field.as_str());
                let mut api = ApiError::conflict(format!(
                    "a {} already has the id {taken}",
                    other.label_singular.to_lowercase()
                ));
                api.details = vec![field_error(
                    field,
                    "is already the id of a record of another object",
                )];
                return Err(rejected(api));
            }
        }
        Ok(())
    }

    /// The live record that has a value the input gives for one of the unique fields.
    async fn unique_match(
        &self,
        tx: &mut Tx,
        object: &ObjectMeta,
        checked: &Checked<'_>,
    ) -> Result<Option<Uuid>, StoreError> {
        let unique = object.active_fields().filter(|f| f.is_unique);
        let key = unique
            .filter_map(|f| f.columns().into_iter().next())
            .find_map(|column| {
                checked.columns.iter().find(|(c, _, cell)| {
                    *c == column
                        && !matches!(cell, Cell::Null)
                        && *cell != Cell::Text(String::new())
                })
            });
        let Some((column, kind, cell)) = key else {
            return Ok(None);
        };
        self.live_id_where(tx, object, column, *kind, cell.clone())
            .await
    }

    /// `id` if it is a live record of the object.
    async fn live_id(
        &self,
        tx: &mut Tx,
        object: &ObjectMeta,
        id: Uuid,
    ) -> Result<Option<Uuid>, StoreError> {
        self.live_id_where(tx, object, "id", ColumnType::Uuid, Cell::Uuid(id))
            .await
    }

    /// The id of the live record (not in the trash) of the object whose `column` holds `value`.
    async fn live_id_where(
        &self,
        tx: &mut Tx,
        object: &ObjectMeta,
        column: &str,
        kind: ColumnType,
        value: Cell,
    ) -> Result<Option<Uuid>, StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "SELECT id FROM {} WHERE {} = {} AND deleted_at IS NULL",
            self.table(&object.table),
            quote(column),
            args.push(kind, value)
        );
        let rows = tx
            .ex()
            .fetch_cells(&sql, &args, &[ColumnType::Uuid])
            .await?;
        Ok(match rows.first().and_then(|row| row.first()) {
            Some(Cell::Uuid(id)) => Some(*id),
            _ => None,
        })
    }

    /// Checks that every related record exists (and is not in the trash), and that every related
    /// member belongs to the workspace, so a wrong id is a clear 409 naming the field rather than a database error.
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
                self.live_id(tx, target, *target_id).await?.is_some()
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
            Err(rejected(ApiError::conflicting_fields(errors)))
        }
    }

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

pub(super) fn now() -> Cell {
    Cell::DateTime(chrono::Utc::now())
}
