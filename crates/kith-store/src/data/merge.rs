//! Finding duplicates (by name, email, domain) and merging records: the kept record takes the
//! others' values where it has none, every relation and link moves to it, and the others go to
//! the trash, all in one transaction.

use super::DataStore;
use super::input::{check, not_found, rejected};
use super::search::WordMatch;
use super::sql::{Args, quote};
use crate::StoreError;
use kith_core::ApiError;
use kith_core::access::Action;
use kith_core::fields::{Cell, ColumnType, FieldType};
use kith_core::metadata::{Actor, ObjectMeta};
use serde_json::{Map, Value, json};
use std::collections::HashSet;
use uuid::Uuid;

/// Whether a field's value says nothing (null, empty text, a composite with only empty parts).
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(parts) => parts.values().all(is_empty),
        _ => false,
    }
}

/// `https://www.Acme.com/about` -> `acme.com`.
fn domain(url: &str) -> String {
    let host = url
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("www.");
    host.split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .to_lowercase()
}

/// Records the search index offers per alternative (name, email, domain) for the exact check.
const DUPLICATE_CANDIDATES: usize = 200;

/// The most records one merge takes, the kept one included.
pub const MERGE_MAX_RECORDS: usize = 20;

impl DataStore {
    /// Live records that look like `candidate`: the same label (case-insensitive), the same
    /// primary email, or the same domain. `except` leaves a record out (the candidate itself).
    pub async fn duplicates_of(
        &self,
        object: &ObjectMeta,
        candidate: &Map<String, Value>,
        except: Option<Uuid>,
    ) -> Result<Vec<Value>, StoreError> {
        self.allow(Action::Read, object)?;
        // Looking for a hidden field's value would tell whether some record holds it.
        self.access
            .check_input(object, candidate)
            .map_err(rejected)?;
        let mut args = Args::default();
        let mut alternatives = Vec::new();
        // What each alternative looks for, in words the search index holds.
        let mut phrases = Vec::new();
        for field in object.active_fields() {
            let Some(value) = candidate.get(&field.key()) else {
                continue;
            };
            let columns = field.columns();
            let lower_eq = |args: &mut Args, column: &str, text: &str| {
                format!(
                    "LOWER({}) = {}",
                    quote(column),
                    args.push(ColumnType::Text, Cell::Text(text.to_lowercase()))
                )
            };
            match field.field_type {
                FieldType::Text if field.name == object.label_field => {
                    if let Some(text) = value.as_str().filter(|t| !t.trim().is_empty()) {
                        alternatives.push(lower_eq(&mut args, &columns[0], text.trim()));
                        phrases.push(text.to_owned());
                    }
                }
                FieldType::FullName if field.name == object.label_field => {
                    let first = value["firstName"].as_str().unwrap_or_default().trim();
                    let last = value["lastName"].as_str().unwrap_or_default().trim();
                    if !first.is_empty() && !last.is_empty() {
                        let a = lower_eq(&mut args, &columns[0], first);
                        let b = lower_eq(&mut args, &columns[1], last);
                        alternatives.push(format!("({a} AND {b})"));
                        phrases.push(format!("{first} {last}"));
                    }
                }
                FieldType::Emails => {
                    if let Some(email) = value["primaryEmail"]
                        .as_str()
                        .filter(|e| !e.trim().is_empty())
                    {
                        alternatives.push(lower_eq(&mut args, &columns[0], email.trim()));
                        phrases.push(email.to_owned());
                    }
                }
                FieldType::Links if field.name == "domainName" => {
                    if let Some(url) = value["primaryLinkUrl"]
                        .as_str()
                        .filter(|u| !u.trim().is_empty())
                    {
                        let host = domain(url);
                        phrases.push(host.clone());
                        let column = quote(&columns[0]);
                        let patterns = [
                            host.clone(),
                            format!("{host}/%"),
                            format!("%://{host}"),
                            format!("%://{host}/%"),
                            format!("%://www.{host}"),
                            format!("%://www.{host}/%"),
                            format!("www.{host}"),
                            format!("www.{host}/%"),
                        ];
                        let ors: Vec<String> = patterns
                            .into_iter()
                            .map(|p| {
                                format!(
                                    "LOWER({column}) LIKE {}",
                                    args.push(ColumnType::Text, Cell::Text(p))
                                )
                            })
                            .collect();
                        alternatives.push(format!("({})", ors.join(" OR ")));
                    }
                }
                _ => {}
            }
        }
        // Only records the search index finds by those whole words can match: checking those few
        // instead of every row keeps this fast on a million records (200 ms before, by a scan).
        let mut candidates = HashSet::new();
        for phrase in &phrases {
            let hits = self
                .search_words(&[object], phrase, DUPLICATE_CANDIDATES, WordMatch::Whole)
                .await?;
            candidates.extend(hits.into_iter().map(|hit| hit.record_id));
        }
        if alternatives.is_empty() || candidates.is_empty() {
            return Ok(Vec::new());
        }
        let candidates: Vec<String> = candidates
            .into_iter()
            .map(|id| args.push(ColumnType::Uuid, Cell::Uuid(id)))
            .collect();
        let mut conditions = vec![
            "deleted_at IS NULL".to_owned(),
            format!("({})", alternatives.join(" OR ")),
            format!("id IN ({})", candidates.join(", ")),
        ];
        if let Some(id) = except {
            conditions.push(format!(
                "id <> {}",
                args.push(ColumnType::Uuid, Cell::Uuid(id))
            ));
        }
        let sql = format!(
            "SELECT id FROM {} WHERE {} ORDER BY id LIMIT 50",
            self.table(&object.table),
            conditions.join(" AND ")
        );
        let ids = self.read().await?.ex().fetch_ids(&sql, &args).await?;
        let mut records = self.records_by_ids(object, &ids).await?;
        records.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        Ok(records)
    }

