//! `GET /rest/open-api/core`: an OpenAPI 3.1 document of this workspace's REST API, generated
//! from its catalog, so custom objects and fields are in it as soon as they exist.

mod imports;

use super::RestAccess;
use super::handlers::capitalized;
use crate::AppState;
use crate::http::{AppResult, Json};
use axum::extract::State;
use kith_core::fields::{
    FieldType, LIST_MAX_ITEMS, RICH_TEXT_MAX_CHARS, TEXT_MAX_CHARS, currency_codes,
};
use kith_core::metadata::{FieldMeta, ObjectMeta, RESERVED_NAMES};
use kith_core::scope::Scope;
use kith_core::validate::EMAIL_MAX_CHARS;
use kith_store::data::MERGE_MAX_RECORDS;
use kith_store::data::patterns;
use serde_json::{Map, Value, json};

pub async fn document(State(state): State<AppState>, access: RestAccess) -> AppResult<Json<Value>> {
    access.require_scope(Scope::RecordsRead)?;
    let server = format!(
        "{}/rest",
        state.config.public_url.as_str().trim_end_matches('/')
    );
    // The caller's own document: objects it may not read and fields hidden from it are absent.
    let policy = access.policy();
    let visible: Vec<ObjectMeta> = access
        .catalog
        .iter()
        .filter(|o| o.is_active && policy.may_read(o))
        .map(|object| {
            let mut shown = object.clone();
            shown.fields.retain(|f| !policy.hides(object, f));
            shown
        })
        .collect();
    let objects: Vec<&ObjectMeta> = visible.iter().collect();
    Ok(Json(build(&objects, &server)))
}

/// The whole document for these objects.
pub fn build(objects: &[&ObjectMeta], server: &str) -> Value {
    let mut schemas = Map::new();
    schemas.insert("Error".into(), error_schema());
    schemas.insert("PageInfo".into(), page_info_schema());
    schemas.insert("Actor".into(), actor_schema());
    let mut paths = Map::new();
    for object in objects {
        let name = type_name(object);
        schemas.insert(name.clone(), record_schema(object));
        schemas.insert(format!("{name}Input"), input_schema(object));
        schemas.insert(format!("{name}Update"), update_schema(object));
        add_query_schemas(&mut schemas, object, &name);
        add_paths(&mut paths, object, &name);
        add_record_paths(&mut paths, object, objects);
        imports::add_paths(&mut paths, object);
    }
    imports::add_schemas(&mut schemas);
    schemas.insert("Merge".into(), merge_schema());
    // Named apart from every object's schema (a custom object may be called `favorite`).
    schemas.insert("KithFavorite".into(), favorite_schema());
    add_favorite_paths(&mut paths);
    paths.insert("/search".into(), search_path(objects));
    paths.insert("/live".into(), live_path());
    document_body_errors(&mut paths);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Kith REST API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Records of this workspace. Authenticate with an API token: Authorization: Bearer kith_…",
        },
        "servers": [{ "url": server }],
        "security": [{ "bearerAuth": [] }],
        "components": {
            "securitySchemes": { "bearerAuth": { "type": "http", "scheme": "bearer" } },
            "schemas": schemas,
            "responses": {
                "Error": {
                    "description": "The request failed; `error.code` says how, `details` names wrong fields.",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } },
                },
            },
        },
        "paths": paths,
    })
}

/// `company` -> `Company`.
fn type_name(object: &ObjectMeta) -> String {
    capitalized(&object.name_singular)
}

fn nullable(schema: Value) -> Value {
    match schema.get("type").cloned() {
        Some(Value::String(t)) => {
            let mut schema = schema;
            schema["type"] = json!([t, "null"]);
            schema
        }
        _ => json!({ "anyOf": [schema, { "type": "null" }] }),
    }
}

fn string() -> Value {
    json!({ "type": "string" })
}

/// A record's (or event's) id.
fn uuid() -> Value {
    json!({ "type": "string", "format": "uuid" })
}

/// A text of at most `max` characters.
fn text(max: usize) -> Value {
    json!({ "type": "string", "maxLength": max })
}

/// A whole number as the database stores it (64 bits).
fn whole_number() -> Value {
    json!({ "type": "integer", "minimum": i64::MIN, "maximum": i64::MAX })
}

fn list_of(items: Value) -> Value {
    json!({ "type": "array", "maxItems": LIST_MAX_ITEMS, "items": items })
}

/// The parts of a composite field: any of them, nothing else.
fn parts(properties: Value) -> Value {
    json!({ "type": "object", "properties": properties, "additionalProperties": false })
}

