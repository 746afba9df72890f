//! The transport on real sockets: request framing cut at every byte, chunked bodies,
//! smuggling attempts, limits, timeouts, keep-alive, HTTP/1.0, HEAD and pipelining on the
//! server; reuse, closes and chunked answers on the pooled client; a tower Service served.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use apigw_http1::{balance, client, FromService, Handler, Peer, RequestBody, Timeouts, Worker};
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Answers with what it understood: method, target, the header names as spelled, the body.
/// A body that fails to arrive whole is answered 400.
#[derive(Clone)]
struct Echo;

impl Handler for Echo {
    type Reply = Response<Full<Bytes>>;

    async fn call(&self, req: Request<RequestBody>, peer: Peer) -> Response<Full<Bytes>> {
        let names = peer
            .header_names
            .map(|n| n.names().join(","))
            .unwrap_or_default();
        let head = format!("{} {} [{names}] ", req.method(), req.uri());
        match req.into_body().collect().await {
            Ok(body) => {
                let mut out = head.into_bytes();
                out.extend_from_slice(&body.to_bytes());
                Response::new(Full::new(Bytes::from(out)))
            }
            Err(_) => {
                let mut res = Response::new(Full::new(Bytes::from_static(b"bad body")));
                *res.status_mut() = StatusCode::BAD_REQUEST;
                res
            }
        }
    }
}

/// Serve `handler` on a port of its own, on a thread of its own as the gateway's workers run
/// (a current-thread runtime with the deadline watchdog); it lives as long as the test process.
async fn start<H: Handler>(handler: H, limits: Timeouts) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            tokio::spawn(apigw_http1::deadline::watchdog());
            let (workers, mut inboxes) = balance::Workers::new(1);
            let me = Worker {
                index: 0,
                balance: workers,
                inbox: inboxes.pop().unwrap(),
            };
            let (_stop_tx, stop) = tokio::sync::watch::channel(false);
            let listener = TcpListener::from_std(listener).unwrap();
            apigw_http1::serve(listener, me, handler, stop, limits).await
        })
    });
    addr
}

const LIMITS: Timeouts = Timeouts {
    header: Duration::from_secs(30),
    idle: Duration::from_secs(30),
};

async fn echo() -> SocketAddr {
    start(Echo, LIMITS).await
}

/// One parsed response off the wire.
#[derive(Debug)]
struct Answer {
    status: u16,
    version: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Read one response from `stream` (`buf` keeps bytes past it): `Content-Length` or chunked
/// bodies, none for HEAD or 204/304; `None` when the connection closed first.
async fn read_answer(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    head_request: bool,
) -> Option<Answer> {
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if !fill(stream, buf).await {
            return None;
        }
    };
    let text = String::from_utf8(buf[..end].to_vec()).unwrap();
    buf.drain(..end);
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap().to_string();
    let status: u16 = parts.next().unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.to_string(), v.trim().to_string())
        })
        .collect();
    let mut answer = Answer {
        status,
        version,
        headers,
        body: Vec::new(),
    };
    if head_request || status == 204 || status == 304 {
        return Some(answer);
    }
    if let Some(n) = answer.header("content-length") {
        let n: usize = n.parse().unwrap();
        while buf.len() < n {
            assert!(fill(stream, buf).await, "closed inside a body");
        }
        answer.body = buf.drain(..n).collect();
    } else if answer.header("transfer-encoding") == Some("chunked") {
        loop {
            let line_end = loop {
                if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                    break i;
                }
                assert!(fill(stream, buf).await, "closed inside a chunked body");
            };
            let size =
                usize::from_str_radix(std::str::from_utf8(&buf[..line_end]).unwrap(), 16).unwrap();
            buf.drain(..line_end + 2);
            while buf.len() < size + 2 {
                assert!(fill(stream, buf).await, "closed inside a chunk");
            }
            answer.body.extend(buf.drain(..size));
            buf.drain(..2);
            if size == 0 {
                break;
            }
        }
    } else {
        while fill(stream, buf).await {}
        answer.body = std::mem::take(buf);
    }
    Some(answer)
}

async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 8192];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            true
        }
    }
}

/// Whether the server closes the connection (reads end) with nothing more sent.
async fn closes(stream: &mut TcpStream, buf: &[u8]) -> bool {
    let mut rest = Vec::new();
    let eof = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut rest))
        .await
        .is_ok();
    eof && buf.is_empty() && rest.is_empty()
}