    /// Merges `others` into `keep`; returns the kept record. With `dry_run`, does the whole
    /// merge in a transaction that is rolled back: the answer is the record the merge would
    /// keep, and nothing is written.
    pub async fn merge_records(
        &self,
        catalog: &[ObjectMeta],
        object: &ObjectMeta,
        keep: Uuid,
        others: &[Uuid],
        actor: &Actor,
        dry_run: bool,
    ) -> Result<Value, StoreError> {
        self.allow(Action::Write, object)?;
        self.allow(Action::Delete, object)?;
        // The kept record, or one named twice, is merged once: nothing more to merge is a no-op.
        let mut distinct: Vec<Uuid> = Vec::with_capacity(others.len());
        for id in others {
            if *id != keep && !distinct.contains(id) {
                distinct.push(*id);
            }
        }
        let others = distinct.as_slice();
        if others.len() >= MERGE_MAX_RECORDS {
            return Err(rejected(ApiError::invalid_field(
                "mergeIds",
                format!("a merge takes at most {MERGE_MAX_RECORDS} records"),
            )));
        }
        let mut tx = self.begin().await?;
        let kept = self
            .read_in(&mut tx, object, keep)
            .await?
            .filter(|r| r["deletedAt"].is_null())
            .ok_or_else(|| not_found(object))?;
        if others.is_empty() {
            return Ok(self.presented(object, kept));
        }
        let mut fill = Map::new();
        for other in others {
            let record = self
                .read_in(&mut tx, object, *other)
                .await?
                .filter(|r| r["deletedAt"].is_null())
                .ok_or_else(|| not_found(object))?;
            for field in object.active_fields() {
                let key = field.key();
                if is_empty(&kept[&key]) && !fill.contains_key(&key) && !is_empty(&record[&key]) {
                    let value = record[&key].clone();
                    fill.insert(key, value);
                }
            }
            self.move_references(&mut tx, catalog, object, *other, keep)
                .await?;
            self.trash_in(
                &mut tx,
                object,
                *other,
                actor,
                "merged",
                json!({ "into": keep }),
            )
            .await?;
        }
        let checked = check(object, &fill, false).map_err(rejected)?;
        let merged = self
            .update_in(&mut tx, catalog, object, keep, &checked, actor)
            .await?;
        self.record_event(
            &mut tx,
            object,
            keep,
            "merged",
            actor,
            json!({ "from": others }),
        )
        .await?;
        if dry_run {
            drop(tx);
        } else {
            self.finish(tx).await?;
        }
        Ok(self.presented(object, merged))
    }

    /// Points every relation and task or note link at `from` to `to` instead.
    async fn move_references(
        &self,
        tx: &mut crate::db::Tx,
        catalog: &[ObjectMeta],
        object: &ObjectMeta,
        from: Uuid,
        to: Uuid,
    ) -> Result<(), StoreError> {
        for other in catalog {
            for field in other.fields.iter().filter(|f| {
                f.relation
                    .as_ref()
                    .is_some_and(|r| r.target == object.name_singular)
            }) {
                let mut args = Args::default();
                let column = quote(&field.column);
                let sql = format!(
                    "UPDATE {} SET {column} = {} WHERE {column} = {}",
                    self.table(&other.table),
                    args.push(ColumnType::Uuid, Cell::Uuid(to)),
                    args.push(ColumnType::Uuid, Cell::Uuid(from))
                );
                tx.ex().execute_cells(&sql, &args).await?;
            }
        }
        let targets = self.table("_kith_targets");
        let mut args = Args::default();
        let (to_value, from_value) = (
            args.push(ColumnType::Uuid, Cell::Uuid(to)),
            args.push(ColumnType::Uuid, Cell::Uuid(from)),
        );
        // A task linked to both keeps one link.
        let duplicate_links = format!(
            "DELETE FROM {targets} WHERE target_id = {from_value} AND source_id IN (SELECT source_id FROM {targets} WHERE target_id = {to_value})"
        );
        tx.ex().execute_cells(&duplicate_links, &args).await?;
        let moved =
            format!("UPDATE {targets} SET target_id = {to_value} WHERE target_id = {from_value}");
        tx.ex().execute_cells(&moved, &args).await?;
        Ok(())
    }
}
