//! Field types: what columns each stores, how its values are checked on the way in and shaped
//! on the way out. Every surface (REST, MCP, import, the web app) goes through here, so a type's
//! rules live in one place.

mod currency;
mod values;

pub use currency::currency_codes;
pub use values::{
    CellOutput, FieldInput, LIST_MAX_ITEMS, Output, RICH_TEXT_MAX_CHARS, TEXT_MAX_CHARS, date_text,
    input, output, timestamp_text,
};

use serde::{Deserialize, Serialize};

/// The type of a field, named as Twenty names them on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FieldType {
    Text,
    /// A whole number.
    Number,
    /// A decimal number.
    Numeric,
    Boolean,
    Date,
    DateTime,
    Currency,
    FullName,
    Emails,
    Phones,
    Links,
    Address,
    Select,
    MultiSelect,
    /// 1 to 5, written `RATING_1` … `RATING_5` as in Twenty.
    Rating,
    /// Many-to-one: a foreign key `{name}Id` to a record of another object.
    Relation,
    /// Markdown.
    RichText,
    RawJson,
    /// A list of texts.
    Array,
    /// Text encrypted at rest, never filterable or sortable.
    SensitiveText,
}

impl FieldType {
    pub const ALL: [FieldType; 20] = [
        FieldType::Text,
        FieldType::Number,
        FieldType::Numeric,
        FieldType::Boolean,
        FieldType::Date,
        FieldType::DateTime,
        FieldType::Currency,
        FieldType::FullName,
        FieldType::Emails,
        FieldType::Phones,
        FieldType::Links,
        FieldType::Address,
        FieldType::Select,
        FieldType::MultiSelect,
        FieldType::Rating,
        FieldType::Relation,
        FieldType::RichText,
        FieldType::RawJson,
        FieldType::Array,
        FieldType::SensitiveText,
    ];

    /// The parts of a composite type (`amountMicros`, `currencyCode`), or one unnamed part.
    pub fn parts(self) -> &'static [Part] {
        match self {
            FieldType::Text | FieldType::Select | FieldType::RichText => parts::TEXT,
            FieldType::Number | FieldType::Rating => parts::INT,
            FieldType::Numeric => parts::FLOAT,
            FieldType::Boolean => parts::BOOL,
            FieldType::Date => parts::DATE,
            FieldType::DateTime => parts::DATE_TIME,
            FieldType::MultiSelect | FieldType::RawJson | FieldType::Array => parts::JSON,
            FieldType::Relation => parts::UUID,
            FieldType::SensitiveText => parts::BYTES,
            FieldType::Currency => parts::CURRENCY,
            FieldType::FullName => parts::FULL_NAME,
            FieldType::Emails => parts::EMAILS,
            FieldType::Phones => parts::PHONES,
            FieldType::Links => parts::LINKS,
            FieldType::Address => parts::ADDRESS,
        }
    }

    pub fn is_composite(self) -> bool {
        self.parts().len() > 1
    }

    /// Whether filters and sorts may use this type (never sensitive text, whose stored form is ciphertext).
    pub fn is_filterable(self) -> bool {
        self != FieldType::SensitiveText
    }
}

/// One stored part of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// The sub-field's API name; empty for single-column types.
    pub name: &'static str,
    /// Appended to the field's column base with `_`; empty for single-column types.
    pub column_suffix: &'static str,
    pub kind: ColumnType,
}

impl Part {
    /// The column that stores this part of a field whose columns start with `base`.
    pub fn column(&self, base: &str) -> String {
        if self.column_suffix.is_empty() {
            base.to_owned()
        } else {
            format!("{base}_{}", self.column_suffix)
        }
    }
}

/// How a part is stored; each backend maps it to its own SQL type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Int,
    Float,
    Bool,
    /// A calendar day.
    Date,
    /// An instant, UTC.
    DateTime,
    Json,
    Uuid,
    Bytes,
    /// The words a search index finds a record by, as text (`acme ada`): never a field's part,
    /// only the `words` of PostgreSQL's index, a `tsvector` there.
    Words,
}

/// A stored value of one column.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(chrono::NaiveDate),
    DateTime(chrono::DateTime<chrono::Utc>),
    Json(serde_json::Value),
    Uuid(uuid::Uuid),
    Bytes(Vec<u8>),
}

/// An option of a select or multi-select field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelectOption {
    /// What is stored and sent (`PROPOSAL`).
    pub value: String,
    /// What people read (`Proposal`).
    pub label: String,
    pub color: String,
    pub position: i32,
}

/// What the value rules need to know about a field besides its type.
#[derive(Debug, Clone, Default)]
pub struct FieldRules {
    pub options: Vec<SelectOption>,
}

/// The stored parts of each type.
mod parts {
    use super::ColumnType::{self, *};
    use super::Part;

    const fn p(name: &'static str, column_suffix: &'static str, kind: ColumnType) -> Part {
        Part {
            name,
            column_suffix,
            kind,
        }
    }

    pub const TEXT: &[Part] = &[p("", "", Text)];
    pub const INT: &[Part] = &[p("", "", Int)];
    pub const FLOAT: &[Part] = &[p("", "", Float)];
    pub const BOOL: &[Part] = &[p("", "", Bool)];
    pub const DATE: &[Part] = &[p("", "", Date)];
    pub const DATE_TIME: &[Part] = &[p("", "", DateTime)];
    pub const JSON: &[Part] = &[p("", "", Json)];
    pub const UUID: &[Part] = &[p("", "", Uuid)];
    pub const BYTES: &[Part] = &[p("", "", Bytes)];
    pub const CURRENCY: &[Part] = &[
        p("amountMicros", "amount_micros", Int),
        p("currencyCode", "currency_code", Text),
    ];
    pub const FULL_NAME: &[Part] = &[
        p("firstName", "first_name", Text),
        p("lastName", "last_name", Text),
    ];
    pub const EMAILS: &[Part] = &[
        p("primaryEmail", "primary_email", Text),
        p("additionalEmails", "additional_emails", Json),
    ];
    pub const PHONES: &[Part] = &[
        p("primaryPhoneNumber", "primary_phone_number", Text),
        p(
            "primaryPhoneCountryCode",
            "primary_phone_country_code",
            Text,
        ),
        p(
            "primaryPhoneCallingCode",
            "primary_phone_calling_code",
            Text,
        ),
        p("additionalPhones", "additional_phones", Json),
    ];
    pub const LINKS: &[Part] = &[
        p("primaryLinkUrl", "primary_link_url", Text),
        p("primaryLinkLabel", "primary_link_label", Text),
        p("secondaryLinks", "secondary_links", Json),
    ];
    pub const ADDRESS: &[Part] = &[
        p("addressStreet1", "street1", Text),
        p("addressStreet2", "street2", Text),
        p("addressCity", "city", Text),
        p("addressState", "state", Text),
        p("addressPostcode", "postcode", Text),
        p("addressCountry", "country", Text),
        p("addressLat", "lat", Float),
        p("addressLng", "lng", Float),
    ];
}
