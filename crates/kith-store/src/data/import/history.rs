//! An import's life: its file kept in the database (so that any instance can run it), its run
//! with counts as it goes, the rows kept to show (the first rows whatever happened to them, and
//! rejected rows with why), cancelling, undoing, and the workspace's history of imports.

use super::file::{FileError, FileEvent, FileRow};
use super::{ImportSpec, RowAction, RowOutcome, RowPlan};
use crate::data::DataStore;
use crate::data::change_sets::ChangeSetScope;
use crate::data::input::rejected;
use crate::data::records::now;
use crate::data::schema::run;
use crate::data::sql::{Args, sql_type};
use crate::db::Tx;
use crate::{Backend, StoreError};
use kith_core::ApiError;
use kith_core::fields::{Cell, CellOutput, ColumnType};
use kith_core::metadata::{Actor, ObjectMeta};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use uuid::Uuid;

/// Rejected rows kept per import, with their values and reason (the rest are only counted).
pub const REJECTS_KEPT: u64 = 100_000;
/// Rows kept whatever their outcome, for the preview: the file's first rows.
const FIRST_ROWS_KEPT: u64 = 1_000;
/// Bytes of an uploaded file per stored piece.
pub const FILE_PIECE_BYTES: usize = 1 << 20;
/// How often a running import writes its counts and kept rows to its history.
const SAVE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);
/// An import neither live in this process nor heard of for this long stopped with its server.
const HEARTBEAT_LOST: chrono::Duration = chrono::Duration::minutes(2);

/// How many rows an import has read and what became of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportCounts {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
    pub failed: u64,
    pub bytes_read: u64,
}

impl ImportCounts {
    fn add(&mut self, outcomes: &[RowOutcome], rows: &[FileRow]) {
        for outcome in outcomes {
            self.rows += 1;
            match outcome.action {
                RowAction::Create => self.created += 1,
                RowAction::Update => self.updated += 1,
                RowAction::Skip => self.skipped += 1,
                RowAction::Error => self.failed += 1,
            }
        }
        if let Some(last) = rows.last() {
            self.bytes_read = last.end_byte;
        }
    }
}

/// An import as its history shows it.
pub type ImportRecord = Value;

/// The imports running in this process: their counts as they go (a SQLite import that stops on
/// errors writes nothing else until it ends), and whether they were asked to stop.
#[derive(Debug, Default)]
pub struct LiveImports {
    running: Mutex<HashMap<Uuid, Arc<Live>>>,
}

#[derive(Debug, Default)]
struct Live {
    counts: Mutex<ImportCounts>,
    cancel: AtomicBool,
}

impl LiveImports {
    fn start(&self, id: Uuid) -> Result<Arc<Live>, StoreError> {
        let mut running = self.running.lock().map_err(|_| StoreError::Poisoned)?;
        if running.contains_key(&id) {
            return Err(rejected(ApiError::conflict(
                "this import is running already",
            )));
        }
        let live = Arc::new(Live::default());
        running.insert(id, live.clone());
        Ok(live)
    }

    fn end(&self, id: Uuid) {
        if let Ok(mut running) = self.running.lock() {
            running.remove(&id);
        }
    }

    fn get(&self, id: Uuid) -> Option<Arc<Live>> {
        self.running.lock().ok()?.get(&id).cloned()
    }
}

/// Creates the import tables if they are missing.
pub(crate) async fn create_tables(store: &DataStore, tx: &mut Tx) -> Result<(), StoreError> {
    let t = |kind| sql_type(store.backend(), kind);
    let imports = format!(
        "CREATE TABLE IF NOT EXISTS {} (id {uuid} PRIMARY KEY NOT NULL, object TEXT NOT NULL, \
         file_name TEXT NOT NULL, status TEXT NOT NULL, dry_run {bool} NOT NULL, spec TEXT, \
         columns TEXT, bytes_total {int} NOT NULL, rows_read {int} NOT NULL, created {int} NOT NULL, \
         updated {int} NOT NULL, skipped {int} NOT NULL, failed {int} NOT NULL, bytes_read {int} NOT NULL, \
         error TEXT, started_by TEXT NOT NULL, created_at {ts} NOT NULL, started_at {ts}, \
         finished_at {ts}, heartbeat_at {ts})",
        store.table("_kith_imports"),
        uuid = t(ColumnType::Uuid),
        bool = t(ColumnType::Bool),
        int = t(ColumnType::Int),
        ts = t(ColumnType::DateTime),
    );
    run(tx, &imports).await?;
    let rows = format!(
        "CREATE TABLE IF NOT EXISTS {} (import_id {uuid} NOT NULL, row_number {int} NOT NULL, \
         action TEXT NOT NULL, reason TEXT, record_id {uuid}, cells TEXT NOT NULL, \
         PRIMARY KEY (import_id, row_number))",
        store.table("_kith_import_rows"),
        uuid = t(ColumnType::Uuid),
        int = t(ColumnType::Int),
    );
    run(tx, &rows).await?;
    let files = format!(
        "CREATE TABLE IF NOT EXISTS {} (import_id {uuid} NOT NULL, piece {int} NOT NULL, \
         bytes {bytes} NOT NULL, PRIMARY KEY (import_id, piece))",
        store.table("_kith_import_files"),
        uuid = t(ColumnType::Uuid),
        int = t(ColumnType::Int),
        bytes = t(ColumnType::Bytes),
    );
    run(tx, &files).await?;
    Ok(())
}

