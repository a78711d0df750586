//! The tools that read: the workspace's description, search, lists, a record, its timeline,
//! groups.

use super::tools::*;
use crate::AppState;
use crate::http::AppResult;
use crate::records::RestAccess;
use crate::records::handlers::{aggregates, field_path, optional_filter, optional_order};
use crate::records::shape;
use kith_core::ApiError;
use kith_core::access::Action;
use kith_core::metadata::ObjectMeta;
use kith_core::scope::Scope;
use kith_store::ListQuery;
use serde::Deserialize;
use serde_json::{Value, json};

pub(super) async fn describe_workspace(state: &AppState, access: &RestAccess) -> AppResult<Value> {
    let policy = access.policy();
    let objects: Vec<Value> = access
        .catalog
        .iter()
        .filter(|o| o.is_active && access.readable(&o.name_plural).is_ok())
        .map(|object| describe_object(access, object))
        .collect();
    let principal = match &access.token {
        Some(token) => json!({ "kind": "apiToken", "name": token.name, "id": token.id }),
        None => json!({ "kind": "person", "name": access.actor.name }),
    };
    let scopes: Vec<&str> = match &policy.scopes {
        Some(scopes) => scopes.iter().map(|s| s.as_str()).collect(),
        None => Scope::ALL.iter().map(|s| s.as_str()).collect(),
    };
    let custom_roles = state
        .db
        .workspace(&access.tenant)
        .roles()
        .await?
        .into_iter()
        .map(|role| json!({ "name": role.name, "custom": true, "permissions": role.permissions }))
        .collect::<Vec<_>>();
    let mut roles = vec![
        json!({ "name": "owner", "may": "everything, including deleting the workspace and transferring ownership" }),
        json!({ "name": "admin", "may": "everything on records and the data model, members, roles, tokens; permanent deletion" }),
        json!({ "name": "member", "may": "read, create, change and delete records" }),
        json!({ "name": "viewer", "may": "read records; sensitive values masked" }),
    ];
    roles.extend(custom_roles);
    Ok(json!({
        "workspace": { "id": access.tenant.workspace_id() },
        "you": {
            "principal": principal,
            "role": access.tenant.role().as_str(),
            "scopes": scopes,
            "sensitiveValuesInClear": policy.permissions.sensitive_in_clear,
        },
        "objects": objects,
        "roles": roles,
    }))
}

