//! The trash: moving records to it, taking them out again, deleting them for good (one, or
//! every record that stayed in it too long).

use super::DataStore;
use super::input::{not_found, rejected, write_error};
use super::records::now;
use super::search::index_record;
use super::sql::Args;
use crate::StoreError;
use crate::db::Tx;
use kith_core::ApiError;
use kith_core::access::Action;
use kith_core::fields::{Cell, ColumnType};
use kith_core::metadata::{Actor, ObjectMeta};
use serde_json::{Value, json};
use uuid::Uuid;

impl DataStore {
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
        self.finish(tx).await?;
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
        let record = self.restore_in(&mut tx, object, id, actor).await?;
        self.finish(tx).await?;
        Ok(self.presented(object, record))
    }

    /// Takes a record out of the trash inside `tx`, with its event and search entry.
    pub(super) async fn restore_in(
        &self,
        tx: &mut Tx,
        object: &ObjectMeta,
        id: Uuid,
        actor: &Actor,
    ) -> Result<Value, StoreError> {
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
        self.record_event(tx, object, id, "restored", actor, json!({}))
            .await?;
        let record = self
            .read_in(tx, object, id)
            .await?
            .ok_or_else(|| not_found(object))?;
        index_record(self, tx, object, id, Some(&record)).await?;
        Ok(record)
    }

    /// Deletes a record for good, with its history, links and search entry; gives the record
    /// as it was. Relations to it follow their on-delete rule; a `RESTRICT` relation still
    /// pointing at it refuses with a conflict.
    pub async fn destroy_record(&self, object: &ObjectMeta, id: Uuid) -> Result<Value, StoreError> {
        self.allow(Action::Delete, object)?;
        let mut tx = self.begin().await?;
        let record = self
            .read_in(&mut tx, object, id)
            .await?
            .ok_or_else(|| not_found(object))?;
        self.erase_in(&mut tx, object, id).await.map_err(|e| {
            if !e.is_foreign_key_violation() {
                return e;
            }
            rejected(ApiError::conflict(format!(
                "other records still point at this {} and forbid deleting it",
                object.label_singular.to_lowercase()
            )))
        })?;
        self.finish(tx).await?;
        Ok(record)
    }

    /// Deletes a record's row, then its events, links and search entry. A relation that
    /// restricts deletion fails the first statement (a foreign key violation), changing nothing.
    pub(super) async fn erase_in(
        &self,
        tx: &mut Tx,
        object: &ObjectMeta,
        id: Uuid,
    ) -> Result<(), StoreError> {
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
                        self.finish(tx).await?;
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
        self.finish(tx).await
    }
}
