//! An object's records written as a file, a page at a time: CSV, a column per field or part of
//! one, or JSON, the records as the API answers them.
//!
//! Rows are written straight from their cells when the reader sees every field as stored (an
//! export of a million people spends most of its time making and dropping records' JSON
//! otherwise); a reader for whom fields are hidden or masked gets each record as the API
//! presents it to them, then written.

use super::DataStore;
use super::projection::{Projection, RecordOutput};
use super::query::ListQuery;
use crate::StoreError;
use kith_core::fields::{Cell, CellOutput, ColumnType, FieldType, date_text, timestamp_text};
use kith_core::metadata::ObjectMeta;
use serde_json::Value;
use std::borrow::Cow;

/// How many records a page of an export holds: large enough that the database seldom waits
/// between pages (each asks for its cursor's values and starts its statement again; at 2,000
/// a million people took 5.3 s as CSV on SQLite, at 10,000 4.5 s), small enough that an export
/// holds little in memory: the page being written and the one being read.
pub const EXPORT_PAGE: usize = 10_000;

/// The file formats an export is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

/// One column of an export: a record's key and, for a composite field, the part of it
/// (`name` / `firstName`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportColumn {
    pub key: String,
    pub part: Option<&'static str>,
}

impl ExportColumn {
    /// The column's header in a CSV file: `name.firstName`.
    pub fn header(&self) -> String {
        match self.part {
            Some(part) => format!("{}.{part}", self.key),
            None => self.key.clone(),
        }
    }

    fn value<'r>(&self, record: &'r Value) -> &'r Value {
        let value = &record[self.key.as_str()];
        match self.part {
            Some(part) => &value[part],
            None => value,
        }
    }
}

/// A file being written: its format, its columns (for JSON, the keys each record keeps; all
/// of them when `every_key`), and how many records it holds so far.
pub struct ExportFile {
    format: ExportFormat,
    columns: Vec<ExportColumn>,
    every_key: bool,
    written: usize,
}

impl ExportFile {
    pub fn new(format: ExportFormat, columns: Vec<ExportColumn>, every_key: bool) -> ExportFile {
        ExportFile {
            format,
            columns,
            every_key,
            written: 0,
        }
    }

    pub fn format(&self) -> ExportFormat {
        self.format
    }

    /// How many records the file holds so far.
    pub fn written(&self) -> usize {
        self.written
    }

    /// The bytes before the first record: the CSV header line, or JSON's opening bracket.
    pub fn start(&self) -> Vec<u8> {
        match self.format {
            ExportFormat::Csv => {
                let mut csv = csv_writer(Vec::new());
                // Writing to memory cannot fail (nor can any `write_…` below).
                let _ = csv.write_record(self.columns.iter().map(ExportColumn::header));
                csv.into_inner().unwrap_or_default()
            }
            ExportFormat::Json => b"[".to_vec(),
        }
    }

    /// The bytes after the last record.
    pub fn finish(&self, out: &mut Vec<u8>) {
        if self.format == ExportFormat::Json {
            out.extend_from_slice(b"\n]\n");
        }
    }

    /// Before each JSON record: a line break, and a comma after the first.
    fn separate(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(if self.written == 0 { b"\n" } else { b",\n" });
        self.written += 1;
    }

    /// Records as the API answers them.
    fn write_records(&mut self, records: &[Value], out: &mut Vec<u8>) {
        match self.format {
            ExportFormat::Csv => {
                let mut csv = csv_writer(std::mem::take(out));
                for record in records {
                    for column in &self.columns {
                        let _ = csv.write_field(value_text(column.value(record)).as_bytes());
                    }
                    let _ = csv.write_record(None::<&[u8]>);
                }
                *out = csv.into_inner().unwrap_or_default();
                self.written += records.len();
            }
            ExportFormat::Json => {
                for record in records {
                    self.separate(out);
                    let _ = serde_json::to_writer(&mut *out, &self.kept(record));
                }
            }
        }
    }

