//! Keep-alive HTTP/1.1 connections to plain-`http://` backends, one pool per worker thread,
//! with a small HTTP/1.1 client of its own.
//!
//! The server runs one single-threaded runtime per core, so a backend connection and the
//! requests that use it stay on one thread: the pool is a thread-local map from `host:port` to
//! idle connections, with no lock and no cross-thread wake-up. (hyper-util's pooled client
//! spent about a fifth of a proxied request's instructions on its shared pool; hyper's
//! connection task and its channels another quarter.) The exchange itself is written here: one
//! write for the head (and a small body), httparse for the response head, and a response body
//! that reads the socket directly — `Content-Length`, chunked or close-delimited, as hyper's
//! client decides (RFC 9112 §6.3).
//!
//! A connection goes back to the pool when its response body has been read to the end and the
//! backend keeps it alive; a body dropped early closes it. An idle connection the backend has
//! closed is noticed before use; if the backend closes one just as a request goes out (no byte
//! of an answer), a request whose body is buffered is sent again on a new connection — when
//! the write itself failed, or the method is idempotent (RFC 9110 §9.2.2): a POST the backend
//! may have acted on before it went away is not sent twice.

use std::cell::RefCell;
use std::sync::Arc;
// Fx hashing: these maps are looked up on every request with short keys (ids, names) the
// emulator's own user chose; SipHash's flooding resistance buys nothing here and cost ~300
// instructions a lookup.
use rustc_hash::FxHashMap as HashMap;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Bytes, BytesMut};
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Response, StatusCode, Uri, Version};
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;

use crate::BoxError;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Idle connections kept per backend and thread; more are closed when they come back.
const MAX_IDLE: usize = 512;
/// Request bodies of known length up to this size are buffered, so they can be sent again.
const MAX_BUFFERED: u64 = 1024 * 1024;
/// Body bytes up to this size go out in the same write as the head.
const COALESCE: usize = 16 * 1024;
/// The most response header lines read.
const MAX_HEADERS: usize = 100;
/// The longest response head read.
const MAX_HEAD: usize = 64 * 1024;
/// Bytes asked of the socket per read.
const READ_SIZE: usize = 16 * 1024;

thread_local! {
    static IDLE: RefCell<HashMap<Arc<str>, Vec<Conn>>> = RefCell::new(HashMap::default());
}

/// What `parse_head` keeps between a connection's responses.
#[derive(Default)]
struct Scratch {
    /// Each kept header's (renamed) name and where its value lies in the head: reused, so a
    /// response allocates no list.
    fields: Vec<(HeaderName, std::ops::Range<usize>)>,
    /// Header names seen on this connection, as sent and as renamed.
    names: Names,
}

/// The most header names a connection remembers.
const MAX_NAMES: usize = 32;

/// Response header names seen on one connection, parsed and renamed. A backend sends the same
/// names in the same order in every answer, so matching the bytes here skips parsing each into
/// a `HeaderName` and renaming it (~0.2k instructions a header).
#[derive(Default)]
struct Names {
    /// The renaming the names below went through.
    rename: Option<Rename>,
    seen: Vec<(Box<[u8]>, Option<HeaderName>)>,
}

impl Names {
    /// The renamed name of the `i`th header, `raw` as sent (`None`: dropped).
    fn get(
        &mut self,
        i: usize,
        raw: &[u8],
        rename: Rename,
    ) -> Result<Option<HeaderName>, PoolError> {
        if !self.rename.is_some_and(|r| std::ptr::fn_addr_eq(r, rename)) {
            self.seen.clear();
            self.rename = Some(rename);
        }
        // Where it was last time first, then anywhere.
        let hit = match self.seen.get(i) {
            Some((b, n)) if **b == *raw => Some(n),
            _ => self.seen.iter().find(|(b, _)| **b == *raw).map(|(_, n)| n),
        };
        if let Some(name) = hit {
            return Ok(name.clone());
        }
        let name =
            HeaderName::from_bytes(raw).map_err(|_| PoolError::Malformed("bad header name"))?;
        let renamed = rename(name);
        if self.seen.len() < MAX_NAMES {
            self.seen.push((raw.into(), renamed.clone()));
        }
        Ok(renamed)
    }
}

/// Room left in a response's header map for the headers the gateway adds to every answer
/// (`x-amzn-RequestId`, `x-amz-apigw-id`), so adding them does not grow the map.
const ADDED_HEADERS: usize = 2;

/// How response header names are renamed on their way into the map (`None` drops one).
pub type Rename = fn(HeaderName) -> Option<HeaderName>;

/// One backend connection and the bytes read from it but not yet consumed.
struct Conn {
    stream: TcpStream,
    buf: BytesMut,
    /// Kept with the connection for `parse_head`.
    scratch: Scratch,
    /// The pool it goes back to (the backend's authority).
    key: Arc<str>,
}

