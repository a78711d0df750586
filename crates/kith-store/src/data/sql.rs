//! SQL text and values for workspace data, whose columns are only known at run time: quoting,
//! column types per backend, and binding and reading [`Cell`]s on either backend.

use crate::db::Ex;
use crate::{Backend, StoreError};
use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use futures_util::TryStreamExt as _;
use kith_core::fields::{Cell, ColumnType};
use sqlx::{Arguments, Row as _};
use std::sync::Arc;

/// A quoted identifier. Identifiers come from metadata Kith generated, never from a request, but
/// are quoted anyway.
pub fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

pub fn sql_type(backend: Backend, kind: ColumnType) -> &'static str {
    match (backend, kind) {
        (
            Backend::Sqlite,
            ColumnType::Text | ColumnType::Date | ColumnType::DateTime | ColumnType::Json,
        ) => "TEXT",
        (Backend::Sqlite, ColumnType::Int | ColumnType::Bool) => "INTEGER",
        (Backend::Sqlite, ColumnType::Float) => "REAL",
        (Backend::Sqlite, ColumnType::Uuid | ColumnType::Bytes) => "BLOB",
        (Backend::Sqlite, ColumnType::Words) => "TEXT",
        (Backend::Postgres, ColumnType::Text) => "TEXT",
        (Backend::Postgres, ColumnType::Int) => "BIGINT",
        (Backend::Postgres, ColumnType::Float) => "DOUBLE PRECISION",
        (Backend::Postgres, ColumnType::Bool) => "BOOLEAN",
        (Backend::Postgres, ColumnType::Date) => "DATE",
        (Backend::Postgres, ColumnType::DateTime) => "TIMESTAMPTZ",
        (Backend::Postgres, ColumnType::Json) => "JSONB",
        (Backend::Postgres, ColumnType::Uuid) => "UUID",
        (Backend::Postgres, ColumnType::Bytes) => "BYTEA",
        (Backend::Postgres, ColumnType::Words) => "TSVECTOR",
    }
}

/// Instants in SQLite are text of one fixed shape, so that text order is time order.
pub fn sqlite_timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// One row to insert: each cell with the type of its column.
pub type Row = Vec<(ColumnType, Cell)>;

/// Values bound to `$1`, `$2`… in order, each with the column type it is compared with or stored
/// in (PostgreSQL needs the type even of a NULL).
#[derive(Debug, Default, Clone)]
pub struct Args {
    values: Vec<(ColumnType, Cell)>,
}

impl Args {
    /// Adds a value; returns its placeholder.
    pub fn push(&mut self, kind: ColumnType, cell: Cell) -> String {
        self.values.push((kind, cell));
        let mut placeholder = String::new();
        self.write_numbered(&mut placeholder);
        placeholder
    }

    /// Adds a value for a statement whose every value appears exactly once, in the order added;
    /// returns `?` on SQLite. sqlx finds each `$n` on SQLite by a scan over the statement's
    /// parameter names, which grows with the square of their number; anonymous `?` have no names.
    pub fn push_in_order(&mut self, backend: Backend, kind: ColumnType, cell: Cell) -> String {
        let mut placeholder = String::new();
        self.write_in_order(&mut placeholder, backend, kind, cell);
        placeholder
    }

    /// [`Args::push_in_order`], writing the placeholder at the end of `sql`.
    pub fn write_in_order(
        &mut self,
        sql: &mut String,
        backend: Backend,
        kind: ColumnType,
        cell: Cell,
    ) {
        self.values.push((kind, cell));
        match backend {
            Backend::Sqlite => sql.push('?'),
            Backend::Postgres => self.write_numbered(sql),
        }
    }

    /// Writes `$n` for the last value added. Words are bound as text and cast: sqlx names the
    /// type of every value it sends, and PostgreSQL does not take text for a `tsvector` column.
    fn write_numbered(&self, sql: &mut String) {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        let _ = write!(sql, "${}", self.values.len());
        if self
            .values
            .last()
            .is_some_and(|(kind, _)| *kind == ColumnType::Words)
        {
            sql.push_str("::tsvector");
        }
    }

