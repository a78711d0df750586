//! Importing a CSV file into an object (`/rest/{plural}/imports`): upload the file, get its
//! columns with a suggested field for each, run a dry run to preview each row's outcome, run
//! the import in the background (it goes on when the client leaves) and follow its progress,
//! cancel it, download the rows it rejected, undo it.

use super::RestAccess;
use crate::http::{AppResult, Json, Query};
use axum::body::Body;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use kith_core::ApiError;
use kith_core::metadata::ObjectMeta;
use kith_store::DataStore;
use kith_store::data::import::{
    self, FILE_PIECE_BYTES, FileEvent, ImportSpec, read_in_background, suggested_by,
    suggested_field,
};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// Sample values shown per column.
const SAMPLES: usize = 5;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UploadParams {
    file_name: Option<String>,
    delimiter: Option<String>,
}

/// `POST /rest/{plural}/imports`: the body is the file itself.
pub async fn upload(
    access: RestAccess,
    Path(plural): Path<String>,
    Query(params): Query<UploadParams>,
    body: Body,
) -> AppResult<(StatusCode, Json<Value>)> {
    let object = access.writable(&plural, "import records")?.clone();
    let delimiter = import::delimiter_byte(params.delimiter.as_deref())?;
    let file_name = params
        .file_name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("{plural}.csv"));
    let data = &access.data;
    let id = data
        .create_import(&object, &file_name, &access.actor)
        .await?;
    let analysed = match store_file(data, id, body).await {
        Ok(()) => analyse(&access, &object, id, delimiter).await,
        Err(e) => Err(e),
    };
    match analysed {
        Ok((columns, delimiter)) => {
            let record = data.import(id).await?.unwrap_or(Value::Null);
            let delimiter = char::from(delimiter).to_string();
            Ok((
                StatusCode::CREATED,
                Json(json!({ "data": record, "columns": columns, "delimiter": delimiter })),
            ))
        }
        Err(e) => {
            data.delete_import(id).await?;
            Err(e)
        }
    }
}

/// Keeps the request's body as the import's file, a piece at a time.
async fn store_file(data: &DataStore, id: Uuid, body: Body) -> AppResult<()> {
    let mut stream = body.into_data_stream();
    let mut piece = Vec::with_capacity(FILE_PIECE_BYTES);
    let mut number = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ApiError::bad_request("the upload broke off"))?;
        piece.extend_from_slice(&chunk);
        while piece.len() >= FILE_PIECE_BYTES {
            let rest = piece.split_off(FILE_PIECE_BYTES);
            data.add_import_file(id, number, std::mem::replace(&mut piece, rest))
                .await?;
            number += 1;
        }
    }
    if !piece.is_empty() || number == 0 {
        data.add_import_file(id, number, piece).await?;
    }
    Ok(())
}

/// The file's columns, each with sample values and the field it seems to fill.
async fn analyse(
    access: &RestAccess,
    object: &ObjectMeta,
    id: Uuid,
    delimiter: Option<u8>,
) -> AppResult<(Vec<Value>, u8)> {
    let mut events = read_in_background(access.data.import_file(id), delimiter);
    let file_error = |e: import::FileError| ApiError::invalid_field("file", e.to_string());
    let (header, delimiter) = match events.recv().await {
        Some(Ok(FileEvent::Header { columns, delimiter })) => (columns, delimiter),
        Some(Err(e)) => return Err(file_error(e).into()),
        _ => return Err(file_error(import::FileError::Empty).into()),
    };
    let rows = match events.recv().await {
        Some(Ok(FileEvent::Rows(rows))) => rows,
        Some(Err(e)) => return Err(file_error(e).into()),
        _ => Vec::new(),
    };
    drop(events);
    access.data.set_import_columns(id, &header).await?;
    let columns = header
        .iter()
        .enumerate()
        .map(|(at, column)| {
            let samples: Vec<&str> = rows
                .iter()
                .filter_map(|r| r.values.get(at).map(|v| v.trim()))
                .filter(|v| !v.is_empty())
                .take(SAMPLES)
                .collect();
            let field = suggested_field(object, column, &samples);
            let by = field
                .as_deref()
                .and_then(|f| object.active_fields().find(|m| m.name == f))
                .and_then(|m| m.relation.as_ref())
                .and_then(|r| access.catalog.iter().find(|o| o.name_singular == r.target))
                .map(|target| suggested_by(target, &samples));
            json!({ "column": column, "samples": samples, "field": field, "by": by })
        })
        .collect();
    Ok((columns, delimiter))
}

fn import_id(text: &str) -> AppResult<Uuid> {
    Ok(Uuid::parse_str(text).map_err(|_| ApiError::not_found("import"))?)
}

/// The import `id` of `plural`, if the caller may write that object.
async fn existing(
    access: &RestAccess,
    plural: &str,
    id: &str,
    action: &str,
) -> AppResult<(ObjectMeta, Uuid, Value)> {
    let object = access.writable(plural, action)?.clone();
    let id = import_id(id)?;
    let record = access
        .data
        .import(id)
        .await?
        .filter(|r| r["object"] == object.name_plural.as_str())
        .ok_or_else(|| ApiError::not_found("import"))?;
    Ok((object, id, record))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    limit: Option<usize>,
}

