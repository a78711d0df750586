//! Workspace data: objects' metadata, their records and the events that changed them. Each
//! workspace has its own SQLite file (`workspaces/{id}.db` in the data directory) or its own
//! PostgreSQL schema (`ws_{id}`), so one workspace's queries never touch another's tables.

pub mod archive;
mod audit;
mod batch;
mod bulk;
mod change_sets;
mod counts;
mod events;
mod export;
mod favorites;
mod group;
pub mod import;
mod indexes;
mod input;
mod list;
mod merge;
mod metadata;
pub mod patterns;
mod privacy;
mod projection;
mod query;
mod records;
mod schema;
mod search;
pub mod sql;
mod targets;
mod trash;
mod views;

pub use audit::{AuditEntry, AuditQuery};
pub use change_sets::{CHANGE_SET_IDLE, ChangeSetScope};
pub use events::ChangeEvent;
pub use export::{
    EXPORT_PAGE, ExportColumn, ExportFile, ExportFormat, ExportPage, ExportRead, ExportRows,
    ExportValue,
};
pub use favorites::{Favorite, FavoriteTarget, MAX_FAVORITES, ShownFavorite};
pub use group::{Aggregate, AggregateRequest};
pub use merge::MERGE_MAX_RECORDS;
pub use metadata::{FieldChange, NewField, NewObject, ObjectChange};
pub use privacy::{ERASED, Erased, SubjectData, normalized_email};
pub use query::{ListQuery, Page};
pub use records::CATALOG_TTL;
pub use search::Hit;
pub use views::{SavedView, ViewColumn, ViewKind, ViewSpec};

use crate::db::{
    Conn, Pools, SqlitePair, Tx, close_workspace_file, workspace_file, workspace_file_path,
};
use crate::{Backend, Db, StoreError};
use kith_core::access::{Access, Action};
use kith_core::metadata::ObjectMeta;
use sqlx::PgPool;
use uuid::Uuid;

/// One workspace's data, as one principal may reach it: every read and write asks its
/// [`Access`] first, and answers show only what it may see (hidden fields absent, sensitive
/// values masked). Made by [`crate::WorkspaceStore::data`], so only for a member, or by the job
/// runner's [`crate::JobRunner`].
#[derive(Clone)]
pub struct DataStore {
    workspace_id: Uuid,
    pub(crate) access: std::sync::Arc<Access>,
    pub(crate) target: Target,
    /// The control plane, for checks against memberships.
    db: Db,
    /// Set by [`DataStore::rehearsing`]: every write runs and is rolled back.
    rehearsal: bool,
    /// Set by [`DataStore::in_change_sets`]: the events of its writes belong to a change set.
    change_sets: Option<ChangeSetScope>,
    /// The records this handle's writes recorded events for (object's plural name, id), shared
    /// by its clones: for the audit log.
    touched: std::sync::Arc<std::sync::Mutex<Vec<(String, Uuid)>>>,
}

#[derive(Clone)]
pub(crate) enum Target {
    Sqlite(std::sync::Arc<SqlitePair>),
    Postgres { pool: PgPool, schema: String },
}

/// The PostgreSQL schema holding a workspace's records (the test kit finds them by it too).
pub fn schema_name(workspace_id: Uuid) -> String {
    format!("ws_{}", workspace_id.simple())
}

impl DataStore {
    /// Opens a workspace's data, creating its tables and standard objects the first time.
    pub(crate) async fn open(db: &Db, access: Access) -> Result<DataStore, StoreError> {
        let workspace_id = access.workspace_id;
        let target = match &db.pools {
            Pools::Sqlite(_) => {
                Target::Sqlite(workspace_file(&db.workspace_files, workspace_id).await?)
            }
            Pools::Postgres(pool) => Target::Postgres {
                pool: pool.clone(),
                schema: schema_name(workspace_id),
            },
        };
        let store = DataStore {
            workspace_id,
            access: std::sync::Arc::new(access),
            target,
            db: db.clone(),
            rehearsal: false,
            change_sets: None,
            touched: Default::default(),
        };
        if !db.workspace_files.is_provisioned(workspace_id) {
            schema::provision(&store).await?;
            db.workspace_files.mark_provisioned(workspace_id);
            db.note_first_open(workspace_id);
        }
        Ok(store)
    }

