use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("KITH_DATABASE_URL {0}")]
    BadUrl(String),
    /// A unique value (named) is already taken.
    #[error("{0} is already taken")]
    Duplicate(&'static str),
    /// The change would leave a workspace without an owner.
    #[error("a workspace must keep at least one owner")]
    LastOwner,
    /// An account to delete is the only owner of these workspaces (named).
    #[error("the only owner of {}", .0.join(", "))]
    OnlyOwner(Vec<String>),
    #[error("cannot use {0}: {1}")]
    Io(std::path::PathBuf, std::io::Error),
    #[error("a lock was poisoned by a panic")]
    Poisoned,
    /// The request cannot be carried out as asked (a wrong value, an unknown field, a record that
    /// is not there); the error says what, in the words every surface reports.
    #[error("{0}")]
    Rejected(kith_core::ApiError),
    #[error("{0}")]
    Crypto(String),
    /// A value read back from the database is not one Kith writes.
    #[error("corrupt value in column {column}: {value:?}")]
    Corrupt { column: &'static str, value: String },
    /// A statement bound for one database ran on the other: a bug, never a user's doing.
    #[error("a statement bound for one database ran on the other")]
    BackendMismatch,
}

impl StoreError {
    /// Whether the database could not be reached in time (as opposed to refusing the query).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Database(sqlx::Error::PoolTimedOut | sqlx::Error::Io(_))
        )
    }

    /// Whether the database refused a write because a unique constraint holds the value.
    pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
        matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
    }

    /// Maps a unique violation to [`StoreError::Duplicate`] naming `what`; other errors pass through.
    pub(crate) fn duplicate_as(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |err| {
            if Self::is_unique_violation(&err) {
                StoreError::Duplicate(what)
            } else {
                StoreError::Database(err)
            }
        }
    }
}
