//! apigw-local: the server that wires the control plane, the store and (later) the data plane
//! onto one listening port.
//!
//! [`spawn`] binds, starts the server on threads of its own and returns a [`Handle`] once it
//! listens: the binary (`main.rs`) starts it so and waits for SIGINT/SIGTERM, the end-to-end
//! tests start most of their servers the same way, in their own process. [`run`] serves on
//! listeners bound beforehand until a shutdown future resolves.

pub mod access_log;
mod builtin_lambda;
pub mod config;
pub mod control_log;
pub mod dispatch;
pub mod guard;
pub mod inspector;
pub mod publisher;
pub mod telemetry;

use std::future::Future;
use std::sync::Arc;

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpSocket};

pub use config::{Config, LogFormat};
pub use telemetry::{init_tracing, LogGuard};

use apigw_control::{AppState, ControlConfig};
use apigw_http1::{balance, sched};
use apigw_store::{Store, StoreError};

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The database could not be opened or migrated.
    #[error("cannot open state at {0}: {1}")]
    Store(String, StoreError),
    /// The address could not be bound (another process listens there).
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, #[source] std::io::Error),
    /// The socket failed.
    #[error("network error: {0}")]
    Io(#[from] std::io::Error),
    /// A `--init` file could not be imported or deployed.
    #[error("{0}")]
    Init(#[from] apigw_control::preload::PreloadError),
}

/// A server started by [`spawn`]. Dropping it stops the server, as [`Handle::shutdown`] does.
pub struct Handle {
    addr: SocketAddr,
    /// Dropping it resolves the server's shutdown future.
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), ServerError>>>,
}

impl Handle {
    /// Where the server listens (the real port when `--listen` asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, as the start-up line gives it.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop as on SIGTERM (idle connections close at once, requests in progress get up to
    /// 10 s), save the usage counters, close the store, and wait for all of it. Blocks the
    /// calling thread.
    ///
    /// # Errors
    /// A worker failed or panicked.
    pub fn shutdown(mut self) -> Result<(), ServerError> {
        self.stop_and_wait()
    }

    fn stop_and_wait(&mut self) -> Result<(), ServerError> {
        drop(self.stop.take());
        match self.thread.take() {
            Some(thread) => thread.join().unwrap_or_else(|_| Err(panicked())),
            None => Ok(()),
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // Nobody is left to hear an error; the port and threads are released either way.
        let _ = self.stop_and_wait();
    }
}

fn panicked() -> ServerError {
    ServerError::Io(std::io::Error::other("server thread panicked"))
}

/// Bind `config.listen` for [`Config::worker_count`] workers and start the server on a thread
/// with its own single-threaded runtime (the workers get threads of their own, see [`run`]).
/// Returns once the server listens and has printed its start-up line. Needs no runtime of the
/// caller's.
///
/// # Errors
/// The address cannot be bound, or the store cannot be opened.
pub fn spawn(config: Config) -> Result<Handle, ServerError> {
    let (ready_tx, ready_rx) = std::sync::mpsc::sync_channel(1);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("apigw-server".into())
        .spawn(move || -> Result<(), ServerError> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async move {
                let listeners = bind_listeners(config.listen, config.worker_count())
                    .map_err(|e| ServerError::Listen(config.listen, e))?;
                let shutdown = async move {
                    // A sent value or a dropped sender: both mean stop.
                    let _ = stop_rx.await;
                };
                serve(config, listeners, shutdown, move |addr| {
                    let _ = ready_tx.send(addr);
                })
                .await
            })
        })?;
    match ready_rx.recv() {
        Ok(addr) => Ok(Handle {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        }),
        // The sender is gone without a word: the server failed to start, its result says why.
        Err(_) => Err(match thread.join() {
            Ok(Err(e)) => e,
            Ok(Ok(())) => {
                ServerError::Io(std::io::Error::other("server stopped before it listened"))
            }
            Err(_) => panicked(),
        }),
    }
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
    serve(config, listeners, shutdown, |_| {}).await
}

