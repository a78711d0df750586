//! `kith privacy …`: data-subject requests from a shell, straight on the database, as the
//! instance's administrator (the same steps as Settings → Privacy requests).

use clap::Subcommand;
use kith_core::validate;
use kith_server::config::Config;
use kith_server::serve;
use kith_server::workspaces::privacy;
use kith_store::Db;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum PrivacyCommand {
    /// Everything a workspace holds about an email address, as JSON (the export to hand over)
    Find {
        /// The workspace's id
        #[arg(long)]
        workspace: String,
        #[arg(long)]
        email: String,
        /// Write to this file instead of standard output
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
    /// Erase everything a workspace holds about an email address, for good, and log it
    Erase {
        /// The workspace's id
        #[arg(long)]
        workspace: String,
        #[arg(long)]
        email: String,
        /// Confirms: erasing cannot be undone
        #[arg(long)]
        yes: bool,
    },
}

pub async fn run(command: PrivacyCommand, config: Config) -> Result<(), String> {
    let (workspace, email) = match &command {
        PrivacyCommand::Find {
            workspace, email, ..
        }
        | PrivacyCommand::Erase {
            workspace, email, ..
        } => (workspace.clone(), email.clone()),
    };
    let email = validate::email(&email).map_err(|m| format!("--email {m}"))?;
    let workspace = uuid::Uuid::parse_str(workspace.trim())
        .map_err(|_| format!("--workspace must be a workspace's id (a UUID), not {workspace:?}"))?;
    if let PrivacyCommand::Erase { yes: false, .. } = command {
        return Err(format!(
            "erasing {email} cannot be undone: add --yes to go ahead (kith privacy find shows what would go)"
        ));
    }
    let db = serve::open_database(&config)
        .await
        .map_err(|e| e.to_string())?;
    let result = on_database(&db, command, workspace, &email).await;
    db.close().await;
    result
}

async fn on_database(
    db: &Db,
    command: PrivacyCommand,
    workspace: uuid::Uuid,
    email: &str,
) -> Result<(), String> {
    if !db
        .workspace_ids()
        .await
        .map_err(|e| e.to_string())?
        .contains(&workspace)
    {
        return Err(format!("no workspace has the id {workspace}"));
    }
    let runner = db
        .take_job_runner()
        .ok_or("the database is already in use by this process")?;
    let data = runner.data(workspace).await.map_err(|e| e.to_string())?;
    match command {
        PrivacyCommand::Find { output, .. } => {
            let found = privacy::find(db, &data, email)
                .await
                .map_err(|e| e.to_string())?;
            let text = serde_json::to_string_pretty(&found).map_err(|e| e.to_string())?;
            match output {
                Some(path) => std::fs::write(&path, format!("{text}\n"))
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
                None => println!("{text}"),
            }
        }
        PrivacyCommand::Erase { .. } => {
            let entry = privacy::erase(db, &data, email, None)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "erased {email} from workspace {workspace}: {}",
                serde_json::to_string(&entry).map_err(|e| e.to_string())?
            );
        }
    }
    Ok(())
}
