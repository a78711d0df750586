//! Changing a workspace's objects and fields. Each change checks names and rules against the
//! whole catalog, then does its DDL and metadata write in one transaction, under the workspace's
//! metadata lock, so two admins editing at once cannot lose each other's change.

use super::DataStore;
use super::schema::{
    begin_locked, can_be_unique, create_object, create_unique_index, drop_field_indexes,
    field_column_definitions, load_objects_on, run, save_object,
};
use super::search::is_searchable;
use super::sql::{Args, quote};
use crate::db::Tx;
use crate::{Backend, StoreError};
use kith_core::fields::{self, Cell, ColumnType, FieldType, SelectOption};
use kith_core::metadata::{
    FieldMeta, ObjectMeta, RelationMeta, WORKSPACE_MEMBER, check_api_name, check_options,
};
use kith_core::{ApiError, FieldError, validate};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, Default)]
pub struct NewObject {
    pub name_singular: String,
    pub name_plural: String,
    pub label_singular: String,
    pub label_plural: String,
    pub description: String,
    pub icon: String,
}

/// Changes to an object; `None` leaves a property as it is.
#[derive(Debug, Clone, Default)]
pub struct ObjectChange {
    pub name_singular: Option<String>,
    pub name_plural: Option<String>,
    pub label_singular: Option<String>,
    pub label_plural: Option<String>,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub is_active: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct NewField {
    pub name: String,
    pub label: String,
    pub field_type: FieldType,
    pub description: String,
    pub icon: String,
    pub is_nullable: bool,
    pub is_unique: bool,
    pub is_indexed: bool,
    pub default_value: Option<Value>,
    pub options: Vec<SelectOption>,
    pub relation: Option<RelationMeta>,
}

/// Changes to a field; `None` leaves a property as it is.
#[derive(Debug, Clone, Default)]
pub struct FieldChange {
    pub name: Option<String>,
    pub label: Option<String>,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub is_active: Option<bool>,
    pub is_nullable: Option<bool>,
    pub is_unique: Option<bool>,
    pub is_indexed: Option<bool>,
    /// `Some(None)` removes the default.
    pub default_value: Option<Option<Value>>,
    pub options: Option<Vec<SelectOption>>,
    /// What records holding a removed option get instead (`None`: nothing, the value is cleared).
    pub removed_option_replacement: Option<String>,
    pub position: Option<i32>,
}

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Rejected(ApiError::invalid_field(field, message))
}

fn rejected(message: impl Into<String>) -> StoreError {
    StoreError::Rejected(ApiError::bad_request(message))
}

fn not_found(what: &str) -> StoreError {
    StoreError::Rejected(ApiError::not_found(what))
}

/// Path words of the REST API, which no object may be called.
const ROUTE_WORDS: [&str; 7] = [
    "search", "batch", "restore", "metadata", "openApi", "open", "live",
];

/// Whether `name` is taken by another object's singular or plural name, or by the API's routes.
fn object_name_taken(catalog: &[ObjectMeta], name: &str, except: Option<Uuid>) -> bool {
    ROUTE_WORDS.contains(&name)
        || catalog
            .iter()
            .any(|o| Some(o.id) != except && (o.name_singular == name || o.name_plural == name))
}

/// Whether a field called `name` (with key `key`) would clash with another field's name or key.
fn field_name_taken(object: &ObjectMeta, name: &str, key: &str, except: Option<Uuid>) -> bool {
    object
        .fields
        .iter()
        .filter(|f| Some(f.id) != except)
        .any(|f| {
            let other_key = f.key();
            [name, key].iter().any(|n| *n == f.name || *n == other_key)
        })
}

impl DataStore {
    /// Starts a metadata change: the transaction, the lock, and the catalog as it is now.
    async fn begin_change(&self) -> Result<(Tx, Vec<ObjectMeta>), StoreError> {
        let mut tx = begin_locked(self).await?;
        let catalog = load_objects_on(self, tx.ex()).await?;
        Ok((tx, catalog))
    }

