use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kith_core::{ApiError, ErrorCode};
use kith_store::StoreError;

/// The error every handler returns; answers with the one error shape of the API.
#[derive(Debug)]
pub struct AppError(pub ApiError);

pub type AppResult<T> = Result<T, AppError>;

impl From<ApiError> for AppError {
    fn from(err: ApiError) -> Self {
        AppError(err)
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        AppError(match err {
            StoreError::Duplicate("email") => {
                ApiError::conflict("an account with this email already exists")
            }
            StoreError::Duplicate("membership") => {
                ApiError::conflict("already a member of this workspace")
            }
            StoreError::Duplicate(what) => ApiError::conflict(format!("{what} is already taken")),
            StoreError::Rejected(api) => api,
            StoreError::Crypto(message) => {
                tracing::error!(error = %message, "sensitive value");
                ApiError::new(ErrorCode::Internal, message)
            }
            StoreError::OnlyOwner(names) => ApiError::conflict(format!(
                "this account is the only owner of {}: make someone else owner of each, or delete them, first",
                names
                    .iter()
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            StoreError::TwoFactorRequired => ApiError::refused_field(
                ErrorCode::Forbidden,
                "twoFactor",
                "this workspace requires two-factor sign-in: turn it on for your account in Settings → Security, then come back",
            ),
            StoreError::LastOwner => ApiError::conflict(
                "a workspace must keep at least one owner: make someone else owner first (transfer ownership)",
            ),
            unavailable if unavailable.is_unavailable() => {
                tracing::error!(error = %unavailable, "database unavailable");
                ApiError::new(
                    ErrorCode::Unavailable,
                    "the database is not answering; try again shortly",
                )
            }
            other => {
                tracing::error!(error = %other, "store error");
                ApiError::internal()
            }
        })
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let err = self.0;
        if err.code.is_server_fault() {
            tracing::error!(code = err.code.as_str(), message = %err.message, "request failed");
        }
        let status = StatusCode::from_u16(err.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(err.to_json())).into_response();
        if let Some(seconds) = err.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
