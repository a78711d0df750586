//! The objects every workspace starts with, named as Twenty names them so its clients port.

use crate::fields::{FieldType, SelectOption};
use crate::metadata::{FieldMeta, ObjectMeta, OnDelete, RelationMeta, WORKSPACE_MEMBER};
use uuid::Uuid;

/// A stable id for a standard object or field, the same in every workspace, derived from its name.
fn standard_id(name: &str) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_OID,
        format!("kith.standard.{name}").as_bytes(),
    )
}

struct FieldSpec {
    name: &'static str,
    label: &'static str,
    field_type: FieldType,
    icon: &'static str,
}

const fn f(
    name: &'static str,
    label: &'static str,
    field_type: FieldType,
    icon: &'static str,
) -> FieldSpec {
    FieldSpec {
        name,
        label,
        field_type,
        icon,
    }
}

/// `jobTitle` -> `job_title`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn field(object: &str, position: usize, spec: &FieldSpec) -> FieldMeta {
    let column = match spec.field_type {
        FieldType::Relation => format!("{}_id", snake_case(spec.name)),
        _ => snake_case(spec.name),
    };
    FieldMeta {
        id: standard_id(&format!("{object}.{}", spec.name)),
        name: spec.name.to_owned(),
        label: spec.label.to_owned(),
        description: String::new(),
        icon: spec.icon.to_owned(),
        field_type: spec.field_type,
        column,
        is_custom: false,
        is_active: true,
        is_nullable: true,
        is_unique: false,
        is_indexed: false,
        default_value: None,
        options: Vec::new(),
        relation: None,
        position: i32::try_from(position).unwrap_or(i32::MAX),
    }
}

fn relation(
    mut meta: FieldMeta,
    target: &str,
    on_delete: OnDelete,
    inverse_name: &str,
) -> FieldMeta {
    meta.relation = Some(RelationMeta {
        target: target.to_owned(),
        on_delete,
        inverse_name: inverse_name.to_owned(),
    });
    meta.is_indexed = true;
    meta
}

fn options(mut meta: FieldMeta, choices: &[(&str, &str, &str)]) -> FieldMeta {
    meta.options = choices
        .iter()
        .enumerate()
        .map(|(i, (value, label, color))| SelectOption {
            value: (*value).to_owned(),
            label: (*label).to_owned(),
            color: (*color).to_owned(),
            position: i32::try_from(i).unwrap_or(i32::MAX),
        })
        .collect();
    meta
}

struct ObjectSpec {
    singular: &'static str,
    plural: &'static str,
    label_singular: &'static str,
    label_plural: &'static str,
    icon: &'static str,
    label_field: &'static str,
}

fn object(spec: &ObjectSpec, fields: Vec<FieldMeta>) -> ObjectMeta {
    ObjectMeta {
        id: standard_id(spec.singular),
        name_singular: spec.singular.to_owned(),
        name_plural: spec.plural.to_owned(),
        label_singular: spec.label_singular.to_owned(),
        label_plural: spec.label_plural.to_owned(),
        description: String::new(),
        icon: spec.icon.to_owned(),
        table: spec.plural.to_owned(),
        is_custom: false,
        is_active: true,
        label_field: spec.label_field.to_owned(),
        fields,
        dropped_columns: Vec::new(),
        search_changes: 0,
        search_indexed: 0,
    }
}

fn fields(object: &str, specs: &[FieldSpec]) -> Vec<FieldMeta> {
    specs
        .iter()
        .enumerate()
        .map(|(i, spec)| field(object, i, spec))
        .collect()
}

fn index_for_sorting(fields: &mut [FieldMeta], names: &[&str]) {
    for name in names {
        adjust(fields, name, |m| FieldMeta {
            is_indexed: true,
            ..m
        });
    }
}

/// Sets a field's properties by name (for the few standard fields that differ from the defaults).
fn adjust(fields: &mut [FieldMeta], name: &str, change: impl FnOnce(FieldMeta) -> FieldMeta) {
    if let Some(slot) = fields.iter_mut().find(|f| f.name == name) {
        *slot = change(slot.clone());
    }
}

