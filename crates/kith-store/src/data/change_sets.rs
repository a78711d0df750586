//! Change sets: the writes of one API token or agent, grouped so that they can be listed and
//! undone. Every event such a write records carries its change set's id. A change set is the one
//! the caller names, or else the caller's latest, while it had a write in the last
//! [`CHANGE_SET_IDLE`]; otherwise a new one opens.

use super::DataStore;
use super::input::{check, rejected};
use super::records::now;
use super::sql::Args;
use crate::StoreError;
use crate::db::{Ex, Tx};
use kith_core::ApiError;
use kith_core::fields::{Cell, CellOutput, ColumnType, FieldType};
use kith_core::metadata::{Actor, ObjectMeta};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// How long a change set stays open for its principal's next write.
pub const CHANGE_SET_IDLE: chrono::Duration = chrono::Duration::minutes(10);

/// Whose writes are grouped, and the change set they asked for, if any.
#[derive(Debug, Clone)]
pub struct ChangeSetScope {
    /// `token:{id}`: the key change sets are kept under.
    pub principal: String,
    /// What the change set is called where it is listed (the token's name).
    pub label: String,
    pub requested: Option<Uuid>,
    /// The change set this handle's writes went to, once one did.
    resolved: Arc<Mutex<Option<Uuid>>>,
    /// The change set a batch's events were planned with, before it was opened.
    decided: Arc<Mutex<Option<Uuid>>>,
}

impl ChangeSetScope {
    pub fn new(principal: String, label: String, requested: Option<Uuid>) -> ChangeSetScope {
        ChangeSetScope {
            principal,
            label,
            requested,
            resolved: Arc::default(),
            decided: Arc::default(),
        }
    }
}

const COLUMNS: &str = "id, principal, label, opened_at, last_write_at, reverted_at";
const KINDS: [ColumnType; 6] = [
    ColumnType::Uuid,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::DateTime,
    ColumnType::DateTime,
    ColumnType::DateTime,
];

fn change_set_json(row: &[Cell]) -> Value {
    let cell = |i: usize| json!(CellOutput(&row[i]));
    json!({
        "id": cell(0),
        "principal": cell(1),
        "label": cell(2),
        "openedAt": cell(3),
        "lastWriteAt": cell(4),
        "revertedAt": cell(5),
    })
}

impl DataStore {
    /// This handle with its writes grouped into change sets (see the module).
    pub fn in_change_sets(mut self, scope: ChangeSetScope) -> DataStore {
        self.set_change_sets(scope);
        self
    }

    pub fn set_change_sets(&mut self, scope: ChangeSetScope) {
        self.change_sets = Some(scope);
    }

    /// The change set this handle's writes went to so far, if any.
    pub fn change_set_written(&self) -> Option<Uuid> {
        self.change_sets
            .as_ref()
            .and_then(|scope| scope.resolved.lock().ok().and_then(|r| *r))
    }

    /// The principal whose change sets this handle's writes go to.
    pub fn change_set_principal(&self) -> Option<&str> {
        self.change_sets
            .as_ref()
            .map(|scope| scope.principal.as_str())
    }

    /// Who a change set belongs to; none when there is no such change set.
    pub async fn change_set_owner(&self, id: Uuid) -> Result<Option<String>, StoreError> {
        let mut conn = self.read().await?;
        Ok(self
            .change_set_row(conn.ex(), id)
            .await?
            .and_then(|row| match row.into_iter().nth(1) {
                Some(Cell::Text(principal)) => Some(principal),
                _ => None,
            }))
    }

    /// The change set a write inside `tx` belongs to, opened or touched as needed; none for a
    /// handle without change sets.
    pub(super) async fn change_set_for_write(
        &self,
        tx: &mut Tx,
    ) -> Result<Option<Uuid>, StoreError> {
        let Some(scope) = &self.change_sets else {
            return Ok(None);
        };
        if let Some(id) = scope.resolved.lock().ok().and_then(|r| *r) {
            return Ok(Some(id));
        }
        let decided = scope.decided.lock().ok().and_then(|d| *d);
        let id = match (scope.requested, decided) {
            (Some(id), _) => self.named_change_set(tx, scope, id).await?,
            (None, Some(id)) if self.change_set_row(tx.ex(), id).await?.is_some() => id,
            (None, Some(id)) => self.insert_change_set(tx, scope, id).await?,
            (None, None) => self.open_change_set(tx, scope).await?,
        };
        let mut args = Args::default();
        let sql = format!(
            "UPDATE {} SET last_write_at = {} WHERE id = {}",
            self.table("_kith_change_sets"),
            args.push(ColumnType::DateTime, now()),
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
        );
        tx.ex().execute_cells(&sql, &args).await?;
        if let Ok(mut resolved) = scope.resolved.lock() {
            *resolved = Some(id);
        }
        Ok(Some(id))
    }

