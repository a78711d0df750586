//! Saved views: an object's table or kanban as someone arranged it (filter, sorts, columns), kept
//! for its owner alone or shared with the workspace. The filter and order are the list API's own
//! text, checked on save by the code that lists, so a view never holds what a list refuses.

use super::DataStore;
use super::input::rejected;
use super::records::now;
use super::sql::Args;
use crate::StoreError;
use kith_core::ApiError;
use kith_core::fields::{Cell, ColumnType};
use kith_core::metadata::ObjectMeta;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a view shows, as the API reads and writes it (everything but who and when).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ViewKind,
    pub filter: Option<String>,
    pub order_by: Option<String>,
    /// The columns shown, in order; empty for the app's default columns.
    pub fields: Vec<ViewColumn>,
    /// The select field a kanban's columns come from.
    pub kanban_field: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ViewKind {
    Table,
    Kanban,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ViewColumn {
    pub name: String,
    /// In CSS pixels; the app's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
}

/// A stored view.
#[derive(Debug, Clone)]
pub struct SavedView {
    pub id: Uuid,
    pub object_id: Uuid,
    /// The principal (`user:{id}`, `token:{id}`) a personal view belongs to; none when shared.
    pub owner: Option<String>,
    pub spec: ViewSpec,
    pub created_by: String,
    pub created_at: Cell,
    pub updated_at: Cell,
}

const COLUMNS: &str = "id, object_id, owner, spec, created_by, created_at, updated_at";
const KINDS: [ColumnType; 7] = [
    ColumnType::Uuid,
    ColumnType::Uuid,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::DateTime,
    ColumnType::DateTime,
];

fn corrupt(value: String) -> StoreError {
    StoreError::Corrupt {
        column: "_kith_views",
        value,
    }
}

fn view_from_row(row: Vec<Cell>) -> Result<SavedView, StoreError> {
    let mut cells = row.into_iter();
    let mut next = || cells.next().unwrap_or(Cell::Null);
    let uuid = |cell| match cell {
        Cell::Uuid(id) => Ok(id),
        other => Err(corrupt(format!("{other:?}"))),
    };
    let text = |cell| match cell {
        Cell::Text(text) => Some(text),
        _ => None,
    };
    let id = uuid(next())?;
    let object_id = uuid(next())?;
    let owner = text(next());
    let spec_text = text(next()).unwrap_or_default();
    let spec = serde_json::from_str(&spec_text).map_err(|_| corrupt(spec_text))?;
    Ok(SavedView {
        id,
        object_id,
        owner,
        spec,
        created_by: text(next()).unwrap_or_default(),
        created_at: next(),
        updated_at: next(),
    })
}

fn spec_cell(spec: &ViewSpec) -> Result<Cell, StoreError> {
    serde_json::to_string(spec)
        .map(Cell::Text)
        .map_err(|e| corrupt(e.to_string()))
}

fn owner_cell(owner: Option<&str>) -> Cell {
    owner.map_or(Cell::Null, |o| Cell::Text(o.to_owned()))
}

impl SavedView {
    pub fn is_visible_to(&self, principal: &str) -> bool {
        self.owner.as_deref().is_none_or(|owner| owner == principal)
    }
}

impl DataStore {
    /// The views of `object` (of every object when none) that `principal` sees: the shared ones
    /// and their own, oldest first.
    pub async fn list_views(
        &self,
        object_id: Option<Uuid>,
        principal: &str,
    ) -> Result<Vec<SavedView>, StoreError> {
        let mut args = Args::default();
        let mut sql = format!(
            "SELECT {COLUMNS} FROM {} WHERE (owner IS NULL OR owner = {})",
            self.table("_kith_views"),
            args.push(ColumnType::Text, Cell::Text(principal.to_owned())),
        );
        if let Some(object_id) = object_id {
            let object = args.push(ColumnType::Uuid, Cell::Uuid(object_id));
            sql.push_str(&format!(" AND object_id = {object}"));
        }
        sql.push_str(" ORDER BY created_at, id");
        let mut conn = self.read().await?;
        conn.ex()
            .fetch_cells(&sql, &args, &KINDS)
            .await?
            .into_iter()
            .map(view_from_row)
            .collect()
    }

    /// Every view's object and spec, whoever owns it (for the indexes views want).
    pub(super) async fn every_view_spec(&self) -> Result<Vec<(Uuid, ViewSpec)>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM {}", self.table("_kith_views"));
        let mut conn = self.read().await?;
        conn.ex()
            .fetch_cells(&sql, &Args::default(), &KINDS)
            .await?
            .into_iter()
            .map(|row| view_from_row(row).map(|view| (view.object_id, view.spec)))
            .collect()
    }

    /// One view, if `principal` sees it (another's personal view is not found, as if absent).
    pub async fn view(&self, id: Uuid, principal: &str) -> Result<SavedView, StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "SELECT {COLUMNS} FROM {} WHERE id = {}",
            self.table("_kith_views"),
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
        );
        let mut conn = self.read().await?;
        let rows = conn.ex().fetch_cells(&sql, &args, &KINDS).await?;
        rows.into_iter()
            .next()
            .map(view_from_row)
            .transpose()?
            .filter(|view| view.is_visible_to(principal))
            .ok_or_else(|| rejected(ApiError::not_found("view")))
    }

    /// Refuses a view whose filter or order a list of `object` would refuse, for the same reason.
    pub fn check_view(&self, object: &ObjectMeta, spec: &ViewSpec) -> Result<(), StoreError> {
        let invalid =
            |field: &str, message: String| rejected(ApiError::invalid_field(field, message));
        let filter = spec
            .filter
            .as_deref()
            .map(kith_core::filter::parse)
            .transpose()
            .map_err(|e| invalid("filter", e.to_string()))?;
        let order_by = spec
            .order_by
            .as_deref()
            .map(kith_core::sort::parse)
            .transpose()
            .map_err(|e| invalid("orderBy", e.to_string()))?
            .unwrap_or_default();
        let query = super::ListQuery {
            filter,
            order_by,
            ..Default::default()
        };
        self.check_list_query(object, &query)
    }

    pub async fn create_view(
        &self,
        object: &ObjectMeta,
        owner: Option<&str>,
        spec: &ViewSpec,
        created_by: &str,
    ) -> Result<Uuid, StoreError> {
        self.check_view(object, spec)?;
        let id = Uuid::now_v7();
        let mut args = Args::default();
        let values = [
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
            args.push(ColumnType::Uuid, Cell::Uuid(object.id)),
            args.push(ColumnType::Text, owner_cell(owner)),
            args.push(ColumnType::Text, spec_cell(spec)?),
            args.push(ColumnType::Text, Cell::Text(created_by.to_owned())),
            args.push(ColumnType::DateTime, now()),
            args.push(ColumnType::DateTime, now()),
        ];
        let sql = format!(
            "INSERT INTO {} ({COLUMNS}) VALUES ({})",
            self.table("_kith_views"),
            values.join(", ")
        );
        let mut tx = self.begin().await?;
        tx.ex().execute_cells(&sql, &args).await?;
        self.finish(tx).await?;
        Ok(id)
    }

    /// Replaces a view's spec and owner (none shares it).
    pub async fn update_view(
        &self,
        object: &ObjectMeta,
        id: Uuid,
        owner: Option<&str>,
        spec: &ViewSpec,
    ) -> Result<(), StoreError> {
        self.check_view(object, spec)?;
        let mut args = Args::default();
        let sql = format!(
            "UPDATE {} SET owner = {}, spec = {}, updated_at = {} WHERE id = {}",
            self.table("_kith_views"),
            args.push(ColumnType::Text, owner_cell(owner)),
            args.push(ColumnType::Text, spec_cell(spec)?),
            args.push(ColumnType::DateTime, now()),
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
        );
        let mut tx = self.begin().await?;
        tx.ex().execute_cells(&sql, &args).await?;
        self.finish(tx).await
    }

    /// Deletes a view and, with it, everyone's favourites of it.
    pub async fn delete_view(&self, id: Uuid) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for (table, column) in [("_kith_favorites", "view_id"), ("_kith_views", "id")] {
            let mut args = Args::default();
            let sql = format!(
                "DELETE FROM {} WHERE {column} = {}",
                self.table(table),
                args.push(ColumnType::Uuid, Cell::Uuid(id)),
            );
            tx.ex().execute_cells(&sql, &args).await?;
        }
        self.finish(tx).await
    }
}
