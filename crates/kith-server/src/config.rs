//! Configuration: command-line flags, then `KITH_*` environment variables, then `kith.toml`, then
//! defaults, in that order of precedence. [`Settings`] is what a person can set (every field
//! optional); [`Config`] is the checked, effective result.

use clap::ValueEnum;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use thiserror::Error;

pub const DEFAULT_BIND: &str = "127.0.0.1:7700";
pub const DEFAULT_DATA_DIR: &str = "./kith-data";
const DEFAULT_CONFIG_FILE: &str = "kith.toml";

/// Who may create an account through the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignupPolicy {
    /// Anyone who can reach the server.
    Open,
    /// Only people holding an invitation to a workspace.
    Invite,
    /// Nobody; accounts come from `kith admin create-user`.
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Everything that can be configured. The same names serve as flags (`--data-dir`), environment
/// variables (`KITH_DATA_DIR`) and keys of `kith.toml` (`data_dir`).
#[derive(Debug, Clone, Default, clap::Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on [default: 127.0.0.1:7700]
    #[arg(long, env = "KITH_BIND", global = true)]
    pub bind: Option<String>,
    /// Directory for the SQLite database and other local data [default: ./kith-data]
    #[arg(long, env = "KITH_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// sqlite://… or postgres://… [default: the SQLite file kith.db in the data directory]
    #[arg(long, env = "KITH_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// The URL people reach Kith at, used in links in emails [default: http://BIND]
    #[arg(long, env = "KITH_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Who may sign up [default: open until the first account exists, then invite]
    #[arg(long, env = "KITH_SIGNUP", global = true)]
    pub signup: Option<SignupPolicy>,
    /// Log line format [default: text]
    #[arg(long, env = "KITH_LOG_FORMAT", global = true)]
    pub log_format: Option<LogFormat>,
    /// SMTP server for outgoing mail, e.g. smtps://user:pass@mail.example.com; without it mail stays in the local outbox
    #[arg(long, env = "KITH_SMTP_URL", global = true)]
    pub smtp_url: Option<String>,
    /// Sender of outgoing mail [default: Kith <kith@localhost>]
    #[arg(long, env = "KITH_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,
    /// Hours a session survives without use [default: 168]
    #[arg(long, env = "KITH_SESSION_IDLE_HOURS", global = true)]
    pub session_idle_hours: Option<u64>,
    /// Days a session lives at most [default: 30]
    #[arg(long, env = "KITH_SESSION_MAX_DAYS", global = true)]
    pub session_max_days: Option<u64>,
    /// Trust X-Forwarded-For / X-Forwarded-Proto from a reverse proxy [default: false]
    #[arg(long, env = "KITH_TRUST_PROXY", global = true)]
    pub trust_proxy: Option<bool>,
    /// Largest accepted request body in bytes [default: 2097152]
    #[arg(long, env = "KITH_MAX_BODY_BYTES", global = true)]
    pub max_body_bytes: Option<usize>,
    /// Seconds before a request is answered 408 [default: 30]
    #[arg(long, env = "KITH_REQUEST_TIMEOUT_SECS", global = true)]
    pub request_timeout_secs: Option<u64>,
    /// Key for sensitive field values: 32 bytes as base64 or hex [default: a key file created in the data directory]
    #[arg(long, env = "KITH_SECRET_KEY", global = true, hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Earlier keys, comma-separated, that still open what they sealed until `kith admin rotate-key` has re-sealed it (with KITH_SECRET_KEY; the key file keeps them on its later lines)
    #[arg(
        long,
        env = "KITH_PREVIOUS_SECRET_KEYS",
        global = true,
        hide_env_values = true
    )]
    pub previous_secret_keys: Option<String>,
    /// Days a record stays in the trash before it is deleted for good [default: 30]
    #[arg(long, env = "KITH_TRASH_RETENTION_DAYS", global = true)]
    pub trash_retention_days: Option<u64>,
    /// Days the audit log of tokens' and agents' calls is kept [default: 90]
    #[arg(long, env = "KITH_AUDIT_RETENTION_DAYS", global = true)]
    pub audit_retention_days: Option<u64>,
    /// Days a mail stays in the outbox, sent or not [default: 90]
    #[arg(long, env = "KITH_OUTBOX_RETENTION_DAYS", global = true)]
    pub outbox_retention_days: Option<u64>,
    /// Days a deleted workspace can be restored before it is purged with all its data [default: 30]
    #[arg(long, env = "KITH_WORKSPACE_RETENTION_DAYS", global = true)]
    pub workspace_retention_days: Option<u64>,
    /// Days an import's history (its counts and rejected rows) is kept [default: 30]
    #[arg(long, env = "KITH_IMPORT_RETENTION_DAYS", global = true)]
    pub import_retention_days: Option<u64>,
    /// Requests per minute one API token may make [default: 600]
    #[arg(long, env = "KITH_TOKEN_RATE_LIMIT", global = true)]
    pub token_rate_limit: Option<u32>,
    /// Requests per minute one signed-in person may make to /rest [default: 1200]
    #[arg(long, env = "KITH_USER_RATE_LIMIT", global = true)]
    pub user_rate_limit: Option<u32>,
    /// Database connections per instance [default: 10]
    #[arg(long, env = "KITH_DB_MAX_CONNECTIONS", global = true)]
    pub db_max_connections: Option<u32>,
    /// SQLite: workspace files kept open while unused (each holds connections, threads and
    /// memory); a file in use is never closed, one unused for a minute always is [default: 16]
    #[arg(long, env = "KITH_OPEN_WORKSPACE_FILES", global = true)]
    pub open_workspace_files: Option<u32>,
    /// Origins of browser-based MCP clients allowed to call `/mcp`, separated by commas.
    #[arg(long, env = "KITH_MCP_ORIGINS", global = true)]
    pub mcp_origins: Option<String>,
    /// PEM file of the certificate chain for HTTPS; with KITH_TLS_KEY, Kith serves HTTPS itself
    #[arg(long, env = "KITH_TLS_CERT", global = true)]
    pub tls_cert: Option<PathBuf>,
    /// PEM file of the certificate's private key
    #[arg(long, env = "KITH_TLS_KEY", global = true)]
    pub tls_key: Option<PathBuf>,
    /// Address (such as 0.0.0.0:80) where plain HTTP is answered with a redirect to HTTPS
    #[arg(long, env = "KITH_TLS_REDIRECT_FROM", global = true)]
    pub tls_redirect_from: Option<String>,
}

