//! From a file's text to the JSON a write takes: which field each column fills, and how its text
//! reads as that field's value. The written values are then checked by the same code as every
//! API write, so an import accepts exactly what the API accepts.

use kith_core::fields::{ColumnType, FieldType};
use kith_core::metadata::{FieldMeta, ObjectMeta};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Where one column of the file goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ColumnMapping {
    /// The column's header in the file.
    pub column: String,
    /// The field it fills: `jobTitle`, a part of a composite field (`name.firstName`,
    /// `emails.primaryEmail`), `name` for a whole full name (split at its first space), or a
    /// relation (`company`, with `by`). None or absent: the column is not imported.
    #[serde(default)]
    pub field: Option<String>,
    /// For a relation: which field of the related record the column's text is (`domainName`,
    /// `name`, `id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// The order of a date's day and month when it is not written year first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DateOrder {
    /// `31/12/2026`
    DayMonthYear,
    /// `12/31/2026`
    MonthDayYear,
}

/// How numbers and dates are written in the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ValueFormats {
    /// None: ISO dates (`2026-12-31`), and for others whichever order the file's dates allow.
    #[serde(default)]
    pub date_order: Option<DateOrder>,
    /// Numbers written `1.234,5`.
    #[serde(default)]
    pub decimal_comma: bool,
}

/// What a column's text becomes.
#[derive(Debug, Clone)]
pub(super) enum Conversion {
    /// The field's value, or one part of it.
    Value {
        key: String,
        part: Option<&'static str>,
        field_type: FieldType,
        kind: ColumnType,
    },
    /// A full name in one column.
    WholeName { key: String },
    /// A currency amount in units, stored in micros.
    Amount { key: String },
    /// A related record, found by one of its fields.
    Relation {
        key: String,
        target: String,
        by: String,
    },
}

impl Conversion {
    /// The key of a record's input the column fills.
    pub(super) fn key(&self) -> &str {
        match self {
            Conversion::Value { key, .. }
            | Conversion::WholeName { key }
            | Conversion::Amount { key }
            | Conversion::Relation { key, .. } => key,
        }
    }

    /// The conversion a mapping asks for, or why there is none.
    pub(super) fn of(
        object: &ObjectMeta,
        catalog: &[ObjectMeta],
        mapping: &ColumnMapping,
        field: &str,
    ) -> Result<Conversion, String> {
        let (name, part) = match field.split_once('.') {
            Some((name, part)) => (name, Some(part)),
            None => (field, None),
        };
        let meta = object
            .active_fields()
            .find(|f| f.name == name || f.key() == name)
            .ok_or_else(|| format!("{name} is not a field of {}", object.name_singular))?;
        let key = meta.key();
        let field_type = meta.field_type;
        if field_type == FieldType::Relation {
            return relation(meta, catalog, mapping, key);
        }
        match (field_type, part) {
            (FieldType::FullName, None) => Ok(Conversion::WholeName { key }),
            (FieldType::Currency, Some("amount")) => Ok(Conversion::Amount { key }),
            (_, None) if field_type.is_composite() => {
                let first = field_type.parts()[0];
                Ok(Conversion::Value {
                    key,
                    part: Some(first.name),
                    field_type,
                    kind: first.kind,
                })
            }
            (_, None) => Ok(Conversion::Value {
                key,
                part: None,
                field_type,
                kind: field_type.parts()[0].kind,
            }),
            (_, Some(part)) => {
                let found = field_type
                    .parts()
                    .iter()
                    .find(|p| p.name == part && !p.name.is_empty())
                    .ok_or_else(|| {
                        format!(
                            "{part} is not a part of {name}; its parts are {}",
                            part_names(field_type)
                        )
                    })?;
                Ok(Conversion::Value {
                    key,
                    part: Some(found.name),
                    field_type,
                    kind: found.kind,
                })
            }
        }
    }

