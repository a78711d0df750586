//! Finding the records a chunk of rows names: the records to update (by a unique field, an id or
//! a domain) and the related records of relation columns, a query per chunk and column.

use super::super::DataStore;
use super::super::sql::{Args, quote};
use crate::StoreError;
use crate::db::Tx;
use kith_core::fields::{Cell, ColumnType, FieldType};
use kith_core::metadata::ObjectMeta;
use std::collections::HashMap;
use uuid::Uuid;

/// Values looked up per statement (each domain is asked for in [`domain_variants`]' forms).
const VALUES_PER_QUERY: usize = 2_000;

/// How rows are matched to records of an object: by one column, compared after normalizing.
#[derive(Debug, Clone)]
pub(super) struct Matcher {
    /// The key in a record's input (`emails`, `domainName`, `id`) and the part holding the value.
    pub key: String,
    pub part: Option<&'static str>,
    column: String,
    kind: ColumnType,
    compare: Compare,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compare {
    Exact,
    /// Lower-cased and trimmed, as emails are stored.
    Email,
    /// By host: `https://www.acme.com/about` and `acme.com` are one domain.
    Domain,
}

impl Matcher {
    /// The matcher for `name` (a field of `object`, or `id`), or why it cannot match.
    pub(super) fn of(object: &ObjectMeta, name: &str) -> Result<Matcher, String> {
        Matcher::new(object, name, true)
    }

    /// A matcher for finding related records, which may share the value (the oldest is taken).
    pub(super) fn lookup(object: &ObjectMeta, name: &str) -> Result<Matcher, String> {
        Matcher::new(object, name, false)
    }

    fn new(object: &ObjectMeta, name: &str, unique: bool) -> Result<Matcher, String> {
        if name == "id" {
            return Ok(Matcher {
                key: "id".into(),
                part: None,
                column: "id".into(),
                kind: ColumnType::Uuid,
                compare: Compare::Exact,
            });
        }
        let field = object
            .active_fields()
            .find(|f| f.name == name && f.field_type != FieldType::Relation)
            .ok_or_else(|| format!("{name} is not a field of {}", object.name_singular))?;
        let part = field.field_type.parts()[0];
        let compare = match field.field_type {
            FieldType::Emails => Compare::Email,
            FieldType::Links => Compare::Domain,
            _ if field.is_unique || !unique => Compare::Exact,
            _ => {
                return Err(format!(
                    "{name} is not unique, so it cannot tell which {} a row is; match on id, a domain or a unique field",
                    object.name_singular
                ));
            }
        };
        if !matches!(part.kind, ColumnType::Text | ColumnType::Int) {
            return Err(format!("{name} cannot be matched on"));
        }
        Ok(Matcher {
            key: field.key(),
            part: (!part.name.is_empty()).then_some(part.name),
            column: part.column(&field.column),
            kind: part.kind,
            compare,
        })
    }

    /// The normalized value a record's input gives for this matcher, if any.
    pub(super) fn value_in(
        &self,
        input: &serde_json::Map<String, serde_json::Value>,
    ) -> Option<String> {
        let value = input.get(&self.key)?;
        let value = match self.part {
            Some(part) => value.get(part)?,
            None => value,
        };
        let text = match value {
            serde_json::Value::String(text) => text.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => return None,
        };
        let normal = self.normalize(&text);
        (!normal.is_empty()).then_some(normal)
    }

    pub(super) fn normalize(&self, text: &str) -> String {
        match self.compare {
            Compare::Exact => text.trim().to_owned(),
            Compare::Email => text.trim().to_lowercase(),
            Compare::Domain => normalized_domain(text),
        }
    }

    /// The live records of `object` with these (normalized) values, by value.
    pub(super) async fn find(
        &self,
        store: &DataStore,
        tx: &mut Tx,
        object: &ObjectMeta,
        values: &[String],
    ) -> Result<HashMap<String, Uuid>, StoreError> {
        let mut found = HashMap::new();
        let per_query = match self.compare {
            Compare::Domain => VALUES_PER_QUERY / 12,
            _ => VALUES_PER_QUERY,
        };
        for chunk in values.chunks(per_query) {
            let mut args = Args::default();
            let mut asked = Vec::new();
            for value in chunk {
                for form in self.stored_forms(value) {
                    let Some(cell) = self.cell(&form) else {
                        continue;
                    };
                    asked.push(args.push(self.kind, cell));
                }
            }
            if asked.is_empty() {
                continue;
            }
            let sql = format!(
                "SELECT id, {column} FROM {table} WHERE {column} IN ({asked}) AND deleted_at IS NULL",
                column = quote(&self.column),
                table = store.table(&object.table),
                asked = asked.join(", "),
            );
            let rows = tx
                .ex()
                .fetch_cells(&sql, &args, &[ColumnType::Uuid, self.kind])
                .await?;
            for row in rows {
                let (Some(Cell::Uuid(id)), Some(cell)) = (row.first(), row.get(1)) else {
                    continue;
                };
                let text = match cell {
                    Cell::Text(text) => self.normalize(text),
                    Cell::Int(n) => n.to_string(),
                    Cell::Uuid(id) => id.to_string(),
                    _ => continue,
                };
                // The oldest record wins when several share a domain (ids are in time order).
                found
                    .entry(text)
                    .and_modify(|kept: &mut Uuid| *kept = (*kept).min(*id))
                    .or_insert(*id);
            }
        }
        Ok(found)
    }

    fn stored_forms(&self, value: &str) -> Vec<String> {
        match self.compare {
            Compare::Domain => domain_variants(value),
            _ => vec![value.to_owned()],
        }
    }

    fn cell(&self, text: &str) -> Option<Cell> {
        match self.kind {
            ColumnType::Uuid => Uuid::parse_str(text).ok().map(Cell::Uuid),
            ColumnType::Int => text.parse().ok().map(Cell::Int),
            _ => Some(Cell::Text(text.to_owned())),
        }
    }
}

/// A web address reduced to its host: no scheme, no `www.`, no path, lower case.
pub fn normalized_domain(text: &str) -> String {
    let text = text.trim().to_lowercase();
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .unwrap_or(&text);
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    rest.split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_owned()
}

/// The forms a domain is commonly stored in, to find it by an index rather than by reading
/// every record.
fn domain_variants(host: &str) -> Vec<String> {
    let mut forms = Vec::with_capacity(12);
    for prefix in ["", "https://", "http://"] {
        for www in ["", "www."] {
            forms.push(format!("{prefix}{www}{host}"));
            forms.push(format!("{prefix}{www}{host}/"));
        }
    }
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_compared_by_host() {
        assert_eq!(
            normalized_domain("https://www.Acme.com/about?x=1"),
            "acme.com"
        );
        assert_eq!(normalized_domain(" acme.com "), "acme.com");
        assert_eq!(
            normalized_domain("http://sub.acme.co.uk/"),
            "sub.acme.co.uk"
        );
        assert!(domain_variants("acme.com").contains(&"https://www.acme.com/".to_owned()));
    }
}