/// The effective configuration, checked.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub public_url: url::Url,
    /// `None`: open until the first account exists, then invite.
    pub signup: Option<SignupPolicy>,
    pub log_format: LogFormat,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub session_idle: Duration,
    pub session_max: Duration,
    pub trust_proxy: bool,
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    pub db_max_connections: u32,
    pub open_workspace_files: usize,
    /// Requests per minute one API token may make.
    pub token_rate_limit: u32,
    /// Requests per minute one signed-in person may make to `/rest`.
    pub user_rate_limit: u32,
    /// How long records stay in the trash.
    pub trash_retention: Duration,
    /// How long the audit log keeps an entry.
    pub audit_retention: Duration,
    /// How long the mail outbox keeps a mail.
    pub outbox_retention: Duration,
    /// How long a deleted workspace can be restored.
    pub workspace_retention: Duration,
    /// How long an import's history is kept.
    pub import_retention: Duration,
    /// The key of `KITH_SECRET_KEY`, if given (otherwise the key file is used).
    pub secret_key: Option<[u8; 32]>,
    /// `KITH_PREVIOUS_SECRET_KEYS`: keys that open values, and seal none.
    pub previous_secret_keys: Vec<[u8; 32]>,
    /// Origins (as `scheme://host[:port]`) of browser-based MCP clients allowed to call `/mcp`
    /// besides the public URL's.
    pub mcp_origins: Vec<String>,
    /// The certificate and key Kith serves HTTPS with, if it does.
    pub tls: Option<TlsFiles>,
    /// Where plain HTTP is redirected to the public (HTTPS) URL.
    pub tls_redirect_from: Option<SocketAddr>,
    /// Where the settings file was read from, if one was.
    pub config_file: Option<PathBuf>,
}

/// PEM files of a certificate chain and its private key.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {message}")]
    ParseFile { path: PathBuf, message: String },
    #[error("{setting} {message}")]
    Invalid {
        setting: &'static str,
        message: String,
    },
}

