//! Keep-alive HTTP/1.1 connections to plain-`http://` backends, one pool per worker thread.
//!
//! The server runs one single-threaded runtime per core, so a backend connection, its task
//! and the requests that use it stay on one thread: the pool is a thread-local map from
//! `host:port` to idle connections, with no lock and no cross-thread wake-up. (hyper-util's
//! pooled client spent about a fifth of a proxied request's instructions on its shared pool:
//! keyed hashing, checkout futures, re-insertion.)
//!
//! A connection goes back to the pool when its response body has been read to the end; a
//! body dropped early leaves the connection to close. A request that could not be written on
//! an idle connection the backend had meanwhile closed is sent again on a new one.

use std::cell::RefCell;
use std::collections::HashMap;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::header::HOST;
use axum::http::{HeaderValue, Request, Response, Uri};
use bytes::Bytes;
use http_body::{Body as _, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

/// Idle connections kept per backend and thread; more are closed when they come back.
const MAX_IDLE: usize = 512;

type Sender = SendRequest<Body>;

thread_local! {
    static IDLE: RefCell<HashMap<String, Vec<Sender>>> = RefCell::new(HashMap::new());
}

/// Why a backend call failed before a response arrived.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// The URI is not `http://host[:port]/…`.
    #[error("not a plain-HTTP URI")]
    BadUri,
    /// Connecting failed.
    #[error("connect: {0}")]
    Connect(#[from] std::io::Error),
    /// The exchange failed.
    #[error("http: {0}")]
    Http(#[from] hyper::Error),
}

/// Send `req` to the absolute `http://` URI `uri`: the request goes out in origin form with
/// `Host` set to the backend's authority.
///
/// # Errors
/// The URI is not plain HTTP, the backend cannot be reached, or the exchange fails.
pub async fn send(uri: &Uri, mut req: Request<Body>) -> Result<Response<PooledBody>, PoolError> {
    let authority = uri.authority().ok_or(PoolError::BadUri)?;
    if uri.scheme_str() != Some("http") {
        return Err(PoolError::BadUri);
    }
    let host = authority.host();
    let port = authority.port_u16().unwrap_or(80);
    let key = if authority.port().is_some() {
        authority.as_str().to_string()
    } else {
        format!("{host}:80")
    };
    let host_value = HeaderValue::from_str(authority.as_str()).map_err(|_| PoolError::BadUri)?;
    req.headers_mut().insert(HOST, host_value);
    *req.uri_mut() = uri
        .path_and_query()
        .map_or_else(|| Uri::from_static("/"), |pq| Uri::from(pq.clone()));
    // An idle connection first; if the backend closed it before the request could be
    // written, the request comes back unsent and goes out on a new connection.
    if let Some(mut sender) = checkout(&key) {
        match sender.try_send_request(req).await {
            Ok(res) => return Ok(pooled(res, key, sender)),
            Err(mut e) => match e.take_message() {
                Some(unsent) => req = unsent,
                None => return Err(e.into_error().into()),
            },
        }
    }
    let mut sender = connect(host, port).await?;
    let res = sender.send_request(req).await?;
    Ok(pooled(res, key, sender))
}

/// A new connection, its task spawned on this thread's runtime.
async fn connect(host: &str, port: u16) -> Result<Sender, PoolError> {
    // `[::1]` in a URI is `::1` to the resolver.
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let stream = tokio::net::TcpStream::connect((host, port)).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!(error = %e, "backend connection ended");
        }
    });
    Ok(sender)
}

/// The most recently returned idle connection for `key` that can take a request.
fn checkout(key: &str) -> Option<Sender> {
    IDLE.with(|idle| {
        let mut idle = idle.borrow_mut();
        let list = idle.get_mut(key)?;
        let mut i = list.len();
        while i > 0 {
            i -= 1;
            if list[i].is_ready() {
                return Some(list.swap_remove(i));
            }
            // Closed by the backend: dropped. Open but not ready yet (its connection task
            // has not seen the end of the last exchange): left for a later request.
            if list[i].is_closed() {
                list.swap_remove(i);
            }
        }
        None
    })
}

fn checkin(key: String, sender: Sender) {
    if sender.is_closed() {
        return;
    }
    IDLE.with(|idle| {
        let mut idle = idle.borrow_mut();
        let list = idle.entry(key).or_default();
        if list.len() < MAX_IDLE {
            list.push(sender);
        }
    });
}

fn pooled(res: Response<Incoming>, key: String, sender: Sender) -> Response<PooledBody> {
    res.map(|inner| {
        let done = inner.is_end_stream();
        PooledBody {
            inner,
            done,
            connection: Some((key, sender)),
        }
    })
}

/// A backend's response body that returns its connection to the pool once read to the end.
pub struct PooledBody {
    inner: Incoming,
    done: bool,
    connection: Option<(String, Sender)>,
}

impl http_body::Body for PooledBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let res = Pin::new(&mut self.inner).poll_frame(cx);
        match &res {
            Poll::Ready(None) => self.done = true,
            Poll::Ready(Some(Ok(_))) => self.done = self.inner.is_end_stream(),
            _ => {}
        }
        res
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for PooledBody {
    fn drop(&mut self) {
        // Read to the end: the connection is free for the next request. Otherwise the unread
        // rest of the body makes it unusable, and dropping the sender lets it close.
        if let (true, Some((key, sender))) = (self.done, self.connection.take()) {
            checkin(key, sender);
        }
    }
}
