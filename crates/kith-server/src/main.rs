//! `kith`: the one binary. With no command it serves.
#![forbid(unsafe_code)]

mod admin;

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
    /// configured database
    Export {
        /// The object's plural API name (people, companies, or a custom object's)
        object: String,
        /// The API token to read as (its workspace, role and scopes)
        #[arg(long, env = "KITH_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// csv or json
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
        /// Write to this file instead of standard output
        #[arg(long, short = 'o')]
        output: Option<std::path::PathBuf>,
    },
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
        Command::Export {
            object,
            token,
            format,
            filter,
            order_by,
            fields,
            output,
        } => {
            let params = kith_server::records::ExportParams {
                format: Some(format),
                filter,
                order_by,
                fields,
            };
            export(config, token, &object, &params, output.as_deref()).await
        }
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