    pub async fn create_object(&self, new: &NewObject) -> Result<ObjectMeta, StoreError> {
        self.access
            .check_metadata_change()
            .map_err(StoreError::Rejected)?;
        let mut errors = Vec::new();
        let mut check = |field: &str, result: Result<(), String>| {
            if let Err(message) = result {
                errors.push(FieldError {
                    field: field.into(),
                    message,
                });
            }
        };
        check("nameSingular", check_api_name(&new.name_singular));
        check("namePlural", check_api_name(&new.name_plural));
        if new.name_singular == new.name_plural {
            check("namePlural", Err("must differ from nameSingular".into()));
        }
        check(
            "labelSingular",
            validate::name(&new.label_singular).map(|_| ()),
        );
        check("labelPlural", validate::name(&new.label_plural).map(|_| ()));
        if !errors.is_empty() {
            return Err(StoreError::Rejected(ApiError::invalid_fields(errors)));
        }
        let (mut tx, catalog) = self.begin_change().await?;
        for name in [&new.name_singular, &new.name_plural] {
            if object_name_taken(&catalog, name, None) || name == WORKSPACE_MEMBER {
                return Err(StoreError::Rejected(ApiError::conflict(format!(
                    "an object is already called {name:?}"
                ))));
            }
        }
        let id = Uuid::now_v7();
        let name_field = FieldMeta {
            id: Uuid::now_v7(),
            name: "name".into(),
            label: "Name".into(),
            description: String::new(),
            icon: "abc".into(),
            field_type: FieldType::Text,
            column: "name".into(),
            is_custom: false,
            is_active: true,
            is_nullable: true,
            is_unique: false,
            is_indexed: true,
            default_value: None,
            options: Vec::new(),
            relation: None,
            position: 0,
        };
        let object = ObjectMeta {
            id,
            name_singular: new.name_singular.clone(),
            name_plural: new.name_plural.clone(),
            label_singular: new.label_singular.trim().to_owned(),
            label_plural: new.label_plural.trim().to_owned(),
            description: new.description.clone(),
            icon: if new.icon.is_empty() {
                "box".into()
            } else {
                new.icon.clone()
            },
            table: format!("obj_{}", id.simple()),
            is_custom: true,
            is_active: true,
            label_field: "name".into(),
            fields: vec![name_field],
            dropped_columns: Vec::new(),
            search_changes: 0,
            search_indexed: 0,
        };
        create_object(self, &mut tx, &catalog, &object, catalog.len()).await?;
        super::counts::count_objects(self, &mut tx, std::slice::from_ref(&object)).await?;
        tx.commit().await?;
        self.forget_catalog();
        Ok(object)
    }

    pub async fn update_object(
        &self,
        id: Uuid,
        change: &ObjectChange,
    ) -> Result<ObjectMeta, StoreError> {
        self.access
            .check_metadata_change()
            .map_err(StoreError::Rejected)?;
        let (mut tx, mut catalog) = self.begin_change().await?;
        let index = catalog
            .iter()
            .position(|o| o.id == id)
            .ok_or_else(|| not_found("object"))?;
        let old_singular = catalog[index].name_singular.clone();
        let renames_api = change.name_singular.is_some() || change.name_plural.is_some();
        if renames_api && !catalog[index].is_custom {
            return Err(invalid(
                "nameSingular",
                "of a standard object cannot change (clients rely on it); change its labels",
            ));
        }
        for (field, name) in [
            ("nameSingular", &change.name_singular),
            ("namePlural", &change.name_plural),
        ] {
            if let Some(name) = name {
                check_api_name(name).map_err(|m| invalid(field, m))?;
                if object_name_taken(&catalog, name, Some(id)) {
                    return Err(StoreError::Rejected(ApiError::conflict(format!(
                        "an object is already called {name:?}"
                    ))));
                }
            }
        }
        for (field, label) in [
            ("labelSingular", &change.label_singular),
            ("labelPlural", &change.label_plural),
        ] {
            if let Some(label) = label {
                validate::name(label).map_err(|m| invalid(field, m))?;
            }
        }
        let object = &mut catalog[index];
        if let Some(v) = &change.name_singular {
            object.name_singular = v.clone();
        }
        if let Some(v) = &change.name_plural {
            object.name_plural = v.clone();
        }
        if let Some(v) = &change.label_singular {
            object.label_singular = v.trim().to_owned();
        }
        if let Some(v) = &change.label_plural {
            object.label_plural = v.trim().to_owned();
        }
        if let Some(v) = &change.description {
            object.description = v.clone();
        }
        if let Some(v) = &change.icon {
            object.icon = v.clone();
        }
        if let Some(v) = change.is_active {
            object.is_active = v;
        }
        if object.name_plural == object.name_singular {
            return Err(invalid("namePlural", "must differ from nameSingular"));
        }
        let updated = object.clone();
        save_object(self, &mut tx, &updated).await?;
        // Relations name their target by its singular name: follow a rename.
        if updated.name_singular != old_singular {
            for other in catalog.iter_mut() {
                let mut changed = false;
                for relation in other.fields.iter_mut().filter_map(|f| f.relation.as_mut()) {
                    if relation.target == old_singular {
                        relation.target = updated.name_singular.clone();
                        changed = true;
                    }
                }
                if changed {
                    save_object(self, &mut tx, other).await?;
                }
            }
        }
        tx.commit().await?;
        self.forget_catalog();
        Ok(catalog.into_iter().find(|o| o.id == id).unwrap_or(updated))
    }

