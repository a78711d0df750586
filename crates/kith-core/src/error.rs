//! One error vocabulary for every transport. A surface (HTTP, MCP, CLI) maps an [`ErrorCode`]
//! to its own status; the code and message stay the same everywhere.

use serde::Serialize;

/// What went wrong, independent of transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request could not be read (malformed JSON, wrong content type, bad query string).
    BadRequest,
    /// The request was read but a value is wrong; `details` names the fields.
    ValidationFailed,
    /// No valid session or token.
    Unauthenticated,
    /// The password was right, and the account also needs its two-factor code to sign in.
    TwoFactorRequired,
    /// Signed in, but the role or scope does not allow this.
    Forbidden,
    /// No such thing, or not visible to the caller (other workspaces' data is always this).
    NotFound,
    /// HTTP method not supported on this path.
    MethodNotAllowed,
    /// The request conflicts with what is stored (duplicate email, last owner leaving).
    Conflict,
    /// A reset or invitation token that is unknown, expired or already used.
    InvalidToken,
    /// The request body is larger than the server accepts.
    PayloadTooLarge,
    /// The request body has a media type this route does not accept.
    UnsupportedMediaType,
    /// Too many attempts; `retry_after` says when to come back.
    RateLimited,
    /// The request took longer than the server allows.
    Timeout,
    /// The database or another dependency cannot be reached.
    Unavailable,
    /// A bug or an unexpected failure; the message never leaks internals.
    Internal,
}

impl ErrorCode {
    /// The HTTP status this code is answered with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest | ErrorCode::ValidationFailed => 400,
            ErrorCode::Unauthenticated | ErrorCode::TwoFactorRequired => 401,
            ErrorCode::Forbidden => 403,
            // A well-formed token that names no open invitation or reset: the thing it names is
            // not there (any more), which no description of the request's form can foresee.
            ErrorCode::NotFound | ErrorCode::InvalidToken => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Timeout => 408,
            ErrorCode::Conflict => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
        }
    }

    /// The code for an HTTP status produced outside Kith's handlers (by a middleware layer).
    pub fn from_http_status(status: u16) -> ErrorCode {
        match status {
            401 => ErrorCode::Unauthenticated,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            405 => ErrorCode::MethodNotAllowed,
            408 => ErrorCode::Timeout,
            409 => ErrorCode::Conflict,
            413 => ErrorCode::PayloadTooLarge,
            415 => ErrorCode::UnsupportedMediaType,
            429 => ErrorCode::RateLimited,
            503 => ErrorCode::Unavailable,
            400..=499 => ErrorCode::BadRequest,
            _ => ErrorCode::Internal,
        }
    }

    /// Whether this error is the server's fault and worth an error-level log line.
    pub fn is_server_fault(self) -> bool {
        matches!(self, ErrorCode::Internal | ErrorCode::Unavailable)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::TwoFactorRequired => "two_factor_required",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Conflict => "conflict",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

/// One wrong field in a request: `{"field":"email","message":"is not an email address"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// An error as every surface reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub details: Vec<FieldError>,
    /// Seconds until the caller may try again (rate limits, and every outage).
    pub retry_after: Option<u64>,
}

/// When a caller told the server is unavailable should try again, in seconds.
pub const UNAVAILABLE_RETRY_SECS: u64 = 5;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            details: Vec::new(),
            // An outage always says when to come back, so clients back off instead of hammering.
            retry_after: (code == ErrorCode::Unavailable).then_some(UNAVAILABLE_RETRY_SECS),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "sign in first")
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorCode::Internal,
            "something went wrong on the server; it has been logged",
        )
    }

    /// A validation failure listing every wrong field.
    pub fn invalid_fields(details: Vec<FieldError>) -> Self {
        Self::refused_fields(ErrorCode::ValidationFailed, details)
    }

    /// A refusal of these fields with `code`: `validation_failed` when a value has the wrong
    /// form, `not_found` when it names something that does not exist, `conflict` when it is at
    /// odds with what is stored or with the present.
    pub fn refused_fields(code: ErrorCode, details: Vec<FieldError>) -> Self {
        let message = match details.as_slice() {
            [one] => format!("{} {}", one.field, one.message),
            _ if code == ErrorCode::ValidationFailed => {
                format!("{} fields are invalid", details.len())
            }
            _ => format!("{} fields are refused", details.len()),
        };
        ApiError {
            code,
            message,
            details,
            retry_after: None,
        }
    }

    /// A validation failure on a single field.
    /// Values that are well formed but conflict with what is stored, such as a relation to no
    /// record: a 409, as the same request can succeed once what is stored changes. `details`
    /// names the fields.
    pub fn conflicting_fields(details: Vec<FieldError>) -> Self {
        Self::refused_fields(ErrorCode::Conflict, details)
    }

    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::refused_field(ErrorCode::ValidationFailed, field, message)
    }

    /// A refusal of a single field with `code` (see [`ApiError::refused_fields`]).
    pub fn refused_field(code: ErrorCode, field: &str, message: impl Into<String>) -> Self {
        Self::refused_fields(
            code,
            vec![FieldError {
                field: field.to_owned(),
                message: message.into(),
            }],
        )
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after_secs.max(1)),
            ..Self::new(
                ErrorCode::RateLimited,
                format!(
                    "too many attempts; try again in {} seconds",
                    retry_after_secs.max(1)
                ),
            )
        }
    }

    /// The JSON body: `{"error":{"code","message","details"}}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "error": {
                "code": self.code.as_str(),
                "message": self.message,
                "details": self.details,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_http_status() {
        use ErrorCode::*;
        for code in [
            Unauthenticated,
            Forbidden,
            NotFound,
            MethodNotAllowed,
            Conflict,
            PayloadTooLarge,
            UnsupportedMediaType,
            RateLimited,
            Timeout,
            Unavailable,
            Internal,
        ] {
            assert_eq!(
                ErrorCode::from_http_status(code.http_status()),
                code,
                "{code:?}"
            );
        }
    }

    #[test]
    fn single_field_message_names_the_field() {
        let err = ApiError::invalid_field("email", "is not an email address");
        assert_eq!(err.message, "email is not an email address");
        assert_eq!(err.to_json()["error"]["details"][0]["field"], "email");
        assert_eq!(err.to_json()["error"]["code"], "validation_failed");
    }
}
