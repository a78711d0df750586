//! Reading an import file: CSV with a comma, semicolon, tab or pipe between values (the header
//! line tells which), UTF-8, a row at a time; or an Excel workbook (XLSX), whose first sheet is
//! read as the rows, the whole file in memory (a workbook is a zip file, read by seeking). A row that does not fit the header (a different
//! number of values, text that is not UTF-8) is kept with what is wrong with it; a file that
//! cannot be read on (a line longer than [`MAX_LINE_BYTES`], a UTF-16 file) stops with an error
//! naming where.

use std::io::Read;
use tokio::sync::mpsc;

/// The longest line a file may have: longer is no CSV a person made, and reading it would hold
/// it all in memory.
pub const MAX_LINE_BYTES: usize = 8 << 20;
/// The most columns a file may have.
pub const MAX_COLUMNS: usize = 1_000;
/// Rows handed over at a time.
pub const ROWS_PER_CHUNK: usize = 1_000;

/// Why a file cannot be read (on).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is empty: it has no header line")]
    Empty,
    #[error("the file is UTF-16 text; save it as UTF-8 (CSV UTF-8 in a spreadsheet's Save As)")]
    Utf16,
    #[error("the header line is not UTF-8 text; save the file as UTF-8")]
    HeaderEncoding,
    #[error("the header has {0} columns; at most {MAX_COLUMNS} are read")]
    TooManyColumns(usize),
    #[error("row {row} is on a line longer than {} MiB; is this a CSV file?", MAX_LINE_BYTES >> 20)]
    LineTooLong { row: u64 },
    #[error("reading the file failed at row {row}: {message}")]
    Read { row: u64, message: String },
    #[error("the workbook cannot be read: {0}")]
    Workbook(String),
    #[error("the workbook is larger than {} MiB; save its sheet as CSV, which has no limit", WORKBOOK_MAX_BYTES >> 20)]
    WorkbookTooLarge,
}

/// The largest workbook read (it is held in memory while it is read).
pub const WORKBOOK_MAX_BYTES: u64 = 256 << 20;

/// One row of the file after the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRow {
    /// Its number as a spreadsheet shows it: the header is row 1.
    pub number: u64,
    pub values: Vec<String>,
    /// What makes the row unreadable, if something does.
    pub problem: Option<String>,
    /// How far into the file the row ends, in bytes.
    pub end_byte: u64,
}

/// What a file reader hands over: its header first, then its rows a chunk at a time.
#[derive(Debug)]
pub enum FileEvent {
    Header { columns: Vec<String>, delimiter: u8 },
    Rows(Vec<FileRow>),
}

/// Reads `source` on a blocking thread, handing its header and rows over as it goes (at most a
/// few chunks ahead of the reader of the channel). `delimiter` None: the header line tells.
pub fn read_in_background(
    source: Box<dyn Read + Send>,
    delimiter: Option<u8>,
) -> mpsc::Receiver<Result<FileEvent, FileError>> {
    let (sender, receiver) = mpsc::channel(2);
    tokio::task::spawn_blocking(move || {
        if let Err(e) = read_file(source, delimiter, &sender) {
            let _ = sender.blocking_send(Err(e));
        }
    });
    receiver
}

