//! The tools that write, each answering what it changed (`changes`) and, in a dry run, what it
//! would have: the store's write runs in a transaction that is rolled back.

use super::tools::*;
use crate::http::{AppError, AppResult};
use crate::records::RestAccess;
use kith_core::ApiError;
use kith_core::metadata::ObjectMeta;
use serde::Deserialize;
use serde_json::{Map, Value, json};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RevertArgs {
    change_set: String,
    #[serde(default, rename = "dry_run")]
    _dry_run: bool,
}

pub(super) async fn revert_change_set(access: &RestAccess, args: RevertArgs) -> AppResult<Value> {
    let id = record_uuid("change_set", &args.change_set)?;
    let not_yours = || {
        AppError::from(ApiError::refused_field(
            kith_core::ErrorCode::NotFound,
            "change_set",
            "is not a change set of yours",
        ))
    };
    let owner = access
        .data
        .change_set_owner(id)
        .await?
        .ok_or_else(not_yours)?;
    if Some(owner) != access.change_set_principal() {
        return Err(not_yours());
    }
    let outcome = access
        .data
        .revert_change_set(&access.catalog, id, &access.actor)
        .await?;
    let changes: Vec<Value> = outcome["reverted"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|step| json!({ "action": step["action"], "object": step["object"], "id": step["id"] }))
        .collect();
    Ok(json!({
        "changes": changes,
        "conflicts": outcome["conflicts"],
        "skipped": outcome["skipped"],
    }))
}

pub(super) fn record_change(action: &str, object: &ObjectMeta, record: &Value) -> Value {
    json!({ "action": action, "object": object.name_plural, "id": record["id"] })
}

