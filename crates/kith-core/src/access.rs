//! Who may do what with a workspace's records: the one access decision beneath every surface.
//!
//! A request becomes one [`Access`] value (who calls, with which role and that role's
//! [`Permissions`], and for an API token its scopes and object list). The store's workspace
//! handle is built from it and asks it before every read and write, so REST, MCP, the web app,
//! exports and webhooks get the same answer from the same code. No I/O here.

use crate::fields::FieldType;
use crate::filter::Filter;
use crate::metadata::{FieldMeta, ObjectMeta};
use crate::scope::Scope;
use crate::sort::SortKey;
use crate::{ApiError, Role};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

/// What a role may do with the records of one object, and which of its fields it never sees.
// Unknown keys are refused: a misspelt `hiddenFields` must not leave a field quietly visible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectRights {
    pub read: bool,
    /// Create and update (restore included).
    pub write: bool,
    pub delete: bool,
    /// Fields (by API name) absent from every answer, and neither written nor filtered on.
    #[serde(default)]
    pub hidden_fields: Vec<String>,
}

/// A role's permissions over records: rights per object (by singular API name), the rest for
/// every other object, and whether sensitive fields are shown in clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Permissions {
    pub default: ObjectRights,
    #[serde(default)]
    pub objects: BTreeMap<String, ObjectRights>,
    pub sensitive_in_clear: bool,
}

impl Permissions {
    /// A built-in role's permissions: everyone reads everything; members and above change and
    /// delete; viewers see that a sensitive value is set, never the value.
    pub fn of(role: Role) -> Permissions {
        Permissions {
            default: ObjectRights {
                read: true,
                write: role.can_write(),
                delete: role.can_write(),
                hidden_fields: Vec::new(),
            },
            objects: BTreeMap::new(),
            sensitive_in_clear: role > Role::Viewer,
        }
    }

    pub fn rights(&self, object: &ObjectMeta) -> &ObjectRights {
        self.objects
            .get(&object.name_singular)
            .unwrap_or(&self.default)
    }
}

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    /// A signed-in person.
    Person { user_id: Uuid },
    /// An API token, acting for the person who made it.
    Token { token_id: Uuid, created_by: Uuid },
    /// Kith's own background jobs (purging the trash, reindexing), which act for nobody.
    System,
}

/// What a request does to an object's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    /// Create, update, restore, link.
    Write,
    Delete,
}

impl Action {
    fn verb(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "change",
            Action::Delete => "delete",
        }
    }

    fn scope(self) -> Scope {
        match self {
            Action::Read => Scope::RecordsRead,
            Action::Write | Action::Delete => Scope::RecordsWrite,
        }
    }
}

/// What a sensitive value that is set looks like to a role that may not read it in clear.
pub const MASK: &str = "••••••";

/// One request's access to one workspace's records.
#[derive(Debug, Clone)]
pub struct Access {
    pub workspace_id: Uuid,
    pub principal: Principal,
    /// The built-in rank, for what only admins and owners may do.
    pub role: Role,
    pub permissions: Permissions,
    /// An API token's scopes; a person has them all.
    pub scopes: Option<Vec<Scope>>,
    /// An API token's objects (plural API names); a person, and a token without a list, has all.
    pub objects: Option<Vec<String>>,
}

impl Access {
    /// A person with a built-in role.
    pub fn person(workspace_id: Uuid, user_id: Uuid, role: Role) -> Access {
        Access {
            workspace_id,
            principal: Principal::Person { user_id },
            role,
            permissions: Permissions::of(role),
            scopes: None,
            objects: None,
        }
    }

    /// Kith's own jobs: every right, nothing masked. Only the store's job capability hands out
    /// a workspace handle built from it.
    pub fn system(workspace_id: Uuid) -> Access {
        Access {
            principal: Principal::System,
            ..Access::person(workspace_id, Uuid::nil(), Role::Owner)
        }
    }

    fn is_token(&self) -> bool {
        matches!(self.principal, Principal::Token { .. })
    }

