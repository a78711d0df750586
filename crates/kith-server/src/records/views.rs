//! `/rest/metadata/views`: saved views of an object's records. A personal view is seen by its
//! owner alone (a person, or the token that made it); a shared one by everyone who may read its
//! object. Anyone who may read an object may keep personal views of it; sharing, and changing a
//! shared view, needs the member role. Tokens need `records:write` to change views.

use super::RestAccess;
use crate::http::{AppResult, Json};
use crate::{AppState, jobs};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kith_core::fields::{CellOutput, FieldType};
use kith_core::metadata::ObjectMeta;
use kith_core::scope::Scope;
use kith_core::{ApiError, Role};
use kith_store::{SavedView, ViewColumn, ViewKind, ViewSpec};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

const MAX_NAME: usize = 100;
const MAX_COLUMNS: usize = 200;
const WIDTHS: std::ops::RangeInclusive<u32> = 40..=2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Visibility {
    Personal,
    Workspace,
}

/// A whole view as the API takes it; a change is the view's current body with the sent keys
/// replaced, read by the same rules.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ViewBody {
    object_metadata_id: String,
    name: String,
    #[serde(rename = "type", default = "table")]
    kind: ViewKind,
    #[serde(default = "personal")]
    visibility: Visibility,
    #[serde(default)]
    filter: Option<String>,
    #[serde(default)]
    order_by: Option<String>,
    #[serde(default)]
    fields: Vec<ViewColumn>,
    #[serde(default)]
    kanban_field: Option<String>,
}

fn table() -> ViewKind {
    ViewKind::Table
}

fn personal() -> Visibility {
    Visibility::Personal
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListParams {
    object_metadata_id: Option<String>,
}

impl RestAccess {
    fn require_view_change(&self, visibility: Visibility) -> AppResult<()> {
        self.require_scope(Scope::RecordsWrite)?;
        if visibility == Visibility::Workspace {
            self.require_role(Role::Member, "changing a shared view")?;
        }
        Ok(())
    }

    fn view_object(&self, id: Uuid) -> AppResult<&ObjectMeta> {
        let object = self
            .catalog
            .iter()
            .find(|o| o.id == id && o.is_active)
            .ok_or_else(|| ApiError::not_found("object"))?;
        self.policy()
            .check(kith_core::access::Action::Read, object)?;
        Ok(object)
    }

    async fn visible_view(&self, id: &str) -> AppResult<(SavedView, &ObjectMeta)> {
        let id = Uuid::parse_str(id).map_err(|_| ApiError::not_found("view"))?;
        let view = self.data.view(id, &self.principal_key()).await?;
        let object = self
            .view_object(view.object_id)
            .map_err(|_| ApiError::not_found("view"))?;
        Ok((view, object))
    }
}

fn visibility_of(view: &SavedView) -> Visibility {
    match view.owner {
        Some(_) => Visibility::Personal,
        None => Visibility::Workspace,
    }
}

fn visibility_name(visibility: Visibility) -> &'static str {
    match visibility {
        Visibility::Personal => "personal",
        Visibility::Workspace => "workspace",
    }
}

/// The view as its reader sees it: columns of fields hidden from them left out.
fn view_json(access: &RestAccess, object: &ObjectMeta, view: &SavedView) -> Value {
    let spec = &view.spec;
    let fields: Vec<&ViewColumn> = spec
        .fields
        .iter()
        .filter(|column| {
            object
                .fields
                .iter()
                .any(|f| f.name == column.name && !access.policy().hides(object, f))
        })
        .collect();
    json!({
        "id": view.id,
        "objectMetadataId": view.object_id,
        "name": spec.name,
        "type": spec.kind,
        "visibility": visibility_name(visibility_of(view)),
        "filter": spec.filter,
        "orderBy": spec.order_by,
        "fields": fields,
        "kanbanField": spec.kanban_field,
        "createdBy": { "name": view.created_by },
        "createdAt": CellOutput(&view.created_at),
        "updatedAt": CellOutput(&view.updated_at),
    })
}

/// The spec a body describes, refused with the key at fault when the object cannot show it.
/// Columns in `kept` (the view's before a change) stay valid while their field exists.
fn spec_of(
    access: &RestAccess,
    object: &ObjectMeta,
    body: ViewBody,
    kept: &[ViewColumn],
) -> AppResult<ViewSpec> {
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(
            ApiError::invalid_field("name", format!("must be 1 to {MAX_NAME} characters")).into(),
        );
    }
    check_columns(access, object, &body.fields, kept)?;
    if let Some(field) = &body.kanban_field {
        let select = object
            .fields
            .iter()
            .find(|f| &f.name == field && f.is_active && !access.policy().hides(object, f));
        if select.is_none_or(|f| f.field_type != FieldType::Select) {
            return Err(ApiError::invalid_field(
                "kanbanField",
                format!("{field:?} is not a select field of {}", object.name_plural),
            )
            .into());
        }
    }
    let blank_is_none = |text: Option<String>| text.filter(|t| !t.trim().is_empty());
    Ok(ViewSpec {
        name,
        kind: body.kind,
        filter: blank_is_none(body.filter),
        order_by: blank_is_none(body.order_by),
        fields: body.fields,
        kanban_field: body.kanban_field,
    })
}