    /// Puts a cell's text into `input`; the message completes "column X: …".
    pub(super) fn apply(
        &self,
        text: &str,
        formats: &ValueFormats,
        input: &mut Map<String, Value>,
    ) -> Result<(), String> {
        match self {
            Conversion::Value {
                key,
                part,
                field_type,
                kind,
            } => {
                let value = value_of(text, *field_type, *kind, formats)?;
                set(input, key, *part, value);
            }
            Conversion::WholeName { key } => {
                let text = plain_text(text)?;
                let (first, last) = text.trim().split_once(' ').unwrap_or((text.trim(), ""));
                set(input, key, Some("firstName"), json!(first));
                set(input, key, Some("lastName"), json!(last.trim()));
            }
            Conversion::Amount { key } => {
                let units = number(text, formats)?;
                let micros = (units * 1_000_000.0).round();
                set(input, key, Some("amountMicros"), json!(micros as i64));
            }
            // Resolved for a whole chunk at once, by the caller.
            Conversion::Relation { .. } => {}
        }
        Ok(())
    }
}

fn relation(
    meta: &FieldMeta,
    catalog: &[ObjectMeta],
    mapping: &ColumnMapping,
    key: String,
) -> Result<Conversion, String> {
    let target_name = meta
        .relation
        .as_ref()
        .map(|r| r.target.clone())
        .unwrap_or_default();
    let target = catalog
        .iter()
        .find(|o| o.name_singular == target_name)
        .ok_or_else(|| {
            format!(
                "{} points at workspace members, who cannot be imported by name",
                meta.name
            )
        })?;
    let by = mapping.by.clone().unwrap_or_else(|| "id".to_owned());
    if by != "id"
        && !target
            .active_fields()
            .any(|f| f.name == by && f.field_type != FieldType::Relation)
    {
        return Err(format!(
            "by: {by} is not a field of {}; give id or one of its fields",
            target.name_singular
        ));
    }
    Ok(Conversion::Relation {
        key,
        target: target.name_plural.clone(),
        by,
    })
}

fn part_names(field_type: FieldType) -> String {
    let names: Vec<&str> = field_type.parts().iter().map(|p| p.name).collect();
    names.join(", ")
}

/// Sets `key` (or `key.part`) in a record's input.
fn set(input: &mut Map<String, Value>, key: &str, part: Option<&str>, value: Value) {
    match part {
        None => {
            input.insert(key.to_owned(), value);
        }
        Some(part) => {
            let entry = input
                .entry(key.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(parts) = entry.as_object_mut() {
                parts.insert(part.to_owned(), value);
            }
        }
    }
}

/// A cell's text as the JSON value of a part stored as `kind`.
fn value_of(
    text: &str,
    field_type: FieldType,
    kind: ColumnType,
    formats: &ValueFormats,
) -> Result<Value, String> {
    Ok(match (field_type, kind) {
        (FieldType::Rating, _) => {
            let text = text.trim();
            match text.parse::<u8>() {
                Ok(n) => json!(format!("RATING_{n}")),
                Err(_) => json!(text),
            }
        }
        (FieldType::MultiSelect | FieldType::Array, _) => json!(list(text)),
        (FieldType::Select, _) => json!(text.trim()),
        (FieldType::RawJson, _) => {
            serde_json::from_str(text).map_err(|e| format!("is not JSON ({e})"))?
        }
        (FieldType::Emails, ColumnType::Json) => json!(list(text)),
        (_, ColumnType::Json) => {
            serde_json::from_str(text).map_err(|_| "must be a JSON list".to_owned())?
        }
        (_, ColumnType::Int) => {
            let n = number(text, formats)?;
            if n.fract() != 0.0 {
                return Err(format!("{text:?} is not a whole number"));
            }
            json!(n as i64)
        }
        (_, ColumnType::Float) => json!(number(text, formats)?),
        (_, ColumnType::Bool) => json!(boolean(text)?),
        (_, ColumnType::Date) => json!(date(text, formats)?),
        (_, ColumnType::DateTime) => json!(date_time(text, formats)?),
        (_, ColumnType::Uuid) => json!(text.trim()),
        (FieldType::Emails, _) => json!(text.trim().to_lowercase()),
        _ => json!(plain_text(text)?),
    })
}

/// Text as it is, refusing what a spreadsheet would run as a formula; a leading `'` before such
/// text (as Kith's exports write it) is taken away.
pub(super) fn plain_text(text: &str) -> Result<&str, String> {
    if let Some(rest) = text.strip_prefix('\'')
        && looks_like_formula(rest)
    {
        return Ok(rest);
    }
    if looks_like_formula(text) {
        return Err(format!(
            "{:?} would run as a spreadsheet formula; write it as '{} to import it as text",
            abbreviated(text),
            abbreviated(text)
        ));
    }
    Ok(text)
}

/// `=…`, `@…`, a tab or carriage return first, or `+`/`-` before a letter (`-cmd|…`, `+A1`):
/// numbers (`-5`) and phone numbers (`+44 …`) are not formulas.
fn looks_like_formula(text: &str) -> bool {
    let mut chars = text.chars();
    match chars.next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => chars.next().is_some_and(|c| c.is_alphabetic() || c == '='),
        _ => false,
    }
}

