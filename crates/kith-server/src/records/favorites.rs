//! `/rest/metadata/favorites`: the records and saved views someone keeps in the sidebar, in
//! their own order. Each favourite is its principal's own (a person, or the token that made
//! it): nobody else sees it. Anyone who may read a record or see a view may keep it as a
//! favourite, viewers too; tokens need `records:write` to change favourites. The store leaves out
//! of the list what the reader may no longer open (see `kith_store::data::favorites`).

use super::RestAccess;
use crate::http::{AppResult, Json};
use axum::extract::Path;
use axum::http::StatusCode;
use kith_core::access::Action;
use kith_core::fields::CellOutput;
use kith_core::metadata::ObjectMeta;
use kith_core::scope::Scope;
use kith_core::{ApiError, ErrorCode};
use kith_store::{FavoriteTarget, ShownFavorite};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// A new favourite: a record (`recordId` with its `objectMetadataId`) or a view (`viewId`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewFavorite {
    #[serde(default)]
    record_id: Option<String>,
    #[serde(default)]
    object_metadata_id: Option<String>,
    #[serde(default)]
    view_id: Option<String>,
    #[serde(default)]
    position: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FavoriteChange {
    position: f64,
}

fn read_body<T: serde::de::DeserializeOwned>(value: Value) -> AppResult<T> {
    serde_json::from_value(value).map_err(|e| ApiError::invalid_field("body", e.to_string()).into())
}

fn uuid_of(key: &str, text: &str, what: &str) -> AppResult<Uuid> {
    Uuid::parse_str(text).map_err(|_| ApiError::invalid_field(key, format!("is not {what}")).into())
}

fn not_found(key: &str, message: &str) -> ApiError {
    ApiError::refused_field(ErrorCode::NotFound, key, message)
}

/// The favourite as the API shows it.
pub(crate) fn favorite_json(shown: &ShownFavorite) -> Value {
    let favorite = &shown.favorite;
    let (record_id, view_id) = match favorite.target {
        FavoriteTarget::Record { record_id, .. } => (Some(record_id), None),
        FavoriteTarget::View { view_id } => (None, Some(view_id)),
    };
    json!({
        "id": favorite.id,
        "position": favorite.position,
        "recordId": record_id,
        "viewId": view_id,
        "objectMetadataId": favorite.object_id,
        "objectNameSingular": shown.object.name_singular,
        "objectNamePlural": shown.object.name_plural,
        "label": shown.label,
        "createdAt": CellOutput(&favorite.created_at),
    })
}

impl RestAccess {
    /// What a new favourite points at, and its object, once the caller is known to be able to
    /// open it; otherwise the refusal naming the key at fault.
    async fn favorite_target(&self, body: &NewFavorite) -> AppResult<(Uuid, FavoriteTarget)> {
        match (&body.record_id, &body.view_id) {
            (None, None) => Err(ApiError::invalid_field(
                "recordId",
                "is required, with objectMetadataId, unless viewId is given",
            )
            .into()),
            (Some(_), Some(_)) => Err(ApiError::invalid_field(
                "viewId",
                "cannot be given with recordId: a favourite is of one record or one view",
            )
            .into()),
            (Some(record), None) => self.record_target(body, record).await,
            (None, Some(view)) => {
                if body.object_metadata_id.is_some() {
                    return Err(ApiError::invalid_field(
                        "objectMetadataId",
                        "is the view's own; leave it out",
                    )
                    .into());
                }
                let id = uuid_of("viewId", view, "a view's id")?;
                let view = self
                    .data
                    .view(id, &self.principal_key())
                    .await
                    .map_err(|_| not_found("viewId", "names no view you see"))?;
                self.favorite_object(view.object_id)
                    .map_err(|_| not_found("viewId", "names no view you see"))?;
                Ok((view.object_id, FavoriteTarget::View { view_id: id }))
            }
        }
    }

