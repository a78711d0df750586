//! HTTP plumbing shared by every route: errors, JSON in and out, client details, middleware.

pub mod audit;
mod client;
mod error;
pub mod idempotency;
mod json;
pub mod middleware;
pub mod rate_limit;
pub mod routes;
pub mod token_cache;

pub use client::ClientInfo;
pub use error::{AppError, AppResult};
pub(crate) use json::unfit_body;
pub use json::{Json, Query};

/// An RFC 3339 UTC timestamp from stored milliseconds.
pub fn rfc3339(millis: kith_store::Millis) -> String {
    chrono::DateTime::from_timestamp_millis(millis)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
