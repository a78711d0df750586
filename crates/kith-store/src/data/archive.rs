//! A whole workspace as one file, and back: `kith export --archive` and `kith import --archive`.
//!
//! The file is JSON Lines. The first line is the header: the format's version, the workspace's
//! id and name, its objects and fields as stored (custom ones included), and its webhooks'
//! URLs and events (never their secrets). Then, for each table kept (every object's records,
//! the history, the links of notes and tasks, the saved views, the change sets), a line naming
//! the table and its columns, then one line per row: its cells as JSON, by column type (a
//! sensitive value in clear, since the workspace it is restored into seals it with its own key
//! and id). The last line counts the rows, so a cut file is refused rather than restored in part.
//!
//! Restoring creates a workspace, replaces its standard objects with the archive's, and writes
//! every row with the ids it had; relations are set once every row is in (a record may point at
//! one written after it). Counts and the search index are then rebuilt. The whole restore is
//! one transaction: a file that fails half-way leaves no workspace behind.

use super::DataStore;
use super::schema::{SYSTEM_COLUMNS, begin_locked, create_object};
use super::sql::{Args, quote};
use crate::StoreError;
use chrono::SecondsFormat;
use kith_core::ApiError;
use kith_core::fields::{Cell, ColumnType, FieldType};
use kith_core::metadata::ObjectMeta;
use serde_json::{Value, json};
use std::io::{BufRead, Write};
use uuid::Uuid;

pub const ARCHIVE_VERSION: u64 = 1;
/// Rows read, and written, at a time.
const PAGE: i64 = 1000;

/// A table kept besides the objects' own, with its columns.
struct Kept {
    table: &'static str,
    columns: &'static [(&'static str, ColumnType)],
}

const KEPT: [Kept; 4] = [
    Kept {
        table: "_kith_events",
        columns: &[
            ("id", ColumnType::Uuid),
            ("object_id", ColumnType::Uuid),
            ("record_id", ColumnType::Uuid),
            ("kind", ColumnType::Text),
            ("actor", ColumnType::Json),
            ("changes", ColumnType::Text),
            ("at", ColumnType::DateTime),
            ("change_set_id", ColumnType::Uuid),
        ],
    },
    Kept {
        table: "_kith_targets",
        columns: &[
            ("source_object_id", ColumnType::Uuid),
            ("source_id", ColumnType::Uuid),
            ("target_object_id", ColumnType::Uuid),
            ("target_id", ColumnType::Uuid),
            ("created_at", ColumnType::DateTime),
        ],
    },
    Kept {
        table: "_kith_views",
        columns: &[
            ("id", ColumnType::Uuid),
            ("object_id", ColumnType::Uuid),
            ("owner", ColumnType::Text),
            ("spec", ColumnType::Text),
            ("created_by", ColumnType::Text),
            ("created_at", ColumnType::DateTime),
            ("updated_at", ColumnType::DateTime),
        ],
    },
    Kept {
        table: "_kith_change_sets",
        columns: &[
            ("id", ColumnType::Uuid),
            ("principal", ColumnType::Text),
            ("label", ColumnType::Text),
            ("opened_at", ColumnType::DateTime),
            ("last_write_at", ColumnType::DateTime),
            ("reverted_at", ColumnType::DateTime),
        ],
    },
];

/// A table's columns as kept: its name, its type, and for a sensitive value its field's id.
#[derive(Debug, Clone)]
struct Column {
    name: String,
    kind: ColumnType,
    sealed_for: Option<Uuid>,
    /// A relation's column, written once every row is in.
    relation: bool,
}

fn object_columns(object: &ObjectMeta) -> Vec<Column> {
    let system = SYSTEM_COLUMNS.iter().map(|(name, kind)| Column {
        name: (*name).to_owned(),
        kind: *kind,
        sealed_for: None,
        relation: false,
    });
    let fields = object.fields.iter().flat_map(|field| {
        field.field_type.parts().iter().map(move |part| Column {
            name: part.column(&field.column),
            kind: part.kind,
            sealed_for: (field.field_type == FieldType::SensitiveText).then_some(field.id),
            relation: field.field_type == FieldType::Relation,
        })
    });
    system.chain(fields).collect()
}