/// `KITH_MCP_ORIGINS`: origins such as `http://localhost:6274`, separated by commas.
fn parse_origins(text: &str) -> Result<Vec<String>, ConfigError> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let url = url::Url::parse(part).ok().filter(|url| {
                matches!(url.scheme(), "http" | "https")
                    && url.path() == "/"
                    && url.query().is_none()
                    && !part.ends_with('/')
            });
            url.map(|url| url.origin().ascii_serialization())
                .ok_or_else(|| {
                    invalid(
                        "KITH_MCP_ORIGINS",
                        format!("must list origins such as https://app.example.com, got {part:?}"),
                    )
                })
        })
        .collect()
}

fn invalid(setting: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        setting,
        message: message.into(),
    }
}

impl Settings {
    /// Fills every unset field of `self` from `fallback`.
    fn or(self, fallback: Settings) -> Settings {
        Settings {
            bind: self.bind.or(fallback.bind),
            data_dir: self.data_dir.or(fallback.data_dir),
            database_url: self.database_url.or(fallback.database_url),
            public_url: self.public_url.or(fallback.public_url),
            signup: self.signup.or(fallback.signup),
            log_format: self.log_format.or(fallback.log_format),
            smtp_url: self.smtp_url.or(fallback.smtp_url),
            mail_from: self.mail_from.or(fallback.mail_from),
            session_idle_hours: self.session_idle_hours.or(fallback.session_idle_hours),
            session_max_days: self.session_max_days.or(fallback.session_max_days),
            trust_proxy: self.trust_proxy.or(fallback.trust_proxy),
            max_body_bytes: self.max_body_bytes.or(fallback.max_body_bytes),
            request_timeout_secs: self.request_timeout_secs.or(fallback.request_timeout_secs),
            db_max_connections: self.db_max_connections.or(fallback.db_max_connections),
            open_workspace_files: self.open_workspace_files.or(fallback.open_workspace_files),
            token_rate_limit: self.token_rate_limit.or(fallback.token_rate_limit),
            user_rate_limit: self.user_rate_limit.or(fallback.user_rate_limit),
            trash_retention_days: self.trash_retention_days.or(fallback.trash_retention_days),
            audit_retention_days: self.audit_retention_days.or(fallback.audit_retention_days),
            outbox_retention_days: self
                .outbox_retention_days
                .or(fallback.outbox_retention_days),
            import_retention_days: self
                .import_retention_days
                .or(fallback.import_retention_days),
            workspace_retention_days: self
                .workspace_retention_days
                .or(fallback.workspace_retention_days),
            secret_key: self.secret_key.or(fallback.secret_key),
            previous_secret_keys: self.previous_secret_keys.or(fallback.previous_secret_keys),
            mcp_origins: self.mcp_origins.or(fallback.mcp_origins),
            tls_cert: self.tls_cert.or(fallback.tls_cert),
            tls_key: self.tls_key.or(fallback.tls_key),
            tls_redirect_from: self.tls_redirect_from.or(fallback.tls_redirect_from),
        }
    }

    fn from_file(path: &Path) -> Result<Settings, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::ReadFile {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::ParseFile {
            path: path.to_owned(),
            message: e.message().to_owned(),
        })
    }
}

