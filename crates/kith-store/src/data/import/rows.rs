//! One chunk of an import's rows: read as inputs, their related records and matches found, then
//! created (as one batch) and updated, inside the caller's transaction.

use super::convert::Conversion;
use super::file::FileRow;
use super::matching::Matcher;
use super::{ImportMode, RowAction, RowOutcome, RowPlan};
use crate::StoreError;
use crate::data::DataStore;
use crate::data::input::{check, rejected};
use crate::db::Tx;
use kith_core::ApiError;
use kith_core::metadata::{Actor, ObjectMeta};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use uuid::Uuid;

/// A row read as a record's input, waiting for its action.
struct Pending {
    at: usize,
    input: Map<String, Value>,
}

impl DataStore {
    /// Imports `rows` inside `tx`, each row's outcome in order. An error is what the database
    /// refused for the chunk as a whole (a unique value taken by a row of it): the caller rolls
    /// the chunk back and, when errors are skipped, imports its rows one by one to tell which.
    pub(super) async fn import_chunk(
        &self,
        tx: &mut Tx,
        catalog: &[ObjectMeta],
        plan: &RowPlan<'_>,
        rows: &[FileRow],
        actor: &Actor,
    ) -> Result<Vec<RowOutcome>, StoreError> {
        let object = plan.object;
        let mut outcomes: Vec<RowOutcome> = rows.iter().map(RowOutcome::unread).collect();
        let mut pending = Vec::with_capacity(rows.len());
        for (at, row) in rows.iter().enumerate() {
            match plan.input_of(row) {
                Ok(Some(input)) => pending.push(Pending { at, input }),
                Ok(None) => outcomes[at].skip("the row is empty"),
                Err(reason) => outcomes[at].fail(reason),
            }
        }
        self.resolve_relations(tx, catalog, plan, &mut pending, &mut outcomes)
            .await?;
        pending.retain(|p| match self.access.check_input(object, &p.input) {
            Ok(()) => true,
            Err(e) => {
                outcomes[p.at].fail(plan.explain(&e));
                false
            }
        });
        // Rows naming a record an earlier row of the chunk named come after it is written.
        while !pending.is_empty() {
            let (creates, updates, twins) = self.decide(tx, plan, pending, &mut outcomes).await?;
            self.create_rows(tx, catalog, plan, creates, actor, &mut outcomes)
                .await?;
            self.update_rows(tx, catalog, plan, updates, actor, &mut outcomes)
                .await?;
            pending = twins;
        }
        Ok(outcomes)
    }

    /// Puts each relation column's related record in the inputs, found by the column's field.
    async fn resolve_relations(
        &self,
        tx: &mut Tx,
        catalog: &[ObjectMeta],
        plan: &RowPlan<'_>,
        pending: &mut Vec<Pending>,
        outcomes: &mut [RowOutcome],
    ) -> Result<(), StoreError> {
        for column in &plan.columns {
            let Conversion::Relation { key, target, by } = &column.conversion else {
                continue;
            };
            let Some(target) = catalog.iter().find(|o| &o.name_plural == target) else {
                continue;
            };
            let matcher = Matcher::lookup(target, by)
                .map_err(|m| rejected(ApiError::invalid_field("columns", m)))?;
            let texts: Vec<String> = pending
                .iter()
                .filter_map(|p| plan.text_at(&outcomes[p.at], column.index))
                .map(|text| matcher.normalize(&text))
                .filter(|text| !text.is_empty())
                .collect();
            if texts.is_empty() {
                continue;
            }
            let found = matcher.find(self, tx, target, &texts).await?;
            pending.retain_mut(|p| {
                let Some(text) = plan.text_at(&outcomes[p.at], column.index) else {
                    return true;
                };
                let normal = matcher.normalize(&text);
                if normal.is_empty() {
                    return true;
                }
                match found.get(&normal) {
                    Some(id) => {
                        p.input.insert(key.clone(), json!(id));
                        true
                    }
                    None => {
                        outcomes[p.at].fail(format!(
                            "column {:?}: no {} has the {by} {text:?}",
                            column.header, target.name_singular
                        ));
                        false
                    }
                }
            });
        }
        Ok(())
    }

    /// Splits rows into those to create, those to update (with the record), and those naming
    /// the same record as an earlier row of the chunk (done after it); skips the rest.
    async fn decide(
        &self,
        tx: &mut Tx,
        plan: &RowPlan<'_>,
        pending: Vec<Pending>,
        outcomes: &mut [RowOutcome],
    ) -> Result<(Vec<Pending>, Vec<(Pending, Uuid)>, Vec<Pending>), StoreError> {
        let object = plan.object;
        let Some(matcher) = &plan.matcher else {
            return Ok((pending, Vec::new(), Vec::new()));
        };
        let keys: Vec<String> = pending
            .iter()
            .filter_map(|p| matcher.value_in(&p.input))
            .collect();
        let existing = if keys.is_empty() {
            HashMap::new()
        } else {
            matcher.find(self, tx, object, &keys).await?
        };
        let mut seen: HashMap<String, u64> = HashMap::new();
        let (mut creates, mut updates, mut twins) = (Vec::new(), Vec::new(), Vec::new());
        for p in pending {
            let key = matcher.value_in(&p.input);
            let row = outcomes[p.at].row;
            if let Some(key) = &key {
                if let Some(first) = seen.get(key) {
                    if plan.mode == ImportMode::Create {
                        outcomes[p.at].skip(format!(
                            "row {first} of the file has the same {}",
                            matcher.key
                        ));
                    } else {
                        twins.push(p);
                    }
                    continue;
                }
                seen.insert(key.clone(), row);
            }
            let found = key.as_ref().and_then(|k| existing.get(k)).copied();
            match (plan.mode, found, &key) {
                (ImportMode::Create, Some(_), _) => outcomes[p.at].skip(format!(
                    "a {} with this {} exists",
                    object.name_singular, matcher.key
                )),
                (ImportMode::Update, None, None) => {
                    outcomes[p.at].skip(format!("no {} to match on", matcher.key))
                }
                (ImportMode::Update, None, Some(_)) => outcomes[p.at].skip(format!(
                    "no {} has this {}",
                    object.name_singular, matcher.key
                )),
                (_, Some(id), _) => updates.push((p, id)),
                (_, None, _) => creates.push(p),
            }
        }
        Ok((creates, updates, twins))
    }

