//! One port, routed by request: execute-api calls to the data plane (by `Host` or path form),
//! the emulator's own `/_apigw/*` endpoints, query-protocol services (STS), and the
//! apigateway REST-JSON control plane.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::HOST;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tower::ServiceExt;

use std::sync::Arc;

use apigw_control::{query_protocol, AppState};
use apigw_data::context::Client;
use apigw_data::{addressing, Gateway};

use crate::publisher::Publisher;

/// Bodies of control-plane calls are small; this bounds what one request may buffer.
const MAX_CONTROL_BODY: usize = 16 * 1024 * 1024;

/// What the dispatcher needs: the control plane's state, the data plane, and the publisher.
#[derive(Clone)]
pub struct Shared {
    /// Control-plane state.
    pub state: AppState,
    /// The data plane.
    pub gateway: Arc<Gateway>,
    /// Reloads deployed stages (after a reset).
    pub publisher: Arc<Publisher>,
}

/// The whole application: execute-api calls go straight to the data plane (no router on the
/// hot path), everything else through the control plane's router.
#[derive(Clone)]
pub struct App {
    gateway: Arc<Gateway>,
    control: Router,
}

/// The whole application on one port.
pub fn app(shared: Shared) -> App {
    let control = apigw_control::router(shared.state.clone());
    let own = Router::new()
        .route("/_apigw/health", get(health))
        .route("/_apigw/reset", post(reset))
        .with_state(shared.clone());
    let state = shared.state.clone();
    let control = own
        .fallback(move |req: Request| route_rest(state.clone(), control.clone(), req))
        .layer(middleware::from_fn(request_id));
    App {
        gateway: shared.gateway,
        control,
    }
}

/// An answer: the control plane's, or the data plane's with its request ids beside it.
#[derive(Debug)]
pub enum Reply {
    /// Complete as it is.
    Plain(Response),
    /// Still to get its id headers ([`apigw_data::Answer`]).
    Gateway(apigw_data::Answer),
}

impl Reply {
    /// The whole response, id headers included.
    pub fn into_response(self) -> Response {
        match self {
            Reply::Plain(r) => r,
            Reply::Gateway(a) => a.into_response(),
        }
    }
}

impl App {
    /// Answer one request; `client` is the connection it came on, when the server knows it.
    pub async fn call(&self, req: Request, client: Option<&Client>) -> Reply {
        // Cheap clones (reference-counted bytes), so the target can borrow while `req` moves.
        let uri = req.uri().clone();
        let host = req.headers().get(HOST).cloned();
        let host = host.as_ref().and_then(|v| v.to_str().ok());
        if let Some(target) = addressing::resolve(host, uri.path()) {
            // Only a host of the `{api}.execute-api.{region}…` form names a region.
            let region = host
                .filter(|h| addressing::api_id_from_host(h).is_some())
                .and_then(region_of_host);
            return Reply::Gateway(self.gateway.handle(target, region, req, client).await);
        }
        match self.control.clone().oneshot(req).await {
            Ok(r) => Reply::Plain(r),
            Err(never) => match never {},
        }
    }
}

/// `abc.execute-api.eu-west-1.amazonaws.com` → `eu-west-1`.
fn region_of_host(host: &str) -> Option<&str> {
    let label = host.split('.').nth(2)?;
    (label.contains('-') && label.bytes().any(|b| b.is_ascii_digit())).then_some(label)
}

async fn route_rest(state: AppState, control: Router, req: Request) -> Response {
    if apigw_control::logs::is_logs_call(req.headers()) {
        return apigw_control::logs::handle(&state, req).await;
    }
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if query_protocol::is_query_call(
        req.method().as_str(),
        req.uri().path(),
        ct.as_deref(),
        req.uri().query(),
    ) {
        let query = req.uri().query().unwrap_or("").to_string();
        let body = match axum::body::to_bytes(req.into_body(), MAX_CONTROL_BODY).await {
            Ok(b) => b,
            Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        };
        let params: Vec<(String, String)> = form_pairs(query.as_bytes())
            .chain(form_pairs(&body))
            .collect();
        return query_protocol::handle(&state, &params).await;
    }
    match control.oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    }
}

fn form_pairs(bytes: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(bytes).map(|(k, v)| (k.into_owned(), v.into_owned()))
}

/// Every answer carries `x-amzn-RequestId`, as AWS's do.
async fn request_id(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    if !res.headers().contains_key("x-amzn-requestid") {
        if let Ok(v) = HeaderValue::from_str(&apigw_control::new_request_id()) {
            res.headers_mut().insert("x-amzn-requestid", v);
        }
    }
    res
}

async fn health(State(shared): State<Shared>) -> Response {
    let st = &shared.state;
    Json(serde_json::json!({
        "status": "running",
        "version": env!("CARGO_PKG_VERSION"),
        "state": st.store.location(),
        "accountId": st.config.account_id,
        "region": st.config.default_region,
    }))
    .into_response()
}

async fn reset(State(shared): State<Shared>) -> Response {
    match shared.state.store.reset().await {
        Ok(()) => {
            shared.gateway.clear();
            Json(serde_json::json!({ "reset": true })).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "reset failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Body::from("reset failed"),
            )
                .into_response()
        }
    }
}
