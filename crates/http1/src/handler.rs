//! What the server asks of the application: a [`Handler`] that turns a request and the
//! [`Peer`] it came from into a [`Reply`]. Any `tower::Service` can be one ([`FromService`]).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::HeaderName;
use http::{Request, Response};
use http_body::{Frame, SizeHint};

use crate::names::HeaderNames;
use crate::server::Streaming;

/// Errors a body may fail with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The connection a request came on, passed beside the request rather than in its
/// extensions (inserting there cost a boxed map per request).
#[derive(Debug, Clone)]
pub struct Peer {
    /// The client's address.
    pub addr: SocketAddr,
    /// The header names as the client spelled them, when the server could follow them.
    pub header_names: Option<HeaderNames>,
}

/// The application the server runs.
pub trait Handler: Clone + Send + Sync + 'static {
    /// What it answers.
    type Reply: Reply;
    /// Answer one request.
    fn call(
        &self,
        req: Request<RequestBody>,
        peer: Peer,
    ) -> impl Future<Output = Self::Reply> + Send;
}

/// An answer: a response, and headers the writer puts ahead of the response's own.
///
/// The leading headers let an application add per-request values it generated (ids made of
/// token characters) without building `HeaderValue`s and inserting them into the map; they
/// replace any headers of the same names in the response. Values must be valid header values.
pub trait Reply: Send + 'static {
    /// The response body.
    type Body: http_body::Body<Data = Bytes, Error: Into<BoxError> + Send> + Send + Unpin + 'static;
    /// The leading headers.
    type Leading: AsRef<[(HeaderName, String)]> + Send;
    /// The response and its leading headers, apart.
    fn into_parts(self) -> (Response<Self::Body>, Self::Leading);
    /// The whole response, leading headers in its map (for writers that take only a map).
    fn into_response(self) -> Response<Self::Body>;
}

impl<B> Reply for Response<B>
where
    B: http_body::Body<Data = Bytes, Error: Into<BoxError> + Send> + Send + Unpin + 'static,
{
    type Body = B;
    type Leading = [(HeaderName, String); 0];

    fn into_parts(self) -> (Response<B>, Self::Leading) {
        (self, [])
    }

    fn into_response(self) -> Response<B> {
        self
    }
}

/// A request body: read whole by the fast path, or streamed from hyper.
pub enum RequestBody {
    /// No body.
    Empty,
    /// The whole body, already read.
    Full(Bytes),
    /// A body still arriving.
    Streaming(Streaming),
}

impl http_body::Body for RequestBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        match &mut *self {
            RequestBody::Empty => Poll::Ready(None),
            RequestBody::Full(b) => {
                let data = std::mem::take(b);
                *self = RequestBody::Empty;
                Poll::Ready((!data.is_empty()).then(|| Ok(Frame::data(data))))
            }
            RequestBody::Streaming(s) => Pin::new(s).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            RequestBody::Empty => true,
            RequestBody::Full(b) => b.is_empty(),
            RequestBody::Streaming(s) => s.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            RequestBody::Empty => SizeHint::with_exact(0),
            RequestBody::Full(b) => SizeHint::with_exact(b.len() as u64),
            RequestBody::Streaming(s) => s.size_hint(),
        }
    }
}

/// Serves a `tower::Service` (the peer goes into the request's extensions, as [`Peer`]).
#[derive(Debug, Clone)]
pub struct FromService<S>(pub S);

impl<S, B> Handler for FromService<S>
where
    S: tower::Service<Request<RequestBody>, Response = Response<B>, Error = Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send,
    B: http_body::Body<Data = Bytes, Error: Into<BoxError> + Send> + Send + Unpin + 'static,
{
    type Reply = Response<B>;

    fn call(
        &self,
        mut req: Request<RequestBody>,
        peer: Peer,
    ) -> impl Future<Output = Response<B>> + Send {
        use tower::ServiceExt;
        req.extensions_mut().insert(peer);
        let svc = self.0.clone();
        async move {
            match svc.oneshot(req).await {
                Ok(r) => r,
                Err(never) => match never {},
            }
        }
    }
}
