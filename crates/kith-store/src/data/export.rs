//! An object's records written as a file, a page at a time: CSV, a column per field or part of
//! one, or JSON, the records as the API answers them. CSV's rows go through [`ExportRows`],
//! which another writer (a workbook's) can take instead.
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

/// What an export's rows are written into, a field at a time: the CSV file here, a workbook
/// elsewhere. Writing is infallible; a writer that can fail keeps its error until asked.
pub trait ExportRows {
    fn field(&mut self, value: ExportValue<'_>);
    fn end_row(&mut self);
}

/// A field of an exported row: text, or a number (an integer, a float) written as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportValue<'t> {
    Text(Cow<'t, str>),
    Number(Cow<'t, str>),
}

impl ExportValue<'_> {
    pub fn as_str(&self) -> &str {
        match self {
            ExportValue::Text(text) | ExportValue::Number(text) => text,
        }
    }
}

/// A CSV file's rows, appended to its bytes; text a spreadsheet would run as a formula is
/// escaped ([`spreadsheet_safe`]).
struct CsvRows(csv::Writer<Vec<u8>>);

impl CsvRows {
    fn appending_to(out: &mut Vec<u8>) -> CsvRows {
        CsvRows(csv_writer(std::mem::take(out)))
    }

    fn into_bytes(self) -> Vec<u8> {
        self.0.into_inner().unwrap_or_default()
    }
}

impl ExportRows for CsvRows {
    fn field(&mut self, value: ExportValue<'_>) {
        // Writing to memory cannot fail.
        let _ = match value {
            ExportValue::Text(text) => self.0.write_field(spreadsheet_safe(&text).as_bytes()),
            ExportValue::Number(text) => self.0.write_field(text.as_bytes()),
        };
    }

    fn end_row(&mut self) {
        let _ = self.0.write_record(None::<&[u8]>);
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
                // Writing to memory cannot fail.
                let _ = csv.write_record(self.headers());
                csv.into_inner().unwrap_or_default()
            }
            ExportFormat::Json => b"[".to_vec(),
        }
    }

    /// The columns' headers, as the first line of a CSV file has them.
    pub fn headers(&self) -> Vec<String> {
        self.columns.iter().map(ExportColumn::header).collect()
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

    /// Records as the API answers them, as JSON.
    fn write_json_records(&mut self, records: &[Value], out: &mut Vec<u8>) {
        for record in records {
            self.separate(out);
            let _ = serde_json::to_writer(&mut *out, &self.kept(record));
        }
    }

    /// Records as the API answers them, a column's field at a time.
    fn records_to(&mut self, records: &[Value], rows: &mut impl ExportRows) {
        for record in records {
            for column in &self.columns {
                rows.field(json_value(column.value(record)));
            }
            rows.end_row();
        }
        self.written += records.len();
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

    /// Rows of `projection`, sensitive values opened, as JSON records written from their cells.
    fn write_json_rows(
        &mut self,
        projection: &Projection<'_>,
        rows: &[Vec<Cell>],
        out: &mut Vec<u8>,
    ) -> Result<(), StoreError> {
        for row in rows {
            let row = projection.open(row)?;
            self.separate(out);
            let record = RecordOutput {
                projection,
                row: &row,
            };
            let _ = serde_json::to_writer(&mut *out, &record);
        }
        Ok(())
    }

    /// Rows of `projection`, sensitive values opened, a column's cell at a time.
    fn rows_to(
        &mut self,
        projection: &Projection<'_>,
        rows: &[Vec<Cell>],
        to: &mut impl ExportRows,
    ) -> Result<(), StoreError> {
        let sources: Vec<Source> = self
            .columns
            .iter()
            .map(|c| Source::of(projection, c))
            .collect();
        for row in rows {
            let row = projection.open(row)?;
            for source in &sources {
                to.field(source.value(&row));
            }
            to.end_row();
            self.written += 1;
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

    fn value<'r>(&self, row: &'r [Cell]) -> ExportValue<'r> {
        let cell = |at: usize| row.get(at).unwrap_or(&Cell::Null);
        match self {
            // A composite part with nothing in it reads as an empty list in JSON.
            Source::Cell(at, ColumnType::Json) if *cell(*at) == Cell::Null => {
                ExportValue::Text(Cow::Borrowed("[]"))
            }
            Source::Cell(at, _) => cell_value(cell(*at)),
            Source::Field(FieldType::Rating, at) => match cell(*at) {
                Cell::Int(n) => ExportValue::Text(Cow::Owned(format!("RATING_{n}"))),
                other => cell_value(other),
            },
            Source::Field(_, at) => cell_value(cell(*at)),
            Source::Actor(at) => {
                let actor = serde_json::json!({
                    "source": CellOutput(cell(*at)),
                    "workspaceMemberId": CellOutput(cell(at + 1)),
                    "name": CellOutput(cell(at + 2)),
                });
                ExportValue::Text(Cow::Owned(actor.to_string()))
            }
            Source::Nothing => ExportValue::Text(Cow::Borrowed("")),
        }
    }
}

/// A CSV writer appending to `out` (RFC 4180: quoted where needed, CRLF after each line).
fn csv_writer(out: Vec<u8>) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out)
}