/// What `validate::email` takes: one `@`, a dotted domain, no spaces, controls or specials.
fn email() -> Value {
    let char = format!(r#"[^@<>(),;:"\[\]\\{}"#, patterns::SPACE_OR_CONTROL);
    let pattern = format!("^{char}]+@{char}.]+(?:\\.{char}.]+)+$");
    json!({ "type": "string", "pattern": pattern, "maxLength": EMAIL_MAX_CHARS })
}

/// A web address as links take it: `https://acme.com/x` or a bare `acme.com`.
fn web_address() -> Value {
    let pattern = format!(
        r"^(?:https?://)?[A-Za-z0-9:-]+\.[A-Za-z0-9.:-]*(?:[/?#][^{}]*)?$",
        patterns::SPACE_OR_CONTROL
    );
    json!({ "type": "string", "pattern": pattern })
}

fn or_empty(schema: Value) -> Value {
    json!({ "anyOf": [schema, { "const": "" }] })
}

fn phone_number() -> Value {
    json!({ "type": "string", "pattern": r"^[ +().-]*(?:[0-9][ +().-]*){0,20}$" })
}

fn country_code() -> Value {
    json!({ "type": "string", "pattern": "^(?:[A-Z]{2})?$" })
}

fn calling_code() -> Value {
    json!({ "type": "string", "pattern": r"^(?:\+[0-9]{1,4})?$" })
}

/// The JSON Schema of one field's value, as `kith_core::fields::input` checks it.
fn field_schema(field: &FieldMeta) -> Value {
    let options = || {
        field
            .options
            .iter()
            .map(|o| o.value.clone())
            .collect::<Vec<_>>()
    };
    let schema = match field.field_type {
        FieldType::Text | FieldType::SensitiveText => text(TEXT_MAX_CHARS),
        FieldType::RichText => text(RICH_TEXT_MAX_CHARS),
        FieldType::Number => whole_number(),
        FieldType::Numeric => json!({ "type": "number" }),
        FieldType::Boolean => json!({ "type": "boolean" }),
        FieldType::Date => json!({ "type": "string", "format": "date" }),
        FieldType::DateTime => json!({ "type": "string", "format": "date-time" }),
        FieldType::Relation => uuid(),
        FieldType::RawJson => json!({}),
        FieldType::Array => list_of(text(TEXT_MAX_CHARS)),
        FieldType::Rating => json!({ "anyOf": [
            { "type": "string", "enum": ["RATING_1", "RATING_2", "RATING_3", "RATING_4", "RATING_5"] },
            { "type": "integer", "minimum": 1, "maximum": 5 },
        ] }),
        FieldType::Select => json!({ "type": "string", "enum": options() }),
        FieldType::MultiSelect => list_of(json!({ "type": "string", "enum": options() })),
        FieldType::Currency => parts(json!({
            "amountMicros": {
                "anyOf": [whole_number(), { "type": "string", "pattern": r"^\s*[+-]?[0-9]{1,18}\s*$" }, { "type": "null" }],
                "description": "1 unit = 1,000,000 micros; a string of digits is taken too",
            },
            "currencyCode": {
                "type": ["string", "null"],
                "enum": std::iter::once("").chain(currency_codes()).map(Value::from).chain([Value::Null]).collect::<Vec<_>>(),
                "description": "ISO 4217",
            },
        })),
        FieldType::FullName => parts(json!({
            "firstName": nullable(text(TEXT_MAX_CHARS)),
            "lastName": nullable(text(TEXT_MAX_CHARS)),
        })),
        FieldType::Emails => parts(json!({
            // Empty (or blank) when there is none: Kith answers "" for it, as Twenty does.
            "primaryEmail": nullable(json!({ "anyOf": [email(), { "type": "string", "pattern": r"^\s*$" }] })),
            "additionalEmails": nullable(list_of(email())),
        })),
        FieldType::Phones => parts(json!({
            "primaryPhoneNumber": nullable(phone_number()),
            "primaryPhoneCountryCode": nullable(country_code()),
            "primaryPhoneCallingCode": nullable(calling_code()),
            "additionalPhones": nullable(list_of(json!({
                "type": "object",
                "required": ["number"],
                "properties": {
                    "number": phone_number(),
                    "countryCode": nullable(country_code()),
                    "callingCode": nullable(calling_code()),
                },
            }))),
        })),
        FieldType::Links => parts(json!({
            "primaryLinkUrl": nullable(or_empty(web_address())),
            "primaryLinkLabel": nullable(text(TEXT_MAX_CHARS)),
            "secondaryLinks": nullable(list_of(json!({
                "type": "object",
                "required": ["url"],
                "properties": { "url": web_address(), "label": nullable(text(TEXT_MAX_CHARS)) },
            }))),
        })),
        FieldType::Address => {
            let line = || nullable(text(TEXT_MAX_CHARS));
            parts(json!({
                "addressStreet1": line(), "addressStreet2": line(), "addressCity": line(),
                "addressState": line(), "addressPostcode": line(), "addressCountry": line(),
                "addressLat": { "type": ["number", "null"], "minimum": -90, "maximum": 90 },
                "addressLng": { "type": ["number", "null"], "minimum": -180, "maximum": 180 },
            }))
        }
    };
    let mut schema = nullable(schema);
    if !field.description.is_empty() || !field.label.is_empty() {
        let text = if field.description.is_empty() {
            field.label.clone()
        } else {
            format!("{}: {}", field.label, field.description)
        };
        schema["description"] = json!(text);
    }
    schema
}

fn record_schema(object: &ObjectMeta) -> Value {
    let mut properties = Map::new();
    properties.insert("id".into(), uuid());
    for key in ["createdAt", "updatedAt"] {
        properties.insert(
            key.into(),
            json!({ "type": "string", "format": "date-time" }),
        );
    }
    properties.insert(
        "deletedAt".into(),
        json!({ "type": ["string", "null"], "format": "date-time" }),
    );
    properties.insert(
        "createdBy".into(),
        json!({ "$ref": "#/components/schemas/Actor" }),
    );
    properties.insert(
        "updatedBy".into(),
        json!({ "$ref": "#/components/schemas/Actor" }),
    );
    properties.insert("position".into(), json!({ "type": "number" }));
    for field in object.active_fields() {
        properties.insert(field.key(), field_schema(field));
    }
    json!({ "type": "object", "description": object.description, "properties": properties })
}

fn input_schema(object: &ObjectMeta) -> Value {
    let mut properties = Map::new();
    properties.insert(
        "id".into(),
        json!({ "type": "string", "format": "uuid", "description": "optional, on creation only" }),
    );
    properties.insert("position".into(), json!({ "type": "number" }));
    let mut required = Vec::new();
    for field in object.active_fields() {
        properties.insert(field.key(), field_schema(field));
        if !field.is_nullable && field.default_value.is_none() {
            required.push(field.key());
        }
    }
    let mut schema =
        json!({ "type": "object", "properties": properties, "additionalProperties": false });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

/// What `PATCH` takes: any of the fields, none required; the id is the path's.
fn update_schema(object: &ObjectMeta) -> Value {
    let mut schema = input_schema(object);
    if let Some(map) = schema.as_object_mut() {
        map.remove("required");
    }
    if let Some(properties) = schema["properties"].as_object_mut() {
        properties.remove("id");
    }
    schema
}

fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["error"],
        "properties": { "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": { "type": "string", "enum": ["bad_request", "validation_failed", "unauthenticated", "forbidden", "not_found",
                    "method_not_allowed", "conflict", "invalid_token", "payload_too_large", "unsupported_media_type", "rate_limited",
                    "timeout", "unavailable", "internal"] },
                "message": string(),
                "details": { "type": "array", "items": { "type": "object", "properties": { "field": string(), "message": string() } } },
            },
        } },
    })
}

