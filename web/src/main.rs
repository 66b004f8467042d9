//! lsys-web: the lsys shell in a browser. Serves one page (xterm.js, embedded) and a WebSocket
//! that runs `lsys` on a PTY as the Unix user a signed, one-time token names.
//!
//! ```text
//! browser ──HTTP GET /?token=T──► page (index.html, term.js, xterm.js)
//!         ──WS /ws?token=T──► server.rs (origin, token, cap) ──► session.rs ◄─► pty.rs ◄─► lsys
//!                                                                               (as user) ──► lsysd
//! ```
//!
//! Plain HTTP on loopback (behind a proxy), or HTTPS on any address with `--tls-cert/--tls-key`
//! (src/tls.rs). Without a portal, `--password-login` serves a login form that issues the same
//! tokens (src/login.rs). Audit lines for every session and refusal: src/audit.rs.
//!
//! `lsys-web --mint-token USER --ttl SECONDS --token-key FILE` prints a token (src/token.rs).

mod assets;
mod audit;
mod config;
mod crypt;
mod login;
mod pty;
mod server;
mod session;
mod tls;
mod token;

use std::net::SocketAddr;

use anyhow::{Context, Result};

use config::Mode;

fn main() {
    if let Err(e) = real_main() {
        eprintln!("lsys-web: {e:#}");
        std::process::exit(1);
    }
}

fn real_main() -> Result<()> {
    match config::parse(std::env::args().skip(1))? {
        Mode::Help => {
            print!("{}", config::USAGE);
            Ok(())
        }
        Mode::Mint {
            user,
            ttl,
            token_key,
        } => {
            let key = config::read_key(&token_key)?;
            let nonce = token::random_nonce().context("reading /dev/urandom")?;
            println!(
                "{}",
                token::mint(&key, &user, token::now_unix() + ttl, &nonce)
            );
            Ok(())
        }
        Mode::Serve(config) => {
            let key = config::read_key(&config.token_key)?;
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_env("LSYS_WEB_LOG")
                        .unwrap_or_else(|_| "info".into()),
                )
                .with_writer(std::io::stderr)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .init();
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("tokio runtime")?
                .block_on(serve(config, key))
        }
    }
}

async fn serve(config: config::Config, key: Vec<u8>) -> Result<()> {
    // Read before listening: a bad certificate stops the start, not the first connection.
    let acceptor = match &config.tls {
        Some((cert, key)) => Some(tls::acceptor(cert, key)?),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let addr = listener.local_addr()?;
    // Tests and supervisors read the bound address (useful with port 0) from this line.
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    println!("lsys-web listening on {scheme}://{addr}/");
    tracing::info!(%addr, scheme, lsys = %config.lsys.display(), "listening");
    let app = server::App::new(config, key);
    if let Some(acceptor) = acceptor {
        return tls::serve(listener, server::router(app), acceptor).await;
    }
    let service = server::router(app).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service).await.context("serving")
}
