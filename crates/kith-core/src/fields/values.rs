//! Values in and out: JSON from a request becomes checked [`Cell`]s, stored cells become JSON.

use super::currency::is_currency_code;
use super::{Cell, ColumnType, FieldRules, FieldType};
use crate::FieldError;
use crate::validate;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Value, json};

pub const TEXT_MAX_CHARS: usize = 10_000;
pub const RICH_TEXT_MAX_CHARS: usize = 200_000;
pub const LIST_MAX_ITEMS: usize = 100;
const JSON_MAX_BYTES: usize = 100_000;

/// A field's value from a request, checked: the parts it sets, by index into `FieldType::parts()`.
/// A composite value may set only some parts (a PATCH of `name.firstName` keeps `lastName`).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldInput {
    pub cells: Vec<(usize, Cell)>,
}

/// Checks `value` for a field called `name` of type `field_type`.
pub fn input(
    field_type: FieldType,
    rules: &FieldRules,
    name: &str,
    value: &Value,
) -> Result<FieldInput, Vec<FieldError>> {
    let parts = field_type.parts();
    if !field_type.is_composite() {
        let cell =
            scalar(field_type, rules, value).map_err(|message| vec![error(name, message)])?;
        return Ok(FieldInput {
            cells: vec![(0, cell)],
        });
    }
    let object = match value {
        Value::Null => {
            return Ok(FieldInput {
                cells: (0..parts.len()).map(|i| (i, Cell::Null)).collect(),
            });
        }
        Value::Object(object) => object,
        _ => {
            let names: Vec<&str> = parts.iter().map(|p| p.name).collect();
            return Err(vec![error(
                name,
                format!("must be an object with {}", names.join(", ")),
            )]);
        }
    };
    let mut cells = Vec::new();
    let mut errors = Vec::new();
    for (key, part_value) in object {
        let path = format!("{name}.{key}");
        let Some(index) = parts.iter().position(|p| p.name == key) else {
            let names: Vec<&str> = parts.iter().map(|p| p.name).collect();
            errors.push(error(
                &path,
                format!(
                    "is not a part of this field; its parts are {}",
                    names.join(", ")
                ),
            ));
            continue;
        };
        match composite_part(field_type, parts[index].name, part_value) {
            Ok(cell) => cells.push((index, cell)),
            Err(message) => errors.push(error(&path, message)),
        }
    }
    if errors.is_empty() {
        Ok(FieldInput { cells })
    } else {
        Err(errors)
    }
}

fn error(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.into(),
    }
}

fn scalar(field_type: FieldType, rules: &FieldRules, value: &Value) -> Result<Cell, String> {
    if value.is_null() {
        return Ok(Cell::Null);
    }
    match field_type {
        FieldType::Text | FieldType::SensitiveText => text(value, TEXT_MAX_CHARS),
        FieldType::RichText => text(value, RICH_TEXT_MAX_CHARS),
        FieldType::Number => whole_number(value),
        FieldType::Numeric => decimal(value).map(Cell::Float),
        FieldType::Boolean => value
            .as_bool()
            .map(Cell::Bool)
            .ok_or_else(|| "must be true or false".to_owned()),
        FieldType::Date => date(value),
        FieldType::DateTime => date_time(value),
        FieldType::Select => select(rules, value),
        FieldType::MultiSelect => multi_select(rules, value),
        FieldType::Rating => rating(value),
        FieldType::Relation => uuid(value),
        FieldType::RawJson => raw_json(value),
        FieldType::Array => text_list(value).map(|items| Cell::Json(json!(items))),
        composite => Err(format!("{composite:?} is composite")),
    }
}