    /// Whether `action` on `object`'s records is allowed: role, scope and object list together.
    pub fn check(&self, action: Action, object: &ObjectMeta) -> Result<(), ApiError> {
        self.require_scope(action.scope())?;
        if let Some(allowed) = &self.objects
            && !allowed.contains(&object.name_plural)
        {
            return Err(ApiError::forbidden(format!(
                "this API token is limited to {}",
                allowed.join(", ")
            )));
        }
        let rights = self.permissions.rights(object);
        let allowed = match action {
            Action::Read => rights.read,
            Action::Write => rights.read && rights.write,
            Action::Delete => rights.read && rights.delete,
        };
        if allowed {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "{} may not {} {}",
                self.who(),
                action.verb(),
                object.label_plural.to_lowercase()
            )))
        }
    }

    /// Whether `object`'s records may be read at all (lists of objects, search, embedding).
    pub fn may_read(&self, object: &ObjectMeta) -> bool {
        self.check(Action::Read, object).is_ok()
    }

    pub fn require_scope(&self, scope: Scope) -> Result<(), ApiError> {
        match &self.scopes {
            Some(scopes) if !scopes.contains(&scope) => Err(ApiError::forbidden(format!(
                "this API token lacks the {} scope",
                scope.as_str()
            ))),
            _ => Ok(()),
        }
    }

    /// `needed` or a higher built-in role; `action` names what is refused.
    pub fn require_role(&self, needed: Role, action: &str) -> Result<(), ApiError> {
        if self.role >= needed {
            return Ok(());
        }
        Err(ApiError::forbidden(format!(
            "{action} needs the {needed} role or higher; {} in this workspace",
            self.who()
        )))
    }

    /// Changing objects and fields: an admin, or an API token with `metadata:write`.
    pub fn check_metadata_change(&self) -> Result<(), ApiError> {
        match self.principal {
            Principal::Token { .. } => self.require_scope(Scope::MetadataWrite),
            Principal::Person { .. } => {
                self.require_role(Role::Admin, "changing objects and fields")
            }
            Principal::System => Ok(()),
        }
    }

    fn who(&self) -> String {
        if self.is_token() {
            "an API token".to_owned()
        } else {
            format!("you are {}", self.role)
        }
    }

    /// Whether `field` of `object` is kept from this principal.
    pub fn hides(&self, object: &ObjectMeta, field: &FieldMeta) -> bool {
        self.permissions
            .rights(object)
            .hidden_fields
            .contains(&field.name)
    }

    /// Whether `field`'s values are shown masked.
    pub fn masks(&self, field: &FieldMeta) -> bool {
        field.field_type == FieldType::SensitiveText && !self.permissions.sensitive_in_clear
    }

    /// The fields of `object` this principal sees.
    pub fn visible_fields<'o>(
        &self,
        object: &'o ObjectMeta,
    ) -> impl Iterator<Item = &'o FieldMeta> {
        object
            .active_fields()
            .filter(move |f| !self.hides(object, f))
    }

    /// A record as this principal may see it: hidden fields removed (with a relation's embedded
    /// record), sensitive values masked.
    pub fn present(&self, object: &ObjectMeta, record: &mut Value) {
        let Some(map) = record.as_object_mut() else {
            return;
        };
        for field in object.active_fields() {
            if self.hides(object, field) {
                map.remove(&field.key());
                map.remove(&field.name);
            } else if self.masks(field)
                && let Some(value) = map.get_mut(&field.name)
                && value.is_string()
            {
                *value = json!(MASK);
            }
        }
    }

    /// A record's changes (an event's `{field: {before, after}}`) as this principal may see
    /// them: a hidden field's change is listed without its values.
    pub fn present_changes(&self, object: &ObjectMeta, changes: &mut Value) {
        let Some(map) = changes.as_object_mut() else {
            return;
        };
        for field in object.active_fields().filter(|f| self.hides(object, f)) {
            for key in [field.key(), field.name.clone()] {
                if let Some(change) = map.get_mut(&key) {
                    *change = json!({ "hidden": true });
                }
            }
        }
    }

    /// Whether [`Access::present`] changes anything of `object`'s records.
    pub fn alters(&self, object: &ObjectMeta) -> bool {
        object
            .active_fields()
            .any(|f| self.hides(object, f) || self.masks(f))
    }

    /// Refuses a parameter (`field`, `aggregate`) naming a hidden field, as if it did not exist.
    pub fn check_named(
        &self,
        object: &ObjectMeta,
        parameter: &str,
        name: &str,
    ) -> Result<(), ApiError> {
        if self.hides_name(object, name) {
            return Err(ApiError::invalid_field(
                parameter,
                format!("{name} is not a field of {}", object.name_singular),
            ));
        }
        Ok(())
    }

    /// Whether `name` (a field's name, or a relation's `…Id` key) is a field hidden from this
    /// principal.
    fn hides_name(&self, object: &ObjectMeta, name: &str) -> bool {
        object
            .field_for_key(name)
            .or_else(|| object.field(name))
            .is_some_and(|f| self.hides(object, f))
    }

    /// A link event's changes (`{"task": {"id", "label"}}`, keyed by the linked record's object)
    /// as this principal may see them: a record of an object it may not read shows nothing.
    pub fn present_links(&self, catalog: &[ObjectMeta], changes: &mut Value) {
        let Some(map) = changes.as_object_mut() else {
            return;
        };
        for (name, change) in map.iter_mut() {
            let unreadable = catalog
                .iter()
                .find(|o| o.name_singular == *name)
                .is_some_and(|o| !self.may_read(o));
            if unreadable {
                *change = json!({ "hidden": true });
            }
        }
    }

    /// Refuses input that names a hidden field, as if the field did not exist.
    pub fn check_input(
        &self,
        object: &ObjectMeta,
        input: &Map<String, Value>,
    ) -> Result<(), ApiError> {
        match input.keys().find(|key| self.hides_name(object, key)) {
            Some(key) => Err(ApiError::invalid_field(
                key,
                format!("is not a field of {}", object.name_singular),
            )),
            None => Ok(()),
        }
    }

    /// Refuses a filter or an order that names a hidden field, as if the field did not exist.
    pub fn check_query(
        &self,
        object: &ObjectMeta,
        filter: Option<&Filter>,
        order_by: &[SortKey],
    ) -> Result<(), ApiError> {
        let hidden = |name: &str| self.hides_name(object, name);
        if let Some(name) = filter.and_then(|f| first_field(f, &hidden)) {
            return self.check_named(object, "filter", &name);
        }
        for key in order_by {
            self.check_named(object, "order_by", &key.path.field)?;
        }
        Ok(())
    }
}