/// Send `wire` in two writes cut at `cut`, and read the one answer.
async fn exchange_cut(addr: SocketAddr, wire: &[u8], cut: usize) -> Answer {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.set_nodelay(true).unwrap();
    let (a, b) = wire.split_at(cut);
    s.write_all(a).await.unwrap();
    // Lets the server read the first part on its own most of the time; either way the
    // answer must be the same.
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_millis(1)).await;
    s.write_all(b).await.unwrap();
    read_answer(&mut s, &mut Vec::new(), false)
        .await
        .expect("an answer")
}

#[tokio::test]
async fn requests_cut_at_every_byte_are_read_the_same() {
    let addr = echo().await;
    let cases: [(&[u8], &str); 3] = [
        (
            b"POST /a?b=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-Api-Key: k\r\n\r\nhello",
            "POST /a?b=1 [Host,Content-Length,X-Api-Key] hello",
        ),
        (
            b"GET /g HTTP/1.1\r\nhost: x\r\nUser-Agent: t\r\n\r\n",
            "GET /g [host,User-Agent] ",
        ),
        // Chunked, with an extension and a trailer: served by hyper behind the fast path.
        (
            b"PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\n6\r\nworld!\r\n0\r\nX-Trailer: 1\r\n\r\n",
            "PUT /c [Host,Transfer-Encoding] hello world!",
        ),
    ];
    for (wire, want) in cases {
        for cut in 1..wire.len() {
            let a = exchange_cut(addr, wire, cut).await;
            assert_eq!(a.status, 200, "cut at {cut}");
            assert_eq!(String::from_utf8_lossy(&a.body), want, "cut at {cut}");
        }
    }
}