    /// Deletes a custom object with all its records; refused while relations point at it.
    pub async fn delete_object(&self, id: Uuid) -> Result<(), StoreError> {
        self.access
            .check_metadata_change()
            .map_err(StoreError::Rejected)?;
        let (mut tx, catalog) = self.begin_change().await?;
        let object = catalog
            .iter()
            .find(|o| o.id == id)
            .ok_or_else(|| not_found("object"))?;
        if !object.is_custom {
            return Err(rejected(
                "standard objects cannot be deleted; deactivate them with isActive: false",
            ));
        }
        let pointing: Vec<String> = catalog
            .iter()
            .filter(|o| o.id != id)
            .flat_map(|o| o.fields.iter().map(move |f| (o, f)))
            .filter(|(_, f)| {
                f.relation
                    .as_ref()
                    .is_some_and(|r| r.target == object.name_singular)
            })
            .map(|(o, f)| format!("{}.{}", o.name_singular, f.name))
            .collect();
        if !pointing.is_empty() {
            return Err(StoreError::Rejected(ApiError::conflict(format!(
                "these relations point at {}: {}; delete them first",
                object.name_singular,
                pointing.join(", ")
            ))));
        }
        run(
            &mut tx,
            &format!("DROP TABLE {}", self.table(&object.table)),
        )
        .await?;
        super::counts::forget(self, &mut tx, object).await?;
        let mut args = Args::default();
        let sql = format!(
            "DELETE FROM {} WHERE id = {}",
            self.table("_kith_objects"),
            args.push(ColumnType::Uuid, Cell::Uuid(id))
        );
        tx.ex().execute_cells(&sql, &args).await?;
        if self.backend() == Backend::Sqlite {
            let mut args = Args::default();
            let sql = format!(
                "DELETE FROM {} WHERE doc IN (SELECT rowid FROM {} WHERE object_id = {})",
                self.table("_kith_search_docs"),
                self.table("_kith_search"),
                args.push(ColumnType::Uuid, Cell::Uuid(id))
            );
            tx.ex().execute_cells(&sql, &args).await?;
        }
        let mut args = Args::default();
        let sql = format!(
            "DELETE FROM {} WHERE record_id IN (SELECT record_id FROM {} WHERE object_id = {})",
            self.table("_kith_search_labels"),
            self.table("_kith_search"),
            args.push(ColumnType::Uuid, Cell::Uuid(id))
        );
        tx.ex().execute_cells(&sql, &args).await?;
        for table in [
            "_kith_events",
            "_kith_search",
            "_kith_views",
            "_kith_favorites",
        ] {
            let mut args = Args::default();
            let sql = format!(
                "DELETE FROM {} WHERE object_id = {}",
                self.table(table),
                args.push(ColumnType::Uuid, Cell::Uuid(id))
            );
            tx.ex().execute_cells(&sql, &args).await?;
        }
        tx.commit().await?;
        self.forget_catalog();
        Ok(())
    }