fn composite_part(field_type: FieldType, part: &str, value: &Value) -> Result<Cell, String> {
    if value.is_null() {
        return Ok(Cell::Null);
    }
    match (field_type, part) {
        (FieldType::Currency, "amountMicros") => amount_micros(value),
        (FieldType::Currency, "currencyCode") => {
            let code = value
                .as_str()
                .ok_or("must be a currency code such as \"EUR\"")?;
            if code.is_empty() || is_currency_code(code) {
                Ok(Cell::Text(code.to_owned()))
            } else {
                Err(format!("{code:?} is not an ISO 4217 currency code"))
            }
        }
        (FieldType::Emails, "primaryEmail") => email(value),
        (FieldType::Emails, "additionalEmails") => {
            let items = text_list(value)?;
            for item in &items {
                validate::email(item).map_err(|m| format!("{item:?} {m}"))?;
            }
            Ok(Cell::Json(json!(
                items
                    .iter()
                    .map(|i| i.trim().to_lowercase())
                    .collect::<Vec<_>>()
            )))
        }
        (FieldType::Phones, "primaryPhoneNumber") => phone_number(value),
        (FieldType::Phones, "primaryPhoneCountryCode") => country_code(value),
        (FieldType::Phones, "primaryPhoneCallingCode") => calling_code(value),
        (FieldType::Phones, "additionalPhones") => additional_phones(value),
        (FieldType::Links, "primaryLinkUrl") => link_url(value),
        (FieldType::Links, "secondaryLinks") => secondary_links(value),
        (FieldType::Address, "addressLat") => coordinate(value, 90.0),
        (FieldType::Address, "addressLng") => coordinate(value, 180.0),
        _ => text(value, TEXT_MAX_CHARS),
    }
}

fn text(value: &Value, max_chars: usize) -> Result<Cell, String> {
    let text = value.as_str().ok_or("must be text")?;
    if text.chars().count() > max_chars {
        return Err(format!("is longer than {max_chars} characters"));
    }
    Ok(Cell::Text(text.to_owned()))
}

fn whole_number(value: &Value) -> Result<Cell, String> {
    if let Some(n) = value.as_i64() {
        return Ok(Cell::Int(n));
    }
    match value.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Cell::Int(f as i64)),
        Some(_) => Err("must be a whole number".into()),
        None => Err("must be a number".into()),
    }
}

fn decimal(value: &Value) -> Result<f64, String> {
    value
        .as_f64()
        .filter(|f| f.is_finite())
        .ok_or_else(|| "must be a number".to_owned())
}

/// Twenty sends micros as a number; strings of digits are accepted too, as JSON numbers lose
/// precision past 2^53 in some clients.
fn amount_micros(value: &Value) -> Result<Cell, String> {
    if let Some(text) = value.as_str() {
        return text
            .trim()
            .parse::<i64>()
            .map(Cell::Int)
            .map_err(|_| "must be a whole number of micros".to_owned());
    }
    whole_number(value)
        .map_err(|_| "must be a whole number of micros (1 unit = 1000000)".to_owned())
}

fn date(value: &Value) -> Result<Cell, String> {
    let text = value
        .as_str()
        .ok_or("must be a date such as \"2024-12-31\"")?;
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Cell::Date)
        .map_err(|_| format!("{text:?} is not a date such as \"2024-12-31\""))
}

fn date_time(value: &Value) -> Result<Cell, String> {
    let text = value
        .as_str()
        .ok_or("must be a date and time such as \"2024-12-31T09:30:00Z\"")?;
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| Cell::DateTime(t.with_timezone(&chrono::Utc)))
        .map_err(|_| {
            format!("{text:?} is not an RFC 3339 date and time such as \"2024-12-31T09:30:00Z\"")
        })
}

