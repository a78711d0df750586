//! `kith admin …`: what an instance administrator does from a shell, straight on the database.

use clap::Subcommand;
use kith_core::{ApiError, validate};
use kith_server::auth::password::Hasher;
use kith_server::auth::tokens::random_token;
use kith_server::config::Config;
use kith_server::http::rfc3339;
use kith_server::serve::{self, StartupError};
use kith_store::{Db, KeyRing, NewUser, Place, Resealed};
use std::io::BufRead;

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create an account (the way to add people when sign-up is closed)
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Read the password from the first line of standard input; otherwise one is generated and printed
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password for an account and sign it out everywhere
    ResetPassword {
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input; otherwise one is generated and printed
        #[arg(long)]
        password_stdin: bool,
    },
    /// List every workspace with its members and owners
    ListWorkspaces,
    /// Re-seal every encrypted value (sensitive fields, webhook and two-factor secrets) with a new
    /// key; servers keep running. With the key file, writes a new key into it; with
    /// KITH_SECRET_KEY, seals with it and opens with KITH_PREVIOUS_SECRET_KEYS. Run it again to
    /// go on if it was interrupted
    RotateKey,
    /// Show the newest mails in the outbox (where mail waits when no SMTP server is configured)
    Outbox {
        /// Only mails to this address
        #[arg(long)]
        to: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error("{0}")]
    Refused(String),
}

impl From<kith_store::StoreError> for AdminError {
    fn from(e: kith_store::StoreError) -> Self {
        AdminError::Refused(e.to_string())
    }
}

pub async fn run(command: AdminCommand, config: Config) -> Result<(), AdminError> {
    let db = serve::open_database(&config).await?;
    let result = match command {
        AdminCommand::CreateUser {
            email,
            name,
            password_stdin,
        } => create_user(&db, &email, &name, password_stdin).await,
        AdminCommand::ResetPassword {
            email,
            password_stdin,
        } => reset_password(&db, &email, password_stdin).await,
        AdminCommand::ListWorkspaces => list_workspaces(&db).await,
        AdminCommand::Outbox { to, limit } => outbox(&db, to.as_deref(), limit).await,
        AdminCommand::RotateKey => rotate_key(&db, &config).await,
    };
    db.close().await;
    result
}

/// How long running servers may take to see a rewritten key file (they look every two seconds).
const KEY_FILE_NOTICED: std::time::Duration = std::time::Duration::from_secs(3);

async fn rotate_key(db: &Db, config: &Config) -> Result<(), AdminError> {
    let key_file = config.secret_key.is_none().then(|| serve::key_file(config));
    if let Some(path) = &key_file {
        let ring = read_key_file(path)?;
        if ring.previous.is_empty() {
            let rotated = ring.rotated_to(KeyRing::new_key()?);
            serve::replace_key_file(path, &rotated).map_err(key_file_error(path))?;
            println!(
                "wrote a new key to {}; the old one stays on its second line until every value is sealed with the new one",
                path.display()
            );
        } else {
            println!(
                "{} already holds a new key and {} earlier one(s) (an interrupted rotation): going on with it",
                path.display(),
                ring.previous.len()
            );
        }
        // From now on every running server seals with the new key.
        tokio::time::sleep(KEY_FILE_NOTICED).await;
    }
    let mut report = |place: Place<'_>, so_far: Resealed| {
        let place = match place {
            Place::Accounts => "two-factor secrets".to_owned(),
            Place::Webhooks => "webhook secrets".to_owned(),
            Place::Field {
                workspace,
                object,
                field,
            } => format!("workspace {workspace}, {object}.{field}"),
        };
        println!(
            "{place}: done ({} re-sealed so far, {} already were)",
            so_far.moved, so_far.current
        );
    };
    let first = db.reseal_all(&mut report).await?;
    // A value a server sealed with the old key just before it saw the new one is found by a
    // second pass; the rotation is over when a pass finds none.
    let mut moved = first.moved;
    for pass in 2.. {
        let again = db.reseal_all(&mut |_, _| {}).await?;
        if again.moved == 0 {
            break;
        }
        if pass == 5 {
            return Err(AdminError::Refused(format!(
                "pass {pass} still found {} value(s) sealed with an old key: a server is running with an old KITH_SECRET_KEY or key file; update it and run this again",
                again.moved
            )));
        }
        moved += again.moved;
    }
    println!(
        "{moved} value(s) re-sealed, {} already sealed with the new key",
        first.current
    );
    match &key_file {
        Some(path) => {
            let ring = read_key_file(path)?;
            serve::replace_key_file(path, &KeyRing::single(ring.current))
                .map_err(key_file_error(path))?;
            println!(
                "every value is sealed with the new key, and the old key is no longer in {}: a backup of the database made before now needs the copy of the key file made with it",
                path.display()
            );
        }
        None => println!(
            "every value is sealed with KITH_SECRET_KEY: KITH_PREVIOUS_SECRET_KEYS can now be removed from every instance"
        ),
    }
    Ok(())
}

