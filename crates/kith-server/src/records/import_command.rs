//! `kith import`: a CSV file imported into an object from the command line, as an API token,
//! straight into the configured database. It is the same import as the API's (its history,
//! its rejected rows, its undo), its file read from disk rather than kept in the database.

use super::RestAccess;
use kith_core::metadata::ObjectMeta;
use kith_store::data::import::{
    self, ColumnMapping, DateOrder, FileEvent, ImportMode, ImportSpec, ValueFormats,
    read_in_background, suggested_by, suggested_field,
};
use serde_json::Value;
use std::io::IsTerminal;
use std::path::PathBuf;
use uuid::Uuid;

/// What `kith import` was asked to do.
pub struct ImportOptions {
    pub object: String,
    pub file: PathBuf,
    pub mode: ImportMode,
    pub match_on: Option<String>,
    /// `Header=field` or `Header=relation:by`; columns not named get the suggested field.
    pub map: Vec<String>,
    /// Import only the columns `map` names.
    pub only_mapped: bool,
    pub stop_on_error: bool,
    pub dry_run: bool,
    pub delimiter: Option<String>,
    pub date_order: Option<DateOrder>,
    pub decimal_comma: bool,
}

/// Why `kith import` stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportCommandError {
    #[error("no API token: pass --token or set KITH_TOKEN")]
    NoToken,
    #[error(transparent)]
    Startup(#[from] crate::serve::StartupError),
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] kith_store::StoreError),
}

fn refused(e: impl Into<crate::http::AppError>) -> ImportCommandError {
    ImportCommandError::Refused(e.into().0.to_string())
}

/// Imports the file; the import's record as its history keeps it.
pub async fn import_with_token(
    config: crate::Config,
    token: Option<String>,
    options: &ImportOptions,
) -> Result<Value, ImportCommandError> {
    let token = token
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or(ImportCommandError::NoToken)?;
    let (state, _stop) = crate::serve::command_state(config).await?;
    let access = RestAccess::with_token(&state, &token)
        .await
        .map_err(refused)?;
    let object = access
        .writable(&options.object, "import records")
        .map_err(refused)?
        .clone();
    let delimiter = import::delimiter_byte(options.delimiter.as_deref()).map_err(refused)?;
    let open = || {
        std::fs::File::open(&options.file).map_err(|e| {
            ImportCommandError::Refused(format!("cannot read {}: {e}", options.file.display()))
        })
    };
    let (header, columns) =
        columns_of(&access, &object, Box::new(open()?), delimiter, options).await?;
    let spec = ImportSpec {
        mode: options.mode,
        match_on: options.match_on.clone(),
        columns,
        stop_on_error: options.stop_on_error,
        formats: ValueFormats {
            date_order: options.date_order,
            decimal_comma: options.decimal_comma,
        },
        delimiter: options.delimiter.clone(),
        dry_run: options.dry_run,
    };
    for mapping in spec.columns.iter().filter(|m| m.field.is_some()) {
        let by = mapping
            .by
            .as_deref()
            .map(|b| format!(" by {b}"))
            .unwrap_or_default();
        eprintln!(
            "  {:?} → {}{by}",
            mapping.column,
            mapping.field.as_deref().unwrap_or("")
        );
    }
    let file_name = options
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "import.csv".into());
    let data = access.data.clone();
    let id = data
        .create_import(&object, &file_name, &access.actor)
        .await?;
    data.set_import_columns(id, &header).await?;
    let size = open()?.metadata().map(|m| m.len()).unwrap_or(0);
    let events = read_in_background(Box::new(open()?), delimiter);
    let progress = tokio::spawn(show_progress(data.clone(), id, size));
    let ran = data
        .run_import(&access.catalog, id, &spec, events, &access.actor, None)
        .await;
    progress.abort();
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
    if let Err(e) = ran {
        data.delete_import(id).await?;
        return Err(refused(e));
    }
    print_rejected(&data, id).await?;
    let record = data.import(id).await?.unwrap_or(Value::Null);
    state.db.close().await;
    Ok(record)
}

