//! Starting and stopping the server: check the data directory, open and migrate the database,
//! bind, serve until told to stop, then finish in-flight requests.

use crate::app::{AppState, router};
use crate::auth::password::Hasher;
use crate::auth::throttle;
use crate::config::{Config, ConfigError};
use crate::mail::Mailer;
use kith_store::{Db, DbOptions, JobRunner, KeyRing, StoreError, redact_url};
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// Why Kith could not start, each said in one line with what to do about it.
#[derive(Debug, Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(
        "cannot use the data directory {path}: {source}; set KITH_DATA_DIR (or --data-dir) to a writable directory"
    )]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the key file {path} {message}: restore it from your backup, or set KITH_SECRET_KEY")]
    KeyFile { path: PathBuf, message: String },
    #[error(
        "cannot open the database {url}: {source}; check KITH_DATABASE_URL (or --database-url)"
    )]
    Database { url: String, source: StoreError },
    #[error("cannot bring the database {url} up to date: {source}")]
    Migrate { url: String, source: StoreError },
    #[error("cannot listen on {addr}: {reason}; set KITH_BIND (or --bind) to a free address")]
    Bind { addr: SocketAddr, reason: String },
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
}

/// Opens the database (creating the data directory for SQLite) and brings its schema up to date.
pub async fn open_database(config: &Config) -> Result<Db, StartupError> {
    if config.uses_sqlite() {
        ensure_writable_dir(&config.data_dir)?;
    }
    let (keys, key_file) = key_ring(config)?;
    let options = DbOptions {
        url: config.database_url.clone(),
        max_connections: config.db_max_connections,
        open_workspace_files: config.open_workspace_files,
        connect_timeout: Duration::from_secs(10),
        data_dir: config.data_dir.clone(),
        keys,
        key_file,
    };
    let url = redact_url(&config.database_url);
    let db = Db::connect(&options)
        .await
        .map_err(|source| StartupError::Database {
            url: url.clone(),
            source,
        })?;
    db.migrate()
        .await
        .map_err(|source| StartupError::Migrate { url, source })?;
    Ok(db)
}

/// `KITH_SECRET_KEY` with `KITH_PREVIOUS_SECRET_KEYS`, or the key file in the data directory,
/// created (readable by its owner only) on first start; with the file, where it is. Several
/// instances sharing a database must share `KITH_SECRET_KEY`.
pub fn key_ring(config: &Config) -> Result<(KeyRing, Option<PathBuf>), StartupError> {
    if let Some(key) = config.secret_key {
        let ring = KeyRing {
            current: key,
            previous: config.previous_secret_keys.clone(),
        };
        return Ok((ring, None));
    }
    let path = key_file(config);
    let fail = |source| StartupError::DataDir {
        path: path.clone(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let ring = KeyRing::parse_file(&text).map_err(|message| StartupError::KeyFile {
                path: path.clone(),
                message,
            })?;
            Ok((ring, Some(path)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(&config.data_dir).map_err(fail)?;
            let key = KeyRing::new_key().map_err(|e| fail(std::io::Error::other(e.to_string())))?;
            let ring = KeyRing::single(key);
            write_private(&path, &ring.to_file()).map_err(fail)?;
            tracing::info!(path = %path.display(), "created the key for sensitive fields; back it up with the data");
            Ok((ring, Some(path)))
        }
        Err(e) => Err(fail(e)),
    }
}

pub fn key_file(config: &Config) -> PathBuf {
    config.data_dir.join(crate::config::SECRET_KEY_FILE)
}

/// Replaces the key file with `ring`, at once (a new file renamed over it), readable by its owner
/// only.
pub fn replace_key_file(path: &std::path::Path, ring: &KeyRing) -> std::io::Result<()> {
    let fresh = path.with_extension("key.new");
    match std::fs::remove_file(&fresh) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    write_private(&fresh, &ring.to_file())?;
    std::fs::rename(&fresh, path)
}

/// Creates a file readable and writable by its owner only.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

fn ensure_writable_dir(path: &std::path::Path) -> Result<(), StartupError> {
    let fail = |source| StartupError::DataDir {
        path: path.to_owned(),
        source,
    };
    std::fs::create_dir_all(path).map_err(fail)?;
    let probe = path.join(".kith-write-check");
    std::fs::write(&probe, b"ok").map_err(fail)?;
    std::fs::remove_file(&probe).map_err(fail)
}

/// The state of a command that serves no requests of its own (`kith mcp`, `kith export`) on
/// the configured database: no job runner catches up with field changes (a serving instance's
/// does), and nothing here serves live streams. The stop signal's sender comes with it, for the
/// caller to keep as long as the command runs.
pub async fn command_state(
    config: Config,
) -> Result<(AppState, watch::Sender<bool>), StartupError> {
    let db = open_database(&config).await?;
    let (catch_up, _unprocessed) = mpsc::unbounded_channel();
    let (stop, stopping) = watch::channel(false);
    Ok((app_state(config, db, catch_up, stopping).await?, stop))
}

pub async fn app_state(
    config: Config,
    db: Db,
    catch_up: mpsc::UnboundedSender<uuid::Uuid>,
    stopping: watch::Receiver<bool>,
) -> Result<AppState, StartupError> {
    let mailer = Mailer::new(db.clone(), &config)?;
    let hashers = std::thread::available_parallelism().map_or(2, usize::from);
    Ok(AppState {
        db,
        config: Arc::new(config),
        hasher: Hasher::new(hashers),
        mailer,
        rate_limiter: crate::http::rate_limit::RateLimiter::default(),
        token_cache: crate::http::token_cache::TokenCache::default(),
        catch_up,
        stopping,
    })
}

pub async fn bind(addr: SocketAddr) -> Result<TcpListener, StartupError> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| StartupError::Bind {
            addr,
            reason: match e.kind() {
                std::io::ErrorKind::AddrInUse => {
                    "the address is already in use (is another Kith running?)".to_owned()
                }
                std::io::ErrorKind::PermissionDenied => {
                    "permission denied (ports below 1024 need privileges)".to_owned()
                }
                _ => e.to_string(),
            },
        })
}

