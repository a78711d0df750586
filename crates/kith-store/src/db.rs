//! Connections to SQLite or PostgreSQL behind one type, and the macros that run a query on either.

use crate::StoreError;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How to connect; built from Kith's configuration.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub url: String,
    /// Connections to PostgreSQL, or SQLite readers (SQLite always has exactly one writer).
    pub max_connections: u32,
    pub connect_timeout: Duration,
    /// Where SQLite keeps one file per workspace (`workspaces/{id}.db`).
    pub data_dir: PathBuf,
    /// The keys encrypted values are sealed and opened with.
    pub keys: crate::KeyRing,
    /// The key file they came from, followed when it changes (`kith admin rotate-key`).
    pub key_file: Option<PathBuf>,
    /// SQLite: how many workspace files stay open while nobody uses them (see [`WorkspaceFiles`]).
    pub open_workspace_files: usize,
}

/// The database: a reader pool and a single-writer pool on SQLite (SQLite allows one writer at a
/// time; queuing writers in our pool beats spinning on `SQLITE_BUSY`), one pool on PostgreSQL.
/// On SQLite each workspace's records live in a file of their own, whose pools are opened on
/// first use and kept here.
#[derive(Clone, Debug)]
pub struct Db {
    pub(crate) pools: Pools,
    pub(crate) workspace_files: Arc<WorkspaceFiles>,
    pub(crate) cipher: crate::Cipher,
    /// Whether the [`crate::JobRunner`] was handed out.
    pub(crate) job_runner_taken: Arc<std::sync::atomic::AtomicBool>,
    /// Workspaces whose records this process changed since the webhook dispatcher last looked.
    pub(crate) written: Arc<WrittenWorkspaces>,
    /// Told of each workspace this process opens for the first time (see [`Db::on_first_open`]).
    pub(crate) first_opens: Arc<Mutex<Option<tokio::sync::mpsc::UnboundedSender<uuid::Uuid>>>>,
    /// The imports this process is running.
    pub(crate) live_imports: Arc<crate::data::import::LiveImports>,
}

/// The workspaces written to since last asked, and a wake-up for whoever waits on them (the
/// webhook dispatcher): a write notes its workspace after it commits.
#[derive(Debug, Default)]
pub(crate) struct WrittenWorkspaces {
    ids: Mutex<std::collections::HashSet<Uuid>>,
    wake: tokio::sync::Notify,
}