    /// The change set the caller named: theirs and not reverted, or a new one with that id.
    async fn named_change_set(
        &self,
        tx: &mut Tx,
        scope: &ChangeSetScope,
        id: Uuid,
    ) -> Result<Uuid, StoreError> {
        match self.change_set_row(tx.ex(), id).await? {
            None => self.insert_change_set(tx, scope, id).await,
            Some(row) if row[1] != Cell::Text(scope.principal.clone()) => {
                Err(rejected(ApiError::refused_field(
                    kith_core::ErrorCode::Conflict,
                    "changeSet",
                    "is the change set of another token or agent",
                )))
            }
            Some(row) if row[5] != Cell::Null => Err(rejected(ApiError::refused_field(
                kith_core::ErrorCode::Conflict,
                "changeSet",
                "was reverted; start another",
            ))),
            Some(_) => Ok(id),
        }
    }

    /// The caller's latest change set while it is open, or a new one.
    async fn open_change_set(
        &self,
        tx: &mut Tx,
        scope: &ChangeSetScope,
    ) -> Result<Uuid, StoreError> {
        let (sql, args) = self.open_change_set_query(scope);
        let rows = tx
            .ex()
            .fetch_cells(&sql, &args, &[ColumnType::Uuid])
            .await?;
        match rows.first().and_then(|row| row.first()) {
            Some(Cell::Uuid(id)) => Ok(*id),
            _ => self.insert_change_set(tx, scope, Uuid::now_v7()).await,
        }
    }

    /// The principal's latest change set with a write in the last [`CHANGE_SET_IDLE`].
    fn open_change_set_query(&self, scope: &ChangeSetScope) -> (String, Args) {
        let mut args = Args::default();
        let sql = format!(
            "SELECT id FROM {} WHERE principal = {} AND reverted_at IS NULL AND last_write_at >= {} \
             ORDER BY last_write_at DESC LIMIT 1",
            self.table("_kith_change_sets"),
            args.push(ColumnType::Text, Cell::Text(scope.principal.clone())),
            args.push(
                ColumnType::DateTime,
                Cell::DateTime(chrono::Utc::now() - CHANGE_SET_IDLE)
            ),
        );
        (sql, args)
    }

    async fn insert_change_set(
        &self,
        tx: &mut Tx,
        scope: &ChangeSetScope,
        id: Uuid,
    ) -> Result<Uuid, StoreError> {
        let mut args = Args::default();
        let values = [
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
            args.push(ColumnType::Text, Cell::Text(scope.principal.clone())),
            args.push(ColumnType::Text, Cell::Text(scope.label.clone())),
            args.push(ColumnType::DateTime, now()),
            args.push(ColumnType::DateTime, now()),
        ];
        let sql = format!(
            "INSERT INTO {} (id, principal, label, opened_at, last_write_at) VALUES ({})",
            self.table("_kith_change_sets"),
            values.join(", ")
        );
        tx.ex().execute_cells(&sql, &args).await?;
        Ok(id)
    }

