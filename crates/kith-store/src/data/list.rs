//! Reading many records: a page of an object's records (its statement, count and plan), and
//! records by id.

use super::DataStore;
use super::input::rejected;
use super::projection::Projection;
use super::query::{
    Column, DEFAULT_LIMIT, ListQuery, MAX_LIMIT, Page, after_sql, filter_sql, flip, order_sql,
    sort_columns,
};
use super::sql::{Args, quote};
use crate::StoreError;
use kith_core::ApiError;
use kith_core::access::Action;
use kith_core::fields::{Cell, ColumnType};
use kith_core::filter::Filter;
use kith_core::metadata::ObjectMeta;
use serde_json::Value;
use uuid::Uuid;

impl DataStore {
    /// One page of an object's records.
    pub async fn list_records(
        &self,
        object: &ObjectMeta,
        query: &ListQuery,
    ) -> Result<Page, StoreError> {
        self.page(object, query, MAX_LIMIT).await
    }

    /// One page of at most `max_limit` records.
    pub(super) async fn page(
        &self,
        object: &ObjectMeta,
        query: &ListQuery,
        max_limit: usize,
    ) -> Result<Page, StoreError> {
        let mut conn = self.read().await?;
        let (statement, rows, more) = self.page_rows(&mut conn, object, query, max_limit).await?;
        let projection = &statement.projection;
        // A cursor is the id of the page's first or last record (as Stripe's `starting_after`).
        let cursor_of = |row: &Vec<Cell>| match row.last() {
            Some(Cell::Uuid(id)) => id.to_string(),
            _ => String::new(),
        };
        let total_count = if query.with_total {
            Some(self.count(&mut conn, object, query.filter.as_ref()).await?)
        } else {
            None
        };
        Ok(Page {
            start_cursor: rows.first().map(cursor_of),
            end_cursor: rows.last().map(cursor_of),
            has_next_page: if statement.backward { true } else { more },
            has_previous_page: if statement.backward {
                more
            } else {
                query.starting_after.is_some()
            },
            records: rows
                .iter()
                .map(|row| Ok(self.presented(object, projection.record(row)?)))
                .collect::<Result<Vec<_>, StoreError>>()?,
            total_count,
        })
    }