    async fn create_rows(
        &self,
        tx: &mut Tx,
        catalog: &[ObjectMeta],
        plan: &RowPlan<'_>,
        creates: Vec<Pending>,
        actor: &Actor,
        outcomes: &mut [RowOutcome],
    ) -> Result<(), StoreError> {
        let object = plan.object;
        let mut inputs = Vec::with_capacity(creates.len());
        let mut checked = Vec::with_capacity(creates.len());
        let mut at = Vec::with_capacity(creates.len());
        for p in creates {
            match check(object, &p.input, true) {
                Ok(values) => {
                    checked.push(values);
                    inputs.push(p.input);
                    at.push(p.at);
                }
                Err(e) => outcomes[p.at].fail(plan.explain(&e)),
            }
        }
        if inputs.is_empty() {
            return Ok(());
        }
        let change_set = self.change_set_for_write(tx).await?;
        let batch = self.plan_batch(object, &inputs, &checked, actor, change_set)?;
        let given: Vec<(String, Uuid)> = checked
            .iter()
            .filter_map(|c| c.id.map(|id| ("id".to_owned(), id)))
            .collect();
        self.check_ids_free(tx, catalog, object, &given).await?;
        let ids = batch.ids.clone();
        self.write_batch(tx, object, batch).await?;
        for (at, id) in at.into_iter().zip(ids) {
            outcomes[at].done(RowAction::Create, id);
        }
        Ok(())
    }

    async fn update_rows(
        &self,
        tx: &mut Tx,
        catalog: &[ObjectMeta],
        plan: &RowPlan<'_>,
        updates: Vec<(Pending, Uuid)>,
        actor: &Actor,
        outcomes: &mut [RowOutcome],
    ) -> Result<(), StoreError> {
        for (mut p, id) in updates {
            p.input.remove("id");
            match check(plan.object, &p.input, false) {
                Ok(checked) => {
                    self.update_in(tx, catalog, plan.object, id, &checked, actor)
                        .await?;
                    outcomes[p.at].done(RowAction::Update, id);
                }
                Err(e) => outcomes[p.at].fail(plan.explain(&e)),
            }
        }
        Ok(())
    }
}

impl RowPlan<'_> {
    /// A row's input, None for an empty row, or what is wrong with it.
    fn input_of(&self, row: &FileRow) -> Result<Option<Map<String, Value>>, String> {
        if let Some(problem) = &row.problem {
            return Err(problem.clone());
        }
        if row.values.iter().all(|v| v.trim().is_empty()) {
            return Ok(None);
        }
        let mut input = Map::new();
        for column in &self.columns {
            let text = row
                .values
                .get(column.index)
                .map(String::as_str)
                .unwrap_or("");
            if text.trim().is_empty() {
                continue;
            }
            column
                .conversion
                .apply(text, &self.formats, &mut input)
                .map_err(|m| format!("column {:?}: {m}", column.header))?;
        }
        Ok(Some(input))
    }

    fn text_at(&self, outcome: &RowOutcome, index: usize) -> Option<String> {
        outcome
            .values
            .get(index)
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
    }

    /// A refused input as one sentence naming the columns of the fields it names.
    pub(super) fn explain(&self, error: &ApiError) -> String {
        if error.details.is_empty() {
            return error.message.clone();
        }
        let parts: Vec<String> = error
            .details
            .iter()
            .map(|detail| {
                let field = detail.field.split('.').next().unwrap_or(&detail.field);
                match self.columns.iter().find(|c| c.conversion.key() == field) {
                    Some(column) => format!(
                        "column {:?} ({}): {}",
                        column.header, detail.field, detail.message
                    ),
                    None => format!("{} {}", detail.field, detail.message),
                }
            })
            .collect();
        parts.join("; ")
    }
}

impl RowOutcome {
    fn unread(row: &FileRow) -> RowOutcome {
        RowOutcome {
            row: row.number,
            action: RowAction::Error,
            reason: None,
            record_id: None,
            values: row.values.clone(),
        }
    }

    fn skip(&mut self, reason: impl Into<String>) {
        self.action = RowAction::Skip;
        self.reason = Some(reason.into());
    }

    fn fail(&mut self, reason: impl Into<String>) {
        self.action = RowAction::Error;
        self.reason = Some(reason.into());
    }

    fn done(&mut self, action: RowAction, id: Uuid) {
        self.action = action;
        self.record_id = Some(id);
    }
}
