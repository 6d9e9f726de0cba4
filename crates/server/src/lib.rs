//! # server: claimtrail's HTTP side (web UI, JSON API, live events)
//!
//! The only crate that knows HTTP. [`router`] builds one axum `Router` holding the pages
//! (server-rendered HTML, readable without JavaScript), the JSON API that mirrors them under
//! `/api`, the server-sent event stream `/api/events`, and two static files compiled into the
//! binary (`/static/app.js`, `/static/style.css`). [`serve`] runs it on a listener until a
//! shutdown future resolves; [`serve_blocking`] does the same on its own runtime and stops on
//! Ctrl-C, which is what `claimtrail serve` calls.
//!
//! Why handlers go through `spawn_blocking`: the `Store` trait and the [`app::Tracker`] are
//! synchronous (SQLite is), so every read or write runs on tokio's blocking pool and no
//! request ever stalls the threads that drive sockets and event streams.
//!
//! Why pages are built with [`html::Markup`] rather than a template engine: every string that
//! came from a feed is hostile, and `Markup` only accepts markup as `&'static str` (literals
//! in this crate); everything else goes through `text`, which escapes it. An unescaped feed
//! string therefore does not compile, rather than depending on a reviewer noticing it.
//!
//! Why the router is built through [`routes::Routes`]: it records each (method, path) it
//! registers, so a test can check that the OpenAPI document lists exactly the routes there
//! are, in both directions.
//!
//! Security, in one place ([`security`]): a strict Content-Security-Policy (`default-src
//! 'self'`, no inline script or style), `nosniff`, no referrer; writes need a bearer token
//! whenever one is configured, and [`check_listen`] refuses to listen beyond loopback without
//! one; browsers' cross-site writes are refused by their `Sec-Fetch-Site` header.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! let store = Arc::new(store::SqliteStore::open("claimtrail.db")?);
//! let tracker = Arc::new(app::Tracker::open(store, app::TrackerConfig::default())?);
//! let config = server::Config::new("127.0.0.1:8080".parse()?);
//! server::serve_blocking(config, tracker, |addr| println!("serving http://{addr}"))?;
//! # Ok(())
//! # }
//! ```

#![recursion_limit = "512"]

mod api;
pub mod cache;
mod error;
mod events;
mod highlight;
pub mod html;
pub mod openapi;
mod pages;
mod queries;
pub mod routes;
pub mod sample;
pub mod security;

pub use error::ApiError;
pub use security::check_listen;

use app::Tracker;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;

/// Request bodies above this many bytes are refused with 413 (an HTML page is rarely larger).
pub const DEFAULT_BODY_LIMIT: usize = 4 * 1024 * 1024;

/// How the server listens and whom it lets write.
#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    /// Bearer token required by every write (POST, DELETE) when set; required to listen on
    /// anything but loopback. Empty counts as unset.
    pub token: Option<String>,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Accept watches whose webhook is on a loopback, private or link-local address.
    pub allow_private_webhooks: bool,
}

impl Config {
    pub fn new(addr: SocketAddr) -> Config {
        Config {
            addr,
            token: None,
            body_limit: DEFAULT_BODY_LIMIT,
            allow_private_webhooks: false,
        }
    }

    /// The token, with an empty string treated as none.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref().filter(|t| !t.is_empty())
    }
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "refusing to listen on {addr} without a token: anyone who can reach it could add and \
         remove feeds and articles; set CLAIMTRAIL_TOKEN (at least {min} characters) or listen \
         on 127.0.0.1"
    )]
    TokenRequired { addr: SocketAddr, min: usize },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// What every handler shares: the tracker (and through it the store), the event hub, the
/// token, and a flag that ends open event streams at shutdown.
#[derive(Clone)]
pub struct AppState {
    pub(crate) tracker: Arc<Tracker>,
    pub(crate) events: events::Hub,
    /// Story views between requests (see [`cache`]).
    pub(crate) stories: Arc<cache::StoryCache>,
    pub(crate) token: Option<Arc<str>>,
    pub(crate) shutdown: watch::Receiver<bool>,
    pub(crate) allow_private_webhooks: bool,
}

impl AppState {
    /// State for `tracker`; the returned sender ends every open event stream when it sends
    /// `true` (or is dropped).
    pub fn new(tracker: Arc<Tracker>, config: &Config) -> (AppState, watch::Sender<bool>) {
        let (tx, rx) = watch::channel(false);
        let stories = Arc::new(cache::StoryCache::new());
        let state = AppState {
            events: events::Hub::start(&tracker, stories.clone()),
            stories,
            tracker,
            token: config.token().map(Arc::from),
            shutdown: rx,
            allow_private_webhooks: config.allow_private_webhooks,
        };
        (state, tx)
    }
}

/// The whole application: pages, API, events and static files, with the security layers.
pub fn router(state: AppState, config: &Config) -> axum::Router {
    routes::build(state, config).into_router()
}

/// Serves on `listener` until `shutdown` resolves, then ends event streams and waits for
/// requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    tracker: Arc<Tracker>,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let (state, stop) = AppState::new(tracker, &config);
    let app = router(state, &config);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Event streams never end on their own; tell them to, so shutdown can finish.
            let _ = stop.send(true);
        })
        .await?;
    Ok(())
}

/// Checks the address against the token rule, binds, calls `on_listening` with the bound
/// address, and serves until Ctrl-C (or SIGTERM on Unix). Builds its own tokio runtime, so
/// callers need none.
pub fn serve_blocking(
    config: Config,
    tracker: Arc<Tracker>,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    check_listen(config.addr, config.token())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| ServerError::Bind {
                addr: config.addr,
                source,
            })?;
        on_listening(listener.local_addr()?);
        serve(listener, tracker, config, shutdown_signal()).await
    })
}

/// Resolves on Ctrl-C, or on SIGTERM where there is one.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No signal handling here: never resolve rather than stop at once.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