const RECORD_COLUMNS: &str = "id, object, file_name, status, dry_run, spec, columns, bytes_total, \
     rows_read, created, updated, skipped, failed, bytes_read, error, started_by, created_at, \
     started_at, finished_at, heartbeat_at";
const RECORD_KINDS: [ColumnType; 20] = [
    ColumnType::Uuid,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Bool,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Int,
    ColumnType::Int,
    ColumnType::Int,
    ColumnType::Int,
    ColumnType::Int,
    ColumnType::Int,
    ColumnType::Int,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::DateTime,
    ColumnType::DateTime,
    ColumnType::DateTime,
    ColumnType::DateTime,
];

fn int(cell: &Cell) -> u64 {
    match cell {
        Cell::Int(n) => (*n).max(0) as u64,
        _ => 0,
    }
}

fn text(cell: &Cell) -> Option<&str> {
    match cell {
        Cell::Text(text) => Some(text),
        _ => None,
    }
}

impl DataStore {
    /// Starts an import of `file_name` into `object`; its file is added with
    /// [`DataStore::add_import_file`] before it runs.
    pub async fn create_import(
        &self,
        object: &ObjectMeta,
        file_name: &str,
        actor: &Actor,
    ) -> Result<Uuid, StoreError> {
        self.allow(kith_core::access::Action::Write, object)?;
        let id = Uuid::now_v7();
        let mut args = Args::default();
        let values = [
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
            args.push(ColumnType::Text, Cell::Text(object.name_plural.clone())),
            args.push(ColumnType::Text, Cell::Text(file_name.to_owned())),
            args.push(ColumnType::Text, Cell::Text(actor.name.clone())),
            args.push(ColumnType::DateTime, now()),
            args.push(ColumnType::Bool, Cell::Bool(false)),
        ];
        let sql = format!(
            "INSERT INTO {} (id, object, file_name, started_by, created_at, dry_run, status, \
             bytes_total, rows_read, created, updated, skipped, failed, bytes_read) \
             VALUES ({}, 'UPLOADED', 0, 0, 0, 0, 0, 0, 0)",
            self.table("_kith_imports"),
            values.join(", ")
        );
        let mut tx = self.begin().await?;
        tx.ex().execute_cells(&sql, &args).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Adds the next piece of an import's file (pieces of up to [`FILE_PIECE_BYTES`], in order).
    pub async fn add_import_file(
        &self,
        id: Uuid,
        piece: i64,
        bytes: Vec<u8>,
    ) -> Result<(), StoreError> {
        let length = bytes.len() as i64;
        let mut args = Args::default();
        let sql = format!(
            "INSERT INTO {} (import_id, piece, bytes) VALUES ({}, {}, {})",
            self.table("_kith_import_files"),
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
            args.push(ColumnType::Int, Cell::Int(piece)),
            args.push(ColumnType::Bytes, Cell::Bytes(bytes)),
        );
        let mut grow = Args::default();
        let total = format!(
            "UPDATE {} SET bytes_total = bytes_total + {} WHERE id = {}",
            self.table("_kith_imports"),
            grow.push(ColumnType::Int, Cell::Int(length)),
            grow.push(ColumnType::Uuid, Cell::Uuid(id)),
        );
        let mut tx = self.begin().await?;
        tx.ex().execute_cells(&sql, &args).await?;
        tx.ex().execute_cells(&total, &grow).await?;
        tx.commit().await
    }

    /// An import's stored file, read a piece at a time as the reader goes.
    pub fn import_file(&self, id: Uuid) -> Box<dyn std::io::Read + Send> {
        let (sender, receiver) = mpsc::channel::<std::io::Result<Vec<u8>>>(2);
        let store = self.clone();
        tokio::spawn(async move {
            let mut piece = 0;
            loop {
                let bytes = store.import_file_piece(id, piece).await;
                let more = matches!(bytes, Ok(Some(_)));
                let sent = match bytes {
                    Ok(Some(bytes)) => sender.send(Ok(bytes)).await,
                    Ok(None) => break,
                    Err(e) => sender.send(Err(std::io::Error::other(e.to_string()))).await,
                };
                if sent.is_err() || !more {
                    break;
                }
                piece += 1;
            }
        });
        Box::new(PieceReader {
            receiver,
            current: Vec::new(),
            at: 0,
        })
    }

    async fn import_file_piece(&self, id: Uuid, piece: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "SELECT bytes FROM {} WHERE import_id = {} AND piece = {}",
            self.table("_kith_import_files"),
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
            args.push(ColumnType::Int, Cell::Int(piece)),
        );
        let mut conn = self.read().await?;
        let rows = conn
            .ex()
            .fetch_cells(&sql, &args, &[ColumnType::Bytes])
            .await?;
        Ok(
            match rows.into_iter().next().and_then(|r| r.into_iter().next()) {
                Some(Cell::Bytes(bytes)) => Some(bytes),
                _ => None,
            },
        )
    }

