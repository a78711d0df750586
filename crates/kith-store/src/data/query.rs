//! Lists of records: the filter AST and sort keys of a request turned into SQL, and keyset
//! cursors, so a page costs the same at the millionth record as at the first and stays stable
//! while records are inserted.

use super::sql::{Args, quote};
use crate::Backend;
use kith_core::ApiError;
use kith_core::fields::{Cell, ColumnType, FieldType};
use kith_core::filter::{Comparison, FieldPath, Filter, FilterValue, Op};
use kith_core::metadata::ObjectMeta;
use kith_core::sort::{Direction, SortKey};
use serde_json::Value;

pub const DEFAULT_LIMIT: usize = 60;
pub const MAX_LIMIT: usize = 200;

/// What a list request asks for, parsed but not yet checked against the object.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub filter: Option<Filter>,
    pub order_by: Vec<SortKey>,
    pub limit: usize,
    pub starting_after: Option<String>,
    pub ending_before: Option<String>,
    pub with_total: bool,
}

/// One page of records.
#[derive(Debug, Clone)]
pub struct Page {
    pub records: Vec<Value>,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub total_count: Option<i64>,
}

/// A sortable or filterable column: which, of what type, and for errors what it was called.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub kind: ColumnType,
    pub field_type: Option<FieldType>,
    pub path: String,
}

impl Column {
    /// Whether the column can hold no NULL: then an order needs no NULLS clause, which would
    /// keep PostgreSQL from walking an index in that order (`id ASC NULLS FIRST` read and sorted
    /// a million rows for a first page), and "after" needs no `IS NULL` alternative.
    fn is_never_null(&self) -> bool {
        self.field_type.is_none()
            && super::schema::NOT_NULL_SYSTEM_COLUMNS.contains(&self.name.as_str())
    }
}

fn invalid(what: &str, position: usize, message: String) -> ApiError {
    ApiError::invalid_field(what, format!("{message} (at position {position})"))
}

/// The column a path names: a system field, a field, a part of a composite field, or `{relation}Id`.
pub fn resolve(object: &ObjectMeta, path: &FieldPath) -> Result<Column, String> {
    let system = match path.field.as_str() {
        "id" => Some(("id", ColumnType::Uuid)),
        "createdAt" => Some(("created_at", ColumnType::DateTime)),
        "updatedAt" => Some(("updated_at", ColumnType::DateTime)),
        "deletedAt" => Some(("deleted_at", ColumnType::DateTime)),
        "position" => Some(("position", ColumnType::Float)),
        _ => None,
    };
    if let Some((name, kind)) = system {
        if path.sub_field.is_some() {
            return Err(format!("{} has no parts", path.field));
        }
        return Ok(Column {
            name: name.to_owned(),
            kind,
            field_type: None,
            path: path.to_string(),
        });
    }
    let field = object
        .field_for_key(&path.field)
        .ok_or_else(|| format!("{} is not a field of {}", path.field, object.name_singular))?;
    if !field.field_type.is_filterable() {
        return Err(format!(
            "{} cannot be filtered or sorted (it is encrypted)",
            path.field
        ));
    }
    let parts = field.field_type.parts();
    let part = match (&path.sub_field, field.field_type.is_composite()) {
        (None, false) => parts[0],
        (Some(sub), true) => *parts.iter().find(|p| p.name == sub).ok_or_else(|| {
            let names: Vec<&str> = parts.iter().map(|p| p.name).collect();
            format!(
                "{sub} is not a part of {}; its parts are {}",
                path.field,
                names.join(", ")
            )
        })?,
        (None, true) => {
            let names: Vec<String> = parts
                .iter()
                .map(|p| format!("{}.{}", path.field, p.name))
                .collect();
            return Err(format!(
                "{} has several parts; name one: {}",
                path.field,
                names.join(", ")
            ));
        }
        (Some(_), false) => return Err(format!("{} has no parts", path.field)),
    };
    Ok(Column {
        name: part.column(&field.column),
        kind: part.kind,
        field_type: Some(field.field_type),
        path: path.to_string(),
    })
}

