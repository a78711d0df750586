//! Every mail Kith sends is first written here; with SMTP configured it is then delivered, without
//! it it stays here for `kith admin outbox` (and the log) to show.

use crate::{Db, Millis, StoreError, now_millis};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailStatus {
    /// No SMTP configured: kept in the local outbox only.
    Local,
    /// Waiting for SMTP delivery.
    Pending,
    Sent,
    Failed,
}

impl MailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Local => "local",
            MailStatus::Pending => "pending",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxMail {
    pub id: Uuid,
    pub to_addr: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: Millis,
    pub sent_at: Option<Millis>,
}

const MAIL_COLUMNS: &str =
    "id, to_addr, subject, body, status, attempts, last_error, created_at, sent_at";

impl Db {
    pub async fn enqueue_mail(
        &self,
        to: &str,
        subject: &str,
        body: &str,
        status: MailStatus,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        let mut conn = self.write().await?;
        exec!(
            conn.ex(),
            "INSERT INTO outbox (id, to_addr, subject, body, status, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            id,
            to,
            subject,
            body,
            status.as_str(),
            now_millis()
        )?;
        Ok(id)
    }

    /// Records the outcome of one delivery attempt.
    pub async fn record_delivery(
        &self,
        id: Uuid,
        outcome: Result<(), String>,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        let (status, error, sent_at) = match outcome {
            Ok(()) => (MailStatus::Sent, None, Some(now_millis())),
            Err(error) => (MailStatus::Failed, Some(error), None),
        };
        exec!(
            conn.ex(),
            "UPDATE outbox SET status = $1, last_error = $2, sent_at = $3, attempts = attempts + 1 WHERE id = $4",
            status.as_str(),
            error,
            sent_at,
            id
        )?;
        Ok(())
    }

    /// The newest mails, newest first, optionally only those to one address.
    pub async fn outbox(
        &self,
        to: Option<&str>,
        limit: i64,
    ) -> Result<Vec<OutboxMail>, StoreError> {
        let mut conn = self.read().await?;
        let sql = format!(
            "SELECT {MAIL_COLUMNS} FROM outbox WHERE ($1 IS NULL OR to_addr = $1) ORDER BY created_at DESC, id DESC LIMIT $2"
        );
        Ok(fetch!(
            conn.ex(),
            OutboxMail,
            fetch_all,
            sqlx::AssertSqlSafe(sql),
            to,
            limit
        )?)
    }

    /// Deletes mails queued before `before`, sent or not; how many.
    pub async fn purge_outbox(&self, before: crate::Millis) -> Result<u64, StoreError> {
        let mut conn = self.write().await?;
        Ok(exec!(
            conn.ex(),
            "DELETE FROM outbox WHERE created_at < $1",
            before
        )?)
    }
}
