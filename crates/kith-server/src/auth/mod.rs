//! Accounts: sign-up, sign-in, sessions, profile, password reset.

mod account;
mod me;
pub mod password;
pub mod session;
pub mod throttle;
pub mod tokens;

pub use account::{effective_signup_policy, invalid_invitation};
pub use session::CurrentUser;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post, put};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/signup", post(account::signup))
        .route("/api/v1/auth/login", post(account::login))
        .route("/api/v1/auth/logout", post(account::logout))
        .route("/api/v1/auth/logout-others", post(account::logout_others))
        .route(
            "/api/v1/auth/password-reset",
            post(account::request_password_reset),
        )
        .route(
            "/api/v1/auth/password-reset/confirm",
            post(account::confirm_password_reset),
        )
        .route(
            "/api/v1/me",
            get(me::show).patch(me::update).delete(me::delete),
        )
        .route("/api/v1/me/password", post(me::change_password))
        .route(
            "/api/v1/me/avatar",
            put(me::put_avatar)
                .get(me::get_avatar)
                .delete(me::delete_avatar),
        )
        .route("/api/v1/me/logins", get(me::logins))
}

/// Collects field errors so that one answer names every wrong field, not just the first.
#[derive(Default)]
pub(crate) struct FieldCheck(Vec<kith_core::FieldError>);

impl FieldCheck {
    /// The checked value, or `None` after noting the error under `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.0.push(kith_core::FieldError {
                    field: field.to_owned(),
                    message,
                });
                None
            }
        }
    }

    pub fn finish(self) -> Result<(), kith_core::ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(kith_core::ApiError::invalid_fields(self.0))
        }
    }
}