    async fn change_set_row(&self, ex: Ex<'_>, id: Uuid) -> Result<Option<Vec<Cell>>, StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "SELECT {COLUMNS} FROM {} WHERE id = {}",
            self.table("_kith_change_sets"),
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
        );
        Ok(ex
            .fetch_cells(&sql, &args, &KINDS)
            .await?
            .into_iter()
            .next())
    }

    /// The change set a batch's events will carry, decided before its transaction (a batch is
    /// planned outside it): the one named, the principal's open one, or a new id, which
    /// [`DataStore::change_set_for_write`] then opens.
    pub(super) async fn change_set_for_batch(&self) -> Result<Option<Uuid>, StoreError> {
        let Some(scope) = &self.change_sets else {
            return Ok(None);
        };
        if let Some(id) = scope.resolved.lock().ok().and_then(|r| *r) {
            return Ok(Some(id));
        }
        if let Some(id) = scope.requested {
            return Ok(Some(id));
        }
        let mut conn = self.read().await?;
        let (sql, args) = self.open_change_set_query(scope);
        let rows = conn
            .ex()
            .fetch_cells(&sql, &args, &[ColumnType::Uuid])
            .await?;
        let id = match rows.first().and_then(|row| row.first()) {
            Some(Cell::Uuid(id)) => *id,
            _ => Uuid::now_v7(),
        };
        if let Ok(mut decided) = scope.decided.lock() {
            *decided = Some(id);
        }
        Ok(Some(id))
    }

    /// Notes a batch's records as touched and opens or touches its change set.
    pub(super) async fn batch_written(
        &self,
        tx: &mut Tx,
        object: &ObjectMeta,
        ids: &[Uuid],
    ) -> Result<(), StoreError> {
        for id in ids {
            self.note_touched(object, *id);
        }
        self.change_set_for_write(tx).await?;
        Ok(())
    }

    /// The workspace's change sets, newest first, of one principal or of all.
    pub async fn change_sets(
        &self,
        principal: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Value>, StoreError> {
        let mut args = Args::default();
        let condition = match principal {
            Some(p) => format!(
                "WHERE principal = {}",
                args.push(ColumnType::Text, Cell::Text(p.to_owned()))
            ),
            None => String::new(),
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM {} {condition} ORDER BY opened_at DESC, id DESC LIMIT {}",
            self.table("_kith_change_sets"),
            limit.clamp(1, 200)
        );
        let mut conn = self.read().await?;
        let rows = conn.ex().fetch_cells(&sql, &args, &KINDS).await?;
        Ok(rows.iter().map(|row| change_set_json(row)).collect())
    }

    /// A change set with its changes, oldest first; none when there is no such change set.
    pub async fn change_set(
        &self,
        catalog: &[ObjectMeta],
        id: Uuid,
    ) -> Result<Option<Value>, StoreError> {
        let mut conn = self.read().await?;
        let Some(row) = self.change_set_row(conn.ex(), id).await? else {
            return Ok(None);
        };
        let mut answer = change_set_json(&row);
        let changes: Vec<Value> = self
            .change_set_events(conn.ex(), id)
            .await?
            .into_iter()
            .map(|event| {
                let object = catalog
                    .iter()
                    .find(|o| o.id == event.object_id)
                    .map_or_else(String::new, |o| o.name_plural.clone());
                let mut changes = event.changes;
                if let Some(object) = catalog.iter().find(|o| o.id == event.object_id) {
                    self.access.present_changes(object, &mut changes);
                }
                json!({ "object": object, "id": event.record_id, "kind": event.kind, "changes": changes, "at": event.at })
            })
            .collect();
        answer["changes"] = json!(changes);
        Ok(Some(answer))
    }

    async fn change_set_events(&self, ex: Ex<'_>, id: Uuid) -> Result<Vec<Event>, StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "SELECT object_id, record_id, kind, changes, at FROM {} WHERE change_set_id = {} ORDER BY id",
            self.table("_kith_events"),
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
        );
        let kinds = [
            ColumnType::Uuid,
            ColumnType::Uuid,
            ColumnType::Text,
            ColumnType::Text,
            ColumnType::DateTime,
        ];
        let rows = ex.fetch_cells(&sql, &args, &kinds).await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| match row.as_slice() {
                [
                    Cell::Uuid(object_id),
                    Cell::Uuid(record_id),
                    Cell::Text(kind),
                    Cell::Text(changes),
                    at @ Cell::DateTime(_),
                ] => Some(Event {
                    object_id: *object_id,
                    record_id: *record_id,
                    kind: kind.clone(),
                    changes: serde_json::from_str(changes).unwrap_or(Value::Null),
                    at: json!(CellOutput(at)),
                }),
                _ => None,
            })
            .collect())
    }

    /// Undoes a change set in one transaction: fields back to their values before it, records
    /// it created to the trash, records it deleted restored. A field changed since by anyone
    /// else is left as it is and reported as a conflict.
    pub async fn revert_change_set(
        &self,
        catalog: &[ObjectMeta],
        id: Uuid,
        actor: &Actor,
    ) -> Result<Value, StoreError> {
        let mut tx = self.begin().await?;
        let row = self
            .change_set_row(tx.ex(), id)
            .await?
            .ok_or_else(|| rejected(ApiError::not_found("change set")))?;
        if row[5] != Cell::Null {
            return Err(rejected(ApiError::conflict(
                "this change set was reverted already",
            )));
        }
        let events = self.change_set_events(tx.ex(), id).await?;
        let mut plan = RevertPlan::default();
        for event in &events {
            plan.add(event);
        }
        let mut reverted = Vec::new();
        let mut conflicts = Vec::new();
        let mut skipped = Vec::new();
        for (object_id, record_id) in plan.order.iter().rev() {
            let Some(object) = catalog.iter().find(|o| o.id == *object_id) else {
                continue;
            };
            self.allow(kith_core::access::Action::Write, object)?;
            let step = &plan.records[&(*object_id, *record_id)];
            let current = self.read_in(&mut tx, object, *record_id).await?;
            let Some(current) = current else {
                skipped.push(json!({ "object": object.name_plural, "id": record_id, "reason": "the record no longer exists" }));
                continue;
            };
            let live = current["deletedAt"].is_null();
            if step.merged {
                skipped.push(json!({ "object": object.name_plural, "id": record_id, "reason": "a merge is not undone: the merged records are in the trash, to restore by hand" }));
                continue;
            }
            if step.created {
                if live {
                    self.trash_in(&mut tx, object, *record_id, actor, "deleted", json!({}))
                        .await?;
                    reverted.push(json!({ "object": object.name_plural, "id": record_id, "action": "deleted" }));
                }
                continue;
            }
            let mut live = live;
            if step.trashed > 0 && !live {
                self.restore_in(&mut tx, object, *record_id, actor).await?;
                reverted.push(
                    json!({ "object": object.name_plural, "id": record_id, "action": "restored" }),
                );
                live = true;
            }
            let mut values = Map::new();
            for (key, (before, after)) in &step.fields {
                let Some(field) = object.active_fields().find(|f| f.key() == *key) else {
                    continue;
                };
                if field.field_type == FieldType::SensitiveText {
                    skipped.push(json!({ "object": object.name_plural, "id": record_id, "field": key, "reason": "sensitive values are not kept in history" }));
                } else if current[key.as_str()] == *after && live {
                    values.insert(key.clone(), before.clone());
                } else {
                    conflicts.push(json!({
                        "object": object.name_plural, "id": record_id, "field": key,
                        "changeSetValue": after, "currentValue": current[key.as_str()],
                    }));
                }
            }
            if !values.is_empty() {
                let checked = check(object, &values, false).map_err(rejected)?;
                self.update_in(&mut tx, catalog, object, *record_id, &checked, actor)
                    .await?;
                reverted.push(json!({ "object": object.name_plural, "id": record_id, "action": "updated", "fields": values.keys().collect::<Vec<_>>() }));
            }
            if step.trashed < 0 && live {
                self.trash_in(&mut tx, object, *record_id, actor, "deleted", json!({}))
                    .await?;
                reverted.push(
                    json!({ "object": object.name_plural, "id": record_id, "action": "deleted" }),
                );
            }
        }
        let mut args = Args::default();
        let sql = format!(
            "UPDATE {} SET reverted_at = {} WHERE id = {}",
            self.table("_kith_change_sets"),
            args.push(ColumnType::DateTime, now()),
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
        );
        tx.ex().execute_cells(&sql, &args).await?;
        self.finish(tx).await?;
        Ok(json!({ "id": id, "reverted": reverted, "conflicts": conflicts, "skipped": skipped }))
    }
}