impl Config {
    /// Resolves flags and environment (`from_cli`) over the config file over defaults. The file is
    /// `config_file` if given (and must then exist), else `./kith.toml` if present.
    pub fn resolve(from_cli: Settings, config_file: Option<&Path>) -> Result<Config, ConfigError> {
        let file = match config_file {
            Some(path) => Some(path.to_owned()),
            None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.is_file()),
        };
        let from_file = match &file {
            Some(path) => Settings::from_file(path)?,
            None => Settings::default(),
        };
        let mut config = Self::from_settings(from_cli.or(from_file))?;
        config.config_file = file;
        Ok(config)
    }

    /// Checks settings and fills defaults; no file is read.
    pub fn from_settings(s: Settings) -> Result<Config, ConfigError> {
        let bind_text = s.bind.as_deref().unwrap_or(DEFAULT_BIND);
        let bind: SocketAddr = bind_text.parse().map_err(|_| {
            invalid(
                "KITH_BIND",
                format!("must be an IP address and port such as 127.0.0.1:7700, got {bind_text:?}"),
            )
        })?;
        let (tls, tls_redirect_from) = tls_settings(&s)?;
        let data_dir = s
            .data_dir
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database_url = match s.database_url {
            Some(url) => check_database_url(url)?,
            None => format!("sqlite://{}", data_dir.join("kith.db").display()),
        };
        let public_url = match &s.public_url {
            Some(text) => parse_public_url(text)?,
            None => {
                let scheme = if tls.is_some() { "https" } else { "http" };
                url::Url::parse(&format!("{scheme}://{bind}/"))
                    .map_err(|e| invalid("KITH_BIND", format!("does not make a URL: {e}")))?
            }
        };
        if tls.is_some() && public_url.scheme() != "https" {
            return Err(invalid(
                "KITH_PUBLIC_URL",
                format!(
                    "must be an https:// URL when Kith serves HTTPS (KITH_TLS_CERT), got {public_url}"
                ),
            ));
        }
        if let Some(smtp) = &s.smtp_url {
            check_smtp_url(smtp)?;
        }
        let previous_secret_keys =
            previous_secret_keys(s.previous_secret_keys.as_deref(), s.secret_key.is_some())?;
        let mail_from = s
            .mail_from
            .unwrap_or_else(|| "Kith <kith@localhost>".to_owned());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(invalid(
                "KITH_MAIL_FROM",
                format!("must be an address such as \"Kith <crm@example.com>\", got {mail_from:?}"),
            ));
        }
        let session_idle_hours = positive(
            "KITH_SESSION_IDLE_HOURS",
            s.session_idle_hours.unwrap_or(168),
        )?;
        let session_max_days = positive("KITH_SESSION_MAX_DAYS", s.session_max_days.unwrap_or(30))?;
        let max_body_bytes = s.max_body_bytes.unwrap_or(2 * 1024 * 1024);
        if max_body_bytes < 1024 {
            return Err(invalid("KITH_MAX_BODY_BYTES", "must be at least 1024"));
        }
        Ok(Config {
            bind,
            data_dir,
            database_url,
            public_url,
            signup: s.signup,
            log_format: s.log_format.unwrap_or(LogFormat::Text),
            smtp_url: s.smtp_url,
            mail_from,
            session_idle: Duration::from_secs(session_idle_hours * 3600),
            session_max: Duration::from_secs(session_max_days * 86_400),
            trust_proxy: s.trust_proxy.unwrap_or(false),
            max_body_bytes,
            request_timeout: Duration::from_secs(positive(
                "KITH_REQUEST_TIMEOUT_SECS",
                s.request_timeout_secs.unwrap_or(30),
            )?),
            db_max_connections: u32::try_from(positive(
                "KITH_DB_MAX_CONNECTIONS",
                s.db_max_connections.unwrap_or(10).into(),
            )?)
            .unwrap_or(u32::MAX),
            open_workspace_files: usize::try_from(positive(
                "KITH_OPEN_WORKSPACE_FILES",
                s.open_workspace_files.unwrap_or(16).into(),
            )?)
            .unwrap_or(usize::MAX),
            token_rate_limit: u32::try_from(positive(
                "KITH_TOKEN_RATE_LIMIT",
                s.token_rate_limit.unwrap_or(600).into(),
            )?)
            .unwrap_or(u32::MAX),
            user_rate_limit: u32::try_from(positive(
                "KITH_USER_RATE_LIMIT",
                s.user_rate_limit.unwrap_or(1200).into(),
            )?)
            .unwrap_or(u32::MAX),
            trash_retention: Duration::from_secs(
                positive(
                    "KITH_TRASH_RETENTION_DAYS",
                    s.trash_retention_days.unwrap_or(30),
                )? * 86_400,
            ),
            audit_retention: Duration::from_secs(
                positive(
                    "KITH_AUDIT_RETENTION_DAYS",
                    s.audit_retention_days.unwrap_or(90),
                )? * 86_400,
            ),
            outbox_retention: Duration::from_secs(
                positive(
                    "KITH_OUTBOX_RETENTION_DAYS",
                    s.outbox_retention_days.unwrap_or(90),
                )? * 86_400,
            ),
            workspace_retention: Duration::from_secs(
                positive(
                    "KITH_WORKSPACE_RETENTION_DAYS",
                    s.workspace_retention_days.unwrap_or(30),
                )? * 86_400,
            ),
            import_retention: Duration::from_secs(
                positive(
                    "KITH_IMPORT_RETENTION_DAYS",
                    s.import_retention_days.unwrap_or(30),
                )? * 86_400,
            ),
            secret_key: s.secret_key.as_deref().map(parse_secret_key).transpose()?,
            previous_secret_keys,
            mcp_origins: s
                .mcp_origins
                .as_deref()
                .map(parse_origins)
                .transpose()?
                .unwrap_or_default(),
            tls,
            tls_redirect_from,
            config_file: None,
        })
    }

    /// Whether Kith keeps its database in a SQLite file (and so needs a writable data directory).
    pub fn uses_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// How long an unused session lives, in stored milliseconds.
    pub fn session_idle_ms(&self) -> i64 {
        i64::try_from(self.session_idle.as_millis()).unwrap_or(i64::MAX / 2)
    }

    /// How long a session lives at most, in stored milliseconds.
    pub fn session_max_ms(&self) -> i64 {
        i64::try_from(self.session_max.as_millis()).unwrap_or(i64::MAX / 2)
    }

    /// Whether people reach Kith over HTTPS, so cookies must be `Secure`.
    pub fn served_over_tls(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// The configuration as `kith config` prints it, secrets replaced by `***`.
    pub fn redacted(&self) -> Vec<(&'static str, String)> {
        let signup = match self.signup {
            Some(policy) => format!("{policy:?}").to_lowercase(),
            None => "open until the first account exists, then invite".to_owned(),
        };
        vec![
            (
                "config_file",
                self.config_file
                    .as_ref()
                    .map_or("(none)".to_owned(), |p| p.display().to_string()),
            ),
            ("bind", self.bind.to_string()),
            ("data_dir", self.data_dir.display().to_string()),
            ("database_url", kith_store::redact_url(&self.database_url)),
            ("public_url", self.public_url.to_string()),
            ("signup", signup),
            (
                "log_format",
                format!("{:?}", self.log_format).to_lowercase(),
            ),
            (
                "smtp_url",
                self.smtp_url.as_deref().map_or(
                    "(none: mail goes to the local outbox)".to_owned(),
                    kith_store::redact_url,
                ),
            ),
            ("mail_from", self.mail_from.clone()),
            (
                "session_idle_hours",
                (self.session_idle.as_secs() / 3600).to_string(),
            ),
            (
                "session_max_days",
                (self.session_max.as_secs() / 86_400).to_string(),
            ),
            ("trust_proxy", self.trust_proxy.to_string()),
            ("max_body_bytes", self.max_body_bytes.to_string()),
            (
                "request_timeout_secs",
                self.request_timeout.as_secs().to_string(),
            ),
            ("db_max_connections", self.db_max_connections.to_string()),
            (
                "open_workspace_files",
                self.open_workspace_files.to_string(),
            ),
            ("token_rate_limit", self.token_rate_limit.to_string()),
            ("user_rate_limit", self.user_rate_limit.to_string()),
            ("secret_key", self.secret_key_source()),
            (
                "previous_secret_keys",
                match self.previous_secret_keys.len() {
                    0 => "(none)".to_owned(),
                    n => format!("*** ({n} keys)"),
                },
            ),
            (
                "trash_retention_days",
                (self.trash_retention.as_secs() / 86_400).to_string(),
            ),
            (
                "audit_retention_days",
                (self.audit_retention.as_secs() / 86_400).to_string(),
            ),
            (
                "outbox_retention_days",
                (self.outbox_retention.as_secs() / 86_400).to_string(),
            ),
            (
                "workspace_retention_days",
                (self.workspace_retention.as_secs() / 86_400).to_string(),
            ),
            (
                "import_retention_days",
                (self.import_retention.as_secs() / 86_400).to_string(),
            ),
            (
                "tls",
                self.tls
                    .as_ref()
                    .map_or("(none: plain HTTP)".to_owned(), |tls| {
                        format!("{} with {}", tls.cert.display(), tls.key.display())
                    }),
            ),
            (
                "tls_redirect_from",
                self.tls_redirect_from
                    .map_or("(none)".to_owned(), |addr| addr.to_string()),
            ),
        ]
    }
}