fn page_info_schema() -> Value {
    json!({ "type": "object", "properties": {
        "startCursor": { "type": ["string", "null"] },
        "endCursor": { "type": ["string", "null"] },
        "hasNextPage": { "type": "boolean" },
        "hasPreviousPage": { "type": "boolean" },
    } })
}

fn actor_schema() -> Value {
    json!({ "type": "object", "properties": {
        "source": { "type": "string", "enum": ["MANUAL", "API", "AGENT", "IMPORT", "SYSTEM"] },
        "workspaceMemberId": { "type": ["string", "null"], "format": "uuid" },
        "name": string(),
    } })
}

/// The texts of an object's query parameters, as patterns built from the grammar's own
/// columns and value types (`kith_store::data::patterns`): what matches is accepted.
fn add_query_schemas(schemas: &mut Map<String, Value>, object: &ObjectMeta, name: &str) {
    schemas.insert(
        format!("{name}Filter"),
        json!({
            "type": "string",
            "pattern": patterns::filter_pattern(object),
            "description": "field[op]:value joined by commas (and), with and(…), or(…), not(…); ops eq neq in containsAny is gt gte lt lte startsWith endsWith like ilike. Text values may be quoted (\"…\", with \\\" and \\\\ escaped). Groups nest up to 32 levels; the pattern shows one.",
        }),
    );
    schemas.insert(
        format!("{name}OrderBy"),
        json!({
            "type": "string",
            "pattern": patterns::order_by_pattern(object),
            "description": "field[AscNullsFirst|AscNullsLast|DescNullsFirst|DescNullsLast], comma-separated, at most 8",
        }),
    );
    let mut keys: Vec<String> = RESERVED_NAMES.iter().map(|k| (*k).to_owned()).collect();
    for field in object.active_fields() {
        keys.push(field.key());
        if field.key() != field.name {
            keys.push(field.name.clone());
        }
    }
    let keys: Vec<String> = keys.iter().map(|k| patterns::escape(k)).collect();
    let key = format!("(?:{})", keys.join("|"));
    schemas.insert(
        format!("{name}Fields"),
        json!({ "type": "string", "pattern": format!("^{key}(?:,{key})*$"), "description": "comma-separated keys to return (id always comes)" }),
    );
    schemas.insert(
        format!("{name}Aggregate"),
        json!({ "type": "string", "pattern": patterns::aggregate_pattern(object), "description": "count, sum:field, avg:field, min:field, max:field, comma-separated (default count)" }),
    );
    let paths = patterns::ordered_paths(object);
    let twenty: Vec<String> = paths.iter().map(|p| patterns::escape(p)).collect();
    schemas.insert(
        format!("{name}Grouping"),
        json!({
            "type": "object",
            "description": "the field to group by: Kith's field=stage, or Twenty's group_by=[{\"stage\":true}] (groups then carry groupByDimensionValues and totalCount); one of the two",
            "properties": {
                "field": { "type": "string", "enum": paths },
                "group_by": { "type": "string", "pattern": format!("^\\[\\{{\"(?:{})\":true\\}}\\]$", twenty.join("|")) },
            },
            "additionalProperties": false,
            "oneOf": [{ "required": ["field"] }, { "required": ["group_by"] }],
        }),
    );
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn query(name: &str, schema: Value, description: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "schema": schema, "description": description })
}