/// The first field a filter compares that `matches`.
fn first_field(filter: &Filter, matches: &impl Fn(&str) -> bool) -> Option<String> {
    match filter {
        Filter::And(parts) | Filter::Or(parts) => {
            parts.iter().find_map(|p| first_field(p, matches))
        }
        Filter::Not(inner) => first_field(inner, matches),
        Filter::Compare(c) => matches(&c.path.field).then(|| c.path.field.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standard;

    fn people() -> ObjectMeta {
        standard::standard_objects()
            .into_iter()
            .find(|o| o.name_singular == "person")
            .expect("people")
    }

    fn token(scopes: &[Scope], objects: Option<&[&str]>) -> Access {
        Access {
            scopes: Some(scopes.to_vec()),
            objects: objects.map(|o| o.iter().map(|s| (*s).to_owned()).collect()),
            principal: Principal::Token {
                token_id: Uuid::nil(),
                created_by: Uuid::nil(),
            },
            ..Access::person(Uuid::nil(), Uuid::nil(), Role::Member)
        }
    }

    #[test]
    fn built_in_roles_read_everything_and_only_members_up_change() {
        let people = people();
        let viewer = Access::person(Uuid::nil(), Uuid::nil(), Role::Viewer);
        assert!(viewer.check(Action::Read, &people).is_ok());
        assert!(viewer.check(Action::Write, &people).is_err());
        assert!(viewer.check(Action::Delete, &people).is_err());
        let member = Access::person(Uuid::nil(), Uuid::nil(), Role::Member);
        assert!(member.check(Action::Delete, &people).is_ok());
    }

    #[test]
    fn a_token_is_narrowed_by_its_scopes_and_objects() {
        let people = people();
        let reader = token(&[Scope::RecordsRead], None);
        assert!(reader.check(Action::Read, &people).is_ok());
        assert!(reader.check(Action::Write, &people).is_err());
        let elsewhere = token(
            &[Scope::RecordsRead, Scope::RecordsWrite],
            Some(&["companies"]),
        );
        assert!(!elsewhere.may_read(&people));
    }

    #[test]
    fn hidden_fields_are_absent_and_sensitive_ones_masked() {
        let people = people();
        let mut access = Access::person(Uuid::nil(), Uuid::nil(), Role::Member);
        access.permissions.objects.insert(
            "person".into(),
            ObjectRights {
                hidden_fields: vec!["jobTitle".into(), "company".into()],
                ..access.permissions.default.clone()
            },
        );
        let mut record = json!({ "id": "x", "jobTitle": "CTO", "companyId": "c", "company": {}, "city": "Paris" });
        access.present(&people, &mut record);
        assert_eq!(record, json!({ "id": "x", "city": "Paris" }));
        let input = json!({ "jobTitle": "CEO" });
        let error = access
            .check_input(&people, input.as_object().expect("object"))
            .expect_err("hidden");
        assert_eq!(error.details[0].field, "jobTitle");
        let filter =
            crate::filter::parse("or(city[eq]:\"Paris\",companyId[is]:NULL)").expect("filter");
        assert!(access.check_query(&people, Some(&filter), &[]).is_err());
        let order = crate::sort::parse("jobTitle").expect("order");
        assert!(access.check_query(&people, None, &order).is_err());
        assert!(
            access
                .check_query(&people, None, &crate::sort::parse("city").expect("order"))
                .is_ok()
        );
    }
}