    /// Runs an import (or its dry run) over the file events `events` (see
    /// [`super::read_in_background`]), keeping its history row up to date, and gives its counts.
    /// A spec that does not fit the file is refused before anything is read on.
    pub async fn run_import(
        &self,
        catalog: &[ObjectMeta],
        id: Uuid,
        spec: &ImportSpec,
        mut events: mpsc::Receiver<Result<FileEvent, FileError>>,
        actor: &Actor,
        started: Option<tokio::sync::oneshot::Sender<()>>,
    ) -> Result<ImportCounts, StoreError> {
        let dry_run = spec.dry_run;
        let record = self.import_row(id).await?.ok_or_else(not_found)?;
        let object = catalog
            .iter()
            .find(|o| Some(o.name_plural.as_str()) == text(&record[1]))
            .ok_or_else(not_found)?;
        self.allow(kith_core::access::Action::Write, object)?;
        let wrote = int(&record[9]) + int(&record[10]) > 0;
        let (status, _) = self.effective_status(&record);
        match Some(status.as_str()) {
            Some("UPLOADED" | "PREVIEWED") => {}
            Some("FAILED" | "CANCELLED") if !wrote => {}
            Some("RUNNING" | "PREVIEWING" | "CANCELLING") => {
                return Err(rejected(ApiError::conflict("this import is running")));
            }
            _ => {
                return Err(rejected(ApiError::conflict(
                    "this import ran already; upload the file again to import it again",
                )));
            }
        }
        let header = match events.recv().await {
            Some(Ok(FileEvent::Header { columns, .. })) => columns,
            Some(Err(e)) => return Err(rejected(ApiError::invalid_field("file", e.to_string()))),
            _ => {
                return Err(rejected(ApiError::invalid_field(
                    "file",
                    FileError::Empty.to_string(),
                )));
            }
        };
        let plan = RowPlan::new(catalog, object, spec, &header).map_err(rejected)?;
        let live = self.db.live_imports.start(id)?;
        let label = format!("Import of {}", text(&record[2]).unwrap_or("a file"));
        let outcome = async {
            self.start_run(id, spec, dry_run, &header).await?;
            if let Some(started) = started {
                let _ = started.send(());
            }
            let handle = if dry_run {
                self.clone().rehearsing()
            } else {
                self.clone()
            }
            .in_change_sets(ChangeSetScope::new(
                format!("import:{id}"),
                label,
                Some(id),
            ));
            let mut run = Run {
                store: &handle,
                catalog,
                plan: &plan,
                actor,
                live: &live,
                id,
                kept: Vec::new(),
                rejects_kept: 0,
                counts: ImportCounts::default(),
                bytes_total: int(&record[7]),
            };
            run.go(
                &mut events,
                dry_run || spec.stop_on_error,
                spec.stop_on_error && !dry_run,
            )
            .await
        }
        .await;
        self.db.live_imports.end(id);
        let (counts, status, error) = match outcome {
            Ok(end) => end,
            Err(e) => (ImportCounts::default(), "FAILED", Some(e.to_string())),
        };
        let status = match (status, dry_run) {
            ("DONE", true) => "PREVIEWED",
            (status, _) => status,
        };
        self.end_run(id, status, &counts, error.as_deref()).await?;
        if status == "DONE" {
            // Run once: its file is no longer needed (the rejected rows are kept apart).
            self.delete_import_file(id).await?;
        }
        Ok(counts)
    }

