//! How many live records each object has, kept by the database itself: triggers on each
//! object's table add to `_kith_counts` as records are created, trashed, restored and deleted,
//! whatever the statement that did it. An unfiltered count then reads a few rows instead of
//! every record (at a million people, `COUNT(*)` took about 90 ms on SQLite and 240 ms on
//! PostgreSQL).
//!
//! On PostgreSQL a statement adds to the slot of its connection (`pg_backend_pid() % 64`):
//! writers on one row would wait for each other's commit, and batches of one object are written
//! by several connections at once. A count is the sum of an object's slots. SQLite has a single
//! writer and one slot per object.

use super::sql::{Args, quote};
use super::{DataStore, Target, schema};
use crate::db::{Conn, Tx};
use crate::{Backend, StoreError};
use kith_core::fields::{Cell, ColumnType};
use kith_core::metadata::ObjectMeta;

const TABLE: &str = "_kith_counts";

/// Creates the counts table, and on PostgreSQL the trigger functions (idempotent).
pub async fn create_table(store: &DataStore, tx: &mut Tx) -> Result<(), StoreError> {
    let table = store.table(TABLE);
    let create = match store.backend() {
        Backend::Sqlite => format!(
            "CREATE TABLE IF NOT EXISTS {table} (table_name TEXT NOT NULL, slot INTEGER NOT NULL, \
             live INTEGER NOT NULL, PRIMARY KEY (table_name, slot)) WITHOUT ROWID"
        ),
        Backend::Postgres => format!(
            "CREATE TABLE IF NOT EXISTS {table} (table_name TEXT NOT NULL, slot SMALLINT NOT NULL, \
             live BIGINT NOT NULL, PRIMARY KEY (table_name, slot))"
        ),
    };
    schema::run(tx, &create).await?;
    Ok(())
}

/// The PostgreSQL functions the triggers run: `added` and `removed` once a statement, over the
/// rows it wrote; `moved` once a record that went into the trash or came out of it.
fn postgres_functions(store: &DataStore) -> Vec<String> {
    let table = store.table(TABLE);
    let add = |delta: &str| {
        format!(
            "INSERT INTO {table} AS c (table_name, slot, live) VALUES (TG_TABLE_NAME, pg_backend_pid() % 64, {delta}) \
             ON CONFLICT (table_name, slot) DO UPDATE SET live = c.live + EXCLUDED.live"
        )
    };
    let function = |name: &str, body: String| {
        format!(
            "CREATE OR REPLACE FUNCTION {} () RETURNS trigger LANGUAGE plpgsql AS $kith$ \
             DECLARE delta BIGINT; BEGIN {body} RETURN NULL; END $kith$",
            store.table(name)
        )
    };
    vec![
        function(
            "kith_count_added",
            format!(
                "SELECT count(*) INTO delta FROM added WHERE deleted_at IS NULL; \
                 IF delta <> 0 THEN {}; END IF;",
                add("delta")
            ),
        ),
        function(
            "kith_count_removed",
            format!(
                "SELECT -count(*) INTO delta FROM removed WHERE deleted_at IS NULL; \
                 IF delta <> 0 THEN {}; END IF;",
                add("delta")
            ),
        ),
        function(
            "kith_count_moved",
            format!(
                "{};",
                add("CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE -1 END")
            ),
        ),
    ]
}

