//! Runtime settings. Every flag can also be given as an environment variable.

use std::net::SocketAddr;
use std::time::Duration;

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
    /// How the kernel schedules the workers: `batch` (`SCHED_BATCH`: a woken worker does not
    /// preempt the client or backend sharing its core, so each runs its batch; faster when
    /// they share the cores) or `normal` (the kernel's default).
    #[arg(long, env = "APIGW_WORKER_POLICY", value_enum, default_value = "batch")]
    pub worker_policy: apigw_http1::sched::WorkerPolicy,
    /// The account-level throttle, per account and region: `aws` (AWS's default, 10,000
    /// requests per second with a burst of 5,000), `off` (none, for load tests through the
    /// emulator), or `RATE/BURST` (e.g. `100/50`). Usage-plan and stage throttles always apply.
    #[arg(long, env = "APIGW_ACCOUNT_THROTTLE", default_value = "aws", value_parser = parse_account_throttle)]
    pub account_throttle: apigw_data::AccountThrottle,
    /// Lambda Invoke API endpoint for AWS_PROXY integrations (e.g. `http://127.0.0.1:9000` for
    /// `cargo lambda watch`, `http://127.0.0.1:3001` for `sam local start-lambda`).
    #[arg(long, env = "APIGW_LAMBDA_ENDPOINT")]
    pub lambda_endpoint: Option<String>,
    /// An endpoint for one function, `NAME=URL` (repeatable; the env twin takes a
    /// comma-separated list). Wins over `--lambda-endpoint` for that function.
    #[arg(long = "lambda-function", env = "APIGW_LAMBDA_FUNCTIONS", value_delimiter = ',', value_parser = parse_function_endpoint)]
    pub lambda_functions: Vec<(String, String)>,
    /// Send the function ARN in the Invoke path instead of the bare function name.
    #[arg(long, env = "APIGW_LAMBDA_PASS_ARN")]
    pub lambda_pass_arn: bool,
    /// Where `AWS` integrations with services other than Lambda send their signed requests:
    /// `URL` for every service (LocalStack, moto's server) or `SERVICE=URL` for one (`sqs`,
    /// `dynamodb`, `s3`…); repeatable, the env twin takes a comma-separated list.
    #[arg(long = "aws-endpoint", env = "APIGW_AWS_ENDPOINTS", value_delimiter = ',', value_parser = parse_aws_endpoint)]
    pub aws_endpoints: Vec<(Option<String>, String)>,
    /// Log line format.
    #[arg(long, env = "APIGW_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// No request log: only warnings and errors on stderr (`RUST_LOG`, when set, wins).
    /// `APIGW_QUIET` takes true/false, 1/0, yes/no or on/off.
    #[arg(long, short, env = "APIGW_QUIET", value_parser = clap::builder::BoolishValueParser::new())]
    pub quiet: bool,
    /// Seconds a client has to send a whole request head (from the connection's start, or the
    /// head's first byte); past it the server answers 408 and closes the connection.
    #[arg(long, env = "APIGW_HEADER_TIMEOUT", default_value = "10", value_parser = parse_seconds)]
    pub header_timeout: Duration,
    /// Seconds a kept-alive connection may wait for its next request, or for more of a request
    /// body, before it is closed (AWS closes idle connections after 60 s too).
    #[arg(long, env = "APIGW_IDLE_TIMEOUT", default_value = "60", value_parser = parse_seconds)]
    pub idle_timeout: Duration,
    /// A further name the control plane and `/_apigw/*` answer to (repeatable; the env twin
    /// takes a comma-separated list). While listening on a loopback address only loopback
    /// names are accepted in `Host` (a guard against DNS rebinding); elsewhere any name is,
    /// unless this is given.
    #[arg(long = "allow-host", env = "APIGW_ALLOW_HOSTS", value_delimiter = ',')]
    pub allow_hosts: Vec<String>,
    /// An OpenAPI file, or a folder of them (`.json`, `.yaml`, `.yml`), imported at start-up
    /// when the state has no API yet; a file that fails stops start-up.
    #[arg(long = "init", env = "APIGW_INIT", value_name = "PATH")]
    pub init: Option<std::path::PathBuf>,
    /// Deploy each API `--init` imports to this stage.
    #[arg(
        long = "init-stage",
        env = "APIGW_INIT_STAGE",
        value_name = "NAME",
        requires = "init"
    )]
    pub init_stage: Option<String>,
    /// Ask the server at `--listen` whether it is up (`GET /_apigw/health`; an unspecified
    /// address such as `0.0.0.0` is asked on loopback) and exit 0 if it answers 200, 1 if not.
    /// Why: container health checks run inside the image, which has no curl or shell.
    #[arg(long)]
    pub health_check: bool,
}

/// A positive number of seconds, fractions allowed (`0.5`).
fn parse_seconds(s: &str) -> Result<Duration, String> {
    match s.trim().parse::<f64>() {
        Ok(n) if n > 0.0 && n.is_finite() && n <= 86_400.0 => Ok(Duration::from_secs_f64(n)),
        _ => Err(format!(
            "expected a number of seconds above 0 (at most 86400), got {s:?}"
        )),
    }
}