/// The filter a change to many records needs (there is no "everything" by default).
fn bulk_filter(name: &str) -> Value {
    json!({ "name": "filter", "in": "query", "required": true, "schema": schema_ref(&format!("{name}Filter")), "description": "as for lists" })
}

fn count_schema() -> Value {
    json!({ "type": "object", "required": ["count"], "properties": { "count": { "type": "integer", "minimum": 0 } } })
}

/// A text parameter of the schema `name`; empty, it is absent (as generated clients send it).
fn optional_text(name: &str) -> Value {
    json!({ "anyOf": [schema_ref(name), { "const": "" }] })
}

/// `starting_after` or `ending_before`: the id of the record a page goes on from
/// (`pageInfo.endCursor` / `startCursor`), one of the two at most.
fn cursors() -> Value {
    let cursor = json!({ "anyOf": [uuid(), { "const": "" }] });
    json!({
        "name": "cursor", "in": "query", "required": false, "style": "form", "explode": true,
        "description": "starting_after: the page after this record; ending_before: the page before it",
        "schema": {
            "type": "object",
            "properties": { "starting_after": cursor, "ending_before": cursor },
            "additionalProperties": false,
            "not": {
                "required": ["starting_after", "ending_before"],
                "properties": { "starting_after": { "minLength": 1 }, "ending_before": { "minLength": 1 } },
            },
        },
    })
}

fn id_parameter() -> Value {
    json!({ "name": "id", "in": "path", "required": true, "schema": uuid() })
}

/// The error answers any operation may give: bad input, no or a bad credential, not allowed,
/// not found, a conflict, too many requests, a time-out, the database away.
fn errors() -> Value {
    let error = json!({ "$ref": "#/components/responses/Error" });
    json!({
        "400": error, "401": error, "403": error, "404": error, "408": error, "409": error,
        "429": error, "503": error,
    })
}

/// An operation that takes a body may also answer that it is too large or not JSON.
fn document_body_errors(paths: &mut Map<String, Value>) {
    let error = json!({ "$ref": "#/components/responses/Error" });
    for operation in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter(|op| op.get("requestBody").is_some())
    {
        operation["responses"]["413"] = error.clone();
        operation["responses"]["415"] = error.clone();
    }
}

/// A response of `{"data":{key: <schema>}}` with `status`.
fn answer(status: &str, description: &str, key: &str, schema: Value) -> Value {
    let mut responses = errors();
    responses[status] = json!({
        "description": description,
        "content": { "application/json": { "schema": {
            "type": "object",
            "properties": { "data": { "type": "object", "properties": { key: schema } } },
        } } },
    });
    responses
}

/// 201 for a created record; 200 when `upsert=true` matched and updated one.
fn created_or_upserted(key: &str, record: Value) -> Value {
    let mut responses = answer("201", "Created", key, record);
    let mut updated = responses["201"].clone();
    updated["description"] = json!("Updated (upsert=true matched a record)");
    responses["200"] = updated;
    responses
}

fn body(schema: Value) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": schema } } })
}

