//! Running functions: a worker is a process started from the function's unpacked code that
//! asks for invocations through the Lambda Runtime API, served to it alone on a loopback port
//! of its own (`AWS_LAMBDA_RUNTIME_API`). Workers stay warm between invocations, at most
//! [`MAX_WORKERS`] per function at once; a timeout or a crash ends a worker.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use bytes::Bytes;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::{mpsc, oneshot, watch, Semaphore};

use apigw_model::Scope;

use crate::code::CodeStore;
use crate::error::{LambdaError, LambdaResult};
use crate::function::Config;
use crate::logs::{LogSink, Pipe, WorkerLog};

/// Workers one function may run at once; more invocations wait for one to be free.
pub const MAX_WORKERS: usize = 8;

/// How long a new worker may take to start before its first invocation is taken (Lambda's init
/// phase limit).
const INIT_LIMIT: Duration = Duration::from_secs(10);
/// How long an answered invocation waits for its end marks (they follow at once).
const TAIL_WAIT: Duration = Duration::from_millis(200);

const PYTHON_BOOTSTRAP: &str = include_str!("runtimes/bootstrap.py");
const NODE_BOOTSTRAP: &str = include_str!("runtimes/bootstrap.js");

/// How a runtime's worker is started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launcher {
    /// `provided*`: the zip's own `bootstrap` executable.
    Bootstrap,
    /// `python3.*`: this interpreter running apigw-local's Python bootstrap.
    Python(PathBuf),
    /// `nodejs*`: this interpreter running apigw-local's Node.js bootstrap.
    Node(PathBuf),
}

impl Launcher {
    /// The launcher of a runtime, or why it cannot run here.
    ///
    /// # Errors
    /// `InvalidRuntimeException` for a runtime not served, or one whose interpreter is not on
    /// the `PATH`.
    pub fn of(runtime: Option<&str>) -> LambdaResult<Self> {
        let runtime = runtime.unwrap_or("provided");
        let needs = |program: &str| {
            find_program(program).ok_or_else(|| {
                LambdaError::Runtime(format!(
                    "The runtime {runtime} needs `{program}` on the PATH of apigw-local, and none was found."
                ))
            })
        };
        if runtime.starts_with("provided") {
            Ok(Self::Bootstrap)
        } else if runtime.starts_with("python3") {
            Ok(Self::Python(needs("python3")?))
        } else if runtime.starts_with("nodejs") {
            Ok(Self::Node(needs("node")?))
        } else {
            Err(LambdaError::Runtime(format!(
                "The runtime {runtime} is not served by apigw-local's built-in Lambda (it runs provided, provided.al2, provided.al2023, python3.* and nodejs* functions)."
            )))
        }
    }
}

/// A program on the `PATH`.
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// What an invocation answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoked {
    /// The function's answer, or the error document.
    pub payload: Bytes,
    /// `Unhandled` when the function failed (`X-Amz-Function-Error`).
    pub function_error: Option<&'static str>,
    /// The invocation's log lines (for `LogType: Tail`).
    pub log: Vec<String>,
}

/// One invocation handed to a worker.
struct Job {
    id: String,
    payload: Bytes,
    /// The function's timeout, which runs from when the worker takes the job.
    timeout: Duration,
    /// Told when the worker takes the job.
    taken: oneshot::Sender<()>,
    reply: oneshot::Sender<Outcome>,
}

/// What the worker said of an invocation.
enum Outcome {
    Response(Bytes),
    Error(Bytes),
}

/// The Runtime API's side of one worker.
struct WorkerApi {
    jobs: tokio::sync::Mutex<mpsc::Receiver<Job>>,
    pending: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    init_error: Mutex<Option<Bytes>>,
    arn: String,
}

/// A running worker. Dropping it kills the process and stops its Runtime API.
struct Worker {
    jobs: mpsc::Sender<Job>,
    api: Arc<WorkerApi>,
    exited: watch::Receiver<Option<String>>,
    log: Arc<WorkerLog>,
    /// Whether its runtime writes end marks (the Python and Node.js bootstraps do).
    end_marks: bool,
    server: tokio::task::JoinHandle<()>,
    _kill: oneshot::Sender<()>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Worker {
    fn is_alive(&self) -> bool {
        self.exited.borrow().is_none()
    }
}

/// The warm workers of one function's code and configuration.
struct Pool {
    /// The configuration its workers were started with.
    config: Config,
    idle: Mutex<Vec<Worker>>,
    permits: Arc<Semaphore>,
}

/// Every function's workers.
pub struct Runtimes {
    pools: Mutex<HashMap<String, Arc<Pool>>>,
    /// Functions' code, unpacked for a worker as it starts; the language bootstraps are
    /// written in its own folder.
    code: Arc<CodeStore>,
    logs: LogSink,
}

impl std::fmt::Debug for Runtimes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtimes")
            .field("code", &self.code)
            .finish()
    }
}