fn option_values(rules: &FieldRules) -> String {
    rules
        .options
        .iter()
        .map(|o| o.value.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn select(rules: &FieldRules, value: &Value) -> Result<Cell, String> {
    let chosen = value.as_str().ok_or("must be one of the field's options")?;
    if rules.options.iter().any(|o| o.value == chosen) {
        Ok(Cell::Text(chosen.to_owned()))
    } else {
        Err(format!(
            "{chosen:?} is not an option; use one of {}",
            option_values(rules)
        ))
    }
}

fn multi_select(rules: &FieldRules, value: &Value) -> Result<Cell, String> {
    let chosen = text_list(value)?;
    let mut kept: Vec<String> = Vec::new();
    for item in chosen {
        if !rules.options.iter().any(|o| o.value == item) {
            return Err(format!(
                "{item:?} is not an option; use some of {}",
                option_values(rules)
            ));
        }
        if !kept.contains(&item) {
            kept.push(item);
        }
    }
    Ok(Cell::Json(json!(kept)))
}

fn rating(value: &Value) -> Result<Cell, String> {
    let rating = match value {
        Value::String(text) => text
            .strip_prefix("RATING_")
            .and_then(|n| n.parse::<i64>().ok()),
        other => other.as_i64(),
    };
    match rating {
        Some(n @ 1..=5) => Ok(Cell::Int(n)),
        _ => Err("must be RATING_1 to RATING_5".into()),
    }
}

fn uuid(value: &Value) -> Result<Cell, String> {
    let text = value.as_str().ok_or("must be a record id")?;
    uuid::Uuid::parse_str(text)
        .map(Cell::Uuid)
        .map_err(|_| format!("{text:?} is not a record id (UUID)"))
}

fn raw_json(value: &Value) -> Result<Cell, String> {
    if value.to_string().len() > JSON_MAX_BYTES {
        return Err(format!("is larger than {JSON_MAX_BYTES} bytes"));
    }
    Ok(Cell::Json(value.clone()))
}

fn text_list(value: &Value) -> Result<Vec<String>, String> {
    let items = value.as_array().ok_or("must be a list")?;
    if items.len() > LIST_MAX_ITEMS {
        return Err(format!("has more than {LIST_MAX_ITEMS} items"));
    }
    items
        .iter()
        .map(|item| match item.as_str() {
            Some(text) if text.chars().count() <= TEXT_MAX_CHARS => Ok(text.to_owned()),
            Some(_) => Err(format!(
                "has an item longer than {TEXT_MAX_CHARS} characters"
            )),
            None => Err("must be a list of texts".to_owned()),
        })
        .collect()
}

fn email(value: &Value) -> Result<Cell, String> {
    let text = value.as_str().ok_or("must be an email address")?;
    if text.trim().is_empty() {
        return Ok(Cell::Text(String::new()));
    }
    validate::email(text).map(Cell::Text)
}

fn phone_number(value: &Value) -> Result<Cell, String> {
    let text = value.as_str().ok_or("must be a phone number")?;
    let allowed = |c: char| c.is_ascii_digit() || " +-().".contains(c);
    if !text.chars().all(allowed) || text.chars().filter(char::is_ascii_digit).count() > 20 {
        return Err(format!(
            "{text:?} is not a phone number (digits, spaces, + - ( ) . only)"
        ));
    }
    Ok(Cell::Text(text.to_owned()))
}

fn country_code(value: &Value) -> Result<Cell, String> {
    let text = value.as_str().ok_or("must be a two-letter country code")?;
    if text.is_empty() || (text.len() == 2 && text.chars().all(|c| c.is_ascii_uppercase())) {
        Ok(Cell::Text(text.to_owned()))
    } else {
        Err(format!(
            "{text:?} is not a two-letter country code such as \"FR\""
        ))
    }
}

fn calling_code(value: &Value) -> Result<Cell, String> {
    let text = value
        .as_str()
        .ok_or("must be a calling code such as \"+33\"")?;
    let digits = text.strip_prefix('+').unwrap_or("x");
    if text.is_empty()
        || (!digits.is_empty() && digits.len() <= 4 && digits.chars().all(|c| c.is_ascii_digit()))
    {
        Ok(Cell::Text(text.to_owned()))
    } else {
        Err(format!("{text:?} is not a calling code such as \"+33\""))
    }
}

fn additional_phones(value: &Value) -> Result<Cell, String> {
    let items = value.as_array().ok_or("must be a list of phones")?;
    if items.len() > LIST_MAX_ITEMS {
        return Err(format!("has more than {LIST_MAX_ITEMS} items"));
    }
    let mut phones = Vec::new();
    for item in items {
        let number = item.get("number").ok_or("each phone needs a number")?;
        phone_number(number)?;
        for (key, check) in [
            (
                "countryCode",
                country_code as fn(&Value) -> Result<Cell, String>,
            ),
            ("callingCode", calling_code),
        ] {
            if let Some(part) = item.get(key).filter(|v| !v.is_null()) {
                check(part)?;
            }
        }
        phones.push(json!({
            "number": number,
            "countryCode": item.get("countryCode").cloned().unwrap_or(json!("")),
            "callingCode": item.get("callingCode").cloned().unwrap_or(json!("")),
        }));
    }
    Ok(Cell::Json(Value::Array(phones)))
}

/// A web address: `https://acme.com/x`, or a bare domain as people type it (`acme.com`).
fn check_url(text: &str) -> Result<(), String> {
    let host = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .unwrap_or(text);
    let host = host.split(['/', '?', '#']).next().unwrap_or_default();
    let host_ok = host.contains('.')
        && !host.starts_with('.')
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || "-.:".contains(c));
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) || !host_ok {
        return Err(format!(
            "{text:?} is not a web address such as \"https://acme.com\""
        ));
    }
    Ok(())
}

