//! Outgoing mail. Every mail is first written to the outbox table; with SMTP configured it is then
//! delivered in the background, without SMTP it stays there (and in the log) for an administrator,
//! so sign-up, invitations and password resets never wait on a mail server that is not there.

use crate::config::{Config, ConfigError};
use crate::http::AppResult;
use kith_store::{Db, MailStatus};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::Arc;
use uuid::Uuid;

#[derive(Clone)]
pub struct Mailer {
    db: Db,
    smtp: Option<Arc<AsyncSmtpTransport<Tokio1Executor>>>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(db: Db, config: &Config) -> Result<Mailer, ConfigError> {
        let smtp = match &config.smtp_url {
            Some(url) => Some(Arc::new(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| ConfigError::Invalid {
                        setting: "KITH_SMTP_URL",
                        message: format!("is not usable: {e}"),
                    })?
                    .build(),
            )),
            None => None,
        };
        let from = config.mail_from.parse().map_err(|e| ConfigError::Invalid {
            setting: "KITH_MAIL_FROM",
            message: format!("is not an address: {e}"),
        })?;
        Ok(Mailer { db, smtp, from })
    }

    /// Queues a plain-text mail. Returns once it is stored; delivery happens after.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> AppResult<()> {
        let Some(smtp) = &self.smtp else {
            self.db
                .enqueue_mail(to, subject, body, MailStatus::Local)
                .await?;
            tracing::info!(
                to,
                subject,
                body,
                "mail kept in the local outbox (no SMTP configured; see `kith admin outbox`)"
            );
            return Ok(());
        };
        let id = self
            .db
            .enqueue_mail(to, subject, body, MailStatus::Pending)
            .await?;
        let (db, smtp, message) = (
            self.db.clone(),
            Arc::clone(smtp),
            self.message(to, subject, body),
        );
        tokio::spawn(async move { deliver(db, smtp, id, message).await });
        Ok(())
    }

    fn message(&self, to: &str, subject: &str, body: &str) -> Result<Message, String> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| format!("bad recipient {to:?}: {e}"))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .body(body.to_owned())
            .map_err(|e| format!("cannot build the message: {e}"))
    }
}

async fn deliver(
    db: Db,
    smtp: Arc<AsyncSmtpTransport<Tokio1Executor>>,
    id: Uuid,
    message: Result<Message, String>,
) {
    let outcome = match message {
        Ok(message) => smtp
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    match &outcome {
        Ok(()) => tracing::info!(mail = %id, "mail delivered"),
        Err(error) => {
            tracing::error!(mail = %id, error, "mail delivery failed; it stays in the outbox")
        }
    }
    if let Err(e) = db.record_delivery(id, outcome).await {
        tracing::error!(mail = %id, error = %e, "could not record the mail's delivery");
    }
}
