//! HTTPS: rustls (ring provider) in front of the same router.
//!
//! ```text
//! TcpListener.accept ─► TlsAcceptor (handshake, 10 s bound) ─► hyper http1 (with upgrades)
//!                       └ ConnectInfo(peer) inserted per connection ─► server::router
//! ```
//!
//! `axum::serve` takes only a plain listener, so this module is the small accept loop that
//! replaces it under `--tls-cert/--tls-key`. A failed handshake (plain HTTP to this port, a
//! client that does not trust the certificate) closes that connection only.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use axum::extract::ConnectInfo;
use axum::{Extension, Router};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;
use tracing::{debug, warn};

/// The acceptor for a PEM certificate chain and its PEM private key.
pub fn acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor> {
    // Owned by root and private, as the token key: refused before anything is read from it.
    let key_pem = crate::config::read_secret("--tls-key", key)?;
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|i| i.collect::<Result<Vec<_>, _>>())
        .map_err(|e| anyhow!("--tls-cert {}: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(anyhow!("--tls-cert {}: no certificate", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|e| anyhow!("--tls-key {}: {e}", key.display()))?;
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .context("TLS versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the TLS certificate and key do not go together")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Serves `router` over TLS on `listener` until the process ends.
pub async fn serve(listener: TcpListener, router: Router, acceptor: TlsAcceptor) -> Result<()> {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                // EMFILE and the like: wait rather than spin.
                warn!("accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let (acceptor, router) = (acceptor.clone(), router.clone());
        tokio::spawn(async move {
            let tls =
                match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                    Ok(Ok(s)) => s,
                    Ok(Err(e)) => return debug!(%peer, "TLS handshake failed: {e}"),
                    Err(_) => return debug!(%peer, "TLS handshake timed out"),
                };
            let service =
                TowerToHyperService::new(router.layer(Extension(ConnectInfo::<SocketAddr>(peer))));
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tls), service)
                .with_upgrades()
                .await
            {
                debug!(%peer, "connection: {e}");
            }
        });
    }
}