/// Where a request goes: an absolute `http://` URL taken apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target<'a> {
    /// `host[:port]`, as the `Host` header carries it.
    pub authority: &'a str,
    host: &'a str,
    port: u16,
    /// The origin-form request target: path and query.
    pub path: &'a str,
    /// The `Host` header when it is not `authority` ([`Target::with_host`]).
    host_header: Option<&'a str>,
}

impl<'a> Target<'a> {
    /// Take apart `http://host[:port][/path][?query]` without building an `http::Uri`
    /// (validating and copying one cost ~1.5k instructions a request). Only plain forms are
    /// accepted: `None` for anything else (user info, fragments, other bytes), which
    /// [`Target::from_uri`] then judges as `http::Uri` does.
    pub fn parse(url: &'a str) -> Option<Self> {
        let rest = url.strip_prefix("http://")?;
        let end = memchr::memchr2(b'/', b'?', rest.as_bytes()).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(end);
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p))
                if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) =>
            {
                (h, p.parse::<u16>().ok()?)
            }
            _ if authority.ends_with(']') || !authority.contains(':') => (authority, 80),
            _ => return None,
        };
        let plain_host = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(v6) => {
                !v6.is_empty()
                    && v6
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
            }
            None => {
                !host.is_empty()
                    && host.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~')
                    })
            }
        };
        // Visible ASCII but `#` (a fragment is never sent).
        let plain_path = path.bytes().all(|b| (0x21..0x7f).contains(&b) && b != b'#');
        if !plain_host || !plain_path || path.starts_with('?') {
            return None;
        }
        Some(Self {
            authority,
            host,
            port,
            path: if path.is_empty() { "/" } else { path },
            host_header: None,
        })
    }

    /// The same target sending `Host: host` instead of its own authority (a VPC link's
    /// backend answers for the name in the integration's URI); the connection and its pool
    /// are still the target's.
    pub fn with_host(self, host: &'a str) -> Self {
        Self {
            host_header: Some(host),
            ..self
        }
    }

    /// The same from a parsed URI.
    ///
    /// # Errors
    /// The URI is not `http://` with a host.
    pub fn from_uri(uri: &'a Uri) -> Result<Self, PoolError> {
        let authority = uri.authority().ok_or(PoolError::BadUri)?;
        if uri.scheme_str() != Some("http") {
            return Err(PoolError::BadUri);
        }
        Ok(Self {
            authority: authority.as_str(),
            host: authority.host(),
            port: authority.port_u16().unwrap_or(80),
            path: uri.path_and_query().map_or("/", |pq| pq.as_str()),
            host_header: None,
        })
    }
}

/// Why a backend call failed before a response arrived.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// The URI is not `http://host[:port]/…`.
    #[error("not a plain-HTTP URI")]
    BadUri,
    /// Connecting failed.
    #[error("connect: {0}")]
    Connect(io::Error),
    /// The exchange failed on the socket.
    #[error("io: {0}")]
    Io(#[from] io::Error),
    /// The backend's answer is not HTTP/1.x as RFC 9112 frames it.
    #[error("malformed response: {0}")]
    Malformed(&'static str),
    /// The request body failed while it was being sent.
    #[error("request body: {0}")]
    Body(BoxError),
}

/// Why an exchange failed, and whether the request may go out again on a new connection.
struct Failed {
    error: PoolError,
    /// The backend closed the connection before any byte of an answer.
    before_answer: bool,
    /// The request could not be written: the backend saw at most part of it.
    unsent: bool,
}

impl From<PoolError> for Failed {
    fn from(error: PoolError) -> Self {
        Self {
            error,
            before_answer: false,
            unsent: false,
        }
    }
}

impl From<io::Error> for Failed {
    fn from(e: io::Error) -> Self {
        PoolError::Io(e).into()
    }
}

/// The request body as it goes out.
enum Outgoing<B> {
    /// No body: no `Content-Length`, as hyper sends an empty body.
    Empty,
    /// Read whole before sending (known and small length): can be sent again.
    Buffered(Bytes),
    /// Streamed, chunked or with the length it announced.
    Stream(B, Option<u64>),
}

/// Send a request to `target`: it goes out in origin form with `Host` set to the backend's
/// authority (the parts' own URI is not used). Headers `skip` names are left out as the head
/// is written (the caller's hop-by-hop list: removing them from the map first cost a list and
/// a removal per request).
///
/// # Errors
/// The backend cannot be reached, or the exchange fails.
pub async fn send<B>(
    target: Target<'_>,
    parts: http::request::Parts,
    body: B,
    rename: Rename,
    skip: fn(&HeaderName) -> bool,
) -> Result<Response<PooledBody>, PoolError>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    let mut outgoing = match body.size_hint().exact() {
        _ if body.is_end_stream() => Outgoing::Empty,
        // Limited to the announced length: a body longer than it said is not sent.
        Some(n) if n <= MAX_BUFFERED => Outgoing::Buffered(
            http_body_util::Limited::new(body, usize::try_from(n).unwrap_or(usize::MAX))
                .collect()
                .await
                .map_err(PoolError::Body)?
                .to_bytes(),
        ),
        // GET and HEAD bodies of unknown length are not sent, as hyper does not send them.
        None if parts.method == Method::GET || parts.method == Method::HEAD => Outgoing::Empty,
        exact => Outgoing::Stream(body, exact),
    };
    let mut head = Vec::with_capacity(256);
    encode_head(
        &mut head,
        &parts.method,
        target.path,
        target.host_header.unwrap_or(target.authority),
        &parts.headers,
        skip,
        &outgoing,
    );
    let head_request = parts.method == Method::HEAD;
    if let Some(mut conn) = checkout(target.authority) {
        match exchange(&mut conn, &mut head, &mut outgoing, head_request, rename).await {
            Ok(answer) => return Ok(answer.into_response(conn)),
            Err(f)
                if f.before_answer
                    && !matches!(outgoing, Outgoing::Stream(..))
                    && (f.unsent || idempotent(&parts.method)) =>
            {
                tracing::debug!(error = %f.error, "idle backend connection was closed; reconnecting");
            }
            Err(f) => return Err(f.error),
        }
    }
    let mut conn = connect(&target).await?;
    match exchange(&mut conn, &mut head, &mut outgoing, head_request, rename).await {
        Ok(answer) => Ok(answer.into_response(conn)),
        Err(f) => Err(f.error),
    }
}

