//! The import routes of the REST document (see `records/imports.rs`): one set per object, and
//! the schemas they share.

use super::{answer, body, errors, plain_answer, query, schema_ref, string, uuid};
use kith_core::metadata::ObjectMeta;
use serde_json::{Map, Value, json};

pub(super) fn add_schemas(schemas: &mut Map<String, Value>) {
    let count = json!({ "type": "integer", "minimum": 0 });
    let date_time = json!({ "type": "string", "format": "date-time" });
    let nullable = |schema: Value| json!({ "oneOf": [schema, { "type": "null" }] });
    schemas.insert("KithImport".into(), json!({
        "type": "object",
        "description": "An import of a file into an object, as its history keeps it",
        "properties": {
            "id": uuid(),
            "object": string(),
            "fileName": string(),
            "status": { "type": "string", "enum": ["UPLOADED", "PREVIEWING", "PREVIEWED", "RUNNING", "CANCELLING", "DONE", "FAILED", "CANCELLED", "UNDONE"] },
            "dryRun": { "type": "boolean", "description": "whether the last run was a dry run" },
            "spec": nullable(schema_ref("KithImportSpec")),
            "columns": nullable(json!({ "type": "array", "items": string() })),
            "counts": {
                "type": "object",
                "properties": { "rows": count, "created": count, "updated": count, "skipped": count, "failed": count, "bytesRead": count },
            },
            "bytesTotal": count,
            "progress": { "type": "number", "minimum": 0, "maximum": 1 },
            "error": nullable(string()),
            "startedBy": string(),
            "createdAt": date_time,
            "startedAt": nullable(date_time.clone()),
            "finishedAt": nullable(date_time.clone()),
        },
    }));
    let mapping = json!({
        "type": "object", "required": ["column"], "additionalProperties": false,
        "properties": {
            "column": { "type": "string", "description": "the column's header in the file" },
            "field": { "type": ["string", "null"], "description": "the field it fills: jobTitle, name.firstName, name (a whole name), company (a relation, with by); null: not imported" },
            "by": { "type": ["string", "null"], "description": "for a relation: the related record's field the text is (domainName, name, id)" },
        },
    });
    schemas.insert("KithImportSpec".into(), json!({
        "type": "object", "required": ["columns"], "additionalProperties": false,
        "properties": {
            "mode": { "type": "string", "enum": ["CREATE", "UPDATE", "UPSERT"], "default": "UPSERT" },
            "matchOn": { "type": ["string", "null"], "description": "id, emails, domainName or a unique field (default: the first unique field a column fills, else id)" },
            "columns": { "type": "array", "items": mapping },
            "stopOnError": { "type": "boolean", "default": false, "description": "stop at the first bad row and import nothing" },
            "formats": {
                "type": "object", "additionalProperties": false,
                "properties": {
                    "dateOrder": { "type": ["string", "null"], "enum": ["DAY_MONTH_YEAR", "MONTH_DAY_YEAR", null] },
                    "decimalComma": { "type": "boolean" },
                },
            },
            "delimiter": { "type": ["string", "null"], "enum": [",", ";", "|", "\t", "\\t", "tab", "", null] },
            "dryRun": { "type": "boolean", "default": false, "description": "check and write every row, then roll it all back: the preview" },
        },
    }));
    schemas.insert("KithImportRow".into(), json!({
        "type": "object",
        "properties": {
            "row": { "type": "integer", "description": "the row's number in the file; the header is row 1" },
            "action": { "type": "string", "enum": ["CREATE", "UPDATE", "SKIP", "ERROR"] },
            "reason": nullable(string()),
            "recordId": nullable(uuid()),
            "values": nullable(json!({ "type": "array", "items": string() })),
        },
    }));
}