/// The spec's columns: those `--map` names, then (unless `--only-mapped`) the others with the
/// field their header or values suggest.
async fn columns_of(
    access: &RestAccess,
    object: &ObjectMeta,
    file: Box<dyn std::io::Read + Send>,
    delimiter: Option<u8>,
    options: &ImportOptions,
) -> Result<(Vec<String>, Vec<ColumnMapping>), ImportCommandError> {
    let mut events = read_in_background(file, delimiter);
    let header = match events.recv().await {
        Some(Ok(FileEvent::Header { columns, .. })) => columns,
        Some(Err(e)) => return Err(ImportCommandError::Refused(e.to_string())),
        _ => return Err(ImportCommandError::Refused("the file is empty".into())),
    };
    let rows = match events.recv().await {
        Some(Ok(FileEvent::Rows(rows))) => rows,
        _ => Vec::new(),
    };
    let mut named = Vec::new();
    for entry in &options.map {
        let (column, target) = entry.split_once('=').ok_or_else(|| {
            ImportCommandError::Refused(format!("--map {entry:?}: write it as Header=field"))
        })?;
        let (field, by) = match target.split_once(':') {
            Some((field, by)) => (field, Some(by.to_owned())),
            None => (target, None),
        };
        named.push(ColumnMapping {
            column: column.to_owned(),
            field: (!field.is_empty()).then(|| field.to_owned()),
            by,
        });
    }
    let mut columns = named.clone();
    if !options.only_mapped {
        for (at, column) in header.iter().enumerate() {
            if named.iter().any(|m| &m.column == column) {
                continue;
            }
            let samples: Vec<&str> = rows
                .iter()
                .filter_map(|r| r.values.get(at).map(|v| v.trim()))
                .filter(|v| !v.is_empty())
                .take(5)
                .collect();
            let field = suggested_field(object, column, &samples);
            let by = field
                .as_deref()
                .and_then(|f| object.active_fields().find(|m| m.name == f))
                .and_then(|m| m.relation.as_ref())
                .and_then(|r| access.catalog.iter().find(|o| o.name_singular == r.target))
                .map(|target| suggested_by(target, &samples));
            columns.push(ColumnMapping {
                column: column.clone(),
                field,
                by,
            });
        }
    }
    Ok((header, columns))
}

/// A line of progress twice a second, on a terminal.
async fn show_progress(data: kith_store::DataStore, id: Uuid, size: u64) {
    if !std::io::stderr().is_terminal() {
        return;
    }
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let Ok(Some(record)) = data.import(id).await else {
            continue;
        };
        let counts = &record["counts"];
        let read = counts["bytesRead"].as_u64().unwrap_or(0);
        let percent = (read * 100).checked_div(size).unwrap_or(0);
        eprint!(
            "\r  {percent:>3}%  {} rows read",
            counts["rows"].as_u64().unwrap_or(0)
        );
    }
}

/// The first rejected rows and why, to standard error.
async fn print_rejected(data: &kith_store::DataStore, id: Uuid) -> Result<(), ImportCommandError> {
    const SHOWN: usize = 10;
    let rows = data.import_rows(id, true, 0, SHOWN).await?;
    for row in &rows {
        eprintln!(
            "  row {}: {} {}",
            row["row"],
            row["action"].as_str().unwrap_or("").to_lowercase(),
            row["reason"].as_str().unwrap_or("")
        );
    }
    Ok(())
}

/// `kith import OBJECT --undo ID`: reverts what an import wrote; what was undone.
pub async fn undo_with_token(
    config: crate::Config,
    token: Option<String>,
    object: &str,
    id: &str,
) -> Result<Value, ImportCommandError> {
    let token = token
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or(ImportCommandError::NoToken)?;
    let id = Uuid::parse_str(id.trim())
        .map_err(|_| ImportCommandError::Refused(format!("--undo {id:?} is not an import id")))?;
    let (state, _stop) = crate::serve::command_state(config).await?;
    let access = RestAccess::with_token(&state, &token)
        .await
        .map_err(refused)?;
    let object = access
        .writable(object, "undo an import")
        .map_err(refused)?
        .clone();
    let known = access.data.import(id).await?;
    if known.is_none_or(|r| r["object"] != object.name_plural.as_str()) {
        return Err(ImportCommandError::Refused(format!(
            "no import {id} into {}",
            object.name_plural
        )));
    }
    let outcome = access
        .data
        .undo_import(&access.catalog, id, &access.actor)
        .await
        .map_err(refused)?;
    state.db.close().await;
    Ok(outcome)
}
