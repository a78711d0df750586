//! The tools: one set for every object, described from the workspace's live metadata, each run
//! through the caller's [`RestAccess`] and the same store calls as the REST API. A tool the
//! caller's grant does not allow is not listed, and refused when called anyway.

use crate::AppState;
use crate::http::{AppError, AppResult};
use crate::records::RestAccess;
use crate::records::handlers::{aggregates, field_path, optional_filter, optional_order};
use crate::records::shape;
use kith_core::access::Action;
use kith_core::metadata::ObjectMeta;
use kith_core::scope::Scope;
use kith_core::{ApiError, Role};
use kith_store::ListQuery;
use rmcp::model::{Tool, ToolAnnotations};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use uuid::Uuid;

/// The most records one page of `list_records` holds (REST allows 200: a model reads every one).
pub const LIST_MAX: usize = 100;
/// The most hits `search_records` returns.
pub const SEARCH_MAX: usize = 50;
/// The most records one `upsert_records` call takes.
pub const UPSERT_MAX: usize = 100;

/// What a tool needs of the caller's grant.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Needs {
    /// `records:read` and some object to read.
    Read,
    /// `records:write`, the member role and some object to change.
    Write,
    /// As `Write`, on an object whose records the caller may delete.
    Delete,
    /// As `Write`, on this object (by plural name).
    WriteTo(&'static str),
}

/// How a tool changes the workspace, for its annotations.
#[derive(Clone, Copy)]
struct Effect {
    read_only: bool,
    destructive: bool,
    idempotent: bool,
}

const READS: Effect = Effect {
    read_only: true,
    destructive: false,
    idempotent: true,
};
const ADDS: Effect = Effect {
    read_only: false,
    destructive: false,
    idempotent: false,
};
const OVERWRITES: Effect = Effect {
    read_only: false,
    destructive: true,
    idempotent: true,
};

struct Spec {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    needs: Needs,
    effect: Effect,
}

const FILTER_HELP: &str = "filter: `field[op]:value`, combined with and(...), or(...), not(...); commas at the top level mean and. \
Operators: eq neq in containsAny is gt gte lt lte startsWith endsWith like ilike. Values: \"quoted text\", bare words and numbers, \
[a,b] lists for in and containsAny, NULL / NOT_NULL for is. Parts of composite fields with a dot. Examples: \
`name[ilike]:\"%acme%\"`, `emails.primaryEmail[eq]:\"ada@example.com\"`, `or(stage[eq]:NEW,stage[eq]:MEETING)`, \
`amount.amountMicros[gte]:1000000000`, `companyId[eq]:\"<company id>\"`, `closeDate[lt]:\"2026-01-01\"`. \
order_by: `field[AscNullsFirst|AscNullsLast|DescNullsFirst|DescNullsLast]`, comma-separated, e.g. `createdAt[DescNullsLast]`. \
Records in the trash are left out unless the filter mentions deletedAt.";

