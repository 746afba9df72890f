//! The fast HTTP/1.1 path: a connection loop that reads, parses and answers the plain requests
//! that make up nearly all traffic, and hands the connection to hyper for anything else.
//!
//! hyper's HTTP/1 server is general (any body framing, upgrades, HTTP/2, header case options),
//! and that generality was about half of the instructions a MOCK request costs (callgrind:
//! dispatcher, buffered I/O, body channel, the header-case tap in front of it). This loop
//! handles the common case directly — an HTTP/1.1 request with no body or a `Content-Length`
//! body of at most [`MAX_FAST_BODY`] — and keeps the header-name case the client sent, which
//! hyper cannot. The first request that is anything else (HTTP/1.0, `HEAD`, `CONNECT`,
//! chunked bodies, `Expect`, upgrades, HTTP/2, a head httparse rejects or a very long one)
//! moves the connection, with the bytes already read, to hyper for the rest of its life
//! (`server::serve_hyper`), so those cases keep hyper's answers.
//!
//! Responses are written as hyper writes them: `HTTP/1.1 {code} {reason}`, lower-case header
//! names, `content-length` when the body's length is known (else chunked), a `date` header
//! unless the application set one, no body for 1xx/204/304, and `connection: close` when the
//! connection will close.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::ops::Range;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, StatusCode, Uri};
use http_body::Body as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::deadline::{within, Alarm, Elapsed};
use crate::field as headers;
use crate::{Handler, HeaderNames, Peer, Reply, RequestBody};

/// The most header lines a fast-path request may have; more go to hyper (which answers 431
/// past its own limit).
const MAX_HEADERS: usize = 64;
/// The longest head the fast path waits for; longer heads go to hyper.
const MAX_HEAD: usize = 64 * 1024;
/// Larger bodies go to hyper, which streams them (and the data plane answers 413 past 10 MB)
/// instead of this loop buffering them.
pub const MAX_FAST_BODY: u64 = 1024 * 1024;
/// Bytes asked of the socket per read.
const READ_SIZE: usize = 8 * 1024;
/// Body chunks up to this size are copied next to the head so a response is one write.
const COALESCE: usize = 16 * 1024;

/// How a connection's fast path ended.
pub(crate) enum End {
    /// The connection is finished (closed by either side, or the server is stopping).
    Closed,
    /// A request the fast path does not handle: serve the rest with hyper, starting with these
    /// bytes already read.
    Handover(TcpStream, Bytes),
}

/// A header line's `(name, value)` ranges in the read buffer.
type Field = (Range<usize>, Range<usize>);

/// A request head the fast path will serve, as offsets into the read buffer (its header lines
/// are parsed into a [`Field`] list the connection reuses).
struct Head {
    len: usize,
    method: Method,
    path: Range<usize>,
    body: usize,
    close: bool,
}

/// What the bytes read so far hold.
enum Parsed {
    Request(Head),
    Incomplete,
    Handover,
}

/// What a worker and one of its fast-path connections share about stopping.
///
/// A stopping worker sets `stopping` and drops the tasks of connections that are `idle` (waiting
/// for a request with nothing read); the others finish the request in hand, see `stopping` and
/// close. Flags rather than a stop channel polled beside every idle read: that poll (a waiter
/// list behind a lock) and the `select!` around it cost ~300 instructions a request.
#[derive(Debug, Clone)]
pub(crate) struct Stop {
    /// The worker is stopping (one flag per worker).
    pub stopping: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// This connection waits for a request with nothing read. True from the start: a
    /// connection not yet served has nothing to lose.
    pub idle: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// How long a connection may take, so that slow or idle clients cannot hold connections (and
/// their memory) forever.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// From a connection's start, or a request head's first byte, to the head's end; past it
    /// the server answers 408 (if anything was sent) and closes.
    pub header: Duration,
    /// The longest wait for the next request on a kept-alive connection, or for more of a
    /// request body; past it the connection is closed.
    pub idle: Duration,
}

