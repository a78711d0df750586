//! Full-text search across a workspace's objects: names, emails, domains, titles and texts.
//!
//! One index row per live record (`_kith_search`), written in the same transaction as the record.
//! A query takes a bounded set of candidates from the index without ranking (ranking every match
//! of a two-letter prefix costs tens of milliseconds on a million people) and ranks only those.

use super::DataStore;
use super::batch::Source;
use super::sql::{Args, Row, quote};
use crate::db::Tx;
use crate::{Backend, StoreError};
use kith_core::fields::{Cell, ColumnType, FieldType};
use kith_core::metadata::{FieldMeta, ObjectMeta};
use serde_json::Value;
use uuid::Uuid;

/// How many candidates a query takes from the index before ranking.
const CANDIDATES: usize = 400;

/// One search result.
#[derive(Debug, Clone)]
pub struct Hit {
    pub object: String,
    pub record_id: Uuid,
    pub label: String,
    pub score: u32,
}

/// The columns of an index entry, in the order of [`entry_row`].
pub(super) const ENTRY_COLUMNS: [(&str, Source); 4] = [
    ("object_id", Source::Row),
    ("record_id", Source::Row),
    ("label", Source::Row),
    ("body", Source::Row),
];

/// Creates the index tables (idempotent). On SQLite, FTS5 finds an entry quickly only by its
/// rowid (a condition on `record_id` reads the whole index), so `_kith_search_docs` maps each
/// record to its entry's rowid; a file made before the map existed gets it filled here once.
/// The FTS5 index keeps no word positions (`detail = none`): queries are words matched by prefix
/// and ranked here, never phrases, and without positions a batch writes a smaller index. A file
/// whose index was made with positions keeps it; it answers the same queries.
pub async fn create_index(store: &DataStore, tx: &mut Tx) -> Result<(), StoreError> {
    let table = store.table("_kith_search");
    let docs = store.table("_kith_search_docs");
    let statements = match store.backend() {
        Backend::Sqlite => vec![
            format!(
                "CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5(object_id UNINDEXED, record_id UNINDEXED, label, body, \
                 tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3', detail = none)"
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS {docs} (record_id BLOB PRIMARY KEY NOT NULL, doc INTEGER NOT NULL) WITHOUT ROWID"
            ),
        ],
        Backend::Postgres => vec![
            format!(
                "CREATE TABLE IF NOT EXISTS {table} (record_id UUID PRIMARY KEY NOT NULL, object_id UUID NOT NULL, \
                 label TEXT NOT NULL, body TEXT NOT NULL, \
                 words TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', \
                 regexp_replace(label || ' ' || body, '[^[:alnum:]]+', ' ', 'g'))) STORED)"
            ),
            format!("CREATE INDEX IF NOT EXISTS kith_search_words ON {table} USING GIN (words)"),
        ],
    };
    for sql in statements {
        tx.ex().execute_cells(&sql, &Args::default()).await?;
    }
    if store.backend() == Backend::Sqlite {
        let mapped = format!("SELECT count(*) FROM (SELECT 1 FROM {docs} LIMIT 1)");
        if tx.ex().fetch_int(&mapped, &Args::default()).await? == Some(0) {
            // OR REPLACE: a record indexed twice by some old fault must not stop the workspace
            // from opening.
            let fill = format!(
                "INSERT OR REPLACE INTO {docs} (record_id, doc) SELECT record_id, rowid FROM {table}"
            );
            tx.ex().execute_cells(&fill, &Args::default()).await?;
        }
    }
    Ok(())
}

/// Whether search reads a field: the label, and texts, emails, links, names and phones.
pub fn is_searchable(object: &ObjectMeta, field: &FieldMeta) -> bool {
    field.name == object.label_field
        || matches!(
            field.field_type,
            FieldType::Text
                | FieldType::RichText
                | FieldType::Emails
                | FieldType::Links
                | FieldType::FullName
                | FieldType::Phones
        )
}

/// A record's values as search reads them: from its JSON, or from the cells of a row a batch
/// is about to write (which spares turning each field into JSON first).
pub(super) trait RecordText {
    /// The text of `field`, or of its sub-field `part` (empty for a field of one column).
    fn text(&self, field: &FieldMeta, part: &str) -> Option<&str>;
    /// The texts of `field`'s sub-field `part`, a list (additional emails).
    fn texts(&self, field: &FieldMeta, part: &str) -> Vec<&str>;
}

impl RecordText for Value {
    fn text(&self, field: &FieldMeta, part: &str) -> Option<&str> {
        let value = &self[field.key().as_str()];
        if part.is_empty() {
            value.as_str()
        } else {
            value[part].as_str()
        }
    }

