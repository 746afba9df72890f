//! Start the real `apigw-local` binary on an ephemeral port with its own database, and give
//! tests real clients for it: the Rust `aws-sdk-apigateway`, the `aws` CLI and plain HTTP.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use aws_sdk_apigateway::config::{BehaviorVersion, Credentials, Region};

/// Whether the suite runs on in-memory databases (`APIGW_E2E_DB=memory`, as
/// `scripts/test.sh` runs it the second time) rather than files.
pub fn memory_mode() -> bool {
    std::env::var("APIGW_E2E_DB").is_ok_and(|v| v == "memory")
}

/// A running server process. Dropping it kills the process.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The database file the server uses (`:memory:` in memory mode).
    pub db: PathBuf,
    /// Keeps the temporary folder (and so the db) alive as long as the server handle.
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    /// Start a server on a fresh database: a file in a temporary folder, or `:memory:` when
    /// the suite runs in memory mode ([`memory_mode`]).
    pub fn start() -> Server {
        Server::start_args(&[])
    }

    /// Start on a fresh database (as [`Server::start`]), with extra command-line arguments.
    pub fn start_args(extra: &[&str]) -> Server {
        if memory_mode() {
            return Server::start_with(Path::new(":memory:"), extra);
        }
        Server::start_file_args(extra)
    }

    /// Start on a fresh database file in a temporary folder, in either mode: for tests whose
    /// point is the file (restarts, crashes, the file itself).
    pub fn start_file() -> Server {
        Server::start_file_args(&[])
    }

    /// [`Server::start_file`] with extra command-line arguments.
    pub fn start_file_args(extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = Server::start_with(&dir.path().join("state.db"), extra);
        s._dir = Some(dir);
        s
    }

    /// Start a server on the given database file (to test restarts), keeping no folder.
    pub fn start_on(db: &Path) -> Server {
        Self::start_with(db, &[])
    }

    /// Start with extra command-line arguments.
    pub fn start_with(db: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_apigw-local"))
            .args(["--listen", "127.0.0.1:0", "--db"])
            .arg(db)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn apigw-local");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read start-up line");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in start-up line: {line:?}"))
            .to_string();
        Server {
            child,
            url,
            db: db.to_path_buf(),
            _dir: None,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stop with SIGTERM and wait (graceful shutdown).
    pub fn stop(mut self) -> Option<tempfile::TempDir> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let _ = self.child.wait();
        self._dir.take()
    }

    /// Kill with SIGKILL (a crash) and wait.
    pub fn kill(mut self) -> Option<tempfile::TempDir> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self._dir.take()
    }

    /// An SDK client for us-east-1.
    pub fn sdk(&self) -> aws_sdk_apigateway::Client {
        self.sdk_in("us-east-1")
    }

    /// An SDK client for a given region.
    pub fn sdk_in(&self, region: &str) -> aws_sdk_apigateway::Client {
        let conf = aws_sdk_apigateway::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .credentials_provider(Credentials::new("test", "test", None, None, "static"))
            .endpoint_url(&self.url)
            .build();
        aws_sdk_apigateway::Client::from_conf(conf)
    }

    /// A plain HTTP client.
    pub fn http(&self) -> reqwest::Client {
        reqwest::Client::new()
    }

    /// GET `url` with a new plain HTTP client (as `self.http().get(url).send()`); panics when
    /// no answer comes.
    pub async fn http_get(&self, url: impl reqwest::IntoUrl) -> reqwest::Response {
        self.http().get(url).send().await.unwrap()
    }

    /// Run `aws --endpoint-url URL <args>` and parse its JSON output (`Null` when it prints
    /// nothing). Panics with stderr when the CLI exits non-zero.
    pub fn aws(&self, args: &[&str]) -> serde_json::Value {
        let out = self.aws_raw(args);
        assert!(
            out.status.success(),
            "aws {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        if text.trim().is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("aws {args:?}: not JSON ({e}): {text}"))
        }
    }

    /// The AWS error code and message of an aws CLI call that must fail (`An error occurred
    /// (Code) when calling the Op operation: message` on stderr); panics if it succeeded.
    pub fn aws_err(&self, args: &[&str]) -> (String, String) {
        let out = self.aws_raw(args);
        assert!(!out.status.success(), "aws {args:?} unexpectedly succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        let line = err
            .lines()
            .find(|l| l.contains("An error occurred ("))
            .unwrap_or_else(|| panic!("no AWS error in: {err}"));
        let code = line
            .split("An error occurred (")
            .nth(1)
            .and_then(|r| r.split(')').next())
            .unwrap_or_default()
            .to_string();
        let message = line
            .split_once("operation: ")
            .map(|(_, m)| m.trim().to_string())
            .unwrap_or_default();
        (code, message)
    }

    /// Assert in one call that an aws CLI call fails with the AWS error `code` and exactly
    /// `message` (the CLI counterpart of `assert_aws_err!`).
    #[track_caller]
    pub fn assert_aws_cli_err(&self, args: &[&str], code: &str, message: &str) {
        let (got_code, got_msg) = self.aws_err(args);
        assert_eq!(
            (got_code.as_str(), got_msg.as_str()),
            (code, message),
            "aws {args:?}"
        );
    }

    /// Run the aws CLI and return its raw output (for error cases).
    pub fn aws_raw(&self, args: &[&str]) -> std::process::Output {
        Command::new("aws")
            .arg("--endpoint-url")
            .arg(&self.url)
            .args(["--output", "json"])
            .args(args)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_PAGER", "")
            .env_remove("AWS_PROFILE")
            .output()
            .expect("run the aws CLI (pip install awscli)")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The AWS error code and message of an SDK error, for asserting error cases.
pub fn err_of<E, R>(e: aws_sdk_apigateway::error::SdkError<E, R>) -> (String, String)
where
    E: aws_sdk_apigateway::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    let meta = e.as_service_error().map(|s| {
        (
            s.code().map(str::to_string),
            s.message().map(str::to_string),
        )
    });
    match meta {
        Some((code, msg)) => (code.unwrap_or_default(), msg.unwrap_or_default()),
        None => panic!("not a service error: {e:?}"),
    }
}

/// Create a rest API and return (api id, root resource id).
pub async fn new_api(c: &aws_sdk_apigateway::Client, name: &str) -> (String, String) {
    let api = c
        .create_rest_api()
        .name(name)
        .send()
        .await
        .expect("create_rest_api");
    (api.id.unwrap(), api.root_resource_id.unwrap())
}
