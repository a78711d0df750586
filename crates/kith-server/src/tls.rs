//! HTTPS served by Kith itself (`KITH_TLS_CERT`, `KITH_TLS_KEY`): a listener that hands axum
//! connections whose TLS handshake is done, and the plain-HTTP listener that redirects to HTTPS
//! (`KITH_TLS_REDIRECT_FROM`).

use crate::config::TlsFiles;
use axum::extract::Request;
use axum::response::{IntoResponse, Redirect, Response};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// A client gets this long to finish its handshake before the connection is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshaken connections waiting for axum to take them.
const ACCEPTED_QUEUE: usize = 64;

#[derive(Debug, Error)]
pub enum TlsError {
    #[error(
        "cannot read the TLS certificate {path}: {reason}; set KITH_TLS_CERT to a PEM file of the certificate chain"
    )]
    Cert { path: String, reason: String },
    #[error(
        "cannot read the TLS private key {path}: {reason}; set KITH_TLS_KEY to a PEM file of the certificate's key"
    )]
    Key { path: String, reason: String },
    #[error("the TLS certificate and key do not go together: {0}")]
    Mismatch(String),
}

/// Reads the PEM files and checks that the key is the certificate's.
pub fn server_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let shown = |path: &Path| path.display().to_string();
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsError::Cert {
            path: shown(&files.cert),
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Cert {
            path: shown(&files.cert),
            reason: "it holds no CERTIFICATE block".into(),
        });
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| TlsError::Key {
        path: shown(&files.key),
        reason: e.to_string(),
    })?;
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TlsError::Mismatch(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Accepts TCP connections and does their handshakes beside each other, so that one slow or
/// silent client holds up nobody else; axum takes only finished ones.
pub struct TlsListener {
    accepted: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local_addr: SocketAddr,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, config: Arc<rustls::ServerConfig>) -> std::io::Result<Self> {
        let local_addr = tcp.local_addr()?;
        let (handshaken, accepted) = mpsc::channel(ACCEPTED_QUEUE);
        tokio::spawn(accept_loop(tcp, TlsAcceptor::from(config), handshaken));
        Ok(TlsListener {
            accepted,
            local_addr,
        })
    }
}

/// Runs until the listener is dropped (its receiver closes).
async fn accept_loop(
    mut tcp: TcpListener,
    acceptor: TlsAcceptor,
    handshaken: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    loop {
        let (stream, peer) = tokio::select! {
            accepted = axum::serve::Listener::accept(&mut tcp) => accepted,
            () = handshaken.closed() => return,
        };
        let (acceptor, handshaken) = (acceptor.clone(), handshaken.clone());
        tokio::spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    let _ = handshaken.send((tls, peer)).await;
                }
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.accepted.recv().await {
            Some(connection) => connection,
            // The accept loop only ends once this listener is gone.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}

/// The plain-HTTP answer when a redirect listener is configured: the same path and query at the
/// public HTTPS URL. The target is always the public URL, never the request's `Host`, so the
/// redirect cannot be pointed elsewhere.
pub fn redirect_to(public_url: &url::Url, request: &Request) -> Response {
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or("/", |path| path.as_str());
    let mut target = public_url.clone();
    target.set_path("");
    let target = format!(
        "{}{}",
        target.as_str().trim_end_matches('/'),
        path_and_query
    );
    Redirect::permanent(&target).into_response()
}
