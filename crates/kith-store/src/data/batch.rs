//! Creating many records at once. A batch is planned before its write transaction starts: the
//! ids, the rows, the events and search entries, the SQL of a few multi-row `INSERT`s (SQLite) or
//! the data of a `COPY` per table (PostgreSQL), and the records the answer returns, built from the
//! cells written instead of read back. Relations are checked on a reader beforehand, so the
//! transaction only runs those writes (on SQLite, in one call) and a SQLite file's single writer
//! is held as briefly as possible.

use super::DataStore;
use super::events::CreatedChanges;
use super::input::{Checked, field_error, rejected, write_error};
use super::projection::{Projection, RecordOutput};
use super::records::actor_cells;
use super::search::{LABEL_COLUMNS, RecordText, entry_columns, entry_row, label_rows};
use super::sql::{Args, Bound, CopyData, Row, quote};
use crate::db::Tx;
use crate::{Backend, StoreError};
use kith_core::ApiError;
use kith_core::fields::{Cell, ColumnType, FieldType};
use kith_core::metadata::{Actor, FieldMeta, ObjectMeta, WORKSPACE_MEMBER};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Bound values per statement: under SQLite's limit of 32,766 (PostgreSQL allows 65,535).
const MAX_PARAMS: usize = 30_000;

/// Ids looked up per statement.
const ID_CHUNK: usize = 1_000;

/// A batch ready to write, and what it answers once written.
pub(super) struct BatchPlan {
    /// The created records as the answer shows them, already serialized.
    pub records: Vec<Box<RawValue>>,
    /// Their ids, in the same order.
    pub ids: Vec<Uuid>,
    /// The rows, then their events and search entries.
    writes: Vec<Write>,
}

/// How a batch's rows reach the database. On SQLite: `INSERT`s, run as one text (see
/// [`DataStore::bind_statements`]). On PostgreSQL: a binary `COPY` per table, which spares the
/// database evaluating a thousand rows of `VALUES` and parsing anything ([`CopyData`]).
enum Write {
    Statement(String, Bound),
    Copy { sql: String, data: Vec<u8> },
}