/// [`run`], calling `ready` with the address once it listens (after the start-up line).
async fn serve(
    config: Config,
    listeners: Vec<std::net::TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    let store = Store::open(&config.db)
        .await
        .map_err(|e| ServerError::Store(config.db.clone(), e))?;
    let (access_sink, access_writer) = access_log::start(store.clone());
    let (lambda, lambda_logs) = apigw_lambda::Lambda::new(
        store.clone(),
        config.account_id.clone(),
        config.region.clone(),
    )?;
    lambda
        .load()
        .await
        .map_err(|e| ServerError::Store(config.db.clone(), e))?;
    let lambda_logs = tokio::spawn(lambda_logs);
    let mut options = config.gateway_options();
    options.access_log_sink = Some(access_sink);
    options.lambda.local = Some(apigw_data::Local(Arc::new(builtin_lambda::BuiltIn(
        lambda.clone(),
    ))));
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
    if let Some(path) = &config.init {
        let scope = apigw_model::Scope::new(config.account_id.clone(), config.region.clone());
        let stage = config.init_stage.as_deref();
        for line in apigw_control::preload::preload(&state, &scope, path, stage).await? {
            eprintln!("apigw-local: {line}");
        }
    }
    let companions = apigw_companions::Companions {
        store: store.clone(),
        account_id: config.account_id.clone(),
        default_region: config.region.clone(),
    };
    let app = dispatch::app(dispatch::Shared {
        state,
        companions,
        lambda: lambda.clone(),
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
    ready(addr);
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
    lambda.stop();
    // Functions' last lines still go to their log groups; a store that hangs does not hold
    // the shutdown up for long.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), lambda_logs).await;
    access_writer.finish().await;
    if let Err(e) = publisher.flush_usage().await {
        tracing::error!(error = %e, "could not save usage counters at shutdown");
    }
    store.close().await;
    joined?;
    Ok(())
}

/// Ask the server listening at `listen` for `GET /_apigw/health` and whether it answered 200
/// (`--health-check`). An unspecified address (`0.0.0.0`, `[::]`) is asked on its family's
/// loopback address, which such a listener also serves.
///
/// # Errors
/// No connection, no answer within `timeout`, or an answer other than 200 (the error says which).
pub fn health_check(listen: SocketAddr, timeout: std::time::Duration) -> Result<(), String> {
    use std::io::{Read, Write};
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    let mut addr = listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        });
    }
    let ask = || -> std::io::Result<String> {
        let mut conn = std::net::TcpStream::connect_timeout(&addr, timeout)?;
        conn.set_read_timeout(Some(timeout))?;
        conn.set_write_timeout(Some(timeout))?;
        // A loopback Host, which the control plane's guard accepts on any listening address.
        let host = if addr.is_ipv6() { "[::1]" } else { "127.0.0.1" };
        write!(
            conn,
            "GET /_apigw/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )?;
        let mut head = [0u8; 12];
        conn.read_exact(&mut head)?;
        Ok(String::from_utf8_lossy(&head).into_owned())
    };
    match ask() {
        Ok(head) if head == "HTTP/1.1 200" => Ok(()),
        Ok(head) => Err(format!("http://{addr}/_apigw/health answered {head:?}")),
        Err(e) => Err(format!("http://{addr}/_apigw/health: {e}")),
    }
}

/// What to say when listening where others can connect: apigw-local checks no credentials.
pub fn exposure_warning(addr: SocketAddr) -> Option<&'static str> {
    (!addr.ip().is_loopback()).then_some(
        "listening on a non-loopback address: anyone who can reach it can change any API and read API key values (apigw-local checks no credentials)",
    )
}

/// A future that resolves on SIGINT or SIGTERM. The handlers are installed by this call, not
/// at the first poll, so a signal sent as soon as the start-up line is read stops the server
/// gracefully rather than killing it. Call it inside a tokio runtime.
///
/// # Errors
/// A handler cannot be installed.
#[cfg(unix)]
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => {},
            _ = term.recv() => {},
        }
    })
}

/// A future that resolves on Ctrl-C. Call it inside a tokio runtime.
///
/// # Errors
/// None here; the signature is the one of the Unix version.
#[cfg(not(unix))]
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(listen: &str) -> Config {
        use clap::Parser;
        Config::try_parse_from([
            "apigw-local",
            "--listen",
            listen,
            "--db",
            ":memory:",
            "--workers",
            "2",
        ])
        .unwrap()
    }

    /// A spawned server answers on its port, keeps a second one off it, and gives the port up
    /// when shut down.
    #[test]
    fn spawned_server_serves_until_shut_down() {
        use std::io::{Read, Write};
        let server = spawn(config("127.0.0.1:0")).unwrap();
        let addr = server.addr();
        assert_ne!(addr.port(), 0);
        assert_eq!(server.url(), format!("http://{addr}"));
        let mut conn = std::net::TcpStream::connect(addr).unwrap();
        conn.write_all(
            b"GET /_apigw/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
        let mut answer = String::new();
        conn.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.contains(r#""status":"running""#), "{answer}");
        match spawn(config(&addr.to_string())).err() {
            Some(ServerError::Listen(at, _)) => assert_eq!(at, addr),
            other => panic!("a second server on {addr}: {other:?}"),
        }
        server.shutdown().unwrap();
        spawn(config(&addr.to_string())).unwrap();
    }

    /// `--health-check` passes against a running server, asked through the unspecified
    /// address as a container asks it, and fails once the server is gone.
    #[test]
    fn health_check_asks_the_server() {
        let server = spawn(config("0.0.0.0:0")).unwrap();
        let port = server.addr().port();
        let unspecified: SocketAddr = format!("0.0.0.0:{port}").parse().unwrap();
        let second = std::time::Duration::from_secs(1);
        assert_eq!(health_check(unspecified, second), Ok(()));
        server.shutdown().unwrap();
        let err = health_check(unspecified, second).unwrap_err();
        assert!(
            err.starts_with(&format!("http://127.0.0.1:{port}/_apigw/health: ")),
            "{err}"
        );
    }

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