pub fn standard_objects() -> Vec<ObjectMeta> {
    use FieldType::*;
    let mut company = fields(
        "company",
        &[
            f("name", "Name", Text, "building"),
            f("domainName", "Domain", Links, "world"),
            f("employees", "Employees", Number, "users"),
            f("annualRecurringRevenue", "ARR", Currency, "money"),
            f("address", "Address", Address, "map"),
            f("linkedinLink", "LinkedIn", Links, "brand-linkedin"),
            f("xLink", "X", Links, "brand-x"),
            f("idealCustomerProfile", "ICP", Boolean, "target"),
            f("accountOwner", "Account owner", Relation, "user-circle"),
        ],
    );
    adjust(&mut company, "name", |m| FieldMeta {
        is_indexed: true,
        ..m
    });
    adjust(&mut company, "accountOwner", |m| {
        relation(
            m,
            WORKSPACE_MEMBER,
            OnDelete::SetNull,
            "accountOwnerForCompanies",
        )
    });

    let mut person = fields(
        "person",
        &[
            f("name", "Name", FullName, "user"),
            f("emails", "Emails", Emails, "mail"),
            f("phones", "Phones", Phones, "phone"),
            f("jobTitle", "Job title", Text, "briefcase"),
            f("city", "City", Text, "map-pin"),
            f("linkedinLink", "LinkedIn", Links, "brand-linkedin"),
            f("xLink", "X", Links, "brand-x"),
            f("avatarUrl", "Avatar", Text, "photo"),
            f("company", "Company", Relation, "building"),
        ],
    );
    adjust(&mut person, "emails", |m| FieldMeta {
        is_unique: true,
        ..m
    });
    adjust(&mut person, "company", |m| {
        relation(m, "company", OnDelete::SetNull, "people")
    });

    let mut opportunity = fields(
        "opportunity",
        &[
            f("name", "Name", Text, "target-arrow"),
            f("amount", "Amount", Currency, "money"),
            f("closeDate", "Close date", Date, "calendar"),
            f("stage", "Stage", Select, "progress"),
            f("probability", "Probability", Number, "percentage"),
            f("pointOfContact", "Point of contact", Relation, "user"),
            f("company", "Company", Relation, "building"),
            f("owner", "Owner", Relation, "user-circle"),
        ],
    );
    adjust(&mut opportunity, "stage", |m| {
        let stages = [
            ("NEW", "New", "red"),
            ("SCREENING", "Screening", "purple"),
            ("MEETING", "Meeting", "sky"),
            ("PROPOSAL", "Proposal", "turquoise"),
            ("CUSTOMER", "Customer", "yellow"),
        ];
        FieldMeta {
            is_indexed: true,
            default_value: Some(serde_json::json!("NEW")),
            ..options(m, &stages)
        }
    });
    adjust(&mut opportunity, "pointOfContact", |m| {
        relation(
            m,
            "person",
            OnDelete::SetNull,
            "pointOfContactForOpportunities",
        )
    });
    adjust(&mut opportunity, "company", |m| {
        relation(m, "company", OnDelete::SetNull, "opportunities")
    });
    adjust(&mut opportunity, "owner", |m| {
        relation(m, WORKSPACE_MEMBER, OnDelete::SetNull, "ownedOpportunities")
    });

    let mut task = fields(
        "task",
        &[
            f("title", "Title", Text, "notes"),
            f("body", "Body", RichText, "file-text"),
            f("dueAt", "Due", DateTime, "calendar-event"),
            f("status", "Status", Select, "progress-check"),
            f("assignee", "Assignee", Relation, "user-circle"),
        ],
    );
    adjust(&mut task, "status", |m| {
        let statuses = [
            ("TODO", "To do", "sky"),
            ("IN_PROGRESS", "In progress", "purple"),
            ("DONE", "Done", "green"),
        ];
        FieldMeta {
            default_value: Some(serde_json::json!("TODO")),
            ..options(m, &statuses)
        }
    });
    adjust(&mut task, "assignee", |m| {
        relation(m, WORKSPACE_MEMBER, OnDelete::SetNull, "assignedTasks")
    });

    let mut note = fields(
        "note",
        &[
            f("title", "Title", Text, "notes"),
            f("body", "Body", RichText, "file-text"),
        ],
    );

    // The fields a table sorts by, indexed with the id for keyset paging (a first page sorted
    // by any of them reads 50 index entries, not a million rows).
    index_for_sorting(
        &mut company,
        &["domainName", "employees", "annualRecurringRevenue"],
    );
    index_for_sorting(&mut person, &["name", "emails", "jobTitle", "city"]);
    index_for_sorting(
        &mut opportunity,
        &["name", "amount", "closeDate", "probability"],
    );
    index_for_sorting(&mut task, &["title", "dueAt", "status"]);
    index_for_sorting(&mut note, &["title"]);

    let spec = |singular, plural, label_singular, label_plural, icon, label_field| ObjectSpec {
        singular,
        plural,
        label_singular,
        label_plural,
        icon,
        label_field,
    };
    vec![
        object(
            &spec(
                "company",
                "companies",
                "Company",
                "Companies",
                "building-skyscraper",
                "name",
            ),
            company,
        ),
        object(
            &spec("person", "people", "Person", "People", "user", "name"),
            person,
        ),
        object(
            &spec(
                "opportunity",
                "opportunities",
                "Opportunity",
                "Opportunities",
                "target-arrow",
                "name",
            ),
            opportunity,
        ),
        object(
            &spec("task", "tasks", "Task", "Tasks", "checkbox", "title"),
            task,
        ),
        object(
            &spec("note", "notes", "Note", "Notes", "notes", "title"),
            note,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_objects_use_twenty_names() {
        let objects = standard_objects();
        let plurals: Vec<&str> = objects.iter().map(|o| o.name_plural.as_str()).collect();
        assert_eq!(
            plurals,
            ["companies", "people", "opportunities", "tasks", "notes"]
        );
        let person = &objects[1];
        assert_eq!(
            person.field_for_key("companyId").map(|f| f.column.as_str()),
            Some("company_id")
        );
        assert_eq!(
            person.field("jobTitle").map(|f| f.column.as_str()),
            Some("job_title")
        );
        let emails = person.field("emails").expect("emails");
        assert!(emails.is_unique);
        assert_eq!(
            emails.columns(),
            ["emails_primary_email", "emails_additional_emails"]
        );
        let stage = objects[2].field("stage").expect("stage");
        assert_eq!(
            stage
                .options
                .iter()
                .map(|o| o.value.as_str())
                .collect::<Vec<_>>(),
            ["NEW", "SCREENING", "MEETING", "PROPOSAL", "CUSTOMER"]
        );
    }

    #[test]
    fn standard_ids_are_stable_and_distinct() {
        let first = standard_objects();
        assert_eq!(first, standard_objects());
        let mut ids: Vec<Uuid> = first
            .iter()
            .flat_map(|o| std::iter::once(o.id).chain(o.fields.iter().map(|f| f.id)))
            .collect();
        let count = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), count);
    }
}