    /// Adds a field: new columns (no table rewrite), their indexes, and the metadata.
    pub async fn create_field(
        &self,
        object_id: Uuid,
        new: &NewField,
    ) -> Result<FieldMeta, StoreError> {
        self.access
            .check_metadata_change()
            .map_err(StoreError::Rejected)?;
        let (mut tx, mut catalog) = self.begin_change().await?;
        let index = catalog
            .iter()
            .position(|o| o.id == object_id)
            .ok_or_else(|| not_found("object"))?;
        let id = Uuid::now_v7();
        let field = FieldMeta {
            id,
            name: new.name.clone(),
            label: new.label.trim().to_owned(),
            description: new.description.clone(),
            icon: new.icon.clone(),
            field_type: new.field_type,
            column: format!("f_{}", id.simple()),
            is_custom: true,
            is_active: true,
            is_nullable: new.is_nullable,
            is_unique: new.is_unique,
            is_indexed: new.is_indexed,
            default_value: new.default_value.clone(),
            options: new.options.clone(),
            relation: new.relation.clone(),
            position: catalog[index]
                .fields
                .iter()
                .map(|f| f.position)
                .max()
                .unwrap_or(0)
                + 1,
        };
        check_new_field(&catalog, &catalog[index], &field)?;
        let table = self.table(&catalog[index].table);
        for definition in field_column_definitions(self, &catalog, &field) {
            run(
                &mut tx,
                &format!("ALTER TABLE {table} ADD COLUMN {definition}"),
            )
            .await?;
        }
        // Its sort index, if it wants one, is built in the background (`build_missing_indexes`).
        create_unique_index(self, &mut tx, &catalog[index], &field).await?;
        catalog[index].fields.push(field.clone());
        save_object(self, &mut tx, &catalog[index]).await?;
        tx.commit().await?;
        self.forget_catalog();
        Ok(field)
    }

    pub async fn update_field(
        &self,
        field_id: Uuid,
        change: &FieldChange,
    ) -> Result<FieldMeta, StoreError> {
        self.access
            .check_metadata_change()
            .map_err(StoreError::Rejected)?;
        let (mut tx, mut catalog) = self.begin_change().await?;
        let (oi, fi) = locate_field(&catalog, field_id)?;
        let before = catalog[oi].fields[fi].clone();
        let mut field = before.clone();
        if let Some(name) = &change.name {
            if !field.is_custom {
                return Err(invalid(
                    "name",
                    "of a standard field cannot change (clients rely on it); change its label",
                ));
            }
            field.name = name.clone();
        }
        if let Some(label) = &change.label {
            field.label = validate::name(label).map_err(|m| invalid("label", m))?;
        }
        if let Some(v) = &change.description {
            field.description = v.clone();
        }
        if let Some(v) = &change.icon {
            field.icon = v.clone();
        }
        if let Some(v) = change.is_active {
            field.is_active = v;
        }
        if let Some(v) = change.is_nullable {
            field.is_nullable = v;
        }
        if let Some(v) = change.is_unique {
            field.is_unique = v;
        }
        if let Some(v) = change.is_indexed {
            field.is_indexed = v;
        }
        if let Some(v) = &change.default_value {
            field.default_value = v.clone();
        }
        if let Some(v) = change.position {
            field.position = v;
        }
        if let Some(options) = &change.options {
            field.options = options.clone();
        }
        check_field(&catalog[oi], &field)?;
        if change.options.is_some() {
            self.replace_removed_options(
                &mut tx,
                &catalog[oi],
                &before,
                &field,
                change.removed_option_replacement.as_deref(),
            )
            .await?;
        }
        if (field.is_unique, field.is_indexed) != (before.is_unique, before.is_indexed) {
            drop_field_indexes(self, &mut tx, &before).await?;
            create_unique_index(self, &mut tx, &catalog[oi], &field)
                .await
                .map_err(|e| duplicate_values(e, &field))?;
        }
        if field.is_active != before.is_active && is_searchable(&catalog[oi], &field) {
            catalog[oi].search_changes += 1;
        }
        catalog[oi].fields[fi] = field.clone();
        catalog[oi].fields.sort_by_key(|f| f.position);
        save_object(self, &mut tx, &catalog[oi]).await?;
        tx.commit().await?;
        self.forget_catalog();
        Ok(field)
    }

