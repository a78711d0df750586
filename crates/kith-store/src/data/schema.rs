//! The tables of a workspace: Kith's own (`_kith_objects`, `_kith_events`) and one per object,
//! made from metadata. Adding a field adds columns (`ALTER TABLE … ADD COLUMN`, which rewrites
//! nothing on either backend).

use super::sql::{Args, quote, sql_type};
use super::{DataStore, Target};
use crate::db::{Ex, Tx};
use crate::{Backend, StoreError};
use kith_core::fields::{Cell, ColumnType, FieldType};
use kith_core::metadata::{FieldMeta, ObjectMeta, OnDelete, WORKSPACE_MEMBER};
use kith_core::standard::standard_objects;

/// Columns every record table has, in the order records are read.
pub const SYSTEM_COLUMNS: [(&str, ColumnType); 11] = [
    ("id", ColumnType::Uuid),
    ("created_at", ColumnType::DateTime),
    ("updated_at", ColumnType::DateTime),
    ("deleted_at", ColumnType::DateTime),
    ("created_by_source", ColumnType::Text),
    ("created_by_member_id", ColumnType::Uuid),
    ("created_by_name", ColumnType::Text),
    ("updated_by_source", ColumnType::Text),
    ("updated_by_member_id", ColumnType::Uuid),
    ("updated_by_name", ColumnType::Text),
    ("position", ColumnType::Float),
];

/// The system columns that are never NULL (`id` is the primary key besides).
pub const NOT_NULL_SYSTEM_COLUMNS: [&str; 8] = [
    "id",
    "created_at",
    "updated_at",
    "created_by_source",
    "created_by_name",
    "updated_by_source",
    "updated_by_name",
    "position",
];

/// Creates Kith's tables and the standard objects if they are missing. Idempotent, and safe when
/// two instances run it at once (PostgreSQL: an advisory lock per workspace).
pub async fn provision(store: &DataStore) -> Result<(), StoreError> {
    let backend = store.backend();
    let mut tx = begin_locked(store).await?;
    if let Target::Postgres { schema, .. } = &store.target {
        run(
            &mut tx,
            &format!("CREATE SCHEMA IF NOT EXISTS {}", quote(schema)),
        )
        .await?;
    }
    let t = |kind| sql_type(backend, kind);
    let objects = format!(
        "CREATE TABLE IF NOT EXISTS {} (id {} PRIMARY KEY NOT NULL, name_singular TEXT NOT NULL UNIQUE, \
         name_plural TEXT NOT NULL UNIQUE, meta {} NOT NULL, position INTEGER NOT NULL)",
        store.table("_kith_objects"),
        t(ColumnType::Uuid),
        t(ColumnType::Json),
    );
    run(&mut tx, &objects).await?;
    // On SQLite the events are stored in order of their id (UUIDv7, so in time order) rather
    // than of a hidden rowid with the id in an index beside it: one B-tree less to write per
    // event. Files made before keep their table; both answer the same queries.
    // An event's changes are JSON kept as text: no query looks inside them, and PostgreSQL
    // parsing each as `JSONB` was about a fifteenth of its work in a batch of people.
    let events = format!(
        "CREATE TABLE IF NOT EXISTS {} (id {uuid} PRIMARY KEY NOT NULL, object_id {uuid} NOT NULL, \
         record_id {uuid} NOT NULL, kind TEXT NOT NULL, actor {json} NOT NULL, changes TEXT NOT NULL, at {ts} NOT NULL, \
         change_set_id {uuid}){}",
        store.table("_kith_events"),
        match backend {
            Backend::Sqlite => " WITHOUT ROWID",
            Backend::Postgres => "",
        },
        uuid = t(ColumnType::Uuid),
        json = t(ColumnType::Json),
        ts = t(ColumnType::DateTime),
    );
    run(&mut tx, &events).await?;
    let index = format!(
        "CREATE INDEX IF NOT EXISTS kith_events_record ON {} (record_id, at)",
        store.table("_kith_events")
    );
    run(&mut tx, &index).await?;
    changes_as_text(store, &mut tx).await?;
    change_sets(store, &mut tx).await?;
    audit_log(store, &mut tx).await?;
    saved_views(store, &mut tx).await?;
    super::counts::create_table(store, &mut tx).await?;
    favorites(store, &mut tx).await?;
    super::import::create_tables(store, &mut tx).await?;
    super::search::create_index(store, &mut tx).await?;
    let targets = format!(
        "CREATE TABLE IF NOT EXISTS {} (source_object_id {uuid} NOT NULL, source_id {uuid} NOT NULL, \
         target_object_id {uuid} NOT NULL, target_id {uuid} NOT NULL, created_at {ts} NOT NULL, \
         PRIMARY KEY (source_id, target_id))",
        store.table("_kith_targets"),
        uuid = t(ColumnType::Uuid),
        ts = t(ColumnType::DateTime),
    );
    run(&mut tx, &targets).await?;
    let by_target = format!(
        "CREATE INDEX IF NOT EXISTS kith_targets_target ON {} (target_id)",
        store.table("_kith_targets")
    );
    run(&mut tx, &by_target).await?;
    let sql = format!("SELECT id FROM {}", store.table("_kith_objects"));
    let existing = tx
        .ex()
        .fetch_cells(&sql, &Args::default(), &[ColumnType::Uuid])
        .await?;
    let standard = standard_objects();
    for (position, object) in standard.iter().enumerate() {
        if !existing
            .iter()
            .any(|row| row.first() == Some(&Cell::Uuid(object.id)))
        {
            create_object(store, &mut tx, &standard, object, position).await?;
        }
    }
    let objects = load_objects_on(store, tx.ex()).await?;
    super::counts::count_objects(store, &mut tx, &objects).await?;
    tx.commit().await
}

