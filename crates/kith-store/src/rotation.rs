//! Re-sealing every encrypted value with the current key (`kith admin rotate-key`): two-factor
//! secrets, webhook secrets, and each workspace's sensitive field values.
//!
//! Each value is read, opened with whichever key of the ring sealed it, and written back sealed
//! with the current key only if it is still the value that was read (a compare-and-set), so that
//! nothing a running server writes meanwhile is overwritten. A value already sealed with the
//! current key is left as it is, which makes the whole pass safe to stop and run again: it goes
//! on where it was.

use crate::data::sql::quote;
use crate::{Db, StoreError};
use kith_core::fields::FieldType;
use uuid::Uuid;

/// How many rows of a table are read at a time.
const BATCH: i64 = 500;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Resealed {
    /// Values that were sealed with an earlier key and now are with the current one.
    pub moved: u64,
    /// Values that already were.
    pub current: u64,
}

impl Resealed {
    fn add(&mut self, moved: bool) {
        if moved {
            self.moved += 1;
        } else {
            self.current += 1;
        }
    }
}

/// Where a pass is, for a progress line.
pub enum Place<'a> {
    Accounts,
    Webhooks,
    Field {
        workspace: Uuid,
        object: &'a str,
        field: &'a str,
    },
}

impl Db {
    /// Re-seals every encrypted value with the current key; `progress` hears of each place as it
    /// is finished, with the running totals. A value no key of the ring opens stops the pass
    /// with an error naming where it is.
    pub async fn reseal_all(
        &self,
        progress: &mut (dyn FnMut(Place<'_>, Resealed) + Send),
    ) -> Result<Resealed, StoreError> {
        let mut done = Resealed::default();
        self.reseal_two_factor_secrets(&mut done).await?;
        progress(Place::Accounts, done);
        self.reseal_webhook_secrets(&mut done).await?;
        progress(Place::Webhooks, done);
        for workspace in self.workspace_ids().await? {
            let data =
                crate::data::DataStore::open(self, kith_core::access::Access::system(workspace))
                    .await?;
            let objects = data.objects().await?;
            for object in objects.iter() {
                for field in object
                    .fields
                    .iter()
                    .filter(|f| f.field_type == FieldType::SensitiveText)
                {
                    reseal_column(
                        self,
                        &data,
                        &object.table,
                        field.id,
                        &field.column,
                        &mut done,
                    )
                    .await?;
                    progress(
                        Place::Field {
                            workspace,
                            object: &object.name_plural,
                            field: &field.name,
                        },
                        done,
                    );
                }
            }
        }
        Ok(done)
    }

    async fn reseal_two_factor_secrets(&self, done: &mut Resealed) -> Result<(), StoreError> {
        let rows = {
            let mut conn = self.read().await?;
            fetch!(
                conn.ex(),
                (Uuid, Vec<u8>),
                fetch_all,
                "SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL ORDER BY id"
            )?
        };
        for (user, sealed) in rows {
            let place = || format!("the two-factor secret of account {user}");
            let moved = match self
                .cipher
                .reseal(Uuid::nil(), user, &sealed)
                .map_err(unreadable_at(place))?
            {
                Some(resealed) => {
                    let mut conn = self.write().await?;
                    exec!(
                        conn.ex(),
                        "UPDATE users SET totp_secret = $1 WHERE id = $2 AND totp_secret = $3",
                        resealed,
                        user,
                        sealed
                    )? == 1
                }
                None => false,
            };
            done.add(moved);
        }
        Ok(())
    }

    async fn reseal_webhook_secrets(&self, done: &mut Resealed) -> Result<(), StoreError> {
        let rows = {
            let mut conn = self.read().await?;
            fetch!(
                conn.ex(),
                (Uuid, Uuid, Vec<u8>),
                fetch_all,
                "SELECT id, workspace_id, secret FROM webhooks ORDER BY id"
            )?
        };
        for (webhook, workspace, sealed) in rows {
            let place = || format!("the secret of webhook {webhook}");
            let moved = match self
                .cipher
                .reseal(workspace, webhook, &sealed)
                .map_err(unreadable_at(place))?
            {
                Some(resealed) => {
                    let mut conn = self.write().await?;
                    exec!(
                        conn.ex(),
                        "UPDATE webhooks SET secret = $1 WHERE id = $2 AND secret = $3",
                        resealed,
                        webhook,
                        sealed
                    )? == 1
                }
                None => false,
            };
            done.add(moved);
        }
        Ok(())
    }
}

/// Re-seals one sensitive field's column, `BATCH` rows at a time in id order.
async fn reseal_column(
    db: &Db,
    data: &crate::data::DataStore,
    table: &str,
    field_id: Uuid,
    column: &str,
    done: &mut Resealed,
) -> Result<(), StoreError> {
    let (table, column) = (data.table(table), quote(column));
    let select = format!(
        "SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL AND id > $1 ORDER BY id LIMIT {BATCH}"
    );
    let update = format!("UPDATE {table} SET {column} = $1 WHERE id = $2 AND {column} = $3");
    let workspace = data.workspace_id();
    let mut after = Uuid::nil();
    loop {
        let rows = {
            let mut conn = data.read().await?;
            fetch!(
                conn.ex(),
                (Uuid, Vec<u8>),
                fetch_all,
                sqlx::AssertSqlSafe(select.clone()),
                after
            )?
        };
        let Some((last, _)) = rows.last() else {
            return Ok(());
        };
        after = *last;
        let mut tx = data.begin().await?;
        for (record, sealed) in &rows {
            let place = || format!("a sensitive value of record {record} in workspace {workspace}");
            let moved = match db
                .cipher
                .reseal(workspace, field_id, sealed)
                .map_err(unreadable_at(place))?
            {
                Some(resealed) => {
                    exec!(
                        tx.ex(),
                        sqlx::AssertSqlSafe(update.clone()),
                        resealed,
                        record,
                        sealed
                    )? == 1
                }
                None => false,
            };
            done.add(moved);
        }
        tx.commit().await?;
    }
}

fn unreadable_at(place: impl FnOnce() -> String) -> impl FnOnce(StoreError) -> StoreError {
    move |error| StoreError::Crypto(format!("{}: {error}", place()))
}