/// The key file used when `KITH_SECRET_KEY` is not set, created on first start.
pub const SECRET_KEY_FILE: &str = "secret.key";

impl Config {
    /// Where the key of sensitive fields comes from, for `kith config` (never the key itself).
    fn secret_key_source(&self) -> String {
        match self.secret_key {
            Some(_) => "*** (KITH_SECRET_KEY)".to_owned(),
            None => format!(
                "(key file {})",
                self.data_dir.join(SECRET_KEY_FILE).display()
            ),
        }
    }
}

/// 32 bytes, written as base64 (44 characters) or hex (64).
pub fn parse_secret_key(text: &str) -> Result<[u8; 32], ConfigError> {
    kith_store::parse_key(text).map_err(|message| invalid("KITH_SECRET_KEY", message))
}

/// `KITH_PREVIOUS_SECRET_KEYS`, which only `KITH_SECRET_KEY` takes: the key file holds its
/// earlier keys itself.
fn previous_secret_keys(
    text: Option<&str>,
    with_secret_key: bool,
) -> Result<Vec<[u8; 32]>, ConfigError> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    if !with_secret_key {
        return Err(invalid(
            "KITH_PREVIOUS_SECRET_KEYS",
            "needs KITH_SECRET_KEY; with the key file, earlier keys are its later lines",
        ));
    }
    text.split(',')
        .filter(|key| !key.trim().is_empty())
        .enumerate()
        .map(|(i, key)| {
            kith_store::parse_key(key).map_err(|message| {
                invalid(
                    "KITH_PREVIOUS_SECRET_KEYS",
                    format!("key {}: {message}", i + 1),
                )
            })
        })
        .collect()
}

