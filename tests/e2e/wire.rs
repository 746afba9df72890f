//! HTTP/1.1 on the wire, both ways: the server's own fast path for plain requests (and its
//! handover to hyper for everything else), and the backend client's framing of what
//! HTTP_PROXY backends answer. Raw sockets on both sides, so the bytes are what is checked.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::fixtures::{add_resource, deploy, Route};
use crate::harness::{new_api, Server};

/// One parsed answer: status line, lower-cased headers, body.
#[derive(Debug)]
struct Answer {
    status_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn status(&self) -> u16 {
        self.status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A raw client connection that reads answers one at a time.
struct Client {
    conn: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    async fn connect(base: &str) -> Client {
        let conn = TcpStream::connect(base.trim_start_matches("http://"))
            .await
            .unwrap();
        Client {
            conn,
            buf: Vec::new(),
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.conn.write_all(bytes).await.unwrap();
    }

    /// Send a request without headers but `Host` or a body.
    async fn request(&mut self, method: &str, target: &str) {
        self.send(format!("{method} {target} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await;
    }

    /// Read more; false at end of stream.
    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 8192];
        let n = tokio::time::timeout(Duration::from_secs(10), self.conn.read(&mut chunk))
            .await
            .expect("answer within 10 s")
            .unwrap_or(0);
        self.buf.extend_from_slice(&chunk[..n]);
        n > 0
    }

    /// The next answer; `head_only` for answers to HEAD (no body whatever the length says).
    async fn answer(&mut self, head_only: bool) -> Answer {
        let end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            assert!(
                self.fill().await,
                "connection closed before a head: {:?}",
                self.buf
            );
        };
        let head = String::from_utf8(self.buf[..end].to_vec()).unwrap();
        self.buf.drain(..end + 4);
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap().to_string();
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (n, v) = l.split_once(':').unwrap();
                (n.to_ascii_lowercase(), v.trim().to_string())
            })
            .collect();
        let mut answer = Answer {
            status_line,
            headers,
            body: Vec::new(),
        };
        let code = answer.status();
        if head_only || code == 204 || code == 304 || (100..200).contains(&code) {
            return answer;
        }
        if let Some(n) = answer.header("content-length") {
            let n: usize = n.parse().unwrap();
            while self.buf.len() < n {
                assert!(self.fill().await, "body cut short");
            }
            answer.body = self.buf.drain(..n).collect();
        } else if answer.header("transfer-encoding") == Some("chunked") {
            loop {
                let line_end = loop {
                    if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                        break i;
                    }
                    assert!(self.fill().await, "chunked body cut short");
                };
                let size =
                    usize::from_str_radix(std::str::from_utf8(&self.buf[..line_end]).unwrap(), 16)
                        .unwrap();
                self.buf.drain(..line_end + 2);
                while self.buf.len() < size + 2 {
                    assert!(self.fill().await, "chunk cut short");
                }
                answer.body.extend(self.buf.drain(..size));
                self.buf.drain(..2);
                if size == 0 {
                    break;
                }
            }
        } else {
            while self.fill().await {}
            answer.body = std::mem::take(&mut self.buf);
        }
        answer
    }

    /// True when the server closed the connection (nothing more to read).
    async fn closed(&mut self) -> bool {
        self.buf.is_empty() && !self.fill().await
    }
}

/// An API with `GET /m` (MOCK answering `{"ok":true}`) and `/{proxy+}` ANY → HTTP_PROXY to
/// `{backend}/{proxy}`, deployed to `dev`. Returns the stage's path prefix.
async fn api(s: &Server, backend: &str) -> String {
    let c = s.sdk();
    let (api, root) = new_api(&c, "wire").await;
    let m = add_resource(&c, &api, &root, "m").await;
    let get = Route::new(&c, &api, &m, "GET");
    get.method().await;
    get.mock_json("{\"ok\":true}").await;
    let proxy = add_resource(&c, &api, &root, "{proxy+}").await;
    let any = Route::new(&c, &api, &proxy, "ANY");
    any.put_method()
        .request_parameters("method.request.path.proxy", true)
        .send()
        .await
        .unwrap();
    any.put_http_proxy(format!("{backend}/{{proxy}}"))
        .request_parameters(
            "integration.request.path.proxy",
            "method.request.path.proxy",
        )
        .send()
        .await
        .unwrap();
    deploy(&c, &api, "dev").await;
    format!("/_aws/execute-api/{api}/dev")
}

