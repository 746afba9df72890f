//! The `apigw-local` binary: parse the configuration, start the server, serve until
//! SIGINT/SIGTERM.

use clap::Parser;

use apigw_server::{init_tracing, shutdown_signal, spawn, Config};

/// Small per-request allocations dominate the data plane's allocator use: mimalloc serves them
/// from thread-local free lists (a quarter of the instructions per request went to glibc).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// The main thread only waits for a signal; the server runs on threads of its own, started by
// `spawn` as the end-to-end tests start theirs.
fn main() -> std::process::ExitCode {
    let config = Config::parse();
    if config.health_check {
        return match apigw_server::health_check(config.listen, std::time::Duration::from_secs(2)) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("apigw-local: unhealthy: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    // Held to the end: dropping it writes out the log lines still queued.
    let _log = init_tracing(config.log_format, config.quiet);
    let signal = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .and_then(|rt| {
            // Installed before the start-up line is printed (see `shutdown_signal`).
            let signal = {
                let _inside = rt.enter();
                shutdown_signal()?
            };
            Ok((rt, signal))
        });
    let (rt, signal) = match signal {
        Ok(s) => s,
        Err(e) => {
            eprintln!("apigw-local: cannot wait for signals: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let server = match spawn(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("apigw-local: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    rt.block_on(signal);
    match server.shutdown() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("apigw-local: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
