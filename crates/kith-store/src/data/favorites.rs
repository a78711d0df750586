//! Favourites: records and saved views someone keeps at hand in the sidebar, in their own order.
//! Each belongs to one principal (`user:{id}` or `token:{id}`), like a personal view. A
//! favourite is shown only while its reader may still read what it points at: a record in the
//! trash, gone for good or of an object they may no longer read, or a view they no longer see,
//! is left out of their list (and comes back with the record or the right to read it). Deleting
//! a view or an object deletes its favourites.

use super::DataStore;
use super::input::rejected;
use super::records::now;
use super::search::record_label;
use super::sql::Args;
use crate::StoreError;
use kith_core::fields::{Cell, ColumnType};
use kith_core::metadata::ObjectMeta;
use kith_core::{ApiError, ErrorCode};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// The most favourites one principal keeps: a sidebar, not a second list of records.
pub const MAX_FAVORITES: i64 = 500;

/// What a favourite points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FavoriteTarget {
    Record { object_id: Uuid, record_id: Uuid },
    View { view_id: Uuid },
}

impl FavoriteTarget {
    /// The body key that names it, for refusals.
    pub fn key(&self) -> &'static str {
        match self {
            FavoriteTarget::Record { .. } => "recordId",
            FavoriteTarget::View { .. } => "viewId",
        }
    }
}

/// A stored favourite.
#[derive(Debug, Clone)]
pub struct Favorite {
    pub id: Uuid,
    /// The object of the record, or of the view.
    pub object_id: Uuid,
    pub target: FavoriteTarget,
    pub position: f64,
    pub created_at: Cell,
}

/// A favourite as its reader sees it: with the object it belongs to and its label (the
/// record's name, the view's name).
#[derive(Debug, Clone)]
pub struct ShownFavorite {
    pub favorite: Favorite,
    pub object: ObjectMeta,
    pub label: String,
}

const COLUMNS: &str = "id, object_id, record_id, view_id, position, created_at";
const KINDS: [ColumnType; 6] = [
    ColumnType::Uuid,
    ColumnType::Uuid,
    ColumnType::Uuid,
    ColumnType::Uuid,
    ColumnType::Float,
    ColumnType::DateTime,
];

fn corrupt(value: String) -> StoreError {
    StoreError::Corrupt {
        column: "_kith_favorites",
        value,
    }
}

fn favorite_from_row(row: Vec<Cell>) -> Result<Favorite, StoreError> {
    let mut cells = row.into_iter();
    let mut next = || cells.next().unwrap_or(Cell::Null);
    let uuid = |cell: Cell| match cell {
        Cell::Uuid(id) => Some(id),
        _ => None,
    };
    let id = uuid(next()).ok_or_else(|| corrupt("id".into()))?;
    let object_id = uuid(next()).ok_or_else(|| corrupt(format!("object_id of {id}")))?;
    let target = match (uuid(next()), uuid(next())) {
        (Some(record_id), None) => FavoriteTarget::Record {
            object_id,
            record_id,
        },
        (None, Some(view_id)) => FavoriteTarget::View { view_id },
        _ => return Err(corrupt(format!("target of {id}"))),
    };
    let position = match next() {
        Cell::Float(position) => position,
        Cell::Int(position) => position as f64,
        other => return Err(corrupt(format!("{other:?}"))),
    };
    Ok(Favorite {
        id,
        object_id,
        target,
        position,
        created_at: next(),
    })
}

