//! The accept loop. Each connection starts on the fast HTTP/1.1 path ([`crate::fast`]); the
//! first request that path does not handle moves the connection to hyper, through a byte tap
//! that keeps the case of request header names.
//!
//! hyper lower-cases header names (its own record of the original case is private), but AWS
//! shows templates and Lambda proxy events the names as the client spelled them
//! (`Content-Type`, `X-Api-Key`). So on hyper's connections each read passes through [`Tap`],
//! which follows the HTTP/1.1 framing (head, then a `Content-Length` or chunked body) and
//! records each request head's names in order; the service hands them to the handler as
//! [`HeaderNames`]. The gateway uses them only when they match the request's headers
//! case-insensitively, so a tap that lost track (an upgrade, HTTP/2) changes nothing.

use std::collections::HashMap;
use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use crate::{Handler, HeaderNames, Peer, Reply, RequestBody};
use bytes::Bytes;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// The longest request head followed; longer ones turn the tap off for the connection.
const MAX_HEAD: usize = 64 * 1024;

/// Heads parsed on a connection, waiting for their requests to reach the service.
type Queue = Arc<Mutex<VecDeque<HeaderNames>>>;

/// Where the tap is in the request stream.
#[derive(Debug)]
enum State {
    /// Reading a request head (bytes so far).
    Head(Vec<u8>),
    /// Skipping a body of known length.
    Body(u64),
    /// Reading a chunk-size line (bytes so far).
    ChunkSize(Vec<u8>),
    /// Skipping chunk data and its CRLF.
    ChunkData(u64),
    /// Reading trailer lines after the last chunk (bytes of the current line).
    Trailers(Vec<u8>),
    /// Lost track, or not HTTP/1: record nothing more.
    Off,
}

/// Follows HTTP/1.1 request framing through the bytes a connection reads.
#[derive(Debug)]
pub struct Framing {
    state: State,
    queue: Queue,
}

impl Framing {
    fn new(queue: Queue) -> Self {
        Self {
            state: State::Head(Vec::new()),
            queue,
        }
    }