fn kept_columns(kept: &Kept) -> Vec<Column> {
    kept.columns
        .iter()
        .map(|(name, kind)| Column {
            name: (*name).to_owned(),
            kind: *kind,
            sealed_for: None,
            relation: false,
        })
        .collect()
}

/// A cell as JSON: what it holds, in the form its type reads back.
fn cell_json(cell: &Cell) -> Value {
    use base64::Engine as _;
    match cell {
        Cell::Null => Value::Null,
        Cell::Text(text) => json!(text),
        Cell::Int(n) => json!(n),
        Cell::Float(x) => json!(x),
        Cell::Bool(b) => json!(b),
        Cell::Date(day) => json!(day.to_string()),
        Cell::DateTime(at) => json!(at.to_rfc3339_opts(SecondsFormat::Micros, true)),
        Cell::Json(value) => json!({ "json": value }),
        Cell::Uuid(id) => json!(id),
        Cell::Bytes(bytes) => json!(base64::engine::general_purpose::STANDARD.encode(bytes)),
    }
}

fn bad_file(line: usize, message: impl std::fmt::Display) -> StoreError {
    StoreError::Rejected(ApiError::bad_request(format!(
        "the archive's line {line} {message}"
    )))
}

/// A cell of type `kind` from its JSON in an archive.
fn json_cell(kind: ColumnType, value: &Value, line: usize) -> Result<Cell, StoreError> {
    use base64::Engine as _;
    let wrong = || {
        bad_file(
            line,
            format!("holds {value} where a {kind:?} value belongs"),
        )
    };
    if value.is_null() {
        return Ok(Cell::Null);
    }
    Ok(match kind {
        ColumnType::Text | ColumnType::Words => {
            Cell::Text(value.as_str().ok_or_else(wrong)?.to_owned())
        }
        ColumnType::Int => Cell::Int(value.as_i64().ok_or_else(wrong)?),
        ColumnType::Float => Cell::Float(value.as_f64().ok_or_else(wrong)?),
        ColumnType::Bool => Cell::Bool(value.as_bool().ok_or_else(wrong)?),
        ColumnType::Date => Cell::Date(
            value
                .as_str()
                .and_then(|d| d.parse().ok())
                .ok_or_else(wrong)?,
        ),
        ColumnType::DateTime => Cell::DateTime(
            value
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&chrono::Utc))
                .ok_or_else(wrong)?,
        ),
        ColumnType::Json => Cell::Json(value.get("json").cloned().ok_or_else(wrong)?),
        ColumnType::Uuid => Cell::Uuid(
            value
                .as_str()
                .and_then(|u| u.parse().ok())
                .ok_or_else(wrong)?,
        ),
        ColumnType::Bytes => Cell::Bytes(
            value
                .as_str()
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .ok_or_else(wrong)?,
        ),
    })
}

fn write_line(out: &mut (dyn Write + Send), value: &Value) -> Result<(), StoreError> {
    let path = std::path::PathBuf::from("(the archive)");
    writeln!(out, "{value}").map_err(|e| StoreError::Io(path, e))
}

/// The header of an archive.
#[derive(Debug, Clone)]
pub struct ArchiveHeader {
    pub workspace_id: Uuid,
    pub name: String,
    pub objects: Vec<ObjectMeta>,
    /// `{url, events}` of each webhook.
    pub webhooks: Vec<Value>,
}

impl DataStore {
    /// Writes the workspace's archive to `out` (see the module's description); answers how many
    /// rows it holds. `webhooks` are `{url, events}`, from the control plane.
    pub async fn write_archive(
        &self,
        name: &str,
        webhooks: &[Value],
        out: &mut (dyn Write + Send),
    ) -> Result<u64, StoreError> {
        let objects = self.objects().await?;
        write_line(
            out,
            &json!({
                "kithArchive": ARCHIVE_VERSION,
                "workspace": { "id": self.workspace_id, "name": name },
                "exportedAt": chrono::Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
                "objects": objects.as_ref(),
                "webhooks": webhooks,
            }),
        )?;
        let mut rows = 0;
        for object in objects.iter() {
            rows += self
                .write_table(&object.table, &object_columns(object), out)
                .await?;
        }
        for kept in &KEPT {
            rows += self
                .write_table(kept.table, &kept_columns(kept), out)
                .await?;
        }
        write_line(out, &json!({ "end": true, "rows": rows }))?;
        Ok(rows)
    }