impl DataStore {
    /// Every favourite of `principal`, in their order, unresolved.
    async fn stored_favorites(&self, principal: &str) -> Result<Vec<Favorite>, StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "SELECT {COLUMNS} FROM {} WHERE owner = {} ORDER BY position, id",
            self.table("_kith_favorites"),
            args.push(ColumnType::Text, Cell::Text(principal.to_owned())),
        );
        let mut conn = self.read().await?;
        conn.ex()
            .fetch_cells(&sql, &args, &KINDS)
            .await?
            .into_iter()
            .map(favorite_from_row)
            .collect()
    }

    /// The favourites of `principal` that they may still open, in their order, each with its
    /// label. `catalog` is the workspace's objects.
    pub async fn list_favorites(
        &self,
        catalog: &[ObjectMeta],
        principal: &str,
    ) -> Result<Vec<ShownFavorite>, StoreError> {
        let stored = self.stored_favorites(principal).await?;
        self.resolve_favorites(catalog, principal, stored).await
    }

    /// One favourite of `principal`, as the list shows it; not found when it is another's or
    /// the list leaves it out.
    pub async fn favorite(
        &self,
        catalog: &[ObjectMeta],
        principal: &str,
        id: Uuid,
    ) -> Result<ShownFavorite, StoreError> {
        let stored: Vec<Favorite> = self
            .stored_favorites(principal)
            .await?
            .into_iter()
            .filter(|f| f.id == id)
            .collect();
        self.resolve_favorites(catalog, principal, stored)
            .await?
            .pop()
            .ok_or_else(|| rejected(ApiError::not_found("favorite")))
    }

    /// Labels each favourite from what it points at, as this handle reads it (the policy
    /// applies), leaving out those that point at nothing it may read.
    async fn resolve_favorites(
        &self,
        catalog: &[ObjectMeta],
        principal: &str,
        stored: Vec<Favorite>,
    ) -> Result<Vec<ShownFavorite>, StoreError> {
        let readable = |id: Uuid| {
            catalog
                .iter()
                .find(|o| o.id == id && o.is_active && self.access().may_read(o))
        };
        // One query per object for the records, one for the views.
        let mut wanted: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for favorite in &stored {
            if let FavoriteTarget::Record {
                object_id,
                record_id,
            } = favorite.target
            {
                wanted.entry(object_id).or_default().push(record_id);
            }
        }
        let mut labels: HashMap<Uuid, String> = HashMap::new();
        for (object_id, ids) in wanted {
            let Some(object) = readable(object_id) else {
                continue;
            };
            for record in self.records_by_ids(object, &ids).await? {
                if let Some(id) = record["id"]
                    .as_str()
                    .and_then(|id| Uuid::parse_str(id).ok())
                {
                    labels.insert(id, record_label(object, &record));
                }
            }
        }
        if stored
            .iter()
            .any(|f| matches!(f.target, FavoriteTarget::View { .. }))
        {
            for view in self.list_views(None, principal).await? {
                labels.insert(view.id, view.spec.name);
            }
        }
        let mut seen = HashSet::new();
        let mut shown = Vec::new();
        for favorite in stored {
            let target_id = match favorite.target {
                FavoriteTarget::Record { record_id, .. } => record_id,
                FavoriteTarget::View { view_id } => view_id,
            };
            let (Some(object), Some(label)) =
                (readable(favorite.object_id), labels.get(&target_id))
            else {
                continue;
            };
            // Two writers adding the same favourite at once may both have stored it: one shows.
            if seen.insert(favorite.target) {
                shown.push(ShownFavorite {
                    object: object.clone(),
                    label: label.clone(),
                    favorite,
                });
            }
        }
        Ok(shown)
    }

    /// Adds a favourite of `principal` at `position`, or after their last. The caller has
    /// checked that the target exists and that they may read it. Refused, naming the target's
    /// key, when it is a favourite already or when they keep [`MAX_FAVORITES`].
    pub async fn create_favorite(
        &self,
        principal: &str,
        object_id: Uuid,
        target: FavoriteTarget,
        position: Option<f64>,
    ) -> Result<Uuid, StoreError> {
        let mut tx = self.begin().await?;
        let stored = {
            let mut args = Args::default();
            let sql = format!(
                "SELECT {COLUMNS} FROM {} WHERE owner = {}",
                self.table("_kith_favorites"),
                args.push(ColumnType::Text, Cell::Text(principal.to_owned())),
            );
            tx.ex()
                .fetch_cells(&sql, &args, &KINDS)
                .await?
                .into_iter()
                .map(favorite_from_row)
                .collect::<Result<Vec<_>, _>>()?
        };
        let refuse = |message: String| {
            rejected(ApiError::refused_field(
                ErrorCode::Conflict,
                target.key(),
                message,
            ))
        };
        if stored.iter().any(|f| f.target == target) {
            return Err(refuse("is a favourite already".into()));
        }
        if stored.len() as i64 >= MAX_FAVORITES {
            return Err(refuse(format!(
                "cannot be added: {MAX_FAVORITES} favourites is the most one keeps"
            )));
        }
        let last = stored
            .iter()
            .map(|f| f.position)
            .fold(None, |max, p| Some(max.map_or(p, |m: f64| m.max(p))));
        let position = position.unwrap_or_else(|| last.map_or(0.0, |p| p.floor() + 1.0));
        let (record_id, view_id) = match target {
            FavoriteTarget::Record { record_id, .. } => (Cell::Uuid(record_id), Cell::Null),
            FavoriteTarget::View { view_id } => (Cell::Null, Cell::Uuid(view_id)),
        };
        let id = Uuid::now_v7();
        let mut args = Args::default();
        let values = [
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
            args.push(ColumnType::Text, Cell::Text(principal.to_owned())),
            args.push(ColumnType::Uuid, Cell::Uuid(object_id)),
            args.push(ColumnType::Uuid, record_id),
            args.push(ColumnType::Uuid, view_id),
            args.push(ColumnType::Float, Cell::Float(position)),
            args.push(ColumnType::DateTime, now()),
        ];
        let sql = format!(
            "INSERT INTO {} (id, owner, object_id, record_id, view_id, position, created_at) VALUES ({})",
            self.table("_kith_favorites"),
            values.join(", ")
        );
        tx.ex().execute_cells(&sql, &args).await?;
        self.finish(tx).await?;
        Ok(id)
    }

    /// Moves a favourite of `principal` to `position` (its place among theirs).
    pub async fn move_favorite(
        &self,
        principal: &str,
        id: Uuid,
        position: f64,
    ) -> Result<(), StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "UPDATE {} SET position = {} WHERE id = {} AND owner = {}",
            self.table("_kith_favorites"),
            args.push(ColumnType::Float, Cell::Float(position)),
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
            args.push(ColumnType::Text, Cell::Text(principal.to_owned())),
        );
        let mut tx = self.begin().await?;
        tx.ex().execute_cells(&sql, &args).await?;
        self.finish(tx).await
    }

    /// Whether `principal` keeps a favourite of this id, shown in their list or not.
    pub async fn has_favorite(&self, principal: &str, id: Uuid) -> Result<bool, StoreError> {
        Ok(self
            .stored_favorites(principal)
            .await?
            .iter()
            .any(|f| f.id == id))
    }

    /// Deletes a favourite of `principal` (nothing when they have none of this id).
    pub async fn delete_favorite(&self, principal: &str, id: Uuid) -> Result<(), StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "DELETE FROM {} WHERE id = {} AND owner = {}",
            self.table("_kith_favorites"),
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
            args.push(ColumnType::Text, Cell::Text(principal.to_owned())),
        );
        let mut tx = self.begin().await?;
        tx.ex().execute_cells(&sql, &args).await?;
        self.finish(tx).await
    }
}