    fn texts(&self, field: &FieldMeta, part: &str) -> Vec<&str> {
        self[field.key().as_str()][part]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect()
    }
}

/// The text of a record worth finding it by: its label, and the rest (emails, links, texts).
/// Reads only the fields [`is_searchable`] names.
pub(super) fn searchable_text(object: &ObjectMeta, record: &impl RecordText) -> (String, String) {
    let label = record_label(object, record);
    let mut body = String::new();
    let mut add = |text: &str| {
        if !text.is_empty() {
            if !body.is_empty() {
                body.push(' ');
            }
            body.push_str(text);
        }
    };
    for field in object
        .active_fields()
        .filter(|f| f.name != object.label_field)
    {
        let text = |part: &str| record.text(field, part).unwrap_or_default();
        match field.field_type {
            FieldType::Text | FieldType::RichText => add(text("")),
            FieldType::Emails => {
                add(text("primaryEmail"));
                record
                    .texts(field, "additionalEmails")
                    .into_iter()
                    .for_each(&mut add);
            }
            FieldType::Links => {
                let url = text("primaryLinkUrl");
                if !url.is_empty() {
                    add(&domain_words(url));
                }
            }
            FieldType::FullName => add(&full_name(record, field)),
            FieldType::Phones => add(text("primaryPhoneNumber")),
            _ => {}
        }
    }
    (label, body)
}

fn full_name(record: &impl RecordText, field: &FieldMeta) -> String {
    [
        record.text(field, "firstName"),
        record.text(field, "lastName"),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" ")
}

/// `https://www.acme.com/x` is found by `acme` as well as by the address itself.
fn domain_words(url: &str) -> String {
    let host = url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("www.");
    format!("{url} {}", host.split('/').next().unwrap_or_default())
}

/// What names a record: its label field, shown in results and relations.
pub(super) fn record_label(object: &ObjectMeta, record: &impl RecordText) -> String {
    match object.field(&object.label_field) {
        Some(field) if field.field_type == FieldType::FullName => full_name(record, field),
        Some(field) => record.text(field, "").unwrap_or_default().to_owned(),
        None => String::new(),
    }
}

/// Writes (or with `None`, removes) a record's index row inside the record's transaction.
pub async fn index_record(
    store: &DataStore,
    tx: &mut Tx,
    object: &ObjectMeta,
    record_id: Uuid,
    record: Option<&Value>,
) -> Result<(), StoreError> {
    store.remove_entries(tx, &[record_id]).await?;
    match record {
        Some(record) => {
            store
                .add_entries(tx, vec![entry_row(object, record, record_id)])
                .await
        }
        None => Ok(()),
    }
}

/// The index entry of a record: its object, id, label and the rest of its searchable text.
pub(super) fn entry_row(object: &ObjectMeta, record: &impl RecordText, record_id: Uuid) -> Row {
    let (label, body) = searchable_text(object, record);
    vec![
        (ColumnType::Uuid, Cell::Uuid(object.id)),
        (ColumnType::Uuid, Cell::Uuid(record_id)),
        (ColumnType::Text, Cell::Text(label)),
        (ColumnType::Text, Cell::Text(body)),
    ]
}

impl DataStore {
    /// Removes the index entries of `ids` (up to a few thousand).
    pub(super) async fn remove_entries(&self, tx: &mut Tx, ids: &[Uuid]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut args = Args::default();
        let list = ids
            .iter()
            .map(|id| args.push_in_order(self.backend(), ColumnType::Uuid, Cell::Uuid(*id)))
            .collect::<Vec<_>>()
            .join(", ");
        let (table, docs) = (self.table("_kith_search"), self.table("_kith_search_docs"));
        let statements = match self.backend() {
            Backend::Sqlite => vec![
                format!(
                    "DELETE FROM {table} WHERE rowid IN (SELECT doc FROM {docs} WHERE record_id IN ({list}))"
                ),
                format!("DELETE FROM {docs} WHERE record_id IN ({list})"),
            ],
            Backend::Postgres => vec![format!("DELETE FROM {table} WHERE record_id IN ({list})")],
        };
        for sql in statements {
            tx.ex().execute_cells(&sql, &args).await?;
        }
        Ok(())
    }

    /// Adds index entries (rows of [`ENTRY_COLUMNS`]).
    pub(super) async fn add_entries(
        &self,
        tx: &mut Tx,
        entries: Vec<Row>,
    ) -> Result<(), StoreError> {
        for (sql, bound) in self.bind_statements(self.entry_statements(entries), Vec::new())? {
            tx.ex().execute_bound(sql, bound).await?;
        }
        Ok(())
    }