    /// Adds `other`'s values after these (for statements run as one text on SQLite).
    pub fn append(&mut self, other: Args) {
        self.values.extend(other.values);
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Converts the values for `backend` once, moving them, so that a statement can be prepared
    /// before the transaction that runs it.
    pub fn bind(self, backend: Backend) -> Result<Bound, StoreError> {
        Ok(match backend {
            Backend::Sqlite => Bound::Sqlite(self.into_sqlite()?),
            Backend::Postgres => Bound::Postgres(self.into_postgres()?),
        })
    }

    fn into_sqlite(self) -> Result<sqlx::sqlite::SqliteArguments, StoreError> {
        let mut args = sqlx::sqlite::SqliteArguments::default();
        // A batch stamps every row with the same instant: format it once, and share the text.
        let mut last_instant: Option<(DateTime<Utc>, Arc<str>)> = None;
        for (_, cell) in self.values {
            let added = match cell {
                Cell::Null => args.add(Option::<String>::None),
                Cell::Text(text) => args.add(text),
                Cell::Int(n) => args.add(n),
                Cell::Float(f) => args.add(f),
                Cell::Bool(b) => args.add(b),
                Cell::Date(d) => args.add(d.format("%Y-%m-%d").to_string()),
                Cell::DateTime(t) => args.add(match &last_instant {
                    Some((instant, text)) if *instant == t => Arc::clone(text),
                    _ => {
                        let text: Arc<str> = sqlite_timestamp(&t).into();
                        last_instant = Some((t, Arc::clone(&text)));
                        text
                    }
                }),
                Cell::Json(value) => args.add(value.to_string()),
                Cell::Uuid(id) => args.add(id),
                Cell::Bytes(bytes) => args.add(bytes),
            };
            added.map_err(|e| StoreError::Database(sqlx::Error::Encode(e)))?;
        }
        Ok(args)
    }

    fn into_postgres(self) -> Result<sqlx::postgres::PgArguments, StoreError> {
        let mut args = sqlx::postgres::PgArguments::default();
        for (kind, cell) in self.values {
            let added = match (kind, cell) {
                (ColumnType::Text | ColumnType::Words, Cell::Null) => {
                    args.add(Option::<String>::None)
                }
                (ColumnType::Int, Cell::Null) => args.add(Option::<i64>::None),
                (ColumnType::Float, Cell::Null) => args.add(Option::<f64>::None),
                (ColumnType::Bool, Cell::Null) => args.add(Option::<bool>::None),
                (ColumnType::Date, Cell::Null) => args.add(Option::<NaiveDate>::None),
                (ColumnType::DateTime, Cell::Null) => args.add(Option::<DateTime<Utc>>::None),
                (ColumnType::Json, Cell::Null) => args.add(Option::<serde_json::Value>::None),
                (ColumnType::Uuid, Cell::Null) => args.add(Option::<uuid::Uuid>::None),
                (ColumnType::Bytes, Cell::Null) => args.add(Option::<Vec<u8>>::None),
                (_, Cell::Text(text)) => args.add(text),
                (_, Cell::Int(n)) => args.add(n),
                (_, Cell::Float(f)) => args.add(f),
                (_, Cell::Bool(b)) => args.add(b),
                (_, Cell::Date(d)) => args.add(d),
                (_, Cell::DateTime(t)) => args.add(t),
                (_, Cell::Json(value)) => args.add(value),
                (_, Cell::Uuid(id)) => args.add(id),
                (_, Cell::Bytes(bytes)) => args.add(bytes),
            };
            added.map_err(|e| StoreError::Database(sqlx::Error::Encode(e)))?;
        }
        Ok(args)
    }
}

impl Ex<'_> {
    /// Runs a query and reads each row's columns as `kinds` say.
    pub async fn fetch_cells(
        self,
        sql: &str,
        args: &Args,
        kinds: &[ColumnType],
    ) -> Result<Vec<Vec<Cell>>, StoreError> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        // Each row is made into cells as it arrives, while the database goes on to the next.
        let mut cells = Vec::new();
        match self {
            Ex::Sqlite(conn) => {
                let mut rows = sqlx::query_with(sql, args.clone().into_sqlite()?).fetch(conn);
                while let Some(row) = rows.try_next().await? {
                    cells.push(row_cells(kinds, |i, kind| sqlite_cell(&row, i, kind))?);
                }
            }
            Ex::Postgres(conn) => {
                let mut rows = sqlx::query_with(sql, args.clone().into_postgres()?).fetch(conn);
                while let Some(row) = rows.try_next().await? {
                    cells.push(row_cells(kinds, |i, kind| postgres_cell(&row, i, kind))?);
                }
            }
        }
        Ok(cells)
    }

    /// The UUIDs in the first column (a `SELECT id …`).
    pub async fn fetch_ids(self, sql: &str, args: &Args) -> Result<Vec<uuid::Uuid>, StoreError> {
        let rows = self.fetch_cells(sql, args, &[ColumnType::Uuid]).await?;
        Ok(rows
            .iter()
            .filter_map(|row| match row.first() {
                Some(Cell::Uuid(id)) => Some(*id),
                _ => None,
            })
            .collect())
    }

    /// The integer in the first column of the first row (a `count(*)`, a `max(…)`), if any.
    pub async fn fetch_int(self, sql: &str, args: &Args) -> Result<Option<i64>, StoreError> {
        let rows = self.fetch_cells(sql, args, &[ColumnType::Int]).await?;
        Ok(match rows.first().and_then(|row| row.first()) {
            Some(Cell::Int(n)) => Some(*n),
            _ => None,
        })
    }

    /// Runs a statement; gives the number of rows it changed.
    pub async fn execute_cells(self, sql: &str, args: &Args) -> Result<u64, StoreError> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        Ok(match self {
            Ex::Sqlite(conn) => sqlx::query_with(sql, args.clone().into_sqlite()?)
                .execute(conn)
                .await?
                .rows_affected(),
            Ex::Postgres(conn) => sqlx::query_with(sql, args.clone().into_postgres()?)
                .execute(conn)
                .await?
                .rows_affected(),
        })
    }

    /// Runs a statement whose values were bound beforehand (see [`Args::bind`]).
    pub async fn execute_bound(self, sql: String, bound: Bound) -> Result<u64, StoreError> {
        let sql = sqlx::AssertSqlSafe(sql);
        Ok(match (self, bound) {
            (Ex::Sqlite(conn), Bound::Sqlite(args)) => {
                // sqlx wraps each value in an `Arc` and the connection's thread drops the
                // arguments: freeing there every value allocated here is slow (mimalloc's
                // cross-thread path; a batch has tens of thousands). Holding a copy leaves that
                // thread only counting references down; the values are freed here.
                let values = args.clone();
                let affected = sqlx::query_with(sql, args)
                    .execute(conn)
                    .await?
                    .rows_affected();
                drop(values);
                affected
            }
            (Ex::Postgres(conn), Bound::Postgres(args)) => sqlx::query_with(sql, args)
                .execute(conn)
                .await?
                .rows_affected(),
            _ => return Err(StoreError::BackendMismatch),
        })
    }

    /// Runs `COPY … FROM STDIN` (PostgreSQL) with `data` ([`CopyData`]); gives the rows copied.
    /// A copy that fails midway is aborted by sqlx when dropped, and fails the transaction.
    pub async fn copy_in(self, sql: &str, data: &[u8]) -> Result<u64, StoreError> {
        match self {
            Ex::Postgres(conn) => {
                let mut copy = conn.copy_in_raw(sql).await?;
                copy.send(data).await?;
                Ok(copy.finish().await?)
            }
            Ex::Sqlite(_) => Err(StoreError::BackendMismatch),
        }
    }
}

