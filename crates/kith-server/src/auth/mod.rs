//! Accounts: sign-up, sign-in, sessions, profile, password reset.

mod account;
mod me;
pub mod password;
pub mod session;
pub mod throttle;
pub mod tokens;

pub use account::{effective_signup_policy, invalid_invitation};
pub use session::CurrentUser;

use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::default()
        .post("/api/v1/auth/signup", account::signup)
        .post("/api/v1/auth/login", account::login)
        .post("/api/v1/auth/logout", account::logout)
        .post("/api/v1/auth/logout-others", account::logout_others)
        .post(
            "/api/v1/auth/password-reset",
            account::request_password_reset,
        )
        .post(
            "/api/v1/auth/password-reset/confirm",
            account::confirm_password_reset,
        )
        .get("/api/v1/me", me::show)
        .patch("/api/v1/me", me::update)
        .delete("/api/v1/me", me::delete)
        .post("/api/v1/me/password", me::change_password)
        .put("/api/v1/me/avatar", me::put_avatar)
        .get("/api/v1/me/avatar", me::get_avatar)
        .delete("/api/v1/me/avatar", me::delete_avatar)
        .get("/api/v1/me/logins", me::logins)
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
