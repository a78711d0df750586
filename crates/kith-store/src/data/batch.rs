//! Creating many records at once: one multi-row `INSERT` per few hundred records for the rows,
//! their events and their search entries, and one lookup per relation field for the whole batch,
//! instead of several statements per record.

use super::DataStore;
use super::records::{Checked, actor_cells, field_error, rejected};
use super::search::searchable_text;
use super::sql::{Args, quote};
use crate::StoreError;
use crate::db::Tx;
use kith_core::ApiError;
use kith_core::fields::{Cell, ColumnType};
use kith_core::metadata::{Actor, ObjectMeta, WORKSPACE_MEMBER};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Bound values per statement: under SQLite's limit of 32,766 (PostgreSQL allows 65,535).
const MAX_PARAMS: usize = 30_000;

impl DataStore {
    /// Inserts checked records in `tx`; returns their ids in input order.
    pub(super) async fn insert_batch(
        &self,
        tx: &mut Tx,
        catalog: &[ObjectMeta],
        object: &ObjectMeta,
        inputs: &[Map<String, Value>],
        checked: &[Checked<'_>],
        actor: &Actor,
    ) -> Result<Vec<Uuid>, StoreError> {
        self.check_batch_relations(tx, catalog, checked).await?;
        let sealed = checked
            .iter()
            .map(|c| self.sealed(c))
            .collect::<Result<Vec<_>, _>>()?;
        let checked = sealed.as_slice();
        let now = Cell::DateTime(chrono::Utc::now());
        let base_position = chrono::Utc::now().timestamp_millis() as f64;
        let ids: Vec<Uuid> = checked
            .iter()
            .map(|c| c.id.unwrap_or_else(Uuid::now_v7))
            .collect();

        let mut columns: Vec<(String, ColumnType)> = vec![
            ("id".into(), ColumnType::Uuid),
            ("created_at".into(), ColumnType::DateTime),
            ("updated_at".into(), ColumnType::DateTime),
            ("position".into(), ColumnType::Float),
        ];
        for prefix in ["created_by", "updated_by"] {
            for (suffix, (kind, _)) in ["source", "member_id", "name"]
                .into_iter()
                .zip(actor_cells(actor))
            {
                columns.push((format!("{prefix}_{suffix}"), kind));
            }
        }
        let system_count = columns.len();
        for record in checked {
            for (column, kind, _) in &record.columns {
                if !columns.iter().any(|(name, _)| name == column) {
                    columns.push((column.clone(), *kind));
                }
            }
        }
        let rows: Vec<Vec<(ColumnType, Cell)>> = checked
            .iter()
            .zip(&ids)
            .enumerate()
            .map(|(i, (record, id))| {
                let mut row = vec![
                    (ColumnType::Uuid, Cell::Uuid(*id)),
                    (ColumnType::DateTime, now.clone()),
                    (ColumnType::DateTime, now.clone()),
                    (
                        ColumnType::Float,
                        Cell::Float(record.position.unwrap_or(base_position + i as f64)),
                    ),
                ];
                row.extend(actor_cells(actor));
                row.extend(actor_cells(actor));
                let values: HashMap<&str, &Cell> = record
                    .columns
                    .iter()
                    .map(|(c, _, cell)| (c.as_str(), cell))
                    .collect();
                for (name, kind) in &columns[system_count..] {
                    row.push((
                        *kind,
                        values
                            .get(name.as_str())
                            .map_or(Cell::Null, |cell| (*cell).clone()),
                    ));
                }
                row
            })
            .collect();
        let names: Vec<String> = columns.iter().map(|(name, _)| quote(name)).collect();
        self.insert_rows(tx, &object.table, &names, rows)
            .await
            .map_err(|e| super::records::write_error(object, e))?;

        let actor_json = serde_json::to_value(actor).unwrap_or(Value::Null);
        let events: Vec<Vec<(ColumnType, Cell)>> = checked
            .iter()
            .zip(inputs)
            .zip(&ids)
            .map(|((record, input), id)| {
                let changes: Map<String, Value> = record
                    .fields
                    .iter()
                    .map(|f| {
                        (
                            f.key(),
                            super::records::event_change(
                                f,
                                Value::Null,
                                input.get(&f.key()).cloned().unwrap_or(Value::Null),
                            ),
                        )
                    })
                    .collect();
                vec![
                    (ColumnType::Uuid, Cell::Uuid(Uuid::now_v7())),
                    (ColumnType::Uuid, Cell::Uuid(object.id)),
                    (ColumnType::Uuid, Cell::Uuid(*id)),
                    (ColumnType::Text, Cell::Text("created".into())),
                    (ColumnType::Json, Cell::Json(actor_json.clone())),
                    (ColumnType::Json, Cell::Json(Value::Object(changes))),
                    (ColumnType::DateTime, now.clone()),
                ]
            })
            .collect();
        let event_columns = [
            "id",
            "object_id",
            "record_id",
            "kind",
            "actor",
            "changes",
            "at",
        ]
        .map(str::to_owned);
        self.insert_rows(tx, "_kith_events", &event_columns, events)
            .await?;
        Ok(ids)
    }

    /// Search entries of freshly created records.
    pub(super) async fn index_batch(
        &self,
        tx: &mut Tx,
        object: &ObjectMeta,
        records: &[Value],
    ) -> Result<(), StoreError> {
        let rows: Vec<Vec<(ColumnType, Cell)>> = records
            .iter()
            .filter_map(|record| {
                let id = record["id"]
                    .as_str()
                    .and_then(|id| Uuid::parse_str(id).ok())?;
                let (label, body) = searchable_text(object, record);
                Some(vec![
                    (ColumnType::Uuid, Cell::Uuid(object.id)),
                    (ColumnType::Uuid, Cell::Uuid(id)),
                    (ColumnType::Text, Cell::Text(label)),
                    (ColumnType::Text, Cell::Text(body)),
                ])
            })
            .collect();
        let columns = ["object_id", "record_id", "label", "body"].map(str::to_owned);
        self.insert_rows(tx, "_kith_search", &columns, rows).await
    }

    /// `INSERT INTO table (columns) VALUES (…), (…)…`, as few statements as the parameter limit allows.
    async fn insert_rows(
        &self,
        tx: &mut Tx,
        table: &str,
        columns: &[String],
        rows: Vec<Vec<(ColumnType, Cell)>>,
    ) -> Result<(), StoreError> {
        let per_statement = (MAX_PARAMS / columns.len().max(1)).max(1);
        let backend = self.backend();
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let mut args = Args::default();
            let tuples: Vec<String> = rows
                .by_ref()
                .take(per_statement)
                .map(|row| {
                    format!(
                        "({})",
                        row.into_iter()
                            .map(|(kind, cell)| args.push_in_order(backend, kind, cell))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO {} ({}) VALUES {}",
                self.table(table),
                columns.join(", "),
                tuples.join(", ")
            );
            tx.ex().execute_cells(&sql, &args).await?;
        }
        Ok(())
    }

    /// Checks every relation of a batch with one lookup per target object; errors name the index.
    async fn check_batch_relations(
        &self,
        tx: &mut Tx,
        catalog: &[ObjectMeta],
        checked: &[Checked<'_>],
    ) -> Result<(), StoreError> {
        let mut wanted: HashMap<String, HashSet<Uuid>> = HashMap::new();
        for record in checked {
            for (field, target) in &record.relations {
                if let Some(relation) = &field.relation {
                    wanted
                        .entry(relation.target.clone())
                        .or_default()
                        .insert(*target);
                }
            }
        }
        let mut found: HashMap<String, HashSet<Uuid>> = HashMap::new();
        for (target, ids) in wanted {
            let present = if target == WORKSPACE_MEMBER {
                let mut present = HashSet::new();
                for id in ids {
                    if self.db.is_member(self.workspace_id, id).await? {
                        present.insert(id);
                    }
                }
                present
            } else {
                match catalog.iter().find(|o| o.name_singular == target) {
                    Some(object) => {
                        self.existing_ids(tx, object, &ids.into_iter().collect::<Vec<_>>())
                            .await?
                    }
                    None => HashSet::new(),
                }
            };
            found.insert(target, present);
        }
        let mut errors = Vec::new();
        for (index, record) in checked.iter().enumerate() {
            for (field, target) in &record.relations {
                let Some(relation) = &field.relation else {
                    continue;
                };
                if !found
                    .get(&relation.target)
                    .is_some_and(|ids| ids.contains(target))
                {
                    let what = if relation.target == WORKSPACE_MEMBER {
                        "workspace member"
                    } else {
                        relation.target.as_str()
                    };
                    errors.push(field_error(
                        &format!("[{index}].{}", field.key()),
                        format!("no {what} has the id {target}"),
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(rejected(ApiError::invalid_fields(errors)))
        }
    }

    /// Which of `ids` are live records of `object`.
    async fn existing_ids(
        &self,
        tx: &mut Tx,
        object: &ObjectMeta,
        ids: &[Uuid],
    ) -> Result<HashSet<Uuid>, StoreError> {
        let mut present = HashSet::new();
        for chunk in ids.chunks(500) {
            let mut args = Args::default();
            let placeholders: Vec<String> = chunk
                .iter()
                .map(|id| args.push_in_order(self.backend(), ColumnType::Uuid, Cell::Uuid(*id)))
                .collect();
            let sql = format!(
                "SELECT id FROM {} WHERE deleted_at IS NULL AND id IN ({})",
                self.table(&object.table),
                placeholders.join(", ")
            );
            for row in tx
                .ex()
                .fetch_cells(&sql, &args, &[ColumnType::Uuid])
                .await?
            {
                if let Some(Cell::Uuid(id)) = row.first() {
                    present.insert(*id);
                }
            }
        }
        Ok(present)
    }
}
