//! apigw-local: the server that wires the control plane, the store and (later) the data plane
//! onto one listening port.
//!
//! [`run`] takes an already-bound listener and a shutdown future, so tests can start the real
//! server on an ephemeral port; the binary (`main.rs`) only parses the configuration and waits
//! for SIGINT/SIGTERM.

pub mod access_log;
pub mod balance;
pub mod config;
pub mod conn;
pub mod dispatch;
pub mod h1;
pub mod publisher;
pub mod sched;

use std::future::Future;
use std::sync::Arc;

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpSocket};

pub use config::{Config, LogFormat};

use apigw_control::{AppState, ControlConfig};
use apigw_store::{Store, StoreError};

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The database could not be opened or migrated.
    #[error("cannot open state at {0}: {1}")]
    Store(String, StoreError),
    /// The socket failed.
    #[error("network error: {0}")]
    Io(#[from] std::io::Error),
}

/// Set up tracing to stderr in the configured format (`RUST_LOG` overrides the level).
pub fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Bind `n` sockets to one address with `SO_REUSEPORT`, so the kernel spreads connections
/// over them: one per worker thread. With port 0 the first bind picks the port and the others
/// join it. Must run inside a tokio runtime (the sockets are created through tokio).
///
/// # Errors
/// The address cannot be bound.
pub fn bind_listeners(addr: SocketAddr, n: usize) -> std::io::Result<Vec<std::net::TcpListener>> {
    let mut out = Vec::with_capacity(n.max(1));
    let mut addr = addr;
    for _ in 0..n.max(1) {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        #[cfg(unix)]
        socket.set_reuseport(true)?;
        socket.set_reuseaddr(true)?;
        socket.set_nodelay(true)?;
        socket.bind(addr)?;
        let listener = socket.listen(1024)?;
        addr = listener.local_addr()?;
        out.push(listener.into_std()?);
    }
    Ok(out)
}

/// Open the store and serve on `listeners` until `shutdown` resolves.
///
/// Each listener gets a worker thread with its own single-threaded runtime (thread per core,
/// as nginx runs one process per core): a request and the backend connection it uses stay on
/// one thread, with no cross-thread wake-ups on the proxy path. Prints one line saying where it
/// listens and where the state is, once it is ready.
///
/// # Errors
/// The store cannot be opened, or a listener fails.
pub async fn run(
    config: Config,
    listeners: Vec<std::net::TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let store = Store::open(&config.db)
        .await
        .map_err(|e| ServerError::Store(config.db.clone(), e))?;
    let (access_sink, access_writer) = access_log::start(store.clone());
    let mut options = config.gateway_options();
    options.access_log_sink = Some(access_sink);
    let gateway = Arc::new(apigw_data::Gateway::with_options(options));
    let publisher = Arc::new(publisher::Publisher::new(store.clone(), gateway.clone()));
    publisher
        .publish_all()
        .await
        .map_err(|e| ServerError::Store(config.db.clone(), e))?;
    let state = AppState {
        store: store.clone(),
        config: Arc::new(ControlConfig {
            account_id: config.account_id.clone(),
            default_region: config.region.clone(),
            account_throttle: match config.account_throttle {
                apigw_data::AccountThrottle::Set { rate, burst } => Some((rate, burst)),
                _ => None,
            },
        }),
        observer: publisher.clone(),
        usage: publisher.clone(),
    };
    let app = dispatch::app(dispatch::Shared {
        state,
        gateway,
        publisher: publisher.clone(),
    });
    // Usage counters reach the store about once a second: a crash loses at most that.
    let flusher = {
        let publisher = publisher.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = publisher.flush_usage().await {
                    tracing::error!(error = %e, "could not save usage counters");
                }
            }
        })
    };
    let addr = listeners
        .first()
        .ok_or_else(|| std::io::Error::other("no listener"))?
        .local_addr()?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (balance, inboxes) = balance::Workers::new(listeners.len());
    let mut workers = Vec::new();
    for (i, (listener, inbox)) in listeners.into_iter().zip(inboxes).enumerate() {
        listener.set_nonblocking(true)?;
        let app = app.clone();
        let stop = stop_rx.clone();
        let balance = balance.clone();
        let policy = config.worker_policy;
        let worker = std::thread::Builder::new()
            .name(format!("apigw-worker-{i}"))
            .spawn(move || -> std::io::Result<()> {
                if let Err(e) = sched::apply(policy) {
                    tracing::debug!(error = %e, ?policy, "worker scheduling policy not applied");
                }
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                rt.block_on(async move {
                    // Integration timeouts on this worker share one timer.
                    tokio::spawn(apigw_data::deadline::watchdog());
                    let listener = TcpListener::from_std(listener)?;
                    let me = conn::Worker {
                        index: i,
                        balance,
                        inbox,
                    };
                    conn::serve(listener, me, app, stop).await
                })
            })?;
        workers.push(worker);
    }
    println!(
        "apigw-local {} listening on http://{addr} (state: {}, account {}, region {}); invoke stages at http://{{api_id}}.execute-api.localhost:{}/{{stage}}/ or http://{addr}/_aws/execute-api/{{api_id}}/{{stage}}/",
        env!("CARGO_PKG_VERSION"),
        store.location(),
        config.account_id,
        config.region,
        addr.port()
    );
    use std::io::Write;
    let _ = std::io::stdout().flush();
    shutdown.await;
    let _ = stop_tx.send(true);
    let joined = tokio::task::spawn_blocking(move || {
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("worker panicked")))
            })
            .collect::<std::io::Result<Vec<()>>>()
    })
    .await
    .map_err(std::io::Error::other)?;
    flusher.abort();
    access_writer.finish().await;
    if let Err(e) = publisher.flush_usage().await {
        tracing::error!(error = %e, "could not save usage counters at shutdown");
    }
    store.close().await;
    joined?;
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
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
        () = ctrl_c => {},
        () = term => {},
    }
}
