use super::AppError;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use kith_core::{ApiError, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// JSON body in or out. Unlike axum's own, a body that cannot be read answers in Kith's error
/// shape, saying what is wrong (syntax, a missing or mistyped field, size, content type).
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = AppError;

    /// Read with serde_json straight from the bytes. axum's own extractor tracks the path of
    /// every value it reads (`serde_path_to_error`): about a third of parsing a batch of a
    /// thousand records, for a path these messages never showed.
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(AppError(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "send the body as JSON with Content-Type: application/json",
            )));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| AppError(unread_body(rejection)))?;
        serde_json::from_slice(&bytes)
            .map(Json)
            .map_err(|error| AppError(unfit_body(&error)))
    }
}

/// `application/json`, or a type of it such as `application/merge-patch+json`.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json") || subtype.to_ascii_lowercase().ends_with("+json"))
}

fn unread_body(rejection: BytesRejection) -> ApiError {
    if rejection.status().as_u16() == 413 {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            "the request body is larger than this server accepts",
        )
    } else {
        ApiError::bad_request(rejection.body_text())
    }
}

pub(crate) fn unfit_body(error: &serde_json::Error) -> ApiError {
    match error.classify() {
        serde_json::error::Category::Data => ApiError::new(
            ErrorCode::ValidationFailed,
            format!("the body does not fit: {error}"),
        ),
        _ => ApiError::bad_request(format!("the body is not valid JSON: {error}")),
    }
}

/// serde's own message ("missing field `email` at line 1 column 20"), not axum's wrapper text.
fn source_text(err: &dyn std::error::Error) -> String {
    let mut deepest = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        deepest = inner.to_string();
        source = inner.source();
    }
    deepest
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Query string in. A query that cannot be read answers in Kith's error shape naming the problem.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(rejection) => Err(AppError(ApiError::bad_request(format!(
                "the query string does not fit: {}",
                source_text(&rejection)
            )))),
        }
    }
}
