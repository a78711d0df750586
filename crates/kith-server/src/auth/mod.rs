//! Accounts: sign-up, sign-in, sessions, profile, password reset.

mod account;
mod export;
mod me;
pub mod password;
pub mod session;
pub mod throttle;
pub mod tokens;
pub mod two_factor;

pub use account::{effective_signup_policy, invalid_invitation, sign_in};
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
        .get("/api/v1/me/export", export::export)
        .get("/api/v1/me/two-factor", two_factor::status)
        .post("/api/v1/me/two-factor/setup", two_factor::setup)
        .post("/api/v1/me/two-factor/enable", two_factor::enable)
        .post(
            "/api/v1/me/two-factor/recovery-codes",
            two_factor::new_codes,
        )
        .post("/api/v1/me/two-factor/disable", two_factor::disable)
}

/// Collects field errors so that one answer names every wrong field, not just the first.
///
/// The answer's status says what kind of wrong: a value of the wrong form (what the OpenAPI
/// document describes) makes it a 400 naming every wrong field; a body of the right form is
/// refused only for what no description of a form can foresee: 404 when a value names something
/// that does not exist (an object, a field, a custom role), 409 when it is at odds with the
/// present (an expiry already past), and 403 before those when the caller may not ask for it (a
/// role above their own).
#[derive(Default)]
pub(crate) struct FieldCheck {
    wrong: Vec<kith_core::FieldError>,
    forbidden: Vec<kith_core::FieldError>,
    unknown: Vec<kith_core::FieldError>,
    conflicting: Vec<kith_core::FieldError>,
}

fn field_error(field: &str, message: String) -> kith_core::FieldError {
    kith_core::FieldError {
        field: field.to_owned(),
        message,
    }
}

impl FieldCheck {
    /// The checked value, or `None` after noting the error under `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.wrong(field, message);
                None
            }
        }
    }

    /// A value of the wrong form.
    pub fn wrong(&mut self, field: &str, message: String) {
        self.wrong.push(field_error(field, message));
    }

    /// A value the caller may not ask for.
    pub fn forbidden(&mut self, field: &str, message: String) {
        self.forbidden.push(field_error(field, message));
    }

    /// A value naming something that does not exist.
    pub fn unknown(&mut self, field: &str, message: String) {
        self.unknown.push(field_error(field, message));
    }

    /// A value at odds with the present.
    pub fn conflicting(&mut self, field: &str, message: String) {
        self.conflicting.push(field_error(field, message));
    }

    /// Takes in the field errors of another check's refusal, by its code.
    pub fn absorb(&mut self, refused: kith_core::ApiError) {
        let into = match refused.code {
            kith_core::ErrorCode::Forbidden => &mut self.forbidden,
            kith_core::ErrorCode::NotFound => &mut self.unknown,
            kith_core::ErrorCode::Conflict => &mut self.conflicting,
            _ => &mut self.wrong,
        };
        into.extend(refused.details);
    }

    pub fn finish(self) -> Result<(), kith_core::ApiError> {
        use kith_core::ErrorCode;
        let code = if !self.wrong.is_empty() {
            ErrorCode::ValidationFailed
        } else if !self.forbidden.is_empty() {
            ErrorCode::Forbidden
        } else if !self.unknown.is_empty() {
            ErrorCode::NotFound
        } else if !self.conflicting.is_empty() {
            ErrorCode::Conflict
        } else {
            return Ok(());
        };
        let mut details = self.wrong;
        details.extend(self.forbidden);
        details.extend(self.unknown);
        details.extend(self.conflicting);
        Err(kith_core::ApiError::refused_fields(code, details))
    }
}