const SPECS: &[Spec] = &[
    Spec {
        name: "describe_workspace",
        title: "Describe the workspace",
        description: "Call this first. The workspace's objects (standard and custom) with their fields: API name, type, \
whether required or unique, select options, relations and the object they point at; what your grant may do on each \
object (read, write, delete); and the built-in roles. Field names and select option values here are the ones every \
other tool takes.",
        needs: Needs::Read,
        effect: READS,
    },
    Spec {
        name: "search_records",
        title: "Search records",
        description: "Find records by words in their name, emails, domain, phones and other text, across every object \
you may read or the ones named, best matches first. Each hit gives the object, the record id and its label; read the \
record with get_record.",
        needs: Needs::Read,
        effect: READS,
    },
    Spec {
        name: "list_records",
        title: "List records",
        description: "One page of an object's records, filtered and ordered. Pass next_cursor back as cursor for the \
next page.",
        needs: Needs::Read,
        effect: READS,
    },
    Spec {
        name: "get_record",
        title: "Get a record",
        description: "One record by id, with the records its relations point at embedded (a person's company) and, \
with related: true, the tasks and notes linked to it.",
        needs: Needs::Read,
        effect: READS,
    },
    Spec {
        name: "create_record",
        title: "Create a record",
        description: "Creates a record of an object from field values (names as describe_workspace gives them; a \
relation `company` is written as companyId). With dry_run: true nothing is written and the answer is the record \
that would be created.",
        needs: Needs::Write,
        effect: ADDS,
    },
    Spec {
        name: "update_record",
        title: "Update a record",
        description: "Changes the given fields of a record; the others keep their values (parts of a composite field \
may be given alone). The answer lists each changed field, before and after. With dry_run: true nothing is written.",
        needs: Needs::Write,
        effect: OVERWRITES,
    },
    Spec {
        name: "delete_record",
        title: "Move a record to the trash",
        description: "Moves a record to the trash, from where restore_record brings it back. With dry_run: true \
nothing is written.",
        needs: Needs::Delete,
        effect: OVERWRITES,
    },
    Spec {
        name: "restore_record",
        title: "Restore a record from the trash",
        description: "Brings a record back from the trash. With dry_run: true nothing is written.",
        needs: Needs::Write,
        effect: Effect {
            destructive: false,
            ..OVERWRITES
        },
    },
    Spec {
        name: "upsert_records",
        title: "Create or update records",
        description: "For each record given, updates the live record that has the same value of a unique field \
(a person's primary email, a company's domain, a custom unique field) or the same id, or else creates it; all or \
none. The answer says for each whether it was created or updated. With dry_run: true nothing is written.",
        needs: Needs::Write,
        effect: OVERWRITES,
    },
    Spec {
        name: "merge_records",
        title: "Merge duplicate records",
        description: "Merges records into the one kept: it takes their values where it has none, every relation, task \
and note moves to it, and the others go to the trash. Find candidates with search_records. With dry_run: true \
nothing is written and the answer is the record as it would be.",
        needs: Needs::Delete,
        effect: Effect {
            idempotent: false,
            ..OVERWRITES
        },
    },
    Spec {
        name: "add_note",
        title: "Add a note to a record",
        description: "Writes a note (title and Markdown body) linked to a record of any object; it shows on the \
record's timeline. With dry_run: true nothing is written.",
        needs: Needs::WriteTo("notes"),
        effect: ADDS,
    },
    Spec {
        name: "create_task",
        title: "Create a task on a record",
        description: "Creates a task linked to a record of any object, with an optional due date (RFC 3339), status \
(TODO, IN_PROGRESS, DONE) and assignee (a member's id). With dry_run: true nothing is written.",
        needs: Needs::WriteTo("tasks"),
        effect: ADDS,
    },
    Spec {
        name: "revert_change_set",
        title: "Undo a change set",
        description: "Undoes the writes of one of your change sets (every write answers the changeSet it went to): \
fields back to their values before it, records it created to the trash, records it deleted restored. A field someone \
else changed since is left alone and reported as a conflict. With dry_run: true nothing is written and the answer is \
what would be put back.",
        needs: Needs::Write,
        effect: Effect {
            idempotent: false,
            ..OVERWRITES
        },
    },
    Spec {
        name: "get_timeline",
        title: "Get a record's timeline",
        description: "What happened to a record, newest first: created, each change field by field (before and after), \
notes and tasks linked, deleted, restored, merged, with who did it.",
        needs: Needs::Read,
        effect: READS,
    },
    Spec {
        name: "group_by",
        title: "Count and add up records by group",
        description: "Groups an object's records by a field and counts them or adds up a number field per group, e.g. \
the pipeline by stage: object opportunities, field stage, aggregate `count,sum:amount` (a currency adds up its \
amountMicros). Takes the same filter as list_records.",
        needs: Needs::Read,
        effect: READS,
    },
];

/// Whether the caller's grant allows what a tool needs.
fn allows(access: &RestAccess, needs: Needs) -> bool {
    let policy = access.policy();
    let writer = || {
        policy.require_role(Role::Member, "").is_ok()
            && policy.require_scope(Scope::RecordsWrite).is_ok()
    };
    let any = |action: Action| {
        access.catalog.iter().any(|o| {
            o.is_active
                && access.readable(&o.name_plural).is_ok()
                && policy.check(action, o).is_ok()
        })
    };
    match needs {
        Needs::Read => policy.require_scope(Scope::RecordsRead).is_ok() && any(Action::Read),
        Needs::Write => writer() && any(Action::Write),
        Needs::Delete => writer() && any(Action::Delete),
        Needs::WriteTo(plural) => access.writable(plural, "").is_ok(),
    }
}

