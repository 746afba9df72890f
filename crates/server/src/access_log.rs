//! The access log writer: lines the data plane formats arrive on a channel and are appended
//! to their log groups in batches (one transaction per log stream and batch), off the request
//! path. A line for a log group that does not exist is dropped, with one warning per group.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use apigw_data::deployment::access_log::{Destination, Entry, Sink};
use apigw_store::logs::{put_events, Batches, LogEvent};
use apigw_store::Store;
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinHandle;

/// The running writer.
pub struct Writer {
    stop: Arc<Notify>,
    task: JoinHandle<()>,
}

/// Start the writer; the data plane sends to the returned sink.
pub fn start(store: Store) -> (Sink, Writer) {
    let (tx, rx) = mpsc::unbounded_channel();
    let stop = Arc::new(Notify::new());
    let task = tokio::spawn(run(store, rx, stop.clone()));
    (tx, Writer { stop, task })
}

impl Writer {
    /// Write what is queued, then stop (at shutdown, after the data plane has stopped).
    pub async fn finish(self) {
        self.stop.notify_one();
        let _ = self.task.await;
    }
}

async fn run(store: Store, rx: mpsc::UnboundedReceiver<Entry>, stop: Arc<Notify>) {
    let mut missing: HashSet<(String, String, String)> = HashSet::new();
    let mut batches = Batches::new(rx, stop);
    while let Some(batch) = batches.next().await {
        write(&store, batch, &mut missing).await;
    }
}

/// Append a batch, grouped by destination, in arrival order within each.
async fn write(store: &Store, batch: Vec<Entry>, missing: &mut HashSet<(String, String, String)>) {
    // Keyed by the destination's address: one `Arc` per published stage.
    let mut by_destination: HashMap<usize, (Arc<Destination>, Vec<LogEvent>)> = HashMap::new();
    for e in batch {
        by_destination
            .entry(Arc::as_ptr(&e.destination) as usize)
            .or_insert_with(|| (e.destination.clone(), Vec::new()))
            .1
            .push(LogEvent {
                timestamp: e.timestamp,
                message: e.line,
            });
    }
    for (dest, events) in by_destination.into_values() {
        match put_events(store, &dest.scope, &dest.group, &dest.stream, &events).await {
            Ok(true) => {}
            Ok(false) => {
                let key = (
                    dest.scope.account.clone(),
                    dest.scope.region.clone(),
                    dest.group.clone(),
                );
                if missing.insert(key) {
                    tracing::warn!(
                        group = %dest.group,
                        region = %dest.scope.region,
                        "access log group does not exist; its lines are dropped"
                    );
                }
            }
            Err(e) => {
                tracing::error!(error = %e, group = %dest.group, "could not write access logs")
            }
        }
    }
}