fn abbreviated(text: &str) -> String {
    let mut short: String = text.chars().take(40).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

/// A list written as JSON (`["a","b"]`) or separated by commas or semicolons.
fn list(text: &str) -> Vec<String> {
    let text = text.trim();
    if text.starts_with('[')
        && let Ok(items) = serde_json::from_str::<Vec<String>>(text)
    {
        return items;
    }
    text.split([',', ';'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

fn number(text: &str, formats: &ValueFormats) -> Result<f64, String> {
    let (group, decimal) = if formats.decimal_comma {
        ('.', ',')
    } else {
        (',', '.')
    };
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| *c != group && !c.is_whitespace() && *c != '\u{a0}')
        .map(|c| if c == decimal { '.' } else { c })
        .collect();
    cleaned
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| format!("{text:?} is not a number"))
}

fn boolean(text: &str) -> Result<bool, String> {
    match text.trim().to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "x" => Ok(true),
        "false" | "no" | "n" | "0" => Ok(false),
        _ => Err(format!("{text:?} is not true or false (nor yes or no)")),
    }
}

/// A day as `YYYY-MM-DD`: from ISO text, or day, month and year in the file's order.
fn date(text: &str, formats: &ValueFormats) -> Result<String, String> {
    let text = text.trim();
    let head = text.split(['T', ' ']).next().unwrap_or(text);
    let parts: Vec<&str> = head.split(['-', '/', '.']).collect();
    let numbers: Option<Vec<u32>> = parts.iter().map(|p| p.parse().ok()).collect();
    let invalid = || format!("{text:?} is not a date such as 2026-12-31");
    let Some(numbers) = numbers.filter(|n| n.len() == 3) else {
        return Err(invalid());
    };
    let (year, month, day) = if parts[0].len() == 4 {
        (numbers[0], numbers[1], numbers[2])
    } else {
        let order = formats
            .date_order
            .or_else(|| order_allowed(numbers[0], numbers[1]))
            .ok_or_else(|| {
                format!("{text:?} could be day/month or month/day; choose the file's date order")
            })?;
        let (day, month) = match order {
            DateOrder::DayMonthYear => (numbers[0], numbers[1]),
            DateOrder::MonthDayYear => (numbers[1], numbers[0]),
        };
        let year = if parts[2].len() == 2 {
            2000 + numbers[2]
        } else {
            numbers[2]
        };
        (year, month, day)
    };
    chrono::NaiveDate::from_ymd_opt(year as i32, month, day)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .ok_or_else(invalid)
}

/// The only order two leading numbers of a date allow, if only one does.
fn order_allowed(first: u32, second: u32) -> Option<DateOrder> {
    match (first > 12, second > 12) {
        (true, false) => Some(DateOrder::DayMonthYear),
        (false, true) => Some(DateOrder::MonthDayYear),
        _ => None,
    }
}

/// An instant as RFC 3339: as written, or a day (midnight UTC), or `YYYY-MM-DD HH:MM[:SS]` in UTC.
fn date_time(text: &str, formats: &ValueFormats) -> Result<String, String> {
    let text = text.trim();
    if chrono::DateTime::parse_from_rfc3339(text).is_ok() {
        return Ok(text.to_owned());
    }
    for pattern in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(at) = chrono::NaiveDateTime::parse_from_str(text, pattern) {
            return Ok(at.and_utc().to_rfc3339());
        }
    }
    let day = date(text, formats)
        .map_err(|_| format!("{text:?} is not a date and time such as 2026-12-31T09:30:00Z"))?;
    Ok(format!("{day}T00:00:00Z"))
}

