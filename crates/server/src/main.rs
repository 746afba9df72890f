//! The `apigw-local` binary: parse the configuration, bind, serve until SIGINT/SIGTERM.

use clap::Parser;

use apigw_server::{init_tracing, run, shutdown_signal, Config};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    init_tracing(config.log_format);
    let listener = match tokio::net::TcpListener::bind(config.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("apigw-local: cannot listen on {}: {e}", config.listen);
            return std::process::ExitCode::FAILURE;
        }
    };
    match run(config, listener, shutdown_signal()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("apigw-local: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