impl DataStore {
    /// Plans the creation of checked records: no database access.
    pub(super) fn plan_batch(
        &self,
        object: &ObjectMeta,
        inputs: &[Map<String, Value>],
        checked: &[Checked<'_>],
        actor: &Actor,
        change_set: Option<Uuid>,
    ) -> Result<BatchPlan, StoreError> {
        let now = chrono::Utc::now();
        let shared = shared_values(object, actor, now, change_set)?;
        let columns = batch_columns(&shared, checked);
        let column_at: HashMap<&str, usize> = columns
            .iter()
            .enumerate()
            .map(|(at, (name, ..))| (name.as_str(), at))
            .collect();
        let has_sensitive = object
            .active_fields()
            .any(|f| f.field_type == FieldType::SensitiveText);
        let projection = Projection::of(object, self);
        let positions = projection.positions();
        // Where each written column shows in the answer, if it does.
        let read_at: Vec<Option<usize>> = columns
            .iter()
            .map(|(name, ..)| positions.get(name.as_str()).copied())
            .collect();
        let mut rows: Vec<Row> = Vec::with_capacity(checked.len());
        let mut records = Vec::with_capacity(checked.len());
        let mut search = Vec::with_capacity(checked.len());
        let mut ids = Vec::with_capacity(checked.len());
        for (index, record) in checked.iter().enumerate() {
            let id = record.id.unwrap_or_else(Uuid::now_v7);
            let cells = row_cells(&column_at, record, id, actor, now, index);
            let mut read = projection.empty_row();
            for (at, cell) in read_at.iter().zip(&cells) {
                if let Some(at) = at {
                    read[*at] = cell.clone();
                }
            }
            ids.push(id);
            search.push(search_row(self.backend(), object, &projection, &read, id));
            let answer = RecordOutput {
                projection: &projection,
                row: &read,
            };
            records.push(serde_json::value::to_raw_value(&answer).map_err(answer_error)?);
            let stored = if has_sensitive {
                row_cells(&column_at, &self.sealed(record)?, id, actor, now, index)
            } else {
                cells
            };
            rows.push(
                columns
                    .iter()
                    .zip(stored)
                    .filter(|((_, _, source), _)| *source == Source::Row)
                    .map(|((_, kind, _), cell)| (*kind, cell))
                    .collect(),
            );
        }
        let names: Vec<String> = columns.iter().map(|(name, ..)| quote(name)).collect();
        let sources: Vec<(&str, Source)> = names
            .iter()
            .zip(&columns)
            .map(|(name, (_, _, source))| (name.as_str(), *source))
            .collect();
        let events = events(inputs, checked, &ids)?;
        let writes = match self.backend() {
            Backend::Sqlite => {
                let mut statements = self.insert_statements(&object.table, &sources, &shared, rows);
                statements.extend(self.insert_statements(
                    "_kith_events",
                    &EVENT_COLUMNS,
                    &shared,
                    events,
                ));
                statements.extend(self.entry_statements(search));
                self.bind_statements(statements, shared)?
                    .into_iter()
                    .map(|(sql, bound)| Write::Statement(sql, bound))
                    .collect()
            }
            Backend::Postgres => vec![
                self.copy(&object.table, &sources, &shared, rows)?,
                self.copy("_kith_events", &EVENT_COLUMNS, &shared, events)?,
                self.copy(
                    "_kith_search_labels",
                    &LABEL_COLUMNS,
                    &[],
                    label_rows(&search),
                )?,
                self.copy(
                    "_kith_search",
                    entry_columns(Backend::Postgres),
                    &[],
                    search,
                )?,
            ],
        };
        Ok(BatchPlan {
            records,
            ids,
            writes,
        })
    }

    /// The `COPY` of `rows` into `table` (PostgreSQL). Columns whose [`Source`] is shared take
    /// their value from `shared`.
    fn copy(
        &self,
        table: &str,
        columns: &[(&str, Source)],
        shared: &[(ColumnType, Cell)],
        rows: Vec<Row>,
    ) -> Result<Write, StoreError> {
        let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
        let sql = format!(
            "COPY {} ({}) FROM STDIN (FORMAT binary)",
            self.table(table),
            names.join(", ")
        );
        let mut data = CopyData::default();
        for row in &rows {
            data.row(columns.len());
            let mut cells = row.iter();
            for (_, source) in columns {
                let value = match source {
                    Source::Row => cells.next(),
                    Source::Shared(at) => shared.get(*at),
                };
                let (kind, cell) = value.unwrap_or(&(ColumnType::Text, Cell::Null));
                data.value(*kind, cell)?;
            }
        }
        Ok(Write::Copy {
            sql,
            data: data.finish(),
        })
    }

    /// Writes a planned batch in `tx`; gives the records. A duplicate of a unique field comes
    /// back as a conflict naming it.
    pub(super) async fn write_batch(
        &self,
        tx: &mut Tx,
        object: &ObjectMeta,
        plan: BatchPlan,
    ) -> Result<Vec<Box<RawValue>>, StoreError> {
        for write in plan.writes {
            match write {
                Write::Statement(sql, bound) => tx.ex().execute_bound(sql, bound).await,
                Write::Copy { sql, data } => tx.ex().copy_in(&sql, &data).await,
            }
            .map_err(|e| write_error(object, e))?;
        }
        self.batch_written(tx, object, &plan.ids).await?;
        Ok(plan.records)
    }

    /// Binds statements for the backend. On SQLite they become one text of several statements,
    /// run by one call: the single writer then waits for the next statement once per batch
    /// instead of once per statement.
    ///
    /// On SQLite the `shared` values are bound once, first, by a statement that selects nothing:
    /// sqlx binds the anonymous `?` of each statement from where the previous one stopped, and a
    /// numbered `?N` to the N-th value of the whole call, so the `INSERT`s that follow reach the
    /// shared values as `?1`, `?2`… (see [`DataStore::insert_statements`]). On PostgreSQL, where
    /// batches are copied instead ([`Write`]), there are none and each statement is bound alone.
    pub(super) fn bind_statements(
        &self,
        statements: Vec<(String, Args)>,
        shared: Vec<(ColumnType, Cell)>,
    ) -> Result<Vec<(String, Bound)>, StoreError> {
        let backend = self.backend();
        match backend {
            Backend::Sqlite if statements.is_empty() => Ok(Vec::new()),
            Backend::Sqlite => {
                let mut sql = String::new();
                let mut args = Args::default();
                if !shared.is_empty() {
                    sql.push_str("SELECT ");
                    for (index, (kind, cell)) in shared.into_iter().enumerate() {
                        if index > 0 {
                            sql.push_str(", ");
                        }
                        args.write_in_order(&mut sql, backend, kind, cell);
                    }
                    sql.push_str(" WHERE 0");
                }
                for (text, values) in statements {
                    if !sql.is_empty() {
                        sql.push_str(";\n");
                    }
                    sql.push_str(&text);
                    args.append(values);
                }
                Ok(vec![(sql, args.bind(backend)?)])
            }
            Backend::Postgres => statements
                .into_iter()
                .map(|(sql, args)| Ok((sql, args.bind(backend)?)))
                .collect(),
        }
    }

    /// `INSERT INTO table (columns) VALUES (…), (…)…`, as few statements as the parameter limit
    /// allows. On SQLite the values are anonymous `?`, so several of these can run as one text.
    ///
    /// A row holds the values of the columns whose [`Source`] is the row. The others, in SQLite's
    /// batches only (PostgreSQL's are copied, see [`Write`]), come from `shared` as `?1`, `?2`…
    /// of the whole text ([`DataStore::bind_statements`] binds them once): `INSERT … SELECT
    /// v.column1, shared.column2, … FROM (VALUES (?1, ?2, …)) AS shared, (VALUES (?, ?), …) AS v`.
    /// Every `?N` comes before the first `?` and all of them are named, so that SQLite numbers the
    /// anonymous ones after them.
    pub(super) fn insert_statements(
        &self,
        table: &str,
        columns: &[(&str, Source)],
        shared: &[(ColumnType, Cell)],
        rows: Vec<Row>,
    ) -> Vec<(String, Args)> {
        let backend = self.backend();
        let selects_rows = columns.iter().any(|(_, s)| *s != Source::Row);
        debug_assert!(!selects_rows || backend == Backend::Sqlite);
        let row_width = columns.iter().filter(|(_, s)| *s == Source::Row).count();
        let per_statement = (MAX_PARAMS.saturating_sub(shared.len()) / row_width.max(1)).max(1);
        let head = self.insert_head(table, columns, shared, selects_rows);
        let mut statements = Vec::new();
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let mut args = Args::default();
            let mut sql = head.clone();
            for (index, row) in rows.by_ref().take(per_statement).enumerate() {
                sql.push_str(if index == 0 { "(" } else { ", (" });
                let mut cells = row.into_iter();
                for at in 0..row_width {
                    if at > 0 {
                        sql.push_str(", ");
                    }
                    let (kind, cell) = cells.next().unwrap_or((ColumnType::Text, Cell::Null));
                    args.write_in_order(&mut sql, backend, kind, cell);
                }
                sql.push(')');
            }
            if selects_rows {
                sql.push_str(") AS v");
            }
            statements.push((sql, args));
        }
        statements
    }

