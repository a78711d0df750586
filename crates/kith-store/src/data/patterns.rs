//! Regular expressions of the `filter` and `order_by` texts an object accepts, for its OpenAPI
//! document: a client (or a fuzzer) that writes a text matching them gets it accepted, because
//! they are built from the same columns and value types that [`super::query`] checks.
//!
//! A regular expression cannot count parentheses, so the filter pattern covers groups one level
//! deep (`and(…)`, `or(…)`, `not(…)` of comparisons); the grammar nests further, up to 32 levels.

use super::query::{Column, resolve};
use kith_core::fields::{ColumnType, FieldType};
use kith_core::filter::FieldPath;
use kith_core::metadata::ObjectMeta;
use kith_core::sort::{Direction, MAX_SORT_KEYS};

/// The pattern of `filter`: comparisons joined by commas, each alone or in a group.
pub fn filter_pattern(object: &ObjectMeta) -> String {
    let comparison = comparison_pattern(&columns(object));
    let comparisons = format!("{comparison}(?:,{comparison})*");
    let group = format!("(?:(?:and|or)\\({comparisons}\\)|not\\({comparison}\\))");
    let expression = format!("(?:{comparison}|{group})");
    format!("^{expression}(?:,{expression})*$")
}

/// Every path an order or a grouping may name: any column but lists.
pub fn ordered_paths(object: &ObjectMeta) -> Vec<String> {
    columns(object)
        .into_iter()
        .filter(|c| c.kind != ColumnType::Json)
        .map(|c| c.path)
        .collect()
}

/// The pattern of `aggregate`: `count`, or `sum`/`avg`/`min`/`max` of a number (a currency
/// field by its name means its amount), comma-separated.
pub fn aggregate_pattern(object: &ObjectMeta) -> String {
    let mut numbers: Vec<String> = columns(object)
        .iter()
        .filter(|c| matches!(c.kind, ColumnType::Int | ColumnType::Float))
        .map(|c| escape(&c.path))
        .collect();
    numbers.extend(
        object
            .active_fields()
            .filter(|f| f.field_type == FieldType::Currency)
            .map(|f| f.key()),
    );
    let one = if numbers.is_empty() {
        "count".to_owned()
    } else {
        format!("(?:count|(?:sum|avg|min|max):(?:{}))", numbers.join("|"))
    };
    format!("^{one}(?:,{one})*$")
}

/// The pattern of `order_by`: up to [`MAX_SORT_KEYS`] keys of any column but lists, each with
/// an optional direction.
pub fn order_by_pattern(object: &ObjectMeta) -> String {
    let paths: Vec<String> = ordered_paths(object).iter().map(|p| escape(p)).collect();
    let directions: Vec<&str> = Direction::ALL.iter().map(|d| d.as_str()).collect();
    let key = format!(
        "(?:{})(?:\\[(?:{})\\])?",
        paths.join("|"),
        directions.join("|")
    );
    format!("^{key}(?:,{key}){{0,{}}}$", MAX_SORT_KEYS - 1)
}

/// Every column a filter or sort may name: the system columns, then each filterable field (or
/// each part of a composite one), as [`resolve`] finds them.
fn columns(object: &ObjectMeta) -> Vec<Column> {
    let mut paths: Vec<FieldPath> = ["id", "createdAt", "updatedAt", "deletedAt", "position"]
        .into_iter()
        .map(|name| path(name, None))
        .collect();
    for field in object
        .active_fields()
        .filter(|f| f.field_type.is_filterable())
    {
        let key = field.key();
        if field.field_type.is_composite() {
            let parts = field.field_type.parts().iter();
            paths.extend(parts.map(|part| path(&key, Some(part.name))));
        } else {
            paths.push(path(&key, None));
        }
    }
    paths
        .iter()
        .filter_map(|p| resolve(object, p).ok())
        .filter(|c| !matches!(c.kind, ColumnType::Bytes | ColumnType::Words))
        .collect()
}

fn path(field: &str, sub_field: Option<&str>) -> FieldPath {
    FieldPath {
        field: field.to_owned(),
        sub_field: sub_field.map(str::to_owned),
    }
}