struct Event {
    object_id: Uuid,
    record_id: Uuid,
    kind: String,
    changes: Value,
    at: Value,
}

/// What undoing a change set does to each record it touched.
#[derive(Default)]
struct RecordSteps {
    created: bool,
    /// Deletions less restorations: above 0 the change set left the record in the trash, below
    /// 0 it brought it back.
    trashed: i32,
    /// The record was merged into another, or others into it: not undone (its references moved).
    merged: bool,
    /// Each field it changed: its value before the change set's first change, and after its last.
    fields: BTreeMap<String, (Value, Value)>,
}

#[derive(Default)]
struct RevertPlan {
    /// Records in the order the change set first touched them.
    order: Vec<(Uuid, Uuid)>,
    records: std::collections::HashMap<(Uuid, Uuid), RecordSteps>,
}

impl RevertPlan {
    fn add(&mut self, event: &Event) {
        let key = (event.object_id, event.record_id);
        if !self.records.contains_key(&key) {
            self.order.push(key);
        }
        let steps = self.records.entry(key).or_default();
        match event.kind.as_str() {
            "created" => steps.created = true,
            "deleted" => steps.trashed += 1,
            "restored" => steps.trashed -= 1,
            "merged" => steps.merged = true,
            "updated" => {
                if let Some(changes) = event.changes.as_object() {
                    for (key, change) in changes {
                        let before = change.get("before").cloned().unwrap_or(Value::Null);
                        let after = change.get("after").cloned().unwrap_or(Value::Null);
                        steps
                            .fields
                            .entry(key.clone())
                            .and_modify(|(_, last)| *last = after.clone())
                            .or_insert((before, after));
                    }
                }
            }
            _ => {}
        }
    }
}
