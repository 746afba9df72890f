//! Start `apigw-local` on an ephemeral port with its own database, and give tests real clients
//! for it: the Rust `aws-sdk-apigateway`, the `aws` CLI and plain HTTP.
//!
//! Servers run in this test process by default (`Server::start*`): parsed from the same flags as
//! the binary and started the way it starts (`apigw_server::spawn`), without a process start
//! per test. `Server::spawn_binary*` starts the real binary, for tests whose subject is the
//! process: signals, a kill and a restart, its threads in `/proc`, its port and exit code.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use aws_sdk_apigateway::config::{BehaviorVersion, Credentials, Region};
use clap::Parser;

/// Whether the suite runs on in-memory databases (`APIGW_E2E_DB=memory`, as
/// `scripts/test.sh` runs it the second time) rather than files.
pub fn memory_mode() -> bool {
    std::env::var("APIGW_E2E_DB").is_ok_and(|v| v == "memory")
}

const IN_PROCESS: &str =
    "an in-process server has no process of its own: use Server::spawn_binary*";

/// Where a test's server runs.
#[derive(Clone, Copy)]
enum How<'a> {
    InProcess,
    Binary,
    /// The binary, its stderr captured.
    Logged(&'a Captured),
}

/// What a binary wrote on stderr so far (a reader thread appends to it).
#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<String>>);

impl Captured {
    /// Everything written so far.
    pub fn text(&self) -> String {
        self.0.lock().unwrap().clone()
    }