/// Read one request (head and `Content-Length` body) from a backend's socket, `got` holding
/// what was read past the previous one; `None` when the client closes.
async fn read_request(sock: &mut TcpStream, got: &mut Vec<u8>) -> Option<(String, String)> {
    let mut chunk = [0u8; 8192];
    let end = loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&got[..end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while got.len() < end + 4 + length {
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
        }
    }
    let body = String::from_utf8_lossy(&got[end + 4..end + 4 + length]).to_string();
    got.drain(..end + 4 + length);
    Some((head, body))
}

/// A backend answering each request with the raw bytes `script` gives for its path, on
/// keep-alive connections; returns its URL and a channel of the request heads (and bodies) it
/// received.
async fn raw_backend(
    script: fn(&str) -> Vec<Vec<u8>>,
) -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    backend(move |mut sock, tx| async move {
        let mut got = Vec::new();
        while let Some((head, body)) = read_request(&mut sock, &mut got).await {
            let path = head.split(' ').nth(1).unwrap_or("/").to_string();
            let _ = tx.send(format!("{head}\r\n\r\n{body}"));
            for piece in script(&path) {
                if piece.is_empty() {
                    // An empty piece: close the connection here.
                    let _ = sock.shutdown().await;
                    return;
                }
                if sock.write_all(&piece).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    })
    .await
}

/// A backend on an ephemeral port running `conn` for each connection it accepts, with a sender
/// for what the connection sees; returns its URL and the receiving end.
async fn backend<F, Fut>(conn: F) -> (String, tokio::sync::mpsc::UnboundedReceiver<String>)
where
    F: Fn(TcpStream, tokio::sync::mpsc::UnboundedSender<String>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(conn(sock, tx.clone()));
        }
    });
    (url, rx)
}

/// What the raw backend answers, by path.
fn script(path: &str) -> Vec<Vec<u8>> {
    let b = |s: &str| s.as_bytes().to_vec();
    match path {
        // Chunked, in pieces that arrive apart, with a trailer.
        "/chunked" => vec![
            b("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Up: 1\r\n\r\n5\r\nhello\r\n"),
            b("1;ext=x\r\n \r\n"),
            b("5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n"),
        ],
        // No length: the body ends when the backend closes.
        "/until-close" => vec![
            b("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst "),
            b("second"),
            vec![],
        ],
        "/http10" => vec![b("HTTP/1.0 201 Created\r\nContent-Length: 4\r\n\r\nv1.0")],
        "/continue" => vec![
            b("HTTP/1.1 100 Continue\r\n\r\n"),
            b("HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok"),
        ],
        "/empty" => vec![b("HTTP/1.1 204 No Content\r\nX-Up: 1\r\n\r\n")],
        // Headers of the names the gateway's ids go out under.
        "/ids" => vec![b(
            "HTTP/1.1 200 OK\r\nx-amzn-RequestId: upstream\r\nX-Amz-Apigw-Id: upstream\r\nContent-Length: 0\r\n\r\n",
        )],
        // The head and the body in separate writes.
        _ => vec![
            b("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nServer: raw\r\n\r\n"),
            b("split-len"),
        ],
    }
}