    /// The file's columns, known once it is uploaded, so that a spec can be checked at once.
    pub async fn set_import_columns(&self, id: Uuid, header: &[String]) -> Result<(), StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "UPDATE {} SET columns = {} WHERE id = {}",
            self.table("_kith_imports"),
            args.push(ColumnType::Text, Cell::Text(json!(header).to_string())),
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
        );
        let mut tx = self.begin().await?;
        tx.ex().execute_cells(&sql, &args).await?;
        tx.commit().await
    }

    async fn delete_import_file(&self, id: Uuid) -> Result<(), StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "DELETE FROM {} WHERE import_id = {}",
            self.table("_kith_import_files"),
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
        );
        let mut tx = self.begin().await?;
        tx.ex().execute_cells(&sql, &args).await?;
        tx.commit().await
    }

    /// Forgets an import that never ran (an upload that could not be read): its row and file.
    pub async fn delete_import(&self, id: Uuid) -> Result<(), StoreError> {
        self.delete_import_file(id).await?;
        let mut args = Args::default();
        let sql = format!(
            "DELETE FROM {} WHERE id = {} AND status = 'UPLOADED'",
            self.table("_kith_imports"),
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
        );
        let mut tx = self.begin().await?;
        tx.ex().execute_cells(&sql, &args).await?;
        tx.commit().await
    }

    async fn start_run(
        &self,
        id: Uuid,
        spec: &ImportSpec,
        dry_run: bool,
        header: &[String],
    ) -> Result<(), StoreError> {
        let mut args = Args::default();
        let status = if dry_run { "PREVIEWING" } else { "RUNNING" };
        let update = format!(
            "UPDATE {} SET status = {}, dry_run = {}, spec = {}, columns = {}, started_at = {}, \
             heartbeat_at = {}, finished_at = NULL, error = NULL, rows_read = 0, created = 0, \
             updated = 0, skipped = 0, failed = 0, bytes_read = 0 WHERE id = {}",
            self.table("_kith_imports"),
            args.push(ColumnType::Text, Cell::Text(status.into())),
            args.push(ColumnType::Bool, Cell::Bool(dry_run)),
            args.push(ColumnType::Text, Cell::Text(json!(spec).to_string())),
            args.push(ColumnType::Text, Cell::Text(json!(header).to_string())),
            args.push(ColumnType::DateTime, now()),
            args.push(ColumnType::DateTime, now()),
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
        );
        let mut clear = Args::default();
        let delete = format!(
            "DELETE FROM {} WHERE import_id = {}",
            self.table("_kith_import_rows"),
            clear.push(ColumnType::Uuid, Cell::Uuid(id)),
        );
        let mut tx = self.begin().await?;
        tx.ex().execute_cells(&update, &args).await?;
        tx.ex().execute_cells(&delete, &clear).await?;
        tx.commit().await
    }

    async fn end_run(
        &self,
        id: Uuid,
        status: &str,
        counts: &ImportCounts,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "UPDATE {} SET status = {}, error = {}, finished_at = {}, {} WHERE id = {}",
            self.table("_kith_imports"),
            args.push(ColumnType::Text, Cell::Text(status.into())),
            args.push(
                ColumnType::Text,
                error.map_or(Cell::Null, |e| Cell::Text(e.to_owned()))
            ),
            args.push(ColumnType::DateTime, now()),
            counts_assignments(&mut args, counts),
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
        );
        let mut tx = self.begin().await?;
        tx.ex().execute_cells(&sql, &args).await?;
        tx.commit().await
    }

    /// Writes the counts so far and the kept rows of an import that is running.
    async fn save_progress(
        &self,
        id: Uuid,
        counts: &ImportCounts,
        kept: Vec<RowOutcome>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        for chunk in kept.chunks(500) {
            let mut args = Args::default();
            let rows: Vec<String> = chunk
                .iter()
                .map(|o| {
                    let values = [
                        args.push(ColumnType::Uuid, Cell::Uuid(id)),
                        args.push(ColumnType::Int, Cell::Int(o.row as i64)),
                        args.push(ColumnType::Text, Cell::Text(o.action.as_str().into())),
                        args.push(
                            ColumnType::Text,
                            o.reason.clone().map_or(Cell::Null, Cell::Text),
                        ),
                        args.push(ColumnType::Uuid, o.record_id.map_or(Cell::Null, Cell::Uuid)),
                        args.push(ColumnType::Text, Cell::Text(json!(o.values).to_string())),
                    ];
                    format!("({})", values.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO {} (import_id, row_number, action, reason, record_id, cells) VALUES {}",
                self.table("_kith_import_rows"),
                rows.join(", ")
            );
            tx.ex().execute_cells(&sql, &args).await?;
        }
        let mut args = Args::default();
        let sql = format!(
            "UPDATE {} SET heartbeat_at = {}, {} WHERE id = {} RETURNING status",
            self.table("_kith_imports"),
            args.push(ColumnType::DateTime, now()),
            counts_assignments(&mut args, counts),
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
        );
        let status = tx
            .ex()
            .fetch_cells(&sql, &args, &[ColumnType::Text])
            .await?;
        tx.commit().await?;
        Ok(status.first().and_then(|r| r.first()) == Some(&Cell::Text("CANCELLING".into())))
    }

    /// Asks a running import to stop (it stops after its current chunk); false when it is not
    /// running.
    pub async fn cancel_import(&self, id: Uuid) -> Result<bool, StoreError> {
        if let Some(live) = self.db.live_imports.get(id) {
            live.cancel.store(true, Ordering::Relaxed);
        }
        let mut args = Args::default();
        let sql = format!(
            "UPDATE {} SET status = 'CANCELLING' WHERE id = {} AND status IN ('RUNNING', 'PREVIEWING')",
            self.table("_kith_imports"),
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
        );
        let live = self.db.live_imports.get(id).is_some();
        // A SQLite import holding the file's writer is told through `live` alone.
        if live && self.backend() == Backend::Sqlite {
            return Ok(true);
        }
        let mut tx = self.begin().await?;
        let changed = tx.ex().execute_cells(&sql, &args).await?;
        tx.commit().await?;
        Ok(changed == 1 || live)
    }

    async fn import_row(&self, id: Uuid) -> Result<Option<Vec<Cell>>, StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM {} WHERE id = {}",
            self.table("_kith_imports"),
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
        );
        let mut conn = self.read().await?;
        Ok(conn
            .ex()
            .fetch_cells(&sql, &args, &RECORD_KINDS)
            .await?
            .into_iter()
            .next())
    }

    /// One import of the history, with its counts as they stand.
    pub async fn import(&self, id: Uuid) -> Result<Option<ImportRecord>, StoreError> {
        Ok(self.import_row(id).await?.map(|row| self.import_json(&row)))
    }

    /// The imports into an object, latest first.
    pub async fn imports(
        &self,
        object: &ObjectMeta,
        limit: usize,
    ) -> Result<Vec<ImportRecord>, StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM {} WHERE object = {} ORDER BY id DESC LIMIT {limit}",
            self.table("_kith_imports"),
            args.push(ColumnType::Text, Cell::Text(object.name_plural.clone())),
        );
        let mut conn = self.read().await?;
        let rows = conn.ex().fetch_cells(&sql, &args, &RECORD_KINDS).await?;
        Ok(rows.iter().map(|row| self.import_json(row)).collect())
    }

    /// An import's status and error as they stand: one the history says is running, that no
    /// process runs and that has not been heard of for [`HEARTBEAT_LOST`], stopped with its
    /// server.
    fn effective_status(&self, row: &[Cell]) -> (String, Option<String>) {
        let status = text(&row[3]).unwrap_or_default().to_owned();
        let error = text(&row[14]).map(str::to_owned);
        let id = match row[0] {
            Cell::Uuid(id) => id,
            _ => Uuid::nil(),
        };
        let heard_of = match &row[19] {
            Cell::DateTime(at) => *at,
            _ => chrono::DateTime::<chrono::Utc>::MIN_UTC,
        };
        let running = matches!(status.as_str(), "RUNNING" | "PREVIEWING" | "CANCELLING");
        let live = self.db.live_imports.get(id).is_some();
        if running && !live && heard_of < chrono::Utc::now() - HEARTBEAT_LOST {
            let error = "the server running it stopped; what it wrote can be undone";
            return ("FAILED".into(), Some(error.into()));
        }
        (status, error)
    }

    fn import_json(&self, row: &[Cell]) -> ImportRecord {
        let id = match row[0] {
            Cell::Uuid(id) => id,
            _ => Uuid::nil(),
        };
        let live = self.db.live_imports.get(id);
        let mut counts = ImportCounts {
            rows: int(&row[8]),
            created: int(&row[9]),
            updated: int(&row[10]),
            skipped: int(&row[11]),
            failed: int(&row[12]),
            bytes_read: int(&row[13]),
        };
        if let Some(live) = &live
            && let Ok(now) = live.counts.lock()
        {
            counts = *now;
        }
        let (status, error) = self.effective_status(row);
        let total = int(&row[7]);
        let spec: Value = text(&row[5])
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or(Value::Null);
        let columns: Value = text(&row[6])
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or(Value::Null);
        json!({
            "id": id,
            "object": CellOutput(&row[1]),
            "fileName": CellOutput(&row[2]),
            "status": status,
            "dryRun": CellOutput(&row[4]),
            "spec": spec,
            "columns": columns,
            "counts": counts,
            "bytesTotal": total,
            "progress": if total == 0 { 0.0 } else { (counts.bytes_read as f64 / total as f64).min(1.0) },
            "error": error,
            "startedBy": CellOutput(&row[15]),
            "createdAt": CellOutput(&row[16]),
            "startedAt": CellOutput(&row[17]),
            "finishedAt": CellOutput(&row[18]),
        })
    }

    /// The kept rows of an import's last run from row `after` on, only the rejected ones
    /// (skipped or refused) when `rejected_only`.
    pub async fn import_rows(
        &self,
        id: Uuid,
        rejected_only: bool,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Value>, StoreError> {
        let rows = self.kept_rows(id, rejected_only, after, limit).await?;
        Ok(rows
            .iter()
            .map(|row| {
                json!({
                    "row": int(&row[0]),
                    "action": CellOutput(&row[1]),
                    "reason": CellOutput(&row[2]),
                    "recordId": CellOutput(&row[3]),
                    "values": text(&row[4]).and_then(|t| serde_json::from_str::<Value>(t).ok()),
                })
            })
            .collect())
    }

    async fn kept_rows(
        &self,
        id: Uuid,
        rejected_only: bool,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Vec<Cell>>, StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "SELECT row_number, action, reason, record_id, cells FROM {} WHERE import_id = {} \
             AND row_number > {}{} ORDER BY row_number LIMIT {limit}",
            self.table("_kith_import_rows"),
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
            args.push(ColumnType::Int, Cell::Int(after as i64)),
            if rejected_only {
                " AND action IN ('SKIP', 'ERROR')"
            } else {
                ""
            },
        );
        let mut conn = self.read().await?;
        conn.ex()
            .fetch_cells(
                &sql,
                &args,
                &[
                    ColumnType::Int,
                    ColumnType::Text,
                    ColumnType::Text,
                    ColumnType::Uuid,
                    ColumnType::Text,
                ],
            )
            .await
    }

    /// The rejected rows of an import's last run as CSV: the file's columns, then the row's
    /// number in the file and why it was not imported.
    pub async fn rejected_rows_csv(&self, id: Uuid) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(record) = self.import_row(id).await? else {
            return Ok(None);
        };
        let header: Vec<String> = text(&record[6])
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default();
        let mut csv = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        let mut line = header.clone();
        line.extend(["Import row".to_owned(), "Import error".to_owned()]);
        let _ = csv.write_record(&line);
        let mut after = 0;
        loop {
            let rows = self.kept_rows(id, true, after, 5_000).await?;
            let Some(last) = rows.last() else { break };
            after = int(&last[0]);
            for row in &rows {
                let mut values: Vec<String> = text(&row[4])
                    .and_then(|t| serde_json::from_str(t).ok())
                    .unwrap_or_default();
                values.resize(header.len(), String::new());
                values.push(int(&row[0]).to_string());
                values.push(text(&row[2]).unwrap_or_default().to_owned());
                let _ = csv.write_record(&values);
            }
        }
        Ok(Some(csv.into_inner().unwrap_or_default()))
    }

    /// Undoes an import: its change set reverted (created records to the trash, updated fields
    /// back to their values before it), and the import marked undone.
    pub async fn undo_import(
        &self,
        catalog: &[ObjectMeta],
        id: Uuid,
        actor: &Actor,
    ) -> Result<Value, StoreError> {
        let record = self.import_row(id).await?.ok_or_else(not_found)?;
        let (status, _) = self.effective_status(&record);
        match Some(status.as_str()) {
            Some("DONE" | "CANCELLED" | "FAILED") => {}
            Some("UNDONE") => {
                return Err(rejected(ApiError::conflict(
                    "this import was undone already",
                )));
            }
            _ => {
                return Err(rejected(ApiError::conflict(
                    "only an import that ran can be undone; this one has not, or is running",
                )));
            }
        }
        if record[4] == Cell::Bool(true) {
            return Err(rejected(ApiError::conflict(
                "a dry run wrote nothing to undo",
            )));
        }
        let outcome = match self.revert_change_set(catalog, id, actor).await {
            Err(StoreError::Rejected(e)) if e.code == kith_core::ErrorCode::NotFound => {
                json!({ "id": id, "reverted": [], "conflicts": [], "skipped": [] })
            }
            other => other?,
        };
        let mut args = Args::default();
        let sql = format!(
            "UPDATE {} SET status = 'UNDONE' WHERE id = {}",
            self.table("_kith_imports"),
            args.push(ColumnType::Uuid, Cell::Uuid(id)),
        );
        let mut tx = self.begin().await?;
        tx.ex().execute_cells(&sql, &args).await?;
        tx.commit().await?;
        Ok(outcome)
    }
}