/// Rows in PostgreSQL's binary `COPY` format: each value as PostgreSQL itself sends its type, so
/// that the database parses no text (a `COPY` of text parses every id, instant and number).
pub struct CopyData {
    bytes: Vec<u8>,
}

/// Days and microseconds in PostgreSQL's binary dates and instants count from 2000-01-01.
const POSTGRES_EPOCH_DAYS_FROM_CE: i32 = 730_120;
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

impl Default for CopyData {
    /// The format's header, without rows.
    fn default() -> CopyData {
        let mut bytes = b"PGCOPY\n\xff\r\n\0".to_vec();
        // No flags, no header extension.
        bytes.extend_from_slice(&[0; 8]);
        CopyData { bytes }
    }
}

impl CopyData {
    /// Starts a row of `values` values.
    pub fn row(&mut self, values: usize) {
        let count = i16::try_from(values).unwrap_or(i16::MAX);
        self.bytes.extend_from_slice(&count.to_be_bytes());
    }

    /// Adds a value to the row, for a column of type `kind`.
    pub fn value(&mut self, kind: ColumnType, cell: &Cell) -> Result<(), StoreError> {
        match (kind, cell) {
            (_, Cell::Null) => self.bytes.extend_from_slice(&(-1i32).to_be_bytes()),
            (ColumnType::Text, Cell::Text(text)) => self.field(&[], text.as_bytes()),
            // JSONB's binary form is its version, 1, and the JSON text.
            (ColumnType::Json, Cell::Text(json)) => self.field(&[1], json.as_bytes()),
            (ColumnType::Json, Cell::Json(value)) => self.field(&[1], value.to_string().as_bytes()),
            (ColumnType::Words, Cell::Text(words)) => self.words(words),
            (ColumnType::Int, Cell::Int(n)) => self.field(&[], &n.to_be_bytes()),
            (ColumnType::Float, Cell::Float(f)) => self.field(&[], &f.to_bits().to_be_bytes()),
            (ColumnType::Bool, Cell::Bool(b)) => self.field(&[], &[u8::from(*b)]),
            (ColumnType::Date, Cell::Date(day)) => {
                let days = day.num_days_from_ce() - POSTGRES_EPOCH_DAYS_FROM_CE;
                self.field(&[], &days.to_be_bytes());
            }
            (ColumnType::DateTime, Cell::DateTime(t)) => {
                let micros = t.timestamp_micros() - POSTGRES_EPOCH_MICROS;
                self.field(&[], &micros.to_be_bytes());
            }
            (ColumnType::Uuid, Cell::Uuid(id)) => self.field(&[], id.as_bytes()),
            (ColumnType::Bytes, Cell::Bytes(bytes)) => self.field(&[], bytes),
            (kind, cell) => {
                return Err(corrupt("copy", format!("{cell:?} for a {kind:?} column")));
            }
        }
        Ok(())
    }