/// The triggers that keep `object`'s count.
fn triggers(store: &DataStore, object: &ObjectMeta) -> Vec<String> {
    let table = store.table(&object.table);
    let moved = "(OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)";
    match &store.target {
        Target::Sqlite(_) => {
            // SQLite's trigger names are the file's, not the table's.
            let name = |what: &str| quote(&format!("kith_count_{what}_{}", object.table));
            let add = |delta: &str| {
                format!(
                    "UPDATE {TABLE} SET live = live + ({delta}) WHERE table_name = {} AND slot = 0",
                    literal(&object.table)
                )
            };
            vec![
                format!(
                    "CREATE TRIGGER IF NOT EXISTS {} AFTER INSERT ON {table} WHEN NEW.deleted_at IS NULL BEGIN {}; END",
                    name("added"),
                    add("1")
                ),
                format!(
                    "CREATE TRIGGER IF NOT EXISTS {} AFTER DELETE ON {table} WHEN OLD.deleted_at IS NULL BEGIN {}; END",
                    name("removed"),
                    add("-1")
                ),
                format!(
                    "CREATE TRIGGER IF NOT EXISTS {} AFTER UPDATE OF deleted_at ON {table} WHEN {moved} BEGIN {}; END",
                    name("moved"),
                    add("CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE -1 END")
                ),
            ]
        }
        Target::Postgres { .. } => {
            let mut statements = Vec::new();
            for (name, event, rest) in [
                (
                    "kith_count_added",
                    "INSERT",
                    "REFERENCING NEW TABLE AS added FOR EACH STATEMENT".to_owned(),
                ),
                (
                    "kith_count_removed",
                    "DELETE",
                    "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT".to_owned(),
                ),
                (
                    "kith_count_moved",
                    "UPDATE OF deleted_at",
                    format!("FOR EACH ROW WHEN ({moved})"),
                ),
            ] {
                statements.push(format!("DROP TRIGGER IF EXISTS {name} ON {table}"));
                statements.push(format!(
                    "CREATE TRIGGER {name} AFTER {event} ON {table} {rest} EXECUTE FUNCTION {} ()",
                    store.table(name)
                ));
            }
            statements
        }
    }
}

/// A SQL string literal of an identifier Kith made (object tables are named by Kith).
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Starts keeping the counts of the objects that have none yet: a new object, or every object
/// of a workspace made before counts were kept (counted once here). Within `tx`, which on
/// PostgreSQL the triggers' creation makes wait for the tables' writers and then holds them off
/// until it commits, so no record is counted twice or missed.
pub async fn count_objects(
    store: &DataStore,
    tx: &mut Tx,
    objects: &[ObjectMeta],
) -> Result<(), StoreError> {
    let sql = format!("SELECT DISTINCT table_name FROM {}", store.table(TABLE));
    let counted: Vec<String> = tx
        .ex()
        .fetch_cells(&sql, &Args::default(), &[ColumnType::Text])
        .await?
        .into_iter()
        .filter_map(|row| match row.into_iter().next() {
            Some(Cell::Text(name)) => Some(name),
            _ => None,
        })
        .collect();
    let uncounted: Vec<&ObjectMeta> = objects
        .iter()
        .filter(|o| !counted.contains(&o.table))
        .collect();
    if uncounted.is_empty() {
        return Ok(());
    }
    if store.backend() == Backend::Postgres {
        for function in postgres_functions(store) {
            schema::run(tx, &function).await?;
        }
    }
    for object in uncounted {
        for trigger in triggers(store, object) {
            schema::run(tx, &trigger).await?;
        }
        let mut args = Args::default();
        let name = args.push(ColumnType::Text, Cell::Text(object.table.clone()));
        let start = format!(
            "INSERT INTO {} (table_name, slot, live) SELECT {name}, 0, COUNT(*) FROM {} WHERE deleted_at IS NULL",
            store.table(TABLE),
            store.table(&object.table)
        );
        tx.ex().execute_cells(&start, &args).await?;
    }
    Ok(())
}

/// Forgets the count of an object whose table is dropped (its triggers go with the table).
pub async fn forget(store: &DataStore, tx: &mut Tx, object: &ObjectMeta) -> Result<(), StoreError> {
    let mut args = Args::default();
    let sql = format!(
        "DELETE FROM {} WHERE table_name = {}",
        store.table(TABLE),
        args.push(ColumnType::Text, Cell::Text(object.table.clone()))
    );
    tx.ex().execute_cells(&sql, &args).await?;
    Ok(())
}

/// How many live records `object` has, or `None` if its count is not kept (yet).
pub async fn live_count(
    store: &DataStore,
    conn: &mut Conn,
    object: &ObjectMeta,
) -> Result<Option<i64>, StoreError> {
    let mut args = Args::default();
    // PostgreSQL sums BIGINTs as NUMERIC.
    let sum = match store.backend() {
        Backend::Sqlite => "SUM(live)",
        Backend::Postgres => "SUM(live)::BIGINT",
    };
    let sql = format!(
        "SELECT {sum} FROM {} WHERE table_name = {}",
        store.table(TABLE),
        args.push(ColumnType::Text, Cell::Text(object.table.clone()))
    );
    let rows = conn
        .ex()
        .fetch_cells(&sql, &args, &[ColumnType::Int])
        .await?;
    Ok(match rows.first().and_then(|row| row.first()) {
        Some(Cell::Int(n)) => Some(*n),
        _ => None,
    })
}
