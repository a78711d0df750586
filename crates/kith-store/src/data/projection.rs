//! What a read selects of a record's row ([`Projection`]) and how a row becomes the record's
//! JSON in Twenty's shape ([`RecordOutput`], `ActorOutput`).

use super::DataStore;
use super::schema::SYSTEM_COLUMNS;
use super::sql::quote;
use crate::StoreError;
use kith_core::fields::{Cell, CellOutput, ColumnType, Output};
use kith_core::metadata::{FieldMeta, ObjectMeta};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;
use std::borrow::Cow;
use uuid::Uuid;

/// The columns a read selects (system columns, then each active field's parts) and where each
/// field's cells start.
pub(super) struct Projection<'o> {
    /// Column names, unquoted.
    columns: Vec<String>,
    pub(super) kinds: Vec<ColumnType>,
    /// Each field, its key in a record, and where its cells start.
    fields: Vec<(&'o FieldMeta, String, usize)>,
    /// Opens sensitive values: the cipher and the workspace they belong to.
    cipher: crate::Cipher,
    workspace_id: Uuid,
}

impl<'o> Projection<'o> {
    pub(super) fn of(object: &'o ObjectMeta, store: &DataStore) -> Projection<'o> {
        let mut columns: Vec<String> = SYSTEM_COLUMNS
            .iter()
            .map(|(name, _)| (*name).to_owned())
            .collect();
        let mut kinds: Vec<ColumnType> = SYSTEM_COLUMNS.iter().map(|(_, kind)| *kind).collect();
        let mut fields = Vec::new();
        for field in object.active_fields() {
            fields.push((field, field.key(), columns.len()));
            for part in field.field_type.parts() {
                columns.push(part.column(&field.column));
                kinds.push(part.kind);
            }
        }
        Projection {
            columns,
            kinds,
            fields,
            cipher: store.db.cipher.clone(),
            workspace_id: store.workspace_id,
        }
    }

    pub(super) fn select(&self) -> String {
        self.columns
            .iter()
            .map(|c| quote(c))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Where each column's cell goes in a row of this projection.
    pub(super) fn positions(&self) -> std::collections::HashMap<&str, usize> {
        self.columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect()
    }

    /// A row of this projection with every cell NULL.
    pub(super) fn empty_row(&self) -> Vec<Cell> {
        vec![Cell::Null; self.kinds.len()]
    }

    /// A record's JSON, Twenty's shape: system fields, then every field by its key.
    pub(super) fn record(&self, row: &[Cell]) -> Result<Value, StoreError> {
        let row = self.open(row)?;
        serde_json::to_value(RecordOutput {
            projection: self,
            row: &row,
        })
        .map_err(super::batch::answer_error)
    }

    /// The row with every sensitive value decrypted.
    pub(super) fn open<'r>(&self, row: &'r [Cell]) -> Result<Cow<'r, [Cell]>, StoreError> {
        let mut opened = Cow::Borrowed(row);
        for (field, _, start) in &self.fields {
            if let Some(Cell::Bytes(sealed)) = row.get(*start) {
                let plain = self.cipher.decrypt(self.workspace_id, field.id, sealed)?;
                opened.to_mut()[*start] = Cell::Text(plain);
            }
        }
        Ok(opened)
    }

    /// The cells of `field` in `row`.
    pub(super) fn cells_of<'r>(
        &self,
        row: &'r [Cell],
        start: usize,
        field: &FieldMeta,
    ) -> &'r [Cell] {
        row.get(start..start + field.field_type.parts().len())
            .unwrap_or_default()
    }

    /// Each field, its key, and where its cells start in a row.
    pub(super) fn fields(&self) -> &[(&'o FieldMeta, String, usize)] {
        &self.fields
    }
}

/// A row of a [`Projection`], sensitive values opened, written straight to a serializer in
/// Twenty's shape: system fields, then every field by its key.
pub(super) struct RecordOutput<'a> {
    pub projection: &'a Projection<'a>,
    pub row: &'a [Cell],
}

impl Serialize for RecordOutput<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let cell = |i: usize| CellOutput(self.row.get(i).unwrap_or(&Cell::Null));
        let actor = |source: usize| ActorOutput([cell(source), cell(source + 1), cell(source + 2)]);
        let mut map = serializer.serialize_map(Some(7 + self.projection.fields.len()))?;
        map.serialize_entry("id", &cell(0))?;
        map.serialize_entry("createdAt", &cell(1))?;
        map.serialize_entry("updatedAt", &cell(2))?;
        map.serialize_entry("deletedAt", &cell(3))?;
        map.serialize_entry("createdBy", &actor(4))?;
        map.serialize_entry("updatedBy", &actor(7))?;
        map.serialize_entry("position", &cell(10))?;
        for (field, key, start) in &self.projection.fields {
            let cells = self.projection.cells_of(self.row, *start, field);
            map.serialize_entry(
                key,
                &Output {
                    field_type: field.field_type,
                    cells,
                },
            )?;
        }
        map.end()
    }
}

/// `createdBy` / `updatedBy`: source, member and name.
struct ActorOutput<'a>([CellOutput<'a>; 3]);

impl Serialize for ActorOutput<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let [source, member, name] = &self.0;
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("source", source)?;
        map.serialize_entry("workspaceMemberId", member)?;
        map.serialize_entry("name", name)?;
        map.end()
    }
}