pub(super) fn add_paths(paths: &mut Map<String, Value>, object: &ObjectMeta) {
    let plural = &object.name_plural;
    let tag = &object.label_plural;
    let named = |verb: &str| format!("{verb}{}Import", super::capitalized(&object.name_singular));
    let import = schema_ref("KithImport");
    let one = json!({ "type": "object", "properties": { "data": import.clone() } });
    let id = json!({ "name": "import_id", "in": "path", "required": true, "schema": uuid() });
    let mut uploaded = errors();
    uploaded["201"] = json!({
        "description": "The file is kept; its columns, each with sample values and the field it seems to fill",
        "content": { "application/json": { "schema": { "type": "object", "properties": {
            "data": import.clone(),
            "columns": { "type": "array", "items": { "type": "object", "properties": {
                "column": string(),
                "samples": { "type": "array", "items": string() },
                "field": { "type": ["string", "null"] },
                "by": { "type": ["string", "null"] },
            } } },
            "delimiter": string(),
        } } } },
    });
    paths.insert(format!("/{plural}/imports"), json!({
        "get": {
            "tags": [tag], "operationId": named("list"), "summary": "Imports into this object, latest first",
            "parameters": [query("limit", json!({ "type": "integer", "minimum": 1, "maximum": 200, "default": 50 }), "imports")],
            "responses": plain_answer("200", "Imports", json!({ "type": "object", "properties": { "data": { "type": "array", "items": import.clone() } } })),
        },
        "post": {
            "tags": [tag], "operationId": named("upload"),
            "summary": "Upload a file to import (the body is the file): CSV (comma, semicolon, tab or pipe separated, UTF-8) or an Excel workbook (its first sheet)",
            "parameters": [
                query("fileName", json!({ "type": "string" }), "the file's name, for the history"),
                query("delimiter", json!({ "type": "string", "enum": [",", ";", "|", "\t", "\\t", "tab", ""] }), "the delimiter (default, or empty: the header line tells)"),
            ],
            "requestBody": { "required": true, "content": { "text/csv": { "schema": { "type": "string", "format": "binary", "description": "the file: a header line of column names, then a line per row" } } } },
            "responses": uploaded,
        },
    }));
    paths.insert(format!("/{plural}/imports/{{import_id}}"), json!({
        "parameters": [id.clone()],
        "get": {
            "tags": [tag], "operationId": named("show"), "summary": "An import's status, counts and progress",
            "responses": plain_answer("200", "The import", one.clone()),
        },
    }));
    paths.insert(format!("/{plural}/imports/{{import_id}}/run"), json!({
        "parameters": [id.clone()],
        "post": {
            "tags": [tag], "operationId": named("run"),
            "summary": "Run the import, or its dry run, in the background; answers once the spec fits the file",
            "requestBody": body(schema_ref("KithImportSpec")),
            "responses": plain_answer("202", "Started", one.clone()),
        },
    }));
    paths.insert(format!("/{plural}/imports/{{import_id}}/cancel"), json!({
        "parameters": [id.clone()],
        "post": {
            "tags": [tag], "operationId": named("cancel"), "summary": "Stop a running import after its current chunk",
            "responses": plain_answer("202", "Stopping", one.clone()),
        },
    }));
    paths.insert(format!("/{plural}/imports/{{import_id}}/undo"), json!({
        "parameters": [id.clone()],
        "post": {
            "tags": [tag], "operationId": named("undo"),
            "summary": "Undo what the import wrote: records it created to the trash, fields it changed back",
            "responses": answer("200", "Undone", "revert", json!({ "type": "object" })),
        },
    }));
    paths.insert(format!("/{plural}/imports/{{import_id}}/rows"), json!({
        "parameters": [id.clone()],
        "get": {
            "tags": [tag], "operationId": named("rows"),
            "summary": "The outcome of the file's first 1,000 rows and of every rejected row, in file order",
            "parameters": [
                query("rejectedOnly", json!({ "type": "boolean" }), "only rows skipped or refused"),
                query("after", json!({ "type": "integer", "minimum": 0, "maximum": i64::MAX }), "rows after this row number"),
                query("limit", json!({ "type": "integer", "minimum": 1, "maximum": 1000, "default": 100 }), "rows"),
            ],
            "responses": plain_answer("200", "Rows", json!({ "type": "object", "properties": { "data": { "type": "array", "items": schema_ref("KithImportRow") } } })),
        },
    }));
    let mut rejected = errors();
    rejected["200"] = json!({
        "description": "The rejected rows as CSV (an attachment): the file's columns, then Import row and Import error",
        "content": { "text/csv": { "schema": { "type": "string" } } },
    });
    paths.insert(format!("/{plural}/imports/{{import_id}}/rejected"), json!({
        "parameters": [id.clone()],
        "get": {
            "tags": [tag], "operationId": named("rejected"), "summary": "Download the rejected rows, to fix and import again",
            "responses": rejected,
        },
    }));
}