/// A filter value as the column's type, or why it is not one.
fn typed(column: &Column, value: &FilterValue) -> Result<Cell, String> {
    let text = match value {
        FilterValue::Quoted(text) | FilterValue::Bare(text) => text.as_str(),
        FilterValue::List(_) => {
            return Err(format!("{} takes one value here, not a list", column.path));
        }
    };
    let wrong = |expected: &str| format!("{text:?} is not {expected} (for {})", column.path);
    match column.kind {
        ColumnType::Text => Ok(Cell::Text(text.to_owned())),
        ColumnType::Int if column.field_type == Some(FieldType::Rating) => text
            .strip_prefix("RATING_")
            .unwrap_or(text)
            .parse()
            .map(Cell::Int)
            .map_err(|_| wrong("a rating (RATING_1 to RATING_5)")),
        ColumnType::Int => text
            .parse()
            .map(Cell::Int)
            .map_err(|_| wrong("a whole number")),
        ColumnType::Float => text
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Cell::Float)
            .ok_or_else(|| wrong("a number")),
        ColumnType::Bool => match text {
            "true" => Ok(Cell::Bool(true)),
            "false" => Ok(Cell::Bool(false)),
            _ => Err(wrong("true or false")),
        },
        ColumnType::Date => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Cell::Date)
            .map_err(|_| wrong("a date (2024-12-31)")),
        ColumnType::DateTime => chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&chrono::Utc))
            .or_else(|_| {
                chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
            })
            .map(Cell::DateTime)
            .map_err(|_| wrong("a date and time (2024-12-31T09:30:00Z)")),
        ColumnType::Uuid => uuid::Uuid::parse_str(text)
            .map(Cell::Uuid)
            .map_err(|_| wrong("a record id")),
        ColumnType::Json => Ok(Cell::Text(text.to_owned())),
        ColumnType::Bytes | ColumnType::Words => Err(format!("{} cannot be filtered", column.path)),
    }
}

/// Turns a filter into a SQL condition, adding its values to `args`.
pub fn filter_sql(
    backend: Backend,
    object: &ObjectMeta,
    filter: &Filter,
    args: &mut Args,
) -> Result<String, ApiError> {
    Ok(match filter {
        Filter::And(parts) => join(backend, object, parts, " AND ", args)?,
        Filter::Or(parts) => join(backend, object, parts, " OR ", args)?,
        Filter::Not(inner) => format!("NOT ({})", filter_sql(backend, object, inner, args)?),
        Filter::Compare(comparison) => compare_sql(backend, object, comparison, args)?,
    })
}

fn join(
    backend: Backend,
    object: &ObjectMeta,
    parts: &[Filter],
    glue: &str,
    args: &mut Args,
) -> Result<String, ApiError> {
    let parts: Result<Vec<String>, ApiError> = parts
        .iter()
        .map(|part| filter_sql(backend, object, part, args))
        .collect();
    Ok(format!("({})", parts?.join(glue)))
}

