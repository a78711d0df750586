//! Writes to every live record matching a filter, all or none: update, and delete to the trash.

use super::DataStore;
use super::input::{check, rejected};
use super::sql::Args;
use crate::StoreError;
use crate::db::Tx;
use kith_core::ApiError;
use kith_core::access::Action;
use kith_core::filter::Filter;
use kith_core::metadata::{Actor, ObjectMeta};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// The most records one bulk update or delete may touch.
pub const BULK_MAX: usize = 10_000;

impl DataStore {
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
        self.finish(tx).await?;
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
        self.finish(tx).await?;
        Ok(ids.len())
    }
}
