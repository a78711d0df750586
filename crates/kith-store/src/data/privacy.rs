//! Data-subject requests: everything a workspace holds about one person, found by their email
//! address, to hand over (access) or to erase.
//!
//! What is found: the records with the address in an email field (in the trash or not) with their
//! timelines; the notes and tasks that mention the address or are linked to those records; the
//! events of other records whose changes name the address; the audit entries naming the records;
//! and the rows of import history holding the address. Matching is case-insensitive: SQL `LIKE`
//! narrows the rows, and each is then checked exactly here (an `_` in an address is a `LIKE`
//! wildcard).
//!
//! Erasing deletes the records for good (with their history, links and search entries), deletes
//! the notes and tasks linked to nothing else, replaces the address with `[erased]` in every
//! other note, task and event, and deletes the audit entries, favourites and import rows about
//! them, with the stored file of an import that held the address.

use super::DataStore;
use super::search::index_record;
use super::sql::Args;
use crate::StoreError;
use kith_core::access::Action;
use kith_core::fields::{Cell, ColumnType, FieldType};
use kith_core::metadata::ObjectMeta;
use serde_json::{Value, json};
use uuid::Uuid;

/// What replaces an erased address in text that stays.
pub const ERASED: &str = "[erased]";

/// The objects whose text is searched for mentions, and whose records linked to an erased
/// record go with it.
const MENTIONING: [&str; 2] = ["note", "task"];

/// Everything found about one address, as JSON for an export.
#[derive(Debug, Default, Clone)]
pub struct SubjectData {
    pub email: String,
    /// `{object, id, record, timeline}` for each record with the address in an email field.
    pub records: Vec<Value>,
    /// `{object, id, record, linked, mentions}` for each note or task linked to one of them or
    /// mentioning the address.
    pub mentions: Vec<Value>,
    /// `{object, recordId, id, at, kind, changes}`: events of other records naming the address.
    pub events: Vec<Value>,
    /// `{id, at, principalName, action, summary}`: audit entries naming one of the records.
    pub audit: Vec<Value>,
    /// `{importId, rowNumber, action, reason, cells}`: import rows holding the address or
    /// naming one of the records.
    pub import_rows: Vec<Value>,
    /// The found records' ids (for the control plane's webhook deliveries).
    pub record_ids: Vec<Uuid>,
}

impl SubjectData {
    pub fn to_json(&self) -> Value {
        json!({
            "email": self.email,
            "records": self.records,
            "mentions": self.mentions,
            "events": self.events,
            "audit": self.audit,
            "importRows": self.import_rows,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
            && self.mentions.is_empty()
            && self.events.is_empty()
            && self.audit.is_empty()
            && self.import_rows.is_empty()
    }
}

/// What an erasure did, in counts (no personal data).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Erased {
    pub records: u64,
    pub deleted_mentions: u64,
    pub scrubbed_mentions: u64,
    pub scrubbed_events: u64,
    pub audit_entries: u64,
    pub import_rows: u64,
}

/// A relation that forbids deleting a record (`RESTRICT`) stops the erasure, which then changes
/// nothing: said as a conflict naming the object, not as a database error.
fn restricted(object: &ObjectMeta) -> impl FnOnce(StoreError) -> StoreError + '_ {
    move |error| {
        if !error.is_foreign_key_violation() {
            return error;
        }
        StoreError::Rejected(kith_core::ApiError::conflict(format!(
            "other records still point at a {} to erase and forbid deleting it: change them first",
            object.label_singular.to_lowercase()
        )))
    }
}

/// The address as compared: trimmed, lower case.
pub fn normalized_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn like_pattern(needle: &str) -> String {
    format!("%{needle}%")
}

