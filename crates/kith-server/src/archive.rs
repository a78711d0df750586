//! `kith export --archive` and `kith import --archive`: a whole workspace as one file (see
//! `kith_store::data::archive`), restored into a new workspace on this or another Kith, on
//! either backend. Restoring applies the erasure log again: a person erased from the workspace
//! after the archive was made is erased from the restored one too.

use kith_store::data::archive::{archive_lines, read_archive_header};
use kith_store::{Db, StoreError, WebhookChange};
use serde_json::{Value, json};
use std::io::{BufRead, Write};
use uuid::Uuid;

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    pub workspace_id: Uuid,
    pub name: String,
    pub rows: u64,
    /// Addresses erased again, because the archive's workspace had erased them since.
    pub erased_again: usize,
}

/// Writes workspace `workspace_id`'s archive to `out`; answers how many rows it holds.
pub async fn export(
    db: &Db,
    workspace_id: Uuid,
    out: &mut (dyn Write + Send),
) -> Result<u64, StoreError> {
    let name = db
        .all_workspaces()
        .await?
        .into_iter()
        .find(|w| w.id == workspace_id)
        .map(|w| w.name)
        .ok_or_else(|| StoreError::Rejected(kith_core::ApiError::not_found("workspace")))?;
    let webhooks: Vec<Value> = db
        .webhooks_of(workspace_id)
        .await?
        .iter()
        .map(|w| json!({ "url": w.url, "events": w.events }))
        .collect();
    let runner = job_runner(db)?;
    let data = runner.data(workspace_id).await?;
    data.write_archive(&name, &webhooks, out).await
}

fn job_runner(db: &Db) -> Result<kith_store::JobRunner, StoreError> {
    db.take_job_runner()
        .ok_or_else(|| StoreError::Rejected(kith_core::ApiError::internal()))
}

/// Restores an archive into a new workspace owned by `owner` (named `name`, or as the archive
/// says). A restore that fails leaves no workspace behind.
pub async fn import(
    db: &Db,
    reader: impl BufRead,
    owner: Uuid,
    name: Option<&str>,
) -> Result<Restored, StoreError> {
    let mut lines = archive_lines(reader);
    let first = match lines.next() {
        Some((_, Ok(line))) => line,
        _ => {
            return Err(StoreError::Rejected(kith_core::ApiError::bad_request(
                "the archive is empty",
            )));
        }
    };
    let header = read_archive_header(&first)?;
    let name = name
        .map(str::to_owned)
        .unwrap_or_else(|| header.name.clone());
    let workspace = db.create_workspace(owner, &name).await?;
    match restore(db, &header, &mut lines, workspace.id, owner).await {
        Ok((rows, erased_again)) => Ok(Restored {
            workspace_id: workspace.id,
            name,
            rows,
            erased_again,
        }),
        Err(error) => {
            db.discard_workspace(workspace.id).await?;
            Err(error)
        }
    }
}

async fn restore(
    db: &Db,
    header: &kith_store::data::archive::ArchiveHeader,
    lines: &mut dyn Iterator<Item = (usize, std::io::Result<String>)>,
    workspace_id: Uuid,
    owner: Uuid,
) -> Result<(u64, usize), StoreError> {
    let runner = job_runner(db)?;
    let data = runner.data(workspace_id).await?;
    let rows = data.restore_archive(header, lines).await?;
    restore_webhooks(db, &header.webhooks, workspace_id, owner).await?;
    // The erasure log follows the workspace, and is applied to what the archive brought back.
    db.copy_erasures(header.workspace_id, workspace_id).await?;
    let log = db.erasure_log(header.workspace_id).await?;
    let mut erased_again = 0;
    for email in data.all_emails().await? {
        if log.holds(&email) {
            data.erase_subject(&email).await?;
            erased_again += 1;
        }
    }
    Ok((rows, erased_again))
}

/// The archive's webhooks, made again with new secrets (an archive holds none) and disabled
/// until an admin enables them, so nothing is posted before the receiver knows the new secret.
async fn restore_webhooks(
    db: &Db,
    webhooks: &[Value],
    workspace_id: Uuid,
    owner: Uuid,
) -> Result<(), StoreError> {
    let Some(tenant) = db.enter_workspace(owner, workspace_id).await? else {
        return Ok(());
    };
    let store = db.workspace(&tenant);
    for webhook in webhooks {
        let (Some(url), Some(events)) = (webhook["url"].as_str(), webhook["events"].as_array())
        else {
            continue;
        };
        let events: Vec<String> = events
            .iter()
            .filter_map(|e| e.as_str().map(str::to_owned))
            .collect();
        let secret = format!(
            "{}{}",
            crate::workspaces::webhooks::SECRET_PREFIX,
            crate::auth::tokens::random_token()
        );
        let created = store.create_webhook(url, &events, &secret).await?;
        let disable = WebhookChange {
            url: None,
            events: None,
            enabled: Some(false),
        };
        store.update_webhook(created.id, &disable).await?;
    }
    Ok(())
}
