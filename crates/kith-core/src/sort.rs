//! `order_by=amount[DescNullsLast],name.lastName` of the REST API.

use crate::filter::{FieldPath, ParseError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    AscNullsFirst,
    AscNullsLast,
    DescNullsFirst,
    DescNullsLast,
}

impl Direction {
    pub const ALL: [Direction; 4] = [
        Direction::AscNullsFirst,
        Direction::AscNullsLast,
        Direction::DescNullsFirst,
        Direction::DescNullsLast,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::AscNullsFirst => "AscNullsFirst",
            Direction::AscNullsLast => "AscNullsLast",
            Direction::DescNullsFirst => "DescNullsFirst",
            Direction::DescNullsLast => "DescNullsLast",
        }
    }

    pub fn is_descending(self) -> bool {
        matches!(self, Direction::DescNullsFirst | Direction::DescNullsLast)
    }

    pub fn nulls_first(self) -> bool {
        matches!(self, Direction::AscNullsFirst | Direction::DescNullsFirst)
    }

    fn parse(name: &str) -> Option<Direction> {
        match name {
            "Asc" | "asc" => Some(Direction::AscNullsFirst),
            "Desc" | "desc" => Some(Direction::DescNullsLast),
            _ => Direction::ALL.into_iter().find(|d| d.as_str() == name),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    pub path: FieldPath,
    pub direction: Direction,
    /// Where the key starts in the text, for errors found later (unknown field…).
    pub position: usize,
}

/// At most this many sort keys; more would defeat any index.
pub const MAX_SORT_KEYS: usize = 8;

/// Parses `field[Direction]` keys separated by commas; a key without a direction is ascending
/// with nulls first.
pub fn parse(text: &str) -> Result<Vec<SortKey>, ParseError> {
    let mut keys = Vec::new();
    let mut offset = 0;
    for part in text.split(',') {
        let position = offset + (part.len() - part.trim_start().len());
        offset += part.len() + 1;
        keys.push(parse_key(part.trim(), position)?);
        if keys.len() > MAX_SORT_KEYS {
            return Err(ParseError {
                position,
                message: format!("at most {MAX_SORT_KEYS} sort keys"),
            });
        }
    }
    Ok(keys)
}

fn parse_key(key: &str, position: usize) -> Result<SortKey, ParseError> {
    let error = |at: usize, message: String| ParseError {
        position: position + at,
        message,
    };
    let (path_text, direction) = match key.split_once('[') {
        Some((path, rest)) => {
            let name = rest
                .strip_suffix(']')
                .ok_or_else(|| error(key.len(), "expected ']' to close the direction".into()))?;
            let direction = Direction::parse(name).ok_or_else(|| {
                error(
                    path.len() + 1,
                    format!(
                        "unknown direction {name:?}; use {}",
                        Direction::ALL.map(Direction::as_str).join(", ")
                    ),
                )
            })?;
            (path, direction)
        }
        None => (key, Direction::AscNullsFirst),
    };
    let valid = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let path = match path_text.split_once('.') {
        Some((field, sub)) if valid(field) && valid(sub) => FieldPath {
            field: field.to_owned(),
            sub_field: Some(sub.to_owned()),
        },
        None if valid(path_text) => FieldPath {
            field: path_text.to_owned(),
            sub_field: None,
        },
        _ => {
            return Err(error(
                0,
                format!("expected a field name, found {path_text:?}"),
            ));
        }
    };
    Ok(SortKey {
        path,
        direction,
        position,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_with_and_without_directions() {
        let keys = parse("amount[DescNullsLast], name.lastName,createdAt[Asc]").expect("valid");
        let summary: Vec<(String, Direction, usize)> = keys
            .iter()
            .map(|k| (k.path.to_string(), k.direction, k.position))
            .collect();
        assert_eq!(
            summary,
            [
                ("amount".to_owned(), Direction::DescNullsLast, 0),
                ("name.lastName".to_owned(), Direction::AscNullsFirst, 23),
                ("createdAt".to_owned(), Direction::AscNullsFirst, 37),
            ]
        );
    }

    #[test]
    fn errors_point_at_the_key() {
        for (text, position, message) in [
            ("name[Up]", 5, "unknown direction"),
            ("name,amount[Desc", 16, "expected ']'"),
            ("name,,x", 5, "expected a field name"),
            ("na me", 0, "expected a field name"),
        ] {
            let err = parse(text).expect_err(text);
            assert_eq!(
                (err.position, err.message.contains(message)),
                (position, true),
                "{text}: {err}"
            );
        }
        assert!(parse(&["a"; 9].join(",")).is_err());
    }
}