/// The field a column's header names, if one does: its key or label, a composite field's part
/// (`name.firstName`, `First name`), or a common name for it (`E-mail`, `Surname`).
pub fn suggested_field(object: &ObjectMeta, header: &str, samples: &[&str]) -> Option<String> {
    let wanted = squashed(header);
    if wanted.is_empty() {
        return None;
    }
    if wanted == "id" {
        return Some("id".into());
    }
    if let Some(known) = common_name(&wanted)
        && object
            .active_fields()
            .any(|f| Some(f.name.as_str()) == known.split('.').next())
    {
        return Some(known.to_owned());
    }
    for field in object.active_fields() {
        let names = [
            squashed(&field.name),
            squashed(&field.label),
            squashed(&field.key()),
        ];
        if names.contains(&wanted) {
            return Some(match field.field_type {
                FieldType::FullName | FieldType::Relation => field.name.clone(),
                t if t.is_composite() => format!("{}.{}", field.name, t.parts()[0].name),
                _ => field.name.clone(),
            });
        }
        for part in field
            .field_type
            .parts()
            .iter()
            .filter(|p| !p.name.is_empty())
        {
            let part_names = [
                squashed(&format!("{}.{}", field.name, part.name)),
                squashed(&format!("{}{}", field.label, part.name)),
                squashed(part.name),
            ];
            if part_names.contains(&wanted) {
                return Some(format!("{}.{}", field.name, part.name));
            }
        }
    }
    suggested_by_samples(object, samples)
}

/// For a relation column: whether its samples look like web addresses (find by domain) or not.
pub fn suggested_by(target: &ObjectMeta, samples: &[&str]) -> String {
    let has = |name: &str| target.active_fields().any(|f| f.name == name);
    let looks_like_ids = !samples.is_empty()
        && samples
            .iter()
            .all(|s| uuid::Uuid::parse_str(s.trim()).is_ok());
    if looks_like_ids {
        "id".into()
    } else if has("domainName") && !samples.is_empty() && samples.iter().all(|s| is_domain(s)) {
        "domainName".into()
    } else if has("emails") && !samples.is_empty() && samples.iter().all(|s| s.contains('@')) {
        "emails".into()
    } else if has("name") {
        "name".into()
    } else {
        "id".into()
    }
}

fn is_domain(text: &str) -> bool {
    let host = super::matching::normalized_domain(text);
    host.contains('.') && !host.contains(' ') && !host.contains('@')
}

/// A column whose header names nothing, by what its values look like: emails, web addresses.
fn suggested_by_samples(object: &ObjectMeta, samples: &[&str]) -> Option<String> {
    if samples.is_empty() {
        return None;
    }
    let first_of = |t: FieldType| object.active_fields().find(|f| f.field_type == t);
    if samples
        .iter()
        .all(|s| kith_core::validate::email(s).is_ok())
    {
        return first_of(FieldType::Emails).map(|f| format!("{}.primaryEmail", f.name));
    }
    if samples
        .iter()
        .all(|s| s.starts_with("http://") || s.starts_with("https://"))
    {
        return first_of(FieldType::Links).map(|f| format!("{}.primaryLinkUrl", f.name));
    }
    None
}