impl DataStore {
    /// Deletes the imports started before `before` that are not running: their history, kept
    /// rows and file. How many.
    pub async fn purge_imports(
        &self,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, StoreError> {
        let mut args = Args::default();
        let old = format!(
            "SELECT id FROM {} WHERE created_at < {} AND status NOT IN ('RUNNING', 'PREVIEWING', 'CANCELLING')",
            self.table("_kith_imports"),
            args.push(ColumnType::DateTime, Cell::DateTime(before)),
        );
        let mut tx = self.begin().await?;
        for table in ["_kith_import_rows", "_kith_import_files"] {
            let sql = format!(
                "DELETE FROM {} WHERE import_id IN ({old})",
                self.table(table)
            );
            tx.ex().execute_cells(&sql, &args).await?;
        }
        let sql = format!(
            "DELETE FROM {} WHERE id IN ({old})",
            self.table("_kith_imports")
        );
        let purged = tx.ex().execute_cells(&sql, &args).await?;
        tx.commit().await?;
        Ok(purged)
    }
}

fn counts_assignments(args: &mut Args, counts: &ImportCounts) -> String {
    let pairs = [
        ("rows_read", counts.rows),
        ("created", counts.created),
        ("updated", counts.updated),
        ("skipped", counts.skipped),
        ("failed", counts.failed),
        ("bytes_read", counts.bytes_read),
    ];
    let set: Vec<String> = pairs
        .iter()
        .map(|(column, n)| {
            format!(
                "{column} = {}",
                args.push(ColumnType::Int, Cell::Int(*n as i64))
            )
        })
        .collect();
    set.join(", ")
}

fn not_found() -> StoreError {
    rejected(ApiError::not_found("import"))
}

/// An import being run: where it is, and the rows it keeps until they are saved.
struct Run<'r> {
    store: &'r DataStore,
    catalog: &'r [ObjectMeta],
    plan: &'r RowPlan<'r>,
    actor: &'r Actor,
    live: &'r Live,
    id: Uuid,
    kept: Vec<RowOutcome>,
    rejects_kept: u64,
    counts: ImportCounts,
    /// The stored file's size (0 for a file read from elsewhere).
    bytes_total: u64,
}