impl WrittenWorkspaces {
    pub(crate) fn note(&self, workspace_id: Uuid) {
        if let Ok(mut ids) = self.ids.lock() {
            ids.insert(workspace_id);
        }
        // Keeps a permit when nobody waits, so a write between two waits is not missed.
        self.wake.notify_one();
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Pools {
    Sqlite(SqlitePair),
    Postgres(PgPool),
}

/// Where workspace files live and the pools open on them. An open file costs connections (a
/// thread each) and their memory, so only the files in use and a few recently used stay open:
/// past [`DbOptions::open_workspace_files`] unused ones, the least recently used is closed, and
/// one unused for [`IDLE_FILE_TIMEOUT`] is closed by [`close_idle_files`]. A file is in use while
/// a `DataStore` holds its pools (the `Arc` has other owners than this map); it is reopened on
/// its next request.
#[derive(Debug)]
pub(crate) struct WorkspaceFiles {
    pub dir: PathBuf,
    pub readers: u32,
    pub open: Mutex<HashMap<Uuid, OpenFile>>,
    pub keep_unused: usize,
    /// Workspaces whose data this process has already checked or created (saves a query per request).
    pub provisioned: Mutex<std::collections::HashSet<Uuid>>,
    /// Workspaces' object catalogs as last read, with when (see `DataStore::objects`).
    pub catalogs: Mutex<CatalogCache>,
}

/// How long an unused workspace file stays open at most.
pub const IDLE_FILE_TIMEOUT: Duration = Duration::from_secs(60);

/// A workspace file's pools and when a request last took them.
#[derive(Debug)]
pub(crate) struct OpenFile {
    pub pair: Arc<SqlitePair>,
    pub last_used: std::time::Instant,
}

impl OpenFile {
    fn unused(&self) -> bool {
        Arc::strong_count(&self.pair) == 1
    }
}

impl WorkspaceFiles {
    /// How many workspace files are open now.
    pub fn open_count(&self) -> usize {
        self.open.lock().map_or(0, |open| open.len())
    }

    /// Takes out of the map the files to close: every unused one idle for longer than `idle`,
    /// then the least recently used unused ones beyond [`WorkspaceFiles::keep_unused`]. Taken
    /// under the map's lock, which a request also holds to take a file's pools, so a file
    /// counted unused here cannot be taken meanwhile.
    fn take_closable(&self, idle: Duration) -> Vec<Arc<SqlitePair>> {
        let Ok(mut open) = self.open.lock() else {
            return Vec::new();
        };
        let mut unused: Vec<(std::time::Instant, Uuid)> = open
            .iter()
            .filter(|(_, file)| file.unused())
            .map(|(id, file)| (file.last_used, *id))
            .collect();
        unused.sort();
        let over = unused.len().saturating_sub(self.keep_unused);
        let now = std::time::Instant::now();
        unused
            .iter()
            .enumerate()
            .filter(|(i, (last_used, _))| *i < over || now.duration_since(*last_used) > idle)
            .filter_map(|(_, (_, id))| open.remove(id))
            .map(|file| file.pair)
            .collect()
    }

    /// Forgets catalogs read longer ago than they may be used (see `DataStore::objects`), so
    /// that workspaces used once do not keep theirs.
    fn forget_stale_catalogs(&self) {
        if let Ok(mut catalogs) = self.catalogs.lock() {
            catalogs
                .read
                .retain(|_, (read_at, _)| read_at.elapsed() < crate::data::CATALOG_TTL);
        }
    }

    pub fn is_provisioned(&self, workspace_id: Uuid) -> bool {
        self.provisioned
            .lock()
            .is_ok_and(|set| set.contains(&workspace_id))
    }

    pub fn mark_provisioned(&self, workspace_id: Uuid) {
        if let Ok(mut set) = self.provisioned.lock() {
            set.insert(workspace_id);
        }
    }

    pub fn forget(&self, workspace_id: Uuid) {
        if let Ok(mut set) = self.provisioned.lock() {
            set.remove(&workspace_id);
        }
    }
}

/// Workspaces' object catalogs as last read.
#[derive(Debug, Default)]
pub(crate) struct CatalogCache {
    /// Each workspace's catalog with when it was read.
    pub read: HashMap<
        Uuid,
        (
            std::time::Instant,
            Arc<Vec<kith_core::metadata::ObjectMeta>>,
        ),
    >,
    /// How many metadata changes this process committed to each workspace: a catalog whose
    /// reading began before one of them committed may hold what was there before, and is not
    /// kept (else it would serve the old fields for a while after the change).
    pub changes: HashMap<Uuid, u64>,
}

/// A reader pool and a single-writer pool on one SQLite file, and the connection that folds its
/// write-ahead log back into it (see [`checkpoint_in_background`]).
#[derive(Clone, Debug)]
pub(crate) struct SqlitePair {
    pub read: SqlitePool,
    pub write: SqlitePool,
    checkpoint: SqlitePool,
    /// Set on workspace files, whose writer leaves the flush to [`Tx::commit`].
    pub sync: Option<Arc<WalSync>>,
}

impl SqlitePair {
    /// A transaction on the writer, flushed on commit as this file needs. It takes the write lock
    /// at once (`BEGIN IMMEDIATE`): a deferred transaction that reads first asks for the lock
    /// only at its first write, and SQLite then answers `SQLITE_BUSY` at once, without waiting,
    /// whenever another connection holds it, as the background checkpoint does while it empties
    /// the log. Taken at `BEGIN`, the lock is waited for (the busy timeout).
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        Ok(Tx::Sqlite(tx, self.sync.clone()))
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
        self.checkpoint.close().await;
    }
}

/// A connection checked out of a pool, on either backend.
pub enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

/// A transaction on either backend. Dropped without [`Tx::commit`], it rolls back. On a workspace
/// file it carries the [`WalSync`] that makes its commit durable.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>, Option<Arc<WalSync>>),
    Postgres(Transaction<'static, Postgres>),
}

/// What the query macros run on: a borrowed connection of either backend.
pub enum Ex<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl Conn {
    pub fn ex(&mut self) -> Ex<'_> {
        match self {
            Conn::Sqlite(c) => Ex::Sqlite(c),
            Conn::Postgres(c) => Ex::Postgres(c),
        }
    }
}

