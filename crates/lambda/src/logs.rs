//! Function output: every line a worker writes goes to the CloudWatch Logs group
//! `/aws/lambda/{name}` (created when missing, as Lambda does), stream per worker; the lines
//! of the invocation in progress are also kept for `LogType: Tail`.

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, Notify};

use apigw_model::Scope;
use apigw_store::logs::{LogEvent, LogGroup};
use apigw_store::Store;

/// Lines kept for one invocation's tail; AWS returns the last 4 KB of them.
const MAX_TAIL_LINES: usize = 2000;

/// A worker's log stream: one per worker, shared by its lines.
#[derive(Debug)]
struct Stream {
    scope: Scope,
    group: String,
    name: String,
}

/// One line bound for a stream.
#[derive(Debug)]
struct Line {
    stream: Arc<Stream>,
    event: LogEvent,
}

/// Where worker output is sent; a task of [`start_writer`] stores it.
#[derive(Debug, Clone)]
pub struct LogSink(mpsc::UnboundedSender<Line>);

/// The sink, what stops the writer (notified, it writes what is queued and ends), and the
/// task that writes what reaches the sink (run it on the server's runtime).
pub fn start_writer(store: Store) -> (LogSink, Arc<Notify>, impl std::future::Future<Output = ()>) {
    let (tx, rx) = mpsc::unbounded_channel::<Line>();
    let stop = Arc::new(Notify::new());
    let mut batches = apigw_store::logs::Batches::new(rx, stop.clone());
    let task = async move {
        while let Some(batch) = batches.next().await {
            write(&store, batch).await;
        }
    };
    (LogSink(tx), stop, task)
}

/// Store a batch: consecutive lines of one stream in one append.
async fn write(store: &Store, batch: Vec<Line>) {
    let mut runs: Vec<(Arc<Stream>, Vec<LogEvent>)> = Vec::new();
    for l in batch {
        match runs.last_mut() {
            Some((stream, events)) if Arc::ptr_eq(stream, &l.stream) => events.push(l.event),
            _ => runs.push((l.stream, vec![l.event])),
        }
    }
    for (s, events) in runs {
        if let Err(e) = append(store, &s.scope, &s.group, &s.name, &events).await {
            tracing::warn!(error = %e, group = s.group, "could not store a function's log lines");
        }
    }
}

async fn append(
    store: &Store,
    scope: &Scope,
    group: &str,
    stream: &str,
    events: &[LogEvent],
) -> Result<(), apigw_store::StoreError> {
    if !apigw_store::logs::put_events(store, scope, group, stream, events).await? {
        let mut tx = store.write().await?;
        let new = LogGroup {
            name: group.to_string(),
            creation_time: apigw_store::logs::now_ms(),
            retention_days: None,
            class: "STANDARD".into(),
            kms_key_id: None,
            stored_bytes: 0,
        };
        apigw_store::logs::create_group(&mut tx, scope, &new, "{}").await?;
        tx.commit().await?;
        apigw_store::logs::put_events(store, scope, group, stream, events).await?;
    }
    Ok(())
}

/// One worker's log: its stream, and the lines of the invocation in progress.
#[derive(Debug)]
pub struct WorkerLog {
    sink: LogSink,
    stream: Arc<Stream>,
    current: Mutex<Vec<String>>,
}

impl WorkerLog {
    /// The log of a worker writing to `group`/`stream`.
    pub fn new(sink: LogSink, scope: Scope, group: String, stream: String) -> Self {
        Self {
            sink,
            stream: Arc::new(Stream {
                scope,
                group,
                name: stream,
            }),
            current: Mutex::default(),
        }
    }

    /// An invocation starts: forget the last one's lines.
    pub fn begin(&self) {
        self.current.lock().expect("log").clear();
    }

    /// A line of output (or of the service's START/END/REPORT).
    pub fn line(&self, text: String) {
        {
            let mut current = self.current.lock().expect("log");
            if current.len() < MAX_TAIL_LINES {
                current.push(text.clone());
            }
        }
        let _ = self.sink.0.send(Line {
            stream: self.stream.clone(),
            event: LogEvent {
                timestamp: apigw_store::logs::now_ms(),
                message: text,
            },
        });
    }

    /// The invocation's lines so far.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.current.lock().expect("log"))
    }
}

/// The last 4 KB of an invocation's log, base64 (`X-Amz-Log-Result`).
pub fn tail(lines: &[String]) -> String {
    use base64::Engine;
    let mut text = lines.join("\n");
    text.push('\n');
    let start = text.len().saturating_sub(4096);
    let start = (start..text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(text.len());
    base64::engine::general_purpose::STANDARD.encode(&text.as_bytes()[start..])
}
