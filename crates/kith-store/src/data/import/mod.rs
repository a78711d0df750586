//! Importing a CSV file into an object: each column mapped to a field, each row created,
//! updated or skipped by the same checks as every API write, a chunk at a time. An import is
//! kept in the workspace's history (`_kith_imports`) with its counts, the rows it could not
//! import and why, and its writes form one change set, so it can be undone.
//!
//! An import that stops on the first error, and every dry run, is one transaction: it leaves
//! nothing behind unless it finishes. One that skips bad rows commits each chunk.

mod convert;
mod file;
mod history;
pub(crate) use history::create_tables;
mod matching;
mod rows;

pub use convert::{ColumnMapping, DateOrder, ValueFormats, suggested_by, suggested_field};
pub use file::{FileError, FileEvent, FileRow, MAX_LINE_BYTES, ROWS_PER_CHUNK, read_in_background};
pub use history::{FILE_PIECE_BYTES, ImportCounts, ImportRecord, LiveImports, REJECTS_KEPT};
pub use matching::normalized_domain;

use convert::Conversion;
use kith_core::ApiError;
use kith_core::metadata::ObjectMeta;
use matching::Matcher;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What an import does with each row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImportMode {
    /// Creates a record per row; a row matching an existing record is skipped.
    Create,
    /// Updates the record a row matches; a row matching none is skipped.
    Update,
    /// Updates the record a row matches, or creates one.
    #[default]
    Upsert,
}

/// How to import a file: the columns' fields, the mode, what a row is matched on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportSpec {
    #[serde(default)]
    pub mode: ImportMode,
    /// The field rows are matched to records by: `id`, `emails`, `domainName` or a unique field.
    /// None: the object's first unique field the columns fill, else `id` when a column does.
    #[serde(default)]
    pub match_on: Option<String>,
    pub columns: Vec<ColumnMapping>,
    /// Stop at the first row that cannot be imported, leaving the workspace as it was; otherwise
    /// such rows are skipped and listed.
    #[serde(default)]
    pub stop_on_error: bool,
    #[serde(default)]
    pub formats: convert::ValueFormats,
    /// The file's delimiter (`,`, `;`, a tab or `|`); None: the header line tells.
    #[serde(default)]
    pub delimiter: Option<String>,
    /// Runs every check and write as the import would, then rolls it all back: the rows'
    /// outcomes are the preview.
    #[serde(default)]
    pub dry_run: bool,
}

impl ImportSpec {
    /// The delimiter byte, or an error naming `delimiter`.
    pub fn delimiter_byte(&self) -> Result<Option<u8>, ApiError> {
        delimiter_byte(self.delimiter.as_deref())
    }
}

/// A delimiter as given (`,`, `;`, `\t` or a tab, `|`), or an error naming `delimiter`.
pub fn delimiter_byte(text: Option<&str>) -> Result<Option<u8>, ApiError> {
    match text {
        None | Some("") => Ok(None),
        Some(",") => Ok(Some(b',')),
        Some(";") => Ok(Some(b';')),
        Some("\t" | "\\t" | "tab") => Ok(Some(b'\t')),
        Some("|") => Ok(Some(b'|')),
        Some(other) => Err(ApiError::invalid_field(
            "delimiter",
            format!("must be one of , ; | or a tab, not {other:?}"),
        )),
    }
}

/// What happened, or would happen, to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RowAction {
    Create,
    Update,
    Skip,
    Error,
}

impl RowAction {
    fn as_str(self) -> &'static str {
        match self {
            RowAction::Create => "CREATE",
            RowAction::Update => "UPDATE",
            RowAction::Skip => "SKIP",
            RowAction::Error => "ERROR",
        }
    }
}

/// One row's outcome, with the row's values (for the file of rejected rows).
#[derive(Debug, Clone, PartialEq)]
pub struct RowOutcome {
    pub row: u64,
    pub action: RowAction,
    pub reason: Option<String>,
    pub record_id: Option<Uuid>,
    pub values: Vec<String>,
}

