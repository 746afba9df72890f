//! Function output: every line a worker writes goes to the CloudWatch Logs group
//! `/aws/lambda/{name}` (created when missing, as Lambda does), stream per worker; the lines
//! of the invocation in progress are also kept for `LogType: Tail`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, watch, Notify};

use apigw_model::Scope;
use apigw_store::logs::{LogEvent, LogGroup};
use apigw_store::Store;

/// The bytes of an invocation's log that `LogType: Tail` returns: its last 4 KB.
const TAIL_BYTES: usize = 4096;

/// What the language bootstraps write on stdout and stderr, then the request id, after an
/// invocation's output and before its answer: once both are read, the tail is complete.
pub const END_MARK: &str = "\u{1}apigw-end ";

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
    current: Mutex<Current>,
    /// The pipes whose end mark was read for the invocation in progress (bits of [`Pipe`]),
    /// changed only under `current`'s lock, with its id.
    marks: watch::Sender<u8>,
}

/// The pipe a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pipe {
    /// The worker's stdout.
    Out = 1,
    /// The worker's stderr.
    Err = 2,
}

/// Both pipes' end marks.
const BOTH: u8 = Pipe::Out as u8 | Pipe::Err as u8;

/// The invocation in progress: its id and its last lines, just enough to cover the tail.
#[derive(Debug, Default)]
struct Current {
    id: String,
    lines: VecDeque<String>,
    /// Bytes of `lines` joined by newlines.
    bytes: usize,
}

impl Current {
    fn push(&mut self, text: String) {
        self.bytes += text.len() + 1;
        self.lines.push_back(text);
        // Drop the oldest line while the rest still hold the last 4 KB.
        while let Some(front) = self.lines.front() {
            if self.bytes - (front.len() + 1) < TAIL_BYTES {
                break;
            }
            self.bytes -= front.len() + 1;
            self.lines.pop_front();
        }
    }
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
            marks: watch::Sender::new(0),
        }
    }

    /// Invocation `id` starts: forget the last one's lines and marks.
    pub fn begin(&self, id: &str) {
        let mut current = self.current.lock().expect("log");
        *current = Current {
            id: id.to_string(),
            ..Current::default()
        };
        self.marks.send_replace(0);
        drop(current);
    }

    /// A line read from `pipe`: output, or output ending in an end mark.
    pub fn output(&self, pipe: Pipe, text: &str) {
        match text.split_once(END_MARK) {
            Some((before, id)) => {
                if !before.is_empty() {
                    self.line(before.to_string());
                }
                // Under the lock `begin` takes: a late mark of the last invocation cannot
                // count for the next.
                let current = self.current.lock().expect("log");
                if current.id == id {
                    self.marks.send_modify(|m| *m |= pipe as u8);
                }
            }
            None => self.line(text.to_string()),
        }
    }

    /// Wait until both pipes' end marks of the invocation in progress are read.
    pub async fn marked(&self) {
        let _ = self.marks.subscribe().wait_for(|m| *m == BOTH).await;
    }

    /// A line of output (or of the service's START/END/REPORT).
    pub fn line(&self, text: String) {
        self.current.lock().expect("log").push(text.clone());
        let _ = self.sink.0.send(Line {
            stream: self.stream.clone(),
            event: LogEvent {
                timestamp: apigw_store::logs::now_ms(),
                message: text,
            },
        });
    }

    /// The invocation's last lines so far (at least its last 4 KB).
    pub fn take(&self) -> Vec<String> {
        let mut current = self.current.lock().expect("log");
        current.bytes = 0;
        std::mem::take(&mut current.lines).into()
    }
}

/// The last 4 KB of an invocation's log, base64 (`X-Amz-Log-Result`).
pub fn tail(lines: &[String]) -> String {
    use base64::Engine;
    let mut text = lines.join("\n");
    text.push('\n');
    let start = text.len().saturating_sub(TAIL_BYTES);
    let start = (start..text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(text.len());
    base64::engine::general_purpose::STANDARD.encode(&text.as_bytes()[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> WorkerLog {
        let (tx, _rx) = mpsc::unbounded_channel();
        let scope = Scope {
            account: "1".into(),
            region: "us-east-1".into(),
        };
        WorkerLog::new(LogSink(tx), scope, "g".into(), "s".into())
    }

    #[test]
    fn only_the_last_4_kb_are_kept_and_marks_are_counted_not_logged() {
        let log = log();
        log.begin("r1");
        for i in 0..3000 {
            log.output(Pipe::Out, &format!("line {i}"));
        }
        log.output(Pipe::Out, "partial\u{1}apigw-end r1");
        // A second mark on the same pipe, or a late one of an earlier invocation, is not the
        // other pipe's.
        log.output(Pipe::Out, "\u{1}apigw-end r1");
        log.output(Pipe::Err, "\u{1}apigw-end r0");
        assert_eq!(*log.marks.borrow(), Pipe::Out as u8);
        log.output(Pipe::Err, "\u{1}apigw-end r1");
        assert_eq!(*log.marks.borrow(), BOTH);
        let lines = log.take();
        assert_eq!(lines.last().map(String::as_str), Some("partial"));
        assert!(lines.contains(&"line 2999".to_string()));
        let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
        // Just enough lines to cover the last 4 KB, not all 3,000.
        assert!((TAIL_BYTES..TAIL_BYTES + 20).contains(&bytes), "{bytes}");
        log.begin("r2");
        assert_eq!(*log.marks.borrow(), 0);
        assert!(log.take().is_empty());
    }
}