impl Tx {
    pub fn ex(&mut self) -> Ex<'_> {
        match self {
            Tx::Sqlite(t, _) => Ex::Sqlite(t),
            Tx::Postgres(t) => Ex::Postgres(t),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(..) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    /// Commits; returns once the changes would survive a power loss.
    /// Commits without waiting for the disk: a power loss in the next moment may lose this
    /// transaction, which the next flushed commit (or checkpoint) makes durable. For what may be
    /// lost that way and must not slow the answer: the audit log.
    pub async fn commit_lazily(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t, _) => t.commit().await?,
            Tx::Postgres(mut t) => {
                sqlx::query("SET LOCAL synchronous_commit TO OFF")
                    .execute(&mut *t)
                    .await?;
                t.commit().await?;
            }
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t, _) => t.rollback().await?,
            Tx::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t, sync) => {
                t.commit().await?;
                if let Some(sync) = sync {
                    sync.sync().await?;
                }
            }
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// Makes a workspace file's commits durable beside its writer rather than inside it.
///
/// The writer of a workspace file runs with `synchronous=NORMAL`: a commit writes the log and
/// returns without waiting for the disk. [`Tx::commit`] then flushes the log with an `fdatasync`
/// on a thread of its own before it answers, so a commit that returned has reached the disk, as
/// with `synchronous=FULL`. The writer meanwhile runs the next transaction, and one flush covers
/// every commit written before it. (`fsync` flushes a file, whichever descriptor wrote it.)
/// SQLite keeps the file consistent either way; its checkpoints sync as before.
#[derive(Debug)]
pub struct WalSync {
    wal: PathBuf,
    /// The log's folder, flushed once so that the log file itself is sure to be found again.
    dir: PathBuf,
    dir_synced: std::sync::atomic::AtomicBool,
}

impl WalSync {
    fn new(database: &Path) -> WalSync {
        let mut wal = database.as_os_str().to_owned();
        wal.push("-wal");
        WalSync {
            wal: PathBuf::from(wal),
            dir: database
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            dir_synced: std::sync::atomic::AtomicBool::new(false),
        }
    }

    async fn sync(self: &Arc<Self>) -> Result<(), StoreError> {
        let sync = Arc::clone(self);
        tokio::task::spawn_blocking(move || sync.sync_now())
            .await
            .map_err(|e| StoreError::Io(self.wal.clone(), std::io::Error::other(e)))?
    }

    fn sync_now(&self) -> Result<(), StoreError> {
        use std::sync::atomic::Ordering;
        match std::fs::File::open(&self.wal) {
            Ok(log) => log
                .sync_data()
                .map_err(|e| StoreError::Io(self.wal.clone(), e))?,
            // No log yet: nothing was written.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(StoreError::Io(self.wal.clone(), e)),
        }
        if !self.dir_synced.load(Ordering::Acquire) {
            std::fs::File::open(&self.dir)
                .and_then(|dir| dir.sync_all())
                .map_err(|e| StoreError::Io(self.dir.clone(), e))?;
            self.dir_synced.store(true, Ordering::Release);
        }
        Ok(())
    }
}

/// `fetch!(ex, Type, fetch_one|fetch_optional|fetch_all, "SQL", args…)`: a `query_as` on either backend.
macro_rules! fetch {
    ($ex:expr, $ty:ty, $method:ident, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $ex {
            $crate::db::Ex::Sqlite(c) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.$method(c).await,
            $crate::db::Ex::Postgres(c) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.$method(c).await,
        }
    };
}