/// How long a metadata change waits for the workspace's metadata lock before giving up.
const METADATA_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Begins a transaction holding the workspace's metadata lock, which serialises its metadata
/// changes (on SQLite the single writer does). On PostgreSQL the lock is tried rather than waited
/// for inside the transaction: a sort index built concurrently (`data::indexes`) holds it, and
/// waits for every transaction older than its build to end, so a transaction waiting in there
/// would deadlock with it. One that did not get the lock ends, and a new one tries again shortly.
pub async fn begin_locked(store: &DataStore) -> Result<Tx, StoreError> {
    if !matches!(store.target, Target::Postgres { .. }) {
        return store.begin().await;
    }
    let started = std::time::Instant::now();
    loop {
        let mut tx = store.begin().await?;
        let mut args = Args::default();
        let key = args.push(ColumnType::Int, Cell::Int(lock_key(store.workspace_id())));
        let sql = format!("SELECT pg_try_advisory_xact_lock({key})");
        let rows = tx
            .ex()
            .fetch_cells(&sql, &args, &[ColumnType::Bool])
            .await?;
        if matches!(rows.first().and_then(|r| r.first()), Some(Cell::Bool(true))) {
            return Ok(tx);
        }
        tx.rollback().await?;
        if started.elapsed() > METADATA_LOCK_WAIT {
            return Err(StoreError::Rejected(kith_core::ApiError::new(
                kith_core::ErrorCode::Unavailable,
                "the workspace's metadata is busy (an index is being built); try again shortly",
            )));
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A stable 64-bit key for PostgreSQL's advisory lock of one workspace.
pub(super) fn lock_key(workspace_id: uuid::Uuid) -> i64 {
    let bytes = workspace_id.as_bytes();
    let mut key = [0u8; 8];
    key.copy_from_slice(&bytes[8..16]);
    i64::from_be_bytes(key)
}

pub async fn run(tx: &mut Tx, sql: &str) -> Result<u64, StoreError> {
    tx.ex().execute_cells(sql, &Args::default()).await
}

/// Creates an object's table with its columns and indexes, and records its metadata.
pub async fn create_object(
    store: &DataStore,
    tx: &mut Tx,
    catalog: &[ObjectMeta],
    object: &ObjectMeta,
    position: usize,
) -> Result<(), StoreError> {
    let backend = store.backend();
    let mut columns: Vec<String> = SYSTEM_COLUMNS
        .iter()
        .map(|(name, kind)| {
            let constraint = match *name {
                "id" => " PRIMARY KEY NOT NULL",
                name if NOT_NULL_SYSTEM_COLUMNS.contains(&name) => " NOT NULL",
                _ => "",
            };
            format!("{} {}{constraint}", quote(name), sql_type(backend, *kind))
        })
        .collect();
    for field in &object.fields {
        columns.extend(field_column_definitions(store, catalog, field));
    }
    run(
        tx,
        &format!(
            "CREATE TABLE IF NOT EXISTS {} ({})",
            store.table(&object.table),
            columns.join(", ")
        ),
    )
    .await?;
    for field in &object.fields {
        create_field_indexes(store, tx, object, field).await?;
    }
    let mut args = Args::default();
    let values = [
        args.push(ColumnType::Uuid, Cell::Uuid(object.id)),
        args.push(ColumnType::Text, Cell::Text(object.name_singular.clone())),
        args.push(ColumnType::Text, Cell::Text(object.name_plural.clone())),
        args.push(
            ColumnType::Json,
            Cell::Json(serde_json::to_value(object).map_err(|e| corrupt_metadata(&e))?),
        ),
        args.push(
            ColumnType::Int,
            Cell::Int(i64::try_from(position).unwrap_or(i64::MAX)),
        ),
    ];
    let sql = format!(
        "INSERT INTO {} (id, name_singular, name_plural, meta, position) VALUES ({}) ON CONFLICT (id) DO NOTHING",
        store.table("_kith_objects"),
        values.join(", ")
    );
    tx.ex().execute_cells(&sql, &args).await?;
    Ok(())
}

/// Turns the `JSONB` changes of a PostgreSQL schema made before they were text into text (this
/// rewrites the events table, once).
async fn changes_as_text(store: &DataStore, tx: &mut Tx) -> Result<(), StoreError> {
    if postgres_column_is(store, tx, "_kith_events", "changes", "data_type = 'jsonb'").await? {
        let alter = format!(
            "ALTER TABLE {} ALTER COLUMN changes TYPE TEXT USING changes::text",
            store.table("_kith_events")
        );
        run(tx, &alter).await?;
    }
    Ok(())
}

/// The audit log (see `data::audit`), newest last by its id (UUIDv7).
async fn audit_log(store: &DataStore, tx: &mut Tx) -> Result<(), StoreError> {
    let t = |kind| sql_type(store.backend(), kind);
    let table = format!(
        "CREATE TABLE IF NOT EXISTS {} (id {uuid} PRIMARY KEY NOT NULL, at {ts} NOT NULL, principal TEXT NOT NULL, \
         principal_name TEXT NOT NULL, client TEXT NOT NULL, action TEXT NOT NULL, summary TEXT NOT NULL, \
         outcome TEXT NOT NULL, duration_ms {int} NOT NULL, records TEXT NOT NULL)",
        store.table("_kith_audit"),
        uuid = t(ColumnType::Uuid),
        ts = t(ColumnType::DateTime),
        int = t(ColumnType::Int),
    );
    run(tx, &table).await?;
    for (name, columns) in [
        ("kith_audit_at", "at"),
        ("kith_audit_principal", "principal, id"),
        ("kith_audit_action", "action, id"),
    ] {
        let index = format!(
            "CREATE INDEX IF NOT EXISTS {name} ON {} ({columns})",
            store.table("_kith_audit")
        );
        run(tx, &index).await?;
    }
    Ok(())
}

/// Saved views (see `data::views`); the spec is JSON kept as text, as no query looks inside it.
async fn saved_views(store: &DataStore, tx: &mut Tx) -> Result<(), StoreError> {
    let t = |kind| sql_type(store.backend(), kind);
    let table = format!(
        "CREATE TABLE IF NOT EXISTS {} (id {uuid} PRIMARY KEY NOT NULL, object_id {uuid} NOT NULL, \
         owner TEXT, spec TEXT NOT NULL, created_by TEXT NOT NULL, created_at {ts} NOT NULL, updated_at {ts} NOT NULL)",
        store.table("_kith_views"),
        uuid = t(ColumnType::Uuid),
        ts = t(ColumnType::DateTime),
    );
    run(tx, &table).await?;
    let by_object = format!(
        "CREATE INDEX IF NOT EXISTS kith_views_object ON {} (object_id, created_at)",
        store.table("_kith_views")
    );
    run(tx, &by_object).await?;
    Ok(())
}

/// Favourites (see `data::favorites`): each points at a record or a view, never both; read by
/// owner in their order.
async fn favorites(store: &DataStore, tx: &mut Tx) -> Result<(), StoreError> {
    let t = |kind| sql_type(store.backend(), kind);
    let table = format!(
        "CREATE TABLE IF NOT EXISTS {} (id {uuid} PRIMARY KEY NOT NULL, owner TEXT NOT NULL, \
         object_id {uuid} NOT NULL, record_id {uuid}, view_id {uuid}, position {float} NOT NULL, \
         created_at {ts} NOT NULL, CHECK ((record_id IS NULL) <> (view_id IS NULL)))",
        store.table("_kith_favorites"),
        uuid = t(ColumnType::Uuid),
        float = t(ColumnType::Float),
        ts = t(ColumnType::DateTime),
    );
    run(tx, &table).await?;
    let by_owner = format!(
        "CREATE INDEX IF NOT EXISTS kith_favorites_owner ON {} (owner, position)",
        store.table("_kith_favorites")
    );
    run(tx, &by_owner).await?;
    Ok(())
}

/// The change sets of tokens and agents, and the column that puts an event in one (added to
/// the events of workspaces made before change sets).
async fn change_sets(store: &DataStore, tx: &mut Tx) -> Result<(), StoreError> {
    let t = |kind| sql_type(store.backend(), kind);
    let table = format!(
        "CREATE TABLE IF NOT EXISTS {} (id {uuid} PRIMARY KEY NOT NULL, principal TEXT NOT NULL, \
         label TEXT NOT NULL, opened_at {ts} NOT NULL, last_write_at {ts} NOT NULL, reverted_at {ts})",
        store.table("_kith_change_sets"),
        uuid = t(ColumnType::Uuid),
        ts = t(ColumnType::DateTime),
    );
    run(tx, &table).await?;
    let by_principal = format!(
        "CREATE INDEX IF NOT EXISTS kith_change_sets_principal ON {} (principal, last_write_at)",
        store.table("_kith_change_sets")
    );
    run(tx, &by_principal).await?;
    let has_column = match store.backend() {
        Backend::Postgres => {
            postgres_column_is(store, tx, "_kith_events", "change_set_id", "TRUE").await?
        }
        Backend::Sqlite => {
            let rows = tx
                .ex()
                .fetch_cells(
                    "SELECT name FROM pragma_table_info('_kith_events') WHERE name = 'change_set_id'",
                    &Args::default(),
                    &[ColumnType::Text],
                )
                .await?;
            !rows.is_empty()
        }
    };
    if !has_column {
        let alter = format!(
            "ALTER TABLE {} ADD COLUMN change_set_id {}",
            store.table("_kith_events"),
            t(ColumnType::Uuid)
        );
        run(tx, &alter).await?;
    }
    let index = format!(
        "CREATE INDEX IF NOT EXISTS kith_events_change_set ON {} (change_set_id, id) WHERE change_set_id IS NOT NULL",
        store.table("_kith_events")
    );
    run(tx, &index).await?;
    Ok(())
}

/// Whether this workspace has the table `table` (one of Kith's own, such as `_kith_search`).
pub(super) async fn table_exists(
    store: &DataStore,
    tx: &mut Tx,
    table: &str,
) -> Result<bool, StoreError> {
    let mut args = Args::default();
    let sql = match &store.target {
        Target::Sqlite(_) => format!(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = {}",
            args.push(ColumnType::Text, Cell::Text(table.to_owned()))
        ),
        Target::Postgres { schema, .. } => format!(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = {} AND table_name = {}",
            args.push(ColumnType::Text, Cell::Text(schema.clone())),
            args.push(ColumnType::Text, Cell::Text(table.to_owned())),
        ),
    };
    Ok(tx.ex().fetch_int(&sql, &args).await? == Some(1))
}

/// Whether this workspace's PostgreSQL column `table.column` meets `condition`, a condition on
/// `information_schema.columns` (`data_type = 'jsonb'`). Never on SQLite.
pub(super) async fn postgres_column_is(
    store: &DataStore,
    tx: &mut Tx,
    table: &str,
    column: &str,
    condition: &str,
) -> Result<bool, StoreError> {
    let Target::Postgres { schema, .. } = &store.target else {
        return Ok(false);
    };
    let mut args = Args::default();
    let sql = format!(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = {} \
         AND table_name = {} AND column_name = {} AND {condition}",
        args.push(ColumnType::Text, Cell::Text(schema.clone())),
        args.push(ColumnType::Text, Cell::Text(table.to_owned())),
        args.push(ColumnType::Text, Cell::Text(column.to_owned())),
    );
    Ok(tx.ex().fetch_int(&sql, &args).await? == Some(1))
}

/// Writes an object's changed metadata (names and the whole description).
pub async fn save_object(
    store: &DataStore,
    tx: &mut Tx,
    object: &ObjectMeta,
) -> Result<(), StoreError> {
    let mut args = Args::default();
    let sql = format!(
        "UPDATE {} SET name_singular = {}, name_plural = {}, meta = {} WHERE id = {}",
        store.table("_kith_objects"),
        args.push(ColumnType::Text, Cell::Text(object.name_singular.clone())),
        args.push(ColumnType::Text, Cell::Text(object.name_plural.clone())),
        args.push(
            ColumnType::Json,
            Cell::Json(serde_json::to_value(object).map_err(|e| corrupt_metadata(&e))?)
        ),
        args.push(ColumnType::Uuid, Cell::Uuid(object.id)),
    );
    tx.ex().execute_cells(&sql, &args).await?;
    Ok(())
}

pub fn corrupt_metadata(e: &serde_json::Error) -> StoreError {
    StoreError::Corrupt {
        column: "_kith_objects.meta",
        value: e.to_string(),
    }
}

/// `"col" TYPE [REFERENCES …]` for each stored part of a field.
pub fn field_column_definitions(
    store: &DataStore,
    catalog: &[ObjectMeta],
    field: &FieldMeta,
) -> Vec<String> {
    let backend = store.backend();
    let references = foreign_key(store, catalog, field).unwrap_or_default();
    field
        .field_type
        .parts()
        .iter()
        .map(|part| {
            format!(
                "{} {}{references}",
                quote(&part.column(&field.column)),
                sql_type(backend, part.kind)
            )
        })
        .collect()
}

/// The foreign key of a relation to another object's records (members live in the control
/// plane, so relations to them are checked by the record engine instead).
fn foreign_key(store: &DataStore, catalog: &[ObjectMeta], field: &FieldMeta) -> Option<String> {
    let relation = field
        .relation
        .as_ref()
        .filter(|_| field.field_type == FieldType::Relation)?;
    if relation.target == WORKSPACE_MEMBER {
        return None;
    }
    let target = catalog
        .iter()
        .find(|o| o.name_singular == relation.target)?;
    let action = match relation.on_delete {
        OnDelete::SetNull => "SET NULL",
        OnDelete::Cascade => "CASCADE",
        OnDelete::Restrict => "RESTRICT",
    };
    Some(format!(
        " REFERENCES {} (id) ON DELETE {action}",
        store.table(&target.table)
    ))
}

/// The name of a field's unique index (`ux_…`) or plain index (`ix_…`): built from the field's
/// id, so unique within a schema and within PostgreSQL's 63-byte limit.
pub fn index_name(prefix: &str, field: &FieldMeta) -> String {
    format!("{prefix}_{}", field.id.simple())
}

/// Whether a field of this type may be unique: its first part must compare as a plain value.
pub fn can_be_unique(field_type: FieldType) -> bool {
    field_type.parts().first().is_some_and(|p| {
        matches!(
            p.kind,
            ColumnType::Text
                | ColumnType::Int
                | ColumnType::Float
                | ColumnType::Date
                | ColumnType::DateTime
                | ColumnType::Uuid
        )
    })
}

/// Creates a field's indexes in `tx`: for a new object's table, still empty. A field added to a
/// table with records gets its unique index so ([`create_unique_index`]) and its sort index in the
/// background (`data::indexes`).
pub async fn create_field_indexes(
    store: &DataStore,
    tx: &mut Tx,
    object: &ObjectMeta,
    field: &FieldMeta,
) -> Result<(), StoreError> {
    create_unique_index(store, tx, object, field).await?;
    if (field.is_indexed || field.field_type == FieldType::Relation)
        && let Some(sql) = sort_index_sql(store, object, field, false)
    {
        run(tx, &sql).await?;
    }
    Ok(())
}

/// Creates the index that keeps a unique field's live, non-empty values unique (failing on
/// values already taken twice).
pub async fn create_unique_index(
    store: &DataStore,
    tx: &mut Tx,
    object: &ObjectMeta,
    field: &FieldMeta,
) -> Result<(), StoreError> {
    let Some(part) = field.field_type.parts().first() else {
        return Ok(());
    };
    if field.is_unique {
        let column = quote(&part.column(&field.column));
        let table = store.table(&object.table);
        let not_empty = if part.kind == ColumnType::Text {
            format!(" AND {column} <> ''")
        } else {
            String::new()
        };
        let name = index_name("ux", field);
        run(tx, &format!("CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {table} ({column}) WHERE deleted_at IS NULL{not_empty}")).await?;
    }
    Ok(())
}

/// The statement creating a field's sort index (of all rows: a unique index holds live,
/// non-empty values only and cannot serve a sort), `CONCURRENTLY` when asked (PostgreSQL,
/// outside a transaction); `None` for a field with no column.
pub fn sort_index_sql(
    store: &DataStore,
    object: &ObjectMeta,
    field: &FieldMeta,
    concurrently: bool,
) -> Option<String> {
    let part = field.field_type.parts().first()?;
    let column = quote(&part.column(&field.column));
    // The API's default directions are Twenty's: `Asc` puts NULLs first, `Desc` last. SQLite
    // orders NULLs first anyway; PostgreSQL's indexes put them last unless told, and could then
    // serve neither default.
    let nulls = match store.backend() {
        crate::Backend::Postgres => " NULLS FIRST",
        crate::Backend::Sqlite => "",
    };
    let concurrently = if concurrently { " CONCURRENTLY" } else { "" };
    Some(format!(
        "CREATE INDEX{concurrently} IF NOT EXISTS {} ON {} ({column}{nulls}, id)",
        index_name("ix", field),
        store.table(&object.table)
    ))
}

/// Drops a field's indexes (before a change of `isUnique`, or when the field goes).
pub async fn drop_field_indexes(
    store: &DataStore,
    tx: &mut Tx,
    field: &FieldMeta,
) -> Result<(), StoreError> {
    for prefix in ["ux", "ix"] {
        let name = match &store.target {
            Target::Sqlite(_) => quote(&index_name(prefix, field)),
            Target::Postgres { schema, .. } => {
                format!("{}.{}", quote(schema), quote(&index_name(prefix, field)))
            }
        };
        run(tx, &format!("DROP INDEX IF EXISTS {name}")).await?;
    }
    Ok(())
}

/// Every object's metadata, in order.
pub async fn load_objects(store: &DataStore) -> Result<Vec<ObjectMeta>, StoreError> {
    let mut conn = store.read().await?;
    load_objects_on(store, conn.ex()).await
}

/// Every object's metadata, read on `ex` (a transaction's connection when about to change it).
pub async fn load_objects_on(store: &DataStore, ex: Ex<'_>) -> Result<Vec<ObjectMeta>, StoreError> {
    let sql = format!(
        "SELECT meta FROM {} ORDER BY position, id",
        store.table("_kith_objects")
    );
    let rows = ex
        .fetch_cells(&sql, &Args::default(), &[ColumnType::Json])
        .await?;
    rows.into_iter()
        .map(|row| match row.into_iter().next() {
            Some(Cell::Json(meta)) => {
                serde_json::from_value(meta).map_err(|e| corrupt_metadata(&e))
            }
            other => Err(StoreError::Corrupt {
                column: "_kith_objects.meta",
                value: format!("{other:?}"),
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_keys_differ_per_workspace() {
        assert_ne!(
            lock_key(uuid::Uuid::now_v7()),
            lock_key(uuid::Uuid::now_v7())
        );
    }

    #[test]
    fn only_plain_values_can_be_unique() {
        assert!(
            can_be_unique(FieldType::Text)
                && can_be_unique(FieldType::Emails)
                && can_be_unique(FieldType::Number)
        );
        assert!(
            !can_be_unique(FieldType::MultiSelect)
                && !can_be_unique(FieldType::Boolean)
                && !can_be_unique(FieldType::RawJson)
        );
    }
}
