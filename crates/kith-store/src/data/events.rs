//! Records' history: the event each write records, how it shows a field's change, and a
//! record's timeline.

use super::DataStore;
use super::records::now;
use super::sql::Args;
use crate::StoreError;
use crate::db::Tx;
use kith_core::access::Action;
use kith_core::fields::{self, Cell, ColumnType, FieldType};
use kith_core::metadata::{Actor, FieldMeta, ObjectMeta};
use serde_json::{Map, Value, json};
use uuid::Uuid;

impl DataStore {
    pub(super) async fn record_event(
        &self,
        tx: &mut Tx,
        object: &ObjectMeta,
        record_id: Uuid,
        kind: &str,
        actor: &Actor,
        changes: Value,
    ) -> Result<(), StoreError> {
        let change_set = self.change_set_for_write(tx).await?;
        self.note_touched(object, record_id);
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
            args.push(ColumnType::Uuid, change_set.map_or(Cell::Null, Cell::Uuid)),
        ];
        let sql = format!(
            "INSERT INTO {} (id, object_id, record_id, kind, actor, changes, at, change_set_id) VALUES ({})",
            self.table("_kith_events"),
            values.join(", ")
        );
        tx.ex().execute_cells(&sql, &args).await?;
        Ok(())
    }

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
        let catalog = self.objects().await?;
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
                if matches!(&row[1], Cell::Text(kind) if kind == "linked" || kind == "unlinked") {
                    self.access.present_links(&catalog, &mut changes);
                }
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

    /// The workspace's events after `after`, oldest first, for a reader outside the request
    /// that wrote them (webhooks): at most `limit` are looked at; those of objects the access
    /// may not read are left out, and the changes are shown as a timeline shows them. Also the
    /// id of the last event looked at, to go on from.
    pub async fn events_after(
        &self,
        after: Uuid,
        limit: usize,
    ) -> Result<(Vec<ChangeEvent>, Option<Uuid>), StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "SELECT id, object_id, record_id, kind, actor, changes, at FROM {} WHERE id > {} ORDER BY id LIMIT {limit}",
            self.table("_kith_events"),
            args.push(ColumnType::Uuid, Cell::Uuid(after)),
        );
        let kinds = [
            ColumnType::Uuid,
            ColumnType::Uuid,
            ColumnType::Uuid,
            ColumnType::Text,
            ColumnType::Json,
            ColumnType::Text,
            ColumnType::DateTime,
        ];
        let rows = {
            let mut conn = self.read().await?;
            conn.ex().fetch_cells(&sql, &args, &kinds).await?
        };
        let last = rows.last().and_then(|row| match row.first() {
            Some(Cell::Uuid(id)) => Some(*id),
            _ => None,
        });
        let catalog = self.objects().await?;
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            if let Some(event) = self.change_event(&catalog, row)? {
                events.push(event);
            }
        }
        Ok((events, last))
    }

    /// One row of `_kith_events` as the access may see it; `None` for an object it may not read
    /// (or one deleted since).
    fn change_event(
        &self,
        catalog: &[ObjectMeta],
        row: &[Cell],
    ) -> Result<Option<ChangeEvent>, StoreError> {
        let (
            [
                Cell::Uuid(id),
                Cell::Uuid(object_id),
                Cell::Uuid(record_id),
                Cell::Text(kind),
            ],
            [actor, changes, at],
        ) = (
            row.get(..4).unwrap_or_default(),
            row.get(4..7).unwrap_or_default(),
        )
        else {
            return Ok(None);
        };
        let Some(object) = catalog.iter().find(|o| o.id == *object_id) else {
            return Ok(None);
        };
        if !self.access.may_read(object) {
            return Ok(None);
        }
        let mut changes = match changes {
            Cell::Text(text) => serde_json::from_str(text).map_err(|_| StoreError::Corrupt {
                column: "_kith_events.changes",
                value: text.clone(),
            })?,
            _ => Value::Null,
        };
        self.access.present_changes(object, &mut changes);
        if kind == "linked" || kind == "unlinked" {
            self.access.present_links(catalog, &mut changes);
        }
        Ok(Some(ChangeEvent {
            id: *id,
            object: object.clone(),
            record_id: *record_id,
            kind: kind.clone(),
            actor: fields::output(FieldType::RawJson, std::slice::from_ref(actor)),
            changes,
            at: fields::output(FieldType::DateTime, std::slice::from_ref(at)),
        }))
    }

    /// A record whether in the trash or not, as the access may see it.
    pub async fn record_including_trash(
        &self,
        object: &ObjectMeta,
        id: Uuid,
    ) -> Result<Option<Value>, StoreError> {
        self.record_by_id(object, id, false).await
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

/// One change of a record, read back for a webhook: the event's id, the object and record, the
/// kind (`created`, `updated`, `deleted`, `restored`, `merged`, `linked`, `unlinked`), who made
/// it, the changed fields (`{field: {before, after}}`, hidden ones as `{"hidden": true}`) and when.
#[derive(Debug, Clone)]
pub struct ChangeEvent {
    pub id: Uuid,
    pub object: ObjectMeta,
    pub record_id: Uuid,
    pub kind: String,
    pub actor: Value,
    pub changes: Value,
    pub at: Value,
}

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
pub(super) fn event_change(field: &FieldMeta, before: Value, after: Value) -> Value {
    if field.field_type == FieldType::SensitiveText {
        json!({ "changed": true })
    } else {
        json!({ "before": before, "after": after })
    }
}