fn add_paths(paths: &mut Map<String, Value>, object: &ObjectMeta, name: &str) {
    let record = json!({ "$ref": format!("#/components/schemas/{name}") });
    let input = json!({ "$ref": format!("#/components/schemas/{name}Input") });
    let (singular, plural) = (&object.name_singular, &object.name_plural);
    let tag = &object.label_plural;
    let mut list_responses = answer(
        "200",
        "A page of records",
        plural,
        json!({ "type": "array", "items": record }),
    );
    list_responses["200"]["content"]["application/json"]["schema"]["properties"]["pageInfo"] =
        json!({ "$ref": "#/components/schemas/PageInfo" });
    list_responses["200"]["content"]["application/json"]["schema"]["properties"]["totalCount"] =
        json!({ "type": "integer" });
    paths.insert(
        format!("/{plural}"),
        json!({
            "get": {
                "tags": [tag], "operationId": format!("list{}", capitalized(plural)), "summary": format!("List {}", object.label_plural),
                "parameters": [
                    query("filter", optional_text(&format!("{name}Filter")), "which records"),
                    query("order_by", optional_text(&format!("{name}OrderBy")), "the order (id breaks ties)"),
                    query("limit", json!({ "type": "integer", "minimum": 1, "maximum": 200, "default": 60 }), "records per page"),
                    cursors(),
                    query("count", json!({ "type": "boolean" }), "include totalCount"),
                    query("depth", json!({ "type": "integer", "enum": [0, 1] }), "1 embeds related records"),
                    query("fields", optional_text(&format!("{name}Fields")), "the keys to return"),
                ],
                "responses": list_responses,
            },
            "post": {
                "tags": [tag], "operationId": format!("create{}", capitalized(singular)), "summary": format!("Create a {}", object.label_singular.to_lowercase()),
                "parameters": [query("upsert", json!({ "type": "boolean" }), "update the record with the same unique value instead")],
                "requestBody": body(input.clone()),
                "responses": created_or_upserted(&format!("create{}", capitalized(singular)), record.clone()),
            },
            "patch": {
                "tags": [tag], "operationId": format!("update{}", capitalized(plural)), "summary": "Change every record the filter selects (at most 10,000)",
                "parameters": [bulk_filter(name)],
                "requestBody": body(json!({ "$ref": format!("#/components/schemas/{name}Update") })),
                "responses": answer("200", "How many changed", &format!("update{}", capitalized(plural)), count_schema()),
            },
            "delete": {
                "tags": [tag], "operationId": format!("delete{}", capitalized(plural)), "summary": "Move every record the filter selects to the trash (at most 10,000)",
                "parameters": [bulk_filter(name)],
                "responses": answer("200", "How many went to the trash", &format!("delete{}", capitalized(plural)), count_schema()),
            },
        }),
    );
    paths.insert(
        format!("/{plural}/{{id}}"),
        json!({
            "parameters": [id_parameter()],
            "get": {
                "tags": [tag], "operationId": format!("get{}", capitalized(singular)), "summary": format!("One {}", object.label_singular.to_lowercase()),
                "parameters": [
                    query("depth", json!({ "type": "integer", "enum": [0, 1] }), "1 embeds related records"),
                    query("fields", optional_text(&format!("{name}Fields")), "the keys to return"),
                ],
                "responses": answer("200", "The record", singular, record.clone()),
            },
            "patch": {
                "tags": [tag], "operationId": format!("update{}", capitalized(singular)), "summary": "Change the fields sent",
                "requestBody": body(json!({ "$ref": format!("#/components/schemas/{name}Update") })),
                "responses": answer("200", "The changed record", &format!("update{}", capitalized(singular)), record.clone()),
            },
            "delete": {
                "tags": [tag], "operationId": format!("delete{}", capitalized(singular)), "summary": "Move to the trash (permanent=true: delete for good)",
                "parameters": [query("permanent", json!({ "type": "boolean" }), "admins only")],
                "responses": answer("200", "Deleted", &format!("delete{}", capitalized(singular)), json!({ "type": "object" })),
            },
        }),
    );
    paths.insert(
        format!("/batch/{plural}"),
        json!({ "post": {
            "tags": [tag], "operationId": format!("create{}", capitalized(plural)), "summary": "Create up to 1,000 records, all or none",
            "requestBody": body(json!({ "type": "array", "maxItems": 1000, "items": input })),
            "responses": answer("201", "Created", &format!("create{}", capitalized(plural)), json!({ "type": "array", "items": record.clone() })),
        } }),
    );
    paths.insert(
        format!("/restore/{plural}/{{id}}"),
        json!({
            "parameters": [id_parameter()],
            "patch": {
                "tags": [tag], "operationId": format!("restore{}", capitalized(singular)), "summary": "Take out of the trash",
                "responses": answer("200", "Restored", &format!("restore{}", capitalized(singular)), record),
            },
        }),
    );
    paths.insert(
        format!("/{plural}/groupBy"),
        json!({ "get": {
            "tags": [tag], "operationId": format!("groupBy{}", capitalized(plural)), "summary": "Group and aggregate",
            "parameters": [
                { "name": "grouping", "in": "query", "required": true, "style": "form", "explode": true, "schema": schema_ref(&format!("{name}Grouping")) },
                query("aggregate", optional_text(&format!("{name}Aggregate")), "what each group counts or sums"),
                query("filter", optional_text(&format!("{name}Filter")), "which records"),
            ],
            "responses": answer("200", "Groups", "groupBy", json!({ "type": "array", "items": { "type": "object" } })),
        } }),
    );
    let mut exported = errors();
    exported["200"] = json!({
        "description": "The file (an attachment): CSV with a header line, a column per field or part of one (name.firstName), text a spreadsheet would run as a formula after a '; or JSON, a list of the records",
        "content": {
            "text/csv": { "schema": { "type": "string" } },
            "application/json": { "schema": { "type": "array", "items": schema_ref(name) } },
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": { "schema": { "type": "string", "format": "binary" } },
        },
    });
    paths.insert(
        format!("/{plural}/export"),
        json!({ "get": {
            "tags": [tag], "operationId": format!("export{}", capitalized(plural)),
            "summary": "Every record a list with the same filter and order pages through, in one file, written as it is read",
            "parameters": [
                query("format", json!({ "type": "string", "enum": ["csv", "json", "xlsx"], "default": "csv" }), "the file's format (xlsx: an Excel workbook, sent once written)"),
                query("view", uuid(), "a saved view of this object: its filter, order and columns, where the request gives none"),
                query("filter", optional_text(&format!("{name}Filter")), "which records"),
                query("order_by", optional_text(&format!("{name}OrderBy")), "the order (id breaks ties)"),
                query("fields", optional_text(&format!("{name}Fields")), "the columns, in this order (id, createdAt and updatedAt are always there)"),
            ],
            "responses": exported,
        } }),
    );
}