/// `KITH_TLS_CERT` and `KITH_TLS_KEY` come together; a redirect from HTTP needs both.
fn tls_settings(s: &Settings) -> Result<(Option<TlsFiles>, Option<SocketAddr>), ConfigError> {
    let tls = match (&s.tls_cert, &s.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        }),
        (None, None) => None,
        (Some(_), None) => {
            return Err(invalid(
                "KITH_TLS_KEY",
                "must be set with KITH_TLS_CERT: the PEM file of the certificate's private key",
            ));
        }
        (None, Some(_)) => {
            return Err(invalid(
                "KITH_TLS_CERT",
                "must be set with KITH_TLS_KEY: the PEM file of the certificate chain",
            ));
        }
    };
    let redirect = match &s.tls_redirect_from {
        None => None,
        Some(_) if tls.is_none() => {
            return Err(invalid(
                "KITH_TLS_REDIRECT_FROM",
                "needs KITH_TLS_CERT and KITH_TLS_KEY: it redirects plain HTTP to Kith's HTTPS",
            ));
        }
        Some(text) => Some(text.parse::<SocketAddr>().map_err(|_| {
            invalid(
                "KITH_TLS_REDIRECT_FROM",
                format!("must be an IP address and port such as 0.0.0.0:80, got {text:?}"),
            )
        })?),
    };
    Ok((tls, redirect))
}

fn positive(setting: &'static str, value: u64) -> Result<u64, ConfigError> {
    if value == 0 {
        Err(invalid(setting, "must be greater than 0"))
    } else {
        Ok(value)
    }
}

fn check_database_url(url: String) -> Result<String, ConfigError> {
    let known = ["sqlite:", "postgres://", "postgresql://"];
    if !known.iter().any(|prefix| url.starts_with(prefix)) {
        return Err(invalid(
            "KITH_DATABASE_URL",
            format!(
                "must start with sqlite:// or postgres://, got {:?}",
                kith_store::redact_url(&url)
            ),
        ));
    }
    if url.starts_with("postgres") && url::Url::parse(&url).is_err() {
        return Err(invalid(
            "KITH_DATABASE_URL",
            "is not a valid URL (postgres://user:password@host:5432/database)",
        ));
    }
    Ok(url)
}