    /// Deletes a custom field. PostgreSQL drops its columns at once (a catalog change); SQLite
    /// would rewrite the table to drop a column, so there the columns stay, unread, and their
    /// values are erased in the background (`catch_up_fields`).
    pub async fn delete_field(&self, field_id: Uuid) -> Result<(), StoreError> {
        self.access
            .check_metadata_change()
            .map_err(StoreError::Rejected)?;
        let (mut tx, mut catalog) = self.begin_change().await?;
        let (oi, fi) = locate_field(&catalog, field_id)?;
        let field = catalog[oi].fields[fi].clone();
        if !field.is_custom {
            return Err(rejected(
                "standard fields cannot be deleted; hide them with isActive: false",
            ));
        }
        if field.name == catalog[oi].label_field {
            return Err(rejected(
                "this field names the object's records and cannot be deleted",
            ));
        }
        drop_field_indexes(self, &mut tx, &field).await?;
        match self.backend() {
            Backend::Postgres => {
                let table = self.table(&catalog[oi].table);
                for column in field.columns() {
                    run(
                        &mut tx,
                        &format!(
                            "ALTER TABLE {table} DROP COLUMN IF EXISTS {}",
                            quote(&column)
                        ),
                    )
                    .await?;
                }
            }
            Backend::Sqlite => catalog[oi].dropped_columns.extend(field.columns()),
        }
        if is_searchable(&catalog[oi], &field) {
            catalog[oi].search_changes += 1;
        }
        catalog[oi].fields.remove(fi);
        save_object(self, &mut tx, &catalog[oi]).await?;
        tx.commit().await?;
        self.forget_catalog();
        Ok(())
    }

    /// Gives records holding options that are no longer offered the replacement (or nothing).
    async fn replace_removed_options(
        &self,
        tx: &mut Tx,
        object: &ObjectMeta,
        before: &FieldMeta,
        after: &FieldMeta,
        replacement: Option<&str>,
    ) -> Result<(), StoreError> {
        let removed: Vec<&str> = before
            .options
            .iter()
            .map(|o| o.value.as_str())
            .filter(|v| !after.options.iter().any(|o| o.value == *v))
            .collect();
        if let Some(replacement) = replacement
            && !after.options.iter().any(|o| o.value == replacement)
        {
            return Err(invalid(
                "removedOptionReplacement",
                format!("{replacement:?} is not one of the new options"),
            ));
        }
        if removed.is_empty() {
            return Ok(());
        }
        let table = self.table(&object.table);
        let column = quote(&after.column);
        let mut args = Args::default();
        let placeholders: Vec<String> = removed
            .iter()
            .map(|v| args.push(ColumnType::Text, Cell::Text((*v).to_owned())))
            .collect();
        let list = placeholders.join(", ");
        let sql = match (after.field_type, self.backend()) {
            (FieldType::Select, _) => {
                let value = args.push(
                    ColumnType::Text,
                    replacement.map_or(Cell::Null, |r| Cell::Text(r.to_owned())),
                );
                format!("UPDATE {table} SET {column} = {value} WHERE {column} IN ({list})")
            }
            (_, Backend::Sqlite) => format!(
                "UPDATE {table} SET {column} = (SELECT json_group_array(value) FROM json_each({column}) WHERE value NOT IN ({list})) \
                 WHERE EXISTS (SELECT 1 FROM json_each({column}) WHERE value IN ({list}))"
            ),
            (_, Backend::Postgres) => format!(
                "UPDATE {table} SET {column} = (SELECT COALESCE(jsonb_agg(e.value), '[]'::jsonb) FROM jsonb_array_elements_text({column}) \
                 AS e(value) WHERE e.value NOT IN ({list})) WHERE EXISTS (SELECT 1 FROM jsonb_array_elements_text({column}) AS e(value) \
                 WHERE e.value IN ({list}))"
            ),
        };
        tx.ex().execute_cells(&sql, &args).await?;
        Ok(())
    }
}

fn locate_field(catalog: &[ObjectMeta], field_id: Uuid) -> Result<(usize, usize), StoreError> {
    catalog
        .iter()
        .enumerate()
        .find_map(|(oi, o)| {
            o.fields
                .iter()
                .position(|f| f.id == field_id)
                .map(|fi| (oi, fi))
        })
        .ok_or_else(|| not_found("field"))
}