fn compare_sql(
    backend: Backend,
    object: &ObjectMeta,
    c: &Comparison,
    args: &mut Args,
) -> Result<String, ApiError> {
    let fail = |message: String| invalid("filter", c.position, message);
    let column = resolve(object, &c.path).map_err(fail)?;
    let col = quote(&column.name);
    let text_only = |op: Op| {
        if column.kind == ColumnType::Text {
            Ok(())
        } else {
            Err(fail(format!(
                "{} works on text, and {} is not text",
                op.as_str(),
                column.path
            )))
        }
    };
    let scalar = |args: &mut Args| -> Result<String, ApiError> {
        if column.kind == ColumnType::Json {
            return Err(fail(format!(
                "{} is a list: use containsAny or is",
                column.path
            )));
        }
        let cell = typed(&column, &c.value).map_err(fail)?;
        Ok(args.push(column.kind, cell))
    };
    Ok(match c.op {
        Op::Eq => format!("{col} = {}", scalar(args)?),
        Op::Neq => format!("({col} <> {} OR {col} IS NULL)", scalar(args)?),
        Op::Gt => format!("{col} > {}", scalar(args)?),
        Op::Gte => format!("{col} >= {}", scalar(args)?),
        Op::Lt => format!("{col} < {}", scalar(args)?),
        Op::Lte => format!("{col} <= {}", scalar(args)?),
        Op::Is => match &c.value {
            FilterValue::Bare(v) if v == "NULL" => format!("{col} IS NULL"),
            FilterValue::Bare(v) if v == "NOT_NULL" => format!("{col} IS NOT NULL"),
            _ => return Err(fail("is takes NULL or NOT_NULL".into())),
        },
        Op::In => {
            let items = list_items(&c.value);
            if column.kind == ColumnType::Json {
                return Err(fail(format!("{} is a list: use containsAny", column.path)));
            }
            let placeholders: Result<Vec<String>, ApiError> = items
                .iter()
                .map(|item| {
                    typed(&column, item)
                        .map(|cell| args.push(column.kind, cell))
                        .map_err(fail)
                })
                .collect();
            format!("{col} IN ({})", placeholders?.join(", "))
        }
        Op::ContainsAny => {
            if column.kind != ColumnType::Json {
                return Err(fail(format!(
                    "containsAny works on lists (multi-select, array), and {} is not one",
                    column.path
                )));
            }
            let placeholders: Vec<String> = list_items(&c.value)
                .iter()
                .map(|item| {
                    let text = match item {
                        FilterValue::Quoted(t) | FilterValue::Bare(t) => t.clone(),
                        FilterValue::List(_) => String::new(),
                    };
                    args.push(ColumnType::Text, Cell::Text(text))
                })
                .collect();
            let values = placeholders.join(", ");
            match backend {
                Backend::Sqlite => {
                    format!(
                        "(json_type({col}) = 'array' AND EXISTS (SELECT 1 FROM json_each({col}) WHERE value IN ({values})))"
                    )
                }
                Backend::Postgres => {
                    // A raw JSON field may hold an object or a scalar: no list, so no items
                    // (PostgreSQL refuses to take one apart as an array).
                    format!(
                        "CASE WHEN jsonb_typeof({col}) = 'array' THEN EXISTS (SELECT 1 FROM jsonb_array_elements_text({col}) AS e(value) WHERE e.value IN ({values})) ELSE FALSE END"
                    )
                }
            }
        }
        Op::StartsWith | Op::EndsWith | Op::Like | Op::Ilike => {
            text_only(c.op)?;
            let text = match &c.value {
                FilterValue::Quoted(t) | FilterValue::Bare(t) => t.clone(),
                FilterValue::List(_) => {
                    return Err(fail(format!("{} takes one value", c.op.as_str())));
                }
            };
            pattern_sql(backend, &col, c.op, &text, args)
        }
    })
}

fn list_items(value: &FilterValue) -> Vec<FilterValue> {
    match value {
        FilterValue::List(items) => items.clone(),
        single => vec![single.clone()],
    }
}

/// `like` and `startsWith`/`endsWith` match case-sensitively and `ilike` does not, on both
/// backends (SQLite's LIKE ignores ASCII case, so the case-sensitive forms use GLOB there).
fn pattern_sql(backend: Backend, col: &str, op: Op, text: &str, args: &mut Args) -> String {
    let like_literal = |t: &str| {
        t.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    };
    let glob_literal = |t: &str| {
        t.chars()
            .map(|c| {
                if "*?[".contains(c) {
                    format!("[{c}]")
                } else {
                    c.to_string()
                }
            })
            .collect::<String>()
    };
    let mut push = |s: String| args.push(ColumnType::Text, Cell::Text(s));
    match (backend, op) {
        (_, Op::Ilike) if backend == Backend::Postgres => {
            format!("{col} ILIKE {}", push(text.to_owned()))
        }
        (_, Op::Ilike) => format!("{col} LIKE {}", push(text.to_owned())),
        (Backend::Postgres, Op::Like) => format!("{col} LIKE {}", push(text.to_owned())),
        (Backend::Postgres, Op::StartsWith) => format!(
            "{col} LIKE {} ESCAPE '\\'",
            push(format!("{}%", like_literal(text)))
        ),
        (Backend::Postgres, _) => format!(
            "{col} LIKE {} ESCAPE '\\'",
            push(format!("%{}", like_literal(text)))
        ),
        (Backend::Sqlite, Op::Like) => {
            let glob: String = text
                .chars()
                .map(|c| match c {
                    '%' => "*".to_owned(),
                    '_' => "?".to_owned(),
                    c if "*?[".contains(c) => format!("[{c}]"),
                    c => c.to_string(),
                })
                .collect();
            format!("{col} GLOB {}", push(glob))
        }
        (Backend::Sqlite, Op::StartsWith) => {
            format!("{col} GLOB {}", push(format!("{}*", glob_literal(text))))
        }
        (Backend::Sqlite, _) => format!("{col} GLOB {}", push(format!("*{}", glob_literal(text)))),
    }
}