/// `scalar!(ex, Type, fetch_one|fetch_optional|fetch_all, "SQL", args…)`: a `query_scalar` on either backend.
macro_rules! scalar {
    ($ex:expr, $ty:ty, $method:ident, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $ex {
            $crate::db::Ex::Sqlite(c) => sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.$method(c).await,
            $crate::db::Ex::Postgres(c) => sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.$method(c).await,
        }
    };
}

/// `exec!(ex, "SQL", args…)`: runs a statement on either backend, giving the number of rows affected.
macro_rules! exec {
    ($ex:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $ex {
            $crate::db::Ex::Sqlite(c) => sqlx::query($sql)$(.bind($arg))*.execute(c).await.map(|r| r.rows_affected()),
            $crate::db::Ex::Postgres(c) => sqlx::query($sql)$(.bind($arg))*.execute(c).await.map(|r| r.rows_affected()),
        }
    };
}

impl Db {
    /// Connects to the database named by `options.url` (`sqlite://…` or `postgres://…`).
    /// Does not migrate; call [`Db::migrate`].
    pub async fn connect(options: &DbOptions) -> Result<Db, StoreError> {
        let url = options.url.as_str();
        let pools = if url.starts_with("sqlite:") {
            let base = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::BadUrl(format!("is not a valid SQLite URL: {e}")))?;
            Pools::Sqlite(open_sqlite(base, options.max_connections, None).await?)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let connect = PgConnectOptions::from_str(url)
                .map_err(|e| StoreError::BadUrl(format!("is not a valid PostgreSQL URL: {e}")))?;
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections.max(2))
                .acquire_timeout(options.connect_timeout)
                .connect_with(connect)
                .await?;
            Pools::Postgres(pool)
        } else {
            return Err(StoreError::BadUrl(format!(
                "must start with sqlite:// or postgres://, got {:?}",
                redact_url(url)
            )));
        };
        let workspace_files = Arc::new(WorkspaceFiles {
            dir: options.data_dir.join("workspaces"),
            readers: options.max_connections,
            open: Mutex::new(HashMap::new()),
            keep_unused: options.open_workspace_files,
            provisioned: Mutex::new(std::collections::HashSet::new()),
            catalogs: Mutex::new(CatalogCache::default()),
        });
        tokio::spawn(close_idle_files(Arc::downgrade(&workspace_files)));
        Ok(Db {
            pools,
            workspace_files,
            job_runner_taken: Arc::default(),
            written: Arc::default(),
            first_opens: Arc::default(),
            live_imports: Arc::default(),
            cipher: crate::Cipher::with_keys(&options.keys, options.key_file.as_deref()),
        })
    }

    /// Sends the id of each workspace this process opens for the first time to `to`: the job
    /// runner then builds the indexes a workspace made before them is missing.
    pub fn on_first_open(&self, to: tokio::sync::mpsc::UnboundedSender<uuid::Uuid>) {
        if let Ok(mut slot) = self.first_opens.lock() {
            *slot = Some(to);
        }
    }

    pub(crate) fn note_first_open(&self, workspace_id: uuid::Uuid) {
        if let Ok(slot) = self.first_opens.lock()
            && let Some(to) = slot.as_ref()
        {
            // The job runner has stopped when nobody listens; the hourly job catches up.
            let _ = to.send(workspace_id);
        }
    }

    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies every pending migration. Safe to run from several instances at once: sqlx takes a
    /// database lock while migrating.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pools {
            Pools::Sqlite(pair) => SQLITE_MIGRATIONS.run(&pair.write).await?,
            Pools::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// A connection for reading.
    pub async fn read(&self) -> Result<Conn, StoreError> {
        Ok(match &self.pools {
            Pools::Sqlite(pair) => Conn::Sqlite(pair.read.acquire().await?),
            Pools::Postgres(pool) => Conn::Postgres(pool.acquire().await?),
        })
    }

    /// A connection for a single-statement write.
    pub async fn write(&self) -> Result<Conn, StoreError> {
        Ok(match &self.pools {
            Pools::Sqlite(pair) => Conn::Sqlite(pair.write.acquire().await?),
            Pools::Postgres(pool) => Conn::Postgres(pool.acquire().await?),
        })
    }

    /// A transaction for several statements that must all happen or none.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match &self.pools {
            Pools::Sqlite(pair) => pair.begin().await?,
            Pools::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Waits until this process has written to some workspace's records, then answers which
    /// workspaces since the last call.
    pub async fn written_workspaces(&self) -> Vec<Uuid> {
        self.written.wake.notified().await;
        self.written
            .ids
            .lock()
            .map(|mut ids| ids.drain().collect())
            .unwrap_or_default()
    }

    /// How many workspace files (SQLite) this process has open now.
    pub fn open_workspace_files(&self) -> usize {
        self.workspace_files.open_count()
    }

    /// Whether the database answers a trivial query (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.read().await?;
        scalar!(conn.ex(), i32, fetch_one, "SELECT 1")?;
        Ok(())
    }

    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite(pair) => pair.close().await,
            Pools::Postgres(pool) => pool.close().await,
        }
        let open: Vec<Arc<SqlitePair>> = match self.workspace_files.open.lock() {
            Ok(mut open) => open.drain().map(|(_, file)| file.pair).collect(),
            Err(_) => Vec::new(),
        };
        for pair in open {
            pair.close().await;
        }
    }
}

