//! Webhooks (control plane): each is a workspace admin's URL and the event patterns it wants,
//! with a signing secret sealed by the [`crate::Cipher`]. Its deliveries are rows owed to it, one
//! per event (`UNIQUE (webhook_id, event_id)`), so however many instances turn the same event
//! into a delivery, it is stored once; instances then claim due deliveries (`FOR UPDATE SKIP
//! LOCKED` on PostgreSQL, the single writer on SQLite) so each is sent by one of them.

use crate::workspaces::WorkspaceStore;
use crate::{Backend, Db, Millis, StoreError, now_millis};
use uuid::Uuid;

/// A webhook as stored, without its secret.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub created_by: Uuid,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub disabled_at: Option<Millis>,
    pub disabled_reason: Option<String>,
    /// Deliveries in a row that failed every attempt.
    pub failures: i64,
    /// Every event up to this id has been turned into deliveries (or did not match).
    pub event_cursor: Uuid,
}

#[derive(sqlx::FromRow)]
struct WebhookRow {
    id: Uuid,
    workspace_id: Uuid,
    url: String,
    events: String,
    created_by: Uuid,
    created_at: Millis,
    updated_at: Millis,
    disabled_at: Option<Millis>,
    disabled_reason: Option<String>,
    failures: i64,
    event_cursor: Uuid,
}

const WEBHOOK_COLUMNS: &str = "id, workspace_id, url, events, created_by, created_at, updated_at, \
     disabled_at, disabled_reason, failures, event_cursor";

impl TryFrom<WebhookRow> for Webhook {
    type Error = StoreError;
    fn try_from(row: WebhookRow) -> Result<Webhook, StoreError> {
        let events = serde_json::from_str(&row.events).map_err(|_| StoreError::Corrupt {
            column: "webhooks.events",
            value: row.events.clone(),
        })?;
        Ok(Webhook {
            id: row.id,
            workspace_id: row.workspace_id,
            url: row.url,
            events,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
            disabled_at: row.disabled_at,
            disabled_reason: row.disabled_reason,
            failures: row.failures,
            event_cursor: row.event_cursor,
        })
    }
}

/// What may change of a webhook; `None` keeps the current value.
#[derive(Debug, Default)]
pub struct WebhookChange<'a> {
    pub url: Option<&'a str>,
    pub events: Option<&'a [String]>,
    /// `Some(true)` enables it again (and forgets its failures), `Some(false)` disables it.
    pub enabled: Option<bool>,
}

/// A delivery owed to a webhook: one event (or a test), its payload, and where it stands.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Delivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    pub event: String,
    pub payload: String,
    /// `pending`, `delivered` or `failed` (every attempt failed).
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Millis,
    pub created_at: Millis,
}

const DELIVERY_COLUMNS: &str =
    "id, webhook_id, event_id, event, payload, status, attempts, next_attempt_at, created_at";

/// One attempt at a delivery, for the delivery log.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attempt {
    pub delivery_id: Uuid,
    pub attempt: i64,
    pub at: Millis,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// A delivery an instance has claimed to send now, with what sending needs.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub delivery: Delivery,
    pub workspace_id: Uuid,
    pub created_by: Uuid,
    pub url: String,
    pub secret: String,
}

/// How an attempt went, as the sender saw it.
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    pub status_code: Option<u16>,
    /// Set when the attempt failed (a refused connection, a time-out, a non-2xx answer).
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// What recording an attempt did to the delivery and its webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterAttempt {
    Delivered,
    /// Failed; tried again at this time.
    Retry(Millis),
    /// Failed for the last time; the webhook stays enabled.
    Failed,
    /// Failed for the last time, and that disabled the webhook.
    Disabled,
}

/// How a webhook's deliveries are retried and when it gives up.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy<'a> {
    /// The wait before each retry: the first after attempt 1, and so on. A delivery gets
    /// `schedule.len() + 1` attempts.
    pub schedule: &'a [Millis],
    /// A webhook is disabled when this many deliveries in a row failed every attempt.
    pub disable_after: i64,
}

/// The secret's associated data: the workspace and the webhook, so a sealed secret copied to
/// another row does not open.
fn seal(
    db: &Db,
    workspace_id: Uuid,
    webhook_id: Uuid,
    secret: &str,
) -> Result<Vec<u8>, StoreError> {
    db.cipher.encrypt(workspace_id, webhook_id, secret)
}