    /// The keys of `record` this file keeps.
    fn kept<'r>(&self, record: &'r Value) -> Cow<'r, Value> {
        match record {
            Value::Object(map) if !self.every_key => Cow::Owned(Value::Object(
                map.iter()
                    .filter(|(key, _)| self.columns.iter().any(|c| &c.key == *key))
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect(),
            )),
            _ => Cow::Borrowed(record),
        }
    }

    /// Rows of `projection`, sensitive values opened, written from their cells.
    fn write_rows(
        &mut self,
        projection: &Projection<'_>,
        rows: &[Vec<Cell>],
        out: &mut Vec<u8>,
    ) -> Result<(), StoreError> {
        match self.format {
            ExportFormat::Csv => {
                let sources: Vec<Source> = self
                    .columns
                    .iter()
                    .map(|c| Source::of(projection, c))
                    .collect();
                let mut csv = csv_writer(std::mem::take(out));
                for row in rows {
                    let row = projection.open(row)?;
                    for source in &sources {
                        let _ = csv.write_field(source.text(&row).as_bytes());
                    }
                    let _ = csv.write_record(None::<&[u8]>);
                }
                *out = csv.into_inner().unwrap_or_default();
                self.written += rows.len();
            }
            ExportFormat::Json => {
                for row in rows {
                    let row = projection.open(row)?;
                    self.separate(out);
                    let record = RecordOutput {
                        projection,
                        row: &row,
                    };
                    let _ = serde_json::to_writer(&mut *out, &record);
                }
            }
        }
        Ok(())
    }

    /// Whether rows can be written from their cells: the reader sees them as stored, and a JSON
    /// file keeps every key.
    fn writes_cells(&self, store: &DataStore, object: &ObjectMeta) -> bool {
        !store.access.alters(object) && (self.format == ExportFormat::Csv || self.every_key)
    }
}

/// Where a CSV column's text comes from in a row.
enum Source {
    /// A cell of the row as it is (the id, a time, a part of a composite field).
    Cell(usize, ColumnType),
    /// A field of one cell, written as the API writes it (a rating as `RATING_3`).
    Field(FieldType, usize),
    /// `createdBy` / `updatedBy`: the actor's three cells as JSON.
    Actor(usize),
    /// A key the projection does not have.
    Nothing,
}

impl Source {
    fn of(projection: &Projection<'_>, column: &ExportColumn) -> Source {
        match column.key.as_str() {
            "id" => return Source::Cell(0, ColumnType::Uuid),
            "createdAt" => return Source::Cell(1, ColumnType::DateTime),
            "updatedAt" => return Source::Cell(2, ColumnType::DateTime),
            "deletedAt" => return Source::Cell(3, ColumnType::DateTime),
            "createdBy" => return Source::Actor(4),
            "updatedBy" => return Source::Actor(7),
            "position" => return Source::Cell(10, ColumnType::Float),
            _ => {}
        }
        let Some((field, _, start)) = projection
            .fields()
            .iter()
            .find(|(_, k, _)| *k == column.key)
        else {
            return Source::Nothing;
        };
        let parts = field.field_type.parts();
        match column.part {
            Some(name) => match parts.iter().position(|p| p.name == name) {
                Some(at) => Source::Cell(start + at, parts[at].kind),
                None => Source::Nothing,
            },
            None => Source::Field(field.field_type, *start),
        }
    }

    fn text<'r>(&self, row: &'r [Cell]) -> Cow<'r, str> {
        let cell = |at: usize| row.get(at).unwrap_or(&Cell::Null);
        match self {
            // A composite part with nothing in it reads as an empty list in JSON.
            Source::Cell(at, ColumnType::Json) if *cell(*at) == Cell::Null => Cow::Borrowed("[]"),
            Source::Cell(at, _) => cell_text(cell(*at)),
            Source::Field(FieldType::Rating, at) => match cell(*at) {
                Cell::Int(n) => Cow::Owned(format!("RATING_{n}")),
                other => cell_text(other),
            },
            Source::Field(_, at) => cell_text(cell(*at)),
            Source::Actor(at) => {
                let actor = serde_json::json!({
                    "source": CellOutput(cell(*at)),
                    "workspaceMemberId": CellOutput(cell(at + 1)),
                    "name": CellOutput(cell(at + 2)),
                });
                Cow::Owned(actor.to_string())
            }
            Source::Nothing => Cow::Borrowed(""),
        }
    }
}

/// A CSV writer appending to `out` (RFC 4180: quoted where needed, CRLF after each line).
fn csv_writer(out: Vec<u8>) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out)
}

/// A stored cell as CSV text, as [`value_text`] writes the JSON the API answers with.
fn cell_text(cell: &Cell) -> Cow<'_, str> {
    match cell {
        Cell::Null | Cell::Bytes(_) => Cow::Borrowed(""),
        Cell::Text(text) => spreadsheet_safe(text),
        Cell::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Cell::Int(n) => Cow::Owned(n.to_string()),
        Cell::Uuid(id) => Cow::Owned(id.to_string()),
        Cell::DateTime(t) => Cow::Owned(timestamp_text(t)),
        Cell::Date(d) => Cow::Owned(date_text(d).to_string()),
        Cell::Json(value) => value_text(value),
        Cell::Float(_) => value_text(&serde_json::to_value(CellOutput(cell)).unwrap_or_default())
            .into_owned()
            .into(),
    }
}