/// Opens the pools of one SQLite file with Kith's settings, creating the file if needed. With
/// `sync_after_commit` (the file's path), commits are flushed by [`Tx::commit`] (see [`WalSync`]).
pub(crate) async fn open_sqlite(
    base: SqliteConnectOptions,
    readers: u32,
    sync_after_commit: Option<&Path>,
) -> Result<SqlitePair, StoreError> {
    let base = base
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a 201 means the row survives a power loss.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        // The connection's thread hands rows to the request in batches of this many at most
        // (sqlx's default is 50): each time the buffer fills or empties, a thread waits and
        // another wakes, which had been a sixth of an export's CPU time.
        .row_buffer_size(1024);
    // The one writer keeps up to 64 MiB of pages (SQLite's default is 2 MiB): a batch touches a
    // page of every index for each record, and re-reading them through the OS cost the writer
    // more time than writing. The writer folds the WAL back into the file itself only once it
    // reaches 60,000 pages (240 MiB; SQLite's default is 1,000): the background checkpoint does
    // it sooner, and the writer's own is the backstop. Measured (docs/BENCHMARKS.md).
    let writer = base
        .clone()
        .create_if_missing(true)
        .synchronous(if sync_after_commit.is_some() {
            SqliteSynchronous::Normal
        } else {
            SqliteSynchronous::Full
        })
        .pragma("cache_size", "-65536")
        .pragma("wal_autocheckpoint", "60000")
        // A statement's undo pages stay in memory: a batch's inserts would otherwise spill them
        // into a temporary file, written and deleted by the writer for every batch.
        .pragma("temp_store", "memory");
    // A connection to a local file does not go stale: no test query before each use (for the
    // writer, one more wait per transaction).
    let write = SqlitePoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .acquire_timeout(Duration::from_secs(30));
    // A file that exists is opened lazily: a connection (and its thread) is made when first
    // needed, so reopening a closed workspace file for a read costs one connection, not three.
    // A new file is created by the writer before any reader may open it.
    let write = if base.get_filename().exists() {
        write.connect_lazy_with(writer)
    } else {
        write.connect_with(writer).await?
    };
    let checkpoint = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_lazy_with(base.clone());
    tokio::spawn(checkpoint_in_background(checkpoint.clone()));
    let read = SqlitePoolOptions::new()
        .max_connections(readers.max(1))
        .test_before_acquire(false)
        .connect_lazy_with(base.read_only(true));
    Ok(SqlitePair {
        read,
        write,
        checkpoint,
        sync: sync_after_commit.map(|path| Arc::new(WalSync::new(path))),
    })
}

