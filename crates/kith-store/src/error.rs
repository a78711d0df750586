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
    /// The workspace requires two-factor sign-in and the member has none.
    #[error("the workspace requires two-factor sign-in")]
    TwoFactorRequired,
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
    /// Whether a write was refused because a foreign key forbids it: a row still points at what
    /// it deletes. SQLite reports an `ON DELETE RESTRICT` through its constraint-trigger code
    /// (1811), not the foreign-key one that sqlx recognises, with the same message.
    pub fn is_foreign_key_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => {
                db.is_foreign_key_violation()
                    || (db.code().as_deref() == Some("1811")
                        && db.message().contains("FOREIGN KEY constraint failed"))
            }
            _ => false,
        }
    }

    /// Whether the database could not be reached, or went away mid-request (as opposed to
    /// refusing the query): worth a retry once it is back.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Database(
                sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed
                | sqlx::Error::Io(_)
                | sqlx::Error::Tls(_),
            ) => true,
            StoreError::Database(sqlx::Error::Database(db)) => {
                if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                    db.code().is_some_and(|code| is_busy_sqlite(&code))
                } else {
                    db.code().is_some_and(|code| is_outage_sqlstate(&code))
                }
            }
            _ => false,
        }
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

/// SQLSTATEs of a server that is going away or not taking connections: class 08 (connection
/// exception), class 57 (operator intervention: `terminating connection due to administrator
/// command`, crash shutdown, cannot connect now) and 53300 (too many connections).
fn is_outage_sqlstate(code: &str) -> bool {
    code.starts_with("08") || code.starts_with("57P") || code == "53300"
}

/// SQLite's `SQLITE_BUSY` and `SQLITE_LOCKED` (the primary code in the low byte of the extended
/// one): the file stayed locked by another connection past the busy timeout.
fn is_busy_sqlite(code: &str) -> bool {
    code.parse::<i32>()
        .is_ok_and(|code| matches!(code & 0xff, 5 | 6))
}

#[cfg(test)]
mod tests {
    use super::{is_busy_sqlite, is_outage_sqlstate};

    #[test]
    fn a_locked_sqlite_file_is_an_outage_and_a_constraint_is_not() {
        // SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_TIMEOUT, SQLITE_LOCKED
        for busy in ["5", "517", "773", "6"] {
            assert!(is_busy_sqlite(busy), "{busy}");
        }
        // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_ERROR, SQLITE_FULL
        for refusal in ["2067", "1555", "1", "13"] {
            assert!(!is_busy_sqlite(refusal), "{refusal}");
        }
    }

    #[test]
    fn a_server_going_away_is_an_outage_and_a_refused_query_is_not() {
        for outage in ["57P01", "57P02", "57P03", "08006", "08001", "53300"] {
            assert!(is_outage_sqlstate(outage), "{outage}");
        }
        // unique violation, syntax error, query cancelled by timeout, serialization failure
        for refusal in ["23505", "42601", "57014", "40001"] {
            assert!(!is_outage_sqlstate(refusal), "{refusal}");
        }
    }
}
