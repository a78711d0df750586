//! `GET /rest/{plural}/export`: every record of an object that a list with the same `filter`,
//! `order_by` and `fields` would page through, as one CSV, JSON or XLSX file, written while it
//! is read.
//!
//! The first page is read before the answer starts, so that a bad filter or a refusal is an
//! ordinary error; later pages are read as the client takes the file. A failure after the start
//! breaks the connection rather than end the file cleanly, so a cut file is never taken for a
//! whole one.

use super::RestAccess;
use super::handlers::{optional_filter, optional_order};
use super::xlsx::Workbook;
use crate::http::AppResult;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kith_core::ApiError;
use kith_core::metadata::{FieldMeta, ObjectMeta, RESERVED_NAMES};
use kith_store::{
    DataStore, ExportColumn, ExportFile, ExportFormat, ExportPage, ListQuery, StoreError,
};
use serde::Deserialize;
use tokio::sync::mpsc;

/// What an export is asked for, by the route's query or by `kith export`'s flags.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    pub format: Option<String>,
    /// A saved view whose filter, order and columns the export takes (those given here win).
    pub view: Option<String>,
    pub filter: Option<String>,
    pub order_by: Option<String>,
    pub fields: Option<String>,
}

/// Whether `format` asks for a workbook; a workbook has the columns and rows of the CSV file.
fn is_xlsx(params: &ExportParams) -> bool {
    params.format.as_deref().map(str::trim) == Some("xlsx")
}

fn format(text: Option<&str>) -> Result<ExportFormat, ApiError> {
    match text.map(str::trim).unwrap_or("csv") {
        "csv" | "xlsx" => Ok(ExportFormat::Csv),
        "json" => Ok(ExportFormat::Json),
        other => Err(ApiError::invalid_field(
            "format",
            format!("must be csv, json or xlsx, not {other:?}"),
        )),
    }
}

/// The media type and file extension of the file asked for.
fn media(format: ExportFormat, xlsx: bool) -> (&'static str, &'static str) {
    match format {
        _ if xlsx => (super::xlsx::MEDIA_TYPE, "xlsx"),
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        ExportFormat::Json => ("application/json", "json"),
    }
}

/// Pages written ahead of the client at most: an export holds little in memory however large.
const PAGES_AHEAD: usize = 2;