/// Pipelined requests, heads split over many writes, bodies, `Connection: close`: the fast
/// path answers each in order, as hyper did, with hyper's framing headers.
#[tokio::test]
async fn plain_requests_pipelined_split_and_closed() {
    let s = Server::start();
    let (backend, mut seen) = raw_backend(script).await;
    let stage = api(&s, &backend).await;
    let mut c = Client::connect(&s.url).await;
    // Two requests in one write.
    c.send(
        format!(
            "GET {stage}/m HTTP/1.1\r\nHost: x\r\n\r\nPOST {stage}/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-Case: Kept\r\n\r\nhello"
        )
        .as_bytes(),
    )
    .await;
    let first = c.answer(false).await;
    assert_eq!(first.status_line, "HTTP/1.1 200 OK");
    assert_eq!(first.body, b"{\"ok\":true}");
    assert_eq!(first.header("content-length"), Some("11"));
    assert!(first.header("date").is_some());
    assert!(first.header("x-amzn-requestid").is_some());
    let second = c.answer(false).await;
    assert_eq!(second.status(), 200);
    assert_eq!(second.body, b"split-len");
    assert_eq!(second.header("x-amzn-remapped-server"), Some("raw"));
    let got = seen.recv().await.unwrap();
    assert!(got.starts_with("POST /echo HTTP/1.1\r\n"), "{got}");
    assert!(got.contains("\r\nx-case: Kept\r\n"), "{got}");
    assert!(got.contains("\r\ncontent-length: 5\r\n"), "{got}");
    assert!(got.ends_with("\r\n\r\nhello"), "{got}");
    // A head (and body) arriving a few bytes at a time.
    let req = format!("PUT {stage}/ HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
    for piece in req.as_bytes().chunks(7) {
        c.send(piece).await;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // PUT / has no method (and `{proxy+}` needs a segment): AWS's 403 for a missing route,
    // still on the same connection.
    let third = c.answer(false).await;
    assert_eq!(third.status(), 403);
    assert_eq!(
        third.header("x-amzn-errortype"),
        Some("MissingAuthenticationTokenException")
    );
    // `Connection: close`: the answer says so and the server closes.
    c.send(format!("GET {stage}/m HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await;
    let last = c.answer(false).await;
    assert_eq!(last.status(), 200);
    assert_eq!(last.header("connection"), Some("close"));
    assert!(c.closed().await);
}

/// HTTP/1.0, HEAD, `Expect: 100-continue` and chunked request bodies move the connection to
/// hyper, which answers them as before; the connection keeps serving afterwards.
#[tokio::test]
async fn unusual_requests_are_answered_by_hyper() {
    let s = Server::start();
    let (backend, mut seen) = raw_backend(script).await;
    let stage = api(&s, &backend).await;
    // HEAD: the length of the GET answer, no body; then a GET on the same connection.
    let mut c = Client::connect(&s.url).await;
    c.request("HEAD", &format!("{stage}/")).await;
    let head = c.answer(true).await;
    assert_eq!(head.status(), 403, "{head:?}"); // `/` has no method
    c.request("GET", &format!("{stage}/m")).await;
    assert_eq!(c.answer(false).await.body, b"{\"ok\":true}");
    // Expect: 100-continue: the interim answer, then the real one once the body is sent.
    c.send(
        format!("POST {stage}/e HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
            .as_bytes(),
    )
    .await;
    let interim = c.answer(false).await;
    assert_eq!(interim.status(), 100);
    c.send(b"hi").await;
    let answer = c.answer(false).await;
    assert_eq!(answer.status(), 200);
    assert!(seen.recv().await.unwrap().ends_with("\r\n\r\nhi"));
    // A chunked request body reaches the backend whole, with its length.
    c.send(
        format!("POST {stage}/c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
            .as_bytes(),
    )
    .await;
    assert_eq!(c.answer(false).await.status(), 200);
    let got = seen.recv().await.unwrap();
    assert!(got.contains("\r\ncontent-length: 5\r\n"), "{got}");
    assert!(got.ends_with("\r\n\r\nabcde"), "{got}");
    // HTTP/1.0: answered in HTTP/1.0, then closed.
    let mut c = Client::connect(&s.url).await;
    c.send(format!("GET {stage}/m HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes())
        .await;
    let old = c.answer(false).await;
    assert!(old.status_line.starts_with("HTTP/1.0 200"), "{old:?}");
    assert_eq!(old.body, b"{\"ok\":true}");
    assert!(c.closed().await);
}

/// What backends answer, framed every way HTTP/1.1 allows, reaches the client whole, and the
/// backend connection is reused when (and only when) the framing leaves it usable.
#[tokio::test]
async fn backend_answers_in_every_framing() {
    let s = Server::start();
    let (backend, mut seen) = raw_backend(script).await;
    let stage = api(&s, &backend).await;
    let mut c = Client::connect(&s.url).await;
    let target = |path: &str| format!("{stage}{path}");
    c.request("GET", &target("/chunked")).await;
    let a = c.answer(false).await;
    assert_eq!(a.status(), 200);
    assert_eq!(a.body, b"hello world");
    assert_eq!(a.header("x-up"), Some("1"));
    assert_eq!(a.header("transfer-encoding"), Some("chunked"));
    c.request("GET", &target("/until-close")).await;
    let a = c.answer(false).await;
    assert_eq!(a.body, b"first second");
    c.request("GET", &target("/http10")).await;
    let a = c.answer(false).await;
    assert_eq!((a.status(), a.body.as_slice()), (201, &b"v1.0"[..]));
    c.request("GET", &target("/continue")).await;
    let a = c.answer(false).await;
    assert_eq!((a.status(), a.body.as_slice()), (202, &b"ok"[..]));
    c.request("GET", &target("/empty")).await;
    let a = c.answer(false).await;
    assert_eq!(a.status(), 204);
    assert_eq!(a.header("x-up"), Some("1"));
    assert_eq!(a.header("content-length"), None);
    // After all that, the client connection still serves.
    c.request("GET", &target("/again")).await;
    assert_eq!(c.answer(false).await.body, b"split-len");
    for _ in 0..6 {
        assert!(seen.recv().await.is_some());
    }
}

/// The request's ids replace a backend's headers of the same names: one of each on the wire,
/// the gateway's.
#[tokio::test]
async fn request_ids_replace_backend_headers_of_their_names() {
    let s = Server::start();
    let (backend, _seen) = raw_backend(script).await;
    let stage = api(&s, &backend).await;
    let mut c = Client::connect(&s.url).await;
    for path in ["/ids", "/m"] {
        c.request("GET", &format!("{stage}{path}")).await;
        let a = c.answer(false).await;
        assert_eq!(a.status(), 200);
        for name in ["x-amzn-requestid", "x-amz-apigw-id"] {
            let values: Vec<&str> = a
                .headers
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .collect();
            assert_eq!(values.len(), 1, "{path} {name}: {values:?}");
            assert_ne!(values[0], "upstream", "{path} {name}");
        }
        let id = a.header("x-amzn-requestid").unwrap();
        assert_eq!((id.len(), id.matches('-').count()), (36, 4), "{id}");
        assert!(a.header("x-amz-apigw-id").unwrap().ends_with('='));
    }
}

/// SIGTERM closes idle keep-alive connections at once, on the fast path and on hyper's, rather
/// than waiting out the 10 s grace period that requests in progress get.
#[tokio::test]
async fn shutdown_closes_idle_connections() {
    let s = Server::spawn_binary();
    let (backend, _seen) = raw_backend(script).await;
    let stage = api(&s, &backend).await;
    let mut fast = Client::connect(&s.url).await;
    fast.request("GET", &format!("{stage}/m")).await;
    assert_eq!(fast.answer(false).await.status(), 200);
    let mut handed_over = Client::connect(&s.url).await;
    handed_over.request("HEAD", &format!("{stage}/")).await;
    assert_eq!(handed_over.answer(true).await.status(), 403);
    let started = std::time::Instant::now();
    let stopping = tokio::task::spawn_blocking(move || s.stop());
    assert!(fast.closed().await);
    assert!(handed_over.closed().await);
    let _ = stopping.await;
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "shutdown waited for idle connections"
    );
}

/// SIGTERM during a request: that request is answered in full, then its connection closes; a
/// connection that never sent anything is closed at once.
#[tokio::test]
async fn shutdown_finishes_the_request_in_progress() {
    let s = Server::spawn_binary();
    // A backend that answers half a second after the request reached it.
    let (backend, mut seen) = backend(|mut sock, tx| async move {
        let mut got = Vec::new();
        while let Some((head, _)) = read_request(&mut sock, &mut got).await {
            let _ = tx.send(head);
            tokio::time::sleep(Duration::from_millis(500)).await;
            let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow";
            if sock.write_all(answer).await.is_err() {
                return;
            }
        }
    })
    .await;
    let stage = api(&s, &backend).await;
    let mut busy = Client::connect(&s.url).await;
    let mut silent = Client::connect(&s.url).await;
    busy.request("GET", &format!("{stage}/slow")).await;
    assert!(
        seen.recv().await.is_some(),
        "the request reached the backend"
    );
    let started = std::time::Instant::now();
    let stopping = tokio::task::spawn_blocking(move || s.stop());
    assert!(
        silent.closed().await,
        "a connection with no request is closed"
    );
    let a = busy.answer(false).await;
    assert_eq!((a.status(), a.body.as_slice()), (200, &b"slow"[..]));
    assert!(busy.closed().await, "closed after its answer");
    let _ = stopping.await;
    assert!(started.elapsed() < Duration::from_secs(8));
}

/// Connections spread over the workers (a worker that accepts while it serves more than
/// another hands the socket over): with three workers and a dozen keep-alive connections
/// opened at once, some are handed over, and every one of them serves request after request.
#[tokio::test]
async fn connections_handed_between_workers_keep_serving() {
    let s = Server::start_args(&["--workers", "3"]);
    let (backend, _seen) = raw_backend(script).await;
    let stage = api(&s, &backend).await;
    let mut clients = Vec::new();
    for _ in 0..12 {
        clients.push(Client::connect(&s.url).await);
    }
    for round in 0..3 {
        for c in &mut clients {
            c.request("GET", &format!("{stage}/m")).await;
        }
        for (i, c) in clients.iter_mut().enumerate() {
            let a = c.answer(false).await;
            assert_eq!(a.status(), 200, "connection {i}, round {round}");
            assert_eq!(a.body, b"{\"ok\":true}");
        }
        for c in &mut clients {
            c.request("GET", &format!("{stage}/plain")).await;
        }
        for c in &mut clients {
            assert_eq!(c.answer(false).await.body, b"split-len");
        }
    }
}

/// A backend that answers the first request on each connection and closes the connection on
/// reading the second, without a byte of an answer: what a backend that crashes, or closes an
/// idle keep-alive connection just as a request arrives, looks like. Sends each request's
/// method and path as it reads it.
async fn closing_backend() -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    backend(|mut sock, tx| async move {
        let mut got = Vec::new();
        for n in 0.. {
            let Some((head, _)) = read_request(&mut sock, &mut got).await else {
                return;
            };
            let line = head.lines().next().unwrap_or_default();
            let _ = tx.send(line.rsplit_once(' ').map_or(line, |(l, _)| l).to_string());
            if n == 1 {
                return;
            }
            let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
            if sock.write_all(answer).await.is_err() {
                return;
            }
        }
    })
    .await
}

/// A reused backend connection that closes with no answer: a GET goes out again on a new
/// connection (the client sees the answer), a POST does not (the backend may have acted on
/// it; the client gets INTEGRATION_FAILURE's 504), as RFC 9110 §9.2.2 allows retrying
/// only idempotent requests.
#[tokio::test]
async fn only_idempotent_requests_are_sent_again_after_a_closed_connection() {
    let s = Server::start();
    let (backend, mut seen) = closing_backend().await;
    let stage = api(&s, &backend).await;
    let mut c = Client::connect(&s.url).await;
    c.request("GET", &format!("{stage}/first")).await;
    assert_eq!(c.answer(false).await.body, b"ok");
    // The pooled connection's second request: closed on, then sent again on a new one.
    c.request("GET", &format!("{stage}/again")).await;
    let a = c.answer(false).await;
    assert_eq!((a.status(), a.body.as_slice()), (200, &b"ok"[..]));
    // The new connection's second request, a POST: not sent twice.
    c.send(
        format!("POST {stage}/post HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\ndata")
            .as_bytes(),
    )
    .await;
    let a = c.answer(false).await;
    assert_eq!(a.status(), 504);
    assert_eq!(
        a.header("x-amzn-errortype"),
        Some("InternalServerErrorException")
    );
    let mut lines = Vec::new();
    while let Ok(Some(l)) = tokio::time::timeout(Duration::from_millis(300), seen.recv()).await {
        lines.push(l);
    }
    assert_eq!(
        lines,
        ["GET /first", "GET /again", "GET /again", "POST /post"],
        "what the backend received"
    );
}
