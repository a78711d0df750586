//! What an API token may do.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "records:read")]
    RecordsRead,
    #[serde(rename = "records:write")]
    RecordsWrite,
    #[serde(rename = "metadata:write")]
    MetadataWrite,
}

impl Scope {
    pub const ALL: [Scope; 3] = [
        Scope::RecordsRead,
        Scope::RecordsWrite,
        Scope::MetadataWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::RecordsRead => "records:read",
            Scope::RecordsWrite => "records:write",
            Scope::MetadataWrite => "metadata:write",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::Scope;

    #[test]
    fn scopes_parse_from_their_names() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
            assert_eq!(
                serde_json::to_value(scope).ok(),
                Some(serde_json::json!(scope.as_str()))
            );
        }
        assert_eq!(Scope::parse("records:delete"), None);
    }
}
