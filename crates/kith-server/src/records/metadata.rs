//! `/rest/metadata/objects` and `/rest/metadata/fields`: describing and changing a workspace's
//! objects and fields. Changes need an admin, or an API token with `metadata:write`.

use super::RestAccess;
use crate::http::{AppError, AppResult, Json};
use crate::{AppState, jobs};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kith_core::ApiError;
use kith_core::fields::{FieldType, SelectOption};
use kith_core::metadata::{FieldMeta, ObjectMeta, OnDelete, RelationMeta};
use kith_core::scope::Scope;
use kith_store::{FieldChange, NewField, NewObject, ObjectChange};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

impl RestAccess {
    fn require_metadata_write(&self) -> Result<(), AppError> {
        Ok(self.policy().check_metadata_change()?)
    }
}

fn parse_id(id: &str, what: &str) -> AppResult<Uuid> {
    Ok(Uuid::parse_str(id).map_err(|_| ApiError::not_found(what))?)
}

fn field_json(object: &ObjectMeta, field: &FieldMeta) -> Value {
    let mut value = serde_json::to_value(field).unwrap_or(Value::Null);
    value["objectMetadataId"] = json!(object.id);
    value
}

pub async fn show_object(access: RestAccess, Path(id): Path<String>) -> AppResult<Json<Value>> {
    access.require_scope(Scope::RecordsRead)?;
    let id = parse_id(&id, "object")?;
    let object = access
        .catalog
        .iter()
        .find(|o| o.id == id)
        .ok_or_else(|| ApiError::not_found("object"))?;
    Ok(Json(json!({ "data": { "object": object } })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectBody {
    name_singular: Option<String>,
    name_plural: Option<String>,
    label_singular: Option<String>,
    label_plural: Option<String>,
    description: Option<String>,
    icon: Option<String>,
    is_active: Option<bool>,
}

pub async fn create_object(
    access: RestAccess,
    Json(body): Json<ObjectBody>,
) -> AppResult<(StatusCode, Json<Value>)> {
    access.require_metadata_write()?;
    let new = NewObject {
        name_singular: body.name_singular.unwrap_or_default(),
        name_plural: body.name_plural.unwrap_or_default(),
        label_singular: body.label_singular.unwrap_or_default(),
        label_plural: body.label_plural.unwrap_or_default(),
        description: body.description.unwrap_or_default(),
        icon: body.icon.unwrap_or_default(),
    };
    let object = access.data.create_object(&new).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "data": { "createOneObject": object } })),
    ))
}

pub async fn update_object(
    access: RestAccess,
    Path(id): Path<String>,
    Json(body): Json<ObjectBody>,
) -> AppResult<Json<Value>> {
    access.require_metadata_write()?;
    let change = ObjectChange {
        name_singular: body.name_singular,
        name_plural: body.name_plural,
        label_singular: body.label_singular,
        label_plural: body.label_plural,
        description: body.description,
        icon: body.icon,
        is_active: body.is_active,
    };
    let object = access
        .data
        .update_object(parse_id(&id, "object")?, &change)
        .await?;
    Ok(Json(json!({ "data": { "updateOneObject": object } })))
}

pub async fn delete_object(access: RestAccess, Path(id): Path<String>) -> AppResult<Json<Value>> {
    access.require_metadata_write()?;
    let id = parse_id(&id, "object")?;
    access.data.delete_object(id).await?;
    Ok(Json(json!({ "data": { "deleteOneObject": { "id": id } } })))
}

pub async fn list_fields(access: RestAccess) -> AppResult<Json<Value>> {
    access.require_scope(Scope::RecordsRead)?;
    let fields: Vec<Value> = access
        .catalog
        .iter()
        .flat_map(|o| o.fields.iter().map(move |f| field_json(o, f)))
        .collect();
    Ok(Json(json!({ "data": { "fields": fields } })))
}