/// `text` with every case-insensitive occurrence of `needle` (lower case) replaced.
fn scrubbed(text: &str, needle: &str) -> String {
    let lower = text.to_lowercase();
    // Lower-casing can change byte lengths outside ASCII; then the text is left to the exact match.
    if lower.len() != text.len() {
        return text.replace(needle, ERASED);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (at, _) in lower.match_indices(needle) {
        out.push_str(&text[rest..at]);
        out.push_str(ERASED);
        rest = at + needle.len();
    }
    out.push_str(&text[rest..]);
    out
}

fn mentions(text: &str, needle: &str) -> bool {
    text.to_lowercase().contains(needle)
}

fn text_of(cell: Option<&Cell>) -> Option<&str> {
    match cell {
        Some(Cell::Text(text)) => Some(text),
        _ => None,
    }
}

/// The columns of `object` that hold text a person typed (text, rich text, JSON parts).
fn text_columns(object: &ObjectMeta) -> Vec<String> {
    object
        .fields
        .iter()
        .filter(|f| f.field_type != FieldType::SensitiveText)
        .flat_map(|field| {
            field
                .field_type
                .parts()
                .iter()
                .filter(|part| matches!(part.kind, ColumnType::Text | ColumnType::Json))
                .map(|part| part.column(&field.column))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The primary and additional columns of each of `object`'s email fields, quoted.
fn email_columns(object: &ObjectMeta) -> Vec<(String, String)> {
    object
        .fields
        .iter()
        .filter(|f| f.field_type == FieldType::Emails)
        .filter_map(|field| match field.columns().as_slice() {
            [primary, additional] => {
                Some((super::sql::quote(primary), super::sql::quote(additional)))
            }
            _ => None,
        })
        .collect()
}

impl DataStore {
    /// Everything the workspace holds about `email`. Needs an admin: a data-subject request is
    /// the workspace's, not one member's.
    pub async fn find_subject(&self, email: &str) -> Result<SubjectData, StoreError> {
        self.access()
            .require_role(kith_core::Role::Admin, "a data-subject request")
            .map_err(StoreError::Rejected)?;
        let email = normalized_email(email);
        let objects = self.objects().await?;
        let mut found = SubjectData {
            email: email.clone(),
            ..SubjectData::default()
        };
        for object in objects.iter().filter(|o| o.is_active) {
            for id in self.ids_with_email(object, &email).await? {
                self.allow(Action::Read, object)?;
                let record = self.record_including_trash(object, id).await?;
                let (timeline, _) = self.timeline(object, id, 10_000, None).await?;
                found.records.push(json!({
                    "object": object.name_plural, "id": id, "record": record, "timeline": timeline,
                }));
                found.record_ids.push(id);
            }
        }
        for object in objects
            .iter()
            .filter(|o| o.is_active && MENTIONING.contains(&o.name_singular.as_str()))
        {
            let mut ids = self.ids_mentioning(object, &email).await?;
            let linked = self.ids_linked_to(object, &found.record_ids).await?;
            for id in &linked {
                if !ids.contains(id) {
                    ids.push(*id);
                }
            }
            for id in ids {
                let record = self.record_including_trash(object, id).await?;
                let text = record.as_ref().map(Value::to_string).unwrap_or_default();
                found.mentions.push(json!({
                    "object": object.name_plural, "id": id, "record": record,
                    "linked": linked.contains(&id), "mentions": mentions(&text, &email),
                }));
            }
        }
        let skip: Vec<Uuid> = found
            .record_ids
            .iter()
            .copied()
            .chain(
                found
                    .mentions
                    .iter()
                    .filter_map(|m| m["id"].as_str()?.parse().ok()),
            )
            .collect();
        found.events = self.events_naming(&objects, &email, &skip).await?;
        found.audit = self.audit_naming(&found.record_ids).await?;
        found.import_rows = self.import_rows_naming(&email, &found.record_ids).await?;
        Ok(found)
    }

    /// Erases everything found about `email` (see the module's description).
    pub async fn erase_subject(&self, email: &str) -> Result<(SubjectData, Erased), StoreError> {
        let found = self.find_subject(email).await?;
        let objects = self.objects().await?;
        let object_named = |plural: &str| objects.iter().find(|o| o.name_plural == plural);
        let mut erased = Erased::default();
        let mut tx = self.begin().await?;
        for item in &found.mentions {
            let (Some(object), Some(id)) = (
                item["object"].as_str().and_then(object_named),
                item["id"].as_str().and_then(|id| id.parse::<Uuid>().ok()),
            ) else {
                continue;
            };
            let targets = self.other_targets(&mut tx, id, &found.record_ids).await?;
            if item["linked"] == true && targets == 0 {
                self.erase_in(&mut tx, object, id)
                    .await
                    .map_err(restricted(object))?;
                erased.deleted_mentions += 1;
            } else if self.scrub_record(&mut tx, object, id, &found.email).await? {
                erased.scrubbed_mentions += 1;
            }
        }
        for item in &found.records {
            let (Some(object), Some(id)) = (
                item["object"].as_str().and_then(object_named),
                item["id"].as_str().and_then(|id| id.parse::<Uuid>().ok()),
            ) else {
                continue;
            };
            self.erase_in(&mut tx, object, id)
                .await
                .map_err(restricted(object))?;
            self.delete_rows_of(&mut tx, "_kith_favorites", "record_id", id)
                .await?;
            erased.records += 1;
        }
        erased.scrubbed_events = self.scrub_events(&mut tx, &found.email).await?;
        erased.audit_entries = self.delete_audit_naming(&mut tx, &found.record_ids).await?;
        erased.import_rows = self.delete_import_rows(&mut tx, &found).await?;
        tx.commit().await?;
        self.db.written.note(self.workspace_id);
        Ok((found, erased))
    }

    /// Every address in the workspace's email fields, lower case, each once.
    pub async fn all_emails(&self) -> Result<Vec<String>, StoreError> {
        let mut emails = std::collections::BTreeSet::new();
        for object in self.objects().await?.iter() {
            for (primary, additional) in email_columns(object) {
                let sql = format!(
                    "SELECT {primary}, CAST({additional} AS TEXT) FROM {}",
                    self.table(&object.table)
                );
                let rows = self
                    .read_rows(
                        &sql,
                        &Args::default(),
                        &[ColumnType::Text, ColumnType::Text],
                    )
                    .await?;
                for row in rows {
                    let listed = text_of(row.get(1))
                        .and_then(|text| serde_json::from_str::<Vec<String>>(text).ok())
                        .unwrap_or_default();
                    let found = text_of(row.first())
                        .map(str::to_owned)
                        .into_iter()
                        .chain(listed);
                    emails.extend(
                        found
                            .map(|e| normalized_email(&e))
                            .filter(|e| !e.is_empty()),
                    );
                }
            }
        }
        Ok(emails.into_iter().collect())
    }

    /// The records of `object` with `email` in one of its email fields, in the trash or not.
    async fn ids_with_email(
        &self,
        object: &ObjectMeta,
        email: &str,
    ) -> Result<Vec<Uuid>, StoreError> {
        let mut ids = Vec::new();
        for (primary, additional) in email_columns(object) {
            let mut args = Args::default();
            let exact = args.push(ColumnType::Text, Cell::Text(email.to_owned()));
            let within = args.push(ColumnType::Text, Cell::Text(like_pattern(email)));
            let sql = format!(
                "SELECT id, {primary}, CAST({additional} AS TEXT) FROM {} \
                 WHERE lower({primary}) = {exact} OR lower(CAST({additional} AS TEXT)) LIKE {within}",
                self.table(&object.table)
            );
            let rows = self
                .read_rows(
                    &sql,
                    &args,
                    &[ColumnType::Uuid, ColumnType::Text, ColumnType::Text],
                )
                .await?;
            for row in rows {
                let listed = text_of(row.get(2))
                    .and_then(|text| serde_json::from_str::<Vec<String>>(text).ok())
                    .unwrap_or_default();
                let matches = text_of(row.get(1)).is_some_and(|p| p.eq_ignore_ascii_case(email))
                    || listed.iter().any(|e| e.trim().eq_ignore_ascii_case(email));
                if let (true, Some(Cell::Uuid(id))) = (matches, row.first())
                    && !ids.contains(id)
                {
                    ids.push(*id);
                }
            }
        }
        Ok(ids)
    }

    /// The records of `object` whose text mentions `email`.
    async fn ids_mentioning(
        &self,
        object: &ObjectMeta,
        email: &str,
    ) -> Result<Vec<Uuid>, StoreError> {
        let columns = text_columns(object);
        if columns.is_empty() {
            return Ok(Vec::new());
        }
        let mut args = Args::default();
        let within = args.push(ColumnType::Text, Cell::Text(like_pattern(email)));
        let texts: Vec<String> = columns
            .iter()
            .map(|c| format!("COALESCE(CAST({} AS TEXT), '')", super::sql::quote(c)))
            .collect();
        let joined = texts.join(" || ' ' || ");
        let sql = format!(
            "SELECT id, {joined} FROM {} WHERE lower({joined}) LIKE {within}",
            self.table(&object.table)
        );
        let rows = self
            .read_rows(&sql, &args, &[ColumnType::Uuid, ColumnType::Text])
            .await?;
        Ok(rows
            .iter()
            .filter(|row| text_of(row.get(1)).is_some_and(|t| mentions(t, email)))
            .filter_map(|row| match row.first() {
                Some(Cell::Uuid(id)) => Some(*id),
                _ => None,
            })
            .collect())
    }

    /// The records of `source` linked to any of `targets`.
    async fn ids_linked_to(
        &self,
        source: &ObjectMeta,
        targets: &[Uuid],
    ) -> Result<Vec<Uuid>, StoreError> {
        let mut ids = Vec::new();
        for target in targets {
            let mut args = Args::default();
            let sql = format!(
                "SELECT source_id FROM {} WHERE target_id = {} AND source_object_id = {}",
                self.table("_kith_targets"),
                args.push(ColumnType::Uuid, Cell::Uuid(*target)),
                args.push(ColumnType::Uuid, Cell::Uuid(source.id))
            );
            for id in self.read().await?.ex().fetch_ids(&sql, &args).await? {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        Ok(ids)
    }

    /// Events (other than of `skip`) whose changes name `email`.
    async fn events_naming(
        &self,
        objects: &[ObjectMeta],
        email: &str,
        skip: &[Uuid],
    ) -> Result<Vec<Value>, StoreError> {
        let mut args = Args::default();
        let within = args.push(ColumnType::Text, Cell::Text(like_pattern(email)));
        let sql = format!(
            "SELECT id, object_id, record_id, kind, changes FROM {} WHERE lower(changes) LIKE {within} ORDER BY id",
            self.table("_kith_events")
        );
        let kinds = [
            ColumnType::Uuid,
            ColumnType::Uuid,
            ColumnType::Uuid,
            ColumnType::Text,
            ColumnType::Text,
        ];
        let rows = self.read_rows(&sql, &args, &kinds).await?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                let (Some(Cell::Uuid(id)), Some(Cell::Uuid(object_id)), Some(Cell::Uuid(record_id))) =
                    (row.first(), row.get(1), row.get(2))
                else {
                    return None;
                };
                let changes = text_of(row.get(4)).filter(|c| mentions(c, email))?;
                if skip.contains(record_id) {
                    return None;
                }
                let object = objects.iter().find(|o| o.id == *object_id)?;
                Some(json!({
                    "object": object.name_plural, "recordId": record_id, "id": id,
                    "kind": text_of(row.get(3)), "changes": serde_json::from_str::<Value>(changes).unwrap_or(Value::Null),
                }))
            })
            .collect())
    }

    /// Audit entries naming one of `records`.
    async fn audit_naming(&self, records: &[Uuid]) -> Result<Vec<Value>, StoreError> {
        let mut entries = Vec::new();
        for id in records {
            let mut args = Args::default();
            let sql = format!(
                "SELECT id, principal_name, action, summary FROM {} WHERE records LIKE {} ORDER BY id",
                self.table("_kith_audit"),
                args.push(ColumnType::Text, Cell::Text(like_pattern(&id.to_string())))
            );
            let kinds = [
                ColumnType::Uuid,
                ColumnType::Text,
                ColumnType::Text,
                ColumnType::Text,
            ];
            for row in self.read_rows(&sql, &args, &kinds).await? {
                if let Some(Cell::Uuid(entry)) = row.first() {
                    entries.push(json!({
                        "id": entry, "principalName": text_of(row.get(1)),
                        "action": text_of(row.get(2)), "summary": text_of(row.get(3)),
                    }));
                }
            }
        }
        Ok(entries)
    }

    /// Import rows holding `email` or naming one of `records`.
    async fn import_rows_naming(
        &self,
        email: &str,
        records: &[Uuid],
    ) -> Result<Vec<Value>, StoreError> {
        let mut args = Args::default();
        let within = args.push(ColumnType::Text, Cell::Text(like_pattern(email)));
        let sql = format!(
            "SELECT import_id, row_number, action, reason, record_id, cells FROM {} \
             WHERE lower(cells) LIKE {within} OR record_id IS NOT NULL ORDER BY import_id, row_number",
            self.table("_kith_import_rows")
        );
        let kinds = [
            ColumnType::Uuid,
            ColumnType::Int,
            ColumnType::Text,
            ColumnType::Text,
            ColumnType::Uuid,
            ColumnType::Text,
        ];
        let rows = self.read_rows(&sql, &args, &kinds).await?;
        Ok(rows
            .iter()
            .filter(|row| {
                let names_record = matches!(row.get(4), Some(Cell::Uuid(id)) if records.contains(id));
                names_record || text_of(row.get(5)).is_some_and(|c| mentions(c, email))
            })
            .map(|row| {
                json!({
                    "importId": match row.first() { Some(Cell::Uuid(id)) => json!(id), _ => Value::Null },
                    "rowNumber": match row.get(1) { Some(Cell::Int(n)) => json!(n), _ => Value::Null },
                    "action": text_of(row.get(2)), "reason": text_of(row.get(3)),
                    "cells": text_of(row.get(5)).and_then(|c| serde_json::from_str::<Value>(c).ok()),
                })
            })
            .collect())
    }

    async fn read_rows(
        &self,
        sql: &str,
        args: &Args,
        kinds: &[ColumnType],
    ) -> Result<Vec<Vec<Cell>>, StoreError> {
        self.read().await?.ex().fetch_cells(sql, args, kinds).await
    }

    /// How many links `source` has to records other than `erased`.
    async fn other_targets(
        &self,
        tx: &mut crate::Tx,
        source: Uuid,
        erased: &[Uuid],
    ) -> Result<usize, StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "SELECT target_id FROM {} WHERE source_id = {}",
            self.table("_kith_targets"),
            args.push(ColumnType::Uuid, Cell::Uuid(source))
        );
        let targets = tx.ex().fetch_ids(&sql, &args).await?;
        Ok(targets.iter().filter(|t| !erased.contains(t)).count())
    }

    /// Replaces `email` with [`ERASED`] in the record's text columns, and indexes it again;
    /// false when it held none.
    async fn scrub_record(
        &self,
        tx: &mut crate::Tx,
        object: &ObjectMeta,
        id: Uuid,
        email: &str,
    ) -> Result<bool, StoreError> {
        let columns = text_columns(object);
        let mut args = Args::default();
        let id_value = args.push(ColumnType::Uuid, Cell::Uuid(id));
        let selected: Vec<String> = columns
            .iter()
            .map(|c| format!("CAST({} AS TEXT)", super::sql::quote(c)))
            .collect();
        let sql = format!(
            "SELECT {} FROM {} WHERE id = {id_value}",
            selected.join(", "),
            self.table(&object.table)
        );
        let kinds = vec![ColumnType::Text; columns.len()];
        let rows = tx.ex().fetch_cells(&sql, &args, &kinds).await?;
        let Some(row) = rows.first() else {
            return Ok(false);
        };
        let mut update = Args::default();
        let mut sets = Vec::new();
        for (column, cell) in columns.iter().zip(row) {
            let Some(text) = text_of(Some(cell)).filter(|t| mentions(t, email)) else {
                continue;
            };
            let kind = object
                .fields
                .iter()
                .flat_map(|f| {
                    f.field_type
                        .parts()
                        .iter()
                        .map(move |p| (p.column(&f.column), p.kind))
                })
                .find(|(c, _)| c == column)
                .map_or(ColumnType::Text, |(_, kind)| kind);
            let value = scrubbed(text, email);
            let cell = match kind {
                ColumnType::Json => {
                    Cell::Json(serde_json::from_str(&value).unwrap_or(Value::String(value)))
                }
                _ => Cell::Text(value),
            };
            sets.push(format!(
                "{} = {}",
                super::sql::quote(column),
                update.push(kind, cell)
            ));
        }
        if sets.is_empty() {
            return Ok(false);
        }
        let sql = format!(
            "UPDATE {} SET {} WHERE id = {}",
            self.table(&object.table),
            sets.join(", "),
            update.push(ColumnType::Uuid, Cell::Uuid(id))
        );
        tx.ex().execute_cells(&sql, &update).await?;
        let record = self.read_in(tx, object, id).await?;
        index_record(self, tx, object, id, record.as_ref()).await?;
        Ok(true)
    }

    /// Replaces `email` in the changes of every event naming it; how many were changed.
    async fn scrub_events(&self, tx: &mut crate::Tx, email: &str) -> Result<u64, StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "SELECT id, changes FROM {} WHERE lower(changes) LIKE {}",
            self.table("_kith_events"),
            args.push(ColumnType::Text, Cell::Text(like_pattern(email)))
        );
        let rows = tx
            .ex()
            .fetch_cells(&sql, &args, &[ColumnType::Uuid, ColumnType::Text])
            .await?;
        let mut changed = 0;
        for row in rows {
            let (Some(Cell::Uuid(id)), Some(changes)) = (row.first(), text_of(row.get(1))) else {
                continue;
            };
            if !mentions(changes, email) {
                continue;
            }
            let mut update = Args::default();
            let sql = format!(
                "UPDATE {} SET changes = {} WHERE id = {}",
                self.table("_kith_events"),
                update.push(ColumnType::Text, Cell::Text(scrubbed(changes, email))),
                update.push(ColumnType::Uuid, Cell::Uuid(*id))
            );
            changed += tx.ex().execute_cells(&sql, &update).await?;
        }
        Ok(changed)
    }

    async fn delete_audit_naming(
        &self,
        tx: &mut crate::Tx,
        records: &[Uuid],
    ) -> Result<u64, StoreError> {
        let mut deleted = 0;
        for id in records {
            let mut args = Args::default();
            let sql = format!(
                "DELETE FROM {} WHERE records LIKE {}",
                self.table("_kith_audit"),
                args.push(ColumnType::Text, Cell::Text(like_pattern(&id.to_string())))
            );
            deleted += tx.ex().execute_cells(&sql, &args).await?;
        }
        Ok(deleted)
    }

    /// Deletes the import rows found, and the stored file of each import they came from.
    async fn delete_import_rows(
        &self,
        tx: &mut crate::Tx,
        found: &SubjectData,
    ) -> Result<u64, StoreError> {
        let mut deleted = 0;
        let mut imports: Vec<Uuid> = Vec::new();
        for row in &found.import_rows {
            let (Some(import), Some(number)) = (
                row["importId"]
                    .as_str()
                    .and_then(|id| id.parse::<Uuid>().ok()),
                row["rowNumber"].as_i64(),
            ) else {
                continue;
            };
            let mut args = Args::default();
            let sql = format!(
                "DELETE FROM {} WHERE import_id = {} AND row_number = {}",
                self.table("_kith_import_rows"),
                args.push(ColumnType::Uuid, Cell::Uuid(import)),
                args.push(ColumnType::Int, Cell::Int(number))
            );
            deleted += tx.ex().execute_cells(&sql, &args).await?;
            if !imports.contains(&import) {
                imports.push(import);
            }
        }
        for import in imports {
            self.delete_rows_of(tx, "_kith_import_files", "import_id", import)
                .await?;
        }
        Ok(deleted)
    }

    async fn delete_rows_of(
        &self,
        tx: &mut crate::Tx,
        table: &str,
        column: &str,
        id: Uuid,
    ) -> Result<u64, StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "DELETE FROM {} WHERE {} = {}",
            self.table(table),
            super::sql::quote(column),
            args.push(ColumnType::Uuid, Cell::Uuid(id))
        );
        tx.ex().execute_cells(&sql, &args).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_scrubbed_whatever_its_case_and_only_it() {
        assert_eq!(
            scrubbed(
                "Mail Ada.L@Example.com or ada.l@example.com, not ada@example.com",
                "ada.l@example.com"
            ),
            "Mail [erased] or [erased], not ada@example.com"
        );
        assert!(mentions("Write to ADA.L@example.COM", "ada.l@example.com"));
        assert!(!mentions("adaXl@example.com", "ada_l@example.com"));
    }
}
