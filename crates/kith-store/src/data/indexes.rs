//! Sort indexes built in the background. A field gets one when it asks for it (`isIndexed`, a
//! relation, a standard field a table sorts by) or when a saved view sorts, filters or groups by
//! it. Building one over a million records takes seconds, so a field change or a saved view only
//! records what is wanted and the job runner builds what is missing: on PostgreSQL
//! `CREATE INDEX CONCURRENTLY`, which lets writers go on (metadata changes wait); on SQLite, whose single writer the
//! build holds, one index a transaction. A workspace made before an index was wanted gets it the
//! same way, when this process first opens it.

use super::schema::{index_name, lock_key, sort_index_sql};
use super::sql::Args;
use super::sql::quote;
use super::{DataStore, Target};
use crate::{Backend, StoreError};
use kith_core::fields::{Cell, ColumnType, FieldType};
use kith_core::metadata::{FieldMeta, ObjectMeta};
use kith_core::standard::standard_objects;
use std::collections::HashSet;
use uuid::Uuid;

/// The fields of one object that the saved views use: `(object id, field name)`.
type UsedFields = HashSet<(Uuid, String)>;

impl DataStore {
    /// Builds the sort indexes that are wanted and missing, one after another; returns how many
    /// it built. Safe to run on several instances at once (PostgreSQL: one of them builds).
    pub async fn build_missing_indexes(&self) -> Result<usize, StoreError> {
        let catalog = self.objects().await?;
        let used = self.fields_used_by_views().await?;
        let standard = standard_objects();
        let existing = self.valid_index_names().await?;
        let mut built = 0;
        for object in catalog.iter() {
            for field in &object.fields {
                let name = index_name("ix", field);
                if existing.contains(&name) || !wants_sort_index(object, field, &used, &standard) {
                    continue;
                }
                let Some(create) =
                    sort_index_sql(self, object, field, self.backend() == Backend::Postgres)
                else {
                    continue;
                };
                if self.build_index(&name, &create).await? {
                    tracing::info!(workspace_id = %self.workspace_id(), index = %name, "built a sort index");
                    built += 1;
                }
            }
        }
        Ok(built)
    }

    /// The names of the workspace's indexes that can serve queries (PostgreSQL keeps the
    /// remains of a concurrent build that stopped midway as an invalid index).
    async fn valid_index_names(&self) -> Result<HashSet<String>, StoreError> {
        let mut args = Args::default();
        let sql = match &self.target {
            Target::Sqlite(_) => "SELECT name FROM sqlite_master WHERE type = 'index'".to_owned(),
            Target::Postgres { schema, .. } => format!(
                "SELECT c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = {} AND i.indisvalid",
                args.push(ColumnType::Text, Cell::Text(schema.clone()))
            ),
        };
        let mut conn = self.read().await?;
        let rows = conn
            .ex()
            .fetch_cells(&sql, &args, &[ColumnType::Text])
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| match row.into_iter().next() {
                Some(Cell::Text(name)) => Some(name),
                _ => None,
            })
            .collect())
    }

    /// Builds one index; false when another did meanwhile. On PostgreSQL outside a transaction
    /// (as `CONCURRENTLY` must be) and holding the workspace's metadata lock, so that no metadata
    /// change waits on the build (see `schema::begin_locked`) and one instance builds at a time;
    /// an invalid index of that name is then the remains of a build that stopped midway, and goes.
    async fn build_index(&self, name: &str, create: &str) -> Result<bool, StoreError> {
        let Target::Postgres { pool, schema } = &self.target else {
            let mut tx = self.begin().await?;
            tx.ex().execute_cells(create, &Args::default()).await?;
            tx.commit().await?;
            return Ok(true);
        };
        let mut conn = pool.acquire().await?;
        let key = lock_key(self.workspace_id());
        if !take_session_lock(&mut conn, key).await? {
            return Ok(false);
        }
        let built = async {
            let valid: Option<bool> = sqlx::query_scalar(
                "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
            )
            .bind(schema)
            .bind(name)
            .fetch_optional(&mut *conn)
            .await?;
            if valid == Some(true) {
                return Ok::<_, StoreError>(false);
            }
            let drop = format!("DROP INDEX CONCURRENTLY IF EXISTS {}.{}", quote(schema), quote(name));
            for sql in [drop, create.to_owned()] {
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *conn).await?;
            }
            Ok(true)
        }
        .await;
        let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(key)
            .execute(&mut *conn)
            .await;
        if unlocked.is_err() {
            // A session lock must not outlive the build: closing the connection ends it.
            drop(conn.detach());
        }
        // Lets a metadata change that waits for the lock in before the next build.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        built
    }

    /// Every field a saved view of any owner sorts, filters or groups by.
    async fn fields_used_by_views(&self) -> Result<UsedFields, StoreError> {
        let mut used = UsedFields::new();
        for (object_id, spec) in self.every_view_spec().await? {
            let mut add = |field: &str| used.insert((object_id, field.to_owned()));
            if let Some(field) = &spec.kanban_field {
                add(field);
            }
            if let Some(order) = spec.order_by.as_deref() {
                for key in kith_core::sort::parse(order).unwrap_or_default() {
                    add(&key.path.field);
                }
            }
            if let Some(filter) = spec
                .filter
                .as_deref()
                .and_then(|f| kith_core::filter::parse(f).ok())
            {
                for field in filtered_fields(&filter) {
                    add(&field);
                }
            }
        }
        Ok(used)
    }
}

/// How long a build waits for the metadata lock (held by a metadata change) before leaving the
/// index to the next catch-up.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Takes the session advisory lock `key` on `conn`, trying every 50 ms rather than waiting in a
/// statement: a statement waiting holds a snapshot, which another instance's concurrent build
/// would wait for in turn.
async fn take_session_lock(
    conn: &mut sqlx::pool::PoolConnection<sqlx::Postgres>,
    key: i64,
) -> Result<bool, StoreError> {
    let started = std::time::Instant::now();
    loop {
        let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(key)
            .fetch_one(&mut **conn)
            .await?;
        if locked {
            return Ok(true);
        }
        if started.elapsed() > LOCK_WAIT {
            return Ok(false);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Whether `field` should have a sort index: asked for, a relation, a standard field that a
/// table sorts by (in workspaces made before it was one too), or used by a saved view.
fn wants_sort_index(
    object: &ObjectMeta,
    field: &FieldMeta,
    used: &UsedFields,
    standard: &[ObjectMeta],
) -> bool {
    field.is_indexed
        || field.field_type == FieldType::Relation
        || used.contains(&(object.id, field.name.clone()))
        || standard
            .iter()
            .find(|o| o.id == object.id)
            .and_then(|o| {
                o.fields
                    .iter()
                    .find(|f| !field.is_custom && f.name == field.name)
            })
            .is_some_and(|f| f.is_indexed)
}

/// The fields a filter compares.
fn filtered_fields(filter: &kith_core::filter::Filter) -> Vec<String> {
    use kith_core::filter::Filter;
    match filter {
        Filter::And(parts) | Filter::Or(parts) => parts.iter().flat_map(filtered_fields).collect(),
        Filter::Not(inner) => filtered_fields(inner),
        Filter::Compare(c) => vec![c.path.field.clone()],
    }
}
