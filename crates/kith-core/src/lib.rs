//! Kith's domain, free of I/O: the error vocabulary every surface speaks, workspace roles, and
//! validation of the values people type in.
#![forbid(unsafe_code)]

pub mod error;
pub mod role;
pub mod validate;

pub use error::{ApiError, ErrorCode, FieldError};
pub use role::Role;
