//! `kith`: the one binary. With no command it serves.
#![forbid(unsafe_code)]

mod admin;
mod privacy_cli;

/// Kith builds and drops many small values per request (JSON trees); mimalloc handles that
/// pattern much better than the system allocator (measured in docs/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use kith_server::config::{Config, LogFormat, Settings};
use kith_server::serve::{self, StartupError};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kith",
    version,
    about = "Kith: the self-hosted CRM for teams and their AI agents"
)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    /// Read settings from this TOML file [default: ./kith.toml when it exists]
    #[arg(long, short = 'c', env = "KITH_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app and the API (the default when no command is given)
    Serve,
    /// Bring the database schema up to date, then exit
    Migrate,
    /// Print the effective configuration, secrets redacted
    Config,
    /// Administer accounts, workspaces and mail from the command line
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Export an object's records as CSV or JSON, as an API token sees them, from the
    /// configured database; or with --archive a whole workspace as one file
    Export {
        /// The object's plural API name (people, companies, or a custom object's)
        #[arg(required_unless_present = "archive")]
        object: Option<String>,
        /// Write the archive of this workspace (its id) instead: its objects and fields, every
        /// record with its history, the links of notes and tasks, the saved views and the
        /// webhooks (without their secrets), which `kith import --archive` restores. Sensitive
        /// values are in it in clear: keep the file as safe as the database
        #[arg(long, value_name = "WORKSPACE", conflicts_with_all = ["object", "token", "filter", "order_by", "fields", "view"])]
        archive: Option<String>,
        /// The API token to read as (its workspace, role and scopes)
        #[arg(long, env = "KITH_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// csv, json or xlsx
        #[arg(long, default_value = "csv")]
        format: String,
        /// Which records, in the API's filter syntax (employees[gte]:50)
        #[arg(long)]
        filter: Option<String>,
        /// Their order, as the API's order_by (name[AscNullsFirst])
        #[arg(long)]
        order_by: Option<String>,
        /// The columns, comma-separated (id, createdAt and updatedAt are always there)
        #[arg(long)]
        fields: Option<String>,
        /// A saved view's id: its filter, order and columns (--filter, --order-by and --fields win)
        #[arg(long)]
        view: Option<String>,
        /// Write to this file instead of standard output
        #[arg(long, short = 'o')]
        output: Option<std::path::PathBuf>,
    },
    /// Import a CSV file into an object, as an API token, into the configured database:
    /// each column to the field --map names or its header suggests, each row created,
    /// updated or skipped (see docs/IMPORT.md)
    Import {
        /// The object's plural API name (people, companies, or a custom object's)
        #[arg(required_unless_present = "archive")]
        object: Option<String>,
        /// Restore this archive (made by `kith export --archive`) into a new workspace instead
        #[arg(long, value_name = "FILE", conflicts_with_all = ["object", "file", "token", "undo"], requires = "owner")]
        archive: Option<std::path::PathBuf>,
        /// With --archive: the email address of the account that owns the restored workspace
        #[arg(long)]
        owner: Option<String>,
        /// With --archive: the restored workspace's name [default: the archived one's]
        #[arg(long)]
        name: Option<String>,
        /// The CSV file (UTF-8; comma, semicolon, tab or pipe separated)
        file: Option<std::path::PathBuf>,
        /// The API token to write as (its workspace, role and scopes)
        #[arg(long, env = "KITH_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// create (skip rows matching a record), update (skip rows matching none) or upsert
        #[arg(long, default_value = "upsert")]
        mode: String,
        /// The field rows are matched by: id, emails, domainName or a unique field
        #[arg(long = "match")]
        match_on: Option<String>,
        /// A column's field, as Header=field (E-mail=emails, Company=company:domainName);
        /// Header= leaves the column out. Repeat for each column
        #[arg(long)]
        map: Vec<String>,
        /// Import only the columns --map names, rather than guess the others
        #[arg(long)]
        only_mapped: bool,
        /// Stop at the first row that cannot be imported, and import nothing
        #[arg(long)]
        stop_on_error: bool,
        /// Check and write every row, then roll it all back: say what the import would do
        #[arg(long)]
        dry_run: bool,
        /// , ; | or tab (default: the header line tells)
        #[arg(long)]
        delimiter: Option<String>,
        /// dmy or mdy, for dates not written year first
        #[arg(long)]
        date_order: Option<String>,
        /// Numbers are written 1.234,5
        #[arg(long)]
        decimal_comma: bool,
        /// Undo the import with this id instead
        #[arg(long, conflicts_with = "file")]
        undo: Option<String>,
    },
    /// Data-subject requests: find or erase everything a workspace holds about an email address
    #[command(subcommand)]
    Privacy(privacy_cli::PrivacyCommand),
    /// Serve MCP for an AI agent over standard input and output, as an API token
    Mcp {
        /// The API token the agent acts as (its workspace, role and scopes)
        #[arg(long, env = "KITH_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// A remote Kith's MCP endpoint (https://crm.example.com/mcp) to pass requests on to,
        /// instead of opening the configured database
        #[arg(long)]
        url: Option<url::Url>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::resolve(cli.settings, cli.config.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("kith: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(config.log_format);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve::serve_until_signalled(config)
            .await
            .map_err(|e| e.to_string()),
        Command::Migrate => migrate(&config).await.map_err(|e| e.to_string()),
        Command::Config => {
            print_config(&config);
            Ok(())
        }
        Command::Admin(command) => admin::run(command, config).await.map_err(|e| e.to_string()),
        Command::Privacy(command) => privacy_cli::run(command, config).await,
        Command::Export {
            archive: Some(workspace),
            output,
            ..
        } => export_archive(config, &workspace, output.as_deref()).await,
        Command::Export {
            object,
            token,
            format,
            filter,
            order_by,
            fields,
            view,
            output,
            ..
        } => {
            let params = kith_server::records::ExportParams {
                format: Some(format),
                view,
                filter,
                order_by,
                fields,
            };
            export(
                config,
                token,
                &object.unwrap_or_default(),
                &params,
                output.as_deref(),
            )
            .await
        }
        Command::Import {
            archive: Some(file),
            owner,
            name,
            ..
        } => {
            import_archive(
                config,
                &file,
                owner.as_deref().unwrap_or_default(),
                name.as_deref(),
            )
            .await
        }
        Command::Import {
            object,
            file,
            token,
            mode,
            match_on,
            map,
            only_mapped,
            stop_on_error,
            dry_run,
            delimiter,
            date_order,
            decimal_comma,
            undo,
            ..
        } => match (undo, file, object.unwrap_or_default()) {
            (Some(id), _, object) => undo_import(config, token, &object, &id).await,
            (None, None, _) => Err("name the file to import (or --undo an import's id)".to_owned()),
            (None, Some(file), object) => {
                match import_options(object, file, &mode, date_order.as_deref()) {
                    Ok(mut options) => {
                        options.match_on = match_on;
                        options.map = map;
                        options.only_mapped = only_mapped;
                        options.stop_on_error = stop_on_error;
                        options.dry_run = dry_run;
                        options.delimiter = delimiter;
                        options.decimal_comma = decimal_comma;
                        import(config, token, &options).await
                    }
                    Err(e) => Err(e),
                }
            }
        },
        Command::Mcp { token, url } => {
            kith_server::mcp::serve_stdio(config, token, url.map(String::from))
                .await
                .map_err(|e| e.to_string())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kith: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `kith export`: the file to `output` or standard output, how many records to standard error.
async fn export(
    config: Config,
    token: Option<String>,
    object: &str,
    params: &kith_server::records::ExportParams,
    output: Option<&std::path::Path>,
) -> Result<(), String> {
    let mut out: Box<dyn std::io::Write + Send> = match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    let exported =
        kith_server::records::export_with_token(config, token, object, params, &mut *out).await;
    drop(out);
    match exported {
        Ok(written) => {
            eprintln!("exported {written} {object}");
            Ok(())
        }
        Err(e) => {
            // No file rather than a cut one.
            if let Some(path) = output {
                let _ = std::fs::remove_file(path);
            }
            Err(e.to_string())
        }
    }
}

/// `kith import`'s options with the ones that need reading checked.
fn import_options(
    object: String,
    file: std::path::PathBuf,
    mode: &str,
    date_order: Option<&str>,
) -> Result<kith_server::records::ImportOptions, String> {
    use kith_store::data::import::{DateOrder, ImportMode};
    let mode = match mode {
        "create" => ImportMode::Create,
        "update" => ImportMode::Update,
        "upsert" => ImportMode::Upsert,
        other => return Err(format!("--mode {other:?}: use create, update or upsert")),
    };
    let date_order = match date_order {
        None => None,
        Some("dmy") => Some(DateOrder::DayMonthYear),
        Some("mdy") => Some(DateOrder::MonthDayYear),
        Some(other) => return Err(format!("--date-order {other:?}: use dmy or mdy")),
    };
    Ok(kith_server::records::ImportOptions {
        object,
        file,
        mode,
        match_on: None,
        map: Vec::new(),
        only_mapped: false,
        stop_on_error: false,
        dry_run: false,
        delimiter: None,
        date_order,
        decimal_comma: false,
    })
}

/// `kith import`: the import's outcome to standard error; a failure when it did not finish.
async fn import(
    config: Config,
    token: Option<String>,
    options: &kith_server::records::ImportOptions,
) -> Result<(), String> {
    let record = kith_server::records::import_with_token(config, token, options)
        .await
        .map_err(|e| e.to_string())?;
    let counts = &record["counts"];
    let n = |key: &str| counts[key].as_u64().unwrap_or(0);
    let status = record["status"].as_str().unwrap_or("");
    let verb = if options.dry_run {
        "would import"
    } else {
        "imported"
    };
    eprintln!(
        "{verb} {} rows into {}: {} created, {} updated, {} skipped, {} refused (import {})",
        n("rows"),
        options.object,
        n("created"),
        n("updated"),
        n("skipped"),
        n("failed"),
        record["id"].as_str().unwrap_or(""),
    );
    match status {
        "DONE" | "PREVIEWED" => Ok(()),
        _ => Err(record["error"]
            .as_str()
            .unwrap_or("the import did not finish")
            .to_owned()),
    }
}

/// `kith import OBJECT --undo ID`.
async fn undo_import(
    config: Config,
    token: Option<String>,
    object: &str,
    id: &str,
) -> Result<(), String> {
    let outcome = kith_server::records::undo_with_token(config, token, object, id)
        .await
        .map_err(|e| e.to_string())?;
    let undone = outcome["reverted"].as_array().map_or(0, Vec::len);
    let conflicts = outcome["conflicts"].as_array().map_or(0, Vec::len);
    eprintln!(
        "undid import {id}: {undone} records reverted, {conflicts} fields changed since left as they are"
    );
    Ok(())
}

/// `kith export --archive W`: to `output`, or standard output. A failed export leaves no file.
async fn export_archive(
    config: Config,
    workspace: &str,
    output: Option<&std::path::Path>,
) -> Result<(), String> {
    use std::io::Write as _;
    let workspace = uuid::Uuid::parse_str(workspace.trim())
        .map_err(|_| format!("--archive takes a workspace's id (a UUID), not {workspace:?}"))?;
    let db = serve::open_database(&config)
        .await
        .map_err(|e| e.to_string())?;
    let result = match output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            let written = kith_server::archive::export(&db, workspace, &mut out)
                .await
                .map_err(|e| e.to_string())
                .and_then(|rows| out.flush().map(|()| rows).map_err(|e| e.to_string()));
            if written.is_err() {
                let _ = std::fs::remove_file(path);
            }
            written.map(|rows| {
                eprintln!(
                    "archived workspace {workspace} ({rows} rows) to {}",
                    path.display()
                );
            })
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout());
            kith_server::archive::export(&db, workspace, &mut out)
                .await
                .map_err(|e| e.to_string())
                .and_then(|_| out.flush().map_err(|e| e.to_string()))
        }
    };
    db.close().await;
    result
}

/// `kith import --archive FILE --owner EMAIL`: a new workspace restored from the file.
async fn import_archive(
    config: Config,
    file: &std::path::Path,
    owner: &str,
    name: Option<&str>,
) -> Result<(), String> {
    let email = kith_core::validate::email(owner).map_err(|m| format!("--owner {m}"))?;
    let reader = std::fs::File::open(file)
        .map(std::io::BufReader::new)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let db = serve::open_database(&config)
        .await
        .map_err(|e| e.to_string())?;
    let result = async {
        let owner = db
            .user_by_email(&email)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no account has the email {email}: create it first (kith admin create-user)"))?;
        let restored = kith_server::archive::import(&db, reader, owner.id, name)
            .await
            .map_err(|e| e.to_string())?;
        println!(
            "restored {} rows into the new workspace {:?} (id {}), owned by {email}",
            restored.rows, restored.name, restored.workspace_id
        );
        if restored.erased_again > 0 {
            println!(
                "erased again {} person(s) erased from the archived workspace since the archive was made",
                restored.erased_again
            );
        }
        Ok(())
    }
    .await;
    db.close().await;
    result
}

async fn migrate(config: &Config) -> Result<(), StartupError> {
    let db = serve::open_database(config).await?;
    db.close().await;
    println!(
        "database {} is up to date",
        kith_store::redact_url(&config.database_url)
    );
    Ok(())
}

fn print_config(config: &Config) {
    for (key, value) in config.redacted() {
        println!("{key} = {value}");
    }
}

/// Logs go to standard error, so that commands' output on standard out stays clean for scripts.
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KITH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