fn duplicate_values(error: StoreError, field: &FieldMeta) -> StoreError {
    match &error {
        StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => {
            StoreError::Rejected(ApiError::conflict(format!(
                "records already share values of {}; make them distinct before making it unique",
                field.name
            )))
        }
        _ => error,
    }
}

/// Checks a new field: everything [`check_field`] does, and its name against the object's.
fn check_new_field(
    catalog: &[ObjectMeta],
    object: &ObjectMeta,
    field: &FieldMeta,
) -> Result<(), StoreError> {
    check_field(object, field)?;
    if let Some(relation) = &field.relation {
        if relation.target != WORKSPACE_MEMBER
            && !catalog.iter().any(|o| o.name_singular == relation.target)
        {
            return Err(invalid(
                "relation.target",
                format!("{:?} is not an object of this workspace", relation.target),
            ));
        }
        check_api_name(&relation.inverse_name).map_err(|m| invalid("relation.inverseName", m))?;
    }
    Ok(())
}

/// The rules every field must meet after any change.
fn check_field(object: &ObjectMeta, field: &FieldMeta) -> Result<(), StoreError> {
    check_api_name(&field.name).map_err(|m| invalid("name", m))?;
    if field_name_taken(object, &field.name, &field.key(), Some(field.id)) {
        return Err(StoreError::Rejected(ApiError::conflict(format!(
            "{} already has a field called {:?} (or with key {:?})",
            object.name_singular,
            field.name,
            field.key()
        ))));
    }
    validate::name(&field.label).map_err(|m| invalid("label", m))?;
    let is_select = matches!(field.field_type, FieldType::Select | FieldType::MultiSelect);
    match (is_select, field.options.is_empty()) {
        (true, _) => check_options(&field.options).map_err(|m| invalid("options", m))?,
        (false, false) => {
            return Err(invalid(
                "options",
                "only select and multi-select fields have options",
            ));
        }
        (false, true) => {}
    }
    match (field.field_type == FieldType::Relation, &field.relation) {
        (true, None) => {
            return Err(invalid(
                "relation",
                "a relation field needs relation: {target, onDelete, inverseName}",
            ));
        }
        (false, Some(_)) => {
            return Err(invalid("relation", "only relation fields have a relation"));
        }
        _ => {}
    }
    if field.is_unique && !can_be_unique(field.field_type) {
        return Err(invalid(
            "isUnique",
            format!("{:?} fields cannot be unique", field.field_type),
        ));
    }
    if let Some(default) = &field.default_value {
        fields::input(field.field_type, &field.rules(), "defaultValue", default)
            .map_err(|errors| StoreError::Rejected(ApiError::invalid_fields(errors)))?;
    }
    Ok(())
}

impl DataStore {
    /// Forgets deleted fields' columns whose values were erased.
    pub(super) async fn forget_dropped_columns(
        &self,
        object_id: Uuid,
        erased: &[String],
    ) -> Result<(), StoreError> {
        self.change_object(object_id, |object| {
            object.dropped_columns.retain(|c| !erased.contains(c))
        })
        .await
    }

    /// Records that the object's search index has caught up with its changes up to `changes`.
    pub(super) async fn mark_search_indexed(
        &self,
        object_id: Uuid,
        changes: u64,
    ) -> Result<(), StoreError> {
        self.change_object(object_id, |object| {
            object.search_indexed = object.search_indexed.max(changes)
        })
        .await
    }

    /// Applies `change` to an object's metadata as it stands now (other changes may have come
    /// since it was read), under the metadata lock; an object deleted meanwhile is left alone.
    async fn change_object(
        &self,
        object_id: Uuid,
        change: impl FnOnce(&mut ObjectMeta),
    ) -> Result<(), StoreError> {
        let (mut tx, mut catalog) = self.begin_change().await?;
        let Some(object) = catalog.iter_mut().find(|o| o.id == object_id) else {
            return Ok(());
        };
        change(object);
        save_object(self, &mut tx, object).await?;
        tx.commit().await?;
        self.forget_catalog();
        Ok(())
    }
}