/// Names people give columns, by their squashed form.
fn common_name(squashed: &str) -> Option<&'static str> {
    Some(match squashed {
        "firstname" | "givenname" | "forename" => "name.firstName",
        "lastname" | "surname" | "familyname" => "name.lastName",
        "fullname" | "contactname" => "name",
        "email" | "emailaddress" | "mail" | "workemail" => "emails.primaryEmail",
        "phone" | "phonenumber" | "mobile" | "telephone" | "tel" => "phones.primaryPhoneNumber",
        "title" | "role" => "jobTitle",
        "website" | "domain" | "url" | "companydomain" => "domainName.primaryLinkUrl",
        "linkedin" | "linkedinurl" => "linkedinLink.primaryLinkUrl",
        "companyname" | "organization" | "organisation" | "account" => "company",
        _ => return None,
    })
}

/// Lower case, letters and digits only: `E-mail address` → `emailaddress`.
fn squashed(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formats() -> ValueFormats {
        ValueFormats::default()
    }

    #[test]
    fn dates_read_in_the_order_the_file_allows() {
        assert_eq!(date("2026-12-31", &formats()).expect("read"), "2026-12-31");
        assert_eq!(date("31/12/2026", &formats()).expect("read"), "2026-12-31");
        assert_eq!(date("12/31/2026", &formats()).expect("read"), "2026-12-31");
        assert!(
            date("01/02/2026", &formats())
                .expect_err("refused")
                .contains("date order")
        );
        let us = ValueFormats {
            date_order: Some(DateOrder::MonthDayYear),
            decimal_comma: false,
        };
        assert_eq!(date("01/02/26", &us).expect("read"), "2026-01-02");
        assert!(date("2026-02-30", &formats()).is_err());
        assert_eq!(
            date_time("2026-12-31 09:30", &formats()).expect("read"),
            "2026-12-31T09:30:00+00:00"
        );
    }

    #[test]
    fn numbers_read_with_either_decimal_mark() {
        assert_eq!(number("1,234.5", &formats()).expect("read"), 1234.5);
        let comma = ValueFormats {
            date_order: None,
            decimal_comma: true,
        };
        assert_eq!(number("1.234,5", &comma).expect("read"), 1234.5);
        assert!(number("twelve", &formats()).is_err());
    }

    #[test]
    fn formulas_are_refused_unless_escaped_as_exports_escape_them() {
        assert!(plain_text("=HYPERLINK(\"http://x\")").is_err());
        assert!(plain_text("@SUM(A1)").is_err());
        assert!(plain_text("-cmd|' /C calc'!A0").is_err());
        assert_eq!(plain_text("'=1+2").expect("read"), "=1+2");
        assert_eq!(
            plain_text("+44 20 7946 0000").expect("read"),
            "+44 20 7946 0000"
        );
        assert_eq!(plain_text("-5").expect("read"), "-5");
        assert_eq!(plain_text("O'Brien").expect("read"), "O'Brien");
    }

    #[test]
    fn lists_are_json_or_separated() {
        assert_eq!(list("[\"a\",\"b\"]"), ["a", "b"]);
        assert_eq!(list("a; b,c"), ["a", "b", "c"]);
        assert!(list("  ").is_empty());
    }

    #[test]
    fn headers_suggest_fields() {
        let catalog = kith_core::standard::standard_objects();
        let people = catalog
            .iter()
            .find(|o| o.name_plural == "people")
            .expect("read");
        let suggest = |h: &str| suggested_field(people, h, &[]);
        assert_eq!(suggest("E-mail").as_deref(), Some("emails.primaryEmail"));
        assert_eq!(suggest("First Name").as_deref(), Some("name.firstName"));
        assert_eq!(suggest("name.lastName").as_deref(), Some("name.lastName"));
        assert_eq!(suggest("Job title").as_deref(), Some("jobTitle"));
        assert_eq!(suggest("Company").as_deref(), Some("company"));
        assert_eq!(suggest("Favourite colour"), None);
        assert_eq!(
            suggested_field(people, "Contact", &["ada@example.com"]).as_deref(),
            Some("emails.primaryEmail")
        );
    }
}