/// Serve `stream` until it closes, the worker stops (between requests), or a request needs
/// hyper.
pub(crate) async fn serve<H: Handler>(
    mut stream: TcpStream,
    addr: SocketAddr,
    app: &H,
    stop: &Stop,
    limits: Timeouts,
) -> End {
    use std::sync::atomic::Ordering::Relaxed;
    let mut buf = BytesMut::with_capacity(READ_SIZE);
    let mut out: Vec<u8> = Vec::with_capacity(1024);
    // The request's header lines, kept for the next request's.
    let mut fields: Vec<Field> = Vec::new();
    // When the head being read must be complete: from the start for the first request, from
    // its first byte for the next ones (set when a partial head is first seen).
    let mut head_deadline = Some(Instant::now() + limits.header);
    // The idle limit between requests: one registration that moves with each request, not
    // one per wait (that cost ~600 instructions a request).
    let mut idle_alarm = Alarm::new();
    loop {
        let head = match parse(&buf, &mut fields) {
            Parsed::Request(h) => h,
            Parsed::Handover => return End::Handover(stream, buf.freeze()),
            Parsed::Incomplete => {
                if buf.capacity() - buf.len() < 1024 {
                    buf.reserve(READ_SIZE);
                }
                let read = if buf.is_empty() && head_deadline.is_none() {
                    // Idle between requests: the only place a stopping server closes a
                    // connection without answering (the worker drops this task here). The
                    // worker runs on this thread, so it cannot stop between the check and the
                    // flag.
                    if stop.stopping.load(Relaxed) {
                        return End::Closed;
                    }
                    stop.idle.store(true, Relaxed);
                    let idle_until = Instant::now() + limits.idle;
                    let read = stream.read_buf(&mut buf);
                    tokio::pin!(read);
                    let r = std::future::poll_fn(|cx| {
                        if let Poll::Ready(r) = read.as_mut().poll(cx) {
                            return Poll::Ready(Some(r));
                        }
                        idle_alarm.poll_until(idle_until, cx).map(|()| None)
                    })
                    .await;
                    stop.idle.store(false, Relaxed);
                    match r {
                        Some(r) => r,
                        None => return End::Closed,
                    }
                } else {
                    // A new connection waits for its first head here: idle (the flag is set
                    // from the start) until bytes come.
                    if buf.is_empty() && stop.stopping.load(Relaxed) {
                        return End::Closed;
                    }
                    let deadline =
                        *head_deadline.get_or_insert_with(|| Instant::now() + limits.header);
                    let left = deadline.saturating_duration_since(Instant::now());
                    let r = within(left, stream.read_buf(&mut buf)).await;
                    stop.idle.store(false, Relaxed);
                    match r {
                        Ok(r) => r,
                        Err(Elapsed) => {
                            // A client that sent part of a head is told why it is cut off.
                            if !buf.is_empty() {
                                let _ = stream.write_all(REQUEST_TIMEOUT).await;
                                let _ = stream.shutdown().await;
                            }
                            return End::Closed;
                        }
                    }
                };
                match read {
                    Ok(0) | Err(_) => return End::Closed,
                    Ok(_) => continue,
                }
            }
        };
        head_deadline = None;
        while buf.len() < head.len + head.body {
            buf.reserve(head.len + head.body - buf.len());
            match within(limits.idle, stream.read_buf(&mut buf)).await {
                Ok(Ok(0) | Err(_)) | Err(Elapsed) => return End::Closed,
                Ok(Ok(_)) => {}
            }
        }
        let close = head.close;
        let head_bytes = buf.split_to(head.len).freeze();
        let body = buf.split_to(head.body).freeze();
        let Some((req, client)) = request(&head, &fields, &head_bytes, body, addr) else {
            // Something hyper would also refuse (a target `Uri` does not accept, a header value
            // `HeaderValue` does not): answer as hyper does and close.
            let _ = stream.write_all(BAD_REQUEST).await;
            let _ = stream.shutdown().await;
            return End::Closed;
        };
        drop(head_bytes);
        let res = app.call(req, client).await;
        match respond(&mut stream, &mut out, res, close).await {
            Ok(true) if !stop.stopping.load(Relaxed) => {}
            // The answer's last bytes are followed by a FIN, not left to the drop.
            Ok(_) => {
                let _ = stream.shutdown().await;
                return End::Closed;
            }
            Err(_) => return End::Closed,
        }
    }
}