#[tokio::test]
async fn pipelined_requests_are_answered_in_order_across_the_handover() {
    let addr = echo().await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    // Fast path, fast path, chunked (hands the connection to hyper), then hyper's.
    s.write_all(
        b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\n\
POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc\
POST /3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n\
GET /4 HTTP/1.1\r\nHost: x\r\nX-Case: y\r\n\r\n",
    )
    .await
    .unwrap();
    let mut buf = Vec::new();
    let mut bodies = Vec::new();
    for _ in 0..4 {
        let a = read_answer(&mut s, &mut buf, false)
            .await
            .expect("an answer");
        assert_eq!(a.status, 200);
        bodies.push(String::from_utf8(a.body).unwrap());
    }
    assert_eq!(
        bodies,
        [
            "GET /1 [Host] ",
            "POST /2 [Host,Content-Length] abc",
            "POST /3 [Host,Transfer-Encoding] de",
            "GET /4 [Host,X-Case] ",
        ]
    );
    // Still open for more.
    s.write_all(b"GET /5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let a = read_answer(&mut s, &mut buf, false)
        .await
        .expect("an answer");
    assert_eq!(
        String::from_utf8(a.body.clone()).unwrap(),
        "GET /5 [Host,Connection] "
    );
    assert_eq!(a.header("connection"), Some("close"));
    assert!(closes(&mut s, &buf).await);
}

/// Send `wire` on a new connection; the answers until the server closes.
async fn answers_to(addr: SocketAddr, wire: &[u8]) -> Vec<Answer> {
    let mut s = TcpStream::connect(addr).await.unwrap();
    // The server may close before it read everything: a failed write is part of the test.
    let _ = s.write_all(wire).await;
    let mut buf = Vec::new();
    let mut out = Vec::new();
    while let Some(a) = tokio::time::timeout(
        Duration::from_secs(20),
        read_answer(&mut s, &mut buf, false),
    )
    .await
    .expect("the server neither answers nor closes")
    {
        out.push(a);
    }
    out
}

#[tokio::test]
async fn smuggling_attempts_are_refused_or_cannot_reach_a_second_request() {
    let addr = echo().await;
    let smuggled = |a: &Answer| String::from_utf8_lossy(&a.body).contains("/smuggled");
    // Content-Length and Transfer-Encoding together: the body is never read two ways, and
    // nothing after it is taken for a request.
    let both = answers_to(
        addr,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    .await;
    assert!(!both.iter().any(smuggled), "{both:?}");
    assert!(both.len() <= 1, "{both:?}");
    for (what, wire) in [
        (
            "differing lengths",
            &b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 30\r\n\r\nabcGET /smuggled HTTP/1.1\r\n\r\n"[..],
        ),
        (
            "a list of differing lengths",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 30\r\n\r\nabcGET /smuggled HTTP/1.1\r\n\r\n",
        ),
        (
            "a signed length",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabcGET /smuggled HTTP/1.1\r\n\r\n",
        ),
        (
            "an obsolete line fold",
            b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n",
        ),
        (
            "a space before the colon",
            b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length : 3\r\n\r\nabcGET /smuggled HTTP/1.1\r\n\r\n",
        ),
        (
            "a bare LF inside the request line",
            b"GET /\n HTTP/1.1\r\nHost: x\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n",
        ),
    ] {
        let got = answers_to(addr, wire).await;
        assert_eq!(got.len(), 1, "{what}: {got:?}");
        assert_eq!(got[0].status, 400, "{what}: {got:?}");
    }
    for (what, wire) in [
        (
            "a chunk size that is not hex",
            &b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n"[..],
        ),
        (
            "a chunk size past 64 bits",
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n",
        ),
        (
            "chunk data longer than its size",
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n",
        ),
    ] {
        // The body fails while the handler reads it: its answer (400 here), then the close.
        let got = answers_to(addr, wire).await;
        assert!(!got.iter().any(smuggled), "{what}: {got:?}");
        assert!(got.iter().all(|a| a.status == 400), "{what}: {got:?}");
        assert!(got.len() <= 1, "{what}: {got:?}");
    }
}

#[tokio::test]
async fn heads_past_the_limits_are_refused() {
    let addr = echo().await;
    let mut long = b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: ".to_vec();
    long.resize(long.len() + 1024 * 1024, b'a');
    long.extend_from_slice(b"\r\n\r\n");
    let got = answers_to(addr, &long).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].status, 431);
    let mut many = b"GET / HTTP/1.1\r\nHost: x\r\n".to_vec();
    for i in 0..200 {
        many.extend_from_slice(format!("X-{i}: 1\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    let got = answers_to(addr, &many).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].status, 431);
    // A long head under the limits goes through (hyper reads it), names and all.
    let mut fine = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Long: ".to_vec();
    fine.resize(fine.len() + 100 * 1024, b'a');
    fine.extend_from_slice(b"\r\n\r\n");
    let got = answers_to(addr, &fine).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        String::from_utf8_lossy(&got[0].body),
        "GET / [Host,Connection,X-Long] "
    );
}

#[tokio::test]
async fn a_head_not_finished_in_time_is_answered_408_and_closed() {
    let addr = start(
        Echo,
        Timeouts {
            header: Duration::from_millis(200),
            idle: Duration::from_secs(30),
        },
    )
    .await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut buf = Vec::new();
    let a = tokio::time::timeout(
        Duration::from_secs(20),
        read_answer(&mut s, &mut buf, false),
    )
    .await
    .expect("an answer in time")
    .expect("an answer");
    assert_eq!(a.status, 408);
    assert!(closes(&mut s, &buf).await);
    // A connection that sent nothing is closed without an answer.
    let mut quiet = TcpStream::connect(addr).await.unwrap();
    assert!(closes(&mut quiet, &[]).await);
}

#[tokio::test]
async fn keep_alive_http_1_0_and_head() {
    let addr = echo().await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    for i in 0..3 {
        s.write_all(format!("GET /{i} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let a = read_answer(&mut s, &mut buf, false)
            .await
            .expect("kept alive");
        assert_eq!((a.version.as_str(), a.status), ("HTTP/1.1", 200));
        assert_eq!(
            String::from_utf8(a.body.clone()).unwrap(),
            format!("GET /{i} [Host] ")
        );
        assert!(a.header("date").is_some());
        assert_eq!(a.header("connection"), None);
    }
    // HEAD: the length of the body a GET would get, no body, and the connection goes on.
    s.write_all(b"HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let a = read_answer(&mut s, &mut buf, true)
        .await
        .expect("an answer");
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-length"), Some("15"));
    s.write_all(b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let a = read_answer(&mut s, &mut buf, false)
        .await
        .expect("an answer");
    assert_eq!(String::from_utf8(a.body).unwrap(), "GET /after [Host] ");
    // HTTP/1.0 without keep-alive: answered, then closed.
    let mut old = TcpStream::connect(addr).await.unwrap();
    old.write_all(b"GET /old HTTP/1.0\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let a = read_answer(&mut old, &mut buf, false)
        .await
        .expect("an answer");
    assert_eq!(a.status, 200);
    assert_eq!(String::from_utf8(a.body).unwrap(), "GET /old [Host] ");
    assert!(closes(&mut old, &buf).await);
}

#[tokio::test]
async fn a_tower_service_is_served_with_its_peer() {
    let svc = tower::service_fn(|req: Request<RequestBody>| async move {
        let peer = req.extensions().get::<Peer>().expect("the peer").clone();
        let text = format!("{} from {}", req.uri(), peer.addr.ip());
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(text))))
    });
    let addr = start(FromService(svc), LIMITS).await;
    let got = answers_to(
        addr,
        b"GET /t HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(got.len(), 1);
    assert_eq!(String::from_utf8_lossy(&got[0].body), "/t from 127.0.0.1");
}

// ---- The pooled client ----

/// A backend that answers each request with `answer(n)` (n counting requests from 0), and
/// counts the connections it accepted. When `close_after` is set it closes each connection
/// after that many answers, without saying so.
async fn backend(
    answer: fn(usize) -> Vec<u8>,
    close_after: Option<usize>,
) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            count.fetch_add(1, Ordering::SeqCst);
            let requests = requests.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut served = 0;
                loop {
                    // Requests here have no body: a head is a request.
                    let end = loop {
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                        if !fill(&mut s, &mut buf).await {
                            return;
                        }
                    };
                    buf.drain(..end);
                    let n = requests.fetch_add(1, Ordering::SeqCst);
                    if s.write_all(&answer(n)).await.is_err() {
                        return;
                    }
                    served += 1;
                    if close_after == Some(served) {
                        return;
                    }
                }
            });
        }
    });
    (addr, accepted)
}