    /// The rows of one page (the projection's cells, then the sort keys, the id last), with the
    /// statement that read them and whether more follow.
    pub(super) async fn page_rows<'o>(
        &self,
        conn: &mut crate::db::Conn,
        object: &'o ObjectMeta,
        query: &ListQuery,
        max_limit: usize,
    ) -> Result<(ListStatement<'o>, Vec<Vec<Cell>>, bool), StoreError> {
        self.allow(Action::Read, object)?;
        self.access
            .check_query(object, query.filter.as_ref(), &query.order_by)
            .map_err(rejected)?;
        let cursor = self.cursor_values(conn.ex(), object, query).await?;
        let statement = self.list_statement(object, query, cursor.as_deref(), max_limit)?;
        let mut rows = conn
            .ex()
            .fetch_cells(&statement.sql, &statement.args, &statement.kinds)
            .await?;
        let more = rows.len() > statement.limit;
        rows.truncate(statement.limit);
        if statement.backward {
            rows.reverse();
        }
        Ok((statement, rows, more))
    }

    /// Refuses a query that [`DataStore::list_records`] would refuse, without running it.
    pub(super) fn check_list_query(
        &self,
        object: &ObjectMeta,
        query: &ListQuery,
    ) -> Result<(), StoreError> {
        self.allow(Action::Read, object)?;
        self.access
            .check_query(object, query.filter.as_ref(), &query.order_by)
            .map_err(rejected)?;
        self.list_statement(object, query, None, MAX_LIMIT)
            .map(|_| ())
    }

    /// The database's plan for the statement of [`DataStore::list_records`], one line per step,
    /// with sorting made a last resort on PostgreSQL (`enable_sort = off`; on a small table it
    /// would sort rather than walk an index): whether an index serves a list's order.
    pub async fn list_plan(
        &self,
        object: &ObjectMeta,
        query: &ListQuery,
    ) -> Result<Vec<String>, StoreError> {
        self.allow(Action::Read, object)?;
        let mut tx = self.begin().await?;
        let cursor = self.cursor_values(tx.ex(), object, query).await?;
        let statement = self.list_statement(object, query, cursor.as_deref(), MAX_LIMIT)?;
        let lines = match tx.backend() {
            crate::Backend::Postgres => {
                tx.ex()
                    .execute_cells("SET LOCAL enable_sort = off", &Args::default())
                    .await?;
                let sql = format!("EXPLAIN {}", statement.sql);
                tx.ex()
                    .fetch_cells(&sql, &statement.args, &[ColumnType::Text])
                    .await?
            }
            crate::Backend::Sqlite => {
                let sql = format!("EXPLAIN QUERY PLAN {}", statement.sql);
                let kinds = [
                    ColumnType::Int,
                    ColumnType::Int,
                    ColumnType::Int,
                    ColumnType::Text,
                ];
                tx.ex().fetch_cells(&sql, &statement.args, &kinds).await?
            }
        };
        Ok(lines
            .into_iter()
            .filter_map(|row| match row.last() {
                Some(Cell::Text(line)) => Some(line.clone()),
                _ => None,
            })
            .collect())
    }

    /// The `SELECT` of one page: the projection, then the sort keys (for cursors), in the order
    /// asked (flipped when paging backward), one row more than the page to tell if more follow.
    fn list_statement<'o>(
        &self,
        object: &'o ObjectMeta,
        query: &ListQuery,
        cursor: Option<&[Cell]>,
        max_limit: usize,
    ) -> Result<ListStatement<'o>, StoreError> {
        let limit = match query.limit {
            0 => DEFAULT_LIMIT,
            n if n <= max_limit => n,
            _ => {
                return Err(rejected(ApiError::invalid_field(
                    "limit",
                    format!("must be between 1 and {max_limit}"),
                )));
            }
        };
        let projection = Projection::of(object, self);
        let sort = sort_columns(object, &query.order_by).map_err(rejected)?;
        let backward = query.ending_before.is_some();
        let order: Vec<_> = if backward {
            sort.iter().map(|(c, d)| (c.clone(), flip(*d))).collect()
        } else {
            sort.clone()
        };

        let mut args = Args::default();
        let mut conditions = self.base_conditions(object, query.filter.as_ref(), &mut args)?;
        if let Some(values) = cursor {
            conditions.push(after_sql(&order, values, &mut args));
        }
        let sort_select: Vec<String> = sort.iter().map(|(c, _)| quote(&c.name)).collect();
        let sql = format!(
            "SELECT {}, {} FROM {} WHERE {} ORDER BY {} LIMIT {}",
            projection.select(),
            sort_select.join(", "),
            self.table(&object.table),
            conditions.join(" AND "),
            order_sql(&order),
            limit + 1
        );
        let mut kinds = projection.kinds.clone();
        kinds.extend(sort.iter().map(|(c, _)| c.kind));
        Ok(ListStatement {
            sql,
            args,
            kinds,
            projection,
            limit,
            backward,
        })
    }

    /// The sort values of the record a cursor names, read now: a page goes on from where that
    /// record stands in the order, whether or not the filter still selects it (or it went to
    /// the trash). A cursor naming no record of the object is a 404 naming the parameter.
    async fn cursor_values(
        &self,
        ex: crate::db::Ex<'_>,
        object: &ObjectMeta,
        query: &ListQuery,
    ) -> Result<Option<Vec<Cell>>, StoreError> {
        let (parameter, text) = match (&query.starting_after, &query.ending_before) {
            (Some(_), Some(_)) => {
                return Err(rejected(ApiError::invalid_field(
                    "ending_before",
                    "cannot be combined with starting_after",
                )));
            }
            (Some(text), None) => ("starting_after", text),
            (None, Some(text)) => ("ending_before", text),
            (None, None) => return Ok(None),
        };
        let id = Uuid::parse_str(text.trim()).map_err(|_| {
            rejected(ApiError::invalid_field(
                parameter,
                "is not a cursor: use a pageInfo cursor, the id of a record",
            ))
        })?;
        let sort = sort_columns(object, &query.order_by).map_err(rejected)?;
        let columns: Vec<&Column> = sort.iter().map(|(column, _)| column).collect();
        let select: Vec<String> = columns.iter().map(|c| quote(&c.name)).collect();
        let kinds: Vec<ColumnType> = columns.iter().map(|c| c.kind).collect();
        let mut args = Args::default();
        let sql = format!(
            "SELECT {} FROM {} WHERE id = {}",
            select.join(", "),
            self.table(&object.table),
            args.push(ColumnType::Uuid, Cell::Uuid(id))
        );
        let mut rows = ex.fetch_cells(&sql, &args, &kinds).await?;
        match rows.pop() {
            Some(values) => Ok(Some(values)),
            None => Err(rejected(ApiError {
                details: vec![kith_core::FieldError {
                    field: parameter.to_owned(),
                    message: format!("no {} has the id {id}", object.name_singular),
                }],
                ..ApiError::not_found(&format!("the record {parameter} names"))
            })),
        }
    }

    /// The filter's condition, and the trash left out unless the filter asks about `deletedAt`.
    fn base_conditions(
        &self,
        object: &ObjectMeta,
        filter: Option<&Filter>,
        args: &mut Args,
    ) -> Result<Vec<String>, StoreError> {
        let mut conditions = Vec::new();
        if !filter.is_some_and(|f| mentions(f, "deletedAt")) {
            conditions.push("deleted_at IS NULL".to_owned());
        }
        if let Some(filter) = filter {
            conditions.push(filter_sql(self.backend(), object, filter, args).map_err(rejected)?);
        }
        if conditions.is_empty() {
            conditions.push("1 = 1".to_owned());
        }
        Ok(conditions)
    }

    async fn count(
        &self,
        conn: &mut crate::db::Conn,
        object: &ObjectMeta,
        filter: Option<&Filter>,
    ) -> Result<i64, StoreError> {
        if filter.is_none()
            && let Some(live) = super::counts::live_count(self, conn, object).await?
        {
            return Ok(live);
        }
        let mut args = Args::default();
        let conditions = self.base_conditions(object, filter, &mut args)?;
        let sql = format!(
            "SELECT COUNT(*) FROM {} WHERE {}",
            self.table(&object.table),
            conditions.join(" AND ")
        );
        let rows = conn
            .ex()
            .fetch_cells(&sql, &args, &[ColumnType::Int])
            .await?;
        Ok(match rows.first().and_then(|r| r.first()) {
            Some(Cell::Int(n)) => *n,
            _ => 0,
        })
    }

    /// Live records of `object` by id (those in the trash or missing are left out), in no order.
    pub async fn records_by_ids(
        &self,
        object: &ObjectMeta,
        ids: &[Uuid],
    ) -> Result<Vec<Value>, StoreError> {
        self.allow(Action::Read, object)?;
        let projection = Projection::of(object, self);
        let mut records = Vec::with_capacity(ids.len());
        let mut conn = self.read().await?;
        for chunk in ids.chunks(500) {
            let (sql, args) = self.select_by_ids(&projection, object, chunk, true);
            let rows = conn
                .ex()
                .fetch_cells(&sql, &args, &projection.kinds)
                .await?;
            for row in &rows {
                records.push(self.presented(object, projection.record(row)?));
            }
        }
        Ok(records)
    }

    /// `SELECT <projection> … WHERE id IN (…)` for one chunk of ids, records in the trash
    /// included unless `live_only`.
    pub(super) fn select_by_ids(
        &self,
        projection: &Projection<'_>,
        object: &ObjectMeta,
        ids: &[Uuid],
        live_only: bool,
    ) -> (String, Args) {
        let mut args = Args::default();
        let placeholders: Vec<String> = ids
            .iter()
            .map(|id| args.push_in_order(self.backend(), ColumnType::Uuid, Cell::Uuid(*id)))
            .collect();
        let live = if live_only {
            "deleted_at IS NULL AND "
        } else {
            ""
        };
        let sql = format!(
            "SELECT {} FROM {} WHERE {live}id IN ({})",
            projection.select(),
            self.table(&object.table),
            placeholders.join(", ")
        );
        (sql, args)
    }
}

/// The statement of one page, built by [`DataStore::list_statement`].
pub(super) struct ListStatement<'o> {
    sql: String,
    args: Args,
    kinds: Vec<ColumnType>,
    pub(super) projection: Projection<'o>,
    limit: usize,
    backward: bool,
}

fn mentions(filter: &Filter, field: &str) -> bool {
    match filter {
        Filter::And(parts) | Filter::Or(parts) => parts.iter().any(|p| mentions(p, field)),
        Filter::Not(inner) => mentions(inner, field),
        Filter::Compare(c) => c.path.field == field,
    }
}