pub(super) fn describe_object(access: &RestAccess, object: &ObjectMeta) -> Value {
    let policy = access.policy();
    let fields: Vec<Value> = policy
        .visible_fields(object)
        .map(|field| {
            let mut described = json!({
                "name": field.key(),
                "label": field.label,
                "type": field.field_type,
                "required": !field.is_nullable,
                "unique": field.is_unique,
            });
            if !field.description.is_empty() {
                described["description"] = json!(field.description);
            }
            if !field.options.is_empty() {
                described["options"] = json!(field
                    .options
                    .iter()
                    .map(|o| json!({ "value": o.value, "label": o.label }))
                    .collect::<Vec<_>>());
            }
            if let Some(relation) = &field.relation {
                described["relation"] = json!({ "object": relation.target, "inverse": relation.inverse_name, "onDelete": relation.on_delete });
            }
            if policy.masks(field) {
                described["masked"] = json!(true);
            }
            described
        })
        .collect();
    json!({
        "object": object.name_plural,
        "singular": object.name_singular,
        "label": object.label_plural,
        "description": object.description,
        "custom": object.is_custom,
        "labelField": object.label_field,
        "youMay": {
            "read": true,
            "write": access.writable(&object.name_plural, "").is_ok(),
            "delete": access.writable(&object.name_plural, "").is_ok()
                && policy.check(Action::Delete, object).is_ok(),
        },
        "fields": fields,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SearchArgs {
    query: String,
    #[serde(default)]
    objects: Vec<String>,
    limit: Option<usize>,
}

pub(super) async fn search_records(access: &RestAccess, args: SearchArgs) -> AppResult<Value> {
    if args.query.trim().is_empty() {
        return Err(ApiError::invalid_field("query", "is required").into());
    }
    let limit = bounded("limit", args.limit, 20, SEARCH_MAX)?;
    let objects = if args.objects.is_empty() {
        access
            .catalog
            .iter()
            .filter(|o| o.is_active && access.readable(&o.name_plural).is_ok())
            .collect()
    } else {
        args.objects
            .iter()
            .map(|plural| access.readable(plural).map_err(|e| named(e, "objects")))
            .collect::<AppResult<Vec<_>>>()?
    };
    let hits = access.data.search(&objects, &args.query, limit).await?;
    let plural_of = |singular: &str| {
        access
            .catalog
            .iter()
            .find(|o| o.name_singular == singular)
            .map_or_else(|| singular.to_owned(), |o| o.name_plural.clone())
    };
    let hits: Vec<Value> = hits
        .iter()
        .map(|hit| json!({ "object": plural_of(&hit.object), "id": hit.record_id, "label": hit.label }))
        .collect();
    Ok(json!({ "hits": hits }))
}

/// A page size given or defaulted, refused outside `1..=max`.
pub(super) fn bounded(
    field: &str,
    given: Option<usize>,
    default: usize,
    max: usize,
) -> AppResult<usize> {
    let size = given.unwrap_or(default);
    if !(1..=max).contains(&size) {
        return Err(ApiError::invalid_field(field, format!("must be between 1 and {max}")).into());
    }
    Ok(size)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListArgs {
    object: String,
    filter: Option<String>,
    order_by: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
    fields: Option<Vec<String>>,
    #[serde(default)]
    count: bool,
}

pub(super) async fn list_records(
    state: &AppState,
    access: &RestAccess,
    args: ListArgs,
) -> AppResult<Value> {
    let object = readable(access, &args.object)?;
    let query = ListQuery {
        filter: optional_filter(args.filter.as_deref())?,
        order_by: optional_order(args.order_by.as_deref())?,
        limit: bounded("limit", args.limit, 20, LIST_MAX)?,
        starting_after: args
            .cursor
            .filter(|c| !c.trim().is_empty())
            .map(|c| record_uuid("cursor", &c).map(|id| id.to_string()))
            .transpose()?,
        ending_before: None,
        with_total: args.count,
    };
    let keys = match &args.fields {
        Some(fields) => shape::field_list(object, Some(&fields.join(",")))?,
        None => None,
    };
    let mut page = access
        .data
        .list_records(object, &query)
        .await
        .map_err(|e| renamed(e.into(), "starting_after", "cursor"))?;
    shape::embed_relations(state, access, object, &mut page.records).await?;
    if let Some(keys) = &keys {
        page.records = page
            .records
            .into_iter()
            .map(|r| shape::keep_fields(r, keys))
            .collect();
    }
    let mut answer = json!({
        "records": page.records,
        "next_cursor": if page.has_next_page { page.end_cursor } else { None },
        "has_more": page.has_next_page,
    });
    if let Some(total) = page.total_count {
        answer["total_count"] = json!(total);
    }
    Ok(answer)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RecordArgs {
    object: String,
    id: String,
    #[serde(default)]
    related: bool,
}

pub(super) async fn get_record(
    state: &AppState,
    access: &RestAccess,
    args: RecordArgs,
) -> AppResult<Value> {
    let object = readable(access, &args.object)?;
    let id = record_uuid("id", &args.id)?;
    let record = found(object, access.data.get_record(object, id).await?)?;
    let mut records = [record];
    shape::embed_relations(state, access, object, &mut records).await?;
    let [record] = records;
    let mut answer = json!({ "record": record });
    if args.related {
        for kind in ["tasks", "notes"] {
            if let Ok(source) = access.readable(kind) {
                answer[kind] = json!(access.data.linked_to(source, id).await?);
            }
        }
    }
    Ok(answer)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TimelineArgs {
    object: String,
    id: String,
    limit: Option<usize>,
    cursor: Option<String>,
}

pub(super) async fn get_timeline(access: &RestAccess, args: TimelineArgs) -> AppResult<Value> {
    let object = readable(access, &args.object)?;
    let id = record_uuid("id", &args.id)?;
    let limit = bounded("limit", args.limit, 20, LIST_MAX)?;
    let before = args
        .cursor
        .filter(|c| !c.trim().is_empty())
        .map(|c| record_uuid("cursor", &c))
        .transpose()?;
    if !access.data.record_exists(object, id).await? {
        return found(object, None);
    }
    let (events, more) = access.data.timeline(object, id, limit, before).await?;
    let next = if more {
        events.last().map(|e| e["id"].clone())
    } else {
        None
    };
    Ok(json!({ "events": events, "next_cursor": next, "has_more": more }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GroupArgs {
    object: String,
    field: String,
    aggregate: Option<String>,
    filter: Option<String>,
}

pub(super) async fn group_by(access: &RestAccess, args: GroupArgs) -> AppResult<Value> {
    let object = readable(access, &args.object)?;
    if args.field.trim().is_empty() {
        return Err(ApiError::invalid_field("field", "is required").into());
    }
    let aggregates = aggregates(args.aggregate.as_deref().unwrap_or("count"))?;
    let filter = optional_filter(args.filter.as_deref())?;
    let groups = access
        .data
        .group_by(
            object,
            &field_path(&args.field),
            &aggregates,
            filter.as_ref(),
        )
        .await?;
    Ok(json!({ "groups": groups }))
}