/// Columns of one value type share operators and values, so they share one alternative.
fn comparison_pattern(columns: &[Column]) -> String {
    let mut alternatives = Vec::new();
    let mut kinds: Vec<(ColumnType, Option<FieldType>)> = Vec::new();
    for column in columns {
        let kind = value_kind(column);
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    for kind in kinds {
        let paths: Vec<String> = columns
            .iter()
            .filter(|c| value_kind(c) == kind)
            .map(|c| escape(&c.path))
            .collect();
        let paths = format!("(?:{})", paths.join("|"));
        alternatives.push(format!("{paths}\\[is\\]:(?:NULL|NOT_NULL)"));
        match kind.0 {
            ColumnType::Json => {
                let item = text_value();
                alternatives.push(format!(
                    "{paths}\\[containsAny\\]:(?:{item}|\\[{item}(?:,{item})*\\])"
                ));
            }
            ColumnType::Text => {
                let value = text_value();
                alternatives.push(format!(
                    "{paths}\\[(?:eq|neq|gt|gte|lt|lte|startsWith|endsWith|like|ilike)\\]:{value}"
                ));
                alternatives.push(format!(
                    "{paths}\\[in\\]:(?:{value}|\\[{value}(?:,{value})*\\])"
                ));
            }
            _ => {
                let Some(bare) = scalar(kind) else { continue };
                let value = format!("(?:{bare}|\"{bare}\")");
                alternatives.push(format!("{paths}\\[(?:eq|neq|gt|gte|lt|lte)\\]:{value}"));
                alternatives.push(format!(
                    "{paths}\\[in\\]:(?:{value}|\\[{value}(?:,{value})*\\])"
                ));
            }
        }
    }
    format!("(?:{})", alternatives.join("|"))
}

/// What decides a column's values: its type, and for whole numbers whether it is a rating.
fn value_kind(column: &Column) -> (ColumnType, Option<FieldType>) {
    let rating = column.field_type == Some(FieldType::Rating);
    (column.kind, rating.then_some(FieldType::Rating))
}

/// What Rust's `char::is_whitespace` (and so `trim`) takes for space, for a character class:
/// `\s` alone is not enough, as some generators do not count U+0085 or U+3000 in it.
pub const SPACE: &str = r"\s\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// [`SPACE`] and the control characters (`char::is_control`), for a character class.
pub const SPACE_OR_CONTROL: &str =
    r"\s\u0000-\u001f\u007f-\u009f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// A text value: quoted (with `\"` and `\\` escaped), or bare up to the next separator. No NUL,
/// which PostgreSQL cannot hold in text.
fn text_value() -> String {
    format!(r#"(?:"(?:[^"\\\x00]|\\["\\])*"|[^,()\[\]"\x00{SPACE}][^,()\[\]"\x00]*)"#)
}

/// A value of a non-text column, as the filter's typing reads it; none for bytes and words,
/// which no filter may name.
fn scalar(kind: (ColumnType, Option<FieldType>)) -> Option<&'static str> {
    const DATE: &str = "[12][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])";
    Some(match kind {
        (ColumnType::Int, Some(FieldType::Rating)) => "(?:RATING_[1-5]|[1-5])",
        (ColumnType::Int, _) => "-?[0-9]{1,18}",
        (ColumnType::Float, _) => "-?[0-9]{1,15}(?:\\.[0-9]{1,6})?",
        (ColumnType::Bool, _) => "(?:true|false)",
        (ColumnType::Date, _) => DATE,
        (ColumnType::DateTime, _) => concat!(
            "[12][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])",
            "(?:T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,6})?(?:Z|[+-]0[0-9]:00))?"
        ),
        (ColumnType::Uuid, _) => {
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
        }
        (ColumnType::Text | ColumnType::Json | ColumnType::Bytes | ColumnType::Words, _) => {
            return None;
        }
    })
}

/// A path as a pattern matches it literally.
pub fn escape(path: &str) -> String {
    path.replace('.', "\\.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Backend;
    use crate::data::sql::Args;
    use kith_core::{filter, sort, standard};
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    /// The pattern without its anchors, which proptest's generator does not take.
    fn generator(pattern: &str) -> proptest::string::RegexGeneratorStrategy<String> {
        let inner = pattern.trim_start_matches('^').trim_end_matches('$');
        proptest::string::string_regex(inner).expect("a pattern proptest can generate from")
    }

    #[test]
    fn every_filter_the_pattern_allows_is_accepted() {
        for object in standard::standard_objects() {
            let pattern = filter_pattern(&object);
            let mut runner = TestRunner::new(Config::with_cases(300));
            let result = runner.run(&generator(&pattern), |text| {
                let parsed = filter::parse(&text).map_err(|e| {
                    TestCaseError::fail(format!("{text:?} does not parse: {}", e.message))
                })?;
                for backend in [Backend::Sqlite, Backend::Postgres] {
                    super::super::query::filter_sql(
                        backend,
                        &object,
                        &parsed,
                        &mut Args::default(),
                    )
                    .map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
                }
                Ok(())
            });
            assert!(result.is_ok(), "{}: {result:?}", object.name_plural);
        }
    }

    #[test]
    fn every_order_the_pattern_allows_is_accepted() {
        for object in standard::standard_objects() {
            let pattern = order_by_pattern(&object);
            let mut runner = TestRunner::new(Config::with_cases(300));
            let result = runner.run(&generator(&pattern), |text| {
                let keys = sort::parse(&text)
                    .map_err(|e| TestCaseError::fail(format!("{text:?}: {}", e.message)))?;
                super::super::query::sort_columns(&object, &keys)
                    .map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
                Ok(())
            });
            assert!(result.is_ok(), "{}: {result:?}", object.name_plural);
        }
    }
}