/// Sort keys checked against the object, with `id` appended as the tie-breaker.
pub fn sort_columns(
    object: &ObjectMeta,
    keys: &[SortKey],
) -> Result<Vec<(Column, Direction)>, ApiError> {
    let mut columns = Vec::with_capacity(keys.len() + 1);
    for key in keys {
        let column =
            resolve(object, &key.path).map_err(|m| invalid("order_by", key.position, m))?;
        if column.kind == ColumnType::Json {
            return Err(invalid(
                "order_by",
                key.position,
                format!("{} is a list and cannot be sorted", column.path),
            ));
        }
        if column.name != "id" {
            columns.push((column, key.direction));
        }
    }
    // The tie-breaker runs the way the last key does, so that an index on (key, id) serves the
    // order in either direction; `id ASC` after `name DESC` would need a sort.
    let id_direction = keys
        .iter()
        .find(|k| k.path.field == "id")
        .map(|k| k.direction)
        .or_else(|| {
            columns
                .last()
                .filter(|(_, d): &&(Column, Direction)| d.is_descending())
                .map(|_| Direction::DescNullsLast)
        })
        .unwrap_or(Direction::AscNullsFirst);
    columns.push((
        Column {
            name: "id".into(),
            kind: ColumnType::Uuid,
            field_type: None,
            path: "id".into(),
        },
        id_direction,
    ));
    Ok(columns)
}

pub fn flip(direction: Direction) -> Direction {
    match direction {
        Direction::AscNullsFirst => Direction::DescNullsLast,
        Direction::AscNullsLast => Direction::DescNullsFirst,
        Direction::DescNullsFirst => Direction::AscNullsLast,
        Direction::DescNullsLast => Direction::AscNullsFirst,
    }
}

pub fn order_sql(columns: &[(Column, Direction)]) -> String {
    columns
        .iter()
        .map(|(column, direction)| {
            let dir = if direction.is_descending() {
                "DESC"
            } else {
                "ASC"
            };
            let nulls = if column.is_never_null() {
                ""
            } else if direction.nulls_first() {
                " NULLS FIRST"
            } else {
                " NULLS LAST"
            };
            format!("{} {dir}{nulls}", quote(&column.name))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The condition for rows strictly after the cursor row in this order:
/// `(k1 after v1) OR (k1 = v1 AND k2 after v2) OR …`, with NULLs where the order puts them.
pub fn after_sql(columns: &[(Column, Direction)], values: &[Cell], args: &mut Args) -> String {
    let mut alternatives = Vec::new();
    let mut equal_so_far: Vec<String> = Vec::new();
    for ((column, direction), value) in columns.iter().zip(values) {
        let col = quote(&column.name);
        let after = match value {
            Cell::Null if direction.nulls_first() => Some(format!("{col} IS NOT NULL")),
            Cell::Null => None,
            value => {
                let placeholder = args.push(column.kind, value.clone());
                let beyond = if direction.is_descending() { "<" } else { ">" };
                let nulls_after = if direction.nulls_first() || column.is_never_null() {
                    String::new()
                } else {
                    format!(" OR {col} IS NULL")
                };
                Some(format!("({col} {beyond} {placeholder}{nulls_after})"))
            }
        };
        if let Some(after) = after {
            let mut conjunction = equal_so_far.clone();
            conjunction.push(after);
            alternatives.push(format!("({})", conjunction.join(" AND ")));
        }
        equal_so_far.push(match value {
            Cell::Null => format!("{col} IS NULL"),
            value => format!("{col} = {}", args.push(column.kind, value.clone())),
        });
    }
    if alternatives.is_empty() {
        "FALSE".to_owned()
    } else {
        format!("({})", alternatives.join(" OR "))
    }
}