    /// The statements that add index entries: their `INSERT`s and, on SQLite, the one that maps
    /// each new entry's rowid to its record. FTS5 numbers new entries on from its highest rowid
    /// and a SQLite file has one writer, so the last `n` rowids up to `last_insert_rowid()` are
    /// exactly these `n` entries.
    pub(super) fn entry_statements(&self, entries: Vec<Row>) -> Vec<(String, Args)> {
        let count = entries.len();
        let mut statements = self.insert_statements("_kith_search", &ENTRY_COLUMNS, &[], entries);
        if self.backend() == Backend::Sqlite && count > 0 {
            let (table, docs) = (self.table("_kith_search"), self.table("_kith_search_docs"));
            statements.push((
                format!(
                    "INSERT INTO {docs} (record_id, doc) SELECT record_id, rowid FROM {table} \
                     WHERE rowid > last_insert_rowid() - {count}"
                ),
                Args::default(),
            ));
        }
        statements
    }
}

/// Lower-cased words of a query, letters and digits only (everything else separates words).
pub fn query_words(query: &str) -> Vec<String> {
    query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(str::to_lowercase)
        .collect()
}

/// How a query's words match the words of an entry.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum WordMatch {
    /// An entry's word starts with the query's (search as you type).
    Prefix,
    /// An entry's word is the query's: for finding records that hold the same words (duplicates),
    /// and much cheaper than a prefix a great many words share (`5` in a million emails).
    Whole,
}

impl DataStore {
    /// Records of `objects` whose words start with every word of `query`, best first.
    pub async fn search(
        &self,
        objects: &[&ObjectMeta],
        query: &str,
        limit: usize,
    ) -> Result<Vec<Hit>, StoreError> {
        self.search_words(objects, query, limit, WordMatch::Prefix)
            .await
    }

    /// Records of `objects` with every word of `query`, matched as `matching` says, best first.
    pub(super) async fn search_words(
        &self,
        objects: &[&ObjectMeta],
        query: &str,
        limit: usize,
        matching: WordMatch,
    ) -> Result<Vec<Hit>, StoreError> {
        let prefix = matching == WordMatch::Prefix;
        let words = query_words(query);
        if words.is_empty() || objects.is_empty() {
            return Ok(Vec::new());
        }
        let mut args = Args::default();
        let object_ids: Vec<String> = objects
            .iter()
            .map(|o| args.push(ColumnType::Uuid, Cell::Uuid(o.id)))
            .collect();
        let table = self.table("_kith_search");
        let sql = match self.backend() {
            Backend::Sqlite => {
                let expression = words
                    .iter()
                    .map(|w| format!("\"{w}\"{}", if prefix { "*" } else { "" }))
                    .collect::<Vec<_>>()
                    .join(" AND ");
                let matcher = args.push(ColumnType::Text, Cell::Text(expression));
                format!(
                    "SELECT object_id, record_id, label, body FROM {table} WHERE {table} MATCH {matcher} \
                     AND object_id IN ({}) LIMIT {CANDIDATES}",
                    object_ids.join(", ")
                )
            }
            Backend::Postgres => {
                let expression = words
                    .iter()
                    .map(|w| format!("{w}{}", if prefix { ":*" } else { "" }))
                    .collect::<Vec<_>>()
                    .join(" & ");
                let matcher = args.push(ColumnType::Text, Cell::Text(expression));
                format!(
                    "SELECT object_id, record_id, label, body FROM {table} WHERE words @@ to_tsquery('simple', {matcher}) \
                     AND object_id IN ({}) LIMIT {CANDIDATES}",
                    object_ids.join(", ")
                )
            }
        };
        let kinds = [
            ColumnType::Uuid,
            ColumnType::Uuid,
            ColumnType::Text,
            ColumnType::Text,
        ];
        let mut conn = self.read().await?;
        let rows = conn.ex().fetch_cells(&sql, &args, &kinds).await?;
        let mut hits: Vec<Hit> = rows
            .into_iter()
            .filter_map(|row| {
                let [
                    Cell::Uuid(object_id),
                    Cell::Uuid(record_id),
                    Cell::Text(label),
                    Cell::Text(body),
                ] = row.as_slice()
                else {
                    return None;
                };
                let object = objects.iter().find(|o| o.id == *object_id)?;
                Some(Hit {
                    object: object.name_singular.clone(),
                    record_id: *record_id,
                    score: score(&words, label, body),
                    label: label.clone(),
                })
            })
            .collect();
        hits.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then_with(|| a.label.to_lowercase().cmp(&b.label.to_lowercase()))
                .then(a.record_id.cmp(&b.record_id))
        });
        hits.truncate(limit);
        Ok(hits)
    }
}