pub async fn export(
    access: RestAccess,
    Path(plural): Path<String>,
    Query(params): Query<ExportParams>,
) -> AppResult<Response> {
    let (object, pages) = first_page(&access, &plural, &params).await?;
    let xlsx = is_xlsx(&params);
    let (content_type, extension) = media(pages.file.format(), xlsx);
    let (receiver, _) = spawn_writing(&access.data, &object, pages, xlsx);
    let body = Body::from_stream(futures_util::stream::unfold(
        receiver,
        |mut receiver| async move { receiver.recv().await.map(|chunk| (chunk, receiver)) },
    ));
    let filename = format!(
        "{}-{}.{extension}",
        object.name_plural,
        chrono::Utc::now().format("%Y-%m-%d"),
    );
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// Where an export's bytes go, a piece at a time; an error breaks the file off.
type Sender = mpsc::Sender<Result<Bytes, std::io::Error>>;
type Receiver = mpsc::Receiver<Result<Bytes, std::io::Error>>;

/// Starts writing the export on a blocking thread: the pages' bytes as they are written, and
/// how many records once done. Each page is written there while the next is read in its own
/// task; written on the runtime instead, a page held up the reading of the next (a million
/// people took 5.4 s as JSON on SQLite instead of 4.4 s). A failure after the start is logged
/// and sent as an error, unless the receiver went away.
fn spawn_writing(
    data: &DataStore,
    object: &ObjectMeta,
    pages: Pages,
    xlsx: bool,
) -> (
    Receiver,
    tokio::task::JoinHandle<Result<usize, ExportError>>,
) {
    let (sender, receiver) = mpsc::channel(PAGES_AHEAD);
    let (data, object) = (data.clone(), object.clone());
    let writing = tokio::task::spawn_blocking(move || {
        let written = if xlsx {
            write_workbook(&data, &object, pages, &sender)
        } else {
            write_file(&data, &object, pages, &sender)
        };
        if let Err(e) = &written
            && !sender.is_closed()
        {
            tracing::error!(object = %object.name_plural, error = %e, "an export stopped midway");
            let _ = sender.blocking_send(Err(std::io::Error::other(e.to_string())));
        }
        written
    });
    (receiver, writing)
}

/// Writes a CSV or JSON export to `out`, a page at a time. Answers how many records.
fn write_file(
    data: &DataStore,
    object: &ObjectMeta,
    mut pages: Pages,
    out: &Sender,
) -> Result<usize, ExportError> {
    let mut chunk = pages.file.start();
    while let Some(page) = pages.wait_for_next_page(data, object)? {
        pages.file.write_page(data, object, &page, &mut chunk)?;
        send(out, std::mem::take(&mut chunk))?;
    }
    pages.file.finish(&mut chunk);
    send(out, chunk)?;
    Ok(pages.written())
}

/// Writes the export as a workbook to `out`, as it is compressed. Answers how many records.
fn write_workbook(
    data: &DataStore,
    object: &ObjectMeta,
    mut pages: Pages,
    out: &Sender,
) -> Result<usize, ExportError> {
    let sent = SentBytes {
        out: out.clone(),
        buffer: Vec::new(),
    };
    let mut workbook = Workbook::new(sent, &object.name_plural, pages.file.headers())?;
    while let Some(page) = pages.wait_for_next_page(data, object)? {
        pages
            .file
            .write_page_to(data, object, &page, &mut workbook)?;
        workbook.check()?;
    }
    std::io::Write::flush(&mut workbook.finish()?)?;
    Ok(pages.written())
}

fn send(out: &Sender, bytes: Vec<u8>) -> std::io::Result<()> {
    out.blocking_send(Ok(Bytes::from(bytes)))
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
}

/// Bytes sent on a channel in pieces of [`SentBytes::PIECE`]; an error once nobody receives them.
struct SentBytes {
    out: Sender,
    buffer: Vec<u8>,
}

impl SentBytes {
    const PIECE: usize = 1 << 18;

    fn send(&mut self) -> std::io::Result<()> {
        send(&self.out, std::mem::take(&mut self.buffer))
    }
}

impl std::io::Write for SentBytes {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= Self::PIECE {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        self.send()
    }
}

/// Why `kith export` stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no API token: pass --token or set KITH_TOKEN")]
    NoToken,
    #[error(transparent)]
    Startup(#[from] crate::serve::StartupError),
    #[error("{0}")]
    Refused(String),
    #[error("the export stopped midway: {0}")]
    Store(#[from] kith_store::StoreError),
    #[error("writing the file failed: {0}")]
    Write(#[from] std::io::Error),
    #[error("writing the workbook failed: {0}")]
    Workbook(#[from] zip::result::ZipError),
}

/// `kith export`: as `token` would get it from `GET /rest/{plural}/export`, written to `out`
/// (a file or standard output) from the configured database. Answers how many records.
pub async fn export_with_token(
    config: crate::Config,
    token: Option<String>,
    plural: &str,
    params: &ExportParams,
    out: &mut (dyn std::io::Write + Send),
) -> Result<usize, ExportError> {
    let token = token
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or(ExportError::NoToken)?;
    let (state, _stop) = crate::serve::command_state(config).await?;
    let refused = |e: crate::http::AppError| ExportError::Refused(e.0.message);
    let access = RestAccess::with_token(&state, &token)
        .await
        .map_err(refused)?;
    let (object, pages) = first_page(&access, plural, params).await.map_err(refused)?;
    let (mut receiver, writing) = spawn_writing(&access.data, &object, pages, is_xlsx(params));
    // A piece that is an error ends the file; the writing answers why.
    while let Some(Ok(piece)) = receiver.recv().await {
        out.write_all(&piece)?;
    }
    let written = writing
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))??;
    out.flush()?;
    state.db.close().await;
    Ok(written)
}

/// Where an export has got to: its file, the first page (until it is written), and the
/// reading of the next page (none after the last), which runs while the page before it is
/// written.
pub struct Pages {
    file: ExportFile,
    first: Option<ExportPage>,
    ahead: Option<tokio::task::JoinHandle<Result<ExportPage, StoreError>>>,
    query: ListQuery,
}

impl Pages {
    /// Records written so far.
    pub fn written(&self) -> usize {
        self.file.written()
    }

    /// Starts reading the page after `cursor`, if there is one.
    fn read_ahead(&mut self, data: &DataStore, object: &ObjectMeta, cursor: Option<String>) {
        self.ahead = cursor.map(|after| {
            let read = self.file.reads(data, object);
            let (data, object) = (data.clone(), object.clone());
            let query = ListQuery {
                starting_after: Some(after),
                ..self.query.clone()
            };
            tokio::spawn(async move { data.read_export_page(&object, &query, read).await })
        });
    }

    /// The next page to write, the one after it being read from then on; none after the last.
    async fn next_page(
        &mut self,
        data: &DataStore,
        object: &ObjectMeta,
    ) -> Result<Option<ExportPage>, StoreError> {
        if let Some(first) = self.first.take() {
            return Ok(Some(first));
        }
        let Some(reading) = self.ahead.take() else {
            return Ok(None);
        };
        // Only `drop` aborts a reading, so the task ended by itself or panicked.
        let page = match reading.await {
            Ok(page) => page?,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        self.read_ahead(data, object, page.next.clone());
        Ok(Some(page))
    }

    /// [`Pages::next_page`], from a blocking thread. Only the reading waits on the runtime: the
    /// writing sends its bytes with `blocking_send`, which must not run inside `block_on`.
    fn wait_for_next_page(
        &mut self,
        data: &DataStore,
        object: &ObjectMeta,
    ) -> Result<Option<ExportPage>, StoreError> {
        tokio::runtime::Handle::current().block_on(self.next_page(data, object))
    }
}

impl Drop for Pages {
    /// A client gone midway leaves no page being read for nobody.
    fn drop(&mut self) {
        if let Some(reading) = &self.ahead {
            reading.abort();
        }
    }
}

/// Checks an export and reads its first page (a bad request is an error before anything is
/// written): the object, and where the export has got to.
pub async fn first_page(
    access: &RestAccess,
    plural: &str,
    params: &ExportParams,
) -> AppResult<(ObjectMeta, Pages)> {
    access.require_scope(kith_core::scope::Scope::RecordsRead)?;
    let object = access.readable(plural)?.clone();
    let format = format(params.format.as_deref())?;
    let params = with_view(access, &object, params).await?;
    let query = ListQuery {
        filter: optional_filter(params.filter.as_deref())?,
        order_by: optional_order(params.order_by.as_deref())?,
        ..ListQuery::default()
    };
    let every_key = params.fields.as_deref().is_none_or(|f| f.trim().is_empty());
    let columns = columns(&object, access, params.fields.as_deref())?;
    let file = ExportFile::new(format, columns, every_key);
    let read = file.reads(&access.data, &object);
    let page = access.data.read_export_page(&object, &query, read).await?;
    let next = page.next.clone();
    let mut pages = Pages {
        file,
        first: Some(page),
        ahead: None,
        query,
    };
    pages.read_ahead(&access.data, &object, next);
    Ok((object, pages))
}

/// The parameters with the saved view's filter, order and columns where they give none; a view
/// the caller does not see, or of another object, is not found.
async fn with_view(
    access: &RestAccess,
    object: &ObjectMeta,
    params: &ExportParams,
) -> AppResult<ExportParams> {
    let mut merged = ExportParams {
        format: params.format.clone(),
        view: None,
        filter: params.filter.clone(),
        order_by: params.order_by.clone(),
        fields: params.fields.clone(),
    };
    let Some(text) = params.view.as_deref().map(str::trim) else {
        return Ok(merged);
    };
    let id = uuid::Uuid::parse_str(text).map_err(|_| {
        ApiError::invalid_field("view", format!("{text:?} is not a view id (UUID)"))
    })?;
    let view = access.data.view(id, &access.principal_key()).await?;
    if view.object_id != object.id {
        return Err(ApiError::not_found("view").into());
    }
    let spec = view.spec;
    merged.filter = merged.filter.or(spec.filter);
    merged.order_by = merged.order_by.or(spec.order_by);
    if merged.fields.is_none() && !spec.fields.is_empty() {
        let names: Vec<String> = spec.fields.into_iter().map(|c| c.name).collect();
        merged.fields = Some(names.join(","));
    }
    Ok(merged)
}

/// The columns of an export: the id, the fields the caller sees (or those `fields` names, in
/// its order), each part of a composite field, then when each record was created and updated.
/// A field hidden from the caller has no column, named or not.
fn columns(
    object: &ObjectMeta,
    access: &RestAccess,
    fields: Option<&str>,
) -> AppResult<Vec<ExportColumn>> {
    let visible: Vec<&FieldMeta> = access.policy().visible_fields(object).collect();
    let plain = |key: &str| ExportColumn {
        key: key.to_owned(),
        part: None,
    };
    let of_field = |field: &FieldMeta| -> Vec<ExportColumn> {
        if field.field_type.is_composite() {
            let parts = field.field_type.parts().iter();
            parts
                .map(|part| ExportColumn {
                    key: field.key(),
                    part: Some(part.name),
                })
                .collect()
        } else {
            vec![plain(&field.key())]
        }
    };
    let always = ["id", "createdAt", "updatedAt"];
    let mut columns = vec![plain("id")];
    match fields.filter(|f| !f.trim().is_empty()) {
        None => columns.extend(visible.iter().flat_map(|f| of_field(f))),
        Some(list) => {
            for key in list
                .split(',')
                .map(str::trim)
                .filter(|k| !always.contains(k))
            {
                if RESERVED_NAMES.contains(&key) {
                    columns.push(plain(key));
                    continue;
                }
                let named = |f: &FieldMeta| f.key() == key || f.name == key;
                match visible.iter().find(|f| named(f)) {
                    Some(field) => columns.extend(of_field(field)),
                    // A field hidden from the caller is left out, as a list leaves it out.
                    None if object.active_fields().any(named) => {}
                    None => {
                        return Err(ApiError::invalid_field(
                            "fields",
                            format!("{key} is not a field of {}", object.name_singular),
                        )
                        .into());
                    }
                }
            }
        }
    }
    columns.extend([plain("createdAt"), plain("updatedAt")]);
    // A field named twice is written once, where first named.
    let mut seen = Vec::new();
    columns.retain(|c| {
        let new = !seen.contains(c);
        seen.push(c.clone());
        new
    });
    Ok(columns)
}