    /// Deletes a workspace's data for good: its file, or its schema.
    pub(crate) async fn destroy(db: &Db, workspace_id: Uuid) -> Result<(), StoreError> {
        db.workspace_files.forget(workspace_id);
        match &db.pools {
            Pools::Sqlite(_) => {
                close_workspace_file(&db.workspace_files, workspace_id).await;
                let path = workspace_file_path(&db.workspace_files.dir, workspace_id);
                for suffix in ["", "-wal", "-shm"] {
                    let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
                    match std::fs::remove_file(&file) {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(StoreError::Io(file, e)),
                    }
                }
            }
            Pools::Postgres(pool) => {
                let sql = format!(
                    "DROP SCHEMA IF EXISTS {} CASCADE",
                    sql::quote(&schema_name(workspace_id))
                );
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
            }
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self.target {
            Target::Sqlite(_) => Backend::Sqlite,
            Target::Postgres { .. } => Backend::Postgres,
        }
    }

    pub fn workspace_id(&self) -> Uuid {
        self.workspace_id
    }

    /// This handle as a dry run: each write runs as it would, every check and trigger included,
    /// and its transaction is rolled back instead of committed. The answer is what the write
    /// would have done.
    pub fn rehearsing(mut self) -> DataStore {
        self.rehearsal = true;
        self
    }

    pub fn is_rehearsal(&self) -> bool {
        self.rehearsal
    }

    /// Commits a write's transaction, or in a rehearsal rolls it back.
    pub(crate) async fn finish(&self, tx: Tx) -> Result<(), StoreError> {
        if self.rehearsal {
            tx.rollback().await
        } else {
            tx.commit().await?;
            self.db.written.note(self.workspace_id);
            Ok(())
        }
    }

    /// As [`DataStore::finish`], without waiting for the disk ([`Tx::commit_lazily`]): for the
    /// chunks of an import, which the next flushed commit (its progress, saved every second
    /// and at its end) makes durable before any count says they were written.
    pub(crate) async fn finish_lazily(&self, tx: Tx) -> Result<(), StoreError> {
        if self.rehearsal {
            tx.rollback().await
        } else {
            tx.commit_lazily().await?;
            self.db.written.note(self.workspace_id);
            Ok(())
        }
    }

    /// Who this handle acts for, and what they may do.
    pub fn access(&self) -> &Access {
        &self.access
    }

    /// Refuses `action` on `object` unless the access allows it.
    pub(crate) fn allow(&self, action: Action, object: &ObjectMeta) -> Result<(), StoreError> {
        self.access
            .check(action, object)
            .map_err(StoreError::Rejected)
    }

    /// A table's name as SQL, qualified by the workspace's schema on PostgreSQL.
    pub(crate) fn table(&self, name: &str) -> String {
        match &self.target {
            Target::Sqlite(_) => sql::quote(name),
            Target::Postgres { schema, .. } => {
                format!("{}.{}", sql::quote(schema), sql::quote(name))
            }
        }
    }

    pub(crate) async fn read(&self) -> Result<Conn, StoreError> {
        Ok(match &self.target {
            Target::Sqlite(pair) => Conn::Sqlite(pair.read.acquire().await?),
            Target::Postgres { pool, .. } => Conn::Postgres(pool.acquire().await?),
        })
    }

    pub(crate) async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match &self.target {
            Target::Sqlite(pair) => pair.begin().await?,
            Target::Postgres { pool, .. } => Tx::Postgres(pool.begin().await?),
        })
    }
}
