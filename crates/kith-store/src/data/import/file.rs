//! Reading an import file: CSV with a comma, semicolon, tab or pipe between values (the header
//! line tells which), UTF-8, a row at a time. A row that does not fit the header (a different
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
}

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
    if record.len() > MAX_COLUMNS {
        return Err(FileError::TooManyColumns(record.len()));
    }
    let blank = record
        .iter()
        .all(|raw| raw.iter().all(|b| b.is_ascii_whitespace()));
    if blank {
        return Err(FileError::Empty);
    }
    let mut columns: Vec<String> = Vec::with_capacity(record.len());
    for (at, raw) in record.iter().enumerate() {
        let mut name = std::str::from_utf8(raw)
            .map_err(|_| FileError::HeaderEncoding)?
            .trim()
            .to_owned();
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