/// How often the write-ahead log is folded back while writes come in (a page changed by many
/// commits in between is copied once; 500 ms measured faster than 100 ms, docs/BENCHMARKS.md),
/// and at most how long it waits once they stop.
const CHECKPOINT_BUSY: Duration = Duration::from_millis(500);
const CHECKPOINT_IDLE: Duration = Duration::from_secs(5);

/// Copies committed pages from the write-ahead log into the database file on a connection of its
/// own, so the copying and its `fsync` run beside the writer instead of inside one of its commits.
/// A passive checkpoint never waits for the writer or readers. The writer's own automatic
/// checkpoint stays as the backstop that keeps the log bounded; it then finds little left to copy.
/// Once writes stop, the log file is emptied (a log grown by a burst would otherwise keep its
/// size on disk). Runs until the pool is closed; backs off while there is nothing to do.
async fn checkpoint_in_background(pool: SqlitePool) {
    let mut wait = CHECKPOINT_BUSY;
    let mut last = None;
    loop {
        tokio::time::sleep(wait).await;
        if pool.is_closed() {
            return;
        }
        // (busy, frames in the log, frames copied)
        let outcome: Result<(i64, i64, i64), sqlx::Error> =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(&pool)
                .await;
        wait = match outcome {
            // The log changed since the last look: writes are coming in.
            Ok(seen) if last != Some(seen) => {
                last = Some(seen);
                CHECKPOINT_BUSY
            }
            Ok((_, frames, _)) if frames > 0 => {
                // Writes stopped: empty the log file. This waits for the writer, which is idle.
                let truncated: Result<(i64, i64, i64), sqlx::Error> =
                    sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                        .fetch_one(&pool)
                        .await;
                last = truncated.ok();
                CHECKPOINT_BUSY
            }
            Ok(_) => (wait * 2).min(CHECKPOINT_IDLE),
            Err(_) if pool.is_closed() => return,
            Err(error) => {
                tracing::warn!(%error, "background checkpoint failed");
                CHECKPOINT_IDLE
            }
        };
    }
}

/// The pools of a workspace's file, opened on its first request and kept while it is used
/// (see [`WorkspaceFiles`]).
pub(crate) async fn workspace_file(
    files: &WorkspaceFiles,
    workspace_id: Uuid,
) -> Result<Arc<SqlitePair>, StoreError> {
    if let Some(file) = files
        .open
        .lock()
        .map_err(|_| StoreError::Poisoned)?
        .get_mut(&workspace_id)
    {
        file.last_used = std::time::Instant::now();
        return Ok(Arc::clone(&file.pair));
    }
    std::fs::create_dir_all(&files.dir).map_err(|e| StoreError::Io(files.dir.clone(), e))?;
    let path = workspace_file_path(&files.dir, workspace_id);
    let pair = open_sqlite(
        SqliteConnectOptions::new().filename(&path),
        files.readers,
        Some(&path),
    )
    .await?;
    let pair = {
        let mut open = files.open.lock().map_err(|_| StoreError::Poisoned)?;
        // Two first requests may race to open the file; both get the pools stored first (the
        // other's are closed below, unused).
        let file = open.entry(workspace_id).or_insert_with(|| OpenFile {
            pair: Arc::new(pair),
            last_used: std::time::Instant::now(),
        });
        Arc::clone(&file.pair)
    };
    // Closing folds a file's log back and syncs it: not on this request's time.
    tokio::spawn(close_all(files.take_closable(IDLE_FILE_TIMEOUT)));
    Ok(pair)
}

async fn close_all(pairs: Vec<Arc<SqlitePair>>) {
    for pair in pairs {
        pair.close().await;
    }
}

/// Every few seconds, closes the workspace files unused for [`IDLE_FILE_TIMEOUT`] and forgets
/// stale catalogs, until the database is dropped.
async fn close_idle_files(files: std::sync::Weak<WorkspaceFiles>) {
    loop {
        tokio::time::sleep(Duration::from_secs(5)).await;
        let Some(files) = files.upgrade() else {
            return;
        };
        let closable = files.take_closable(IDLE_FILE_TIMEOUT);
        files.forget_stale_catalogs();
        drop(files);
        close_all(closable).await;
    }
}