    /// Writes a table's line and its rows, a page at a time: after the last id when its first
    /// column is `id`, by offset otherwise (the links, whose key is a pair), in every column's
    /// order.
    async fn write_table(
        &self,
        table: &str,
        columns: &[Column],
        out: &mut (dyn Write + Send),
    ) -> Result<u64, StoreError> {
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        write_line(out, &json!({ "table": table, "columns": names }))?;
        let kinds: Vec<ColumnType> = columns.iter().map(|c| c.kind).collect();
        let selected: Vec<String> = names.iter().map(|n| quote(n)).collect();
        let by_id = names.first() == Some(&"id");
        // Pages by offset need a total order: every column, for a table without an id.
        let order: Vec<String> = selected
            .iter()
            .take(if by_id { 1 } else { selected.len() })
            .cloned()
            .collect();
        let mut written = 0;
        let mut offset = 0;
        let mut after: Option<Uuid> = None;
        loop {
            let mut args = Args::default();
            let (filter, skip) = match (by_id, after) {
                (true, Some(id)) => (
                    format!("WHERE id > {}", args.push(ColumnType::Uuid, Cell::Uuid(id))),
                    String::new(),
                ),
                (true, None) => (String::new(), String::new()),
                (false, _) => (String::new(), format!(" OFFSET {offset}")),
            };
            let sql = format!(
                "SELECT {} FROM {} {filter} ORDER BY {} LIMIT {PAGE}{skip}",
                selected.join(", "),
                self.table(table),
                order.join(", ")
            );
            let rows = self
                .read()
                .await?
                .ex()
                .fetch_cells(&sql, &args, &kinds)
                .await?;
            if let Some(Some(Cell::Uuid(id))) = rows.last().map(|row| row.first()) {
                after = Some(*id);
            }
            for row in &rows {
                let cells = row
                    .iter()
                    .zip(columns)
                    .map(|(cell, column)| self.archived_cell(cell, column))
                    .collect::<Result<Vec<_>, _>>()?;
                write_line(out, &Value::Array(cells))?;
            }
            written += rows.len() as u64;
            if (rows.len() as i64) < PAGE {
                return Ok(written);
            }
            offset += PAGE;
        }
    }

    /// A sensitive value opened, since the workspace it goes to seals it anew.
    fn archived_cell(&self, cell: &Cell, column: &Column) -> Result<Value, StoreError> {
        match (column.sealed_for, cell) {
            (Some(field), Cell::Bytes(sealed)) => Ok(json!(self.db.cipher.decrypt(
                self.workspace_id,
                field,
                sealed
            )?)),
            _ => Ok(cell_json(cell)),
        }
    }

    /// Restores an archive into this workspace, new and empty but for its standard objects
    /// (see the module's description): answers how many rows went in.
    pub async fn restore_archive(
        &self,
        header: &ArchiveHeader,
        lines: &mut dyn Iterator<Item = (usize, std::io::Result<String>)>,
    ) -> Result<u64, StoreError> {
        let mut tx = begin_locked(self).await?;
        self.replace_catalog(&mut tx, &header.objects).await?;
        let mut relations: Vec<(String, String, Uuid, Cell)> = Vec::new();
        let mut table: Option<(String, Vec<Column>)> = None;
        let mut batch: Vec<Vec<Cell>> = Vec::new();
        let mut rows = 0u64;
        let mut ended = None;
        for (number, line) in lines {
            let line = line.map_err(|e| bad_file(number, format!("cannot be read: {e}")))?;
            if line.trim().is_empty() {
                continue;
            }
            let value: Value = serde_json::from_str(&line)
                .map_err(|e| bad_file(number, format!("is not JSON: {e}")))?;
            if let Value::Array(cells) = &value {
                let Some((name, columns)) = &table else {
                    return Err(bad_file(number, "holds a row before any table"));
                };
                batch.push(self.restored_row(name, columns, cells, number, &mut relations)?);
                rows += 1;
                if batch.len() as i64 >= PAGE {
                    self.insert_rows(&mut tx, name, columns, &mut batch).await?;
                }
                continue;
            }
            if let Some((name, columns)) = &table {
                self.insert_rows(&mut tx, name, columns, &mut batch).await?;
            }
            if value["end"] == true {
                ended = Some((number, value["rows"].as_u64()));
                break;
            }
            table = Some(self.table_named(&header.objects, &value, number)?);
        }
        match ended {
            Some((_, Some(expected))) if expected == rows => {}
            Some((number, _)) => {
                return Err(bad_file(
                    number,
                    format!("counts rows other than the {rows} it holds"),
                ));
            }
            None => {
                return Err(StoreError::Rejected(ApiError::bad_request(
                    "the archive ends early (no closing line): it was cut short; nothing was restored",
                )));
            }
        }
        for (table, column, id, cell) in relations {
            let mut args = Args::default();
            let sql = format!(
                "UPDATE {} SET {} = {} WHERE id = {}",
                self.table(&table),
                quote(&column),
                args.push(ColumnType::Uuid, cell),
                args.push(ColumnType::Uuid, Cell::Uuid(id))
            );
            tx.ex().execute_cells(&sql, &args).await?;
        }
        super::counts::count_objects(self, &mut tx, &header.objects).await?;
        tx.commit().await?;
        self.forget_catalog();
        self.catch_up_fields().await?;
        Ok(rows)
    }