/// A function's key among the pools.
fn key_of(scope: &Scope, name: &str) -> String {
    format!("{}/{}/{name}", scope.account, scope.region)
}

impl Runtimes {
    /// No workers yet; code from `code` (bootstraps in its own folder), output to `logs`.
    pub fn new(code: Arc<CodeStore>, logs: LogSink) -> Self {
        Self {
            pools: Mutex::default(),
            code,
            logs,
        }
    }

    /// Stop a function's workers (its code or configuration changed, or it was deleted).
    /// Busy ones end when their invocation does.
    pub fn retire(&self, scope: &Scope, name: &str) {
        let pool = self
            .pools
            .lock()
            .expect("pools")
            .remove(&key_of(scope, name));
        drop(pool);
    }

    /// Stop every worker (a reset).
    pub fn retire_all(&self) {
        let pools = std::mem::take(&mut *self.pools.lock().expect("pools"));
        drop(pools);
    }

    fn pool(&self, scope: &Scope, config: &Config) -> Arc<Pool> {
        let mut pools = self.pools.lock().expect("pools");
        let key = key_of(scope, &config.function_name);
        match pools.get(&key) {
            Some(p) if p.config.same_worker(config) => p.clone(),
            _ => {
                let p = Arc::new(Pool {
                    config: config.clone(),
                    idle: Mutex::default(),
                    permits: Arc::new(Semaphore::new(MAX_WORKERS)),
                });
                pools.insert(key, p.clone());
                p
            }
        }
    }

    /// The folder of a code version, unpacked the first time: file work of up to a few MB,
    /// so off the async thread.
    async fn unpacked(&self, sha256: &str) -> LambdaResult<PathBuf> {
        let code = self.code.clone();
        let sha256 = sha256.to_string();
        crate::blocking(move || Ok(code.unpacked(&sha256)?)).await
    }

    /// Whether `pool` is still the function's current one (its workers may be kept).
    fn is_current(&self, scope: &Scope, name: &str, pool: &Arc<Pool>) -> bool {
        self.pools
            .lock()
            .expect("pools")
            .get(&key_of(scope, name))
            .is_some_and(|p| Arc::ptr_eq(p, pool))
    }