fn read_file(
    source: Box<dyn Read + Send>,
    delimiter: Option<u8>,
    sender: &mpsc::Sender<Result<FileEvent, FileError>>,
) -> Result<(), FileError> {
    let mut source = LineLimit::new(source);
    let start = source.peek_start().map_err(|e| read_error(&e, 1))?;
    if start.starts_with(&[0xFF, 0xFE]) || start.starts_with(&[0xFE, 0xFF]) {
        return Err(FileError::Utf16);
    }
    if start.starts_with(b"PK\x03\x04") {
        return read_workbook(source.unlimited(), sender);
    }
    let delimiter = delimiter.unwrap_or_else(|| delimiter_of(&start));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(source);
    let mut record = csv::ByteRecord::new();
    let columns = match reader.read_byte_record(&mut record) {
        Ok(true) => header(&record)?,
        Ok(false) => return Err(FileError::Empty),
        Err(e) => return Err(csv_error(e, 1)),
    };
    let width = columns.len();
    if sender
        .blocking_send(Ok(FileEvent::Header { columns, delimiter }))
        .is_err()
    {
        return Ok(());
    }
    let mut number = 1;
    let mut rows = Vec::with_capacity(ROWS_PER_CHUNK);
    loop {
        number += 1;
        match reader.read_byte_record(&mut record) {
            Ok(true) => rows.push(row(&record, number, width, record_end(&reader))),
            Ok(false) => break,
            Err(e) => {
                // The rows before the one that cannot be read are still handed over.
                if !rows.is_empty() {
                    let _ = sender.blocking_send(Ok(FileEvent::Rows(rows)));
                }
                return Err(csv_error(e, number));
            }
        }
        if rows.len() == ROWS_PER_CHUNK {
            let chunk = std::mem::replace(&mut rows, Vec::with_capacity(ROWS_PER_CHUNK));
            if sender.blocking_send(Ok(FileEvent::Rows(chunk))).is_err() {
                return Ok(());
            }
        }
    }
    if !rows.is_empty() {
        let _ = sender.blocking_send(Ok(FileEvent::Rows(rows)));
    }
    Ok(())
}

fn record_end<R: Read>(reader: &csv::Reader<R>) -> u64 {
    reader.position().byte()
}

fn header(record: &csv::ByteRecord) -> Result<Vec<String>, FileError> {
    let names = record
        .iter()
        .map(|raw| std::str::from_utf8(raw).map(str::to_owned))
        .collect::<Result<Vec<String>, _>>()
        .map_err(|_| FileError::HeaderEncoding)?;
    column_names(names)
}

/// The header's names, trimmed, an empty one named `Column N`, a repeated one numbered; refused
/// when every name is blank (no header) or there are too many.
fn column_names(names: Vec<String>) -> Result<Vec<String>, FileError> {
    if names.len() > MAX_COLUMNS {
        return Err(FileError::TooManyColumns(names.len()));
    }
    if names.iter().all(|n| n.trim().is_empty()) {
        return Err(FileError::Empty);
    }
    let mut columns: Vec<String> = Vec::with_capacity(names.len());
    for (at, raw) in names.iter().enumerate() {
        let mut name = raw.trim().to_owned();
        if at == 0 {
            name = name.trim_start_matches('\u{feff}').to_owned();
        }
        if name.is_empty() {
            name = format!("Column {}", at + 1);
        }
        // A name the header gave already is numbered, as spreadsheets number them.
        let mut unique = name.clone();
        let mut count = 1;
        while columns.contains(&unique) {
            count += 1;
            unique = format!("{name} {count}");
        }
        columns.push(unique);
    }
    Ok(columns)
}

/// The first sheet of a workbook, handed over as a CSV file's header and rows are. Progress is
/// told in rows, as a share of the file's bytes.
fn read_workbook(
    mut source: impl Read,
    sender: &mpsc::Sender<Result<FileEvent, FileError>>,
) -> Result<(), FileError> {
    use calamine::Reader;
    let mut bytes = Vec::new();
    (&mut source)
        .take(WORKBOOK_MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| read_error(&e, 1))?;
    if bytes.len() as u64 > WORKBOOK_MAX_BYTES {
        return Err(FileError::WorkbookTooLarge);
    }
    let size = bytes.len() as u64;
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(bytes))
        .map_err(|e| FileError::Workbook(e.to_string()))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| FileError::Workbook("it has no sheet".into()))?
        .map_err(|e| FileError::Workbook(e.to_string()))?;
    let first_row = u64::from(range.start().map_or(0, |(row, _)| row));
    let mut rows = range.rows();
    let Some(names) = rows.next() else {
        return Err(FileError::Empty);
    };
    let columns = column_names(names.iter().map(cell_text).collect())?;
    let width = columns.len();
    if sender
        .blocking_send(Ok(FileEvent::Header {
            columns,
            delimiter: b',',
        }))
        .is_err()
    {
        return Ok(());
    }
    let total = range.height().max(1) as u64;
    let mut chunk = Vec::with_capacity(ROWS_PER_CHUNK);
    for (at, cells) in rows.enumerate() {
        let number = first_row + at as u64 + 2;
        let mut values: Vec<String> = cells.iter().map(cell_text).collect();
        while values.len() > width && values.last().is_some_and(String::is_empty) {
            values.pop();
        }
        values.resize(width.max(values.len()), String::new());
        let problem = cells
            .iter()
            .position(|c| matches!(c, calamine::Data::Error(_)))
            .map(|column| {
                format!(
                    "column {} holds a spreadsheet error, not a value",
                    column + 1
                )
            });
        let problem = problem.or_else(|| {
            (values.len() != width).then(|| {
                format!(
                    "has {} values where the header has {width} columns",
                    values.len()
                )
            })
        });
        chunk.push(FileRow {
            number,
            values,
            problem,
            end_byte: size * (at as u64 + 2) / total,
        });
        if chunk.len() == ROWS_PER_CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(ROWS_PER_CHUNK));
            if sender.blocking_send(Ok(FileEvent::Rows(full))).is_err() {
                return Ok(());
            }
        }
    }
    if !chunk.is_empty() {
        let _ = sender.blocking_send(Ok(FileEvent::Rows(chunk)));
    }
    Ok(())
}

