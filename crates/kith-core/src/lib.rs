//! Kith's domain, free of I/O: the error vocabulary every surface speaks, workspace roles,
//! validation of the values people type in, and the filter and sort grammar of the API.
#![forbid(unsafe_code)]

pub mod access;
pub mod error;
pub mod fields;
pub mod filter;
pub mod metadata;
pub mod role;
pub mod scope;
pub mod sort;
pub mod standard;
pub mod validate;

pub use error::{ApiError, ErrorCode, FieldError};
pub use role::Role;
