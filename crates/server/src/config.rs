//! Runtime settings. Every flag can also be given as an environment variable.

use std::net::SocketAddr;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// apigw-local's configuration.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    version,
    about = "Local AWS API Gateway (REST API) emulator: one binary, one port, state in SQLite"
)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port (the start-up line shows the real one).
    #[arg(long, env = "APIGW_LISTEN", default_value = "127.0.0.1:4566")]
    pub listen: SocketAddr,
    /// SQLite database file (created with its folder if missing), or `:memory:`.
    #[arg(long, env = "APIGW_DB", default_value = "./.apigw-local/state.db")]
    pub db: String,
    /// The account every resource belongs to.
    #[arg(long, env = "APIGW_ACCOUNT_ID", default_value = "000000000000")]
    pub account_id: String,
    /// Region used when a request carries no SigV4 credential scope.
    #[arg(long, env = "APIGW_REGION", default_value = "us-east-1")]
    pub region: String,
    /// Worker threads serving requests (one single-threaded runtime each); default: one per core.
    #[arg(long, env = "APIGW_WORKERS")]
    pub workers: Option<usize>,
    /// Log line format.
    #[arg(long, env = "APIGW_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
}