/// Each field that differs between two states of a record, as the timeline shows a change:
/// `{"stage":{"before":"NEW","after":"WON"}}`.
pub(super) fn changed_fields(before: &Value, after: &Value) -> Map<String, Value> {
    let (Some(before), Some(after)) = (before.as_object(), after.as_object()) else {
        return Map::new();
    };
    after
        .iter()
        .filter(|(key, _)| !matches!(key.as_str(), "updatedAt" | "updatedBy"))
        .filter(|(key, value)| before.get(*key) != Some(value))
        .map(|(key, value)| {
            let old = before.get(key).cloned().unwrap_or(Value::Null);
            (key.clone(), json!({ "before": old, "after": value }))
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateArgs {
    object: String,
    values: Map<String, Value>,
    #[serde(default, rename = "dry_run")]
    _dry_run: bool,
}

pub(super) async fn create_record(access: &RestAccess, args: CreateArgs) -> AppResult<Value> {
    let object = writable(access, &args.object, "creating records")?;
    let record = access
        .data
        .create_record(&access.catalog, object, &args.values, &access.actor)
        .await
        .map_err(|e| under(e.into(), "values"))?;
    Ok(json!({ "changes": [record_change("created", object, &record)], "record": record }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UpdateArgs {
    object: String,
    id: String,
    values: Map<String, Value>,
    #[serde(default, rename = "dry_run")]
    _dry_run: bool,
}

pub(super) async fn update_record(access: &RestAccess, args: UpdateArgs) -> AppResult<Value> {
    let object = writable(access, &args.object, "changing records")?;
    let id = record_uuid("id", &args.id)?;
    let before = found(object, access.data.get_record(object, id).await?)?;
    let after = access
        .data
        .update_record(&access.catalog, object, id, &args.values, &access.actor)
        .await
        .map_err(|e| under(e.into(), "values"))?;
    let mut change = record_change("updated", object, &after);
    change["fields"] = Value::Object(changed_fields(&before, &after));
    Ok(json!({ "changes": [change], "record": after }))
}

/// A write to one record named by id (delete, restore).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RecordWriteArgs {
    object: String,
    id: String,
    #[serde(default, rename = "dry_run")]
    _dry_run: bool,
}

pub(super) async fn delete_record(access: &RestAccess, args: RecordWriteArgs) -> AppResult<Value> {
    let object = writable(access, &args.object, "deleting records")?;
    let id = record_uuid("id", &args.id)?;
    let record = access.data.delete_record(object, id, &access.actor).await?;
    Ok(json!({ "changes": [record_change("deleted", object, &record)], "record": record }))
}

pub(super) async fn restore_record(access: &RestAccess, args: RecordWriteArgs) -> AppResult<Value> {
    let object = writable(access, &args.object, "restoring records")?;
    let id = record_uuid("id", &args.id)?;
    let record = access
        .data
        .restore_record(object, id, &access.actor)
        .await?;
    Ok(json!({ "changes": [record_change("restored", object, &record)], "record": record }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UpsertArgs {
    object: String,
    records: Vec<Map<String, Value>>,
    #[serde(default, rename = "dry_run")]
    _dry_run: bool,
}

pub(super) async fn upsert_records(access: &RestAccess, args: UpsertArgs) -> AppResult<Value> {
    let object = writable(access, &args.object, "creating records")?;
    if args.records.is_empty() || args.records.len() > UPSERT_MAX {
        return Err(ApiError::invalid_field(
            "records",
            format!("must hold 1 to {UPSERT_MAX} records"),
        )
        .into());
    }
    let results = access
        .data
        .upsert_records(&access.catalog, object, &args.records, &access.actor)
        .await
        .map_err(|e| under(e.into(), "records"))?;
    let changes: Vec<Value> = results
        .iter()
        .map(|(record, created)| {
            record_change(if *created { "created" } else { "updated" }, object, record)
        })
        .collect();
    let records: Vec<Value> = results.into_iter().map(|(record, _)| record).collect();
    Ok(json!({ "changes": changes, "records": records }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MergeArgs {
    object: String,
    keep_id: String,
    merge_ids: Vec<String>,
    #[serde(default)]
    dry_run: bool,
}

pub(super) async fn merge_records(access: &RestAccess, args: MergeArgs) -> AppResult<Value> {
    let object = writable(access, &args.object, "merging records")?;
    let keep = record_uuid("keep_id", &args.keep_id)?;
    let others = args
        .merge_ids
        .iter()
        .map(|id| record_uuid("merge_ids", id))
        .collect::<AppResult<Vec<_>>>()?;
    let before = found(object, access.data.get_record(object, keep).await?)?;
    let merged = access
        .data
        .merge_records(
            &access.catalog,
            object,
            keep,
            &others,
            &access.actor,
            args.dry_run,
        )
        .await
        .map_err(|e| {
            renamed(
                renamed(e.into(), "keepId", "keep_id"),
                "mergeIds",
                "merge_ids",
            )
        })?;
    let mut kept = record_change("merged", object, &merged);
    kept["fields"] = Value::Object(changed_fields(&before, &merged));
    let mut changes = vec![kept];
    changes.extend(
        others
            .iter()
            .map(|id| json!({ "action": "deleted", "object": object.name_plural, "id": id })),
    );
    Ok(json!({ "changes": changes, "record": merged }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Target {
    object: String,
    id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LinkedArgs {
    target: Target,
    title: String,
    body: Option<String>,
    due_at: Option<String>,
    status: Option<String>,
    assignee_id: Option<String>,
    #[serde(default, rename = "dry_run")]
    _dry_run: bool,
}

/// `add_note` and `create_task`: a record of `plural` linked to the target, in one transaction.
pub(super) async fn add_linked(
    access: &RestAccess,
    plural: &str,
    args: LinkedArgs,
) -> AppResult<Value> {
    let source = writable(access, plural, "creating records")?;
    let target = access
        .readable(&args.target.object)
        .map_err(|e| named(e, "target.object"))?;
    let target_id = record_uuid("target.id", &args.target.id)?;
    let mut values = Map::new();
    values.insert("title".into(), json!(args.title));
    if let Some(body) = args.body {
        values.insert("body".into(), json!(body));
    }
    if plural == "tasks" {
        for (key, value) in [
            ("dueAt", args.due_at),
            ("status", args.status),
            ("assigneeId", args.assignee_id),
        ] {
            if let Some(value) = value {
                values.insert(key.into(), json!(value));
            }
        }
    } else if let Some(key) = [
        ("due_at", &args.due_at),
        ("status", &args.status),
        ("assignee_id", &args.assignee_id),
    ]
    .iter()
    .find(|(_, v)| v.is_some())
    .map(|(k, _)| *k)
    {
        return Err(ApiError::invalid_field(key, "is for tasks, not notes").into());
    }
    let record = access
        .data
        .create_linked(
            &access.catalog,
            source,
            &values,
            target,
            target_id,
            &access.actor,
        )
        .await
        .map_err(|e| {
            let e = renamed(e.into(), "targetId", "target.id");
            renamed(renamed(e, "dueAt", "due_at"), "assigneeId", "assignee_id")
        })?;
    let linked = json!({ "action": "linked", "object": target.name_plural, "id": target_id });
    Ok(json!({
        "changes": [record_change("created", source, &record), linked],
        "record": record,
    }))
}