    /// Feed bytes the server read.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            bytes = match &mut self.state {
                State::Off => return,
                // The usual case: a whole head within one read, parsed in place.
                State::Head(buf) if buf.is_empty() => match find(bytes, b"\r\n\r\n") {
                    Some(i) => {
                        self.state = self.on_head(&bytes[..i + 4]);
                        &bytes[i + 4..]
                    }
                    None => {
                        buf.extend_from_slice(bytes);
                        return;
                    }
                },
                State::Head(buf) => {
                    let before = buf.len();
                    buf.extend_from_slice(bytes);
                    let Some(end) = find(buf, b"\r\n\r\n") else {
                        if buf.len() > MAX_HEAD {
                            self.state = State::Off;
                        }
                        return;
                    };
                    let head = std::mem::take(buf);
                    let rest = &bytes[end + 4 - before..];
                    self.state = self.on_head(&head[..end + 4]);
                    rest
                }
                State::Body(left) => {
                    let n = (*left).min(bytes.len() as u64) as usize;
                    *left -= n as u64;
                    if *left == 0 {
                        self.state = State::Head(Vec::new());
                    }
                    &bytes[n..]
                }
                State::ChunkSize(line) => {
                    let Some(i) = bytes.iter().position(|b| *b == b'\n') else {
                        line.extend_from_slice(bytes);
                        if line.len() > 1024 {
                            self.state = State::Off;
                        }
                        return;
                    };
                    line.extend_from_slice(&bytes[..i]);
                    let text = String::from_utf8_lossy(line);
                    let size = text.split(';').next().unwrap_or_default().trim();
                    self.state = match u64::from_str_radix(size, 16) {
                        Ok(0) => State::Trailers(Vec::new()),
                        // The chunk's data and the CRLF after it.
                        Ok(n) => State::ChunkData(n.saturating_add(2)),
                        Err(_) => State::Off,
                    };
                    &bytes[i + 1..]
                }
                State::ChunkData(left) => {
                    let n = (*left).min(bytes.len() as u64) as usize;
                    *left -= n as u64;
                    if *left == 0 {
                        self.state = State::ChunkSize(Vec::new());
                    }
                    &bytes[n..]
                }
                State::Trailers(line) => {
                    let Some(i) = bytes.iter().position(|b| *b == b'\n') else {
                        line.extend_from_slice(bytes);
                        if line.len() > MAX_HEAD {
                            self.state = State::Off;
                        }
                        return;
                    };
                    line.extend_from_slice(&bytes[..i]);
                    let blank = line.iter().all(|b| *b == b'\r');
                    line.clear();
                    if blank {
                        self.state = State::Head(Vec::new());
                    }
                    &bytes[i + 1..]
                }
            };
        }
    }

    /// Record a complete head's names and choose how its body is framed.
    ///
    /// A line scan, not a full parse: hyper parses (and validates) the head; the tap needs only
    /// the names and the framing headers. Anything unusual turns the tap off.
    fn on_head(&mut self, head: &[u8]) -> State {
        let mut start = 0;
        let mut lines = memchr::memchr_iter(b'\n', head).map(|end| {
            let line = &head[start..end];
            start = end + 1;
            line.strip_suffix(b"\r").unwrap_or(line)
        });
        let Some(request_line) = lines.next() else {
            return State::Off;
        };
        if !(request_line.ends_with(b" HTTP/1.1") || request_line.ends_with(b" HTTP/1.0")) {
            return State::Off;
        }
        let mut names = String::new();
        let mut length: Option<u64> = None;
        let mut chunked = false;
        let mut upgrade = request_line.starts_with(b"CONNECT ");
        for line in lines {
            if line.is_empty() {
                break;
            }
            let Some(colon) = memchr::memchr(b':', line) else {
                return State::Off;
            };
            let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
            // Header names are tokens: visible ASCII without separators such as spaces.
            if name.is_empty() || !name.iter().all(|b| b.is_ascii_graphic()) {
                return State::Off;
            }
            if !names.is_empty() {
                names.push('\n');
            }
            // Checked ASCII just above.
            names.push_str(std::str::from_utf8(name).unwrap_or_default());
            if name.eq_ignore_ascii_case(b"content-length") {
                length = crate::field::content_length(value);
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                if let Some(last) = crate::field::chunked_last(value) {
                    chunked = last;
                }
            } else if name.eq_ignore_ascii_case(b"upgrade") {
                upgrade = true;
            }
        }
        if let Ok(mut q) = self.queue.lock() {
            q.push_back(HeaderNames::from_lines(names));
        }
        match (upgrade, chunked, length) {
            (true, _, _) => State::Off,
            (false, true, _) => State::ChunkSize(Vec::new()),
            (false, false, Some(n)) if n > 0 => State::Body(n),
            _ => State::Head(Vec::new()),
        }
    }
}

/// Where `needle` (a head terminator) first occurs in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// A TCP stream whose reads are fed to a [`Framing`]; its first reads return the bytes the
/// fast path already took from it.
pub struct Tap {
    prefix: Bytes,
    inner: TcpStream,
    framing: Framing,
    activity: Arc<Activity>,
}

/// What the idle watch of a hyper connection reads: when bytes last moved, and how many
/// requests are being answered.
#[derive(Debug)]
struct Activity {
    start: tokio::time::Instant,
    /// Milliseconds from `start` to the last read or write that moved bytes.
    last: AtomicU64,
    /// Requests inside the service now.
    busy: AtomicUsize,
}

impl Activity {
    fn new() -> Self {
        Self {
            start: tokio::time::Instant::now(),
            last: AtomicU64::new(0),
            busy: AtomicUsize::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Relaxed);
    }

    /// How long no bytes moved while no request was being answered (zero while one is).
    fn idle_for(&self) -> Duration {
        if self.busy.load(Ordering::Relaxed) > 0 {
            return Duration::ZERO;
        }
        let last = Duration::from_millis(self.last.load(Ordering::Relaxed));
        self.start.elapsed().saturating_sub(last)
    }
}

/// Counts a request as being answered while it lives.
struct Busy(Arc<Activity>);