fn parse_function_endpoint(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, url)) if !name.is_empty() && url.starts_with("http") => {
            Ok((name.to_string(), url.to_string()))
        }
        _ => Err(format!(
            "expected NAME=URL (e.g. pets=http://127.0.0.1:9000), got {s:?}"
        )),
    }
}

fn parse_aws_endpoint(s: &str) -> Result<(Option<String>, String), String> {
    let s = s.trim();
    // A URL alone is the default endpoint, whatever `=` its query holds.
    let (service, url) = match s.split_once('=') {
        Some((service, url)) if !s.starts_with("http://") && !s.starts_with("https://") => {
            (Some(service.to_string()), url)
        }
        _ => (None, s),
    };
    let named = service
        .as_deref()
        .is_none_or(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    if named && (url.starts_with("http://") || url.starts_with("https://")) {
        Ok((service, url.to_string()))
    } else {
        Err(format!(
            "expected URL or SERVICE=URL (e.g. http://127.0.0.1:5000 or sqs=http://127.0.0.1:9324), got {s:?}"
        ))
    }
}

/// The credentials AWS service integrations are signed with: the standard
/// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` of the emulator's environment, when set (a
/// local service that keeps data per key, such as DynamoDB Local, then sees the key its
/// other clients use).
fn aws_credentials() -> Option<(String, String)> {
    let key = std::env::var("AWS_ACCESS_KEY_ID").ok()?;
    let secret = std::env::var("AWS_SECRET_ACCESS_KEY").ok()?;
    (!key.is_empty()).then_some((key, secret))
}

impl Config {
    /// How many workers serve: `--workers`, or one per core.
    pub fn worker_count(&self) -> usize {
        self.workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }

    /// The connection timeouts.
    pub fn timeouts(&self) -> apigw_http1::Timeouts {
        apigw_http1::Timeouts {
            header: self.header_timeout,
            idle: self.idle_timeout,
        }
    }

    /// The data plane's settings.
    pub fn gateway_options(&self) -> apigw_data::GatewayOptions {
        apigw_data::GatewayOptions {
            account_throttle: self.account_throttle,
            lambda: apigw_data::LambdaConfig {
                endpoint: self.lambda_endpoint.clone(),
                functions: self.lambda_functions.iter().cloned().collect(),
                pass_arn: self.lambda_pass_arn,
                local: None,
            },
            aws: apigw_data::AwsEndpoints {
                endpoints: self.aws_endpoints.clone(),
                credentials: aws_credentials(),
            },
            access_log_sink: None,
        }
    }
}

fn parse_account_throttle(s: &str) -> Result<apigw_data::AccountThrottle, String> {
    use apigw_data::AccountThrottle;
    match s {
        "aws" => Ok(AccountThrottle::Aws),
        "off" => Ok(AccountThrottle::Off),
        _ => {
            let bad = || format!("expected aws, off or RATE/BURST (e.g. 100/50), got {s:?}");
            let (rate, burst) = s.split_once('/').ok_or_else(bad)?;
            let rate: f64 = rate.trim().parse().map_err(|_| bad())?;
            let burst: i64 = burst.trim().parse().map_err(|_| bad())?;
            if rate.is_nan() || rate < 0.0 || burst < 0 {
                return Err(bad());
            }
            Ok(AccountThrottle::Set { rate, burst })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use apigw_data::AccountThrottle;

    #[test]
    fn account_throttle_values() {
        assert_eq!(parse_account_throttle("aws"), Ok(AccountThrottle::Aws));
        assert_eq!(parse_account_throttle("off"), Ok(AccountThrottle::Off));
        assert_eq!(
            parse_account_throttle("2/5"),
            Ok(AccountThrottle::Set {
                rate: 2.0,
                burst: 5
            })
        );
        assert!(parse_account_throttle("fast").is_err());
        assert!(parse_account_throttle("-1/5").is_err());
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_seconds("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_seconds("0.5"), Ok(Duration::from_millis(500)));
        for bad in ["0", "-1", "ten", "inf", "NaN", "100000"] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn aws_endpoints() {
        assert_eq!(
            parse_aws_endpoint(" sqs=http://127.0.0.1:9324"),
            Ok((Some("sqs".into()), "http://127.0.0.1:9324".into()))
        );
        // A URL alone is the default, `=` in its query or not.
        assert_eq!(
            parse_aws_endpoint("http://h:4566/?x=y"),
            Ok((None, "http://h:4566/?x=y".into()))
        );
        for bad in ["sqs", "=http://h", "s q=http://h", "sqs=ftp://h"] {
            assert!(parse_aws_endpoint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn function_endpoints() {
        assert_eq!(
            parse_function_endpoint("pets=http://127.0.0.1:9000"),
            Ok(("pets".into(), "http://127.0.0.1:9000".into()))
        );
        assert!(parse_function_endpoint("pets").is_err());
        assert!(parse_function_endpoint("=http://x").is_err());
    }
}