    /// The rows with the end mark.
    pub fn finish(mut self) -> Vec<u8> {
        self.bytes.extend_from_slice(&(-1i16).to_be_bytes());
        self.bytes
    }

    fn field(&mut self, prefix: &[u8], value: &[u8]) {
        let length = i32::try_from(prefix.len() + value.len()).unwrap_or(i32::MAX);
        self.bytes.extend_from_slice(&length.to_be_bytes());
        self.bytes.extend_from_slice(prefix);
        self.bytes.extend_from_slice(value);
    }

    /// A `tsvector` of the distinct, sorted words of `words` (separated by spaces): their count,
    /// then each word ended by a zero byte and followed by its number of positions, none.
    fn words(&mut self, words: &str) {
        let words: Vec<&str> = words.split(' ').filter(|w| !w.is_empty()).collect();
        let length = 4 + words.iter().map(|w| w.len() + 3).sum::<usize>();
        self.bytes
            .extend_from_slice(&i32::try_from(length).unwrap_or(i32::MAX).to_be_bytes());
        let count = i32::try_from(words.len()).unwrap_or(i32::MAX);
        self.bytes.extend_from_slice(&count.to_be_bytes());
        for word in words {
            self.bytes.extend_from_slice(word.as_bytes());
            self.bytes.extend_from_slice(&[0, 0, 0]);
        }
    }
}