    /// The text of [`DataStore::insert_statements`] up to its first row: `VALUES`, or with
    /// `selects_rows` the `SELECT` that reads the shared values beside the rows (SQLite).
    fn insert_head(
        &self,
        table: &str,
        columns: &[(&str, Source)],
        shared: &[(ColumnType, Cell)],
        selects_rows: bool,
    ) -> String {
        let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
        let insert = format!("INSERT INTO {} ({})", self.table(table), names.join(", "));
        if !selects_rows {
            return format!("{insert} VALUES ");
        }
        let mut in_row = 0;
        let values: Vec<String> = columns
            .iter()
            .map(|(_, source)| match source {
                Source::Shared(at) => format!("shared.column{}", at + 1),
                Source::Row => {
                    in_row += 1;
                    format!("v.column{in_row}")
                }
            })
            .collect();
        let numbered: Vec<String> = (1..=shared.len()).map(|n| format!("?{n}")).collect();
        format!(
            "{insert} SELECT {} FROM (VALUES ({})) AS shared, (VALUES ",
            values.join(", "),
            numbered.join(", ")
        )
    }

    /// Checks every relation of a batch with one lookup per target object; errors name the index.
    /// Runs on a reader, before the write transaction, to keep it off the single writer: a
    /// target trashed in between ends like one trashed just after the batch, and one erased in
    /// between fails the batch's foreign key (see `create_records`).
    pub(super) async fn check_batch_relations(
        &self,
        catalog: &[ObjectMeta],
        checked: &[Checked<'_>],
    ) -> Result<(), StoreError> {
        let mut wanted: HashMap<String, HashSet<Uuid>> = HashMap::new();
        for record in checked {
            for (field, target) in &record.relations {
                if let Some(relation) = &field.relation {
                    wanted
                        .entry(relation.target.clone())
                        .or_default()
                        .insert(*target);
                }
            }
        }
        let mut found: HashMap<String, HashSet<Uuid>> = HashMap::new();
        for (target, ids) in wanted {
            let present = if target == WORKSPACE_MEMBER {
                let mut present = HashSet::new();
                for id in ids {
                    if self.db.is_member(self.workspace_id, id).await? {
                        present.insert(id);
                    }
                }
                present
            } else {
                match catalog.iter().find(|o| o.name_singular == target) {
                    Some(object) => self.live_among(object, ids).await?,
                    None => HashSet::new(),
                }
            };
            found.insert(target, present);
        }
        let mut errors = Vec::new();
        for (index, record) in checked.iter().enumerate() {
            for (field, target) in &record.relations {
                let Some(relation) = &field.relation else {
                    continue;
                };
                if !found
                    .get(&relation.target)
                    .is_some_and(|ids| ids.contains(target))
                {
                    let what = if relation.target == WORKSPACE_MEMBER {
                        "workspace member"
                    } else {
                        relation.target.as_str()
                    };
                    errors.push(field_error(
                        &format!("[{index}].{}", field.key()),
                        format!("no {what} has the id {target}"),
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(rejected(ApiError::conflicting_fields(errors)))
        }
    }

    /// Which of `ids` are live records of `object`. Counted first: when all are (the usual
    /// case) no id has to come back from the database.
    async fn live_among(
        &self,
        object: &ObjectMeta,
        ids: HashSet<Uuid>,
    ) -> Result<HashSet<Uuid>, StoreError> {
        let ids: Vec<Uuid> = ids.into_iter().collect();
        let mut conn = self.read().await?;
        let mut live = 0;
        for chunk in ids.chunks(ID_CHUNK) {
            let (sql, args) = self.live_query(object, "count(*)", chunk);
            let count = conn.ex().fetch_int(&sql, &args).await?.unwrap_or(0);
            live += usize::try_from(count).unwrap_or(0);
        }
        if live == ids.len() {
            return Ok(ids.into_iter().collect());
        }
        let mut present = HashSet::new();
        for chunk in ids.chunks(ID_CHUNK) {
            let (sql, args) = self.live_query(object, "id", chunk);
            present.extend(conn.ex().fetch_ids(&sql, &args).await?);
        }
        Ok(present)
    }

    /// `SELECT <what>` (`count(*)` or `id`) of the live records of `object` among `ids`.
    ///
    /// On PostgreSQL an `id IN (…)` of a thousand ids is planned as a scan of the whole table
    /// (a hundred thousand companies: 7–17 ms a batch, measured with `EXPLAIN ANALYZE`), and so
    /// is a join with the list. A lateral lookup with `LIMIT 1` cannot be turned into a join: it
    /// is one probe of the primary key per id (about 2 ms).
    fn live_query(&self, object: &ObjectMeta, what: &str, ids: &[Uuid]) -> (String, Args) {
        let mut args = Args::default();
        let table = self.table(&object.table);
        let sql = match self.backend() {
            Backend::Sqlite => {
                let placeholders: Vec<String> = ids
                    .iter()
                    .map(|id| {
                        args.push_in_order(Backend::Sqlite, ColumnType::Uuid, Cell::Uuid(*id))
                    })
                    .collect();
                format!(
                    "SELECT {what} FROM {table} WHERE deleted_at IS NULL AND id IN ({})",
                    placeholders.join(", ")
                )
            }
            Backend::Postgres => {
                let wanted: Vec<String> = ids
                    .iter()
                    .map(|id| format!("({})", args.push(ColumnType::Uuid, Cell::Uuid(*id))))
                    .collect();
                format!(
                    "SELECT {what} FROM (VALUES {}) AS wanted (id) CROSS JOIN LATERAL \
                     (SELECT 1 FROM {table} AS t WHERE t.id = wanted.id AND t.deleted_at IS NULL LIMIT 1) AS live",
                    wanted.join(", ")
                )
            }
        };
        (sql, args)
    }
}

/// Where an inserted column's value comes from: each row, or the values the whole batch shares
/// (an index into them, see [`shared_values`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Source {
    Row,
    Shared(usize),
}

/// The indexes of [`shared_values`].
const NOW: usize = 0;
const ACTOR_CELLS: [usize; 3] = [1, 2, 3];
const OBJECT: usize = 4;
const CREATED: usize = 5;
const ACTOR_JSON: usize = 6;
const CHANGE_SET: usize = 7;

/// What every row of a batch has in common: its instant, its actor (as the three columns of
/// `created_by` and `updated_by`, and as an event's JSON), its object, the kind of its events and
/// their change set.
/// Almost half of a batch's values, bound once on SQLite (binding was a tenth of the single
/// writer's time).
fn shared_values(
    object: &ObjectMeta,
    actor: &Actor,
    now: chrono::DateTime<chrono::Utc>,
    change_set: Option<Uuid>,
) -> Result<Vec<(ColumnType, Cell)>, StoreError> {
    let actor_json = serde_json::to_string(actor).map_err(answer_error)?;
    let mut shared = vec![(ColumnType::DateTime, Cell::DateTime(now))];
    shared.extend(actor_cells(actor));
    shared.extend([
        (ColumnType::Uuid, Cell::Uuid(object.id)),
        (ColumnType::Text, Cell::Text("created".into())),
        (ColumnType::Json, Cell::Text(actor_json)),
        (ColumnType::Uuid, change_set.map_or(Cell::Null, Cell::Uuid)),
    ]);
    Ok(shared)
}

const EVENT_COLUMNS: [(&str, Source); 8] = [
    ("id", Source::Row),
    ("object_id", Source::Shared(OBJECT)),
    ("record_id", Source::Row),
    ("kind", Source::Shared(CREATED)),
    ("actor", Source::Shared(ACTOR_JSON)),
    ("changes", Source::Row),
    ("at", Source::Shared(NOW)),
    ("change_set_id", Source::Shared(CHANGE_SET)),
];

/// The columns a batch writes, with where their values come from: the system columns, then every
/// column any record sets. The actor's columns have the types of its `shared` values.
fn batch_columns(
    shared: &[(ColumnType, Cell)],
    checked: &[Checked<'_>],
) -> Vec<(String, ColumnType, Source)> {
    let mut columns: Vec<(String, ColumnType, Source)> = vec![
        ("id".into(), ColumnType::Uuid, Source::Row),
        (
            "created_at".into(),
            ColumnType::DateTime,
            Source::Shared(NOW),
        ),
        (
            "updated_at".into(),
            ColumnType::DateTime,
            Source::Shared(NOW),
        ),
        ("position".into(), ColumnType::Float, Source::Row),
    ];
    for prefix in ["created_by", "updated_by"] {
        for (suffix, at) in ["source", "member_id", "name"].into_iter().zip(ACTOR_CELLS) {
            columns.push((
                format!("{prefix}_{suffix}"),
                shared[at].0,
                Source::Shared(at),
            ));
        }
    }
    let mut seen: HashSet<String> = columns.iter().map(|(name, ..)| name.clone()).collect();
    for record in checked {
        for (column, kind, _) in &record.columns {
            if seen.insert(column.clone()) {
                columns.push((column.clone(), *kind, Source::Row));
            }
        }
    }
    columns
}

/// The cells of one record, in the order of the batch's columns (see [`batch_columns`]), given
/// where each column is.
fn row_cells(
    column_at: &HashMap<&str, usize>,
    record: &Checked<'_>,
    id: Uuid,
    actor: &Actor,
    now: chrono::DateTime<chrono::Utc>,
    index: usize,
) -> Vec<Cell> {
    let position = record
        .position
        .unwrap_or(now.timestamp_millis() as f64 + index as f64);
    let mut cells = vec![
        Cell::Uuid(id),
        Cell::DateTime(now),
        Cell::DateTime(now),
        Cell::Float(position),
    ];
    for _ in 0..2 {
        cells.extend(actor_cells(actor).into_iter().map(|(_, cell)| cell));
    }
    cells.resize(column_at.len(), Cell::Null);
    for (column, _, cell) in &record.columns {
        if let Some(&at) = column_at.get(column.as_str()) {
            cells[at] = cell.clone();
        }
    }
    cells
}

/// A `created` event for each record, with the values given: the cells of its columns that
/// come from the row (see [`EVENT_COLUMNS`]). The changes are JSON text, serialized once here
/// rather than built as values first.
fn events(
    inputs: &[Map<String, Value>],
    checked: &[Checked<'_>],
    ids: &[Uuid],
) -> Result<Vec<Row>, StoreError> {
    checked
        .iter()
        .zip(inputs)
        .zip(ids)
        .map(|((record, input), id)| {
            let changes = CreatedChanges {
                fields: &record.fields,
                input,
            };
            Ok(vec![
                (ColumnType::Uuid, Cell::Uuid(Uuid::now_v7())),
                (ColumnType::Uuid, Cell::Uuid(*id)),
                (
                    ColumnType::Text,
                    Cell::Text(serde_json::to_string(&changes).map_err(answer_error)?),
                ),
            ])
        })
        .collect()
}

/// The search entry of a record, read from its row.
fn search_row(
    backend: Backend,
    object: &ObjectMeta,
    projection: &Projection<'_>,
    row: &[Cell],
    id: Uuid,
) -> Row {
    entry_row(backend, object, &RowText { projection, row }, id)
}

/// A row of a [`Projection`] as search reads a record.
struct RowText<'a> {
    projection: &'a Projection<'a>,
    row: &'a [Cell],
}

impl RowText<'_> {
    /// The cell of `field`'s sub-field `part` (empty for a field of one column).
    fn cell(&self, field: &FieldMeta, part: &str) -> Option<&Cell> {
        let (_, _, start) = self
            .projection
            .fields()
            .iter()
            .find(|(shown, ..)| shown.id == field.id)?;
        let index = field
            .field_type
            .parts()
            .iter()
            .position(|p| p.name == part)?;
        self.projection.cells_of(self.row, *start, field).get(index)
    }
}

impl RecordText for RowText<'_> {
    fn text(&self, field: &FieldMeta, part: &str) -> Option<&str> {
        match self.cell(field, part)? {
            Cell::Text(text) => Some(text),
            _ => None,
        }
    }

    fn texts(&self, field: &FieldMeta, part: &str) -> Vec<&str> {
        match self.cell(field, part) {
            Some(Cell::Json(Value::Array(items))) => {
                items.iter().filter_map(Value::as_str).collect()
            }
            _ => Vec::new(),
        }
    }
}

pub(super) fn answer_error(error: serde_json::Error) -> StoreError {
    StoreError::Corrupt {
        column: "record",
        value: error.to_string(),
    }
}