impl WorkspaceStore<'_> {
    /// Creates a webhook whose events start now; the secret is stored sealed.
    pub async fn create_webhook(
        &self,
        url: &str,
        events: &[String],
        secret: &str,
    ) -> Result<Webhook, StoreError> {
        let now = now_millis();
        let webhook = Webhook {
            id: Uuid::now_v7(),
            workspace_id: self.tenant().workspace_id(),
            url: url.to_owned(),
            events: events.to_vec(),
            created_by: self.tenant().user_id(),
            created_at: now,
            updated_at: now,
            disabled_at: None,
            disabled_reason: None,
            failures: 0,
            event_cursor: event_floor(now),
        };
        let sealed = seal(self.db(), webhook.workspace_id, webhook.id, secret)?;
        let mut conn = self.db().write().await?;
        exec!(
            conn.ex(),
            "INSERT INTO webhooks (id, workspace_id, url, events, secret, created_by, created_at, updated_at, event_cursor) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
            webhook.id,
            webhook.workspace_id,
            url,
            events_text(events)?,
            sealed,
            webhook.created_by,
            now,
            webhook.event_cursor
        )?;
        Ok(webhook)
    }

    /// The workspace's webhooks, oldest first.
    pub async fn webhooks(&self) -> Result<Vec<Webhook>, StoreError> {
        self.db().webhooks_of(self.tenant().workspace_id()).await
    }

    /// One of the workspace's webhooks.
    pub async fn webhook(&self, id: Uuid) -> Result<Option<Webhook>, StoreError> {
        self.db().webhook_in(self.tenant().workspace_id(), id).await
    }

    /// Changes a webhook; `None` when the workspace has no such webhook.
    pub async fn update_webhook(
        &self,
        id: Uuid,
        change: &WebhookChange<'_>,
    ) -> Result<Option<Webhook>, StoreError> {
        let Some(current) = self.webhook(id).await? else {
            return Ok(None);
        };
        let url = change.url.unwrap_or(&current.url);
        let events = events_text(change.events.unwrap_or(&current.events))?;
        let now = now_millis();
        let mut conn = self.db().write().await?;
        exec!(
            conn.ex(),
            "UPDATE webhooks SET url = $1, events = $2, updated_at = $3 WHERE id = $4 AND workspace_id = $5",
            url,
            events,
            now,
            id,
            self.tenant().workspace_id()
        )?;
        match change.enabled {
            Some(true) => {
                exec!(
                    conn.ex(),
                    "UPDATE webhooks SET disabled_at = NULL, disabled_reason = NULL, failures = 0 WHERE id = $1",
                    id
                )?;
            }
            Some(false) if current.disabled_at.is_none() => {
                exec!(
                    conn.ex(),
                    "UPDATE webhooks SET disabled_at = $1, disabled_reason = $2 WHERE id = $3",
                    now,
                    "disabled by an admin",
                    id
                )?;
            }
            _ => {}
        }
        drop(conn);
        self.webhook(id).await
    }

    /// Deletes a webhook and its delivery log; false when there is no such webhook.
    pub async fn delete_webhook(&self, id: Uuid) -> Result<bool, StoreError> {
        let mut conn = self.db().write().await?;
        let deleted = exec!(
            conn.ex(),
            "DELETE FROM webhooks WHERE id = $1 AND workspace_id = $2",
            id,
            self.tenant().workspace_id()
        )?;
        Ok(deleted > 0)
    }

    /// A webhook's newest deliveries with their attempts (oldest attempt first).
    /// The newest `limit` deliveries of a webhook, each with its attempts. One statement, so
    /// that a delivery and its attempts come from one snapshot even while an attempt is being
    /// recorded (two statements could show the new attempt beside the old schedule).
    pub async fn webhook_deliveries(
        &self,
        webhook_id: Uuid,
        limit: i64,
    ) -> Result<Vec<(Delivery, Vec<Attempt>)>, StoreError> {
        let mut conn = self.db().read().await?;
        let columns = DELIVERY_COLUMNS
            .split(", ")
            .map(|column| format!("d.{column}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {columns}, a.attempt AS attempt_number, a.at AS attempt_at, \
             a.status_code AS attempt_status_code, a.error AS attempt_error, \
             a.duration_ms AS attempt_duration_ms \
             FROM (SELECT * FROM webhook_deliveries WHERE webhook_id = $1 \
                   ORDER BY created_at DESC, id DESC LIMIT $2) d \
             LEFT JOIN webhook_attempts a ON a.delivery_id = d.id \
             ORDER BY d.created_at DESC, d.id DESC, a.attempt"
        );
        let rows = fetch!(
            conn.ex(),
            DeliveryAttemptRow,
            fetch_all,
            sqlx::AssertSqlSafe(sql),
            webhook_id,
            limit
        )?;
        let mut log: Vec<(Delivery, Vec<Attempt>)> = Vec::new();
        for row in rows {
            let attempt = row.attempt();
            match log.last_mut() {
                Some((delivery, attempts)) if delivery.id == row.delivery.id => {
                    attempts.extend(attempt);
                }
                _ => log.push((row.delivery, attempt.into_iter().collect())),
            }
        }
        Ok(log)
    }
}