fn check_columns(
    access: &RestAccess,
    object: &ObjectMeta,
    columns: &[ViewColumn],
    kept: &[ViewColumn],
) -> AppResult<()> {
    if columns.len() > MAX_COLUMNS {
        return Err(
            ApiError::invalid_field("fields", format!("at most {MAX_COLUMNS} columns")).into(),
        );
    }
    for (i, column) in columns.iter().enumerate() {
        let key = format!("fields[{i}]");
        let known = object.fields.iter().any(|f| {
            f.name == column.name
                && f.is_active
                && (!access.policy().hides(object, f) || kept.iter().any(|k| k.name == f.name))
        });
        if !known {
            let message = format!("{} has no field {:?}", object.name_plural, column.name);
            return Err(ApiError::invalid_field(&format!("{key}.name"), message).into());
        }
        if columns[..i].iter().any(|c| c.name == column.name) {
            return Err(ApiError::invalid_field(&format!("{key}.name"), "is listed twice").into());
        }
        if column.width.is_some_and(|w| !WIDTHS.contains(&w)) {
            let message = format!("must be {} to {} pixels", WIDTHS.start(), WIDTHS.end());
            return Err(ApiError::invalid_field(&format!("{key}.width"), message).into());
        }
    }
    Ok(())
}

fn read_body(value: Value) -> AppResult<ViewBody> {
    serde_json::from_value(value).map_err(|e| ApiError::invalid_field("body", e.to_string()).into())
}

fn object_id_of(body: &ViewBody) -> AppResult<Uuid> {
    Uuid::parse_str(&body.object_metadata_id)
        .map_err(|_| ApiError::invalid_field("objectMetadataId", "is not an object's id").into())
}

pub async fn list(access: RestAccess, Query(params): Query<ListParams>) -> AppResult<Json<Value>> {
    access.require_scope(Scope::RecordsRead)?;
    let object_id = match params.object_metadata_id.filter(|id| !id.is_empty()) {
        Some(id) => {
            let id = Uuid::parse_str(&id).map_err(|_| {
                ApiError::invalid_field("objectMetadataId", "is not an object's id")
            })?;
            Some(access.view_object(id)?.id)
        }
        None => None,
    };
    let views = access
        .data
        .list_views(object_id, &access.principal_key())
        .await?;
    let shown: Vec<Value> = views
        .iter()
        .filter_map(|view| {
            let object = access.view_object(view.object_id).ok()?;
            Some(view_json(&access, object, view))
        })
        .collect();
    Ok(Json(json!({ "data": { "views": shown } })))
}

pub async fn show(access: RestAccess, Path(id): Path<String>) -> AppResult<Json<Value>> {
    access.require_scope(Scope::RecordsRead)?;
    let (view, object) = access.visible_view(&id).await?;
    Ok(Json(
        json!({ "data": { "view": view_json(&access, object, &view) } }),
    ))
}

pub async fn create(
    State(state): State<AppState>,
    access: RestAccess,
    Json(body): Json<Value>,
) -> AppResult<(StatusCode, Json<Value>)> {
    access.require_scope(Scope::RecordsWrite)?;
    let body = read_body(body)?;
    access.require_view_change(body.visibility)?;
    let object = access.view_object(object_id_of(&body)?)?;
    let owner = (body.visibility == Visibility::Personal).then(|| access.principal_key());
    let spec = spec_of(&access, object, body, &[])?;
    let id = access
        .data
        .create_view(object, owner.as_deref(), &spec, &access.actor.name)
        .await?;
    // The fields it sorts, filters or groups by get their indexes in the background.
    jobs::catch_up_fields_soon(&state, access.data.workspace_id());
    let view = access.data.view(id, &access.principal_key()).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "data": { "createOneView": view_json(&access, object, &view) } })),
    ))
}

pub async fn update(
    State(state): State<AppState>,
    access: RestAccess,
    Path(id): Path<String>,
    Json(change): Json<Map<String, Value>>,
) -> AppResult<Json<Value>> {
    access.require_scope(Scope::RecordsRead)?;
    let (view, object) = access.visible_view(&id).await?;
    access.require_view_change(visibility_of(&view))?;
    // The stored spec, hidden columns included: a change by someone who does not see them
    // keeps them for those who do.
    let mut current = serde_json::to_value(&view.spec).unwrap_or_default();
    current["objectMetadataId"] = json!(view.object_id);
    current["visibility"] = json!(visibility_name(visibility_of(&view)));
    if change
        .get("objectMetadataId")
        .is_some_and(|sent| sent != &current["objectMetadataId"])
    {
        return Err(ApiError::invalid_field("objectMetadataId", "cannot be changed").into());
    }
    if let Some(map) = current.as_object_mut() {
        map.extend(change);
    }
    let body = read_body(current)?;
    access.require_view_change(body.visibility)?;
    let owner = (body.visibility == Visibility::Personal).then(|| access.principal_key());
    let spec = spec_of(&access, object, body, &view.spec.fields)?;
    access
        .data
        .update_view(object, view.id, owner.as_deref(), &spec)
        .await?;
    jobs::catch_up_fields_soon(&state, access.data.workspace_id());
    let view = access.data.view(view.id, &access.principal_key()).await?;
    Ok(Json(
        json!({ "data": { "updateOneView": view_json(&access, object, &view) } }),
    ))
}

pub async fn delete(access: RestAccess, Path(id): Path<String>) -> AppResult<Json<Value>> {
    access.require_scope(Scope::RecordsRead)?;
    let (view, _) = access.visible_view(&id).await?;
    access.require_view_change(visibility_of(&view))?;
    access.data.delete_view(view.id).await?;
    Ok(Json(
        json!({ "data": { "deleteOneView": { "id": view.id } } }),
    ))
}