    async fn record_target(
        &self,
        body: &NewFavorite,
        record: &str,
    ) -> AppResult<(Uuid, FavoriteTarget)> {
        let record_id = uuid_of("recordId", record, "a record's id")?;
        let object_text = body.object_metadata_id.as_deref().ok_or_else(|| {
            ApiError::invalid_field("objectMetadataId", "is required with recordId")
        })?;
        let object_id = uuid_of("objectMetadataId", object_text, "an object's id")?;
        let object = self
            .favorite_object(object_id)
            .map_err(|_| not_found("objectMetadataId", "names no object you may read"))?;
        // Records in the trash are not found either: they are not there to be opened.
        let found = self.data.records_by_ids(object, &[record_id]).await?;
        if found.is_empty() {
            return Err(not_found(
                "recordId",
                &format!("names no {} you may read", object.name_singular),
            )
            .into());
        }
        Ok((
            object_id,
            FavoriteTarget::Record {
                object_id,
                record_id,
            },
        ))
    }

    fn favorite_object(&self, id: Uuid) -> Result<&ObjectMeta, ApiError> {
        let object = self
            .catalog
            .iter()
            .find(|o| o.id == id && o.is_active)
            .ok_or_else(|| ApiError::not_found("object"))?;
        self.policy().check(Action::Read, object)?;
        Ok(object)
    }

    fn favorite_id(id: &str) -> AppResult<Uuid> {
        Uuid::parse_str(id).map_err(|_| ApiError::not_found("favorite").into())
    }
}

pub async fn list(access: RestAccess) -> AppResult<Json<Value>> {
    access.require_scope(Scope::RecordsRead)?;
    let shown = access
        .data
        .list_favorites(&access.catalog, &access.principal_key())
        .await?;
    let favorites: Vec<Value> = shown.iter().map(favorite_json).collect();
    Ok(Json(json!({ "data": { "favorites": favorites } })))
}

pub async fn create(
    access: RestAccess,
    Json(body): Json<Value>,
) -> AppResult<(StatusCode, Json<Value>)> {
    access.require_scope(Scope::RecordsWrite)?;
    let body: NewFavorite = read_body(body)?;
    let (object_id, target) = access.favorite_target(&body).await?;
    let principal = access.principal_key();
    let id = access
        .data
        .create_favorite(&principal, object_id, target, body.position)
        .await?;
    let shown = access
        .data
        .favorite(&access.catalog, &principal, id)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "data": { "createOneFavorite": favorite_json(&shown) } })),
    ))
}

/// Moves a favourite: `position` is its place among the caller's (lower first).
pub async fn update(
    access: RestAccess,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> AppResult<Json<Value>> {
    access.require_scope(Scope::RecordsRead)?;
    let id = RestAccess::favorite_id(&id)?;
    let principal = access.principal_key();
    access
        .data
        .favorite(&access.catalog, &principal, id)
        .await?;
    access.require_scope(Scope::RecordsWrite)?;
    let change: FavoriteChange = read_body(body)?;
    access
        .data
        .move_favorite(&principal, id, change.position)
        .await?;
    let shown = access
        .data
        .favorite(&access.catalog, &principal, id)
        .await?;
    Ok(Json(
        json!({ "data": { "updateOneFavorite": favorite_json(&shown) } }),
    ))
}

/// Deletes one of the caller's favourites, also one the list leaves out (what it pointed at
/// is gone or closed to them): it is theirs to tidy away.
pub async fn delete(access: RestAccess, Path(id): Path<String>) -> AppResult<Json<Value>> {
    access.require_scope(Scope::RecordsRead)?;
    let id = RestAccess::favorite_id(&id)?;
    let principal = access.principal_key();
    if !access.data.has_favorite(&principal, id).await? {
        return Err(ApiError::not_found("favorite").into());
    }
    access.require_scope(Scope::RecordsWrite)?;
    access.data.delete_favorite(&principal, id).await?;
    Ok(Json(
        json!({ "data": { "deleteOneFavorite": { "id": id } } }),
    ))
}
