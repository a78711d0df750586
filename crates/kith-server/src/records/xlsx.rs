//! An export as an Excel workbook, written as its pages are read and sent as it is compressed:
//! nothing waits for the last row, and a large export holds little in memory.
//!
//! The workbook is the least Excel needs: a sheet of rows with inline strings (no shared string
//! table to build), numbers as numbers, the workbook listing its sheets, and a plain style. The
//! zip is written as a stream (each entry's sizes after its data), so it never seeks back. A
//! sheet holds at most a million rows (Excel's limit) and under 4 GiB of XML (a zip entry's
//! limit without Zip64); more go on to the next sheet, under the same header.

use kith_store::{ExportRows, ExportValue};
use std::io::Write;
use zip::result::{ZipError, ZipResult};
use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, ZipWriter};

pub const MEDIA_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Rows a worksheet may have, the header included (Excel's limit).
const SHEET_ROWS: u32 = 1_048_576;
/// Bytes of XML after which a sheet takes no more rows.
const SHEET_BYTES: u64 = 3 << 30;
/// Characters a cell may hold (Excel's limit); longer text is cut there.
const CELL_CHARS: usize = 32_767;
/// XML gathered before it is handed to the compressor.
const XML_BUFFER: usize = 1 << 16;
/// Compressing is most of a workbook's cost: level 1 keeps it behind the reading of the rows.
const COMPRESSION_LEVEL: i64 = 1;

const CONTENT_TYPES: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
    r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
    // Every other part is a sheet, so that the sheets need not be known before they are written.
    r#"<Default Extension="xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#,
    r#"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
    r#"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#,
    "</Types>",
);

const PACKAGE_RELATIONSHIPS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#,
    "</Relationships>",
);

const STYLES: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    r#"<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>"#,
    r#"<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>"#,
    r#"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#,
    r#"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#,
    r#"<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>"#,
    r#"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#,
    "</styleSheet>",
);

const SHEET_START: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    r#"<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>"#,
    "<sheetData>",
);

const SHEET_END: &str = "</sheetData></worksheet>";

/// A workbook being written to `W`. Rows come through [`ExportRows`]; the first error writing
/// them is kept, and every later row ignored, until [`Workbook::check`] or [`Workbook::finish`].
pub struct Workbook<W: Write> {
    zip: ZipWriter<StreamWriter<W>>,
    name: String,
    header: Vec<String>,
    /// Each column's letters (`A`, `B`… `AA`), made once, as far as a row has reached.
    letters: Vec<String>,
    sheets: u32,
    /// Rows a sheet takes, the header included: [`SHEET_ROWS`] but in tests.
    sheet_rows: u32,
    /// Rows in the current sheet, the header included.
    rows: u32,
    /// The field of the current row to come; `None` between rows.
    column: Option<usize>,
    /// The current row's number, as its cells' references end.
    row_number: String,
    sheet_bytes: u64,
    xml: Vec<u8>,
    error: Option<ZipError>,
}

impl<W: Write> Workbook<W> {
    /// A workbook whose sheets are called after `name` and start with `header`.
    pub fn new(out: W, name: &str, header: Vec<String>) -> ZipResult<Workbook<W>> {
        let mut zip = ZipWriter::new_stream(out);
        for (path, text) in [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", PACKAGE_RELATIONSHIPS),
            ("xl/styles.xml", STYLES),
        ] {
            zip.start_file(path, options())?;
            zip.write_all(text.as_bytes())?;
        }
        let mut workbook = Workbook {
            zip,
            name: sheet_name(name),
            letters: Vec::new(),
            header,
            sheets: 0,
            sheet_rows: SHEET_ROWS,
            rows: 0,
            column: None,
            row_number: String::new(),
            sheet_bytes: 0,
            xml: Vec::with_capacity(XML_BUFFER * 2),
            error: None,
        };
        workbook.start_sheet()?;
        Ok(workbook)
    }

    /// The first error writing the rows so far, if any.
    pub fn check(&mut self) -> ZipResult<()> {
        self.error.take().map_or(Ok(()), Err)
    }

    /// Ends the last sheet and the workbook; gives back the writer.
    pub fn finish(mut self) -> ZipResult<W> {
        self.check()?;
        self.end_sheet()?;
        self.zip.start_file("xl/workbook.xml", options())?;
        let mut sheets = String::new();
        let mut relationships = String::new();
        for n in 1..=self.sheets {
            let name = match n {
                1 => self.name.clone(),
                n => format!("{} {n}", self.name),
            };
            sheets.push_str(&format!(
                r#"<sheet name="{}" sheetId="{n}" r:id="rId{n}"/>"#,
                escaped(&name)
            ));
            relationships.push_str(&format!(
                r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#
            ));
        }
        write!(
            self.zip,
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets></workbook>"#
        )?;
        self.zip
            .start_file("xl/_rels/workbook.xml.rels", options())?;
        write!(
            self.zip,
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{relationships}<Relationship Id="rId{}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#,
            self.sheets + 1
        )?;
        Ok(self.zip.finish()?.into_inner())
    }

