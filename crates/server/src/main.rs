//! The `apigw-local` binary: parse the configuration, bind, serve until SIGINT/SIGTERM.

use clap::Parser;

use apigw_server::{bind_listeners, init_tracing, run, shutdown_signal, Config};

/// Small per-request allocations dominate the data plane's allocator use: mimalloc serves them
/// from thread-local free lists (a quarter of the instructions per request went to glibc).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// The main thread only opens the store and waits for a signal; worker threads serve.
#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    init_tracing(config.log_format);
    let workers = config
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let listeners = match bind_listeners(config.listen, workers) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("apigw-local: cannot listen on {}: {e}", config.listen);
            return std::process::ExitCode::FAILURE;
        }
    };
    match run(config, listeners, shutdown_signal()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("apigw-local: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