pub async fn show_field(access: RestAccess, Path(id): Path<String>) -> AppResult<Json<Value>> {
    access.require_scope(Scope::RecordsRead)?;
    let id = parse_id(&id, "field")?;
    let (object, field) = access
        .catalog
        .iter()
        .find_map(|o| o.fields.iter().find(|f| f.id == id).map(|f| (o, f)))
        .ok_or_else(|| ApiError::not_found("field"))?;
    Ok(Json(
        json!({ "data": { "field": field_json(object, field) } }),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OptionBody {
    value: String,
    label: String,
    #[serde(default = "default_color")]
    color: String,
    position: Option<i32>,
}

fn default_color() -> String {
    "gray".into()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RelationBody {
    target: String,
    on_delete: Option<OnDelete>,
    inverse_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldBody {
    object_metadata_id: Option<String>,
    name: Option<String>,
    label: Option<String>,
    #[serde(rename = "type")]
    field_type: Option<FieldType>,
    description: Option<String>,
    icon: Option<String>,
    is_active: Option<bool>,
    is_nullable: Option<bool>,
    is_unique: Option<bool>,
    is_indexed: Option<bool>,
    options: Option<Vec<OptionBody>>,
    relation: Option<RelationBody>,
    removed_option_replacement: Option<String>,
    position: Option<i32>,
}

fn options(body: Option<Vec<OptionBody>>) -> Option<Vec<SelectOption>> {
    body.map(|options| {
        options
            .into_iter()
            .enumerate()
            .map(|(i, o)| SelectOption {
                value: o.value,
                label: o.label,
                color: o.color,
                position: o.position.unwrap_or(i32::try_from(i).unwrap_or(i32::MAX)),
            })
            .collect()
    })
}

/// The body as an object and as a typed field body: `defaultValue` is read from the object,
/// where `null` (remove the default) can be told from absent (keep it).
fn field_body(body: Value) -> AppResult<(Map<String, Value>, FieldBody)> {
    let Value::Object(map) = body else {
        return Err(ApiError::bad_request("the body must be a JSON object").into());
    };
    let typed: FieldBody = serde_json::from_value(Value::Object(map.clone())).map_err(|e| {
        ApiError::new(
            kith_core::ErrorCode::ValidationFailed,
            format!("the body does not fit: {e}"),
        )
    })?;
    Ok((map, typed))
}

pub async fn create_field(
    State(state): State<AppState>,
    access: RestAccess,
    Json(body): Json<Value>,
) -> AppResult<(StatusCode, Json<Value>)> {
    access.require_metadata_write()?;
    let (map, body) = field_body(body)?;
    let object_id = body
        .object_metadata_id
        .as_deref()
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(|| {
            ApiError::invalid_field("objectMetadataId", "must be the id of an object")
        })?;
    let field_type = body
        .field_type
        .ok_or_else(|| ApiError::invalid_field("type", "is required"))?;
    let new = NewField {
        name: body.name.unwrap_or_default(),
        label: body.label.unwrap_or_default(),
        field_type,
        description: body.description.unwrap_or_default(),
        icon: body.icon.unwrap_or_default(),
        is_nullable: body.is_nullable.unwrap_or(true),
        is_unique: body.is_unique.unwrap_or(false),
        is_indexed: body.is_indexed.unwrap_or(false),
        default_value: map.get("defaultValue").filter(|v| !v.is_null()).cloned(),
        options: options(body.options).unwrap_or_default(),
        relation: body.relation.map(|r| RelationMeta {
            target: r.target,
            on_delete: r.on_delete.unwrap_or(OnDelete::SetNull),
            inverse_name: r.inverse_name,
        }),
    };
    let field = access.data.create_field(object_id, &new).await?;
    if field.is_indexed || field.field_type == FieldType::Relation {
        jobs::catch_up_fields_soon(&state, access.data.workspace_id());
    }
    let mut answer = serde_json::to_value(&field).unwrap_or(Value::Null);
    answer["objectMetadataId"] = json!(object_id);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "data": { "createOneField": answer } })),
    ))
}

pub async fn update_field(
    State(state): State<AppState>,
    access: RestAccess,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> AppResult<Json<Value>> {
    access.require_metadata_write()?;
    let (map, body) = field_body(body)?;
    if body.field_type.is_some() || body.relation.is_some() || body.object_metadata_id.is_some() {
        return Err(ApiError::bad_request(
            "a field's type, relation and object cannot change; create a new field",
        )
        .into());
    }
    let change = FieldChange {
        name: body.name,
        label: body.label,
        description: body.description,
        icon: body.icon,
        is_active: body.is_active,
        is_nullable: body.is_nullable,
        is_unique: body.is_unique,
        is_indexed: body.is_indexed,
        default_value: map
            .get("defaultValue")
            .map(|v| Some(v.clone()).filter(|v| !v.is_null())),
        options: options(body.options),
        removed_option_replacement: body.removed_option_replacement,
        position: body.position,
    };
    let field = access
        .data
        .update_field(parse_id(&id, "field")?, &change)
        .await?;
    // Hidden or shown fields change the search index; `isIndexed` a sort index.
    if change.is_active.is_some() || change.is_indexed.is_some() {
        jobs::catch_up_fields_soon(&state, access.data.workspace_id());
    }
    Ok(Json(json!({ "data": { "updateOneField": field } })))
}

pub async fn delete_field(
    State(state): State<AppState>,
    access: RestAccess,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    access.require_metadata_write()?;
    let id = parse_id(&id, "field")?;
    access.data.delete_field(id).await?;
    jobs::catch_up_fields_soon(&state, access.data.workspace_id());
    Ok(Json(json!({ "data": { "deleteOneField": { "id": id } } })))
}