/// hyper's answer to a request it cannot parse.
const BAD_REQUEST: &[u8] =
    b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

/// The answer to a request head not complete within [`Timeouts::header`].
const REQUEST_TIMEOUT: &[u8] =
    b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

/// Parse the head at the start of `buf`, deciding whether the fast path serves it; its header
/// lines go to `fields`.
fn parse(buf: &[u8], fields: &mut Vec<Field>) -> Parsed {
    if buf.is_empty() {
        return Parsed::Incomplete;
    }
    // Uninitialised slots: zeroing them all cost more than parsing a short head.
    let mut slots = [const { std::mem::MaybeUninit::uninit() }; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut []);
    let len = match req.parse_with_uninit_headers(buf, &mut slots) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if buf.len() <= MAX_HEAD => return Parsed::Incomplete,
        _ => return Parsed::Handover,
    };
    if req.version != Some(1) {
        return Parsed::Handover;
    }
    let method = match req.method {
        Some("GET") => Method::GET,
        Some("POST") => Method::POST,
        Some("PUT") => Method::PUT,
        Some("DELETE") => Method::DELETE,
        Some("PATCH") => Method::PATCH,
        Some("OPTIONS") => Method::OPTIONS,
        Some(other) if other != "HEAD" && other != "CONNECT" => {
            match Method::from_bytes(other.as_bytes()) {
                Ok(m) => m,
                Err(_) => return Parsed::Handover,
            }
        }
        _ => return Parsed::Handover,
    };
    let base = buf.as_ptr() as usize;
    let offset = |s: &[u8]| {
        let start = s.as_ptr() as usize - base;
        start..start + s.len()
    };
    let Some(path) = req.path.map(|p| offset(p.as_bytes())) else {
        return Parsed::Handover;
    };
    let mut body: Option<u64> = None;
    let mut close = false;
    fields.clear();
    for h in req.headers.iter() {
        let name = h.name.as_bytes();
        if name.eq_ignore_ascii_case(b"content-length") {
            let Some(n) = headers::content_length(h.value) else {
                return Parsed::Handover;
            };
            if body.is_some_and(|b| b != n) {
                return Parsed::Handover;
            }
            body = Some(n);
        } else if name.eq_ignore_ascii_case(b"connection") {
            for token in headers::elements(h.value) {
                if token.eq_ignore_ascii_case(b"close") {
                    close = true;
                } else if token.eq_ignore_ascii_case(b"upgrade") {
                    return Parsed::Handover;
                }
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding")
            || name.eq_ignore_ascii_case(b"expect")
            || name.eq_ignore_ascii_case(b"upgrade")
        {
            return Parsed::Handover;
        }
        fields.push((offset(name), offset(h.value)));
    }
    let body = body.unwrap_or(0);
    if body > MAX_FAST_BODY {
        return Parsed::Handover;
    }
    Parsed::Request(Head {
        len,
        method,
        path,
        // At most MAX_FAST_BODY, checked just above.
        body: usize::try_from(body).unwrap_or(usize::MAX),
        close,
    })
}

/// Build the request the application sees, headers lower-cased in the map, and its [`Peer`]
/// with the client's spelling of the names in [`HeaderNames`].
fn request(
    head: &Head,
    fields: &[Field],
    bytes: &Bytes,
    body: Bytes,
    addr: SocketAddr,
) -> Option<(Request<RequestBody>, Peer)> {
    let uri = Uri::from_maybe_shared(bytes.slice(head.path.clone())).ok()?;
    let mut headers = HeaderMap::with_capacity(fields.len());
    for (name, value) in fields {
        headers.append(
            HeaderName::from_bytes(&bytes[name.clone()]).ok()?,
            HeaderValue::from_maybe_shared(bytes.slice(value.clone())).ok()?,
        );
    }
    let mut req = Request::new(if body.is_empty() {
        RequestBody::Empty
    } else {
        RequestBody::Full(body)
    });
    *req.method_mut() = head.method.clone();
    *req.uri_mut() = uri;
    *req.headers_mut() = headers;
    let client = Peer {
        addr,
        // The names as sent are read from the head if anything asks for them.
        header_names: Some(HeaderNames::from_head(bytes.clone())),
    };
    Some((req, client))
}

/// How the body of a response is framed on the wire.
enum Framing {
    None,
    Length(u64),
    Chunked,
}

/// Write `res`; `Ok(true)` when the connection stays open for another request.
async fn respond<R: Reply>(
    stream: &mut TcpStream,
    out: &mut Vec<u8>,
    reply: R,
    mut close: bool,
) -> io::Result<bool> {
    let (res, leading) = reply.into_parts();
    let leading = leading.as_ref();
    let (parts, mut body) = res.into_parts();
    let status = parts.status;
    out.clear();
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(status.canonical_reason().unwrap_or("<none>").as_bytes());
    out.extend_from_slice(b"\r\n");
    let bodiless = status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED;
    let exact = body.size_hint().exact();
    let mut declared: Option<u64> = None;
    let mut wrote_date = false;
    let mut wrote_close = false;
    // Generated values (see `Reply`): nothing to check or escape. They replace any headers of
    // their names (below).
    for (name, value) in leading {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    for (name, value) in &parts.headers {
        if !leading.is_empty() && leading.iter().any(|(n, _)| n == name) {
            continue;
        }
        if *name == header::CONTENT_LENGTH {
            // The body's own length wins; a declared one frames a body of unknown length.
            if bodiless || exact.is_some() || declared.is_some() {
                continue;
            }
            match headers::content_length(value.as_bytes()) {
                Some(n) => declared = Some(n),
                None => continue,
            }
        } else if *name == header::TRANSFER_ENCODING {
            // Framing is this writer's choice, made below.
            continue;
        } else if *name == header::CONNECTION {
            if headers::elements(value.as_bytes()).any(|t| t.eq_ignore_ascii_case(b"close")) {
                close = true;
                wrote_close = true;
            }
        } else if *name == header::DATE {
            wrote_date = true;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let framing = if bodiless {
        Framing::None
    } else if let Some(n) = exact {
        out.extend_from_slice(b"content-length: ");
        out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
        out.extend_from_slice(b"\r\n");
        Framing::Length(n)
    } else if let Some(n) = declared {
        Framing::Length(n)
    } else {
        out.extend_from_slice(b"transfer-encoding: chunked\r\n");
        Framing::Chunked
    };
    if close && !wrote_close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    if !wrote_date {
        out.extend_from_slice(b"date: ");
        date::extend(out);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    let mut left = match framing {
        Framing::None => {
            stream.write_all(out).await?;
            return Ok(!close);
        }
        Framing::Length(n) => n,
        Framing::Chunked => u64::MAX,
    };
    let chunked = matches!(framing, Framing::Chunked);
    if !body.is_end_stream() {
        loop {
            let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
            let data = match frame {
                None => break,
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(d) => d,
                    // Trailers: hyper sends them only to clients that asked; none do here.
                    Err(_) => continue,
                },
                // The body failed after the head went out: all a server can do is close.
                Some(Err(_)) => {
                    stream.write_all(out).await?;
                    return Ok(false);
                }
            };
            if data.is_empty() {
                continue;
            }
            if !chunked {
                if data.len() as u64 > left {
                    // More than the declared length: never send it; end the connection.
                    stream.write_all(out).await?;
                    return Ok(false);
                }
                left -= data.len() as u64;
            } else {
                out.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
            }
            write_data(stream, out, data).await?;
            if chunked {
                out.extend_from_slice(b"\r\n");
            }
            if body.is_end_stream() {
                break;
            }
            // More may take time to arrive (a streaming upstream): send what there is.
            stream.write_all(out).await?;
            out.clear();
        }
    }
    if chunked {
        out.extend_from_slice(b"0\r\n\r\n");
    } else if left != 0 {
        // Shorter than its declared length: the client can only learn that from a close.
        stream.write_all(out).await?;
        return Ok(false);
    }
    stream.write_all(out).await?;
    Ok(!close)
}

/// Append `data` to `out`, or (when large) write `out` and then `data` directly.
async fn write_data(stream: &mut TcpStream, out: &mut Vec<u8>, data: Bytes) -> io::Result<()> {
    if data.len() <= COALESCE {
        out.extend_from_slice(&data);
        return Ok(());
    }
    stream.write_all(out).await?;
    out.clear();
    stream.write_all(&data).await
}

/// The `date` header value, formatted once a second per thread (as hyper caches it).
mod date {
    use std::cell::RefCell;
    use std::time::{SystemTime, UNIX_EPOCH};

    thread_local! {
        static CACHE: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }

    /// Append the current `date` value to `out`.
    pub fn extend(out: &mut Vec<u8>) {
        let now = SystemTime::now();
        let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        CACHE.with(|c| {
            let mut c = c.borrow_mut();
            if c.0 != secs {
                c.0 = secs;
                c.1 = httpdate::fmt_http_date(now);
            }
            out.extend_from_slice(c.1.as_bytes());
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &[u8]) -> Head {
        head_and_fields(text).0
    }

    fn head_and_fields(text: &[u8]) -> (Head, Vec<Field>) {
        let mut fields = Vec::new();
        match parse(text, &mut fields) {
            Parsed::Request(h) => (h, fields),
            Parsed::Incomplete => panic!("incomplete"),
            Parsed::Handover => panic!("handover"),
        }
    }

    fn is_handover(text: &[u8]) -> bool {
        matches!(parse(text, &mut Vec::new()), Parsed::Handover)
    }

    #[test]
    fn plain_requests_are_served_here() {
        let text =
            b"POST /a?b=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nX-Api-Key: k\r\n\r\nabc";
        let (h, fields) = head_and_fields(text);
        assert_eq!(h.method, Method::POST);
        assert_eq!(&text[h.path.clone()], b"/a?b=1");
        assert_eq!(h.body, 3);
        assert_eq!(h.len, text.len() - 3);
        assert!(!h.close);
        let names: Vec<&[u8]> = fields.iter().map(|(n, _)| &text[n.clone()]).collect();
        assert_eq!(names, vec![&b"Host"[..], b"Content-Length", b"X-Api-Key"]);
        let (req, client) = request(
            &h,
            &fields,
            &Bytes::from_static(text),
            Bytes::from_static(b"abc"),
            "127.0.0.1:1".parse().unwrap(),
        )
        .unwrap();
        assert_eq!(req.uri().query(), Some("b=1"));
        assert_eq!(req.headers()["x-api-key"], "k");
        assert_eq!(
            client.header_names.unwrap().names(),
            ["Host", "Content-Length", "X-Api-Key"]
        );
        assert!(head(b"GET / HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n").close);
    }

    #[test]
    fn partial_heads_wait_for_more() {
        assert!(matches!(
            parse(b"GET / HTTP/1.1\r\nHost: x\r\n", &mut Vec::new()),
            Parsed::Incomplete
        ));
        assert!(matches!(parse(b"", &mut Vec::new()), Parsed::Incomplete));
    }

    #[test]
    fn everything_else_goes_to_hyper() {
        assert!(is_handover(b"GET / HTTP/1.0\r\n\r\n"));
        assert!(is_handover(b"HEAD / HTTP/1.1\r\n\r\n"));
        assert!(is_handover(b"CONNECT a:443 HTTP/1.1\r\n\r\n"));
        assert!(is_handover(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
        assert!(is_handover(
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        ));
        assert!(is_handover(
            b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n"
        ));
        assert!(is_handover(
            b"GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
        ));
        assert!(is_handover(
            b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"
        ));
        assert!(is_handover(
            b"POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n"
        ));
        assert!(is_handover(
            b"POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n"
        ));
        assert!(is_handover(b"GET  / HTTP/1.1\r\n\r\n"));
        let mut long = b"GET / HTTP/1.1\r\nX: ".to_vec();
        long.resize(MAX_HEAD + 10, b'a');
        assert!(is_handover(&long));
        let mut many = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..=MAX_HEADERS {
            many.extend_from_slice(format!("X-{i}: 1\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert!(is_handover(&many));
    }
}
