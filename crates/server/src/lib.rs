//! apigw-local: the server that wires the control plane, the store and (later) the data plane
//! onto one listening port.
//!
//! [`run`] takes an already-bound listener and a shutdown future, so tests can start the real
//! server on an ephemeral port; the binary (`main.rs`) only parses the configuration and waits
//! for SIGINT/SIGTERM.

pub mod access_log;
pub mod config;
pub mod dispatch;
pub mod guard;
pub mod publisher;

use std::future::Future;
use std::sync::Arc;

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpSocket};

pub use config::{Config, LogFormat};

use apigw_control::{AppState, ControlConfig};
use apigw_http1::{balance, sched};
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

/// Bind one listening socket and give each of `n` workers a handle on it, so the workers share
/// the port inside this process. No `SO_REUSEPORT`: with it a second apigw-local on the same
/// port would start too, and the kernel would split connections between two states. Must run
/// inside a tokio runtime (the socket is created through tokio).
///
/// # Errors
/// The address cannot be bound (in use: another process listens there).
pub fn bind_listeners(addr: SocketAddr, n: usize) -> std::io::Result<Vec<std::net::TcpListener>> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // Lets a restart bind while the last run's connections sit in TIME_WAIT; on Linux it lets
    // no second socket listen on the port.
    socket.set_reuseaddr(true)?;
    socket.set_nodelay(true)?;
    socket.bind(addr)?;
    let listener = socket.listen(1024)?.into_std()?;
    let mut out = Vec::with_capacity(n.max(1));
    for _ in 1..n.max(1) {
        out.push(listener.try_clone()?);
    }
    out.push(listener);
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
    let companions = apigw_companions::Companions {
        store: store.clone(),
        account_id: config.account_id.clone(),
        default_region: config.region.clone(),
    };
    let app = dispatch::app(dispatch::Shared {
        state,
        companions,
        gateway,
        publisher: publisher.clone(),
        guard: guard::LocalGuard::new(config.listen, &config.allow_hosts),
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
        let limits = config.timeouts();
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
                    tokio::spawn(apigw_http1::deadline::watchdog());
                    let listener = TcpListener::from_std(listener)?;
                    let me = apigw_http1::Worker {
                        index: i,
                        balance,
                        inbox,
                    };
                    apigw_http1::serve(listener, me, app, stop, limits).await
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
    if let Some(warning) = exposure_warning(addr) {
        tracing::warn!(%addr, "{warning}");
    }
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

/// What to say when listening where others can connect: apigw-local checks no credentials.
pub fn exposure_warning(addr: SocketAddr) -> Option<&'static str> {
    (!addr.ip().is_loopback()).then_some(
        "listening on a non-loopback address: anyone who can reach it can change any API and read API key values (apigw-local checks no credentials)",
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_off_loopback_only() {
        for quiet in ["127.0.0.1:4566", "127.0.0.2:80", "[::1]:4566"] {
            assert_eq!(exposure_warning(quiet.parse().unwrap()), None, "{quiet}");
        }
        for loud in ["0.0.0.0:4566", "[::]:4566", "192.168.1.10:4566"] {
            assert!(exposure_warning(loud.parse().unwrap()).is_some(), "{loud}");
        }
    }
}
