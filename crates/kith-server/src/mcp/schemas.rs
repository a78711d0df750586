//! The tools' input and output schemas, filled from the workspace's live catalog: the `object`
//! arguments are enums of the objects the caller may use that way.

use super::tools::*;
use crate::records::RestAccess;
use kith_core::access::Action;
use rmcp::model::{Tool, ToolAnnotations};
use serde_json::{Map, Value, json};
use std::sync::Arc;

pub(super) const FILTER_HELP: &str = "filter: `field[op]:value`, combined with and(...), or(...), not(...); commas at the top level mean and. \
Operators: eq neq in containsAny is gt gte lt lte startsWith endsWith like ilike. Values: \"quoted text\", bare words and numbers, \
[a,b] lists for in and containsAny, NULL / NOT_NULL for is. Parts of composite fields with a dot. Examples: \
`name[ilike]:\"%acme%\"`, `emails.primaryEmail[eq]:\"ada@example.com\"`, `or(stage[eq]:NEW,stage[eq]:MEETING)`, \
`amount.amountMicros[gte]:1000000000`, `companyId[eq]:\"<company id>\"`, `closeDate[lt]:\"2026-01-01\"`. \
order_by: `field[AscNullsFirst|AscNullsLast|DescNullsFirst|DescNullsLast]`, comma-separated, e.g. `createdAt[DescNullsLast]`. \
Records in the trash are left out unless the filter mentions deletedAt.";

pub(super) fn tool(access: &RestAccess, spec: &Spec) -> Tool {
    let annotations = ToolAnnotations::with_title(spec.title)
        .read_only(spec.effect.read_only)
        .destructive(spec.effect.destructive)
        .idempotent(spec.effect.idempotent)
        .open_world(false);
    let description = if matches!(spec.name, "list_records" | "group_by") {
        format!("{} {FILTER_HELP}", spec.description)
    } else {
        spec.description.to_owned()
    };
    Tool::new(spec.name, description, schema(input_schema(access, spec)))
        .with_title(spec.title)
        .with_raw_output_schema(schema(output_schema(spec.name)))
        .with_annotations(annotations)
}

pub(super) fn schema(value: Value) -> Arc<Map<String, Value>> {
    match value {
        Value::Object(map) => Arc::new(map),
        _ => Arc::new(Map::new()),
    }
}

/// The plural names of the objects the caller may act on for `needs`, for the `object` enum.
pub(super) fn object_names(access: &RestAccess, action: Action) -> Vec<String> {
    access
        .catalog
        .iter()
        .filter(|o| o.is_active && access.readable(&o.name_plural).is_ok())
        .filter(|o| access.policy().check(action, o).is_ok())
        .map(|o| o.name_plural.clone())
        .collect()
}

pub(super) fn object_property(names: Vec<String>) -> Value {
    json!({
        "type": "string",
        "enum": names,
        "description": "The object's plural API name (companies, people, opportunities, tasks, notes, or a custom object's), as describe_workspace lists them.",
    })
}

pub(super) fn id_property(what: &str) -> Value {
    json!({ "type": "string", "format": "uuid", "description": what })
}

pub(super) fn dry_run_property() -> Value {
    json!({
        "type": "boolean",
        "default": false,
        "description": "Run the write and answer what it would change, then roll it back: nothing is stored.",
    })
}

pub(super) fn values_property(what: &str) -> Value {
    json!({
        "type": "object",
        "additionalProperties": true,
        "description": format!("{what}, by field API name as describe_workspace gives them; composite fields as objects, e.g. {{\"name\":{{\"firstName\":\"Ada\",\"lastName\":\"Lovelace\"}},\"emails\":{{\"primaryEmail\":\"ada@example.com\"}},\"companyId\":\"<company id>\"}}, {{\"amount\":{{\"amountMicros\":5000000000,\"currencyCode\":\"EUR\"}}}}."),
    })
}