fn link_url(value: &Value) -> Result<Cell, String> {
    let text = value.as_str().ok_or("must be a web address")?;
    if !text.is_empty() {
        check_url(text)?;
    }
    Ok(Cell::Text(text.to_owned()))
}

fn secondary_links(value: &Value) -> Result<Cell, String> {
    let items = value.as_array().ok_or("must be a list of links")?;
    if items.len() > LIST_MAX_ITEMS {
        return Err(format!("has more than {LIST_MAX_ITEMS} items"));
    }
    let mut links = Vec::new();
    for item in items {
        let url = item
            .get("url")
            .and_then(Value::as_str)
            .ok_or("each link needs a url")?;
        check_url(url)?;
        let label = match item.get("label") {
            None | Some(Value::Null) => "",
            Some(Value::String(label)) if label.chars().count() <= TEXT_MAX_CHARS => label,
            Some(_) => {
                return Err(format!(
                    "each link's label must be text of at most {TEXT_MAX_CHARS} characters"
                ));
            }
        };
        links.push(json!({ "url": url, "label": label }));
    }
    Ok(Cell::Json(Value::Array(links)))
}

fn coordinate(value: &Value, limit: f64) -> Result<Cell, String> {
    let number = decimal(value)?;
    if number.abs() > limit {
        return Err(format!("must be between -{limit} and {limit}"));
    }
    Ok(Cell::Float(number))
}

/// The JSON of a field from its stored cells (in `parts()` order).
pub fn output(field_type: FieldType, cells: &[Cell]) -> Value {
    serde_json::to_value(Output { field_type, cells }).unwrap_or(Value::Null)
}

/// A field's stored cells as the API shows them, written straight to any serializer (an answer
/// of many records is written without building each as a [`Value`] first).
pub struct Output<'a> {
    pub field_type: FieldType,
    pub cells: &'a [Cell],
}

impl Serialize for Output<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !self.field_type.is_composite() {
            return match (self.field_type, self.cells.first()) {
                (FieldType::Rating, Some(Cell::Int(n))) => {
                    serializer.collect_str(&format_args!("RATING_{n}"))
                }
                (_, Some(cell)) => CellOutput(cell).serialize(serializer),
                (_, None) => serializer.serialize_none(),
            };
        }
        let parts = self.field_type.parts();
        let mut map = serializer.serialize_map(Some(parts.len()))?;
        for (part, cell) in parts.iter().zip(self.cells) {
            // Composite parts read as Twenty writes them: empty text rather than null, empty
            // lists rather than null.
            match (part.kind, cell) {
                (ColumnType::Text, Cell::Null) => map.serialize_entry(part.name, "")?,
                (ColumnType::Json, Cell::Null) => map.serialize_entry(part.name, &[(); 0])?,
                _ => map.serialize_entry(part.name, &CellOutput(cell))?,
            }
        }
        map.end()
    }
}

/// One stored cell as JSON.
pub struct CellOutput<'a>(pub &'a Cell);

/// A date as the API writes it: `2026-12-03`.
pub fn date_text(date: &chrono::NaiveDate) -> impl std::fmt::Display + '_ {
    date.format("%Y-%m-%d")
}

