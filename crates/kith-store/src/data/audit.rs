//! The audit log of a workspace: every MCP tool call and every write by an API token, with who,
//! through which client, what (the tool or route and a summary of its arguments without values),
//! the outcome, how long it took and the records it touched. Written after the call, on its own,
//! so refused and failed calls are on it too; purged after the retention period.

use super::DataStore;
use super::records::now;
use super::sql::Args;
use crate::StoreError;
use kith_core::fields::{Cell, CellOutput, ColumnType};
use kith_core::metadata::ObjectMeta;
use serde_json::{Value, json};
use uuid::Uuid;

/// One call, as the audit log keeps it.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// `token:{id}`.
    pub principal: String,
    /// The token's name.
    pub principal_name: String,
    /// The client's own name (an MCP client's, or the HTTP User-Agent).
    pub client: String,
    /// The tool (`mcp:update_record`) or the route (`PATCH /rest/{plural}/{id}`).
    pub action: String,
    /// What the call asked, without field values.
    pub summary: Value,
    /// `ok`, or the error code.
    pub outcome: String,
    pub duration_ms: i64,
}

/// Which entries to read, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub principal: Option<String>,
    /// A tool or route, or a prefix ending in `*` (`mcp:*`).
    pub action: Option<String>,
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    /// The id of the last entry of the previous page.
    pub before: Option<Uuid>,
    pub limit: usize,
}

const KINDS: [ColumnType; 10] = [
    ColumnType::Uuid,
    ColumnType::DateTime,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Int,
    ColumnType::Text,
];

impl DataStore {
    /// The records this handle's writes recorded events for, in order, each once.
    pub fn touched(&self) -> Vec<Value> {
        let Ok(touched) = self.touched.lock() else {
            return Vec::new();
        };
        let mut seen = std::collections::HashSet::new();
        touched
            .iter()
            .filter(|key| seen.insert((*key).clone()))
            .map(|(object, id)| json!({ "object": object, "id": id }))
            .collect()
    }

    pub(super) fn note_touched(&self, object: &ObjectMeta, record_id: Uuid) {
        if let Ok(mut touched) = self.touched.lock() {
            touched.push((object.name_plural.clone(), record_id));
        }
    }

    /// Writes an entry, with the records this handle touched. Never rolled back, dry run or not:
    /// the attempt is what is on record. Committed without waiting for the disk: a power loss in
    /// the moment after a call may lose its entry, never the call's own writes.
    pub async fn record_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let records = Value::Array(self.touched()).to_string();
        let mut args = Args::default();
        let values = [
            args.push(ColumnType::Uuid, Cell::Uuid(Uuid::now_v7())),
            args.push(ColumnType::DateTime, now()),
            args.push(ColumnType::Text, Cell::Text(entry.principal.clone())),
            args.push(ColumnType::Text, Cell::Text(entry.principal_name.clone())),
            args.push(ColumnType::Text, Cell::Text(entry.client.clone())),
            args.push(ColumnType::Text, Cell::Text(entry.action.clone())),
            args.push(ColumnType::Text, Cell::Text(entry.summary.to_string())),
            args.push(ColumnType::Text, Cell::Text(entry.outcome.clone())),
            args.push(ColumnType::Int, Cell::Int(entry.duration_ms)),
            args.push(ColumnType::Text, Cell::Text(records)),
        ];
        let sql = format!(
            "INSERT INTO {} (id, at, principal, principal_name, client, action, summary, outcome, duration_ms, records) \
             VALUES ({})",
            self.table("_kith_audit"),
            values.join(", ")
        );
        let mut tx = self.begin().await?;
        tx.ex().execute_cells(&sql, &args).await?;
        // Not worth a flush to disk of its own on every call (it doubled a tool call's time);
        // the next flushed commit carries it.
        tx.commit_lazily().await
    }

    /// Entries matching `query`, newest first.
    pub async fn audit(&self, query: &AuditQuery) -> Result<Vec<Value>, StoreError> {
        let mut args = Args::default();
        let mut conditions = Vec::new();
        if let Some(principal) = &query.principal {
            let p = args.push(ColumnType::Text, Cell::Text(principal.clone()));
            conditions.push(format!("principal = {p}"));
        }
        match query
            .action
            .as_deref()
            .map(|a| a.strip_suffix('*').ok_or(a))
        {
            Some(Ok(prefix)) => {
                let escaped = prefix
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                let p = args.push(ColumnType::Text, Cell::Text(format!("{escaped}%")));
                conditions.push(format!("action LIKE {p} ESCAPE '\\'"));
            }
            Some(Err(exact)) => {
                let p = args.push(ColumnType::Text, Cell::Text(exact.to_owned()));
                conditions.push(format!("action = {p}"));
            }
            None => {}
        }
        if let Some(since) = query.since {
            let p = args.push(ColumnType::DateTime, Cell::DateTime(since));
            conditions.push(format!("at >= {p}"));
        }
        if let Some(until) = query.until {
            let p = args.push(ColumnType::DateTime, Cell::DateTime(until));
            conditions.push(format!("at < {p}"));
        }
        if let Some(before) = query.before {
            let p = args.push(ColumnType::Uuid, Cell::Uuid(before));
            conditions.push(format!("id < {p}"));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let sql = format!(
            "SELECT id, at, principal, principal_name, client, action, summary, outcome, duration_ms, records \
             FROM {} {filter} ORDER BY id DESC LIMIT {}",
            self.table("_kith_audit"),
            query.limit.clamp(1, 200)
        );
        let mut conn = self.read().await?;
        let rows = conn.ex().fetch_cells(&sql, &args, &KINDS).await?;
        Ok(rows.iter().map(|row| entry_json(row)).collect())
    }

    /// Deletes the entries older than `cutoff`; how many.
    pub async fn purge_audit(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, StoreError> {
        let mut args = Args::default();
        let sql = format!(
            "DELETE FROM {} WHERE at < {}",
            self.table("_kith_audit"),
            args.push(ColumnType::DateTime, Cell::DateTime(cutoff))
        );
        let mut tx = self.begin().await?;
        let deleted = tx.ex().execute_cells(&sql, &args).await?;
        tx.commit().await?;
        Ok(deleted)
    }
}

fn entry_json(row: &[Cell]) -> Value {
    let cell = |i: usize| json!(CellOutput(&row[i]));
    let parsed = |i: usize| match &row[i] {
        Cell::Text(text) => serde_json::from_str(text).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    json!({
        "id": cell(0),
        "at": cell(1),
        "principal": { "id": cell(2), "name": cell(3) },
        "client": cell(4),
        "action": cell(5),
        "arguments": parsed(6),
        "outcome": cell(7),
        "durationMs": cell(8),
        "records": parsed(9),
    })
}