/// Ranks a candidate: the label matching beats the rest; a label starting with the query beats
/// one merely containing its words.
fn score(words: &[String], label: &str, body: &str) -> u32 {
    let label = label.to_lowercase();
    let label_words: Vec<&str> = label
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut score = 0;
    if label == words.join(" ") {
        score += 1000;
    }
    if words
        .first()
        .is_some_and(|first| label.starts_with(first.as_str()))
    {
        score += 400;
    }
    for word in words {
        if label_words.iter().any(|w| w == word) {
            score += 100;
        } else if label_words.iter().any(|w| w.starts_with(word.as_str())) {
            score += 50;
        } else if body.to_lowercase().contains(word.as_str()) {
            score += 10;
        }
    }
    score
}

/// Records indexed again per transaction when the index catches up.
const REINDEX_CHUNK: usize = 500;

impl DataStore {
    /// Catches up with field changes, a few hundred records a transaction so that writers wait
    /// little: indexes again the records of objects whose searchable fields were deleted, hidden
    /// or shown again, and on SQLite erases the values of deleted fields. Returns how many
    /// records it rewrote. Safe to run twice at once.
    pub async fn catch_up_fields(&self) -> Result<usize, StoreError> {
        let mut total = 0;
        let catalog = self.objects().await?;
        for object in catalog.iter() {
            if !object.dropped_columns.is_empty() {
                total += self.erase_dropped_columns(object).await?;
                self.forget_dropped_columns(object.id, &object.dropped_columns)
                    .await?;
            }
            if object.search_is_stale() {
                total += self.reindex(object).await?;
                self.mark_search_indexed(object.id, object.search_changes)
                    .await?;
            }
        }
        Ok(total)
    }

    /// Sets the columns of deleted fields to NULL in every row (SQLite keeps the columns: dropping
    /// one rewrites the whole table).
    async fn erase_dropped_columns(&self, object: &ObjectMeta) -> Result<usize, StoreError> {
        let columns: Vec<String> = object.dropped_columns.iter().map(|c| quote(c)).collect();
        let table = self.table(&object.table);
        let sql = format!(
            "UPDATE {table} SET {} WHERE rowid IN (SELECT rowid FROM {table} WHERE {} LIMIT {REINDEX_CHUNK})",
            columns
                .iter()
                .map(|c| format!("{c} = NULL"))
                .collect::<Vec<_>>()
                .join(", "),
            columns
                .iter()
                .map(|c| format!("{c} IS NOT NULL"))
                .collect::<Vec<_>>()
                .join(" OR "),
        );
        let mut total = 0;
        loop {
            let mut tx = self.begin().await?;
            let erased = tx.ex().execute_cells(&sql, &Args::default()).await?;
            tx.commit().await?;
            total += erased as usize;
            if erased == 0 {
                return Ok(total);
            }
        }
    }

    async fn reindex(&self, object: &ObjectMeta) -> Result<usize, StoreError> {
        let mut after = None;
        let mut total = 0;
        loop {
            let mut tx = self.begin().await?;
            let ids = self.live_ids_after(&mut tx, object, after).await?;
            let records = self.read_many_in(&mut tx, object, &ids).await?;
            self.remove_entries(&mut tx, &ids).await?;
            let entries = ids
                .iter()
                .zip(&records)
                .map(|(id, record)| entry_row(object, record, *id))
                .collect();
            self.add_entries(&mut tx, entries).await?;
            tx.commit().await?;
            total += ids.len();
            match ids.last() {
                Some(last) if ids.len() == REINDEX_CHUNK => after = Some(*last),
                _ => return Ok(total),
            }
        }
    }

    /// The next live records' ids after `after`, in id order.
    async fn live_ids_after(
        &self,
        tx: &mut Tx,
        object: &ObjectMeta,
        after: Option<Uuid>,
    ) -> Result<Vec<Uuid>, StoreError> {
        let mut args = Args::default();
        let from = match after {
            Some(id) => format!(" AND id > {}", args.push(ColumnType::Uuid, Cell::Uuid(id))),
            None => String::new(),
        };
        let sql = format!(
            "SELECT id FROM {} WHERE deleted_at IS NULL{from} ORDER BY id LIMIT {REINDEX_CHUNK}",
            self.table(&object.table)
        );
        tx.ex().fetch_ids(&sql, &args).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_become_plain_words() {
        assert_eq!(
            query_words("  Acme, \"Inc\"* OR x:y "),
            ["acme", "inc", "or", "x", "y"]
        );
        assert!(query_words("*** ''").is_empty());
    }

    #[test]
    fn label_matches_rank_first() {
        let words = query_words("acm");
        assert!(score(&words, "Acme", "") > score(&words, "Big Acme", ""));
        assert!(score(&words, "Big Acme", "") > score(&words, "Globex", "contact@acme.com"));
        assert!(
            score(&query_words("acme"), "Acme", "") > score(&query_words("acme"), "Acme Labs", "")
        );
    }
}