/// The tools the caller may use, in a fixed order, with schemas naming the workspace's objects.
pub fn listed(access: &RestAccess) -> Vec<Tool> {
    SPECS
        .iter()
        .filter(|spec| allows(access, spec.needs))
        .map(|spec| tool(access, spec))
        .collect()
}

fn tool(access: &RestAccess, spec: &Spec) -> Tool {
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

fn schema(value: Value) -> Arc<Map<String, Value>> {
    match value {
        Value::Object(map) => Arc::new(map),
        _ => Arc::new(Map::new()),
    }
}

/// The plural names of the objects the caller may act on for `needs`, for the `object` enum.
fn object_names(access: &RestAccess, action: Action) -> Vec<String> {
    access
        .catalog
        .iter()
        .filter(|o| o.is_active && access.readable(&o.name_plural).is_ok())
        .filter(|o| access.policy().check(action, o).is_ok())
        .map(|o| o.name_plural.clone())
        .collect()
}

fn object_property(names: Vec<String>) -> Value {
    json!({
        "type": "string",
        "enum": names,
        "description": "The object's plural API name (companies, people, opportunities, tasks, notes, or a custom object's), as describe_workspace lists them.",
    })
}

fn id_property(what: &str) -> Value {
    json!({ "type": "string", "format": "uuid", "description": what })
}

fn dry_run_property() -> Value {
    json!({
        "type": "boolean",
        "default": false,
        "description": "Run the write and answer what it would change, then roll it back: nothing is stored.",
    })
}

fn values_property(what: &str) -> Value {
    json!({
        "type": "object",
        "additionalProperties": true,
        "description": format!("{what}, by field API name as describe_workspace gives them; composite fields as objects, e.g. {{\"name\":{{\"firstName\":\"Ada\",\"lastName\":\"Lovelace\"}},\"emails\":{{\"primaryEmail\":\"ada@example.com\"}},\"companyId\":\"<company id>\"}}, {{\"amount\":{{\"amountMicros\":5000000000,\"currencyCode\":\"EUR\"}}}}."),
    })
}

fn object_schema(properties: Value, required: &[&str]) -> Value {
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

fn input_schema(access: &RestAccess, spec: &Spec) -> Value {
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

fn tool_input_schema(access: &RestAccess, spec: &Spec) -> Value {
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

fn output_schema(name: &str) -> Value {
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

/// Runs a tool for the caller; an error names the argument that is wrong.
pub async fn call(
    state: &AppState,
    access: RestAccess,
    name: &str,
    arguments: Map<String, Value>,
) -> AppResult<Value> {
    let Some(spec) = SPECS.iter().find(|s| s.name == name) else {
        return Err(ApiError::new(
            kith_core::ErrorCode::NotFound,
            format!("there is no tool called {name:?}; tools/list names them"),
        )
        .into());
    };
    if !allows(&access, spec.needs) {
        return Err(ApiError::forbidden(format!(
            "{name} is not allowed by this grant (its role, scopes or objects)"
        ))
        .into());
    }
    let args = Value::Object(arguments);
    match name {
        "describe_workspace" => describe_workspace(state, &access).await,
        "search_records" => search_records(&access, parse(args)?).await,
        "list_records" => list_records(state, &access, parse(args)?).await,
        "get_record" => get_record(state, &access, parse(args)?).await,
        "get_timeline" => get_timeline(&access, parse(args)?).await,
        "group_by" => group_by(&access, parse(args)?).await,
        _ => write(access, name, args).await,
    }
}

/// Tools that write: with `dry_run`, through a store handle that rolls every write back.
async fn write(mut access: RestAccess, name: &str, mut args: Value) -> AppResult<Value> {
    let dry_run = args
        .get("dry_run")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if dry_run {
        access.data = access.data.rehearsing();
    }
    // revert_change_set names the change set it undoes, not one to write in.
    let named = args
        .as_object_mut()
        .filter(|_| name != "revert_change_set")
        .and_then(|map| map.remove("change_set"));
    if let Some(named) = named {
        let text = named.as_str().unwrap_or_default();
        access.name_change_set(record_uuid("change_set", text)?);
    }
    let changes = match name {
        "create_record" => create_record(&access, parse(args)?).await?,
        "update_record" => update_record(&access, parse(args)?).await?,
        "delete_record" => delete_record(&access, parse(args)?).await?,
        "restore_record" => restore_record(&access, parse(args)?).await?,
        "upsert_records" => upsert_records(&access, parse(args)?).await?,
        "merge_records" => merge_records(&access, parse(args)?).await?,
        "add_note" => add_linked(&access, "notes", parse(args)?).await?,
        "create_task" => add_linked(&access, "tasks", parse(args)?).await?,
        "revert_change_set" => revert_change_set(&access, parse(args)?).await?,
        _ => return Err(ApiError::internal().into()),
    };
    let mut answer = changes;
    answer["dryRun"] = json!(dry_run);
    answer["changeSet"] = json!(access.data.change_set_written().filter(|_| !dry_run));
    Ok(answer)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevertArgs {
    change_set: String,
    #[serde(default, rename = "dry_run")]
    _dry_run: bool,
}

async fn revert_change_set(access: &RestAccess, args: RevertArgs) -> AppResult<Value> {
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

/// Arguments as the tool's struct; what serde could not read is named as the argument.
fn parse<T: DeserializeOwned>(args: Value) -> AppResult<T> {
    serde_json::from_value(args).map_err(|e| {
        let message = e.to_string();
        let field = message
            .split('`')
            .nth(1)
            .filter(|_| message.contains("field"))
            .unwrap_or("arguments");
        AppError::from(ApiError::invalid_field(field, message.clone()))
    })
}

fn record_uuid(field: &str, text: &str) -> AppResult<Uuid> {
    Ok(Uuid::parse_str(text.trim()).map_err(|_| {
        ApiError::invalid_field(field, format!("{text:?} is not a record id (UUID)"))
    })?)
}

fn readable<'a>(access: &'a RestAccess, plural: &str) -> AppResult<&'a ObjectMeta> {
    access.readable(plural).map_err(|e| named(e, "object"))
}

fn writable<'a>(access: &'a RestAccess, plural: &str, what: &str) -> AppResult<&'a ObjectMeta> {
    access
        .writable(plural, what)
        .map_err(|e| named(e, "object"))
}

/// An error about the object itself, named as the `object` argument when it names no field.
fn named(mut error: AppError, field: &str) -> AppError {
    if error.0.details.is_empty() && error.0.code == kith_core::ErrorCode::NotFound {
        error.0.details = vec![kith_core::FieldError {
            field: field.to_owned(),
            message: error.0.message.clone(),
        }];
    }
    error
}

fn record_change(action: &str, object: &ObjectMeta, record: &Value) -> Value {
    json!({ "action": action, "object": object.name_plural, "id": record["id"] })
}

/// Each field that differs between two states of a record, as the timeline shows a change:
/// `{"stage":{"before":"NEW","after":"WON"}}`.
fn changed_fields(before: &Value, after: &Value) -> Map<String, Value> {
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

async fn describe_workspace(state: &AppState, access: &RestAccess) -> AppResult<Value> {
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

fn describe_object(access: &RestAccess, object: &ObjectMeta) -> Value {
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
struct SearchArgs {
    query: String,
    #[serde(default)]
    objects: Vec<String>,
    limit: Option<usize>,
}

async fn search_records(access: &RestAccess, args: SearchArgs) -> AppResult<Value> {
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
fn bounded(field: &str, given: Option<usize>, default: usize, max: usize) -> AppResult<usize> {
    let size = given.unwrap_or(default);
    if !(1..=max).contains(&size) {
        return Err(ApiError::invalid_field(field, format!("must be between 1 and {max}")).into());
    }
    Ok(size)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListArgs {
    object: String,
    filter: Option<String>,
    order_by: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
    fields: Option<Vec<String>>,
    #[serde(default)]
    count: bool,
}

async fn list_records(state: &AppState, access: &RestAccess, args: ListArgs) -> AppResult<Value> {
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

/// An error naming REST's parameter `from`, as the tool's argument `to`.
fn renamed(mut error: AppError, from: &str, to: &str) -> AppError {
    for detail in &mut error.0.details {
        if detail.field == from {
            detail.field = to.to_owned();
        }
    }
    error.0.message = error.0.message.replace(from, to);
    error
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordArgs {
    object: String,
    id: String,
    #[serde(default)]
    related: bool,
}

/// A write to one record named by id (delete, restore).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordWriteArgs {
    object: String,
    id: String,
    #[serde(default, rename = "dry_run")]
    _dry_run: bool,
}

async fn get_record(state: &AppState, access: &RestAccess, args: RecordArgs) -> AppResult<Value> {
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

fn found(object: &ObjectMeta, record: Option<Value>) -> AppResult<Value> {
    record.ok_or_else(|| {
        let mut error = ApiError::not_found(&object.label_singular);
        error.details = vec![kith_core::FieldError {
            field: "id".to_owned(),
            message: format!("no {} has this id", object.name_singular),
        }];
        error.into()
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimelineArgs {
    object: String,
    id: String,
    limit: Option<usize>,
    cursor: Option<String>,
}

async fn get_timeline(access: &RestAccess, args: TimelineArgs) -> AppResult<Value> {
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
struct GroupArgs {
    object: String,
    field: String,
    aggregate: Option<String>,
    filter: Option<String>,
}

async fn group_by(access: &RestAccess, args: GroupArgs) -> AppResult<Value> {
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateArgs {
    object: String,
    values: Map<String, Value>,
    #[serde(default, rename = "dry_run")]
    _dry_run: bool,
}

async fn create_record(access: &RestAccess, args: CreateArgs) -> AppResult<Value> {
    let object = writable(access, &args.object, "creating records")?;
    let record = access
        .data
        .create_record(&access.catalog, object, &args.values, &access.actor)
        .await
        .map_err(|e| under(e.into(), "values"))?;
    Ok(json!({ "changes": [record_change("created", object, &record)], "record": record }))
}

/// Errors about a record's fields, named as the argument that holds them (`values.emails`).
fn under(mut error: AppError, argument: &str) -> AppError {
    for detail in &mut error.0.details {
        detail.field = if detail.field.starts_with('[') {
            format!("{argument}{}", detail.field)
        } else {
            format!("{argument}.{}", detail.field)
        };
    }
    error
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateArgs {
    object: String,
    id: String,
    values: Map<String, Value>,
    #[serde(default, rename = "dry_run")]
    _dry_run: bool,
}

async fn update_record(access: &RestAccess, args: UpdateArgs) -> AppResult<Value> {
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

async fn delete_record(access: &RestAccess, args: RecordWriteArgs) -> AppResult<Value> {
    let object = writable(access, &args.object, "deleting records")?;
    let id = record_uuid("id", &args.id)?;
    let record = access.data.delete_record(object, id, &access.actor).await?;
    Ok(json!({ "changes": [record_change("deleted", object, &record)], "record": record }))
}

async fn restore_record(access: &RestAccess, args: RecordWriteArgs) -> AppResult<Value> {
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
struct UpsertArgs {
    object: String,
    records: Vec<Map<String, Value>>,
    #[serde(default, rename = "dry_run")]
    _dry_run: bool,
}

async fn upsert_records(access: &RestAccess, args: UpsertArgs) -> AppResult<Value> {
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
struct MergeArgs {
    object: String,
    keep_id: String,
    merge_ids: Vec<String>,
    #[serde(default)]
    dry_run: bool,
}

async fn merge_records(access: &RestAccess, args: MergeArgs) -> AppResult<Value> {
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
struct Target {
    object: String,
    id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkedArgs {
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
async fn add_linked(access: &RestAccess, plural: &str, args: LinkedArgs) -> AppResult<Value> {
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
