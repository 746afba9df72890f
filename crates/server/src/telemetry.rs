//! Log lines on stderr: the request log (`apigw::request`, `apigw::control`) at info, and
//! warnings and errors from everywhere.
//!
//! Lines are formatted on the thread that logs them and written by a thread of their own
//! (`tracing-appender`'s non-blocking writer, through a `BufWriter`, flushed whenever its
//! queue is empty): a worker never waits on a `write(2)` to a slow terminal or pipe, and under
//! load many lines go out in one write. The queue is not lossy: when it is full (8k lines
//! behind), a worker waits rather than drop a line.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// The filter when `RUST_LOG` is unset: warnings, plus one line per request and per call.
pub const DEFAULT_FILTER: &str = "warn,apigw::request=info,apigw::control=info";

/// The filter with `--quiet`: warnings and errors only (an integration failure is a warning).
pub const QUIET_FILTER: &str = "warn";

/// Keeps the log writer's thread alive; dropping it writes out what is queued. Hold it until
/// the process exits.
pub type LogGuard = tracing_appender::non_blocking::WorkerGuard;

/// Set up logging to stderr in `format`. `RUST_LOG` wins over `quiet`. Colour only when stderr
/// is a terminal and `NO_COLOR` is unset.
pub fn init_tracing(format: LogFormat, quiet: bool) -> LogGuard {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(if quiet { QUIET_FILTER } else { DEFAULT_FILTER }));
    let stderr = std::io::stderr();
    let ansi = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        // The queue's slots are allocated up front: tracing-appender's default of 128k lines
        // took ~4 MB of idle memory (RSS 20.5 MB against 14–15 MB before the log).
        .buffered_lines_limit(8192)
        .thread_name("apigw-log")
        .finish(std::io::BufWriter::new(stderr));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(writer.clone());
    let installed = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    // Only when this subscriber is the one installed (a process that set its own keeps its
    // own format and writer): request lines formatted by the data plane itself, byte for byte
    // as `tracing` would (its unit test compares them); the same writer keeps all lines in
    // order.
    if installed.is_ok() && format == LogFormat::Text && !ansi {
        apigw_data::pipeline::record::write_plain_lines_to(move |line| {
            use std::io::Write;
            let _ = writer.clone().write_all(line);
        });
    }
    guard
}
