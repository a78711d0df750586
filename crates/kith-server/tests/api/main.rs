//! Kith through its HTTP surface, as a client sees it, on SQLite and on PostgreSQL.

mod access;
mod accounts;
mod archive;
mod cli;
mod data_subjects;
mod favorites;
mod http;
mod isolation;
mod key_rotation;
mod live;
mod mail;
mod matrix;
mod mcp;
mod metadata;
mod oauth;
mod openapi;
mod privacy;
mod records;
mod resilience;
mod tls;
mod tokens;
mod two_factor;
mod views;
mod web;
mod webhooks;
mod workspaces;
