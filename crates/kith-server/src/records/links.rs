//! Tasks and notes linked to records: `/rest/{tasks|notes}/{id}/targets` and, from the other
//! side, `/rest/{plural}/{id}/tasks` and `/rest/{plural}/{id}/notes`.

use super::RestAccess;
use super::handlers::record_uuid;
use crate::http::{AppResult, Json};
use axum::extract::Path;
use axum::http::StatusCode;
use kith_core::ApiError;
use kith_core::metadata::ObjectMeta;
use serde::Deserialize;
use serde_json::{Value, json};

/// The object a target names by its singular API name, if the caller may read it.
fn target_object<'a>(access: &'a RestAccess, singular: &str) -> AppResult<&'a ObjectMeta> {
    let object = access
        .catalog
        .iter()
        .find(|o| o.is_active && o.name_singular == singular)
        .ok_or_else(|| {
            ApiError::invalid_field(
                "targetObject",
                format!("{singular:?} is not an object of this workspace"),
            )
        })?;
    access.readable(&object.name_plural)
}

pub async fn list_targets(
    access: RestAccess,
    Path((plural, source_id)): Path<(String, String)>,
) -> AppResult<Json<Value>> {
    let source = access.readable(&plural)?;
    let source_id = record_uuid("id", &source_id)?;
    if access.data.get_record(source, source_id).await?.is_none() {
        return Err(ApiError::not_found(&source.label_singular).into());
    }
    let targets = access.data.targets_of(&access.catalog, source_id).await?;
    Ok(Json(json!({ "data": { "targets": targets } })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TargetBody {
    #[serde(default)]
    target_object: String,
    #[serde(default)]
    target_id: String,
}

pub async fn link(
    access: RestAccess,
    Path((plural, source_id)): Path<(String, String)>,
    Json(body): Json<TargetBody>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let source = access.writable(&plural, "linking records")?;
    let target = target_object(&access, &body.target_object)?;
    let (source_id, target_id) = (
        record_uuid("id", &source_id)?,
        record_uuid("targetId", &body.target_id)?,
    );
    access
        .data
        .link_target(source, source_id, target, target_id, &access.actor)
        .await?;
    let targets = access.data.targets_of(&access.catalog, source_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "data": { "targets": targets } })),
    ))
}

pub async fn unlink(
    access: RestAccess,
    Path((plural, source_id, target_singular, target_id)): Path<(String, String, String, String)>,
) -> AppResult<Json<Value>> {
    let source = access.writable(&plural, "unlinking records")?;
    let target = target_object(&access, &target_singular)?;
    let (source_id, target_id) = (
        record_uuid("id", &source_id)?,
        record_uuid("targetId", &target_id)?,
    );
    if !access
        .data
        .unlink_target(source, source_id, target, target_id, &access.actor)
        .await?
    {
        return Err(ApiError::not_found("link").into());
    }
    let targets = access.data.targets_of(&access.catalog, source_id).await?;
    Ok(Json(json!({ "data": { "targets": targets } })))
}

/// `GET /rest/{plural}/{id}/tasks` or `/notes`: what is linked to a record.
pub async fn linked(
    access: RestAccess,
    Path((plural, target_id, kind)): Path<(String, String, String)>,
) -> AppResult<Json<Value>> {
    if !matches!(kind.as_str(), "tasks" | "notes") {
        return Err(ApiError::new(kith_core::ErrorCode::NotFound, "no such route").into());
    }
    let target = access.readable(&plural)?;
    let target_id = record_uuid("id", &target_id)?;
    let source = access.readable(&kind)?;
    if access.data.get_record(target, target_id).await?.is_none() {
        return Err(ApiError::not_found(&target.label_singular).into());
    }
    let records = access.data.linked_to(source, target_id).await?;
    Ok(Json(json!({ "data": { kind: records } })))
}