/// The paths about one record beyond reading and writing it: duplicates, merge, timeline, and
/// the tasks and notes linked to it (and, for tasks and notes, their targets).
fn add_record_paths(paths: &mut Map<String, Value>, object: &ObjectMeta, objects: &[&ObjectMeta]) {
    let (singular, plural) = (&object.name_singular, &object.name_plural);
    let tag = &object.label_plural;
    let name = type_name(object);
    let record = schema_ref(&name);
    paths.insert(
        format!("/{plural}/duplicates"),
        json!({ "post": {
            "tags": [tag], "operationId": format!("findDuplicate{}", capitalized(plural)),
            "summary": "Live records with the same name, primary email or domain as each record given or named",
            "requestBody": body(json!({
                "type": "object",
                "properties": {
                    "data": { "type": "array", "maxItems": 100, "items": { "type": "object", "description": "a record's fields, as for creating one" } },
                    "ids": { "type": "array", "maxItems": 100, "items": uuid() },
                },
                "additionalProperties": false,
            })),
            "responses": plain_answer("200", "For each record asked about, in order (data, then ids), its duplicates", json!({
                "type": "object",
                "properties": { "data": { "type": "array", "items": {
                    "type": "object",
                    "properties": { "duplicates": { "type": "array", "items": record } },
                } } },
            })),
        } }),
    );
    paths.insert(
        format!("/{plural}/merge"),
        json!({ "patch": {
            "tags": [tag], "operationId": format!("merge{}", capitalized(plural)),
            "summary": "One record from several: the kept record takes the others' values where it has none, their links and relations; they go to the trash",
            "requestBody": body(schema_ref("Merge")),
            "responses": answer("200", "The kept record (dryRun: as it would be)", &format!("merge{}", capitalized(plural)), record.clone()),
        } }),
    );
    paths.insert(
        format!("/{plural}/{{id}}/timeline"),
        json!({
            "parameters": [id_parameter()],
            "get": {
                "tags": [tag], "operationId": format!("timeline{}", capitalized(singular)), "summary": "The record's history, newest first",
                "parameters": [
                    query("limit", json!({ "type": "integer", "minimum": 1, "maximum": 200, "default": 50 }), "events per page"),
                    query("starting_after", uuid(), "the page after this event (pageInfo.endCursor)"),
                ],
                "responses": plain_answer("200", "A page of events", json!({
                    "type": "object",
                    "properties": {
                        "data": { "type": "object", "properties": { "timeline": { "type": "array", "items": { "type": "object" } } } },
                        "pageInfo": { "type": "object", "properties": { "endCursor": { "type": ["string", "null"] }, "hasNextPage": { "type": "boolean" } } },
                    },
                })),
            },
        }),
    );
    for kind in ["tasks", "notes"] {
        let Some(linked) = objects.iter().find(|o| o.name_plural == kind) else {
            continue;
        };
        paths.insert(
            format!("/{plural}/{{id}}/{kind}"),
            json!({
                "parameters": [id_parameter()],
                "get": {
                    "tags": [tag], "operationId": format!("{kind}Of{}", capitalized(singular)),
                    "summary": format!("The {kind} linked to the record"),
                    "responses": answer("200", "Linked records", kind, json!({ "type": "array", "items": schema_ref(&type_name(linked)) })),
                },
            }),
        );
    }
    if matches!(singular.as_str(), "task" | "note") {
        add_target_paths(paths, object, objects);
    }
}