pub(super) fn object_schema(properties: Value, required: &[&str]) -> Value {
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

pub(super) fn input_schema(access: &RestAccess, spec: &Spec) -> Value {
    let mut schema = tool_input_schema(access, spec);
    let writes = !spec.effect.read_only && spec.name != "revert_change_set";
    if writes && let Some(properties) = schema["properties"].as_object_mut() {
        properties.insert(
            "change_set".into(),
            id_property("Put this write in this change set (yours, or a new one with this id) instead of your latest."),
        );
    }
    schema
}

pub(super) fn tool_input_schema(access: &RestAccess, spec: &Spec) -> Value {
    let readable = || object_property(object_names(access, Action::Read));
    let writable = || object_property(object_names(access, Action::Write));
    let deletable = || object_property(object_names(access, Action::Delete));
    let target = || {
        json!({
            "type": "object",
            "properties": {
                "object": object_property(object_names(access, Action::Read)),
                "id": id_property("The record's id."),
            },
            "required": ["object", "id"],
            "additionalProperties": false,
            "description": "The record this is about.",
        })
    };
    match spec.name {
        "describe_workspace" => object_schema(json!({}), &[]),
        "search_records" => object_schema(
            json!({
                "query": { "type": "string", "minLength": 1, "description": "Words to look for; each matches the start of a word (\"acm\" finds Acme)." },
                "objects": { "type": "array", "items": readable(), "description": "Only these objects (all you may read when absent)." },
                "limit": { "type": "integer", "minimum": 1, "maximum": SEARCH_MAX, "default": 20 },
            }),
            &["query"],
        ),
        "list_records" => object_schema(
            json!({
                "object": readable(),
                "filter": { "type": "string", "description": "See the tool's description, e.g. stage[eq]:NEW." },
                "order_by": { "type": "string", "description": "e.g. createdAt[DescNullsLast]; id breaks ties." },
                "limit": { "type": "integer", "minimum": 1, "maximum": LIST_MAX, "default": 20 },
                "cursor": { "type": "string", "description": "next_cursor of the previous page." },
                "fields": { "type": "array", "items": { "type": "string" }, "description": "Only these fields of each record (id always)." },
                "count": { "type": "boolean", "default": false, "description": "Also answer how many records match in all." },
            }),
            &["object"],
        ),
        "get_record" => object_schema(
            json!({
                "object": readable(),
                "id": id_property("The record's id."),
                "related": { "type": "boolean", "default": false, "description": "Also the tasks and notes linked to the record." },
            }),
            &["object", "id"],
        ),
        "create_record" => object_schema(
            json!({ "object": writable(), "values": values_property("The new record's fields"), "dry_run": dry_run_property() }),
            &["object", "values"],
        ),
        "update_record" => object_schema(
            json!({
                "object": writable(),
                "id": id_property("The record to change."),
                "values": values_property("The fields to change"),
                "dry_run": dry_run_property(),
            }),
            &["object", "id", "values"],
        ),
        "delete_record" => object_schema(
            json!({ "object": deletable(), "id": id_property("The record to move to the trash."), "dry_run": dry_run_property() }),
            &["object", "id"],
        ),
        "restore_record" => object_schema(
            json!({ "object": writable(), "id": id_property("The record to bring back."), "dry_run": dry_run_property() }),
            &["object", "id"],
        ),
        "upsert_records" => object_schema(
            json!({
                "object": writable(),
                "records": { "type": "array", "minItems": 1, "maxItems": UPSERT_MAX, "items": values_property("A record's fields, with the unique field (or id) to match on") },
                "dry_run": dry_run_property(),
            }),
            &["object", "records"],
        ),
        "merge_records" => object_schema(
            json!({
                "object": deletable(),
                "keep_id": id_property("The record that stays; its values win where both have one."),
                "merge_ids": { "type": "array", "minItems": 1, "maxItems": kith_store::data::MERGE_MAX_RECORDS - 1, "items": id_property("A record merged into the kept one, then trashed.") },
                "dry_run": dry_run_property(),
            }),
            &["object", "keep_id", "merge_ids"],
        ),
        "add_note" => object_schema(
            json!({
                "target": target(),
                "title": { "type": "string" },
                "body": { "type": "string", "description": "Markdown." },
                "dry_run": dry_run_property(),
            }),
            &["target", "title"],
        ),
        "create_task" => object_schema(
            json!({
                "target": target(),
                "title": { "type": "string" },
                "body": { "type": "string", "description": "Markdown." },
                "due_at": { "type": "string", "format": "date-time" },
                "status": { "type": "string", "enum": ["TODO", "IN_PROGRESS", "DONE"] },
                "assignee_id": id_property("The member the task is for (their user id)."),
                "dry_run": dry_run_property(),
            }),
            &["target", "title"],
        ),
        "revert_change_set" => object_schema(
            json!({
                "change_set": id_property("The change set to undo, as a write answered it (changeSet)."),
                "dry_run": dry_run_property(),
            }),
            &["change_set"],
        ),
        "get_timeline" => object_schema(
            json!({
                "object": readable(),
                "id": id_property("The record's id."),
                "limit": { "type": "integer", "minimum": 1, "maximum": LIST_MAX, "default": 20 },
                "cursor": { "type": "string", "description": "next_cursor of the previous page." },
            }),
            &["object", "id"],
        ),
        "group_by" => object_schema(
            json!({
                "object": readable(),
                "field": { "type": "string", "description": "The field to group by (a select, text, relation, boolean...; a part with a dot)." },
                "aggregate": { "type": "string", "default": "count", "description": "Comma-separated: count, sum:field, avg:field, min:field, max:field." },
                "filter": { "type": "string" },
            }),
            &["object", "field"],
        ),
        _ => object_schema(json!({}), &[]),
    }
}

pub(super) fn output_schema(name: &str) -> Value {
    let records = json!({ "type": "array", "items": { "type": "object" } });
    let change = json!({
        "type": "object",
        "properties": {
            "action": { "type": "string", "enum": ["created", "updated", "deleted", "restored", "merged", "linked"] },
            "object": { "type": "string" },
            "id": { "type": "string" },
            "fields": { "type": "object", "description": "For an update or a merge: each changed field, {\"before\": …, \"after\": …}." },
        },
        "required": ["action", "object", "id"],
    });
    let write = |record: Value| {
        json!({
            "type": "object",
            "properties": {
                "dryRun": { "type": "boolean", "description": "True when nothing was stored." },
                "changeSet": { "type": ["string", "null"], "description": "The change set the write went to: revert_change_set undoes it." },
                "changes": { "type": "array", "items": change.clone() },
                "record": record,
            },
            "required": ["dryRun", "changes"],
        })
    };
    match name {
        "describe_workspace" => json!({
            "type": "object",
            "properties": { "workspace": { "type": "object" }, "you": { "type": "object" }, "objects": records, "roles": records },
            "required": ["workspace", "you", "objects"],
        }),
        "search_records" => json!({
            "type": "object",
            "properties": { "hits": records },
            "required": ["hits"],
        }),
        "list_records" => json!({
            "type": "object",
            "properties": {
                "records": records,
                "next_cursor": { "type": ["string", "null"] },
                "has_more": { "type": "boolean" },
                "total_count": { "type": "integer" },
            },
            "required": ["records", "has_more"],
        }),
        "get_record" => json!({
            "type": "object",
            "properties": { "record": { "type": "object" }, "tasks": records, "notes": records },
            "required": ["record"],
        }),
        "upsert_records" => {
            let mut schema = write(json!({}));
            schema["properties"]
                .as_object_mut()
                .map(|p| p.remove("record"));
            schema["properties"]["records"] = records;
            schema
        }
        "get_timeline" => json!({
            "type": "object",
            "properties": { "events": records, "next_cursor": { "type": ["string", "null"] }, "has_more": { "type": "boolean" } },
            "required": ["events", "has_more"],
        }),
        "group_by" => json!({
            "type": "object",
            "properties": { "groups": records },
            "required": ["groups"],
        }),
        _ => write(json!({ "type": "object" })),
    }
}