/// A delivery beside one of its attempts (none when it has had none yet).
#[derive(sqlx::FromRow)]
struct DeliveryAttemptRow {
    #[sqlx(flatten)]
    delivery: Delivery,
    attempt_number: Option<i64>,
    attempt_at: Option<Millis>,
    attempt_status_code: Option<i64>,
    attempt_error: Option<String>,
    attempt_duration_ms: Option<i64>,
}

impl DeliveryAttemptRow {
    fn attempt(&self) -> Option<Attempt> {
        Some(Attempt {
            delivery_id: self.delivery.id,
            attempt: self.attempt_number?,
            at: self.attempt_at?,
            status_code: self.attempt_status_code,
            error: self.attempt_error.clone(),
            duration_ms: self.attempt_duration_ms.unwrap_or(0),
        })
    }
}

fn events_text(events: &[String]) -> Result<String, StoreError> {
    serde_json::to_string(events).map_err(|e| StoreError::Corrupt {
        column: "webhooks.events",
        value: e.to_string(),
    })
}

/// The smallest UUIDv7 of a millisecond: every event id made at or after `millis` sorts above
/// it (UUIDv7s sort by their time, as bytes, on both databases).
pub fn event_floor(millis: Millis) -> Uuid {
    uuid::Builder::from_unix_timestamp_millis(u64::try_from(millis).unwrap_or(0), &[0; 10])
        .into_uuid()
}

/// A delivery to store: the event it carries and its payload.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub event_id: Uuid,
    pub event: String,
    pub payload: String,
}

impl Db {
    async fn webhook_in(
        &self,
        workspace_id: Uuid,
        id: Uuid,
    ) -> Result<Option<Webhook>, StoreError> {
        let mut conn = self.read().await?;
        let sql =
            format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1 AND workspace_id = $2");
        let row = fetch!(
            conn.ex(),
            WebhookRow,
            fetch_optional,
            sqlx::AssertSqlSafe(sql),
            id,
            workspace_id
        )?;
        row.map(Webhook::try_from).transpose()
    }

    /// A workspace's webhooks, oldest first.
    pub async fn webhooks_of(&self, workspace_id: Uuid) -> Result<Vec<Webhook>, StoreError> {
        let mut conn = self.read().await?;
        let sql =
            format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE workspace_id = $1 ORDER BY id");
        let rows = fetch!(
            conn.ex(),
            WebhookRow,
            fetch_all,
            sqlx::AssertSqlSafe(sql),
            workspace_id
        )?;
        rows.into_iter().map(Webhook::try_from).collect()
    }