/// A cell's value as the text a CSV file would hold: whole numbers without a decimal point,
/// dates as `YYYY-MM-DD` and instants as RFC 3339 (a workbook's times have no zone: UTC).
fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(at) if at.is_datetime() => {
            let (year, month, day, hour, minute, second, _) = at.to_ymd_hms_milli();
            if (hour, minute, second) == (0, 0, 0) {
                format!("{year:04}-{month:02}-{day:02}")
            } else {
                format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
            }
        }
        Data::DateTime(at) => at.as_f64().to_string(),
    }
}

fn row(record: &csv::ByteRecord, number: u64, width: usize, end_byte: u64) -> FileRow {
    let mut problem = None;
    let values: Vec<String> = record
        .iter()
        .enumerate()
        .map(|(at, raw)| match std::str::from_utf8(raw) {
            Ok(text) => text.to_owned(),
            Err(_) => {
                problem.get_or_insert_with(|| {
                    format!(
                        "column {} is not UTF-8 text; save the file as UTF-8",
                        at + 1
                    )
                });
                String::from_utf8_lossy(raw).into_owned()
            }
        })
        .collect();
    if values.len() != width {
        problem = Some(format!(
            "has {} values where the header has {width} columns",
            values.len()
        ));
    }
    FileRow {
        number,
        values,
        problem,
        end_byte,
    }
}

fn csv_error(error: csv::Error, row: u64) -> FileError {
    match error.into_kind() {
        csv::ErrorKind::Io(e) => read_error(&e, row),
        other => FileError::Read {
            row,
            message: format!("{other:?}"),
        },
    }
}

fn read_error(error: &std::io::Error, row: u64) -> FileError {
    if error
        .get_ref()
        .is_some_and(|inner| inner.is::<LineTooLong>())
    {
        FileError::LineTooLong { row }
    } else {
        FileError::Read {
            row,
            message: error.to_string(),
        }
    }
}

/// The delimiter the header line uses most, outside quotes; a comma when it has none.
fn delimiter_of(start: &[u8]) -> u8 {
    let line = start.split(|b| *b == b'\n').next().unwrap_or_default();
    let mut counts = [0usize; 4];
    let candidates = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for byte in line {
        if *byte == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(at) = candidates.iter().position(|c| c == byte) {
            counts[at] += 1;
        }
    }
    let best = (0..4).max_by_key(|at| (counts[*at], 4 - at)).unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        candidates[best]
    }
}

#[derive(Debug)]
struct LineTooLong;

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a line is too long")
    }
}

impl std::error::Error for LineTooLong {}

/// A reader that fails once more than [`MAX_LINE_BYTES`] pass without a line break, and can show
/// the file's first bytes before they are read.
struct LineLimit {
    inner: Box<dyn Read + Send>,
    since_break: usize,
    peeked: Vec<u8>,
    peeked_at: usize,
}