    fn start_sheet(&mut self) -> ZipResult<()> {
        self.sheets += 1;
        let path = format!("xl/worksheets/sheet{}.xml", self.sheets);
        self.zip.start_file(path, options())?;
        self.zip.write_all(SHEET_START.as_bytes())?;
        self.rows = 0;
        self.sheet_bytes = 0;
        let header = std::mem::take(&mut self.header);
        for text in &header {
            self.cell(&ExportValue::Text(text.into()));
        }
        self.header = header;
        self.try_end_row()
    }

    fn end_sheet(&mut self) -> ZipResult<()> {
        self.xml.extend_from_slice(SHEET_END.as_bytes());
        self.write_xml()
    }

    fn write_xml(&mut self) -> ZipResult<()> {
        self.sheet_bytes += self.xml.len() as u64;
        self.zip.write_all(&self.xml)?;
        self.xml.clear();
        Ok(())
    }

    /// Writes a field of the current row, opening the row if it is its first.
    fn cell(&mut self, value: &ExportValue<'_>) {
        let column = match self.column {
            Some(column) => column,
            None => {
                self.row_number = (self.rows + 1).to_string();
                self.xml.extend_from_slice(b"<row r=\"");
                self.xml.extend_from_slice(self.row_number.as_bytes());
                self.xml.extend_from_slice(b"\">");
                0
            }
        };
        self.column = Some(column + 1);
        let text = value.as_str();
        if text.is_empty() {
            return;
        }
        while self.letters.len() <= column {
            self.letters.push(column_letters(self.letters.len()));
        }
        self.xml.extend_from_slice(b"<c r=\"");
        self.xml.extend_from_slice(self.letters[column].as_bytes());
        self.xml.extend_from_slice(self.row_number.as_bytes());
        match value {
            ExportValue::Number(n) if n.len() <= 15 => {
                self.xml.extend_from_slice(b"\"><v>");
                self.xml.extend_from_slice(n.as_bytes());
                self.xml.extend_from_slice(b"</v></c>");
            }
            // A number of more digits than a spreadsheet keeps is kept as text, whole.
            _ => {
                self.xml.extend_from_slice(b"\" t=\"inlineStr\"><is><t");
                if text.starts_with(char::is_whitespace) || text.ends_with(char::is_whitespace) {
                    self.xml.extend_from_slice(b" xml:space=\"preserve\"");
                }
                self.xml.push(b'>');
                write_text(&mut self.xml, text);
                self.xml.extend_from_slice(b"</t></is></c>");
            }
        }
    }

    fn sheet_is_full(&self) -> bool {
        self.rows >= self.sheet_rows || self.sheet_bytes >= SHEET_BYTES
    }

    fn try_end_row(&mut self) -> ZipResult<()> {
        if self.column.take().is_none() {
            // A row of no fields still takes its line.
            self.cell(&ExportValue::Text("".into()));
            self.column = None;
        }
        self.xml.extend_from_slice(b"</row>");
        self.rows += 1;
        if self.xml.len() >= XML_BUFFER {
            self.write_xml()?;
        }
        Ok(())
    }
}

impl<W: Write> ExportRows for Workbook<W> {
    fn field(&mut self, value: ExportValue<'_>) {
        if self.error.is_some() {
            return;
        }
        if self.column.is_none()
            && self.sheet_is_full()
            && let Err(e) = self.end_sheet().and_then(|()| self.start_sheet())
        {
            self.error = Some(e);
            return;
        }
        self.cell(&value);
    }

    fn end_row(&mut self) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self.try_end_row() {
            self.error = Some(e);
        }
    }
}

fn options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(COMPRESSION_LEVEL))
}