fn read_key_file(path: &std::path::Path) -> Result<KeyRing, AdminError> {
    let text = std::fs::read_to_string(path).map_err(key_file_error(path))?;
    KeyRing::parse_file(&text).map_err(|message| {
        AdminError::Refused(format!("the key file {} {message}", path.display()))
    })
}

fn key_file_error(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> AdminError + '_ {
    move |e| AdminError::Refused(format!("cannot use the key file {}: {e}", path.display()))
}

/// The new password: read from stdin, or generated (and then printed, since nobody else knows it).
fn new_password(from_stdin: bool, email: &str) -> Result<(String, bool), AdminError> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| AdminError::Refused(format!("cannot read standard input: {e}")))?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        random_token()
    };
    validate::new_password(&password, email)
        .map_err(|m| AdminError::Refused(format!("password {m}")))?;
    Ok((password, !from_stdin))
}

fn refused(field: &str) -> impl FnOnce(String) -> AdminError + '_ {
    move |message| AdminError::Refused(format!("{field} {message}"))
}

async fn create_user(
    db: &Db,
    email: &str,
    name: &str,
    password_stdin: bool,
) -> Result<(), AdminError> {
    let email = validate::email(email).map_err(refused("--email"))?;
    let name = validate::name(name).map_err(refused("--name"))?;
    let (password, generated) = new_password(password_stdin, &email)?;
    let hash = Hasher::new(1).hash(&password).await.map_err(hash_failed)?;
    let user = db
        .create_user(&NewUser {
            email: &email,
            name: &name,
            password_hash: &hash,
        })
        .await
        .map_err(|e| AdminError::Refused(e.to_string()))?;
    println!(
        "created account {} for {} (id {})",
        user.email, user.name, user.id
    );
    if generated {
        println!("password: {password}");
    }
    Ok(())
}

async fn reset_password(db: &Db, email: &str, password_stdin: bool) -> Result<(), AdminError> {
    let email = validate::email(email).map_err(refused("--email"))?;
    let user = db
        .user_by_email(&email)
        .await?
        .ok_or_else(|| AdminError::Refused(format!("no account has the email {email}")))?;
    let (password, generated) = new_password(password_stdin, &email)?;
    let hash = Hasher::new(1).hash(&password).await.map_err(hash_failed)?;
    db.set_password(user.id, &hash, None).await?;
    println!("password of {email} changed; every session of the account was signed out");
    if generated {
        println!("password: {password}");
    }
    Ok(())
}

fn hash_failed(e: kith_server::http::AppError) -> AdminError {
    let ApiError { message, .. } = e.0;
    AdminError::Refused(format!("password hashing failed: {message}"))
}

async fn list_workspaces(db: &Db) -> Result<(), AdminError> {
    let workspaces = db.all_workspaces().await?;
    if workspaces.is_empty() {
        println!("no workspaces yet");
        return Ok(());
    }
    println!(
        "{:<36}  {:<30}  {:>7}  {:<24}  owners",
        "id", "name", "members", "created"
    );
    for w in workspaces {
        println!(
            "{:<36}  {:<30}  {:>7}  {:<24}  {}",
            w.id,
            w.name,
            w.members,
            rfc3339(w.created_at),
            w.owners
        );
    }
    Ok(())
}

async fn outbox(db: &Db, to: Option<&str>, limit: i64) -> Result<(), AdminError> {
    if !(1..=1000).contains(&limit) {
        return Err(AdminError::Refused(
            "--limit must be between 1 and 1000".into(),
        ));
    }
    let mails = db.outbox(to, limit).await?;
    if mails.is_empty() {
        println!("the outbox is empty");
    }
    for mail in mails {
        println!(
            "--- {} · to {} · {} ---",
            rfc3339(mail.created_at),
            mail.to_addr,
            mail.status
        );
        println!("Subject: {}", mail.subject);
        if let Some(error) = &mail.last_error {
            println!("Last error: {error}");
        }
        println!("\n{}", mail.body.trim_end());
    }
    Ok(())
}
