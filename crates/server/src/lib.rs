//! apigw-local: the server that wires the control plane, the store and (later) the data plane
//! onto one listening port.
//!
//! [`run`] takes an already-bound listener and a shutdown future, so tests can start the real
//! server on an ephemeral port; the binary (`main.rs`) only parses the configuration and waits
//! for SIGINT/SIGTERM.

pub mod config;
pub mod dispatch;
pub mod publisher;

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;

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

/// Open the store and serve on `listener` until `shutdown` resolves.
///
/// Prints one line saying where it listens and where the state is, once it is ready.
///
/// # Errors
/// The store cannot be opened, or the listener fails.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let store = Store::open(&config.db)
        .await
        .map_err(|e| ServerError::Store(config.db.clone(), e))?;
    let gateway = Arc::new(apigw_data::Gateway::new());
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
        }),
        observer: publisher.clone(),
    };
    let app = dispatch::app(dispatch::Shared {
        state,
        gateway,
        publisher,
    });
    let addr = listener.local_addr()?;
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
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    store.close().await;
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