/// A value as a CSV cell: text as it is, lists and objects as JSON, nothing for null.
fn value_text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::Null => Cow::Borrowed(""),
        Value::String(text) => spreadsheet_safe(text),
        Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Value::Number(n) => Cow::Owned(n.to_string()),
        other => Cow::Owned(other.to_string()),
    }
}

/// Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab or a carriage
/// return first) gets a `'` before it, which spreadsheets show as text (OWASP's advice on CSV
/// injection).
fn spreadsheet_safe(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// What a page of an export is read as: rows of cells, written as they are, or records as the
/// API presents them to the reader (fields hidden or masked, or a JSON file of some keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportRead {
    Cells,
    Records,
}

/// One page of an export as read, not yet written ([`ExportFile::write_page`]).
pub struct ExportPage {
    rows: PageRows,
    /// The cursor of the page after it; none after the last.
    pub next: Option<String>,
}

enum PageRows {
    Cells(Vec<Vec<Cell>>),
    Records(Vec<Value>),
}

impl ExportFile {
    /// How this file's pages are read for `store`'s reader.
    pub fn reads(&self, store: &DataStore, object: &ObjectMeta) -> ExportRead {
        if self.writes_cells(store, object) {
            ExportRead::Cells
        } else {
            ExportRead::Records
        }
    }

    /// Writes a page read by [`DataStore::read_export_page`] for this file to `out`.
    pub fn write_page(
        &mut self,
        store: &DataStore,
        object: &ObjectMeta,
        page: &ExportPage,
        out: &mut Vec<u8>,
    ) -> Result<(), StoreError> {
        match &page.rows {
            PageRows::Cells(rows) => self.write_rows(&Projection::of(object, store), rows, out),
            PageRows::Records(records) => {
                self.write_records(records, out);
                Ok(())
            }
        }
    }
}

impl DataStore {
    /// Reads the next page of an export of `object`'s records in `query`'s filter and order,
    /// after `query.starting_after`. Reading a page and writing the one before can overlap: the
    /// page holds everything the writing needs.
    pub async fn read_export_page(
        &self,
        object: &ObjectMeta,
        query: &ListQuery,
        read: ExportRead,
    ) -> Result<ExportPage, StoreError> {
        let query = ListQuery {
            limit: EXPORT_PAGE,
            ending_before: None,
            with_total: false,
            ..query.clone()
        };
        if read == ExportRead::Records {
            let page = self.page(object, &query, EXPORT_PAGE).await?;
            return Ok(ExportPage {
                rows: PageRows::Records(page.records),
                next: page.end_cursor.filter(|_| page.has_next_page),
            });
        }
        let mut conn = self.read().await?;
        let (_, rows, more) = self
            .page_rows(&mut conn, object, &query, EXPORT_PAGE)
            .await?;
        drop(conn);
        let last = rows.last().and_then(|row| match row.last() {
            Some(Cell::Uuid(id)) => Some(id.to_string()),
            _ => None,
        });
        Ok(ExportPage {
            rows: PageRows::Cells(rows),
            next: last.filter(|_| more),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_that_would_run_as_a_formula_is_escaped() {
        assert_eq!(
            value_text(&json!("=HYPERLINK(\"x\")")),
            "'=HYPERLINK(\"x\")"
        );
        for text in ["+1", "-1+2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(value_text(&json!(text)).starts_with('\''), "{text:?}");
            assert!(
                cell_text(&Cell::Text(text.into())).starts_with('\''),
                "{text:?}"
            );
        }
        assert_eq!(value_text(&json!("Ada = Byron")), "Ada = Byron");
        assert_eq!(value_text(&json!(-5)), "-5", "a number is not text");
        assert_eq!(cell_text(&Cell::Int(-5)), "-5");
        assert_eq!(value_text(&json!(["a", "b"])), "[\"a\",\"b\"]");
        assert_eq!(value_text(&Value::Null), "");
    }

    #[test]
    fn cells_read_as_the_api_writes_them() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-02T03:04:05.678Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .expect("time");
        assert_eq!(cell_text(&Cell::DateTime(at)), "2026-12-02T03:04:05.678Z");
        assert_eq!(cell_text(&Cell::Float(1.5)), "1.5");
        assert_eq!(cell_text(&Cell::Json(json!(["x"]))), "[\"x\"]");
    }

    #[test]
    fn lines_are_quoted_where_needed() {
        let column = |key: &str| ExportColumn {
            key: key.to_owned(),
            part: None,
        };
        let columns = vec![column("a"), column("b"), column("c"), column("d")];
        let mut file = ExportFile::new(ExportFormat::Csv, columns, false);
        let record = json!({ "a": "x,y", "b": "say \"hi\"", "c": "two\nlines", "d": "z" });
        let mut out = file.start();
        file.write_records(&[record], &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap_or_default(),
            "a,b,c,d\r\n\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\",z\r\n"
        );
    }
}