/// A stored cell as a field of a row, as [`json_value`] writes the JSON the API answers with.
fn cell_value(cell: &Cell) -> ExportValue<'_> {
    let text = |text: String| ExportValue::Text(Cow::Owned(text));
    match cell {
        Cell::Null | Cell::Bytes(_) => ExportValue::Text(Cow::Borrowed("")),
        Cell::Text(text) => ExportValue::Text(Cow::Borrowed(text)),
        Cell::Bool(b) => ExportValue::Text(Cow::Borrowed(if *b { "true" } else { "false" })),
        Cell::Int(n) => ExportValue::Number(Cow::Owned(n.to_string())),
        Cell::Uuid(id) => text(id.to_string()),
        Cell::DateTime(t) => text(timestamp_text(t)),
        Cell::Date(d) => text(date_text(d).to_string()),
        Cell::Json(value) => json_value(value),
        Cell::Float(_) => match serde_json::to_value(CellOutput(cell)) {
            Ok(Value::Number(n)) => ExportValue::Number(Cow::Owned(n.to_string())),
            _ => ExportValue::Text(Cow::Borrowed("")),
        },
    }
}

/// A value as a field of a row: text as it is, lists and objects as JSON, nothing for null.
fn json_value(value: &Value) -> ExportValue<'_> {
    match value {
        Value::Null => ExportValue::Text(Cow::Borrowed("")),
        Value::String(text) => ExportValue::Text(Cow::Borrowed(text)),
        Value::Bool(b) => ExportValue::Text(Cow::Borrowed(if *b { "true" } else { "false" })),
        Value::Number(n) => ExportValue::Number(Cow::Owned(n.to_string())),
        other => ExportValue::Text(Cow::Owned(other.to_string())),
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
        match (self.format, &page.rows) {
            (ExportFormat::Csv, _) => {
                let mut csv = CsvRows::appending_to(out);
                let written = self.write_page_to(store, object, page, &mut csv);
                *out = csv.into_bytes();
                written
            }
            (ExportFormat::Json, PageRows::Cells(rows)) => {
                self.write_json_rows(&Projection::of(object, store), rows, out)
            }
            (ExportFormat::Json, PageRows::Records(records)) => {
                self.write_json_records(records, out);
                Ok(())
            }
        }
    }

    /// Writes a page's rows to `rows`, as a CSV file of the same columns has them.
    pub fn write_page_to(
        &mut self,
        store: &DataStore,
        object: &ObjectMeta,
        page: &ExportPage,
        rows: &mut impl ExportRows,
    ) -> Result<(), StoreError> {
        match &page.rows {
            PageRows::Cells(cells) => self.rows_to(&Projection::of(object, store), cells, rows),
            PageRows::Records(records) => {
                self.records_to(records, rows);
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

    /// A row of `values` as a line of CSV.
    fn csv_line(values: Vec<ExportValue<'_>>) -> String {
        let mut csv = CsvRows::appending_to(&mut Vec::new());
        for value in values {
            csv.field(value);
        }
        csv.end_row();
        String::from_utf8(csv.into_bytes()).unwrap_or_default()
    }

    #[test]
    fn text_that_would_run_as_a_formula_is_escaped() {
        assert_eq!(csv_line(vec![json_value(&json!("=1+1"))]), "'=1+1\r\n");
        for text in ["+1", "-1+2", "@SUM(A1)", "\tx", "\rx"] {
            for value in [
                json_value(&json!(text)),
                cell_value(&Cell::Text(text.into())),
            ] {
                let line = csv_line(vec![value]);
                assert!(line.trim_start_matches('"').starts_with('\''), "{text:?}");
            }
        }
        assert_eq!(
            csv_line(vec![json_value(&json!("Ada = Byron"))]),
            "Ada = Byron\r\n"
        );
        assert_eq!(
            json_value(&json!(-5)),
            ExportValue::Number("-5".into()),
            "a number is not text"
        );
        assert_eq!(csv_line(vec![cell_value(&Cell::Int(-5))]), "-5\r\n");
        assert_eq!(json_value(&json!(["a", "b"])).as_str(), "[\"a\",\"b\"]");
        assert_eq!(json_value(&Value::Null).as_str(), "");
    }

    #[test]
    fn cells_read_as_the_api_writes_them() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-02T03:04:05.678Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .expect("time");
        let text = |cell: &Cell| cell_value(cell).as_str().to_owned();
        assert_eq!(text(&Cell::DateTime(at)), "2026-12-02T03:04:05.678Z");
        assert_eq!(
            cell_value(&Cell::Float(1.5)),
            ExportValue::Number("1.5".into())
        );
        assert_eq!(text(&Cell::Json(json!(["x"]))), "[\"x\"]");
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
        let mut csv = CsvRows::appending_to(&mut out);
        file.records_to(&[record], &mut csv);
        out = csv.into_bytes();
        assert_eq!(
            String::from_utf8(out).unwrap_or_default(),
            "a,b,c,d\r\n\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\",z\r\n"
        );
    }
}
