//! The tools: one set for every object, described from the workspace's live metadata, each run
//! through the caller's [`RestAccess`] and the same store calls as the REST API. A tool the
//! caller's grant does not allow is not listed, and refused when called anyway.

use super::reads::{
    describe_workspace, get_record, get_timeline, group_by, list_records, search_records,
};
use super::schemas::tool;
use super::writes::{
    add_linked, create_record, delete_record, merge_records, restore_record, revert_change_set,
    update_record, upsert_records,
};
use crate::AppState;
use crate::http::{AppError, AppResult};
use crate::records::RestAccess;
use kith_core::access::Action;
use kith_core::metadata::ObjectMeta;
use kith_core::scope::Scope;
use kith_core::{ApiError, Role};
use rmcp::model::Tool;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
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
pub(super) struct Effect {
    pub(super) read_only: bool,
    pub(super) destructive: bool,
    pub(super) idempotent: bool,
}

pub(super) const READS: Effect = Effect {
    read_only: true,
    destructive: false,
    idempotent: true,
};

pub(super) const ADDS: Effect = Effect {
    read_only: false,
    destructive: false,
    idempotent: false,
};

pub(super) const OVERWRITES: Effect = Effect {
    read_only: false,
    destructive: true,
    idempotent: true,
};

pub(super) struct Spec {
    pub(super) name: &'static str,
    pub(super) title: &'static str,
    pub(super) description: &'static str,
    needs: Needs,
    pub(super) effect: Effect,
}

pub(super) const SPECS: &[Spec] = &[
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
pub(super) async fn write(mut access: RestAccess, name: &str, mut args: Value) -> AppResult<Value> {
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

/// Arguments as the tool's struct; what serde could not read is named as the argument.
pub(super) fn parse<T: DeserializeOwned>(args: Value) -> AppResult<T> {
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

/// REST's record id check, on the id without the spaces a model may leave around it.
pub(super) fn record_uuid(field: &str, text: &str) -> AppResult<Uuid> {
    crate::records::handlers::record_uuid(field, text.trim())
}

pub(super) fn readable<'a>(access: &'a RestAccess, plural: &str) -> AppResult<&'a ObjectMeta> {
    access.readable(plural).map_err(|e| named(e, "object"))
}

pub(super) fn writable<'a>(
    access: &'a RestAccess,
    plural: &str,
    what: &str,
) -> AppResult<&'a ObjectMeta> {
    access
        .writable(plural, what)
        .map_err(|e| named(e, "object"))
}

/// An error about the object itself, named as the `object` argument when it names no field.
pub(super) fn named(mut error: AppError, field: &str) -> AppError {
    if error.0.details.is_empty() && error.0.code == kith_core::ErrorCode::NotFound {
        error.0.details = vec![kith_core::FieldError {
            field: field.to_owned(),
            message: error.0.message.clone(),
        }];
    }
    error
}

/// An error naming REST's parameter `from`, as the tool's argument `to`.
pub(super) fn renamed(mut error: AppError, from: &str, to: &str) -> AppError {
    for detail in &mut error.0.details {
        if detail.field == from {
            detail.field = to.to_owned();
        }
    }
    error.0.message = error.0.message.replace(from, to);
    error
}

pub(super) fn found(object: &ObjectMeta, record: Option<Value>) -> AppResult<Value> {
    record.ok_or_else(|| {
        let mut error = ApiError::not_found(&object.label_singular);
        error.details = vec![kith_core::FieldError {
            field: "id".to_owned(),
            message: format!("no {} has this id", object.name_singular),
        }];
        error.into()
    })
}

/// Errors about a record's fields, named as the argument that holds them (`values.emails`).
pub(super) fn under(mut error: AppError, argument: &str) -> AppError {
    for detail in &mut error.0.details {
        detail.field = if detail.field.starts_with('[') {
            format!("{argument}{}", detail.field)
        } else {
            format!("{argument}.{}", detail.field)
        };
    }
    error
}