fn parse_public_url(text: &str) -> Result<url::Url, ConfigError> {
    let url = url::Url::parse(text).map_err(|e| {
        invalid(
            "KITH_PUBLIC_URL",
            format!("is not a valid URL ({e}): {text:?}"),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid(
            "KITH_PUBLIC_URL",
            format!("must be an http:// or https:// URL, got {text:?}"),
        ));
    }
    Ok(url)
}

fn check_smtp_url(text: &str) -> Result<(), ConfigError> {
    let url = url::Url::parse(text)
        .map_err(|e| invalid("KITH_SMTP_URL", format!("is not a valid URL ({e})")))?;
    if !matches!(url.scheme(), "smtp" | "smtps") || url.host().is_none() {
        return Err(invalid(
            "KITH_SMTP_URL",
            "must look like smtps://user:password@mail.example.com or smtp://host:25 (add ?tls=required for STARTTLS)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_serve_sqlite_on_loopback() {
        let config = Config::from_settings(Settings::default()).expect("defaults are valid");
        assert_eq!(config.bind.to_string(), DEFAULT_BIND);
        assert_eq!(config.database_url, "sqlite://./kith-data/kith.db");
        assert_eq!(config.public_url.as_str(), "http://127.0.0.1:7700/");
        assert!(!config.served_over_tls());
    }

    #[test]
    fn mcp_origins_are_origins() {
        let origins = parse_origins("http://localhost:6274, https://app.example.com:8443")
            .expect("two origins");
        assert_eq!(
            origins,
            ["http://localhost:6274", "https://app.example.com:8443"]
        );
        for bad in [
            "localhost:6274",
            "https://app.example.com/path",
            "https://x.example/",
        ] {
            let error = parse_origins(bad).expect_err(bad).to_string();
            assert!(error.starts_with("KITH_MCP_ORIGINS"), "{error}");
        }
    }

    #[test]
    fn bad_values_name_the_setting() {
        let cases: [(Settings, &str); 5] = [
            (
                Settings {
                    bind: Some("localhost".into()),
                    ..Default::default()
                },
                "KITH_BIND",
            ),
            (
                Settings {
                    database_url: Some("mysql://x".into()),
                    ..Default::default()
                },
                "KITH_DATABASE_URL",
            ),
            (
                Settings {
                    public_url: Some("ftp://x".into()),
                    ..Default::default()
                },
                "KITH_PUBLIC_URL",
            ),
            (
                Settings {
                    smtp_url: Some("http://mail".into()),
                    ..Default::default()
                },
                "KITH_SMTP_URL",
            ),
            (
                Settings {
                    session_max_days: Some(0),
                    ..Default::default()
                },
                "KITH_SESSION_MAX_DAYS",
            ),
        ];
        for (settings, name) in cases {
            let err = Config::from_settings(settings).expect_err(name).to_string();
            assert!(err.starts_with(name), "{err}");
        }
    }

    #[test]
    fn tls_settings_come_together_and_make_the_public_url_https() {
        let with = |cert: Option<&str>, key: Option<&str>, redirect: Option<&str>| Settings {
            tls_cert: cert.map(PathBuf::from),
            tls_key: key.map(PathBuf::from),
            tls_redirect_from: redirect.map(str::to_owned),
            ..Default::default()
        };
        let config = Config::from_settings(with(Some("c.pem"), Some("k.pem"), Some("0.0.0.0:80")))
            .expect("valid");
        assert_eq!(config.public_url.as_str(), "https://127.0.0.1:7700/");
        assert!(config.served_over_tls());
        assert_eq!(
            config.tls_redirect_from,
            Some("0.0.0.0:80".parse().expect("addr"))
        );
        for (settings, name) in [
            (with(Some("c.pem"), None, None), "KITH_TLS_KEY"),
            (with(None, Some("k.pem"), None), "KITH_TLS_CERT"),
            (
                with(None, None, Some("0.0.0.0:80")),
                "KITH_TLS_REDIRECT_FROM",
            ),
            (
                with(Some("c.pem"), Some("k.pem"), Some(":80")),
                "KITH_TLS_REDIRECT_FROM",
            ),
            (
                Settings {
                    public_url: Some("http://crm.example.com".into()),
                    ..with(Some("c.pem"), Some("k.pem"), None)
                },
                "KITH_PUBLIC_URL",
            ),
        ] {
            let err = Config::from_settings(settings).expect_err(name).to_string();
            assert!(err.starts_with(name), "{err}");
        }
    }

    #[test]
    fn flags_and_env_win_over_the_file() {
        let cli = Settings {
            bind: Some("127.0.0.1:9000".into()),
            ..Default::default()
        };
        let file = Settings {
            bind: Some("127.0.0.1:8000".into()),
            data_dir: Some("/srv/kith".into()),
            ..Default::default()
        };
        let config = Config::from_settings(cli.or(file)).expect("valid");
        assert_eq!(config.bind.port(), 9000);
        assert_eq!(config.data_dir, PathBuf::from("/srv/kith"));
    }

    #[test]
    fn secrets_are_redacted() {
        let settings = Settings {
            database_url: Some("postgres://kith:hunter22@db/kith".into()),
            smtp_url: Some("smtps://me:mailpass@mail.example.com".into()),
            ..Default::default()
        };
        let printed = format!(
            "{:?}",
            Config::from_settings(settings).expect("valid").redacted()
        );
        assert!(
            !printed.contains("hunter22") && !printed.contains("mailpass"),
            "{printed}"
        );
    }
}