async fn get(
    addr: SocketAddr,
    path: &str,
) -> Result<(StatusCode, http::HeaderMap, Bytes), client::PoolError> {
    let url = format!("http://{addr}{path}");
    let target = client::Target::parse(&url).unwrap();
    let (parts, ()) = Request::get(path).body(()).unwrap().into_parts();
    let res = client::send(
        target,
        parts,
        http_body_util::Empty::<Bytes>::new(),
        Some,
        |_| false,
    )
    .await?;
    let (parts, body) = res.into_parts();
    let body = body
        .collect()
        .await
        .map_err(client::PoolError::Io)?
        .to_bytes();
    Ok((parts.status, parts.headers, body))
}

fn ok_with_length(n: usize) -> Vec<u8> {
    format!("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-N: {n}\r\n\r\nok").into_bytes()
}

#[tokio::test]
async fn the_client_reuses_a_kept_alive_connection() {
    let (addr, accepted) = backend(ok_with_length, None).await;
    for i in 0..5 {
        let (status, headers, body) = get(addr, "/r").await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(headers["x-n"], i.to_string().as_str());
        assert_eq!(body, "ok");
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_client_reconnects_when_the_backend_closed_or_asked_to_close() {
    // Closes silently after each answer: the idle connection is found closed and replaced.
    let (addr, accepted) = backend(ok_with_length, Some(1)).await;
    for _ in 0..3 {
        assert_eq!(get(addr, "/c").await.unwrap().2, "ok");
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
    // Says `Connection: close`: never pooled.
    fn closing(_: usize) -> Vec<u8> {
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok".to_vec()
    }
    let (addr, accepted) = backend(closing, None).await;
    for _ in 0..3 {
        assert_eq!(get(addr, "/c").await.unwrap().2, "ok");
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn the_client_reads_chunked_and_close_delimited_answers() {
    fn chunked(_: usize) -> Vec<u8> {
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n".to_vec()
    }
    let (addr, accepted) = backend(chunked, None).await;
    for _ in 0..2 {
        let (_, headers, body) = get(addr, "/").await.unwrap();
        assert_eq!(body, "hello world");
        assert!(headers.get("transfer-encoding").is_some());
    }
    // Chunked answers end where the framing says: the connection is reused.
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    fn until_close(_: usize) -> Vec<u8> {
        b"HTTP/1.1 200 OK\r\n\r\nall of it".to_vec()
    }
    let (addr, _) = backend(until_close, Some(1)).await;
    assert_eq!(get(addr, "/").await.unwrap().2, "all of it");
    fn bad_size(_: usize) -> Vec<u8> {
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n".to_vec()
    }
    let (addr, _) = backend(bad_size, None).await;
    assert!(get(addr, "/").await.is_err());
    fn two_lengths(_: usize) -> Vec<u8> {
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok".to_vec()
    }
    let (addr, _) = backend(two_lengths, None).await;
    assert!(get(addr, "/").await.is_err());
}
