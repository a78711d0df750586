use super::AppError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use kith_core::{ApiError, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// JSON body in or out. Unlike axum's own, a body that cannot be read answers in Kith's error
/// shape, saying what is wrong (syntax, a missing or mistyped field, size, content type).
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(AppError(rejection_to_error(rejection))),
        }
    }
}

fn rejection_to_error(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the body as JSON with Content-Type: application/json",
        ),
        JsonRejection::JsonSyntaxError(e) => {
            ApiError::bad_request(format!("the body is not valid JSON: {}", source_text(&e)))
        }
        JsonRejection::JsonDataError(e) => ApiError::new(
            ErrorCode::ValidationFailed,
            format!("the body does not fit: {}", source_text(&e)),
        ),
        JsonRejection::BytesRejection(e) if e.status().as_u16() == 413 => ApiError::new(
            ErrorCode::PayloadTooLarge,
            "the request body is larger than this server accepts",
        ),
        other => ApiError::bad_request(other.body_text()),
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
