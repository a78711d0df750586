//! `GET /rest/open-api/core`: an OpenAPI 3.1 document of this workspace's REST API, generated
//! from its catalog, so custom objects and fields are in it as soon as they exist.

use super::RestAccess;
use super::handlers::capitalized;
use crate::AppState;
use crate::http::{AppResult, Json};
use axum::extract::State;
use kith_core::fields::FieldType;
use kith_core::metadata::{FieldMeta, ObjectMeta};
use kith_core::scope::Scope;
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
        add_paths(&mut paths, object, &name);
    }
    paths.insert("/search".into(), search_path());
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

/// The JSON Schema of one field's value.
fn field_schema(field: &FieldMeta) -> Value {
    let object = |properties: Value| json!({ "type": "object", "properties": properties });
    let schema = match field.field_type {
        FieldType::Text | FieldType::RichText | FieldType::SensitiveText => string(),
        FieldType::Number => json!({ "type": "integer" }),
        FieldType::Numeric => json!({ "type": "number" }),
        FieldType::Boolean => json!({ "type": "boolean" }),
        FieldType::Date => json!({ "type": "string", "format": "date" }),
        FieldType::DateTime => json!({ "type": "string", "format": "date-time" }),
        FieldType::Relation => json!({ "type": "string", "format": "uuid" }),
        FieldType::RawJson => json!({}),
        FieldType::Array => json!({ "type": "array", "items": string() }),
        FieldType::Rating => {
            json!({ "type": "string", "enum": ["RATING_1", "RATING_2", "RATING_3", "RATING_4", "RATING_5"] })
        }
        FieldType::Select => {
            json!({ "type": "string", "enum": field.options.iter().map(|o| o.value.clone()).collect::<Vec<_>>() })
        }
        FieldType::MultiSelect => json!({
            "type": "array",
            "items": { "type": "string", "enum": field.options.iter().map(|o| o.value.clone()).collect::<Vec<_>>() },
        }),
        FieldType::Currency => object(json!({
            "amountMicros": { "type": ["integer", "null"], "description": "1 unit = 1,000,000 micros" },
            "currencyCode": { "type": "string", "description": "ISO 4217" },
        })),
        FieldType::FullName => object(json!({ "firstName": string(), "lastName": string() })),
        FieldType::Emails => object(json!({
            // Empty when there is none: Kith answers "" for an unset primary email, as Twenty does.
            "primaryEmail": { "anyOf": [{ "type": "string", "format": "email" }, { "const": "" }] },
            "additionalEmails": { "type": "array", "items": { "type": "string", "format": "email" } },
        })),
        FieldType::Phones => object(json!({
            "primaryPhoneNumber": string(),
            "primaryPhoneCountryCode": string(),
            "primaryPhoneCallingCode": string(),
            "additionalPhones": { "type": "array", "items": object(json!({ "number": string(), "countryCode": string(), "callingCode": string() })) },
        })),
        FieldType::Links => object(json!({
            "primaryLinkUrl": string(),
            "primaryLinkLabel": string(),
            "secondaryLinks": { "type": "array", "items": object(json!({ "url": string(), "label": string() })) },
        })),
        FieldType::Address => object(json!({
            "addressStreet1": string(), "addressStreet2": string(), "addressCity": string(), "addressState": string(),
            "addressPostcode": string(), "addressCountry": string(),
            "addressLat": { "type": ["number", "null"] }, "addressLng": { "type": ["number", "null"] },
        })),
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
    properties.insert("id".into(), json!({ "type": "string", "format": "uuid" }));
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

fn query(name: &str, schema: Value, description: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "schema": schema, "description": description })
}

/// The filter a change to many records needs (there is no "everything" by default).
fn bulk_filter() -> Value {
    json!({ "name": "filter", "in": "query", "required": true, "schema": { "type": "string", "minLength": 1 }, "description": "as for lists" })
}

fn count_schema() -> Value {
    json!({ "type": "object", "required": ["count"], "properties": { "count": { "type": "integer", "minimum": 0 } } })
}

fn id_parameter() -> Value {
    json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } })
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
                    query("filter", string(), "field[op]:value, with and(), or(), not(); ops eq neq in containsAny is gt gte lt lte startsWith endsWith like ilike"),
                    query("order_by", string(), "field[AscNullsFirst|AscNullsLast|DescNullsFirst|DescNullsLast], comma-separated"),
                    query("limit", json!({ "type": "integer", "minimum": 1, "maximum": 200, "default": 60 }), "records per page"),
                    query("starting_after", string(), "cursor: the page after"),
                    query("ending_before", string(), "cursor: the page before"),
                    query("count", json!({ "type": "boolean" }), "include totalCount"),
                    query("depth", json!({ "type": "integer", "enum": [0, 1] }), "1 embeds related records"),
                    query("fields", string(), "comma-separated keys to return"),
                ],
                "responses": list_responses,
            },
            "post": {
                "tags": [tag], "operationId": format!("create{}", capitalized(singular)), "summary": format!("Create a {}", object.label_singular.to_lowercase()),
                "parameters": [query("upsert", json!({ "type": "boolean" }), "update the record with the same unique value instead")],
                "requestBody": body(input.clone()),
                "responses": answer("201", "Created", &format!("create{}", capitalized(singular)), record.clone()),
            },
            "patch": {
                "tags": [tag], "operationId": format!("update{}", capitalized(plural)), "summary": "Change every record the filter selects (at most 10,000)",
                "parameters": [bulk_filter()],
                "requestBody": body(json!({ "$ref": format!("#/components/schemas/{name}Update") })),
                "responses": answer("200", "How many changed", &format!("update{}", capitalized(plural)), count_schema()),
            },
            "delete": {
                "tags": [tag], "operationId": format!("delete{}", capitalized(plural)), "summary": "Move every record the filter selects to the trash (at most 10,000)",
                "parameters": [bulk_filter()],
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
                query("field", string(), "the field to group by (or group_by)"),
                query("group_by", string(), "Twenty's form, a JSON list of one field: [{\"stage\":true}]; groups then carry groupByDimensionValues and totalCount"),
                query("aggregate", string(), "count, sum:field, avg:field, min:field, max:field"),
                query("filter", string(), "as for lists"),
            ],
            "responses": answer("200", "Groups", "groupBy", json!({ "type": "array", "items": { "type": "object" } })),
        } }),
    );
}

fn search_path() -> Value {
    json!({ "get": {
        "tags": ["Search"], "operationId": "search", "summary": "Find records by prefix across objects",
        "parameters": [
            { "name": "q", "in": "query", "required": true, "schema": string() },
            query("objects", string(), "comma-separated plural names"),
            query("limit", json!({ "type": "integer", "minimum": 1, "maximum": 100 }), "results"),
        ],
        "responses": answer("200", "Results, best first", "search", json!({ "type": "array", "items": { "type": "object", "properties": {
            "objectNameSingular": string(), "recordId": { "type": "string", "format": "uuid" }, "label": string(),
        } } })),
    } })
}

/// A page that shows the document to people: plain HTML and a script of its own, no CDN.
pub async fn reference_page() -> impl axum::response::IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../assets/reference.html"),
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
        include_str!("../../assets/reference.js"),
    )
}