/// A server running in the background of this process (used by `kith serve` and the test kit).
pub struct RunningServer {
    pub addr: SocketAddr,
    /// Where plain HTTP is redirected to HTTPS, when `KITH_TLS_REDIRECT_FROM` is set.
    pub redirect_addr: Option<SocketAddr>,
    pub state: AppState,
    /// The capability the background jobs act with (tests run jobs with it).
    pub jobs: JobRunner,
    stop: watch::Sender<bool>,
    task: JoinHandle<Result<(), std::io::Error>>,
}

impl RunningServer {
    /// Stops accepting connections, lets in-flight requests finish, and waits for that.
    pub async fn shutdown(self) -> Result<(), StartupError> {
        let _ = self.stop.send(true);
        let result = self
            .task
            .await
            .map_err(|e| StartupError::Serve(std::io::Error::other(e)))?;
        self.state.db.close().await;
        result.map_err(StartupError::Serve)
    }
}

/// Opens everything and starts serving on `config.bind`; returns once the port is listening.
/// Makes rustls's ring provider the process's: HTTPS clients (reqwest, for `kith mcp --url`)
/// are built on it, as lettre's SMTP already is. Installing it again is refused, harmlessly.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub async fn start(mut config: Config) -> Result<RunningServer, StartupError> {
    install_tls_provider();
    let tls = config
        .tls
        .as_ref()
        .map(crate::tls::server_config)
        .transpose()?;
    let db = open_database(&config).await?;
    let listener = bind(config.bind).await?;
    let addr = listener.local_addr().map_err(StartupError::Serve)?;
    // A public URL made from a bind to port 0 names the port the system picked: links in
    // mails and the OAuth metadata must reach this server.
    if config.public_url.port() == Some(0) {
        let _ = config.public_url.set_port(Some(addr.port()));
    }
    let jobs = db.take_job_runner().ok_or_else(|| {
        StartupError::Serve(std::io::Error::other("the job runner was already taken"))
    })?;
    let (catch_up, catch_up_requests) = mpsc::unbounded_channel();
    let (first_opens, first_opened) = mpsc::unbounded_channel();
    db.on_first_open(first_opens);
    let (stop, stopped) = watch::channel(false);
    let state = app_state(config, db, catch_up, stopped.clone()).await?;
    crate::jobs::schedule(&state)
        .await
        .map_err(|source| StartupError::Database {
            url: redact_url(&state.config.database_url),
            source,
        })?;
    tokio::spawn(maintenance(state.clone(), stopped.clone()));
    tokio::spawn(job_runner(
        state.clone(),
        jobs.clone(),
        Requests {
            catch_up: catch_up_requests,
            first_opened,
        },
        stopped.clone(),
    ));
    tokio::spawn(rate_exchange(state.clone(), stopped.clone()));
    tokio::spawn(crate::webhooks::run(state.clone(), stopped.clone()));
    let redirect_addr = match state.config.tls_redirect_from {
        Some(from) => Some(serve_redirect(from, &state, stopped.clone()).await?),
        None => None,
    };
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let task = match tls {
        None => tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(wait_for(stopped))
                .await
        }),
        Some(tls) => {
            use axum::serve::ListenerExt as _;
            // `tap_io` only to get axum's `ConnectInfo<SocketAddr>` for any listener.
            let listener = crate::tls::TlsListener::new(listener, tls)
                .map_err(StartupError::Serve)?
                .tap_io(|_| {});
            tokio::spawn(async move {
                axum::serve(listener, app)
                    .with_graceful_shutdown(wait_for(stopped))
                    .await
            })
        }
    };
    Ok(RunningServer {
        addr,
        redirect_addr,
        state,
        jobs,
        stop,
        task,
    })
}