/// `/{tasks|notes}/{id}/targets`: the records a task or note is linked to.
fn add_target_paths(paths: &mut Map<String, Value>, object: &ObjectMeta, objects: &[&ObjectMeta]) {
    let (singular, plural) = (&object.name_singular, &object.name_plural);
    let tag = &object.label_plural;
    let singulars: Vec<String> = objects.iter().map(|o| o.name_singular.clone()).collect();
    let targets = json!({ "type": "array", "items": { "type": "object" } });
    paths.insert(
        format!("/{plural}/{{id}}/targets"),
        json!({
            "parameters": [id_parameter()],
            "get": {
                "tags": [tag], "operationId": format!("targetsOf{}", capitalized(singular)), "summary": "The records it is linked to",
                "responses": answer("200", "Its targets", "targets", targets.clone()),
            },
            "post": {
                "tags": [tag], "operationId": format!("link{}", capitalized(singular)), "summary": "Link it to a record",
                "requestBody": body(json!({
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["targetObject", "targetId"],
                    "properties": { "targetObject": { "type": "string", "enum": singulars }, "targetId": uuid() },
                })),
                "responses": answer("201", "Its targets now", "targets", targets.clone()),
            },
        }),
    );
    paths.insert(
        format!("/{plural}/{{id}}/targets/{{target_object}}/{{target_id}}"),
        json!({
            "parameters": [
                id_parameter(),
                { "name": "target_object", "in": "path", "required": true, "schema": { "type": "string", "enum": singulars } },
                { "name": "target_id", "in": "path", "required": true, "schema": uuid() },
            ],
            "delete": {
                "tags": [tag], "operationId": format!("unlink{}", capitalized(singular)), "summary": "Remove one link",
                "responses": answer("200", "Its targets now", "targets", targets),
            },
        }),
    );
}

/// Kith's merge body, or Twenty's: the index into `ids` names the record kept.
fn merge_schema() -> Value {
    let ids = |min: usize| json!({ "type": "array", "minItems": min, "maxItems": MERGE_MAX_RECORDS, "items": uuid() });
    let dry_run = json!({ "type": "boolean", "description": "answer the record the merge would keep, writing nothing" });
    // Twenty's index must point into `ids`: each index needs that many ids.
    let index_fits: Vec<Value> = (1..MERGE_MAX_RECORDS)
        .map(|index| json!({
            "if": { "properties": { "conflictPriorityIndex": { "const": index } }, "required": ["conflictPriorityIndex"] },
            "then": { "properties": { "ids": { "minItems": index + 1 } } },
        }))
        .collect();
    // A null is an absent member, so each form may carry the other's members as nulls.
    let absent = json!({ "type": "null" });
    json!({ "oneOf": [
        {
            "type": "object",
            "required": ["keepId"],
            "properties": {
                "keepId": uuid(), "mergeIds": nullable(ids(0)), "dryRun": dry_run,
                "ids": absent, "conflictPriorityIndex": absent,
            },
            "additionalProperties": false,
        },
        {
            "type": "object",
            "required": ["ids"],
            "properties": {
                "ids": ids(1),
                "conflictPriorityIndex": { "type": ["integer", "null"], "minimum": 0, "maximum": MERGE_MAX_RECORDS - 1, "default": 0 },
                "dryRun": dry_run,
                "keepId": absent, "mergeIds": absent,
            },
            "additionalProperties": false,
            "allOf": index_fits,
        },
    ] })
}

/// A response of exactly `schema` with `status`, and the error answers.
fn plain_answer(status: &str, description: &str, schema: Value) -> Value {
    let mut responses = errors();
    responses[status] = json!({ "description": description, "content": { "application/json": { "schema": schema } } });
    responses
}