/// Methods a client may send again after a failure without asking (RFC 9110 §9.2.2).
fn idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
}

/// The request line and headers, as hyper's client writes them (lower-case names, `host`
/// first here; `content-length` for a known body, chunked for a streamed one of unknown
/// length except on GET and HEAD, nothing for an empty body). Headers `skip` names are left
/// out.
fn encode_head<B>(
    out: &mut Vec<u8>,
    method: &Method,
    path: &str,
    authority: &str,
    headers: &HeaderMap,
    skip: fn(&HeaderName) -> bool,
    body: &Outgoing<B>,
) {
    out.extend_from_slice(method.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(path.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\nhost: ");
    out.extend_from_slice(authority.as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        if matches!(
            *name,
            header::HOST | header::CONTENT_LENGTH | header::TRANSFER_ENCODING
        ) || skip(name)
        {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    match body {
        Outgoing::Empty => {}
        Outgoing::Buffered(b) => content_length_line(out, b.len() as u64),
        Outgoing::Stream(_, Some(n)) => content_length_line(out, *n),
        Outgoing::Stream(_, None) => {
            if *method != Method::GET && *method != Method::HEAD {
                out.extend_from_slice(b"transfer-encoding: chunked\r\n");
            }
        }
    }
    out.extend_from_slice(b"\r\n");
}

fn content_length_line(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(b"content-length: ");
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// A response head and how its body is framed.
struct Answer {
    response: Response<()>,
    framing: Framing,
    keep_alive: bool,
}

impl Answer {
    fn into_response(self, conn: Conn) -> Response<PooledBody> {
        let mut body = PooledBody {
            conn: Some(conn),
            framing: self.framing,
            keep_alive: self.keep_alive,
        };
        if body.framing.is_done() {
            body.finish();
        }
        self.response.map(|()| body)
    }
}

/// Write the request on `conn` and read the response head.
async fn exchange<B>(
    conn: &mut Conn,
    head: &mut Vec<u8>,
    body: &mut Outgoing<B>,
    head_request: bool,
    rename: Rename,
) -> Result<Answer, Failed>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    let closed = |e: io::Error| Failed {
        before_answer: true,
        unsent: true,
        error: PoolError::Io(e),
    };
    let sent = head.len();
    match body {
        Outgoing::Buffered(b) if b.len() <= COALESCE => {
            head.extend_from_slice(b);
            let r = conn.stream.write_all(head).await;
            head.truncate(sent);
            r.map_err(closed)?;
        }
        Outgoing::Buffered(b) => {
            conn.stream.write_all(head).await.map_err(closed)?;
            conn.stream.write_all(b).await.map_err(closed)?;
        }
        Outgoing::Empty => conn.stream.write_all(head).await.map_err(closed)?,
        Outgoing::Stream(b, length) => {
            conn.stream.write_all(head).await.map_err(closed)?;
            stream_body(&mut conn.stream, b, *length).await?;
        }
    }
    read_head(conn, head_request, rename).await
}

/// Send a streamed request body: as chunks when its length is unknown.
async fn stream_body<B>(
    stream: &mut TcpStream,
    body: &mut B,
    length: Option<u64>,
) -> Result<(), Failed>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    let mut left = length;
    loop {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await;
        let data = match frame {
            None => break,
            Some(Err(e)) => return Err(PoolError::Body(e.into()).into()),
            Some(Ok(f)) => match f.into_data() {
                Ok(d) if !d.is_empty() => d,
                _ => continue,
            },
        };
        match &mut left {
            Some(n) => {
                if data.len() as u64 > *n {
                    return Err(PoolError::Malformed("request body longer than its length").into());
                }
                *n -= data.len() as u64;
                stream.write_all(&data).await?;
            }
            None => {
                stream
                    .write_all(format!("{:x}\r\n", data.len()).as_bytes())
                    .await?;
                stream.write_all(&data).await?;
                stream.write_all(b"\r\n").await?;
            }
        }
    }
    match left {
        None => stream.write_all(b"0\r\n\r\n").await?,
        Some(0) => {}
        Some(_) => return Err(PoolError::Malformed("request body shorter than its length").into()),
    }
    Ok(())
}

/// Read the final response head, past any informational (1xx) ones.
async fn read_head(conn: &mut Conn, head_request: bool, rename: Rename) -> Result<Answer, Failed> {
    loop {
        if !conn.buf.is_empty() {
            match parse_head(&mut conn.buf, &mut conn.scratch, head_request, rename)? {
                Head::Final(answer) => return Ok(answer),
                Head::Informational => continue,
                Head::Incomplete => {}
            }
        }
        if conn.buf.len() > MAX_HEAD {
            return Err(PoolError::Malformed("response head too long").into());
        }
        conn.buf.reserve(READ_SIZE);
        let before = conn.buf.is_empty();
        match conn.stream.read_buf(&mut conn.buf).await {
            Ok(0) => {
                let error = PoolError::Io(io::ErrorKind::UnexpectedEof.into());
                return Err(Failed {
                    error,
                    before_answer: before,
                    unsent: false,
                });
            }
            Ok(_) => {}
            Err(e) => {
                return Err(Failed {
                    before_answer: before
                        && matches!(
                            e.kind(),
                            io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
                        ),
                    unsent: false,
                    error: PoolError::Io(e),
                })
            }
        }
    }
}

/// What a response's headers say about framing and the connection (RFC 9112 §6.3, §9.3).
#[derive(Default)]
struct Framed {
    connection_close: bool,
    connection_keep_alive: bool,
    transfer_encoding: bool,
    chunked_last: bool,
    length: Option<u64>,
    bad_length: bool,
}

impl Framed {
    fn read(headers: &[httparse::Header<'_>]) -> Self {
        let mut f = Self::default();
        for h in headers {
            let name = h.name.as_bytes();
            let values = crate::field::elements(h.value);
            if name.eq_ignore_ascii_case(b"connection") {
                for t in values {
                    f.connection_close |= t.eq_ignore_ascii_case(b"close");
                    f.connection_keep_alive |= t.eq_ignore_ascii_case(b"keep-alive");
                }
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                f.transfer_encoding = true;
                if let Some(chunked) = crate::field::chunked_last(h.value) {
                    f.chunked_last = chunked;
                }
            } else if name.eq_ignore_ascii_case(b"content-length") {
                for part in values {
                    match crate::field::content_length(part) {
                        Some(n) if f.length.is_none_or(|l| l == n) => f.length = Some(n),
                        _ => f.bad_length = true,
                    }
                }
            }
        }
        f
    }
}

/// What the bytes at the start of a connection's buffer hold.
enum Head {
    /// Not a whole head yet.
    Incomplete,
    /// An informational (1xx) answer, consumed and skipped.
    Informational,
    /// The response's head, consumed.
    Final(Answer),
}

/// Parse a response head at the start of `buf`, consuming it when complete. Each header name
/// goes through `rename` (`None` drops the header) on its way into the map.
fn parse_head(
    buf: &mut BytesMut,
    scratch: &mut Scratch,
    head_request: bool,
    rename: Rename,
) -> Result<Head, PoolError> {
    // Uninitialised slots: zeroing a hundred of them cost more than parsing a short head.
    let mut slots = [const { std::mem::MaybeUninit::uninit() }; MAX_HEADERS];
    let mut res = httparse::Response::new(&mut []);
    let len = match httparse::ParserConfig::default()
        .parse_response_with_uninit_headers(&mut res, buf, &mut slots)
    {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(Head::Incomplete),
        Err(_) => return Err(PoolError::Malformed("unparsable response head")),
    };
    let code = res.code.unwrap_or(0);
    let status = StatusCode::from_u16(code).map_err(|_| PoolError::Malformed("bad status"))?;
    if (100..200).contains(&code) && code != 101 {
        let _ = buf.split_to(len);
        return Ok(Head::Informational);
    }
    let version = if res.version == Some(0) {
        Version::HTTP_10
    } else {
        Version::HTTP_11
    };
    let f = Framed::read(res.headers);
    let mut keep_alive = if version == Version::HTTP_11 {
        !f.connection_close
    } else {
        f.connection_keep_alive
    };
    let framing = if code == 101 {
        keep_alive = false;
        Framing::Length(0)
    } else if code == 204 || code == 304 || head_request {
        Framing::Length(0)
    } else if f.transfer_encoding {
        if version == Version::HTTP_10 {
            return Err(PoolError::Malformed(
                "transfer-encoding in an HTTP/1.0 response",
            ));
        }
        if f.chunked_last {
            Framing::Chunked(Chunk::Size)
        } else {
            keep_alive = false;
            Framing::Close
        }
    } else if f.bad_length {
        return Err(PoolError::Malformed("bad or differing content-lengths"));
    } else if let Some(n) = f.length {
        Framing::Length(n)
    } else {
        keep_alive = false;
        Framing::Close
    };
    let base = buf.as_ptr() as usize;
    let Scratch { fields, names } = scratch;
    fields.clear();
    for (i, h) in res.headers.iter().enumerate() {
        if let Some(name) = names.get(i, h.name.as_bytes(), rename)? {
            let start = h.value.as_ptr() as usize - base;
            fields.push((name, start..start + h.value.len()));
        }
    }
    let head = buf.split_to(len).freeze();
    let mut headers = HeaderMap::with_capacity(fields.len() + ADDED_HEADERS);
    for (name, range) in fields.drain(..) {
        let value = HeaderValue::from_maybe_shared(head.slice(range))
            .map_err(|_| PoolError::Malformed("bad header value"))?;
        headers.append(name, value);
    }
    let mut response = Response::new(());
    *response.status_mut() = status;
    *response.version_mut() = version;
    *response.headers_mut() = headers;
    Ok(Head::Final(Answer {
        response,
        framing,
        keep_alive,
    }))
}

/// A new connection.
async fn connect(target: &Target<'_>) -> Result<Conn, PoolError> {
    // `[::1]` in a URI is `::1` to the resolver.
    let host = target.host.trim_start_matches('[').trim_end_matches(']');
    let stream = TcpStream::connect((host, target.port))
        .await
        .map_err(PoolError::Connect)?;
    stream.set_nodelay(true).map_err(PoolError::Connect)?;
    Ok(Conn {
        stream,
        buf: BytesMut::with_capacity(READ_SIZE),
        scratch: Scratch::default(),
        key: target.authority.into(),
    })
}

/// The most recently returned idle connection for `key` that the backend has not closed.
fn checkout(key: &str) -> Option<Conn> {
    IDLE.with(|idle| {
        let mut idle = idle.borrow_mut();
        let list = idle.get_mut(key)?;
        while let Some(mut conn) = list.pop() {
            // An idle connection has nothing to read: end of stream means the backend closed
            // it, bytes mean it is out of step. Either way it is dropped.
            match conn.stream.try_read_buf(&mut conn.buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Some(conn),
                _ => {}
            }
        }
        None
    })
}

fn checkin(conn: Conn) {
    IDLE.with(|idle| {
        let mut idle = idle.borrow_mut();
        if let Some(list) = idle.get_mut(&conn.key) {
            if list.len() < MAX_IDLE {
                list.push(conn);
            }
        } else {
            idle.insert(conn.key.clone(), vec![conn]);
        }
    });
}

/// How the rest of a response body is framed.
enum Framing {
    /// This many bytes remain.
    Length(u64),
    /// Chunked, at this point of a chunk.
    Chunked(Chunk),
    /// Until the backend closes the connection.
    Close,
    /// Read to the end.
    Done,
}

impl Framing {
    fn is_done(&self) -> bool {
        matches!(self, Framing::Length(0) | Framing::Done)
    }
}

/// Where a chunked decoder is (RFC 9112 §7.1).
#[derive(Clone, Copy)]
enum Chunk {
    /// Reading a chunk-size line.
    Size,
    /// In a chunk's data, this many bytes left.
    Data(u64),
    /// The CRLF after a chunk's data.
    DataEnd,
    /// Trailer lines after the last chunk, up to an empty line.
    Trailers,
}

/// What the chunked decoder got out of the buffer.
enum Step {
    Data(Bytes),
    More,
    End,
}

/// Decode from `buf` until data, the end, or the need for more bytes.
fn decode_chunked(state: &mut Chunk, buf: &mut BytesMut) -> Result<Step, PoolError> {
    loop {
        match *state {
            Chunk::Size | Chunk::Trailers => {
                let Some(i) = memchr::memchr(b'\n', buf) else {
                    if buf.len() > MAX_HEAD {
                        return Err(PoolError::Malformed("chunk line too long"));
                    }
                    return Ok(Step::More);
                };
                let line = buf.split_to(i + 1);
                let line = line[..i].strip_suffix(b"\r").unwrap_or(&line[..i]);
                if matches!(state, Chunk::Trailers) {
                    if line.is_empty() {
                        return Ok(Step::End);
                    }
                    continue;
                }
                let size = line
                    .split(|b| *b == b';')
                    .next()
                    .unwrap_or_default()
                    .trim_ascii();
                let n = std::str::from_utf8(size)
                    .ok()
                    .filter(|s| !s.is_empty() && s.len() <= 16)
                    .and_then(|s| u64::from_str_radix(s, 16).ok())
                    .ok_or(PoolError::Malformed("bad chunk size"))?;
                *state = if n == 0 {
                    Chunk::Trailers
                } else {
                    Chunk::Data(n)
                };
            }
            Chunk::Data(n) => {
                if buf.is_empty() {
                    return Ok(Step::More);
                }
                let take = usize::try_from(n).unwrap_or(usize::MAX).min(buf.len());
                let data = buf.split_to(take).freeze();
                let left = n - take as u64;
                *state = if left == 0 {
                    Chunk::DataEnd
                } else {
                    Chunk::Data(left)
                };
                return Ok(Step::Data(data));
            }
            Chunk::DataEnd => {
                if buf.starts_with(b"\r\n") {
                    let _ = buf.split_to(2);
                } else if buf.starts_with(b"\n") {
                    let _ = buf.split_to(1);
                } else if buf.is_empty() || buf[..] == b"\r"[..] {
                    return Ok(Step::More);
                } else {
                    return Err(PoolError::Malformed("chunk data longer than its size"));
                }
                *state = Chunk::Size;
            }
        }
    }
}

/// A backend's response body, read straight from its connection, which goes back to the pool
/// once the body has been read to the end.
pub struct PooledBody {
    conn: Option<Conn>,
    framing: Framing,
    keep_alive: bool,
}

impl PooledBody {
    /// The body is complete: the connection is free for the next request when the backend
    /// keeps it alive and sent nothing more.
    fn finish(&mut self) {
        self.framing = Framing::Done;
        if let Some(conn) = self.conn.take() {
            if self.keep_alive && conn.buf.is_empty() {
                checkin(conn);
            }
        }
    }

    /// Read more of the body into the buffer: `Ok(false)` at end of stream.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        let Some(conn) = self.conn.as_mut() else {
            return Poll::Ready(Ok(false));
        };
        loop {
            conn.buf.reserve(READ_SIZE);
            match conn.stream.try_read_buf(&mut conn.buf) {
                Ok(n) => return Poll::Ready(Ok(n > 0)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    ready!(conn.stream.poll_read_ready(cx))?;
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl Body for PooledBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = &mut *self;
        loop {
            let Some(conn) = this.conn.as_mut() else {
                return Poll::Ready(None);
            };
            match &mut this.framing {
                Framing::Done => return Poll::Ready(None),
                Framing::Length(0) => {
                    this.finish();
                    return Poll::Ready(None);
                }
                Framing::Length(n) => {
                    if !conn.buf.is_empty() {
                        let take = usize::try_from(*n)
                            .unwrap_or(usize::MAX)
                            .min(conn.buf.len());
                        let data = conn.buf.split_to(take).freeze();
                        *n -= take as u64;
                        if *n == 0 {
                            this.finish();
                        }
                        return Poll::Ready(Some(Ok(Frame::data(data))));
                    }
                    if !ready!(this.poll_fill(cx))? {
                        this.conn = None;
                        return Poll::Ready(Some(Err(io::ErrorKind::UnexpectedEof.into())));
                    }
                }
                Framing::Close => {
                    if !conn.buf.is_empty() {
                        let data = conn.buf.split().freeze();
                        return Poll::Ready(Some(Ok(Frame::data(data))));
                    }
                    if !ready!(this.poll_fill(cx))? {
                        this.framing = Framing::Done;
                        this.conn = None;
                        return Poll::Ready(None);
                    }
                }
                Framing::Chunked(state) => {
                    match decode_chunked(state, &mut conn.buf).map_err(io::Error::other)? {
                        Step::Data(d) => return Poll::Ready(Some(Ok(Frame::data(d)))),
                        Step::End => {
                            this.finish();
                            return Poll::Ready(None);
                        }
                        Step::More => {
                            if !ready!(this.poll_fill(cx))? {
                                this.conn = None;
                                return Poll::Ready(Some(Err(io::ErrorKind::UnexpectedEof.into())));
                            }
                        }
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.framing.is_done()
    }

    fn size_hint(&self) -> SizeHint {
        match self.framing {
            Framing::Length(n) => SizeHint::with_exact(n),
            Framing::Done => SizeHint::with_exact(0),
            _ => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(input: &[&[u8]]) -> Result<(Vec<u8>, bool), PoolError> {
        let mut state = Chunk::Size;
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for part in input {
            buf.extend_from_slice(part);
            loop {
                match decode_chunked(&mut state, &mut buf)? {
                    Step::Data(d) => out.extend_from_slice(&d),
                    Step::More => break,
                    Step::End => return Ok((out, true)),
                }
            }
        }
        Ok((out, false))
    }

    #[test]
    fn chunked_bodies_decode_at_any_split() {
        let wire: &[u8] = b"5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n";
        assert_eq!(
            decode_all(&[wire]).unwrap(),
            (b"hello 0123456789".to_vec(), true)
        );
        for cut in 1..wire.len() {
            let (a, b) = wire.split_at(cut);
            assert_eq!(
                decode_all(&[a, b]).unwrap(),
                (b"hello 0123456789".to_vec(), true),
                "cut at {cut}"
            );
        }
        let bytes: Vec<&[u8]> = wire.chunks(1).collect();
        assert_eq!(decode_all(&bytes).unwrap().0, b"hello 0123456789");
        assert!(decode_all(&[b"zz\r\n"]).is_err());
        assert!(decode_all(&[b"2\r\nabc\r\n"]).is_err());
        assert_eq!(decode_all(&[b"3\r\nab"]).unwrap(), (b"ab".to_vec(), false));
    }

    fn answer(wire: &[u8], head_request: bool) -> Answer {
        let mut buf = BytesMut::from(wire);
        match parse_head(&mut buf, &mut Scratch::default(), head_request, Some).unwrap() {
            Head::Final(a) => a,
            _ => panic!("not a final head"),
        }
    }

    #[test]
    fn response_framing_follows_rfc_9112() {
        let a = answer(
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A: b\r\n\r\nabc",
            false,
        );
        assert!(matches!(a.framing, Framing::Length(3)) && a.keep_alive);
        assert_eq!(a.response.headers()["x-a"], "b");
        let a = answer(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            false,
        );
        assert!(matches!(a.framing, Framing::Chunked(_)) && a.keep_alive);
        let a = answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false);
        assert!(matches!(a.framing, Framing::Close) && !a.keep_alive);
        let a = answer(b"HTTP/1.1 200 OK\r\n\r\n", false);
        assert!(matches!(a.framing, Framing::Close) && !a.keep_alive);
        let a = answer(
            b"HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n",
            false,
        );
        assert!(a.framing.is_done() && a.keep_alive);
        let a = answer(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", true);
        assert!(a.framing.is_done());
        let a = answer(
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n",
            false,
        );
        assert!(!a.keep_alive);
        let a = answer(b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", false);
        assert!(!a.keep_alive && a.response.version() == Version::HTTP_10);
        let mut buf = BytesMut::from(&b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"[..]);
        assert!(matches!(
            parse_head(&mut buf, &mut Scratch::default(), false, Some),
            Ok(Head::Informational)
        ));
        assert!(matches!(
            parse_head(&mut buf, &mut Scratch::default(), false, Some),
            Ok(Head::Incomplete)
        ));
        let mut buf = BytesMut::from(
            &b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"[..],
        );
        assert!(parse_head(&mut buf, &mut Scratch::default(), false, Some).is_err());
        let mut buf = BytesMut::from(&b"garbage\r\n\r\n"[..]);
        assert!(parse_head(&mut buf, &mut Scratch::default(), false, Some).is_err());
    }

    #[test]
    fn header_names_remembered_per_connection_come_out_as_parsed() {
        // Drops `server`, renames the rest to `x-renamed`.
        fn drop_server(name: HeaderName) -> Option<HeaderName> {
            (name != header::SERVER).then(|| HeaderName::from_static("x-renamed"))
        }
        let names = |s: &mut Scratch, wire: &[u8], rename: Rename| {
            let mut buf = BytesMut::from(wire);
            let Ok(Head::Final(a)) = parse_head(&mut buf, s, false, rename) else {
                panic!("not a final head");
            };
            let h = a.response.headers();
            h.keys()
                .map(|n| (n.to_string(), h.get_all(n).iter().count()))
                .collect::<Vec<_>>()
        };
        let mut s = Scratch::default();
        let first = b"HTTP/1.1 200 OK\r\nServer: a\r\nX-One: 1\r\nx-one: 2\r\n\r\n";
        let want = vec![("server".to_string(), 1), ("x-one".to_string(), 2)];
        assert_eq!(names(&mut s, first, Some), want);
        // Again from memory, then in another order, with a new name, and past the limit.
        assert_eq!(names(&mut s, first, Some), want);
        let other = b"HTTP/1.1 200 OK\r\nx-one: 2\r\nX-Two: 3\r\nServer: a\r\n\r\n";
        let got = names(&mut s, other, Some);
        assert_eq!(got.len(), 3);
        assert!(got.contains(&("x-two".to_string(), 1)) && got.contains(&("x-one".to_string(), 1)));
        let many: String = (0..MAX_NAMES + 5)
            .map(|i| format!("X-H{i}: v\r\n"))
            .collect();
        let wire = format!("HTTP/1.1 200 OK\r\n{many}\r\n");
        assert_eq!(names(&mut s, wire.as_bytes(), Some).len(), MAX_NAMES + 5);
        assert_eq!(names(&mut s, wire.as_bytes(), Some).len(), MAX_NAMES + 5);
        // Another renaming forgets what the first made of the same bytes.
        assert_eq!(
            names(&mut s, first, drop_server),
            vec![("x-renamed".to_string(), 2)]
        );
        assert_eq!(names(&mut s, first, Some), want);
    }

    #[test]
    fn heads_are_written_as_hyper_writes_them() {
        let mut headers = HeaderMap::new();
        headers.insert("x-a", HeaderValue::from_static("1"));
        headers.insert(header::HOST, HeaderValue::from_static("client"));
        headers.insert("x-skipped", HeaderValue::from_static("2"));
        let mut out = Vec::new();
        encode_head(
            &mut out,
            &Method::POST,
            "/p?q=1",
            "b:9",
            &headers,
            |n| n.as_str() == "x-skipped",
            &Outgoing::<http_body_util::Empty<Bytes>>::Buffered(Bytes::from_static(b"xy")),
        );
        assert_eq!(
            out,
            b"POST /p?q=1 HTTP/1.1\r\nhost: b:9\r\nx-a: 1\r\ncontent-length: 2\r\n\r\n"
        );
        out.clear();
        encode_head(
            &mut out,
            &Method::GET,
            "/",
            "b",
            &HeaderMap::new(),
            |_| false,
            &Outgoing::<http_body_util::Empty<Bytes>>::Empty,
        );
        assert_eq!(out, b"GET / HTTP/1.1\r\nhost: b\r\n\r\n");
        out.clear();
        encode_head(
            &mut out,
            &Method::PUT,
            "/",
            "b",
            &HeaderMap::new(),
            |_| false,
            &Outgoing::Stream(http_body_util::Empty::<Bytes>::new(), None),
        );
        assert_eq!(
            out,
            b"PUT / HTTP/1.1\r\nhost: b\r\ntransfer-encoding: chunked\r\n\r\n"
        );
    }

    #[test]
    fn targets_are_taken_apart_as_http_uri_does() {
        fn t(url: &str) -> Option<(&str, &str, u16, &str)> {
            Target::parse(url).map(|t| (t.authority, t.host, t.port, t.path))
        }
        assert_eq!(
            t("http://127.0.0.1:8080/a/b?x=1&y=%20"),
            Some(("127.0.0.1:8080", "127.0.0.1", 8080, "/a/b?x=1&y=%20"))
        );
        assert_eq!(t("http://backend"), Some(("backend", "backend", 80, "/")));
        assert_eq!(
            t("http://[::1]:9000/p"),
            Some(("[::1]:9000", "[::1]", 9000, "/p"))
        );
        assert_eq!(t("http://[::1]/"), Some(("[::1]", "[::1]", 80, "/")));
        // Left to http::Uri: other schemes, user info, fragments, a query without a path,
        // bytes a URI may not hold, ports out of range.
        for odd in [
            "https://h/",
            "http://u@h/",
            "http://h/a#f",
            "http://h?x=1",
            "http://h/a b",
            "http://h:99999/",
            "http://h:/",
            "http:///x",
            "http://h/\u{e9}",
        ] {
            assert_eq!(t(odd), None, "{odd}");
        }
        let uri: Uri = "http://h?x=1".parse().unwrap();
        let from = Target::from_uri(&uri).unwrap();
        assert_eq!((from.authority, from.port), ("h", 80));
        let uri: Uri = "https://h/".parse().unwrap();
        assert!(Target::from_uri(&uri).is_err());
    }
}