/// `A` for the first column, `Z` for the 26th, `AA` for the 27th…
fn column_letters(index: usize) -> String {
    let mut letters = Vec::new();
    let mut n = index + 1;
    while n > 0 {
        let rest = (n - 1) % 26;
        letters.push(b'A' + rest as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// A sheet's name as Excel allows it: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(28)
        .collect();
    if cleaned.trim().is_empty() {
        "Sheet".to_owned()
    } else {
        cleaned
    }
}

fn escaped(text: &str) -> String {
    let mut out = Vec::new();
    write_text(&mut out, text);
    String::from_utf8(out).unwrap_or_default()
}

/// `text` as a cell's XML text, cut at [`CELL_CHARS`]. The characters XML 1.0 cannot hold
/// (control characters other than tab and line breaks) are written as Excel writes them,
/// `_x0001_`, and so is an `_` that would read as the start of one.
fn write_text(out: &mut Vec<u8>, text: &str) {
    // 0xEF starts U+FFFE and U+FFFF (and other characters, which take the slow way).
    let plain = |b: u8| b >= 0x20 && !matches!(b, b'&' | b'<' | b'>' | b'_' | 0xEF);
    if text.len() <= CELL_CHARS && text.bytes().all(plain) {
        out.extend_from_slice(text.as_bytes());
        return;
    }
    let mut rest = text;
    for c in text.chars().take(CELL_CHARS) {
        rest = &rest[c.len_utf8()..];
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '\t' | '\n' | '\r' => out.push(c as u8),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {
                out.extend_from_slice(format!("_x{:04X}_", c as u32).as_bytes())
            }
            '_' if reads_as_escape(rest) => out.extend_from_slice(b"_x005F_"),
            c => {
                let mut buffer = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
            }
        }
    }
}

/// Whether the text after an `_` is `xHHHH_`, which Excel would read as an escaped character.
fn reads_as_escape(after: &str) -> bool {
    let bytes = after.as_bytes();
    bytes.len() >= 6
        && bytes[0] == b'x'
        && bytes[1..5].iter().all(u8::is_ascii_hexdigit)
        && bytes[5] == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    /// The sheets of a workbook written from `rows` under the header `a, b, c`, `sheet_rows` to
    /// a sheet, as calamine reads them: each sheet's name and rows.
    fn written(rows: &[Vec<ExportValue<'_>>], sheet_rows: u32) -> Vec<(String, Vec<Vec<Data>>)> {
        let header = ["a", "b", "c"].map(String::from).to_vec();
        let mut workbook = Workbook::new(Vec::new(), "people", header).expect("workbook");
        workbook.sheet_rows = sheet_rows;
        for row in rows {
            for value in row {
                workbook.field(value.clone());
            }
            workbook.end_row();
        }
        let bytes = workbook.finish().expect("finished");
        let mut read = Xlsx::new(std::io::Cursor::new(bytes)).expect("a workbook");
        read.sheet_names()
            .into_iter()
            .map(|name| {
                let range = read.worksheet_range(&name).expect("sheet");
                (name, range.rows().map(<[Data]>::to_vec).collect())
            })
            .collect()
    }

    #[test]
    fn rows_read_back_as_written_and_go_on_to_the_next_sheet() {
        let text = |t: &'static str| ExportValue::Text(t.into());
        let number = |n: &'static str| ExportValue::Number(n.into());
        let rows = vec![
            vec![text("Ada & Byron"), number("12"), text(" =1+1 ")],
            vec![text(""), number("-3.5"), text("bell\u{7} _x0041_")],
            vec![text("007"), number("12345678901234567"), text("two\nlines")],
        ];
        let sheets = written(&rows, 3);
        let names: Vec<&str> = sheets.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["people", "people 2"]);
        let header = vec![
            Data::String("a".into()),
            Data::String("b".into()),
            Data::String("c".into()),
        ];
        assert_eq!(
            sheets[0].1,
            [
                header.clone(),
                vec![
                    Data::String("Ada & Byron".into()),
                    Data::Float(12.0),
                    Data::String(" =1+1 ".into())
                ],
                vec![
                    Data::Empty,
                    Data::Float(-3.5),
                    Data::String("bell\u{7} _x0041_".into())
                ],
            ]
        );
        assert_eq!(
            sheets[1].1,
            [
                header,
                vec![
                    Data::String("007".into()),
                    Data::String("12345678901234567".into()),
                    Data::String("two\nlines".into())
                ],
            ]
        );
    }

    #[test]
    fn a_full_sheet_with_no_row_after_it_has_no_sheet_after_it() {
        let row = vec![ExportValue::Text("x".into())];
        let sheets = written(&[row.clone(), row], 3);
        assert_eq!(sheets.len(), 1);
        assert_eq!(sheets[0].1.len(), 3);
    }

    #[test]
    fn columns_are_lettered_as_in_a_spreadsheet() {
        let letters: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702]
            .into_iter()
            .map(column_letters)
            .collect();
        assert_eq!(
            letters,
            ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]
        );
    }

    #[test]
    fn text_is_escaped_for_xml_and_for_excel() {
        let text = |t: &str| {
            let mut out = Vec::new();
            write_text(&mut out, t);
            String::from_utf8(out).unwrap_or_default()
        };
        assert_eq!(text("Ada & <Byron>"), "Ada &amp; &lt;Byron&gt;");
        assert_eq!(text("bell\u{7}"), "bell_x0007_");
        assert_eq!(text("two\nlines\ttab"), "two\nlines\ttab");
        assert_eq!(text("_x0041_ and a_b"), "_x005F_x0041_ and a_b");
        assert_eq!(text(&"é".repeat(40_000)).chars().count(), CELL_CHARS);
        assert_eq!(sheet_name("a/b:c"), "abc");
        assert_eq!(sheet_name("[]"), "Sheet");
    }
}
