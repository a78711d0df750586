//! The `kith` server: configuration, the HTTP application and its routes, mail, and startup.
#![forbid(unsafe_code)]

pub mod api_openapi;
pub mod app;
pub mod archive;
pub mod auth;
pub mod config;
pub mod http;
pub mod jobs;
pub mod mail;
pub mod mcp;
pub mod oauth;
pub mod records;
pub mod serve;
pub mod tls;
mod views;
mod web;
pub mod webhooks;
pub mod workspaces;

pub use app::AppState;
pub use config::{Config, Settings, SignupPolicy};