/// A timestamp as the API writes it: RFC 3339 in UTC to the millisecond,
/// `2026-12-03T14:16:49.079Z`.
pub fn timestamp_text(time: &chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Serialize for CellOutput<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Cell::Null | Cell::Bytes(_) => serializer.serialize_none(),
            Cell::Text(text) => serializer.serialize_str(text),
            Cell::Int(n) => serializer.serialize_i64(*n),
            Cell::Float(f) => serializer.serialize_f64(*f),
            Cell::Bool(b) => serializer.serialize_bool(*b),
            Cell::Date(d) => serializer.collect_str(&date_text(d)),
            Cell::DateTime(t) => serializer.serialize_str(&timestamp_text(t)),
            Cell::Json(value) => value.serialize(serializer),
            Cell::Uuid(id) => id.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::SelectOption;

    fn rules() -> FieldRules {
        let option = |value: &str| SelectOption {
            value: value.into(),
            label: value.into(),
            color: "blue".into(),
            position: 0,
        };
        FieldRules {
            options: vec![option("NEW"), option("WON")],
        }
    }

    /// Stores a value the way the store would (every part, in order) and reads it back.
    fn round_trip(field_type: FieldType, value: Value) -> Value {
        let checked = input(field_type, &rules(), "f", &value)
            .unwrap_or_else(|e| panic!("{field_type:?} {value}: {e:?}"));
        let mut cells = vec![Cell::Null; field_type.parts().len()];
        for (index, cell) in checked.cells {
            cells[index] = cell;
        }
        output(field_type, &cells)
    }

    #[test]
    fn every_type_round_trips() {
        let cases = [
            (FieldType::Text, json!("Acme")),
            (FieldType::Number, json!(42)),
            (FieldType::Numeric, json!(0.25)),
            (FieldType::Boolean, json!(true)),
            (FieldType::Date, json!("2024-02-29")),
            (FieldType::DateTime, json!("2024-02-29T09:30:00.000Z")),
            (
                FieldType::Currency,
                json!({ "amountMicros": 1_500_000, "currencyCode": "EUR" }),
            ),
            (
                FieldType::FullName,
                json!({ "firstName": "Ada", "lastName": "Lovelace" }),
            ),
            (
                FieldType::Emails,
                json!({ "primaryEmail": "ada@example.com", "additionalEmails": ["a@b.co"] }),
            ),
            (
                FieldType::Phones,
                json!({ "primaryPhoneNumber": "6 12 34 56 78", "primaryPhoneCountryCode": "FR", "primaryPhoneCallingCode": "+33",
                        "additionalPhones": [{ "number": "0612", "countryCode": "FR", "callingCode": "+33" }] }),
            ),
            (
                FieldType::Links,
                json!({ "primaryLinkUrl": "https://acme.com", "primaryLinkLabel": "Site", "secondaryLinks": [{ "url": "acme.org", "label": "" }] }),
            ),
            (
                FieldType::Address,
                json!({ "addressStreet1": "1 Main St", "addressStreet2": "", "addressCity": "Paris", "addressState": "",
                        "addressPostcode": "75001", "addressCountry": "France", "addressLat": 48.86, "addressLng": 2.35 }),
            ),
            (FieldType::Select, json!("WON")),
            (FieldType::MultiSelect, json!(["NEW", "WON"])),
            (FieldType::Rating, json!("RATING_4")),
            (
                FieldType::Relation,
                json!("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"),
            ),
            (FieldType::RichText, json!("# Title\n\n**bold**")),
            (FieldType::RawJson, json!({ "any": ["json", 1] })),
            (FieldType::Array, json!(["a", "b"])),
        ];
        let count = cases.len();
        for (field_type, value) in cases {
            assert_eq!(
                round_trip(field_type, value.clone()),
                value,
                "{field_type:?}"
            );
        }
        assert_eq!(
            count + 1,
            FieldType::ALL.len(),
            "every type but sensitive text (ciphertext) is covered here"
        );
    }

    #[test]
    fn normalises_what_people_type() {
        assert_eq!(
            round_trip(FieldType::DateTime, json!("2024-02-29T10:30:00+01:00")),
            json!("2024-02-29T09:30:00.000Z")
        );
        assert_eq!(round_trip(FieldType::Number, json!(10.0)), json!(10));
        assert_eq!(
            round_trip(FieldType::MultiSelect, json!(["WON", "WON"])),
            json!(["WON"])
        );
        let partial = round_trip(FieldType::FullName, json!({ "firstName": "Ada" }));
        assert_eq!(partial, json!({ "firstName": "Ada", "lastName": "" }));
        let emails = round_trip(
            FieldType::Emails,
            json!({ "primaryEmail": "Ada@Example.COM" }),
        );
        assert_eq!(
            emails,
            json!({ "primaryEmail": "ada@example.com", "additionalEmails": [] })
        );
    }

    #[test]
    fn wrong_values_name_the_field_and_part() {
        let cases = [
            (FieldType::Number, json!(1.5), "f", "whole number"),
            (FieldType::Number, json!("12"), "f", "must be a number"),
            (FieldType::Boolean, json!("yes"), "f", "true or false"),
            (FieldType::Date, json!("2024-02-30"), "f", "not a date"),
            (FieldType::DateTime, json!("yesterday"), "f", "RFC 3339"),
            (
                FieldType::Currency,
                json!({ "amountMicros": 1, "currencyCode": "EURO" }),
                "f.currencyCode",
                "ISO 4217",
            ),
            (
                FieldType::Currency,
                json!({ "amountMicros": 0.5 }),
                "f.amountMicros",
                "whole number",
            ),
            (
                FieldType::Emails,
                json!({ "primaryEmail": "not-an-email" }),
                "f.primaryEmail",
                "not an email",
            ),
            (
                FieldType::Emails,
                json!({ "additionalEmails": ["x"] }),
                "f.additionalEmails",
                "not an email",
            ),
            (
                FieldType::FullName,
                json!({ "middleName": "B" }),
                "f.middleName",
                "not a part",
            ),
            (FieldType::FullName, json!("Ada"), "f", "must be an object"),
            (
                FieldType::Links,
                json!({ "primaryLinkUrl": "acme.org/\u{7}" }),
                "f.primaryLinkUrl",
                "not a web address",
            ),
            (
                FieldType::Links,
                json!({ "secondaryLinks": [{ "url": "acme.org", "label": 7 }] }),
                "f.secondaryLinks",
                "label must be text",
            ),
            (
                FieldType::Phones,
                json!({ "primaryPhoneNumber": "call me" }),
                "f.primaryPhoneNumber",
                "not a phone",
            ),
            (
                FieldType::Phones,
                json!({ "primaryPhoneCountryCode": "France" }),
                "f.primaryPhoneCountryCode",
                "country code",
            ),
            (
                FieldType::Links,
                json!({ "primaryLinkUrl": "not a url" }),
                "f.primaryLinkUrl",
                "web address",
            ),
            (
                FieldType::Address,
                json!({ "addressLat": 91 }),
                "f.addressLat",
                "between",
            ),
            (FieldType::Select, json!("LOST"), "f", "not an option"),
            (
                FieldType::MultiSelect,
                json!(["NEW", "LOST"]),
                "f",
                "not an option",
            ),
            (
                FieldType::Rating,
                json!("RATING_6"),
                "f",
                "RATING_1 to RATING_5",
            ),
            (FieldType::Relation, json!("42"), "f", "not a record id"),
            (FieldType::Array, json!(["a", 1]), "f", "list of texts"),
            (FieldType::Text, json!(12), "f", "must be text"),
        ];
        for (field_type, value, path, message) in cases {
            let errors = input(field_type, &rules(), "f", &value)
                .expect_err(&format!("{field_type:?} {value}"));
            assert_eq!(errors[0].field, path, "{field_type:?} {value}");
            assert!(
                errors[0].message.contains(message),
                "{field_type:?} {value}: {}",
                errors[0].message
            );
        }
    }

    #[test]
    fn null_clears_every_part() {
        let cleared =
            input(FieldType::Currency, &rules(), "amount", &Value::Null).expect("null is allowed");
        assert_eq!(cleared.cells, vec![(0, Cell::Null), (1, Cell::Null)]);
    }
}
