//! apigw-http1: the HTTP/1.1 transport of apigw-local, written for speed where measurements
//! showed hyper's generality to cost (see each module) and handing everything else to hyper.
//!
//! - Server: [`serve`] runs a worker's accept loop; each connection starts on the fast path
//!   (plain HTTP/1.1 requests with no body or a small `Content-Length` one) and the
//!   first request it does not handle moves the connection to hyper for good. The application
//!   is a [`Handler`] (any `tower::Service` through [`FromService`]); it sees the header names
//!   as the client spelled them ([`HeaderNames`]) on both paths.
//! - [`balance`]: spreading connections evenly over worker threads; [`sched`]: their kernel
//!   scheduling policy.
//! - Client: [`client::send`] speaks HTTP/1.1 to plain-`http://` backends over per-thread
//!   keep-alive pools.
//! - [`deadline`]: timeouts that share one timer per worker thread.

pub mod balance;
pub mod client;
pub mod deadline;
mod fast;
pub mod field;
mod handler;
mod names;
pub mod sched;
mod server;

pub use fast::Timeouts;
pub use handler::{BoxError, FromService, Handler, Peer, Reply, RequestBody};
pub use names::HeaderNames;
pub use server::{serve, Streaming, Worker};