pub(crate) fn workspace_file_path(dir: &Path, workspace_id: Uuid) -> PathBuf {
    dir.join(format!("{}.db", workspace_id.simple()))
}

/// Closes and forgets the pools of a workspace file that is about to be deleted.
pub(crate) async fn close_workspace_file(files: &WorkspaceFiles, workspace_id: Uuid) {
    let file = files
        .open
        .lock()
        .ok()
        .and_then(|mut open| open.remove(&workspace_id));
    if let Some(file) = file {
        file.pair.close().await;
    }
}

/// The URL with any password replaced by `***`, for messages and `kith config`.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Setting a password only fails for URLs that cannot have one, and this one had one.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => raw.to_owned(),
        Err(_) => "<unparseable URL>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Connection as _;

    /// The flush after a commit must reach the log SQLite wrote, or it would do nothing and
    /// say nothing (a missing log reads as "nothing written").
    #[tokio::test]
    async fn the_flush_after_a_commit_finds_the_log_sqlite_wrote() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("workspace.db");
        let options = SqliteConnectOptions::new().filename(&path);
        let pair = open_sqlite(options, 1, Some(&path)).await.expect("open");
        let sync = pair
            .sync
            .clone()
            .expect("a workspace file syncs after commits");
        let mut tx = pair.begin().await.expect("begin");
        tx.ex()
            .execute_cells(
                "CREATE TABLE t (x INTEGER)",
                &crate::data::sql::Args::default(),
            )
            .await
            .expect("create");
        tx.commit().await.expect("commit");
        assert!(
            sync.wal.is_file(),
            "{} is not SQLite's log",
            sync.wal.display()
        );
        assert!(sync.dir_synced.load(std::sync::atomic::Ordering::Acquire));
        pair.close().await;
    }

    /// A transaction that reads before it writes, begun while another connection holds the write
    /// lock (as the checkpoint does while it empties the log), waits for the lock instead of
    /// failing at its first write.
    #[tokio::test]
    async fn a_transaction_that_reads_first_waits_for_the_write_lock_held_elsewhere() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("workspace.db");
        let options = SqliteConnectOptions::new().filename(&path);
        let pair = open_sqlite(options.clone(), 1, Some(&path))
            .await
            .expect("open");
        let none = crate::data::sql::Args::default();
        let mut setup = pair.begin().await.expect("begin");
        setup
            .ex()
            .execute_cells("CREATE TABLE t (x INTEGER)", &none)
            .await
            .expect("create");
        setup.commit().await.expect("commit");

        let mut other = sqlx::SqliteConnection::connect_with(&options)
            .await
            .expect("other connection");
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut other)
            .await
            .expect("lock");
        let holder = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            sqlx::query("COMMIT")
                .execute(&mut other)
                .await
                .expect("unlock");
        });
        let mut tx = pair.begin().await.expect("begin while the lock is held");
        tx.ex()
            .fetch_cells(
                "SELECT x FROM t",
                &none,
                &[kith_core::fields::ColumnType::Int],
            )
            .await
            .expect("read");
        tx.ex()
            .execute_cells("INSERT INTO t (x) VALUES (1)", &none)
            .await
            .expect("the write after a read must not fail on the lock");
        tx.commit().await.expect("commit");
        holder.await.expect("holder");
        pair.close().await;
    }

    #[test]
    fn passwords_never_show_in_redacted_urls() {
        assert_eq!(
            redact_url("postgres://kith:s3cret@db:5432/kith"),
            "postgres://kith:***@db:5432/kith"
        );
        assert_eq!(
            redact_url("sqlite://./kith-data/kith.db"),
            "sqlite://./kith-data/kith.db"
        );
        assert_eq!(redact_url("not a url s3cret"), "<unparseable URL>");
    }
}