/// Answers plain HTTP on `from` with a redirect to the public HTTPS URL, until told to stop.
async fn serve_redirect(
    from: SocketAddr,
    state: &AppState,
    stopped: watch::Receiver<bool>,
) -> Result<SocketAddr, StartupError> {
    let listener = bind(from).await?;
    let addr = listener.local_addr().map_err(StartupError::Serve)?;
    let public_url = state.config.public_url.clone();
    let redirect = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let public_url = public_url.clone();
        async move { crate::tls::redirect_to(&public_url, &request) }
    });
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, redirect)
            .with_graceful_shutdown(wait_for(stopped))
            .await
        {
            tracing::warn!(error = %e, "the redirect to HTTPS stopped");
        }
    });
    Ok(addr)
}

/// Serves until SIGTERM or Ctrl-C, then shuts down gracefully.
pub async fn serve_until_signalled(config: Config) -> Result<(), StartupError> {
    let server = start(config).await?;
    tracing::info!(addr = %server.addr, url = %server.state.config.public_url, "Kith is listening");
    shutdown_signal().await;
    tracing::info!("shutting down: finishing requests in flight");
    server.shutdown().await?;
    tracing::info!("stopped");
    Ok(())
}

async fn wait_for(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM");
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Deletes expired sessions, tokens and counters, stored idempotent answers past a day, and
/// sign-in history past 90 days, every ten minutes. Idempotent, so several instances may run it
/// at once.
fn maintenance(state: AppState, stopped: watch::Receiver<bool>) -> impl Future<Output = ()> {
    const EVERY: Duration = Duration::from_secs(600);
    async move {
        let mut stopped = stopped;
        loop {
            match purge_expired(&state).await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "purged expired rows"),
                Err(e) => tracing::warn!(error = %e, "purging expired rows failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(EVERY) => {}
                _ = stopped.wait_for(|stop| *stop) => return,
            }
        }
    }
}

/// Shares this instance's request counts with the others every second until told to stop.
async fn rate_exchange(state: AppState, mut stopped: watch::Receiver<bool>) {
    loop {
        if let Err(e) = state.rate_limiter.exchange(&state.db).await {
            tracing::warn!(error = %e, "sharing rate-limit counts failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stopped.wait_for(|stop| *stop) => return,
        }
    }
}

/// What the job runner is asked to do at once, besides its due jobs.
struct Requests {
    /// Workspaces whose field changes or saved views want catching up with.
    catch_up: mpsc::UnboundedReceiver<uuid::Uuid>,
    /// Workspaces this process opened for the first time, which may miss indexes or entries.
    first_opened: mpsc::UnboundedReceiver<uuid::Uuid>,
}

enum Asked {
    CatchUp(uuid::Uuid),
    DueJobs,
}

/// Runs due background jobs every minute, and catches up with a workspace's field changes as
/// soon as a request asks, until told to stop.
async fn job_runner(
    state: AppState,
    runner: JobRunner,
    mut requests: Requests,
    mut stopped: watch::Receiver<bool>,
) {
    let mut next_poll = tokio::time::Instant::now();
    loop {
        let asked = tokio::select! {
            _ = tokio::time::sleep_until(next_poll) => Asked::DueJobs,
            Some(workspace_id) = requests.catch_up.recv() => Asked::CatchUp(workspace_id),
            Some(workspace_id) = requests.first_opened.recv() => Asked::CatchUp(workspace_id),
            _ = stopped.wait_for(|stop| *stop) => return,
        };
        match asked {
            // Each catch-up runs beside the loop, as it did when requests started it.
            Asked::CatchUp(workspace_id) => {
                let runner = runner.clone();
                tokio::spawn(async move {
                    crate::jobs::catch_up_workspace(&runner, workspace_id).await
                });
            }
            Asked::DueJobs => {
                if let Err(e) = crate::jobs::run_due(&state, &runner).await {
                    tracing::warn!(error = %e, "running background jobs failed");
                }
                next_poll = tokio::time::Instant::now() + crate::jobs::POLL_EVERY;
            }
        }
    }
}

async fn purge_expired(state: &AppState) -> Result<u64, kith_store::StoreError> {
    const HISTORY_KEEP_MS: i64 = 90 * 24 * 60 * 60 * 1000;
    const HOUR_MS: i64 = 60 * 60 * 1000;
    let now = kith_store::now_millis();
    let db = &state.db;
    Ok(db
        .purge_expired(
            state.config.session_idle_ms(),
            throttle::FAILURE_RETENTION_MS,
            HISTORY_KEEP_MS,
        )
        .await?
        + db.purge_rate_counters(now - HOUR_MS).await?
        + db.purge_idempotency_keys(now - 24 * HOUR_MS).await?)
}
