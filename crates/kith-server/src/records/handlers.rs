use super::RestAccess;
use crate::AppState;
use crate::http::{AppResult, Json, Query};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kith_core::{ApiError, Role, filter, sort};
use kith_store::ListQuery;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

/// `company` -> `Company`, for Twenty's response keys (`createCompany`).
pub(crate) fn capitalized(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn record_id(id: &str) -> AppResult<Uuid> {
    record_uuid("id", id)
}

/// A record id given as `field`, or a 400 naming it.
pub(crate) fn record_uuid(field: &str, text: &str) -> AppResult<Uuid> {
    Ok(Uuid::parse_str(text).map_err(|_| {
        ApiError::invalid_field(field, format!("{text:?} is not a record id (UUID)"))
    })?)
}

fn body_object(body: Value) -> AppResult<Map<String, Value>> {
    match body {
        Value::Object(map) => Ok(map),
        _ => Err(
            ApiError::bad_request("the body must be a JSON object of the record's fields").into(),
        ),
    }
}

pub async fn list_objects(access: RestAccess) -> AppResult<Json<Value>> {
    access.require_scope(kith_core::scope::Scope::RecordsRead)?;
    let objects: Vec<&kith_core::metadata::ObjectMeta> = access
        .catalog
        .iter()
        .filter(|o| access.policy().may_read(o))
        .collect();
    Ok(Json(json!({ "data": { "objects": objects } })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    depth: Option<u8>,
    fields: Option<String>,
    filter: Option<String>,
    order_by: Option<String>,
    limit: Option<usize>,
    starting_after: Option<String>,
    ending_before: Option<String>,
    count: Option<bool>,
}

pub async fn list(
    State(state): State<AppState>,
    access: RestAccess,
    Path(plural): Path<String>,
    Query(params): Query<ListParams>,
) -> AppResult<Json<Value>> {
    let object = access.readable(&plural)?;
    let query = ListQuery {
        filter: optional_filter(params.filter.as_deref())?,
        order_by: optional_order(params.order_by.as_deref())?,
        limit: params.limit.unwrap_or(0),
        // An empty cursor is no cursor, like an empty filter.
        starting_after: params.starting_after.filter(|c| !c.is_empty()),
        ending_before: params.ending_before.filter(|c| !c.is_empty()),
        with_total: params.count.unwrap_or(false),
    };
    if params.limit == Some(0) {
        return Err(ApiError::invalid_field("limit", "must be between 1 and 200").into());
    }
    let depth = super::shape::depth(params.depth)?;
    let keys = super::shape::field_list(object, params.fields.as_deref())?;
    let mut page = access.data.list_records(object, &query).await?;
    if depth == 1 {
        super::shape::embed_relations(&state, &access, object, &mut page.records).await?;
    }
    if let Some(keys) = &keys {
        page.records = page
            .records
            .into_iter()
            .map(|r| super::shape::keep_fields(r, keys))
            .collect();
    }
    let mut body = json!({
        "data": { object.name_plural.clone(): page.records },
        "pageInfo": {
            "startCursor": page.start_cursor,
            "endCursor": page.end_cursor,
            "hasNextPage": page.has_next_page,
            "hasPreviousPage": page.has_previous_page,
        },
    });
    if let Some(total) = page.total_count {
        body["totalCount"] = json!(total);
    }
    Ok(Json(body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShowParams {
    depth: Option<u8>,
    fields: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    access: RestAccess,
    Path((plural, id)): Path<(String, String)>,
    Query(params): Query<ShowParams>,
) -> AppResult<Json<Value>> {
    let object = access.readable(&plural)?;
    let depth = super::shape::depth(params.depth)?;
    let keys = super::shape::field_list(object, params.fields.as_deref())?;
    let record = access
        .data
        .get_record(object, record_id(&id)?)
        .await?
        .ok_or_else(|| ApiError::not_found(&object.label_singular))?;
    let mut records = [record];
    if depth == 1 {
        super::shape::embed_relations(&state, &access, object, &mut records).await?;
    }
    let [mut record] = records;
    if let Some(keys) = &keys {
        record = super::shape::keep_fields(record, keys);
    }
    Ok(Json(
        json!({ "data": { object.name_singular.clone(): record } }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateParams {
    upsert: Option<bool>,
}

/// Creates a record; with `?upsert=true`, updates instead the live record that has the same
/// value of a unique field (answering 200 rather than 201).
pub async fn create(
    access: RestAccess,
    Path(plural): Path<String>,
    Query(params): Query<CreateParams>,
    Json(body): Json<Value>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let object = access.writable(&plural, "creating records")?;
    let input = body_object(body)?;
    let (record, created) = if params.upsert.unwrap_or(false) {
        access
            .data
            .upsert_record(&access.catalog, object, &input, &access.actor)
            .await?
    } else {
        (
            access
                .data
                .create_record(&access.catalog, object, &input, &access.actor)
                .await?,
            true,
        )
    };
    let key = format!("create{}", capitalized(&object.name_singular));
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(json!({ "data": { key: record } }))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkParams {
    filter: Option<String>,
}

/// The `order_by` parameter, parsed; the default order when absent or blank.
pub(crate) fn optional_order(text: Option<&str>) -> AppResult<Vec<sort::SortKey>> {
    Ok(text
        .filter(|o| !o.trim().is_empty())
        .map(sort::parse)
        .transpose()
        .map_err(|e| ApiError::invalid_field("order_by", e.to_string()))?
        .unwrap_or_default())
}

/// The `filter` parameter, parsed; none when absent or blank.
pub(crate) fn optional_filter(text: Option<&str>) -> AppResult<Option<filter::Filter>> {
    let text = text.filter(|f| !f.trim().is_empty());
    Ok(text
        .map(filter::parse)
        .transpose()
        .map_err(|e| ApiError::invalid_field("filter", e.to_string()))?)
}

/// The filter a bulk change needs; there is no "everything" by default.
fn bulk_filter(params: &BulkParams) -> AppResult<filter::Filter> {
    optional_filter(params.filter.as_deref())?.ok_or_else(|| {
        ApiError::invalid_field("filter", "is required for a change to many records").into()
    })
}

/// `PATCH /rest/{plural}?filter=…`: the same changes to every matching record.
pub async fn update_many(
    access: RestAccess,
    Path(plural): Path<String>,
    Query(params): Query<BulkParams>,
    Json(body): Json<Value>,
) -> AppResult<Json<Value>> {
    let object = access.writable(&plural, "changing records")?;
    let filter = bulk_filter(&params)?;
    let count = access
        .data
        .update_where(
            &access.catalog,
            object,
            &filter,
            &body_object(body)?,
            &access.actor,
        )
        .await?;
    let key = format!("update{}", capitalized(&object.name_plural));
    Ok(Json(json!({ "data": { key: { "count": count } } })))
}

/// `DELETE /rest/{plural}?filter=…`: every matching record to the trash.
pub async fn delete_many(
    access: RestAccess,
    Path(plural): Path<String>,
    Query(params): Query<BulkParams>,
) -> AppResult<Json<Value>> {
    let object = access.writable(&plural, "deleting records")?;
    let filter = bulk_filter(&params)?;
    let count = access
        .data
        .delete_where(object, &filter, &access.actor)
        .await?;
    let key = format!("delete{}", capitalized(&object.name_plural));
    Ok(Json(json!({ "data": { key: { "count": count } } })))
}

/// `{"data": {"createPeople": […]}}`, the records already serialized by the store and written
/// into the answer as they are.
#[derive(Serialize)]
pub struct CreatedMany {
    data: BTreeMap<String, Vec<Box<RawValue>>>,
}

pub async fn create_many(
    access: RestAccess,
    Path(plural): Path<String>,
    Json(body): Json<Value>,
) -> AppResult<(StatusCode, Json<CreatedMany>)> {
    let object = access.writable(&plural, "creating records")?;
    let Value::Array(items) = body else {
        return Err(ApiError::bad_request("the body must be a JSON array of records").into());
    };
    let inputs = items
        .into_iter()
        .map(body_object)
        .collect::<AppResult<Vec<_>>>()?;
    let records = access
        .data
        .create_records(&access.catalog, object, &inputs, &access.actor)
        .await?;
    let key = format!("create{}", capitalized(&object.name_plural));
    let data = BTreeMap::from([(key, records)]);
    Ok((StatusCode::CREATED, Json(CreatedMany { data })))
}

pub async fn update(
    access: RestAccess,
    Path((plural, id)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> AppResult<Json<Value>> {
    let object = access.writable(&plural, "changing records")?;
    let record = access
        .data
        .update_record(
            &access.catalog,
            object,
            record_id(&id)?,
            &body_object(body)?,
            &access.actor,
        )
        .await?;
    let key = format!("update{}", capitalized(&object.name_singular));
    Ok(Json(json!({ "data": { key: record } })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteParams {
    permanent: Option<bool>,
}

/// Moves a record to the trash, or with `?permanent=true` (admins) deletes it for good.
pub async fn delete(
    access: RestAccess,
    Path((plural, id)): Path<(String, String)>,
    Query(params): Query<DeleteParams>,
) -> AppResult<Json<Value>> {
    let object = access.writable(&plural, "deleting records")?;
    let id = record_id(&id)?;
    let record = if params.permanent.unwrap_or(false) {
        access.require_role(Role::Admin, "deleting records permanently")?;
        access.data.destroy_record(object, id).await?
    } else {
        access.data.delete_record(object, id, &access.actor).await?
    };
    let key = format!("delete{}", capitalized(&object.name_singular));
    Ok(Json(
        json!({ "data": { key: { "id": record["id"], "deletedAt": record["deletedAt"] } } }),
    ))
}

pub async fn restore(
    access: RestAccess,
    Path((plural, id)): Path<(String, String)>,
) -> AppResult<Json<Value>> {
    let object = access.writable(&plural, "restoring records")?;
    let record = access
        .data
        .restore_record(object, record_id(&id)?, &access.actor)
        .await?;
    let key = format!("restore{}", capitalized(&object.name_singular));
    Ok(Json(json!({ "data": { key: record } })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineParams {
    limit: Option<usize>,
    starting_after: Option<String>,
}

/// A record's history, newest first: `{"data":{"timeline":[…]},"pageInfo":{"endCursor","hasNextPage"}}`.
pub async fn timeline(
    access: RestAccess,
    Path((plural, id)): Path<(String, String)>,
    Query(params): Query<TimelineParams>,
) -> AppResult<Json<Value>> {
    let object = access.readable(&plural)?;
    let id = record_id(&id)?;
    let limit = params.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid_field("limit", "must be between 1 and 200").into());
    }
    let before = params
        .starting_after
        .as_deref()
        .map(|c| {
            Uuid::parse_str(c).map_err(|_| {
                ApiError::invalid_field("starting_after", "is not a cursor from this timeline")
            })
        })
        .transpose()?;
    if !access.data.record_exists(object, id).await? {
        return Err(ApiError::not_found(&object.label_singular).into());
    }
    let (events, more) = access.data.timeline(object, id, limit, before).await?;
    let end_cursor = events.last().map(|e| e["id"].clone());
    Ok(Json(
        json!({ "data": { "timeline": events }, "pageInfo": { "endCursor": end_cursor, "hasNextPage": more } }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    q: Option<String>,
    objects: Option<String>,
    limit: Option<usize>,
}

/// `GET /rest/search?q=acm&objects=people,companies&limit=20`: records whose words start with the
/// query's words, across the objects the caller may read, best first.
pub async fn search(
    access: RestAccess,
    Query(params): Query<SearchParams>,
) -> AppResult<Json<Value>> {
    access.require_scope(kith_core::scope::Scope::RecordsRead)?;
    let query = params.q.unwrap_or_default();
    if query.trim().is_empty() {
        return Err(ApiError::invalid_field("q", "is required").into());
    }
    let limit = params.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid_field("limit", "must be between 1 and 100").into());
    }
    let objects = match params.objects.as_deref().filter(|o| !o.trim().is_empty()) {
        Some(list) => list
            .split(',')
            .map(|plural| access.readable(plural.trim()))
            .collect::<AppResult<Vec<_>>>()?,
        None => access
            .catalog
            .iter()
            .filter(|o| access.readable(&o.name_plural).is_ok())
            .collect(),
    };
    let hits = access.data.search(&objects, &query, limit).await?;
    let data: Vec<Value> = hits
        .iter()
        .map(|hit| json!({ "objectNameSingular": hit.object, "recordId": hit.record_id, "label": hit.label }))
        .collect();
    Ok(Json(json!({ "data": { "search": data } })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupParams {
    field: Option<String>,
    /// Twenty's form: `[{"stage":true}]` (one field), answered with `groupByDimensionValues`.
    group_by: Option<String>,
    aggregate: Option<String>,
    filter: Option<String>,
}

/// The one field of Twenty's `group_by=[{"stage":true}]`.
fn twenty_group_field(text: &str) -> Result<String, ApiError> {
    let wrong = || {
        ApiError::invalid_field(
            "group_by",
            "must be a JSON list of one object naming a field, such as [{\"stage\":true}]",
        )
    };
    let parsed: Vec<Map<String, Value>> = serde_json::from_str(text).map_err(|_| wrong())?;
    match parsed.as_slice() {
        [one] if one.len() == 1 => one
            .iter()
            .next()
            .filter(|(_, v)| **v == Value::Bool(true))
            .map(|(k, _)| k.clone())
            .ok_or_else(wrong),
        [_, _, ..] => Err(ApiError::invalid_field(
            "group_by",
            "Kith groups by one field at a time",
        )),
        _ => Err(wrong()),
    }
}

/// A group as Twenty answers it: its values as a list, and its count as `totalCount`.
fn twenty_group(group: Value) -> Value {
    let Value::Object(mut map) = group else {
        return group;
    };
    let key = map.remove("key").unwrap_or(Value::Null);
    let key = match key {
        Value::Null | Value::String(_) => key,
        other => Value::String(other.to_string()),
    };
    map.insert("groupByDimensionValues".into(), json!([key]));
    if let Some(count) = map.remove("count") {
        map.insert("totalCount".into(), count);
    }
    Value::Object(map)
}

/// `GET /rest/{plural}/groupBy?field=stage&aggregate=count,sum:amount&filter=…`:
/// `{"data":{"groupBy":[{"key":"NEW","count":3,"sum:amount":1500000}]}}`.
pub async fn group_by(
    access: RestAccess,
    Path(plural): Path<String>,
    Query(params): Query<GroupParams>,
) -> AppResult<Json<Value>> {
    let object = access.readable(&plural)?;
    let twenty = params.group_by.is_some();
    let field = match (&params.field, &params.group_by) {
        (Some(field), None) if !field.trim().is_empty() => field.clone(),
        (None, Some(text)) => twenty_group_field(text)?,
        (Some(_), Some(_)) => {
            return Err(
                ApiError::invalid_field("group_by", "give field or group_by, not both").into(),
            );
        }
        _ => return Err(ApiError::invalid_field("field", "is required").into()),
    };
    let group = field_path(&field);
    let aggregates = aggregates(params.aggregate.as_deref().unwrap_or("count"))?;
    let filter = optional_filter(params.filter.as_deref())?;
    let mut groups = access
        .data
        .group_by(object, &group, &aggregates, filter.as_ref())
        .await?;
    if twenty {
        groups = groups.into_iter().map(twenty_group).collect();
    }
    Ok(Json(json!({ "data": { "groupBy": groups } })))
}

/// `count,sum:amount`: what each group counts or adds up.
pub(crate) fn aggregates(text: &str) -> Result<Vec<kith_store::AggregateRequest>, ApiError> {
    text.split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|label| {
            let (name, target) = label
                .split_once(':')
                .map_or((label, None), |(n, t)| (n, Some(t)));
            let aggregate = kith_store::Aggregate::parse(name).ok_or_else(|| {
                ApiError::invalid_field(
                    "aggregate",
                    format!("{name:?} is not one of count, sum, avg, min, max"),
                )
            })?;
            let path = target.map(field_path);
            Ok(kith_store::AggregateRequest {
                aggregate,
                path,
                label: label.to_owned(),
            })
        })
        .collect()
}

/// `name.firstName` -> field `name`, part `firstName`.
pub(crate) fn field_path(text: &str) -> kith_core::filter::FieldPath {
    match text.split_once('.') {
        Some((field, sub)) => kith_core::filter::FieldPath {
            field: field.to_owned(),
            sub_field: Some(sub.to_owned()),
        },
        None => kith_core::filter::FieldPath {
            field: text.to_owned(),
            sub_field: None,
        },
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DuplicatesBody {
    #[serde(default)]
    data: Vec<Value>,
    #[serde(default)]
    ids: Vec<String>,
}

/// `POST /rest/{plural}/duplicates` with `{"data":[record…]}` and/or `{"ids":[id…]}`: for each,
/// the live records with the same name, primary email or domain.
pub async fn duplicates(
    access: RestAccess,
    Path(plural): Path<String>,
    Json(body): Json<DuplicatesBody>,
) -> AppResult<Json<Value>> {
    let object = access.readable(&plural)?;
    for (field, asked) in [("data", body.data.len()), ("ids", body.ids.len())] {
        if asked > 100 {
            return Err(ApiError::invalid_field(field, "asks about more than 100 records").into());
        }
    }
    let mut answers = Vec::new();
    for candidate in body.data {
        let candidate = body_object(candidate)?;
        answers.push(
            json!({ "duplicates": access.data.duplicates_of(object, &candidate, None).await? }),
        );
    }
    for id in &body.ids {
        let id = record_id(id)?;
        let record = access
            .data
            .get_record(object, id)
            .await?
            .ok_or_else(|| ApiError::not_found(&object.label_singular))?;
        let candidate = record.as_object().cloned().unwrap_or_default();
        answers.push(
            json!({ "duplicates": access.data.duplicates_of(object, &candidate, Some(id)).await? }),
        );
    }
    Ok(Json(json!({ "data": answers })))
}

/// Kith's `{"keepId","mergeIds":[…]}`, or Twenty's `{"ids":[…],"conflictPriorityIndex":0}`
/// (the record at that index is kept and wins conflicts); either with `"dryRun": true`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MergeBody {
    keep_id: Option<String>,
    merge_ids: Option<Vec<String>>,
    ids: Option<Vec<String>>,
    /// A JSON number: generated clients may write the index as `0.0`.
    conflict_priority_index: Option<serde_json::Number>,
    #[serde(default)]
    dry_run: bool,
}

fn merge_id(field: &str, text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text)
        .map_err(|_| ApiError::invalid_field(field, format!("{text:?} is not a record id")))
}

impl MergeBody {
    /// The record kept and the records merged into it.
    fn parties(&self) -> Result<(Uuid, Vec<Uuid>), ApiError> {
        let twenty_only = self.conflict_priority_index.is_some();
        match (&self.keep_id, &self.ids) {
            (Some(keep), None) if !twenty_only => Ok((
                merge_id("keepId", keep)?,
                self.merge_ids
                    .iter()
                    .flatten()
                    .map(|id| merge_id("mergeIds", id))
                    .collect::<Result<_, _>>()?,
            )),
            (None, Some(ids)) if self.merge_ids.is_none() => {
                let ids = ids
                    .iter()
                    .map(|id| merge_id("ids", id))
                    .collect::<Result<Vec<_>, _>>()?;
                let index = match &self.conflict_priority_index {
                    None => 0,
                    Some(n) => n
                        .as_u64()
                        .or_else(|| {
                            n.as_f64()
                                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                                .map(|f| f as u64)
                        })
                        .and_then(|n| usize::try_from(n).ok())
                        .unwrap_or(usize::MAX),
                };
                let keep = *ids.get(index).ok_or_else(|| {
                    ApiError::invalid_field(
                        "conflictPriorityIndex",
                        format!(
                            "must be an index into ids (0 to {})",
                            ids.len().saturating_sub(1)
                        ),
                    )
                })?;
                let others = ids.into_iter().filter(|id| *id != keep).collect();
                Ok((keep, others))
            }
            _ => Err(ApiError::invalid_field(
                "keepId",
                "give keepId and mergeIds, or ids (with conflictPriorityIndex), not parts of both",
            )),
        }
    }
}

/// `PATCH /rest/{plural}/merge`: one record from several (see [`MergeBody`]).
pub async fn merge(
    access: RestAccess,
    Path(plural): Path<String>,
    Json(body): Json<MergeBody>,
) -> AppResult<Json<Value>> {
    let object = access.writable(&plural, "merging records")?;
    let (keep, others) = body.parties()?;
    let record = access
        .data
        .merge_records(
            &access.catalog,
            object,
            keep,
            &others,
            &access.actor,
            body.dry_run,
        )
        .await?;
    let key = format!("merge{}", capitalized(&object.name_plural));
    Ok(Json(json!({ "data": { key: record } })))
}