    /// Run one invocation, on an idle worker or a new one.
    ///
    /// # Errors
    /// The runtime cannot run here, or the worker cannot be started.
    pub async fn invoke(
        &self,
        scope: &Scope,
        config: &Config,
        payload: Bytes,
    ) -> LambdaResult<Invoked> {
        let pool = self.pool(scope, config);
        let _permit = pool
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| LambdaError::Service("the function's workers were stopped".into()))?;
        let idle = {
            let mut idle = pool.idle.lock().expect("idle");
            idle.retain(Worker::is_alive);
            idle.pop()
        };
        let id = uuid::Uuid::new_v4().to_string();
        let worker = match idle {
            Some(w) => w,
            // Only a new worker needs its interpreter found on the PATH and its code unpacked.
            None => {
                let launcher = Launcher::of(config.runtime.as_deref())?;
                let code_dir = self.unpacked(&config.code_sha256).await?;
                if launcher == Launcher::Bootstrap && !is_executable(&code_dir.join("bootstrap")) {
                    // AWS's answer when a custom runtime's zip has no bootstrap.
                    return Ok(Invoked {
                        payload: error_body(&serde_json::json!({
                            "errorType": "Runtime.InvalidEntrypoint",
                            "errorMessage": format!("RequestId: {id} Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]"),
                        })),
                        function_error: Some("Unhandled"),
                        log: Vec::new(),
                    });
                }
                self.start(scope, config, &launcher, &code_dir).await?
            }
        };
        let started = std::time::Instant::now();
        worker.log.begin(&id);
        worker
            .log
            .line(format!("START RequestId: {id} Version: $LATEST"));
        let timeout = Duration::from_secs(u64::from(config.timeout));
        let (reply, mut answer) = oneshot::channel();
        let (taken_tx, taken) = oneshot::channel();
        let job = Job {
            id: id.clone(),
            payload,
            timeout,
            taken: taken_tx,
            reply,
        };
        let sent = worker.jobs.send(job).await.is_ok();
        let mut exited = worker.exited.clone();
        // As on AWS, the function's timeout starts when the worker takes the invocation: a new
        // worker's start-up (Lambda's init phase, 10 s at most) is not counted in it.
        let started_up = tokio::select! {
            biased;
            t = taken, if sent => t.map_or(Some(Ended::Exited), |()| None),
            _ = exited.wait_for(Option::is_some) => Some(Ended::Exited),
            () = tokio::time::sleep(INIT_LIMIT + timeout) => Some(Ended::TimedOut),
        };
        let ended = match started_up {
            Some(ended) => ended,
            None => tokio::select! {
                // An answer that came with the process's exit still counts.
                biased;
                a = &mut answer => a.map_or(Ended::Exited, Ended::Answered),
                _ = exited.wait_for(Option::is_some) => Ended::Exited,
                () = tokio::time::sleep(timeout) => Ended::TimedOut,
            },
        };
        let answered = matches!(ended, Ended::Answered(_));
        let (payload, keep) = match ended {
            Ended::Answered(Outcome::Response(body)) => (Ok(body), true),
            Ended::Answered(Outcome::Error(body)) => (Err(body), true),
            Ended::TimedOut => {
                let message = format!(
                    "{} {id} Task timed out after {}.00 seconds",
                    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ"),
                    config.timeout
                );
                worker.log.line(message.clone());
                (
                    Err(error_body(&serde_json::json!({ "errorMessage": message }))),
                    false,
                )
            }
            Ended::Exited => {
                let init = worker.api.init_error.lock().expect("init").clone();
                let body = init.unwrap_or_else(|| {
                    let status = worker.exited.borrow().clone().unwrap_or_default();
                    error_body(&serde_json::json!({
                        "errorType": "Runtime.ExitError",
                        "errorMessage": format!("RequestId: {id} Error: Runtime exited with error: {status}"),
                    }))
                });
                (Err(body), false)
            }
        };
        // Output written before the answer is in the pipes already. The language bootstraps
        // follow it with an end mark on each pipe: once both are read, the tail is whole
        // (bounded, should a function have closed its stdout). Other workers' readers get a
        // few turns.
        // The invocation's duration, without the wait for its output.
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if worker.end_marks && answered {
            let _ = tokio::time::timeout(TAIL_WAIT, worker.log.marked()).await;
        } else {
            for _ in 0..4 {
                tokio::task::yield_now().await;
            }
        }
        worker.log.line(format!("END RequestId: {id}"));
        worker.log.line(format!(
            "REPORT RequestId: {id}\tDuration: {ms:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB",
            ms.ceil() as u64,
            config.memory_size,
            config.memory_size.min(64),
        ));
        let log = worker.log.take();
        if keep && self.is_current(scope, &config.function_name, &pool) {
            pool.idle.lock().expect("idle").push(worker);
        }
        Ok(match payload {
            Ok(payload) => Invoked {
                payload,
                function_error: None,
                log,
            },
            Err(payload) => Invoked {
                payload,
                function_error: Some("Unhandled"),
                log,
            },
        })
    }

    /// Start a worker for a function.
    async fn start(
        &self,
        scope: &Scope,
        config: &Config,
        launcher: &Launcher,
        code_dir: &Path,
    ) -> LambdaResult<Worker> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (jobs, rx) = mpsc::channel(1);
        let api = Arc::new(WorkerApi {
            jobs: tokio::sync::Mutex::new(rx),
            pending: Mutex::default(),
            init_error: Mutex::default(),
            arn: config.function_arn.clone(),
        });
        let mut cmd = match launcher {
            Launcher::Bootstrap => tokio::process::Command::new(code_dir.join("bootstrap")),
            Launcher::Python(python) => {
                let mut c = tokio::process::Command::new(python);
                c.arg(self.bootstrap_file("bootstrap.py", PYTHON_BOOTSTRAP)?);
                c.env("PYTHONUNBUFFERED", "1");
                c
            }
            Launcher::Node(node) => {
                let mut c = tokio::process::Command::new(node);
                c.arg(self.bootstrap_file("bootstrap.js", NODE_BOOTSTRAP)?);
                c
            }
        };
        let stream = format!(
            "{}/[$LATEST]{}",
            chrono::Utc::now().format("%Y/%m/%d"),
            uuid::Uuid::new_v4().simple()
        );
        cmd.current_dir(code_dir)
            .envs(&config.environment)
            .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
            .env("_HANDLER", config.handler.as_deref().unwrap_or(""))
            .env("LAMBDA_TASK_ROOT", code_dir)
            .env("LAMBDA_RUNTIME_DIR", self.code.own_dir())
            .env("AWS_LAMBDA_FUNCTION_NAME", &config.function_name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env(
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                config.memory_size.to_string(),
            )
            .env("AWS_LAMBDA_LOG_GROUP_NAME", config.log_group())
            .env("AWS_LAMBDA_LOG_STREAM_NAME", &stream)
            .env("AWS_REGION", &scope.region)
            .env("AWS_DEFAULT_REGION", &scope.region)
            .env(
                "AWS_EXECUTION_ENV",
                format!(
                    "AWS_Lambda_{}",
                    config.runtime.as_deref().unwrap_or("provided")
                ),
            )
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        // A process group of its own, so that what the worker starts (a `bootstrap` script
        // running a program without `exec`, a handler's subprocess) ends with it.
        #[cfg(unix)]
        cmd.process_group(0);
        let mut child = cmd.spawn().map_err(|e| {
            LambdaError::Runtime(format!("The function's worker could not be started: {e}"))
        })?;
        // Served only once the process runs (the bound listener queues its first connection):
        // a start that fails above leaves no server task behind.
        let server = tokio::spawn({
            let app = runtime_api(api.clone());
            async move {
                let _ = axum::serve(listener, app).await;
            }
        });
        let log = Arc::new(WorkerLog::new(
            self.logs.clone(),
            scope.clone(),
            config.log_group(),
            stream,
        ));
        if let Some(out) = child.stdout.take() {
            tokio::spawn(read_lines(out, Pipe::Out, log.clone()));
        }
        if let Some(err) = child.stderr.take() {
            tokio::spawn(read_lines(err, Pipe::Err, log.clone()));
        }
        let (kill, killed) = oneshot::channel::<()>();
        let (exit_tx, exited) = watch::channel(None);
        let group = child.id();
        tokio::spawn(async move {
            let status = tokio::select! {
                s = child.wait() => s.map_or_else(|e| e.to_string(), |s| exit_text(&s)),
                _ = killed => {
                    kill_group(group);
                    let _ = child.kill().await;
                    "killed".to_string()
                }
            };
            // Whatever the worker left running goes with it.
            kill_group(group);
            let _ = exit_tx.send(Some(status));
        });
        Ok(Worker {
            jobs,
            api,
            exited,
            log,
            end_marks: *launcher != Launcher::Bootstrap,
            server,
            _kill: kill,
        })
    }

    /// A bootstrap of apigw-local's own, written once into its folder.
    fn bootstrap_file(&self, name: &str, text: &str) -> LambdaResult<PathBuf> {
        let dir = self.code.own_dir();
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
            std::fs::create_dir_all(&dir)?;
            let tmp = tempfile::NamedTempFile::new_in(&dir)?;
            std::fs::write(tmp.path(), text)?;
            tmp.persist(&path).map_err(|e| e.error)?;
        }
        Ok(path)
    }
}

