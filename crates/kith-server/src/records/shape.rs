//! Shaping records for an answer: `depth=1` embeds the records that relations point at, and
//! `fields=` keeps only some keys.

use super::RestAccess;
use crate::AppState;
use crate::http::AppResult;
use kith_core::ApiError;
use kith_core::fields::FieldType;
use kith_core::metadata::{ObjectMeta, WORKSPACE_MEMBER};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use uuid::Uuid;

/// Checks `depth` (0 or 1).
pub fn depth(depth: Option<u8>) -> AppResult<u8> {
    match depth.unwrap_or(0) {
        depth @ 0..=1 => Ok(depth),
        _ => Err(ApiError::invalid_field("depth", "must be 0 or 1").into()),
    }
}

/// The keys `fields=` asks for, checked against the object (`id` is always kept).
pub fn field_list(object: &ObjectMeta, fields: Option<&str>) -> AppResult<Option<Vec<String>>> {
    let Some(list) = fields.filter(|f| !f.trim().is_empty()) else {
        return Ok(None);
    };
    let system = kith_core::metadata::RESERVED_NAMES;
    let mut keys = vec!["id".to_owned()];
    for key in list.split(',').map(str::trim) {
        let known = system.contains(&key)
            || object.field_for_key(key).is_some()
            || object.field(key).is_some();
        if !known {
            return Err(ApiError::invalid_field(
                "fields",
                format!("{key} is not a field of {}", object.name_singular),
            )
            .into());
        }
        keys.push(key.to_owned());
    }
    Ok(Some(keys))
}

/// Embeds, under each relation's name, the record it points at (or null), for every record.
pub async fn embed_relations(
    state: &AppState,
    access: &RestAccess,
    object: &ObjectMeta,
    records: &mut [Value],
) -> AppResult<()> {
    let relations: Vec<_> = access
        .policy()
        .visible_fields(object)
        .filter(|f| f.field_type == FieldType::Relation && f.relation.is_some())
        .collect();
    let mut members: Option<HashMap<String, Value>> = None;
    for field in relations {
        let Some(relation) = &field.relation else {
            continue;
        };
        let key = field.key();
        let ids: Vec<Uuid> = records
            .iter()
            .filter_map(|r| r[&key].as_str().and_then(|id| Uuid::parse_str(id).ok()))
            .collect();
        let targets: HashMap<String, Value> = if relation.target == WORKSPACE_MEMBER {
            if members.is_none() {
                let list = state.db.workspace(&access.tenant).members().await?;
                members = Some(
                    list.iter()
                        .map(|m| (m.user_id.to_string(), json!({ "id": m.user_id, "name": m.name, "email": m.email, "role": m.role })))
                        .collect(),
                );
            }
            members.clone().unwrap_or_default()
        } else {
            match access
                .catalog
                .iter()
                .find(|o| o.name_singular == relation.target)
            {
                // A record of an object the caller may not read is not embedded at all.
                Some(target) if !access.policy().may_read(target) => continue,
                Some(target) if !ids.is_empty() => {
                    let found = access.data.records_by_ids(target, &ids).await?;
                    found
                        .into_iter()
                        .filter_map(|r| r["id"].as_str().map(|id| (id.to_owned(), r.clone())))
                        .collect()
                }
                _ => HashMap::new(),
            }
        };
        for record in records.iter_mut() {
            let embedded = record[&key]
                .as_str()
                .and_then(|id| targets.get(id))
                .cloned()
                .unwrap_or(Value::Null);
            record[&field.name] = embedded;
        }
    }
    Ok(())
}

/// Keeps only `keys` of a record.
pub fn keep_fields(record: Value, keys: &[String]) -> Value {
    match record {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| keys.contains(k))
                .collect::<Map<String, Value>>(),
        ),
        other => other,
    }
}
