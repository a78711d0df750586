//! Kith's storage on SQLite (the default, embedded) and PostgreSQL (set a URL).
//!
//! Queries are written once, with `$1`-style placeholders that both backends accept, and run
//! through the macros in [`db`] on whichever backend is configured. Workspace-scoped data is
//! reached only through a [`Tenant`], which only a membership check can produce.
#![forbid(unsafe_code)]

#[macro_use]
mod db;
mod cipher;
pub mod data;
mod erasures;
mod error;
mod idempotency;
mod jobs;
mod oauth;
mod outbox;
mod roles;
mod rotation;
mod sessions;
mod tokens;
mod two_factor;
mod users;
mod webhooks;
mod workspaces;

pub use cipher::{Cipher, KeyRing, parse_key};
pub use data::{
    Aggregate, AggregateRequest, DataStore, EXPORT_PAGE, ExportColumn, ExportFile, ExportFormat,
    ExportPage, ExportRead, ExportRows, ExportValue, Favorite, FavoriteTarget, FieldChange,
    ListQuery, MAX_FAVORITES, NewField, NewObject, ObjectChange, Page, SavedView, ShownFavorite,
    ViewColumn, ViewKind, ViewSpec,
};
pub use db::{Backend, Db, DbOptions, Tx, redact_url};
pub use erasures::Erasure;
pub use error::StoreError;
pub use idempotency::Claim;
pub use oauth::{CodeGrant, ConnectedApp, NewCode, NewTokens, OAuthClient, Redemption, Rotation};
pub use outbox::{MailStatus, OutboxMail};
pub use roles::CustomRole;
pub use rotation::{Place, Resealed};
pub use sessions::{LoginEvent, NewSession, SessionUser};
pub use tokens::{ApiToken, NewToken};
pub use two_factor::TotpSecret;
pub use users::{NewUser, ProfileChange, Theme, User};
pub use webhooks::{
    AfterAttempt, Attempt, AttemptOutcome, ClaimedDelivery, Delivery, NewDelivery, RetryPolicy,
    Webhook, WebhookChange, event_floor,
};
pub use workspaces::{
    DeletedWorkspace, Invitation, JobRunner, Member, PendingInvitation, Tenant, Workspace,
    WorkspaceStore, WorkspaceSummary,
};

/// Milliseconds since the Unix epoch, the unit of every stored time.
pub type Millis = i64;

/// The current time in [`Millis`].
pub fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