/// How an invocation ended.
enum Ended {
    Answered(Outcome),
    Exited,
    TimedOut,
}

/// Kill a worker's process group (its id is the worker's pid), if any of it is left.
fn kill_group(group: Option<u32>) {
    let pgid = group
        .and_then(|g| i32::try_from(g).ok())
        .and_then(rustix::process::Pid::from_raw);
    if let Some(pgid) = pgid {
        // A group that is gone already is ESRCH: nothing to do.
        let _ = rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL);
    }
}

/// How a worker ended, as Lambda's `Runtime.ExitError` words it: `exit status 1`,
/// `signal: killed`.
fn exit_text(status: &std::process::ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                1 => "hangup",
                2 => "interrupt",
                6 => "aborted",
                7 => "bus error",
                8 => "floating point exception",
                9 => "killed",
                11 => "segmentation fault",
                15 => "terminated",
                n => return format!("signal: signal {n}"),
            };
            return format!("signal: {name}");
        }
    }
    status.to_string()
}

fn error_body(v: &serde_json::Value) -> Bytes {
    Bytes::from(v.to_string())
}

/// Copy a worker's output, line by line, into its log. Bytes that are not UTF-8 are replaced,
/// not a reason to stop reading: a pipe left unread would block or break the worker.
async fn read_lines(from: impl AsyncRead + Unpin, pipe: Pipe, log: Arc<WorkerLog>) {
    let mut from = BufReader::new(from);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match from.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                log.output(pipe, &String::from_utf8_lossy(line));
            }
        }
    }
}

