//! Objects and fields as metadata. Every object, standard or custom, is described this way, and
//! every surface (REST, MCP, import, the web app, OpenAPI) is generated from the description.

use crate::fields::{FieldRules, FieldType, SelectOption};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    pub id: Uuid,
    /// API names, as Twenty's: `company` / `companies`.
    pub name_singular: String,
    pub name_plural: String,
    pub label_singular: String,
    pub label_plural: String,
    pub description: String,
    pub icon: String,
    /// The table holding its records; fixed at creation, so renaming the object touches metadata only.
    pub table: String,
    pub is_custom: bool,
    pub is_active: bool,
    /// The field whose value names a record in lists, search and relations (`name`, `title`).
    pub label_field: String,
    pub fields: Vec<FieldMeta>,
    /// Columns of deleted fields whose values are still to be erased (SQLite keeps a deleted
    /// field's columns: dropping one rewrites the table); never read.
    #[serde(default)]
    pub dropped_columns: Vec<String>,
    /// Counts the changes that make the search index of this object out of date (a searchable
    /// field deleted, hidden or shown again); the index has caught up with the changes up to
    /// `search_indexed`.
    #[serde(default)]
    pub search_changes: u64,
    #[serde(default)]
    pub search_indexed: u64,
}

impl ObjectMeta {
    /// Whether some records' search entries may still hold (or miss) a field's text.
    pub fn search_is_stale(&self) -> bool {
        self.search_indexed < self.search_changes
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldMeta {
    pub id: Uuid,
    /// API name (`domainName`); a relation's id is sent as `{name}Id`.
    pub name: String,
    pub label: String,
    pub description: String,
    pub icon: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// The base of its columns' names; fixed at creation, so renaming the field touches metadata only.
    pub column: String,
    pub is_custom: bool,
    pub is_active: bool,
    pub is_nullable: bool,
    pub is_unique: bool,
    pub is_indexed: bool,
    pub default_value: Option<serde_json::Value>,
    pub options: Vec<SelectOption>,
    pub relation: Option<RelationMeta>,
    pub position: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationMeta {
    /// The singular API name of the object pointed at, or `workspaceMember` for a member.
    pub target: String,
    pub on_delete: OnDelete,
    /// The one-to-many side's name on the target (`people` on company for person.company).
    pub inverse_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OnDelete {
    SetNull,
    Cascade,
    Restrict,
}

/// Relations to members of the workspace (owners, assignees) point outside the workspace's
/// records, at its memberships.
pub const WORKSPACE_MEMBER: &str = "workspaceMember";

impl ObjectMeta {
    pub fn field(&self, name: &str) -> Option<&FieldMeta> {
        self.fields.iter().find(|f| f.name == name && f.is_active)
    }

    /// The active field a request key names: the field itself, or `{relation}Id` for a relation.
    pub fn field_for_key(&self, key: &str) -> Option<&FieldMeta> {
        self.field(key)
            .filter(|f| f.field_type != FieldType::Relation)
            .or_else(|| {
                let name = key.strip_suffix("Id")?;
                self.field(name)
                    .filter(|f| f.field_type == FieldType::Relation)
            })
    }

    pub fn active_fields(&self) -> impl Iterator<Item = &FieldMeta> {
        self.fields.iter().filter(|f| f.is_active)
    }
}

impl FieldMeta {
    /// The key of this field in record JSON: `name`, or `companyId` for the relation `company`.
    pub fn key(&self) -> String {
        if self.field_type == FieldType::Relation {
            format!("{}Id", self.name)
        } else {
            self.name.clone()
        }
    }

    pub fn rules(&self) -> FieldRules {
        FieldRules {
            options: self.options.clone(),
        }
    }

    /// Names of the stored columns, in `parts()` order.
    pub fn columns(&self) -> Vec<String> {
        self.field_type
            .parts()
            .iter()
            .map(|part| part.column(&self.column))
            .collect()
    }
}

/// Who made a change: recorded as a record's `createdBy` / `updatedBy` and on every event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    pub source: ActorSource,
    pub workspace_member_id: Option<Uuid>,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActorSource {
    /// A person in the web app.
    Manual,
    /// A script with an API token.
    Api,
    /// An AI agent through MCP.
    Agent,
    Import,
    System,
}

impl ActorSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorSource::Manual => "MANUAL",
            ActorSource::Api => "API",
            ActorSource::Agent => "AGENT",
            ActorSource::Import => "IMPORT",
            ActorSource::System => "SYSTEM",
        }
    }

    pub fn parse(text: &str) -> Option<ActorSource> {
        [
            ActorSource::Manual,
            ActorSource::Api,
            ActorSource::Agent,
            ActorSource::Import,
            ActorSource::System,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// Keys every record has, which no field may take.
pub const RESERVED_NAMES: [&str; 7] = [
    "id",
    "createdAt",
    "updatedAt",
    "deletedAt",
    "createdBy",
    "updatedBy",
    "position",
];

/// Checks an API name: camelCase letters and digits, starting with a lowercase letter.
pub fn check_api_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let starts_lower = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    if !starts_lower || !chars.all(|c| c.is_ascii_alphanumeric()) || name.len() > 63 {
        return Err(format!(
            "{name:?} must be camelCase: a lowercase letter, then letters and digits (at most 63)"
        ));
    }
    if RESERVED_NAMES.contains(&name) {
        return Err(format!("{name:?} is reserved"));
    }
    Ok(())
}

/// Colours an option may have, as the web app draws them.
pub const OPTION_COLORS: [&str; 11] = [
    "red",
    "orange",
    "yellow",
    "green",
    "turquoise",
    "sky",
    "blue",
    "purple",
    "pink",
    "gray",
    "brown",
];

/// Checks select options: at least one, values `UPPER_SNAKE` and unique, known colours.
pub fn check_options(options: &[crate::fields::SelectOption]) -> Result<(), String> {
    if options.is_empty() {
        return Err("a select field needs at least one option".into());
    }
    for (i, option) in options.iter().enumerate() {
        let value_ok = !option.value.is_empty()
            && option
                .value
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !value_ok {
            return Err(format!(
                "option value {:?} must be UPPER_SNAKE_CASE",
                option.value
            ));
        }
        if option.label.trim().is_empty() {
            return Err(format!("option {:?} needs a label", option.value));
        }
        if !OPTION_COLORS.contains(&option.color.as_str()) {
            return Err(format!(
                "option {:?} has colour {:?}; use one of {}",
                option.value,
                option.color,
                OPTION_COLORS.join(", ")
            ));
        }
        if options[..i].iter().any(|o| o.value == option.value) {
            return Err(format!("option value {:?} appears twice", option.value));
        }
    }
    Ok(())
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn api_names_are_camel_case_and_not_reserved() {
        for good in ["name", "dealSize2", "x"] {
            assert!(check_api_name(good).is_ok(), "{good}");
        }
        for bad in [
            "Name",
            "deal_size",
            "2x",
            "",
            "id",
            "createdAt",
            "naïve",
            &"a".repeat(64),
        ] {
            assert!(check_api_name(bad).is_err(), "{bad}");
        }
    }
}