/// Values converted for one backend.
pub enum Bound {
    Sqlite(sqlx::sqlite::SqliteArguments),
    Postgres(sqlx::postgres::PgArguments),
}

fn corrupt(column: &'static str, value: String) -> StoreError {
    StoreError::Corrupt { column, value }
}

fn row_cells(
    kinds: &[ColumnType],
    cell: impl Fn(usize, ColumnType) -> Result<Cell, StoreError>,
) -> Result<Vec<Cell>, StoreError> {
    kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| cell(i, *kind))
        .collect()
}

fn sqlite_cell(
    row: &sqlx::sqlite::SqliteRow,
    i: usize,
    kind: ColumnType,
) -> Result<Cell, StoreError> {
    let cell = match kind {
        ColumnType::Text | ColumnType::Words => {
            row.try_get::<Option<String>, _>(i)?.map(Cell::Text)
        }
        ColumnType::Int => row.try_get::<Option<i64>, _>(i)?.map(Cell::Int),
        ColumnType::Float => row.try_get::<Option<f64>, _>(i)?.map(Cell::Float),
        ColumnType::Bool => row.try_get::<Option<bool>, _>(i)?.map(Cell::Bool),
        ColumnType::Uuid => row.try_get::<Option<uuid::Uuid>, _>(i)?.map(Cell::Uuid),
        ColumnType::Bytes => row.try_get::<Option<Vec<u8>>, _>(i)?.map(Cell::Bytes),
        ColumnType::Date => match row.try_get::<Option<String>, _>(i)? {
            Some(text) => Some(Cell::Date(
                NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| corrupt("date", text))?,
            )),
            None => None,
        },
        ColumnType::DateTime => match row.try_get::<Option<String>, _>(i)? {
            Some(text) => Some(Cell::DateTime(
                DateTime::parse_from_rfc3339(&text)
                    .map_err(|_| corrupt("timestamp", text))?
                    .with_timezone(&Utc),
            )),
            None => None,
        },
        ColumnType::Json => match row.try_get::<Option<String>, _>(i)? {
            Some(text) => Some(Cell::Json(
                serde_json::from_str(&text).map_err(|_| corrupt("json", text))?,
            )),
            None => None,
        },
    };
    Ok(cell.unwrap_or(Cell::Null))
}

fn postgres_cell(
    row: &sqlx::postgres::PgRow,
    i: usize,
    kind: ColumnType,
) -> Result<Cell, StoreError> {
    let cell = match kind {
        // Words are never read back; `words::text` would read as text.
        ColumnType::Text | ColumnType::Words => {
            row.try_get::<Option<String>, _>(i)?.map(Cell::Text)
        }
        ColumnType::Int => row.try_get::<Option<i64>, _>(i)?.map(Cell::Int),
        ColumnType::Float => row.try_get::<Option<f64>, _>(i)?.map(Cell::Float),
        ColumnType::Bool => row.try_get::<Option<bool>, _>(i)?.map(Cell::Bool),
        ColumnType::Uuid => row.try_get::<Option<uuid::Uuid>, _>(i)?.map(Cell::Uuid),
        ColumnType::Bytes => row.try_get::<Option<Vec<u8>>, _>(i)?.map(Cell::Bytes),
        ColumnType::Date => row.try_get::<Option<NaiveDate>, _>(i)?.map(Cell::Date),
        ColumnType::DateTime => row
            .try_get::<Option<DateTime<Utc>>, _>(i)?
            .map(Cell::DateTime),
        ColumnType::Json => row
            .try_get::<Option<serde_json::Value>, _>(i)?
            .map(Cell::Json),
    };
    Ok(cell.unwrap_or(Cell::Null))
}