    /// Wait up to five seconds for a line that `wanted` accepts (the log's writer thread may
    /// be a moment behind the response), and return it.
    pub fn wait_line(&self, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            if let Some(line) = self.text().lines().find(|l| wanted(l)) {
                return line.to_string();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no such line on stderr:\n{}",
                self.text()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

/// The running server.
enum Running {
    /// Held for its drop, which shuts the server down and waits for it.
    InProcess {
        _handle: apigw_server::Handle,
    },
    Binary(Child),
}

/// A running server, in this process or a child one. Dropping it stops an in-process server
/// (and waits for it) and kills a child process.
pub struct Server {
    // Dropped before `_dir`: the server stops before its folder goes.
    running: Running,
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
        Server::fresh(How::InProcess, extra)
    }

    /// Start on a fresh database file in a temporary folder, in either mode: for tests whose
    /// point is the file (restarts, crashes, the file itself).
    pub fn start_file() -> Server {
        Server::start_file_args(&[])
    }

    /// [`Server::start_file`] with extra command-line arguments.
    pub fn start_file_args(extra: &[&str]) -> Server {
        Server::in_folder(How::InProcess, extra)
    }

    /// Start a server on the given database file, keeping no folder.
    pub fn start_on(db: &Path) -> Server {
        Self::start_with(db, &[])
    }

    /// Start with extra command-line arguments.
    pub fn start_with(db: &Path, extra: &[&str]) -> Server {
        Server::launch(How::InProcess, db, extra)
    }

    /// The real binary on a fresh database, as [`Server::start`].
    pub fn spawn_binary() -> Server {
        Server::spawn_binary_args(&[])
    }

    /// The real binary on a fresh database, with extra command-line arguments.
    pub fn spawn_binary_args(extra: &[&str]) -> Server {
        Server::fresh(How::Binary, extra)
    }

    /// The real binary on a fresh database, with extra command-line arguments, its stderr
    /// (request log included) captured into the returned [`Captured`].
    pub fn spawn_binary_logged(extra: &[&str]) -> (Server, Captured) {
        let captured = Captured::default();
        let s = Server::fresh(How::Logged(&captured), extra);
        (s, captured)
    }

    /// The real binary on a fresh database file in a temporary folder, in either mode (to
    /// stop, kill and restart it on the file).
    pub fn spawn_binary_file() -> Server {
        Server::in_folder(How::Binary, &[])
    }

    /// The real binary on the given database file (a restart), keeping no folder.
    pub fn spawn_binary_on(db: &Path) -> Server {
        Server::launch(How::Binary, db, &[])
    }

    fn fresh(how: How<'_>, extra: &[&str]) -> Server {
        if memory_mode() {
            return Server::launch(how, Path::new(":memory:"), extra);
        }
        Server::in_folder(how, extra)
    }

    fn in_folder(how: How<'_>, extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = Server::launch(how, &dir.path().join("state.db"), extra);
        s._dir = Some(dir);
        s
    }

    fn launch(how: How<'_>, db: &Path, extra: &[&str]) -> Server {
        let mut args: Vec<OsString> = vec!["--listen".into(), "127.0.0.1:0".into(), "--db".into()];
        args.push(db.into());
        args.extend(extra.iter().map(OsString::from));
        let (running, url) = match how {
            How::InProcess => in_process(args),
            How::Binary => binary(args, None),
            How::Logged(captured) => binary(args, Some(captured)),
        };
        Server {
            running,
            url,
            db: db.to_path_buf(),
            _dir: None,
        }
    }

    /// The process id of a server started with `spawn_binary*`.
    pub fn pid(&self) -> u32 {
        match &self.running {
            Running::Binary(child) => child.id(),
            Running::InProcess { .. } => panic!("{IN_PROCESS}"),
        }
    }

    /// Stop gracefully and wait: SIGTERM to the binary, the same shutdown in process.
    pub fn stop(mut self) -> Option<tempfile::TempDir> {
        if let Running::Binary(child) = &mut self.running {
            let pid = child.id().to_string();
            let _ = Command::new("kill").args(["-TERM", &pid]).status();
            let _ = child.wait();
        }
        let dir = self._dir.take();
        // An in-process server shuts down as its handle drops.
        drop(self);
        dir
    }

    /// Kill a `spawn_binary*` server with SIGKILL (a crash) and wait.
    pub fn kill(mut self) -> Option<tempfile::TempDir> {
        let Running::Binary(child) = &mut self.running else {
            panic!("{IN_PROCESS}");
        };
        let _ = child.kill();
        let _ = child.wait();
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
        if let Running::Binary(child) = &mut self.running {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Parse `args` as the binary would and start the server in this process.
fn in_process(args: Vec<OsString>) -> (Running, String) {
    // Log lines go to stderr, as the binary's do; the subscriber is process-wide, set once, and
    // quiet (warnings only): hundreds of servers' request lines would bury a failure's output.
    // The guard lives as long as the process, as the binary's does.
    static TRACING: std::sync::OnceLock<apigw_server::LogGuard> = std::sync::OnceLock::new();
    let config = apigw_server::Config::try_parse_from(
        std::iter::once(OsString::from("apigw-local")).chain(args),
    )
    .unwrap_or_else(|e| panic!("apigw-local arguments: {e}"));
    TRACING.get_or_init(|| apigw_server::init_tracing(config.log_format, true));
    let handle = apigw_server::spawn(config).expect("start apigw-local in process");
    let url = handle.url();
    (Running::InProcess { _handle: handle }, url)
}

/// Start the real binary with `args`, reading its URL from its start-up line. Its stderr is
/// this process's, with the request log off (`--quiet`, as in-process servers are), unless
/// `stderr` captures it, request log and all.
fn binary(args: Vec<OsString>, stderr: Option<&Captured>) -> (Running, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_apigw-local"));
    command.args(args).stdout(Stdio::piped());
    match stderr {
        // The default filter: what a user sees.
        Some(_) => command
            .stderr(Stdio::piped())
            .env_remove("APIGW_QUIET")
            .env_remove("RUST_LOG"),
        None => command.stderr(Stdio::inherit()).env("APIGW_QUIET", "true"),
    };
    let mut child = command.spawn().expect("spawn apigw-local");
    if let Some(captured) = stderr {
        let pipe = child.stderr.take().expect("stderr");
        let into = captured.0.clone();
        // Read to the end on a thread of its own, so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let mut text = into.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
    }
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
    (Running::Binary(child), url)
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