/// `GET /rest/{plural}/imports`: the history, latest first.
pub async fn list(
    access: RestAccess,
    Path(plural): Path<String>,
    Query(params): Query<ListParams>,
) -> AppResult<Json<Value>> {
    let object = access.writable(&plural, "see imports")?;
    let limit = params.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid_field("limit", "must be between 1 and 200").into());
    }
    let imports = access.data.imports(object, limit).await?;
    Ok(Json(json!({ "data": imports })))
}

/// `GET /rest/{plural}/imports/{import_id}`: its status, counts and progress.
pub async fn show(
    access: RestAccess,
    Path((plural, id)): Path<(String, String)>,
) -> AppResult<Json<Value>> {
    let (_, _, record) = existing(&access, &plural, &id, "see imports").await?;
    Ok(Json(json!({ "data": record })))
}

/// `POST /rest/{plural}/imports/{import_id}/run`: starts the import (or its dry run) with the
/// spec in the body; answers once the spec is accepted, while the import goes on.
pub async fn run(
    access: RestAccess,
    Path((plural, id)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let (_, id, _) = existing(&access, &plural, &id, "import records").await?;
    // Read after the access checks, so that a refusal does not depend on the body.
    let spec: ImportSpec = serde_json::from_value(body).map_err(|e| crate::http::unfit_body(&e))?;
    let delimiter = spec.delimiter_byte()?;
    let data = access.data.clone();
    let events = read_in_background(data.import_file(id), delimiter);
    let (started, on_start) = tokio::sync::oneshot::channel();
    let catalog = access.catalog.clone();
    let actor = access.actor.clone();
    let task = tokio::spawn(async move {
        let outcome = data
            .run_import(&catalog, id, &spec, events, &actor, Some(started))
            .await;
        if let Err(e) = &outcome {
            tracing::warn!(import = %id, error = %e, "an import did not finish");
        }
        outcome
    });
    if on_start.await.is_err() {
        // It ended before it started: the spec or the file was refused.
        return match task.await {
            Ok(Err(e)) => Err(e.into()),
            _ => Err(ApiError::internal().into()),
        };
    }
    let record = access.data.import(id).await?.unwrap_or(Value::Null);
    Ok((StatusCode::ACCEPTED, Json(json!({ "data": record }))))
}

/// `POST /rest/{plural}/imports/{import_id}/cancel`: stops a running import after its chunk.
pub async fn cancel(
    access: RestAccess,
    Path((plural, id)): Path<(String, String)>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let (_, id, _) = existing(&access, &plural, &id, "import records").await?;
    if !access.data.cancel_import(id).await? {
        return Err(ApiError::conflict("this import is not running").into());
    }
    let record = access.data.import(id).await?.unwrap_or(Value::Null);
    Ok((StatusCode::ACCEPTED, Json(json!({ "data": record }))))
}

/// `POST /rest/{plural}/imports/{import_id}/undo`: reverts what the import wrote.
pub async fn undo(
    access: RestAccess,
    Path((plural, id)): Path<(String, String)>,
) -> AppResult<Json<Value>> {
    let (_, id, _) = existing(&access, &plural, &id, "undo an import").await?;
    let outcome = access
        .data
        .undo_import(&access.catalog, id, &access.actor)
        .await?;
    Ok(Json(json!({ "data": outcome })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RowsParams {
    rejected_only: Option<bool>,
    after: Option<u64>,
    limit: Option<usize>,
}

/// `GET /rest/{plural}/imports/{import_id}/rows`: the outcome of the file's first rows and of
/// every rejected row (up to `REJECTS_KEPT`), in file order.
pub async fn rows(
    access: RestAccess,
    Path((plural, id)): Path<(String, String)>,
    Query(params): Query<RowsParams>,
) -> AppResult<Json<Value>> {
    let (_, id, _) = existing(&access, &plural, &id, "see imports").await?;
    let limit = params.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid_field("limit", "must be between 1 and 1000").into());
    }
    let rows = access
        .data
        .import_rows(
            id,
            params.rejected_only.unwrap_or(false),
            params.after.unwrap_or(0),
            limit,
        )
        .await?;
    Ok(Json(json!({ "data": rows })))
}

/// `GET /rest/{plural}/imports/{import_id}/rejected`: the rejected rows as CSV, each with its
/// row number and reason, to fix and import again.
pub async fn rejected(
    access: RestAccess,
    Path((plural, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let (_, id, record) = existing(&access, &plural, &id, "see imports").await?;
    let csv = access
        .data
        .rejected_rows_csv(id)
        .await?
        .ok_or_else(|| ApiError::not_found("import"))?;
    let name = record["fileName"].as_str().unwrap_or("import.csv");
    let stem = name.strip_suffix(".csv").unwrap_or(name);
    let file_name: String = format!("{stem}-rejected.csv")
        .chars()
        .filter(|c| !matches!(c, '"' | '\\' | '\r' | '\n'))
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        csv,
    )
        .into_response())
}