/// A column of the file and what it becomes.
struct PlannedColumn {
    index: usize,
    header: String,
    conversion: Conversion,
}

/// An import's spec checked against the object and the file's header.
pub(crate) struct RowPlan<'o> {
    object: &'o ObjectMeta,
    columns: Vec<PlannedColumn>,
    matcher: Option<Matcher>,
    mode: ImportMode,
    formats: convert::ValueFormats,
}

impl<'o> RowPlan<'o> {
    /// The plan, or an error naming the spec's first wrong entry (`columns[2].field`).
    pub(crate) fn new(
        catalog: &[ObjectMeta],
        object: &'o ObjectMeta,
        spec: &ImportSpec,
        header: &[String],
    ) -> Result<RowPlan<'o>, ApiError> {
        let mut columns: Vec<PlannedColumn> = Vec::new();
        for (at, mapping) in spec.columns.iter().enumerate() {
            let name = |part: &str| format!("columns[{at}].{part}");
            let index = header
                .iter()
                .position(|h| *h == mapping.column)
                .ok_or_else(|| {
                    ApiError::invalid_field(
                        &name("column"),
                        format!(
                            "the file has no column {:?}; its columns are {}",
                            mapping.column,
                            header.join(", ")
                        ),
                    )
                })?;
            let Some(field) = mapping.field.as_deref().filter(|f| !f.is_empty()) else {
                continue;
            };
            let conversion = if field == "id" {
                Conversion::Value {
                    key: "id".into(),
                    part: None,
                    field_type: kith_core::fields::FieldType::Text,
                    kind: kith_core::fields::ColumnType::Uuid,
                }
            } else {
                Conversion::of(object, catalog, mapping, field)
                    .map_err(|m| ApiError::invalid_field(&name("field"), m))?
            };
            let target = mapping.field.clone();
            if let Some(other) = spec
                .columns
                .iter()
                .take(at)
                .find(|m| m.field == target && columns.iter().any(|c| c.header == m.column))
            {
                return Err(ApiError::invalid_field(
                    &name("field"),
                    format!("{field} is filled by the column {:?} already", other.column),
                ));
            }
            columns.push(PlannedColumn {
                index,
                header: mapping.column.clone(),
                conversion,
            });
        }
        if columns.is_empty() {
            return Err(ApiError::invalid_field(
                "columns",
                "map at least one column to a field",
            ));
        }
        let matcher = Self::matcher(object, spec, &columns)?;
        Ok(RowPlan {
            object,
            columns,
            matcher,
            mode: spec.mode,
            formats: spec.formats,
        })
    }

    fn matcher(
        object: &ObjectMeta,
        spec: &ImportSpec,
        columns: &[PlannedColumn],
    ) -> Result<Option<Matcher>, ApiError> {
        let filled = |key: &str| columns.iter().any(|c| c.conversion.key() == key);
        let chosen = match &spec.match_on {
            Some(name) => Some(name.clone()),
            None => object
                .active_fields()
                .find(|f| f.is_unique && filled(&f.key()))
                .map(|f| f.name.clone())
                .or_else(|| filled("id").then(|| "id".to_owned())),
        };
        // Without a key every row is new, as an API upsert without one creates.
        let Some(name) = chosen else {
            return match spec.mode {
                ImportMode::Create | ImportMode::Upsert => Ok(None),
                ImportMode::Update => Err(ApiError::invalid_field(
                    "matchOn",
                    "is needed to update: id, or a unique field a column fills",
                )),
            };
        };
        let matcher =
            Matcher::of(object, &name).map_err(|m| ApiError::invalid_field("matchOn", m))?;
        if !filled(&matcher.key) {
            return Err(ApiError::invalid_field(
                "matchOn",
                format!("{name} is filled by no column, so no row can be matched by it"),
            ));
        }
        Ok(Some(matcher))
    }
}