    /// The enabled webhooks of a workspace (the dispatcher's work).
    pub async fn enabled_webhooks(&self, workspace_id: Uuid) -> Result<Vec<Webhook>, StoreError> {
        let mut conn = self.read().await?;
        let sql = format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE workspace_id = $1 AND disabled_at IS NULL ORDER BY id"
        );
        let rows = fetch!(
            conn.ex(),
            WebhookRow,
            fetch_all,
            sqlx::AssertSqlSafe(sql),
            workspace_id
        )?;
        rows.into_iter().map(Webhook::try_from).collect()
    }

    /// The workspaces that have an enabled webhook.
    pub async fn workspaces_with_webhooks(&self) -> Result<Vec<Uuid>, StoreError> {
        let mut conn = self.read().await?;
        Ok(scalar!(
            conn.ex(),
            Uuid,
            fetch_all,
            "SELECT DISTINCT workspace_id FROM webhooks WHERE disabled_at IS NULL"
        )?)
    }

    /// The events after `after` a webhook already has deliveries for.
    pub async fn delivered_events(
        &self,
        webhook_id: Uuid,
        after: Uuid,
    ) -> Result<std::collections::HashSet<Uuid>, StoreError> {
        let mut conn = self.read().await?;
        let ids = scalar!(
            conn.ex(),
            Uuid,
            fetch_all,
            "SELECT event_id FROM webhook_deliveries WHERE webhook_id = $1 AND event_id > $2",
            webhook_id,
            after
        )?;
        Ok(ids.into_iter().collect())
    }

    /// Stores deliveries due now, skipping any the webhook already has for the same event (so
    /// instances that turn one event into a delivery at once store it once); returns how many
    /// were new.
    pub async fn enqueue_deliveries(
        &self,
        webhook_id: Uuid,
        deliveries: &[NewDelivery],
    ) -> Result<u64, StoreError> {
        let now = now_millis();
        let mut tx = self.begin().await?;
        let mut added = 0;
        for new in deliveries {
            added += exec!(
                tx.ex(),
                "INSERT INTO webhook_deliveries (id, webhook_id, event_id, event, payload, status, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6) ON CONFLICT (webhook_id, event_id) DO NOTHING",
                Uuid::now_v7(),
                webhook_id,
                new.event_id,
                &new.event,
                &new.payload,
                now
            )?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Moves a webhook's event cursor forward (never back).
    pub async fn advance_webhook_cursor(
        &self,
        webhook_id: Uuid,
        cursor: Uuid,
    ) -> Result<(), StoreError> {
        let mut conn = self.write().await?;
        exec!(
            conn.ex(),
            "UPDATE webhooks SET event_cursor = $1 WHERE id = $2 AND event_cursor < $1",
            cursor,
            webhook_id
        )?;
        Ok(())
    }

    /// Disables a webhook, saying why; false when it was disabled already (or is gone).
    pub async fn disable_webhook(
        &self,
        webhook_id: Uuid,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let mut conn = self.write().await?;
        let changed = exec!(
            conn.ex(),
            "UPDATE webhooks SET disabled_at = $1, disabled_reason = $2 WHERE id = $3 AND disabled_at IS NULL",
            now_millis(),
            reason,
            webhook_id
        )?;
        Ok(changed > 0)
    }

    /// Claims up to `limit` due deliveries of enabled webhooks for `lock_ms`, counting the
    /// attempt. PostgreSQL skips rows another instance is claiming (`SKIP LOCKED`); SQLite's
    /// single writer runs one claim at a time. A claim whose instance died is taken again once
    /// its lock has passed.
    pub async fn claim_deliveries(
        &self,
        limit: i64,
        lock_ms: Millis,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let now = now_millis();
        // A read first: most passes find nothing due and need not take the writer.
        let due = {
            let mut conn = self.read().await?;
            scalar!(
                conn.ex(),
                Uuid,
                fetch_optional,
                "SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 \
                 AND (locked_until IS NULL OR locked_until < $1) LIMIT 1",
                now
            )?
        };
        if due.is_none() {
            return Ok(Vec::new());
        }
        let skip_locked = match self.backend() {
            Backend::Postgres => "FOR UPDATE OF d SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE webhook_deliveries SET locked_until = $1, attempts = attempts + 1 WHERE id IN (\
             SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
             WHERE d.status = 'pending' AND d.next_attempt_at <= $2 \
             AND (d.locked_until IS NULL OR d.locked_until < $2) AND w.disabled_at IS NULL \
             ORDER BY d.next_attempt_at, d.id LIMIT $3 {skip_locked}) RETURNING {DELIVERY_COLUMNS}"
        );
        let mut tx = self.begin().await?;
        let claimed = fetch!(
            tx.ex(),
            Delivery,
            fetch_all,
            sqlx::AssertSqlSafe(sql),
            now + lock_ms,
            now,
            limit
        )?;
        tx.commit().await?;
        let mut ready = Vec::with_capacity(claimed.len());
        for delivery in claimed {
            if let Some(sending) = self.sending(delivery).await? {
                ready.push(sending);
            }
        }
        Ok(ready)
    }

    /// A claimed delivery with its webhook's URL and opened secret.
    async fn sending(&self, delivery: Delivery) -> Result<Option<ClaimedDelivery>, StoreError> {
        let mut conn = self.read().await?;
        let row = fetch!(
            conn.ex(),
            (Uuid, Uuid, String, Vec<u8>),
            fetch_optional,
            "SELECT workspace_id, created_by, url, secret FROM webhooks WHERE id = $1",
            delivery.webhook_id
        )?;
        let Some((workspace_id, created_by, url, sealed)) = row else {
            return Ok(None);
        };
        let secret = self
            .cipher
            .decrypt(workspace_id, delivery.webhook_id, &sealed)?;
        Ok(Some(ClaimedDelivery {
            delivery,
            workspace_id,
            created_by,
            url,
            secret,
        }))
    }

    /// A webhook's signing secret, opened.
    pub async fn webhook_secret(&self, webhook: &Webhook) -> Result<String, StoreError> {
        let mut conn = self.read().await?;
        let sealed = scalar!(
            conn.ex(),
            Vec<u8>,
            fetch_one,
            "SELECT secret FROM webhooks WHERE id = $1",
            webhook.id
        )?;
        self.cipher
            .decrypt(webhook.workspace_id, webhook.id, &sealed)
    }

    /// Logs an attempt and moves the delivery on: delivered, due again after the schedule's
    /// next wait, or failed for good; a webhook whose deliveries failed `disable_after` times
    /// in a row is disabled.
    pub async fn record_attempt(
        &self,
        delivery: &Delivery,
        outcome: &AttemptOutcome,
        policy: RetryPolicy<'_>,
    ) -> Result<AfterAttempt, StoreError> {
        let now = now_millis();
        let mut tx = self.begin().await?;
        exec!(
            tx.ex(),
            "INSERT INTO webhook_attempts (id, delivery_id, attempt, at, status_code, error, duration_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            Uuid::now_v7(),
            delivery.id,
            delivery.attempts,
            now,
            outcome.status_code.map(i64::from),
            outcome.error.as_deref(),
            outcome.duration_ms
        )?;
        let retry_wait = usize::try_from(delivery.attempts - 1)
            .ok()
            .and_then(|i| policy.schedule.get(i));
        let after = match (&outcome.error, retry_wait) {
            (None, _) => {
                exec!(
                    tx.ex(),
                    "UPDATE webhook_deliveries SET status = 'delivered', locked_until = NULL WHERE id = $1",
                    delivery.id
                )?;
                exec!(
                    tx.ex(),
                    "UPDATE webhooks SET failures = 0 WHERE id = $1",
                    delivery.webhook_id
                )?;
                AfterAttempt::Delivered
            }
            (Some(_), Some(wait)) => {
                exec!(
                    tx.ex(),
                    "UPDATE webhook_deliveries SET next_attempt_at = $1, locked_until = NULL WHERE id = $2",
                    now + wait,
                    delivery.id
                )?;
                AfterAttempt::Retry(now + wait)
            }
            (Some(_), None) => {
                exec!(
                    tx.ex(),
                    "UPDATE webhook_deliveries SET status = 'failed', locked_until = NULL WHERE id = $1",
                    delivery.id
                )?;
                // The row stays locked until commit, so two instances count one after the other.
                let (failures, disabled_at) = fetch!(
                    tx.ex(),
                    (i64, Option<Millis>),
                    fetch_one,
                    "UPDATE webhooks SET failures = failures + 1 WHERE id = $1 RETURNING failures, disabled_at",
                    delivery.webhook_id
                )?;
                if failures >= policy.disable_after && disabled_at.is_none() {
                    exec!(
                        tx.ex(),
                        "UPDATE webhooks SET disabled_at = $1, disabled_reason = $2 WHERE id = $3",
                        now,
                        format!("{failures} deliveries in a row failed every attempt"),
                        delivery.webhook_id
                    )?;
                    AfterAttempt::Disabled
                } else {
                    AfterAttempt::Failed
                }
            }
        };
        tx.commit().await?;
        Ok(after)
    }

    /// Stores a test delivery for a webhook, due now.
    pub async fn enqueue_test_delivery(
        &self,
        webhook_id: Uuid,
        new: &NewDelivery,
    ) -> Result<(), StoreError> {
        self.enqueue_deliveries(webhook_id, std::slice::from_ref(new))
            .await
            .map(|_| ())
    }

    /// The emails of a workspace's owners and admins (told when a webhook is disabled).
    pub async fn workspace_admin_emails(
        &self,
        workspace_id: Uuid,
    ) -> Result<Vec<String>, StoreError> {
        let mut conn = self.read().await?;
        Ok(scalar!(
            conn.ex(),
            String,
            fetch_all,
            "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.workspace_id = $1 AND m.role IN ('owner', 'admin') ORDER BY u.email",
            workspace_id
        )?)
    }

    /// Makes a webhook's pending deliveries due now (tests, instead of waiting for a retry).
    pub async fn make_webhook_deliveries_due(&self, webhook_id: Uuid) -> Result<u64, StoreError> {
        let mut conn = self.write().await?;
        Ok(exec!(
            conn.ex(),
            "UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE webhook_id = $2 AND status = 'pending'",
            now_millis(),
            webhook_id
        )?)
    }
}