    /// Drops the new workspace's standard objects and creates the archive's, each marked for a
    /// search index built afresh.
    async fn replace_catalog(
        &self,
        tx: &mut crate::Tx,
        objects: &[ObjectMeta],
    ) -> Result<(), StoreError> {
        // The standard tables point at each other: PostgreSQL drops them with their keys.
        let cascade = match self.backend() {
            crate::Backend::Postgres => " CASCADE",
            crate::Backend::Sqlite => "",
        };
        for object in self.objects().await?.iter() {
            let drop = format!(
                "DROP TABLE IF EXISTS {}{cascade}",
                self.table(&object.table)
            );
            super::schema::run(tx, &drop).await?;
        }
        for table in ["_kith_objects", "_kith_counts"] {
            super::schema::run(tx, &format!("DELETE FROM {}", self.table(table))).await?;
        }
        let catalog: Vec<ObjectMeta> = objects
            .iter()
            .map(|object| ObjectMeta {
                search_changes: object.search_indexed + 1,
                // Only the fields' columns are made here: none of the source's leftovers.
                dropped_columns: Vec::new(),
                ..object.clone()
            })
            .collect();
        for (position, object) in creation_order(&catalog).into_iter().enumerate() {
            create_object(self, tx, &catalog, object, position).await?;
        }
        Ok(())
    }

