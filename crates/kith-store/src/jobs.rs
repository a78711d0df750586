//! Recurring background jobs. Each kind has one row holding when it is next due; an instance
//! claims a due job by moving its lock forward in one conditional update, so only one instance
//! runs it, and a crashed run is retried once its lock expires.

use crate::{Db, Millis, StoreError, now_millis};

impl Db {
    /// Makes sure a job kind is scheduled (first run at `first_run_at`); keeps an existing schedule.
    pub async fn ensure_job(&self, kind: &str, first_run_at: Millis) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        exec!(
            conn.ex(),
            "INSERT INTO jobs (kind, run_at) VALUES ($1, $2) ON CONFLICT (kind) DO NOTHING",
            kind,
            first_run_at
        )?;
        Ok(())
    }

    /// Claims `kind` if it is due and not being run elsewhere, locking it for `lock_ms`.
    pub async fn claim_job(&self, kind: &str, lock_ms: Millis) -> Result<bool, StoreError> {
        let now = now_millis();
        let mut conn = self.write().await?;
        let claimed = exec!(
            conn.ex(),
            "UPDATE jobs SET locked_until = $1, attempts = attempts + 1 \
             WHERE kind = $2 AND run_at <= $3 AND (locked_until IS NULL OR locked_until < $3)",
            now + lock_ms,
            kind,
            now
        )?;
        Ok(claimed == 1)
    }

    /// Records a run's outcome and when the job is next due.
    pub async fn finish_job(
        &self,
        kind: &str,
        next_run_at: Millis,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        exec!(
            conn.ex(),
            "UPDATE jobs SET run_at = $1, locked_until = NULL, last_run_at = $2, last_error = $3, \
             attempts = CASE WHEN $3 IS NULL THEN 0 ELSE attempts END WHERE kind = $4",
            next_run_at,
            now_millis(),
            error,
            kind
        )?;
        Ok(())
    }

    /// When a job is next due, and the error of its last run.
    pub async fn job_schedule(
        &self,
        kind: &str,
    ) -> Result<Option<(Millis, Option<String>)>, StoreError> {
        let mut conn = self.read().await?;
        Ok(fetch!(
            conn.ex(),
            (Millis, Option<String>),
            fetch_optional,
            "SELECT run_at, last_error FROM jobs WHERE kind = $1",
            kind
        )?)
    }

    /// Makes a job due now (tests, and `kith admin` later).
    pub async fn make_job_due(&self, kind: &str) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        exec!(
            conn.ex(),
            "UPDATE jobs SET run_at = $1, locked_until = NULL WHERE kind = $2",
            now_millis(),
            kind
        )?;
        Ok(())
    }

    /// Every workspace's id (jobs that visit each workspace's data).
    pub async fn workspace_ids(&self) -> Result<Vec<uuid::Uuid>, StoreError> {
        let mut conn = self.read().await?;
        Ok(scalar!(
            conn.ex(),
            uuid::Uuid,
            fetch_all,
            "SELECT id FROM workspaces ORDER BY id"
        )?)
    }
}