impl Busy {
    fn new(activity: &Arc<Activity>) -> Self {
        activity.busy.fetch_add(1, Ordering::Relaxed);
        Self(activity.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.touch();
        self.0.busy.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One request's claim on being "busy": from the end of its body (the client has said all it
/// will) to its answer. While the body is still arriving the client is the one to wait for,
/// so a body that stalls counts as idle and is cut off at the idle timeout.
#[derive(Default)]
struct Answering {
    answered: bool,
    busy: Option<Busy>,
}

type AnsweringSlot = Arc<Mutex<Answering>>;

fn start_answering(slot: &AnsweringSlot, activity: &Arc<Activity>) {
    if let Ok(mut a) = slot.lock() {
        if !a.answered && a.busy.is_none() {
            a.busy = Some(Busy::new(activity));
        }
    }
}

/// A request body still arriving on a connection hyper serves. It marks the request busy once
/// it has all arrived (a body already complete when the request came has nothing to mark: no
/// activity).
pub struct Streaming {
    inner: hyper::body::Incoming,
    activity: Option<Arc<Activity>>,
    slot: Option<AnsweringSlot>,
}

impl http_body::Body for Streaming {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, hyper::Error>>> {
        let this = &mut *self;
        let frame = Pin::new(&mut this.inner).poll_frame(cx);
        let ended = matches!(frame, Poll::Ready(None)) || this.inner.is_end_stream();
        if ended {
            if let (Some(activity), Some(slot)) = (this.activity.take(), &this.slot) {
                start_answering(slot, &activity);
            }
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

impl AsyncRead for Tap {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        if !this.prefix.is_empty() {
            let n = this.prefix.len().min(buf.remaining());
            buf.put_slice(&this.prefix.split_to(n));
        } else {
            let res = Pin::new(&mut this.inner).poll_read(cx, buf);
            if !matches!(res, Poll::Ready(Ok(()))) {
                return res;
            }
        }
        this.framing.feed(&buf.filled()[before..]);
        if buf.filled().len() > before {
            this.activity.touch();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Tap {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let res = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(res, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        res
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let res = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(res, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        res
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// One worker thread's place among the others.
pub struct Worker {
    /// Its index in `balance`.
    pub index: usize,
    /// Every worker's connection count, to spread connections evenly.
    pub balance: Arc<crate::balance::Workers>,
    /// Connections other workers accepted for this one.
    pub inbox: tokio::sync::mpsc::UnboundedReceiver<crate::balance::Handed>,
}

/// Serve `app` on `listener` until `stop` says so, then let open connections finish their
/// requests (for at most 10 s). A connection accepted while another worker serves fewer goes
/// to that one ([`crate::balance`]).
pub async fn serve<H: Handler>(
    listener: TcpListener,
    mut me: Worker,
    app: H,
    mut stop: tokio::sync::watch::Receiver<bool>,
    limits: crate::fast::Timeouts,
) -> io::Result<()> {
    let mut connections = tokio::task::JoinSet::new();
    // The fast path's connections, by task, with the flag saying which wait idle: those are
    // dropped when the worker stops (`fast::Stop`).
    let mut fast: HashMap<tokio::task::Id, (tokio::task::AbortHandle, Arc<AtomicBool>)> =
        HashMap::new();
    let stopping = Arc::new(AtomicBool::new(false));
    // Connections handed to hyper wait on this worker's own stop signal, passed on from the
    // server's.
    let (local_stop_tx, local_stop) = tokio::sync::watch::channel(false);
    loop {
        let (stream, addr, live) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, addr)) => {
                    let live = me.balance.place(me.index);
                    if live.worker() == me.index {
                        (stream, addr, live)
                    } else {
                        // Leaving this runtime's reactor; the other worker registers it with
                        // its own.
                        if let Ok(stream) = stream.into_std() {
                            me.balance.hand((stream, addr, live));
                        }
                        continue;
                    }
                }
                // Out of descriptors and the like: keep serving the connections there are.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            Some((stream, addr, live)) = me.inbox.recv() => match TcpStream::from_std(stream) {
                Ok(stream) => (stream, addr, live),
                Err(e) => {
                    tracing::warn!(error = %e, "could not take over a connection");
                    continue;
                }
            },
            // Reap finished connections so the set holds only live ones.
            Some(done) = connections.join_next_with_id(), if !connections.is_empty() => {
                let id = match done {
                    Ok((id, ())) => id,
                    Err(e) => e.id(),
                };
                fast.remove(&id);
                continue;
            }
            _ = stop.wait_for(|s| *s) => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let hyper_stop = local_stop.clone();
        let stop = crate::fast::Stop {
            stopping: stopping.clone(),
            idle: Arc::new(AtomicBool::new(true)),
        };
        let idle = stop.idle.clone();
        let task = connections.spawn(async move {
            let _live = live;
            if let crate::fast::End::Handover(stream, read) =
                crate::fast::serve(stream, addr, &app, &stop, limits).await
            {
                serve_hyper(stream, read, addr, app, hyper_stop, limits).await;
            }
        });
        fast.insert(task.id(), (task, idle));
    }
    drop(listener);
    // Connections still on their way here are closed.
    drop(me.inbox);
    // This runs on the connections' own thread: none of them is between its idle check and
    // its read.
    stopping.store(true, Ordering::Relaxed);
    for (task, idle) in fast.values() {
        if idle.load(Ordering::Relaxed) {
            task.abort();
        }
    }
    let _ = local_stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    Ok(())
}

/// Serve the rest of a connection with hyper (HTTP/1 or HTTP/2), `read` being the bytes the
/// fast path already took from it. A stopping server lets the request in progress finish;
/// so does a connection idle past `limits.idle` (no bytes moved, and no request whose body has
/// arrived waiting for its answer: a stalled body counts as idle), which is then closed.
async fn serve_hyper<H: Handler>(
    stream: TcpStream,
    read: Bytes,
    addr: SocketAddr,
    app: H,
    mut stop: tokio::sync::watch::Receiver<bool>,
    limits: crate::fast::Timeouts,
) {
    let queue: Queue = Arc::default();
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Tap {
        prefix: read,
        inner: stream,
        framing: Framing::new(queue.clone()),
        activity: activity.clone(),
    });
    let seen = activity.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let header_names = queue.lock().ok().and_then(|mut q| q.pop_front());
        let client = Peer { addr, header_names };
        let app = app.clone();
        let slot = AnsweringSlot::default();
        let req = if http_body::Body::is_end_stream(req.body()) {
            start_answering(&slot, &seen);
            req.map(|inner| {
                RequestBody::Streaming(Streaming {
                    inner,
                    activity: None,
                    slot: None,
                })
            })
        } else {
            let activity = Some(seen.clone());
            let slot = Some(slot.clone());
            req.map(|inner| {
                RequestBody::Streaming(Streaming {
                    inner,
                    activity,
                    slot,
                })
            })
        };
        async move {
            let res = app.call(req, client).await.into_response();
            if let Ok(mut a) = slot.lock() {
                a.answered = true;
                a.busy = None;
            }
            Ok::<_, std::convert::Infallible>(res)
        }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header);
    let conn = builder.serve_connection_with_upgrades(io, service);
    tokio::pin!(conn);
    let idle = async {
        loop {
            let idle_for = activity.idle_for();
            if idle_for >= limits.idle {
                return;
            }
            tokio::time::sleep(limits.idle - idle_for).await;
        }
    };
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = stop.wait_for(|s| *s) => conn.as_mut().graceful_shutdown(),
        // Nothing to finish: no request waits for its answer (a stalled body is the client's
        // silence). Dropping the connection closes it.
        () = idle => return,
    }
    let _ = conn.await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_of(input: &[&[u8]]) -> Vec<String> {
        let queue: Queue = Arc::default();
        let mut f = Framing::new(queue.clone());
        for part in input {
            f.feed(part);
        }
        let q = queue.lock().unwrap();
        q.iter().map(|n| n.names().join("\n")).collect()
    }

    #[test]
    fn heads_bodies_and_chunks() {
        let stream: &[u8] = b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-Api-Key: k\r\n\r\nhello\
GET /b HTTP/1.1\r\nhost: x\r\nUser-Agent: t\r\n\r\n\
POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nHEAD \r\n4\r\n\r\n\r\n\r\n0\r\nTrailer-X: 1\r\n\r\n\
DELETE /d HTTP/1.1\r\nAuthorization: a\r\n\r\n";
        let expected = vec![
            "Host\nContent-Length\nX-Api-Key".to_string(),
            "host\nUser-Agent".to_string(),
            "Host\nTransfer-Encoding".to_string(),
            "Authorization".to_string(),
        ];
        // Whole, and split at every byte boundary.
        assert_eq!(names_of(&[stream]), expected);
        for cut in 1..stream.len() {
            let (a, b) = stream.split_at(cut);
            assert_eq!(names_of(&[a, b]), expected, "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(names_of(&bytes), expected);
    }

    #[test]
    fn upgrades_and_http2_turn_the_tap_off() {
        assert_eq!(
            names_of(&[
                b"GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\nGET /x HTTP/1.1\r\nA: b\r\n\r\n"
            ]),
            vec!["Upgrade".to_string()]
        );
        assert!(names_of(&[b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"]).is_empty());
    }
}
