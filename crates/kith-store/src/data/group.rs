//! Group-by with aggregates, for pipelines and reports:
//! `groupBy?field=stage&aggregate=count,sum:amount`.

use super::DataStore;
use super::input::rejected;
use super::query::{Column, filter_sql, resolve};
use super::sql::{Args, quote};
use crate::{Backend, StoreError};
use kith_core::ApiError;
use kith_core::access::Action;
use kith_core::fields::{self, Cell, ColumnType, FieldType};
use kith_core::filter::{FieldPath, Filter};
use kith_core::metadata::ObjectMeta;
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

impl Aggregate {
    pub fn parse(name: &str) -> Option<Aggregate> {
        match name {
            "count" => Some(Aggregate::Count),
            "sum" => Some(Aggregate::Sum),
            "avg" => Some(Aggregate::Avg),
            "min" => Some(Aggregate::Min),
            "max" => Some(Aggregate::Max),
            _ => None,
        }
    }

    fn sql(self) -> &'static str {
        match self {
            Aggregate::Count => "COUNT",
            Aggregate::Sum => "SUM",
            Aggregate::Avg => "AVG",
            Aggregate::Min => "MIN",
            Aggregate::Max => "MAX",
        }
    }
}

/// One requested aggregate: `count`, or an operation over a numeric field (`sum:amount`).
#[derive(Debug, Clone)]
pub struct AggregateRequest {
    pub aggregate: Aggregate,
    pub path: Option<FieldPath>,
    /// How it was written, the key of its value in the answer.
    pub label: String,
}

fn invalid(field: &str, message: String) -> StoreError {
    StoreError::Rejected(ApiError::invalid_field(field, message))
}

/// A numeric column for an aggregate; a currency means its amount.
fn numeric_column(object: &ObjectMeta, path: &FieldPath) -> Result<Column, String> {
    let path = match object.field_for_key(&path.field) {
        Some(field) if field.field_type == FieldType::Currency && path.sub_field.is_none() => {
            FieldPath {
                field: path.field.clone(),
                sub_field: Some("amountMicros".into()),
            }
        }
        _ => path.clone(),
    };
    let column = resolve(object, &path)?;
    if !matches!(column.kind, ColumnType::Int | ColumnType::Float) {
        return Err(format!("{} is not a number", column.path));
    }
    Ok(column)
}

impl DataStore {
    /// Records (not in the trash, matching `filter`) grouped by one field, with aggregates per
    /// group; select fields come in the order of their options, other values in ascending order.
    pub async fn group_by(
        &self,
        object: &ObjectMeta,
        group: &FieldPath,
        aggregates: &[AggregateRequest],
        filter: Option<&Filter>,
    ) -> Result<Vec<Value>, StoreError> {
        self.allow(Action::Read, object)?;
        self.access
            .check_query(object, filter, &[])
            .map_err(rejected)?;
        self.access
            .check_named(object, "field", &group.field)
            .map_err(rejected)?;
        for aggregate in aggregates {
            if let Some(path) = &aggregate.path {
                self.access
                    .check_named(object, "aggregate", &path.field)
                    .map_err(rejected)?;
            }
        }
        let column = resolve(object, group).map_err(|m| invalid("field", m))?;
        if matches!(
            column.kind,
            ColumnType::Json | ColumnType::Bytes | ColumnType::Words
        ) {
            return Err(invalid(
                "field",
                format!("{} cannot be grouped by", column.path),
            ));
        }
        let float = match self.backend() {
            Backend::Sqlite => "REAL",
            Backend::Postgres => "DOUBLE PRECISION",
        };
        let mut selects = vec![quote(&column.name)];
        let mut kinds = vec![column.kind];
        for request in aggregates {
            match (&request.aggregate, &request.path) {
                (Aggregate::Count, _) => {
                    selects.push("COUNT(*)".into());
                    kinds.push(ColumnType::Int);
                }
                (aggregate, Some(path)) => {
                    let target =
                        numeric_column(object, path).map_err(|m| invalid("aggregate", m))?;
                    selects.push(format!(
                        "CAST({}({}) AS {float})",
                        aggregate.sql(),
                        quote(&target.name)
                    ));
                    kinds.push(ColumnType::Float);
                }
                (_, None) => {
                    return Err(invalid(
                        "aggregate",
                        format!("{} needs a field, as in sum:amount", request.label),
                    ));
                }
            }
        }
        let mut args = Args::default();
        let mut conditions = vec!["deleted_at IS NULL".to_owned()];
        if let Some(filter) = filter {
            conditions.push(
                filter_sql(self.backend(), object, filter, &mut args)
                    .map_err(StoreError::Rejected)?,
            );
        }
        let sql = format!(
            "SELECT {} FROM {} WHERE {} GROUP BY {col} ORDER BY {col} ASC NULLS FIRST LIMIT 1000",
            selects.join(", "),
            self.table(&object.table),
            conditions.join(" AND "),
            col = quote(&column.name),
        );
        let mut conn = self.read().await?;
        let rows = conn.ex().fetch_cells(&sql, &args, &kinds).await?;
        let field_type = column.field_type.unwrap_or(FieldType::Text);
        let options = object
            .field_for_key(&group.field)
            .map(|f| f.options.clone())
            .unwrap_or_default();
        let mut groups: Vec<(Option<i32>, Value)> = rows
            .iter()
            .map(|row| {
                // Ratings, options and dates read as the API writes them; other keys as stored.
                let key_type = match field_type {
                    FieldType::Rating
                    | FieldType::Select
                    | FieldType::Date
                    | FieldType::DateTime => field_type,
                    _ => FieldType::RawJson,
                };
                let key = fields::output(key_type, std::slice::from_ref(&row[0]));
                let mut group = Map::new();
                group.insert("key".into(), key.clone());
                for (request, cell) in aggregates.iter().zip(&row[1..]) {
                    group.insert(request.label.clone(), number(cell));
                }
                let order = options
                    .iter()
                    .find(|o| Some(o.value.as_str()) == key.as_str())
                    .map(|o| o.position);
                (order, Value::Object(group))
            })
            .collect();
        if field_type == FieldType::Select {
            groups.sort_by_key(|(order, _)| order.map_or(i32::MIN, |o| o));
        }
        Ok(groups.into_iter().map(|(_, group)| group).collect())
    }
}

/// A number as JSON: whole numbers without a fraction, empty groups' sums as null.
fn number(cell: &Cell) -> Value {
    match cell {
        Cell::Int(n) => json!(n),
        Cell::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => json!(*f as i64),
        Cell::Float(f) => json!(f),
        _ => Value::Null,
    }
}