    /// The table a table line names, with its columns, checked against the restored catalog.
    fn table_named(
        &self,
        objects: &[ObjectMeta],
        line: &Value,
        number: usize,
    ) -> Result<(String, Vec<Column>), StoreError> {
        let name = line["table"]
            .as_str()
            .ok_or_else(|| bad_file(number, "is neither a row, a table nor the end"))?;
        let expected = match objects.iter().find(|o| o.table == name) {
            Some(object) => object_columns(object),
            None => KEPT
                .iter()
                .find(|k| k.table == name)
                .map(kept_columns)
                .ok_or_else(|| {
                    bad_file(
                        number,
                        format!("names the table {name:?}, which no archive holds"),
                    )
                })?,
        };
        let listed: Vec<&str> = line["columns"]
            .as_array()
            .map(|c| c.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let names: Vec<&str> = expected.iter().map(|c| c.name.as_str()).collect();
        if listed != names {
            return Err(bad_file(
                number,
                format!("lists for {name:?} the columns {listed:?}, not those of its metadata"),
            ));
        }
        Ok((name.to_owned(), expected))
    }

    /// A row's cells as stored here: sensitive values sealed for this workspace, relations left
    /// for later (noted in `relations`).
    fn restored_row(
        &self,
        table: &str,
        columns: &[Column],
        cells: &[Value],
        number: usize,
        relations: &mut Vec<(String, String, Uuid, Cell)>,
    ) -> Result<Vec<Cell>, StoreError> {
        if cells.len() != columns.len() {
            return Err(bad_file(
                number,
                format!("has {} cells for {} columns", cells.len(), columns.len()),
            ));
        }
        let mut row = Vec::with_capacity(cells.len());
        for (column, value) in columns.iter().zip(cells) {
            let cell = match (column.sealed_for, value.as_str()) {
                (Some(field), Some(plain)) => {
                    Cell::Bytes(self.db.cipher.encrypt(self.workspace_id, field, plain)?)
                }
                _ => json_cell(column.kind, value, number)?,
            };
            if column.relation && cell != Cell::Null {
                let Some(Cell::Uuid(id)) = row.first() else {
                    return Err(bad_file(number, "has no id first"));
                };
                relations.push((table.to_owned(), column.name.clone(), *id, cell));
                row.push(Cell::Null);
            } else {
                row.push(cell);
            }
        }
        Ok(row)
    }

    async fn insert_rows(
        &self,
        tx: &mut crate::Tx,
        table: &str,
        columns: &[Column],
        batch: &mut Vec<Vec<Cell>>,
    ) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = columns.iter().map(|c| quote(&c.name)).collect();
        // Bound parameters are capped (SQLite: 32,766): a few hundred rows a statement.
        let per_statement = (30_000 / columns.len().max(1)).clamp(1, 500);
        for chunk in batch.chunks(per_statement) {
            let mut args = Args::default();
            let values: Vec<String> = chunk
                .iter()
                .map(|row| {
                    let cells: Vec<String> = row
                        .iter()
                        .zip(columns)
                        .map(|(cell, column)| args.push(column.kind, cell.clone()))
                        .collect();
                    format!("({})", cells.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO {} ({}) VALUES {}",
                self.table(table),
                names.join(", "),
                values.join(", ")
            );
            tx.ex().execute_cells(&sql, &args).await?;
        }
        batch.clear();
        Ok(())
    }
}

/// The objects in an order that creates each relation's target before the relation (PostgreSQL
/// checks a `REFERENCES` when the table is created); a cycle keeps the archive's order.
fn creation_order(objects: &[ObjectMeta]) -> Vec<&ObjectMeta> {
    let mut ordered: Vec<&ObjectMeta> = Vec::with_capacity(objects.len());
    fn visit<'o>(
        object: &'o ObjectMeta,
        all: &'o [ObjectMeta],
        ordered: &mut Vec<&'o ObjectMeta>,
        path: &mut Vec<Uuid>,
    ) {
        if ordered.iter().any(|o| o.id == object.id) || path.contains(&object.id) {
            return;
        }
        path.push(object.id);
        for field in &object.fields {
            let target = field
                .relation
                .as_ref()
                .and_then(|r| all.iter().find(|o| o.name_singular == r.target));
            if let Some(target) = target.filter(|t| t.id != object.id) {
                visit(target, all, ordered, path);
            }
        }
        path.pop();
        ordered.push(object);
    }
    for object in objects {
        visit(object, objects, &mut ordered, &mut Vec::new());
    }
    ordered
}

/// Reads an archive's header line.
pub fn read_archive_header(line: &str) -> Result<ArchiveHeader, StoreError> {
    let header: Value = serde_json::from_str(line).map_err(|_| {
        StoreError::Rejected(ApiError::bad_request(
            "this is not a Kith archive: its first line is not JSON",
        ))
    })?;
    let version = header["kithArchive"].as_u64().ok_or_else(|| {
        StoreError::Rejected(ApiError::bad_request(
            "this is not a Kith archive: its first line does not start one (made by kith export --archive)",
        ))
    })?;
    if version > ARCHIVE_VERSION {
        return Err(StoreError::Rejected(ApiError::bad_request(format!(
            "this archive has version {version}; this Kith reads up to version {ARCHIVE_VERSION}: upgrade Kith first"
        ))));
    }
    let objects: Vec<ObjectMeta> = serde_json::from_value(header["objects"].clone())
        .map_err(|e| bad_file(1, format!("holds objects Kith cannot read: {e}")))?;
    Ok(ArchiveHeader {
        workspace_id: header["workspace"]["id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .ok_or_else(|| bad_file(1, "names no workspace id"))?,
        name: header["workspace"]["name"]
            .as_str()
            .unwrap_or("Restored workspace")
            .to_owned(),
        objects,
        webhooks: header["webhooks"].as_array().cloned().unwrap_or_default(),
    })
}

/// The lines of an archive after its header, numbered from 2.
pub fn archive_lines(
    reader: impl BufRead,
) -> impl Iterator<Item = (usize, std::io::Result<String>)> {
    reader.lines().enumerate().map(|(i, line)| (i + 1, line))
}