type RunEnd = (ImportCounts, &'static str, Option<String>);

impl Run<'_> {
    /// Reads and imports every chunk: in one transaction when `whole` (a dry run, or stopping
    /// on errors), else a transaction per chunk. Ends with the status and error to record.
    async fn go(
        &mut self,
        events: &mut mpsc::Receiver<Result<FileEvent, FileError>>,
        whole: bool,
        stop_on_error: bool,
    ) -> Result<RunEnd, StoreError> {
        let store = self.store;
        let mut tx = if whole {
            Some(store.begin().await?)
        } else {
            // The change set exists before any chunk, so a chunk rolled back leaves it.
            let mut tx = store.begin().await?;
            store.change_set_for_write(&mut tx).await?;
            store.finish(tx).await?;
            None
        };
        let mut stopped: Option<(&'static str, String)> = None;
        let mut saved_at = std::time::Instant::now();
        while let Some(event) = events.recv().await {
            let rows = match event {
                Ok(FileEvent::Rows(rows)) => rows,
                Ok(FileEvent::Header { .. }) => continue,
                Err(e) => {
                    stopped = Some(("FAILED", e.to_string()));
                    break;
                }
            };
            let outcomes = match &mut tx {
                Some(tx) => match store
                    .import_chunk(tx, self.catalog, self.plan, &rows, self.actor)
                    .await
                {
                    Ok(outcomes) => outcomes,
                    Err(e) => {
                        stopped = Some(("FAILED", chunk_error(&rows, &e)));
                        break;
                    }
                },
                None => match self.chunk_alone(&rows).await {
                    Ok(outcomes) => outcomes,
                    // What the chunks before wrote stays, and is counted.
                    Err(e) => {
                        stopped = Some(("FAILED", chunk_error(&rows, &e)));
                        break;
                    }
                },
            };
            let first_error = outcomes
                .iter()
                .find(|o| o.action == RowAction::Error)
                .map(|o| {
                    format!(
                        "row {}: {}",
                        o.row,
                        o.reason.as_deref().unwrap_or("refused")
                    )
                });
            self.counts.add(&outcomes, &rows);
            self.keep(outcomes);
            if let Ok(mut counts) = self.live.counts.lock() {
                *counts = self.counts;
            }
            if let (true, Some(error)) = (stop_on_error, first_error) {
                stopped = Some(("FAILED", error));
                break;
            }
            // A SQLite transaction holds the file's only writer: the history waits for its end.
            // Otherwise it is written at most every SAVE_EVERY (this process's readers see
            // the counts of every chunk, through `LiveImports`).
            let can_save = tx.is_none() || store.backend() == Backend::Postgres;
            let cancelled = if can_save && saved_at.elapsed() >= SAVE_EVERY {
                saved_at = std::time::Instant::now();
                store
                    .save_progress(self.id, &self.counts, std::mem::take(&mut self.kept))
                    .await?
            } else {
                false
            };
            if cancelled || self.live.cancel.load(Ordering::Relaxed) {
                stopped = Some(("CANCELLED", "cancelled".into()));
                break;
            }
        }
        if stopped.is_none() {
            // The reader's position stops short of the last line break.
            self.counts.bytes_read = self.counts.bytes_read.max(self.bytes_total);
        }
        if let Some(tx) = tx {
            if stopped.is_some() {
                tx.rollback().await?;
                self.counts.created = 0;
                self.counts.updated = 0;
            } else {
                store.finish(tx).await?;
            }
        }
        store
            .save_progress(self.id, &self.counts, std::mem::take(&mut self.kept))
            .await?;
        Ok(match stopped {
            None => (self.counts, "DONE", None),
            Some(("CANCELLED", _)) => (self.counts, "CANCELLED", None),
            Some((status, error)) if whole => (
                self.counts,
                status,
                Some(format!("{error}; nothing was imported")),
            ),
            Some((status, error)) => (self.counts, status, Some(error)),
        })
    }

    /// A chunk in a transaction of its own; when the database refuses it as a whole, its rows
    /// one at a time, so that only the rows at fault are refused.
    async fn chunk_alone(&self, rows: &[FileRow]) -> Result<Vec<RowOutcome>, StoreError> {
        let store = self.store;
        let mut tx = store.begin().await?;
        match store
            .import_chunk(&mut tx, self.catalog, self.plan, rows, self.actor)
            .await
        {
            Ok(outcomes) => {
                store.finish_lazily(tx).await?;
                return Ok(outcomes);
            }
            Err(e) if refuses_rows(&e) => tx.rollback().await?,
            Err(e) => return Err(e),
        }
        let mut outcomes = Vec::with_capacity(rows.len());
        for row in rows.chunks(1) {
            let mut tx = store.begin().await?;
            match store
                .import_chunk(&mut tx, self.catalog, self.plan, row, self.actor)
                .await
            {
                Ok(one) => {
                    store.finish_lazily(tx).await?;
                    outcomes.extend(one);
                }
                Err(e) if refuses_rows(&e) => {
                    tx.rollback().await?;
                    outcomes.push(RowOutcome {
                        row: row[0].number,
                        action: RowAction::Error,
                        reason: Some(refusal(&e)),
                        record_id: None,
                        values: row[0].values.clone(),
                    });
                }
                Err(e) => return Err(e),
            }
        }
        Ok(outcomes)
    }

    /// Keeps the rows a preview shows and the rejected rows, up to [`REJECTS_KEPT`].
    fn keep(&mut self, outcomes: Vec<RowOutcome>) {
        for outcome in outcomes {
            let rejected = matches!(outcome.action, RowAction::Skip | RowAction::Error);
            if outcome.row <= FIRST_ROWS_KEPT + 1 || (rejected && self.rejects_kept < REJECTS_KEPT)
            {
                self.rejects_kept += u64::from(rejected);
                self.kept.push(outcome);
            }
        }
    }
}

/// Whether the database refused a chunk for something in its rows (a value taken, a related
/// record gone) rather than failing.
fn refuses_rows(error: &StoreError) -> bool {
    match error {
        StoreError::Rejected(_) => true,
        StoreError::Database(sqlx::Error::Database(db)) => {
            db.is_unique_violation() || db.is_foreign_key_violation() || db.is_check_violation()
        }
        _ => false,
    }
}

fn refusal(error: &StoreError) -> String {
    match error {
        StoreError::Rejected(api) if !api.details.is_empty() => api
            .details
            .iter()
            .map(|d| format!("{} {}", d.field, d.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

fn chunk_error(rows: &[FileRow], error: &StoreError) -> String {
    let first = rows.first().map_or(0, |r| r.number);
    let last = rows.last().map_or(0, |r| r.number);
    format!("rows {first}–{last}: {}", refusal(error))
}

/// A reader over an import's stored pieces, fetched as it reads.
struct PieceReader {
    receiver: mpsc::Receiver<std::io::Result<Vec<u8>>>,
    current: Vec<u8>,
    at: usize,
}

impl std::io::Read for PieceReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.current.len() {
            match self.receiver.blocking_recv() {
                Some(piece) => {
                    self.current = piece?;
                    self.at = 0;
                }
                None => return Ok(0),
            }
        }
        let n = (self.current.len() - self.at).min(buf.len());
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