/// The Runtime API of one worker.
fn runtime_api(api: Arc<WorkerApi>) -> Router {
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(respond),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(fail))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .with_state(api)
}

async fn next(State(api): State<Arc<WorkerApi>>) -> Response {
    let job = api.jobs.lock().await.recv().await;
    let Some(job) = job else {
        return StatusCode::GONE.into_response();
    };
    api.pending
        .lock()
        .expect("pending")
        .insert(job.id.clone(), job.reply);
    let deadline_ms = chrono::Utc::now().timestamp_millis() + job.timeout.as_millis() as i64;
    let _ = job.taken.send(());
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: String| {
        if let Ok(v) = value.parse() {
            headers.insert(name, v);
        }
    };
    put("lambda-runtime-aws-request-id", job.id.clone());
    put("lambda-runtime-deadline-ms", deadline_ms.to_string());
    put("lambda-runtime-invoked-function-arn", api.arn.clone());
    put(
        "lambda-runtime-trace-id",
        format!(
            "Root=1-{:08x}-{};Parent={};Sampled=0",
            chrono::Utc::now().timestamp(),
            &uuid::Uuid::new_v4().simple().to_string()[..24],
            &uuid::Uuid::new_v4().simple().to_string()[..16]
        ),
    );
    put("content-type", "application/json".into());
    (StatusCode::OK, headers, job.payload).into_response()
}

/// Settle a pending invocation; 400 for an id that is not pending, as the Runtime API does.
fn settle(api: &WorkerApi, id: &str, outcome: Outcome) -> Response {
    match api.pending.lock().expect("pending").remove(id) {
        Some(reply) => {
            let _ = reply.send(outcome);
            (
                StatusCode::ACCEPTED,
                axum::Json(serde_json::json!({ "status": "OK" })),
            )
                .into_response()
        }
        None => (
            StatusCode::BAD_REQUEST,
            axum::Json(serde_json::json!({
                "errorMessage": "Invalid request ID",
                "errorType": "InvalidRequestID",
            })),
        )
            .into_response(),
    }
}

async fn respond(
    State(api): State<Arc<WorkerApi>>,
    UrlPath(id): UrlPath<String>,
    body: Bytes,
) -> Response {
    settle(&api, &id, Outcome::Response(body))
}

async fn fail(
    State(api): State<Arc<WorkerApi>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    settle(&api, &id, Outcome::Error(error_document(&headers, body)))
}

async fn init_error(
    State(api): State<Arc<WorkerApi>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    *api.init_error.lock().expect("init") = Some(error_document(&headers, body));
    (
        StatusCode::ACCEPTED,
        axum::Json(serde_json::json!({ "status": "OK" })),
    )
        .into_response()
}

/// The error document a runtime posted, or one built from its error-type header when the body
/// is not JSON (a `provided` runtime may post anything).
fn error_document(headers: &HeaderMap, body: Bytes) -> Bytes {
    if serde_json::from_slice::<serde_json::Value>(&body).is_ok_and(|v| v.is_object()) {
        return body;
    }
    let kind = headers
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("Runtime.Unknown");
    error_body(&serde_json::json!({
        "errorType": kind,
        "errorMessage": String::from_utf8_lossy(&body),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn exits_are_worded_as_lambda_words_them() {
        let status = |script: &str| {
            std::process::Command::new("sh")
                .args(["-c", script])
                .status()
                .unwrap()
        };
        assert_eq!(exit_text(&status("exit 3")), "exit status 3");
        assert_eq!(exit_text(&status("kill -9 $$")), "signal: killed");
        assert_eq!(exit_text(&status("kill -15 $$")), "signal: terminated");
    }
}
