//! Tasks and notes link to any records ("targets"): a polymorphic link table, `_kith_targets`.
//! Linking writes an event on the target too, so a company's timeline shows the note about it.

use super::DataStore;
use super::input::{field_error, rejected};
use super::sql::Args;
use crate::StoreError;
use crate::db::Tx;
use kith_core::ApiError;
use kith_core::access::Action;
use kith_core::fields::{Cell, ColumnType};
use kith_core::metadata::{Actor, ObjectMeta};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// The objects whose records link to others.
pub fn links_to_targets(object: &ObjectMeta) -> bool {
    matches!(object.name_singular.as_str(), "task" | "note")
}

impl DataStore {
    /// Links a task or note to a record of any object.
    pub async fn link_target(
        &self,
        source: &ObjectMeta,
        source_id: Uuid,
        target: &ObjectMeta,
        target_id: Uuid,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        self.check_link(source, target, target_id).await?;
        let source_record = self
            .get_record(source, source_id)
            .await?
            .ok_or_else(|| rejected(ApiError::not_found(&source.label_singular)))?;
        let mut tx = self.begin().await?;
        self.link_in(&mut tx, source, &source_record, target, target_id, actor)
            .await?;
        self.finish(tx).await
    }

    /// Creates a task or note linked to a record, in one transaction.
    pub async fn create_linked(
        &self,
        catalog: &[ObjectMeta],
        source: &ObjectMeta,
        input: &Map<String, Value>,
        target: &ObjectMeta,
        target_id: Uuid,
        actor: &Actor,
    ) -> Result<Value, StoreError> {
        self.check_link(source, target, target_id).await?;
        self.access.check_input(source, input).map_err(rejected)?;
        let mut tx = self.begin().await?;
        let record = self
            .create_in(&mut tx, catalog, source, input, actor)
            .await?;
        self.link_in(&mut tx, source, &record, target, target_id, actor)
            .await?;
        self.finish(tx).await?;
        Ok(self.presented(source, record))
    }

    /// Refuses a link the caller may not make, from an object that has no links, or to a record
    /// that is not there.
    async fn check_link(
        &self,
        source: &ObjectMeta,
        target: &ObjectMeta,
        target_id: Uuid,
    ) -> Result<(), StoreError> {
        self.allow(Action::Write, source)?;
        self.allow(Action::Read, target)?;
        if !links_to_targets(source) {
            return Err(rejected(ApiError::bad_request(format!(
                "{} records do not link to other records",
                source.name_singular
            ))));
        }
        if self.get_record(target, target_id).await?.is_none() {
            return Err(rejected(ApiError::conflicting_fields(vec![field_error(
                "targetId",
                format!("no {} has the id {target_id}", target.name_singular),
            )])));
        }
        Ok(())
    }

    /// Writes the link and, when it is new, the "linked" event on the target.
    async fn link_in(
        &self,
        tx: &mut Tx,
        source: &ObjectMeta,
        source_record: &Value,
        target: &ObjectMeta,
        target_id: Uuid,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        let source_id = source_record["id"]
            .as_str()
            .and_then(|id| Uuid::parse_str(id).ok())
            .ok_or_else(|| StoreError::Corrupt {
                column: "id",
                value: source_record["id"].to_string(),
            })?;
        let mut args = Args::default();
        let values = [
            args.push(ColumnType::Uuid, Cell::Uuid(source.id)),
            args.push(ColumnType::Uuid, Cell::Uuid(source_id)),
            args.push(ColumnType::Uuid, Cell::Uuid(target.id)),
            args.push(ColumnType::Uuid, Cell::Uuid(target_id)),
            args.push(ColumnType::DateTime, Cell::DateTime(chrono::Utc::now())),
        ];
        let sql = format!(
            "INSERT INTO {} (source_object_id, source_id, target_object_id, target_id, created_at) VALUES ({}) \
             ON CONFLICT (source_id, target_id) DO NOTHING",
            self.table("_kith_targets"),
            values.join(", ")
        );
        if tx.ex().execute_cells(&sql, &args).await? == 1 {
            let label = super::search::record_label(source, source_record);
            let change =
                json!({ source.name_singular.clone(): { "id": source_id, "label": label } });
            self.record_event(tx, target, target_id, "linked", actor, change)
                .await?;
        }
        Ok(())
    }

    /// Removes a link; false when there was none.
    pub async fn unlink_target(
        &self,
        source: &ObjectMeta,
        source_id: Uuid,
        target: &ObjectMeta,
        target_id: Uuid,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        self.allow(Action::Write, source)?;
        self.allow(Action::Read, target)?;
        let mut tx = self.begin().await?;
        let mut args = Args::default();
        let sql = format!(
            "DELETE FROM {} WHERE source_id = {} AND target_id = {}",
            self.table("_kith_targets"),
            args.push(ColumnType::Uuid, Cell::Uuid(source_id)),
            args.push(ColumnType::Uuid, Cell::Uuid(target_id))
        );
        let removed = tx.ex().execute_cells(&sql, &args).await? == 1;
        if removed {
            let change = json!({ source.name_singular.clone(): { "id": source_id } });
            self.record_event(&mut tx, target, target_id, "unlinked", actor, change)
                .await?;
        }
        self.finish(tx).await?;
        Ok(removed)
    }

    /// What a task or note links to: `[{"targetObject":"company","targetId":…}]`.
    pub async fn targets_of(
        &self,
        catalog: &[ObjectMeta],
        source_id: Uuid,
    ) -> Result<Vec<Value>, StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "SELECT target_object_id, target_id FROM {} WHERE source_id = {} ORDER BY created_at, target_id",
            self.table("_kith_targets"),
            args.push(ColumnType::Uuid, Cell::Uuid(source_id))
        );
        let mut conn = self.read().await?;
        let rows = conn
            .ex()
            .fetch_cells(&sql, &args, &[ColumnType::Uuid, ColumnType::Uuid])
            .await?;
        Ok(rows
            .iter()
            .filter_map(|row| match row.as_slice() {
                [Cell::Uuid(object_id), Cell::Uuid(id)] => {
                    // A link to an object the caller may not read is left out, like its record.
                    let object = catalog
                        .iter()
                        .find(|o| o.id == *object_id)
                        .filter(|o| self.access.may_read(o))?;
                    Some(json!({ "targetObject": object.name_singular, "targetId": id }))
                }
                _ => None,
            })
            .collect())
    }

    /// The live tasks or notes (`source`) linked to a record, newest first.
    pub async fn linked_to(
        &self,
        source: &ObjectMeta,
        target_id: Uuid,
    ) -> Result<Vec<Value>, StoreError> {
        self.allow(Action::Read, source)?;
        let mut args = Args::default();
        let sql = format!(
            "SELECT source_id FROM {} WHERE target_id = {} AND source_object_id = {} ORDER BY source_id DESC LIMIT 500",
            self.table("_kith_targets"),
            args.push(ColumnType::Uuid, Cell::Uuid(target_id)),
            args.push(ColumnType::Uuid, Cell::Uuid(source.id))
        );
        let ids = self.read().await?.ex().fetch_ids(&sql, &args).await?;
        let mut records = self.records_by_ids(source, &ids).await?;
        records.sort_by(|a, b| b["id"].as_str().cmp(&a["id"].as_str()));
        Ok(records)
    }
}