impl LineLimit {
    fn new(inner: Box<dyn Read + Send>) -> LineLimit {
        LineLimit {
            inner,
            since_break: 0,
            peeked: Vec::new(),
            peeked_at: 0,
        }
    }

    /// Up to 64 KiB of the file's start, which later reads still return.
    fn peek_start(&mut self) -> std::io::Result<Vec<u8>> {
        let mut start = vec![0; 64 << 10];
        let mut filled = 0;
        while filled < start.len() {
            let n = self.inner.read(&mut start[filled..])?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        start.truncate(filled);
        self.peeked = start.clone();
        Ok(start)
    }
}

impl LineLimit {
    /// The file from its start, without the line limit (for a workbook, which has no lines).
    fn unlimited(self) -> impl Read {
        std::io::Cursor::new(self.peeked).chain(self.inner)
    }
}

impl Read for LineLimit {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = if self.peeked_at < self.peeked.len() {
            let rest = &self.peeked[self.peeked_at..];
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            self.peeked_at += n;
            n
        } else {
            self.inner.read(buf)?
        };
        for byte in &buf[..n] {
            if *byte == b'\n' {
                self.since_break = 0;
            } else {
                self.since_break += 1;
            }
        }
        if self.since_break > MAX_LINE_BYTES {
            return Err(std::io::Error::other(LineTooLong));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(bytes: &'static [u8]) -> Result<(Vec<String>, Vec<FileRow>), FileError> {
        let mut receiver = read_in_background(Box::new(bytes), None);
        let mut header = Vec::new();
        let mut rows = Vec::new();
        while let Some(event) = receiver.recv().await {
            match event? {
                FileEvent::Header { columns, .. } => header = columns,
                FileEvent::Rows(chunk) => rows.extend(chunk),
            }
        }
        Ok((header, rows))
    }

    #[tokio::test]
    async fn the_header_line_tells_the_delimiter() {
        let (header, rows) = read(b"\xEF\xBB\xBFName;Email\r\nAda;ada@example.com\r\n")
            .await
            .expect("read");
        assert_eq!(header, ["Name", "Email"]);
        assert_eq!(rows[0].values, ["Ada", "ada@example.com"]);
        assert_eq!(rows[0].number, 2);
        let (header, _) = read(b"a\tb|c\n").await.expect("read");
        assert_eq!(header, ["a", "b|c"]);
    }

    #[tokio::test]
    async fn ragged_and_undecodable_rows_say_what_is_wrong() {
        let (_, rows) = read(b"a,b\n1,2\n1,2,3\n\xff,x\n").await.expect("read");
        assert_eq!(rows[0].problem, None);
        assert_eq!(
            rows[1].problem.as_deref(),
            Some("has 3 values where the header has 2 columns")
        );
        assert!(
            rows[2]
                .problem
                .as_deref()
                .expect("read")
                .contains("column 1 is not UTF-8")
        );
        assert_eq!(rows[2].number, 4);
    }

    #[tokio::test]
    async fn unreadable_files_are_refused_and_headers_made_unique() {
        assert_eq!(read(b"").await.expect_err("refused"), FileError::Empty);
        assert_eq!(
            read(b" \t \n\n").await.expect_err("refused"),
            FileError::Empty
        );
        assert_eq!(
            read(b"\xFF\xFEa\x00").await.expect_err("refused"),
            FileError::Utf16
        );
        let (header, _) = read(b"a,a,,a\n").await.expect("read");
        assert_eq!(header, ["a", "a 2", "Column 3", "a 3"]);
    }

    #[tokio::test]
    async fn a_line_without_end_stops_the_file() {
        let mut long = b"a,b\n1,2\n".to_vec();
        long.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 10));
        let mut receiver = read_in_background(Box::new(std::io::Cursor::new(long)), None);
        let mut last = None;
        while let Some(event) = receiver.recv().await {
            last = Some(event);
        }
        assert_eq!(
            last.expect("read").expect_err("refused"),
            FileError::LineTooLong { row: 3 }
        );
    }
}