fn search_path(objects: &[&ObjectMeta]) -> Value {
    let plurals: Vec<String> = objects.iter().map(|o| o.name_plural.clone()).collect();
    let plural = format!("(?:{})", plurals.join("|"));
    json!({ "get": {
        "tags": ["Search"], "operationId": "search", "summary": "Find records by prefix across objects",
        "parameters": [
            { "name": "q", "in": "query", "required": true, "schema": { "type": "string", "pattern": format!("[^{}]", patterns::SPACE) }, "description": "words the records' words start with" },
            query("objects", json!({ "type": "string", "pattern": format!("^(?:{plural}(?:,{plural})*)?$") }), "comma-separated plural names (default: every object the caller may read)"),
            query("limit", json!({ "type": "integer", "minimum": 1, "maximum": 100, "default": 20 }), "results"),
        ],
        "responses": answer("200", "Results, best first", "search", json!({ "type": "array", "items": { "type": "object", "properties": {
            "objectNameSingular": string(), "recordId": uuid(), "label": string(),
        } } })),
    } })
}

fn favorite_schema() -> Value {
    json!({
        "type": "object",
        "description": "A record or saved view the caller keeps in the sidebar",
        "properties": {
            "id": uuid(),
            "position": { "type": "number", "description": "its place among the caller's favourites, lower first" },
            "recordId": nullable(uuid()),
            "viewId": nullable(uuid()),
            "objectMetadataId": uuid(),
            "objectNameSingular": string(),
            "objectNamePlural": string(),
            "label": { "type": "string", "description": "the record's name, or the view's" },
            "createdAt": { "type": "string", "format": "date-time" },
        },
        "required": ["id", "position", "recordId", "viewId", "objectMetadataId", "objectNameSingular", "objectNamePlural", "label", "createdAt"],
    })
}

/// `/metadata/favorites[/{id}]`: the caller's own favourites (see records/favorites.rs).
fn add_favorite_paths(paths: &mut Map<String, Value>) {
    let favorite = schema_ref("KithFavorite");
    let position = json!({ "type": "number" });
    let of_record = json!({
        "type": "object", "required": ["recordId", "objectMetadataId"], "additionalProperties": false,
        "properties": { "recordId": uuid(), "objectMetadataId": uuid(), "position": position },
    });
    let of_view = json!({
        "type": "object", "required": ["viewId"], "additionalProperties": false,
        "properties": { "viewId": uuid(), "position": position },
    });
    let tag = ["Favorites"];
    paths.insert("/metadata/favorites".into(), json!({
        "get": {
            "tags": tag, "operationId": "listFavorites",
            "summary": "The caller's favourites in their order, those it may still open",
            "responses": answer("200", "Favourites, by position", "favorites", json!({ "type": "array", "items": favorite })),
        },
        "post": {
            "tags": tag, "operationId": "createFavorite",
            "summary": "Add a record or a saved view to the caller's favourites (last, unless a position is given)",
            "requestBody": body(json!({ "oneOf": [of_record, of_view] })),
            "responses": answer("201", "Created", "createOneFavorite", favorite.clone()),
        },
    }));
    paths.insert("/metadata/favorites/{id}".into(), json!({
        "parameters": [id_parameter()],
        "patch": {
            "tags": tag, "operationId": "updateFavorite", "summary": "Move a favourite",
            "requestBody": body(json!({
                "type": "object", "required": ["position"], "additionalProperties": false,
                "properties": { "position": position },
            })),
            "responses": answer("200", "Moved", "updateOneFavorite", favorite),
        },
        "delete": {
            "tags": tag, "operationId": "deleteFavorite", "summary": "Remove a favourite",
            "responses": answer("200", "Removed", "deleteOneFavorite", json!({ "type": "object", "properties": { "id": uuid() } })),
        },
    }));
}

fn live_path() -> Value {
    let mut responses = errors();
    responses["200"] = json!({
        "description": "Server-sent events: first `ready`, then one `change` per record change the caller may read ({\"id\",\"object\":{\"nameSingular\",\"namePlural\"},\"recordId\",\"kind\",\"actor\",\"changes\",\"happenedAt\"}), with the event's id as the SSE id. A stream lasts about a minute; reconnect with Last-Event-ID to go on where it stopped (up to five minutes back).",
        "content": { "text/event-stream": { "schema": string() } },
    });
    json!({ "get": {
        "tags": ["Search"], "operationId": "live", "summary": "Follow the workspace's record changes as they happen",
        "parameters": [
            { "name": "Last-Event-ID", "in": "header", "required": false, "schema": uuid(), "description": "the id of the last change received" },
        ],
        "responses": responses,
    } })
}

/// A page that shows the document to people: plain HTML and a script of its own, no CDN.
pub async fn reference_page() -> impl axum::response::IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../../assets/reference.html"),
    )
}

pub async fn reference_script() -> impl axum::response::IntoResponse {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/javascript; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../../assets/reference.js"),
    )
}
